//! Molecular-dynamics stages of the velocity-swap models (paper Sec. III.C, VI, App. C):
//!
//! * [`Fig2Params`] (`kind: md_relaxation`): homogeneous classical relaxation, Fig. 2.
//!   Outputs `data/fig2_energy.parquet` (`t`, `e_mean`, `e_sem`, `e_kinetic`),
//!   `data/fig2_velocities.parquet` (`which`, `lambda`, `density`, `density_sem`, `theory`),
//!   `figures/fig2.{png,svg}`. Records the per-time z-statistics (DSMTS-style count of |z| > 3
//!   against the binomial expectation) and the chi-square of the final histogram against (20).
//! * [`Fig5MdParams`] (`kind: md_profiles`): spatial relaxation of a Gaussian bump, Fig. 5,
//!   panels a (classical, symmetric bath), b (fermionic, symmetric), c (classical, asymmetric),
//!   d (fermionic, asymmetric). Output `data/fig5_md.parquet` (`panel`, `t`, `x`, `rho_mean`,
//!   `rho_sem`). These params are the single source of the Fig. 5 setup: the hydrodynamic
//!   stages read them with `ctx.dep_params::<stages::md::Fig5MdParams>("fig5_md")`.
//!
//! Realization `i` of a run with seed `s` uses the ChaCha8 stream `(s, i)` (panel `p` of Fig. 5
//! uses seed `s + p`), so outputs are bit-identical for any `--jobs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context as _;
use kinetic::bath::Bath;
use md::{
    Bins, CellAlgorithm, CellCounters, Component, GaussianBump, JumpProcess, MeanSem,
    MixtureSampler, Shard, run_shard,
};
use pipeline::{FieldError, StageContext};
use plotters::prelude::*;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

use crate::plot::FONT;

/// Bragg-split bath (104): `ρ_p^(b) ∝ exp(−(λ+λ_B)²/σ²) + b exp(−(λ−λ_B)²/σ²)`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BraggBath {
    /// σ of (104) (each Gaussian has standard deviation σ/√2)
    pub sigma: f64,
    /// λ_B of (104)
    pub lambda_b: f64,
    /// b of (104)
    pub b: f64,
}

/// The md sampler of the normalised kinetic bath (the bath itself lives in `kinetic::bath`).
pub fn bath_sampler(bath: &Bath) -> anyhow::Result<MixtureSampler> {
    let comps: Vec<Component> = bath
        .components()
        .iter()
        .map(|c| Component {
            weight: c.weight,
            center: c.center,
            std_dev: c.std_dev,
        })
        .collect();
    Ok(MixtureSampler::new(&comps)?)
}

fn positive(errs: &mut Vec<FieldError>, field: &str, v: f64) {
    if !(v > 0.0 && v.is_finite()) {
        errs.push(FieldError::new(
            field,
            format!("must be > 0 and finite, got {v}"),
        ));
    }
}

fn bath_errors(errs: &mut Vec<FieldError>, prefix: &str, b: &BraggBath) {
    positive(errs, &format!("{prefix}.sigma"), b.sigma);
    if !(b.b >= 0.0 && b.b.is_finite()) {
        errs.push(FieldError::new(
            format!("{prefix}.b"),
            format!("must be >= 0, got {}", b.b),
        ));
    }
    if !b.lambda_b.is_finite() {
        errs.push(FieldError::new(
            format!("{prefix}.lambda_b"),
            "must be finite",
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Fig. 2
// ---------------------------------------------------------------------------------------------

/// Parameters of the homogeneous classical relaxation (Fig. 2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig2Params {
    /// system particles per realization (paper: 1600)
    pub n_particles: usize,
    /// system density ρ (paper: 1; the homogeneous classical dynamics does not depend on it)
    pub rho: f64,
    /// bath density ρ_b (paper: 100)
    pub rho_b: f64,
    /// collision constant γ (paper: 0.001); collision rate per particle γ ρ_b
    pub gamma: f64,
    /// initial temperature (paper: 0.08)
    pub temperature: f64,
    /// bath (104) (paper: σ = 0.2, λ_B = 0.4, b = 0.5)
    pub bath: BraggBath,
    /// realizations (paper: 1000)
    pub realizations: usize,
    /// ensemble seed
    pub seed: u64,
    /// last sample time (the final histogram is taken there)
    pub t_max: f64,
    /// number of sample times, uniformly in [0, t_max]
    pub n_times: usize,
    /// velocity histogram range and bins
    pub lambda_min: f64,
    /// upper end of the velocity histogram
    pub lambda_max: f64,
    /// number of velocity bins
    pub n_bins: usize,
}

impl Fig2Params {
    /// Range checks.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.n_particles == 0 {
            e.push(FieldError::new("n_particles", "must be >= 1"));
        }
        if self.realizations < 2 {
            e.push(FieldError::new("realizations", "must be >= 2 (error bars)"));
        }
        for (f, v) in [
            ("rho", self.rho),
            ("rho_b", self.rho_b),
            ("gamma", self.gamma),
            ("temperature", self.temperature),
            ("t_max", self.t_max),
        ] {
            positive(&mut e, f, v);
        }
        bath_errors(&mut e, "bath", &self.bath);
        if self.n_times < 2 {
            e.push(FieldError::new("n_times", "must be >= 2"));
        }
        if !(self.lambda_max > self.lambda_min) {
            e.push(FieldError::new("lambda_max", "must exceed lambda_min"));
        }
        if self.n_bins == 0 {
            e.push(FieldError::new("n_bins", "must be >= 1"));
        }
        e
    }

    /// Compute and write the Fig. 2 outputs.
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let bath = Bath::bragg(self.bath.sigma, self.bath.lambda_b, self.bath.b, self.rho_b)?;
        let process = JumpProcess::new(self.gamma, self.rho_b, bath_sampler(&bath)?)?;
        let times: Vec<f64> = (0..self.n_times)
            .map(|i| self.t_max * i as f64 / (self.n_times - 1) as f64)
            .collect();
        let bins = Bins::new(self.lambda_min, self.lambda_max, self.n_bins)?;
        let done = AtomicU64::new(0);
        let total = self.realizations as u64;
        let start = Instant::now();
        let rows = run_shard(
            self.realizations,
            Shard::WHOLE,
            self.seed,
            ctx.jobs(),
            |_, rng| {
                let o = process.relax_homogeneous(
                    self.n_particles,
                    self.temperature,
                    &times,
                    &bins,
                    rng,
                );
                ctx.progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                o
            },
        )?
        .rows;
        let wall = start.elapsed().as_secs_f64();
        let events: u64 = rows.iter().map(|o| o.events).sum();

        // e(t): ensemble mean, sem, exact solution of (38)
        let energies: Vec<&[f64]> = rows.iter().map(|o| o.energy.as_slice()).collect();
        let e = MeanSem::from_rows(&energies);
        let e0 = 0.5 * self.temperature;
        let e_kin: Vec<f64> = times.iter().map(|&t| process.energy_exact(e0, t)).collect();
        let z: Vec<f64> = (0..times.len())
            .map(|m| (e.mean[m] - e_kin[m]) / e.sem[m])
            .collect();
        let outliers = z.iter().filter(|z| z.abs() > 3.0 || z.is_nan()).count() as u64;
        let t_dist = StudentsT::new(0.0, 1.0, (self.realizations - 1) as f64)?;
        let p3 = 2.0 * (1.0 - t_dist.cdf(3.0));
        let binom = Binomial::new(p3, times.len() as u64)?;
        let mut allowed = 0;
        while 1.0 - binom.cdf(allowed) >= 1e-3 {
            allowed += 1;
        }
        let p_outliers = if outliers == 0 {
            1.0
        } else {
            1.0 - binom.cdf(outliers - 1)
        };
        let chi2_z: f64 = z.iter().map(|z| z * z).sum();

        // velocity densities per realization: counts / (N * width)
        let w = bins.width();
        let norm = 1.0 / (self.n_particles as f64 * w);
        let dens = |f: &dyn Fn(&md::HomogeneousObs) -> &Vec<u32>| {
            let r: Vec<Vec<f64>> = rows
                .iter()
                .map(|o| f(o).iter().map(|&c| c as f64 * norm).collect())
                .collect();
            MeanSem::from_rows(&r)
        };
        let (d_init, d_final) = (dens(&|o| &o.initial), dens(&|o| &o.last));
        let edges = bins.edges();
        let thermal = Normal::new(0.0, self.temperature.sqrt())?;
        let th_init: Vec<f64> = edges
            .windows(2)
            .map(|q| (thermal.cdf(q[1]) - thermal.cdf(q[0])) / w)
            .collect();
        // final theory: (20) at the last time, plus the exact unrelaxed remainder e^{-γρ_b t} of
        // the thermal state (negligible when t_max >> 1/(γ ρ_b)); bin averages
        let decay = (-process.rate() * self.t_max).exp();
        let th_final: Vec<f64> = edges
            .windows(2)
            .map(|q| {
                (1.0 - decay) * process.bath().prob(q[0], q[1]) / w
                    + decay * (thermal.cdf(q[1]) - thermal.cdf(q[0])) / w
            })
            .collect();
        // Pearson chi-square of the pooled final counts (independent particles) against the theory
        let mut counts = vec![0u64; bins.n];
        for o in &rows {
            for (c, &x) in counts.iter_mut().zip(&o.last) {
                *c += x as u64;
            }
        }
        let probs: Vec<f64> = th_final.iter().map(|d| d * w).collect();
        let (chi2, dof, p_chi2) = pearson(&counts, &probs);

        ctx.record(
            "fig2_statistics",
            json!({
                "z_per_time": z,
                "n_times": times.len(),
                "abs_z_gt_3": outliers,
                "abs_z_gt_3_expected": p3 * times.len() as f64,
                "abs_z_gt_3_allowed_at_1e-3": allowed,
                "p_value_of_outlier_count": p_outliers,
                "max_abs_z": z.iter().fold(0.0f64, |a, z| a.max(z.abs())),
                "sum_z2": chi2_z,
                "final_histogram_chi2": chi2, "final_histogram_dof": dof, "final_histogram_p": p_chi2,
                "unrelaxed_fraction_at_t_max": decay,
            }),
        );
        ctx.record(
            "fig2_run",
            json!({"seed": self.seed, "realizations": self.realizations, "collision_events": events, "wall_s": wall,
                   "events_per_s": events as f64 / wall, "rng": "ChaCha8, stream = realization index"}),
        );
        ctx.log(&format!(
            "fig2: |z|>3 at {outliers}/{} times (expected {:.2}, allowed {allowed}), max|z| = {:.2}; final chi2 = {chi2:.1}/{dof} (p = {p_chi2:.3})",
            times.len(),
            p3 * times.len() as f64,
            z.iter().fold(0.0f64, |a, z| a.max(z.abs()))
        ));
        if outliers > allowed {
            ctx.log("WARNING: more |z| > 3 than the binomial bound allows");
        }

        let mut energy = df!(
            "t" => &times, "e_mean" => &e.mean, "e_sem" => &e.sem, "e_kinetic" => &e_kin,
        )?;
        crate::io::write_parquet(ctx, "data/fig2_energy.parquet", &mut energy)?;
        let centers = bins.centers();
        let n = centers.len();
        let which: Vec<&str> = std::iter::repeat_n("initial", n)
            .chain(std::iter::repeat_n("final", n))
            .collect();
        let lambda: Vec<f64> = centers.iter().chain(&centers).copied().collect();
        let cat = |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().chain(b).copied().collect() };
        let mut vel = df!(
            "which" => which,
            "lambda" => lambda,
            "density" => cat(&d_init.mean, &d_final.mean),
            "density_sem" => cat(&d_init.sem, &d_final.sem),
            "theory" => cat(&th_init, &th_final),
        )?;
        crate::io::write_parquet(ctx, "data/fig2_velocities.parquet", &mut vel)?;

        // figure: e(t) with error bars and the kinetic curve; inset: distributions
        let fine: Vec<(f64, f64)> = (0..=400)
            .map(|i| {
                let t = self.t_max * i as f64 / 400.0;
                (t, process.energy_exact(e0, t))
            })
            .collect();
        let (ymin, ymax) = e
            .mean
            .iter()
            .zip(&e.sem)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (m, s)| {
                (a.min(m - s), b.max(m + s))
            });
        let pad = 0.05 * (ymax - ymin);
        let dmax = th_init
            .iter()
            .chain(&th_final)
            .chain(&d_init.mean)
            .chain(&d_final.mean)
            .fold(0.0f64, |a, &b| a.max(b));
        crate::plot::render(ctx, "figures/fig2", 1000, 700, |root| {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(root)
                .caption(
                    "Fig. 2: classical velocity-swap model, homogeneous relaxation",
                    (FONT, 22),
                )
                .margin(15)
                .x_label_area_size(45)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..self.t_max, (ymin - pad)..(ymax + pad))?;
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
                        e.mean[m] - e.sem[m],
                        e.mean[m],
                        e.mean[m] + e.sem[m],
                        RED.filled(),
                        6,
                    )
                }))?
                .label(format!(
                    "MD, N = {}, {} realizations",
                    self.n_particles, self.realizations
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
                .build_cartesian_2d(self.lambda_min..self.lambda_max, 0.0..(1.05 * dmax))?;
            ic.configure_mesh()
                .x_desc("λ")
                .y_desc("density")
                .label_style((FONT, 12))
                .draw()?;
            for (d, th, color, name) in [
                (&d_init, &th_init, GREEN, "initial (thermal)"),
                (&d_final, &th_final, MAGENTA, "final, eq. (20)"),
            ] {
                ic.draw_series(LineSeries::new(
                    centers.iter().copied().zip(th.iter().copied()),
                    color.stroke_width(2),
                ))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 15, y)], color.stroke_width(2))
                });
                ic.draw_series(centers.iter().enumerate().map(|(i, &c)| {
                    ErrorBar::new_vertical(
                        c,
                        d.mean[i] - d.sem[i],
                        d.mean[i],
                        d.mean[i] + d.sem[i],
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

/// Pearson chi-square of counts against bin probabilities conditioned on the histogram range,
/// bins merged left to right until the expected count is >= 5; returns (chi2, dof, p).
fn pearson(counts: &[u64], probs: &[f64]) -> (f64, usize, f64) {
    let n: u64 = counts.iter().sum();
    let p_in: f64 = probs.iter().sum();
    let (mut chi2, mut cells) = (0.0, 0usize);
    let (mut c_acc, mut e_acc) = (0.0, 0.0);
    for (&c, &p) in counts.iter().zip(probs) {
        c_acc += c as f64;
        e_acc += n as f64 * p / p_in;
        if e_acc >= 5.0 {
            chi2 += (c_acc - e_acc).powi(2) / e_acc;
            cells += 1;
            (c_acc, e_acc) = (0.0, 0.0);
        }
    }
    if e_acc > 0.0 {
        chi2 += (c_acc - e_acc).powi(2) / e_acc;
        cells += 1;
    }
    let dof = cells.saturating_sub(1).max(1);
    let p = ChiSquared::new(dof as f64)
        .map(|d| 1.0 - d.cdf(chi2))
        .unwrap_or(f64::NAN);
    (chi2, dof, p)
}

// ---------------------------------------------------------------------------------------------
// Fig. 5 (MD half)
// ---------------------------------------------------------------------------------------------

/// Parameters of the Fig. 5 molecular dynamics: the single source of the Fig. 5 setup
/// (hydrodynamic stages read them through `ctx.dep_params`).
///
/// Geometry: periodic box `[0, box_len)`; initial density
/// `ρ(x, 0) = N/(√(2π) w) exp(−(x − x_c)²/(2 w²))` (N = `n_particles`, w = `bump_width`,
/// x_c = `bump_center`; periodic images are negligible when the box is >> w); initial
/// velocities from the local stationary state ((20) classical, the cell's stationary state ≈ (40)
/// fermionic), so MD and hydrodynamics start from the same local-equilibrium state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig5MdParams {
    /// collision constant γ (paper: 0.08)
    pub gamma: f64,
    /// bath density ρ_b (paper: 50)
    pub rho_b: f64,
    /// symmetric bath, panels a, b (paper: σ = 6, λ_B = 5.9, b = 1)
    pub bath_symmetric: BraggBath,
    /// asymmetric bath, panels c, d (paper: σ = 6, λ_B = 5.9, b = 0.3)
    pub bath_asymmetric: BraggBath,
    /// particles per realization (paper: 1600)
    pub n_particles: usize,
    /// periodic box length
    pub box_len: f64,
    /// centre of the initial Gaussian bump
    pub bump_center: f64,
    /// standard deviation of the initial Gaussian bump
    pub bump_width: f64,
    /// output times (ascending, multiples of `dt`; 0 allowed)
    pub times: Vec<f64>,
    /// density histogram bins over the box
    pub n_bins: usize,
    /// fermionic cell length l (level spacing 2π/l)
    pub cell_len: f64,
    /// fermionic time step Δt
    pub dt: f64,
    /// collision proposals per particle used to relax each frozen cell to its stationary state
    /// before t = 0 (fermionic initial state)
    pub relax_proposals: f64,
    /// what to do with particles that stream onto an occupied level (fermionic panels)
    pub duplicate_rule: DuplicateRuleParam,
    /// Algorithm audit of App. C (`data/fig5_md_audit.parquet`): the fermionic panels b, d are
    /// run again (independent seeds `seed + 4` ...) with the other duplicate rule (App. C: "no
    /// matter how this issue is resolved, density profiles do not change significantly") and
    /// with this smaller time step (convergence of the cell algorithm in dt).
    pub audit_dt: f64,
    /// realizations per panel (paper: 1000)
    pub realizations: usize,
    /// ensemble seed (panel p in 0..4 uses seed + p)
    pub seed: u64,
}

/// Duplicate rule of the fermionic cell algorithm (see `md::DuplicateRule`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateRuleParam {
    /// the paper's rule: re-scatter the duplicate with the bath onto a free level
    Rescatter,
    /// leave the duplicate until one of the two leaves the level
    Keep,
}

impl DuplicateRuleParam {
    fn md(self) -> md::DuplicateRule {
        match self {
            Self::Rescatter => md::DuplicateRule::Rescatter,
            Self::Keep => md::DuplicateRule::Keep,
        }
    }
    fn other(self) -> Self {
        match self {
            Self::Rescatter => Self::Keep,
            Self::Keep => Self::Rescatter,
        }
    }
}

/// Output of `md_profiles`: the four panels.
pub const FIG5_MD_PARQUET: &str = "data/fig5_md.parquet";
/// Output of `md_profiles`: the fermionic panels b, d rerun with one algorithm setting changed
/// (`panel`, `audit` = "duplicate_rule" | "time_step", `setting` (the rule, or dt), `t`, `x`,
/// `rho_mean`, `rho_sem`).
pub const FIG5_MD_AUDIT_PARQUET: &str = "data/fig5_md_audit.parquet";

/// Panels of Fig. 5: (label, fermionic?, symmetric bath?).
pub const FIG5_PANELS: [(&str, bool, bool); 4] = [
    ("a", false, true),
    ("b", true, true),
    ("c", false, false),
    ("d", true, false),
];

impl Fig5MdParams {
    /// The bath of a panel.
    pub fn bath(&self, symmetric: bool) -> anyhow::Result<Bath> {
        let b = if symmetric {
            &self.bath_symmetric
        } else {
            &self.bath_asymmetric
        };
        Ok(Bath::bragg(b.sigma, b.lambda_b, b.b, self.rho_b)?)
    }

    /// Initial density profile ρ(x, 0) (periodic images included up to ±3 boxes).
    pub fn initial_density(&self, x: f64) -> f64 {
        let w = self.bump_width;
        let peak = self.n_particles as f64 / ((2.0 * std::f64::consts::PI).sqrt() * w);
        (-3..=3)
            .map(|j| {
                let d = x - self.bump_center - j as f64 * self.box_len;
                peak * (-0.5 * d * d / (w * w)).exp()
            })
            .sum()
    }

    /// Number of cells (`box_len / cell_len`, must be an integer).
    pub fn n_cells(&self) -> usize {
        (self.box_len / self.cell_len).round() as usize
    }

    /// Range checks.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        for (f, v) in [
            ("gamma", self.gamma),
            ("rho_b", self.rho_b),
            ("box_len", self.box_len),
            ("bump_width", self.bump_width),
            ("cell_len", self.cell_len),
            ("dt", self.dt),
            ("relax_proposals", self.relax_proposals),
        ] {
            positive(&mut e, f, v);
        }
        bath_errors(&mut e, "bath_symmetric", &self.bath_symmetric);
        bath_errors(&mut e, "bath_asymmetric", &self.bath_asymmetric);
        if self.n_particles == 0 {
            e.push(FieldError::new("n_particles", "must be >= 1"));
        }
        if self.realizations < 2 {
            e.push(FieldError::new("realizations", "must be >= 2 (error bars)"));
        }
        if self.n_bins == 0 {
            e.push(FieldError::new("n_bins", "must be >= 1"));
        }
        if !(0.0..self.box_len.max(0.0)).contains(&self.bump_center) {
            e.push(FieldError::new("bump_center", "must lie in [0, box_len)"));
        }
        if self.box_len > 0.0 && self.cell_len > 0.0 {
            let r = self.box_len / self.cell_len;
            if (r - r.round()).abs() > 1e-9 * r || r.round() < 1.0 {
                e.push(FieldError::new(
                    "cell_len",
                    "box_len must be an integer multiple of cell_len",
                ));
            }
        }
        if self.times.is_empty() {
            e.push(FieldError::new("times", "need at least one output time"));
        }
        for (i, &t) in self.times.iter().enumerate() {
            let s = t / self.dt;
            if !(t >= 0.0) || (self.dt > 0.0 && (s - s.round()).abs() > 1e-9 * s.max(1.0)) {
                e.push(FieldError::new(
                    format!("times[{i}]"),
                    format!("{t} must be a non-negative multiple of dt = {}", self.dt),
                ));
            }
            if i > 0 && !(t > self.times[i - 1]) {
                e.push(FieldError::new(
                    format!("times[{i}]"),
                    "times must be strictly ascending",
                ));
            }
            let s = t / self.audit_dt;
            if self.audit_dt > 0.0 && (s - s.round()).abs() > 1e-9 * s.max(1.0) {
                e.push(FieldError::new(
                    format!("times[{i}]"),
                    format!("{t} must be a multiple of audit_dt = {}", self.audit_dt),
                ));
            }
        }
        if !(self.audit_dt > 0.0 && self.audit_dt < self.dt) {
            e.push(FieldError::new(
                "audit_dt",
                format!("must be in (0, dt = {}), got {}", self.dt, self.audit_dt),
            ));
        }
        e
    }

    #[allow(clippy::too_many_arguments)]
    fn fermionic_rows(
        &self,
        ctx: &StageContext,
        sampler: MixtureSampler,
        rule: DuplicateRuleParam,
        seed: u64,
        bump: &GaussianBump,
        bins: &Bins,
        tick: &(dyn Fn() + Sync),
    ) -> anyhow::Result<(Vec<Vec<f64>>, CellCounters)> {
        let algo = CellAlgorithm::new(
            self.gamma,
            self.rho_b,
            sampler,
            self.cell_len,
            self.n_cells(),
            self.dt,
        )?
        .with_duplicate_rule(rule.md());
        let out = run_shard(
            self.realizations,
            Shard::WHOLE,
            seed,
            ctx.jobs(),
            |_, rng| {
                let r = md::fermionic::bump_profiles(
                    &algo,
                    bump,
                    self.relax_proposals,
                    &self.times,
                    bins,
                    rng,
                );
                tick();
                r
            },
        )?;
        let mut c = CellCounters::default();
        let mut rows = Vec::with_capacity(self.realizations);
        for r in out.rows {
            let (d, cc) = r.context("fermionic realization")?;
            c += cc;
            rows.push(d);
        }
        Ok((rows, c))
    }

    /// Compute and write `data/fig5_md.parquet` and `data/fig5_md_audit.parquet`.
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let bins = Bins::new(0.0, self.box_len, self.n_bins)?;
        let bump = GaussianBump {
            n: self.n_particles,
            center: self.bump_center,
            width: self.bump_width,
        };
        let nt = self.times.len();
        let total = ((FIG5_PANELS.len() + 4) * self.realizations) as u64;
        let done = AtomicU64::new(0);
        let (mut panel, mut t, mut x, mut rho_mean, mut rho_sem) =
            (vec![], vec![], vec![], vec![], vec![]);
        let centers = bins.centers();
        let mut provenance = serde_json::Map::new();
        for (p, &(label, fermionic, symmetric)) in FIG5_PANELS.iter().enumerate() {
            let sampler = bath_sampler(&self.bath(symmetric)?)?;
            let seed = self.seed.wrapping_add(p as u64);
            let start = Instant::now();
            let tick = || ctx.progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            let (rows, info) = if fermionic {
                let (rows, c) = self.fermionic_rows(
                    ctx,
                    sampler.clone(),
                    self.duplicate_rule,
                    seed,
                    &bump,
                    &bins,
                    &tick,
                )?;
                let wall = start.elapsed().as_secs_f64();
                let info = json!({
                    "seed": seed, "statistics": "fermionic", "wall_s": wall,
                    "duplicate_rule": self.duplicate_rule,
                    "proposals": c.proposals, "accepted": c.accepted, "blocked": c.blocked,
                    "blocked_fraction": c.blocked as f64 / c.proposals as f64,
                    "duplicates": c.duplicates, "duplicate_redraws": c.duplicate_redraws,
                    "particle_steps": c.particle_steps,
                    "duplicates_per_particle_step": c.duplicates as f64 / c.particle_steps as f64,
                    "duplicates_per_accepted_collision": c.duplicates as f64 / c.accepted as f64,
                    "proposals_per_s": c.proposals as f64 / wall,
                });
                (rows, info)
            } else {
                let process = JumpProcess::new(self.gamma, self.rho_b, sampler)?;
                let out = run_shard(
                    self.realizations,
                    Shard::WHOLE,
                    seed,
                    ctx.jobs(),
                    |_, rng| {
                        let r = process.bump_profiles(&bump, self.box_len, &self.times, &bins, rng);
                        tick();
                        r
                    },
                )?;
                let events: u64 = out.rows.iter().map(|r| r.1).sum();
                let wall = start.elapsed().as_secs_f64();
                let rows: Vec<Vec<f64>> = out.rows.into_iter().map(|r| r.0).collect();
                let info = json!({"seed": seed, "statistics": "classical", "wall_s": wall, "collision_events": events, "events_per_s": events as f64 / wall});
                (rows, info)
            };
            let s = MeanSem::from_rows(&rows);
            // particle number in the histogram (exact: periodic box, every particle counted)
            let mass: Vec<f64> = (0..nt)
                .map(|m| s.mean[m * bins.n..(m + 1) * bins.n].iter().sum::<f64>() * bins.width())
                .collect();
            let mut info = info;
            info["histogram_particle_number"] = json!(mass);
            ctx.log(&format!("panel {label}: {info}"));
            provenance.insert(label.to_owned(), info);
            for (m, &tm) in self.times.iter().enumerate() {
                for (b, &xc) in centers.iter().enumerate() {
                    panel.push(label);
                    t.push(tm);
                    x.push(xc);
                    rho_mean.push(s.mean[m * bins.n + b]);
                    rho_sem.push(s.sem[m * bins.n + b]);
                }
            }
        }
        let mut df = df!("panel" => panel, "t" => t, "x" => x, "rho_mean" => rho_mean, "rho_sem" => rho_sem)?;
        crate::io::write_parquet(ctx, FIG5_MD_PARQUET, &mut df)?;

        // App. C audit: the fermionic panels again with one setting changed, independent seeds
        let other = self.duplicate_rule.other();
        let rule_name = serde_json::to_value(other)?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let variants = [
            (
                "duplicate_rule",
                rule_name,
                Fig5MdParams {
                    duplicate_rule: other,
                    ..self.clone()
                },
            ),
            (
                "time_step",
                format!("{}", self.audit_dt),
                Fig5MdParams {
                    dt: self.audit_dt,
                    ..self.clone()
                },
            ),
        ];
        /// Columns of the audit table.
        #[derive(Default)]
        struct AuditColumns<'a> {
            panel: Vec<&'a str>,
            audit: Vec<&'a str>,
            setting: Vec<String>,
            t: Vec<f64>,
            x: Vec<f64>,
            mean: Vec<f64>,
            sem: Vec<f64>,
        }
        let mut cols = AuditColumns::default();
        let mut k = FIG5_PANELS.len() as u64;
        for (audit, setting, params) in &variants {
            for &(label, _, symmetric) in FIG5_PANELS.iter().filter(|p| p.1) {
                let seed = self.seed.wrapping_add(k);
                k += 1;
                let start = Instant::now();
                let (rows, c) = params.fermionic_rows(
                    ctx,
                    bath_sampler(&self.bath(symmetric)?)?,
                    params.duplicate_rule,
                    seed,
                    &bump,
                    &bins,
                    &|| ctx.progress(done.fetch_add(1, Ordering::Relaxed) + 1, total),
                )?;
                provenance.insert(
                    format!("{label}_audit_{audit}"),
                    json!({"seed": seed, "setting": setting, "wall_s": start.elapsed().as_secs_f64(),
                           "proposals": c.proposals, "accepted": c.accepted, "blocked": c.blocked,
                           "blocked_fraction": c.blocked as f64 / c.proposals as f64,
                           "duplicates": c.duplicates, "duplicate_redraws": c.duplicate_redraws,
                           "duplicates_per_accepted_collision": c.duplicates as f64 / c.accepted as f64}),
                );
                let s = MeanSem::from_rows(&rows);
                for (m, &tm) in self.times.iter().enumerate() {
                    for (b, &xc) in centers.iter().enumerate() {
                        cols.panel.push(label);
                        cols.audit.push(audit);
                        cols.setting.push(setting.clone());
                        cols.t.push(tm);
                        cols.x.push(xc);
                        cols.mean.push(s.mean[m * bins.n + b]);
                        cols.sem.push(s.sem[m * bins.n + b]);
                    }
                }
            }
        }
        ctx.record("fig5_md_panels", serde_json::Value::Object(provenance));
        let mut df = df!(
            "panel" => cols.panel,
            "audit" => cols.audit,
            "setting" => cols.setting,
            "t" => cols.t,
            "x" => cols.x,
            "rho_mean" => cols.mean,
            "rho_sem" => cols.sem,
        )?;
        crate::io::write_parquet(ctx, FIG5_MD_AUDIT_PARQUET, &mut df)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The md sampler built from `kinetic::bath` is the Bragg bath (104) of `md`'s own
    /// convenience constructor (σ/√2 standard deviations, weights 1 : b).
    #[test]
    fn bath_sampler_matches_eq_104() {
        let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap();
        let s = bath_sampler(&bath).unwrap();
        let r = MixtureSampler::bragg(6.0, 5.9, 0.3).unwrap();
        for (a, b) in s.components().iter().zip(r.components()) {
            assert!(
                (a.weight - b.weight).abs() < 1e-14
                    && (a.center - b.center).abs() < 1e-14
                    && (a.std_dev - b.std_dev).abs() < 1e-14
            );
        }
        for l in [-20.0, -5.9, 0.0, 3.0, 12.0] {
            assert!((bath.density(l) / 50.0 - s.density(l)).abs() < 1e-14);
        }
    }

    #[test]
    fn fig2_and_fig5_quick_runs() {
        let dir = tempfile::tempdir().unwrap();
        let p2 = Fig2Params {
            n_particles: 100,
            rho: 1.0,
            rho_b: 100.0,
            gamma: 0.001,
            temperature: 0.08,
            bath: BraggBath {
                sigma: 0.2,
                lambda_b: 0.4,
                b: 0.5,
            },
            realizations: 20,
            seed: 1,
            t_max: 100.0,
            n_times: 11,
            lambda_min: -1.2,
            lambda_max: 1.2,
            n_bins: 24,
        };
        assert!(p2.validate().is_empty());
        let outs = [
            "data/fig2_energy.parquet",
            "data/fig2_velocities.parquet",
            "figures/fig2.png",
            "figures/fig2.svg",
        ];
        let ctx = StageContext::standalone(dir.path(), "fig2", &outs);
        p2.run(&ctx).unwrap();
        let df = crate::io::read_parquet(&ctx.output("data/fig2_energy.parquet").unwrap()).unwrap();
        assert_eq!(df.height(), 11);
        let p5 = Fig5MdParams {
            gamma: 0.08,
            rho_b: 50.0,
            bath_symmetric: BraggBath {
                sigma: 6.0,
                lambda_b: 5.9,
                b: 1.0,
            },
            bath_asymmetric: BraggBath {
                sigma: 6.0,
                lambda_b: 5.9,
                b: 0.3,
            },
            n_particles: 100,
            box_len: 400.0,
            bump_center: 200.0,
            bump_width: 20.0,
            times: vec![0.0, 1.0],
            n_bins: 20,
            cell_len: 10.0,
            dt: 0.1,
            relax_proposals: 5.0,
            duplicate_rule: DuplicateRuleParam::Rescatter,
            audit_dt: 0.05,
            realizations: 3,
            seed: 2,
        };
        assert!(p5.validate().is_empty());
        let mut bad = p5.clone();
        bad.cell_len = 3.0;
        bad.times = vec![0.0, 0.05];
        assert_eq!(bad.validate().len(), 2);
        let ctx = StageContext::standalone(
            dir.path(),
            "fig5_md",
            &[FIG5_MD_PARQUET, FIG5_MD_AUDIT_PARQUET],
        );
        p5.run(&ctx).unwrap();
        let audit = crate::io::read_parquet(&ctx.output(FIG5_MD_AUDIT_PARQUET).unwrap()).unwrap();
        assert_eq!(audit.height(), 2 * 2 * 2 * 20);
        assert_eq!(crate::io::column_str(&audit, "setting").unwrap()[0], "keep");
        let df = crate::io::read_parquet(&ctx.output(FIG5_MD_PARQUET).unwrap()).unwrap();
        assert_eq!(df.height(), 4 * 2 * 20);
        let rho = crate::io::column_f64(&df, "rho_mean").unwrap();
        // particle number conserved in every panel and time
        for chunk in rho.chunks(20) {
            assert!((chunk.iter().sum::<f64>() * 20.0 - 100.0).abs() < 1e-9);
        }
    }
}
