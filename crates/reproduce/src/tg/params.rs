//! Parameter types shared by the Tonks-Girardeau stages: the bath of a tube, the quadrature
//! grid, the density grid of a Fig. 3 panel, and their validation.

use ::tg::Bath;
use ::tg::stationary::GridSpec;
use contract::tg::Panel;
use pipeline::FieldError;
use serde::{Deserialize, Serialize};

/// Bath of a tube.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum BathParams {
    Thermal {
        temperature: f64,
        mu: f64,
    },
    /// (79) normalised as n_b = norm [n_th(l + l_B) + b n_th(l - l_B)]/(1 + b).
    BraggSplit {
        temperature: f64,
        mu: f64,
        lambda_b: f64,
        b: f64,
        norm: f64,
    },
}

impl BathParams {
    pub fn bath(&self) -> Bath {
        match *self {
            BathParams::Thermal { temperature, mu } => Bath::Thermal { temperature, mu },
            BathParams::BraggSplit {
                temperature,
                mu,
                lambda_b,
                b,
                norm,
            } => Bath::BraggSplit {
                temperature,
                mu,
                lambda_b,
                b,
                norm,
            },
        }
    }

    /// The bath's own validation, reported at `path`.
    pub fn validate(&self, e: &mut Vec<FieldError>, path: &str) {
        if let Err(err) = self.bath().validate() {
            e.push(FieldError::new(path, err.to_string()));
        }
    }
}

/// Quadrature grid of the whole-line integrals.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridParams {
    /// Drop of ln n_b at the grid edge.
    pub depth: f64,
    pub step: f64,
}

impl GridParams {
    pub fn spec(&self) -> GridSpec {
        GridSpec {
            depth: self.depth,
            step: self.step,
        }
    }
    pub fn validate(&self, e: &mut Vec<FieldError>) {
        if !(self.depth >= 30.0 && self.depth <= 1300.0) {
            e.push(FieldError::new("grid.depth", "must lie in [30, 1300]"));
        }
        if !(self.step > 0.0 && self.step <= 0.2) {
            e.push(FieldError::new("grid.step", "must lie in (0, 0.2]"));
        }
    }
}

/// One panel of Fig. 3: its bath and linear density grid rho_min..rho_max (n_rho points).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelParams {
    pub name: Panel,
    pub bath: BathParams,
    pub rho_min: f64,
    pub rho_max: f64,
    pub n_rho: usize,
}

impl PanelParams {
    pub fn rhos(&self) -> Vec<f64> {
        let n = self.n_rho.max(2);
        (0..n)
            .map(|i| self.rho_min + (self.rho_max - self.rho_min) * i as f64 / (n - 1) as f64)
            .collect()
    }
}
