//! The JSON Schema of one check in lab.yaml, made from the kinds themselves: each kind's parser
//! runs once against a recording [`Fields`], which notes the Rust type of every field it asks
//! for. So the schema says what the parser accepts, and a field added to a kind is in the
//! schema without anyone writing it twice.

use schemars::Schema;
use serde_json::{json, Map, Value};

use super::{Fields, KindDef, KINDS};

/// The schema of one kind's own keys: its key (required) and its fields.
fn kind_properties(def: &KindDef) -> (Value, Map<String, Value>) {
    let mut ignore = |_: &str, _: String, _: &str| {};
    let mut fields = Fields::recording(def.name, &mut ignore);
    // The parser's verdict is meaningless here; only its requests count.
    let _ = (def.parse)(&mut fields);
    let recorded = fields.into_recorded().unwrap_or_default();
    let key = recorded.key.map(Schema::to_value).unwrap_or(json!({}));
    let props = recorded
        .fields
        .into_iter()
        .map(|(name, schema)| (name, schema.to_value()))
        .collect();
    (key, props)
}

/// The schema of a check: one branch per kind (`anyOf`), each with the common keys, its key
/// (required) and its fields, and nothing else. `common` holds the keys every check takes
/// (`id`, `title`, `within`, ...), as the spec module describes them.
pub fn check_schema(common: &Map<String, Value>, common_required: &[&str]) -> Value {
    let branches: Vec<Value> = KINDS
        .iter()
        .map(|def| {
            let (key, fields) = kind_properties(def);
            let mut props = common.clone();
            props.extend(fields);
            props.insert(def.name.to_string(), key);
            let mut required: Vec<&str> = common_required.to_vec();
            required.push(def.name);
            json!({
                "description": format!("A `{}` check.", def.name),
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": false,
            })
        })
        .collect();
    let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    json!({
        "description": format!(
            "One check: an id, a title, and exactly one kind, named by its key: {}.",
            names.join(", ")
        ),
        "type": "object",
        // Every key of every kind, so that editors offer them all as you type; the branches
        // then say which go together.
        "properties": union_of_properties(common),
        "additionalProperties": false,
        "anyOf": branches,
    })
}

/// The common keys and every kind's key and fields, each once: where kinds give a field
/// different schemas (`type` of a socket or of a file), any of them.
fn union_of_properties(common: &Map<String, Value>) -> Map<String, Value> {
    let mut all: Map<String, Value> = common.clone();
    let mut seen: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for def in KINDS {
        let (key, fields) = kind_properties(def);
        let key = with_description(key, &format!("Makes this a `{}` check.", def.name));
        seen.entry(def.name.to_string()).or_default().push(key);
        for (name, schema) in fields {
            seen.entry(name).or_default().push(schema);
        }
    }
    for (name, mut schemas) in seen {
        schemas.dedup();
        let merged = if schemas.len() == 1 {
            schemas.remove(0)
        } else {
            json!({ "anyOf": schemas })
        };
        all.insert(name, merged);
    }
    all
}

/// `schema` with a description where it has none.
fn with_description(mut schema: Value, text: &str) -> Value {
    if let Some(obj) = schema.as_object_mut() {
        obj.entry("description").or_insert_with(|| text.into());
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field a kind accepts has a recorded type, and nothing else was recorded: a
    /// parser that returned before asking for a field would leave it untyped.
    #[test]
    fn every_field_of_every_kind_is_typed_by_its_parser() {
        for def in KINDS {
            let (key, props) = kind_properties(def);
            assert!(
                key.get("type").is_some() || key.get("anyOf").is_some(),
                "{}: key untyped: {key}",
                def.name
            );
            let mut recorded: Vec<&str> = props.keys().map(String::as_str).collect();
            let mut declared: Vec<&str> = def.fields.to_vec();
            recorded.sort_unstable();
            declared.sort_unstable();
            assert_eq!(recorded, declared, "kind `{}`", def.name);
            for (name, schema) in &props {
                assert!(
                    schema.get("description").is_some(),
                    "{}.{name}: {schema}",
                    def.name
                );
            }
        }
    }

    #[test]
    fn narrow_fields_say_what_they_take() {
        let socket = KINDS.iter().find(|k| k.name == "socket").unwrap();
        let (_, props) = kind_properties(socket);
        assert_eq!(
            props["type"]["enum"],
            json!(["stream", "dgram", "seqpacket"])
        );
        assert_eq!(props["mode"]["type"], "string");
        assert!(props["mode"]["pattern"].is_string());
        assert_eq!(props["exists"]["type"], "boolean");
        let port = KINDS.iter().find(|k| k.name == "port").unwrap();
        let (key, _) = kind_properties(port);
        assert_eq!(key["type"], "integer", "{key}");
        assert_eq!(key["maximum"], 65535, "{key}");
        let processes = KINDS.iter().find(|k| k.name == "processes").unwrap();
        let (_, props) = kind_properties(processes);
        assert_eq!(props["user"]["type"], json!(["string", "number"]));
    }
}
