//! `SUMMARY.md`: the book's navigation, in mdBook's grammar. A title (`# Summary`), prefix
//! chapters (plain links), numbered chapters (list items, nested to any depth), part titles
//! (`# Part`), separators (`---`), draft chapters (`[Title]()`), and suffix chapters (plain links
//! after the numbered ones). Parsed line by line so every error has a line and column.

use std::path::{Path, PathBuf};

use docgen_core::diagnostic::Diagnostic;

use crate::markdown::include::normalize;

/// The parsed summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The `# Title` at the top, if any.
    pub title: Option<String>,
    /// Everything in order: prefix chapters, numbered chapters with parts and separators, suffix
    /// chapters.
    pub items: Vec<SummaryItem>,
    /// Lines mdBook accepts and ignores, worth a warning.
    pub warnings: Vec<Diagnostic>,
}

/// One entry of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryItem {
    /// A chapter (a link, possibly a draft with no file).
    Link(Link),
    /// `---`: a separator between numbered chapters.
    Separator,
    /// `# Part title`.
    PartTitle(String),
}

/// A chapter link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The link text.
    pub title: String,
    /// The chapter file, relative to the source directory; `None` for a draft.
    pub path: Option<PathBuf>,
    /// The section number (`[1, 2]` is "1.2."); `None` for prefix and suffix chapters.
    pub number: Option<Vec<u32>>,
    /// Nested chapters.
    pub children: Vec<Link>,
    /// The line in SUMMARY.md.
    pub line: usize,
}

/// Where we are in the grammar.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Prefix,
    Numbered,
    Suffix,
}

/// Parses SUMMARY.md text. `path` names the file in diagnostics.
pub fn parse(path: &Path, text: &str) -> Result<Summary, Vec<Diagnostic>> {
    let mut summary = Summary::default();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut phase = Phase::Prefix;
    // The numbered chapters of the current part, as a stack of (indent, link) being built.
    let mut stack: Vec<(usize, Link)> = Vec::new();
    let mut top_counter: u32 = 0;
    let mut seen_anything = false;
    let mut in_comment = false;

    let err = |line: usize, col: usize, len: usize, msg: &str, hint: &str| {
        Diagnostic::error(path, msg)
            .at(line, col, len)
            .with_source_from(text)
            .with_hint(hint)
    };

    for (idx, raw) in text.split('\n').enumerate() {
        let line_no = idx + 1;
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if in_comment {
            if trimmed.contains("-->") {
                in_comment = false;
            }
            continue;
        }
        if trimmed.starts_with("<!--") {
            in_comment = !trimmed.contains("-->");
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let col = indent + 1;

        if let Some(h) = heading_text(trimmed) {
            if !seen_anything {
                summary.title = Some(h.to_string());
            } else {
                flush(&mut stack, &mut summary.items);
                if phase == Phase::Suffix {
                    errors.push(err(
                        line_no,
                        col,
                        trimmed.chars().count(),
                        "a part title cannot come after suffix chapters",
                        "move the suffix chapters (plain links) to the end of SUMMARY.md",
                    ));
                    continue;
                }
                phase = Phase::Numbered;
                summary.items.push(SummaryItem::PartTitle(h.to_string()));
            }
            seen_anything = true;
            continue;
        }
        seen_anything = true;

        if is_separator(trimmed) {
            if phase != Phase::Numbered {
                errors.push(err(
                    line_no,
                    col,
                    trimmed.len(),
                    "a separator (`---`) can only stand between numbered chapters",
                    "separators go inside the list of numbered chapters",
                ));
                continue;
            }
            flush(&mut stack, &mut summary.items);
            summary.items.push(SummaryItem::Separator);
            continue;
        }

        if let Some(rest) = list_item(trimmed) {
            let item_col = col + (trimmed.len() - rest.len());
            if phase == Phase::Suffix {
                errors.push(err(
                    line_no,
                    col,
                    1,
                    "numbered chapters cannot come after suffix chapters",
                    "suffix chapters (plain links) must be the last entries of SUMMARY.md",
                ));
                continue;
            }
            phase = Phase::Numbered;
            match parse_link(rest) {
                Ok((title, link_path)) => {
                    let link = Link {
                        title,
                        path: link_path,
                        number: None,
                        children: Vec::new(),
                        line: line_no,
                    };
                    // Pop everything at this indent or deeper: it is complete.
                    while let Some((i, _)) = stack.last() {
                        if *i >= indent {
                            let (_, done) = stack.pop().unwrap();
                            attach(&mut stack, &mut summary.items, done);
                        } else {
                            break;
                        }
                    }
                    stack.push((indent, link));
                }
                Err((offset, msg)) => errors.push(err(
                    line_no,
                    item_col + offset,
                    1,
                    &msg,
                    "a list item must be a link: `- [Title](path/to/chapter.md)` (or `[Title]()` for a draft)",
                )),
            }
            continue;
        }

        if trimmed.starts_with('[') {
            if indent > 0 && !stack.is_empty() {
                // mdBook reads it as more text of the item above, which has its link already,
                // and builds no chapter for it: so does docgen, and says so.
                let mut w = err(
                    line_no,
                    col,
                    1,
                    "an indented plain link inside the numbered chapters is not a chapter (mdBook ignores it too)",
                    "nested chapters are list items: start the line with `- `",
                );
                w.severity = docgen_core::diagnostic::Severity::Warning;
                warnings.push(w);
                continue;
            }
            match parse_link(trimmed) {
                Ok((title, link_path)) => {
                    flush(&mut stack, &mut summary.items);
                    if phase == Phase::Numbered {
                        phase = Phase::Suffix;
                    }
                    if link_path.is_none() {
                        errors.push(err(
                            line_no,
                            col,
                            trimmed.chars().count(),
                            "prefix and suffix chapters cannot be drafts",
                            "give the chapter a file, or make it a numbered chapter (`- [Title]()`)",
                        ));
                        continue;
                    }
                    summary.items.push(SummaryItem::Link(Link {
                        title,
                        path: link_path,
                        number: None,
                        children: Vec::new(),
                        line: line_no,
                    }));
                }
                Err((offset, msg)) => errors.push(err(
                    line_no,
                    col + offset,
                    1,
                    &msg,
                    "a chapter is a link: `[Title](path/to/chapter.md)`",
                )),
            }
            continue;
        }

        errors.push(err(
            line_no,
            col,
            trimmed.chars().count(),
            "expected a chapter link, a list item, a `# Part title` or `---`",
            "SUMMARY.md holds only the table of contents: `[Intro](intro.md)`, `- [Chapter](chapter.md)`, `# Part`, `---`",
        ));
    }
    flush(&mut stack, &mut summary.items);
    number_chapters(&mut summary.items, &mut top_counter);
    summary.warnings = warnings;

    if errors.is_empty() {
        Ok(summary)
    } else {
        Err(errors)
    }
}

/// Closes every open numbered chapter on the stack.
fn flush(stack: &mut Vec<(usize, Link)>, items: &mut Vec<SummaryItem>) {
    while let Some((_, done)) = stack.pop() {
        attach(stack, items, done);
    }
}

/// Puts a completed chapter under its parent, or at the top level.
fn attach(stack: &mut [(usize, Link)], items: &mut Vec<SummaryItem>, done: Link) {
    match stack.last_mut() {
        Some((_, parent)) => parent.children.push(done),
        None => items.push(SummaryItem::Link(Link {
            number: Some(Vec::new()), // marks it as numbered; filled in by number_chapters
            ..done
        })),
    }
}

fn number_chapters(items: &mut [SummaryItem], counter: &mut u32) {
    fn number(link: &mut Link, prefix: Vec<u32>) {
        for (i, child) in link.children.iter_mut().enumerate() {
            let mut n = prefix.clone();
            n.push(i as u32 + 1);
            number(child, n.clone());
            child.number = Some(n);
        }
    }
    for item in items.iter_mut() {
        if let SummaryItem::Link(link) = item {
            if link.number.is_some() {
                *counter += 1;
                let n = vec![*counter];
                number(link, n.clone());
                link.number = Some(n);
            }
        }
    }
}

fn heading_text(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('#')?;
    // Only level-1 headings are titles and parts; `##` is not part of the grammar.
    if rest.starts_with('#') {
        return None;
    }
    let rest = rest.strip_prefix(' ')?;
    Some(rest.trim().trim_end_matches('#').trim())
}

fn is_separator(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && (compact.chars().all(|c| c == '-')
            || compact.chars().all(|c| c == '*')
            || compact.chars().all(|c| c == '_'))
}

fn list_item(line: &str) -> Option<&str> {
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(rest.trim_start());
        }
    }
    None
}

/// Parses `[title](path)`; the error carries a byte offset into `s` and a message.
fn parse_link(s: &str) -> Result<(String, Option<PathBuf>), (usize, String)> {
    if !s.starts_with('[') {
        return Err((0, "expected a link `[Title](path.md)`".into()));
    }
    // Find the matching `]`, honouring escapes and nested brackets.
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut close = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let close = close.ok_or((0, "unclosed `[` in chapter link".to_string()))?;
    let title = unescape(&s[1..close]);
    let after = &s[close + 1..];
    let Some(target) = after.strip_prefix('(') else {
        return Err((
            close + 1,
            "expected `(path)` right after the link text".into(),
        ));
    };
    let Some(end) = target.find(')') else {
        return Err((close + 1, "unclosed `(` in chapter link".into()));
    };
    let trailing = target[end + 1..].trim();
    if !trailing.is_empty() {
        return Err((
            close + 2 + end + 1 + (target[end + 1..].len() - target[end + 1..].trim_start().len()),
            format!("unexpected text after the chapter link: `{trailing}`"),
        ));
    }
    let dest = target[..end].trim();
    if title.trim().is_empty() {
        return Err((1, "a chapter link needs a title".into()));
    }
    let dest = dest.trim_start_matches('<').trim_end_matches('>');
    let path = if dest.is_empty() {
        None
    } else {
        // `./blank.md`, `vec/./intro.md` and `a/../b.md` name the files mdBook builds there.
        Some(normalize(Path::new(&percent_decode(dest))))
    };
    Ok((title, path))
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
impl Summary {
    /// Every chapter in reading order, depth first, with its nesting depth (0 = top level).
    pub fn chapters(&self) -> Vec<(&Link, usize)> {
        fn walk<'a>(l: &'a Link, depth: usize, out: &mut Vec<(&'a Link, usize)>) {
            out.push((l, depth));
            for c in &l.children {
                walk(c, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        for item in &self.items {
            if let SummaryItem::Link(l) = item {
                walk(l, 0, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Summary {
        parse(Path::new("SUMMARY.md"), text).unwrap()
    }

    /// mdBook's books write `./chapter.md`; the path names the same file as `chapter.md`.
    #[test]
    fn paths_are_normalised_as_mdbook_reads_them() {
        let s = p("- [Blank](./blank.md)\n- [Vec](./vec/./intro.md)\n- [Space](my%20page.md)\n- [Up](vec/../arc.md)\n");
        let paths: Vec<_> = s
            .chapters()
            .iter()
            .map(|(l, _)| l.path.clone().unwrap())
            .collect();
        assert_eq!(
            paths,
            vec![
                PathBuf::from("blank.md"),
                PathBuf::from("vec/intro.md"),
                PathBuf::from("my page.md"),
                PathBuf::from("arc.md"),
            ]
        );
    }

    #[test]
    fn full_grammar() {
        let s = p("# Summary\n\n[Intro](README.md)\n\n- [One](one.md)\n    - [One A](one/a.md)\n        - [Deep](one/a/deep.md)\n    - [Draft]()\n- [Two](two.md)\n\n---\n\n# Part II\n\n- [Three](three.md)\n\n[Appendix](appendix.md)\n");
        assert_eq!(s.title.as_deref(), Some("Summary"));
        let chapters: Vec<_> = s
            .chapters()
            .iter()
            .map(|(l, d)| (l.title.clone(), l.number.clone(), *d))
            .collect();
        assert_eq!(
            chapters,
            vec![
                ("Intro".into(), None, 0),
                ("One".into(), Some(vec![1]), 0),
                ("One A".into(), Some(vec![1, 1]), 1),
                ("Deep".into(), Some(vec![1, 1, 1]), 2),
                ("Draft".into(), Some(vec![1, 2]), 1),
                ("Two".into(), Some(vec![2]), 0),
                ("Three".into(), Some(vec![3]), 0),
                ("Appendix".into(), None, 0),
            ]
        );
        assert!(s.items.contains(&SummaryItem::Separator));
        assert!(s.items.contains(&SummaryItem::PartTitle("Part II".into())));
    }

    #[test]
    fn error_has_line_and_column() {
        let errs = parse(
            Path::new("SUMMARY.md"),
            "# S\n\n- [One](one.md)\n  - One B\n",
        )
        .unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].line, errs[0].col), (4, 5));
    }

    #[test]
    fn numbered_after_suffix_is_an_error() {
        let errs = parse(
            Path::new("SUMMARY.md"),
            "- [A](a.md)\n\n[S](s.md)\n\n- [B](b.md)\n",
        )
        .unwrap_err();
        assert_eq!(errs[0].line, 5);
    }
}
