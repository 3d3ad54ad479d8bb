//! Helpers shared by the integration tests: run the real `docgen` binary and, on failure, print
//! everything needed to see why (command, directory, status, stdout, stderr); fixture books in
//! throwaway directories (`Book`); the one rule for tests that need Docker or Chromium (`skip`).
//!
//! `Book` follows the shape of mdBook's `BookTest`: a fixture, a command, then what must come
//! out of it, e.g. `Book::fixture("errors/broken-link").run(&["check"]).code(1)` followed by
//! `.stderr_eq(...)`, `.stderr_has(...)`, or a golden (insta) snapshot of `run.stderr` or of a
//! built page (`book.main_of("index.html")`).

pub mod browser;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

// ---------------------------------------------------------------------------------------------
// Running docgen

/// The `docgen` binary, with docgen's own environment (`DOCGEN_*`) cleared so the developer's
/// setup cannot leak in (a cache directory elsewhere, timings on stderr, ...).
pub fn docgen_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docgen"));
    for (k, _) in std::env::vars() {
        if k.starts_with("DOCGEN_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// The result of one `docgen` run. Each check panics with the whole run when it fails.
pub struct Run {
    pub cmd: String,
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// stdout as it came, for output that is checked as bytes (UTF-8, JSON).
    pub stdout_bytes: Vec<u8>,
}

impl Run {
    /// Runs `cmd` to the end; `label` says what it was in failure messages.
    pub fn of(mut cmd: Command, label: String) -> Run {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {label}: {e}"));
        Run {
            cmd: label,
            status: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            stdout_bytes: out.stdout,
        }
    }

    /// Everything about the run, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- command: {}\n--- status: {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.cmd, self.status, self.stdout, self.stderr
        )
    }

    /// Panics with the whole run unless the exit code is `code`.
    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        if self.status != Some(code) {
            panic!(
                "expected exit {code}, got {:?}\n{}",
                self.status,
                self.dump()
            );
        }
        self
    }

    /// Panics with the whole run unless stderr is exactly `want`.
    #[track_caller]
    pub fn stderr_eq(self, want: &str) -> Run {
        if self.stderr != want {
            panic!("expected stderr {want:?}\n{}", self.dump());
        }
        self
    }

    /// Panics with the whole run unless stderr contains `part`.
    #[track_caller]
    pub fn stderr_has(self, part: &str) -> Run {
        if !self.stderr.contains(part) {
            panic!("expected {part:?} on stderr\n{}", self.dump());
        }
        self
    }

    /// Panics with the whole run if stderr contains `part`.
    #[track_caller]
    pub fn stderr_lacks(self, part: &str) -> Run {
        if self.stderr.contains(part) {
            panic!("did not expect {part:?} on stderr\n{}", self.dump());
        }
        self
    }

    /// Panics with the whole run unless stdout contains `part`.
    #[track_caller]
    pub fn stdout_has(self, part: &str) -> Run {
        if !self.stdout.contains(part) {
            panic!("expected {part:?} on stdout\n{}", self.dump());
        }
        self
    }
}

/// Runs the docgen binary with `args` in `dir`.
pub fn docgen(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = docgen_command();
    cmd.current_dir(dir).args(args);
    Run::of(
        cmd,
        format!("docgen {} (in {})", args.join(" "), dir.display()),
    )
}

// ---------------------------------------------------------------------------------------------
// Fixture books

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A book in a fresh temporary directory (removed on drop): tests never write into the repo.
pub struct Book {
    dir: tempfile::TempDir,
}

impl Book {
    /// A copy of `tests/fixtures/NAME` (without any build output it may have).
    pub fn fixture(name: &str) -> Book {
        let book = Book::empty();
        copy_dir(&repo_root().join("tests/fixtures").join(name), book.path());
        book
    }

    /// An empty directory, for books a test writes itself.
    pub fn empty() -> Book {
        Book {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The book's root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `docgen ARGS` run in the book's root.
    pub fn run(&self, args: &[&str]) -> Run {
        docgen(self.path(), args)
    }

    /// The book after a `docgen build` that must exit 0.
    pub fn built(self) -> Book {
        self.run(&["build"]).code(0);
        self
    }

    /// The text of `REL` under the book's root.
    pub fn read(&self, rel: &str) -> String {
        let path = self.path().join(rel);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// Writes `text` to `REL` under the book's root (making directories as needed).
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(&path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// The text of a file of the built site (`book/PAGE`).
    pub fn output(&self, page: &str) -> String {
        self.read(&format!("book/{page}"))
    }

    /// The `<main>...</main>` of a built page: the part golden tests compare.
    pub fn main_of(&self, page: &str) -> String {
        main_part(&self.output(page)).to_string()
    }
}

/// Copies a directory tree, skipping build output (a top-level `book/`). Symlinks are copied as
/// the files they point to.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.starts_with("book") {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading built pages

/// The `<main>...</main>` part of a page.
pub fn main_part(html: &str) -> &str {
    let start = html.find("<main").expect("page has <main>");
    let end = html.find("</main>").expect("page has </main>") + "</main>".len();
    &html[start..end]
}

/// Every file under `dir` with its bytes, sorted, for byte-for-byte comparisons.
pub fn snapshot_dir(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Decodes the few entities docgen's HTML escaping produces.
pub fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Removes tags, keeping text.
pub fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Docker, Chromium, and skipping

/// What a test may need of the machine that a developer's machine may lack.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// A Docker engine that answers (and the base image the labs build from).
    Docker,
    /// Chromium and chromedriver.
    Chromium,
}

impl Need {
    /// The variable that makes this need a hard requirement.
    fn require_var(self) -> &'static str {
        match self {
            Need::Docker => "DOCGEN_REQUIRE_DOCKER",
            Need::Chromium => "DOCGEN_REQUIRE_CHROMIUM",
        }
    }
}

/// Skips (the caller returns after this) because `need` is not met, printing `reason`.
///
/// THE rule for every test that needs Docker or Chromium: every such skip goes through here, and
/// nowhere else does a test return early for a missing engine, base image or browser. When
/// `DOCGEN_REQUIRE_DOCKER=1` / `DOCGEN_REQUIRE_CHROMIUM=1` is set (scripts/test and so CI set
/// both), this panics instead: there a missing engine or browser FAILS the test, never skips it.
#[track_caller]
pub fn skip(need: Need, reason: &str) {
    let var = need.require_var();
    if std::env::var(var).as_deref() == Ok("1") {
        panic!("{reason} ({var}=1)");
    }
    eprintln!("SKIPPED: {reason}");
}

/// Whether a Docker engine answers; when it does not, skips through [`skip`] (so it panics under
/// `DOCGEN_REQUIRE_DOCKER=1`). `what` says what the caller would have done.
#[track_caller]
pub fn docker_or_skip(what: &str) -> bool {
    let reason = match Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) if o.status.success() => return true,
        Ok(o) => format!(
            "`docker info` fails: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => format!("cannot run `docker info`: {e}"),
    };
    skip(
        Need::Docker,
        &format!("{what}: {reason}, so there is no engine to use"),
    );
    false
}

/// Containers (any state) carrying every one of `labels` (`key=value`).
pub fn containers_with(labels: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("docker");
    cmd.args(["ps", "-a", "-q"]);
    for label in labels {
        cmd.args(["--filter", &format!("label={label}")]);
    }
    let out = cmd.output().expect("docker ps");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}
