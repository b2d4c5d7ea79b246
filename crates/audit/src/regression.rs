//! Regression of the figure data against a committed reference (`tests/reference/<profile>.json`).
//!
//! A reference holds, per figure, rounded scalar summaries (12 significant digits) with their
//! scale and tolerance, and the canonical parameters of every stage. Tolerances:
//! - stochastic summaries (MD): the runs are seeded per realization and bit-identical whatever the
//!   thread count, so a fresh reproduction must give the same number: tolerance 1e-9 relative
//!   (rounding of the stored value). The statistical scale `sigma` (ensemble standard error) is
//!   stored and every mismatch is also reported as z = diff / (sqrt 2 sigma), so a platform whose
//!   libm differs (an inexact but statistically compatible result) is told apart from a real change.
//! - deterministic summaries: tolerance = max(recorded convergence error, 1e-9 relative).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Relative tolerance of an exactly reproducible number stored with 12 significant digits.
pub const EXACT_REL: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: f64,
    /// Ensemble standard error (stochastic) or convergence error (deterministic); 0 if unknown.
    pub sigma: f64,
    pub stochastic: bool,
    /// Allowed |new - reference|.
    pub tol: f64,
}

impl Quantity {
    pub fn stochastic(value: f64, sem: f64) -> Self {
        let value = round12(value);
        Self {
            value,
            sigma: round12(sem),
            stochastic: true,
            tol: EXACT_REL * value.abs().max(sem.abs()).max(f64::MIN_POSITIVE),
        }
    }
    pub fn deterministic(value: f64, conv_err: f64) -> Self {
        let value = round12(value);
        let conv_err = round12(conv_err.abs());
        Self {
            value,
            sigma: conv_err,
            stochastic: false,
            tol: conv_err.max(EXACT_REL * value.abs()).max(1e-300),
        }
    }
}

/// Round to 12 significant digits (what the reference stores).
pub fn round12(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// All summaries of one profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// figure -> quantity -> summary.
    pub figures: BTreeMap<String, BTreeMap<String, Quantity>>,
    /// stage -> canonical parameters (profile applied).
    pub params: BTreeMap<String, serde_json::Value>,
}

impl Summary {
    pub fn put(&mut self, figure: &str, quantity: impl Into<String>, q: Quantity) {
        self.figures
            .entry(figure.to_owned())
            .or_default()
            .insert(quantity.into(), q);
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(serde_json::from_str(&text)?)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("serializable");
        s.push('\n');
        s
    }
}

/// Compare a fresh summary with the reference. Each problem names the figure and the quantity
/// (or the stage parameter that changed); `figure_of` names the figure of a stage.
pub fn compare(
    reference: &Summary,
    fresh: &Summary,
    figure_of: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let mut out = Vec::new();
    let stages: std::collections::BTreeSet<&String> =
        reference.params.keys().chain(fresh.params.keys()).collect();
    for s in stages {
        match (reference.params.get(s), fresh.params.get(s)) {
            (Some(a), Some(b)) => {
                for x in pipeline::diff::changes(a, b) {
                    out.push(format!("{}: stage `{s}` parameter {x}", figure_of(s)));
                }
            }
            (Some(_), None) => out.push(format!(
                "stage `{s}` is in the reference but not in the pipeline"
            )),
            (None, Some(_)) => out.push(format!("stage `{s}` is not in the reference")),
            (None, None) => {}
        }
    }
    let figs: std::collections::BTreeSet<&String> = reference
        .figures
        .keys()
        .chain(fresh.figures.keys())
        .collect();
    for f in figs {
        let empty = BTreeMap::new();
        let r = reference.figures.get(f).unwrap_or(&empty);
        let n = fresh.figures.get(f).unwrap_or(&empty);
        let qs: std::collections::BTreeSet<&String> = r.keys().chain(n.keys()).collect();
        for q in qs {
            match (r.get(q), n.get(q)) {
                (Some(a), Some(b)) => {
                    let diff = b.value - a.value;
                    // NaN differences fail too
                    if diff.abs().partial_cmp(&a.tol) != Some(std::cmp::Ordering::Less)
                        && diff.abs() != a.tol
                    {
                        let scale = if a.stochastic {
                            let s = (a.sigma.powi(2) + b.sigma.powi(2)).sqrt();
                            format!(
                                "; statistical scale: z = {:.2} (sem {:.3e}){}",
                                diff / s,
                                s,
                                if (diff / s).abs() < 5.0 {
                                    ", statistically compatible: not bit-identical (platform?)"
                                } else {
                                    ""
                                }
                            )
                        } else {
                            format!("; convergence-error scale {:.3e}", a.sigma)
                        };
                        out.push(format!("{f}: quantity `{q}` = {} but reference {} (|diff| {:.3e} > tol {:.3e}{scale})", b.value, a.value, diff.abs(), a.tol));
                    }
                }
                (Some(_), None) => {
                    out.push(format!("{f}: quantity `{q}` missing from the fresh data"))
                }
                (None, Some(_)) => out.push(format!("{f}: quantity `{q}` not in the reference")),
                (None, None) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fig4(_: &str) -> String {
        "fig4".into()
    }

    fn sample() -> Summary {
        let mut s = Summary::default();
        s.put(
            "fig4",
            "D[fermionic_asymmetric,rho=1]",
            Quantity::deterministic(0.123456789012345, 1e-7),
        );
        s.put("fig2", "e(t=1)", Quantity::stochastic(0.3, 0.002));
        s.params.insert(
            "transport_swap".into(),
            json!({"kind": "transport_swap", "gamma": 0.08, "rho": [0.5, 1.0]}),
        );
        s
    }

    #[test]
    fn identical_summaries_pass_and_round_trip() {
        let s = sample();
        let back: Summary = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(back, s);
        assert!(compare(&s, &back, &fig4).is_empty());
    }

    #[test]
    fn perturbed_value_fails_naming_figure_and_quantity() {
        let r = sample();
        let mut n = sample();
        n.put("fig2", "e(t=1)", Quantity::stochastic(0.3 + 1e-6, 0.002));
        let m = compare(&r, &n, &fig4);
        println!("{m:?}");
        assert_eq!(m.len(), 1);
        assert!(
            m[0].starts_with("fig2: quantity `e(t=1)`")
                && m[0].contains("statistically compatible"),
            "{}",
            m[0]
        );
        // deterministic: within the convergence error passes, beyond fails
        let mut n = sample();
        n.put(
            "fig4",
            "D[fermionic_asymmetric,rho=1]",
            Quantity::deterministic(0.123456789012345 + 5e-8, 1e-7),
        );
        assert!(compare(&r, &n, &fig4).is_empty());
        n.put(
            "fig4",
            "D[fermionic_asymmetric,rho=1]",
            Quantity::deterministic(0.1236, 1e-7),
        );
        let m = compare(&r, &n, &fig4);
        assert!(
            m[0].starts_with("fig4: quantity `D[fermionic_asymmetric,rho=1]`"),
            "{m:?}"
        );
    }

    #[test]
    fn perturbed_parameter_names_figure_stage_and_field() {
        let r = sample();
        let mut n = sample();
        n.params.insert(
            "transport_swap".into(),
            json!({"kind": "transport_swap", "gamma": 0.081, "rho": [0.5, 1.0]}),
        );
        let m = compare(&r, &n, &fig4);
        println!("{m:?}");
        assert_eq!(
            m,
            vec!["fig4: stage `transport_swap` parameter `gamma`: 0.08 -> 0.081".to_owned()]
        );
    }

    #[test]
    fn parameters_survive_the_json_round_trip() {
        let mut s = Summary::default();
        s.params.insert(
            "t".into(),
            json!({"kind": "t", "tail_tol": 1e-30, "x": 0.1}),
        );
        let back: Summary = serde_json::from_str(&s.to_json()).unwrap();
        assert!(
            compare(&back, &s, &fig4).is_empty(),
            "{:?}",
            compare(&back, &s, &fig4)
        );
    }

    #[test]
    fn rounding_is_within_the_exact_tolerance() {
        for x in [1.0 / 3.0, -2.5e-7, 12345.678901234567] {
            assert!((round12(x) - x).abs() <= EXACT_REL * x.abs());
        }
    }
}
