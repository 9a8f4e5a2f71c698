//! Writing snapshot files: atomically, owner-only, and never a partial file left behind.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::file::plain_io;
use super::{Format, Snapshot, SnapshotError};

impl Snapshot {
    /// Writes atomically in `format`: a temporary file in the same directory, readable by the
    /// owner only (snapshots hold personal data), renamed over `path` once complete.
    pub fn write(&self, path: &Path, format: Format) -> Result<(), SnapshotError> {
        self.write_with(path, |w| self.to_writer_as(w, format))
    }

    /// [`Snapshot::write`] with the bytes `fill` writes (an encrypted form, say): atomically,
    /// 0600, no partial file left behind on any exit.
    pub fn write_with(
        &self,
        path: &Path,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), SnapshotError> {
        let err = |source: std::io::Error| SnapshotError::Write {
            path: path.to_path_buf(),
            source: plain_io(source),
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the directory {} does not exist", dir.display()),
            )));
        }
        let tmp = tempfile::Builder::new()
            .prefix(".pingscope-snapshot-")
            .tempfile_in(dir)
            .map_err(err)?;
        // Removed on every exit path: by its drop, and by the signal handler (see
        // `remove_unfinished`) when SIGINT or SIGTERM ends the process mid-write.
        let _pending = Pending::register(tmp.path());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o600)).map_err(err)?;
        }
        let mut w = BufWriter::new(tmp.as_file());
        fill(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
        drop(w);
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(path).map_err(|e| err(e.error))?;
        Ok(())
    }
}

/// Temporary files being written right now, for the signal handler.
static UNFINISHED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

struct Pending(PathBuf);

impl Pending {
    fn register(path: &Path) -> Pending {
        let mut list = UNFINISHED.lock().unwrap_or_else(|p| p.into_inner());
        list.push(path.to_path_buf());
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut list = UNFINISHED.lock().unwrap_or_else(|p| p.into_inner());
        list.retain(|p| p != &self.0);
    }
}

/// Removes the temporary files of snapshot writes still under way. For a signal handler that is
/// about to end the process: no partial file is left beside the target.
pub fn remove_unfinished() {
    // Called from a handler thread (not from signal context): waiting for the lock is safe.
    let list = UNFINISHED.lock().unwrap_or_else(|p| p.into_inner());
    for p in list.iter() {
        let _ = fs::remove_file(p);
    }
}
