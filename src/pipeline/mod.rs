//! The build pipeline, end to end, in three stages: load (every language's sources parsed and
//! its navigation read, in `load`), render (each language's chapters rendered in parallel
//! batches and written out as they are done, with the print page and search index fed in
//! reading order, in `render`), and the files around the pages (`files`). Links and lab
//! `explains:` are checked once every page's anchors are known. `check`, `build` and `serve`
//! share it: they differ only in the [`Output`] the site goes to (dropped, staged on disk, or
//! kept in memory).

mod cache;
mod compat;
mod context;
mod files;
mod labs;
mod load;
mod preprocess;
mod print;
mod proofs;
mod render;
mod whole_book;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use cache::{BuildCache, CacheStats};
pub use labs::{LabIndex, LabInfo};
pub use whole_book::WholeBook;

use crate::output::Output;
use crate::project::Project;
use crate::search;
use crate::template::Templates;
use docgen_core::diagnostic::Diagnostics;

/// A built site with everything found on the way.
#[derive(Debug)]
pub struct Built {
    /// The files of the site.
    pub output: Output,
    /// Errors and warnings, all of them.
    pub diagnostics: Diagnostics,
    /// Number of pages rendered.
    pub pages: usize,
    /// The language codes built.
    pub languages: Vec<String>,
    /// Files the build read (pages, includes, SUMMARY.md, book.toml), for watching.
    pub inputs: Vec<PathBuf>,
    /// Wall time of the build.
    pub elapsed: std::time::Duration,
    /// The search index of each language: code and sizes.
    pub search: Vec<(String, search::IndexStats)>,
    /// How the cache of rendered pages did, for a cached build.
    pub cache: Option<CacheStats>,
    /// The print pages and search indexes still to make, for [`build_pages_first`]: the
    /// output waits for them when one of their files is read.
    pub whole_book: Option<WholeBook>,
}

/// Builds the whole site in memory (what `serve` serves).
pub fn build(project: &Project) -> anyhow::Result<Built> {
    build_with(project, Output::default(), None, false)
}

/// Builds the whole site in memory, taking unchanged pages from `cache` (filled by earlier
/// builds) instead of rendering them again: what `serve` does on every edit.
pub fn build_cached(project: &Project, cache: &BuildCache) -> anyhow::Result<Built> {
    build_with(project, Output::default(), Some(cache), false)
}

/// Like [`build_cached`], but returns once the pages are built: the print pages and search
/// indexes, which need every page and are the slowest part of a rebuild, are left in
/// [`Built::whole_book`] to make after the site is published. Until
/// [`WholeBook::finish`] is done, reading one of their files from the output waits for it.
/// What `serve` does, so that an edited page is on screen sooner.
pub fn build_pages_first(project: &Project, cache: &BuildCache) -> anyhow::Result<Built> {
    build_with(project, Output::default(), Some(cache), true)
}

/// Builds the whole site for writing to `out`: pages, print page and search index go to disk
/// (the staging directory of [`Output::write_atomic`]) as they are made, so memory does not
/// grow with the site's output.
pub fn build_into(project: &Project, out: &Path) -> anyhow::Result<Built> {
    build_with(project, Output::staged_for(out)?, None, false)
}

/// Builds the whole site for its diagnostics only: the files are listed but their content is
/// dropped (what `check` needs).
pub fn check(project: &Project) -> anyhow::Result<Built> {
    build_with(project, Output::discarding(), None, false)
}

/// Phase times on stderr when `DOCGEN_TIMINGS` is set (for profiling; not a stable format).
struct Timings {
    started: Instant,
    on: bool,
}

impl Timings {
    fn new() -> Timings {
        Timings {
            started: Instant::now(),
            on: std::env::var_os("DOCGEN_TIMINGS").is_some(),
        }
    }

    fn mark(&self, what: &str) {
        if self.on {
            eprintln!(
                "timing {:>8.3}s {what}",
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

fn build_with(
    project: &Project,
    mut output: Output,
    cache: Option<&BuildCache>,
    pages_first: bool,
) -> anyhow::Result<Built> {
    let timings = Timings::new();
    let config = &project.config;
    let mut diagnostics = Diagnostics::new();
    let mut inputs = vec![project.root.join("book.toml")];
    let templates = Templates::load(project.theme_dir().as_deref())?;
    timings.mark("templates");
    let (mut labs, lab_diags) =
        LabIndex::load(&project.labs_dir(), &project.cache_dir(), &project.config);
    labs.proofs = proofs::index(project, &labs);
    timings.mark("labs");
    diagnostics.extend(lab_diags);
    let languages = load::plan_languages(project);

    // Load every language first: a page's language switcher needs to know which pages every
    // other language has.
    let mut sources = Vec::with_capacity(languages.len());
    for lang in &languages {
        let mut s = load::load_language(project, lang, &languages, cache, &mut diagnostics)?;
        preprocess::run(project, &mut s, &labs, &lang.code, &mut diagnostics)?;
        inputs.extend(s.inputs.iter().cloned());
        sources.push(s);
        timings.mark(&format!("loaded {}", lang.code));
    }
    let built_paths: Vec<HashSet<PathBuf>> = sources.iter().map(|s| s.built_paths()).collect();
    let available: HashMap<&str, HashSet<PathBuf>> = languages
        .iter()
        .map(|l| l.code.as_str())
        .zip(built_paths)
        .collect();
    if !labs.labs.is_empty() {
        // A transcript (```console lab=ID) must name a lab, a check of it, and a user: checked
        // on the pages already loaded, not read again.
        let specs: Vec<&docgen_lab::spec::LabSpec> = labs.labs.values().map(|l| &l.spec).collect();
        let mut found = Vec::new();
        for (_, page) in sources.iter().flat_map(|s| &s.jobs) {
            crate::transcripts::of_page(&page.display_path, &page.text, &specs, None, &mut found);
        }
        diagnostics.extend(found);
    }
    compat::check(project, &sources, &mut diagnostics);
    load::check_translations(
        &project.root,
        &languages,
        &sources,
        &available,
        &mut diagnostics,
    );
    timings.mark("loaded");

    let default_theme = match config.output.html.default_theme.as_deref() {
        Some("dark" | "navy" | "coal" | "ayu") => "dark",
        _ => "light",
    };
    let mdbook_theme = compat::MdbookTheme::load(project, &mut diagnostics);
    // Everything a page template reads besides the page itself, for the cache of finished pages.
    let site_key = if cache.is_some() {
        let mut paths: Vec<Vec<&PathBuf>> = languages
            .iter()
            .map(|l| available[l.code.as_str()].iter().collect())
            .collect();
        paths.iter_mut().for_each(|p| p.sort());
        let described = format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            config,
            languages,
            sources.iter().map(|s| &s.nav).collect::<Vec<_>>(),
            paths,
            mdbook_theme
        );
        docgen_core::hash::hash_parts([
            described.as_bytes(),
            &templates.fingerprint().to_le_bytes()[..],
        ])
    } else {
        0
    };
    let hidelines: std::collections::BTreeMap<String, String> = config
        .output
        .html
        .code
        .as_ref()
        .and_then(|c| c.get("hidelines"))
        .and_then(toml::Value::as_table)
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let html = &config.output.html;
    let smart_punctuation = html.smart_punctuation.or(html.curly_quotes).unwrap_or(true);
    let render_salt = docgen_core::hash::hash_parts([
        &labs.proofs.digest.to_le_bytes()[..],
        format!("{hidelines:?} {smart_punctuation}").as_bytes(),
    ]);
    let env = render::Env {
        project,
        templates: &templates,
        labs: &labs,
        languages: &languages,
        available: &available,
        default_theme,
        cache,
        site_key,
        pages_first,
        hidelines,
        render_salt,
        strict: project.is_docgen_book(),
        smart_punctuation,
        mdbook_theme,
    };
    let mut rendered = Vec::with_capacity(languages.len());
    let mut sitemap_urls = Vec::new();
    let mut search_stats = Vec::new();
    for (lang, s) in languages.iter().zip(sources) {
        let r = render::render_language(&env, lang, s, &mut output, &mut diagnostics)?;
        timings.mark(&format!("rendered {}", lang.code));
        inputs.extend(r.included.iter().cloned());
        sitemap_urls.extend(
            r.records
                .iter()
                .map(|p| format!("{}{}", lang.prefix, p.url)),
        );
        if let Some(stats) = r.search {
            search_stats.push((lang.code.clone(), stats));
        }
        files::language_files(
            project,
            &templates,
            lang,
            &r.nav,
            &r.records,
            default_theme,
            &mut output,
        )?;
        for asset in &r.tree.assets {
            let rel = asset.rel.to_string_lossy().replace('\\', "/");
            output.copy(format!("{}{rel}", lang.prefix), asset.abs.clone());
        }
        rendered.push(r);
    }

    // Every `explains:` of a lab check must name a page and anchor of every language.
    let pages: Vec<(&str, HashMap<&Path, &HashSet<String>>)> = languages
        .iter()
        .zip(&rendered)
        .map(|(l, r)| {
            (
                l.code.as_str(),
                r.records
                    .iter()
                    .map(|p| (p.rel.as_path(), &p.ids))
                    .collect(),
            )
        })
        .collect();
    labs::check_explains(&labs, &pages, &mut diagnostics);

    files::site_files(
        project,
        &templates,
        &languages,
        &sitemap_urls,
        default_theme,
        &mut output,
        &mut diagnostics,
    )?;
    env.mdbook_theme.add_files(&mut output);
    timings.mark("site files");
    let cache = cache.map(BuildCache::sweep);
    let deferred: Vec<whole_book::Deferred> =
        rendered.into_iter().filter_map(|r| r.deferred).collect();
    let whole_book = (!deferred.is_empty()).then(|| {
        let covers = deferred
            .iter()
            .flat_map(|d| whole_book::covered(&d.lang, d.print.is_some()))
            .collect();
        let later = std::sync::Arc::new(crate::output::Later::new(covers));
        output.set_later(std::sync::Arc::clone(&later));
        WholeBook::new(templates, deferred, later)
    });

    Ok(Built {
        output,
        diagnostics,
        pages: sitemap_urls.len(),
        languages: languages.iter().map(|l| l.code.clone()).collect(),
        inputs,
        elapsed: timings.started.elapsed(),
        search: search_stats,
        cache,
        whole_book,
    })
}
