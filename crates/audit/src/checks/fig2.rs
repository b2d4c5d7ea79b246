//! Fig. 2: per-time z-scores of the MD e(t) against the exact solution of (38) (DSMTS-style
//! |z| > 3 count against the binomial expectation) and the ensemble chi-square of the velocity
//! histograms against the thermal state and (20).

use contract::Table;
use contract::fig2::{Fig2Record, Which, energy, velocities};
use contract::frame::{column_cat, column_f64};

use super::pick;
use crate::check::{Check, Rule};
use crate::claim::Claim;
use crate::regression::{Quantity, Summary};
use crate::{Data, stats};

pub fn checks(data: &Data, summary: &mut Summary, out: &mut Vec<Check>) -> anyhow::Result<()> {
    if let Some(df) = data.read(Table::Fig2Energy)? {
        let t = column_f64(&df, energy::T)?;
        let m = column_f64(&df, energy::E_MEAN)?;
        let s = column_f64(&df, energy::E_SEM)?;
        let k = column_f64(&df, energy::E_KINETIC)?;
        let z: Vec<f64> = (0..t.len())
            .filter(|&i| s[i] > 0.0)
            .map(|i| (m[i] - k[i]) / s[i])
            .collect();
        let zc = stats::z_count(&z, 1e-3);
        out.push(
            Check::new(
                &[Claim::Fig2],
                "fig2.e(t)_MD_vs_kinetic_eq38",
                format!(
                    "{} of {} times with |z| > 3 (binomial expectation {:.2}, p = {:.3}), max|z| = {:.2}",
                    zc.count, zc.n, zc.expected, zc.p_value, zc.max_abs_z
                ),
                Rule::CountAtMost {
                    count: zc.count,
                    bound: zc.allowed,
                },
                data.rel(Table::Fig2Energy),
            )
            .with_note("P(X > count) < 1e-3, X ~ Bin(n, 0.0027)"),
        );
        let n = t.len();
        if n > 0 {
            let mut idx: Vec<usize> = (0..5).map(|q| q * (n - 1) / 4).collect();
            idx.dedup();
            for i in idx {
                summary.put(
                    "fig2",
                    format!("e(t={})", t[i]),
                    Quantity::stochastic(m[i], s[i]),
                );
            }
        }
    }
    if let Some(df) = data.read(Table::Fig2Velocities)? {
        let which: Vec<Which> = column_cat(&df, velocities::WHICH)?;
        let dens = column_f64(&df, velocities::DENSITY)?;
        let sem = column_f64(&df, velocities::DENSITY_SEM)?;
        let th = column_f64(&df, velocities::THEORY)?;
        let lam = column_f64(&df, velocities::LAMBDA)?;
        let rec: Fig2Record = data.record(Table::Fig2Velocities)?;
        let n_part = rec.n_particles as f64;
        for w in Which::ALL {
            let idx: Vec<usize> = (0..which.len()).filter(|&i| which[i] == *w).collect();
            // expected count per realization: density (per unit velocity, normalised) N width
            let width = if idx.len() > 1 {
                (lam[idx[1]] - lam[idx[0]]).abs()
            } else {
                0.0
            };
            let counts: Vec<f64> = idx.iter().map(|&i| th[i] * n_part * width).collect();
            let c = stats::ensemble_chi2(
                &pick(&dens, &idx),
                &pick(&sem, &idx),
                &pick(&th, &idx),
                &counts,
                rec.realizations,
                stats::MIN_EXPECTED_COUNT,
                1,
            );
            let (chi2, dof, p) = (c.chi2, c.dof, c.p_value);
            out.push(Check::new(
                match w {
                    Which::Final => &[Claim::Eq20, Claim::Fig2],
                    Which::Initial => &[Claim::Fig2],
                },
                format!("fig2.{w}_velocity_histogram_chi2"),
                format!(
                    "chi2 = {chi2:.1} / {dof} dof, p = {p:.3} (t->normal per bin, {} sparse bins left out)",
                    c.bins_sparse
                ),
                Rule::AtLeast {
                    what: "p",
                    value: p,
                    bound: 1e-3,
                },
                data.rel(Table::Fig2Velocities),
            ));
            summary.put(
                "fig2",
                format!("{w}_histogram_chi2_per_dof"),
                Quantity::stochastic(chi2 / dof as f64, (2.0 / dof as f64).sqrt()),
            );
        }
    }
    Ok(())
}
