"""NumPy peer of the Rust criterion bench `classical_spatial/1thread` (crates/md/benches/events.rs).

Same problem as `classical_realization` there: the exact event-driven velocity-jump process of
`md::JumpProcess` (crates/md/src/classical.rs) with the frozen Bragg bath
`kinetic::Bath::bragg(sigma = 6.0, lambda_B = 5.9, b = 0.3, rho_b = 50.0)`, i.e. the normalised
mixture `1/(1+b) N(-lambda_B, sigma^2/2) + b/(1+b) N(+lambda_B, sigma^2/2)`, collision rate
`gamma * rho_b = 0.08 * 50 = 4` per particle, N = 1600 particles per realization with
x0 ~ U[0, 100) and v0 from the bath, positions recorded at t = 5, 10, 20, 40, 16 realizations.
One collision = one event, exactly as the Rust bench counts them (its criterion throughput
"elements" are the collisions of the 16 realizations).

The algorithm is vectorised over particles: all particles are arrays; for each output time
T the particles whose next collision is at or before T are gathered into an active set, and a
loop of "rounds" follows in which every active particle undergoes its next collision (draws
its next exponential waiting time and, depending on the variant, its new velocity or only the
mixture component); a particle whose next collision falls after T is finished for this
output time: its state is written back at once, and the active arrays are compacted (index
compress) when fewer than COMPACT = 75 % of their lanes are still live (in between, finished
lanes ride along and their values are never read: cheaper than compressing every array in
every round).

Two variants, both exact in law (selected with --variant):

* `shortcut` (default, the faster one in NumPy): the same Gaussian-sum shortcut as the Rust
  `JumpProcess::evolve` that the bench runs: per collision one exponential waiting time and one
  component choice; the displacement of the completed flights of an interval is
  `sum c_i d_i + s * sqrt(sum d_i^2) * z` (one normal per particle and interval), and the velocity
  current at the output time is drawn once, `c + s z'`. Here both components have the same
  standard deviation s = sigma/sqrt(2) (true of every Bragg bath), so the variance is
  `s^2 sum d_i^2`.
* `naive`: the literal per-collision algorithm of `JumpProcess::evolve_naive`: per collision one
  waiting time and one full bath velocity (component + normal).

Timing covers only the simulation (initial conditions included, as in the Rust bench; not the
imports, the generator construction or the validation). Prints the median events/s over the
repetitions, the events per run, and the validation (see README.md), then one machine-readable
line `NUMPY_MELEM_PER_S <median>` for run.sh. Exit status 1 if a validation z-score exceeds 4.

Run: `bench/peer/.venv/bin/python bench/peer/classical_numpy.py` (or `bash bench/peer/run.sh`).
"""

import argparse
import math
import os
import platform
import statistics
import sys
import time

# one core: NumPy's elementwise kernels and generators are single-threaded anyway; this only
# keeps a threaded BLAS (unused here) from spreading
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

# --- the problem of crates/md/benches/events.rs -------------------------------------------------
SIGMA, LAMBDA_B, B, RHO_B = 6.0, 5.9, 0.3, 50.0  # kinetic::Bath::bragg(sigma, lambda_b, b, rho_b)
GAMMA = 0.08
RATE = GAMMA * RHO_B  # collisions per unit time per particle
N_PER_REAL = 1600
N_REAL = 16
BOX = 100.0  # x0 ~ U[0, 100)
TIMES = (5.0, 10.0, 20.0, 40.0)

# the normalised bath law (bath.rs: weights 1/(1+b), b/(1+b), centres -/+ lambda_B, sd sigma/sqrt 2)
W0 = 1.0 / (1.0 + B)  # weight of the component centred at -lambda_B
SD = SIGMA / math.sqrt(2.0)  # common standard deviation of both components
MEAN_V = W0 * (-LAMBDA_B) + (1.0 - W0) * LAMBDA_B
VAR_V = SD * SD + LAMBDA_B * LAMBDA_B - MEAN_V * MEAN_V


def signs(rng, out):
    """Mixture components of len(out) draws, in place as signs: -1 (centre -lambda_B) with
    probability W0, else +1. Uniform u, sign of u - W0 (exact: u - W0 < 0 iff u < W0)."""
    rng.random(out=out)
    out -= W0
    np.copysign(1.0, out, out=out)
    return out


def bath_velocity(rng, n):
    """n velocities from the normalised bath."""
    v = rng.standard_normal(n)
    v *= SD
    v += LAMBDA_B * signs(rng, np.empty(n))
    return v


def simulate(rng, n, interval, times=TIMES):
    """Evolve n independent particles (stationary start) through `times`.

    Returns (events, x0, xs, vs, counts): total collisions; initial positions; positions and
    velocities at each output time, shape (len(times), n); collisions per particle over
    [0, times[-1]]. `interval` is _interval_shortcut or _interval_naive.
    """
    x0 = BOX * rng.random(n)
    x = x0.copy()
    v = bath_velocity(rng, n)
    t = np.zeros(n)
    nxt = rng.standard_exponential(n) * (1.0 / RATE)
    counts = np.zeros(n, dtype=np.int64)
    xs = np.empty((len(times), n))
    vs = np.empty((len(times), n))
    events = 0
    for m, tm in enumerate(times):
        events += interval(rng, tm, x, v, t, nxt, counts)
        xs[m] = x + v * (tm - t)
        vs[m] = v
    return events, x0, xs, vs, counts


# Compact the active arrays when fewer than this fraction of their lanes are still live.
# Between compactions, lanes whose next collision has passed the output time ("dead" lanes)
# keep being updated with values that are never read: wasted arithmetic and random numbers,
# cheaper than a boolean compress of every array in every round (--compact 1 compacts at
# every round that finishes a lane; measured roughly 10 % slower on a noisy machine).
COMPACT = 0.75


def _interval_shortcut(rng, tm, x, v, t, nxt, counts):
    """All collisions in (t_prev, tm], Gaussian-sum shortcut (as JumpProcess::evolve).

    Mutates the per-particle state (x, v, t, nxt: position and velocity after the last
    collision, its time, the time of the next collision) and counts; returns the events.
    """
    inv_rate = 1.0 / RATE
    idx = np.flatnonzero(nxt <= tm)
    a = idx.size
    if a == 0:
        return 0
    # first collision of the interval: fly with the current velocity
    tt = nxt[idx]  # time of the last collision
    x[idx] += v[idx] * (tt - t[idx])
    nn = rng.standard_exponential(a)  # time of the next collision
    nn *= inv_rate
    nn += tt
    ssum = np.zeros(a)  # sum of +/- d_i over the completed flights: sum c_i d_i = lambda_B ssum
    sq = np.zeros(a)  # sum d_i^2
    d, w = np.empty(a), np.empty(a)  # scratch
    events = alive = a
    k = 1  # collisions of every live lane so far in this interval
    prev = np.ones(a, dtype=bool)  # live lanes (last collision <= tm)
    while True:
        go = nn <= tm
        fin = np.flatnonzero(prev ^ go)  # live lanes whose next collision is after tm
        if fin.size:
            # one Gaussian for the completed flights, then the velocity current at tm (its
            # component drawn now); write the state back
            ids = idx[fin]
            nf = fin.size
            x[ids] += LAMBDA_B * ssum[fin] + SD * np.sqrt(sq[fin]) * rng.standard_normal(nf)
            v[ids] = bath_velocity(rng, nf)
            t[ids] = tt[fin]
            nxt[ids] = nn[fin]
            counts[ids] += k
            alive -= nf
            if alive == 0:
                return events
            if alive < COMPACT * a:
                keep = np.flatnonzero(go)
                idx, tt, nn, ssum, sq = idx[keep], tt[keep], nn[keep], ssum[keep], sq[keep]
                a = alive
                go = np.ones(a, dtype=bool)
                d, w = np.empty(a), np.empty(a)
        prev = go
        # the flight (tt, nn] is completed: draw its component, accumulate
        np.subtract(nn, tt, out=d)
        np.copysign(d, signs(rng, w), out=w)
        ssum += w
        d *= d
        sq += d
        # next collision (tt takes nn's values; nn's buffer is refilled)
        tt, nn = nn, tt
        rng.standard_exponential(out=nn)
        nn *= inv_rate
        nn += tt
        events += alive
        k += 1


def _interval_naive(rng, tm, x, v, t, nxt, counts):
    """All collisions in (t_prev, tm], one bath velocity per collision (as evolve_naive)."""
    inv_rate = 1.0 / RATE
    idx = np.flatnonzero(nxt <= tm)
    a = idx.size
    if a == 0:
        return 0
    xx, vv, tt, nn = x[idx], v[idx], t[idx], nxt[idx]
    w = np.empty(a)  # scratch
    events, alive, k = 0, a, 0
    prev = np.ones(a, dtype=bool)  # live lanes (next collision <= tm)
    while True:
        # fly to the collision, new bath velocity, next collision time
        np.subtract(nn, tt, out=w)
        w *= vv
        xx += w
        tt, nn = nn, tt
        rng.standard_normal(out=vv)
        vv *= SD
        vv += signs(rng, w) * LAMBDA_B
        rng.standard_exponential(out=nn)
        nn *= inv_rate
        nn += tt
        events += alive
        k += 1
        go = nn <= tm
        fin = np.flatnonzero(prev ^ go)
        if fin.size:
            ids = idx[fin]
            x[ids], v[ids], t[ids], nxt[ids] = xx[fin], vv[fin], tt[fin], nn[fin]
            counts[ids] += k
            alive -= fin.size
            if alive == 0:
                return events
            if alive < COMPACT * a:
                keep = np.flatnonzero(go)
                idx, xx, vv, tt, nn = idx[keep], xx[keep], vv[keep], tt[keep], nn[keep]
                a = alive
                go = np.ones(a, dtype=bool)
                w = np.empty(a)
        prev = go


def run_batch(bitgen, seed, batch, variant):
    """One timed unit = the bench's 16 realizations of 1600 particles.

    batch == "all": one generator, all 16 x 1600 particles vectorised together (the default:
    the realizations are independent, so a NumPy programmer vectorises over all of them);
    batch == "realization": one generator per realization (SeedSequence.spawn), 16 calls of
    1600 particles, like the Rust bench's per-realization loop.
    Returns (events, wall seconds, CPU seconds of this process, x0, xs, vs, counts) with particles concatenated.
    """
    interval = _interval_shortcut if variant == "shortcut" else _interval_naive
    if batch == "all":
        rngs = [np.random.Generator(bitgen(seed))]
        sizes = [N_REAL * N_PER_REAL]
    else:
        rngs = [np.random.Generator(bitgen(s)) for s in np.random.SeedSequence(seed).spawn(N_REAL)]
        sizes = [N_PER_REAL] * N_REAL
    start, cpu0 = time.perf_counter(), time.process_time()
    out = [simulate(rng, n, interval) for rng, n in zip(rngs, sizes)]
    secs, cpu = time.perf_counter() - start, time.process_time() - cpu0
    events = sum(o[0] for o in out)
    x0 = np.concatenate([o[1] for o in out])
    xs = np.concatenate([o[2] for o in out], axis=1)
    vs = np.concatenate([o[3] for o in out], axis=1)
    counts = np.concatenate([o[4] for o in out])
    return events, secs, cpu, x0, xs, vs, counts



def main():
    global COMPACT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variant", choices=["shortcut", "naive"], default="shortcut")
    ap.add_argument("--rng", choices=["SFC64", "PCG64"], default="SFC64")
    ap.add_argument("--batch", choices=["all", "realization"], default="all")
    ap.add_argument("--reps", type=int, default=9, help="timed repetitions (after one warm-up)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--compact", type=float, default=COMPACT,
                    help="compact the active arrays below this live fraction (1 = every round)")
    args = ap.parse_args()
    bitgen = getattr(np.random, args.rng)
    COMPACT = args.compact

    print(
        f"NumPy peer of classical_spatial/1thread: numpy {np.__version__}, "
        f"Python {platform.python_version()}, variant={args.variant}, rng={args.rng}, "
        f"batch={args.batch}, {N_REAL} x {N_PER_REAL} particles, times {list(TIMES)}, "
        f"rate {RATE:g}"
    )
    run_batch(bitgen, args.seed, args.batch, args.variant)  # warm-up (untimed)

    rates, cpu_rates, secs_all, events_all = [], [], [], []
    # validation: power sums 1..4 of (quantity - exact mean), pooled over the timed runs
    mu_c = RATE * TIMES[-1]
    mu_d = np.array([MEAN_V * tm for tm in TIMES])
    p_cnt = np.zeros(4)
    p_disp = np.zeros((len(TIMES), 4))
    p_vel = np.zeros(4)
    n = 0
    powers = np.arange(1, 5)
    for r in range(args.reps):
        events, secs, cpu, x0, xs, vs, counts = run_batch(
            bitgen, args.seed + 1 + r, args.batch, args.variant
        )
        assert events == int(counts.sum()), "event tally and per-particle counts disagree"
        rates.append(events / secs)
        cpu_rates.append(events / cpu)
        secs_all.append(secs)
        events_all.append(events)
        # (outside the timed region)
        n += counts.size
        p_cnt += (np.power.outer(counts - mu_c, powers)).sum(axis=0)
        p_disp += np.power.outer(xs - x0 - mu_d[:, None], powers).sum(axis=1)
        p_vel += np.power.outer(vs[-1] - MEAN_V, powers).sum(axis=0)

    med = statistics.median(rates)
    print(
        f"events per run (16 realizations): median {statistics.median(events_all):.0f} "
        f"(min {min(events_all)}, max {max(events_all)}); "
        f"time per run: median {statistics.median(secs_all) * 1e3:.1f} ms over {args.reps} runs"
    )
    print(
        f"throughput: median {med / 1e6:.3f} Melem/s "
        f"(min {min(rates) / 1e6:.3f}, max {max(rates) / 1e6:.3f}) wall clock; "
        f"per CPU second of this process: median {statistics.median(cpu_rates) / 1e6:.3f} Melem/s; "
        f"events = collisions"
    )

    # --- validation (pooled over the timed runs) -------------------------------------------
    # For each quantity: sample mean vs exact (z with the exact or sample standard error) and
    # sample variance vs exact (z with the standard error sqrt((m4 - m2^2)/n) from the sample
    # fourth central moment, no Gaussian assumption).
    def check(label, pw, mean_exact, var_exact, se_mean=None):
        mean_dev = pw[0] / n  # sample mean - exact mean
        e2, e3, e4 = pw[1] / n, pw[2] / n, pw[3] / n
        m2 = e2 - mean_dev**2  # central moments of the sample
        m4 = e4 - 4 * mean_dev * e3 + 6 * mean_dev**2 * e2 - 3 * mean_dev**4
        if se_mean is None:
            se_mean = math.sqrt(var_exact / n)
        z_m = mean_dev / se_mean
        z_v = (m2 - var_exact) / math.sqrt((m4 - m2 * m2) / n)
        print(
            f"  {label}: mean {mean_exact + mean_dev:+.4f} (exact {mean_exact:+.4f}, "
            f"se {se_mean:.4f}, z {z_m:+.2f}); variance {m2:.3f} (exact {var_exact:.3f}, "
            f"z {z_v:+.2f})"
        )
        return max(abs(z_m), abs(z_v))

    print(f"validation over {n} particles ({args.reps} runs x {N_REAL} x {N_PER_REAL}):")
    worst = check(f"collisions per particle in [0, {TIMES[-1]:g}] (Poisson(rate T))", p_cnt, mu_c, mu_c)
    for m, tm in enumerate(TIMES):
        rt = RATE * tm
        # stationary start: Var(x(T) - x0) = 2 Var(v) (rT - 1 + e^{-rT}) / r^2 (classical.rs test)
        v_exact = 2.0 * VAR_V * (rt - 1.0 + math.exp(-rt)) / (RATE * RATE)
        worst = max(worst, check(f"displacement x({tm:g}) - x0", p_disp[m], mu_d[m], v_exact))
    worst = max(worst, check(f"velocity at t = {TIMES[-1]:g} (bath law)", p_vel, MEAN_V, VAR_V))
    ok = worst < 4.0
    print(f"validation: {'PASS' if ok else 'FAIL'} (largest |z| = {worst:.2f}, threshold 4)")
    print(f"NUMPY_MELEM_PER_S {med / 1e6:.4f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
