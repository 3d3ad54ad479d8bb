//! `nginx-test: true`: `nginx -t` accepts the configuration.

use std::any::Any;

use super::text::excerpt;
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "nginx-test",
    fields: &[],
    key_is_also_a_field: false,
    parse,
};

/// `nginx -t`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxTest;

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    if f.key::<Option<bool>>("true") != Some(true) {
        f.error("nginx-test", "write `nginx-test: true`", "");
    }
    f.finish(NginxTest)
}

impl Kind for NginxTest {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        "nginx -t 2>&1".to_string()
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        Verdict::new(
            out.code == 0,
            "`nginx -t` succeeds",
            format!("exit {}: {}", out.code, excerpt(&out.stdout)),
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
    fn the_exit_code_decides() {
        let bad = ExecOutput {
            code: 1,
            stdout: "nginx: [emerg] unknown directive \"proxy_pas\"\n".into(),
            stderr: String::new(),
        };
        let v = NginxTest.judge(&bad, &JudgeContext::default());
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "exit 1: nginx: [emerg] unknown directive \"proxy_pas\""
        );
        assert!(
            NginxTest
                .judge(&ExecOutput::default(), &JudgeContext::default())
                .passed
        );
    }
}
