//! The paper's numerical claims the audit checks. Every check names the claims it bears on; a
//! claim's verdict follows from its checks ([`verdict`]); the report has one section per claim in
//! [`Claim::ALL`] order. A new claim is a new variant: every `match` below must handle it.

use contract::Figure;

use crate::check::{Check, Outcome};

/// A numerical claim of the paper (or, for [`Claim::Provenance`], of this reproduction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Claim {
    Fig2,
    Eq20,
    Eq40,
    Eq88,
    Eq89,
    Eq99,
    Eq100to103,
    TableI,
    Fig3,
    /// Sec. V.B / Fig. 3a: RTA approximates the full D.
    Fig3aRta,
    /// Sec. V.B: the range of u' over the bath's state and where it is largest.
    UPrimeMap,
    Eq77,
    Eq61,
    Fig4,
    Fig5,
    Fig5Hydro,
    Fig5d,
    Fig6,
    AppC,
    AppF,
    /// The stationary states (20), (40), (34) the figures rest on.
    StationaryStates,
    Normalisation,
    /// The figures were drawn from the data in the manifest (SVG stamps): not a paper claim.
    Provenance,
}

/// What a claim's verdict is when every check passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenPassing {
    /// The statement holds as printed.
    Reproduced,
    /// The statement holds once an error of the printed text is corrected.
    Erratum,
    /// A convergence statement that holds.
    Converged,
}

/// The verdict of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Reproduced,
    Erratum,
    Converged,
    NotConvergent,
    /// A statement over a range of parameters holds in part of the range only; where it fails,
    /// the cause is measured in the same data ([`Claim::over_a_range`]).
    InPart,
    /// The statement fails for a cause measured in the same data.
    Finding,
    /// A check fails.
    Fails,
    NotCheckable,
}

impl Verdict {
    pub const ALL: [Verdict; 8] = [
        Verdict::Reproduced,
        Verdict::Erratum,
        Verdict::Converged,
        Verdict::NotConvergent,
        Verdict::InPart,
        Verdict::Finding,
        Verdict::Fails,
        Verdict::NotCheckable,
    ];

    pub const fn label(self) -> &'static str {
        match self {
            Verdict::Reproduced => "reproduced",
            Verdict::Erratum => "reproduced after an erratum",
            Verdict::Converged => "converged",
            Verdict::NotConvergent => "**not convergent**",
            Verdict::InPart => "**holds in part only**",
            Verdict::Finding => "**NOT reproduced** (finding)",
            Verdict::Fails => "**NOT reproduced** (a check fails)",
            Verdict::NotCheckable => "not checkable",
        }
    }
}

impl Claim {
    /// The paper's claims, in report order (without [`Claim::Provenance`]).
    pub const ALL: [Claim; 22] = [
        Claim::Fig2,
        Claim::Eq20,
        Claim::Eq40,
        Claim::Eq88,
        Claim::Eq89,
        Claim::Eq99,
        Claim::Eq100to103,
        Claim::TableI,
        Claim::Fig3,
        Claim::Fig3aRta,
        Claim::UPrimeMap,
        Claim::Eq77,
        Claim::Eq61,
        Claim::Fig4,
        Claim::Fig5,
        Claim::Fig5Hydro,
        Claim::Fig5d,
        Claim::Fig6,
        Claim::AppC,
        Claim::AppF,
        Claim::StationaryStates,
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
            Claim::Fig3aRta => "fig3a_rta",
            Claim::UPrimeMap => "uprime_map",
            Claim::Eq77 => "eq77",
            Claim::Eq61 => "eq61",
            Claim::Fig4 => "fig4",
            Claim::Fig5 => "fig5",
            Claim::Fig5Hydro => "fig5_hydro",
            Claim::Fig5d => "fig5d",
            Claim::Fig6 => "fig6",
            Claim::AppC => "appC",
            Claim::AppF => "appF",
            Claim::StationaryStates => "stationary_states",
            Claim::Normalisation => "normalisation",
            Claim::Provenance => "provenance",
        }
    }

    /// Short title (with its equation or figure).
    pub const fn title(self) -> &'static str {
        match self {
            Claim::Fig2 => "Fig. 2: homogeneous relaxation, MD vs eq. (38)",
            Claim::Eq20 => "Eq. (20): classical stationary state",
            Claim::Eq40 => "Eq. (40): fermionic stationary state",
            Claim::Eq88 => "Eq. (88): u = dJ/drho",
            Claim::Eq89 => "Eq. (89): u'(rho)",
            Claim::Eq99 => "Eq. (99): D(rho) of the swap models",
            Claim::Eq100to103 => "Eqs. (100)-(103): classical limits of D",
            Claim::TableI => "Table I: diffusion, boosted diffusion or Burgers",
            Claim::Fig3 => "Fig. 3: TG tubes, D_RTA and the Burgers parameter",
            Claim::Fig3aRta => "Sec. V.B, Fig. 3(a): RTA approximates the full D",
            Claim::UPrimeMap => "Sec. V.B: u' over the bath's state",
            Claim::Eq77 => "Eq. (77): D_RTA = tau_RTA Var_m(lambda)",
            Claim::Eq61 => "Eq. (61): full D of TG tubes",
            Claim::Fig4 => "Fig. 4: D(rho) and u(rho) of the swap models",
            Claim::Fig5 => "Fig. 5: MD density profiles vs theory",
            Claim::Fig5Hydro => "Fig. 5: hydrodynamics eq. (2) describes the profiles",
            Claim::Fig5d => "Fig. 5(d): Burgers skewness",
            Claim::Fig6 => "Fig. 6: the gap g_1 of the TG collision operator",
            Claim::AppC => "Appendix C: the fermionic cell algorithm",
            Claim::AppF => "Appendix F: convergence in the basis size N",
            Claim::StationaryStates => "Eqs. (20), (40), (34): the stationary states",
            Claim::Normalisation => "Normalisations",
            Claim::Provenance => "Provenance of the figures",
        }
    }

    /// The claim as stated (briefly, with its equation or figure).
    pub const fn statement(self) -> &'static str {
        match self {
            Claim::Fig2 => {
                "The MD kinetic energy e(t) of the classical swap model agrees with the kinetic eq. (38); the initial distribution is thermal."
            }
            Claim::Eq20 => {
                "The classical stationary state is (20) (final velocity histogram of Fig. 2; classical u, D; Fig. 5 panels a, c)."
            }
            Claim::Eq40 => {
                "The fermionic stationary state is (40) (fermionic u = dJ/drho; Fig. 5 panels b, d MD vs kinetic)."
            }
            Claim::Eq88 => "u = (h1|h0)/(h0|h0) equals dJ/drho of the stationary current.",
            Claim::Eq89 => "u'(rho) = -2 chi (h1 - u|h0)/(h0|h0)^2.",
            Claim::Eq99 => {
                "D(rho) by (99); it equals the solution of (61)-(63) with the linearised collision operator."
            }
            Claim::Eq100to103 => {
                "Classical limits of D, e.g. D = T/(gamma rho_b) for a thermal bath."
            }
            Claim::TableI => {
                "Classical particles diffuse (u constant); fermions in a symmetric bath diffuse; fermions in an asymmetric bath follow Burgers (u' != 0, skewed profile)."
            }
            Claim::Fig3 => {
                "TG tubes: D_RTA against the full D (a); the Burgers parameter nu = D_RTA/u' (b, c)."
            }
            Claim::Fig3aRta => "\"RTA gives a good approximation of the diffusion coefficient.\"",
            Claim::UPrimeMap => {
                "\"u' varies over several orders of magnitude, depending on the environmental tube's state ... u' attains the largest values in the regime of low temperatures, with lambda_B slightly smaller than (width of rho_th)/2.\""
            }
            Claim::Eq77 => "D_RTA = tau_RTA (dj1/drho - u^2) = tau_RTA Var_m(lambda) in TG.",
            Claim::Eq61 => {
                "The full D of TG tubes from (61) (closed form vs direct FEM solution; D vs cutoff Lambda)."
            }
            Claim::Fig4 => {
                "D(rho) and u(rho) of the swap models; fermionic statistics make both density-dependent."
            }
            Claim::Fig5 => "The MD density profiles agree with the theory for panels (a)-(d).",
            Claim::Fig5Hydro => {
                "The hydrodynamic eq. (2) describes the profiles (first-order Chapman-Enskog: the kinetic-hydro gap shrinks as gradients weaken)."
            }
            Claim::Fig5d => "Fermions in an asymmetric bath develop a Burgers skewness.",
            Claim::Fig6 => {
                "The smallest non-zero eigenvalue g_1 of the linearised TG collision operator vs rho."
            }
            Claim::AppC => {
                "The fermionic cell algorithm simulates (39); \"no matter how [duplicates are] resolved, density profiles do not change significantly\"."
            }
            Claim::AppF => {
                "The polynomial-basis (Galerkin) D_N and g_1 converge with the basis size N."
            }
            Claim::StationaryStates => {
                "The stationary states (20), (40) of the swap models and (34) of TG tubes: normalised, stationary, and the states the figures use."
            }
            Claim::Normalisation => {
                "Particle number of MD histograms, mass conservation of kinetic and hydrodynamic solutions."
            }
            Claim::Provenance => {
                "Every figure was drawn from the recorded data (SVG metadata stamps)."
            }
        }
    }

    /// One sentence: what the audit measures for this claim.
    pub const fn measured(self) -> &'static str {
        match self {
            Claim::Fig2 => {
                "The ensemble mean of e(t) at every sample time against the exact solution of (38) (z-scores with the ensemble's standard errors), and the initial and final velocity histograms against the thermal state and (20) (ensemble chi-square)."
            }
            Claim::Eq20 | Claim::Eq40 => {
                "u = dJ/drho of the stationary current by finite differences, the final Fig. 2 histogram, and the MD-vs-kinetic agreement of the Fig. 5 panels of that statistics."
            }
            Claim::Eq88 => {
                "u of (88) against finite differences of the stationary current J(rho) (second order in the density spacing)."
            }
            Claim::Eq89 => {
                "The corrected u' against finite differences of u(rho), for the swap models and the TG tubes; the printed form is identically zero (docs/physics.md §2.5)."
            }
            Claim::Eq99 => {
                "D by (99) against D from the linearised collision operator solved directly, at every density and case."
            }
            Claim::Eq100to103 => {
                "Nothing in the figure data: the thermal-bath limits are unit tests of crates/kinetic."
            }
            Claim::TableI => {
                "max|u'| and the spread of u over the density grid of each case, and the sign and size of the panel (d) skewness."
            }
            Claim::Fig3 => {
                "D_RTA against tau_RTA Var, nu against D_RTA/u', u' against finite differences, per panel and basis size N; the closed form of (61) against a direct FEM solution."
            }
            Claim::Fig3aRta => {
                "D_RTA/D_N at equal basis size N and density (thermal bath of Fig. 3a), and D_RTA against the closed-form D(Lambda) as the cutoff grows."
            }
            Claim::UPrimeMap => {
                "u' of TG tubes on a grid of bath temperatures and Bragg peak separations: its range in decades and where its largest magnitude lies."
            }
            Claim::Eq77 => "D_RTA against tau_RTA Var_m(lambda) in every row of the Fig. 3 data.",
            Claim::Eq61 => {
                "The closed form of (61) against a direct FEM solution, and D against the cutoff Lambda and the basis size N (convergence verdicts)."
            }
            Claim::Fig4 => {
                "The two routes for D at every density, and whether u and D depend on the density (Table I)."
            }
            Claim::Fig5 => {
                "Per panel, the ensemble chi-square of the MD histograms against the kinetic equation at every output time (App. C as printed; for b, d also the converged variant the figure shows), and the kinetic-hydro gap against the MD resolution."
            }
            Claim::Fig5Hydro => {
                "The kinetic-hydro L1 gap against the MD resolution in the Fig. 5 window, and its decrease in time for a narrow bump followed into the hydrodynamic limit."
            }
            Claim::Fig5d => {
                "The MD skewness of panel (d) at the last time against the hydrodynamic one."
            }
            Claim::Fig6 => {
                "g_1 against the basis size N (Galerkin) and the cutoff Lambda (FEM): convergence verdicts."
            }
            Claim::AppC => {
                "The fermionic panels rerun with the other duplicate rule and with dt/4: chi-square of the profile difference at every time; and the MD-vs-kinetic chi-square of panels b, d."
            }
            Claim::AppF => {
                "D_N, g_1 against N and D against Lambda at every density: convergence verdicts (the last three relative increments below 1e-3, shrinking geometrically)."
            }
            Claim::StationaryStates => {
                "Each state's normalisation, the stationarity condition (84) and (swap models) the collision integral (38)/(39) on its grid, and its agreement with the states the other stages use."
            }
            Claim::Normalisation => {
                "The particle number of every MD histogram, the mass of every kinetic and hydrodynamic profile over time."
            }
            Claim::Provenance => {
                "The fingerprint and code version in every SVG against the manifest."
            }
        }
    }

    /// The figure that shows the claim, if any.
    pub const fn figure(self) -> Option<Figure> {
        match self {
            Claim::Fig2 | Claim::Eq20 => Some(Figure::Fig2),
            Claim::Eq40 | Claim::Eq88 | Claim::Eq89 | Claim::Eq99 | Claim::TableI | Claim::Fig4 => {
                Some(Figure::Fig4)
            }
            Claim::Fig3 | Claim::Eq77 => Some(Figure::Fig3),
            Claim::Fig3aRta | Claim::Eq61 | Claim::AppF => Some(Figure::AuditTg),
            Claim::Fig5 | Claim::Fig5Hydro | Claim::Fig5d | Claim::Normalisation => {
                Some(Figure::Fig5)
            }
            Claim::AppC => Some(Figure::AuditAppC),
            Claim::Fig6 => Some(Figure::Fig6),
            Claim::UPrimeMap => Some(Figure::TgBurgersMap),
            Claim::StationaryStates => Some(Figure::StationaryStates),
            Claim::Eq100to103 | Claim::Provenance => None,
        }
    }

    /// What the verdict is when every check passes, and what that means here.
    pub const fn when_passing(self) -> (WhenPassing, &'static str) {
        match self {
            Claim::Eq89 => (
                WhenPassing::Erratum,
                "The printed (89) is identically 0 (it differentiates with m held fixed); the corrected u' = -2 chi (h1 - u|n_st)/(h0|h0)^2 (docs/physics.md §2.5) agrees with finite differences.",
            ),
            Claim::AppC => (
                WhenPassing::Erratum,
                "Step 2(c) as printed collides with probability 1 - R dt; corrected by exact thinning (docs/physics.md §3.3). With it, the profiles would depend neither on the duplicate rule nor on the time step.",
            ),
            Claim::AppF => (WhenPassing::Converged, ""),
            Claim::Fig3 => (
                WhenPassing::Reproduced,
                "The numbers depend on the basis size N: see Appendix F.",
            ),
            Claim::Fig5Hydro => (
                WhenPassing::Reproduced,
                "In the Fig. 5 window the kinetic-hydro gap is below the MD resolution; it shrinks in time once 2Dt >> w^2 (narrow bump, hydro_limit). In the window itself it is pre-asymptotic: initial slip plus beyond-Chapman-Enskog cumulants growing ~t (docs/physics.md §4.6).",
            ),
            _ => (WhenPassing::Reproduced, ""),
        }
    }

    /// A statement over a range of parameters (densities, basis sizes): its checks sample the
    /// range, and passing in part of it with findings elsewhere is [`Verdict::InPart`].
    pub const fn over_a_range(self) -> bool {
        matches!(self, Claim::Fig3aRta | Claim::UPrimeMap)
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

/// Verdict of a claim from its checks: any failure -> [`Verdict::Fails`]; a finding ->
/// [`Verdict::Finding`]; a check that establishes "not convergent" -> [`Verdict::NotConvergent`];
/// all pass -> the claim's [`WhenPassing`]; no data -> [`Verdict::NotCheckable`].
pub fn verdict(claim: Claim, checks: &[&Check]) -> Verdict {
    let live: Vec<&&Check> = checks
        .iter()
        .filter(|c| c.outcome != Outcome::Skip)
        .collect();
    if live.is_empty() {
        return Verdict::NotCheckable;
    }
    if live.iter().any(|c| c.outcome == Outcome::Fail) {
        return Verdict::Fails;
    }
    if live.iter().any(|c| c.outcome == Outcome::Finding) {
        let some_hold = live.iter().any(|c| c.outcome == Outcome::Pass);
        return if claim.over_a_range() && some_hold {
            Verdict::InPart
        } else {
            Verdict::Finding
        };
    }
    if live.iter().any(|c| c.verdict() == Some("not convergent")) {
        return Verdict::NotConvergent;
    }
    match claim.when_passing().0 {
        WhenPassing::Reproduced => Verdict::Reproduced,
        WhenPassing::Erratum => Verdict::Erratum,
        WhenPassing::Converged => Verdict::Converged,
    }
}
