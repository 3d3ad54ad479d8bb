//! `service: UNIT` with `enabled`, `active`, `failed`: a systemd unit's state, as
//! `systemctl is-enabled`, `is-active` and `is-failed` report it.

use std::any::Any;

use super::text::{key_values, sh_quote};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "service",
    fields: &["enabled", "active", "failed"],
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
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let unit = f.key("a unit name");
    let (enabled, active, failed) = (f.flag("enabled"), f.flag("active"), f.flag("failed"));
    if enabled.is_none() && active.is_none() && failed.is_none() {
        let id = f.id().to_string();
        f.error(
            &id,
            "a service check needs `enabled`, `active` or `failed`",
            "",
        );
    }
    f.finish(Service {
        unit,
        enabled,
        active,
        failed,
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
             echo \"failed=$(systemctl is-failed {u} 2>&1 | head -n1)\""
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
        let seen = format!(
            "is-enabled: {}, is-active: {}, is-failed: {}",
            get("enabled"),
            get("active"),
            get("failed")
        );
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
}
