//! `docgen build` (in progress).

use std::path::Path;
use std::process::ExitCode;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {}

/// Runs it.
pub fn execute(_root: Option<&Path>, _args: &BuildArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
