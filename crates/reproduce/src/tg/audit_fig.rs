//! Stage `tg_audit`: the truncation audit figure from [`Table::TgFullDiffusion`],
//! [`Table::TgSpectrum`] and [`Table::TgTransport`]: D_N and g_1 vs basis size N, the RTA
//! ratio D_RTA/D_N at equal N (Sec. V.B, "RTA gives a good approximation"), D(Lambda) and the
//! FEM g_1 vs cutoff.

use anyhow::bail;
use contract::tg::{Method, Panel, full_diffusion as fdcol, spectrum as spcol, transport as trcol};
use contract::{Figure, Table};
use pipeline::StageContext;
use plotters::prelude::*;

use super::draw::{AxisSpec, Series, TgFigure, draw_panel};
use crate::io;
use crate::plot;
use crate::style::{self, ColorMap, Entry, Header, Legend, Line, Marker, Shape, Style};

/// The `tg_audit` stage.
pub struct AuditFigure<'a>(pub &'a TgFigure);

impl AuditFigure<'_> {
    /// Audit: D_N vs N, g_1 vs N, D_RTA/D_N vs N, D(Lambda) vs Lambda, FEM g_1 vs Lambda.
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let tr = io::read_table(ctx, Table::TgTransport)?;
        let t_panel = io::column_cat::<Panel>(&tr, trcol::PANEL)?;
        let t_rho = io::column_f64(&tr, trcol::RHO)?;
        let t_n = io::column_opt_u32(&tr, trcol::BASIS_SIZE)?;
        let t_d = io::column_f64(&tr, trcol::D_RTA)?;
        let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
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
        let (mut a, mut b, mut c, mut d, mut e) = (vec![], vec![], vec![], vec![], vec![]);
        let mut entries = Vec::new();
        let (r_lo, r_hi) = (rhos[0], rhos[rhos.len() - 1]);
        for &r in &rhos {
            let col = ColorMap::CIVIDIS.at(if r_hi > r_lo {
                (r - r_lo) / (r_hi - r_lo)
            } else {
                0.0
            });
            let solid = Line::theory(col).width(1.0);
            let dot = Marker::data(Shape::Circle, col).size(1.3);
            let dashed = Line::secondary(col);
            let square = Marker::open(Shape::Square, col).size(1.6);
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
            // D_RTA/D_N at equal N and density (panel 3a of tg_transport, same thermal bath)
            let pe: Vec<(f64, f64)> = pa
                .iter()
                .filter_map(|&(n, dn)| {
                    (0..t_rho.len())
                        .find(|&i| {
                            t_panel[i] == Panel::P3a
                                && t_n[i] == Some(n as u32)
                                && same(t_rho[i], r)
                        })
                        .map(|i| (n, t_d[i] / dn))
                })
                .collect();
            entries.push(Entry::line(style::number(r), solid));
            for (v, pts, line, marker) in [
                (&mut a, pa, solid, dot),
                (&mut b, pb, solid, dot),
                (&mut c, pc, solid, dot),
                (&mut d, pd, dashed, square),
                (&mut e, pe, solid, dot),
            ] {
                if !pts.is_empty() {
                    v.push(Series {
                        pts,
                        line,
                        marker: Some(marker),
                    });
                }
            }
        }
        if a.is_empty() || b.is_empty() || c.is_empty() {
            bail!("audit_tg: missing data");
        }
        // the band of a "good approximation" (audit criterion: within 20%) and ratio 1
        let ns: Vec<f64> = e.iter().flat_map(|s| s.pts.iter().map(|p| p.0)).collect();
        if let (Some(lo), Some(hi)) = (
            ns.iter().copied().reduce(f64::min),
            ns.iter().copied().reduce(f64::max),
        ) {
            let band = Line::secondary(style::INK).width(0.7);
            for (y, line) in [
                (0.8, band),
                (1.0, Line::theory(style::INK).width(0.7)),
                (1.2, band),
            ] {
                e.push(Series {
                    pts: vec![(lo, y), (hi, y)],
                    line,
                    marker: None,
                });
            }
        }
        let legend = Legend::titled("density ρ [1/ℓ]", entries);
        let key = Legend::new(vec![
            Entry::line("D_RTA/D_N = 1", Line::theory(style::INK).width(0.7)),
            Entry::line(
                "± 20% (audit criterion)",
                Line::secondary(style::INK).width(0.7),
            ),
        ]);
        let st = Style::new(self.0.width, self.0.height, style::DOUBLE_COLUMN);
        plot::render(ctx, Figure::AuditTg, &st, |root| {
            root.fill(&WHITE)?;
            let areas = root.split_evenly((2, 3));
            let n_axis = || AxisSpec::linear("basis size N", None);
            let header = |letter, title| Header {
                letter: Some(letter),
                title,
            };
            draw_panel(
                &st,
                &areas[0],
                header("a", "Galerkin D_N vs basis size N"),
                n_axis(),
                AxisSpec::log("D_N", Some("1/C")),
                &a,
                None,
            )?;
            draw_panel(
                &st,
                &areas[1],
                header("b", "Galerkin g₁ vs N (resolved values)"),
                n_axis(),
                AxisSpec::log("g₁", Some("C")),
                &b,
                None,
            )?;
            if e.iter().any(|s| s.marker.is_some()) {
                draw_panel(
                    &st,
                    &areas[2],
                    header("c", "RTA over the full D at equal N"),
                    n_axis(),
                    AxisSpec::log("D_RTA/D_N", None),
                    &e,
                    Some(&key),
                )?;
            }
            draw_panel(
                &st,
                &areas[3],
                header("d", "closed-form D(Λ) vs cutoff Λ"),
                AxisSpec::log("cutoff Λ", Some("ħ/(mℓ)")),
                AxisSpec::log("D(Λ)", Some("1/C")),
                &c,
                None,
            )?;
            if !d.is_empty() {
                draw_panel(
                    &st,
                    &areas[4],
                    header("e", "FEM g₁ vs cutoff Λ (resolved values)"),
                    AxisSpec::linear("cutoff Λ", Some("ħ/(mℓ)")),
                    AxisSpec::log("g₁", Some("C")),
                    &d,
                    None,
                )?;
            }
            // the density legend in the sixth cell, in as many columns as its height needs
            let pad = st.em(style::Role::Legend);
            let (cw, ch) = areas[5].dim_in_pixel();
            let y = 1.7 * st.em(style::Role::Title) + 0.7 * st.em(style::Role::Tick);
            let mut cols = 1;
            while legend.size(&st, cols).1 > ch as f64 - y - pad && cols < legend.entries.len() {
                cols += 1;
            }
            let (lw, _) = legend.size(&st, cols);
            let x = ((cw as f64 - lw) / 2.0).max(0.5 * pad);
            legend.draw(&areas[5], &st, (x.round() as i32, y.round() as i32), cols)?;
            Ok(())
        })?;
        Ok(())
    }
}
