//! Statistical tests of the simulators against exact results, with ensemble error bars.
//!
//! * classical homogeneous relaxation (Fig. 2 bath): per-time z-scores of e(t) against the exact
//!   solution of (38), DSMTS-style count of |z| > 3 against the binomial expectation; chi-square
//!   of the initial (thermal) and final (eq. (20)) velocity histograms at significance 0.001;
//! * fermionic homogeneous relaxation reaches the stationary state of (39): per-bin z-scores
//!   against the exact canonical occupations of the cell, plus the distance to (40);
//! * with the duplicate rule `NearestFree`, an open box of small cells (streaming, duplicates)
//!   has the stationary occupations of (40): per-bin z-scores of the velocity histogram and of
//!   `J/ρ`, DSMTS count; the rules `Keep` and `Rescatter` fail the same count;
//! * a single fermion in the spatial cell algorithm is the exact velocity-jump process on the
//!   level lattice for any dt: z-scores of its mean squared displacement against the exact
//!   `2<v²>(t/R − (1 − e^{−Rt})/R²)`;
//! * determinism: bit-identical ensembles for 1, 2, 3 threads and for 3 merged shards.

use md::{
    Bins, CellAlgorithm, DuplicateRule, GaussianBump, JumpProcess, LatticeStationary, MeanSem,
    Membership, Shard, canonical_occupations, merge_shards, run_shard,
};
use rand::Rng;

mod common;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

const ALPHA: f64 = 1e-3;

/// Largest number of |z| > 3 compatible with `m` independent z-scores (Student t with `dof`
/// degrees of freedom, since the sem is estimated) at family significance ALPHA.
fn allowed_outliers(m: usize, dof: f64) -> (u64, f64) {
    let t = StudentsT::new(0.0, 1.0, dof).unwrap();
    let p = 2.0 * (1.0 - t.cdf(3.0));
    let b = Binomial::new(p, m as u64).unwrap();
    let mut c = 0;
    while 1.0 - b.cdf(c) >= ALPHA {
        c += 1;
    }
    (c, p * m as f64)
}

/// Pearson chi-square of counts against bin probabilities conditioned on the histogram range;
/// returns (chi2, dof, p-value).
fn chi_square(counts: &[u64], probs: &[f64]) -> (f64, usize, f64) {
    let n: u64 = counts.iter().sum();
    let p_in: f64 = probs.iter().sum();
    let (mut chi2, mut dof) = (0.0, 0usize);
    let (mut c_acc, mut e_acc) = (0.0, 0.0);
    for (&c, &p) in counts.iter().zip(probs) {
        // merge low-expectation bins with their neighbours (expected >= 5 per cell)
        c_acc += c as f64;
        e_acc += n as f64 * p / p_in;
        if e_acc >= 5.0 {
            chi2 += (c_acc - e_acc).powi(2) / e_acc;
            dof += 1;
            c_acc = 0.0;
            e_acc = 0.0;
        }
    }
    if e_acc > 0.0 {
        chi2 += (c_acc - e_acc).powi(2) / e_acc;
        dof += 1;
    }
    let dof = dof - 1;
    let p = 1.0 - ChiSquared::new(dof as f64).unwrap().cdf(chi2);
    (chi2, dof, p)
}

#[test]
fn classical_homogeneous_relaxation_matches_kinetic_equation() {
    // Fig. 2 bath and rates, smaller ensemble: N = 200 particles, R = 200 realizations.
    let bath = common::bragg(0.2, 0.4, 0.5);
    let p = JumpProcess::new(0.001, 100.0, bath).unwrap();
    let (n, r, temp) = (200usize, 200usize, 0.08);
    let mut times: Vec<f64> = (0..=20).map(|i| 3.0 * i as f64).collect();
    times.push(200.0); // 20 relaxation times: residual e^-20 of the initial state
    let bins = Bins::new(-1.2, 1.2, 48).unwrap();
    let rows = run_shard(r, Shard::WHOLE, 2026, |_, rng| {
        p.relax_homogeneous(n, temp, &times, &bins, rng)
    })
    .unwrap()
    .rows;
    let energies: Vec<&[f64]> = rows.iter().map(|o| o.energy.as_slice()).collect();
    let s = MeanSem::from_rows(&energies);
    let mut outliers = 0;
    let mut zmax: f64 = 0.0;
    for (m, &t) in times.iter().enumerate() {
        let exact = p.energy_exact(temp / 2.0, t);
        let z = (s.mean[m] - exact) / s.sem[m];
        zmax = zmax.max(z.abs());
        outliers += u64::from(z.abs() > 3.0 || z.is_nan());
        println!(
            "t = {t:6.1}  e = {:.6} ± {:.6}  exact {exact:.6}  z = {z:+.2}",
            s.mean[m], s.sem[m]
        );
    }
    let (allowed, expected) = allowed_outliers(times.len(), (r - 1) as f64);
    println!("|z|>3: {outliers} (expected {expected:.3}, allowed {allowed}), max |z| = {zmax:.2}");
    assert!(outliers <= allowed);

    // velocity histograms pooled over particles (independent in the classical model)
    let pooled = |f: &dyn Fn(&md::HomogeneousObs) -> &Vec<u32>| -> Vec<u64> {
        let mut c = vec![0u64; bins.n];
        for o in &rows {
            for (a, &b) in c.iter_mut().zip(f(o)) {
                *a += b as u64;
            }
        }
        c
    };
    let edges = bins.edges();
    let final_probs: Vec<f64> = edges
        .windows(2)
        .map(|w| p.sampler().bath().prob(w[0], w[1]))
        .collect();
    let normal = Normal::new(0.0, temp.sqrt()).unwrap();
    let initial_probs: Vec<f64> = edges
        .windows(2)
        .map(|w| normal.cdf(w[1]) - normal.cdf(w[0]))
        .collect();
    let (c2f, dof_f, pf) = chi_square(&pooled(&|o| &o.last), &final_probs);
    let (c2i, dof_i, pi) = chi_square(&pooled(&|o| &o.initial), &initial_probs);
    println!(
        "final vs (20): chi2 = {c2f:.1} / {dof_f} dof, p = {pf:.3}; initial vs thermal: chi2 = {c2i:.1} / {dof_i}, p = {pi:.3}"
    );
    assert!(pf > ALPHA && pi > ALPHA, "chi-square rejected at {ALPHA}");
    assert!(zmax.is_finite());
}

#[test]
fn fermionic_homogeneous_relaxation_reaches_stationary_state() {
    // Fig. 5 asymmetric bath; one cell of length L = N/rho, rho = 1.5 (n_max ~ 0.5).
    let bath = common::bragg(6.0, 5.9, 0.3);
    let (n, rho, r) = (300usize, 1.5, 300usize);
    let algo = CellAlgorithm::homogeneous(0.08, 50.0, bath, n as f64 / rho).unwrap();
    // initial: Pauli-projected thermal state, symmetric and narrow (T = 4)
    let t_end = 40.0 * algo.dt(); // 40 proposals per particle
    let bins = Bins::new(-20.0, 16.0, 18).unwrap();
    let obs = run_shard(r, Shard::WHOLE, 7, |_, rng| {
        let mut s = algo.init_with(vec![0.0; n], rng, |g| {
            2.0 * g.sample::<f64, _>(rand_distr::StandardNormal)
        });
        let mut hist = vec![0.0; bins.n];
        let mut v_mean = 0.0;
        algo.run(&mut s, &[t_end], rng, |_, st| {
            for &k in &st.k {
                let v = algo.velocity(k);
                v_mean += v / n as f64;
                if let Some(b) = bins.index(v) {
                    hist[b] += 1.0;
                }
            }
        })
        .unwrap();
        assert_eq!(algo.pauli_violations(&s), 0);
        hist.push(v_mean);
        (hist, s.counters)
    })
    .unwrap()
    .rows;
    let rows: Vec<&[f64]> = obs.iter().map(|o| o.0.as_slice()).collect();
    let s = MeanSem::from_rows(&rows);
    // exact reference: canonical occupations of the cell's levels
    let (lo, hi) = algo.sampler().bath().support_std_devs(12.0);
    let (k0, k1) = (algo.level(lo), algo.level(hi));
    let q = LatticeStationary::level_weights(&algo, k0, k1);
    let canon = canonical_occupations(&q, n);
    let grand = LatticeStationary::new(&algo, n as f64).unwrap();
    assert_eq!(grand.k0, k0);
    let mut expected = vec![0.0; bins.n + 1];
    let mut expected_gc = vec![0.0; bins.n + 1];
    for (j, (&nc, &ng)) in canon.iter().zip(&grand.n).enumerate() {
        let v = algo.velocity(k0 + j as i64);
        if let Some(b) = bins.index(v) {
            expected[b] += nc;
            expected_gc[b] += ng;
        }
        expected[bins.n] += nc * v / n as f64;
        expected_gc[bins.n] += ng * v / n as f64;
    }
    let mut outliers = 0;
    let mut gc_dev: f64 = 0.0;
    for b in 0..=bins.n {
        let z = (s.mean[b] - expected[b]) / s.sem[b];
        let z_gc = (expected_gc[b] - expected[b]) / s.sem[b];
        gc_dev = gc_dev.max(z_gc.abs());
        outliers += u64::from(z.abs() > 3.0 || z.is_nan());
        println!(
            "obs {b:2}: md {:.4} ± {:.4}  canonical {:.4}  (40) {:.4}  z = {z:+.2}",
            s.mean[b], s.sem[b], expected[b], expected_gc[b]
        );
    }
    let (allowed, exp) = allowed_outliers(bins.n + 1, (r - 1) as f64);
    let mut c = md::CellCounters::default();
    obs.iter().for_each(|o| c += o.1);
    println!(
        "fermionic: |z|>3: {outliers} (expected {exp:.3}, allowed {allowed}); max |(40) - canonical| = {gc_dev:.2} sem; \
         blocked fraction {:.3}, duplicates {}",
        c.blocked as f64 / c.proposals as f64,
        c.duplicates
    );
    assert!(outliers <= allowed);
    assert_eq!(c.duplicates, 0, "one cell: no streaming, no duplicates");
}

/// What [`open_box`] measured against one reference.
struct OpenBoxFit {
    /// bins (of 19: 18 velocity bins and `J/ρ`) with |z| > 3
    outliers: u64,
    /// the DSMTS bound on that count
    allowed: u64,
    /// z of `J/ρ`
    z_current: f64,
}

/// The stationary velocity histogram and `J/ρ` of an open periodic box of cells (20 cells of
/// length `l`, ρ = 1.5: 1.5 l particles per cell on average, asymmetric Fig. 5 bath, dt = 0.2,
/// mid-step binning, time average over t in [5, 25] after 20 proposals per particle, `r`
/// realizations), with per-bin z-scores against two references:
/// * the lattice (40) at the mean density (the kinetic equation's state);
/// * the canonical mixture: every cell in the exact canonical state of its own particle number
///   ([`canonical_occupations`]), weighted by the measured distribution of cell particle numbers
///   (a cell with `N` particles contributes `N` particles to the histogram).
fn open_box(rule: DuplicateRule, l: f64, r: usize) -> [OpenBoxFit; 2] {
    let bath = common::bragg(6.0, 5.9, 0.3);
    let (n_cells, rho, dt) = (20usize, 1.5, 0.2);
    let len = n_cells as f64 * l;
    let algo = CellAlgorithm::new(0.08, 50.0, bath, l, n_cells, dt)
        .unwrap()
        .with_duplicate_rule(rule)
        .with_membership(Membership::MidStep);
    let n = (rho * len) as usize;
    let times: Vec<f64> = (0..=20).map(|i| 5.0 + i as f64).collect();
    let bins = Bins::new(-20.0, 16.0, 18).unwrap();
    // observations: bins.n histogram bins, J/rho, then P(N_cell = m) for m in 0..n_max
    let n_max = (4.0 * rho * l) as usize + 20;
    let obs = run_shard(r, Shard::WHOLE, 11, |_, rng| {
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * len).collect();
        let mut s = algo.init_local_stationary(x, 20.0, rng);
        let mut o = vec![0.0; bins.n + 1 + n_max];
        let w = 1.0 / (n * times.len()) as f64;
        let mut per_cell = vec![0usize; n_cells];
        algo.run(&mut s, &times, rng, |_, st| {
            per_cell.iter_mut().for_each(|c| *c = 0);
            for (&x, &k) in st.x.iter().zip(&st.k) {
                per_cell[((x / l) as usize).min(n_cells - 1)] += 1;
                let v = algo.velocity(k);
                o[bins.n] += v * w;
                if let Some(b) = bins.index(v) {
                    o[b] += w;
                }
            }
            for &c in &per_cell {
                o[bins.n + 1 + c.min(n_max - 1)] += 1.0 / (n_cells * times.len()) as f64;
            }
        })
        .unwrap();
        o
    })
    .unwrap()
    .rows;
    let s = MeanSem::from_rows(&obs);
    // histogram of level occupations `occ` (levels k0..) normalised by `norm` particles
    let histogram = |k0: i64, occ: &[f64], norm: f64| {
        let mut e = vec![0.0; bins.n + 1];
        for (j, &nk) in occ.iter().enumerate() {
            let v = algo.velocity(k0 + j as i64);
            e[bins.n] += nk * v / norm;
            if let Some(b) = bins.index(v) {
                e[b] += nk / norm;
            }
        }
        e
    };
    let st = LatticeStationary::new(&algo, rho * l).unwrap();
    let grand = histogram(st.k0, &st.n, rho * l);
    let (lo, hi) = algo.sampler().bath().support_std_devs(12.0);
    let (k0, k1) = (algo.level(lo), algo.level(hi));
    let q = LatticeStationary::level_weights(&algo, k0, k1);
    let p_n = &s.mean.as_slice().unwrap()[bins.n + 1..];
    let mut mixture_occ = vec![0.0; q.len()];
    let mut mean_n = 0.0;
    for (m, &p) in p_n.iter().enumerate().skip(1) {
        if p > 0.0 {
            for (acc, c) in mixture_occ.iter_mut().zip(canonical_occupations(&q, m)) {
                *acc += p * c;
            }
            mean_n += p * m as f64;
        }
    }
    let canonical = histogram(k0, &mixture_occ, mean_n);
    let (allowed, _) = allowed_outliers(bins.n + 1, (r - 1) as f64);
    let fit = |expected: &[f64], name: &str| {
        let z: Vec<f64> = (0..=bins.n)
            .map(|b| (s.mean[b] - expected[b]) / s.sem[b])
            .collect();
        let outliers = z.iter().filter(|z| z.abs() > 3.0 || z.is_nan()).count() as u64;
        println!(
            "{rule:?}, l = {l}: J/rho {:.4} ± {:.4} vs {name} {:.4} (z = {:+.1}); |z| > 3 in {outliers} of {} (allowed {allowed}); z per bin {:.1?}",
            s.mean[bins.n],
            s.sem[bins.n],
            expected[bins.n],
            z[bins.n],
            bins.n + 1,
            &z[..bins.n]
        );
        OpenBoxFit {
            outliers,
            allowed,
            z_current: z[bins.n],
        }
    };
    [
        fit(&grand, "lattice (40)"),
        fit(&canonical, "canonical mixture"),
    ]
}

/// With the duplicate rule `NearestFree` the cells of an open box (streaming, duplicates) are
/// in the stationary state of the collisions alone: every cell canonical at its own particle
/// number, the measured mixture of which matches the velocity histogram bin by bin (DSMTS count
/// of |z| > 3), at l = 10 (15 particles per cell). Its `J/ρ` also agrees with the lattice (40)
/// (|z| < 3.3, significance 0.001); the histogram's shape differs from (40) by the cell's
/// particle-number fluctuations (a few bins at |z| ~ 3-5 in this ensemble, shrinking with l:
/// docs/physics.md §3.5). `Keep` (under-blocking) and `Rescatter` (extra collisions) fail the
/// mixture count and the current, with the same ensemble: the test sees their biases.
#[test]
fn nearest_free_cells_are_canonical() {
    let r = if cfg!(debug_assertions) { 96 } else { 1024 };
    let [grand, canonical] = open_box(DuplicateRule::NearestFree, 10.0, r);
    assert!(
        canonical.outliers <= canonical.allowed,
        "NearestFree: {} bins off the canonical mixture (allowed {})",
        canonical.outliers,
        canonical.allowed
    );
    assert!(grand.z_current.abs() < 3.3, "J/rho z = {}", grand.z_current);
    for rule in [DuplicateRule::Keep, DuplicateRule::Rescatter] {
        let [grand, canonical] = open_box(rule, 10.0, r);
        assert!(
            canonical.outliers > canonical.allowed && grand.z_current.abs() > 3.3,
            "{rule:?}: {} bins off the mixture, J/rho z = {}",
            canonical.outliers,
            grand.z_current
        );
    }
}

#[test]
fn ensembles_bit_identical_for_threads_and_shards() {
    let bath = common::bragg(6.0, 5.9, 0.3);
    let classical = JumpProcess::new(0.08, 50.0, bath.clone()).unwrap();
    let algo = CellAlgorithm::new(0.08, 50.0, bath, 10.0, 40, 0.1).unwrap();
    let bump = GaussianBump {
        n: 200,
        center: 200.0,
        width: 40.0,
    };
    let bins = Bins::new(0.0, 400.0, 40).unwrap();
    let times = [0.0, 1.0, 2.0];
    let r = 10;
    let realize = |_: usize, rng: &mut md::RealizationRng| {
        let (a, _) = classical.bump_profiles(&bump, 400.0, &times, &bins, rng);
        let (b, c) = md::fermionic::bump_profiles(
            &algo,
            &bump,
            md::BumpPositions::Independent,
            5.0,
            &times,
            &bins,
            rng,
        )
        .unwrap();
        let mut row: Vec<f64> = a.iter().chain(&b).copied().collect();
        row.push(c.duplicates as f64);
        row.push(rng.random::<f64>());
        row
    };
    let pool = |jobs| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .unwrap()
    };
    let reference = pool(1)
        .install(|| run_shard(r, Shard::WHOLE, 99, realize))
        .unwrap()
        .rows;
    for jobs in [2, 3] {
        assert_eq!(
            pool(jobs)
                .install(|| run_shard(r, Shard::WHOLE, 99, realize))
                .unwrap()
                .rows,
            reference
        );
    }
    let parts: Vec<_> = (0..3)
        .rev()
        .map(|index| run_shard(r, Shard { index, count: 3 }, 99, realize).unwrap())
        .collect();
    let merged = merge_shards(r, parts).unwrap();
    assert_eq!(merged, reference);
    let (a, b) = (MeanSem::from_rows(&merged), MeanSem::from_rows(&reference));
    assert!(
        a.mean
            .iter()
            .zip(&b.mean)
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
    // different seeds differ
    assert_ne!(
        run_shard(r, Shard::WHOLE, 100, realize).unwrap().rows,
        reference
    );
}

/// Fig. 2 at paper statistics (N = 1600, 1000 realizations, 51 times in [0, 100]); release:
/// `cargo test --release -p md --test statistics -- --ignored --nocapture`.
#[test]
#[ignore = "paper statistics: run in release"]
fn fig2_paper_statistics() {
    let bath = common::bragg(0.2, 0.4, 0.5);
    let p = JumpProcess::new(0.001, 100.0, bath).unwrap();
    let (n, r, temp) = (1600usize, 1000usize, 0.08);
    let times: Vec<f64> = (0..51).map(|i| 2.0 * i as f64).collect();
    let bins = Bins::new(-1.2, 1.2, 48).unwrap();
    let start = std::time::Instant::now();
    let rows = run_shard(r, Shard::WHOLE, 20260002, |_, rng| {
        p.relax_homogeneous(n, temp, &times, &bins, rng)
    })
    .unwrap()
    .rows;
    let wall = start.elapsed().as_secs_f64();
    let energies: Vec<&[f64]> = rows.iter().map(|o| o.energy.as_slice()).collect();
    let s = MeanSem::from_rows(&energies);
    let z: Vec<f64> = times
        .iter()
        .enumerate()
        .map(|(m, &t)| (s.mean[m] - p.energy_exact(temp / 2.0, t)) / s.sem[m])
        .collect();
    let outliers = z.iter().filter(|z| z.abs() > 3.0 || z.is_nan()).count() as u64;
    let (allowed, expected) = allowed_outliers(times.len(), (r - 1) as f64);
    let zmax = z.iter().fold(0.0f64, |a, z| a.max(z.abs()));
    let sum_z2: f64 = z.iter().map(|z| z * z).sum();
    let mut counts = vec![0u64; bins.n];
    for o in &rows {
        for (c, &x) in counts.iter_mut().zip(&o.last) {
            *c += x as u64;
        }
    }
    let edges = bins.edges();
    let decay = (-p.rate() * 100.0f64).exp();
    let normal = Normal::new(0.0, temp.sqrt()).unwrap();
    let probs: Vec<f64> = edges
        .windows(2)
        .map(|w| {
            (1.0 - decay) * p.sampler().bath().prob(w[0], w[1])
                + decay * (normal.cdf(w[1]) - normal.cdf(w[0]))
        })
        .collect();
    let (chi2, dof, pv) = chi_square(&counts, &probs);
    let events: u64 = rows.iter().map(|o| o.events).sum();
    println!("z = {z:.2?}");
    println!(
        "fig2 paper: |z|>3 {outliers} (expected {expected:.3}, allowed {allowed}); max|z| {zmax:.2}; sum z^2 = {sum_z2:.1} / {} times; \
         final chi2 {chi2:.1}/{dof} p = {pv:.3}; {events} events in {wall:.2} s",
        times.len()
    );
    assert!(outliers <= allowed && pv > ALPHA);
}

/// With one particle nothing blocks it but its own level (a no-op collision), so the cell
/// algorithm must reproduce the exact jump process with lattice velocities at any dt, including
/// the collision instants inside a step and streaming across cells. Exact:
/// `<Δx²>(t) = 2 <v²> (t/R − (1 − e^{−Rt})/R²)` with `<v²> = Σ_k q_k v_k²`, `<v> = 0`.
#[test]
fn single_fermion_is_exact_jump_process_at_any_dt() {
    let bath = common::bragg(6.0, 5.9, 1.0);
    let (len, l) = (400.0, 20.0);
    let times = [4.0, 12.0];
    let r = 20_000;
    let mut z_all = vec![];
    for (dt, membership) in [
        (0.4, Membership::StepStart),
        (0.05, Membership::StepStart),
        (0.4, Membership::MidStep),
    ] {
        let algo = CellAlgorithm::new(0.08, 50.0, bath.clone(), l, (len / l) as usize, dt)
            .unwrap()
            .with_membership(membership);
        let rate = algo.rate();
        let m2 = common::lattice_second_moment(&algo);
        let rows = run_shard(r, Shard::WHOLE, 41, |_, rng| {
            let x0 = 200.0 + rng.random::<f64>();
            let mut s = algo.init_local_stationary(vec![x0], 10.0, rng);
            let mut d2 = vec![0.0; times.len()];
            algo.run(&mut s, &times, rng, |m, st| {
                let d = md::wrap(st.x[0] - x0 + 0.5 * len, len) - 0.5 * len;
                d2[m] = d * d;
            })
            .unwrap();
            d2
        })
        .unwrap()
        .rows;
        let ms = MeanSem::from_rows(&rows);
        for (m, &t) in times.iter().enumerate() {
            let exact = 2.0 * m2 * (t / rate - (1.0 - (-rate * t).exp()) / (rate * rate));
            let z = (ms.mean[m] - exact) / ms.sem[m];
            println!(
                "single fermion, dt = {dt}, {membership:?}: <dx²>({t}) = {:.3} ± {:.3}, exact {exact:.3}, z = {z:+.2}",
                ms.mean[m], ms.sem[m]
            );
            z_all.push(z);
        }
    }
    // Bonferroni over all z-scores at family significance ALPHA
    let crit = Normal::new(0.0, 1.0)
        .unwrap()
        .inverse_cdf(1.0 - ALPHA / (2.0 * z_all.len() as f64));
    assert!(z_all.iter().all(|z| z.abs() < crit), "{z_all:?} vs {crit}");
}
