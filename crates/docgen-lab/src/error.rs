//! The lab harness's typed errors: the failures a user can act on, each with its hint. They
//! travel inside `anyhow::Error` (with context added on the way up) and are found again with
//! [`LabError::find`]; the command line prints the hint and chooses the exit code from them
//! (`cmd::exit_code`), in one place. Anything else is an operational error with its chain of
//! causes.

use signal_hook::consts::{SIGINT, SIGTERM};

/// A failure of the lab harness that has a known cause and a known fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabError {
    /// No container engine on PATH (`program`: the one asked for, if any).
    #[error("{}", match program {
        Some(p) => format!("the container engine `{p}` is not on PATH"),
        None => "no container engine found: neither `docker` nor `podman` is on PATH".to_string(),
    })]
    EngineMissing {
        /// The engine asked for with `--engine` or `[labs] engine`.
        program: Option<String>,
    },
    /// The engine's CLI is there but its daemon does not answer.
    #[error("`{program}` is installed but its daemon does not answer (`{program} info`: {why})")]
    DaemonDown {
        /// `docker` or `podman`.
        program: String,
        /// The first line of what `info` said.
        why: String,
    },
    /// A host tool a command needs is missing.
    #[error("`{tool}` is not installed")]
    ToolMissing {
        /// The tool.
        tool: String,
        /// The command that installs it.
        install: String,
    },
    /// The base image a lab's Containerfile starts from is not in the engine.
    #[error("the base image `{base}` does not exist (no registry is used)")]
    BaseImageMissing {
        /// The image reference.
        base: String,
        /// The engine's name.
        engine: String,
    },
    /// An explicit CA bundle that is not a file.
    #[error("the CA bundle `{path}` (from {from}) is not a readable file")]
    CaBundleMissing {
        /// The path given.
        path: String,
        /// Where it came from (`--ca-bundle`, `SSL_CERT_FILE`, ...).
        from: String,
    },
    /// `--with NAME=FILE` names a file the lab does not install.
    #[error("--with {name}=...: `{name}` is not one of the files lab `{lab}` installs")]
    NotALabFile {
        /// The name given.
        name: String,
        /// The lab.
        lab: String,
        /// The files it installs.
        files: Vec<String>,
    },
    /// `--variant NAME` names no variant of the lab.
    #[error("lab `{lab}` has no variant `{name}`")]
    NoSuchVariant {
        /// The name given.
        name: String,
        /// The lab.
        lab: String,
        /// Its variants.
        variants: Vec<String>,
    },
    /// The run was interrupted by a signal (its container was removed).
    #[error("interrupted by {}", signal_name(*signal))]
    Cancelled {
        /// The signal number.
        signal: i32,
    },
}

impl LabError {
    /// What the user should do.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            LabError::EngineMissing { .. } => "install Docker with `apt-get install -y docker.io`, start it with `systemctl start docker` (or, where systemd is not running, `dockerd >/var/log/dockerd.log 2>&1 &`), check with `docker info`, then build the base image with `docgen lab bootstrap`".to_string(),
            LabError::DaemonDown { program, .. } => format!(
                "start it with `systemctl start {program}`, or where systemd is not running: `dockerd >/var/log/dockerd.log 2>&1 &`; then `{program} info` must work"
            ),
            LabError::ToolMissing { install, .. } => install.clone(),
            LabError::BaseImageMissing { engine, .. } => format!(
                "build it with `docgen lab bootstrap` (debootstrap + {engine} import; about a minute)"
            ),
            LabError::CaBundleMissing { from, .. } => format!(
                "point {from} at a PEM bundle, e.g. /etc/ssl/certs/ca-certificates.crt"
            ),
            LabError::NotALabFile { files, .. } => format!("the files are: {}", files.join(", ")),
            LabError::NoSuchVariant { variants, .. } if variants.is_empty() => {
                "it has no variants".to_string()
            }
            LabError::NoSuchVariant { variants, .. } => {
                format!("its variants are: {}", variants.join(", "))
            }
            LabError::Cancelled { .. } => return None,
        })
    }

    /// The signal that interrupted the run, for a cancellation.
    pub fn signal(&self) -> Option<i32> {
        match self {
            LabError::Cancelled { signal } => Some(*signal),
            _ => None,
        }
    }

    /// The first lab error in `err`'s chain of causes.
    pub fn find(err: &anyhow::Error) -> Option<&LabError> {
        err.chain().find_map(|e| e.downcast_ref::<LabError>())
    }
}

/// `SIGINT`, `SIGTERM`, or the number.
pub fn signal_name(signal: i32) -> String {
    match signal {
        SIGINT => "SIGINT".to_string(),
        SIGTERM => "SIGTERM".to_string(),
        n => format!("signal {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn found_under_context_with_its_hint() {
        let err = Err::<(), _>(LabError::BaseImageMissing {
            base: "docgen-base:bookworm".into(),
            engine: "docker".into(),
        })
        .context("building lab `demo`")
        .unwrap_err();
        let found = LabError::find(&err).expect("the lab error is in the chain");
        assert_eq!(
            found.to_string(),
            "the base image `docgen-base:bookworm` does not exist (no registry is used)"
        );
        assert!(found.hint().unwrap().contains("docgen lab bootstrap"));
        assert_eq!(found.signal(), None);
        let c = LabError::Cancelled { signal: 15 };
        assert_eq!(
            (c.signal(), c.to_string().as_str()),
            (Some(15), "interrupted by SIGTERM")
        );
        assert_eq!(c.hint(), None);
    }
}
