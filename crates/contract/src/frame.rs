//! Reading the Parquet tables (polars): whole files, typed columns, and categorical columns as
//! their enums, so a value outside its category is an error naming the column and the row.

use std::fs::File;
use std::path::Path;
use std::str::FromStr;

use polars_core::prelude::{DataFrame, DataType};
use polars_io::prelude::{ParquetReader, SerReader};

use crate::UnknownValue;

/// Error reading a table.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("{path}: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Polars {
        context: String,
        #[source]
        source: polars_core::error::PolarsError,
    },
    #[error("column `{column}` row {row} is null")]
    Null { column: String, row: usize },
    #[error("column `{column}` row {row}: {source}")]
    Category {
        column: String,
        row: usize,
        #[source]
        source: UnknownValue,
    },
}

fn polars(
    context: impl Into<String>,
) -> impl FnOnce(polars_core::error::PolarsError) -> FrameError {
    let context = context.into();
    move |source| FrameError::Polars { context, source }
}

/// Read a whole Parquet file.
pub fn read_parquet(path: &Path) -> Result<DataFrame, FrameError> {
    let f = File::open(path).map_err(|source| FrameError::Open {
        path: path.display().to_string(),
        source,
    })?;
    ParquetReader::new(f)
        .finish()
        .map_err(polars(format!("reading {}", path.display())))
}

/// A column as `f64` values with nulls kept (casting if needed).
pub fn column_opt_f64(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, FrameError> {
    let c = df
        .column(name)
        .and_then(|c| c.cast(&DataType::Float64))
        .map_err(polars(format!("column `{name}`")))?;
    let ca = c.f64().map_err(polars(format!("column `{name}`")))?;
    Ok(ca.iter().collect())
}

/// A column as `f64` values (casting if needed); errors on nulls.
pub fn column_f64(df: &DataFrame, name: &str) -> Result<Vec<f64>, FrameError> {
    column_opt_f64(df, name)?
        .into_iter()
        .enumerate()
        .map(|(row, v)| {
            v.ok_or_else(|| FrameError::Null {
                column: name.to_owned(),
                row,
            })
        })
        .collect()
}

/// A column as `u32` values with nulls kept (casting if needed).
pub fn column_opt_u32(df: &DataFrame, name: &str) -> Result<Vec<Option<u32>>, FrameError> {
    let c = df
        .column(name)
        .and_then(|c| c.cast(&DataType::UInt32))
        .map_err(polars(format!("column `{name}`")))?;
    let ca = c.u32().map_err(polars(format!("column `{name}`")))?;
    Ok(ca.iter().collect())
}

/// A column of strings; errors on nulls.
pub fn column_str(df: &DataFrame, name: &str) -> Result<Vec<String>, FrameError> {
    let c = df
        .column(name)
        .map_err(polars(format!("column `{name}`")))?;
    let ca = c.str().map_err(polars(format!("column `{name}`")))?;
    ca.iter()
        .enumerate()
        .map(|(row, v)| {
            v.map(str::to_owned).ok_or_else(|| FrameError::Null {
                column: name.to_owned(),
                row,
            })
        })
        .collect()
}

/// A categorical string column as its enum (see the `category!` types of this crate).
pub fn column_cat<T: FromStr<Err = UnknownValue>>(
    df: &DataFrame,
    name: &str,
) -> Result<Vec<T>, FrameError> {
    column_str(df, name)?
        .iter()
        .enumerate()
        .map(|(row, v)| {
            T::from_str(v).map_err(|source| FrameError::Category {
                column: name.to_owned(),
                row,
                source,
            })
        })
        .collect()
}
