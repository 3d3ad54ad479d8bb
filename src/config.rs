//! `book.toml`: the book's configuration. Compatible with mdBook where the keys overlap
//! (`[book]`, `[build]`, `[output.html]`, `[preprocessor.*]`), with docgen's own keys under
//! `[docgen]`, `[languages.*]` and `[labs]`. Unknown keys are errors that name the key and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use docgen_core::diagnostic::Diagnostic;

/// The whole of `book.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BookConfig {
    /// `[book]`: metadata and where the sources are.
    pub book: BookSection,
    /// `[build]`: where the output goes.
    pub build: BuildSection,
    /// `[output.*]`: mdBook renderers; docgen reads `[output.html]` and ignores the others.
    pub output: OutputSection,
    /// `[preprocessor.*]`: mdBook preprocessors; accepted so mdBook books build, not run.
    pub preprocessor: BTreeMap<String, toml::Value>,
    /// `[rust]`: mdBook's Rust playground settings; accepted, not used.
    pub rust: Option<toml::Value>,
    /// `[docgen]`: docgen's own settings.
    pub docgen: DocgenSection,
    /// `[languages.<code>]`: the book's languages, each with its own tree under `src/<code>/`.
    pub languages: BTreeMap<String, LanguageSection>,
    /// `[labs]`: how labs are run.
    pub labs: LabsSection,
}

/// `[book]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BookSection {
    /// The book's title.
    pub title: Option<String>,
    /// Its authors.
    pub authors: Vec<String>,
    /// A one-line description, used in `<meta name="description">`.
    pub description: Option<String>,
    /// The language code of the book (`en`, `vi`).
    pub language: Option<String>,
    /// The source directory, relative to the root (mdBook's default: `src`).
    pub src: PathBuf,
    /// mdBook's old multilingual flag; accepted, not used.
    pub multilingual: Option<bool>,
    /// `ltr` or `rtl`.
    pub text_direction: Option<String>,
}

impl Default for BookSection {
    fn default() -> Self {
        BookSection {
            title: None,
            authors: Vec::new(),
            description: None,
            language: None,
            src: PathBuf::from("src"),
            multilingual: None,
            text_direction: None,
        }
    }
}

/// `[build]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildSection {
    /// Where the site is written, relative to the root (default `book`).
    pub build_dir: PathBuf,
    /// A chapter whose file is missing is rendered as an empty page with its title (mdBook
    /// writes that file; docgen does not touch the sources), with a warning. Unset: on for a
    /// plain mdBook book (mdBook's default), off (an error) for a docgen book.
    pub create_missing: Option<bool>,
    /// mdBook's default preprocessors (links, index); docgen always has their behaviour.
    pub use_default_preprocessors: bool,
    /// More directories to watch in `serve`.
    pub extra_watch_dirs: Vec<PathBuf>,
}

impl Default for BuildSection {
    fn default() -> Self {
        BuildSection {
            build_dir: PathBuf::from("book"),
            create_missing: None,
            use_default_preprocessors: true,
            extra_watch_dirs: Vec::new(),
        }
    }
}

/// `[output]`: `html` is read; other renderers are accepted and ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OutputSection {
    /// `[output.html]`.
    pub html: HtmlOutput,
    /// Any other `[output.<name>]` table.
    #[serde(flatten)]
    pub other: BTreeMap<String, toml::Value>,
}

/// `[output.html]`: the mdBook keys that make sense for docgen. Keys docgen accepts but does not
/// act on are kept so that mdBook books build unchanged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct HtmlOutput {
    /// mdBook's theme directory; docgen uses `[docgen] theme` instead.
    pub theme: Option<PathBuf>,
    /// The colour scheme when the reader has no preference: `light` or `dark`.
    pub default_theme: Option<String>,
    /// mdBook's dark theme name; accepted.
    pub preferred_dark_theme: Option<String>,
    /// mdBook 0.4's name for `smart-punctuation`.
    pub curly_quotes: Option<bool>,
    /// Curly quotes, dashes and ellipses in text (not code), as mdBook 0.5 does by default.
    pub smart_punctuation: Option<bool>,
    /// Accepted, not used.
    pub mathjax_support: Option<bool>,
    /// Accepted, not used.
    pub copy_fonts: Option<bool>,
    /// Extra stylesheets, relative to the root, copied and linked on every page.
    pub additional_css: Vec<PathBuf>,
    /// Extra scripts, relative to the root, copied and linked on every page.
    pub additional_js: Vec<PathBuf>,
    /// Don't number chapters in the sidebar.
    pub no_section_label: bool,
    /// A link to the book's repository, shown in the header.
    pub git_repository_url: Option<String>,
    /// Accepted, not used.
    pub git_repository_icon: Option<String>,
    /// `https://.../edit/main/{path}`: an "edit this page" link.
    pub edit_url_template: Option<String>,
    /// The site's public URL, for `sitemap.xml` and canonical links.
    pub site_url: Option<String>,
    /// Accepted, not used.
    pub cname: Option<String>,
    /// Accepted, not used: the theme provides the 404 page.
    pub input_404: Option<String>,
    /// `[output.html.print]`.
    pub print: PrintSection,
    /// Accepted, not used.
    pub fold: Option<toml::Value>,
    /// Accepted, not used.
    pub playground: Option<toml::Value>,
    /// Accepted, not used.
    pub code: Option<toml::Value>,
    /// Accepted; search settings arrive with the search index.
    pub search: Option<toml::Value>,
    /// Old path → new URL: writes redirect pages.
    pub redirect: BTreeMap<String, String>,
    /// Accepted, not used.
    pub live_reload_endpoint: Option<String>,
    /// Accepted, not used.
    pub hash_files: Option<bool>,
    /// Accepted, not used.
    pub sidebar_header_nav: Option<bool>,
}

/// `[output.html.print]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PrintSection {
    /// Whether `print.html` is written.
    pub enable: bool,
    /// Accepted, not used.
    pub page_break: Option<bool>,
}

impl Default for PrintSection {
    fn default() -> Self {
        PrintSection {
            enable: true,
            page_break: None,
        }
    }
}

/// `[docgen]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DocgenSection {
    /// The theme: templates in `themes/<theme>/templates/` override the built-in default theme.
    pub theme: String,
    /// Whether `docgen build` warns about chapter files not listed in SUMMARY.md.
    pub warn_unlisted: bool,
}

impl Default for DocgenSection {
    fn default() -> Self {
        DocgenSection {
            theme: "default".to_string(),
            warn_unlisted: true,
        }
    }
}

/// `[languages.<code>]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LanguageSection {
    /// The language's name in itself (`Tiếng Việt`, `English`).
    pub name: Option<String>,
    /// The book's title in this language.
    pub title: Option<String>,
    /// The book's description in this language.
    pub description: Option<String>,
    /// Whether this is the language the root page sends readers to.
    pub default: bool,
}

/// `[labs]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LabsSection {
    /// `docker` or `podman`; detected when unset.
    pub engine: Option<String>,
    /// The base image Containerfiles start from (default `docgen-base:bookworm`).
    pub base_image: Option<String>,
    /// A CA bundle to trust inside image builds (for pip behind a proxy); default: the host's.
    pub ca_bundle: Option<PathBuf>,
    /// A pip index to use inside image builds.
    pub pip_index_url: Option<String>,
    /// The Debian mirror for `docgen lab bootstrap`; default: the host's apt sources.
    pub mirror: Option<String>,
    /// The share of the pages' claims (annotations of lab files) `lab test` must prove, from
    /// 0.0 to 1.0; below it `lab test` fails. Default: none required.
    pub min_claim_coverage: Option<f64>,
}

/// Parses `book.toml` text. `path` is only used in the diagnostic.
pub fn parse(path: &Path, text: &str) -> Result<BookConfig, Box<Diagnostic>> {
    toml::from_str::<BookConfig>(text).map_err(|e| {
        let mut message = e.message().trim().to_string();
        // serde names the field but not the table: say which table it sits in.
        if let Some(span) = e.span() {
            if message.starts_with("unknown field") {
                if let Some(table) = table_at(text, span.start) {
                    message = format!("{message} (in [{table}])");
                }
            }
            let d = Diagnostic::error(path, message).at_offset(text, span.start, span.len());
            Box::new(d.with_hint(
                "see the book.toml reference in README.md; docgen's own keys live under [docgen], [languages.*] and [labs]",
            ))
        } else {
            Box::new(Diagnostic::error(path, message))
        }
    })
}

/// The name of the `[table]` header in force at byte `offset`.
fn table_at(text: &str, offset: usize) -> Option<String> {
    text[..offset.min(text.len())]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
}

impl BookConfig {
    /// The book's title, or `"Untitled"`.
    pub fn title(&self) -> &str {
        self.book.title.as_deref().unwrap_or("Untitled")
    }

    /// The default language code.
    pub fn language(&self) -> &str {
        self.book.language.as_deref().unwrap_or("en")
    }

    /// The languages every lab text must be given in: the codes of `[languages]`, or the
    /// one-language book's `[book] language` when it sets one (none otherwise); and whether
    /// the list is the book's whole set (so a text in another language is worth a warning).
    pub fn lab_languages(&self) -> (Vec<String>, bool) {
        if !self.languages.is_empty() {
            (self.languages.keys().cloned().collect(), true)
        } else {
            (self.book.language.iter().cloned().collect(), false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdbook_config_is_accepted() {
        let text = r#"
[book]
title = "T"
authors = ["A"]
language = "en"
src = "src"

[build]
build-dir = "out"

[output.html]
git-repository-url = "https://example.invalid/r"
additional-css = ["x.css"]

[output.html.print]
enable = false

[output.linkcheck]
follow-web-links = false

[preprocessor.toc]
command = "mdbook-toc"
"#;
        let c = parse(Path::new("book.toml"), text).unwrap();
        assert_eq!(c.title(), "T");
        assert_eq!(c.build.build_dir, PathBuf::from("out"));
        assert!(!c.output.html.print.enable);
        assert!(c.output.other.contains_key("linkcheck"));
    }

    #[test]
    fn unknown_key_names_key_table_and_line() {
        let text = "[book]\ntitle = \"T\"\ntitel = \"oops\"\n";
        let d = parse(Path::new("book.toml"), text).unwrap_err();
        assert_eq!(d.line, 3);
        assert_eq!(d.col, 1);
        assert!(d.message.contains("unknown field `titel`"), "{}", d.message);
        assert!(d.message.contains("[book]"), "{}", d.message);
    }
}
