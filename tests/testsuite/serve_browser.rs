//! The course read through `docgen serve` in real headless Chromium: sidebar navigation, dark
//! mode, prev/next, a code annotation popover, the copy button copying the lab's file byte for
//! byte, live reload after an edit, and a lab started from its page with its checks turning green
//! (real Docker). Screenshots go to `target/browser-screenshots/serve-*.png`.

use std::time::{Duration, Instant};

use crate::support::browser::{self, Browser};
use crate::support::serve::Serve;
use crate::support::{docker_or_skip, repo_root, Book};
use fantoccini::Locator;

async fn wait_url(b: &Browser, ends: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let here = b.client.current_url().await.unwrap();
        if here.path().ends_with(ends) {
            return;
        }
        if Instant::now() > deadline {
            panic!("expected a URL ending in {ends}, at {here}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_js(b: &Browser, what: &str, secs: u64, script: &str) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if b.js(script).await == serde_json::json!(true) {
            return;
        }
        if Instant::now() > deadline {
            let status = b
                .js("var s=document.querySelector('.lab-run-status');var l=document.querySelector('.lab-run-log');return (s?s.textContent:'')+'\\n'+(l?l.textContent:'')")
                .await;
            panic!(
                "{what}: not within {secs} s\n{}",
                status.as_str().unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_reads_the_served_course() {
    let Some(b) = browser::start().await else {
        return;
    };
    let s = Serve::start(&repo_root(), &[]);
    b.client.goto(&s.url("/en/index.html")).await.unwrap();

    // The sidebar is put in by toc.js; follow it to a chapter.
    let link = b
        .wait_for("#sidebar a[href$='gunicorn-service.html']")
        .await;
    link.click().await.unwrap();
    wait_url(&b, "/en/gunicorn-service.html").await;
    let h1 = b.wait_for("h1").await.text().await.unwrap();
    assert_eq!(h1, "The gunicorn.service unit");
    assert_eq!(
        b.js("return document.querySelector('#sidebar a.active') !== null")
            .await,
        serde_json::json!(true)
    );
    b.screenshot("serve-sidebar-gunicorn-service").await;

    // Dark mode.
    b.wait_for(".theme-toggle").await.click().await.unwrap();
    assert_eq!(
        b.js("return document.documentElement.classList.contains('dark')")
            .await,
        serde_json::json!(true)
    );
    b.screenshot("serve-dark-mode").await;
    b.wait_for(".theme-toggle").await.click().await.unwrap();

    // Prev/next.
    b.wait_for(".prev-next a.next").await.click().await.unwrap();
    wait_url(&b, "/en/unix-socket.html").await;
    b.wait_for(".prev-next a.prev").await.click().await.unwrap();
    wait_url(&b, "/en/gunicorn-service.html").await;

    // An annotation popover shows on focus.
    let shown = b
        .js("var m=document.querySelector('.ann-marker');m.focus();\
             var p=document.getElementById(m.getAttribute('aria-describedby'));\
             var r=p.getBoundingClientRect();\
             return getComputedStyle(p).display!=='none' && r.width>0 && p.textContent.length>0")
        .await;
    assert_eq!(shown, serde_json::json!(true), "the popover is visible");
    b.screenshot("serve-annotation-popover").await;

    // The copy button copies the installed file exactly: what the page shows in <code> and
    // what the click hands to the clipboard both equal labs/gunicorn-socket/gunicorn.service.
    let file =
        std::fs::read_to_string(repo_root().join("labs/gunicorn-socket/gunicorn.service")).unwrap();
    let find_block = "var f=Array.from(document.querySelectorAll('figure.code-block')).find(function(f){\
        var t=f.querySelector('.code-title');return t && /gunicorn\\.service$/.test(t.textContent.trim());});";
    let shown_text = b
        .js(&format!(
            "{find_block} return f.querySelector('pre code').textContent"
        ))
        .await;
    assert_eq!(
        shown_text.as_str(),
        Some(file.as_str()),
        "the page's code is the file"
    );
    let copied = b
        .js(&format!(
            "{find_block} window.__copied=null;\
             Object.defineProperty(navigator,'clipboard',{{configurable:true,value:{{writeText:function(t){{window.__copied=t;return Promise.resolve();}}}}}});\
             f.querySelector('.copy-button').click(); return window.__copied"
        ))
        .await;
    assert_eq!(
        copied.as_str(),
        Some(file.as_str()),
        "the copy button copies the file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_reloads_after_an_edit() {
    let Some(b) = browser::start().await else {
        return;
    };
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &[]);
    b.client.goto(&s.url("/probe.html")).await.unwrap();
    b.wait_for("h1").await;
    // The page is connected to the build events once serve.js has run.
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.js("window.__same_page = true; return true").await;
    let page = dir.path().join("content/probe.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("Version one.", "Version reloaded.")).unwrap();
    wait_js(
        &b,
        "the page reloads by itself",
        10,
        "return window.__same_page === undefined && document.body.textContent.indexOf('Version reloaded.') >= 0",
    )
    .await;
    std::fs::write(&page, text.replace("{{#lab probe}}", "{{#lab nope}}")).unwrap();
    b.client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#docgen-build-error"))
        .await
        .expect("the error overlay appears");
    b.screenshot("serve-build-error-overlay").await;
    std::fs::write(&page, &text).unwrap();
    wait_js(
        &b,
        "the overlay goes once fixed",
        10,
        "return !document.getElementById('docgen-build-error') && document.body.textContent.indexOf('Version one.') >= 0",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_runs_a_lab_from_its_page() {
    if !docker_or_skip("the Run button needs a real engine") {
        return;
    }
    let Some(b) = browser::start().await else {
        return;
    };
    let s = Serve::start(&repo_root(), &[]);
    b.client
        .goto(&s.url("/en/labs/gunicorn-socket.html"))
        .await
        .unwrap();
    let button = b
        .wait_for("section.lab-card[data-lab='gunicorn-socket'] button.lab-run")
        .await;
    assert_eq!(button.text().await.unwrap(), "Run this lab");
    let checks = b
        .js("return document.querySelectorAll(\"section.lab-card[data-lab='gunicorn-socket'] li[data-check]\").length")
        .await
        .as_u64()
        .unwrap();
    assert!(checks >= 3, "the card lists the checks");
    button.click().await.unwrap();
    // Checks turn green one by one while the run goes on, not all at the end.
    wait_js(
        &b,
        "a first check turns green while others are still running",
        180,
        "var c=document.querySelector(\"section.lab-card[data-lab='gunicorn-socket']\");\
         return c.querySelectorAll('li.check-pass').length>0 && c.querySelectorAll('li.check-running').length>0",
    )
    .await;
    b.screenshot("serve-lab-running").await;
    wait_js(
        &b,
        "the run passes",
        240,
        "var s=document.querySelector('.lab-run-status');return s.classList.contains('pass')",
    )
    .await;
    let all_green = b
        .js("var c=document.querySelector(\"section.lab-card[data-lab='gunicorn-socket']\");\
             return c.querySelectorAll('li[data-check]').length === c.querySelectorAll('li.check-pass').length")
        .await;
    assert_eq!(all_green, serde_json::json!(true));
    b.screenshot("serve-lab-passed").await;
    s.wait_status(10, "the run slot is free again", |st| {
        st["lab_running"] == false
    });
}
