//! PingOne's collection envelope and cursor paging, and lenient decoding: an item that does not
//! parse is reported and skipped, never allowed to sink the page it came in.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, Resource};
use super::http::Client;

/// All items of a collection, following `_links.next.href` until it is absent.
pub async fn get_all(
    client: &Client,
    first: &str,
    key: &str,
    resource: Resource,
) -> Result<Vec<Value>, ApiError> {
    let mut items = Vec::new();
    let mut url = first.to_owned();
    let mut seen = HashSet::new();
    loop {
        let page = client.get(&url, resource).await?;
        let path = || url.split('?').next().unwrap_or_default().to_owned();
        match page.pointer(&format!("/_embedded/{key}")) {
            Some(Value::Array(list)) => items.extend(list.iter().cloned()),
            // An empty collection may come without `_embedded`.
            None => {}
            Some(_) => {
                return Err(ApiError::Decode {
                    path: path(),
                    detail: format!("_embedded.{key} is not a list"),
                });
            }
        }
        let next = page
            .pointer("/_links/next/href")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match next {
            Some(n) if n == url || !seen.insert(n.clone()) => {
                return Err(ApiError::Decode {
                    path: path(),
                    detail: "the paging links loop back to a page already read".into(),
                });
            }
            Some(n) => url = n,
            None => return Ok(items),
        }
    }
}

/// Decodes each item on its own. Returns the good ones and one message per bad one.
pub fn decode<T: DeserializeOwned>(items: Vec<Value>, what: &str) -> (Vec<T>, Vec<String>) {
    let mut good = Vec::with_capacity(items.len());
    let mut bad = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .map(|s| format!(" (id {})", s.chars().take(80).collect::<String>()))
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
}
