//! `file: PATH` with `exists`, `type`, `owner`, `group`, `mode`, `contains`, `not-contains`,
//! `target`: a file, directory or symlink, from `stat`, `readlink` and its first 256 KiB.

use std::any::Any;

use super::stat::{owner_matches, probe, seen_stat, FileStat};
use super::text::{section, words};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "file",
    fields: &[
        "exists",
        "type",
        "owner",
        "group",
        "mode",
        "contains",
        "not-contains",
        "target",
    ],
    key_is_also_a_field: false,
    parse,
};

/// A file, directory or symlink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its path.
    pub path: String,
    /// Whether it must exist (default true).
    pub exists: bool,
    /// `file`, `directory`, `symlink` or `socket`.
    pub file_type: Option<String>,
    /// Owning user.
    pub owner: Option<String>,
    /// Owning group.
    pub group: Option<String>,
    /// Octal mode.
    pub mode: Option<u32>,
    /// Text the file must contain.
    pub contains: Option<String>,
    /// Text the file must not contain.
    pub not_contains: Option<String>,
    /// Where a symlink points.
    pub target: Option<String>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = File {
        path: f.key("a path"),
        exists: f.flag("exists").unwrap_or(true),
        file_type: f.one_of(
            "type",
            &["file", "directory", "symlink", "socket"],
            "file type",
        ),
        owner: f.text("owner"),
        group: f.text("group"),
        mode: f.mode("mode"),
        contains: f.text("contains"),
        not_contains: f.text("not-contains"),
        target: f.text("target"),
    };
    f.finish(kind)
}

impl Kind for File {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        probe(
            &self.path,
            self.contains.is_some() || self.not_contains.is_some(),
        )
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let st = FileStat::parse(&out.stdout);
        if !self.exists {
            return Verdict::new(st.is_none(), "does not exist", seen_stat(st.as_ref()));
        }
        let Some(st) = st else {
            return Verdict::new(false, "exists", "no such file");
        };
        let mut exp = Vec::new();
        let mut ok = true;
        if let Some(t) = &self.file_type {
            ok &= st.kind == *t;
            exp.push(format!("a {t}"));
        }
        ok &= owner_matches(
            &st,
            self.owner.as_deref(),
            self.group.as_deref(),
            self.mode,
            &mut exp,
        );
        let mut seen = seen_stat(Some(&st));
        if let Some(t) = &self.target {
            ok &= st.target.as_deref() == Some(t.as_str());
            exp.push(format!("pointing to {t}"));
            seen.push_str(&format!(
                ", pointing to {}",
                st.target.as_deref().unwrap_or("(not a symlink)")
            ));
        }
        let content = section(&out.stdout, "@@content");
        if let Some(c) = &self.contains {
            let has = content.as_deref().is_some_and(|t| t.contains(c.as_str()));
            ok &= has;
            exp.push(format!("containing {c:?}"));
            if !has {
                seen.push_str(&format!(", does not contain {c:?}"));
            }
        }
        if let Some(c) = &self.not_contains {
            let has = content.as_deref().is_some_and(|t| t.contains(c.as_str()));
            ok &= !has;
            exp.push(format!("not containing {c:?}"));
            if has {
                seen.push_str(&format!(", contains {c:?}"));
            }
        }
        Verdict::new(ok, words(&exp, "exists"), seen)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{judge, out};
    use super::*;

    fn runtime_dir() -> File {
        File {
            path: "/run/gunicorn".into(),
            exists: true,
            file_type: Some("directory".into()),
            owner: Some("maiviet".into()),
            group: None,
            mode: Some(0o755),
            contains: None,
            not_contains: None,
            target: None,
        }
    }

    #[test]
    fn type_owner_and_mode_must_all_match() {
        let kind = runtime_dir();
        assert!(kind.probe().contains("stat -c"));
        assert!(
            !kind.probe().contains("@@content"),
            "no content read when not asked"
        );
        assert!(judge(&kind, &out("stat=directory|maiviet|maiviet|755\n@@unix\n")).passed);
        let v = judge(&kind, &out("stat=directory|root|root|755\n@@unix\n"));
        assert!(!v.passed);
        assert_eq!(v.expected, "a directory, owner maiviet, mode 0755");
        assert_eq!(v.seen, "a directory owned by root:root, mode 0755");
        assert_eq!(judge(&kind, &out("missing\n")).seen, "no such file");
    }

    #[test]
    fn contents_and_symlink_targets() {
        let kind = File {
            path: "/etc/nginx/sites-enabled/my_shop".into(),
            target: Some("/etc/nginx/sites-available/my_shop".into()),
            contains: Some("proxy_pass".into()),
            file_type: None,
            mode: None,
            owner: None,
            ..runtime_dir()
        };
        assert!(kind.probe().contains("@@content"));
        let link = "stat=symbolic link|root|root|777\ntarget=/etc/nginx/sites-available/my_shop\n@@content\nproxy_pass http://x;\n@@unix\n";
        assert!(judge(&kind, &out(link)).passed);
        let v = judge(&kind, &out(&link.replace("proxy_pass", "root")));
        assert!(!v.passed);
        assert!(
            v.seen.ends_with(", does not contain \"proxy_pass\""),
            "{}",
            v.seen
        );
    }
}
