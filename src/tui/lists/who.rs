//! Who-has-what answers as list rows: who can use an application, who holds a role, who is in
//! a group; "how" and the chains are computed only for the rows shown or exported.

use crate::model::access::{Holders, Members, WhoCan};
use crate::model::text::sanitize;
use crate::model::*;

use super::{Note, Row, target_name};

/// Where a who-has-what answer came from; kept whole so "how" and "why" are computed only for
/// the rows on screen.
#[derive(Clone, Debug)]
pub enum WhoSrc {
    App(WhoCan),
    Role(Holders),
    Group(Members),
}

/// "via All Staff (3 hops)": the hop nearest the far end (for an application, the group its rule
/// names), or the link's phrase when there is nothing in between.
pub fn via_text(graph: &Graph, path: &Path) -> String {
    let hops = path.hops();
    if hops.len() <= 2 {
        return hops
            .last()
            .and_then(|h| h.link)
            .map_or("", |l| l.phrase())
            .to_owned();
    }
    let near = sanitize(&graph.node_name(&hops[hops.len() - 2].node)).into_owned();
    if hops.len() == 3 {
        format!("via {near}")
    } else {
        format!("via {near} ({} hops)", hops.len() - 1)
    }
}

impl WhoSrc {
    pub fn build(graph: &Graph, of: Target) -> Option<(WhoSrc, Vec<Row>, String)> {
        let name = sanitize(&target_name(graph, of)).into_owned();
        let row = |u: UserIx, i: usize| Row {
            target: u.into(),
            note: Note::Who(i as u32),
        };
        match of.kind {
            Kind::App => {
                let who = WhoCan::compute(graph, AppIx(of.ix));
                let rows = who
                    .admitted
                    .iter()
                    .enumerate()
                    .map(|(i, (u, _))| row(*u, i))
                    .collect();
                Some((WhoSrc::App(who), rows, format!("Who can use {name}")))
            }
            Kind::Role => {
                let h = Holders::of_role(graph, RoleIx(of.ix));
                // Every holder, as the role's detail counts them: users, groups, applications,
                // gateways.
                let rows = h
                    .holdings
                    .iter()
                    .enumerate()
                    .map(|(i, x)| Row {
                        target: x.target(),
                        note: Note::Who(i as u32),
                    })
                    .collect();
                Some((WhoSrc::Role(h), rows, format!("Who holds {name}")))
            }
            Kind::Group => {
                let m = Members::compute(graph, GroupIx(of.ix));
                let rows = m
                    .members
                    .iter()
                    .enumerate()
                    .map(|(i, x)| row(x.user, i))
                    .collect();
                Some((WhoSrc::Group(m), rows, format!("Members of {name}")))
            }
            Kind::User | Kind::Population | Kind::Gateway => None,
        }
    }

    pub fn paths(&self, graph: &Graph, entry: u32) -> Vec<Path> {
        let i = entry as usize;
        match self {
            WhoSrc::App(w) => w
                .admitted
                .get(i)
                .map(|(u, admits)| w.paths(graph, *u, admits))
                .unwrap_or_default(),
            WhoSrc::Role(h) => h
                .holdings
                .get(i)
                .map(|x| vec![h.path(graph, x)])
                .unwrap_or_default(),
            WhoSrc::Group(m) => m
                .members
                .get(i)
                .map(|x| vec![m.path(graph, x)])
                .unwrap_or_default(),
        }
    }

    /// How the user has it, in a few words.
    pub fn how(&self, graph: &Graph, entry: u32) -> String {
        let paths = self.paths(graph, entry);
        let via: Vec<String> = paths.iter().map(|p| via_text(graph, p)).collect();
        let via = via.join(" + ");
        match self {
            WhoSrc::Role(h) => match h.holdings.get(entry as usize) {
                Some(x) => format!(
                    "{} · {via}",
                    sanitize(&graph.scope_label(&graph.assignment(x.assignment()).raw.scope))
                ),
                None => via,
            },
            _ => via,
        }
    }
}
