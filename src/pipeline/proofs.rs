//! The labs' recorded results as the pages show them: for every transcript and every claim of
//! an annotation on the book's pages, its last result (`last.json`, `claims.json`), the day
//! and versions of that run, and whether the lab or its pages changed since (stale), gathered
//! into the [`ProofIndex`] the Markdown renderer reads.

use docgen_core::hash::hash_parts;
use docgen_lab::claims::ClaimStatus;
use docgen_lab::report::{self, CheckStatus, Report};

use super::labs::LabIndex;
use crate::markdown::proof::{ClaimProof, ClaimState, ProofIndex, Stamp, TranscriptProof};
use crate::project::Project;
use crate::proven;

/// `gunicorn 23.0.0, django 4.2.30`: what a run reported.
fn versions(r: Option<&Report>) -> String {
    r.map(|r| {
        r.versions
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
    .unwrap_or_default()
}

/// The day of an RFC 3339 time.
fn day(at: &str) -> String {
    at.get(..10).unwrap_or(at).to_string()
}

/// Reads the pages' transcripts and claims and matches them with the labs' last results.
pub(crate) fn index(project: &Project, labs: &LabIndex) -> ProofIndex {
    let mut index = ProofIndex::default();
    if labs.labs.is_empty() {
        return index;
    }
    let specs: Vec<_> = labs.labs.values().map(|l| l.spec.clone()).collect();
    let scan = proven::scan(project, &specs, None);
    let cache = project.cache_dir();
    for (id, info) in &labs.labs {
        let current = proven::lab_sources(&info.spec, &scan.transcripts, &scan.claims).ok();
        let last = info.last.as_ref();
        if let Some(r) = last {
            let stamp = Stamp {
                lab: id.clone(),
                day: day(&r.started_at),
                versions: versions(Some(r)),
                stale: r.sources.is_none() || r.sources != current,
            };
            for t in scan.transcripts.iter().filter(|t| &t.lab == id) {
                let want = format!("transcript:{}", t.place());
                if let Some(c) = r.checks.iter().find(|c| c.id == want) {
                    index.transcripts.insert(
                        t.place(),
                        TranscriptProof {
                            stamp: stamp.clone(),
                            passed: c.status == CheckStatus::Passed,
                            outputs: c.outputs.clone(),
                        },
                    );
                }
            }
        }
        let stored = report::last_claims(&cache, id);
        for c in scan.claims.iter().filter(|c| &c.lab == id) {
            let at = format!("{}:{}", c.page.display(), c.line);
            let stamp = Stamp {
                lab: id.clone(),
                day: stored.as_ref().map(|s| day(&s.at)).unwrap_or_default(),
                versions: versions(last),
                stale: stored
                    .as_ref()
                    .is_some_and(|s| current.as_deref() != Some(s.sources.as_str())),
            };
            let found = stored.as_ref().and_then(|s| {
                s.coverage
                    .claims
                    .iter()
                    .find(|r| r.at == at && r.key == c.key)
            });
            let state = match (&c.informational, found.map(|r| &r.status)) {
                (Some(why), _) => ClaimState::Informational(why.clone()),
                (None, Some(ClaimStatus::Proven { checks, .. })) => {
                    ClaimState::Proven(checks.clone())
                }
                (None, Some(ClaimStatus::Unproven { .. })) => ClaimState::Unproven,
                (None, Some(ClaimStatus::Informational { reason })) => {
                    ClaimState::Informational(reason.clone())
                }
                (None, Some(ClaimStatus::NotFound) | None) => ClaimState::Missing,
            };
            index.claims.insert(at, ClaimProof { state, stamp });
        }
    }
    let mut described: Vec<String> = index
        .transcripts
        .iter()
        .map(|(k, v)| format!("{k}{v:?}"))
        .chain(index.claims.iter().map(|(k, v)| format!("{k}{v:?}")))
        .collect();
    described.sort();
    index.digest = hash_parts(described.iter().map(|s| s.as_bytes()));
    index
}
