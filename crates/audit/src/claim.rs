//! The paper's numerical claims the audit checks. Every check names the claims it bears on; a
//! claim's verdict follows from its checks ([`verdict`]); the report has one row per claim in
//! [`Claim::ALL`] order. A new claim is a new variant: every `match` below must handle it.

use crate::check::{Check, Outcome};

/// A numerical claim of the paper (or, for [`Claim::Provenance`], of this reproduction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Claim {
    /// Fig. 2: MD kinetic energy e(t) of the classical swap model agrees with the kinetic eq. (38); initial distribution thermal
    Fig2,
    /// Eq. (20): classical stationary state (final velocity histogram of Fig. 2; classical u, D; Fig. 5 panels a, c)
    Eq20,
    /// Eq. (40): fermionic stationary state (fermionic u = dJ/drho; Fig. 5 panels b, d MD vs kinetic)
    Eq40,
    /// Eq. (88): u = (h1|h0)/(h0|h0) equals dJ/drho of the stationary current
    Eq88,
    /// Eq. (89): u'(rho)
    Eq89,
    /// Eq. (99): D(rho) of the swap models; equals the direct solution of (61)-(63) with the linearised collision operator
    Eq99,
    /// Eqs. (100)-(103): classical limits of D (D = T/(gamma rho_b) for a thermal bath)
    Eq100to103,
    /// Table I: classical -> diffusion (u constant); fermions, symmetric bath -> diffusion; fermions, asymmetric bath -> Burgers (u' != 0, skewed profile)
    TableI,
    /// Fig. 3: TG tubes D_RTA vs full D (a); Burgers parameter nu = D_RTA/u' (b, c)
    Fig3,
    /// Eq. (77): D_RTA = tau_RTA (dj1/drho - u^2) = tau_RTA Var_m(lambda) in TG
    Eq77,
    /// Eq. (61): full D of TG tubes (closed form vs direct FEM solution; D vs cutoff Lambda)
    Eq61,
    /// Fig. 4: D(rho) and u(rho) of the swap models; fermionic statistics make both density-dependent
    Fig4,
    /// Fig. 5: MD density profiles agree with the theory for panels (a)-(d)
    Fig5,
    /// Fig. 5: hydrodynamic eq. (2) describes the profiles (first-order Chapman-Enskog: the kinetic-hydro gap shrinks as gradients weaken)
    Fig5Hydro,
    /// Fig. 5(d): fermions in an asymmetric bath develop Burgers skewness
    Fig5d,
    /// Fig. 6: smallest non-zero eigenvalue g_1 of the linearised TG collision operator vs rho
    Fig6,
    /// Appendix C: fermionic cell algorithm (MD of panels b, d); "no matter how [duplicates are] resolved, density profiles do not change significantly"
    AppC,
    /// Appendix F: the polynomial-basis (Galerkin) D_N and g_1 converge with basis size N
    AppF,
    /// Normalisations: particle number of MD histograms, mass conservation of kinetic and hydro solutions
    Normalisation,
    /// The figures were drawn from the data in the manifest (SVG stamps): not a paper claim.
    Provenance,
}

impl Claim {
    /// The paper's claims, in report order (without [`Claim::Provenance`]).
    pub const ALL: [Claim; 19] = [
        Claim::Fig2,
        Claim::Eq20,
        Claim::Eq40,
        Claim::Eq88,
        Claim::Eq89,
        Claim::Eq99,
        Claim::Eq100to103,
        Claim::TableI,
        Claim::Fig3,
        Claim::Eq77,
        Claim::Eq61,
        Claim::Fig4,
        Claim::Fig5,
        Claim::Fig5Hydro,
        Claim::Fig5d,
        Claim::Fig6,
        Claim::AppC,
        Claim::AppF,
        Claim::Normalisation,
    ];

    /// Stable key (regression messages, tests).
    pub const fn key(self) -> &'static str {
        match self {
            Claim::Fig2 => "fig2",
            Claim::Eq20 => "eq20",
            Claim::Eq40 => "eq40",
            Claim::Eq88 => "eq88",
            Claim::Eq89 => "eq89",
            Claim::Eq99 => "eq99",
            Claim::Eq100to103 => "eq100_103",
            Claim::TableI => "tableI",
            Claim::Fig3 => "fig3",
            Claim::Eq77 => "eq77",
            Claim::Eq61 => "eq61",
            Claim::Fig4 => "fig4",
            Claim::Fig5 => "fig5",
            Claim::Fig5Hydro => "fig5_hydro",
            Claim::Fig5d => "fig5d",
            Claim::Fig6 => "fig6",
            Claim::AppC => "appC",
            Claim::AppF => "appF",
            Claim::Normalisation => "normalisation",
            Claim::Provenance => "provenance",
        }
    }

    /// The claim as stated (with its equation or figure).
    pub const fn text(self) -> &'static str {
        match self {
            Claim::Fig2 => {
                "Fig. 2: MD kinetic energy e(t) of the classical swap model agrees with the kinetic eq. (38); initial distribution thermal"
            }
            Claim::Eq20 => {
                "Eq. (20): classical stationary state (final velocity histogram of Fig. 2; classical u, D; Fig. 5 panels a, c)"
            }
            Claim::Eq40 => {
                "Eq. (40): fermionic stationary state (fermionic u = dJ/drho; Fig. 5 panels b, d MD vs kinetic)"
            }
            Claim::Eq88 => "Eq. (88): u = (h1|h0)/(h0|h0) equals dJ/drho of the stationary current",
            Claim::Eq89 => "Eq. (89): u'(rho)",
            Claim::Eq99 => {
                "Eq. (99): D(rho) of the swap models; equals the direct solution of (61)-(63) with the linearised collision operator"
            }
            Claim::Eq100to103 => {
                "Eqs. (100)-(103): classical limits of D (D = T/(gamma rho_b) for a thermal bath)"
            }
            Claim::TableI => {
                "Table I: classical -> diffusion (u constant); fermions, symmetric bath -> diffusion; fermions, asymmetric bath -> Burgers (u' != 0, skewed profile)"
            }
            Claim::Fig3 => {
                "Fig. 3: TG tubes D_RTA vs full D (a); Burgers parameter nu = D_RTA/u' (b, c)"
            }
            Claim::Eq77 => {
                "Eq. (77): D_RTA = tau_RTA (dj1/drho - u^2) = tau_RTA Var_m(lambda) in TG"
            }
            Claim::Eq61 => {
                "Eq. (61): full D of TG tubes (closed form vs direct FEM solution; D vs cutoff Lambda)"
            }
            Claim::Fig4 => {
                "Fig. 4: D(rho) and u(rho) of the swap models; fermionic statistics make both density-dependent"
            }
            Claim::Fig5 => "Fig. 5: MD density profiles agree with the theory for panels (a)-(d)",
            Claim::Fig5Hydro => {
                "Fig. 5: hydrodynamic eq. (2) describes the profiles (first-order Chapman-Enskog: the kinetic-hydro gap shrinks as gradients weaken)"
            }
            Claim::Fig5d => "Fig. 5(d): fermions in an asymmetric bath develop Burgers skewness",
            Claim::Fig6 => {
                "Fig. 6: smallest non-zero eigenvalue g_1 of the linearised TG collision operator vs rho"
            }
            Claim::AppC => {
                "Appendix C: fermionic cell algorithm (MD of panels b, d); \"no matter how [duplicates are] resolved, density profiles do not change significantly\""
            }
            Claim::AppF => {
                "Appendix F: the polynomial-basis (Galerkin) D_N and g_1 converge with basis size N"
            }
            Claim::Normalisation => {
                "Normalisations: particle number of MD histograms, mass conservation of kinetic and hydro solutions"
            }
            Claim::Provenance => "Figures drawn from the recorded data (SVG metadata stamps)",
        }
    }

    /// Verdict when every check passes.
    pub const fn when_pass(self) -> &'static str {
        match self {
            Claim::Fig2 => "reproduced",
            Claim::Eq20 => "reproduced",
            Claim::Eq40 => "reproduced",
            Claim::Eq88 => "reproduced",
            Claim::Eq89 => {
                "erratum: printed form is identically 0; corrected u' = -2 chi (h1-u|n_st)/(h0|h0)^2 (docs/physics.md §2) agrees with finite differences"
            }
            Claim::Eq99 => "reproduced",
            Claim::Eq100to103 => "reproduced",
            Claim::TableI => "reproduced",
            Claim::Fig3 => "reproduced (numbers depend on the basis size N: see Appendix F row)",
            Claim::Eq77 => "reproduced",
            Claim::Eq61 => "reproduced",
            Claim::Fig4 => "reproduced",
            Claim::Fig5 => "reproduced",
            Claim::Fig5Hydro => {
                "reproduced: in the Fig. 5 window the kinetic-hydro gap is below the MD resolution; it shrinks in time once 2Dt >> w^2 (narrow bump, hydro_limit); in the Fig. 5 window itself it is pre-asymptotic (initial slip + beyond-CE cumulants growing ~t)"
            }
            Claim::Fig5d => "reproduced",
            Claim::Fig6 => "reproduced",
            Claim::AppC => {
                "reproduced after the erratum (step 2(c) as printed collides with probability 1 - R dt; corrected by exact thinning): the profiles depend neither on the duplicate rule nor on the time step"
            }
            Claim::AppF => "converged",
            Claim::Normalisation => "reproduced",
            Claim::Provenance => "reproduced",
        }
    }

    /// Why the claim is never checkable from the pipeline data, if that is so.
    pub const fn otherwise(self) -> Option<&'static str> {
        match self {
            Claim::Eq100to103 => Some(
                "not checkable from the figure data (thermal-bath limits are unit tests of crates/kinetic)",
            ),
            _ => None,
        }
    }
}

/// Verdict of a claim from its checks: all pass -> the claim's verdict when reproduced; any
/// failure -> `NOT reproduced`; a finding -> `NOT reproduced (finding ...)`; a check that
/// establishes "not convergent" overrides; no data -> `not checkable`.
pub fn verdict(claim: Claim, checks: &[&Check]) -> String {
    let live: Vec<&&Check> = checks
        .iter()
        .filter(|c| c.outcome != Outcome::Skip)
        .collect();
    if live.is_empty() {
        return claim
            .otherwise()
            .unwrap_or("not checkable (data not produced by this pipeline)")
            .into();
    }
    if live.iter().any(|c| c.outcome == Outcome::Fail) {
        return "**NOT reproduced** (a check fails)".into();
    }
    if live.iter().any(|c| c.outcome == Outcome::Finding) {
        return "**NOT reproduced** (finding: the paper's statement fails for a measured reason, see the FINDING evidence)".into();
    }
    if live.iter().any(|c| c.verdict() == Some("not convergent")) {
        return "not convergent (criterion of audit::convergence; see evidence)".into();
    }
    claim.when_pass().into()
}
