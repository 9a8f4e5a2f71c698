//! The checkpoint of a live load: every entity read is appended to
//! `<store>/environments/<env>/checkpoint.journal` as it arrives (made durable at least every
//! second, at each stage's end, and when SIGINT or SIGTERM ends the process), so that a load cut
//! short by Ctrl-C, a crash, a lost network or an expired session leaves what it read. The next
//! load of the same environment, from the same API, within [`MAX_AGE`], asks PingOne only for
//! the rest; a finished load removes the checkpoint.
//!
//! Format: [`MAGIC`], then frames `[length: u32 LE][MessagePack]`: a header (environment, API,
//! when the load began, the id of the key its entries are sealed with), then one entry per
//! entity read, sealed with the store's key when the keyring has one (see `seal`). A frame cut
//! by a crash ends the journal there: what came before it is kept.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::seal::{open_record, seal_record};
use crate::credentials::store_key::StoreKey;
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
    /// The store key its entries are sealed with (hex id), if any.
    #[serde(default)]
    key_id: Option<String>,
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
    key: Option<&'static StoreKey>,
}

impl Writer {
    /// One frame; sealed with the key when `seal` (the header never is).
    fn frame<T: Serialize>(&mut self, value: &T, seal: bool) -> std::io::Result<()> {
        self.buf.clear();
        value
            .serialize(&mut rmp_serde::Serializer::new(&mut self.buf).with_struct_map())
            .map_err(std::io::Error::other)?;
        let sealed;
        let bytes = match self.key.filter(|_| seal) {
            Some(k) => {
                sealed = seal_record(k, &self.buf)?;
                &sealed[..]
            }
            None => &self.buf[..],
        };
        let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
        self.file.write_all(&len.to_le_bytes())?;
        self.file.write_all(bytes)
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
        key: Option<&'static StoreKey>,
    ) -> std::io::Result<(Checkpoint, Option<Resumed>)> {
        let path = dir.join(FILE_NAME);
        let key_id = key.map(StoreKey::id_hex);
        let earlier = read(&path, key).ok().filter(|(h, _)| {
            h.environment_id == environment_id
                && h.api_url == api_url
                && h.key_id == key_id
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
            key,
        };
        if resumed.is_none() {
            w.file.write_all(MAGIC)?;
            w.frame(
                &Header {
                    environment_id: environment_id.to_owned(),
                    api_url: api_url.to_owned(),
                    started_at: now_millis,
                    key_id,
                },
                false,
            )?;
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
        let mut r = w.frame(&entry, true);
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

/// Reads a checkpoint: its header and every whole entry (up to a cut or damaged one). Entries
/// sealed with another key than `key` are not read.
fn read(path: &Path, key: Option<&StoreKey>) -> std::io::Result<(Header, Prior)> {
    let mut r = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(std::io::Error::other("not a pingscope checkpoint"));
    }
    let mut buf = Vec::new();
    if !next(&mut r, &mut buf)? {
        return Err(std::io::Error::other("no header"));
    }
    let header: Header = rmp_serde::from_slice(&buf).map_err(std::io::Error::other)?;
    let mut prior = Prior::default();
    let sealed_with = match (&header.key_id, key) {
        (None, _) => None,
        (Some(id), Some(k)) if *id == k.id_hex() => Some(k),
        (Some(_), _) => return Ok((header, prior)),
    };
    while let Ok(true) = next(&mut r, &mut buf) {
        let plain = match sealed_with {
            Some(k) => match open_record(k, &buf) {
                Some(p) => p,
                None => break,
            },
            None => std::mem::take(&mut buf),
        };
        match rmp_serde::from_slice::<Entry>(&plain) {
            Ok(e) => prior.insert(e.stage, e.id, e.done),
            Err(_) => break,
        }
    }
    Ok((header, prior))
}

/// The next frame into `buf`; `false` at the end.
fn next(r: &mut impl Read, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_ENTRY {
        return Err(std::io::Error::other("an entry too long"));
    }
    buf.clear();
    buf.resize(len, 0);
    r.read_exact(buf)?;
    Ok(true)
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
        let (cp, earlier) =
            Checkpoint::open(dir.path(), "env", "https://api", 1_000, None).unwrap();
        assert!(earlier.is_none());
        cp.record(Stage::UserMemberships, &Id::new("u1"), &member("g1"));
        cp.record(Stage::UserMemberships, &Id::new("u2"), &member("g2"));
        drop(cp);
        // A crash mid-write: a frame cut short.
        let path = dir.path().join(FILE_NAME);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[200, 0, 0, 0, 1, 2]).unwrap();
        drop(f);

        let (cp, earlier) =
            Checkpoint::open(dir.path(), "env", "https://api", 2_000, None).unwrap();
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
            let (cp, earlier) = Checkpoint::open(dir.path(), env, api, now, None).unwrap();
            assert!(earlier.is_none(), "{env} {api} {now}");
            drop(cp);
        }
        let (cp, _) = Checkpoint::open(dir.path(), "env", "https://api", 5_000, None).unwrap();
        cp.finish();
        assert!(!path.exists());
    }

    #[test]
    fn sealed_entries_hold_no_readable_text_and_another_key_starts_afresh() {
        let key: &'static StoreKey = Box::leak(Box::new(StoreKey::generate()));
        let other: &'static StoreKey = Box::leak(Box::new(StoreKey::generate()));
        let dir = tempfile::tempdir().unwrap();
        let (cp, _) = Checkpoint::open(dir.path(), "env", "api", 1_000, Some(key)).unwrap();
        let group = "a8890eb9-38ea-469a-bc00-b64be7903633";
        cp.record(
            Stage::UserMemberships,
            &Id::new("alice.nguyen"),
            &member(group),
        );
        drop(cp);
        let raw = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
        assert!(!raw.windows(5).any(|w| w == b"alice"));
        let (cp, earlier) = Checkpoint::open(dir.path(), "env", "api", 2_000, Some(key)).unwrap();
        assert_eq!(earlier.unwrap().prior.count(Stage::UserMemberships), 1);
        drop(cp);
        let (_, earlier) = Checkpoint::open(dir.path(), "env", "api", 3_000, Some(other)).unwrap();
        assert!(earlier.is_none(), "a lost key: the load starts afresh");
    }
}
