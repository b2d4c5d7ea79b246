//! Hydrodynamics of the velocity-swap models (paper Sec. IV and VI, docs/physics.md §4).
//!
//! * [`burgers`]: conservative finite-volume solver of the generalized Burgers equation (2) in
//!   conservation form, `d_t rho + d_x [ J(rho) - D(rho) d_x rho ] = 0`, second order in space and
//!   time (MUSCL + Rusanov flux with SSP-RK2 for the advection, L-stable TR-BDF2 with Picard
//!   iterations for the stiff nonlinear diffusion, Strang splitting).
//! * [`transport`]: the transport model `J(rho)`, `u = J'(rho)`, `D(rho)` as a trait, with closure
//!   and PCHIP-tabulated implementations.
//! * [`phase_space`]: the spatial kinetic equations (38) (classical) and (39) (fermionic) with the
//!   frozen bath in `(x, lambda)`: discrete velocities, exact spectral (FFT) or conservative
//!   semi-Lagrangian advection
//!   and an exactly conservative exponential integrator for the local collision term.
//! * [`grid`]: the cell-centred grid, boundary conditions and slope limiters shared by both.
//!
//! Units: hbar = m = k_B = 1.

pub mod burgers;
mod exp;
pub mod grid;
pub mod phase_space;
pub mod transport;

pub use burgers::{Burgers, BurgersConfig, EvolveStats};
pub use grid::{Boundary, Grid, Limiter};
pub use phase_space::{
    Advection, KineticProfiles, KineticSolver, cell_averages_to_point_values, kinetic_profiles,
    point_values_to_cell_averages,
};

pub use transport::{FnTransport, LinearTransport, Pchip, Tabulated, Transport};

/// Errors of the hydrodynamics library.
#[derive(Debug, thiserror::Error)]
pub enum HydroError {
    /// A parameter is outside its valid range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        reason: &'static str,
    },
    /// The Picard iteration of an implicit diffusion stage did not converge.
    #[error(
        "Picard iteration did not converge in {iterations} iterations (last change {change:e})"
    )]
    PicardDiverged { iterations: usize, change: f64 },
    /// A non-finite value appeared in the solution.
    #[error("non-finite density at cell {cell}")]
    NonFinite { cell: usize },
    /// Root finding for a stationary state failed.
    #[error("stationary state: {0}")]
    Stationary(&'static str),
    /// The FFT library rejected a buffer (an internal invariant of the spectral advection).
    #[error("FFT: {0}")]
    Fft(String),
}

pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<(), HydroError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(HydroError::InvalidParameter {
            name,
            value,
            reason: "must be finite and > 0",
        })
    }
}
