//! Stage `swap_model`: the velocity-swap model of Figs. 4 and 5 (bath (104) pair, gamma,
//! rho_b), written once to [`Table::SwapModel`] and read by the transport and Fig. 5 stages;
//! and the conversions of the contract's setup into the physics crates' types.

use contract::Table;
use contract::swap::{BathSide, Baths, SwapModel};
use pipeline::{FieldError, StageContext};
use serde::{Deserialize, Serialize};

use crate::io;
use crate::params::{bragg_bath, positive};

/// Parameters of `swap_model`: the model itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapModelParams {
    /// collision constant gamma of (38)/(39) (paper: 0.08)
    pub gamma: f64,
    /// bath density rho_b (paper: 50)
    pub rho_b: f64,
    /// the symmetric (b = 1) and asymmetric (b = 0.3) baths (104), sigma = 6, lambda_B = 5.9
    pub baths: Baths,
}

impl SwapModelParams {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        positive(&mut e, "gamma", self.gamma);
        positive(&mut e, "rho_b", self.rho_b);
        bragg_bath(&mut e, "baths.symmetric", &self.baths.symmetric);
        bragg_bath(&mut e, "baths.asymmetric", &self.baths.asymmetric);
        e
    }

    pub fn model(&self) -> SwapModel {
        SwapModel {
            gamma: self.gamma,
            rho_b: self.rho_b,
            baths: self.baths,
        }
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let model = self.model();
        for side in BathSide::ALL {
            bath(&model, *side)?;
        }
        io::write_json(ctx, Table::SwapModel, &model)?;
        ctx.summary(format!(
            "gamma = {}, rho_b = {}, b = {} / {}",
            model.gamma, model.rho_b, model.baths.symmetric.b, model.baths.asymmetric.b
        ));
        Ok(())
    }
}

/// The kinetic crate's bath (104) of one side of the model, normalised to rho_b.
pub fn bath(model: &SwapModel, side: BathSide) -> anyhow::Result<kinetic::Bath> {
    let b = model.bath(side);
    Ok(kinetic::Bath::bragg(b.sigma, b.lambda_b, b.b, model.rho_b)?)
}

/// The kinetic crate's statistics.
pub fn statistics(s: contract::swap::Statistics) -> kinetic::Statistics {
    match s {
        contract::swap::Statistics::Classical => kinetic::Statistics::Classical,
        contract::swap::Statistics::Fermionic => kinetic::Statistics::Fermionic,
    }
}

/// The kinetic model (38)/(39) of one bath side and statistics on a trapezoid velocity grid
/// cut where the bath is below `tail_tol` of its maximum, with node spacing <= `spacing`.
pub fn kinetic_model(
    model: &SwapModel,
    side: BathSide,
    s: contract::swap::Statistics,
    tail_tol: f64,
    spacing: f64,
) -> anyhow::Result<kinetic::SwapModel> {
    let bath = bath(model, side)?;
    let grid = kinetic::VelocityGrid::for_bath(&bath, tail_tol, spacing)?;
    Ok(kinetic::SwapModel::new(
        bath,
        model.gamma,
        statistics(s),
        grid,
    )?)
}
