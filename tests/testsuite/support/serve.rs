//! A running `docgen serve` for tests, and raw HTTP over `TcpStream` (no client-side
//! normalisation of paths or headers). On drop the server gets SIGINT, like Ctrl-C, and is
//! waited for; everything it printed is available for failure messages.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `docgen serve` child process.
pub struct Serve {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// The book it serves.
    pub root: PathBuf,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

fn collect(r: impl Read + Send + 'static, into: Arc<Mutex<String>>, echo: bool) {
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if echo {
                eprintln!("[serve] {line}");
            }
            let mut s = into.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
}

impl Serve {
    /// Starts `docgen -C root serve --port 0 EXTRA...` and waits for its URL.
    pub fn start(root: &Path, extra: &[&str]) -> Serve {
        Serve::start_with(root, extra, &[])
    }

    /// Like `start`, with environment variables set for the server.
    pub fn start_with(root: &Path, extra: &[&str], env: &[(&str, &str)]) -> Serve {
        let mut cmd = super::docgen_command();
        cmd.arg("-C")
            .arg(root)
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start docgen serve");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().unwrap(), Arc::clone(&stdout), false);
        collect(child.stderr.take().unwrap(), Arc::clone(&stderr), false);
        let mut s = Serve {
            child,
            port: 0,
            root: root.to_path_buf(),
            stdout,
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let out = s.stdout();
            if let Some(url) = out.lines().find_map(|l| l.split(" at http://").nth(1)) {
                let port = url
                    .split(['/', ' '])
                    .next()
                    .and_then(|hp| hp.rsplit(':').next())
                    .and_then(|p| p.parse().ok());
                s.port = port.unwrap_or_else(|| panic!("no port in {out:?}"));
                return s;
            }
            if let Ok(Some(status)) = s.child.try_wait() {
                panic!("docgen serve exited with {status}\n{}", s.dump());
            }
            if Instant::now() > deadline {
                panic!("docgen serve printed no URL within 120 s\n{}", s.dump());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Everything the server printed, for failure messages.
    /// The server's threads now, from `/proc`.
    pub fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("a Threads: line")
    }

    pub fn dump(&self) -> String {
        format!(
            "--- docgen serve (book {}) stdout:\n{}\n--- stderr:\n{}",
            self.root.display(),
            self.stdout(),
            self.stderr()
        )
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sends `request` exactly as given and reads the whole response.
    pub fn raw(&self, request: &str) -> Resp {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        parse(&buf).unwrap_or_else(|| {
            panic!(
                "no HTTP response to {request:?}: {:?}\n{}",
                String::from_utf8_lossy(&buf),
                self.dump()
            )
        })
    }

    /// `METHOD target` with the right Host and `Connection: close`.
    pub fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.host()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if method == "POST" || method == "PUT" {
            req.push_str("Content-Length: 0\r\n");
        }
        req.push_str("\r\n");
        self.raw(&req)
    }

    pub fn get(&self, target: &str) -> Resp {
        self.request("GET", target, &[])
    }

    /// `/__docgen/status` as JSON.
    pub fn status(&self) -> serde_json::Value {
        let r = self.get("/__docgen/status");
        serde_json::from_slice(&r.body)
            .unwrap_or_else(|e| panic!("status is not JSON ({e}): {}\n{}", r.text(), self.dump()))
    }

    /// Waits until `f(status)` holds, or panics after `secs`.
    pub fn wait_status(&self, secs: u64, what: &str, f: impl Fn(&serde_json::Value) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.status();
            if f(&s) {
                return;
            }
            if Instant::now() > deadline {
                panic!("{what}: not within {secs} s (status {s})\n{}", self.dump());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The lab token from a served page.
    pub fn token(&self, page: &str) -> String {
        let html = self.get(page).text();
        let at = html
            .find("name=\"docgen-lab-token\" content=\"")
            .unwrap_or_else(|| panic!("no token in {page}\n{}", self.dump()));
        let rest = &html[at + "name=\"docgen-lab-token\" content=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGINT,
            );
        }
        let deadline = Instant::now() + Duration::from_secs(150);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses a raw response: status line, headers, body (a chunked body is decoded).
pub fn parse(buf: &[u8]) -> Option<Resp> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let raw = &buf[end + 4..];
    let body = if is_chunked(&head) {
        let mut out = Vec::new();
        Chunked::new(raw).read_to_end(&mut out).ok()?;
        out
    } else {
        raw.to_vec()
    };
    Some(Resp { status, head, body })
}

fn is_chunked(head: &str) -> bool {
    head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    })
}

/// Reads a response's status line and head from `stream`, then gives its body as it arrives
/// (decoding chunked transfer): for event streams and lab runs.
pub fn streamed(stream: TcpStream) -> std::io::Result<(u16, String, Box<dyn BufRead + Send>)> {
    let mut r = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {head:?}")))?;
    let body: Box<dyn BufRead + Send> = if is_chunked(&head) {
        Box::new(BufReader::new(Chunked::new(r)))
    } else {
        Box::new(r)
    };
    Ok((status, head, body))
}

/// A reader of a chunked body (`SIZE\r\nDATA\r\n ... 0\r\n\r\n`).
pub struct Chunked<R> {
    inner: BufReader<R>,
    left: usize,
    done: bool,
}

impl<R: Read> Chunked<R> {
    pub fn new(inner: R) -> Self {
        Chunked {
            inner: BufReader::new(inner),
            left: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Chunked<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut line = String::new();
            if self.inner.read_line(&mut line)? == 0 {
                return Ok(0);
            }
            let size = line.trim().split(';').next().unwrap_or("");
            self.left = usize::from_str_radix(size, 16).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("bad chunk size {line:?}: {e}"),
                )
            })?;
            if self.left == 0 {
                self.done = true;
                return Ok(0);
            }
        }
        let want = out.len().min(self.left);
        let n = self.inner.read(&mut out[..want])?;
        self.left -= n;
        if self.left == 0 && n > 0 {
            let mut crlf = [0u8; 2];
            self.inner.read_exact(&mut crlf)?;
        }
        Ok(n)
    }
}
