//! Approach to the hydrodynamic limit (first-order Chapman-Enskog): the kinetic-hydro L1 gap of
//! the narrow bump of `hydro_limit` shrinks at every step in time, in every panel; the
//! log-log slope over the last two times is reported (slip ~ t^-1, beyond-CE cumulants
//! t^-1/2 ... t^-1 once 2 D t >> w^2).

use contract::Table;
use contract::fig5::{Panel, limit as col};
use contract::frame::{column_cat, column_f64};

use super::{groups, pick, sort_by_first};
use crate::Data;
use crate::check::{Check, Rule};
use crate::claim::Claim;
use crate::regression::{Quantity, Summary};

pub fn checks(data: &Data, summary: &mut Summary, out: &mut Vec<Check>) -> anyhow::Result<()> {
    let Some(df) = data.read(Table::HydroLimit)? else {
        return Ok(());
    };
    let panel: Vec<String> = column_cat::<Panel>(&df, col::PANEL)?
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect();
    let t = column_f64(&df, col::T)?;
    let l1 = column_f64(&df, col::L1_KINETIC_HYDRO)?;
    for (p, mut idx) in groups(&panel) {
        sort_by_first(&mut idx, &t);
        let (ts, ds) = (pick(&t, &idx), pick(&l1, &idx));
        for (tt, d) in ts.iter().zip(&ds) {
            summary.put(
                "hydro_limit",
                format!("l1_kinetic_hydro[{p},t={tt}]"),
                Quantity::deterministic(*d, 0.0),
            );
        }
        let n = ts.len();
        let slope = if n >= 2 {
            (ds[n - 1] / ds[n - 2]).ln() / (ts[n - 1] / ts[n - 2]).ln()
        } else {
            f64::NAN
        };
        let shown: Vec<String> = ts
            .iter()
            .zip(&ds)
            .map(|(t, d)| format!("{t}:{d:.3e}"))
            .collect();
        out.push(Check::new(
            &[Claim::Fig5Hydro],
            format!("hydro_limit.kinetic_vs_hydro_L1_shrinking[{p}]"),
            format!(
                "L1/N by t: {} (last log-log slope {slope:.2})",
                shown.join(" ")
            ),
            Rule::Decreasing(ds),
            data.rel(Table::HydroLimit),
        ));
    }
    Ok(())
}
