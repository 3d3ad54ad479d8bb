//! Errors that say what to do: [`Hinted`] carries a message and a hint as two fields, so the
//! command line prints the hint on its own line (`  hint: ...`) wherever in a chain of causes
//! the error sits, and nothing builds hints into message strings.

use std::fmt;

/// An operational error with what the user should do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hinted {
    /// What went wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

impl Hinted {
    /// An error with its hint.
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Hinted {
        Hinted {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// The hint of the first [`Hinted`] in `err`'s chain of sources.
pub fn hint_of<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a str> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(h) = e.downcast_ref::<Hinted>() {
            return Some(&h.hint);
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(Hinted);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("while building")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_hint_is_found_under_other_errors() {
        let e = Outer(Hinted::new("no book.toml", "run `docgen init`"));
        assert_eq!(e.0.to_string(), "no book.toml");
        assert_eq!(hint_of(&e), Some("run `docgen init`"));
        assert_eq!(hint_of(&e.0), Some("run `docgen init`"));
        let plain = std::io::Error::other("disk full");
        assert_eq!(hint_of(&plain), None);
    }
}
