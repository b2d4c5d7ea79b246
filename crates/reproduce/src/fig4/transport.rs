//! Stage `transport_swap`: transport coefficients of the velocity-swap models on a density grid
//! (paper Sec. V.C): u (88), u' (89, corrected), D (99) and D by the direct route (61)-(63), the
//! current J, for classical and fermionic statistics in both baths of [`Table::SwapModel`].
//!
//! Output [`Table::Transport`], one row per (statistics, bath, rho); columns
//! [`contract::swap::transport`]. Units hbar = m = 1; l is the length unit in which the bath
//! velocities (sigma, lambda_B) are given in units of hbar/(m l).

use anyhow::Context as _;
use contract::Table;
use contract::swap::{
    BathSide, GridConvergence, Statistics, SwapModel, TransportCase, TransportRecord, VelocityGrid,
    transport as col,
};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::params::{at_least, in_range, positive};
use crate::{io, swap_model};

/// Parameters of the `transport_swap` stage (the model itself is [`Table::SwapModel`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransportSwap {
    /// Log-spaced density grid rho_min..rho_max with n_rho points, plus the `rho_extra` points.
    pub rho_min: f64,
    pub rho_max: f64,
    pub n_rho: usize,
    pub rho_extra: Vec<f64>,
    /// Velocity grid: cutoff where the bath is below `tail_tol` of its maximum, spacing <= `spacing`.
    pub tail_tol: f64,
    pub spacing: f64,
}

/// The (bath, statistics) cases in table order.
fn cases() -> Vec<(BathSide, Statistics)> {
    BathSide::ALL
        .iter()
        .flat_map(|b| Statistics::ALL.iter().map(move |s| (*b, *s)))
        .collect()
}

impl TransportSwap {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        positive(&mut e, "rho_min", self.rho_min);
        positive(&mut e, "rho_max", self.rho_max);
        if self.rho_max <= self.rho_min {
            e.push(FieldError::new(
                "rho_max",
                format!("must be > rho_min = {}", self.rho_min),
            ));
        }
        at_least(&mut e, "n_rho", self.n_rho, 2);
        for (i, r) in self.rho_extra.iter().enumerate() {
            positive(&mut e, &format!("rho_extra[{i}]"), *r);
        }
        in_range(&mut e, "tail_tol", self.tail_tol, f64::MIN_POSITIVE, 0.5);
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

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let setup: SwapModel = io::read_json(ctx, Table::SwapModel)?;
        let rhos = self.rho_grid();
        let cases = cases();
        let models = cases
            .iter()
            .map(|&(b, s)| swap_model::kinetic_model(&setup, b, s, self.tail_tol, self.spacing))
            .collect::<anyhow::Result<Vec<_>>>()?;
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
                    let (b, s) = cases[c];
                    let rho = rhos[r];
                    let st = models[c]
                        .stationary(rho)
                        .with_context(|| format!("{s} {b} rho={rho}"))?;
                    let t = models[c].transport_at(&st);
                    let dd = models[c].diffusion_direct_at(&st)?;
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
        for (&(c, _), row) in jobs.iter().zip(rows) {
            let row = row?;
            io::ensure_finite("transport row", &row)?;
            let (b, s) = cases[c];
            col_stat.push(s.as_str());
            col_bath.push(b.as_str());
            max_rel = max_rel.max((row[3] - row[4]).abs() / row[3].abs());
            for (k, v) in row.into_iter().enumerate() {
                cols[k].push(v);
            }
        }
        let [rho, u, du, d, dd, j] = cols;
        let mut df = df!(
            col::STATISTICS => &col_stat,
            col::BATH => &col_bath,
            col::RHO => &rho,
            col::U => &u,
            col::DU_DRHO => &du,
            col::D => &d,
            col::D_DIRECT => &dd,
            col::J => &j,
        )?;
        io::write_parquet(ctx, Table::Transport, &mut df)?;

        // Provenance: velocity grid, grid convergence (spacing halved, cutoff widened to
        // tail_tol^(4/3)) at three densities.
        let fine_tol = self.tail_tol.powf(4.0 / 3.0).max(f64::MIN_POSITIVE);
        let mut record = TransportRecord {
            densities: rhos.len(),
            cases: Vec::new(),
        };
        for (&(b, s), model) in cases.iter().zip(&models) {
            let fine = swap_model::kinetic_model(&setup, b, s, fine_tol, 0.5 * self.spacing)?;
            let (mut dd_, mut du_, mut dup) = (0.0f64, 0.0f64, 0.0f64);
            for &r in &[
                self.rho_min,
                0.5 * (self.rho_min + self.rho_max),
                self.rho_max,
            ] {
                let a = model.transport(r)?;
                let f = fine.transport(r)?;
                dd_ = dd_.max((a.diffusion - f.diffusion).abs() / f.diffusion.abs());
                du_ = du_.max((a.u - f.u).abs());
                dup = dup.max((a.du_drho - f.du_drho).abs());
            }
            let (lo, hi) = model.grid().interval();
            record.cases.push(TransportCase {
                statistics: s,
                bath: b,
                velocity_grid: VelocityGrid {
                    lambda_min: lo,
                    lambda_max: hi,
                    nodes: model.grid().len(),
                    spacing: model.grid().spacing(),
                    tail_tol: self.tail_tol,
                },
                grid_convergence: GridConvergence {
                    fine_spacing: 0.5 * self.spacing,
                    fine_tail_tol: fine_tol,
                    max_rel_change_d: dd_,
                    max_abs_change_u: du_,
                    max_abs_change_du_drho: dup,
                },
            });
        }
        io::record(ctx, &record)?;
        ctx.summary(format!(
            "{} rows; D by (99) and by the direct route differ by {max_rel:.1e} at most",
            rhos.len() * cases.len()
        ));
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn params() -> TransportSwap {
        TransportSwap {
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
        p.rho_min = 0.0;
        p.rho_max = -1.0;
        p.tail_tol = 2.0;
        let paths: Vec<String> = p.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["rho_min", "rho_max", "rho_max", "tail_tol"]);
    }
}
