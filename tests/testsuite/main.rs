//! docgen's integration tests, as one test binary (one link of the crate and its dependencies
//! instead of one per file). Each module covers one area; `support` holds the helpers they share.

mod support;

mod build;
mod course;
mod lab;
mod serve;
mod serve_browser;
mod site;
