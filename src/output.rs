//! The built site as a map of path → content, and writing it atomically: everything goes into a
//! sibling temporary directory first, which then replaces the output directory. A build that
//! fails before the swap leaves the previous site byte-identical. docgen only ever replaces a
//! directory it created itself (it leaves a marker file inside).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use rayon::prelude::*;

/// The marker file docgen writes into every output directory it creates.
pub const MARKER: &str = ".docgen-output";

/// One output file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Bytes made by the build.
    Bytes(Vec<u8>),
    /// A file copied as is from the source tree.
    Copy(PathBuf),
}

/// The whole site: relative path (with `/`) → content.
#[derive(Debug, Default, Clone)]
pub struct Output {
    /// The files.
    pub files: BTreeMap<String, Content>,
    /// Where [`Output::stash`] writes files right away (see [`Output::staged_for`]).
    staging: Option<Arc<Staging>>,
}

/// The staging directory of a build that writes as it goes; removed on drop unless it was moved
/// into place.
#[derive(Debug)]
struct Staging {
    dir: PathBuf,
}

impl Drop for Staging {
    fn drop(&mut self) {
        // After a successful swap the directory is the site and no longer at this path.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The sibling directories of `out` that a write uses: (new, old).
fn sibling_dirs(out: &Path) -> anyhow::Result<(PathBuf, PathBuf, PathBuf)> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .context("the output directory needs a name")?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.docgen-new-{pid}"));
    let old = parent.join(format!(".{name}.docgen-old-{pid}"));
    Ok((parent, tmp, old))
}

impl Output {
    /// An output for a site that will be written to `out` with [`Output::write_atomic`]: files
    /// given to [`Output::stash`] are written at once into the staging directory beside `out`
    /// (the one `write_atomic` moves into place), so a large site is never all in memory. The
    /// staging directory is removed if the output is dropped without being written.
    pub fn staged_for(out: &Path) -> anyhow::Result<Output> {
        let (parent, tmp, _) = sibling_dirs(out)?;
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)
            .with_context(|| format!("cannot create `{}`", tmp.display()))?;
        Ok(Output {
            files: BTreeMap::new(),
            staging: Some(Arc::new(Staging { dir: tmp })),
        })
    }

    /// A generated file's content for [`Output::put`]: the bytes, or (for a staged output) the
    /// file written into the staging directory now. Safe to call from many threads.
    pub fn stash(&self, path: &str, bytes: Vec<u8>) -> anyhow::Result<Content> {
        let Some(staging) = &self.staging else {
            return Ok(Content::Bytes(bytes));
        };
        let dest = staging.dir.join(path);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p)
                .with_context(|| format!("cannot create `{}`", p.display()))?;
        }
        std::fs::write(&dest, &bytes)
            .with_context(|| format!("cannot write `{}`", dest.display()))?;
        Ok(Content::Copy(dest))
    }

    /// Like [`Output::stash`] for a file given in pieces, written one after the other.
    pub fn stash_parts(&self, path: &str, parts: &[&[u8]]) -> anyhow::Result<Content> {
        let Some(staging) = &self.staging else {
            return Ok(Content::Bytes(parts.concat()));
        };
        let dest = staging.dir.join(path);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p)
                .with_context(|| format!("cannot create `{}`", p.display()))?;
        }
        let write = || -> std::io::Result<()> {
            let mut f = std::io::BufWriter::new(std::fs::File::create(&dest)?);
            for part in parts {
                f.write_all(part)?;
            }
            f.flush()
        };
        write().with_context(|| format!("cannot write `{}`", dest.display()))?;
        Ok(Content::Copy(dest))
    }

    /// Adds a file's content (from [`Output::stash`]).
    pub fn put(&mut self, path: impl Into<String>, content: Content) {
        self.files.insert(path.into(), content);
    }

    /// Adds a generated file.
    pub fn add(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), Content::Bytes(bytes.into()));
    }

    /// Adds a file to copy.
    pub fn copy(&mut self, path: impl Into<String>, from: PathBuf) {
        self.files.insert(path.into(), Content::Copy(from));
    }

    /// The bytes of a file, reading copied files from disk.
    pub fn read(&self, path: &str) -> Option<std::io::Result<Vec<u8>>> {
        self.files.get(path).map(|c| match c {
            Content::Bytes(b) => Ok(b.clone()),
            Content::Copy(p) => std::fs::read(p),
        })
    }

    /// Writes the site to `out` atomically.
    pub fn write_atomic(&self, out: &Path) -> anyhow::Result<()> {
        if out.exists() {
            if !out.is_dir() {
                bail!(
                    "`{}` exists and is not a directory\n  hint: choose another output with --out",
                    out.display()
                );
            }
            let ours = out.join(MARKER).is_file();
            let empty = std::fs::read_dir(out)
                .with_context(|| format!("cannot read `{}`", out.display()))?
                .next()
                .is_none();
            if !ours && !empty {
                bail!(
                    "`{}` exists and was not created by docgen; refusing to replace it\n  hint: remove it yourself, or choose another output with --out",
                    out.display()
                );
            }
        }
        let (parent, tmp, old) = sibling_dirs(out)?;
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
        match &self.staging {
            Some(s) if s.dir != tmp => bail!(
                "this output is staged for another directory than `{}`",
                out.display()
            ),
            Some(_) => {}
            None => {
                let _ = std::fs::remove_dir_all(&tmp);
            }
        }
        let result = self.write_into(&tmp);
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        // Swap: old out of the way, new in place, old removed. Between the two renames the
        // output is briefly absent, but never half-written.
        let had_old = out.exists();
        if had_old {
            std::fs::rename(out, &old)
                .with_context(|| format!("cannot move `{}` aside", out.display()))?;
        }
        if let Err(e) = std::fs::rename(&tmp, out) {
            if had_old {
                let _ = std::fs::rename(&old, out);
            }
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e)
                .with_context(|| format!("cannot move the new site to `{}`", out.display()));
        }
        if had_old {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove the old site `{}`", old.display()))?;
        }
        Ok(())
    }

    fn write_into(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        std::fs::write(
            dir.join(MARKER),
            "This directory is written by docgen and replaced on every build.\n",
        )
        .with_context(|| format!("cannot write into `{}`", dir.display()))?;
        // Directories first (each once), then the files in parallel: creating thousands of
        // small files is mostly time in the kernel, and two threads get through it faster.
        let mut dirs = std::collections::BTreeSet::new();
        for rel in self.files.keys() {
            if let Some((d, _)) = rel.rsplit_once('/') {
                dirs.insert(d);
            }
        }
        for d in dirs {
            let p = dir.join(d);
            std::fs::create_dir_all(&p)
                .with_context(|| format!("cannot create `{}`", p.display()))?;
        }
        self.files
            .par_iter()
            .try_for_each(|(rel, content)| -> anyhow::Result<()> {
                let path = dir.join(rel);
                match content {
                    Content::Bytes(b) => std::fs::write(&path, b)
                        .with_context(|| format!("cannot write `{}`", path.display()))?,
                    // Already written there by `stash`.
                    Content::Copy(from) if *from == path => {}
                    Content::Copy(from) => {
                        std::fs::copy(from, &path).with_context(|| {
                            format!("cannot copy `{}` to `{}`", from.display(), path.display())
                        })?;
                    }
                }
                Ok(())
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_own_output_and_refuses_foreign_directories() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("book");
        let mut o = Output::default();
        o.add("index.html", "one");
        o.write_atomic(&out).unwrap();
        let mut o2 = Output::default();
        o2.add("a/b.html", "two");
        o2.write_atomic(&out).unwrap();
        assert!(!out.join("index.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("a/b.html")).unwrap(),
            "two"
        );
        let leftovers: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp dirs left behind");

        let foreign = d.path().join("mine");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("keep.txt"), "precious").unwrap();
        let err = o.write_atomic(&foreign).unwrap_err();
        assert!(err.to_string().contains("not created by docgen"));
        assert_eq!(
            std::fs::read_to_string(foreign.join("keep.txt")).unwrap(),
            "precious"
        );
    }
}
