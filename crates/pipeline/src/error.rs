//! Error types.

use std::fmt;

/// A problem with one parameter of a stage, found by [`crate::StageKind::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field path inside the stage's `params`, dot-separated (`"bath.b"`, `"rho_grid[2]"`).
    pub path: String,
    /// Why the value is rejected (e.g. `"must be > 0, got -1"`).
    pub reason: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Errors of the pipeline engine (stage failures are reported in [`crate::RunReport`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] crate::ConfigErrors),
    #[error("unknown stage `{0}` (see `cargo xtask list`)")]
    UnknownStage(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "stage `{stage}` changed since its work was submitted (fingerprint {expected}, now {found}): rerun `cargo xtask reproduce`"
    )]
    FingerprintChanged {
        stage: String,
        expected: String,
        found: String,
    },
    #[error("cannot start the thread pool of {jobs} threads: {source}")]
    ThreadPool {
        jobs: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    #[error("manifest {}: {source}", path.display())]
    Manifest {
        path: std::path::PathBuf,
        #[source]
        source: serde_json::Error,
    },
}
