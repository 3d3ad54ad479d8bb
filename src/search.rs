//! The client-side search index, built per language at build time.
//!
//! Text is folded the same way here and in `search.js`: lower case, Unicode NFD with the
//! combining marks dropped, `đ` → `d`. So `khoi dong` finds `khởi động`. The index is split so
//! that no reader downloads a large file before the first results: terms are sharded by their
//! first two folded characters (`t/<hex>.js`), section texts come in chunks of
//! [`DOCS_PER_CHUNK`] (`d/<n>.js`), and a small `meta.js` lists the shards. The files are
//! JavaScript (`docgenSearch.shard(...)`) rather than JSON so the search also works from
//! `file://`, where browsers refuse `fetch`.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use serde::Serialize;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Sections per docs chunk.
pub const DOCS_PER_CHUNK: usize = 200;
/// Longest section text kept for snippets, in characters.
const MAX_TEXT_CHARS: usize = 4000;
/// Weight of a term in the page title, a heading, and the body.
const W_TITLE: u32 = 8;
const W_HEADING: u32 = 4;
const W_BODY: u32 = 1;
/// A term counts at most this many times from one section's body.
const MAX_BODY_COUNT: u32 = 3;

/// One searchable section of a page.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The URL relative to the language root, with `#anchor` for a heading.
    pub url: String,
    /// The page title.
    pub page_title: String,
    /// The section's heading (empty for the top of the page).
    pub heading: String,
    /// The section's text.
    pub text: String,
}

/// The index files of one language, and their sizes.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    /// Path (relative to `search/<lang>/`) → content.
    pub files: Vec<(String, String)>,
    /// Sizes, for the build report.
    pub stats: IndexStats,
}

/// How big an index is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Sections indexed.
    pub docs: usize,
    /// Distinct terms.
    pub terms: usize,
    /// Files written.
    pub files: usize,
    /// Total bytes.
    pub bytes: usize,
    /// The largest file, in bytes.
    pub largest: usize,
}

/// Folds text for matching: lower case, no diacritics, `đ` → `d`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    out
}

fn fold_char(c: char, out: &mut String) {
    match c {
        'đ' | 'Đ' => out.push('d'),
        c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        c => {
            for d in std::iter::once(c).nfd() {
                if !is_combining_mark(d) {
                    out.extend(d.to_lowercase());
                }
            }
        }
    }
}

/// The terms of folded text: runs of letters and digits, two characters or longer.
pub fn terms(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| t.chars().count() >= 2)
}

/// The shard a term lives in: its first two characters.
pub fn shard_key(term: &str) -> String {
    term.chars().take(2).collect()
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Builds the index of one language.
pub fn build(docs: &[Doc]) -> SearchIndex {
    // Folding and splitting is most of the work and needs nothing shared: sections are indexed
    // in parallel, a chunk at a time (so the terms of all sections are never held at once),
    // and the chunks merged in document order.
    const CHUNK: usize = 512;
    let partials: Vec<HashMap<String, Vec<(u32, u32)>>> = docs
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut part: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
            for (k, doc) in chunk.iter().enumerate() {
                let id = (c * CHUNK + k) as u32;
                doc_terms(doc, |t, w| match part.get_mut(t) {
                    Some(v) => v.push((id, w)),
                    None => {
                        part.insert(t.to_string(), vec![(id, w)]);
                    }
                });
            }
            part
        })
        .collect();
    // term → [(doc, weight)], docs ascending (chunks are merged in order).
    let mut postings: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
    for part in partials {
        for (t, mut v) in part {
            match postings.get_mut(&t) {
                Some(all) => all.append(&mut v),
                None => {
                    postings.insert(t, v);
                }
            }
        }
    }
    let postings: BTreeMap<String, Vec<(u32, u32)>> = postings.into_iter().collect();

    let mut shards: BTreeMap<String, BTreeMap<&str, Vec<u32>>> = BTreeMap::new();
    for (term, docs) in &postings {
        let flat: Vec<u32> = docs.iter().flat_map(|&(d, w)| [d, w]).collect();
        shards
            .entry(shard_key(term))
            .or_default()
            .insert(term.as_str(), flat);
    }

    let mut index = SearchIndex::default();
    let push = |index: &mut SearchIndex, path: String, content: String| {
        index.stats.files += 1;
        index.stats.bytes += content.len();
        index.stats.largest = index.stats.largest.max(content.len());
        index.files.push((path, content));
    };
    for (key, terms) in &shards {
        let json = serde_json::to_string(terms).expect("serializable");
        let key_json = serde_json::to_string(key).expect("serializable");
        push(
            &mut index,
            format!("t/{}.js", hex(key)),
            format!("docgenSearch.shard({key_json},{json});\n"),
        );
    }
    for (n, chunk) in docs.chunks(DOCS_PER_CHUNK).enumerate() {
        let rows: Vec<DocRow<'_>> = chunk
            .iter()
            .map(|d| DocRow(&d.url, &d.page_title, &d.heading, truncate(&d.text)))
            .collect();
        let json = serde_json::to_string(&rows).expect("serializable");
        push(
            &mut index,
            format!("d/{n}.js"),
            format!("docgenSearch.docs({n},{json});\n"),
        );
    }
    let meta = Meta {
        version: 1,
        docs: docs.len(),
        chunk: DOCS_PER_CHUNK,
        shards: shards.keys().map(String::as_str).collect(),
    };
    push(
        &mut index,
        "meta.js".to_string(),
        format!(
            "docgenSearch.meta({});\n",
            serde_json::to_string(&meta).expect("serializable")
        ),
    );
    index.stats.docs = docs.len();
    index.stats.terms = postings.len();
    index
}

/// Calls `f` with each term of one section and its weight, each term once, in first-seen order.
fn doc_terms(doc: &Doc, mut f: impl FnMut(&str, u32)) {
    let (head, weight, cap) = if doc.heading.is_empty() || doc.heading == doc.page_title {
        (fold(&doc.page_title), W_TITLE, W_TITLE)
    } else {
        (fold(&doc.heading), W_HEADING, W_HEADING + W_TITLE)
    };
    let body = fold(&doc.text);
    let parts = [
        (head.as_str(), weight, cap),
        (
            body.as_str(),
            W_BODY,
            W_BODY * MAX_BODY_COUNT + W_HEADING + W_TITLE,
        ),
    ];
    let mut slots: HashMap<&str, usize> = HashMap::new();
    let mut found: Vec<(&str, u32)> = Vec::new();
    for (text, weight, cap) in parts {
        for t in terms(text) {
            let slot = *slots.entry(t).or_insert_with(|| {
                found.push((t, 0));
                found.len() - 1
            });
            let w = &mut found[slot].1;
            if *w < cap {
                *w += weight;
            }
        }
    }
    for (t, w) in found {
        f(t, w);
    }
}

#[derive(Serialize)]
struct DocRow<'a>(&'a str, &'a str, &'a str, &'a str);

#[derive(Serialize)]
struct Meta<'a> {
    version: u32,
    docs: usize,
    chunk: usize,
    shards: Vec<&'a str>,
}

fn truncate(text: &str) -> &str {
    let text = text.trim();
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Human-readable byte count.
pub fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_vietnamese_diacritics() {
        assert_eq!(fold("Khởi động"), "khoi dong");
        assert_eq!(fold("ĐƯỜNG đi"), "duong di");
        assert_eq!(
            fold("Tiếng Việt, RuntimeDirectory=gunicorn"),
            "tieng viet, runtimedirectory=gunicorn"
        );
    }

    #[test]
    fn index_has_folded_terms_with_title_weight() {
        let docs = vec![
            Doc {
                url: "a.html".into(),
                page_title: "Khởi động dịch vụ".into(),
                heading: String::new(),
                text: "Chạy systemctl".into(),
            },
            Doc {
                url: "a.html#b".into(),
                page_title: "Khởi động dịch vụ".into(),
                heading: "Khác".into(),
                text: "khởi động lại".into(),
            },
        ];
        let idx = build(&docs);
        let kh = idx
            .files
            .iter()
            .find(|(p, _)| p == &format!("t/{}.js", hex("kh")))
            .unwrap();
        assert!(kh.1.contains("\"khoi\":[0,8,1,1]"), "{}", kh.1);
        assert!(idx.files.iter().any(|(p, _)| p == "meta.js"));
        assert_eq!(idx.stats.docs, 2);
    }
}
