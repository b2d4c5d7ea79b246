//! Git commit of the workspace, for provenance only. The code versions that enter the
//! fingerprints are per stage ([`crate::code`]).

use std::path::Path;
use std::process::Command;

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
