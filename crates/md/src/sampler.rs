//! Exact sampler of the normalised bath distribution `rho_p^(b) / rho_b`.
//!
//! The bath law itself (Gaussian mixture, density, CDF, window probabilities, moments, support)
//! is [`kinetic::Bath`], the one definition shared with the kinetic theory; e.g. the
//! Bragg-split bath (104), `rho_p^(b) ∝ exp(-(λ+λ_B)²/σ²) + b exp(-(λ-λ_B)²/σ²)`, is
//! `kinetic::Bath::bragg`: weights `1/(1+b)`, `b/(1+b)`, centres `∓λ_B`, standard deviation
//! `σ/√2` (σ in (104) is *not* the standard deviation). This module only samples it.
//!
//! [`AliasTable`] is the Walker/Vose alias method for a discrete distribution (one 64-bit
//! random word per draw); the fermionic cell algorithm uses it for the bath's level
//! probabilities.

use kinetic::Bath;
use rand::Rng;
use rand_distr::StandardNormal;

use crate::{MdError, invalid};

/// Sampler of the bath mixture (component by inverse CDF of the weights on one 32-bit word,
/// normal by ziggurat).
///
/// Approximation, stated and bounded: the component is chosen by comparing a uniform 32-bit
/// integer with the cumulative weights rounded to multiples of `2^-32`, so each component
/// probability is off by at most `2^-32 ≈ 2.3e-10` (absolute). At the paper's largest
/// ensembles (~3e9 collisions) the statistical resolution of a probability is ~2e-5, five
/// orders of magnitude coarser.
#[derive(Debug, Clone)]
pub struct MixtureSampler {
    /// `cumulative * 2^32` rounded (last = 2^32): component `i` iff `u32 < cut[i]` first
    cut: Vec<u64>,
    /// the sampled law (weights re-normalised, see [`Self::from_bath`])
    bath: Bath,
}

impl MixtureSampler {
    /// Sampler of the normalised law `rho_p^(b)/rho_b` of `bath`.
    ///
    /// The mixture weights are normalised to sum 1 once more in floating point
    /// ([`Bath::mixture`] of the bath's components): for some baths (b = 0.3 of Fig. 5) the
    /// normalised weights of [`Bath::bragg`] sum to `1 - 2^-53`, and the re-normalised ones,
    /// which the MD has always sampled and used for the level weights, differ from them in
    /// the last bit. Fails only for a bath with non-finite components (e.g. boosted by an
    /// infinite velocity).
    pub fn from_bath(bath: &Bath) -> Result<Self, MdError> {
        let bath = Bath::mixture(bath.components().to_vec(), bath.rho_b())?;
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = bath
            .components()
            .iter()
            .map(|c| {
                acc += c.weight;
                acc
            })
            .collect();
        *cumulative.last_mut().expect("a bath has a component") = 1.0;
        let cut = cumulative
            .iter()
            .map(|&c| (c * 4_294_967_296.0).round() as u64)
            .collect();
        Ok(Self { cut, bath })
    }

    /// The sampled bath law (normalised: use [`Bath::pdf`], [`Bath::cdf`], [`Bath::prob`]).
    pub fn bath(&self) -> &Bath {
        &self.bath
    }

    /// Draw one velocity.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let c = &self.bath.components()[self.pick(rng)];
        let z: f64 = rng.sample(StandardNormal);
        c.center + c.std_dev * z
    }

    /// Draw only the component index (probability = its weight, to within `2^-32`: see the
    /// type's documentation). One 32-bit word.
    #[inline(always)]
    pub fn pick<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        self.pick_word(rng.next_u32())
    }

    /// The component index for the uniform 32-bit word `u` (what [`Self::pick`] does with its
    /// word; for callers that take two picks from one 64-bit word, [`HalfWords`]).
    #[inline(always)]
    pub fn pick_word(&self, u: u32) -> usize {
        let u = u64::from(u);
        match self.cut.len() {
            1 => 0,
            2 => usize::from(u >= self.cut[0]),
            n => self.cut.iter().position(|&c| u < c).unwrap_or(n - 1),
        }
    }

    /// Probability that [`Self::pick`] returns each component (the rounded weights).
    pub fn pick_probabilities(&self) -> Vec<f64> {
        let mut prev = 0u64;
        self.cut
            .iter()
            .map(|&c| {
                let p = (c - prev) as f64 / 4_294_967_296.0;
                prev = c;
                p
            })
            .collect()
    }
}

/// Uniform 32-bit words taken two per 64-bit word of the generator (high half first, then the
/// low half). Every bit of an xoshiro256++ word is uniform and independent of the others, so
/// the halves are independent uniform words; this halves the generator cost of
/// [`MixtureSampler::pick_word`] in the classical collision loop.
#[derive(Debug, Clone, Copy, Default)]
pub struct HalfWords {
    low: Option<u32>,
}

impl HalfWords {
    /// The next uniform 32-bit word.
    #[inline(always)]
    pub fn next<R: Rng + ?Sized>(&mut self, rng: &mut R) -> u32 {
        match self.low.take() {
            Some(w) => w,
            None => {
                let w = rng.next_u64();
                self.low = Some(w as u32);
                (w >> 32) as u32
            }
        }
    }
}

/// Walker/Vose alias table of a discrete distribution on `0..n`: one uniform 64-bit word per
/// draw, its top `m` bits (`2^m >= n` columns, padded with zero-weight columns) choose a
/// column, its low `64 - m` bits are compared with the column's acceptance threshold.
///
/// Approximation, stated and bounded: the thresholds are the Vose probabilities (computed in
/// f64, relative rounding ~1e-16) rounded to multiples of `2^-(64-m)`, so each column's
/// acceptance probability is off by less than `2^-(64-m)`; a column has weight `2^-m`, an
/// outcome collects from at most `2^m` columns, hence every outcome probability is off by less
/// than `2^-(63-m)` absolute (`< 2^-51` for the ~512 levels of a Fig. 5 cell) on top of the
/// f64 rounding. [`Self::probabilities`] returns the exact law the table implements, so tests
/// compare it with the target weights.
#[derive(Debug, Clone)]
pub struct AliasTable {
    /// `64 - m`
    shift: u32,
    /// `m`
    bits: u32,
    /// per column: (acceptance threshold on `u << m`, alias)
    cols: Vec<(u64, u32)>,
    n: usize,
}

impl AliasTable {
    /// Table of the distribution proportional to `weights` (non-negative, finite, positive sum).
    pub fn new(weights: &[f64]) -> Result<Self, MdError> {
        let n = weights.len();
        if n == 0 || n > (1 << 31) {
            return Err(invalid("weights", "need 1 ..= 2^31 outcomes"));
        }
        if weights.iter().any(|w| !(*w >= 0.0 && w.is_finite())) {
            return Err(invalid("weights", "must be finite and >= 0"));
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0) {
            return Err(invalid("weights", "total weight is zero"));
        }
        let bits = (n.next_power_of_two().trailing_zeros()).max(1);
        let cols_n = 1usize << bits;
        // Vose: scaled probabilities p_j = w_j cols_n / total; split into small (< 1) and large
        let mut p: Vec<f64> = (0..cols_n)
            .map(|j| weights.get(j).map_or(0.0, |w| w * cols_n as f64 / total))
            .collect();
        let mut alias: Vec<u32> = (0..cols_n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..cols_n).partition(|&j| p[j] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s] = l as u32;
            p[l] = (p[l] + p[s]) - 1.0;
            if p[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // leftovers (rounding): probability 1, no alias
        for j in small.into_iter().chain(large) {
            p[j] = 1.0;
            alias[j] = j as u32;
        }
        let scale = 18_446_744_073_709_551_616.0; // 2^64
        let cols = p
            .iter()
            .zip(&alias)
            .map(|(&pj, &a)| {
                let thr = if pj >= 1.0 {
                    u64::MAX
                } else {
                    (pj.max(0.0) * scale) as u64
                };
                (thr, a)
            })
            .collect();
        Ok(Self {
            shift: 64 - bits,
            bits,
            cols,
            n,
        })
    }

    /// Number of outcomes.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Never empty (construction requires an outcome); present for clippy's `len` rule.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Draw one outcome in `0..len()`.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let u = rng.next_u64();
        let j = (u >> self.shift) as usize;
        let (thr, alias) = self.cols[j];
        if (u << self.bits) < thr {
            j
        } else {
            alias as usize
        }
    }

    /// The exact law implemented by the table (threshold quantisation included).
    pub fn probabilities(&self) -> Vec<f64> {
        let grain = 1u128 << self.bits; // low word takes values multiple of 2^m
        let col = 1.0 / self.cols.len() as f64;
        let mut prob = vec![0.0; self.cols.len()];
        for (j, &(thr, a)) in self.cols.iter().enumerate() {
            // number of values v = grain * i (i < 2^(64-m)) with v < thr
            let accept = (thr as u128).div_ceil(grain) as f64 / (1u128 << self.shift) as f64;
            prob[j] += col * accept;
            prob[a as usize] += col * (1.0 - accept);
        }
        prob.truncate(self.n);
        prob
    }
}

/// Sampler of the Bragg bath (104) for the unit tests (rho_b = 1: only the normalised law is
/// sampled).
#[cfg(test)]
pub(crate) fn bragg(sigma: f64, lambda_b: f64, b: f64) -> MixtureSampler {
    MixtureSampler::from_bath(&Bath::bragg(sigma, lambda_b, b, 1.0).unwrap()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realization_rng;

    #[test]
    fn moments_and_cdf_match_sampling() {
        let sampler = bragg(0.2, 0.4, 0.5);
        let s = sampler.bath();
        // exact: mean = λ_B (b-1)/(1+b), <λ²> = λ_B² + σ²/2
        assert!((s.mean() - 0.4 * (-0.5) / 1.5).abs() < 1e-15);
        assert!((s.second_moment() - (0.16 + 0.02)).abs() < 1e-15);
        assert!((s.cdf(10.0) - 1.0).abs() < 1e-15 && s.cdf(-10.0) < 1e-15);
        assert!((s.prob(-1.0, 0.1) - (s.cdf(0.1) - s.cdf(-1.0))).abs() < 1e-14);
        let mut rng = realization_rng(1, 0);
        let n = 200_000;
        let (mut m1, mut m2, mut below) = (0.0, 0.0, 0usize);
        for _ in 0..n {
            let v = sampler.sample(&mut rng);
            m1 += v;
            m2 += v * v;
            below += usize::from(v < 0.1);
        }
        m1 /= n as f64;
        m2 /= n as f64;
        let var = s.second_moment() - s.mean() * s.mean();
        let z_mean = (m1 - s.mean()) / (var / n as f64).sqrt();
        let p = s.cdf(0.1);
        let z_cdf = (below as f64 / n as f64 - p) / (p * (1.0 - p) / n as f64).sqrt();
        println!("sampler: z(mean) = {z_mean:.2}, z(cdf at 0.1) = {z_cdf:.2}, <v²> = {m2:.5}");
        assert!(z_mean.abs() < 4.0 && z_cdf.abs() < 4.0);
    }

    /// The law implemented by the alias table equals the weights (up to the stated
    /// quantisation), and sampling agrees with it (chi-square at a fixed seed).
    #[test]
    fn alias_table_law_and_sampling() {
        let w = [0.1, 0.0, 3.0, 1e-9, 0.7, 2.2, 0.0];
        let t = AliasTable::new(&w).unwrap();
        let total: f64 = w.iter().sum();
        let p = t.probabilities();
        let dmax = p
            .iter()
            .zip(&w)
            .map(|(a, b)| (a - b / total).abs())
            .fold(0.0, f64::max);
        println!("alias table: max |P_table - w/Σw| = {dmax:.1e}");
        assert!(dmax < 1e-15);
        let mut rng = realization_rng(3, 0);
        let n = 400_000;
        let mut counts = [0u64; 7];
        for _ in 0..n {
            counts[t.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[1] + counts[6], 0, "zero-weight outcomes drawn");
        let chi2: f64 = [0, 2, 4, 5]
            .iter()
            .map(|&i| {
                let e = n as f64 * p[i];
                (counts[i] as f64 - e).powi(2) / e
            })
            .sum();
        // 3 degrees of freedom (outcome 3 has expectation 4e-4, left out); P(chi2 > 16.27) = 0.001
        println!("alias table: chi2 = {chi2:.2} (3 dof), counts {counts:?}");
        assert!(chi2 < 16.27);
        assert!(AliasTable::new(&[]).is_err());
        assert!(AliasTable::new(&[0.0, 0.0]).is_err());
        assert!(AliasTable::new(&[1.0, f64::NAN]).is_err());
        let one = AliasTable::new(&[2.0]).unwrap();
        assert!((0..10).all(|_| one.sample(&mut rng) == 0));
    }

    #[test]
    fn pick_probabilities_are_the_weights() {
        let s = bragg(6.0, 5.9, 0.3);
        let p = s.pick_probabilities();
        assert!((p[0] - 1.0 / 1.3).abs() <= 2f64.powi(-32));
        assert!((p[1] - 0.3 / 1.3).abs() <= 2f64.powi(-32));
    }

    /// Invalid baths (empty mixture, sigma = 0, b < 0) are rejected by `kinetic::Bath` (tested
    /// there); a bath that is not finite any more is rejected here.
    #[test]
    fn rejects_bad_components() {
        let moved = Bath::bragg(1.0, 1.0, 1.0, 1.0)
            .unwrap()
            .boosted(f64::INFINITY);
        assert!(MixtureSampler::from_bath(&moved).is_err());
    }
}
