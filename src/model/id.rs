//! Compact identifiers and timestamps.
//!
//! PingOne ids are UUIDs and its timestamps are `YYYY-MM-DDTHH:MM:SS.mmmZ`. At 100,000 users a
//! `String` per id and per date would cost tens of megabytes, so both are stored compactly when the
//! text is in canonical form and kept verbatim otherwise. Either way the text round-trips exactly:
//! a value is only stored compactly when formatting it back yields the very same bytes.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An entity id: a canonical lowercase UUID packed into 16 bytes, or any other text as received.
///
/// 24 bytes in all: the UUID is held as two `u64`s rather than a `u128`, whose 16-byte alignment
/// would make every `Id` (and every membership or assignment holding one) 32 bytes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Id {
    Uuid(UuidBits),
    Text(Box<str>),
}

/// The 128 bits of a UUID, high half first (so the derived order is the numeric order).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UuidBits {
    hi: u64,
    lo: u64,
}

impl UuidBits {
    pub fn from_u128(v: u128) -> Self {
        UuidBits {
            hi: (v >> 64) as u64,
            lo: v as u64,
        }
    }

    pub fn as_u128(self) -> u128 {
        u128::from(self.hi) << 64 | u128::from(self.lo)
    }
}

impl Id {
    pub fn new(text: &str) -> Self {
        if text.len() == 36 {
            if let Ok(u) = uuid::Uuid::try_parse(text) {
                let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                if u.hyphenated().encode_lower(&mut buf) == text {
                    return Id::Uuid(UuidBits::from_u128(u.as_u128()));
                }
            }
        }
        Id::Text(text.into())
    }

    /// A deterministic UUID-shaped id, for generated environments.
    pub fn from_u128(v: u128) -> Self {
        Id::Uuid(UuidBits::from_u128(v))
    }

    pub fn write_to(&self, out: &mut String) {
        match self {
            Id::Uuid(v) => {
                let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                out.push_str(
                    uuid::Uuid::from_u128(v.as_u128())
                        .hyphenated()
                        .encode_lower(&mut buf),
                );
            }
            Id::Text(t) => out.push_str(t),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Uuid(v) => {
                let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                f.write_str(
                    uuid::Uuid::from_u128(v.as_u128())
                        .hyphenated()
                        .encode_lower(&mut buf),
                )
            }
            Id::Text(t) => f.write_str(t),
        }
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Id::new(s)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // Binary formats (the store's): the 16 bytes, read back without parsing.
            Id::Uuid(v) if !s.is_human_readable() => s.serialize_bytes(&v.as_u128().to_be_bytes()),
            Id::Uuid(v) => {
                let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                s.serialize_str(
                    uuid::Uuid::from_u128(v.as_u128())
                        .hyphenated()
                        .encode_lower(&mut buf),
                )
            }
            Id::Text(t) => s.serialize_str(t),
        }
    }
}

struct StrVisitor<T>(fn(&str) -> T, &'static str);

impl<T> Visitor<'_> for StrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok((self.0)(v))
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_str(StrVisitor(Id::new, "an id string"))
        } else {
            d.deserialize_any(CompactVisitor)
        }
    }
}

/// An id or a timestamp in a binary format: 16 bytes (a UUID), an integer (milliseconds), or
/// text as received.
struct CompactVisitor;

impl Visitor<'_> for CompactVisitor {
    type Value = Id;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id (16 bytes or text)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
        Ok(Id::new(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Id, E> {
        let bytes: [u8; 16] = v
            .try_into()
            .map_err(|_| E::invalid_length(v.len(), &"16 bytes"))?;
        Ok(Id::Uuid(UuidBits::from_u128(u128::from_be_bytes(bytes))))
    }
}

struct MillisVisitor;

impl Visitor<'_> for MillisVisitor {
    type Value = Timestamp;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp (milliseconds or text)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Ok(Timestamp::new(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Ok(Timestamp::Millis(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        i64::try_from(v)
            .map(Timestamp::Millis)
            .map_err(|_| E::custom("a timestamp out of range"))
    }
}

/// A point in time as PingOne writes it. Canonical `...T..:..:..sssZ` values are kept as
/// milliseconds since the epoch; anything else is kept as text (and parsed on demand).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Timestamp {
    Millis(i64),
    Text(Box<Box<str>>),
}

impl Timestamp {
    pub fn new(text: &str) -> Self {
        if text.len() == 24 && text.ends_with('Z') {
            if let Ok(ts) = text.parse::<jiff::Timestamp>() {
                let ms = ts.as_millisecond();
                let t = Timestamp::Millis(ms);
                if t.to_string() == text {
                    return t;
                }
            }
        }
        Timestamp::Text(Box::new(text.into()))
    }

    pub fn from_millis(ms: i64) -> Self {
        Timestamp::Millis(ms)
    }

    /// Milliseconds since the Unix epoch, if the value is a date at all.
    pub fn millis(&self) -> Option<i64> {
        match self {
            Timestamp::Millis(ms) => Some(*ms),
            Timestamp::Text(t) => t
                .parse::<jiff::Timestamp>()
                .ok()
                .map(|ts| ts.as_millisecond()),
        }
    }

    pub fn now() -> Self {
        Timestamp::Millis(jiff::Timestamp::now().as_millisecond())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timestamp::Millis(ms) => match jiff::Timestamp::from_millisecond(*ms) {
                Ok(ts) => write!(f, "{}", ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")),
                Err(_) => write!(f, "{ms}ms"),
            },
            Timestamp::Text(t) => f.write_str(t),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // Binary formats: the milliseconds, read back without parsing or formatting.
            Timestamp::Millis(ms) if !s.is_human_readable() => s.serialize_i64(*ms),
            _ => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_str(StrVisitor(Timestamp::new, "a timestamp string"))
        } else {
            d.deserialize_any(MillisVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_three_words() {
        assert_eq!(std::mem::size_of::<Id>(), 24);
    }

    #[test]
    fn canonical_uuid_is_packed_and_round_trips() {
        let s = "a8890eb9-38ea-469a-bc00-b64be7903633";
        let id = Id::new(s);
        assert!(matches!(id, Id::Uuid(_)));
        assert_eq!(id.to_string(), s);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{s}\""));
    }

    #[test]
    fn non_canonical_ids_are_kept_verbatim() {
        for s in [
            "A8890EB9-38EA-469A-BC00-B64BE7903633",
            "00000000-0000-0000-0000-0000000000u1",
            "a8890eb938ea469abc00b64be7903633",
            "",
            "ext:\u{1b}[31mred",
        ] {
            let id = Id::new(s);
            assert!(matches!(id, Id::Text(_)), "{s}");
            assert_eq!(id.to_string(), s);
            let back: Id = serde_json::from_str(&serde_json::to_string(&id).unwrap()).unwrap();
            assert_eq!(back, id);
        }
    }

    #[test]
    fn timestamps_round_trip_exactly() {
        for s in [
            "2021-09-03T18:04:03.916Z",
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.5+02:00",
            "yesterday",
        ] {
            let t = Timestamp::new(s);
            assert_eq!(t.to_string(), s);
        }
        assert!(matches!(
            Timestamp::new("2024-01-01T00:00:00.000Z"),
            Timestamp::Millis(_)
        ));
        assert_eq!(
            Timestamp::new("2024-01-01T00:00:00Z").millis(),
            Timestamp::new("2024-01-01T00:00:00.000Z").millis()
        );
        assert_eq!(Timestamp::new("yesterday").millis(), None);
    }

    #[test]
    fn numbers_are_not_ids() {
        assert!(serde_json::from_str::<Id>("42").is_err());
    }
}
