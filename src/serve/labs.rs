//! Lab routes: starting `docgen lab run` from a page and streaming its progress into it.
//!
//! These routes start containers on the reader's machine, so they are guarded beyond the rest
//! of the server (design.md §7): POST only, an `Origin` exactly equal to the server's own, a
//! random 128-bit token made per process and put only into served HTML (never into a built
//! file), lab ids only from the book's `labs/`, and one run at a time (409 otherwise). They do
//! not exist at all when the server is bound to a non-loopback address.
//!
//! A run is the real command line: this process's own executable runs
//! `docgen -C ROOT lab run --format json -- ID` as a child in its own process group, so it builds,
//! sweeps, labels, reports and stores its result exactly as from a terminal. Its stderr progress
//! is streamed to the page as newline-delimited JSON, with each check's result as its own event;
//! its stdout (the JSON report) arrives at the end. When the page goes away (a write fails) or the
//! server stops, the child gets SIGINT, which the harness handles like Ctrl-C: it removes its
//! container and exits 130. [`RunningChild`] makes sure of that on every path.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;

/// The header carrying the token.
pub const TOKEN_HEADER: &str = "X-Docgen-Token";

/// How often a running lab's stream sends a ping (and so notices a closed tab).
const PING: Duration = Duration::from_secs(1);
/// How long a child may take to tear down after SIGINT before it is killed outright (the
/// harness's own backstop fires before this).
const TEARDOWN_DEADLINE: Duration = Duration::from_secs(120);

/// A fresh random token: 128 bits from the operating system, as hex.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot get random bytes for the lab token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares without stopping at the first difference, so timing says nothing about the token.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The state of the lab routes.
#[derive(Debug)]
pub struct LabRoutes {
    /// The per-process token.
    pub token: String,
    /// The book's root (the child runs `-C ROOT`).
    pub root: PathBuf,
    /// The `docgen` executable.
    pub exe: PathBuf,
    /// The pid of the running child; `Some(0)` while one is being started.
    running: Mutex<Option<u32>>,
    /// Runs started since the server started (for `/__docgen/status` and tests).
    pub started: AtomicU64,
}

/// Why a lab request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// A short reason for the body.
    pub why: &'static str,
}

impl LabRoutes {
    /// Lab routes for the book at `root`.
    pub fn new(root: PathBuf) -> anyhow::Result<LabRoutes> {
        Ok(LabRoutes {
            token: new_token()?,
            root,
            exe: std::env::current_exe().context("cannot find the docgen executable")?,
            running: Mutex::new(None),
            started: AtomicU64::new(0),
        })
    }

    /// Checks a request's Origin and token; `origin` is what this server's pages send
    /// (`http://` + the Host the request was sent to, already validated).
    pub fn authorize(
        &self,
        expected_origin: &str,
        origin: Option<&str>,
        token: Option<&str>,
    ) -> Result<(), Refusal> {
        if origin != Some(expected_origin) {
            return Err(Refusal {
                status: 403,
                why: "the Origin header must be this server's own",
            });
        }
        match token {
            Some(t) if same(t, &self.token) => Ok(()),
            _ => Err(Refusal {
                status: 403,
                why: "missing or wrong token",
            }),
        }
    }

    /// The lab ids the book has now (from `labs/*/lab.yaml`).
    pub fn known(&self, id: &str) -> bool {
        let (specs, _) = docgen_lab::spec::load_all(&self.root.join("labs"));
        specs.iter().any(|s| s.id == id)
    }

    /// Takes the one run slot, or `None` when a run is going.
    fn claim(self: &Arc<Self>) -> Option<Slot> {
        let mut r = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if r.is_some() {
            return None;
        }
        *r = Some(0);
        Some(Slot(Arc::clone(self)))
    }

    fn set_pid(&self, pid: Option<u32>) {
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = pid;
    }

    /// Whether a run is going.
    pub fn busy(&self) -> bool {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// For server shutdown: interrupts a running lab and waits until it has torn down.
    pub fn stop(&self) {
        let pid = *self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pid) = pid.filter(|p| *p != 0) {
            eprintln!(
                "docgen serve: stopping the running lab (pid {pid}); its container will be removed"
            );
            interrupt(pid);
        }
        let deadline = Instant::now() + TEARDOWN_DEADLINE;
        while self.busy() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts lab `id` and streams it to `out` (the response body) until it ends or the client
    /// goes away. `Err(409)` when a run is going; other errors are written into the stream.
    pub fn run(
        self: &Arc<Self>,
        id: &str,
        open: impl FnOnce() -> Box<dyn Write + Send>,
        on_done: impl FnOnce(),
    ) -> Result<(), Refusal> {
        let Some(slot) = self.claim() else {
            return Err(Refusal {
                status: 409,
                why: "a lab is already running; wait for it to finish",
            });
        };
        self.started.fetch_add(1, Ordering::SeqCst);
        let mut out = open();
        let _ = stream_run(&slot, id, &mut *out);
        drop(slot);
        on_done();
        Ok(())
    }
}

/// The claimed run slot; releasing it lets the next run start.
struct Slot(Arc<LabRoutes>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.set_pid(None);
    }
}

/// Sends SIGINT to `pid` (the lab harness's Ctrl-C path).
fn interrupt(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGINT,
        );
    }
}

/// A running `docgen lab run`: on drop, if it is still running, it gets SIGINT and is waited
/// for (it removes its container), and only killed if it does not stop in time.
struct RunningChild {
    child: Child,
}

impl RunningChild {
    fn finish(&mut self) -> Option<i32> {
        if let Ok(None) = self.child.try_wait() {
            interrupt(self.child.id());
        }
        let deadline = Instant::now() + TEARDOWN_DEADLINE;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status.code(),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    let _ = self.child.kill();
                    return self.child.wait().ok().and_then(|s| s.code());
                }
            }
        }
    }
}

impl Drop for RunningChild {
    fn drop(&mut self) {
        self.finish();
    }
}

/// One event of the stream.
fn event(out: &mut dyn Write, value: serde_json::Value) -> std::io::Result<()> {
    out.write_all(value.to_string().as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A check result in the harness's progress line (`report::check_line`):
/// `  check  ok   ID   title  [1.2s]`.
pub fn parse_check_line(line: &str) -> Option<(&str, &'static str)> {
    let rest = line.trim_start().strip_prefix("check ")?.trim_start();
    let (status, rest) = if let Some(r) = rest.strip_prefix("ok ") {
        ("passed", r)
    } else if let Some(r) = rest.strip_prefix("FAIL ") {
        ("failed", r)
    } else if let Some(r) = rest.strip_prefix("skip ") {
        ("skipped", r)
    } else {
        return None;
    };
    let id = rest.split_whitespace().next()?;
    Some((id, status))
}

/// Whether a failed start means that there is no usable container engine.
fn needs_engine(stderr: &str) -> bool {
    stderr.contains("container engine") || stderr.contains("daemon does not answer")
}

enum Msg {
    Err(String),
    ErrEnd,
    Out(Vec<u8>),
}

fn stream_run(slot: &Slot, id: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let labs = &slot.0;
    event(out, serde_json::json!({"type": "start", "lab": id}))?;
    let mut cmd = Command::new(&labs.exe);
    cmd.arg("-C")
        .arg(&labs.root)
        .args(["lab", "run", "--format", "json", "--", id])
        .current_dir(&labs.root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group: a Ctrl-C in serve's terminal reaches only serve, which then stops
    // the run once, in order.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = match cmd.spawn() {
        Ok(c) => RunningChild { child: c },
        Err(e) => {
            return event(
                out,
                serde_json::json!({"type": "exit", "code": 2, "error": format!("cannot start `{}`: {e}", labs.exe.display())}),
            );
        }
    };
    labs.set_pid(Some(child.child.id()));
    let (tx, rx) = mpsc::channel();
    if let Some(stderr) = child.child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(Msg::Err(line)).is_err() {
                    break;
                }
            }
            let _ = tx.send(Msg::ErrEnd);
        });
    }
    if let Some(mut stdout) = child.child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            let _ = tx.send(Msg::Out(buf));
        });
    }
    drop(tx);
    let mut stderr_text = String::new();
    let mut report: Option<Vec<u8>> = None;
    let mut stderr_done = false;
    while !(stderr_done && report.is_some()) {
        match rx.recv_timeout(PING) {
            Ok(Msg::Err(line)) => {
                if let Some((check, status)) = parse_check_line(&line) {
                    event(
                        out,
                        serde_json::json!({"type": "check", "id": check, "status": status}),
                    )?;
                }
                event(out, serde_json::json!({"type": "line", "text": line}))?;
                stderr_text.push_str(&line);
                stderr_text.push('\n');
            }
            Ok(Msg::ErrEnd) => stderr_done = true,
            Ok(Msg::Out(bytes)) => report = Some(bytes),
            // A failed write here is the page going away: `?` returns, and dropping the child
            // interrupts the run.
            Err(RecvTimeoutError::Timeout) => event(out, serde_json::json!({"type": "ping"}))?,
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let code = child.finish();
    if let Some(r) = report
        .as_deref()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
    {
        event(out, serde_json::json!({"type": "report", "report": r}))?;
    }
    event(
        out,
        serde_json::json!({
            "type": "exit",
            "code": code,
            "needs_docker": code == Some(2) && needs_engine(&stderr_text),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use docgen_lab::report::{CheckResult, CheckStatus};

    #[test]
    fn tokens_are_128_bits_and_differ() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same(&a, &a[..31]));
    }

    #[test]
    fn check_lines_of_the_harness_parse() {
        // Pinned against the harness's own formatter, so a change there breaks this test.
        for (status, word) in [
            (CheckStatus::Passed, "passed"),
            (CheckStatus::Failed, "failed"),
            (CheckStatus::Skipped, "skipped"),
        ] {
            let c: CheckResult = serde_json::from_value(serde_json::json!({
                "id": "socket-owner", "title": {"vi": "x", "en": "the socket"},
                "kind": "socket", "status": status, "expected": "", "seen": "",
                "duration_ms": 1200, "attempts": 1
            }))
            .unwrap();
            let line = docgen_lab::report::check_line(&c, "en");
            assert_eq!(
                parse_check_line(&line),
                Some(("socket-owner", word)),
                "{line}"
            );
        }
        assert_eq!(parse_check_line("  action kill one worker"), None);
    }

    #[test]
    fn authorize_needs_exact_origin_and_token() {
        let l = LabRoutes::new(PathBuf::from("/nonexistent")).unwrap();
        let o = "http://127.0.0.1:3000";
        assert!(l.authorize(o, Some(o), Some(&l.token.clone())).is_ok());
        for (origin, token) in [
            (None, Some(l.token.as_str())),
            (Some("http://127.0.0.1:3000/"), Some(l.token.as_str())),
            (Some("http://evil.example"), Some(l.token.as_str())),
            (Some("null"), Some(l.token.as_str())),
            (Some(o), None),
            (Some(o), Some("00000000000000000000000000000000")),
        ] {
            assert_eq!(l.authorize(o, origin, token).unwrap_err().status, 403);
        }
    }
}
