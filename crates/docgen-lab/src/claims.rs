//! Claim coverage: every annotation on a page's code block that includes a lab file is a claim
//! that its line matters. `lab test` proves each one with a break-it run in which that line is
//! gone (or replaced as the author declares), and at least one check fails. A line some
//! declared variant already edits is proven by that variant; an annotation the author marks
//! informational (with a reason) is not counted.
//!
//! The `docgen` crate finds the claims in the pages (it reads Markdown); this module decides
//! which line each is about, which variant proves it, and what a generated variant edits.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::spec::{Edit, EditOp, LabSpec, Variant};

/// One annotation of a lab file on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The page, as diagnostics show it.
    pub page: PathBuf,
    /// The annotation's line in the page.
    pub line: usize,
    /// The line of the code block's opening fence: annotations are placed per block.
    pub block: usize,
    /// The lab whose file the block includes.
    pub lab: String,
    /// The file, as the lab's `files[].src` names it.
    pub file: String,
    /// The annotation's text in backticks: what finds the line.
    pub key: String,
    /// `<!-- claim: informational: REASON -->`: not a claim to prove.
    pub informational: Option<String>,
    /// `<!-- claim: replace FROM => TO -->`: the break-it edit, instead of removing the line.
    pub replace: Option<(String, String)>,
}

/// How a claim stands after `lab test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ClaimStatus {
    /// A run without the line failed these checks.
    Proven {
        /// The variant that showed it (declared, or `claim-...` generated).
        variant: String,
        /// The checks that failed.
        checks: Vec<String>,
    },
    /// Without the line every check still passed: nothing shows that the line matters.
    Unproven {
        /// The variant that ran.
        variant: String,
    },
    /// Marked informational on the page.
    Informational {
        /// Why.
        reason: String,
    },
    /// The annotation's text is in no line of the file at or after the previous one.
    NotFound,
}

/// A claim and how it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// `content/en/gunicorn-service.md:23`.
    pub at: String,
    /// The file and its line (`gunicorn.service:6`).
    pub line: String,
    /// The annotation's text.
    pub key: String,
    /// How it stands.
    #[serde(flatten)]
    pub status: ClaimStatus,
}

/// The totals of a set of claims.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Claims shown to matter.
    pub proven: usize,
    /// Claims counted (informational ones are not).
    pub total: usize,
    /// `page:line` of each unproven claim.
    pub unproven: Vec<String>,
    /// Every claim with its status.
    pub claims: Vec<ClaimResult>,
}

impl Coverage {
    /// Totals of `claims`.
    pub fn of(claims: Vec<ClaimResult>) -> Coverage {
        let counted = |c: &&ClaimResult| !matches!(c.status, ClaimStatus::Informational { .. });
        Coverage {
            proven: claims
                .iter()
                .filter(|c| matches!(c.status, ClaimStatus::Proven { .. }))
                .count(),
            total: claims.iter().filter(counted).count(),
            unproven: claims
                .iter()
                .filter(counted)
                .filter(|c| !matches!(c.status, ClaimStatus::Proven { .. }))
                .map(|c| c.at.clone())
                .collect(),
            claims,
        }
    }

    /// The proven share, 1.0 when there is nothing to prove.
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.proven as f64 / self.total as f64
        }
    }
}

/// The 1-based line of each claim in its file, found as the page places its annotations: the
/// first line containing the key at or after the line of the block's previous annotation, else
/// the first from the top. `None` when no line has it.
pub fn locate(claims: &[&Claim], text: &str) -> Vec<Option<usize>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut from = 0;
    let mut block: Option<(&PathBuf, usize)> = None;
    for c in claims {
        // The claims of another block start again from the top.
        if block != Some((&c.page, c.block)) {
            from = 0;
        }
        block = Some((&c.page, c.block));
        let has = |i: &usize| lines[*i].contains(c.key.as_str());
        match (from..lines.len())
            .find(has)
            .or_else(|| (0..from).find(has))
        {
            Some(i) => {
                out.push(Some(i + 1));
                from = i;
            }
            None => out.push(None),
        }
    }
    out
}

/// The declared variant of `spec` that edits `line` of `file` and nothing else, if any (a
/// variant that edits two lines does not show which of them its failures are about).
pub fn covering_variant<'a>(spec: &'a LabSpec, file: &str, line: &str) -> Option<&'a Variant> {
    let t = line.trim();
    spec.variants.iter().find(|v| {
        v.edits.len() == 1
            && v.edits.iter().any(|e| {
                e.file == file
                    && match &e.op {
                        EditOp::Remove(r) if r.contains('\n') => r.lines().any(|l| l.trim() == t),
                        EditOp::Remove(r) => r.trim() == t,
                        EditOp::Replace(from, _) => {
                            !from.trim().is_empty() && line.contains(from.as_str())
                        }
                        EditOp::Append(_) => false,
                    }
            })
    })
}

/// The variant a claim generates: the line removed, or the declared replacement.
pub fn generated_variant(claim: &Claim, file_line: usize, line: &str) -> Variant {
    let op = match &claim.replace {
        Some((from, to)) => EditOp::Replace(from.clone(), to.clone()),
        None => EditOp::Remove(line.trim().to_string()),
    };
    let stem: String = claim
        .file
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Variant {
        name: format!("claim-{stem}-{file_line}"),
        description: None,
        edits: vec![Edit {
            file: claim.file.clone(),
            op,
        }],
        fails: Vec::new(),
        line: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(line: usize, key: &str) -> Claim {
        Claim {
            page: "p.md".into(),
            line,
            block: if line < 20 { 9 } else { 19 },
            lab: "demo".into(),
            file: "app.service".into(),
            key: key.into(),
            informational: None,
            replace: None,
        }
    }

    #[test]
    fn claims_find_their_lines_in_order() {
        let unit = "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/app \\\n  --workers 3\n[Install]\nWantedBy=multi-user.target\n";
        let cs = [
            claim(10, "[Unit]"),
            claim(11, "ExecStart="),
            claim(12, "--workers 3"),
            claim(13, "[Install]"),
            claim(14, "Restart="),
            claim(20, "WantedBy="),
            claim(21, "[Unit]"),
        ];
        let refs: Vec<&Claim> = cs.iter().collect();
        assert_eq!(
            locate(&refs, unit),
            vec![Some(1), Some(4), Some(5), Some(6), None, Some(7), Some(1)]
        );
    }

    #[test]
    fn coverage_counts_all_but_informational() {
        let r = |at: &str, status| ClaimResult {
            at: at.into(),
            line: "f:1".into(),
            key: "k".into(),
            status,
        };
        let c = Coverage::of(vec![
            r(
                "a",
                ClaimStatus::Proven {
                    variant: "v".into(),
                    checks: vec!["c".into()],
                },
            ),
            r(
                "b",
                ClaimStatus::Unproven {
                    variant: "claim-f-2".into(),
                },
            ),
            r(
                "c",
                ClaimStatus::Informational {
                    reason: "just a name".into(),
                },
            ),
        ]);
        assert_eq!(
            (c.proven, c.total, c.unproven.clone()),
            (1, 2, vec!["b".to_string()])
        );
        assert_eq!(c.ratio(), 0.5);
    }

    #[test]
    fn generated_variants_remove_or_replace() {
        let v = generated_variant(&claim(1, "After="), 3, "After=network.target\n");
        assert_eq!(v.name, "claim-app-service-3");
        assert_eq!(v.edits[0].op, EditOp::Remove("After=network.target".into()));
        let mut c = claim(1, "--workers 3");
        c.replace = Some(("--workers 3".into(), "--workers 1".into()));
        let v = generated_variant(&c, 11, "  --workers 3 \\");
        assert_eq!(
            v.edits[0].op,
            EditOp::Replace("--workers 3".into(), "--workers 1".into())
        );
    }
}
