//! Whether the process that made something is still running.
//!
//! docgen names what it leaves while it works after its process: a build's staging directory
//! (`.book.docgen-new-<stamp>`), a lab's containers and networks (owner labels). The next run
//! sweeps what a killed process left, and must never sweep what a live one is using. A bare pid
//! is not enough: pids are reused, so a stamp is the pid *and* the process's start time (field
//! 22 of `/proc/<pid>/stat`), and a process is the owner only if both match.

use std::fmt;

/// A process, named so that a later process that reuses its pid is not mistaken for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStamp {
    /// The process id.
    pub pid: u32,
    /// Its start time in clock ticks since boot; `None` when it was not recorded (then only
    /// the pid is compared).
    pub start: Option<u64>,
}

impl ProcessStamp {
    /// This process.
    pub fn current() -> ProcessStamp {
        let pid = std::process::id();
        ProcessStamp {
            pid,
            start: start_time(pid),
        }
    }

    /// Whether this process is still running: its pid exists and, when the start time was
    /// recorded, it is the same start time (not a new process that got the pid).
    pub fn is_alive(&self) -> bool {
        let Some(now) = start_time(self.pid) else {
            return false;
        };
        self.start.map_or(true, |recorded| recorded == now)
    }

    /// Whether this is the current process.
    pub fn is_current(&self) -> bool {
        self.pid == std::process::id()
    }

    /// Reads a stamp written by `Display`: `<pid>` or `<pid>.<start>`.
    pub fn parse(s: &str) -> Option<ProcessStamp> {
        let (pid, start) = match s.split_once('.') {
            Some((p, st)) => (p, Some(st.parse().ok()?)),
            None => (s, None),
        };
        Some(ProcessStamp {
            pid: pid.parse().ok()?,
            start,
        })
    }
}

impl fmt::Display for ProcessStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.start {
            Some(s) => write!(f, "{}.{s}", self.pid),
            None => write!(f, "{}", self.pid),
        }
    }
}

/// Field 22 (starttime) of `/proc/<pid>/stat`, or `None` when there is no such process.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces and `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_reused_pid_is_not() {
        let me = ProcessStamp::current();
        assert!(me.start.is_some() && me.is_alive() && me.is_current());
        let reused = ProcessStamp {
            pid: me.pid,
            start: me.start.map(|s| s + 1),
        };
        assert!(
            !reused.is_alive(),
            "same pid, other start time: another process"
        );
        let gone = ProcessStamp {
            pid: i32::MAX as u32 - 7,
            start: None,
        };
        assert!(!gone.is_alive());
    }

    #[test]
    fn stamps_round_trip_through_text() {
        let me = ProcessStamp::current();
        assert_eq!(ProcessStamp::parse(&me.to_string()), Some(me));
        assert_eq!(
            ProcessStamp::parse("42"),
            Some(ProcessStamp {
                pid: 42,
                start: None
            })
        );
        assert_eq!(ProcessStamp::parse("42.x"), None);
        assert_eq!(ProcessStamp::parse("x"), None);
    }
}
