//! Spatial kinetic equations (38) (classical, chi = 0) and (39) (fermions, chi = 1) of the
//! velocity-swap models with the frozen bath, solved in phase space (x, lambda):
//!
//! `d_t rho_p + lambda d_x rho_p = I[rho_p]`,
//! `I = gamma [ (1 - chi n(lambda)) rho_b(lambda) N - rho_p(lambda) K ]`,
//! `N(x) = int rho_p dlambda`, `K(x) = int (1 - chi n) rho_b dlambda`, `n = 2 pi rho_p`.
//!
//! Discretisation:
//! * velocities: the nodes and trapezoid weights of the [`kinetic::SwapModel`] grid, so the
//!   discrete collision operator is exactly the one whose stationary states and transport
//!   coefficients the `kinetic` crate computes;
//! * x: cell averages on a periodic uniform grid (the MD box of Fig. 5);
//! * advection (constant velocity per lambda node): conservative semi-Lagrangian shift, exact
//!   integer-cell shift plus a flux-form fractional shift with a limited linear reconstruction
//!   (second order, TVD: occupations stay in [0, 1]);
//! * collisions (local in x, conserve N per cell): classical (38) is linear and integrated
//!   exactly, `rho_p -> rho_st + (rho_p - rho_st) e^{-gamma rho_b tau}`; for fermions (39), at fixed
//!   `K` the equation is linear per node, `d_t n = a (1 - n) - gamma K n` with `a = 2 pi gamma N rho_b`,
//!   so each node relaxes exponentially towards `a/(a + gamma K)` in [0, 1]; the constant `K` over
//!   the sub-step is fixed by exact conservation of N (a monotone scalar equation, solved by
//!   safeguarded Newton). Positivity and `n <= 1` hold for any step; N is conserved to round-off;
//! * Strang splitting `C(h/2) A(h) C(h/2)`, second order in h (measured in the tests).

use kinetic::{Statistics, SwapModel};
use rayon::prelude::*;

use crate::HydroError;
use crate::grid::{Grid, Limiter};

const TWO_PI: f64 = 2.0 * std::f64::consts::PI;

/// Phase-space state and solver of (38)/(39) on a periodic box.
pub struct KineticSolver<'m> {
    model: &'m SwapModel,
    grid: Grid,
    limiter: Limiter,
    /// rho_p(x_i, lambda_j) at `f[j * nx + i]`
    f: Vec<f64>,
    scratch: Vec<f64>,
    time: f64,
}

impl<'m> KineticSolver<'m> {
    /// Solver on `grid` (periodic) with the velocity grid, bath and statistics of `model`.
    /// `limiter` must be TVD (bounded occupations).
    pub fn new(model: &'m SwapModel, grid: Grid, limiter: Limiter) -> Result<Self, HydroError> {
        if !limiter.is_tvd() {
            return Err(HydroError::InvalidParameter {
                name: "limiter",
                value: f64::NAN,
                reason: "the phase-space advection needs a TVD limiter (bounded occupations)",
            });
        }
        let n = grid.n * model.grid().len();
        Ok(KineticSolver {
            model,
            grid,
            limiter,
            f: vec![0.0; n],
            scratch: vec![0.0; n],
            time: 0.0,
        })
    }

    pub fn grid(&self) -> &Grid {
        &self.grid
    }
    pub fn time(&self) -> f64 {
        self.time
    }
    /// Number of velocity nodes.
    pub fn n_lambda(&self) -> usize {
        self.model.grid().len()
    }
    /// rho_p at cell i, node j.
    pub fn rho_p(&self, i: usize, j: usize) -> f64 {
        self.f[j * self.grid.n + i]
    }

    /// Set `rho_p(x_i, .)` to the local stationary state ((20) / (40), discrete) of density
    /// `rho[i]` (cells with `rho[i] == 0` are empty) and the clock to 0.
    pub fn set_local_stationary(&mut self, rho: &[f64]) -> Result<(), HydroError> {
        let nx = self.grid.n;
        if rho.len() != nx {
            return Err(HydroError::InvalidParameter {
                name: "rho",
                value: rho.len() as f64,
                reason: "length must equal the number of cells",
            });
        }
        for (i, &r) in rho.iter().enumerate() {
            if r < 0.0 || !r.is_finite() {
                return Err(HydroError::InvalidParameter {
                    name: "rho",
                    value: r,
                    reason: "densities must be finite and >= 0",
                });
            }
            if r == 0.0 {
                for j in 0..self.n_lambda() {
                    self.f[j * nx + i] = 0.0;
                }
                continue;
            }
            let st = self.model.stationary(r).map_err(|_| {
                HydroError::Stationary("no local stationary state on the velocity grid")
            })?;
            for (j, v) in st.rho_st.iter().enumerate() {
                self.f[j * nx + i] = *v;
            }
        }
        self.time = 0.0;
        Ok(())
    }

    /// Set `rho_p` from a function of (x, lambda) evaluated at cell centres and nodes.
    pub fn set_from_fn(&mut self, f: impl Fn(f64, f64) -> f64) {
        let nx = self.grid.n;
        let xs = self.grid.centers();
        for (j, &l) in self.model.grid().nodes().iter().enumerate() {
            for (i, &x) in xs.iter().enumerate() {
                self.f[j * nx + i] = f(x, l);
            }
        }
        self.time = 0.0;
    }

    /// Density `N(x_i) = sum_j w_j rho_p(x_i, lambda_j)`.
    pub fn density(&self) -> Vec<f64> {
        let nx = self.grid.n;
        let w = self.model.grid().weights();
        let mut rho = vec![0.0; nx];
        for (j, wj) in w.iter().enumerate() {
            for (r, v) in rho.iter_mut().zip(&self.f[j * nx..(j + 1) * nx]) {
                *r += wj * v;
            }
        }
        rho
    }

    /// Total particle number `sum_i N(x_i) dx`.
    pub fn total_number(&self) -> f64 {
        self.grid.mass(&self.density())
    }

    /// Smallest and largest occupation `n = 2 pi rho_p` over phase space.
    pub fn occupation_range(&self) -> (f64, f64) {
        self.f
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(TWO_PI * v), hi.max(TWO_PI * v))
            })
    }

    /// Collisions over `tau` in every cell (local, conserves N per cell).
    pub fn collide(&mut self, tau: f64) -> Result<(), HydroError> {
        let nx = self.grid.n;
        let nl = self.n_lambda();
        let model = self.model;
        let f = &self.f;
        // cell-major work array: column of cell i at scratch[i * nl ..]
        let res: Result<(), HydroError> =
            self.scratch
                .par_chunks_mut(nl)
                .enumerate()
                .try_for_each(|(i, col)| {
                    for (j, c) in col.iter_mut().enumerate() {
                        *c = f[j * nx + i];
                    }
                    collide_cell(model, col, tau)
                });
        res?;
        let s = &self.scratch;
        self.f.par_chunks_mut(nx).enumerate().for_each(|(j, row)| {
            for (i, v) in row.iter_mut().enumerate() {
                *v = s[i * nl + j];
            }
        });
        Ok(())
    }

    /// Free streaming over `h`: each velocity node shifted by `lambda_j h`.
    pub fn advect(&mut self, h: f64) {
        let nx = self.grid.n;
        let dx = self.grid.dx();
        let lim = self.limiter;
        let lam = self.model.grid().nodes();
        self.f
            .par_chunks_mut(nx)
            .zip(self.scratch.par_chunks_mut(nx))
            .enumerate()
            .for_each(|(j, (row, work))| shift_periodic(row, lam[j] * h / dx, lim, work));
    }

    /// One Strang step `C(h/2) A(h) C(h/2)`.
    pub fn step(&mut self, h: f64) -> Result<(), HydroError> {
        self.collide(0.5 * h)?;
        self.advect(h);
        self.collide(0.5 * h)?;
        self.time += h;
        Ok(())
    }

    /// Advance by `duration` in equal steps no longer than `max_dt`; returns the step count.
    pub fn evolve(&mut self, duration: f64, max_dt: f64) -> Result<usize, HydroError> {
        crate::check_positive("max_dt", max_dt)?;
        if duration <= 0.0 {
            return Ok(0);
        }
        let steps = (duration / max_dt).ceil().max(1.0) as usize;
        let h = duration / steps as f64;
        let t0 = self.time;
        for k in 0..steps {
            self.step(h)?;
            self.time = t0 + h * (k + 1) as f64;
        }
        Ok(steps)
    }
}

/// Exact (classical) / conservative exponential (fermionic) collision step of one cell;
/// `col[j] = rho_p(lambda_j)`.
fn collide_cell(model: &SwapModel, col: &mut [f64], tau: f64) -> Result<(), HydroError> {
    let w = model.grid().weights();
    let rb = model.bath_on_grid();
    let g = model.gamma();
    let n_tot: f64 = col.iter().zip(w).map(|(v, w)| v * w).sum();
    if n_tot <= 0.0 {
        return Ok(());
    }
    match model.statistics() {
        Statistics::Classical => {
            let k: f64 = rb.iter().zip(w).map(|(b, w)| b * w).sum();
            let e = (-g * k * tau).exp();
            for (v, b) in col.iter_mut().zip(rb) {
                let st = b * n_tot / k;
                *v = st + (*v - st) * e;
            }
            Ok(())
        }
        Statistics::Fermionic => {
            let n0: Vec<f64> = col.iter().map(|v| TWO_PI * v).collect();
            let a: Vec<f64> = rb.iter().map(|b| TWO_PI * g * n_tot * b).collect();
            let target = TWO_PI * n_tot;
            // occupations after tau at constant outflow rate bb = gamma K, and d/d bb
            let eval = |bb: f64| -> (f64, f64) {
                let (mut s, mut ds) = (0.0, 0.0);
                for j in 0..n0.len() {
                    let r = a[j] + bb;
                    if r <= 0.0 {
                        // a = 0 and bb = 0: node frozen
                        s += w[j] * n0[j];
                        ds -= w[j] * n0[j] * tau;
                        continue;
                    }
                    let star = a[j] / r;
                    let e = (-r * tau).exp();
                    let nj = star + (n0[j] - star) * e;
                    s += w[j] * nj;
                    ds += w[j] * (-a[j] / (r * r) * (1.0 - e) - (n0[j] - star) * tau * e);
                }
                (s - target, ds)
            };
            // bracket: g(0) >= 0 (inflow only), g decreasing in bb
            let mut bb = g * rb
                .iter()
                .zip(&n0)
                .zip(w)
                .map(|((b, n), w)| (1.0 - n) * b * w)
                .sum::<f64>();
            bb = bb.max(0.0);
            let (mut lo, mut hi) = (0.0f64, bb.max(f64::MIN_POSITIVE) * 2.0 + 1e-300);
            while eval(hi).0 > 0.0 {
                hi *= 2.0;
                if hi > 1e300 {
                    return Err(HydroError::Stationary(
                        "fermionic collision step: no bracket",
                    ));
                }
            }
            let tol = 4.0 * f64::EPSILON * target;
            for _ in 0..200 {
                let (r, dr) = eval(bb);
                if r.abs() <= tol {
                    break;
                }
                if r > 0.0 {
                    lo = bb;
                } else {
                    hi = bb;
                }
                let mut next = if dr < 0.0 { bb - r / dr } else { f64::NAN };
                if !(next > lo && next < hi) {
                    next = 0.5 * (lo + hi);
                }
                if (hi - lo) <= 1e-15 * hi {
                    break;
                }
                bb = next;
            }
            for j in 0..col.len() {
                let r = a[j] + bb;
                let nj = if r > 0.0 {
                    let star = a[j] / r;
                    star + (n0[j] - star) * (-r * tau).exp()
                } else {
                    n0[j]
                };
                col[j] = nj.clamp(0.0, 1.0) / TWO_PI;
            }
            Ok(())
        }
    }
}

/// Conservative periodic shift of the cell averages `v` by `c` cells (positive: to larger x):
/// exact integer shift plus a flux-form fractional shift of the limited piecewise-linear
/// reconstruction (exact for linear profiles; TVD for TVD limiters).
pub fn shift_periodic(v: &mut [f64], c: f64, limiter: Limiter, work: &mut [f64]) {
    let n = v.len();
    let k = c.abs().floor();
    let frac = c.abs() - k;
    let k = (k as usize) % n;
    // integer part
    for i in 0..n {
        work[i] = if c >= 0.0 {
            v[(i + n - k) % n]
        } else {
            v[(i + k) % n]
        };
    }
    if frac == 0.0 {
        v.copy_from_slice(work);
        return;
    }
    // fractional part: the mass in the downstream fraction `frac` of each cell moves on
    let slope = |i: usize| {
        let l = work[(i + n - 1) % n];
        let r = work[(i + 1) % n];
        limiter.slope(work[i] - l, r - work[i])
    };
    let out_flux: Vec<f64> = (0..n)
        .map(|i| {
            let s = slope(i);
            if c >= 0.0 {
                frac * (work[i] + 0.5 * (1.0 - frac) * s)
            } else {
                frac * (work[i] - 0.5 * (1.0 - frac) * s)
            }
        })
        .collect();
    for i in 0..n {
        let inflow = if c >= 0.0 {
            out_flux[(i + n - 1) % n]
        } else {
            out_flux[(i + 1) % n]
        };
        v[i] = work[i] - out_flux[i] + inflow;
    }
}
