//! One module per subcommand: its clap arguments and one `execute` function. Commands are thin:
//! they discover the project, call into the pipeline or the lab harness, and print. The exit
//! codes live here, with the two ways a command opens the book: the process's outcome is the
//! commands' business, not the layers below them.

use std::path::Path;

use anyhow::bail;

use crate::project::{DiscoverError, Project};

pub mod build;
pub mod check;
pub mod init;
pub mod lab;
pub mod serve;

/// Exit code for a run that found problems in the book or failed a lab check.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage errors and operational failures (unreadable file, no container engine).
pub const EXIT_ERROR: u8 = 2;

/// Turns a discovery failure into an error for `main`, printing a config diagnostic as is.
pub fn discover_or_report(root: Option<&Path>) -> anyhow::Result<Project> {
    match Project::discover(root) {
        Ok(p) => Ok(p),
        Err(DiscoverError::Config(d)) => bail!("invalid book.toml\n\n{d}"),
        Err(DiscoverError::Other(e)) => Err(e),
    }
}

/// For commands that validate the book: a bad book.toml is a finding (printed, `Ok(Err(1))`),
/// anything else an operational error.
pub fn discover_for_check(root: Option<&Path>) -> anyhow::Result<Result<Project, u8>> {
    match Project::discover(root) {
        Ok(p) => Ok(Ok(p)),
        Err(DiscoverError::Config(d)) => {
            eprintln!("{d}\n");
            Ok(Err(EXIT_FINDINGS))
        }
        Err(DiscoverError::Other(e)) => Err(e),
    }
}
