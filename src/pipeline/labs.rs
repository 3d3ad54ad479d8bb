//! What the site knows about the book's labs: each lab's spec and last recorded result
//! ([`LabIndex`]), the lab card a `{{#lab id}}` include puts into a page, and the check that
//! every `explains:` of a lab names a page and anchor that exist in every language.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use docgen_core::diagnostic::{Diagnostic, Diagnostics};
use docgen_core::text::escape;
use docgen_lab::report::{self, CheckStatus, Outcome, Report};
use docgen_lab::spec::{self, LabSpec};

use crate::config::BookConfig;
use crate::markdown::include::Expander;

/// What the site knows about the book's labs, for lab cards and `lab:` front matter.
#[derive(Debug, Clone, Default)]
pub struct LabIndex {
    /// Lab id → its spec and last recorded result.
    pub labs: BTreeMap<String, LabInfo>,
    /// What the labs' results say about the pages' transcripts and annotations.
    pub proofs: crate::markdown::proof::ProofIndex,
}

/// One lab, as a page shows it.
#[derive(Debug, Clone)]
pub struct LabInfo {
    /// The parsed `lab.yaml`.
    pub spec: LabSpec,
    /// The last recorded result of the lab as written (not a variant), if it ever ran here.
    pub last: Option<Report>,
}

impl LabIndex {
    /// The labs in `labs_dir` (each `labs/<id>/lab.yaml`) with their last results from
    /// `cache_dir`; invalid specs come back as diagnostics.
    pub fn load(
        labs_dir: &Path,
        cache_dir: &Path,
        config: &BookConfig,
    ) -> (LabIndex, Vec<Diagnostic>) {
        let mut index = LabIndex::default();
        if !labs_dir.is_dir() {
            return (index, Vec::new());
        }
        let (specs, mut diags) = spec::load_all(labs_dir);
        let (languages, complete) = config.lab_languages();
        for spec in specs {
            diags.extend(spec.language_diagnostics(&languages, complete));
            let last = report::last_result(cache_dir, &spec.id);
            index.labs.insert(spec.id.clone(), LabInfo { spec, last });
        }
        (index, diags)
    }
}

/// Every `explains:` of a lab check must name a page (and anchor) of every language: `pages`
/// gives, per language code, each page's source path and its anchor ids.
pub(crate) fn check_explains(
    labs: &LabIndex,
    pages: &[(&str, HashMap<&Path, &HashSet<String>>)],
    diagnostics: &mut Diagnostics,
) {
    for (id, info) in &labs.labs {
        let yaml_path = PathBuf::from("labs").join(id).join("lab.yaml");
        // Read again only to show a problem's line (`load_all` parsed it already).
        let mut yaml: Option<String> = None;
        for check in &info.spec.checks {
            let Some(explains) = &check.explains else {
                continue;
            };
            let (page, anchor) = match explains.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (explains.as_str(), None),
            };
            for (lang, ids) in pages {
                let problem = match (ids.get(Path::new(page)), anchor) {
                    (None, _) => Some(format!("`explains: {explains}` names no page of the `{lang}` book")),
                    (Some(t), Some(a)) if !t.contains(a) => Some(format!(
                        "`explains: {explains}`: page `{page}` of the `{lang}` book has no anchor `#{a}`"
                    )),
                    _ => None,
                };
                if let Some(msg) = problem {
                    let yaml = yaml.get_or_insert_with(|| {
                        std::fs::read_to_string(info.spec.dir.join("lab.yaml")).unwrap_or_default()
                    });
                    let line = yaml_line_of(yaml, &check.id, explains);
                    diagnostics.push(
                        Diagnostic::error(&yaml_path, msg)
                            .at(line, 1, 0)
                            .with_source_from(yaml)
                            .with_hint("explains: names a page relative to the language's source directory, with an optional #anchor (a heading id)"),
                    );
                }
            }
        }
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) labs: &'a LabIndex,
    pub(crate) lang: &'a str,
}

impl Expander for Ctx<'_> {
    fn lab_card(&self, id: &str) -> Result<String, String> {
        match self.labs.labs.get(id) {
            Some(info) => Ok(lab_card_html(id, info, self.lang)),
            None => Err(unknown_lab_message(id, self.labs)),
        }
    }
}

pub(crate) fn unknown_lab_message(id: &str, labs: &LabIndex) -> String {
    let known: Vec<&str> = labs.labs.keys().map(String::as_str).collect();
    if known.is_empty() {
        format!("unknown lab `{id}`: this book has no labs")
    } else {
        format!("unknown lab `{id}` (known: {})", known.join(", "))
    }
}

/// A lab card: what the lab proves (its checks, in the page's language), how to run it, and
/// the last recorded result per check with when and the versions seen.
fn lab_card_html(id: &str, info: &LabInfo, lang: &str) -> String {
    let vi = docgen_core::lang::is(lang, "vi");
    let t = |v: &'static str, e: &'static str| if vi { v } else { e };
    let spec = &info.spec;
    let mut html = format!(
        "<section class=\"lab-card\" data-lab=\"{}\"><p class=\"lab-card-title\"><strong>{}</strong> {}</p>",
        escape(id),
        t("Bài thực hành:", "Lab:"),
        escape(spec.title.get(lang))
    );
    if let Some(d) = &spec.description {
        html.push_str(&format!(
            "<p class=\"lab-description\">{}</p>",
            escape(d.get(lang))
        ));
    }
    let last = info.last.as_ref();
    match last {
        Some(r) => {
            let (class, word) = match r.outcome {
                Outcome::Passed => ("result-pass", t("đạt", "passed")),
                Outcome::Failed => ("result-fail", t("không đạt", "failed")),
            };
            html.push_str(&format!(
                "<p class=\"lab-last\">{} <span class=\"{class}\">{word}</span> <time datetime=\"{}\">{}</time></p>",
                t("Lần chạy gần nhất:", "Last run:"),
                escape(&r.started_at),
                escape(&r.started_at.replace('T', " ").replace('Z', " UTC"))
            ));
        }
        None => html.push_str(&format!(
            "<p class=\"lab-last lab-never\">{}</p>",
            t("Chưa chạy lần nào trên máy này.", "Not run yet.")
        )),
    }
    html.push_str(&format!(
        "<p>{}</p><ul class=\"lab-checks\">",
        t("Bài này chứng minh:", "What it proves:")
    ));
    for check in &spec.checks {
        let status = last
            .and_then(|r| r.checks.iter().find(|c| c.id == check.id))
            .map(|c| c.status);
        let (class, mark) = match status {
            Some(CheckStatus::Passed) => ("check-pass", "✓"),
            Some(CheckStatus::Failed) => ("check-fail", "✗"),
            Some(CheckStatus::Skipped) => ("check-skip", "–"),
            None => ("check-none", "·"),
        };
        html.push_str(&format!(
            "<li class=\"{class}\" data-check=\"{}\"><span class=\"check-mark\" aria-hidden=\"true\">{mark}</span> {}</li>",
            escape(&check.id),
            escape(check.title.get(lang))
        ));
    }
    html.push_str("</ul>");
    if let Some(r) = last {
        if !r.versions.is_empty() {
            let v: Vec<String> = r
                .versions
                .iter()
                .map(|(k, v)| format!("{} {}", escape(k), escape(v)))
                .collect();
            html.push_str(&format!(
                "<p class=\"lab-versions\">{} {}</p>",
                t("Phiên bản:", "Versions seen:"),
                v.join(" · ")
            ));
        }
    }
    html.push_str(&format!(
        "<p>{}</p><pre class=\"lab-command\"><code>docgen lab run {id}\ndocgen lab test {id}</code></pre></section>",
        t("Tự chạy trên máy của bạn (cần Docker):", "Run it on your machine (needs Docker):"),
        id = escape(id)
    ));
    html
}

/// The line of `explains: VALUE` in the check `id` of a lab.yaml (0 when not found).
fn yaml_line_of(yaml: &str, id: &str, value: &str) -> usize {
    let lines: Vec<&str> = yaml.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("id:") && l.contains(id))
        .unwrap_or(0);
    lines
        .iter()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.contains("explains") && l.contains(value))
        .map_or(0, |(i, _)| i + 1)
}
