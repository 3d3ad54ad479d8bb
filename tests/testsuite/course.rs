//! The course book (issue 6): built by the real binary from the repository's own `book.toml`, it
//! must teach every fact of the source notes in both languages, map its pages one to one between
//! `vi` and `en`, and pass `docgen check --deny-warnings`.
//!
//! The facts live in `tests/course_facts.yaml`: each has an id, a statement and the key terms
//! that must appear in the built text of every language.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::support::{docgen, repo_root, Run};

const LANGUAGES: [&str; 2] = ["vi", "en"];

/// One fact of `tests/course_facts.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fact {
    id: String,
    #[allow(dead_code)]
    source: String,
    statement: String,
    terms: Vec<String>,
}

/// Runs docgen in the repository and fails with everything it printed unless it exits 0.
fn docgen_ok(args: &[&str]) -> Run {
    docgen(&repo_root(), args).code(0)
}

fn load_facts() -> Vec<Fact> {
    let path = repo_root().join("tests/course_facts.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let facts: Vec<Fact> =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut ids = BTreeSet::new();
    for f in &facts {
        assert!(ids.insert(f.id.as_str()), "duplicate fact id `{}`", f.id);
        assert!(!f.terms.is_empty(), "fact `{}` has no terms", f.id);
        assert!(
            !f.statement.trim().is_empty(),
            "fact `{}` has no statement",
            f.id
        );
    }
    facts
}

/// Every `.html` file under `dir`, as paths relative to `dir`.
fn html_pages(dir: &Path) -> BTreeSet<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if path.extension().is_some_and(|e| e == "html") {
                out.insert(path.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// The text a reader sees: `<script>`/`<style>` bodies dropped, tags removed, entities decoded,
/// whitespace collapsed to single spaces.
fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        let tail = &rest[lt..];
        let lower: String = tail
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            tail.to_ascii_lowercase()
                .find("</script>")
                .map(|i| i + "</script>".len())
        } else if lower.starts_with("<style") {
            tail.to_ascii_lowercase()
                .find("</style>")
                .map(|i| i + "</style>".len())
        } else {
            tail.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(n) => {
                // Block boundaries separate words (`<td>a</td><td>b</td>`); inline tags, such as
                // the highlighter's `<span>`s inside one token, do not.
                if is_block_tag(&tail[..n]) {
                    text.push(' ');
                }
                rest = &tail[n..];
            }
            None => {
                rest = "";
            }
        }
    }
    text.push_str(rest);
    collapse_whitespace(&decode_entities(&text))
}

/// Whether a tag (`<li class="x">`, `</td>`) starts or ends a block, or is a line break.
fn is_block_tag(tag: &str) -> bool {
    let name: String = tag
        .trim_start_matches('<')
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "td"
            | "th"
            | "tr"
            | "table"
            | "thead"
            | "tbody"
            | "br"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "pre"
            | "figure"
            | "figcaption"
            | "blockquote"
            | "section"
            | "article"
            | "nav"
            | "header"
            | "footer"
            | "main"
            | "aside"
            | "dt"
            | "dd"
            | "dl"
            | "hr"
            | "title"
            | "head"
            | "body"
            | "html"
    )
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let decoded = tail.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let name = &tail[1..semi];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn entity_decoding_and_tag_stripping() {
    assert_eq!(
        visible_text(
            "<p>a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39; &#x27;e&#x27;</p><script>x<y</script>"
        ),
        "a <b> & \"c\" 'd' 'e'"
    );
    assert_eq!(visible_text("<code>--workers\n   3</code>"), "--workers 3");
    assert_eq!(
        visible_text("<span>Wants</span><span>=</span><span>x</span><td>a</td><td>b</td>"),
        "Wants=x a b"
    );
}

/// Builds the book once into a temp dir and returns (dir guard, language → concatenated text).
fn built_book() -> (
    tempfile::TempDir,
    BTreeMap<&'static str, (BTreeSet<PathBuf>, String)>,
) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    docgen_ok(&["build", "--out", site.to_str().unwrap()]);
    let mut langs = BTreeMap::new();
    for lang in LANGUAGES {
        let root = site.join(lang);
        let pages = html_pages(&root);
        assert!(!pages.is_empty(), "no HTML pages under {}", root.display());
        let mut text = String::new();
        for page in &pages {
            // print.html repeats every chapter; the facts must be on the chapters themselves.
            if page == Path::new("print.html") {
                continue;
            }
            let html = std::fs::read_to_string(root.join(page)).unwrap();
            text.push_str(&visible_text(&html));
            text.push('\n');
        }
        langs.insert(lang, (pages, text));
    }
    (dir, langs)
}

#[test]
fn every_fact_of_the_source_notes_is_taught_in_both_languages() {
    let facts = load_facts();
    let (_dir, langs) = built_book();
    let mut missing = Vec::new();
    for fact in &facts {
        for lang in LANGUAGES {
            let text = &langs[lang].1;
            for term in &fact.terms {
                if !text.contains(&collapse_whitespace(term)) {
                    missing.push(format!(
                        "  [{lang}] {}: `{term}` ({})",
                        fact.id, fact.statement
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} term(s) missing from the built course:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn both_languages_have_the_same_pages() {
    let (_dir, langs) = built_book();
    let vi = &langs["vi"].0;
    let en = &langs["en"].0;
    let only_vi: Vec<_> = vi.difference(en).collect();
    let only_en: Vec<_> = en.difference(vi).collect();
    assert!(
        only_vi.is_empty() && only_en.is_empty(),
        "pages only in vi: {only_vi:?}\npages only in en: {only_en:?}"
    );
    // The course has at least its ten chapters and a page per lab in each language.
    for page in [
        "wsgi.html",
        "settings.html",
        "development-vs-production.html",
        "prefork.html",
        "gunicorn-service.html",
        "unix-socket.html",
        "nginx.html",
        "operating.html",
        "troubleshooting.html",
        "labs/index.html",
        "labs/gunicorn-socket.html",
        "labs/wsgi-settings.html",
    ] {
        assert!(
            en.contains(Path::new(page)),
            "missing page {page}; pages: {en:?}"
        );
    }
}

#[test]
fn the_course_checks_clean() {
    docgen_ok(&["check", "--deny-warnings"]);
}
