//! `data/<profile>/manifest.json`: provenance of every stage's outputs, and the record the
//! engine trusts when deciding that a stage is fresh. Written atomically after each stage.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

/// Manifest location relative to the pipeline root (one per profile, [`crate::PROFILE`]).
pub const MANIFEST_PATH: &str = "data/{profile}/manifest.json";

/// Format version of the manifest file (2: per-stage code units).
pub const MANIFEST_VERSION: u32 = 2;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub stages: BTreeMap<String, StageRecord>,
}

/// What produced a stage's outputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageRecord {
    pub fingerprint: String,
    pub kind: String,
    /// Canonical parameters (profile applied).
    pub params: serde_json::Value,
    pub deps: Vec<String>,
    /// Dependency name -> its fingerprint at the time.
    pub dep_fingerprints: BTreeMap<String, String>,
    pub outputs: BTreeMap<String, OutputRecord>,
    /// Values recorded by the stage (seeds, counts, convergence, timings).
    pub records: BTreeMap<String, serde_json::Value>,
    /// The stage's code version: a hash of `code`.
    pub code_version: String,
    /// Code unit -> hash, for the units the stage runs ([`crate::StageKind::code`]).
    pub code: BTreeMap<String, String>,
    /// `sha` or `sha-dirty`; provenance only.
    pub git_commit: Option<String>,
    pub profile: String,
    pub jobs: usize,
    /// RFC 3339 UTC.
    pub started: String,
    pub finished: String,
    pub wall_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub blake3: String,
    pub bytes: u64,
}

impl Manifest {
    /// Load `path`; a missing file is an empty manifest. An unreadable or unparsable
    /// manifest is also treated as empty (nothing trusted), with the reason returned.
    pub fn load(path: &Path) -> (Self, Option<String>) {
        let empty = Self {
            version: MANIFEST_VERSION,
            stages: BTreeMap::new(),
        };
        match std::fs::read(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (empty, None),
            Err(e) => (
                empty,
                Some(format!(
                    "cannot read {}: {e}; treating every stage as stale",
                    path.display()
                )),
            ),
            Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
                Ok(m) if m.version == MANIFEST_VERSION => (m, None),
                Ok(m) => (
                    empty,
                    Some(format!(
                        "{} has version {}, expected {MANIFEST_VERSION}; treating every stage as stale",
                        path.display(),
                        m.version
                    )),
                ),
                Err(e) => (
                    empty,
                    Some(format!(
                        "cannot parse {}: {e}; treating every stage as stale",
                        path.display()
                    )),
                ),
            },
        }
    }

    /// Write atomically (pretty JSON, keys sorted).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| Error::Manifest {
            path: path.to_owned(),
            source: e,
        })?;
        text.push('\n');
        crate::write_atomic(path, |f| std::io::Write::write_all(f, text.as_bytes())).map_err(|e| {
            Error::Io {
                path: path.to_owned(),
                source: e,
            }
        })
    }
}

/// blake3 and size of a file.
pub fn hash_file(path: &Path) -> std::io::Result<OutputRecord> {
    let mut f = std::fs::File::open(path)?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok(OutputRecord {
        blake3: h.finalize().to_hex().to_string(),
        bytes,
    })
}

/// Why the recorded outputs cannot be trusted, if they cannot.
pub fn outputs_problem(root: &Path, declared: &[String], rec: &StageRecord) -> Option<String> {
    for o in declared {
        let Some(r) = rec.outputs.get(o) else {
            return Some(format!("output `{o}` not recorded in the manifest"));
        };
        let p: PathBuf = root.join(o);
        match std::fs::metadata(&p) {
            Err(_) => return Some(format!("output `{o}` missing")),
            Ok(m) if m.len() != r.bytes => {
                return Some(format!(
                    "output `{o}` changed size ({} -> {} bytes)",
                    r.bytes,
                    m.len()
                ));
            }
            Ok(_) => {}
        }
        match hash_file(&p) {
            Ok(h) if h == *r => {}
            Ok(_) => {
                return Some(format!(
                    "output `{o}` modified (blake3 differs from the manifest)"
                ));
            }
            Err(e) => return Some(format!("output `{o}` unreadable: {e}")),
        }
    }
    None
}

/// Current UTC time as RFC 3339 (seconds precision).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since the Unix epoch -> `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, H. Hinnant's algorithm).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
