//! The layout's arithmetic, in one place: drawing and mouse hit-testing both read it, so a
//! click lands on the row it was drawn on.

use crate::tui::state::{Focus, NavItem};

/// Rows above the panes' content: the status line and the panes' top border.
pub const CONTENT_TOP: u16 = 2;
/// Rows that are not pane content: status line, footer, two borders.
const CHROME_ROWS: u16 = 4;

/// Widths of the navigator and the list at a terminal width; the detail takes the rest, and more
/// of it while it has the focus.
pub fn columns(width: u16, focus: Focus) -> (u16, u16) {
    // Wide terminals give the navigator room for whole lens names ("Disabled or locked with
    // roles" and its count).
    let nav = match width {
        160.. => 36,
        140..160 => 30,
        120..140 => 24,
        _ => 21,
    };
    let rest = width.saturating_sub(nav);
    let list = match focus {
        Focus::Detail => rest / 3,
        _ if width >= 160 => rest * 2 / 5,
        _ => rest * 9 / 20,
    };
    (nav, list)
}

/// Rows of content a pane shows at this terminal height.
pub fn content_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(CHROME_ROWS)).max(1)
}

/// The navigator's lines: its items, with a "Lenses" heading before the first lens. `None` for
/// the heading, else the item's index.
pub fn nav_lines(nav: &[NavItem]) -> Vec<Option<usize>> {
    let mut lines = Vec::with_capacity(nav.len() + 1);
    for (i, item) in nav.iter().enumerate() {
        if matches!(item, NavItem::Lens(_)) && i > 0 && matches!(nav[i - 1], NavItem::Kind(_)) {
            lines.push(None);
        }
        lines.push(Some(i));
    }
    lines
}

/// Where a click at (`x`, `y`) lands: a pane and the content row in it.
pub fn hit(size: (u16, u16), focus: Focus, x: u16, y: u16) -> Option<(Focus, usize)> {
    if y < CONTENT_TOP || y >= size.1.saturating_sub(2) {
        return None;
    }
    let row = usize::from(y - CONTENT_TOP);
    let (nav, list) = columns(size.0, focus);
    Some(if x < nav {
        (Focus::Nav, row)
    } else if x < nav + list {
        (Focus::List, row)
    } else {
        (Focus::Detail, row)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heading_is_not_an_item_and_clicks_map_to_content_rows() {
        let nav = NavItem::all();
        let lines = nav_lines(&nav);
        let heading = lines.iter().position(Option::is_none).expect("a heading");
        assert_eq!(heading, crate::model::Kind::ALL.len());
        assert_eq!(lines[heading + 1], Some(heading));
        assert_eq!(hit((100, 30), Focus::List, 3, 2), Some((Focus::Nav, 0)));
        assert_eq!(hit((100, 30), Focus::List, 3, 1), None);
        assert_eq!(hit((100, 30), Focus::List, 99, 5), Some((Focus::Detail, 3)));
    }
}
