//! Stage I/O: atomic Parquet and JSON outputs, typed JSON inputs and typed provenance records.
//! Writes are atomic: a temporary file in the destination directory, fsynced, then renamed
//! (see [`pipeline::write_atomic`]). Parquet reading is the contract's ([`contract::frame`]).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use contract::{Record, Table};
use pipeline::StageContext;
use polars_core::prelude::DataFrame;
use polars_io::prelude::{ParquetWriter, StatisticsOptions};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use contract::frame::{
    column_cat, column_f64, column_opt_f64, column_opt_u32, column_str, read_parquet,
};

/// Write `df` to the output `table` of the running stage, atomically. Returns the path.
pub fn write_parquet(
    ctx: &StageContext,
    table: Table,
    df: &mut DataFrame,
) -> anyhow::Result<PathBuf> {
    let path = ctx.output(table.path())?;
    write_parquet_path(&path, df)?;
    Ok(path)
}

/// Write `df` atomically to `path` (zstd-compressed Parquet, with column statistics).
pub fn write_parquet_path(path: &Path, df: &mut DataFrame) -> anyhow::Result<()> {
    pipeline::write_atomic(path, |f| {
        ParquetWriter::new(f)
            .with_statistics(StatisticsOptions::default())
            .finish(df)
            .map(|_| ())
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
    .with_context(|| format!("writing {}", path.display()))
}

/// Write `value` as pretty JSON to the output `table`, atomically.
pub fn write_json(ctx: &StageContext, table: Table, value: &impl Serialize) -> anyhow::Result<()> {
    let path = ctx.output(table.path())?;
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    pipeline::write_atomic(&path, |f| std::io::Write::write_all(f, text.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))
}

/// Read the JSON input `table` (an output of a dependency) as `T`.
pub fn read_json<T: DeserializeOwned>(ctx: &StageContext, table: Table) -> anyhow::Result<T> {
    let path = ctx.input(table.path())?;
    let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Read the Parquet input `table` (an output of a dependency).
pub fn read_table(ctx: &StageContext, table: Table) -> anyhow::Result<DataFrame> {
    Ok(read_parquet(&ctx.input(table.path())?)?)
}

/// Record the stage's typed provenance in the manifest (under [`Record::KEY`]).
pub fn record<R: Record>(ctx: &StageContext, r: &R) -> anyhow::Result<()> {
    ctx.record(R::KEY, serde_json::to_value(r)?);
    Ok(())
}

/// A stage's invariant: every computed value is finite (a NaN or infinity fails the stage).
pub fn ensure_finite(what: &str, values: &[f64]) -> anyhow::Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => anyhow::bail!("{what}: value {i} is {} (not finite)", values[i]),
    }
}

/// Tests: write `value` as the JSON input `table` of a standalone context rooted at `root`.
#[cfg(test)]
pub(crate) fn put_json(root: &Path, table: Table, value: &impl Serialize) {
    let path = root.join(pipeline::resolve(
        table.path(),
        pipeline::context::STANDALONE,
    ));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string(value).unwrap()).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::df;

    #[test]
    fn parquet_round_trip_is_exact() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = StageContext::standalone(dir.path(), "t", &[Table::Transport.path()]);
        let x: Vec<f64> = (0..100).map(|i| (i as f64 * 0.1).sin() / 3.0).collect();
        let tags: Vec<&str> = (0..100)
            .map(|i| if i % 2 == 0 { "classical" } else { "fermionic" })
            .collect();
        let mut df = df!("statistics" => &tags, "x" => &x).unwrap();
        let p = write_parquet(&ctx, Table::Transport, &mut df).unwrap();
        let back = read_parquet(&p).unwrap();
        assert_eq!(
            column_f64(&back, "x").unwrap(),
            x,
            "f64 bit-exact round trip"
        );
        let stats: Vec<contract::swap::Statistics> = column_cat(&back, "statistics").unwrap();
        assert_eq!(stats[1], contract::swap::Statistics::Fermionic);
        // Only the final file: no temporaries left behind.
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
        assert!(write_parquet(&ctx, Table::Fig5Md, &mut df).is_err());
    }
}
