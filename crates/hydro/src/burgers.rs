//! Conservative finite-volume solver of the generalized Burgers equation (2) in conservation
//! form (docs/physics.md §4):
//!
//! `d_t rho + d_x [ J(rho) - D(rho) d_x rho ] = 0`,   `u(rho) = J'(rho)` (88), `D(rho)` (99).
//!
//! Discretisation (second order in space and time):
//! * cell averages on a uniform grid; periodic or closed (no-flux) box;
//! * advection: MUSCL piecewise-linear reconstruction with a slope limiter, Rusanov (local
//!   Lax-Friedrichs) face flux, SSP-RK2 (Heun) in time, explicit under a CFL condition;
//! * diffusion: face coefficient `D_{i+1/2} = (D(rho_i) + D(rho_{i+1}))/2`, flux
//!   `-D_{i+1/2} (rho_{i+1} - rho_i)/dx`, integrated implicitly with the L-stable TR-BDF2 scheme
//!   (trapezoid to `t + g h`, BDF2 to `t + h`, `g = 2 - sqrt 2`); the nonlinearity of D is
//!   resolved by Picard iterations to a tolerance (each a (cyclic) tridiagonal solve);
//! * Strang splitting `Diff(h/2) Adv(h) Diff(h/2)`.
//!
//! Every update is in flux form, so the total mass is conserved to round-off.

use crate::grid::{
    Boundary, CyclicWork, Grid, Limiter, slopes, solve_cyclic_in_place, solve_tridiagonal,
};
use crate::transport::Transport;
use crate::{HydroError, check_positive};

/// Numerical parameters of [`Burgers`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurgersConfig {
    pub grid: Grid,
    pub boundary: Boundary,
    pub limiter: Limiter,
    /// Courant number of the explicit advection, `max|u| dt / dx` (<= 1 for SSP-RK2 + MUSCL TVD).
    pub cfl: f64,
    /// Largest time step (accuracy of the splitting and of the implicit diffusion).
    pub max_dt: f64,
    /// Picard tolerance on the max change relative to max|rho|.
    pub picard_tol: f64,
    pub max_picard: usize,
}

impl BurgersConfig {
    /// Defaults: MC limiter, CFL 0.5, Picard tolerance 1e-12.
    pub fn new(grid: Grid, boundary: Boundary, max_dt: f64) -> BurgersConfig {
        BurgersConfig {
            grid,
            boundary,
            limiter: Limiter::MonotonizedCentral,
            cfl: 0.5,
            max_dt,
            picard_tol: 1e-12,
            max_picard: 100,
        }
    }

    pub fn validate(&self) -> Result<(), HydroError> {
        check_positive("max_dt", self.max_dt)?;
        check_positive("picard_tol", self.picard_tol)?;
        if !(self.cfl > 0.0 && self.cfl <= 1.0) {
            return Err(HydroError::InvalidParameter {
                name: "cfl",
                value: self.cfl,
                reason: "must be in (0, 1]",
            });
        }
        Ok(())
    }
}

/// Statistics of an [`Burgers::evolve`] call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EvolveStats {
    pub steps: usize,
    pub dt: f64,
    /// Largest number of Picard iterations any implicit stage needed.
    pub max_picard: usize,
}

/// Generalized Burgers solver for a transport model `T`.
pub struct Burgers<'a, T: Transport + ?Sized> {
    cfg: BurgersConfig,
    model: &'a T,
    // work buffers
    slope: Vec<f64>,
    flux: Vec<f64>,
    stage: Vec<f64>,
    work: Work,
    max_picard: usize,
}

/// Work space of the diffusion and advection steps, kept between steps: the time loop
/// allocates nothing (freeing per-step vectors made glibc trim and refault its thread heaps,
/// about 2500 `madvise` calls per second and 30% of the paper run's `fig5_hydro` time in the
/// kernel).
#[derive(Debug, Default)]
struct Work {
    /// face coefficients (n + 1)
    k: Vec<f64>,
    /// D at the cell centres
    d: Vec<f64>,
    /// tridiagonal coefficients
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    /// Picard iterate
    x: Vec<f64>,
    scratch: Vec<f64>,
    cyclic: CyclicWork,
    /// L rho, the two right-hand sides, the intermediate state and the second RK stage
    lrho: Vec<f64>,
    rhs: Vec<f64>,
    mid: Vec<f64>,
    s2: Vec<f64>,
}

impl<'a, T: Transport + ?Sized> Burgers<'a, T> {
    pub fn new(cfg: BurgersConfig, model: &'a T) -> Result<Self, HydroError> {
        cfg.validate()?;
        let n = cfg.grid.n;
        Ok(Burgers {
            cfg,
            model,
            slope: vec![0.0; n],
            flux: vec![0.0; n + 1],
            stage: vec![0.0; n],
            work: Work::default(),
            max_picard: 0,
        })
    }

    pub fn config(&self) -> &BurgersConfig {
        &self.cfg
    }

    /// Face fluxes `flux[i]` at the left face of cell i (flux[n] = right face of the last cell).
    fn advective_fluxes(&mut self, rho: &[f64]) {
        let n = rho.len();
        slopes(rho, self.cfg.boundary, self.cfg.limiter, &mut self.slope);
        let m = self.model;
        for f in 0..=n {
            // face between cell f-1 (left) and cell f (right)
            let (il, ir) = match self.cfg.boundary {
                Boundary::Periodic => ((f + n - 1) % n, f % n),
                Boundary::NoFlux => {
                    if f == 0 || f == n {
                        self.flux[f] = 0.0;
                        continue;
                    }
                    (f - 1, f)
                }
            };
            let rl = rho[il] + 0.5 * self.slope[il];
            let rr = rho[ir] - 0.5 * self.slope[ir];
            let alpha = m.velocity(rl).abs().max(m.velocity(rr).abs());
            self.flux[f] = 0.5 * (m.current(rl) + m.current(rr)) - 0.5 * alpha * (rr - rl);
        }
    }

    /// `out = rho - dt/dx (F_{i+1/2} - F_{i-1/2})`.
    fn advect_euler(&mut self, rho: &[f64], dt: f64, out: &mut [f64]) {
        self.advective_fluxes(rho);
        let c = dt / self.cfg.grid.dx();
        for i in 0..rho.len() {
            out[i] = rho[i] - c * (self.flux[i + 1] - self.flux[i]);
        }
    }

    /// SSP-RK2 advection step over `dt`.
    fn advect(&mut self, rho: &mut [f64], dt: f64) {
        let mut s1 = std::mem::take(&mut self.stage);
        self.advect_euler(rho, dt, &mut s1);
        let mut s2 = std::mem::take(&mut self.work.s2);
        s2.resize(rho.len(), 0.0);
        self.advect_euler(&s1, dt, &mut s2);
        for i in 0..rho.len() {
            rho[i] = 0.5 * (rho[i] + s2[i]);
        }
        self.stage = s1;
        self.work.s2 = s2;
    }

    /// Face diffusion coefficients divided by dx^2: `k[f]` at the left face of cell f.
    /// `d` is work space (D at the cell centres).
    fn face_coefficients(&self, rho: &[f64], d: &mut Vec<f64>, k: &mut [f64]) {
        let n = rho.len();
        let inv = 1.0 / (self.cfg.grid.dx() * self.cfg.grid.dx());
        d.clear();
        d.extend(rho.iter().map(|&r| self.model.diffusion(r)));
        for f in 0..=n {
            k[f] = match self.cfg.boundary {
                Boundary::Periodic => 0.5 * (d[(f + n - 1) % n] + d[f % n]) * inv,
                Boundary::NoFlux => {
                    if f == 0 || f == n {
                        0.0
                    } else {
                        0.5 * (d[f - 1] + d[f]) * inv
                    }
                }
            };
        }
    }

    /// `(L v)_i = k_{i+1}(v_{i+1} - v_i) - k_i (v_i - v_{i-1})` with face coefficients k.
    fn apply_laplacian(&self, k: &[f64], v: &[f64], out: &mut [f64]) {
        let n = v.len();
        for i in 0..n {
            let vl = v[(i + n - 1) % n];
            let vr = v[(i + 1) % n];
            out[i] = k[i + 1] * (vr - v[i]) - k[i] * (v[i] - vl);
        }
    }

    /// Solve `v - c L(D(v)) v = rhs` by Picard iteration from the initial guess `v`.
    fn implicit_solve(&mut self, c: f64, rhs: &[f64], v: &mut [f64]) -> Result<(), HydroError> {
        let n = v.len();
        let mut w = std::mem::take(&mut self.work);
        let r = self.picard(c, rhs, v, &mut w, n);
        self.work = w;
        r
    }

    /// The iterations of [`Burgers::implicit_solve`] in the work space `w`.
    fn picard(
        &mut self,
        c: f64,
        rhs: &[f64],
        v: &mut [f64],
        w: &mut Work,
        n: usize,
    ) -> Result<(), HydroError> {
        w.k.resize(n + 1, 0.0);
        for buf in [&mut w.a, &mut w.b, &mut w.c, &mut w.scratch] {
            buf.resize(n, 0.0);
        }
        let scale = v
            .iter()
            .fold(0.0f64, |m, x| m.max(x.abs()))
            .max(f64::MIN_POSITIVE);
        let mut change = f64::INFINITY;
        for it in 1..=self.cfg.max_picard {
            self.face_coefficients(v, &mut w.d, &mut w.k);
            let k = &w.k;
            for i in 0..n {
                w.a[i] = -c * k[i];
                w.c[i] = -c * k[i + 1];
                w.b[i] = 1.0 + c * (k[i] + k[i + 1]);
            }
            w.x.clear();
            w.x.extend_from_slice(rhs);
            match self.cfg.boundary {
                Boundary::Periodic => {
                    solve_cyclic_in_place((&mut w.a, &mut w.b, &mut w.c), &mut w.x, &mut w.cyclic)
                }
                Boundary::NoFlux => solve_tridiagonal(&w.a, &w.b, &w.c, &mut w.x, &mut w.scratch),
            }
            change =
                w.x.iter()
                    .zip(v.iter())
                    .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
            v.copy_from_slice(&w.x);
            if change <= self.cfg.picard_tol * scale {
                self.max_picard = self.max_picard.max(it);
                return Ok(());
            }
        }
        Err(HydroError::PicardDiverged {
            iterations: self.cfg.max_picard,
            change,
        })
    }

    /// TR-BDF2 diffusion step over `h` (L-stable, second order).
    fn diffuse(&mut self, rho: &mut [f64], h: f64) -> Result<(), HydroError> {
        let n = rho.len();
        let g = 2.0 - std::f64::consts::SQRT_2;
        let mut w = std::mem::take(&mut self.work);
        // trapezoid to t + g h
        w.k.resize(n + 1, 0.0);
        self.face_coefficients(rho, &mut w.d, &mut w.k);
        w.lrho.resize(n, 0.0);
        self.apply_laplacian(&w.k, rho, &mut w.lrho);
        let c1 = 0.5 * g * h;
        let (mut rhs, mut mid) = (std::mem::take(&mut w.rhs), std::mem::take(&mut w.mid));
        rhs.clear();
        rhs.extend((0..n).map(|i| rho[i] + c1 * w.lrho[i]));
        mid.clear();
        mid.extend_from_slice(rho);
        self.work = w;
        self.implicit_solve(c1, &rhs, &mut mid)?;
        // BDF2 to t + h
        let c2 = (1.0 - g) / (2.0 - g) * h;
        let w1 = 1.0 / (g * (2.0 - g));
        let w0 = (1.0 - g) * (1.0 - g) / (g * (2.0 - g));
        rhs.clear();
        rhs.extend((0..n).map(|i| w1 * mid[i] - w0 * rho[i]));
        self.implicit_solve(c2, &rhs, &mut mid)?;
        rho.copy_from_slice(&mid);
        self.work.rhs = rhs;
        self.work.mid = mid;
        Ok(())
    }

    /// One Strang-split step `Diff(h/2) Adv(h) Diff(h/2)`.
    pub fn step(&mut self, rho: &mut [f64], h: f64) -> Result<(), HydroError> {
        self.diffuse(rho, 0.5 * h)?;
        self.advect(rho, h);
        self.diffuse(rho, 0.5 * h)?;
        if let Some(i) = rho.iter().position(|v| !v.is_finite()) {
            return Err(HydroError::NonFinite { cell: i });
        }
        Ok(())
    }

    /// Largest stable advective step for the current state.
    pub fn cfl_dt(&self, rho: &[f64]) -> f64 {
        let umax = rho
            .iter()
            .fold(0.0f64, |m, &r| m.max(self.model.velocity(r).abs()));
        if umax > 0.0 {
            self.cfg.cfl * self.cfg.grid.dx() / umax
        } else {
            f64::INFINITY
        }
    }

    /// Advance `rho` by `duration` with equal steps `h <= min(max_dt, CFL limit)` (the CFL limit
    /// is evaluated at the start with a 10% margin against growth of max|u|).
    pub fn evolve(&mut self, rho: &mut [f64], duration: f64) -> Result<EvolveStats, HydroError> {
        if duration <= 0.0 {
            return Ok(EvolveStats::default());
        }
        let hmax = self.cfg.max_dt.min(0.9 * self.cfl_dt(rho));
        let steps = (duration / hmax).ceil().max(1.0) as usize;
        let h = duration / steps as f64;
        self.max_picard = 0;
        for _ in 0..steps {
            self.step(rho, h)?;
        }
        Ok(EvolveStats {
            steps,
            dt: h,
            max_picard: self.max_picard,
        })
    }

    /// Solutions at the given increasing `times` (the first may be 0) starting from `rho0` at 0.
    pub fn solve_at(&mut self, rho0: &[f64], times: &[f64]) -> Result<Vec<Vec<f64>>, HydroError> {
        let mut rho = rho0.to_vec();
        let mut t = 0.0;
        let mut out = Vec::with_capacity(times.len());
        for &tt in times {
            if tt < t {
                return Err(HydroError::InvalidParameter {
                    name: "times",
                    value: tt,
                    reason: "must be non-negative and increasing",
                });
            }
            self.evolve(&mut rho, tt - t)?;
            t = tt;
            out.push(rho.clone());
        }
        Ok(out)
    }
}
