//! Sec. V.B on u' of TG tubes over the environmental tube's state, checked on the map of
//! [`Table::TgBurgersMap`] (Bragg-split bath (79) over (T, lambda_B) at fixed mu_b, b, norm):
//!
//! - "u' varies over several orders of magnitude": the decades between the smallest and the
//!   largest |u'| over the map's cells away from zeros of u', at least [`SEVERAL_DECADES`].
//!   A cell is away from zeros when lambda_B > 0 (lambda_B = 0 is parity symmetric, u' = 0) and
//!   its neighbours in T and lambda_B have its sign: u' changes sign on the map, and next to a
//!   sign change |u'| is arbitrarily small by continuity, which says nothing about the state.
//! - "u' attains the largest values in the regime of low temperatures, with lambda_B slightly
//!   smaller than (width of rho_th)/2": at the cell of the largest |u'|, T* lies in the lowest
//!   quarter of the map's log T range and lambda_B* / w(T*) is in [[`SLIGHTLY_BELOW`], 1), with
//!   w(T) = half the full width at half maximum of n_th ([`thermal_half_width`]).

use contract::Table;
use contract::frame::column_f64;
use contract::tg_map::{columns as col, thermal_half_width};

use super::groups;
use crate::Data;
use crate::check::{Check, Rule, sig3};
use crate::claim::Claim;
use crate::regression::{Quantity, Summary};

/// "Several orders of magnitude": at least this many decades between the smallest and the
/// largest |u'| away from zeros of u'.
pub const SEVERAL_DECADES: f64 = 2.0;
/// "Slightly smaller than (width of rho_th)/2": lambda_B* / w(T*) at least this, below 1.
pub const SLIGHTLY_BELOW: f64 = 0.7;
/// "Low temperatures": T* in this lowest fraction of the map's log T range.
pub const LOW_T_FRACTION: f64 = 0.25;

/// The cells of one density away from zeros of u': lambda_B > 0 and every neighbour in the
/// (T, lambda_B) grid with the same sign of u'.
fn away_from_zeros(idx: &[usize], t: &[f64], lb: &[f64], du: &[f64]) -> Vec<usize> {
    let grid = |v: Vec<f64>| {
        let mut g = v;
        g.sort_by(f64::total_cmp);
        g.dedup();
        g
    };
    let ts = grid(idx.iter().map(|&i| t[i]).collect());
    let ls = grid(idx.iter().map(|&i| lb[i]).collect());
    let pos = |v: &[f64], x: f64| v.iter().position(|y| *y == x);
    let mut at = vec![vec![None; ls.len()]; ts.len()];
    for &i in idx {
        if let (Some(a), Some(b)) = (pos(&ts, t[i]), pos(&ls, lb[i])) {
            at[a][b] = Some(i);
        }
    }
    idx.iter()
        .copied()
        .filter(|&i| lb[i] > 0.0)
        .filter(|&i| {
            let (a, b) = (pos(&ts, t[i]).unwrap_or(0), pos(&ls, lb[i]).unwrap_or(0));
            let s = du[i].signum();
            let near = [
                (a.wrapping_sub(1), b),
                (a + 1, b),
                (a, b.wrapping_sub(1)),
                (a, b + 1),
            ];
            near.iter().all(
                |&(x, y)| match at.get(x).and_then(|r| r.get(y)).copied().flatten() {
                    Some(j) => lb[j] == 0.0 || du[j].signum() == s,
                    None => true,
                },
            )
        })
        .collect()
}

pub fn checks(data: &Data, summary: &mut Summary, out: &mut Vec<Check>) -> anyhow::Result<()> {
    let Some(df) = data.read(Table::TgBurgersMap)? else {
        return Ok(());
    };
    let file = data.rel(Table::TgBurgersMap);
    const CLAIMS: &[Claim] = &[Claim::UPrimeMap];
    let t = column_f64(&df, col::T)?;
    let lb = column_f64(&df, col::LAMBDA_B)?;
    let rho = column_f64(&df, col::RHO)?;
    let du = column_f64(&df, col::DU_DRHO)?;
    let mu = column_f64(&df, col::MU_B)?;
    anyhow::ensure!(!t.is_empty(), "empty table");
    let k_f = (2.0 * mu[0]).sqrt();
    let (t_lo, t_hi) = t
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    let keys: Vec<u64> = rho.iter().map(|r| r.to_bits()).collect();
    let groups = groups(&keys);
    // where the largest |u'| lies at each density: (rho, lambda_B*/w(T*))
    let located: Vec<(f64, f64)> = groups
        .iter()
        .filter_map(|(rb, idx)| {
            let best = idx
                .iter()
                .copied()
                .filter(|&i| lb[i] > 0.0)
                .max_by(|&a, &b| du[a].abs().total_cmp(&du[b].abs()))?;
            Some((
                f64::from_bits(*rb),
                lb[best] / thermal_half_width(t[best], mu[best]),
            ))
        })
        .collect();
    let elsewhere = |r: f64| -> String {
        let v: Vec<String> = located
            .iter()
            .filter(|(x, _)| *x != r)
            .map(|(x, q)| format!("{} w at ρ = {}", sig3(*q), sig3(*x)))
            .collect();
        v.join(", ")
    };
    for (rb, idx) in groups.clone() {
        let r = f64::from_bits(rb);
        let cells: Vec<usize> = idx.iter().copied().filter(|&i| lb[i] > 0.0).collect();
        if cells.is_empty() {
            continue;
        }
        let away = away_from_zeros(&idx, &t, &lb, &du);
        let (q05, q95) = away
            .iter()
            .map(|&i| du[i].abs())
            .fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
        let decades = (q95 / q05).log10();
        let neg = cells.iter().filter(|&&i| du[i] < 0.0).count();
        out.push(
            Check::new(
                CLAIMS,
                format!("tg_burgers_map.decades[rho={}]", sig3(r)),
                format!(
                    "|u'| {}–{}: {decades:.1} decades over the {} of {} cells away from zeros of u' (T {}–{}, λ_B ≤ {} k_F); u' < 0 in {neg}",
                    sig3(q05),
                    sig3(q95),
                    away.len(),
                    cells.len(),
                    sig3(t_lo),
                    sig3(t_hi),
                    sig3(cells.iter().map(|&i| lb[i]).fold(0.0, f64::max) / k_f),
                ),
                Rule::AtLeast {
                    what: "decades",
                    value: decades,
                    bound: SEVERAL_DECADES,
                },
                &file,
            )
            .with_note("\"several orders of magnitude\""),
        );
        let best = cells
            .iter()
            .copied()
            .max_by(|&a, &b| du[a].abs().total_cmp(&du[b].abs()))
            .expect("non-empty");
        let (ts, ls) = (t[best], lb[best]);
        let w = thermal_half_width(ts, mu[best]);
        let frac_t = (ts / t_lo).ln() / (t_hi / t_lo).ln();
        let ratio = ls / w;
        let low_t = frac_t <= LOW_T_FRACTION;
        let below = (SLIGHTLY_BELOW..1.0).contains(&ratio);
        // the edge of the region where u' has the sign of the maximum, at T*
        let same_sign_edge = idx
            .iter()
            .copied()
            .filter(|&i| t[i] == ts && lb[i] > 0.0 && du[i].signum() == du[best].signum())
            .map(|i| lb[i])
            .fold(0.0f64, f64::max);
        out.push(
            Check::new(
                CLAIMS,
                format!("tg_burgers_map.largest_u'[rho={}]", sig3(r)),
                format!(
                    "max |u'| = {} at T = {} (at {:.0}% of the log T range), λ_B = {} k_F = {} w(T)",
                    sig3(du[best].abs()),
                    sig3(ts),
                    100.0 * frac_t,
                    sig3(ls / k_f),
                    sig3(ratio)
                ),
                Rule::Holds {
                    what: "T* in the lowest quarter of log T, 0.7 <= lambda_B*/w(T*) < 1",
                    holds: low_t && below,
                },
                &file,
            )
            .with_note("w = (width of ρ_th)/2, half the FWHM of n_th")
            .finding(format!(
                "at ρ = {} the largest |u'| lies inside the region where u' {} 0 (λ_B ≤ {} k_F at T = {}), at λ_B* = {} w(T*); the location depends on the tube density ({})",
                sig3(r),
                if du[best] > 0.0 { ">" } else { "<" },
                sig3(same_sign_edge / k_f),
                sig3(ts),
                sig3(ratio),
                elsewhere(r)
            )),
        );
        summary.put(
            "tg_burgers_map",
            format!("max_abs_du_drho[rho={}]", sig3(r)),
            Quantity::deterministic(du[best].abs(), 0.0),
        );
        summary.put(
            "tg_burgers_map",
            format!("decades_away_from_zeros[rho={}]", sig3(r)),
            Quantity::deterministic(decades, 0.0),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_next_to_a_sign_change_are_left_out() {
        // 1 x 4 grid in lambda_B (T fixed): 0 | + | + | -  -> only the second cell is away
        let t = [1.0; 4];
        let lb = [0.0, 1.0, 2.0, 3.0];
        let du = [0.0, 2.0, 1.0, -1.0];
        assert_eq!(away_from_zeros(&[0, 1, 2, 3], &t, &lb, &du), vec![1]);
    }
}
