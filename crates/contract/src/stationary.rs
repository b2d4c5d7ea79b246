//! The stationary states the figures rest on (stage `stationary_states`): the classical state
//! (20) and the fermionic state (40) of the velocity-swap kinetic equations (38)/(39) for the
//! baths of Fig. 2 and Figs. 4/5, and the Tonks-Girardeau states (34) of the Fig. 3 baths, each
//! at a few densities and next to its bath.
//!
//! Conventions of [`crate::Table::StationaryStates`] (hbar = m = 1, no dressing, so the density
//! of states is `rho_t = 1/(2 pi)` in every system):
//! - `rho_p(lambda)` is the state's root density, `int rho_p dlambda = rho`;
//! - `n = 2 pi rho_p = rho_p / rho_t` is the occupation of docs/physics.md §1; for fermions and
//!   TG it is the filling `rho_p / (rho_p + rho_h)` (0 < n < 1), for classical particles it is
//!   unbounded (the paper's `n` of (82) with chi = 0);
//! - `rho_p_bath(lambda)` is the bath's root density as the paper normalises it: for the swap
//!   models the bath (104) with `int rho_p_bath = rho_b` (100 in Fig. 2, 50 in Figs. 4/5); for TG
//!   the bath tube's `n_b / (2 pi)` (its integral is the bath tube's density).

use serde::{Deserialize, Serialize};

use crate::{Record, category};

category! {
    /// Which stationary state: the statistics of the kinetic equation it solves.
    System {
        /// chi = 0: eq. (20), `rho_p = (rho / rho_b) rho_p^(b)` (velocity-swap model (38))
        Classical = "classical",
        /// chi = 1: eq. (40), `rho_p = (1/2pi) rho_p^(b) / (rho_p^(b) + A)` (swap model (39))
        Fermionic = "fermionic",
        /// Tonks-Girardeau tubes: (34) with equal dispersions, `n = n_b / (n_b + (1 - n_b) e^nu)`
        Tg = "tg",
    }
}

category! {
    /// Which bath the state is stationary against.
    Bath {
        /// Fig. 2: (104) with sigma = 0.2, lambda_B = 0.4, b = 0.5, rho_b = 100 (stage `fig2_md`)
        Fig2 = "fig2",
        /// Figs. 4/5 panels a, b: (104) with b = 1 (stage `swap_model`)
        Symmetric = "symmetric",
        /// Figs. 4/5 panels c, d: (104) with b = 0.3 (stage `swap_model`)
        Asymmetric = "asymmetric",
        /// Fig. 3a: thermal TG bath (stage `tg_transport`, panel 3a)
        Tg3a = "tg_3a",
        /// Fig. 3b: Bragg-split TG bath (79) (stage `tg_transport`, panel 3b)
        Tg3b = "tg_3b",
        /// Fig. 3c: Bragg-split TG bath (79) (stage `tg_transport`, panel 3c)
        Tg3c = "tg_3c",
    }
}

/// Columns of [`crate::Table::StationaryStates`]: one row per (system, bath, rho, lambda node)
/// on the velocity grid the stage solved on (uniform trapezoid grid per (system, bath)).
pub mod columns {
    /// [`super::System`]
    pub const SYSTEM: &str = "system";
    /// [`super::Bath`]
    pub const BATH: &str = "bath";
    /// density rho = int rho_p [1/l]
    pub const RHO: &str = "rho";
    /// velocity (rapidity) lambda [hbar/(m l)]
    pub const LAMBDA: &str = "lambda";
    /// root density rho_p(lambda) of the stationary state [m l/hbar per l]
    pub const RHO_P: &str = "rho_p";
    /// occupation n = 2 pi rho_p (the filling rho_p/(rho_p + rho_h) for fermions and TG)
    pub const N: &str = "n";
    /// the bath's root density on the same node (swap: int = rho_b; TG: n_b/(2 pi))
    pub const RHO_P_BATH: &str = "rho_p_bath";
}

/// Raw diagnostics of one state (the audit judges them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateDiagnostics {
    pub system: System,
    pub bath: Bath,
    pub rho: f64,
    /// the constant of the state: A of (20)/(40) (swap models), nu of (34) (TG)
    pub constant: f64,
    /// |int rho_p - rho| / rho, trapezoid rule on the stage's grid
    pub normalisation_error: f64,
    /// max over the grid nodes of |eps_st - eps_b - c|, with the pseudo-energies of (82)
    /// (`eps = ln((1 - chi n)/n)`; swap bath `eps_b = -ln(2 pi rho_p^(b))`, TG bath
    /// `eps_b = ln((1 - n_b)/n_b)`) evaluated from the written `rho_p` (swap) or the logs of
    /// the occupations (TG), and `c = ln(2 pi A)` (84) or `nu` (34)
    pub residual_84: f64,
    /// max over the nodes of |eps| (the scale of the rounding of `residual_84`)
    pub max_abs_eps: f64,
    /// swap models: max |I[rho_p]| / max (gamma K rho_p), the collision integral (38)/(39) at
    /// the state relative to its loss term; none for TG
    pub collision_residual: Option<f64>,
    /// the state the other stages use, compared on this stage's nodes: max |rho_p - other| /
    /// max rho_p (swap and TG: the state recomputed through the transport stage's code path and
    /// velocity grid; Fig. 2: bin averages of rho_p / rho against the final `theory` column of
    /// `fig2_velocities`, which includes the unrelaxed weight `unrelaxed_fraction`)
    pub agreement: f64,
    /// what `agreement` compares with
    pub agreement_with: String,
}

/// The velocity grid of one (system, bath).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateGrid {
    pub system: System,
    pub bath: Bath,
    pub lambda_min: f64,
    pub lambda_max: f64,
    pub nodes: usize,
    pub spacing: f64,
}

/// Provenance of `stationary_states`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationaryRecord {
    pub grids: Vec<StateGrid>,
    pub states: Vec<StateDiagnostics>,
    /// Fig. 2: exp(-gamma rho_b t_max) of `fig2_md`, the unrelaxed weight in its final theory
    /// histogram (the size of the expected Fig. 2 disagreement)
    pub fig2_unrelaxed_fraction: f64,
}

impl Record for StationaryRecord {
    const KEY: &'static str = "stationary_states";
}
