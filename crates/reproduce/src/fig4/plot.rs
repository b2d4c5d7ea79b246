//! Stage `fig4`: paper Fig. 4, D(rho) and u(rho) of the classical and fermionic swap models in
//! the symmetric and the asymmetric bath, from [`Table::Transport`].

use anyhow::bail;
use contract::swap::{BathSide, Statistics, transport as col};
use contract::{Figure, Table};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::io;
use crate::params::figure_size;
use crate::plot::{self, FONT};

/// Parameters of the `fig4` stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig4 {
    /// Figure size in pixels.
    pub width: u32,
    pub height: u32,
}

impl Fig4 {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        figure_size(&mut e, self.width, self.height);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let df = io::read_table(ctx, Table::Transport)?;
        let stat: Vec<Statistics> = io::column_cat(&df, col::STATISTICS)?;
        let bath: Vec<BathSide> = io::column_cat(&df, col::BATH)?;
        let rho = io::column_f64(&df, col::RHO)?;
        let u = io::column_f64(&df, col::U)?;
        let d = io::column_f64(&df, col::D)?;
        let dd = io::column_f64(&df, col::D_DIRECT)?;
        let series = |s: Statistics, b: BathSide, y: &[f64]| -> Vec<(f64, f64)> {
            let mut v: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| stat[i] == s && bath[i] == b)
                .map(|i| (rho[i], y[i]))
                .collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            v
        };
        let rho_lo = rho.iter().cloned().fold(f64::INFINITY, f64::min);
        let rho_hi = rho.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        if !(rho_lo.is_finite() && rho_hi > rho_lo) {
            bail!(
                "{}: empty or degenerate rho column",
                Table::Transport.path()
            );
        }
        // Panels: (a) D, symmetric bath; (b) D, asymmetric; (c) u, symmetric; (d) u, asymmetric.
        let panels = [
            ("(a) D(ρ), symmetric bath b = 1", BathSide::Symmetric, true),
            (
                "(b) D(ρ), asymmetric bath b = 0.3",
                BathSide::Asymmetric,
                true,
            ),
            ("(c) u(ρ), symmetric bath b = 1", BathSide::Symmetric, false),
            (
                "(d) u(ρ), asymmetric bath b = 0.3",
                BathSide::Asymmetric,
                false,
            ),
        ];
        let range = |vals: Vec<f64>| {
            let lo = vals.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let pad = 0.08 * (hi - lo).max(0.5);
            (lo - pad, hi + pad)
        };
        plot::render(ctx, Figure::Fig4, self.width, self.height, |root| {
            root.fill(&WHITE)?;
            let areas = root.split_evenly((2, 2));
            for (area, (title, b, is_d)) in areas.iter().zip(panels) {
                let (y, ylab) = if is_d {
                    (&d, "D(ρ)  [ħ/m]")
                } else {
                    (&u, "u(ρ)  [ħ/(m ℓ)]")
                };
                let cl = series(Statistics::Classical, b, y);
                let fe = series(Statistics::Fermionic, b, y);
                let (ylo, yhi) = range(cl.iter().chain(&fe).map(|p| p.1).collect());
                let mut chart = ChartBuilder::on(area)
                    .caption(title, (FONT, 24))
                    .margin(12)
                    .x_label_area_size(50)
                    .y_label_area_size(70)
                    .build_cartesian_2d(0.0..rho_hi * 1.02, ylo..yhi)?;
                chart
                    .configure_mesh()
                    .x_desc("density ρ  [1/ℓ]")
                    .y_desc(ylab)
                    .label_style((FONT, 16))
                    .axis_desc_style((FONT, 18))
                    .light_line_style(WHITE.mix(0.0))
                    .draw()?;
                let blue = RGBColor(31, 119, 180);
                let red = RGBColor(214, 39, 40);
                chart
                    .draw_series(LineSeries::new(cl.clone(), blue.stroke_width(3)))?
                    .label("classical")
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 24, y)], blue.stroke_width(3))
                    });
                chart
                    .draw_series(LineSeries::new(fe.clone(), red.stroke_width(3)))?
                    .label("fermionic")
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 24, y)], red.stroke_width(3))
                    });
                if is_d {
                    // every 6th point of the direct route (61)-(63) as open circles
                    let pts: Vec<(f64, f64)> = Statistics::ALL
                        .iter()
                        .flat_map(|s| series(*s, b, &dd))
                        .collect();
                    chart
                        .draw_series(
                            pts.iter()
                                .step_by(6)
                                .map(|&p| Circle::new(p, 5, BLACK.stroke_width(1))),
                        )?
                        .label("direct route (61)–(63)")
                        .legend(|(x, y)| Circle::new((x + 12, y), 5, BLACK.stroke_width(1)));
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperLeft)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font((FONT, 16))
                    .draw()?;
            }
            Ok(())
        })?;
        Ok(())
    }
}
