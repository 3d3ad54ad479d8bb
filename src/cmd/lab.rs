//! `docgen lab ...`: the lab subcommands (placeholder until the harness lands).

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

/// Arguments of `docgen lab`.
#[derive(Debug, Args)]
pub struct LabArgs {}

/// Runs `docgen lab`.
pub fn execute(_root: Option<&Path>, _args: LabArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("docgen lab is not implemented yet")
}
