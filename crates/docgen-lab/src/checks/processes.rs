//! `processes: NAME` with `user`, `group`, `count`, `masters`, `workers`: the processes of a
//! name (zombies not counted) and their pre-fork tree, from `/proc/*/status`, `/etc/passwd` and
//! `/etc/group` in one read. Kill actions (`before: { kill: NAME, pick: worker }`) pick their
//! victim from the same table.

use std::any::Any;
use std::collections::BTreeMap;

use super::text::section;
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "processes",
    fields: &["user", "group", "count", "masters", "workers"],
    key_is_also_a_field: false,
    parse,
};

/// Reads /etc/passwd, /etc/group and every process's status in one go.
const PROCESS_TABLE: &str = "echo '@@passwd'; cat /etc/passwd; echo '@@group'; cat /etc/group; \
echo '@@status'; cat /proc/[0-9]*/status 2>/dev/null; true";

/// Processes by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processes {
    /// The process name (`comm`, as `ps -C` matches it).
    pub name: String,
    /// Every matching process runs as this user.
    pub user: Option<String>,
    /// Every matching process runs with this group.
    pub group: Option<String>,
    /// How many match.
    pub count: Option<u32>,
    /// Matching processes whose parent does not match (pre-fork masters).
    pub masters: Option<u32>,
    /// Matching processes whose parent is a master; all others must be masters.
    pub workers: Option<u32>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = Processes {
        name: f.key("a process name"),
        user: f.text("user"),
        group: f.text("group"),
        count: f.get("count", "a whole number"),
        masters: f.get("masters", "a whole number"),
        workers: f.get("workers", "a whole number"),
    };
    f.finish(kind)
}

impl Kind for Processes {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        PROCESS_TABLE.to_string()
    }

    fn judge(&self, out: &ExecOutput, cx: &JudgeContext<'_>) -> Verdict {
        self.judge_table(&ProcessTable::parse(&out.stdout), cx.killed)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Processes {
    fn judge_table(&self, table: &ProcessTable, killed: &[u32]) -> Verdict {
        let name = &self.name;
        let (all, ms, ws) = table.tree(name);
        let mut exp = Vec::new();
        let mut ok = true;
        if let Some(c) = self.count {
            ok &= all.len() == c as usize;
            exp.push(format!("{c} {name} processes"));
        }
        if let Some(m) = self.masters {
            ok &= ms.len() == m as usize;
            exp.push(format!("{m} master"));
        }
        if let Some(w) = self.workers {
            // Every non-master must be a worker of a master: no stray grandchildren.
            ok &= ws.len() == w as usize && ms.len() + ws.len() == all.len();
            exp.push(format!("{w} workers, children of the master"));
        }
        if self.count.is_none() && self.masters.is_none() && self.workers.is_none() {
            ok &= !all.is_empty();
            exp.push(format!("at least one {name} process"));
        }
        if let Some(u) = &self.user {
            ok &= all.iter().all(|p| p.user == *u);
            exp.push(format!("all as user {u}"));
        }
        if let Some(g) = &self.group {
            ok &= all.iter().all(|p| p.group == *g);
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
        // Masters, then workers, then the rest, each by pid: the probe lists /proc in the
        // order of its names ("112" before "98"), which is no order to read or compare.
        let mut listed: Vec<(u8, u32, String)> = all
            .iter()
            .map(|p| {
                let (rank, role) = if ms.iter().any(|m| m.pid == p.pid) {
                    (0, "master")
                } else if ws.iter().any(|w| w.pid == p.pid) {
                    (1, "worker")
                } else {
                    (2, "other")
                };
                let line = format!("{} {role} ppid {} {}:{}", p.pid, p.ppid, p.user, p.group);
                (rank, p.pid, line)
            })
            .collect();
        listed.sort();
        let list: Vec<String> = listed.into_iter().map(|(_, _, line)| line).collect();
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
        Verdict::new(ok, exp.join(", "), seen)
    }
}

/// Which matching process a kill action picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// A process whose parent also matches (the newest).
    Worker,
    /// A process whose parent does not match.
    Master,
    /// Any matching process (the newest).
    Any,
}

impl Pick {
    /// The word for it in descriptions (`kill -KILL one gunicorn worker`).
    pub fn name(self) -> &'static str {
        match self {
            Pick::Worker => "worker",
            Pick::Master => "master",
            Pick::Any => "process",
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::super::testing::out;
    use super::*;

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

    fn gunicorn_check() -> Processes {
        Processes {
            name: "gunicorn".into(),
            user: Some("maiviet".into()),
            group: Some("www-data".into()),
            count: Some(4),
            masters: Some(1),
            workers: Some(3),
        }
    }

    fn judge(kind: &Processes, out: &ExecOutput, killed: &[u32]) -> Verdict {
        kind.judge(out, &JudgeContext { killed })
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

    /// The evidence lists the master first, then the workers by pid, whatever order /proc's
    /// names come in ("112" sorts before "98" as text).
    #[test]
    fn seen_lists_master_then_workers_by_pid() {
        let t = table(&[status(112, 98, 1000, 33, "S"), status(98, 1, 1000, 33, "S")]);
        let v = judge(&gunicorn_check(), &out(&t), &[]);
        assert!(!v.passed);
        assert!(
            v.seen.ends_with(
                "98 master ppid 1 maiviet:www-data; 112 worker ppid 98 maiviet:www-data"
            ),
            "{}",
            v.seen
        );
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
}
