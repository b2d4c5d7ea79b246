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
use crate::plot;
use crate::style::{self, Axis, Entry, Header, Legend, Line, Marker, Scale, Shape, Style};

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
            ("a", "symmetric bath, b = 1", BathSide::Symmetric, true),
            ("b", "asymmetric bath, b = 0.3", BathSide::Asymmetric, true),
            ("c", "symmetric bath, b = 1", BathSide::Symmetric, false),
            ("d", "asymmetric bath, b = 0.3", BathSide::Asymmetric, false),
        ];
        let st = Style::new(self.width, self.height, style::DOUBLE_COLUMN);
        let classical = Line::theory(style::CLASSICAL);
        let fermionic = Line::theory(style::FERMIONIC);
        let direct = Marker::open(Shape::Circle, style::INK);
        plot::render(ctx, Figure::Fig4, &st, |root| {
            root.fill(&WHITE)?;
            let areas = root.split_evenly((2, 2));
            for (area, (letter, title, b, is_d)) in areas.iter().zip(panels) {
                let (y, name, unit) = if is_d {
                    (&d, "D(ρ)", "ħ/m")
                } else {
                    (&u, "u(ρ)", "ħ/(mℓ)")
                };
                let cl = series(Statistics::Classical, b, y);
                let fe = series(Statistics::Fermionic, b, y);
                let mut yr =
                    style::data_range(cl.iter().chain(&fe).map(|p| p.1), Scale::Linear, 0.06);
                // a flat curve (u = 0 in the symmetric bath) gets a symmetric range
                if yr.1 - yr.0 < 1e-6 {
                    yr = (yr.0 - 0.05, yr.1 + 0.05);
                }
                let mut p = style::panel(
                    &st,
                    area,
                    Header {
                        letter: Some(letter),
                        title,
                    },
                    Axis::linear("density ρ", Some("1/ℓ"), (0.0, rho_hi * 1.02)),
                    Axis::linear(name, Some(unit), yr),
                )?;
                p.line(&cl, classical)?;
                p.line(&fe, fermionic)?;
                let mut entries = vec![
                    Entry::line("classical", classical),
                    Entry::line("fermionic", fermionic),
                ];
                if is_d {
                    // every 6th point of the direct route (61)-(63) as open circles
                    let pts: Vec<(f64, f64)> = Statistics::ALL
                        .iter()
                        .flat_map(|s| series(*s, b, &dd))
                        .step_by(6)
                        .collect();
                    p.markers(&pts, direct)?;
                    entries.push(Entry::marker("direct route (61)–(63)", direct));
                }
                if letter == "a" {
                    p.legend(&Legend::new(entries))?;
                }
            }
            Ok(())
        })?;
        Ok(())
    }
}
