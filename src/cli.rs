//! The command line: argument parsing with clap, dispatch to `cmd::*`, and the mapping of
//! outcomes to exit codes (0 success, 1 findings, 2 usage or operational error).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::cmd::{self, EXIT_ERROR};

/// `docgen --version`: the package version and the commit it was built from (see build.rs).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("DOCGEN_COMMIT"), ")");

/// docgen: annotated Markdown to a documentation site whose examples are proven by labs.
#[derive(Debug, Parser)]
#[command(name = "docgen", version = VERSION, about, long_about = None)]
pub struct Cli {
    /// The book's root directory (where book.toml is); default: search upward from the current
    /// directory.
    #[arg(short = 'C', long = "root", global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into book/ (or --out DIR), atomically.
    Build(cmd::build::BuildArgs),
    /// Validate everything a build validates, without writing anything.
    Check(cmd::check::CheckArgs),
    /// Create a new book that builds, with a first lab and the page it proves.
    Init(cmd::init::InitArgs),
    /// Run, test and manage the book's labs.
    Lab(cmd::lab::LabArgs),
    /// Serve the book from memory on 127.0.0.1, rebuilding and reloading on change.
    Serve(cmd::serve::ServeArgs),
    /// Print the JSON Schema of lab.yaml or of a page's front matter, for editors and CI.
    Schema(cmd::meta::SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(cmd::meta::CompletionsArgs),
    /// Print docgen's man page, or write one per command into a directory.
    Manpage(cmd::meta::ManpageArgs),
}

/// Entry point of the binary: parses arguments, runs the command, prints errors.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => ExitCode::from(cmd::report_error(&err)),
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = cli.root.as_deref();
    match cli.command {
        Command::Build(args) => cmd::build::execute(root, &args),
        Command::Check(args) => cmd::check::execute(root, &args),
        Command::Init(args) => cmd::init::execute(&args),
        Command::Lab(args) => cmd::lab::execute(root, args),
        Command::Serve(args) => cmd::serve::execute(root, &args),
        Command::Schema(args) => cmd::meta::schema(&args),
        Command::Completions(args) => cmd::meta::completions(&args, Cli::command()),
        Command::Manpage(args) => cmd::meta::manpage(&args, Cli::command()),
    }
}
