//! The container engine: the [`Engine`] trait the runner talks to, its implementation over the
//! Docker CLI (Podman speaks the same CLI), engine detection with an actionable error when none
//! is usable, and the sweep that removes what dead docgen processes left behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::error::LabError;
use crate::exec::ExecOutput;
use crate::exec::{first_lines, last_lines};
use crate::process::{self, Run};
use crate::session::Sessions;
use crate::signals::CancelToken;
use crate::{LABEL_KEEP, LABEL_LAB, LABEL_MANAGED, LABEL_OWNER_PID, LABEL_OWNER_START};
use docgen_core::liveness::ProcessStamp;
use docgen_core::which::find_program;

/// An image build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The build context directory.
    pub context: PathBuf,
    /// The Containerfile, relative to the context.
    pub containerfile: String,
    /// The tag to give the image.
    pub tag: String,
    /// `--build-arg`s.
    pub build_args: BTreeMap<String, String>,
    /// `--label`s.
    pub labels: BTreeMap<String, String>,
}

/// A container to start with systemd as PID 1.
#[derive(Debug, Clone)]
pub struct ContainerRequest {
    /// The image.
    pub image: String,
    /// The container's name.
    pub name: String,
    /// Its hostname.
    pub hostname: String,
    /// `--label`s.
    pub labels: BTreeMap<String, String>,
}

/// A container or network docgen labelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Managed {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
}

/// An image docgen built (it carries the `docgen.managed` label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedImage {
    /// Its id.
    pub id: String,
    /// `repository:tag`, or `None` for an image no tag names any more.
    pub reference: Option<String>,
    /// When it was built (RFC 3339, as the engine reports it).
    pub created: String,
}

/// What the runner needs from a container engine.
/// `Sync`: `lab test --jobs N` runs several labs' containers from one engine at once.
pub trait Engine: Sync {
    /// `docker` or `podman` (for messages).
    fn name(&self) -> &str;
    /// The engine and its version as the reports name it (`docker 20.10.24`).
    fn describe(&self) -> String {
        self.name().to_string()
    }
    /// The id of an image, or `None` when there is no such image.
    fn image_id(&self, reference: &str) -> anyhow::Result<Option<String>>;
    /// Builds an image; `on_line` gets the build output as it comes.
    fn build(&self, req: &BuildRequest, on_line: &mut dyn FnMut(&str)) -> anyhow::Result<()>;
    /// Starts a container detached; returns its id.
    fn start(&self, req: &ContainerRequest) -> anyhow::Result<String>;
    /// Runs `sh -c script` in the container.
    fn exec(
        &self,
        container: &str,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
    ) -> anyhow::Result<ExecOutput>;
    /// Restarts the container (its stop signal makes systemd shut down cleanly).
    fn restart(&self, container: &str) -> anyhow::Result<()>;
    /// Removes the container, running or not.
    fn remove(&self, container: &str) -> anyhow::Result<()>;
    /// Every container carrying the `docgen.managed` label.
    fn managed_containers(&self) -> anyhow::Result<Vec<Managed>>;
    /// Every network carrying the `docgen.managed` label.
    fn managed_networks(&self) -> anyhow::Result<Vec<Managed>>;
    /// Removes a network.
    fn remove_network(&self, id: &str) -> anyhow::Result<()>;
    /// Every image carrying the `docgen.managed` label, once per tag.
    fn managed_images(&self) -> anyhow::Result<Vec<ManagedImage>>;
    /// Removes an image reference (a tag, or the id of an untagged image), never by force: an
    /// image a container still uses stays, and that is an error.
    fn remove_image(&self, reference: &str) -> anyhow::Result<()>;
    /// Imports a root filesystem tarball as image `image`, with Containerfile instructions
    /// `changes` (`LABEL ...`, `ENV ...`) and a commit message; returns the image id.
    fn import(
        &self,
        tarball: &Path,
        image: &str,
        changes: &[String],
        message: &str,
    ) -> anyhow::Result<String>;
    /// An interactive shell in the container, on this terminal; returns its exit code.
    fn shell(&self, container: &str) -> anyhow::Result<i32>;
}

/// Docker or Podman through their command line.
#[derive(Debug, Clone)]
pub struct CliEngine {
    program: String,
    /// The daemon's version (`docker info`), for the reports.
    version: String,
    cancel: CancelToken,
    /// One shell session per container for scripts without stdin (see `session`).
    sessions: std::sync::Arc<Sessions>,
}

/// How long short engine commands (inspect, run -d, rm) may take.
const SHORT: Duration = Duration::from_secs(60);

/// Whether an engine's error says the object does not exist (Docker: "No such image",
/// "No such container"; Podman: "image not known", "no container with name or ID").
fn is_missing(stderr: &str) -> bool {
    let e = stderr.to_lowercase();
    e.contains("no such") || e.contains("not known") || e.contains("no container with")
}

impl CliEngine {
    /// Whether the CLI is Podman's (by its name).
    fn is_podman(&self) -> bool {
        Path::new(&self.program)
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("podman"))
    }

    /// Uses `program` (a name on PATH or a path), after checking that its daemon answers.
    pub fn connect(program: &str, cancel: CancelToken) -> anyhow::Result<CliEngine> {
        if find_program(program).is_none() {
            return Err(LabError::EngineMissing {
                program: Some(program.to_string()),
            }
            .into());
        }
        // Docker's and Podman's `info` name the version differently.
        let podman = Path::new(program)
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("podman"));
        let format = if podman {
            "{{.Version.Version}}"
        } else {
            "{{.ServerVersion}}"
        };
        let out = process::run_simple(
            Command::new(program).args(["info", "--format", format]),
            Duration::from_secs(20),
        )?;
        if !out.success() {
            let why = out
                .stderr_text()
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no answer")
                .trim()
                .to_string();
            return Err(LabError::DaemonDown {
                program: program.to_string(),
                why,
            }
            .into());
        }
        Ok(CliEngine {
            program: program.to_string(),
            version: out.stdout_text().trim().to_string(),
            cancel,
            sessions: Default::default(),
        })
    }

    /// Chooses the engine: `explicit` (`--engine` or `[labs] engine`), else `docker`, else
    /// `podman`.
    pub fn detect(explicit: Option<&str>, cancel: CancelToken) -> anyhow::Result<CliEngine> {
        if let Some(p) = explicit {
            return CliEngine::connect(p, cancel);
        }
        for p in ["docker", "podman"] {
            if find_program(p).is_some() {
                return CliEngine::connect(p, cancel);
            }
        }
        Err(LabError::EngineMissing { program: None }.into())
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.program);
        // The user's CLI config could point at a remote context; labs run on this host's
        // engine unless DOCKER_HOST says otherwise.
        c.env_remove("DOCKER_CONTEXT");
        c
    }

    fn short(&self, args: &[&str]) -> anyhow::Result<process::Output> {
        let mut c = self.cmd();
        c.args(args);
        process::run_simple(&mut c, SHORT)
    }

    fn short_ok(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self.short(args)?;
        if !out.success() {
            bail!(
                "`{} {}` failed: {}",
                self.program,
                args.join(" "),
                first_lines(&out.stderr_text(), 5)
            );
        }
        Ok(out.stdout_text())
    }

    fn list(&self, what: &[&str], format: &str) -> anyhow::Result<Vec<Managed>> {
        let filter = format!("label={LABEL_MANAGED}=true");
        let mut args: Vec<&str> = what.to_vec();
        args.extend(["--filter", &filter, "--format", format]);
        let text = self.short_ok(&args)?;
        Ok(text.lines().filter_map(parse_listing).collect())
    }
}

fn labels_args(labels: &BTreeMap<String, String>) -> Vec<String> {
    labels
        .iter()
        .flat_map(|(k, v)| ["--label".to_string(), format!("{k}={v}")])
        .collect()
}

/// `ID\tNAME\tk=v,k=v` → [`Managed`].
fn parse_listing(line: &str) -> Option<Managed> {
    let mut parts = line.splitn(3, '\t');
    let id = parts.next()?.trim().to_string();
    if id.is_empty() {
        return None;
    }
    let name = parts.next().unwrap_or("").trim().to_string();
    let labels = parts
        .next()
        .unwrap_or("")
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Managed { id, name, labels })
}

impl Engine for CliEngine {
    fn name(&self) -> &str {
        &self.program
    }

    fn describe(&self) -> String {
        let name = Path::new(&self.program)
            .file_name()
            .map_or(self.program.clone(), |n| n.to_string_lossy().into_owned());
        if self.version.is_empty() {
            name
        } else {
            format!("{name} {}", self.version)
        }
    }

    fn image_id(&self, reference: &str) -> anyhow::Result<Option<String>> {
        let out = self.short(&["image", "inspect", "--format", "{{.Id}}", reference])?;
        if out.success() {
            Ok(Some(out.stdout_text().trim().to_string()))
        } else if is_missing(&out.stderr_text()) {
            Ok(None)
        } else {
            bail!(
                "`{} image inspect {reference}` failed: {}",
                self.program,
                first_lines(&out.stderr_text(), 5)
            )
        }
    }

    fn build(&self, req: &BuildRequest, on_line: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
        let mut c = self.cmd();
        c.arg("build")
            // apt and pip inside the build reach the mirrors through the host's network.
            .arg("--network=host")
            .arg("--force-rm")
            .args(["-f", &req.containerfile, "-t", &req.tag])
            .args(labels_args(&req.labels));
        for (k, v) in &req.build_args {
            c.args(["--build-arg", &format!("{k}={v}")]);
        }
        c.arg(".").current_dir(&req.context);
        let out = process::run(
            &mut c,
            Run {
                timeout: Some(Duration::from_secs(30 * 60)),
                cancel: Some(&self.cancel),
                on_line: Some(on_line),
                ..Run::default()
            },
        )?;
        if out.timed_out {
            bail!("`{} build` did not finish within 30 minutes", self.program);
        }
        if !out.success() {
            let text = format!("{}{}", out.stdout_text(), out.stderr_text());
            bail!(
                "building the image `{}` failed; the last lines of the build:\n{}",
                req.tag,
                last_lines(&text, 25)
            );
        }
        Ok(())
    }

    fn start(&self, req: &ContainerRequest) -> anyhow::Result<String> {
        let mut args: Vec<String> = vec![
            "run".into(),
            "-d".into(),
            "--name".into(),
            req.name.clone(),
            "--hostname".into(),
            req.hostname.clone(),
            // What systemd as PID 1 needs here, and no more (--privileged is not used: it fails
            // on these hosts and would widen what a lab can do).
            "--cap-add".into(),
            "SYS_ADMIN".into(),
            "--security-opt".into(),
            "seccomp=unconfined".into(),
            "--cgroupns=host".into(),
            "-v".into(),
            "/sys/fs/cgroup:/sys/fs/cgroup:rw".into(),
            "--tmpfs".into(),
            "/run".into(),
            "--tmpfs".into(),
            "/run/lock".into(),
            // Checks run inside the container against localhost: a lab needs no network, so it
            // gets none (hermetic, no bridge or veth to set up, nothing exposed on the host).
            "--network".into(),
            "none".into(),
        ];
        if self.is_podman() {
            // Podman raises NOFILE and NPROC by default, which these hosts forbid ("error
            // setting rlimit"); `--systemd=always` sets up what systemd as PID 1 needs
            // (design.md §6).
            args.extend(
                [
                    "--systemd=always",
                    "--ulimit",
                    "nofile=10000:10000",
                    "--ulimit",
                    "nproc=10000:10000",
                    // `--systemd=always` also puts a tmpfs on /var/log/journal, which a real
                    // Debian server keeps on disk; an anonymous volume there keeps the journal
                    // across a restart of the container (`rm -v` removes it with the container).
                    "-v",
                    "/var/log/journal",
                ]
                .map(String::from),
            );
        }
        args.extend(labels_args(&req.labels));
        args.push(req.image.clone());
        args.push("/sbin/init".into());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let id = self.short_ok(&refs)?;
        Ok(id.trim().to_string())
    }

    fn exec(
        &self,
        container: &str,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
    ) -> anyhow::Result<ExecOutput> {
        if stdin.is_none() {
            let start = || {
                let mut c = self.cmd();
                c.args(["exec", "-i", container, "sh", "-s"]);
                c
            };
            if let Some(out) = self
                .sessions
                .run(container, start, script, timeout, &self.cancel)?
            {
                return Ok(out);
            }
        }
        let mut c = self.cmd();
        c.arg("exec");
        if stdin.is_some() {
            c.arg("-i");
        }
        c.args([container, "sh", "-c", script]);
        let out = process::run(
            &mut c,
            Run {
                stdin,
                timeout: Some(timeout),
                cancel: Some(&self.cancel),
                ..Run::default()
            },
        )?;
        Ok(ExecOutput {
            code: out.code.unwrap_or(-1),
            stdout: out.stdout_text(),
            stderr: if out.timed_out {
                format!(
                    "{}(stopped after {:.1}s)",
                    out.stderr_text(),
                    timeout.as_secs_f64()
                )
            } else {
                out.stderr_text()
            },
        })
    }

    fn restart(&self, container: &str) -> anyhow::Result<()> {
        // The restart ends the session's shell; the next exec starts a new one.
        self.sessions.end(container);
        let mut c = self.cmd();
        // Ten seconds for a clean shutdown (systemd takes well under one here), then SIGKILL, as
        // a hard reset would: gunicorn 23 sometimes hangs in its SIGTERM handler ("reentrant
        // call" while logging), and a longer grace only made such a run slower.
        c.args(["restart", "-t", "10", container]);
        let out = process::run(
            &mut c,
            Run {
                timeout: Some(SHORT),
                cancel: Some(&self.cancel),
                ..Run::default()
            },
        )?;
        if !out.success() {
            bail!(
                "`{} restart` failed: {}",
                self.program,
                first_lines(&out.stderr_text(), 5)
            );
        }
        Ok(())
    }

    fn remove(&self, container: &str) -> anyhow::Result<()> {
        self.sessions.end(container);
        let out = self.short(&["rm", "-f", "-v", container])?;
        if !out.success() && !is_missing(&out.stderr_text()) {
            bail!(
                "`{} rm -f {container}` failed: {}",
                self.program,
                first_lines(&out.stderr_text(), 5)
            );
        }
        Ok(())
    }

    fn managed_containers(&self) -> anyhow::Result<Vec<Managed>> {
        self.list(
            &["ps", "-a", "--no-trunc"],
            "{{.ID}}\t{{.Names}}\t{{.Labels}}",
        )
    }

    fn managed_networks(&self) -> anyhow::Result<Vec<Managed>> {
        self.list(
            &["network", "ls", "--no-trunc"],
            "{{.ID}}\t{{.Name}}\t{{.Labels}}",
        )
    }

    fn remove_network(&self, id: &str) -> anyhow::Result<()> {
        self.short_ok(&["network", "rm", id]).map(|_| ())
    }

    fn managed_images(&self) -> anyhow::Result<Vec<ManagedImage>> {
        let filter = format!("label={LABEL_MANAGED}=true");
        let listing = self.short_ok(&[
            "images",
            "--no-trunc",
            "--filter",
            &filter,
            "--format",
            "{{.ID}}\t{{.Repository}}:{{.Tag}}",
        ])?;
        let tagged: Vec<(String, Option<String>)> = listing
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(id, r)| {
                let r = r.trim();
                let untagged = r.is_empty() || r.starts_with("<none>") || r.ends_with(":<none>");
                (id.trim().to_string(), (!untagged).then(|| r.to_string()))
            })
            .collect();
        if tagged.is_empty() {
            return Ok(Vec::new());
        }
        // `images` gives no machine-readable creation time; `image inspect` does.
        let mut ids: Vec<&str> = tagged.iter().map(|(id, _)| id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut args = vec!["image", "inspect", "--format", "{{.Id}}\t{{.Created}}"];
        args.extend(&ids);
        let created: BTreeMap<String, String> = self
            .short_ok(&args)?
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(id, c)| (id.trim().to_string(), c.trim().to_string()))
            .collect();
        Ok(tagged
            .into_iter()
            .map(|(id, reference)| ManagedImage {
                created: created.get(&id).cloned().unwrap_or_default(),
                id,
                reference,
            })
            .collect())
    }

    fn remove_image(&self, reference: &str) -> anyhow::Result<()> {
        self.short_ok(&["rmi", reference]).map(|_| ())
    }

    fn import(
        &self,
        tarball: &Path,
        image: &str,
        changes: &[String],
        message: &str,
    ) -> anyhow::Result<String> {
        let mut c = self.cmd();
        c.arg("import");
        for change in changes {
            c.args(["--change", change]);
        }
        c.args(["--message", message]).arg(tarball).arg(image);
        let out = process::run(
            &mut c,
            Run {
                timeout: Some(Duration::from_secs(20 * 60)),
                cancel: Some(&self.cancel),
                ..Run::default()
            },
        )?;
        if out.timed_out {
            bail!("`{} import` did not finish within 20 minutes", self.program);
        }
        if !out.success() {
            bail!(
                "`{} import` failed: {}",
                self.program,
                first_lines(&out.stderr_text(), 5)
            );
        }
        Ok(out.stdout_text().trim().to_string())
    }

    fn shell(&self, container: &str) -> anyhow::Result<i32> {
        let status = self
            .cmd()
            .args(["exec", "-it", container, "bash", "-l"])
            .status()
            .with_context(|| format!("cannot start `{} exec`", self.program))?;
        Ok(status.code().unwrap_or(-1))
    }
}

// ---------------------------------------------------------------------------------------------
// Ownership and sweeping.

/// Who created an object: a pid and that process's start time, so that a pid reused by another
/// process after a crash does not keep the object alive forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The owning process, pid and start time.
    pub stamp: ProcessStamp,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        Owner {
            stamp: ProcessStamp::current(),
        }
    }

    /// The labels every object this process creates for lab `lab` carries.
    pub fn labels(&self, lab: &str) -> BTreeMap<String, String> {
        let mut l = BTreeMap::new();
        l.insert(LABEL_MANAGED.to_string(), "true".to_string());
        l.insert(LABEL_OWNER_PID.to_string(), self.stamp.pid.to_string());
        if let Some(s) = self.stamp.start {
            l.insert(LABEL_OWNER_START.to_string(), s.to_string());
        }
        l.insert(LABEL_LAB.to_string(), lab.to_string());
        l
    }

    /// Whether the owner recorded in `labels` is still running.
    pub fn alive_from_labels(labels: &BTreeMap<String, String>) -> bool {
        let Some(pid) = labels
            .get(LABEL_OWNER_PID)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            // No owner recorded: not something a run left; only `lab gc` removes it.
            return true;
        };
        ProcessStamp {
            pid,
            start: labels
                .get(LABEL_OWNER_START)
                .and_then(|s| s.parse::<u64>().ok()),
        }
        .is_alive()
    }
}

/// What a sweep removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Container names.
    pub containers: Vec<String>,
    /// Network names.
    pub networks: Vec<String>,
}

/// Removes labelled containers and networks whose owner process is gone. Containers kept with
/// `--keep` are left unless `include_kept` (that is `lab gc`).
pub fn sweep(engine: &dyn Engine, include_kept: bool) -> anyhow::Result<Swept> {
    let me = std::process::id().to_string();
    let mut swept = Swept::default();
    for c in engine.managed_containers()? {
        let mine = c.labels.get(LABEL_OWNER_PID) == Some(&me);
        let kept = c.labels.get(LABEL_KEEP).is_some_and(|v| v == "true");
        let dead = !Owner::alive_from_labels(&c.labels);
        // Kept containers outlive their owner on purpose: only `lab gc` removes them.
        let remove = !mine && if kept { include_kept } else { dead };
        if remove {
            engine
                .remove(&c.id)
                .with_context(|| format!("removing the leftover container `{}`", c.name))?;
            swept.containers.push(c.name);
        }
    }
    for n in engine.managed_networks()? {
        if n.labels.get(LABEL_OWNER_PID) != Some(&me) && !Owner::alive_from_labels(&n.labels) {
            engine
                .remove_network(&n.id)
                .with_context(|| format!("removing the leftover network `{}`", n.name))?;
            swept.networks.push(n.name);
        }
    }
    Ok(swept)
}

/// The repository of an image reference (`docgen-lab-web` of `docgen-lab-web:abc`).
fn repo_of(reference: &str) -> &str {
    reference
        .split_once(':')
        .map_or(reference, |(repo, _)| repo)
}

/// What [`prune_images`] did.
#[derive(Debug, Default)]
pub struct PrunedImages {
    /// Tags (or ids of untagged images) removed.
    pub removed: Vec<String>,
    /// Those that could not be removed, with the engine's reason (a container uses it, say).
    pub failed: Vec<(String, String)>,
}

/// The images [`prune_images`] would remove: for each lab, every image tagged by its inputs'
/// hash (`docgen-lab-<id>:<16 hex digits>`) except the newest; and docgen's images that no tag
/// names any more. Other tags (the base image, a `:dev` tag) are kept.
pub fn stale_images(images: &[ManagedImage]) -> Vec<&ManagedImage> {
    let hashed = |r: &str| {
        r.split_once(':').is_some_and(|(repo, tag)| {
            repo.starts_with("docgen-lab-")
                && tag.len() == 16
                && tag.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    let mut newest: BTreeMap<&str, &ManagedImage> = BTreeMap::new();
    for img in images {
        let Some(r) = img.reference.as_deref().filter(|r| hashed(r)) else {
            continue;
        };
        let entry = newest.entry(repo_of(r)).or_insert(img);
        if (img.created.as_str(), r)
            > (
                entry.created.as_str(),
                entry.reference.as_deref().unwrap_or(""),
            )
        {
            *entry = img;
        }
    }
    images
        .iter()
        .filter(|img| match img.reference.as_deref() {
            None => true,
            Some(r) if hashed(r) => !std::ptr::eq(newest[repo_of(r)], *img),
            Some(_) => false,
        })
        .collect()
}

/// Removes the images [`stale_images`] names; with `labs`, only those of these lab ids (and no
/// untagged ones, which name no lab). An image that cannot be removed (a container still uses
/// it) is reported and skipped.
pub fn prune_images(engine: &dyn Engine, labs: &[String]) -> anyhow::Result<PrunedImages> {
    let images = engine.managed_images()?;
    let wanted = |img: &ManagedImage| {
        labs.is_empty()
            || img.reference.as_deref().is_some_and(|r| {
                let repo = repo_of(r);
                labs.iter()
                    .any(|l| repo.strip_prefix("docgen-lab-") == Some(l.as_str()))
            })
    };
    let mut pruned = PrunedImages::default();
    for img in stale_images(&images).into_iter().filter(|i| wanted(i)) {
        let what = img.reference.clone().unwrap_or_else(|| img.id.clone());
        match engine.remove_image(&what) {
            Ok(()) => pruned.removed.push(what),
            Err(e) => pruned.failed.push((what, format!("{e:#}"))),
        }
    }
    Ok(pruned)
}

/// Removes every container this process labelled (the signal backstop). Errors are ignored:
/// this runs on the way out.
pub fn remove_own(engine: &dyn Engine) {
    let me = std::process::id().to_string();
    if let Ok(list) = engine.managed_containers() {
        for c in list {
            if c.labels.get(LABEL_OWNER_PID) == Some(&me) {
                let _ = engine.remove(&c.id);
            }
        }
    }
}

/// A name for a new container: lab, pid and a per-process counter.
pub fn container_name(lab: &str, n: u32) -> String {
    format!("docgen-{lab}-{}-{n}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_lines_parse_into_labels() {
        let m =
            parse_listing("abc\tdocgen-x-1-1\tdocgen.managed=true,docgen.owner-pid=42").unwrap();
        assert_eq!(m.name, "docgen-x-1-1");
        assert_eq!(m.labels["docgen.owner-pid"], "42");
    }

    #[test]
    fn own_process_is_alive_and_a_reused_pid_is_not() {
        let me = Owner::current();
        assert!(me.stamp.start.is_some());
        let labels = me.labels("x");
        assert!(Owner::alive_from_labels(&labels));
        let mut reused = labels.clone();
        reused.insert(LABEL_OWNER_START.into(), "1".into());
        assert!(!Owner::alive_from_labels(&reused));
        let mut gone = labels;
        gone.insert(LABEL_OWNER_PID.into(), "999999999".into());
        assert!(!Owner::alive_from_labels(&gone));
    }
}
