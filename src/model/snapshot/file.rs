//! The snapshot file format: JSON Lines, written atomically with a checksum, read line by line
//! with every promise of the format checked.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Coverage, FORMAT, Format, Meta, Snapshot, SnapshotError, VERSION};
use crate::model::entities::*;

/// The first line of a snapshot file: marker, version, and everything but the entity lists.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    coverage: Coverage,
    #[serde(default)]
    environment: Environment,
    /// How many entities follow, to size the lists once (the `end` line has the same counts).
    #[serde(default)]
    counts: Option<Counts>,
    /// "crc32": the `end` line carries a CRC-32 of every byte before it.
    #[serde(default)]
    checksum: Option<String>,
}

#[derive(Serialize)]
struct HeaderOut<'a> {
    format: &'static str,
    version: u32,
    meta: &'a Meta,
    coverage: &'a Coverage,
    environment: &'a Environment,
    counts: Counts,
    checksum: &'static str,
}

/// What a snapshot file's first line says, read without the rest (listing stored snapshots).
#[derive(Clone, Debug)]
pub struct Head {
    pub meta: Meta,
    pub environment: crate::model::entities::Environment,
    pub coverage: Coverage,
    pub users: usize,
    pub groups: usize,
    pub applications: usize,
}

impl Snapshot {
    /// The header of a compact snapshot read from `r` (its magic included).
    pub fn compact_head<R: BufRead>(r: R, path: &Path) -> Result<Head, SnapshotError> {
        let (s, c) = super::binary::read_compact(r, path, true)?;
        let s = s.unwrap_or_default();
        Ok(Head {
            meta: s.meta,
            environment: s.environment,
            coverage: s.coverage,
            users: c.users,
            groups: c.groups,
            applications: c.applications,
        })
    }

    /// Reads only the header line of a snapshot file.
    pub fn read_head(path: &Path) -> Result<Head, SnapshotError> {
        let bad = |detail: &str| SnapshotError::NotASnapshot {
            path: path.to_path_buf(),
            detail: detail.to_owned(),
        };
        let file = fs::File::open(path).map_err(|source| SnapshotError::Read {
            path: path.to_path_buf(),
            source: plain_io(source),
        })?;
        let mut r = BufReader::new(file);
        let start = r.fill_buf().map_err(|source| SnapshotError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if super::binary::is_compact(start) {
            return Snapshot::compact_head(r, path);
        }
        let mut buf = Vec::new();
        match read_line_capped(&mut r, &mut buf, MAX_LINE).map_err(|source| {
            SnapshotError::Read {
                path: path.to_path_buf(),
                source,
            }
        })? {
            Ok(Some(_)) => {}
            _ => return Err(bad("no header line")),
        }
        let h: Header =
            serde_json::from_slice(&buf).map_err(|_| bad("its first line is not a header"))?;
        if h.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(bad("no format marker"));
        }
        let c = h.counts.unwrap_or_default();
        Ok(Head {
            meta: h.meta.ok_or_else(|| bad("its header has no \"meta\""))?,
            environment: h.environment,
            coverage: h.coverage,
            users: c.users,
            groups: c.groups,
            applications: c.applications,
        })
    }
}

/// How many entities of each kind the file holds: the last line, so that a file cut anywhere,
/// even exactly between two lines, is known to be truncated.
#[derive(Serialize, Deserialize, PartialEq, Eq, Debug, Default, Clone, Copy)]
pub(super) struct Counts {
    pub(super) populations: usize,
    pub(super) users: usize,
    pub(super) groups: usize,
    pub(super) roles: usize,
    pub(super) applications: usize,
    /// Absent in files written before gateways were read.
    #[serde(default)]
    pub(super) gateways: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} populations, {} users, {} groups, {} roles, {} applications, {} gateways",
            self.populations, self.users, self.groups, self.roles, self.applications, self.gateways
        )
    }
}

/// The last line: the counts, and (files written since the checksum came) a CRC-32 of every
/// byte before this line, so that a flipped byte anywhere is caught.
#[derive(Serialize, Deserialize, PartialEq, Eq, Debug, Default, Clone)]
struct EndLine {
    #[serde(flatten)]
    counts: Counts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crc32: Option<String>,
}

/// One line after the header.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum Record {
    Population(Population),
    User(Box<User>),
    Group(Box<Group>),
    Role(Box<Role>),
    Application(Box<Application>),
    Gateway(Box<Gateway>),
    End(EndLine),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum RecordOut<'a> {
    Population(&'a Population),
    User(&'a User),
    Group(&'a Group),
    Role(&'a Role),
    Application(&'a Application),
    Gateway(&'a Gateway),
    End(EndLine),
}

fn json_error(e: &serde_json::Error, path: &Path, line: usize) -> SnapshotError {
    if e.is_eof() {
        SnapshotError::Truncated {
            path: path.to_path_buf(),
            line,
            column: e.column(),
        }
    } else {
        SnapshotError::Malformed {
            path: path.to_path_buf(),
            line,
            column: e.column(),
            detail: crate::model::text::without_position(&e.to_string()).to_owned(),
        }
    }
}

/// The longest line read: 64 MiB. The longest real line is a user with PingOne's limit of
/// 10,000 group memberships (about 52 bytes each: 0.5 MB); anything longer is not a snapshot's.
pub const MAX_LINE: usize = 64 << 20;

/// Writes through to `w`, keeping a CRC-32 of everything written.
struct Crc<W> {
    w: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Crc<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.w.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// Reads one line (up to and including `\n`) into `buf`, at most `max` bytes: `Ok(None)` at the
/// end of the input, `Err(len)` when the line is longer than `max`.
fn read_line_capped<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Result<Option<usize>, usize>> {
    buf.clear();
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(Ok((!buf.is_empty()).then_some(buf.len())));
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > max {
            return Ok(Err(buf.len() + take));
        }
        buf.extend_from_slice(&chunk[..take]);
        r.consume(take);
        if done {
            return Ok(Ok(Some(buf.len())));
        }
    }
}

impl Snapshot {
    /// Serialises to the file format: JSON Lines, a header line first (format marker, version,
    /// meta, coverage, environment), then one entity per line, then a line of counts.
    pub fn to_writer<W: Write>(&self, w: W) -> std::io::Result<()> {
        fn line<W: Write, T: Serialize>(w: &mut W, rec: &T) -> std::io::Result<()> {
            serde_json::to_writer(&mut *w, rec)?;
            w.write_all(b"\n")
        }
        let mut w = Crc {
            w,
            crc: crc32fast::Hasher::new(),
        };
        line(
            &mut w,
            &HeaderOut {
                format: FORMAT,
                version: VERSION,
                meta: &self.meta,
                coverage: &self.coverage,
                environment: &self.environment,
                counts: self.counts(),
                checksum: "crc32",
            },
        )?;
        for x in &self.populations {
            line(&mut w, &RecordOut::Population(x))?;
        }
        for x in &self.users {
            line(&mut w, &RecordOut::User(x))?;
        }
        for x in &self.groups {
            line(&mut w, &RecordOut::Group(x))?;
        }
        for x in &self.roles {
            line(&mut w, &RecordOut::Role(x))?;
        }
        for x in &self.applications {
            line(&mut w, &RecordOut::Application(x))?;
        }
        for x in &self.gateways {
            line(&mut w, &RecordOut::Gateway(x))?;
        }
        let crc = format!("{:08x}", w.crc.clone().finalize());
        line(
            &mut w.w,
            &RecordOut::End(EndLine {
                counts: self.counts(),
                crc32: Some(crc),
            }),
        )?;
        w.w.flush()
    }

    /// Sizes the lists once from a header's counts (bounded, and `try_`: a header that lies
    /// about its counts cannot abort the process): no doubling at 100k users.
    pub(super) fn reserve_for(&mut self, said: &Counts) {
        let cap = |n: usize| n.min(1_000_000);
        let _ = self.populations.try_reserve_exact(cap(said.populations));
        let _ = self.users.try_reserve_exact(cap(said.users));
        let _ = self.groups.try_reserve_exact(cap(said.groups));
        let _ = self.roles.try_reserve_exact(cap(said.roles));
        let _ = self.applications.try_reserve_exact(cap(said.applications));
        let _ = self.gateways.try_reserve_exact(cap(said.gateways));
    }

    pub(super) fn counts(&self) -> Counts {
        Counts {
            populations: self.populations.len(),
            users: self.users.len(),
            groups: self.groups.len(),
            roles: self.roles.len(),
            applications: self.applications.len(),
            gateways: self.gateways.len(),
        }
    }

    /// Parses either file format from bytes; `path` only names the file in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Snapshot, SnapshotError> {
        if super::binary::is_compact(bytes) {
            return Snapshot::from_compact_reader(bytes, path);
        }
        Snapshot::from_reader(bytes, path)
    }

    /// Serialises to `format`.
    pub fn to_writer_as<W: Write>(&self, w: W, format: Format) -> std::io::Result<()> {
        match format {
            Format::Compact => self.to_compact_writer(w),
            Format::Jsonl => self.to_writer(w),
        }
    }

    /// Parses the file format line by line, never holding more than one line of the file (and
    /// no line longer than [`MAX_LINE`]). Checks what the format promises: the header's counts,
    /// the end line's counts and checksum, and nothing after the end line.
    pub fn from_reader<R: BufRead>(mut r: R, path: &Path) -> Result<Snapshot, SnapshotError> {
        let read_err = |source| SnapshotError::Read {
            path: path.to_path_buf(),
            source,
        };
        let not_snapshot = |detail: String| SnapshotError::NotASnapshot {
            path: path.to_path_buf(),
            detail,
        };
        let malformed = |line: usize, detail: String| SnapshotError::Malformed {
            path: path.to_path_buf(),
            line,
            column: 1,
            detail,
        };
        let mut crc = crc32fast::Hasher::new();
        let mut buf = Vec::new();
        let mut line_no = 0;
        // One line, capped; the checksum covers every byte read before the end line.
        let mut next_line =
            |buf: &mut Vec<u8>, line_no: &mut usize, crc: &mut crc32fast::Hasher| {
                *line_no += 1;
                match read_line_capped(&mut r, buf, MAX_LINE).map_err(read_err)? {
                    Ok(Some(_)) => Ok(true),
                    Ok(None) => Ok(false),
                    Err(_) => Err(malformed(
                        *line_no,
                        format!(
                            "a line longer than {} MiB: not a snapshot's",
                            MAX_LINE >> 20
                        ),
                    )),
                }
                .inspect(|&more| {
                    if more && !buf.starts_with(b"{\"end\"") {
                        crc.update(buf);
                    }
                })
            };
        // The header: skip leading blank lines; anything else must be our marker line.
        loop {
            if !next_line(&mut buf, &mut line_no, &mut crc)? {
                return Err(SnapshotError::Empty {
                    path: path.to_path_buf(),
                });
            }
            if !buf.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
        let first = buf.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(not_snapshot("not JSON".into()));
        }
        let header: Header = serde_json::from_slice(&buf).map_err(|e| {
            if e.is_eof() {
                SnapshotError::Truncated {
                    path: path.to_path_buf(),
                    line: line_no,
                    column: e.column(),
                }
            } else if e.is_syntax() {
                not_snapshot("its first line is not a JSON object".into())
            } else {
                json_error(&e, path, line_no)
            }
        })?;
        if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(not_snapshot(format!("no \"format\": \"{FORMAT}\" marker")));
        }
        match header.version.as_ref().and_then(serde_json::Value::as_u64) {
            Some(v) if v > u64::from(VERSION) => {
                return Err(SnapshotError::TooNew {
                    path: path.to_path_buf(),
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                });
            }
            Some(v) if v >= 1 => {}
            _ => return Err(not_snapshot("no valid \"version\"".into())),
        }
        let checksummed = match header.checksum.as_deref() {
            None => false,
            Some("crc32") => true,
            Some(other) => {
                return Err(not_snapshot(format!(
                    "an unknown checksum {:?}",
                    crate::model::text::truncate(other, 20)
                )));
            }
        };
        let mut s = Snapshot {
            meta: header
                .meta
                .ok_or_else(|| not_snapshot("its header has no \"meta\"".into()))?,
            coverage: header.coverage,
            environment: header.environment,
            ..Snapshot::default()
        };
        let said = header.counts.unwrap_or_default();
        s.reserve_for(&said);
        loop {
            if !next_line(&mut buf, &mut line_no, &mut crc)? {
                return Err(SnapshotError::Truncated {
                    path: path.to_path_buf(),
                    line: line_no - 1,
                    column: 0,
                });
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let record: Record =
                serde_json::from_slice(&buf).map_err(|e| json_error(&e, path, line_no))?;
            match record {
                Record::Population(x) => s.populations.push(x),
                Record::User(mut x) => {
                    // serde grows lists by doubling; at 100k users the slack is tens of MB.
                    if let Some(m) = x.memberships.as_mut() {
                        m.shrink_to_fit();
                    }
                    s.users.push(*x);
                }
                Record::Group(x) => s.groups.push(*x),
                Record::Role(x) => s.roles.push(*x),
                Record::Application(x) => s.applications.push(*x),
                Record::Gateway(x) => s.gateways.push(*x),
                Record::End(end) => {
                    let end_line = line_no;
                    let has = s.counts();
                    if end.counts != has {
                        return Err(malformed(
                            end_line,
                            format!(
                                "its last line counts {} but the file holds {has}: take the snapshot again",
                                end.counts
                            ),
                        ));
                    }
                    if header.counts.is_some_and(|c| c != has) {
                        return Err(malformed(
                            1,
                            format!(
                                "its header counts {said} but the file holds {has}: take the snapshot again"
                            ),
                        ));
                    }
                    match (&end.crc32, checksummed) {
                        (Some(want), _) => {
                            let got = format!("{:08x}", crc.clone().finalize());
                            if *want != got {
                                return Err(malformed(
                                    end_line,
                                    "its checksum does not match its contents (the file was changed or damaged): take the snapshot again".into(),
                                ));
                            }
                        }
                        (None, true) => {
                            return Err(malformed(
                                end_line,
                                "its header promises a checksum that its last line lacks".into(),
                            ));
                        }
                        (None, false) => {}
                    }
                    // Nothing may follow the end line but blank lines.
                    while next_line(&mut buf, &mut line_no, &mut crc)? {
                        if !buf.iter().all(u8::is_ascii_whitespace) {
                            return Err(malformed(line_no, "data after the end line".into()));
                        }
                    }
                    return Ok(s);
                }
            }
        }
    }

    /// Reads a snapshot file. Only a regular file is read: a FIFO with no writer would block
    /// forever and a device like `/dev/zero` never ends.
    pub fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
        let read_err = |source: std::io::Error| SnapshotError::Read {
            path: path.to_path_buf(),
            source: plain_io(source),
        };
        let meta = fs::metadata(path).map_err(read_err)?;
        if !meta.is_file() {
            return Err(SnapshotError::NotASnapshot {
                path: path.to_path_buf(),
                detail: if meta.is_dir() {
                    "it is a directory".into()
                } else {
                    "it is a device, a pipe or a socket, not a regular file".into()
                },
            });
        }
        let file = fs::File::open(path).map_err(read_err)?;
        let mut r = BufReader::with_capacity(1 << 16, file);
        let start = r.fill_buf().map_err(read_err)?;
        if start.starts_with(b"PSEALED") {
            return Err(SnapshotError::NotASnapshot {
                path: path.to_path_buf(),
                detail: "it is encrypted with the store's key: open it with pingscope --snapshot on the machine that wrote it".into(),
            });
        }
        if super::binary::is_compact(start) {
            return Snapshot::from_compact_reader(r, path);
        }
        Snapshot::from_reader(r, path)
    }
}

/// An OS error without the path context some libraries add (a temporary file's name means
/// nothing to the user; the message names the target file already).
pub(super) fn plain_io(e: std::io::Error) -> std::io::Error {
    // The OS error may sit under a wrapper that adds the path: find it.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if let Some(code) = c
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::raw_os_error)
        {
            return std::io::Error::from_raw_os_error(code);
        }
        cause = c.source();
    }
    // tempfile names the temporary file: "... at path \"/dir/.pingscope-snapshot-XXXX\"".
    let msg = e.to_string();
    match msg.find(" at path ") {
        Some(i) => std::io::Error::new(e.kind(), &msg[..i]),
        None => e,
    }
}
