//! Code version (hash of workspace sources at build time) and git commit (provenance only).

use std::path::Path;
use std::process::Command;

/// First 16 hex digits of the blake3 hash of the workspace sources (see `build.rs`).
pub const CODE_VERSION: &str = env!("BURGERS_CODE_VERSION");

/// The git commit of `root` (`<sha>` or `<sha>-dirty`), or `None` without git.
/// Recorded in the manifest for provenance only; it never enters fingerprints.
pub fn git_commit(root: &Path) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let sha = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    let dirty = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .is_some_and(|o| o.status.success() && !o.stdout.is_empty());
    Some(if dirty { format!("{sha}-dirty") } else { sha })
}
