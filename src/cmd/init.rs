//! `docgen init` (in progress).


use std::process::ExitCode;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct InitArgs {}

/// Runs it.
pub fn execute(_args: &InitArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
