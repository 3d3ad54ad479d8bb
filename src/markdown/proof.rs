//! What the labs' recorded results say about a page's blocks, as the page shows it: the stamp
//! of a proven transcript (passed or failed, when, with which versions, stale or not), the
//! output of a recorded one, and the proof of each annotation's claim. The data comes from the
//! pipeline (`pipeline::proofs`); this module only turns it into HTML that reads without
//! JavaScript and in print.

use std::collections::HashMap;

use docgen_core::text::escape;

/// The recorded proofs of the book's pages, keyed by `page:line` (the page as diagnostics name
/// it: `content/en/unix-socket.md:49`).
#[derive(Debug, Clone, Default)]
pub struct ProofIndex {
    /// A transcript's opening fence → its last result.
    pub transcripts: HashMap<String, TranscriptProof>,
    /// An annotation's line → its claim's last result.
    pub claims: HashMap<String, ClaimProof>,
    /// The labs' last results that a page may show, for the page cache's key.
    pub digest: u128,
}

/// When and with what a lab's result was made, and whether it still holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The lab.
    pub lab: String,
    /// The day of the run (`2026-11-29`).
    pub day: String,
    /// The versions it reported (`gunicorn 23.0.0, django 4.2.30`).
    pub versions: String,
    /// The lab or the book's pages of it changed since: the result may no longer hold.
    pub stale: bool,
}

/// A transcript's last result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptProof {
    /// When, with what.
    pub stamp: Stamp,
    /// It passed.
    pub passed: bool,
    /// What each command printed (recorded transcripts).
    pub outputs: Vec<String>,
}

/// How an annotation's claim stands after the last `lab test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimState {
    /// Without the line, these checks failed.
    Proven(Vec<String>),
    /// Without the line, every check still passed.
    Unproven,
    /// Marked informational, with the reason.
    Informational(String),
    /// A claim on a lab file that no recorded `lab test` has a result for.
    Missing,
}

/// An annotation's claim and its stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimProof {
    /// The verdict.
    pub state: ClaimState,
    /// When, with what.
    pub stamp: Stamp,
}

struct Words {
    passed: &'static str,
    failed: &'static str,
    not_run: &'static str,
    stale: &'static str,
    recorded: &'static str,
    no_output: &'static str,
    proven_by: &'static str,
    unproven: &'static str,
    informational: &'static str,
    unknown: &'static str,
}

fn words(lang: &str) -> &'static Words {
    static EN: Words = Words {
        passed: "passed",
        failed: "failed in the last run",
        not_run: "not run here yet: run",
        stale: "stale: the lab or its pages changed since this run",
        recorded: "output recorded",
        no_output: "output not recorded yet: run",
        proven_by: "proven: removing this line fails",
        unproven: "not proven: every check still passes without this line",
        informational: "informational, not checked:",
        unknown: "not proven here yet: run",
    };
    static VI: Words = Words {
        passed: "đạt",
        failed: "không đạt ở lần chạy gần nhất",
        not_run: "chưa chạy ở đây: chạy",
        stale: "đã cũ: bài thực hành hoặc trang đã đổi sau lần chạy này",
        recorded: "đầu ra được ghi lại",
        no_output: "chưa ghi lại đầu ra: chạy",
        proven_by: "đã chứng minh: bỏ dòng này thì không đạt",
        unproven: "chưa chứng minh: bỏ dòng này mọi kiểm tra vẫn đạt",
        informational: "chỉ để giải thích, không kiểm tra:",
        unknown: "chưa chứng minh ở đây: chạy",
    };
    if docgen_core::lang::is(lang, "vi") {
        &VI
    } else {
        &EN
    }
}

fn stamp_tail(s: &Stamp, lang: &str) -> String {
    let w = words(lang);
    let mut out = format!(" · <time datetime=\"{0}\">{0}</time>", escape(&s.day));
    if !s.versions.is_empty() {
        out.push_str(&format!(" · {}", escape(&s.versions)));
    }
    if s.stale {
        out.push_str(&format!(
            " · <strong class=\"proof-stale\">{}</strong>",
            w.stale
        ));
    }
    out
}

/// The state a transcript figure carries in `data-proof`: `passed`, `failed`, `stale` or
/// `missing`.
pub fn transcript_state(p: Option<&TranscriptProof>) -> &'static str {
    match p {
        None => "missing",
        Some(p) if p.stamp.stale => "stale",
        Some(p) if p.passed => "passed",
        Some(_) => "failed",
    }
}

/// The note on a `server-only` block: no lab runs it.
pub fn server_only_note(lang: &str) -> &'static str {
    if docgen_core::lang::is(lang, "vi") {
        "Chỉ chạy trên máy chủ thật: không bài thực hành nào chạy khối này"
    } else {
        "On a real server only: no lab runs this block"
    }
}

/// The note on a `not-run="REASON"` block.
pub fn not_run_note(why: &str, lang: &str) -> String {
    if docgen_core::lang::is(lang, "vi") {
        format!("Không bài thực hành nào chạy khối này: {why}")
    } else {
        format!("No lab runs this block: {why}")
    }
}

/// The stamp under a transcript's caption. A variant's transcripts are recorded by `lab test`.
pub fn transcript_stamp(
    lab: &str,
    p: Option<&TranscriptProof>,
    recorded: bool,
    in_variant: bool,
    lang: &str,
) -> String {
    let w = words(lang);
    let state = transcript_state(p);
    let body = match p {
        None => format!(
            "{} <code>docgen lab {} {}</code>",
            if recorded { w.no_output } else { w.not_run },
            if in_variant { "test" } else { "run" },
            escape(lab)
        ),
        Some(p) => {
            let verdict = if p.passed { w.passed } else { w.failed };
            let mark = if p.passed { "✓" } else { "✗" };
            let what = if recorded && p.passed {
                format!("{mark} {verdict}, {}", w.recorded)
            } else {
                format!("{mark} {verdict}")
            };
            format!("{what}{}", stamp_tail(&p.stamp, lang))
        }
    };
    format!("<p class=\"proof-stamp proof-{state}\">{body}</p>")
}

/// A recorded transcript's text: each prompt line of `code` followed by what that command
/// printed. Without outputs, the commands alone.
pub fn with_outputs(code: &str, outputs: &[String]) -> String {
    let mut out =
        String::with_capacity(code.len() + outputs.iter().map(String::len).sum::<usize>());
    let mut k = 0;
    for line in code.lines() {
        out.push_str(line);
        out.push('\n');
        let t = line.trim_start();
        if t.starts_with("$ ") || t.starts_with("# ") || t == "$" || t == "#" {
            if let Some(o) = outputs.get(k) {
                if !o.is_empty() {
                    out.push_str(o);
                    out.push('\n');
                }
            }
            k += 1;
        }
    }
    out
}

/// The proof line of an annotation, inside its list item; `None` when the annotation makes no
/// claim (its block includes no lab file).
pub fn claim_html(p: Option<&ClaimProof>, lang: &str) -> Option<String> {
    let w = words(lang);
    let (class, text) = match p {
        None => return None,
        Some(p) => {
            let tail = stamp_tail(&p.stamp, lang);
            match &p.state {
                ClaimState::Proven(checks) => (
                    if p.stamp.stale { "stale" } else { "proven" },
                    format!(
                        "✓ {} {}{tail}",
                        w.proven_by,
                        checks
                            .iter()
                            .map(|c| format!("<code>{}</code>", escape(c)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                ClaimState::Unproven => ("unproven", format!("✗ {}{tail}", w.unproven)),
                ClaimState::Informational(why) => (
                    "informational",
                    format!("i {} {}", w.informational, escape(why)),
                ),
                ClaimState::Missing => (
                    "unknown",
                    format!(
                        "? {} <code>docgen lab test {}</code>",
                        w.unknown,
                        escape(&p.stamp.lab)
                    ),
                ),
            }
        }
    };
    Some(format!("<span class=\"proof proof-{class}\">{text}</span>"))
}

/// The class an annotation marker gets: `proof-proven`, `proof-unproven`, ... or none.
pub fn marker_class(p: Option<&ClaimProof>) -> &'static str {
    match p {
        None => "",
        Some(p) => match &p.state {
            ClaimState::Proven(_) if p.stamp.stale => " proof-stale",
            ClaimState::Proven(_) => " proof-proven",
            ClaimState::Unproven => " proof-unproven",
            ClaimState::Informational(_) => " proof-informational",
            ClaimState::Missing => " proof-unknown",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(stale: bool) -> Stamp {
        Stamp {
            lab: "demo".into(),
            day: "2026-11-29".into(),
            versions: "gunicorn 23.0.0".into(),
            stale,
        }
    }

    #[test]
    fn outputs_go_under_their_prompts() {
        let code = "$ systemctl is-active gunicorn\n# ls /run/gunicorn  # exit 0\n";
        assert_eq!(
            with_outputs(code, &["active".into(), "gunicorn.sock".into()]),
            "$ systemctl is-active gunicorn\nactive\n# ls /run/gunicorn  # exit 0\ngunicorn.sock\n"
        );
        assert_eq!(with_outputs(code, &[]), code);
    }

    #[test]
    fn stamps_say_when_with_what_and_whether_it_still_holds() {
        let p = TranscriptProof {
            stamp: stamp(false),
            passed: true,
            outputs: vec![],
        };
        let html = transcript_stamp("demo", Some(&p), false, false, "en");
        assert!(html.contains("proof-passed"), "{html}");
        assert!(
            html.contains(
                "✓ passed · <time datetime=\"2026-11-29\">2026-11-29</time> · gunicorn 23.0.0"
            ),
            "{html}"
        );
        let stale = TranscriptProof {
            stamp: stamp(true),
            ..p
        };
        assert!(transcript_stamp("demo", Some(&stale), false, false, "en").contains("proof-stale"));
        let missing = transcript_stamp("demo", None, true, false, "en");
        assert!(transcript_stamp("demo", None, false, true, "en")
            .contains("<code>docgen lab test demo</code>"));
        assert!(
            missing.contains("output not recorded yet: run <code>docgen lab run demo</code>"),
            "{missing}"
        );
    }

    #[test]
    fn claims_name_their_checks() {
        let p = ClaimProof {
            state: ClaimState::Proven(vec!["socket".into()]),
            stamp: stamp(false),
        };
        let html = claim_html(Some(&p), "en").unwrap();
        assert!(html.starts_with("<span class=\"proof proof-proven\">✓ proven: removing this line fails <code>socket</code>"), "{html}");
        assert_eq!(marker_class(Some(&p)), " proof-proven");
        assert!(claim_html(None, "en").is_none());
        let missing = ClaimProof {
            state: ClaimState::Missing,
            stamp: stamp(false),
        };
        assert!(claim_html(Some(&missing), "en")
            .unwrap()
            .contains("? not proven here yet: run <code>docgen lab test demo</code>"));
    }
}
