//! Templates: the built-in default theme (embedded in the binary, so any book builds without a
//! `themes/` directory) with per-book overrides from `themes/<name>/templates/`, rendered with
//! tera. Every value from the book is escaped by tera's autoescaping (all templates are `.html`
//! or `.js`); only the HTML docgen renders itself is marked safe.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use tera::Tera;

/// The default theme's templates, embedded at compile time.
const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "page.html",
        include_str!("../themes/default/templates/page.html"),
    ),
    (
        "print.html",
        include_str!("../themes/default/templates/print.html"),
    ),
    (
        "404.html",
        include_str!("../themes/default/templates/404.html"),
    ),
    (
        "toc.html",
        include_str!("../themes/default/templates/toc.html"),
    ),
    (
        "redirect.html",
        include_str!("../themes/default/templates/redirect.html"),
    ),
    (
        "theme-init.js",
        include_str!("../themes/default/templates/theme-init.js"),
    ),
];

/// The default theme's static files, embedded at compile time.
pub const DEFAULT_STATIC: &[(&str, &str)] = &[
    (
        "docgen.css",
        include_str!("../themes/default/static/docgen.css"),
    ),
    (
        "docgen.js",
        include_str!("../themes/default/static/docgen.js"),
    ),
    (
        "search.js",
        include_str!("../themes/default/static/search.js"),
    ),
];

/// The loaded templates of a book.
pub struct Templates {
    tera: Tera,
    fingerprint: u128,
}

impl Templates {
    /// The default theme, with the templates in `theme_dir/templates/` (if any) replacing the
    /// ones of the same name.
    pub fn load(theme_dir: Option<&Path>) -> anyhow::Result<Templates> {
        let mut sources: BTreeMap<String, String> = DEFAULT_TEMPLATES
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        if let Some(dir) = theme_dir
            .map(|d| d.join("templates"))
            .filter(|d| d.is_dir())
        {
            for entry in std::fs::read_dir(&dir)
                .with_context(|| format!("cannot read `{}`", dir.display()))?
            {
                let path = entry?.path();
                if path.is_file() {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read `{}`", path.display()))?;
                    sources.insert(name, text);
                }
            }
        }
        let fingerprint = docgen_core::hash::hash_parts(
            sources
                .iter()
                .flat_map(|(n, s)| [n.as_bytes(), s.as_bytes()]),
        );
        let mut tera = Tera::default();
        // Autoescape every template, including the JavaScript partial: values in it are strings.
        tera.autoescape_on(vec![".html", ".js", ".xml"]);
        // tera's own escaper also turns `/` into `&#x2F;`, which is safe but makes every URL
        // unreadable; `< > & " '` are what matter in text and quoted attributes.
        tera.set_escape_fn(escape_html);
        tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| anyhow::anyhow!("invalid template: {}", tera_error_chain(&e)))?;
        Ok(Templates { tera, fingerprint })
    }

    /// A hash of every template's name and text.
    pub fn fingerprint(&self) -> u128 {
        self.fingerprint
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: &tera::Context) -> anyhow::Result<String> {
        self.tera.render(name, ctx).map_err(|e| {
            anyhow::anyhow!("cannot render template `{name}`: {}", tera_error_chain(&e))
        })
    }
}

fn escape_html(s: &str) -> String {
    docgen_core::text::escape(s)
}

/// tera nests the useful message in the error's sources.
fn tera_error_chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// Theme strings in the page's language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ThemeLabels {
    /// "Previous".
    pub previous: &'static str,
    /// "Next".
    pub next: &'static str,
    /// "On this page".
    pub on_this_page: &'static str,
    /// "Chapters".
    pub chapters: &'static str,
    /// "Menu".
    pub menu: &'static str,
    /// "Dark mode".
    pub toggle_theme: &'static str,
    /// "Print".
    pub print: &'static str,
    /// "Repository".
    pub repository: &'static str,
    /// "Edit this page".
    pub edit: &'static str,
    /// "Skip to content".
    pub skip: &'static str,
    /// "Language".
    pub language: &'static str,
    /// "Not translated yet".
    pub no_translation: &'static str,
    /// "Page not found".
    pub not_found: &'static str,
    /// The 404 page's sentence.
    pub not_found_text: &'static str,
    /// "Pages".
    pub pagination: &'static str,
    /// "Redirecting".
    pub redirecting: &'static str,
    /// "Search".
    pub search: &'static str,
    /// "Press / or s to search".
    pub search_hint: &'static str,
    /// "No results".
    pub no_results: &'static str,
    /// After a number of search results: "results".
    pub results: &'static str,
}

impl ThemeLabels {
    /// The labels for a language code; English when docgen has no translation.
    pub fn for_language(lang: &str) -> &'static ThemeLabels {
        static EN: ThemeLabels = ThemeLabels {
            previous: "Previous",
            next: "Next",
            on_this_page: "On this page",
            chapters: "Chapters",
            menu: "Menu",
            toggle_theme: "Dark mode",
            print: "Print",
            repository: "Repository",
            edit: "Edit this page",
            skip: "Skip to content",
            language: "Language",
            no_translation: "Not translated yet",
            not_found: "Page not found",
            not_found_text: "There is no page at this address. It may have moved.",
            pagination: "Pages",
            redirecting: "Redirecting",
            search: "Search",
            search_hint: "Press / or s to search",
            no_results: "No results",
            results: "results",
        };
        static VI: ThemeLabels = ThemeLabels {
            previous: "Trang trước",
            next: "Trang sau",
            on_this_page: "Trong trang này",
            chapters: "Các chương",
            menu: "Mục lục",
            toggle_theme: "Chế độ tối",
            print: "In",
            repository: "Mã nguồn",
            edit: "Sửa trang này",
            skip: "Đến nội dung",
            language: "Ngôn ngữ",
            no_translation: "Chưa có bản dịch",
            not_found: "Không tìm thấy trang",
            not_found_text: "Không có trang nào ở địa chỉ này. Có thể trang đã được chuyển đi.",
            pagination: "Chuyển trang",
            redirecting: "Đang chuyển hướng",
            search: "Tìm kiếm",
            search_hint: "Nhấn / hoặc s để tìm",
            no_results: "Không có kết quả",
            results: "kết quả",
        };
        if docgen_core::lang::is(lang, "vi") {
            &VI
        } else {
            &EN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_overrides_apply() {
        let t = Templates::load(None).unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("lang", "en");
        ctx.insert("title", "\"><script>alert(1)</script>");
        ctx.insert("url", "x.html");
        let html = t.render("redirect.html", &ctx).unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;"));

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(
            dir.path().join("templates/redirect.html"),
            "custom {{ url }}",
        )
        .unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        assert_eq!(t.render("redirect.html", &ctx).unwrap(), "custom x.html");
    }
}
