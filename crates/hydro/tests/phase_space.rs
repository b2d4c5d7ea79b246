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
