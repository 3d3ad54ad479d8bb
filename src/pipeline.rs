//! The build pipeline, end to end: load the sources of each language, parse SUMMARY.md and the
//! pages, expand includes, render Markdown (in parallel), check links, render templates (in
//! parallel), and collect everything into an [`Output`]. Reading files happens at the start;
//! nothing is written here (see `output` for that), so `check`, `build` and `serve` share it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::check::{check_links, Targets};
use crate::diagnostic::{display_path, Diagnostic, Diagnostics};
use crate::lab::report::{self, CheckStatus, Outcome, Report};
use crate::lab::spec::{self, LabSpec};
use crate::markdown::highlight::{self, escape};
use crate::markdown::include::{self, Expander};
use crate::markdown::{self, Rendered, TocEntry};
use crate::output::Output;
use crate::page::{self, Page};
use crate::project::Project;
use crate::search;
use crate::site::{prefix_to_root, url_for, Nav};
use crate::source;
use crate::summary;
use crate::template::{Templates, ThemeLabels, DEFAULT_STATIC};

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
}

/// One language of the book and where its sources and output are.
#[derive(Debug, Clone)]
struct Language {
    code: String,
    name: String,
    title: String,
    description: Option<String>,
    dir: PathBuf,
    /// Output prefix: `""` for a one-language book, `"vi/"` otherwise.
    prefix: String,
}

/// What the site knows about the book's labs, for lab cards and `lab:` front matter.
#[derive(Debug, Clone, Default)]
pub struct LabIndex {
    /// Lab id → its spec and last recorded result.
    pub labs: BTreeMap<String, LabInfo>,
}

/// One lab, as a page shows it.
#[derive(Debug, Clone)]
pub struct LabInfo {
    /// The parsed `lab.yaml`.
    pub spec: LabSpec,
    /// The last recorded result of the lab as written (not a variant), if it ever ran here.
    pub last: Option<Report>,
    /// `lab.yaml`'s text, for diagnostics about it.
    pub yaml: String,
}

impl LabIndex {
    /// The labs in `labs_dir` (each `labs/<id>/lab.yaml`) with their last results from
    /// `cache_dir`; invalid specs come back as diagnostics.
    pub fn load(labs_dir: &Path, cache_dir: &Path) -> (LabIndex, Vec<Diagnostic>) {
        let mut index = LabIndex::default();
        if !labs_dir.is_dir() {
            return (index, Vec::new());
        }
        let (specs, diags) = spec::load_all(labs_dir);
        for spec in specs {
            let yaml = std::fs::read_to_string(labs_dir.join(&spec.id).join("lab.yaml"))
                .unwrap_or_default();
            let last = report::last_result(cache_dir, &spec.id);
            index
                .labs
                .insert(spec.id.clone(), LabInfo { spec, last, yaml });
        }
        (index, diags)
    }
}

/// Builds the whole site in memory.
pub fn build(project: &Project) -> anyhow::Result<Built> {
    build_with(project, Output::default())
}

/// Builds the whole site for writing to `out`: pages, print page and search index go to disk
/// (the staging directory of [`Output::write_atomic`]) as they are made, so memory does not
/// grow with the site's output.
pub fn build_into(project: &Project, out: &Path) -> anyhow::Result<Built> {
    build_with(project, Output::staged_for(out)?)
}

fn build_with(project: &Project, mut output: Output) -> anyhow::Result<Built> {
    let started = Instant::now();
    let config = &project.config;
    let root = &project.root;
    let mut diagnostics = Diagnostics::new();
    let mut inputs = vec![root.join("book.toml")];
    let templates = Templates::load(project.theme_dir().as_deref())?;
    let (labs, lab_diags) = LabIndex::load(&project.labs_dir(), &project.cache_dir());
    diagnostics.extend(lab_diags);

    let languages = plan_languages(project);
    let mut sitemap_urls: Vec<String> = Vec::new();
    let mut search_stats = Vec::new();

    // Load, parse and render every language first: links are checked across the whole site.
    let mut built_langs = Vec::new();
    for lang in &languages {
        let other_dirs: Vec<PathBuf> = languages
            .iter()
            .filter(|l| l.dir != lang.dir && l.dir.starts_with(&lang.dir))
            .map(|l| l.dir.clone())
            .collect();
        let tree = source::load(&lang.dir, &other_dirs)?;
        let b = build_language(project, lang, &tree, &labs, &mut diagnostics)?;
        inputs.extend(b.inputs.iter().cloned());
        built_langs.push((lang, tree, b));
    }

    // Which source paths exist in which language, for the language switcher.
    let available: HashMap<&str, HashSet<PathBuf>> = built_langs
        .iter()
        .map(|(l, _, b)| {
            (
                l.code.as_str(),
                b.pages.iter().map(|p| p.page.rel.clone()).collect(),
            )
        })
        .collect();

    // Every `explains:` of a lab check must name a page (and anchor) of every language.
    for (id, info) in &labs.labs {
        let yaml_path = PathBuf::from("labs").join(id).join("lab.yaml");
        for check in &info.spec.checks {
            let Some(explains) = &check.explains else {
                continue;
            };
            let (page, anchor) = match explains.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (explains.as_str(), None),
            };
            for (lang, _, b) in &built_langs {
                let target = b.pages.iter().find(|p| p.page.rel == Path::new(page));
                let problem = match (target, anchor) {
                    (None, _) => Some(format!("`explains: {explains}` names no page of the `{}` book", lang.code)),
                    (Some(t), Some(a)) if !t.rendered.ids.contains(a) => Some(format!(
                        "`explains: {explains}`: page `{page}` of the `{}` book has no anchor `#{a}`",
                        lang.code
                    )),
                    _ => None,
                };
                if let Some(msg) = problem {
                    let line = yaml_line_of(&info.yaml, &check.id, explains);
                    diagnostics.push(
                        Diagnostic::error(&yaml_path, msg)
                            .at(line, 1, 0)
                            .with_source_from(&info.yaml)
                            .with_hint("explains: names a page relative to the language's source directory, with an optional #anchor (a heading id)"),
                    );
                }
            }
        }
    }

    // Pages present in one language and missing in another.
    for (lang, tree, b) in &built_langs {
        for other in &languages {
            if other.code == lang.code {
                continue;
            }
            for p in &b.pages {
                let target = p.page.translation_path(&other.code);
                if !available[other.code.as_str()].contains(&target) {
                    diagnostics.push(
                        Diagnostic::warning(
                            display_path(root, &tree.dir.join(&p.page.rel)),
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

    let html_cfg = &config.output.html;
    let default_theme = match html_cfg.default_theme.as_deref() {
        Some("dark" | "navy" | "coal" | "ayu") => "dark",
        _ => "light",
    };

    for (lang, tree, b) in &built_langs {
        let labels = ThemeLabels::for_language(&lang.code);
        let rendered: Vec<anyhow::Result<(String, crate::output::Content)>> = b
            .pages
            .par_iter()
            .map(|p| {
                let url = format!("{}{}", lang.prefix, p.url);
                let root_prefix = prefix_to_root(&url);
                let lang_prefix = prefix_to_root(&p.url);
                let (prev, next) = neighbours(&b.nav, p.chapter, &lang_prefix);
                let switch: Vec<LangLink> = languages
                    .iter()
                    .map(|other| {
                        let target = p.page.translation_path(&other.code);
                        let exists = available
                            .get(other.code.as_str())
                            .is_some_and(|s| s.contains(&target));
                        LangLink {
                            lang: other.code.clone(),
                            name: other.name.clone(),
                            current: other.code == lang.code,
                            url: exists.then(|| {
                                format!("{root_prefix}{}{}", other.prefix, url_for(&target))
                            }),
                        }
                    })
                    .collect();
                let alternates: Vec<&LangLink> = switch
                    .iter()
                    .filter(|l| l.url.is_some() && languages.len() > 1)
                    .collect();
                let mut ctx = base_context(config, lang);
                ctx.insert(
                    "page",
                    &PageCtx {
                        title: &p.title,
                        description: p.page.front.description.as_deref(),
                        content: &p.rendered.html,
                        toc: &p.rendered.toc,
                        path: &url,
                        source: p.page.rel.to_string_lossy().replace('\\', "/"),
                        number: b.nav.chapters[p.chapter].number.as_deref(),
                        lab: p.page.front.lab.as_deref(),
                    },
                );
                ctx.insert("root", &root_prefix);
                ctx.insert("lang_root", &lang_prefix);
                ctx.insert("page_url", &p.url);
                ctx.insert("prev", &prev);
                ctx.insert("next", &next);
                ctx.insert("labels", labels);
                ctx.insert("languages", &switch);
                ctx.insert("alternates", &alternates);
                ctx.insert("print_enabled", &html_cfg.print.enable);
                ctx.insert("repository", &html_cfg.git_repository_url);
                ctx.insert(
                    "edit_url",
                    &html_cfg.edit_url_template.as_ref().map(|t| {
                        let src = display_path(root, &tree.dir.join(&p.page.rel));
                        t.replace("{path}", &src.to_string_lossy())
                    }),
                );
                ctx.insert("default_theme", default_theme);
                ctx.insert("additional_css", &additional(&html_cfg.additional_css));
                ctx.insert("additional_js", &additional(&html_cfg.additional_js));
                let html = templates.render("page.html", &ctx)?;
                let content = output.stash(&url, html.into_bytes())?;
                Ok((url, content))
            })
            .collect();
        for r in rendered {
            let (url, content) = r?;
            sitemap_urls.push(url.clone());
            output.put(url, content);
        }

        // The sidebar is written once per language (toc.js, inserted by each page as it loads)
        // instead of into every page: a page's size stays independent of the book's size.
        let nav_html = b.nav.sidebar_html(None, "", !html_cfg.no_section_label);
        output.add(format!("{}toc.js", lang.prefix), toc_js(&nav_html));
        {
            let mut ctx = base_context(config, lang);
            ctx.insert("labels", labels);
            ctx.insert("root", &prefix_to_root(&lang.prefix));
            ctx.insert("nav", &nav_html);
            ctx.insert("default_theme", default_theme);
            output.add(
                format!("{}toc.html", lang.prefix),
                templates.render("toc.html", &ctx)?,
            );
        }

        // A directory's index page: the first chapter when the book has none.
        let index = format!("{}index.html", lang.prefix);
        if !output.files.contains_key(&index) {
            if let Some(first) = b.pages.first() {
                output.add(
                    index,
                    redirect(&templates, &lang.code, &first.title, &first.url)?,
                );
            }
        }

        if html_cfg.print.enable {
            let mut ctx = base_context(config, lang);
            ctx.insert("root", &prefix_to_root(&lang.prefix));
            ctx.insert("default_theme", default_theme);
            let path = format!("{}print.html", lang.prefix);
            // The template gets a marker in place of each chapter's content and the chapters
            // are written between the pieces, so the whole book is never one more string in
            // memory (and in tera's context). A template that does not output the content as
            // is gets the real content instead.
            let markers: Vec<String> = (0..b.pages.len())
                .map(|i| format!("\u{1}docgen-print-chapter-{i}\u{1}"))
                .collect();
            let with = |contents: &mut dyn Iterator<Item = &str>| {
                let chapters: Vec<PrintChapter> = b
                    .pages
                    .iter()
                    .zip(contents)
                    .map(|(p, content)| PrintChapter {
                        title: &p.title,
                        content,
                    })
                    .collect();
                let mut ctx = ctx.clone();
                ctx.insert("chapters", &chapters);
                templates.render("print.html", &ctx)
            };
            let skeleton = with(&mut markers.iter().map(String::as_str))?;
            let mut parts: Vec<&[u8]> = Vec::with_capacity(2 * markers.len() + 1);
            let mut rest = skeleton.as_str();
            for (m, p) in markers.iter().zip(&b.pages) {
                match rest.split_once(m.as_str()) {
                    Some((before, after)) => {
                        parts.push(before.as_bytes());
                        parts.push(p.rendered.html.as_bytes());
                        rest = after;
                    }
                    None => break,
                }
            }
            let content = if parts.len() == 2 * markers.len() && !rest.contains('\u{1}') {
                parts.push(rest.as_bytes());
                output.stash_parts(&path, &parts)?
            } else {
                let html = with(&mut b.pages.iter().map(|p| p.rendered.html.as_str()))?;
                output.stash(&path, html.into_bytes())?
            };
            output.put(path, content);
        }

        // Aliases: old paths that now redirect to a page.
        for p in &b.pages {
            for alias in &p.page.front.aliases {
                let from = format!(
                    "{}{}",
                    lang.prefix,
                    url_for(Path::new(alias.trim_start_matches('/')))
                );
                let to = format!("{}{}{}", prefix_to_root(&from), lang.prefix, p.url);
                output.add(from, redirect(&templates, &lang.code, &p.title, &to)?);
            }
        }

        let docs: Vec<search::Doc> = b
            .pages
            .iter()
            .flat_map(|p| {
                p.rendered.sections.iter().map(move |sec| search::Doc {
                    url: match &sec.id {
                        Some(id) if sec.level > 1 => format!("{}#{id}", p.url),
                        _ => p.url.clone(),
                    },
                    page_title: p.title.clone(),
                    heading: sec.heading.clone(),
                    text: sec.text.clone(),
                })
            })
            .collect();
        let index = search::build(&docs);
        for (path, content) in index.files {
            let path = format!("search/{}/{path}", lang.code);
            let content = output.stash(&path, content.into_bytes())?;
            output.put(path, content);
        }
        search_stats.push((lang.code.clone(), index.stats));

        for asset in &tree.assets {
            let rel = asset.rel.to_string_lossy().replace('\\', "/");
            output.copy(format!("{}{rel}", lang.prefix), asset.abs.clone());
        }
    }

    // mdBook's [output.html.redirect]: old path → new URL.
    for (from, to) in &html_cfg.redirect {
        let from = from.trim_start_matches('/').to_string();
        output.add(from, redirect(&templates, config.language(), to, to)?);
    }

    if languages.len() > 1 {
        let default = languages
            .iter()
            .find(|l| config.languages.get(&l.code).is_some_and(|c| c.default))
            .unwrap_or(&languages[0]);
        output.add(
            "index.html",
            redirect(
                &templates,
                &default.code,
                &default.title,
                &format!("{}index.html", default.prefix),
            )?,
        );
    }

    // Static files: the theme's, the book's theme overrides, highlighting, additional files.
    for (name, text) in DEFAULT_STATIC {
        output.add(format!("static/{name}"), *text);
    }
    if let Some(theme_dir) = project.theme_dir() {
        let static_dir = theme_dir.join("static");
        if static_dir.is_dir() {
            for entry in walkdir::WalkDir::new(&static_dir).sort_by_file_name() {
                let entry = entry?;
                // serve.js is injected by `docgen serve` only; a built site never carries it.
                if entry.file_type().is_file() && entry.file_name() != "serve.js" {
                    let rel = entry.path().strip_prefix(&static_dir)?;
                    output.copy(
                        format!("static/{}", rel.to_string_lossy().replace('\\', "/")),
                        entry.path().to_path_buf(),
                    );
                }
            }
        }
    }
    output.add("static/highlight.css", highlight::stylesheet());
    for extra in html_cfg
        .additional_css
        .iter()
        .chain(&html_cfg.additional_js)
    {
        let from = root.join(extra);
        if from.is_file() {
            output.copy(extra.to_string_lossy().replace('\\', "/"), from);
        } else {
            diagnostics.push(
                Diagnostic::error("book.toml", format!("additional file `{}` does not exist", extra.display()))
                    .with_hint("paths in [output.html] additional-css/additional-js are relative to the book root"),
            );
        }
    }

    // 404 page and sitemap.
    {
        let lang = &languages[0];
        let mut ctx = base_context(config, lang);
        ctx.insert("labels", ThemeLabels::for_language(&lang.code));
        ctx.insert("site_url", &html_cfg.site_url);
        ctx.insert("root", "");
        ctx.insert("default_theme", default_theme);
        output.add("404.html", templates.render("404.html", &ctx)?);
    }
    output.add(
        "sitemap.xml",
        sitemap(&sitemap_urls, html_cfg.site_url.as_deref()),
    );
    output.add(".nojekyll", "");

    Ok(Built {
        output,
        diagnostics,
        pages: sitemap_urls.len(),
        languages: languages.iter().map(|l| l.code.clone()).collect(),
        inputs,
        elapsed: started.elapsed(),
        search: search_stats,
    })
}

/// The script that puts the sidebar into a page: the list's HTML (made by docgen, escaped), the
/// links made relative to the page, the current chapter marked.
fn toc_js(nav_html: &str) -> String {
    let html = serde_json::to_string(nav_html).expect("a string serializes");
    format!(
        "(function(){{var n=document.getElementById(\"sidebar\");if(!n){{return;}}\
var root=n.getAttribute(\"data-root\")||\"\",cur=n.getAttribute(\"data-current\");\
n.insertAdjacentHTML(\"beforeend\",{html});\
n.querySelectorAll(\"a[href]\").forEach(function(a){{var h=a.getAttribute(\"href\");\
if(h===cur){{a.classList.add(\"active\");a.setAttribute(\"aria-current\",\"page\");}}\
a.setAttribute(\"href\",root+h);}});\
var f=n.querySelector(\".toc-fallback\");if(f){{f.remove();}}}})();\n"
    )
}

/// The context every template starts from: the language, text direction and the book.
fn base_context(config: &crate::config::BookConfig, lang: &Language) -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert("lang", &lang.code);
    ctx.insert(
        "dir",
        config.book.text_direction.as_deref().unwrap_or("ltr"),
    );
    ctx.insert(
        "book",
        &BookCtx {
            title: &lang.title,
            description: lang.description.as_deref(),
            authors: &config.book.authors,
        },
    );
    ctx
}

fn additional(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect()
}

fn redirect(templates: &Templates, lang: &str, title: &str, url: &str) -> anyhow::Result<String> {
    let mut ctx = tera::Context::new();
    ctx.insert("lang", lang);
    ctx.insert("title", title);
    ctx.insert("url", url);
    templates.render("redirect.html", &ctx)
}

/// The sitemap of the content pages (not redirects, the print page or 404), in build order.
fn sitemap(urls: &[String], site_url: Option<&str>) -> String {
    let base = site_url
        .map(|u| format!("{}/", u.trim_end_matches('/')))
        .unwrap_or_default();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for url in urls {
        xml.push_str(&format!(
            "  <url><loc>{}{}</loc></url>\n",
            escape(&base),
            escape(url)
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

fn plan_languages(project: &Project) -> Vec<Language> {
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
    // The default language first: it owns the 404 page and the root redirect.
    langs.sort_by_key(|l| !config.languages.get(&l.code).is_some_and(|c| c.default));
    langs
}

/// A page after rendering its body.
struct BuiltPage {
    page: Page,
    chapter: usize,
    url: String,
    title: String,
    rendered: Rendered,
}

struct LanguageBuild {
    nav: Nav,
    pages: Vec<BuiltPage>,
    inputs: Vec<PathBuf>,
}

struct Ctx<'a> {
    root: &'a Path,
    labs: &'a LabIndex,
    lang: &'a str,
}

impl Expander for Ctx<'_> {
    fn root(&self) -> &Path {
        self.root
    }

    fn lab_card(&self, id: &str) -> Result<String, String> {
        match self.labs.labs.get(id) {
            Some(info) => Ok(lab_card_html(id, info, self.lang)),
            None => Err(unknown_lab_message(id, self.labs)),
        }
    }
}

fn unknown_lab_message(id: &str, labs: &LabIndex) -> String {
    let known: Vec<&str> = labs.labs.keys().map(String::as_str).collect();
    if known.is_empty() {
        format!("unknown lab `{id}`: this book has no labs")
    } else {
        format!("unknown lab `{id}` (known: {})", known.join(", "))
    }
}

/// A lab card: what the lab proves (its checks, in the page's language), how to run it, and
/// the last recorded result per check with when and the versions seen.
fn lab_card_html(id: &str, info: &LabInfo, lang: &str) -> String {
    let vi = lang.starts_with("vi");
    let t = |v: &'static str, e: &'static str| if vi { v } else { e };
    let spec = &info.spec;
    let mut html = format!(
        "<section class=\"lab-card\" data-lab=\"{}\"><p class=\"lab-card-title\"><strong>{}</strong> {}</p>",
        escape(id),
        t("Bài thực hành:", "Lab:"),
        escape(spec.title.get(lang))
    );
    if let Some(d) = &spec.description {
        html.push_str(&format!(
            "<p class=\"lab-description\">{}</p>",
            escape(d.get(lang))
        ));
    }
    let last = info.last.as_ref();
    match last {
        Some(r) => {
            let (class, word) = match r.outcome {
                Outcome::Passed => ("result-pass", t("đạt", "passed")),
                Outcome::Failed => ("result-fail", t("không đạt", "failed")),
            };
            html.push_str(&format!(
                "<p class=\"lab-last\">{} <span class=\"{class}\">{word}</span> <time datetime=\"{}\">{}</time></p>",
                t("Lần chạy gần nhất:", "Last run:"),
                escape(&r.started_at),
                escape(&r.started_at.replace('T', " ").replace('Z', " UTC"))
            ));
        }
        None => html.push_str(&format!(
            "<p class=\"lab-last lab-never\">{}</p>",
            t("Chưa chạy lần nào trên máy này.", "Not run yet.")
        )),
    }
    html.push_str(&format!(
        "<p>{}</p><ul class=\"lab-checks\">",
        t("Bài này chứng minh:", "What it proves:")
    ));
    for check in &spec.checks {
        let status = last
            .and_then(|r| r.checks.iter().find(|c| c.id == check.id))
            .map(|c| c.status);
        let (class, mark) = match status {
            Some(CheckStatus::Passed) => ("check-pass", "✓"),
            Some(CheckStatus::Failed) => ("check-fail", "✗"),
            Some(CheckStatus::Skipped) => ("check-skip", "–"),
            None => ("check-none", "·"),
        };
        html.push_str(&format!(
            "<li class=\"{class}\" data-check=\"{}\"><span class=\"check-mark\" aria-hidden=\"true\">{mark}</span> {}</li>",
            escape(&check.id),
            escape(check.title.get(lang))
        ));
    }
    html.push_str("</ul>");
    if let Some(r) = last {
        if !r.versions.is_empty() {
            let v: Vec<String> = r
                .versions
                .iter()
                .map(|(k, v)| format!("{} {}", escape(k), escape(v)))
                .collect();
            html.push_str(&format!(
                "<p class=\"lab-versions\">{} {}</p>",
                t("Phiên bản:", "Versions seen:"),
                v.join(" · ")
            ));
        }
    }
    html.push_str(&format!(
        "<p>{}</p><pre class=\"lab-command\"><code>docgen lab run {id}\ndocgen lab test {id}</code></pre></section>",
        t("Tự chạy trên máy của bạn (cần Docker):", "Run it on your machine (needs Docker):"),
        id = escape(id)
    ));
    html
}

fn build_language(
    project: &Project,
    lang: &Language,
    tree: &source::SourceTree,
    labs: &LabIndex,
    diagnostics: &mut Diagnostics,
) -> anyhow::Result<LanguageBuild> {
    let root = &project.root;
    let mut inputs = Vec::new();
    let summary_path = tree.dir.join("SUMMARY.md");
    let summary_display = display_path(root, &summary_path);

    // Parse every Markdown file (in parallel: reading and front matter).
    let parsed: Vec<(PathBuf, Result<Page, Box<Diagnostic>>)> = tree
        .markdown
        .par_iter()
        .filter(|f| f.rel != Path::new("SUMMARY.md"))
        .map(|f| {
            let display = display_path(root, &f.abs);
            let result = source::read_text(&f.abs)
                .map_err(|e| Box::new(Diagnostic::error(&display, format!("{e:#}"))))
                .and_then(|text| page::parse(&display, &f.rel, text));
            (f.rel.clone(), result)
        })
        .collect();
    let mut pages: HashMap<PathBuf, Page> = HashMap::new();
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
                let nav = Nav::from_summary(&s);
                check_nav_files(&nav, &pages, tree, &text, &summary_display, diagnostics);
                if project.config.docgen.warn_unlisted {
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

    // Render the chapters in navigation order, in parallel.
    let jobs: Vec<(usize, &Page)> = nav
        .chapters
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.source.as_ref().and_then(|s| pages.get(s)).map(|p| (i, p)))
        .filter(|(_, p)| !p.front.draft)
        .collect();
    let results: Vec<Result<RenderedJob, Box<Diagnostic>>> = jobs
        .par_iter()
        .map(|(i, p)| {
            // A bug in a renderer must not take the whole process down: the page is reported
            // with its file and the build fails cleanly (serve keeps its last good site).
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                render_page(root, tree, labs, lang, &nav, *i, p)
            }))
            .map_err(|panic| {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                Box::new(
                    Diagnostic::error(
                        &p.display_path,
                        format!("docgen crashed while rendering this page: {msg}"),
                    )
                    .with_hint("this is a bug in docgen; please report it with this page attached"),
                )
            })
        })
        .collect();
    let mut built = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok((page, diags, included)) => {
                diagnostics.extend(diags);
                inputs.extend(included);
                built.push(page);
            }
            Err(d) => diagnostics.push(*d),
        }
    }

    // Links, checked against every page of this language.
    let mut targets = Targets::default();
    for p in &built {
        targets
            .pages
            .insert(p.page.rel.clone(), p.rendered.ids.clone());
        targets.urls.insert(p.url.clone(), p.page.rel.clone());
    }
    for a in &tree.assets {
        targets.files.insert(a.rel.clone());
    }
    let link_diags: Vec<Vec<Diagnostic>> = built
        .par_iter()
        .map(|p| {
            check_links(
                &p.rendered.links,
                &p.page.rel,
                &p.rendered.ids,
                &p.page.text,
                &p.page.display_path,
                &targets,
            )
        })
        .collect();
    for d in link_diags {
        diagnostics.extend(d);
    }
    Ok(LanguageBuild {
        nav,
        pages: built,
        inputs,
    })
}

/// What rendering one page produces: the page, its findings, and the files it included.
type RenderedJob = (BuiltPage, Vec<Diagnostic>, Vec<PathBuf>);

/// Expands and renders one chapter's page.
fn render_page(
    root: &Path,
    tree: &source::SourceTree,
    labs: &LabIndex,
    lang: &Language,
    nav: &Nav,
    chapter: usize,
    p: &Page,
) -> RenderedJob {
    let file = tree.dir.join(&p.rel);
    let ctx = Ctx {
        root,
        labs,
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
    let mut rendered = markdown::render(
        &expanded.text,
        &expanded.map,
        &p.text,
        &p.display_path,
        &lang.code,
    );
    let mut diags = expanded.diagnostics;
    diags.append(&mut rendered.diagnostics);
    if let Some(lab) = &p.front.lab {
        if !labs.labs.contains_key(lab) {
            let line = front_matter_line(&p.text, "lab");
            diags.push(
                Diagnostic::error(&p.display_path, unknown_lab_message(lab, labs))
                    .at(line, 1, 3)
                    .with_source_from(&p.text)
                    .with_hint("labs live in labs/<id>/lab.yaml; `docgen lab list` shows them"),
            );
        }
    }
    let title = p
        .front
        .title
        .clone()
        .or_else(|| rendered.first_heading.clone())
        .unwrap_or_else(|| nav.chapters[chapter].title.clone());
    let page = BuiltPage {
        page: p.clone(),
        chapter,
        url: url_for(&p.rel),
        title,
        rendered,
    };
    (page, diags, expanded.included)
}

/// Reports SUMMARY.md entries whose file is missing.
fn check_nav_files(
    nav: &Nav,
    pages: &HashMap<PathBuf, Page>,
    tree: &source::SourceTree,
    summary_text: &str,
    summary_display: &Path,
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
        let line_text = crate::diagnostic::line_of(summary_text, ch.summary_line).unwrap_or("");
        let needle = format!("({}", src.display());
        let col = line_text
            .find(&needle)
            .map_or(1, |i| line_text[..i + 1].chars().count() + 1);
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

/// The line of `explains: VALUE` in the check `id` of a lab.yaml (0 when not found).
fn yaml_line_of(yaml: &str, id: &str, value: &str) -> usize {
    let lines: Vec<&str> = yaml.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("id:") && l.contains(id))
        .unwrap_or(0);
    lines
        .iter()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.contains("explains") && l.contains(value))
        .map_or(0, |(i, _)| i + 1)
}

fn front_matter_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(&format!("{key}:")))
        .map_or(1, |i| i + 1)
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
struct BookCtx<'a> {
    title: &'a str,
    description: Option<&'a str>,
    authors: &'a [String],
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

#[derive(Serialize)]
struct PrintChapter<'a> {
    title: &'a str,
    content: &'a str,
}
