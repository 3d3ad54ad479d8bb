//! `user: NAME` with `exists`, `member-of`: a user account and its groups, from `getent` and
//! `id -Gn`.

use std::any::Any;

use super::text::{key_values, sh_quote};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "user",
    fields: &["exists", "member-of"],
    key_is_also_a_field: true,
    parse,
};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user name.
    pub name: String,
    /// Whether it must exist (default true).
    pub exists: bool,
    /// Groups it must belong to.
    pub member_of: Vec<String>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = User {
        name: f.key("a user name"),
        exists: f.flag("exists").unwrap_or(true),
        member_of: f
            .get("member-of", "a list of group names")
            .unwrap_or_default(),
    };
    f.finish(kind)
}

impl Kind for User {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        format!(
            "getent passwd {n} && echo \"groups=$(id -Gn {n})\"; true",
            n = sh_quote(&self.name)
        )
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let name = &self.name;
        let line = out.stdout.lines().next().unwrap_or("");
        let found = line.starts_with(&format!("{name}:"));
        if !self.exists {
            return Verdict::new(!found, format!("no user {name}"), line.to_string());
        }
        let kv = key_values(&out.stdout);
        let groups: Vec<&str> = kv
            .get("groups")
            .map(|g| g.split_whitespace().collect())
            .unwrap_or_default();
        let missing: Vec<&String> = self
            .member_of
            .iter()
            .filter(|g| !groups.contains(&g.as_str()))
            .collect();
        let mut exp = format!("user {name} exists");
        if !self.member_of.is_empty() {
            exp.push_str(&format!(", in groups {}", self.member_of.join(" ")));
        }
        let seen = if found {
            format!("{line}; groups: {}", groups.join(" "))
        } else {
            format!("no user {name}")
        };
        Verdict::new(found && missing.is_empty(), exp, seen)
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
    fn membership_is_required_of_every_listed_group() {
        let kind = User {
            name: "maiviet".into(),
            exists: true,
            member_of: vec!["www-data".into()],
        };
        let line = "maiviet:x:1000:1000::/home/maiviet:/bin/bash\n";
        assert!(judge(&kind, &out(&format!("{line}groups=maiviet www-data\n"))).passed);
        let v = judge(&kind, &out(&format!("{line}groups=maiviet\n")));
        assert!(!v.passed);
        assert_eq!(v.expected, "user maiviet exists, in groups www-data");
        assert_eq!(judge(&kind, &out("")).seen, "no user maiviet");
    }
}
