//! Stage `tg_fig6`: paper Fig. 6 from [`Table::TgSpectrum`]: g_1 vs rho for the state of
//! Fig. 3(a), Galerkin for several basis sizes and FEM for several cutoffs.

use anyhow::bail;
use contract::tg::{Method, spectrum as spcol};
use contract::{Figure, Table};
use pipeline::StageContext;
use plotters::prelude::*;

use super::draw::{AxisSpec, Series, TgFigure, draw_panel, legends_right};
use crate::io;
use crate::plot;
use crate::style::{self, ColorMap, Entry, Header, Legend, Line, Marker, Shape, Style};

/// The `tg_fig6` stage.
pub struct Fig6<'a>(pub &'a TgFigure);

impl Fig6<'_> {
    /// Fig. 6: g_1 vs rho (state of Fig. 3a), Galerkin for several N and FEM.
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let sp = io::read_table(ctx, Table::TgSpectrum)?;
        let rho = io::column_f64(&sp, spcol::RHO)?;
        let m = io::column_cat::<Method>(&sp, spcol::METHOD)?;
        let n = io::column_opt_u32(&sp, spcol::N)?;
        let cut = io::column_f64(&sp, spcol::CUTOFF)?;
        let g = io::column_f64(&sp, spcol::G1)?;
        let mut s = Vec::new();
        let mut galerkin = Vec::new();
        for &nn in &self.0.basis_sizes {
            let pts: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| m[i] == Method::Galerkin && n[i] == Some(nn as u32))
                .map(|i| (rho[i], g[i]))
                .collect();
            if !pts.is_empty() {
                let line = Line::theory(style::basis_color(nn));
                let marker = Marker::data(Shape::Circle, style::basis_color(nn));
                s.push(Series {
                    pts,
                    line,
                    marker: Some(marker),
                });
                galerkin.push(Entry::line_marker(format!("N = {nn}"), line, marker));
            }
        }
        let mut cuts: Vec<f64> = (0..rho.len())
            .filter(|&i| m[i] == Method::Fem)
            .map(|i| cut[i])
            .collect();
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let mut fem = Vec::new();
        for (k, &c) in cuts.iter().enumerate() {
            let pts: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| m[i] == Method::Fem && cut[i] == c)
                .map(|i| (rho[i], g[i]))
                .collect();
            let color = ColorMap::YLORBR.rank(k, cuts.len());
            let line = Line::secondary(color).width(1.1);
            let marker = Marker::open(Shape::Square, color).size(1.8);
            s.push(Series {
                pts,
                line,
                marker: Some(marker),
            });
            fem.push(Entry::line_marker(
                format!("Λ = {}", style::number(c)),
                line,
                marker,
            ));
        }
        if s.is_empty() {
            bail!("fig6: no data");
        }
        let mut legends = vec![Legend::titled("Galerkin, basis size", galerkin)];
        if !fem.is_empty() {
            legends.push(Legend::titled("FEM, cutoff [ħ/(mℓ)]", fem));
        }
        let st = Style::new(self.0.width, self.0.height, style::WIDE_COLUMN);
        plot::render(ctx, Figure::Fig6, &st, |root| {
            root.fill(&WHITE)?;
            let rest = legends_right(&st, root, &legends)?;
            draw_panel(
                &st,
                &rest,
                Header {
                    letter: None,
                    title: "Smallest non-zero rate g₁ of (E8), T = 4 thermal bath",
                },
                AxisSpec::linear("density ρ", Some("1/ℓ")),
                AxisSpec::log("g₁", Some("C")),
                &s,
                None,
            )
        })?;
        Ok(())
    }
}
