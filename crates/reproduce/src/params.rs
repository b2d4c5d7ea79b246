//! Parameter validation shared by the stage kinds (on top of [`pipeline::validate`]): each
//! helper pushes one [`FieldError`] per violated constraint, so a `validate` reads as a list of
//! physical constraints and reports every violation at once.
//!
//! Nothing here may compute an output: this module only rejects parameters before a stage runs,
//! so it is in no stage's code version (`xtask/src/code_units.rs`, `NO_OUTPUT_FILES`).

use pipeline::FieldError;
pub use pipeline::validate::{at_least, in_range, increasing, non_negative, positive};

/// A figure of at least 400 x 300 pixels.
pub fn figure_size(errs: &mut Vec<FieldError>, width: u32, height: u32) {
    if width < 400 || height < 300 {
        errs.push(FieldError::new(
            "width",
            format!("figure must be at least 400 x 300 pixels, got {width} x {height}"),
        ));
    }
}

/// A bath (104): sigma > 0, b >= 0, lambda_B finite.
pub fn bragg_bath(errs: &mut Vec<FieldError>, prefix: &str, b: &contract::swap::BraggBath) {
    positive(errs, &format!("{prefix}.sigma"), b.sigma);
    non_negative(errs, &format!("{prefix}.b"), b.b);
    if !b.lambda_b.is_finite() {
        errs.push(FieldError::new(
            format!("{prefix}.lambda_b"),
            "must be finite",
        ));
    }
}

/// Output times: non-empty, finite, >= 0 and strictly ascending.
pub fn times(errs: &mut Vec<FieldError>, path: &str, times: &[f64]) {
    increasing(errs, path, times);
    if let Some(i) = times.iter().position(|t| !(*t >= 0.0)) {
        errs.push(FieldError::new(
            format!("{path}[{i}]"),
            format!("must be >= 0, got {}", times[i]),
        ));
    }
}

/// Tail tolerance (0, 0.5] and velocity spacing > 0 of a velocity grid.
pub fn velocity_grid(errs: &mut Vec<FieldError>, tail_tol: f64, spacing: f64) {
    in_range(errs, "tail_tol", tail_tol, f64::MIN_POSITIVE, 0.5);
    positive(errs, "lambda_spacing", spacing);
}

/// Basis sizes: non-empty, in 2..=80, strictly increasing.
pub fn basis_sizes(errs: &mut Vec<FieldError>, path: &str, ns: &[usize]) {
    if ns.is_empty() || ns.iter().any(|&n| !(2..=80).contains(&n)) {
        errs.push(FieldError::new(
            path,
            "basis sizes must be non-empty and lie in 2..=80",
        ));
    }
    if ns.windows(2).any(|w| w[1] <= w[0]) {
        errs.push(FieldError::new(
            path,
            "basis sizes must be strictly increasing",
        ));
    }
}

/// Densities: non-empty, each > 0.
pub fn densities(errs: &mut Vec<FieldError>, path: &str, rhos: &[f64]) {
    if rhos.is_empty() {
        errs.push(FieldError::new(path, "must not be empty"));
    }
    for (i, r) in rhos.iter().enumerate() {
        positive(errs, &format!("{path}[{i}]"), *r);
    }
}
