//! The checks of each figure family: read the data (through the contract), run the statistics
//! of [`crate::stats`] against typed [`Rule`]s, and fill the regression [`Summary`].

mod fig2;
mod fig4;
mod fig5;
mod limit;
mod stationary;
mod tg;
mod tg_map;

use std::collections::BTreeMap;

use contract::Figure;

use crate::check::{Check, Rule};
use crate::claim::Claim;
use crate::regression::Summary;
use crate::{Data, stats};

/// The checks of one figure's data.
type Family = fn(&Data, &mut Summary, &mut Vec<Check>) -> anyhow::Result<()>;

/// Order of the figures in the audit (the order of the evidence in each claim's row).
const ORDER: [Figure; 9] = [
    Figure::StationaryStates,
    Figure::Fig4,
    Figure::Fig2,
    Figure::Fig5,
    Figure::AuditAppC,
    Figure::Fig3,
    Figure::AuditTg,
    Figure::Fig6,
    Figure::TgBurgersMap,
];

/// Every figure's checks (a new figure of the contract is a compile error here until its
/// checks are named) and the claims a failure to read its data bears on.
fn families(figure: Figure) -> (&'static [Claim], &'static [(&'static str, Family)]) {
    match figure {
        Figure::Fig4 => (&[Claim::Fig4], &[("fig4", fig4::checks)]),
        Figure::Fig2 => (&[Claim::Fig2], &[("fig2", fig2::checks)]),
        Figure::Fig5 => (
            &[Claim::Fig5, Claim::Fig5Hydro],
            &[("fig5", fig5::checks), ("hydro_limit", limit::checks)],
        ),
        // the App. C checks read Fig. 5's data and run with its family
        Figure::AuditAppC => (&[Claim::AppC], &[]),
        Figure::Fig3 => (&[Claim::Fig3], &[("fig3", tg::transport)]),
        Figure::AuditTg => (
            &[Claim::AppF, Claim::Eq61, Claim::Fig3aRta],
            &[("audit_tg", tg::full_diffusion), ("rta", tg::rta)],
        ),
        Figure::Fig6 => (&[Claim::Fig6, Claim::AppF], &[("fig6", tg::spectrum)]),
        Figure::TgBurgersMap => (&[Claim::UPrimeMap], &[("tg_burgers_map", tg_map::checks)]),
        Figure::StationaryStates => (
            &[Claim::StationaryStates],
            &[("stationary_states", stationary::checks)],
        ),
    }
}

/// Every check of every figure whose data the pipeline writes.
pub fn all(data: &Data, summary: &mut Summary) -> Vec<Check> {
    let mut out = Vec::new();
    for figure in ORDER {
        let (claims, fams) = families(figure);
        for (name, f) in fams {
            let before = out.len();
            if let Err(e) = f(data, summary, &mut out) {
                out.push(Check::new(
                    claims,
                    format!("{name}.data"),
                    format!("cannot read the data: {e:#}"),
                    Rule::Holds {
                        what: "readable",
                        holds: false,
                    },
                    "-",
                ));
            }
            if out.len() == before {
                out.push(Check::skip(
                    claims,
                    format!("{name}.*"),
                    "stage not in pipeline.yaml: not checkable",
                ));
            }
        }
    }
    out
}

/// Indices of rows grouped by a key, in first-appearance order.
fn groups<K: Ord + Clone>(keys: &[K]) -> Vec<(K, Vec<usize>)> {
    let mut order: Vec<K> = Vec::new();
    let mut m: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        m.entry(k.clone()).or_insert_with(|| {
            order.push(k.clone());
            Vec::new()
        });
        m.get_mut(k).expect("inserted").push(i);
    }
    order
        .into_iter()
        .map(|k| {
            let v = m.remove(&k).expect("present");
            (k, v)
        })
        .collect()
}

fn pick(v: &[f64], idx: &[usize]) -> Vec<f64> {
    idx.iter().map(|&i| v[i]).collect()
}

fn sort_by_first(idx: &mut [usize], x: &[f64]) {
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
}

/// A claimed derivative `dy` of `y(x)` against finite differences ([`stats::fd_test`]).
fn fd_check(
    claims: &'static [Claim],
    name: String,
    x: &[f64],
    y: &[f64],
    dy: &[f64],
    file: &str,
) -> Check {
    let Some(t) = stats::fd_test(x, y, dy) else {
        return Check::skip(
            claims,
            name,
            format!(
                "{} grid points (< 5): finite-difference test not possible",
                x.len()
            ),
        );
    };
    Check::new(
        claims,
        name,
        format!(
            "max|FD_h - claimed| = {:.2e}, FD_2h: {:.2e} (observed order {:.2}, scale {:.2e})",
            t.err_h,
            t.err_2h,
            t.order(),
            t.scale
        ),
        Rule::Derivative(t),
        file,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_is_audited() {
        let mut order = ORDER.to_vec();
        order.sort();
        assert_eq!(order, Figure::ALL.to_vec());
    }

    #[test]
    fn groups_keep_first_appearance_order() {
        let g = groups(&["b", "a", "b", "c", "a"]);
        assert_eq!(
            g,
            vec![("b", vec![0, 2]), ("a", vec![1, 4]), ("c", vec![3])]
        );
    }
}
