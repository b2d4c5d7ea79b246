//! Stage `fig5_hydro`: the generalized Burgers equation (2) in conservation form,
//! `d_t rho + d_x [J(rho) - D(rho) d_x rho] = 0`, for the Fig. 5 setup. `J`, `u = J'` (88) and
//! `D` (99) come from `kinetic::SwapModel`, tabulated on a dense density grid and interpolated
//! by PCHIP (the interpolation error against direct evaluation is recorded); `hydro::Burgers`
//! solves it on the periodic box. Output [`Table::Fig5Hydro`] (columns
//! [`contract::fig5::profile`]), record [`HydroRecord`].

use contract::Table;
use contract::fig5::{HydroPanel, HydroRecord, Panel, Setup};
use contract::measure::skewness;
use hydro::{Boundary, Burgers, BurgersConfig, Grid, Limiter, Tabulated, Transport};
use kinetic::SwapModel;
use pipeline::{FieldError, StageContext};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::profiles::{Columns, check_cells, refinement_l1};
use crate::params::{at_least, positive, velocity_grid};
use crate::{io, swap_model};

/// Parameters of `fig5_hydro` (the system is [`Table::Fig5Setup`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig5Hydro {
    /// Finite-volume cells over the box (a multiple of the setup's `n_bins`).
    pub n_cells: usize,
    /// Largest time step (the CFL limit of the advection applies as well).
    pub max_dt: f64,
    /// Nodes of the PCHIP tables of J, u, D on [0, 1.02 max rho(x, 0)].
    pub n_rho_table: usize,
    /// Velocity grid of the transport coefficients: tail tolerance and spacing.
    pub tail_tol: f64,
    pub lambda_spacing: f64,
    /// Also solve with n_cells/2 and 2 max_dt and record the difference (a resolution check:
    /// for the second-order scheme about 3x the error of the recorded profiles; a quarter of
    /// their cost, where the 2x-refined solve cost four times as much).
    pub resolution_check: bool,
}

impl Fig5Hydro {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        at_least(&mut e, "n_cells", self.n_cells, 16);
        at_least(&mut e, "n_rho_table", self.n_rho_table, 8);
        positive(&mut e, "max_dt", self.max_dt);
        velocity_grid(&mut e, self.tail_tol, self.lambda_spacing);
        if self.resolution_check && !self.n_cells.is_multiple_of(2) {
            e.push(FieldError::new(
                "n_cells",
                format!(
                    "{} is odd: the resolution check halves it (set resolution_check: false or \
                     an even n_cells)",
                    self.n_cells
                ),
            ));
        }
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        check_cells(self.n_cells, &setup)?;
        let pool = ctx.thread_pool()?;
        let results: Vec<anyhow::Result<(Vec<Vec<f64>>, HydroPanel)>> = pool.install(|| {
            Panel::ALL
                .par_iter()
                .map(|&p| self.panel(&setup, p))
                .collect()
        });
        let grid = Grid::new(0.0, setup.box_len, self.n_cells)?;
        let mut out = Columns::default();
        let mut record = HydroRecord { panels: Vec::new() };
        for (r, &panel) in results.into_iter().zip(Panel::ALL.iter()) {
            let (profiles, info) = r?;
            record.panels.push(info);
            out.push(panel, &setup.times, &grid.centers(), &profiles);
        }
        let drift = record
            .panels
            .iter()
            .map(|p| p.max_relative_mass_drift)
            .fold(0.0, f64::max);
        ctx.summary(format!(
            "4 panels, {} cells; mass drift {drift:.1e}",
            self.n_cells
        ));
        io::record(ctx, &record)?;
        io::write_parquet(ctx, Table::Fig5Hydro, &mut out.frame()?)?;
        Ok(())
    }

    /// The profiles of one panel at the setup's output times, and their provenance.
    pub fn panel(
        &self,
        setup: &Setup,
        panel: Panel,
    ) -> anyhow::Result<(Vec<Vec<f64>>, HydroPanel)> {
        let model = swap_model::kinetic_model(
            &setup.model,
            panel.bath(),
            panel.statistics(),
            self.tail_tol,
            self.lambda_spacing,
        )?;
        let direct = Direct(&model);
        let grid = Grid::new(0.0, setup.box_len, self.n_cells)?;
        let rho0 = grid.cell_averages(|x| setup.initial_density(x));
        let rho_top = 1.02 * rho0.iter().cloned().fold(0.0, f64::max);
        // node 0 carries the rho -> 0 limits (J = 0; u, D at 1e-9 rho_top, error O(1e-9))
        let nodes: Vec<f64> = (0..self.n_rho_table)
            .map(|k| rho_top * k as f64 / (self.n_rho_table - 1) as f64)
            .collect();
        let tiny = 1e-9 * rho_top;
        let table = Tabulated::from_fns(
            &nodes,
            |r| if r == 0.0 { 0.0 } else { direct.current(r) },
            |r| direct.velocity(r.max(tiny)),
            |r| direct.diffusion(r.max(tiny)),
        )?;
        let [ej, eu, ed] = table.midpoint_errors(&direct);
        let solve =
            |n_cells: usize, max_dt: f64| -> anyhow::Result<(Vec<Vec<f64>>, hydro::EvolveStats)> {
                let g = Grid::new(0.0, setup.box_len, n_cells)?;
                let mut cfg = BurgersConfig::new(g, Boundary::Periodic, max_dt);
                cfg.limiter = Limiter::MonotonizedCentral;
                let mut solver = Burgers::new(cfg, &table)?;
                let r0 = g.cell_averages(|x| setup.initial_density(x));
                let mut rho = r0.clone();
                let mut t = 0.0;
                let mut out = Vec::new();
                let mut stats = hydro::EvolveStats::default();
                for &tt in &setup.times {
                    let s = solver.evolve(&mut rho, tt - t)?;
                    stats.steps += s.steps;
                    stats.max_picard = stats.max_picard.max(s.max_picard);
                    stats.dt = stats.dt.max(s.dt);
                    t = tt;
                    out.push(rho.clone());
                }
                Ok((out, stats))
            };
        let (profiles, stats) = solve(self.n_cells, self.max_dt)?;
        let mass0 = grid.mass(&rho0);
        let drift = profiles
            .iter()
            .map(|p| ((grid.mass(p) - mass0) / mass0).abs())
            .fold(0.0, f64::max);
        let min_rho = profiles
            .iter()
            .flatten()
            .cloned()
            .fold(f64::INFINITY, f64::min);
        let mut info = HydroPanel {
            panel,
            u_at_rho_top: direct.velocity(rho_top),
            d_at_rho_top: direct.diffusion(rho_top),
            u_at_0: direct.velocity(tiny),
            d_at_0: direct.diffusion(tiny),
            rho_table_top: rho_top,
            rho_table_nodes: self.n_rho_table,
            pchip_midpoint_rel_error: [ej, eu, ed],
            velocity_nodes: model.grid().len(),
            steps: stats.steps,
            largest_dt: stats.dt,
            max_picard_iterations: stats.max_picard,
            max_relative_mass_drift: drift,
            min_rho,
            resolution_check: None,
            skewness: None,
            skewness_coarse: None,
        };
        if self.resolution_check {
            // against the half-resolution solve: |coarse - recorded| is about 3x the error of
            // the recorded profiles for a second-order scheme (an upper estimate), at a quarter
            // of their cost (a 2x-refined solve costs 4x)
            let (coarse, _) = solve(self.n_cells / 2, 2.0 * self.max_dt)?;
            let coarse_grid = Grid::new(0.0, setup.box_len, self.n_cells / 2)?;
            info.resolution_check =
                Some(refinement_l1(&coarse, &profiles, coarse_grid.dx(), mass0));
            // the exact hydrodynamic profiles of panels (a-c) have zero skewness: the numerical
            // skewness must grow under coarsening (second order: by ~4)
            let sk = |g: &Grid, ps: &[Vec<f64>]| -> Vec<f64> {
                ps.iter()
                    .map(|p| skewness(&g.centers(), p, setup.box_len))
                    .collect()
            };
            info.skewness = Some(sk(&grid, &profiles));
            info.skewness_coarse = Some(sk(&coarse_grid, &coarse));
        }
        Ok((profiles, info))
    }
}

/// `kinetic::SwapModel` evaluated directly (root finding per call) as a `hydro::Transport`.
struct Direct<'a>(&'a SwapModel);

impl Transport for Direct<'_> {
    fn current(&self, rho: f64) -> f64 {
        self.0
            .current(rho)
            .expect("stationary state on the velocity grid")
    }
    fn velocity(&self, rho: f64) -> f64 {
        self.0
            .advection(rho)
            .expect("stationary state on the velocity grid")
    }
    fn diffusion(&self, rho: f64) -> f64 {
        self.0
            .diffusion(rho)
            .expect("stationary state on the velocity grid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(n_cells: usize, resolution_check: bool) -> Fig5Hydro {
        Fig5Hydro {
            n_cells,
            max_dt: 0.5,
            n_rho_table: 401,
            tail_tol: 1e-30,
            lambda_spacing: 0.2,
            resolution_check,
        }
    }

    /// The resolution check halves the grid: an odd cell count is a parameter error (naming
    /// the field), and only when the check is on.
    #[test]
    fn resolution_check_needs_an_even_grid() {
        let errors = params(4001, true).validate();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, "n_cells");
        assert!(params(4001, false).validate().is_empty());
        assert!(params(4000, true).validate().is_empty());
    }
}
