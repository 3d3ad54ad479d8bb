//! The commands about docgen itself rather than a book: `docgen schema` (the JSON Schemas of
//! lab.yaml and of front matter), `docgen completions SHELL` and `docgen manpage`, all made
//! from the definitions the program uses (serde types, the kinds' parsers, the clap CLI), so
//! they cannot drift from it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};

/// Which schema `docgen schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaName {
    /// lab.yaml (`labs/ID/lab.yaml`).
    Lab,
    /// The YAML front matter of a page (between `---` lines at its top).
    FrontMatter,
}

/// Arguments of `docgen schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema to print.
    #[arg(value_enum, default_value = "lab")]
    pub name: SchemaName,
}

/// Arguments of `docgen completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell. Install with e.g. `docgen completions bash > ~/.local/share/bash-completion/completions/docgen`.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `docgen manpage`.
#[derive(Debug, Args)]
pub struct ManpageArgs {
    /// Write `docgen.1` and one page per subcommand (`docgen-lab-run.1`, ...) into this
    /// directory instead of printing `docgen.1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The JSON Schema `name`, pretty-printed with a final newline (as the repository's
/// `schemas/` holds it).
pub fn schema_text(name: SchemaName) -> String {
    let value = match name {
        SchemaName::Lab => docgen_lab::spec::lab_schema(),
        SchemaName::FrontMatter => {
            let generator = schemars::generate::SchemaSettings::draft07().into_generator();
            let mut v = generator
                .into_root_schema_for::<crate::page::FrontMatter>()
                .to_value();
            docgen_lab::spec::drop_null_defaults(&mut v);
            v
        }
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// Runs `docgen schema` (and `docgen lab schema`).
pub fn schema(args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    print_out(&schema_text(args.name))
}

/// Runs `docgen completions` for `cmd`, the whole command line's definition (passed in by
/// `cli`, so that `cmd` does not depend on `cli`).
pub fn completions(args: &CompletionsArgs, mut cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "docgen", &mut out);
    print_out(&String::from_utf8_lossy(&out))
}

/// Runs `docgen manpage` for `cmd`, the whole command line's definition.
pub fn manpage(args: &ManpageArgs, cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let Some(dir) = &args.dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut out)?;
        return print_out(&String::from_utf8_lossy(&out));
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut written = 0;
    write_pages(cmd, "docgen", dir, &mut written)?;
    eprintln!("wrote {written} man pages to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes the page of `cmd` as `NAME.1`, then one per subcommand (`NAME-SUB.1`).
fn write_pages(
    cmd: clap::Command,
    name: &str,
    dir: &std::path::Path,
    written: &mut usize,
) -> anyhow::Result<()> {
    let cmd = cmd.name(name.to_string()).bin_name(name.replace('-', " "));
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, out).with_context(|| format!("cannot write `{}`", path.display()))?;
    *written += 1;
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        write_pages(
            sub.clone(),
            &format!("{name}-{}", sub.get_name()),
            dir,
            written,
        )?;
    }
    Ok(())
}

/// Prints to stdout; a closed pipe (`docgen completions bash | head`) is not an error.
fn print_out(text: &str) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}
