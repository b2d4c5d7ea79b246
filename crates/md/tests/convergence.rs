//! Convergence of the fermionic cell algorithm in the time step `dt`, the cell length `l` and
//! the number of particles per cell. Heavy: run in release with
//! `cargo test --release -p md --test convergence -- --ignored --nocapture`.
//!
//! Observables (ensemble mean ± standard error):
//! * stationary mean velocity `J/ρ` and variance of a homogeneous periodic box at ρ = 1.5 with
//!   streaming between cells (duplicates occur), against the continuum stationary state (40);
//! * spreading `<(x − x_c)²>(t = 20)` of a symmetric-bath bump (transport);
//! * duplicates per particle-step and blocked fraction;
//! * exact canonical-vs-(40) gap of one isolated cell as a function of its particle number.

use md::{
    BumpPositions, CellAlgorithm, CellCounters, DuplicateRule, GaussianBump, LatticeStationary,
    MeanSem, Membership, MixtureSampler, Shard, canonical_occupations, run_shard,
};
use rand::Rng;

mod common;

const GAMMA: f64 = 0.08;
const RHO_B: f64 = 50.0;

fn continuum(bath: &MixtureSampler, rho: f64) -> (f64, f64) {
    // (40) on a very fine lattice (level spacing 2π/2e4): midpoint rule of the continuum.
    let algo = CellAlgorithm::new(GAMMA, RHO_B, bath.clone(), 2.0e4, 1, 1.0).unwrap();
    let st = LatticeStationary::new(&algo, rho * 2.0e4).unwrap();
    let tot: f64 = st.n.iter().sum();
    let v = |j: usize| algo.velocity(st.k0 + j as i64);
    let m1 = st.n.iter().enumerate().map(|(j, n)| n * v(j)).sum::<f64>() / tot;
    let m2 =
        st.n.iter()
            .enumerate()
            .map(|(j, n)| n * v(j) * v(j))
            .sum::<f64>()
            / tot;
    (m1, m2 - m1 * m1)
}

/// Homogeneous periodic box of length 400 at density rho: time-averaged <v>, var(v) over
/// t in [5, 25] (after 20 proposals per particle), per realization.
fn homogeneous_box(
    bath: &MixtureSampler,
    l: f64,
    dt: f64,
    r: usize,
    rule: DuplicateRule,
) -> (MeanSem, CellCounters) {
    let (len, rho) = (400.0, 1.5);
    let algo = CellAlgorithm::new(
        GAMMA,
        RHO_B,
        bath.clone(),
        l,
        (len / l).round() as usize,
        dt,
    )
    .unwrap()
    .with_duplicate_rule(rule);
    let n = (rho * len) as usize;
    let times: Vec<f64> = (0..=20)
        .map(|i| ((5.0 + i as f64) / dt).round() * dt)
        .collect();
    let rows = run_shard(r, Shard::WHOLE, 17, |_, rng| {
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * len).collect();
        let mut s = algo.init_local_stationary(x, 20.0, rng);
        let (mut m1, mut m2) = (0.0, 0.0);
        algo.run(&mut s, &times, rng, |_, st| {
            for &k in &st.k {
                let v = algo.velocity(k);
                m1 += v;
                m2 += v * v;
            }
        })
        .unwrap();
        let c = (n * times.len()) as f64;
        let (m1, m2) = (m1 / c, m2 / c);
        (vec![m1, m2 - m1 * m1], s.counters)
    })
    .unwrap()
    .rows;
    let mut c = CellCounters::default();
    rows.iter().for_each(|r| c += r.1);
    let obs: Vec<Vec<f64>> = rows.into_iter().map(|r| r.0).collect();
    (MeanSem::from_rows(&obs), c)
}

/// The bump of the spreading tests: `n` particles centred at 400 (width 80) in a box of 800.
fn bump(n: usize) -> GaussianBump {
    GaussianBump {
        n,
        center: 400.0,
        width: 80.0,
    }
}

/// `r` realizations (ensemble seed `seed`) of [`bump`]`(n)` in the box of `algo`, each cell
/// relaxed with 20 proposals per particle, run to t = 20 (rounded to a multiple of dt): per
/// realization `<(x - 400)²>` at t = 0 and t = 20, and the counters.
fn bump_spreading(
    algo: &CellAlgorithm,
    n: usize,
    r: usize,
    seed: u64,
) -> Vec<([f64; 2], CellCounters)> {
    let bump = bump(n);
    let t_end = (20.0 / algo.dt()).round() * algo.dt();
    run_shard(r, Shard::WHOLE, seed, |_, rng| {
        let x: Vec<f64> = (0..bump.n).map(|_| bump.sample(rng)).collect();
        let mut s = algo.init_local_stationary(x, 20.0, rng);
        let mut var = [0.0; 2];
        algo.run(&mut s, &[0.0, t_end], rng, |m, st| {
            var[m] = st.x.iter().map(|x| (x - 400.0).powi(2)).sum::<f64>() / st.x.len() as f64;
        })
        .unwrap();
        (var, s.counters)
    })
    .unwrap()
    .rows
}

/// Spreading increment of a bump of `n` particles (width 80, box 800, symmetric bath) at t = 20
/// against the exact non-interacting value on the level lattice, for dt = 0.4 and 0.025: tells
/// a Pauli (many-body) time-step effect from a single-particle one.
#[test]
#[ignore = "heavy: run in release (see module docs)"]
fn spreading_dt_effect_vs_density() {
    let bath = common::bragg(6.0, 5.9, 1.0);
    for (n, r) in [(20usize, 20_480usize), (100, 4096), (400, 1024)] {
        for dt in [0.4, 0.025] {
            let algo = CellAlgorithm::new(GAMMA, RHO_B, bath.clone(), 20.0, 40, dt)
                .unwrap()
                .with_duplicate_rule(DuplicateRule::Keep);
            let m2 = common::lattice_second_moment(&algo);
            let rate = algo.rate();
            let exact = 2.0 * m2 * (20.0 / rate - (1.0 - (-rate * 20.0).exp()) / (rate * rate));
            let rows: Vec<Vec<f64>> = bump_spreading(&algo, n, r, 29)
                .into_iter()
                .map(|(var, _)| vec![var[1] - var[0]])
                .collect();
            let ms = MeanSem::from_rows(&rows);
            println!(
                "n = {n:3} (peak density {:.2}), dt = {dt:5.3}: increment {:.1} ± {:.1}, non-interacting exact {exact:.1}",
                bump(n).peak_density(),
                ms.mean[0],
                ms.sem[0]
            );
        }
    }
}

/// Symmetric bath, bump of 400 particles (peak density 2) in a box of 800: <(x-400)²> at t = 20
/// and its increment over the same realization's initial value (the initial sampling noise
/// cancels in the increment).
fn spreading(l: f64, dt: f64, r: usize, rule: DuplicateRule) -> (MeanSem, CellCounters) {
    spreading_with(l, dt, r, rule, Membership::StepStart)
}

/// [`spreading`] with cell membership taken at `membership`.
fn spreading_with(
    l: f64,
    dt: f64,
    r: usize,
    rule: DuplicateRule,
    membership: Membership,
) -> (MeanSem, CellCounters) {
    let bath = common::bragg(6.0, 5.9, 1.0);
    let len = 800.0;
    let algo = CellAlgorithm::new(GAMMA, RHO_B, bath, l, (len / l).round() as usize, dt)
        .unwrap()
        .with_duplicate_rule(rule)
        .with_membership(membership);
    let rows = bump_spreading(&algo, 400, r, 23);
    let mut c = CellCounters::default();
    rows.iter().for_each(|r| c += r.1);
    let obs: Vec<Vec<f64>> = rows
        .into_iter()
        .map(|(var, _)| vec![var[1], var[1] - var[0]])
        .collect();
    (MeanSem::from_rows(&obs), c)
}

/// The time-step error of the spreading is the binning lag of App. C's step (docs/physics.md
/// §3.5): with membership at the step's start the increment of `<(x - 400)²>` over t = 20 of a
/// bump at peak density 2 (l = 20) has a first-order term in dt; with membership at mid-step
/// it cancels. Prints the increments for dt = 0.4 ... 0.025 and a weighted fit
/// `c0 + c1 dt + c2 dt²` per variant, and asserts, with the ensemble's error bars: `c1 > 0` at
/// more than 5 sigma for `StepStart`, `c1` within 3 sigma of zero for `MidStep`, and the two
/// dt -> 0 limits `c0` equal within 3 sigma.
#[test]
#[ignore = "heavy (about 2 min on 2 cores): cargo test --release -p md --test convergence -- --ignored --nocapture time_step_error_is_the_binning_lag"]
fn time_step_error_is_the_binning_lag() {
    let dts = [0.4, 0.3, 0.2, 0.1, 0.05, 0.025];
    let r = 8192;
    let mut fits = Vec::new();
    for membership in [Membership::StepStart, Membership::MidStep] {
        let pts: Vec<(f64, f64, f64)> = dts
            .iter()
            .map(|&dt| {
                let (s, _) = spreading_with(20.0, dt, r, DuplicateRule::Rescatter, membership);
                println!(
                    "{membership:?}, dt = {dt:5.3}: increment {:.1} ± {:.1}",
                    s.mean[1], s.sem[1]
                );
                (dt, s.mean[1], s.sem[1])
            })
            .collect();
        let fit = common::weighted_poly(&pts, 2);
        println!(
            "{membership:?}: increment = {:.1} ± {:.1} + dt ({:.1} ± {:.1}) + dt² ({:.0} ± {:.0}), chi2/dof {:.2}",
            fit.coef[0], fit.sem[0], fit.coef[1], fit.sem[1], fit.coef[2], fit.sem[2], fit.chi2_dof
        );
        fits.push(fit);
    }
    let (start, mid) = (&fits[0], &fits[1]);
    assert!(start.coef[1] > 5.0 * start.sem[1], "{start:?}");
    assert!(mid.coef[1].abs() < 3.0 * mid.sem[1], "{mid:?}");
    let dz = (start.coef[0] - mid.coef[0]) / start.sem[0].hypot(mid.sem[0]);
    assert!(dz.abs() < 3.0, "dt -> 0 limits differ by {dz:.1} sigma");
}

fn rates(c: &CellCounters) -> (f64, f64) {
    (
        c.duplicates as f64 / c.particle_steps as f64,
        c.blocked as f64 / c.proposals as f64,
    )
}

#[test]
#[ignore = "heavy: run in release (see module docs)"]
fn fermionic_cell_algorithm_convergence() {
    let bath = common::bragg(6.0, 5.9, 0.3);
    let (j40, var40) = continuum(&bath, 1.5);
    println!("continuum (40), rho = 1.5: J/rho = {j40:.4}, var = {var40:.3}");
    let r = 64;
    for rule in [DuplicateRule::Rescatter, DuplicateRule::Keep] {
        println!("=== duplicate rule {rule:?} ===");
        println!(
            "homogeneous box, dt = 0.05: l | J/rho ± sem | z vs (40) | var ± sem | z | dup/particle-step | blocked"
        );
        // one row of the homogeneous-box table: J/rho and var with their z against (40)
        let row = |label: String, l: f64, dt: f64, r: usize| {
            let (s, c) = homogeneous_box(&bath, l, dt, r, rule);
            let (d, b) = rates(&c);
            println!(
                "  {label}: {:.4} ± {:.4} ({:+.1}) | {:.3} ± {:.3} ({:+.1}) | {d:.2e} | {b:.3}",
                s.mean[0],
                s.sem[0],
                (s.mean[0] - j40) / s.sem[0],
                s.mean[1],
                s.sem[1],
                (s.mean[1] - var40) / s.sem[1]
            );
        };
        for l in [2.5, 5.0, 10.0, 20.0, 40.0] {
            row(format!("l = {l:5.1}"), l, 0.05, r);
        }
        println!("homogeneous box, l = 10: dt | J/rho | var | dup/particle-step | blocked");
        for dt in [0.4, 0.2, 0.1, 0.05, 0.025] {
            row(format!("dt = {dt:5.3}"), 10.0, dt, r);
        }
        println!(
            "homogeneous box, production cell l = 20 (Fig. 5 panels b, d), {} realizations: dt | J/rho | var | dup/particle-step | blocked",
            4 * r
        );
        for dt in [0.4, 0.2, 0.1, 0.05] {
            row(format!("dt = {dt:5.3}"), 20.0, dt, 4 * r);
        }
        println!(
            "bump spreading <(x-xc)^2>(t=20) (initial 6400) | increment over t = 0 of the same realization, symmetric bath:"
        );
        for (l, dt) in [
            (10.0, 0.4),
            (10.0, 0.2),
            (10.0, 0.1),
            (10.0, 0.05),
            (5.0, 0.05),
            (20.0, 0.05),
            (40.0, 0.05),
            (20.0, 0.2),
            (20.0, 0.1),
        ] {
            let (s, c) = spreading(l, dt, r, rule);
            let (d, _) = rates(&c);
            println!(
                "  l = {l:4.1}, dt = {dt:5.3}: {:.1} ± {:.1} | {:.1} ± {:.1}   dup/particle-step {d:.2e}",
                s.mean[0], s.sem[0], s.mean[1], s.sem[1]
            );
        }
    }
    println!(
        "bump spreading, {} realizations: (l, dt) | Rescatter increment | Keep increment | difference",
        16 * r
    );
    for (l, dt) in [
        (20.0, 0.4),
        (20.0, 0.2),
        (20.0, 0.1),
        (20.0, 0.05),
        (20.0, 0.025),
        (10.0, 0.4),
        (10.0, 0.05),
        (10.0, 0.025),
        (40.0, 0.4),
        (40.0, 0.05),
        (40.0, 0.025),
    ] {
        let (a, _) = spreading(l, dt, 16 * r, DuplicateRule::Rescatter);
        let (b, _) = spreading(l, dt, 16 * r, DuplicateRule::Keep);
        let (d, sd) = (b.mean[1] - a.mean[1], a.sem[1].hypot(b.sem[1]));
        println!(
            "  l = {l:4.1}, dt = {dt:5.3}: {:.1} ± {:.1} | {:.1} ± {:.1} | {d:+.1} ± {sd:.1} ({:+.1} sigma)",
            a.mean[1],
            a.sem[1],
            b.mean[1],
            b.sem[1],
            d / sd
        );
    }
    println!(
        "one isolated cell at rho = 1.5: N | max |canonical - (40)| per level | rel. gap in J/rho"
    );
    for n in [15usize, 30, 60, 150, 600] {
        let algo = CellAlgorithm::homogeneous(GAMMA, RHO_B, bath.clone(), n as f64 / 1.5).unwrap();
        let gc = LatticeStationary::new(&algo, n as f64).unwrap();
        let k1 = gc.k0 + gc.n.len() as i64 - 1;
        let q = LatticeStationary::level_weights(&algo, gc.k0, k1);
        let can = canonical_occupations(&q, n);
        let dmax = can
            .iter()
            .zip(&gc.n)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let j = |occ: &[f64]| {
            occ.iter()
                .enumerate()
                .map(|(i, o)| o * algo.velocity(gc.k0 + i as i64))
                .sum::<f64>()
                / n as f64
        };
        println!(
            "  N = {n:4}: {dmax:.2e} | {:+.2e}",
            (j(&can) - j(&gc.n)) / j(&gc.n).abs()
        );
    }
}

/// Cost and counters of one Fig. 5 fermionic panel (d) at the pipeline's parameters
/// (N = 1600, box 4000, l = 20, dt = 0.2, t = 400), 8 realizations on 2 threads
/// (`MD_PANEL_REALIZATIONS=1000` runs the full paper statistics, `MD_PANEL_DT=0.05` another
/// time step).
#[test]
#[ignore = "timing: run in release"]
fn fig5_fermionic_panel_cost() {
    let bath = common::bragg(6.0, 5.9, 0.3);
    let dt: f64 = std::env::var("MD_PANEL_DT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.2);
    let algo = CellAlgorithm::new(GAMMA, RHO_B, bath, 20.0, 200, dt).unwrap();
    let bump = GaussianBump {
        n: 1600,
        center: 2600.0,
        width: 320.0,
    };
    let bins = md::Bins::new(0.0, 4000.0, 200).unwrap();
    let times = [0.0, 100.0, 200.0, 400.0];
    let r: usize = std::env::var("MD_PANEL_REALIZATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let start = std::time::Instant::now();
    let rows = run_shard(r, Shard::WHOLE, 5, |_, rng| {
        md::fermionic::bump_profiles(
            &algo,
            &bump,
            BumpPositions::Independent,
            20.0,
            &times,
            &bins,
            rng,
        )
        .unwrap()
    })
    .unwrap()
    .rows;
    let wall = start.elapsed().as_secs_f64();
    let mut c = CellCounters::default();
    rows.iter().for_each(|r| c += r.1);
    println!(
        "panel d, dt = {dt}: {r} realizations in {wall:.2} s ({:.1} s per 1000, {:.1} ns per proposal-thread); \
         {c:?}; blocked fraction {:.3}; duplicates per particle-step {:.2e}, per accepted collision {:.3}",
        wall / r as f64 * 1000.0,
        2.0 * wall / c.proposals as f64 * 1e9,
        c.blocked as f64 / c.proposals as f64,
        c.duplicates as f64 / c.particle_steps as f64,
        c.duplicates as f64 / c.accepted as f64
    );
}

/// The initial bump of Fig. 5 (pipeline.yaml, `fig5_setup`): N = 1600 at 2600, std 320, in a
/// box of 4000.
const FIG5_BUMP: GaussianBump = GaussianBump {
    n: 1600,
    center: 2600.0,
    width: 320.0,
};

/// Realizations per ensemble of a heavy test: the environment variable `var`, else `default`.
fn realizations_from_env(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The Fig. 5 panel d system (N = 1600, box 4000, bump std 320 at 2600, asymmetric bath):
/// ensemble centroid and variance at t = 100, 200, 400 for a ladder of cell lengths, time
/// steps, duplicate rules and memberships, to compare with the kinetic solution of (39)
/// (docs/physics.md §3.5 quotes the table). `MD_LADDER_REALIZATIONS` (default 200) per row.
#[test]
#[ignore = "heavy (about 10 min on 2 cores): cargo test --release -p md --test convergence -- --ignored --nocapture fig5_panel_d_ladder"]
fn fig5_panel_d_ladder() {
    let bath = common::bragg(6.0, 5.9, 0.3);
    let r = realizations_from_env("MD_LADDER_REALIZATIONS", 200);
    let bump = FIG5_BUMP;
    let times = [0.0, 100.0, 200.0, 400.0];
    let rows: Vec<(f64, f64, DuplicateRule, Membership)> = std::env::var("MD_LADDER_ROWS")
        .ok()
        .map(|v| {
            v.split(';')
                .map(|row| {
                    let f: Vec<&str> = row.split(',').collect();
                    let rule = match f[2] {
                        "keep" => DuplicateRule::Keep,
                        _ => DuplicateRule::Rescatter,
                    };
                    let m = match f[3] {
                        "mid" => Membership::MidStep,
                        _ => Membership::StepStart,
                    };
                    (f[0].parse().unwrap(), f[1].parse().unwrap(), rule, m)
                })
                .collect()
        })
        .unwrap_or_else(|| {
            let mut v = vec![(20.0, 0.2, DuplicateRule::Rescatter, Membership::StepStart)];
            for l in [20.0, 40.0, 80.0] {
                for rule in [DuplicateRule::Rescatter, DuplicateRule::Keep] {
                    v.push((l, 0.2, rule, Membership::MidStep));
                }
            }
            v
        });
    println!("l, dt, rule, membership | t: centroid ± sem, variance ± sem | dup/particle-step");
    for (l, dt, rule, membership) in rows {
        let algo = CellAlgorithm::new(GAMMA, RHO_B, bath.clone(), l, (4000.0 / l) as usize, dt)
            .unwrap()
            .with_duplicate_rule(rule)
            .with_membership(membership);
        let out = run_shard(r, Shard::WHOLE, 5, |_, rng| {
            let x: Vec<f64> = (0..bump.n).map(|_| bump.sample(rng)).collect();
            let mut s = algo.init_local_stationary(x, 20.0, rng);
            let mut obs = vec![0.0; 2 * times.len()];
            algo.run(&mut s, &times, rng, |m, st| {
                let n = st.x.len() as f64;
                let c = st.x.iter().sum::<f64>() / n;
                obs[2 * m] = c;
                obs[2 * m + 1] = st.x.iter().map(|x| (x - c).powi(2)).sum::<f64>() / n;
            })
            .unwrap();
            (obs, s.counters)
        })
        .unwrap()
        .rows;
        let mut c = CellCounters::default();
        out.iter().for_each(|r| c += r.1);
        let obs: Vec<Vec<f64>> = out.into_iter().map(|r| r.0).collect();
        let ms = MeanSem::from_rows(&obs);
        let mut line = format!("{l:4.0}, {dt:5.3}, {rule:?}, {membership:?} |");
        for (m, t) in times.iter().enumerate().skip(1) {
            line += &format!(
                " t={t}: {:.2} ± {:.2}, {:.0} ± {:.0};",
                ms.mean[2 * m],
                ms.sem[2 * m],
                ms.mean[2 * m + 1],
                ms.sem[2 * m + 1]
            );
        }
        println!("{line} {:.2e}", rates(&c).0);
    }
}

/// Stationary occupations `n_j = A q_j (1 + e_j) / (1 + A q_j)` of the balance
/// `n_j = A q_j (1 − n_j + e_j)` with `Σ n_j = n_cell` (bisection on `ln A`): the lattice (40)
/// for `e = 0`; with `e_j` the measured excess occupation `E[(count_j − 1)+]` of the `Keep`
/// rule, the balance of gain `∝ q_j (1 − b_j)` (blocked only when `count_j ≥ 1`,
/// `b_j = n_j − e_j`) and loss `∝ n_j`, factorised as in (39).
fn blocked_balance(q: &[f64], e: &[f64], n_cell: f64) -> Vec<f64> {
    let occ = |la: f64| -> Vec<f64> {
        let a = la.exp();
        q.iter()
            .zip(e)
            .map(|(&q, &e)| a * q * (1.0 + e) / (1.0 + a * q))
            .collect()
    };
    let (mut lo, mut hi) = (-50.0f64, 50.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if occ(mid).iter().sum::<f64>() > n_cell {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    occ(0.5 * (lo + hi))
}

/// The homogeneous box of the duplicate-rule mechanism tests: length 400, rho = 1.5, l = 20,
/// dt = 0.05, the asymmetric bath; levels `k0..=k1` cover |v| <= 80.
struct DuplicateBox {
    algo: CellAlgorithm,
    len: f64,
    rho: f64,
    l: f64,
    dt: f64,
    n_cells: usize,
    /// particles
    n: usize,
    k0: i64,
    k1: i64,
    /// levels
    nl: usize,
}

fn duplicate_box(rule: DuplicateRule) -> DuplicateBox {
    let bath = common::bragg(6.0, 5.9, 0.3);
    let (len, rho, l, dt) = (400.0, 1.5, 20.0, 0.05);
    let n_cells = (len / l) as usize;
    let algo = CellAlgorithm::new(GAMMA, RHO_B, bath, l, n_cells, dt)
        .unwrap()
        .with_duplicate_rule(rule);
    let (k0, k1) = (algo.level(-80.0), algo.level(80.0));
    DuplicateBox {
        len,
        rho,
        l,
        dt,
        n_cells,
        n: (rho * len) as usize,
        k0,
        k1,
        nl: (k1 - k0 + 1) as usize,
        algo,
    }
}

/// The `Keep` rule's bias of the stationary current is its under-blocking: a level that a
/// streamed-in particle doubled stays blocked as if it held one particle, so the blocking
/// probability is `b_j = n_j − e_j` with `e_j = E[(count_j − 1)+]`, not the occupation `n_j`
/// of (39). Homogeneous box (length 400, rho = 1.5, l = 20, asymmetric bath, dt = 0.05):
/// measures `J/ρ` and `e_j` per level, and predicts `J/ρ` from the balance
/// `n_j ∝ q_j (1 − n_j + e_j)` with the measured `e_j` ([`blocked_balance`]). Asserts, with
/// the ensemble's error bars: the measured `J/ρ` differs from the lattice (40) (e = 0) by more
/// than 4 sigma, and the prediction from `e_j` has the sign of the bias and halves the distance
/// to it at least (it overshoots: 127% of the bias, because the factorised balance ignores the
/// count correlations within a cell; a model bound, not a statistical one).
#[test]
#[ignore = "heavy (about 1 min on 2 cores): cargo test --release -p md --test convergence -- --ignored --nocapture keep_bias_is_the_under_blocking"]
fn keep_bias_is_the_under_blocking() {
    let DuplicateBox {
        algo,
        len,
        rho,
        l,
        dt,
        n_cells,
        n,
        k0,
        k1,
        nl,
    } = duplicate_box(DuplicateRule::Keep);
    let times: Vec<f64> = (0..=20)
        .map(|i| ((5.0 + i as f64) / dt).round() * dt)
        .collect();
    let r = 4096;
    // per realization: J/rho, then per level the summed count and excess over cells and times
    let rows = run_shard(r, Shard::WHOLE, 31, |_, rng| {
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * len).collect();
        let mut s = algo.init_local_stationary(x, 20.0, rng);
        let mut obs = vec![0.0; 1 + 2 * nl];
        let mut counts = vec![0u8; n_cells * nl];
        algo.run(&mut s, &times, rng, |_, st| {
            counts.iter_mut().for_each(|c| *c = 0);
            for (&x, &k) in st.x.iter().zip(&st.k) {
                let c = ((x / l) as usize).min(n_cells - 1);
                counts[c * nl + (k - k0) as usize] += 1;
                obs[0] += algo.velocity(k);
            }
            for cell in counts.chunks_exact(nl) {
                for (j, &c) in cell.iter().enumerate() {
                    obs[1 + j] += f64::from(c);
                    obs[1 + nl + j] += f64::from(c.saturating_sub(1));
                }
            }
        })
        .unwrap();
        let samples = (times.len() * n_cells) as f64;
        obs[0] /= (n * times.len()) as f64;
        obs[1..].iter_mut().for_each(|o| *o /= samples);
        obs
    })
    .unwrap()
    .rows;
    let ms = MeanSem::from_rows(&rows);
    let (j_md, j_sem) = (ms.mean[0], ms.sem[0]);
    let q = LatticeStationary::level_weights(&algo, k0, k1);
    let n_cell = rho * l;
    let v: Vec<f64> = (k0..=k1).map(|k| algo.velocity(k)).collect();
    let mean_v = |occ: &[f64]| occ.iter().zip(&v).map(|(o, v)| o * v).sum::<f64>() / n_cell;
    let mean = ms.mean.to_vec();
    let e = &mean[1 + nl..];
    let j40 = mean_v(&blocked_balance(&q, &vec![0.0; nl], n_cell));
    let j_pred = mean_v(&blocked_balance(&q, e, n_cell));
    let j_count = mean_v(&mean[1..1 + nl]);
    let excess: f64 = e.iter().sum();
    // the closed cell with exactly n_cell particles (canonical), for comparison
    let j_can = mean_v(&canonical_occupations(&q, n_cell.round() as usize));
    println!(
        "Keep, l = {l}, dt = {dt}: J/rho measured {j_md:.4} ± {j_sem:.4} (from the level counts {j_count:.4}); \
         lattice (40) {j40:.4} (z = {:+.1}); predicted from the measured excess {j_pred:.4} (z = {:+.1}); \
         excess occupants per cell {excess:.3} of {n_cell}; closed cell of {n_cell} (canonical) {j_can:.4}",
        (j_md - j40) / j_sem,
        (j_md - j_pred) / j_sem
    );
    // the bias is real, and the under-blocking accounts for its sign and most of its size
    // (the factorised balance ignores the correlations of counts within a cell: measured
    // overshoot 27% of the bias, docs/physics.md §3.5)
    assert!(((j_md - j40) / j_sem).abs() > 4.0);
    assert!((j_pred - j40) * (j_md - j40) > 0.0);
    assert!((j_md - j_pred).abs() < 0.5 * (j_md - j40).abs());
}

/// The `Rescatter` rule's bias of the stationary current is its extra collisions: every
/// duplicate leaves its level for a free one drawn from the bath, a move (39) does not have.
/// Homogeneous box (length 400, rho = 1.5, l = 20, asymmetric bath, dt = 0.05): the duplicates
/// each binning will re-scatter are found in the streamed state (later particle of a doubled
/// (cell, level), as App. C 2(b) scans), giving the removal rate `d_j` per cell and unit time
/// per level. The balance per level, with collisions at rate `R = gamma rho_b` per particle
/// and the re-draws landing like collisions (`∝ q_j (1 - n_j)`),
/// `R N q_j (1 - n_j) + D q_j (1 - n_j) / F = R n_j F + d_j`, `F = sum_k q_k (1 - n_k)`,
/// `D = sum_j d_j`, predicts `J/ρ` from the measured `d_j`. Asserts, with the ensemble's error
/// bars: the measured `J/ρ` differs from the lattice (40) by more than 4 sigma, and the
/// prediction has the sign of the bias and halves the distance to it at least.
#[test]
#[ignore = "heavy (about 1 min on 2 cores): cargo test --release -p md --test convergence -- --ignored --nocapture rescatter_bias_is_the_extra_collisions"]
fn rescatter_bias_is_the_extra_collisions() {
    let DuplicateBox {
        algo,
        len,
        rho,
        l,
        dt,
        n_cells,
        n,
        k0,
        k1,
        nl,
    } = duplicate_box(DuplicateRule::Rescatter);
    let (warm, steps) = ((5.0 / dt) as usize, (20.0 / dt) as usize);
    let r = 2048;
    // per realization: J/rho, then per level the duplicates found per cell and unit time
    let rows = run_shard(r, Shard::WHOLE, 37, |_, rng| {
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * len).collect();
        let mut s = algo.init_local_stationary(x, 20.0, rng);
        let mut obs = vec![0.0; 1 + nl];
        let mut held = vec![false; n_cells * nl];
        for step in 0..warm + steps {
            algo.step(&mut s, rng);
            if step < warm {
                continue;
            }
            held.iter_mut().for_each(|h| *h = false);
            for (&x, &k) in s.x.iter().zip(&s.k) {
                let c = ((x / l) as usize).min(n_cells - 1);
                let j = (k - k0) as usize;
                if std::mem::replace(&mut held[c * nl + j], true) {
                    obs[1 + j] += 1.0;
                }
                obs[0] += algo.velocity(k);
            }
        }
        obs[0] /= (n * steps) as f64;
        let per = (n_cells as f64) * steps as f64 * dt;
        obs[1..].iter_mut().for_each(|o| *o /= per);
        obs
    })
    .unwrap()
    .rows;
    let ms = MeanSem::from_rows(&rows);
    let mean = ms.mean.to_vec();
    let (j_md, j_sem) = (mean[0], ms.sem[0]);
    let d = &mean[1..];
    let q = LatticeStationary::level_weights(&algo, k0, k1);
    let (rate, n_cell) = (algo.rate(), rho * l);
    let big_d: f64 = d.iter().sum();
    // fixed point of n_j = (q_j C - d_j) / (R F + q_j C), C = R N + D / F
    let mut occ = blocked_balance(&q, &vec![0.0; nl], n_cell);
    for _ in 0..500 {
        let f: f64 = q.iter().zip(&occ).map(|(q, n)| q * (1.0 - n)).sum();
        let c = rate * n_cell + big_d / f;
        occ = q
            .iter()
            .zip(d)
            .map(|(&q, &d)| ((q * c - d) / (rate * f + q * c)).max(0.0))
            .collect();
    }
    let v: Vec<f64> = (k0..=k1).map(|k| algo.velocity(k)).collect();
    let mean_v =
        |o: &[f64]| o.iter().zip(&v).map(|(o, v)| o * v).sum::<f64>() / o.iter().sum::<f64>();
    let j40 = mean_v(&blocked_balance(&q, &vec![0.0; nl], n_cell));
    let j_pred = mean_v(&occ);
    println!(
        "Rescatter, l = {l}, dt = {dt}: J/rho measured {j_md:.4} ± {j_sem:.4}; lattice (40) {j40:.4} (z = {:+.1}); \
         predicted from the measured duplicate rates {j_pred:.4} (z = {:+.1}); duplicates {big_d:.3} per cell and unit time \
         ({:.4} per particle and unit time, against collisions {rate})",
        (j_md - j40) / j_sem,
        (j_md - j_pred) / j_sem,
        big_d / n_cell
    );
    assert!(((j_md - j40) / j_sem).abs() > 4.0);
    assert!((j_pred - j40) * (j_md - j40) > 0.0);
    assert!((j_md - j_pred).abs() < 0.5 * (j_md - j40).abs());
}

/// The three duplicate rules in the homogeneous box of [`homogeneous_box`] (length 400,
/// rho = 1.5, asymmetric Fig. 5 bath, 2048 realizations per row): stationary `J/ρ` against the
/// continuum (40), `-2.5293`. `NearestFree` (Pauli projection of a duplicate onto the nearest free
/// level of its new cell) agrees at l = 10, 20, 40 and dt = 0.2, 0.05 (measured z = -1.1, -0.7,
/// +0.5, +0.1, +0.3, +1.2), where `Keep` is off by z = -9 to -36 and `Rescatter` by +17 to +85;
/// its bias appears below l = 10 and falls steeply (z = -12 at l = 5, -3.1 at l = 8, both
/// dt = 0.2): a duplicate moves by a few level spacings 2π/l, at a rate ∝ 1/l, with a mean
/// displacement ∝ the occupation's slope across those levels. Asserts, with the ensemble's
/// errors: |z| < 4 for `NearestFree` at l >= 10, |z| > 4 for the two other rules at every row,
/// and z < -4 for `NearestFree` at l = 5 (where the rule stops being good enough).
#[test]
#[ignore = "heavy (about 1 min on 2 cores): cargo test --release -p md --test convergence -- --ignored --nocapture nearest_free_rule_is_unbiased_down_to_small_cells"]
fn nearest_free_rule_is_unbiased_down_to_small_cells() {
    let bath = common::bragg(6.0, 5.9, 0.3);
    let (m1, _) = continuum(&bath, 1.5);
    let mut rows = vec![
        (5.0, 0.2, DuplicateRule::NearestFree),
        (8.0, 0.2, DuplicateRule::NearestFree),
    ];
    for l in [10.0, 20.0, 40.0] {
        for dt in [0.2, 0.05] {
            for rule in [
                DuplicateRule::NearestFree,
                DuplicateRule::Keep,
                DuplicateRule::Rescatter,
            ] {
                rows.push((l, dt, rule));
            }
        }
    }
    println!("l, dt, rule: J/rho, z against (40) = {m1:.4}, duplicates per particle-step");
    for (l, dt, rule) in rows {
        let (ms, c) = homogeneous_box(&bath, l, dt, 2048, rule);
        let z = (ms.mean[0] - m1) / ms.sem[0];
        println!(
            "{l:4}, {dt:4}, {rule:?}: {:.4} ± {:.4}, z = {z:+.1}, {:.2e}",
            ms.mean[0],
            ms.sem[0],
            c.duplicates as f64 / c.particle_steps as f64
        );
        match rule {
            DuplicateRule::NearestFree if l >= 10.0 => assert!(z.abs() < 4.0, "{l} {dt}: z = {z}"),
            DuplicateRule::NearestFree if l <= 5.0 => assert!(z < -4.0, "{l} {dt}: z = {z}"),
            DuplicateRule::NearestFree => {}
            _ => assert!(z.abs() > 4.0, "{rule:?} {l} {dt}: z = {z}"),
        }
    }
}

/// Where the smoothing of panel d's mean Burgers front at t = 400 comes from: the spread of
/// the front's position between realizations, set by the noise of the initial mass
/// distribution. Two ensembles of the Fig. 5 panel d system with the converged variant's
/// algorithm (l = 10, dt = 0.2, mid-step binning, rule `NearestFree`): initial positions drawn
/// independently from the bump (as everywhere else), and stratified (the bump's quantiles
/// `(i + 1/2) / N`: no mass noise; the velocities stay random). If the front's position has
/// variance `sigma_f^2` in one and less in the other, the front bins' variance drops by
/// `d sigma^2 rho'^2` and the mean profile sharpens by `(d sigma^2 / 2) rho''`: the test measures
/// `d sigma^2` from the variances and compares the predicted change of the mean with the
/// measured one by a chi-square over the front bins (no free parameter). Measured (1000 each):
/// `d sigma^2` = 92.7 (the production ensemble's spread is 103: 90% is the initial mass noise);
/// far bins' variance +0.3%; mean change against none chi-square 32.0 / 12 (p = 1.4e-3), against
/// the prediction 9.7 / 12 (p = 0.64). Asserts these verdicts with the ensembles' errors.
#[test]
#[ignore = "heavy (about 2 min on 2 cores): cargo test --release -p md --test convergence -- --ignored --nocapture front_wander_comes_from_the_initial_mass_noise"]
fn front_wander_comes_from_the_initial_mass_noise() {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let bath = common::bragg(6.0, 5.9, 0.3);
    let r = realizations_from_env("MD_WANDER_REALIZATIONS", 1000);
    let bump = FIG5_BUMP;
    let (box_len, n_bins, t) = (4000.0, 200usize, 400.0);
    let h = box_len / n_bins as f64;
    let algo = CellAlgorithm::new(GAMMA, RHO_B, bath, 10.0, 400, 0.2)
        .unwrap()
        .with_duplicate_rule(DuplicateRule::NearestFree)
        .with_membership(Membership::MidStep);
    let ensemble = |how: BumpPositions| {
        let rows = run_shard(r, Shard::WHOLE, 41, |_, rng| {
            let x = bump.positions(how, rng);
            let mut s = algo.init_local_stationary(x, 20.0, rng);
            let mut hist = vec![0.0; n_bins];
            algo.run(&mut s, &[t], rng, |_, st| {
                for &x in &st.x {
                    hist[((x / h) as usize).min(n_bins - 1)] += 1.0 / h;
                }
            })
            .unwrap();
            hist
        })
        .unwrap()
        .rows;
        let ms = MeanSem::from_rows(&rows);
        let var: Vec<f64> = ms.sem.iter().map(|s| s * s * r as f64).collect();
        (ms.mean.to_vec(), ms.sem.to_vec(), var)
    };
    let (m_iid, s_iid, v_iid) = ensemble(BumpPositions::Independent);
    let (m_str, s_str, v_str) = ensemble(BumpPositions::Stratified);
    let x: Vec<f64> = (0..n_bins).map(|b| (b as f64 + 0.5) * h).collect();
    let avg: Vec<f64> = m_iid
        .iter()
        .zip(&m_str)
        .map(|(a, b)| 0.5 * (a + b))
        .collect();
    // the front: steepest descent of the mean profile, and its width (max - min) / slope
    let (mut slope, mut xf) = (0.0, 0.0);
    for b in 1..n_bins {
        let g = (avg[b] - avg[b - 1]).abs() / h;
        if g > slope {
            (slope, xf) = (g, 0.5 * (x[b] + x[b - 1]));
        }
    }
    let range =
        avg.iter().cloned().fold(0.0, f64::max) - avg.iter().cloned().fold(f64::INFINITY, f64::min);
    let width = range / slope;
    let front: Vec<usize> = (1..n_bins - 1)
        .filter(|&b| (x[b] - xf).abs() <= width)
        .collect();
    let d1 = |b: usize| (avg[b + 1] - avg[b - 1]) / (2.0 * h);
    let d2 = |b: usize| (avg[b + 1] - 2.0 * avg[b] + avg[b - 1]) / (h * h);
    // d sigma^2 from the variances (least squares over the front bins), with the far bins'
    // variance difference as a check that nothing else changed
    let (num, den) = front.iter().fold((0.0, 0.0), |(n, d), &b| {
        (n + (v_iid[b] - v_str[b]) * d1(b).powi(2), d + d1(b).powi(4))
    });
    let ds2 = num / den;
    let far: Vec<usize> = (0..n_bins)
        .filter(|&b| (x[b] - xf).abs() > 3.0 * width && avg[b] > 0.05)
        .collect();
    let far_rel: f64 = far
        .iter()
        .map(|&b| (v_iid[b] - v_str[b]) / v_iid[b])
        .sum::<f64>()
        / far.len() as f64;
    // the mean: measured change against zero and against (d sigma^2 / 2) rho''
    let (mut chi0, mut chi1) = (0.0, 0.0);
    let (mut cn, mut cd) = (0.0, 0.0);
    for &b in &front {
        let dm = m_iid[b] - m_str[b];
        let e2 = s_iid[b].powi(2) + s_str[b].powi(2);
        chi0 += dm * dm / e2;
        chi1 += (dm - 0.5 * ds2 * d2(b)).powi(2) / e2;
        cn += dm * d2(b) / e2;
        cd += d2(b).powi(2) / e2;
        println!(
            "x = {:.0}: mean iid {:.4} strat {:.4} diff {:+.4} ± {:.4}, predicted {:+.4}; var iid {:.4} strat {:.4}",
            x[b],
            m_iid[b],
            m_str[b],
            dm,
            e2.sqrt(),
            0.5 * ds2 * d2(b),
            v_iid[b],
            v_str[b]
        );
    }
    let k = front.len() as f64;
    let chi2 = ChiSquared::new(k).unwrap();
    let (p0, p1) = (1.0 - chi2.cdf(chi0), 1.0 - chi2.cdf(chi1));
    println!(
        "front at x = {xf:.0}, width {width:.0}, {} bins; d sigma_f^2 from the variances = {ds2:.1}; \
         far bins' variance change {:+.1}%; mean change vs 0: chi2 {chi0:.1} / {k} (p = {p0:.2e}); \
         vs (d sigma^2 / 2) rho'': chi2 {chi1:.1} / {k} (p = {p1:.3}); fitted c = {:.1} ± {:.1} (d sigma^2 / 2 = {:.1})",
        front.len(),
        100.0 * far_rel,
        cn / cd,
        1.0 / cd.sqrt(),
        0.5 * ds2
    );
    // away from the front the two ensembles have the same variance: the relative difference of
    // two independent variance estimates has standard error sqrt(4 / (r - 1)) per bin, averaged
    // over the far bins (taken as independent), checked at 4 standard errors
    let far_se = (4.0 / (r - 1) as f64).sqrt() / (far.len() as f64).sqrt();
    assert!(
        far_rel.abs() < 4.0 * far_se,
        "far bins: {far_rel} (se {far_se})"
    );
    // the front's spread is smaller without the initial mass noise, the mean front changes
    // (significance 0.01), and by the change the variances predict (not rejected at 0.001)
    assert!(ds2 > 0.0, "{ds2}");
    assert!(p0 < 0.01, "no change of the mean front: p = {p0}");
    assert!(p1 > 1e-3, "the predicted change is rejected: p = {p1}");
}
