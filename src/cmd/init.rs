//! `docgen init [DIR]`: writes a new book that builds: book.toml, a SUMMARY.md, two chapters (one
//! with an annotated code block), and a first lab with the page it proves (`cmd::scaffold`),
//! ready for `docgen build` and `docgen lab test`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use docgen_core::error::Hinted;

use crate::cmd::scaffold::{self, write_new};

/// Arguments of `docgen init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the book (default: the current directory).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The book's title.
    #[arg(long, default_value = "My book")]
    pub title: String,
    /// Make the book without its first lab (`labs/static-site/`) and the page it proves.
    #[arg(long)]
    pub no_lab: bool,
}

const SUMMARY: &str = "# Summary\n\n[Introduction](README.md)\n\n- [Getting started](getting-started.md)\n- [A static site, proven](static-site.md)\n";

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
    let page = scaffold::fill(scaffold::STATIC_SITE_PAGE, scaffold::STATIC_SITE_ID, &[]);
    let summary = if args.no_lab {
        SUMMARY.replace("- [A static site, proven](static-site.md)\n", "")
    } else {
        SUMMARY.to_string()
    };
    let mut files: Vec<(&str, &str)> = vec![
        ("book.toml", &book_toml),
        ("content/SUMMARY.md", &summary),
        ("content/README.md", README),
        ("content/getting-started.md", CHAPTER),
        (".gitignore", "/book\n/target\n"),
    ];
    if !args.no_lab {
        files.push(("content/static-site.md", &page));
    }
    for (rel, text) in files {
        write_new(&dir.join(rel), text)?;
    }
    if !args.no_lab {
        scaffold::write_static_site(&dir, &["en".to_string()])?;
    }
    let d = dir.display();
    if args.no_lab {
        println!("Created a book in {d}\n  next: docgen build -C {d}");
    } else {
        let id = scaffold::STATIC_SITE_ID;
        let steps = [
            (
                format!("docgen build -C {d}"),
                format!("the site, in {d}/book"),
            ),
            (
                format!("docgen serve -C {d}"),
                "read it at http://127.0.0.1:3000".to_string(),
            ),
            (
                "docgen lab bootstrap".to_string(),
                "once per machine: the labs' base image (Docker and debootstrap)".to_string(),
            ),
            (
                format!("docgen lab test {id} -C {d}"),
                "prove the page: its checks, transcript and claims".to_string(),
            ),
        ];
        let width = steps
            .iter()
            .map(|(c, _)| c.chars().count())
            .max()
            .unwrap_or(0);
        println!("Created a book in {d}, with the lab `{id}` and the page it proves (content/static-site.md)");
        for (i, (cmd, what)) in steps.iter().enumerate() {
            let lead = if i == 0 { "  next:" } else { "       " };
            println!("{lead} {cmd:<width$}   {what}");
        }
    }
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
