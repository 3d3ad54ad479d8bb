//! `docgen serve [--port N] [--bind ADDR] [--open] [--max-connections N] [--idle-timeout S]`: builds the book into memory and serves it,
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
    /// Open connections at most; more wait until one closes.
    #[arg(long, value_name = "N", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Seconds a connection may stay silent (no request, no answer in progress) before it is
    /// closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,
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
            max_connections: args.max_connections as usize,
            idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
