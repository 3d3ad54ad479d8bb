//! Accessibility in a real browser: axe-core's WCAG 2.0/2.1 A and AA rules on every page of the
//! course, in both languages and both colour schemes, and with the search results and an
//! annotation's explanation open; and a keyboard-only walk through a page.
//!
//! axe-core comes from the npm registry (`tests/node`, `npm ci`, which scripts/test runs); it is
//! not vendored. Without it the tests skip, except under `DOCGEN_REQUIRE_CHROMIUM=1`.

use std::path::{Path, PathBuf};

use crate::support::{browser, docgen, repo_root, skip, Need};

/// axe-core's browser bundle, or `None` (after the skip rule) when `npm ci` has not run.
fn axe_source() -> Option<String> {
    let path = repo_root().join("tests/node/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            skip(
                Need::Chromium,
                &format!(
                    "axe-core is not installed at {} (run `npm ci` in tests/node)",
                    path.display()
                ),
            );
            None
        }
    }
}

/// The course, built into a temporary directory.
fn built_course() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    docgen(&repo_root(), &["build", "--out", site.to_str().unwrap()]).code(0);
    (dir, site)
}

/// Every page a reader can open: the HTML files with a `<main>` (not the redirects).
fn pages(site: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .filter(|e| {
            std::fs::read_to_string(e.path())
                .map(|t| t.contains("<main"))
                .unwrap_or(false)
        })
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// Runs axe on the page as it is now; returns one line per violating element.
async fn axe(b: &browser::Browser, source: &str, what: &str) -> Vec<String> {
    b.js(&format!("if (!window.axe) {{ {source} }}; return true;"))
        .await;
    let result = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
                                 resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => v.nodes.map(n =>
                  v.id + ' ' + n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240)))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("axe on {what}: {e}"));
    result
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|v| v.as_array().cloned().unwrap_or_default())
        .map(|n| format!("{what}: {}", n.as_str().unwrap_or_default()))
        .collect()
}

async fn set_scheme(b: &browser::Browser, dark: bool) {
    b.js(&format!(
        "document.documentElement.classList.toggle('dark', {dark}); return true;"
    ))
    .await;
}

/// Every page of the course, both languages, light and dark: no violation of WCAG 2.1 A/AA.
/// Then the search results open, and an annotation's explanation open, in both schemes.
#[tokio::test(flavor = "multi_thread")]
async fn every_course_page_passes_axe_in_both_schemes_and_languages() {
    let Some(b) = browser::start().await else {
        return;
    };
    let Some(source) = axe_source() else {
        return;
    };
    let (_dir, site) = built_course();
    let pages = pages(&site);
    assert!(pages.len() >= 30, "both languages' pages: {}", pages.len());
    let mut violations = Vec::new();
    for page in &pages {
        let rel = page.strip_prefix(&site).unwrap().display().to_string();
        b.client
            .goto(&format!("file://{}", page.display()))
            .await
            .unwrap();
        // One h1, a main landmark, and a skip link to it, on every page.
        let shape = b
            .js("return [document.querySelectorAll('h1').length, document.querySelectorAll('main').length,
                         (document.querySelector('a.skip-link') || {}).hash || null];")
            .await;
        // (The print page is the whole book: one h1 per chapter.)
        let h1s = if rel.ends_with("print.html") {
            shape[0].clone()
        } else {
            serde_json::json!(1)
        };
        if shape != serde_json::json!([h1s, 1, "#content"]) {
            violations.push(format!("{rel}: [h1s, mains, skip link] = {shape}"));
        }
        for dark in [false, true] {
            set_scheme(&b, dark).await;
            let scheme = if dark { "dark" } else { "light" };
            violations.extend(axe(&b, &source, &format!("{rel} ({scheme})")).await);
        }
    }

    for lang in ["en", "vi"] {
        // The search results, open.
        let page = site.join(lang).join("gunicorn-service.html");
        b.client
            .goto(&format!("file://{}", page.display()))
            .await
            .unwrap();
        let input = b.wait_for(".search-input").await;
        input.send_keys("gunicorn socket").await.unwrap();
        b.wait_for(".search-results a[role=option]").await;
        // The number of results is announced (a polite live region).
        let said = b
            .js("return document.querySelector('.search-status[role=status]').textContent")
            .await;
        let word = if lang == "vi" {
            "kết quả"
        } else {
            "results"
        };
        assert!(
            said.as_str()
                .is_some_and(|t| t.ends_with(word) && t.starts_with(char::is_numeric)),
            "{lang}: the live region says {said}"
        );
        for dark in [false, true] {
            set_scheme(&b, dark).await;
            let scheme = if dark { "dark" } else { "light" };
            violations.extend(axe(&b, &source, &format!("{lang} search results ({scheme})")).await);
        }
        // An annotation's explanation, open.
        b.client
            .goto(&format!("file://{}", page.display()))
            .await
            .unwrap();
        b.wait_for(".ann-marker").await;
        // As a keyboard user opens it: focus on the marker shows the explanation beside it.
        b.js("document.querySelector('.ann-marker').focus(); return true;")
            .await;
        let open = b
            .js("return Array.from(document.querySelectorAll('.ann-pop')).some(p => getComputedStyle(p).display !== 'none');")
            .await;
        assert_eq!(open, serde_json::json!(true), "a popover opened");
        for dark in [false, true] {
            set_scheme(&b, dark).await;
            let scheme = if dark { "dark" } else { "light" };
            violations
                .extend(axe(&b, &source, &format!("{lang} annotation open ({scheme})")).await);
        }
    }
    assert!(
        violations.is_empty(),
        "{} violating elements:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// The theme's text colours (muted text, links, proof marks, admonition titles) meet 4.5:1 on
/// every surface they are drawn on, in both schemes: all of them, whether or not some page of
/// the course uses them today.
#[test]
fn theme_text_colours_meet_wcag_aa_on_every_surface() {
    let css =
        std::fs::read_to_string(repo_root().join("themes/default/static/docgen.css")).unwrap();
    let block = |selector: &str| -> std::collections::HashMap<String, String> {
        let open = format!("{selector} {{");
        let start = css.find(&open).unwrap() + open.len();
        let body = &css[start..start + css[start..].find('}').unwrap()];
        body.split(';')
            .filter_map(|d| d.split_once(':'))
            .filter_map(|(k, v)| {
                let k = k
                    .trim()
                    .rsplit(|c: char| c.is_whitespace() || c == '{')
                    .next()?;
                k.starts_with("--")
                    .then(|| (k.to_string(), v.trim().to_string()))
            })
            .collect()
    };
    let light = block(":root");
    let mut dark = light.clone();
    dark.extend(block("html.dark"));
    for (scheme, vars) in [("light", &light), ("dark", &dark)] {
        let colour = |name: &str| -> [f64; 3] {
            let v = &vars[name];
            let hex = v.trim_start_matches('#');
            assert_eq!(hex.len(), 6, "{scheme} {name}: {v}");
            let n = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
            [n(0), n(2), n(4)]
        };
        for text in [
            "--fg",
            "--muted",
            "--accent",
            "--note",
            "--tip",
            "--important",
            "--warning",
            "--caution",
        ] {
            for surface in ["--bg", "--sidebar-bg", "--code-bg", "--pop-bg", "--hl-line"] {
                let ratio = contrast(colour(text), colour(surface));
                assert!(
                    ratio >= 4.5,
                    "{scheme}: {text} on {surface} is {ratio:.2}:1"
                );
            }
        }
        for (text, surface) in [("--accent-fg", "--accent"), ("--marker-fg", "--marker-bg")] {
            let ratio = contrast(colour(text), colour(surface));
            assert!(
                ratio >= 4.5,
                "{scheme}: {text} on {surface} is {ratio:.2}:1"
            );
        }
    }
}

/// WCAG's contrast ratio of two sRGB colours.
fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let lum = |c: [f64; 3]| {
        let ch = |v: f64| {
            let v = v / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// Presses Tab in the focused element, as a keyboard user does.
async fn tab(b: &browser::Browser) {
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
}

/// Keyboard only, from page load: Tab reaches the skip link first, then the search, the
/// sidebar, every code block and its copy button, and an annotation marker; Enter on the
/// marker shows its explanation; the focused element is visibly outlined (screenshot in
/// target/browser-screenshots/keyboard-focus.png).
#[tokio::test(flavor = "multi_thread")]
async fn keyboard_reaches_everything_with_visible_focus() {
    let Some(b) = browser::start().await else {
        return;
    };
    let (_dir, site) = built_course();
    let page = site.join("en/gunicorn-service.html");
    b.client
        .goto(&format!("file://{}", page.display()))
        .await
        .unwrap();
    b.wait_for(".sidebar a").await;
    let code_blocks = b
        .js("return document.querySelectorAll('pre.code').length")
        .await
        .as_u64()
        .unwrap();
    assert!(code_blocks >= 2, "{code_blocks} code blocks");
    // Tab through the page, noting what gets focus and whether it is visibly outlined.
    let mut seen: Vec<String> = Vec::new();
    let describe = "const e = document.activeElement; const s = getComputedStyle(e);
        const visible = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
        let kind = e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '');
        if (e.closest('.sidebar')) kind = 'sidebar ' + kind;
        return kind + (visible ? '' : ' (NO VISIBLE FOCUS)');";
    for _ in 0..400 {
        tab(&b).await;
        let now = b
            .js(describe)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        if now.starts_with("body") {
            break;
        }
        seen.push(now);
    }
    let first = seen.first().cloned().unwrap_or_default();
    assert!(first.starts_with("a.skip-link"), "first Tab stop: {first}");
    let count = |prefix: &str| seen.iter().filter(|s| s.starts_with(prefix)).count();
    assert!(count("input.search-input") == 1, "{seen:#?}");
    assert!(count("sidebar a") >= 5, "{seen:#?}");
    assert_eq!(
        count("pre.code") as u64,
        code_blocks,
        "every code block: {seen:#?}"
    );
    assert_eq!(
        count("button.copy-button") as u64,
        code_blocks,
        "every copy button: {seen:#?}"
    );
    assert!(
        count("a.ann-marker") + count("button.ann-marker") >= 1,
        "{seen:#?}"
    );
    let invisible: Vec<&String> = seen.iter().filter(|s| s.contains("NO VISIBLE")).collect();
    assert!(invisible.is_empty(), "focus not visible on: {invisible:#?}");

    // Focus on the first annotation marker shows its explanation beside it, with the focus
    // ring (the screenshot); Enter follows it to the explanation in the list under the block.
    b.client
        .goto(&format!("file://{}", page.display()))
        .await
        .unwrap();
    let marker = b.wait_for(".ann-marker").await;
    for _ in 0..200 {
        tab(&b).await;
        let on_marker = b
            .js("return document.activeElement.classList.contains('ann-marker')")
            .await;
        if on_marker == serde_json::json!(true) {
            break;
        }
    }
    let state = b
        .js("const m = document.activeElement; const pop = document.getElementById(m.getAttribute('aria-describedby'));
             return [m.className.split(' ')[0], getComputedStyle(pop).display, getComputedStyle(m).outlineStyle];")
        .await;
    assert_eq!(
        state,
        serde_json::json!(["ann-marker", "block", "solid"]),
        "a focused marker shows its explanation and a focus ring"
    );
    b.screenshot("keyboard-focus").await;
    let href = marker.attr("href").await.unwrap().unwrap();
    marker.send_keys("\u{E007}").await.unwrap();
    let target = b
        .js("const t = document.querySelector(':target'); return t ? [t.tagName, '#' + t.id, t.textContent.length > 20] : null;")
        .await;
    let id = href
        .rsplit_once('#')
        .map(|(_, id)| format!("#{id}"))
        .unwrap();
    assert_eq!(
        target,
        serde_json::json!(["LI", id, true]),
        "Enter goes to the explanation"
    );
}
