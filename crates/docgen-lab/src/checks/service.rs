//! `service: UNIT` with `enabled`, `active`, `failed`, `tasks`: a systemd unit's state, as
//! `systemctl is-enabled`, `is-active` and `is-failed` report it, and the number of tasks in its
//! cgroup (the `Tasks:` line of `systemctl status`).
//!
//! `tasks` is what makes `active` mean "serving" for a pre-fork server: a gunicorn that cannot
//! bind retries for seconds while systemd already says `active`, but it is one task, not a
//! master and its workers.

use std::any::Any;

use super::text::{key_values, sh_quote};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "service",
    fields: &["enabled", "active", "failed", "tasks"],
    key_is_also_a_field: false,
    parse,
};

/// A systemd unit's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The unit.
    pub unit: String,
    /// `systemctl is-enabled` says enabled.
    pub enabled: Option<bool>,
    /// `systemctl is-active` says active.
    pub active: Option<bool>,
    /// `systemctl is-failed` says failed.
    pub failed: Option<bool>,
    /// The unit's cgroup holds exactly this many tasks (processes and threads).
    pub tasks: Option<u32>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let unit = f.key("a unit name");
    let (enabled, active, failed) = (f.flag("enabled"), f.flag("active"), f.flag("failed"));
    let tasks = f.get("tasks", "a whole number");
    if enabled.is_none() && active.is_none() && failed.is_none() && tasks.is_none() {
        let id = f.id().to_string();
        f.error(
            &id,
            "a service check needs `enabled`, `active`, `failed` or `tasks`",
            "",
        );
    }
    f.finish(Service {
        unit,
        enabled,
        active,
        failed,
        tasks,
    })
}

impl Kind for Service {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        let u = sh_quote(&self.unit);
        format!(
            "echo \"enabled=$(systemctl is-enabled {u} 2>&1 | head -n1)\"; \
             echo \"active=$(systemctl is-active {u} 2>&1 | head -n1)\"; \
             echo \"failed=$(systemctl is-failed {u} 2>&1 | head -n1)\"; \
             echo \"tasks=$(systemctl show -p TasksCurrent --value {u} 2>&1 | head -n1)\""
        )
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let kv = key_values(&out.stdout);
        let get = |k: &str| kv.get(k).map(String::as_str).unwrap_or("");
        let mut exp = Vec::new();
        let mut ok = true;
        if let Some(want) = self.enabled {
            // `enabled-runtime`, `static`, `linked` are not what `systemctl enable` makes.
            ok &= (get("enabled") == "enabled") == want;
            exp.push(if want { "enabled" } else { "not enabled" }.to_string());
        }
        if let Some(want) = self.active {
            ok &= (get("active") == "active") == want;
            exp.push(if want { "active" } else { "not active" }.to_string());
        }
        if let Some(want) = self.failed {
            ok &= (get("failed") == "failed") == want;
            exp.push(if want { "failed" } else { "not failed" }.to_string());
        }
        if let Some(want) = self.tasks {
            // `[not set]` (no cgroup, a stopped unit) or an old systemd's huge "unknown" value
            // do not parse, and are not the count wanted.
            ok &= get("tasks").parse::<u32>().ok() == Some(want);
            exp.push(format!("{want} tasks"));
        }
        let mut seen = format!(
            "is-enabled: {}, is-active: {}, is-failed: {}",
            get("enabled"),
            get("active"),
            get("failed")
        );
        if self.tasks.is_some() {
            seen.push_str(&format!(", tasks: {}", get("tasks")));
        }
        Verdict::new(ok, exp.join(", "), seen)
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
    fn service_states() {
        let kind = Service {
            unit: "gunicorn".into(),
            enabled: Some(true),
            active: Some(true),
            failed: None,
            tasks: None,
        };
        assert!(
            judge(
                &kind,
                &out("enabled=enabled\nactive=active\nfailed=active\n")
            )
            .passed
        );
        let v = judge(
            &kind,
            &out("enabled=static\nactive=active\nfailed=active\n"),
        );
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "is-enabled: static, is-active: active, is-failed: active"
        );
    }

    #[test]
    fn tasks_make_active_mean_serving() {
        let kind = Service {
            unit: "gunicorn".into(),
            enabled: None,
            active: Some(true),
            failed: None,
            tasks: Some(4),
        };
        assert!(judge(&kind, &out("active=active\ntasks=4\n")).passed);
        // A master still retrying its bind: active, but alone.
        let v = judge(&kind, &out("active=active\ntasks=1\n"));
        assert!(!v.passed);
        assert_eq!(v.expected, "active, 4 tasks");
        assert!(v.seen.ends_with("tasks: 1"), "{}", v.seen);
        assert!(!judge(&kind, &out("active=inactive\ntasks=[not set]\n")).passed);
    }
}
