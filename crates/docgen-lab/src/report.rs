//! Reports of lab runs and tests: the data (serde, so `--format json` and the stored last
//! result are the same thing), the human text, JUnit XML, and the store of the last result of
//! each lab under the cache directory, which the site reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde::{Deserialize, Serialize};

use crate::checks::Evidence;
use crate::claims::{ClaimStatus, Coverage};
use crate::spec::Text;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every phase and check passed.
    Passed,
    /// A check, a step, or the boot failed.
    Failed,
}

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// It passed.
    Passed,
    /// It failed (at its deadline).
    Failed,
    /// It did not run because the run stopped earlier (boot failed).
    Skipped,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check's id.
    pub id: String,
    /// What it proves.
    pub title: Text,
    /// Its kind (`service`, `http`, ...).
    pub kind: String,
    /// Passed, failed or skipped.
    pub status: CheckStatus,
    /// Time spent, including its `before` action and polling.
    pub duration_ms: u64,
    /// How many times the probe ran.
    pub attempts: u32,
    /// What was expected.
    pub expected: String,
    /// What was seen last.
    pub seen: String,
    /// The action run before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The course section that explains it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explains: Option<String>,
    /// Evidence collected on failure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// A recorded transcript's (`output=recorded`): what each command printed, in order, for
    /// the page to show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
}

impl CheckResult {
    /// Whether it passed.
    pub fn passed(&self) -> bool {
        self.status == CheckStatus::Passed
    }
}

/// One phase of a run (build, boot, files, steps, versions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    /// `build`, `boot`, `files`, `step`, `versions`.
    pub name: String,
    /// Whether it succeeded.
    pub ok: bool,
    /// Time spent.
    pub duration_ms: u64,
    /// One line about it.
    pub detail: String,
    /// Output worth keeping (a failed step's output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The report of one run of a lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The lab id.
    pub lab: String,
    /// The lab's title.
    pub title: Text,
    /// The variant run, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Files replaced with `--with FILE=PATH`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// Wall time of the whole run.
    pub duration_ms: u64,
    /// `docker` or `podman`.
    pub engine: String,
    /// The image tag.
    pub image: String,
    /// Whether this run had to build the image.
    pub image_built: bool,
    /// Passed or failed.
    pub outcome: Outcome,
    /// Why the run stopped early, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The phases before the checks.
    pub phases: Vec<Phase>,
    /// The checks, in order.
    pub checks: Vec<CheckResult>,
    /// Versions seen in the container: systemd, python, nginx, and the lab's own (gunicorn,
    /// django).
    pub versions: BTreeMap<String, String>,
    /// Evidence about the run as a whole (a failed boot).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// What the run was made from (`image::sources_hash`), so a later check can tell a stale
    /// result; `None` for runs of variants and older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<String>,
}

impl Report {
    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }

    /// The ids of the checks that did not pass.
    pub fn failed_checks(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| !c.passed())
            .map(|c| c.id.clone())
            .collect()
    }

    /// The checks that ran and failed (not the skipped ones): what caught a claim's variant.
    pub fn caught_by(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| c.status == CheckStatus::Failed)
            .map(|c| c.id.clone())
            .collect()
    }
}

/// The verdict of one variant in `lab test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantTest {
    /// The variant's name.
    pub name: String,
    /// Whether it failed exactly the checks it declares.
    pub ok: bool,
    /// The checks it declares must fail.
    pub expected_failures: Vec<String>,
    /// Declared but passed: the check did not catch the break.
    pub unexpected_passes: Vec<String>,
    /// Failed but not declared: the break (or the lab) is not what the spec says.
    pub unexpected_failures: Vec<String>,
    /// The run's report.
    pub report: Report,
}

impl VariantTest {
    /// Judges a variant run against its declared failures.
    pub fn judge(name: &str, expected: &[String], report: Report) -> VariantTest {
        let failed = report.failed_checks();
        let unexpected_passes: Vec<String> = expected
            .iter()
            .filter(|e| !failed.contains(e))
            .cloned()
            .collect();
        let unexpected_failures: Vec<String> = failed
            .iter()
            .filter(|f| !expected.contains(f))
            .cloned()
            .collect();
        VariantTest {
            name: name.to_string(),
            ok: unexpected_passes.is_empty() && unexpected_failures.is_empty(),
            expected_failures: expected.to_vec(),
            unexpected_passes,
            unexpected_failures,
            report,
        }
    }
}

/// `lab test` of one lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabTest {
    /// The lab id.
    pub lab: String,
    /// The lab passed and every variant failed exactly as declared.
    pub ok: bool,
    /// The run of the lab as is.
    pub base: Report,
    /// Each variant.
    pub variants: Vec<VariantTest>,
    /// The claims of the pages' annotations on the lab's files, and how each stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Coverage>,
}

impl LabTest {
    /// Puts the verdict together.
    pub fn new(base: Report, variants: Vec<VariantTest>) -> LabTest {
        LabTest {
            lab: base.lab.clone(),
            ok: base.passed() && variants.iter().all(|v| v.ok),
            base,
            variants,
            claims: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Human text.

fn secs(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

/// `claims: 14/15 proven`, per page, and each claim that is not proven.
pub fn claims_human(c: &Coverage) -> String {
    let informational = c.claims.len() - c.total;
    let mut s = format!("  claims: {}/{} proven", c.proven, c.total);
    if informational > 0 {
        s.push_str(&format!(" ({informational} informational)"));
    }
    s.push('\n');
    let mut pages: Vec<&str> = c
        .claims
        .iter()
        .map(|r| r.at.rsplit_once(':').map_or(r.at.as_str(), |(p, _)| p))
        .collect();
    pages.dedup();
    for page in pages {
        let mine = c
            .claims
            .iter()
            .filter(|r| r.at.starts_with(&format!("{page}:")));
        let (mut proven, mut total) = (0, 0);
        for r in mine {
            match r.status {
                ClaimStatus::Proven { .. } => {
                    proven += 1;
                    total += 1;
                }
                ClaimStatus::Informational { .. } => {}
                _ => total += 1,
            }
        }
        s.push_str(&format!("    {page}: {proven}/{total}\n"));
    }
    for r in &c.claims {
        let what = match &r.status {
            ClaimStatus::Proven { .. } => continue,
            ClaimStatus::Unproven { variant } => {
                format!("UNPROVEN: every check passed without it (variant {variant})")
            }
            ClaimStatus::NotFound => "UNPROVEN: the text is in no line of the file".to_string(),
            ClaimStatus::Informational { reason } => format!("informational: {reason}"),
        };
        s.push_str(&format!("    {} `{}` ({}): {what}\n", r.at, r.key, r.line));
    }
    s
}

/// The human line for a finished check (also used for live progress).
pub fn check_line(c: &CheckResult, lang: &str) -> String {
    let mark = match c.status {
        CheckStatus::Passed => "ok  ",
        CheckStatus::Failed => "FAIL",
        CheckStatus::Skipped => "skip",
    };
    let action = c
        .action
        .as_deref()
        .map(|a| format!(" (after: {a})"))
        .unwrap_or_default();
    format!(
        "  check  {mark} {:<24} {}{action}  [{}]",
        c.id,
        c.title.get(lang),
        secs(c.duration_ms)
    )
}

/// The details printed under a failed check.
pub fn failure_details(c: &CheckResult) -> String {
    let mut s = format!(
        "           expected: {}\n           seen:     {}\n",
        c.expected, c.seen
    );
    if let Some(e) = &c.explains {
        s.push_str(&format!("           explained in: {e}\n"));
    }
    for e in &c.evidence {
        s.push_str(&format!("           --- {} ---\n", e.title));
        for l in e.text.lines() {
            s.push_str(&format!("           | {l}\n"));
        }
    }
    s
}

/// A whole report as text: phases, checks, failures with evidence, the verdict.
pub fn render_human(r: &Report, lang: &str) -> String {
    let mut s = format!("lab {}: {}\n", r.lab, r.title.get(lang));
    if let Some(v) = &r.variant {
        s.push_str(&format!("  variant: {v}\n"));
    }
    for w in &r.with {
        s.push_str(&format!("  with: {w}\n"));
    }
    for p in &r.phases {
        s.push_str(&format!(
            "  {:<6} {} {}  [{}]\n",
            p.name,
            if p.ok { "ok  " } else { "FAIL" },
            p.detail,
            secs(p.duration_ms)
        ));
        if let (false, Some(o)) = (p.ok, &p.output) {
            for l in o.lines() {
                s.push_str(&format!("           | {l}\n"));
            }
        }
    }
    for c in &r.checks {
        s.push_str(&check_line(c, lang));
        s.push('\n');
        if c.status == CheckStatus::Failed {
            s.push_str(&failure_details(c));
        }
    }
    for e in &r.evidence {
        s.push_str(&format!("  --- {} ---\n", e.title));
        for l in e.text.lines() {
            s.push_str(&format!("  | {l}\n"));
        }
    }
    s.push_str(&summary_line(r));
    s.push('\n');
    s
}

/// `PASSED: 14 checks in 3.2s` or `FAILED: 2 of 14 checks failed: a, b`.
pub fn summary_line(r: &Report) -> String {
    let failed = r.failed_checks();
    let versions = if r.versions.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            r.versions
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match (r.outcome, &r.error) {
        (Outcome::Passed, _) => format!(
            "PASSED: {} checks in {}{versions}",
            r.checks.len(),
            secs(r.duration_ms)
        ),
        (Outcome::Failed, Some(e)) if failed.len() == r.checks.len() => {
            format!("FAILED: {e}")
        }
        (Outcome::Failed, err) => {
            let mut s = format!(
                "FAILED: {} of {} checks failed: {}",
                failed.len(),
                r.checks.len(),
                failed.join(", ")
            );
            if let Some(e) = err {
                s.push_str(&format!("; {e}"));
            }
            s
        }
    }
}

/// `lab test` results as text.
pub fn render_test_human(tests: &[LabTest]) -> String {
    let mut s = String::new();
    for t in tests {
        s.push_str(&format!(
            "lab {}: {}\n  base run: {}\n",
            t.lab,
            if t.ok { "ok" } else { "FAILED" },
            summary_line(&t.base)
        ));
        for v in &t.variants {
            s.push_str(&format!(
                "  variant {:<28} {}  fails [{}]",
                v.name,
                if v.ok { "ok  " } else { "FAIL" },
                v.report.failed_checks().join(", ")
            ));
            if !v.unexpected_passes.is_empty() {
                s.push_str(&format!(
                    "; declared to fail but passed: {}",
                    v.unexpected_passes.join(", ")
                ));
            }
            if !v.unexpected_failures.is_empty() {
                s.push_str(&format!(
                    "; failed but not declared: {}",
                    v.unexpected_failures.join(", ")
                ));
            }
            s.push('\n');
        }
        if let Some(c) = &t.claims {
            s.push_str(&claims_human(c));
        }
    }
    let bad: Vec<&str> = tests
        .iter()
        .filter(|t| !t.ok)
        .map(|t| t.lab.as_str())
        .collect();
    if bad.is_empty() {
        s.push_str(&format!("lab test: all {} labs ok\n", tests.len()));
    } else {
        s.push_str(&format!("lab test: FAILED: {}\n", bad.join(", ")));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// JUnit XML.

type XmlResult = std::io::Result<()>;

fn start<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute((*k, *v));
    }
    e
}

fn suite_xml(
    w: &mut Writer<Vec<u8>>,
    name: &str,
    r: &Report,
    extra_failure: Option<&str>,
) -> XmlResult {
    let failures = r
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Failed)
        .count()
        + usize::from(extra_failure.is_some());
    let skipped = r
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Skipped)
        .count();
    let tests = r.checks.len() + usize::from(extra_failure.is_some());
    let (tests_s, fail_s, skip_s, time_s) = (
        tests.to_string(),
        failures.to_string(),
        skipped.to_string(),
        format!("{:.3}", r.duration_ms as f64 / 1000.0),
    );
    w.write_event(Event::Start(start(
        "testsuite",
        &[
            ("name", name),
            ("tests", &tests_s),
            ("failures", &fail_s),
            ("errors", "0"),
            ("skipped", &skip_s),
            ("time", &time_s),
            ("timestamp", &r.started_at),
        ],
    )))?;
    {
        w.write_event(Event::Start(BytesStart::new("properties")))?;
        w.write_event(Event::Empty(start(
            "property",
            &[("name", "engine"), ("value", &r.engine)],
        )))?;
        for (k, v) in &r.versions {
            let key = format!("version.{k}");
            w.write_event(Event::Empty(start(
                "property",
                &[("name", &key), ("value", v)],
            )))?;
        }
        w.write_event(Event::End(BytesEnd::new("properties")))?;
    }
    if let Some(msg) = extra_failure {
        w.write_event(Event::Start(start(
            "testcase",
            &[
                ("classname", name),
                ("name", "variant-expectations"),
                ("time", "0"),
            ],
        )))?;
        w.write_event(Event::Start(start("failure", &[("message", msg)])))?;
        w.write_event(Event::Text(BytesText::new(msg)))?;
        w.write_event(Event::End(BytesEnd::new("failure")))?;
        w.write_event(Event::End(BytesEnd::new("testcase")))?;
    }
    for c in &r.checks {
        let time = format!("{:.3}", c.duration_ms as f64 / 1000.0);
        w.write_event(Event::Start(start(
            "testcase",
            &[("classname", name), ("name", &c.id), ("time", &time)],
        )))?;
        match c.status {
            CheckStatus::Passed => {}
            CheckStatus::Skipped => {
                w.write_event(Event::Empty(start("skipped", &[("message", &c.seen)])))?;
            }
            CheckStatus::Failed => {
                let msg = format!("expected {}; seen {}", c.expected, c.seen);
                w.write_event(Event::Start(start("failure", &[("message", &msg)])))?;
                w.write_event(Event::Text(BytesText::new(&failure_details(c))))?;
                w.write_event(Event::End(BytesEnd::new("failure")))?;
            }
        }
        w.write_event(Event::End(BytesEnd::new("testcase")))?;
    }
    if let Some(e) = &r.error {
        w.write_event(Event::Start(BytesStart::new("system-err")))?;
        w.write_event(Event::Text(BytesText::new(e)))?;
        w.write_event(Event::End(BytesEnd::new("system-err")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
}

fn junit(f: impl FnOnce(&mut Writer<Vec<u8>>) -> XmlResult) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|_| w.write_event(Event::Start(BytesStart::new("testsuites"))))
        .and_then(|_| f(&mut w))
        .and_then(|_| w.write_event(Event::End(BytesEnd::new("testsuites"))));
    // Writing into a Vec cannot fail.
    debug_assert!(written.is_ok());
    let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
    s.push('\n');
    s
}

/// A run as JUnit XML: one testsuite, one testcase per check.
pub fn render_junit(r: &Report) -> String {
    let name = match &r.variant {
        Some(v) => format!("lab.{}.{v}", r.lab),
        None => format!("lab.{}", r.lab),
    };
    junit(|w| suite_xml(w, &name, r, None))
}

/// `lab test` as JUnit XML: one testsuite per lab run and per variant. A variant's testcases
/// are its checks judged against the declaration: a declared failure that happened passes.
pub fn render_test_junit(tests: &[LabTest]) -> String {
    junit(|w| {
        for t in tests {
            suite_xml(w, &format!("lab.{}", t.lab), &t.base, None)?;
            for v in &t.variants {
                let mut judged = v.report.clone();
                for c in &mut judged.checks {
                    let declared = v.expected_failures.contains(&c.id);
                    let failed = !c.passed();
                    c.status = if declared == failed {
                        CheckStatus::Passed
                    } else {
                        CheckStatus::Failed
                    };
                    if declared && !failed {
                        c.expected = format!("this variant to make it fail ({})", c.expected);
                    }
                }
                suite_xml(w, &format!("lab.{}.{}", t.lab, v.name), &judged, None)?;
            }
            if let Some(c) = &t.claims {
                suite_xml(
                    w,
                    &format!("lab.{}.claims", t.lab),
                    &claims_report(&t.base, c),
                    None,
                )?;
            }
        }
        Ok(())
    })
}

/// The claims as a report whose checks are the claims, for JUnit: proven passes, unproven
/// fails, informational is skipped.
fn claims_report(base: &Report, c: &Coverage) -> Report {
    let mut r = base.clone();
    r.evidence.clear();
    r.checks = c
        .claims
        .iter()
        .map(|claim| {
            let (status, seen) = match &claim.status {
                ClaimStatus::Proven { variant, checks } => (
                    CheckStatus::Passed,
                    format!("without it ({variant}) these failed: {}", checks.join(", ")),
                ),
                ClaimStatus::Unproven { variant } => (
                    CheckStatus::Failed,
                    format!("without it ({variant}) every check passed"),
                ),
                ClaimStatus::NotFound => (
                    CheckStatus::Failed,
                    "the annotation's text is in no line of the file".to_string(),
                ),
                ClaimStatus::Informational { reason } => {
                    (CheckStatus::Skipped, format!("informational: {reason}"))
                }
            };
            CheckResult {
                id: claim.at.clone(),
                title: Text::new([("en", format!("`{}` ({}) matters", claim.key, claim.line))]),
                kind: "claim".to_string(),
                status,
                duration_ms: 0,
                attempts: 1,
                expected: "a check fails without this line".to_string(),
                seen,
                action: None,
                explains: None,
                evidence: Vec::new(),
                outputs: Vec::new(),
            }
        })
        .collect();
    r
}

// ---------------------------------------------------------------------------------------------
// The stored last result.

/// Where the last result of lab `id` is stored.
pub fn last_result_path(cache_dir: &Path, id: &str) -> PathBuf {
    cache_dir.join("labs").join(id).join("last.json")
}

/// Stores `r` as the last result of its lab (atomically: temp file + rename).
pub fn store_last(cache_dir: &Path, r: &Report) -> anyhow::Result<PathBuf> {
    let path = last_result_path(cache_dir, &r.lab);
    write_json_atomic(&path, r)?;
    Ok(path)
}

/// Writes `value` as pretty JSON to `path` through a temp file and a rename, so a reader never
/// sees half a file.
fn write_json_atomic(path: &Path, value: &impl Serialize) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}", std::process::id()));
    std::fs::write(&tmp, serde_json::to_string_pretty(value)?)
        .with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Where the claims `lab test` last proved for lab `id` are stored.
fn claims_path(cache_dir: &Path, id: &str) -> PathBuf {
    cache_dir.join("labs").join(id).join("claims.json")
}

/// The claims of a lab as `lab test` last proved them, with what they were made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredClaims {
    /// `image::sources_hash` of the lab and the pages when they were proved.
    pub sources: String,
    /// When (RFC 3339).
    pub at: String,
    /// The claims.
    pub coverage: Coverage,
}

/// Stores the claims `lab test` proved for lab `id` (`claims.json` beside `last.json`).
pub fn store_claims(cache_dir: &Path, id: &str, claims: &StoredClaims) -> anyhow::Result<()> {
    write_json_atomic(&claims_path(cache_dir, id), claims)
}

/// The claims `lab test` last proved for lab `id`, if recorded.
pub fn last_claims(cache_dir: &Path, id: &str) -> Option<StoredClaims> {
    let text = std::fs::read_to_string(claims_path(cache_dir, id)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The stored last result of lab `id`, if there is a readable one.
pub fn last_result(cache_dir: &Path, id: &str) -> Option<Report> {
    let text = std::fs::read_to_string(last_result_path(cache_dir, id)).ok()?;
    serde_json::from_str(&text).ok()
}

// ---------------------------------------------------------------------------------------------
// Time.

/// `SystemTime` as RFC 3339 UTC (`2026-11-21T09:26:59Z`).
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    pub(crate) fn sample() -> Report {
        let t = Text::new([("vi", "v"), ("en", "e")]);
        let check = |id: &str, status| CheckResult {
            id: id.into(),
            title: t.clone(),
            kind: "service".into(),
            status,
            duration_ms: 120,
            attempts: 1,
            expected: "active".into(),
            seen: "is-active: <inactive> & \"x\"".into(),
            action: None,
            explains: Some("gunicorn.md#install".into()),
            evidence: vec![Evidence {
                title: "systemctl status gunicorn".into(),
                text: "Active: inactive (dead)".into(),
            }],
            outputs: Vec::new(),
        };
        Report {
            lab: "demo".into(),
            title: t.clone(),
            variant: None,
            with: vec![],
            started_at: "2026-11-21T09:00:00Z".into(),
            duration_ms: 3200,
            engine: "docker".into(),
            image: "docgen-lab-demo:abc".into(),
            image_built: false,
            outcome: Outcome::Failed,
            error: None,
            phases: vec![],
            checks: vec![
                check("a", CheckStatus::Passed),
                check("b", CheckStatus::Failed),
            ],
            versions: [("systemd".to_string(), "252".to_string())].into(),
            evidence: vec![],
            sources: None,
        }
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_080_419)),
            "2026-11-19T09:26:59Z"
        );
    }

    #[test]
    fn junit_escapes_and_counts() {
        let xml = render_junit(&sample());
        assert!(
            xml.contains(r#"<testsuite name="lab.demo" tests="2" failures="1""#),
            "{xml}"
        );
        assert!(xml.contains("&lt;inactive&gt; &amp;"), "{xml}");
        // It parses back.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut cases = 0;
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) if e.name().into_inner() == "testcase" => cases += 1,
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(cases, 2);
    }

    #[test]
    fn human_report_shows_expected_seen_explains_and_evidence() {
        let text = render_human(&sample(), "en");
        assert!(text.contains("  check  FAIL b"), "{text}");
        assert!(text.contains("expected: active\n"), "{text}");
        assert!(text.contains("explained in: gunicorn.md#install"), "{text}");
        assert!(text.contains("| Active: inactive (dead)"), "{text}");
        assert!(
            text.ends_with("FAILED: 1 of 2 checks failed: b\n"),
            "{text}"
        );
    }

    #[test]
    fn variant_judgement_names_both_kinds_of_mismatch() {
        let v = VariantTest::judge("v", &["a".to_string()], sample());
        assert!(!v.ok);
        assert_eq!(v.unexpected_passes, ["a"]);
        assert_eq!(v.unexpected_failures, ["b"]);
        let v = VariantTest::judge("v", &["b".to_string()], sample());
        assert!(v.ok);
    }

    #[test]
    fn last_result_round_trips() {
        let d = tempfile::tempdir().unwrap();
        assert!(last_result(d.path(), "demo").is_none());
        store_last(d.path(), &sample()).unwrap();
        assert_eq!(last_result(d.path(), "demo"), Some(sample()));
    }
}
