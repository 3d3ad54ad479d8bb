//! Whether what the pages show is proven by the labs' recorded results: `docgen check
//! --require-proven`. A page's transcript is proven when its lab's last run passed it and was
//! made from today's lab and pages; a claim when the last `lab test` proved it from them. A
//! result made from another version of the lab or the pages is stale (see
//! `docgen_lab::image::sources_hash`).

use std::path::Path;

use docgen_core::diagnostic::{Diagnostic, Severity};
use docgen_lab::claims::{Claim, ClaimStatus};
use docgen_lab::report::{self, CheckStatus};
use docgen_lab::spec::LabSpec;
use docgen_lab::transcript::Transcript;

use crate::markdown::include::normalize;
use crate::project::Project;

/// What the pages claim about the labs: their transcripts and the claims of their annotations,
/// and the problems found in the transcripts.
#[derive(Debug, Default)]
pub struct PageProofs {
    /// Every transcript, in page and line order.
    pub transcripts: Vec<Transcript>,
    /// Every claim on a lab file, in page and line order.
    pub claims: Vec<Claim>,
    /// Malformed transcripts, and ones that name a missing lab, check or user.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads every page of the book once for its transcripts and claims of `labs` (of lab `only`,
/// when given).
pub fn scan(project: &Project, labs: &[LabSpec], only: Option<&str>) -> PageProofs {
    let labs: Vec<&LabSpec> = labs.iter().collect();
    let labs_dir = normalize(&project.labs_dir());
    let mut proofs = PageProofs::default();
    for path in crate::fences::pages(project) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let shown = path.strip_prefix(&project.root).unwrap_or(&path);
        proofs.transcripts.extend(crate::transcripts::of_page(
            shown,
            &text,
            &labs,
            only,
            &mut proofs.diagnostics,
        ));
        proofs.claims.extend(crate::claims::of_page(
            shown, &path, &labs_dir, &text, &labs, only,
        ));
    }
    proofs
}

/// What a lab's recorded results must have been made from: the lab and the pages' transcripts
/// and claims of it.
pub fn lab_sources(
    spec: &LabSpec,
    transcripts: &[Transcript],
    claims: &[Claim],
) -> anyhow::Result<String> {
    let mut extra: Vec<String> = transcripts
        .iter()
        .filter(|t| t.lab == spec.id)
        .map(|t| format!("{t:?}"))
        .collect();
    extra.extend(
        claims
            .iter()
            .filter(|c| c.lab == spec.id)
            .map(|c| format!("{c:?}")),
    );
    docgen_lab::image::sources_hash(spec, &extra)
}

/// A problem for each transcript or claim on the pages whose lab result is missing, failing
/// or stale (errors), and for each claim the last `lab test` could not prove (warnings).
pub fn require_proven(project: &Project, labs: &[LabSpec]) -> Vec<Diagnostic> {
    let cache = project.cache_dir();
    let PageProofs {
        transcripts,
        claims,
        diagnostics: mut out,
    } = scan(project, labs, None);
    for spec in labs {
        let ts: Vec<&Transcript> = transcripts.iter().filter(|t| t.lab == spec.id).collect();
        let cs: Vec<&Claim> = claims
            .iter()
            .filter(|c| c.lab == spec.id && c.informational.is_none())
            .collect();
        let Some((first_page, first_line)) = ts
            .iter()
            .map(|t| (t.page.as_path(), t.line))
            .chain(cs.iter().map(|c| (c.page.as_path(), c.line)))
            .min()
        else {
            continue;
        };
        let id = &spec.id;
        let run = format!("run `docgen lab test {id}` (it records the results), then check again");
        let current = match lab_sources(spec, &transcripts, &claims) {
            Ok(h) => h,
            Err(e) => {
                out.push(Diagnostic::error(
                    &spec.path,
                    format!("cannot read lab `{id}`: {e:#}"),
                ));
                continue;
            }
        };
        let at = |page: &Path, line: usize, msg: String| {
            Diagnostic::error(page, msg)
                .at(line, 1, 1)
                .with_hint(run.clone())
        };
        // Transcripts: the last run of the lab as it is.
        match report::last_result(&cache, id) {
            None => out.push(at(
                first_page,
                first_line,
                format!(
                    "lab `{id}` has no recorded result here: {} transcripts and {} claims on the pages are not proven",
                    ts.len(),
                    cs.len()
                ),
            )),
            Some(r) if r.sources.as_deref() != Some(current.as_str()) => out.push(at(
                first_page,
                first_line,
                format!(
                    "the last result of lab `{id}` ({}) is stale: the lab or its pages changed since",
                    r.started_at
                ),
            )),
            Some(r) => {
                for t in &ts {
                    let want = format!("transcript:{}", t.place());
                    match r.checks.iter().find(|c| c.id == want) {
                        Some(c) if c.status == CheckStatus::Passed => {}
                        Some(c) => out.push(at(
                            &t.page,
                            t.line,
                            format!(
                                "this transcript failed in the last run of lab `{id}` ({}): {}",
                                r.started_at, c.seen
                            ),
                        )),
                        None => out.push(at(
                            &t.page,
                            t.line,
                            format!("the last run of lab `{id}` has no result for this transcript"),
                        )),
                    }
                }
            }
        }
        if cs.is_empty() {
            continue;
        }
        // Claims: the last `lab test`.
        match report::last_claims(&cache, id) {
            None => out.push(at(
                cs[0].page.as_path(),
                cs[0].line,
                format!("`docgen lab test {id}` has not proved the {} claims of its files here", cs.len()),
            )),
            Some(s) if s.sources != current => out.push(at(
                cs[0].page.as_path(),
                cs[0].line,
                format!("the claims of lab `{id}` were proved on {} from another version of the lab or its pages", s.at),
            )),
            Some(s) => {
                for c in &cs {
                    let at_text = format!("{}:{}", c.page.display(), c.line);
                    let found = s.coverage.claims.iter().find(|r| r.at == at_text && r.key == c.key);
                    let problem = match found.map(|r| &r.status) {
                        Some(ClaimStatus::Proven { .. } | ClaimStatus::Informational { .. }) => continue,
                        Some(ClaimStatus::Unproven { variant }) => format!(
                            "`{}`: no check fails without this line (variant {variant}): the claim is not proven",
                            c.key
                        ),
                        Some(ClaimStatus::NotFound) => format!("`{}` is in no line of {}", c.key, c.file),
                        None => format!("the last `lab test {id}` has no result for `{}`", c.key),
                    };
                    // An unproven claim is reported, not fatal: `[labs] min-claim-coverage`
                    // is the gate for how many must be proven.
                    let mut d = Diagnostic::warning(&c.page, problem).at(c.line, 1, 1);
                    if found.is_none() {
                        d.severity = Severity::Error;
                    }
                    out.push(d.with_hint(
                        "add a check that this line's loss breaks, or mark the annotation `<!-- claim: informational: WHY -->`",
                    ));
                }
            }
        }
    }
    out
}
