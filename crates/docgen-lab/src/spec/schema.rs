//! lab.yaml's JSON Schema (draft-07, the draft editors support best), for editors (`yaml-language-server`) and CI: the
//! file's shape from the serde types in `raw` (through schemars), a check's from the kinds'
//! own parsers (`checks::schema`), and a text per language as [`Text`] reads it. Printed by
//! `docgen lab schema`; the copy in the repository's `schemas/` is tested equal to it.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::raw::{RawAction, RawCheck, RawLab, DURATION_PATTERN};
use super::Text;
use crate::checks::schema::check_schema;

/// The JSON Schema of lab.yaml.
pub fn lab_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<RawLab>().to_value();
    drop_null_defaults(&mut schema);
    schema
}

/// Removes every `"default": null` (schemars writes one for each optional field): it says
/// nothing, and yaml-language-server (1.25) stops offering a check's keys when a nested
/// object's properties carry it.
pub fn drop_null_defaults(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            map.values_mut().for_each(drop_null_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_defaults),
        _ => {}
    }
}

impl JsonSchema for Text {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A text per language, keyed by language code: { en: \"...\", vi: \"...\" }.",
            "type": "object",
            "minProperties": 1,
            "propertyNames": { "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$" },
            "additionalProperties": { "type": "string" }
        })
    }
}

impl JsonSchema for RawCheck {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Check".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = |what: &str| json!({ "type": "string", "pattern": DURATION_PATTERN, "description": what });
        let mut common = Map::new();
        common.insert(
            "id".into(),
            json!({ "type": "string", "minLength": 1,
                    "description": "Unique in the lab; variants and pages name the check by it." }),
        );
        common.insert("title".into(), generator.subschema_for::<Text>().to_value());
        common.insert(
            "explains".into(),
            json!({ "type": "string",
                    "description": "The page section that explains what the check proves: `page.md#anchor`." }),
        );
        common.insert(
            "within".into(),
            duration("Keep probing until it passes, up to this long (`5s`, `500ms`)."),
        );
        common.insert(
            "holds".into(),
            duration("It must keep passing on every probe for this long to count (`1s`)."),
        );
        common.insert(
            "before".into(),
            generator.subschema_for::<RawAction>().to_value(),
        );
        let schema = check_schema(&common, &["id", "title"]);
        Schema::try_from(schema).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_top_level_key_and_every_kind() {
        let s = lab_schema();
        let props = s["properties"].as_object().unwrap();
        for key in [
            "title",
            "description",
            "image",
            "files",
            "steps",
            "checks",
            "variants",
            "evidence",
            "versions",
            "transcripts",
        ] {
            assert!(props.contains_key(key), "{key}");
        }
        assert_eq!(s["additionalProperties"], false);
        let text = serde_json::to_string(&s).unwrap();
        for kind in crate::checks::KINDS {
            assert!(
                text.contains(&format!("A `{}` check.", kind.name)),
                "{}",
                kind.name
            );
        }
    }
}
