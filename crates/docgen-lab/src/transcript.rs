//! Proven transcripts: a `console` block on a page that names a lab
//! (```` ```console lab=gunicorn-socket ````) is run inside that lab's container, command by
//! command, and what it printed must match what the page shows.
//!
//! A block is a sequence of prompts and the output under each:
//!
//! ```text
//! $ systemctl is-enabled gunicorn        <- `$`: the lab's plain user (`transcripts.user`)
//! enabled
//! # ps -o user,group,args -C gunicorn    <- `#` (or `$ sudo ...`): root
//! USER     GROUP    COMMAND
//! maiviet  www-data /home/maiviet/venv/bin/python3 [..]   <- `[..]`: any text in the line
//! ...                                                      <- a whole-line `...`: any lines
//! $ systemctl is-active nope  # exit 3   <- the exit code it must end with (default 0)
//! ```
//!
//! A command with no output lines shown passes when it exits as expected; one with output must
//! also print exactly those lines (trailing spaces and blank lines at the end aside). A block
//! marked `output=recorded` shows no output in the source: the run records what each command
//! printed, and the site shows that, with the date and versions of the run. The
//! book's pages are scanned by the `docgen` crate, which hands the parsed blocks here; the
//! runner runs them in a base run (or, with `variant=NAME`, in that variant's run only), after
//! the check the block names with `after=CHECK` or else after all checks. Each command may
//! take 30 s unless the block allows more with `timeout=SECONDS`.

use std::path::PathBuf;

use crate::checks::sh_quote;

/// One `console` block that names a lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The page, as diagnostics show it (`content/en/prefork.md`).
    pub page: PathBuf,
    /// The line of the opening fence.
    pub line: usize,
    /// The lab it runs in.
    pub lab: String,
    /// The check after which it runs; `None`: after every check.
    pub after: Option<String>,
    /// `variant=NAME`: it runs in that break-it variant (by `lab test` and
    /// `lab run --variant NAME`) instead of the lab as it is.
    pub variant: Option<String>,
    /// `output=recorded`: the page shows no output of its own; the run records what each
    /// command printed and the site shows that. Only exit codes are compared.
    pub recorded: bool,
    /// `timeout=SECONDS`: how long each of its commands may run; `None`: the lab's probe
    /// timeout (30 s).
    pub timeout: Option<std::time::Duration>,
    /// Its commands, in order.
    pub commands: Vec<Command>,
}

impl Transcript {
    /// `content/en/prefork.md:59`.
    pub fn place(&self) -> String {
        format!("{}:{}", self.page.display(), self.line)
    }
}

/// One prompt of a transcript and the output the page shows under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The line of the prompt in the page.
    pub line: usize,
    /// Whether it runs as root (`#`, `$ sudo ...`) rather than the lab's plain user.
    pub root: bool,
    /// The command as the shell gets it (`sudo` and the `# exit N` note removed).
    pub run: String,
    /// The exit code it must end with.
    pub exit: i32,
    /// The output lines shown, with `...` and `[..]` wildcards.
    pub expect: Vec<String>,
}

/// Parses the text of a block (between its fences); `first_line` is the page line of the
/// text's first line. Errors carry the page line.
pub fn parse_block(text: &str, first_line: usize) -> Result<Vec<Command>, (usize, String)> {
    let mut commands: Vec<Command> = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let line = first_line + i;
        let prompt = raw
            .strip_prefix("$ ")
            .map(|c| (false, c))
            .or_else(|| raw.strip_prefix("# ").map(|c| (true, c)));
        let Some((mut root, first)) = prompt else {
            match commands.last_mut() {
                Some(c) => c.expect.push(raw.trim_end().to_string()),
                None if raw.trim().is_empty() => {}
                None => {
                    return Err((
                        line,
                        "a transcript starts with a prompt: `$ command` or `# command`".into(),
                    ))
                }
            }
            continue;
        };
        // A command continued with `\` at the end of its lines.
        let mut cmd = first.to_string();
        while cmd.ends_with('\\') {
            let Some((_, next)) = lines.next() else { break };
            cmd.pop();
            cmd.push('\n');
            cmd.push_str(next);
        }
        let (cmd, exit) = split_exit(&cmd).map_err(|e| (line, e))?;
        let mut cmd = cmd.trim().to_string();
        if let Some(rest) = cmd.strip_prefix("sudo ") {
            root = true;
            cmd = match rest.trim_start().strip_prefix("-u ") {
                // `sudo -u www-data curl ...`: root runs it as that user.
                Some(as_user) => {
                    let (user, c) = as_user.trim_start().split_once(' ').ok_or((
                        line,
                        "`sudo -u USER` needs a command after the user".to_string(),
                    ))?;
                    format!(
                        "runuser -u {} -- sh -c {}",
                        sh_quote(user),
                        sh_quote(c.trim())
                    )
                }
                None => rest.trim_start().to_string(),
            };
        }
        if cmd.is_empty() {
            return Err((line, "a prompt with no command".into()));
        }
        commands.push(Command {
            line,
            root,
            run: cmd,
            exit,
            expect: Vec::new(),
        });
    }
    for c in &mut commands {
        while c.expect.last().is_some_and(|l| l.trim().is_empty()) {
            c.expect.pop();
        }
    }
    if commands.is_empty() {
        return Err((first_line, "the transcript has no `$` or `#` prompt".into()));
    }
    Ok(commands)
}

/// Splits a trailing `# exit N` note off a command.
fn split_exit(cmd: &str) -> Result<(String, i32), String> {
    if let Some(i) = cmd.rfind("# exit") {
        let note = cmd[i + "# exit".len()..].trim();
        let code = note.parse::<i32>().map_err(|_| {
            format!(
                "`# exit {note}`: write the exit code the command must end with, e.g. `# exit 3`"
            )
        })?;
        return Ok((cmd[..i].trim_end().to_string(), code));
    }
    Ok((cmd.to_string(), 0))
}

/// The script that runs `cmd` in the container as the page's prompt says: root, or `user`
/// with a login shell (its home, its PATH), with stderr merged into stdout as a terminal shows
/// them, and no pager or colours.
pub fn script(cmd: &Command, user: &str) -> String {
    let env =
        "export SYSTEMD_PAGER= SYSTEMD_COLORS=0 PAGER=cat TERM=dumb COLUMNS=160 LANG=C.UTF-8;";
    if cmd.root {
        format!("cd /root; {env} {{ {}\n}} 2>&1", cmd.run)
    } else {
        let inner = format!("{env} {{ {}\n}} 2>&1", cmd.run);
        format!(
            "su -l {} -s /bin/sh -c {} 2>&1",
            sh_quote(user),
            sh_quote(&inner)
        )
    }
}

/// Whether `actual` (a command's output) is what the page shows.
pub fn matches(expect: &[String], actual: &str) -> bool {
    let actual = actual_lines(actual);
    let expect: Vec<&str> = expect.iter().map(|l| l.trim_end()).collect();
    match_from(&expect, &actual)
}

fn actual_lines(actual: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = actual.lines().map(str::trim_end).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn match_from(expect: &[&str], actual: &[&str]) -> bool {
    match expect.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|skip| match_from(rest, &actual[skip..])),
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| line_matches(first, a) && match_from(rest, more)),
    }
}

/// One line against a pattern where `[..]` stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// A unified diff of the page's lines against what ran, for a report.
pub fn diff(place: &str, expect: &[String], actual: &str) -> String {
    let expected = expect.join("\n") + "\n";
    let actual = actual_lines(actual).join("\n") + "\n";
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{place} (the page)"), "the lab (what ran)")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_users_exit_codes_and_outputs() {
        let block = "$ systemctl is-enabled gunicorn\nenabled\n\n# ps -C gunicorn \\\n    -o user=\nmaiviet\n...\n$ sudo tail -n 1 /var/log/nginx/error.log\n$ systemctl is-active nope  # exit 3\ninactive\n$ sudo -u www-data curl -s http://x/\n";
        let cmds = parse_block(block, 10).unwrap();
        assert_eq!(cmds.len(), 5);
        assert_eq!((cmds[0].line, cmds[0].root), (10, false));
        assert_eq!(cmds[0].expect, vec!["enabled"]);
        assert_eq!(cmds[1].run, "ps -C gunicorn \n    -o user=");
        assert!(cmds[1].root);
        assert_eq!(cmds[1].expect, vec!["maiviet", "..."]);
        assert_eq!(
            (cmds[2].root, cmds[2].run.as_str()),
            (true, "tail -n 1 /var/log/nginx/error.log")
        );
        assert_eq!(
            (cmds[3].exit, cmds[3].run.as_str()),
            (3, "systemctl is-active nope")
        );
        assert_eq!(
            cmds[4].run,
            "runuser -u www-data -- sh -c 'curl -s http://x/'"
        );
        assert_eq!(parse_block("enabled\n$ x\n", 5).unwrap_err().0, 5);
        assert!(parse_block("$ x # exit soon\n", 1).is_err());
    }

    #[test]
    fn wildcards_for_lines_and_parts_of_lines() {
        let expect = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
        let ps =
            "  PID  PPID USER\n  101     1 maiviet\n  102   101 maiviet\n  103   101 maiviet\n";
        assert!(matches(
            &expect("  PID  PPID USER\n...\n  103   101 maiviet"),
            ps
        ));
        assert!(matches(&expect("[..]PID[..]\n[..] 1 maiviet\n...\n"), ps));
        assert!(!matches(
            &expect("  PID  PPID USER\n  101     1 root\n..."),
            ps
        ));
        assert!(matches(&expect("enabled"), "enabled  \n\n"));
        assert!(!matches(&expect("enabled"), "enabled\nextra\n"));
        assert!(matches(&expect("..."), ""));
        assert!(line_matches("a[..]b[..]c", "a-x-b-y-c"));
        assert!(!line_matches("a[..]b[..]c", "a-c"));
        assert!(
            !line_matches("ab[..]ba", "aba"),
            "the two ends must not overlap"
        );
    }

    #[test]
    fn a_difference_is_shown_as_a_unified_diff() {
        let d = diff(
            "content/en/unix-socket.md:49",
            &["socket maiviet www-data 770".to_string()],
            "socket maiviet www-data 777\n",
        );
        assert!(
            d.starts_with("--- content/en/unix-socket.md:49 (the page)\n+++ the lab (what ran)\n"),
            "{d}"
        );
        assert!(
            d.contains("\n-socket maiviet www-data 770\n+socket maiviet www-data 777\n"),
            "{d}"
        );
    }

    #[test]
    fn scripts_run_as_the_prompt_says() {
        let mut c = parse_block("$ id -un\n", 1).unwrap().remove(0);
        let s = script(&c, "maiviet");
        assert!(s.starts_with("su -l maiviet -s /bin/sh -c "), "{s}");
        c.root = true;
        assert!(script(&c, "maiviet").starts_with("cd /root;"));
    }
}
