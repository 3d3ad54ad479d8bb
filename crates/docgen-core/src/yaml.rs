//! All YAML parsing goes through here (front matter and `lab.yaml`), so the parser can be swapped
//! and every caller gets the same limits: the size is capped before parsing (serde_yaml takes
//! seconds on deeply nested input), and errors carry the real line in the file.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;

/// The largest YAML document docgen parses (front matter or a lab spec).
pub const MAX_YAML_BYTES: usize = 64 * 1024;

/// Parses `text` as YAML into `T`. `path` names the file in diagnostics; `first_line` is the
/// 1-based line in that file where `text` starts (front matter starts after the `---` line);
/// `full_text` is the whole file, for snippets.
pub fn parse<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    first_line: usize,
    full_text: &str,
) -> Result<T, Box<Diagnostic>> {
    if text.len() > MAX_YAML_BYTES {
        return Err(Box::new(
            Diagnostic::error(
                path,
                format!(
                    "YAML block is {} bytes; the limit is {} bytes",
                    text.len(),
                    MAX_YAML_BYTES
                ),
            )
            .at(first_line, 1, 3)
            .with_source_from(full_text)
            .with_hint("keep front matter and lab specs small; move long text into the page body"),
        ));
    }
    serde_yaml::from_str::<T>(text).map_err(|e| {
        let message = clean_message(&e.to_string());
        let d = Diagnostic::error(path, message);
        let d = match e.location() {
            Some(loc) => d
                .at(loc.line() + first_line - 1, loc.column(), 1)
                .with_source_from(full_text),
            None => d.at(first_line, 0, 0),
        };
        Box::new(d.with_hint(hint_for(&e.to_string())))
    })
}

/// serde_yaml appends " at line X column Y" to messages; the diagnostic carries the position.
fn clean_message(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn hint_for(msg: &str) -> String {
    if msg.contains("unknown field") {
        "remove the key or fix its spelling; the accepted keys are listed above".to_string()
    } else if msg.contains("duplicate") {
        "each key may appear once".to_string()
    } else if msg.contains("invalid type") {
        "check the value's type (quote strings that look like numbers or booleans)".to_string()
    } else {
        "check the YAML syntax: indentation, colons after keys, quotes".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        title: String,
    }

    #[test]
    fn error_line_is_shifted_to_the_file() {
        let file = "---\ntitle: a\ntitel: b\n---\n";
        let yaml = "title: a\ntitel: b\n";
        let d = parse::<T>(Path::new("p.md"), yaml, 2, file).unwrap_err();
        assert_eq!(d.line, 3);
        assert!(d.message.contains("unknown field `titel`"), "{}", d.message);
        assert_eq!(d.source_line.as_deref(), Some("titel: b"));
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let yaml = format!("title: {}\n", "[".repeat(MAX_YAML_BYTES));
        let d = parse::<T>(Path::new("p.md"), &yaml, 2, &yaml).unwrap_err();
        assert!(d.message.contains("limit"));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let yaml = "title: a\ntitle: b\n";
        let d = parse::<T>(Path::new("p.md"), yaml, 1, yaml).unwrap_err();
        assert!(d.message.contains("duplicate"), "{}", d.message);
    }
}
