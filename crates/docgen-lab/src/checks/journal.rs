//! `journal: UNIT` with `contains`, `not-contains`: a line in (or absent from) a unit's journal.

use std::any::Any;

use super::text::{excerpt, sh_quote};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::{last_lines, ExecOutput};

pub(super) const DEF: KindDef = KindDef {
    name: "journal",
    fields: &["contains", "not-contains"],
    key_is_also_a_field: false,
    parse,
};

/// A unit's journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    /// The unit.
    pub unit: String,
    /// Text a journal line must contain.
    pub contains: Option<String>,
    /// Text no journal line may contain.
    pub not_contains: Option<String>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = Journal {
        unit: f.key("a unit name"),
        contains: f.text("contains"),
        not_contains: f.text("not-contains"),
    };
    f.finish(kind)
}

impl Kind for Journal {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        format!(
            "journalctl -u {} --no-pager -o cat -n 5000 2>&1",
            sh_quote(&self.unit)
        )
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let unit = &self.unit;
        let mut ok = out.code == 0;
        let mut exp = Vec::new();
        let mut seen = Vec::new();
        if let Some(c) = &self.contains {
            let line = out.stdout.lines().find(|l| l.contains(c.as_str()));
            ok &= line.is_some();
            exp.push(format!("a line of {unit}'s journal containing {c:?}"));
            seen.push(match line {
                Some(l) => format!("found: {}", l.trim()),
                None => format!(
                    "no such line in {} lines; last: {}",
                    out.stdout.lines().count(),
                    excerpt(&last_lines(&out.stdout, 3))
                ),
            });
        }
        if let Some(c) = &self.not_contains {
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
        Verdict::new(ok, exp.join("; "), seen.join("; "))
    }

    fn evidence_units(&self) -> Vec<&str> {
        vec![&self.unit]
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
    fn a_line_found_and_a_line_that_must_not_be() {
        let kind = Journal {
            unit: "gunicorn".into(),
            contains: Some("Booting worker".into()),
            not_contains: Some("Traceback".into()),
        };
        let log = "Starting gunicorn 23.0.0\nBooting worker with pid: 11\n";
        let v = judge(&kind, &out(log));
        assert!(v.passed, "{v:?}");
        assert_eq!(v.seen, "found: Booting worker with pid: 11");
        let v = judge(
            &kind,
            &out(&format!("{log}Traceback (most recent call last):\n")),
        );
        assert!(!v.passed);
        assert!(
            v.seen
                .ends_with("found: Traceback (most recent call last):"),
            "{}",
            v.seen
        );
    }
}
