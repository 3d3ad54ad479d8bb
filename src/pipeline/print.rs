//! The print page (every chapter of a language on one page), written as the chapters are
//! rendered so the whole book is never held in memory: the template is rendered once with a
//! marker in place of each chapter's content, and each chapter is written between the pieces as
//! soon as it exists. A template that does not output each marker once, in order (a custom
//! theme may do anything), gets the chapters' real content at the end instead.

use std::io::Write;

use serde::Serialize;

use crate::output::{Content, Output};
use crate::template::Templates;

/// A print page being written.
pub(crate) struct PrintPage {
    path: String,
    mode: Mode,
}

enum Mode {
    /// Markers found in order: the pieces not yet written, and where the page goes.
    Streaming {
        pieces: std::vec::IntoIter<String>,
        sink: Sink,
    },
    /// The template rearranges chapters: keep (title, content) and render at the end.
    Collecting {
        ctx: tera::Context,
        chapters: Vec<(String, String)>,
    },
}

enum Sink {
    Discard,
    Memory(Vec<u8>),
    File(Box<std::io::BufWriter<std::fs::File>>, std::path::PathBuf),
}

#[derive(Serialize)]
struct PrintChapter<'a> {
    title: &'a str,
    content: &'a str,
}

fn marker(i: usize) -> String {
    format!("\u{1}docgen-print-chapter-{i}\u{1}")
}

impl PrintPage {
    /// Starts the print page at `path` for `count` chapters.
    pub(crate) fn start(
        templates: &Templates,
        ctx: tera::Context,
        path: String,
        count: usize,
        output: &Output,
    ) -> anyhow::Result<PrintPage> {
        // Titles are known only once chapters render: a template that shows them gets the
        // collecting mode.
        let titles: Vec<String> = (0..count).map(|i| format!("\u{2}{i}\u{2}")).collect();
        let markers: Vec<String> = (0..count).map(marker).collect();
        let chapters: Vec<PrintChapter> = titles
            .iter()
            .zip(&markers)
            .map(|(title, m)| PrintChapter { title, content: m })
            .collect();
        let mut with = ctx.clone();
        with.insert("chapters", &chapters);
        let skeleton = templates.render("print.html", &with)?;
        let mut pieces = Vec::with_capacity(markers.len() + 1);
        let mut rest = skeleton.as_str();
        for m in &markers {
            match rest.split_once(m.as_str()) {
                Some((before, after)) => {
                    pieces.push(before.to_string());
                    rest = after;
                }
                None => break,
            }
        }
        let in_order = pieces.len() == markers.len() && !rest.contains('\u{1}');
        let mode = if in_order && !skeleton.contains('\u{2}') {
            pieces.push(rest.to_string());
            let mut sink = if output.is_discarding() {
                Sink::Discard
            } else {
                match output.staging_path(&path)? {
                    Some(dest) => Sink::File(
                        Box::new(std::io::BufWriter::new(std::fs::File::create(&dest)?)),
                        dest,
                    ),
                    None => Sink::Memory(Vec::new()),
                }
            };
            let mut pieces = pieces.into_iter();
            sink.write(pieces.next().unwrap_or_default().as_bytes())?;
            Mode::Streaming { pieces, sink }
        } else {
            Mode::Collecting {
                ctx,
                chapters: Vec::with_capacity(count),
            }
        };
        Ok(PrintPage { path, mode })
    }

    /// Adds the next chapter.
    pub(crate) fn push(&mut self, title: &str, content: &str) -> anyhow::Result<()> {
        match &mut self.mode {
            Mode::Streaming { pieces, sink } => {
                sink.write(content.as_bytes())?;
                if let Some(next) = pieces.next() {
                    sink.write(next.as_bytes())?;
                }
            }
            Mode::Collecting { chapters, .. } => {
                chapters.push((title.to_string(), content.to_string()));
            }
        }
        Ok(())
    }

    /// Finishes the page (after the last chapter) and adds it to the output.
    pub(crate) fn finish(self, templates: &Templates, output: &mut Output) -> anyhow::Result<()> {
        let content = match self.mode {
            Mode::Streaming { mut pieces, sink } => {
                // Chapters that failed to render leave their pieces: the rest of the page.
                let mut sink = sink;
                for rest in pieces.by_ref() {
                    sink.write(rest.as_bytes())?;
                }
                match sink {
                    Sink::Discard => Content::Bytes(Vec::new()),
                    Sink::Memory(bytes) => Content::Bytes(bytes),
                    Sink::File(mut f, dest) => {
                        f.flush()?;
                        Content::Copy(dest)
                    }
                }
            }
            Mode::Collecting { mut ctx, chapters } => {
                let list: Vec<PrintChapter> = chapters
                    .iter()
                    .map(|(title, content)| PrintChapter { title, content })
                    .collect();
                ctx.insert("chapters", &list);
                let html = templates.render("print.html", &ctx)?;
                output.stash(&self.path, html.into_bytes())?
            }
        };
        output.put(self.path, content);
        Ok(())
    }
}

impl Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Discard => Ok(()),
            Sink::Memory(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
            Sink::File(f, _) => f.write_all(bytes),
        }
    }
}
