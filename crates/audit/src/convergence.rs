//! Convergence verdicts for sequences produced by refining a discretisation parameter
//! (basis size N, cutoff Lambda, grid step).
//!
//! Criterion (the constants the audit uses are `crate::stats::VERDICT_*`). A sequence x_0..x_{K-1} sampled
//! at refinements of a parameter is called converged only if ALL of:
//! 1. the last `k` relative increments d_i = |x_{i+1} - x_i| / |x_{i+1}| are below `tol`;
//! 2. they decrease geometrically: every ratio d_{i+1}/d_i over those increments is <= `r_max`
//!    (< 1);
//! 3. the geometric-tail estimate of the remaining change, d_last * r / (1 - r) with r the
//!    largest of those ratios, is below `tol`.
//!
//! A steadily growing sequence (e.g. linear in Lambda, or ~ sqrt(N)) has increments whose ratios
//! tend to 1 (or exceed 1), which fails 2 or 3 whatever the tolerance, so it can never be called
//! converged; a sequence that merely grows slowly also fails 3.

/// Outcome of [`verdict`].
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub converged: bool,
    /// Relative increments between successive entries.
    pub increments: Vec<f64>,
    /// Largest ratio of successive increments among the last k.
    pub worst_ratio: f64,
    /// Geometric-tail estimate of the remaining relative change.
    pub remainder: f64,
    pub reason: String,
}

/// Relative increments below this are rounding noise and count as zero.
pub const ROUNDING_FLOOR: f64 = 1e-13;

/// Applies the criterion of the module doc.
pub fn verdict(values: &[f64], tol: f64, k: usize, r_max: f64) -> Verdict {
    let increments: Vec<f64> = values
        .windows(2)
        .map(|w| {
            if w[1] != 0.0 {
                ((w[1] - w[0]) / w[1]).abs()
            } else {
                (w[1] - w[0]).abs()
            }
        })
        .map(|d| if d < ROUNDING_FLOOR { 0.0 } else { d })
        .collect();
    let fail = |reason: String, worst_ratio: f64, remainder: f64, increments: Vec<f64>| Verdict {
        converged: false,
        increments,
        worst_ratio,
        remainder,
        reason,
    };
    if values.iter().any(|v| !v.is_finite()) {
        return fail("non-finite entries".into(), f64::NAN, f64::NAN, increments);
    }
    if increments.len() < k + 1 || k < 2 {
        return fail(
            format!("need at least {} refinements", k + 2),
            f64::NAN,
            f64::NAN,
            increments,
        );
    }
    let last = &increments[increments.len() - k..];
    let ratios: Vec<f64> = last
        .windows(2)
        .map(|w| {
            if w[0] > 0.0 {
                w[1] / w[0]
            } else if w[1] == 0.0 {
                0.0
            } else {
                f64::INFINITY
            }
        })
        .collect();
    let worst = ratios.iter().cloned().fold(0.0, f64::max);
    let d_last = *last.last().unwrap();
    let remainder = if worst < 1.0 {
        d_last * worst / (1.0 - worst)
    } else {
        f64::INFINITY
    };
    if let Some(d) = last.iter().find(|&&d| d > tol) {
        return fail(
            format!("relative increment {d:.3e} > tol {tol:.1e}"),
            worst,
            remainder,
            increments,
        );
    }
    if worst > r_max {
        return fail(
            format!("increments not decreasing geometrically (ratio {worst:.3} > {r_max})"),
            worst,
            remainder,
            increments,
        );
    }
    if remainder > tol {
        return fail(
            format!("extrapolated remainder {remainder:.3e} > tol {tol:.1e}"),
            worst,
            remainder,
            increments,
        );
    }
    Verdict {
        converged: true,
        increments,
        worst_ratio: worst,
        remainder,
        reason: "converged".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growing_sequences_are_never_converged() {
        let lin: Vec<f64> = (1..=40).map(|i| 1.0 + i as f64).collect();
        let sq: Vec<f64> = (1..=40).map(|i| (i as f64 * 1000.0).sqrt()).collect();
        let lg: Vec<f64> = (1..=40).map(|i| 1e3 + (i as f64).ln()).collect();
        for seq in [&lin, &sq, &lg] {
            for tol in [1e-2, 1e-1, 0.5] {
                let v = verdict(seq, tol, 3, 0.7);
                assert!(!v.converged, "{v:?}");
            }
        }
    }

    #[test]
    fn geometric_convergence_is_recognised() {
        let s: Vec<f64> = (0..10).map(|i| 2.0 - 0.5f64.powi(i)).collect();
        let v = verdict(&s, 1e-2, 3, 0.7);
        assert!(v.converged, "{v:?}");
        let exp: Vec<f64> = (0..12).map(|i| 1.0 + (-(i as f64)).exp()).collect();
        assert!(verdict(&exp, 1e-3, 3, 0.7).converged);
        // exactly constant tail
        assert!(verdict(&[1.0, 1.0, 1.0, 1.0, 1.0], 1e-6, 3, 0.7).converged);
    }
}
