//! `{{#include path}}`, `{{#include path:10:20}}` and `{{#include path:anchor}}`: text-level
//! expansion before Markdown parsing, as in mdBook. Paths are relative to the page and, as in
//! mdBook, may reach anywhere on disk (a book in `guide/` shows `../examples/x.rs` of its
//! repository); the book's authors are trusted like its templates. A directive without a path
//! (`{{#include}}` in prose) stays text, and `\{{#include x}}` is written out literally.
//! `{{#lab id}}` is expanded here too, into the lab card's HTML. A [`SourceMap`] keeps every
//! later diagnostic pointing at the page's own line.

use std::path::{Component, Path, PathBuf};

use docgen_core::diagnostic::Diagnostic;

/// Maps offsets in the expanded text back to offsets in the page.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// `(expanded_start, page_start, literal)`, sorted; a literal piece maps byte for byte, an
    /// inserted piece maps to its directive.
    pieces: Vec<(usize, usize, bool)>,
}

impl SourceMap {
    /// The page offset for an offset in the expanded text.
    pub fn to_page(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.0 <= offset);
        if i == 0 {
            return offset;
        }
        let (out, src, literal) = self.pieces[i - 1];
        if literal {
            src + (offset - out)
        } else {
            src
        }
    }
}

/// What expanding a page needs from the rest of docgen.
pub trait Expander {
    /// The HTML of the lab card for `id`, or an error message when there is no such lab.
    fn lab_card(&self, id: &str) -> Result<String, String>;
}

/// The expanded text, its source map, the files it read, and the problems found.
#[derive(Debug, Default)]
pub struct Expanded {
    /// The Markdown after expansion.
    pub text: String,
    /// Expanded offsets → page offsets.
    pub map: SourceMap,
    /// Files read by includes (for `serve` to watch).
    pub included: Vec<PathBuf>,
    /// Missing files and anchors, bad ranges, unknown labs.
    pub diagnostics: Vec<Diagnostic>,
    /// `{{#title ...}}`: the page's title, as mdBook sets it.
    pub title: Option<String>,
    /// Problems of `{{#include}}`-like directives (a missing file, range or anchor): errors in
    /// a docgen book, warnings in a plain mdBook book, which mdBook builds all the same.
    pub include_problems: Vec<Diagnostic>,
}

/// How deep includes of includes go, as in mdBook (a file that includes itself stops there).
const MAX_DEPTH: usize = 10;

/// Expands the directives in `body`, which starts at byte `body_start` of `page_text` (used for
/// positions). `page_file` is the page's path on disk, `display` its name in diagnostics.
pub fn expand(
    body: &str,
    body_start: usize,
    page_text: &str,
    page_file: &Path,
    display: &Path,
    ctx: &dyn Expander,
) -> Expanded {
    expand_at(body, body_start, page_text, page_file, display, ctx, 0)
}

/// Included text is expanded too (relative to its own file), up to [`MAX_DEPTH`].
fn expand_included(
    text: String,
    file: &Path,
    display: &Path,
    ctx: &dyn Expander,
    depth: usize,
    out: &mut Expanded,
    outer: &dyn Fn(String) -> Diagnostic,
) -> String {
    if depth + 1 >= MAX_DEPTH || !text.contains("{{#") {
        return text;
    }
    let inner = expand_at(&text, 0, &text, file, display, ctx, depth + 1);
    out.included.extend(inner.included);
    // A problem inside an included file is reported at the directive that brought it in.
    for d in inner.diagnostics {
        out.diagnostics
            .push(outer(format!("in `{}`: {}", file.display(), d.message)));
    }
    for d in inner.include_problems {
        out.include_problems
            .push(outer(format!("in `{}`: {}", file.display(), d.message)));
    }
    inner.text
}

#[allow(clippy::too_many_arguments)]
fn expand_at(
    body: &str,
    body_start: usize,
    page_text: &str,
    page_file: &Path,
    display: &Path,
    ctx: &dyn Expander,
    depth: usize,
) -> Expanded {
    let mut out = Expanded::default();
    if !body.contains("{{#") {
        out.text = body.to_string();
        out.map.pieces.push((0, body_start, true));
        return out;
    }
    let mut rest_start = 0;
    let mut search_from = 0;
    while let Some(found) = body[search_from..].find("{{#") {
        let start = search_from + found;
        // `\{{#include ...}}` is written out literally, without the backslash.
        if start > 0 && body.as_bytes()[start - 1] == b'\\' {
            push_literal(
                &mut out,
                &body[rest_start..start - 1],
                body_start + rest_start,
            );
            rest_start = start;
            search_from = start + 3;
            continue;
        }
        let Some(close) = body[start..].find("}}") else {
            break;
        };
        let end = start + close + 2;
        let inner = body[start + 3..end - 2].trim();
        let (name, arg) = inner
            .split_once(char::is_whitespace)
            .map(|(n, a)| (n, a.trim()))
            .unwrap_or((inner, ""));
        let page_offset = body_start + start;
        let directive_len = end - start;
        let diag = |msg: String, hint: &str| {
            Diagnostic::error(display, msg)
                .at_offset(page_text, page_offset, directive_len)
                .with_hint(hint)
        };
        let replacement = match name {
            // mdBook needs a path after the name: without one the text stays as written.
            "include" | "rustdoc_include" | "playground" if arg.is_empty() => None,
            // `{{#title ...}}` is taken out and noted, as mdBook does.
            "title" => {
                out.title = Some(arg.to_string());
                Some(String::new())
            }
            "include" | "rustdoc_include" | "playground" => {
                match include_kind(name, arg, page_file) {
                    Ok((text, file)) => {
                        let outer = |msg: String| {
                            Diagnostic::error(display, msg).at_offset(
                                page_text,
                                page_offset,
                                directive_len,
                            )
                        };
                        let text =
                            expand_included(text, &file, display, ctx, depth, &mut out, &outer);
                        out.included.push(file);
                        Some(text)
                    }
                    Err(problem) => {
                        let empty = matches!(problem, Problem::Empty(_));
                        let mut d = diag(
                            problem.into_message(),
                            "paths are relative to the page; `{{#include file:10:20}}` takes lines 10 to 20, `{{#include file:name}}` the lines between ANCHOR: name and ANCHOR_END: name",
                        );
                        if empty {
                            d.severity = docgen_core::diagnostic::Severity::Warning;
                        }
                        out.include_problems.push(d);
                        Some(String::new())
                    }
                }
            }
            "lab" => match ctx.lab_card(arg) {
                Ok(html) => Some(format!("\n{html}\n\n")),
                Err(msg) => {
                    out.diagnostics.push(diag(
                        msg,
                        "labs live in labs/<id>/lab.yaml; `docgen lab list` shows them",
                    ));
                    Some(String::new())
                }
            },
            // Other mdBook directives (`{{#playground}}`, `{{#title}}` ...) are left as written.
            _ => None,
        };
        match replacement {
            Some(mut text) => {
                push_literal(&mut out, &body[rest_start..start], body_start + rest_start);
                // The directive usually sits on its own line inside a fence: the file's last
                // newline plus the line's own would add an empty line to the code.
                if body[end..].starts_with('\n')
                    && text.ends_with('\n')
                    && matches!(name, "include" | "rustdoc_include")
                {
                    text.pop();
                }
                out.map.pieces.push((out.text.len(), page_offset, false));
                out.text.push_str(&text);
                rest_start = end;
                search_from = end;
            }
            None => search_from = end,
        }
    }
    push_literal(&mut out, &body[rest_start..], body_start + rest_start);
    out
}

fn push_literal(out: &mut Expanded, text: &str, page_offset: usize) {
    if text.is_empty() {
        return;
    }
    out.map.pieces.push((out.text.len(), page_offset, true));
    out.text.push_str(text);
}

/// The three file directives: `include` as is; `rustdoc_include` keeps the whole file, the
/// lines outside the selection hidden (`# `, Rust's hidden lines); `playground` puts the file
/// into a ```` ```rust ```` block with the directive's attributes (`editable` ...).
fn include_kind(name: &str, arg: &str, page_file: &Path) -> Result<(String, PathBuf), Problem> {
    match name {
        "playground" => {
            let mut words = arg.split_whitespace();
            let path = words.next().unwrap_or_default();
            let attrs: Vec<&str> = words.collect();
            let (text, file) = include(path, page_file)?;
            let info = std::iter::once("rust")
                .chain(attrs.iter().copied())
                .collect::<Vec<_>>()
                .join(",");
            let body = text.strip_suffix('\n').unwrap_or(&text);
            Ok((format!("```{info}\n{body}\n```\n"), file))
        }
        "rustdoc_include" => {
            let (whole, file) = include(arg.split(':').next().unwrap_or_default(), page_file)?;
            let (part, _) = include(arg, page_file)?;
            if part == whole || arg.split(':').count() == 1 {
                return Ok((whole, file));
            }
            // The selected lines stay as they are; every other line is hidden.
            let wanted: Vec<&str> = part.lines().collect();
            let stripped = strip_anchor_lines(&whole);
            let all: Vec<&str> = stripped.lines().collect();
            let start = (0..all.len())
                .find(|&i| all[i..].starts_with(&wanted))
                .unwrap_or(0);
            let mut out = String::new();
            for (i, line) in all.iter().enumerate() {
                if i >= start && i < start + wanted.len() {
                    out.push_str(line);
                } else if line.is_empty() {
                    out.push('#');
                } else {
                    out.push_str("# ");
                    out.push_str(line);
                }
                out.push('\n');
            }
            Ok((out, file))
        }
        _ => include(arg, page_file),
    }
}

/// Reads an include: `path`, `path:start:end` (1-based, inclusive, either may be empty),
/// `path:line` or `path:anchor`.
/// Why an include gave nothing.
#[derive(Debug)]
enum Problem {
    /// The build cannot go on: no such file, no such anchor, a malformed range.
    Error(String),
    /// A line range that starts past the file's end: nothing is included, as in mdBook, and
    /// the build says so.
    Empty(String),
}

impl From<String> for Problem {
    fn from(msg: String) -> Problem {
        Problem::Error(msg)
    }
}

impl Problem {
    fn into_message(self) -> String {
        match self {
            Problem::Error(m) => m,
            Problem::Empty(m) => format!("{m}: nothing is included (as in mdBook)"),
        }
    }
}

fn include(arg: &str, page_file: &Path) -> Result<(String, PathBuf), Problem> {
    let mut parts = arg.splitn(3, ':');
    let rel = parts.next().unwrap_or_default();
    let sel1 = parts.next();
    let sel2 = parts.next();
    let base = page_file.parent().unwrap_or(Path::new("."));
    let file = normalize(&base.join(rel));
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot include `{rel}`: {}", io_reason(&e)))?;
    let selected = match (sel1, sel2) {
        (None, _) => strip_anchor_lines(&text),
        (Some(a), None) if !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()) => {
            lines(&text, a.parse().ok(), a.parse().ok(), rel)?
        }
        (Some(anchor), None) => anchor_section(&text, anchor)
            .ok_or_else(|| format!("no anchor `{anchor}` in `{rel}` (expected lines with `ANCHOR: {anchor}` and `ANCHOR_END: {anchor}`)"))?,
        (Some(a), Some(b)) => {
            let n = |s: &str| -> Result<Option<usize>, String> {
                if s.is_empty() {
                    Ok(None)
                } else {
                    s.parse::<usize>()
                        .map(Some)
                        .map_err(|_| format!("`{s}` is not a line number in `{{{{#include {arg}}}}}`"))
                }
            };
            lines(&text, n(a)?, n(b)?, rel)?
        }
    };
    Ok((selected, file))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        _ => e.to_string(),
    }
}

/// Lines `start..=end` (1-based) of `text`, keeping line endings.
fn lines(
    text: &str,
    start: Option<usize>,
    end: Option<usize>,
    rel: &str,
) -> Result<String, Problem> {
    let all: Vec<&str> = text.split_inclusive('\n').collect();
    let start = start.unwrap_or(1);
    let end = end.unwrap_or(all.len());
    if start > all.len() && start <= end {
        return Err(Problem::Empty(format!(
            "line range {start}:{end} is outside `{rel}`, which has {} lines",
            all.len()
        )));
    }
    if start == 0 || start > end {
        return Err(Problem::Error(format!(
            "line range {start}:{end} is outside `{rel}`, which has {} lines",
            all.len()
        )));
    }
    Ok(all[start - 1..end.min(all.len())].concat())
}

fn is_anchor_line(line: &str) -> bool {
    line.contains("ANCHOR:") || line.contains("ANCHOR_END:")
}

fn strip_anchor_lines(text: &str) -> String {
    if !text.contains("ANCHOR") {
        return text.to_string();
    }
    text.split_inclusive('\n')
        .filter(|l| !is_anchor_line(l))
        .collect()
}

fn anchor_section(text: &str, name: &str) -> Option<String> {
    let mut out = String::new();
    let mut inside = false;
    let mut found = false;
    for line in text.split_inclusive('\n') {
        if let Some(i) = line.find("ANCHOR:") {
            if line[i + 7..].trim().trim_end_matches("-->").trim() == name {
                inside = true;
                found = true;
                continue;
            }
        }
        if let Some(i) = line.find("ANCHOR_END:") {
            if line[i + 11..].trim().trim_end_matches("-->").trim() == name {
                if inside {
                    return Some(out);
                }
                continue;
            }
        }
        if inside && !is_anchor_line(line) {
            out.push_str(line);
        }
    }
    found.then_some(out)
}

/// Resolves `.` and `..` without touching the file system (the file may not exist).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx;
    impl Expander for Ctx {
        fn lab_card(&self, id: &str) -> Result<String, String> {
            if id == "known" {
                Ok("<div class=\"lab-card\">known</div>".into())
            } else {
                Err(format!("unknown lab `{id}`"))
            }
        }
    }

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("src")).unwrap();
        std::fs::create_dir_all(d.path().join("labs/x")).unwrap();
        std::fs::write(
            d.path().join("labs/x/f.txt"),
            "one\n# ANCHOR: mid\ntwo\nthree\n# ANCHOR_END: mid\nfour\n",
        )
        .unwrap();
        let page = d.path().join("src/page.md");
        (d, page)
    }

    fn run(body: &str, page: &Path) -> Expanded {
        expand(body, 0, body, page, Path::new("src/page.md"), &Ctx)
    }

    #[test]
    fn whole_range_and_anchor() {
        let (_dir, page) = setup();
        let e = run("```\n{{#include ../labs/x/f.txt}}\n```\n", &page);
        assert_eq!(e.text, "```\none\ntwo\nthree\nfour\n```\n");
        let e = run("{{#include ../labs/x/f.txt:3:4}}", &page);
        assert_eq!(e.text, "two\nthree\n");
        let e = run("{{#include ../labs/x/f.txt:mid}}", &page);
        assert_eq!(e.text, "two\nthree\n");
        let e = run("{{#include ../labs/x/f.txt:5:}}", &page);
        assert_eq!(e.text, "# ANCHOR_END: mid\nfour\n");
        assert!(e.diagnostics.is_empty());
    }

    #[test]
    fn missing_file_anchor_and_escape_are_errors() {
        let (_dir, page) = setup();
        let body = "a\n{{#include nope.txt}}\n{{#include ../labs/x/f.txt:nope}}\n";
        let e = run(body, &page);
        let lines: Vec<_> = e.include_problems.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![2, 3]);
        assert!(e.include_problems[0].message.contains("no such file"));
        assert!(e.include_problems[1].message.contains("no anchor `nope`"));
    }

    /// mdBook's rules: a path may leave the book (a book in `guide/` includes its repository's
    /// examples), and a directive without a path is text.
    #[test]
    fn includes_follow_mdbook_outside_the_book_and_without_a_path() {
        let outer = tempfile::tempdir().unwrap();
        let book = outer.path().join("guide");
        std::fs::create_dir_all(book.join("src")).unwrap();
        std::fs::create_dir_all(outer.path().join("examples")).unwrap();
        std::fs::write(outer.path().join("examples/nop.rs"), "fn main() {}\n").unwrap();
        let page = book.join("src/page.md");
        let body =
            "```rust\n{{#include ../../examples/nop.rs}}\n```\nWrite `{{#include}}` with a path.\n";
        let e = run(body, &page);
        assert!(e.diagnostics.is_empty(), "{:?}", e.diagnostics);
        assert_eq!(
            e.text,
            "```rust\nfn main() {}\n```\nWrite `{{#include}}` with a path.\n"
        );
    }

    /// mdBook's other directives: `playground` puts the file in a Rust block, `rustdoc_include`
    /// hides the lines outside its range, included text is expanded again (up to a depth, so a
    /// file that includes itself stops), and `title` sets the page title.
    #[test]
    fn playground_rustdoc_include_recursion_and_title() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("ex.rs"),
            "fn a() {}\nfn main() {\n    a();\n}\n",
        )
        .unwrap();
        std::fs::write(d.path().join("again.md"), "round\n{{#include again.md}}\n").unwrap();
        let page = d.path().join("page.md");
        let e = run(
            "{{#title Custom title}}\n{{#playground ex.rs editable}}\n```rust\n{{#rustdoc_include ex.rs:2:4}}\n```\n{{#include again.md}}\n",
            &page,
        );
        assert!(e.diagnostics.is_empty(), "{:?}", e.diagnostics);
        assert_eq!(e.title.as_deref(), Some("Custom title"));
        assert!(
            e.text
                .starts_with("\n```rust,editable\nfn a() {}\nfn main() {\n    a();\n}\n```\n"),
            "{}",
            e.text
        );
        assert!(
            e.text
                .contains("```rust\n# fn a() {}\nfn main() {\n    a();\n}\n```"),
            "{}",
            e.text
        );
        assert_eq!(e.text.matches("round").count(), MAX_DEPTH, "{}", e.text);
    }

    #[test]
    fn escaped_directive_and_source_map() {
        let (_dir, page) = setup();
        let body = "\\{{#include x}}\n{{#include ../labs/x/f.txt:1:1}}\nafter\n";
        let e = run(body, &page);
        assert_eq!(e.text, "{{#include x}}\none\nafter\n");
        let after = e.text.find("after").unwrap();
        assert_eq!(e.map.to_page(after), body.find("after").unwrap());
    }

    #[test]
    fn lab_cards() {
        let (_dir, page) = setup();
        let e = run("{{#lab known}}\n{{#lab other}}\n", &page);
        assert!(e.text.contains("lab-card"));
        assert_eq!(e.diagnostics.len(), 1);
        assert_eq!(e.diagnostics[0].line, 2);
    }
}
