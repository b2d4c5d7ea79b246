//! Classical (chi = 0) stochastic velocity-swap model: kinetic equation (38),
//! `∂_t ρ_p = γ (ρ ρ_p^(b)(λ) − ρ_b ρ_p(λ))`.
//!
//! The bath is frozen and system particles do not interact, so each particle is an independent
//! velocity-jump process: collisions arrive at the constant rate `γ ρ_b` (exponential waiting
//! times) and the outgoing velocity is drawn from the normalised bath `ρ_p^(b)/ρ_b`. Between
//! collisions the particle flies freely. This is the exact Gillespie simulation of Appendix C;
//! there is no time step. The homogeneous solution of (38) is
//! `e(t) = e_st + (e0 − e_st) exp(−γ ρ_b t)` with `e_st = <λ²>_bath / 2` (docs/physics.md §2).

use ndarray::Array2;
use rand::Rng;
use rand_distr::{Exp1, StandardNormal};

use crate::{HalfWords, MdError, MixtureSampler, invalid};

/// Exact event-driven velocity-jump process with a frozen bath.
#[derive(Debug, Clone)]
pub struct JumpProcess {
    rate: f64,
    sampler: MixtureSampler,
}

impl JumpProcess {
    /// Collision rate `gamma * rho_b` per particle; outgoing velocities from `sampler`.
    pub fn new(gamma: f64, rho_b: f64, sampler: MixtureSampler) -> Result<Self, MdError> {
        if !(gamma > 0.0 && gamma.is_finite()) {
            return Err(invalid("gamma", "must be > 0"));
        }
        if !(rho_b > 0.0 && rho_b.is_finite()) {
            return Err(invalid("rho_b", "must be > 0"));
        }
        Ok(Self {
            rate: gamma * rho_b,
            sampler,
        })
    }

    /// Collision rate per particle, `γ ρ_b`.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The sampler of the outgoing velocities; its law is [`MixtureSampler::bath`].
    pub fn sampler(&self) -> &MixtureSampler {
        &self.sampler
    }

    /// Exact solution of (38) for the energy per particle, `e(t) = e_st + (e0 − e_st) e^{−γρ_b t}`.
    pub fn energy_exact(&self, e0: f64, t: f64) -> f64 {
        let e_st = 0.5 * self.sampler.bath().second_moment();
        e_st + (e0 - e_st) * (-self.rate * t).exp()
    }

    /// Evolve one particle from `(x0, v0)` at t = 0 through the ascending output `times`
    /// (all >= 0), calling `record(m, x(t_m), v(t_m))` at each; returns the number of collisions.
    ///
    /// Exact in law, with fewer random numbers than one Gaussian per collision: between two
    /// output times, the displacement accumulated by the velocities that are *not* current at
    /// the output time is `Σ_i v_i Δ_i` with independent `v_i = c_i + s_i z_i` (component `c_i`,
    /// standard deviation `s_i`, `z_i` standard normal); given the components and flight times
    /// it is Gaussian with mean `Σ c_i Δ_i` and variance `Σ s_i² Δ_i²`, so one normal draw
    /// replaces them all. Each collision costs one exponential waiting time and one component
    /// choice (a 32-bit half of a generator word, [`HalfWords`]). [`Self::evolve_naive`] is the
    /// literal per-collision algorithm (the test compares both against the exact variance of the
    /// displacement).
    ///
    /// Positions are not wrapped: the caller applies its boundary (periodic box or open line),
    /// which is exact because the dynamics does not depend on position.
    #[inline]
    pub fn evolve<R: Rng + ?Sized>(
        &self,
        x0: f64,
        v0: f64,
        times: &[f64],
        rng: &mut R,
        mut record: impl FnMut(usize, f64, f64),
    ) -> u64 {
        let inv_rate = 1.0 / self.rate;
        let comps = self.sampler.bath().components();
        let (mut t, mut x, mut v) = (0.0, x0, v0);
        let mut events = 0u64;
        let mut words = HalfWords::default();
        let mut next = inv_rate * rng.sample::<f64, _>(Exp1);
        for (m, &tm) in times.iter().enumerate() {
            if next <= tm {
                // first collision of the interval: fly with the current velocity
                x += v * (next - t);
                t = next;
                events += 1;
                let mut c = self.sampler.pick_word(words.next(rng));
                next = t + inv_rate * rng.sample::<f64, _>(Exp1);
                let (mut mean, mut var) = (0.0, 0.0);
                while next <= tm {
                    let d = next - t;
                    let cc = &comps[c];
                    mean += cc.center * d;
                    var += cc.std_dev * cc.std_dev * d * d;
                    t = next;
                    events += 1;
                    c = self.sampler.pick_word(words.next(rng));
                    next = t + inv_rate * rng.sample::<f64, _>(Exp1);
                }
                if var > 0.0 {
                    x += mean + var.sqrt() * rng.sample::<f64, _>(StandardNormal);
                }
                v = comps[c].center + comps[c].std_dev * rng.sample::<f64, _>(StandardNormal);
            }
            record(m, x + v * (tm - t), v);
        }
        events
    }

    /// The literal algorithm: one waiting time and one bath velocity per collision.
    pub fn evolve_naive<R: Rng + ?Sized>(
        &self,
        x0: f64,
        v0: f64,
        times: &[f64],
        rng: &mut R,
        mut record: impl FnMut(usize, f64, f64),
    ) -> u64 {
        let inv_rate = 1.0 / self.rate;
        let (mut t, mut x, mut v) = (0.0, x0, v0);
        let mut events = 0u64;
        let mut next = inv_rate * rng.sample::<f64, _>(Exp1);
        for (m, &tm) in times.iter().enumerate() {
            while next <= tm {
                x += v * (next - t);
                t = next;
                v = self.sampler.sample(rng);
                events += 1;
                next = t + inv_rate * rng.sample::<f64, _>(Exp1);
            }
            record(m, x + v * (tm - t), v);
        }
        events
    }
}

/// Observation of one realization of the homogeneous relaxation (Fig. 2).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HomogeneousObs {
    /// kinetic energy per particle `Σ v²/2N` at each output time
    pub energy: Vec<f64>,
    /// velocity histogram (counts) at t = 0
    pub initial: Vec<u32>,
    /// velocity histogram (counts) at the last output time
    pub last: Vec<u32>,
    /// number of collisions
    pub events: u64,
}

impl JumpProcess {
    /// Homogeneous relaxation (Fig. 2): `n` particles with thermal initial velocities at
    /// `temperature` (Maxwell-Boltzmann, variance T), evolved through `times`.
    pub fn relax_homogeneous<R: Rng + ?Sized>(
        &self,
        n: usize,
        temperature: f64,
        times: &[f64],
        bins: &Bins,
        rng: &mut R,
    ) -> HomogeneousObs {
        let mut obs = HomogeneousObs {
            energy: vec![0.0; times.len()],
            initial: vec![0; bins.n],
            last: vec![0; bins.n],
            events: 0,
        };
        let sd = temperature.sqrt();
        let last = times.len().wrapping_sub(1);
        for _ in 0..n {
            let v0 = sd * rng.sample::<f64, _>(rand_distr::StandardNormal);
            if let Some(b) = bins.index(v0) {
                obs.initial[b] += 1;
            }
            obs.events += self.evolve(0.0, v0, times, rng, |m, _, v| {
                obs.energy[m] += 0.5 * v * v;
                if m == last
                    && let Some(b) = bins.index(v)
                {
                    obs.last[b] += 1;
                }
            });
        }
        obs.energy.iter_mut().for_each(|e| *e /= n as f64);
        obs
    }

    /// Spatial relaxation of a Gaussian bump in a periodic box (Fig. 5, classical panels):
    /// initial velocities from the local stationary state (20), i.e. the normalised bath.
    /// Returns the density histograms `ρ(x_b, t_m)` at `[[m, b]]` (shape `(times.len(),
    /// bins.n)`) and the number of collisions.
    pub fn bump_profiles<R: Rng + ?Sized>(
        &self,
        bump: &GaussianBump,
        box_len: f64,
        times: &[f64],
        bins: &Bins,
        rng: &mut R,
    ) -> (Array2<f64>, u64) {
        let mut counts = Array2::<u32>::zeros((times.len(), bins.n));
        let mut events = 0;
        for _ in 0..bump.n {
            let x0 = bump.sample(rng);
            let v0 = self.sampler.sample(rng);
            events += self.evolve(x0, v0, times, rng, |m, x, _| {
                if let Some(b) = bins.index(wrap(x, box_len)) {
                    counts[[m, b]] += 1;
                }
            });
        }
        let w = bins.width();
        (counts.mapv(|c| c as f64 / w), events)
    }
}

/// `n` particles placed independently with a Gaussian density of centre `center` and standard
/// deviation `width`: `ρ(x, 0) = n/(√(2π) w) exp(−(x−c)²/2w²)` (peak `n/(√(2π) w)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianBump {
    /// number of particles
    pub n: usize,
    /// centre
    pub center: f64,
    /// standard deviation
    pub width: f64,
}

/// How the `n` positions of a [`GaussianBump`] are placed (docs/physics.md §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BumpPositions {
    /// independent draws from the Gaussian: the initial histogram carries the mass noise of `n`
    /// independent particles (a bin of mean count `m` has variance `m (1 - m/n)`)
    Independent,
    /// the Gaussian's quantiles at `(i + 1/2) / n`, `i = 0..n`, no random number: every interval
    /// holds its expected number of particles to within one, the smooth initial profile of the
    /// kinetic equation
    Stratified,
}

impl GaussianBump {
    /// One position.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.center + self.width * rng.sample::<f64, _>(rand_distr::StandardNormal)
    }
    /// The `n` positions, placed as `how` says (independent draws use `n` normal variates of
    /// `rng`, in particle order; stratified ones none).
    pub fn positions<R: Rng + ?Sized>(&self, how: BumpPositions, rng: &mut R) -> Vec<f64> {
        match how {
            BumpPositions::Independent => (0..self.n).map(|_| self.sample(rng)).collect(),
            BumpPositions::Stratified => {
                let normal = statrs::distribution::Normal::standard();
                (0..self.n)
                    .map(|i| {
                        let q = (i as f64 + 0.5) / self.n as f64;
                        self.center
                            + self.width
                                * statrs::distribution::ContinuousCDF::inverse_cdf(&normal, q)
                    })
                    .collect()
            }
        }
    }
    /// Peak density.
    pub fn peak_density(&self) -> f64 {
        self.n as f64 / ((2.0 * std::f64::consts::PI).sqrt() * self.width)
    }
}

/// A histogram on `[lo, hi)` with equal bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bins {
    /// lower edge
    pub lo: f64,
    /// upper edge
    pub hi: f64,
    /// number of bins
    pub n: usize,
}

impl Bins {
    /// Validated constructor.
    pub fn new(lo: f64, hi: f64, n: usize) -> Result<Self, MdError> {
        if !(hi > lo) || n == 0 {
            return Err(invalid(
                "bins",
                format!("need hi > lo and n > 0, got [{lo}, {hi}) x {n}"),
            ));
        }
        Ok(Self { lo, hi, n })
    }
    /// Bin width.
    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.n as f64
    }
    /// Bin of `x`, `None` outside `[lo, hi)`.
    #[inline]
    pub fn index(&self, x: f64) -> Option<usize> {
        let f = (x - self.lo) / self.width();
        if f >= 0.0 && (f as usize) < self.n {
            Some(f as usize)
        } else {
            None
        }
    }
    /// Bin centres.
    pub fn centers(&self) -> Vec<f64> {
        (0..self.n)
            .map(|i| self.lo + (i as f64 + 0.5) * self.width())
            .collect()
    }
    /// Bin edges (n + 1).
    pub fn edges(&self) -> Vec<f64> {
        (0..=self.n)
            .map(|i| self.lo + i as f64 * self.width())
            .collect()
    }
}

/// Wrap `x` into the periodic box `[0, len)`.
#[inline]
pub fn wrap(x: f64, len: f64) -> f64 {
    // fast paths (no division): one period away at most; x - len is exact for x in [len, 2 len]
    if (0.0..len).contains(&x) {
        return x;
    }
    if x >= len && x < 2.0 * len {
        return x - len;
    }
    if x < 0.0 && x >= -len {
        let y = x + len;
        return if y >= len { 0.0 } else { y };
    }
    let y = x - len * (x / len).floor();
    if y >= len { 0.0 } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realization_rng;

    /// Stratified positions hold every interval's expected number of particles
    /// `n (F(b) - F(a))` to within one (exact: the quantiles `(i + 1/2)/n` in `[F(a), F(b))`),
    /// use no random number, and are symmetric about the centre; independent ones are the
    /// generator's normal draws in particle order.
    #[test]
    fn stratified_bump_positions_are_the_quantiles() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let bump = GaussianBump {
            n: 1600,
            center: 2600.0,
            width: 320.0,
        };
        let mut rng = realization_rng(3, 0);
        let x = bump.positions(BumpPositions::Stratified, &mut rng);
        assert_eq!(rng, realization_rng(3, 0), "no random number used");
        let cdf = Normal::new(bump.center, bump.width).unwrap();
        let mut worst: f64 = 0.0;
        for (a, b) in [
            (-1e9, 1e9),
            (2600.0, 2620.0),
            (1510.0, 1530.0),
            (0.0, 2000.0),
        ]
        .into_iter()
        .chain((0..200).map(|j| (j as f64 * 20.0, (j + 1) as f64 * 20.0)))
        {
            let count = x.iter().filter(|&&x| a <= x && x < b).count() as f64;
            let expected = bump.n as f64 * (cdf.cdf(b) - cdf.cdf(a));
            worst = worst.max((count - expected).abs());
        }
        assert!(worst < 1.0, "{worst}");
        for i in 0..bump.n {
            let mirror = 2.0 * bump.center - x[bump.n - 1 - i];
            assert!((x[i] - mirror).abs() < 1e-9 * bump.center, "{i}");
        }
        let mut a = realization_rng(3, 1);
        let mut b = realization_rng(3, 1);
        let drawn: Vec<f64> = (0..bump.n).map(|_| bump.sample(&mut b)).collect();
        assert_eq!(bump.positions(BumpPositions::Independent, &mut a), drawn);
        assert_eq!(a, b);
    }

    /// The number of collisions in [0, t] is Poisson(γ ρ_b t); the velocity after many
    /// collisions is bath-distributed and the position obeys x(t) = x0 + ∫ v.
    #[test]
    fn poisson_event_count_and_free_flight() {
        let bath = crate::sampler::bragg(1.0, 2.0, 0.5);
        let p = JumpProcess::new(0.1, 20.0, bath).unwrap();
        let mut rng = realization_rng(11, 0);
        let (n, t) = (20_000usize, 3.0);
        let mut counts = Vec::with_capacity(n);
        for _ in 0..n {
            counts.push(p.evolve(0.0, 0.0, &[t], &mut rng, |_, _, _| {}) as f64);
        }
        let mean = counts.iter().sum::<f64>() / n as f64;
        let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let mu = p.rate() * t;
        let z = (mean - mu) / (mu / n as f64).sqrt();
        println!("events: mean {mean:.4} (exact {mu}), var {var:.3}, z = {z:.2}");
        assert!(z.abs() < 4.0);
        // no collisions before the first output time => exact free flight
        let p_slow = JumpProcess::new(1e-12, 1.0, crate::sampler::bragg(1.0, 0.0, 1.0)).unwrap();
        let mut xs = vec![];
        p_slow.evolve(1.0, 2.0, &[0.0, 0.5, 2.0], &mut rng, |_, x, _| xs.push(x));
        assert_eq!(xs, vec![1.0, 2.0, 5.0]);
    }

    /// Displacement of a stationary particle: mean μT and exact variance
    /// `Var(x(T) − x0) = 2 Var(v) (rT − 1 + e^{−rT}) / r²` (velocity autocorrelation
    /// `Var(v) e^{−r τ}`), for both the aggregated and the literal algorithm; the velocity
    /// at the output time is bath-distributed.
    #[test]
    fn displacement_variance_exact_both_routes() {
        let bath = crate::sampler::bragg(6.0, 5.9, 0.3);
        let p = JumpProcess::new(0.08, 50.0, bath).unwrap();
        let r = p.rate();
        let times = [0.3, 2.0, 5.0];
        let var_v = p.sampler().bath().second_moment() - p.sampler().bath().mean().powi(2);
        let n = 40_000;
        for naive in [false, true] {
            let mut rng = realization_rng(3, u64::from(naive));
            let mut s1 = [0.0; 3];
            let mut s2 = [0.0; 3];
            let mut vs = [0.0; 2];
            for _ in 0..n {
                let v0 = p.sampler().sample(&mut rng);
                let rec = |m: usize, x: f64, v: f64| {
                    s1[m] += x;
                    s2[m] += x * x;
                    if m == 2 {
                        vs[0] += v;
                        vs[1] += v * v;
                    }
                };
                if naive {
                    p.evolve_naive(0.0, v0, &times, &mut rng, rec);
                } else {
                    p.evolve(0.0, v0, &times, &mut rng, rec);
                }
            }
            for (m, &t) in times.iter().enumerate() {
                let mean = s1[m] / n as f64;
                let var = s2[m] / n as f64 - mean * mean;
                let var_exact = 2.0 * var_v * (r * t - 1.0 + (-r * t).exp()) / (r * r);
                let mu = p.sampler().bath().mean() * t;
                let total_var = var_exact;
                let z_mean = (mean - mu) / (total_var / n as f64).sqrt();
                // sem of the sample variance from the fourth moment is not tracked; use the
                // Gaussian-limit approximation sqrt(2/n) var, adequate once rT >> 1 and
                // conservative (the displacement is close to Gaussian already at rT = 1.2).
                let z_var = (var - var_exact) / (var_exact * (2.0 / n as f64).sqrt());
                println!(
                    "naive={naive} t={t}: mean {mean:.4} (exact {mu:.4}, z {z_mean:+.2}), var {var:.4} (exact {var_exact:.4}, z {z_var:+.2})"
                );
                assert!(z_mean.abs() < 4.0, "mean z = {z_mean}");
                if r * t > 1.0 {
                    assert!(z_var.abs() < 4.0, "var z = {z_var}");
                }
            }
            let vm = vs[0] / n as f64;
            let z_v = (vm - p.sampler().bath().mean()) / (var_v / n as f64).sqrt();
            assert!(z_v.abs() < 4.0);
        }
    }

    #[test]
    fn bins_and_wrap() {
        let b = Bins::new(-1.0, 1.0, 4).unwrap();
        assert_eq!(b.index(-1.0), Some(0));
        assert_eq!(b.index(0.99), Some(3));
        assert_eq!(b.index(1.0), None);
        assert_eq!(b.centers(), vec![-0.75, -0.25, 0.25, 0.75]);
        assert_eq!(wrap(-0.5, 10.0), 9.5);
        assert_eq!(wrap(25.0, 10.0), 5.0);
        assert!(Bins::new(1.0, 1.0, 3).is_err());
    }
}
