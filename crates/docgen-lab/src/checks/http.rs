//! `http: URL` with `status`, `body-contains`, `header`: an HTTP request made with curl inside
//! the container, over TCP (`http://localhost/`) or a Unix socket
//! (`unix:/run/gunicorn/gunicorn.sock:/`).

use std::any::Any;

use super::text::{excerpt, sh_quote, words};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "http",
    fields: &["status", "body-contains", "header"],
    key_is_also_a_field: false,
    parse,
};

/// An HTTP request from inside the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Http {
    /// Where to send it.
    pub target: HttpTarget,
    /// The status code expected.
    pub status: Option<u16>,
    /// Text the body must contain.
    pub body_contains: Option<String>,
    /// `Name: value`: a header that must be present and contain the value.
    pub header: Option<String>,
}

/// Where an HTTP check sends its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpTarget {
    /// A TCP URL, `http://localhost/`.
    Tcp {
        /// The URL.
        url: String,
    },
    /// `unix:/run/x.sock:/path`: a Unix socket and the request path.
    Unix {
        /// The socket's path.
        socket: String,
        /// The request path.
        path: String,
    },
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let url: String = f.key("a URL");
    let target = parse_http_target(&url).unwrap_or_else(|| {
        f.error(
            &url,
            format!("`{url}` is not an http:// URL or unix:SOCKET:/PATH"),
            "e.g. http: \"http://localhost/\" or http: \"unix:/run/gunicorn/gunicorn.sock:/\"",
        );
        HttpTarget::Tcp { url: url.clone() }
    });
    let kind = Http {
        target,
        status: f.get("status", "an HTTP status code"),
        body_contains: f.text("body-contains"),
        header: f.text("header"),
    };
    f.finish(kind)
}

/// `http://…`, `https://…` or `unix:/path.sock:/request-path`.
pub(super) fn parse_http_target(s: &str) -> Option<HttpTarget> {
    if let Some(rest) = s.strip_prefix("unix:") {
        let i = rest.rfind(":/")?;
        let (sock, path) = (&rest[..i], &rest[i + 1..]);
        if !sock.starts_with('/') {
            return None;
        }
        return Some(HttpTarget::Unix {
            socket: sock.to_string(),
            path: path.to_string(),
        });
    }
    if (s.starts_with("http://") || s.starts_with("https://")) && s.len() > "http://".len() {
        return Some(HttpTarget::Tcp { url: s.to_string() });
    }
    None
}

impl Kind for Http {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        let base = "curl -sS -i --max-time 5";
        match &self.target {
            HttpTarget::Tcp { url } => format!("{base} {}", sh_quote(url)),
            HttpTarget::Unix { socket, path } => format!(
                "{base} --unix-socket {} {}",
                sh_quote(socket),
                sh_quote(&format!("http://localhost{path}"))
            ),
        }
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        judge_response(
            out,
            self.status,
            self.body_contains.as_deref(),
            self.header.as_deref(),
        )
    }

    fn evidence_socket(&self) -> Option<&str> {
        match &self.target {
            HttpTarget::Unix { socket, .. } => Some(socket),
            HttpTarget::Tcp { .. } => None,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn judge_response(
    out: &ExecOutput,
    status: Option<u16>,
    body_contains: Option<&str>,
    header: Option<&str>,
) -> Verdict {
    let mut exp = Vec::new();
    if let Some(s) = status {
        exp.push(format!("status {s}"));
    }
    if let Some(b) = body_contains {
        exp.push(format!("body containing {b:?}"));
    }
    if let Some(h) = header {
        exp.push(format!("header {h:?}"));
    }
    let exp = words(&exp, "a response");
    if out.code != 0 {
        let why = if out.code == 127 {
            "curl is not installed in the container".to_string()
        } else {
            format!(
                "no response (curl exit {}): {}",
                out.code,
                excerpt(&out.stderr)
            )
        };
        return Verdict::new(false, exp, why);
    }
    let text = out.stdout.replace("\r\n", "\n");
    // Skip interim responses (100 Continue) to the final one.
    let mut rest = text.as_str();
    loop {
        let is_interim = rest.starts_with("HTTP/")
            && rest
                .split_whitespace()
                .nth(1)
                .is_some_and(|c| c.starts_with('1'));
        match (is_interim, rest.find("\n\n")) {
            (true, Some(i)) => rest = &rest[i + 2..],
            _ => break,
        }
    }
    let (head, body) = rest.split_once("\n\n").unwrap_or((rest, ""));
    let code: Option<u16> = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok());
    let mut ok = code.is_some();
    if let Some(s) = status {
        ok &= code == Some(s);
    }
    if let Some(b) = body_contains {
        ok &= body.contains(b);
    }
    if let Some(h) = header {
        let (name, value) = h.split_once(':').unwrap_or((h, ""));
        let found = head.lines().skip(1).any(|l| {
            l.split_once(':').is_some_and(|(n, v)| {
                n.trim().eq_ignore_ascii_case(name.trim()) && v.contains(value.trim())
            })
        });
        ok &= found;
    }
    let seen = format!(
        "{}; body: {}",
        head.lines().next().unwrap_or("(no status line)").trim(),
        excerpt(body)
    );
    Verdict::new(ok, exp, seen)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{judge, out};
    use super::*;

    #[test]
    fn http_status_body_and_curl_errors() {
        let kind = Http {
            target: HttpTarget::Tcp {
                url: "http://localhost/".into(),
            },
            status: Some(200),
            body_contains: Some("Hello".into()),
            header: Some("Content-Type: text/plain".into()),
        };
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from my_shop\n";
        assert!(judge(&kind, &out(ok)).passed);
        let bad = "HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\n<html>502</html>";
        let v = judge(&kind, &out(bad));
        assert!(!v.passed);
        assert!(v.seen.starts_with("HTTP/1.1 502 Bad Gateway"), "{}", v.seen);
        let refused = ExecOutput {
            code: 7,
            stdout: String::new(),
            stderr: "curl: (7) Couldn't connect to server".into(),
        };
        let v = judge(&kind, &refused);
        assert_eq!(
            v.seen,
            "no response (curl exit 7): curl: (7) Couldn't connect to server"
        );
    }

    #[test]
    fn http_targets() {
        assert_eq!(
            parse_http_target("unix:/run/g/g.sock:/x?y"),
            Some(HttpTarget::Unix {
                socket: "/run/g/g.sock".into(),
                path: "/x?y".into()
            })
        );
        assert!(parse_http_target("ftp://x").is_none());
    }
}
