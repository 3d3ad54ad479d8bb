//! The site's shape: which chapters exist, in which order, at which URL, with which section
//! numbers, and the sidebar that shows them. Built from SUMMARY.md, or from the pages' front
//! matter (`weight`, then path) when a book has no SUMMARY.md.

use std::path::{Path, PathBuf};

use crate::summary::{Link, Summary, SummaryItem};
use docgen_core::text::escape;

/// A chapter in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// The title shown in the sidebar.
    pub title: String,
    /// "1.2." for numbered chapters.
    pub number: Option<String>,
    /// 0 for top-level chapters.
    pub depth: usize,
    /// The file, relative to the language's source directory; `None` for a draft.
    pub source: Option<PathBuf>,
    /// The line in SUMMARY.md (0 without one).
    pub summary_line: usize,
}

impl Chapter {
    /// The chapter's URL relative to the language root (`guide/setup.html`).
    pub fn url(&self) -> Option<String> {
        self.source.as_deref().map(url_for)
    }
}

/// One entry of the sidebar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NavEntry {
    /// Index into [`Nav::chapters`].
    Chapter(usize),
    /// `# Part title`.
    Part(String),
    /// `---`.
    Separator,
}

/// The navigation of one language of the book.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// Every chapter, in reading order (drafts included).
    pub chapters: Vec<Chapter>,
    /// The sidebar's entries, in order.
    pub entries: Vec<NavEntry>,
}

impl Nav {
    /// The navigation described by a SUMMARY.md.
    pub fn from_summary(summary: &Summary) -> Nav {
        fn walk(l: &Link, depth: usize, nav: &mut Nav) {
            nav.entries.push(NavEntry::Chapter(nav.chapters.len()));
            nav.chapters.push(Chapter {
                title: l.title.clone(),
                number: l
                    .number
                    .as_ref()
                    .map(|n| n.iter().map(|x| format!("{x}.")).collect::<String>()),
                depth,
                source: l.path.clone(),
                summary_line: l.line,
            });
            for c in &l.children {
                walk(c, depth + 1, nav);
            }
        }
        let mut nav = Nav::default();
        for item in &summary.items {
            match item {
                SummaryItem::Link(l) => walk(l, 0, &mut nav),
                SummaryItem::PartTitle(t) => nav.entries.push(NavEntry::Part(t.clone())),
                SummaryItem::Separator => nav.entries.push(NavEntry::Separator),
            }
        }
        nav
    }

    /// A flat navigation for a book without SUMMARY.md: `(path, title, weight)` sorted by weight,
    /// then with the index page first, then by path.
    pub fn from_pages(mut pages: Vec<(PathBuf, String, i64)>) -> Nav {
        pages.sort_by(|a, b| {
            let index = |p: &Path| !is_index(p);
            (a.2, index(&a.0), &a.0).cmp(&(b.2, index(&b.0), &b.0))
        });
        let mut nav = Nav::default();
        for (path, title, _) in pages {
            nav.entries.push(NavEntry::Chapter(nav.chapters.len()));
            nav.chapters.push(Chapter {
                title,
                number: None,
                depth: path.components().count().saturating_sub(1),
                source: Some(path),
                summary_line: 0,
            });
        }
        nav
    }

    /// The sidebar as nested lists, with links relative to a page at `current_url`, the current
    /// chapter marked.
    pub fn sidebar_html(&self, current: Option<usize>, prefix: &str, numbers: bool) -> String {
        let mut html = String::with_capacity(self.chapters.len() * 96 + 64);
        html.push_str("<ol class=\"chapters\">");
        let mut depth = 0usize;
        let mut open_li = false;
        for entry in &self.entries {
            match entry {
                NavEntry::Chapter(i) => {
                    let ch = &self.chapters[*i];
                    while depth < ch.depth {
                        html.push_str("<ol>");
                        depth += 1;
                        open_li = false;
                    }
                    while depth > ch.depth {
                        html.push_str("</li></ol>");
                        depth -= 1;
                        open_li = true;
                    }
                    if open_li {
                        html.push_str("</li>");
                    }
                    html.push_str("<li class=\"chapter-item\">");
                    let num = match (&ch.number, numbers) {
                        (Some(n), true) => {
                            format!("<span class=\"section-number\">{}</span> ", escape(n))
                        }
                        _ => String::new(),
                    };
                    match ch.url() {
                        Some(url) => {
                            let active = current == Some(*i);
                            html.push_str(&format!(
                                "<a href=\"{prefix}{}\"{}>{num}{}</a>",
                                escape(&url),
                                if active {
                                    " class=\"active\" aria-current=\"page\""
                                } else {
                                    ""
                                },
                                escape(&ch.title)
                            ));
                        }
                        None => html.push_str(&format!(
                            "<span class=\"draft\">{num}{}</span>",
                            escape(&ch.title)
                        )),
                    }
                    open_li = true;
                }
                NavEntry::Part(_) | NavEntry::Separator => {
                    while depth > 0 {
                        html.push_str("</li></ol>");
                        depth -= 1;
                    }
                    if open_li {
                        html.push_str("</li>");
                        open_li = false;
                    }
                    match entry {
                        NavEntry::Part(t) => {
                            html.push_str(&format!("<li class=\"part-title\">{}</li>", escape(t)))
                        }
                        _ => html.push_str("<li class=\"spacer\" role=\"separator\"></li>"),
                    }
                }
            }
        }
        while depth > 0 {
            html.push_str("</li></ol>");
            depth -= 1;
        }
        if open_li {
            html.push_str("</li>");
        }
        html.push_str("</ol>");
        html
    }
}

/// Whether a source file is a directory's index page.
pub fn is_index(p: &Path) -> bool {
    matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some("README.md" | "index.md")
    )
}

/// `a/b.md` → `a/b.html`; `a/README.md` and `a/index.md` → `a/index.html`.
pub fn url_for(source: &Path) -> String {
    let s = source.to_string_lossy().replace('\\', "/");
    let stem = s.strip_suffix(".md").unwrap_or(&s);
    // mdBook's `index` preprocessor: a README (any case) is its directory's index page.
    let is_index = |name: &str| name.eq_ignore_ascii_case("README") || name == "index";
    let stem = match stem.rsplit_once('/') {
        Some((dir, name)) if is_index(name) => format!("{dir}/index"),
        None if is_index(stem) => "index".to_string(),
        _ => stem.to_string(),
    };
    format!("{stem}.html")
}

/// The relative path from a page at `url` (relative to some root) back to that root: `""` or
/// `"../"` repeated.
pub fn prefix_to_root(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(url_for(Path::new("README.md")), "index.html");
        assert_eq!(url_for(Path::new("second/Readme.md")), "second/index.html");
        assert_eq!(url_for(Path::new("first/README")), "first/index.html");
        assert_eq!(url_for(Path::new("a/README.md")), "a/index.html");
        assert_eq!(url_for(Path::new("a/b.md")), "a/b.html");
        assert_eq!(prefix_to_root("a/b/c.html"), "../../");
        assert_eq!(prefix_to_root("c.html"), "");
    }

    #[test]
    fn sidebar_nests_and_marks_current() {
        let s = crate::summary::parse(
            Path::new("SUMMARY.md"),
            "[Intro](README.md)\n- [A](a.md)\n  - [A1](a/one.md)\n- [Draft]()\n# Part\n- [B](b.md)\n",
        )
        .unwrap();
        let nav = Nav::from_summary(&s);
        let html = nav.sidebar_html(Some(2), "../", true);
        assert!(html.contains("<a href=\"../a/one.html\" class=\"active\" aria-current=\"page\"><span class=\"section-number\">1.1.</span> A1</a>"));
        assert!(html.contains(
            "<span class=\"draft\"><span class=\"section-number\">2.</span> Draft</span>"
        ));
        assert!(html.contains("<li class=\"part-title\">Part</li>"));
        assert_eq!(html.matches("<ol").count(), html.matches("</ol>").count());
        assert_eq!(html.matches("<li").count(), html.matches("</li>").count());
    }
}
