//! Body shapes shared by every endpoint: `_links`, an entity with its links and environment,
//! the collection envelope, and opaque paging cursors.

use std::hash::{BuildHasher, RandomState};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// `_links`: `{"self": {"href": ...}, ...}` in the given order.
pub struct Links(pub Vec<(&'static str, String)>);

impl Links {
    pub fn this(href: String) -> Links {
        Links(vec![("self", href)])
    }

    pub fn with(mut self, rel: &'static str, href: String) -> Links {
        self.0.push((rel, href));
        self
    }
}

#[derive(Serialize)]
struct Href<'a> {
    href: &'a str,
}

impl Serialize for Links {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (rel, href) in &self.0 {
            map.serialize_entry(rel, &Href { href })?;
        }
        map.end()
    }
}

/// `{"id": ...}`.
#[derive(Serialize)]
pub struct IdRef<'a, T: Serialize> {
    pub id: &'a T,
}

/// An entity as the API sends it: `_links`, the model's own fields, `environment`, and any
/// extra fields (such as `memberOfGroupIDs`).
#[derive(Serialize)]
pub struct Entity<'a, T: Serialize, X: Serialize> {
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(flatten)]
    pub entity: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<IdRef<'a, pingscope::model::Id>>,
    #[serde(flatten)]
    pub extra: X,
}

/// No extra fields.
#[derive(Serialize)]
pub struct NoExtra {}

/// `{"<key>": [items]}`.
struct Embedded<'a, T> {
    key: &'static str,
    items: &'a [T],
}

impl<T: Serialize> Serialize for Embedded<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.key, self.items)?;
        map.end()
    }
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    #[serde(rename = "_links")]
    links: Links,
    #[serde(rename = "_embedded")]
    embedded: Embedded<'a, T>,
    count: usize,
    size: usize,
}

/// A collection page: `{"_links": {self, next?}, "_embedded": {key: items}, "count", "size"}`.
pub fn envelope<T: Serialize>(
    key: &'static str,
    self_href: String,
    next_href: Option<String>,
    count: usize,
    items: &[T],
) -> Vec<u8> {
    let mut links = Links::this(self_href);
    if let Some(next) = next_href {
        links = links.with("next", next);
    }
    let env = Envelope {
        links,
        embedded: Embedded { key, items },
        count,
        size: items.len(),
    };
    serde_json::to_vec(&env).unwrap_or_default()
}

/// Opaque cursors: a masked position plus a keyed checksum binding it to one list (path and
/// filter), so a client can neither compute one nor reuse one on another list.
pub struct Cursors {
    mask: u64,
    mac: RandomState,
}

impl Cursors {
    pub fn new(mask: u64) -> Cursors {
        Cursors {
            mask,
            mac: RandomState::new(),
        }
    }

    pub fn encode(&self, list: &str, pos: usize) -> String {
        let masked = (pos as u64) ^ self.mask;
        let check = self.mac.hash_one((masked, list));
        format!("{masked:016x}{check:016x}")
    }

    pub fn decode(&self, list: &str, cursor: &str) -> Option<usize> {
        if cursor.len() != 32 || !cursor.is_ascii() {
            return None;
        }
        let masked = u64::from_str_radix(cursor.get(..16)?, 16).ok()?;
        let check = u64::from_str_radix(cursor.get(16..)?, 16).ok()?;
        (self.mac.hash_one((masked, list)) == check)
            .then(|| usize::try_from(masked ^ self.mask).ok())
            .flatten()
    }
}

/// One page of a list of `len` positions, some of which may be hidden (deleted).
pub struct Slice {
    pub positions: Vec<usize>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<usize>,
    /// Visible positions in the whole list.
    pub count: usize,
}

/// Takes up to `size` visible positions from `start`. `visible` is only consulted when
/// `filtering` (something is deleted); otherwise every position is visible.
pub fn slice(
    len: usize,
    start: usize,
    size: usize,
    filtering: bool,
    visible: impl Fn(usize) -> bool,
) -> Slice {
    let start = start.min(len);
    if !filtering {
        let end = start.saturating_add(size).min(len);
        return Slice {
            positions: (start..end).collect(),
            next: (end < len).then_some(end),
            count: len,
        };
    }
    let mut positions = Vec::with_capacity(size.min(len - start));
    let mut i = start;
    while i < len && positions.len() < size {
        if visible(i) {
            positions.push(i);
        }
        i += 1;
    }
    // Skip hidden positions so that a last page is not followed by an empty one.
    while i < len && !visible(i) {
        i += 1;
    }
    Slice {
        positions,
        next: (i < len).then_some(i),
        count: (0..len).filter(|&p| visible(p)).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_list() {
        let c = Cursors::new(0x1234_5678_9abc_def0);
        let text = c.encode("/users", 400);
        assert_eq!(c.decode("/users", &text), Some(400));
        assert_eq!(c.decode("/groups", &text), None);
        // The position is masked (the second half is a random keyed checksum, which may
        // contain any digits: checking the whole text made this test fail now and then).
        assert!(!text[..16].contains("400") && !text[..16].contains(&format!("{:x}", 400)));
        assert_eq!(c.decode("/users", "zz"), None);
        assert_eq!(c.decode("/users", &"é".repeat(16)), None);
    }

    #[test]
    fn slices_skip_hidden_positions() {
        let s = slice(10, 0, 4, true, |i| i % 2 == 0);
        assert_eq!(s.positions, vec![0, 2, 4, 6]);
        assert_eq!(s.next, Some(8));
        assert_eq!(s.count, 5);
        let s = slice(10, 8, 4, true, |i| i % 2 == 0 && i < 9);
        assert_eq!(s.positions, vec![8]);
        assert_eq!(s.next, None);
        let s = slice(5, 4, 2, false, |_| true);
        assert_eq!((s.positions, s.next, s.count), (vec![4], None, 5));
    }
}
