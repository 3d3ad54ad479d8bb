//! Finding the claims of a book: the annotations of every code block that includes a whole lab
//! file (```` ```ini annotations ```` around `{{#include ../../labs/ID/FILE}}`), each a claim
//! that its line of the file matters, for `docgen lab test` to prove (see `docgen_lab::claims`).
//!
//! An annotation item may carry, anywhere in its text, an HTML comment the page does not show:
//! `<!-- claim: informational: REASON -->` (not counted) or
//! `<!-- claim: replace FROM => TO -->` (the break-it edit, instead of removing the line).

use std::path::Path;

use docgen_lab::claims::Claim;
use docgen_lab::spec::LabSpec;

use crate::fences;
use crate::markdown::code::parse_info;
use crate::markdown::include::normalize;

/// The claims of one page (at `path`, shown as `shown`) on the files of `labs` (of lab `only`,
/// when given), in line order.
pub fn of_page(
    shown: &Path,
    path: &Path,
    labs_dir: &Path,
    text: &str,
    labs: &[&LabSpec],
    only: Option<&str>,
) -> Vec<Claim> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut out = in_page(shown, dir, labs_dir, text);
    out.retain(|c| {
        let known = labs
            .iter()
            .any(|l| l.id == c.lab && l.files.iter().any(|f| f.src == c.file));
        known && only.map_or(true, |id| id == c.lab)
    });
    out
}

/// The claims of one page; `dir` is the page's directory (includes are relative to it).
fn in_page(shown: &Path, dir: &Path, labs_dir: &Path, text: &str) -> Vec<Claim> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for f in fences::fences(&lines) {
        let (start, end) = (f.start, f.end);
        if !parse_info(f.info).is_ok_and(|ci| ci.annotations) {
            continue;
        }
        let body: Vec<&str> = lines[start + 1..end.min(lines.len())]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        let [one] = body.as_slice() else { continue };
        let Some(target) = one
            .strip_prefix("{{#include ")
            .and_then(|r| r.strip_suffix("}}"))
        else {
            continue;
        };
        let Ok(rel) = normalize(&dir.join(target.trim()))
            .strip_prefix(labs_dir)
            .map(Path::to_path_buf)
        else {
            continue;
        };
        let mut parts = rel.components();
        let (Some(lab), file) = (parts.next(), parts.as_path()) else {
            continue;
        };
        let lab = lab.as_os_str().to_string_lossy().into_owned();
        let file = file.to_string_lossy().into_owned();
        for (line, item) in items(&lines, end + 1) {
            let Some(key) = item
                .strip_prefix('`')
                .and_then(|r| r.split_once('`'))
                .map(|(k, _)| k.to_string())
            else {
                continue;
            };
            let note = item
                .split_once("<!-- claim:")
                .and_then(|(_, r)| r.split_once("-->"))
                .map(|(n, _)| n.trim());
            let informational = note
                .and_then(|n| n.strip_prefix("informational:"))
                .map(|r| r.trim().to_string());
            let replace = note.and_then(|n| n.strip_prefix("replace ")).and_then(|r| {
                let (a, b) = r.split_once("=>")?;
                Some((unquote(a), unquote(b)))
            });
            out.push(Claim {
                page: shown.to_path_buf(),
                line,
                block: start + 1,
                lab: lab.clone(),
                file: file.clone(),
                key,
                informational,
                replace,
            });
        }
    }
    out
}

/// The ordered-list items right after a block (from line index `from`): each item's 1-based
/// line and its text, continuation lines joined.
fn items(lines: &[&str], from: usize) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut i = from;
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    while i < lines.len() {
        let l = lines[i];
        let t = l.trim_start();
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && t[digits..].starts_with(". ") && l.len() - t.len() < 4 {
            out.push((i + 1, t[digits + 2..].trim().to_string()));
        } else if l.trim().is_empty() {
            // A blank line ends the list unless the next line goes on with it.
            let next = lines.get(i + 1).map(|n| n.trim_start()).unwrap_or("");
            if !next.starts_with(|c: char| c.is_ascii_digit())
                && !lines.get(i + 1).is_some_and(|n| n.starts_with("   "))
            {
                break;
            }
        } else if let Some(last) = out.last_mut().filter(|_| l.starts_with(' ')) {
            last.1.push(' ');
            last.1.push_str(l.trim());
        } else {
            break;
        }
        i += 1;
    }
    out
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    t.strip_prefix('`')
        .and_then(|r| r.strip_suffix('`'))
        .unwrap_or(t)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_of_an_included_lab_file_are_claims() {
        let page = "# Unit\n\n```ini title=\"x\" annotations\n{{#include ../../labs/demo/app.service}}\n```\n\n1. `[Unit]`: the section.\n2. `Description=`: a name. <!-- claim: informational: only shown by status -->\n3. `--workers 3`: three workers,\n   and a master. <!-- claim: replace `--workers 3` => `--workers 1` -->\n\nProse.\n\n```ini annotations\n{{#include other.conf}}\n```\n\n1. `x`: not a lab file.\n";
        let cs = in_page(
            Path::new("content/en/p.md"),
            Path::new("/b/content/en"),
            Path::new("/b/labs"),
            page,
        );
        assert_eq!(cs.len(), 3, "{cs:?}");
        assert_eq!(
            (cs[0].lab.as_str(), cs[0].file.as_str()),
            ("demo", "app.service")
        );
        assert_eq!(
            (cs[0].line, cs[0].block, cs[0].key.as_str()),
            (7, 3, "[Unit]")
        );
        assert_eq!(cs[1].informational.as_deref(), Some("only shown by status"));
        assert_eq!(
            cs[2].replace,
            Some(("--workers 3".to_string(), "--workers 1".to_string()))
        );
    }
}
