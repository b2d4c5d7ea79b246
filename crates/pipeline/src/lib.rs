//! Generic pipeline engine for `burgers-repro`.
//!
//! The engine knows nothing about physics: it is generic over a stage-kind type
//! `K: StageKind` (in this workspace `stages::Kind`, an internally tagged enum).
//! It parses and validates `pipeline.yaml`, orders the stage graph, fingerprints
//! every stage, skips fresh stages, runs the rest (independent ones in parallel),
//! writes every output atomically and records provenance in `data/manifest.json`.

pub mod atomic;
pub mod config;
pub mod context;
pub mod engine;
pub mod error;
pub mod fingerprint;
pub mod manifest;
pub mod progress;
pub mod validate;
pub mod version;
pub mod yaml;

pub use atomic::{write_atomic, write_atomic_path};
pub use config::{Config, ConfigError, ConfigErrors, Stage};
pub use context::StageContext;
pub use engine::{Freshness, Pipeline, RunOptions, RunReport, StageStatus};
pub use error::{Error, FieldError};
pub use progress::Progress;

/// A kind of pipeline stage: its parameters (the serde representation) and how to run it.
///
/// The `Serialize` representation (profile applied) is what enters the stage fingerprint,
/// through canonical JSON, so two parameter sets that serialize equally are the same stage.
pub trait StageKind: serde::de::DeserializeOwned + serde::Serialize + Send + Sync {
    /// Physical-range validation of the parameters: one [`FieldError`] per problem,
    /// each naming the field path inside `params` (e.g. `"bath.gamma"`).
    fn validate(&self) -> Vec<FieldError>;

    /// Compute the stage, writing every declared output through `ctx`.
    fn run(&self, ctx: &StageContext) -> anyhow::Result<()>;
}
