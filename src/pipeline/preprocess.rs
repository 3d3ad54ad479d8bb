//! mdBook preprocessors: the `[preprocessor.NAME]` tables of book.toml, run with mdBook's
//! protocol so a book's own and third-party preprocessors (admonish, mermaid, katex ...) work
//! unchanged.
//!
//! The protocol, written here from mdBook's documented format:
//! - `COMMAND supports html` first: exit 0 means it runs for the HTML output, anything else
//!   that it is skipped; a command that cannot be found is an error, or a warning when the
//!   table says `optional = true`.
//! - Then `COMMAND` with `[context, book]` as JSON on stdin; it prints the book on stdout. The
//!   context is the book root, book.toml as JSON, the renderer (`html`) and a version. The book
//!   is a tree of items: `{"Chapter": {name, content, number, sub_items, path, source_path,
//!   parent_names}}`, `"Separator"` or `{"PartTitle": "..."}`, under `items` (mdBook 0.5) and
//!   `sections` (0.4), so preprocessors built on either read it; either comes back.
//!
//! The order is mdBook's: `before` and `after` constraints over every preprocessor, the built-in
//! `links` (docgen's include expansion) and `index` included, ties broken by name. A preprocessor
//! after `links` sees the chapters with their includes expanded. What a preprocessor returns
//! for a chapter (matched by its source path) is the text docgen renders; titles and the
//! chapter tree stay SUMMARY.md's.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use docgen_core::diagnostic::{Diagnostic, Diagnostics};
use serde_json::{json, Value};

use super::labs::{Ctx, LabIndex};
use super::load::LangSources;
use crate::markdown::include;
use crate::nav::Nav;
use crate::project::Project;

/// The mdBook version whose book format docgen speaks.
const MDBOOK_FORMAT: &str = "0.5.4";

/// One `[preprocessor.NAME]` table that names a program to run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct External {
    name: String,
    command: String,
    renderers: Option<Vec<String>>,
    before: Vec<String>,
    after: Vec<String>,
    optional: bool,
}

/// One step of the chain, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// docgen's own include expansion, mdBook's `links`.
    Links,
    /// mdBook's `index`: README.md chapters are `index.md`.
    Index,
    /// A program.
    Run(External),
}

/// The preprocessors book.toml declares, and the whole book.toml as JSON for their context.
fn declared(table: &toml::Table) -> (Vec<External>, Value) {
    let mut config = serde_json::to_value(table).unwrap_or_else(|_| json!({}));
    // mdBook's defaults, for preprocessors that read them.
    if let Some(book) = config.get_mut("book").and_then(Value::as_object_mut) {
        book.entry("src").or_insert_with(|| json!("src"));
    } else if let Some(obj) = config.as_object_mut() {
        obj.insert("book".into(), json!({ "src": "src" }));
    }
    let mut out = Vec::new();
    if let Some(pre) = table.get("preprocessor").and_then(toml::Value::as_table) {
        for (name, v) in pre {
            if name == "links" || name == "index" {
                continue;
            }
            let t = v.as_table().cloned().unwrap_or_default();
            let strings = |k: &str| -> Vec<String> {
                t.get(k)
                    .and_then(toml::Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            out.push(External {
                name: name.clone(),
                command: t
                    .get("command")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("mdbook-{name}")),
                renderers: t.get("renderers").map(|_| strings("renderers")),
                before: strings("before"),
                after: strings("after"),
                optional: t
                    .get("optional")
                    .and_then(toml::Value::as_bool)
                    .unwrap_or(false),
            });
        }
    }
    (out, config)
}

/// mdBook's order: `before`/`after` over every preprocessor (built-ins included), then by
/// name. A cycle is an error naming the preprocessors in it.
fn order(externals: &[External], builtins: bool) -> Result<Vec<Step>, String> {
    let mut steps: BTreeMap<String, Step> = BTreeMap::new();
    if builtins {
        steps.insert("links".into(), Step::Links);
        steps.insert("index".into(), Step::Index);
    }
    for e in externals {
        steps.insert(e.name.clone(), Step::Run(e.clone()));
    }
    // Each constraint as (first, then), between preprocessors that exist.
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    for e in externals {
        for b in &e.before {
            edges.insert((e.name.clone(), b.clone()));
        }
        for a in &e.after {
            edges.insert((a.clone(), e.name.clone()));
        }
    }
    edges.retain(|(a, b)| steps.contains_key(a) && steps.contains_key(b));
    let mut waiting: BTreeMap<String, usize> = steps.keys().map(|k| (k.clone(), 0)).collect();
    for (_, b) in &edges {
        *waiting.get_mut(b).expect("known") += 1;
    }
    let mut ready: BTreeSet<String> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| k.clone())
        .collect();
    let mut out = Vec::new();
    while let Some(name) = ready.pop_first() {
        out.push(steps[&name].clone());
        for (_, n) in edges.iter().filter(|(a, _)| *a == name) {
            let w = waiting.get_mut(n).expect("known");
            *w -= 1;
            if *w == 0 {
                ready.insert(n.clone());
            }
        }
        waiting.remove(&name);
    }
    if waiting.is_empty() {
        Ok(out)
    } else {
        let names: Vec<&str> = waiting.keys().map(String::as_str).collect();
        Err(format!(
            "the `before`/`after` of preprocessors {} form a cycle",
            names.join(", ")
        ))
    }
}

/// `"1.2."` → `[1, 2]`.
fn section_number(n: &str) -> Value {
    let parts: Vec<u32> = n.split('.').filter_map(|x| x.parse().ok()).collect();
    json!(parts)
}

/// The language's chapters as mdBook's book JSON: the SUMMARY tree with each chapter's text.
fn book_json(nav: &Nav, texts: &HashMap<usize, String>) -> Value {
    fn chapter(nav: &Nav, i: usize, parents: &[String], texts: &HashMap<usize, String>) -> Value {
        let c = &nav.chapters[i];
        let mut subs = Vec::new();
        let mut j = i + 1;
        let mut names = parents.to_vec();
        names.push(c.title.clone());
        while j < nav.chapters.len() && nav.chapters[j].depth > c.depth {
            if nav.chapters[j].depth == c.depth + 1 {
                subs.push(chapter(nav, j, &names, texts));
            }
            j += 1;
        }
        let path = c
            .source
            .as_ref()
            .map(|p| p.to_string_lossy().replace('\\', "/"));
        json!({ "Chapter": {
            "name": c.title,
            "content": texts.get(&i).cloned().unwrap_or_default(),
            "number": c.number.as_deref().map(section_number),
            "sub_items": subs,
            "path": path,
            "source_path": path,
            "parent_names": parents,
        }})
    }
    let mut items = Vec::new();
    for entry in &nav.entries {
        match entry {
            crate::nav::NavEntry::Chapter(i) if nav.chapters[*i].depth == 0 => {
                items.push(chapter(nav, *i, &[], texts));
            }
            crate::nav::NavEntry::Chapter(_) => {}
            crate::nav::NavEntry::Part(t) => items.push(json!({ "PartTitle": t })),
            crate::nav::NavEntry::Separator => items.push(json!("Separator")),
        }
    }
    json!({ "items": items, "sections": items, "__non_exhaustive": null })
}

/// The book a preprocessor returned, as one tree under both names again: the one it changed
/// (a preprocessor built on mdBook 0.4 edits `sections`, one on 0.5 `items`).
fn one_tree(sent: &Value, mut got: Value) -> Value {
    let changed = |key: &str| got.get(key).is_some() && got.get(key) != sent.get(key);
    let key = if changed("items") {
        "items"
    } else if changed("sections") {
        "sections"
    } else if got.get("items").is_some() {
        "items"
    } else {
        "sections"
    };
    let tree = got
        .get_mut(key)
        .map(Value::take)
        .unwrap_or_else(|| json!([]));
    json!({ "items": tree, "sections": tree, "__non_exhaustive": null })
}

/// Every chapter of a returned book: `(source path, content)`.
fn chapters_of(book: &Value, out: &mut Vec<(String, String)>) {
    let items = book
        .get("items")
        .or_else(|| book.get("sections"))
        .or_else(|| book.get("sub_items"))
        .and_then(Value::as_array);
    for item in items.into_iter().flatten() {
        let Some(c) = item.get("Chapter") else {
            continue;
        };
        let path = c
            .get("source_path")
            .and_then(Value::as_str)
            .or_else(|| c.get("path").and_then(Value::as_str));
        if let (Some(p), Some(content)) = (path, c.get("content").and_then(Value::as_str)) {
            out.push((p.to_string(), content.to_string()));
        }
        chapters_of(c, out);
    }
}

/// Applies `f` to every chapter's content and path in a book JSON.
fn for_each_chapter(book: &mut Value, f: &mut dyn FnMut(&mut serde_json::Map<String, Value>)) {
    for key in ["items", "sections", "sub_items"] {
        if let Some(items) = book.get_mut(key).and_then(Value::as_array_mut) {
            for item in items {
                if let Some(c) = item.get_mut("Chapter").and_then(Value::as_object_mut) {
                    f(c);
                    let mut inner = Value::Object(std::mem::take(c));
                    for_each_chapter(&mut inner, f);
                    if let Value::Object(m) = inner {
                        *c = m;
                    }
                }
            }
        }
    }
}

/// Runs `sh -c COMMAND` in the book root; `Ok(None)` when the command cannot be found.
fn shell(
    root: &Path,
    command: &str,
    stdin: Option<&[u8]>,
) -> anyhow::Result<Option<std::process::Output>> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(root)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start `sh -c {command}`"))?;
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("piped");
        let bytes = bytes.to_vec();
        // Written from a thread: a preprocessor that prints before reading all of its input
        // must not deadlock against us.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let out = child.wait_with_output()?;
    // sh's "command not found".
    if out.status.code() == Some(127) {
        return Ok(None);
    }
    Ok(Some(out))
}

fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs the book's preprocessors over one language's chapters and puts what they return into
/// its pages. Problems are diagnostics on book.toml; a failing preprocessor stops the build.
pub(crate) fn run(
    project: &Project,
    sources: &mut LangSources,
    labs: &LabIndex,
    lang: &str,
    diagnostics: &mut Diagnostics,
) -> anyhow::Result<()> {
    let root = &project.root;
    let (externals, config) = declared(&project.raw);
    if externals.is_empty() {
        return Ok(());
    }
    let toml_display = PathBuf::from("book.toml");
    let builtins = config
        .pointer("/build/use-default-preprocessors")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let steps = match order(&externals, builtins) {
        Ok(s) => s,
        Err(msg) => {
            diagnostics.push(Diagnostic::error(&toml_display, msg).with_hint(
                "`before = [\"x\"]` runs this preprocessor before x, `after = [\"x\"]` after it",
            ));
            return Ok(());
        }
    };
    // Chapter index → its page's body, and source path → chapter index.
    let mut texts: HashMap<usize, String> = HashMap::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    for (i, page) in &sources.jobs {
        texts.insert(*i, page.body().to_string());
        by_path.insert(page.rel.to_string_lossy().replace('\\', "/"), *i);
    }
    let mut book = book_json(&sources.nav, &texts);
    let context = json!({
        "root": root,
        "config": config,
        "renderer": "html",
        "mdbook_version": MDBOOK_FORMAT,
    });
    for step in steps {
        match step {
            Step::Index => for_each_chapter(&mut book, &mut |c| {
                let is_readme = c.get("path").and_then(Value::as_str).is_some_and(|p| {
                    Path::new(p)
                        .file_name()
                        .is_some_and(|f| f.eq_ignore_ascii_case("README.md"))
                });
                if is_readme {
                    let p = c["path"].as_str().unwrap_or_default().to_string();
                    let new = Path::new(&p).with_file_name("index.md");
                    c.insert("path".into(), json!(new.to_string_lossy()));
                }
            }),
            Step::Links => {
                let ctx = Ctx { labs, lang };
                for_each_chapter(&mut book, &mut |c| {
                    let Some(src) = c.get("source_path").and_then(Value::as_str) else {
                        return;
                    };
                    let Some(content) = c.get("content").and_then(Value::as_str) else {
                        return;
                    };
                    if !content.contains("{{#") {
                        return;
                    }
                    let file = sources.tree.dir.join(src);
                    let e = include::expand(content, 0, content, &file, Path::new(src), &ctx);
                    c.insert("content".into(), json!(e.text));
                });
            }
            Step::Run(p) => {
                if p.renderers
                    .as_ref()
                    .is_some_and(|r| !r.iter().any(|x| x == "html"))
                {
                    continue;
                }
                let Some(check) = shell(root, &format!("{} supports html", p.command), None)?
                else {
                    let msg = format!(
                        "preprocessor `{}`: its command `{}` was not found",
                        p.name, p.command
                    );
                    if p.optional {
                        diagnostics.push(Diagnostic::warning(
                            &toml_display,
                            format!("{msg}; it is optional, so the book builds without it"),
                        ));
                    } else {
                        diagnostics.push(Diagnostic::error(&toml_display, msg).with_hint(
                            "install it, set `command = \"...\"` in its [preprocessor] table, or add `optional = true`",
                        ));
                    }
                    continue;
                };
                if !check.status.success() {
                    continue;
                }
                let input = serde_json::to_vec(&json!([context, book]))?;
                let Some(out) = shell(root, &p.command, Some(&input))? else {
                    continue;
                };
                if !out.status.success() {
                    diagnostics.push(
                        Diagnostic::error(
                            &toml_display,
                            format!(
                                "preprocessor `{}` failed ({}); its last output:\n{}",
                                p.name,
                                out.status,
                                last_lines(&out.stderr, 20)
                            ),
                        )
                        .with_hint("the preprocessor's own message is above; fix it or remove its [preprocessor] table"),
                    );
                    return Ok(());
                }
                match serde_json::from_slice::<Value>(&out.stdout) {
                    Ok(v) if v.get("items").is_some() || v.get("sections").is_some() => {
                        book = one_tree(&book, v);
                    }
                    Ok(_) | Err(_) => {
                        diagnostics.push(Diagnostic::error(
                            &toml_display,
                            format!(
                                "preprocessor `{}` did not print a book as JSON on stdout (it printed: {})",
                                p.name,
                                last_lines(&out.stdout, 3)
                            ),
                        ));
                        return Ok(());
                    }
                }
            }
        }
    }
    let mut returned = Vec::new();
    chapters_of(&book, &mut returned);
    for (path, content) in returned {
        let Some(i) = by_path.get(&path) else {
            continue;
        };
        if let Some((_, page)) = sources.jobs.iter_mut().find(|(j, _)| j == i) {
            if page.body() != content {
                page.text = format!("{}{content}", &page.text[..page.body_start]);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(name: &str, before: &[&str], after: &[&str]) -> External {
        External {
            name: name.into(),
            command: format!("mdbook-{name}"),
            renderers: None,
            before: before.iter().map(|s| s.to_string()).collect(),
            after: after.iter().map(|s| s.to_string()).collect(),
            optional: false,
        }
    }

    fn names(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                Step::Links => "links".to_string(),
                Step::Index => "index".to_string(),
                Step::Run(e) => e.name.clone(),
            })
            .collect()
    }

    #[test]
    fn order_follows_before_and_after_then_names() {
        let steps = order(&[ext("zeta", &[], &[]), ext("admonish", &[], &[])], true).unwrap();
        assert_eq!(names(&steps), ["admonish", "index", "links", "zeta"]);
        let steps = order(
            &[
                ext("zeta", &["admonish"], &[]),
                ext("admonish", &[], &["links"]),
            ],
            true,
        )
        .unwrap();
        assert_eq!(names(&steps), ["index", "links", "zeta", "admonish"]);
        let err = order(&[ext("a", &["b"], &[]), ext("b", &["a"], &[])], false).unwrap_err();
        assert!(err.contains("a, b form a cycle"), "{err}");
    }

    #[test]
    fn the_book_json_is_the_summary_tree_and_comes_back_by_source_path() {
        let nav = Nav {
            chapters: vec![
                crate::nav::Chapter {
                    title: "One".into(),
                    number: Some("1.".into()),
                    depth: 0,
                    source: Some("one.md".into()),
                    summary_line: 1,
                },
                crate::nav::Chapter {
                    title: "Sub".into(),
                    number: Some("1.1.".into()),
                    depth: 1,
                    source: Some("one/sub.md".into()),
                    summary_line: 2,
                },
            ],
            entries: vec![
                crate::nav::NavEntry::Chapter(0),
                crate::nav::NavEntry::Chapter(1),
                crate::nav::NavEntry::Separator,
            ],
        };
        let texts = HashMap::from([(0, "# One\n".to_string()), (1, "# Sub\n".to_string())]);
        let book = book_json(&nav, &texts);
        let sub = &book["items"][0]["Chapter"]["sub_items"][0]["Chapter"];
        assert_eq!(sub["number"], json!([1, 1]));
        assert_eq!(sub["parent_names"], json!(["One"]));
        assert_eq!(book["items"][1], json!("Separator"));
        assert_eq!(book["sections"], book["items"], "mdBook 0.4's name too");
        let mut got = Vec::new();
        chapters_of(&book, &mut got);
        assert_eq!(
            got,
            [
                ("one.md".to_string(), "# One\n".to_string()),
                ("one/sub.md".to_string(), "# Sub\n".to_string())
            ]
        );
    }
}
