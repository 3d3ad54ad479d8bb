//! Build script: records the commit docgen is built from, for `docgen --version`
//! (`DOCGEN_COMMIT`: the short hash, `+dirty` when tracked files differ from it; `unknown`
//! outside a git checkout, e.g. from a crates.io tarball).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).map(|hash| {
        let dirty =
            git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
        if dirty {
            format!("{hash}+dirty")
        } else {
            hash
        }
    });
    let date = git(&["log", "-1", "--format=%cs"]);
    let described = match (commit, date) {
        (Some(c), Some(d)) => format!("commit {c}, {d}"),
        (Some(c), None) => format!("commit {c}"),
        _ => "commit unknown".to_string(),
    };
    println!("cargo:rustc-env=DOCGEN_COMMIT={described}");
    // A new commit or a checkout changes HEAD or the ref it points at; the index changes
    // with staged edits. Paths that do not exist are fine: cargo then reruns every build.
    for path in [
        ".git/HEAD",
        ".git/index",
        ".git/refs/heads",
        ".git/packed-refs",
    ] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
