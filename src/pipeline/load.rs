//! The first stage of a build: which languages the book has, and for each one its source tree,
//! its pages parsed (front matter split from the body, in parallel), its navigation from
//! SUMMARY.md, and the chapters to render in reading order. Problems found on the way (a
//! missing chapter file, an unlisted page, a missing translation) become diagnostics. Nothing is
//! rendered here.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::nav::Nav;
use crate::page::{self, Page};
use crate::project::Project;
use crate::source;
use crate::summary;
use docgen_core::diagnostic::{display_path, Diagnostic, Diagnostics};

/// One language of the book and where its sources and output are.
#[derive(Debug, Clone)]
pub(crate) struct Language {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) dir: PathBuf,
    /// Output prefix: `""` for a one-language book, `"vi/"` otherwise.
    pub(crate) prefix: String,
}

/// The languages of the book, the default one first (it owns the 404 page and the root
/// redirect).
pub(crate) fn plan_languages(project: &Project) -> Vec<Language> {
    let config = &project.config;
    let src = project.src_dir();
    if config.languages.is_empty() {
        return vec![Language {
            code: config.language().to_string(),
            name: config.language().to_string(),
            title: config.title().to_string(),
            description: config.book.description.clone(),
            dir: src,
            prefix: String::new(),
        }];
    }
    let mut langs: Vec<Language> = config
        .languages
        .iter()
        .map(|(code, l)| Language {
            code: code.clone(),
            name: l.name.clone().unwrap_or_else(|| code.clone()),
            title: l
                .title
                .clone()
                .unwrap_or_else(|| config.title().to_string()),
            description: l
                .description
                .clone()
                .or_else(|| config.book.description.clone()),
            dir: src.join(code),
            prefix: format!("{code}/"),
        })
        .collect();
    langs.sort_by_key(|l| !config.languages.get(&l.code).is_some_and(|c| c.default));
    langs
}

/// One language's sources, parsed and ready to render.
pub(crate) struct LangSources {
    pub(crate) tree: source::SourceTree,
    pub(crate) nav: Nav,
    /// The chapters to render, in reading order: (index in `nav.chapters`, page).
    pub(crate) jobs: Vec<(usize, Page)>,
    /// Files read (pages and SUMMARY.md), for `serve` to watch.
    pub(crate) inputs: Vec<PathBuf>,
}

impl LangSources {
    /// The source paths of the pages that will be built.
    pub(crate) fn built_paths(&self) -> HashSet<PathBuf> {
        self.jobs.iter().map(|(_, p)| p.rel.clone()).collect()
    }
}

/// Loads one language: walks its tree, parses every page, reads SUMMARY.md (or orders the pages
/// by front matter when there is none).
pub(crate) fn load_language(
    project: &Project,
    lang: &Language,
    languages: &[Language],
    cache: Option<&super::BuildCache>,
    diagnostics: &mut Diagnostics,
) -> anyhow::Result<LangSources> {
    let root = &project.root;
    // Another language's tree may live inside this one (`src/` and `src/vi/`).
    let other_dirs: Vec<PathBuf> = languages
        .iter()
        .filter(|l| l.dir != lang.dir && l.dir.starts_with(&lang.dir))
        .map(|l| l.dir.clone())
        .collect();
    let tree = source::load(&lang.dir, &other_dirs)?;
    let mut inputs = Vec::new();
    let summary_path = tree.dir.join("SUMMARY.md");
    let summary_display = display_path(root, &summary_path);

    let parsed: Vec<(PathBuf, Result<Page, Box<Diagnostic>>)> = tree
        .markdown
        .par_iter()
        .filter(|f| f.rel != Path::new("SUMMARY.md"))
        .map(|f| {
            let display = display_path(root, &f.abs);
            let text = match cache {
                Some(c) => c.read_source(&f.abs),
                None => source::read_text(&f.abs),
            };
            let result = text
                .map_err(|e| Box::new(Diagnostic::error(&display, format!("{e:#}"))))
                .and_then(|text| page::parse(&display, &f.rel, text));
            (f.rel.clone(), result)
        })
        .collect();
    let mut pages: HashMap<PathBuf, Page> = HashMap::with_capacity(parsed.len());
    for (rel, r) in parsed {
        inputs.push(tree.dir.join(&rel));
        match r {
            Ok(p) => {
                pages.insert(rel, p);
            }
            Err(d) => diagnostics.push(*d),
        }
    }

    let nav = if summary_path.is_file() {
        inputs.push(summary_path.clone());
        let text = source::read_text(&summary_path)?;
        match summary::parse(&summary_display, &text) {
            Ok(s) => {
                diagnostics.extend(s.warnings.iter().cloned());
                let nav = Nav::from_summary(&s);
                // A chapter file without `.md` (`first/README`) is a chapter all the same, as
                // in mdBook: the tree walk only picked up `.md` files.
                for ch in &nav.chapters {
                    let Some(src) = &ch.source else { continue };
                    let abs = tree.dir.join(src);
                    if pages.contains_key(src)
                        || src.extension().is_some_and(|e| e == "md")
                        || !abs.is_file()
                    {
                        continue;
                    }
                    let display = display_path(root, &abs);
                    inputs.push(abs.clone());
                    match source::read_text(&abs)
                        .map_err(|e| Box::new(Diagnostic::error(&display, format!("{e:#}"))))
                        .and_then(|text| page::parse(&display, src, text))
                    {
                        Ok(p) => {
                            pages.insert(src.clone(), p);
                        }
                        Err(d) => diagnostics.push(*d),
                    }
                }
                let create = project
                    .config
                    .build
                    .create_missing
                    .unwrap_or_else(|| !project.is_docgen_book());
                check_nav_files(
                    &nav,
                    &mut pages,
                    &tree,
                    &text,
                    &summary_display,
                    (create, root),
                    diagnostics,
                );
                if project.config.docgen.warn_unlisted {
                    warn_unlisted(&nav, &pages, &tree, root, &summary_display, diagnostics);
                }
                nav
            }
            Err(errs) => {
                diagnostics.extend(errs);
                Nav::default()
            }
        }
    } else {
        Nav::from_pages(
            pages
                .iter()
                .filter(|(_, p)| !p.front.draft)
                .map(|(rel, p)| {
                    let title = p
                        .front
                        .title
                        .clone()
                        .or_else(|| first_heading_text(p.body()))
                        .unwrap_or_else(|| file_title(rel));
                    (rel.clone(), title, p.front.weight.unwrap_or(0))
                })
                .collect(),
        )
    };

    // The chapters to render, in reading order. A page listed twice is rendered once, at its
    // first place.
    let mut jobs = Vec::new();
    for (i, c) in nav.chapters.iter().enumerate() {
        let Some(src) = &c.source else { continue };
        if pages.get(src).is_some_and(|p| !p.front.draft) {
            let page = pages.remove(src).expect("present");
            jobs.push((i, page));
        }
    }
    Ok(LangSources {
        tree,
        nav,
        jobs,
        inputs,
    })
}

/// Pages present in one language and missing in another.
pub(crate) fn check_translations(
    root: &Path,
    languages: &[Language],
    sources: &[LangSources],
    available: &HashMap<&str, HashSet<PathBuf>>,
    diagnostics: &mut Diagnostics,
) {
    for (lang, s) in languages.iter().zip(sources) {
        for other in languages {
            if other.code == lang.code {
                continue;
            }
            for (_, p) in &s.jobs {
                let target = p.translation_path(&other.code);
                if !available[other.code.as_str()].contains(&target) {
                    diagnostics.push(
                        Diagnostic::warning(
                            display_path(root, &s.tree.dir.join(&p.rel)),
                            format!(
                                "no `{}` translation of this page (expected {})",
                                other.code,
                                display_path(root, &other.dir.join(&target)).display()
                            ),
                        )
                        .with_hint(format!(
                            "write the translation, or name it in front matter: `translations: {{ {}: path.md }}`",
                            other.code
                        )),
                    );
                }
            }
        }
    }
}

fn warn_unlisted(
    nav: &Nav,
    pages: &HashMap<PathBuf, Page>,
    tree: &source::SourceTree,
    root: &Path,
    summary_display: &Path,
    diagnostics: &mut Diagnostics,
) {
    let listed: HashSet<&Path> = nav
        .chapters
        .iter()
        .filter_map(|c| c.source.as_deref())
        .collect();
    let mut unlisted: Vec<&PathBuf> = pages
        .iter()
        .filter(|(rel, p)| !listed.contains(rel.as_path()) && !p.front.draft)
        .map(|(rel, _)| rel)
        .collect();
    unlisted.sort();
    for rel in unlisted {
        diagnostics.push(
            Diagnostic::warning(
                display_path(root, &tree.dir.join(rel)),
                "this chapter is not listed in SUMMARY.md, so it is not built",
            )
            .with_hint(format!(
                "add `- [Title]({})` to {}, or mark the page `draft: true`",
                rel.display(),
                summary_display.display()
            )),
        );
    }
}

/// Reports SUMMARY.md entries whose file is missing.
/// Every chapter of SUMMARY.md must have its file. With `create` (mdBook's `create-missing`),
/// a missing one is rendered as an empty page with its title, and a warning says so.
fn check_nav_files(
    nav: &Nav,
    pages: &mut HashMap<PathBuf, Page>,
    tree: &source::SourceTree,
    summary_text: &str,
    summary_display: &Path,
    (create, root): (bool, &Path),
    diagnostics: &mut Diagnostics,
) {
    for ch in &nav.chapters {
        let Some(src) = &ch.source else { continue };
        if pages.contains_key(src) {
            continue;
        }
        let exists = tree.dir.join(src).is_file();
        if exists {
            // It exists but failed to parse: that error is reported already.
            continue;
        }
        let line_text =
            docgen_core::diagnostic::line_of(summary_text, ch.summary_line).unwrap_or("");
        let needle = format!("({}", src.display());
        let col = line_text
            .find(&needle)
            .map_or(1, |i| line_text[..i + 1].chars().count() + 1);
        if create {
            let display = display_path(root, &tree.dir.join(src));
            if let Ok(page) = page::parse(&display, src, format!("# {}\n", ch.title)) {
                pages.insert(src.clone(), page);
                diagnostics.push(
                    Diagnostic::warning(
                        summary_display,
                        format!(
                            "chapter file `{}` does not exist: its page is empty but for its title",
                            src.display()
                        ),
                    )
                    .at(ch.summary_line, col, src.to_string_lossy().chars().count())
                    .with_source_line(line_text)
                    .with_hint("create the file; `[build] create-missing = false` makes this an error (mdBook would write the file, docgen leaves the sources alone)"),
                );
                continue;
            }
        }
        diagnostics.push(
            Diagnostic::error(
                summary_display,
                format!("chapter file `{}` does not exist", src.display()),
            )
            .at(ch.summary_line, col, src.to_string_lossy().chars().count())
            .with_source_line(line_text)
            .with_hint(format!(
                "create {} or fix the path (relative to {})",
                tree.dir.join(src).display(),
                tree.dir.display()
            )),
        );
    }
}

fn first_heading_text(body: &str) -> Option<String> {
    body.lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_string())
}

fn file_title(rel: &Path) -> String {
    rel.file_stem()
        .map(|s| s.to_string_lossy().replace(['-', '_'], " "))
        .unwrap_or_default()
}
