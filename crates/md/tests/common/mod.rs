//! Helpers shared by the md integration tests.

use md::{CellAlgorithm, LatticeStationary};

/// Second moment `sum_k q_k v_k^2` of the bath's level weights (the velocity variance of a
/// freshly scattered fermion on the lattice of `algo`), over |v| <= 80 (bath negligible beyond).
pub fn lattice_second_moment(algo: &CellAlgorithm) -> f64 {
    let (k0, k1) = (algo.level(-80.0), algo.level(80.0));
    let q = LatticeStationary::level_weights(algo, k0, k1);
    (k0..=k1)
        .zip(&q)
        .map(|(k, q)| q * algo.velocity(k).powi(2))
        .sum()
}
