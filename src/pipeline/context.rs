//! The template context every page of a language starts from (its code, text direction, the
//! book's title, description and authors), shared by the pages (`render`) and the files around
//! them (`files`), and the paths of the book's extra CSS and JavaScript.

use std::path::PathBuf;

use serde::Serialize;

use super::load::Language;
use crate::config::BookConfig;

/// The context every template starts from: the language, text direction and the book.
pub(crate) fn base_context(config: &BookConfig, lang: &Language) -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert("lang", &lang.code);
    ctx.insert(
        "dir",
        config.book.text_direction.as_deref().unwrap_or("ltr"),
    );
    ctx.insert(
        "book",
        &BookCtx {
            title: &lang.title,
            description: lang.description.as_deref(),
            authors: &config.book.authors,
        },
    );
    ctx
}

/// Paths of `additional-css`/`additional-js`, with `/`.
pub(crate) fn additional(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect()
}

#[derive(Serialize)]
struct BookCtx<'a> {
    title: &'a str,
    description: Option<&'a str>,
    authors: &'a [String],
}
