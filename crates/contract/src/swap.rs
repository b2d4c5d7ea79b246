//! The velocity-swap models of Figs. 4 and 5 (paper Sec. III, V.C): the model setup shared by
//! the transport and Fig. 5 stages, and the transport table of Fig. 4.

use serde::{Deserialize, Serialize};

use crate::{Record, category};

category! {
    /// Particle statistics: chi = 0 (classical) or chi = 1 (fermions) in (38)/(39).
    Statistics {
        Classical = "classical",
        Fermionic = "fermionic",
    }
}

category! {
    /// Which of the two baths (104) of Figs. 4 and 5.
    BathSide {
        /// b = 1: parity-symmetric bath (panels a, b of Fig. 5).
        Symmetric = "symmetric",
        /// b = 0.3: parity-asymmetric bath (panels c, d of Fig. 5).
        Asymmetric = "asymmetric",
    }
}

/// Bragg-split bath (104): `rho_b(lambda) ∝ exp(-(lambda + lambda_B)^2/sigma^2)
/// + b exp(-(lambda - lambda_B)^2/sigma^2)`, normalised to the bath density.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BraggBath {
    /// sigma of (104) (each Gaussian has standard deviation sigma/sqrt 2)
    pub sigma: f64,
    /// lambda_B of (104)
    pub lambda_b: f64,
    /// b of (104)
    pub b: f64,
}

/// The two baths of Figs. 4 and 5.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baths {
    pub symmetric: BraggBath,
    pub asymmetric: BraggBath,
}

/// The velocity-swap model of Figs. 4 and 5, written once (stage `swap_model`, table
/// [`crate::Table::SwapModel`]) and read by the transport and Fig. 5 stages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapModel {
    /// collision constant gamma of (38)/(39); rate per particle gamma rho_b
    pub gamma: f64,
    /// bath density rho_b
    pub rho_b: f64,
    pub baths: Baths,
}

impl SwapModel {
    pub fn bath(&self, side: BathSide) -> BraggBath {
        match side {
            BathSide::Symmetric => self.baths.symmetric,
            BathSide::Asymmetric => self.baths.asymmetric,
        }
    }
}

/// Columns of [`crate::Table::Transport`]: one row per (statistics, bath, rho).
pub mod transport {
    /// [`super::Statistics`]
    pub const STATISTICS: &str = "statistics";
    /// [`super::BathSide`]
    pub const BATH: &str = "bath";
    /// density rho [1/l]
    pub const RHO: &str = "rho";
    /// u (88) [hbar/(m l)]
    pub const U: &str = "u";
    /// u' by the corrected (89) [hbar l/m]
    pub const DU_DRHO: &str = "du_drho";
    /// D (99) [hbar/m]
    pub const D: &str = "D";
    /// D by the linearised collision operator, (61)-(63) [hbar/m]
    pub const D_DIRECT: &str = "D_direct";
    /// particle current J = int lambda rho_st [hbar/(m l^2)]
    pub const J: &str = "J";
}

/// Velocity grid of one (statistics, bath) case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VelocityGrid {
    pub lambda_min: f64,
    pub lambda_max: f64,
    pub nodes: usize,
    pub spacing: f64,
    pub tail_tol: f64,
}

/// Change of u, u', D at three densities when the velocity grid is refined (spacing halved,
/// tail tolerance tail_tol^(4/3)): the convergence error of the transport table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridConvergence {
    pub fine_spacing: f64,
    pub fine_tail_tol: f64,
    pub max_rel_change_d: f64,
    pub max_abs_change_u: f64,
    pub max_abs_change_du_drho: f64,
}

/// One (statistics, bath) case of the transport stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransportCase {
    pub statistics: Statistics,
    pub bath: BathSide,
    pub velocity_grid: VelocityGrid,
    pub grid_convergence: GridConvergence,
}

/// Provenance of the transport stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransportRecord {
    pub densities: usize,
    pub cases: Vec<TransportCase>,
}

impl TransportRecord {
    pub fn case(&self, statistics: Statistics, bath: BathSide) -> Option<&TransportCase> {
        self.cases
            .iter()
            .find(|c| c.statistics == statistics && c.bath == bath)
    }
}

impl Record for TransportRecord {
    const KEY: &'static str = "transport";
}
