//! Answers broken on purpose, the ways a directory API (or what stands in front of it) can
//! break: pages that lie about their contents, text a strict parser refuses, endless paging,
//! servers that hang or trickle, bodies too large to hold, bad token answers. Each applies to
//! one kind of endpoint ([`Kind`]), so a test can break the users list and nothing else.

use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::state::Kind;

/// One way to break the answers of one kind of endpoint.
#[derive(Clone, Debug, PartialEq)]
pub enum Breakage {
    /// Pages come without `_embedded` (their `count` kept).
    NoEmbedded(Kind),
    /// The first page has no `next` link: `count` says more than is served.
    ShortListing(Kind),
    /// The first item's `username` (users) or `name` starts with a lone surrogate escape
    /// `\ud800`, as a Java service can emit.
    LoneSurrogate(Kind),
    /// Every page is empty and links to yet another page, forever.
    EndlessEmptyPages(Kind),
    /// Headers are sent only after this wait.
    SlowHeaders(Kind, Duration),
    /// The body trickles, one byte per interval.
    TrickleBody(Kind, Duration),
    /// A body of this many bytes (streamed, no length announced).
    HugeBody(Kind, usize),
    /// A successful token answer with this body instead of a token.
    TokenBody(String),
    /// The token endpoint answers only after this wait.
    SlowToken(Duration),
}

impl Breakage {
    fn kind(&self) -> Option<Kind> {
        match self {
            Breakage::NoEmbedded(k)
            | Breakage::ShortListing(k)
            | Breakage::LoneSurrogate(k)
            | Breakage::EndlessEmptyPages(k)
            | Breakage::SlowHeaders(k, _)
            | Breakage::TrickleBody(k, _)
            | Breakage::HugeBody(k, _) => Some(*k),
            Breakage::TokenBody(_) => Some(Kind::Token),
            Breakage::SlowToken(_) => Some(Kind::Token),
        }
    }
}

/// The wait before answering a request of `kind`, if any breakage asks for one.
pub fn delay(list: &[Breakage], kind: Kind) -> Duration {
    list.iter()
        .filter(|b| b.kind() == Some(kind))
        .map(|b| match b {
            Breakage::SlowHeaders(_, d) | Breakage::SlowToken(d) => *d,
            _ => Duration::ZERO,
        })
        .max()
        .unwrap_or(Duration::ZERO)
}

fn json_response(body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Breaks a successful answer to a request of `kind`. `endless` is the count of endless pages
/// served so far (for fresh links).
pub async fn apply(list: &[Breakage], kind: Kind, resp: Response, endless: u64) -> Response {
    let mine: Vec<&Breakage> = list.iter().filter(|b| b.kind() == Some(kind)).collect();
    if mine.is_empty() || resp.status() != StatusCode::OK {
        return resp;
    }
    for b in &mine {
        match b {
            Breakage::TokenBody(body) => return json_response(body.clone().into_bytes()),
            Breakage::TrickleBody(_, every) => return trickle(*every),
            Breakage::HugeBody(_, n) => return huge(*n),
            _ => {}
        }
    }
    let Ok(bytes) = to_bytes(resp.into_body(), usize::MAX).await else {
        return json_response(Vec::new());
    };
    let Ok(mut page) = serde_json::from_slice::<Value>(&bytes) else {
        return json_response(bytes.to_vec());
    };
    let mut surrogate = false;
    for b in mine {
        match b {
            Breakage::NoEmbedded(_) => {
                if let Some(o) = page.as_object_mut() {
                    o.remove("_embedded");
                }
            }
            Breakage::ShortListing(_) => {
                if let Some(links) = page.get_mut("_links").and_then(Value::as_object_mut) {
                    links.remove("next");
                }
            }
            Breakage::EndlessEmptyPages(_) => {
                let href = page
                    .pointer("/_links/self/href")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split('?')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                if let Some(items) = page
                    .pointer_mut("/_embedded")
                    .and_then(Value::as_object_mut)
                    .and_then(|e| e.values_mut().next())
                {
                    *items = Value::Array(Vec::new());
                }
                if let Some(o) = page.as_object_mut() {
                    o.insert("size".into(), Value::from(0));
                    o.insert(
                        "_links".into(),
                        serde_json::json!({
                            "self": {"href": href},
                            "next": {"href": format!("{href}?limit=1000&page={}", endless + 1)},
                        }),
                    );
                }
            }
            Breakage::LoneSurrogate(_) => surrogate = true,
            _ => {}
        }
    }
    let mut out = serde_json::to_vec(&page).unwrap_or_default();
    if surrogate {
        // serde_json cannot write a lone surrogate: splice the escape into the text.
        for field in [&b"\"username\":\""[..], &b"\"name\":\""[..]] {
            if let Some(i) = out.windows(field.len()).position(|w| w == field) {
                let at = i + field.len();
                out.splice(at..at, b"\\ud800".iter().copied());
                break;
            }
        }
    }
    json_response(out)
}

/// A body that sends one space every `every`, without end (the client's deadline ends it).
fn trickle(every: Duration) -> Response {
    let stream = futures::stream::unfold(0u64, move |n| async move {
        tokio::time::sleep(every).await;
        Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), n + 1))
    });
    json_response_stream(Body::from_stream(stream))
}

/// `n` bytes, streamed in 1 MiB chunks with no length announced.
fn huge(n: usize) -> Response {
    let chunk = Bytes::from(vec![b' '; 1 << 20]);
    let stream = futures::stream::unfold(0usize, move |sent| {
        let chunk = chunk.clone();
        async move {
            (sent < n).then(|| {
                let take = chunk.len().min(n - sent);
                (Ok::<_, std::io::Error>(chunk.slice(..take)), sent + take)
            })
        }
    });
    json_response_stream(Body::from_stream(stream))
}

fn json_response_stream(body: Body) -> Response {
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
