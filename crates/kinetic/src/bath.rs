//! Classical frozen bath of the velocity-swap models (paper Sec. V.C).
//!
//! The bath root density `rho_p^(b)(lambda)` is a finite mixture of Gaussians normalised to the
//! bath density `rho_b`:
//! `rho_p^(b)(lambda) = rho_b * sum_k w_k N(lambda; c_k, s_k^2)`, `sum_k w_k = 1`.
//! This covers the Bragg-split bath of eq. (104),
//! `rho_p^(b) ∝ exp(-(lambda+lambda_B)^2/sigma^2) + b exp(-(lambda-lambda_B)^2/sigma^2)`,
//! (each Gaussian has standard deviation `sigma/sqrt(2)`) and the thermal (Maxwell-Boltzmann)
//! bath used for the classical limit (103), `rho_p^(b) ∝ exp(-(lambda-w)^2/(2T))` (m = k_B = 1).
//!
//! [`Bath`] is the single definition of the bath law in the workspace: the molecular dynamics
//! (`md::MixtureSampler`) samples the normalised law `rho_p^(b)/rho_b` of a `Bath` and uses its
//! [`Bath::pdf`], [`Bath::cdf`], [`Bath::prob`], moments and support.

use statrs::function::erf::erfc;

use crate::error::{KineticError, check_positive};

/// Statistics of the system particles: `chi = 0` classical, `chi = 1` fermions (eq. 39).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Statistics {
    Classical,
    Fermionic,
}

impl Statistics {
    /// The statistical factor chi (0 classical, 1 fermionic).
    pub fn chi(self) -> f64 {
        match self {
            Statistics::Classical => 0.0,
            Statistics::Fermionic => 1.0,
        }
    }

    /// Lower-case name ("classical" | "fermionic") used in output tables.
    pub fn name(self) -> &'static str {
        match self {
            Statistics::Classical => "classical",
            Statistics::Fermionic => "fermionic",
        }
    }
}

/// One normalised Gaussian of the bath mixture: `weight * N(lambda; center, std_dev^2)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianComponent {
    pub weight: f64,
    pub center: f64,
    pub std_dev: f64,
}

impl GaussianComponent {
    fn pdf(&self, lambda: f64) -> f64 {
        let z = (lambda - self.center) / self.std_dev;
        self.weight * (-0.5 * z * z).exp() / (self.std_dev * (2.0 * std::f64::consts::PI).sqrt())
    }
}

/// Classical frozen bath, `rho_p^(b)(lambda)` normalised to `rho_b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bath {
    rho_b: f64,
    components: Vec<GaussianComponent>,
}

impl Bath {
    /// General Gaussian mixture; weights are normalised to sum to 1.
    pub fn mixture(components: Vec<GaussianComponent>, rho_b: f64) -> Result<Bath, KineticError> {
        check_positive("rho_b", rho_b)?;
        if components.is_empty() {
            return Err(KineticError::InvalidParameter {
                name: "components",
                value: 0.0,
                reason: "need at least one Gaussian component",
            });
        }
        let mut total = 0.0;
        for c in &components {
            check_positive("std_dev", c.std_dev)?;
            if !(c.weight.is_finite() && c.weight >= 0.0) {
                return Err(KineticError::InvalidParameter {
                    name: "weight",
                    value: c.weight,
                    reason: "must be finite and >= 0",
                });
            }
            if !c.center.is_finite() {
                return Err(KineticError::InvalidParameter {
                    name: "center",
                    value: c.center,
                    reason: "must be finite",
                });
            }
            total += c.weight;
        }
        check_positive("total weight", total)?;
        let components = components
            .into_iter()
            .filter(|c| c.weight > 0.0)
            .map(|c| GaussianComponent {
                weight: c.weight / total,
                ..c
            })
            .collect();
        Ok(Bath { rho_b, components })
    }

    /// Bragg-split bath of eq. (104):
    /// `rho_p^(b)(lambda) ∝ exp(-(lambda+lambda_B)^2/sigma^2) + b exp(-(lambda-lambda_B)^2/sigma^2)`,
    /// normalised to `rho_b`. Requires `sigma > 0`, `b >= 0`, `rho_b > 0`.
    pub fn bragg(sigma: f64, lambda_b: f64, b: f64, rho_b: f64) -> Result<Bath, KineticError> {
        check_positive("sigma", sigma)?;
        if !(b.is_finite() && b >= 0.0) {
            return Err(KineticError::InvalidParameter {
                name: "b",
                value: b,
                reason: "must be finite and >= 0",
            });
        }
        if !lambda_b.is_finite() {
            return Err(KineticError::InvalidParameter {
                name: "lambda_b",
                value: lambda_b,
                reason: "must be finite",
            });
        }
        let s = sigma / std::f64::consts::SQRT_2;
        Bath::mixture(
            vec![
                GaussianComponent {
                    weight: 1.0,
                    center: -lambda_b,
                    std_dev: s,
                },
                GaussianComponent {
                    weight: b,
                    center: lambda_b,
                    std_dev: s,
                },
            ],
            rho_b,
        )
    }

    /// Thermal (Maxwell-Boltzmann) bath at temperature `T` moving with velocity `boost`:
    /// `rho_p^(b) = rho_b exp(-(lambda-boost)^2/(2T)) / sqrt(2 pi T)` (used for eq. 103).
    pub fn thermal(temperature: f64, boost: f64, rho_b: f64) -> Result<Bath, KineticError> {
        check_positive("temperature", temperature)?;
        Bath::mixture(
            vec![GaussianComponent {
                weight: 1.0,
                center: boost,
                std_dev: temperature.sqrt(),
            }],
            rho_b,
        )
    }

    /// Galilean boost `lambda -> lambda + w` (Appendix D3).
    pub fn boosted(&self, w: f64) -> Bath {
        Bath {
            rho_b: self.rho_b,
            components: self
                .components
                .iter()
                .map(|c| GaussianComponent {
                    center: c.center + w,
                    ..*c
                })
                .collect(),
        }
    }

    /// Total bath density `rho_b = ∫ rho_p^(b)`.
    pub fn rho_b(&self) -> f64 {
        self.rho_b
    }

    /// Bath root density `rho_p^(b)(lambda)`; integrates to `rho_b`.
    pub fn density(&self, lambda: f64) -> f64 {
        self.rho_b * self.components.iter().map(|c| c.pdf(lambda)).sum::<f64>()
    }

    /// Normalised bath distribution `rho_p^(b)(lambda) / rho_b` (integrates to 1).
    pub fn pdf(&self, lambda: f64) -> f64 {
        self.components.iter().map(|c| c.pdf(lambda)).sum()
    }

    /// Exact mean velocity of the bath.
    pub fn mean(&self) -> f64 {
        self.components.iter().map(|c| c.weight * c.center).sum()
    }

    /// Exact second moment `<lambda^2>` of the normalised bath.
    pub fn second_moment(&self) -> f64 {
        self.components
            .iter()
            .map(|c| c.weight * (c.center * c.center + c.std_dev * c.std_dev))
            .sum()
    }

    /// Cumulative distribution of the normalised bath `rho_p^(b)/rho_b` at `lambda` (erfc form,
    /// accurate in both tails).
    pub fn cdf(&self, lambda: f64) -> f64 {
        self.components
            .iter()
            .map(|c| {
                let z = (lambda - c.center) / (c.std_dev * std::f64::consts::SQRT_2);
                c.weight * 0.5 * erfc(-z)
            })
            .sum()
    }

    /// Probability of `[a, b)` under the normalised bath `rho_p^(b)/rho_b`, each component
    /// computed from its nearer tail (no cancellation far out).
    pub fn prob(&self, a: f64, b: f64) -> f64 {
        self.components
            .iter()
            .map(|c| {
                let s = c.std_dev * std::f64::consts::SQRT_2;
                let (za, zb) = ((a - c.center) / s, (b - c.center) / s);
                let p = if za >= 0.0 {
                    0.5 * (erfc(za) - erfc(zb))
                } else {
                    0.5 * (erfc(-zb) - erfc(-za))
                };
                c.weight * p
            })
            .sum()
    }

    /// Exact velocity variance of the bath.
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        self.components
            .iter()
            .map(|c| c.weight * (c.std_dev * c.std_dev + (c.center - m) * (c.center - m)))
            .sum()
    }

    /// Mixture components (weights sum to 1), for exact sampling.
    pub fn components(&self) -> &[GaussianComponent] {
        &self.components
    }

    /// Interval outside which every component is below `rel_tol` times its own peak, hence
    /// `density < rel_tol * max(density)` there (conservative: each component's peak is at most
    /// the density maximum). Requires `0 < rel_tol < 1`.
    pub fn support(&self, rel_tol: f64) -> (f64, f64) {
        let t = rel_tol.clamp(f64::MIN_POSITIVE, 1.0 - 1e-16);
        // each component: weight*peak*exp(-z^2/2) < rel_tol * max_density;
        // max_density >= weight*peak (mixture of non-negative terms), so z = sqrt(-2 ln t) suffices.
        self.support_std_devs((-2.0 * t.ln()).sqrt())
    }

    /// Interval `[min_k (c_k - z s_k), max_k (c_k + z s_k)]`: outside it every component is
    /// more than `z` of its own standard deviations from its centre (weight below
    /// `erfc(z/sqrt 2)/2` per side).
    pub fn support_std_devs(&self, z: f64) -> (f64, f64) {
        let lo = self
            .components
            .iter()
            .map(|c| c.center - z * c.std_dev)
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .components
            .iter()
            .map(|c| c.center + z * c.std_dev)
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trapz(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        (0..=n)
            .map(|i| {
                let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                w * f(a + h * i as f64)
            })
            .sum::<f64>()
            * h
    }

    #[test]
    fn bragg_normalisation_moments_and_shape() {
        let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap();
        let (a, b) = bath.support(1e-30);
        let n = 4000;
        let norm = trapz(|l| bath.density(l), a, b, n);
        let mean = trapz(|l| l * bath.density(l), a, b, n) / norm;
        let var = trapz(|l| (l - mean).powi(2) * bath.density(l), a, b, n) / norm;
        println!(
            "norm={norm} mean={mean} (exact {}) var={var} (exact {})",
            bath.mean(),
            bath.variance()
        );
        assert!((norm - 50.0).abs() < 1e-12 * 50.0);
        assert!((mean - bath.mean()).abs() < 1e-12 * 10.0);
        assert!((var - bath.variance()).abs() < 1e-11 * bath.variance());
        // Shape of eq. (104): ratio to the unnormalised form is constant.
        let shape = |l: f64| {
            (-(l + 5.9f64).powi(2) / 36.0).exp() + 0.3 * (-(l - 5.9f64).powi(2) / 36.0).exp()
        };
        let r0 = bath.density(0.0) / shape(0.0);
        for l in [-12.0, -3.0, 1.0, 7.5, 15.0] {
            assert!((bath.density(l) / shape(l) / r0 - 1.0).abs() < 1e-13);
        }
        // Exact moments: mean = lambda_B (b-1)/(b+1), var = sigma^2/2 + lambda_B^2 (1 - mean^2/lambda_B^2)
        let m = 5.9 * (0.3 - 1.0) / 1.3;
        assert!((bath.mean() - m).abs() < 1e-14);
        assert!((bath.variance() - (18.0 + 5.9 * 5.9 - m * m)).abs() < 1e-12);
    }

    #[test]
    fn thermal_boost_and_support() {
        let bath = Bath::thermal(2.0, 0.0, 3.0).unwrap();
        assert!((bath.variance() - 2.0).abs() < 1e-15);
        let moved = bath.boosted(1.5);
        assert!((moved.mean() - 1.5).abs() < 1e-15);
        assert!((moved.variance() - 2.0).abs() < 1e-15);
        assert!((moved.density(2.7) - bath.density(1.2)).abs() < 1e-15);
        let (lo, hi) = bath.support(1e-10);
        let peak = bath.density(0.0);
        assert!(bath.density(lo) <= 1e-10 * peak * (1.0 + 1e-9));
        assert!(bath.density(hi) <= 1e-10 * peak * (1.0 + 1e-9));
    }

    #[test]
    fn rejects_unphysical_parameters() {
        assert!(Bath::bragg(0.0, 1.0, 1.0, 1.0).is_err());
        assert!(Bath::bragg(1.0, 1.0, -0.1, 1.0).is_err());
        assert!(Bath::bragg(1.0, 1.0, 1.0, 0.0).is_err());
        assert!(Bath::thermal(-1.0, 0.0, 1.0).is_err());
        assert!(Bath::bragg(1.0, f64::NAN, 1.0, 1.0).is_err());
        // (moved here from md's sampler tests: a sampler is built from a validated bath)
        assert!(Bath::bragg(1.0, 1.0, -1.0, 1.0).is_err());
        assert!(Bath::mixture(vec![], 1.0).is_err());
    }

    /// The normalised law: cdf is the integral of pdf, prob the cdf difference (and exact in
    /// the far tails, where the cdf difference cancels), second moment = variance + mean^2.
    #[test]
    fn cdf_prob_and_second_moment() {
        let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap();
        let (lo, _) = bath.support(1e-30);
        for x in [-20.0, -5.9, 0.0, 3.0, 12.0] {
            let integral = trapz(|l| bath.pdf(l), lo, x, 40_000);
            // trapezoid error h^2/12 |pdf'(x)| ~ 1e-9
            assert!((bath.cdf(x) - integral).abs() < 1e-8, "cdf({x})");
            assert!((bath.prob(x, x + 0.7) - (bath.cdf(x + 0.7) - bath.cdf(x))).abs() < 1e-15);
        }
        assert!((bath.cdf(80.0) - 1.0).abs() < 1e-15 && bath.cdf(-80.0) < 1e-15);
        assert!((bath.prob(f64::NEG_INFINITY, f64::INFINITY) - 1.0).abs() < 1e-15);
        // far tail: one component 10 std devs out, prob > 0 although cdf(b) - cdf(a) == 0
        let far = bath.prob(5.9 + 10.0 * 6.0 / 2f64.sqrt(), f64::INFINITY);
        assert!(far > 0.0 && far < 1e-23);
        let m2 = bath.second_moment();
        assert!((m2 - (bath.variance() + bath.mean() * bath.mean())).abs() < 1e-12 * m2);
        let s = bath.components()[0].std_dev;
        assert_eq!(bath.support_std_devs(3.0), (-5.9 - 3.0 * s, 5.9 + 3.0 * s));
    }
}
