//! Crash-safe file replacement.
//!
//! Responsible for writing a file so that after a power cut at any instant the path holds either
//! the complete old contents or the complete new ones (digest §0, DESIGN "Persistence"): write a
//! temporary file in the same directory, `fsync` it, `rename` it over the target, `fsync` the
//! directory so the rename itself is durable. Not responsible for what is written (the callers
//! encode their own snapshots) nor for reading it back.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Permissions of files written here: snapshots hold passwords, so only the owner reads them.
const FILE_MODE: u32 = 0o600;

/// Replaces `path` with `bytes` atomically and durably.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Replaces `path` with what `fill` writes, atomically and durably; the contents are streamed
/// through a small buffer, never held whole in memory. If `fill` or any step fails, the target
/// is left untouched and the temporary file is removed.
pub fn write_atomic_with<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let tmp = temp_path(path)?;
    let result = write_then_rename(path, &tmp, fill);
    if result.is_err() {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_then_rename<F>(path: &Path, tmp: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(tmp)?;
    let mut out = BufWriter::with_capacity(8 * 1024, file);
    fill(&mut out)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, path)?;
    sync_dir(&parent_dir(path))
}

/// The temporary name: hidden, next to the target (a rename never crosses file systems), and
/// unique per process so two processes never share one.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file path", path.display()),
        )
    })?;
    let mut tmp = OsString::from(".");
    tmp.push(name);
    tmp.push(format!(".tmp{}", std::process::id()));
    Ok(path.with_file_name(tmp))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a rename inside `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn scratch_dir() -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cwmp-fsutil-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn write_atomic_creates_then_replaces_and_leaves_no_temporary() {
        let dir = scratch_dir();
        let target = dir.join("state.json");
        write_atomic(&target, b"first").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"first");
        write_atomic(&target, b"second, longer").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"second, longer");
        assert_eq!(entries(&dir), ["state.json"]);
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failed_fill_keeps_the_old_contents() {
        let dir = scratch_dir();
        let target = dir.join("state.json");
        write_atomic(&target, b"old").unwrap();
        let err = write_atomic_with(&target, |w| {
            w.write_all(b"half of the new")?;
            Err(io::Error::other("encoder gave up"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "encoder gave up");
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(entries(&dir), ["state.json"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_is_an_error_and_nothing_is_created() {
        let dir = scratch_dir();
        let target = dir.join("absent").join("state.json");
        assert!(write_atomic(&target, b"x").is_err());
        assert!(!target.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn streamed_contents_arrive_whole() {
        let dir = scratch_dir();
        let target = dir.join("big");
        write_atomic_with(&target, |w| {
            for i in 0..10_000u32 {
                writeln!(w, "line {i}")?;
            }
            Ok(())
        })
        .unwrap();
        let text = fs::read_to_string(&target).unwrap();
        assert_eq!(text.lines().count(), 10_000);
        assert!(text.ends_with("line 9999\n"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_path_without_file_name_is_refused() {
        assert_eq!(
            write_atomic(Path::new("/"), b"x").unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
