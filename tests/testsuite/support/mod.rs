//! Helpers shared by the integration tests: run the real `docgen` binary and, on failure, print
//! everything needed to see why (command, directory, status, stdout, stderr).

#![allow(dead_code)]

pub mod browser;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The result of one `docgen` run.
pub struct Run {
    pub cmd: String,
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the whole run unless the exit code is `code`.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        if self.status != Some(code) {
            panic!(
                "expected exit {code}, got {:?}\n--- command: {}\n--- stdout:\n{}\n--- stderr:\n{}",
                self.status, self.cmd, self.stdout, self.stderr
            );
        }
        self
    }
}

/// Runs the docgen binary with `args` in `dir`, with docgen's own environment cleared so the
/// developer's setup cannot leak in.
pub fn docgen(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docgen"));
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("DOCGEN_") {
            cmd.env_remove(k);
        }
    }
    let out: Output = cmd.output().expect("run docgen");
    Run {
        cmd: format!("docgen {} (in {})", args.join(" "), dir.display()),
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture book copied into a fresh temporary directory (tests never write into the repo).
pub fn fixture(name: &str) -> tempfile::TempDir {
    let src = repo_root().join("tests/fixtures").join(name);
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&src, dir.path());
    dir
}

/// Copies a directory tree, skipping build output.
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
