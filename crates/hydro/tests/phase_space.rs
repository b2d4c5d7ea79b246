//! Verification of the phase-space solver of the kinetic equations (38)/(39).

use hydro::phase_space::shift_periodic;
use hydro::{Boundary, Burgers, BurgersConfig, Grid, KineticSolver, Limiter, LinearTransport};
use kinetic::{Bath, Statistics, SwapModel, VelocityGrid};

/// Model with the Fig. 5 bath on a coarse (0.5) velocity grid with tails cut at 1e-20.
fn model(b: f64, stats: Statistics) -> SwapModel {
    let bath = Bath::bragg(6.0, 5.9, b, 50.0).unwrap();
    let grid = VelocityGrid::for_bath(&bath, 1e-20, 0.5).unwrap();
    SwapModel::new(bath, 0.08, stats, grid).unwrap()
}

#[test]
fn homogeneous_classical_relaxation_is_exact() {
    let m = model(0.3, Statistics::Classical);
    let grid = Grid::new(0.0, 10.0, 8).unwrap();
    let mut s = KineticSolver::new(&m, grid, Limiter::MonotonizedCentral).unwrap();
    // initial: a thermal distribution at rho = 1.3 (not stationary)
    let p0 = |l: f64| 1.3 * (-l * l / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    s.set_from_fn(|_, l| p0(l));
    let lam = m.grid().nodes().to_vec();
    let rb = m.bath_on_grid().to_vec();
    let k = m.rho_b_on_grid();
    let rho = s.density()[0];
    let t_end = 0.7;
    s.evolve(t_end, 0.1).unwrap();
    let decay = (-m.gamma() * k * t_end).exp();
    let mut err: f64 = 0.0;
    for j in 0..lam.len() {
        let st = rho * rb[j] / k;
        let exact = st + (p0(lam[j]) - st) * decay;
        for i in 0..8 {
            err = err.max((s.rho_p(i, j) - exact).abs());
        }
    }
    println!("classical homogeneous relaxation: max |rho_p - exact| = {err:.2e}");
    assert!(err < 1e-14);
}

/// Homogeneous fermionic relaxation: the conservative exponential collision step against an
/// independent RK4 integration of `SwapModel::collision_integral` (39) with a tiny step;
/// measured order in the step, conservation, occupations in [0, 1], and the final state (40).
#[test]
fn homogeneous_fermionic_relaxation_order_and_bounds() {
    let m = model(0.3, Statistics::Fermionic);
    let lam = m.grid().nodes().to_vec();
    let p0: Vec<f64> = lam
        .iter()
        .map(|&l| 0.9 * (-(l - 3.0) * (l - 3.0) / 8.0).exp() / (2.0 * std::f64::consts::PI))
        .collect();
    let w = m.grid().weights().to_vec();
    let n0: f64 = p0.iter().zip(&w).map(|(a, b)| a * b).sum();
    let t_end: f64 = 0.6;
    // reference: RK4 on the collision integral
    let mut r = p0.clone();
    let hr: f64 = 1e-4;
    let steps = (t_end / hr).round() as usize;
    for _ in 0..steps {
        let k1 = m.collision_integral(&r);
        let y: Vec<f64> = r.iter().zip(&k1).map(|(a, b)| a + 0.5 * hr * b).collect();
        let k2 = m.collision_integral(&y);
        let y: Vec<f64> = r.iter().zip(&k2).map(|(a, b)| a + 0.5 * hr * b).collect();
        let k3 = m.collision_integral(&y);
        let y: Vec<f64> = r.iter().zip(&k3).map(|(a, b)| a + hr * b).collect();
        let k4 = m.collision_integral(&y);
        for j in 0..r.len() {
            r[j] += hr / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
        }
    }
    let grid = Grid::new(0.0, 1.0, 4).unwrap();
    let mut errs = Vec::new();
    println!(
        "fermionic homogeneous relaxation vs RK4 reference: dt, max |rho_p - ref|, number drift"
    );
    for &dt in &[0.2, 0.1, 0.05, 0.025] {
        let mut s = KineticSolver::new(&m, grid, Limiter::MonotonizedCentral).unwrap();
        let pp = p0.clone();
        let lam2 = lam.clone();
        s.set_from_fn(|_, l| pp[lam2.iter().position(|&x| x == l).unwrap()]);
        s.evolve(t_end, dt).unwrap();
        let e = (0..lam.len())
            .map(|j| (s.rho_p(0, j) - r[j]).abs())
            .fold(0.0, f64::max);
        let drift = (s.density()[0] - n0).abs() / n0;
        let (lo, hi) = s.occupation_range();
        println!("  {dt:6.3} {e:.3e} {drift:.1e} occupations in [{lo:.3e}, {hi:.6}]");
        assert!(drift < 1e-14);
        assert!(lo >= 0.0 && hi <= 1.0);
        errs.push(e);
    }
    let orders: Vec<f64> = errs.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    println!("  orders {orders:.3?}");
    assert!(orders.iter().all(|&p| p >= 1.8), "orders {orders:?}");
    // long-time limit: the discrete stationary state (40) at the same density
    let mut s = KineticSolver::new(&m, grid, Limiter::MonotonizedCentral).unwrap();
    let pp = p0.clone();
    let lam2 = lam.clone();
    s.set_from_fn(|_, l| pp[lam2.iter().position(|&x| x == l).unwrap()]);
    s.evolve(15.0, 0.05).unwrap();
    let st = m.stationary(n0).unwrap();
    let e = (0..lam.len())
        .map(|j| (s.rho_p(0, j) - st.rho_st[j]).abs())
        .fold(0.0, f64::max);
    println!("  after t=15 (60 collision times): max |rho_p - rho_st(40)| = {e:.2e}");
    assert!(e < 1e-12);
}

#[test]
fn semi_lagrangian_shift_is_exact_conservative_and_second_order() {
    // integer shifts are exact; fractional shifts conserve mass and converge at order 2
    let n = 64;
    let v0: Vec<f64> = (0..n)
        .map(|i| (2.0 * std::f64::consts::PI * i as f64 / n as f64).sin() + 2.0)
        .collect();
    let mut v = v0.clone();
    let mut work = vec![0.0; n];
    shift_periodic(&mut v, 5.0, Limiter::MonotonizedCentral, &mut work);
    assert!((0..n).all(|i| v[i] == v0[(i + n - 5) % n]));
    shift_periodic(&mut v, -5.0, Limiter::MonotonizedCentral, &mut work);
    assert_eq!(v, v0);
    // translate a smooth profile once around the box in steps of 0.37 cells (positive and negative)
    let mut errs = Vec::new();
    for &n in &[50usize, 100, 200, 400] {
        let grid = Grid::new(0.0, 1.0, n).unwrap();
        let prof = |x: f64| 1.0 + (-(x - 0.5) * (x - 0.5) / 0.01).exp();
        let v0 = grid.cell_averages(prof);
        let mut e = 0.0f64;
        for sign in [1.0, -1.0] {
            let mut v = v0.clone();
            let mut work = vec![0.0; n];
            let c = 0.37 * n as f64 / 50.0; // fixed Courant-like fraction of the box per step
            let steps = 50;
            for _ in 0..steps {
                shift_periodic(&mut v, sign * c, Limiter::MonotonizedCentral, &mut work);
            }
            let shift = sign * c * steps as f64 * grid.dx();
            let exact = grid.cell_averages(|x| prof((x - shift).rem_euclid(1.0)));
            let m0: f64 = v0.iter().sum();
            let m1: f64 = v.iter().sum();
            assert!(((m1 - m0) / m0).abs() < 1e-14);
            assert!(
                v.iter().all(|&x| (1.0 - 1e-15..=2.0 + 1e-15).contains(&x)),
                "bounds"
            );
            e = e.max(
                v.iter()
                    .zip(&exact)
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f64>()
                    * grid.dx(),
            );
        }
        errs.push(e);
    }
    let orders: Vec<f64> = errs.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    println!("semi-Lagrangian shift L1 errors {errs:?} orders {orders:.3?}");
    assert!(orders[orders.len() - 1] >= 1.8);
}

/// Spatial classical problem: particle number conserved, and the kinetic density approaches the
/// boosted-diffusion (hydrodynamic) solution as the gradients weaken: the L1 distance (relative
/// to the particle number) decreases in time after the initial layer.
#[test]
fn classical_kinetic_approaches_boosted_diffusion() {
    let m = model(0.3, Statistics::Classical);
    let tr = m.transport(1.0).unwrap();
    let hydro_model = LinearTransport {
        u: tr.u,
        d: tr.diffusion,
    };
    println!(
        "classical asymmetric bath: u = {:.6}, D = {:.6}",
        tr.u, tr.diffusion
    );
    let grid = Grid::new(0.0, 240.0, 240).unwrap();
    let bump = |x: f64| 0.2 + 2.0 * (-(x - 120.0) * (x - 120.0) / (2.0 * 36.0)).exp();
    let rho0 = grid.cell_averages(bump);
    let mut kin = KineticSolver::new(&m, grid, Limiter::MonotonizedCentral).unwrap();
    kin.set_local_stationary(&rho0).unwrap();
    let n0 = kin.total_number();
    let mut cfg = BurgersConfig::new(grid, Boundary::Periodic, 0.1);
    cfg.cfl = 0.5;
    let mut hy = Burgers::new(cfg, &hydro_model).unwrap();
    let mut rho_h = rho0.clone();
    let times = [0.5, 1.0, 2.0, 4.0, 8.0];
    let mut t = 0.0;
    let mut dist = Vec::new();
    let excess = n0 - 0.2 * 240.0;
    for &tt in &times {
        kin.evolve(tt - t, 0.05).unwrap();
        hy.evolve(&mut rho_h, tt - t).unwrap();
        t = tt;
        let rk = kin.density();
        let d = grid.mass(
            &rk.iter()
                .zip(&rho_h)
                .map(|(a, b)| (a - b).abs())
                .collect::<Vec<_>>(),
        ) / excess;
        let drift = (kin.total_number() - n0) / n0;
        println!("  t={tt:5.2}: L1(kinetic - hydro)/bump mass = {d:.4e}, number drift {drift:.1e}");
        assert!(drift.abs() < 1e-13);
        dist.push(d);
    }
    // after the initial layer (1/(gamma rho_b) = 0.25) the Chapman-Enskog gap shrinks
    for w in dist[1..].windows(2) {
        assert!(w[1] < w[0], "distance did not shrink: {dist:?}");
    }
}

#[test]
fn fermionic_occupations_bounded_and_number_conserved() {
    let m = model(0.3, Statistics::Fermionic);
    let grid = Grid::new(0.0, 120.0, 120).unwrap();
    // peak density with n ~ 0.9 at the top of the bath: a dense bump
    let rho0 = grid.cell_averages(|x| 0.05 + 3.0 * (-(x - 60.0) * (x - 60.0) / (2.0 * 25.0)).exp());
    let mut kin = KineticSolver::new(&m, grid, Limiter::MonotonizedCentral).unwrap();
    kin.set_local_stationary(&rho0).unwrap();
    let (_, hi0) = kin.occupation_range();
    let n0 = kin.total_number();
    kin.evolve(2.0, 0.05).unwrap();
    let (lo, hi) = kin.occupation_range();
    let drift = (kin.total_number() - n0) / n0;
    println!(
        "fermionic: initial max occupation {hi0:.4}; after t=2 occupations in [{lo:.3e}, {hi:.6}], drift {drift:.1e}"
    );
    assert!(lo >= 0.0 && hi <= 1.0);
    assert!(drift.abs() < 1e-13);
}

// ---------------------------------------------------------------------------------------------
// Spectral advection, Strang splitting error and Richardson extrapolation.
// ---------------------------------------------------------------------------------------------

use hydro::{Advection, kinetic_profiles};
use realfft::num_complex::Complex;

type C64 = Complex<f64>;

/// Coefficient of `e^{i 2 pi m i / n}` in the periodic sequence `v` (plain DFT sum, independent
/// of the FFT in the solver): `(1/n) sum_i v_i e^{-i 2 pi m i / n}`.
fn dft(v: &[f64], m: usize) -> C64 {
    let n = v.len();
    v.iter()
        .enumerate()
        .map(|(i, &x)| {
            C64::from_polar(
                x,
                -2.0 * std::f64::consts::PI * (m * i % n) as f64 / n as f64,
            )
        })
        .sum::<C64>()
        / n as f64
}

/// Classical model of the Fig. 5 bath (b = 0.3, drifting) for the Fourier-mode tests.
/// One-mode initial density `1 + 0.3 cos(k x)` (cell averages), `k = 2 pi / len`, on `nx` cells
/// of a periodic box of length `len`: (grid, rho0, k).
fn cosine_mode(nx: usize, len: f64) -> (Grid, Vec<f64>, f64) {
    let k = 2.0 * std::f64::consts::PI / len;
    let grid = Grid::new(0.0, len, nx).unwrap();
    let rho0 = grid.cell_averages(|x| 1.0 + 0.3 * (k * x).cos());
    (grid, rho0, k)
}

fn classical_model() -> SwapModel {
    model(0.3, Statistics::Classical)
}

/// The case of the dense-route tests: [`classical_model`], its [`ModeMatrices`], and the
/// [`cosine_mode`] on 16 cells of a box of length 40 (`k = 2 pi/40`):
/// (model, matrices, grid, rho0, k).
fn dense_mode_case() -> (SwapModel, ModeMatrices, Grid, Vec<f64>, f64) {
    let m = classical_model();
    let mm = ModeMatrices::new(&m);
    let (grid, rho0, k) = cosine_mode(16, 40.0);
    (m, mm, grid, rho0, k)
}

/// Dense route for one Fourier mode k of the classical model: the exact relaxation map
/// `C(tau) = e^{-nu tau} I + (1 - e^{-nu tau}) rho_b w^T / K` and the streaming phases.
struct ModeMatrices {
    lam: Vec<f64>,
    w: Vec<f64>,
    rb: Vec<f64>,
    k_b: f64,
    nu: f64,
}

impl ModeMatrices {
    fn new(m: &SwapModel) -> ModeMatrices {
        let k_b: f64 = m
            .bath_on_grid()
            .iter()
            .zip(m.grid().weights())
            .map(|(b, w)| b * w)
            .sum();
        ModeMatrices {
            lam: m.grid().nodes().to_vec(),
            w: m.grid().weights().to_vec(),
            rb: m.bath_on_grid().to_vec(),
            k_b,
            nu: m.gamma() * k_b,
        }
    }
    fn n(&self) -> usize {
        self.lam.len()
    }
    /// Dense `M = C(h/2) diag(e^{-i k lambda_j h}) C(h/2)`, row-major.
    fn strang(&self, k: f64, h: f64) -> Vec<C64> {
        let n = self.n();
        let e = (-self.nu * 0.5 * h).exp();
        let c = |i: usize, j: usize| -> f64 {
            (if i == j { e } else { 0.0 }) + (1.0 - e) * self.rb[i] * self.w[j] / self.k_b
        };
        let mut out = vec![C64::new(0.0, 0.0); n * n];
        // (C D C)_{ij} = sum_l C_il d_l C_lj
        for i in 0..n {
            for l in 0..n {
                let a = c(i, l) * C64::from_polar(1.0, -k * self.lam[l] * h);
                for j in 0..n {
                    out[i * n + j] += a * c(l, j);
                }
            }
        }
        out
    }
    /// Generator of the continuous-time discrete-velocity equation for mode k:
    /// `G = -i k Lambda - nu (I - rho_b w^T / K)`, applied to v.
    fn generator_apply(&self, k: f64, v: &[C64]) -> Vec<C64> {
        let dens: C64 = v.iter().zip(&self.w).map(|(a, b)| a * b).sum();
        (0..self.n())
            .map(|i| {
                C64::new(0.0, -k * self.lam[i]) * v[i]
                    - self.nu * (v[i] - self.rb[i] * dens / self.k_b)
            })
            .collect()
    }
    /// `e^{G t} v` by substeps with `||G tau|| <= 1/4` and a 40-term Taylor series each.
    fn exact(&self, k: f64, t: f64, v: &[C64]) -> Vec<C64> {
        let lam_max = self.lam.iter().fold(0.0f64, |a, &l| a.max(l.abs()));
        let norm = k * lam_max + 2.0 * self.nu;
        let sub = ((t * norm) / 0.25).ceil().max(1.0) as usize;
        let tau = t / sub as f64;
        let mut x = v.to_vec();
        for _ in 0..sub {
            let mut term = x.clone();
            let mut acc = x.clone();
            for p in 1..=40 {
                term = self
                    .generator_apply(k, &term)
                    .into_iter()
                    .map(|z| z * (tau / p as f64))
                    .collect();
                for (a, b) in acc.iter_mut().zip(&term) {
                    *a += b;
                }
            }
            x = acc;
        }
        x
    }
}

fn matvec(m: &[C64], v: &[C64]) -> Vec<C64> {
    let n = v.len();
    (0..n)
        .map(|i| {
            m[i * n..(i + 1) * n]
                .iter()
                .zip(v)
                .map(|(a, b)| a * b)
                .sum()
        })
        .collect()
}

#[test]
fn spectral_shift_of_trigonometric_polynomial_is_exact() {
    let m = classical_model();
    let nx = 32;
    let len = 37.0;
    let grid = Grid::new(0.0, len, nx).unwrap();
    let mut s = KineticSolver::with_advection(&m, grid, Advection::Spectral).unwrap();
    // degree 15 < nx/2 with arbitrary phases (point values at the cell centres)
    let poly = |x: f64| -> f64 {
        (0..16)
            .map(|q| {
                let kq = 2.0 * std::f64::consts::PI * q as f64 / len;
                (1.0 / (1.0 + q as f64)) * (kq * x + 0.7 * q as f64).cos()
            })
            .sum::<f64>()
    };
    s.set_from_fn(|x, _| poly(x));
    let mut worst: f64 = 0.0;
    let lam = m.grid().nodes().to_vec();
    let xs = grid.centers();
    let mut shift_total = 0.0;
    for &h in &[0.37, 0.011, 1.234_567, 0.37] {
        s.advect(h).unwrap();
        shift_total += h;
        for (j, &l) in lam.iter().enumerate() {
            for (i, &x) in xs.iter().enumerate() {
                worst = worst.max((s.rho_p(i, j) - poly(x - l * shift_total)).abs());
            }
        }
    }
    println!(
        "spectral shift of a degree-15 trigonometric polynomial on 32 cells, {} velocity rows, \
         4 fractional shifts: max error {worst:.2e}",
        lam.len()
    );
    assert!(worst < 1e-13, "{worst:e}");
}

/// The solver's Fourier amplitudes (per velocity node) after n Strang steps equal the dense
/// route `M^n v0`, and with the same machinery the small-k decay rate equals
/// `D_eff k^2`, `D_eff = D (nu h/2) coth(nu h/2)`.
#[test]
fn fourier_mode_propagator_matches_dense_strang_matrix() {
    let (m, mm, grid, rho0, k) = dense_mode_case();
    let mut s = KineticSolver::with_advection(&m, grid, Advection::Spectral).unwrap();
    s.set_local_stationary(&rho0).unwrap();
    let v0: Vec<C64> = (0..mm.n()).map(|j| dft(s.row(j), 1)).collect();
    let h = 0.13;
    let steps = 40;
    for _ in 0..steps {
        s.step(h).unwrap();
    }
    let big_m = mm.strang(k, h);
    let mut v = v0.clone();
    for _ in 0..steps {
        v = matvec(&big_m, &v);
    }
    let scale = v0.iter().fold(0.0f64, |a, z| a.max(z.norm()));
    let err = (0..mm.n())
        .map(|j| (dft(s.row(j), 1) - v[j]).norm())
        .fold(0.0f64, f64::max)
        / scale;
    println!(
        "Fourier mode k = 2 pi/40 after {steps} Strang steps of h = {h}: max |solver - M^n v0| / max|v0| = {err:.2e}"
    );
    assert!(err < 1e-12, "{err:e}");
}

#[test]
fn strang_effective_diffusion_is_d_nu_h_coth() {
    let m = classical_model();
    let d = m.transport(1.0).unwrap().diffusion;
    let nu = ModeMatrices::new(&m).nu;
    let len = 2000.0;
    let (grid, rho0, k) = cosine_mode(8, len);
    println!("classical b = 0.3: D = {d:.6}, nu = {nu:.4}, k = 2 pi/{len}");
    println!("   h    rate/(D k^2)   D_eff/D = (nu h/2)coth(nu h/2)   rate/(D_eff k^2) - 1");
    for &h in &[0.2, 0.1, 0.05] {
        let mut s = KineticSolver::with_advection(&m, grid, Advection::Spectral).unwrap();
        s.set_local_stationary(&rho0).unwrap();
        let (t1, t2) = (20.0, 120.0);
        s.evolve(t1, h).unwrap();
        let a1 = dft(&s.density(), 1);
        s.evolve(t2 - t1, h).unwrap();
        let a2 = dft(&s.density(), 1);
        let rate = -(a2.norm() / a1.norm()).ln() / (t2 - t1);
        let x = 0.5 * nu * h;
        let d_eff = d * x / x.tanh();
        let rel = rate / (d_eff * k * k) - 1.0;
        println!(
            "  {h:4.2}   {:.6}       {:.6}                        {rel:+.2e}",
            rate / (d * k * k),
            d_eff / d
        );
        // (k l)^2 ~ 3e-5 is the size of the O(k^4) corrections (l = mean free path ~ 1.7)
        assert!(rel.abs() < 2e-4, "h = {h}: {rel:e}");
        assert!(
            (d_eff / d - 1.0) > 20.0 * rel.abs(),
            "effect not resolved at h = {h}"
        );
    }
}

/// End-to-end through `kinetic_profiles`: the density Fourier amplitude against the exact
/// continuous-time discrete-velocity solution; Strang order 2, Richardson order 4.
#[test]
fn strang_order_two_and_richardson_order_four() {
    let (m, mm, grid, rho0, k) = dense_mode_case();
    let t = 2.0;
    let r0 = dft(&rho0, 1);
    let v0: Vec<C64> = mm.rb.iter().map(|b| r0 * (b / mm.k_b)).collect();
    let exact: C64 = mm
        .exact(k, t, &v0)
        .iter()
        .zip(&mm.w)
        .map(|(a, b)| a * b)
        .sum();
    println!(
        "density mode k = 2 pi/40 at t = {t}: exact |amplitude| = {:.6e} (initial {:.6e})",
        exact.norm(),
        r0.norm()
    );
    println!("     h      Strang error   order   Richardson error   order   Richardson estimate");
    let mut rows = Vec::new();
    for &n in &[8usize, 16, 32, 64, 128] {
        let h = t / n as f64;
        let p = kinetic_profiles(&m, grid, Advection::Spectral, &rho0, &[t], h, true).unwrap();
        let plain = kinetic_profiles(&m, grid, Advection::Spectral, &rho0, &[t], h, false).unwrap();
        let e_s = (dft(&plain.densities[0], 1) - exact).norm() / r0.norm();
        let e_r = (dft(&p.densities[0], 1) - exact).norm() / r0.norm();
        rows.push((h, e_s, e_r, p.richardson_l1.unwrap()[0]));
    }
    for (i, r) in rows.iter().enumerate() {
        let (os, or) = if i > 0 {
            ((rows[i - 1].1 / r.1).log2(), (rows[i - 1].2 / r.2).log2())
        } else {
            (f64::NAN, f64::NAN)
        };
        println!(
            "  {:.5}   {:.3e}   {os:5.2}    {:.3e}        {or:5.2}    {:.3e}",
            r.0, r.1, r.2, r.3
        );
        if i >= 2 {
            assert!((1.9..2.1).contains(&os), "Strang order {os}");
            assert!(or > 3.7, "Richardson order {or}");
        }
    }
}

/// Spectral advection: particle number conserved to round-off (classical and fermionic), and
/// fermionic occupations stay in [0, 1] up to round-off on a dense bump (no clamping in the
/// collision step: the excursion is measured, not hidden).
#[test]
fn spectral_conservation_and_fermionic_bounds() {
    for stats in [Statistics::Classical, Statistics::Fermionic] {
        let m = model(0.3, stats);
        let grid = Grid::new(0.0, 120.0, 120).unwrap();
        let rho0 =
            grid.cell_averages(|x| 0.05 + 3.0 * (-(x - 60.0) * (x - 60.0) / (2.0 * 25.0)).exp());
        let mut kin = KineticSolver::with_advection(&m, grid, Advection::Spectral).unwrap();
        kin.set_local_stationary(&rho0).unwrap();
        let n0 = kin.total_number();
        let mut drift: f64 = 0.0;
        for _ in 0..4 {
            kin.evolve(0.5, 0.05).unwrap();
            drift = drift.max(((kin.total_number() - n0) / n0).abs());
        }
        let (lo, hi) = kin.extreme_occupations();
        println!(
            "{stats:?} bump, spectral advection, t = 2: max |N(t)/N(0) - 1| = {drift:.1e}; \
             occupations in [{lo:.3e}, {hi:.15}] (after every advection and collision)"
        );
        assert!(drift < 1e-13);
        if stats == Statistics::Fermionic {
            assert!(lo > -1e-14 && hi < 1.0 + 1e-14);
        }
    }
}

/// The fermionic Strang step is also time-symmetric (the conservative frozen-`K` collision map
/// is its own inverse under `tau -> -tau`), so Richardson raises the order to 4 for (39) too:
/// self-convergence of the density on a dense bump (Pauli blocking active) against a reference
/// computed with a 16 times smaller step.
#[test]
fn fermionic_richardson_is_fourth_order() {
    let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap();
    let vg = VelocityGrid::for_bath(&bath, 1e-20, 1.0).unwrap();
    let m = SwapModel::new(bath, 0.08, Statistics::Fermionic, vg).unwrap();
    let grid = Grid::new(0.0, 64.0, 32).unwrap();
    let rho0 = grid.cell_averages(|x| {
        0.3 + 2.0 * (-(1.0 - (2.0 * std::f64::consts::PI * x / 64.0).cos()) * 2.0).exp()
    });
    let t = [1.0];
    let run = |h: f64, r: bool| {
        kinetic_profiles(&m, grid, Advection::Spectral, &rho0, &t, h, r)
            .unwrap()
            .densities
            .remove(0)
    };
    let reference = run(0.2 / 16.0, true);
    let mass = grid.mass(&reference);
    let l1 = |a: &[f64]| -> f64 {
        grid.mass(
            &a.iter()
                .zip(&reference)
                .map(|(x, y)| (x - y).abs())
                .collect::<Vec<_>>(),
        ) / mass
    };
    println!("fermionic bump, t = 1: L1/N error vs h/16 Richardson reference");
    println!("     h    Strang       order   Richardson   order");
    let mut prev: Option<(f64, f64)> = None;
    for &h in &[0.2, 0.1, 0.05] {
        let (es, er) = (l1(&run(h, false)), l1(&run(h, true)));
        let (os, or) = prev.map_or((f64::NAN, f64::NAN), |(ps, pr)| {
            ((ps / es).log2(), (pr / er).log2())
        });
        println!("  {h:5.3}   {es:.3e}   {os:5.2}   {er:.3e}   {or:5.2}");
        if prev.is_some() {
            assert!((1.9..2.1).contains(&os), "Strang order {os}");
            assert!(or > 3.6, "Richardson order {or}");
        }
        prev = Some((es, er));
    }
}

/// Cell averages <-> point values of the trigonometric interpolant: exact on a trigonometric
/// polynomial (cell averages computed analytically), and the spectral solver converges
/// spectrally in dx on the nonlinear fermionic problem (cell averages at 32 and 64 cells).
#[test]
fn cell_average_point_value_conversion_and_spectral_convergence_in_dx() {
    use hydro::{cell_averages_to_point_values, point_values_to_cell_averages};
    let len = 10.0;
    let grid = Grid::new(0.0, len, 24).unwrap();
    let dx = grid.dx();
    let modes: Vec<(f64, f64, f64)> = (0..12)
        .map(|q| {
            (
                2.0 * std::f64::consts::PI * q as f64 / len,
                1.0 / (1.0 + q as f64),
                0.3 * q as f64,
            )
        })
        .collect();
    let point = |x: f64| -> f64 { modes.iter().map(|(k, a, p)| a * (k * x + p).cos()).sum() };
    let average = |x: f64| -> f64 {
        modes
            .iter()
            .map(|(k, a, p)| {
                let s = if *k == 0.0 {
                    1.0
                } else {
                    (0.5 * k * dx).sin() / (0.5 * k * dx)
                };
                a * s * (k * x + p).cos()
            })
            .sum()
    };
    let xs = grid.centers();
    let avg: Vec<f64> = xs.iter().map(|&x| average(x)).collect();
    let pts = cell_averages_to_point_values(&grid, &avg).unwrap();
    let back = point_values_to_cell_averages(&grid, &pts).unwrap();
    let e1 = xs
        .iter()
        .zip(&pts)
        .map(|(&x, p)| (p - point(x)).abs())
        .fold(0.0, f64::max);
    let e2 = avg
        .iter()
        .zip(&back)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!("cell averages -> point values: max error {e1:.2e}; round trip {e2:.2e}");
    assert!(e1 < 1e-14 && e2 < 1e-14);

    let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap();
    let vg = VelocityGrid::for_bath(&bath, 1e-20, 1.0).unwrap();
    let m = SwapModel::new(bath, 0.08, Statistics::Fermionic, vg).unwrap();
    let profile =
        |x: f64| 0.3 + 2.0 * (-(1.0 - (2.0 * std::f64::consts::PI * x / 64.0).cos()) * 2.0).exp();
    let run = |n: usize| {
        let g = Grid::new(0.0, 64.0, n).unwrap();
        // analytic-quality cell averages: 3-point Gauss per sub-cell of 8
        let fine = Grid::new(0.0, 64.0, 8 * n).unwrap().cell_averages(profile);
        let rho0: Vec<f64> = fine
            .chunks(8)
            .map(|c| c.iter().sum::<f64>() / 8.0)
            .collect();
        kinetic_profiles(&m, g, Advection::Spectral, &rho0, &[1.0], 0.05, true)
            .unwrap()
            .densities
            .remove(0)
    };
    // L1/N between successive doublings, compared on the coarser grid (pair averages of cell
    // averages are exact cell averages)
    let runs: Vec<Vec<f64>> = [16usize, 32, 64].iter().map(|&n| run(n)).collect();
    let dist = |a: &[f64], b: &[f64]| -> f64 {
        let b2: Vec<f64> = b.chunks(2).map(|c| 0.5 * (c[0] + c[1])).collect();
        a.iter().zip(&b2).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.iter().sum::<f64>()
    };
    let (d1, d2) = (dist(&runs[0], &runs[1]), dist(&runs[1], &runs[2]));
    println!(
        "fermionic bump at t = 1 (Richardson, h = 0.05), L1/N between cell averages: \
         16 vs 32 cells {d1:.2e}, 32 vs 64 cells {d2:.2e} (ratio {:.0}; order 2 would give 4)",
        d1 / d2
    );
    // spectral: the gain per doubling grows without bound; assert more than order 8 (2^8)
    assert!(d1 / d2 > 256.0, "{d1:e} {d2:e}");
}

/// Rows and cells are independent work items: the result is bit-identical whatever the number
/// of threads.
#[test]
fn spectral_solver_is_bit_identical_across_thread_counts() {
    let m = model(0.3, Statistics::Fermionic);
    let grid = Grid::new(0.0, 120.0, 60).unwrap();
    let rho0 = grid.cell_averages(|x| 0.05 + 3.0 * (-(x - 60.0) * (x - 60.0) / (2.0 * 25.0)).exp());
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                kinetic_profiles(&m, grid, Advection::Spectral, &rho0, &[0.5], 0.1, true)
                    .unwrap()
                    .densities
            })
    };
    let (a, b) = (run(1), run(3));
    assert!(
        a.iter()
            .flatten()
            .zip(b.iter().flatten())
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
}
