//! A page: a Markdown file split into its YAML front matter (validated, with real line numbers)
//! and its body.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use docgen_core::diagnostic::Diagnostic;
use docgen_core::yaml;

/// The front matter keys a page may set. Their doc comments are the descriptions of the
/// front matter's JSON Schema (`docgen schema front-matter`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    title = "docgen page front matter",
    description = "The YAML between `---` lines at the top of a page."
)]
pub struct FrontMatter {
    /// The page title (default: the first heading, else the SUMMARY.md link text).
    pub title: Option<String>,
    /// A one-line description for `<meta name="description">`.
    pub description: Option<String>,
    /// Ordering weight when the book has no SUMMARY.md (lower first).
    pub weight: Option<i64>,
    /// The id of the lab this page is proven by (`labs/<id>/`).
    pub lab: Option<String>,
    /// A draft is not built.
    pub draft: bool,
    /// Other paths (relative to the source directory) that redirect to this page.
    pub aliases: Vec<String>,
    /// The same page in another language, when its path differs: `{ en: "path.md" }`.
    pub translations: std::collections::BTreeMap<String, String>,
    /// Free-form values for custom templates.
    #[schemars(with = "Option<serde_json::Value>")]
    pub extra: Option<serde_yaml::Value>,
}

/// A parsed page, before rendering.
#[derive(Debug, Clone)]
pub struct Page {
    /// The file, relative to the book root (for diagnostics).
    pub display_path: PathBuf,
    /// The file, relative to the source tree.
    pub rel: PathBuf,
    /// The whole file text.
    pub text: String,
    /// The front matter.
    pub front: FrontMatter,
    /// Byte offset where the body starts in `text`.
    pub body_start: usize,
}

impl Page {
    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }

    /// Where this page's translation into `lang` lives in that language's tree: the same path,
    /// unless front matter names another (`translations: { en: other.md }`).
    pub fn translation_path(&self, lang: &str) -> PathBuf {
        self.front
            .translations
            .get(lang)
            .map(PathBuf::from)
            .unwrap_or_else(|| self.rel.clone())
    }
}

/// Splits and validates a page. `display_path` names the file in diagnostics.
pub fn parse(display_path: &Path, rel: &Path, text: String) -> Result<Page, Box<Diagnostic>> {
    let (front, body_start) = match split_front_matter(&text) {
        None => (FrontMatter::default(), 0),
        Some(Err(line)) => {
            return Err(Box::new(
                Diagnostic::error(display_path, "front matter is not closed")
                    .at(line, 1, 3)
                    .with_source_from(&text)
                    .with_hint("end the front matter with a line holding only `---`"),
            ))
        }
        Some(Ok((yaml_start, yaml_end, body_start))) => {
            let yaml_text = &text[yaml_start..yaml_end];
            let front = if yaml_text.trim().is_empty() {
                FrontMatter::default()
            } else {
                yaml::parse::<FrontMatter>(display_path, yaml_text, 2, &text)?
            };
            (front, body_start)
        }
    };
    Ok(Page {
        display_path: display_path.to_path_buf(),
        rel: rel.to_path_buf(),
        text,
        front,
        body_start,
    })
}

/// Finds a `---` front matter block at the very start. `Some(Ok((yaml_start, yaml_end,
/// body_start)))` when closed, `Some(Err(line))` when opened and never closed, `None` without one.
fn split_front_matter(text: &str) -> Option<Result<(usize, usize, usize), usize>> {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - text_no_bom.len();
    let first_end = text_no_bom.find('\n')?;
    if text_no_bom[..first_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = bom + first_end + 1;
    let mut pos = yaml_start;
    for line in text[yaml_start..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some(Ok((yaml_start, pos, pos + line.len())));
        }
        pos += line.len();
    }
    Some(Err(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_and_body() {
        let p = parse(
            Path::new("a.md"),
            Path::new("a.md"),
            "---\ntitle: Hi\nweight: 3\n---\n# Body\n".into(),
        )
        .unwrap();
        assert_eq!(p.front.title.as_deref(), Some("Hi"));
        assert_eq!(p.front.weight, Some(3));
        assert_eq!(p.body(), "# Body\n");
    }

    #[test]
    fn bad_front_matter_reports_the_file_line() {
        let e = parse(
            Path::new("a.md"),
            Path::new("a.md"),
            "---\ntitle: Hi\nweight: heavy\n---\n".into(),
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("invalid type"), "{}", e.message);
    }

    #[test]
    fn unclosed_front_matter() {
        let e = parse(
            Path::new("a.md"),
            Path::new("a.md"),
            "---\ntitle: x\n".into(),
        )
        .unwrap_err();
        assert!(e.message.contains("not closed"));
    }

    #[test]
    fn a_thematic_break_later_is_not_front_matter() {
        let p = parse(Path::new("a.md"), Path::new("a.md"), "# T\n\n---\n".into()).unwrap();
        assert_eq!(p.body_start, 0);
    }
}
