//! Stage `tg_fig3`: paper Fig. 3 from [`Table::TgTransport`] and [`Table::TgFullDiffusion`]:
//! (a) D_RTA and the Galerkin D_N vs rho for the thermal bath, (b), (c) -nu vs rho for the
//! Bragg-split baths; every curve coloured by its basis size N.

use anyhow::bail;
use contract::tg::{Method, Panel, full_diffusion as fdcol, transport as trcol};
use contract::{Figure, Table};
use pipeline::StageContext;
use plotters::prelude::*;

use super::draw::{AxisSpec, Series, TgFigure, draw_panel};
use crate::io;
use crate::plot;
use crate::style::{self, Entry, Header, Legend, Line, Marker, Shape, Style};

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
        let rta_line = |n: usize| Line::theory(style::basis_color(n));
        let rta_marker = |n: usize| Marker::data(Shape::Circle, style::basis_color(n));
        let full_line = |n: usize| Line::secondary(style::basis_color(n)).width(1.1);
        let full_marker = |n: usize| Marker::open(Shape::Circle, style::basis_color(n)).size(1.8);
        let mut a = Vec::new();
        let mut legend = Vec::new();
        for &n in &self.0.basis_sizes {
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
                    pts: rta,
                    line: rta_line(n),
                    marker: Some(rta_marker(n)),
                });
                used.push(n);
                legend.push(Entry::line(format!("N = {n}"), rta_line(n)));
            }
            if !full.is_empty() {
                a.push(Series {
                    pts: full,
                    line: full_line(n),
                    marker: Some(full_marker(n)),
                });
            }
        }
        legend.push(Entry::line_marker(
            "RTA, eq. (77)",
            Line::theory(style::INK),
            Marker::data(Shape::Circle, style::INK),
        ));
        legend.push(Entry::line_marker(
            "full D, Galerkin (61)",
            Line::secondary(style::INK).width(1.1),
            Marker::open(Shape::Circle, style::INK).size(1.8),
        ));
        let mut panels: Vec<(&str, &str, Vec<Series>)> = vec![("a", "T = 4, thermal bath", a)];
        for (name, letter, title) in [
            (Panel::P3b, "b", "T = 1, b = 9, λ_B = 3.9"),
            (Panel::P3c, "c", "T = 10, b = 9, λ_B = 8"),
        ] {
            let mut v = Vec::new();
            for &n in &self.0.basis_sizes {
                let pts: Vec<(f64, f64)> = (0..rho.len())
                    .filter(|&i| panel[i] == name && ns[i] == Some(n as u32))
                    .filter_map(|i| nu[i].map(|x| (rho[i], -x)))
                    .collect();
                if !pts.is_empty() {
                    v.push(Series {
                        pts,
                        line: rta_line(n),
                        marker: Some(rta_marker(n)),
                    });
                }
            }
            panels.push((letter, title, v));
        }
        if panels.iter().any(|p| p.2.is_empty()) {
            bail!(
                "fig3: a panel has no data for basis sizes {:?}",
                self.0.basis_sizes
            );
        }
        let st = Style::new(self.0.width, self.0.height, style::DOUBLE_COLUMN);
        let legend = Legend::new(legend);
        plot::render(ctx, Figure::Fig3, &st, |root| {
            root.fill(&WHITE)?;
            let plots = style::legend_below(&st, root, &legend)?;
            let areas = plots.split_evenly((1, 3));
            for (area, (letter, title, s)) in areas.iter().zip(&panels) {
                let y = if *letter == "a" {
                    AxisSpec::log("D", Some("1/C"))
                } else {
                    AxisSpec::log("−ν = −D_RTA/u′", Some("1/C"))
                };
                draw_panel(
                    &st,
                    area,
                    Header {
                        letter: Some(letter),
                        title,
                    },
                    AxisSpec::linear("density ρ", Some("1/ℓ")),
                    y,
                    s,
                    None,
                )?;
            }
            Ok(())
        })?;
        ctx.summary(format!(
            "{}.{{{}}}, basis sizes {used:?} drawn",
            pipeline::resolve(&Figure::Fig3.stem(), ctx.profile()),
            contract::FIGURE_FORMATS.join(",")
        ));
        Ok(())
    }
}
