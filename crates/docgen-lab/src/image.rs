//! Lab images: the tag is a hash of everything that goes into the build (the lab directory's
//! files except `lab.yaml`, the base image's id, the build arguments, the CA bundle), so a warm
//! run finds the image and builds nothing, and any change to an input builds a new one. On a
//! miss the build context is a temp dir holding the lab's files plus the CA bundle as
//! `docgen-ca.pem`; the build runs with `--network=host` so apt and pip reach their mirrors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::engine::{BuildRequest, Engine};
use crate::error::LabError;
use crate::spec::{LabSpec, SPEC_FILE};
use crate::{LABEL_LAB, LABEL_MANAGED};

/// The file name the CA bundle has in the build context.
pub const CA_FILE: &str = "docgen-ca.pem";

/// Where build inputs beyond the lab directory come from.
#[derive(Debug, Clone, Default)]
pub struct BuildInputs {
    /// The base image Containerfiles start from.
    pub base_image: String,
    /// The CA bundle to copy into the context, and where its path came from (for errors).
    pub ca_bundle: Option<(PathBuf, String)>,
    /// `PIP_INDEX_URL` for the build.
    pub pip_index_url: Option<String>,
}

impl BuildInputs {
    /// Resolves the CA bundle: `--ca-bundle`, `[labs] ca-bundle`, `PIP_CERT`, `SSL_CERT_FILE`,
    /// then the host's `/etc/ssl/certs/ca-certificates.crt`. An explicitly named bundle must
    /// exist; the host default may be missing (the context then gets an empty file).
    pub fn resolve_ca(
        flag: Option<PathBuf>,
        config: Option<PathBuf>,
    ) -> anyhow::Result<Option<(PathBuf, String)>> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let explicit = [
            (flag, "--ca-bundle"),
            (config, "[labs] ca-bundle in book.toml"),
            (env("PIP_CERT"), "PIP_CERT"),
            (env("SSL_CERT_FILE"), "SSL_CERT_FILE"),
        ];
        for (path, from) in explicit {
            if let Some(p) = path {
                if !p.is_file() {
                    return Err(LabError::CaBundleMissing {
                        path: p.display().to_string(),
                        from: from.to_string(),
                    }
                    .into());
                }
                return Ok(Some((p, from.to_string())));
            }
        }
        let host = PathBuf::from("/etc/ssl/certs/ca-certificates.crt");
        Ok(host
            .is_file()
            .then(|| (host, "the host's CA bundle".to_string())))
    }
}

/// The lab image to run, and whether this run built it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// `docgen-lab-<id>:<hash>`.
    pub tag: String,
    /// Whether it was built now.
    pub built: bool,
}

/// The base image a Containerfile starts from: its first `FROM`, with `${BASE_IMAGE}` (or
/// `$BASE_IMAGE`) standing for the configured base.
pub fn base_of(containerfile: &str, configured: &str) -> Option<String> {
    containerfile
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 5 && l[..5].eq_ignore_ascii_case("FROM "))
        .and_then(|l| {
            l[5..]
                .split_whitespace()
                .find(|t| !t.starts_with("--"))
                .map(|t| {
                    t.replace("${BASE_IMAGE}", configured)
                        .replace("$BASE_IMAGE", configured)
                })
        })
}

/// The files of the lab directory that go into the image, sorted, `lab.yaml` left out (checks
/// and variants change nothing in the image).
fn image_files(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot read `{}`", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        if rel == SPEC_FILE || rel.ends_with(".pyc") || rel.contains("__pycache__/") {
            continue;
        }
        files.push((rel, entry.path().to_path_buf()));
    }
    Ok(files)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

/// The build arguments: the lab's own, `PIP_INDEX_URL` when set, `BASE_IMAGE` when the
/// Containerfile declares it.
pub fn build_args(
    spec: &LabSpec,
    containerfile: &str,
    inputs: &BuildInputs,
) -> BTreeMap<String, String> {
    let mut args = spec.build_args.clone();
    if let Some(url) = &inputs.pip_index_url {
        args.insert("PIP_INDEX_URL".into(), url.clone());
    }
    if containerfile.contains("ARG BASE_IMAGE") {
        args.insert("BASE_IMAGE".into(), inputs.base_image.clone());
    }
    args
}

/// What a lab's stored results were made from: `lab.yaml`, the files of the lab directory, and
/// `extra` (the pages' transcripts and claims of the lab, as the caller renders them). A stored
/// result whose hash differs from today's is stale. 16 hex characters.
pub fn sources_hash(spec: &LabSpec, extra: &[String]) -> anyhow::Result<String> {
    let mut h = Sha256::new();
    h.update(b"docgen-lab-sources v1\0");
    h.update((spec.source.len() as u64).to_le_bytes());
    h.update(spec.source.as_bytes());
    for (rel, path) in image_files(&spec.dir)? {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
        h.update(rel.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    for e in extra {
        h.update((e.len() as u64).to_le_bytes());
        h.update(e.as_bytes());
    }
    Ok(h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The hash of a lab's image inputs (hex, 16 characters in the tag).
pub fn input_hash(
    spec: &LabSpec,
    base_id: &str,
    args: &BTreeMap<String, String>,
    ca: Option<&[u8]>,
) -> anyhow::Result<String> {
    let mut h = Sha256::new();
    // Bump when the build procedure itself changes.
    h.update(b"docgen-lab-image v1\0");
    h.update(spec.containerfile.as_bytes());
    h.update(b"\0");
    for (rel, path) in image_files(&spec.dir)? {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
        h.update(rel.as_bytes());
        h.update(if is_executable(&path) {
            b"\0x\0"
        } else {
            b"\0-\0"
        });
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    h.update(b"base\0");
    h.update(base_id.as_bytes());
    for (k, v) in args {
        h.update(b"\0arg\0");
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
    }
    h.update(b"\0ca\0");
    h.update(ca.unwrap_or_default());
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// What [`ensure`] reports while it works.
#[derive(Debug, Clone, Copy)]
pub enum BuildNote<'a> {
    /// The image is not cached: a build of this tag starts.
    Building(&'a str),
    /// A line of build output.
    Line(&'a str),
}

/// Finds or builds the image of `spec`, telling `note` when it builds and what the build says.
pub fn ensure(
    engine: &dyn Engine,
    spec: &LabSpec,
    inputs: &BuildInputs,
    scratch: &Path,
    note: &mut dyn FnMut(BuildNote<'_>),
) -> anyhow::Result<Image> {
    let cf_path = spec.dir.join(&spec.containerfile);
    let containerfile = std::fs::read_to_string(&cf_path)
        .with_context(|| format!("cannot read `{}`", cf_path.display()))?;
    let base = base_of(&containerfile, &inputs.base_image)
        .with_context(|| format!("`{}` has no FROM line", cf_path.display()))?;
    let Some(base_id) = engine.image_id(&base)? else {
        return Err(LabError::BaseImageMissing {
            base,
            engine: engine.name().to_string(),
        }
        .into());
    };
    let args = build_args(spec, &containerfile, inputs);
    let ca = match &inputs.ca_bundle {
        Some((p, from)) => Some(std::fs::read(p).with_context(|| {
            format!("cannot read the CA bundle `{}` (from {from})", p.display())
        })?),
        None => None,
    };
    let hash = input_hash(spec, &base_id, &args, ca.as_deref())?;
    let tag = format!("docgen-lab-{}:{}", spec.id, &hash[..16]);
    if engine.image_id(&tag)?.is_some() {
        return Ok(Image { tag, built: false });
    }

    note(BuildNote::Building(&tag));
    std::fs::create_dir_all(scratch)
        .with_context(|| format!("cannot create `{}`", scratch.display()))?;
    let ctx = tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(scratch)
        .with_context(|| format!("cannot create a build directory in `{}`", scratch.display()))?;
    for (rel, path) in image_files(&spec.dir)? {
        let dest = ctx.path().join(&rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&path, &dest)
            .with_context(|| format!("cannot copy `{}` into the build context", path.display()))?;
    }
    std::fs::write(ctx.path().join(CA_FILE), ca.unwrap_or_default())
        .context("cannot write the CA bundle into the build context")?;
    let mut labels = BTreeMap::new();
    labels.insert(LABEL_MANAGED.to_string(), "true".to_string());
    labels.insert(LABEL_LAB.to_string(), spec.id.clone());
    labels.insert("docgen.inputs".to_string(), hash.clone());
    engine.build(
        &BuildRequest {
            context: ctx.path().to_path_buf(),
            containerfile: spec.containerfile.clone(),
            tag: tag.clone(),
            build_args: args,
            labels,
        },
        &mut |line| note(BuildNote::Line(line)),
    )?;
    Ok(Image { tag, built: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_image_from_the_first_from_line() {
        assert_eq!(
            base_of("# x\nFROM docgen-base:bookworm AS b\nFROM other\n", "cfg"),
            Some("docgen-base:bookworm".into())
        );
        assert_eq!(
            base_of(
                "ARG BASE_IMAGE=x\nFROM --platform=linux/amd64 ${BASE_IMAGE}\n",
                "mine:1"
            ),
            Some("mine:1".into())
        );
        assert_eq!(base_of("RUN true\n", "x"), None);
    }
}
