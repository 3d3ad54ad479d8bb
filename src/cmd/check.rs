//! `docgen check`: everything `build` validates (SUMMARY.md, front matter, includes, links and
//! anchors, lab ids), reported as `file:line:col` diagnostics, with nothing written.
//! Exit 0 when clean, 1 on findings, 2 when the book cannot be read at all.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::{discover_for_check, EXIT_FINDINGS};
use crate::cmd::build::{count, pages};
use crate::pipeline;

/// Arguments of `docgen check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Treat warnings as findings (exit 1).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also fail when a page shows a transcript or claim whose lab result is missing, failing
    /// or stale (made from another version of the lab or its pages): for CI, after
    /// `docgen lab test`. Claims the last `lab test` could not prove are warnings.
    #[arg(long)]
    pub require_proven: bool,
    /// `github`: the findings also as GitHub Actions annotations on stdout.
    #[arg(long, value_name = "FORMAT", value_parser = ["human", "github"], default_value = "human")]
    pub format: String,
}

/// Runs `docgen check`.
pub fn execute(root: Option<&Path>, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let project = match discover_for_check(root)? {
        Ok(p) => p,
        Err(code) => return Ok(ExitCode::from(code)),
    };
    let mut built = pipeline::check(&project)?;
    if args.require_proven {
        let (labs, _) = docgen_lab::spec::load_all(&project.labs_dir());
        built
            .diagnostics
            .extend(crate::proven::require_proven(&project, &labs));
    }
    let d = &built.diagnostics;
    eprint!("{}", d.render());
    if args.format == "github" {
        print!("{}", super::github::diagnostics(&d.sorted()));
    }
    let failed = d.has_errors() || (args.deny_warnings && d.warning_count() > 0);
    if d.is_empty() {
        println!("Checked {}: no problems found", pages(built.pages));
    } else {
        println!(
            "Checked {}: {}",
            pages(built.pages),
            count(d.error_count(), d.warning_count())
        );
    }
    Ok(if failed {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}
