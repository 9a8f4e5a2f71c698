//! The checkpoint of a live load: every entity read is appended to
//! `<store>/environments/<env>/checkpoint.journal` as it arrives (made durable at least every
//! second, at each stage's end, and when SIGINT or SIGTERM ends the process), so that a load cut
//! short by Ctrl-C, a crash, a lost network or an expired session leaves what it read. The next
//! load of the same environment, from the same API, within [`MAX_AGE`], asks PingOne only for
//! the rest; a finished load removes the checkpoint.
//!
//! Format: [`MAGIC`], then frames `[length: u32 LE][MessagePack]`: a header (environment, API,
//! when the load began), then one entry per entity read. A frame cut by a crash ends the
//! journal there: what came before it is kept.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::model::{Id, Stage};
use crate::pingone::loader::{Done, Journal, Prior};

/// A checkpoint older than this is not resumed: the reads it holds would be too old to stand
/// beside fresh ones in one snapshot (a day's changes in a directory are many; the resumed
/// snapshot records when the reads it kept began).
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

pub const MAGIC: &[u8; 8] = b"PSJRNL\x00\x01";

/// The longest entry: one entity's list (a user's 10,000 memberships is under 1 MB).
const MAX_ENTRY: usize = 16 << 20;

const FILE_NAME: &str = "checkpoint.journal";

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Header {
    environment_id: String,
    api_url: String,
    /// When the first of the loads this checkpoint serves began (milliseconds).
    started_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    stage: Stage,
    id: Id,
    done: Done,
}

struct Writer {
    file: BufWriter<File>,
    last_flush: Instant,
    buf: Vec<u8>,
}

impl Writer {
    fn frame<T: Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        self.buf.clear();
        value
            .serialize(&mut rmp_serde::Serializer::new(&mut self.buf).with_struct_map())
            .map_err(std::io::Error::other)?;
        let len = u32::try_from(self.buf.len()).map_err(std::io::Error::other)?;
        self.file.write_all(&len.to_le_bytes())?;
        self.file.write_all(&self.buf)
    }
}

/// Open checkpoints, flushed by [`flush_open`] when a signal ends the process.
static OPEN: Mutex<Vec<Arc<Mutex<Writer>>>> = Mutex::new(Vec::new());

/// Makes every open checkpoint durable (for the SIGINT/SIGTERM handler, before it exits).
pub fn flush_open() {
    let open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
    for w in open.iter() {
        let mut w = w.lock().unwrap_or_else(|p| p.into_inner());
        let _ = w.file.flush();
    }
}

/// A load's checkpoint, open for appending.
pub struct Checkpoint {
    path: PathBuf,
    writer: Arc<Mutex<Writer>>,
    /// A write failed (disk full, say): the load goes on, unrecorded.
    failed: std::sync::atomic::AtomicBool,
}

/// What an interrupted load left, ready to resume.
pub struct Resumed {
    pub prior: Prior,
    /// When the interrupted load began (milliseconds).
    pub started_at: i64,
}

impl Checkpoint {
    /// Opens the checkpoint in `dir` for a load of `environment_id` from `api_url`, starting
    /// now (`now_millis`). A fresh checkpoint of the same environment and API is resumed (its
    /// reads returned, new ones appended); any other is replaced.
    pub fn open(
        dir: &Path,
        environment_id: &str,
        api_url: &str,
        now_millis: i64,
    ) -> std::io::Result<(Checkpoint, Option<Resumed>)> {
        let path = dir.join(FILE_NAME);
        let earlier = read(&path).ok().filter(|(h, _)| {
            h.environment_id == environment_id
                && h.api_url == api_url
                && now_millis - h.started_at >= 0
                && ((now_millis - h.started_at) as u128) < MAX_AGE.as_millis()
        });
        let resumed = earlier.map(|(h, prior)| Resumed {
            prior,
            started_at: h.started_at,
        });
        let mut opts = OpenOptions::new();
        opts.create(true);
        if resumed.is_some() {
            opts.append(true);
        } else {
            opts.write(true).truncate(true);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        let mut w = Writer {
            file: BufWriter::with_capacity(1 << 16, file),
            last_flush: Instant::now(),
            buf: Vec::with_capacity(4096),
        };
        if resumed.is_none() {
            w.file.write_all(MAGIC)?;
            w.frame(&Header {
                environment_id: environment_id.to_owned(),
                api_url: api_url.to_owned(),
                started_at: now_millis,
            })?;
            w.file.flush()?;
        }
        let writer = Arc::new(Mutex::new(w));
        OPEN.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(writer.clone());
        Ok((
            Checkpoint {
                path,
                writer,
                failed: Default::default(),
            },
            resumed.filter(|r| !r.prior.is_empty()),
        ))
    }

    /// The load finished (its snapshot is stored): the checkpoint has served its purpose.
    pub fn finish(self) {
        let _ = std::fs::remove_file(&self.path);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Checkpoint {
    fn drop(&mut self) {
        {
            let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let _ = w.file.flush();
        }
        OPEN.lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|w| !Arc::ptr_eq(w, &self.writer));
    }
}

impl Journal for Checkpoint {
    fn record(&self, stage: Stage, id: &Id, done: &Done) {
        use std::sync::atomic::Ordering;
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let entry = EntryRef { stage, id, done };
        let mut r = w.frame(&entry);
        if r.is_ok() && w.last_flush.elapsed() >= Duration::from_secs(1) {
            r = w.file.flush();
            w.last_flush = Instant::now();
        }
        if r.is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
    }

    fn flush(&self) {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let _ = w.file.flush();
        w.last_flush = Instant::now();
    }
}

#[derive(Serialize)]
struct EntryRef<'a> {
    stage: Stage,
    id: &'a Id,
    done: &'a Done,
}

/// Reads a checkpoint: its header and every whole entry (up to a cut or damaged one).
fn read(path: &Path) -> std::io::Result<(Header, Prior)> {
    let mut r = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(std::io::Error::other("not a pingscope checkpoint"));
    }
    let mut buf = Vec::new();
    let header: Header =
        next(&mut r, &mut buf)?.ok_or_else(|| std::io::Error::other("no header"))?;
    let mut prior = Prior::default();
    while let Ok(Some(e)) = next::<Entry>(&mut r, &mut buf) {
        prior.insert(e.stage, e.id, e.done);
    }
    Ok((header, prior))
}

fn next<T: serde::de::DeserializeOwned>(
    r: &mut impl Read,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_ENTRY {
        return Err(std::io::Error::other("an entry too long"));
    }
    buf.clear();
    buf.resize(len, 0);
    r.read_exact(buf)?;
    rmp_serde::from_slice(buf)
        .map(Some)
        .map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Membership, MembershipKind};

    fn member(g: &str) -> Done {
        Done::Memberships(vec![Membership {
            id: Id::new(g),
            kind: MembershipKind::Direct,
        }])
    }

    #[test]
    fn reads_are_kept_for_the_same_environment_within_the_bound_and_a_cut_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (cp, earlier) = Checkpoint::open(dir.path(), "env", "https://api", 1_000).unwrap();
        assert!(earlier.is_none());
        cp.record(Stage::UserMemberships, &Id::new("u1"), &member("g1"));
        cp.record(Stage::UserMemberships, &Id::new("u2"), &member("g2"));
        drop(cp);
        // A crash mid-write: a frame cut short.
        let path = dir.path().join(FILE_NAME);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[200, 0, 0, 0, 1, 2]).unwrap();
        drop(f);

        let (cp, earlier) = Checkpoint::open(dir.path(), "env", "https://api", 2_000).unwrap();
        let earlier = earlier.expect("resumed");
        assert_eq!(earlier.started_at, 1_000);
        assert_eq!(earlier.prior.count(Stage::UserMemberships), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cp.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        drop(cp);

        // Another environment, another API, or too old: started afresh.
        for (env, api, now) in [
            ("other", "https://api", 3_000),
            ("env", "https://elsewhere", 3_000),
            ("env", "https://api", 1_000 + MAX_AGE.as_millis() as i64 + 1),
        ] {
            let (cp, earlier) = Checkpoint::open(dir.path(), env, api, now).unwrap();
            assert!(earlier.is_none(), "{env} {api} {now}");
            drop(cp);
        }
        let (cp, _) = Checkpoint::open(dir.path(), "env", "https://api", 5_000).unwrap();
        cp.finish();
        assert!(!path.exists());
    }
}
