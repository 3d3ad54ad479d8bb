//! lab.yaml as written: serde types that mirror the file (`deny_unknown_fields` where the
//! keys are fixed); a check's kind-specific keys are kept as YAML values for its kind to read.
//! The same types make lab.yaml's JSON Schema (`super::schema`): their doc comments are its
//! descriptions.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_yaml::Value;

use super::{EvidenceSpec, FileSpec, Text};

/// A docgen lab: a container image, the files and steps that install what a page shows, the
/// checks that prove it works, and the break-it variants that prove the checks can fail.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "docgen lab.yaml")]
pub(super) struct RawLab {
    /// The lab's title, per language: `{ en: "...", vi: "..." }`.
    pub(super) title: Text,
    /// One or two sentences on what the lab proves, per language.
    #[serde(default)]
    pub(super) description: Option<Text>,
    /// The image the lab's container runs.
    pub(super) image: RawImage,
    /// Files copied from the lab directory into the container before the steps.
    #[serde(default)]
    pub(super) files: Vec<FileSpec>,
    /// Shell commands run in order after the files are in place (`sh -c`, as root).
    #[serde(default)]
    pub(super) steps: Vec<RawStep>,
    /// What the lab proves, in order; each waits for what it needs (`within`).
    pub(super) checks: Vec<RawCheck>,
    /// Break-it variants: an edit of the lab's files and the checks it must make fail.
    #[serde(default)]
    pub(super) variants: Vec<RawVariant>,
    /// What to attach when a check fails.
    #[serde(default)]
    pub(super) evidence: EvidenceSpec,
    /// Commands whose output names a version the report and the pages show
    /// (`gunicorn: /venv/bin/gunicorn --version`).
    #[serde(default)]
    pub(super) versions: BTreeMap<String, String>,
    /// How the pages' transcripts (```` ```console lab=ID ````) run in this lab.
    #[serde(default)]
    pub(super) transcripts: Option<RawTranscripts>,
}

/// `transcripts: { user: maiviet }`: who a `$` prompt on a page is.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Transcripts")]
pub(super) struct RawTranscripts {
    /// The user a `$` prompt runs as (`#` and `sudo` run as root).
    pub(super) user: String,
}

/// The lab's image, built from a Containerfile in the lab directory.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Image")]
pub(super) struct RawImage {
    /// The Containerfile (Dockerfile syntax), relative to the lab directory.
    pub(super) containerfile: String,
    /// `--build-arg` values.
    #[serde(default)]
    pub(super) build_args: BTreeMap<String, String>,
}

/// A shell step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Step")]
pub(super) struct RawStep {
    /// The command, run with `sh -c` as root.
    pub(super) run: String,
    /// How long it may take (`30s`, `5m`); default 2m.
    #[serde(default)]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub(super) timeout: Option<String>,
}

/// What a duration field accepts: a number and `ms`, `s` or `m`.
pub(super) const DURATION_PATTERN: &str = r"^\s*[0-9]*\.?[0-9]+\s*(ms|s|m)\s*$";

/// One check (its schema is made by `checks::schema` from the kinds' parsers).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct RawCheck {
    pub(super) id: String,
    pub(super) title: Text,
    #[serde(default)]
    pub(super) explains: Option<String>,
    #[serde(default)]
    pub(super) within: Option<String>,
    #[serde(default)]
    pub(super) holds: Option<String>,
    #[serde(default)]
    pub(super) before: Option<RawAction>,
    /// The kind's key and its fields, read by the kind (see `checks::KINDS`).
    #[serde(flatten)]
    pub(super) rest: BTreeMap<String, Value>,
}

/// An action run before a check: one of `kill`, `restart-unit`, `restart-container`, `run`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(extend("oneOf" = [
    { "required": ["kill"] },
    { "required": ["restart-unit"] },
    { "required": ["restart-container"] },
    { "required": ["run"] },
]))]
#[schemars(rename = "Action")]
pub(super) struct RawAction {
    /// Send a signal to one process of this name.
    #[serde(default)]
    pub(super) kill: Option<String>,
    /// With `kill`: which process (`worker`, `master` or `any`).
    #[serde(default)]
    #[schemars(extend("enum" = ["worker", "master", "any"]))]
    pub(super) pick: Option<String>,
    /// With `kill`: the signal (`TERM`, `KILL`, `HUP`, ...); default TERM.
    #[serde(default)]
    pub(super) signal: Option<String>,
    /// Restart this systemd unit.
    #[serde(default)]
    pub(super) restart_unit: Option<String>,
    /// Restart the whole container, as a reboot of the machine.
    #[serde(default)]
    pub(super) restart_container: Option<bool>,
    /// Run this shell command as root.
    #[serde(default)]
    pub(super) run: Option<String>,
}

/// A break-it variant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Variant")]
pub(super) struct RawVariant {
    /// Its name, unique in the lab (`--variant NAME`).
    pub(super) name: String,
    /// What the edit breaks, per language.
    #[serde(default)]
    pub(super) description: Option<Text>,
    /// The edits of the lab's files.
    pub(super) edits: Vec<RawEdit>,
    /// The ids of exactly the checks the variant must make fail.
    pub(super) fails: Vec<String>,
}

/// One edit of a lab file: `remove`, `replace` or `append`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["remove"] },
    { "required": ["replace"] },
    { "required": ["append"] },
]))]
#[schemars(rename = "Edit")]
pub(super) struct RawEdit {
    /// The file, relative to the lab directory.
    pub(super) file: String,
    /// Remove this text (it must be in the file).
    #[serde(default)]
    pub(super) remove: Option<String>,
    /// `[old, new]`: replace this text with that.
    #[serde(default)]
    pub(super) replace: Option<(String, String)>,
    /// Add this text at the end.
    #[serde(default)]
    pub(super) append: Option<String>,
}
