//! docgen's integration tests, as one test binary (one link of the crate and its dependencies
//! instead of one per file). Each module covers one area; `support` holds the helpers they share.
//!
//! Tests that need a Docker engine or Chromium skip, with the reason printed, when the machine
//! has none, except where `DOCGEN_REQUIRE_DOCKER=1` / `DOCGEN_REQUIRE_CHROMIUM=1` is set (as
//! scripts/test and CI do): there they fail. Every such skip goes through `support::skip`.

mod support;

mod a11y;
mod build;
mod course;
mod lab;
mod mdbook;
mod scaffold;
mod serve;
mod serve_browser;
mod site;
