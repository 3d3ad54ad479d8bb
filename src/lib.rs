//! docgen: turns annotated Markdown into a documentation site whose deployment examples are
//! proven by runnable labs.
//!
//! The workspace has three crates, and dependencies run one way, held by the compiler:
//! `docgen` (this crate: the book pipeline, serve, the command line) → `docgen-lab` (the lab
//! harness) → `docgen-core` (diagnostics, YAML, escaping, hashing, languages, liveness).
//!
//! Inside this crate: `cli` → `cmd::*` → `pipeline` and `serve` → (`project`, `config`,
//! `source`, `summary`, `page`, `markdown`, `nav`, `links`, `template`, `search`, `output`).
//! No module imports one above it (`python3 ../shared/tools/cycles.py src 2` finds no cycle).
//! Modules are private unless the binary, the examples or the tests need them, so the
//! dead-code lint sees everything else.

mod claims;
pub mod cli;
mod cmd;
mod config;
mod fences;
#[doc(hidden)]
pub mod fuzzing;
mod links;
pub mod markdown;
mod nav;
mod output;
mod page;
pub mod pipeline;
pub mod project;
mod proven;
mod search;
mod serve;
mod source;
mod summary;
mod template;
mod transcripts;
