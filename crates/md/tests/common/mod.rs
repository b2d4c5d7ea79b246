//! Helpers shared by the md integration tests.

use md::{CellAlgorithm, LatticeStationary, MixtureSampler};

/// Sampler of the Bragg bath (104) `kinetic::Bath::bragg(sigma, lambda_b, b, 1)` (the samplers
/// draw from the normalised law; rho_b enters the simulators through their rate).
pub fn bragg(sigma: f64, lambda_b: f64, b: f64) -> MixtureSampler {
    MixtureSampler::from_bath(&kinetic::Bath::bragg(sigma, lambda_b, b, 1.0).unwrap()).unwrap()
}

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
