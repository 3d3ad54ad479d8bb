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
    /// (The theme's own colours: a token's style is matched against these.)
    foregrounds: Vec<Color>,
    /// The colour each foreground is drawn in: the same, or the nearest readable one.
    shown: Vec<Color>,
    /// The background of a highlighted line.
    hl_line: Color,
    /// Index 0 is "no background of its own"; the rest come from its rules, in order.
    backgrounds: Vec<Color>,
}

const LIGHT_THEME: two_face::theme::EmbeddedThemeName =
    two_face::theme::EmbeddedThemeName::InspiredGithub;
const DARK_THEME: two_face::theme::EmbeddedThemeName =
    two_face::theme::EmbeddedThemeName::OneHalfDark;

/// The background of a highlighted line (`hl_lines`) in each theme: text on it must meet the
/// same contrast as on the block's own background.
const LIGHT_HL_LINE: Color = Color {
    r: 0xff,
    g: 0xf3,
    b: 0xbf,
    a: 0xff,
};
const DARK_HL_LINE: Color = Color {
    r: 0x26,
    g: 0x22,
    b: 0x10,
    a: 0xff,
};

/// WCAG 2.1 AA's minimum contrast for normal text (1.4.3), with a little margin so that
/// rounding in a browser cannot push a colour under it.
const MIN_CONTRAST: f64 = 4.6;

/// How far from the block's background a rule's own background may be to be drawn.
const MAX_RULE_BACKGROUND_CONTRAST: f64 = 1.6;

fn styles() -> &'static Styles {
    static STYLES: OnceLock<Styles> = OnceLock::new();
    STYLES.get_or_init(|| {
        let themes = two_face::theme::extra();
        Styles {
            light: Palette::new(themes.get(LIGHT_THEME).clone(), LIGHT_HL_LINE),
            dark: Palette::new(themes.get(DARK_THEME).clone(), DARK_HL_LINE),
        }
    })
}

/// WCAG's relative luminance of a colour.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

/// WCAG's contrast ratio of two colours (1 to 21).
fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `fg`, darkened (on light surfaces) or lightened (on dark ones) in small steps of the same
/// hue until it meets [`MIN_CONTRAST`] on every surface it can be drawn on.
fn readable(fg: Color, surfaces: &[Color], dark: bool) -> Color {
    let toward = if dark { 255.0 } else { 0.0 };
    let mut c = fg;
    for step in 1..=50 {
        if surfaces.iter().all(|s| contrast(c, *s) >= MIN_CONTRAST) {
            break;
        }
        let t = f64::from(step) / 50.0;
        let mix = |v: u8| (f64::from(v) + (toward - f64::from(v)) * t).round() as u8;
        c = Color {
            r: mix(fg.r),
            g: mix(fg.g),
            b: mix(fg.b),
            a: fg.a,
        };
    }
    c
}

impl Palette {
    /// The palette of `theme`, with every foreground made readable on the theme's background,
    /// on `hl_line` (a highlighted line) and on every background the theme's rules set: the
    /// themes as shipped have comments and some keywords under WCAG AA's 4.5:1.
    fn new(theme: Theme, hl_line: Color) -> Palette {
        let black = Color::BLACK;
        let white = Color::WHITE;
        let mut foregrounds = vec![theme.settings.foreground.unwrap_or(black)];
        let base = theme.settings.background.unwrap_or(white);
        let mut backgrounds = vec![base];
        for item in &theme.scopes {
            if let Some(c) = item.style.foreground {
                if !foregrounds.contains(&c) {
                    foregrounds.push(c);
                }
            }
            // A rule background close to the block's own (a diff's pale red and green) is
            // drawn; a loud one (the dark theme's red, yellow and purple marks of invalid
            // tokens) is not: no text colour reads on both it and the block.
            if let Some(c) = item.style.background {
                if !backgrounds.contains(&c) && contrast(c, base) <= MAX_RULE_BACKGROUND_CONTRAST {
                    backgrounds.push(c);
                }
            }
        }
        let mut surfaces = backgrounds.clone();
        surfaces.push(hl_line);
        let dark = luminance(backgrounds[0]) < 0.5;
        let shown = foregrounds
            .iter()
            .map(|c| readable(*c, &surfaces, dark))
            .collect();
        Palette {
            theme,
            foregrounds,
            shown,
            backgrounds,
            hl_line,
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
        "{root}pre.code {{ color: {}; background-color: {}; }}\n{root}pre.code .line.hl {{ background-color: {}; }}\n",
        hex(&p.shown[0]),
        hex(&p.backgrounds[0]),
        hex(&p.hl_line)
    ));
    for (i, c) in p.shown.iter().enumerate() {
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

    /// Every colour class the highlighter can emit, in both themes, is readable (WCAG AA,
    /// 4.5:1) on the block's background, on a highlighted line and on every background a
    /// theme rule sets: checked over the whole palette, not the classes some page happens to use.
    #[test]
    fn every_colour_class_meets_wcag_aa_contrast() {
        let s = styles();
        for (name, p) in [("light", &s.light), ("dark", &s.dark)] {
            assert_eq!(p.shown.len(), p.foregrounds.len());
            let mut surfaces = p.backgrounds.clone();
            surfaces.push(p.hl_line);
            for (i, fg) in p.shown.iter().enumerate() {
                for bg in &surfaces {
                    let ratio = contrast(*fg, *bg);
                    assert!(
                        ratio >= 4.5,
                        "{name} class {i}: {fg:?} on {bg:?} is {ratio:.2}:1"
                    );
                }
            }
            // The stylesheet draws what was checked.
            let css = stylesheet();
            let hex = |c: &Color| format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
            for fg in &p.shown {
                assert!(
                    css.contains(&hex(fg)),
                    "{name}: {} not in the stylesheet",
                    hex(fg)
                );
            }
        }
        // The theme's highlighted-line colour is the one checked here.
        let theme_css = include_str!("../../themes/default/static/docgen.css");
        for c in [LIGHT_HL_LINE, DARK_HL_LINE] {
            let hex = format!("--hl-line: #{:02x}{:02x}{:02x};", c.r, c.g, c.b);
            assert!(theme_css.contains(&hex), "docgen.css has no `{hex}`");
        }
    }

    #[test]
    fn contrast_follows_wcag() {
        assert!((contrast(Color::BLACK, Color::WHITE) - 21.0).abs() < 1e-9);
        let grey = Color {
            r: 0x76,
            g: 0x76,
            b: 0x76,
            a: 0xff,
        };
        // #767676 on white is the well-known 4.54:1.
        assert!((contrast(grey, Color::WHITE) - 4.54).abs() < 0.01);
        // A colour already readable is kept as it is; an unreadable one keeps its hue.
        assert_eq!(readable(Color::BLACK, &[Color::WHITE], false), Color::BLACK);
        let pale = Color {
            r: 0x96,
            g: 0x98,
            b: 0x96,
            a: 0xff,
        };
        let fixed = readable(pale, &[Color::WHITE], false);
        assert!(contrast(fixed, Color::WHITE) >= MIN_CONTRAST);
        assert!(fixed.r < pale.r && fixed.g < pale.g);
    }

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
