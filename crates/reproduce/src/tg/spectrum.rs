//! Stage `tg_spectrum`: the smallest non-zero rate g_1 of the linearised TG collision operator
//! (E8) vs rho (Fig. 6, App. F), by the Galerkin polynomial basis (per basis size N) and by P1
//! finite elements on [-Lambda, Lambda] (per cutoff). Only numerically resolved values are
//! written (g_1 > [`RESOLUTION`] g_max); the others are listed in the record.
//! Output [`Table::TgSpectrum`] (columns [`contract::tg::spectrum`]), record [`SpectrumRecord`].

use ::tg::StationaryState;
use ::tg::spectrum::{Fem, PolyBasis};
use contract::Table;
use contract::tg::{Method, RESOLUTION, SpectrumRecord, SpectrumRho, Unresolved, spectrum as col};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::{BathParams, GridParams};
use crate::io;
use crate::params::{basis_sizes, densities, in_range, positive};

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

/// One density: resolved (method, N, cutoff, g1) rows and the record entry.
type Row = (f64, Vec<(Method, u32, f64, f64)>, SpectrumRho);

impl TgSpectrum {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        self.bath.validate(&mut e, "bath");
        densities(&mut e, "rhos", &self.rhos);
        basis_sizes(&mut e, "basis_sizes", &self.basis_sizes);
        for (i, c) in self.fem_cutoffs.iter().enumerate() {
            positive(&mut e, &format!("fem_cutoffs[{i}]"), *c);
        }
        in_range(
            &mut e,
            "fem_elements_per_unit",
            self.fem_elements_per_unit,
            2.0,
            200.0,
        );
        self.grid.validate(&mut e);
        e
    }

    fn row(&self, rho: f64) -> anyhow::Result<Row> {
        let nmax = *self.basis_sizes.last().expect("validated: not empty");
        let s = StationaryState::from_rho(self.bath.bath(), rho, self.grid.spec())?;
        let basis = PolyBasis::new(&s, nmax, None)?;
        let mut out = Vec::new();
        let mut record = SpectrumRho {
            rho,
            galerkin_unresolved: Vec::new(),
            fem_unresolved: Vec::new(),
        };
        for &n in &self.basis_sizes {
            let g = basis.rates(n)?;
            if g[0] > 0.0 && g[0] / g[g.len() - 1] > RESOLUTION {
                out.push((Method::Galerkin, n as u32, s.grid.half_width, g[0]));
            } else {
                record.galerkin_unresolved.push(Unresolved {
                    at: n as f64,
                    g1: g[0],
                    g1_over_gmax: g[0] / g[g.len() - 1],
                });
            }
        }
        for &l in &self.fem_cutoffs {
            let el = ((2.0 * l * self.fem_elements_per_unit).ceil() as usize).max(8);
            let fem = Fem::new(&s, l, el)?;
            let g = fem.rates()?;
            if g[0] > 0.0 && g[0] / g[g.len() - 1] > RESOLUTION {
                out.push((Method::Fem, fem.nodes.len() as u32, l, g[0]));
            } else {
                record.fem_unresolved.push(Unresolved {
                    at: l,
                    g1: g[0],
                    g1_over_gmax: g[0] / g[g.len() - 1],
                });
            }
        }
        Ok((rho, out, record))
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let pool = ctx.thread_pool()?;
        let done = std::sync::atomic::AtomicU64::new(0);
        let total = self.rhos.len() as u64;
        let rows: Vec<anyhow::Result<Row>> = pool.install(|| {
            self.rhos
                .par_iter()
                .map(|&rho| {
                    let r = self.row(rho);
                    let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    ctx.progress(k, total);
                    r
                })
                .collect()
        });
        let (mut rho_c, mut meth, mut n_c, mut cut_c, mut g_c) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut record = SpectrumRecord {
            per_rho: Vec::new(),
            resolution_floor_g1_over_gmax: RESOLUTION,
        };
        for r in rows {
            let (rho, out, rec) = r?;
            record.per_rho.push(rec);
            for (m, n, c, g) in out {
                rho_c.push(rho);
                meth.push(m.as_str());
                n_c.push(n);
                cut_c.push(c);
                g_c.push(g);
            }
        }
        io::ensure_finite("g1", &g_c)?;
        let mut df = df!(col::RHO => &rho_c, col::METHOD => &meth, col::N => &n_c,
                         col::CUTOFF => &cut_c, col::G1 => &g_c)?;
        io::write_parquet(ctx, Table::TgSpectrum, &mut df)?;
        let unresolved: usize = record
            .per_rho
            .iter()
            .map(|r| r.galerkin_unresolved.len() + r.fem_unresolved.len())
            .sum();
        ctx.summary(format!(
            "{} resolved g_1 values, {unresolved} below the resolution floor",
            g_c.len()
        ));
        io::record(ctx, &record)?;
        Ok(())
    }
}
