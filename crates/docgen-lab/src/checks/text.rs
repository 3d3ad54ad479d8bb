//! Small text helpers the kinds share: quoting for `sh`, cutting output down for a report,
//! reading `key=value` lines and `@@marker` sections of a probe's output.

use std::collections::BTreeMap;

/// Quotes `s` for `sh`.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// At most 400 characters of `s` on one line.
pub(super) fn excerpt(s: &str) -> String {
    let t = s.trim().replace('\n', " | ");
    if t.is_empty() {
        return "(empty)".to_string();
    }
    if t.chars().count() > 400 {
        let cut: String = t.chars().take(400).collect();
        format!("{cut}…")
    } else {
        t
    }
}

/// Joins expectation parts; an empty list means `empty` ("it exists").
pub(super) fn words(parts: &[String], empty: &str) -> String {
    if parts.is_empty() {
        empty.to_string()
    } else {
        parts.join(", ")
    }
}

/// `key=value` lines, trimmed.
pub(super) fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The text after a `@@marker` line, up to the next `@@` line.
pub(super) fn section(text: &str, marker: &str) -> Option<String> {
    let start = text.find(&format!("{marker}\n"))? + marker.len() + 1;
    let rest = &text[start..];
    let end = rest.find("\n@@").map(|i| i + 1).unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("/run/a.sock"), "/run/a.sock");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn sections_end_at_the_next_marker() {
        let out = "@@a\none\ntwo\n@@b\nthree\n";
        assert_eq!(section(out, "@@a").as_deref(), Some("one\ntwo\n"));
        assert_eq!(section(out, "@@b").as_deref(), Some("three\n"));
        assert_eq!(section(out, "@@c"), None);
    }
}
