//! Deterministic parallel ensembles.
//!
//! Realization `i` of a stage with seed `s` draws from ChaCha8 seeded by `s` on stream `i`
//! ([`realization_rng`]): the numbers a realization sees depend only on `(s, i)`, never on the
//! thread that runs it. Each realization returns its own observation row; rows are kept in
//! realization order and reduced only after all shards are merged ([`merge_shards`]), so
//! means and standard errors are bit-identical for any thread count and any sharding.

use std::ops::Range;

use ndarray::{Array, ArrayView, AsArray, Dimension, Ix1, Zip};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::MdError;

/// The PRNG of realization `index` of an ensemble with seed `seed` (ChaCha8, stream = index).
pub fn realization_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// Shard `index` of `count` (0-based): a contiguous block of realizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index, `< count`
    pub index: usize,
    /// number of shards, `>= 1`
    pub count: usize,
}

impl Shard {
    /// The whole ensemble as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parse `"k/n"` with 1-based `k` (command-line convention: `--shard 2/4`).
    pub fn parse(s: &str) -> Result<Self, MdError> {
        let bad = || crate::invalid("shard", format!("`{s}` is not k/n with 1 <= k <= n"));
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// Realizations of this shard out of `n_realizations` (blocks differ in size by at most 1).
    pub fn range(&self, n_realizations: usize) -> Range<usize> {
        let (q, r) = (n_realizations / self.count, n_realizations % self.count);
        let start = self.index * q + self.index.min(r);
        let len = q + usize::from(self.index < r);
        start..start + len
    }
}

/// The rows of one shard, in realization order.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardOutput<T> {
    /// which shard
    pub shard: Shard,
    /// realizations covered
    pub range: Range<usize>,
    /// one row per realization of `range`, in order
    pub rows: Vec<T>,
}

/// Run the realizations of `shard` on a local pool of `jobs` threads.
///
/// `realize(i, rng)` gets realization index `i` and its own stream [`realization_rng`]`(seed, i)`.
pub fn run_shard<T, F>(
    n_realizations: usize,
    shard: Shard,
    seed: u64,
    jobs: usize,
    realize: F,
) -> Result<ShardOutput<T>, MdError>
where
    T: Send,
    F: Fn(usize, &mut ChaCha8Rng) -> T + Sync,
{
    if shard.count == 0 || shard.index >= shard.count {
        return Err(crate::invalid("shard", format!("{shard:?}")));
    }
    let range = shard.range(n_realizations);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| MdError::ThreadPool(e.to_string()))?;
    let rows = pool.install(|| {
        range
            .clone()
            .into_par_iter()
            .map(|i| {
                let mut rng = realization_rng(seed, i as u64);
                realize(i, &mut rng)
            })
            .collect()
    });
    Ok(ShardOutput { shard, range, rows })
}

/// Merge shard outputs (any order) into the rows of realizations `0..n_realizations`;
/// fails unless the shards tile the range exactly once.
pub fn merge_shards<T>(
    n_realizations: usize,
    mut parts: Vec<ShardOutput<T>>,
) -> Result<Vec<T>, MdError> {
    parts.sort_by_key(|p| p.range.start);
    let bad = |reason: String| MdError::BadShards {
        n_realizations,
        reason,
    };
    let mut next = 0;
    let mut rows = Vec::with_capacity(n_realizations);
    for p in parts {
        if p.range.start != next {
            return Err(bad(format!(
                "gap or overlap at realization {next} (shard starts at {})",
                p.range.start
            )));
        }
        if p.rows.len() != p.range.len() {
            return Err(bad(format!(
                "shard {:?} has {} rows for {:?}",
                p.shard,
                p.rows.len(),
                p.range
            )));
        }
        next = p.range.end;
        rows.extend(p.rows);
    }
    if next != n_realizations {
        return Err(bad(format!("covered only 0..{next}")));
    }
    Ok(rows)
}

/// Ensemble mean and standard error of the mean, element by element.
///
/// One observation per realization: a vector (`D = Ix1`, e.g. the energies `e(t_m)`, given as
/// `Vec<f64>` or `&[f64]` rows) or an array such as the `(time, bin)` histograms of
/// [`crate::JumpProcess::bump_profiles`] (`D = Ix2`, `mean[[m, b]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct MeanSem<D: Dimension = Ix1> {
    /// mean over realizations
    pub mean: Array<f64, D>,
    /// standard error of the mean, sqrt(sample variance / R)
    pub sem: Array<f64, D>,
    /// number of realizations R
    pub n: usize,
}

impl<D: Dimension> MeanSem<D> {
    /// Reduce rows (one per realization, all of the same shape) in realization order; two-pass
    /// for accuracy. Panics if the shapes differ.
    pub fn from_rows<'a, V: AsArray<'a, f64, D>>(rows: impl IntoIterator<Item = V>) -> Self {
        let rows: Vec<ArrayView<'a, f64, D>> = rows.into_iter().map(Into::into).collect();
        let n = rows.len();
        let shape = rows
            .first()
            .map_or_else(|| D::zeros(D::NDIM.unwrap_or(1)), |r| r.raw_dim());
        let mut mean = Array::<f64, D>::zeros(shape.clone());
        for r in &rows {
            Zip::from(&mut mean).and(r).for_each(|m, x| *m += x);
        }
        mean.mapv_inplace(|m| m / n as f64);
        let mut var = Array::<f64, D>::zeros(shape);
        for r in &rows {
            Zip::from(&mut var)
                .and(r)
                .and(&mean)
                .for_each(|s, x, m| *s += (x - m) * (x - m));
        }
        let sem = var.mapv(|s| {
            if n > 1 {
                (s / ((n - 1) as f64) / n as f64).sqrt()
            } else {
                f64::NAN
            }
        });
        Self { mean, sem, n }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn shard_ranges_tile() {
        for n in [0, 1, 7, 1000] {
            for count in 1..9 {
                let mut next = 0;
                for index in 0..count {
                    let r = Shard { index, count }.range(n);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, n);
            }
        }
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 1, count: 4 });
        assert!(
            Shard::parse("0/4").is_err()
                && Shard::parse("5/4").is_err()
                && Shard::parse("x").is_err()
        );
    }

    #[test]
    fn merge_rejects_gaps_and_overlaps() {
        let f = |_: usize, r: &mut ChaCha8Rng| r.random::<u64>();
        let a = run_shard(10, Shard { index: 0, count: 2 }, 3, 1, f).unwrap();
        let b = run_shard(10, Shard { index: 1, count: 2 }, 3, 1, f).unwrap();
        assert!(merge_shards(10, vec![a.clone()]).is_err());
        assert!(merge_shards(10, vec![a.clone(), a.clone(), b.clone()]).is_err());
        let whole = run_shard(10, Shard::WHOLE, 3, 2, f).unwrap();
        assert_eq!(merge_shards(10, vec![b, a]).unwrap(), whole.rows);
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: u64 = realization_rng(7, 0).random();
        let b: u64 = realization_rng(7, 1).random();
        let c: u64 = realization_rng(8, 0).random();
        assert!(a != b && a != c);
        assert_eq!(a, realization_rng(7, 0).random::<u64>());
    }

    #[test]
    fn mean_sem_exact() {
        let rows = vec![vec![1.0, 2.0], vec![3.0, 2.0]];
        let s = MeanSem::from_rows(&rows);
        assert_eq!(s.mean, ndarray::arr1(&[2.0, 2.0]));
        assert_eq!(s.sem, ndarray::arr1(&[1.0, 0.0]));
        // (time, bin) histograms: element by element, same numbers as the flat rows
        let grids = [
            ndarray::arr2(&[[1.0, 2.0], [5.0, 0.5]]),
            ndarray::arr2(&[[3.0, 2.0], [1.0, 0.25]]),
        ];
        let g = MeanSem::from_rows(&grids);
        let flat: Vec<Vec<f64>> = grids.iter().map(|a| a.iter().copied().collect()).collect();
        let f = MeanSem::from_rows(&flat);
        assert_eq!(g.mean[[1, 0]], 3.0);
        assert_eq!(g.sem[[0, 0]], 1.0);
        assert_eq!(g.mean.iter().copied().collect::<Vec<_>>(), f.mean.to_vec());
        assert_eq!(g.sem.iter().copied().collect::<Vec<_>>(), f.sem.to_vec());
    }
}
