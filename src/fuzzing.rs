//! Entry points for the fuzz targets in `fuzz/` (not an API: hidden from the docs, and free
//! to change). Each takes arbitrary text, runs one of docgen's parsers on it, and asserts what
//! must hold beyond "no panic": serve's decoder never leaves the site's root, an annotation
//! never changes the code it explains, rendering is deterministic, folding is idempotent.

use std::path::Path;
use std::sync::OnceLock;

/// SUMMARY.md parsing.
pub fn summary(text: &str) {
    let _ = crate::summary::parse(Path::new("src/SUMMARY.md"), text);
}

/// Front matter splitting and parsing (a page as read from disk).
pub fn page(text: &str) {
    let _ = crate::page::parse(
        Path::new("src/page.md"),
        Path::new("page.md"),
        text.to_string(),
    );
}

/// A code block's info string (`ini title="x" annotations hl_lines="1-3"`).
pub fn code_info(info: &str) {
    let _ = crate::markdown::code::parse_info(info);
}

/// The include directives of a page (`{{#include file:anchor}}`, ranges, `{{#lab}}`), with
/// no file on disk: every include is a missing file, every lab unknown.
pub fn includes(body: &str) {
    struct NoLabs;
    impl crate::markdown::include::Expander for NoLabs {
        fn lab_card(&self, id: &str) -> Result<String, String> {
            Err(format!("no lab `{id}`"))
        }
    }
    let out = crate::markdown::include::expand(
        body,
        0,
        body,
        Path::new("/nonexistent/docgen-fuzz/page.md"),
        Path::new("page.md"),
        &NoLabs,
    );
    // Every offset of the expanded text leads back into the page.
    for offset in [0, out.text.len() / 2, out.text.len()] {
        assert!(out.map.to_page(offset) <= body.len());
    }
}

/// A page rendered twice gives the same HTML (no hash-map order, no clock, no randomness).
pub fn render(md: &str) {
    let a = render_html(md);
    let b = render_html(md);
    assert_eq!(a, b, "rendering is not deterministic");
}

fn render_html(md: &str) -> String {
    let proofs = crate::markdown::proof::ProofIndex::default();
    let hidelines = std::collections::BTreeMap::new();
    let book = crate::markdown::BookContext {
        proofs: &proofs,
        hidelines: &hidelines,
        smart_punctuation: true,
    };
    let map = crate::markdown::include::SourceMap::default();
    crate::markdown::render(md, &map, md, Path::new("page.md"), "en", &book).html
}

/// Annotations explain code without changing it: the text of the rendered `<code>` element
/// is the code, byte for byte, whatever the annotations match. The first line of `input`
/// holds the annotations' keys (separated by tabs), the rest is the code.
pub fn annotations(input: &str) {
    let (keys, code) = input.split_once('\n').unwrap_or((input, ""));
    // Keep the fence and the list well-formed: no backticks in keys or code, no line that
    // could close the list item or the block.
    if code.contains('`') || keys.contains('`') || code.contains('\r') || keys.contains('\r') {
        return;
    }
    let keys: Vec<&str> = keys
        .split('\t')
        .map(str::trim)
        .filter(|k| !k.is_empty() && !k.contains('\n'))
        .take(8)
        .collect();
    let code = code.trim_end_matches('\n');
    if code.is_empty() || keys.is_empty() {
        return;
    }
    let mut md = format!("```ini annotations\n{code}\n```\n\n");
    for (i, k) in keys.iter().enumerate() {
        md.push_str(&format!("{}. `{k}`: explained.\n", i + 1));
    }
    let html = render_html(&md);
    let Some(start) = html.find("<code class=\"language-ini\">") else {
        return;
    };
    let rest = &html[start + "<code class=\"language-ini\">".len()..];
    let Some(end) = rest.find("</code>") else {
        panic!("no end of the code element");
    };
    let shown = unescape(&strip_tags(&rest[..end]));
    assert_eq!(
        shown.trim_end_matches('\n'),
        code,
        "the code element's text is not the code"
    );
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// A request target as serve decodes it: a path it accepts never leaves the site's root.
pub fn serve_path(target: &str) {
    if let Ok(p) = crate::serve::fuzz_path(target) {
        assert!(!p.starts_with('/'), "absolute: {p:?}");
        assert!(!p.contains('\\'), "a backslash: {p:?}");
        assert!(!p.contains('\0'), "a NUL: {p:?}");
        for part in p.split('/') {
            assert!(part != ".." && part != ".", "a dot segment in {p:?}");
        }
    }
}

/// A `Host` header as serve checks it: on loopback, only loopback names pass.
pub fn host(header: &str) {
    let lo = std::net::IpAddr::from([127, 0, 0, 1]);
    if crate::serve::fuzz_host_allowed(header, 3000, lo) {
        let name = header.rsplit_once(':').map_or(header, |(h, _)| h);
        assert!(
            matches!(
                name.to_ascii_lowercase().as_str(),
                "localhost" | "127.0.0.1" | "[::1]"
            ),
            "{header:?} passed on loopback"
        );
    }
}

/// The search index of a page of any text; folding is idempotent.
pub fn search(text: &str) {
    let folded = crate::search::fold(text);
    assert_eq!(
        crate::search::fold(&folded),
        folded,
        "fold is not idempotent"
    );
    for t in crate::search::terms(&folded) {
        let _ = crate::search::shard_key(t);
    }
}

/// lab.yaml loading and validation, against a lab directory with a Containerfile and a unit.
pub fn lab_yaml(text: &str) {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("docgen-fuzz-lab-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        let _ = std::fs::write(d.join("Containerfile"), "FROM docgen-base:bookworm\n");
        let _ = std::fs::write(d.join("app.service"), "[Service]\nUser=app\n");
        d
    });
    let _ = docgen_lab::spec::parse("fuzz", dir, Path::new("labs/fuzz/lab.yaml"), text);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository's own files go through every entry point (the fuzz corpus starts from
    /// them), with the properties holding.
    #[test]
    fn the_course_passes_every_entry_point() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut pages = 0;
        for entry in walkdir::WalkDir::new(root.join("content")) {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                page(&text);
                includes(&text);
                render(&text);
                search(&text);
                summary(&text);
                pages += 1;
            }
        }
        assert!(pages > 20);
        for lab in ["gunicorn-socket", "wsgi-settings"] {
            let text =
                std::fs::read_to_string(root.join("labs").join(lab).join("lab.yaml")).unwrap();
            lab_yaml(&text);
        }
    }

    #[test]
    fn annotations_leave_the_code_as_it_is() {
        annotations("User=\tGroup=\n[Service]\nUser=maiviet\nGroup=www-data <&> \"x\" 'y'\n");
        annotations("a\nno such key\n\n  a = <b>\n");
    }

    #[test]
    fn serve_paths_stay_in_the_root() {
        for target in [
            "/",
            "/a/b.html",
            "/%2e%2e/etc/passwd",
            "/a/../../x",
            "/..%2f..%2fx",
            "/a%00b",
            "/a\\..\\b",
            "//etc/passwd",
            "/%c0%ae%c0%ae/x",
            "/a/./b",
            "?x",
            "",
        ] {
            serve_path(target);
        }
        for h in [
            "localhost:3000",
            "127.0.0.1:3000",
            "[::1]:3000",
            "evil.example:3000",
            "localhost.evil:3000",
            "",
            ":",
            "LOCALHOST:3000",
        ] {
            host(h);
        }
    }

    #[test]
    fn small_inputs_pass_every_entry_point() {
        for text in [
            "",
            "\n",
            "---",
            "---\n---\n",
            "---\ntitle: [\n---\n",
            "{{#include}}",
            "{{#include a:1:2:3}}",
            "{{#include ../../../../etc/passwd}}",
            "{{#lab x}}",
            "- [a](b.md)\n  - [c]()\n",
            "# \u{0}",
            "```ini annotations\nx\n```\n1. `x`: y\n",
            "title: {",
            "checks: [{id: a}]",
        ] {
            summary(text);
            page(text);
            code_info(text);
            includes(text);
            render(text);
            search(text);
            lab_yaml(text);
        }
    }
}
