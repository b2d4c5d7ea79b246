//! Stage `fig2`: paper Fig. 2 from the tables of `fig2_md`: e(t) of the MD ensemble with error
//! bars against the exact solution of (38); inset: initial and final velocity densities.

use contract::fig2::{Which, energy, velocities};
use contract::{Figure, Table};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::md::Fig2Md;
use crate::io;
use crate::params::figure_size;
use crate::plot;
use crate::style::{self, Axis, Entry, Header, Legend, Line, Marker, Scale, Shape, Style};

/// Parameters of the `fig2` figure stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig2Figure {
    pub width: u32,
    pub height: u32,
}

impl Fig2Figure {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        figure_size(&mut e, self.width, self.height);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        // the model (for the exact curve between the sample times) is the data stage's
        let md: Fig2Md = ctx.params_of_producer(Table::Fig2Energy.path())?;
        let process = md.process()?;
        let en = io::read_table(ctx, Table::Fig2Energy)?;
        let times = io::column_f64(&en, energy::T)?;
        let mean = io::column_f64(&en, energy::E_MEAN)?;
        let sem = io::column_f64(&en, energy::E_SEM)?;
        let vel = io::read_table(ctx, Table::Fig2Velocities)?;
        let which: Vec<Which> = io::column_cat(&vel, velocities::WHICH)?;
        let lambda = io::column_f64(&vel, velocities::LAMBDA)?;
        let dens = io::column_f64(&vel, velocities::DENSITY)?;
        let dsem = io::column_f64(&vel, velocities::DENSITY_SEM)?;
        let theory = io::column_f64(&vel, velocities::THEORY)?;
        let rows =
            |w: Which| -> Vec<usize> { (0..which.len()).filter(|&i| which[i] == w).collect() };

        let e0 = 0.5 * md.temperature;
        let fine: Vec<(f64, f64)> = (0..=400)
            .map(|i| {
                let t = md.t_max * i as f64 / 400.0;
                (t, process.energy_exact(e0, t))
            })
            .collect();
        let points: Vec<(f64, f64, f64)> = (0..times.len())
            .map(|m| (times[m], mean[m], sem[m]))
            .collect();
        let y_range = style::data_range(
            points
                .iter()
                .flat_map(|&(_, m, s)| [m - s, m + s])
                .chain(fine.iter().map(|p| p.1)),
            Scale::Linear,
            0.05,
        );
        // headroom above the plateau for the legend (two rows), so that it covers no data
        let y_range = (y_range.0, y_range.1 + 0.16 * (y_range.1 - y_range.0));
        let dmax = theory.iter().chain(&dens).fold(0.0f64, |a, &b| a.max(b));
        let st = Style::new(self.width, self.height, style::WIDE_COLUMN);
        let kinetic = Line::theory(style::CLASSICAL);
        let md_point = Marker::data(Shape::Circle, style::INK).size(1.7);
        plot::render(ctx, Figure::Fig2, &st, |root| {
            root.fill(&WHITE)?;
            let mut p = style::panel(
                &st,
                root,
                Header {
                    letter: None,
                    title: "Homogeneous relaxation, classical velocity-swap model",
                },
                Axis::linear("time t", Some("mℓ²/ħ"), (0.0, md.t_max)),
                Axis::linear("energy per particle e", Some("ħ²/(mℓ²)"), y_range),
            )?;
            p.line(&fine, kinetic)?;
            p.error_bars(&points, md_point)?;

            // inset at the lower right, below every data point of the main plot it spans
            let (pw, ph) = p.plot_size();
            let gap = st.pt(6.0).round() as i32;
            let x0 = (0.4 * pw as f64).round() as i32;
            let data_bottom = fine
                .iter()
                .copied()
                .chain(points.iter().map(|&(t, m, s)| (t, m - s)))
                .filter_map(|q| p.pixel(q))
                .filter(|q| q.0 >= x0 - gap)
                .map(|q| q.1)
                .max()
                .unwrap_or(0);
            let top = (data_bottom + 2 * gap).max((0.4 * ph as f64) as i32);
            let (iw, ih) = (pw - x0 - gap, ph - gap - top);
            p.occupy_rect((x0, top), (x0 + iw, top + ih));
            p.legend(&Legend::new(vec![
                Entry::line("kinetic equation (38)", kinetic),
                Entry::data(
                    format!(
                        "MD, N = {}, {} realizations",
                        md.n_particles, md.realizations
                    ),
                    md_point,
                ),
            ]))?;
            let (ox, oy) = p.plot_origin();
            let inset = root
                .clone()
                .shrink((ox + x0, oy + top), (iw as u32, ih as u32));
            inset.fill(&WHITE)?;
            let ist = st.scaled(0.85);
            let mut q = style::panel(
                &ist,
                &inset,
                Header::default(),
                Axis::linear("velocity λ", Some("ħ/(mℓ)"), (md.lambda_min, md.lambda_max)),
                Axis::linear("density", Some("mℓ/ħ"), (0.0, 1.08 * dmax)),
            )?;
            let mut entries = Vec::new();
            let md_small = Marker::data(Shape::Circle, style::INK).size(1.3);
            for (w, color, name) in [
                (
                    Which::Initial,
                    style::time_color(0.0, 1.0),
                    "initial, thermal",
                ),
                (Which::Final, style::time_color(1.0, 1.0), "final, eq. (20)"),
            ] {
                let idx = rows(w);
                let line = Line::theory(color);
                q.line(
                    &idx.iter()
                        .map(|&i| (lambda[i], theory[i]))
                        .collect::<Vec<_>>(),
                    line,
                )?;
                q.error_bars(
                    &idx.iter()
                        .map(|&i| (lambda[i], dens[i], dsem[i]))
                        .collect::<Vec<_>>(),
                    md_small,
                )?;
                entries.push(Entry::line(name, line));
            }
            entries.push(Entry::data("MD", md_small));
            q.legend(&Legend::new(entries))?;
            Ok(())
        })?;
        Ok(())
    }
}
