//! Error type of the kinetic crate.

/// Errors raised by the velocity-swap kinetic theory.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KineticError {
    /// A physical parameter is out of its admissible range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        reason: &'static str,
    },
    /// A root finder failed to bracket or converge.
    #[error("root finding failed: {0}")]
    RootFinding(String),
    /// A linear solve failed (singular or non-finite system).
    #[error("linear algebra failed: {0}")]
    LinearAlgebra(String),
}

pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<(), KineticError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(KineticError::InvalidParameter {
            name,
            value,
            reason: "must be finite and > 0",
        })
    }
}
