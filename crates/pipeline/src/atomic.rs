//! Atomic file writes: write to a temporary file in the destination directory,
//! flush and fsync it, then rename it over the destination. A crash or error at
//! any point leaves either the old file or no file, never a partial one under
//! the final name. Leftover temporaries are named `.NAME.PID.N.tmp[.EXT]`.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Temporary path next to `path`, keeping the extension last (some encoders,
/// e.g. the PNG encoder, pick the format from the extension).
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a file path: {}", path.display()),
        )
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let tmp = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!(".{name}.{pid}.{n}.tmp.{ext}"),
        None => format!(".{name}.{pid}.{n}.tmp"),
    };
    Ok(path.with_file_name(tmp))
}

/// Is `path` a temporary left over by [`write_atomic`] / [`write_atomic_path`]?
pub fn is_temp_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && (n.ends_with(".tmp") || n.contains(".tmp.")))
}

/// Write `path` atomically through `write`, which receives the open temporary file.
/// Parent directories are created. On error the temporary is removed and `path` is untouched.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    write_atomic_path(path, |tmp| {
        let mut f = File::create(tmp)?;
        write(&mut f)?;
        f.sync_all()
    })
}

/// Like [`write_atomic`] for writers that want a path (e.g. image encoders): `write`
/// must create the file at the given temporary path (same directory and extension
/// as `path`); it is then fsynced and renamed to `path`.
pub fn write_atomic_path(
    path: &Path,
    write: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let tmp = temp_path(path)?;
    // Removes the temporary on error *and* on unwinding (a panicking writer).
    struct Guard<'a>(&'a Path, bool);
    impl Drop for Guard<'_> {
        fn drop(&mut self) {
            if !self.1 {
                let _ = fs::remove_file(self.0);
            }
        }
    }
    let mut guard = Guard(&tmp, false);
    let result = write(&tmp)
        .and_then(|()| File::open(&tmp)?.sync_all())
        .and_then(|()| fs::rename(&tmp, path));
    guard.1 = result.is_ok();
    drop(guard);
    if result.is_ok()
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        // Persist the rename itself (best effort: not all platforms allow opening a directory).
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.bin");
        let err = write_atomic(&p, |f| {
            f.write_all(&[1u8; 1000])?;
            Err(io::Error::other("killed mid-write"))
        });
        assert!(err.is_err());
        assert!(!p.exists());
        assert_eq!(
            fs::read_dir(p.parent().unwrap()).unwrap().count(),
            0,
            "temporary removed"
        );
    }

    #[test]
    fn success_replaces_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        fs::write(&p, "old").unwrap();
        write_atomic(&p, |f| f.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temp_path_keeps_extension() {
        let t = temp_path(Path::new("figures/fig4.png")).unwrap();
        assert!(t.to_str().unwrap().ends_with(".png"));
        assert!(is_temp_file(&t));
        assert!(!is_temp_file(Path::new("figures/fig4.png")));
    }
}
