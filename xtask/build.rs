//! Computes the code version at build time: a blake3 hash of the workspace sources
//! (`crates/**` and `xtask/**` `.rs` and `Cargo.toml`, plus `Cargo.lock`; integration tests,
//! benches and examples excluded: they do not change any output), so it works
//! without git. The git commit (if any) is looked up at run time, for provenance only.
//!
//! It lives in `xtask` (not in `pipeline`) so that a source edit only relinks the CLI
//! instead of recompiling `pipeline` and everything that depends on it.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        // tests, benches and examples do not change what a stage computes: editing them must
        // not invalidate every output of a long (paper-profile) run
        if name.starts_with('.')
            || matches!(name.as_ref(), "target" | "tests" | "benches" | "examples")
        {
            continue;
        }
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(&p, out);
        } else if name.ends_with(".rs") || name == "Cargo.toml" {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let ws = manifest.parent().expect("xtask inside the workspace");
    let mut files = Vec::new();
    for sub in ["crates", "xtask"] {
        println!("cargo:rerun-if-changed={}", ws.join(sub).display());
        collect(&ws.join(sub), &mut files);
    }
    for top in ["Cargo.toml", "Cargo.lock"] {
        files.push(ws.join(top));
    }
    files.sort();
    let mut h = blake3::Hasher::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(ws).unwrap_or(f);
        h.update(rel.to_string_lossy().as_bytes());
        h.update(&[0]);
        if let Ok(bytes) = std::fs::read(f) {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    let hex = h.finalize().to_hex();
    println!("cargo:rustc-env=BURGERS_CODE_VERSION={}", &hex[..16]);
}
