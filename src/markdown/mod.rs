//! Markdown to HTML: CommonMark + GFM (tables, footnotes, strikethrough, task lists, alerts) via
//! pulldown-cmark, with docgen's additions: heading ids and anchors, a per-page table of
//! contents, admonitions, highlighted and annotated code blocks, `.md` links rewritten to
//! `.html` and recorded for checking. Pure: text in, HTML and findings out.
//!
//! Raw HTML in a page passes through as written: pages are written by the book's authors, who
//! are trusted like the templates. Values from outside the Markdown body (titles, front matter)
//! are escaped by the templates.

pub(crate) mod code;
mod diagram;
pub mod highlight;
pub(crate) mod include;
pub mod proof;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};

use docgen_core::diagnostic::Diagnostic;
use docgen_core::text::escape;
use include::SourceMap;

/// An entry of the page's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TocEntry {
    /// 1 to 6.
    pub level: u8,
    /// The heading's id (the anchor).
    pub id: String,
    /// The heading's text.
    pub title: String,
}

/// A stretch of a page under one heading, for the search index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// The heading's id; `None` for the text before the first heading.
    pub id: Option<String>,
    /// The heading's text (empty before the first heading).
    pub heading: String,
    /// 1 to 6; 0 before the first heading.
    pub level: u8,
    /// The section's plain text, code included.
    pub text: String,
}

/// A link found in the page, for checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    /// The destination as written.
    pub dest: String,
    /// Byte offset of the link in the page file.
    pub page_offset: usize,
    /// Length of the link's source text.
    pub len: usize,
}

/// The result of rendering one page body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The page's HTML.
    pub html: String,
    /// Headings of level 2 and 3, for the page's table of contents.
    pub toc: Vec<TocEntry>,
    /// The text of the first level-1 heading.
    pub first_heading: Option<String>,
    /// Every id an anchor can point at (headings, footnotes, raw HTML ids, code blocks).
    pub ids: HashSet<String>,
    /// Links to check.
    pub links: Vec<LinkRef>,
    /// The page's text split at headings, for search.
    pub sections: Vec<Section>,
    /// Problems found while rendering.
    pub diagnostics: Vec<Diagnostic>,
}

/// Translated labels used inside page bodies.
pub struct BodyLabels {
    /// "Copy".
    pub copy: &'static str,
    /// "Annotation".
    pub annotation: &'static str,
    /// The caption of a transcript: "Run in the lab".
    pub transcript: &'static str,
    /// The accessible name of a code block, before its title or language: "Code".
    pub code: &'static str,
    /// What the copy button announces once it has copied: "Copied".
    pub copied: &'static str,
    /// Before a variant's name in a transcript's caption.
    pub transcript_variant: &'static str,
    /// "Note", "Tip", "Important", "Warning", "Caution".
    pub admonitions: [&'static str; 5],
}

impl BodyLabels {
    /// The labels for a language code; English when docgen has no translation.
    pub fn for_language(lang: &str) -> &'static BodyLabels {
        static EN: BodyLabels = BodyLabels {
            copy: "Copy",
            annotation: "Annotation",
            transcript: "Run and checked in the lab",
            code: "Code",
            copied: "Copied",
            transcript_variant: "broken on purpose in variant",
            admonitions: ["Note", "Tip", "Important", "Warning", "Caution"],
        };
        static VI: BodyLabels = BodyLabels {
            copy: "Sao chép",
            annotation: "Chú thích",
            transcript: "Đã chạy và kiểm chứng trong bài thực hành",
            code: "Mã",
            copied: "Đã sao chép",
            transcript_variant: "cố ý làm hỏng ở biến thể",
            admonitions: ["Ghi chú", "Mẹo", "Quan trọng", "Cảnh báo", "Thận trọng"],
        };
        if docgen_core::lang::is(lang, "vi") {
            &VI
        } else {
            &EN
        }
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// What rendering a page needs from the book besides the page.
#[derive(Debug, Clone, Copy)]
pub struct BookContext<'a> {
    /// The labs' recorded results for the pages' transcripts and annotations.
    pub proofs: &'a proof::ProofIndex,
    /// `[output.html.code.hidelines]`: language → the prefix of its hidden lines.
    pub hidelines: &'a std::collections::BTreeMap<String, String>,
    /// `[output.html] smart-punctuation`: curly quotes, dashes and ellipses in text.
    pub smart_punctuation: bool,
}

/// Renders expanded Markdown. `map` leads offsets back to `page_text` (the page file) for
/// diagnostics about `display`; `book` is what else it reads.
pub fn render(
    md: &str,
    map: &SourceMap,
    page_text: &str,
    display: &Path,
    lang: &str,
    book: &BookContext<'_>,
) -> Rendered {
    let proofs = book.proofs;
    let labels = BodyLabels::for_language(lang);
    let events: Vec<(Event<'_>, std::ops::Range<usize>)> = Parser::new_ext(
        md,
        if book.smart_punctuation {
            options() | Options::ENABLE_SMART_PUNCTUATION
        } else {
            options()
        },
    )
    .into_offset_iter()
    .collect();
    let mut r = Rendered::default();
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut used_ids = Ids::default();
    let mut code_count = 0usize;
    // Positions in the page, looked up once per annotation and diagnostic: indexed once.
    let page_lines = docgen_core::diagnostic::Lines::new(page_text);
    let diag_at = |range: &std::ops::Range<usize>, msg: String, hint: &str| {
        let start = map.to_page(range.start);
        let first_line_len = md[range.clone()].split('\n').next().map_or(1, str::len);
        Diagnostic::error(display, msg)
            .at_offset_in(&page_lines, start, first_line_len)
            .with_hint(hint)
    };

    let mut i = 0;
    while i < events.len() {
        let (ev, range) = &events[i];
        match ev {
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                let end = find_end(&events, i);
                let inner: Vec<Event<'_>> = events[i + 1..end]
                    .iter()
                    .map(|(e, rg)| rewrite_link(e, rg, map, &mut r.links))
                    .collect();
                let text = plain_text(&inner);
                let base = match id {
                    Some(explicit) => explicit.to_string(),
                    None => slugify(&text),
                };
                let hid = unique_id(&base, &mut used_ids);
                let mut inner_html = String::new();
                pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
                let lvl = heading_number(*level);
                let class_attr = if classes.is_empty() {
                    String::new()
                } else {
                    let c: Vec<&str> = classes.iter().map(|c| c.as_ref()).collect();
                    format!(" class=\"{}\"", escape(&c.join(" ")))
                };
                out.push(Event::Html(CowStr::from(format!(
                    "<h{lvl} id=\"{id}\"{class_attr}>{inner_html}<a class=\"anchor\" href=\"#{id}\" aria-hidden=\"true\" tabindex=\"-1\"></a></h{lvl}>\n",
                    id = escape(&hid)
                ))));
                if lvl == 1 && r.first_heading.is_none() {
                    r.first_heading = Some(text.clone());
                }
                r.sections.push(Section {
                    id: Some(hid.clone()),
                    heading: text.clone(),
                    level: lvl,
                    text: String::new(),
                });
                if (2..=3).contains(&lvl) {
                    r.toc.push(TocEntry {
                        level: lvl,
                        id: hid.clone(),
                        title: text,
                    });
                }
                r.ids.insert(hid);
                i = end + 1;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = find_end(&events, i);
                let mut code = String::new();
                for (e, _) in &events[i + 1..end] {
                    if let Event::Text(t) = e {
                        code.push_str(t);
                    }
                }
                let info_str = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let info = match code::parse_info(&info_str) {
                    Ok(info) => info,
                    Err(msg) => {
                        r.diagnostics.push(diag_at(
                            range,
                            msg,
                            "write attributes as key=\"value\": ```ini title=\"gunicorn.service\" hl_lines=\"5-9\"",
                        ));
                        code::CodeInfo::default()
                    }
                };
                if matches!(info.lang.as_deref(), Some("diagram" | "svgbob")) {
                    out.push(Event::Html(CowStr::from(diagram::render(
                        &code,
                        info.title.as_deref(),
                    ))));
                    push_text(&mut r.sections, info.title.as_deref().unwrap_or(""));
                    i = end + 1;
                    continue;
                }
                code_count += 1;
                let block_id = unique_id(&format!("code-{code_count}"), &mut used_ids);
                let mut next = end + 1;
                let mut anns = Vec::new();
                let mut ann_lines = Vec::new();
                if info.annotations {
                    match events.get(next) {
                        Some((Event::Start(Tag::List(Some(_))), _)) => {
                            let list_end = find_end(&events, next);
                            let items = annotation_items(&events[next + 1..list_end]);
                            for (key, item_events, item_range) in items {
                                match key {
                                    Some(key) => {
                                        let mut html = String::new();
                                        pulldown_cmark::html::push_html(
                                            &mut html,
                                            item_events.into_iter(),
                                        );
                                        anns.push((code::Annotation { key, html }, item_range));
                                    }
                                    None => r.diagnostics.push(diag_at(
                                        &item_range,
                                        "an annotation must start with the text of the line it explains, in backticks".into(),
                                        "write the item as: 1. `User=maiviet`: why the service runs as this user",
                                    )),
                                }
                            }
                            let plain: Vec<code::Annotation> =
                                anns.iter().map(|(a, _)| a.clone()).collect();
                            match code::place_annotations(&code, &plain) {
                                Ok(lines) => ann_lines = lines,
                                Err(k) => {
                                    let (a, rg) = &anns[k];
                                    r.diagnostics.push(diag_at(
                                        rg,
                                        format!(
                                            "annotation {}: `{}` is in no line of the code block above",
                                            k + 1,
                                            a.key
                                        ),
                                        "an annotation starts with a piece of its line, in backticks; if the included file changed, update the annotation",
                                    ));
                                    anns.clear();
                                }
                            }
                            next = list_end + 1;
                        }
                        _ => r.diagnostics.push(diag_at(
                            range,
                            "this code block has the `annotations` flag but no numbered list follows it".into(),
                            "put the explanations in a numbered list right after the block: 1. `text of the line`: explanation",
                        )),
                    }
                }
                // The labs' word on this block: a transcript's stamp (and recorded output), an
                // annotation's claim; looked up by the page line of the fence or the item.
                let page_line = |offset: usize| page_lines.position(map.to_page(offset)).line;
                let mut block_extras = code::BlockExtras {
                    hidelines: info
                        .lang
                        .as_deref()
                        .and_then(|l| book.hidelines.get(l))
                        .cloned(),
                    ..code::BlockExtras::default()
                };
                if let Some(lab) = &info.lab {
                    let key = format!("{}:{}", display.display(), page_line(range.start));
                    let p = proofs.transcripts.get(&key);
                    let recorded = info.output.as_deref() == Some("recorded");
                    if recorded {
                        if let Some(p) = p {
                            code = proof::with_outputs(&code, &p.outputs);
                        }
                    }
                    block_extras.state = Some(proof::transcript_state(p));
                    block_extras.stamp = Some(proof::transcript_stamp(
                        lab,
                        p,
                        recorded,
                        info.variant.is_some(),
                        lang,
                    ));
                } else if let Some(why) = &info.not_run {
                    block_extras.stamp = Some(proof::not_run_note(why, lang));
                } else if info.server_only {
                    block_extras.stamp = Some(proof::server_only_note(lang).to_string());
                }
                for (_, rg) in &anns {
                    let key = format!("{}:{}", display.display(), page_line(rg.start));
                    let p = proofs.claims.get(&key);
                    block_extras
                        .claims
                        .push((proof::marker_class(p), proof::claim_html(p, lang)));
                }
                push_text(&mut r.sections, &code);
                let plain: Vec<code::Annotation> = anns.into_iter().map(|(a, _)| a).collect();
                let html = code::render(
                    &block_id,
                    &code,
                    &info,
                    &plain,
                    &ann_lines,
                    &code::CodeLabels {
                        copy: labels.copy,
                        annotation: labels.annotation,
                        transcript: labels.transcript,
                        transcript_variant: labels.transcript_variant,
                        code: labels.code,
                        copied: labels.copied,
                    },
                    &block_extras,
                );
                r.ids.insert(block_id);
                out.push(Event::Html(CowStr::from(html)));
                i = next;
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                let (class, idx) = admonition(*kind);
                out.push(Event::Html(CowStr::from(format!(
                    "<div class=\"admonition {class}\" role=\"note\"><p class=\"admonition-title\">{}</p>\n",
                    labels.admonitions[idx]
                ))));
                i += 1;
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                out.push(Event::Html(CowStr::from("</div>\n")));
                i += 1;
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                collect_html_ids(h, &mut r.ids);
                out.push(ev.clone());
                i += 1;
            }
            Event::Start(Tag::FootnoteDefinition(name)) => {
                r.ids.insert(name.to_string());
                out.push(ev.clone());
                i += 1;
            }
            // A table sits in a box that scrolls sideways when it is wider than the page; the
            // box is focusable so that a keyboard can scroll it (WCAG 2.1.1).
            Event::Start(Tag::Table(_)) => {
                out.push(Event::Html(CowStr::from(
                    "<div class=\"table-wrap\" tabindex=\"0\">",
                )));
                out.push(ev.clone());
                i += 1;
            }
            Event::End(TagEnd::Table) => {
                out.push(ev.clone());
                out.push(Event::Html(CowStr::from("</div>")));
                i += 1;
            }
            _ => {
                match ev {
                    Event::Text(t) | Event::Code(t) => push_text(&mut r.sections, t),
                    Event::SoftBreak | Event::HardBreak => push_text(&mut r.sections, " "),
                    Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                        push_text(&mut r.sections, " ")
                    }
                    _ => {}
                }
                out.push(rewrite_link(ev, range, map, &mut r.links));
                i += 1;
            }
        }
    }
    pulldown_cmark::html::push_html(&mut r.html, out.into_iter());
    r
}

fn push_text(sections: &mut Vec<Section>, t: &str) {
    if sections.is_empty() {
        sections.push(Section::default());
    }
    let s = sections.last_mut().expect("just pushed");
    s.text.push_str(t);
}

/// Splits a list's events into items: (the key from the first inline code, the rest, range).
#[allow(clippy::type_complexity)]
fn annotation_items<'a>(
    events: &[(Event<'a>, std::ops::Range<usize>)],
) -> Vec<(Option<String>, Vec<Event<'a>>, std::ops::Range<usize>)> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let (Event::Start(Tag::Item), range) = &events[i] {
            let end = find_end(events, i);
            let body = &events[i + 1..end];
            let mut key = None;
            let mut rest = Vec::new();
            let mut strip_sep = false;
            for (e, _) in body {
                if key.is_none() {
                    match e {
                        Event::Code(c) => {
                            key = Some(c.to_string());
                            strip_sep = true;
                            continue;
                        }
                        Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => continue,
                        Event::Text(t) if t.trim().is_empty() => continue,
                        _ => {}
                    }
                }
                if strip_sep {
                    strip_sep = false;
                    if let Event::Text(t) = e {
                        let s = t.trim_start_matches([':', '—', '–', '-', ' ']);
                        if !s.is_empty() {
                            rest.push(Event::Text(CowStr::from(s.to_string())));
                        }
                        continue;
                    }
                }
                rest.push(e.clone());
            }
            // Drop a trailing paragraph end whose start we skipped.
            let opens = rest
                .iter()
                .filter(|e| matches!(e, Event::Start(Tag::Paragraph)))
                .count();
            let closes = rest
                .iter()
                .filter(|e| matches!(e, Event::End(TagEnd::Paragraph)))
                .count();
            if closes > opens {
                if let Some(pos) = rest
                    .iter()
                    .position(|e| matches!(e, Event::End(TagEnd::Paragraph)))
                {
                    rest.remove(pos);
                }
            }
            items.push((key, rest, range.clone()));
            i = end + 1;
        } else {
            i += 1;
        }
    }
    items
}

/// The index of the `End` matching the `Start` at `start`.
fn find_end<T>(events: &[(Event<'_>, T)], start: usize) -> usize {
    let mut depth = 0usize;
    for (j, (e, _)) in events.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

fn rewrite_link<'a>(
    e: &Event<'a>,
    range: &std::ops::Range<usize>,
    map: &SourceMap,
    links: &mut Vec<LinkRef>,
) -> Event<'a> {
    match e {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            links.push(LinkRef {
                dest: dest_url.to_string(),
                page_offset: map.to_page(range.start),
                len: range.len(),
            });
            Event::Start(Tag::Link {
                link_type: *link_type,
                dest_url: CowStr::from(md_to_html(dest_url)),
                title: title.clone(),
                id: id.clone(),
            })
        }
        other => other.clone(),
    }
}

/// Whether a link leaves the book (has a scheme, or is protocol-relative).
pub fn is_external(dest: &str) -> bool {
    dest.starts_with("//")
        || dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
        })
}

/// `chapter.md#x` → `chapter.html#x`; `dir/README.md` → `dir/index.html`; others unchanged.
pub fn md_to_html(dest: &str) -> String {
    if is_external(dest) || dest.starts_with('#') {
        return dest.to_string();
    }
    let (path, frag) = match dest.find(['#', '?']) {
        Some(i) => dest.split_at(i),
        None => (dest, ""),
    };
    match path.strip_suffix(".md") {
        Some(stem) => {
            let stem = match stem.rsplit_once('/') {
                Some((dir, "README")) => format!("{dir}/index"),
                None if stem == "README" => "index".to_string(),
                _ => stem.to_string(),
            };
            format!("{stem}.html{frag}")
        }
        None => dest.to_string(),
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn admonition(kind: BlockQuoteKind) -> (&'static str, usize) {
    match kind {
        BlockQuoteKind::Note => ("note", 0),
        BlockQuoteKind::Tip => ("tip", 1),
        BlockQuoteKind::Important => ("important", 2),
        BlockQuoteKind::Warning => ("warning", 3),
        BlockQuoteKind::Caution => ("caution", 4),
    }
}

fn plain_text(events: &[Event<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.trim().to_string()
}

/// A heading's id: lower case, letters and digits kept (any script), spaces become `-`.
pub fn slugify(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            s.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            s.push('-');
        }
    }
    if s.is_empty() {
        "section".to_string()
    } else {
        s
    }
}

/// The ids a page has given out, and for each base the next suffix to try, so that a page
/// with the same heading a thousand times stays linear (`a`, `a-1`, `a-2`, ...).
#[derive(Default)]
struct Ids {
    used: HashSet<String>,
    next: HashMap<String, usize>,
}

fn unique_id(base: &str, ids: &mut Ids) -> String {
    if ids.used.insert(base.to_string()) {
        return base.to_string();
    }
    let n = ids.next.entry(base.to_string()).or_insert(1);
    loop {
        let candidate = format!("{base}-{n}");
        *n += 1;
        if ids.used.insert(candidate.clone()) {
            return candidate;
        }
    }
}

fn collect_html_ids(html: &str, ids: &mut HashSet<String>) {
    for attr in [" id=\"", " name=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                ids.insert(rest[..end].to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(md: &str) -> Rendered {
        render(
            md,
            &SourceMap::default(),
            md,
            Path::new("p.md"),
            "en",
            &BookContext {
                proofs: &proof::ProofIndex::default(),
                hidelines: &std::collections::BTreeMap::new(),
                smart_punctuation: false,
            },
        )
    }

    #[test]
    fn headings_get_ids_anchors_and_toc() {
        let out = r("# Title\n\n## Khởi động nhanh\n\n## Khởi động nhanh\n\n### Deep {#custom}\n");
        assert!(out.html.contains("<h2 id=\"khởi-động-nhanh\">"));
        assert!(out.html.contains("<h2 id=\"khởi-động-nhanh-1\">"));
        assert!(out.html.contains("<h3 id=\"custom\">"));
        assert_eq!(out.toc.len(), 3);
        assert_eq!(out.first_heading.as_deref(), Some("Title"));
    }

    #[test]
    fn admonitions_and_gfm() {
        let out = r("> [!WARNING]\n> Careful.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~ x[^1]\n\n[^1]: note\n");
        assert!(out.html.contains("<div class=\"admonition warning\""));
        assert!(out.html.contains("Warning</p>"));
        assert!(out.html.contains("<table>"));
        assert!(out.html.contains("checkbox"));
        assert!(out.html.contains("<del>old</del>"));
        assert!(out.html.contains("footnote"));
    }

    #[test]
    fn links_are_rewritten_and_recorded() {
        let out = r("[a](other.md#x) [b](dir/README.md) [c](https://example.invalid/x.md)\n");
        assert!(out.html.contains("href=\"other.html#x\""));
        assert!(out.html.contains("href=\"dir/index.html\""));
        assert!(out.html.contains("href=\"https://example.invalid/x.md\""));
        assert_eq!(out.links.len(), 3);
        assert_eq!(out.links[0].page_offset, 0);
    }

    #[test]
    fn annotated_block_keeps_code_exact() {
        let md = "```ini title=\"u.service\" annotations\n[Service]\nUser=maiviet\n```\n\n1. `User=maiviet`: the deploy user.\n";
        let out = r(md);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert!(out.html.contains("--ann-line:2"));
        assert!(out.html.contains("the deploy user."));
        assert!(
            !out.html.contains("<ol>"),
            "the list is consumed: {}",
            out.html
        );
        let code_start = out.html.find("<code").unwrap();
        let code_end = out.html.find("</code></pre>").unwrap();
        assert!(!out.html[code_start..code_end].contains("ann-marker"));
    }

    #[test]
    fn annotation_for_a_missing_line_is_an_error_at_the_item() {
        let md = "```ini annotations\nUser=a\n```\n\n1. `Group=b`: nope\n";
        let out = r(md);
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].line, 5);
        assert!(out.diagnostics[0]
            .message
            .contains("`Group=b` is in no line"));
    }
}
