//! Personal data at rest: stored snapshots and load checkpoints are encrypted with the store's
//! key from the OS keyring (see `credentials::store_key`). Without a keyring they are kept
//! unencrypted, 0600 in 0700 directories, and pingscope says so.
//!
//! A sealed file: [`MAGIC`], the key's id (8 bytes), a 19-byte nonce prefix, then the compact
//! snapshot encrypted with XChaCha20-Poly1305 in the STREAM construction (chunks of 64 KiB,
//! each `[length: u32 LE, top bit = last][ciphertext]`): a chunk changed, dropped, moved or cut
//! off fails to decrypt, and a file sealed with another key is named as such. Checkpoint entries
//! are sealed one by one (a random 24-byte nonce each), so a crash loses only the entry being
//! written.

use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::sync::OnceLock;

use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, rand_core::RngCore};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::credentials::store_key::{self, StoreKey};
use crate::model::Snapshot;
use crate::model::snapshot::{Format, Head, SnapshotError};

/// The first bytes of a sealed (encrypted) file.
pub const MAGIC: &[u8; 8] = b"PSEALED\x01";
const CHUNK: usize = 64 * 1024;
const LAST: u32 = 1 << 31;
const NONCE_PREFIX: usize = 19;

/// The store's key, looked up (and created) once per process; `Err` says why there is none.
pub fn key() -> Result<&'static StoreKey, &'static str> {
    static KEY: OnceLock<Result<StoreKey, String>> = OnceLock::new();
    KEY.get_or_init(|| {
        store_key::get_or_create().map_err(|e| match e {
            // Its own text is advice about client secrets: only the reason matters here.
            crate::credentials::store::StoreError::Unavailable(why) => {
                format!("no OS keyring: {why}")
            }
            other => other.to_string(),
        })
    })
    .as_ref()
    .map_err(String::as_str)
}

fn cipher(key: &StoreKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new((&*key.key).into())
}

/// Encrypts everything written to it; [`SealWriter::finish`] writes the last chunk.
pub struct SealWriter<W: Write> {
    w: W,
    enc: Option<EncryptorBE32<XChaCha20Poly1305>>,
    buf: Vec<u8>,
}

impl<W: Write> SealWriter<W> {
    pub fn new(mut w: W, key: &StoreKey) -> std::io::Result<SealWriter<W>> {
        let mut prefix = [0u8; NONCE_PREFIX];
        OsRng.fill_bytes(&mut prefix);
        w.write_all(MAGIC)?;
        w.write_all(&key.id)?;
        w.write_all(&prefix)?;
        Ok(SealWriter {
            w,
            enc: Some(EncryptorBE32::from_aead(cipher(key), (&prefix).into())),
            buf: Vec::with_capacity(CHUNK),
        })
    }

    fn put(&mut self, ct: &[u8], last: bool) -> std::io::Result<()> {
        let len = u32::try_from(ct.len()).map_err(std::io::Error::other)?;
        self.w
            .write_all(&(len | if last { LAST } else { 0 }).to_le_bytes())?;
        self.w.write_all(ct)
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        let enc = self
            .enc
            .take()
            .ok_or_else(|| std::io::Error::other("sealed twice"))?;
        let ct = enc
            .encrypt_last(&self.buf[..])
            .map_err(|_| std::io::Error::other("encryption failed"))?;
        self.put(&ct, true)?;
        self.w.flush()?;
        Ok(self.w)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        while self.buf.len() > CHUNK {
            let rest = self.buf.split_off(CHUNK);
            let chunk = std::mem::replace(&mut self.buf, rest);
            let enc = self
                .enc
                .as_mut()
                .ok_or_else(|| std::io::Error::other("sealed already"))?;
            let ct = enc
                .encrypt_next(&chunk[..])
                .map_err(|_| std::io::Error::other("encryption failed"))?;
            self.put(&ct, false)?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// Why a sealed file cannot be opened.
#[derive(Debug, PartialEq, Eq)]
pub enum Unseal {
    /// Sealed with a key that is not this keyring's (lost, or another machine's).
    OtherKey,
    /// No keyring: the key cannot be had.
    NoKey(String),
    Damaged,
}

/// Decrypts a sealed stream (its [`MAGIC`] included).
pub struct SealReader<R: Read> {
    r: R,
    dec: Option<DecryptorBE32<XChaCha20Poly1305>>,
    plain: Vec<u8>,
    at: usize,
}

impl<R: Read> SealReader<R> {
    pub fn new(mut r: R, key: &StoreKey) -> Result<SealReader<R>, Unseal> {
        let mut head = [0u8; 8 + 8 + NONCE_PREFIX];
        r.read_exact(&mut head).map_err(|_| Unseal::Damaged)?;
        if &head[..8] != MAGIC {
            return Err(Unseal::Damaged);
        }
        if head[8..16] != key.id {
            return Err(Unseal::OtherKey);
        }
        let prefix: [u8; NONCE_PREFIX] = head[16..].try_into().map_err(|_| Unseal::Damaged)?;
        Ok(SealReader {
            r,
            dec: Some(DecryptorBE32::from_aead(cipher(key), (&prefix).into())),
            plain: Vec::new(),
            at: 0,
        })
    }

    fn refill(&mut self) -> std::io::Result<()> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        let Some(dec) = self.dec.as_mut() else {
            return Ok(());
        };
        let mut len = [0u8; 4];
        self.r.read_exact(&mut len)?;
        let len = u32::from_le_bytes(len);
        let (last, n) = (len & LAST != 0, (len & !LAST) as usize);
        if n > CHUNK + 16 {
            return Err(bad(
                "it does not decrypt (a chunk too long): it was changed or damaged",
            ));
        }
        let mut ct = vec![0u8; n];
        self.r.read_exact(&mut ct)?;
        let pt = if last {
            let dec = self.dec.take().ok_or_else(|| bad("read past its end"))?;
            dec.decrypt_last(&ct[..])
        } else {
            dec.decrypt_next(&ct[..])
        }
        .map_err(|_| bad("it does not decrypt: it was changed or damaged"))?;
        self.plain = pt;
        self.at = 0;
        Ok(())
    }
}

impl<R: Read> Read for SealReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.plain.len() {
            if self.dec.is_none() {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = out.len().min(self.plain.len() - self.at);
        out[..n].copy_from_slice(&self.plain[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Seals one record (a checkpoint entry): a random nonce, then the ciphertext.
pub fn seal_record(key: &StoreKey, plain: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let ct = cipher(key)
        .encrypt(XNonce::from_slice(&nonce), plain)
        .map_err(|_| std::io::Error::other("encryption failed"))?;
    let mut out = Vec::with_capacity(24 + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens a record sealed by [`seal_record`].
pub fn open_record(key: &StoreKey, sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < 24 {
        return None;
    }
    let (nonce, ct) = sealed.split_at(24);
    cipher(key).decrypt(XNonce::from_slice(nonce), ct).ok()
}

/// Whether a file starts as a sealed one.
pub fn is_sealed(path: &Path) -> bool {
    let mut start = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut start))
        .is_ok()
        && &start == MAGIC
}

/// Writes `s` to `path` atomically (0600): sealed with `key`, or plain compact without one.
pub fn write(s: &Snapshot, path: &Path, key: Option<&StoreKey>) -> Result<(), SnapshotError> {
    match key {
        None => s.write(path, Format::Compact),
        Some(key) => s.write_with(path, |w| {
            let mut sw = SealWriter::new(w, key)?;
            s.to_compact_writer(&mut sw)?;
            sw.finish().map(|_| ())
        }),
    }
}

fn unseal_error(path: &Path, e: Unseal) -> SnapshotError {
    let detail = match e {
        Unseal::OtherKey => "it is encrypted with a key this keyring does not hold (the store's key was lost, or the file comes from another machine); stored snapshots are a cache: load the environment afresh".to_owned(),
        Unseal::NoKey(why) => format!("it is encrypted and the store's key cannot be read ({why})"),
        Unseal::Damaged => "its encryption header is damaged".to_owned(),
    };
    SnapshotError::Damaged {
        path: path.to_path_buf(),
        detail,
    }
}

fn open_sealed(path: &Path) -> Result<SealReader<BufReader<std::fs::File>>, SnapshotError> {
    let key = key().map_err(|e| unseal_error(path, Unseal::NoKey(e.to_owned())))?;
    let file = std::fs::File::open(path).map_err(|source| SnapshotError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    SealReader::new(BufReader::with_capacity(1 << 16, file), key).map_err(|e| unseal_error(path, e))
}

/// Reads a snapshot file, sealed or not.
pub fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
    if !is_sealed(path) {
        return Snapshot::read(path);
    }
    let r = open_sealed(path)?;
    Snapshot::from_compact_reader(BufReader::with_capacity(1 << 16, r), path)
}

/// Reads the header of a snapshot file, sealed or not.
pub fn read_head(path: &Path) -> Result<Head, SnapshotError> {
    if !is_sealed(path) {
        return Snapshot::read_head(path);
    }
    let r = open_sealed(path)?;
    Snapshot::compact_head(BufReader::new(r), path)
}

/// For readers that check a file's start: is this buffer a sealed file's?
pub fn starts_sealed(start: &[u8]) -> bool {
    start.starts_with(MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(len: usize) {
        let key = StoreKey::generate();
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let mut w = SealWriter::new(Vec::new(), &key).unwrap();
        w.write_all(&data).unwrap();
        let sealed = w.finish().unwrap();
        let mut back = Vec::new();
        SealReader::new(&sealed[..], &key)
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data, "{len}");
        // Cut at a chunk boundary or inside one, or a byte changed: never read as whole.
        for cut in [sealed.len() - 1, 35 + 4 + CHUNK + 16] {
            if cut < sealed.len() {
                let mut out = Vec::new();
                let r = SealReader::new(&sealed[..cut], &key)
                    .unwrap()
                    .read_to_end(&mut out);
                assert!(r.is_err(), "{len} cut at {cut}");
            }
        }
        let mut bad = sealed.clone();
        let at = sealed.len() / 2;
        bad[at] ^= 1;
        let mut out = Vec::new();
        assert!(
            SealReader::new(&bad[..], &key)
                .and_then(|mut r| r.read_to_end(&mut out).map_err(|_| Unseal::Damaged))
                .is_err()
        );
        // Another key: named as such, not as damage.
        assert!(matches!(
            SealReader::new(&sealed[..], &StoreKey::generate()),
            Err(Unseal::OtherKey)
        ));
    }

    #[test]
    fn sealed_streams_round_trip_and_refuse_damage_truncation_and_other_keys() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            roundtrip(len);
        }
    }

    #[test]
    fn sealed_records_open_with_their_key_only() {
        let key = StoreKey::generate();
        let s = seal_record(&key, b"alice@example.com").unwrap();
        assert!(!s.windows(5).any(|w| w == b"alice"));
        assert_eq!(open_record(&key, &s).unwrap(), b"alice@example.com");
        assert!(open_record(&StoreKey::generate(), &s).is_none());
    }
}
