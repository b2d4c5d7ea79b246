//! The stage kinds of `burgers-repro`: one module per stage family, each with a params
//! struct per stage kind (`#[serde(deny_unknown_fields)]`), its `validate` and `run`.
//! Shared helpers: [`io`] (atomic Parquet) and [`plot`] (embedded font, PNG+SVG).
//!
//! To add a stage kind: add its module below, one variant to [`Kind`] and one arm in
//! each `match` of the `StageKind` impl, and its entries in `pipeline.yaml`.

use pipeline::{FieldError, StageContext, StageKind};
use serde::{Deserialize, Serialize};

pub mod io;
pub mod plot;
pub mod verify;

/// Every stage kind; `kind: snake_case_name` in `pipeline.yaml` selects the variant,
/// the stage's `params` are the variant's fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// Placeholder until the first physics stage lands (writes nothing, accepts no params).
    Placeholder(Placeholder),
}

/// Parameters of [`Kind::Placeholder`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placeholder {}

impl StageKind for Kind {
    fn validate(&self) -> Vec<FieldError> {
        match self {
            Kind::Placeholder(_) => Vec::new(),
        }
    }

    fn run(&self, _ctx: &StageContext) -> anyhow::Result<()> {
        match self {
            Kind::Placeholder(_) => Ok(()),
        }
    }
}
