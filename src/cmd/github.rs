//! `--format github`: findings as GitHub Actions workflow commands
//! (`::error file=...,line=...,title=...::message`), so a CI run shows each one on the line it is
//! about. A book diagnostic points at its file and line; a failed lab check at the page line
//! that explains it (`explains: page.md#anchor`, in the book's default language), or at the
//! check in lab.yaml; a variant that fails otherwise than declared at the variant; an unproven
//! claim at its annotation.

use std::path::{Path, PathBuf};

use docgen_core::diagnostic::{Diagnostic, Severity};
use docgen_lab::report::{CheckStatus, LabTest, Report};
use docgen_lab::spec::LabSpec;

use crate::project::Project;

/// `%`, CR and LF escaped, as the runner wants a command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: the message's escapes, and `:` and `,` too.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command.
fn command(
    level: &str,
    file: &Path,
    line: usize,
    col: usize,
    title: &str,
    message: &str,
) -> String {
    let mut props = vec![format!("file={}", property(&file.to_string_lossy()))];
    if line > 0 {
        props.push(format!("line={line}"));
    }
    if col > 0 {
        props.push(format!("col={col}"));
    }
    if !title.is_empty() {
        props.push(format!("title={}", property(title)));
    }
    format!("::{level} {}::{}\n", props.join(","), data(message))
}

/// Book diagnostics as annotations.
pub fn diagnostics(ds: &[Diagnostic]) -> String {
    ds.iter()
        .map(|d| {
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let message = match &d.hint {
                Some(h) => format!("{}\n\nhint: {h}", d.message),
                None => d.message.clone(),
            };
            command(level, &d.path, d.line, d.col, "docgen", &message)
        })
        .collect()
}

/// The book's default language: its `[languages]` code, if it has languages.
fn default_language(project: &Project) -> Option<String> {
    let config = &project.config;
    config
        .languages
        .iter()
        .find(|(_, l)| l.default)
        .or_else(|| config.languages.iter().next())
        .map(|(code, _)| code.clone())
}

/// Where `explains: page.md#anchor` is, in the book's default language: the page's file
/// (relative to the book root) and the line of the heading with that anchor (1 without one).
fn explained_at(project: &Project, explains: &str) -> Option<(PathBuf, usize)> {
    let (page, anchor) = match explains.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (explains, None),
    };
    let lang = default_language(project);
    let dir = match &lang {
        Some(code) => project.src_dir().join(code),
        None => project.src_dir(),
    };
    let file = dir.join(page);
    let text = std::fs::read_to_string(&file).ok()?;
    let line = anchor
        .and_then(|a| {
            text.lines().position(|l| {
                let t = l.trim_start();
                t.starts_with('#')
                    && (t.contains(&format!("{{#{a}}}"))
                        || crate::markdown::slugify(t.trim_start_matches('#').trim()) == a)
            })
        })
        .map_or(1, |i| i + 1);
    Some((
        file.strip_prefix(&project.root)
            .unwrap_or(&file)
            .to_path_buf(),
        line,
    ))
}

/// The failed checks of one run.
pub fn lab_report(project: &Project, spec: &LabSpec, r: &Report) -> String {
    let yaml = spec.path.strip_prefix(&project.root).unwrap_or(&spec.path);
    // The check's title in the language of the page the annotation points at.
    let lang = default_language(project).unwrap_or_else(|| project.config.language().to_string());
    let mut out = String::new();
    for c in r.checks.iter().filter(|c| c.status == CheckStatus::Failed) {
        let line_in_yaml = spec.check(&c.id).map_or(0, |k| k.line);
        let (file, line) = c
            .explains
            .as_deref()
            .and_then(|e| explained_at(project, e))
            .unwrap_or_else(|| (yaml.to_path_buf(), line_in_yaml));
        let run = r
            .variant
            .as_deref()
            .map_or(String::new(), |v| format!(" (variant {v})"));
        out.push_str(&command(
            "error",
            &file,
            line,
            0,
            &format!("lab {}{run}: check {} failed", r.lab, c.id),
            &format!(
                "{}\nexpected: {}\nseen: {}",
                c.title.get(&lang),
                c.expected,
                c.seen
            ),
        ));
    }
    if let Some(e) = &r.error {
        out.push_str(&command("error", yaml, 0, 0, &format!("lab {}", r.lab), e));
    }
    out
}

/// `lab test`'s findings: the lab's own failed checks, variants that fail otherwise than they
/// declare (at the variant in lab.yaml), and claims left unproven (warnings at the annotation).
pub fn lab_tests(project: &Project, specs: &[LabSpec], results: &[LabTest]) -> String {
    let mut out = String::new();
    for t in results {
        let Some(spec) = specs.iter().find(|s| s.id == t.lab) else {
            continue;
        };
        let yaml = spec.path.strip_prefix(&project.root).unwrap_or(&spec.path);
        out.push_str(&lab_report(project, spec, &t.base));
        for v in t.variants.iter().filter(|v| !v.ok) {
            let line = spec
                .variants
                .iter()
                .find(|x| x.name == v.name)
                .map_or(0, |x| x.line);
            let mut why = Vec::new();
            if !v.unexpected_passes.is_empty() {
                why.push(format!(
                    "declared to fail but passed: {}",
                    v.unexpected_passes.join(", ")
                ));
            }
            if !v.unexpected_failures.is_empty() {
                why.push(format!(
                    "failed but not declared: {}",
                    v.unexpected_failures.join(", ")
                ));
            }
            out.push_str(&command(
                "error",
                yaml,
                line,
                0,
                &format!("lab {}: variant {}", t.lab, v.name),
                &why.join("\n"),
            ));
        }
        for c in t.claims.iter().flat_map(|c| &c.claims) {
            if let docgen_lab::claims::ClaimStatus::Unproven { variant } = &c.status {
                let (page, line) = c.at.rsplit_once(':').unwrap_or((&c.at, "0"));
                out.push_str(&command(
                    "warning",
                    Path::new(page),
                    line.parse().unwrap_or(0),
                    0,
                    &format!("lab {}: claim not proven", t.lab),
                    &format!(
                        "`{}` ({}): every check still passes without it (variant {variant})",
                        c.key, c.line
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_their_messages_and_properties() {
        assert_eq!(
            command(
                "error",
                Path::new("a,b:c.md"),
                3,
                5,
                "t: 1",
                "50% done\nnext"
            ),
            "::error file=a%2Cb%3Ac.md,line=3,col=5,title=t%3A 1::50%25 done%0Anext\n"
        );
        assert_eq!(
            command("warning", Path::new("x.md"), 0, 0, "", "m"),
            "::warning file=x.md::m\n"
        );
    }
}
