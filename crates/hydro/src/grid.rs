//! Cell-centred 1D grid, boundary conditions and slope limiters.

use crate::{HydroError, check_positive};

/// Uniform cell-centred grid of `n` cells on `[x0, x0 + length)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub x0: f64,
    pub length: f64,
    pub n: usize,
}

impl Grid {
    pub fn new(x0: f64, length: f64, n: usize) -> Result<Grid, HydroError> {
        check_positive("length", length)?;
        if !x0.is_finite() {
            return Err(HydroError::InvalidParameter {
                name: "x0",
                value: x0,
                reason: "must be finite",
            });
        }
        if n < 4 {
            return Err(HydroError::InvalidParameter {
                name: "n",
                value: n as f64,
                reason: "need at least 4 cells",
            });
        }
        Ok(Grid { x0, length, n })
    }

    /// Cell width.
    pub fn dx(&self) -> f64 {
        self.length / self.n as f64
    }

    /// Cell centres.
    pub fn centers(&self) -> Vec<f64> {
        let dx = self.dx();
        (0..self.n)
            .map(|i| self.x0 + (i as f64 + 0.5) * dx)
            .collect()
    }

    /// Cell averages of `f`, by 3-point Gauss-Legendre quadrature per cell (error O(dx^6 f^(6))).
    pub fn cell_averages(&self, f: impl Fn(f64) -> f64) -> Vec<f64> {
        let dx = self.dx();
        let g = 0.5 * (3.0f64 / 5.0).sqrt();
        self.centers()
            .into_iter()
            .map(|c| (5.0 * f(c - g * dx) + 8.0 * f(c) + 5.0 * f(c + g * dx)) / 18.0)
            .collect()
    }

    /// Total mass `sum rho_i dx`.
    pub fn mass(&self, rho: &[f64]) -> f64 {
        rho.iter().sum::<f64>() * self.dx()
    }
}

/// Boundary conditions of the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// Periodic box (the MD box of Fig. 5).
    Periodic,
    /// Closed box: the advective and the diffusive flux vanish at both walls. With the Strang
    /// splitting of [`crate::burgers`] this is only first-order accurate near the walls when
    /// `J(rho_wall) != 0` (measured in the tests); use `Periodic` for order-2 results.
    NoFlux,
}

/// Slope limiter of the piecewise-linear (MUSCL) reconstruction. Slopes are per cell (differences).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limiter {
    /// Unlimited centred slope (Fromm): second order everywhere, not TVD.
    Centered,
    Minmod,
    VanLeer,
    /// Monotonized central (van Leer 1977): TVD, least dissipative of the three.
    MonotonizedCentral,
}

impl Limiter {
    /// Limited slope from the backward and forward differences `a`, `b`.
    #[inline]
    pub fn slope(self, a: f64, b: f64) -> f64 {
        match self {
            Limiter::Centered => 0.5 * (a + b),
            Limiter::Minmod => {
                if a * b <= 0.0 {
                    0.0
                } else if a.abs() < b.abs() {
                    a
                } else {
                    b
                }
            }
            Limiter::VanLeer => {
                if a * b <= 0.0 {
                    0.0
                } else {
                    2.0 * a * b / (a + b)
                }
            }
            Limiter::MonotonizedCentral => {
                if a * b <= 0.0 {
                    0.0
                } else {
                    let s = a.signum();
                    s * (2.0 * a.abs()).min(2.0 * b.abs()).min(0.5 * (a + b).abs())
                }
            }
        }
    }

    /// Is the limiter total-variation diminishing (bounded reconstruction)?
    pub fn is_tvd(self) -> bool {
        !matches!(self, Limiter::Centered)
    }
}

/// Limited slopes of `v` (per cell), with ghost values from the boundary condition
/// (periodic wrap, or linear extrapolation at closed walls).
pub(crate) fn slopes(v: &[f64], boundary: Boundary, limiter: Limiter, out: &mut [f64]) {
    let n = v.len();
    for i in 0..n {
        let (l, r) = match boundary {
            Boundary::Periodic => (v[(i + n - 1) % n], v[(i + 1) % n]),
            // linear extrapolation into the ghost cells: one-sided slope at the walls, where
            // the profile has a gradient J/D (zero total flux), not a zero gradient
            Boundary::NoFlux => (
                if i == 0 { 2.0 * v[0] - v[1] } else { v[i - 1] },
                if i == n - 1 {
                    2.0 * v[n - 1] - v[n - 2]
                } else {
                    v[i + 1]
                },
            ),
        };
        out[i] = limiter.slope(v[i] - l, r - v[i]);
    }
}

/// Solve the tridiagonal system `a_i x_{i-1} + b_i x_i + c_i x_{i+1} = d_i` (a_0 = c_{n-1} = 0
/// ignored) by the Thomas algorithm; diagonal dominance assumed. `scratch` has length n.
pub(crate) fn solve_tridiagonal(
    a: &[f64],
    b: &[f64],
    c: &[f64],
    d: &mut [f64],
    scratch: &mut [f64],
) {
    solve_tridiagonal_many(a, b, c, [d], scratch);
}

/// [`solve_tridiagonal`] for K right-hand sides at once: the elimination factors are
/// computed once, and each right-hand side sees exactly the operations of its own
/// [`solve_tridiagonal`] call (bit-identical results; for the cyclic solve's two right-hand
/// sides, one division chain instead of two).
fn solve_tridiagonal_many<const K: usize>(
    a: &[f64],
    b: &[f64],
    c: &[f64],
    mut rhs: [&mut [f64]; K],
    scratch: &mut [f64],
) {
    let n = b.len();
    scratch[0] = c[0] / b[0];
    for d in rhs.iter_mut() {
        d[0] /= b[0];
    }
    for i in 1..n {
        let m = b[i] - a[i] * scratch[i - 1];
        scratch[i] = c[i] / m;
        for d in rhs.iter_mut() {
            d[i] = (d[i] - a[i] * d[i - 1]) / m;
        }
    }
    for i in (0..n - 1).rev() {
        for d in rhs.iter_mut() {
            d[i] -= scratch[i] * d[i + 1];
        }
    }
}

/// Solve the cyclic tridiagonal system (corner entries `a_0` at (0, n-1) and `c_{n-1}` at
/// (n-1, 0)) by Sherman-Morrison on top of the Thomas algorithm.
#[cfg(test)]
pub(crate) fn solve_cyclic(a: &[f64], b: &[f64], c: &[f64], d: &mut [f64]) {
    let mut work = CyclicWork::default();
    solve_cyclic_in_place(
        (&mut a.to_vec(), &mut b.to_vec(), &mut c.to_vec()),
        d,
        &mut work,
    );
}

/// Work space of [`solve_cyclic_in_place`] (kept between calls: a time loop allocates nothing).
#[derive(Debug, Default)]
pub(crate) struct CyclicWork {
    u: Vec<f64>,
    scratch: Vec<f64>,
}

/// [`solve_cyclic`] overwriting the coefficients `(a, b, c)` (the caller rebuilds them) and
/// using `work` for its two vectors: the same operations in the same order.
pub(crate) fn solve_cyclic_in_place(
    (a, b, c): (&mut [f64], &mut [f64], &mut [f64]),
    d: &mut [f64],
    work: &mut CyclicWork,
) {
    let n = b.len();
    let (a0, cn) = (a[0], c[n - 1]);
    let gamma = -b[0];
    b[0] -= gamma;
    b[n - 1] -= a0 * cn / gamma;
    a[0] = 0.0;
    c[n - 1] = 0.0;
    work.scratch.resize(n, 0.0);
    let u = &mut work.u;
    u.clear();
    u.resize(n, 0.0);
    u[0] = gamma;
    u[n - 1] = cn;
    solve_tridiagonal_many(a, b, c, [d, u], &mut work.scratch);
    let fact = (d[0] + a0 * d[n - 1] / gamma) / (1.0 + u[0] + a0 * u[n - 1] / gamma);
    for i in 0..n {
        d[i] -= fact * u[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclic_solver_matches_dense_product() {
        let n = 9;
        let a: Vec<f64> = (0..n).map(|i| -0.3 - 0.01 * i as f64).collect();
        let c: Vec<f64> = (0..n).map(|i| -0.4 + 0.02 * i as f64).collect();
        let b: Vec<f64> = (0..n).map(|i| 2.0 + 0.1 * i as f64).collect();
        let x: Vec<f64> = (0..n).map(|i| (i as f64).sin() + 0.5).collect();
        let mut d: Vec<f64> = (0..n)
            .map(|i| a[i] * x[(i + n - 1) % n] + b[i] * x[i] + c[i] * x[(i + 1) % n])
            .collect();
        solve_cyclic(&a, &b, &c, &mut d);
        for i in 0..n {
            assert!((d[i] - x[i]).abs() < 1e-14, "{i}: {} vs {}", d[i], x[i]);
        }
    }

    /// The fused two-right-hand-side solve is bit-identical to two separate solves.
    #[test]
    fn tridiagonal_many_is_separate_solves() {
        let n = 37;
        let a: Vec<f64> = (0..n).map(|i| -0.3 - 0.01 * (i as f64).cos()).collect();
        let c: Vec<f64> = (0..n).map(|i| -0.4 + 0.02 * (i as f64).sin()).collect();
        let b: Vec<f64> = (0..n).map(|i| 2.0 + 0.1 * i as f64).collect();
        let d0: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin() + 0.5).collect();
        let mut u0 = vec![0.0; n];
        (u0[0], u0[n - 1]) = (-2.0, -0.37);
        let mut scratch = vec![0.0; n];
        let (mut d1, mut u1) = (d0.clone(), u0.clone());
        solve_tridiagonal(&a, &b, &c, &mut d1, &mut scratch);
        solve_tridiagonal(&a, &b, &c, &mut u1, &mut scratch);
        let (mut d2, mut u2) = (d0, u0);
        solve_tridiagonal_many(&a, &b, &c, [&mut d2, &mut u2], &mut scratch);
        for i in 0..n {
            assert_eq!(d1[i].to_bits(), d2[i].to_bits(), "d[{i}]");
            assert_eq!(u1[i].to_bits(), u2[i].to_bits(), "u[{i}]");
        }
    }

    #[test]
    fn limiters_are_consistent() {
        for lim in [
            Limiter::Minmod,
            Limiter::VanLeer,
            Limiter::MonotonizedCentral,
            Limiter::Centered,
        ] {
            assert_eq!(lim.slope(1.0, 1.0), 1.0);
            if lim.is_tvd() {
                assert_eq!(lim.slope(1.0, -1.0), 0.0);
                let s = lim.slope(0.5, 3.0);
                assert!((0.0..=1.0).contains(&s));
            }
        }
    }
}
