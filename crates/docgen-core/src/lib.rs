//! What docgen's book pipeline (the `docgen` crate) and its lab harness (`docgen-lab`) share,
//! and nothing else: this crate sits below both, so neither can reach into the other through it.
//!
//! - [`diagnostic`]: a problem at a file, line and column, with its hint, rendered like a compiler;
//! - [`error`]: an error that carries its hint as a field;
//! - [`yaml`]: every YAML parse (front matter, `lab.yaml`), size-capped, errors at real lines;
//! - [`text`]: HTML escaping and byte counts for people;
//! - [`hash`]: the content hash used for cache keys;
//! - [`lang`]: which of the book's languages a code means;
//! - [`liveness`]: whether the process that made something (a staging directory, a container)
//!   is still running, safe against pid reuse;
//! - [`which`]: finding a program on `PATH`.

pub mod diagnostic;
pub mod error;
pub mod hash;
pub mod lang;
pub mod liveness;
pub mod text;
pub mod which;
pub mod yaml;
