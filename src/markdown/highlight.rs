//! Server-side syntax highlighting with syntect: docgen's own lean grammars for Bash (and
//! console sessions), Python and nginx (`grammars/*.sublime-syntax`), and the grammars of
//! two-face for everything else (INI/systemd, Dockerfile, TOML, ...). Output is HTML with CSS
//! classes, one balanced `<span class="line">` per source line so lines can be marked and
//! annotated; the light and dark stylesheets are generated from two themes. Each syntax set
//! loads once per process, when a block first needs it.

use std::sync::OnceLock;

use docgen_core::text::{escape, escape_into};

use std::collections::HashMap;

use syntect::highlighting::{Color, FontStyle, Highlighter, Theme};
use syntect::parsing::{
    ParseState, Scope, ScopeStack, SyntaxDefinition, SyntaxReference, SyntaxSet, SyntaxSetBuilder,
};
use syntect::util::LinesWithEndings;

/// two-face's syntax set: the grammars of every language but those of [`OWN_GRAMMARS`].
fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// docgen's own grammars for the languages that dominate deployment docs. The official
/// Sublime grammars for them are large, and highlighting with them costs several times more
/// per line than with these lean ones, which colour what a reader of a snippet looks for.
///
/// They keep the names, scopes and file extensions of the grammars they replace, so `bash`,
/// `sh`, `py`, `Python`, `nginx` ... find them, and they are searched before two-face's set.
/// Each is a set of its own, loaded (a few ms) the first time a block needs it: adding them to
/// two-face's set instead would mean relinking all of its grammars
/// (`into_builder().build()` takes about half a second). The official grammars stay in
/// two-face's set for the grammars that embed them (Markdown's fenced code, Dockerfile's
/// `RUN`); none of docgen's embeds another grammar.
static OWN_GRAMMARS: [OwnGrammar; 3] = [
    OwnGrammar::new(include_str!("grammars/bash.sublime-syntax")),
    OwnGrammar::new(include_str!("grammars/python.sublime-syntax")),
    OwnGrammar::new(include_str!("grammars/nginx.sublime-syntax")),
];

/// One of docgen's own grammars: its text, the tokens that find it, and its syntax set once
/// loaded.
struct OwnGrammar {
    text: &'static str,
    tokens: OnceLock<Vec<&'static str>>,
    set: OnceLock<Option<SyntaxSet>>,
}

impl OwnGrammar {
    const fn new(text: &'static str) -> OwnGrammar {
        OwnGrammar {
            text,
            tokens: OnceLock::new(),
            set: OnceLock::new(),
        }
    }

    /// The name and file extensions the grammar declares, read from its header without parsing
    /// the YAML (a test checks that they agree with the parsed grammar): the tokens that find
    /// it, compared as syntect compares them, ignoring ASCII case.
    fn tokens(&self) -> &[&'static str] {
        self.tokens.get_or_init(|| {
            let mut tokens = Vec::new();
            let mut in_extensions = false;
            for line in self.text.lines() {
                if line.starts_with("contexts:") || line.starts_with("variables:") {
                    break;
                }
                if let Some(name) = line.strip_prefix("name: ") {
                    tokens.push(name.trim());
                }
                match line.strip_prefix("  - ") {
                    Some(ext) if in_extensions => tokens.push(ext.trim()),
                    _ => in_extensions = line.starts_with("file_extensions:"),
                }
            }
            tokens
        })
    }

    fn answers_to(&self, token: &str) -> bool {
        self.tokens().iter().any(|t| t.eq_ignore_ascii_case(token))
    }

    /// The grammar's syntax set, loaded on first use. `None` only if the grammar does not load,
    /// which the tests rule out; two-face's grammar for the language is then used instead.
    fn set(&self) -> Option<&SyntaxSet> {
        self.set
            .get_or_init(
                || match SyntaxDefinition::load_from_str(self.text, true, None) {
                    Ok(def) => {
                        let mut builder = SyntaxSetBuilder::new();
                        builder.add(def);
                        Some(builder.build())
                    }
                    Err(e) => {
                        eprintln!("docgen: a built-in grammar does not load: {e}");
                        None
                    }
                },
            )
            .as_ref()
    }
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

/// A grammar and the set it belongs to.
type Found = (&'static SyntaxSet, &'static SyntaxReference);

thread_local! {
    // Fence language → grammar: finding one scans every grammar's names and extensions, and a
    // book uses a handful of languages in thousands of blocks.
    static FOUND: std::cell::RefCell<HashMap<String, Option<Found>>> = Default::default();
}

/// The grammar for a fence language, if docgen knows one, with the set it belongs to.
pub fn find_syntax(lang: &str) -> Option<Found> {
    if let Some(found) = FOUND.with(|f| f.borrow().get(lang).copied()) {
        return found;
    }
    let found = search_syntax(lang);
    FOUND.with(|f| f.borrow_mut().insert(lang.to_string(), found));
    found
}

fn search_syntax(lang: &str) -> Option<Found> {
    let lower = lang.to_ascii_lowercase();
    let wanted = alias(&lower);
    let own = OWN_GRAMMARS
        .iter()
        .find(|g| g.answers_to(wanted) || g.answers_to(lang))
        .and_then(OwnGrammar::set)
        .and_then(|ss| Some((ss, ss.syntaxes().first()?)));
    own.or_else(|| {
        let ss = syntax_set();
        ss.find_syntax_by_token(wanted)
            .or_else(|| ss.find_syntax_by_name(wanted))
            .or_else(|| ss.find_syntax_by_token(lang))
            .map(|s| (ss, s))
    })
}

/// Highlights `code` as `lang` and returns one HTML fragment per line (each fragment holds the
/// line's text with its newline, escaped, with balanced spans). Unknown languages and grammar
/// failures give plain escaped lines: highlighting never fails a build.
pub fn highlight_lines(code: &str, lang: Option<&str>) -> Vec<String> {
    match lang.and_then(find_syntax) {
        Some((ss, s)) => highlighted(code, ss, s).unwrap_or_else(|| plain(code)),
        None => plain(code),
    }
}

fn plain(code: &str) -> Vec<String> {
    LinesWithEndings::from(code).map(escape).collect()
}

fn highlighted(code: &str, ss: &SyntaxSet, syntax: &SyntaxReference) -> Option<Vec<String>> {
    let styles = styles();
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::new();
    CLASSES.with(|cache| {
        let mut cache = cache.borrow_mut();
        for line in LinesWithEndings::from(code) {
            let ops = state.parse_line(line, ss).ok()?;
            let mut html = String::with_capacity(line.len() + line.len() / 2 + 16);
            // Runs of text with the same style share one span; text in the default style of
            // both themes needs none. Each line's spans are balanced.
            let mut open: Option<std::rc::Rc<str>> = None;
            let mut pos = 0;
            let mut emit = |html: &mut String, text: &str, class: Option<std::rc::Rc<str>>| {
                if text.is_empty() {
                    return;
                }
                if open.as_deref() != class.as_deref() {
                    if open.is_some() {
                        html.push_str("</span>");
                    }
                    if let Some(c) = &class {
                        html.push_str("<span class=\"");
                        html.push_str(c);
                        html.push_str("\">");
                    }
                    open = class;
                }
                escape_into(html, text);
            };
            for (at, op) in ops {
                if at > pos {
                    let class = cache.class(styles, stack.as_slice());
                    emit(&mut html, &line[pos..at], class);
                    pos = at;
                }
                stack.apply(&op).ok()?;
            }
            // The newline stays outside the span: the caller moves it after the line.
            let rest = &line[pos..];
            let (text, nl) = match rest.strip_suffix('\n') {
                Some(t) => (t, "\n"),
                None => (rest, ""),
            };
            let class = cache.class(styles, stack.as_slice());
            emit(&mut html, text, class);
            if open.is_some() {
                html.push_str("</span>");
            }
            html.push_str(nl);
            out.push(html);
        }
        Some(out)
    })
}

thread_local! {
    // Scope stack → its span's classes, resolved against both themes once per thread.
    static CLASSES: std::cell::RefCell<ClassCache> = Default::default();
}

#[derive(Default)]
struct ClassCache {
    by_stack: HashMap<Vec<Scope>, Option<std::rc::Rc<str>>>,
}

impl ClassCache {
    fn class(&mut self, styles: &Styles, stack: &[Scope]) -> Option<std::rc::Rc<str>> {
        if let Some(c) = self.by_stack.get(stack) {
            return c.clone();
        }
        let c = styles.classes(stack).map(std::rc::Rc::from);
        self.by_stack.insert(stack.to_vec(), c.clone());
        c
    }
}

/// The light and dark themes, with the palette of each: a token's span carries the index of its
/// colour in each theme (`l3 d5`) instead of its scope names, so the HTML stays small and the
/// stylesheet is generated from the themes alone (it does not depend on the pages).
struct Styles {
    light: Palette,
    dark: Palette,
}

struct Palette {
    theme: Theme,
    /// Index 0 is the theme's default foreground; the rest come from its rules, in order.
    foregrounds: Vec<Color>,
    /// Index 0 is "no background of its own"; the rest come from its rules, in order.
    backgrounds: Vec<Color>,
}

const LIGHT_THEME: two_face::theme::EmbeddedThemeName =
    two_face::theme::EmbeddedThemeName::InspiredGithub;
const DARK_THEME: two_face::theme::EmbeddedThemeName =
    two_face::theme::EmbeddedThemeName::OneHalfDark;

fn styles() -> &'static Styles {
    static STYLES: OnceLock<Styles> = OnceLock::new();
    STYLES.get_or_init(|| {
        let themes = two_face::theme::extra();
        Styles {
            light: Palette::new(themes.get(LIGHT_THEME).clone()),
            dark: Palette::new(themes.get(DARK_THEME).clone()),
        }
    })
}

impl Palette {
    fn new(theme: Theme) -> Palette {
        let black = Color::BLACK;
        let white = Color::WHITE;
        let mut foregrounds = vec![theme.settings.foreground.unwrap_or(black)];
        let mut backgrounds = vec![theme.settings.background.unwrap_or(white)];
        for item in &theme.scopes {
            if let Some(c) = item.style.foreground {
                if !foregrounds.contains(&c) {
                    foregrounds.push(c);
                }
            }
            if let Some(c) = item.style.background {
                if !backgrounds.contains(&c) {
                    backgrounds.push(c);
                }
            }
        }
        Palette {
            theme,
            foregrounds,
            backgrounds,
        }
    }

    /// (foreground index, background index, font style) of a scope stack.
    fn style(&self, stack: &[Scope]) -> (usize, usize, FontStyle) {
        let style = Highlighter::new(&self.theme).style_for_stack(stack);
        let fg = self
            .foregrounds
            .iter()
            .position(|c| *c == style.foreground)
            .unwrap_or(0);
        let bg = self
            .backgrounds
            .iter()
            .position(|c| *c == style.background)
            .unwrap_or(0);
        (fg, bg, style.font_style)
    }
}

impl Styles {
    /// The classes of a token with this scope stack; `None` when both themes show it in their
    /// default style.
    fn classes(&self, stack: &[Scope]) -> Option<String> {
        let (lf, lb, ls) = self.light.style(stack);
        let (df, db, ds) = self.dark.style(stack);
        let mut c = Vec::new();
        // Both themes' classes whenever either differs from its default, so that the other
        // theme's rule cannot leak through (index 0 is the default colour).
        if lf != 0 || df != 0 {
            c.push(format!("l{lf}"));
            c.push(format!("d{df}"));
        }
        if lb != 0 || db != 0 {
            c.push(format!("lb{lb}"));
            c.push(format!("db{db}"));
        }
        for (style, flag, name) in [
            (ls, FontStyle::BOLD, "lB"),
            (ls, FontStyle::ITALIC, "lI"),
            (ls, FontStyle::UNDERLINE, "lU"),
            (ds, FontStyle::BOLD, "dB"),
            (ds, FontStyle::ITALIC, "dI"),
            (ds, FontStyle::UNDERLINE, "dU"),
        ] {
            if style.contains(flag) {
                c.push(name.to_string());
            }
        }
        (!c.is_empty()).then(|| c.join(" "))
    }
}

/// The stylesheet for highlighted code: the light theme by default, the dark theme under
/// `html.dark` (set by the theme's toggle, or from `prefers-color-scheme` by its script).
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        let s = styles();
        let mut css = String::from(
            "/* Generated by docgen from syntect themes: l<n>/d<n> are colours of the light and dark themes. */\n",
        );
        palette_css(&mut css, &s.light, "", 'l');
        // The dark rules come later and are more specific: they override every light class.
        palette_css(&mut css, &s.dark, "html.dark ", 'd');
        css
    })
}

fn palette_css(css: &mut String, p: &Palette, root: &str, letter: char) {
    let hex = |c: &Color| format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
    css.push_str(&format!(
        "{root}pre.code {{ color: {}; background-color: {}; }}\n",
        hex(&p.foregrounds[0]),
        hex(&p.backgrounds[0])
    ));
    for (i, c) in p.foregrounds.iter().enumerate() {
        css.push_str(&format!(
            "{root}pre.code .{letter}{i} {{ color: {}; }}\n",
            hex(c)
        ));
    }
    css.push_str(&format!(
        "{root}pre.code .{letter}b0 {{ background-color: transparent; }}\n"
    ));
    for (i, c) in p.backgrounds.iter().enumerate().skip(1) {
        css.push_str(&format!(
            "{root}pre.code .{letter}b{i} {{ background-color: {}; }}\n",
            hex(c)
        ));
    }
    if letter == 'd' {
        // In the dark theme the light theme's font styles are undone first.
        css.push_str(
            "html.dark pre.code .lB { font-weight: normal; }\n\
             html.dark pre.code .lI { font-style: normal; }\n\
             html.dark pre.code .lU { text-decoration: none; }\n",
        );
    }
    css.push_str(&format!(
        "{root}pre.code .{letter}B {{ font-weight: bold; }}\n\
         {root}pre.code .{letter}I {{ font-style: italic; }}\n\
         {root}pre.code .{letter}U {{ text-decoration: underline; }}\n"
    ));
}

#[cfg(test)]
mod grammar_tests;

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
        assert!(css.contains("pre.code .l1 {"));
        assert!(css.contains("html.dark pre.code .d1 {"));
        // Every class the HTML uses has a rule.
        let html = highlight_lines("# c\n[Unit]\nA=1\n", Some("ini")).concat();
        for class in html
            .split("class=\"")
            .skip(1)
            .flat_map(|s| s.split('"').next().unwrap().split(' '))
        {
            assert!(css.contains(&format!("pre.code .{class} {{")), "{class}");
        }
    }
}
