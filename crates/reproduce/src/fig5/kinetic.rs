//! Stage `fig5_kinetic`: the spatial kinetic equations (38)/(39) in (x, lambda) with the frozen
//! bath, solved for the Fig. 5 setup by `hydro::kinetic_profiles` (spectral advection, Strang
//! splitting, Richardson extrapolation in the step). Output [`Table::Fig5Kinetic`] (columns
//! [`contract::fig5::profile`]), record [`KineticRecord`]. Starts from the local stationary
//! state of the initial density profile, as the MD does.

use contract::Table;
use contract::fig5::{KineticPanel, KineticRecord, Panel, Setup};
use hydro::{Advection, Grid, Limiter, kinetic_profiles};
use pipeline::{FieldError, StageContext};
use serde::{Deserialize, Serialize};

use super::profiles::{Columns, check_cells, refinement_l1};
use crate::params::{at_least, positive, velocity_grid};
use crate::{io, swap_model};

/// Parameters of `fig5_kinetic` (the system is [`Table::Fig5Setup`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig5Kinetic {
    /// Spatial cells over the box (a multiple of the setup's `n_bins`).
    pub n_cells: usize,
    /// Largest Strang step (collision time 1/(gamma rho_b) = 0.25 in the paper setup).
    pub dt: f64,
    /// Richardson extrapolation in the step: also run with dt/2 and report
    /// `(4 rho_{dt/2} - rho_dt) / 3` (Strang's error expansion is in even powers of dt).
    pub richardson: bool,
    /// Free streaming: `spectral` (exact periodic translation, FFT) or `semi_lagrangian`
    /// (flux-form, MC limiter, second order in dx).
    pub advection: AdvectionParam,
    /// Velocity grid: tail tolerance of the bath and node spacing.
    pub tail_tol: f64,
    pub lambda_spacing: f64,
    /// Also solve with halved dx, dt and lambda spacing and record the difference.
    pub resolution_check: bool,
}

/// Free-streaming discretisation of the kinetic solver (`hydro::Advection`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AdvectionParam {
    Spectral,
    SemiLagrangian,
}

impl AdvectionParam {
    fn hydro(self) -> Advection {
        match self {
            Self::Spectral => Advection::Spectral,
            Self::SemiLagrangian => Advection::SemiLagrangian(Limiter::MonotonizedCentral),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Self::Spectral => "spectral",
            Self::SemiLagrangian => "semi_lagrangian",
        }
    }
}

impl Fig5Kinetic {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        at_least(&mut e, "n_cells", self.n_cells, 16);
        positive(&mut e, "dt", self.dt);
        velocity_grid(&mut e, self.tail_tol, self.lambda_spacing);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        check_cells(self.n_cells, &setup)?;
        let grid = Grid::new(0.0, setup.box_len, self.n_cells)?;
        let solved = super::per_panel(ctx, |panel| {
            let start = std::time::Instant::now();
            let (profiles, mut info) = self.solve(&setup, panel)?;
            if self.resolution_check {
                let finer = Fig5Kinetic {
                    n_cells: 2 * self.n_cells,
                    dt: 0.5 * self.dt,
                    lambda_spacing: 0.5 * self.lambda_spacing,
                    ..self.clone()
                };
                let (fine, _) = finer.solve(&setup, panel)?;
                let mass0 = grid.mass(&profiles[0]);
                info.resolution_check = Some(refinement_l1(&profiles, &fine, grid.dx(), mass0));
            }
            info.wall_s = start.elapsed().as_secs_f64();
            Ok((profiles, info))
        })?;
        let mut out = Columns::default();
        let mut record = KineticRecord { panels: Vec::new() };
        for ((profiles, info), &panel) in solved.into_iter().zip(Panel::ALL.iter()) {
            record.panels.push(info);
            out.push(panel, &setup.times, &grid.centers(), &profiles);
        }
        let worst = record
            .panels
            .iter()
            .map(|p| p.max_relative_number_drift)
            .fold(0.0, f64::max);
        ctx.summary(format!(
            "4 panels, {} cells x {} velocities; particle number drift {worst:.1e}",
            self.n_cells, record.panels[0].lambda_nodes
        ));
        io::record(ctx, &record)?;
        io::write_parquet(ctx, Table::Fig5Kinetic, &mut out.frame()?)?;
        Ok(())
    }

    /// The profiles of one panel at the setup's output times, and their provenance.
    pub fn solve(
        &self,
        setup: &Setup,
        panel: Panel,
    ) -> anyhow::Result<(Vec<Vec<f64>>, KineticPanel)> {
        let model = swap_model::kinetic_model(
            &setup.model,
            panel.bath(),
            panel.statistics(),
            self.tail_tol,
            self.lambda_spacing,
        )?;
        let grid = Grid::new(0.0, setup.box_len, self.n_cells)?;
        let rho0 = grid.cell_averages(|x| setup.initial_density(x));
        let p = kinetic_profiles(
            &model,
            grid,
            self.advection.hydro(),
            &rho0,
            &setup.times,
            self.dt,
            self.richardson,
        )?;
        let info = KineticPanel {
            panel,
            n_cells: self.n_cells,
            dt: self.dt,
            advection: self.advection.name().into(),
            richardson: self.richardson,
            lambda_nodes: model.grid().len(),
            lambda_interval: model.grid().interval(),
            lambda_spacing: model.grid().spacing(),
            steps: p.steps,
            max_relative_number_drift: p.max_relative_number_drift,
            occupation_min: p.occupation_range.0,
            occupation_max: p.occupation_range.1,
            richardson_l1_error_estimate: p.richardson_l1,
            resolution_check: None,
            wall_s: 0.0,
        };
        Ok((p.densities, info))
    }
}
