//! `lab.yaml`: the schema of a lab, its validation, and the edits break-it variants make.
//!
//! Parsing goes through [`docgen_core::yaml::parse`] (size cap, real line numbers) into `Raw*` types
//! that mirror the file, `deny_unknown_fields` everywhere; then `validate` turns them into the
//! typed [`LabSpec`], reporting every semantic problem (a check with two kinds, a field that
//! does not apply, an unknown check id in `fails:`, an edit whose text is not in the file) as a
//! [`Diagnostic`] at the line it is about. serde_yaml gives no positions for values, so those
//! lines are found by `Locator`, which knows where each list item of a section starts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use std::sync::Arc;

use docgen_core::diagnostic::Diagnostic;
use docgen_core::lang;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

pub use crate::checks::parse_mode;
pub use crate::checks::processes::Pick;
use crate::checks::{self, Fields, Kind};
use crate::error::LabError;

/// A text in each of the book's languages, keyed by language code (`{ vi: ..., en: ... }`),
/// in the order the file gives them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(Vec<(String, String)>);

impl Text {
    /// A text from `(language, text)` pairs.
    pub fn new<L: Into<String>, T: Into<String>>(
        entries: impl IntoIterator<Item = (L, T)>,
    ) -> Text {
        Text(
            entries
                .into_iter()
                .map(|(l, t)| (l.into(), t.into()))
                .collect(),
        )
    }

    /// The text in `lang`: the exact code, else the same primary subtag, else English, else
    /// the first (the rule of [`docgen_core::lang::pick`]).
    pub fn get(&self, lang: &str) -> &str {
        lang::pick(self.0.iter().map(|(l, t)| (l.as_str(), t.as_str())), lang).unwrap_or("")
    }

    /// Whether the text has an entry for `lang` (exactly or by primary subtag).
    pub fn has(&self, lang: &str) -> bool {
        self.0
            .iter()
            .any(|(l, _)| l.eq_ignore_ascii_case(lang) || lang::is(l, lang))
    }

    /// The language codes it is written in.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(l, _)| l.as_str())
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (l, t) in &self.0 {
            m.serialize_entry(l, t)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a text per language, e.g. { vi: \"...\", en: \"...\" }")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut v: Vec<(String, String)> = Vec::new();
                while let Some((l, t)) = map.next_entry::<String, String>()? {
                    if v.iter().any(|(k, _)| *k == l) {
                        return Err(serde::de::Error::custom(format!(
                            "the language `{l}` is given twice"
                        )));
                    }
                    v.push((l, t));
                }
                if v.is_empty() {
                    return Err(serde::de::Error::custom(
                        "a text needs at least one language, e.g. { en: \"...\" }",
                    ));
                }
                Ok(Text(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// Where a text of the lab is in lab.yaml, for diagnostics about its languages.
#[derive(Debug, Clone)]
pub struct TextAt {
    /// What it is (`the lab's title`, `the title of check \`active\``).
    pub what: String,
    /// 1-based line and column of its key, and the key's length.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// The key's length, for the caret.
    pub len: usize,
    /// The text.
    pub text: Text,
}

/// A validated lab.
#[derive(Debug, Clone)]
pub struct LabSpec {
    /// The lab's id: its directory name under `labs/`.
    pub id: String,
    /// The lab's directory.
    pub dir: PathBuf,
    /// `lab.yaml` as shown in diagnostics (`labs/<id>/lab.yaml`).
    pub path: PathBuf,
    /// What the lab proves, in both languages.
    pub title: Text,
    /// A longer description.
    pub description: Option<Text>,
    /// The Containerfile, relative to the lab directory.
    pub containerfile: String,
    /// Extra build arguments.
    pub build_args: BTreeMap<String, String>,
    /// Files installed into the container before the steps.
    pub files: Vec<FileSpec>,
    /// Shell steps run after the files are installed.
    pub steps: Vec<Step>,
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// Break-it variants.
    pub variants: Vec<Variant>,
    /// What to attach to a failed check.
    pub evidence: EvidenceSpec,
    /// Extra version probes (`name: command`), e.g. gunicorn and Django.
    pub versions: BTreeMap<String, String>,
    /// Every text of the lab with where it is, for [`LabSpec::language_diagnostics`].
    pub texts: Vec<TextAt>,
    /// The text of lab.yaml, for diagnostics found after parsing.
    pub source: String,
}

impl LabSpec {
    /// The check with this id.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The variant with this name.
    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// The variant with this name, or the error that lists the lab's variants.
    pub fn variant_named(&self, name: &str) -> Result<&Variant, LabError> {
        self.variant(name).ok_or_else(|| LabError::NoSuchVariant {
            name: name.to_string(),
            lab: self.id.clone(),
            variants: self.variants.iter().map(|v| v.name.clone()).collect(),
        })
    }

    /// An error for each text that lacks one of the book's `languages`, and, when `complete`
    /// says the list is all the book has, a warning for each language a text has that the book
    /// does not declare (likely a typo of a code).
    pub fn language_diagnostics(&self, languages: &[String], complete: bool) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if languages.is_empty() {
            return out;
        }
        for t in &self.texts {
            let missing: Vec<&str> = languages
                .iter()
                .filter(|l| !t.text.has(l))
                .map(String::as_str)
                .collect();
            let unknown: Vec<&str> = t
                .text
                .languages()
                .filter(|l| complete && !languages.iter().any(|b| lang::is(b, l)))
                .collect();
            let at = |d: Diagnostic| d.at(t.line, t.col, t.len).with_source_from(&self.source);
            if !missing.is_empty() {
                out.push(
                    at(Diagnostic::error(
                        &self.path,
                        format!(
                            "{} has no text in {}",
                            t.what,
                            missing
                                .iter()
                                .map(|l| format!("`{l}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ))
                    .with_hint(format!(
                        "the book is written in {}; give the text in each, e.g. {{ {} }}",
                        languages.join(", "),
                        languages
                            .iter()
                            .map(|l| format!("{l}: \"...\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
            if !unknown.is_empty() {
                out.push(
                    at(Diagnostic::warning(
                        &self.path,
                        format!(
                            "{} has a text in {}, which the book does not declare",
                            t.what,
                            unknown
                                .iter()
                                .map(|l| format!("`{l}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ))
                    .with_hint(format!(
                        "the book's languages are {} ([languages] in book.toml)",
                        languages.join(", ")
                    )),
                );
            }
        }
        out
    }
}

/// A file the lab installs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Path in the lab directory.
    pub src: String,
    /// Absolute path in the container.
    pub dest: String,
    /// Octal mode (`"0644"`); default 0644.
    #[serde(default)]
    pub mode: Option<String>,
    /// `user:group` (or `user`); default root:root.
    #[serde(default)]
    pub owner: Option<String>,
}

/// A shell step.
#[derive(Debug, Clone)]
pub struct Step {
    /// The command, run with `sh -c`.
    pub run: String,
    /// How long it may take.
    pub timeout: Duration,
}

/// What to collect when a check fails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvidenceSpec {
    /// Units whose `systemctl status` and last journal lines are attached.
    pub units: Vec<String>,
    /// Log files whose last lines are attached (e.g. nginx's error log).
    pub logs: Vec<String>,
}

/// One check.
#[derive(Debug, Clone)]
pub struct Check {
    /// Its id, unique in the lab; variants name checks by it.
    pub id: String,
    /// What it proves, in both languages.
    pub title: Text,
    /// The course section that explains it (`gunicorn-service.md#runtimedirectory`).
    pub explains: Option<String>,
    /// Poll until this deadline; `None`: one attempt.
    pub within: Option<Duration>,
    /// An action run just before the check.
    pub before: Option<Action>,
    /// What is checked, and how (one of [`checks::KINDS`]).
    pub kind: Arc<dyn Kind>,
    /// The line in lab.yaml where the check starts.
    pub line: usize,
}

/// An action run before a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send a signal to one process.
    Kill {
        /// Process name.
        process: String,
        /// Which one.
        pick: Pick,
        /// Signal name (`KILL`, `TERM`).
        signal: String,
    },
    /// `systemctl restart UNIT`.
    RestartUnit(String),
    /// Restart the container (systemd shuts down and boots again).
    RestartContainer,
    /// A shell command.
    Run(String),
}

impl Action {
    /// A one-line description for progress and reports.
    pub fn describe(&self) -> String {
        match self {
            Action::Kill {
                process,
                pick,
                signal,
            } => format!("kill -{signal} one {process} {}", pick.name()),
            Action::RestartUnit(u) => format!("systemctl restart {u}"),
            Action::RestartContainer => "restart the container".to_string(),
            Action::Run(r) => format!("run `{r}`"),
        }
    }
}

/// A break-it variant.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Its name (`--variant NAME`).
    pub name: String,
    /// What it breaks.
    pub description: Option<Text>,
    /// The edits of the lab's files.
    pub edits: Vec<Edit>,
    /// The checks that must fail (and only those).
    pub fails: Vec<String>,
    /// The line in lab.yaml where it starts.
    pub line: usize,
}

/// One edit of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// A `files[].src` of the lab.
    pub file: String,
    /// What to do.
    pub op: EditOp,
}

/// What an edit does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOp {
    /// Remove every line equal to this (trimmed); with a newline inside, remove the block.
    Remove(String),
    /// Replace every occurrence of the first text by the second.
    Replace(String, String),
    /// Append a line at the end.
    Append(String),
}

impl EditOp {
    /// Applies the edit. Errors when the text to remove or replace is not there.
    pub fn apply(&self, text: &str) -> Result<String, String> {
        match self {
            EditOp::Remove(needle) if needle.contains('\n') => {
                if text.contains(needle.as_str()) {
                    Ok(text.replace(needle.as_str(), ""))
                } else {
                    Err(format!("the text {needle:?} is not in the file"))
                }
            }
            EditOp::Remove(needle) => {
                let want = needle.trim();
                let mut found = false;
                let mut out = String::with_capacity(text.len());
                for line in text.split_inclusive('\n') {
                    if line.trim() == want {
                        found = true;
                    } else {
                        out.push_str(line);
                    }
                }
                if found {
                    Ok(out)
                } else {
                    Err(format!("no line is `{want}`"))
                }
            }
            EditOp::Replace(from, to) => {
                if from.is_empty() {
                    Err("the text to replace is empty".to_string())
                } else if text.contains(from.as_str()) {
                    Ok(text.replace(from.as_str(), to))
                } else {
                    Err(format!("the text {from:?} is not in the file"))
                }
            }
            EditOp::Append(add) => {
                let mut out = text.to_string();
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(add);
                if !add.ends_with('\n') {
                    out.push('\n');
                }
                Ok(out)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The file as written.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLab {
    title: Text,
    #[serde(default)]
    description: Option<Text>,
    image: RawImage,
    #[serde(default)]
    files: Vec<FileSpec>,
    #[serde(default)]
    steps: Vec<RawStep>,
    checks: Vec<RawCheck>,
    #[serde(default)]
    variants: Vec<RawVariant>,
    #[serde(default)]
    evidence: EvidenceSpec,
    #[serde(default)]
    versions: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawImage {
    containerfile: String,
    #[serde(default)]
    build_args: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    run: String,
    #[serde(default)]
    timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawCheck {
    id: String,
    title: Text,
    #[serde(default)]
    explains: Option<String>,
    #[serde(default)]
    within: Option<String>,
    #[serde(default)]
    before: Option<RawAction>,
    /// The kind's key and its fields, read by the kind (see `checks::KINDS`).
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAction {
    #[serde(default)]
    kill: Option<String>,
    #[serde(default)]
    pick: Option<String>,
    #[serde(default)]
    signal: Option<String>,
    #[serde(default)]
    restart_unit: Option<String>,
    #[serde(default)]
    restart_container: Option<bool>,
    #[serde(default)]
    run: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    name: String,
    #[serde(default)]
    description: Option<Text>,
    edits: Vec<RawEdit>,
    fails: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdit {
    file: String,
    #[serde(default)]
    remove: Option<String>,
    #[serde(default)]
    replace: Option<(String, String)>,
    #[serde(default)]
    append: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Loading.

/// The name of the spec file in each lab directory.
pub const SPEC_FILE: &str = "lab.yaml";

/// Loads every `labs/<id>/lab.yaml`, sorted by id. Labs with errors are left out of the list and
/// reported as diagnostics; a directory without `lab.yaml` is not a lab.
pub fn load_all(labs_dir: &Path) -> (Vec<LabSpec>, Vec<Diagnostic>) {
    let mut specs = Vec::new();
    let mut diags = Vec::new();
    let Ok(entries) = std::fs::read_dir(labs_dir) else {
        return (specs, diags);
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(SPEC_FILE).is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        match load(labs_dir, &dir) {
            Ok(spec) => specs.push(spec),
            Err(ds) => diags.extend(ds),
        }
    }
    (specs, diags)
}

/// Loads one lab by id.
pub fn load_one(labs_dir: &Path, id: &str) -> Result<LabSpec, Vec<Diagnostic>> {
    let dir = labs_dir.join(id);
    if !valid_id(id) || !dir.join(SPEC_FILE).is_file() {
        let (specs, _) = load_all(labs_dir);
        let known: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
        let hint = if known.is_empty() {
            format!("there are no labs in `{}`", labs_dir.display())
        } else {
            format!("the labs are: {}", known.join(", "))
        };
        return Err(vec![Diagnostic::error(
            display_base(labs_dir).join(id),
            format!("no lab `{id}` (no `{}/{SPEC_FILE}`)", id),
        )
        .with_hint(hint)]);
    }
    load(labs_dir, &dir)
}

/// `labs/` as shown in diagnostics: the labs directory's own name.
fn display_base(labs_dir: &Path) -> PathBuf {
    labs_dir
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| labs_dir.to_path_buf())
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// Loads and validates the lab in `dir`.
pub fn load(labs_dir: &Path, dir: &Path) -> Result<LabSpec, Vec<Diagnostic>> {
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = display_base(labs_dir).join(&id).join(SPEC_FILE);
    if !valid_id(&id) {
        return Err(vec![Diagnostic::error(
            &shown,
            format!("`{id}` is not a valid lab id"),
        )
        .with_hint(
            "name the directory with lowercase letters, digits and `-` (it becomes an image tag)",
        )]);
    }
    let path = dir.join(SPEC_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        vec![Diagnostic::error(
            &shown,
            format!("cannot read `{}`: {e}", path.display()),
        )]
    })?;
    parse(&id, dir, &shown, &text)
}

/// Parses and validates the text of a `lab.yaml`. `dir` is where the lab's files are; `shown`
/// is the path diagnostics name.
pub fn parse(id: &str, dir: &Path, shown: &Path, text: &str) -> Result<LabSpec, Vec<Diagnostic>> {
    let raw: RawLab = docgen_core::yaml::parse(shown, text, 1, text).map_err(|d| vec![*d])?;
    validate(id, dir, shown, text, raw)
}

// ---------------------------------------------------------------------------------------------
// Validation.

struct Ctx<'a> {
    shown: &'a Path,
    text: &'a str,
    loc: Locator<'a>,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// An error at the first occurrence of `needle` in item `index` of `section` (or the item's
    /// first line).
    fn err(&mut self, section: &str, index: usize, needle: &str, msg: String, hint: &str) {
        let (line, col, len) = self.loc.find(section, index, needle);
        let mut d = Diagnostic::error(self.shown, msg)
            .at(line, col, len)
            .with_source_from(self.text);
        if !hint.is_empty() {
            d = d.with_hint(hint);
        }
        self.diags.push(d);
    }
}

fn validate(
    id: &str,
    dir: &Path,
    shown: &Path,
    text: &str,
    raw: RawLab,
) -> Result<LabSpec, Vec<Diagnostic>> {
    let mut cx = Ctx {
        shown,
        text,
        loc: Locator::new(text),
        diags: Vec::new(),
    };

    // Containerfile.
    if !safe_relative(&raw.image.containerfile) || !dir.join(&raw.image.containerfile).is_file() {
        cx.err(
            "image",
            usize::MAX,
            &raw.image.containerfile,
            format!(
                "the Containerfile `{}` is not a file in the lab directory",
                raw.image.containerfile
            ),
            "name a file beside lab.yaml, e.g. `image: { containerfile: Containerfile }`",
        );
    }

    // Files.
    let mut sources = BTreeSet::new();
    let mut file_texts: BTreeMap<String, String> = BTreeMap::new();
    for (i, f) in raw.files.iter().enumerate() {
        if !safe_relative(&f.src) {
            cx.err(
                "files",
                i,
                &f.src,
                format!(
                    "`{}` must be a relative path inside the lab directory",
                    f.src
                ),
                "",
            );
            continue;
        }
        match std::fs::read(dir.join(&f.src)) {
            Ok(bytes) => {
                file_texts.insert(f.src.clone(), String::from_utf8_lossy(&bytes).into_owned());
            }
            Err(_) => cx.err(
                "files",
                i,
                &f.src,
                format!("`{}` is not a file in the lab directory", f.src),
                "files are read from beside lab.yaml",
            ),
        }
        if !f.dest.starts_with('/') {
            cx.err(
                "files",
                i,
                &f.dest,
                format!(
                    "dest `{}` must be an absolute path in the container",
                    f.dest
                ),
                "",
            );
        }
        if let Some(m) = &f.mode {
            if parse_mode(m).is_none() {
                cx.err(
                    "files",
                    i,
                    m,
                    format!("mode `{m}` is not an octal mode"),
                    "write it quoted, e.g. mode: \"0644\"",
                );
            }
        }
        if let Some(o) = &f.owner {
            if o.is_empty() || o.split(':').count() > 2 || o.contains(char::is_whitespace) {
                cx.err(
                    "files",
                    i,
                    o,
                    format!("owner `{o}` is not `user` or `user:group`"),
                    "",
                );
            }
        }
        if !sources.insert(f.src.clone()) {
            cx.err(
                "files",
                i,
                &f.src,
                format!("`{}` is listed twice", f.src),
                "",
            );
        }
    }

    // Steps.
    let mut steps = Vec::new();
    for (i, s) in raw.steps.iter().enumerate() {
        let timeout = match &s.timeout {
            None => Duration::from_secs(120),
            Some(t) => match parse_duration(t) {
                Some(d) => d,
                None => {
                    cx.err(
                        "steps",
                        i,
                        t,
                        format!("`{t}` is not a duration"),
                        DURATION_HINT,
                    );
                    Duration::from_secs(120)
                }
            },
        };
        steps.push(Step {
            run: s.run.clone(),
            timeout,
        });
    }

    // Where each text is, for the check of its languages against the book's.
    let mut texts = Vec::new();
    let mut text_at = |what: String, (line, col, len): (usize, usize, usize), text: &Text| {
        texts.push(TextAt {
            what,
            line,
            col,
            len,
            text: text.clone(),
        });
    };
    let top = |key: &str| (cx.loc.key_line(key).unwrap_or(1), 1, key.len());
    text_at("the lab's title".into(), top("title"), &raw.title);
    if let Some(d) = &raw.description {
        text_at("the lab's description".into(), top("description"), d);
    }
    for (i, c) in raw.checks.iter().enumerate() {
        let at = cx.loc.find("checks", i, "title:");
        text_at(format!("the title of check `{}`", c.id), at, &c.title);
    }
    for (i, v) in raw.variants.iter().enumerate() {
        if let Some(d) = &v.description {
            let at = cx.loc.find("variants", i, "description:");
            text_at(format!("the description of variant `{}`", v.name), at, d);
        }
    }

    // Checks.
    let mut checks = Vec::new();
    let mut ids = BTreeSet::new();
    if raw.checks.is_empty() {
        cx.diags.push(
            Diagnostic::error(shown, "a lab needs at least one check")
                .at(cx.loc.key_line("checks").unwrap_or(1), 1, 6)
                .with_source_from(text),
        );
    }
    for (i, c) in raw.checks.into_iter().enumerate() {
        if !valid_id(&c.id) {
            cx.err(
                "checks",
                i,
                &c.id,
                format!(
                    "check id `{}` must be lowercase letters, digits and `-`",
                    c.id
                ),
                "",
            );
        }
        if !ids.insert(c.id.clone()) {
            cx.err(
                "checks",
                i,
                &c.id,
                format!("check id `{}` is used twice", c.id),
                "each check needs its own id; variants name checks by it",
            );
        }
        if let Some(check) = check_from_raw(&mut cx, i, c) {
            checks.push(check);
        }
    }

    // Variants.
    let mut variants = Vec::new();
    let mut names = BTreeSet::new();
    for (i, v) in raw.variants.into_iter().enumerate() {
        if !valid_id(&v.name) {
            cx.err(
                "variants",
                i,
                &v.name,
                format!(
                    "variant name `{}` must be lowercase letters, digits and `-`",
                    v.name
                ),
                "",
            );
        }
        if !names.insert(v.name.clone()) {
            cx.err(
                "variants",
                i,
                &v.name,
                format!("variant `{}` is defined twice", v.name),
                "",
            );
        }
        if v.edits.is_empty() {
            cx.err(
                "variants",
                i,
                "edits",
                format!("variant `{}` has no edits", v.name),
                "",
            );
        }
        if v.fails.is_empty() {
            cx.err(
                "variants",
                i,
                "fails",
                format!("variant `{}` names no check that must fail", v.name),
                "a break-it variant proves a check catches something: list the check ids in `fails:`",
            );
        }
        for f in &v.fails {
            if !ids.contains(f) {
                cx.err(
                    "variants",
                    i,
                    f,
                    format!("variant `{}`: there is no check `{f}`", v.name),
                    &format!(
                        "the checks are: {}",
                        ids.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
        let mut edits = Vec::new();
        let mut edited: BTreeMap<String, String> = BTreeMap::new();
        for e in v.edits {
            let op = match (e.remove, e.replace, e.append) {
                (Some(r), None, None) => EditOp::Remove(r),
                (None, Some((a, b)), None) => EditOp::Replace(a, b),
                (None, None, Some(a)) => EditOp::Append(a),
                _ => {
                    cx.err(
                        "variants",
                        i,
                        &e.file,
                        format!(
                            "variant `{}`: an edit of `{}` needs exactly one of `remove`, `replace`, `append`",
                            v.name, e.file
                        ),
                        "",
                    );
                    continue;
                }
            };
            let Some(original) = file_texts.get(&e.file) else {
                cx.err(
                    "variants",
                    i,
                    &e.file,
                    format!(
                        "variant `{}` edits `{}`, which is not one of the lab's `files`",
                        v.name, e.file
                    ),
                    "variants edit the files the lab installs (files[].src)",
                );
                continue;
            };
            let current = edited
                .get(&e.file)
                .cloned()
                .unwrap_or_else(|| original.clone());
            match op.apply(&current) {
                Ok(next) => {
                    edited.insert(e.file.clone(), next);
                }
                Err(why) => {
                    let needle = match &op {
                        EditOp::Remove(t) => t.lines().next().unwrap_or(t).to_string(),
                        EditOp::Replace(a, _) => a.lines().next().unwrap_or(a).to_string(),
                        EditOp::Append(_) => e.file.clone(),
                    };
                    cx.err(
                        "variants",
                        i,
                        &needle,
                        format!("variant `{}`: cannot edit `{}`: {why}", v.name, e.file),
                        "the edit must match the lab's file exactly; fix the text or the file",
                    );
                }
            }
            edits.push(Edit { file: e.file, op });
        }
        variants.push(Variant {
            line: cx.loc.item_line("variants", i),
            name: v.name,
            description: v.description,
            edits,
            fails: v.fails,
        });
    }

    if !cx.diags.is_empty() {
        return Err(cx.diags);
    }
    Ok(LabSpec {
        id: id.to_string(),
        dir: dir.to_path_buf(),
        path: shown.to_path_buf(),
        title: raw.title,
        description: raw.description,
        containerfile: raw.image.containerfile,
        build_args: raw.image.build_args,
        files: raw.files,
        steps,
        checks,
        variants,
        evidence: raw.evidence,
        versions: raw.versions,
        texts,
        source: text.to_string(),
    })
}

const DURATION_HINT: &str = "write a number with a unit: 500ms, 10s, 2m";

/// The keys every check takes besides its kind's.
const COMMON_KEYS: &str = "id, title, explains, within and before";

fn check_from_raw(cx: &mut Ctx<'_>, i: usize, c: RawCheck) -> Option<Check> {
    let id = c.id.clone();
    let mut rest = c.rest;
    // The kind is the one registered key present. `user` and `group` are also fields of other
    // kinds: they name the kind only when no other kind's key is there.
    let present: Vec<&'static checks::KindDef> = checks::KINDS
        .iter()
        .filter(|k| rest.contains_key(k.name))
        .collect();
    let strong: Vec<&'static checks::KindDef> = present
        .iter()
        .copied()
        .filter(|k| !k.key_is_also_a_field)
        .collect();
    let def = match (strong.as_slice(), present.first()) {
        ([one], _) => *one,
        ([first, second, ..], _) => {
            cx.err(
                "checks",
                i,
                &format!("{}:", second.name),
                format!(
                    "check `{id}` has two kinds, `{}` and `{}`",
                    first.name, second.name
                ),
                "split it into two checks, one kind each",
            );
            return None;
        }
        ([], Some(weak)) => *weak,
        ([], None) => {
            let names: Vec<&str> = checks::KINDS.iter().map(|k| k.name).collect();
            cx.err(
                "checks",
                i,
                &id,
                format!("check `{id}` says nothing to check"),
                &format!("give it one of: {}", names.join(", ")),
            );
            return None;
        }
    };
    let key = rest.remove(def.name).unwrap_or(Value::Null);
    let mut ok = true;
    for field in rest.keys() {
        if def.fields.contains(&field.as_str()) {
            continue;
        }
        let known = checks::KINDS
            .iter()
            .any(|k| k.name == field || k.fields.contains(&field.as_str()));
        let takes = if def.fields.is_empty() {
            format!("it takes no fields besides {COMMON_KEYS}")
        } else {
            format!("a `{}` check takes: {}", def.name, def.fields.join(", "))
        };
        if known {
            cx.err(
                "checks",
                i,
                &format!("{field}:"),
                format!(
                    "check `{id}`: `{field}` does not apply to a `{}` check",
                    def.name
                ),
                &takes,
            );
        } else {
            cx.err(
                "checks",
                i,
                &format!("{field}:"),
                format!("checks[{i}]: unknown field `{field}`"),
                &format!("{takes}; and every check takes {COMMON_KEYS}"),
            );
        }
        ok = false;
    }
    rest.retain(|k, _| def.fields.contains(&k.as_str()));

    let within = match &c.within {
        None => None,
        Some(w) => match parse_duration(w) {
            Some(d) => Some(d),
            None => {
                cx.err(
                    "checks",
                    i,
                    w,
                    format!("check `{id}`: `{w}` is not a duration"),
                    DURATION_HINT,
                );
                ok = false;
                None
            }
        },
    };
    let before = match c.before {
        None => None,
        Some(a) => match action_from_raw(a) {
            Ok(a) => Some(a),
            Err(msg) => {
                cx.err(
                    "checks",
                    i,
                    "before",
                    format!("check `{id}`: {msg}"),
                    "actions: { kill: NAME, pick: worker|master|any, signal: KILL }, { restart-unit: UNIT }, { restart-container: true }, { run: CMD }",
                );
                ok = false;
                None
            }
        },
    };
    let kind = {
        let mut report = |needle: &str, msg: String, hint: &str| {
            cx.err("checks", i, needle, msg, hint);
        };
        let mut fields = Fields::new(&id, def.name, key, rest, &mut report);
        (def.parse)(&mut fields)
    };
    let kind: Arc<dyn Kind> = Arc::from(kind?);
    ok.then(|| Check {
        line: cx.loc.item_line("checks", i),
        id,
        title: c.title,
        explains: c.explains,
        within,
        before,
        kind,
    })
}

fn action_from_raw(a: RawAction) -> Result<Action, String> {
    let n = [
        a.kill.is_some(),
        a.restart_unit.is_some(),
        a.restart_container.is_some(),
        a.run.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if n != 1 {
        return Err(
            "`before` needs exactly one of kill, restart-unit, restart-container, run".to_string(),
        );
    }
    if a.kill.is_none() && (a.pick.is_some() || a.signal.is_some()) {
        return Err("`pick` and `signal` go with `kill`".to_string());
    }
    if let Some(process) = a.kill {
        let pick = match a.pick.as_deref() {
            None | Some("any") => Pick::Any,
            Some("worker") => Pick::Worker,
            Some("master") => Pick::Master,
            Some(p) => return Err(format!("pick `{p}` is not worker, master or any")),
        };
        let signal = a.signal.unwrap_or_else(|| "TERM".to_string());
        let bare = signal.trim_start_matches("SIG");
        if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+') {
            return Err(format!("`{signal}` is not a signal name"));
        }
        return Ok(Action::Kill {
            process,
            pick,
            signal: bare.to_string(),
        });
    }
    if let Some(u) = a.restart_unit {
        return Ok(Action::RestartUnit(u));
    }
    if let Some(r) = a.run {
        return Ok(Action::Run(r));
    }
    if a.restart_container == Some(true) {
        Ok(Action::RestartContainer)
    } else {
        Err("write `restart-container: true`".to_string())
    }
}

/// `500ms`, `10s`, `1.5s`, `2m`. At most an hour.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        return None;
    };
    let n: f64 = num.trim().parse().ok()?;
    let secs = n * unit;
    (secs.is_finite() && (0.0..=3600.0).contains(&secs)).then(|| Duration::from_secs_f64(secs))
}

fn safe_relative(p: &str) -> bool {
    let path = Path::new(p);
    !p.is_empty()
        && path.is_relative()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

// ---------------------------------------------------------------------------------------------
// Where things are in the file.

/// Finds lines in lab.yaml: where a top-level section starts and where each of its list items
/// starts, so that errors about an item point into it.
struct Locator<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Self {
        Locator {
            lines: text.split('\n').collect(),
        }
    }

    /// The 1-based line of the top-level `key:`.
    fn key_line(&self, key: &str) -> Option<usize> {
        let prefix = format!("{key}:");
        self.lines
            .iter()
            .position(|l| l.starts_with(&prefix))
            .map(|i| i + 1)
    }

    /// The 0-based line range of the top-level section `key` (after its key line).
    fn section(&self, key: &str) -> Option<(usize, usize)> {
        let start = self.key_line(key)?; // 1-based key line == 0-based index of the next line
        let end = (start..self.lines.len())
            .find(|&j| {
                let l = self.lines[j];
                !l.is_empty() && !l.starts_with([' ', '\t', '#', '-']) && !l.trim().is_empty()
            })
            .unwrap_or(self.lines.len());
        Some((start - 1, end))
    }

    /// 0-based line ranges of each list item of section `key`.
    fn items(&self, key: &str) -> Vec<(usize, usize)> {
        let Some((key_idx, end)) = self.section(key) else {
            return Vec::new();
        };
        let starts: Vec<(usize, usize)> = (key_idx + 1..end)
            .filter_map(|j| {
                let l = self.lines[j];
                let t = l.trim_start();
                (t.starts_with("- ") || t == "-").then(|| (j, l.len() - t.len()))
            })
            .collect();
        let Some(indent) = starts.iter().map(|(_, ind)| *ind).min() else {
            return Vec::new();
        };
        let starts: Vec<usize> = starts
            .into_iter()
            .filter(|(_, ind)| *ind == indent)
            .map(|(j, _)| j)
            .collect();
        starts
            .iter()
            .enumerate()
            .map(|(n, &s)| (s, starts.get(n + 1).copied().unwrap_or(end)))
            .collect()
    }

    /// The 1-based first line of item `index` of `section` (the section's line when unknown).
    fn item_line(&self, section: &str, index: usize) -> usize {
        match self.items(section).get(index) {
            Some((s, _)) => s + 1,
            None => self.key_line(section).unwrap_or(1),
        }
    }

    /// Line, column and length of `needle` in item `index` of `section` (`usize::MAX`: the
    /// whole section). Falls back to the item's first non-blank character.
    fn find(&self, section: &str, index: usize, needle: &str) -> (usize, usize, usize) {
        let range = if index == usize::MAX {
            self.section(section)
        } else {
            self.items(section).get(index).copied()
        };
        let Some((start, end)) = range else {
            return (self.key_line(section).unwrap_or(1), 1, 1);
        };
        if !needle.is_empty() {
            for j in start..end {
                if let Some(b) = self.lines[j].find(needle) {
                    let col = self.lines[j][..b].chars().count() + 1;
                    let len = needle.trim_end_matches(':').chars().count().max(1);
                    return (j + 1, col, len);
                }
            }
        }
        let l = self.lines[start];
        let col = l.len() - l.trim_start().len() + 1;
        (start + 1, col, l.trim().chars().count().max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::socket::Socket;
    use crate::checks::user::User;

    /// A lab directory in a temp dir with a Containerfile and a unit file.
    fn lab_dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("Containerfile"),
            "FROM docgen-base:bookworm\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("app.service"),
            "[Service]\nUser=app\nRuntimeDirectory=app\n\n[Install]\nWantedBy=multi-user.target\n",
        )
        .unwrap();
        d
    }

    const HEAD: &str = "title: { vi: \"Bài\", en: \"Lab\" }
image: { containerfile: Containerfile }
files:
  - { src: app.service, dest: /etc/systemd/system/app.service }
";

    fn parse_text(text: &str) -> Result<LabSpec, Vec<Diagnostic>> {
        let d = lab_dir();
        parse("demo", d.path(), Path::new("labs/demo/lab.yaml"), text)
    }

    fn first_error(text: &str) -> String {
        let errs = parse_text(text).expect_err("spec should be rejected");
        errs[0].to_string()
    }

    #[test]
    fn a_full_spec_parses_into_typed_checks_and_variants() {
        let text = format!(
            "{HEAD}steps:
  - run: systemctl enable --now app
checks:
  - id: active
    title: {{ vi: \"chạy\", en: \"runs\" }}
    service: app
    active: true
    within: 5s
  - id: sock
    title: {{ vi: \"s\", en: \"s\" }}
    socket: /run/app/app.sock
    owner: app
    group: www-data
    mode: \"0660\"
  - id: procs
    title: {{ vi: \"p\", en: \"p\" }}
    processes: app
    user: app
    masters: 1
    workers: 3
    before: {{ kill: app, pick: worker, signal: KILL }}
  - {{ id: who, title: {{ vi: u, en: u }}, user: app, member-of: [www-data] }}
variants:
  - name: no-runtime-dir
    edits:
      - {{ file: app.service, remove: RuntimeDirectory=app }}
    fails: [sock]
"
        );
        let spec = parse_text(&text).unwrap();
        assert_eq!(spec.checks.len(), 4);
        assert_eq!(spec.checks[0].within, Some(Duration::from_secs(5)));
        assert_eq!(spec.checks[0].line, 8);
        let socket = spec.checks[1].kind.as_any().downcast_ref::<Socket>();
        assert!(matches!(
            socket,
            Some(Socket { mode: Some(0o660), group: Some(g), .. }) if g == "www-data"
        ));
        assert_eq!(
            spec.checks[2].before,
            Some(Action::Kill {
                process: "app".into(),
                pick: Pick::Worker,
                signal: "KILL".into()
            })
        );
        let user = spec.checks[3].kind.as_any().downcast_ref::<User>();
        assert!(matches!(user, Some(User { member_of, .. }) if member_of == &["www-data"]));
        assert_eq!(spec.variants[0].fails, vec!["sock"]);
        assert_eq!(spec.variants[0].line, 28);
    }

    #[test]
    fn edit_text_not_in_the_file_is_an_error_at_its_line() {
        let text = format!(
            "{HEAD}checks:
  - {{ id: active, title: {{ vi: a, en: a }}, service: app, active: true }}
variants:
  - name: typo
    edits:
      - {{ file: app.service, remove: RuntimeDirectory=ap }}
    fails: [active]
"
        );
        assert_eq!(
            first_error(&text),
            "labs/demo/lab.yaml:10:38: error: variant `typo`: cannot edit `app.service`: no line is `RuntimeDirectory=ap`
   |
10 |       - { file: app.service, remove: RuntimeDirectory=ap }
   |                                      ^^^^^^^^^^^^^^^^^^^
   = hint: the edit must match the lab's file exactly; fix the text or the file"
        );
    }

    #[test]
    fn unknown_check_in_fails_names_the_known_ones() {
        let text = format!(
            "{HEAD}checks:
  - {{ id: active, title: {{ vi: a, en: a }}, service: app, active: true }}
variants:
  - name: v
    edits: [{{ file: app.service, replace: [User=app, User=root] }}]
    fails: [actve]
"
        );
        let e = first_error(&text);
        assert!(
            e.starts_with(
                "labs/demo/lab.yaml:10:13: error: variant `v`: there is no check `actve`"
            ),
            "{e}"
        );
        assert!(e.ends_with("= hint: the checks are: active"), "{e}");
    }

    #[test]
    fn unknown_key_is_reported_by_serde_with_its_line() {
        let text = format!(
            "{HEAD}checks:
  - id: active
    title: {{ vi: a, en: a }}
    service: app
    actve: true
"
        );
        let e = first_error(&text);
        assert!(
            e.starts_with("labs/demo/lab.yaml:9:5: error: checks[0]: unknown field `actve`"),
            "{e}"
        );
    }

    #[test]
    fn field_that_does_not_apply_to_the_kind_is_an_error() {
        let text = format!(
            "{HEAD}checks:
  - id: active
    title: {{ vi: a, en: a }}
    service: app
    status: 200
"
        );
        let e = first_error(&text);
        assert!(
            e.starts_with(
                "labs/demo/lab.yaml:9:5: error: check `active`: `status` does not apply to a `service` check"
            ),
            "{e}"
        );
    }

    #[test]
    fn two_kinds_in_one_check_is_an_error() {
        let text = format!(
            "{HEAD}checks:
  - {{ id: x, title: {{ vi: a, en: a }}, service: app, http: \"http://localhost/\", active: true }}
"
        );
        let e = first_error(&text);
        assert!(
            e.starts_with(
                "labs/demo/lab.yaml:6:53: error: check `x` has two kinds, `service` and `http`"
            ),
            "{e}"
        );
    }

    #[test]
    fn bad_duration_and_missing_file_are_both_reported() {
        let text = "title: { vi: a, en: a }
image: { containerfile: Containerfile }
files:
  - { src: missing.conf, dest: /etc/x }
checks:
  - { id: x, title: { vi: a, en: a }, service: app, active: true, within: soon }
";
        let errs = parse_text(text).unwrap_err();
        let all: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
        assert!(
            all[0].starts_with(
                "labs/demo/lab.yaml:4:12: error: `missing.conf` is not a file in the lab directory"
            ),
            "{all:?}"
        );
        assert!(
            all[1]
                .starts_with("labs/demo/lab.yaml:6:75: error: check `x`: `soon` is not a duration"),
            "{all:?}"
        );
    }

    #[test]
    fn edits_apply_in_order_and_report_missing_text() {
        let t = "[Unit]\nA=1\n[Install]\nWantedBy=x\n";
        assert_eq!(
            EditOp::Remove("[Install]".into()).apply(t).unwrap(),
            "[Unit]\nA=1\nWantedBy=x\n"
        );
        assert_eq!(
            EditOp::Replace("A=1".into(), "A=2".into())
                .apply(t)
                .unwrap(),
            "[Unit]\nA=2\n[Install]\nWantedBy=x\n"
        );
        assert_eq!(EditOp::Append("B=2".into()).apply("A").unwrap(), "A\nB=2\n");
        assert!(EditOp::Remove("A=".into()).apply(t).is_err());
        assert!(EditOp::Replace("Z".into(), "Y".into()).apply(t).is_err());
    }

    #[test]
    fn durations_and_modes() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_mode("0660"), Some(0o660));
        assert_eq!(parse_mode("889"), None);
    }
}
