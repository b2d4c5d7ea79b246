//! Drawing shared by the Tonks-Girardeau figures (Fig. 3, Fig. 6, the truncation audit): the
//! figure parameters and a panel of curves whose axes fit their data.

use pipeline::FieldError;
use serde::{Deserialize, Serialize};

use crate::params::{basis_sizes, figure_size};
use crate::plot::Area;
use crate::style::{self, Axis, Header, Legend, Line, Marker, Scale, Style};

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

/// One curve: its points, line and marker.
pub struct Series {
    pub pts: Vec<(f64, f64)>,
    pub line: Line,
    /// `None`: a reference line without markers
    pub marker: Option<Marker>,
}

/// An axis of a TG panel: quantity, unit, scale.
pub struct AxisSpec<'s> {
    pub name: &'s str,
    pub unit: Option<&'s str>,
    pub scale: Scale,
}

impl<'s> AxisSpec<'s> {
    pub fn linear(name: &'s str, unit: Option<&'s str>) -> Self {
        Self {
            name,
            unit,
            scale: Scale::Linear,
        }
    }
    pub fn log(name: &'s str, unit: Option<&'s str>) -> Self {
        Self {
            name,
            unit,
            scale: Scale::Log,
        }
    }

    /// The axis over the data `values` (linear x axes are not padded: the curves start and end
    /// at the frame).
    fn axis(&self, values: impl Iterator<Item = f64>, pad: f64) -> Axis {
        let range = style::data_range(values, self.scale, pad);
        match self.scale {
            Scale::Linear => Axis::linear(self.name, self.unit, range),
            Scale::Log => Axis::log(self.name, self.unit, range),
        }
    }
}

/// One panel with the curves `series` (points off a log axis are left out) and, if given, a
/// legend placed where it covers the fewest points.
pub fn draw_panel(
    st: &Style,
    area: &Area<'_>,
    header: Header<'_>,
    x: AxisSpec<'_>,
    y: AxisSpec<'_>,
    series: &[Series],
    legend: Option<&Legend>,
) -> anyhow::Result<()> {
    let keep = |p: &&(f64, f64)| {
        (x.scale == Scale::Linear || p.0 > 0.0) && (y.scale == Scale::Linear || p.1 > 0.0)
    };
    let pts = || series.iter().flat_map(|s| s.pts.iter().filter(keep));
    let xa = x.axis(
        pts().map(|p| p.0),
        if x.scale == Scale::Log { 0.02 } else { 0.0 },
    );
    let ya = y.axis(pts().map(|p| p.1), 0.06);
    let mut p = style::panel(st, area, header, xa, ya)?;
    for s in series {
        p.line(&s.pts, s.line)?;
        if let Some(m) = s.marker {
            p.markers(&s.pts, m)?;
        }
    }
    if let Some(l) = legend {
        p.legend(l)?;
    }
    Ok(())
}

/// Split off a strip at the right of `area` for `legends` (stacked) and draw them there;
/// returns the area left for the panels.
pub fn legends_right<'a>(
    st: &Style,
    area: &Area<'a>,
    legends: &[Legend],
) -> anyhow::Result<Area<'a>> {
    let pad = st.em(style::Role::Legend);
    let width = legends
        .iter()
        .map(|l| l.size(st, 1).0)
        .fold(0.0f64, f64::max);
    let (rest, strip) = style::right_strip(area, width + 1.5 * pad);
    let mut y = st.em(style::Role::Title) * 1.7 + 0.7 * st.em(style::Role::Tick);
    for l in legends {
        l.draw(
            &strip,
            st,
            ((0.5 * pad).round() as i32, y.round() as i32),
            1,
        )?;
        y += l.size(st, 1).1 + pad;
    }
    Ok(rest)
}
