//! Stages `transport_swap` (velocity-swap transport coefficients u, u', D on a density grid,
//! paper Sec. V.C, eqs. 88, 89 (corrected), 99 and the direct route (61)-(63)) and `fig4`
//! (paper Fig. 4: D(rho) and u(rho), classical and fermionic, symmetric and asymmetric bath).
//!
//! Output `data/transport_swap.parquet`, one row per (statistics, bath, rho):
//! `statistics` ("classical" | "fermionic"), `bath` ("symmetric" | "asymmetric"), `rho` [1/l],
//! `u` [hbar/(m l)], `du_drho` [hbar l/m], `D` [hbar/m] (eq. 99), `D_direct` [hbar/m]
//! (linearised collision operator, eqs. 61-63), `J` [hbar/(m l^2)] (particle current).
//! Units hbar = m = 1; l is the length unit in which the bath velocities (sigma, lambda_B) are
//! given in units of hbar/(m l).

use anyhow::{Context as _, bail};
use kinetic::{Bath, Statistics, SwapModel, VelocityGrid};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::io;
use crate::plot::{self, FONT};

/// Output of `transport_swap`, input of `fig4`.
pub const TRANSPORT_PARQUET: &str = "data/transport_swap.parquet";

/// Parameters of the `transport_swap` stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransportSwap {
    /// Collision rate gamma of (38)/(39).
    pub gamma: f64,
    /// Bath density rho_b.
    pub rho_b: f64,
    /// Bath (104): width sigma, peak position lambda_B.
    pub sigma: f64,
    pub lambda_b: f64,
    /// Asymmetry b of the "symmetric" bath (1 in the paper).
    pub b_symmetric: f64,
    /// Asymmetry b of the "asymmetric" bath (0.3 in the paper).
    pub b_asymmetric: f64,
    /// Log-spaced density grid rho_min..rho_max with n_rho points, plus the `rho_extra` points.
    pub rho_min: f64,
    pub rho_max: f64,
    pub n_rho: usize,
    pub rho_extra: Vec<f64>,
    /// Velocity grid: cutoff where the bath is below `tail_tol` of its maximum, spacing <= `spacing`.
    pub tail_tol: f64,
    pub spacing: f64,
}

/// Parameters of the `fig4` stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig4 {
    /// Figure size in pixels.
    pub width: u32,
    pub height: u32,
}

fn positive(errs: &mut Vec<FieldError>, path: &str, v: f64) {
    if !(v.is_finite() && v > 0.0) {
        errs.push(FieldError::new(
            path,
            format!("must be finite and > 0, got {v}"),
        ));
    }
}

impl TransportSwap {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        positive(&mut e, "gamma", self.gamma);
        positive(&mut e, "rho_b", self.rho_b);
        positive(&mut e, "sigma", self.sigma);
        if !self.lambda_b.is_finite() {
            e.push(FieldError::new("lambda_b", "must be finite"));
        }
        for (p, b) in [
            ("b_symmetric", self.b_symmetric),
            ("b_asymmetric", self.b_asymmetric),
        ] {
            if !(b.is_finite() && b >= 0.0) {
                e.push(FieldError::new(
                    p,
                    format!("must be finite and >= 0, got {b}"),
                ));
            }
        }
        positive(&mut e, "rho_min", self.rho_min);
        positive(&mut e, "rho_max", self.rho_max);
        if self.rho_max <= self.rho_min {
            e.push(FieldError::new(
                "rho_max",
                format!("must be > rho_min = {}", self.rho_min),
            ));
        }
        if self.n_rho < 2 {
            e.push(FieldError::new(
                "n_rho",
                format!("must be >= 2, got {}", self.n_rho),
            ));
        }
        for (i, r) in self.rho_extra.iter().enumerate() {
            positive(&mut e, &format!("rho_extra[{i}]"), *r);
        }
        if !(self.tail_tol > 0.0 && self.tail_tol < 1.0) {
            e.push(FieldError::new(
                "tail_tol",
                format!("must be in (0, 1), got {}", self.tail_tol),
            ));
        }
        positive(&mut e, "spacing", self.spacing);
        e
    }

    /// The density grid: log-spaced points plus the extra points, sorted, duplicates removed.
    pub fn rho_grid(&self) -> Vec<f64> {
        let n = self.n_rho.max(2);
        let mut v: Vec<f64> = (0..n)
            .map(|i| self.rho_min * (self.rho_max / self.rho_min).powf(i as f64 / (n - 1) as f64))
            .collect();
        v[n - 1] = self.rho_max;
        v.extend(self.rho_extra.iter().copied());
        v.sort_by(f64::total_cmp);
        v.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * b.abs());
        // an exact extra point wins over a log point within 1e-12
        for x in &self.rho_extra {
            if let Some(y) = v.iter_mut().find(|y| (**y - x).abs() <= 1e-12 * x.abs()) {
                *y = *x;
            }
        }
        v
    }

    fn baths(&self) -> anyhow::Result<[(&'static str, Bath); 2]> {
        Ok([
            (
                "symmetric",
                Bath::bragg(self.sigma, self.lambda_b, self.b_symmetric, self.rho_b)?,
            ),
            (
                "asymmetric",
                Bath::bragg(self.sigma, self.lambda_b, self.b_asymmetric, self.rho_b)?,
            ),
        ])
    }

    fn model(
        &self,
        bath: &Bath,
        s: Statistics,
        tail_tol: f64,
        spacing: f64,
    ) -> anyhow::Result<SwapModel> {
        let grid = VelocityGrid::for_bath(bath, tail_tol, spacing)?;
        Ok(SwapModel::new(bath.clone(), self.gamma, s, grid)?)
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let rhos = self.rho_grid();
        let stats = [Statistics::Classical, Statistics::Fermionic];
        let baths = self.baths()?;
        let mut cases = Vec::new();
        for (bname, bath) in &baths {
            for s in stats {
                cases.push((
                    *bname,
                    bath,
                    s,
                    self.model(bath, s, self.tail_tol, self.spacing)?,
                ));
            }
        }
        let jobs: Vec<(usize, usize)> = (0..cases.len())
            .flat_map(|c| (0..rhos.len()).map(move |r| (c, r)))
            .collect();
        let total = jobs.len() as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        let pool = ctx.thread_pool()?;
        // Each row is a pure function of (case, rho): the result is independent of thread count.
        let rows: Vec<anyhow::Result<[f64; 6]>> = pool.install(|| {
            jobs.par_iter()
                .map(|&(c, r)| {
                    let (bname, _, s, model) = &cases[c];
                    let rho = rhos[r];
                    let st = model
                        .stationary(rho)
                        .with_context(|| format!("{s:?} {bname} rho={rho}"))?;
                    let t = model.transport_at(&st);
                    let dd = model.diffusion_direct_at(&st)?;
                    let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    ctx.progress(k, total);
                    Ok([rho, t.u, t.du_drho, t.diffusion, dd, t.current])
                })
                .collect()
        });
        let mut col_stat = Vec::new();
        let mut col_bath = Vec::new();
        let mut cols: [Vec<f64>; 6] = Default::default();
        let mut max_rel: f64 = 0.0;
        let mut per_case = serde_json::Map::new();
        for (&(c, _), row) in jobs.iter().zip(rows) {
            let row = row?;
            let (bname, _, s, _) = &cases[c];
            col_stat.push(s.name());
            col_bath.push(*bname);
            let rel = (row[3] - row[4]).abs() / row[3].abs();
            max_rel = max_rel.max(rel);
            let key = format!("{}_{}", s.name(), bname);
            let e = per_case.entry(key).or_insert(json!(0.0));
            if rel > e.as_f64().unwrap_or(0.0) {
                *e = json!(rel);
            }
            for (k, v) in row.into_iter().enumerate() {
                cols[k].push(v);
            }
        }
        let [rho, u, du, d, dd, j] = cols;
        let mut df = df!(
            "statistics" => &col_stat,
            "bath" => &col_bath,
            "rho" => &rho,
            "u" => &u,
            "du_drho" => &du,
            "D" => &d,
            "D_direct" => &dd,
            "J" => &j,
        )?;
        io::write_parquet(ctx, TRANSPORT_PARQUET, &mut df)?;

        // Provenance: velocity grid, agreement of the two D routes, grid convergence.
        let mut grids = serde_json::Map::new();
        for (bname, _, s, model) in &cases {
            let (lo, hi) = model.grid().interval();
            grids.insert(
                format!("{}_{}", s.name(), bname),
                json!({"lambda_min": lo, "lambda_max": hi, "nodes": model.grid().len(),
                       "spacing": model.grid().spacing(), "tail_tol": self.tail_tol,
                       "rule": "uniform trapezoid"}),
            );
        }
        ctx.record("velocity_grid", serde_json::Value::Object(grids));
        ctx.record("max_rel_diff_D_eq99_vs_direct", json!(max_rel));
        ctx.record(
            "max_rel_diff_D_eq99_vs_direct_per_case",
            serde_json::Value::Object(per_case),
        );
        // Convergence: halve the spacing and widen the cutoff (tail_tol^(4/3)).
        let fine_tol = self.tail_tol.powf(4.0 / 3.0).max(f64::MIN_POSITIVE);
        let mut conv = serde_json::Map::new();
        for (bname, bath, s, model) in &cases {
            let fine = self.model(bath, *s, fine_tol, 0.5 * self.spacing)?;
            let (mut dd_, mut du_, mut dup) = (0.0f64, 0.0f64, 0.0f64);
            for &r in &[
                self.rho_min,
                0.5 * (self.rho_min + self.rho_max),
                self.rho_max,
            ] {
                let a = model.transport(r)?;
                let b = fine.transport(r)?;
                dd_ = dd_.max((a.diffusion - b.diffusion).abs() / b.diffusion.abs());
                du_ = du_.max((a.u - b.u).abs());
                dup = dup.max((a.du_drho - b.du_drho).abs());
            }
            conv.insert(
                format!("{}_{}", s.name(), bname),
                json!({"fine_spacing": 0.5 * self.spacing, "fine_tail_tol": fine_tol,
                       "max_rel_change_D": dd_, "max_abs_change_u": du_, "max_abs_change_du_drho": dup}),
            );
        }
        ctx.record("grid_convergence", serde_json::Value::Object(conv));
        ctx.record("n_rho_points", json!(rhos.len()));
        ctx.log(&format!(
            "{} rows, max rel diff D (99) vs direct = {max_rel:.2e}",
            rhos.len() * cases.len()
        ));
        if max_rel > 1e-8 {
            bail!("D by (99) and by the direct route disagree: max rel diff {max_rel:.3e} > 1e-8");
        }
        Ok(())
    }
}

impl Fig4 {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.width < 400 || self.height < 300 {
            e.push(FieldError::new(
                "width",
                "figure must be at least 400x300 pixels",
            ));
        }
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let df = io::read_parquet(&ctx.input(TRANSPORT_PARQUET)?)?;
        let stat = io::column_str(&df, "statistics")?;
        let bath = io::column_str(&df, "bath")?;
        let rho = io::column_f64(&df, "rho")?;
        let u = io::column_f64(&df, "u")?;
        let d = io::column_f64(&df, "D")?;
        let dd = io::column_f64(&df, "D_direct")?;
        let series = |s: &str, b: &str, y: &[f64]| -> Vec<(f64, f64)> {
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
            bail!("{TRANSPORT_PARQUET}: empty or degenerate rho column");
        }
        // Panels: (a) D, symmetric bath; (b) D, asymmetric; (c) u, symmetric; (d) u, asymmetric.
        let panels = [
            ("(a) D(ρ), symmetric bath b = 1", "symmetric", true),
            ("(b) D(ρ), asymmetric bath b = 0.3", "asymmetric", true),
            ("(c) u(ρ), symmetric bath b = 1", "symmetric", false),
            ("(d) u(ρ), asymmetric bath b = 0.3", "asymmetric", false),
        ];
        let range = |vals: Vec<f64>| {
            let lo = vals.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let pad = 0.08 * (hi - lo).max(0.5);
            (lo - pad, hi + pad)
        };
        plot::render(ctx, "figures/fig4", self.width, self.height, |root| {
            root.fill(&WHITE)?;
            let areas = root.split_evenly((2, 2));
            for (area, (title, b, is_d)) in areas.iter().zip(panels) {
                let (y, ylab) = if is_d {
                    (&d, "D(ρ)  [ħ/m]")
                } else {
                    (&u, "u(ρ)  [ħ/(m ℓ)]")
                };
                let cl = series("classical", b, y);
                let fe = series("fermionic", b, y);
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
                    let pts: Vec<(f64, f64)> = ["classical", "fermionic"]
                        .iter()
                        .flat_map(|s| series(s, b, &dd))
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
        ctx.record(
            "panels",
            json!([
                "(a) D symmetric",
                "(b) D asymmetric",
                "(c) u symmetric",
                "(d) u asymmetric"
            ]),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> TransportSwap {
        TransportSwap {
            gamma: 0.08,
            rho_b: 50.0,
            sigma: 6.0,
            lambda_b: 5.9,
            b_symmetric: 1.0,
            b_asymmetric: 0.3,
            rho_min: 0.05,
            rho_max: 4.0,
            n_rho: 8,
            rho_extra: vec![0.5, 1.0, 2.0],
            tail_tol: 1e-20,
            spacing: 0.4,
        }
    }

    #[test]
    fn rho_grid_contains_exact_points() {
        let mut p = params();
        p.n_rho = 61;
        let g = p.rho_grid();
        assert!(g.len() >= 61);
        for x in [0.05, 0.5, 1.0, 2.0, 4.0] {
            assert!(g.contains(&x), "{x}");
        }
        assert!(g.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn validation_flags_unphysical_parameters() {
        assert!(params().validate().is_empty());
        let mut p = params();
        p.gamma = 0.0;
        p.b_asymmetric = -1.0;
        p.rho_max = 0.01;
        let paths: Vec<String> = p.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["gamma", "b_asymmetric", "rho_max"]);
    }

    #[test]
    fn transport_swap_and_fig4_end_to_end() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = StageContext::standalone(dir.path(), "transport_swap", &[TRANSPORT_PARQUET]);
        params().run(&ctx).unwrap();
        let df = io::read_parquet(&dir.path().join(TRANSPORT_PARQUET)).unwrap();
        let n = params().rho_grid().len();
        assert_eq!(df.height(), 4 * n);
        let d = io::column_f64(&df, "D").unwrap();
        let dd = io::column_f64(&df, "D_direct").unwrap();
        assert!(d.iter().zip(&dd).all(|(a, b)| ((a - b) / a).abs() < 1e-8));
        let rec = ctx.records();
        assert!(rec["max_rel_diff_D_eq99_vs_direct"].as_f64().unwrap() < 1e-8);
        let fctx = StageContext::standalone(
            dir.path(),
            "fig4",
            &["figures/fig4.png", "figures/fig4.svg"],
        )
        .with_input("transport_swap", TRANSPORT_PARQUET, params())
        .unwrap();
        Fig4 {
            width: 1400,
            height: 1000,
        }
        .run(&fctx)
        .unwrap();
        assert!(dir.path().join("figures/fig4.png").exists());
        assert!(dir.path().join("figures/fig4.svg").exists());
    }
}
