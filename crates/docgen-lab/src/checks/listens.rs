//! `listens: NAME` with `sockets`: exactly which sockets the processes of a name listen on,
//! Unix and TCP, from their `/proc/PID/fd` links and `/proc/net/{unix,tcp,tcp6}`.
//!
//! A container's root has no CAP_SYS_PTRACE, so it cannot read the fd links of another user's
//! process: the probe reads them as the process's own uid and gid (`setpriv`, util-linux).
//!
//! One probe answers both halves of "the socket replaces the port": gunicorn is up and listening
//! on its Unix socket, and on nothing else. A `port: 8000, listening: false` check alone also
//! passes when gunicorn is not running at all.

use std::any::Any;
use std::collections::BTreeSet;

use super::port::tcp_listeners;
use super::text::sh_quote;
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "listens",
    fields: &["sockets"],
    key_is_also_a_field: false,
    parse,
};

/// The listening sockets of the processes of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listens {
    /// The process name (`Name:` in `/proc/PID/status`).
    pub name: String,
    /// Exactly these: `unix:/path`, `tcp:PORT` (any address) or `tcp:ADDR:PORT`.
    pub sockets: Vec<String>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let name: String = f.key("a process name");
    let sockets: Option<Vec<String>> = f.get(
        "sockets",
        "a list such as [\"unix:/run/app.sock\", \"tcp:8000\"]",
    );
    let sockets = sockets.unwrap_or_default();
    for s in &sockets {
        if !(s.starts_with("unix:/") || s.starts_with("tcp:")) {
            let id = f.id().to_string();
            f.error(
                s,
                format!("check `{id}`: `{s}` is not a socket"),
                "write `unix:/run/app/app.sock`, `tcp:8000` or `tcp:127.0.0.1:8000`",
            );
        }
    }
    f.finish(Listens { name, sockets })
}

/// What the probe found: whether any process had the name, and its listening sockets as
/// `unix:/path` and `tcp:ADDR:PORT`.
fn listening(stdout: &str) -> (bool, BTreeSet<String>) {
    let mut section = "";
    let (mut inodes, mut unix, mut tcp) = (BTreeSet::new(), Vec::new(), String::new());
    let mut found = false;
    for line in stdout.lines() {
        if let Some(s) = line.strip_prefix("### ") {
            section = s.trim();
            continue;
        }
        match section {
            "pids" => found |= !line.trim().is_empty(),
            "inodes" => {
                if let Ok(i) = line.trim().parse::<u64>() {
                    inodes.insert(i);
                }
            }
            "unix" => {
                // Num RefCount Protocol Flags Type St Inode Path; listening: flag __SO_ACCEPTCON.
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.len() >= 8 && f[3] == "00010000" {
                    if let Ok(i) = f[6].parse::<u64>() {
                        unix.push((i, f[7].to_string()));
                    }
                }
            }
            "tcp" => {
                tcp.push_str(line);
                tcp.push('\n');
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for (i, path) in unix {
        if inodes.contains(&i) {
            out.insert(format!("unix:{path}"));
        }
    }
    for (addr, port, i) in tcp_listeners(&tcp) {
        if inodes.contains(&i) {
            out.insert(format!("tcp:{addr}:{port}"));
        }
    }
    (found, out)
}

/// Whether a socket seen (`tcp:ADDR:PORT`, `unix:/path`) is the one wanted (`tcp:PORT` stands
/// for any address).
fn matches(want: &str, seen: &str) -> bool {
    if want == seen {
        return true;
    }
    match (want.strip_prefix("tcp:"), seen.strip_prefix("tcp:")) {
        (Some(w), Some(s)) if !w.contains(':') => s.rsplit_once(':').is_some_and(|(_, p)| p == w),
        _ => false,
    }
}

impl Kind for Listens {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        let n = sh_quote(&self.name);
        format!(
            "echo '### pids'; for d in /proc/[0-9]*; do \
               [ \"$(sed -n 's/^Name:[[:space:]]*//p' \"$d/status\" 2>/dev/null)\" = {n} ] && echo \"${{d#/proc/}}\"; \
             done > /tmp/.docgen-listens; cat /tmp/.docgen-listens; \
             echo '### inodes'; while read -r p; do \
               u=$(sed -n 's/^Uid:[[:space:]]*\\([0-9]*\\).*/\\1/p' \"/proc/$p/status\" 2>/dev/null); \
               g=$(sed -n 's/^Gid:[[:space:]]*\\([0-9]*\\).*/\\1/p' \"/proc/$p/status\" 2>/dev/null); \
               setpriv --reuid=\"$u\" --regid=\"$g\" --clear-groups ls -l \"/proc/$p/fd\" 2>/dev/null \
                 || ls -l \"/proc/$p/fd\" 2>/dev/null; \
             done < /tmp/.docgen-listens \
               | sed -n 's/.*socket:\\[\\([0-9]*\\)\\].*/\\1/p' | sort -u; \
             rm -f /tmp/.docgen-listens; \
             echo '### unix'; cat /proc/net/unix 2>/dev/null; \
             echo '### tcp'; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true"
        )
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let (found, seen) = listening(&out.stdout);
        let expected = if self.sockets.is_empty() {
            format!("{} running and listening on nothing", self.name)
        } else {
            format!(
                "{} listening on {} and nothing else",
                self.name,
                self.sockets.join(", ")
            )
        };
        if !found {
            return Verdict::new(false, expected, format!("no process named {}", self.name));
        }
        let all_wanted = self
            .sockets
            .iter()
            .all(|w| seen.iter().any(|s| matches(w, s)));
        let nothing_else = seen
            .iter()
            .all(|s| self.sockets.iter().any(|w| matches(w, s)));
        let seen_text = if seen.is_empty() {
            format!("{} runs but listens on nothing", self.name)
        } else {
            format!(
                "{} listens on {}",
                self.name,
                seen.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        Verdict::new(all_wanted && nothing_else, expected, seen_text)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{judge, out};
    use super::*;

    const UNIX: &str = "### unix\nNum       RefCount Protocol Flags    Type St Inode Path\n\
        0000000000000000: 00000002 00000000 00010000 0001 01 4242 /run/gunicorn/gunicorn.sock\n\
        0000000000000000: 00000002 00000000 00010000 0001 01 999 /run/other.sock\n\
        0000000000000000: 00000003 00000000 00000000 0001 03 4243 /run/gunicorn/gunicorn.sock\n";
    const TCP: &str = "### tcp\n  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
        0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5151 1\n\
        1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1\n";

    fn kind(sockets: &[&str]) -> Listens {
        Listens {
            name: "gunicorn".into(),
            sockets: sockets.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_socket_and_nothing_else() {
        let k = kind(&["unix:/run/gunicorn/gunicorn.sock"]);
        let only_socket = format!("### pids\n12\n13\n### inodes\n4242\n{UNIX}{TCP}");
        let v = judge(&k, &out(&only_socket));
        assert!(v.passed, "{}", v.seen);
        assert_eq!(
            v.seen,
            "gunicorn listens on unix:/run/gunicorn/gunicorn.sock"
        );
        // Someone else's socket (nginx on port 80, /run/other.sock) is not gunicorn's.
        let also_tcp = format!("### pids\n12\n### inodes\n4242\n5151\n{UNIX}{TCP}");
        let v = judge(&k, &out(&also_tcp));
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "gunicorn listens on tcp:0.0.0.0:8000, unix:/run/gunicorn/gunicorn.sock"
        );
        assert!(
            judge(
                &kind(&["unix:/run/gunicorn/gunicorn.sock", "tcp:8000"]),
                &out(&also_tcp)
            )
            .passed
        );
        assert!(
            judge(
                &kind(&["unix:/run/gunicorn/gunicorn.sock", "tcp:0.0.0.0:8000"]),
                &out(&also_tcp)
            )
            .passed
        );
        assert!(
            !judge(
                &kind(&["unix:/run/gunicorn/gunicorn.sock", "tcp:127.0.0.1:8000"]),
                &out(&also_tcp)
            )
            .passed
        );
    }

    #[test]
    fn not_running_is_not_listening_on_nothing() {
        let v = judge(
            &kind(&[]),
            &out(&format!("### pids\n### inodes\n{UNIX}{TCP}")),
        );
        assert!(!v.passed);
        assert_eq!(v.seen, "no process named gunicorn");
        let v = judge(
            &kind(&[]),
            &out(&format!("### pids\n12\n### inodes\n{UNIX}{TCP}")),
        );
        assert!(v.passed, "{}", v.seen);
    }
}
