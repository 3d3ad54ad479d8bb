//! One module per subcommand: its clap arguments and one `execute` function. Commands are thin:
//! they discover the project, call into the pipeline or the lab harness, and print. The exit
//! codes live here, with the two ways a command opens the book: the process's outcome is the
//! commands' business, not the layers below them.

use std::path::Path;

use anyhow::bail;
use docgen_core::error::hint_of;
use docgen_lab::error::LabError;

use crate::project::{DiscoverError, Project};

pub mod build;
pub mod check;
pub mod github;
pub mod init;
pub mod lab;
pub mod meta;
pub mod scaffold;
pub mod serve;

/// Exit code for a run that found problems in the book or failed a lab check.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage errors and operational failures (unreadable file, no container engine).
pub const EXIT_ERROR: u8 = 2;

/// Prints a command's error (its message, its chain of causes, and its hint) and returns the
/// process's exit code: `128 + signal` for a lab run interrupted by a signal (its container
/// already removed), [`EXIT_ERROR`] for everything else.
pub fn report_error(err: &anyhow::Error) -> u8 {
    let lab = LabError::find(err);
    if let Some(signal) = lab.and_then(LabError::signal) {
        eprintln!("docgen: {err}; the lab's container was removed");
        return u8::try_from(128 + signal).unwrap_or(130);
    }
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    let hint = lab
        .and_then(LabError::hint)
        .or_else(|| hint_of(err.as_ref()).map(str::to_string));
    if let Some(hint) = hint {
        eprintln!("  hint: {hint}");
    }
    EXIT_ERROR
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use docgen_core::error::Hinted;

    #[test]
    fn exit_codes_from_the_error_chain() {
        let cancelled = Err::<(), _>(LabError::Cancelled { signal: 15 })
            .context("running lab `demo`")
            .unwrap_err();
        assert_eq!(report_error(&cancelled), 143);
        let sigint = anyhow::Error::from(LabError::Cancelled { signal: 2 });
        assert_eq!(report_error(&sigint), 130);
        let hinted = anyhow::Error::from(Hinted::new("no book.toml", "run docgen init"));
        assert_eq!(report_error(&hinted), EXIT_ERROR);
        assert_eq!(report_error(&anyhow::anyhow!("disk full")), EXIT_ERROR);
    }
}
