//! Molecular dynamics of the stochastic velocity-swap models (paper Sec. III.C, Sec. VI, App. C).
//!
//! Units hbar = m = k_B = 1. A system particle collides with the frozen classical bath at the
//! constant rate `gamma * rho_b` (W = gamma in (19)); a collision swaps its velocity with a bath
//! particle, i.e. the new velocity is drawn from the normalised bath distribution
//! `rho_p^(b)(lambda) / rho_b` (eq. (104) for the Bragg-split bath).
//!
//! * [`classical`]: chi = 0, kinetic equation (38). Every particle is an independent
//!   velocity-jump process, simulated exactly (event driven, exponential waiting times).
//! * [`fermionic`]: chi = 1, kinetic equation (39). The cell algorithm of Appendix C with the
//!   erratum of docs/physics.md §3 fixed: exact thinning of proposals at the classical rate inside each
//!   cell over a time step (reproduces the blocked rate (C2)), then free streaming.
//! * [`ensemble`]: per-realization xoshiro256++ streams, rayon ensembles, sharding and merging,
//!   ensemble means and standard errors.
//! * [`sampler`]: exact sampler of the bath's Gaussian mixture; the bath law itself is
//!   [`kinetic::Bath`].

// `!(x > 0.0)` is used on purpose: it also rejects NaN parameters.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod classical;
pub mod ensemble;
pub mod fermionic;
pub mod sampler;

pub use classical::{Bins, BumpPositions, GaussianBump, HomogeneousObs, JumpProcess, wrap};
pub use ensemble::{
    MeanSem, RealizationRng, Shard, ShardOutput, merge_shards, realization_rng, run_range,
    run_shard,
};
pub use fermionic::{
    CellAlgorithm, CellCounters, DuplicateRule, FermionicState, LatticeStationary, Membership,
    canonical_occupations,
};
pub use sampler::{AliasTable, HalfWords, MixtureSampler};

/// Errors of the molecular-dynamics library.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MdError {
    /// A parameter is outside its physical range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// parameter name
        name: &'static str,
        /// why it is invalid
        reason: String,
    },
    /// Shards given to [`merge_shards`] do not tile the realization range exactly once.
    #[error("shards do not tile 0..{n_realizations}: {reason}")]
    BadShards {
        /// total number of realizations
        n_realizations: usize,
        /// what is wrong
        reason: String,
    },
    /// The bath given to [`MixtureSampler::from_bath`] is not a valid mixture.
    #[error("bath: {0}")]
    Bath(#[from] kinetic::KineticError),
}

pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> MdError {
    MdError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}
