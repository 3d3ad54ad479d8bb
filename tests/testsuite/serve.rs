//! `docgen serve` over raw TCP: the traversal corpus of reliability.md, the Host allow-list,
//! methods and headers, the guarded lab routes (one run at a time, no container for a bad
//! request, Docker missing explained), live rebuilds (one per burst, reload events, a broken
//! page shown and recovered), and the token never reaching a built file.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::support::serve::{streamed, Serve};
use crate::support::{containers_with, copy_dir, docker_or_skip, Book};

const SECRET: &str = "TOP-SECRET-7f3a9c";

/// A book in `dir/book` with a secret beside it and symlinks in its source pointing at it.
fn book_with_secret() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = Book::fixture("serve");
    let outer = tempfile::tempdir().unwrap();
    let book = outer.path().join("book");
    copy_dir(dir.path(), &book);
    std::fs::write(outer.path().join("secret"), SECRET).unwrap();
    std::fs::create_dir(outer.path().join("private")).unwrap();
    std::fs::write(outer.path().join("private/secret.txt"), SECRET).unwrap();
    std::os::unix::fs::symlink(outer.path().join("secret"), book.join("content/leak.txt")).unwrap();
    std::os::unix::fs::symlink(outer.path().join("private"), book.join("content/leakdir")).unwrap();
    (outer, book)
}

#[test]
fn traversal_corpus_never_leaves_the_site() {
    let (_outer, book) = book_with_secret();
    let s = Serve::start(&book, &[]);
    assert_eq!(s.get("/probe.html").status, 200, "{}", s.dump());
    for target in [
        "/../secret",
        "/%2e%2e/secret",
        "/%2E%2E%2Fsecret",
        "/a/..%2f..%2fsecret",
        "/..%5csecret",
        "/..\\secret",
        "//etc/passwd",
        "../secret",
        "http://evil/secret",
        "/%00",
        "/%c0%ae%c0%ae/",
        "/%c0%ae%c0%ae/secret",
        "/..%2f..%2fsecret",
        "/leak.txt",
        "/leakdir/secret.txt",
        "/./leak.txt",
        "/%2e/leak.txt",
        "/static/../../secret",
    ] {
        let r = s.raw(&format!(
            "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            s.host()
        ));
        assert!(
            r.status == 400 || r.status == 404,
            "{target}: status {}\n{}\n{}",
            r.status,
            r.text(),
            s.dump()
        );
        let body = r.text();
        assert!(!body.contains(SECRET), "{target} leaked the secret");
        assert!(!body.contains("root:x:0:0"), "{target} leaked /etc/passwd");
        // A target that is not HTTP at all (`../secret`) gets hyper's bare 400 with no body;
        // every body the server sends is marked nosniff.
        if !r.body.is_empty() {
            assert_eq!(
                r.header("X-Content-Type-Options").as_deref(),
                Some("nosniff"),
                "{target}"
            );
        }
    }
    // The theme's 404 page, not a listing, for a directory without an index.
    let r = s.get("/static/");
    assert_eq!(r.status, 404);
    assert!(
        r.text().contains("class=\"content not-found\""),
        "{}",
        r.text()
    );
    assert!(!r.text().contains("highlight.css"), "a listing of static/");
}

#[test]
fn host_allow_list_methods_and_headers() {
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &[]);
    let ok = s.get("/probe.html");
    assert_eq!(ok.status, 200, "{}", s.dump());
    assert_eq!(
        ok.header("X-Content-Type-Options").as_deref(),
        Some("nosniff")
    );
    assert!(ok.header("Content-Type").unwrap().starts_with("text/html"));
    assert!(ok.text().contains("Version one."));
    for host in [
        "localhost".to_string(),
        format!("localhost:{}", s.port),
        format!("[::1]:{}", s.port),
    ] {
        let r = s.raw(&format!(
            "GET /probe.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ));
        let want = if host.contains(':') { 200 } else { 403 };
        assert_eq!(r.status, want, "Host: {host}");
    }
    for bad in [
        format!("Host: evil.example:{}\r\n", s.port),
        format!("Host: localhost:{}\r\n", s.port + 1),
        format!("Host: 127.0.0.1.nip.io:{}\r\n", s.port),
        format!(
            "Host: 127.0.0.1:{p}\r\nHost: evil.example:{p}\r\n",
            p = s.port
        ),
        String::new(),
    ] {
        let r = s.raw(&format!(
            "GET /probe.html HTTP/1.0\r\n{bad}Connection: close\r\n\r\n"
        ));
        assert_eq!(r.status, 403, "{bad:?}: {}", r.text());
        assert!(!r.text().contains("Version one."));
    }
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let r = s.request(method, "/probe.html", &[]);
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("Allow").as_deref(), Some("GET, HEAD"));
    }
    let head = s.request("HEAD", "/probe.html", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    // A directory with an index redirects to its slash form; the root serves index.html.
    assert_eq!(s.get("/").status, 200);
    let css = s.get("/static/docgen.css");
    assert_eq!(css.status, 200);
    assert!(css.header("Content-Type").unwrap().starts_with("text/css"));
    assert!(
        !css.text().contains("docgen-lab-token"),
        "token injected into CSS"
    );
}

/// A fake container engine that answers `info` and is slow at everything else, so a run lasts
/// long enough for concurrent starts to meet it.
fn slow_engine(dir: &std::path::Path) -> String {
    let p = dir.join("slow-engine");
    std::fs::write(
        &p,
        "#!/bin/sh\ncase \"$1\" in info) echo 99.0; exit 0;; esac\nsleep 4\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    p.display().to_string()
}

/// Method, target, headers, the status expected (0: any 4xx).
type Case<'a> = (&'a str, String, Vec<(&'a str, String)>, u16);

#[test]
fn lab_routes_refuse_bad_requests_and_start_nothing() {
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &[]);
    let token = s.token("/probe.html");
    assert_eq!(token.len(), 32);
    let origin = format!("http://{}", s.host());
    let before = docker_or_skip("lab routes: no container check")
        .then(|| containers_with(&["docgen.lab=probe"]));
    let run = "/__docgen/lab/probe/run";
    let cases: Vec<Case> = vec![
        (
            "GET",
            run.into(),
            vec![
                ("Origin", origin.clone()),
                ("X-Docgen-Token", token.clone()),
            ],
            405,
        ),
        (
            "PUT",
            run.into(),
            vec![
                ("Origin", origin.clone()),
                ("X-Docgen-Token", token.clone()),
            ],
            405,
        ),
        (
            "POST",
            run.into(),
            vec![("X-Docgen-Token", token.clone())],
            403,
        ),
        (
            "POST",
            run.into(),
            vec![
                ("Origin", "http://evil.example".into()),
                ("X-Docgen-Token", token.clone()),
            ],
            403,
        ),
        (
            "POST",
            run.into(),
            vec![("Origin", "null".into()), ("X-Docgen-Token", token.clone())],
            403,
        ),
        (
            "POST",
            run.into(),
            vec![
                ("Origin", format!("http://localhost:{}", s.port + 1)),
                ("X-Docgen-Token", token.clone()),
            ],
            403,
        ),
        (
            "POST",
            run.into(),
            vec![
                ("Origin", format!("{origin}/")),
                ("X-Docgen-Token", token.clone()),
            ],
            403,
        ),
        ("POST", run.into(), vec![("Origin", origin.clone())], 403),
        (
            "POST",
            run.into(),
            vec![
                ("Origin", origin.clone()),
                ("X-Docgen-Token", "0".repeat(32)),
            ],
            403,
        ),
        (
            "POST",
            run.into(),
            vec![
                ("Origin", origin.clone()),
                ("X-Docgen-Token", token[..31].into()),
            ],
            403,
        ),
        (
            "POST",
            run.into(),
            vec![
                ("Origin", origin.clone()),
                ("X-Docgen-Token", token.clone()),
                ("X-Docgen-Token", token.clone()),
            ],
            403,
        ),
    ];
    let mut all = cases;
    for id in [
        "nope",
        "..%2fprobe",
        "probe%2f..",
        "%2e%2e",
        "--keep",
        "-C%20%2f",
        "probe%3brm",
        "PROBE",
        "probe%00",
        "gunicorn-socket",
    ] {
        all.push((
            "POST",
            format!("/__docgen/lab/{id}/run"),
            vec![
                ("Origin", origin.clone()),
                ("X-Docgen-Token", token.clone()),
            ],
            0,
        ));
    }
    for (method, target, headers, want) in &all {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = s.request(method, target, &h);
        if *want == 0 {
            assert!(
                (400..500).contains(&r.status),
                "{method} {target}: {}",
                r.status
            );
        } else {
            assert_eq!(
                r.status,
                *want,
                "{method} {target} {headers:?}: {}",
                r.text()
            );
        }
    }
    let st = s.status();
    assert_eq!(
        st["labs_started"], 0,
        "a refused request started a run: {st}"
    );
    if let Some(before) = before {
        std::thread::sleep(Duration::from_secs(1));
        assert_eq!(
            containers_with(&["docgen.lab=probe"]),
            before,
            "a container appeared"
        );
    }
}

#[test]
fn twenty_concurrent_starts_make_one_run() {
    let dir = Book::fixture("serve");
    let engine = slow_engine(dir.path());
    let toml = dir.path().join("book.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str(&format!("\n[labs]\nengine = \"{engine}\"\n"));
    std::fs::write(&toml, text).unwrap();
    let s = Arc::new(Serve::start(dir.path(), &[]));
    let token = s.token("/probe.html");
    let barrier = Arc::new(Barrier::new(20));
    let threads: Vec<_> = (0..20)
        .map(|_| {
            let (s, token, barrier) = (Arc::clone(&s), token.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
                c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                let req = format!(
                    "POST /__docgen/lab/probe/run HTTP/1.1\r\nHost: {h}\r\nOrigin: http://{h}\r\nX-Docgen-Token: {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    h = s.host()
                );
                barrier.wait();
                c.write_all(req.as_bytes()).unwrap();
                let (code, _head, mut body) = streamed(c).unwrap();
                let mut first_event = String::new();
                if code == 200 {
                    body.read_line(&mut first_event).unwrap();
                }
                (code, first_event)
            })
        })
        .collect();
    let results: Vec<(u16, String)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let ok: Vec<_> = results.iter().filter(|(c, _)| *c == 200).collect();
    let busy = results.iter().filter(|(c, _)| *c == 409).count();
    assert_eq!(ok.len(), 1, "{results:?}\n{}", s.dump());
    assert_eq!(busy, 19, "{results:?}");
    assert!(ok[0].1.contains("\"type\":\"start\""), "{}", ok[0].1);
    assert_eq!(s.status()["labs_started"], 1);
    // The accepted client has gone: the run is interrupted and the slot frees up.
    s.wait_status(60, "the run stops when its page goes away", |st| {
        st["lab_running"] == false
    });
}

#[test]
fn missing_docker_is_explained_on_the_page() {
    let dir = Book::fixture("serve");
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().display().to_string();
    let s = Serve::start_with(dir.path(), &[], &[("PATH", &path)]);
    let token = s.token("/probe.html");
    let origin = format!("http://{}", s.host());
    let r = s.request(
        "POST",
        "/__docgen/lab/probe/run",
        &[("Origin", &origin), ("X-Docgen-Token", &token)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.text();
    let last = body.lines().last().unwrap_or_default();
    let exit: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(exit["type"], "exit", "{body}");
    assert_eq!(exit["code"], 2, "{body}");
    assert_eq!(exit["needs_docker"], true, "{body}");
    assert!(body.contains("apt-get install -y docker.io"), "{body}");
    assert!(
        r.header("Content-Type")
            .unwrap()
            .starts_with("application/x-ndjson"),
        "{}",
        r.head
    );
}

/// Reads build events from `/__docgen/events` into a channel.
fn events(s: &Serve) -> std::sync::mpsc::Receiver<serde_json::Value> {
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    write!(
        c,
        "GET /__docgen/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        s.host()
    )
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok((_, _, body)) = streamed(c) else {
            return;
        };
        for line in body.lines() {
            let Ok(line) = line else { break };
            if let Some(data) = line.strip_prefix("data: ") {
                if tx.send(serde_json::from_str(data).unwrap()).is_err() {
                    break;
                }
            }
        }
    });
    rx
}

fn wait_page(s: &Serve, path: &str, secs: u64, f: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let t = s.get(path).text();
        if f(&t) {
            return t;
        }
        if Instant::now() > deadline {
            panic!(
                "{path} did not change as expected within {secs} s:\n{t}\n{}",
                s.dump()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn a_burst_of_edits_is_one_rebuild_and_open_pages_hear_of_it() {
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &[]);
    let rx = events(&s);
    let hello = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(hello["build"], 1);
    assert_eq!(s.status()["rebuilds"], 0);
    let page = dir.path().join("content/probe.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let started = Instant::now();
    // What editors do: write, delete + create, write again, all within a blink.
    for i in 0..5 {
        if i == 2 {
            std::fs::remove_file(&page).unwrap();
        }
        std::fs::write(
            &page,
            text.replace("Version one.", &format!("Version {i}.")),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_page(&s, "/probe.html", 10, |t| t.contains("Version 4."));
    let took = started.elapsed();
    let ev = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(ev["build"], 2, "{ev}");
    assert_eq!(ev["ok"], true);
    // Nothing else arrives: one burst, one rebuild, one reload.
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(s.status()["rebuilds"], 1, "{}", s.dump());
    assert!(rx.try_recv().is_err());
    assert_eq!(
        s.stderr().matches("docgen serve: rebuild ").count(),
        1,
        "{}",
        s.dump()
    );
    eprintln!("edit → new page in {took:?}");
    // The print page and search index are made after the pages are published; asked for at
    // once, they come (waiting if need be) with the edit in them.
    assert!(s.get("/print.html").text().contains("Version 4."));
    let docs = s.get("/search/en/d/0.js").text();
    assert!(
        docs.contains("Version 4.") && !docs.contains("Version one."),
        "{docs}"
    );
    assert!(
        s.stderr().contains("print page and search index"),
        "{}",
        s.dump()
    );
    // The served page carries the build it came from, for serve.js.
    assert!(s
        .get("/probe.html")
        .text()
        .contains("<meta name=\"docgen-build\" content=\"2\">"));
    // docgen's own output and cache never trigger a rebuild.
    std::fs::create_dir_all(dir.path().join("book")).unwrap();
    std::fs::write(dir.path().join("book/x.html"), "x").unwrap();
    std::fs::create_dir_all(dir.path().join("target/docgen")).unwrap();
    std::fs::write(dir.path().join("target/docgen/x.json"), "{}").unwrap();
    std::fs::write(dir.path().join("content/.probe.md.swp"), "x").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(s.status()["rebuilds"], 1, "{}", s.dump());
}

#[test]
fn a_broken_page_shows_the_error_and_the_fix_brings_it_back() {
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &[]);
    let page = dir.path().join("content/probe.md");
    let good = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        good.replace("{{#lab probe}}", "{{#lab no-such-lab}}"),
    )
    .unwrap();
    s.wait_status(10, "the broken build is published", |st| st["ok"] == false);
    let broken = s.get("/probe.html");
    assert_eq!(broken.status, 200);
    let html = broken.text();
    assert!(html.contains("id=\"docgen-build-error\""), "{html}");
    assert!(
        html.contains("probe.md"),
        "the diagnostic names the file: {html}"
    );
    assert!(html.contains("no-such-lab"), "{html}");
    assert!(
        html.contains("Version one."),
        "the last good page is still served"
    );
    assert!(s.stderr().contains("FAILED"), "{}", s.dump());
    std::fs::write(&page, good.replace("Version one.", "Version fixed.")).unwrap();
    let fixed = wait_page(&s, "/probe.html", 10, |t| t.contains("Version fixed."));
    assert!(!fixed.contains("docgen-build-error"));
    assert_eq!(s.status()["ok"], true);
}

#[test]
fn a_book_that_never_built_serves_an_error_page_until_fixed() {
    let dir = Book::fixture("serve");
    let page = dir.path().join("content/probe.md");
    let good = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, good.replace("{{#lab probe}}", "{{#lab missing}}")).unwrap();
    let s = Serve::start(dir.path(), &[]);
    let r = s.get("/probe.html");
    assert_eq!(r.status, 503);
    assert!(r.text().contains("docgen-build-error") && r.text().contains("missing"));
    assert!(
        r.text().contains("/__docgen/serve.js"),
        "the error page reloads itself"
    );
    std::fs::write(&page, good).unwrap();
    wait_page(&s, "/probe.html", 10, |t| t.contains("Version one."));
}

#[test]
fn the_token_is_in_served_pages_only() {
    let dir = Book::fixture("serve");
    let token = {
        let s = Serve::start(dir.path(), &[]);
        s.token("/probe.html")
    };
    dir.run(&["build"]).code(0);
    for entry in walkdir::WalkDir::new(dir.path().join("book")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(&token), "{}", entry.path().display());
            assert!(
                !text.contains("docgen-lab-token"),
                "{}",
                entry.path().display()
            );
            assert!(!text.contains("/__docgen/"), "{}", entry.path().display());
        }
    }
    // Two servers, two tokens.
    let s = Serve::start(dir.path(), &[]);
    assert_ne!(s.token("/probe.html"), token);
}

#[test]
fn a_non_loopback_bind_has_no_lab_routes() {
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &["--bind", "0.0.0.0"]);
    assert!(s.stderr().contains("lab routes are off"), "{}", s.dump());
    let html = s.get("/probe.html").text();
    assert!(!html.contains("docgen-lab-token"));
    let origin = format!("http://{}", s.host());
    let r = s.request(
        "POST",
        "/__docgen/lab/probe/run",
        &[("Origin", &origin), ("X-Docgen-Token", "x")],
    );
    assert_eq!(r.status, 404);
    assert_eq!(s.status()["lab_routes"], false);
}

/// Opens an event stream and returns it once its head has arrived.
fn open_events(s: &Serve) -> (u16, TcpStream) {
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        c,
        "GET /__docgen/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        s.host()
    )
    .unwrap();
    let mut status = [0u8; 12];
    c.read_exact(&mut status).unwrap();
    let code = String::from_utf8_lossy(&status[9..12]).parse().unwrap();
    (code, c)
}

/// Whether the server has closed `c` (EOF or reset) within `secs`.
fn closed_within(c: &mut TcpStream, secs: f64) -> bool {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        c.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        match c.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return true,
        }
    }
    false
}

/// reliability.md's load promise: 2,000 connections that say nothing (and 200 that send half a
/// request head) neither stop a reader's page nor make the server grow a thread for each.
#[test]
fn two_thousand_idle_connections_neither_block_a_page_nor_grow_threads() {
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &[]);
    assert_eq!(s.get("/probe.html").status, 200, "{}", s.dump());
    let before = s.threads();
    let mut idle = Vec::new();
    for i in 0..2200 {
        let mut c = TcpStream::connect(("127.0.0.1", s.port))
            .unwrap_or_else(|e| panic!("connection {i}: {e}\n{}", s.dump()));
        if i % 11 == 0 {
            write!(c, "GET /probe.html HTTP/1.1\r\nHost: ").unwrap();
        }
        idle.push(c);
    }
    // Let the server accept them all.
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    let r = s.get("/probe.html");
    let took = t.elapsed();
    assert_eq!(r.status, 200, "{}", s.dump());
    assert!(r.text().contains("Version one."));
    assert!(
        took < Duration::from_secs(1),
        "a page took {took:?} with 2,200 idle connections open"
    );
    let during = s.threads();
    assert!(
        during <= 64 && during <= before + 40,
        "{during} threads with 2,200 idle connections ({before} before)"
    );
    // Every idle connection is still open (none was refused to make room).
    let mut probe = idle.pop().unwrap();
    assert!(!closed_within(&mut probe, 0.2));
}

/// A connection that sends nothing, or its head too slowly, is closed after `--idle-timeout`;
/// an event stream with nothing to say is not (it ends when its reader goes).
#[test]
fn silent_and_slow_connections_are_closed_but_event_streams_stay() {
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &["--idle-timeout", "1"]);
    let mut silent = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let mut slow = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let (code, mut events) = open_events(&s);
    assert_eq!(code, 200, "{}", s.dump());
    let t = Instant::now();
    // The slow client sends a byte of its head every 300 ms: it moves, but never finishes.
    let head = format!("GET /probe.html HTTP/1.1\r\nHost: {}\r\nX-Slow: ", s.host());
    let mut slow_closed = false;
    for b in head.bytes().chain(std::iter::repeat(b'a')).take(40) {
        if slow.write_all(&[b]).is_err() {
            slow_closed = true;
            break;
        }
        if closed_within(&mut slow, 0.3) {
            slow_closed = true;
            break;
        }
    }
    assert!(
        slow_closed,
        "a head sent a byte at a time was still open after {:?}",
        t.elapsed()
    );
    assert!(
        closed_within(&mut silent, 3.0),
        "a silent connection stayed open"
    );
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "closing took {:?}",
        t.elapsed()
    );
    assert!(
        !closed_within(&mut events, 1.5),
        "the event stream was closed as idle"
    );
    // And a normal request still works.
    assert_eq!(s.get("/probe.html").status, 200);
}

/// Heads and bodies over the limit are refused, and the long answers (event streams, lab runs)
/// have a fixed number of slots: the next one gets 503 until one closes.
#[test]
fn oversized_requests_and_too_many_streams_are_refused() {
    let dir = Book::fixture("serve");
    let s = Serve::start(dir.path(), &[]);
    let big = "x".repeat(100 * 1024);
    let r = s.raw(&format!(
        "GET /probe.html HTTP/1.1\r\nHost: {}\r\nX-Big: {big}\r\nConnection: close\r\n\r\n",
        s.host()
    ));
    assert_eq!(r.status, 431, "{}", r.head);
    let r = s.raw(&format!(
        "POST /__docgen/lab/x/run HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}",
        s.host(),
        big.len()
    ));
    assert_eq!(r.status, 413, "{}", r.head);
    let mut open = Vec::new();
    for i in 0..32 {
        let (code, c) = open_events(&s);
        assert_eq!(code, 200, "stream {i}: {}", s.dump());
        open.push(c);
    }
    let (code, _) = open_events(&s);
    assert_eq!(code, 503, "the 33rd stream");
    assert_eq!(s.get("/probe.html").status, 200, "pages still answer");
    // Closing one frees its slot once the server notices (its next keep-alive write fails).
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (code, c) = open_events(&s);
        if code == 200 {
            open.push(c);
            break;
        }
        assert!(Instant::now() < deadline, "the slot never came back");
        std::thread::sleep(Duration::from_millis(500));
    }
}
