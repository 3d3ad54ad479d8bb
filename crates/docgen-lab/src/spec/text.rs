//! Texts in the book's languages (`{ vi: ..., en: ... }`, any codes), where each sits in
//! lab.yaml, and the check of a lab's texts against the languages the book declares.

use docgen_core::diagnostic::Diagnostic;
use docgen_core::lang;
use serde::{Deserialize, Serialize};

use super::LabSpec;

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

impl LabSpec {
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
