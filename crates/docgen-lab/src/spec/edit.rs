//! The edits a break-it variant makes to a lab's files: remove a line (or a block), replace a
//! text, append a line.

/// One edit of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// A `files[].src` of the lab.
    pub file: String,
    /// What to do.
    pub op: EditOp,
}

/// What an edit does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOp {
    /// Remove every line equal to this (trimmed); with a newline inside, remove the block.
    Remove(String),
    /// Replace every occurrence of the first text by the second.
    Replace(String, String),
    /// Append a line at the end.
    Append(String),
}

impl EditOp {
    /// Applies the edit. Errors when the text to remove or replace is not there.
    pub fn apply(&self, text: &str) -> Result<String, String> {
        match self {
            EditOp::Remove(needle) if needle.contains('\n') => {
                if text.contains(needle.as_str()) {
                    Ok(text.replace(needle.as_str(), ""))
                } else {
                    Err(format!("the text {needle:?} is not in the file"))
                }
            }
            EditOp::Remove(needle) => {
                let want = needle.trim();
                let mut found = false;
                let mut out = String::with_capacity(text.len());
                for line in text.split_inclusive('\n') {
                    if line.trim() == want {
                        found = true;
                    } else {
                        out.push_str(line);
                    }
                }
                if found {
                    Ok(out)
                } else {
                    Err(format!("no line is `{want}`"))
                }
            }
            EditOp::Replace(from, to) => {
                if from.is_empty() {
                    Err("the text to replace is empty".to_string())
                } else if text.contains(from.as_str()) {
                    Ok(text.replace(from.as_str(), to))
                } else {
                    Err(format!("the text {from:?} is not in the file"))
                }
            }
            EditOp::Append(add) => {
                let mut out = text.to_string();
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(add);
                if !add.ends_with('\n') {
                    out.push('\n');
                }
                Ok(out)
            }
        }
    }
}
