//! Tonks-Girardeau tubes (paper Sec. V.A-B, App. E-F, Figs. 3 and 6) and the truncation audit.
//!
//! Stage kinds:
//! - `tg_transport` -> `data/tg_transport.parquet`: `panel` ("3a"|"3b"|"3c"), `T`, `rho`, `u`,
//!   `du_drho`, `var_lambda`, `tau_rta`, `D_rta`, `nu_burgers` (null where u' = 0 by parity),
//!   `basis_size` (the polynomial basis size N behind tau_RTA = 1/g_1(N) at rho -> 0).
//! - `tg_full_diffusion` -> `data/tg_full_diffusion.parquet`: `rho`, `method` ("galerkin" |
//!   "quadrature"), `N` (null for quadrature), `cutoff` (null for galerkin), `D`.
//! - `tg_spectrum` -> `data/tg_spectrum.parquet`: `rho`, `method` ("galerkin" | "fem"), `N`
//!   (polynomials incl. the constant, or FEM nodes), `cutoff` (half-width of the quadrature grid
//!   for galerkin, Lambda for fem), `g1`. Only numerically resolved values are written
//!   (g_1 > 1e4 eps g_max); the unresolved ones are listed in the provenance.
//! - `tg_fig3`, `tg_fig6`, `tg_audit` -> `figures/fig3`, `figures/fig6`, `figures/audit_tg`.
//!
//! Rates are in units of C = (2 pi)^2 k_r^2 |V^2| (E8); D in units of 1/C (hbar = m = 1).

use ::tg::convergence::verdict;
use ::tg::diffusion::{closed_form, fem_direct, galerkin, thermal_tail_slope};
use ::tg::spectrum::{Fem, PolyBasis};
use ::tg::stationary::GridSpec;
use ::tg::transport::Transport;
use ::tg::{Bath, StationaryState};
use anyhow::{Context as _, bail};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::io;
use crate::plot::{self, FONT};

pub const TRANSPORT: &str = "data/tg_transport.parquet";
pub const FULL_DIFFUSION: &str = "data/tg_full_diffusion.parquet";
pub const SPECTRUM: &str = "data/tg_spectrum.parquet";

/// Resolution floor: an eigenvalue g_1 with g_1 / g_max below this is rounding noise.
const RESOLUTION: f64 = 1e4 * f64::EPSILON;

/// Bath of a panel.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum BathParams {
    Thermal {
        temperature: f64,
        mu: f64,
    },
    BraggSplit {
        temperature: f64,
        mu: f64,
        lambda_b: f64,
        b: f64,
        norm: f64,
    },
}

impl BathParams {
    pub fn bath(&self) -> Bath {
        match *self {
            BathParams::Thermal { temperature, mu } => Bath::Thermal { temperature, mu },
            BathParams::BraggSplit {
                temperature,
                mu,
                lambda_b,
                b,
                norm,
            } => Bath::BraggSplit {
                temperature,
                mu,
                lambda_b,
                b,
                norm,
            },
        }
    }
}

/// Quadrature grid of the whole-line integrals.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridParams {
    /// Drop of ln n_b at the grid edge.
    pub depth: f64,
    pub step: f64,
}

impl GridParams {
    fn spec(&self) -> GridSpec {
        GridSpec {
            depth: self.depth,
            step: self.step,
        }
    }
    fn validate(&self, e: &mut Vec<FieldError>) {
        if !(self.depth >= 30.0 && self.depth <= 1300.0) {
            e.push(FieldError::new("grid.depth", "must lie in [30, 1300]"));
        }
        if !(self.step > 0.0 && self.step <= 0.2) {
            e.push(FieldError::new("grid.step", "must lie in (0, 0.2]"));
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    /// "3a" | "3b" | "3c".
    pub name: String,
    pub bath: BathParams,
    /// Linear density grid rho_min..rho_max, n_rho points.
    pub rho_min: f64,
    pub rho_max: f64,
    pub n_rho: usize,
}

/// `tg_transport`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgTransport {
    pub panels: Vec<Panel>,
    /// Polynomial basis sizes N for tau_RTA = 1/g_1(N) at rho -> 0 (one set of rows per N).
    pub basis_sizes: Vec<usize>,
    pub grid: GridParams,
}

/// `tg_full_diffusion`: D from (61) for the state of Fig. 3(a).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgFullDiffusion {
    pub bath: BathParams,
    pub rhos: Vec<f64>,
    pub basis_sizes: Vec<usize>,
    pub cutoffs: Vec<f64>,
    /// Simpson intervals per unit velocity for the closed form.
    pub intervals_per_unit: f64,
    /// Cutoff and elements of the direct FEM check of the closed form.
    pub fem_check_cutoff: f64,
    pub fem_check_elements: usize,
    pub grid: GridParams,
}

/// `tg_spectrum`: g_1 vs rho, N (Galerkin) and Lambda (FEM).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgSpectrum {
    pub bath: BathParams,
    pub rhos: Vec<f64>,
    pub basis_sizes: Vec<usize>,
    pub fem_cutoffs: Vec<f64>,
    pub fem_elements_per_unit: f64,
    pub grid: GridParams,
}

/// `tg_fig3`, `tg_fig6`, `tg_audit`: figure sizes and which basis sizes to draw.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgFigure {
    pub width: u32,
    pub height: u32,
    /// Basis sizes to draw (must be present in the data).
    pub basis_sizes: Vec<usize>,
}

fn positive(e: &mut Vec<FieldError>, path: &str, v: f64) {
    if !(v.is_finite() && v > 0.0) {
        e.push(FieldError::new(
            path,
            format!("must be finite and > 0, got {v}"),
        ));
    }
}

fn check_bath(e: &mut Vec<FieldError>, path: &str, b: &BathParams) {
    if let Err(err) = b.bath().validate() {
        e.push(FieldError::new(path, err.to_string()));
    }
}

fn check_sizes(e: &mut Vec<FieldError>, path: &str, ns: &[usize]) {
    if ns.is_empty() || ns.iter().any(|&n| !(2..=80).contains(&n)) {
        e.push(FieldError::new(
            path,
            "basis sizes must be non-empty and lie in 2..=80",
        ));
    }
    if ns.windows(2).any(|w| w[1] <= w[0]) {
        e.push(FieldError::new(
            path,
            "basis sizes must be strictly increasing",
        ));
    }
}

fn check_rhos(e: &mut Vec<FieldError>, path: &str, rhos: &[f64]) {
    if rhos.is_empty() {
        e.push(FieldError::new(path, "must not be empty"));
    }
    for (i, r) in rhos.iter().enumerate() {
        positive(e, &format!("{path}[{i}]"), *r);
    }
}

fn verdict_json(values: &[f64]) -> serde_json::Value {
    let v = verdict(values, 1e-3, 3, 0.7);
    json!({"converged": v.converged, "reason": v.reason, "relative_increments": v.increments,
           "criterion": "last 3 relative increments < 1e-3, successive ratios <= 0.7, geometric remainder < 1e-3"})
}

impl Panel {
    fn rhos(&self) -> Vec<f64> {
        let n = self.n_rho.max(2);
        (0..n)
            .map(|i| self.rho_min + (self.rho_max - self.rho_min) * i as f64 / (n - 1) as f64)
            .collect()
    }
}

impl TgTransport {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.panels.is_empty() {
            e.push(FieldError::new("panels", "must not be empty"));
        }
        for (i, p) in self.panels.iter().enumerate() {
            if !["3a", "3b", "3c"].contains(&p.name.as_str()) {
                e.push(FieldError::new(
                    format!("panels[{i}].name"),
                    "must be 3a, 3b or 3c",
                ));
            }
            check_bath(&mut e, &format!("panels[{i}].bath"), &p.bath);
            positive(&mut e, &format!("panels[{i}].rho_min"), p.rho_min);
            if !(p.rho_max > p.rho_min) {
                e.push(FieldError::new(
                    format!("panels[{i}].rho_max"),
                    "must exceed rho_min",
                ));
            }
            if p.n_rho < 2 {
                e.push(FieldError::new(
                    format!("panels[{i}].n_rho"),
                    "must be >= 2",
                ));
            }
        }
        check_sizes(&mut e, "basis_sizes", &self.basis_sizes);
        self.grid.validate(&mut e);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let spec = self.grid.spec();
        let pool = ctx.thread_pool()?;
        let nmax = *self.basis_sizes.last().unwrap();
        let mut cols = TransportCols::default();
        let mut prov = serde_json::Map::new();
        let total: u64 = self.panels.iter().map(|p| p.n_rho as u64).sum();
        let mut done = 0;
        for p in &self.panels {
            let bath = p.bath.bath();
            // tau_RTA(N) = 1/g_1(N) of the dilute state, nested bases (one Stieltjes run)
            let dil = StationaryState::from_rho(bath, ::tg::spectrum::RHO_DILUTE, spec)?;
            let basis = PolyBasis::new(&dil, nmax, None)?;
            let mut taus = Vec::new();
            let mut g1s = Vec::new();
            let mut unresolved = Vec::new();
            for &n in &self.basis_sizes {
                let g = basis.rates(n)?;
                if g[0] / g[g.len() - 1] < RESOLUTION || g[0] <= 0.0 {
                    unresolved.push(n);
                }
                g1s.push(g[0]);
                taus.push(1.0 / g[0]);
            }
            let rhos = p.rhos();
            let rows: Vec<anyhow::Result<Transport>> = pool.install(|| {
                rhos.par_iter()
                    .map(|&rho| {
                        let s = StationaryState::from_rho(bath, rho, spec)
                            .with_context(|| format!("panel {} rho={rho}", p.name))?;
                        Ok(Transport::of(&s))
                    })
                    .collect()
            });
            let rows: Vec<Transport> = rows.into_iter().collect::<anyhow::Result<_>>()?;
            done += rhos.len() as u64;
            ctx.progress(done, total);
            for (k, &n) in self.basis_sizes.iter().enumerate() {
                if unresolved.contains(&n) {
                    continue;
                }
                for t in &rows {
                    cols.push(
                        &p.name,
                        bath.temperature(),
                        t,
                        taus[k],
                        t.burgers(&bath, taus[k]),
                        n,
                    );
                }
            }
            prov.insert(
                p.name.clone(),
                json!({"bath": p.bath, "bath_density": bath.density(), "rho_dilute": ::tg::spectrum::RHO_DILUTE,
                       "basis_sizes": self.basis_sizes, "g1_dilute": g1s, "tau_rta": taus,
                       "unresolved_basis_sizes": unresolved,
                       "g1_vs_N_verdict": verdict_json(&g1s),
                       "grid_half_width": dil.grid.half_width, "grid_step": dil.grid.step}),
            );
        }
        let mut df = cols.frame()?;
        io::write_parquet(ctx, TRANSPORT, &mut df)?;
        ctx.record("panels", serde_json::Value::Object(prov));
        Ok(())
    }
}

#[derive(Default)]
struct TransportCols {
    panel: Vec<String>,
    t: Vec<f64>,
    rho: Vec<f64>,
    u: Vec<f64>,
    du: Vec<f64>,
    var: Vec<f64>,
    tau: Vec<f64>,
    d: Vec<f64>,
    nu: Vec<Option<f64>>,
    n: Vec<u32>,
}

impl TransportCols {
    fn push(&mut self, panel: &str, t: f64, tr: &Transport, tau: f64, nu: Option<f64>, n: usize) {
        self.panel.push(panel.to_string());
        self.t.push(t);
        self.rho.push(tr.rho);
        self.u.push(tr.u);
        self.du.push(tr.du_drho);
        self.var.push(tr.var_lambda);
        self.tau.push(tau);
        self.d.push(tr.d_rta(tau));
        self.nu.push(nu);
        self.n.push(n as u32);
    }
    fn frame(&self) -> anyhow::Result<DataFrame> {
        Ok(df!(
            "panel" => &self.panel, "T" => &self.t, "rho" => &self.rho, "u" => &self.u,
            "du_drho" => &self.du, "var_lambda" => &self.var, "tau_rta" => &self.tau,
            "D_rta" => &self.d, "nu_burgers" => &self.nu, "basis_size" => &self.n,
        )?)
    }
}

impl TgFullDiffusion {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        check_bath(&mut e, "bath", &self.bath);
        check_rhos(&mut e, "rhos", &self.rhos);
        check_sizes(&mut e, "basis_sizes", &self.basis_sizes);
        if self.cutoffs.is_empty() || self.cutoffs.windows(2).any(|w| w[1] <= w[0]) {
            e.push(FieldError::new(
                "cutoffs",
                "must be non-empty and increasing",
            ));
        }
        for (i, c) in self.cutoffs.iter().enumerate() {
            positive(&mut e, &format!("cutoffs[{i}]"), *c);
        }
        positive(&mut e, "intervals_per_unit", self.intervals_per_unit);
        positive(&mut e, "fem_check_cutoff", self.fem_check_cutoff);
        if self.fem_check_elements < 16 {
            e.push(FieldError::new("fem_check_elements", "must be >= 16"));
        }
        self.grid.validate(&mut e);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let bath = self.bath.bath();
        let spec = self.grid.spec();
        let pool = ctx.thread_pool()?;
        let nmax = *self.basis_sizes.last().unwrap();
        let done = std::sync::atomic::AtomicU64::new(0);
        let total = self.rhos.len() as u64;
        type Row = (f64, Vec<Option<f64>>, Vec<f64>, serde_json::Value);
        let rows: Vec<anyhow::Result<Row>> = pool.install(|| {
            self.rhos
                .par_iter()
                .map(|&rho| -> anyhow::Result<Row> {
                    let s = StationaryState::from_rho(bath, rho, spec)?;
                    let basis = PolyBasis::new(&s, nmax, None)?;
                    let mut dn = Vec::new();
                    let mut cond = Vec::new();
                    for &n in &self.basis_sizes {
                        let g = basis.rates(n)?;
                        let c = g[0] / g[g.len() - 1];
                        cond.push(c);
                        // Ritz values of K below the resolution floor: D_N not trustworthy
                        dn.push(if c > RESOLUTION { galerkin(&basis, n).ok() } else { None });
                    }
                    let mut dq = Vec::new();
                    for &l in &self.cutoffs {
                        let iv = ((l * self.intervals_per_unit).ceil() as usize).max(50);
                        dq.push(closed_form(&s, l, iv)?);
                    }
                    // independent checks: closed form vs direct FEM solution of (61); Simpson h/2;
                    // Galerkin grid step halved at the largest resolved N
                    let lc = self.fem_check_cutoff;
                    let ivc = ((lc * self.intervals_per_unit).ceil() as usize).max(50);
                    let dc = closed_form(&s, lc, ivc)?;
                    let dc2 = closed_form(&s, lc, 2 * ivc)?;
                    let f1 = fem_direct(&Fem::new(&s, lc, self.fem_check_elements)?)?;
                    let f2 = fem_direct(&Fem::new(&s, lc, 2 * self.fem_check_elements)?)?;
                    let fem_extrap = (4.0 * f2 - f1) / 3.0;
                    let fine = StationaryState::from_rho(
                        bath,
                        rho,
                        GridSpec { depth: spec.depth, step: 0.5 * spec.step },
                    )?;
                    let last = self.basis_sizes.iter().zip(&dn).rev().find(|(_, d)| d.is_some()).map(|(n, _)| *n);
                    let step_check = match last {
                        Some(n) => {
                            let a = galerkin(&basis, n)?;
                            let b = galerkin(&PolyBasis::new(&fine, n, None)?, n)?;
                            json!({"N": n, "rel_change_D_N_step_halved": (a - b).abs() / b})
                        }
                        None => serde_json::Value::Null,
                    };
                    let slope_pred = if matches!(bath, Bath::Thermal { .. }) {
                        Some(thermal_tail_slope(&s))
                    } else {
                        None
                    };
                    let nl = self.cutoffs.len();
                    let slope_meas = if nl >= 2 {
                        Some((dq[nl - 1] - dq[nl - 2]) / (self.cutoffs[nl - 1] - self.cutoffs[nl - 2]))
                    } else {
                        None
                    };
                    let dn_res: Vec<f64> = dn.iter().flatten().copied().collect();
                    let prov = json!({
                        "rho": rho, "nu": s.nu,
                        "galerkin_N": self.basis_sizes, "galerkin_D_N": dn, "g1_over_gmax": cond,
                        "D_N_verdict": verdict_json(&dn_res),
                        "cutoffs": self.cutoffs, "quadrature_D": dq, "D_Lambda_verdict": verdict_json(&dq),
                        "slope_dD_dLambda_last": slope_meas, "slope_predicted_thermal_tails": slope_pred,
                        "check_cutoff": lc, "closed_form": dc, "closed_form_simpson_h_half": dc2,
                        "fem_direct": [f1, f2], "fem_elements": [self.fem_check_elements, 2 * self.fem_check_elements],
                        "fem_richardson": fem_extrap,
                        "rel_diff_closed_form_vs_fem_richardson": (dc - fem_extrap).abs() / dc,
                        "galerkin_grid_step_check": step_check,
                    });
                    let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    ctx.progress(k, total);
                    Ok((rho, dn, dq, prov))
                })
                .collect()
        });
        let (mut rho_c, mut meth, mut n_c, mut cut_c, mut d_c) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut prov = Vec::new();
        let mut worst: f64 = 0.0;
        for r in rows {
            let (rho, dn, dq, p) = r?;
            worst = worst.max(
                p["rel_diff_closed_form_vs_fem_richardson"]
                    .as_f64()
                    .unwrap_or(f64::NAN),
            );
            prov.push(p);
            for (n, d) in self.basis_sizes.iter().zip(dn) {
                if let Some(d) = d {
                    rho_c.push(rho);
                    meth.push("galerkin");
                    n_c.push(Some(*n as u32));
                    cut_c.push(None::<f64>);
                    d_c.push(d);
                }
            }
            for (l, d) in self.cutoffs.iter().zip(dq) {
                rho_c.push(rho);
                meth.push("quadrature");
                n_c.push(None::<u32>);
                cut_c.push(Some(*l));
                d_c.push(d);
            }
        }
        let mut df =
            df!("rho" => &rho_c, "method" => &meth, "N" => &n_c, "cutoff" => &cut_c, "D" => &d_c)?;
        io::write_parquet(ctx, FULL_DIFFUSION, &mut df)?;
        ctx.record("per_rho", json!(prov));
        ctx.record("max_rel_diff_closed_form_vs_fem_direct", json!(worst));
        if !(worst < 1e-4) {
            bail!("closed-form D and the direct FEM solution of (61) disagree: {worst:.3e}");
        }
        Ok(())
    }
}

impl TgSpectrum {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        check_bath(&mut e, "bath", &self.bath);
        check_rhos(&mut e, "rhos", &self.rhos);
        check_sizes(&mut e, "basis_sizes", &self.basis_sizes);
        for (i, c) in self.fem_cutoffs.iter().enumerate() {
            positive(&mut e, &format!("fem_cutoffs[{i}]"), *c);
        }
        if !(self.fem_elements_per_unit >= 2.0 && self.fem_elements_per_unit <= 200.0) {
            e.push(FieldError::new(
                "fem_elements_per_unit",
                "must lie in [2, 200]",
            ));
        }
        self.grid.validate(&mut e);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let bath = self.bath.bath();
        let spec = self.grid.spec();
        let pool = ctx.thread_pool()?;
        let nmax = *self.basis_sizes.last().unwrap();
        type Row = (f64, Vec<(&'static str, u32, f64, f64)>, serde_json::Value);
        let done = std::sync::atomic::AtomicU64::new(0);
        let total = self.rhos.len() as u64;
        let rows: Vec<anyhow::Result<Row>> = pool.install(|| {
            self.rhos
                .par_iter()
                .map(|&rho| -> anyhow::Result<Row> {
                    let s = StationaryState::from_rho(bath, rho, spec)?;
                    let basis = PolyBasis::new(&s, nmax, None)?;
                    let mut out = Vec::new();
                    let (mut g_gal, mut unres_gal) = (Vec::new(), Vec::new());
                    for &n in &self.basis_sizes {
                        let g = basis.rates(n)?;
                        if g[0] > 0.0 && g[0] / g[g.len() - 1] > RESOLUTION {
                            out.push(("galerkin", n as u32, s.grid.half_width, g[0]));
                            g_gal.push(g[0]);
                        } else {
                            unres_gal.push(json!({"N": n, "g1": g[0], "g1_over_gmax": g[0] / g[g.len() - 1]}));
                        }
                    }
                    let (mut g_fem, mut unres_fem) = (Vec::new(), Vec::new());
                    for &l in &self.fem_cutoffs {
                        let el = ((2.0 * l * self.fem_elements_per_unit).ceil() as usize).max(8);
                        let fem = Fem::new(&s, l, el)?;
                        let g = fem.rates()?;
                        if g[0] > 0.0 && g[0] / g[g.len() - 1] > RESOLUTION {
                            out.push(("fem", fem.nodes.len() as u32, l, g[0]));
                            g_fem.push(g[0]);
                        } else {
                            unres_fem.push(json!({"cutoff": l, "g1": g[0], "g1_over_gmax": g[0] / g[g.len() - 1]}));
                        }
                    }
                    let prov = json!({"rho": rho, "galerkin_g1_vs_N": g_gal, "galerkin_unresolved": unres_gal,
                                      "g1_vs_N_verdict": verdict_json(&g_gal),
                                      "fem_g1_vs_cutoff": g_fem, "fem_unresolved": unres_fem,
                                      "g1_vs_cutoff_verdict": verdict_json(&g_fem)});
                    let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    ctx.progress(k, total);
                    Ok((rho, out, prov))
                })
                .collect()
        });
        let (mut rho_c, mut meth, mut n_c, mut cut_c, mut g_c) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut prov = Vec::new();
        for r in rows {
            let (rho, out, p) = r?;
            prov.push(p);
            for (m, n, c, g) in out {
                rho_c.push(rho);
                meth.push(m);
                n_c.push(n);
                cut_c.push(c);
                g_c.push(g);
            }
        }
        let mut df =
            df!("rho" => &rho_c, "method" => &meth, "N" => &n_c, "cutoff" => &cut_c, "g1" => &g_c)?;
        io::write_parquet(ctx, SPECTRUM, &mut df)?;
        ctx.record("per_rho", json!(prov));
        ctx.record("resolution_floor_g1_over_gmax", json!(RESOLUTION));
        Ok(())
    }
}

// ---------------------------------------------------------------- figures

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

struct Series {
    label: String,
    pts: Vec<(f64, f64)>,
    color: RGBColor,
    dashed: bool,
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
fn draw_panel(
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

fn opt_u32(df: &DataFrame, name: &str) -> anyhow::Result<Vec<Option<u32>>> {
    let c = df.column(name)?.cast(&DataType::UInt32)?;
    let ca = c.u32()?;
    Ok((0..ca.len()).map(|i| ca.get(i)).collect())
}

fn opt_f64(df: &DataFrame, name: &str) -> anyhow::Result<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    let ca = c.f64()?;
    Ok((0..ca.len()).map(|i| ca.get(i)).collect())
}

impl TgFigure {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.width < 400 || self.height < 300 {
            e.push(FieldError::new(
                "width",
                "figure must be at least 400x300 pixels",
            ));
        }
        check_sizes(&mut e, "basis_sizes", &self.basis_sizes);
        e
    }

    /// Fig. 3: (a) D_RTA and Galerkin D_N vs rho (T = 4 thermal), (b), (c) |nu| vs rho.
    pub fn run_fig3(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let tr = io::read_parquet(&ctx.input(TRANSPORT)?)?;
        let fd = io::read_parquet(&ctx.input(FULL_DIFFUSION)?)?;
        let panel = io::column_str(&tr, "panel")?;
        let rho = io::column_f64(&tr, "rho")?;
        let drta = io::column_f64(&tr, "D_rta")?;
        let nu = opt_f64(&tr, "nu_burgers")?;
        let ns = opt_u32(&tr, "basis_size")?;
        let f_rho = io::column_f64(&fd, "rho")?;
        let f_m = io::column_str(&fd, "method")?;
        let f_n = opt_u32(&fd, "N")?;
        let f_d = io::column_f64(&fd, "D")?;
        let mut used = Vec::new();
        let mut panels: Vec<(String, Vec<Series>)> = Vec::new();
        let mut a = Vec::new();
        for (k, &n) in self.basis_sizes.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            let rta: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| panel[i] == "3a" && ns[i] == Some(n as u32))
                .map(|i| (rho[i], drta[i]))
                .collect();
            let full: Vec<(f64, f64)> = (0..f_rho.len())
                .filter(|&i| f_m[i] == "galerkin" && f_n[i] == Some(n as u32))
                .map(|i| (f_rho[i], f_d[i]))
                .collect();
            if !rta.is_empty() {
                a.push(Series {
                    label: format!("D_RTA, N = {n}"),
                    pts: rta,
                    color: c,
                    dashed: false,
                });
                used.push(n);
            }
            if !full.is_empty() {
                a.push(Series {
                    label: format!("full D_N (61), N = {n}"),
                    pts: full,
                    color: c,
                    dashed: true,
                });
            }
        }
        panels.push(("(a) T = 4 thermal: D_RTA vs full D (Galerkin, N)".into(), a));
        for (name, title) in [
            ("3b", "(b) T = 1, b = 9, λ_B = 3.9"),
            ("3c", "(c) T = 10, b = 9, λ_B = 8"),
        ] {
            let mut v = Vec::new();
            for (k, &n) in self.basis_sizes.iter().enumerate() {
                let pts: Vec<(f64, f64)> = (0..rho.len())
                    .filter(|&i| panel[i] == name && ns[i] == Some(n as u32))
                    .filter_map(|i| nu[i].map(|x| (rho[i], -x)))
                    .collect();
                if !pts.is_empty() {
                    v.push(Series {
                        label: format!("-ν = -D_RTA/u', N = {n}"),
                        pts,
                        color: PALETTE[k % 6],
                        dashed: false,
                    });
                }
            }
            panels.push((title.into(), v));
        }
        if panels.iter().any(|p| p.1.is_empty()) {
            bail!(
                "fig3: a panel has no data for basis sizes {:?}",
                self.basis_sizes
            );
        }
        let all_neg = (0..rho.len()).all(|i| nu[i].is_none_or(|x| x < 0.0));
        plot::render(ctx, "figures/fig3", self.width, self.height, |root| {
            root.fill(&WHITE)?;
            let areas = root.split_evenly((1, 3));
            for (k, (area, (title, s))) in areas.iter().zip(&panels).enumerate() {
                let ylab = if k == 0 { "D  [1/C]" } else { "-ν  [1/C]" };
                draw_panel(area, title, "density ρ", ylab, s, true)?;
            }
            Ok(())
        })?;
        ctx.record("basis_sizes_drawn", json!(used));
        ctx.record("nu_negative_everywhere", json!(all_neg));
        ctx.record(
            "note",
            json!("tau_RTA = 1/g_1(N) at rho -> 0 and the Galerkin D_N both depend on the basis size N; every curve is labelled with its N"),
        );
        Ok(())
    }

    /// Fig. 6: g_1 vs rho (state of Fig. 3a), Galerkin for several N and FEM.
    pub fn run_fig6(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let sp = io::read_parquet(&ctx.input(SPECTRUM)?)?;
        let rho = io::column_f64(&sp, "rho")?;
        let m = io::column_str(&sp, "method")?;
        let n = opt_u32(&sp, "N")?;
        let cut = io::column_f64(&sp, "cutoff")?;
        let g = io::column_f64(&sp, "g1")?;
        let mut s = Vec::new();
        for (k, &nn) in self.basis_sizes.iter().enumerate() {
            let pts: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| m[i] == "galerkin" && n[i] == Some(nn as u32))
                .map(|i| (rho[i], g[i]))
                .collect();
            if !pts.is_empty() {
                s.push(Series {
                    label: format!("Galerkin N = {nn}"),
                    pts,
                    color: PALETTE[k % 6],
                    dashed: false,
                });
            }
        }
        let mut cuts: Vec<f64> = (0..rho.len())
            .filter(|&i| m[i] == "fem")
            .map(|i| cut[i])
            .collect();
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        for (k, &c) in cuts.iter().enumerate() {
            let pts: Vec<(f64, f64)> = (0..rho.len())
                .filter(|&i| m[i] == "fem" && cut[i] == c)
                .map(|i| (rho[i], g[i]))
                .collect();
            s.push(Series {
                label: format!("FEM Λ = {c}"),
                pts,
                color: PALETTE[(k + 3) % 6],
                dashed: true,
            });
        }
        if s.is_empty() {
            bail!("fig6: no data");
        }
        plot::render(ctx, "figures/fig6", self.width, self.height, |root| {
            root.fill(&WHITE)?;
            draw_panel(
                root,
                "Smallest non-zero rate g_1 of (E8), T = 4 thermal",
                "density ρ",
                "g_1  [C]",
                &s,
                true,
            )
        })?;
        ctx.record("basis_sizes_drawn", json!(self.basis_sizes));
        Ok(())
    }

    /// Audit: D_N vs N, g_1 vs N, D(Lambda) vs Lambda.
    pub fn run_audit(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let fd = io::read_parquet(&ctx.input(FULL_DIFFUSION)?)?;
        let sp = io::read_parquet(&ctx.input(SPECTRUM)?)?;
        let f_rho = io::column_f64(&fd, "rho")?;
        let f_m = io::column_str(&fd, "method")?;
        let f_n = opt_u32(&fd, "N")?;
        let f_c = opt_f64(&fd, "cutoff")?;
        let f_d = io::column_f64(&fd, "D")?;
        let s_rho = io::column_f64(&sp, "rho")?;
        let s_m = io::column_str(&sp, "method")?;
        let s_n = opt_u32(&sp, "N")?;
        let s_c = io::column_f64(&sp, "cutoff")?;
        let s_g = io::column_f64(&sp, "g1")?;
        let mut rhos = f_rho.clone();
        rhos.sort_by(f64::total_cmp);
        rhos.dedup();
        let (mut a, mut b, mut c, mut d) = (vec![], vec![], vec![], vec![]);
        for (k, &r) in rhos.iter().enumerate() {
            let col = PALETTE[k % 6];
            let mut pa: Vec<(f64, f64)> = (0..f_rho.len())
                .filter(|&i| f_rho[i] == r && f_m[i] == "galerkin")
                .map(|i| (f_n[i].unwrap_or(0) as f64, f_d[i]))
                .collect();
            pa.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut pc: Vec<(f64, f64)> = (0..f_rho.len())
                .filter(|&i| f_rho[i] == r && f_m[i] == "quadrature")
                .map(|i| (f_c[i].unwrap_or(0.0), f_d[i]))
                .collect();
            pc.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut pb: Vec<(f64, f64)> = (0..s_rho.len())
                .filter(|&i| s_rho[i] == r && s_m[i] == "galerkin")
                .map(|i| (s_n[i].unwrap_or(0) as f64, s_g[i]))
                .collect();
            pb.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut pd: Vec<(f64, f64)> = (0..s_rho.len())
                .filter(|&i| s_rho[i] == r && s_m[i] == "fem")
                .map(|i| (s_c[i], s_g[i]))
                .collect();
            pd.sort_by(|x, y| x.0.total_cmp(&y.0));
            let lab = format!("ρ = {r}");
            if !pa.is_empty() {
                a.push(Series {
                    label: lab.clone(),
                    pts: pa,
                    color: col,
                    dashed: false,
                });
            }
            if !pb.is_empty() {
                b.push(Series {
                    label: lab.clone(),
                    pts: pb,
                    color: col,
                    dashed: false,
                });
            }
            if !pc.is_empty() {
                c.push(Series {
                    label: lab.clone(),
                    pts: pc,
                    color: col,
                    dashed: false,
                });
            }
            if !pd.is_empty() {
                d.push(Series {
                    label: lab,
                    pts: pd,
                    color: col,
                    dashed: true,
                });
            }
        }
        if a.is_empty() || b.is_empty() || c.is_empty() {
            bail!("audit_tg: missing data");
        }
        plot::render(ctx, "figures/audit_tg", self.width, self.height, |root| {
            root.fill(&WHITE)?;
            let areas = root.split_evenly((2, 2));
            draw_panel(
                &areas[0],
                "(a) Galerkin D_N vs basis size N",
                "N",
                "D_N  [1/C]",
                &a,
                false,
            )?;
            draw_panel(
                &areas[1],
                "(b) Galerkin g_1 vs N (resolved only)",
                "N",
                "g_1  [C]",
                &b,
                true,
            )?;
            draw_panel(
                &areas[2],
                "(c) closed-form D(Λ) vs cutoff Λ",
                "Λ",
                "D(Λ)  [1/C]",
                &c,
                false,
            )?;
            if d.is_empty() {
                Ok(())
            } else {
                draw_panel(
                    &areas[3],
                    "(d) FEM g_1 vs cutoff Λ (resolved only)",
                    "Λ",
                    "g_1  [C]",
                    &d,
                    true,
                )
            }
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> GridParams {
        GridParams {
            depth: 60.0,
            step: 0.05,
        }
    }

    fn thermal() -> BathParams {
        BathParams::Thermal {
            temperature: 4.0,
            mu: 0.0,
        }
    }

    #[test]
    fn tg_stages_end_to_end_quick() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let tr = TgTransport {
            panels: vec![
                Panel {
                    name: "3a".into(),
                    bath: thermal(),
                    rho_min: 0.1,
                    rho_max: 1.0,
                    n_rho: 3,
                },
                Panel {
                    name: "3b".into(),
                    bath: BathParams::BraggSplit {
                        temperature: 1.0,
                        mu: 8.0,
                        lambda_b: 3.9,
                        b: 9.0,
                        norm: 1.0,
                    },
                    rho_min: 0.1,
                    rho_max: 1.0,
                    n_rho: 3,
                },
                Panel {
                    name: "3c".into(),
                    bath: BathParams::BraggSplit {
                        temperature: 10.0,
                        mu: 36.125,
                        lambda_b: 8.0,
                        b: 9.0,
                        norm: 1.0,
                    },
                    rho_min: 0.1,
                    rho_max: 1.0,
                    n_rho: 3,
                },
            ],
            basis_sizes: vec![2, 4],
            grid: grid(),
        };
        assert!(tr.validate().is_empty());
        let ctx = StageContext::standalone(root, "tg_transport", &[TRANSPORT]);
        tr.run(&ctx).unwrap();
        let df = io::read_parquet(&root.join(TRANSPORT)).unwrap();
        assert_eq!(df.height(), 3 * 3 * 2);
        let nu = opt_f64(&df, "nu_burgers").unwrap();
        let panel = io::column_str(&df, "panel").unwrap();
        for (p, v) in panel.iter().zip(&nu) {
            assert_eq!(
                p == "3a",
                v.is_none(),
                "nu is null exactly for the symmetric panel"
            );
        }
        let fdp = TgFullDiffusion {
            bath: thermal(),
            rhos: vec![0.2, 0.8],
            basis_sizes: vec![2, 4, 6],
            cutoffs: vec![5.0, 10.0],
            intervals_per_unit: 50.0,
            fem_check_cutoff: 8.0,
            fem_check_elements: 200,
            grid: grid(),
        };
        assert!(fdp.validate().is_empty());
        let ctx2 = StageContext::standalone(root, "tg_full_diffusion", &[FULL_DIFFUSION]);
        fdp.run(&ctx2).unwrap();
        let sp = TgSpectrum {
            bath: thermal(),
            rhos: vec![0.2, 0.8],
            basis_sizes: vec![2, 4, 6],
            fem_cutoffs: vec![4.0, 6.0],
            fem_elements_per_unit: 8.0,
            grid: grid(),
        };
        assert!(sp.validate().is_empty());
        let ctx3 = StageContext::standalone(root, "tg_spectrum", &[SPECTRUM]);
        sp.run(&ctx3).unwrap();
        let fig = TgFigure {
            width: 1500,
            height: 600,
            basis_sizes: vec![2, 4],
        };
        let c = StageContext::standalone(root, "fig3", &["figures/fig3.png", "figures/fig3.svg"])
            .with_input("tg_transport", TRANSPORT, tr.clone())
            .unwrap()
            .with_input("tg_full_diffusion", FULL_DIFFUSION, fdp.clone())
            .unwrap();
        fig.run_fig3(&c).unwrap();
        let c = StageContext::standalone(root, "fig6", &["figures/fig6.png", "figures/fig6.svg"])
            .with_input("tg_spectrum", SPECTRUM, sp.clone())
            .unwrap();
        fig.run_fig6(&c).unwrap();
        let c = StageContext::standalone(
            root,
            "audit_tg",
            &["figures/audit_tg.png", "figures/audit_tg.svg"],
        )
        .with_input("tg_full_diffusion", FULL_DIFFUSION, fdp)
        .unwrap()
        .with_input("tg_spectrum", SPECTRUM, sp)
        .unwrap();
        fig.run_audit(&c).unwrap();
        for f in ["fig3", "fig6", "audit_tg"] {
            assert!(root.join(format!("figures/{f}.png")).exists());
            assert!(root.join(format!("figures/{f}.svg")).exists());
        }
    }

    #[test]
    fn validation_flags_bad_parameters() {
        let p = TgSpectrum {
            bath: BathParams::BraggSplit {
                temperature: 1.0,
                mu: 8.0,
                lambda_b: 3.9,
                b: 9.0,
                norm: 1.5,
            },
            rhos: vec![-1.0],
            basis_sizes: vec![4, 2],
            fem_cutoffs: vec![],
            fem_elements_per_unit: 8.0,
            grid: GridParams {
                depth: 10.0,
                step: 0.05,
            },
        };
        let paths: Vec<String> = p.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["bath", "rhos[0]", "basis_sizes", "grid.depth"]);
    }
}
