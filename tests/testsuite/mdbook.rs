//! mdBook books build unchanged: one test per class of mdBook behaviour docgen once refused
//! or got wrong, each on a small book in `tests/fixtures/mdbook-compat/`.

use crate::support::{docgen, strip_tags, unescape_html, Book};

/// SUMMARY.md paths written `./blank.md` and `./vec/./layout.md` are the chapters mdBook builds
/// at `blank.html` and `vec/layout.html`: none is dropped as unlisted, and links between them
/// are still checked.
#[test]
fn summary_paths_with_dot_slash_build_every_chapter_where_mdbook_puts_it() {
    let book = Book::fixture("mdbook-compat/dot-paths");
    book.run(&["build"])
        .code(0)
        .stdout_has("Built 5 pages (en)");
    for page in [
        "index.html",
        "blank.html",
        "vec/intro.html",
        "vec/layout.html",
        "arc-mutex/arc.html",
    ] {
        assert!(
            book.output(page).contains("<h1"),
            "{page} has no heading: {}",
            book.output(page)
        );
    }
    // Links inside the book stay checked. This is a plain mdBook book (mdBook checks no
    // links): a broken one is a warning, and `--deny-warnings` refuses it; in a docgen book
    // (a [docgen] table) it is an error.
    book.write(
        "src/blank.md",
        "# Blank\n\nSee [growth](./vec/intro.md#shrink).\n",
    );
    book.run(&["build"]).code(0).stderr_has(
        "src/blank.md:3:5: warning: link to a missing anchor `#shrink` in `./vec/intro.md`",
    );
    book.run(&["build", "--deny-warnings"]).code(1);
    let toml = book.read("book.toml");
    book.write("book.toml", &format!("{toml}\n[docgen]\n"));
    book.run(&["build"]).code(1).stderr_has(
        "src/blank.md:3:5: error: link to a missing anchor `#shrink` in `./vec/intro.md`",
    );
}

/// A book in `guide/` of its repository includes `../../examples/x.rs`, leaves `{{#include}}`
/// in prose as text and writes `\{{#include x}}` out literally, and links to the books deployed
/// beside it (`../std/...`): it builds, as with mdBook.
#[test]
fn includes_outside_the_book_directive_text_and_links_that_leave_the_site() {
    let repo = Book::fixture("mdbook-compat/outside");
    let guide = repo.path().join("guide");
    docgen(&guide, &["build"]).code(0);
    let html = std::fs::read_to_string(guide.join("book/preprocessors.html")).unwrap();
    assert!(
        html.contains("A preprocessor that changes nothing."),
        "{html}"
    );
    assert!(
        html.contains("Write <code>{{#include}}</code> with a file path"),
        "{html}"
    );
    assert!(
        html.contains("<code>{{#include file.rs}}</code> shows the directive"),
        "{html}"
    );
    assert!(html.contains("href=\"../std/index.html\""), "{html}");

    // A link that stays inside the site is still checked (a warning in a plain mdBook book).
    let page = guide.join("src/preprocessors.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        format!("{text}\nAnd [a missing chapter](missing.md).\n"),
    )
    .unwrap();
    docgen(&guide, &["build"])
        .code(0)
        .stderr_has("warning: link to a missing page or file `missing.md`");
    // A missing file is reported at its line: a warning in a plain mdBook book (mdBook builds
    // it too), an error in a docgen book.
    std::fs::write(&page, text.replace("nop-preprocessor.rs", "nope.rs")).unwrap();
    docgen(&guide, &["build"]).code(0).stderr_has(
        "src/preprocessors.md:6:1: warning: cannot include `../../examples/nope.rs`: no such file",
    );
    let toml = std::fs::read_to_string(guide.join("book.toml")).unwrap();
    std::fs::write(guide.join("book.toml"), format!("{toml}\n[docgen]\n")).unwrap();
    docgen(&guide, &["build"]).code(1).stderr_has(
        "src/preprocessors.md:6:1: error: cannot include `../../examples/nope.rs`: no such file",
    );
}

/// `[preprocessor.*]` tables run with mdBook's protocol, in mdBook's order: `shout` rewrites
/// the chapters (nested ones too, with its own book.toml settings from the context),
/// `aaa-stamp` runs after it because it says `after = ["shout"]` although its name sorts first,
/// `zz-count-includes` sees the includes expanded (`after = ["links"]`), and `epub-only`, which
/// does not support html, is skipped.
#[test]
fn preprocessors_rewrite_chapters_in_mdbook_order() {
    let book = Book::fixture("mdbook-compat/preprocessors");
    book.run(&["build"]).code(0);
    let one = book.output("one.html");
    assert!(one.contains("This chapter says LOUD."), "{one}");
    assert!(
        one.contains("Stamped by html: shout ran first = True."),
        "{one}"
    );
    assert!(one.contains("Includes expanded before me: True."), "{one}");
    let two = book.output("more/two.html");
    assert!(
        two.contains("Nested chapters are reached too: LOUD."),
        "{two}"
    );
    assert!(two.contains("shout ran first = True"), "{two}");

    // The order is the constraint's, not the names': without it, aaa-stamp runs first.
    let toml = book.read("book.toml");
    book.write("book.toml", &toml.replace("after = [\"shout\"]\n", ""));
    book.run(&["build"]).code(0);
    assert!(book
        .output("one.html")
        .contains("Stamped by html: shout ran first = False."));
}

/// A preprocessor that fails stops the build with its name and what it printed, and the
/// previous site stays; one that cannot be found is an error, or a warning when `optional`.
#[test]
fn failing_and_missing_preprocessors_are_named() {
    let book = Book::fixture("mdbook-compat/preprocessors");
    book.run(&["build"]).code(0);
    let before = book.output("one.html");
    book.write(
        "pre/broken.py",
        "import sys\nif sys.argv[1:2] == ['supports']:\n    sys.exit(0)\nsys.stderr.write('broken: this book has no chapter called Zero\\n')\nsys.exit(3)\n",
    );
    let toml = book.read("book.toml");
    book.write(
        "book.toml",
        &format!("{toml}\n[preprocessor.broken]\ncommand = \"python3 pre/broken.py\"\n"),
    );
    book.run(&["build"])
        .code(1)
        .stderr_has("error: preprocessor `broken` failed (exit status: 3); its last output:")
        .stderr_has("broken: this book has no chapter called Zero");
    assert_eq!(
        book.output("one.html"),
        before,
        "a failed build keeps the previous site"
    );

    book.write(
        "book.toml",
        &format!("{toml}\n[preprocessor.not-installed]\n"),
    );
    book.run(&["build"]).code(1).stderr_has(
        "error: preprocessor `not-installed`: its command `mdbook-not-installed` was not found",
    );
    book.write(
        "book.toml",
        &format!("{toml}\n[preprocessor.not-installed]\noptional = true\n"),
    );
    book.run(&["build"])
        .code(0)
        .stderr_has("warning: preprocessor `not-installed`: its command `mdbook-not-installed` was not found; it is optional, so the book builds without it");
}

/// An mdBook `theme/` directory: its `css/*.css` are linked after docgen's stylesheets,
/// `head.hbs` goes into every page's `<head>`, the favicon is linked, and `index.hbs` (which
/// cannot drive docgen's pages) is named once in a warning.
#[test]
fn an_mdbook_theme_directory_adds_css_head_and_favicon() {
    let book = Book::fixture("mdbook-compat/theme");
    let run = book.run(&["build"]).code(0);
    assert_eq!(
        run.stderr
            .matches("mdBook's Handlebars templates (index.hbs)")
            .count(),
        1,
        "{}",
        run.stderr
    );
    let page = book.output("intro.html");
    assert!(
        page.contains("<link rel=\"stylesheet\" href=\"theme/css/custom.css\">"),
        "{page}"
    );
    assert!(
        page.contains("<meta name=\"x-book-head\" content=\"from head.hbs\">"),
        "{page}"
    );
    assert!(
        page.contains("<link rel=\"icon\" href=\"favicon.svg\">"),
        "{page}"
    );
    assert!(book
        .output("theme/css/custom.css")
        .contains("letter-spacing"));
    assert!(book.output("favicon.svg").contains("<svg"));
}

/// A chapter whose file is missing: mdBook (create-missing, on by default) writes the file and
/// builds; docgen builds too, with the page empty but for its title, leaves the sources alone,
/// and warns. `create-missing = false`, or a docgen book, makes it an error.
#[test]
fn a_missing_chapter_file_builds_as_mdbook_does_without_touching_the_sources() {
    let book = Book::fixture("mdbook-compat/dot-paths");
    let summary = book.read("src/SUMMARY.md");
    book.write(
        "src/SUMMARY.md",
        &format!("{summary}- [Not written yet](later.md)\n"),
    );
    book.run(&["build"]).code(0).stderr_has(
        "warning: chapter file `later.md` does not exist: its page is empty but for its title",
    );
    assert!(book
        .output("later.html")
        .contains("<h1 id=\"not-written-yet\">Not written yet"));
    assert!(
        !book.path().join("src/later.md").exists(),
        "the sources are left alone"
    );
    let toml = book.read("book.toml");
    book.write(
        "book.toml",
        &format!("{toml}\n[build]\ncreate-missing = false\n"),
    );
    book.run(&["build"])
        .code(1)
        .stderr_has("error: chapter file `later.md` does not exist");
}

/// mdBook's other directives and hidden lines: `{{#title}}` sets the page title, Rust's `# `
/// lines and the book's `hidelines` prefix hide lines (their text kept for the copy button,
/// shown by a button), `{{#rustdoc_include}}` hides the lines outside its range and
/// `{{#playground}}` puts the file in a Rust block.
#[test]
fn directives_and_hidden_lines_render_as_in_mdbook() {
    let book = Book::fixture("mdbook-compat/directives");
    book.run(&["build"]).code(0);
    let page = book.output("code.html");
    assert!(
        page.contains("<title>Code, shown and hidden · Directives</title>"),
        "{page}"
    );
    let hidden: Vec<String> = page
        .split("<span class=\"line boring\">")
        .skip(1)
        .map(|s| {
            strip_tags(&unescape_html(
                s.split("</span><span class=\"boring-nl\">")
                    .next()
                    .unwrap_or(""),
            ))
        })
        .collect();
    assert_eq!(
        hidden,
        ["fn helper() -> u32 { 42 }", "import os", "fn unused() {}"],
        "{page}"
    );
    let text = strip_tags(&unescape_html(&page));
    assert!(text.contains("println!(\"from example.rs\");"), "{text}");
    assert!(page.contains("data-lang=\"rust\""), "{page}");
}
