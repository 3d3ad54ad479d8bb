//! The live site and live reload. [`Live`] owns the last good build (served from memory), the
//! diagnostics of the latest build when it failed, and a build counter; a rebuild replaces
//! them under one lock and only then wakes the waiters, so a page told to reload always finds
//! the new build in place. Open pages learn about builds over Server-Sent Events
//! (`GET /__docgen/events`; one-way events need no WebSocket): each event carries the build number and
//! whether it succeeded, and `serve.js` reloads when the number differs from its page's.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::output::Output;

/// How often an idle event stream sends a comment, which is also how a closed tab is noticed.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// What is being served right now.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The last build without errors, if there was one.
    pub good: Option<Arc<Output>>,
    /// Counts finished builds, good or not; pages carry the number they were served at.
    pub build: u64,
    /// The rendered diagnostics of the latest build when it failed.
    pub error: Option<Arc<str>>,
    /// Rebuilds since the server started (the first build is not one).
    pub rebuilds: u64,
    /// What caused the latest build: `start`, `edit`, or `lab` (a run stored a new result, so
    /// only lab cards changed; a page that just showed the run need not reload).
    pub cause: &'static str,
}

/// The shared, swappable state of the served site.
#[derive(Debug, Default)]
pub struct Live {
    state: Mutex<Snapshot>,
    changed: Condvar,
}

impl Live {
    fn lock(&self) -> MutexGuard<'_, Snapshot> {
        // A panic elsewhere while holding the lock leaves a consistent Snapshot (it is replaced
        // field by field only here), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state now.
    pub fn snapshot(&self) -> Snapshot {
        self.lock().clone()
    }

    /// Publishes a finished build: `Ok(output)` replaces the site, `Err(diagnostics)` keeps the
    /// last good one and records the error. Returns the new build number.
    pub fn publish(&self, result: Result<Output, String>, cause: &'static str) -> u64 {
        let mut s = self.lock();
        match result {
            Ok(output) => {
                s.good = Some(Arc::new(output));
                s.error = None;
            }
            Err(text) => s.error = Some(text.into()),
        }
        s.build += 1;
        if cause != "start" {
            s.rebuilds += 1;
        }
        s.cause = cause;
        let n = s.build;
        drop(s);
        self.changed.notify_all();
        n
    }

    /// Blocks until the build number differs from `seen` or `timeout` passes; returns the state.
    pub fn wait_change(&self, seen: u64, timeout: Duration) -> Snapshot {
        let s = self.lock();
        let (s, _) = self
            .changed
            .wait_timeout_while(s, timeout, |s| s.build == seen)
            .unwrap_or_else(|e| e.into_inner());
        s.clone()
    }
}

/// The JSON an event carries.
pub fn build_json(s: &Snapshot) -> String {
    serde_json::json!({
        "build": s.build,
        "ok": s.error.is_none(),
        "rebuilds": s.rebuilds,
        "site": s.good.is_some(),
        "cause": s.cause,
    })
    .to_string()
}

/// Streams build events to one client until it goes away. `out` is the response body.
pub fn stream_events(live: &Live, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(b"retry: 1000\n\n")?;
    let mut s = live.snapshot();
    write!(out, "event: build\ndata: {}\n\n", build_json(&s))?;
    out.flush()?;
    loop {
        let seen = s.build;
        s = live.wait_change(seen, KEEPALIVE);
        if s.build == seen {
            out.write_all(b": keepalive\n\n")?;
        } else {
            write!(out, "event: build\ndata: {}\n\n", build_json(&s))?;
        }
        out.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_build_keeps_the_last_good_site() {
        let live = Live::default();
        let mut o = Output::default();
        o.add("index.html", "v1");
        assert_eq!(live.publish(Ok(o), "start"), 1);
        assert_eq!(live.publish(Err("bad".into()), "edit"), 2);
        let s = live.snapshot();
        assert_eq!(s.good.unwrap().read("index.html").unwrap().unwrap(), b"v1");
        assert_eq!(s.error.as_deref(), Some("bad"));
        assert_eq!(s.rebuilds, 1);
    }

    #[test]
    fn waiters_wake_on_publish() {
        let live = Arc::new(Live::default());
        let l2 = Arc::clone(&live);
        let t = std::thread::spawn(move || l2.wait_change(0, Duration::from_secs(10)).build);
        std::thread::sleep(Duration::from_millis(50));
        live.publish(Err("x".into()), "start");
        assert_eq!(t.join().unwrap(), 1);
    }
}
