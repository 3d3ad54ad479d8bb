//! The fenced code blocks of the book's Markdown sources, found line by line: transcripts and
//! claims need a block's lines and page line numbers, not its HTML, and run outside a build.

use std::path::PathBuf;

use walkdir::WalkDir;

use crate::project::Project;

/// Every Markdown source of the book, sorted.
pub fn pages(project: &Project) -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = WalkDir::new(project.src_dir())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    pages
}

/// One fenced block: the 0-based index of its opening line and of its closing line (the
/// number of lines when it is never closed), and its info string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence<'a> {
    /// The opening line's index.
    pub start: usize,
    /// The closing line's index.
    pub end: usize,
    /// What follows the opening backticks or tildes.
    pub info: &'a str,
}

/// The top-level fenced blocks of `lines` (a block inside another is part of it).
pub fn fences<'a>(lines: &[&'a str]) -> Vec<Fence<'a>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((fence, info)) = opening_fence(lines[i]) else {
            i += 1;
            continue;
        };
        let mut end = i + 1;
        while end < lines.len() && !closes(lines[end], &fence) {
            end += 1;
        }
        out.push(Fence {
            start: i,
            end,
            info,
        });
        i = end + 1;
    }
    out
}

/// ```` ```console lab=x ```` → the fence (its character and length) and the info string.
fn opening_fence(line: &str) -> Option<(String, &str)> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None;
    }
    let c = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = t.chars().take_while(|x| *x == c).count();
    (n >= 3).then(|| (c.to_string().repeat(n), t[n..].trim()))
}

fn closes(line: &str, fence: &str) -> bool {
    let t = line.trim();
    t.starts_with(fence)
        && t.trim_start_matches(fence.chars().next().unwrap_or('`'))
            .is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_unclosed_blocks() {
        let text = "a\n````markdown\n```ini\nx\n```\n````\n~~~ console lab=x\n$ y\n";
        let lines: Vec<&str> = text.lines().collect();
        let f = fences(&lines);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!((f[0].start, f[0].end, f[0].info), (1, 5, "markdown"));
        assert_eq!((f[1].start, f[1].end, f[1].info), (6, 8, "console lab=x"));
    }
}
