//! A fake container engine for unit tests of the runner's logic (ordering, deadlines, actions,
//! variant verdicts, cleanup). It records every call, keeps the files the runner installs, and
//! answers probes through a test-supplied responder that sees that state, so a "unit file"
//! edited by a variant changes what the fake container reports. The real engine is tested by
//! the integration tests, against Docker.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use crate::engine::{BuildRequest, ContainerRequest, Engine, Managed, ManagedImage};
use crate::exec::ExecOutput;

/// What the fake container holds and what happened to it.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Every call, in order (`start`, `exec <script>`, `restart`, `remove <id>`, `build <tag>`).
    pub calls: Vec<String>,
    /// Images that exist.
    pub images: BTreeSet<String>,
    /// Files installed: dest → content.
    pub files: BTreeMap<String, String>,
    /// Containers started and not removed.
    pub running: BTreeSet<String>,
    /// Containers removed.
    pub removed: Vec<String>,
    /// Probe calls per script, for "passes on the third attempt".
    pub attempts: BTreeMap<String, u32>,
    /// Restarts so far.
    pub restarts: u32,
    /// What `is-system-running --wait` answers.
    pub boot_state: String,
    /// Images docgen labelled (for `lab gc --images`).
    pub managed_images: Vec<ManagedImage>,
    /// References a container uses: removing them fails.
    pub images_in_use: BTreeSet<String>,
    /// The deadline each probe was given, by script.
    pub timeouts: BTreeMap<String, Duration>,
}

type Responder = Box<dyn Fn(&mut State, &str) -> ExecOutput + Send + Sync>;

/// The fake engine.
pub(crate) struct FakeEngine {
    pub state: Mutex<State>,
    responder: Responder,
    /// Called on every exec, e.g. to cancel a run midway.
    pub on_exec: Box<dyn Fn(&str) + Send + Sync>,
}

/// An exec result with this stdout and exit 0.
pub(crate) fn ok(stdout: &str) -> ExecOutput {
    ExecOutput {
        code: 0,
        stdout: stdout.to_string(),
        stderr: String::new(),
    }
}

impl FakeEngine {
    /// A fake with the base image present and `responder` answering probes.
    pub fn new(
        responder: impl Fn(&mut State, &str) -> ExecOutput + Send + Sync + 'static,
    ) -> FakeEngine {
        let mut state = State {
            boot_state: "running".into(),
            ..State::default()
        };
        state.images.insert("docgen-base:bookworm".into());
        FakeEngine {
            state: Mutex::new(state),
            responder: Box::new(responder),
            on_exec: Box::new(|_| {}),
        }
    }

    /// The calls so far, probes shortened to their first word or marker.
    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }
}

/// Decodes the runner's install script back into files.
fn parse_install(script: &str, files: &mut BTreeMap<String, String>) {
    let mut lines = script.lines();
    while let Some(l) = lines.next() {
        let Some(dest) = l.strip_prefix("# docgen-file ") else {
            continue;
        };
        let mut b64 = String::new();
        for l in lines.by_ref() {
            if l == "DOCGEN_EOF" {
                break;
            }
            if !l.starts_with("mkdir") && !l.starts_with("base64") {
                b64.push_str(l);
            }
        }
        files.insert(
            dest.to_string(),
            String::from_utf8_lossy(&unbase64(&b64)).into_owned(),
        );
    }
}

fn unbase64(s: &str) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let vals: Vec<u32> = s
        .bytes()
        .filter_map(|b| A.iter().position(|a| *a == b).map(|p| p as u32))
        .collect();
    let mut out = Vec::new();
    for chunk in vals.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, v)| n | (v << (18 - 6 * i)));
        for k in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * k)) as u8);
        }
    }
    out
}

impl Engine for FakeEngine {
    fn name(&self) -> &str {
        "fake"
    }

    fn image_id(&self, reference: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .state
            .lock()
            .unwrap()
            .images
            .contains(reference)
            .then(|| format!("sha256:{reference}")))
    }

    fn build(&self, req: &BuildRequest, _: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
        let mut s = self.state.lock().unwrap();
        s.calls.push(format!("build {}", req.tag));
        s.images.insert(req.tag.clone());
        Ok(())
    }

    fn start(&self, req: &ContainerRequest) -> anyhow::Result<String> {
        let mut s = self.state.lock().unwrap();
        s.calls.push("start".into());
        s.running.insert(req.name.clone());
        Ok(req.name.clone())
    }

    fn exec(
        &self,
        _container: &str,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
    ) -> anyhow::Result<ExecOutput> {
        (self.on_exec)(script);
        let mut s = self.state.lock().unwrap();
        if let Some(bytes) = stdin {
            s.calls.push("install".into());
            parse_install(&String::from_utf8_lossy(bytes), &mut s.files);
            return Ok(ok(""));
        }
        if script.contains("is-system-running") {
            s.calls.push("boot-wait".into());
            let state = s.boot_state.clone();
            return Ok(ok(&format!("{state}\n")));
        }
        if script.contains("systemctl --version") {
            return Ok(ok("systemd=systemd 252 (252.1)\n"));
        }
        if script.starts_with("echo '### ") {
            s.calls.push("evidence".into());
            return Ok(ok("### systemctl status app\nfake status\n"));
        }
        *s.attempts.entry(script.to_string()).or_default() += 1;
        s.timeouts.insert(script.to_string(), timeout);
        let short: String = script.chars().take(60).collect();
        s.calls.push(format!("exec {short}"));
        Ok((self.responder)(&mut s, script))
    }

    fn restart(&self, _container: &str) -> anyhow::Result<()> {
        let mut s = self.state.lock().unwrap();
        s.calls.push("restart".into());
        s.restarts += 1;
        Ok(())
    }

    fn remove(&self, container: &str) -> anyhow::Result<()> {
        let mut s = self.state.lock().unwrap();
        s.calls.push(format!("remove {container}"));
        s.running.remove(container);
        s.removed.push(container.to_string());
        Ok(())
    }

    fn managed_containers(&self) -> anyhow::Result<Vec<Managed>> {
        Ok(Vec::new())
    }

    fn managed_networks(&self) -> anyhow::Result<Vec<Managed>> {
        Ok(Vec::new())
    }

    fn remove_network(&self, _id: &str) -> anyhow::Result<()> {
        Ok(())
    }

    fn managed_images(&self) -> anyhow::Result<Vec<ManagedImage>> {
        Ok(self.state.lock().unwrap().managed_images.clone())
    }

    fn remove_image(&self, reference: &str) -> anyhow::Result<()> {
        let mut s = self.state.lock().unwrap();
        s.calls.push(format!("rmi {reference}"));
        if s.images_in_use.contains(reference) {
            anyhow::bail!("conflict: unable to remove repository reference \"{reference}\" (must force) - container is using its referenced image");
        }
        s.managed_images
            .retain(|i| i.reference.as_deref().unwrap_or(&i.id) != reference);
        Ok(())
    }

    fn shell(&self, _container: &str) -> anyhow::Result<i32> {
        Ok(0)
    }

    fn import(
        &self,
        _tarball: &std::path::Path,
        image: &str,
        _changes: &[String],
        _message: &str,
    ) -> anyhow::Result<String> {
        let mut s = self.state.lock().unwrap();
        s.calls.push(format!("import {image}"));
        s.images.insert(image.to_string());
        Ok(format!("sha256:{image}"))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Instant;

    #[test]
    fn lab_gc_images_keeps_each_labs_newest_image_and_what_is_in_use() {
        use crate::engine::{prune_images, ManagedImage};
        let img = |id: &str, r: Option<&str>, created: &str| ManagedImage {
            id: id.into(),
            reference: r.map(str::to_string),
            created: created.into(),
        };
        let fake = FakeEngine::new(|_, _| ok(""));
        fake.state.lock().unwrap().managed_images = vec![
            img(
                "a1",
                Some("docgen-lab-web:00000000000000a1"),
                "2026-11-20T10:00:00Z",
            ),
            img(
                "a2",
                Some("docgen-lab-web:00000000000000a2"),
                "2026-11-21T09:00:00.5Z",
            ),
            img(
                "a3",
                Some("docgen-lab-web:00000000000000a3"),
                "2026-11-19T08:00:00Z",
            ),
            img(
                "b1",
                Some("docgen-lab-db:00000000000000b1"),
                "2026-11-18T08:00:00Z",
            ),
            img(
                "b2",
                Some("docgen-lab-db:00000000000000b2"),
                "2026-11-18T07:00:00Z",
            ),
            // Not hash tags: never removed.
            img("a1", Some("docgen-lab-web:dev"), "2026-11-20T10:00:00Z"),
            img("base", Some("docgen-base:bookworm"), "2026-11-01T00:00:00Z"),
            // A build whose tag moved to a newer image.
            img("old", None, "2026-11-01T00:00:00Z"),
        ];
        fake.state
            .lock()
            .unwrap()
            .images_in_use
            .insert("docgen-lab-web:00000000000000a3".into());
        // Only one lab's images: the other lab's and the untagged one stay.
        let only_db = prune_images(&fake, &["db".to_string()]).unwrap();
        assert_eq!(only_db.removed, ["docgen-lab-db:00000000000000b2"]);
        assert!(only_db.failed.is_empty());
        let p = prune_images(&fake, &[]).unwrap();
        assert_eq!(p.removed, ["docgen-lab-web:00000000000000a1", "old"]);
        assert_eq!(p.failed.len(), 1);
        assert_eq!(p.failed[0].0, "docgen-lab-web:00000000000000a3");
        assert!(
            p.failed[0].1.contains("container is using"),
            "{:?}",
            p.failed
        );
        let left: Vec<Option<String>> = fake
            .state
            .lock()
            .unwrap()
            .managed_images
            .iter()
            .map(|i| i.reference.clone())
            .collect();
        assert_eq!(
            left,
            [
                Some("docgen-lab-web:00000000000000a2".to_string()),
                Some("docgen-lab-web:00000000000000a3".to_string()),
                Some("docgen-lab-db:00000000000000b1".to_string()),
                Some("docgen-lab-web:dev".to_string()),
                Some("docgen-base:bookworm".to_string()),
            ]
        );
        // Run again: only what a container holds is left to try.
        let again = prune_images(&fake, &[]).unwrap();
        assert!(again.removed.is_empty());
        assert_eq!(again.failed.len(), 1);
    }

    use super::*;
    use crate::error::LabError;
    use crate::image::BuildInputs;
    use crate::report::CheckStatus;
    use crate::runner::{Plan, Runner, Settings, Silent};
    use crate::signals::CancelToken;
    use crate::spec::{self, LabSpec};

    const UNIT: &str = "[Service]\nUser=app\nRuntimeDirectory=app\nExecStart=/bin/app --workers 3\n\n[Install]\nWantedBy=multi-user.target\n";

    fn lab(dir: &Path, checks_and_variants: &str) -> LabSpec {
        std::fs::write(dir.join("Containerfile"), "FROM docgen-base:bookworm\n").unwrap();
        std::fs::write(dir.join("app.service"), UNIT).unwrap();
        let text = format!(
            "title: {{ vi: v, en: e }}
image: {{ containerfile: Containerfile }}
files:
  - {{ src: app.service, dest: /etc/systemd/system/app.service }}
steps:
  - run: systemctl enable --now app
{checks_and_variants}"
        );
        spec::parse("demo", dir, Path::new("labs/demo/lab.yaml"), &text)
            .unwrap_or_else(|d| panic!("{}", d[0]))
    }

    fn settings(scratch: &Path) -> Settings {
        let mut s = Settings::new(
            BuildInputs {
                base_image: "docgen-base:bookworm".into(),
                ca_bundle: None,
                pip_index_url: None,
            },
            scratch.to_path_buf(),
        );
        s.poll = Duration::from_millis(10);
        s
    }

    /// A container whose state follows the installed unit: the socket exists only with
    /// RuntimeDirectory; the service is enabled only with an [Install] section.
    fn unit_driven(s: &mut State, script: &str) -> ExecOutput {
        let unit = s
            .files
            .get("/etc/systemd/system/app.service")
            .cloned()
            .unwrap_or_default();
        if script.contains("is-enabled") {
            let enabled = if unit.contains("[Install]") {
                "enabled"
            } else {
                "static"
            };
            return ok(&format!(
                "enabled={enabled}\nactive=active\nfailed=active\n"
            ));
        }
        if script.contains("/run/app/app.sock") {
            return if unit.contains("RuntimeDirectory=app") {
                ok("stat=socket|app|www-data|660\n@@unix\n")
            } else {
                ok("missing\n")
            };
        }
        ok("")
    }

    const CHECKS: &str = "checks:
  - { id: enabled, title: { vi: a, en: a }, service: app, enabled: true }
  - { id: socket, title: { vi: s, en: s }, socket: /run/app/app.sock, group: www-data }
variants:
  - name: no-runtime-dir
    edits: [{ file: app.service, remove: RuntimeDirectory=app }]
    fails: [socket]
  - name: no-install-declared-wrong
    edits: [{ file: app.service, remove: \"[Install]\" }, { file: app.service, remove: RuntimeDirectory=app }]
    fails: [enabled]
";

    #[test]
    fn a_passing_run_installs_files_runs_checks_in_order_and_removes_the_container() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(d.path(), CHECKS);
        let fake = FakeEngine::new(unit_driven);
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let r = runner.run(&Plan::base(&spec), &mut Silent).unwrap();
        assert!(r.passed(), "{r:#?}");
        assert!(r.image_built);
        assert_eq!(r.versions["systemd"], "252");
        let calls = fake.calls();
        let order: Vec<&str> = calls
            .iter()
            .map(|c| c.split_whitespace().next().unwrap_or(""))
            .collect();
        assert_eq!(
            order,
            [
                "build",
                "start",
                "boot-wait",
                "install",
                "exec",
                "exec",
                "exec",
                "remove"
            ],
            "{calls:#?}"
        );
        assert!(
            calls[4].contains("systemctl enable --now app"),
            "{calls:#?}"
        );
        assert!(calls[5].contains("is-enabled app"), "{calls:#?}");
        assert!(fake.state.lock().unwrap().running.is_empty());
        // A second run finds the image: a warm run builds nothing.
        let r = runner.run(&Plan::base(&spec), &mut Silent).unwrap();
        assert!(!r.image_built);
        assert_eq!(
            fake.calls()
                .iter()
                .filter(|c| c.starts_with("build"))
                .count(),
            1
        );
    }

    #[test]
    fn lab_test_passes_a_variant_that_fails_as_declared_and_fails_one_that_does_not() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(d.path(), CHECKS);
        let fake = FakeEngine::new(unit_driven);
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let t = runner.test(&spec, &[], &[], &mut Silent).unwrap();
        assert!(t.base.passed());
        assert!(t.variants[0].ok, "{:#?}", t.variants[0]);
        assert_eq!(t.variants[0].report.failed_checks(), ["socket"]);
        // The second variant breaks both checks but declares only `enabled`.
        let v = &t.variants[1];
        assert!(!v.ok);
        assert!(v.unexpected_passes.is_empty());
        assert_eq!(v.unexpected_failures, ["socket"]);
        assert!(!t.ok);
        // Failed checks carry evidence.
        let sock = &t.variants[0].report.checks[1];
        assert_eq!(sock.evidence[0].title, "systemctl status app");
        // Three runs, three containers, all removed.
        assert_eq!(fake.state.lock().unwrap().removed.len(), 3);
    }

    #[test]
    fn a_declared_failure_that_passes_fails_the_test() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:
  - { id: enabled, title: { vi: a, en: a }, service: app, enabled: true }
variants:
  - name: harmless
    edits: [{ file: app.service, append: \"# comment\" }]
    fails: [enabled]
",
        );
        let fake = FakeEngine::new(unit_driven);
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let t = runner.test(&spec, &[], &[], &mut Silent).unwrap();
        assert!(!t.ok);
        assert_eq!(t.variants[0].unexpected_passes, ["enabled"]);
    }

    #[test]
    fn polling_passes_on_a_later_attempt_within_the_deadline() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:
  - { id: slow, title: { vi: a, en: a }, command: probe-slow, within: 2s }
  - { id: once, title: { vi: a, en: a }, command: probe-once }
",
        );
        let fake = FakeEngine::new(|s, script| {
            let n = s.attempts.get(script).copied().unwrap_or(0);
            match script {
                "probe-slow" if n >= 3 => ok("ready"),
                "probe-once" if n >= 2 => ok("ready"),
                _ => ExecOutput { code: 1, ..ok("") },
            }
        });
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let r = runner.run(&Plan::base(&spec), &mut Silent).unwrap();
        assert_eq!(r.checks[0].status, CheckStatus::Passed);
        assert_eq!(r.checks[0].attempts, 3);
        // No `within`: one attempt, even though a second would pass.
        assert_eq!(r.checks[1].status, CheckStatus::Failed);
        assert_eq!(r.checks[1].attempts, 1);
        assert_eq!(r.checks[1].expected, "exit 0");
    }

    /// `holds`: a port that a crashing server binds for a moment passes one probe, then fails;
    /// with `holds` the check fails, without it the same flap would pass it.
    #[test]
    fn holds_refuses_a_pass_that_does_not_last() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:
  - { id: flap, title: { vi: a, en: a }, command: probe-flap, within: 400ms, holds: 200ms }
  - { id: steady, title: { vi: a, en: a }, command: probe-steady, within: 2s, holds: 200ms }
  - { id: lucky, title: { vi: a, en: a }, command: probe-flap2, within: 2s }
",
        );
        let fake = FakeEngine::new(|s, script| {
            let n = s.attempts.get(script).copied().unwrap_or(0);
            match script {
                "probe-flap" | "probe-flap2" if n == 1 => ok("up"),
                "probe-steady" if n >= 2 => ok("up"),
                _ => ExecOutput { code: 1, ..ok("") },
            }
        });
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let r = runner.run(&Plan::base(&spec), &mut Silent).unwrap();
        assert_eq!(
            r.checks[0].status,
            CheckStatus::Failed,
            "a one-probe pass does not hold"
        );
        assert_eq!(r.checks[1].status, CheckStatus::Passed);
        assert!(
            r.checks[1].duration_ms >= 200,
            "{}",
            r.checks[1].duration_ms
        );
        assert!(r.checks[1].attempts >= 3, "{}", r.checks[1].attempts);
        assert_eq!(
            r.checks[2].status,
            CheckStatus::Passed,
            "without holds one pass is enough"
        );
    }

    #[test]
    fn a_check_that_never_passes_fails_at_its_deadline_not_before() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:
  - { id: never, title: { vi: a, en: a }, command: probe-never, within: 300ms }
",
        );
        let fake = FakeEngine::new(|_, _| ExecOutput { code: 1, ..ok("") });
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let t = Instant::now();
        let r = runner.run(&Plan::base(&spec), &mut Silent).unwrap();
        let c = &r.checks[0];
        assert_eq!(c.status, CheckStatus::Failed);
        assert!(c.attempts >= 5, "{}", c.attempts);
        assert!(c.duration_ms >= 250, "{}", c.duration_ms);
        assert!(t.elapsed() < Duration::from_secs(3));
        assert!(!r.passed());
    }

    #[test]
    fn actions_run_before_their_check_and_restart_waits_for_boot_again() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:
  - { id: first, title: { vi: a, en: a }, command: probe-1 }
  - id: after-restart
    title: { vi: a, en: a }
    command: probe-2
    before: { restart-container: true }
  - id: after-unit-restart
    title: { vi: a, en: a }
    command: probe-3
    before: { restart-unit: app }
",
        );
        let fake = FakeEngine::new(|_, _| ok(""));
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let r = runner.run(&Plan::base(&spec), &mut Silent).unwrap();
        assert!(r.passed(), "{r:#?}");
        assert_eq!(r.checks[1].action.as_deref(), Some("restart the container"));
        let calls = fake.calls();
        let tail: Vec<&str> = calls.iter().skip(5).map(String::as_str).collect();
        assert_eq!(
            &tail[..tail.len() - 1],
            [
                "exec probe-1",
                "restart",
                "boot-wait",
                "exec probe-2",
                "exec systemctl restart app 2>&1",
                "exec probe-3",
            ],
            "{calls:#?}"
        );
        assert!(tail[tail.len() - 1].starts_with("remove docgen-demo-"));
    }

    /// A transcript's `timeout=` is the deadline of each of its commands, and a command the
    /// deadline stopped is reported as that, not as a strange exit code.
    #[test]
    fn a_transcript_timeout_is_its_commands_deadline_and_a_stopped_command_says_so() {
        use crate::transcript::{parse_block, Transcript};
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:\n  - { id: first, title: { vi: a, en: a }, command: probe-1 }\n",
        );
        let transcript = |line: usize, text: &str, timeout: Option<u64>| Transcript {
            page: "content/en/p.md".into(),
            line,
            lab: "demo".into(),
            after: None,
            variant: None,
            recorded: false,
            timeout: timeout.map(Duration::from_secs),
            commands: parse_block(text, line + 1).unwrap(),
        };
        let ts = [
            transcript(3, "# systemctl restart app", Some(60)),
            transcript(9, "# systemctl stop app", None),
        ];
        let fake = FakeEngine::new(|_, script: &str| {
            if script.contains("stop app") {
                ExecOutput { code: -1, ..ok("") }
            } else {
                ok("")
            }
        });
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let plan = Plan {
            spec: &spec,
            variant: None,
            with: Vec::new(),
            transcripts: &ts,
            first_failure: false,
        };
        let r = runner.run(&plan, &mut Silent).unwrap();
        let deadline = |needle: &str| {
            let s = fake.state.lock().unwrap();
            let (_, t) = s.timeouts.iter().find(|(k, _)| k.contains(needle)).unwrap();
            *t
        };
        assert_eq!(deadline("restart app"), Duration::from_secs(60));
        assert_eq!(deadline("stop app"), Duration::from_secs(30));
        assert_eq!(r.failed_checks(), ["transcript:content/en/p.md:9"]);
        let failed = r.checks.iter().find(|c| c.id.ends_with(":9")).unwrap();
        assert_eq!(
            failed.seen,
            "content/en/p.md:10: still running after 30s, so it was stopped (the block can allow more with `timeout=SECONDS`)"
        );
        assert!(
            failed.evidence[0]
                .text
                .ends_with("(stopped after 30s, the page expects exit 0)"),
            "{:?}",
            failed.evidence
        );
    }

    #[test]
    fn a_failed_kill_action_fails_its_check_with_the_reason() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:
  - id: respawn
    title: { vi: a, en: a }
    processes: app
    count: 4
    before: { kill: app, pick: worker, signal: KILL }
",
        );
        // No processes at all: nothing to kill.
        let fake = FakeEngine::new(|_, _| ok("@@passwd\n@@group\n@@status\n"));
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let r = runner.run(&Plan::base(&spec), &mut Silent).unwrap();
        assert_eq!(r.checks[0].status, CheckStatus::Failed);
        assert_eq!(r.checks[0].seen, "no app process to kill");
    }

    #[test]
    fn a_degraded_boot_fails_the_run_skips_checks_and_still_removes_the_container() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(d.path(), CHECKS);
        let fake = FakeEngine::new(unit_driven);
        fake.state.lock().unwrap().boot_state = "degraded".into();
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let r = runner.run(&Plan::base(&spec), &mut Silent).unwrap();
        assert!(!r.passed());
        assert_eq!(
            r.error.as_deref(),
            Some(
                "boot failed: systemd is degraded (`docgen lab doctor` checks what labs need here)"
            )
        );
        assert!(r.checks.iter().all(|c| c.status == CheckStatus::Skipped));
        assert!(!r.evidence.is_empty());
        assert_eq!(fake.state.lock().unwrap().removed.len(), 1);
    }

    #[test]
    fn cancellation_during_checks_removes_the_container_and_reports_the_signal() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:
  - { id: slow, title: { vi: a, en: a }, command: probe-slow, within: 10s }
",
        );
        let cancel = CancelToken::new();
        let mut fake = FakeEngine::new(|_, _| ExecOutput { code: 1, ..ok("") });
        let c2 = cancel.clone();
        fake.on_exec = Box::new(move |script| {
            if script == "probe-slow" {
                c2.cancel(2);
            }
        });
        let runner = Runner::new(&fake, cancel, settings(d.path()));
        let t = Instant::now();
        let err = runner.run(&Plan::base(&spec), &mut Silent).unwrap_err();
        assert_eq!(
            LabError::find(&err),
            Some(&LabError::Cancelled { signal: 2 })
        );
        assert!(t.elapsed() < Duration::from_secs(5));
        assert!(fake.state.lock().unwrap().running.is_empty());
        assert_eq!(fake.state.lock().unwrap().removed.len(), 1);
    }

    #[test]
    fn with_replaces_a_file_and_unknown_names_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(d.path(), CHECKS);
        let mine = d.path().join("mine.service");
        std::fs::write(&mine, "[Service]\nUser=app\n").unwrap();
        let fake = FakeEngine::new(unit_driven);
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let plan = Plan {
            spec: &spec,
            variant: None,
            with: vec![("app.service".into(), mine)],
            transcripts: &[],
            first_failure: false,
        };
        let r = runner.run(&plan, &mut Silent).unwrap();
        assert_eq!(r.failed_checks(), ["enabled", "socket"]);
        assert_eq!(
            fake.state.lock().unwrap().files["/etc/systemd/system/app.service"],
            "[Service]\nUser=app\n"
        );
        let bad = Plan {
            spec: &spec,
            variant: None,
            with: vec![("nope.service".into(), d.path().join("mine.service"))],
            transcripts: &[],
            first_failure: false,
        };
        let e = runner.run(&bad, &mut Silent).unwrap_err().to_string();
        assert!(e.starts_with("--with nope.service=...: `nope.service` is not one of the files lab `demo` installs"), "{e}");
    }

    /// `systemd-security` through the runner: the probe is sent to the container, its output
    /// judged, and a variant that drops the unit's sandbox fails the check with the score.
    #[test]
    fn systemd_security_runs_through_the_runner_and_a_variant_exposes_the_unit() {
        let d = tempfile::tempdir().unwrap();
        let spec = lab(
            d.path(),
            "checks:
  - { id: exposure, title: { vi: x, en: x }, systemd-security: app.service, max-exposure: 5.0 }
variants:
  - name: no-sandbox
    edits: [{ file: app.service, remove: User=app }]
    fails: [exposure]
",
        );
        let fake = FakeEngine::new(|s: &mut State, script: &str| {
            if !script.starts_with("systemd-analyze security") {
                return unit_driven(s, script);
            }
            let unit = s
                .files
                .get("/etc/systemd/system/app.service")
                .cloned()
                .unwrap_or_default();
            let score = if unit.contains("User=app") {
                "4.1 OK"
            } else {
                "9.6 UNSAFE"
            };
            ok(&format!(
                "\u{2717} User=/DynamicUser=  Service runs as root  0.4\n\u{2192} Overall exposure level for app.service: {score} :-)\n"
            ))
        });
        let runner = Runner::new(&fake, CancelToken::new(), settings(d.path()));
        let t = runner.test(&spec, &[], &[], &mut Silent).unwrap();
        assert!(t.ok, "{t:#?}");
        assert_eq!(
            t.base.checks[0].seen,
            "exposure 4.1 OK; costliest: User=/DynamicUser= 0.4"
        );
        let broken = &t.variants[0].report.checks[0];
        assert_eq!(broken.kind, "systemd-security");
        assert!(broken.seen.starts_with("exposure 9.6 UNSAFE"), "{broken:?}");
        assert!(fake
            .calls()
            .iter()
            .any(|c| c.contains("systemd-analyze security --no-pager app.service")));
    }
}
