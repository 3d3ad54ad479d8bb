//! The second stage of a build: rendering one language's chapters, in batches, each batch in
//! parallel. A chapter is expanded (includes, lab cards), rendered to HTML (Markdown,
//! highlighting, annotations), put into the page template and written out at once; its body
//! goes to the print page and its sections to the search index, in reading order, as soon as
//! its batch is done. What stays in memory per page is small: its URL, title, anchor ids and
//! links, which the link check needs once every page is known. So memory does not grow with
//! the size of the rendered site.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use super::cache::{self, BuildCache, CachedPage};
use super::context::{additional, base_context};
use super::labs::{unknown_lab_message, Ctx, LabIndex};
use super::load::{LangSources, Language};
use super::whole_book::{BookFiles, Deferred};
use crate::links::{check_links, Targets};
use crate::markdown::include;
use crate::markdown::{self, LinkRef, TocEntry};
use crate::nav::{prefix_to_root, url_for, Nav};
use crate::output::{Content, Output};
use crate::page::Page;
use crate::project::Project;
use crate::search;
use crate::source;
use crate::template::{Templates, ThemeLabels};
use docgen_core::diagnostic::{display_path, Diagnostic, Diagnostics};

/// Chapters rendered together before their results are collected: enough to keep both cores
/// busy, few enough that their HTML is never a large part of memory.
const BATCH: usize = 128;

/// What the rest of the build needs to know about a rendered page.
pub(crate) struct PageRecord {
    /// Source path, relative to the language's source directory.
    pub(crate) rel: PathBuf,
    /// The file on disk (read again only to show a broken link's line).
    pub(crate) abs: PathBuf,
    /// The file as diagnostics name it.
    pub(crate) display_path: PathBuf,
    /// URL relative to the language root.
    pub(crate) url: String,
    pub(crate) title: String,
    /// Every id an anchor can point at.
    pub(crate) ids: HashSet<String>,
    pub(crate) links: Vec<LinkRef>,
    /// Old paths that redirect to this page (front matter `aliases:`).
    pub(crate) aliases: Vec<String>,
}

/// One language, rendered.
pub(crate) struct RenderedLanguage {
    /// The pages in reading order.
    pub(crate) records: Vec<PageRecord>,
    /// Files read by includes, for `serve` to watch.
    pub(crate) included: Vec<PathBuf>,
    /// The search index's sizes, when it was made with the pages.
    pub(crate) search: Option<search::IndexStats>,
    /// The pages, when the print page and search index are made after publishing (`serve`).
    pub(crate) deferred: Option<Deferred>,
    pub(crate) tree: source::SourceTree,
    pub(crate) nav: Nav,
}

/// What every page of a build shares.
pub(crate) struct Env<'a> {
    pub(crate) project: &'a Project,
    pub(crate) templates: &'a Templates,
    pub(crate) labs: &'a LabIndex,
    pub(crate) languages: &'a [Language],
    /// Per language code, the source paths of its pages (for the language switcher).
    pub(crate) available: &'a HashMap<&'a str, HashSet<PathBuf>>,
    pub(crate) default_theme: &'static str,
    /// Pages rendered by earlier builds (`serve`).
    pub(crate) cache: Option<&'a BuildCache>,
    /// A hash of everything a page template reads besides the page (see `cache::site_key`).
    pub(crate) site_key: u128,
    /// Leave the print page and search index for after the pages are published (`serve`).
    pub(crate) pages_first: bool,
    /// `[output.html.code.hidelines]`: language → the prefix of its hidden lines.
    pub(crate) hidelines: BTreeMap<String, String>,
    /// What a page's rendering reads besides the page (the labs' results, `hidelines`), for
    /// the page cache's key.
    pub(crate) render_salt: u128,
    /// A docgen book (see `Project::is_docgen_book`): broken links and includes are errors;
    /// in a plain mdBook book, warnings.
    pub(crate) strict: bool,
    /// `[output.html] smart-punctuation` (or `curly-quotes`), on unless the book turns it off.
    pub(crate) smart_punctuation: bool,
    /// What docgen takes from an mdBook `theme/` directory.
    pub(crate) mdbook_theme: super::compat::MdbookTheme,
}

/// What rendering one chapter gives.
struct PageOut {
    record: PageRecord,
    /// The page's body (for the print page) and search entries.
    page: Arc<CachedPage>,
    /// The written page: its path in the site and its content.
    path: String,
    content: Content,
    diagnostics: Vec<Diagnostic>,
    included: Vec<PathBuf>,
}

/// Renders every chapter of `lang`, writing pages, the print page and the search index into
/// `output` as it goes, then checks the links of every page.
pub(crate) fn render_language(
    env: &Env<'_>,
    lang: &Language,
    sources: LangSources,
    output: &mut Output,
    diagnostics: &mut Diagnostics,
) -> anyhow::Result<RenderedLanguage> {
    let LangSources {
        tree, nav, jobs, ..
    } = sources;
    let html_cfg = &env.project.config.output.html;
    let print = html_cfg.print.enable.then(|| {
        let mut ctx = base_context(&env.project.config, lang);
        ctx.insert("root", &prefix_to_root(&lang.prefix));
        ctx.insert("default_theme", env.default_theme);
        ctx.insert(
            "labels",
            crate::template::ThemeLabels::for_language(&lang.code),
        );
        ctx
    });
    // The print page and search index: fed as pages come, or (serve) made after publishing.
    let (book, print) = if env.pages_first {
        (None, print)
    } else {
        let book = BookFiles::start(env.templates, print, lang, jobs.len(), output)?;
        (Some(book), None)
    };
    // Batches render on rayon's threads while this language's collector, on a thread of its
    // own, takes the batch before in reading order: print page, search index, the page list.
    // Files to add to the output are listed and added once both are done.
    type Batch = Vec<Result<anyhow::Result<PageOut>, Box<Diagnostic>>>;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
    let shared: &Output = output;
    let collected = std::thread::scope(|scope| {
        let collector = scope.spawn(move || collect(rx, book, shared));
        let mut rest = jobs;
        while !rest.is_empty() {
            let tail = rest.split_off(BATCH.min(rest.len()));
            let batch = std::mem::replace(&mut rest, tail);
            let results: Batch = batch
                .into_par_iter()
                .map(|(chapter, page)| {
                    let display = page.display_path.clone();
                    // A bug in a renderer must not take the whole process down: the page is
                    // reported with its file and the build fails cleanly (serve keeps its last
                    // good site).
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        render_page(env, lang, &tree, &nav, chapter, page, shared)
                    }))
                    .map_err(|panic| crash_diagnostic(&display, panic))
                })
                .collect();
            if tx.send(results).is_err() {
                // The collector stopped on an error; it says which.
                break;
            }
        }
        drop(tx);
        collector
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    diagnostics.extend(collected.found);
    for (path, content) in collected.files {
        output.put(path, content);
    }
    let (search, deferred) = match collected.book {
        Some(book) => (Some(book.finish(env.templates, output)?), None),
        None => (
            None,
            Some(Deferred {
                lang: lang.clone(),
                print,
                pages: collected.pages,
            }),
        ),
    };

    check_language_links(&collected.records, &tree, env.strict, diagnostics);
    Ok(RenderedLanguage {
        records: collected.records,
        included: collected.included,
        search,
        deferred,
        tree,
        nav,
    })
}

/// What the collector of one language gathered.
struct Collected {
    /// The print page and search index, fed with every page (unless they are made later).
    book: Option<BookFiles>,
    /// Every page in reading order, when the print page and search index are made later.
    pages: Vec<Arc<CachedPage>>,
    records: Vec<PageRecord>,
    included: Vec<PathBuf>,
    found: Vec<Diagnostic>,
    /// Output path → content, to add to the output.
    files: Vec<(String, Content)>,
}

/// Takes rendered batches in reading order until the renderers are done: feeds the print page
/// and the search index (or keeps the pages for them), keeps each page's record.
fn collect(
    batches: std::sync::mpsc::Receiver<Vec<Result<anyhow::Result<PageOut>, Box<Diagnostic>>>>,
    mut book: Option<BookFiles>,
    output: &Output,
) -> anyhow::Result<Collected> {
    let mut records = Vec::new();
    let mut included = Vec::new();
    let mut found = Vec::new();
    let mut files = Vec::new();
    let mut pages = Vec::new();
    for batch in batches {
        for r in batch {
            let out = match r {
                Ok(out) => out?,
                Err(d) => {
                    found.push(*d);
                    continue;
                }
            };
            found.extend(out.diagnostics);
            included.extend(out.included);
            match &mut book {
                Some(book) => book.push(&out.page, output)?,
                None => pages.push(out.page),
            }
            files.push((out.path, out.content));
            records.push(out.record);
        }
    }
    Ok(Collected {
        book,
        pages,
        records,
        included,
        found,
        files,
    })
}

fn crash_diagnostic(display: &Path, panic: Box<dyn std::any::Any + Send>) -> Box<Diagnostic> {
    let msg = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    Box::new(
        Diagnostic::error(
            display,
            format!("docgen crashed while rendering this page: {msg}"),
        )
        .with_hint("this is a bug in docgen; please report it with this page attached"),
    )
}

/// Links, checked against every page of this language (and its other files). A broken link
/// is an error in a docgen book; in a plain mdBook book (which mdBook builds without checking
/// links) it is a warning, so the book builds as it is and `--deny-warnings` makes it strict.
fn check_language_links(
    records: &[PageRecord],
    tree: &source::SourceTree,
    strict: bool,
    diagnostics: &mut Diagnostics,
) {
    let mut targets = Targets::default();
    for r in records {
        targets.pages.insert(r.rel.as_path(), &r.ids);
        targets.urls.insert(r.url.as_str(), r.rel.as_path());
    }
    for a in &tree.assets {
        targets.files.insert(a.rel.as_path());
    }
    let found: Vec<Vec<Diagnostic>> = records
        .par_iter()
        .map(|r| {
            check_links(
                &r.links,
                &r.rel,
                &r.ids,
                &|| source::read_text(&r.abs).unwrap_or_default(),
                &r.display_path,
                &targets,
            )
        })
        .collect();
    for d in found {
        diagnostics.extend(d.into_iter().map(|mut d| {
            if !strict {
                d.severity = docgen_core::diagnostic::Severity::Warning;
            }
            d
        }));
    }
}

/// Expands, renders and writes one chapter's page.
fn render_page(
    env: &Env<'_>,
    lang: &Language,
    tree: &source::SourceTree,
    nav: &Nav,
    chapter: usize,
    p: Page,
    output: &Output,
) -> anyhow::Result<PageOut> {
    let file = tree.dir.join(&p.rel);
    let ctx = Ctx {
        labs: env.labs,
        lang: &lang.code,
    };
    let expanded = include::expand(
        p.body(),
        p.body_start,
        &p.text,
        &file,
        &p.display_path,
        &ctx,
    );
    let url = url_for(&p.rel);
    let nav_title = &nav.chapters[chapter].title;
    let key = env.cache.map(|c| {
        (
            c,
            cache::key(
                &lang.code,
                &p.display_path,
                &p.text,
                &expanded.text,
                nav_title,
                env.render_salt,
            ),
        )
    });
    let page = match key.and_then(|(c, k)| c.get(k)) {
        Some(page) => page,
        None => {
            let rendered = markdown::render(
                &expanded.text,
                &expanded.map,
                &p.text,
                &p.display_path,
                &lang.code,
                &markdown::BookContext {
                    proofs: &env.labs.proofs,
                    hidelines: &env.hidelines,
                    smart_punctuation: env.smart_punctuation,
                },
            );
            // `{{#title ...}}` (mdBook's), then front matter, then the first heading.
            let title = expanded
                .title
                .clone()
                .or_else(|| p.front.title.clone())
                .or_else(|| rendered.first_heading.clone())
                .unwrap_or_else(|| nav_title.clone());
            let search = search_entries(&rendered, &url, &title);
            let page = Arc::new(CachedPage {
                rendered,
                title,
                search,
            });
            if let Some((c, k)) = key {
                c.insert(k, Arc::clone(&page));
            }
            page
        }
    };
    let mut diags = expanded.diagnostics;
    // mdBook builds a book whose include is missing (it logs it): in a plain mdBook book so
    // does docgen, with a warning.
    diags.extend(expanded.include_problems.into_iter().map(|mut d| {
        if !env.strict {
            d.severity = docgen_core::diagnostic::Severity::Warning;
        }
        d
    }));
    diags.extend(page.rendered.diagnostics.iter().cloned());
    if let Some(lab) = &p.front.lab {
        if !env.labs.labs.contains_key(lab) {
            let line = front_matter_line(&p.text, "lab");
            diags.push(
                Diagnostic::error(&p.display_path, unknown_lab_message(lab, env.labs))
                    .at(line, 1, 3)
                    .with_source_from(&p.text)
                    .with_hint("labs live in labs/<id>/lab.yaml; `docgen lab list` shows them"),
            );
        }
    }

    // The page around the body: from the cache when neither the body nor anything else the
    // template reads (the site's key: config, templates, navigation, languages) changed.
    let html_key = key.map(|(c, k)| (c, cache::page_key(k, env.site_key, chapter)));
    let path = format!("{}{url}", lang.prefix);
    let content = match html_key {
        Some((c, k)) => {
            let html = match c.get_html(k) {
                Some(html) => html,
                None => {
                    let html: Arc<[u8]> =
                        page_html(env, lang, tree, nav, chapter, &p, &url, &page)?
                            .into_bytes()
                            .into();
                    c.insert_html(k, Arc::clone(&html));
                    html
                }
            };
            output.stash_shared(&path, html)?
        }
        None => {
            let html = page_html(env, lang, tree, nav, chapter, &p, &url, &page)?;
            output.stash(&path, html.into_bytes())?
        }
    };
    Ok(PageOut {
        record: PageRecord {
            abs: file,
            display_path: p.display_path,
            rel: p.rel,
            url,
            title: page.title.clone(),
            ids: page.rendered.ids.clone(),
            links: page.rendered.links.clone(),
            aliases: p.front.aliases,
        },
        page,
        path,
        content,
        diagnostics: diags,
        included: expanded.included,
    })
}

/// A page's sections for the search index.
fn search_entries(rendered: &markdown::Rendered, url: &str, title: &str) -> search::PageEntries {
    let section_urls: Vec<String> = rendered
        .sections
        .iter()
        .map(|sec| match &sec.id {
            Some(id) if sec.level > 1 => format!("{url}#{id}"),
            _ => url.to_string(),
        })
        .collect();
    search::entries(
        rendered
            .sections
            .iter()
            .zip(&section_urls)
            .map(|(sec, u)| search::Doc {
                url: u,
                page_title: title,
                heading: &sec.heading,
                text: &sec.text,
            }),
    )
}

/// The page template around a rendered body.
#[allow(clippy::too_many_arguments)]
fn page_html(
    env: &Env<'_>,
    lang: &Language,
    tree: &source::SourceTree,
    nav: &Nav,
    chapter: usize,
    p: &Page,
    page_url: &str,
    page: &CachedPage,
) -> anyhow::Result<String> {
    let (title, rendered) = (page.title.as_str(), &page.rendered);
    let config = &env.project.config;
    let html_cfg = &config.output.html;
    let url = format!("{}{page_url}", lang.prefix);
    let root_prefix = prefix_to_root(&url);
    let lang_prefix = prefix_to_root(page_url);
    let (prev, next) = neighbours(nav, chapter, &lang_prefix);
    let switch: Vec<LangLink> = env
        .languages
        .iter()
        .map(|other| {
            let target = p.translation_path(&other.code);
            let exists = env
                .available
                .get(other.code.as_str())
                .is_some_and(|s| s.contains(&target));
            LangLink {
                lang: other.code.clone(),
                name: other.name.clone(),
                current: other.code == lang.code,
                url: exists.then(|| format!("{root_prefix}{}{}", other.prefix, url_for(&target))),
            }
        })
        .collect();
    let alternates: Vec<&LangLink> = switch
        .iter()
        .filter(|l| l.url.is_some() && env.languages.len() > 1)
        .collect();
    let mut ctx = base_context(config, lang);
    ctx.insert(
        "page",
        &PageCtx {
            title,
            description: p.front.description.as_deref(),
            content: &rendered.html,
            toc: &rendered.toc,
            path: &url,
            source: p.rel.to_string_lossy().replace('\\', "/"),
            number: nav.chapters[chapter].number.as_deref(),
            lab: p.front.lab.as_deref(),
        },
    );
    ctx.insert("root", &root_prefix);
    ctx.insert("lang_root", &lang_prefix);
    ctx.insert("page_url", page_url);
    ctx.insert("prev", &prev);
    ctx.insert("next", &next);
    ctx.insert("labels", ThemeLabels::for_language(&lang.code));
    ctx.insert("languages", &switch);
    ctx.insert("alternates", &alternates);
    ctx.insert("print_enabled", &html_cfg.print.enable);
    ctx.insert("repository", &html_cfg.git_repository_url);
    ctx.insert(
        "edit_url",
        &html_cfg.edit_url_template.as_ref().map(|t| {
            let src = display_path(&env.project.root, &tree.dir.join(&p.rel));
            t.replace("{path}", &src.to_string_lossy())
        }),
    );
    ctx.insert("default_theme", env.default_theme);
    let mut css = additional(&html_cfg.additional_css);
    css.extend(env.mdbook_theme.css.iter().cloned());
    ctx.insert("additional_css", &css);
    ctx.insert("additional_js", &additional(&html_cfg.additional_js));
    ctx.insert("head_extra", &env.mdbook_theme.head);
    ctx.insert("favicon", &env.mdbook_theme.favicon);
    env.templates.render("page.html", &ctx)
}

fn front_matter_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(&format!("{key}:")))
        .map_or(1, |i| i + 1)
}

fn neighbours(nav: &Nav, current: usize, prefix: &str) -> (Option<NavLink>, Option<NavLink>) {
    let link = |i: usize| {
        let c = &nav.chapters[i];
        c.url().map(|u| NavLink {
            title: c.title.clone(),
            url: format!("{prefix}{u}"),
        })
    };
    let prev = (0..current).rev().find_map(link);
    let next = (current + 1..nav.chapters.len()).find_map(link);
    (prev, next)
}

#[derive(Serialize)]
struct NavLink {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct LangLink {
    lang: String,
    name: String,
    current: bool,
    url: Option<String>,
}

#[derive(Serialize)]
struct PageCtx<'a> {
    title: &'a str,
    description: Option<&'a str>,
    content: &'a str,
    toc: &'a [TocEntry],
    path: &'a str,
    source: String,
    number: Option<&'a str>,
    lab: Option<&'a str>,
}
