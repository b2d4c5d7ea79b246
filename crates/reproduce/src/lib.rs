//! The producer of `burgers-repro`: every stage kind of the pipeline. A stage computes with the
//! physics crates, writes Parquet (or JSON setups) and draws figures; it records raw provenance
//! (typed records of the contract) and never judges: the `audit` crate alone decides what
//! agrees with the paper. This crate and `audit` share only the `contract`.
//!
//! One module folder per figure or physical system ([`fig2`], [`fig4`], [`fig5`], [`tg`]),
//! the setup of the swap models ([`swap_model`]), and common [`io`], [`plot`], [`style`],
//! [`params`]. The MD stages describe their ensembles as an [`executor::Plan`]; the `executor`
//! crate runs them here or on Slurm.
//!
//! To add a stage kind: its module (in its figure's folder), one variant of [`Kind`] and its arm
//! in each `match` below (the compiler lists the ones missing), and its block in
//! `pipeline.yaml`. Its tables and figures go into the contract ([`contract::Table`],
//! [`contract::Figure`]); its checks into the audit.

// Parameter checks are written `!(x > 0.0)` on purpose: unlike `x <= 0.0` they also reject NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use contract::{Figure, Table};
use pipeline::{FieldError, StageContext, StageKind};
use serde::{Deserialize, Serialize};

pub mod fig2;
pub mod fig4;
pub mod fig5;
#[cfg(test)]
mod figcheck;
pub mod io;
pub mod params;
pub mod plot;
pub mod sampler;
pub mod stationary;
pub mod style;
pub mod swap_model;
pub mod tg;

/// Every stage kind; `kind: snake_case_name` in `pipeline.yaml` selects the variant,
/// the stage's `params` are the variant's fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// The velocity-swap model of Figs. 4 and 5 (baths (104), gamma, rho_b), [`swap_model`].
    SwapModel(swap_model::SwapModelParams),
    /// Velocity-swap transport coefficients u, u', D (Fig. 4 data), [`fig4::transport`].
    TransportSwap(fig4::transport::TransportSwap),
    /// Fig. 4, [`fig4::plot`].
    Fig4(fig4::plot::Fig4),
    /// Fig. 2 data: homogeneous classical relaxation (MD vs eq. (38)), [`fig2::md`].
    Fig2Md(fig2::md::Fig2Md),
    /// Fig. 2, [`fig2::plot`].
    Fig2(fig2::plot::Fig2Figure),
    /// The Fig. 5 system (bump, box, times, bins), [`fig5::setup`].
    Fig5Setup(fig5::setup::Fig5Setup),
    /// Fig. 5 MD density profiles and the App. C audit reruns, [`fig5::md`].
    Fig5Md(fig5::md::Fig5Md),
    /// Fig. 5 fermionic panels by the converged cell algorithm (a ladder in l, extrapolated),
    /// [`fig5::md_converged`].
    Fig5MdConverged(fig5::md_converged::Fig5MdConverged),
    /// Fig. 5 hydrodynamic curves, eq. (2), [`fig5::hydro`].
    Fig5Hydro(fig5::hydro::Fig5Hydro),
    /// Fig. 5 kinetic-equation curves, eqs. (38)/(39), [`fig5::kinetic`].
    Fig5Kinetic(fig5::kinetic::Fig5Kinetic),
    /// Kinetic-vs-hydro gap of a narrow bump followed into the hydrodynamic limit,
    /// [`fig5::limit`].
    HydroLimit(fig5::limit::HydroLimit),
    /// Fig. 5, [`fig5::plot`].
    Fig5(fig5::plot::Fig5Figure),
    /// The App. C audit figure (fermionic panels minus the kinetic equation), [`fig5::appc`].
    Fig5Appc(fig5::appc::Fig5AppCFigure),
    /// Tonks-Girardeau u, u', Var, tau_RTA(N), D_RTA, Burgers nu (Fig. 3 data),
    /// [`tg::transport`].
    TgTransport(tg::transport::TgTransport),
    /// Tonks-Girardeau full D of (61): Galerkin D_N and closed form D(Lambda),
    /// [`tg::full_diffusion`].
    TgFullDiffusion(tg::full_diffusion::TgFullDiffusion),
    /// Tonks-Girardeau relaxation gap g_1 (Galerkin N, FEM Lambda), [`tg::spectrum`].
    TgSpectrum(tg::spectrum::TgSpectrum),
    /// Fig. 3, [`tg::fig3`].
    TgFig3(tg::draw::TgFigure),
    /// Fig. 6, [`tg::fig6`].
    TgFig6(tg::draw::TgFigure),
    /// Truncation audit figure (D_N, g_1 vs N; D vs Lambda), [`tg::audit_fig`].
    TgAudit(tg::draw::TgFigure),
    /// The stationary states (20), (40), (34) with their baths (data and figure),
    /// [`stationary`].
    StationaryStates(stationary::StationaryStates),
    /// Tonks-Girardeau u, u', nu over the Bragg-split bath's (T, lambda_B),
    /// [`tg::burgers_map`].
    TgBurgersMap(tg::burgers_map::TgBurgersMap),
    /// Heat map of u' over (T, lambda_B), [`tg::burgers_map_fig`].
    TgBurgersMapFig(tg::burgers_map_fig::MapFigure),
}

fn tables(t: &[Table]) -> Vec<String> {
    t.iter().map(|t| t.path().to_owned()).collect()
}

impl StageKind for Kind {
    fn validate(&self) -> Vec<FieldError> {
        match self {
            Kind::SwapModel(p) => p.validate(),
            Kind::TransportSwap(p) => p.validate(),
            Kind::Fig4(p) => p.validate(),
            Kind::Fig2Md(p) => p.validate(),
            Kind::Fig2(p) => p.validate(),
            Kind::Fig5Setup(p) => p.validate(),
            Kind::Fig5Md(p) => p.validate(),
            Kind::Fig5MdConverged(p) => p.validate(),
            Kind::Fig5Hydro(p) => p.validate(),
            Kind::Fig5Kinetic(p) => p.validate(),
            Kind::HydroLimit(p) => p.validate(),
            Kind::Fig5(p) => p.validate(),
            Kind::Fig5Appc(p) => p.validate(),
            Kind::TgTransport(p) => p.validate(),
            Kind::TgFullDiffusion(p) => p.validate(),
            Kind::TgSpectrum(p) => p.validate(),
            Kind::TgFig3(p) | Kind::TgFig6(p) | Kind::TgAudit(p) => p.validate(),
            Kind::StationaryStates(p) => p.validate(),
            Kind::TgBurgersMap(p) => p.validate(),
            Kind::TgBurgersMapFig(p) => p.validate(),
        }
    }

    fn outputs(&self) -> Vec<String> {
        match self {
            Kind::SwapModel(_) => tables(&[Table::SwapModel]),
            Kind::TransportSwap(_) => tables(&[Table::Transport]),
            Kind::Fig4(_) => Figure::Fig4.files(),
            Kind::Fig2Md(_) => tables(&[Table::Fig2Energy, Table::Fig2Velocities]),
            Kind::Fig2(_) => Figure::Fig2.files(),
            Kind::Fig5Setup(_) => tables(&[Table::Fig5Setup]),
            Kind::Fig5Md(_) => tables(&[Table::Fig5Md, Table::Fig5MdAudit]),
            Kind::Fig5MdConverged(_) => tables(&[Table::Fig5MdConverged]),
            Kind::Fig5Hydro(_) => tables(&[Table::Fig5Hydro]),
            Kind::Fig5Kinetic(_) => tables(&[Table::Fig5Kinetic]),
            Kind::HydroLimit(_) => tables(&[Table::HydroLimit]),
            Kind::Fig5(_) => Figure::Fig5.files(),
            Kind::Fig5Appc(_) => Figure::AuditAppC.files(),
            Kind::TgTransport(_) => tables(&[Table::TgTransport]),
            Kind::TgFullDiffusion(_) => tables(&[Table::TgFullDiffusion]),
            Kind::TgSpectrum(_) => tables(&[Table::TgSpectrum]),
            Kind::TgFig3(_) => Figure::Fig3.files(),
            Kind::TgFig6(_) => Figure::Fig6.files(),
            Kind::TgAudit(_) => Figure::AuditTg.files(),
            Kind::StationaryStates(_) => stationary::outputs(),
            Kind::TgBurgersMap(_) => tables(&[Table::TgBurgersMap]),
            Kind::TgBurgersMapFig(_) => Figure::TgBurgersMap.files(),
        }
    }

    fn inputs(&self) -> Vec<String> {
        tables(match self {
            Kind::SwapModel(_)
            | Kind::Fig2Md(_)
            | Kind::TgTransport(_)
            | Kind::TgFullDiffusion(_)
            | Kind::TgSpectrum(_)
            | Kind::TgBurgersMap(_) => &[],
            Kind::TgBurgersMapFig(_) => &[Table::TgBurgersMap],
            Kind::TransportSwap(_) | Kind::Fig5Setup(_) => &[Table::SwapModel],
            Kind::Fig4(_) => &[Table::Transport],
            Kind::Fig2(_) => &[Table::Fig2Energy, Table::Fig2Velocities],
            Kind::Fig5Md(_)
            | Kind::Fig5MdConverged(_)
            | Kind::Fig5Hydro(_)
            | Kind::Fig5Kinetic(_) => &[Table::Fig5Setup],
            // the kinetic and hydro stages' parameters set its numerics
            Kind::HydroLimit(_) => &[Table::Fig5Setup, Table::Fig5Kinetic, Table::Fig5Hydro],
            Kind::Fig5(_) => &[
                Table::Fig5Setup,
                Table::Fig5Md,
                Table::Fig5MdConverged,
                Table::Fig5Hydro,
                Table::Fig5Kinetic,
            ],
            Kind::Fig5Appc(_) => &[
                Table::Fig5Setup,
                Table::Fig5Md,
                Table::Fig5MdAudit,
                Table::Fig5MdConverged,
                Table::Fig5Kinetic,
            ],
            Kind::TgFig3(_) => &[Table::TgTransport, Table::TgFullDiffusion],
            Kind::TgFig6(_) => &[Table::TgSpectrum],
            Kind::TgAudit(_) => &[
                Table::TgTransport,
                Table::TgFullDiffusion,
                Table::TgSpectrum,
            ],
            // the Fig. 4/5 model; the parameters of the transport, Fig. 2 and TG stages (their
            // velocity grids and baths) and Fig. 2's final theory histogram
            Kind::StationaryStates(_) => &[
                Table::SwapModel,
                Table::Transport,
                Table::Fig2Velocities,
                Table::TgTransport,
            ],
        })
    }

    /// The stage's module file: its code version covers that file and everything it
    /// references (other modules, the contract, the physics crates), see `xtask/build.rs`.
    fn code(&self) -> Vec<String> {
        let entry = match self {
            Kind::SwapModel(_) => "reproduce/swap_model.rs",
            Kind::TransportSwap(_) => "reproduce/fig4/transport.rs",
            Kind::Fig4(_) => "reproduce/fig4/plot.rs",
            Kind::Fig2Md(_) => "reproduce/fig2/md.rs",
            Kind::Fig2(_) => "reproduce/fig2/plot.rs",
            Kind::Fig5Setup(_) => "reproduce/fig5/setup.rs",
            Kind::Fig5Md(_) => "reproduce/fig5/md.rs",
            Kind::Fig5MdConverged(_) => "reproduce/fig5/md_converged.rs",
            Kind::Fig5Hydro(_) => "reproduce/fig5/hydro.rs",
            Kind::Fig5Kinetic(_) => "reproduce/fig5/kinetic.rs",
            Kind::HydroLimit(_) => "reproduce/fig5/limit.rs",
            Kind::Fig5(_) => "reproduce/fig5/plot.rs",
            Kind::Fig5Appc(_) => "reproduce/fig5/appc.rs",
            Kind::TgTransport(_) => "reproduce/tg/transport.rs",
            Kind::TgFullDiffusion(_) => "reproduce/tg/full_diffusion.rs",
            Kind::TgSpectrum(_) => "reproduce/tg/spectrum.rs",
            Kind::TgFig3(_) => "reproduce/tg/fig3.rs",
            Kind::TgFig6(_) => "reproduce/tg/fig6.rs",
            Kind::TgAudit(_) => "reproduce/tg/audit_fig.rs",
            Kind::StationaryStates(_) => "reproduce/stationary/mod.rs",
            Kind::TgBurgersMap(_) => "reproduce/tg/burgers_map.rs",
            Kind::TgBurgersMapFig(_) => "reproduce/tg/burgers_map_fig.rs",
        };
        vec![entry.to_owned()]
    }

    fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        match self {
            Kind::SwapModel(p) => p.run(ctx),
            Kind::TransportSwap(p) => p.run(ctx),
            Kind::Fig4(p) => p.run(ctx),
            Kind::Fig2Md(p) => p.run(ctx),
            Kind::Fig2(p) => p.run(ctx),
            Kind::Fig5Setup(p) => p.run(ctx),
            Kind::Fig5Md(p) => p.run(ctx),
            Kind::Fig5MdConverged(p) => p.run(ctx),
            Kind::Fig5Hydro(p) => p.run(ctx),
            Kind::Fig5Kinetic(p) => p.run(ctx),
            Kind::HydroLimit(p) => p.run(ctx),
            Kind::Fig5(p) => p.run(ctx),
            Kind::Fig5Appc(p) => p.run(ctx),
            Kind::TgTransport(p) => p.run(ctx),
            Kind::TgFullDiffusion(p) => p.run(ctx),
            Kind::TgSpectrum(p) => p.run(ctx),
            Kind::TgFig3(p) => tg::fig3::Fig3(p).run(ctx),
            Kind::TgFig6(p) => tg::fig6::Fig6(p).run(ctx),
            Kind::TgAudit(p) => tg::audit_fig::AuditFigure(p).run(ctx),
            Kind::StationaryStates(p) => p.run(ctx),
            Kind::TgBurgersMap(p) => p.run(ctx),
            Kind::TgBurgersMapFig(p) => p.run(ctx),
        }
    }
}

impl Kind {
    /// Array task `task` of an ensemble stage cut in chunks of `chunk` realizations: compute
    /// its realizations and write its shard (the Slurm executor's workers, `xtask shard`).
    /// Returns the shard's path.
    pub fn run_ensemble_task(
        &self,
        ctx: &StageContext,
        chunk: usize,
        task: usize,
    ) -> anyhow::Result<std::path::PathBuf> {
        match self {
            Kind::Fig2Md(p) => p.run_task(ctx, chunk, task),
            Kind::Fig5Md(p) => p.run_task(ctx, chunk, task),
            Kind::Fig5MdConverged(p) => p.run_task(ctx, chunk, task),
            _ => anyhow::bail!(
                "stage `{}` has no ensembles: only ensemble stages (fig2_md, fig5_md, fig5_md_converged) run as array tasks",
                ctx.name()
            ),
        }
    }
}
