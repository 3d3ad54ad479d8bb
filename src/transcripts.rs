//! Finding the proven transcripts of a book: every fenced block whose info string names a lab
//! (```` ```console lab=gunicorn-socket after=http-nginx ````) in the book's Markdown sources,
//! parsed into the lab harness's [`Transcript`]s and checked against the labs: the lab must
//! exist, `after=` must name one of its checks, and a `$` prompt needs the lab's
//! `transcripts: { user: ... }`. Problems are diagnostics at the page's line. The build checks
//! the pages it has loaded; `proven::scan` reads the pages for the lab commands.

use std::path::Path;
use std::time::Duration;

use docgen_core::diagnostic::Diagnostic;
use docgen_lab::spec::LabSpec;
use docgen_lab::transcript::{self, Transcript};

use crate::fences;
use crate::markdown::code::parse_info;

/// The longest `timeout=` a transcript may ask for, in seconds.
const MAX_TIMEOUT_SECS: u64 = 600;

/// The transcripts of one page (`shown`: its path as diagnostics name it) that name lab
/// `only` (any lab when `None`), each checked against `labs`; problems go to `diags`.
pub fn of_page(
    shown: &Path,
    text: &str,
    labs: &[&LabSpec],
    only: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Transcript> {
    let mut out = in_page(shown, text, diags);
    out.retain(|t| only.map_or(true, |id| id == t.lab));
    for t in &out {
        check_against_labs(t, labs, text, diags);
    }
    out
}

/// The transcripts of one page.
fn in_page(shown: &Path, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Transcript> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for f in fences::fences(&lines) {
        let Ok(ci) = parse_info(f.info) else { continue };
        let Some(lab) = ci.lab else { continue };
        let body = lines[f.start + 1..f.end].join("\n");
        let at_fence = |msg: String, hint: &str| {
            Diagnostic::error(shown, msg)
                .at(f.start + 1, 1, lines[f.start].chars().count().max(1))
                .with_source_from(text)
                .with_hint(hint)
        };
        let recorded = match ci.output.as_deref() {
            None => false,
            Some("recorded") => true,
            Some(other) => {
                diags.push(at_fence(
                    format!("`output={other}`: the only value is `output=recorded`"),
                    "`output=recorded` fills the output in from the lab's last run; without it, the lines under each command are what the run must print",
                ));
                continue;
            }
        };
        let timeout = match ci.timeout.as_deref().map(str::parse::<u64>) {
            None => None,
            Some(Ok(secs)) if (1..=MAX_TIMEOUT_SECS).contains(&secs) => {
                Some(Duration::from_secs(secs))
            }
            Some(_) => {
                diags.push(at_fence(
                    format!(
                        "`timeout={}`: a transcript's timeout is whole seconds from 1 to {MAX_TIMEOUT_SECS}",
                        ci.timeout.as_deref().unwrap_or_default()
                    ),
                    "each command of a transcript may take 30 s; `timeout=60` allows a minute",
                ));
                continue;
            }
        };
        match transcript::parse_block(&body, f.start + 2) {
            Ok(commands) => {
                if recorded {
                    if let Some(c) = commands.iter().find(|c| !c.expect.is_empty()) {
                        diags.push(
                            Diagnostic::error(
                                shown,
                                format!("`$ {}` has output lines, but the block's output is recorded", c.run),
                            )
                            .at(c.line + 1, 1, lines.get(c.line).map_or(1, |l| l.chars().count().max(1)))
                            .with_source_from(text)
                            .with_hint("with `output=recorded` the block holds only the commands: remove the output lines, or remove `output=recorded` to have the run compare them"),
                        );
                        continue;
                    }
                }
                out.push(Transcript {
                    page: shown.to_path_buf(),
                    line: f.start + 1,
                    lab,
                    after: ci.after,
                    variant: ci.variant,
                    recorded,
                    timeout,
                    commands,
                })
            }
            Err((line, msg)) => diags.push(
                Diagnostic::error(shown, msg)
                    .at(line, 1, lines.get(line - 1).map_or(1, |l| l.chars().count().max(1)))
                    .with_source_from(text)
                    .with_hint("a transcript is `$ command` (or `# command` for root) lines, each followed by the output the page promises"),
            ),
        }
    }
    out
}

fn check_against_labs(t: &Transcript, labs: &[&LabSpec], text: &str, diags: &mut Vec<Diagnostic>) {
    let at = |msg: String, hint: String| {
        Diagnostic::error(&t.page, msg)
            .at(t.line, 1, 3)
            .with_source_from(text)
            .with_hint(hint)
    };
    let Some(spec) = labs.iter().find(|l| l.id == t.lab) else {
        let known: Vec<&str> = labs.iter().map(|l| l.id.as_str()).collect();
        diags.push(at(
            format!(
                "the transcript names lab `{}`, which this book does not have",
                t.lab
            ),
            format!("the labs are: {}", known.join(", ")),
        ));
        return;
    };
    if let Some(v) = &t.variant {
        if !spec.variants.iter().any(|x| &x.name == v) {
            let names: Vec<&str> = spec.variants.iter().map(|x| x.name.as_str()).collect();
            diags.push(at(
                format!("`variant={v}`: lab `{}` has no variant `{v}`", t.lab),
                format!("its variants are: {}", names.join(", ")),
            ));
        }
    }
    if let Some(after) = &t.after {
        if spec.check(after).is_none() {
            let ids: Vec<&str> = spec.checks.iter().map(|c| c.id.as_str()).collect();
            diags.push(at(
                format!("`after={after}`: lab `{}` has no check `{after}`", t.lab),
                format!("its checks are: {}", ids.join(", ")),
            ));
        }
    }
    if spec.transcript_user.is_none() {
        if let Some(c) = t.commands.iter().find(|c| !c.root) {
            diags.push(
                Diagnostic::error(&t.page, format!("`$ {}` runs as a plain user, and lab `{}` declares none", c.run, t.lab))
                    .at(c.line, 1, 1)
                    .with_source_from(text)
                    .with_hint(format!("add `transcripts: {{ user: NAME }}` to labs/{}/lab.yaml, or write `# ` for root", t.lab)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_that_name_a_lab_and_nothing_else() {
        let page = "# Title\n\n```console lab=demo after=up\n$ systemctl is-active app\nactive\n```\n\n```console\n$ not run\n```\n\n````markdown\n```console lab=demo\n$ inside another block\n```\n````\n";
        let mut diags = Vec::new();
        let ts = in_page(Path::new("content/en/p.md"), page, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(ts.len(), 1, "{ts:?}");
        assert_eq!((ts[0].line, ts[0].after.as_deref()), (3, Some("up")));
        assert_eq!(ts[0].commands[0].line, 4);
        assert_eq!(ts[0].commands[0].expect, vec!["active"]);
    }

    #[test]
    fn recorded_blocks_hold_only_commands() {
        let page = "```console lab=demo output=recorded\n$ systemctl status app\n```\n\n```console lab=demo output=recorded\n$ ps\nPID\n```\n\n```console lab=demo output=live\n$ ps\n```\n";
        let mut diags = Vec::new();
        let ts = in_page(Path::new("p.md"), page, &mut diags);
        assert_eq!(ts.len(), 1);
        assert!(ts[0].recorded);
        let msgs: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert!(
            msgs[0].starts_with(
                "p.md:7:1: error: `$ ps` has output lines, but the block's output is recorded"
            ),
            "{}",
            msgs[0]
        );
        assert!(
            msgs[1].starts_with(
                "p.md:10:1: error: `output=live`: the only value is `output=recorded`"
            ),
            "{}",
            msgs[1]
        );
    }

    #[test]
    fn timeout_is_whole_seconds_within_bounds() {
        let page = "```console lab=demo timeout=60\n$ a\n```\n\n```console lab=demo timeout=1m\n$ b\n```\n\n```console lab=demo timeout=0\n$ c\n```\n";
        let mut diags = Vec::new();
        let ts = in_page(Path::new("p.md"), page, &mut diags);
        assert_eq!(ts.len(), 1);
        assert_eq!(ts[0].timeout, Some(Duration::from_secs(60)));
        let msgs: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(
            msgs[0].starts_with("p.md:5:1: error: `timeout=1m`: a transcript's timeout is whole seconds from 1 to 600"),
            "{}",
            msgs[0]
        );
        assert!(
            msgs[1].starts_with("p.md:9:1: error: `timeout=0`"),
            "{}",
            msgs[1]
        );
    }

    #[test]
    fn a_block_without_a_prompt_is_an_error_at_its_line() {
        let page = "```console lab=demo\nactive\n```\n";
        let mut diags = Vec::new();
        assert!(in_page(Path::new("p.md"), page, &mut diags).is_empty());
        assert!(
            diags[0]
                .to_string()
                .starts_with("p.md:2:1: error: a transcript starts with a prompt"),
            "{}",
            diags[0]
        );
    }
}
