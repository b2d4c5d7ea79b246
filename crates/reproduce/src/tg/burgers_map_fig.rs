//! Stage `tg_burgers_map_fig`: heat maps of log10 |u'| of TG tubes over the Bragg-split bath's
//! (lambda_B / k_F, T), one panel per tube density, from [`Table::TgBurgersMap`]. Cells with
//! u' < 0 carry a white dot; the Fermi momentum (lambda_B = k_F) is the dashed line, half the
//! thermal width ([`thermal_half_width`], "(width of rho_th)/2" of Sec. V.B) the solid white
//! curve, and the largest |u'| of each panel a star-like open diamond.

use contract::tg_map::{columns as col, thermal_half_width};
use contract::{Figure, Table};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use crate::io;
use crate::params::figure_size;
use crate::plot;
use crate::style::{
    self, Axis, ColorMap, Dash, Entry, Header, Legend, Line, Marker, Role, Shape, Style,
};

/// `tg_burgers_map_fig`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapFigure {
    pub width: u32,
    pub height: u32,
}

/// The map's grid, read back from the table.
struct Grid {
    temperatures: Vec<f64>,
    lambda_bs: Vec<f64>,
    rhos: Vec<f64>,
    mu_b: f64,
    b: f64,
}

/// Cell edges of a grid: midpoints, the ends extended by half a step (in chart coordinates).
fn edges(c: &[f64]) -> Vec<f64> {
    let n = c.len();
    let mut e = Vec::with_capacity(n + 1);
    e.push(c[0] - 0.5 * (c[1] - c[0]));
    for w in c.windows(2) {
        e.push(0.5 * (w[0] + w[1]));
    }
    e.push(c[n - 1] + 0.5 * (c[n - 1] - c[n - 2]));
    e
}

impl MapFigure {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        figure_size(&mut e, self.width, self.height);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let df = io::read_table(ctx, Table::TgBurgersMap)?;
        let t = io::column_f64(&df, col::T)?;
        let lb = io::column_f64(&df, col::LAMBDA_B)?;
        let rho = io::column_f64(&df, col::RHO)?;
        let du = io::column_f64(&df, col::DU_DRHO)?;
        let mu_b = io::column_f64(&df, col::MU_B)?;
        let b = io::column_f64(&df, col::B)?;
        anyhow::ensure!(!t.is_empty(), "tg_burgers_map: empty table");
        let grid = |v: &[f64]| -> Vec<f64> {
            let mut g = v.to_vec();
            g.sort_by(f64::total_cmp);
            g.dedup();
            g
        };
        let rec = Grid {
            temperatures: grid(&t),
            lambda_bs: grid(&lb),
            rhos: grid(&rho),
            mu_b: mu_b[0],
            b: b[0],
        };
        let kf = (2.0 * rec.mu_b).sqrt();
        let (nt, nl) = (rec.temperatures.len(), rec.lambda_bs.len());
        anyhow::ensure!(nt >= 2 && nl >= 2, "tg_burgers_map: grid too small to draw");
        // |u'| over the map without lambda_B = 0 (parity symmetric: u' = 0 up to rounding); the
        // colour scale starts at the 2% quantile (u' crosses zero, so the minimum means nothing)
        let mut mags: Vec<f64> = (0..du.len())
            .filter(|&i| lb[i] > 0.0)
            .map(|i| du[i].abs())
            .collect();
        mags.sort_by(f64::total_cmp);
        anyhow::ensure!(!mags.is_empty(), "tg_burgers_map: no lambda_B > 0");
        let lo = mags[mags.len() / 50].max(f64::MIN_POSITIVE);
        let hi = mags[mags.len() - 1];
        let (d_lo, d_hi) = (
            lo.log10().floor(),
            hi.log10().ceil().max(lo.log10().floor() + 1.0),
        );
        let colour = |v: f64| -> RGBColor {
            ColorMap::VIRIDIS.at(((v.abs().log10() - d_lo) / (d_hi - d_lo)).clamp(0.0, 1.0))
        };
        let x_edges = edges(&rec.lambda_bs.iter().map(|l| l / kf).collect::<Vec<_>>());
        let y_edges: Vec<f64> = edges(
            &rec.temperatures
                .iter()
                .map(|t| t.log10())
                .collect::<Vec<_>>(),
        )
        .into_iter()
        .map(|y| 10f64.powf(y))
        .collect();
        let cell = |i: usize| -> (usize, usize) {
            let it = rec
                .temperatures
                .iter()
                .position(|x| *x == t[i])
                .unwrap_or(0);
            let il = rec.lambda_bs.iter().position(|x| *x == lb[i]).unwrap_or(0);
            (it, il)
        };
        let fine: Vec<f64> = (0..=120)
            .map(|k| {
                let (a, b) = (y_edges[0].ln(), y_edges[nt].ln());
                (a + (b - a) * k as f64 / 120.0).exp()
            })
            .collect();
        let half: Vec<(f64, f64)> = fine
            .iter()
            .map(|&tt| (thermal_half_width(tt, rec.mu_b) / kf, tt))
            .collect();

        let st = Style::new(self.width, self.height, style::DOUBLE_COLUMN);
        let fermi = Line::theory(WHITE).width(1.0).dash(Dash::Dashed);
        let width_line = Line::theory(WHITE).width(1.1);
        let max_marker = Marker::open(Shape::Diamond, RGBColor(230, 30, 30)).size(3.2);
        let pos_marker = Marker::data(Shape::Circle, WHITE).size(0.9);
        let sign_line = Line::theory(RGBColor(230, 30, 30)).width(1.0);
        let legend = Legend::new(vec![
            Entry::line(
                "λ_B = k_F = (2μ_b)^½",
                Line::theory(style::INK).width(1.0).dash(Dash::Dashed),
            ),
            Entry::line(
                "λ_B = (width of ρ_th)/2",
                Line::theory(style::INK).width(1.1),
            ),
            Entry::marker("largest |u′| of the panel", max_marker),
            Entry::marker(
                "u′ > 0 (elsewhere u′ < 0)",
                Marker::open(Shape::Circle, style::INK).size(0.9),
            ),
            Entry::line("u′ changes sign", sign_line),
        ]);
        plot::render(ctx, Figure::TgBurgersMap, &st, |root| {
            root.fill(&WHITE)?;
            let plots = style::legend_below(&st, root, &legend)?;
            // colour bar strip at the right
            let em = st.em(Role::Tick);
            let bar_w = (4.2 * em + style::text_width("10⁻¹⁰", em)).ceil();
            let (maps, bar) = style::right_strip(&plots, bar_w);
            let areas = maps.split_evenly((1, rec.rhos.len()));
            let letters = ["a", "b", "c", "d", "e", "f"];
            for (k, (&r, area)) in rec.rhos.iter().zip(areas.iter()).enumerate() {
                let title = format!(
                    "ρ = {} [1/ℓ], b = {}",
                    style::number(r),
                    style::number(rec.b)
                );
                let mut p = style::panel(
                    &st,
                    area,
                    Header {
                        letter: letters.get(k).copied(),
                        title: &title,
                    },
                    Axis::linear("λ_B / k_F", None, (x_edges[0].max(0.0), x_edges[nl])),
                    Axis::log(
                        "bath temperature T",
                        Some("ħ²/(mℓ²)"),
                        (y_edges[0], y_edges[nt]),
                    ),
                )?;
                let area_px = p.plot_area();
                let rows: Vec<usize> = (0..rho.len()).filter(|&i| rho[i] == r).collect();
                let mut best: Option<(usize, f64)> = None;
                let mut pos = Vec::new();
                let mut sign = vec![vec![0i8; nl]; nt];
                for &i in &rows {
                    let (it, il) = cell(i);
                    let x0 = x_edges[il].max(0.0);
                    let (Some(a), Some(b)) = (
                        p.pixel((x0, y_edges[it])),
                        p.pixel((x_edges[il + 1], y_edges[it + 1])),
                    ) else {
                        continue;
                    };
                    let fill = if lb[i] == 0.0 {
                        RGBColor(200, 200, 200)
                    } else {
                        colour(du[i])
                    };
                    area_px.draw(&Rectangle::new([a, b], fill.filled()))?;
                    if lb[i] > 0.0 {
                        sign[it][il] = if du[i] > 0.0 { 1 } else { -1 };
                        if du[i] > 0.0 {
                            pos.push((lb[i] / kf, t[i]));
                        }
                    }
                    if best.is_none_or(|(_, m)| du[i].abs() > m) {
                        best = Some((i, du[i].abs()));
                    }
                }
                p.markers(&pos, pos_marker)?;
                // u' = 0: the cell edges between cells of opposite sign
                for it in 0..nt {
                    for il in 0..nl {
                        let sg = sign[it][il];
                        if il + 1 < nl && sg * sign[it][il + 1] < 0 {
                            let x = x_edges[il + 1];
                            p.line(&[(x, y_edges[it]), (x, y_edges[it + 1])], sign_line)?;
                        }
                        if it + 1 < nt && sg * sign[it + 1][il] < 0 {
                            let y = y_edges[it + 1];
                            p.line(&[(x_edges[il], y), (x_edges[il + 1], y)], sign_line)?;
                        }
                    }
                }
                p.line(&[(1.0, y_edges[0]), (1.0, y_edges[nt])], fermi)?;
                p.line(&half, width_line)?;
                if let Some((i, _)) = best {
                    p.markers(&[(lb[i] / kf, t[i])], max_marker)?;
                }
            }
            // the colour bar: decades of |u'|
            let (_, bh) = bar.dim_in_pixel();
            let top = (1.7 * st.em(Role::Title) + 0.7 * em).round() as i32;
            let bottom = bh as i32 - (2.0 * em + 1.4 * st.em(Role::Axis)).round() as i32;
            let x0 = (0.8 * em).round() as i32;
            let x1 = x0 + (1.1 * em).round() as i32;
            let steps = 64;
            for s in 0..steps {
                let f0 = s as f64 / steps as f64;
                let f1 = (s + 1) as f64 / steps as f64;
                let y0 = bottom - (f0 * (bottom - top) as f64).round() as i32;
                let y1 = bottom - (f1 * (bottom - top) as f64).round() as i32;
                bar.draw(&Rectangle::new(
                    [(x0, y1), (x1, y0)],
                    ColorMap::VIRIDIS.at(f0 + 0.5 / steps as f64).filled(),
                ))?;
            }
            let ink = style::INK.stroke_width(st.stroke(0.7));
            bar.draw(&Rectangle::new([(x0, top), (x1, bottom)], ink))?;
            let decades = (d_hi - d_lo).round() as i32;
            let every = (decades / 8 + 1).max(1);
            for k in (0..=decades).step_by(every as usize) {
                let y =
                    bottom - ((k as f64 / decades as f64) * (bottom - top) as f64).round() as i32;
                bar.draw(&PathElement::new(
                    vec![(x1, y), (x1 + (0.3 * em) as i32, y)],
                    ink,
                ))?;
                bar.draw(&Text::new(
                    format!("10{}", style::superscript(d_lo as i32 + k)),
                    (x1 + (0.5 * em).round() as i32, y),
                    style::text_style(em, false).pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
            bar.draw(&Text::new(
                "|u′| [ħ/m]".to_owned(),
                (x0, bottom + (0.9 * em).round() as i32),
                style::text_style(st.em(Role::Axis), false).pos(Pos::new(HPos::Left, VPos::Top)),
            ))?;
            Ok(())
        })?;
        ctx.summary(format!(
            "{}.{{{}}}, colour scale |u'| 10^{d_lo}..10^{d_hi}",
            pipeline::resolve(&Figure::TgBurgersMap.stem(), ctx.profile()),
            contract::FIGURE_FORMATS.join(",")
        ));
        Ok(())
    }
}
