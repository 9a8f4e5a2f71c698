//! The compact snapshot format: the same records as JSON Lines (a header, one record per entity,
//! an end record with the counts), each as MessagePack, in one zstd frame with its checksum.
//!
//! Why these: MessagePack is self-describing, so the entity types serialise exactly as they do
//! to JSON (optional fields left out, unknown enum values kept as text) and a newer pingscope can
//! add a field without a new format; ids and timestamps are written as 16 bytes and integers
//! (see `id.rs`), so reading parses no text. zstd (level 3) makes the field names cost almost
//! nothing, checks every byte (its frame checksum), and decompresses at about 1 GB/s.
//!
//! Layout: `MAGIC`, then the zstd frame holding records `[tag: u8][length: u32 LE][MessagePack]`.
//! Each record is read into a buffer of its stated length (at most [`MAX_LINE`]) and decoded
//! from there, so a hostile length or a nested bomb cannot allocate beyond that.

use std::io::{BufRead, Read, Write};
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::file::{Counts, MAX_LINE};
use super::{Coverage, Meta, Snapshot, SnapshotError};
use crate::model::entities::*;

/// The first bytes of a compact snapshot: a name and the format version (the last byte).
pub const MAGIC: &[u8; 8] = b"PSCOPE\x00\x01";

const HEADER: u8 = 0;
const POPULATION: u8 = 1;
const USER: u8 = 2;
const GROUP: u8 = 3;
const ROLE: u8 = 4;
const APPLICATION: u8 = 5;
const GATEWAY: u8 = 6;
const END: u8 = 0xFF;

#[derive(serde::Serialize, serde::Deserialize)]
struct BinHeader {
    meta: Meta,
    coverage: Coverage,
    environment: Environment,
    counts: Counts,
}

/// Whether `start` (a file's first bytes) begins a compact snapshot.
pub fn is_compact(start: &[u8]) -> bool {
    start.starts_with(&MAGIC[..6])
}

struct Records<W: Write> {
    w: W,
    buf: Vec<u8>,
}

impl<W: Write> Records<W> {
    fn put<T: Serialize>(&mut self, tag: u8, value: &T) -> std::io::Result<()> {
        self.buf.clear();
        value
            .serialize(&mut rmp_serde::Serializer::new(&mut self.buf).with_struct_map())
            .map_err(std::io::Error::other)?;
        let len = u32::try_from(self.buf.len()).map_err(std::io::Error::other)?;
        self.w.write_all(&[tag])?;
        self.w.write_all(&len.to_le_bytes())?;
        self.w.write_all(&self.buf)
    }
}

impl Snapshot {
    /// Serialises to the compact format.
    pub fn to_compact_writer<W: Write>(&self, mut w: W) -> std::io::Result<()> {
        w.write_all(MAGIC)?;
        let mut z = zstd::stream::write::Encoder::new(w, 3)?;
        z.include_checksum(true)?;
        let mut r = Records {
            w: std::io::BufWriter::with_capacity(1 << 16, z),
            buf: Vec::with_capacity(4096),
        };
        r.put(
            HEADER,
            &BinHeader {
                meta: self.meta.clone(),
                coverage: self.coverage.clone(),
                environment: self.environment.clone(),
                counts: self.counts(),
            },
        )?;
        for x in &self.populations {
            r.put(POPULATION, x)?;
        }
        for x in &self.users {
            r.put(USER, x)?;
        }
        for x in &self.groups {
            r.put(GROUP, x)?;
        }
        for x in &self.roles {
            r.put(ROLE, x)?;
        }
        for x in &self.applications {
            r.put(APPLICATION, x)?;
        }
        for x in &self.gateways {
            r.put(GATEWAY, x)?;
        }
        r.put(END, &self.counts())?;
        let z = r.w.into_inner().map_err(|e| e.into_error())?;
        let mut w = z.finish()?;
        w.flush()
    }

    /// Parses the compact format (the magic included); `path` names the file in errors.
    pub fn from_compact_reader<R: BufRead>(r: R, path: &Path) -> Result<Snapshot, SnapshotError> {
        let (snapshot, _) = read_compact(r, path, false)?;
        snapshot.ok_or_else(|| damaged(path, "no header".into()))
    }
}

fn damaged(path: &Path, detail: String) -> SnapshotError {
    SnapshotError::Damaged {
        path: path.to_path_buf(),
        detail,
    }
}

/// One record: its tag and its bytes; `None` at a clean end of the stream.
fn next_record(
    z: &mut impl Read,
    buf: &mut Vec<u8>,
    path: &Path,
    n: usize,
) -> Result<Option<u8>, SnapshotError> {
    let cut = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            SnapshotError::Cut {
                path: path.to_path_buf(),
                records: n,
            }
        } else {
            damaged(
                path,
                format!("its compressed data cannot be read after {n} records ({e})"),
            )
        }
    };
    let mut tag = [0u8; 1];
    if z.read(&mut tag).map_err(cut)? == 0 {
        return Ok(None);
    }
    let mut len = [0u8; 4];
    z.read_exact(&mut len).map_err(cut)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_LINE {
        return Err(damaged(
            path,
            format!(
                "record {} claims {len} bytes, more than a snapshot's record holds",
                n + 1
            ),
        ));
    }
    buf.clear();
    buf.resize(len, 0);
    z.read_exact(buf).map_err(cut)?;
    Ok(Some(tag[0]))
}

fn decode<T: DeserializeOwned>(buf: &[u8], path: &Path, n: usize) -> Result<T, SnapshotError> {
    rmp_serde::from_slice(buf).map_err(|e| damaged(path, format!("record {n}: {e}")))
}

/// Reads a compact snapshot; with `head_only`, stops after the header (returning its counts).
pub(super) fn read_compact<R: BufRead>(
    mut r: R,
    path: &Path,
    head_only: bool,
) -> Result<(Option<Snapshot>, Counts), SnapshotError> {
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)
        .map_err(|_| damaged(path, "it ends inside its first bytes".into()))?;
    if magic[..7] != MAGIC[..7] {
        return Err(SnapshotError::NotASnapshot {
            path: path.to_path_buf(),
            detail: "no pingscope marker".into(),
        });
    }
    if magic[7] > MAGIC[7] {
        return Err(SnapshotError::TooNew {
            path: path.to_path_buf(),
            found: u32::from(magic[7]),
        });
    }
    let mut z = zstd::stream::read::Decoder::with_buffer(r)
        .map_err(|e| damaged(path, format!("its compressed data cannot be read ({e})")))?;
    let mut buf = Vec::with_capacity(4096);
    let Some(HEADER) = next_record(&mut z, &mut buf, path, 0)? else {
        return Err(damaged(path, "it does not start with a header".into()));
    };
    let header: BinHeader = decode(&buf, path, 1)?;
    if head_only {
        let s = Snapshot {
            meta: header.meta,
            coverage: header.coverage,
            environment: header.environment,
            ..Snapshot::default()
        };
        return Ok((Some(s), header.counts));
    }
    let said = header.counts;
    let mut s = Snapshot {
        meta: header.meta,
        coverage: header.coverage,
        environment: header.environment,
        ..Snapshot::default()
    };
    s.reserve_for(&said);
    let mut n = 1;
    loop {
        let Some(tag) = next_record(&mut z, &mut buf, path, n)? else {
            return Err(SnapshotError::Cut {
                path: path.to_path_buf(),
                records: n,
            });
        };
        n += 1;
        match tag {
            POPULATION => s.populations.push(decode(&buf, path, n)?),
            USER => s.users.push(decode(&buf, path, n)?),
            GROUP => s.groups.push(decode(&buf, path, n)?),
            ROLE => s.roles.push(decode(&buf, path, n)?),
            APPLICATION => s.applications.push(decode(&buf, path, n)?),
            GATEWAY => s.gateways.push(decode(&buf, path, n)?),
            END => {
                let end: Counts = decode(&buf, path, n)?;
                let has = s.counts();
                if end != has || said != has {
                    return Err(damaged(
                        path,
                        format!("it counts {end} but holds {has}: take the snapshot again"),
                    ));
                }
                // The frame must end here; reading to its end checks its checksum.
                let mut rest = [0u8; 1];
                match z.read(&mut rest) {
                    Ok(0) => return Ok((Some(s), has)),
                    Ok(_) => return Err(damaged(path, "data after the end record".into())),
                    Err(e) => {
                        return Err(damaged(
                            path,
                            format!(
                                "its checksum does not match its contents ({e}): take the snapshot again"
                            ),
                        ));
                    }
                }
            }
            HEADER => return Err(damaged(path, format!("record {n} is a second header"))),
            other => return Err(damaged(path, format!("record {n} has unknown tag {other}"))),
        }
    }
}
