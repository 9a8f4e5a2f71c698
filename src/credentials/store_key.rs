//! The key that encrypts the local store (stored snapshots and load checkpoints): 32 random
//! bytes, kept in the OS keyring beside the client secrets (account `@store-key`, a name no
//! profile can take), created on first use. One key per user of this machine, for every
//! profile: the store is this machine's cache, and a key per profile would only multiply the
//! keyring entries without separating anything the file permissions do not. Losing it loses
//! only the cache: what was stored cannot be read, and the next load reads PingOne afresh.

use std::fmt;

use zeroize::Zeroizing;

use super::store::{Store, StoreError};
use crate::pingone::Secret;

/// The keyring account that holds the key.
pub const ACCOUNT: &str = "@store-key";

/// The store's key and its id (8 random bytes, written beside every encrypted file so that a
/// file sealed with another key is told apart from a damaged one).
#[derive(Clone)]
pub struct StoreKey {
    pub id: [u8; 8],
    pub key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreKey({}, <redacted>)", hex(&self.id))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl StoreKey {
    /// A new random key.
    pub fn generate() -> StoreKey {
        use chacha20poly1305::aead::OsRng;
        use chacha20poly1305::aead::rand_core::RngCore;
        let mut key = Zeroizing::new([0u8; 32]);
        let mut id = [0u8; 8];
        OsRng.fill_bytes(&mut key[..]);
        OsRng.fill_bytes(&mut id);
        StoreKey { id, key }
    }

    /// `v1:<id hex>:<key hex>`, as kept in the keyring.
    fn encode(&self) -> Secret {
        Secret::new(format!("v1:{}:{}", hex(&self.id), hex(&self.key[..])))
    }

    fn decode(text: &str) -> Option<StoreKey> {
        let mut parts = text.split(':');
        if parts.next()? != "v1" {
            return None;
        }
        let id = unhex::<8>(parts.next()?)?;
        let key = Zeroizing::new(unhex::<32>(parts.next()?)?);
        Some(StoreKey { id, key })
    }

    pub fn id_hex(&self) -> String {
        hex(&self.id)
    }
}

/// The store's key from the keyring (`PINGSCOPE_KEYRING` honoured), created on first use.
/// `Err` when there is no keyring: the caller stores unencrypted (0600) and says so.
pub fn get_or_create() -> Result<StoreKey, StoreError> {
    let store = Store::choose()?;
    if let Some(s) = store.get(ACCOUNT)? {
        if let Some(k) = StoreKey::decode(s.expose()) {
            return Ok(k);
        }
    }
    let key = StoreKey::generate();
    store.set(ACCOUNT, &key.encode())?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_keyring_text_and_never_show_in_debug() {
        let k = StoreKey::generate();
        let back = StoreKey::decode(k.encode().expose()).unwrap();
        assert_eq!(back.id, k.id);
        assert_eq!(&back.key[..], &k.key[..]);
        assert_ne!(StoreKey::generate().key[..], k.key[..]);
        let shown = format!("{k:?}");
        assert!(!shown.contains(&hex(&k.key[..])), "{shown}");
        assert!(StoreKey::decode("v2:00:00").is_none());
    }
}
