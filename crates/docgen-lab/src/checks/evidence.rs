//! What a run collects besides the verdicts: the evidence attached to a failed check (the
//! units' status and journal, log tails, `namei -l` of a socket path) and the versions of the
//! software the lab ran.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::text::{key_values, sh_quote};
use super::Kind;

/// A piece of evidence attached to a failure: a title (the command) and its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What was run (`systemctl status gunicorn`).
    pub title: String,
    /// Its output.
    pub text: String,
}

/// The evidence script for a failed check: the lab's units (status and journal), its logs, and
/// `namei -l` of any socket the check is about. Sections start with `### title`.
pub fn evidence_script(units: &[String], logs: &[String], kind: &dyn Kind) -> String {
    let mut units: Vec<String> = units.to_vec();
    for unit in kind.evidence_units().into_iter().rev() {
        if !units.iter().any(|u| u == unit) {
            units.insert(0, unit.to_string());
        }
    }
    let mut s = String::new();
    for u in &units {
        let q = sh_quote(u);
        s.push_str(&format!(
            "echo '### systemctl status {u}'; systemctl status --no-pager -l -n 0 {q} 2>&1 | head -n 25; \
             echo '### journalctl -u {u} -n 20'; journalctl -u {q} --no-pager -n 20 2>&1; "
        ));
    }
    for l in logs {
        s.push_str(&format!(
            "echo '### tail -n 20 {l}'; tail -n 20 {} 2>&1; ",
            sh_quote(l)
        ));
    }
    let socket = kind.evidence_socket();
    if let Some(p) = socket {
        s.push_str(&format!(
            "echo '### namei -l {p}'; namei -l {} 2>&1; ",
            sh_quote(p)
        ));
    }
    s.push_str("true");
    s
}

/// Splits evidence output into its `### title` sections.
pub fn parse_evidence(out: &str) -> Vec<Evidence> {
    let mut v: Vec<Evidence> = Vec::new();
    for line in out.lines() {
        if let Some(t) = line.strip_prefix("### ") {
            v.push(Evidence {
                title: t.to_string(),
                text: String::new(),
            });
        } else if let Some(e) = v.last_mut() {
            e.text.push_str(line);
            e.text.push('\n');
        }
    }
    for e in &mut v {
        let t = e.text.trim_end().to_string();
        e.text = if t.is_empty() {
            "(no output)".into()
        } else {
            t
        };
    }
    v
}

/// Prints `name=<first line of output>` for systemd, Python, nginx and the lab's own probes.
pub fn versions_script(extra: &BTreeMap<String, String>) -> String {
    let mut probes: Vec<(String, String)> = vec![
        ("systemd".into(), "systemctl --version".into()),
        ("python".into(), "python3 --version".into()),
        ("nginx".into(), "nginx -v".into()),
    ];
    probes.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    probes
        .iter()
        .map(|(k, cmd)| {
            format!(
                "v=$( ({cmd}) 2>&1 | head -n1) && echo {}=\"$v\"; ",
                sh_quote(k)
            )
        })
        .collect::<String>()
        + "true"
}

/// `name → version` from [`versions_script`] output: the first token that looks like a version.
pub fn parse_versions(out: &str) -> BTreeMap<String, String> {
    key_values(out)
        .into_iter()
        .filter_map(|(k, v)| {
            let version = v
                .split(|c: char| c.is_whitespace() || c == '/' || c == '(' || c == ')')
                .find(|t| t.starts_with(|c: char| c.is_ascii_digit()))
                .map(str::to_string)?;
            Some((k, version))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_sections_and_versions() {
        let ev = parse_evidence("### systemctl status g\nactive\n### namei -l /run/x\n");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[1].text, "(no output)");
        let v = parse_versions(
            "systemd=systemd 252 (252.39-1~deb12u1)\npython=Python 3.11.2\nnginx=nginx version: nginx/1.22.1\ngunicorn=gunicorn (version 23.0.0)\n",
        );
        assert_eq!(v["systemd"], "252");
        assert_eq!(v["python"], "3.11.2");
        assert_eq!(v["nginx"], "1.22.1");
        assert_eq!(v["gunicorn"], "23.0.0");
    }

    #[test]
    fn a_kinds_unit_comes_first_and_its_socket_gets_namei() {
        use crate::checks::http::{Http, HttpTarget};
        use crate::checks::service::Service;
        let service = Service {
            unit: "gunicorn".into(),
            enabled: None,
            active: Some(true),
            failed: None,
            tasks: None,
        };
        let units = ["nginx".to_string()];
        let script = evidence_script(&units, &["/var/log/nginx/error.log".into()], &service);
        assert!(script.find("status gunicorn").unwrap() < script.find("status nginx").unwrap());
        // A unit the lab already lists is not shown twice.
        let both = ["nginx".to_string(), "gunicorn".to_string()];
        let script = evidence_script(&both, &["/var/log/nginx/error.log".into()], &service);
        assert_eq!(
            script.matches("### systemctl status ").count(),
            2,
            "{script}"
        );
        assert!(script.contains("tail -n 20 /var/log/nginx/error.log"));
        assert!(!script.contains("namei"));
        let http = Http {
            target: HttpTarget::Unix {
                socket: "/run/gunicorn/gunicorn.sock".into(),
                path: "/".into(),
            },
            status: Some(200),
            body_contains: None,
            header: None,
        };
        let script = evidence_script(&[], &[], &http);
        assert!(
            script.contains("namei -l /run/gunicorn/gunicorn.sock"),
            "{script}"
        );
    }
}
