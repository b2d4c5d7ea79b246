//! Stage `tg_fig3`: paper Fig. 3 from [`Table::TgTransport`] and [`Table::TgFullDiffusion`]:
//! (a) D_RTA and the Galerkin D_N vs rho for the thermal bath, (b), (c) -nu vs rho for the
//! Bragg-split baths; every curve labelled with its basis size N.

use anyhow::bail;
use contract::tg::{Method, Panel, full_diffusion as fdcol, transport as trcol};
use contract::{Figure, Table};
use pipeline::StageContext;
use plotters::prelude::*;

use super::draw::{PALETTE, Series, TgFigure, draw_panel};
use crate::io;
use crate::plot;

/// The `tg_fig3` stage.
pub struct Fig3<'a>(pub &'a TgFigure);

impl Fig3<'_> {
    /// Fig. 3: (a) D_RTA and Galerkin D_N vs rho (T = 4 thermal), (b), (c) |nu| vs rho.
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let tr = io::read_table(ctx, Table::TgTransport)?;
        let fd = io::read_table(ctx, Table::TgFullDiffusion)?;
        let panel = io::column_cat::<Panel>(&tr, trcol::PANEL)?;
        let rho = io::column_f64(&tr, trcol::RHO)?;
        let drta = io::column_f64(&tr, trcol::D_RTA)?;
        let nu = io::column_opt_f64(&tr, trcol::NU_BURGERS)?;
        let ns = io::column_opt_u32(&tr, trcol::BASIS_SIZE)?;
        let f_rho = io::column_f64(&fd, fdcol::RHO)?;
        let f_m = io::column_cat::<Method>(&fd, fdcol::METHOD)?;
        let f_n = io::column_opt_u32(&fd, fdcol::N)?;
        let f_d = io::column_f64(&fd, fdcol::D)?;
        let mut used = Vec::new();
        let mut panels: Vec<(String, Vec<Series>)> = Vec::new();
        let mut a = Vec::new();
        for (k, &n) in self.0.basis_sizes.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            let rta: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| panel[i] == Panel::P3a && ns[i] == Some(n as u32))
                .map(|i| (rho[i], drta[i]))
                .collect();
            let full: Vec<(f64, f64)> = (0..f_rho.len())
                .filter(|&i| f_m[i] == Method::Galerkin && f_n[i] == Some(n as u32))
                .map(|i| (f_rho[i], f_d[i]))
                .collect();
            if !rta.is_empty() {
                a.push(Series {
                    label: format!("D_RTA, N = {n}"),
                    pts: rta,
                    color: c,
                    dashed: false,
                });
                used.push(n);
            }
            if !full.is_empty() {
                a.push(Series {
                    label: format!("full D_N (61), N = {n}"),
                    pts: full,
                    color: c,
                    dashed: true,
                });
            }
        }
        panels.push(("(a) T = 4 thermal: D_RTA vs full D (Galerkin, N)".into(), a));
        for (name, title) in [
            (Panel::P3b, "(b) T = 1, b = 9, λ_B = 3.9"),
            (Panel::P3c, "(c) T = 10, b = 9, λ_B = 8"),
        ] {
            let mut v = Vec::new();
            for (k, &n) in self.0.basis_sizes.iter().enumerate() {
                let pts: Vec<(f64, f64)> = (0..rho.len())
                    .filter(|&i| panel[i] == name && ns[i] == Some(n as u32))
                    .filter_map(|i| nu[i].map(|x| (rho[i], -x)))
                    .collect();
                if !pts.is_empty() {
                    v.push(Series {
                        label: format!("-ν = -D_RTA/u', N = {n}"),
                        pts,
                        color: PALETTE[k % 6],
                        dashed: false,
                    });
                }
            }
            panels.push((title.into(), v));
        }
        if panels.iter().any(|p| p.1.is_empty()) {
            bail!(
                "fig3: a panel has no data for basis sizes {:?}",
                self.0.basis_sizes
            );
        }
        plot::render(ctx, Figure::Fig3, self.0.width, self.0.height, |root| {
            root.fill(&WHITE)?;
            let areas = root.split_evenly((1, 3));
            for (k, (area, (title, s))) in areas.iter().zip(&panels).enumerate() {
                let ylab = if k == 0 { "D  [1/C]" } else { "-ν  [1/C]" };
                draw_panel(area, title, "density ρ", ylab, s, true)?;
            }
            Ok(())
        })?;
        ctx.summary(format!(
            "{}.{{png,svg}}, basis sizes {used:?} drawn",
            pipeline::resolve(&Figure::Fig3.stem(), ctx.profile())
        ));
        Ok(())
    }
}
