//! What the `file` and `socket` kinds share: one probe that runs `stat` (and `readlink`, the
//! content, the matching `/proc/net/unix` lines) on a path, and the parsing of its output.

use super::text::{section, sh_quote};

/// The probe: `stat=KIND|OWNER|GROUP|MODE`, `target=` for a symlink, `@@content` when
/// `content` is set, `@@unix` lines for the path; `missing` when there is nothing there.
pub(super) fn probe(path: &str, content: bool) -> String {
    let p = sh_quote(path);
    let content = if content {
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

/// A path's type, owner, group, mode and symlink target.
#[derive(Debug)]
pub(super) struct FileStat {
    pub kind: String,
    pub owner: String,
    pub group: String,
    pub mode: u32,
    pub target: Option<String>,
}

impl FileStat {
    pub fn parse(out: &str) -> Option<FileStat> {
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

/// "a socket owned by a:b, mode 0660", or "no such file".
pub(super) fn seen_stat(st: Option<&FileStat>) -> String {
    match st {
        None => "no such file".to_string(),
        Some(s) => format!(
            "a {} owned by {}:{}, mode {:04o}",
            s.kind, s.owner, s.group, s.mode
        ),
    }
}

/// Checks owner, group and mode, adding what was expected to `exp`.
pub(super) fn owner_matches(
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

/// A line of `/proc/net/unix` for the path.
pub(super) struct UnixEntry {
    pub type_code: String,
    pub listening: bool,
}

/// Lines of `/proc/net/unix` after `@@unix`: `Num RefCount Protocol Flags Type St Inode Path`.
pub(super) fn unix_entries(out: &str) -> Vec<UnixEntry> {
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
