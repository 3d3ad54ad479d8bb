//! `socket: PATH` with `exists`, `owner`, `group`, `mode`, `type`, `listening`: a Unix socket,
//! from `stat` and `/proc/net/unix`.

use std::any::Any;

use super::stat::{owner_matches, probe, seen_stat, unix_entries, FileStat};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "socket",
    fields: &["exists", "owner", "group", "mode", "type", "listening"],
    key_is_also_a_field: false,
    parse,
};

/// A Unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    /// Its path.
    pub path: String,
    /// Whether it must exist (default true).
    pub exists: bool,
    /// Owning user.
    pub owner: Option<String>,
    /// Owning group.
    pub group: Option<String>,
    /// Octal mode.
    pub mode: Option<u32>,
    /// `stream`, `dgram` or `seqpacket`.
    pub socket_type: Option<String>,
    /// Whether a process listens on it.
    pub listening: Option<bool>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = Socket {
        path: f.key("a path"),
        exists: f.flag("exists").unwrap_or(true),
        owner: f.text("owner"),
        group: f.text("group"),
        mode: f.mode("mode"),
        socket_type: f.one_of("type", &["stream", "dgram", "seqpacket"], "socket type"),
        listening: f.flag("listening"),
    };
    f.finish(kind)
}

impl Kind for Socket {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        probe(&self.path, false)
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let st = FileStat::parse(&out.stdout);
        let mut exp = Vec::new();
        if !self.exists {
            return Verdict::new(st.is_none(), "no such socket", seen_stat(st.as_ref()));
        }
        let Some(st) = st else {
            exp.push("a socket".to_string());
            return Verdict::new(false, exp.join(", "), "no such file");
        };
        let mut ok = st.kind == "socket";
        exp.push("a socket".to_string());
        ok &= owner_matches(
            &st,
            self.owner.as_deref(),
            self.group.as_deref(),
            self.mode,
            &mut exp,
        );
        let unix = unix_entries(&out.stdout);
        if let Some(t) = &self.socket_type {
            let code = match t.as_str() {
                "stream" => "0001",
                "dgram" => "0002",
                _ => "0005",
            };
            ok &= unix.iter().any(|e| e.type_code == code);
            exp.push(format!("type {t}"));
        }
        if let Some(l) = self.listening {
            ok &= unix.iter().any(|e| e.listening) == l;
            exp.push(if l { "listening" } else { "not listening" }.to_string());
        }
        let mut seen = seen_stat(Some(&st));
        if self.socket_type.is_some() || self.listening.is_some() {
            seen.push_str(&match unix.first() {
                None => ", no process has it open".to_string(),
                Some(e) => format!(
                    ", type {}{}",
                    match e.type_code.as_str() {
                        "0001" => "stream",
                        "0002" => "dgram",
                        "0005" => "seqpacket",
                        other => other,
                    },
                    if unix.iter().any(|e| e.listening) {
                        ", listening"
                    } else {
                        ", not listening"
                    }
                ),
            });
        }
        Verdict::new(ok, exp.join(", "), seen)
    }

    fn evidence_socket(&self) -> Option<&str> {
        Some(&self.path)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{judge, out};
    use super::*;

    #[test]
    fn socket_stat_and_proc_net_unix() {
        let kind = Socket {
            path: "/run/gunicorn/gunicorn.sock".into(),
            exists: true,
            owner: Some("maiviet".into()),
            group: Some("www-data".into()),
            mode: None,
            socket_type: Some("stream".into()),
            listening: Some(true),
        };
        let good = "stat=socket|maiviet|www-data|777\n@@unix\n0000: 00000002 00000000 00010000 0001 01 1234 /run/gunicorn/gunicorn.sock\n";
        let v = judge(&kind, &out(good));
        assert!(v.passed, "{v:?}");
        let v = judge(&kind, &out("missing\n"));
        assert!(!v.passed);
        assert_eq!(v.seen, "no such file");
        let wrong = good.replace("www-data", "maiviet");
        let v = judge(&kind, &out(&wrong));
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "a socket owned by maiviet:maiviet, mode 0777, type stream, listening"
        );
    }
}
