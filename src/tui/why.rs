//! The why overlay: each path as its chain of hops (selectable, Enter jumps), or the reasons an
//! application refuses a user.

use crate::model::Target;
use crate::model::graph::GroupRef;
use crate::model::text::sanitize;
use crate::model::{Graph, Path, Refusal};

use super::detail::Why;

#[derive(Clone, PartialEq, Debug)]
pub struct WhyItem {
    /// Indentation level: 0 for a path's heading, 1 for hops.
    pub depth: u8,
    pub text: String,
    /// How the hop follows from the previous one.
    pub link: String,
    pub target: Option<Target>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct WhyView {
    pub title: String,
    pub items: Vec<WhyItem>,
    pub sel: usize,
    /// The paths, kept for export.
    pub paths: Vec<Path>,
}

impl WhyView {
    pub fn build(graph: &Graph, subject: &str, why: &Why) -> WhyView {
        let mut items = Vec::new();
        let mut paths = Vec::new();
        let title = match why {
            Why::Paths(ps) => {
                for (i, p) in ps.iter().enumerate() {
                    if ps.len() > 1 {
                        items.push(WhyItem {
                            depth: 0,
                            text: format!("Condition {} of {} (all must hold)", i + 1, ps.len()),
                            link: String::new(),
                            target: None,
                        });
                    }
                    for hop in p.hops() {
                        items.push(WhyItem {
                            depth: 1,
                            text: sanitize(&graph.node_name(&hop.node)).into_owned(),
                            link: hop.link.map_or("", |l| l.phrase()).to_owned(),
                            target: hop.node.target(),
                        });
                    }
                }
                paths.clone_from(ps);
                format!("Why: {subject}")
            }
            Why::Refusals(app, refusals) => {
                for r in refusals {
                    items.push(WhyItem {
                        depth: 0,
                        text: sanitize(&r.describe(graph)).into_owned(),
                        link: "refused".into(),
                        target: None,
                    });
                    let group = |g: &GroupRef, link: &str| match g {
                        GroupRef::Known(g) => WhyItem {
                            depth: 1,
                            text: sanitize(&graph.group(*g).name).into_owned(),
                            link: link.to_owned(),
                            target: Some((*g).into()),
                        },
                        GroupRef::Dangling(_) => WhyItem {
                            depth: 1,
                            text: sanitize(&graph.group_ref_name(g)).into_owned(),
                            link: "can never be satisfied".into(),
                            target: None,
                        },
                    };
                    match r {
                        Refusal::NotInAnyGroup(gs) => {
                            items.extend(gs.iter().map(|g| group(g, "not a member")));
                        }
                        Refusal::MissingGroups { missing, held } => {
                            items.extend(missing.iter().map(|g| group(g, "missing")));
                            items.extend(
                                held.iter()
                                    .map(|&g| group(&GroupRef::Known(g), "member (has it)")),
                            );
                        }
                        _ => {}
                    }
                }
                format!("Why not: {app}")
            }
            Why::Refused(app, reasons) => {
                for r in reasons {
                    items.push(WhyItem {
                        depth: 1,
                        text: r.clone(),
                        link: "refused".into(),
                        target: None,
                    });
                }
                format!("Why not: {app}")
            }
        };
        let mut v = WhyView {
            title,
            items,
            sel: 0,
            paths,
        };
        v.sel = v.items.iter().position(|i| i.target.is_some()).unwrap_or(0);
        v
    }

    pub fn step(&mut self, delta: isize) {
        let sel: Vec<usize> = (0..self.items.len())
            .filter(|&i| self.items[i].target.is_some())
            .collect();
        if sel.is_empty() {
            return;
        }
        let cur = sel.iter().position(|&i| i >= self.sel).unwrap_or(0) as isize;
        self.sel = sel[(cur + delta).clamp(0, sel.len() as isize - 1) as usize];
    }

    pub fn selected_target(&self) -> Option<Target> {
        self.items.get(self.sel).and_then(|i| i.target)
    }
}
