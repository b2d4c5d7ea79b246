//! The `cargo xtask` command line of `burgers-repro` (see `main.rs`), and the code-unit table
//! its build script generates ([`code_versions`]).

pub mod code_units;

/// The table written by `build.rs` (generated: every code unit's hash and references).
mod table {
    include!(concat!(env!("OUT_DIR"), "/code_units.rs"));
}

/// Hashes of this build's code units and their references: what stage code versions are made of.
pub fn code_versions() -> pipeline::CodeVersions {
    pipeline::CodeVersions::from_table(table::UNITS, table::EDGES)
}

/// `code_versions` as computed from the sources at `root` now (tests edit a copy and compare).
pub fn code_versions_of(root: &std::path::Path) -> pipeline::CodeVersions {
    let units = code_units::scan(root);
    let hashes: Vec<(&str, &str)> = units
        .hashes
        .iter()
        .map(|(u, h)| (u.as_str(), h.as_str()))
        .collect();
    let edges: Vec<(String, Vec<&str>)> = units
        .edges
        .iter()
        .map(|(u, e)| (u.clone(), e.iter().map(String::as_str).collect()))
        .collect();
    let edges: Vec<(&str, &[&str])> = edges
        .iter()
        .map(|(u, e)| (u.as_str(), e.as_slice()))
        .collect();
    pipeline::CodeVersions::from_table(&hashes, &edges)
}
