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
use crate::plot::{self, FONT};

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
        let (ymin, ymax) = mean
            .iter()
            .zip(&sem)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (m, s)| {
                (a.min(m - s), b.max(m + s))
            });
        let pad = 0.05 * (ymax - ymin);
        let dmax = theory.iter().chain(&dens).fold(0.0f64, |a, &b| a.max(b));
        plot::render(ctx, Figure::Fig2, self.width, self.height, |root| {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(root)
                .caption(
                    "Fig. 2: classical velocity-swap model, homogeneous relaxation",
                    (FONT, 22),
                )
                .margin(15)
                .x_label_area_size(45)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..md.t_max, (ymin - pad)..(ymax + pad))?;
            chart
                .configure_mesh()
                .x_desc("t")
                .y_desc("e(t)")
                .label_style((FONT, 16))
                .draw()?;
            chart
                .draw_series(LineSeries::new(fine.clone(), BLUE.stroke_width(2)))?
                .label("kinetic equation (38)")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
            chart
                .draw_series(times.iter().enumerate().map(|(m, &t)| {
                    ErrorBar::new_vertical(
                        t,
                        mean[m] - sem[m],
                        mean[m],
                        mean[m] + sem[m],
                        RED.filled(),
                        6,
                    )
                }))?
                .label(format!(
                    "MD, N = {}, {} realizations",
                    md.n_particles, md.realizations
                ))
                .legend(|(x, y)| Circle::new((x + 10, y), 3, RED.filled()));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font((FONT, 16))
                .draw()?;
            // inset
            let (w_px, h_px) = root.dim_in_pixel();
            let inset = root.clone().shrink(
                ((w_px as f64 * 0.45) as u32, (h_px as f64 * 0.3) as u32),
                ((w_px as f64 * 0.45) as u32, (h_px as f64 * 0.38) as u32),
            );
            inset.fill(&WHITE)?;
            let mut ic = ChartBuilder::on(&inset)
                .margin(5)
                .x_label_area_size(30)
                .y_label_area_size(45)
                .build_cartesian_2d(md.lambda_min..md.lambda_max, 0.0..(1.05 * dmax))?;
            ic.configure_mesh()
                .x_desc("λ")
                .y_desc("density")
                .label_style((FONT, 12))
                .draw()?;
            for (w, color, name) in [
                (Which::Initial, GREEN, "initial (thermal)"),
                (Which::Final, MAGENTA, "final, eq. (20)"),
            ] {
                let idx = rows(w);
                ic.draw_series(LineSeries::new(
                    idx.iter().map(|&i| (lambda[i], theory[i])),
                    color.stroke_width(2),
                ))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 15, y)], color.stroke_width(2))
                });
                ic.draw_series(idx.iter().map(|&i| {
                    ErrorBar::new_vertical(
                        lambda[i],
                        dens[i] - dsem[i],
                        dens[i],
                        dens[i] + dsem[i],
                        BLACK.filled(),
                        3,
                    )
                }))?;
            }
            ic.configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, 12))
                .background_style(WHITE.mix(0.9))
                .draw()?;
            Ok(())
        })?;
        Ok(())
    }
}
