//! Tonks-Girardeau tubes: Fig. 3 (D_RTA = tau_RTA Var (77), nu = D_RTA / u', u' against finite
//! differences of u) and the truncation audit (D_N and g_1 against the basis size N, D and g_1
//! against the cutoff Lambda: convergence verdicts by [`stats::convergence`]; closed form of
//! (61) against the direct FEM solution).

use contract::Table;
use contract::frame::{column_cat, column_f64, column_opt_f64};
use contract::tg::{
    FullDiffusionRecord, Method, Panel, full_diffusion, spectrum, transport as col,
};

use super::{fd_check, groups, pick, sort_by_first};
use crate::check::{Check, Rule};
use crate::claim::Claim;
use crate::regression::{Quantity, Summary};
use crate::{Data, stats};

/// Fig. 3 data, one curve per (panel, basis size N behind tau_RTA).
pub fn transport(data: &Data, summary: &mut Summary, out: &mut Vec<Check>) -> anyhow::Result<()> {
    let Some(df) = data.read(Table::TgTransport)? else {
        return Ok(());
    };
    let file = data.rel(Table::TgTransport);
    let panel: Vec<Panel> = column_cat(&df, col::PANEL)?;
    let rho = column_f64(&df, col::RHO)?;
    let u = column_f64(&df, col::U)?;
    let du = column_f64(&df, col::DU_DRHO)?;
    let var = column_f64(&df, col::VAR_LAMBDA)?;
    let tau = column_f64(&df, col::TAU_RTA)?;
    let d = column_f64(&df, col::D_RTA)?;
    let nu = column_opt_f64(&df, col::NU_BURGERS)?;
    let nb = column_opt_f64(&df, col::BASIS_SIZE)?;
    let keys: Vec<String> = panel
        .iter()
        .zip(&nb)
        .map(|(p, n)| format!("{p},N={}", n.map_or("-".into(), |n| n.to_string())))
        .collect();
    for (p, mut idx) in groups(&keys) {
        sort_by_first(&mut idx, &rho);
        let x = pick(&rho, &idx);
        let prod: Vec<f64> = idx.iter().map(|&i| tau[i] * var[i]).collect();
        let rel = stats::max_rel_diff(&pick(&d, &idx), &prod);
        out.push(Check::new(
            &[Claim::Eq77, Claim::Fig3],
            format!("fig3.D_rta_eq77[{p}]"),
            format!("max rel |D_RTA - tau Var| = {rel:.2e}"),
            Rule::Below {
                value: rel,
                bound: 1e-12,
            },
            &file,
        ));
        let nurel = idx
            .iter()
            .filter_map(|&i| nu[i].map(|n| ((n - d[i] / du[i]) / n).abs()))
            .fold(0.0, f64::max);
        out.push(Check::new(
            &[Claim::Fig3],
            format!("fig3.nu_equals_D_rta_over_du[{p}]"),
            format!("max rel diff {nurel:.2e}"),
            Rule::Below {
                value: nurel,
                bound: 1e-12,
            },
            &file,
        ));
        out.push(fd_check(
            &[Claim::Fig3, Claim::Eq89],
            format!("fig3.du_drho_vs_FD[{p}]"),
            &x,
            &pick(&u, &idx),
            &pick(&du, &idx),
            &file,
        ));
        let n = idx.len();
        let mut sel: Vec<usize> = vec![0, n / 2, n.saturating_sub(1)];
        sel.dedup();
        for k in sel {
            let i = idx[k];
            summary.put(
                "fig3",
                format!("D_rta[{p},rho={}]", rho[i]),
                Quantity::deterministic(d[i], 0.0),
            );
            summary.put(
                "fig3",
                format!("u[{p},rho={}]", rho[i]),
                Quantity::deterministic(u[i], 0.0),
            );
            if let Some(v) = nu[i] {
                summary.put(
                    "fig3",
                    format!("nu[{p},rho={}]", rho[i]),
                    Quantity::deterministic(v, 0.0),
                );
            }
        }
        let neg = idx
            .iter()
            .filter(|&&i| nu[i].is_some_and(|v| v < 0.0))
            .count();
        let tot = idx.iter().filter(|&&i| nu[i].is_some()).count();
        if tot > 0 {
            summary.put(
                "fig3",
                format!("fraction_nu_negative[{p}]"),
                Quantity::deterministic(neg as f64 / tot as f64, 0.0),
            );
        }
    }
    Ok(())
}

/// One convergence sequence: its verdict by [`stats::convergence`].
fn verdict_check(
    claims: &'static [Claim],
    name: String,
    xs: &[f64],
    vals: &[f64],
    what: &str,
    file: &str,
) -> Check {
    let v = stats::convergence(vals);
    let last: Vec<String> = v
        .increments
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|d| format!("{d:.1e}"))
        .collect();
    let stat = format!(
        "{what} {} -> {}: {} (last increments {})",
        xs.first().map_or(String::new(), |x| x.to_string()),
        xs.last().map_or(String::new(), |x| x.to_string()),
        if v.converged {
            "converged"
        } else {
            "NOT converged"
        },
        last.join(", "),
    );
    Check::new(
        claims,
        name,
        stat,
        Rule::Verdict {
            converged: v.converged,
        },
        file,
    )
}

/// One truncation-convergence table of the Tonks-Girardeau stages: a value per (rho, method)
/// against the basis size N (`galerkin`) or the cutoff Lambda (other methods).
struct ConvergenceTable {
    table: Table,
    /// value column and its name in check ids / summary keys (`D`, `g1`)
    value: &'static str,
    /// figure the summary quantities belong to
    figure: &'static str,
    /// check id stems for (galerkin, cutoff): `{figure}.{stem}_convergence[rho=..]`
    stems: [&'static str; 2],
    /// axis labels for (galerkin, cutoff)
    labels: [&'static str; 2],
    claims: &'static [Claim],
}

fn convergence_table(
    data: &Data,
    t: &ConvergenceTable,
    summary: &mut Summary,
    out: &mut Vec<Check>,
) -> anyhow::Result<()> {
    let Some(df) = data.read(t.table)? else {
        return Ok(());
    };
    let file = data.rel(t.table);
    // both tables share the column names rho, method, N, cutoff
    let rho = column_f64(&df, spectrum::RHO)?;
    let meth: Vec<Method> = column_cat(&df, spectrum::METHOD)?;
    let n = column_opt_f64(&df, spectrum::N)?;
    let cut = column_opt_f64(&df, spectrum::CUTOFF)?;
    let val = column_f64(&df, t.value)?;
    let keys: Vec<(u64, String)> = rho
        .iter()
        .map(|r| r.to_bits())
        .zip(meth.iter().map(|m| m.as_str().to_owned()))
        .collect();
    for ((rb, m), idx) in groups(&keys) {
        let r = f64::from_bits(rb);
        let q = usize::from(meth[idx[0]] != Method::Galerkin);
        let param = if q == 0 { &n } else { &cut };
        let mut pts: Vec<(f64, f64)> = idx
            .iter()
            .filter_map(|&i| param[i].map(|p| (p, val[i])))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (xs, vs): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        out.push(verdict_check(
            t.claims,
            format!("{}.{}_convergence[rho={r}]", t.figure, t.stems[q]),
            &xs,
            &vs,
            t.labels[q],
            &file,
        ));
        let axis = ["N", "Lambda"][q];
        for (x, v) in &pts {
            summary.put(
                t.figure,
                format!("{}[{m},rho={r},{axis}={x}]", t.value),
                Quantity::deterministic(*v, 0.0),
            );
        }
    }
    Ok(())
}

/// Truncation audit of the full D: D_N vs N and D vs Lambda (61), closed form vs direct FEM.
pub fn full_diffusion(
    data: &Data,
    summary: &mut Summary,
    out: &mut Vec<Check>,
) -> anyhow::Result<()> {
    convergence_table(
        data,
        &ConvergenceTable {
            table: Table::TgFullDiffusion,
            value: full_diffusion::D,
            figure: "audit_tg",
            stems: ["D_N", "D_Lambda"],
            labels: ["D_N, N", "D(Lambda), Lambda"],
            claims: &[Claim::AppF, Claim::Eq61],
        },
        summary,
        out,
    )?;
    if data.table(Table::TgFullDiffusion).is_some() {
        let rec: FullDiffusionRecord = data.record(Table::TgFullDiffusion)?;
        let w = rec.max_rel_diff_closed_form_vs_fem_direct;
        out.push(Check::new(
            &[Claim::Eq61, Claim::Fig3],
            "audit_tg.D_closed_form_vs_FEM_direct",
            format!("max rel diff {w:.2e} (manifest record)"),
            Rule::Below {
                value: w,
                bound: 1e-4,
            },
            format!("manifest: {}", data.rel(Table::TgFullDiffusion)),
        ));
    }
    Ok(())
}

/// Fig. 6 and Appendix F: g_1 vs N (Galerkin) and vs Lambda (FEM).
pub fn spectrum(data: &Data, summary: &mut Summary, out: &mut Vec<Check>) -> anyhow::Result<()> {
    convergence_table(
        data,
        &ConvergenceTable {
            table: Table::TgSpectrum,
            value: spectrum::G1,
            figure: "fig6",
            stems: ["g1_N", "g1_Lambda"],
            labels: ["g1(N), N", "g1(Lambda), Lambda"],
            claims: &[Claim::Fig6, Claim::AppF],
        },
        summary,
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Outcome;

    #[test]
    fn verdict_check_computes_the_verdict() {
        // geometric convergence: converged; linear growth: not convergent
        let xs: Vec<f64> = (1..=8).map(f64::from).collect();
        let conv: Vec<f64> = xs.iter().map(|n| 1.0 + 0.1f64.powf(*n)).collect();
        let c = verdict_check(&[Claim::AppF], "t".into(), &xs, &conv, "D_N, N", "f");
        assert_eq!((c.outcome, c.verdict()), (Outcome::Pass, Some("converged")));
        let lin: Vec<f64> = xs.iter().map(|n| 1.0 + 0.3 * n).collect();
        let c = verdict_check(&[Claim::AppF], "t".into(), &xs, &lin, "D_N, N", "f");
        assert_eq!(c.verdict(), Some("not convergent"));
        assert!(c.statistic.contains("NOT converged"));
    }
}
