//! Fenced code blocks: the info string (`ini title="gunicorn.service" hl_lines="5-9"
//! annotations`), highlighted lines, the copy button, and code annotations.
//!
//! Annotations are kept outside the code. A block whose info string has the `annotations` flag
//! takes the ordered list right after it as its explanations; each item starts with a piece of the
//! line it explains, in backticks:
//!
//! ````markdown
//! ```ini annotations
//! [Service]
//! User=maiviet
//! ```
//! 1. `User=maiviet`: the service runs as the deploy user, not root.
//! ````
//!
//! The marker goes at the end of the first line (after the previous annotation's line) containing
//! that text, so annotations follow the file when lines move. Markers sit in a gutter beside the
//! `<code>` element, never inside it: the code's text is the file, byte for byte, and the copy
//! button copies exactly that. The explanations are an ordinary list under the block (readable
//! without JavaScript or CSS) and a popover on hover or focus of the marker.

use super::highlight::highlight_lines;
use docgen_core::text::escape;

/// What a fence's info string says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeInfo {
    /// The language (the first word), if any.
    pub lang: Option<String>,
    /// `title="..."`: a caption, usually the file name.
    pub title: Option<String>,
    /// `hl_lines="1 3-5"`: 1-based inclusive ranges to emphasise.
    pub hl_lines: Vec<(usize, usize)>,
    /// The `annotations` flag: the following ordered list explains lines of the block.
    pub annotations: bool,
    /// The `nocopy` flag: no copy button.
    pub nocopy: bool,
    /// `lab=ID`: a transcript that runs in that lab (see `crate::transcripts`).
    pub lab: Option<String>,
    /// `after=CHECK`: where in the lab's checks the transcript runs.
    pub after: Option<String>,
    /// `output=recorded`: the transcript's output comes from its last run, not the source.
    pub output: Option<String>,
    /// `variant=NAME`: the transcript runs in that break-it variant of its lab.
    pub variant: Option<String>,
    /// `timeout=SECONDS`: how long each command of the transcript may take (default 30).
    pub timeout: Option<String>,
    /// `not-run="REASON"`: a block no lab runs, and why (a server started in the foreground,
    /// a command on the host); the page says so.
    pub not_run: Option<String>,
    /// `hidelines=PREFIX`: lines starting with it are hidden (mdBook's attribute).
    pub hidelines: Option<String>,
    /// The `server-only` flag: commands for a real server (apt, copying files into place) that
    /// no lab runs; the page says so instead of showing them as proven.
    pub server_only: bool,
}

/// Parses an info string. Accepts `lang key="v" flag`, `lang,key=v` and `lang {key="v"}`.
pub fn parse_info(info: &str) -> Result<CodeInfo, String> {
    let mut ci = CodeInfo::default();
    let cleaned: String = info
        .chars()
        .map(|c| {
            if c == '{' || c == '}' || c == ',' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    for c in cleaned.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if in_quotes {
        return Err("unclosed `\"` in the code block's info string".into());
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    for (i, tok) in tokens.into_iter().enumerate() {
        match tok.split_once('=') {
            Some((k, v)) => match k {
                "title" => ci.title = Some(v.to_string()),
                "hl_lines" | "hl-lines" | "highlight" => ci.hl_lines = parse_ranges(v)?,
                "lab" => ci.lab = Some(v.to_string()),
                "after" => ci.after = Some(v.to_string()),
                "output" => ci.output = Some(v.to_string()),
                "variant" => ci.variant = Some(v.to_string()),
                "timeout" => ci.timeout = Some(v.to_string()),
                "not-run" => ci.not_run = Some(v.to_string()),
                "hidelines" => ci.hidelines = Some(v.to_string()),
                // Other attributes belong to other tools (mdBook's `edition=`, ...).
                _ => {}
            },
            None => match tok.as_str() {
                "annotations" | "annotate" => ci.annotations = true,
                "nocopy" => ci.nocopy = true,
                "server-only" => ci.server_only = true,
                _ if i == 0 => ci.lang = Some(tok),
                // mdBook's flags (`ignore`, `editable`, `should_panic` ...) are accepted.
                _ => {}
            },
        }
    }
    Ok(ci)
}

fn parse_ranges(v: &str) -> Result<Vec<(usize, usize)>, String> {
    let mut out = Vec::new();
    for part in v.split([' ', ';']).filter(|p| !p.is_empty()) {
        let bad = || format!("`{part}` in hl_lines is not a line or range like `5` or `5-9`");
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (
                a.parse::<usize>().map_err(|_| bad())?,
                b.parse::<usize>().map_err(|_| bad())?,
            ),
            None => {
                let n = part.parse::<usize>().map_err(|_| bad())?;
                (n, n)
            }
        };
        if a == 0 || b < a {
            return Err(bad());
        }
        out.push((a, b));
    }
    Ok(out)
}

/// One explanation of a line of a code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// The text that finds the line.
    pub key: String,
    /// The explanation, rendered.
    pub html: String,
}

/// Finds the 1-based line for each annotation, in order; `Err(i)` names the first annotation
/// whose text is in no line.
pub fn place_annotations(code: &str, anns: &[Annotation]) -> Result<Vec<usize>, usize> {
    let lines: Vec<&str> = code.lines().collect();
    let mut placed = Vec::with_capacity(anns.len());
    let mut from = 0;
    for (i, a) in anns.iter().enumerate() {
        let hit = (from..lines.len())
            .find(|&l| lines[l].contains(&a.key))
            .or_else(|| (0..from).find(|&l| lines[l].contains(&a.key)));
        match hit {
            Some(l) => {
                placed.push(l + 1);
                from = l;
            }
            None => return Err(i),
        }
    }
    Ok(placed)
}

/// Labels the block needs, in the page's language.
pub struct CodeLabels<'a> {
    /// The copy button's text.
    pub copy: &'a str,
    /// The accessible name of an annotation marker, before its number.
    pub annotation: &'a str,
    /// The caption of a transcript, before the lab's id.
    pub transcript: &'a str,
    /// Before a variant's name in that caption: "broken on purpose in variant".
    pub transcript_variant: &'a str,
    /// The block's accessible name, before its title or language: "Code".
    pub code: &'a str,
    /// What the copy button announces when done: "Copied".
    pub copied: &'a str,
}

/// What a block gets besides its code: a transcript's state and stamp, per annotation the
/// marker's class and the proof line of its claim (see [`super::proof`]), and the hidden-line
/// prefix of its language.
#[derive(Debug, Default)]
pub struct BlockExtras {
    /// A transcript's `data-proof` (`passed`, `failed`, `stale`, `missing`).
    pub state: Option<&'static str>,
    /// The stamp under the caption (HTML), or a `server-only` block's note (text).
    pub stamp: Option<String>,
    /// Per annotation, in order: the marker's extra class and its proof line (HTML).
    pub claims: Vec<(&'static str, Option<String>)>,
    /// The prefix of hidden lines for this block's language, from book.toml's
    /// `[output.html.code.hidelines]` (the block's own `hidelines=` wins).
    pub hidelines: Option<String>,
}

/// mdBook's hidden lines: the text to show (each hidden line without its prefix) and which
/// lines are hidden. Rust's rule is its own: `# ` or a lone `#` hides a line, `##` shows one
/// `#`, and `#[...]`, `#!` stay. Any other prefix hides a line that starts with it (after the
/// indentation, which stays).
pub fn hide_lines(code: &str, lang: Option<&str>, prefix: Option<&str>) -> (String, Vec<bool>) {
    let rust = prefix.is_none() && lang == Some("rust");
    if prefix.is_none() && !rust {
        return (code.to_string(), vec![false; code.lines().count()]);
    }
    let mut text = String::with_capacity(code.len());
    let mut hidden = Vec::new();
    for line in code.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let indent = &body[..body.len() - body.trim_start().len()];
        let rest = &body[indent.len()..];
        let (shown, hide) = if rust {
            if let Some(r) = rest.strip_prefix("##") {
                (format!("{indent}#{r}"), false)
            } else if rest == "#" {
                (String::new(), true)
            } else if let Some(r) = rest.strip_prefix("# ") {
                (r.to_string(), true)
            } else {
                (body.to_string(), false)
            }
        } else {
            match rest.strip_prefix(prefix.unwrap_or_default()) {
                Some(r) => (format!("{indent}{r}"), true),
                None => (body.to_string(), false),
            }
        };
        text.push_str(&shown);
        text.push_str(nl);
        hidden.push(hide);
    }
    (text, hidden)
}

/// Renders a code block. `id` is unique in the page; `lines_of_anns` are from
/// [`place_annotations`].
pub fn render(
    id: &str,
    code: &str,
    info: &CodeInfo,
    anns: &[Annotation],
    ann_lines: &[usize],
    labels: &CodeLabels<'_>,
    extras: &BlockExtras,
) -> String {
    let lang = info.lang.as_deref();
    let (shown, hidden) = hide_lines(
        code,
        lang,
        info.hidelines.as_deref().or(extras.hidelines.as_deref()),
    );
    let code = shown.as_str();
    let lines = highlight_lines(code, lang);
    let mut html = String::with_capacity(code.len() * 3 + 256);
    match &info.lab {
        // A transcript: `docgen lab run LAB` runs its commands and compares their output.
        Some(lab) => html.push_str(&format!(
            "<figure class=\"code-block transcript\" id=\"{id}\" data-proven=\"{}\" data-proof=\"{}\">",
            escape(lab),
            extras.state.unwrap_or("missing")
        )),
        None if info.server_only || info.not_run.is_some() => html.push_str(&format!(
            "<figure class=\"code-block server-only\" id=\"{id}\">"
        )),
        None => html.push_str(&format!("<figure class=\"code-block\" id=\"{id}\">")),
    }
    if let Some(t) = &info.title {
        html.push_str(&format!(
            "<figcaption class=\"code-title\">{}</figcaption>",
            escape(t)
        ));
    } else if let Some(lab) = &info.lab {
        let variant = info.variant.as_deref().map_or(String::new(), |v| {
            format!(", {} <code>{}</code>", labels.transcript_variant, escape(v))
        });
        html.push_str(&format!(
            "<figcaption class=\"code-title transcript-lab\">{} <code>{}</code>{variant}</figcaption>",
            labels.transcript,
            escape(lab)
        ));
    }
    if info.lab.is_some() {
        if let Some(stamp) = &extras.stamp {
            html.push_str(stamp);
        }
    } else if info.server_only || info.not_run.is_some() {
        if let Some(note) = &extras.stamp {
            html.push_str(&format!(
                "<p class=\"proof-stamp server-only-note\">{}</p>",
                escape(note)
            ));
        }
    }
    html.push_str("<div class=\"code-wrap\">");
    let lang_attr = lang.map(escape).unwrap_or_else(|| "text".into());
    // Focusable, so a block that scrolls sideways can be scrolled by keyboard, and named for
    // screen readers by its title, else its language.
    let name = info
        .title
        .as_deref()
        .map(escape)
        .unwrap_or_else(|| lang_attr.clone());
    html.push_str(&format!(
        "<pre class=\"code\" data-lang=\"{lang_attr}\" tabindex=\"0\" role=\"group\" aria-label=\"{}: {name}\"><code class=\"language-{lang_attr}\">",
        escape(labels.code)
    ));
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let hl = info.hl_lines.iter().any(|&(a, b)| n >= a && n <= b);
        html.push_str(match (hl, hidden.get(i).copied().unwrap_or(false)) {
            (true, true) => "<span class=\"line hl boring\">",
            (true, false) => "<span class=\"line hl\">",
            (false, true) => "<span class=\"line boring\">",
            (false, false) => "<span class=\"line\">",
        });
        // The newline goes after the line's span: lines are inline blocks (so a marked line's
        // background spans the block), and only a newline between them breaks the line.
        match line.rfind('\n') {
            // A hidden line's newline hides with it.
            Some(nl) if hidden.get(i).copied().unwrap_or(false) => {
                html.push_str(&line[..nl]);
                html.push_str(&line[nl + 1..]);
                html.push_str("</span><span class=\"boring-nl\">\n</span>");
            }
            Some(nl) => {
                html.push_str(&line[..nl]);
                html.push_str(&line[nl + 1..]);
                html.push_str("</span>\n");
            }
            None => {
                html.push_str(line);
                html.push_str("</span>");
            }
        }
    }
    html.push_str("</code></pre>");
    if !anns.is_empty() {
        html.push_str("<div class=\"ann-gutter\">");
        let mut slot_of_line = std::collections::HashMap::new();
        for (k, (a, &line)) in anns.iter().zip(ann_lines).enumerate() {
            let num = k + 1;
            let slot = slot_of_line.entry(line).or_insert(0usize);
            let (class, proof_html) = extras
                .claims
                .get(k)
                .map_or(("", None), |(c, h)| (*c, h.as_deref()));
            html.push_str(&format!(
                "<span class=\"ann\" style=\"--ann-line:{line};--ann-slot:{slot}\"><a class=\"ann-marker{class}\" href=\"#{id}-ann-{num}\" aria-label=\"{} {num}\" aria-describedby=\"{id}-pop-{num}\">{num}</a><span class=\"ann-pop\" role=\"tooltip\" id=\"{id}-pop-{num}\">{}{}</span></span>",
                escape(labels.annotation),
                a.html,
                proof_html.unwrap_or("")
            ));
            *slot += 1;
        }
        html.push_str("</div>");
    }
    if !info.nocopy {
        html.push_str(&format!(
            "<button class=\"copy-button\" type=\"button\" data-copy=\"{id}\" aria-label=\"{copy} {name}\" data-copied=\"{}: {name}\" hidden>{copy}</button><span class=\"copy-status\" role=\"status\"></span>",
            escape(labels.copied),
            copy = escape(labels.copy),
        ));
    }
    html.push_str("</div>");
    if !anns.is_empty() {
        html.push_str("<ol class=\"annotations\">");
        for (k, a) in anns.iter().enumerate() {
            let num = k + 1;
            let proof_html = extras.claims.get(k).and_then(|(_, h)| h.as_deref());
            html.push_str(&format!(
                "<li id=\"{id}-ann-{num}\" value=\"{num}\"><code class=\"ann-key\">{}</code> {}{}</li>",
                escape(&a.key),
                a.html,
                proof_html.unwrap_or("")
            ));
        }
        html.push_str("</ol>");
    }
    html.push_str("</figure>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_strings() {
        let ci =
            parse_info("ini title=\"gunicorn service\" hl_lines=\"5-9 11\" annotations").unwrap();
        assert_eq!(ci.lang.as_deref(), Some("ini"));
        assert_eq!(ci.title.as_deref(), Some("gunicorn service"));
        assert_eq!(ci.hl_lines, vec![(5, 9), (11, 11)]);
        assert!(ci.annotations);
        let ci = parse_info("rust,ignore").unwrap();
        assert_eq!(ci.lang.as_deref(), Some("rust"));
        assert!(parse_info("ini hl_lines=\"x\"").is_err());
        assert!(parse_info("ini title=\"open").is_err());
    }

    /// mdBook's hidden lines, as its own test book shows them.
    #[test]
    fn hidden_lines_follow_mdbook() {
        let rust = "#![allow(something)]\n#\n#hidden();\n# hidden();\n## not_hidden();\n#[not_hidden]\nnot_hidden();\n";
        let (text, hidden) = hide_lines(rust, Some("rust"), None);
        assert_eq!(
            text,
            "#![allow(something)]\n\n#hidden();\nhidden();\n# not_hidden();\n#[not_hidden]\nnot_hidden();\n"
        );
        assert_eq!(hidden, [false, true, false, true, false, false, false]);
        let py = "~hidden()\nnothidden():\n~    hidden()\n    ~hidden()\n";
        let (text, hidden) = hide_lines(py, Some("python"), Some("~"));
        assert_eq!(text, "hidden()\nnothidden():\n    hidden()\n    hidden()\n");
        assert_eq!(hidden, [true, false, true, true]);
        assert_eq!(hide_lines("# a\n", Some("console"), None).1, [false]);
    }

    #[test]
    fn annotations_follow_order_and_report_missing() {
        let code = "[Service]\nUser=a\nGroup=b\nUser=c\n";
        let a = |k: &str| Annotation {
            key: k.into(),
            html: String::new(),
        };
        assert_eq!(
            place_annotations(code, &[a("Group"), a("User")]).unwrap(),
            vec![3, 4]
        );
        assert_eq!(place_annotations(code, &[a("User"), a("Nope")]), Err(1));
    }
}
