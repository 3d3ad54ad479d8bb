//! `systemd-verify: PATH`: `systemd-analyze verify` of a unit file finds nothing to say.

use std::any::Any;

use super::text::{excerpt, sh_quote};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "systemd-verify",
    fields: &[],
    key_is_also_a_field: false,
    parse,
};

/// `systemd-analyze verify` of a unit file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemdVerify {
    /// The unit file's path in the container.
    pub path: String,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = SystemdVerify {
        path: f.key("the unit file's path"),
    };
    f.finish(kind)
}

impl Kind for SystemdVerify {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        format!("systemd-analyze verify {} 2>&1", sh_quote(&self.path))
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        Verdict::new(
            out.code == 0,
            format!("`systemd-analyze verify {}` finds nothing", self.path),
            if out.code == 0 && out.stdout.trim().is_empty() {
                "clean".to_string()
            } else {
                format!("exit {}: {}", out.code, excerpt(&out.stdout))
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_or_the_complaint() {
        let kind = SystemdVerify {
            path: "/etc/systemd/system/gunicorn.service".into(),
        };
        let clean = ExecOutput::default();
        assert_eq!(kind.judge(&clean, &JudgeContext::default()).seen, "clean");
        let bad = ExecOutput {
            code: 1,
            stdout: "gunicorn.service: Unknown key name 'Usr' in section 'Service', ignoring.\n"
                .into(),
            stderr: String::new(),
        };
        let v = kind.judge(&bad, &JudgeContext::default());
        assert!(!v.passed);
        assert!(
            v.seen.starts_with("exit 1: gunicorn.service: Unknown key"),
            "{}",
            v.seen
        );
    }
}
