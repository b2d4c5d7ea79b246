//! Tonks-Girardeau (TG) tubes coupled to a frozen TG bath (paper Sec. III.A, V.A-B, App. E-F).
//!
//! Units hbar = m = k_B = 1. In the TG limit there is no dressing: k' = 1, v = lambda,
//! n = 2 pi rho_p, rho_h = (1 - n)/(2 pi). Rates of the grazing collision operator (E8) are in
//! units of C = (2 pi)^2 k_r^2 |V^2| (set to 1).
//!
//! Modules:
//! - [`bath`]: the frozen bath occupation n_b (thermal Fermi-Dirac, Bragg-split (79)).
//! - [`stationary`]: stationary state n_st = n_b / (n_b + (1 - n_b) e^nu) (Sec. III.A, eq. (34)),
//!   with nu fixed by the density; all quantities held in log form (no underflow in the tails).
//! - [`transport`]: u (88), u' (corrected (89)), Var_m(lambda), D_RTA (77), Burgers nu.
//! - [`spectrum`]: the linearised grazing operator (E8), -(w phi')' = g m phi, discretised by an
//!   m-orthonormal polynomial basis (Stieltjes/Lanczos) and by P1 finite elements.
//! - [`diffusion`]: full D from (61): closed-form 1D quadrature, Galerkin D_N, and a direct
//!   finite-element solution of (61).
//!
//! Whether a truncated sequence (D_N vs N, D vs Lambda) has converged is judged by the audit
//! (`audit::convergence`), not here.

pub mod bath;
pub mod diffusion;
pub mod linalg;
pub mod spectrum;
pub mod stationary;
pub mod transport;

pub use bath::Bath;
pub use stationary::StationaryState;

/// Fixtures shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_fixtures {
    use crate::Bath;
    use crate::stationary::GridSpec;

    /// The Bragg-split bath (79) of Fig. 3(b): T = 1, mu = 8, lambda_B = 3.9, b = 9, norm = 1.
    pub(crate) fn fig3b_bath() -> Bath {
        Bath::BraggSplit {
            temperature: 1.0,
            mu: 8.0,
            lambda_b: 3.9,
            b: 9.0,
            norm: 1.0,
        }
    }

    /// Velocity grid of the stationary-state and transport tests (depth 80, step 0.02).
    pub(crate) fn grid_spec() -> GridSpec {
        GridSpec {
            depth: 80.0,
            step: 0.02,
        }
    }
}

/// Errors of the TG numerics.
#[derive(Debug, thiserror::Error)]
pub enum TgError {
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    #[error("root finding failed: {0}")]
    RootFinding(String),
    #[error("linear algebra failed: {0}")]
    Linalg(String),
}

pub type Result<T> = std::result::Result<T, TgError>;

/// ln(1 + e^x) without overflow.
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// ln(e^a + e^b) without overflow.
pub(crate) fn logaddexp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (lo - hi).exp().ln_1p()
}

/// Gauss-Legendre nodes and weights on [-1, 1], 4 points (exact for degree 7).
pub(crate) const GL4: [(f64, f64); 4] = [
    (-0.861_136_311_594_052_6, 0.347_854_845_137_453_9),
    (-0.339_981_043_584_856_3, 0.652_145_154_862_546_1),
    (0.339_981_043_584_856_3, 0.652_145_154_862_546_1),
    (0.861_136_311_594_052_6, 0.347_854_845_137_453_9),
];
