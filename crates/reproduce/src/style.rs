//! The one plotting style of every figure: sizes in printed points, text metrics of the embedded
//! DejaVu Sans, tick values and labels, colour-blind-safe colours, and the panel layout that
//! sizes every margin and label area from the text it has to hold, so that no text overlaps
//! other text or the axes and nothing is cut at the canvas edge.
//!
//! - Sizes. A figure is drawn for a printed width ([`DOUBLE_COLUMN`] for the multi-panel figures,
//!   [`WIDE_COLUMN`] for the single-panel ones); a point is `width_px / (72 * inches)` pixels and
//!   the PDF page has exactly that width. Tick labels 8 pt, axis titles and panel titles 9 pt,
//!   legends 7.5 pt; lines 1.2 pt (theory), 0.9 pt (secondary), axes 0.7 pt.
//! - Text. One font everywhere, DejaVu Sans ([`crate::plot::FONT`]), embedded. plotters' SVG
//!   backend writes `font-size = size / 1.24` ([`SVG_EM`]): every size here is the rendered em.
//! - Ticks. Linear axes: steps 1, 2, 5 x 10^k, a fixed number of decimals per axis (the step's),
//!   never float noise; values of 10^4 and more (or below 10^-2) are divided by a power of ten
//!   that goes into the axis unit (`[10⁶/C]`). Log axes: powers of ten `10⁻⁴`, or `2×10⁻⁵`
//!   mantissas when the axis spans less than about two decades; minor ticks at 2..9 x 10^k.
//!   Labels use U+2212 for minus. The densest tick set whose labels keep a gap of 0.8 em
//!   (horizontal) or 0.6 em (vertical) is taken.
//! - Colours. Categories: Okabe-Ito (classical blue, fermionic vermillion, reference black).
//!   Ordered families, one map each, the same in every figure: basis size N -> viridis (by
//!   log N, N = 2 ... 32), time t -> plasma (t / t_max), density rho -> cividis, cutoff Lambda ->
//!   YlOrBr. Maps are cut before their lightest end so every line is visible on white.
//! - Data vs theory. Theory: lines. Numerical reference values: open markers. MD: markers with
//!   vertical error bars (and caps), never joined by lines.

use anyhow::Result;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plot::{Area, FONT};

/// plotters' SVG backend writes `font-size = size / SVG_EM`: a plotters text size for an em.
pub const SVG_EM: f64 = 1.24;
/// Printed width (inches) of the multi-panel figures: a double-column figure.
pub const DOUBLE_COLUMN: f64 = 7.0;
/// Printed width (inches) of the single-panel figures (a 1.5-column figure).
pub const WIDE_COLUMN: f64 = 5.0;

// ---------------------------------------------------------------------------------------------
// Sizes

/// Sizes of one figure: its canvas in pixels and how many pixels a printed point is.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub width: u32,
    pub height: u32,
    /// Printed width in inches (the PDF page width).
    pub print_width_in: f64,
    px_per_pt: f64,
}

/// What a text is, which sets its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Tick,
    Axis,
    Title,
    Legend,
}

impl Style {
    pub fn new(width: u32, height: u32, print_width_in: f64) -> Self {
        Self {
            width,
            height,
            print_width_in,
            px_per_pt: width as f64 / (72.0 * print_width_in),
        }
    }

    /// The same style with every size multiplied by `k` (an inset).
    pub fn scaled(self, k: f64) -> Self {
        Self {
            px_per_pt: self.px_per_pt * k,
            ..self
        }
    }

    /// Pixels of `pt` printed points.
    pub fn pt(&self, pt: f64) -> f64 {
        pt * self.px_per_pt
    }

    /// Stroke width in pixels (at least 1) of `pt` points.
    pub fn stroke(&self, pt: f64) -> u32 {
        self.pt(pt).round().max(1.0) as u32
    }

    /// Rendered em (the SVG font-size, pixels) of a text role.
    pub fn em(&self, role: Role) -> f64 {
        self.pt(match role {
            Role::Tick => 8.0,
            Role::Axis | Role::Title => 9.0,
            Role::Legend => 7.5,
        })
    }

    /// The plotters text style of a role (black, regular).
    pub fn font(&self, role: Role) -> TextStyle<'static> {
        text_style(self.em(role), false)
    }
}

/// A plotters text style of rendered em `em` pixels.
pub fn text_style(em: f64, bold: bool) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    TextStyle::from(FontDesc::new(FontFamily::Name(FONT), em * SVG_EM, style))
}

// ---------------------------------------------------------------------------------------------
// Text metrics of the embedded font

pub use figtext::{Extent, extent, missing_glyphs};

/// Width in pixels of `text` at font-size `em`.
pub fn text_width(text: &str, em: f64) -> f64 {
    extent(text, em, false).width
}

// ---------------------------------------------------------------------------------------------
// Colours

/// Okabe-Ito, the colour-blind-safe categorical palette (yellow left out: invisible on white).
pub mod okabe_ito {
    use plotters::style::RGBColor;
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
}

/// Classical particles, in every figure.
pub const CLASSICAL: RGBColor = okabe_ito::BLUE;
/// Fermions, in every figure.
pub const FERMIONIC: RGBColor = okabe_ito::VERMILLION;
/// Data and reference values drawn in no family colour.
pub const INK: RGBColor = RGBColor(0, 0, 0);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(222, 222, 222);

const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x28, 0x78),
    (0x3e, 0x4a, 0x89),
    (0x31, 0x68, 0x8e),
    (0x26, 0x82, 0x8e),
    (0x1f, 0x9e, 0x89),
    (0x35, 0xb7, 0x79),
    (0x6d, 0xcd, 0x59),
    (0xfd, 0xe7, 0x25),
];
const PLASMA: [(u8, u8, u8); 9] = [
    (0x0d, 0x08, 0x87),
    (0x4c, 0x02, 0xa1),
    (0x7e, 0x03, 0xa8),
    (0xa9, 0x23, 0x95),
    (0xcc, 0x47, 0x78),
    (0xe5, 0x6b, 0x5d),
    (0xf8, 0x94, 0x41),
    (0xfd, 0xc3, 0x28),
    (0xf0, 0xf9, 0x21),
];
const CIVIDIS: [(u8, u8, u8); 9] = [
    (0x00, 0x22, 0x4e),
    (0x12, 0x35, 0x70),
    (0x3b, 0x49, 0x6c),
    (0x57, 0x5d, 0x6d),
    (0x70, 0x71, 0x73),
    (0x8a, 0x87, 0x79),
    (0xa6, 0x9d, 0x75),
    (0xc4, 0xb5, 0x6c),
    (0xe4, 0xcf, 0x5b),
];
const YLORBR: [(u8, u8, u8); 5] = [
    (0xfe, 0x99, 0x29),
    (0xec, 0x70, 0x14),
    (0xcc, 0x4c, 0x02),
    (0x99, 0x34, 0x04),
    (0x66, 0x25, 0x06),
];

/// A sequential colour map, sampled between its darkest end (0) and `lightest` (< 1, so that
/// lines stay visible on white).
#[derive(Debug, Clone, Copy)]
pub struct ColorMap {
    anchors: &'static [(u8, u8, u8)],
    lightest: f64,
}

impl ColorMap {
    pub const VIRIDIS: ColorMap = ColorMap {
        anchors: &VIRIDIS,
        lightest: 0.85,
    };
    pub const PLASMA: ColorMap = ColorMap {
        anchors: &PLASMA,
        lightest: 0.8,
    };
    pub const CIVIDIS: ColorMap = ColorMap {
        anchors: &CIVIDIS,
        lightest: 0.85,
    };
    pub const YLORBR: ColorMap = ColorMap {
        anchors: &YLORBR,
        lightest: 1.0,
    };

    /// Colour at `t` in [0, 1] (clamped), dark to light.
    pub fn at(&self, t: f64) -> RGBColor {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        } * self.lightest;
        let n = self.anchors.len() - 1;
        let s = t * n as f64;
        let k = (s.floor() as usize).min(n - 1);
        let f = s - k as f64;
        let (a, b) = (self.anchors[k], self.anchors[k + 1]);
        let mix = |x: u8, y: u8| (f64::from(x) + f * (f64::from(y) - f64::from(x))).round() as u8;
        RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Colour of item `k` of `n` ordered items (evenly spread; the first is the darkest).
    pub fn rank(&self, k: usize, n: usize) -> RGBColor {
        self.at(if n <= 1 {
            0.0
        } else {
            k as f64 / (n - 1) as f64
        })
    }
}

/// The colour of basis size N in every figure: viridis by log N over N = 2 ... 32.
pub fn basis_color(n: usize) -> RGBColor {
    ColorMap::VIRIDIS.at((n.max(1) as f64 / 2.0).ln() / 16f64.ln())
}

/// The colour of output time `t` of a run ending at `t_max` in every figure: plasma by t / t_max.
pub fn time_color(t: f64, t_max: f64) -> RGBColor {
    ColorMap::PLASMA.at(if t_max > 0.0 { t / t_max } else { 0.0 })
}

// ---------------------------------------------------------------------------------------------
// Lines, markers

/// Dash pattern of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
}

/// A line: colour, width in points, dash.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub color: RGBColor,
    pub width_pt: f64,
    pub dash: Dash,
}

impl Line {
    /// A theory curve (1.2 pt, solid).
    pub fn theory(color: RGBColor) -> Self {
        Self {
            color,
            width_pt: 1.2,
            dash: Dash::Solid,
        }
    }
    /// A second theory curve on top of a first one (0.9 pt, dashed).
    pub fn secondary(color: RGBColor) -> Self {
        Self {
            color,
            width_pt: 0.9,
            dash: Dash::Dashed,
        }
    }
    pub fn dash(self, dash: Dash) -> Self {
        Self { dash, ..self }
    }
    pub fn width(self, width_pt: f64) -> Self {
        Self { width_pt, ..self }
    }
}

/// Marker shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

/// A marker: shape, colour, filled or open, radius in points.
#[derive(Debug, Clone, Copy)]
pub struct Marker {
    pub shape: Shape,
    pub color: RGBColor,
    pub filled: bool,
    pub size_pt: f64,
}

impl Marker {
    /// A data point (filled, radius 1.6 pt).
    pub fn data(shape: Shape, color: RGBColor) -> Self {
        Self {
            shape,
            color,
            filled: true,
            size_pt: 1.6,
        }
    }
    /// A reference value (open, radius 2.2 pt).
    pub fn open(shape: Shape, color: RGBColor) -> Self {
        Self {
            shape,
            color,
            filled: false,
            size_pt: 2.2,
        }
    }
    pub fn size(self, size_pt: f64) -> Self {
        Self { size_pt, ..self }
    }
}

/// Draw `m` centred at pixel `(x, y)` of `area`.
fn draw_marker(st: &Style, area: &Area<'_>, m: &Marker, (x, y): (i32, i32)) -> Result<()> {
    let r = st.pt(m.size_pt).max(1.5);
    let ri = r.round() as i32;
    let style = if m.filled {
        m.color.filled()
    } else {
        m.color.stroke_width(st.stroke(0.6))
    };
    match m.shape {
        Shape::Circle => area.draw(&Circle::new((x, y), ri as u32, style))?,
        Shape::Square => {
            let h = (r * 0.9).round() as i32;
            area.draw(&Rectangle::new([(x - h, y - h), (x + h, y + h)], style))?
        }
        Shape::Triangle | Shape::Diamond => {
            let pts: Vec<(i32, i32)> = if m.shape == Shape::Triangle {
                let h = r * 1.15;
                vec![
                    (x, y - h.round() as i32),
                    (x + (h * 0.87).round() as i32, y + (h * 0.5).round() as i32),
                    (x - (h * 0.87).round() as i32, y + (h * 0.5).round() as i32),
                ]
            } else {
                let h = (r * 1.2).round() as i32;
                vec![(x, y - h), (x + h, y), (x, y + h), (x - h, y)]
            };
            if m.filled {
                area.draw(&Polygon::new(pts, style))?
            } else {
                let mut closed = pts.clone();
                closed.push(pts[0]);
                area.draw(&PathElement::new(closed, style))?
            }
        }
    }
    Ok(())
}

/// Draw a polyline of pixel points on `area` in the style `l`.
fn draw_line(st: &Style, area: &Area<'_>, pts: &[(i32, i32)], l: &Line) -> Result<()> {
    if pts.len() < 2 {
        return Ok(());
    }
    let style = l.color.stroke_width(st.stroke(l.width_pt));
    match l.dash {
        Dash::Solid => area.draw(&PathElement::new(pts.to_vec(), style))?,
        Dash::Dashed | Dash::Dotted => {
            let (on, off) = if l.dash == Dash::Dashed {
                (3.2, 2.0)
            } else {
                (0.9, 1.4)
            };
            let (on, off) = (
                st.pt(on).round().max(2.0) as i32,
                st.pt(off).round().max(2.0) as i32,
            );
            area.draw(&plotters::element::DashedPathElement::new(
                pts.to_vec(),
                on,
                off,
                style,
            ))?
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Tick labels

/// Unicode superscript of an integer (`-4` -> `⁻⁴`).
pub fn superscript(k: i32) -> String {
    k.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// `10ᵏ` or `m×10ᵏ`.
pub fn power_label(mantissa: u32, k: i32) -> String {
    if mantissa == 1 {
        format!("10{}", superscript(k))
    } else {
        format!("{mantissa}×10{}", superscript(k))
    }
}

/// `v` with `decimals` decimals, U+2212 for minus, never `-0`.
pub fn decimal_label(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().any(|c| c.is_ascii_digit() && c != '0') => format!("−{rest}"),
        Some(rest) => rest.to_owned(),
        None => s,
    }
}

/// A number for a legend or a title: at most 4 significant digits, no float noise, no trailing
/// zeros (`0.30000000000000004` -> `0.3`, `1600` -> `1600`, `2e-5` -> `2×10⁻⁵`).
pub fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            v.to_string()
        };
    }
    let k = v.abs().log10().floor() as i32;
    if !(-3..5).contains(&k) {
        let m = v / 10f64.powi(k);
        let ms = decimal_label(m, 3);
        let ms = ms.trim_end_matches('0').trim_end_matches('.').to_owned();
        return if ms == "1" {
            format!("10{}", superscript(k))
        } else {
            format!("{ms}×10{}", superscript(k))
        };
    }
    let decimals = (3 - k).max(0) as usize;
    let s = decimal_label(v, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Axes

/// Linear or logarithmic axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

/// One axis: its quantity, unit, scale and data range. Chart coordinates are the value (linear)
/// or its log10 (log).
#[derive(Debug, Clone)]
pub struct Axis {
    pub name: String,
    pub unit: Option<String>,
    pub scale: Scale,
    pub lo: f64,
    pub hi: f64,
}

/// Ticks of an axis, chosen for its pixel length.
#[derive(Debug, Clone)]
pub struct Ticks {
    /// (chart coordinate, label)
    pub major: Vec<(f64, String)>,
    /// chart coordinates of unlabelled minor ticks
    pub minor: Vec<f64>,
    /// the axis title, with the unit and any power of ten taken out of the labels
    pub title: String,
}

impl Axis {
    /// A linear axis over `[lo, hi]`; `unit` is written `[unit]` after the name.
    pub fn linear(name: &str, unit: Option<&str>, (lo, hi): (f64, f64)) -> Self {
        Self::new(name, unit, Scale::Linear, lo, hi)
    }

    /// A log axis over `[lo, hi]` (both > 0).
    pub fn log(name: &str, unit: Option<&str>, (lo, hi): (f64, f64)) -> Self {
        Self::new(name, unit, Scale::Log, lo, hi)
    }

    fn new(name: &str, unit: Option<&str>, scale: Scale, lo: f64, hi: f64) -> Self {
        let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && hi > lo {
            (lo, hi)
        } else if lo.is_finite() {
            (lo - 0.5 * lo.abs().max(1e-3), lo + 0.5 * lo.abs().max(1e-3))
        } else {
            (0.0, 1.0)
        };
        if scale == Scale::Log && lo <= 0.0 {
            lo = if hi > 0.0 { hi * 1e-3 } else { 1e-3 };
            hi = hi.max(lo * 10.0);
        }
        Self {
            name: name.to_owned(),
            unit: unit.map(str::to_owned),
            scale,
            lo,
            hi,
        }
    }

    /// The chart coordinate of a data value (`None` off a log axis' domain or not finite).
    pub fn to_chart(&self, v: f64) -> Option<f64> {
        match self.scale {
            _ if !v.is_finite() => None,
            Scale::Linear => Some(v),
            Scale::Log if v > 0.0 => Some(v.log10()),
            Scale::Log => None,
        }
    }

    /// Chart-coordinate range.
    pub fn chart_range(&self) -> (f64, f64) {
        (
            self.to_chart(self.lo).unwrap(),
            self.to_chart(self.hi).unwrap(),
        )
    }

    fn title(&self, factor: i32) -> String {
        let unit = match (&self.unit, factor) {
            (None, 0) => return self.name.clone(),
            (Some(u), 0) => u.clone(),
            (None, k) => format!("×10{}", superscript(k)),
            (Some(u), k) => match u.strip_prefix("1/") {
                Some(rest) => format!("10{}/{rest}", superscript(k)),
                None => format!("10{} {u}", superscript(k)),
            },
        };
        format!("{}  [{unit}]", self.name)
    }

    /// The densest ticks whose labels, measured with `size` (the label's extent along the axis
    /// in pixels), keep `gap` pixels apart on an axis of `len` pixels.
    pub fn ticks(&self, len: f64, size: &dyn Fn(&str) -> f64, gap: f64) -> Ticks {
        let (c0, c1) = self.chart_range();
        let px = |c: f64| (c - c0) / (c1 - c0) * len;
        let fits = |t: &Ticks| {
            t.major.len() <= 12
                && t.major
                    .windows(2)
                    .all(|w| px(w[1].0) - px(w[0].0) >= 0.5 * (size(&w[0].1) + size(&w[1].1)) + gap)
        };
        let candidates = match self.scale {
            Scale::Linear => (2..=12).rev().map(|n| self.linear_ticks(n)).collect(),
            Scale::Log => self.log_ticks(),
        };
        // minor ticks closer than 0.4 label gaps (9 and 10 x 10^k are 0.046 decades apart) merge
        // into a solid bar on a compressed log axis: keep those far enough from their neighbours
        let thin = |mut t: Ticks| -> Ticks {
            let mut marks: Vec<f64> = t
                .major
                .iter()
                .map(|m| m.0)
                .chain(t.minor.iter().copied())
                .collect();
            marks.sort_by(f64::total_cmp);
            let min_gap = (0.4 * gap).max(3.0);
            t.minor.retain(|&c| {
                let i = marks.partition_point(|&m| m < c);
                let before = i.checked_sub(1).map(|j| marks[j]);
                let after = marks.get(i + 1).copied();
                before.is_none_or(|b| px(c) - px(b) >= min_gap)
                    && after.is_none_or(|a| px(a) - px(c) >= min_gap)
            });
            t
        };
        let mut best: Option<Ticks> = None;
        for t in candidates {
            if fits(&t) && t.major.len() >= 2 {
                return thin(t);
            }
            if fits(&t) && best.as_ref().is_none_or(|b| t.major.len() > b.major.len()) {
                best = Some(t);
            }
        }
        best.map(thin).unwrap_or_else(|| Ticks {
            major: vec![],
            minor: vec![],
            title: self.title(0),
        })
    }

    fn linear_ticks(&self, n: usize) -> Ticks {
        let (lo, hi) = (self.lo, self.hi);
        let raw = (hi - lo) / n as f64;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw * (1.0 - 1e-9))
            .unwrap_or(10.0 * mag);
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        let values: Vec<f64> = (first..=last).map(|k| k as f64 * step).collect();
        let big = values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let factor = if big >= 1e4 || (big > 0.0 && big < 1e-2) {
            big.log10().floor() as i32
        } else {
            0
        };
        let scale = 10f64.powi(factor);
        let decimals = (-((step / scale).log10() + 1e-9).floor()).max(0.0) as usize;
        Ticks {
            major: values
                .iter()
                .map(|&v| (v, decimal_label(v / scale, decimals)))
                .collect(),
            minor: vec![],
            title: self.title(factor),
        }
    }

    /// Candidate log tick sets, densest first. Labels are powers of ten, or plain numbers when
    /// every label is between 0.01 and 1000 (`5`, `10`, `20`).
    fn log_ticks(&self) -> Vec<Ticks> {
        let mut out = self.log_tick_sets();
        for t in &mut out {
            if t.major
                .iter()
                .all(|(c, _)| (-2.0 - 1e-9..3.0 + 1e-9).contains(c))
            {
                for (c, l) in &mut t.major {
                    *l = number(10f64.powf(*c));
                }
            }
        }
        out
    }

    fn log_tick_sets(&self) -> Vec<Ticks> {
        let (a, b) = self.chart_range();
        let inside = |c: f64| c >= a - 1e-9 && c <= b + 1e-9;
        let k0 = a.floor() as i32;
        let k1 = b.ceil() as i32;
        let all_minor = |major: &[(f64, String)]| -> Vec<f64> {
            (k0..=k1)
                .flat_map(|k| (1..=9).map(move |m| (m as f64).log10() + k as f64))
                .filter(|c| inside(*c) && !major.iter().any(|(x, _)| (x - c).abs() < 1e-9))
                .collect()
        };
        let title = self.title(0);
        let mut out = Vec::new();
        for mantissas in [&[1u32, 2, 5][..], &[1, 3][..]] {
            let major: Vec<(f64, String)> = (k0..=k1)
                .flat_map(|k| mantissas.iter().map(move |&m| (m, k)))
                .map(|(m, k)| ((m as f64).log10() + k as f64, power_label(m, k)))
                .filter(|(c, _)| inside(*c))
                .collect();
            let minor = all_minor(&major);
            out.push(Ticks {
                major,
                minor,
                title: title.clone(),
            });
        }
        for every in [1, 2, 3, 4, 5, 10] {
            let major: Vec<(f64, String)> = (k0..=k1)
                .filter(|k| k.rem_euclid(every) == 0)
                .map(|k| (k as f64, power_label(1, k)))
                .filter(|(c, _)| inside(*c))
                .collect();
            let minor = if every == 1 {
                all_minor(&major)
            } else {
                (k0..=k1)
                    .map(f64::from)
                    .filter(|c| inside(*c) && !major.iter().any(|(x, _)| (x - c).abs() < 1e-9))
                    .collect()
            };
            out.push(Ticks {
                major,
                minor,
                title: title.clone(),
            });
        }
        // less than a decade and a 1-2-5 sequence gives a single tick: every mantissa
        let major: Vec<(f64, String)> = (k0..=k1)
            .flat_map(|k| (1..=9).map(move |m| (m, k)))
            .map(|(m, k)| ((m as f64).log10() + k as f64, power_label(m, k)))
            .filter(|(c, _)| inside(*c))
            .collect();
        out.push(Ticks {
            major,
            minor: vec![],
            title,
        });
        out
    }
}

/// A data range `[lo, hi]` of the finite values, padded by `pad` of its span on both sides
/// (linear) or by the factor `1 + pad * 10` (log, positive values only).
pub fn data_range(values: impl IntoIterator<Item = f64>, scale: Scale, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite() && (scale == Scale::Linear || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    match scale {
        Scale::Linear => {
            let span = if hi > lo { hi - lo } else { lo.abs().max(1e-3) };
            (lo - pad * span, hi + pad * span)
        }
        Scale::Log => {
            let span = if hi > lo { hi / lo } else { 10.0 };
            let f = span.powf(pad).max(1.0 + pad);
            (lo / f, hi * f)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Panels

/// The coordinate system of every chart: linear chart coordinates with our own key points.
pub type Coords = Cartesian2d<Keyed, Keyed>;

/// A linear chart coordinate whose tick positions are ours ([`Axis::ticks`]), not plotters'.
/// (plotters' `WithKeyPoints` over `RangedCoordf64` has no value formatter, so its mesh cannot
/// be configured; the labels come from our formatter in any case.)
pub struct Keyed {
    inner: RangedCoordf64,
    keys: Vec<f64>,
}

impl Keyed {
    fn new(range: std::ops::Range<f64>, keys: Vec<f64>) -> Self {
        Self {
            inner: range.into(),
            keys,
        }
    }
}

impl Ranged for Keyed {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// One chart: the plotters chart, its axes, and what has been drawn where (for the legend).
pub struct Panel<'a> {
    pub chart: ChartContext<'a, SVGBackend<'a>, Coords>,
    pub st: Style,
    pub x: Axis,
    pub y: Axis,
    occupied: Vec<(i32, i32)>,
}

/// A panel letter and title above the plot.
#[derive(Debug, Clone, Copy, Default)]
pub struct Header<'s> {
    /// Panel letter without parentheses (`"a"`), drawn bold as `(a)`.
    pub letter: Option<&'s str>,
    pub title: &'s str,
}

/// The tick mark length in pixels; labels sit twice as far from the axis.
fn tick_len(st: &Style) -> i32 {
    (0.3 * st.em(Role::Tick)).round().max(3.0) as i32
}

/// Lay out a panel on `area`: header, label areas sized for their tick labels and titles, margins
/// for the labels that stick out at the ends of the axes; draw axes, grid, frame and ticks.
pub fn panel<'a>(
    st: &Style,
    area: &Area<'a>,
    header: Header<'_>,
    x: Axis,
    y: Axis,
) -> Result<Panel<'a>> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as f64, h as f64);
    let em_t = st.em(Role::Tick);
    let em_a = st.em(Role::Axis);
    let em_h = st.em(Role::Title);
    let pad = (0.35 * em_t).ceil();
    let tick = tick_len(st);
    let label_dist = 2.0 * tick as f64;
    let header_h = if header.letter.is_some() || !header.title.is_empty() {
        (1.7 * em_h).ceil()
    } else {
        0.0
    };
    // x label area: tick labels (em), a gap, the title's ink (about 1 em of the axis font)
    let x_area = (label_dist + 1.05 * em_t + 0.35 * em_a + 1.05 * em_a).ceil();
    let top = (header_h + 0.7 * em_t).ceil();
    let bottom = pad;
    let left = pad;
    let y_len = (h - top - bottom - x_area).max(10.0);
    let y_ticks = y.ticks(y_len, &|_| em_t, 0.6 * em_t);
    let y_w = y_ticks
        .major
        .iter()
        .map(|(_, l)| text_width(l, em_t))
        .fold(0.0f64, f64::max);
    let y_area = (label_dist + y_w + 0.45 * em_a + 1.05 * em_a).ceil();
    // the last x label is centred on its tick: half of it may stick out to the right
    let mut right = (0.7 * em_t).ceil();
    let mut x_ticks = x.ticks(
        w - left - y_area - right,
        &|l| text_width(l, em_t),
        0.8 * em_t,
    );
    for _ in 0..2 {
        let len = w - left - y_area - right;
        let (c0, c1) = x.chart_range();
        let overhang = x_ticks
            .major
            .iter()
            .map(|(c, l)| text_width(l, em_t) / 2.0 - (c1 - c) / (c1 - c0) * len)
            .fold(0.0f64, f64::max);
        let need = (overhang + 0.3 * em_t).ceil().max((0.7 * em_t).ceil());
        if need <= right {
            break;
        }
        right = need;
        x_ticks = x.ticks(
            w - left - y_area - right,
            &|l| text_width(l, em_t),
            0.8 * em_t,
        );
    }

    let (xc0, xc1) = x.chart_range();
    let (yc0, yc1) = y.chart_range();
    let xs: Vec<f64> = x_ticks.major.iter().map(|t| t.0).collect();
    let ys: Vec<f64> = y_ticks.major.iter().map(|t| t.0).collect();
    let mut chart = ChartBuilder::on(area)
        .margin_top(top as i32)
        .margin_bottom(bottom as i32)
        .margin_left(left as i32)
        .margin_right(right as i32)
        .x_label_area_size(x_area as i32)
        .y_label_area_size(y_area as i32)
        .build_cartesian_2d(Keyed::new(xc0..xc1, xs), Keyed::new(yc0..yc1, ys))?;
    let lookup = |ticks: &Ticks, v: f64| -> String {
        ticks
            .major
            .iter()
            .min_by(|a, b| (a.0 - v).abs().total_cmp(&(b.0 - v).abs()))
            .map(|t| t.1.clone())
            .unwrap_or_default()
    };
    let fx = |v: &f64| lookup(&x_ticks, *v);
    let fy = |v: &f64| lookup(&y_ticks, *v);
    let axis_style = INK.stroke_width(st.stroke(0.7));
    chart
        .configure_mesh()
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_desc(x_ticks.title.as_str())
        .y_desc(y_ticks.title.as_str())
        .label_style(st.font(Role::Tick))
        .axis_desc_style(st.font(Role::Axis))
        .axis_style(axis_style)
        .bold_line_style(GRID.stroke_width(st.stroke(0.4)))
        .light_line_style(WHITE.mix(0.0))
        .set_all_tick_mark_size(tick)
        .draw()?;

    let plot = chart.plotting_area().strip_coord_spec();
    let (pw, ph) = plot.dim_in_pixel();
    let (pw, ph) = (pw as i32, ph as i32);
    // the frame: plotters draws the left and bottom axes only
    plot.draw(&PathElement::new(
        vec![
            (0, ph - 1),
            (0, 0),
            (pw - 1, 0),
            (pw - 1, ph - 1),
            (0, ph - 1),
        ],
        axis_style,
    ))?;
    // minor ticks, outward, half the major length
    let base = area.get_base_pixel();
    let (px0, py0) = chart.plotting_area().get_base_pixel();
    let (ox, oy) = (px0 - base.0, py0 - base.1);
    let minor_len = (tick / 2).max(2);
    for &c in &x_ticks.minor {
        let xp = ox + ((c - xc0) / (xc1 - xc0) * (pw - 1) as f64).round() as i32;
        area.draw(&PathElement::new(
            vec![(xp, oy + ph), (xp, oy + ph + minor_len)],
            axis_style,
        ))?;
    }
    for &c in &y_ticks.minor {
        let yp = oy + ph - 1 - ((c - yc0) / (yc1 - yc0) * (ph - 1) as f64).round() as i32;
        area.draw(&PathElement::new(
            vec![(ox - minor_len - 1, yp), (ox - 1, yp)],
            axis_style,
        ))?;
    }

    // header: bold (a) at the left edge, the title centred over the plot (or after the letter)
    if header_h > 0.0 {
        let cy = (header_h / 2.0).round() as i32;
        let mut after = left;
        if let Some(l) = header.letter {
            let s = format!("({l})");
            area.draw(&Text::new(
                s.clone(),
                (left as i32, cy),
                text_style(em_h, true).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            after = left + extent(&s, em_h, true).width + 0.6 * em_h;
        }
        if !header.title.is_empty() {
            let mut em = em_h;
            while text_width(header.title, em) > w - after - pad && em > 0.7 * em_h {
                em *= 0.95;
            }
            let tw = text_width(header.title, em);
            let centre = ox as f64 + pw as f64 / 2.0;
            let x0 = (centre - tw / 2.0).max(after).min(w - pad - tw);
            area.draw(&Text::new(
                header.title.to_owned(),
                (x0.round() as i32, cy),
                text_style(em, false).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
    }
    Ok(Panel {
        chart,
        st: *st,
        x,
        y,
        occupied: Vec::new(),
    })
}

impl<'a> Panel<'a> {
    /// Pixel position (relative to the plotting area) of a data point.
    pub fn pixel(&self, (x, y): (f64, f64)) -> Option<(i32, i32)> {
        let (cx, cy) = (self.x.to_chart(x)?, self.y.to_chart(y)?);
        let (ax, ay) = self.chart.backend_coord(&(cx, cy));
        let (bx, by) = self.chart.plotting_area().get_base_pixel();
        Some((ax - bx, ay - by))
    }

    /// The plotting area, in pixels relative to its top-left corner.
    pub fn plot_area(&self) -> Area<'a> {
        self.chart.plotting_area().strip_coord_spec()
    }

    /// Size in pixels of the plotting area.
    pub fn plot_size(&self) -> (i32, i32) {
        let (w, h) = self.chart.plotting_area().dim_in_pixel();
        (w as i32, h as i32)
    }

    /// Absolute pixel position of the plotting area's top-left corner.
    pub fn plot_origin(&self) -> (i32, i32) {
        self.chart.plotting_area().get_base_pixel()
    }

    fn occupy_polyline(&mut self, pts: &[(i32, i32)]) {
        for w in pts.windows(2) {
            let (dx, dy) = ((w[1].0 - w[0].0) as f64, (w[1].1 - w[0].1) as f64);
            let n = (dx.hypot(dy) / 3.0).ceil().max(1.0) as i32;
            for k in 0..n {
                let f = k as f64 / n as f64;
                self.occupied.push((
                    w[0].0 + (f * dx).round() as i32,
                    w[0].1 + (f * dy).round() as i32,
                ));
            }
        }
        self.occupied.extend(pts.last());
    }

    /// Mark a pixel rectangle (relative to the plotting area) as taken, e.g. by an inset.
    pub fn occupy_rect(&mut self, (x0, y0): (i32, i32), (x1, y1): (i32, i32)) {
        for x in (x0..=x1).step_by(3) {
            for y in (y0..=y1).step_by(3) {
                self.occupied.push((x, y));
            }
        }
    }

    /// A curve through the data points (points off a log axis are left out).
    pub fn line(&mut self, pts: &[(f64, f64)], l: Line) -> Result<()> {
        let px: Vec<(i32, i32)> = pts.iter().filter_map(|&p| self.pixel(p)).collect();
        draw_line(&self.st, &self.plot_area(), &px, &l)?;
        self.occupy_polyline(&px);
        Ok(())
    }

    /// Markers at the data points.
    pub fn markers(&mut self, pts: &[(f64, f64)], m: Marker) -> Result<()> {
        let area = self.plot_area();
        for &p in pts {
            if let Some(q) = self.pixel(p) {
                draw_marker(&self.st, &area, &m, q)?;
                self.occupied.push(q);
            }
        }
        Ok(())
    }

    /// Data points `(x, y, error)`: a vertical bar y ± error with caps, and the marker.
    pub fn error_bars(&mut self, pts: &[(f64, f64, f64)], m: Marker) -> Result<()> {
        let area = self.plot_area();
        let style = m.color.stroke_width(self.st.stroke(0.5));
        let cap = self.st.pt(m.size_pt).round().max(2.0) as i32;
        for &(x, y, e) in pts {
            let (Some(lo), Some(mid), Some(hi)) = (
                self.pixel((x, y - e.abs())),
                self.pixel((x, y)),
                self.pixel((x, y + e.abs())),
            ) else {
                continue;
            };
            if lo.1 - hi.1 > 2 * cap {
                area.draw(&PathElement::new(vec![lo, hi], style))?;
                for end in [lo, hi] {
                    area.draw(&PathElement::new(
                        vec![(end.0 - cap, end.1), (end.0 + cap, end.1)],
                        style,
                    ))?;
                }
            }
            draw_marker(&self.st, &area, &m, mid)?;
            self.occupied.extend([lo, mid, hi]);
        }
        Ok(())
    }

    /// Draw `legend` inside the plotting area where it covers the fewest drawn points.
    pub fn legend(&mut self, legend: &Legend) -> Result<()> {
        let (pw, ph) = self.plot_size();
        let st = self.st;
        let mut cols = 1;
        let mut size = legend.size(&st, cols);
        while size.1 > 0.9 * ph as f64 && cols < legend.entries.len().max(1) {
            cols += 1;
            size = legend.size(&st, cols);
        }
        let (lw, lh) = (size.0.ceil() as i32, size.1.ceil() as i32);
        let inset = (0.5 * st.em(Role::Legend)).round() as i32;
        let xs = [pw - inset - lw, inset, (pw - lw) / 2];
        let ys = [inset, ph - inset - lh, (ph - lh) / 2];
        // preference: upper right, upper left, lower right, lower left, then the middles
        let order = [
            (0, 0),
            (1, 0),
            (0, 1),
            (1, 1),
            (2, 0),
            (2, 1),
            (0, 2),
            (1, 2),
            (2, 2),
        ];
        let margin = (0.3 * st.em(Role::Legend)).round() as i32;
        let (mut best, mut best_score) = ((xs[0], ys[0]), usize::MAX);
        for (i, j) in order {
            let (x0, y0) = (xs[i], ys[j]);
            let score = self
                .occupied
                .iter()
                .filter(|(x, y)| {
                    *x >= x0 - margin
                        && *x <= x0 + lw + margin
                        && *y >= y0 - margin
                        && *y <= y0 + lh + margin
                })
                .count();
            if score < best_score {
                best_score = score;
                best = (x0, y0);
            }
        }
        let area = self.plot_area();
        legend.draw(&area, &st, best, cols)?;
        self.occupy_rect(best, (best.0 + lw, best.1 + lh));
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Legends

/// One legend row: a sample (line and/or marker, optionally with an error bar) and its label.
#[derive(Debug, Clone)]
pub struct Entry {
    pub label: String,
    pub line: Option<Line>,
    pub marker: Option<Marker>,
    pub error_bar: bool,
}

impl Entry {
    pub fn line(label: impl Into<String>, l: Line) -> Self {
        Self {
            label: label.into(),
            line: Some(l),
            marker: None,
            error_bar: false,
        }
    }
    pub fn line_marker(label: impl Into<String>, l: Line, m: Marker) -> Self {
        Self {
            label: label.into(),
            line: Some(l),
            marker: Some(m),
            error_bar: false,
        }
    }
    pub fn marker(label: impl Into<String>, m: Marker) -> Self {
        Self {
            label: label.into(),
            line: None,
            marker: Some(m),
            error_bar: false,
        }
    }
    pub fn data(label: impl Into<String>, m: Marker) -> Self {
        Self {
            label: label.into(),
            line: None,
            marker: Some(m),
            error_bar: true,
        }
    }
}

/// A legend: an optional title row and entries, in one or more columns.
#[derive(Debug, Clone, Default)]
pub struct Legend {
    pub title: Option<String>,
    pub entries: Vec<Entry>,
}

impl Legend {
    pub fn new(entries: Vec<Entry>) -> Self {
        Self {
            title: None,
            entries,
        }
    }
    pub fn titled(title: impl Into<String>, entries: Vec<Entry>) -> Self {
        Self {
            title: Some(title.into()),
            entries,
        }
    }

    fn metrics(st: &Style) -> (f64, f64, f64, f64) {
        let em = st.em(Role::Legend);
        // padding, row height, sample width, gap sample-label
        (0.5 * em, 1.35 * em, 2.4 * em, 0.5 * em)
    }

    fn rows(&self, cols: usize) -> usize {
        self.entries.len().div_ceil(cols.max(1))
    }

    fn column_widths(&self, st: &Style, cols: usize) -> Vec<f64> {
        let em = st.em(Role::Legend);
        let (_, _, sample, gap) = Self::metrics(st);
        let rows = self.rows(cols).max(1);
        self.entries
            .chunks(rows)
            .map(|c| {
                sample
                    + gap
                    + c.iter()
                        .map(|e| text_width(&e.label, em))
                        .fold(0.0f64, f64::max)
            })
            .collect()
    }

    /// Width and height in pixels with `cols` columns.
    pub fn size(&self, st: &Style, cols: usize) -> (f64, f64) {
        let em = st.em(Role::Legend);
        let (pad, row, _, _) = Self::metrics(st);
        let widths = self.column_widths(st, cols);
        let mut w = widths.iter().sum::<f64>() + em * (widths.len().saturating_sub(1)) as f64;
        if let Some(t) = &self.title {
            w = w.max(text_width(t, em));
        }
        let rows = self.rows(cols) + usize::from(self.title.is_some());
        (w + 2.0 * pad, rows as f64 * row + 2.0 * pad)
    }

    /// Draw with its top-left corner at `(x, y)` of `area` (pixels), on a white box.
    pub fn draw(&self, area: &Area<'_>, st: &Style, (x, y): (i32, i32), cols: usize) -> Result<()> {
        let em = st.em(Role::Legend);
        let (pad, row, sample, gap) = Self::metrics(st);
        let (w, h) = self.size(st, cols);
        area.draw(&Rectangle::new(
            [(x, y), (x + w.ceil() as i32, y + h.ceil() as i32)],
            WHITE.mix(0.92).filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(x, y), (x + w.ceil() as i32, y + h.ceil() as i32)],
            RGBColor(160, 160, 160).stroke_width(st.stroke(0.4)),
        ))?;
        let font = text_style(em, false).pos(Pos::new(HPos::Left, VPos::Center));
        let mut y0 = y as f64 + pad;
        if let Some(t) = &self.title {
            area.draw(&Text::new(
                t.clone(),
                (
                    (x as f64 + pad).round() as i32,
                    (y0 + row / 2.0).round() as i32,
                ),
                font.clone(),
            ))?;
            y0 += row;
        }
        let rows = self.rows(cols).max(1);
        let mut x0 = x as f64 + pad;
        for (chunk, cw) in self.entries.chunks(rows).zip(self.column_widths(st, cols)) {
            for (r, e) in chunk.iter().enumerate() {
                let cy = (y0 + (r as f64 + 0.5) * row).round() as i32;
                let (sx0, sx1) = (x0.round() as i32, (x0 + sample).round() as i32);
                if let Some(l) = &e.line {
                    draw_line(st, area, &[(sx0, cy), (sx1, cy)], l)?;
                }
                if e.error_bar
                    && let Some(m) = &e.marker
                {
                    let style = m.color.stroke_width(st.stroke(0.5));
                    let half = (0.42 * em).round() as i32;
                    let cap = st.pt(m.size_pt).round().max(2.0) as i32;
                    let xc = (sx0 + sx1) / 2;
                    area.draw(&PathElement::new(
                        vec![(xc, cy - half), (xc, cy + half)],
                        style,
                    ))?;
                    for yy in [cy - half, cy + half] {
                        area.draw(&PathElement::new(
                            vec![(xc - cap, yy), (xc + cap, yy)],
                            style,
                        ))?;
                    }
                }
                if let Some(m) = &e.marker {
                    draw_marker(st, area, m, ((sx0 + sx1) / 2, cy))?;
                }
                area.draw(&Text::new(
                    e.label.clone(),
                    ((x0 + sample + gap).round() as i32, cy),
                    font.clone(),
                ))?;
            }
            x0 += cw + em;
        }
        Ok(())
    }
}

/// Draw `legend` centred in a strip at the bottom of `area`, in the fewest rows whose columns
/// fit the width; returns the area above the strip for the panels.
pub fn legend_below<'a>(st: &Style, area: &Area<'a>, legend: &Legend) -> Result<Area<'a>> {
    let pad = st.em(Role::Legend);
    let (w, _) = area.dim_in_pixel();
    let n = legend.entries.len().max(1);
    let cols = (1..=n)
        .map(|rows| n.div_ceil(rows))
        .find(|&c| legend.size(st, c).0 <= w as f64 - 2.0 * pad)
        .unwrap_or(1);
    let (lw, lh) = legend.size(st, cols);
    let (plots, strip) = bottom_strip(area, lh + pad);
    let x0 = ((w as f64 - lw) / 2.0).round() as i32;
    legend.draw(&strip, st, (x0, 0), cols)?;
    Ok(plots)
}

/// The pixel area left of a strip of `width` pixels at the right of `area`, and the strip.
pub fn right_strip<'a>(area: &Area<'a>, width: f64) -> (Area<'a>, Area<'a>) {
    let (w, _) = area.dim_in_pixel();
    area.split_horizontally((w as f64 - width).round().max(1.0) as i32)
}

/// The area above a strip of `height` pixels at the bottom of `area`, and the strip.
pub fn bottom_strip<'a>(area: &Area<'a>, height: f64) -> (Area<'a>, Area<'a>) {
    let (_, h) = area.dim_in_pixel();
    area.split_vertically((h as f64 - height).round().max(1.0) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(t: &Ticks) -> Vec<&str> {
        t.major.iter().map(|m| m.1.as_str()).collect()
    }

    #[test]
    fn linear_ticks_are_clean() {
        let a = Axis::linear("t", Some("s"), (0.0, 100.0));
        let t = a.ticks(800.0, &|l| text_width(l, 20.0), 16.0);
        assert_eq!(
            labels(&t),
            [
                "0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"
            ]
        );
        let a = Axis::linear("u", None, (-0.043, 0.043));
        let t = a.ticks(500.0, &|_| 20.0, 12.0);
        assert!(
            labels(&t).contains(&"0.00") || labels(&t).contains(&"0.0"),
            "{t:?}"
        );
        assert!(labels(&t).iter().any(|l| l.starts_with('−')), "{t:?}");
        // big values: a power of ten goes into the unit
        let a = Axis::linear("D", Some("1/C"), (0.0, 2.6e6));
        let t = a.ticks(500.0, &|_| 20.0, 12.0);
        assert_eq!(t.title, "D  [10⁶/C]");
        assert!(
            labels(&t).contains(&"2.5") || labels(&t).contains(&"2.0"),
            "{t:?}"
        );
        let a = Axis::linear("x", Some("ℓ"), (0.0, 4000.0));
        let t = a.ticks(600.0, &|l| text_width(l, 25.0), 20.0);
        assert_eq!(t.title, "x  [ℓ]");
        assert_eq!(labels(&t).last(), Some(&"4000"));
    }

    #[test]
    fn log_ticks_are_powers_of_ten() {
        let a = Axis::log("g", Some("C"), (1e-14, 1e-4));
        let t = a.ticks(600.0, &|_| 20.0, 12.0);
        assert!(labels(&t).iter().all(|l| l.starts_with("10")), "{t:?}");
        assert!(
            labels(&t).contains(&"10⁻⁸") || labels(&t).contains(&"10⁻¹⁰"),
            "{t:?}"
        );
        let a = Axis::log("g", Some("C"), (8e-6, 5e-4));
        let t = a.ticks(600.0, &|_| 20.0, 12.0);
        assert!(
            labels(&t).contains(&"2×10⁻⁵") || labels(&t).contains(&"10⁻⁵"),
            "{t:?}"
        );
        assert!(t.major.len() >= 3, "{t:?}");
        let a = Axis::log("g", None, (3.1e-5, 6.2e-5));
        let t = a.ticks(600.0, &|_| 20.0, 12.0);
        assert!(t.major.len() >= 2, "{t:?}");
    }

    #[test]
    fn numbers_have_no_float_noise() {
        assert_eq!(number(0.30000000000000004), "0.3");
        assert_eq!(number(1600.0), "1600");
        assert_eq!(number(2e-5), "2×10⁻⁵");
        assert_eq!(number(1e6), "10⁶");
        assert_eq!(number(-0.5), "−0.5");
        assert_eq!(number(3.9), "3.9");
        assert_eq!(decimal_label(-0.0001, 2), "0.00");
    }

    #[test]
    fn colours_are_ordered_and_visible() {
        let lum = |c: RGBColor| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
        for map in [
            ColorMap::VIRIDIS,
            ColorMap::PLASMA,
            ColorMap::CIVIDIS,
            ColorMap::YLORBR,
        ] {
            for k in 0..=10 {
                assert!(
                    lum(map.at(k as f64 / 10.0)) < 215.0,
                    "{map:?} too light at {k}"
                );
            }
        }
        assert!(lum(basis_color(2)) < lum(basis_color(16)));
        assert_eq!(basis_color(8), basis_color(8));
    }

    #[test]
    fn dejavu_has_every_glyph_we_write() {
        for s in ["ħ/(mℓ)", "ρ λ Λ ν ± × − ′ ² ⁻⁰¹²³⁴⁵⁶⁷⁸⁹ ₁ –", "mℓ²/ħ"]
        {
            assert!(
                missing_glyphs(s, false).is_empty(),
                "{s}: {:?}",
                missing_glyphs(s, false)
            );
        }
    }
}
