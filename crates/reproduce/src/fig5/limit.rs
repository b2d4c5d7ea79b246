//! Stage `hydro_limit`: the approach of the kinetic equations (38)/(39) to the hydrodynamic
//! equation (2) as gradients weaken (first-order Chapman-Enskog).
//!
//! Why a stage of its own: in the Fig. 5 window (bump std w = 320, t <= 400) the bump barely
//! widens (2 D t << w^2), so the kinetic-hydro gap is pre-asymptotic. It consists of the initial
//! slip (kinetic starts in local equilibrium, without the first-order correction: its variance
//! lags the hydro one by 2 D / (gamma rho_b) for ever, a profile difference ~ (D/nu) d_x^2 rho
//! that decays like 1/s^2) plus beyond-Chapman-Enskog cumulants that grow linearly in t (for
//! the classical model exactly kappa_3 = 6 mu_3 (t/nu^2 - 2/nu^3) and kappa_4 ~ 24 mu_4 t/nu^3):
//! together the L1 gap is not monotone there. Here a narrow bump with the same peak density
//! (same Pauli blocking) is followed until 2 D t >> w^2, where every part of the gap decays.
//!
//! The model comes from [`Table::Fig5Setup`]; the numerics (time step, velocity grid, PCHIP
//! tables) from the `fig5_kinetic` and `fig5_hydro` stages' parameters, only the cell counts are
//! set here. Output [`Table::HydroLimit`] (columns [`contract::fig5::limit`]).

use contract::Table;
use contract::fig5::{LimitPanel, LimitRecord, Panel, Setup, limit as col};
use contract::measure::{coarsen, gcd, l1_rel, moments};
use hydro::Grid;
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use serde::{Deserialize, Serialize};

use super::hydro::Fig5Hydro;
use super::kinetic::Fig5Kinetic;
use crate::io;
use crate::params::{at_least, positive, times};

/// Parameters of `hydro_limit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HydroLimit {
    /// Gaussian bump: particles, standard deviation, periodic box and centre.
    pub n_particles: usize,
    pub bump_width: f64,
    pub box_len: f64,
    pub bump_center: f64,
    /// Output times (ascending, > 0).
    pub times: Vec<f64>,
    /// Cells of the kinetic and of the hydrodynamic grid over the box.
    pub kinetic_cells: usize,
    pub hydro_cells: usize,
}

impl HydroLimit {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        positive(&mut e, "bump_width", self.bump_width);
        positive(&mut e, "box_len", self.box_len);
        at_least(&mut e, "n_particles", self.n_particles, 1);
        if !(self.bump_center >= 0.0 && self.bump_center < self.box_len) {
            e.push(FieldError::new("bump_center", "must lie in [0, box_len)"));
        }
        if self.box_len < 12.0 * self.bump_width {
            e.push(FieldError::new(
                "box_len",
                "must be >= 12 bump widths (periodic images negligible)",
            ));
        }
        if self.times.len() < 2 {
            e.push(FieldError::new("times", "needs >= 2 times (a trend)"));
        }
        times(&mut e, "times", &self.times);
        at_least(&mut e, "kinetic_cells", self.kinetic_cells, 16);
        at_least(&mut e, "hydro_cells", self.hydro_cells, 16);
        if !self.hydro_cells.is_multiple_of(self.kinetic_cells.max(1))
            && !self.kinetic_cells.is_multiple_of(self.hydro_cells.max(1))
        {
            e.push(FieldError::new(
                "hydro_cells",
                "one cell count must divide the other (comparison on the coarser grid)",
            ));
        }
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let mut setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        setup.n_particles = self.n_particles;
        setup.bump_width = self.bump_width;
        setup.box_len = self.box_len;
        setup.bump_center = self.bump_center;
        setup.times = self.times.clone();
        let kin = Fig5Kinetic {
            n_cells: self.kinetic_cells,
            resolution_check: false,
            ..ctx.params_of_producer(Table::Fig5Kinetic.path())?
        };
        let hy = Fig5Hydro {
            n_cells: self.hydro_cells,
            resolution_check: false,
            ..ctx.params_of_producer(Table::Fig5Hydro.path())?
        };
        let n_common = gcd(self.kinetic_cells, self.hydro_cells);
        let dx = self.box_len / n_common as f64;
        let xs = Grid::new(0.0, self.box_len, n_common)?.centers();
        let mass = self.n_particles as f64;
        let (mut panel, mut t, mut l1) = (vec![], vec![], vec![]);
        let (mut var_k, mut var_h, mut skew_k, mut skew_h) = (vec![], vec![], vec![], vec![]);
        let solved = super::per_panel(ctx, |label| {
            let start = std::time::Instant::now();
            let (kres, hres) = rayon::join(|| kin.solve(&setup, label), || hy.panel(&setup, label));
            let ((kp, ki), (hp, hi)) = (kres?, hres?);
            let info = LimitPanel {
                panel: label,
                kinetic: ki,
                hydro: hi,
                wall_s: start.elapsed().as_secs_f64(),
            };
            Ok((kp, hp, info))
        })?;
        let mut record = LimitRecord { panels: Vec::new() };
        for ((kp, hp, info), &label) in solved.into_iter().zip(Panel::ALL.iter()) {
            for (m, &tm) in self.times.iter().enumerate() {
                let kc = coarsen(&kp[m], self.kinetic_cells / n_common);
                let hc = coarsen(&hp[m], self.hydro_cells / n_common);
                let (mk, mh) = (
                    moments(&xs, &kc, self.box_len),
                    moments(&xs, &hc, self.box_len),
                );
                panel.push(label.as_str());
                t.push(tm);
                l1.push(l1_rel(&kc, &hc, dx, mass));
                var_k.push(mk[2]);
                var_h.push(mh[2]);
                skew_k.push(mk[3]);
                skew_h.push(mh[3]);
            }
            record.panels.push(info);
        }
        io::ensure_finite("kinetic-hydro gap", &l1)?;
        let last = self.times.len() - 1;
        let gaps: Vec<String> = (0..Panel::ALL.len())
            .map(|p| format!("{:.1e}", l1[p * self.times.len() + last]))
            .collect();
        ctx.summary(format!(
            "L1/N kinetic-hydro at t = {}: {} (panels a-d)",
            self.times[last],
            gaps.join(", ")
        ));
        io::record(ctx, &record)?;
        let mut df = df!(
            col::PANEL => panel, col::T => t, col::L1_KINETIC_HYDRO => l1,
            col::VAR_KINETIC => var_k, col::VAR_HYDRO => var_h,
            col::SKEWNESS_KINETIC => skew_k, col::SKEWNESS_HYDRO => skew_h,
        )?;
        io::write_parquet(ctx, Table::HydroLimit, &mut df)?;
        Ok(())
    }
}
