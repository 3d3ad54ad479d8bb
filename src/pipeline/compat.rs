//! What mdBook refuses, docgen refuses too, so a book that fails with one fails with the other:
//! a chapter at `print.md` (the print page's place), an `[output.html] theme` directory that
//! does not exist, redirects that would replace a chapter or that have only `#fragment`
//! entries, `[output.html.search.chapter]` keys that match no chapter, a forge logo asked for
//! as a regular icon (`git-repository-icon = "fa-github"`), and an `[output.NAME]`
//! renderer whose command cannot be found (a warning when it is `optional`). docgen writes HTML only: a renderer that does exist is named once as not run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use docgen_core::diagnostic::{Diagnostic, Diagnostics};

use super::load::LangSources;
use crate::project::Project;

/// Checks the book against mdBook's refusals; problems go to `diagnostics` on book.toml or
/// SUMMARY.md.
pub(crate) fn check(project: &Project, sources: &[LangSources], diagnostics: &mut Diagnostics) {
    let config = &project.config;
    let toml = PathBuf::from("book.toml");
    let html = &config.output.html;
    if let Some(theme) = &html.theme {
        if !project.root.join(theme).is_dir() {
            diagnostics.push(
                Diagnostic::error(
                    &toml,
                    format!("[output.html] theme `{}` does not exist", theme.display()),
                )
                .with_hint("mdBook's theme directory must exist; remove the key to use docgen's theme (docgen's own is [docgen] theme)"),
            );
        }
    }
    // mdBook 0.5 reads `fa-NAME` as a regular icon; the forge logos are brand icons only.
    if let Some(icon) = &html.git_repository_icon {
        const BRANDS: &[&str] = &["github", "gitlab", "bitbucket", "git", "git-alt", "gitea"];
        if let Some(name) = icon.strip_prefix("fa-").filter(|n| BRANDS.contains(n)) {
            diagnostics.push(
                Diagnostic::error(
                    &toml,
                    format!("[output.html] git-repository-icon `{icon}`: `{name}` is a brand icon, not a regular one"),
                )
                .with_hint(format!("write `fab-{name}`, as mdBook 0.5 requires")),
            );
        }
    }
    if html.mathjax_support == Some(true) {
        diagnostics.push(
            Diagnostic::warning(
                &toml,
                "[output.html] mathjax-support: docgen does not load MathJax; math stays as written",
            )
            .with_hint("a preprocessor such as mdbook-katex renders math at build time, and docgen runs it"),
        );
    }
    let mut chapter_urls = BTreeSet::new();
    for s in sources {
        for ch in &s.nav.chapters {
            let Some(src) = &ch.source else { continue };
            if src == Path::new("print.md") {
                diagnostics.push(
                    Diagnostic::error(
                        s.tree
                            .dir
                            .join("SUMMARY.md")
                            .strip_prefix(&project.root)
                            .unwrap_or(Path::new("SUMMARY.md")),
                        "print.md is reserved: the print page is written there",
                    )
                    .at(ch.summary_line, 1, 1)
                    .with_hint("rename the chapter's file, as mdBook also requires"),
                );
            }
            if let Some(url) = ch.url() {
                chapter_urls.insert(url);
            }
        }
    }
    // [output.html.search.chapter."PATH"]: each PATH must be a chapter or a directory of them.
    let chapter_keys = html
        .search
        .as_ref()
        .and_then(|s| s.get("chapter"))
        .and_then(toml::Value::as_table);
    for key in chapter_keys.into_iter().flat_map(|t| t.keys()) {
        let matches = sources.iter().flat_map(|s| &s.nav.chapters).any(|ch| {
            ch.source.as_ref().is_some_and(|src| {
                let src = src.to_string_lossy();
                src == key.as_str() || src.starts_with(&format!("{}/", key.trim_end_matches('/')))
            })
        });
        if !matches {
            diagnostics.push(
                Diagnostic::error(
                    &toml,
                    format!("[output.html.search.chapter] key `{key}` matches no chapter path"),
                )
                .with_hint("keys are chapter paths (`first/page.md`) or their directories (`second`), as in SUMMARY.md"),
            );
        }
    }
    let mut plain: BTreeSet<&str> = BTreeSet::new();
    let mut fragments: BTreeSet<&str> = BTreeSet::new();
    for from in html.redirect.keys() {
        let path = from.trim_start_matches('/');
        match path.split_once('#') {
            Some((p, _)) => {
                fragments.insert(p);
            }
            None => {
                plain.insert(path);
                if chapter_urls.contains(path) {
                    diagnostics.push(
                        Diagnostic::error(
                            &toml,
                            format!("[output.html.redirect] `{from}` would replace the chapter written there"),
                        )
                        .with_hint("delete the redirect or the chapter, as mdBook requires"),
                    );
                }
            }
        }
    }
    for p in fragments.difference(&plain) {
        diagnostics.push(
            Diagnostic::error(
                &toml,
                format!("[output.html.redirect] `/{p}` has only `#fragment` entries"),
            )
            .with_hint("add an entry for the path without a fragment: it is where every other fragment goes"),
        );
    }
    for (name, value) in &config.output.other {
        let table = value.as_table();
        let command = table
            .and_then(|t| t.get("command"))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("mdbook-{name}"));
        let optional = table
            .and_then(|t| t.get("optional"))
            .and_then(toml::Value::as_bool)
            .unwrap_or(false);
        let program = command.split_whitespace().next().unwrap_or_default();
        let found = if program.contains('/') {
            project.root.join(program).is_file()
        } else {
            docgen_core::which::find_program(program).is_some()
        };
        match (found, optional) {
            (true, _) => diagnostics.push(Diagnostic::warning(
                &toml,
                format!("[output.{name}]: docgen writes HTML only and does not run the `{name}` renderer"),
            )),
            (false, true) => diagnostics.push(Diagnostic::warning(
                &toml,
                format!("[output.{name}]: its command `{command}` was not found; it is optional"),
            )),
            (false, false) => diagnostics.push(
                Diagnostic::error(
                    &toml,
                    format!("[output.{name}]: its command `{command}` was not found"),
                )
                .with_hint("install it, or mark the table `optional = true` (mdBook refuses this book too)"),
            ),
        }
    }
}

/// What docgen takes from an mdBook `theme/` directory (`[output.html] theme`, default
/// `theme`): its `css/*.css` as stylesheets after docgen's own, `head.hbs` into every page's
/// `<head>`, and `favicon.svg`/`favicon.png`. Handlebars templates (`index.hbs` ...) cannot
/// drive docgen's pages: the build says so once.
#[derive(Debug, Clone, Default)]
pub(crate) struct MdbookTheme {
    /// `theme/css/X.css`, as site paths, in name order.
    pub(crate) css: Vec<String>,
    /// The text of `head.hbs`.
    pub(crate) head: Option<String>,
    /// `favicon.svg` or `favicon.png`, as a site path.
    pub(crate) favicon: Option<String>,
    /// Site path → file to copy.
    files: Vec<(String, PathBuf)>,
}

impl MdbookTheme {
    /// Reads the book's mdBook theme directory, if there is one.
    pub(crate) fn load(project: &Project, diagnostics: &mut Diagnostics) -> MdbookTheme {
        let mut theme = MdbookTheme::default();
        let rel = project
            .config
            .output
            .html
            .theme
            .clone()
            .unwrap_or_else(|| PathBuf::from("theme"));
        let dir = project.root.join(&rel);
        if !dir.is_dir() {
            return theme;
        }
        let mut css: Vec<PathBuf> = std::fs::read_dir(dir.join("css"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "css"))
            .collect();
        css.sort();
        for p in css {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            let site = format!("theme/css/{name}");
            theme.css.push(site.clone());
            theme.files.push((site, p));
        }
        if let Ok(head) = std::fs::read_to_string(dir.join("head.hbs")) {
            theme.head = Some(head);
        }
        for name in ["favicon.svg", "favicon.png"] {
            let p = dir.join(name);
            if p.is_file() {
                theme.favicon = Some(name.to_string());
                theme.files.push((name.to_string(), p));
                break;
            }
        }
        let templates: Vec<String> = ["index.hbs", "header.hbs", "toc.html.hbs", "toc.js.hbs"]
            .iter()
            .filter(|n| dir.join(n).is_file())
            .map(|n| n.to_string())
            .collect();
        if !templates.is_empty() {
            diagnostics.push(
                Diagnostic::warning(
                    PathBuf::from(&rel).join(&templates[0]),
                    format!(
                        "mdBook's Handlebars templates ({}) cannot drive docgen's pages: docgen uses its own page template",
                        templates.join(", ")
                    ),
                )
                .with_hint("docgen takes theme/css/*.css, head.hbs and the favicon from here; to change the page itself, put a page.html under themes/<name>/templates/"),
            );
        }
        theme
    }

    /// Copies the theme's files into the site.
    pub(crate) fn add_files(&self, output: &mut crate::output::Output) {
        for (site, from) in &self.files {
            output.copy(site.clone(), from.clone());
        }
    }
}
