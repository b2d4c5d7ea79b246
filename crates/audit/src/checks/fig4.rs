//! Fig. 4 and the transport coefficients of the swap models: two routes for D (99), u = dJ/drho
//! (88), the corrected u' (89) by finite differences, and Table I (u constant for classical
//! particles and for a symmetric bath).

use contract::Table;
use contract::frame::{column_cat, column_f64};
use contract::swap::{BathSide, Statistics, TransportRecord, transport as col};

use super::{fd_check, groups, pick, sort_by_first};
use crate::check::{Check, Rule};
use crate::claim::Claim;
use crate::regression::{Quantity, Summary};
use crate::{Data, stats};

/// Densities at which the regression summarises the curves.
const SUMMARY_RHOS: [f64; 3] = [0.5, 1.0, 2.0];

pub fn checks(data: &Data, summary: &mut Summary, out: &mut Vec<Check>) -> anyhow::Result<()> {
    let Some(df) = data.read(Table::Transport)? else {
        return Ok(());
    };
    let file = data.rel(Table::Transport);
    let stat: Vec<Statistics> = column_cat(&df, col::STATISTICS)?;
    let bath: Vec<BathSide> = column_cat(&df, col::BATH)?;
    let rho = column_f64(&df, col::RHO)?;
    let u = column_f64(&df, col::U)?;
    let du = column_f64(&df, col::DU_DRHO)?;
    let d = column_f64(&df, col::D)?;
    let dd = column_f64(&df, col::D_DIRECT)?;
    let j = column_f64(&df, col::J)?;
    let record: TransportRecord = data.record(Table::Transport)?;
    let keys: Vec<(String, String)> = stat
        .iter()
        .map(|s| s.as_str().to_owned())
        .zip(bath.iter().map(|b| b.as_str().to_owned()))
        .collect();
    for ((s, b), mut idx) in groups(&keys) {
        let (statistics, side) = (stat[idx[0]], bath[idx[0]]);
        sort_by_first(&mut idx, &rho);
        let case = format!("{s}_{b}");
        let (x, uu, duu, dv, ddv, jj) = (
            pick(&rho, &idx),
            pick(&u, &idx),
            pick(&du, &idx),
            pick(&d, &idx),
            pick(&dd, &idx),
            pick(&j, &idx),
        );
        let rel = stats::max_rel_diff(&dv, &ddv);
        out.push(Check::new(
            &[Claim::Eq99, Claim::Fig4],
            format!("fig4.D_eq99_vs_direct[{case}]"),
            format!("max rel diff {rel:.2e} over {} rho", x.len()),
            Rule::Below {
                value: rel,
                bound: 1e-8,
            },
            &file,
        ));
        let fermionic = statistics == Statistics::Fermionic;
        let eq_claims: &'static [Claim] = if fermionic {
            &[Claim::Eq88, Claim::Eq40]
        } else {
            &[Claim::Eq88, Claim::Eq20]
        };
        out.push(fd_check(
            eq_claims,
            format!("fig4.u_eq88_vs_dJ/drho[{case}]"),
            &x,
            &jj,
            &uu,
            &file,
        ));
        out.push(fd_check(
            &[Claim::Eq89],
            format!("fig4.du_drho_eq89corr_vs_FD[{case}]"),
            &x,
            &uu,
            &duu,
            &file,
        ));
        // Table I: u constant (u' = 0) unless fermions in a parity-asymmetric bath
        let burgers = fermionic && side == BathSide::Asymmetric;
        let umax = uu.iter().fold(0.0f64, |a, v| a.max(v.abs())).max(1.0);
        let dumax = duu.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let spread = uu.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v))
            - uu.iter().fold(f64::INFINITY, |a, &v| a.min(v));
        out.push(if burgers {
            Check::new(
                &[Claim::TableI],
                format!("tableI.u_depends_on_rho[{case}]"),
                format!("max|u'| = {dumax:.3e}, spread of u = {spread:.3e}"),
                Rule::Above {
                    what: "max|u'|",
                    value: dumax,
                    bound: 1e-6,
                },
                &file,
            )
            .with_note("Burgers")
        } else {
            Check::new(
                &[Claim::TableI],
                format!("tableI.u_constant[{case}]"),
                format!("max|u'| = {dumax:.2e}, spread of u = {spread:.2e}"),
                Rule::BothBelow {
                    value: dumax,
                    spread,
                    bound: 1e-8 * umax,
                },
                &file,
            )
            .with_note("1e-8 max(1, |u|): diffusion / boosted diffusion")
        });
        let conv = &record
            .case(statistics, side)
            .ok_or_else(|| anyhow::anyhow!("no transport record for {case}"))?
            .grid_convergence;
        for r in SUMMARY_RHOS {
            let (Some(dr), Some(ur), Some(dur)) = (
                stats::interp(&x, &dv, r),
                stats::interp(&x, &uu, r),
                stats::interp(&x, &duu, r),
            ) else {
                continue;
            };
            summary.put(
                "fig4",
                format!("D[{case},rho={r}]"),
                Quantity::deterministic(dr, conv.max_rel_change_d * dr.abs()),
            );
            summary.put(
                "fig4",
                format!("u[{case},rho={r}]"),
                Quantity::deterministic(ur, conv.max_abs_change_u),
            );
            summary.put(
                "fig4",
                format!("du_drho[{case},rho={r}]"),
                Quantity::deterministic(dur, conv.max_abs_change_du_drho),
            );
        }
    }
    Ok(())
}
