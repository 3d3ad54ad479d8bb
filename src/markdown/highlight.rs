//! Server-side syntax highlighting with syntect and the extra grammars of two-face (INI/systemd,
//! nginx, Dockerfile, TOML, ...). Output is HTML with CSS classes, one balanced
//! `<span class="line">` per source line so lines can be marked and annotated; the light and
//! dark stylesheets are generated from two themes. The syntax set loads once per process.

use std::sync::OnceLock;

use syntect::highlighting::Theme;
use syntect::html::{css_for_theme_with_class_style, ClassStyle};
use syntect::parsing::{
    BasicScopeStackOp, ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet,
};
use syntect::util::LinesWithEndings;

/// The CSS class prefix of highlighted tokens (`hl-keyword`).
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// Names that people write after the fence, mapped to the grammar that handles them.
fn alias(lang: &str) -> &str {
    match lang {
        "systemd" | "service" | "unit" | "desktop" | "conf" | "cfg" | "dosini" => "ini",
        "console" | "shell-session" | "shellsession" | "sh-session" | "terminal" | "shell"
        | "zsh" => "bash",
        "dockerfile" | "containerfile" | "docker" => "Dockerfile",
        "py" | "python3" => "python",
        "yml" => "yaml",
        "jsonc" => "json",
        "rs" => "rust",
        "patch" => "diff",
        "nginxconf" => "nginx",
        "htm" | "xhtml" => "html",
        other => other,
    }
}

/// The grammar for a fence language, if docgen knows one.
pub fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let ss = syntax_set();
    let lower = lang.to_ascii_lowercase();
    let wanted = alias(&lower);
    ss.find_syntax_by_token(wanted)
        .or_else(|| ss.find_syntax_by_name(wanted))
        .or_else(|| ss.find_syntax_by_token(lang))
}

/// Highlights `code` as `lang` and returns one HTML fragment per line (each fragment holds the
/// line's text with its newline, escaped, with balanced spans). Unknown languages and grammar
/// failures give plain escaped lines: highlighting never fails a build.
pub fn highlight_lines(code: &str, lang: Option<&str>) -> Vec<String> {
    let syntax = lang.and_then(find_syntax);
    match syntax {
        Some(s) => highlighted(code, s).unwrap_or_else(|| plain(code)),
        None => plain(code),
    }
}

fn plain(code: &str) -> Vec<String> {
    LinesWithEndings::from(code).map(escape).collect()
}

fn highlighted(code: &str, syntax: &SyntaxReference) -> Option<Vec<String>> {
    let ss = syntax_set();
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::new();
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, ss).ok()?;
        let mut html = String::with_capacity(line.len() * 2);
        // Re-open the scopes still open from the previous line, so each line is balanced.
        for scope in stack.as_slice() {
            open_span(&mut html, *scope);
        }
        let mut open = stack.len();
        let mut pos = 0;
        for (at, op) in ops {
            if at > pos {
                html.push_str(&escape(&line[pos..at]));
                pos = at;
            }
            stack
                .apply_with_hook(&op, |basic, _| match basic {
                    BasicScopeStackOp::Push(scope) => {
                        open_span(&mut html, scope);
                        open += 1;
                    }
                    BasicScopeStackOp::Pop => {
                        if open > 0 {
                            html.push_str("</span>");
                            open -= 1;
                        }
                    }
                })
                .ok()?;
        }
        html.push_str(&escape(&line[pos..]));
        for _ in 0..open {
            html.push_str("</span>");
        }
        out.push(html);
    }
    Some(out)
}

fn open_span(html: &mut String, scope: Scope) {
    thread_local! {
        // Scope → "hl-a hl-b" class list; building it needs the global scope repository.
        static CLASSES: std::cell::RefCell<std::collections::HashMap<Scope, String>> =
            Default::default();
    }
    CLASSES.with(|c| {
        let mut c = c.borrow_mut();
        let classes = c.entry(scope).or_insert_with(|| {
            scope
                .build_string()
                .split('.')
                .map(|atom| format!("hl-{atom}"))
                .collect::<Vec<_>>()
                .join(" ")
        });
        html.push_str("<span class=\"");
        html.push_str(classes);
        html.push_str("\">");
    });
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The stylesheet for highlighted code: the light theme by default, the dark theme under
/// `html.dark` (set by the theme's toggle, or from `prefers-color-scheme` by its script).
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        let themes = two_face::theme::extra();
        let light = themes.get(two_face::theme::EmbeddedThemeName::InspiredGithub);
        let dark = themes.get(two_face::theme::EmbeddedThemeName::OneHalfDark);
        let mut css = String::from("/* Generated by docgen from syntect themes. */\n");
        css.push_str(&theme_css(light, ""));
        css.push_str(&theme_css(dark, "html.dark "));
        css
    })
}

fn theme_css(theme: &Theme, prefix: &str) -> String {
    let css = css_for_theme_with_class_style(theme, CLASS_STYLE).unwrap_or_default();
    let mut out = String::with_capacity(css.len() + 1024);
    // Scope every rule to highlighted blocks, and to the dark root for the dark theme.
    for line in css.lines() {
        let t = line.trim_start();
        if t.starts_with('.') && (t.ends_with('{') || t.ends_with(',')) {
            let sel = t.trim_end_matches(['{', ',']).trim();
            let end = if t.ends_with('{') { " {" } else { "," };
            // The theme's background/foreground rule targets `.hl-code`: map it to the block.
            if sel == ".hl-code" {
                out.push_str(&format!("{prefix}pre.code{end}\n"));
            } else {
                out.push_str(&format!("{prefix}pre.code {sel}{end}\n"));
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_languages_are_known() {
        for lang in [
            "ini",
            "systemd",
            "nginx",
            "python",
            "bash",
            "console",
            "shell-session",
            "toml",
            "yaml",
            "dockerfile",
            "Dockerfile",
            "json",
            "rust",
            "diff",
        ] {
            assert!(find_syntax(lang).is_some(), "no grammar for {lang}");
        }
    }

    #[test]
    fn lines_keep_the_text_and_balance_spans() {
        let code = "[Unit]\nDescription=x <y>\n\"\"\"multi\nline\"\"\"\n";
        for lang in ["ini", "python"] {
            let lines = highlight_lines(code, Some(lang));
            assert_eq!(lines.len(), 4);
            for l in &lines {
                assert_eq!(
                    l.matches("<span").count(),
                    l.matches("</span>").count(),
                    "{l}"
                );
            }
        }
        let joined: String = highlight_lines(code, Some("ini")).concat();
        assert!(joined.contains("&lt;y&gt;"));
    }

    #[test]
    fn unknown_language_is_plain_text() {
        let lines = highlight_lines("a < b\n", Some("no-such-language"));
        assert_eq!(lines, vec!["a &lt; b\n".to_string()]);
    }

    #[test]
    fn stylesheet_has_light_and_dark_rules() {
        let css = stylesheet();
        assert!(css.contains("pre.code .hl-"));
        assert!(css.contains("html.dark pre.code"));
    }
}
