//! `lab.yaml`: the schema of a lab, its loading and validation, and the edits break-it variants
//! make.
//!
//! Parsing goes through [`docgen_core::yaml::parse`] (size cap, real line numbers) into the
//! types of [`raw`] that mirror the file; then [`validate`] turns them into the typed
//! [`LabSpec`], reporting every semantic problem as a [`Diagnostic`] at the line it is about,
//! placed by [`locator`]. Check kinds read their own keys (see `crate::checks`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use docgen_core::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};

pub use crate::checks::parse_mode;
pub use crate::checks::processes::Pick;
use crate::checks::Kind;
use crate::error::LabError;

mod edit;
mod locator;
mod raw;
mod schema;
mod text;
mod validate;

use raw::RawLab;
pub use schema::{drop_null_defaults, lab_schema};
use validate::validate;

pub use edit::{Edit, EditOp};
pub use text::{Text, TextAt};
pub use validate::parse_duration;

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
    /// The user a `$` prompt of a page's transcript runs as (`transcripts: { user: ... }`);
    /// `#` and `sudo` are root.
    pub transcript_user: Option<String>,
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
}

/// A file the lab installs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "File")]
pub struct FileSpec {
    /// Path in the lab directory.
    pub src: String,
    /// Absolute path in the container.
    pub dest: String,
    /// Octal mode (`"0644"`); default 0644.
    #[serde(default)]
    #[schemars(regex(pattern = r"^\s*0?[0-7]{1,4}\s*$"))]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(rename = "Evidence")]
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
    /// Once passing, it must keep passing on every probe for this long (a port that a crashing
    /// server binds for a moment is not "listening"); a failure in between starts it over.
    pub holds: Option<Duration>,
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

/// Whether `id` can name a lab: lowercase letters, digits and `-`, not first (it becomes an
/// image tag and a directory name).
pub fn valid_id(id: &str) -> bool {
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

    #[test]
    fn texts_in_any_language_checked_against_the_books() {
        let text = "title: { en: \"Lab\", de: \"Labor\" }
image: { containerfile: Containerfile }
files:
  - { src: app.service, dest: /etc/systemd/system/app.service }
checks:
  - id: active
    title: { en: runs }
    service: app
    active: true
";
        let spec = parse_text(text).unwrap();
        assert_eq!(spec.title.get("de"), "Labor");
        assert_eq!(spec.title.get("de-AT"), "Labor");
        assert_eq!(spec.title.get("fr"), "Lab", "English is the fallback");
        let diags = spec.language_diagnostics(&["en".into(), "de".into()], true);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].to_string(),
            "labs/demo/lab.yaml:7:5: error: the title of check `active` has no text in `de`
  |
7 |     title: { en: runs }
  |     ^^^^^
  = hint: the book is written in en, de; give the text in each, e.g. { en: \"...\", de: \"...\" }"
        );
        let vi = spec.language_diagnostics(&["vi".into(), "en".into()], true);
        assert!(
            vi[0]
                .to_string()
                .contains("the lab's title has no text in `vi`"),
            "{vi:?}"
        );
        assert!(
            vi.iter()
                .any(|d| !d.is_error() && d.to_string().contains("has a text in `de`")),
            "{vi:?}"
        );
        assert!(spec.language_diagnostics(&[], false).is_empty());
    }
}
