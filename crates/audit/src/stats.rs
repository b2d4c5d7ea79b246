//! The statistics behind the checks, as pure functions (unit-tested on synthetic data), and the
//! convergence criterion of truncated sequences. Each is defined here once; the profile
//! measures (moments, L1 gap) are the contract's ([`contract::measure`]).

pub use contract::measure::{coarsen, gcd, l1_rel, moments};
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

/// Convergence criterion of a truncated sequence (basis size N, cutoff Lambda): the last
/// `VERDICT_K` relative increments below `VERDICT_TOL`, shrinking by at least `VERDICT_RMAX`
/// per step, geometric remainder below `VERDICT_TOL` ([`crate::convergence::verdict`]).
pub const VERDICT_TOL: f64 = 1e-3;
pub const VERDICT_K: usize = 3;
pub const VERDICT_RMAX: f64 = 0.7;

/// The convergence verdict of `values` by the criterion above.
pub fn convergence(values: &[f64]) -> crate::convergence::Verdict {
    crate::convergence::verdict(values, VERDICT_TOL, VERDICT_K, VERDICT_RMAX)
}

/// Largest relative difference `|a - b| / |a|` (absolute where `a == 0`).
pub fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            if x != 0.0 {
                ((x - y) / x).abs()
            } else {
                (x - y).abs()
            }
        })
        .fold(0.0, f64::max)
}

/// Derivative by the 3-point formula on a (possibly non-uniform) grid at interior point `i`
/// using neighbours `i - s` and `i + s` (second order in the spacing).
fn three_point(x: &[f64], y: &[f64], i: usize, s: usize) -> f64 {
    let (x0, x1, x2) = (x[i - s], x[i], x[i + s]);
    let (h0, h1) = (x1 - x0, x2 - x1);
    (-h1 / (h0 * (h0 + h1))) * y[i - s]
        + ((h1 - h0) / (h0 * h1)) * y[i]
        + (h0 / (h1 * (h0 + h1))) * y[i + s]
}

/// Finite-difference test of a claimed derivative `dy` of `y(x)`: at the interior points with
/// two neighbours on each side, the largest error of the 3-point derivative with spacing h
/// (`err_h`) and 2h (`err_2h`) against `dy`. A correct derivative gives err_h ~ err_2h / 4
/// (second order); a wrong one gives err_h ~ err_2h, both O(1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FdTest {
    pub err_h: f64,
    pub err_2h: f64,
    /// Scale of the derivative (max |dy|, or max |y| / range when dy vanishes).
    pub scale: f64,
}

impl FdTest {
    /// Criterion: the error shrinks at least like h^1 (err_h <= err_2h / 2) or is at the
    /// rounding level, <= 1e-8 max(1, scale): in units hbar = m = 1 velocities and densities are
    /// O(1), so an absolute 1e-8 is far below any physical effect (the printed eq. (89), which is
    /// identically zero, misses the true u' by O(1)) and far above rounding (~1e-13 observed).
    pub fn pass(&self) -> bool {
        self.err_h <= 0.5 * self.err_2h || self.err_h <= 1e-8 * self.scale.max(1.0)
    }
    pub fn order(&self) -> f64 {
        (self.err_2h / self.err_h).log2()
    }
}

pub fn fd_test(x: &[f64], y: &[f64], dy: &[f64]) -> Option<FdTest> {
    if x.len() < 5
        || x.windows(2)
            .any(|w| w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater))
    {
        return None;
    }
    let (mut eh, mut e2h) = (0.0f64, 0.0f64);
    for (i, d) in dy.iter().enumerate().take(x.len() - 2).skip(2) {
        // NaN propagates (f64::max would drop it)
        let (a, b) = (
            (three_point(x, y, i, 1) - d).abs(),
            (three_point(x, y, i, 2) - d).abs(),
        );
        eh = if a.is_nan() || a > eh { a } else { eh };
        e2h = if b.is_nan() || b > e2h { b } else { e2h };
    }
    let range = x[x.len() - 1] - x[0];
    let ymax = y.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let dmax = dy.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    Some(FdTest {
        err_h: eh,
        err_2h: e2h,
        scale: dmax.max(ymax / range.abs().max(f64::MIN_POSITIVE)),
    })
}

/// Two-sided Gaussian tail probability of |z| > 3.
pub fn p_abs_z_gt_3() -> f64 {
    2.0 * Normal::standard().sf(3.0)
}

/// DSMTS-style outlier count: the number of |z| > 3 among `z`, its binomial expectation
/// n p3, the largest count allowed at significance `alpha` (smallest k with P(X > k) < alpha),
/// and the p-value P(X >= count).
#[derive(Debug, Clone, Copy)]
pub struct ZCount {
    pub n: usize,
    pub count: usize,
    pub expected: f64,
    pub allowed: usize,
    pub p_value: f64,
    pub max_abs_z: f64,
}

pub fn z_count(z: &[f64], alpha: f64) -> ZCount {
    let n = z.len();
    let p3 = p_abs_z_gt_3();
    let count = z.iter().filter(|z| z.abs() > 3.0).count();
    let b = Binomial::new(p3, n as u64).expect("valid binomial");
    let mut allowed = 0usize;
    while allowed < n && b.sf(allowed as u64) >= alpha {
        allowed += 1;
    }
    let p_value = if count == 0 {
        1.0
    } else {
        b.sf(count as u64 - 1)
    };
    ZCount {
        n,
        count,
        expected: n as f64 * p3,
        allowed,
        p_value,
        max_abs_z: z.iter().fold(0.0, |a, z| a.max(z.abs())),
    }
}

/// Chi-square of an ensemble-mean histogram against a theory, with error bars estimated from
/// the same ensemble of `realizations` independent runs.
///
/// With the standard error itself estimated from R realizations, `t = (mean - theory) / sem`
/// follows Student's t with R - 1 degrees of freedom, not a unit normal: the naive sum of
/// `t^2` has mean (R-1)/(R-3) per bin (1.4 for R = 8) and heavy tails, and over-rejects.
/// Each bin's t is therefore mapped to the normal deviate of the same tail probability,
/// `z = Phi^{-1}(F_{t,R-1}(t))`, and `chi2 = sum z^2` is compared with chi-square(dof).
/// Student's t needs bin values that are roughly normal per realization: only bins whose
/// expected count per realization `expected_counts[i]` is at least `min_count` enter (the
/// sparse tails, where a bin holds 0 or 1 particle, are counted in `bins_sparse`).
/// `constraints` degrees of freedom are removed (1 for a histogram of fixed total).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnsembleChi2 {
    pub chi2: f64,
    pub dof: usize,
    pub p_value: f64,
    pub bins_used: usize,
    pub bins_sparse: usize,
}

/// Smallest expected count per realization for a histogram bin to enter [`ensemble_chi2`]
/// (Cochran's rule of thumb for the normal approximation of counts).
pub const MIN_EXPECTED_COUNT: f64 = 5.0;

pub fn ensemble_chi2(
    mean: &[f64],
    sem: &[f64],
    theory: &[f64],
    expected_counts: &[f64],
    realizations: usize,
    min_count: f64,
    constraints: usize,
) -> EnsembleChi2 {
    assert!(
        realizations >= 2,
        "a standard error needs >= 2 realizations"
    );
    let t_dist = StudentsT::new(0.0, 1.0, (realizations - 1) as f64).expect("dof > 0");
    let normal = Normal::standard();
    let (mut chi2, mut used, mut sparse) = (0.0, 0usize, 0usize);
    for i in 0..mean.len() {
        if !(expected_counts[i] >= min_count) || !(sem[i] > 0.0) {
            sparse += 1;
            continue;
        }
        let t = (mean[i] - theory[i]) / sem[i];
        // the tail probability of |t| mapped to the normal deviate with the same tail
        // (computed from the far tail: no cancellation in 1 - cdf)
        let tail = t_dist.sf(t.abs());
        let z = if tail > 0.0 {
            -normal.inverse_cdf(tail)
        } else {
            f64::INFINITY
        };
        chi2 += z * z;
        used += 1;
    }
    let dof = used.saturating_sub(constraints).max(1);
    let p_value = ChiSquared::new(dof as f64).expect("dof > 0").sf(chi2);
    EnsembleChi2 {
        chi2,
        dof,
        p_value,
        bins_used: used,
        bins_sparse: sparse,
    }
}

/// Power of the chi-square test at significance `alpha` with `dof` degrees of freedom against
/// an alternative of noncentrality `lambda` (the sum over the bins of (effect / standard
/// error)²): `P(χ'²(dof, λ) > χ²_{1−α}(dof))`, by Patnaik's approximation of the noncentral
/// chi-square by a scaled central one, `h χ²(ν*)`, `h = (ν + 2λ)/(ν + λ)`,
/// `ν* = (ν + λ)²/(ν + 2λ)` (Patnaik 1949; exact at λ = 0).
pub fn chi2_power(dof: usize, lambda: f64, alpha: f64) -> f64 {
    let nu = dof.max(1) as f64;
    let crit = ChiSquared::new(nu)
        .expect("dof > 0")
        .inverse_cdf(1.0 - alpha);
    let h = (nu + 2.0 * lambda) / (nu + lambda);
    let nu_star = (nu + lambda).powi(2) / (nu + 2.0 * lambda);
    ChiSquared::new(nu_star).expect("dof > 0").sf(crit / h)
}

/// Is the sequence strictly decreasing?
pub fn strictly_decreasing(v: &[f64]) -> bool {
    v.windows(2).all(|w| w[1] < w[0])
}

/// Standard errors of [`moments`] of a mean profile with independent bin errors `sem`
/// (linear propagation, gradient by central differences per bin).
pub fn moments_sem(x: &[f64], rho: &[f64], sem: &[f64], box_len: f64) -> [f64; 4] {
    let mut var = [0.0; 4];
    let mut r = rho.to_vec();
    for b in 0..rho.len() {
        if sem[b] <= 0.0 {
            continue;
        }
        let h = 1e-3 * sem[b];
        r[b] = rho[b] + h;
        let up = moments(x, &r, box_len);
        r[b] = rho[b] - h;
        let dn = moments(x, &r, box_len);
        r[b] = rho[b];
        for q in 0..4 {
            let mut diff = up[q] - dn[q];
            if q == 1 {
                diff = (diff + 0.5 * box_len).rem_euclid(box_len) - 0.5 * box_len;
            }
            var[q] += (diff / (2.0 * h) * sem[b]).powi(2);
        }
    }
    var.map(f64::sqrt)
}

/// Linear interpolation of `y(x)` at `x0` (x ascending); `None` outside the range.
pub fn interp(x: &[f64], y: &[f64], x0: f64) -> Option<f64> {
    if x.is_empty() || x0 < x[0] || x0 > x[x.len() - 1] {
        return None;
    }
    let i = x.partition_point(|&v| v < x0);
    if i < x.len() && x[i] == x0 {
        return Some(y[i]);
    }
    let (a, b) = (i - 1, i);
    let w = (x0 - x[a]) / (x[b] - x[a]);
    Some(y[a] * (1.0 - w) + y[b] * w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Patnaik's power against a Monte Carlo of the noncentral chi-square (sum of squared
    /// shifted normals): within 4 binomial standard errors of the simulated rejection rate.
    #[test]
    fn chi2_power_matches_simulation() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for (dof, lambda, alpha) in [
            (99usize, 55.0, 0.01 / 24.0),
            (20, 10.0, 0.05),
            (99, 0.0, 0.01),
        ] {
            let shift = (lambda / dof as f64).sqrt();
            let crit = ChiSquared::new(dof as f64)
                .unwrap()
                .inverse_cdf(1.0 - alpha);
            let n = 20_000;
            let hits = (0..n)
                .filter(|_| {
                    let q: f64 = (0..dof)
                        .map(|_| {
                            let z: f64 = StandardNormal.sample(&mut rng);
                            (z + shift).powi(2)
                        })
                        .sum();
                    q > crit
                })
                .count();
            let sim = hits as f64 / n as f64;
            let p = chi2_power(dof, lambda, alpha);
            let se = (p * (1.0 - p) / n as f64).sqrt().max(1e-4);
            assert!(
                (sim - p).abs() < 4.0 * se,
                "dof {dof} lambda {lambda}: sim {sim} vs {p}"
            );
        }
    }
    use rand_distr::StandardNormal;

    #[test]
    fn fd_test_accepts_a_true_derivative_and_rejects_a_wrong_one() {
        let x: Vec<f64> = (0..41).map(|i| 0.5 + 0.05 * i as f64).collect();
        let y: Vec<f64> = x.iter().map(|x| x.sin() * x).collect();
        let dy: Vec<f64> = x.iter().map(|x| x.sin() + x * x.cos()).collect();
        let t = fd_test(&x, &y, &dy).unwrap();
        println!(
            "true derivative: err_h {:.3e} err_2h {:.3e} order {:.2}",
            t.err_h,
            t.err_2h,
            t.order()
        );
        assert!(t.pass() && (t.order() - 2.0).abs() < 0.1);
        // the printed eq. (89) is identically zero: a zero "derivative" must fail
        let zero = vec![0.0; x.len()];
        let t = fd_test(&x, &y, &zero).unwrap();
        println!(
            "zero derivative: err_h {:.3e} err_2h {:.3e}",
            t.err_h, t.err_2h
        );
        assert!(!t.pass());
        // a 1% error must fail too
        let off: Vec<f64> = dy.iter().map(|d| 1.01 * d).collect();
        assert!(!fd_test(&x, &y, &off).unwrap().pass());
    }

    #[test]
    fn z_count_binomial_bound() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let z: Vec<f64> = (0..200)
            .map(|_| rng.sample::<f64, _>(StandardNormal))
            .collect();
        let c = z_count(&z, 1e-3);
        println!("{c:?}");
        assert!(c.count <= c.allowed, "unit normal z must pass");
        assert!((c.expected - 200.0 * 0.0026998).abs() < 1e-3);
        // a 4-sigma bias fails
        let biased: Vec<f64> = z.iter().map(|z| z + 4.0).collect();
        let c = z_count(&biased, 1e-3);
        assert!(c.count > c.allowed && c.p_value < 1e-3);
    }

    /// The naive statistic: sum of ((mean - theory) / sem)^2 against chi-square(n), its p-value.
    fn naive_chi2_p(mean: &[f64], sem: &[f64], theory: &[f64]) -> f64 {
        let chi2: f64 = mean
            .iter()
            .zip(sem)
            .zip(theory)
            .map(|((m, s), t)| ((m - t) / s).powi(2))
            .sum();
        ChiSquared::new(mean.len() as f64).unwrap().sf(chi2)
    }

    /// Synthetic ensembles of R = 8 realizations drawn from the theory: the naive chi-square
    /// of (mean - theory)/sem rejects far too often, the t-to-normal one at the nominal rate;
    /// a one-sigma shift in every bin is detected.
    #[test]
    fn ensemble_chi2_has_the_nominal_size_with_estimated_errors() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (nb, r, trials) = (60usize, 8usize, 400usize);
        let theory: Vec<f64> = (0..nb)
            .map(|i| 20.0 + 10.0 * (i as f64 * 0.1).sin())
            .collect();
        let counts = theory.clone();
        let draw = |rng: &mut ChaCha8Rng, shift: f64| -> (Vec<f64>, Vec<f64>) {
            let mut mean = vec![0.0; nb];
            let mut sem = vec![0.0; nb];
            for i in 0..nb {
                let xs: Vec<f64> = (0..r)
                    .map(|_| {
                        theory[i]
                            + shift * theory[i].sqrt() / (r as f64).sqrt()
                            + theory[i].sqrt() * rng.sample::<f64, _>(StandardNormal)
                    })
                    .collect();
                let m = xs.iter().sum::<f64>() / r as f64;
                let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (r - 1) as f64;
                mean[i] = m;
                sem[i] = (v / r as f64).sqrt();
            }
            (mean, sem)
        };
        let (mut rej_new, mut rej_naive, mut rej_shift) = (0, 0, 0);
        for _ in 0..trials {
            let (m, s) = draw(&mut rng, 0.0);
            if ensemble_chi2(&m, &s, &theory, &counts, r, 5.0, 0).p_value < 0.01 {
                rej_new += 1;
            }
            if naive_chi2_p(&m, &s, &theory) < 0.01 {
                rej_naive += 1;
            }
            let (m, s) = draw(&mut rng, 1.0);
            if ensemble_chi2(&m, &s, &theory, &counts, r, 5.0, 0).p_value < 0.01 {
                rej_shift += 1;
            }
        }
        println!(
            "R = {r}, {nb} bins, {trials} trials at alpha = 0.01: rejections t->normal {rej_new}, \
             naive {rej_naive}, one-sigma shift detected {rej_shift}"
        );
        // binomial(400, 0.01): mean 4, P(X > 12) < 1e-3
        assert!(
            rej_new <= 12,
            "t->normal chi-square over-rejects: {rej_new}/{trials}"
        );
        assert!(
            rej_naive > 100,
            "the naive statistic is expected to over-reject"
        );
        assert!(rej_shift > trials / 2, "power: {rej_shift}/{trials}");
        // sparse bins are excluded and counted
        let (m, s) = draw(&mut rng, 0.0);
        let mut few = counts.clone();
        few[0] = 1.0;
        let c = ensemble_chi2(&m, &s, &theory, &few, r, 5.0, 1);
        assert_eq!((c.bins_used, c.bins_sparse, c.dof), (nb - 1, 1, nb - 2));
    }

    /// Propagated moment errors against the scatter of perturbed profiles (the moments
    /// themselves are tested with `contract::measure`).
    #[test]
    fn moment_errors_match_the_scatter_of_perturbed_profiles() {
        let (l, n) = (40.0, 400);
        let x: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) * l / n as f64).collect();
        let rho: Vec<f64> = x
            .iter()
            .map(|x| 40.0 * (-(x - 20.0).powi(2) / 2.0).exp())
            .collect();
        let m = moments(&x, &rho, l);
        // Poisson-like bin errors (as for histogram means), small enough for linear propagation
        let sem: Vec<f64> = rho.iter().map(|r| 0.05 * r.sqrt()).collect();
        let s = moments_sem(&x, &rho, &sem, l);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let reps = 400;
        let mut acc = [0.0; 4];
        for _ in 0..reps {
            let r: Vec<f64> = rho
                .iter()
                .zip(&sem)
                .map(|(r, s)| r + s * rng.sample::<f64, _>(StandardNormal))
                .collect();
            let mm = moments(&x, &r, l);
            for q in 0..4 {
                acc[q] += (mm[q] - m[q]).powi(2);
            }
        }
        for q in 0..4 {
            let emp = (acc[q] / reps as f64).sqrt();
            println!("moment {q}: propagated {:.4e} empirical {emp:.4e}", s[q]);
            // sampling error of an rms from 400 draws is ~3.5%: 5 sigma
            assert!((emp / s[q] - 1.0).abs() < 5.0 * 0.036, "moment {q}");
        }
    }

    #[test]
    fn helpers() {
        assert!(strictly_decreasing(&[3.0, 2.0, 1.0]) && !strictly_decreasing(&[3.0, 3.0]));
        assert_eq!(
            (gcd(4000, 1000), gcd(1000, 400), gcd(200, 7)),
            (1000, 200, 1)
        );
        assert_eq!(coarsen(&[1.0, 3.0, 5.0, 7.0], 2), vec![2.0, 6.0]);
        assert_eq!(
            interp(&[0.0, 1.0, 2.0], &[0.0, 10.0, 30.0], 1.5),
            Some(20.0)
        );
        assert_eq!(interp(&[0.0, 1.0], &[0.0, 1.0], 1.0), Some(1.0));
        assert_eq!(interp(&[0.0, 1.0], &[0.0, 1.0], 2.0), None);
        assert!(max_rel_diff(&[1.0, 2.0], &[1.0, 2.0 + 2e-9]) < 1.1e-9);
        assert!((l1_rel(&[1.0, 2.0], &[2.0, 2.0], 0.5, 1.0) - 0.5).abs() < 1e-15);
    }
}
