//! [`Fields`]: a check's keys from lab.yaml as its kind reads them. The lab spec hands a kind
//! the value of its key and the fields it accepts; the kind takes each one typed, and every
//! problem (a wrong type, a value out of range) is reported at that key's line and column
//! through the spec's reporter, with a hint.
//!
//! The same calls describe the fields for lab.yaml's JSON Schema: a [`Fields::recording`] reads
//! nothing and notes, for each field a kind's parser asks for, the schema of the Rust type it
//! asks for and what it says the value must be (see `checks::schema`), so the schema cannot
//! drift from the parser.

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_yaml::Value;

/// What a kind's parser asked for when it ran against a [`Fields::recording`]: the JSON Schema
/// of its key's value and of each field, by name.
#[derive(Debug, Default)]
pub struct Recorded {
    /// The schema of the kind's key (`service: <unit>`).
    pub key: Option<Schema>,
    /// Each field's schema.
    pub fields: BTreeMap<String, Schema>,
}

/// The fields of one check, for its kind to take.
pub struct Fields<'a> {
    id: &'a str,
    kind: &'static str,
    key: Value,
    values: BTreeMap<String, Value>,
    report: &'a mut dyn FnMut(&str, String, &str),
    ok: bool,
    /// Set when recording: nothing is read, every request is noted.
    recorded: Option<(SchemaGenerator, Recorded)>,
}

impl<'a> Fields<'a> {
    /// The fields of check `id` of kind `kind`: the value of the kind's key and the other
    /// fields (already limited to those the kind accepts). `report` takes a problem: the text
    /// to point at in the check's lines (`"mode:"`, a value), the message and a hint.
    pub fn new(
        id: &'a str,
        kind: &'static str,
        key: Value,
        values: BTreeMap<String, Value>,
        report: &'a mut dyn FnMut(&str, String, &str),
    ) -> Fields<'a> {
        Fields {
            id,
            kind,
            key,
            values,
            report,
            ok: true,
            recorded: None,
        }
    }

    /// Fields that read nothing and record what the kind's parser asks for: every request
    /// returns `None` (or the default) and problems are ignored. [`Fields::into_recorded`]
    /// gives the record.
    pub fn recording(
        kind: &'static str,
        report: &'a mut dyn FnMut(&str, String, &str),
    ) -> Fields<'a> {
        let mut f = Fields::new("schema", kind, Value::Null, BTreeMap::new(), report);
        f.recorded = Some((SchemaGenerator::default(), Recorded::default()));
        f
    }

    /// What a [`Fields::recording`] noted.
    pub fn into_recorded(self) -> Option<Recorded> {
        self.recorded.map(|(_, r)| r)
    }

    /// Notes the schema of `T` for `name` (`None`: the key), described by `what`.
    fn record<T: JsonSchema + DeserializeOwned>(&mut self, name: Option<&str>, what: &str) {
        let Some((generator, recorded)) = &mut self.recorded else {
            return;
        };
        let mut schema = generator.subschema_for::<T>();
        // A text field takes a YAML number too (`user: 1000`), as `convert` does.
        if wants_string::<T>() {
            schema.insert("type".into(), serde_json::json!(["string", "number"]));
        }
        schema.insert(
            "description".into(),
            format!("{}.", capitalised(what)).into(),
        );
        match name {
            Some(n) => {
                recorded.fields.insert(n.to_string(), schema);
            }
            None => recorded.key = Some(schema),
        }
    }

    /// Replaces what was recorded for field `name` with `schema` (for fields whose value is
    /// narrower than their Rust type: a choice of words, an octal mode).
    fn refine(&mut self, name: &str, schema: serde_json::Value) {
        if let Some((_, recorded)) = &mut self.recorded {
            if let Some(s) = recorded.fields.get_mut(name) {
                if let (Some(obj), serde_json::Value::Object(extra)) = (s.as_object_mut(), schema) {
                    obj.remove("type");
                    obj.extend(extra);
                }
            }
        }
    }

    /// The check's id.
    pub fn id(&self) -> &str {
        self.id
    }

    /// Reports a problem about this check at the first occurrence of `needle` in its lines.
    pub fn error(&mut self, needle: &str, message: impl std::fmt::Display, hint: &str) {
        self.ok = false;
        if self.recorded.is_some() {
            return;
        }
        (self.report)(needle, format!("check `{}`: {message}", self.id), hint);
    }

    /// The value of the kind's key (`gunicorn` in `service: gunicorn`), as `T`.
    pub fn key<T: DeserializeOwned + JsonSchema + Default>(&mut self, what: &str) -> T {
        if self.recorded.is_some() {
            self.record::<T>(None, what);
            return T::default();
        }
        let name = self.kind;
        let value = std::mem::take(&mut self.key);
        self.convert(name, value, what).unwrap_or_default()
    }

    /// The field `name` as `T`, or `None` when it is not set. `what` says what it must be,
    /// for the error when it is not (`"true or false"`, `"a whole number"`).
    pub fn get<T: DeserializeOwned + JsonSchema>(&mut self, name: &str, what: &str) -> Option<T> {
        if self.recorded.is_some() {
            self.record::<T>(Some(name), what);
            return None;
        }
        let value = self.values.remove(name)?;
        self.convert(name, value, what)
    }

    /// A text field.
    pub fn text(&mut self, name: &str) -> Option<String> {
        self.get(name, "a text")
    }

    /// A `true`/`false` field.
    pub fn flag(&mut self, name: &str) -> Option<bool> {
        self.get(name, "true or false")
    }

    /// A text field that must be one of `allowed`.
    pub fn one_of(&mut self, name: &str, allowed: &[&str], what: &str) -> Option<String> {
        if self.recorded.is_some() {
            self.text(name);
            self.refine(name, serde_json::json!({ "enum": allowed }));
            return None;
        }
        let v = self.text(name)?;
        if allowed.contains(&v.as_str()) {
            Some(v)
        } else {
            let list = match allowed {
                [] => String::new(),
                [one] => (*one).to_string(),
                [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
            };
            self.error(&v, format!("{what} `{v}` is not {list}"), "");
            None
        }
    }

    /// An octal mode field (`mode: "0660"`).
    pub fn mode(&mut self, name: &str) -> Option<u32> {
        if self.recorded.is_some() {
            self.get::<String>(name, "an octal mode in quotes, e.g. \"0660\"");
            self.refine(
                name,
                serde_json::json!({ "type": "string", "pattern": "^\\s*0?[0-7]{1,4}\\s*$" }),
            );
            return None;
        }
        let m: String = self.get(name, "an octal mode in quotes")?;
        match parse_mode(&m) {
            Some(mode) => Some(mode),
            None => {
                self.error(
                    &m,
                    format!("mode `{m}` is not an octal mode"),
                    "write it quoted, e.g. mode: \"0660\"",
                );
                None
            }
        }
    }

    /// Finishes parsing: the kind if nothing was reported.
    pub fn finish<K: super::Kind>(&self, kind: K) -> Option<Box<dyn super::Kind>> {
        self.ok.then(|| Box::new(kind) as Box<dyn super::Kind>)
    }

    fn convert<T: DeserializeOwned>(&mut self, name: &str, value: Value, what: &str) -> Option<T> {
        // YAML numbers and booleans where a text is wanted read as that text (`socket: 8000`
        // is odd but `user: 1000` is not).
        let value = match value {
            Value::Number(n) if wants_string::<T>() => Value::String(n.to_string()),
            Value::Bool(b) if wants_string::<T>() => Value::String(b.to_string()),
            v => v,
        };
        match serde_yaml::from_value(value.clone()) {
            Ok(v) => Some(v),
            Err(_) => {
                let shown = match &value {
                    Value::String(s) => format!("`{s}`"),
                    Value::Null => "empty".to_string(),
                    Value::Sequence(_) => "a list".to_string(),
                    Value::Mapping(_) => "a mapping".to_string(),
                    other => format!(
                        "`{}`",
                        serde_yaml::to_string(other).unwrap_or_default().trim()
                    ),
                };
                self.error(
                    &format!("{name}:"),
                    format!("`{name}` must be {what}, not {shown}"),
                    "",
                );
                None
            }
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn wants_string<T: DeserializeOwned>() -> bool {
    serde_yaml::from_value::<T>(Value::String("x".into())).is_ok()
        && serde_yaml::from_value::<T>(Value::Bool(true)).is_err()
}

/// An octal mode: `"0660"`, `"660"`, `"2775"`.
pub fn parse_mode(s: &str) -> Option<u32> {
    let t = s.trim();
    if t.is_empty() || t.len() > 5 {
        return None;
    }
    u32::from_str_radix(t, 8).ok().filter(|m| *m <= 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(yaml: &str, f: impl FnOnce(&mut Fields<'_>)) -> Vec<(String, String)> {
        let map: BTreeMap<String, Value> = serde_yaml::from_str(yaml).unwrap();
        let mut errors = Vec::new();
        let mut report = |needle: &str, msg: String, _hint: &str| {
            errors.push((needle.to_string(), msg));
        };
        let mut fields = Fields::new("c", "demo", Value::Null, map, &mut report);
        f(&mut fields);
        drop(fields);
        errors
    }

    #[test]
    fn typed_fields_and_errors_at_the_key() {
        let errs = fields_of("count: three\nactive: true\nuser: 1000\n", |f| {
            assert_eq!(f.get::<u32>("count", "a whole number"), None);
            assert_eq!(f.flag("active"), Some(true));
            assert_eq!(f.text("user").as_deref(), Some("1000"));
            assert_eq!(f.text("absent"), None);
        });
        assert_eq!(
            errs,
            vec![(
                "count:".to_string(),
                "check `c`: `count` must be a whole number, not `three`".to_string()
            )]
        );
    }

    #[test]
    fn modes_and_choices() {
        let errs = fields_of("mode: \"0660\"\ntype: dgramm\n", |f| {
            assert_eq!(f.mode("mode"), Some(0o660));
            assert_eq!(f.one_of("type", &["stream", "dgram"], "socket type"), None);
        });
        assert_eq!(
            errs[0].1,
            "check `c`: socket type `dgramm` is not stream or dgram"
        );
        assert_eq!(parse_mode("889"), None);
        assert_eq!(parse_mode("2775"), Some(0o2775));
    }
}
