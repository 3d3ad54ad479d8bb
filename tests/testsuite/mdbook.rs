//! mdBook books build unchanged: one test per class of mdBook behaviour docgen once refused
//! or got wrong, each on a small book in `tests/fixtures/mdbook-compat/`.

use crate::support::{docgen, Book};

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
    // Links inside the book stay checked.
    book.write(
        "src/blank.md",
        "# Blank\n\nSee [growth](./vec/intro.md#shrink).\n",
    );
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

    // A link that stays inside the site is still checked.
    let page = guide.join("src/preprocessors.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        format!("{text}\nAnd [a missing chapter](missing.md).\n"),
    )
    .unwrap();
    docgen(&guide, &["build"])
        .code(1)
        .stderr_has("error: link to a missing page or file `missing.md`");
    // A missing file outside the book is still an error at its line.
    std::fs::write(&page, text.replace("nop-preprocessor.rs", "nope.rs")).unwrap();
    docgen(&guide, &["build"]).code(1).stderr_has(
        "src/preprocessors.md:6:1: error: cannot include `../../examples/nope.rs`: no such file",
    );
}
