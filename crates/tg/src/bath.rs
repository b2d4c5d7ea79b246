//! Frozen bath tube in the TG limit: occupation n_b(lambda) in (0, 1).
//!
//! Only the pair (ln n_b, ln(1 - n_b)) is ever needed; both are evaluated without cancellation
//! so that tails far beyond the double-precision range of n_b itself stay exact.

use crate::{Result, TgError, logaddexp, softplus};
use std::f64::consts::PI;

/// Bath states (paper Sec. V.B).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bath {
    /// Thermal TG gas: n_b = 1 / (1 + exp((lambda^2/2 - mu)/T)).
    Thermal { temperature: f64, mu: f64 },
    /// Bragg-split state (79): n_b = norm * [n_th(lambda + lambda_b) + b n_th(lambda - lambda_b)] / (1 + b),
    /// n_th thermal at (T, mu). With norm in (0, 1] the bracket divided by (1 + b) is a convex
    /// combination of two Fermi-Dirac functions, so 0 < n_b < 1 for every b >= 0 (the paper's
    /// b = 9 included); the paper leaves this normalisation open.
    BraggSplit {
        temperature: f64,
        mu: f64,
        lambda_b: f64,
        b: f64,
        norm: f64,
    },
}

/// (ln n, ln(1-n)) of a Fermi-Dirac occupation with exponent x = (e - mu)/T.
fn ln_fd(x: f64) -> (f64, f64) {
    (-softplus(x), -softplus(-x))
}

impl Bath {
    pub fn validate(&self) -> Result<()> {
        let bad = |s: &str| Err(TgError::InvalidParameter(s.to_string()));
        match *self {
            Bath::Thermal { temperature, mu } => {
                if !(temperature > 0.0 && temperature.is_finite()) {
                    return bad("temperature must be positive");
                }
                if !mu.is_finite() {
                    return bad("mu must be finite");
                }
            }
            Bath::BraggSplit {
                temperature,
                mu,
                lambda_b,
                b,
                norm,
            } => {
                if !(temperature > 0.0 && temperature.is_finite()) {
                    return bad("temperature must be positive");
                }
                if !mu.is_finite() || !lambda_b.is_finite() {
                    return bad("mu and lambda_b must be finite");
                }
                if !(b >= 0.0 && b.is_finite()) {
                    return bad("asymmetry b must be >= 0");
                }
                if !(norm > 0.0 && norm <= 1.0) {
                    return bad("norm must lie in (0, 1] to keep 0 < n_b < 1");
                }
            }
        }
        Ok(())
    }

    pub fn temperature(&self) -> f64 {
        match *self {
            Bath::Thermal { temperature, .. } | Bath::BraggSplit { temperature, .. } => temperature,
        }
    }

    /// (ln n_b(lambda), ln(1 - n_b(lambda))).
    pub fn ln_occupation(&self, lambda: f64) -> (f64, f64) {
        match *self {
            Bath::Thermal { temperature, mu } => ln_fd((0.5 * lambda * lambda - mu) / temperature),
            Bath::BraggSplit {
                temperature,
                mu,
                lambda_b,
                b,
                norm,
            } => {
                let (a1, c1) = ln_fd((0.5 * (lambda + lambda_b).powi(2) - mu) / temperature);
                let (a2, c2) = ln_fd((0.5 * (lambda - lambda_b).powi(2) - mu) / temperature);
                let lb = if b > 0.0 { b.ln() } else { f64::NEG_INFINITY };
                let l1b = (1.0 + b).ln();
                let ln_s = logaddexp(a1, lb + a2) - l1b;
                let ln_1ms = logaddexp(c1, lb + c2) - l1b;
                let ln_n = norm.ln() + ln_s;
                // 1 - norm*s = (1 - norm) + norm (1 - s)
                let ln_1mn = if norm < 1.0 {
                    logaddexp((1.0 - norm).ln(), norm.ln() + ln_1ms)
                } else {
                    ln_1ms
                };
                (ln_n, ln_1mn)
            }
        }
    }

    /// n_b(lambda).
    pub fn occupation(&self, lambda: f64) -> f64 {
        self.ln_occupation(lambda).0.exp()
    }

    /// Half-width L of a symmetric window [-L, L] outside which ln n_b has dropped by more than
    /// `depth` below its maximum (scanned outward in steps of 0.25 from the origin).
    pub fn support_half_width(&self, depth: f64) -> f64 {
        let step = 0.25;
        let mut max_ln = f64::NEG_INFINITY;
        let mut l = 0.0;
        // maximum over a coarse scan first (peaks lie within |lambda| < lambda_b + sqrt(2 mu)+)
        let reach = self.peak_reach();
        while l <= reach {
            max_ln = max_ln
                .max(self.ln_occupation(l).0)
                .max(self.ln_occupation(-l).0);
            l += step;
        }
        let mut l = reach;
        loop {
            let m = self.ln_occupation(l).0.max(self.ln_occupation(-l).0);
            if m < max_ln - depth {
                return l;
            }
            l += step;
        }
    }

    /// A velocity beyond which n_b decreases monotonically.
    fn peak_reach(&self) -> f64 {
        match *self {
            Bath::Thermal { temperature, mu } => (2.0 * mu.max(0.0)).sqrt() + temperature.sqrt(),
            Bath::BraggSplit {
                temperature,
                mu,
                lambda_b,
                ..
            } => lambda_b.abs() + (2.0 * mu.max(0.0)).sqrt() + temperature.sqrt(),
        }
    }

    /// Bath density rho_b = int n_b / (2 pi) (trapezoid on a fine grid; diagnostics only).
    pub fn density(&self) -> f64 {
        let l = self.support_half_width(60.0);
        let n = 20_000;
        let h = 2.0 * l / n as f64;
        (0..=n)
            .map(|k| {
                let x = -l + k as f64 * h;
                let wt = if k == 0 || k == n { 0.5 } else { 1.0 };
                wt * self.occupation(x)
            })
            .sum::<f64>()
            * h
            / (2.0 * PI)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::fig3b_bath;

    #[test]
    fn occupations_stay_in_unit_interval_and_logs_are_consistent() {
        let baths = [
            Bath::Thermal {
                temperature: 4.0,
                mu: 0.0,
            },
            fig3b_bath(),
            Bath::BraggSplit {
                temperature: 10.0,
                mu: 36.125,
                lambda_b: 8.0,
                b: 9.0,
                norm: 0.5,
            },
        ];
        for bath in baths {
            bath.validate().unwrap();
            for k in -400..=400 {
                let x = k as f64 * 0.1;
                let (ln, l1m) = bath.ln_occupation(x);
                let n = ln.exp();
                assert!(n > 0.0 && n < 1.0, "{bath:?} n({x}) = {n}");
                // ln(1-n) consistent with n wherever 1-n is well-conditioned
                assert!((l1m.exp() - (1.0 - n)).abs() < 1e-12, "{bath:?} at {x}");
            }
        }
    }

    #[test]
    fn bragg_split_with_b_is_mirror_of_inverse_b() {
        // b > 1 is the mirror image of 1/b (docs/physics.md §5).
        let a = fig3b_bath();
        let c = Bath::BraggSplit {
            temperature: 1.0,
            mu: 8.0,
            lambda_b: 3.9,
            b: 1.0 / 9.0,
            norm: 1.0,
        };
        for k in -100..=100 {
            let x = k as f64 * 0.07;
            assert!((a.occupation(x) - c.occupation(-x)).abs() < 1e-14);
        }
    }
}
