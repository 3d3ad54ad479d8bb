//! `docgen build [--out DIR]`: builds the site and writes it atomically. On errors nothing is
//! written and the previous site stays as it was.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::{discover_for_check, EXIT_FINDINGS};
use crate::pipeline;

/// Arguments of `docgen build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Write the site here instead of `[build] build-dir` (default `book/`).
    #[arg(
        short = 'o',
        long = "out",
        alias = "dest-dir",
        short_alias = 'd',
        value_name = "DIR"
    )]
    pub out: Option<PathBuf>,
    /// Treat warnings (such as chapters missing from SUMMARY.md) as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs `docgen build`.
pub fn execute(root: Option<&Path>, args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let project = match discover_for_check(root)? {
        Ok(p) => p,
        Err(code) => return Ok(ExitCode::from(code)),
    };
    let out = match &args.out {
        Some(p) if p.is_absolute() => p.clone(),
        Some(p) => std::env::current_dir()?.join(p),
        None => project.build_dir(),
    };
    // With other renderers declared ([output.X] beside html), mdBook writes each into its own
    // directory: the HTML goes to `<build-dir>/html/`, where mdBook users look for it.
    let out = if project.config.output.other.is_empty() {
        out
    } else {
        out.join("html")
    };
    let built = pipeline::build_into(&project, &out)?;
    eprint!("{}", built.diagnostics.render());
    let errors = built.diagnostics.error_count();
    let warnings = built.diagnostics.warning_count();
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        eprintln!(
            "error: build failed: {}; nothing was written{}",
            count(errors, warnings),
            if out.exists() {
                format!(" (the previous site in `{}` is unchanged)", out.display())
            } else {
                String::new()
            }
        );
        return Ok(ExitCode::from(EXIT_FINDINGS));
    }
    built.output.write_atomic(&out)?;
    let shown = out.strip_prefix(&project.root).unwrap_or(&out);
    println!(
        "Built {} ({}) into {} in {:.2?}{}",
        pages(built.pages),
        built.languages.join(", "),
        shown.display(),
        built.elapsed,
        if warnings > 0 {
            format!(", {}", count(0, warnings))
        } else {
            String::new()
        }
    );
    for (lang, st) in &built.search {
        println!(
            "  search index [{lang}]: {} sections, {} terms, {} in {} files (largest {})",
            st.docs,
            st.terms,
            docgen_core::text::human_bytes(st.bytes),
            st.files,
            docgen_core::text::human_bytes(st.largest)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// "2 errors, 1 warning".
pub fn count(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// "1 page", "3 pages".
pub fn pages(n: usize) -> String {
    format!("{n} page{}", if n == 1 { "" } else { "s" })
}
