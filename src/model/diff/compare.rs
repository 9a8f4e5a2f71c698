//! Two users of one snapshot side by side: what one has and the other has not, and the one
//! group membership that would close each gap.

use std::collections::HashSet;

use super::items::{Common, Items, Side};
use super::{AccessChange, Change, ItemKind, Named, Subject};
use crate::model::access::EffectiveGroups;
use crate::model::explain::Node;
use crate::model::graph::{Graph, GroupIx, GroupMatch, GroupRef, UserIx};

/// What `user` lacks that `other` has (`Change::Missing`, subject `other`, with the group that
/// would close the gap when one does), then what `user` has that `other` lacks
/// (`Change::Extra`, subject `user`).
pub fn compare_users(g: &Graph, user: UserIx, other: UserIx) -> Vec<AccessChange> {
    let common = Common::new(g, g);
    let (mut mine, mut theirs) = (Items::default(), Items::default());
    common.user_items(g, user, Side::Old, &mut mine);
    common.user_items(g, other, Side::New, &mut theirs);
    let subject = Subject::User(Some(user), Some(other));
    let mut out = Vec::new();
    super::compare(&common, subject, &mine, &theirs, &mut out);
    let eg = EffectiveGroups::compute(g, user);
    for c in &mut out {
        c.change = match c.change {
            Change::Gained => Change::Missing,
            _ => Change::Extra,
        };
        if c.change == Change::Missing {
            c.fix = fix(g, &eg, c).map(|gi| {
                Box::new(Named {
                    id: g.group(gi).id.clone(),
                    name: g.group(gi).name.clone(),
                })
            });
        }
    }
    out.sort_by_cached_key(|c| (c.change, c.kind, c.target_name(g, g)));
    out
}

/// Every group `g` reaches through nesting, itself included.
fn reach(graph: &Graph, g: GroupIx) -> HashSet<GroupIx> {
    let mut seen = HashSet::from([g]);
    let mut queue = vec![g];
    while let Some(x) = queue.pop() {
        for &p in graph.group_parents(x) {
            if seen.insert(p) {
                queue.push(p);
            }
        }
    }
    seen
}

/// The first group on the other user's chain, if joining it alone gives the user the item.
fn fix(g: &Graph, eg: &EffectiveGroups, c: &AccessChange) -> Option<GroupIx> {
    let first = c.path.hops().iter().find_map(|h| match h.node {
        Node::Group(gi) => Some(gi),
        _ => None,
    })?;
    if c.kind != ItemKind::Application {
        // Joining the first group of the chain gives every later hop of it.
        return Some(first);
    }
    let app = match c.path.hops().last()?.node {
        Node::App(a) => a,
        _ => return None,
    };
    let policy = &g.app_policies[app.ix()];
    let gained = reach(g, first);
    let has = |gi: GroupIx| eg.contains(gi) || gained.contains(&gi);
    match &policy.group {
        Some(gp) if gp.rule == GroupMatch::All => gp
            .groups
            .iter()
            .all(|r| matches!(r, GroupRef::Known(gi) if has(*gi)))
            .then_some(first),
        Some(gp) if gp.rule == GroupMatch::Any => gp
            .groups
            .iter()
            .any(|r| matches!(r, GroupRef::Known(gi) if has(*gi)))
            .then_some(first),
        Some(_) => None,
        // Admins only: the chain goes through a group holding an admin role.
        None => Some(first),
    }
}
