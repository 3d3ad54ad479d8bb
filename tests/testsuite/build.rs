//! Integration tests of `docgen build` and `docgen check` over fixture books: golden output for an
//! mdBook-style book, exact diagnostics for broken books, escaping, annotations, atomic output.

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
    let book = fixture("mdbook-style");
    let run = docgen(book.path(), &["build"]).expect(0);
    assert!(
        run.stdout.contains("Built 7 pages (en) into book"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.is_empty(),
        "no warnings expected: {}",
        run.stderr
    );
    let out = book.path().join("book");
    for page in PAGES {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        let name = format!("mdbook-style__{}", page.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, main_part(&html));
    }
    // The sidebar is written once (toc.js) and placed by each page; pages carry only a link to
    // the table of contents for readers without JavaScript.
    let toc = std::fs::read_to_string(out.join("toc.js")).unwrap();
    insta::assert_snapshot!("mdbook-style__toc_js", toc);
    let deep = std::fs::read_to_string(out.join("guide/deep/dive.html")).unwrap();
    assert!(deep.contains("data-root=\"../../\" data-current=\"guide/deep/dive.html\""));
    assert!(deep.contains("<script src=\"../../toc.js\"></script>"));
    assert!(
        !deep.contains("Not written yet"),
        "the nav is not inlined into pages"
    );
    let toc_page = std::fs::read_to_string(out.join("toc.html")).unwrap();
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
        assert!(out.join(extra).is_file(), "{extra} missing");
    }
    let print = std::fs::read_to_string(out.join("print.html")).unwrap();
    for title in ["Preface", "Deep dive", "Appendix"] {
        assert!(print.contains(title), "print page lacks {title}");
    }
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>guide/deep/dive.html</loc>"));
}

#[test]
fn all_links_are_relative_so_the_site_works_from_file_urls() {
    let book = fixture("mdbook-style");
    docgen(book.path(), &["build"]).expect(0);
    let out = book.path().join("book");
    for page in PAGES {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
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
    let book = fixture("mdbook-style");
    docgen(book.path(), &["build"]).expect(0);
    let html = std::fs::read_to_string(book.path().join("book/unit.html")).unwrap();
    let start = html.find("<code class=\"language-ini\">").unwrap();
    let end = start + html[start..].find("</code>").unwrap();
    let code = unescape_html(&strip_tags(&html[start..end]));
    let file = std::fs::read_to_string(book.path().join("labs/demo/demo.service")).unwrap();
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
    let book = fixture("mdbook-style");
    docgen(book.path(), &["build"]).expect(0);
    let html = std::fs::read_to_string(book.path().join("book/guide/install.html")).unwrap();
    let text = unescape_html(&strip_tags(main_part(&html)));
    assert!(text.contains("# ANCHOR: handler\ndef handler(environ, start_response):\n"));
    assert!(text.contains(
        "def handler(environ, start_response):\n    start_response(\"200 OK\", [(\"Content-Type\", \"text/plain\")])\n    return [str(os.getpid()).encode()]\n"
    ));
}

fn check_fixture(name: &str) -> Run {
    let book = fixture(&format!("errors/{name}"));
    docgen(book.path(), &["check"])
}

macro_rules! error_fixture {
    ($test:ident, $name:literal) => {
        #[test]
        fn $test() {
            let run = check_fixture($name).expect(1);
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
    let book = fixture("mdbook-style");
    docgen(book.path(), &["build"]).expect(0);
    let out = book.path().join("book");
    let before = snapshot_dir(&out);
    // Break one page of seven: a link to a page that does not exist.
    let page = book.path().join("src/config.md");
    let mut text = std::fs::read_to_string(&page).unwrap();
    text.push_str("\nSee [gone](gone.md).\n");
    std::fs::write(&page, text).unwrap();
    let run = docgen(book.path(), &["build"]).expect(1);
    assert!(
        run.stderr
            .contains("src/config.md:9:5: error: link to a missing page or file `gone.md`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("is unchanged"), "{}", run.stderr);
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
    let book = fixture("mdbook-style");
    let mine = book.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let run = docgen(book.path(), &["build", "--out", "mine"]).expect(2);
    assert!(
        run.stderr.contains("was not created by docgen"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn hostile_titles_are_text_everywhere() {
    let book = fixture("xss");
    docgen(book.path(), &["build"]).expect(0);
    let out = book.path().join("book");
    for page in ["index.html", "evil.html", "print.html"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
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
    let evil = std::fs::read_to_string(out.join("evil.html")).unwrap();
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
    let book = fixture("mdbook-style");
    std::fs::write(book.path().join("src/orphan.md"), "# Orphan\n").unwrap();
    let run = docgen(book.path(), &["build"]).expect(0);
    assert!(
        run.stderr
            .contains("src/orphan.md: warning: this chapter is not listed in SUMMARY.md"),
        "{}",
        run.stderr
    );
    docgen(book.path(), &["check", "--deny-warnings"]).expect(1);
}

#[test]
fn init_creates_a_book_that_builds_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    docgen(dir.path(), &["init", "nb", "--title", "Sách \"mới\""]).expect(0);
    let run = docgen(dir.path(), &["build", "-C", "nb"]).expect(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    docgen(dir.path(), &["check", "-C", "nb", "--deny-warnings"]).expect(0);
    let html = std::fs::read_to_string(dir.path().join("nb/book/index.html")).unwrap();
    assert!(html.contains("Sách &quot;mới&quot;"));
    docgen(dir.path(), &["init", "nb"]).expect(2);
}

#[test]
fn the_repository_book_builds_without_warnings_and_checks_clean() {
    let root = repo_root();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    let run = docgen(&root, &["build", "--out", target.to_str().unwrap()]).expect(0);
    assert!(
        run.stderr.is_empty(),
        "warnings building the repository's book:\n{}",
        run.stderr
    );
    docgen(&root, &["check", "--deny-warnings"]).expect(0);
}

#[test]
fn a_lab_check_explaining_a_missing_anchor_is_an_error_at_its_yaml_line() {
    // The repository's book, with one `explains:` of a lab pointing at no heading.
    let root = repo_root();
    let book = tempfile::tempdir().unwrap();
    for dir in ["content", "labs"] {
        copy_dir(&root.join(dir), &book.path().join(dir));
    }
    std::fs::copy(root.join("book.toml"), book.path().join("book.toml")).unwrap();
    let yaml = book.path().join("labs/gunicorn-socket/lab.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let from = "explains: \"gunicorn-service.md#install\"";
    let line = text.lines().position(|l| l.contains(from)).unwrap() + 1;
    std::fs::write(
        &yaml,
        text.replacen(from, "explains: \"gunicorn-service.md#no-such-heading\"", 1),
    )
    .unwrap();
    let run = docgen(book.path(), &["check"]).expect(1);
    let at = format!("labs/gunicorn-socket/lab.yaml:{line}:");
    assert!(run.stderr.contains(&at), "{at} not in:\n{}", run.stderr);
    assert!(
        run.stderr.contains("has no anchor `#no-such-heading`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no-such-heading\""),
        "the yaml line is shown: {}",
        run.stderr
    );
}

#[test]
fn no_book_toml_is_an_operational_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let run = docgen(dir.path(), &["build"]).expect(2);
    assert!(run.stderr.contains("no book.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("docgen init"), "{}", run.stderr);
}

#[test]
fn pathological_markdown_builds_through_the_whole_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("book.toml"),
        "[book]\ntitle = \"P\"\nsrc = \"src\"\n",
    )
    .unwrap();
    std::fs::write(root.join("src/SUMMARY.md"), "- [P](p.md)\n").unwrap();
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
    std::fs::write(root.join("src/p.md"), md).unwrap();
    let run = docgen(root, &["build"]).expect(0);
    assert!(run.stdout.contains("Built 1 page"), "{}", run.stdout);
}

#[test]
fn print_page_has_every_chapter_in_reading_order() {
    // The default print template is written chapter by chapter as pages render; each chapter's
    // body must appear once, in SUMMARY order, between the template's own head and tail.
    let book = fixture("mdbook-style");
    docgen(book.path(), &["build"]).expect(0);
    let print = std::fs::read_to_string(book.path().join("book/print.html")).unwrap();
    let mut last = 0;
    for page in PAGES {
        let html = std::fs::read_to_string(book.path().join("book").join(page)).unwrap();
        let body = main_part(&html);
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
    let book = fixture("mdbook-style");
    let templates = book.path().join("themes/default/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("print.html"),
        "<ol>{% for ch in chapters %}<li>{{ ch.title }}</li>{% endfor %}</ol>\
         {% for ch in chapters | reverse %}<div class=\"t\">{{ ch.content | safe }}</div>{% endfor %}",
    )
    .unwrap();
    let run = docgen(book.path(), &["build"]);
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
    let book = fixture("mdbook-style");
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
    let templates = root.join("themes/default/templates");
    std::fs::create_dir_all(&templates).unwrap();
    let page = std::fs::read_to_string(repo_root().join("themes/default/templates/page.html"))
        .unwrap()
        .replace("<body", "<body data-edited=\"1\"");
    std::fs::write(templates.join("page.html"), page).unwrap();
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
    let book = fixture("bilingual");
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
    let book = fixture("mdbook-style");
    let mut built =
        build_pages_first(&Project::open(book.path()).unwrap(), &BuildCache::new()).unwrap();
    drop(built.whole_book.take());
    let err = built.output.read("print.html").unwrap().unwrap_err();
    assert!(err.to_string().contains("were not made"), "{err}");
    assert!(built.output.read("index.html").unwrap().is_ok());
}
