//! Human-readable output: aligned tables with every API string sanitised and measured by its
//! display width, so hostile names can neither drive the terminal nor break the columns.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use crate::model::access::{Holder, Holders, Members};
use crate::model::text::sanitize;
use crate::model::*;

/// The widest a cell may be on a terminal before it is cut (by display width, with an
/// ellipsis). Piped or redirected, cells stay whole: ids and names are for reading by tools.
fn max_cell() -> usize {
    use std::io::IsTerminal;
    static MAX: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        if io::stdout().is_terminal() {
            48
        } else {
            usize::MAX
        }
    })
}

/// `s` sanitised and cut to `max` columns.
pub fn fit(s: &str, max: usize) -> String {
    crate::model::text::truncate(&sanitize(s), max)
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn row<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, cells: I) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| fit(c.as_ref(), max_cell()))
                .collect(),
        );
    }

    /// The last column is not cut, so that why-chains stay whole.
    pub fn row_with_tail<I: IntoIterator<Item = S>, S: AsRef<str>>(
        &mut self,
        cells: I,
        tail: &str,
    ) {
        let mut row: Vec<String> = cells
            .into_iter()
            .map(|c| fit(c.as_ref(), max_cell()))
            .collect();
        row.push(sanitize(tail).into_owned());
        self.rows.push(row);
    }

    pub fn write(&self, w: &mut impl Write, indent: &str) -> io::Result<()> {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; cols];
        for row in &self.rows {
            for (i, c) in row.iter().enumerate() {
                widths[i] = widths[i].max(c.width());
            }
        }
        for row in &self.rows {
            let mut line = String::from(indent);
            for (i, c) in row.iter().enumerate() {
                line.push_str(c);
                if i + 1 < row.len() {
                    line.extend(std::iter::repeat_n(' ', widths[i] - c.width() + 2));
                }
            }
            writeln!(w, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// The status words of an entity ("enabled · MFA on", "DISABLED", "custom"), as every view
/// shows them.
fn status(graph: &Graph, t: Target) -> String {
    graph.target_status(t).join(" · ")
}

pub(super) fn write_incomplete(w: &mut impl Write, incomplete: &[String]) -> io::Result<()> {
    if !incomplete.is_empty() {
        writeln!(w, "\nINCOMPLETE: {}", incomplete.join("; "))?;
    }
    Ok(())
}

pub fn access(w: &mut impl Write, graph: &Graph, u: UserIx, a: &Access) -> io::Result<()> {
    let user = graph.user(u);
    let facts = user.status_facts();
    writeln!(
        w,
        "{}  {}  {}",
        fit(&user.username, max_cell()),
        fit(&user.display_name().unwrap_or_default(), max_cell()),
        facts.join(" · ")
    )?;

    let eg = &a.groups;
    let direct = eg.direct_count();
    writeln!(w, "\nGroups ({direct} direct, {} more)", eg.len() - direct)?;
    let mut t = Table::default();
    for r in eg.reaches() {
        let why = eg
            .path_to(r.group)
            .map(|p| p.render(graph, |s| sanitize(s).into_owned()))
            .unwrap_or_default();
        t.row_with_tail([graph.group(r.group).name.as_str()], &why);
    }
    t.write(w, "  ")?;

    writeln!(w, "\nRoles ({})", a.roles.len())?;
    let mut t = Table::default();
    for grant in &a.roles {
        let asg = graph.assignment(grant.assignment);
        let via = match grant.holder {
            Holder::User => "assigned to the user".to_owned(),
            Holder::Group(g) => format!("via group {}", graph.group(g).name),
        };
        t.row([
            crate::model::audit::role_label(graph, grant.assignment),
            graph.scope_label(&asg.raw.scope),
            via,
        ]);
    }
    t.write(w, "  ")?;

    let admitted: Vec<&access::AppDecision> = a.admitted().collect();
    writeln!(
        w,
        "\nApplications ({} of {})",
        admitted.len(),
        graph.apps.len()
    )?;
    let mut t = Table::default();
    for d in &admitted {
        let why = d
            .paths(graph, eg)
            .iter()
            .map(|p| p.render(graph, |s| sanitize(s).into_owned()))
            .collect::<Vec<_>>()
            .join("  AND  ");
        t.row_with_tail(
            [graph.app(d.app).name.clone(), status(graph, d.app.into())],
            &why,
        );
    }
    t.write(w, "  ")?;

    let refused: Vec<&access::AppDecision> = a.apps.iter().filter(|d| !d.admitted()).collect();
    writeln!(w, "\nRefused ({})", refused.len())?;
    let mut t = Table::default();
    for d in refused {
        let reasons: Vec<String> = d.refusals.iter().map(|r| r.describe(graph)).collect();
        t.row_with_tail(
            [graph.app(d.app).name.clone(), status(graph, d.app.into())],
            &reasons.join("; "),
        );
    }
    t.write(w, "  ")?;
    write_incomplete(w, &a.incomplete)
}

pub fn who_can(w: &mut impl Write, graph: &Graph, who: &WhoCan) -> io::Result<()> {
    let app = graph.app(who.app);
    writeln!(
        w,
        "{}  {}  {}  policy: {}",
        fit(&app.name, max_cell()),
        app.kind,
        app.status_word(),
        sanitize(&graph.policy_text(who.app))
    )?;
    if let Some(rule) = &who.unknown_rule {
        writeln!(
            w,
            "access rule {} is unknown to pingscope: nobody is listed",
            sanitize(rule)
        )?;
    }
    if let Some(why) = who.nobody {
        writeln!(w, "{why}")?;
    }
    writeln!(w, "\nUsers ({})", who.admitted.len())?;
    let mut t = Table::default();
    for (u, admits) in &who.admitted {
        let why = who
            .paths(graph, *u, admits)
            .iter()
            .map(|p| p.render(graph, |s| sanitize(s).into_owned()))
            .collect::<Vec<_>>()
            .join("  AND  ");
        t.row_with_tail(
            [
                graph.user(*u).username.to_string(),
                status(graph, (*u).into()),
            ],
            &why,
        );
    }
    t.write(w, "  ")?;
    let mut incomplete = who.incomplete.clone();
    if let Some(rule) = &who.unknown_rule {
        incomplete.push(format!("access rule {rule} is unknown to pingscope"));
    }
    write_incomplete(w, &incomplete)
}

pub fn holders(w: &mut impl Write, graph: &Graph, r: RoleIx, h: &Holders) -> io::Result<()> {
    let role = graph.role(r);
    writeln!(
        w,
        "{}  {}  id {}  ({})",
        fit(&role.name, max_cell()),
        role.kind_label(),
        role.id,
        h.counts(graph).summary()
    )?;
    let mut t = Table::default();
    for holding in &h.holdings {
        let target = holding.target();
        let kind = target.kind.noun();
        let scope = graph.scope_label(&graph.assignment(holding.assignment()).raw.scope);
        let why = h
            .path(graph, holding)
            .render(graph, |s| sanitize(s).into_owned());
        t.row_with_tail(
            [
                graph.target_name(target).to_owned(),
                kind.to_owned(),
                status(graph, target),
                scope,
            ],
            &why,
        );
    }
    t.write(w, "  ")
}

pub fn members(w: &mut impl Write, graph: &Graph, m: &Members) -> io::Result<()> {
    let g = graph.group(m.descent.root);
    let direct = m.members.iter().filter(|x| m.is_direct(x)).count();
    writeln!(
        w,
        "{}  ({} members: {direct} direct, {} through nesting or filters)",
        fit(&g.name, max_cell()),
        m.members.len(),
        m.members.len() - direct
    )?;
    let mut t = Table::default();
    for x in &m.members {
        let why = m.path(graph, x).render(graph, |s| sanitize(s).into_owned());
        t.row_with_tail(
            [
                graph.user(x.user).username.to_string(),
                status(graph, x.user.into()),
            ],
            &why,
        );
    }
    t.write(w, "  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_sanitised_and_cut_by_display_width() {
        assert_eq!(fit("a\u{1b}[31mb", 20), "a␛[31mb");
        let wide = "漢字漢字漢字漢字漢字";
        let cut = fit(wide, 7);
        assert!(cut.width() <= 7, "{cut}");
        assert!(cut.ends_with('…'));
        let mut t = Table::default();
        t.row(["漢字", "x"]);
        t.row(["ab", "y"]);
        let mut out = Vec::new();
        t.write(&mut out, "").unwrap();
        let text = String::from_utf8(out).unwrap();
        let cols: Vec<usize> = text
            .lines()
            .map(|l| l[..l.rfind(['x', 'y']).unwrap()].width())
            .collect();
        assert_eq!(cols[0], cols[1], "{text}");
    }
}
