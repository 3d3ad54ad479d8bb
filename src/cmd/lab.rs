//! `docgen lab ...`: list, run, test, shell, gc and bootstrap. Thin: it resolves options from
//! the command line and `book.toml [labs]`, connects the engine, installs the signal handler,
//! calls into the `docgen-lab` crate, prints progress to stderr and the report to stdout, and maps the
//! outcome to an exit code (0 pass, 1 failed checks, 2 operational error, 130/143 signals).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};

use super::{discover_or_report, EXIT_ERROR, EXIT_FINDINGS};
use crate::project::Project;
use crate::proven::{self, PageProofs};
use docgen_lab::engine::{self, CliEngine, Engine};
use docgen_lab::image::BuildInputs;
use docgen_lab::report::{self, CheckStatus, Report};
use docgen_lab::runner::{self, Event, Plan, Progress, Runner, Settings};
use docgen_lab::signals::{self, CancelToken};
use docgen_lab::spec::{self, LabSpec};
use docgen_lab::transcript::Transcript;
use docgen_lab::{bootstrap, DEFAULT_BASE_IMAGE};

/// Arguments of `docgen lab`.
#[derive(Debug, Args)]
pub struct LabArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LabCommand,
}

/// The `docgen lab` subcommands.
#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// List the labs with their title and last result.
    List {
        /// Print only the lab ids, one per line (for scripts).
        #[arg(long)]
        ids: bool,
    },
    /// Run a lab: build (cached), boot, install, check, report, remove the container.
    Run(RunArgs),
    /// Run labs and every break-it variant; passes only if each lab passes and each variant
    /// fails exactly the checks it declares.
    Test(TestArgs),
    /// Put the shard reports of `lab test --shard K/N` together: the verdict, the report and
    /// the results the site shows, as one `lab test` would have made them.
    Merge(MergeArgs),
    /// Boot a lab with its files and steps and open a shell in it.
    Shell(ShellArgs),
    /// Remove containers and networks docgen labelled whose owner process is gone (and kept ones);
    /// with --images, also each lab's older images.
    Gc(GcArgs),
    /// Build the base image without a registry: debootstrap + import.
    Bootstrap(BootstrapArgs),
    /// Check what labs need here (the engine, cgroups, the base image, disk space, inotify,
    /// whether systemd boots in a container) and say what to fix.
    Doctor(DoctorArgs),
    /// Create a new lab that passes `docgen lab test` as created: a Containerfile, a systemd
    /// unit, lab.yaml with checks and two break-it variants.
    New(crate::cmd::scaffold::NewLabArgs),
    /// Print lab.yaml's JSON Schema (the same as `docgen schema lab`).
    Schema,
}

/// `docgen lab doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
}

/// Output formats of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text with progress (stderr) and the report (stdout).
    Human,
    /// The report as JSON on stdout.
    Json,
    /// JUnit XML on stdout.
    Junit,
    /// GitHub Actions annotations on stdout (`::error file=...,line=...::`), each at the page
    /// line that explains the failed check.
    Github,
}

/// Engine selection.
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// The container engine CLI (`docker`, `podman`, or a path); default: `[labs] engine`, else
    /// detected.
    #[arg(long, value_name = "PROGRAM")]
    pub engine: Option<String>,
}

/// `lab gc` options.
#[derive(Debug, Clone, Args)]
pub struct GcArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
    /// Also remove lab images: for each lab, every image built from other inputs than its
    /// newest one (each edit of a lab's files builds a new image), and docgen's untagged
    /// images. The base image and images a container uses stay.
    #[arg(long)]
    pub images: bool,
    /// With --images: only the images of this lab (repeatable).
    #[arg(long = "lab", value_name = "ID", requires = "images")]
    pub labs: Vec<String>,
}

/// Build options.
#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
    /// A CA bundle to trust inside image builds (default: `[labs] ca-bundle`, `PIP_CERT`,
    /// `SSL_CERT_FILE`, the host's bundle).
    #[arg(long, value_name = "PATH")]
    pub ca_bundle: Option<PathBuf>,
    /// A pip index for image builds (default: `[labs] pip-index-url`, `PIP_INDEX_URL`).
    #[arg(long, value_name = "URL")]
    pub pip_index_url: Option<String>,
    /// Language of titles in the output (`en` or `vi`).
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Wait for a failing check until its `within:` deadline, even once the system has
    /// settled (no systemd job, no unit starting or restarting, the same result for 1.5 s).
    #[arg(long)]
    pub no_early_stop: bool,
}

/// `docgen lab run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The lab id.
    pub name: String,
    /// Run a break-it variant.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Replace one of the lab's files with your own: `gunicorn.service=./mine.service`.
    #[arg(long = "with", value_name = "FILE=PATH")]
    pub with: Vec<String>,
    /// Keep the container (its name is printed); `docgen lab gc` removes it.
    #[arg(long)]
    pub keep: bool,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub build: BuildArgs,
}

/// `docgen lab test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// One lab (default: all).
    pub name: Option<String>,
    /// How many runs go at once, each in its own container (default: the number of cores, and
    /// at most one per 2 GiB of available memory). `--jobs 1` runs them one by one.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Run only share K of N of the runs (a stable split, for a CI matrix) and print them as a
    /// shard report on stdout; `docgen lab merge` puts the shards' reports together.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub build: BuildArgs,
}

/// `docgen lab merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard reports (`lab test --shard K/N > shard-K.json`).
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub build: BuildArgs,
}

/// `docgen lab shell`.
#[derive(Debug, Args)]
pub struct ShellArgs {
    /// The lab id.
    pub name: String,
    /// Boot a break-it variant.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Replace one of the lab's files: `FILE=PATH`.
    #[arg(long = "with", value_name = "FILE=PATH")]
    pub with: Vec<String>,
    /// Keep the container after the shell exits.
    #[arg(long)]
    pub keep: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub build: BuildArgs,
}

/// `docgen lab bootstrap`.
#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// The Debian mirror (default: `[labs] mirror`, else the host's apt sources).
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,
    /// Rebuild the image even if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub engine: EngineArgs,
}

/// Runs `docgen lab`.
pub fn execute(root: Option<&Path>, args: LabArgs) -> anyhow::Result<ExitCode> {
    let cancel = CancelToken::new();
    match args.command {
        LabCommand::List { ids } => list(root, ids),
        LabCommand::Run(a) => run(root, a, &cancel),
        LabCommand::Test(a) => test(root, a, &cancel),
        LabCommand::Merge(a) => merge(root, a),
        LabCommand::Shell(a) => shell(root, a, &cancel),
        LabCommand::Gc(a) => gc(root, a, &cancel),
        LabCommand::Bootstrap(a) => bootstrap_cmd(root, a, &cancel),
        LabCommand::Doctor(a) => doctor(root, a, &cancel),
        LabCommand::New(a) => crate::cmd::scaffold::new_lab(root, &a),
        LabCommand::Schema => crate::cmd::meta::schema(&crate::cmd::meta::SchemaArgs {
            name: crate::cmd::meta::SchemaName::Lab,
        }),
    }
}

/// The project for commands that work without a book too (gc, bootstrap).
fn project_if_any(root: Option<&Path>) -> Option<Project> {
    Project::discover(root).ok()
}

fn connect(
    project: Option<&Project>,
    args: &EngineArgs,
    cancel: &CancelToken,
) -> anyhow::Result<CliEngine> {
    let configured = project.and_then(|p| p.config.labs.engine.clone());
    let engine = CliEngine::detect(
        args.engine.as_deref().or(configured.as_deref()),
        cancel.clone(),
    )?;
    // From here on a signal must not kill us before the containers are gone.
    let backstop_engine = engine.clone();
    signals::install(cancel.clone(), move || engine::remove_own(&backstop_engine))
        .context("cannot install the SIGINT/SIGTERM handler")?;
    Ok(engine)
}

fn sweep(engine: &dyn Engine) {
    match engine::sweep(engine, false) {
        Ok(s) => {
            for c in &s.containers {
                eprintln!("  sweep  removed container {c} left by a dead docgen process");
            }
            for n in &s.networks {
                eprintln!("  sweep  removed network {n} left by a dead docgen process");
            }
        }
        Err(e) => eprintln!("  sweep  warning: {e:#}"),
    }
}

/// The pages' transcripts and claims of the `labs` (of one lab when `only` names it); an
/// error that lists every problem when a transcript is malformed or names what does not exist.
fn proofs_of(
    project: &Project,
    labs: &[LabSpec],
    only: Option<&str>,
) -> anyhow::Result<PageProofs> {
    let proofs = proven::scan(project, labs, only);
    if proofs.diagnostics.iter().any(|d| d.is_error()) {
        let text: Vec<String> = proofs.diagnostics.iter().map(ToString::to_string).collect();
        bail!("invalid transcripts\n\n{}", text.join("\n\n"));
    }
    Ok(proofs)
}

fn load_lab(project: &Project, name: &str) -> anyhow::Result<LabSpec> {
    spec::load_one(&project.labs_dir(), name).map_err(|ds| {
        let text: Vec<String> = ds.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("invalid lab `{name}`\n\n{}", text.join("\n\n"))
    })
}

fn settings(project: &Project, build: &BuildArgs, keep: bool) -> anyhow::Result<Settings> {
    let labs = &project.config.labs;
    let ca_config = labs.ca_bundle.as_ref().map(|p| project.root.join(p));
    let inputs = BuildInputs {
        base_image: labs
            .base_image
            .clone()
            .unwrap_or_else(|| DEFAULT_BASE_IMAGE.to_string()),
        ca_bundle: BuildInputs::resolve_ca(build.ca_bundle.clone(), ca_config)?,
        pip_index_url: build
            .pip_index_url
            .clone()
            .or_else(|| labs.pip_index_url.clone())
            .or_else(|| {
                std::env::var("PIP_INDEX_URL")
                    .ok()
                    .filter(|s| !s.is_empty())
            }),
    };
    let mut s = Settings::new(inputs, project.cache_dir().join("tmp"));
    s.keep = keep;
    if build.no_early_stop {
        s.settle = None;
    }
    Ok(s)
}

fn parse_with(with: &[String]) -> anyhow::Result<Vec<(String, PathBuf)>> {
    with.iter()
        .map(|w| {
            let Some((name, path)) = w.split_once('=') else {
                bail!("--with `{w}`: write FILE=PATH, e.g. --with gunicorn.service=./mine.service");
            };
            let p = PathBuf::from(path);
            if !p.is_file() {
                bail!("--with {name}={path}: `{path}` is not a readable file");
            }
            Ok((name.to_string(), p))
        })
        .collect()
}

/// `lab test`'s default `--jobs`: the cores, and at most one run per 2 GiB of available
/// memory (a lab with systemd, nginx, gunicorn and Django takes a few hundred MB; its image
/// build more).
fn default_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let available_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<usize>().ok())
    });
    let by_memory = available_kib.map_or(cores, |k| (k / (2 * 1024 * 1024)).max(1));
    cores.min(by_memory).max(1)
}

/// Prints progress to stderr; with a prefix (one of several runs at once), every line starts
/// with `[RUN]` and an event's lines are written together.
struct Stderr {
    lang: String,
    prefix: Option<String>,
}

impl Progress for Stderr {
    fn fork(&self, run: &str) -> Box<dyn Progress + Send> {
        Box::new(Stderr {
            lang: self.lang.clone(),
            prefix: Some(run.to_string()),
        })
    }

    fn event(&mut self, e: &Event<'_>) {
        let mut buf: Vec<u8> = Vec::new();
        self.render(e, &mut buf);
        let text = String::from_utf8_lossy(&buf);
        let mut err = std::io::stderr().lock();
        match &self.prefix {
            None => {
                let _ = err.write_all(text.as_bytes());
            }
            Some(p) => {
                let mut out = String::with_capacity(text.len() + 32);
                for line in text.lines() {
                    out.push_str(&format!("[{p}] {line}\n"));
                }
                let _ = err.write_all(out.as_bytes());
            }
        }
    }
}

impl Stderr {
    fn render(&self, e: &Event<'_>, err: &mut Vec<u8>) {
        let _ = match e {
            Event::Start { spec, variant } => writeln!(
                err,
                "lab {}{}: {}",
                spec.id,
                variant.map(|v| format!(" (variant {v})")).unwrap_or_default(),
                spec.title.get(&self.lang)
            ),
            Event::Building(tag) => writeln!(err, "  build  {tag}: not cached, building"),
            Event::BuildLine(l) => writeln!(err, "         {l}"),
            Event::Phase(p) => {
                let r = writeln!(
                    err,
                    "  {:<6} {} {}  [{:.1}s]",
                    p.name,
                    if p.ok { "ok  " } else { "FAIL" },
                    p.detail,
                    p.duration_ms as f64 / 1000.0
                );
                if let (false, Some(o)) = (p.ok, &p.output) {
                    for l in o.lines() {
                        let _ = writeln!(err, "           | {l}");
                    }
                }
                r
            }
            Event::Action { check, what } => writeln!(err, "  action {what} (before {check})"),
            Event::Check(c) => {
                let r = writeln!(err, "{}", report::check_line(c, &self.lang));
                if c.status == CheckStatus::Failed {
                    let _ = write!(err, "{}", report::failure_details(c));
                }
                r
            }
            Event::Teardown {
                container,
                kept,
                error,
            } => match (kept, error) {
                (_, Some(e)) => writeln!(err, "  teardown FAILED to remove {container}: {e}"),
                (true, None) => writeln!(
                    err,
                    "  kept   {container}: `docker exec -it {container} bash`; remove with `docgen lab gc`"
                ),
                (false, None) => writeln!(err, "  teardown removed {container}"),
            },
        };
    }
}

fn list(root: Option<&Path>, ids_only: bool) -> anyhow::Result<ExitCode> {
    let project = discover_or_report(root)?;
    let (specs, diags) = spec::load_all(&project.labs_dir());
    let cache = project.cache_dir();
    let mut out = std::io::stdout().lock();
    for s in &specs {
        if ids_only {
            writeln!(out, "{}", s.id)?;
            continue;
        }
        let last = match report::last_result(&cache, &s.id) {
            None => "never run".to_string(),
            Some(r) => format!(
                "{} {} ({}/{} checks)",
                if r.passed() { "passed" } else { "FAILED" },
                r.started_at,
                r.checks.iter().filter(|c| c.passed()).count(),
                r.checks.len()
            ),
        };
        writeln!(out, "{:<20} {:<60} {last}", s.id, s.title.get("en"))?;
    }
    for d in &diags {
        eprintln!("{d}\n");
    }
    Ok(if diags.iter().any(|d| d.is_error()) {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(r: &Report, format: Format, lang: &str) -> anyhow::Result<()> {
    let text = match format {
        Format::Human => report::render_human(r, lang),
        Format::Json => serde_json::to_string_pretty(r)? + "\n",
        Format::Junit => report::render_junit(r),
        // `run` prints these itself: they need the book.
        Format::Github => String::new(),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

fn run(root: Option<&Path>, a: RunArgs, cancel: &CancelToken) -> anyhow::Result<ExitCode> {
    let project = discover_or_report(root)?;
    let spec = load_lab(&project, &a.name)?;
    let variant = match &a.variant {
        None => None,
        Some(v) => Some(spec.variant_named(v)?),
    };
    let with = parse_with(&a.with)?;
    let settings = settings(&project, &a.build, a.keep)?;
    let engine = connect(Some(&project), &a.engine, cancel)?;
    sweep(&engine);
    let runner = Runner::new(&engine, cancel.clone(), settings);
    // The page's transcripts prove the lab as it is (or the variant they name), not someone's
    // own file.
    let proofs = if with.is_empty() {
        proofs_of(&project, std::slice::from_ref(&spec), Some(&spec.id))?
    } else {
        PageProofs::default()
    };
    let transcripts = proofs.transcripts;
    let plan = Plan {
        spec: &spec,
        variant,
        with,
        transcripts: &transcripts,
        first_failure: false,
    };
    let mut progress = Stderr {
        lang: a.build.lang.clone(),
        prefix: None,
    };
    let mut r = runner.run(&plan, &mut progress)?;
    if plan.is_base() {
        r.sources = proven::lab_sources(&spec, &transcripts, &proofs.claims).ok();
        // The variants' transcripts ran in the last `lab test`; their results still hold when
        // nothing changed since, so the stored result keeps them.
        let mut stored = r.clone();
        if let Some(prev) = report::last_result(&project.cache_dir(), &spec.id) {
            if prev.sources.is_some() && prev.sources == stored.sources {
                let kept: Vec<_> = prev
                    .checks
                    .into_iter()
                    .filter(|c| c.kind == "transcript")
                    .filter(|c| !stored.checks.iter().any(|s| s.id == c.id))
                    .collect();
                stored.checks.extend(kept);
            }
        }
        if let Err(e) = report::store_last(&project.cache_dir(), &stored) {
            eprintln!("warning: cannot store the result: {e:#}");
        }
    }
    match a.format {
        Format::Human => eprintln!("{}", report::summary_line(&r)),
        Format::Github => {
            eprintln!("{}", report::summary_line(&r));
            std::io::stdout()
                .lock()
                .write_all(super::github::lab_report(&project, &spec, &r).as_bytes())?;
        }
        _ => print_report(&r, a.format, &a.build.lang)?,
    }
    Ok(if r.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    })
}

fn test(root: Option<&Path>, a: TestArgs, cancel: &CancelToken) -> anyhow::Result<ExitCode> {
    let project = discover_or_report(root)?;
    let specs = match &a.name {
        Some(n) => vec![load_lab(&project, n)?],
        None => {
            let (specs, diags) = spec::load_all(&project.labs_dir());
            if !diags.is_empty() {
                let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
                bail!("invalid lab specs\n\n{}", text.join("\n\n"));
            }
            if specs.is_empty() {
                bail!("no labs in `{}`", project.labs_dir().display());
            }
            specs
        }
    };
    let PageProofs {
        transcripts,
        claims,
        ..
    } = proofs_of(&project, &specs, a.name.as_deref())?;
    let min_coverage = project.config.labs.min_claim_coverage;
    if let Some(m) = min_coverage.filter(|m| !(0.0..=1.0).contains(m)) {
        bail!("[labs] min-claim-coverage = {m} in book.toml is not a share from 0.0 to 1.0 (0.9 means 90%)");
    }
    let mut settings = settings(&project, &a.build, false)?;
    settings.jobs = match a.jobs {
        Some(0) => bail!("--jobs 0: at least one run must go at a time"),
        Some(n) => n,
        None => default_jobs(),
    };
    let engine = connect(Some(&project), &a.engine, cancel)?;
    sweep(&engine);
    let runner = Runner::new(&engine, cancel.clone(), settings);
    let mut progress = Stderr {
        lang: a.build.lang.clone(),
        prefix: None,
    };
    let mine = |id: &str| -> (Vec<Transcript>, Vec<docgen_lab::claims::Claim>) {
        (
            transcripts
                .iter()
                .filter(|t| t.lab == id)
                .cloned()
                .collect(),
            claims.iter().filter(|c| c.lab == id).cloned().collect(),
        )
    };
    if let Some(shard) = &a.shard {
        // Every (lab, run) in a stable order; this shard takes every Nth from its K.
        let (k, n) = parse_shard(shard)?;
        let mut all: Vec<(usize, String)> = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let (_, cs) = mine(&s.id);
            all.extend(runner::run_names(s, &cs).into_iter().map(|r| (i, r)));
        }
        let mut runs = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let names: Vec<String> = all
                .iter()
                .enumerate()
                .filter(|(idx, (lab, _))| *lab == i && idx % n == k - 1)
                .map(|(_, (_, r))| r.clone())
                .collect();
            if names.is_empty() {
                continue;
            }
            let (ts, cs) = mine(&s.id);
            for (run, report) in runner.run_named(s, &ts, &cs, &names, &mut progress)? {
                runs.push(ShardRun {
                    lab: s.id.clone(),
                    run,
                    report,
                });
            }
        }
        eprintln!(
            "lab test --shard {k}/{n}: {} of {} runs; put the shards together with `docgen lab merge`",
            runs.len(),
            all.len()
        );
        let out = ShardReport {
            shard: format!("{k}/{n}"),
            runs,
        };
        std::io::stdout()
            .lock()
            .write_all((serde_json::to_string_pretty(&out)? + "\n").as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut results = Vec::new();
    for s in &specs {
        let (ts, cs) = mine(&s.id);
        let t = runner.test(s, &ts, &cs, &mut progress)?;
        results.push(finish(&project, s, &ts, &cs, t, min_coverage)?);
    }
    report_tests(&project, &specs, &results, a.format)
}

/// One run of a shard report.
#[derive(serde::Serialize, serde::Deserialize)]
struct ShardRun {
    lab: String,
    /// `""` for the lab as it is, else the variant's name.
    run: String,
    report: report::Report,
}

/// What `lab test --shard K/N` prints.
#[derive(serde::Serialize, serde::Deserialize)]
struct ShardReport {
    shard: String,
    runs: Vec<ShardRun>,
}

/// `K/N` with 1 <= K <= N.
fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
    let parsed = s.split_once('/').and_then(|(k, n)| {
        Some((
            k.trim().parse::<usize>().ok()?,
            n.trim().parse::<usize>().ok()?,
        ))
    });
    match parsed {
        Some((k, n)) if n >= 1 && (1..=n).contains(&k) => Ok((k, n)),
        _ => bail!("--shard {s}: write K/N with 1 <= K <= N, e.g. --shard 1/3"),
    }
}

/// The verdict of one lab, with `[labs] min-claim-coverage` applied and the results the site
/// shows stored (`last.json` with the transcripts that ran in variants, `claims.json`).
fn finish(
    project: &Project,
    s: &spec::LabSpec,
    ts: &[Transcript],
    cs: &[docgen_lab::claims::Claim],
    mut t: report::LabTest,
    min_coverage: Option<f64>,
) -> anyhow::Result<report::LabTest> {
    if let (Some(min), Some(c)) = (min_coverage, &t.claims) {
        if c.ratio() < min {
            t.ok = false;
            eprintln!(
                "lab {}: claims {}/{} proven, below [labs] min-claim-coverage = {min}",
                s.id, c.proven, c.total
            );
        }
    }
    let sources = proven::lab_sources(s, ts, cs)?;
    t.base.sources = Some(sources.clone());
    // The stored result also carries the transcripts that ran in variants, for the pages.
    let mut stored = t.base.clone();
    for v in &t.variants {
        stored.checks.extend(
            v.report
                .checks
                .iter()
                .filter(|c| c.kind == "transcript")
                .cloned(),
        );
    }
    if let Err(e) = report::store_last(&project.cache_dir(), &stored) {
        eprintln!("warning: cannot store the result: {e:#}");
    }
    if let Some(c) = &t.claims {
        let stored = report::StoredClaims {
            sources,
            at: t.base.started_at.clone(),
            coverage: c.clone(),
        };
        if let Err(e) = report::store_claims(&project.cache_dir(), &s.id, &stored) {
            eprintln!("warning: cannot store the claims: {e:#}");
        }
    }
    Ok(t)
}

/// Prints `lab test`'s report and gives its exit code.
fn report_tests(
    project: &Project,
    specs: &[LabSpec],
    results: &[report::LabTest],
    format: Format,
) -> anyhow::Result<ExitCode> {
    let text = match format {
        Format::Human => report::render_test_human(results),
        Format::Json => serde_json::to_string_pretty(results)? + "\n",
        Format::Junit => report::render_test_junit(results),
        Format::Github => super::github::lab_tests(project, specs, results),
    };
    if format == Format::Human {
        eprint!("{text}");
    } else {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    }
    Ok(if results.iter().all(|t| t.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    })
}

/// `docgen lab merge`: the shards' runs, each exactly once, put together per lab.
fn merge(root: Option<&Path>, a: MergeArgs) -> anyhow::Result<ExitCode> {
    let project = discover_or_report(root)?;
    let (specs, diags) = spec::load_all(&project.labs_dir());
    if !diags.is_empty() {
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        bail!("invalid lab specs\n\n{}", text.join("\n\n"));
    }
    let PageProofs {
        transcripts,
        claims,
        ..
    } = proofs_of(&project, &specs, None)?;
    let mut by_lab: BTreeMap<String, BTreeMap<String, report::Report>> = BTreeMap::new();
    for path in &a.reports {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the shard report `{}`", path.display()))?;
        let shard: ShardReport = serde_json::from_str(&text).with_context(|| {
            format!(
                "`{}` is not a shard report of `docgen lab test --shard K/N`",
                path.display()
            )
        })?;
        for r in shard.runs {
            let name = if r.run.is_empty() {
                "the lab itself".to_string()
            } else {
                r.run.clone()
            };
            if by_lab
                .entry(r.lab.clone())
                .or_default()
                .insert(r.run, r.report)
                .is_some()
            {
                bail!(
                    "lab `{}`: {name} is in two shard reports (the last: `{}`); give each shard once",
                    r.lab,
                    path.display()
                );
            }
        }
    }
    let min_coverage = project.config.labs.min_claim_coverage;
    let mut results = Vec::new();
    for s in &specs {
        let Some(runs) = by_lab.remove(&s.id) else {
            continue;
        };
        let ts: Vec<Transcript> = transcripts
            .iter()
            .filter(|t| t.lab == s.id)
            .cloned()
            .collect();
        let cs: Vec<_> = claims.iter().filter(|c| c.lab == s.id).cloned().collect();
        let t = runner::assemble(s, &cs, runs)
            .map_err(|e| anyhow::anyhow!("{e:#}: merge the reports of every shard"))?;
        results.push(finish(&project, s, &ts, &cs, t, min_coverage)?);
    }
    if let Some(lab) = by_lab.keys().next() {
        bail!("the shard reports have runs of lab `{lab}`, which this book does not have");
    }
    report_tests(&project, &specs, &results, a.format)
}

fn shell(root: Option<&Path>, a: ShellArgs, cancel: &CancelToken) -> anyhow::Result<ExitCode> {
    let project = discover_or_report(root)?;
    let spec = load_lab(&project, &a.name)?;
    let variant = match &a.variant {
        None => None,
        Some(v) => Some(spec.variant_named(v)?),
    };
    let with = parse_with(&a.with)?;
    let settings = settings(&project, &a.build, a.keep)?;
    let engine = connect(Some(&project), &a.engine, cancel)?;
    sweep(&engine);
    let runner = Runner::new(&engine, cancel.clone(), settings);
    let code = runner.shell(
        &Plan {
            spec: &spec,
            variant,
            with,
            transcripts: &[],
            first_failure: false,
        },
        &mut Stderr {
            lang: a.build.lang.clone(),
            prefix: None,
        },
    )?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

fn gc(root: Option<&Path>, a: GcArgs, cancel: &CancelToken) -> anyhow::Result<ExitCode> {
    let project = project_if_any(root);
    let engine = connect(project.as_ref(), &a.engine, cancel)?;
    let s = engine::sweep(&engine, true)?;
    for c in &s.containers {
        println!("removed container {c}");
    }
    for n in &s.networks {
        println!("removed network {n}");
    }
    let mut removed = s.containers.len() + s.networks.len();
    let mut failed = 0;
    if a.images {
        let p = engine::prune_images(&engine, &a.labs)?;
        for i in &p.removed {
            println!("removed image {i}");
        }
        for (i, why) in &p.failed {
            eprintln!("docgen: kept image {i}: {why}");
        }
        removed += p.removed.len();
        failed = p.failed.len();
    }
    if removed == 0 && failed == 0 {
        println!("nothing to remove");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn bootstrap_cmd(
    root: Option<&Path>,
    a: BootstrapArgs,
    cancel: &CancelToken,
) -> anyhow::Result<ExitCode> {
    let project = project_if_any(root);
    let engine = connect(project.as_ref(), &a.engine, cancel)?;
    let labs = project
        .as_ref()
        .map(|p| p.config.labs.clone())
        .unwrap_or_default();
    let scratch = match &project {
        Some(p) => p.cache_dir().join("tmp"),
        None => std::env::temp_dir(),
    };
    let opts = bootstrap::Options {
        image: labs
            .base_image
            .unwrap_or_else(|| DEFAULT_BASE_IMAGE.to_string()),
        mirror: a.mirror.or(labs.mirror),
        force: a.force,
        scratch,
    };
    bootstrap::run(&engine, cancel, &opts, &mut |m| eprintln!("bootstrap: {m}"))?;
    Ok(ExitCode::SUCCESS)
}

/// One finding of `lab doctor`: ok or not, what was seen, and what to do when not.
fn doctor_line(ok: bool, what: &str, seen: &str, fix: &str) -> bool {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "  {} {what}: {seen}", if ok { "ok  " } else { "FAIL" });
    if !ok && !fix.is_empty() {
        let _ = writeln!(err, "       fix: {fix}");
    }
    ok
}

/// `docgen lab doctor`: each thing a lab run needs, checked, with the fix for what is wrong.
fn doctor(root: Option<&Path>, a: DoctorArgs, cancel: &CancelToken) -> anyhow::Result<ExitCode> {
    let project = discover_or_report(root).ok();
    let mut all = true;
    eprintln!("lab doctor:");
    let engine = match connect(project.as_ref(), &a.engine, cancel) {
        Ok(e) => {
            doctor_line(true, "engine", &e.describe(), "");
            e
        }
        Err(e) => {
            doctor_line(
                false,
                "engine",
                &format!("{e:#}"),
                "run scripts/docker-up (installs docker.io and starts dockerd), or pass --engine podman",
            );
            return Ok(ExitCode::from(EXIT_FINDINGS));
        }
    };
    let cgroup = std::process::Command::new("stat")
        .args(["-fc", "%T", "/sys/fs/cgroup"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    all &= doctor_line(
        cgroup == "cgroup2fs" || cgroup == "tmpfs",
        "cgroups",
        match cgroup.as_str() {
            "cgroup2fs" => "v2 (unified)",
            "tmpfs" => "v1 (legacy)",
            other => other,
        },
        "systemd in a container needs /sys/fs/cgroup mounted (v2, or v1 with tmpfs)",
    );
    let base = project
        .as_ref()
        .and_then(|p| p.config.labs.base_image.clone())
        .unwrap_or_else(|| DEFAULT_BASE_IMAGE.to_string());
    let has_base = engine.image_id(&base).ok().flatten().is_some();
    all &= doctor_line(
        has_base,
        "base image",
        &if has_base {
            format!("{base} is there")
        } else {
            format!("no {base}")
        },
        "run `docgen lab bootstrap` (debootstrap + import, no registry needed)",
    );
    let root_dir = std::process::Command::new(engine.name())
        .args(["info", "--format", "{{.DockerRootDir}}"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .ok()
        .filter(|d| !d.is_empty() && !d.contains("{{"))
        .unwrap_or_else(|| "/var/lib/docker".to_string());
    let free_gib = std::process::Command::new("df")
        .args(["-Pk", &root_dir])
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .nth(1)
                .and_then(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
        })
        .map(|kib| kib as f64 / 1024.0 / 1024.0);
    match free_gib {
        Some(g) => {
            all &= doctor_line(
                g >= 5.0,
                "disk",
                &format!("{g:.1} GiB free under {root_dir}"),
                "a lab image is about 250 MB and its build needs more; free space, or run `docgen lab gc --images`",
            );
        }
        None => {
            doctor_line(
                true,
                "disk",
                &format!("cannot tell the free space of {root_dir}"),
                "",
            );
        }
    }
    let inotify = std::fs::read_to_string("/proc/sys/fs/inotify/max_user_instances")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    if let Some(n) = inotify {
        all &= doctor_line(
            n >= 512,
            "inotify instances",
            &format!("fs.inotify.max_user_instances = {n}"),
            "systemd containers side by side (lab test --jobs) run out of the default 128: sysctl -w fs.inotify.max_user_instances=1024 (scripts/docker-up does it)",
        );
    }
    // systemd boots: the first lab image already built here, booted like a run boots it.
    let labs = project
        .as_ref()
        .map(|p| spec::load_all(&p.labs_dir()).0)
        .unwrap_or_default();
    let settings = match &project {
        Some(p) => {
            let mut s = settings(p, &BuildArgs::default(), false)?;
            s.boot_timeout = std::time::Duration::from_secs(60);
            s
        }
        None => Settings::new(
            BuildInputs {
                base_image: base.clone(),
                ca_bundle: None,
                pip_index_url: None,
            },
            std::env::temp_dir(),
        ),
    };
    let runner = Runner::new(&engine, cancel.clone(), settings);
    // A lab image of this book already built here (any version of it has systemd).
    let images = std::process::Command::new(engine.name())
        .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let built = labs.iter().find_map(|s| {
        let prefix = format!("docgen-lab-{}:", s.id);
        images
            .lines()
            .find(|l| l.starts_with(&prefix))
            .map(|tag| (s, tag.to_string()))
    });
    match built {
        Some((spec, tag)) => match runner.boots(spec, &tag) {
            Ok(state) => {
                all &= doctor_line(
                    state == "running",
                    "systemd boots",
                    &format!("lab `{}`'s image: systemd is {state}", spec.id),
                    "see `docgen lab run` evidence (systemctl --failed); in a container systemd needs --cgroupns=host, SYS_ADMIN and a writable /sys/fs/cgroup, which docgen passes",
                );
            }
            Err(e) => {
                all &= doctor_line(
                    false,
                    "systemd boots",
                    &format!("{e:#}"),
                    "check the engine's log; `docgen lab run LAB` shows the boot's evidence",
                );
            }
        },
        None => {
            doctor_line(
                true,
                "systemd boots",
                "no lab image is built here yet: `docgen lab run LAB` builds one and tells",
                "",
            );
        }
    }
    eprintln!(
        "{}",
        if all {
            "lab doctor: all good"
        } else {
            "lab doctor: fix the FAIL lines above"
        }
    );
    Ok(if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    })
}
