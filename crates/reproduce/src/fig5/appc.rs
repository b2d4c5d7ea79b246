//! Stage `fig5_appc`: the audit figure of App. C. For the fermionic panels of Fig. 5 (b, d) at
//! the last output time, the MD profile minus the kinetic solution of (39), bin by bin: App. C's
//! cell algorithm as printed (stage `fig5_md`) with its two reruns (the other duplicate rule, a
//! smaller time step), and the converged algorithm (stage `fig5_md_converged`) on its ladder of
//! cell lengths and extrapolated to l -> infinity, the profile Fig. 5 shows. The audit's checks
//! `fig5.md_vs_kinetic_chi2`, `appC.*` and `fig5.md_converged_vs_kinetic_chi2` judge them.

use anyhow::ensure;
use contract::fig5::{
    AuditKind, LadderLimit, Panel, Setup, md as mdcol, md_audit as acol, md_converged as ccol,
    profile,
};
use contract::measure::coarsen;
use contract::{Figure, Table};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::md::Fig5Md;
use super::md_converged::Fig5MdConverged;
use super::profiles::{self, Profiles};
use crate::io;
use crate::params::figure_size;
use crate::plot;
use crate::style::{self, Axis, Entry, Header, Legend, Line, Marker, Shape, Style, okabe_ito};

/// Parameters of the `fig5_appc` figure stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig5AppCFigure {
    /// Figure size in pixels.
    pub width: u32,
    pub height: u32,
}

/// One curve of the figure: its legend text, how it is drawn, and per fermionic panel the
/// profile (and, for error bars, its standard errors) at the last output time.
struct Series {
    label: String,
    style: Draw,
    rho: Vec<Vec<f64>>,
    sem: Vec<Vec<f64>>,
}

/// Error bars (an ensemble with its errors) or a line through the bin values (a comparison run).
#[derive(Clone, Copy)]
enum Draw {
    Bars(Marker),
    Line(Line),
}

impl Fig5AppCFigure {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        figure_size(&mut e, self.width, self.height);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        let times = &setup.times;
        let last = times.len() - 1;
        let fermionic: Vec<Panel> = Panel::ALL
            .iter()
            .copied()
            .filter(|p| p.fermionic())
            .collect();
        let app_c: Fig5Md = ctx.params_of_producer(Table::Fig5Md.path())?;
        let conv: Fig5MdConverged = ctx.params_of_producer(Table::Fig5MdConverged.path())?;
        // the profiles of the fermionic panels at the last time, per series
        let at_last = |p: &Profiles| -> Vec<Vec<f64>> {
            fermionic
                .iter()
                .map(|q| p.rho[q.index()][last].clone())
                .collect()
        };
        let mut series = Vec::new();
        let md_df = io::read_table(ctx, Table::Fig5Md)?;
        let md = profiles::read(&md_df, mdcol::RHO_MEAN, times)?;
        let md_sem = profiles::read(&md_df, mdcol::RHO_SEM, times)?;
        series.push(Series {
            label: format!(
                "App. C as printed: ℓ = {}, Δt = {}, rule {}",
                style::number(app_c.cell_len),
                style::number(app_c.dt),
                app_c.duplicate_rule
            ),
            style: Draw::Bars(Marker::data(Shape::Circle, okabe_ito::VERMILLION).size(1.0)),
            rho: at_last(&md),
            sem: at_last(&md_sem),
        });
        let audit_df = io::read_table(ctx, Table::Fig5MdAudit)?;
        let audit: Vec<AuditKind> = io::column_cat(&audit_df, acol::AUDIT)?;
        for (kind, label, color) in [
            (
                AuditKind::DuplicateRule,
                format!("App. C, rule {}", app_c.duplicate_rule.other()),
                okabe_ito::ORANGE,
            ),
            (
                AuditKind::TimeStep,
                format!("App. C, Δt = {}", style::number(app_c.audit_dt)),
                okabe_ito::PURPLE,
            ),
        ] {
            let p = profiles::read_rows(&audit_df, acol::RHO_MEAN, times, &fermionic, |i| {
                audit[i] == kind
            })?;
            ensure!(p.x == md.x, "the App. C reruns' bins differ from fig5_md's");
            series.push(Series {
                label,
                style: Draw::Line(Line::theory(color).width(0.8)),
                rho: at_last(&p),
                sem: Vec::new(),
            });
        }
        let conv_df = io::read_table(ctx, Table::Fig5MdConverged)?;
        let inv_l = io::column_f64(&conv_df, ccol::INV_CELL_LEN)?;
        let ladder_colors = [okabe_ito::SKY_BLUE, okabe_ito::BLUE, okabe_ito::GREEN];
        for (j, &l) in conv.cell_lens.iter().enumerate() {
            let p = profiles::read_rows(&conv_df, ccol::RHO_MEAN, times, &fermionic, |i| {
                inv_l[i] == 1.0 / l
            })?;
            series.push(Series {
                label: format!(
                    "mid-step binning, rule {}{}: ℓ = {}",
                    conv.duplicate_rule,
                    super::labels::start(conv.initial_positions),
                    style::number(l)
                ),
                style: Draw::Line(Line::theory(ladder_colors[j % ladder_colors.len()]).width(0.8)),
                rho: at_last(&p),
                sem: Vec::new(),
            });
        }
        let read =
            |value| profiles::read_rows(&conv_df, value, times, &fermionic, |i| inv_l[i] == 0.0);
        series.push(Series {
            label: match conv.limit {
                LadderLimit::InverseL => "extrapolated to ℓ → ∞ (shown in Fig. 5)".to_owned(),
                LadderLimit::SquareL => "extrapolated in ℓ² to ℓ → 0 (shown in Fig. 5)".to_owned(),
                LadderLimit::Finest => {
                    format!(
                        "{}, the finest cell (shown in Fig. 5)",
                        super::labels::limit(conv.limit, conv.finest())
                    )
                }
            },
            style: Draw::Bars(Marker::data(Shape::Diamond, style::INK).size(1.2)),
            rho: at_last(&read(ccol::RHO_MEAN)?),
            sem: at_last(&read(ccol::RHO_SEM)?),
        });
        let kin = profiles::read(
            &io::read_table(ctx, Table::Fig5Kinetic)?,
            profile::RHO,
            times,
        )?;
        ensure!(
            kin.x.len() % md.x.len() == 0,
            "the kinetic grid must refine the MD bins"
        );
        let factor = kin.x.len() / md.x.len();
        let kinetic: Vec<Vec<f64>> = at_last(&kin).iter().map(|k| coarsen(k, factor)).collect();
        self.draw(ctx, &setup, &fermionic, &md.x, &series, &kinetic)
    }

    fn draw(
        &self,
        ctx: &StageContext,
        setup: &Setup,
        panels: &[Panel],
        x: &[f64],
        series: &[Series],
        kinetic: &[Vec<f64>],
    ) -> anyhow::Result<()> {
        let t = style::number(*setup.times.last().expect("output times"));
        let st = Style::new(self.width, self.height, style::DOUBLE_COLUMN);
        let entries: Vec<Entry> = series
            .iter()
            .map(|s| match s.style {
                Draw::Bars(m) => Entry::data(format!("{} (± s.e.m.)", s.label), m),
                Draw::Line(l) => Entry::line(s.label.clone(), l),
            })
            .collect();
        let legend = Legend::titled(
            format!("MD − kinetic eq. (39), bin averages, t = {t}  [mℓ²/ħ]"),
            entries,
        );
        // differences from the kinetic profile, per series and panel
        let diff = |s: &Series, j: usize| -> Vec<f64> {
            s.rho[j]
                .iter()
                .zip(&kinetic[j])
                .map(|(m, k)| m - k)
                .collect()
        };
        plot::render(ctx, Figure::AuditAppC, &st, |root| {
            root.fill(&WHITE)?;
            let plots = style::legend_below(&st, root, &legend)?;
            let areas = plots.split_evenly((1, panels.len()));
            for (j, (area, panel)) in areas.iter().zip(panels).enumerate() {
                let extent = series
                    .iter()
                    .flat_map(|s| {
                        let d = diff(s, j);
                        let e = s.sem.get(j).cloned().unwrap_or_default();
                        d.iter()
                            .enumerate()
                            .map(|(b, v)| v.abs() + e.get(b).copied().unwrap_or(0.0))
                            .collect::<Vec<_>>()
                    })
                    .fold(0.0f64, f64::max)
                    * 1.08;
                let title = match panel.bath() {
                    contract::swap::BathSide::Symmetric => "fermions, symmetric bath",
                    contract::swap::BathSide::Asymmetric => "fermions, asymmetric bath",
                };
                let mut plot = style::panel(
                    &st,
                    area,
                    Header {
                        letter: Some(panel.as_str()),
                        title,
                    },
                    Axis::linear("position x", Some("ℓ"), (0.0, setup.box_len)),
                    Axis::linear("ρ_MD − ρ_kinetic", Some("1/ℓ"), (-extent, extent)),
                )?;
                plot.line(
                    &[(0.0, 0.0), (setup.box_len, 0.0)],
                    Line::theory(style::GRID).width(0.6),
                )?;
                for s in series {
                    let d = diff(s, j);
                    match s.style {
                        Draw::Line(l) => {
                            let pts: Vec<(f64, f64)> =
                                x.iter().copied().zip(d.iter().copied()).collect();
                            plot.line(&pts, l)?;
                        }
                        Draw::Bars(m) => {
                            let pts: Vec<(f64, f64, f64)> = x
                                .iter()
                                .zip(&d)
                                .zip(&s.sem[j])
                                .map(|((&x, &v), &e)| (x, v, e))
                                .collect();
                            plot.error_bars(&pts, m)?;
                        }
                    }
                }
            }
            Ok(())
        })?;
        Ok(())
    }
}
