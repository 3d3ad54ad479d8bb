//! docgen's lab harness: a lab (`labs/<id>/lab.yaml` plus the files it installs) is built into
//! an image, booted with systemd as PID 1 in a container, given its files and steps, and checked
//! with typed deployment checks. This crate owns everything about labs except the command line
//! (`docgen`'s `cmd::lab`) and the lab cards on pages (`docgen`'s pipeline). It depends on
//! `docgen-core` only, never on the book pipeline: no Markdown, highlighting or templates in its
//! dependency tree (`cargo tree -p docgen-lab`). Inside it, no module imports one that imports
//! it back (`python3 ../shared/tools/cycles.py crates/docgen-lab/src 2`):
//!
//! - [`spec`]: the `lab.yaml` schema, its validation with `file:line` diagnostics, variant edits;
//! - [`error`]: the typed errors a user can act on, each with its hint;
//! - [`exec`]: what a command run in a container gives back;
//! - [`engine`]: the container engine (Docker or Podman CLI) behind a trait, and cleanup sweeps;
//! - [`process`]: running engine commands with deadlines and cancellation;
//! - [`session`]: one long-lived shell per container that runs the probes (one `exec`, not one
//!   per probe);
//! - [`signals`]: SIGINT/SIGTERM turned into a cancellation every blocking call observes;
//! - [`image`]: the content hash of a lab's inputs, the build context, cached builds;
//! - [`checks`]: the check kinds, one module each behind the `Kind` trait, listed once in
//!   `checks::KINDS`: what each runs in the container, how its output is judged, and the
//!   evidence and versions a run collects;
//! - [`runner`]: one run of a lab (build, boot, files, steps, checks, actions, evidence) and
//!   `lab test` (the lab plus every break-it variant);
//! - [`report`]: reports as text, JSON and JUnit XML, and the stored last result per lab;
//! - [`transcript`]: the `console` blocks of pages that run in a lab, and how their output is
//!   compared with what ran;
//! - [`bootstrap`]: the base image from debootstrap + `docker import`, with no registry.

pub mod bootstrap;
pub mod checks;
pub mod claims;
pub mod engine;
pub mod error;
mod exec;
pub use exec::ExecOutput;
#[cfg(test)]
pub(crate) mod fake;
pub mod image;
mod process;
pub mod report;
pub mod runner;
mod session;
pub mod signals;
pub mod spec;
pub mod transcript;

/// The label every container, image and network docgen creates carries.
pub const LABEL_MANAGED: &str = "docgen.managed";
/// The label holding the pid of the docgen process that created the object.
pub const LABEL_OWNER_PID: &str = "docgen.owner-pid";
/// The label holding the owner's start time (from `/proc/<pid>/stat`), so a reused pid is not
/// mistaken for a live owner.
pub const LABEL_OWNER_START: &str = "docgen.owner-start";
/// The label holding the lab id.
pub const LABEL_LAB: &str = "docgen.lab";
/// Set on containers kept with `--keep`: the start-of-run sweep leaves them, `lab gc` does not.
pub const LABEL_KEEP: &str = "docgen.keep";
/// The base image Containerfiles start from unless `[labs] base-image` says otherwise.
pub const DEFAULT_BASE_IMAGE: &str = "docgen-base:bookworm";
