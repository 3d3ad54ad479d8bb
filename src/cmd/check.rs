//! `docgen check` (in progress).

use std::path::Path;
use std::process::ExitCode;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

/// Runs it.
pub fn execute(_root: Option<&Path>, _args: &CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
