//! `docgen serve [--port N] [--bind ADDR] [--open]`: builds the book into memory and serves it,
//! rebuilding on change (see `crate::serve` for how, and for its security model).

use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::discover_or_report;
use crate::serve;

/// Arguments of `docgen serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on; 0 picks a free one (the URL is printed).
    #[arg(short = 'p', long, default_value_t = 3000)]
    pub port: u16,
    /// The address to listen on. Anything but a loopback address turns the lab routes off.
    #[arg(short = 'b', long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Open the site in a browser.
    #[arg(long)]
    pub open: bool,
}

/// Runs `docgen serve` until interrupted.
pub fn execute(root: Option<&Path>, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let project = discover_or_report(root)?;
    serve::run(
        &project,
        &serve::Options {
            bind: args.bind,
            port: args.port,
            open: args.open,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
