//! `systemd-security: UNIT` with `max-exposure`: the exposure score `systemd-analyze security`
//! gives a service (0.0 is locked down, 10.0 is fully exposed) is at most the maximum. The
//! report names the settings that cost the most, so a failure says what to harden first.

use std::any::Any;

use super::text::{excerpt, sh_quote};
use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "systemd-security",
    fields: &["max-exposure"],
    key_is_also_a_field: false,
    parse,
};

/// How exposed a service is, by systemd's own measure.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemdSecurity {
    /// The unit.
    pub unit: String,
    /// The highest exposure score that passes.
    pub max_exposure: f64,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let unit: String = f.key("a unit name");
    let max: Option<f64> = f.get("max-exposure", "a number from 0.0 to 10.0");
    let max_exposure = match max {
        Some(m) if (0.0..=10.0).contains(&m) => m,
        Some(m) => {
            f.error(
                "max-exposure:",
                format!("`max-exposure` is {m}; exposure scores go from 0.0 to 10.0"),
                "systemd calls 0.0-2.0 OK, up to 5.0 MEDIUM, up to 9.0 EXPOSED, above UNSAFE",
            );
            0.0
        }
        None => {
            let id = f.id().to_string();
            f.error(
                &id,
                "a systemd-security check needs `max-exposure`",
                "e.g. `max-exposure: 5.0`; run `systemd-analyze security UNIT` in `docgen lab shell` to see today's score",
            );
            0.0
        }
    };
    f.finish(SystemdSecurity { unit, max_exposure })
}

/// What `systemd-analyze security` said: the overall score and level, and each setting that
/// adds to it.
#[derive(Debug, Clone, PartialEq)]
struct Analysis {
    score: f64,
    level: String,
    costs: Vec<(String, f64)>,
}

impl Analysis {
    fn parse(out: &str) -> Option<Analysis> {
        // `→ Overall exposure level for gunicorn.service: 9.2 UNSAFE 😨` (`->` without UTF-8).
        let overall = out
            .lines()
            .find_map(|l| l.split_once("Overall exposure level for "))?
            .1;
        let mut words = overall.rsplit_once(": ")?.1.split_whitespace();
        let score: f64 = words.next()?.parse().ok()?;
        let level = words.next().unwrap_or("").to_string();
        let mut costs: Vec<(String, f64)> = out
            .lines()
            .filter(|l| !l.contains("Overall exposure level"))
            .filter_map(|l| {
                let t: Vec<&str> = l.split_whitespace().collect();
                let cost: f64 = t.last()?.parse().ok()?;
                // The first word is the ✗/✓ mark (or `-`/`+` without UTF-8), then the setting.
                let name = t.iter().find(|w| w.contains('='))?;
                (cost > 0.0).then(|| (name.to_string(), cost))
            })
            .collect();
        costs.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Some(Analysis {
            score,
            level,
            costs,
        })
    }
}

impl Kind for SystemdSecurity {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        format!(
            "systemd-analyze security --no-pager {} 2>&1",
            sh_quote(&self.unit)
        )
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let expected = format!(
            "`systemd-analyze security {}` exposure at most {:.1}",
            self.unit, self.max_exposure
        );
        let Some(a) = Analysis::parse(&out.stdout) else {
            return Verdict::new(
                false,
                expected,
                format!(
                    "no exposure score (exit {}): {}",
                    out.code,
                    excerpt(&out.stdout)
                ),
            );
        };
        let worst: Vec<String> = a
            .costs
            .iter()
            .take(5)
            .map(|(name, cost)| format!("{name} {cost:.1}"))
            .collect();
        let mut seen = format!("exposure {:.1} {}", a.score, a.level);
        if !worst.is_empty() {
            seen.push_str(&format!("; costliest: {}", worst.join(", ")));
        }
        // Scores are printed with one decimal: compare at that precision.
        let passed = (a.score * 10.0).round() <= (self.max_exposure * 10.0).round();
        Verdict::new(passed, expected, seen)
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

    /// The shape of systemd 252's output, cut down.
    const UNSAFE: &str =
        "  NAME                         DESCRIPTION                                      EXPOSURE
✗ PrivateNetwork=              Service has access to the host's network               0.5
✓ User=/DynamicUser=           Service runs under a static non-root user identity        
✗ ProtectSystem=               Service has full access to the OS file hierarchy       0.2
✗ CapabilityBoundingSet=~CAP_SYS_ADMIN Service has administrator privileges            0.3
✗ RestrictAddressFamilies=~AF_PACKET Service may allocate packet sockets                0.2

→ Overall exposure level for gunicorn.service: 9.2 UNSAFE 😨
";

    fn check(max: f64) -> SystemdSecurity {
        SystemdSecurity {
            unit: "gunicorn.service".into(),
            max_exposure: max,
        }
    }

    #[test]
    fn score_level_and_costliest_settings() {
        let a = Analysis::parse(UNSAFE).unwrap();
        assert_eq!((a.score, a.level.as_str()), (9.2, "UNSAFE"));
        assert_eq!(a.costs[0], ("PrivateNetwork=".to_string(), 0.5));
        let v = judge(&check(5.0), &out(UNSAFE));
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "exposure 9.2 UNSAFE; costliest: PrivateNetwork= 0.5, CapabilityBoundingSet=~CAP_SYS_ADMIN 0.3, ProtectSystem= 0.2, RestrictAddressFamilies=~AF_PACKET 0.2"
        );
        assert!(
            judge(&check(9.2), &out(UNSAFE)).passed,
            "the maximum itself passes"
        );
    }

    #[test]
    fn ascii_arrow_and_a_unit_that_is_not_loaded() {
        let ascii = "-> Overall exposure level for app.service: 4.1 OK :-)\n";
        assert!(judge(&check(5.0), &out(ascii)).passed);
        let missing = ExecOutput {
            code: 1,
            stdout: "Unit nope.service not found.\n".into(),
            stderr: String::new(),
        };
        let v = judge(&check(5.0), &missing);
        assert!(!v.passed);
        assert_eq!(
            v.seen,
            "no exposure score (exit 1): Unit nope.service not found."
        );
    }
}
