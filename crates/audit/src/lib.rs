//! The auditor of `burgers-repro`: every check of the paper's numerical claims, recomputed from
//! the data the pipeline wrote (Parquet tables, JSON setups and the typed provenance records of
//! the manifest), the CI regression of every figure's data against a committed reference
//! (`tests/reference/<profile>.json`), SVG provenance, and the generated `AUDIT.md`.
//!
//! It never imports the producer: what it reads is defined by the `contract` crate. Stages
//! record raw diagnostics; every judgement (statistics, thresholds, convergence verdicts) is
//! made here, once ([`stats`], [`check::Rule`]). Editing this crate reruns no stage.
//!
//! - [`checks`]: one module per figure family, each turning data into [`Check`]s and regression
//!   quantities;
//! - [`claim`]: the claims and how their verdicts follow from their checks;
//! - [`regression`]: the committed-reference comparison;
//! - [`report`]: the rendering of `AUDIT.md`.

// NaN-rejecting comparisons are written `!(x >= bound)` on purpose.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod check;
pub mod checks;
pub mod claim;
pub mod convergence;
pub mod regression;
pub mod report;
pub mod stats;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
pub use check::{Check, Outcome, Rule};
pub use claim::Claim;
use contract::{Figure, Record, Table};
use pipeline::manifest::{Manifest, StageRecord};

/// The data an audit reads: the pipeline root, the profile's manifest, which stage wrote each
/// output, and every stage's parameters.
pub struct Data {
    pub root: PathBuf,
    pub profile: String,
    pub manifest: Manifest,
    /// Output (profile resolved) -> stage name.
    pub producers: BTreeMap<String, String>,
    /// Stage -> canonical parameters (profile applied) from `pipeline.yaml`.
    pub params: BTreeMap<String, serde_json::Value>,
}

impl Data {
    /// Build from a loaded pipeline (the caller has checked freshness).
    pub fn from_pipeline<K: pipeline::StageKind>(p: &pipeline::Pipeline<K>) -> Self {
        let (manifest, _) = Manifest::load(&p.manifest_path());
        let mut producers = BTreeMap::new();
        for s in &p.config.stages {
            for o in &s.outputs {
                producers.insert(o.clone(), s.name.clone());
            }
        }
        Self {
            root: p.root().to_owned(),
            profile: p.profile().to_owned(),
            manifest,
            producers,
            params: config_params(p),
        }
    }

    fn resolved(&self, path: &str) -> String {
        pipeline::resolve(path, &self.profile)
    }

    /// Absolute path of `table`, if some stage of the pipeline writes it.
    pub fn table(&self, table: Table) -> Option<PathBuf> {
        let rel = self.resolved(table.path());
        self.producers
            .contains_key(&rel)
            .then(|| self.root.join(rel))
    }

    /// `table`'s path relative to the root, for this profile (evidence columns, links).
    pub fn rel(&self, table: Table) -> String {
        self.resolved(table.path())
    }

    /// `table` read, if some stage writes it.
    pub fn read(&self, table: Table) -> anyhow::Result<Option<polars_core::prelude::DataFrame>> {
        match self.table(table) {
            None => Ok(None),
            Some(p) => Ok(Some(contract::frame::read_parquet(&p)?)),
        }
    }

    /// A JSON table (a setup) of type `T`, if some stage writes it.
    pub fn json<T: serde::de::DeserializeOwned>(&self, table: Table) -> anyhow::Result<Option<T>> {
        match self.table(table) {
            None => Ok(None),
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("reading {}", p.display()))?;
                Ok(Some(
                    serde_json::from_str(&text)
                        .with_context(|| format!("parsing {}", p.display()))?,
                ))
            }
        }
    }

    /// Manifest record of the stage writing `table`.
    pub fn stage_record(&self, table: Table) -> Option<&StageRecord> {
        self.producers
            .get(&self.resolved(table.path()))
            .and_then(|s| self.manifest.stages.get(s))
    }

    /// The typed provenance record `R` of the stage writing `table`.
    pub fn record<R: Record>(&self, table: Table) -> anyhow::Result<R> {
        let rec = self
            .stage_record(table)
            .with_context(|| format!("no manifest record for the stage writing {table:?}"))?;
        let v = rec.records.get(R::KEY).with_context(|| {
            format!(
                "the manifest record of the stage writing {table:?} has no `{}` entry",
                R::KEY
            )
        })?;
        serde_json::from_value(v.clone())
            .with_context(|| format!("record `{}` of the stage writing {table:?}", R::KEY))
    }

    /// The figure a stage's outputs belong to (for messages), `-` if none.
    pub fn figure_of_stage(&self, stage: &str) -> String {
        self.producers
            .iter()
            .filter(|(_, s)| *s == stage)
            .find_map(|(o, _)| {
                Table::from_path(o, &self.profile)
                    .map(Table::figure)
                    .or_else(|| {
                        Figure::ALL.into_iter().find(|f| {
                            f.files()
                                .iter()
                                .any(|x| pipeline::resolve(x, &self.profile) == *o)
                        })
                    })
            })
            .map_or_else(|| "-".to_owned(), |f| f.name().to_owned())
    }
}

/// Stage -> canonical parameters (profile applied), as they enter the fingerprints.
pub fn config_params<K: pipeline::StageKind>(
    p: &pipeline::Pipeline<K>,
) -> BTreeMap<String, serde_json::Value> {
    p.config
        .stages
        .iter()
        .map(|s| (s.name.clone(), s.params.clone()))
        .collect()
}

/// Refusal message when data are missing or stale: which stages and the command to run.
pub fn staleness_message<K: pipeline::StageKind>(p: &pipeline::Pipeline<K>) -> Option<String> {
    let stale: Vec<String> = p
        .status()
        .into_iter()
        .filter(|s| !s.freshness.is_fresh())
        .map(|s| format!("  {}: {}", s.name, s.freshness))
        .collect();
    if stale.is_empty() {
        return None;
    }
    Some(format!(
        "refusing to verify: {} stage{} of profile `{}` missing or stale:\n{}\nrun `cargo xtask reproduce --profile {}` first",
        stale.len(),
        if stale.len() == 1 { "" } else { "s" },
        p.profile(),
        stale.join("\n"),
        p.profile()
    ))
}

/// Every SVG output: its `<metadata>` stamp against its manifest record, and its texts
/// ([`figtext::svg_problems`]: no float noise, at most 4 significant digits in a number, every
/// glyph in the embedded font, every text inside the canvas and overlapping no other text).
pub fn provenance_checks(data: &Data) -> Vec<Check> {
    let mut out = Vec::new();
    for (rel, stage) in &data.producers {
        if !rel.ends_with(".svg") {
            continue;
        }
        let Some(rec) = data.manifest.stages.get(stage) else {
            continue;
        };
        let text = std::fs::read_to_string(data.root.join(rel)).unwrap_or_default();
        let want = format!(
            "fingerprint={} code_version={}",
            rec.fingerprint, rec.code_version
        );
        let ok = text.contains(&want);
        out.push(Check::new(
            &[Claim::Provenance],
            format!("provenance[{rel}]"),
            if ok {
                format!(
                    "stamp matches manifest ({})",
                    &rec.fingerprint[..12.min(rec.fingerprint.len())]
                )
            } else {
                "SVG <metadata> stamp differs from the manifest".into()
            },
            Rule::Holds {
                what: "stage fingerprint and code version in SVG metadata",
                holds: ok,
            },
            rel.clone(),
        ));
        let problems = figtext::svg_problems(&text);
        let n_texts = figtext::parse(&text).map_or(0, |(_, t)| t.len());
        out.push(Check::new(
            &[Claim::Provenance],
            format!("figure_text[{rel}]"),
            match problems.first() {
                None => format!("{n_texts} texts: no float noise, inside the canvas, no overlaps"),
                Some(p) => format!("{} problem(s), e.g. {p}", problems.len()),
            },
            Rule::CountAtMost {
                count: problems.len(),
                bound: 0,
            },
            rel.clone(),
        ));
    }
    out
}

/// Everything `verify` computes.
pub struct Report {
    pub checks: Vec<Check>,
    pub summary: regression::Summary,
}

/// Run every agreement check and build the regression summary (no reference comparison).
pub fn run(data: &Data) -> Report {
    let mut summary = regression::Summary::default();
    let mut checks = checks::all(data, &mut summary);
    checks.extend(provenance_checks(data));
    summary.params = data.params.clone();
    Report { checks, summary }
}

/// Path of the committed reference of a profile.
pub fn reference_path(root: &Path, profile: &str) -> PathBuf {
    root.join("tests/reference").join(format!("{profile}.json"))
}
