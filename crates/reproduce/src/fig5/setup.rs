//! Stage `fig5_setup`: the Fig. 5 system, written once ([`Table::Fig5Setup`]) and read by the
//! MD, kinetic, hydrodynamic and figure stages, so the MD's ensemble size or time step never
//! reaches the deterministic stages' fingerprints.

use contract::Table;
use contract::fig5::Setup;
use contract::swap::SwapModel;
use pipeline::{FieldError, StageContext};
use serde::{Deserialize, Serialize};

use crate::io;
use crate::params::{at_least, positive, times};

/// Parameters of `fig5_setup` (the model comes from [`Table::SwapModel`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig5Setup {
    /// particles (paper: 1600)
    pub n_particles: usize,
    /// periodic box length
    pub box_len: f64,
    /// centre of the initial Gaussian bump
    pub bump_center: f64,
    /// standard deviation of the initial Gaussian bump
    pub bump_width: f64,
    /// output times (ascending; 0 allowed)
    pub times: Vec<f64>,
    /// density histogram bins over the box
    pub n_bins: usize,
}

impl Fig5Setup {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        at_least(&mut e, "n_particles", self.n_particles, 1);
        positive(&mut e, "box_len", self.box_len);
        positive(&mut e, "bump_width", self.bump_width);
        if !(0.0..self.box_len.max(0.0)).contains(&self.bump_center) {
            e.push(FieldError::new("bump_center", "must lie in [0, box_len)"));
        }
        times(&mut e, "times", &self.times);
        at_least(&mut e, "n_bins", self.n_bins, 1);
        e
    }

    /// The setup with the model of the swap stage.
    pub fn setup(&self, model: SwapModel) -> Setup {
        Setup {
            model,
            n_particles: self.n_particles,
            box_len: self.box_len,
            bump_center: self.bump_center,
            bump_width: self.bump_width,
            times: self.times.clone(),
            n_bins: self.n_bins,
        }
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let model: SwapModel = io::read_json(ctx, Table::SwapModel)?;
        let setup = self.setup(model);
        io::write_json(ctx, Table::Fig5Setup, &setup)?;
        ctx.summary(format!(
            "N = {}, bump width {}, box {}, times {:?}",
            setup.n_particles, setup.bump_width, setup.box_len, setup.times
        ));
        Ok(())
    }
}
