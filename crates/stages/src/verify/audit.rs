//! `AUDIT.md`: one row per numerical claim of the paper, generated from the check results.
//! The verdict of a row follows from its checks: all pass -> the row's verdict when reproduced
//! (`reproduced`, or `erratum` where the printed statement is wrong and the corrected one is what
//! passes); any failure -> `NOT reproduced`; a check that establishes a convergence verdict
//! ("not convergent") overrides; no data -> `not checkable`.

use super::{Check, Outcome};

/// The audit file of a profile: `AUDIT.md` for the paper's statistics (the default profile,
/// the one a reader wants), `AUDIT.<profile>.md` for the others (the CI's `quick` audit).
pub fn file_name(profile: &str) -> String {
    if profile == "paper" {
        "AUDIT.md".to_owned()
    } else {
        format!("AUDIT.{profile}.md")
    }
}

/// A numerical claim of the paper.
pub struct Claim {
    pub key: &'static str,
    pub claim: &'static str,
    /// Verdict when every check passes.
    pub when_pass: &'static str,
    /// Why a row is not checkable from the pipeline data, if it never is.
    pub otherwise: &'static str,
}

pub const CLAIMS: &[Claim] = &[
    Claim {
        key: "fig2",
        claim: "Fig. 2: MD kinetic energy e(t) of the classical swap model agrees with the kinetic eq. (38); initial distribution thermal",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "eq20",
        claim: "Eq. (20): classical stationary state (final velocity histogram of Fig. 2; classical u, D; Fig. 5 panels a, c)",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "eq40",
        claim: "Eq. (40): fermionic stationary state (fermionic u = dJ/drho; Fig. 5 panels b, d MD vs kinetic)",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "eq88",
        claim: "Eq. (88): u = (h1|h0)/(h0|h0) equals dJ/drho of the stationary current",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "eq89",
        claim: "Eq. (89): u'(rho)",
        when_pass: "erratum: printed form is identically 0; corrected u' = -2 chi (h1-u|n_st)/(h0|h0)^2 (PHYSICS.md) agrees with finite differences",
        otherwise: "",
    },
    Claim {
        key: "eq99",
        claim: "Eq. (99): D(rho) of the swap models; equals the direct solution of (61)-(63) with the linearised collision operator",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "eq100_103",
        claim: "Eqs. (100)-(103): classical limits of D (D = T/(gamma rho_b) for a thermal bath)",
        when_pass: "reproduced",
        otherwise: "not checkable from the figure data (thermal-bath limits are unit tests of crates/kinetic)",
    },
    Claim {
        key: "tableI",
        claim: "Table I: classical -> diffusion (u constant); fermions, symmetric bath -> diffusion; fermions, asymmetric bath -> Burgers (u' != 0, skewed profile)",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "fig3",
        claim: "Fig. 3: TG tubes D_RTA vs full D (a); Burgers parameter nu = D_RTA/u' (b, c)",
        when_pass: "reproduced (numbers depend on the basis size N: see Appendix F row)",
        otherwise: "",
    },
    Claim {
        key: "eq77",
        claim: "Eq. (77): D_RTA = tau_RTA (dj1/drho - u^2) = tau_RTA Var_m(lambda) in TG",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "eq61",
        claim: "Eq. (61): full D of TG tubes (closed form vs direct FEM solution; D vs cutoff Lambda)",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "fig4",
        claim: "Fig. 4: D(rho) and u(rho) of the swap models; fermionic statistics make both density-dependent",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "fig5",
        claim: "Fig. 5: MD density profiles agree with the theory for panels (a)-(d)",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "fig5_hydro",
        claim: "Fig. 5: hydrodynamic eq. (2) describes the profiles (first-order Chapman-Enskog: the kinetic-hydro gap shrinks as gradients weaken)",
        when_pass: "reproduced: in the Fig. 5 window the kinetic-hydro gap is below the MD resolution; it shrinks in time once 2Dt >> w^2 (narrow bump, hydro_limit); in the Fig. 5 window itself it is pre-asymptotic (initial slip + beyond-CE cumulants growing ~t)",
        otherwise: "",
    },
    Claim {
        key: "fig5d",
        claim: "Fig. 5(d): fermions in an asymmetric bath develop Burgers skewness",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "fig6",
        claim: "Fig. 6: smallest non-zero eigenvalue g_1 of the linearised TG collision operator vs rho",
        when_pass: "reproduced",
        otherwise: "",
    },
    Claim {
        key: "appC",
        claim: "Appendix C: fermionic cell algorithm (MD of panels b, d); \"no matter how [duplicates are] resolved, density profiles do not change significantly\"",
        when_pass: "reproduced after the erratum (step 2(c) as printed collides with probability 1 - R dt; corrected by exact thinning): the profiles depend neither on the duplicate rule nor on the time step",
        otherwise: "",
    },
    Claim {
        key: "appF",
        claim: "Appendix F: the polynomial-basis (Galerkin) D_N and g_1 converge with basis size N",
        when_pass: "converged",
        otherwise: "",
    },
    Claim {
        key: "normalisation",
        claim: "Normalisations: particle number of MD histograms, mass conservation of kinetic and hydro solutions",
        when_pass: "reproduced",
        otherwise: "",
    },
];

fn esc(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Verdict of a claim from its checks.
pub fn verdict(claim: &Claim, checks: &[&Check]) -> String {
    let live: Vec<&&Check> = checks
        .iter()
        .filter(|c| c.outcome != Outcome::Skip)
        .collect();
    if live.is_empty() {
        return if claim.otherwise.is_empty() {
            "not checkable (data not produced by this pipeline)".into()
        } else {
            claim.otherwise.into()
        };
    }
    if live.iter().any(|c| c.outcome == Outcome::Fail) {
        return "**NOT reproduced** (a check fails)".into();
    }
    if live.iter().any(|c| c.outcome == Outcome::Finding) {
        return "**NOT reproduced** (finding: the paper's statement fails for a measured reason, see the FINDING evidence)".into();
    }
    if live
        .iter()
        .any(|c| c.verdict.as_deref() == Some("not convergent"))
    {
        return "not convergent (criterion of tg::convergence; see evidence)".into();
    }
    claim.when_pass.into()
}

/// The whole `AUDIT.md` text. Deterministic in the check results (no dates), so `--check`
/// can compare it with the committed file.
pub fn render(
    profile: &str,
    checks: &[Check],
    regression: &[String],
    regression_ran: bool,
) -> String {
    let mut s = String::new();
    s.push_str("# Audit of the paper's numerical claims\n\n");
    s.push_str("<!-- GENERATED by `cargo xtask verify` from the check results; do not edit by hand. -->\n\n");
    s.push_str(&format!(
        "Evidence from the `{profile}` profile (`cargo xtask reproduce --profile {profile} && cargo xtask verify --profile {profile}`).\n\
         Paper: \"Burgers equation from non-thermal stationary states in nearly-integrable gases\". \
         Errata and open parameters: `PHYSICS.md` notes; parameters: `pipeline.yaml`.\n\n"
    ));
    s.push_str("| claim | verdict | measured evidence | checks / data |\n|---|---|---|---|\n");
    for c in CLAIMS {
        let mine: Vec<&Check> = checks
            .iter()
            .filter(|k| k.claims.contains(&c.key))
            .collect();
        let ev: Vec<String> = mine
            .iter()
            .filter(|k| k.outcome != Outcome::Skip)
            .map(|k| format!("{}: {} [{}]", k.name, k.statistic, k.outcome))
            .collect();
        let mut files: Vec<&str> = mine
            .iter()
            .filter(|k| k.outcome != Outcome::Skip)
            .map(|k| k.evidence.as_str())
            .collect();
        files.sort();
        files.dedup();
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            esc(c.claim),
            esc(&verdict(c, &mine)),
            if ev.is_empty() {
                "-".into()
            } else {
                esc(&ev.join("<br>"))
            },
            if files.is_empty() {
                "-".into()
            } else {
                esc(&files.join(", "))
            }
        ));
    }
    let n = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
    s.push_str(&format!(
        "\n## Totals\n\n{} checks: {} pass, {} fail, {} findings (the paper's statement fails for a measured reason), {} not checkable. Thresholds and statistics of every check: `cargo xtask verify --profile {profile}`.\n",
        checks.len(),
        n(Outcome::Pass),
        n(Outcome::Fail),
        n(Outcome::Finding),
        n(Outcome::Skip)
    ));
    let prov: Vec<&Check> = checks
        .iter()
        .filter(|c| c.claims.contains(&"provenance"))
        .collect();
    s.push_str(&format!(
        "\n## Provenance\n\n{} figure SVGs checked against the manifest (stage fingerprint and code version in `<metadata>`): {} match.\n",
        prov.len(),
        prov.iter().filter(|c| c.outcome == Outcome::Pass).count()
    ));
    s.push_str("\n## Regression against `tests/reference/");
    s.push_str(profile);
    s.push_str(".json`\n\n");
    if !regression_ran {
        s.push_str("No committed reference for this profile.\n");
    } else if regression.is_empty() {
        s.push_str("Every figure summary matches the committed reference within its tolerance.\n");
    } else {
        for r in regression {
            s.push_str(&format!("- {r}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_checks() {
        let claim = &CLAIMS.iter().find(|c| c.key == "eq89").unwrap();
        let pass = Check::new(&["eq89"], "a", "err 1e-9", "t", true, "data/x.parquet");
        let fail = Check::new(&["eq89"], "b", "err 1", "t", false, "data/x.parquet");
        assert!(verdict(claim, &[&pass]).starts_with("erratum"));
        assert!(verdict(claim, &[&pass, &fail]).contains("NOT reproduced"));
        let skip = Check::skip(&["eq89"], "c", "absent");
        assert!(verdict(claim, &[&skip]).starts_with("not checkable"));
        let nc =
            Check::new(&["appF"], "d", "growing", "t", true, "f").with_verdict("not convergent");
        let app = CLAIMS.iter().find(|c| c.key == "appF").unwrap();
        assert!(verdict(app, &[&nc]).starts_with("not convergent"));
        let text = render("quick", &[pass, nc], &[], true);
        assert!(text.contains("| Eq. (89): u'(rho) | erratum"));
        assert!(text.contains("data/x.parquet"));
    }
}
