//! `group: NAME` with `exists`: a group, from `getent group`.

use std::any::Any;

use super::text::sh_quote;
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "group",
    fields: &["exists"],
    key_is_also_a_field: true,
    parse,
};

/// A group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group name.
    pub name: String,
    /// Whether it must exist (default true).
    pub exists: bool,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = Group {
        name: f.key("a group name"),
        exists: f.flag("exists").unwrap_or(true),
    };
    f.finish(kind)
}

impl Kind for Group {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        format!("getent group {}; true", sh_quote(&self.name))
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let name = &self.name;
        let line = out.stdout.lines().next().unwrap_or("");
        let found = line.starts_with(&format!("{name}:"));
        let seen = if found {
            line.to_string()
        } else {
            format!("no group {name}")
        };
        Verdict::new(
            found == self.exists,
            if self.exists {
                format!("group {name} exists")
            } else {
                format!("no group {name}")
            },
            seen,
        )
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
    fn a_group_that_must_not_exist() {
        let kind = Group {
            name: "www-data".into(),
            exists: false,
        };
        assert!(judge(&kind, &out("")).passed);
        let v = judge(&kind, &out("www-data:x:33:\n"));
        assert!(!v.passed);
        assert_eq!(
            (v.expected.as_str(), v.seen.as_str()),
            ("no group www-data", "www-data:x:33:")
        );
    }
}
