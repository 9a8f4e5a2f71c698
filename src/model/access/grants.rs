//! What membership of a group brings.

use std::collections::VecDeque;

use crate::model::explain::{Link, Node, Path};
use crate::model::graph::*;

/// What membership of a group brings: the group and every group it is nested in, the roles
/// those hold, and the applications their rules name.
#[derive(Clone, Debug)]
pub struct Grants {
    /// The group's ancestors with the group itself first (a user's view with one membership).
    pub ancestors: Vec<(GroupIx, u16)>,
    pub roles: Vec<(AssignIx, GroupIx)>,
    pub apps: Vec<(AppIx, GroupIx)>,
    /// Per ancestor (same order as `ancestors`): the group one step closer to the root.
    down: Vec<GroupIx>,
}

impl Grants {
    pub fn compute(graph: &Graph, group: GroupIx) -> Grants {
        let mut seen = vec![false; graph.groups.len()];
        let mut ancestors = vec![(group, 0u16)];
        let mut down = vec![group];
        seen[group.ix()] = true;
        let mut q = VecDeque::from([(group, 0u16)]);
        while let Some((g, d)) = q.pop_front() {
            for &p in graph.group_parents(g) {
                if !seen[p.ix()] {
                    seen[p.ix()] = true;
                    ancestors.push((p, d + 1));
                    down.push(g);
                    q.push_back((p, d + 1));
                }
            }
        }
        let roles = ancestors
            .iter()
            .flat_map(|&(g, _)| graph.group_assignments(g).iter().map(move |&a| (a, g)))
            .collect();
        let apps = ancestors
            .iter()
            .flat_map(|&(g, _)| graph.group_apps(g).iter().map(move |&a| (a, g)))
            .collect();
        Grants {
            ancestors,
            roles,
            apps,
            down,
        }
    }

    /// root group → (nested) → ... → `to`, one of its ancestors (just the root if it is not).
    pub fn path_to(&self, to: GroupIx) -> Path {
        let root = self.ancestors[0].0;
        let mut chain = Vec::new();
        let mut cur = to;
        while cur != root {
            let Some(i) = self.ancestors.iter().position(|&(g, _)| g == cur) else {
                chain.clear();
                break;
            };
            chain.push(cur);
            cur = self.down[i];
        }
        let mut path = Path::start(Node::Group(root));
        for g in chain.into_iter().rev() {
            path.push(Node::Group(g), Link::Nested);
        }
        path
    }
}
