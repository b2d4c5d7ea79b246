//! Stage `tg_audit`: the truncation audit figure from [`Table::TgFullDiffusion`] and
//! [`Table::TgSpectrum`]: D_N and g_1 vs basis size N, D(Lambda) and FEM g_1 vs cutoff.

use anyhow::bail;
use contract::tg::{Method, full_diffusion as fdcol, spectrum as spcol};
use contract::{Figure, Table};
use pipeline::StageContext;
use plotters::prelude::*;

use super::draw::{PALETTE, Series, TgFigure, draw_panel};
use crate::io;
use crate::plot;

/// The `tg_audit` stage.
pub struct AuditFigure<'a>(pub &'a TgFigure);

impl AuditFigure<'_> {
    /// Audit: D_N vs N, g_1 vs N, D(Lambda) vs Lambda.
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let fd = io::read_table(ctx, Table::TgFullDiffusion)?;
        let sp = io::read_table(ctx, Table::TgSpectrum)?;
        let f_rho = io::column_f64(&fd, fdcol::RHO)?;
        let f_m = io::column_cat::<Method>(&fd, fdcol::METHOD)?;
        let f_n = io::column_opt_u32(&fd, fdcol::N)?;
        let f_c = io::column_opt_f64(&fd, fdcol::CUTOFF)?;
        let f_d = io::column_f64(&fd, fdcol::D)?;
        let s_rho = io::column_f64(&sp, spcol::RHO)?;
        let s_m = io::column_cat::<Method>(&sp, spcol::METHOD)?;
        let s_n = io::column_opt_u32(&sp, spcol::N)?;
        let s_c = io::column_f64(&sp, spcol::CUTOFF)?;
        let s_g = io::column_f64(&sp, spcol::G1)?;
        let mut rhos = f_rho.clone();
        rhos.sort_by(f64::total_cmp);
        rhos.dedup();
        let (mut a, mut b, mut c, mut d) = (vec![], vec![], vec![], vec![]);
        for (k, &r) in rhos.iter().enumerate() {
            let col = PALETTE[k % 6];
            let mut pa: Vec<(f64, f64)> = (0..f_rho.len())
                .filter(|&i| f_rho[i] == r && f_m[i] == Method::Galerkin)
                .map(|i| (f_n[i].unwrap_or(0) as f64, f_d[i]))
                .collect();
            pa.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut pc: Vec<(f64, f64)> = (0..f_rho.len())
                .filter(|&i| f_rho[i] == r && f_m[i] == Method::Quadrature)
                .map(|i| (f_c[i].unwrap_or(0.0), f_d[i]))
                .collect();
            pc.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut pb: Vec<(f64, f64)> = (0..s_rho.len())
                .filter(|&i| s_rho[i] == r && s_m[i] == Method::Galerkin)
                .map(|i| (s_n[i].unwrap_or(0) as f64, s_g[i]))
                .collect();
            pb.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut pd: Vec<(f64, f64)> = (0..s_rho.len())
                .filter(|&i| s_rho[i] == r && s_m[i] == Method::Fem)
                .map(|i| (s_c[i], s_g[i]))
                .collect();
            pd.sort_by(|x, y| x.0.total_cmp(&y.0));
            let lab = format!("ρ = {r}");
            if !pa.is_empty() {
                a.push(Series {
                    label: lab.clone(),
                    pts: pa,
                    color: col,
                    dashed: false,
                });
            }
            if !pb.is_empty() {
                b.push(Series {
                    label: lab.clone(),
                    pts: pb,
                    color: col,
                    dashed: false,
                });
            }
            if !pc.is_empty() {
                c.push(Series {
                    label: lab.clone(),
                    pts: pc,
                    color: col,
                    dashed: false,
                });
            }
            if !pd.is_empty() {
                d.push(Series {
                    label: lab,
                    pts: pd,
                    color: col,
                    dashed: true,
                });
            }
        }
        if a.is_empty() || b.is_empty() || c.is_empty() {
            bail!("audit_tg: missing data");
        }
        plot::render(ctx, Figure::AuditTg, self.0.width, self.0.height, |root| {
            root.fill(&WHITE)?;
            let areas = root.split_evenly((2, 2));
            draw_panel(
                &areas[0],
                "(a) Galerkin D_N vs basis size N",
                "N",
                "D_N  [1/C]",
                &a,
                false,
            )?;
            draw_panel(
                &areas[1],
                "(b) Galerkin g_1 vs N (resolved only)",
                "N",
                "g_1  [C]",
                &b,
                true,
            )?;
            draw_panel(
                &areas[2],
                "(c) closed-form D(Λ) vs cutoff Λ",
                "Λ",
                "D(Λ)  [1/C]",
                &c,
                false,
            )?;
            if d.is_empty() {
                Ok(())
            } else {
                draw_panel(
                    &areas[3],
                    "(d) FEM g_1 vs cutoff Λ (resolved only)",
                    "Λ",
                    "g_1  [C]",
                    &d,
                    true,
                )
            }
        })?;
        Ok(())
    }
}
