//! The stationary states the figures rest on (stage `stationary_states`): (20), (40) of the
//! swap models and (34) of the TG tubes. Per (system, bath), over its densities:
//!
//! - normalisation: `|int rho_p - rho| / rho`, recomputed here from the table by the trapezoid
//!   rule (the stage's quadrature) — below 1e-10. The root finders stop at 1e-15 relative
//!   (kinetic falls back to 1e-13); summing N <= 1e5 positive terms adds at most N eps = 2e-11.
//! - stationarity (84): `max |eps_st - eps_b - c|` from the record, relative to
//!   `1 + max |eps|` — below 1e-13 (~450 eps): each pseudo-energy is a logarithm of magnitude up
//!   to max |eps|, rounded to a few eps of it; the condition holds exactly in exact arithmetic.
//! - swap models: the collision integral (38)/(39) at the state relative to its loss term —
//!   below 1e-12: gain and loss cancel up to the rounding of the two quadratures N and K (sums of
//!   ~10^3 terms).
//! - agreement with the states the other stages use (record): swap and TG states recomputed on
//!   the transport stages' grids, max difference / max rho_p below 1e-12 (both grids are
//!   converged to ~1e-14: kinetic `velocity_grid_convergence` asserts 1e-12); the Fig. 2 state
//!   against `fig2_velocities`' final theory histogram below the unrelaxed weight
//!   `f = exp(-gamma rho_b t_max)` it contains: that histogram is `(1 - f) (20) + f thermal`, so
//!   it differs from (20) by `f |thermal - (20)|`, and the thermal peak (T = 0.08: 1.41) lies
//!   below the peak of (20) (1.88).

use std::collections::BTreeMap;

use contract::Table;
use contract::frame::{column_cat, column_f64};
use contract::stationary::{Bath, StationaryRecord, System, columns as col};

use crate::Data;
use crate::check::{Check, Rule};
use crate::claim::Claim;
use crate::regression::Summary;

const CLAIMS: &[Claim] = &[Claim::StationaryStates];

pub fn checks(data: &Data, _summary: &mut Summary, out: &mut Vec<Check>) -> anyhow::Result<()> {
    let Some(df) = data.read(Table::StationaryStates)? else {
        return Ok(());
    };
    let file = data.rel(Table::StationaryStates);
    let rec: StationaryRecord = data.record(Table::StationaryStates)?;
    let system: Vec<System> = column_cat(&df, col::SYSTEM)?;
    let bath: Vec<Bath> = column_cat(&df, col::BATH)?;
    let rho = column_f64(&df, col::RHO)?;
    let lambda = column_f64(&df, col::LAMBDA)?;
    let rho_p = column_f64(&df, col::RHO_P)?;

    // normalisation from the table: rows of one state are contiguous, lambda ascending
    let mut norm: BTreeMap<(System, Bath), (f64, usize)> = BTreeMap::new();
    let mut start = 0;
    while start < rho.len() {
        let mut end = start + 1;
        while end < rho.len()
            && system[end] == system[start]
            && bath[end] == bath[start]
            && rho[end] == rho[start]
            && lambda[end] > lambda[end - 1]
        {
            end += 1;
        }
        let integral: f64 = (start..end - 1)
            .map(|i| 0.5 * (lambda[i + 1] - lambda[i]) * (rho_p[i] + rho_p[i + 1]))
            .sum();
        let e = norm.entry((system[start], bath[start])).or_insert((0.0, 0));
        e.0 = e.0.max((integral - rho[start]).abs() / rho[start]);
        e.1 += 1;
        start = end;
    }
    for ((s, b), (err, states)) in &norm {
        out.push(Check::new(
            CLAIMS,
            format!("stationary.normalisation[{s},{b}]"),
            format!("max |∫rho_p - rho|/rho = {err:.2e} over {states} densities (trapezoid of the table)"),
            Rule::Below {
                value: *err,
                bound: 1e-10,
            },
            &file,
        ));
    }

    let mut by_case: BTreeMap<(System, Bath), Vec<&contract::stationary::StateDiagnostics>> =
        BTreeMap::new();
    for d in &rec.states {
        by_case.entry((d.system, d.bath)).or_default().push(d);
    }
    if by_case.keys().ne(norm.keys()) {
        out.push(Check::new(
            CLAIMS,
            "stationary.record_matches_table",
            "the record's (system, bath) cases differ from the table's",
            Rule::Holds {
                what: "same cases",
                holds: false,
            },
            &file,
        ));
    }
    let fold = |v: &[&contract::stationary::StateDiagnostics],
                f: &dyn Fn(&contract::stationary::StateDiagnostics) -> f64| {
        v.iter().map(|d| f(d)).fold(0.0f64, f64::max)
    };
    for ((s, b), v) in &by_case {
        let rel84 = fold(v, &|d| d.residual_84 / (1.0 + d.max_abs_eps));
        let abs84 = fold(v, &|d| d.residual_84);
        let eps = fold(v, &|d| d.max_abs_eps);
        out.push(Check::new(
            CLAIMS,
            format!("stationary.eq84_residual[{s},{b}]"),
            format!(
                "max |eps_st - eps_b - c| = {abs84:.2e} (max |eps| = {eps:.1}); relative to 1 + max |eps|: {rel84:.2e}"
            ),
            Rule::Below {
                value: rel84,
                bound: 1e-13,
            },
            "manifest: stationary_states",
        ));
        if v.iter().all(|d| d.collision_residual.is_some()) {
            let c = fold(v, &|d| d.collision_residual.unwrap_or(f64::NAN));
            out.push(Check::new(
                CLAIMS,
                format!("stationary.collision_integral[{s},{b}]"),
                format!("max |I[rho_st]| / max gamma K rho_st = {c:.2e}"),
                Rule::Below {
                    value: c,
                    bound: 1e-12,
                },
                "manifest: stationary_states",
            ));
        }
        let agree = fold(v, &|d| d.agreement);
        let with = v.first().map_or("-", |d| d.agreement_with.as_str());
        let (bound, why) = if *b == Bath::Fig2 {
            (
                rec.fig2_unrelaxed_fraction,
                "the unrelaxed weight exp(-gamma rho_b t_max) in Fig. 2's final histogram",
            )
        } else {
            (1e-12, "two converged velocity grids")
        };
        out.push(
            Check::new(
                CLAIMS,
                format!("stationary.agreement[{s},{b}]"),
                format!("max |rho_p - other| / max = {agree:.2e} against {with}"),
                Rule::Below {
                    value: agree,
                    bound,
                },
                format!("manifest: stationary_states; {}", with_file(*b, data)),
            )
            .with_note(why),
        );
    }
    Ok(())
}

fn with_file(b: Bath, data: &Data) -> String {
    match b {
        Bath::Fig2 => data.rel(Table::Fig2Velocities),
        Bath::Symmetric | Bath::Asymmetric => data.rel(Table::Transport),
        Bath::Tg3a | Bath::Tg3b | Bath::Tg3c => data.rel(Table::TgTransport),
    }
}
