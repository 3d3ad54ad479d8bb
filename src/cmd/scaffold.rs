//! Scaffolds: the lab and page `docgen init` adds to a new book, and `docgen lab new NAME`.
//! The files are the repository's `scaffold/` directory, compiled in; `{{id}}` becomes the
//! lab's id and `{{t:English}}` a text in each of the book's languages. Every lab written
//! comes with `labs/lab.schema.json`, which its lab.yaml names for editors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use docgen_core::error::Hinted;

use crate::cmd::meta::{schema_text, SchemaName};
use crate::project::Project;

const CONTAINERFILE: &str = include_str!("../../scaffold/common/Containerfile");

/// The static-site lab of `docgen init`: (path in the lab directory, text).
const STATIC_SITE: &[(&str, &str)] = &[
    ("Containerfile", CONTAINERFILE),
    (
        "lab.yaml",
        include_str!("../../scaffold/static-site/lab.yaml"),
    ),
    (
        "site.conf",
        include_str!("../../scaffold/static-site/site.conf"),
    ),
    (
        "index.html",
        include_str!("../../scaffold/static-site/index.html"),
    ),
];

/// The page that shows the static-site lab.
pub const STATIC_SITE_PAGE: &str = include_str!("../../scaffold/static-site/page.md");

/// The lab id `docgen init` uses.
pub const STATIC_SITE_ID: &str = "static-site";

/// The service lab of `docgen lab new`; `{{id}}.service` is named after the lab.
const SERVICE: &[(&str, &str)] = &[
    ("Containerfile", CONTAINERFILE),
    ("lab.yaml", include_str!("../../scaffold/service/lab.yaml")),
    (
        "{{id}}.service",
        include_str!("../../scaffold/service/unit.service"),
    ),
    (
        "index.html",
        include_str!("../../scaffold/service/index.html"),
    ),
];

/// Where lab.yaml files find their schema (`# yaml-language-server: $schema=../lab.schema.json`).
pub const SCHEMA_FILE: &str = "lab.schema.json";

/// Arguments of `docgen lab new`.
#[derive(Debug, Args)]
pub struct NewLabArgs {
    /// The new lab's id: lowercase letters, digits and `-` (its directory under labs/, its
    /// image tag, and the name of its systemd unit).
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// Fills a scaffold's placeholders: `{{id}}`, then each `{{t:English}}` as a text in every one
/// of `languages` (English when the book declares none).
pub fn fill(template: &str, id: &str, languages: &[String]) -> String {
    let text = template.replace("{{id}}", id);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("{{t:") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let english = &rest[start + 4..start + len];
        let quoted = serde_json::to_string(english).unwrap_or_default();
        let entries: Vec<String> = if languages.is_empty() {
            vec![format!("en: {quoted}")]
        } else {
            languages.iter().map(|l| format!("{l}: {quoted}")).collect()
        };
        out.push_str(&format!("{{ {} }}", entries.join(", ")));
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Writes a lab from `files` into `labs_dir/id`, and the schema beside the labs when it is
/// missing. Refuses to overwrite anything.
fn write_lab(
    labs_dir: &Path,
    id: &str,
    files: &[(&str, &str)],
    languages: &[String],
) -> anyhow::Result<PathBuf> {
    if !docgen_lab::spec::valid_id(id) {
        return Err(Hinted::new(
            format!("`{id}` is not a valid lab id"),
            "use lowercase letters, digits and `-`, e.g. `my-service` (it names the lab's directory, image and unit)",
        )
        .into());
    }
    let dir = labs_dir.join(id);
    if dir.exists() {
        return Err(Hinted::new(
            format!("`{}` already exists; not overwriting it", dir.display()),
            "choose another name, or remove that directory first",
        )
        .into());
    }
    for (name, text) in files {
        write_new(
            &dir.join(name.replace("{{id}}", id)),
            &fill(text, id, languages),
        )?;
    }
    let schema = labs_dir.join(SCHEMA_FILE);
    if !schema.exists() {
        write_new(&schema, &schema_text(SchemaName::Lab))?;
    }
    Ok(dir)
}

/// Writes the static-site lab `docgen init` adds under `book/labs/`.
pub fn write_static_site(book: &Path, languages: &[String]) -> anyhow::Result<()> {
    write_lab(&book.join("labs"), STATIC_SITE_ID, STATIC_SITE, languages)?;
    Ok(())
}

/// Runs `docgen lab new NAME`.
pub fn new_lab(root: Option<&Path>, args: &NewLabArgs) -> anyhow::Result<ExitCode> {
    let project = Project::discover(root)?;
    let (languages, _) = project.config.lab_languages();
    let dir = write_lab(&project.labs_dir(), &args.name, SERVICE, &languages)?;
    let id = &args.name;
    let shown = dir.strip_prefix(&project.root).unwrap_or(&dir).display();
    println!(
        "Created the lab `{id}` in {shown}/\n\
         \x20 next: docgen lab test {id}   (boots it, runs its checks and its 2 break-it variants)\n\
         \x20 then: replace {id}.service with your unit, and show it on a page:\n\
         \x20       {{{{#include ../labs/{id}/{id}.service}}}} and {{{{#lab {id}}}}}"
    );
    if languages.len() > 1 {
        println!(
            "  note: its texts are in English under every language ({}); translate them in lab.yaml",
            languages.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` to a new file, making its directory; refuses to overwrite.
pub fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.exists() {
        bail!("`{}` already exists; not overwriting it", path.display());
    }
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("cannot create `{}`", p.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_makes_a_text_per_language() {
        let langs = vec!["vi".to_string(), "en".to_string()];
        assert_eq!(
            fill("title: {{t:{{id}}: a \"small\" one}}\n", "web", &langs),
            "title: { vi: \"web: a \\\"small\\\" one\", en: \"web: a \\\"small\\\" one\" }\n"
        );
        assert_eq!(
            fill("a {{t:x}} b {{t:y}}", "i", &[]),
            "a { en: \"x\" } b { en: \"y\" }"
        );
        assert_eq!(
            fill("open {{t:never closed", "i", &[]),
            "open {{t:never closed"
        );
    }

    #[test]
    fn every_scaffold_lab_yaml_loads_in_one_and_two_languages() {
        for langs in [vec![], vec!["vi".to_string(), "en".to_string()]] {
            for (files, id) in [(STATIC_SITE, STATIC_SITE_ID), (SERVICE, "my-app")] {
                let dir = tempfile::tempdir().unwrap();
                let labs = dir.path().join("labs");
                write_lab(&labs, id, files, &langs).unwrap();
                let spec = docgen_lab::spec::load(&labs, &labs.join(id))
                    .unwrap_or_else(|e| panic!("{id}: {e:?}"));
                assert!(!spec.checks.is_empty());
                assert!(!spec.variants.is_empty());
                let diags = spec.language_diagnostics(&langs, true);
                assert!(diags.is_empty(), "{id} {langs:?}: {diags:?}");
                assert!(labs.join(SCHEMA_FILE).is_file());
            }
        }
    }
}
