//! Per-stage code versions.
//!
//! The build (`xtask/build.rs`) hashes every *code unit* of the workspace (a physics crate as a
//! whole, one source file of the producer or of the contract, each with the versions of the
//! external packages it uses) and finds which units each unit references. A stage kind names
//! its entry units ([`crate::StageKind::code`]); its code version is a hash of the units
//! reachable from them, so an edit reruns exactly the stages whose outputs it can change.

use std::collections::{BTreeMap, BTreeSet};

/// Hash of every code unit known to the build and the units each references.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeVersions {
    units: Option<BTreeMap<String, String>>,
    edges: BTreeMap<String, Vec<String>>,
}

/// Hash used for every unit when the pipeline is built without code versions (tests, tools).
pub const UNVERSIONED: &str = "unversioned";

impl CodeVersions {
    /// No versions: every unit hashes to [`UNVERSIONED`] (tests and tools).
    pub fn unversioned() -> Self {
        Self::default()
    }

    /// The table of the build: `(unit, hash)` and `(unit, referenced units)`. A stage naming a
    /// unit missing from `units` is a configuration error.
    pub fn from_table(units: &[(&str, &str)], edges: &[(&str, &[&str])]) -> Self {
        Self {
            units: Some(
                units
                    .iter()
                    .map(|(u, h)| ((*u).to_owned(), (*h).to_owned()))
                    .collect(),
            ),
            edges: edges
                .iter()
                .map(|(u, e)| ((*u).to_owned(), e.iter().map(|x| (*x).to_owned()).collect()))
                .collect(),
        }
    }

    /// Units without edges.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self::from_table(pairs, &[])
    }

    /// Hash of `unit`, `None` when the build does not know it.
    pub fn get(&self, unit: &str) -> Option<&str> {
        match &self.units {
            None => Some(UNVERSIONED),
            Some(m) => m.get(unit).map(String::as_str),
        }
    }

    /// Every unit, when versioned.
    pub fn units(&self) -> Option<&BTreeMap<String, String>> {
        self.units.as_ref()
    }

    /// Replace the hash of one unit (tests simulate an edit with it).
    pub fn with_unit(mut self, unit: &str, hash: &str) -> Self {
        self.units
            .get_or_insert_with(BTreeMap::new)
            .insert(unit.to_owned(), hash.to_owned());
        self
    }

    /// The units reachable from `entries` over the references.
    pub fn closure(&self, entries: &[String]) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = entries.iter().collect();
        while let Some(u) = stack.pop() {
            if seen.insert(u.clone())
                && let Some(e) = self.edges.get(u)
            {
                stack.extend(e.iter());
            }
        }
        seen
    }

    /// `unit -> hash` over the closure of `entries` (unknown units map to `"unknown"`, which
    /// configuration validation has already reported).
    pub fn of(&self, entries: &[String]) -> BTreeMap<String, String> {
        self.closure(entries)
            .into_iter()
            .map(|u| {
                let h = self.get(&u).unwrap_or("unknown").to_owned();
                (u, h)
            })
            .collect()
    }
}

/// The code version of a stage: blake3 over its units and their hashes (order-independent).
pub fn stage_code_version(units: &BTreeMap<String, String>) -> String {
    let mut h = blake3::Hasher::new();
    for (u, v) in units {
        h.update(&(u.len() as u64).to_le_bytes());
        h.update(u.as_bytes());
        h.update(&(v.len() as u64).to_le_bytes());
        h.update(v.as_bytes());
    }
    h.finalize().to_hex()[..16].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_version_covers_the_closure_of_the_entries_only() {
        let cv = CodeVersions::from_table(
            &[("md", "1"), ("tg", "2"), ("fig.rs", "3"), ("io.rs", "4")],
            &[("fig.rs", &["io.rs", "md"])],
        );
        let entries = vec!["fig.rs".to_owned()];
        assert_eq!(
            cv.closure(&entries).into_iter().collect::<Vec<_>>(),
            ["fig.rs", "io.rs", "md"]
        );
        let a = stage_code_version(&cv.of(&entries));
        assert_eq!(
            a,
            stage_code_version(&cv.clone().with_unit("tg", "9").of(&entries))
        );
        assert_ne!(
            a,
            stage_code_version(&cv.clone().with_unit("io.rs", "9").of(&entries))
        );
        assert_eq!(cv.get("hydro"), None);
        assert_eq!(CodeVersions::unversioned().get("hydro"), Some(UNVERSIONED));
    }
}
