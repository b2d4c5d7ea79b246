//! Generic pipeline engine for `burgers-repro`.
//!
//! The engine knows nothing about physics: it is generic over a stage-kind type
//! `K: StageKind` (in this workspace `reproduce::Kind`, an internally tagged enum).
//! It parses and validates `pipeline.yaml`, orders the stage graph, fingerprints
//! every stage (kind, parameters, inputs and the code the stage declares it runs), skips
//! fresh stages, runs the rest (independent ones in parallel), writes every output
//! atomically and records provenance in `data/<profile>/manifest.json`.
//!
//! Outputs are kept per profile: every output path a kind declares contains the placeholder
//! [`PROFILE`] (`data/{profile}/fig4.parquet`), which the engine replaces by the profile name.

pub mod atomic;
pub mod code;
pub mod config;
pub mod context;
pub mod diff;
pub mod engine;
pub mod error;
pub mod executor;
pub mod fingerprint;
pub mod manifest;
pub mod progress;
pub mod validate;
pub mod version;
pub mod yaml;

pub use atomic::{write_atomic, write_atomic_path};
pub use code::CodeVersions;
pub use config::{Config, ConfigError, ConfigErrors, Stage};
pub use context::StageContext;
pub use engine::{Freshness, Pipeline, RunOptions, RunReport, StageStatus, Stale};
pub use error::{Error, FieldError};
pub use executor::{Executor, SlurmOptions};
pub use progress::Progress;

/// The placeholder every output path contains; the engine replaces it by the profile name,
/// so one profile never writes another's files.
pub const PROFILE: &str = "{profile}";

/// Where stages keep intermediate files ([`StageContext::shard_dir`]), one folder per stage.
pub const SHARD_ROOT: &str = "data/{profile}/shards";

/// Replace [`PROFILE`] in `path` by `profile`.
pub fn resolve(path: &str, profile: &str) -> String {
    path.replace(PROFILE, profile)
}

/// A kind of pipeline stage: its parameters (the serde representation), what it writes and
/// reads, the code it runs, and how to run it.
///
/// The `Serialize` representation (profile applied) is what enters the stage fingerprint,
/// through canonical JSON, so two parameter sets that serialize equally are the same stage.
pub trait StageKind: serde::de::DeserializeOwned + serde::Serialize + Send + Sync {
    /// Physical-range validation of the parameters: one [`FieldError`] per problem,
    /// each naming the field path inside `params` (e.g. `"bath.gamma"`).
    fn validate(&self) -> Vec<FieldError>;

    /// Output paths relative to the pipeline root, each containing [`PROFILE`]
    /// (`data/{profile}/fig4.parquet`). Every one must be written by [`StageKind::run`].
    fn outputs(&self) -> Vec<String>;

    /// Outputs of other stages this stage reads (paths as their producers declare them).
    /// Each must be an output of one of the stage's `deps` in `pipeline.yaml`.
    fn inputs(&self) -> Vec<String>;

    /// The code units whose source can change this stage's outputs (names known to the
    /// [`CodeVersions`] the pipeline is built with). The stage's code version, part of its
    /// fingerprint, is a hash of exactly these units: editing any other code leaves it fresh.
    fn code(&self) -> Vec<String>;

    /// Compute the stage, writing every declared output through `ctx`.
    fn run(&self, ctx: &StageContext) -> anyhow::Result<()>;
}
