//! Diagnostics: a problem found in the book's sources, with the file, line and column where it
//! is, the offending source line, and a hint. Rendered like a compiler:
//!
//! ```text
//! content/intro.md:12:5: error: link to a missing page `setup.md`
//!    |
//! 12 | See [setup](setup.md).
//!    |     ^^^^^^^^^^^^^^^^^
//!    = hint: the pages are listed in content/SUMMARY.md
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Reported, but the build still succeeds.
    Warning,
    /// The build fails.
    Error,
}

/// One problem in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, relative to the book root where possible.
    pub path: PathBuf,
    /// 1-based line; 0 when the problem is about the file as a whole.
    pub line: usize,
    /// 1-based column (in characters); 0 when unknown.
    pub col: usize,
    /// How many characters the caret underline covers (at least 1 when shown).
    pub len: usize,
    /// What is wrong.
    pub message: String,
    /// The text of the offending line, for the snippet.
    pub source_line: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error in `path` with no position yet.
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            line: 0,
            col: 0,
            len: 0,
            message: message.into(),
            source_line: None,
            hint: None,
        }
    }

    /// A warning in `path` with no position yet.
    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    /// Sets the position (1-based line and column) and the caret length.
    pub fn at(mut self, line: usize, col: usize, len: usize) -> Self {
        self.line = line;
        self.col = col;
        self.len = len;
        self
    }

    /// Sets the position from a byte offset into `text` (the whole file), and takes the source
    /// line for the snippet from it. `len` is in bytes and is clipped to the line.
    pub fn at_offset(self, text: &str, offset: usize, len: usize) -> Self {
        self.at_offset_in(&Lines::new(text), offset, len)
    }

    /// [`Diagnostic::at_offset`] with the text's line index made once, for a pass that may
    /// report many diagnostics in one file (each then costs a binary search, not a scan).
    pub fn at_offset_in(mut self, lines: &Lines<'_>, offset: usize, len: usize) -> Self {
        let text = lines.text;
        let pos = lines.position(offset);
        let line_text = lines.line(pos.line).unwrap_or_default();
        let start = offset.min(text.len());
        let end = (start + len).min(text.len());
        let covered = text.get(start..end).unwrap_or("");
        let covered = covered.split('\n').next().unwrap_or("");
        self.line = pos.line;
        self.col = pos.col;
        self.len = covered.chars().count().max(1);
        self.source_line = Some(line_text.to_string());
        self
    }

    /// Attaches the offending line's text.
    pub fn with_source_line(mut self, line: impl Into<String>) -> Self {
        self.source_line = Some(line.into());
        self
    }

    /// Takes the snippet line from the file's text, using the diagnostic's line.
    pub fn with_source_from(mut self, text: &str) -> Self {
        if self.line > 0 {
            self.source_line = line_of(text, self.line).map(str::to_string);
        }
        self
    }

    /// Attaches a hint: what the reader should do.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let path = self.path.display();
        match (self.line, self.col) {
            (0, _) => write!(f, "{path}: {kind}: {}", self.message)?,
            (l, 0) => write!(f, "{path}:{l}: {kind}: {}", self.message)?,
            (l, c) => write!(f, "{path}:{l}:{c}: {kind}: {}", self.message)?,
        }
        let gutter = self.line.to_string().len().max(1);
        let pad = " ".repeat(gutter);
        if let (Some(src), true) = (&self.source_line, self.line > 0) {
            let src = src.trim_end_matches(['\r', '\n']);
            writeln!(f)?;
            writeln!(f, "{pad} |")?;
            write!(f, "{:>gutter$} | {src}", self.line)?;
            if self.col > 0 {
                // Tabs keep their width so the caret lines up under the text.
                let lead: String = src
                    .chars()
                    .take(self.col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f)?;
                write!(f, "{pad} | {lead}{}", "^".repeat(self.len.max(1)))?;
            }
        }
        if let Some(hint) = &self.hint {
            writeln!(f)?;
            write!(f, "{pad} = hint: {hint}")?;
        }
        Ok(())
    }
}

/// A 1-based line and column in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl Position {
    /// The line and column of byte `offset` in `text` (clamped to the text).
    pub fn of(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = text[line_start..offset].chars().count() + 1;
        Position { line, col }
    }
}

/// Where each line of a text starts, for many offset → position look-ups.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    /// Indexes `text` (one pass).
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The same as [`Position::of`], in logarithmic time.
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        // The last line start at or before the offset.
        let line = self.starts.partition_point(|&s| s <= offset);
        let col = self.text[self.starts[line - 1]..offset].chars().count() + 1;
        Position { line, col }
    }

    /// The same as [`line_of`].
    pub fn line(&self, line: usize) -> Option<&'a str> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        Some(self.text[start..end].trim_end_matches('\r'))
    }
}

/// The text of 1-based line `line` of `text`, without its line ending.
pub fn line_of(text: &str, line: usize) -> Option<&str> {
    text.split('\n')
        .nth(line.checked_sub(1)?)
        .map(|l| l.trim_end_matches('\r'))
}

/// A set of diagnostics collected over a whole run, so that one bad page reports with the rest.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Adds many.
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// All diagnostics, sorted by file, line and column, duplicates removed.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut v = self.items.clone();
        v.sort_by(|a, b| {
            (&a.path, a.line, a.col, &a.message).cmp(&(&b.path, b.line, b.col, &b.message))
        });
        v.dedup();
        v
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Renders every diagnostic, each followed by a blank line, then a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            out.push_str(&d.to_string());
            out.push_str("\n\n");
        }
        out
    }
}

/// Makes `path` relative to `root` for display, when it is inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_index_agrees_with_the_scans() {
        for text in ["", "a", "a\n", "a\r\nb\n\nc", "é\nxyz\n", "\n\n"] {
            let lines = Lines::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    lines.position(offset),
                    Position::of(text, offset),
                    "{text:?} {offset}"
                );
            }
            for line in 0..6 {
                assert_eq!(
                    lines.line(line),
                    line_of(text, line),
                    "{text:?} line {line}"
                );
            }
        }
    }

    #[test]
    fn renders_position_snippet_caret_and_hint() {
        let text = "one\nSee [x](missing.md).\n";
        let offset = text.find("[x]").unwrap();
        let d = Diagnostic::error("content/a.md", "link to a missing page `missing.md`")
            .at_offset(text, offset, "[x](missing.md)".len())
            .with_hint("check the path");
        assert_eq!(
            d.to_string(),
            "content/a.md:2:5: error: link to a missing page `missing.md`\n  |\n2 | See [x](missing.md).\n  |     ^^^^^^^^^^^^^^^\n  = hint: check the path"
        );
    }

    #[test]
    fn position_counts_characters_not_bytes() {
        let text = "khởi động x";
        let p = Position::of(text, text.find('x').unwrap());
        assert_eq!(p, Position { line: 1, col: 11 });
    }
}
