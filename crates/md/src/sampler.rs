//! Exact sampler of a Gaussian mixture: the normalised bath distribution `rho_p^(b) / rho_b`.
//!
//! The Bragg-split bath (104), `rho_p^(b) ∝ exp(-(λ+λ_B)²/σ²) + b exp(-(λ-λ_B)²/σ²)`, is a
//! two-component mixture with weights `1/(1+b)`, `b/(1+b)`, centres `∓λ_B` and standard
//! deviation `σ/√2` (note: σ in (104) is *not* the standard deviation). The physics crate
//! `kinetic::bath::Bath::components()` provides the components; this module only samples them.

use rand::Rng;
use rand_distr::StandardNormal;
use statrs::function::erf::erfc;

use crate::{MdError, invalid};

/// One Gaussian component `weight * N(center, std_dev²)` of the normalised bath distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Component {
    /// mixture weight (the weights are normalised by [`MixtureSampler::new`])
    pub weight: f64,
    /// mean velocity of the component
    pub center: f64,
    /// standard deviation of the component
    pub std_dev: f64,
}

/// Exact sampler (component by inverse CDF of the weights, normal by ziggurat).
#[derive(Debug, Clone)]
pub struct MixtureSampler {
    /// cumulative normalised weights, last entry exactly 1
    cumulative: Vec<f64>,
    components: Vec<Component>,
}

impl MixtureSampler {
    /// Build from components; weights are normalised to 1.
    pub fn new(components: &[Component]) -> Result<Self, MdError> {
        if components.is_empty() {
            return Err(invalid("components", "empty mixture"));
        }
        for c in components {
            if !(c.weight >= 0.0 && c.weight.is_finite()) {
                return Err(invalid(
                    "components.weight",
                    format!("{} is not >= 0", c.weight),
                ));
            }
            if !(c.std_dev > 0.0 && c.std_dev.is_finite()) {
                return Err(invalid(
                    "components.std_dev",
                    format!("{} is not > 0", c.std_dev),
                ));
            }
            if !c.center.is_finite() {
                return Err(invalid("components.center", "not finite"));
            }
        }
        let total: f64 = components.iter().map(|c| c.weight).sum();
        if total <= 0.0 {
            return Err(invalid("components.weight", "total weight is zero"));
        }
        let components: Vec<Component> = components
            .iter()
            .map(|c| Component {
                weight: c.weight / total,
                ..*c
            })
            .collect();
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = components
            .iter()
            .map(|c| {
                acc += c.weight;
                acc
            })
            .collect();
        *cumulative.last_mut().expect("non-empty") = 1.0;
        Ok(Self {
            cumulative,
            components,
        })
    }

    /// The Bragg-split bath (104) with parameters (σ, λ_B, b), normalised.
    pub fn bragg(sigma: f64, lambda_b: f64, b: f64) -> Result<Self, MdError> {
        if !(sigma > 0.0) {
            return Err(invalid("sigma", "must be > 0"));
        }
        if !(b >= 0.0) {
            return Err(invalid("b", "must be >= 0"));
        }
        let s = sigma / std::f64::consts::SQRT_2;
        Self::new(&[
            Component {
                weight: 1.0,
                center: -lambda_b,
                std_dev: s,
            },
            Component {
                weight: b,
                center: lambda_b,
                std_dev: s,
            },
        ])
    }

    /// The normalised components.
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// Draw one velocity.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let c = &self.components[self.pick(rng)];
        let z: f64 = rng.sample(StandardNormal);
        c.center + c.std_dev * z
    }

    /// Draw only the component index (probability = its weight).
    #[inline(always)]
    pub fn pick<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        if self.components.len() == 1 {
            0
        } else {
            let u: f64 = rng.random();
            self.cumulative
                .iter()
                .position(|&cw| u < cw)
                .unwrap_or(self.components.len() - 1)
        }
    }

    /// Probability density at `x`.
    pub fn density(&self, x: f64) -> f64 {
        self.components
            .iter()
            .map(|c| {
                let z = (x - c.center) / c.std_dev;
                c.weight * (-0.5 * z * z).exp() / (c.std_dev * (2.0 * std::f64::consts::PI).sqrt())
            })
            .sum()
    }

    /// Cumulative distribution function at `x` (erfc form, accurate in both tails).
    pub fn cdf(&self, x: f64) -> f64 {
        self.components
            .iter()
            .map(|c| {
                let z = (x - c.center) / (c.std_dev * std::f64::consts::SQRT_2);
                c.weight * 0.5 * erfc(-z)
            })
            .sum()
    }

    /// Probability of `[a, b)`, computed from the nearer tail to avoid cancellation.
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

    /// Mean velocity.
    pub fn mean(&self) -> f64 {
        self.components.iter().map(|c| c.weight * c.center).sum()
    }

    /// Second moment <λ²>.
    pub fn second_moment(&self) -> f64 {
        self.components
            .iter()
            .map(|c| c.weight * (c.center * c.center + c.std_dev * c.std_dev))
            .sum()
    }

    /// Interval `[lo, hi]` outside which every component has less than `exp(-k²/2)` weight.
    pub fn support(&self, k: f64) -> (f64, f64) {
        let lo = self
            .components
            .iter()
            .map(|c| c.center - k * c.std_dev)
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .components
            .iter()
            .map(|c| c.center + k * c.std_dev)
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realization_rng;

    #[test]
    fn moments_and_cdf_match_sampling() {
        let s = MixtureSampler::bragg(0.2, 0.4, 0.5).unwrap();
        // exact: mean = λ_B (b-1)/(1+b), <λ²> = λ_B² + σ²/2
        assert!((s.mean() - 0.4 * (-0.5) / 1.5).abs() < 1e-15);
        assert!((s.second_moment() - (0.16 + 0.02)).abs() < 1e-15);
        assert!((s.cdf(10.0) - 1.0).abs() < 1e-15 && s.cdf(-10.0) < 1e-15);
        assert!((s.prob(-1.0, 0.1) - (s.cdf(0.1) - s.cdf(-1.0))).abs() < 1e-14);
        let mut rng = realization_rng(1, 0);
        let n = 200_000;
        let (mut m1, mut m2, mut below) = (0.0, 0.0, 0usize);
        for _ in 0..n {
            let v = s.sample(&mut rng);
            m1 += v;
            m2 += v * v;
            below += usize::from(v < 0.1);
        }
        m1 /= n as f64;
        m2 /= n as f64;
        let var = s.second_moment() - s.mean() * s.mean();
        let z_mean = (m1 - s.mean()) / (var / n as f64).sqrt();
        let p = s.cdf(0.1);
        let z_cdf = (below as f64 / n as f64 - p) / (p * (1.0 - p) / n as f64).sqrt();
        println!("sampler: z(mean) = {z_mean:.2}, z(cdf at 0.1) = {z_cdf:.2}, <v²> = {m2:.5}");
        assert!(z_mean.abs() < 4.0 && z_cdf.abs() < 4.0);
    }

    #[test]
    fn rejects_bad_components() {
        assert!(MixtureSampler::new(&[]).is_err());
        assert!(MixtureSampler::bragg(0.0, 1.0, 1.0).is_err());
        assert!(MixtureSampler::bragg(1.0, 1.0, -1.0).is_err());
    }
}
