//! Free space on the file system a download is written to.
//!
//! Responsible for the number of bytes an unprivileged writer may still use in a directory
//! (`statvfs`: available blocks times fragment size). Not responsible for deciding what to do
//! when it is too small (the download does).

use std::io;
use std::path::Path;

/// Bytes available to unprivileged writers on the file system holding `dir`.
pub fn filesystem_free_space(dir: &Path) -> io::Result<u64> {
    let st = rustix::fs::statvfs(dir).map_err(io::Error::from)?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_dir_has_some_free_space() {
        assert!(filesystem_free_space(&std::env::temp_dir()).unwrap() > 0);
    }

    #[test]
    fn missing_directory_is_an_error() {
        assert!(filesystem_free_space(Path::new("/nonexistent/dir")).is_err());
    }
}
