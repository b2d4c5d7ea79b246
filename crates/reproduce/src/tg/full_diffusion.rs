//! Stage `tg_full_diffusion`: the full D of (61) for the state of Fig. 3(a), by the Galerkin
//! polynomial basis (D_N, per basis size N) and by the closed form on [-Lambda, Lambda] (per
//! cutoff), with independent checks of the closed form (direct FEM solution of (61), Simpson
//! step halved, Galerkin grid step halved). Output [`Table::TgFullDiffusion`] (columns
//! [`contract::tg::full_diffusion`]), record [`FullDiffusionRecord`]. D in units of 1/C.

use ::tg::diffusion::{closed_form, fem_direct, galerkin, thermal_tail_slope};
use ::tg::spectrum::{Fem, PolyBasis};
use ::tg::stationary::GridSpec;
use ::tg::{Bath, StationaryState};
use contract::Table;
use contract::tg::{
    FullDiffusionChecks, FullDiffusionRecord, Method, RESOLUTION, full_diffusion as col,
};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::{BathParams, GridParams};
use crate::io;
use crate::params::{at_least, basis_sizes, densities, increasing, positive};

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

/// One density: D_N per basis size (None where unresolved), D per cutoff, the checks.
type Row = (f64, Vec<Option<f64>>, Vec<f64>, FullDiffusionChecks);

impl TgFullDiffusion {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        self.bath.validate(&mut e, "bath");
        densities(&mut e, "rhos", &self.rhos);
        basis_sizes(&mut e, "basis_sizes", &self.basis_sizes);
        increasing(&mut e, "cutoffs", &self.cutoffs);
        for (i, c) in self.cutoffs.iter().enumerate() {
            positive(&mut e, &format!("cutoffs[{i}]"), *c);
        }
        positive(&mut e, "intervals_per_unit", self.intervals_per_unit);
        positive(&mut e, "fem_check_cutoff", self.fem_check_cutoff);
        at_least(&mut e, "fem_check_elements", self.fem_check_elements, 16);
        self.grid.validate(&mut e);
        e
    }

    fn row(&self, bath: Bath, spec: GridSpec, rho: f64) -> anyhow::Result<Row> {
        let nmax = *self.basis_sizes.last().expect("validated: not empty");
        let s = StationaryState::from_rho(bath, rho, spec)?;
        let basis = PolyBasis::new(&s, nmax, None)?;
        let mut dn = Vec::new();
        let mut cond = Vec::new();
        for &n in &self.basis_sizes {
            let g = basis.rates(n)?;
            let c = g[0] / g[g.len() - 1];
            cond.push(c);
            // Ritz values of K below the resolution floor: D_N not trustworthy
            dn.push(if c > RESOLUTION {
                galerkin(&basis, n).ok()
            } else {
                None
            });
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
            GridSpec {
                depth: spec.depth,
                step: 0.5 * spec.step,
            },
        )?;
        let last = self
            .basis_sizes
            .iter()
            .zip(&dn)
            .rev()
            .find(|(_, d)| d.is_some())
            .map(|(n, _)| *n);
        let step_check = match last {
            Some(n) => {
                let a = galerkin(&basis, n)?;
                let b = galerkin(&PolyBasis::new(&fine, n, None)?, n)?;
                Some((n, (a - b).abs() / b))
            }
            None => None,
        };
        let nl = self.cutoffs.len();
        let checks = FullDiffusionChecks {
            rho,
            nu: s.nu,
            g1_over_gmax: cond,
            slope_last: (nl >= 2)
                .then(|| (dq[nl - 1] - dq[nl - 2]) / (self.cutoffs[nl - 1] - self.cutoffs[nl - 2])),
            slope_predicted_thermal_tails: matches!(bath, Bath::Thermal { .. })
                .then(|| thermal_tail_slope(&s)),
            check_cutoff: lc,
            closed_form: dc,
            closed_form_simpson_h_half: dc2,
            fem_direct: [f1, f2],
            fem_elements: [self.fem_check_elements, 2 * self.fem_check_elements],
            fem_richardson: fem_extrap,
            rel_diff_closed_form_vs_fem_richardson: (dc - fem_extrap).abs() / dc,
            galerkin_step_check: step_check,
        };
        Ok((rho, dn, dq, checks))
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let bath = self.bath.bath();
        let spec = self.grid.spec();
        let pool = ctx.thread_pool()?;
        let done = std::sync::atomic::AtomicU64::new(0);
        let total = self.rhos.len() as u64;
        let rows: Vec<anyhow::Result<Row>> = pool.install(|| {
            self.rhos
                .par_iter()
                .map(|&rho| {
                    let r = self.row(bath, spec, rho);
                    let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    ctx.progress(k, total);
                    r
                })
                .collect()
        });
        let (mut rho_c, mut meth, mut n_c, mut cut_c, mut d_c) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut record = FullDiffusionRecord {
            per_rho: Vec::new(),
            max_rel_diff_closed_form_vs_fem_direct: 0.0,
        };
        for r in rows {
            let (rho, dn, dq, checks) = r?;
            record.max_rel_diff_closed_form_vs_fem_direct = record
                .max_rel_diff_closed_form_vs_fem_direct
                .max(checks.rel_diff_closed_form_vs_fem_richardson);
            record.per_rho.push(checks);
            for (n, d) in self.basis_sizes.iter().zip(dn) {
                if let Some(d) = d {
                    rho_c.push(rho);
                    meth.push(Method::Galerkin.as_str());
                    n_c.push(Some(*n as u32));
                    cut_c.push(None::<f64>);
                    d_c.push(d);
                }
            }
            for (l, d) in self.cutoffs.iter().zip(dq) {
                rho_c.push(rho);
                meth.push(Method::Quadrature.as_str());
                n_c.push(None::<u32>);
                cut_c.push(Some(*l));
                d_c.push(d);
            }
        }
        io::ensure_finite("D", &d_c)?;
        let mut df = df!(col::RHO => &rho_c, col::METHOD => &meth, col::N => &n_c,
                         col::CUTOFF => &cut_c, col::D => &d_c)?;
        io::write_parquet(ctx, Table::TgFullDiffusion, &mut df)?;
        ctx.summary(format!(
            "{} densities; closed form vs direct FEM of (61): {:.1e}",
            self.rhos.len(),
            record.max_rel_diff_closed_form_vs_fem_direct
        ));
        io::record(ctx, &record)?;
        Ok(())
    }
}
