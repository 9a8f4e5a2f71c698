//! Nesting cycles: PingOne allows a group to be nested, through others, inside itself. Access
//! is computed cycle-safely elsewhere; here the cycles are found so they can be shown and
//! audited (every member of a cycle reaches everything any of the others reaches).

use super::{Graph, GroupIx};

impl Graph {
    /// The groups nested in themselves, directly or through others: each cycle's groups (a
    /// strongly connected component of the nesting with more than one group, or one group that
    /// is its own parent), in group order; the cycles in order of their first group.
    pub fn nesting_cycles(&self) -> Vec<Vec<GroupIx>> {
        let n = self.groups.len();
        // Tarjan's algorithm, iterative (a nesting chain may be deep).
        const UNSEEN: u32 = u32::MAX;
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        let mut next = 0u32;
        let mut out = Vec::new();
        for root in 0..n as u32 {
            if index[root as usize] != UNSEEN {
                continue;
            }
            // (group, position in its parent list)
            let mut work: Vec<(u32, usize)> = vec![(root, 0)];
            index[root as usize] = next;
            low[root as usize] = next;
            next += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            while let Some(&mut (v, ref mut pos)) = work.last_mut() {
                let parents = self.group_parents(GroupIx(v));
                if let Some(&p) = parents.get(*pos) {
                    *pos += 1;
                    let w = p.0 as usize;
                    if index[w] == UNSEEN {
                        index[w] = next;
                        low[w] = next;
                        next += 1;
                        stack.push(p.0);
                        on_stack[w] = true;
                        work.push((p.0, 0));
                    } else if on_stack[w] {
                        low[v as usize] = low[v as usize].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(u, _)) = work.last() {
                    low[u as usize] = low[u as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    let mut scc = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        scc.push(GroupIx(w));
                        if w == v {
                            break;
                        }
                    }
                    let own_parent = self.group_parents(GroupIx(v)).contains(&GroupIx(v));
                    if scc.len() > 1 || own_parent {
                        scc.sort_unstable();
                        out.push(scc);
                    }
                }
            }
        }
        out.sort_unstable_by_key(|c| c[0]);
        out
    }

    /// The groups in a nesting cycle with `g` (the others; `g` itself when it is its own parent
    /// and nothing else), in group order; empty when it is in no cycle. The groups above it
    /// that are also below it: one walk each way, for one group's detail.
    pub fn cycle_of(&self, g: GroupIx) -> Vec<GroupIx> {
        fn walk<'g>(
            n: usize,
            start: GroupIx,
            next: impl Fn(GroupIx) -> &'g [GroupIx],
        ) -> (Vec<bool>, Vec<GroupIx>) {
            let mut seen = vec![false; n];
            let mut todo = next(start).to_vec();
            let mut out = Vec::new();
            while let Some(x) = todo.pop() {
                if !std::mem::replace(&mut seen[x.ix()], true) {
                    out.push(x);
                    todo.extend_from_slice(next(x));
                }
            }
            (seen, out)
        }
        let n = self.groups.len();
        let (above, _) = walk(n, g, |x| self.group_parents(x));
        let (_, below) = walk(n, g, |x| self.group_children(x));
        let mut cycle: Vec<GroupIx> = below
            .into_iter()
            .filter(|x| above[x.ix()] && (*x != g || self.group_parents(g).contains(&g)))
            .collect();
        if cycle.len() > 1 {
            cycle.retain(|&x| x != g);
        }
        cycle.sort_unstable();
        cycle
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Graph, GroupIx};

    fn graph(parents: &[&[usize]]) -> Graph {
        let groups = parents
            .iter()
            .enumerate()
            .map(|(i, ps)| {
                let parents: Vec<serde_json::Value> = ps
                    .iter()
                    .map(|p| serde_json::json!({"id": format!("g{p}")}))
                    .collect();
                serde_json::from_value(serde_json::json!({
                    "id": format!("g{i}"), "name": format!("G{i}"), "parentGroups": parents
                }))
                .unwrap()
            })
            .collect();
        Graph::build(crate::model::Snapshot {
            groups,
            ..crate::model::Snapshot::default()
        })
    }

    #[test]
    fn cycles_are_found_and_nothing_else() {
        // 0 → 1 → 2 → 0 is a cycle; 3 → 0 hangs off it; 4 is its own parent; 5 → 6 is a chain.
        let g = graph(&[&[1], &[2], &[0], &[0], &[4], &[6], &[]]);
        assert_eq!(
            g.nesting_cycles(),
            vec![vec![GroupIx(0), GroupIx(1), GroupIx(2)], vec![GroupIx(4)]]
        );
        assert!(graph(&[&[1], &[2], &[]]).nesting_cycles().is_empty());
        // One group's view agrees.
        assert_eq!(g.cycle_of(GroupIx(1)), vec![GroupIx(0), GroupIx(2)]);
        assert_eq!(g.cycle_of(GroupIx(4)), vec![GroupIx(4)]);
        assert!(g.cycle_of(GroupIx(3)).is_empty());
        assert!(g.cycle_of(GroupIx(5)).is_empty());
    }

    #[test]
    fn a_deep_chain_does_not_overflow_the_stack() {
        let n = 200_000;
        let parents: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let refs: Vec<&[usize]> = parents.iter().map(Vec::as_slice).collect();
        let cycles = graph(&refs).nesting_cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].len(), n);
    }
}
