//! The users collection of a refresh: the stored users, with those the audit log names read
//! again one by one, instead of listing every user (a million users are 5,000 pages, a chain per
//! population; a working day names a few hundred).

use futures::StreamExt;

use super::super::error::Resource;
use super::super::http::Client;
use super::super::wire::decode;
use super::members::encode;
use super::resume::KnownUsers;
use super::stages::Ledger;
use crate::model::*;

/// The users now: each of `known.reread` as PingOne answers it (gone when it answers 404; a
/// new one added), every other stored user as stored. A user that cannot be read is kept as
/// stored, never dropped on uncertainty, and recorded as a gap: the stage is then partial.
pub(super) async fn users(
    client: &Client,
    ledger: &Ledger,
    known: &KnownUsers,
) -> (Vec<User>, Option<super::ApiError>) {
    let conn = client.connection();
    type Read<'a> = (&'a Id, Result<(serde_json::Value, usize), super::ApiError>);
    let reads: Vec<Read> = futures::stream::iter(&known.reread)
        .map(|id| async move {
            let url = conn.env_url(&format!("/users/{}", encode(&id.to_string())));
            (id, client.get_lenient(&url, Resource::Users).await)
        })
        .buffer_unordered(32)
        .collect()
        .await;
    // Each read: `Some(user)` read, `None` gone; absent: unreadable (the stored one stays).
    let mut now: std::collections::HashMap<&Id, Option<User>> = Default::default();
    let mut unreadable = 0u64;
    for (id, read) in reads {
        match read {
            Ok((body, repaired)) => {
                let (mut good, bad) = decode::<User>(vec![body], "user");
                match good.pop() {
                    Some(u) if u.id == *id => {
                        if repaired > 0 {
                            ledger.repaired(Stage::Users, &[id.to_string()]);
                        }
                        now.insert(id, Some(u));
                    }
                    other => {
                        unreadable += 1;
                        let message = match other {
                            Some(u) => {
                                format!("user {id} was asked for and user {} answered", u.id)
                            }
                            None => bad.join("; "),
                        };
                        ledger.push(Gap {
                            stage: Stage::Users,
                            entity: Some(id.clone()),
                            status: None,
                            code: Some("MALFORMED".into()),
                            message,
                        });
                    }
                }
            }
            Err(e) if e.is_not_found() => {
                now.insert(id, None);
            }
            Err(e) => {
                unreadable += 1;
                ledger.gap(Stage::Users, Some(id.clone()), &e);
            }
        }
    }
    let mut users: Vec<User> = Vec::with_capacity(known.stored.len() + now.len());
    for u in &known.stored {
        match now.remove(&u.id) {
            Some(Some(fresh)) => users.push(fresh),
            Some(None) => {}
            None => users.push(u.clone()),
        }
    }
    // New users, in the order they were named.
    for id in &known.reread {
        if let Some(Some(fresh)) = now.remove(id) {
            users.push(fresh);
        }
    }
    let state = if unreadable == 0 {
        StageState::Complete
    } else {
        StageState::Partial
    };
    let n = users.len() as u64;
    ledger.set(Stage::Users, state, n - unreadable.min(n), Some(n));
    (users, None)
}
