//! One check: a measured statistic against a threshold, both held by one typed [`Rule`] value
//! that renders the threshold and evaluates it, so the two can never disagree.

use std::fmt;

use crate::claim::Claim;
use crate::stats::FdTest;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    /// A statement of the paper fails and the data show why, with a measured cause that is not
    /// an error of this reproduction (e.g. the App. C algorithm's result depends on its
    /// arbitrary duplicate rule by more than the statistical error). Reported in the audit as
    /// not reproduced; does not fail `verify`. Strict: only assigned where the cause is measured
    /// in the same data, never by name.
    Finding,
    /// A truncated sequence does not converge (a convergence statement's check): reported, does
    /// not fail `verify`.
    NotConverged,
    /// The data needed are not produced by this pipeline (stage absent): not checkable.
    Skip,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Finding => "FINDING",
            Outcome::NotConverged => "NOT CONVERGED",
            Outcome::Skip => "SKIP",
        })
    }
}

/// A number in thresholds: `1e-8`, `0.7`, `3`, `1.3e-5`.
pub fn num(x: f64) -> String {
    let plain = format!("{x}");
    if (1e-2..1e4).contains(&x.abs()) && plain.len() <= 6 {
        return plain;
    }
    let e = format!("{x:e}");
    if e.len() <= 6 { e } else { format!("{x:.1e}") }
}

/// A measured value for a statistic: 3 significant digits, no float noise (`0.0589`, `12.3`,
/// `4`, `2.35e5`).
pub fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x != 0.0 && (x.abs() < 1e-2 || x.abs() >= 1e4) {
        return format!("{x:.2e}");
    }
    let decimals = if x == 0.0 {
        0
    } else {
        (2 - x.abs().log10().floor() as i32).max(0) as usize
    };
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// The criterion of a check, with the measured value(s) it is applied to.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `value < bound`
    Below { value: f64, bound: f64 },
    /// `value >= bound`, `what` names the value (`p`, `min p`)
    AtLeast {
        what: &'static str,
        value: f64,
        bound: f64,
    },
    /// `value > bound`, `what` names the value
    Above {
        what: &'static str,
        value: f64,
        bound: f64,
    },
    /// `count <= bound`
    CountAtMost { count: usize, bound: usize },
    /// a derivative against finite differences of its function ([`FdTest::pass`])
    Derivative(FdTest),
    /// every `(value, bound)`: `value < bound`
    AllBelow(Vec<(f64, f64)>),
    /// a strictly decreasing sequence (at least two values)
    Decreasing(Vec<f64>),
    /// both `value` and `spread` below `bound` (`u` constant)
    BothBelow { value: f64, spread: f64, bound: f64 },
    /// a property that holds or not; `what` states it
    Holds { what: &'static str, holds: bool },
    /// a convergence verdict computed from the data; the check establishes the verdict of
    /// its claim, it does not fail on non-convergence
    Verdict { converged: bool },
}

impl Rule {
    /// Does the measured value satisfy the rule? NaN never does.
    pub fn passes(&self) -> bool {
        match self {
            Rule::Below { value, bound } => value < bound,
            Rule::AtLeast { value, bound, .. } => value >= bound,
            Rule::Above { value, bound, .. } => value > bound,
            Rule::CountAtMost { count, bound } => count <= bound,
            Rule::Derivative(t) => t.pass(),
            Rule::AllBelow(v) => v.iter().all(|(x, b)| x < b),
            Rule::Decreasing(v) => v.len() >= 2 && v.windows(2).all(|w| w[1] < w[0]),
            Rule::BothBelow {
                value,
                spread,
                bound,
            } => value < bound && spread < bound,
            Rule::Holds { holds, .. } => *holds,
            Rule::Verdict { .. } => true,
        }
    }

    /// The threshold as printed.
    pub fn threshold(&self) -> String {
        match self {
            Rule::Below { bound, .. } => format!("< {}", num(*bound)),
            Rule::AtLeast { what, bound, .. } => format!("{what} >= {}", num(*bound)),
            Rule::Above { what, bound, .. } => format!("{what} > {}", num(*bound)),
            Rule::CountAtMost { bound, .. } => format!("count <= {bound}"),
            Rule::Derivative(_) => {
                "err_h <= err_2h/2 (converging) or <= 1e-8 max(1, scale) (rounding level)".into()
            }
            Rule::AllBelow(_) => "below at every time".into(),
            Rule::Decreasing(_) => "strictly decreasing in t".into(),
            Rule::BothBelow { bound, .. } => format!("both < {}", num(*bound)),
            Rule::Holds { what, .. } => (*what).to_owned(),
            Rule::Verdict { .. } => format!(
                "verdict by the criterion of the convergence module (tol {}, last {} increments, ratio <= {})",
                crate::stats::VERDICT_TOL,
                crate::stats::VERDICT_K,
                crate::stats::VERDICT_RMAX
            ),
        }
    }
}

/// One line of `verify`'s output and one row of the audit's evidence.
#[derive(Debug, Clone)]
pub struct Check {
    /// The paper claims this check bears on.
    pub claims: &'static [Claim],
    /// Short name, e.g. `fig4.D_two_routes[fermionic_asymmetric]`.
    pub name: String,
    /// The measured statistic, formatted with its value.
    pub statistic: String,
    pub rule: Rule,
    /// Why the threshold is what it is (printed after it).
    pub note: Option<String>,
    pub outcome: Outcome,
    /// For a finding: the cause measured in the same data.
    pub cause: Option<String>,
    /// Data files behind the check.
    pub evidence: String,
}

impl Check {
    /// A check whose outcome is its rule's.
    pub fn new(
        claims: &'static [Claim],
        name: impl Into<String>,
        statistic: impl Into<String>,
        rule: Rule,
        evidence: impl Into<String>,
    ) -> Self {
        let outcome = match rule {
            Rule::Verdict { converged: false } => Outcome::NotConverged,
            _ if rule.passes() => Outcome::Pass,
            _ => Outcome::Fail,
        };
        Self {
            claims,
            name: name.into(),
            statistic: statistic.into(),
            rule,
            note: None,
            outcome,
            cause: None,
            evidence: evidence.into(),
        }
    }

    /// A check that cannot be made on these data.
    pub fn skip(claims: &'static [Claim], name: impl Into<String>, why: impl Into<String>) -> Self {
        Self {
            claims,
            name: name.into(),
            statistic: why.into(),
            rule: Rule::Verdict { converged: false },
            note: None,
            outcome: Outcome::Skip,
            cause: None,
            evidence: "-".into(),
        }
    }

    /// A failure explained by a cause measured in the same data becomes a finding.
    pub fn finding(mut self, cause: impl Into<String>) -> Self {
        if self.outcome == Outcome::Fail {
            self.outcome = Outcome::Finding;
            self.cause = Some(cause.into());
        }
        self
    }

    /// Explain the threshold.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The threshold as printed, with its note.
    pub fn threshold(&self) -> String {
        if self.outcome == Outcome::Skip {
            return "-".into();
        }
        match &self.note {
            Some(n) => format!("{} ({n})", self.rule.threshold()),
            None => self.rule.threshold(),
        }
    }

    /// The convergence verdict this check establishes, if any.
    pub fn verdict(&self) -> Option<&'static str> {
        match (&self.rule, self.outcome) {
            (_, Outcome::Skip) => None,
            (Rule::Verdict { converged: true }, _) => Some("converged"),
            (Rule::Verdict { converged: false }, _) => Some("not convergent"),
            _ => None,
        }
    }

    pub fn line(&self) -> String {
        let cause = self
            .cause
            .as_ref()
            .map_or(String::new(), |c| format!("; cause: {c}"));
        format!(
            "{:<13}  {:<58}  {}{cause}  [threshold: {}]",
            self.outcome.to_string(),
            self.name,
            self.statistic,
            self.threshold()
        )
    }

    /// How far the measured value is from failing its threshold: < 1 passes with room, > 1 fails
    /// (for collapsing a series of checks into its worst member).
    pub fn margin(&self) -> f64 {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::INFINITY };
        match &self.rule {
            Rule::Below { value, bound } => ratio(*value, *bound),
            Rule::AtLeast { value, bound, .. } => ratio(*bound, *value),
            Rule::Above { value, bound, .. } => ratio(*bound, *value),
            Rule::CountAtMost { count, bound } => ratio(*count as f64, (*bound).max(1) as f64),
            Rule::Derivative(t) => ratio(t.err_h, (0.5 * t.err_2h).max(1e-8 * t.scale.max(1.0))),
            Rule::AllBelow(v) => v.iter().map(|(x, b)| ratio(*x, *b)).fold(0.0, f64::max),
            Rule::Decreasing(v) => v.windows(2).map(|w| ratio(w[1], w[0])).fold(0.0, f64::max),
            Rule::BothBelow {
                value,
                spread,
                bound,
            } => ratio(value.max(*spread), *bound),
            Rule::Holds { holds, .. } => {
                if *holds {
                    0.0
                } else {
                    2.0
                }
            }
            Rule::Verdict { converged } => {
                if *converged {
                    0.0
                } else {
                    2.0
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sig3_has_three_significant_digits() {
        assert_eq!(sig3(0.058912), "0.0589");
        assert_eq!(sig3(12.345), "12.3");
        assert_eq!(sig3(4.0), "4");
        assert_eq!(sig3(234567.0), "2.35e5");
        assert_eq!(sig3(0.2), "0.2");
    }

    #[test]
    fn one_value_renders_and_evaluates_the_threshold() {
        let r = Rule::Below {
            value: 2e-9,
            bound: 1e-8,
        };
        assert!(r.passes());
        assert_eq!(r.threshold(), "< 1e-8");
        let r = Rule::AtLeast {
            what: "min p",
            value: 1e-6,
            bound: 0.01 / 760.0,
        };
        assert!(!r.passes());
        assert_eq!(r.threshold(), "min p >= 1.3e-5");
        assert!(
            !Rule::Below {
                value: f64::NAN,
                bound: 1.0
            }
            .passes()
        );
        assert!(!Rule::Decreasing(vec![3.0, 3.0]).passes());
        assert!(Rule::Decreasing(vec![3.0, 2.0, 1.0]).passes());
        let c = Check::new(
            &[Claim::Eq99],
            "x",
            "max rel diff 3e-15",
            Rule::Below {
                value: 3e-15,
                bound: 1e-8,
            },
            "data",
        )
        .with_note("two routes");
        assert_eq!(c.outcome, Outcome::Pass);
        assert_eq!(c.threshold(), "< 1e-8 (two routes)");
    }
}
