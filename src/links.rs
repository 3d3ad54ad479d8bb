//! Link checking: every internal link in every page must reach a page or file of the book, and
//! every `#anchor` must exist on its target page. A relative link that climbs above the book's
//! root leaves the site and is external, as in mdBook. Linear in the number of links: targets are
//! looked up in hash maps built once.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path};

use crate::markdown::{include::normalize, is_external, LinkRef};
use docgen_core::diagnostic::Diagnostic;

/// What a link can point at in one language of the book, borrowed from the build's own records
/// of its pages and files.
#[derive(Debug, Default)]
pub struct Targets<'a> {
    /// Pages by source path (relative to the language's source dir) → their anchor ids.
    pub pages: HashMap<&'a Path, &'a HashSet<String>>,
    /// Output URLs (relative to the language root) of pages, for links written as `.html`.
    pub urls: HashMap<&'a str, &'a Path>,
    /// Other files of the source tree (images, downloads), relative to the source dir.
    pub files: HashSet<&'a Path>,
}

/// Checks the links of one page. `page_rel` is the page's path in the source tree, `ids` its own
/// anchors, `text` gives its file text (for snippets; asked for only when a link is broken, so a
/// build need not keep every page's source), `display` its name in diagnostics.
pub fn check_links(
    links: &[LinkRef],
    page_rel: &Path,
    ids: &HashSet<String>,
    text: &dyn Fn() -> String,
    display: &Path,
    targets: &Targets<'_>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let source = std::cell::OnceCell::new();
    let dir = page_rel.parent().unwrap_or(Path::new(""));
    for link in links {
        let dest = link.dest.as_str();
        if dest.is_empty() || is_external(dest) || dest.starts_with('/') {
            continue;
        }
        let (path_part, frag) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (dest, None),
        };
        let path_part = path_part.split('?').next().unwrap_or("");
        let diag = |msg: String, hint: String| {
            Diagnostic::error(display, msg)
                .at_offset(source.get_or_init(text), link.page_offset, link.len)
                .with_hint(hint)
        };
        if path_part.is_empty() {
            if let Some(f) = frag {
                if !f.is_empty() && !ids.contains(&decode(f)) {
                    out.push(diag(
                        format!("link to a missing anchor `#{f}` in this page"),
                        hint_anchors(ids),
                    ));
                }
            }
            continue;
        }
        // A relative link that climbs above the book's root leads out of the site (`../std/`
        // beside a book deployed with others): external, as mdBook treats it, and not checked.
        if leaves_root(&dir.join(decode(path_part))) {
            continue;
        }
        let target = normalize(&dir.join(decode(path_part)));
        let page_ids = if target.extension().is_some_and(|e| e == "md") {
            targets.pages.get(target.as_path()).copied()
        } else if target.extension().is_some_and(|e| e == "html") {
            targets
                .urls
                .get(target.to_string_lossy().replace('\\', "/").as_str())
                .and_then(|src| targets.pages.get(src).copied())
        } else {
            None
        };
        match page_ids {
            Some(tids) => {
                if let Some(f) = frag {
                    if !f.is_empty() && !tids.contains(&decode(f)) {
                        out.push(diag(
                            format!("link to a missing anchor `#{f}` in `{path_part}`"),
                            hint_anchors(tids),
                        ));
                    }
                }
            }
            None if targets.files.contains(target.as_path()) => {}
            // A directory link reaches its index page.
            None if targets
                .pages
                .contains_key(target.join("README.md").as_path())
                || targets
                    .pages
                    .contains_key(target.join("index.md").as_path()) => {}
            None => out.push(diag(
                format!("link to a missing page or file `{path_part}`"),
                if path_part.ends_with(".md") {
                    "link to a chapter listed in SUMMARY.md, with a path relative to this page"
                        .to_string()
                } else {
                    "paths are relative to this page; files must be inside the source directory"
                        .to_string()
                },
            )),
        }
    }
    out
}

/// Whether `..` components take the path above where it starts.
fn leaves_root(path: &Path) -> bool {
    let mut depth = 0usize;
    for c in path.components() {
        match c {
            Component::ParentDir if depth == 0 => return true,
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    false
}

fn hint_anchors(ids: &HashSet<String>) -> String {
    let mut v: Vec<&String> = ids.iter().filter(|i| !i.starts_with("code-")).collect();
    v.sort();
    if v.is_empty() {
        "the target page has no headings to link to".to_string()
    } else {
        let shown: Vec<String> = v.iter().take(8).map(|s| format!("#{s}")).collect();
        format!(
            "anchors there: {}{}",
            shown.join(", "),
            if v.len() > 8 { ", ..." } else { "" }
        )
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
