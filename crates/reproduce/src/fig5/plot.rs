//! Stage `fig5`: paper Fig. 5, MD histograms with error bars, hydrodynamic and kinetic curves
//! per panel and output time (the agreement is judged by the audit, not here).

use anyhow::ensure;
use contract::fig5::{Setup, md as mdcol, profile};
use contract::{Figure, Table};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::profiles::{self, Profiles};
use crate::io;
use crate::params::figure_size;
use crate::plot::{self, FONT};

/// Parameters of the `fig5` figure stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig5Figure {
    /// Figure size in pixels.
    pub width: u32,
    pub height: u32,
}

impl Fig5Figure {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        figure_size(&mut e, self.width, self.height);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let setup: Setup = io::read_json(ctx, Table::Fig5Setup)?;
        let times = &setup.times;
        let md_df = io::read_table(ctx, Table::Fig5Md)?;
        let md = profiles::read(&md_df, mdcol::RHO_MEAN, times)?;
        let md_sem = profiles::read(&md_df, mdcol::RHO_SEM, times)?;
        let hy = profiles::read(&io::read_table(ctx, Table::Fig5Hydro)?, profile::RHO, times)?;
        let kin = profiles::read(
            &io::read_table(ctx, Table::Fig5Kinetic)?,
            profile::RHO,
            times,
        )?;
        let nb = md.x.len();
        ensure!(
            hy.x.len() % nb == 0 && kin.x.len() % nb == 0,
            "theory grids must be multiples of the MD bins"
        );
        self.draw(ctx, &setup, &md, &md_sem, &hy, &kin)
    }

    fn draw(
        &self,
        ctx: &StageContext,
        setup: &Setup,
        md: &Profiles,
        md_sem: &Profiles,
        hy: &Profiles,
        kin: &Profiles,
    ) -> anyhow::Result<()> {
        let times = &setup.times;
        let titles = [
            "(a) classical, symmetric bath",
            "(b) fermions, symmetric bath",
            "(c) classical, asymmetric bath",
            "(d) fermions, asymmetric bath",
        ];
        let palette = [
            &BLUE,
            &RED,
            &GREEN,
            &MAGENTA,
            &CYAN,
            &BLACK,
            &full_palette::ORANGE,
            &full_palette::BROWN,
        ];
        plot::render(ctx, Figure::Fig5, self.width, self.height, |root| {
            root.fill(&WHITE)?;
            // a strip at the bottom for the line style caption, below the x labels
            let (plots, caption) = root.split_vertically(self.height.saturating_sub(34));
            let panels = plots.split_evenly((2, 2));
            for (p, area) in panels.iter().enumerate() {
                let ymax = (0..times.len())
                    .flat_map(|m| {
                        md.rho[p][m]
                            .iter()
                            .zip(&md_sem.rho[p][m])
                            .map(|(a, b)| a + b)
                    })
                    .chain(hy.rho[p].iter().flatten().cloned())
                    .fold(0.0f64, f64::max)
                    * 1.08;
                let mut chart = ChartBuilder::on(area)
                    .caption(titles[p], (FONT, 22))
                    .margin(12)
                    .x_label_area_size(42)
                    .y_label_area_size(60)
                    .build_cartesian_2d(0.0..setup.box_len, 0.0..ymax)?;
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .x_desc("x")
                    .y_desc("ρ(x, t)")
                    .label_style((FONT, 15))
                    .axis_desc_style((FONT, 17))
                    .draw()?;
                for (m, &tm) in times.iter().enumerate() {
                    let col = palette[m % palette.len()];
                    chart
                        .draw_series(md.x.iter().zip(&md.rho[p][m]).zip(&md_sem.rho[p][m]).map(
                            |((&x, &r), &s)| {
                                ErrorBar::new_vertical(x, r - s, r, r + s, col.filled(), 4)
                            },
                        ))?
                        .label(format!("t = {tm}"))
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 4), (x + 14, y + 4)], col.filled())
                        });
                    chart.draw_series(LineSeries::new(
                        hy.x.iter().cloned().zip(hy.rho[p][m].iter().cloned()),
                        col.stroke_width(2),
                    ))?;
                    chart.draw_series(DashedLineSeries::new(
                        kin.x.iter().cloned().zip(kin.rho[p][m].iter().cloned()),
                        6,
                        4,
                        col.stroke_width(1),
                    ))?;
                }
                if p == 0 {
                    chart
                        .configure_series_labels()
                        .label_font((FONT, 14))
                        .background_style(WHITE.mix(0.8))
                        .border_style(BLACK)
                        .position(SeriesLabelPosition::UpperRight)
                        .draw()?;
                }
            }
            caption.draw(&Text::new(
                "bars: MD mean ± s.e.m.;  solid: hydrodynamics eq. (2);  dashed: kinetic eq. (38)/(39)",
                (20, 8),
                (FONT, 15),
            ))?;
            Ok(())
        })?;
        Ok(())
    }
}
