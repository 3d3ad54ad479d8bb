//! docgen: turns annotated Markdown into a documentation site whose deployment examples are
//! proven by runnable labs.
//!
//! The crate is a library with a thin binary. Dependencies between modules run one way:
//! `cli` → `cmd::*` → `pipeline` → (`config`, `source`, `summary`, `page`, `markdown`, `site`,
//! `template`, `output`, `check`), with `diagnostic` and `yaml` shared below them, and `lab` as
//! the runnable-lab harness beside the pipeline; `serve` serves the pipeline's output from memory.

pub mod check;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod diagnostic;
pub mod lab;
pub mod markdown;
pub mod output;
pub mod page;
pub mod pipeline;
pub mod project;
pub mod search;
pub mod serve;
pub mod site;
pub mod source;
pub mod summary;
pub mod template;
pub mod yaml;
