//! Velocity quadrature: the uniform trapezoid rule on a cutoff interval `[lo, hi]`.
//!
//! For integrands that are analytic in a strip around the real axis and decay like Gaussians
//! (every integrand of the velocity-swap theory: bath (104), stationary states (20)/(40) and their
//! moments) the trapezoid rule converges exponentially in `1/spacing` (the error of the
//! infinite-interval rule is `O(exp(-2 pi d / h))` for strip half-width `d`), and truncating at the
//! cutoff costs the integrand's tail mass. Both errors are measured in the tests of
//! [`crate::transport`] by halving the spacing and widening the cutoff.

use crate::bath::Bath;
use crate::error::{KineticError, check_positive};

/// Uniform velocity grid with trapezoid weights.
#[derive(Debug, Clone, PartialEq)]
pub struct VelocityGrid {
    nodes: Vec<f64>,
    weights: Vec<f64>,
    spacing: f64,
}

impl VelocityGrid {
    /// Uniform grid on `[lo, hi]` with spacing at most `max_spacing` (the interval is split into
    /// `ceil((hi - lo) / max_spacing)` equal cells).
    pub fn uniform(lo: f64, hi: f64, max_spacing: f64) -> Result<VelocityGrid, KineticError> {
        check_positive("max_spacing", max_spacing)?;
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Err(KineticError::InvalidParameter {
                name: "grid interval",
                value: hi - lo,
                reason: "need finite lo < hi",
            });
        }
        let cells = ((hi - lo) / max_spacing).ceil().max(2.0) as usize;
        let h = (hi - lo) / cells as f64;
        let nodes: Vec<f64> = (0..=cells).map(|i| lo + h * i as f64).collect();
        let weights = (0..=cells)
            .map(|i| if i == 0 || i == cells { 0.5 * h } else { h })
            .collect();
        Ok(VelocityGrid {
            nodes,
            weights,
            spacing: h,
        })
    }

    /// Grid covering the bath support: `[lo, hi] = bath.support(tail_tol)` (the bath density is
    /// below `tail_tol` times its maximum outside), spacing at most `max_spacing`.
    pub fn for_bath(
        bath: &Bath,
        tail_tol: f64,
        max_spacing: f64,
    ) -> Result<VelocityGrid, KineticError> {
        if !(tail_tol > 0.0 && tail_tol < 1.0) {
            return Err(KineticError::InvalidParameter {
                name: "tail_tol",
                value: tail_tol,
                reason: "must be in (0, 1)",
            });
        }
        let (lo, hi) = bath.support(tail_tol);
        VelocityGrid::uniform(lo, hi, max_spacing)
    }

    /// Quadrature nodes lambda_i.
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }
    /// Trapezoid weights w_i (sum to hi - lo).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    /// Grid spacing h.
    pub fn spacing(&self) -> f64 {
        self.spacing
    }
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    /// Always false (a grid has at least 3 nodes).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
    /// Cutoff interval `(lo, hi)`.
    pub fn interval(&self) -> (f64, f64) {
        (self.nodes[0], self.nodes[self.nodes.len() - 1])
    }
    /// `∫ f dlambda ≈ sum_i w_i f_i` for values `f_i` on the nodes.
    pub fn integrate(&self, values: &[f64]) -> f64 {
        debug_assert_eq!(values.len(), self.nodes.len());
        self.weights.iter().zip(values).map(|(w, f)| w * f).sum()
    }
    /// Values of `f` on the nodes.
    pub fn sample(&self, f: impl Fn(f64) -> f64) -> Vec<f64> {
        self.nodes.iter().map(|&l| f(l)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trapezoid_is_spectral_for_gaussians() {
        // ∫ exp(-x^2/(2 s^2)) = s sqrt(2 pi); spacing s gives error ~ exp(-2 pi^2) ~ 3e-9,
        // spacing s/2 ~ exp(-8 pi^2) ~ 1e-34 (roundoff).
        let s = 1.3;
        let exact = s * (2.0 * std::f64::consts::PI).sqrt();
        let mut prev = f64::INFINITY;
        for h in [2.0 * s, s, 0.5 * s] {
            let g = VelocityGrid::uniform(-40.0 * s, 40.0 * s, h).unwrap();
            let v = g.sample(|x| (-x * x / (2.0 * s * s)).exp());
            let err = (g.integrate(&v) - exact).abs() / exact;
            let predicted = 2.0
                * (-2.0 * std::f64::consts::PI.powi(2) * s * s / (g.spacing() * g.spacing())).exp();
            println!(
                "h={:.3} rel err={err:.3e} predicted 2exp(-2pi^2 s^2/h^2)={predicted:.3e}",
                g.spacing()
            );
            assert!(err <= predicted.max(1e-15) * 1.01);
            assert!(err <= prev);
            prev = err;
        }
    }
}
