//! The check kinds: what each check of a lab looks at in the container and how it is judged.
//!
//! Each kind is one module and one type implementing [`Kind`]: it parses its own fields from
//! lab.yaml (through [`Fields`], which reports problems at their `file:line:col`), writes one
//! `sh -c` probe, judges the probe's output in pure Rust (so judging is unit-tested without a
//! container), and names what to attach as evidence when it fails. [`KINDS`] lists them once:
//! adding a kind is a new module here and one line in that list.
//!
//! Probes read `/proc`, `/etc/passwd` and `stat` rather than relying on tools a lab image might
//! lack; only `http` needs curl.

use std::any::Any;
use std::fmt;

use crate::exec::ExecOutput;

pub mod command;
pub mod evidence;
mod fields;
pub mod file;
pub mod group;
pub mod http;
pub mod journal;
pub mod listens;
pub mod nginx_test;
pub mod port;
pub mod processes;
pub mod schema;
pub mod service;
pub mod socket;
mod stat;
pub mod systemd_security;
pub mod systemd_verify;
mod text;
pub mod user;

pub use evidence::Evidence;
pub use fields::{parse_mode, Fields};
pub use text::sh_quote;

/// Every check kind, in the order lab.yaml documentation lists them. A check's kind is the
/// key of the one entry whose name it uses (`service: gunicorn`).
pub static KINDS: &[KindDef] = &[
    service::DEF,
    socket::DEF,
    file::DEF,
    user::DEF,
    group::DEF,
    processes::DEF,
    port::DEF,
    listens::DEF,
    http::DEF,
    command::DEF,
    journal::DEF,
    systemd_verify::DEF,
    nginx_test::DEF,
    systemd_security::DEF,
];

/// A check kind as the registry knows it.
pub struct KindDef {
    /// The key that makes a check this kind (`service`, `systemd-verify`).
    pub name: &'static str,
    /// The other keys a check of this kind accepts, besides `id`, `title`, `explains`,
    /// `within` and `before`.
    pub fields: &'static [&'static str],
    /// Whether the key is also a field of other kinds (`user`, `group`): then it names the
    /// kind only when no other kind's key is present.
    pub key_is_also_a_field: bool,
    /// Parses a check of this kind. Returns `None` when it reported a problem.
    pub parse: fn(&mut Fields<'_>) -> Option<Box<dyn Kind>>,
}

/// What one check kind does. Implementations are plain data (the parsed fields); everything
/// that touches the container goes through the probe script and its output.
pub trait Kind: fmt::Debug + Send + Sync + Any {
    /// The kind's name as written in lab.yaml.
    fn name(&self) -> &'static str;
    /// The `sh -c` script whose output [`Kind::judge`] reads.
    fn probe(&self) -> String;
    /// Judges a probe's output.
    fn judge(&self, out: &ExecOutput, cx: &JudgeContext<'_>) -> Verdict;
    /// Units whose `systemctl status` and journal to attach when the check fails, besides the
    /// lab's own `evidence.units`.
    fn evidence_units(&self) -> Vec<&str> {
        Vec::new()
    }
    /// A Unix socket whose path to show with `namei -l` when the check fails.
    fn evidence_socket(&self) -> Option<&str> {
        None
    }
    /// For tests and callers that need the concrete kind.
    fn as_any(&self) -> &dyn Any;
}

/// What a judgement may need besides the probe's output.
#[derive(Debug, Default, Clone, Copy)]
pub struct JudgeContext<'a> {
    /// Pids a `kill` action just signalled: a processes check passes only once they are gone
    /// (so "back to 4" is not the old process still dying).
    pub killed: &'a [u32],
}

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

impl Verdict {
    /// A verdict from its three parts.
    pub fn new(passed: bool, expected: impl Into<String>, seen: impl Into<String>) -> Verdict {
        Verdict {
            passed,
            expected: expected.into(),
            seen: seen.into(),
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the kinds' unit tests.

    use super::*;

    /// A successful probe output with this stdout.
    pub fn out(stdout: &str) -> ExecOutput {
        ExecOutput {
            code: 0,
            stdout: stdout.to_string(),
            stderr: String::new(),
        }
    }

    /// Judges with no killed pids.
    pub fn judge(kind: &dyn Kind, out: &ExecOutput) -> Verdict {
        kind.judge(out, &JudgeContext::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_field_list_is_sorted_out() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "two kinds share a name");
        for k in KINDS {
            assert!(
                !k.fields.contains(&k.name) || k.key_is_also_a_field,
                "{}",
                k.name
            );
            for common in ["id", "title", "explains", "within", "before"] {
                assert!(!k.fields.contains(&common), "{} lists {common}", k.name);
            }
        }
    }
}
