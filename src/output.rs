//! The built site as a map of path → content, and writing it atomically: everything goes into a
//! sibling temporary directory first, which then replaces the output directory. A build that
//! fails before the swap leaves the previous site byte-identical. docgen only ever replaces a
//! directory it created itself (it leaves a marker file inside).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
}

impl Output {
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
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("the output directory needs a name")?;
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
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
        let pid = std::process::id();
        let tmp = parent.join(format!(".{name}.docgen-new-{pid}"));
        let old = parent.join(format!(".{name}.docgen-old-{pid}"));
        let _ = std::fs::remove_dir_all(&tmp);
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
