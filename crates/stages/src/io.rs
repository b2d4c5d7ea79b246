//! Parquet I/O for stage outputs (polars). Writes are atomic: a temporary file in the
//! destination directory, fsynced, then renamed (see [`pipeline::write_atomic`]).

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use pipeline::StageContext;
use polars::prelude::{
    DataFrame, DataType, ParquetReader, ParquetWriter, SerReader, StatisticsOptions,
};

/// Write `df` to the declared output `rel` (e.g. `"data/transport_swap.parquet"`) of the
/// running stage, atomically. Returns the absolute path written.
pub fn write_parquet(ctx: &StageContext, rel: &str, df: &mut DataFrame) -> anyhow::Result<PathBuf> {
    let path = ctx.output(rel)?;
    write_parquet_path(&path, df)?;
    Ok(path)
}

/// Write `df` atomically to `path` (zstd-compressed Parquet, with column statistics).
pub fn write_parquet_path(path: &Path, df: &mut DataFrame) -> anyhow::Result<()> {
    let mut err = None;
    pipeline::write_atomic(path, |f| {
        ParquetWriter::new(f)
            .with_statistics(StatisticsOptions::default())
            .finish(df)
            .map(|_| ())
            .map_err(|e| {
                let msg = e.to_string();
                err = Some(e);
                std::io::Error::other(msg)
            })
    })
    .with_context(|| format!("writing {}", path.display()))?;
    drop(err);
    Ok(())
}

/// Read a whole Parquet file.
pub fn read_parquet(path: &Path) -> anyhow::Result<DataFrame> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    ParquetReader::new(f)
        .finish()
        .with_context(|| format!("reading {}", path.display()))
}

/// A column of `df` as `f64` values (casting if needed); errors on nulls.
pub fn column_f64(df: &DataFrame, name: &str) -> anyhow::Result<Vec<f64>> {
    let s = df
        .column(name)
        .with_context(|| format!("column `{name}`"))?
        .cast(&DataType::Float64)?;
    s.f64()?
        .iter()
        .enumerate()
        .map(|(i, v)| v.with_context(|| format!("column `{name}` row {i} is null")))
        .collect()
}

/// A column of `df` as strings; errors on nulls.
pub fn column_str(df: &DataFrame, name: &str) -> anyhow::Result<Vec<String>> {
    let c = df
        .column(name)
        .with_context(|| format!("column `{name}`"))?;
    c.str()?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.map(str::to_owned)
                .with_context(|| format!("column `{name}` row {i} is null"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::df;

    #[test]
    fn parquet_round_trip_is_exact() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = StageContext::standalone(dir.path(), "t", &["data/t.parquet"]);
        let x: Vec<f64> = (0..100).map(|i| (i as f64 * 0.1).sin() / 3.0).collect();
        let tags: Vec<&str> = (0..100)
            .map(|i| if i % 2 == 0 { "classical" } else { "fermionic" })
            .collect();
        let mut df = df!("statistics" => &tags, "x" => &x).unwrap();
        let p = write_parquet(&ctx, "data/t.parquet", &mut df).unwrap();
        let back = read_parquet(&p).unwrap();
        assert_eq!(
            column_f64(&back, "x").unwrap(),
            x,
            "f64 bit-exact round trip"
        );
        assert_eq!(column_str(&back, "statistics").unwrap(), tags);
        // Only the final file: no temporaries left behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("data")).unwrap().count(),
            1
        );
        assert!(write_parquet(&ctx, "data/undeclared.parquet", &mut df).is_err());
    }
}
