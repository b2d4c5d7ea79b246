//! Beyond the paper's three panels: the Burgers parameters of TG tubes over the state of the
//! Bragg-split bath (79), on a grid of temperature T and peak separation lambda_B.

/// Columns of [`crate::Table::TgBurgersMap`]: one row per (rho, T, lambda_B).
pub mod columns {
    /// bath temperature T
    pub const T: &str = "T";
    /// bath chemical potential mu_b (fixed over the map)
    pub const MU_B: &str = "mu_b";
    /// peak separation lambda_B
    pub const LAMBDA_B: &str = "lambda_b";
    /// weight b of the second peak
    pub const B: &str = "b";
    /// normalisation of the bath occupation (79)
    pub const NORM: &str = "norm";
    /// tube density
    pub const RHO: &str = "rho";
    /// drift u(rho)
    pub const U: &str = "u";
    /// u'(rho)
    pub const DU_DRHO: &str = "du_drho";
    /// nu = D_RTA/u' (null where u' = 0)
    pub const NU_BURGERS: &str = "nu_burgers";
}

use serde::{Deserialize, Serialize};

use crate::Record;

/// Half of the full width at half maximum of the thermal occupation
/// n_th(lambda) = 1/(1 + exp((lambda^2/2 - mu)/T)) of (79): n_th(0) = 1/(1 + e^{-mu/T}), and
/// n_th(lambda) = n_th(0)/2 at lambda^2/2 = mu + T ln(1 + 2 e^{-mu/T}). This is "(width of
/// rho_th)/2" of Sec. V.B (the thermal rho_th = n_th/(2 pi) in TG has the same width); at
/// T -> 0 it is the Fermi momentum k_F = sqrt(2 mu).
pub fn thermal_half_width(temperature: f64, mu: f64) -> f64 {
    let x = -mu / temperature;
    // ln(1 + 2 e^x) without overflow for large x
    let ln = if x > 30.0 {
        x + (2.0f64).ln() + (1.0 + 0.5 * (-x).exp()).ln()
    } else {
        (1.0 + 2.0 * x.exp()).ln()
    };
    (2.0 * (mu + temperature * ln)).max(0.0).sqrt()
}

/// Provenance of [`crate::Table::TgBurgersMap`]: the grid, the fixed bath parameters and the
/// basis size behind tau_RTA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurgersMapRecord {
    pub mu_b: f64,
    /// k_F = sqrt(2 mu_b) of the bath's thermal state at T -> 0: the lambda_B axis unit
    pub k_f: f64,
    pub b: f64,
    pub norm: f64,
    pub temperatures: Vec<f64>,
    pub lambda_bs: Vec<f64>,
    pub rhos: Vec<f64>,
    /// basis size N of tau_RTA = 1/g_1(N) at rho -> 0 behind nu
    pub tau_basis_size: usize,
    /// baths (T, lambda_B) whose g_1(N) is below the resolution floor: nu not written
    pub unresolved: Vec<(f64, f64)>,
}

impl Record for BurgersMapRecord {
    const KEY: &'static str = "tg_burgers_map";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_limits() {
        // T -> 0: the Fermi momentum; mu = 0: sqrt(2 T ln 3)
        assert!((thermal_half_width(1e-3, 8.0) - 4.0).abs() < 1e-9);
        let w = thermal_half_width(2.0, 0.0);
        assert!((w - (4.0 * 3f64.ln()).sqrt()).abs() < 1e-12);
        // the definition: n_th(w) = n_th(0)/2
        let (t, mu) = (3.0, 8.0);
        let n = |l: f64| 1.0 / (1.0 + ((0.5 * l * l - mu) / t).exp());
        let w = thermal_half_width(t, mu);
        assert!((n(w) - 0.5 * n(0.0)).abs() < 1e-12);
    }
}
