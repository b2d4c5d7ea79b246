//! Small helpers for [`crate::StageKind::validate`] implementations.
//!
//! Each pushes a [`FieldError`] onto `errs` when the check fails, so a `validate`
//! reads as a list of physical constraints and reports every violation at once.

use crate::FieldError;

/// `value > 0` and finite.
pub fn positive(errs: &mut Vec<FieldError>, path: &str, value: f64) {
    if !(value.is_finite() && value > 0.0) {
        errs.push(FieldError::new(path, format!("must be > 0, got {value}")));
    }
}

/// `value >= 0` and finite.
pub fn non_negative(errs: &mut Vec<FieldError>, path: &str, value: f64) {
    if !(value.is_finite() && value >= 0.0) {
        errs.push(FieldError::new(path, format!("must be >= 0, got {value}")));
    }
}

/// `lo <= value <= hi`.
pub fn in_range(errs: &mut Vec<FieldError>, path: &str, value: f64, lo: f64, hi: f64) {
    if !(value.is_finite() && value >= lo && value <= hi) {
        errs.push(FieldError::new(
            path,
            format!("must be in [{lo}, {hi}], got {value}"),
        ));
    }
}

/// An integer count `>= min`.
pub fn at_least(errs: &mut Vec<FieldError>, path: &str, value: usize, min: usize) {
    if value < min {
        errs.push(FieldError::new(
            path,
            format!("must be >= {min}, got {value}"),
        ));
    }
}

/// A grid: non-empty, finite, strictly increasing.
pub fn increasing(errs: &mut Vec<FieldError>, path: &str, values: &[f64]) {
    if values.is_empty() {
        errs.push(FieldError::new(path, "must not be empty"));
        return;
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        errs.push(FieldError::new(
            format!("{path}[{i}]"),
            format!("must be finite, got {}", values[i]),
        ));
    }
    if let Some(i) = values.windows(2).position(|w| w[1] <= w[0]) {
        errs.push(FieldError::new(
            format!("{path}[{}]", i + 1),
            format!(
                "grid must be strictly increasing, got {} after {}",
                values[i + 1],
                values[i]
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_report_each_violation() {
        let mut e = Vec::new();
        positive(&mut e, "gamma", 0.0);
        positive(&mut e, "ok", 1.0);
        non_negative(&mut e, "b", -0.1);
        non_negative(&mut e, "nan", f64::NAN);
        in_range(&mut e, "chi", 2.0, 0.0, 1.0);
        at_least(&mut e, "n", 1, 2);
        increasing(&mut e, "grid", &[0.1, 0.2, 0.2]);
        let paths: Vec<_> = e.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["gamma", "b", "nan", "chi", "n", "grid[2]"]);
    }
}
