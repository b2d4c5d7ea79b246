//! `AUDIT.md` as a document: a summary table with one row per claim of the paper (verdict, one
//! line of key evidence, link to its section), the counts, then one section per claim (the
//! statement, what was measured, one row per check, series of near-identical checks collapsed
//! into one row, the figure that shows it, the data files). Generated from the check results,
//! deterministic (no dates), so `verify --check` can compare it with the committed file.

use std::collections::BTreeMap;

use crate::check::{Check, Outcome, Rule};
use crate::claim::{Claim, Verdict, verdict};

/// The audit file of a profile: `AUDIT.md` for the paper's statistics (the default profile,
/// the one a reader wants), `AUDIT.<profile>.md` for the others (the CI's `quick` audit).
pub fn file_name(profile: &str) -> String {
    if profile == "paper" {
        "AUDIT.md".to_owned()
    } else {
        format!("AUDIT.{profile}.md")
    }
}

/// The profile whose figures are committed beside its audit (`AUDIT.md` links them, so they
/// read on the repository's web page without a run); the other profiles' figures stay
/// untracked.
pub const COMMITTED_FIGURES_PROFILE: &str = "paper";

/// Longest line of the report.
pub const MAX_LINE: usize = 300;
/// Longest statistic in a table cell (the whole one: `cargo xtask verify --verbose`).
const MAX_CELL: usize = 150;

fn cell(s: &str) -> String {
    cell_within(s, MAX_CELL)
}

fn cell_within(s: &str, max: usize) -> String {
    let s = s.replace('|', "\\|");
    if s.chars().count() <= max {
        return s;
    }
    let mut t: String = s.chars().take(max.max(2) - 1).collect();
    t.push('…');
    t
}

/// A table row `| head | statistic | threshold | outcome |` within [`MAX_LINE`]: the statistic
/// cell gives way (the whole one: `cargo xtask verify --verbose`).
fn table_row(head: &str, statistic: &str, threshold: &str, outcome: &str) -> String {
    let threshold = cell_within(threshold, 90);
    let fixed = format!("| {head} |  | {threshold} | {outcome} |")
        .chars()
        .count();
    let statistic = cell_within(statistic, MAX_CELL.min(MAX_LINE.saturating_sub(fixed)));
    format!("| {head} | {statistic} | {threshold} | {outcome} |\n")
}

/// GitHub's heading anchor.
fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// `fig3.du_drho_vs_FD[3a,N=2]` -> (`fig3.du_drho_vs_FD`, `3a,N=2`).
fn series(name: &str) -> (&str, &str) {
    match name.split_once('[') {
        Some((s, rest)) => (s, rest.trim_end_matches(']')),
        None => (name, ""),
    }
}

/// Outcome counts of a set of checks, e.g. `18 PASS` or `3 PASS, 1 FINDING`.
fn outcome_counts(checks: &[&Check]) -> String {
    let order = [
        Outcome::Fail,
        Outcome::Finding,
        Outcome::NotConverged,
        Outcome::Pass,
        Outcome::Skip,
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|o| {
            let n = checks.iter().filter(|c| c.outcome == *o).count();
            (n > 0).then(|| {
                if checks.len() == 1 {
                    o.to_string()
                } else {
                    format!("{n} {o}")
                }
            })
        })
        .collect();
    parts.join(", ")
}

/// One table row: one check, or a collapsed series of them.
fn row(group: &[&Check]) -> String {
    if let [c] = group {
        return table_row(
            &format!("`{}`", c.name),
            &c.statistic,
            &c.threshold(),
            &c.outcome.to_string(),
        );
    }
    let (name, first) = series(&group[0].name);
    let last = series(&group[group.len() - 1].name).1;
    let verdicts = group
        .iter()
        .filter(|c| matches!(c.rule, Rule::Verdict { .. }))
        .count();
    let statistic = if verdicts == group.len() {
        let converged = group
            .iter()
            .filter(|c| c.verdict() == Some("converged"))
            .count();
        let worst = group
            .iter()
            .max_by(|a, b| a.margin().total_cmp(&b.margin()))
            .expect("non-empty");
        format!(
            "{converged} of {} converged; e.g. [{}] {}",
            group.len(),
            series(&worst.name).1,
            worst.statistic
        )
    } else {
        let worst = group
            .iter()
            .max_by(|a, b| a.margin().total_cmp(&b.margin()))
            .expect("non-empty");
        format!(
            "closest to its threshold: [{}] {}",
            series(&worst.name).1,
            worst.statistic
        )
    };
    let thresholds: Vec<String> = group.iter().map(|c| c.threshold()).collect();
    let threshold = if thresholds.iter().all(|t| *t == thresholds[0]) {
        thresholds[0].clone()
    } else {
        "per case (`cargo xtask verify`)".into()
    };
    table_row(
        &format!("`{name}[…]` ({} cases: {first} … {last})", group.len()),
        &statistic,
        &threshold,
        &outcome_counts(group),
    )
}

/// The rows of a claim's table: series of more than three checks collapse into one row.
fn rows(checks: &[&Check]) -> String {
    let mut by_series: Vec<(&str, Vec<&Check>)> = Vec::new();
    for c in checks {
        let s = series(&c.name).0;
        match by_series.iter_mut().find(|(k, _)| *k == s) {
            Some((_, v)) => v.push(c),
            None => by_series.push((s, vec![c])),
        }
    }
    let mut out = String::new();
    for (_, group) in by_series {
        if group.len() > 3 {
            out.push_str(&row(&group));
        } else {
            for c in group {
                out.push_str(&row(&[c]));
            }
        }
    }
    out
}

/// One line of key evidence for the summary table.
fn key_evidence(v: Verdict, checks: &[&Check]) -> String {
    let live: Vec<&&Check> = checks
        .iter()
        .filter(|c| c.outcome != Outcome::Skip)
        .collect();
    let worst = |o: Outcome| live.iter().find(|c| c.outcome == o);
    let shown = match v {
        Verdict::NotCheckable => return "-".into(),
        Verdict::Fails => worst(Outcome::Fail).map(|c| format!("`{}`: {}", c.name, c.statistic)),
        Verdict::Finding => {
            worst(Outcome::Finding).map(|c| format!("`{}`: {}", c.name, c.statistic))
        }
        // the first check of a range claim states where in the range it holds
        Verdict::InPart => live.first().map(|c| c.statistic.clone()),
        Verdict::NotConvergent => {
            let n = live
                .iter()
                .filter(|c| matches!(c.rule, Rule::Verdict { .. }))
                .count();
            let bad = live
                .iter()
                .filter(|c| c.outcome == Outcome::NotConverged)
                .count();
            Some(format!("{bad} of {n} truncated sequences do not converge"))
        }
        _ => live
            .iter()
            .max_by(|a, b| a.margin().total_cmp(&b.margin()))
            .map(|c| {
                format!(
                    "{} checks pass; closest: `{}`: {}",
                    live.len(),
                    c.name,
                    c.statistic
                )
            }),
    };
    cell_within(&shown.unwrap_or_default(), 140)
}

/// The whole audit file. Deterministic in the check results (no dates), so `--check` can
/// compare it with the committed file.
pub fn render(
    profile: &str,
    checks: &[Check],
    regression: &[String],
    regression_ran: bool,
) -> String {
    let mut s = String::new();
    s.push_str("# Audit of the paper's numerical claims\n\n");
    s.push_str(
        "<!-- GENERATED by `cargo xtask verify` from the check results; do not edit by hand. -->\n\n",
    );
    s.push_str(&format!(
        "Paper: \"Burgers equation from non-thermal stationary states in nearly-integrable gases\".\n\
         Evidence from the `{profile}` profile: `cargo xtask reproduce --profile {profile}`, then\n\
         `cargo xtask verify --profile {profile}` (every check with its whole statistic: add `--verbose`).\n\
         Equations, errata and choices: [docs/physics.md](docs/physics.md); parameters: `pipeline.yaml`.\n\n"
    ));
    let mine =
        |c: Claim| -> Vec<&Check> { checks.iter().filter(|k| k.claims.contains(&c)).collect() };
    let verdicts: Vec<(Claim, Verdict)> = Claim::ALL
        .iter()
        .map(|&c| (c, verdict(c, &mine(c))))
        .collect();

    s.push_str("## Summary\n\n| claim | verdict | key evidence |\n|---|---|---|\n");
    for &(c, v) in &verdicts {
        s.push_str(&format!(
            "| [{}](#{}) | {} | {} |\n",
            c.title(),
            slug(c.title()),
            v.label(),
            key_evidence(v, &mine(c))
        ));
    }
    let mut counts: BTreeMap<Verdict, usize> = BTreeMap::new();
    for (_, v) in &verdicts {
        *counts.entry(*v).or_default() += 1;
    }
    let per_verdict: Vec<String> = Verdict::ALL
        .iter()
        .filter_map(|v| {
            counts
                .get(v)
                .map(|n| format!("{n} {}", v.label().replace("**", "")))
        })
        .collect();
    let n = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
    s.push_str(&format!(
        "\n{} claims: {}.\n{} checks: {} pass, {} fail, {} findings (a statement fails for a cause measured in the same data), {} not converged, {} not checkable.\n",
        verdicts.len(),
        per_verdict.join(", "),
        checks.len(),
        n(Outcome::Pass),
        n(Outcome::Fail),
        n(Outcome::Finding),
        n(Outcome::NotConverged),
        n(Outcome::Skip)
    ));

    for &(c, v) in &verdicts {
        let checks = mine(c);
        s.push_str(&format!("\n## {}\n\n> {}\n\n", c.title(), c.statement()));
        s.push_str(&format!("**Verdict: {}.**", v.label().replace("**", "")));
        let (_, note) = c.when_passing();
        match v {
            Verdict::Reproduced | Verdict::Erratum | Verdict::Converged if !note.is_empty() => {
                s.push_str(&format!("\n{note}"));
            }
            Verdict::NotCheckable => {
                if let Some(why) = c.otherwise() {
                    s.push_str(&format!(" {why}."));
                }
            }
            _ => {}
        }
        s.push_str(&format!("\n\nMeasured: {}\n", c.measured()));
        let live: Vec<&Check> = checks
            .iter()
            .copied()
            .filter(|k| k.outcome != Outcome::Skip)
            .collect();
        if !live.is_empty() {
            s.push_str("\n| check | statistic | threshold | outcome |\n|---|---|---|---|\n");
            s.push_str(&rows(&live));
        }
        let causes: Vec<&Check> = live.iter().copied().filter(|k| k.cause.is_some()).collect();
        if !causes.is_empty() {
            s.push_str("\nWhy the findings are findings (causes measured in the same data):\n\n");
            for k in causes {
                s.push_str(&format!(
                    "- `{}`: {}.\n",
                    k.name,
                    k.cause.as_deref().unwrap_or_default()
                ));
            }
        }
        if let Some(f) = c.figure() {
            let path = format!("figures/{profile}/{}.svg", f.name());
            s.push_str(&format!("\nFigure: [{path}]({path})."));
        }
        let mut files: Vec<&str> = live
            .iter()
            .flat_map(|k| k.evidence.split(", "))
            .filter(|e| *e != "-")
            .collect();
        files.sort();
        files.dedup();
        if !files.is_empty() {
            let list: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
            s.push_str(&format!("\nData: {}.\n", list.join(", ")));
        } else {
            s.push('\n');
        }
    }

    let prov: Vec<&Check> = checks
        .iter()
        .filter(|c| c.claims.contains(&Claim::Provenance))
        .collect();
    let of = |stem: &str| -> (usize, usize) {
        let k: Vec<&&Check> = prov.iter().filter(|c| series(&c.name).0 == stem).collect();
        let pass = k.iter().filter(|c| c.outcome == Outcome::Pass).count();
        (k.len(), pass)
    };
    let (stamps, stamps_ok) = of("provenance");
    let (texts, texts_ok) = of("figure_text");
    s.push_str(&format!(
        "\n## Provenance and figure text\n\n{stamps} figure SVGs checked against the manifest (stage fingerprint and code version in `<metadata>`): {stamps_ok} match.\n{texts} figure SVGs checked for their text (no float noise, at most 4 significant digits in a number, inside the canvas, no overlapping text): {texts_ok} pass.\n"
    ));
    for c in prov.iter().filter(|c| c.outcome != Outcome::Pass) {
        s.push_str(&format!("- `{}`: {}\n", c.name, cell(&c.statistic)));
    }
    s.push_str(&format!(
        "\n## Regression against `tests/reference/{profile}.json`\n\n"
    ));
    if !regression_ran {
        s.push_str("No committed reference for this profile.\n");
    } else if regression.is_empty() {
        s.push_str("Every figure summary matches the committed reference within its tolerance.\n");
    } else {
        for r in regression {
            s.push_str(&format!("- {}\n", cell(r)));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn below(value: f64) -> Rule {
        Rule::Below { value, bound: 1e-8 }
    }

    #[test]
    fn verdicts_follow_the_checks() {
        let pass = Check::new(
            &[Claim::Eq89],
            "a",
            "err 1e-9",
            below(1e-9),
            "data/x.parquet",
        );
        let fail = Check::new(&[Claim::Eq89], "b", "err 1", below(1.0), "data/x.parquet");
        assert_eq!(verdict(Claim::Eq89, &[&pass]), Verdict::Erratum);
        assert_eq!(verdict(Claim::Eq89, &[&pass, &fail]), Verdict::Fails);
        let skip = Check::skip(&[Claim::Eq89], "c", "absent");
        assert_eq!(verdict(Claim::Eq89, &[&skip]), Verdict::NotCheckable);
        let nc = Check::new(
            &[Claim::AppF],
            "d",
            "growing",
            Rule::Verdict { converged: false },
            "f",
        );
        assert_eq!(nc.outcome, Outcome::NotConverged);
        assert_eq!(verdict(Claim::AppF, &[&nc]), Verdict::NotConvergent);
        let text = render("quick", &[pass, nc], &[], true);
        assert!(
            text.contains("| [Eq. (89): u'(rho)](#eq-89-urho) | reproduced after an erratum |")
        );
        assert!(text.contains("`data/x.parquet`"));
        assert!(text.lines().all(|l| l.chars().count() <= MAX_LINE));
    }

    #[test]
    fn a_series_collapses_into_one_row() {
        let checks: Vec<Check> = (0..20)
            .map(|i| {
                Check::new(
                    &[Claim::AppF],
                    format!("audit_tg.D_N_convergence[rho={}]", i),
                    "D_N, N 2 -> 16: NOT converged (last increments 1e-1)",
                    Rule::Verdict { converged: false },
                    "f",
                )
            })
            .collect();
        let refs: Vec<&Check> = checks.iter().collect();
        let table = rows(&refs);
        assert_eq!(table.lines().count(), 1, "{table}");
        assert!(table.contains("(20 cases: rho=0 … rho=19)"), "{table}");
        assert!(table.contains("0 of 20 converged"), "{table}");
        assert!(table.contains("20 NOT CONVERGED"), "{table}");
    }
}
