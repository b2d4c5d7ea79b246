//! Hashes every code unit of the workspace (see `src/code_units.rs`) and writes the table the
//! CLI hands to the pipeline: a stage's code version covers only the units it runs.
//!
//! It lives in `xtask` (not in `pipeline` or `reproduce`) so that a source edit only relinks
//! the CLI instead of recompiling the crates that depend on it.

#[path = "src/code_units.rs"]
#[allow(dead_code)]
mod code_units;

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let ws = manifest.parent().expect("xtask inside the workspace");
    for c in code_units::WHOLE_CRATES
        .iter()
        .chain(code_units::FILE_CRATES.iter())
    {
        let dir = ws.join("crates").join(c);
        println!("cargo:rerun-if-changed={}", dir.join("src").display());
        println!(
            "cargo:rerun-if-changed={}",
            dir.join("Cargo.toml").display()
        );
    }
    println!("cargo:rerun-if-changed={}", ws.join("Cargo.lock").display());
    println!("cargo:rerun-if-changed=src/code_units.rs");
    let units = code_units::scan(ws);
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("code_units.rs");
    std::fs::write(&out, code_units::render(&units)).expect("writing the code unit table");
}
