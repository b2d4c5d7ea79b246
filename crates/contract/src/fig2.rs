//! Fig. 2: homogeneous relaxation of the classical swap model (MD vs kinetic eq. (38)).

use serde::{Deserialize, Serialize};

use crate::{Record, category};

category! {
    /// Which velocity histogram of Fig. 2's inset.
    Which {
        /// t = 0: thermal at the initial temperature.
        Initial = "initial",
        /// t = t_max: relaxed to the stationary state (20).
        Final = "final",
    }
}

/// Columns of [`crate::Table::Fig2Energy`]: one row per sample time.
pub mod energy {
    pub const T: &str = "t";
    /// ensemble mean of the kinetic energy per particle e(t)
    pub const E_MEAN: &str = "e_mean";
    /// its standard error over the realizations
    pub const E_SEM: &str = "e_sem";
    /// exact solution of (38)
    pub const E_KINETIC: &str = "e_kinetic";
}

/// Columns of [`crate::Table::Fig2Velocities`]: one row per (which, bin).
pub mod velocities {
    /// [`super::Which`]
    pub const WHICH: &str = "which";
    /// bin centre
    pub const LAMBDA: &str = "lambda";
    /// ensemble mean of the normalised velocity density
    pub const DENSITY: &str = "density";
    pub const DENSITY_SEM: &str = "density_sem";
    /// bin average of the theory (thermal, or (20) plus the unrelaxed remainder)
    pub const THEORY: &str = "theory";
}

/// Provenance of the Fig. 2 MD stage (what the audit needs: ensemble size and particles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fig2Record {
    pub n_particles: usize,
    pub realizations: usize,
    pub seed: u64,
    pub collision_events: u64,
    /// elapsed seconds of the ensemble (on the shared pool: with other stages' work in it)
    pub wall_s: f64,
    pub events_per_s: f64,
    /// thread seconds inside the realizations, summed over threads
    pub thread_s: f64,
    /// exp(-gamma rho_b t_max): weight of the unrelaxed initial state in the final histogram
    pub unrelaxed_fraction_at_t_max: f64,
    pub rng: String,
}

impl Record for Fig2Record {
    const KEY: &'static str = "fig2";
}
