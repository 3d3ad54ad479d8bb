//! `command: CMD` with `exit`, `stdout-contains`, `stdout-not-contains`, `stderr-contains`: a
//! shell command's exit code and output.

use std::any::Any;

use super::text::excerpt;
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "command",
    fields: &[
        "exit",
        "stdout-contains",
        "stdout-not-contains",
        "stderr-contains",
    ],
    key_is_also_a_field: false,
    parse,
};

/// A command's exit code and output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command, run with `sh -c`.
    pub run: String,
    /// The exit code expected (default 0).
    pub exit: i32,
    /// Text stdout must contain.
    pub stdout_contains: Option<String>,
    /// Text stdout must not contain.
    pub stdout_not_contains: Option<String>,
    /// Text stderr must contain.
    pub stderr_contains: Option<String>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = Command {
        run: f.key("a shell command"),
        exit: f.get("exit", "an exit code").unwrap_or(0),
        stdout_contains: f.text("stdout-contains"),
        stdout_not_contains: f.text("stdout-not-contains"),
        stderr_contains: f.text("stderr-contains"),
    };
    f.finish(kind)
}

impl Kind for Command {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        self.run.clone()
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let mut ok = out.code == self.exit;
        let mut exp = vec![format!("exit {}", self.exit)];
        if let Some(s) = &self.stdout_contains {
            ok &= out.stdout.contains(s.as_str());
            exp.push(format!("stdout containing {s:?}"));
        }
        if let Some(s) = &self.stdout_not_contains {
            ok &= !out.stdout.contains(s.as_str());
            exp.push(format!("stdout not containing {s:?}"));
        }
        if let Some(s) = &self.stderr_contains {
            ok &= out.stderr.contains(s.as_str());
            exp.push(format!("stderr containing {s:?}"));
        }
        let seen = format!(
            "exit {}; stdout: {}; stderr: {}",
            out.code,
            excerpt(&out.stdout),
            excerpt(&out.stderr)
        );
        Verdict::new(ok, exp.join(", "), seen)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_and_both_streams() {
        let kind = Command {
            run: "python3 -c 'import django'".into(),
            exit: 0,
            stdout_contains: None,
            stdout_not_contains: Some("Traceback".into()),
            stderr_contains: None,
        };
        let ok = ExecOutput::default();
        assert!(kind.judge(&ok, &JudgeContext::default()).passed);
        let failed = ExecOutput {
            code: 1,
            stdout: String::new(),
            stderr: "ModuleNotFoundError: No module named 'django'\n".into(),
        };
        let v = kind.judge(&failed, &JudgeContext::default());
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "exit 1; stdout: (empty); stderr: ModuleNotFoundError: No module named 'django'"
        );
    }
}
