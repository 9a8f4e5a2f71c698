//! Making untrusted strings safe to print on a terminal.
//!
//! Every string from the API can carry escape sequences (which a terminal would obey), other
//! control characters, or bidirectional overrides (which make text lie about its order). Before
//! such a string reaches a terminal, C0 controls become their visible Control Pictures (ESC shows
//! as ␛), and C1 controls, bidi overrides and isolates, line/paragraph separators and zero-width
//! characters (U+200B-U+200D, U+2060, U+FEFF) become U+FFFD. Zero-width characters are made
//! visible rather than dropped: `ad\u{200B}min` must not pass for `admin` in an audit, and a
//! joiner outside an emoji makes terminals disagree about a line's width.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` cut to `width` terminal columns (measured by display width), with an ellipsis when cut.
/// It does not sanitize: do that first.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        w += cw;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Line and paragraph separators: some terminals and tmux start a new line on them, which lets a
/// name break a table's layout.
fn is_line_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// Zero-width space, non-joiner, joiner, word joiner, byte-order mark.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn needs_cleaning(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_line_break(c) || is_zero_width(c)
}

/// An error message without the " at line L column C" serde_json appends: pingscope says where
/// itself (a file's line, an endpoint), once.
pub fn without_position(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => &msg[..i],
        _ => msg,
    }
}

/// The string with every control character and bidi override made visible and harmless.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_cleaning) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
                '\u{7f}' => '\u{2421}',
                c if needs_cleaning(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

/// A cell for CSV, which lands in spreadsheets and terminals: control characters are neutralised,
/// and a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading
/// apostrophe. Every CSV writer goes through this one guard.
pub fn csv_cell(s: &str) -> String {
    let clean = sanitize(s);
    if clean.starts_with(['=', '+', '-', '@']) {
        format!("'{clean}")
    } else {
        clean.into_owned()
    }
}

/// "1 hit", "2 hits": a count with its noun, singular for one.
pub fn count(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_measures_display_width_and_marks_the_cut() {
        assert_eq!(truncate("alice", 5), "alice");
        assert_eq!(truncate("alice.nguyen", 6), "alice…");
        // Wide characters count two columns and are never split.
        assert_eq!(truncate("数据治理委员会", 6), "数据…");
        assert_eq!(truncate("🚀🚀🚀", 4), "🚀…");
        assert!(truncate("数据治理委员会", 6).width() <= 6);
        assert_eq!(truncate("anything", 0), "");
    }

    #[test]
    fn escapes_and_overrides_are_neutralised() {
        assert_eq!(sanitize("plain ünïcode 🦀"), "plain ünïcode 🦀");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
        assert_eq!(sanitize("a\u{1b}[2Jb"), "a␛[2Jb");
        assert_eq!(sanitize("tab\there\nline"), "tab␉here␊line");
        assert_eq!(sanitize("x\u{9b}31m"), "x\u{FFFD}31m");
        assert_eq!(sanitize("evil\u{202e}gnp.exe"), "evil\u{FFFD}gnp.exe");
        assert_eq!(sanitize("del\u{7f}"), "del␡");
        assert_eq!(sanitize("a\u{2028}b\u{85}c"), "a\u{FFFD}b\u{FFFD}c");
        // Zero-width characters show: "ad\u{200B}min" cannot pass for "admin".
        assert_eq!(sanitize("ad\u{200B}min"), "ad\u{FFFD}min");
        for zw in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'] {
            let input = format!("x{zw}y");
            let out = sanitize(&input);
            assert_eq!(out.width(), 3, "{zw:?} is one visible column");
        }
        assert_eq!(
            without_position("expected value at line 1 column 5"),
            "expected value"
        );
        assert_eq!(without_position("no position here"), "no position here");
        for out in [
            sanitize("\u{1b}]52;c;AAAA\u{7}"),
            sanitize("\u{2066}x\u{2069}"),
        ] {
            assert!(!out.chars().any(needs_cleaning), "{out:?}");
        }
    }
}
