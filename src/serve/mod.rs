//! `docgen serve`: the book built into memory and served over HTTP on loopback, rebuilt when its
//! sources change, with open pages reloaded and lab runs startable from the page.
//!
//! - [`paths`]: raw request targets → site paths, strictly (traversal, encodings);
//! - [`http`]: one request: Host allow-list, methods, files, injection, own routes;
//! - [`reload`]: the live site (last good build, latest error) and the build-event stream;
//! - [`watch`]: which file changes count, and debouncing them into one rebuild;
//! - [`labs`]: the guarded lab routes and the `docgen lab run` child they stream;
//! - [`server`]: HTTP itself, with bounded connections, threads, streams and deadlines.
//!
//! This module wires them: first build, bind, the server, the rebuild loop, and stopping on
//! SIGINT/SIGTERM without leaving a lab container behind.

mod http;
mod labs;
mod paths;
mod reload;
mod server;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use docgen_core::error::{hint_of, Hinted};

use crate::output::Output;
use crate::pipeline;
use crate::project::{DiscoverError, Project};

use self::labs::LabRoutes;
use self::reload::Live;

/// How `serve` listens.
#[derive(Debug, Clone)]
pub struct Options {
    /// The address to bind (default 127.0.0.1).
    pub bind: IpAddr,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// Open the site in a browser once it is up.
    pub open: bool,
    /// Open connections at most.
    pub max_connections: usize,
    /// How long a connection may stay silent with no answer in progress.
    pub idle_timeout: std::time::Duration,
}

/// One build of the book at `root`, never panicking.
pub struct SiteBuild {
    /// The site (its print pages and search indexes still to come), or the text to show
    /// instead.
    pub result: Result<Output, String>,
    /// The print pages and search indexes, to make once the site is published.
    pub whole_book: Option<pipeline::WholeBook>,
    /// The site's pages.
    pub pages: usize,
    /// How many of them were rendered (not taken from the cache).
    pub rendered: usize,
}

/// Builds the book at `root` pages first (see [`pipeline::build_pages_first`]), taking
/// unchanged pages from `cache`.
pub fn build_site(root: &std::path::Path, cache: &pipeline::BuildCache) -> SiteBuild {
    let failed = |text: String| SiteBuild {
        result: Err(text),
        whole_book: None,
        pages: 0,
        rendered: 0,
    };
    let project = match Project::open(root) {
        Ok(p) => p,
        Err(DiscoverError::Config(d)) => return failed(d.to_string()),
        Err(DiscoverError::Other(e)) => return failed(error_text(&e)),
    };
    match catch_unwind(AssertUnwindSafe(|| {
        pipeline::build_pages_first(&project, cache)
    })) {
        Ok(Ok(mut built)) => {
            let rendered = built.cache.map_or(built.pages, |c| c.misses);
            let whole_book = built.whole_book.take();
            let result = if built.diagnostics.has_errors() {
                Err(built.diagnostics.render())
            } else {
                if built.diagnostics.warning_count() > 0 {
                    eprint!("{}", built.diagnostics.render());
                }
                Ok(built.output)
            };
            SiteBuild {
                whole_book: whole_book.filter(|_| result.is_ok()),
                result,
                pages: built.pages,
                rendered,
            }
        }
        Ok(Err(e)) => failed(error_text(&e)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            failed(format!(
                "error: the build panicked: {what}\n  hint: this is a bug in docgen; please report it with the page that caused it"
            ))
        }
    }
}

/// Makes the print pages and search indexes of a published build, saying so if that fails.
fn finish_whole_book(whole_book: Option<pipeline::WholeBook>) -> Option<std::time::Duration> {
    match whole_book?.finish() {
        Ok(took) => Some(took),
        Err(text) => {
            eprintln!("{text}\ndocgen serve: the pages are served; the print page and search answer with this error until the next build");
            None
        }
    }
}

/// For the fuzz targets (`crate::fuzzing`): the site path serve decodes a request target to.
pub(crate) fn fuzz_path(target: &str) -> Result<String, paths::BadPath> {
    paths::parse(target).map(|p| p.path)
}

/// For the fuzz targets: serve's `Host` check.
pub(crate) fn fuzz_host_allowed(host: &str, port: u16, bind: std::net::IpAddr) -> bool {
    http::host_allowed(host, port, bind)
}

/// Runs the server until SIGINT/SIGTERM.
pub fn run(project: &Project, opts: &Options) -> anyhow::Result<()> {
    let root = std::fs::canonicalize(&project.root)
        .with_context(|| format!("cannot resolve `{}`", project.root.display()))?;
    let live = Arc::new(Live::default());
    let started = Instant::now();
    let cache = Arc::new(pipeline::BuildCache::new());
    let first = build_site(&root, &cache);
    match &first.result {
        Ok(_) => eprintln!(
            "docgen serve: built {} pages in {:.0?}",
            first.pages,
            started.elapsed()
        ),
        Err(text) => eprintln!(
            "{text}\ndocgen serve: the build failed; serving an error page until it is fixed"
        ),
    }
    live.publish(first.result, "start");
    finish_whole_book(first.whole_book);

    let listener =
        std::net::TcpListener::bind(SocketAddr::new(opts.bind, opts.port)).map_err(|e| {
            Hinted::new(
                format!("cannot listen on {}:{}: {e}", opts.bind, opts.port),
                "another program may use the port; pick another with --port N, or --port 0 for a free one",
            )
        })?;
    let port = listener
        .local_addr()
        .context("the listening socket has no address")?
        .port();
    raise_open_files_limit(opts.max_connections);

    let lab_routes = if opts.bind.is_loopback() {
        Some(Arc::new(LabRoutes::new(root.clone())?))
    } else {
        eprintln!(
            "docgen serve: bound to {}, which is not a loopback address: lab routes are off (labs start containers; run them with `docgen lab run NAME`)",
            opts.bind
        );
        None
    };

    let filter = watch::Filter::new(project);
    let (_watch, rebuild_tx, rebuild_rx) = watch::start(&filter)?;
    {
        let live = Arc::clone(&live);
        let root = root.clone();
        let cache = Arc::clone(&cache);
        std::thread::Builder::new()
            .name("docgen-rebuild".into())
            .spawn(move || rebuild_loop(&root, &cache, &live, &rebuild_rx))
            .context("cannot start the rebuild thread")?;
    }
    stop_on_signals(lab_routes.clone())?;

    let host = match opts.bind {
        IpAddr::V6(a) if a.is_loopback() => "[::1]".to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
        IpAddr::V4(a) if a.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V4(a) => a.to_string(),
    };
    let url = format!("http://{host}:{port}/");
    println!(
        "Serving {} at {url} (Ctrl-C to stop)",
        project.config.book.title.as_deref().unwrap_or("the book")
    );
    if opts.open {
        open_browser(&url);
    }

    let ctx = Arc::new(http::Ctx {
        live,
        labs: lab_routes,
        port,
        bind: opts.bind,
        root,
        rebuild: rebuild_tx,
    });
    let limits = server::Limits {
        max_connections: opts.max_connections,
        idle: opts.idle_timeout,
        ..server::Limits::default()
    };
    server::run(
        listener,
        limits,
        Arc::new(move |req| http::handle(req, &ctx)),
    )
}

/// Raises the soft limit on open files towards the hard one, so `max_connections` sockets
/// (plus the watcher's and the site's files) fit; says so when they cannot.
fn raise_open_files_limit(max_connections: usize) {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let want = u64::try_from(max_connections)
        .unwrap_or(u64::MAX)
        .saturating_add(256);
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    if soft >= want {
        return;
    }
    let new = want.min(hard);
    if setrlimit(Resource::RLIMIT_NOFILE, new, hard).is_err() || new < want {
        eprintln!(
            "docgen serve: this process may open {new} files, fewer than --max-connections {max_connections} needs; more connections wait until others close (raise it with `ulimit -n`)"
        );
    }
}

fn rebuild_loop(
    root: &std::path::Path,
    cache: &pipeline::BuildCache,
    live: &Live,
    rx: &std::sync::mpsc::Receiver<watch::Trigger>,
) {
    while let Some(changed) = watch::next_batch(rx) {
        let started = Instant::now();
        // The cache would notice by the files' stamps; the watcher's word is taken as well.
        cache.forget_sources(changed.iter().map(PathBuf::as_path));
        let SiteBuild {
            result,
            whole_book,
            pages,
            rendered,
        } = build_site(root, cache);
        let elapsed = started.elapsed();
        let cause = if changed.is_empty() { "lab" } else { "edit" };
        let what = match changed.as_slice() {
            [] => "lab result".to_string(),
            [one] => display(root, one),
            [one, rest @ ..] => format!("{} and {} more", display(root, one), rest.len()),
        };
        match result {
            Ok(output) => {
                let n = live.publish(Ok(output), cause);
                let rest = finish_whole_book(whole_book)
                    .map(|t| format!("; print page and search index {t:.0?} more"))
                    .unwrap_or_default();
                eprintln!(
                    "docgen serve: rebuild {n} ({what}): {pages} pages ({rendered} rendered, the rest unchanged) in {elapsed:.0?}{rest}"
                );
            }
            Err(text) => {
                let n = live.publish(Err(text.clone()), cause);
                eprintln!(
                    "{text}docgen serve: rebuild {n} ({what}) FAILED in {elapsed:.0?}; still serving the last good site"
                );
            }
        }
    }
}

fn display(root: &std::path::Path, p: &std::path::Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

/// An error as the page overlay shows it: the message with its causes, then its hint.
fn error_text(e: &anyhow::Error) -> String {
    match hint_of(e.as_ref()) {
        Some(hint) => format!("error: {e:#}\n  hint: {hint}"),
        None => format!("error: {e:#}"),
    }
}

/// SIGINT/SIGTERM: stop a running lab (it removes its container), then exit 130/143.
fn stop_on_signals(labs: Option<Arc<LabRoutes>>) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .context("cannot install the SIGINT/SIGTERM handler")?;
    std::thread::Builder::new()
        .name("docgen-serve-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                eprintln!(
                    "docgen serve: {}: stopping",
                    docgen_lab::signals::signal_name(sig)
                );
                if let Some(l) = &labs {
                    l.stop();
                }
                std::process::exit(128 + sig);
            }
        })
        .context("cannot start the signal thread")?;
    Ok(())
}

fn open_browser(url: &str) {
    let opener: PathBuf = ["xdg-open", "open"]
        .iter()
        .find_map(|p| docgen_core::which::find_program(p))
        .unwrap_or_else(|| PathBuf::from("xdg-open"));
    let spawned = std::process::Command::new(&opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!(
            "docgen serve: cannot open a browser ({}: {e}); open {url} yourself",
            opener.display()
        );
    }
}
