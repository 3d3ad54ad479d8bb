//! The files made from every page of a language at once: its print page and its search index.
//! A build feeds them page by page, in reading order, as pages render ([`BookFiles`]). `serve`
//! instead publishes a rebuilt site's pages first and makes these right after, from the pages
//! it already holds ([`WholeBook`]): the edited page is on screen without waiting for the
//! search index of the whole book, and a request for the print page or the index in the
//! meantime waits for them (see [`Later`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cache::CachedPage;
use super::load::Language;
use super::print::PrintPage;
use crate::output::{Later, Output};
use crate::search;
use crate::template::Templates;

/// One language's print page and search index being made.
pub(crate) struct BookFiles {
    code: String,
    print: Option<PrintPage>,
    indexer: search::Indexer,
    /// Search files made so far (path in the site, content), to add to the output at the end.
    search_files: Vec<(String, crate::output::Content)>,
}

impl BookFiles {
    /// Starts the files of `lang` for `count` pages; `print` is the print template's context,
    /// `None` when the print page is off.
    pub(crate) fn start(
        templates: &Templates,
        print: Option<tera::Context>,
        lang: &Language,
        count: usize,
        output: &Output,
    ) -> anyhow::Result<BookFiles> {
        let print = match print {
            Some(ctx) => Some(PrintPage::start(
                templates,
                ctx,
                format!("{}print.html", lang.prefix),
                count,
                output,
            )?),
            None => None,
        };
        Ok(BookFiles {
            code: lang.code.clone(),
            print,
            indexer: search::Indexer::new(),
            search_files: Vec::new(),
        })
    }

    /// Adds the next page in reading order.
    pub(crate) fn push(&mut self, page: &CachedPage, output: &Output) -> anyhow::Result<()> {
        if let Some(print) = &mut self.print {
            print.push(&page.title, &page.rendered.html)?;
        }
        let (code, files) = (&self.code, &mut self.search_files);
        self.indexer.add(&page.search, &mut |path, content| {
            search_file(code, path, content, output, files)
        })
    }

    /// Finishes both and adds them to `output`; returns the search index's sizes.
    pub(crate) fn finish(
        self,
        templates: &Templates,
        output: &mut Output,
    ) -> anyhow::Result<search::IndexStats> {
        let BookFiles {
            code,
            print,
            indexer,
            mut search_files,
        } = self;
        let stats = indexer.finish(&mut |path, content| {
            search_file(&code, path, content, output, &mut search_files)
        })?;
        for (path, content) in search_files {
            output.put(path, content);
        }
        if let Some(print) = print {
            print.finish(templates, output)?;
        }
        Ok(stats)
    }
}

fn search_file(
    code: &str,
    path: String,
    content: String,
    output: &Output,
    files: &mut Vec<(String, crate::output::Content)>,
) -> anyhow::Result<()> {
    let path = format!("search/{code}/{path}");
    let content = output.stash(&path, content.into_bytes())?;
    files.push((path, content));
    Ok(())
}

/// The paths of one language's print page and search index.
pub(crate) fn covered(lang: &Language, print: bool) -> Vec<String> {
    let mut paths = vec![format!("search/{}/", lang.code)];
    if print {
        paths.push(format!("{}print.html", lang.prefix));
    }
    paths
}

/// One language's pages, kept to make its print page and search index after publishing.
pub(crate) struct Deferred {
    pub(crate) lang: Language,
    pub(crate) print: Option<tera::Context>,
    pub(crate) pages: Vec<Arc<CachedPage>>,
}

/// The print pages and search indexes of a site whose pages are already built (what
/// [`super::build_pages_first`] leaves to do). Dropping it unfinished tells readers waiting for
/// these files that they will not come.
pub struct WholeBook {
    templates: Templates,
    langs: Vec<Deferred>,
    later: Arc<Later>,
}

impl std::fmt::Debug for WholeBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WholeBook")
            .field("languages", &self.langs.len())
            .field("later", &self.later)
            .finish()
    }
}

impl WholeBook {
    pub(crate) fn new(templates: Templates, langs: Vec<Deferred>, later: Arc<Later>) -> WholeBook {
        WholeBook {
            templates,
            langs,
            later,
        }
    }

    /// Makes the files and hands them to the site that is waiting for them. Returns how long
    /// it took, or what went wrong (a print template that fails to render, say); either way
    /// the readers waiting are woken.
    pub fn finish(mut self) -> Result<Duration, String> {
        let started = Instant::now();
        let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.make()));
        let result = match made {
            Ok(Ok(files)) => Ok(files),
            Ok(Err(e)) => Err(format!(
                "error: the print page or search index could not be made: {e:#}"
            )),
            Err(_) => Err(
                "error: docgen crashed while making the print page or search index\n  hint: this is a bug in docgen; please report it"
                    .to_string(),
            ),
        };
        let out = result
            .as_ref()
            .map(|_| started.elapsed())
            .map_err(Clone::clone);
        self.later.fill(result);
        out
    }

    fn make(&mut self) -> anyhow::Result<BTreeMap<String, crate::output::Content>> {
        let mut output = Output::default();
        for d in std::mem::take(&mut self.langs) {
            let mut book =
                BookFiles::start(&self.templates, d.print, &d.lang, d.pages.len(), &output)?;
            for page in &d.pages {
                book.push(page, &output)?;
            }
            book.finish(&self.templates, &mut output)?;
        }
        Ok(output.files)
    }
}

impl Drop for WholeBook {
    fn drop(&mut self) {
        // After `finish` this does nothing (only the first fill counts).
        self.later.fill(Err(
            "error: the print page and search index of this build were not made".to_string(),
        ));
    }
}
