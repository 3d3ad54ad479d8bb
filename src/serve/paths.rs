//! Request targets → site paths. The server hands over the request target exactly as the client
//! sent it, so everything a browser would normalise arrives raw here: this module owns turning
//! it into a key of the in-memory site, strictly. It decodes percent escapes itself (a bad
//! escape is an error, not text), requires the decoded bytes to be UTF-8 (which rejects overlong
//! encodings such as `%c0%ae`), and rejects rather than normalises anything that could climb out
//! of the site: `.` and `..` segments, empty segments (`//etc/passwd`), backslashes, NUL and other
//! control characters, and targets that are not origin-form (`http://evil/x`, `../x`).

/// Why a request target is not a site path; every case answers 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadPath {
    /// The target does not start with a single `/` (absolute-form, `../x`, `//x`).
    #[error("the request target must be a path starting with one `/`")]
    NotOriginForm,
    /// A `%` not followed by two hex digits.
    #[error("malformed percent escape")]
    BadEscape,
    /// The decoded bytes are not UTF-8 (includes overlong encodings like `%c0%ae`).
    #[error("the decoded path is not UTF-8")]
    NotUtf8,
    /// NUL, another control character, or a backslash.
    #[error("the path contains a forbidden character")]
    ForbiddenChar,
    /// A `.`, `..` or empty segment.
    #[error("the path contains a `.`, `..` or empty segment")]
    BadSegment,
}

/// The path part of a request target, decoded and checked: segments joined with `/`, without
/// the leading slash; empty for the site root. `dir` is true when the target ended with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePath {
    /// The decoded segments joined with `/`.
    pub path: String,
    /// The target ended with `/` (or was `/`).
    pub dir: bool,
}

impl SitePath {
    /// The output key to look up first: `path`, or `path/index.html` for a directory.
    pub fn key(&self) -> String {
        match (self.dir, self.path.is_empty()) {
            (_, true) => "index.html".to_string(),
            (true, false) => format!("{}/index.html", self.path),
            (false, false) => self.path.clone(),
        }
    }
}

/// Parses a raw request target (as the client sent it) into a [`SitePath`].
pub fn parse(target: &str) -> Result<SitePath, BadPath> {
    let raw = target.split(['?', '#']).next().unwrap_or("");
    if !raw.starts_with('/') || raw.starts_with("//") {
        return Err(BadPath::NotOriginForm);
    }
    if raw.contains('\\') {
        return Err(BadPath::ForbiddenChar);
    }
    let decoded = String::from_utf8(percent_decode(raw)?).map_err(|_| BadPath::NotUtf8)?;
    if decoded.chars().any(|c| c == '\\' || c.is_control()) {
        return Err(BadPath::ForbiddenChar);
    }
    let rest = &decoded[1..];
    let dir = rest.is_empty() || rest.ends_with('/');
    let trimmed = rest.strip_suffix('/').unwrap_or(rest);
    if !trimmed.is_empty()
        && trimmed
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(BadPath::BadSegment);
    }
    Ok(SitePath {
        path: trimmed.to_string(),
        dir,
    })
}

/// Decodes `%XX` escapes into bytes; anything else after a `%` is an error.
pub fn percent_decode(s: &str) -> Result<Vec<u8>, BadPath> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => return Err(BadPath::BadEscape),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_and_directories() {
        assert_eq!(parse("/").unwrap().key(), "index.html");
        assert_eq!(parse("/en/").unwrap().key(), "en/index.html");
        assert_eq!(parse("/en/wsgi.html?x=1#a").unwrap().key(), "en/wsgi.html");
        assert_eq!(parse("/static/a%20b.css").unwrap().key(), "static/a b.css");
        assert_eq!(
            parse("/vi/kh%E1%BB%9Fi.html").unwrap().key(),
            "vi/khởi.html"
        );
    }

    #[test]
    fn traversal_corpus_is_rejected() {
        for t in [
            "/../secret",
            "/%2e%2e/secret",
            "/%2E%2E%2Fsecret",
            "/a/..%2f..%2fsecret",
            "/..%5csecret",
            "/..\\secret",
            "//etc/passwd",
            "../secret",
            "http://evil/secret",
            "/%00",
            "/%c0%ae%c0%ae/",
            "/a/./b",
            "/a//b",
            "/%zz",
            "/%4",
            "*",
            "",
        ] {
            assert!(parse(t).is_err(), "{t:?} was accepted: {:?}", parse(t));
        }
    }

    #[test]
    fn overlong_utf8_is_not_utf8() {
        assert_eq!(parse("/%c0%ae%c0%ae/"), Err(BadPath::NotUtf8));
        assert_eq!(parse("/%00"), Err(BadPath::ForbiddenChar));
        assert_eq!(parse("/%2e%2e/x"), Err(BadPath::BadSegment));
    }
}
