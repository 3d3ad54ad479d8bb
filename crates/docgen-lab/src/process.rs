//! Running the engine's CLI: a child process with its output captured, a deadline, and
//! cancellation. Output is read by one thread per stream and handed over a channel, so the
//! caller wakes as soon as the child is done (no sleep-polling latency on the hot path of short
//! `docker exec` calls) and can still notice a deadline or a signal while a long build runs.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::error::LabError;
use crate::signals::CancelToken;

/// What a finished (or stopped) child produced.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Exit code; `None` when it was killed.
    pub code: Option<i32>,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
    /// Whether the deadline stopped it.
    pub timed_out: bool,
}

impl Output {
    /// Whether it exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// How to run one command.
#[derive(Default)]
pub struct Run<'a> {
    /// Bytes written to its stdin (then closed); `None`: stdin is /dev/null.
    pub stdin: Option<&'a [u8]>,
    /// Kill it after this long.
    pub timeout: Option<Duration>,
    /// Kill it when the run is cancelled. Commands that create or remove objects are not
    /// interruptible: stopping them halfway would leave an object the teardown cannot see.
    pub cancel: Option<&'a CancelToken>,
    /// Called with each complete stdout/stderr line as it arrives (for build progress).
    pub on_line: Option<&'a mut dyn FnMut(&str)>,
}

enum Msg {
    Data(usize, Vec<u8>),
    Eof,
}

/// Runs `cmd` to completion, deadline or cancellation. `Err` when it cannot be started or is
/// cancelled (the error is then a [`LabError::Cancelled`]).
pub fn run(cmd: &mut Command, mut opts: Run<'_>) -> anyhow::Result<Output> {
    let program = format!("{:?}", cmd.get_program());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if opts.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    if let Some(token) = opts.cancel {
        token.check()?;
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;

    let (tx, rx) = mpsc::channel::<Msg>();
    let mut readers = Vec::new();
    for (n, stream) in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(mut stream) = stream else { continue };
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => {
                        if tx.send(Msg::Data(n, buf[..k].to_vec())).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = tx.send(Msg::Eof);
        }));
    }
    drop(tx);
    let writer = match (opts.stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => {
            let bytes = bytes.to_vec();
            Some(std::thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            }))
        }
        _ => None,
    };

    let start = Instant::now();
    let mut out = Output::default();
    let mut open = readers.len();
    let mut pending = [Vec::new(), Vec::new()];
    let mut exited_at: Option<Instant> = None;
    let mut cancelled: Option<LabError> = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(25)) {
            Ok(Msg::Data(n, bytes)) => {
                if let Some(cb) = opts.on_line.as_mut() {
                    pending[n].extend_from_slice(&bytes);
                    while let Some(i) = pending[n].iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = pending[n].drain(..=i).collect();
                        cb(String::from_utf8_lossy(&line).trim_end());
                    }
                }
                if n == 0 {
                    out.stdout.extend_from_slice(&bytes);
                } else {
                    out.stderr.extend_from_slice(&bytes);
                }
                continue;
            }
            Ok(Msg::Eof) => open -= 1,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => open = 0,
        }
        if open == 0 {
            break;
        }
        // A grandchild may hold the pipes open after the child exits; don't wait for it long.
        if exited_at.is_none() && matches!(child.try_wait(), Ok(Some(_))) {
            exited_at = Some(Instant::now());
        }
        if exited_at.is_some_and(|t| t.elapsed() > Duration::from_millis(500)) {
            break;
        }
        if let Some(token) = opts.cancel {
            if let Err(c) = token.check() {
                cancelled = Some(c);
                let _ = child.kill();
                break;
            }
        }
        if opts.timeout.is_some_and(|t| start.elapsed() > t) {
            out.timed_out = true;
            let _ = child.kill();
            break;
        }
    }
    let status = child
        .wait()
        .with_context(|| format!("waiting for {program}"))?;
    if let Some(w) = writer {
        let _ = w.join();
    }
    // Drain what is left without blocking on pipes a grandchild may still hold.
    while let Ok(msg) = rx.try_recv() {
        if let Msg::Data(n, bytes) = msg {
            if n == 0 {
                out.stdout.extend_from_slice(&bytes);
            } else {
                out.stderr.extend_from_slice(&bytes);
            }
        }
    }
    if let Some(c) = cancelled {
        return Err(c.into());
    }
    out.code = if out.timed_out { None } else { status.code() };
    Ok(out)
}

/// Runs `cmd` with no options beyond a deadline.
pub fn run_simple(cmd: &mut Command, timeout: Duration) -> anyhow::Result<Output> {
    run(
        cmd,
        Run {
            timeout: Some(timeout),
            ..Run::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_code_and_stdin() {
        let out = run(
            Command::new("sh").args(["-c", "cat; echo err >&2; exit 3"]),
            Run {
                stdin: Some(b"hello"),
                ..Run::default()
            },
        )
        .unwrap();
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout_text(), "hello");
        assert_eq!(out.stderr_text(), "err\n");
    }

    #[test]
    fn deadline_kills_the_child() {
        let t = Instant::now();
        let out = run_simple(
            Command::new("sh").args(["-c", "sleep 5"]),
            Duration::from_millis(200),
        )
        .unwrap();
        assert!(out.timed_out);
        assert!(t.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn cancellation_stops_an_interruptible_command() {
        let token = CancelToken::new();
        let t2 = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            t2.cancel(2);
        });
        let err = run(
            Command::new("sh").args(["-c", "sleep 5"]),
            Run {
                cancel: Some(&token),
                ..Run::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            LabError::find(&err),
            Some(&LabError::Cancelled { signal: 2 })
        );
    }

    #[test]
    fn lines_are_streamed() {
        let mut lines = Vec::new();
        let mut cb = |l: &str| lines.push(l.to_string());
        run(
            Command::new("sh").args(["-c", "echo a; echo b"]),
            Run {
                on_line: Some(&mut cb),
                ..Run::default()
            },
        )
        .unwrap();
        assert_eq!(lines, ["a", "b"]);
    }
}
