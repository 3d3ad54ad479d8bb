//! Site features over a bilingual fixture: language trees, the switcher, missing translations,
//! the search index (folded Vietnamese terms, bounded file sizes), and real-browser tests in
//! headless Chromium (search without diacritics, hostile text shown as text, the switcher).

use crate::support::browser;
use crate::support::*;
use fantoccini::Locator;

fn build_bilingual() -> Book {
    Book::fixture("bilingual").built()
}

#[test]
fn both_language_trees_are_built_with_a_root_redirect() {
    let book = build_bilingual();
    let out = book.path().join("book");
    for p in [
        "vi/index.html",
        "vi/service.html",
        "en/index.html",
        "en/service.html",
    ] {
        assert!(out.join(p).is_file(), "{p} missing");
    }
    let root = book.output("index.html");
    assert!(
        root.contains("url=vi/index.html"),
        "the root sends readers to the default language: {root}"
    );
    let vi = book.output("vi/service.html");
    assert!(vi.contains("<html lang=\"vi\""));
    assert!(vi.contains("<link rel=\"alternate\" hreflang=\"en\" href=\"../en/service.html\">"));
    assert!(vi.contains("Trang sau"), "theme strings are translated");
    let sitemap = book.output("sitemap.xml");
    assert!(
        sitemap.contains("<loc>vi/service.html</loc>")
            && sitemap.contains("<loc>en/service.html</loc>")
    );
    assert!(
        !sitemap.contains("<loc>index.html</loc>"),
        "the root redirect is not content: {sitemap}"
    );
    let en = book.output("en/service.html");
    assert!(en.contains("<html lang=\"en\"") && en.contains(">Next<"));
}

#[test]
fn switcher_links_resolve_and_missing_translations_are_greyed_out() {
    let book = build_bilingual();
    let out = book.path().join("book");
    for lang in ["vi", "en"] {
        for entry in std::fs::read_dir(out.join(lang)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "html") || path.ends_with("print.html") {
                continue;
            }
            let html = std::fs::read_to_string(&path).unwrap();
            let Some(nav) = html.split("<nav class=\"lang-switch\"").nth(1) else {
                continue;
            };
            let nav = &nav[..nav.find("</nav>").unwrap()];
            for part in nav.split("href=\"").skip(1) {
                let href = &part[..part.find('"').unwrap()];
                assert!(
                    path.parent().unwrap().join(href).is_file(),
                    "{}: switcher link {href} does not resolve",
                    path.display()
                );
            }
        }
    }
    let only = book.output("vi/only-vi.html");
    assert!(only.contains("<span class=\"lang missing\" title=\"Chưa có bản dịch\">English</span>"));
}

#[test]
fn check_reports_a_missing_translation() {
    let book = Book::fixture("bilingual");
    book.run(&["check"]).code(0).stderr_has(
        "content/vi/only-vi.md: warning: no `en` translation of this page (expected content/en/only-vi.md)",
    );
    book.run(&["check", "--deny-warnings"]).code(1);
}

#[test]
fn vietnamese_search_index_holds_folded_terms() {
    let book = build_bilingual();
    let text = book.output("search/vi/t/6b68.js"); // "kh"
    assert!(text.starts_with("docgenSearch.shard(\"kh\","));
    assert!(text.contains("\"khoi\":["), "folded `khởi` missing: {text}");
    assert!(!text.contains("khởi"), "terms must be folded");
    book.run(&["build"])
        .code(0)
        .stdout_has("search index [vi]:");
}

#[test]
fn search_files_stay_small_for_a_10000_page_book() {
    let book = Book::empty();
    book.write("book.toml", "[book]\ntitle = \"Big\"\nsrc = \"src\"\n");
    let words = [
        "gunicorn",
        "worker",
        "socket",
        "systemd",
        "nginx",
        "django",
        "khởi",
        "động",
        "dịch",
        "vụ",
        "master",
        "process",
        "request",
        "static",
        "file",
        "unit",
        "service",
        "enable",
        "restart",
        "journal",
        "permission",
        "group",
        "user",
        "runtime",
        "directory",
        "bind",
    ];
    let mut summary = String::new();
    for i in 0..10_000usize {
        summary.push_str(&format!("- [Page {i}](p{i}.md)\n"));
        let mut body = format!("# Page {i}\n\n## Section {i} a\n\n");
        for j in 0..60usize {
            body.push_str(words[(i * 7 + j * 13) % words.len()]);
            body.push_str(&format!(" w{} ", (i * 31 + j) % 5000));
        }
        body.push_str(
            "\n\n## Section b\n\nMore text about the gunicorn service and its workers.\n",
        );
        book.write(&format!("src/p{i}.md"), &body);
    }
    book.write("src/SUMMARY.md", &summary);
    book.run(&["build"])
        .code(0)
        .stdout_has("search index [en]: 30000 sections");
    let mut largest = (0u64, String::new());
    for entry in walkdir::WalkDir::new(book.path().join("book/search")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let len = entry.metadata().unwrap().len();
            if len > largest.0 {
                largest = (len, entry.path().display().to_string());
            }
        }
    }
    assert!(
        largest.0 <= 2 * 1024 * 1024,
        "largest search file {} is {} bytes",
        largest.1,
        largest.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_search_finds_vietnamese_without_diacritics() {
    let Some(b) = browser::start().await else {
        return;
    };
    let book = build_bilingual();
    let url = format!("file://{}/book/vi/index.html", book.path().display());
    b.client.goto(&url).await.unwrap();
    // `/` focuses the search box.
    b.client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("/")
        .await
        .unwrap();
    let input = b.wait_for(".search-input").await;
    input.send_keys("khoi dong").await.unwrap();
    let first = b.wait_for(".search-results a[role=option]").await;
    let text = first.text().await.unwrap();
    assert!(text.contains("Khởi động dịch vụ"), "first result: {text}");
    let marked = b
        .js("return Array.from(document.querySelectorAll('.search-results mark')).map(m => m.textContent)")
        .await;
    assert!(
        marked.to_string().contains("Khởi"),
        "matches are marked: {marked}"
    );
    b.screenshot("search-vi-khoi-dong").await;
    input.send_keys("\u{E007}").await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !b
        .client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("service.html")
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let here = b.client.current_url().await.unwrap();
    assert!(
        here.as_str().contains("/vi/service.html#kh"),
        "Enter jumps to the heading: {here}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_search_shows_markup_in_pages_as_text() {
    let Some(b) = browser::start().await else {
        return;
    };
    let book = build_bilingual();
    b.client
        .goto(&format!(
            "file://{}/book/vi/index.html",
            book.path().display()
        ))
        .await
        .unwrap();
    let input = b.wait_for(".search-input").await;
    input.click().await.unwrap();
    input.send_keys("zzxss").await.unwrap();
    let first = b.wait_for(".search-results a[role=option]").await;
    let text = first.text().await.unwrap();
    assert!(
        text.contains("<img src=x onerror=alert(1)>"),
        "the text is shown as text: {text}"
    );
    let imgs = b
        .js("return document.querySelectorAll('.search-results img').length")
        .await;
    assert_eq!(
        imgs,
        serde_json::json!(0),
        "no element was made from page text"
    );
    b.screenshot("search-xss-as-text").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_language_switcher_lands_on_the_same_page() {
    let Some(b) = browser::start().await else {
        return;
    };
    let book = build_bilingual();
    b.client
        .goto(&format!(
            "file://{}/book/vi/service.html",
            book.path().display()
        ))
        .await
        .unwrap();
    let link = b.wait_for(".lang-switch a[hreflang=en]").await;
    link.click().await.unwrap();
    b.wait_for("html[lang=en]").await;
    let here = b.client.current_url().await.unwrap();
    assert!(here.as_str().ends_with("/book/en/service.html"), "{here}");
    let h1 = b.wait_for("h1").await.text().await.unwrap();
    assert_eq!(h1, "The gunicorn service");
    b.screenshot("switcher-en-service").await;
}
