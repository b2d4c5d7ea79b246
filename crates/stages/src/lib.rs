//! The stage kinds of `burgers-repro`: one module per stage family, each with a params
//! struct per stage kind (`#[serde(deny_unknown_fields)]`), its `validate` and `run`.
//! Shared helpers: [`io`] (atomic Parquet), [`plot`] (embedded font, PNG+SVG) and [`stats`]
//! (the statistics of the agreement checks, used by the stages' provenance and by [`verify`]).
//!
//! To add a stage kind: add its module below, one variant to [`Kind`] and one arm in
//! each `match` of the `StageKind` impl, and its entries in `pipeline.yaml`.

// Parameter checks are written `!(x > 0.0)` on purpose: unlike `x <= 0.0` they also reject NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use pipeline::{FieldError, StageContext, StageKind};
use serde::{Deserialize, Serialize};

pub mod fig5;
pub mod io;
pub mod plot;
pub mod stats;
pub mod swap_md;
pub mod tg;
pub mod transport_swap;
pub mod verify;

/// Every stage kind; `kind: snake_case_name` in `pipeline.yaml` selects the variant,
/// the stage's `params` are the variant's fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// Velocity-swap transport coefficients u, u', D (Fig. 4 data), [`transport_swap`].
    TransportSwap(transport_swap::TransportSwap),
    /// Fig. 4 from `data/transport_swap.parquet`, [`transport_swap`].
    Fig4(transport_swap::Fig4),
    /// Fig. 2: homogeneous classical relaxation (MD vs eq. (38)), [`swap_md`].
    MdRelaxation(swap_md::Fig2Params),
    /// Fig. 5 MD: density profiles of a Gaussian bump, four panels, [`swap_md`].
    MdProfiles(swap_md::Fig5MdParams),
    /// Fig. 5 hydrodynamic curves, eq. (2), [`fig5`].
    Fig5Hydro(fig5::Fig5Hydro),
    /// Fig. 5 kinetic-equation curves, eqs. (38)/(39), [`fig5`].
    Fig5Kinetic(fig5::Fig5Kinetic),
    /// Kinetic-vs-hydro gap of a narrow bump followed into the hydrodynamic limit, [`fig5`].
    HydroLimit(fig5::HydroLimit),
    /// Fig. 5 figure and MD/kinetic/hydro agreement checks, [`fig5`].
    Fig5(fig5::Fig5Figure),
    /// Tonks-Girardeau u, u', Var, tau_RTA(N), D_RTA, Burgers nu (Fig. 3 data), [`tg`].
    TgTransport(tg::TgTransport),
    /// Tonks-Girardeau full D of (61): Galerkin D_N and closed form D(Lambda), [`tg`].
    TgFullDiffusion(tg::TgFullDiffusion),
    /// Tonks-Girardeau relaxation gap g_1 (Galerkin N, FEM Lambda), [`tg`].
    TgSpectrum(tg::TgSpectrum),
    /// Fig. 3, [`tg`].
    TgFig3(tg::TgFigure),
    /// Fig. 6, [`tg`].
    TgFig6(tg::TgFigure),
    /// Truncation audit figure (D_N, g_1 vs N; D vs Lambda), [`tg`].
    TgAudit(tg::TgFigure),
}

impl StageKind for Kind {
    fn validate(&self) -> Vec<FieldError> {
        match self {
            Kind::TransportSwap(p) => p.validate(),
            Kind::Fig4(p) => p.validate(),
            Kind::MdRelaxation(p) => p.validate(),
            Kind::MdProfiles(p) => p.validate(),
            Kind::Fig5Hydro(p) => p.validate(),
            Kind::Fig5Kinetic(p) => p.validate(),
            Kind::HydroLimit(p) => p.validate(),
            Kind::Fig5(p) => p.validate(),
            Kind::TgTransport(p) => p.validate(),
            Kind::TgFullDiffusion(p) => p.validate(),
            Kind::TgSpectrum(p) => p.validate(),
            Kind::TgFig3(p) | Kind::TgFig6(p) | Kind::TgAudit(p) => p.validate(),
        }
    }

    fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        match self {
            Kind::TransportSwap(p) => p.run(ctx),
            Kind::Fig4(p) => p.run(ctx),
            Kind::MdRelaxation(p) => p.run(ctx),
            Kind::MdProfiles(p) => p.run(ctx),
            Kind::Fig5Hydro(p) => p.run(ctx),
            Kind::Fig5Kinetic(p) => p.run(ctx),
            Kind::HydroLimit(p) => p.run(ctx),
            Kind::Fig5(p) => p.run(ctx),
            Kind::TgTransport(p) => p.run(ctx),
            Kind::TgFullDiffusion(p) => p.run(ctx),
            Kind::TgSpectrum(p) => p.run(ctx),
            Kind::TgFig3(p) => p.run_fig3(ctx),
            Kind::TgFig6(p) => p.run_fig6(ctx),
            Kind::TgAudit(p) => p.run_audit(ctx),
        }
    }
}
