//! Tonks-Girardeau tubes (paper Sec. V.A-B, App. E-F; Figs. 3, 6 and the truncation audit).
//! Rates are in units of C = (2 pi)^2 k_r^2 |V^2| of (E8), D in units of 1/C.

use serde::{Deserialize, Serialize};

use crate::{Record, category};

category! {
    /// The panels of Fig. 3.
    Panel {
        /// thermal bath T = 4: D_RTA vs the full D
        P3a = "3a",
        /// Bragg-split bath T = 1, b = 9, lambda_B = 3.9: Burgers nu
        P3b = "3b",
        /// Bragg-split bath T = 10, b = 9, lambda_B = 8: Burgers nu
        P3c = "3c",
    }
}

category! {
    /// How a truncated quantity was computed.
    Method {
        /// polynomial (Stieltjes) basis of size N
        Galerkin = "galerkin",
        /// closed form of (61) on [-Lambda, Lambda]
        Quadrature = "quadrature",
        /// P1 finite elements on [-Lambda, Lambda]
        Fem = "fem",
    }
}

/// Columns of [`crate::Table::TgTransport`]: one row per (panel, basis size, rho).
pub mod transport {
    /// [`super::Panel`]
    pub const PANEL: &str = "panel";
    /// bath temperature
    pub const T: &str = "T";
    pub const RHO: &str = "rho";
    pub const U: &str = "u";
    pub const DU_DRHO: &str = "du_drho";
    /// Var_m(lambda) of (77)
    pub const VAR_LAMBDA: &str = "var_lambda";
    /// tau_RTA = 1/g_1(N) at rho -> 0
    pub const TAU_RTA: &str = "tau_rta";
    /// D_RTA = tau_RTA Var_m (77)
    pub const D_RTA: &str = "D_rta";
    /// nu = D_RTA/u' (null where u' = 0 by parity)
    pub const NU_BURGERS: &str = "nu_burgers";
    /// polynomial basis size N behind tau_RTA
    pub const BASIS_SIZE: &str = "basis_size";
}

/// Columns of [`crate::Table::TgFullDiffusion`]: one row per (rho, method, N or cutoff).
pub mod full_diffusion {
    pub const RHO: &str = "rho";
    /// [`super::Method`]: `galerkin` or `quadrature`
    pub const METHOD: &str = "method";
    /// basis size (null for quadrature)
    pub const N: &str = "N";
    /// cutoff Lambda (null for galerkin)
    pub const CUTOFF: &str = "cutoff";
    pub const D: &str = "D";
}

/// Columns of [`crate::Table::TgSpectrum`]: one row per (rho, method, N or cutoff).
pub mod spectrum {
    pub const RHO: &str = "rho";
    /// [`super::Method`]: `galerkin` or `fem`
    pub const METHOD: &str = "method";
    /// basis size, or FEM nodes
    pub const N: &str = "N";
    /// half-width of the quadrature grid (galerkin), Lambda (fem)
    pub const CUTOFF: &str = "cutoff";
    pub const G1: &str = "g1";
}

/// Resolution floor: an eigenvalue g_1 with g_1 / g_max below this is rounding noise
/// (1e4 machine epsilons); such values are not written.
pub const RESOLUTION: f64 = 1e4 * f64::EPSILON;

/// Provenance of one panel of `tg_transport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransportPanel {
    pub panel: Panel,
    pub temperature: f64,
    pub bath_density: f64,
    pub rho_dilute: f64,
    pub basis_sizes: Vec<usize>,
    /// g_1(N) of the dilute state, per basis size
    pub g1_dilute: Vec<f64>,
    pub tau_rta: Vec<f64>,
    /// basis sizes whose g_1 is below the resolution floor (not written)
    pub unresolved_basis_sizes: Vec<usize>,
    pub grid_half_width: f64,
    pub grid_step: f64,
}

/// Provenance of `tg_transport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransportRecord {
    pub panels: Vec<TransportPanel>,
}

impl Record for TransportRecord {
    const KEY: &'static str = "tg_transport";
}

/// Independent checks of the closed form of (61) at one density.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullDiffusionChecks {
    pub rho: f64,
    pub nu: f64,
    /// g_1/g_max of the Galerkin problem per basis size (resolution of D_N)
    pub g1_over_gmax: Vec<f64>,
    /// slope dD/dLambda over the last two cutoffs, and the one predicted for thermal tails
    pub slope_last: Option<f64>,
    pub slope_predicted_thermal_tails: Option<f64>,
    pub check_cutoff: f64,
    pub closed_form: f64,
    pub closed_form_simpson_h_half: f64,
    /// direct FEM solutions of (61) with `fem_elements` and twice as many, and their
    /// Richardson extrapolation
    pub fem_direct: [f64; 2],
    pub fem_elements: [usize; 2],
    pub fem_richardson: f64,
    pub rel_diff_closed_form_vs_fem_richardson: f64,
    /// relative change of D_N at the largest resolved N when the quadrature step is halved
    pub galerkin_step_check: Option<(usize, f64)>,
}

/// Provenance of `tg_full_diffusion`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullDiffusionRecord {
    pub per_rho: Vec<FullDiffusionChecks>,
    /// max over rho of `rel_diff_closed_form_vs_fem_richardson`
    pub max_rel_diff_closed_form_vs_fem_direct: f64,
}

impl Record for FullDiffusionRecord {
    const KEY: &'static str = "tg_full_diffusion";
}

/// A g_1 below the resolution floor, left out of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unresolved {
    /// basis size (galerkin) or cutoff (fem)
    pub at: f64,
    pub g1: f64,
    pub g1_over_gmax: f64,
}

/// Provenance of `tg_spectrum` at one density.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectrumRho {
    pub rho: f64,
    pub galerkin_unresolved: Vec<Unresolved>,
    pub fem_unresolved: Vec<Unresolved>,
}

/// Provenance of `tg_spectrum`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectrumRecord {
    pub per_rho: Vec<SpectrumRho>,
    pub resolution_floor_g1_over_gmax: f64,
}

impl Record for SpectrumRecord {
    const KEY: &'static str = "tg_spectrum";
}
