//! Stage `tg_burgers_map` (beyond the paper's three Fig. 3 panels): u, u' (corrected (89)) and
//! the Burgers parameter nu = D_RTA/u' (77) of TG tubes over the state of the Bragg-split bath
//! (79), n_b = norm [n_th(l + l_B) + b n_th(l - l_B)]/(1 + b),
//! n_th = 1/(1 + exp((l^2/2 - mu_b)/T)), on a grid of temperature T (log-spaced) and peak
//! separation lambda_B (linear, in units of k_F = sqrt(2 mu_b)), at fixed mu_b, b and norm, for
//! a few tube densities. It is the evidence for the statement of Sec. V.B that u' "varies over
//! several orders of magnitude" and is largest at low T with lambda_B slightly below
//! (width of rho_th)/2 ([`contract::tg_map::thermal_half_width`]).
//! Output [`Table::TgBurgersMap`] (columns [`contract::tg_map::columns`]), record
//! [`BurgersMapRecord`].

use ::tg::transport::Transport;
use ::tg::{Bath, StationaryState};
use anyhow::Context as _;
use contract::Table;
use contract::tg::RESOLUTION;
use contract::tg_map::{BurgersMapRecord, columns as col};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::GridParams;
use crate::io;
use crate::params::{at_least, positive};

/// A log-spaced range `min .. max` with `n` values (both ends included).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRange {
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl LogRange {
    pub fn values(&self) -> Vec<f64> {
        let (a, b) = (self.min.ln(), self.max.ln());
        (0..self.n)
            .map(|i| (a + (b - a) * i as f64 / (self.n - 1) as f64).exp())
            .collect()
    }
}

/// `tg_burgers_map`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgBurgersMap {
    /// Bath chemical potential, fixed over the map (k_F = sqrt(2 mu_b)).
    pub mu_b: f64,
    /// Weight of the second peak of (79).
    pub b: f64,
    /// Normalisation of (79).
    pub norm: f64,
    /// Bath temperatures (log-spaced).
    pub temperatures: LogRange,
    /// Largest peak separation, in units of k_F; the grid is 0 .. max with `n_lambda_b` values.
    pub lambda_b_max_over_k_f: f64,
    pub n_lambda_b: usize,
    /// Tube densities.
    pub rhos: Vec<f64>,
    /// Basis size N of tau_RTA = 1/g_1(N) at rho -> 0 behind nu (RTA is not convergent in N:
    /// see the RTA audit; N = 2 is where D_RTA is closest to the full D).
    pub tau_basis_size: usize,
    pub grid: GridParams,
}

impl TgBurgersMap {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        positive(&mut e, "mu_b", self.mu_b);
        positive(&mut e, "b", self.b);
        positive(&mut e, "norm", self.norm);
        positive(&mut e, "temperatures.min", self.temperatures.min);
        if !(self.temperatures.max > self.temperatures.min) {
            e.push(FieldError::new(
                "temperatures.max",
                "must exceed temperatures.min",
            ));
        }
        at_least(&mut e, "temperatures.n", self.temperatures.n, 2);
        positive(&mut e, "lambda_b_max_over_k_f", self.lambda_b_max_over_k_f);
        at_least(&mut e, "n_lambda_b", self.n_lambda_b, 2);
        if self.rhos.is_empty() {
            e.push(FieldError::new("rhos", "must not be empty"));
        }
        for (i, r) in self.rhos.iter().enumerate() {
            positive(&mut e, &format!("rhos[{i}]"), *r);
        }
        at_least(&mut e, "tau_basis_size", self.tau_basis_size, 2);
        self.grid.validate(&mut e);
        e
    }

    pub fn k_f(&self) -> f64 {
        (2.0 * self.mu_b).sqrt()
    }

    pub fn lambda_bs(&self) -> Vec<f64> {
        let top = self.lambda_b_max_over_k_f * self.k_f();
        (0..self.n_lambda_b)
            .map(|i| top * i as f64 / (self.n_lambda_b - 1) as f64)
            .collect()
    }

    fn bath(&self, temperature: f64, lambda_b: f64) -> Bath {
        Bath::BraggSplit {
            temperature,
            mu: self.mu_b,
            lambda_b,
            b: self.b,
            norm: self.norm,
        }
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let spec = self.grid.spec();
        let pool = ctx.thread_pool()?;
        let ts = self.temperatures.values();
        let lbs = self.lambda_bs();
        let baths: Vec<(f64, f64)> = ts
            .iter()
            .flat_map(|&t| lbs.iter().map(move |&l| (t, l)))
            .collect();
        let n = self.tau_basis_size;
        let per_bath: Vec<anyhow::Result<(Option<f64>, Vec<Transport>)>> = pool.install(|| {
            baths
                .par_iter()
                .map(|&(t, l)| {
                    let bath = self.bath(t, l);
                    let g = ::tg::spectrum::dilute_rates(bath, n, spec)
                        .with_context(|| format!("g_1 at T = {t}, lambda_B = {l}"))?;
                    let resolved = g[0] > 0.0 && g[0] / g[g.len() - 1] >= RESOLUTION;
                    let tau = resolved.then(|| 1.0 / g[0]);
                    let rows = self
                        .rhos
                        .iter()
                        .map(|&rho| {
                            let s = StationaryState::from_rho(bath, rho, spec)
                                .with_context(|| format!("T = {t}, lambda_B = {l}, rho = {rho}"))?;
                            Ok(Transport::of(&s))
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    Ok((tau, rows))
                })
                .collect()
        });
        let mut c = MapCols::default();
        let mut unresolved = Vec::new();
        for (&(t, l), r) in baths.iter().zip(per_bath) {
            let (tau, rows) = r?;
            if tau.is_none() {
                unresolved.push((t, l));
            }
            let bath = self.bath(t, l);
            for (tr, &rho_nominal) in rows.iter().zip(&self.rhos) {
                c.t.push(t);
                c.mu.push(self.mu_b);
                c.lb.push(l);
                c.b.push(self.b);
                c.norm.push(self.norm);
                c.rho.push(rho_nominal);
                c.u.push(tr.u);
                c.du.push(tr.du_drho);
                c.nu.push(tau.and_then(|tau| tr.burgers(&bath, tau)));
            }
        }
        io::ensure_finite("u", &c.u)?;
        io::ensure_finite("du_drho", &c.du)?;
        let mut df = df!(
            col::T => &c.t, col::MU_B => &c.mu, col::LAMBDA_B => &c.lb, col::B => &c.b,
            col::NORM => &c.norm, col::RHO => &c.rho, col::U => &c.u, col::DU_DRHO => &c.du,
            col::NU_BURGERS => &c.nu,
        )?;
        io::write_parquet(ctx, Table::TgBurgersMap, &mut df)?;
        let (imax, max) = c.du.iter().enumerate().fold((0, 0.0f64), |(j, m), (i, d)| {
            if d.abs() > m { (i, d.abs()) } else { (j, m) }
        });
        ctx.summary(format!(
            "{} T x {} lambda_B x {} rho; largest |u'| = {max:.3} at T = {:.3}, lambda_B = {:.3} k_F, rho = {}",
            ts.len(),
            lbs.len(),
            self.rhos.len(),
            c.t[imax],
            c.lb[imax] / self.k_f(),
            c.rho[imax]
        ));
        io::record(
            ctx,
            &BurgersMapRecord {
                mu_b: self.mu_b,
                k_f: self.k_f(),
                b: self.b,
                norm: self.norm,
                temperatures: ts,
                lambda_bs: lbs,
                rhos: self.rhos.clone(),
                tau_basis_size: n,
                unresolved,
            },
        )?;
        Ok(())
    }
}

#[derive(Default)]
struct MapCols {
    t: Vec<f64>,
    mu: Vec<f64>,
    lb: Vec<f64>,
    b: Vec<f64>,
    norm: Vec<f64>,
    rho: Vec<f64>,
    u: Vec<f64>,
    du: Vec<f64>,
    nu: Vec<Option<f64>>,
}
