//! lab.yaml as written: serde types that mirror the file (`deny_unknown_fields` where the
//! keys are fixed); a check's kind-specific keys are kept as YAML values for its kind to read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml::Value;

use super::{EvidenceSpec, FileSpec, Text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawLab {
    pub(super) title: Text,
    #[serde(default)]
    pub(super) description: Option<Text>,
    pub(super) image: RawImage,
    #[serde(default)]
    pub(super) files: Vec<FileSpec>,
    #[serde(default)]
    pub(super) steps: Vec<RawStep>,
    pub(super) checks: Vec<RawCheck>,
    #[serde(default)]
    pub(super) variants: Vec<RawVariant>,
    #[serde(default)]
    pub(super) evidence: EvidenceSpec,
    #[serde(default)]
    pub(super) versions: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) transcripts: Option<RawTranscripts>,
}

/// `transcripts: { user: maiviet }`: who a `$` prompt on a page is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTranscripts {
    pub(super) user: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawImage {
    pub(super) containerfile: String,
    #[serde(default)]
    pub(super) build_args: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    pub(super) run: String,
    #[serde(default)]
    pub(super) timeout: Option<String>,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawAction {
    #[serde(default)]
    pub(super) kill: Option<String>,
    #[serde(default)]
    pub(super) pick: Option<String>,
    #[serde(default)]
    pub(super) signal: Option<String>,
    #[serde(default)]
    pub(super) restart_unit: Option<String>,
    #[serde(default)]
    pub(super) restart_container: Option<bool>,
    #[serde(default)]
    pub(super) run: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVariant {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: Option<Text>,
    pub(super) edits: Vec<RawEdit>,
    pub(super) fails: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEdit {
    pub(super) file: String,
    #[serde(default)]
    pub(super) remove: Option<String>,
    #[serde(default)]
    pub(super) replace: Option<(String, String)>,
    #[serde(default)]
    pub(super) append: Option<String>,
}
