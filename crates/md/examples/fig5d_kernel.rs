//! The fermionic cell algorithm on Fig. 5 panel d, one thread: a whole-realization harness for
//! profiling (`perf record`) and for quick timings without the criterion build.
//!
//! `cargo run --release -p md --example fig5d_kernel -- [CELL_LEN] [RULE] [REALIZATIONS] [DT]`
//! (defaults 20, nearest_free, 20, 0.2; RULE is rescatter | keep | nearest_free). The system is
//! the stage's: bump of 1600 at 2600 (width 320, stratified), box 4000, asymmetric bath
//! (sigma 6, lambda_B 5.9, b 0.3), gamma 0.08, rho_b 50, mid-step binning, 20 relaxation
//! proposals per particle, run to t = 400. Prints the proposals, the wall time and the ns per
//! proposal (the realizations' random streams are those of `md::realization_rng(7, i)`).
//! For a profile with line tables: `cargo build --profile profiling -p md --example
//! fig5d_kernel` and `perf record -g target/profiling/examples/fig5d_kernel`.

use md::{
    BumpPositions, CellAlgorithm, CellCounters, DuplicateRule, GaussianBump, Membership,
    MixtureSampler, realization_rng,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let cell_len: f64 = arg(0, "20").parse().expect("CELL_LEN: a number");
    let rule = match arg(1, "nearest_free").as_str() {
        "rescatter" => DuplicateRule::Rescatter,
        "keep" => DuplicateRule::Keep,
        "nearest_free" => DuplicateRule::NearestFree,
        other => panic!("RULE: rescatter | keep | nearest_free, got {other}"),
    };
    let realizations: u64 = arg(2, "20").parse().expect("REALIZATIONS: an integer");
    let dt: f64 = arg(3, "0.2").parse().expect("DT: a number");
    let (box_len, t_end) = (4000.0, 400.0);
    let bath =
        MixtureSampler::from_bath(&kinetic::Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap()).unwrap();
    let n_cells = (box_len / cell_len).round() as usize;
    let algo = CellAlgorithm::new(0.08, 50.0, bath, cell_len, n_cells, dt)
        .unwrap()
        .with_duplicate_rule(rule)
        .with_membership(Membership::MidStep);
    let bump = GaussianBump {
        n: 1600,
        center: 2600.0,
        width: 320.0,
    };
    let mut counters = CellCounters::default();
    let start = std::time::Instant::now();
    for i in 0..realizations {
        let mut rng = realization_rng(7, i);
        let x = bump.positions(BumpPositions::Stratified, &mut rng);
        let mut s = algo.init_local_stationary(x, 20.0, &mut rng);
        algo.run(&mut s, &[t_end], &mut rng, |_, _| {}).unwrap();
        counters += s.counters;
    }
    let wall = start.elapsed().as_secs_f64();
    println!(
        "l = {cell_len}, {rule:?}, dt = {dt}: {realizations} realizations, {:.3e} proposals \
         ({:.2} per particle-step, {:.1}% blocked) in {wall:.2} s: {:.1} ns per proposal",
        counters.proposals as f64,
        counters.proposals as f64 / counters.particle_steps as f64,
        100.0 * counters.blocked as f64 / counters.proposals as f64,
        1e9 * wall / counters.proposals as f64
    );
}
