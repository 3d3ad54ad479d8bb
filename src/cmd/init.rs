//! `docgen init [DIR]`: writes a new book that builds: book.toml, a SUMMARY.md, two chapters (one
//! with an annotated code block), ready for `docgen build`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use docgen_core::error::Hinted;

/// Arguments of `docgen init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the book (default: the current directory).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The book's title.
    #[arg(long, default_value = "My book")]
    pub title: String,
}

const SUMMARY: &str =
    "# Summary\n\n[Introduction](README.md)\n\n- [Getting started](getting-started.md)\n";

const README: &str = "# Introduction\n\nThis book was created with `docgen init`. Edit the files in `content/`, then run\n`docgen build` (or `docgen check` to validate without writing).\n\n> [!TIP]\n> Chapters are listed in `content/SUMMARY.md`. Next: [Getting started](getting-started.md).\n";

const CHAPTER: &str = "---\ntitle: Getting started\ndescription: A first chapter with an annotated code block.\n---\n\n# Getting started\n\n## A service unit\n\n```ini title=\"hello.service\" annotations\n[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/usr/bin/echo hello\n```\n\n1. `Description=`: a short name shown by `systemctl status`.\n2. `ExecStart=`: the command systemd runs.\n\nBack to the [introduction](README.md#introduction).\n";

/// Runs `docgen init`.
pub fn execute(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if dir.join("book.toml").exists() {
        return Err(Hinted::new(
            format!(
                "`{}` already has a book.toml; not overwriting it",
                dir.join("book.toml").display()
            ),
            "choose an empty directory",
        )
        .into());
    }
    let book_toml = format!(
        "[book]\ntitle = {}\nlanguage = \"en\"\nsrc = \"content\"\n\n[build]\nbuild-dir = \"book\"\n",
        toml_string(&args.title)
    );
    let files: [(&str, &str); 5] = [
        ("book.toml", &book_toml),
        ("content/SUMMARY.md", SUMMARY),
        ("content/README.md", README),
        ("content/getting-started.md", CHAPTER),
        (".gitignore", "/book\n/target\n"),
    ];
    for (rel, text) in files {
        write_new(&dir.join(rel), text)?;
    }
    println!(
        "Created a book in {}\n  next: docgen build -C {}",
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.exists() {
        bail!("`{}` already exists; not overwriting it", path.display());
    }
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("cannot create `{}`", p.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))
}
