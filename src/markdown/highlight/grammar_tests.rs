//! Tests of docgen's own grammars (`grammars/*.sublime-syntax`): that they load and are the ones
//! found for their languages, that realistic snippets get the scopes a reader expects (checked
//! on the scopes themselves, not on colours), that highlighting keeps every character, and that
//! pathological input neither fails nor panics.

use std::ops::Range;

use super::*;

/// The scope stack (as scope names) over a byte range of a line.
type Part = (Range<usize>, Vec<String>);

/// The scope stacks of a snippet: for each line, its text and its parts.
struct Parsed {
    lines: Vec<(String, Vec<Part>)>,
}

fn parse(lang: &str, code: &str) -> Parsed {
    let (ss, syntax) = find_syntax(lang).expect("a grammar");
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut lines = Vec::new();
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, ss).expect("the line parses");
        let mut parts = Vec::new();
        let mut pos = 0;
        let names = |stack: &ScopeStack| -> Vec<String> {
            stack.as_slice().iter().map(|s| s.build_string()).collect()
        };
        for (at, op) in ops {
            if at > pos {
                parts.push((pos..at, names(&stack)));
                pos = at;
            }
            stack.apply(&op).expect("a valid scope op");
        }
        if pos < line.len() {
            parts.push((pos..line.len(), names(&stack)));
        }
        lines.push((line.to_string(), parts));
    }
    Parsed { lines }
}

impl Parsed {
    /// The stacks over the `nth` occurrence of `needle` on line `line` (0-based).
    fn stacks(&self, line: usize, needle: &str, nth: usize) -> Vec<&Vec<String>> {
        let (text, parts) = &self.lines[line];
        let start = text
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("no {needle:?} (#{nth}) on line {line}: {text:?}"))
            .0;
        let range = start..start + needle.len();
        parts
            .iter()
            .filter(|(r, _)| r.start < range.end && range.start < r.end)
            .map(|(_, s)| s)
            .collect()
    }

    /// Every byte of `needle` (its `nth` occurrence on `line`) is in a scope that `scope`
    /// selects (`string` selects `string.quoted.double.shell`).
    fn has(&self, line: usize, needle: &str, nth: usize, scope: &str) -> bool {
        let selects = |s: &String| s == scope || s.starts_with(&format!("{scope}."));
        self.stacks(line, needle, nth)
            .iter()
            .all(|stack| stack.iter().any(selects))
    }

    #[track_caller]
    fn expect(&self, line: usize, needle: &str, scope: &str) {
        self.expect_nth(line, needle, 0, scope);
    }

    #[track_caller]
    fn expect_nth(&self, line: usize, needle: &str, nth: usize, scope: &str) {
        assert!(
            self.has(line, needle, nth, scope),
            "{needle:?} on line {line} ({:?}) is not in {scope}: {:?}",
            self.lines[line].0,
            self.stacks(line, needle, nth)
        );
    }

    /// No byte of `needle` is in a scope that `scope` selects.
    #[track_caller]
    fn expect_not(&self, line: usize, needle: &str, scope: &str) {
        let selects = |s: &String| s == scope || s.starts_with(&format!("{scope}."));
        let stacks = self.stacks(line, needle, 0);
        assert!(
            stacks.iter().all(|stack| !stack.iter().any(selects)),
            "{needle:?} on line {line} ({:?}) is in {scope}: {stacks:?}",
            self.lines[line].0
        );
    }
}

/// The text of highlighted lines, tags dropped and entities decoded.
fn text_of(lines: &[String]) -> String {
    let mut out = String::new();
    for line in lines {
        let mut in_tag = false;
        let mut plain = String::new();
        for c in line.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        out.push_str(
            &plain
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&"),
        );
    }
    out
}

/// Highlighting `code` as `lang` with its grammar neither fails (which would fall back to plain
/// text) nor loses or adds a character.
#[track_caller]
fn assert_highlights(lang: &str, code: &str) {
    let (ss, syntax) = find_syntax(lang).expect("a grammar");
    let lines = highlighted(code, ss, syntax).expect("highlighting does not fail");
    assert_eq!(lines.len(), LinesWithEndings::from(code).count());
    assert_eq!(text_of(&lines), code);
    for l in &lines {
        assert_eq!(
            l.matches("<span").count(),
            l.matches("</span>").count(),
            "{l}"
        );
    }
}

#[test]
fn own_grammars_load_and_are_found_for_their_languages() {
    for g in &OWN_GRAMMARS {
        let def = SyntaxDefinition::load_from_str(g.text, true, None)
            .unwrap_or_else(|e| panic!("a grammar does not load: {e}"));
        // The tokens read from the header are the name and file extensions syntect sees.
        let mut declared: Vec<&str> = vec![&def.name];
        declared.extend(def.file_extensions.iter().map(String::as_str));
        assert_eq!(g.tokens(), declared);
        assert_eq!(g.set().expect("loads").syntaxes().len(), 1);
    }
    for (lang, name, scope) in [
        ("bash", "Bourne Again Shell (bash)", "source.shell.bash"),
        ("sh", "Bourne Again Shell (bash)", "source.shell.bash"),
        ("zsh", "Bourne Again Shell (bash)", "source.shell.bash"),
        ("shell", "Bourne Again Shell (bash)", "source.shell.bash"),
        ("console", "Bourne Again Shell (bash)", "source.shell.bash"),
        (
            "shell-session",
            "Bourne Again Shell (bash)",
            "source.shell.bash",
        ),
        ("Bash", "Bourne Again Shell (bash)", "source.shell.bash"),
        ("python", "Python", "source.python"),
        ("py", "Python", "source.python"),
        ("python3", "Python", "source.python"),
        ("nginx", "nginx", "source.nginx"),
        ("nginxconf", "nginx", "source.nginx"),
    ] {
        let (ss, syntax) = find_syntax(lang).unwrap_or_else(|| panic!("no grammar for {lang}"));
        assert!(
            OWN_GRAMMARS
                .iter()
                .any(|g| g.set().is_some_and(|own| std::ptr::eq(ss, own))),
            "{lang} is not highlighted by docgen's grammar"
        );
        assert_eq!(syntax.name, name, "{lang}");
        // The scopes of the grammars they replace, for anything that goes by scope.
        assert_eq!(syntax.scope, Scope::new(scope).unwrap(), "{lang}");
    }
    // Every other language keeps two-face's grammar.
    for lang in ["ini", "toml", "yaml", "rust", "dockerfile", "json", "diff"] {
        let (ss, _) = find_syntax(lang).unwrap_or_else(|| panic!("no grammar for {lang}"));
        assert!(std::ptr::eq(ss, syntax_set()), "{lang}");
    }
}

const DEPLOY_SH: &str = r#"#!/usr/bin/env bash
# Deploy the Django app behind gunicorn
set -euo pipefail
APP_DIR="/srv/app"
export DJANGO_SETTINGS_MODULE=app.settings.production
release="$APP_DIR/releases/$(date +%Y%m%d%H%M%S)"
if [[ ! -d "$HOME/venv" ]]; then
  python3 -m venv "$HOME/venv"
fi
for step in migrate collectstatic; do
  "$HOME/venv/bin/python" manage.py "$step" --noinput 2>&1 | tee -a deploy.log
done
sudo tee /etc/systemd/system/gunicorn.service >/dev/null <<'EOF'
[Service]
ExecStart=$HOME/venv/bin/gunicorn app.wsgi:application
EOF
cat <<EOF > /tmp/info
built at $(date) by ${USER:-nobody}
EOF
sudo systemctl restart gunicorn && echo "ok: $# args" || exit 1
echo a#b 'single $HOME' # a comment after a word
deploy() { curl -fsS --max-time 5 "http://127.0.0.1:8000/health" ; }
"#;

#[test]
fn bash_deploy_script_scopes() {
    let p = parse("bash", DEPLOY_SH);
    p.expect(0, "#!/usr/bin/env bash", "comment.line.number-sign");
    p.expect(
        1,
        "# Deploy the Django app behind gunicorn",
        "comment.line.number-sign",
    );
    p.expect(2, "set", "support.function.builtin");
    p.expect(2, "-euo", "variable.parameter.option");
    p.expect_not(2, "pipefail", "variable.parameter");
    p.expect(3, "APP_DIR", "variable.other.readwrite.assignment");
    p.expect(3, "=", "keyword.operator.assignment");
    p.expect(3, "\"/srv/app\"", "string.quoted.double");
    p.expect(4, "export", "storage.modifier");
    p.expect(
        4,
        "DJANGO_SETTINGS_MODULE",
        "variable.other.readwrite.assignment",
    );
    // Command substitution and expansions inside double quotes.
    p.expect(5, "\"", "string.quoted.double");
    p.expect(5, "$APP_DIR", "variable.other.readwrite");
    p.expect(5, "$APP_DIR", "string.quoted.double");
    p.expect(5, "$(", "meta.interpolation.command");
    p.expect(5, "date", "variable.function");
    p.expect(5, "date", "string.quoted.double");
    p.expect_not(5, "date", "string.unquoted");
    p.expect(6, "if", "keyword.control");
    p.expect(6, "[[", "support.function.test");
    p.expect(6, "!", "keyword.operator.logical");
    p.expect(6, "-d", "variable.parameter.option");
    p.expect(6, "$HOME", "variable.other.readwrite");
    p.expect(6, "$HOME", "string.quoted.double");
    p.expect(6, "/venv", "string.quoted.double");
    p.expect(6, "]]", "support.function.test");
    p.expect(6, "then", "keyword.control");
    p.expect(7, "python3", "variable.function");
    p.expect(8, "fi", "keyword.control");
    p.expect(9, "for", "keyword.control");
    p.expect(9, "step", "variable.other.readwrite");
    p.expect(9, "in", "keyword.control");
    p.expect_not(9, "migrate", "variable");
    p.expect(9, ";", "keyword.operator");
    p.expect(9, "do", "keyword.control");
    p.expect(10, "\"$HOME/venv/bin/python\"", "string.quoted.double");
    p.expect(10, "--noinput", "variable.parameter.option");
    p.expect(10, "2", "constant.numeric");
    p.expect(10, ">&", "keyword.operator.redirection");
    p.expect(10, "|", "keyword.operator");
    p.expect(10, "tee", "variable.function");
    p.expect(11, "done", "keyword.control");
    // A heredoc with a quoted delimiter is literal.
    p.expect(12, ">", "keyword.operator.redirection");
    p.expect(12, "<<", "keyword.operator.heredoc");
    p.expect(12, "EOF", "entity.name.tag.heredoc");
    p.expect(13, "[Service]", "string.unquoted.heredoc");
    p.expect(14, "$HOME", "string.unquoted.heredoc");
    p.expect_not(14, "$HOME", "variable");
    p.expect(15, "EOF", "entity.name.tag.heredoc");
    p.expect_not(15, "EOF", "string");
    // A bare delimiter allows expansions; the rest of the opening line is parsed.
    p.expect(16, "cat", "variable.function");
    p.expect(16, ">", "keyword.operator.redirection");
    p.expect(17, "built at", "string.unquoted.heredoc");
    p.expect(17, "$(", "meta.interpolation.command");
    p.expect(17, "${USER:-nobody}", "variable.other.readwrite");
    p.expect(17, ":-", "keyword.operator.expansion");
    // After the heredoc, commands again.
    p.expect(19, "sudo", "variable.function");
    p.expect(19, "&&", "keyword.operator.logical");
    p.expect(19, "echo", "support.function.builtin");
    p.expect(19, "$#", "variable.language");
    p.expect_not(19, "$#", "comment");
    p.expect_not(19, " args", "comment");
    p.expect(19, "||", "keyword.operator.logical");
    p.expect(19, "exit", "keyword.control");
    p.expect(19, "1", "constant.numeric");
    // `#` inside a word is not a comment; after a blank it is.
    p.expect_not(20, "a#b", "comment");
    p.expect(20, "'single $HOME'", "string.quoted.single");
    p.expect_not(20, "$HOME", "variable");
    p.expect(20, "# a comment after a word", "comment.line.number-sign");
    p.expect(21, "deploy", "entity.name.function");
    p.expect(21, "curl", "variable.function");
    p.expect(21, "--max-time", "variable.parameter.option");
    p.expect(21, "5", "constant.numeric");
    p.expect(
        21,
        "\"http://127.0.0.1:8000/health\"",
        "string.quoted.double",
    );
    assert_highlights("bash", DEPLOY_SH);
}

#[test]
fn console_prompts_and_shell_aliases() {
    let code =
        "$ sudo systemctl reload nginx\n$ echo \"$PATH\" | tr : '\\n'\n# apt install nginx\n";
    let p = parse("console", code);
    p.expect(0, "$", "comment.other.prompt");
    p.expect(0, "sudo", "variable.function");
    p.expect_not(0, "systemctl", "variable.function");
    p.expect(1, "$", "comment.other.prompt");
    p.expect(1, "echo", "support.function.builtin");
    p.expect(1, "$PATH", "variable.other.readwrite");
    p.expect(1, "$PATH", "string.quoted.double");
    p.expect(1, "'\\n'", "string.quoted.single");
    // A `#` at the start of a line is a comment (in a script it always is).
    p.expect(2, "# apt install nginx", "comment");
    assert_highlights("console", code);
    for lang in ["sh", "shell", "zsh", "shell-session"] {
        parse(lang, code).expect(0, "sudo", "variable.function");
    }
}

#[test]
fn bash_multi_line_constructs() {
    let code = "msg=\"first\nsecond $x\nthird\"\necho 'a\nb' done\narr=(\n  one \"two\"\n)\ncase \"$1\" in\n  start|up) run ;;\n  *) echo no ;;\nesac\nx=$((1 + $y * (2 - 3)))\ncurl -X POST \\\n  --data @f \\\n  http://x\n";
    let p = parse("bash", code);
    p.expect(0, "\"first", "string.quoted.double");
    p.expect(1, "second", "string.quoted.double");
    p.expect(1, "$x", "variable.other.readwrite");
    p.expect(2, "third\"", "string.quoted.double");
    p.expect(3, "echo", "support.function.builtin");
    p.expect(4, "b'", "string.quoted.single");
    p.expect_not(4, "done", "keyword");
    p.expect(5, "arr", "variable.other.readwrite.assignment");
    p.expect(6, "\"two\"", "string.quoted.double");
    p.expect_not(6, "one", "variable.function");
    p.expect(8, "case", "keyword.control");
    p.expect(8, "\"$1\"", "string.quoted.double");
    p.expect(8, "in", "keyword.control");
    p.expect_not(9, "start", "variable.function");
    p.expect(9, "run", "variable.function");
    p.expect(9, ";;", "keyword.operator");
    p.expect(11, "esac", "keyword.control");
    p.expect(12, "1", "constant.numeric");
    p.expect(12, "$y", "variable.other.readwrite");
    p.expect(12, "*", "keyword.operator.arithmetic");
    p.expect(13, "curl", "variable.function");
    p.expect(13, "\\\n", "punctuation.separator.continuation");
    p.expect(14, "--data", "variable.parameter.option");
    p.expect_not(15, "http://x", "variable.function");
    // After the continued command, a new one.
    assert_highlights("bash", code);
    let p = parse("bash", "cat <<EOF\n$HOME\nEOF\nls\n");
    p.expect(1, "$HOME", "variable.other.readwrite");
    p.expect(3, "ls", "variable.function");
}

const WSGI_PY: &str = r#""""
WSGI config for app.

It exposes the WSGI callable as a module-level variable named ``application``.
"""
import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

BASE_DIR = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
DEBUG = os.environ.get('DEBUG', '') == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("HOSTS", "").split(",") if h]


@lru_cache(maxsize=None)
def application(environ, start_response, *args, retries: int = 3, **kw) -> list:
    """Serve a request."""
    if environ.get("PATH_INFO") is None:
        raise ValueError(f"bad path {environ!r:>10} {{literal}}")
    return [b"ok\n", r"C:\path", 0x1F, 1_000, 3.14, 2j]


class Config(Base):
    def __init__(self, name: dict[str, int] = {}):
        self.name = name  # keep it
        print(len(name), cls, True)
        return lambda x: x and not x
"#;

#[test]
fn python_wsgi_and_settings_scopes() {
    let p = parse("python", WSGI_PY);
    // A docstring over several lines stays a string on its inner lines.
    p.expect(0, "\"\"\"", "string.quoted.double.block");
    p.expect(1, "WSGI config for app.", "string.quoted.double.block");
    p.expect(3, "It exposes", "string.quoted.double.block");
    p.expect(4, "\"\"\"", "string.quoted.double.block");
    p.expect(5, "import", "keyword.control.import");
    p.expect_not(5, "os", "string");
    p.expect(6, "from", "keyword.control.import");
    p.expect(8, "import", "keyword.control.import");
    p.expect(10, "BASE_DIR", "variable.other.constant");
    p.expect(10, "=", "keyword.operator");
    p.expect(10, "Path", "variable.function");
    p.expect(11, "\"DJANGO_SETTINGS_MODULE\"", "string.quoted.double");
    p.expect(12, "'DEBUG'", "string.quoted.single");
    p.expect(12, "''", "string.quoted.single");
    p.expect(12, "==", "keyword.operator");
    p.expect(13, "for", "keyword.control");
    p.expect(13, "in", "keyword.operator.logical");
    p.expect(13, "if", "keyword.control");
    p.expect(16, "@lru_cache", "entity.name.function.decorator");
    p.expect(16, "None", "constant.language");
    p.expect(17, "def", "storage.type.function");
    p.expect(17, "application", "entity.name.function");
    p.expect(17, "environ", "variable.parameter");
    p.expect(17, "start_response", "variable.parameter");
    p.expect(17, "args", "variable.parameter");
    p.expect(17, "retries", "variable.parameter");
    p.expect(17, "int", "support.type");
    p.expect(17, "3", "constant.numeric");
    p.expect(17, "kw", "variable.parameter");
    p.expect(17, "->", "keyword.operator");
    p.expect(17, "list", "support.type");
    p.expect(
        18,
        "\"\"\"Serve a request.\"\"\"",
        "string.quoted.double.block",
    );
    p.expect(19, "is", "keyword.operator.logical");
    p.expect(19, "None", "constant.language");
    p.expect(19, "\"PATH_INFO\"", "string.quoted.double");
    p.expect(20, "raise", "keyword.control");
    p.expect(20, "ValueError", "support.type.exception");
    // f-string: the replacement field is code, not string.
    p.expect(20, "bad path", "string.quoted.double");
    p.expect(20, "environ", "meta.interpolation");
    p.expect_not(20, "environ", "string");
    p.expect(20, "!r", "storage.modifier.conversion");
    p.expect(20, "{{", "constant.character.escape");
    p.expect(20, "literal", "string.quoted.double");
    p.expect_not(20, "literal", "meta.interpolation");
    p.expect(20, "}}", "constant.character.escape");
    p.expect(21, "return", "keyword.control");
    p.expect(21, "\\n", "constant.character.escape");
    p.expect_nth(21, "r", 2, "storage.type.string");
    p.expect_not(21, "\\path", "constant.character.escape");
    p.expect(21, "\\path", "string.quoted.double");
    for n in ["0x1F", "1_000", "3.14", "2j"] {
        p.expect(21, n, "constant.numeric");
    }
    p.expect(24, "class", "storage.type.class");
    p.expect(24, "Config", "entity.name.class");
    p.expect(25, "__init__", "entity.name.function");
    p.expect(25, "self", "variable.parameter");
    p.expect(25, "dict", "support.type");
    p.expect(25, "int", "support.type");
    p.expect(26, "self", "variable.language");
    p.expect_not(26, "name", "variable.language");
    p.expect(26, "# keep it", "comment.line.number-sign");
    p.expect(27, "print", "support.function.builtin");
    p.expect(27, "len", "support.function.builtin");
    p.expect(27, "cls", "variable.language");
    p.expect(27, "True", "constant.language");
    p.expect(28, "lambda", "storage.type");
    p.expect(28, "and", "keyword.operator.logical");
    p.expect(28, "not", "keyword.operator.logical");
    assert_highlights("python", WSGI_PY);
}

#[test]
fn python_strings_of_every_kind() {
    let code = "a = '''one\ntwo ' \" still\n'''\nb = rb'\\d' + B\"x\" + u'y' + Rf\"{z}\\d\" + f'{x:{w}}'\nc = \"open\nd = 1\n";
    let p = parse("python", code);
    p.expect(1, "two ' \" still", "string.quoted.single.block");
    p.expect(2, "'''", "string.quoted.single.block");
    p.expect(3, "rb", "storage.type.string");
    p.expect(3, "'\\d'", "string.quoted.single");
    p.expect(3, "\"x\"", "string.quoted.double");
    p.expect(3, "z", "meta.interpolation");
    p.expect_not(3, "\\d\"", "constant.character.escape");
    p.expect(3, "w", "meta.interpolation");
    // An unterminated one-line string ends with its line.
    p.expect(4, "\"open", "string.quoted.double");
    p.expect_not(5, "d", "string");
    p.expect(5, "1", "constant.numeric");
    assert_highlights("python", code);
}

const SITE_NGINX: &str = r#"# app site
upstream app_server {
    server unix:/run/gunicorn/gunicorn.sock fail_timeout=0;
    keepalive 32;
}

server {
    listen 80 default_server;
    listen [::]:443 ssl http2;
    server_name example.com www.example.com;
    client_max_body_size 64k;
    keepalive_timeout 10s;
    gzip on;

    location = /favicon.ico { access_log off; log_not_found off; }
    location /static/ {
        alias /srv/app/static/;
        expires 30d;
    }
    location ~* \.(png|jpg)$ {
        add_header Cache-Control "public, max-age=$expires";
    }
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_pass http://unix:/run/gunicorn/gunicorn.sock;
        if ($request_method !~ ^(GET|POST)$) {
            return 405;
        }
    }
    log_format main '$remote_addr - $remote_user [$time_local] '
                    '"$request" $status';
    allow 10.0.0.0/8;
    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
    }
}
"#;

#[test]
fn nginx_site_scopes() {
    let p = parse("nginx", SITE_NGINX);
    p.expect(0, "# app site", "comment.line.number-sign");
    p.expect(1, "upstream", "storage.type.context");
    p.expect(1, "app_server", "entity.name");
    p.expect(1, "{", "punctuation.section.block.begin");
    p.expect(2, "server", "keyword.other.directive");
    p.expect_not(2, "unix:/run", "keyword");
    p.expect(2, "0", "constant.numeric");
    p.expect(2, ";", "punctuation.terminator");
    p.expect(3, "keepalive", "keyword.other.directive");
    p.expect(3, "32", "constant.numeric");
    p.expect(4, "}", "punctuation.section.block.end");
    p.expect(6, "server", "storage.type.context");
    p.expect(7, "listen", "keyword.other.directive");
    p.expect(7, "80", "constant.numeric");
    p.expect(8, "[::]:443", "constant.numeric");
    p.expect(9, "server_name", "keyword.other.directive");
    p.expect(10, "64k", "constant.numeric");
    p.expect(11, "10s", "constant.numeric");
    p.expect(12, "gzip", "keyword.other.directive");
    p.expect(12, "on", "constant.language");
    p.expect(14, "location", "storage.type.context");
    p.expect(14, "=", "keyword.operator");
    p.expect(14, "access_log", "keyword.other.directive");
    p.expect(14, "off", "constant.language");
    p.expect(14, "log_not_found", "keyword.other.directive");
    p.expect(14, "}", "punctuation.section.block.end");
    p.expect(15, "/static/", "entity.name");
    p.expect(16, "alias", "keyword.other.directive");
    p.expect(17, "30d", "constant.numeric");
    p.expect(19, "~*", "keyword.operator");
    p.expect(19, "\\.(png|jpg)$", "string.regexp");
    p.expect(20, "\"public, max-age=", "string.quoted.double");
    p.expect(20, "$expires", "variable.other");
    p.expect(20, "$expires", "string.quoted.double");
    p.expect(23, "proxy_set_header", "keyword.other.directive");
    p.expect_not(23, "Host", "keyword");
    p.expect(23, "$host", "variable.other");
    p.expect(24, "$proxy_add_x_forwarded_for", "variable.other");
    p.expect(25, "proxy_pass", "keyword.other.directive");
    p.expect_not(25, "http://unix:/run/gunicorn/gunicorn.sock", "keyword");
    p.expect(26, "if", "keyword.control");
    p.expect(26, "$request_method", "variable.other");
    p.expect(26, "!~", "keyword.operator");
    p.expect(27, "return", "keyword.other.directive");
    p.expect(27, "405", "constant.numeric");
    p.expect(30, "log_format", "keyword.other.directive");
    p.expect(30, "$remote_addr", "variable.other");
    p.expect(30, "$remote_addr", "string.quoted.single");
    // The arguments go on over the next line, to the `;`.
    p.expect(31, "'\"$request\" $status'", "string.quoted.single");
    p.expect(31, "$status", "variable.other");
    p.expect_not(31, "'", "keyword");
    p.expect(32, "allow", "keyword.other.directive");
    p.expect(32, "10.0.0.0/8", "constant.numeric");
    p.expect(33, "map", "storage.type.context");
    p.expect(33, "$http_upgrade", "variable.other");
    p.expect(34, "default", "keyword.other.directive");
    p.expect_not(34, "upgrade", "keyword");
    p.expect(35, "''", "string.quoted.single");
    p.expect_not(35, "close", "keyword");
    p.expect(37, "}", "punctuation.section.block.end");
    assert_highlights("nginx", SITE_NGINX);
}

#[test]
fn pathological_input_highlights_without_failing() {
    let long_words = "word ".repeat(2_000);
    let long_token = "x".repeat(10_000);
    let long_string = format!("\"{}\"", "s".repeat(10_000));
    let long_punct = "(){}[];|&<>$#'\"`\\".repeat(600);
    for lang in ["bash", "python", "nginx"] {
        for code in [
            "echo \"unterminated\nnext line\n",
            "echo 'unterminated\n",
            "cat <<EOF\nno end\n",
            "x = \"\"\"never closed\nstill\n",
            "f'{unclosed\n",
            "def f(a, b\n  c = 1\n",
            "server {\n  location / {\n    proxy_pass x\n",
            "}}}}\n{{{{\n))))\n((((\n]]\n",
            "$(( $(( ${ ${ `\n",
            "if (\n",
            "\n\n\n",
            "",
            "no newline at the end",
            "\u{feff}é 日本語 🎉 \"ü\" $é\n",
            &long_words,
            &long_token,
            &long_string,
            &long_punct,
        ] {
            assert_highlights(lang, code);
        }
    }
}
