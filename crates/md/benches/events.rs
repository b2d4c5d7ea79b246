//! Collision events per second (criterion throughput "elements" = collision events).
//!
//! * `classical_spatial/2threads`: the Fig. 5 classical simulator (exact event-driven jump
//!   process, positions recorded at 4 output times), ensemble of realizations on 2 threads.
//! * `classical_spatial/1thread`: the same on one thread.
//! * `fermionic_cells/1thread`: the cell algorithm at Fig. 5 parameters (proposals per second,
//!   one realization, one thread, 100 calls of `step`; accepted and blocked proposals both
//!   count as events).
//! * `fermionic_cells/run_1thread`: the same 100 steps through one call of `run`, the path of
//!   the Fig. 5 stage.
//!
//! Run: `cargo bench -p md --features bench --bench events`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use md::{
    CellAlgorithm, DuplicateRule, GaussianBump, JumpProcess, MixtureSampler, Shard,
    realization_rng, run_shard,
};
use rand::Rng;

const N: usize = 1600;
const TIMES: [f64; 4] = [5.0, 10.0, 20.0, 40.0];

fn classical_realization(p: &JumpProcess, rng: &mut md::RealizationRng) -> (u64, f64) {
    let mut events = 0;
    let mut acc = 0.0;
    for _ in 0..N {
        let x0 = 100.0 * rng.random::<f64>();
        let v0 = p.sampler().sample(rng);
        events += p.evolve(x0, v0, &TIMES, rng, |_, x, _| acc += x);
    }
    (events, acc)
}

fn bench(c: &mut Criterion) {
    let bath =
        MixtureSampler::from_bath(&kinetic::Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap()).unwrap();
    let p = JumpProcess::new(0.08, 50.0, bath.clone()).unwrap();
    let n_real = 16;
    let pools: Vec<_> = (1..=2)
        .map(|jobs| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(jobs)
                .build()
                .unwrap()
        })
        .collect();
    let run = |jobs: usize| {
        pools[jobs - 1].install(|| {
            run_shard(n_real, Shard::WHOLE, 1, |_, rng| {
                classical_realization(&p, rng)
            })
            .unwrap()
            .rows
        })
    };
    let events: u64 = run(1).iter().map(|r| r.0).sum();
    let mut g = c.benchmark_group("classical_spatial");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.bench_function("2threads", |b| b.iter(|| run(2)));
    g.bench_function("1thread", |b| b.iter(|| run(1)));
    g.finish();

    let algo = CellAlgorithm::new(0.08, 50.0, bath.clone(), 10.0, 100, 0.1).unwrap();
    let mut rng = realization_rng(2, 0);
    let x: Vec<f64> = (0..N)
        .map(|i| 1000.0 * (i as f64 + 0.5) / N as f64)
        .collect();
    let init = algo.init_local_stationary(x, 10.0, &mut rng);
    let steps = 100;
    let mut probe = init.clone();
    for _ in 0..steps {
        algo.step(&mut probe, &mut rng);
    }
    let mut g = c.benchmark_group("fermionic_cells");
    g.throughput(Throughput::Elements(probe.counters.proposals));
    g.sample_size(10);
    g.bench_function("1thread", |b| {
        b.iter(|| {
            let mut s = init.clone();
            let mut rng = realization_rng(2, 1);
            for _ in 0..steps {
                algo.step(&mut s, &mut rng);
            }
            s.counters
        })
    });
    // the production path (`bump_profiles`): `run` fuses streaming with the next binning
    g.bench_function("run_1thread", |b| {
        b.iter(|| {
            let mut s = init.clone();
            let mut rng = realization_rng(2, 1);
            algo.run(&mut s, &[steps as f64 * algo.dt()], &mut rng, |_, _| {})
                .unwrap();
            s.counters
        })
    });
    g.finish();

    // Fig. 5 panel d (pipeline.yaml): the stage's own path, `bump_profiles` without the records
    let algo = CellAlgorithm::new(0.08, 50.0, bath, 20.0, 200, 0.2)
        .unwrap()
        .with_duplicate_rule(DuplicateRule::Rescatter);
    let bump = GaussianBump {
        n: N,
        center: 2600.0,
        width: 320.0,
    };
    let mut rng = realization_rng(3, 0);
    let x: Vec<f64> = (0..N).map(|_| bump.sample(&mut rng)).collect();
    let init = algo.init_local_stationary(x, 20.0, &mut rng);
    let horizon = [steps as f64 * algo.dt()];
    let run = || {
        let mut s = init.clone();
        let mut rng = realization_rng(3, 1);
        algo.run(&mut s, &horizon, &mut rng, |_, _| {}).unwrap();
        s.counters
    };
    let mut g = c.benchmark_group("fermionic_fig5d");
    g.throughput(Throughput::Elements(run().proposals));
    g.sample_size(10);
    g.bench_function("run_1thread", |b| b.iter(run));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
