//! Stage `fig5_md_converged`: the fermionic panels of Fig. 5 (b, d) by a cell algorithm whose
//! limit is the kinetic equation (39) (docs/physics.md §3.5).
//!
//! App. C's algorithm (stage `fig5_md`, kept for the audit) has two biases: binning at the
//! step's start (first order in dt) and the duplicate rule (both rules, of opposite signs,
//! about proportional to 1/l). Here the cells are binned at mid-step
//! ([`Membership::MidStep`]: no first-order dt error), the duplicate rule is a parameter
//! (`nearest_free` in production), and the panels run on a ladder of cell lengths `cell_lens`;
//! the limit profile is taken from the ladder bin by bin as `limit` says (the finest cell, or a
//! least-squares line in 1/l or l^2 at 0: [`ladder_weights`]). All cell lengths of a panel
//! share the panel's seed, so realization `i` starts from the same state at every l; the limit
//! is taken per realization (`sum_l w_l rho_{l,i}`), and its standard error is the spread of
//! that combination over the realizations. The initial positions are drawn independently or
//! placed at the bump's quantiles (`initial_positions`, [`BumpPositions`]).
//!
//! Outputs [`Table::Fig5MdConverged`], record [`MdConvergedRecord`]. Panel `p` uses the seed
//! `seed + p` (p = 1 for b, 3 for d), realization `i` the xoshiro256++ stream `(seed + p, i)`:
//! bit-identical for any `--jobs` and any executor.

use anyhow::ensure;
use contract::Table;
use contract::fig5::{
    BumpPositions, ConvergedRun, DuplicateRule, LadderLimit, MdConvergedRecord, Membership, Panel,
    Setup, finest_cell, md_converged as col,
};
use md::{Bins, MeanSem};
use ndarray::{Array2, Ix2};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use serde::{Deserialize, Serialize};

use super::md::{
    CellSetting, Fig5Plan, Rows, Sim, check_cell_len, check_time_step, ns_per_proposal, summarize,
};
use crate::params::{at_least, positive};
use crate::{io, sampler, swap_model};
use executor::Spec;

/// Parameters of the converged fermionic MD (the system is [`Table::Fig5Setup`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig5MdConverged {
    /// the ladder of cell lengths l (at least two, distinct; each divides the box)
    pub cell_lens: Vec<f64>,
    /// time step; the output times are multiples of it
    pub dt: f64,
    /// when the cells are binned in a step
    pub membership: Membership,
    /// what to do with particles that stream onto an occupied level
    pub duplicate_rule: DuplicateRule,
    /// how the bump's initial positions are placed
    pub initial_positions: BumpPositions,
    /// how the limit l -> infinity is taken from the ladder
    pub limit: LadderLimit,
    /// collision proposals per particle that relax each frozen cell before t = 0
    pub relax_proposals: f64,
    /// realizations per (panel, cell length)
    pub realizations: usize,
    /// ensemble seed (panel p in 0..4 uses seed + p, at every cell length)
    pub seed: u64,
}

/// Weights `w_i` of the least-squares line through points at abscissae `x`, evaluated at
/// `x = 0`: the extrapolation `sum_i w_i y_i` (exact for `y = a + b x`; the weights sum to 1).
fn line_at_zero(x: &[f64]) -> Vec<f64> {
    let n = x.len() as f64;
    let (sx, sxx) = x.iter().fold((0.0, 0.0), |(s, q), x| (s + x, q + x * x));
    let det = n * sxx - sx * sx;
    x.iter().map(|x| (sxx - sx * x) / det).collect()
}

/// Weights `w_l` of the least-squares line in `x = 1/l` through points at `cell_lens`,
/// evaluated at `x = 0`: the extrapolation `sum_l w_l y_l` (exact for `y = a + b/l`).
pub fn extrapolation_weights(cell_lens: &[f64]) -> Vec<f64> {
    line_at_zero(&cell_lens.iter().map(|l| 1.0 / l).collect::<Vec<_>>())
}

/// Weights `w_l` of the limit profile `sum_l w_l rho_l` taken from the ladder `cell_lens` by
/// `limit`: the least-squares line in 1/l at 1/l = 0 ([`extrapolation_weights`]), the line in
/// l^2 at l = 0, or the finest cell alone.
pub fn ladder_weights(cell_lens: &[f64], limit: LadderLimit) -> Vec<f64> {
    match limit {
        LadderLimit::InverseL => extrapolation_weights(cell_lens),
        LadderLimit::SquareL => line_at_zero(&cell_lens.iter().map(|l| l * l).collect::<Vec<_>>()),
        LadderLimit::Finest => {
            let finest = finest_cell(cell_lens);
            cell_lens
                .iter()
                .map(|&l| if l == finest { 1.0 } else { 0.0 })
                .collect()
        }
    }
}

impl Fig5MdConverged {
    /// The finest cell length of the ladder.
    pub fn finest(&self) -> f64 {
        finest_cell(&self.cell_lens)
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        positive(&mut e, "dt", self.dt);
        positive(&mut e, "relax_proposals", self.relax_proposals);
        at_least(&mut e, "realizations", self.realizations, 2);
        if self.cell_lens.len() < 2 {
            e.push(FieldError::new(
                "cell_lens",
                format!(
                    "needs at least 2 cell lengths to extrapolate in 1/l, got {}",
                    self.cell_lens.len()
                ),
            ));
        }
        for (i, &l) in self.cell_lens.iter().enumerate() {
            if !(l > 0.0 && l.is_finite()) {
                e.push(FieldError::new(
                    format!("cell_lens[{i}]"),
                    format!("must be > 0, got {l}"),
                ));
            } else if self.cell_lens[..i].contains(&l) {
                e.push(FieldError::new(
                    format!("cell_lens[{i}]"),
                    format!("{l} appears twice (the extrapolation needs distinct lengths)"),
                ));
            }
        }
        e
    }

    /// The checks that involve the setup (made when the stage runs, naming both stages' fields).
    fn check_setup(&self, setup: &Setup) -> anyhow::Result<()> {
        for (i, &l) in self.cell_lens.iter().enumerate() {
            check_cell_len(setup, &format!("fig5_md_converged.cell_lens[{i}]"), l)?;
        }
        check_time_step(setup, "fig5_md_converged.dt", self.dt)
    }

    /// The fermionic panels, each at every cell length of the ladder (panel-major).
    fn plan(&self, setup: Setup) -> anyhow::Result<Fig5Plan> {
        let mut plan = Fig5Plan::new(setup, self.relax_proposals)?;
        plan.positions = match self.initial_positions {
            BumpPositions::Independent => md::BumpPositions::Independent,
            BumpPositions::Stratified => md::BumpPositions::Stratified,
        };
        let setup = plan.setup.clone();
        for (p, &panel) in Panel::ALL.iter().enumerate() {
            if !panel.fermionic() {
                continue;
            }
            for &cell_len in &self.cell_lens {
                let sampler = sampler::sampler(&swap_model::bath(&setup.model, panel.bath())?)?;
                let cell = CellSetting {
                    cell_len,
                    dt: self.dt,
                    rule: self.duplicate_rule,
                    membership: self.membership,
                };
                plan.ensembles.push(Spec {
                    label: format!("panel {}, l = {cell_len}", panel.as_str()),
                    seed: self.seed.wrapping_add(p as u64),
                    realizations: self.realizations,
                });
                plan.runs.push((
                    panel,
                    None,
                    Sim::Fermionic(cell.algorithm(&setup, sampler)?),
                ));
            }
        }
        Ok(plan)
    }

    /// Array task `task` (chunks of `chunk` realizations) of the Slurm executor.
    pub fn run_task(
        &self,
        ctx: &StageContext,
        chunk: usize,
        task: usize,
    ) -> anyhow::Result<std::path::PathBuf> {
        let setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        self.check_setup(&setup)?;
        executor::run_task(ctx, &self.plan(setup)?, chunk, task)
    }

    /// Compute and write [`Table::Fig5MdConverged`].
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        self.check_setup(&setup)?;
        let centers = Bins::new(0.0, setup.box_len, setup.n_bins)?.centers();
        let plan = self.plan(setup.clone())?;
        let outputs = executor::run(ctx, &plan)?;
        let weights = ladder_weights(&self.cell_lens, self.limit);
        let mut record = MdConvergedRecord {
            realizations: self.realizations,
            seed: self.seed,
            cell_lens: self.cell_lens.clone(),
            dt: self.dt,
            membership: self.membership,
            duplicate_rule: self.duplicate_rule,
            initial_positions: self.initial_positions,
            limit: self.limit,
            weights: weights.clone(),
            runs: Vec::new(),
        };
        let (mut rows, mut inv_l) = (Rows::default(), Vec::new());
        let mut ensembles =
            plan.runs.iter().zip(&plan.ensembles).zip(outputs).map(
                |(((panel, _, _), spec), out)| summarize((*panel, None), spec, out, &plan.bins),
            );
        for &panel in Panel::ALL.iter().filter(|p| p.fermionic()) {
            // per realization: sum_l w_l hist_l (every l of the panel shares its seed)
            let mut extrapolated: Vec<Array2<f64>> = Vec::new();
            for (&cell_len, &w) in self.cell_lens.iter().zip(&weights) {
                let (e, hist) = ensembles.next().expect("one ensemble per (panel, l)")?;
                ensure!(
                    e.run.panel == panel && hist.len() == self.realizations,
                    "ensemble out of the plan's order"
                );
                let n = rows.push(&e.stats, panel, &setup.times, &centers);
                inv_l.extend(std::iter::repeat_n(1.0 / cell_len, n));
                if extrapolated.is_empty() {
                    extrapolated = hist.iter().map(|h| h * w).collect();
                } else {
                    for (x, h) in extrapolated.iter_mut().zip(&hist) {
                        x.scaled_add(w, h);
                    }
                }
                record.runs.push(ConvergedRun {
                    cell_len,
                    run: e.run,
                });
            }
            let stats: MeanSem<Ix2> = MeanSem::from_rows(&extrapolated);
            io::ensure_finite(
                "extrapolated profile",
                &stats.mean.iter().copied().collect::<Vec<_>>(),
            )?;
            let n = rows.push(&stats, panel, &setup.times, &centers);
            inv_l.extend(std::iter::repeat_n(0.0, n));
        }
        let mut df = df!(
            col::PANEL => rows.panel,
            col::INV_CELL_LEN => inv_l,
            col::T => rows.t,
            col::X => rows.x,
            col::RHO_MEAN => rows.mean,
            col::RHO_SEM => rows.sem,
        )?;
        io::write_parquet(ctx, Table::Fig5MdConverged, &mut df)?;
        ctx.summary(format!(
            "{} ensembles (l = {:?}, {} realizations), limit: {}; {}",
            record.runs.len(),
            self.cell_lens,
            self.realizations,
            self.limit.describe(),
            ns_per_proposal(record.runs.iter().map(|r| &r.run))
        ));
        io::record(ctx, &record)?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fig5::md::tests::{model, small_setup};
    use contract::fig5::md_converged as col;

    /// The weights reproduce a + b/l exactly and sum to 1; two lengths give 2 rho(2l) - rho(l).
    #[test]
    fn extrapolation_weights_are_exact_for_a_line_in_inverse_l() {
        let w = extrapolation_weights(&[40.0, 80.0]);
        assert!(
            (w[0] + 1.0).abs() < 1e-12 && (w[1] - 2.0).abs() < 1e-12,
            "{w:?}"
        );
        let l = [20.0, 40.0, 80.0];
        let w = extrapolation_weights(&l);
        let y: f64 = l.iter().zip(&w).map(|(l, w)| w * (3.0 + 7.0 / l)).sum();
        assert!((y - 3.0).abs() < 1e-12 && (w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(ladder_weights(&l, LadderLimit::InverseL), w);
        assert_eq!(
            ladder_weights(&[20.0, 10.0, 40.0], LadderLimit::Finest),
            [0.0, 1.0, 0.0]
        );
        // the line in l^2: (4 rho(10) - rho(20)) / 3 for two lengths, exact for a + b l^2
        let w = ladder_weights(&[10.0, 20.0], LadderLimit::SquareL);
        assert!(
            (w[0] - 4.0 / 3.0).abs() < 1e-12 && (w[1] + 1.0 / 3.0).abs() < 1e-12,
            "{w:?}"
        );
        let w = ladder_weights(&l, LadderLimit::SquareL);
        let y: f64 = l.iter().zip(&w).map(|(l, w)| w * (3.0 + 7.0 * l * l)).sum();
        assert!((y - 3.0).abs() < 1e-9, "{y}");
    }

    pub(crate) fn small() -> Fig5MdConverged {
        Fig5MdConverged {
            cell_lens: vec![10.0, 20.0],
            dt: 0.1,
            membership: Membership::MidStep,
            duplicate_rule: DuplicateRule::Keep,
            initial_positions: BumpPositions::Independent,
            limit: LadderLimit::InverseL,
            relax_proposals: 5.0,
            realizations: 3,
            seed: 7,
        }
    }

    #[test]
    fn validation_names_the_field() {
        let mut p = small();
        p.cell_lens = vec![10.0];
        assert_eq!(p.validate()[0].path, "cell_lens");
        p.cell_lens = vec![10.0, 10.0];
        let e = &p.validate()[0];
        assert!(
            e.path == "cell_lens[1]" && e.reason.contains("appears twice"),
            "{e:?}"
        );
        p.cell_lens = vec![10.0, -1.0];
        let e = &p.validate()[0];
        assert!(
            e.path == "cell_lens[1]" && e.reason.contains("must be > 0"),
            "{e:?}"
        );
    }

    #[test]
    fn fig5_md_converged_small_run() {
        let dir = tempfile::tempdir().unwrap();
        let setup = small_setup();
        let ctx = StageContext::standalone(dir.path(), "fig5_setup", &[Table::Fig5Setup.path()])
            .with_input("swap_model", Table::SwapModel.path(), serde_json::json!({}))
            .unwrap();
        io::put_json(dir.path(), Table::SwapModel, &model());
        setup.run(&ctx).unwrap();
        let ctx = StageContext::standalone(
            dir.path(),
            "fig5_md_converged",
            &[Table::Fig5MdConverged.path()],
        )
        .with_input("fig5_setup", Table::Fig5Setup.path(), &setup)
        .unwrap();
        let mut bad = small();
        bad.cell_lens = vec![10.0, 30.0];
        let e = bad.run(&ctx).unwrap_err().to_string();
        assert!(
            e.contains("must be an integer multiple of fig5_md_converged.cell_lens[1] = 30"),
            "{e}"
        );
        let p = small();
        p.run(&ctx).unwrap();
        let df = io::read_parquet(&ctx.output(Table::Fig5MdConverged.path()).unwrap()).unwrap();
        // panels b, d x (2 cell lengths + the extrapolation) x 2 times x 20 bins
        assert_eq!(df.height(), 2 * 3 * 2 * 20);
        let inv_l = io::column_f64(&df, col::INV_CELL_LEN).unwrap();
        let rho = io::column_f64(&df, col::RHO_MEAN).unwrap();
        // the extrapolation 2 rho(20) - rho(10) keeps the particle number (weights sum to 1)
        for (chunk, l) in rho.chunks(20).zip(inv_l.chunks(20)) {
            assert!(
                (chunk.iter().sum::<f64>() * 20.0 - 100.0).abs() < 1e-9,
                "1/l = {}",
                l[0]
            );
        }
        assert_eq!(inv_l.iter().filter(|&&v| v == 0.0).count(), 2 * 2 * 20);
    }
}
