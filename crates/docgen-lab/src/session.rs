//! A long-lived shell in a container that runs scripts one after another, so that the probes
//! of a lab cost one `docker exec` per container instead of one each (a `docker exec` costs
//! 80–120 ms on the machines docgen was measured on; a round trip through the session, a few).
//!
//! The session is `sh -s` reading commands from a pipe. Each request makes a private directory
//! (under `/run`: systemd mounts a fresh tmpfs over `/tmp` while it boots, hiding anything made
//! there before), writes the script into it (a quoted here-document, so the session's shell
//! expands nothing in it), runs it as `sh -c SCRIPT` with stdin from /dev/null and stdout and
//! stderr in files, prints one header line `DOCGEN <n> <code> <out bytes> <err bytes>` followed
//! by both files, and removes the directory. So a script runs exactly as
//! `docker exec CONTAINER sh -c SCRIPT` would run it, and its output never mixes with the
//! framing. When the directory cannot be made the header says `none` and nothing ran.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use crate::exec::ExecOutput;
use crate::signals::CancelToken;

/// How long a new session may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(20);

struct Reply {
    n: u64,
    /// `None`: the request could not run (no private directory).
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// One shell session. Dropping it ends the shell and the process that carries it.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    replies: mpsc::Receiver<Reply>,
    next: u64,
    /// Unique per session: the here-document delimiter cannot appear in a script by accident.
    tag: String,
}

/// Why a request got no reply.
#[derive(Debug)]
pub enum Failure {
    /// The session could not take the request (nothing of the script ran): run it another way.
    NotSent,
    /// The script was sent and no reply came before the deadline, or the session ended.
    Lost(String),
}

impl Session {
    /// Starts `cmd` (which must run `sh -s` with its stdin and stdout connected, e.g.
    /// `docker exec -i C sh -s`) and waits until the shell answers.
    pub fn start(cmd: &mut Command, cancel: &CancelToken) -> Option<Session> {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().ok()?;
        let stdin = child.stdin.take()?;
        let stdout = child.stdout.take()?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || read_replies(stdout, tx));
        let tag = format!("DOCGEN_EOF_{:016x}", rand_bits());
        let mut s = Session {
            child,
            stdin: Some(stdin),
            replies: rx,
            next: 1,
            tag,
        };
        // A first round trip proves the shell answers.
        let ok = s.send_raw("printf 'DOCGEN 0 0 0 0\\n'\n").is_ok()
            && s.wait_for(0, START_TIMEOUT, cancel)
                .is_ok_and(|r| r.is_some());
        ok.then_some(s)
    }

    fn send_raw(&mut self, text: &str) -> std::io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("closed"))?;
        stdin.write_all(text.as_bytes())?;
        stdin.flush()
    }

    /// Waits for reply `n`; `Ok(None)` when the deadline passed or the session ended.
    fn wait_for(
        &mut self,
        n: u64,
        timeout: Duration,
        cancel: &CancelToken,
    ) -> anyhow::Result<Option<Reply>> {
        let deadline = Instant::now() + timeout;
        loop {
            cancel.check()?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self
                .replies
                .recv_timeout(left.min(Duration::from_millis(50)))
            {
                Ok(r) if r.n == n => return Ok(Some(r)),
                // A reply to an earlier request that timed out: not ours.
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
            }
        }
    }

    /// Runs `script` as `sh -c script`. `Err` only when cancelled.
    pub fn run(
        &mut self,
        script: &str,
        timeout: Duration,
        cancel: &CancelToken,
    ) -> anyhow::Result<Result<ExecOutput, Failure>> {
        if script.contains(&self.tag) {
            return Ok(Err(Failure::NotSent));
        }
        let n = self.next;
        self.next += 1;
        let nl = if script.ends_with('\n') { "" } else { "\n" };
        let request = format!(
            "D=$(mktemp -d /run/.docgen-exec.XXXXXX 2>/dev/null) || D=$(mktemp -d 2>/dev/null) || D=\n\
             if [ -n \"$D\" ] && cat > \"$D/s\" <<'{tag}'\n{script}{nl}{tag}\n\
             then\n\
             sh -c \"$(cat \"$D/s\")\" </dev/null >\"$D/o\" 2>\"$D/e\"; c=$?\n\
             printf 'DOCGEN {n} %s %s %s\\n' \"$c\" \"$(wc -c <\"$D/o\")\" \"$(wc -c <\"$D/e\")\"; cat \"$D/o\" \"$D/e\"; rm -rf \"$D\"\n\
             else\n\
             printf 'DOCGEN {n} none 0 0\\n'\n\
             fi\n",
            tag = self.tag
        );
        if self.send_raw(&request).is_err() {
            return Ok(Err(Failure::NotSent));
        }
        match self.wait_for(n, timeout, cancel)? {
            Some(Reply { code: None, .. }) => Ok(Err(Failure::NotSent)),
            Some(r) => Ok(Ok(ExecOutput {
                code: r.code.unwrap_or(-1),
                stdout: String::from_utf8_lossy(&r.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&r.stderr).into_owned(),
            })),
            None => Ok(Err(Failure::Lost(format!(
                "(stopped after {:.1}s)",
                timeout.as_secs_f64()
            )))),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // End of input ends the shell.
        self.stdin.take();
        let t = Instant::now();
        while t.elapsed() < Duration::from_millis(200) {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_bits() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

/// Reads `DOCGEN n code out err` headers and their bytes until the stream ends.
fn read_replies(stdout: impl Read, tx: mpsc::Sender<Reply>) {
    let mut r = BufReader::new(stdout);
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let [tag, n, code, out, err] = f[..] else {
            continue;
        };
        let (Ok(n), Ok(code), Ok(out), Ok(err)) = (
            n.parse::<u64>(),
            match code {
                "none" => Ok(None),
                c => c.parse::<i32>().map(Some),
            },
            out.parse::<usize>(),
            err.parse::<usize>(),
        ) else {
            continue;
        };
        if tag != "DOCGEN" {
            continue;
        }
        let mut stdout = vec![0; out];
        let mut stderr = vec![0; err];
        if r.read_exact(&mut stdout).is_err() || r.read_exact(&mut stderr).is_err() {
            return;
        }
        let reply = Reply {
            n,
            code,
            stdout,
            stderr,
        };
        if tx.send(reply).is_err() {
            return;
        }
    }
}

/// The sessions of an engine, one per container. The map is locked only to find a container's session; each
/// session has its own lock, so `lab test --jobs N` runs scripts in several containers at once.
#[derive(Default)]
pub struct Sessions(Mutex<HashMap<String, Arc<Mutex<Session>>>>);

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sessions")
    }
}

impl Sessions {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Mutex<Session>>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `script` in the session of `container`, starting it with `start` when there is none.
    /// `Ok(None)`: no session could take it (nothing ran); use a one-off exec instead.
    pub fn run(
        &self,
        container: &str,
        start: impl FnOnce() -> Command,
        script: &str,
        timeout: Duration,
        cancel: &CancelToken,
    ) -> anyhow::Result<Option<ExecOutput>> {
        let session = {
            let mut map = self.map();
            match map.get(container) {
                Some(s) => Arc::clone(s),
                None => match Session::start(&mut start(), cancel) {
                    Some(s) => {
                        let s = Arc::new(Mutex::new(s));
                        map.insert(container.to_string(), Arc::clone(&s));
                        s
                    }
                    None => return Ok(None),
                },
            }
        };
        let result = session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .run(script, timeout, cancel);
        match result {
            Ok(Ok(out)) => Ok(Some(out)),
            Ok(Err(Failure::NotSent)) => {
                self.map().remove(container);
                Ok(None)
            }
            Ok(Err(Failure::Lost(why))) => {
                // The shell may be stuck in the script: this session is done.
                self.map().remove(container);
                Ok(Some(ExecOutput {
                    code: -1,
                    stdout: String::new(),
                    stderr: why,
                }))
            }
            Err(cancelled) => {
                self.map().remove(container);
                Err(cancelled)
            }
        }
    }

    /// Ends the session of `container`, if any (before it restarts or is removed).
    pub fn end(&self, container: &str) {
        let s = self.map().remove(container);
        drop(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Command {
        let mut c = Command::new("sh");
        c.arg("-s");
        c
    }

    #[test]
    fn runs_scripts_like_sh_c_with_separate_streams() {
        let sessions = Sessions::default();
        let cancel = CancelToken::new();
        let t = Duration::from_secs(10);
        let out = sessions
            .run("x", local, "echo out; echo err >&2; exit 3", t, &cancel)
            .unwrap()
            .unwrap();
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (3, "out\n", "err\n")
        );
        // Quotes, $, here-document look-alikes and no trailing newline survive as written;
        // a variable set by one script is gone in the next (each is its own `sh -c`).
        let script = "v='a $HOME \"b\"'; cat <<'EOF'\n$v\nEOF\nprintf '%s' \"$v\"; X=1";
        let out = sessions
            .run("x", local, script, t, &cancel)
            .unwrap()
            .unwrap();
        assert_eq!(out.stdout, "$v\na $HOME \"b\"");
        let out = sessions
            .run(
                "x",
                local,
                "echo \"[${X-unset}]\"; read l; echo \"read=$?\"",
                t,
                &cancel,
            )
            .unwrap()
            .unwrap();
        assert_eq!(out.stdout, "[unset]\nread=1\n");
    }

    #[test]
    fn a_script_past_its_deadline_ends_the_session_and_the_next_gets_a_new_one() {
        let sessions = Sessions::default();
        let cancel = CancelToken::new();
        let out = sessions
            .run("x", local, "sleep 5", Duration::from_millis(200), &cancel)
            .unwrap()
            .unwrap();
        assert_eq!(out.code, -1);
        assert!(out.stderr.contains("stopped after"));
        let out = sessions
            .run("x", local, "echo again", Duration::from_secs(10), &cancel)
            .unwrap()
            .unwrap();
        assert_eq!(out.stdout, "again\n");
    }

    #[test]
    fn no_session_means_none() {
        let sessions = Sessions::default();
        let cancel = CancelToken::new();
        let broken = || Command::new("/nonexistent/docgen-no-such-shell");
        let r = sessions
            .run("x", broken, "true", Duration::from_secs(1), &cancel)
            .unwrap();
        assert!(r.is_none());
    }
}
