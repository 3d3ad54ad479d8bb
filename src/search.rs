//! The client-side search index, built per language at build time.
//!
//! Text is folded the same way here and in `search.js`: lower case, Unicode NFD with the
//! combining marks dropped, `đ` → `d`. So `khoi dong` finds `khởi động`. The index is split so
//! that no reader downloads a large file before the first results: terms are sharded by their
//! first two folded characters (`t/<hex>.js`), section texts come in chunks of
//! [`DOCS_PER_CHUNK`] (`d/<n>.js`), and a small `meta.js` lists the shards. The files are
//! JavaScript (`docgenSearch.shard(...)`) rather than JSON so the search also works from
//! `file://`, where browsers refuse `fetch`.
//!
//! Building is split so it costs little on top of rendering: [`entries`] folds and splits one
//! page's sections (pure, run in parallel as pages render), and an [`Indexer`] takes pages in
//! reading order, writes each docs file as soon as it is full and keeps only the postings.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
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
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    /// The URL relative to the language root, with `#anchor` for a heading.
    pub url: &'a str,
    /// The page title.
    pub page_title: &'a str,
    /// The section's heading (empty for the top of the page).
    pub heading: &'a str,
    /// The section's text.
    pub text: &'a str,
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

/// One page's sections, ready to be added to an index: each section's row for the docs files
/// and its weighted terms. Made by [`entries`] (pure, so pages are prepared in parallel while
/// they render) and added in page order by [`Indexer::add`].
#[derive(Debug, Clone, Default)]
pub struct PageEntries {
    sections: Vec<SectionEntry>,
}

#[derive(Debug, Clone)]
struct SectionEntry {
    /// The section's row in a docs file, as JSON.
    row: String,
    /// The section's distinct terms, one after the other.
    terms: String,
    /// (end of the term in `terms`, weight), in first-seen order.
    ends: Vec<(u32, u32)>,
}

/// Folds and splits the sections of one page.
pub fn entries<'a>(docs: impl IntoIterator<Item = Doc<'a>>) -> PageEntries {
    let sections = docs
        .into_iter()
        .map(|doc| {
            let row = serde_json::to_string(&DocRow(
                doc.url,
                doc.page_title,
                doc.heading,
                truncate(doc.text),
            ))
            .expect("serializable");
            let mut terms = String::new();
            let mut ends = Vec::new();
            doc_terms(&doc, |t, w| {
                terms.push_str(t);
                ends.push((terms.len() as u32, w));
            });
            SectionEntry { row, terms, ends }
        })
        .collect();
    PageEntries { sections }
}

/// Builds the index of one language as pages arrive, in page order: section texts go out in
/// docs files as soon as a chunk is full, so only the postings (term → sections) stay in
/// memory until [`Indexer::finish`] writes the term shards and `meta.js`.
#[derive(Debug, Default)]
pub struct Indexer {
    /// term → [doc, weight, doc, weight, ...], docs ascending.
    postings: FxHashMap<String, Vec<u32>>,
    /// The docs file being filled: its rows so far, joined by commas.
    chunk: String,
    rows_in_chunk: usize,
    chunks_done: usize,
    docs: usize,
    stats: IndexStats,
}

impl Indexer {
    /// An empty index.
    pub fn new() -> Indexer {
        Indexer::default()
    }

    /// Adds one page's sections; `emit` gets each finished file (path relative to
    /// `search/<lang>/`, content).
    pub fn add(
        &mut self,
        page: &PageEntries,
        emit: &mut dyn FnMut(String, String) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        for sec in &page.sections {
            let id = self.docs as u32;
            self.docs += 1;
            let mut start = 0;
            for &(end, w) in &sec.ends {
                let t = &sec.terms[start..end as usize];
                start = end as usize;
                match self.postings.get_mut(t) {
                    Some(v) => v.extend([id, w]),
                    None => {
                        self.postings.insert(t.to_string(), vec![id, w]);
                    }
                }
            }
            if self.rows_in_chunk > 0 {
                self.chunk.push(',');
            }
            self.chunk.push_str(&sec.row);
            self.rows_in_chunk += 1;
            if self.rows_in_chunk == DOCS_PER_CHUNK {
                self.flush_chunk(emit)?;
            }
        }
        Ok(())
    }

    fn flush_chunk(
        &mut self,
        emit: &mut dyn FnMut(String, String) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let n = self.chunks_done;
        let content = format!("docgenSearch.docs({n},[{}]);\n", self.chunk);
        self.chunk.clear();
        self.rows_in_chunk = 0;
        self.chunks_done += 1;
        self.emit(format!("d/{n}.js"), content, emit)
    }

    fn emit(
        &mut self,
        path: String,
        content: String,
        emit: &mut dyn FnMut(String, String) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.stats.files += 1;
        self.stats.bytes += content.len();
        self.stats.largest = self.stats.largest.max(content.len());
        emit(path, content)
    }

    /// Writes the last docs file, the term shards and `meta.js`; returns the index's sizes.
    pub fn finish(
        mut self,
        emit: &mut dyn FnMut(String, String) -> anyhow::Result<()>,
    ) -> anyhow::Result<IndexStats> {
        if self.rows_in_chunk > 0 {
            self.flush_chunk(emit)?;
        }
        let postings = std::mem::take(&mut self.postings);
        let mut terms: Vec<(String, Vec<u32>)> = postings.into_iter().collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Sorted terms with the same first two characters are next to each other.
        let mut keys = Vec::new();
        let mut rest = terms.as_slice();
        while let Some((first, _)) = rest.first() {
            let key = shard_key(first);
            let n = rest
                .iter()
                .position(|(t, _)| !t.starts_with(key.as_str()))
                .unwrap_or(rest.len());
            let (shard, tail) = rest.split_at(n);
            rest = tail;
            let map: BTreeMap<&str, &[u32]> = shard
                .iter()
                .map(|(t, v)| (t.as_str(), v.as_slice()))
                .collect();
            let json = serde_json::to_string(&map).expect("serializable");
            let key_json = serde_json::to_string(&key).expect("serializable");
            self.emit(
                format!("t/{}.js", hex(&key)),
                format!("docgenSearch.shard({key_json},{json});\n"),
                emit,
            )?;
            keys.push(key);
        }
        let meta = Meta {
            version: 1,
            docs: self.docs,
            chunk: DOCS_PER_CHUNK,
            shards: keys.iter().map(String::as_str).collect(),
        };
        self.emit(
            "meta.js".to_string(),
            format!(
                "docgenSearch.meta({});\n",
                serde_json::to_string(&meta).expect("serializable")
            ),
            emit,
        )?;
        self.stats.docs = self.docs;
        self.stats.terms = terms.len();
        Ok(self.stats)
    }
}

/// Calls `f` with each term of one section and its weight, each term once, in first-seen order.
fn doc_terms(doc: &Doc<'_>, mut f: impl FnMut(&str, u32)) {
    let (head, weight, cap) = if doc.heading.is_empty() || doc.heading == doc.page_title {
        (fold(doc.page_title), W_TITLE, W_TITLE)
    } else {
        (fold(doc.heading), W_HEADING, W_HEADING + W_TITLE)
    };
    let body = fold(doc.text);
    let parts = [
        (head.as_str(), weight, cap),
        (
            body.as_str(),
            W_BODY,
            W_BODY * MAX_BODY_COUNT + W_HEADING + W_TITLE,
        ),
    ];
    let mut slots: FxHashMap<&str, usize> = FxHashMap::default();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The index files of one language, and their sizes.
    #[derive(Debug, Clone, Default)]
    struct SearchIndex {
        /// Path (relative to `search/<lang>/`) → content.
        files: Vec<(String, String)>,
        /// Sizes, for the build report.
        stats: IndexStats,
    }

    /// Builds the whole index of one language at once (the same files as an [`Indexer`] fed page
    /// by page).
    fn build(docs: &[Doc<'_>]) -> SearchIndex {
        let mut files = Vec::new();
        let mut emit = |path: String, content: String| -> anyhow::Result<()> {
            files.push((path, content));
            Ok(())
        };
        let mut indexer = Indexer::new();
        indexer
            .add(&entries(docs.iter().copied()), &mut emit)
            .expect("collecting cannot fail");
        let stats = indexer.finish(&mut emit).expect("collecting cannot fail");
        SearchIndex { files, stats }
    }

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
                url: "a.html",
                page_title: "Khởi động dịch vụ",
                heading: "",
                text: "Chạy systemctl",
            },
            Doc {
                url: "a.html#b",
                page_title: "Khởi động dịch vụ",
                heading: "Khác",
                text: "khởi động lại",
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

    #[test]
    fn pages_added_one_by_one_fill_docs_files_in_order() {
        // 3 pages of 150, 100 and 1 sections: the docs files cut at DOCS_PER_CHUNK across page
        // boundaries, and a term's postings list sections in order.
        let mut files = Vec::new();
        let mut emit = |p: String, c: String| -> anyhow::Result<()> {
            files.push((p, c));
            Ok(())
        };
        let mut indexer = Indexer::new();
        for (page, n) in [150, 100, 1].into_iter().enumerate() {
            let urls: Vec<String> = (0..n).map(|i| format!("p{page}-{i}.html")).collect();
            let docs = urls.iter().map(|u| Doc {
                url: u,
                page_title: "Title",
                heading: "",
                text: "gunicorn",
            });
            indexer.add(&entries(docs), &mut emit).unwrap();
        }
        let stats = indexer.finish(&mut emit).unwrap();
        assert_eq!(stats.docs, 251);
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(&names[..2], ["d/0.js", "d/1.js"]);
        assert_eq!(files[0].1.matches("\"Title\"").count(), DOCS_PER_CHUNK);
        assert!(files[1].1.starts_with("docgenSearch.docs(1,["));
        assert_eq!(files[1].1.matches("\"Title\"").count(), 51);
        let gu = &files.iter().find(|(p, _)| p == "t/6775.js").unwrap().1;
        let start = gu.find("\"gunicorn\":[").unwrap() + "\"gunicorn\":[".len();
        let list: Vec<u32> = gu[start..gu[start..].find(']').unwrap() + start]
            .split(',')
            .map(|n| n.parse().unwrap())
            .collect();
        let ids: Vec<u32> = list.chunks(2).map(|c| c[0]).collect();
        assert_eq!(ids, (0..251).collect::<Vec<u32>>());
        assert_eq!(files.last().unwrap().0, "meta.js");
    }
}
