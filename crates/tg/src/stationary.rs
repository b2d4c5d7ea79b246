//! Stationary state of the system tube (paper eq. (34) in the TG limit, docs/physics.md §5):
//! eps_st = eps_b + nu, i.e. n_st = n_b / (n_b + (1 - n_b) e^nu), nu fixed by the density
//! rho = int rho_p = int n_st / (2 pi).
//!
//! Notation used throughout the crate: m = rho_p (1 - n) = n (1 - n)/(2 pi) is the weight of the
//! hydrodynamic scalar product (F2) in TG, (f|g)_st = int m f g, and
//! w = rho_p rho_h rho_p^b rho_h^b = m * r with r = n_b (1 - n_b) / (2 pi)^3 the kernel of (E8).

use crate::{Bath, Result, TgError, logaddexp};
use std::f64::consts::PI;

/// Uniform trapezoid grid on [-L, L] used for whole-line integrals (spectrally accurate for the
/// smooth, rapidly decaying integrands met here).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub half_width: f64,
    pub step: f64,
    pub nodes: Vec<f64>,
}

impl Grid {
    /// Grid of step <= `step` covering [-half_width, half_width].
    pub fn new(half_width: f64, step: f64) -> Result<Self> {
        if !(half_width > 0.0 && step > 0.0 && step < half_width) {
            return Err(TgError::InvalidParameter(format!(
                "grid half-width {half_width} and step {step}"
            )));
        }
        let n = (2.0 * half_width / step).ceil() as usize;
        let h = 2.0 * half_width / n as f64;
        let nodes = (0..=n).map(|k| -half_width + k as f64 * h).collect();
        Ok(Self {
            half_width,
            step: h,
            nodes,
        })
    }

    /// Trapezoid weight of node k.
    pub fn weight(&self, k: usize) -> f64 {
        if k == 0 || k + 1 == self.nodes.len() {
            0.5 * self.step
        } else {
            self.step
        }
    }

    /// Trapezoid integral of samples f(x_k).
    pub fn integrate(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.nodes
            .iter()
            .enumerate()
            .map(|(k, &x)| self.weight(k) * f(x))
            .sum()
    }
}

/// How the whole-line grid is chosen for a bath: ln n_b falls by `depth` at the edges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridSpec {
    /// Drop of ln n_b between its maximum and the grid edge (700 ~ a factor 1e-304).
    pub depth: f64,
    /// Grid step.
    pub step: f64,
}

impl Default for GridSpec {
    fn default() -> Self {
        Self {
            depth: 700.0,
            step: 0.01,
        }
    }
}

impl GridSpec {
    pub fn grid_for(&self, bath: &Bath) -> Result<Grid> {
        Grid::new(bath.support_half_width(self.depth), self.step)
    }
}

/// Stationary state of the system tube for a given bath and Lagrange parameter nu.
#[derive(Debug, Clone)]
pub struct StationaryState {
    pub bath: Bath,
    pub nu: f64,
    pub grid: Grid,
}

impl StationaryState {
    pub fn from_nu(bath: Bath, nu: f64, grid: Grid) -> Result<Self> {
        bath.validate()?;
        if !nu.is_finite() {
            return Err(TgError::InvalidParameter("nu must be finite".into()));
        }
        Ok(Self { bath, nu, grid })
    }

    /// State of density `rho`: solves ln rho(nu) = ln rho by safeguarded Newton on a bracket
    /// (rho(nu) is strictly decreasing, d ln rho / d nu = -(h0|h0)/rho).
    pub fn from_rho(bath: Bath, rho: f64, spec: GridSpec) -> Result<Self> {
        bath.validate()?;
        if !(rho > 0.0 && rho.is_finite()) {
            return Err(TgError::InvalidParameter(format!(
                "density {rho} must be positive"
            )));
        }
        let grid = spec.grid_for(&bath)?;
        let target = rho.ln();
        let f = |nu: f64| -> (f64, f64) {
            let s = Self {
                bath,
                nu,
                grid: grid.clone(),
            };
            let lr = s.ln_density();
            (lr - target, -s.norm() / lr.exp())
        };
        // bracket: f decreasing in nu
        let (mut lo, mut hi) = (-1.0, 1.0);
        let mut it = 0;
        while f(lo).0 < 0.0 {
            lo = 2.0 * lo - 1.0;
            it += 1;
            if it > 200 {
                return Err(TgError::RootFinding(format!(
                    "cannot reach density {rho} (nu -> -inf)"
                )));
            }
        }
        while f(hi).0 > 0.0 {
            hi = 2.0 * hi + 1.0;
            it += 1;
            if it > 400 {
                return Err(TgError::RootFinding(format!("cannot reach density {rho}")));
            }
        }
        let mut nu = 0.5 * (lo + hi);
        for _ in 0..200 {
            let (fv, dv) = f(nu);
            if fv.abs() < 1e-15 {
                break;
            }
            if fv > 0.0 {
                lo = nu
            } else {
                hi = nu
            }
            let mut next = nu - fv / dv;
            if !(next > lo && next < hi && next.is_finite()) {
                next = 0.5 * (lo + hi);
            }
            let done = (next - nu).abs() < 1e-15 * (1.0 + nu.abs());
            nu = next;
            if done {
                break;
            }
        }
        Self::from_nu(bath, nu, grid)
    }

    /// (ln n_st, ln(1 - n_st)) at lambda.
    pub fn ln_occupation(&self, lambda: f64) -> (f64, f64) {
        let (a, c) = self.bath.ln_occupation(lambda);
        let den = logaddexp(a, c + self.nu);
        (a - den, c + self.nu - den)
    }

    pub fn occupation(&self, lambda: f64) -> f64 {
        self.ln_occupation(lambda).0.exp()
    }

    /// ln m, m = rho_p (1 - n) = n (1 - n) / (2 pi).
    pub fn ln_weight(&self, lambda: f64) -> f64 {
        let (a, c) = self.ln_occupation(lambda);
        a + c - (2.0 * PI).ln()
    }

    pub fn weight(&self, lambda: f64) -> f64 {
        self.ln_weight(lambda).exp()
    }

    /// ln r, r = w / m = n_b (1 - n_b) / (2 pi)^3 (kernel of (E8) per unit weight).
    pub fn ln_rate_ratio(&self, lambda: f64) -> f64 {
        let (a, c) = self.bath.ln_occupation(lambda);
        a + c - 3.0 * (2.0 * PI).ln()
    }

    /// w = rho_p rho_h rho_p^b rho_h^b of (E8).
    pub fn kernel(&self, lambda: f64) -> f64 {
        (self.ln_weight(lambda) + self.ln_rate_ratio(lambda)).exp()
    }

    /// rho_p^st(lambda).
    pub fn rho_p(&self, lambda: f64) -> f64 {
        self.occupation(lambda) / (2.0 * PI)
    }

    /// ln of the density int rho_p (log-sum-exp of the trapezoid sum).
    pub fn ln_density(&self) -> f64 {
        let g = &self.grid;
        let vals: Vec<f64> = g
            .nodes
            .iter()
            .enumerate()
            .map(|(k, &x)| g.weight(k).ln() + self.ln_occupation(x).0)
            .collect();
        let mx = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        mx + vals.iter().map(|v| (v - mx).exp()).sum::<f64>().ln() - (2.0 * PI).ln()
    }

    pub fn density(&self) -> f64 {
        self.ln_density().exp()
    }

    /// (f|g)_st-type integral int m f.
    pub fn m_integral(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.grid.integrate(|x| self.weight(x) * f(x))
    }

    /// (h0|h0)_st = int m = -d rho / d nu.
    pub fn norm(&self) -> f64 {
        self.m_integral(|_| 1.0)
    }

    /// d rho_st / d rho (lambda) = m / (h0|h0) (cf. (87) with chi = 1; sign of (F6)/(F7) fixed).
    pub fn drho_p_drho(&self, lambda: f64) -> f64 {
        self.weight(lambda) / self.norm()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{fig3b_bath, grid_spec as spec};

    #[test]
    fn density_is_reproduced_and_thermal_bath_gives_thermal_state() {
        let bath = Bath::Thermal {
            temperature: 4.0,
            mu: 0.0,
        };
        for rho in [1e-8, 0.05, 0.5, 2.0] {
            let s = StationaryState::from_rho(bath, rho, spec()).unwrap();
            assert!(
                (s.density() / rho - 1.0).abs() < 1e-12,
                "rho {rho}: {}",
                s.density()
            );
            // thermal bath -> Fermi-Dirac at the same T with mu = mu_b - T nu
            let mu = 0.0 - 4.0 * s.nu;
            for x in [-7.0, -1.0, 0.0, 2.5, 9.0] {
                let fd = 1.0 / (1.0 + ((0.5 * x * x - mu) / 4.0f64).exp());
                assert!((s.occupation(x) / fd - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn normalisation_of_drho_st_drho_by_finite_differences() {
        // int d rho_st/d rho = 1, and pointwise d rho_st / d rho = m/(h0|h0) (docs/physics.md §5).
        let bath = fig3b_bath();
        for rho in [0.1, 0.8] {
            let s = StationaryState::from_rho(bath, rho, spec()).unwrap();
            let total = s.grid.integrate(|x| s.drho_p_drho(x));
            println!("rho={rho}: int d rho_st/d rho = {total:.15}");
            assert!((total - 1.0).abs() < 1e-12);
            let d = 1e-5 * rho;
            let sp = StationaryState::from_rho(bath, rho + d, spec()).unwrap();
            let sm = StationaryState::from_rho(bath, rho - d, spec()).unwrap();
            let mut worst: f64 = 0.0;
            for k in -60..=60 {
                let x = k as f64 * 0.125;
                let fd = (sp.rho_p(x) - sm.rho_p(x)) / (2.0 * d);
                let an = s.drho_p_drho(x);
                worst = worst.max((fd - an).abs() / s.drho_p_drho(x).max(1e-3));
            }
            println!("rho={rho}: max rel. |FD - m/(h0|h0)| = {worst:.2e}");
            assert!(worst < 1e-7);
        }
    }
}
