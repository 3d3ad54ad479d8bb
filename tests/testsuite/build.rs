//! Integration tests of `docgen build` and `docgen check` over fixture books: golden output for an
//! mdBook-style book, exact diagnostics for broken books, escaping, annotations, atomic output,
//! and (through `docgen::pipeline`) cached and pages-first builds equal to full ones.

use crate::support::*;

const PAGES: &[&str] = &[
    "index.html",
    "guide/start.html",
    "guide/install.html",
    "guide/deep/dive.html",
    "config.html",
    "unit.html",
    "appendix.html",
];

#[test]
fn mdbook_style_book_renders_golden_output() {
    let book = Book::fixture("mdbook-style");
    book.run(&["build"])
        .code(0)
        .stdout_has("Built 7 pages (en) into book")
        .stderr_eq(""); // no warnings
    for page in PAGES {
        let name = format!("mdbook-style__{}", page.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, book.main_of(page));
    }
    // The sidebar is written once (toc.js) and placed by each page; pages carry only a link to
    // the table of contents for readers without JavaScript.
    let toc = book.output("toc.js");
    insta::assert_snapshot!("mdbook-style__toc_js", toc);
    let deep = book.output("guide/deep/dive.html");
    assert!(deep.contains("data-root=\"../../\" data-current=\"guide/deep/dive.html\""));
    assert!(deep.contains("<script src=\"../../toc.js\"></script>"));
    assert!(
        !deep.contains("Not written yet"),
        "the nav is not inlined into pages"
    );
    let toc_page = book.output("toc.html");
    assert!(toc_page.contains("<a href=\"guide/deep/dive.html\"><span class=\"section-number\">1.1.1.</span> Deep dive</a>"));
    for extra in [
        "print.html",
        "404.html",
        "sitemap.xml",
        "static/docgen.css",
        "static/docgen.js",
        "static/highlight.css",
        "img/flow.svg",
        "toc.js",
        "toc.html",
    ] {
        assert!(
            book.path().join("book").join(extra).is_file(),
            "{extra} missing"
        );
    }
    let print = book.output("print.html");
    for title in ["Preface", "Deep dive", "Appendix"] {
        assert!(print.contains(title), "print page lacks {title}");
    }
    let sitemap = book.output("sitemap.xml");
    assert!(sitemap.contains("<loc>guide/deep/dive.html</loc>"));
}

#[test]
fn all_links_are_relative_so_the_site_works_from_file_urls() {
    let book = Book::fixture("mdbook-style").built();
    let out = book.path().join("book");
    for page in PAGES {
        let html = book.output(page);
        for attr in ["href=\"/", "src=\"/"] {
            assert!(
                !html.contains(attr),
                "{page} has a root-absolute link ({attr})"
            );
        }
        // Every relative href to a local file resolves to a file of the output.
        let dir = out.join(page).parent().unwrap().to_path_buf();
        for part in html.split("href=\"").skip(1) {
            let href = &part[..part.find('"').unwrap()];
            if href.starts_with('#') || href.contains("://") {
                continue;
            }
            let path = href.split('#').next().unwrap();
            assert!(
                dir.join(path).exists(),
                "{page}: link {href} does not resolve"
            );
        }
    }
}

#[test]
fn annotated_code_is_the_file_byte_for_byte() {
    let book = Book::fixture("mdbook-style").built();
    let html = book.output("unit.html");
    let start = html.find("<code class=\"language-ini\">").unwrap();
    let end = start + html[start..].find("</code>").unwrap();
    let code = unescape_html(&strip_tags(&html[start..end]));
    let file = book.read("labs/demo/demo.service");
    assert_eq!(code, file, "the code text must equal the included file");
    // Four markers beside the code and four explanations under it, in order.
    assert_eq!(html.matches("class=\"ann-marker\"").count(), 4);
    assert!(html.contains("--ann-line:6;"), "User=demo is line 6");
    assert!(html.contains("<li id=\"code-1-ann-3\" value=\"3\">"));
    assert!(
        html.contains("<span class=\"line hl\">"),
        "hl_lines marks lines"
    );
    assert!(html.contains("<figcaption class=\"code-title\">demo.service</figcaption>"));
    assert!(
        html.contains("data-copy=\"code-1\""),
        "a copy button targets the block"
    );
}

#[test]
fn includes_take_ranges_and_anchors() {
    let book = Book::fixture("mdbook-style").built();
    let text = unescape_html(&strip_tags(&book.main_of("guide/install.html")));
    assert!(text.contains("# ANCHOR: handler\ndef handler(environ, start_response):\n"));
    assert!(text.contains(
        "def handler(environ, start_response):\n    start_response(\"200 OK\", [(\"Content-Type\", \"text/plain\")])\n    return [str(os.getpid()).encode()]\n"
    ));
}

/// `docgen check` of the broken book `tests/fixtures/errors/NAME` exits 1, and its stderr is
/// exactly the golden `snapshots/testsuite__build__error__NAME.snap`.
macro_rules! error_fixture {
    ($test:ident, $name:literal) => {
        #[test]
        fn $test() {
            let run = Book::fixture(concat!("errors/", $name))
                .run(&["check"])
                .code(1);
            insta::assert_snapshot!(concat!("error__", $name), run.stderr);
        }
    };
}

error_fixture!(broken_link_is_reported_with_line_and_column, "broken-link");
error_fixture!(
    missing_anchor_is_reported_with_known_anchors,
    "missing-anchor"
);
error_fixture!(bad_front_matter_reports_the_real_line, "bad-front-matter");
error_fixture!(summary_syntax_errors_have_line_and_column, "summary-syntax");
error_fixture!(missing_include_and_anchor_are_errors, "missing-include");
error_fixture!(unknown_book_toml_key_names_key_and_line, "unknown-key");
error_fixture!(annotation_for_a_missing_line_is_an_error, "bad-annotation");
error_fixture!(unknown_lab_ids_are_errors, "unknown-lab");

#[test]
fn build_with_errors_writes_nothing_and_keeps_the_previous_site() {
    let book = Book::fixture("mdbook-style").built();
    let out = book.path().join("book");
    let before = snapshot_dir(&out);
    // Break one page of seven: a link to a page that does not exist.
    let mut text = book.read("src/config.md");
    text.push_str("\nSee [gone](gone.md).\n");
    book.write("src/config.md", &text);
    book.run(&["build"])
        .code(1)
        .stderr_has("src/config.md:9:5: error: link to a missing page or file `gone.md`")
        .stderr_has("is unchanged");
    assert_eq!(
        snapshot_dir(&out),
        before,
        "the previous site must be byte-identical"
    );
    let leftovers: Vec<_> = std::fs::read_dir(book.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("docgen-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary directories left behind");
}

#[test]
fn build_refuses_to_replace_a_directory_it_did_not_create() {
    let book = Book::fixture("mdbook-style");
    book.write("mine/notes.txt", "keep me");
    book.run(&["build", "--out", "mine"])
        .code(2)
        .stderr_has("was not created by docgen");
    assert_eq!(book.read("mine/notes.txt"), "keep me");
}

#[test]
fn hostile_titles_are_text_everywhere() {
    let book = Book::fixture("xss").built();
    for page in ["index.html", "evil.html", "print.html"] {
        let html = book.output(page);
        assert!(
            !html.contains("<script>alert(1)</script>"),
            "{page} runs the script"
        );
        assert!(
            !html.contains("\"><script"),
            "{page} breaks out of an attribute"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
                || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page} should show the title as text"
        );
    }
    let evil = book.output("evil.html");
    let title = &evil[evil.find("<title>").unwrap()..evil.find("</title>").unwrap()];
    assert!(title.contains("&quot;&gt;&lt;script&gt;"), "{title}");
    let desc = evil
        .lines()
        .find(|l| l.contains("name=\"description\""))
        .unwrap();
    assert!(desc.contains("&quot;&gt;&lt;script&gt;"), "{desc}");
}

#[test]
fn chapters_missing_from_summary_are_warnings() {
    let book = Book::fixture("mdbook-style");
    book.write("src/orphan.md", "# Orphan\n");
    book.run(&["build"])
        .code(0)
        .stderr_has("src/orphan.md: warning: this chapter is not listed in SUMMARY.md");
    book.run(&["check", "--deny-warnings"]).code(1);
}

#[test]
fn init_creates_a_book_that_builds_and_checks() {
    let dir = Book::empty();
    dir.run(&["init", "nb", "--title", "Sách \"mới\""]).code(0);
    dir.run(&["build", "-C", "nb"]).code(0).stderr_eq("");
    dir.run(&["check", "-C", "nb", "--deny-warnings"]).code(0);
    let html = dir.read("nb/book/index.html");
    assert!(html.contains("Sách &quot;mới&quot;"));
    dir.run(&["init", "nb"]).code(2);
}

#[test]
fn the_repository_book_builds_without_warnings_and_checks_clean() {
    let root = repo_root();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    // No warnings building the repository's book.
    docgen(&root, &["build", "--out", target.to_str().unwrap()])
        .code(0)
        .stderr_eq("");
    docgen(&root, &["check", "--deny-warnings"]).code(0);
}

#[test]
fn a_lab_check_explaining_a_missing_anchor_is_an_error_at_its_yaml_line() {
    // The repository's book, with one `explains:` of a lab pointing at no heading.
    let root = repo_root();
    let book = Book::empty();
    for dir in ["content", "labs"] {
        copy_dir(&root.join(dir), &book.path().join(dir));
    }
    std::fs::copy(root.join("book.toml"), book.path().join("book.toml")).unwrap();
    let yaml = "labs/gunicorn-socket/lab.yaml";
    let text = book.read(yaml);
    let from = "explains: \"gunicorn-service.md#install\"";
    let line = text.lines().position(|l| l.contains(from)).unwrap() + 1;
    book.write(
        yaml,
        &text.replacen(from, "explains: \"gunicorn-service.md#no-such-heading\"", 1),
    );
    book.run(&["check"])
        .code(1)
        .stderr_has(&format!("labs/gunicorn-socket/lab.yaml:{line}:"))
        .stderr_has("has no anchor `#no-such-heading`")
        .stderr_has("no-such-heading\""); // the yaml line is shown
}

#[test]
fn no_book_toml_is_an_operational_error_with_a_hint() {
    Book::empty()
        .run(&["build"])
        .code(2)
        .stderr_has("no book.toml")
        .stderr_has("docgen init");
}

#[test]
fn pathological_markdown_builds_through_the_whole_pipeline() {
    let book = Book::empty();
    book.write("book.toml", "[book]\ntitle = \"P\"\nsrc = \"src\"\n");
    book.write("src/SUMMARY.md", "- [P](p.md)\n");
    let mut md = String::from("# P\n\n");
    md.push_str(&">".repeat(10_000));
    md.push_str(" deep\n\n");
    md.push_str(&"- ".repeat(2_000));
    md.push_str("list\n\n");
    md.push_str(&"*a **b ".repeat(20_000));
    md.push_str("\n\n");
    for i in 0..5_000 {
        md.push_str(&format!("[r{i}]: https://example.invalid/{i}\n"));
    }
    md.push_str(&"[r1][r2]".repeat(5_000));
    md.push_str("\n\n```python\n");
    md.push_str(&"(".repeat(50_000));
    md.push_str("\n```\n");
    book.write("src/p.md", &md);
    book.run(&["build"]).code(0).stdout_has("Built 1 page");
}

#[test]
fn print_page_has_every_chapter_in_reading_order() {
    // The default print template is written chapter by chapter as pages render; each chapter's
    // body must appear once, in SUMMARY order, between the template's own head and tail.
    let book = Book::fixture("mdbook-style").built();
    let print = book.output("print.html");
    let mut last = 0;
    for page in PAGES {
        let body = book.main_of(page);
        let first_heading = body
            .lines()
            .find(|l| l.starts_with("<h1"))
            .unwrap_or_else(|| panic!("{page} has no h1"));
        let at = print
            .find(first_heading)
            .unwrap_or_else(|| panic!("{page}'s heading is missing from print.html"));
        assert!(at > last, "{page} is out of order in print.html");
        assert_eq!(print.matches(first_heading).count(), 1, "{page} twice");
        last = at;
    }
    assert!(
        print.trim_end().ends_with("</html>"),
        "print.html is cut short"
    );
    assert!(!print.contains('\u{1}'), "a chapter marker leaked");
}

#[test]
fn a_print_template_that_shows_titles_gets_the_real_titles() {
    // A theme's print.html may use chapter titles (known only after rendering) or reorder
    // chapters: docgen then renders it with the real chapters at the end.
    let book = Book::fixture("mdbook-style");
    book.write(
        "themes/default/templates/print.html",
        "<ol>{% for ch in chapters %}<li>{{ ch.title }}</li>{% endfor %}</ol>\
         {% for ch in chapters | reverse %}<div class=\"t\">{{ ch.content | safe }}</div>{% endfor %}",
    );
    let run = book.run(&["build"]);
    let print = std::fs::read_to_string(book.path().join("book/print.html"))
        .unwrap_or_else(|_| panic!("no print.html: {}", run.stderr));
    assert!(
        !print.contains('\u{1}') && !print.contains('\u{2}'),
        "{print}"
    );
    let list = print.split("</ol>").next().unwrap();
    let titles: Vec<&str> = list
        .split("<li>")
        .skip(1)
        .map(|s| s.split("</li>").next().unwrap())
        .collect();
    assert_eq!(titles.first(), Some(&"Preface"), "{print}");
    assert_eq!(titles.last(), Some(&"Appendix"), "{print}");
    assert_eq!(titles.len(), PAGES.len(), "{print}");
    let sections: Vec<&str> = print.split("<div class=\"t\">").skip(1).collect();
    assert_eq!(sections.len(), PAGES.len());
    // Reversed, as the template asks.
    assert!(
        sections[0].starts_with("<h1 id=\"appendix\""),
        "{}",
        sections[0]
    );
}

/// The files of a build, for comparing builds (waiting for any still being made).
fn files_of(built: &docgen::pipeline::Built) -> std::collections::BTreeMap<String, Vec<u8>> {
    built
        .output
        .paths()
        .into_iter()
        .map(|k| {
            let bytes = built.output.read(&k).unwrap().unwrap();
            (k, bytes)
        })
        .collect()
}

#[test]
fn cached_rebuilds_equal_full_builds_and_render_only_what_changed() {
    // What `serve` does on each edit: a build that takes unchanged pages from the last one.
    // After every kind of edit it must give exactly the files of a build from scratch.
    // `serve` builds pages first and makes the print page and search index after publishing
    // them: once those are done, that site must be the same too.
    use docgen::pipeline::{build, build_cached, build_pages_first, BuildCache};
    use docgen::project::Project;
    let book = Book::fixture("mdbook-style");
    let root = book.path();
    let project = || Project::open(root).unwrap();
    let cache = BuildCache::new();
    let serve_cache = BuildCache::new();
    let check = |what: &str, rendered: usize| {
        let cached = build_cached(&project(), &cache).unwrap();
        let fresh = build(&project()).unwrap();
        assert_eq!(cached.pages, PAGES.len());
        let fresh_files = files_of(&fresh);
        assert!(
            fresh_files.contains_key("print.html") && fresh_files.contains_key("search/en/meta.js")
        );
        assert!(
            files_of(&cached) == fresh_files,
            "{what}: the cached build differs from a full one"
        );
        assert_eq!(cached.cache.unwrap().misses, rendered, "{what}");
        let mut served = build_pages_first(&project(), &serve_cache).unwrap();
        assert_eq!(served.cache.unwrap().misses, rendered, "{what}");
        served
            .whole_book
            .take()
            .expect("left for later")
            .finish()
            .unwrap();
        assert!(
            files_of(&served) == fresh_files,
            "{what}: the pages-first build differs from a full one"
        );
    };
    check("first build", PAGES.len());
    check("nothing changed", 0);

    let edit = |rel: &str, from: &str, to: &str| {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has no `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit("src/config.md", "# ", "# Edited ");
    check("one page edited", 1);
    // An included file: only the page that includes it renders again.
    edit("labs/demo/demo.service", "[Unit]", "[Unit]\n# edited");
    check("included file edited", 1);
    // A SUMMARY title changes prev/next links in other pages: no body renders again (titles
    // come from the pages), but the pages around it must still show the new title.
    edit("src/SUMMARY.md", "[Configuration]", "[Settings]");
    let built = build_cached(&project(), &cache).unwrap();
    // (The pages-first cache sees the same builds.)
    drop(build_pages_first(&project(), &serve_cache).unwrap());
    let next_of_dive = String::from_utf8(files_of(&built)["guide/deep/dive.html"].clone()).unwrap();
    assert!(next_of_dive.contains("Settings"), "prev/next not updated");
    check("summary title edited", 0);
    // The theme: every page's template output changes, no body renders again.
    let page = std::fs::read_to_string(repo_root().join("themes/default/templates/page.html"))
        .unwrap()
        .replace("<body", "<body data-edited=\"1\"");
    book.write("themes/default/templates/page.html", &page);
    check("template edited", 0);
    let built = build_cached(&project(), &cache).unwrap();
    let index = String::from_utf8(files_of(&built)["index.html"].clone()).unwrap();
    assert!(index.contains("data-edited=\"1\""));
}

#[test]
fn a_site_published_before_its_print_pages_and_search_indexes_waits_for_them() {
    // Both languages' print pages and search indexes are left for later; reading one before
    // they are made waits, and gets the same bytes as a full build.
    use docgen::pipeline::{build, build_pages_first, BuildCache};
    use docgen::project::Project;
    let book = Book::fixture("bilingual");
    let project = Project::open(book.path()).unwrap();
    let fresh = files_of(&build(&project).unwrap());
    let mut built = build_pages_first(&project, &BuildCache::new()).unwrap();
    let whole = built.whole_book.take().expect("left for later");
    let later: Vec<&String> = fresh
        .keys()
        .filter(|k| !built.output.files.contains_key(*k))
        .collect();
    const EXPECTED: [&str; 4] = [
        "en/print.html",
        "vi/print.html",
        "search/en/meta.js",
        "search/vi/meta.js",
    ];
    for k in EXPECTED {
        assert!(
            later.iter().any(|l| l.as_str() == k),
            "{k} was not left for later: {later:?}"
        );
    }
    assert!(
        later
            .iter()
            .all(|k| k.ends_with("print.html") || k.starts_with("search/")),
        "{later:?}"
    );
    let output = std::sync::Arc::new(built.output);
    let readers: Vec<_> = EXPECTED
        .iter()
        .map(|k| {
            let output = std::sync::Arc::clone(&output);
            std::thread::spawn(move || (k, output.read(k).map(|r| r.unwrap())))
        })
        .collect();
    whole.finish().unwrap();
    for r in readers {
        let (k, bytes) = r.join().unwrap();
        assert_eq!(bytes.as_deref(), Some(fresh[*k].as_slice()), "{k}");
    }
    // A path the later files do not have is still not there.
    assert!(!output.contains("search/en/nothing.js"));
}

#[test]
fn print_pages_and_search_indexes_that_are_never_made_are_an_error_not_a_hang() {
    use docgen::pipeline::{build_pages_first, BuildCache};
    use docgen::project::Project;
    let book = Book::fixture("mdbook-style");
    let mut built =
        build_pages_first(&Project::open(book.path()).unwrap(), &BuildCache::new()).unwrap();
    drop(built.whole_book.take());
    let err = built.output.read("print.html").unwrap().unwrap_err();
    assert!(err.to_string().contains("were not made"), "{err}");
    assert!(built.output.read("index.html").unwrap().is_ok());
}

/// Lab texts are keyed by language code; in a bilingual book, a lab title without one of the
/// book's languages is an error at its line in lab.yaml, and a code the book does not declare
/// is a warning.
#[test]
fn a_lab_text_missing_one_of_the_books_languages_is_an_error_at_its_line() {
    let book = Book::fixture("bilingual");
    book.write(
        "labs/demo/lab.yaml",
        "title: { vi: \"Bài\", de: \"Labor\" }
image: { containerfile: Containerfile }
checks:
  - { id: up, title: { vi: a, en: a }, command: \"true\" }
",
    );
    book.write("labs/demo/Containerfile", "FROM docgen-base:bookworm\n");
    let run = book.run(&["build"]).code(1);
    let stderr = &run.stderr;
    assert!(
        stderr.contains("labs/demo/lab.yaml:1:1: error: the lab's title has no text in `en`"),
        "{}",
        run.dump()
    );
    assert!(
        stderr.contains(
            "warning: the lab's title has a text in `de`, which the book does not declare"
        ),
        "{}",
        run.dump()
    );
    book.write(
        "labs/demo/lab.yaml",
        "title: { vi: \"Bài\", en: \"Lab\" }
image: { containerfile: Containerfile }
checks:
  - { id: up, title: { vi: a, en: a }, command: \"true\" }
",
    );
    book.run(&["build"]).code(0);
}

/// A transcript that names no lab of the book, or a check its lab does not have, fails the
/// build at the block's line.
#[test]
fn a_transcript_naming_an_unknown_lab_or_check_is_an_error_at_its_fence() {
    let book = Book::fixture("lab-security");
    book.write(
        "src/index.md",
        "# Hardening\n\n```console lab=hardenin\n# systemctl is-active sleeper\n```\n\n```console lab=hardening after=exposur\n# true\n```\n",
    );
    let run = book.run(&["check"]).code(1);
    run.stderr_has("src/index.md:3:1: error: the transcript names lab `hardenin`, which this book does not have")
        .stderr_has("= hint: the labs are: hardening")
        .stderr_has("src/index.md:7:1: error: `after=exposur`: lab `hardening` has no check `exposur`")
        .stderr_has("= hint: its checks are: exposure");
}

/// `check --require-proven` on a fresh clone, before any lab has run: the course's transcripts
/// and claims are not proven, and the message says which command records the results.
#[test]
fn require_proven_fails_before_any_lab_has_run_and_names_the_command() {
    let book = Book::empty();
    std::fs::copy(repo_root().join("book.toml"), book.path().join("book.toml")).unwrap();
    copy_dir(&repo_root().join("content"), &book.path().join("content"));
    std::os::unix::fs::symlink(repo_root().join("labs"), book.path().join("labs")).unwrap();
    book.run(&["check"]).code(0);
    book.run(&["check", "--require-proven"])
        .code(1)
        .stderr_has("error: lab `gunicorn-socket` has no recorded result here")
        .stderr_has("hint: run `docgen lab test gunicorn-socket` (it records the results), then check again")
        .stderr_has("error: lab `wsgi-settings` has no recorded result here");
}
