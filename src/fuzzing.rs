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

/// The fuzz targets, by name (`fuzz/fuzz_targets/NAME.rs`).
pub const TARGETS: [&str; 10] = [
    "summary",
    "page",
    "code_info",
    "includes",
    "render",
    "annotations",
    "serve_path",
    "host",
    "search",
    "lab_yaml",
];

/// Runs one input through target `name` as its fuzz target does (bytes that are not UTF-8 are
/// skipped, as there). `false` for an unknown target.
pub fn replay(name: &str, data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return TARGETS.contains(&name);
    };
    match name {
        "summary" => summary(text),
        "page" => page(text),
        "code_info" => code_info(text),
        "includes" => includes(text),
        "render" => render(text),
        "annotations" => annotations(text),
        "serve_path" => serve_path(text),
        "host" => host(text),
        "search" => search(text),
        "lab_yaml" => lab_yaml(text),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed fuzz inputs (`fuzz/seeds/TARGET/`: a minimised corpus from the long runs,
    /// and every input that once crashed, named after what it found) still pass their target.
    #[test]
    fn committed_fuzz_inputs_pass_their_targets() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
        let mut ran = std::collections::BTreeMap::new();
        for target in TARGETS {
            let dir = root.join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries {
                let path = e.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                let ok = std::panic::catch_unwind(|| replay(target, &data));
                assert!(
                    matches!(ok, Ok(true)),
                    "{} fails target {target}",
                    path.display()
                );
                *ran.entry(target).or_insert(0) += 1;
            }
        }
        assert_eq!(
            ran.len(),
            TARGETS.len(),
            "every target has committed inputs: {ran:?}"
        );
    }

    /// A smoke run on stable Rust, in every `cargo test` (so in CI): each target gets its
    /// committed inputs mutated 400 times (bit flips, inserted and deleted bytes, splices with
    /// another input, tokens its parser cares about), from a fixed seed so that a failure
    /// repeats; a failing input is written to `target/fuzz-smoke/TARGET` for `scripts/fuzz` to
    /// take up. The long, coverage-guided runs are `scripts/fuzz`'s (nightly, cargo-fuzz).
    #[test]
    fn mutations_of_the_committed_inputs_pass_their_targets() {
        const TOKENS: [&str; 24] = [
            "{{#include ",
            "}}",
            "{{#lab ",
            "```",
            "---\n",
            "[",
            "](",
            "<!--",
            "-->",
            "%2e",
            "..",
            "/",
            "\n",
            "`",
            "*",
            "#",
            "- ",
            "1. ",
            ": ",
            "=",
            "\"",
            "\r\n",
            "e\u{0301}",
            "[::1]:",
        ];
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut rng = fastrand::Rng::with_seed(20261130);
        for target in TARGETS {
            let dir = root.join("fuzz/seeds").join(target);
            let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
                .map(|d| {
                    d.map(|e| std::fs::read(e.unwrap().path()).unwrap())
                        .collect()
                })
                .unwrap_or_default();
            inputs.sort();
            assert!(
                !inputs.is_empty(),
                "no committed inputs in {}",
                dir.display()
            );
            for _ in 0..400 {
                let mut data = inputs[rng.usize(..inputs.len())].clone();
                for _ in 0..rng.usize(1..5) {
                    let at = rng.usize(..=data.len());
                    match rng.u8(..5) {
                        0 if !data.is_empty() => {
                            let i = rng.usize(..data.len());
                            data[i] ^= 1 << rng.u8(..8);
                        }
                        1 => data.insert(at, rng.u8(..)),
                        2 if at < data.len() => {
                            let end = rng.usize(at..=data.len().min(at + 16));
                            data.drain(at..end);
                        }
                        3 => {
                            let other = &inputs[rng.usize(..inputs.len())];
                            let from = rng.usize(..=other.len());
                            let to = rng.usize(from..=other.len().min(from + 64));
                            data.splice(at..at, other[from..to].iter().copied());
                        }
                        _ => {
                            let t = TOKENS[rng.usize(..TOKENS.len())].as_bytes();
                            data.splice(at..at, t.iter().copied());
                        }
                    }
                }
                let outcome = std::panic::catch_unwind(|| replay(target, &data));
                if !matches!(outcome, Ok(true)) {
                    let out = root.join("target/fuzz-smoke").join(target);
                    std::fs::create_dir_all(&out).unwrap();
                    let file = out.join("failing-input");
                    std::fs::write(&file, &data).unwrap();
                    panic!(
                        "target {target} fails on a mutated input, saved as {}",
                        file.display()
                    );
                }
            }
        }
    }

    /// Rendering stays linear on inputs built to be pathological (pulldown-cmark keeps such a
    /// check): eight times the input may take about eight times as long, never the ~64 times
    /// a quadratic step would. A ratio, so the machine's speed does not matter; the best of
    /// three runs, so a busy moment does not either.
    #[test]
    fn render_time_grows_linearly_on_pathological_input() {
        type Gen = fn(usize) -> String;
        let cases: [(&str, Gen); 11] = [
            ("nested blockquotes", |n| format!("{} a\n", ">".repeat(n))),
            ("nested lists", |n| {
                (0..n)
                    .map(|i| format!("{}- a\n", "  ".repeat(i % 200)))
                    .collect()
            }),
            ("open emphasis", |n| "*a _b ".repeat(n)),
            ("open brackets", |n| {
                format!("{}{}", "[a](".repeat(n), "](".repeat(n))
            }),
            ("backtick runs", |n| {
                (1..=n).map(|i| "`".repeat(i % 30 + 1) + " x ").collect()
            }),
            ("same heading", |n| "## Same\n\n".repeat(n)),
            ("link references", |n| {
                let defs: String = (0..n).map(|i| format!("[r{i}]: /u{i}\n")).collect();
                format!(
                    "{}\n{}",
                    defs,
                    (0..n).map(|i| format!("[x][r{i}] ")).collect::<String>()
                )
            }),
            ("html blocks", |n| "<div>\n".repeat(n)),
            ("annotated block", |n| {
                let code: String = (0..n).map(|i| format!("Key{i}=v\n")).collect();
                let notes: String = (0..n).map(|i| format!("1. `Key{i}=`: x\n")).collect();
                format!("```ini annotations\n{code}```\n\n{notes}")
            }),
            ("broken annotations", |n| {
                let code: String = (0..n).map(|i| format!("Key{i}=v\n")).collect();
                let notes: String = (0..n).map(|i| format!("1. no key {i}\n")).collect();
                format!("```ini annotations\n{code}```\n\n{notes}")
            }),
            ("long table", |n| {
                format!("| a | b |\n|---|---|\n{}", "| x | `y` |\n".repeat(n))
            }),
        ];
        let time = |text: &str| {
            (0..3)
                .map(|_| {
                    let t = std::time::Instant::now();
                    std::hint::black_box(render_html(text));
                    t.elapsed()
                })
                .min()
                .unwrap()
        };
        for (name, make) in cases {
            // Grow the small size until one render takes a measurable while.
            let mut n = 64;
            while time(&make(n)) < std::time::Duration::from_millis(3) && n < 1 << 16 {
                n *= 2;
            }
            let small = time(&make(n)).as_secs_f64();
            let large = time(&make(8 * n)).as_secs_f64();
            let ratio = large / small;
            assert!(
                ratio < 24.0,
                "{name}: 8x the input ({n} -> {}) took {ratio:.1}x as long ({:.1} ms -> {:.1} ms)",
                8 * n,
                small * 1e3,
                large * 1e3
            );
        }
    }

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
