//! Stage `fig5`: paper Fig. 5, MD histograms with error bars, hydrodynamic and kinetic curves
//! per panel and output time (the agreement is judged by the audit, not here). The fermionic
//! panels (b, d) show the converged cell algorithm's limit profile l -> infinity (stage
//! `fig5_md_converged`); App. C's algorithm as printed (stage `fig5_md`) is judged in the audit.

use anyhow::ensure;
use contract::fig5::{Panel, Setup, md as mdcol, md_converged as ccol, profile};
use contract::{Figure, Table};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::profiles::{self, Profiles};
use crate::io;
use crate::params::figure_size;
use crate::plot;
use crate::style::{self, Axis, Entry, Header, Legend, Line, Marker, Shape, Style};

/// Parameters of the `fig5` figure stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig5Figure {
    /// Figure size in pixels.
    pub width: u32,
    pub height: u32,
}

impl Fig5Figure {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        figure_size(&mut e, self.width, self.height);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        let times = &setup.times;
        let md_df = io::read_table(ctx, Table::Fig5Md)?;
        let mut md = profiles::read(&md_df, mdcol::RHO_MEAN, times)?;
        let mut md_sem = profiles::read(&md_df, mdcol::RHO_SEM, times)?;
        // fermionic panels: the l -> infinity rows of the converged cell algorithm
        let conv_df = io::read_table(ctx, Table::Fig5MdConverged)?;
        let inv_l = io::column_f64(&conv_df, ccol::INV_CELL_LEN)?;
        let fermionic: Vec<Panel> = Panel::ALL
            .iter()
            .copied()
            .filter(|p| p.fermionic())
            .collect();
        let read =
            |value| profiles::read_rows(&conv_df, value, times, &fermionic, |i| inv_l[i] == 0.0);
        let (conv, conv_sem) = (read(ccol::RHO_MEAN)?, read(ccol::RHO_SEM)?);
        ensure!(
            conv.x == md.x,
            "the converged MD bins differ from fig5_md's"
        );
        for p in &fermionic {
            md.rho[p.index()] = conv.rho[p.index()].clone();
            md_sem.rho[p.index()] = conv_sem.rho[p.index()].clone();
        }
        let hy = profiles::read(&io::read_table(ctx, Table::Fig5Hydro)?, profile::RHO, times)?;
        let kin = profiles::read(
            &io::read_table(ctx, Table::Fig5Kinetic)?,
            profile::RHO,
            times,
        )?;
        let nb = md.x.len();
        ensure!(
            hy.x.len() % nb == 0 && kin.x.len() % nb == 0,
            "theory grids must be multiples of the MD bins"
        );
        self.draw(ctx, &setup, &md, &md_sem, &hy, &kin)
    }

    fn draw(
        &self,
        ctx: &StageContext,
        setup: &Setup,
        md: &Profiles,
        md_sem: &Profiles,
        hy: &Profiles,
        kin: &Profiles,
    ) -> anyhow::Result<()> {
        let times = &setup.times;
        // the fermionic panels' MD: the converged cell algorithm's limit profile
        let conv: super::md_converged::Fig5MdConverged =
            ctx.params_of_producer(Table::Fig5MdConverged.path())?;
        let titles = [
            "classical, symmetric bath",
            "fermions, symmetric bath",
            "classical, asymmetric bath",
            "fermions, asymmetric bath",
        ];
        let t_max = times.iter().cloned().fold(0.0f64, f64::max);
        let st = Style::new(self.width, self.height, style::DOUBLE_COLUMN);
        let md_marker =
            |m: usize| Marker::data(Shape::Circle, style::time_color(times[m], t_max)).size(1.0);
        let hydro = |m: usize| Line::theory(style::time_color(times[m], t_max));
        let kinetic = Line::secondary(style::INK).width(0.7);
        // one legend for the figure, in a strip at the bottom: the times, then the line styles
        let mut entries: Vec<Entry> = (0..times.len())
            .map(|m| {
                Entry::line_marker(
                    format!("t = {}", style::number(times[m])),
                    hydro(m),
                    md_marker(m),
                )
            })
            .collect();
        entries.push(Entry::data(
            format!(
                "MD mean ± s.e.m. (b, d: cell algorithm, {}{})",
                super::labels::limit(conv.limit, conv.finest()),
                super::labels::start(conv.initial_positions)
            ),
            Marker::data(Shape::Circle, style::INK).size(1.0),
        ));
        entries.push(Entry::line(
            "hydrodynamics, eq. (2)",
            Line::theory(style::INK),
        ));
        entries.push(Entry::line("kinetic, eqs. (38)/(39)", kinetic));
        let legend = Legend::titled("output times t  [mℓ²/ħ]", entries);
        plot::render(ctx, Figure::Fig5, &st, |root| {
            root.fill(&WHITE)?;
            let plots = style::legend_below(&st, root, &legend)?;
            let panels = plots.split_evenly((2, 2));
            for (p, area) in panels.iter().enumerate() {
                let ymax = (0..times.len())
                    .flat_map(|m| {
                        md.rho[p][m]
                            .iter()
                            .zip(&md_sem.rho[p][m])
                            .map(|(a, b)| a + b)
                    })
                    .chain(hy.rho[p].iter().flatten().cloned())
                    .chain(kin.rho[p].iter().flatten().cloned())
                    .fold(0.0f64, f64::max)
                    * 1.06;
                let mut panel = style::panel(
                    &st,
                    area,
                    Header {
                        letter: Some(["a", "b", "c", "d"][p]),
                        title: titles[p],
                    },
                    Axis::linear("position x", Some("ℓ"), (0.0, setup.box_len)),
                    Axis::linear("density ρ(x, t)", Some("1/ℓ"), (0.0, ymax)),
                )?;
                for m in 0..times.len() {
                    let pts: Vec<(f64, f64, f64)> =
                        md.x.iter()
                            .zip(&md.rho[p][m])
                            .zip(&md_sem.rho[p][m])
                            .map(|((&x, &r), &s)| (x, r, s))
                            .collect();
                    panel.error_bars(&pts, md_marker(m))?;
                }
                for m in 0..times.len() {
                    let pts: Vec<(f64, f64)> =
                        hy.x.iter()
                            .cloned()
                            .zip(hy.rho[p][m].iter().cloned())
                            .collect();
                    panel.line(&pts, hydro(m))?;
                }
                for m in 0..times.len() {
                    let pts: Vec<(f64, f64)> = kin
                        .x
                        .iter()
                        .cloned()
                        .zip(kin.rho[p][m].iter().cloned())
                        .collect();
                    panel.line(&pts, kinetic)?;
                }
            }
            Ok(())
        })?;
        Ok(())
    }
}
