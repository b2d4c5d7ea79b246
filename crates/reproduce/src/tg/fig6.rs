//! Stage `tg_fig6`: paper Fig. 6 from [`Table::TgSpectrum`]: g_1 vs rho for the state of
//! Fig. 3(a), Galerkin for several basis sizes and FEM for several cutoffs.

use anyhow::bail;
use contract::tg::{Method, spectrum as spcol};
use contract::{Figure, Table};
use pipeline::StageContext;
use plotters::prelude::*;

use super::draw::{PALETTE, Series, TgFigure, draw_panel};
use crate::io;
use crate::plot;

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
        for (k, &nn) in self.0.basis_sizes.iter().enumerate() {
            let pts: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| m[i] == Method::Galerkin && n[i] == Some(nn as u32))
                .map(|i| (rho[i], g[i]))
                .collect();
            if !pts.is_empty() {
                s.push(Series {
                    label: format!("Galerkin N = {nn}"),
                    pts,
                    color: PALETTE[k % 6],
                    dashed: false,
                });
            }
        }
        let mut cuts: Vec<f64> = (0..rho.len())
            .filter(|&i| m[i] == Method::Fem)
            .map(|i| cut[i])
            .collect();
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        for (k, &c) in cuts.iter().enumerate() {
            let pts: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| m[i] == Method::Fem && cut[i] == c)
                .map(|i| (rho[i], g[i]))
                .collect();
            s.push(Series {
                label: format!("FEM Λ = {c}"),
                pts,
                color: PALETTE[(k + 3) % 6],
                dashed: true,
            });
        }
        if s.is_empty() {
            bail!("fig6: no data");
        }
        plot::render(ctx, Figure::Fig6, self.0.width, self.0.height, |root| {
            root.fill(&WHITE)?;
            draw_panel(
                root,
                "Smallest non-zero rate g_1 of (E8), T = 4 thermal",
                "density ρ",
                "g_1  [C]",
                &s,
                true,
            )
        })?;
        Ok(())
    }
}
