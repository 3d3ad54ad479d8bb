//! The last stage of a build: the files around the pages. Per language: the sidebar (`toc.js`
//! and `toc.html`, written once instead of into every page), the index redirect and the aliases
//! of moved pages. For the whole site: `[output.html.redirect]`, the root redirect of a
//! multilingual book, the theme's static files, the 404 page and the sitemap.

use std::path::Path;

use super::context::base_context;
use super::load::Language;
use super::render::PageRecord;
use crate::markdown::highlight;
use crate::nav::{prefix_to_root, url_for, Nav};
use crate::output::Output;
use crate::project::Project;
use crate::template::{Templates, ThemeLabels, DEFAULT_STATIC};
use docgen_core::diagnostic::{Diagnostic, Diagnostics};
use docgen_core::text::escape;

/// The files of one language besides its pages, print page and search index.
pub(crate) fn language_files(
    project: &Project,
    templates: &Templates,
    lang: &Language,
    nav: &Nav,
    records: &[PageRecord],
    default_theme: &str,
    output: &mut Output,
) -> anyhow::Result<()> {
    let config = &project.config;
    let html_cfg = &config.output.html;
    let labels = ThemeLabels::for_language(&lang.code);
    // The sidebar is written once per language (toc.js, inserted by each page as it loads)
    // instead of into every page: a page's size stays independent of the book's size.
    let nav_html = nav.sidebar_html(None, "", !html_cfg.no_section_label);
    output.add(format!("{}toc.js", lang.prefix), toc_js(&nav_html));
    let mut ctx = base_context(config, lang);
    ctx.insert("labels", labels);
    ctx.insert("root", &prefix_to_root(&lang.prefix));
    ctx.insert("nav", &nav_html);
    ctx.insert("default_theme", default_theme);
    output.add(
        format!("{}toc.html", lang.prefix),
        templates.render("toc.html", &ctx)?,
    );

    // A directory's index page when the book has none: the first chapter itself, as mdBook
    // writes it.
    let index = format!("{}index.html", lang.prefix);
    if !output.files.contains_key(&index) {
        if let Some(first) = records.first() {
            let first_path = format!("{}{}", lang.prefix, first.url);
            match output.files.get(&first_path).cloned() {
                Some(page) if !first.url.contains('/') => {
                    output.files.insert(index, page);
                }
                // A chapter in a directory: the same page, its relative URLs kept right by a
                // <base> pointing at that directory.
                Some(page) => {
                    let bytes = match page {
                        crate::output::Content::Bytes(b) => b,
                        crate::output::Content::Shared(b) => b.to_vec(),
                        crate::output::Content::Copy(p) => std::fs::read(&p)?,
                    };
                    let dir = &first.url[..first.url.rfind('/').unwrap_or(0) + 1];
                    let html = String::from_utf8_lossy(&bytes).replacen(
                        "<head>",
                        &format!("<head>\n<base href=\"{}\">", docgen_core::text::escape(dir)),
                        1,
                    );
                    output.add(index, html);
                }
                None => output.add(
                    index,
                    redirect(templates, &lang.code, &first.title, &first.url)?,
                ),
            }
        }
    }

    // Aliases: old paths that now redirect to a page.
    for p in records {
        for alias in &p.aliases {
            let from = format!(
                "{}{}",
                lang.prefix,
                url_for(Path::new(alias.trim_start_matches('/')))
            );
            let to = format!("{}{}{}", prefix_to_root(&from), lang.prefix, p.url);
            output.add(from, redirect(templates, &lang.code, &p.title, &to)?);
        }
    }
    Ok(())
}

/// The files of the whole site: redirects, statics, 404 page, sitemap.
pub(crate) fn site_files(
    project: &Project,
    templates: &Templates,
    languages: &[Language],
    sitemap_urls: &[String],
    default_theme: &str,
    output: &mut Output,
    diagnostics: &mut Diagnostics,
) -> anyhow::Result<()> {
    let config = &project.config;
    let root = &project.root;
    let html_cfg = &config.output.html;
    // mdBook's [output.html.redirect]: old path → new URL.
    for (from, to) in &html_cfg.redirect {
        let from = from.trim_start_matches('/').to_string();
        output.add(from, redirect(templates, config.language(), to, to)?);
    }

    if languages.len() > 1 {
        let default = languages
            .iter()
            .find(|l| config.languages.get(&l.code).is_some_and(|c| c.default))
            .unwrap_or(&languages[0]);
        output.add(
            "index.html",
            redirect(
                templates,
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
    let lang = &languages[0];
    let mut ctx = base_context(config, lang);
    ctx.insert("labels", ThemeLabels::for_language(&lang.code));
    ctx.insert("site_url", &html_cfg.site_url);
    ctx.insert("root", "");
    ctx.insert("default_theme", default_theme);
    output.add("404.html", templates.render("404.html", &ctx)?);
    output.add(
        "sitemap.xml",
        sitemap(sitemap_urls, html_cfg.site_url.as_deref()),
    );
    output.add(".nojekyll", "");
    Ok(())
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
