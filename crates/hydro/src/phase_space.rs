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
//! * x: periodic uniform grid (the MD box of Fig. 5); the state holds cell averages
//!   (semi-Lagrangian) or point values at the cell centres (spectral, see below);
//! * advection (constant velocity per lambda node), chosen by [`Advection`]:
//!   - [`Advection::Spectral`]: exact periodic translation of each velocity row by `lambda_j h`,
//!     its Fourier coefficients multiplied by `e^{-i k lambda_j h}` (real FFT). Exact for
//!     trigonometric polynomials of degree < n/2 (the Nyquist mode is translated by its real
//!     part), conservative to round-off, no dissipation or dispersion: the only discretisation
//!     errors left are the Strang splitting (in h) and the resolution of the profile by the
//!     Fourier modes of the grid (spectral in dx for smooth profiles). Not monotone:
//!     occupations can leave [0, 1] by round-off, or by a Gibbs oscillation where the grid
//!     under-resolves the profile (-5e-7 at dx = 16, t = 400 on the Fig. 5 setup; none at
//!     dx <= 8), measured by [`KineticSolver::extreme_occupations`]. The state is read as point
//!     values at the cell centres (pseudo-spectral collocation): the nonlinear fermionic
//!     collision is then applied pointwise, which is spectrally accurate, whereas applying it
//!     to cell averages would cost `O(dx^2)` (`<f(n)> != f(<n>)`; measured 4e-5 in L1/N
//!     between dx = 8 and 4 on the Fig. 5 setup at t = 400). [`kinetic_profiles`] converts
//!     cell averages in and out exactly in Fourier space ([`cell_averages_to_point_values`],
//!     [`point_values_to_cell_averages`]);
//!   - [`Advection::SemiLagrangian`]: conservative shift, exact integer-cell shift plus a
//!     flux-form fractional shift with a limited linear reconstruction (second order, TVD:
//!     occupations stay in [0, 1]);
//! * collisions (local in x, conserve N per cell): classical (38) is linear and integrated
//!   exactly, `rho_p -> rho_st + (rho_p - rho_st) e^{-gamma rho_b tau}`; for fermions (39), at fixed
//!   `K` the equation is linear per node, `d_t n = a (1 - n) - gamma K n` with `a = 2 pi gamma N rho_b`,
//!   so each node relaxes exponentially towards `a/(a + gamma K)` in [0, 1]; the constant `K` over
//!   the sub-step is fixed by exact conservation of N (a monotone scalar equation, solved by
//!   safeguarded Newton). The map is time-symmetric (the `K` that conserves N from `n(0)` forward
//!   is the one that conserves it from `n(tau)` backward), maps [0, 1] into [0, 1] for any step
//!   and conserves N to round-off. No clamping: an occupation slightly outside [0, 1] on input
//!   (round-off of the spectral shift) is relaxed like any other, never cut away;
//! * Strang splitting `C(h/2) A(h) C(h/2)`: all three maps are time-symmetric, so the global
//!   error expands in even powers of h; [`kinetic_profiles`] removes the `h^2` term by Richardson
//!   extrapolation `(4 rho_{h/2} - rho_h) / 3`. For the classical model the splitting error is
//!   known exactly at small k: the velocity becomes a Markov chain redrawn with probability
//!   `1 - e^{-nu h}` per step (`nu = gamma rho_b`), whose displacement variance gives
//!   `D_eff = D (nu h/2) coth(nu h/2) = D (1 + (nu h)^2/12 + ...)` (tested).

use std::sync::Arc;

use kinetic::{Statistics, SwapModel};
use ndarray::{Array2, ArrayView1, Axis};
use rayon::prelude::*;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::HydroError;
use crate::exp::{exp_lanes, select};
use crate::grid::{Grid, Limiter};

const TWO_PI: f64 = 2.0 * std::f64::consts::PI;

/// Discretisation of the free streaming `d_t rho_p + lambda d_x rho_p = 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advection {
    /// Exact periodic translation by FFT phase factors (see the module docs).
    Spectral,
    /// Conservative flux-form semi-Lagrangian shift with a TVD limiter (second order in dx).
    SemiLagrangian(Limiter),
}

/// Buffers and plans of the spectral translation: one spectrum and one scratch buffer per
/// velocity row (rows are shifted in parallel without allocating), and the phase factors
/// `e^{-i 2 pi m lambda_j h / L} / n` for the last step size used.
struct SpectralShift {
    r2c: Arc<dyn RealToComplex<f64>>,
    c2r: Arc<dyn ComplexToReal<f64>>,
    /// number of complex coefficients per row, n/2 + 1
    nc: usize,
    scratch_len: usize,
    spectra: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    phases: Vec<Complex<f64>>,
    /// step size the phases are computed for (NaN: none yet)
    phase_step: f64,
}

impl SpectralShift {
    fn new(nx: usize, n_lambda: usize) -> SpectralShift {
        let mut planner = RealFftPlanner::<f64>::new();
        let r2c = planner.plan_fft_forward(nx);
        let c2r = planner.plan_fft_inverse(nx);
        let nc = nx / 2 + 1;
        let scratch_len = r2c.get_scratch_len().max(c2r.get_scratch_len()).max(1);
        SpectralShift {
            r2c,
            c2r,
            nc,
            scratch_len,
            spectra: vec![Complex::new(0.0, 0.0); nc * n_lambda],
            scratch: vec![Complex::new(0.0, 0.0); scratch_len * n_lambda],
            phases: vec![Complex::new(0.0, 0.0); nc * n_lambda],
            phase_step: f64::NAN,
        }
    }

    /// Phase factors of a translation by `lambda_j h` on a box of length `length` with `nx`
    /// cells (normalisation `1/nx` of the inverse transform included).
    fn set_step(&mut self, lambda: &[f64], h: f64, length: f64, nx: usize) {
        if self.phase_step == h {
            return;
        }
        let nc = self.nc;
        let norm = 1.0 / nx as f64;
        let nyquist = nx.is_multiple_of(2);
        self.phases
            .par_chunks_mut(nc)
            .zip(lambda.par_iter())
            .for_each(|(ph, &l)| {
                let s = l * h / length; // shift in units of the box
                for (m, p) in ph.iter_mut().enumerate() {
                    // reduce the phase to one turn before multiplying by 2 pi (accuracy)
                    let turns = (m as f64 * s).rem_euclid(1.0);
                    *p = Complex::from_polar(norm, -TWO_PI * turns);
                }
                ph[0] = Complex::new(norm, 0.0);
                if nyquist {
                    // real part: the symmetric (real) interpolant of the Nyquist mode
                    let last = nc - 1;
                    ph[last] = Complex::new(ph[last].re, 0.0);
                }
            });
        self.phase_step = h;
    }

    /// Translate every row of `f` (row j = velocity node j, `nx` cells) by `lambda_j h`.
    fn apply(
        &mut self,
        f: &mut Array2<f64>,
        lambda: &[f64],
        h: f64,
        length: f64,
    ) -> Result<(), HydroError> {
        let nx = f.ncols();
        self.set_step(lambda, h, length, nx);
        let (r2c, c2r) = (&self.r2c, &self.c2r);
        let nc = self.nc;
        let nyquist = nx.is_multiple_of(2);
        par_rows_mut(f)
            .zip(self.spectra.par_chunks_mut(nc))
            .zip(self.scratch.par_chunks_mut(self.scratch_len))
            .zip(self.phases.par_chunks(nc))
            .try_for_each(|(((row, spec), scr), ph)| {
                r2c.process_with_scratch(row, spec, scr)
                    .map_err(|e| HydroError::Fft(e.to_string()))?;
                for (c, p) in spec.iter_mut().zip(ph) {
                    *c *= p;
                }
                // the real transform requires exactly real DC and Nyquist coefficients
                spec[0].im = 0.0;
                if nyquist {
                    spec[nc - 1].im = 0.0;
                }
                c2r.process_with_scratch(spec, row, scr)
                    .map_err(|e| HydroError::Fft(e.to_string()))
            })
    }
}

enum Streamer {
    Spectral(Box<SpectralShift>),
    /// the limiter and a work space of `nx * n_lambda` values (one row per velocity node)
    SemiLagrangian {
        limiter: Limiter,
        rows: Vec<f64>,
    },
}

/// The rows `f[[j, ..]]` (velocity node j, all cells; contiguous) as slices, in parallel.
fn par_rows_mut(f: &mut Array2<f64>) -> rayon::slice::ChunksMut<'_, f64> {
    let nx = f.ncols();
    f.as_slice_mut()
        .expect("the phase-space state is in standard (row-major) layout")
        .par_chunks_mut(nx)
}

/// Phase-space state and solver of (38)/(39) on a periodic box.
pub struct KineticSolver<'m> {
    model: &'m SwapModel,
    grid: Grid,
    streamer: Streamer,
    /// rho_p(x_i, lambda_j) at `f[[j, i]]`: one row per velocity node
    f: Array2<f64>,
    time: f64,
    /// smallest and largest occupation entering a collision step since the last reset
    extremes: (f64, f64),
    /// per cell: the fermionic collision step's last outflow rate (Newton warm start)
    outflow: Vec<f64>,
    /// work space of the collision step, one per block of [`LANES`] cells
    blocks: Vec<CellBlock>,
}

impl<'m> KineticSolver<'m> {
    /// Solver with the semi-Lagrangian advection (see [`KineticSolver::with_advection`]).
    /// `limiter` must be TVD (bounded occupations).
    pub fn new(model: &'m SwapModel, grid: Grid, limiter: Limiter) -> Result<Self, HydroError> {
        Self::with_advection(model, grid, Advection::SemiLagrangian(limiter))
    }

    /// Solver on `grid` (periodic) with the velocity grid, bath and statistics of `model`, and
    /// the free streaming discretised by `advection`.
    pub fn with_advection(
        model: &'m SwapModel,
        grid: Grid,
        advection: Advection,
    ) -> Result<Self, HydroError> {
        let streamer = match advection {
            Advection::SemiLagrangian(limiter) => {
                if !limiter.is_tvd() {
                    return Err(HydroError::InvalidParameter {
                        name: "limiter",
                        value: f64::NAN,
                        reason: "the phase-space advection needs a TVD limiter (bounded occupations)",
                    });
                }
                Streamer::SemiLagrangian {
                    limiter,
                    rows: vec![0.0; grid.n * model.grid().len()],
                }
            }
            Advection::Spectral => {
                Streamer::Spectral(Box::new(SpectralShift::new(grid.n, model.grid().len())))
            }
        };
        let (nl, nx) = (model.grid().len(), grid.n);
        Ok(KineticSolver {
            model,
            grid,
            streamer,
            f: Array2::zeros((nl, nx)),
            time: 0.0,
            extremes: (f64::INFINITY, f64::NEG_INFINITY),
            outflow: vec![f64::NAN; grid.n],
            blocks: (0..grid.n.div_ceil(LANES))
                .map(|_| CellBlock::new(nl))
                .collect(),
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
        self.f[[j, i]]
    }
    /// Row of velocity node j: `rho_p(x_i, lambda_j)` for all cells i.
    pub fn row(&self, j: usize) -> &[f64] {
        self.f
            .row(j)
            .to_slice()
            .expect("rows of the phase-space state are contiguous")
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
                self.f.column_mut(i).fill(0.0);
                continue;
            }
            let st = self.model.stationary(r).map_err(|_| {
                HydroError::Stationary("no local stationary state on the velocity grid")
            })?;
            self.f
                .column_mut(i)
                .assign(&ArrayView1::from(st.rho_st.as_slice()));
        }
        self.reset_clock();
        Ok(())
    }

    /// Set `rho_p` from a function of (x, lambda) evaluated at cell centres and nodes.
    pub fn set_from_fn(&mut self, f: impl Fn(f64, f64) -> f64) {
        let xs = self.grid.centers();
        for (mut row, &l) in self.f.rows_mut().into_iter().zip(self.model.grid().nodes()) {
            for (v, &x) in row.iter_mut().zip(&xs) {
                *v = f(x, l);
            }
        }
        self.reset_clock();
    }

    fn reset_clock(&mut self) {
        self.time = 0.0;
        self.outflow.fill(f64::NAN);
        self.extremes = self.occupation_range();
    }

    /// Density `N(x_i) = sum_j w_j rho_p(x_i, lambda_j)`.
    pub fn density(&self) -> Vec<f64> {
        let w = self.model.grid().weights();
        let mut rho = vec![0.0; self.grid.n];
        for (wj, row) in w.iter().zip(self.f.rows()) {
            for (r, v) in rho.iter_mut().zip(row) {
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
            .par_iter()
            .fold(
                || (f64::INFINITY, f64::NEG_INFINITY),
                |(lo, hi), &v| (lo.min(TWO_PI * v), hi.max(TWO_PI * v)),
            )
            .reduce(
                || (f64::INFINITY, f64::NEG_INFINITY),
                |a, b| (a.0.min(b.0), a.1.max(b.1)),
            )
    }

    /// Smallest and largest occupation seen since the state was set, including the
    /// intermediate states after each advection (the input of every collision step): the worst
    /// excursion outside [0, 1] of the (non-monotone) spectral advection.
    pub fn extreme_occupations(&self) -> (f64, f64) {
        let (lo, hi) = self.occupation_range();
        (self.extremes.0.min(lo), self.extremes.1.max(hi))
    }

    /// Collisions over `tau` in every cell (local, conserves N per cell).
    ///
    /// The cells are processed in blocks of [`LANES`] neighbouring cells, read straight from
    /// the node-major state (`f[[j, i0..i0 + LANES]]` is contiguous): every loop over the
    /// velocity nodes runs over the block's cells in its innermost loop, so the per-cell sums
    /// keep their order (results bit-identical to one cell at a time, test
    /// `block_collisions_equal_cell_by_cell`) while independent cells fill the vector lanes
    /// and hide the latency of the divisions. No transpose of the state is needed.
    pub fn collide(&mut self, tau: f64) -> Result<(), HydroError> {
        let model = self.model;
        let range = self
            .f
            .axis_chunks_iter_mut(Axis(1), LANES)
            .into_par_iter()
            .zip(self.outflow.par_chunks_mut(LANES))
            .zip(self.blocks.par_iter_mut())
            .map(|((mut cells, guess), work)| {
                let width = cells.ncols();
                // per-lane extremes of the input (the padding lanes are not read)
                let (mut lo, mut hi) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES]);
                for (lanes, row) in work.col.iter_mut().zip(cells.rows()) {
                    let row = row
                        .to_slice()
                        .expect("rows of a column chunk are contiguous");
                    lanes[..width].copy_from_slice(row);
                    lanes[width..].fill(0.0);
                    for l in 0..LANES {
                        lo[l] = lo[l].min(lanes[l]);
                        hi[l] = hi[l].max(lanes[l]);
                    }
                }
                collide_block(model, work, tau, guess)?;
                for (lanes, mut row) in work.col.iter().zip(cells.rows_mut()) {
                    row.as_slice_mut()
                        .expect("rows of a column chunk are contiguous")
                        .copy_from_slice(&lanes[..width]);
                }
                let lo = lo[..width].iter().fold(f64::INFINITY, |a, &b| a.min(b));
                let hi = hi[..width].iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                Ok::<_, HydroError>((lo, hi))
            })
            .try_reduce(
                || (f64::INFINITY, f64::NEG_INFINITY),
                |a, b| Ok((a.0.min(b.0), a.1.max(b.1))),
            )?;
        self.extremes.0 = self.extremes.0.min(TWO_PI * range.0);
        self.extremes.1 = self.extremes.1.max(TWO_PI * range.1);
        Ok(())
    }

    /// Free streaming over `h`: each velocity node shifted by `lambda_j h`.
    pub fn advect(&mut self, h: f64) -> Result<(), HydroError> {
        let nx = self.grid.n;
        let dx = self.grid.dx();
        let lam = self.model.grid().nodes();
        match &mut self.streamer {
            Streamer::SemiLagrangian { limiter, rows } => {
                let lim = *limiter;
                par_rows_mut(&mut self.f)
                    .zip(rows.par_chunks_mut(nx))
                    .enumerate()
                    .for_each(|(j, (row, work))| shift_periodic(row, lam[j] * h / dx, lim, work));
                Ok(())
            }
            Streamer::Spectral(sp) => sp.apply(&mut self.f, lam, h, self.grid.length),
        }
    }

    /// One Strang step `C(h/2) A(h) C(h/2)`.
    pub fn step(&mut self, h: f64) -> Result<(), HydroError> {
        self.collide(0.5 * h)?;
        self.advect(h)?;
        self.collide(0.5 * h)?;
        self.time += h;
        Ok(())
    }

    /// Advance by `duration` in `steps` equal steps (the clock ends exactly at `t + duration`).
    pub fn evolve_steps(&mut self, duration: f64, steps: usize) -> Result<(), HydroError> {
        if steps == 0 || duration <= 0.0 {
            return Ok(());
        }
        let h = duration / steps as f64;
        let t0 = self.time;
        for _ in 0..steps {
            self.step(h)?;
        }
        self.time = t0 + duration;
        Ok(())
    }

    /// Advance by `duration` in equal steps no longer than `max_dt` (see [`steps_for`]);
    /// returns the step count.
    pub fn evolve(&mut self, duration: f64, max_dt: f64) -> Result<usize, HydroError> {
        crate::check_positive("max_dt", max_dt)?;
        if duration <= 0.0 {
            return Ok(0);
        }
        let steps = steps_for(duration, max_dt);
        self.evolve_steps(duration, steps)?;
        Ok(steps)
    }
}

/// Number of equal steps no longer than `max_dt` covering `duration`; a ratio within 1e-9 of an
/// integer is taken as that integer (so that `100 / 0.05` gives 2000 steps, not 2001).
pub fn steps_for(duration: f64, max_dt: f64) -> usize {
    let r = duration / max_dt;
    let nearest = r.round();
    let steps = if (r - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        nearest
    } else {
        r.ceil()
    };
    steps.max(1.0) as usize
}

/// Cell averages -> point values at the cell centres of the trigonometric interpolant on the
/// periodic `grid`: Fourier coefficient `m` divided by `sinc(pi m / n)` (the cell average of
/// `e^{i k x}` is `e^{i k x_c} sin(k dx/2)/(k dx/2)`, `k dx/2 = pi m/n`). Exact for
/// trigonometric polynomials of degree < n/2.
pub fn cell_averages_to_point_values(grid: &Grid, v: &[f64]) -> Result<Vec<f64>, HydroError> {
    sinc_filter(grid, v, true)
}

/// Point values at the cell centres -> cell averages of their trigonometric interpolant (the
/// inverse of [`cell_averages_to_point_values`]).
pub fn point_values_to_cell_averages(grid: &Grid, v: &[f64]) -> Result<Vec<f64>, HydroError> {
    sinc_filter(grid, v, false)
}

fn sinc_filter(grid: &Grid, v: &[f64], inverse: bool) -> Result<Vec<f64>, HydroError> {
    let n = grid.n;
    if v.len() != n {
        return Err(HydroError::InvalidParameter {
            name: "profile",
            value: v.len() as f64,
            reason: "length must equal the number of cells",
        });
    }
    let mut planner = RealFftPlanner::<f64>::new();
    let r2c = planner.plan_fft_forward(n);
    let c2r = planner.plan_fft_inverse(n);
    let mut input = v.to_vec();
    let mut spec = r2c.make_output_vec();
    r2c.process(&mut input, &mut spec)
        .map_err(|e| HydroError::Fft(e.to_string()))?;
    for (m, c) in spec.iter_mut().enumerate() {
        let x = std::f64::consts::PI * m as f64 / n as f64;
        let sinc = if m == 0 { 1.0 } else { x.sin() / x };
        *c *= if inverse { 1.0 / sinc } else { sinc } / n as f64;
    }
    let last = spec.len() - 1;
    spec[0].im = 0.0;
    if n.is_multiple_of(2) {
        spec[last].im = 0.0;
    }
    let mut out = vec![0.0; n];
    c2r.process(&mut spec, &mut out)
        .map_err(|e| HydroError::Fft(e.to_string()))?;
    Ok(out)
}

/// Output of [`kinetic_profiles`].
#[derive(Debug, Clone)]
pub struct KineticProfiles {
    /// Density `N(x_i, t)` per output time (cell averages); with Richardson extrapolation,
    /// `(4 rho_{h/2} - rho_h) / 3`.
    pub densities: Vec<Vec<f64>>,
    /// With Richardson: per output time, the error estimate of the step-h run's leading `h^2`
    /// term carried by the step-h/2 run, `sum_i |rho_{h/2} - rho_h| dx / 3 / N_total`. It bounds
    /// the splitting error of `rho_{h/2}`; the extrapolated density's is `O(h^4)`, smaller.
    pub richardson_l1: Option<Vec<f64>>,
    /// Strang steps of the step-h run (the step-h/2 run takes twice as many).
    pub steps: usize,
    /// Smallest and largest occupation `2 pi rho_p` over all runs and all intermediate states
    /// (including the states after each advection).
    pub occupation_range: (f64, f64),
    /// Largest `|N(t) - N(0)| / N(0)` over output times and runs.
    pub max_relative_number_drift: f64,
}

/// Kinetic density profiles at `times` (ascending, >= 0; 0 gives the initial profile) from the
/// local stationary state of density `rho0` (cell averages on `grid`), with the free streaming
/// discretised by `advection`. Input and output densities are cell averages (with
/// [`Advection::Spectral`] converted to and from the point values the solver evolves). Each interval between output times is covered by
/// [`steps_for`]`(interval, max_dt)` equal Strang steps; with `richardson`, the whole evolution is
/// also run with twice the steps and the densities are extrapolated as `(4 rho_{h/2} - rho_h)/3`
/// (Strang's error has only even powers of h), with a per-time error estimate.
pub fn kinetic_profiles(
    model: &SwapModel,
    grid: Grid,
    advection: Advection,
    rho0: &[f64],
    times: &[f64],
    max_dt: f64,
    richardson: bool,
) -> Result<KineticProfiles, HydroError> {
    crate::check_positive("max_dt", max_dt)?;
    let mut prev = 0.0;
    for &t in times {
        if !(t.is_finite() && t >= prev) {
            return Err(HydroError::InvalidParameter {
                name: "times",
                value: t,
                reason: "output times must be finite, >= 0 and ascending",
            });
        }
        prev = t;
    }
    struct Run {
        densities: Vec<Vec<f64>>,
        steps: usize,
        occupations: (f64, f64),
        drift: f64,
        n0: f64,
    }
    // spectral: collocation on point values (see the module docs); semi-Lagrangian: finite
    // volumes on cell averages
    let spectral = advection == Advection::Spectral;
    let start = if spectral {
        // the exact inverse of the cell averaging turns the zeros far from a bump into
        // round-off of either sign (~1e-18): those become 0 (mass change at round-off level);
        // anything larger and negative means an under-resolved profile and is an error
        let peak = rho0.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let mut v = cell_averages_to_point_values(&grid, rho0)?;
        for x in &mut v {
            if *x < 0.0 && *x >= -1e-12 * peak {
                *x = 0.0;
            }
        }
        v
    } else {
        rho0.to_vec()
    };
    let run = |refine: usize| -> Result<Run, HydroError> {
        let mut s = KineticSolver::with_advection(model, grid, advection)?;
        s.set_local_stationary(&start)?;
        let n0 = s.total_number();
        let mut out = Run {
            densities: Vec::with_capacity(times.len()),
            steps: 0,
            occupations: (f64::INFINITY, f64::NEG_INFINITY),
            drift: 0.0,
            n0,
        };
        let mut t = 0.0;
        for &tt in times {
            if tt > t {
                let steps = steps_for(tt - t, max_dt) * refine;
                s.evolve_steps(tt - t, steps)?;
                out.steps += steps;
                t = tt;
            }
            let rho = s.density();
            out.drift = out.drift.max((grid.mass(&rho) - n0).abs() / n0);
            out.densities.push(if spectral {
                point_values_to_cell_averages(&grid, &rho)?
            } else {
                rho
            });
        }
        out.occupations = s.extreme_occupations();
        Ok(out)
    };
    let coarse = run(1)?;
    if !richardson {
        return Ok(KineticProfiles {
            densities: coarse.densities,
            richardson_l1: None,
            steps: coarse.steps,
            occupation_range: coarse.occupations,
            max_relative_number_drift: coarse.drift,
        });
    }
    let fine = run(2)?;
    let dx = grid.dx();
    let mut densities = Vec::with_capacity(times.len());
    let mut est = Vec::with_capacity(times.len());
    for (rc, rf) in coarse.densities.iter().zip(&fine.densities) {
        densities.push(
            rc.iter()
                .zip(rf)
                .map(|(c, f)| (4.0 * f - c) / 3.0)
                .collect::<Vec<_>>(),
        );
        let l1: f64 = rc.iter().zip(rf).map(|(c, f)| (f - c).abs()).sum::<f64>() * dx;
        est.push(l1 / 3.0 / coarse.n0);
    }
    Ok(KineticProfiles {
        densities,
        richardson_l1: Some(est),
        steps: coarse.steps,
        occupation_range: (
            coarse.occupations.0.min(fine.occupations.0),
            coarse.occupations.1.max(fine.occupations.1),
        ),
        max_relative_number_drift: coarse.drift.max(fine.drift),
    })
}

/// Cells per block of [`KineticSolver::collide`].
const LANES: usize = 8;

/// Work space of one block of cells, node-major: entry `[j][l]` belongs to node j and cell l
/// of the block.
struct CellBlock {
    /// rho_p of the block (input and output)
    col: Vec<Lanes>,
    /// occupations `2 pi rho_p` before the step
    n0: Vec<Lanes>,
    /// inflow rates `a_j = 2 pi gamma N rho_b(lambda_j)`
    a: Vec<Lanes>,
    /// `e^{-a_j tau}`
    ea: Vec<Lanes>,
}

/// One value per cell of a block.
type Lanes = [f64; LANES];

impl CellBlock {
    fn new(nl: usize) -> CellBlock {
        let v = vec![[0.0; LANES]; nl];
        CellBlock {
            col: v.clone(),
            n0: v.clone(),
            a: v.clone(),
            ea: v,
        }
    }
}

/// The collision step of [`collide_cell`] applied to the [`LANES`] cells of `block` at once
/// (lanes with `N <= 0`, e.g. the padding of a last partial block, are left unchanged), with
/// the same operations in the same order per cell. The fermionic conservation root is found
/// by the same safeguarded Newton iteration per cell; a cell stops iterating when it has
/// converged (its iterates are those of the one-cell solver), the block when all have.
///
/// The loops over lanes are branch-free so that they compile to vector instructions; on
/// x86-64 CPUs with AVX2 the same code is compiled a second time for 4-wide vectors and chosen
/// at run time. Both paths perform the same IEEE operations (no fused multiply-add), so the
/// results are bit-identical whichever runs (test `block_paths_are_bit_identical`).
fn collide_block(
    model: &SwapModel,
    block: &mut CellBlock,
    tau: f64,
    guess: &mut [f64],
) -> Result<(), HydroError> {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above)
        return unsafe { collide_block_avx2(model, block, tau, guess) };
    }
    collide_block_generic(model, block, tau, guess)
}

/// [`collide_block_generic`] compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn collide_block_avx2(
    model: &SwapModel,
    block: &mut CellBlock,
    tau: f64,
    guess: &mut [f64],
) -> Result<(), HydroError> {
    collide_block_generic(model, block, tau, guess)
}

/// The body of [`collide_block`].
#[inline(always)]
fn collide_block_generic(
    model: &SwapModel,
    block: &mut CellBlock,
    tau: f64,
    guess: &mut [f64],
) -> Result<(), HydroError> {
    let w = model.grid().weights();
    let rb = model.bath_on_grid();
    let g = model.gamma();
    let mut n_tot: Lanes = [0.0; LANES];
    for (c, &wj) in block.col.iter().zip(w) {
        for l in 0..LANES {
            n_tot[l] += c[l] * wj;
        }
    }
    let active: [bool; LANES] = std::array::from_fn(|l| l < guess.len() && n_tot[l] > 0.0);
    if !active.iter().any(|&a| a) {
        return Ok(());
    }
    match model.statistics() {
        Statistics::Classical => {
            let k: f64 = rb.iter().zip(w).map(|(b, w)| b * w).sum();
            let e = (-g * k * tau).exp();
            for (c, &b) in block.col.iter_mut().zip(rb) {
                for l in 0..LANES {
                    let st = b * n_tot[l] / k;
                    c[l] = select(active[l], st + (c[l] - st) * e, c[l]);
                }
            }
            Ok(())
        }
        Statistics::Fermionic => {
            let CellBlock { col, n0, a, ea } = block;
            let mut a_min: Lanes = [f64::INFINITY; LANES];
            for (((c, n0), a), (ea, &b)) in col
                .iter()
                .zip(n0.iter_mut())
                .zip(a.iter_mut())
                .zip(ea.iter_mut().zip(rb))
            {
                let mut arg: Lanes = [0.0; LANES];
                for l in 0..LANES {
                    n0[l] = TWO_PI * c[l];
                    a[l] = TWO_PI * g * n_tot[l] * b;
                    arg[l] = -a[l] * tau;
                    a_min[l] = a_min[l].min(a[l]);
                }
                *ea = exp_lanes(&arg);
            }
            // Newton keeps bb >= 0, so a node can be frozen (a + bb <= 0) only where a <= 0
            // (a bath node with zero weight): without such nodes the selects are not needed
            let frozen_possible =
                (0..LANES).any(|l| active[l] && (a_min[l] <= 0.0 || a_min[l].is_nan()));
            let cells = Cells { n0, a, ea, w, tau };
            let target: Lanes = std::array::from_fn(|l| TWO_PI * n_tot[l]);
            let mut k0: Lanes = [0.0; LANES];
            for ((n0, &b), &wj) in n0.iter().zip(rb).zip(w) {
                for l in 0..LANES {
                    k0[l] += (1.0 - n0[l]) * b * wj;
                }
            }
            let mut bb: Lanes = [0.0; LANES];
            let mut newton = [Newton::default(); LANES];
            let mut running = [false; LANES];
            for l in 0..LANES {
                if active[l] {
                    k0[l] *= g;
                    bb[l] = if guess[l].is_finite() && guess[l] > 0.0 {
                        guess[l]
                    } else {
                        k0[l].max(0.0)
                    };
                    newton[l].tol = 4.0 * f64::EPSILON * target[l];
                    running[l] = true;
                }
            }
            for _ in 0..400 {
                if !running.iter().any(|&r| r) {
                    break;
                }
                let (mut s, ds) = if frozen_possible {
                    cells.eval::<true>(&bb)
                } else {
                    cells.eval::<false>(&bb)
                };
                for l in 0..LANES {
                    s[l] -= target[l];
                    if running[l] {
                        running[l] = newton[l].update(&mut bb[l], s[l], ds[l], k0[l]);
                    }
                }
            }
            if (0..LANES).any(|l| active[l] && !newton[l].converged) {
                return Err(HydroError::Stationary(
                    "fermionic collision step: conservation root not found",
                ));
            }
            let eb = exp_lanes(&bb.map(|b| -b * tau));
            for (((c, n0), a), ea) in col.iter_mut().zip(n0).zip(a).zip(ea) {
                for l in 0..LANES {
                    let r = a[l] + bb[l];
                    let star = a[l] / r;
                    let relaxed = star + (n0[l] - star) * (ea[l] * eb[l]);
                    let nj = if frozen_possible {
                        select(r > 0.0, relaxed, n0[l])
                    } else {
                        relaxed
                    };
                    c[l] = select(active[l], nj / TWO_PI, c[l]);
                }
            }
            for l in 0..guess.len() {
                if active[l] {
                    guess[l] = bb[l];
                }
            }
            Ok(())
        }
    }
}

/// The fixed data of one block's fermionic collision step.
struct Cells<'a> {
    n0: &'a [Lanes],
    a: &'a [Lanes],
    ea: &'a [Lanes],
    w: &'a [f64],
    tau: f64,
}

impl Cells<'_> {
    /// Per cell: `sum_j w_j n_j(tau)` at the constant outflow rate `bb` (the conservation
    /// residual before subtracting the target) and its derivative in `bb`: the one-cell `eval`
    /// of [`collide_cell`], lane by lane. `FROZEN`: some node may have `a + bb <= 0` (then it
    /// keeps its occupation); without, the selects are left out (the values are the same).
    #[inline(always)]
    fn eval<const FROZEN: bool>(&self, bb: &Lanes) -> (Lanes, Lanes) {
        let tau = self.tau;
        let eb = exp_lanes(&bb.map(|b| -b * tau));
        let (mut s, mut ds): (Lanes, Lanes) = ([0.0; LANES], [0.0; LANES]);
        for (((n0, a), ea), &wj) in self.n0.iter().zip(self.a).zip(self.ea).zip(self.w) {
            let (mut sv, mut dv): (Lanes, Lanes) = ([0.0; LANES], [0.0; LANES]);
            for l in 0..LANES {
                let r = a[l] + bb[l];
                let inv = 1.0 / r;
                let star = a[l] * inv;
                let e = ea[l] * eb[l];
                let nj = star + (n0[l] - star) * e;
                let dn = -star * inv * (1.0 - e) - (n0[l] - star) * tau * e;
                if FROZEN {
                    let frozen = r <= 0.0;
                    sv[l] = select(frozen, wj * n0[l], wj * nj);
                    dv[l] = select(frozen, -(wj * n0[l] * tau), wj * dn);
                } else {
                    sv[l] = wj * nj;
                    dv[l] = wj * dn;
                }
            }
            for l in 0..LANES {
                s[l] += sv[l];
                ds[l] += dv[l];
            }
        }
        (s, ds)
    }
}

/// State of the safeguarded Newton iteration of one cell's fermionic collision step: the root
/// of the decreasing `g(bb) = s(bb) - target` with `g(0) >= 0`, from a warm start; the bracket
/// `[lo, hi]` is grown by doubling while no upper bound is known.
#[derive(Debug, Clone, Copy)]
struct Newton {
    lo: f64,
    hi: f64,
    tol: f64,
    converged: bool,
}

impl Default for Newton {
    fn default() -> Self {
        Newton {
            lo: 0.0,
            hi: f64::INFINITY,
            tol: 0.0,
            converged: false,
        }
    }
}

impl Newton {
    /// One iteration at `bb` with residual `r` and derivative `dr`: moves `bb` to the next
    /// iterate; returns whether to go on (false when converged or diverged).
    fn update(&mut self, bb: &mut f64, r: f64, dr: f64, k0: f64) -> bool {
        if r.abs() <= self.tol {
            self.converged = true;
            return false;
        }
        if r > 0.0 {
            self.lo = *bb;
        } else {
            self.hi = *bb;
        }
        let (lo, hi) = (self.lo, self.hi);
        if hi.is_finite() && (hi - lo) <= 1e-15 * hi {
            self.converged = true;
            return false;
        }
        let mut next = if dr < 0.0 { *bb - r / dr } else { f64::NAN };
        if !(next > lo && next < hi) {
            next = if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                (2.0 * *bb).max(k0.abs()).max(1e-300) * 2.0
            };
        }
        *bb = next;
        *bb <= 1e300
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exp::exp;
    use kinetic::{Bath, VelocityGrid};

    /// The reference of the block collision step: the one-cell implementation it replaced
    /// (kept literally). Exact (classical) / conservative exponential (fermionic) collision step of one cell;
    /// `col[j] = rho_p(lambda_j)`; `buf` is work space of length `3 col.len()`; `guess` is the
    /// fermionic outflow rate `gamma K` of the previous step in this cell (warm start; NaN: none),
    /// updated to this step's.
    fn collide_cell(
        model: &SwapModel,
        col: &mut [f64],
        tau: f64,
        buf: &mut [f64],
        guess: &mut f64,
    ) -> Result<(), HydroError> {
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
                let nl = col.len();
                let (n0, rest) = buf.split_at_mut(nl);
                let (a, ea) = rest.split_at_mut(nl);
                for j in 0..nl {
                    n0[j] = TWO_PI * col[j];
                    a[j] = TWO_PI * g * n_tot * rb[j];
                    // e^{-(a_j + bb) tau} = e^{-a_j tau} e^{-bb tau}: one exponential per node
                    ea[j] = exp(-a[j] * tau);
                }
                let (n0, a, ea) = (&*n0, &*a, &*ea);
                let target = TWO_PI * n_tot;
                // occupations after tau at constant outflow rate bb = gamma K, and d/d bb
                let eval = |bb: f64| -> (f64, f64) {
                    let eb = exp(-bb * tau);
                    let (mut s, mut ds) = (0.0, 0.0);
                    for j in 0..nl {
                        let r = a[j] + bb;
                        if r <= 0.0 {
                            // a = 0 and bb = 0: node frozen
                            s += w[j] * n0[j];
                            ds -= w[j] * n0[j] * tau;
                            continue;
                        }
                        let inv = 1.0 / r;
                        let star = a[j] * inv;
                        let e = ea[j] * eb;
                        let nj = star + (n0[j] - star) * e;
                        s += w[j] * nj;
                        ds += w[j] * (-star * inv * (1.0 - e) - (n0[j] - star) * tau * e);
                    }
                    (s - target, ds)
                };
                // g(bb) = s - target is decreasing in bb with g(0) >= 0 (inflow only). Safeguarded
                // Newton from the warm start (the previous step's root in this cell) or gamma K(n0);
                // the bracket [lo, hi] is grown by doubling while no upper bound is known.
                let k0 = g * rb
                    .iter()
                    .zip(n0)
                    .zip(w)
                    .map(|((b, n), w)| (1.0 - n) * b * w)
                    .sum::<f64>();
                let mut bb = if guess.is_finite() && *guess > 0.0 {
                    *guess
                } else {
                    k0.max(0.0)
                };
                let (mut lo, mut hi) = (0.0f64, f64::INFINITY);
                let tol = 4.0 * f64::EPSILON * target;
                let mut converged = false;
                for _ in 0..400 {
                    let (r, dr) = eval(bb);
                    if r.abs() <= tol {
                        converged = true;
                        break;
                    }
                    if r > 0.0 {
                        lo = bb;
                    } else {
                        hi = bb;
                    }
                    if hi.is_finite() && (hi - lo) <= 1e-15 * hi {
                        converged = true;
                        break;
                    }
                    let mut next = if dr < 0.0 { bb - r / dr } else { f64::NAN };
                    if !(next > lo && next < hi) {
                        next = if hi.is_finite() {
                            0.5 * (lo + hi)
                        } else {
                            (2.0 * bb).max(k0.abs()).max(1e-300) * 2.0
                        };
                    }
                    bb = next;
                    if bb > 1e300 {
                        break;
                    }
                }
                if !converged {
                    return Err(HydroError::Stationary(
                        "fermionic collision step: conservation root not found",
                    ));
                }
                *guess = bb;
                let eb = exp(-bb * tau);
                for j in 0..nl {
                    let r = a[j] + bb;
                    let nj = if r > 0.0 {
                        let star = a[j] / r;
                        star + (n0[j] - star) * (ea[j] * eb)
                    } else {
                        n0[j]
                    };
                    col[j] = nj / TWO_PI;
                }
                Ok(())
            }
        }
    }

    /// The AVX2 build of the block collision and the generic one give the same bits (run on
    /// a CPU with AVX2; elsewhere only the generic path exists), with and without nodes of zero
    /// bath weight (the `FROZEN` variant).
    #[test]
    fn block_paths_are_bit_identical() {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap();
            let vg = VelocityGrid::for_bath(&bath, 1e-20, 1.0).unwrap();
            let model = SwapModel::new(bath, 0.08, Statistics::Fermionic, vg).unwrap();
            let nl = model.grid().len();
            let mut block = CellBlock::new(nl);
            for (j, c) in block.col.iter_mut().enumerate() {
                for (l, v) in c.iter_mut().enumerate() {
                    let x = (j as f64 - nl as f64 / 2.0) / 9.0;
                    *v = (0.5 + 0.4 * ((l * 7 + j * 3) as f64).sin()) * (-x * x).exp() / TWO_PI;
                }
            }
            let mut other = CellBlock::new(nl);
            other.col.clone_from(&block.col);
            let (mut g1, mut g2) = ([f64::NAN; LANES], [f64::NAN; LANES]);
            for _ in 0..3 {
                collide_block_generic(&model, &mut block, 0.1, &mut g1).unwrap();
                // SAFETY: AVX2 is available (checked above)
                unsafe { collide_block_avx2(&model, &mut other, 0.1, &mut g2) }.unwrap();
                for (x, y) in block.col.iter().flatten().zip(other.col.iter().flatten()) {
                    assert_eq!(x.to_bits(), y.to_bits());
                }
                assert_eq!(g1.map(f64::to_bits), g2.map(f64::to_bits));
            }
            // without frozen nodes the select-free residual is the selecting one
            let cells = Cells {
                n0: &block.col,
                a: &other.col,
                ea: &block.col,
                w: model.grid().weights(),
                tau: 0.1,
            };
            let bb: Lanes = std::array::from_fn(|l| 0.5 + l as f64);
            let (with, without) = (cells.eval::<true>(&bb), cells.eval::<false>(&bb));
            assert_eq!(with.0.map(f64::to_bits), without.0.map(f64::to_bits));
            assert_eq!(with.1.map(f64::to_bits), without.1.map(f64::to_bits));
        }
    }

    /// [`KineticSolver::collide`] (blocks of cells, node-major) gives bit for bit what
    /// [`collide_cell`] gives one cell at a time, warm starts included, for both statistics, on
    /// states with empty cells, round-off negatives, a partial last block and a range of
    /// densities up to near-complete filling.
    #[test]
    fn block_collisions_equal_cell_by_cell() {
        for stats in [Statistics::Fermionic, Statistics::Classical] {
            let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap();
            let vg = VelocityGrid::for_bath(&bath, 1e-20, 1.0).unwrap();
            let model = SwapModel::new(bath, 0.08, stats, vg).unwrap();
            let nx = 3 * LANES + 5;
            let grid = Grid::new(0.0, 100.0, nx).unwrap();
            let mut solver =
                KineticSolver::with_advection(&model, grid, Advection::Spectral).unwrap();
            let rho: Vec<f64> = (0..nx)
                .map(|i| match i % 7 {
                    0 => 0.0,
                    _ => 2.2 * (i as f64 / nx as f64),
                })
                .collect();
            solver.set_local_stationary(&rho).unwrap();
            // perturb: skewed occupations, a cell of round-off negatives
            let nl = model.grid().len();
            for i in 0..nx {
                for j in 0..nl {
                    let v = solver.f[[j, i]];
                    solver.f[[j, i]] = match i % 7 {
                        3 => -1e-19 * (1.0 + j as f64),
                        _ => v * (1.0 + 0.3 * ((i * 31 + j * 17) as f64).sin()).min(1.0),
                    };
                }
            }
            let mut reference = solver.f.clone();
            let mut guesses = vec![f64::NAN; nx];
            let mut buf = vec![0.0; 3 * nl];
            for step in 0..3 {
                let tau = 0.05 * (step + 1) as f64;
                solver.collide(tau).unwrap();
                for (i, guess) in guesses.iter_mut().enumerate() {
                    let mut col: Vec<f64> = reference.column(i).to_vec();
                    collide_cell(&model, &mut col, tau, &mut buf, guess).unwrap();
                    reference
                        .column_mut(i)
                        .assign(&ArrayView1::from(col.as_slice()));
                }
                for (i, (a, b)) in solver.f.iter().zip(reference.iter()).enumerate() {
                    assert_eq!(a.to_bits(), b.to_bits(), "{stats:?} step {step} entry {i}");
                }
                for (a, b) in solver.outflow.iter().zip(&guesses) {
                    assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
                }
            }
        }
    }
}
