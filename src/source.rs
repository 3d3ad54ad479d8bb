//! Reading the book's source tree: every Markdown file and every other file (images, downloads)
//! under the source directory, found with walkdir. This is the I/O at the pipeline's start; what
//! follows works on the loaded text.

use std::path::{Path, PathBuf};

use anyhow::Context;
use docgen_core::error::Hinted;
use walkdir::WalkDir;

/// One file of the source tree.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the source directory, with `/` separators.
    pub rel: PathBuf,
    /// Path on disk.
    pub abs: PathBuf,
}

/// The source tree of one language (or of a single-language book).
#[derive(Debug, Clone, Default)]
pub struct SourceTree {
    /// The directory.
    pub dir: PathBuf,
    /// Markdown files, sorted by path.
    pub markdown: Vec<SourceFile>,
    /// Everything else (copied to the output as is), sorted by path.
    pub assets: Vec<SourceFile>,
}

/// Walks `dir`, skipping hidden files and directories and the subdirectories listed in `skip`
/// (other languages' trees when they live inside this one).
pub fn load(dir: &Path, skip: &[PathBuf]) -> anyhow::Result<SourceTree> {
    let mut tree = SourceTree {
        dir: dir.to_path_buf(),
        ..SourceTree::default()
    };
    if !dir.is_dir() {
        return Err(Hinted::new(
            format!("the source directory `{}` does not exist", dir.display()),
            "set [book] src in book.toml, or create the directory with a SUMMARY.md",
        )
        .into());
    }
    let walker = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
            !hidden && !skip.iter().any(|s| e.path() == s)
        });
    for entry in walker {
        let entry = entry.with_context(|| format!("cannot read `{}`", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let abs = entry.path().to_path_buf();
        let rel = abs
            .strip_prefix(dir)
            .expect("walkdir yields paths under its root")
            .to_path_buf();
        let file = SourceFile { rel, abs };
        if file.rel.extension().is_some_and(|e| e == "md") {
            tree.markdown.push(file);
        } else {
            tree.assets.push(file);
        }
    }
    Ok(tree)
}

/// Reads a text file, with the path in the error.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    String::from_utf8(bytes).map_err(|_| {
        Hinted::new(
            format!("`{}` is not valid UTF-8", path.display()),
            "save the file as UTF-8",
        )
        .into()
    })
}
