//! What each check runs inside the container and how its output is judged.
//!
//! Every check is one `sh -c` probe ([`probe`]) whose output is judged in Rust ([`judge`]), so
//! the judging is pure and unit-tested without a container. Probes read `/proc`, `/etc/passwd`
//! and `stat` rather than relying on tools a lab image might lack; only `http` needs curl.
//! This module also writes the scripts for evidence on failure, versions, and kill actions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::engine::ExecOutput;
use super::spec::{CheckKind, EvidenceSpec, HttpTarget, Pick};

/// The judgement of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the check passed.
    pub passed: bool,
    /// What was expected, in words.
    pub expected: String,
    /// What was seen.
    pub seen: String,
}

/// A piece of evidence attached to a failure: a title (the command) and its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What was run (`systemctl status gunicorn`).
    pub title: String,
    /// Its output.
    pub text: String,
}

/// Quotes `s` for `sh`.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Reads /etc/passwd, /etc/group and every process's status in one go.
const PROCESS_TABLE: &str = "echo '@@passwd'; cat /etc/passwd; echo '@@group'; cat /etc/group; \
echo '@@status'; cat /proc/[0-9]*/status 2>/dev/null; true";

/// The probe script of a check.
pub fn probe(kind: &CheckKind) -> String {
    match kind {
        CheckKind::Service { unit, .. } => {
            let u = sh_quote(unit);
            format!(
                "echo \"enabled=$(systemctl is-enabled {u} 2>&1 | head -n1)\"; \
                 echo \"active=$(systemctl is-active {u} 2>&1 | head -n1)\"; \
                 echo \"failed=$(systemctl is-failed {u} 2>&1 | head -n1)\""
            )
        }
        CheckKind::Socket { path, .. } | CheckKind::File { path, .. } => {
            let p = sh_quote(path);
            let content = if matches!(kind, CheckKind::File { contains, not_contains, .. } if contains.is_some() || not_contains.is_some())
            {
                "[ -f \"$p\" ] && { echo '@@content'; head -c 262144 -- \"$p\"; }; "
            } else {
                ""
            };
            format!(
                "p={p}; if [ -e \"$p\" ] || [ -L \"$p\" ]; then \
                 stat -c 'stat=%F|%U|%G|%a' -- \"$p\"; \
                 [ -L \"$p\" ] && echo \"target=$(readlink -- \"$p\")\"; \
                 {content}\
                 echo '@@unix'; awk -v p=\"$p\" '$NF == p' /proc/net/unix; \
                 else echo missing; fi"
            )
        }
        CheckKind::User { name, .. } => format!(
            "getent passwd {n} && echo \"groups=$(id -Gn {n})\"; true",
            n = sh_quote(name)
        ),
        CheckKind::Group { name, .. } => format!("getent group {}; true", sh_quote(name)),
        CheckKind::Processes { .. } => PROCESS_TABLE.to_string(),
        CheckKind::Port { .. } => "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true".to_string(),
        CheckKind::Http { target, .. } => {
            let base = "curl -sS -i --max-time 5";
            match target {
                HttpTarget::Tcp { url } => format!("{base} {}", sh_quote(url)),
                HttpTarget::Unix { socket, path } => format!(
                    "{base} --unix-socket {} {}",
                    sh_quote(socket),
                    sh_quote(&format!("http://localhost{path}"))
                ),
            }
        }
        CheckKind::Command { run, .. } => run.clone(),
        CheckKind::Journal { unit, .. } => format!(
            "journalctl -u {} --no-pager -o cat -n 5000 2>&1",
            sh_quote(unit)
        ),
        CheckKind::SystemdVerify { path } => {
            format!("systemd-analyze verify {} 2>&1", sh_quote(path))
        }
        CheckKind::NginxTest => "nginx -t 2>&1".to_string(),
    }
}

fn verdict(passed: bool, expected: impl Into<String>, seen: impl Into<String>) -> Verdict {
    Verdict {
        passed,
        expected: expected.into(),
        seen: seen.into(),
    }
}

/// Joins expectation parts; an empty list means "it exists".
fn words(parts: &[String], empty: &str) -> String {
    if parts.is_empty() {
        empty.to_string()
    } else {
        parts.join(", ")
    }
}

/// Judges a probe's output. `killed` are pids a `kill` action just signalled: a processes check
/// passes only once they are gone (so "back to 4" is not the old process still dying).
pub fn judge(kind: &CheckKind, out: &ExecOutput, killed: &[u32]) -> Verdict {
    match kind {
        CheckKind::Service {
            enabled,
            active,
            failed,
            ..
        } => {
            let kv = key_values(&out.stdout);
            let get = |k: &str| kv.get(k).map(String::as_str).unwrap_or("");
            let mut exp = Vec::new();
            let mut ok = true;
            if let Some(want) = enabled {
                // `enabled-runtime`, `static`, `linked` are not what `systemctl enable` makes.
                ok &= (get("enabled") == "enabled") == *want;
                exp.push(if *want { "enabled" } else { "not enabled" }.to_string());
            }
            if let Some(want) = active {
                ok &= (get("active") == "active") == *want;
                exp.push(if *want { "active" } else { "not active" }.to_string());
            }
            if let Some(want) = failed {
                ok &= (get("failed") == "failed") == *want;
                exp.push(if *want { "failed" } else { "not failed" }.to_string());
            }
            let seen = format!(
                "is-enabled: {}, is-active: {}, is-failed: {}",
                get("enabled"),
                get("active"),
                get("failed")
            );
            verdict(ok, exp.join(", "), seen)
        }
        CheckKind::Socket {
            exists,
            owner,
            group,
            mode,
            socket_type,
            listening,
            ..
        } => {
            let st = FileStat::parse(&out.stdout);
            let mut exp = Vec::new();
            if !exists {
                return verdict(st.is_none(), "no such socket", seen_stat(st.as_ref()));
            }
            let Some(st) = st else {
                exp.push("a socket".to_string());
                return verdict(false, exp.join(", "), "no such file");
            };
            let mut ok = st.kind == "socket";
            exp.push("a socket".to_string());
            ok &= owner_matches(&st, owner.as_deref(), group.as_deref(), *mode, &mut exp);
            let unix = unix_entries(&out.stdout);
            if let Some(t) = socket_type {
                let code = match t.as_str() {
                    "stream" => "0001",
                    "dgram" => "0002",
                    _ => "0005",
                };
                ok &= unix.iter().any(|e| e.type_code == code);
                exp.push(format!("type {t}"));
            }
            if let Some(l) = listening {
                ok &= unix.iter().any(|e| e.listening) == *l;
                exp.push(if *l { "listening" } else { "not listening" }.to_string());
            }
            let mut seen = seen_stat(Some(&st));
            if socket_type.is_some() || listening.is_some() {
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
            verdict(ok, exp.join(", "), seen)
        }
        CheckKind::File {
            exists,
            file_type,
            owner,
            group,
            mode,
            contains,
            not_contains,
            target,
            ..
        } => {
            let st = FileStat::parse(&out.stdout);
            if !exists {
                return verdict(st.is_none(), "does not exist", seen_stat(st.as_ref()));
            }
            let Some(st) = st else {
                return verdict(false, "exists", "no such file");
            };
            let mut exp = Vec::new();
            let mut ok = true;
            if let Some(t) = file_type {
                ok &= st.kind == *t;
                exp.push(format!("a {t}"));
            }
            ok &= owner_matches(&st, owner.as_deref(), group.as_deref(), *mode, &mut exp);
            let mut seen = seen_stat(Some(&st));
            if let Some(t) = target {
                ok &= st.target.as_deref() == Some(t.as_str());
                exp.push(format!("pointing to {t}"));
                seen.push_str(&format!(
                    ", pointing to {}",
                    st.target.as_deref().unwrap_or("(not a symlink)")
                ));
            }
            let content = section(&out.stdout, "@@content");
            if let Some(c) = contains {
                let has = content.as_deref().is_some_and(|t| t.contains(c.as_str()));
                ok &= has;
                exp.push(format!("containing {c:?}"));
                if !has {
                    seen.push_str(&format!(", does not contain {c:?}"));
                }
            }
            if let Some(c) = not_contains {
                let has = content.as_deref().is_some_and(|t| t.contains(c.as_str()));
                ok &= !has;
                exp.push(format!("not containing {c:?}"));
                if has {
                    seen.push_str(&format!(", contains {c:?}"));
                }
            }
            verdict(ok, words(&exp, "exists"), seen)
        }
        CheckKind::User {
            name,
            exists,
            member_of,
        } => {
            let line = out.stdout.lines().next().unwrap_or("");
            let found = line.starts_with(&format!("{name}:"));
            if !exists {
                return verdict(!found, format!("no user {name}"), line.to_string());
            }
            let kv = key_values(&out.stdout);
            let groups: Vec<&str> = kv
                .get("groups")
                .map(|g| g.split_whitespace().collect())
                .unwrap_or_default();
            let missing: Vec<&String> = member_of
                .iter()
                .filter(|g| !groups.contains(&g.as_str()))
                .collect();
            let mut exp = format!("user {name} exists");
            if !member_of.is_empty() {
                exp.push_str(&format!(", in groups {}", member_of.join(" ")));
            }
            let seen = if found {
                format!("{line}; groups: {}", groups.join(" "))
            } else {
                format!("no user {name}")
            };
            verdict(found && missing.is_empty(), exp, seen)
        }
        CheckKind::Group { name, exists } => {
            let line = out.stdout.lines().next().unwrap_or("");
            let found = line.starts_with(&format!("{name}:"));
            let seen = if found {
                line.to_string()
            } else {
                format!("no group {name}")
            };
            verdict(
                found == *exists,
                if *exists {
                    format!("group {name} exists")
                } else {
                    format!("no group {name}")
                },
                seen,
            )
        }
        CheckKind::Processes {
            name,
            user,
            group,
            count,
            masters,
            workers,
        } => judge_processes(
            &ProcessTable::parse(&out.stdout),
            name,
            user.as_deref(),
            group.as_deref(),
            *count,
            *masters,
            *workers,
            killed,
        ),
        CheckKind::Port {
            port,
            listening,
            address,
        } => {
            let socks = listening_tcp(&out.stdout);
            let on_port: Vec<&(String, u16)> = socks.iter().filter(|(_, p)| p == port).collect();
            let ok = if *listening {
                match address {
                    Some(a) => on_port.iter().any(|(ad, _)| ad == a),
                    None => !on_port.is_empty(),
                }
            } else {
                on_port.is_empty()
            };
            let exp = match (listening, address) {
                (true, Some(a)) => format!("something listening on {a}:{port}"),
                (true, None) => format!("something listening on TCP port {port}"),
                (false, _) => format!("nothing listening on TCP port {port}"),
            };
            let seen = if on_port.is_empty() {
                format!("nothing listens on port {port}")
            } else {
                format!(
                    "listening on {}",
                    on_port
                        .iter()
                        .map(|(a, p)| format!("{a}:{p}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            verdict(ok, exp, seen)
        }
        CheckKind::Http {
            status,
            body_contains,
            header,
            ..
        } => judge_http(out, *status, body_contains.as_deref(), header.as_deref()),
        CheckKind::Command {
            exit,
            stdout_contains,
            stdout_not_contains,
            stderr_contains,
            ..
        } => {
            let mut ok = out.code == *exit;
            let mut exp = vec![format!("exit {exit}")];
            if let Some(s) = stdout_contains {
                ok &= out.stdout.contains(s.as_str());
                exp.push(format!("stdout containing {s:?}"));
            }
            if let Some(s) = stdout_not_contains {
                ok &= !out.stdout.contains(s.as_str());
                exp.push(format!("stdout not containing {s:?}"));
            }
            if let Some(s) = stderr_contains {
                ok &= out.stderr.contains(s.as_str());
                exp.push(format!("stderr containing {s:?}"));
            }
            let seen = format!(
                "exit {}; stdout: {}; stderr: {}",
                out.code,
                excerpt(&out.stdout),
                excerpt(&out.stderr)
            );
            verdict(ok, exp.join(", "), seen)
        }
        CheckKind::Journal {
            unit,
            contains,
            not_contains,
        } => {
            let mut ok = out.code == 0;
            let mut exp = Vec::new();
            let mut seen = Vec::new();
            if let Some(c) = contains {
                let line = out.stdout.lines().find(|l| l.contains(c.as_str()));
                ok &= line.is_some();
                exp.push(format!("a line of {unit}'s journal containing {c:?}"));
                seen.push(match line {
                    Some(l) => format!("found: {}", l.trim()),
                    None => format!(
                        "no such line in {} lines; last: {}",
                        out.stdout.lines().count(),
                        excerpt(&super::engine::last_lines(&out.stdout, 3))
                    ),
                });
            }
            if let Some(c) = not_contains {
                let line = out.stdout.lines().find(|l| l.contains(c.as_str()));
                ok &= line.is_none();
                exp.push(format!("no line of {unit}'s journal containing {c:?}"));
                if let Some(l) = line {
                    seen.push(format!("found: {}", l.trim()));
                }
            }
            if seen.is_empty() {
                seen.push(format!("{} lines", out.stdout.lines().count()));
            }
            verdict(ok, exp.join("; "), seen.join("; "))
        }
        CheckKind::SystemdVerify { path } => verdict(
            out.code == 0,
            format!("`systemd-analyze verify {path}` finds nothing"),
            if out.code == 0 && out.stdout.trim().is_empty() {
                "clean".to_string()
            } else {
                format!("exit {}: {}", out.code, excerpt(&out.stdout))
            },
        ),
        CheckKind::NginxTest => verdict(
            out.code == 0,
            "`nginx -t` succeeds",
            format!("exit {}: {}", out.code, excerpt(&out.stdout)),
        ),
    }
}

/// At most 400 characters of `s` on one line.
fn excerpt(s: &str) -> String {
    let t = s.trim().replace('\n', " | ");
    if t.is_empty() {
        return "(empty)".to_string();
    }
    if t.chars().count() > 400 {
        let cut: String = t.chars().take(400).collect();
        format!("{cut}…")
    } else {
        t
    }
}

fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The text after a `@@marker` line, up to the next `@@` line.
fn section(text: &str, marker: &str) -> Option<String> {
    let start = text.find(&format!("{marker}\n"))? + marker.len() + 1;
    let rest = &text[start..];
    let end = rest.find("\n@@").map(|i| i + 1).unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

#[derive(Debug)]
struct FileStat {
    kind: String,
    owner: String,
    group: String,
    mode: u32,
    target: Option<String>,
}

impl FileStat {
    fn parse(out: &str) -> Option<FileStat> {
        let line = out.lines().find_map(|l| l.strip_prefix("stat="))?;
        let mut f = line.split('|');
        let kind = match f.next()? {
            "socket" => "socket",
            "directory" => "directory",
            "symbolic link" => "symlink",
            k if k.contains("regular") => "file",
            other => other,
        }
        .to_string();
        let owner = f.next()?.to_string();
        let group = f.next()?.to_string();
        let mode = u32::from_str_radix(f.next()?.trim(), 8).ok()?;
        let target = out
            .lines()
            .find_map(|l| l.strip_prefix("target="))
            .map(str::to_string);
        Some(FileStat {
            kind,
            owner,
            group,
            mode,
            target,
        })
    }
}

fn seen_stat(st: Option<&FileStat>) -> String {
    match st {
        None => "no such file".to_string(),
        Some(s) => format!(
            "a {} owned by {}:{}, mode {:04o}",
            s.kind, s.owner, s.group, s.mode
        ),
    }
}

fn owner_matches(
    st: &FileStat,
    owner: Option<&str>,
    group: Option<&str>,
    mode: Option<u32>,
    exp: &mut Vec<String>,
) -> bool {
    let mut ok = true;
    if let Some(o) = owner {
        ok &= st.owner == o;
        exp.push(format!("owner {o}"));
    }
    if let Some(g) = group {
        ok &= st.group == g;
        exp.push(format!("group {g}"));
    }
    if let Some(m) = mode {
        ok &= st.mode == m;
        exp.push(format!("mode {m:04o}"));
    }
    ok
}

struct UnixEntry {
    type_code: String,
    listening: bool,
}

/// Lines of `/proc/net/unix` after `@@unix`: `Num RefCount Protocol Flags Type St Inode Path`.
fn unix_entries(out: &str) -> Vec<UnixEntry> {
    section(out, "@@unix")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 8).then(|| UnixEntry {
                type_code: f[4].to_string(),
                // __SO_ACCEPTCON: the socket is listening.
                listening: u32::from_str_radix(f[3], 16).is_ok_and(|v| v & 0x0001_0000 != 0),
            })
        })
        .collect()
}

/// `(address, port)` of every listening TCP socket in `/proc/net/tcp{,6}` text.
fn listening_tcp(text: &str) -> Vec<(String, u16)> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 4 || f[3] != "0A" {
                return None;
            }
            let (addr, port) = f[1].split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            Some((decode_addr(addr)?, port))
        })
        .collect()
}

/// `/proc/net/tcp` addresses: IPv4 as one little-endian word, IPv6 as four.
fn decode_addr(hex: &str) -> Option<String> {
    let words: Vec<u32> = (0..hex.len() / 8)
        .map(|i| u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).ok())
        .collect::<Option<_>>()?;
    match words.as_slice() {
        [w] => Some(std::net::Ipv4Addr::from(w.swap_bytes()).to_string()),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
            }
            Some(std::net::Ipv6Addr::from(bytes).to_string())
        }
        _ => None,
    }
}

fn judge_http(
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
        return verdict(false, exp, why);
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
    verdict(ok, exp, seen)
}

// ---------------------------------------------------------------------------------------------
// Processes.

/// One process from `/proc/<pid>/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    /// Pid.
    pub pid: u32,
    /// Parent pid.
    pub ppid: u32,
    /// `comm` (at most 15 bytes).
    pub name: String,
    /// Effective user name (or uid).
    pub user: String,
    /// Effective group name (or gid).
    pub group: String,
    /// Whether it is a zombie.
    pub zombie: bool,
}

/// The container's processes with user and group names resolved.
#[derive(Debug, Default)]
pub struct ProcessTable {
    /// Every process.
    pub procs: Vec<Proc>,
}

impl ProcessTable {
    /// Parses the output of the processes probe.
    pub fn parse(out: &str) -> ProcessTable {
        let names = |sec: &str| -> BTreeMap<String, String> {
            section(out, sec)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() >= 3).then(|| (f[2].to_string(), f[0].to_string()))
                })
                .collect()
        };
        let users = names("@@passwd");
        let groups = names("@@group");
        let status = section(out, "@@status").unwrap_or_default();
        let mut procs = Vec::new();
        let mut cur: BTreeMap<&str, &str> = BTreeMap::new();
        let mut flush = |cur: &mut BTreeMap<&str, &str>| {
            let field = |k: &str| cur.get(k).copied().unwrap_or("");
            let first =
                |k: &str, i: usize| field(k).split_whitespace().nth(i).unwrap_or("").to_string();
            if let (Ok(pid), Ok(ppid)) = (field("Pid").parse(), field("PPid").parse()) {
                let uid = first("Uid", 1);
                let gid = first("Gid", 1);
                procs.push(Proc {
                    pid,
                    ppid,
                    name: field("Name").to_string(),
                    user: users.get(&uid).cloned().unwrap_or(uid),
                    group: groups.get(&gid).cloned().unwrap_or(gid),
                    zombie: field("State").starts_with('Z'),
                });
            }
            cur.clear();
        };
        for line in status.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k == "Name" && !cur.is_empty() {
                flush(&mut cur);
            }
            cur.insert(k, v.trim());
        }
        flush(&mut cur);
        ProcessTable { procs }
    }

    /// Live (non-zombie) processes named `name` (compared as the kernel truncates `comm`).
    pub fn matching(&self, name: &str) -> Vec<&Proc> {
        let comm: String = name.chars().take(15).collect();
        self.procs
            .iter()
            .filter(|p| !p.zombie && p.name == comm)
            .collect()
    }

    /// Masters (parent does not match) and workers (parent is a master) among `name`.
    pub fn tree(&self, name: &str) -> (Vec<&Proc>, Vec<&Proc>, Vec<&Proc>) {
        let m = self.matching(name);
        let pids: Vec<u32> = m.iter().map(|p| p.pid).collect();
        let masters: Vec<&Proc> = m
            .iter()
            .copied()
            .filter(|p| !pids.contains(&p.ppid))
            .collect();
        let master_pids: Vec<u32> = masters.iter().map(|p| p.pid).collect();
        let workers = m
            .iter()
            .copied()
            .filter(|p| master_pids.contains(&p.ppid))
            .collect();
        (m, masters, workers)
    }
}

#[allow(clippy::too_many_arguments)]
fn judge_processes(
    table: &ProcessTable,
    name: &str,
    user: Option<&str>,
    group: Option<&str>,
    count: Option<u32>,
    masters: Option<u32>,
    workers: Option<u32>,
    killed: &[u32],
) -> Verdict {
    let (all, ms, ws) = table.tree(name);
    let mut exp = Vec::new();
    let mut ok = true;
    if let Some(c) = count {
        ok &= all.len() == c as usize;
        exp.push(format!("{c} {name} processes"));
    }
    if let Some(m) = masters {
        ok &= ms.len() == m as usize;
        exp.push(format!("{m} master"));
    }
    if let Some(w) = workers {
        // Every non-master must be a worker of a master: no stray grandchildren.
        ok &= ws.len() == w as usize && ms.len() + ws.len() == all.len();
        exp.push(format!("{w} workers, children of the master"));
    }
    if count.is_none() && masters.is_none() && workers.is_none() {
        ok &= !all.is_empty();
        exp.push(format!("at least one {name} process"));
    }
    if let Some(u) = user {
        ok &= all.iter().all(|p| p.user == u);
        exp.push(format!("all as user {u}"));
    }
    if let Some(g) = group {
        ok &= all.iter().all(|p| p.group == g);
        exp.push(format!("all with group {g}"));
    }
    let still: Vec<u32> = all
        .iter()
        .map(|p| p.pid)
        .filter(|p| killed.contains(p))
        .collect();
    if !killed.is_empty() {
        ok &= still.is_empty();
        exp.push(format!(
            "the killed pid {} gone",
            killed
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let list = all
        .iter()
        .map(|p| {
            let role = if ms.iter().any(|m| m.pid == p.pid) {
                "master"
            } else if ws.iter().any(|w| w.pid == p.pid) {
                "worker"
            } else {
                "other"
            };
            format!("{} {role} ppid {} {}:{}", p.pid, p.ppid, p.user, p.group)
        })
        .collect::<Vec<_>>();
    let mut seen = if list.is_empty() {
        format!("no {name} process")
    } else {
        format!(
            "{} {name} processes ({} master, {} workers): {}",
            all.len(),
            ms.len(),
            ws.len(),
            list.join("; ")
        )
    };
    if !still.is_empty() {
        seen.push_str(&format!("; killed pid still there: {still:?}"));
    }
    verdict(ok, exp.join(", "), seen)
}

/// The pid a kill action picks from a processes probe's output: the newest worker, master or
/// process.
pub fn pick_victim(out: &str, name: &str, pick: Pick) -> Option<u32> {
    let table = ProcessTable::parse(out);
    let (all, ms, ws) = table.tree(name);
    let pool = match pick {
        Pick::Worker => ws,
        Pick::Master => ms,
        Pick::Any => all,
    };
    pool.iter().map(|p| p.pid).max()
}

/// The processes probe (used by kill actions).
pub fn process_table_script() -> &'static str {
    PROCESS_TABLE
}

// ---------------------------------------------------------------------------------------------
// Evidence and versions.

/// The evidence script for a failed check: the lab's units (status and journal), its logs, and
/// `namei -l` of any socket the check is about. Sections start with `### title`.
pub fn evidence_script(spec: &EvidenceSpec, kind: &CheckKind) -> String {
    let mut units: Vec<String> = spec.units.clone();
    if let CheckKind::Service { unit, .. } | CheckKind::Journal { unit, .. } = kind {
        if !units.contains(unit) {
            units.insert(0, unit.clone());
        }
    }
    let mut s = String::new();
    for u in &units {
        let q = sh_quote(u);
        s.push_str(&format!(
            "echo '### systemctl status {u}'; systemctl status --no-pager -l -n 0 {q} 2>&1 | head -n 25; \
             echo '### journalctl -u {u} -n 20'; journalctl -u {q} --no-pager -n 20 2>&1; "
        ));
    }
    for l in &spec.logs {
        s.push_str(&format!(
            "echo '### tail -n 20 {l}'; tail -n 20 {} 2>&1; ",
            sh_quote(l)
        ));
    }
    let socket = match kind {
        CheckKind::Socket { path, .. } => Some(path.as_str()),
        CheckKind::Http {
            target: HttpTarget::Unix { socket, .. },
            ..
        } => Some(socket.as_str()),
        _ => None,
    };
    if let Some(p) = socket {
        s.push_str(&format!(
            "echo '### namei -l {p}'; namei -l {} 2>&1; ",
            sh_quote(p)
        ));
    }
    s.push_str("true");
    s
}

/// Splits evidence output into its `### title` sections.
pub fn parse_evidence(out: &str) -> Vec<Evidence> {
    let mut v: Vec<Evidence> = Vec::new();
    for line in out.lines() {
        if let Some(t) = line.strip_prefix("### ") {
            v.push(Evidence {
                title: t.to_string(),
                text: String::new(),
            });
        } else if let Some(e) = v.last_mut() {
            e.text.push_str(line);
            e.text.push('\n');
        }
    }
    for e in &mut v {
        let t = e.text.trim_end().to_string();
        e.text = if t.is_empty() {
            "(no output)".into()
        } else {
            t
        };
    }
    v
}

/// Prints `name=<first line of output>` for systemd, Python, nginx and the lab's own probes.
pub fn versions_script(extra: &BTreeMap<String, String>) -> String {
    let mut probes: Vec<(String, String)> = vec![
        ("systemd".into(), "systemctl --version".into()),
        ("python".into(), "python3 --version".into()),
        ("nginx".into(), "nginx -v".into()),
    ];
    probes.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    probes
        .iter()
        .map(|(k, cmd)| {
            format!(
                "v=$( ({cmd}) 2>&1 | head -n1) && echo {}=\"$v\"; ",
                sh_quote(k)
            )
        })
        .collect::<String>()
        + "true"
}

/// `name → version` from [`versions_script`] output: the first token that looks like a version.
pub fn parse_versions(out: &str) -> BTreeMap<String, String> {
    key_values(out)
        .into_iter()
        .filter_map(|(k, v)| {
            let version = v
                .split(|c: char| c.is_whitespace() || c == '/' || c == '(' || c == ')')
                .find(|t| t.starts_with(|c: char| c.is_ascii_digit()))
                .map(str::to_string)?;
            Some((k, version))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(stdout: &str) -> ExecOutput {
        ExecOutput {
            code: 0,
            stdout: stdout.to_string(),
            stderr: String::new(),
        }
    }

    fn status(pid: u32, ppid: u32, uid: u32, gid: u32, state: &str) -> String {
        format!(
            "Name:\tgunicorn\nState:\t{state}\nPid:\t{pid}\nPPid:\t{ppid}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{gid}\t{gid}\t{gid}\t{gid}\n"
        )
    }

    fn table(procs: &[String]) -> String {
        format!(
            "@@passwd\nroot:x:0:0::/root:/bin/sh\nmaiviet:x:1000:1000::/home/maiviet:/bin/bash\n@@group\nroot:x:0:\nwww-data:x:33:\nmaiviet:x:1000:\n@@status\nName:\tsystemd\nState:\tS (sleeping)\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n{}",
            procs.concat()
        )
    }

    fn gunicorn_check() -> CheckKind {
        CheckKind::Processes {
            name: "gunicorn".into(),
            user: Some("maiviet".into()),
            group: Some("www-data".into()),
            count: Some(4),
            masters: Some(1),
            workers: Some(3),
        }
    }

    #[test]
    fn master_and_three_workers_pass() {
        let t = table(&[
            status(10, 1, 1000, 33, "S"),
            status(11, 10, 1000, 33, "S"),
            status(12, 10, 1000, 33, "S"),
            status(13, 10, 1000, 33, "S"),
        ]);
        let v = judge(&gunicorn_check(), &out(&t), &[]);
        assert!(v.passed, "{v:?}");
        assert_eq!(
            v.expected,
            "4 gunicorn processes, 1 master, 3 workers, children of the master, all as user maiviet, all with group www-data"
        );
        assert_eq!(pick_victim(&t, "gunicorn", Pick::Worker), Some(13));
        assert_eq!(pick_victim(&t, "gunicorn", Pick::Master), Some(10));
    }

    #[test]
    fn wrong_group_zombie_and_killed_pid_fail() {
        let wrong_group = table(&[
            status(10, 1, 1000, 1000, "S"),
            status(11, 10, 1000, 1000, "S"),
            status(12, 10, 1000, 1000, "S"),
            status(13, 10, 1000, 1000, "S"),
        ]);
        assert!(!judge(&gunicorn_check(), &out(&wrong_group), &[]).passed);
        // A zombie is not a worker: 3 live processes.
        let zombie = table(&[
            status(10, 1, 1000, 33, "S"),
            status(11, 10, 1000, 33, "S"),
            status(12, 10, 1000, 33, "S"),
            status(13, 10, 1000, 33, "Z (zombie)"),
        ]);
        assert!(!judge(&gunicorn_check(), &out(&zombie), &[]).passed);
        let four = table(&[
            status(10, 1, 1000, 33, "S"),
            status(11, 10, 1000, 33, "S"),
            status(12, 10, 1000, 33, "S"),
            status(13, 10, 1000, 33, "S"),
        ]);
        let v = judge(&gunicorn_check(), &out(&four), &[13]);
        assert!(!v.passed);
        assert!(
            v.seen.contains("killed pid still there: [13]"),
            "{}",
            v.seen
        );
    }

    #[test]
    fn socket_stat_and_proc_net_unix() {
        let kind = CheckKind::Socket {
            path: "/run/gunicorn/gunicorn.sock".into(),
            exists: true,
            owner: Some("maiviet".into()),
            group: Some("www-data".into()),
            mode: None,
            socket_type: Some("stream".into()),
            listening: Some(true),
        };
        let good = "stat=socket|maiviet|www-data|777\n@@unix\n0000: 00000002 00000000 00010000 0001 01 1234 /run/gunicorn/gunicorn.sock\n";
        let v = judge(&kind, &out(good), &[]);
        assert!(v.passed, "{v:?}");
        let v = judge(&kind, &out("missing\n"), &[]);
        assert!(!v.passed);
        assert_eq!(v.seen, "no such file");
        let wrong = good.replace("www-data", "maiviet");
        let v = judge(&kind, &out(&wrong), &[]);
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "a socket owned by maiviet:maiviet, mode 0777, type stream, listening"
        );
    }

    #[test]
    fn service_states() {
        let kind = CheckKind::Service {
            unit: "gunicorn".into(),
            enabled: Some(true),
            active: Some(true),
            failed: None,
        };
        assert!(
            judge(
                &kind,
                &out("enabled=enabled\nactive=active\nfailed=active\n"),
                &[]
            )
            .passed
        );
        let v = judge(
            &kind,
            &out("enabled=static\nactive=active\nfailed=active\n"),
            &[],
        );
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "is-enabled: static, is-active: active, is-failed: active"
        );
    }

    #[test]
    fn http_status_body_and_curl_errors() {
        let kind = CheckKind::Http {
            target: HttpTarget::Tcp {
                url: "http://localhost/".into(),
            },
            status: Some(200),
            body_contains: Some("Hello".into()),
            header: Some("Content-Type: text/plain".into()),
        };
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from my_shop\n";
        assert!(judge(&kind, &out(ok), &[]).passed);
        let bad = "HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\n<html>502</html>";
        let v = judge(&kind, &out(bad), &[]);
        assert!(!v.passed);
        assert!(v.seen.starts_with("HTTP/1.1 502 Bad Gateway"), "{}", v.seen);
        let refused = ExecOutput {
            code: 7,
            stdout: String::new(),
            stderr: "curl: (7) Couldn't connect to server".into(),
        };
        let v = judge(&kind, &refused, &[]);
        assert_eq!(
            v.seen,
            "no response (curl exit 7): curl: (7) Couldn't connect to server"
        );
    }

    #[test]
    fn ports_decode_ipv4_and_ipv6() {
        let tcp = "  sl  local_address rem_address   st\n   0: 00000000:1F40 00000000:0000 0A 0\n   1: 0100007F:0050 00000000:0000 01 0\n   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 0\n";
        assert_eq!(
            listening_tcp(tcp),
            vec![("0.0.0.0".to_string(), 8000), ("::".to_string(), 80)]
        );
        let none_on_8000 = CheckKind::Port {
            port: 8000,
            listening: false,
            address: None,
        };
        let v = judge(&none_on_8000, &out(tcp), &[]);
        assert!(!v.passed);
        assert_eq!(v.seen, "listening on 0.0.0.0:8000");
    }

    #[test]
    fn evidence_sections_and_versions() {
        let ev = parse_evidence("### systemctl status g\nactive\n### namei -l /run/x\n");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[1].text, "(no output)");
        let v = parse_versions(
            "systemd=systemd 252 (252.39-1~deb12u1)\npython=Python 3.11.2\nnginx=nginx version: nginx/1.22.1\ngunicorn=gunicorn (version 23.0.0)\n",
        );
        assert_eq!(v["systemd"], "252");
        assert_eq!(v["python"], "3.11.2");
        assert_eq!(v["nginx"], "1.22.1");
        assert_eq!(v["gunicorn"], "23.0.0");
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("/run/a.sock"), "/run/a.sock");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
