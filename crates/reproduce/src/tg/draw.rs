//! Drawing shared by the Tonks-Girardeau figures (Fig. 3, Fig. 6, the truncation audit): a
//! panel of line series with an optional log y axis.

use pipeline::FieldError;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::params::{basis_sizes, figure_size};
use crate::plot::{self, FONT};

/// Parameters of `tg_fig3`, `tg_fig6`, `tg_audit`: figure size and which basis sizes to draw.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgFigure {
    pub width: u32,
    pub height: u32,
    /// Basis sizes to draw (must be present in the data).
    pub basis_sizes: Vec<usize>,
}

impl TgFigure {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        figure_size(&mut e, self.width, self.height);
        basis_sizes(&mut e, "basis_sizes", &self.basis_sizes);
        e
    }
}

pub const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

pub struct Series {
    pub label: String,
    pub pts: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub dashed: bool,
}

fn log_range(series: &[Series]) -> (f64, f64) {
    let ys = series
        .iter()
        .flat_map(|s| s.pts.iter().map(|p| p.1))
        .filter(|y| *y > 0.0);
    let lo = ys.clone().fold(f64::INFINITY, f64::min);
    let hi = ys.fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() {
        (lo / 2.0, hi * 2.0)
    } else {
        (1e-3, 1.0)
    }
}

fn lin_range(series: &[Series]) -> (f64, f64) {
    let ys = series.iter().flat_map(|s| s.pts.iter().map(|p| p.1));
    let lo = ys.clone().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = ys.fold(f64::NEG_INFINITY, f64::max);
    (lo, hi * 1.08 + 1e-300)
}

fn x_range(series: &[Series]) -> (f64, f64) {
    let xs = series.iter().flat_map(|s| s.pts.iter().map(|p| p.0));
    let lo = xs.clone().fold(f64::INFINITY, f64::min);
    let hi = xs.fold(f64::NEG_INFINITY, f64::max);
    (lo, hi + 1e-9 * hi.abs().max(1.0))
}

/// One panel with several line series; `logy` selects a log10 y axis.
pub fn draw_panel(
    area: &plot::Area<'_>,
    title: &str,
    xlab: &str,
    ylab: &str,
    series: &[Series],
    logy: bool,
) -> anyhow::Result<()> {
    let (x0, x1) = x_range(series);
    let mut b = ChartBuilder::on(area);
    b.caption(title, (FONT, 22))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(80);
    macro_rules! body {
        ($chart:ident) => {{
            $chart
                .configure_mesh()
                .x_desc(xlab)
                .y_desc(ylab)
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 17))
                .light_line_style(WHITE.mix(0.0))
                .draw()?;
            for s in series {
                let c = s.color;
                let pts: Vec<(f64, f64)> = s
                    .pts
                    .iter()
                    .copied()
                    .filter(|p| !logy || p.1 > 0.0)
                    .collect();
                if s.dashed {
                    $chart
                        .draw_series(DashedLineSeries::new(pts.clone(), 8, 5, c.stroke_width(2)))?
                        .label(s.label.clone())
                        .legend(move |(x, y)| {
                            PathElement::new([(x, y), (x + 24, y)], c.stroke_width(2))
                        });
                    $chart
                        .draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.stroke_width(1))))?;
                } else {
                    $chart
                        .draw_series(LineSeries::new(pts.clone(), c.stroke_width(3)))?
                        .label(s.label.clone())
                        .legend(move |(x, y)| {
                            PathElement::new([(x, y), (x + 24, y)], c.stroke_width(3))
                        });
                    $chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
                }
            }
            $chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font((FONT, 14))
                .draw()?;
        }};
    }
    if logy {
        let (y0, y1) = log_range(series);
        let mut chart = b.build_cartesian_2d(x0..x1, (y0..y1).log_scale())?;
        body!(chart);
    } else {
        let (y0, y1) = lin_range(series);
        let mut chart = b.build_cartesian_2d(x0..x1, y0..y1)?;
        body!(chart);
    }
    Ok(())
}
