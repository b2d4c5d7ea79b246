//! The tests that link the whole producer and auditor (`reproduce`, `audit`, `pipeline`), as
//! one test binary: each integration-test file is its own binary, and linking these crates three
//! times cost ~20 s of a clean CI build. Run one module with
//! `cargo test --release -p xtask --test workspace <module>::`.

use std::path::{Path, PathBuf};

mod code_versions;
mod fig5_small;
mod regression_reference;

/// The workspace root (this crate's parent directory).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}
