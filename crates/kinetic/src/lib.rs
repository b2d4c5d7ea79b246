//! Velocity-swap kinetic theory (paper Sec. III.C, IV, V.C): a classical frozen bath, stationary
//! states (20)/(40), and the hydrodynamic transport coefficients u (88), u' (89, corrected) and
//! D (99), with an independent route for D through the linearised collision operator (61)-(63).
//!
//! Units: hbar = m = k_B = 1.

pub mod bath;
pub mod collision;
pub mod error;
pub mod grid;
pub mod stationary;
pub mod transport;

pub use bath::{Bath, GaussianComponent, Statistics};
pub use error::KineticError;
pub use grid::VelocityGrid;
pub use stationary::{StationaryState, SwapModel};
pub use transport::Transport;
