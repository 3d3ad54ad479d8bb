//! Answering one HTTP request. Every request first passes the Host allow-list (DNS rebinding:
//! only loopback names with this server's port, else 403). Paths under `/__docgen/` are the
//! server's own (its script, build events, status, lab routes); everything else is a file of the
//! in-memory site: GET/HEAD only (405), the target parsed strictly by `paths` (400), files
//! copied from the source tree must still resolve inside the book (a symlink out is a 404), no
//! directory listings, the theme's 404 page. Every response says `nosniff`. Served HTML gets the
//! live-reload script and, when lab routes are on, the per-process token, injected here and
//! nowhere else; when the latest build failed, its diagnostics are shown over the last good page.

use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::Arc;

use hyper::Method;

use super::labs::{LabRoutes, Refusal, TOKEN_HEADER};
use super::paths;
use super::reload::{self, Live, Snapshot};
use super::server::Request;
use super::watch::Trigger;
use crate::output::Output;
use docgen_core::text::escape;

/// The live-reload and lab UI script, served at `/__docgen/serve.js` and only by `serve`.
pub const SERVE_JS: &str = include_str!("../../themes/default/static/serve.js");

/// Everything a request handler needs.
pub struct Ctx {
    /// The site being served.
    pub live: Arc<Live>,
    /// Lab routes; `None` when bound to a non-loopback address.
    pub labs: Option<Arc<LabRoutes>>,
    /// The port the server listens on (Host must name it).
    pub port: u16,
    /// The address the server is bound to.
    pub bind: IpAddr,
    /// The book's root, canonical: copied files must resolve inside it.
    pub root: PathBuf,
    /// Asks the rebuild loop for a rebuild (after a lab run stored a new result).
    pub rebuild: Sender<Trigger>,
}

/// Whether `host` (a Host header) names this server: `localhost`, `127.0.0.1` or `[::1]` with
/// its port; when bound to a non-loopback address, that address too.
pub fn host_allowed(host: &str, port: u16, bind: IpAddr) -> bool {
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) if !p.contains(']') => (n, p),
        _ => return false,
    };
    if p != port.to_string() {
        return false;
    }
    if name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1" || name == "[::1]" {
        return true;
    }
    if bind.is_loopback() {
        return false;
    }
    let literal: Option<IpAddr> = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        None => name.parse().ok().filter(IpAddr::is_ipv4),
    };
    // Bound to a LAN address, readers come by IP. An IP literal cannot be rebound by DNS.
    match literal {
        Some(ip) => bind.is_unspecified() || ip == bind,
        None => false,
    }
}

/// The headers every response carries, after its Content-Type.
const COMMON: [(&str, &str); 3] = [
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
];

/// Sends a response with the headers every response carries.
fn send(req: Request, status: u16, content_type: &str, body: Vec<u8>, extra: &[(&str, &str)]) {
    let mut headers = vec![("Content-Type", content_type)];
    headers.extend(COMMON);
    headers.extend_from_slice(extra);
    req.respond(status, &headers, body);
}

/// Answers with a stream of `content_type`, written by `write`; 503 when every stream slot is
/// taken.
fn stream(req: Request, content_type: &str, write: impl FnOnce(&mut dyn std::io::Write)) {
    let Some(slot) = req.stream_slot() else {
        return text(req, 503, "too many open streams; close a tab or try again");
    };
    let mut headers = vec![("Content-Type", content_type)];
    headers.extend(COMMON);
    let mut out = req.into_stream(slot, &headers);
    write(&mut out);
}

fn text(req: Request, status: u16, msg: &str) {
    send(
        req,
        status,
        "text/plain; charset=utf-8",
        format!("{status}: {msg}\n").into_bytes(),
        &[],
    );
}

/// Answers one request.
pub fn handle(req: Request, ctx: &Ctx) {
    let hosts = req.header("Host");
    let host = match hosts.as_slice() {
        [one] if host_allowed(one, ctx.port, ctx.bind) => one.to_string(),
        _ => {
            return text(
                req,
                403,
                "this server answers only to its own host name (localhost)",
            )
        }
    };
    let url = req.url().to_string();
    if let Some(route) = url.strip_prefix("/__docgen/") {
        let route = route.split(['?', '#']).next().unwrap_or("").to_string();
        return own_route(req, ctx, &route, &host);
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return send(
            req,
            405,
            "text/plain; charset=utf-8",
            b"405: only GET and HEAD\n".to_vec(),
            &[("Allow", "GET, HEAD")],
        );
    }
    let sp = match paths::parse(&url) {
        Ok(p) => p,
        Err(e) => return text(req, 400, &e.to_string()),
    };
    let snap = ctx.live.snapshot();
    let Some(site) = snap.good.clone() else {
        let page = error_page(&snap, ctx.labs.as_deref());
        return send(req, 503, "text/html; charset=utf-8", page, &[]);
    };
    let key = sp.key();
    if site.contains(&key) {
        return serve_file(req, ctx, &snap, &site, &key, 200);
    }
    if !sp.dir && site.contains(&format!("{}/index.html", sp.path)) {
        let raw = url.split(['?', '#']).next().unwrap_or("/");
        return send(
            req,
            301,
            "text/plain; charset=utf-8",
            Vec::new(),
            &[("Location", &format!("{raw}/"))],
        );
    }
    not_found(req, ctx, &snap, &site);
}

fn not_found(req: Request, ctx: &Ctx, snap: &Snapshot, site: &Output) {
    if site.contains("404.html") {
        serve_file(req, ctx, snap, site, "404.html", 404)
    } else {
        text(req, 404, "not found")
    }
}

fn serve_file(req: Request, ctx: &Ctx, snap: &Snapshot, site: &Output, key: &str, status: u16) {
    // Files copied from the book are read now; they must still be inside it (a symlink in the
    // source tree pointing elsewhere is not part of the site).
    if let Some(p) = site.copied_from(key) {
        if !inside(&p, &ctx.root) {
            return text(req, 404, "not found");
        }
    }
    let bytes = match site.read(key) {
        Some(Ok(b)) => b,
        // The print page or search index could not be made after the pages were published.
        Some(Err(e)) if e.kind() == std::io::ErrorKind::Other => {
            return text(req, 500, &format!("docgen serve: {e}"))
        }
        _ => return text(req, 404, "not found"),
    };
    let ct = content_type(key);
    let body = if ct.starts_with("text/html") {
        inject(&bytes, snap, ctx.labs.as_deref())
    } else {
        bytes
    };
    send(req, status, ct, body, &[]);
}

fn inside(p: &Path, root: &Path) -> bool {
    std::fs::canonicalize(p).is_ok_and(|c| c.starts_with(root))
}

/// The Content-Type for a path, from its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("xml") => "application/xml",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// What serve adds to `<head>`: the build number, the lab token, the script.
fn head_tags(snap: &Snapshot, labs: Option<&LabRoutes>) -> String {
    let mut s = format!("<meta name=\"docgen-build\" content=\"{}\">", snap.build);
    if let Some(l) = labs {
        s.push_str(&format!(
            "<meta name=\"docgen-lab-token\" content=\"{}\">",
            escape(&l.token)
        ));
    }
    s.push_str("<script src=\"/__docgen/serve.js\" defer></script>");
    s
}

fn error_overlay(diagnostics: &str) -> String {
    format!(
        "<div id=\"docgen-build-error\" role=\"alert\"><p><strong>docgen serve: the last build failed.</strong> \
This is the last good version of the page; fix the error and it reloads by itself.</p><pre>{}</pre></div>",
        escape(diagnostics)
    )
}

/// Adds serve's tags to an HTML page and, after a failed build, the diagnostics overlay.
pub fn inject(html: &[u8], snap: &Snapshot, labs: Option<&LabRoutes>) -> Vec<u8> {
    let mut page = String::from_utf8_lossy(html).into_owned();
    let tags = head_tags(snap, labs);
    match page.find("</head>") {
        Some(i) => page.insert_str(i, &tags),
        None => page.insert_str(0, &tags),
    }
    if let Some(err) = &snap.error {
        let overlay = error_overlay(err);
        match page
            .find("<body")
            .and_then(|b| page[b..].find('>').map(|e| b + e + 1))
        {
            Some(i) => page.insert_str(i, &overlay),
            None => page.push_str(&overlay),
        }
    }
    page.into_bytes()
}

/// The page shown when no build has succeeded yet.
fn error_page(snap: &Snapshot, labs: Option<&LabRoutes>) -> Vec<u8> {
    let diagnostics = snap.error.as_deref().unwrap_or("the site is being built");
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Build failed · docgen serve</title>{}</head>\
<body>{}</body></html>",
        head_tags(snap, labs),
        error_overlay(diagnostics)
    )
    .into_bytes()
}

fn method_not_allowed(req: Request, allow: &str) {
    let body = format!("405: use {allow}\n").into_bytes();
    send(
        req,
        405,
        "text/plain; charset=utf-8",
        body,
        &[("Allow", allow)],
    );
}

fn own_route(req: Request, ctx: &Ctx, route: &str, host: &str) {
    if let Some(rest) = route.strip_prefix("lab/") {
        return lab_route(req, ctx, rest, host);
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return method_not_allowed(req, "GET, HEAD");
    }
    match route {
        "serve.js" => send(
            req,
            200,
            "text/javascript; charset=utf-8",
            SERVE_JS.as_bytes().to_vec(),
            &[],
        ),
        "status" => {
            let s = ctx.live.snapshot();
            let mut v: serde_json::Value =
                serde_json::from_str(&reload::build_json(&s)).unwrap_or_default();
            v["labs_started"] = ctx
                .labs
                .as_ref()
                .map_or(0, |l| l.started.load(Ordering::SeqCst))
                .into();
            v["lab_running"] = ctx.labs.as_ref().is_some_and(|l| l.busy()).into();
            v["lab_routes"] = ctx.labs.is_some().into();
            send(
                req,
                200,
                "application/json",
                v.to_string().into_bytes(),
                &[],
            );
        }
        "events" => stream(req, "text/event-stream; charset=utf-8", |out| {
            let _ = reload::stream_events(&ctx.live, out);
        }),
        _ => text(req, 404, "no such docgen route"),
    }
}

fn refuse(req: Request, r: Refusal) {
    text(req, r.status, r.why);
}

/// `POST /__docgen/lab/<id>/run`.
fn lab_route(req: Request, ctx: &Ctx, rest: &str, host: &str) {
    let Some(labs) = &ctx.labs else {
        return text(
            req,
            404,
            "lab routes are off: the server is bound to a non-loopback address",
        );
    };
    let Some(raw_id) = rest.strip_suffix("/run") else {
        return text(req, 404, "no such lab route");
    };
    if *req.method() != Method::POST {
        return method_not_allowed(req, "POST");
    }
    let origin = req.header("Origin");
    let token = req.header(TOKEN_HEADER);
    let expected = format!("http://{host}");
    let single = |v: &[&str]| match v {
        [one] => Some(one.to_string()),
        _ => None,
    };
    if let Err(r) = labs.authorize(
        &expected,
        single(&origin).as_deref(),
        single(&token).as_deref(),
    ) {
        return refuse(req, r);
    }
    let id = match paths::percent_decode(raw_id).map(String::from_utf8) {
        Ok(Ok(id)) => id,
        _ => return text(req, 400, "bad lab id"),
    };
    let plausible = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !id.starts_with('-');
    if !plausible || !labs.known(&id) {
        return text(req, 404, "this book has no such lab");
    }
    // The body is not used (the server has read it, bounded). A run streams: reserve its slot
    // before starting anything.
    let Some(slot) = req.stream_slot() else {
        return text(req, 503, "too many open streams; close a tab or try again");
    };
    let labs = Arc::clone(labs);
    let rebuild = ctx.rebuild.clone();
    let cell = std::cell::Cell::new(Some((req, slot)));
    let result = labs.run(
        &id,
        || match cell.take() {
            Some((r, slot)) => {
                let mut headers = vec![("Content-Type", "application/x-ndjson; charset=utf-8")];
                headers.extend(COMMON);
                Box::new(r.into_stream(slot, &headers))
            }
            None => Box::new(std::io::sink()),
        },
        // The run stored a new last result: the lab cards change.
        move || {
            let _ = rebuild.send(Trigger::Rebuild);
        },
    );
    if let (Err(r), Some((req, _))) = (result, cell.take()) {
        refuse(req, r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_allow_list() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(host_allowed("localhost:3000", 3000, lo));
        assert!(host_allowed("127.0.0.1:3000", 3000, lo));
        assert!(host_allowed("[::1]:3000", 3000, lo));
        for bad in [
            "localhost:3001",
            "localhost",
            "evil.example:3000",
            "127.0.0.1.evil.example:3000",
            "192.168.1.5:3000",
            "[::1]",
            "localhost:03000",
            "",
        ] {
            assert!(!host_allowed(bad, 3000, lo), "{bad}");
        }
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        assert!(host_allowed("192.168.1.5:3000", 3000, lan));
        assert!(!host_allowed("192.168.1.6:3000", 3000, lan));
        assert!(!host_allowed("evil.example:3000", 3000, lan));
    }

    #[test]
    fn injection_adds_script_and_overlay() {
        let snap = Snapshot {
            build: 7,
            error: Some("content/a.md:1:1: error: <bad>".into()),
            ..Snapshot::default()
        };
        let page = inject(
            b"<html><head><title>x</title></head><body class=\"a\"><p>hi</p></body></html>",
            &snap,
            None,
        );
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("<meta name=\"docgen-build\" content=\"7\"><script src=\"/__docgen/serve.js\" defer></script></head>"));
        assert!(page.contains("<body class=\"a\"><div id=\"docgen-build-error\""));
        assert!(page.contains("&lt;bad&gt;"));
        assert!(!page.contains("docgen-lab-token"));
    }
}
