//! One run of a lab, and `lab test`.
//!
//! A run: find or build the image → start the container (a [`ContainerGuard`] owns it from
//! then on) → wait for `systemctl is-system-running --wait` under a deadline → install the
//! files (after `--with` replacements and variant edits) → run the steps → read versions → run
//! each check in order, its `before` action first, polling its probe until it passes or its
//! `within` deadline passes → attach evidence to failures → remove the container. A failed check
//! is a result (`Ok(report)`); a missing engine, a failed build or a signal is an error, and the
//! container is removed on every path.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{anyhow, Context};

use crate::checks::evidence::{self, Evidence};
use crate::checks::processes::{pick_victim, process_table_script};
use crate::checks::{sh_quote, JudgeContext};
use crate::claims::{self, Claim, ClaimResult, ClaimStatus, Coverage};
use crate::engine::{container_name, ContainerRequest, Engine, Owner};
use crate::error::LabError;
use crate::exec::ExecOutput;
use crate::image::{self, BuildInputs, BuildNote, Image};
use crate::report::{self, CheckResult, CheckStatus, LabTest, Outcome, Phase, Report, VariantTest};
use crate::signals::CancelToken;
use crate::spec::{Action, Check, LabSpec, Text, Variant};
use crate::transcript::{self, Transcript};
use crate::LABEL_KEEP;

/// What the runner reports as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// A run starts.
    Start {
        /// The lab.
        spec: &'a LabSpec,
        /// The variant, if any.
        variant: Option<&'a str>,
    },
    /// The image is being built (a cache miss).
    Building(&'a str),
    /// A line of build output.
    BuildLine(&'a str),
    /// A phase finished.
    Phase(&'a Phase),
    /// An action is about to run before a check.
    Action {
        /// The check.
        check: &'a str,
        /// What the action does.
        what: &'a str,
    },
    /// A check finished.
    Check(&'a CheckResult),
    /// The container was removed (or kept).
    Teardown {
        /// Its name.
        container: &'a str,
        /// Kept with `--keep`.
        kept: bool,
        /// Why it could not be removed.
        error: Option<String>,
    },
}

/// Receives [`Event`]s.
pub trait Progress {
    /// One event.
    fn event(&mut self, e: &Event<'_>);

    /// The progress of one of several runs going at once (`lab test --jobs N`), named so that
    /// its lines can be told apart from the others'. By default they are not shown.
    fn fork(&self, _run: &str) -> Box<dyn Progress + Send> {
        Box::new(Silent)
    }
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {
    fn event(&mut self, _: &Event<'_>) {}
}

/// Settings of a runner.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Build inputs beyond the lab directory.
    pub inputs: BuildInputs,
    /// Where build contexts are made.
    pub scratch: PathBuf,
    /// Keep the container after the run.
    pub keep: bool,
    /// Deadline for systemd to finish booting.
    pub boot_timeout: Duration,
    /// Time between two attempts of a polling check.
    pub poll: Duration,
    /// Deadline of one probe.
    pub probe_timeout: Duration,
    /// Stop waiting for a failing check once it has seen the same answer twice and the system
    /// has settled, its units' journal quiet this long (see [`Runner::settled`]); `None`: wait
    /// to the deadline.
    pub settle: Option<Duration>,
    /// How many runs of `lab test` go at once, each in its own container (1: one by one).
    pub jobs: usize,
}

impl Settings {
    /// Defaults for real runs.
    pub fn new(inputs: BuildInputs, scratch: PathBuf) -> Settings {
        Settings {
            inputs,
            scratch,
            keep: false,
            boot_timeout: Duration::from_secs(90),
            poll: Duration::from_millis(100),
            probe_timeout: Duration::from_secs(30),
            settle: Some(SETTLE),
            jobs: 1,
        }
    }
}

/// How long the units' journal must have been quiet (with no systemd job and no unit in
/// transition) before a failing check that saw the same answer twice stops waiting.
pub const SETTLE: Duration = Duration::from_millis(1500);

/// What to run: a lab, maybe a variant, maybe with some files replaced.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// The lab.
    pub spec: &'a LabSpec,
    /// The variant.
    pub variant: Option<&'a Variant>,
    /// `--with FILE=PATH`: `files[].src` → replacement path.
    pub with: Vec<(String, PathBuf)>,
    /// The book's proven transcripts for this lab, run in the base run only.
    pub transcripts: &'a [Transcript],
    /// Stop at the first failing check and skip the rest: a claim's generated variant needs
    /// one check to catch it, not the full list.
    pub first_failure: bool,
}

impl<'a> Plan<'a> {
    /// The lab as it is.
    pub fn base(spec: &'a LabSpec) -> Plan<'a> {
        Plan {
            spec,
            variant: None,
            with: Vec::new(),
            transcripts: &[],
            first_failure: false,
        }
    }

    /// Whether this is the lab as it is (the run whose result the site shows).
    pub fn is_base(&self) -> bool {
        self.variant.is_none() && self.with.is_empty()
    }

    /// The content of every file to install: the lab's, replaced by `--with`, edited by the
    /// variant.
    pub fn file_contents(&self) -> anyhow::Result<Vec<(crate::spec::FileSpec, Vec<u8>)>> {
        for (name, _) in &self.with {
            if !self.spec.files.iter().any(|f| &f.src == name) {
                return Err(LabError::NotALabFile {
                    name: name.clone(),
                    lab: self.spec.id.clone(),
                    files: self.spec.files.iter().map(|f| f.src.clone()).collect(),
                }
                .into());
            }
        }
        let mut out = Vec::new();
        for f in &self.spec.files {
            let (path, from) = match self.with.iter().find(|(n, _)| n == &f.src) {
                Some((_, p)) => (p.clone(), "--with"),
                None => (self.spec.dir.join(&f.src), "the lab"),
            };
            let mut bytes = std::fs::read(&path)
                .with_context(|| format!("cannot read `{}` (from {from})", path.display()))?;
            if let Some(v) = self.variant {
                for e in v.edits.iter().filter(|e| e.file == f.src) {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    bytes =
                        e.op.apply(&text)
                            .map_err(|why| {
                                anyhow!(
                                    "variant `{}` cannot edit `{}` ({}): {why}",
                                    v.name,
                                    f.src,
                                    path.display()
                                )
                            })?
                            .into_bytes();
                }
            }
            out.push((f.clone(), bytes));
        }
        Ok(out)
    }
}

/// Owns a running container: removes it when dropped, unless kept.
pub struct ContainerGuard<'e> {
    engine: &'e dyn Engine,
    /// The container's id.
    pub id: String,
    /// Its name.
    pub name: String,
    keep: bool,
    done: bool,
}

impl<'e> ContainerGuard<'e> {
    /// Starts a container.
    pub fn start(
        engine: &'e dyn Engine,
        req: &ContainerRequest,
        keep: bool,
    ) -> anyhow::Result<ContainerGuard<'e>> {
        let id = engine.start(req)?;
        Ok(ContainerGuard {
            engine,
            id,
            name: req.name.clone(),
            keep,
            done: false,
        })
    }

    /// Removes the container now (unless kept). Returns whether it was kept.
    pub fn teardown(&mut self) -> anyhow::Result<bool> {
        if self.done {
            return Ok(self.keep);
        }
        self.done = true;
        if self.keep {
            return Ok(true);
        }
        self.engine.remove(&self.id).map(|_| false)
    }
}

impl Drop for ContainerGuard<'_> {
    fn drop(&mut self) {
        if !self.done && !self.keep {
            let _ = self.engine.remove(&self.id);
        }
    }
}

/// How systemd's boot ended.
enum Boot {
    Running,
    Degraded,
    TimedOut(String),
}

/// Runs labs on an engine.
pub struct Runner<'e> {
    engine: &'e dyn Engine,
    cancel: CancelToken,
    settings: Settings,
    owner: Owner,
    counter: AtomicU32,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl<'e> Runner<'e> {
    /// A runner over `engine`.
    pub fn new(engine: &'e dyn Engine, cancel: CancelToken, settings: Settings) -> Runner<'e> {
        Runner {
            engine,
            cancel,
            settings,
            owner: Owner::current(),
            counter: AtomicU32::new(0),
        }
    }

    /// Sleeps `d`, waking early (with an error) when the run is cancelled.
    fn sleep(&self, d: Duration) -> anyhow::Result<()> {
        let end = Instant::now() + d;
        loop {
            self.cancel.check()?;
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            std::thread::sleep((end - now).min(Duration::from_millis(50)));
        }
    }

    fn exec(&self, c: &str, script: &str) -> anyhow::Result<ExecOutput> {
        self.engine
            .exec(c, script, None, self.settings.probe_timeout)
    }

    /// Builds (or finds) the image of `spec`.
    pub fn image(&self, spec: &LabSpec, progress: &mut dyn Progress) -> anyhow::Result<Image> {
        let t = Instant::now();
        let image = image::ensure(
            self.engine,
            spec,
            &self.settings.inputs,
            &self.settings.scratch,
            &mut |note| match note {
                BuildNote::Building(tag) => progress.event(&Event::Building(tag)),
                // The build's step headers are progress; the rest is shown if the build fails.
                BuildNote::Line(line) => {
                    if line.starts_with("Step ") || line.starts_with('#') && line.contains(" [") {
                        progress.event(&Event::BuildLine(line));
                    }
                }
            },
        )?;
        progress.event(&Event::Phase(&build_phase(&image, t.elapsed())));
        Ok(image)
    }

    /// Runs `plan` and returns its report.
    pub fn run(&self, plan: &Plan<'_>, progress: &mut dyn Progress) -> anyhow::Result<Report> {
        let started = SystemTime::now();
        let t0 = Instant::now();
        let spec = plan.spec;
        progress.event(&Event::Start {
            spec,
            variant: plan.variant.map(|v| v.name.as_str()),
        });
        let files = plan.file_contents()?;
        let tb = Instant::now();
        let image = self.image(spec, progress)?;
        let mut report = Report {
            lab: spec.id.clone(),
            title: spec.title.clone(),
            variant: plan.variant.map(|v| v.name.clone()),
            with: plan
                .with
                .iter()
                .map(|(n, p)| format!("{n}={}", p.display()))
                .collect(),
            started_at: report::rfc3339(started),
            duration_ms: 0,
            engine: self.engine.describe(),
            image: image.tag.clone(),
            image_built: image.built,
            outcome: Outcome::Passed,
            error: None,
            phases: vec![build_phase(&image, tb.elapsed())],
            checks: Vec::new(),
            versions: BTreeMap::new(),
            evidence: Vec::new(),
            sources: None,
        };

        let mut guard = self.start_container(spec, &image)?;
        let driven = self.drive(&guard.id, plan, &files, &mut report, progress);
        let teardown = guard.teardown();
        progress.event(&Event::Teardown {
            container: &guard.name,
            kept: matches!(teardown, Ok(true)),
            error: teardown.as_ref().err().map(|e| e.to_string()),
        });
        driven?;

        if report.checks.iter().any(|c| !c.passed()) || report.phases.iter().any(|p| !p.ok) {
            report.outcome = Outcome::Failed;
        }
        report.duration_ms = ms(t0.elapsed());
        Ok(report)
    }

    fn start_container(&self, spec: &LabSpec, image: &Image) -> anyhow::Result<ContainerGuard<'e>> {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let mut labels = self.owner.labels(&spec.id);
        if self.settings.keep {
            labels.insert(LABEL_KEEP.to_string(), "true".to_string());
        }
        ContainerGuard::start(
            self.engine,
            &ContainerRequest {
                image: image.tag.clone(),
                name: container_name(&spec.id, n),
                hostname: spec.id.clone(),
                labels,
            },
            self.settings.keep,
        )
    }

    /// Boots, installs and runs the steps: what `run` and `shell` share. Returns false when the
    /// boot failed (the report says why).
    fn prepare(
        &self,
        c: &str,
        plan: &Plan<'_>,
        files: &[(crate::spec::FileSpec, Vec<u8>)],
        report: &mut Report,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<bool> {
        // Boot.
        let t = Instant::now();
        let boot = self.wait_running(c)?;
        let (ok, detail) = match &boot {
            Boot::Running => (true, "systemd is running".to_string()),
            Boot::Degraded => (false, "systemd is degraded".to_string()),
            Boot::TimedOut(state) => (
                false,
                format!(
                    "systemd did not finish booting within {}s (last state: {state})",
                    self.settings.boot_timeout.as_secs()
                ),
            ),
        };
        self.phase(report, progress, "boot", ok, t, detail.clone(), None);
        if !ok {
            report.error = Some(format!(
                "boot failed: {detail} (`docgen lab doctor` checks what labs need here)"
            ));
            let out = self.exec(
                c,
                "echo '### systemctl --failed'; systemctl --failed --no-pager 2>&1; \
                 echo '### journalctl -b -p warning -n 40'; journalctl -b -p warning -n 40 --no-pager 2>&1; true",
            )?;
            report.evidence = evidence::parse_evidence(&out.stdout);
            return Ok(false);
        }

        // Files.
        let t = Instant::now();
        let script = install_script(files);
        let out = self.engine.exec(
            c,
            "sh -s",
            Some(script.as_bytes()),
            self.settings.probe_timeout,
        )?;
        let names: Vec<&str> = files.iter().map(|(f, _)| f.dest.as_str()).collect();
        self.phase(
            report,
            progress,
            "files",
            out.code == 0,
            t,
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            },
            (out.code != 0).then(|| format!("{}{}", out.stdout, out.stderr)),
        );

        // Steps.
        for step in &plan.spec.steps {
            let t = Instant::now();
            let out = self.engine.exec(c, &step.run, None, step.timeout)?;
            let ok = out.code == 0;
            self.phase(
                report,
                progress,
                "step",
                ok,
                t,
                step.run.lines().next().unwrap_or("").to_string(),
                (!ok).then(|| {
                    format!(
                        "exit {}\n{}{}",
                        out.code,
                        crate::exec::last_lines(&out.stdout, 20),
                        crate::exec::last_lines(&out.stderr, 20)
                    )
                }),
            );
        }
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    fn phase(
        &self,
        report: &mut Report,
        progress: &mut dyn Progress,
        name: &str,
        ok: bool,
        t: Instant,
        detail: String,
        output: Option<String>,
    ) {
        let p = Phase {
            name: name.to_string(),
            ok,
            duration_ms: ms(t.elapsed()),
            detail,
            output,
        };
        progress.event(&Event::Phase(&p));
        report.phases.push(p);
    }

    fn drive(
        &self,
        c: &str,
        plan: &Plan<'_>,
        files: &[(crate::spec::FileSpec, Vec<u8>)],
        report: &mut Report,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<()> {
        let spec = plan.spec;
        if !self.prepare(c, plan, files, report, progress)? {
            for check in &spec.checks {
                let r = skipped(check, "the container did not boot");
                progress.event(&Event::Check(&r));
                report.checks.push(r);
            }
            return Ok(());
        }
        // The versions belong to the lab as it is (the page's stamp shows them); a variant runs
        // the same image, so it does not ask again.
        if plan.variant.is_none() {
            let out = self.exec(c, &evidence::versions_script(&spec.versions))?;
            report.versions = evidence::parse_versions(&out.stdout);
        }
        // A transcript belongs to the lab as it is, or to the one variant it names.
        let variant = plan.variant.map(|v| v.name.as_str());
        let transcripts: Vec<&Transcript> = plan
            .transcripts
            .iter()
            .filter(|t| t.variant.as_deref() == variant)
            .collect();
        let mut stopped = false;
        let mut ran: HashMap<String, Vec<ExecOutput>> = HashMap::new();
        for check in &spec.checks {
            if stopped {
                let r = skipped(check, "the run stopped at the first failing check");
                progress.event(&Event::Check(&r));
                report.checks.push(r);
                continue;
            }
            let r = self.check(c, spec, check, progress)?;
            stopped = plan.first_failure && !r.passed();
            progress.event(&Event::Check(&r));
            report.checks.push(r);
            for t in transcripts
                .iter()
                .filter(|t| t.after.as_deref() == Some(check.id.as_str()))
            {
                let r = self.transcript(c, spec, t, &mut ran)?;
                progress.event(&Event::Check(&r));
                report.checks.push(r);
            }
        }
        for t in transcripts.iter().filter(|t| t.after.is_none()) {
            let r = self.transcript(c, spec, t, &mut ran)?;
            progress.event(&Event::Check(&r));
            report.checks.push(r);
        }
        Ok(())
    }

    /// Runs one transcript's commands in order; the first that differs from the page fails it,
    /// with a unified diff as evidence.
    ///
    /// `ran` holds the outputs of the transcripts already run at the same point (`after=`):
    /// the same commands shown on two pages (a page and its translation) run once, and both
    /// pages are judged by that one run (restarting gunicorn twice in a row would only make
    /// the story, and the run, longer).
    fn transcript(
        &self,
        c: &str,
        spec: &LabSpec,
        t: &Transcript,
        ran: &mut HashMap<String, Vec<ExecOutput>>,
    ) -> anyhow::Result<CheckResult> {
        let started = Instant::now();
        let place = t.place();
        let mut result = CheckResult {
            id: format!("transcript:{place}"),
            title: Text::new([("en", format!("the transcript at {place}"))]),
            kind: "transcript".to_string(),
            status: CheckStatus::Passed,
            duration_ms: 0,
            attempts: 1,
            expected: format!("{} commands as the page shows them", t.commands.len()),
            seen: "as shown".to_string(),
            action: None,
            explains: None,
            evidence: Vec::new(),
            outputs: Vec::new(),
        };
        let user = spec.transcript_user.as_deref().unwrap_or("root");
        let key = format!(
            "{:?}\0{}",
            t.after,
            t.commands
                .iter()
                .map(|cmd| transcript::script(cmd, user))
                .collect::<Vec<_>>()
                .join("\0")
        );
        let earlier = ran.get(&key).cloned();
        // Each command's deadline: the block's `timeout=`, else the lab's probe timeout.
        let limit = t.timeout.unwrap_or(self.settings.probe_timeout);
        let mut outputs = Vec::new();
        for (k, cmd) in t.commands.iter().enumerate() {
            let out = match earlier.as_ref().and_then(|o| o.get(k)) {
                Some(o) => o.clone(),
                None => self
                    .engine
                    .exec(c, &transcript::script(cmd, user), None, limit)?,
            };
            outputs.push(out.clone());
            let at = format!("{}:{}", t.page.display(), cmd.line);
            let shown = !cmd.expect.is_empty() && !t.recorded;
            let output_ok = !shown || transcript::matches(&cmd.expect, &out.stdout);
            if t.recorded {
                result.outputs.push(out.stdout.trim_end().to_string());
            }
            if out.code == cmd.exit && output_ok {
                continue;
            }
            result.outputs.clear();
            result.status = CheckStatus::Failed;
            result.expected = format!(
                "`{}` exits {}{}",
                cmd.run,
                cmd.exit,
                if shown {
                    " and prints what the page shows"
                } else {
                    ""
                }
            );
            result.seen = if out.code == -1 {
                format!(
                    "{at}: still running after {}s, so it was stopped (the block can allow more with `timeout=SECONDS`)",
                    limit.as_secs()
                )
            } else if output_ok {
                format!(
                    "{at}: exit {} (output: {})",
                    out.code,
                    first_line(&out.stdout)
                )
            } else {
                format!("{at}: transcript differs")
            };
            let mut text = if output_ok {
                out.stdout.trim_end().to_string()
            } else {
                transcript::diff(&at, &cmd.expect, &out.stdout)
            };
            if out.code == -1 {
                text.push_str(&format!(
                    "\n(stopped after {}s, the page expects exit {})",
                    limit.as_secs(),
                    cmd.exit
                ));
            } else if out.code != cmd.exit {
                text.push_str(&format!(
                    "\n(exit {}, the page expects {})",
                    out.code, cmd.exit
                ));
            }
            result.evidence.push(Evidence {
                title: format!("$ {}", cmd.run),
                text,
            });
            break;
        }
        if earlier.is_none() && outputs.len() == t.commands.len() {
            ran.insert(key, outputs);
        }
        result.duration_ms = ms(started.elapsed());
        Ok(result)
    }

    /// Waits for systemd to finish booting, polling `is-system-running --wait` until the
    /// deadline (it fails fast while systemd is not up yet).
    /// `lab doctor`: boots `image` (a lab's, with systemd) as a run would and says how
    /// systemd's boot ended (`running`, `degraded`, or what it was doing at the deadline); the
    /// container is removed.
    pub fn boots(&self, spec: &LabSpec, image: &str) -> anyhow::Result<String> {
        let mut guard = self.start_container(
            spec,
            &Image {
                tag: image.to_string(),
                built: false,
            },
        )?;
        let state = match self.wait_running(&guard.id) {
            Ok(Boot::Running) => Ok("running".to_string()),
            Ok(Boot::Degraded) => Ok("degraded".to_string()),
            Ok(Boot::TimedOut(s)) => Ok(format!(
                "not up after {}s ({s})",
                self.settings.boot_timeout.as_secs()
            )),
            Err(e) => Err(e),
        };
        guard.teardown()?;
        state
    }

    fn wait_running(&self, c: &str) -> anyhow::Result<Boot> {
        let deadline = Instant::now() + self.settings.boot_timeout;
        let mut last = String::from("(no answer)");
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let secs = left.as_secs().max(1);
            let out = self.engine.exec(
                c,
                &format!("timeout {secs} systemctl is-system-running --wait 2>&1"),
                None,
                left + Duration::from_secs(5),
            )?;
            let state = out
                .stdout
                .trim()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string();
            match state.as_str() {
                "running" => return Ok(Boot::Running),
                "degraded" => return Ok(Boot::Degraded),
                s if !s.is_empty() => last = s.to_string(),
                _ => {}
            }
            if Instant::now() >= deadline {
                return Ok(Boot::TimedOut(last));
            }
            self.sleep(self.settings.poll)?;
        }
    }

    /// Runs an action; `Ok(Err(why))` when the action itself failed.
    fn act(
        &self,
        c: &str,
        action: &Action,
        killed: &mut Vec<u32>,
    ) -> anyhow::Result<Result<(), String>> {
        match action {
            Action::Kill {
                process,
                pick,
                signal,
            } => {
                let out = self.exec(c, process_table_script())?;
                let Some(pid) = pick_victim(&out.stdout, process, *pick) else {
                    return Ok(Err(format!("no {process} process to kill")));
                };
                let out = self.exec(c, &format!("kill -s {signal} {pid}"))?;
                if out.code != 0 {
                    return Ok(Err(format!(
                        "kill -s {signal} {pid}: {}",
                        out.stderr.trim()
                    )));
                }
                killed.push(pid);
                Ok(Ok(()))
            }
            Action::RestartUnit(u) => {
                let out = self.exec(c, &format!("systemctl restart {} 2>&1", sh_quote(u)))?;
                Ok(if out.code == 0 {
                    Ok(())
                } else {
                    Err(format!("systemctl restart {u}: {}", out.stdout.trim()))
                })
            }
            Action::RestartContainer => {
                self.engine.restart(c)?;
                // A degraded system after the restart is for the check to judge; only a boot
                // that never finishes fails the action.
                Ok(match self.wait_running(c)? {
                    Boot::Running | Boot::Degraded => Ok(()),
                    Boot::TimedOut(s) => Err(format!(
                        "systemd did not finish booting after the restart (last state: {s})"
                    )),
                })
            }
            Action::Run(cmd) => {
                let out = self.exec(c, cmd)?;
                Ok(if out.code == 0 {
                    Ok(())
                } else {
                    Err(format!(
                        "`{cmd}` exited {}: {}",
                        out.code,
                        out.stderr.trim()
                    ))
                })
            }
        }
    }

    /// Runs one check: its action, then its probe until it passes or the deadline passes.
    fn check(
        &self,
        c: &str,
        spec: &LabSpec,
        check: &Check,
        progress: &mut dyn Progress,
    ) -> anyhow::Result<CheckResult> {
        let t = Instant::now();
        let mut killed = Vec::new();
        let mut result = CheckResult {
            id: check.id.clone(),
            title: check.title.clone(),
            kind: check.kind.name().to_string(),
            status: CheckStatus::Failed,
            duration_ms: 0,
            attempts: 0,
            expected: String::new(),
            seen: String::new(),
            action: check.before.as_ref().map(Action::describe),
            explains: check.explains.clone(),
            evidence: Vec::new(),
            outputs: Vec::new(),
        };
        if let Some(action) = &check.before {
            progress.event(&Event::Action {
                check: &check.id,
                what: &action.describe(),
            });
            if let Err(why) = self.act(c, action, &mut killed)? {
                result.expected = format!("the action `{}` to succeed", action.describe());
                result.seen = why;
                result.evidence = self.evidence(c, spec, check)?;
                result.duration_ms = ms(t.elapsed());
                return Ok(result);
            }
        }
        let probe = check.kind.probe();
        let within = check.within.unwrap_or(Duration::ZERO);
        let deadline = Instant::now() + within;
        let mut units: Vec<&str> = check.kind.evidence_units();
        units.extend(spec.evidence.units.iter().map(String::as_str));
        units.sort_unstable();
        units.dedup();
        // The same failing result since when; what ended the wait early, if anything did.
        let mut same_since: Option<(String, Instant)> = None;
        let mut ended_early: Option<String> = None;
        // The container's CPU time at an earlier settle probe, to tell a busy service
        // (importing Django on a loaded machine, silent in the journal) from an idle one.
        let mut cpu_base: Option<CpuSample> = None;
        // Since when it has passed on every probe, for `holds`.
        let mut passing_since: Option<Instant> = None;
        let verdict = loop {
            result.attempts += 1;
            let out = self.exec(c, &probe)?;
            let v = check.kind.judge(&out, &JudgeContext { killed: &killed });
            if v.passed {
                let since = *passing_since.get_or_insert_with(Instant::now);
                match check.holds {
                    Some(hold) if since.elapsed() < hold => {
                        self.sleep(self.settings.poll)?;
                        continue;
                    }
                    _ => break v,
                }
            }
            passing_since = None;
            if Instant::now() + self.settings.poll > deadline {
                break v;
            }
            match (&same_since, self.settings.settle) {
                // The same answer twice in a row, and the system settled: nothing is left
                // that could change it (the journal's quiet time covers a retrying service).
                (Some((seen, since)), Some(_)) if *seen == v.seen => {
                    if let Some(why) = self.settled(c, &units, &mut cpu_base)? {
                        ended_early = Some(format!(
                            "stopped waiting after {:.1}s of {:.1}s: {why}, and the check saw the same on every probe for {:.1}s",
                            t.elapsed().as_secs_f64(),
                            within.as_secs_f64(),
                            since.elapsed().as_secs_f64()
                        ));
                        break v;
                    }
                }
                _ => same_since = Some((v.seen.clone(), Instant::now())),
            }
            self.sleep(self.settings.poll)?;
        };
        result.expected = verdict.expected;
        result.seen = verdict.seen;
        if verdict.passed {
            result.status = CheckStatus::Passed;
        } else {
            if let Some(why) = ended_early {
                result.evidence.push(Evidence {
                    title: "why the wait ended early".to_string(),
                    text: why,
                });
            }
            result.evidence.extend(self.evidence(c, spec, check)?);
        }
        result.duration_ms = ms(t.elapsed());
        Ok(result)
    }

    /// Whether waiting longer cannot change a check's answer: systemd has no job queued or
    /// running, none of `units` is starting, stopping, reloading or waiting to restart, their
    /// journal has been quiet for the settle time (a service that is still retrying, such as
    /// gunicorn retrying a bind, logs as it goes), and the container's processes have been
    /// idle since the last probe at least [`CPU_WINDOW`] ago (a service that is still
    /// starting is busy even when it logs nothing). `Some(why)` when settled.
    fn settled(
        &self,
        c: &str,
        units: &[&str],
        cpu_base: &mut Option<CpuSample>,
    ) -> anyhow::Result<Option<String>> {
        // CPU time of the container's processes, children they have reaped included (fields
        // 14-17 of /proc/PID/stat, counted after the command name, which may hold spaces),
        // but not of the probes' own: PID 1 (systemd answers their systemctl calls), the
        // probe's shell and the session shell that runs every probe (it reaps them all).
        let mut script = String::from(
            "echo \"now=$(date +%s.%N)\"; echo \"hz=$(getconf CLK_TCK 2>/dev/null)\"; \
             echo \"cpu=$(cat /proc/[0-9]*/stat 2>/dev/null | sed 's/ (.*) / /' | awk -v me=$$ -v up=$PPID '$1 != 1 && $1 != me && $1 != up { t += $13 + $14 + $15 + $16 } END { print t + 0 }')\"; \
             echo \"jobs=$(systemctl list-jobs --no-legend 2>/dev/null | grep -c .)\"; ",
        );
        if !units.is_empty() {
            let args: Vec<String> = units
                .iter()
                .map(|u| format!("-u {}", sh_quote(u)))
                .collect();
            script.push_str(&format!(
                "echo \"last=$(journalctl -q --no-pager -o short-unix -n 1 {} 2>/dev/null | tail -n 1 | cut -d' ' -f1)\"; ",
                args.join(" ")
            ));
        }
        for u in units {
            let q = sh_quote(u);
            script.push_str(&format!(
                "echo \"unit {u}=$(systemctl show -p ActiveState --value {q} 2>/dev/null)/$(systemctl show -p SubState --value {q} 2>/dev/null)\"; "
            ));
        }
        script.push_str("true");
        let out = self.exec(c, &script)?;
        Ok(settled_from(
            &out.stdout,
            self.settings.settle.unwrap_or(SETTLE),
            cpu_base,
        ))
    }

    fn evidence(&self, c: &str, spec: &LabSpec, check: &Check) -> anyhow::Result<Vec<Evidence>> {
        let script =
            evidence::evidence_script(&spec.evidence.units, &spec.evidence.logs, &*check.kind);
        let out = self.exec(c, &script)?;
        Ok(evidence::parse_evidence(&out.stdout))
    }

    /// `lab test`: the lab as is, then every variant, each judged against its `fails:`.
    /// `transcripts` are the book's transcripts of this lab, run in the base run (or in the
    /// variant they name); `claims` the pages' annotations of its files, each proven by a run
    /// without its line. After the base run (which builds the image), the variants' and the
    /// claims' runs go `Settings::jobs` at a time, each in its own container; the report keeps
    /// their order.
    pub fn test(
        &self,
        spec: &LabSpec,
        transcripts: &[Transcript],
        claims: &[Claim],
        progress: &mut dyn Progress,
    ) -> anyhow::Result<LabTest> {
        let names = run_names(spec, claims);
        let reports = self.run_named(spec, transcripts, claims, &names, progress)?;
        assemble(spec, claims, reports.into_iter().collect())
    }

    /// The runs of `lab test` named in `names` (see [`run_names`]; `""` is the lab as it is):
    /// the lab's own run first and alone (it builds the image), then the others
    /// `Settings::jobs` at a time. `lab test --shard` runs a share of them; [`assemble`] puts
    /// the verdict together from all of them.
    pub fn run_named(
        &self,
        spec: &LabSpec,
        transcripts: &[Transcript],
        claims: &[Claim],
        names: &[String],
        progress: &mut dyn Progress,
    ) -> anyhow::Result<Vec<(String, Report)>> {
        let (_, generated) = plan_claims(spec, claims);
        let mut out = Vec::new();
        if names.iter().any(String::is_empty) {
            let base = self.run(
                &Plan {
                    transcripts,
                    ..Plan::base(spec)
                },
                progress,
            )?;
            out.push((String::new(), base));
        }
        let wanted = |n: &str| names.iter().any(|x| x == n);
        let mut plans: Vec<Plan<'_>> = spec
            .variants
            .iter()
            .filter(|v| wanted(&v.name))
            .map(|v| Plan {
                variant: Some(v),
                transcripts,
                ..Plan::base(spec)
            })
            .collect();
        plans.extend(generated.iter().filter(|v| wanted(&v.name)).map(|v| Plan {
            variant: Some(v),
            first_failure: true,
            ..Plan::base(spec)
        }));
        let reports = self.run_all(&plans, progress)?;
        out.extend(
            plans
                .iter()
                .map(|p| p.variant.map(|v| v.name.clone()).unwrap_or_default())
                .zip(reports),
        );
        Ok(out)
    }

    /// Runs `plans`, `Settings::jobs` at a time; the reports come back in the plans' order.
    /// With more than one job, each run reports its progress through its own `fork` of
    /// `progress`, so interleaved lines stay readable. The first error (a cancel, an engine
    /// failure) stops the runs not yet started; the others finish and clean up.
    fn run_all(
        &self,
        plans: &[Plan<'_>],
        progress: &mut dyn Progress,
    ) -> anyhow::Result<Vec<Report>> {
        let jobs = self.settings.jobs.clamp(1, plans.len().max(1));
        if jobs == 1 {
            return plans.iter().map(|p| self.run(p, progress)).collect();
        }
        let forks: Vec<Mutex<Box<dyn Progress + Send>>> = plans
            .iter()
            .map(|p| {
                let name = p.variant.map_or("lab", |v| v.name.as_str());
                Mutex::new(progress.fork(name))
            })
            .collect();
        let results: Vec<Mutex<Option<anyhow::Result<Report>>>> =
            plans.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                scope.spawn(|| loop {
                    if failed.load(Ordering::SeqCst) {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(plan) = plans.get(i) else { return };
                    let mut progress = forks[i].lock().unwrap_or_else(|e| e.into_inner());
                    let r = self.run(plan, &mut **progress);
                    if r.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                });
            }
        });
        let mut reports = Vec::with_capacity(plans.len());
        for r in results {
            if let Some(r) = r.into_inner().unwrap_or_else(|e| e.into_inner()) {
                reports.push(r?);
            }
        }
        // A run that never started leaves the list short: only after an error, returned above.
        anyhow::ensure!(reports.len() == plans.len(), "a lab run did not finish");
        Ok(reports)
    }

    /// `lab shell`: boots the lab with its files and steps, then opens a shell in it; the
    /// container is removed when the shell exits (unless kept). Returns the shell's exit code.
    pub fn shell(&self, plan: &Plan<'_>, progress: &mut dyn Progress) -> anyhow::Result<i32> {
        let spec = plan.spec;
        progress.event(&Event::Start {
            spec,
            variant: plan.variant.map(|v| v.name.as_str()),
        });
        let files = plan.file_contents()?;
        let image = self.image(spec, progress)?;
        let mut guard = self.start_container(spec, &image)?;
        let mut report = Report {
            lab: spec.id.clone(),
            title: spec.title.clone(),
            variant: None,
            with: Vec::new(),
            started_at: report::rfc3339(SystemTime::now()),
            duration_ms: 0,
            engine: self.engine.describe(),
            image: image.tag,
            image_built: image.built,
            outcome: Outcome::Passed,
            error: None,
            phases: Vec::new(),
            checks: Vec::new(),
            versions: BTreeMap::new(),
            evidence: Vec::new(),
            sources: None,
        };
        let result = self
            .prepare(&guard.id, plan, &files, &mut report, progress)
            .and_then(|_| self.engine.shell(&guard.id));
        let teardown = guard.teardown();
        progress.event(&Event::Teardown {
            container: &guard.name,
            kept: matches!(teardown, Ok(true)),
            error: teardown.as_ref().err().map(|e| e.to_string()),
        });
        result
    }
}

/// Every run `lab test` makes of a lab, in order: `""` (the lab as it is), each declared
/// variant, and a generated variant for each claimed line no declared variant covers.
pub fn run_names(spec: &LabSpec, claims: &[Claim]) -> Vec<String> {
    let (_, generated) = plan_claims(spec, claims);
    std::iter::once(String::new())
        .chain(spec.variants.iter().map(|v| v.name.clone()))
        .chain(generated.into_iter().map(|v| v.name))
        .collect()
}

/// The verdict of `lab test` from its runs, by name (see [`run_names`]): each declared variant
/// judged against its `fails:`, each claim proven by its variant's failed checks (only checks
/// that pass on the lab as it is count). Every run must be there.
pub fn assemble(
    spec: &LabSpec,
    claims: &[Claim],
    mut reports: BTreeMap<String, Report>,
) -> anyhow::Result<LabTest> {
    let (claim_plan, generated) = plan_claims(spec, claims);
    let missing: Vec<String> = std::iter::once(String::new())
        .chain(spec.variants.iter().map(|v| v.name.clone()))
        .chain(generated.iter().map(|v| v.name.clone()))
        .filter(|n| !reports.contains_key(n))
        .map(|n| {
            if n.is_empty() {
                "the lab itself".to_string()
            } else {
                n
            }
        })
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "lab `{}`: no result for {}",
        spec.id,
        missing.join(", ")
    );
    let base = reports.remove("").expect("checked above");
    let variants: Vec<VariantTest> = spec
        .variants
        .iter()
        .map(|v| {
            let r = reports.remove(&v.name).expect("checked above");
            VariantTest::judge(&v.name, &v.fails, r)
        })
        .collect();
    let caught: BTreeMap<String, Vec<String>> = generated
        .iter()
        .map(|v| (v.name.clone(), reports[&v.name].caught_by()))
        .collect();
    let mut test = LabTest::new(base, variants);
    if !claims.is_empty() {
        // Only a check that passes on the lab as it is can prove anything by failing.
        let passing: Vec<String> = test
            .base
            .checks
            .iter()
            .filter(|c| c.passed())
            .map(|c| c.id.clone())
            .collect();
        let results = claim_plan
            .into_iter()
            .map(|(c, at, source)| {
                let status = match source {
                    ClaimSource::Informational(reason) => ClaimStatus::Informational { reason },
                    ClaimSource::NotFound => ClaimStatus::NotFound,
                    ClaimSource::Declared(name) | ClaimSource::Generated(name) => {
                        let failed = test
                            .variants
                            .iter()
                            .find(|t| t.name == name)
                            .map(|t| t.report.failed_checks())
                            .or_else(|| caught.get(&name).cloned())
                            .unwrap_or_default();
                        let failed: Vec<String> =
                            failed.into_iter().filter(|f| passing.contains(f)).collect();
                        if failed.is_empty() {
                            ClaimStatus::Unproven { variant: name }
                        } else {
                            ClaimStatus::Proven {
                                variant: name,
                                checks: failed,
                            }
                        }
                    }
                };
                ClaimResult {
                    at: format!("{}:{}", c.page.display(), c.line),
                    line: format!("{}:{}", c.file, at.unwrap_or(0)),
                    key: c.key.clone(),
                    status,
                }
            })
            .collect();
        test.claims = Some(Coverage::of(results));
    }
    Ok(test)
}

/// Where a claim's proof comes from.
enum ClaimSource {
    /// Marked informational, with the reason.
    Informational(String),
    /// Its line is in no line of the file.
    NotFound,
    /// The declared variant that edits its line alone.
    Declared(String),
    /// A generated variant, without its line (or with the author's replacement).
    Generated(String),
}

/// A claim, its line in the file, and where its proof comes from.
type PlannedClaim<'c> = (&'c Claim, Option<usize>, ClaimSource);

/// The claims in page order, each with its line in the file and where its proof comes from,
/// and the variants to generate (one per line: the same line annotated on two pages runs once).
fn plan_claims<'c>(spec: &LabSpec, claims: &'c [Claim]) -> (Vec<PlannedClaim<'c>>, Vec<Variant>) {
    let mut by_file: BTreeMap<&str, Vec<&Claim>> = BTreeMap::new();
    for c in claims {
        by_file.entry(c.file.as_str()).or_default().push(c);
    }
    let mut ordered: Vec<(&Claim, Option<usize>, String)> = Vec::new();
    for (file, cs) in by_file {
        let text = std::fs::read_to_string(spec.dir.join(file)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for (c, at) in cs.iter().zip(claims::locate(&cs, &text)) {
            let line = at.and_then(|n| lines.get(n - 1)).unwrap_or(&"").to_string();
            ordered.push((c, at, line));
        }
    }
    ordered.sort_by(|a, b| (&a.0.page, a.0.line).cmp(&(&b.0.page, b.0.line)));
    let mut generated: Vec<Variant> = Vec::new();
    let plan = ordered
        .into_iter()
        .map(|(c, at, line)| {
            let source = if let Some(reason) = &c.informational {
                ClaimSource::Informational(reason.clone())
            } else if let Some(n) = at {
                let covering = c
                    .replace
                    .is_none()
                    .then(|| claims::covering_variant(spec, &c.file, &line))
                    .flatten();
                match covering {
                    Some(v) => ClaimSource::Declared(v.name.clone()),
                    None => {
                        let v = claims::generated_variant(c, n, &line);
                        let name = v.name.clone();
                        if !generated.iter().any(|g| g.name == name) {
                            generated.push(v);
                        }
                        ClaimSource::Generated(name)
                    }
                }
            } else {
                ClaimSource::NotFound
            };
            (c, at, source)
        })
        .collect();
    (plan, generated)
}

/// The CPU time the container's processes had used at a moment of its clock, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CpuSample {
    at: f64,
    used: f64,
}

/// The shortest time over which the container's CPU use is judged.
const CPU_WINDOW: f64 = 0.5;

/// Above this share of one core the container is busy: a process still starting, even on a
/// loaded machine, gets more; an idle systemd container with gunicorn, nginx and runserver's
/// file watcher uses none measurable.
const CPU_IDLE: f64 = 0.05;

/// Reads the output of the settle probe: `jobs=N`, `now=` and `last=` (the container's clock
/// and the time of the units' last journal line), `hz=` and `cpu=` (clock ticks per second
/// and the ticks the container's processes used) and `unit NAME=ActiveState/SubState` lines.
/// `cpu_base` is the sample CPU use is measured from; it moves on once a window is judged.
fn settled_from(out: &str, quiet: Duration, cpu_base: &mut Option<CpuSample>) -> Option<String> {
    let mut states = Vec::new();
    let value = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    // Without a CPU sample (no awk in the image), idleness is unknown: not settled.
    let (Some(now), Some(hz), Some(ticks)) = (value("now="), value("hz="), value("cpu=")) else {
        return None;
    };
    if hz <= 0.0 {
        return None;
    }
    let sample = CpuSample {
        at: now,
        used: ticks / hz,
    };
    let Some(base) = *cpu_base else {
        *cpu_base = Some(sample);
        return None;
    };
    let window = sample.at - base.at;
    if window < CPU_WINDOW {
        return None;
    }
    *cpu_base = Some(sample);
    let share = (sample.used - base.used) / window;
    if share > CPU_IDLE {
        return None;
    }
    if let Some(last) = value("last=") {
        if now - last < quiet.as_secs_f64() {
            return None;
        }
    }
    for line in out.lines() {
        if let Some(n) = line.strip_prefix("jobs=") {
            if n.trim() != "0" {
                return None;
            }
        } else if let Some(rest) = line.strip_prefix("unit ") {
            let (unit, state) = rest.split_once('=')?;
            let (active, sub) = state.split_once('/').unwrap_or((state, ""));
            if matches!(
                active,
                "activating" | "deactivating" | "reloading" | "refreshing"
            ) || sub == "auto-restart"
            {
                return None;
            }
            states.push(format!("{unit} {active}/{sub}"));
        }
    }
    if !out.lines().any(|l| l.starts_with("jobs=")) {
        return None;
    }
    let idle = format!(
        "the container's processes used {:.0}% of a core over {window:.1}s",
        share.max(0.0) * 100.0
    );
    Some(if states.is_empty() {
        format!("systemd had no job queued or running, {idle}")
    } else {
        format!(
            "systemd had no job queued or running, the units were settled ({}) and their journal quiet, {idle}",
            states.join(", ")
        )
    })
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or("(none)")
}

fn skipped(check: &Check, why: &str) -> CheckResult {
    CheckResult {
        id: check.id.clone(),
        title: check.title.clone(),
        kind: check.kind.name().to_string(),
        status: CheckStatus::Skipped,
        duration_ms: 0,
        attempts: 0,
        expected: String::new(),
        seen: why.to_string(),
        action: None,
        explains: check.explains.clone(),
        evidence: Vec::new(),
        outputs: Vec::new(),
    }
}

/// The script that installs the files: each as base64 in a here-document, so any bytes survive,
/// then its mode and owner. Sent on stdin to `sh -s` (a long argument would hit ARG_MAX).
pub fn install_script(files: &[(crate::spec::FileSpec, Vec<u8>)]) -> String {
    let mut s = String::from("set -e\n");
    for (f, bytes) in files {
        let dest = sh_quote(&f.dest);
        let dir = sh_quote(
            std::path::Path::new(&f.dest)
                .parent()
                .and_then(|p| p.to_str())
                .unwrap_or("/"),
        );
        let mode = f.mode.as_deref().unwrap_or("0644");
        let owner = f.owner.as_deref().unwrap_or("root:root");
        s.push_str(&format!(
            "# docgen-file {}\nmkdir -p -- {dir}\nbase64 -d > {dest} <<'DOCGEN_EOF'\n{}\nDOCGEN_EOF\nchmod {} {dest}\nchown {} {dest}\n",
            f.dest,
            base64(bytes),
            sh_quote(mode),
            sh_quote(owner),
        ));
    }
    s
}

/// Standard base64 with line breaks every 76 characters.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push('\n');
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The report's "build" phase for an image that was built or found in the cache.
fn build_phase(image: &Image, took: Duration) -> Phase {
    Phase {
        name: "build".into(),
        ok: true,
        duration_ms: ms(took),
        detail: format!(
            "{} {}",
            if image.built { "built" } else { "cached" },
            image.tag
        ),
        output: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settle probe's answer at container time `now` with `ticks` of CPU used.
    fn probe(now: f64, ticks: u32, rest: &str) -> String {
        format!("jobs=0\nnow={now}\nhz=100\ncpu={ticks}\n{rest}")
    }

    /// Judges `second` against a base taken from `first`.
    fn settled_after(first: &str, second: &str) -> Option<String> {
        let mut base = None;
        assert_eq!(
            settled_from(first, SETTLE, &mut base),
            None,
            "one sample is not enough"
        );
        settled_from(second, SETTLE, &mut base)
    }

    #[test]
    fn settled_means_no_jobs_no_unit_in_transition_and_idle_processes() {
        let units = "last=90.5\nunit gunicorn=failed/failed\nunit nginx=active/running\n";
        assert_eq!(
            settled_after(&probe(100.0, 500, units), &probe(101.0, 502, units)).as_deref(),
            Some("systemd had no job queued or running, the units were settled (gunicorn failed/failed, nginx active/running) and their journal quiet, the container's processes used 2% of a core over 1.0s")
        );
        let busy = |rest: &str| settled_after(&probe(100.0, 500, ""), &probe(101.0, 500, rest));
        assert_eq!(busy("jobs=1\nunit gunicorn=failed/failed\n"), None);
        assert_eq!(busy("unit gunicorn=activating/auto-restart\n"), None);
        assert_eq!(busy("unit gunicorn=activating/start\n"), None);
        // gunicorn logged `Retrying in 1 second.` half a second ago: still busy.
        assert_eq!(busy("last=100.5\nunit gunicorn=active/running\n"), None);
        assert!(busy("").is_some());
        assert_eq!(settled_after("", ""), None, "no answer is not settled");
        // No awk in the image: idleness unknown, never settled.
        assert_eq!(settled_after("jobs=0\nnow=1\n", "jobs=0\nnow=2\n"), None);
    }

    #[test]
    fn a_busy_container_is_not_settled_even_with_a_quiet_journal() {
        // A worker importing Django on a loaded machine: silent, but a fifth of a core.
        let quiet = "last=10.0\nunit runserver=active/running\n";
        let mut base = None;
        assert_eq!(
            settled_from(&probe(100.0, 1000, quiet), SETTLE, &mut base),
            None
        );
        assert_eq!(
            settled_from(&probe(100.3, 1001, quiet), SETTLE, &mut base),
            None,
            "a window under CPU_WINDOW is not judged"
        );
        assert_eq!(
            base.map(|b| b.at),
            Some(100.0),
            "the base stays until judged"
        );
        assert_eq!(
            settled_from(&probe(101.0, 1020, quiet), SETTLE, &mut base),
            None
        );
        assert_eq!(
            base.map(|b| b.at),
            Some(101.0),
            "a judged window moves the base"
        );
        // Once the import is done the container is idle, and the next window says so.
        assert!(settled_from(&probe(101.6, 1021, quiet), SETTLE, &mut base).is_some());
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
