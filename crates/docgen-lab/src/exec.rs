//! What a command run in a container gives back ([`ExecOutput`]), and how its text is cut down
//! for reports and error messages. Below the engine, the probe session and the check kinds, so
//! each can speak of outputs without reaching into the others.

/// The result of a command run inside a container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit code (-1 when the deadline stopped it).
    pub code: i32,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

pub(crate) fn first_lines(text: &str, n: usize) -> String {
    let t: Vec<&str> = text.trim().lines().take(n).collect();
    if t.is_empty() {
        "(no output)".to_string()
    } else {
        t.join("\n")
    }
}

pub(crate) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
