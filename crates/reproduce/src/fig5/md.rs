//! Stage `fig5_md`: molecular dynamics of the Fig. 5 bump (paper Sec. VI, App. C): panels a, c
//! by the exact classical velocity-jump process, panels b, d by the fermionic cell algorithm of
//! App. C (with its step 2(c) corrected by exact thinning). The fermionic panels are run again
//! with the other duplicate rule and with a smaller time step (App. C audit): App. C states
//! that "no matter how this issue is resolved, density profiles do not change significantly".
//!
//! Outputs [`Table::Fig5Md`] and [`Table::Fig5MdAudit`], record [`MdRecord`]. Panel `p` uses
//! the ensemble seed `seed + p`, the audit reruns `seed + 4, ...`; realization `i` the xoshiro256++
//! stream `(seed, i)`: bit-identical for any `--jobs`.

use anyhow::ensure;
use contract::Table;
use contract::fig5::{
    AuditKind, CellCounters, DuplicateRule, MdRecord, MdRun, Membership, PairingGain, Panel, Setup,
    md as col, md_audit as acol,
};
use md::{Bins, CellAlgorithm, GaussianBump, JumpProcess, MeanSem, MixtureSampler, RealizationRng};
use ndarray::{Array2, Ix2};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use serde::{Deserialize, Serialize};

use crate::params::{at_least, positive};
use crate::{io, sampler, swap_model};
use executor::{Plan, Spec};

/// Parameters of the Fig. 5 molecular dynamics (the system is [`Table::Fig5Setup`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig5Md {
    /// fermionic cell length l (level spacing 2 pi/l); the box is a whole number of cells
    pub cell_len: f64,
    /// fermionic time step dt; the output times are multiples of it
    pub dt: f64,
    /// collision proposals per particle used to relax each frozen cell to its stationary state
    /// before t = 0 (fermionic initial state)
    pub relax_proposals: f64,
    /// what to do with particles that stream onto an occupied level (fermionic panels)
    pub duplicate_rule: DuplicateRule,
    /// time step of the App. C audit rerun (< dt; the output times are multiples of it)
    pub audit_dt: f64,
    /// realizations per panel (paper: 1000)
    pub realizations: usize,
    /// realizations of each App. C audit rerun (<= realizations), paired with production
    /// realizations `0..audit_realizations` (same seeds: common random numbers)
    pub audit_realizations: usize,
    /// ensemble seed (panel p in 0..4 uses seed + p, the audit reruns seed + 4, ...)
    pub seed: u64,
}

/// The profiles of one ensemble: mean and standard error per (time, bin).
pub(super) struct Ensemble {
    pub(super) stats: MeanSem<Ix2>,
    pub(super) run: MdRun,
}

/// Long-format columns `panel, t, x, rho_mean, rho_sem` being built.
#[derive(Default)]
pub(super) struct Rows {
    pub(super) panel: Vec<&'static str>,
    pub(super) t: Vec<f64>,
    pub(super) x: Vec<f64>,
    pub(super) mean: Vec<f64>,
    pub(super) sem: Vec<f64>,
}

impl Rows {
    /// Append one ensemble's profiles (time-major); returns the number of rows added.
    pub(super) fn push(
        &mut self,
        stats: &MeanSem<Ix2>,
        panel: Panel,
        times: &[f64],
        centers: &[f64],
    ) -> usize {
        for (m, &tm) in times.iter().enumerate() {
            for (b, &xc) in centers.iter().enumerate() {
                self.panel.push(panel.as_str());
                self.t.push(tm);
                self.x.push(xc);
                self.mean.push(stats.mean[[m, b]]);
                self.sem.push(stats.sem[[m, b]]);
            }
        }
        times.len() * centers.len()
    }
}

impl Fig5Md {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        for (f, v) in [
            ("cell_len", self.cell_len),
            ("dt", self.dt),
            ("relax_proposals", self.relax_proposals),
        ] {
            positive(&mut e, f, v);
        }
        at_least(&mut e, "realizations", self.realizations, 2);
        at_least(&mut e, "audit_realizations", self.audit_realizations, 2);
        if self.audit_realizations > self.realizations {
            e.push(FieldError::new(
                "audit_realizations",
                format!(
                    "must be <= realizations = {} (the reruns pair with production realizations), got {}",
                    self.realizations, self.audit_realizations
                ),
            ));
        }
        if !(self.audit_dt > 0.0 && self.audit_dt < self.dt) {
            e.push(FieldError::new(
                "audit_dt",
                format!("must be in (0, dt = {}), got {}", self.dt, self.audit_dt),
            ));
        }
        e
    }

    /// The checks that involve the setup (made when the stage runs, naming both stages' fields).
    fn check_setup(&self, setup: &Setup) -> anyhow::Result<()> {
        check_cell_len(setup, "fig5_md.cell_len", self.cell_len)?;
        check_time_step(setup, "fig5_md.dt", self.dt)?;
        check_time_step(setup, "fig5_md.audit_dt", self.audit_dt)
    }

    fn algorithm(
        &self,
        setup: &Setup,
        sampler: MixtureSampler,
        rule: DuplicateRule,
        dt: f64,
    ) -> anyhow::Result<CellAlgorithm> {
        let cell = CellSetting {
            cell_len: self.cell_len,
            dt,
            rule,
            membership: Membership::StepStart,
        };
        cell.algorithm(setup, sampler)
    }

    /// The stage's ensembles: the four panels (seed + p, `realizations`), then the App. C
    /// reruns of the fermionic panels on the production seeds (`audit_realizations`).
    fn plan(&self, setup: Setup) -> anyhow::Result<Fig5Plan> {
        let mut plan = Fig5Plan::new(setup, self.relax_proposals)?;
        let setup = plan.setup.clone();
        let panels = Panel::ALL.iter().enumerate().map(|(p, &l)| (p, l, None));
        let reruns = AuditKind::ALL.iter().flat_map(|&k| {
            Panel::ALL
                .iter()
                .enumerate()
                .filter(|(_, l)| l.fermionic())
                .map(move |(p, &l)| (p, l, Some(k)))
        });
        for (p, panel, audit) in panels.chain(reruns) {
            let sampler = sampler::sampler(&swap_model::bath(&setup.model, panel.bath())?)?;
            let sim = if panel.fermionic() {
                let (rule, dt) = match audit {
                    None => (self.duplicate_rule, self.dt),
                    Some(AuditKind::DuplicateRule) => (self.duplicate_rule.other(), self.dt),
                    Some(AuditKind::TimeStep) => (self.duplicate_rule, self.audit_dt),
                };
                Sim::Fermionic(self.algorithm(&setup, sampler, rule, dt)?)
            } else {
                Sim::Classical(JumpProcess::new(
                    setup.model.gamma,
                    setup.model.rho_b,
                    sampler,
                )?)
            };
            plan.ensembles.push(Spec {
                label: match audit {
                    None => format!("panel {}", panel.as_str()),
                    Some(k) => format!("panel {}, App. C {} rerun", panel.as_str(), k.as_str()),
                },
                seed: self.seed.wrapping_add(p as u64),
                realizations: if audit.is_some() {
                    self.audit_realizations
                } else {
                    self.realizations
                },
            });
            plan.runs.push((panel, audit, sim));
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

    /// Compute and write [`Table::Fig5Md`] and [`Table::Fig5MdAudit`].
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        self.check_setup(&setup)?;
        let centers = Bins::new(0.0, setup.box_len, setup.n_bins)?.centers();
        let plan = self.plan(setup.clone())?;
        let outputs = executor::run(ctx, &plan)?;
        // one summary per ensemble, in the plan's order
        let mut ensembles = plan.runs.iter().zip(plan.ensembles()).zip(outputs).map(
            |(((panel, audit, _), spec), out)| summarize((*panel, *audit), spec, out, &plan.bins),
        );
        let mut record = MdRecord {
            realizations: self.realizations,
            seed: self.seed,
            cell_len: self.cell_len,
            dt: self.dt,
            duplicate_rule: self.duplicate_rule,
            audit_dt: self.audit_dt,
            audit_realizations: self.audit_realizations,
            runs: Vec::new(),
        };
        let bin_width = setup.box_len / setup.n_bins as f64;

        // production runs: one block of rows per panel; the fermionic panels keep their first
        // `audit_realizations` histograms for the paired App. C comparison
        let mut rows = Rows::default();
        let mut paired: Vec<(Panel, u64, Ensemble, Vec<Array2<f64>>)> = Vec::new();
        for &label in Panel::ALL {
            let (e, mut hist) = ensembles.next().expect("one ensemble per panel")?;
            let seed = e.run.seed;
            rows.push(&e.stats, label, &setup.times, &centers);
            if label.fermionic() {
                hist.truncate(self.audit_realizations);
                paired.push((label, seed, e, hist));
            } else {
                record.runs.push(e.run);
            }
        }
        let mut df = df!(col::PANEL => rows.panel, col::T => rows.t, col::X => rows.x,
                         col::RHO_MEAN => rows.mean, col::RHO_SEM => rows.sem)?;
        io::write_parquet(ctx, Table::Fig5Md, &mut df)?;

        // App. C audit: the fermionic panels again with one setting changed, on the production
        // seeds (common random numbers: rerun realization i starts where production i started)
        let (mut rows, mut audit, mut setting) = (Rows::default(), vec![], vec![]);
        let (mut diff_mean, mut diff_sem) = (vec![], vec![]);
        let mut audit_runs = Vec::new();
        for &kind in AuditKind::ALL {
            let value = match kind {
                AuditKind::DuplicateRule => self.duplicate_rule.other().as_str().to_owned(),
                AuditKind::TimeStep => format!("{}", self.audit_dt),
            };
            for (label, seed, production, base) in &paired {
                let (mut e, hist) = ensembles.next().expect("one ensemble per rerun")?;
                ensure!(
                    e.run.panel == *label && e.run.seed == *seed && e.run.audit == Some(kind),
                    "App. C rerun out of the plan's order"
                );
                let diffs: Vec<Array2<f64>> = hist.iter().zip(base).map(|(r, p)| r - p).collect();
                let d: MeanSem<Ix2> = MeanSem::from_rows(&diffs);
                e.run.pairing_gain = pairing_gain(
                    (&production.stats, self.realizations),
                    (&e.stats, self.audit_realizations),
                    &d,
                    (&setup.times, bin_width),
                );
                let n = rows.push(&e.stats, *label, &setup.times, &centers);
                diff_mean.extend(d.mean.iter().copied());
                diff_sem.extend(d.sem.iter().copied());
                audit.extend(std::iter::repeat_n(kind.as_str(), n));
                setting.extend(std::iter::repeat_n(value.clone(), n));
                audit_runs.push(e.run);
            }
        }
        record
            .runs
            .extend(paired.into_iter().map(|(_, _, e, _)| e.run));
        record.runs.extend(audit_runs);
        let mut df = df!(
            acol::PANEL => rows.panel,
            acol::AUDIT => audit,
            acol::SETTING => setting,
            acol::T => rows.t,
            acol::X => rows.x,
            acol::RHO_MEAN => rows.mean,
            acol::RHO_SEM => rows.sem,
            acol::DIFF_MEAN => diff_mean,
            acol::DIFF_SEM => diff_sem,
        )?;
        io::write_parquet(ctx, Table::Fig5MdAudit, &mut df)?;
        ctx.summary(format!(
            "{} ensembles ({} and {} realizations); fermionic {}",
            record.runs.len(),
            self.realizations,
            self.audit_realizations,
            ns_per_proposal(record.runs.iter())
        ));
        io::record(ctx, &record)?;
        Ok(())
    }
}

/// The box of `setup` must be a whole number of cells of length `cell_len` (the parameter
/// `field`, named in the error with the setup's field).
pub(super) fn check_cell_len(setup: &Setup, field: &str, cell_len: f64) -> anyhow::Result<()> {
    let r = setup.box_len / cell_len;
    ensure!(
        (r - r.round()).abs() <= 1e-9 * r && r.round() >= 1.0,
        "fig5_setup.box_len = {} must be an integer multiple of {field} = {cell_len}",
        setup.box_len
    );
    Ok(())
}

/// Every output time of `setup` must be a multiple of the time step `dt` (the parameter
/// `field`).
pub(super) fn check_time_step(setup: &Setup, field: &str, dt: f64) -> anyhow::Result<()> {
    for (i, &t) in setup.times.iter().enumerate() {
        let s = t / dt;
        ensure!(
            (s - s.round()).abs() <= 1e-9 * s.max(1.0),
            "fig5_setup.times[{i}] = {t} must be a multiple of {field} = {dt}"
        );
    }
    Ok(())
}

/// One setting of the fermionic cell algorithm on the Fig. 5 box.
#[derive(Debug, Clone, Copy)]
pub(super) struct CellSetting {
    pub(super) cell_len: f64,
    pub(super) dt: f64,
    pub(super) rule: DuplicateRule,
    pub(super) membership: Membership,
}

impl CellSetting {
    /// The cell algorithm on the box of `setup` (a whole number of cells: checked by the stage).
    pub(super) fn algorithm(
        &self,
        setup: &Setup,
        sampler: MixtureSampler,
    ) -> anyhow::Result<CellAlgorithm> {
        let n_cells = (setup.box_len / self.cell_len).round() as usize;
        let rule = match self.rule {
            DuplicateRule::Rescatter => md::DuplicateRule::Rescatter,
            DuplicateRule::Keep => md::DuplicateRule::Keep,
            DuplicateRule::NearestFree => md::DuplicateRule::NearestFree,
        };
        let membership = match self.membership {
            Membership::StepStart => md::Membership::StepStart,
            Membership::MidStep => md::Membership::MidStep,
        };
        Ok(CellAlgorithm::new(
            setup.model.gamma,
            setup.model.rho_b,
            sampler,
            self.cell_len,
            n_cells,
            self.dt,
        )?
        .with_duplicate_rule(rule)
        .with_membership(membership))
    }
}

/// How the realizations of one ensemble are computed.
pub(super) enum Sim {
    /// exact classical velocity-jump process (panels a, c)
    Classical(JumpProcess),
    /// App. C fermionic cell algorithm with one duplicate rule and time step (panels b, d)
    Fermionic(CellAlgorithm),
}

/// The ensembles of a Fig. 5 MD stage and their algorithms.
pub(super) struct Fig5Plan {
    /// collision proposals per particle that relax each frozen cell before t = 0 (fermions)
    pub(super) relax_proposals: f64,
    pub(super) setup: Setup,
    pub(super) bins: Bins,
    pub(super) bump: GaussianBump,
    /// how the fermionic panels' initial positions are placed (the classical panels always
    /// draw them independently)
    pub(super) positions: md::BumpPositions,
    /// per ensemble: panel, App. C rerun (if one), algorithm
    pub(super) runs: Vec<(Panel, Option<AuditKind>, Sim)>,
    pub(super) ensembles: Vec<Spec>,
}

impl Fig5Plan {
    /// A plan without ensembles on the Fig. 5 system `setup`.
    pub(super) fn new(setup: Setup, relax_proposals: f64) -> anyhow::Result<Self> {
        Ok(Self {
            relax_proposals,
            bins: Bins::new(0.0, setup.box_len, setup.n_bins)?,
            bump: GaussianBump {
                n: setup.n_particles,
                center: setup.bump_center,
                width: setup.bump_width,
            },
            positions: md::BumpPositions::Independent,
            setup,
            runs: Vec::new(),
            ensembles: Vec::new(),
        })
    }
}

/// One realization: its density histograms `[[t, bin]]` and what the algorithm did.
#[derive(Serialize, Deserialize)]
pub(super) struct Fig5Row {
    hist: Array2<f64>,
    /// fermionic panels
    counters: Option<md::CellCounters>,
    /// classical panels: collision events
    events: Option<u64>,
}

impl Plan for Fig5Plan {
    type Row = Fig5Row;

    fn ensembles(&self) -> &[Spec] {
        &self.ensembles
    }

    fn realize(&self, e: usize, _: usize, rng: &mut RealizationRng) -> anyhow::Result<Fig5Row> {
        let s = &self.setup;
        Ok(match &self.runs[e].2 {
            Sim::Classical(process) => {
                let (hist, events) =
                    process.bump_profiles(&self.bump, s.box_len, &s.times, &self.bins, rng);
                Fig5Row {
                    hist,
                    counters: None,
                    events: Some(events),
                }
            }
            Sim::Fermionic(algo) => {
                let (hist, counters) = md::fermionic::bump_profiles(
                    algo,
                    &self.bump,
                    self.positions,
                    self.relax_proposals,
                    &s.times,
                    &self.bins,
                    rng,
                )?;
                Fig5Row {
                    hist,
                    counters: Some(counters),
                    events: None,
                }
            }
        })
    }
}

/// The cost of the fermionic ensembles among `runs`, for the stage's summary line: thread
/// nanoseconds per collision proposal (the rate of one thread, whatever else shared the pool).
pub(super) fn ns_per_proposal<'a>(runs: impl Iterator<Item = &'a MdRun>) -> String {
    let (proposals, thread_s) = runs
        .filter_map(|r| r.counters.map(|c| (c.proposals, r.thread_s)))
        .fold((0u64, 0.0f64), |(p, s), (q, t)| (p + q, s + t));
    format!(
        "{:.1} ns per proposal-thread",
        1e9 * thread_s / (proposals as f64).max(1.0)
    )
}

/// The profiles and run summary of one ensemble, and its per-realization histograms.
pub(super) fn summarize(
    (panel, audit): (Panel, Option<AuditKind>),
    spec: &Spec,
    out: executor::Output<Fig5Row>,
    bins: &Bins,
) -> anyhow::Result<(Ensemble, Vec<Array2<f64>>)> {
    let mut counters: Option<md::CellCounters> = None;
    let mut events: Option<u64> = None;
    let mut rows = Vec::with_capacity(out.rows.len());
    for r in out.rows {
        if let Some(c) = r.counters {
            *counters.get_or_insert_default() += c;
        }
        if let Some(n) = r.events {
            *events.get_or_insert(0) += n;
        }
        rows.push(r.hist);
    }
    let stats: MeanSem<Ix2> = MeanSem::from_rows(&rows);
    io::ensure_finite(
        "ensemble mean",
        &stats.mean.iter().copied().collect::<Vec<_>>(),
    )?;
    // particle number in the histogram (exact: periodic box, every particle counted)
    let mass: Vec<f64> = stats
        .mean
        .rows()
        .into_iter()
        .map(|row| row.iter().sum::<f64>() * bins.width())
        .collect();
    let counters = counters.map(|c| CellCounters {
        proposals: c.proposals,
        accepted: c.accepted,
        blocked: c.blocked,
        duplicates: c.duplicates,
        duplicate_redraws: c.duplicate_redraws,
        particle_steps: c.particle_steps,
    });
    let e = Ensemble {
        stats,
        run: MdRun {
            panel,
            audit,
            seed: spec.seed,
            wall_s: out.wall_s,
            thread_s: out.thread_s,
            counters,
            collision_events: events,
            histogram_particle_number: mass,
            realizations: spec.realizations,
            pairing_gain: Vec::new(),
        },
    };
    Ok((e, rows))
}

/// The variance gain of the paired comparison per output time ([`PairingGain`]): the median
/// over the bins with at least 5 expected particles of `(s_p² + s_r²) / s_d²`, where
/// `s² = R · sem²` is the per-realization variance of production (`R` realizations), rerun and
/// their paired difference (`R_a` each). Times where the runs do not differ (t = 0) are left out.
fn pairing_gain(
    (production, r): (&MeanSem<Ix2>, usize),
    (rerun, r_a): (&MeanSem<Ix2>, usize),
    diff: &MeanSem<Ix2>,
    (times, bin_width): (&[f64], f64),
) -> Vec<PairingGain> {
    (0..production.mean.nrows())
        .filter_map(|m| {
            let mut g: Vec<f64> = (0..production.mean.ncols())
                .filter(|&b| production.mean[[m, b]] * bin_width >= 5.0)
                .filter_map(|b| {
                    let sp = production.sem[[m, b]].powi(2) * r as f64;
                    let sr = rerun.sem[[m, b]].powi(2) * r_a as f64;
                    let sd = diff.sem[[m, b]].powi(2) * r_a as f64;
                    (sd > 0.0).then(|| (sp + sr) / sd)
                })
                .collect();
            if g.is_empty() {
                return None;
            }
            g.sort_by(f64::total_cmp);
            Some(PairingGain {
                t: times[m],
                gain: g[g.len() / 2],
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use contract::swap::{Baths, BraggBath, SwapModel};

    /// The paper's swap model (Figs. 4, 5).
    pub(crate) fn model() -> SwapModel {
        SwapModel {
            gamma: 0.08,
            rho_b: 50.0,
            baths: Baths {
                symmetric: BraggBath {
                    sigma: 6.0,
                    lambda_b: 5.9,
                    b: 1.0,
                },
                asymmetric: BraggBath {
                    sigma: 6.0,
                    lambda_b: 5.9,
                    b: 0.3,
                },
            },
        }
    }

    /// A small Fig. 5 system: 100 particles, box 400, two output times.
    pub(crate) fn small_setup() -> super::super::setup::Fig5Setup {
        super::super::setup::Fig5Setup {
            n_particles: 100,
            box_len: 400.0,
            bump_center: 200.0,
            bump_width: 20.0,
            times: vec![0.0, 1.0],
            n_bins: 20,
        }
    }

    pub(crate) fn small_md() -> Fig5Md {
        Fig5Md {
            cell_len: 10.0,
            dt: 0.1,
            relax_proposals: 5.0,
            duplicate_rule: DuplicateRule::Rescatter,
            audit_dt: 0.05,
            realizations: 3,
            audit_realizations: 2,
            seed: 2,
        }
    }

    #[test]
    fn fig5_md_small_run() {
        let dir = tempfile::tempdir().unwrap();
        let setup = small_setup();
        let p = small_md();
        assert!(p.validate().is_empty() && setup.validate().is_empty());
        let ctx = StageContext::standalone(dir.path(), "fig5_setup", &[Table::Fig5Setup.path()])
            .with_input("swap_model", Table::SwapModel.path(), serde_json::json!({}))
            .unwrap();
        io::put_json(dir.path(), Table::SwapModel, &model());
        setup.run(&ctx).unwrap();
        let ctx = StageContext::standalone(
            dir.path(),
            "fig5_md",
            &[Table::Fig5Md.path(), Table::Fig5MdAudit.path()],
        )
        .with_input("fig5_setup", Table::Fig5Setup.path(), &setup)
        .unwrap();
        // a setup the algorithm cannot run is reported naming both stages' fields
        let mut bad = p.clone();
        bad.cell_len = 3.0;
        let e = bad.run(&ctx).unwrap_err().to_string();
        assert!(
            e.contains(
                "fig5_setup.box_len = 400 must be an integer multiple of fig5_md.cell_len = 3"
            ),
            "{e}"
        );
        p.run(&ctx).unwrap();
        let audit = io::read_parquet(&ctx.output(Table::Fig5MdAudit.path()).unwrap()).unwrap();
        assert_eq!(audit.height(), 2 * 2 * 2 * 20);
        assert_eq!(io::column_str(&audit, acol::SETTING).unwrap()[0], "keep");
        let df = io::read_parquet(&ctx.output(Table::Fig5Md.path()).unwrap()).unwrap();
        assert_eq!(df.height(), 4 * 2 * 20);
        let rho = io::column_f64(&df, col::RHO_MEAN).unwrap();
        // particle number conserved in every panel and time
        for chunk in rho.chunks(20) {
            assert!((chunk.iter().sum::<f64>() * 20.0 - 100.0).abs() < 1e-9);
        }
    }
}
