//! The figure of `stationary_states`: one panel per (system, bath), each state at its densities
//! (solid, coloured by density with the cividis map of every figure) against its bath (black,
//! dashed), the bath rescaled to the panel's largest density (`rho_p^(b) rho_max / rho_b`, so
//! that a classical state (20) at rho_max lies exactly on it).

use contract::Figure;
use contract::stationary::{Bath, System};
use pipeline::StageContext;
use plotters::prelude::*;

use super::State;
use crate::plot;
use crate::style::{self, Axis, ColorMap, Entry, Header, Legend, Line, Style};

/// Points per drawn curve at most (the grids are finer than the pixels).
const MAX_POINTS: usize = 500;

/// The panels in drawing order: (system, bath, title).
const PANELS: [(System, Bath, &str); 8] = [
    (System::Classical, Bath::Fig2, "Fig. 2 bath, classical (20)"),
    (
        System::Classical,
        Bath::Symmetric,
        "b = 1 bath, classical (20)",
    ),
    (
        System::Classical,
        Bath::Asymmetric,
        "b = 0.3 bath, classical (20)",
    ),
    (
        System::Fermionic,
        Bath::Symmetric,
        "b = 1 bath, fermions (40)",
    ),
    (
        System::Fermionic,
        Bath::Asymmetric,
        "b = 0.3 bath, fermions (40)",
    ),
    (System::Tg, Bath::Tg3a, "TG, Fig. 3a bath (34)"),
    (System::Tg, Bath::Tg3b, "TG, Fig. 3b bath (34)"),
    (System::Tg, Bath::Tg3c, "TG, Fig. 3c bath (34)"),
];

/// One panel's curves.
struct PanelData {
    title: &'static str,
    states: Vec<(f64, Vec<(f64, f64)>)>,
    bath: Vec<(f64, f64)>,
    x: (f64, f64),
    y_max: f64,
}

fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2)
        .zip(y.windows(2))
        .map(|(a, b)| 0.5 * (a[1] - a[0]) * (b[0] + b[1]))
        .sum()
}

/// Every `stride`-th point of `(x, y)` inside `[lo, hi]`.
fn thin(x: &[f64], y: &[f64], (lo, hi): (f64, f64)) -> Vec<(f64, f64)> {
    let idx: Vec<usize> = (0..x.len()).filter(|&i| x[i] >= lo && x[i] <= hi).collect();
    let stride = idx.len().div_ceil(MAX_POINTS).max(1);
    let mut pts: Vec<(f64, f64)> = idx.iter().step_by(stride).map(|&i| (x[i], y[i])).collect();
    if let Some(&last) = idx.last()
        && pts.last().map(|p| p.0) != Some(x[last])
    {
        pts.push((x[last], y[last]));
    }
    pts
}

fn panel_data(
    states: &[State],
    system: System,
    bath: Bath,
    title: &'static str,
) -> Option<PanelData> {
    let mine: Vec<&State> = states
        .iter()
        .filter(|s| s.system == system && s.bath == bath)
        .collect();
    let top = *mine.iter().max_by(|a, b| a.rho.total_cmp(&b.rho))?;
    let rho_b = trapezoid(&top.lambda, &top.rho_p_bath);
    let scale = top.rho / rho_b;
    let bath_scaled: Vec<f64> = top.rho_p_bath.iter().map(|b| b * scale).collect();
    let y_max = mine
        .iter()
        .flat_map(|s| s.rho_p.iter())
        .chain(&bath_scaled)
        .fold(0.0f64, |a, &b| a.max(b));
    // x range: where a curve exceeds 1e-3 of the panel's maximum
    let visible = |x: &[f64], y: &[f64]| -> (f64, f64) {
        let on: Vec<f64> = (0..x.len())
            .filter(|&i| y[i] > 1e-3 * y_max)
            .map(|i| x[i])
            .collect();
        (
            on.iter().copied().fold(f64::INFINITY, f64::min),
            on.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    };
    let (mut lo, mut hi) = visible(&top.lambda, &bath_scaled);
    for s in &mine {
        let (a, b) = visible(&s.lambda, &s.rho_p);
        lo = lo.min(a);
        hi = hi.max(b);
    }
    let half = 0.5 * (hi - lo) * 1.05;
    let (lo, hi) = (0.5 * (lo + hi) - half, 0.5 * (lo + hi) + half);
    Some(PanelData {
        title,
        states: mine
            .iter()
            .map(|s| (s.rho, thin(&s.lambda, &s.rho_p, (lo, hi))))
            .collect(),
        bath: thin(&top.lambda, &bath_scaled, (lo, hi)),
        x: (lo, hi),
        y_max,
    })
}

/// Draw the figure of `states` (2 x 4 panels, legend below).
pub fn draw(ctx: &StageContext, states: &[State], width: u32, height: u32) -> anyhow::Result<()> {
    let panels: Vec<PanelData> = PANELS
        .iter()
        .filter_map(|&(s, b, t)| panel_data(states, s, b, t))
        .collect();
    let mut rhos: Vec<f64> = states.iter().map(|s| s.rho).collect();
    rhos.sort_by(f64::total_cmp);
    rhos.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * b.abs());
    let (r0, r1) = (rhos[0], rhos[rhos.len() - 1]);
    let color =
        move |rho: f64| ColorMap::CIVIDIS.at(if r1 > r0 { (rho - r0) / (r1 - r0) } else { 0.0 });
    let bath_line = Line::secondary(style::INK);
    let mut entries: Vec<Entry> = rhos
        .iter()
        .map(|&r| Entry::line(format!("ρ = {}", style::number(r)), Line::theory(color(r))))
        .collect();
    entries.push(Entry::line(
        "bath ρ_p^(b) × ρ_max/ρ_b (ρ_max: the largest ρ of the panel)",
        bath_line,
    ));
    let legend = Legend::new(entries);
    let st = Style::new(width, height, style::DOUBLE_COLUMN);
    let letters = ["a", "b", "c", "d", "e", "f", "g", "h"];
    plot::render(ctx, Figure::StationaryStates, &st, |root| {
        root.fill(&WHITE)?;
        let plots = style::legend_below(&st, root, &legend)?;
        let areas = plots.split_evenly((2, 4));
        for ((area, p), letter) in areas.iter().zip(&panels).zip(letters) {
            let mut q = style::panel(
                &st,
                area,
                Header {
                    letter: Some(letter),
                    title: p.title,
                },
                Axis::linear("velocity λ", Some("ħ/(mℓ)"), p.x),
                Axis::linear("ρ_p(λ)", Some("m/ħ"), (0.0, 1.08 * p.y_max)),
            )?;
            for (rho, pts) in &p.states {
                q.line(pts, Line::theory(color(*rho)))?;
            }
            // the bath on top, so that it stays visible where a state lies on it (20)
            q.line(&p.bath, bath_line)?;
        }
        Ok(())
    })?;
    Ok(())
}
