//! `docgen lab bootstrap`: the base image without any registry. `debootstrap --variant=minbase
//! bookworm` into a temp dir, from the host's Debian mirror (or `--mirror` / `[labs] mirror`),
//! trimmed for image use, then `tar | docker import` as `docgen-base:bookworm`. This is what CI
//! runs before the lab tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::engine::Engine;
use crate::error::LabError;
use crate::process::{self, Run};
use crate::signals::CancelToken;
use docgen_core::which::find_program;

/// The Debian suite of the base image.
pub const SUITE: &str = "bookworm";

/// The `(URI, suite)` pairs of `deb` entries in apt sources: one-line `.list` files and deb822
/// `.sources` files.
pub fn apt_entries(files: &[(PathBuf, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, text) in files {
        if path.extension().is_some_and(|e| e == "sources") {
            for stanza in text.split("\n\n") {
                let field = |k: &str| {
                    stanza.lines().find_map(|l| {
                        let (key, v) = l.split_once(':')?;
                        key.trim()
                            .eq_ignore_ascii_case(k)
                            .then(|| v.trim().to_string())
                    })
                };
                let types = field("Types").unwrap_or_default();
                if !types.split_whitespace().any(|t| t == "deb")
                    || field("Enabled").is_some_and(|e| e.eq_ignore_ascii_case("no"))
                {
                    continue;
                }
                let uris = field("URIs").unwrap_or_default();
                let suites = field("Suites").unwrap_or_default();
                for u in uris.split_whitespace() {
                    for s in suites.split_whitespace() {
                        out.push((u.to_string(), s.to_string()));
                    }
                }
            }
        } else {
            for line in text.lines() {
                let line = line.split('#').next().unwrap_or("");
                let mut f = line.split_whitespace().peekable();
                if f.next() != Some("deb") {
                    continue;
                }
                // Skip `[arch=amd64 signed-by=...]` options.
                if f.peek().is_some_and(|t| t.starts_with('[')) {
                    for t in f.by_ref() {
                        if t.ends_with(']') {
                            break;
                        }
                    }
                }
                if let (Some(u), Some(s)) = (f.next(), f.next()) {
                    out.push((u.to_string(), s.to_string()));
                }
            }
        }
    }
    out
}

/// The host's apt source files and their text.
fn host_sources() -> Vec<(PathBuf, String)> {
    let mut paths = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(rd) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        more.sort();
        paths.extend(more);
    }
    paths
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect()
}

/// The mirror to bootstrap from: explicit, else the host's `bookworm` entry, else Debian's CDN.
pub fn choose_mirror(explicit: Option<&str>) -> (String, String) {
    if let Some(m) = explicit {
        return (
            m.trim_end_matches('/').to_string(),
            "--mirror / [labs] mirror".into(),
        );
    }
    match apt_entries(&host_sources())
        .into_iter()
        .find(|(_, s)| s == SUITE)
    {
        Some((u, _)) => (
            u.trim_end_matches('/').to_string(),
            "the host's apt sources".into(),
        ),
        None => (
            "http://deb.debian.org/debian".into(),
            "the default (no bookworm entry in the host's apt sources)".into(),
        ),
    }
}

/// Options of `lab bootstrap`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The image to create.
    pub image: String,
    /// The mirror, if given.
    pub mirror: Option<String>,
    /// Rebuild even if the image exists.
    pub force: bool,
    /// Where the root tree is made.
    pub scratch: PathBuf,
}

/// Builds the base image. Returns its id, or `None` when it existed and `force` was not given.
pub fn run(
    engine: &dyn Engine,
    cancel: &CancelToken,
    opts: &Options,
    say: &mut dyn FnMut(&str),
) -> anyhow::Result<Option<String>> {
    if !opts.force {
        if let Some(id) = engine.image_id(&opts.image)? {
            say(&format!(
                "{} exists ({id}); nothing to do (--force rebuilds it)",
                opts.image
            ));
            return Ok(None);
        }
    }
    if find_program("debootstrap").is_none() {
        return Err(LabError::ToolMissing {
            tool: "debootstrap".into(),
            install: "apt-get install -y debootstrap".into(),
        }
        .into());
    }
    let (mirror, from) = choose_mirror(opts.mirror.as_deref());
    say(&format!("mirror {mirror} (from {from})"));
    std::fs::create_dir_all(&opts.scratch)
        .with_context(|| format!("cannot create `{}`", opts.scratch.display()))?;
    let work = tempfile::Builder::new()
        .prefix("bootstrap-")
        .tempdir_in(&opts.scratch)
        .context("cannot create the bootstrap directory")?;
    let root = work.path().join("rootfs");
    let t = Instant::now();
    say(&format!(
        "debootstrap --variant=minbase {SUITE} {} (about a minute)",
        root.display()
    ));
    let out = process::run(
        Command::new("debootstrap")
            .args(["--variant=minbase", SUITE])
            .arg(&root)
            .arg(&mirror),
        Run {
            timeout: Some(Duration::from_secs(30 * 60)),
            cancel: Some(cancel),
            ..Run::default()
        },
    )?;
    if !out.success() {
        let log =
            std::fs::read_to_string(root.join("debootstrap/debootstrap.log")).unwrap_or_default();
        bail!(
            "debootstrap failed (exit {:?}):\n{}\n{}",
            out.code,
            crate::exec::last_lines(&format!("{}{}", out.stdout_text(), out.stderr_text()), 20),
            crate::exec::last_lines(&log, 20)
        );
    }
    say(&format!(
        "debootstrap done in {:.0}s",
        t.elapsed().as_secs_f64()
    ));
    trim(&root, &mirror)?;
    say(&format!("importing as {}", opts.image));
    let tarball = work.path().join("rootfs.tar");
    let tar = process::run(
        Command::new("tar")
            .arg("--numeric-owner")
            .arg("-C")
            .arg(&root)
            .arg("-cf")
            .arg(&tarball)
            .arg("."),
        Run {
            timeout: Some(Duration::from_secs(10 * 60)),
            cancel: Some(cancel),
            ..Run::default()
        },
    )?;
    if !tar.success() {
        bail!(
            "tar of the root tree failed (exit {:?}): {}",
            tar.code,
            crate::exec::last_lines(&tar.stderr_text(), 5)
        );
    }
    let changes = [
        "LABEL docgen.managed=true",
        "LABEL docgen.role=base",
        "ENV LANG=C.UTF-8",
        "CMD [\"/bin/bash\"]",
    ]
    .map(String::from);
    let message = format!("docgen lab bootstrap: debootstrap --variant=minbase {SUITE} {mirror}");
    // Through the engine, so the image lands where the labs run (DOCKER_HOST, not a CLI
    // context) and Ctrl-C and the deadline apply.
    let id = engine.import(&tarball, &opts.image, &changes, &message)?;
    say(&format!(
        "built {} ({id}) in {:.0}s",
        opts.image,
        t.elapsed().as_secs_f64()
    ));
    Ok(Some(id))
}

/// Makes the tree fit for images: apt sources, no recommends, no docs, empty files Docker
/// bind-mounts over.
fn trim(root: &Path, mirror: &str) -> anyhow::Result<()> {
    let w = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::write(&p, text).with_context(|| format!("cannot write `{}`", p.display()))
    };
    w(
        "etc/apt/sources.list",
        &format!("deb {mirror} {SUITE} main\ndeb {mirror} {SUITE}-updates main\n"),
    )?;
    w("etc/resolv.conf", "")?;
    w("etc/hostname", "")?;
    w(
        "etc/apt/apt.conf.d/90docgen",
        "APT::Install-Recommends \"false\";\nAPT::Install-Suggests \"false\";\nAcquire::Languages \"none\";\n",
    )?;
    w(
        "etc/dpkg/dpkg.cfg.d/90docgen-nodoc",
        "path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\n",
    )?;
    for d in ["var/lib/apt/lists", "var/cache/apt/archives"] {
        if let Ok(rd) = std::fs::read_dir(root.join(d)) {
            for e in rd.filter_map(Result::ok) {
                if e.path().is_file() {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(root.join("debootstrap"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_and_deb822_sources() {
        let files = vec![
            (
                PathBuf::from("/etc/apt/sources.list"),
                "# c\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\ndeb-src http://x bookworm main\n".to_string(),
            ),
            (
                PathBuf::from("/etc/apt/sources.list.d/debian.sources"),
                "Types: deb deb-src\nURIs: http://a/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://b\nSuites: bookworm\nEnabled: no\n".to_string(),
            ),
        ];
        assert_eq!(
            apt_entries(&files),
            vec![
                (
                    "http://mirror.example/debian".to_string(),
                    "bookworm".to_string()
                ),
                ("http://a/debian".to_string(), "bookworm".to_string()),
                (
                    "http://a/debian".to_string(),
                    "bookworm-updates".to_string()
                ),
            ]
        );
    }
}
