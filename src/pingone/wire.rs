//! PingOne's collection envelope and cursor paging, read so that a broken answer can never pass
//! for a complete one, and lenient decoding: an item that does not parse is reported and
//! skipped, never allowed to sink the page it came in.
//!
//! What makes a listing incomplete (reported in [`Listing::problem`], with what was read kept):
//! a page without `_embedded` that does not say it is empty (`count` or `size` 0); fewer items
//! than the collection's `count` said it holds; pages that keep coming without items, or past
//! the `count`. A page that is not JSON, or a paging link that loops, is an error.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, Resource};
use super::http::Client;

/// Consecutive pages without items, each with a `next` link, after which a listing stops: a
/// real collection does not page through empty pages.
pub const MAX_EMPTY_PAGES: u32 = 3;

/// The most pages one listing follows (a million users in pages of 200 is 5,000 pages): a
/// server that keeps linking to more pages cannot keep a load going, or growing, forever.
pub const MAX_PAGES: u32 = 100_000;

/// All that was read of a collection, and why it may be incomplete.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub items: Vec<Value>,
    /// Why the items are not the whole collection; `None` when the API said they are.
    pub problem: Option<String>,
    /// Items whose text held lone UTF-16 surrogates, replaced by U+FFFD: their ids (or
    /// positions) for the coverage ledger.
    pub repaired: Vec<String>,
}

/// What one page says, read without trusting it.
#[derive(Debug, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    pub next: Option<String>,
    /// The collection's total as this page reports it (`count`).
    pub count: Option<u64>,
    /// The page says it is empty (`count` or `size` 0), so a missing `_embedded` is no gap.
    pub says_empty: bool,
    /// `_embedded` (or its key) is absent.
    pub no_items_key: bool,
}

/// Reads one page body. Errors only for a body that is not an envelope at all.
pub fn read_page(body: Value, key: &str) -> Result<Page, String> {
    let Value::Object(mut top) = body else {
        return Err("the page is not a JSON object".into());
    };
    let num = |v: Option<&Value>| v.and_then(Value::as_u64);
    let count = num(top.get("count"));
    let size = num(top.get("size"));
    let next = top
        .get("_links")
        .and_then(|l| l.get("next"))
        .and_then(|n| n.get("href"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let embedded = top.remove("_embedded");
    let (items, no_items_key) = match embedded {
        None | Some(Value::Null) => (Vec::new(), true),
        Some(Value::Object(mut e)) => match e.remove(key) {
            Some(Value::Array(list)) => (list, false),
            None | Some(Value::Null) => (Vec::new(), true),
            Some(_) => return Err(format!("_embedded.{key} is not a list")),
        },
        Some(_) => return Err("_embedded is not an object".into()),
    };
    Ok(Page {
        items,
        next,
        count,
        says_empty: count == Some(0) || size == Some(0),
        no_items_key,
    })
}

/// Follows the pages of a listing, deciding when what was read is the whole of it.
#[derive(Default)]
pub struct Pager {
    listing: Listing,
    last_count: Option<u64>,
    empty_run: u32,
    pages: u32,
}

impl Pager {
    /// Takes one page; returns the next URL to read, or `None` when the listing ends.
    pub fn take(&mut self, page: Page) -> Option<String> {
        let l = &mut self.listing;
        if page.no_items_key && !page.says_empty && l.problem.is_none() {
            l.problem = Some(if page.count.is_some() {
                format!(
                    "a page without items although the collection reports {} (no _embedded)",
                    page.count.unwrap_or_default()
                )
            } else {
                "a page came without _embedded and did not say it was empty".into()
            });
        }
        if page.count.is_some() {
            self.last_count = page.count;
        }
        let got = page.items.len();
        l.items.extend(page.items);
        self.pages += 1;
        let next = page.next?;
        if self.pages >= MAX_PAGES {
            l.problem.get_or_insert_with(|| {
                format!("stopped after {MAX_PAGES} pages: the paging links never ended")
            });
            return None;
        }
        if got == 0 {
            self.empty_run += 1;
            if self.empty_run >= MAX_EMPTY_PAGES {
                l.problem.get_or_insert_with(|| {
                    format!(
                        "stopped after {MAX_EMPTY_PAGES} pages in a row came without items but with a next link"
                    )
                });
                return None;
            }
        } else {
            self.empty_run = 0;
        }
        if let Some(c) = self.last_count {
            // More pages than the total allows (a page of the API holds at least one item).
            if l.items.len() as u64 > c.saturating_mul(2).saturating_add(1000) {
                l.problem.get_or_insert_with(|| {
                    format!("stopped: pages kept coming past the {c} items the collection reports")
                });
                return None;
            }
        }
        Some(next)
    }

    /// The listing, with the total checked against the distinct items read (cursor paging over
    /// a changing collection can repeat an item, which must not make up for a missing one).
    pub fn finish(mut self) -> Listing {
        if let Some(c) = self.last_count {
            let mut ids = std::collections::HashSet::new();
            let read = self
                .listing
                .items
                .iter()
                .filter(|i| match i.get("id").and_then(Value::as_str) {
                    Some(id) => ids.insert(id),
                    None => true,
                })
                .count() as u64;
            if read < c && self.listing.problem.is_none() {
                self.listing.problem = Some(format!(
                    "read {read} of the {c} items the collection reports (no further page was offered)"
                ));
            }
        }
        self.listing
    }
}

/// All items of a collection, following `_links.next.href` until it is absent.
pub async fn get_all(
    client: &Client,
    first: &str,
    key: &str,
    resource: Resource,
) -> Result<Listing, ApiError> {
    get_all_mapped(client, first, key, resource, |v| v).await
}

/// [`get_all`] for a collection (users, groups, ...): its every page goes ahead of the
/// single-entity reads waiting for the rate limiter, so that a long chain of pages (the users
/// of a large population) never waits in their queue at each page.
pub async fn get_collection(
    client: &Client,
    first: &str,
    key: &str,
    resource: Resource,
) -> Result<Listing, ApiError> {
    get_all_inner(client, first, key, resource, |v| v, None, true).await
}

/// Only the `id` of each item (as `{"id": ...}`): for listings read for who is in them (a
/// group's members), so that a page of full user bodies is dropped as soon as it is read.
pub fn id_only(item: Value) -> Value {
    match item {
        Value::Object(mut o) => {
            let id = o.remove("id").unwrap_or(Value::Null);
            serde_json::json!({ "id": id })
        }
        other => other,
    }
}

/// Spaces requests at least `every` apart: for an endpoint with a lower rate limit of its own
/// (the audit log's 10 requests/s), so that reading it does not run into that limit. The
/// requests still pass the client's shared limiter too (a 429 there would still slow it).
#[derive(Debug)]
pub struct Pacer {
    every: std::time::Duration,
    last: Option<tokio::time::Instant>,
}

impl Pacer {
    pub fn new(every: std::time::Duration) -> Pacer {
        Pacer { every, last: None }
    }

    /// Waits until `every` has passed since the previous call returned.
    pub async fn wait(&mut self) {
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + self.every).await;
        }
        self.last = Some(tokio::time::Instant::now());
    }
}

/// [`get_all`], keeping `map(item)` of each item.
pub async fn get_all_mapped(
    client: &Client,
    first: &str,
    key: &str,
    resource: Resource,
    map: impl Fn(Value) -> Value,
) -> Result<Listing, ApiError> {
    get_all_inner(client, first, key, resource, map, None, false).await
}

/// [`get_all`], its pages no closer together than `pacer` allows.
pub async fn get_all_paced(
    client: &Client,
    first: &str,
    key: &str,
    resource: Resource,
    pacer: &mut Pacer,
) -> Result<Listing, ApiError> {
    get_all_inner(client, first, key, resource, |v| v, Some(pacer), false).await
}

async fn get_all_inner(
    client: &Client,
    first: &str,
    key: &str,
    resource: Resource,
    map: impl Fn(Value) -> Value,
    mut pacer: Option<&mut Pacer>,
    collection: bool,
) -> Result<Listing, ApiError> {
    let mut url = first.to_owned();
    let mut seen = HashSet::from([first.to_owned()]);
    let mut pager = Pager::default();
    let mut repaired = Vec::new();
    loop {
        if let Some(p) = pacer.as_deref_mut() {
            p.wait().await;
        }
        // A collection's pages go ahead of the waiting single-entity reads (see
        // `Limiter::acquire_first`). Only a collection's: giving every listing's later pages
        // the lane (a big group's members) made a full load's bursts, and its 429s, grow
        // (223 instead of 90 at 20,000 users; 275 s instead of 249 s).
        let (body, fixed) = if collection {
            client.get_lenient_first(&url, resource).await?
        } else {
            client.get_lenient(&url, resource).await?
        };
        let path = || url.split('?').next().unwrap_or_default().to_owned();
        let page = read_page(body, key).map_err(|detail| ApiError::Decode {
            path: path(),
            detail,
        })?;
        if fixed > 0 {
            repaired.extend(
                page.items
                    .iter()
                    .enumerate()
                    .filter(|(_, item)| has_replacement(item))
                    .map(|(i, item)| {
                        item.get("id")
                            .and_then(Value::as_str)
                            .map_or_else(|| format!("#{i}"), str::to_owned)
                    }),
            );
        }
        let page = Page {
            items: page.items.into_iter().map(&map).collect(),
            ..page
        };
        match pager.take(page) {
            Some(n) if n == url || !seen.insert(n.clone()) => {
                return Err(ApiError::Decode {
                    path: path(),
                    detail: "the paging links loop back to a page already read".into(),
                });
            }
            Some(n) => url = n,
            None => {
                let mut listing = pager.finish();
                listing.repaired = repaired;
                return Ok(listing);
            }
        }
    }
}

/// Does any string in the value hold U+FFFD (where a lone surrogate was replaced)?
fn has_replacement(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\u{FFFD}'),
        Value::Array(a) => a.iter().any(has_replacement),
        Value::Object(o) => o.values().any(has_replacement),
        _ => false,
    }
}

/// Replaces every `\uXXXX` escape of a lone UTF-16 surrogate (which a Java service can emit, and
/// which strict JSON parsers refuse) with `\uFFFD`. Returns the repaired body and how many
/// escapes were replaced, or `None` when there was nothing to repair.
pub fn repair_lone_surrogates(body: &[u8]) -> Option<(Vec<u8>, usize)> {
    fn hex4(b: &[u8]) -> Option<u16> {
        let s = std::str::from_utf8(b.get(..4)?).ok()?;
        u16::from_str_radix(s, 16).ok()
    }
    let is_escape_at = |i: usize| body.get(i) == Some(&b'\\') && body.get(i + 1) == Some(&b'u');
    let mut out: Option<Vec<u8>> = None;
    let mut fixed = 0;
    let mut i = 0;
    let mut last = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            i += 1;
            continue;
        }
        // An escape: `\\` is a literal backslash, skip both.
        if body.get(i + 1) != Some(&b'u') {
            i += 2;
            continue;
        }
        let Some(unit) = hex4(&body[i + 2..]) else {
            i += 2;
            continue;
        };
        let len = match unit {
            0xD800..=0xDBFF => {
                let low = is_escape_at(i + 6)
                    .then(|| hex4(&body[i + 8..]))
                    .flatten()
                    .filter(|u| (0xDC00..=0xDFFF).contains(u));
                if low.is_some() {
                    i += 12;
                    continue;
                }
                6
            }
            0xDC00..=0xDFFF => 6,
            _ => {
                i += 6;
                continue;
            }
        };
        let o = out.get_or_insert_with(|| Vec::with_capacity(body.len()));
        o.extend_from_slice(&body[last..i]);
        o.extend_from_slice(b"\\uFFFD");
        fixed += 1;
        i += len;
        last = i;
    }
    let mut o = out?;
    o.extend_from_slice(&body[last..]);
    Some((o, fixed))
}

/// Decodes each item on its own. Returns the good ones and one message per bad one.
pub fn decode<T: DeserializeOwned>(items: Vec<Value>, what: &str) -> (Vec<T>, Vec<String>) {
    let mut good = Vec::with_capacity(items.len());
    let mut bad = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .map(|s| format!(" (id {})", crate::model::text::truncate(s, 80)))
            .unwrap_or_default();
        match serde_json::from_value::<T>(item) {
            Ok(v) => good.push(v),
            Err(e) => bad.push(format!("{what} #{i}{id} could not be read: {e}")),
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paced requests are at least the interval apart (on tokio's paused clock: exact).
    #[tokio::test(start_paused = true)]
    async fn a_pacer_spaces_its_calls() {
        let mut p = Pacer::new(std::time::Duration::from_millis(100));
        let start = tokio::time::Instant::now();
        p.wait().await;
        assert_eq!(
            start.elapsed(),
            std::time::Duration::ZERO,
            "the first goes at once"
        );
        p.wait().await;
        p.wait().await;
        assert!(start.elapsed() >= std::time::Duration::from_millis(200));
        // Time already spent counts.
        tokio::time::advance(std::time::Duration::from_millis(150)).await;
        let before = tokio::time::Instant::now();
        p.wait().await;
        assert_eq!(before.elapsed(), std::time::Duration::ZERO);
    }
    use crate::model::User;
    use serde_json::json;

    #[test]
    fn a_malformed_item_is_reported_and_the_rest_kept() {
        let items = vec![
            json!({"id": "u1", "username": "a"}),
            json!({"id": 7, "username": "b"}),
            json!({"username": "no id"}),
            json!({"id": "u4", "username": "\u{1b}[31mred", "unknownField": {"x": 1}, "enabled": false}),
        ];
        let (good, bad): (Vec<User>, _) = decode(items, "user");
        assert_eq!(good.len(), 2);
        assert_eq!(bad.len(), 2);
        assert!(
            bad[0].starts_with("user #1 could not be read"),
            "{}",
            bad[0]
        );
        assert!(!good[1].enabled);
    }

    fn pages(bodies: Vec<Value>) -> Listing {
        let mut p = Pager::default();
        for b in bodies {
            let page = read_page(b, "users").expect("an envelope");
            if p.take(page).is_none() {
                break;
            }
        }
        p.finish()
    }

    #[test]
    fn a_page_without_embedded_is_empty_only_when_it_says_so() {
        for body in [
            json!({}),
            json!({"count": 5}),
            json!({"_embedded": null, "count": 3}),
        ] {
            let l = pages(vec![body.clone()]);
            assert!(l.problem.is_some(), "{body}");
        }
        for body in [
            json!({"count": 0}),
            json!({"size": 0}),
            json!({"_embedded": {"users": []}}),
        ] {
            let l = pages(vec![body.clone()]);
            assert!(l.problem.is_none(), "{body}: {:?}", l.problem);
        }
        assert!(read_page(json!(null), "users").is_err());
        assert!(read_page(json!({"_embedded": {"users": 5}}), "users").is_err());
    }

    #[test]
    fn a_repeated_item_does_not_make_up_for_a_missing_one() {
        let mut items: Vec<Value> = (0..19).map(|i| json!({"id": format!("u{i}")})).collect();
        items.push(json!({"id": "u0"}));
        let l = pages(vec![json!({"_embedded": {"users": items}, "count": 20})]);
        assert!(l.problem.is_some_and(|p| p.contains("read 19 of the 20")));
    }

    #[test]
    fn fewer_items_than_the_count_is_incomplete() {
        let items: Vec<Value> = (0..20).map(|i| json!({"id": format!("u{i}")})).collect();
        let l = pages(vec![
            json!({"_embedded": {"users": items}, "count": 60, "size": 20}),
        ]);
        assert_eq!(l.items.len(), 20);
        let p = l.problem.expect("incomplete");
        assert!(p.contains("read 20 of the 60"), "{p}");
    }

    #[test]
    fn endless_empty_pages_stop() {
        let mut p = Pager::default();
        let mut n = 0;
        loop {
            let page = read_page(
                json!({"_embedded": {"users": []}, "_links": {"next": {"href": format!("x{n}")}}}),
                "users",
            )
            .expect("page");
            n += 1;
            if p.take(page).is_none() {
                break;
            }
            assert!(n < 100, "never stopped");
        }
        assert_eq!(n, MAX_EMPTY_PAGES as usize);
        assert!(p.finish().problem.is_some());
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let body = br#"{"a": "x\ud800y", "b": "\ud83d\ude00", "c": "\\ud800", "d": "\udc00"}"#;
        let (fixed, n) = repair_lone_surrogates(body).expect("repaired");
        assert_eq!(n, 2, "the pair and the escaped backslash are kept");
        let v: Value = serde_json::from_slice(&fixed).expect("parses now");
        assert_eq!(v["a"], "x\u{FFFD}y");
        assert_eq!(v["b"], "😀");
        assert_eq!(v["c"], "\\ud800");
        assert_eq!(v["d"], "\u{FFFD}");
        assert!(repair_lone_surrogates(br#"{"a": "fine \u00e9"}"#).is_none());
        assert!(has_replacement(&v));
    }
}
