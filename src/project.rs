//! Finding the book: `Project::discover` locates `book.toml`, reads it, and knows where the
//! sources, themes, labs and output live.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{self, BookConfig};
use docgen_core::diagnostic::Diagnostic;
use docgen_core::error::Hinted;

/// A book on disk: its root directory and configuration.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory holding `book.toml`.
    pub root: PathBuf,
    /// The parsed `book.toml`.
    pub config: BookConfig,
    /// `book.toml` as plain TOML, read once with `config`: which tables it has, and the
    /// `[preprocessor.*]` tables as written (they are handed to preprocessors whole).
    pub raw: toml::Table,
}

/// Why a project could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// `book.toml` is not valid; the diagnostic says where.
    #[error("{0}")]
    Config(Box<Diagnostic>),
    /// Anything else (no book.toml, unreadable file).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Project {
    /// Opens the book at `root`, or searches upward from the current directory for `book.toml`.
    pub fn discover(root: Option<&Path>) -> Result<Project, DiscoverError> {
        let root = match root {
            Some(r) => {
                if !r.join("book.toml").is_file() {
                    return Err(anyhow::Error::from(Hinted::new(
                        format!("no book.toml in `{}`", r.display()),
                        format!(
                            "pass the book's root directory, or create a book with `docgen init {}`",
                            r.display()
                        ),
                    ))
                    .into());
                }
                r.to_path_buf()
            }
            None => {
                let cwd = std::env::current_dir().context("cannot read the current directory")?;
                match cwd.ancestors().find(|d| d.join("book.toml").is_file()) {
                    Some(d) => d.to_path_buf(),
                    None => {
                        return Err(anyhow::Error::from(Hinted::new(
                            format!("no book.toml in `{}` or any parent directory", cwd.display()),
                            "run docgen inside a book, pass `--root DIR`, or create one with `docgen init DIR`",
                        ))
                        .into())
                    }
                }
            }
        };
        Project::open(&root)
    }

    /// Opens the book whose `book.toml` is in `root`.
    pub fn open(root: &Path) -> Result<Project, DiscoverError> {
        let path = root.join("book.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let config = config::parse(Path::new("book.toml"), &text).map_err(DiscoverError::Config)?;
        if config.book.src.is_absolute() {
            return Err(anyhow::anyhow!(
                "book.toml: [book] src must be a path relative to the book, not `{}`",
                config.book.src.display()
            )
            .into());
        }
        Ok(Project {
            root: root.to_path_buf(),
            config,
            raw: toml::from_str(&text).unwrap_or_default(),
        })
    }

    /// The source directory (`[book] src`).
    pub fn src_dir(&self) -> PathBuf {
        self.root.join(&self.config.book.src)
    }

    /// The default output directory (`[build] build-dir`).
    pub fn build_dir(&self) -> PathBuf {
        self.root.join(&self.config.build.build_dir)
    }

    /// The directory holding the labs.
    pub fn labs_dir(&self) -> PathBuf {
        self.root.join("labs")
    }

    /// Whether the book uses docgen's own features (a `[docgen]`, `[languages]` or `[labs]`
    /// table, or labs): such a book gets docgen's strict checks; a plain mdBook book builds as
    /// mdBook builds it, with warnings where docgen would refuse.
    pub fn is_docgen_book(&self) -> bool {
        ["docgen", "languages", "labs"]
            .iter()
            .any(|k| self.raw.contains_key(*k))
            || self.labs_dir().is_dir()
    }

    /// The book's own theme directory, if it has one (`themes/<name>/`).
    pub fn theme_dir(&self) -> Option<PathBuf> {
        let d = self.root.join("themes").join(&self.config.docgen.theme);
        d.is_dir().then_some(d)
    }

    /// docgen's cache directory for this book (lab results, image hashes): `target/docgen/`
    /// beside the book, or `$DOCGEN_CACHE_DIR`.
    pub fn cache_dir(&self) -> PathBuf {
        match std::env::var_os("DOCGEN_CACHE_DIR") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => self.root.join("target").join("docgen"),
        }
    }
}
