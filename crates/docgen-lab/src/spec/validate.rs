//! From the file as written (`raw`) to a typed [`LabSpec`]: every semantic problem (a check
//! with two kinds, a field that does not apply, an unknown check id in `fails:`, an edit whose
//! text is not in the file) becomes a [`Diagnostic`] at the line it is about.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use docgen_core::diagnostic::Diagnostic;
use serde_yaml::Value;

use super::locator::Locator;
use super::raw::{RawAction, RawCheck, RawLab};
use super::valid_id;
use super::{Action, Check, Edit, EditOp, LabSpec, Pick, Step, Text, TextAt, Variant};
use crate::checks::{self, parse_mode, Fields, Kind};

struct Ctx<'a> {
    shown: &'a Path,
    text: &'a str,
    loc: Locator<'a>,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// An error at the first occurrence of `needle` in item `index` of `section` (or the item's
    /// first line).
    fn err(&mut self, section: &str, index: usize, needle: &str, msg: String, hint: &str) {
        let (line, col, len) = self.loc.find(section, index, needle);
        let mut d = Diagnostic::error(self.shown, msg)
            .at(line, col, len)
            .with_source_from(self.text);
        if !hint.is_empty() {
            d = d.with_hint(hint);
        }
        self.diags.push(d);
    }
}

pub(super) fn validate(
    id: &str,
    dir: &Path,
    shown: &Path,
    text: &str,
    raw: RawLab,
) -> Result<LabSpec, Vec<Diagnostic>> {
    let mut cx = Ctx {
        shown,
        text,
        loc: Locator::new(text),
        diags: Vec::new(),
    };

    // Containerfile.
    if !safe_relative(&raw.image.containerfile) || !dir.join(&raw.image.containerfile).is_file() {
        cx.err(
            "image",
            usize::MAX,
            &raw.image.containerfile,
            format!(
                "the Containerfile `{}` is not a file in the lab directory",
                raw.image.containerfile
            ),
            "name a file beside lab.yaml, e.g. `image: { containerfile: Containerfile }`",
        );
    }

    // Files.
    let mut sources = BTreeSet::new();
    let mut file_texts: BTreeMap<String, String> = BTreeMap::new();
    for (i, f) in raw.files.iter().enumerate() {
        if !safe_relative(&f.src) {
            cx.err(
                "files",
                i,
                &f.src,
                format!(
                    "`{}` must be a relative path inside the lab directory",
                    f.src
                ),
                "",
            );
            continue;
        }
        match std::fs::read(dir.join(&f.src)) {
            Ok(bytes) => {
                file_texts.insert(f.src.clone(), String::from_utf8_lossy(&bytes).into_owned());
            }
            Err(_) => cx.err(
                "files",
                i,
                &f.src,
                format!("`{}` is not a file in the lab directory", f.src),
                "files are read from beside lab.yaml",
            ),
        }
        if !f.dest.starts_with('/') {
            cx.err(
                "files",
                i,
                &f.dest,
                format!(
                    "dest `{}` must be an absolute path in the container",
                    f.dest
                ),
                "",
            );
        }
        if let Some(m) = &f.mode {
            if parse_mode(m).is_none() {
                cx.err(
                    "files",
                    i,
                    m,
                    format!("mode `{m}` is not an octal mode"),
                    "write it quoted, e.g. mode: \"0644\"",
                );
            }
        }
        if let Some(o) = &f.owner {
            if o.is_empty() || o.split(':').count() > 2 || o.contains(char::is_whitespace) {
                cx.err(
                    "files",
                    i,
                    o,
                    format!("owner `{o}` is not `user` or `user:group`"),
                    "",
                );
            }
        }
        if !sources.insert(f.src.clone()) {
            cx.err(
                "files",
                i,
                &f.src,
                format!("`{}` is listed twice", f.src),
                "",
            );
        }
    }

    // Steps.
    let mut steps = Vec::new();
    for (i, s) in raw.steps.iter().enumerate() {
        let timeout = match &s.timeout {
            None => Duration::from_secs(120),
            Some(t) => match parse_duration(t) {
                Some(d) => d,
                None => {
                    cx.err(
                        "steps",
                        i,
                        t,
                        format!("`{t}` is not a duration"),
                        DURATION_HINT,
                    );
                    Duration::from_secs(120)
                }
            },
        };
        steps.push(Step {
            run: s.run.clone(),
            timeout,
        });
    }

    // Where each text is, for the check of its languages against the book's.
    let mut texts = Vec::new();
    let mut text_at = |what: String, (line, col, len): (usize, usize, usize), text: &Text| {
        texts.push(TextAt {
            what,
            line,
            col,
            len,
            text: text.clone(),
        });
    };
    let top = |key: &str| (cx.loc.key_line(key).unwrap_or(1), 1, key.len());
    text_at("the lab's title".into(), top("title"), &raw.title);
    if let Some(d) = &raw.description {
        text_at("the lab's description".into(), top("description"), d);
    }
    for (i, c) in raw.checks.iter().enumerate() {
        let at = cx.loc.find("checks", i, "title:");
        text_at(format!("the title of check `{}`", c.id), at, &c.title);
    }
    for (i, v) in raw.variants.iter().enumerate() {
        if let Some(d) = &v.description {
            let at = cx.loc.find("variants", i, "description:");
            text_at(format!("the description of variant `{}`", v.name), at, d);
        }
    }

    // Checks.
    let mut checks = Vec::new();
    let mut ids = BTreeSet::new();
    if raw.checks.is_empty() {
        cx.diags.push(
            Diagnostic::error(shown, "a lab needs at least one check")
                .at(cx.loc.key_line("checks").unwrap_or(1), 1, 6)
                .with_source_from(text),
        );
    }
    for (i, c) in raw.checks.into_iter().enumerate() {
        if !valid_id(&c.id) {
            cx.err(
                "checks",
                i,
                &c.id,
                format!(
                    "check id `{}` must be lowercase letters, digits and `-`",
                    c.id
                ),
                "",
            );
        }
        if !ids.insert(c.id.clone()) {
            cx.err(
                "checks",
                i,
                &c.id,
                format!("check id `{}` is used twice", c.id),
                "each check needs its own id; variants name checks by it",
            );
        }
        if let Some(check) = check_from_raw(&mut cx, i, c) {
            checks.push(check);
        }
    }

    // Variants.
    let mut variants = Vec::new();
    let mut names = BTreeSet::new();
    for (i, v) in raw.variants.into_iter().enumerate() {
        if !valid_id(&v.name) {
            cx.err(
                "variants",
                i,
                &v.name,
                format!(
                    "variant name `{}` must be lowercase letters, digits and `-`",
                    v.name
                ),
                "",
            );
        }
        if !names.insert(v.name.clone()) {
            cx.err(
                "variants",
                i,
                &v.name,
                format!("variant `{}` is defined twice", v.name),
                "",
            );
        }
        if v.edits.is_empty() {
            cx.err(
                "variants",
                i,
                "edits",
                format!("variant `{}` has no edits", v.name),
                "",
            );
        }
        if v.fails.is_empty() {
            cx.err(
                "variants",
                i,
                "fails",
                format!("variant `{}` names no check that must fail", v.name),
                "a break-it variant proves a check catches something: list the check ids in `fails:`",
            );
        }
        for f in &v.fails {
            if !ids.contains(f) {
                cx.err(
                    "variants",
                    i,
                    f,
                    format!("variant `{}`: there is no check `{f}`", v.name),
                    &format!(
                        "the checks are: {}",
                        ids.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
        let mut edits = Vec::new();
        let mut edited: BTreeMap<String, String> = BTreeMap::new();
        for e in v.edits {
            let op = match (e.remove, e.replace, e.append) {
                (Some(r), None, None) => EditOp::Remove(r),
                (None, Some((a, b)), None) => EditOp::Replace(a, b),
                (None, None, Some(a)) => EditOp::Append(a),
                _ => {
                    cx.err(
                        "variants",
                        i,
                        &e.file,
                        format!(
                            "variant `{}`: an edit of `{}` needs exactly one of `remove`, `replace`, `append`",
                            v.name, e.file
                        ),
                        "",
                    );
                    continue;
                }
            };
            let Some(original) = file_texts.get(&e.file) else {
                cx.err(
                    "variants",
                    i,
                    &e.file,
                    format!(
                        "variant `{}` edits `{}`, which is not one of the lab's `files`",
                        v.name, e.file
                    ),
                    "variants edit the files the lab installs (files[].src)",
                );
                continue;
            };
            let current = edited
                .get(&e.file)
                .cloned()
                .unwrap_or_else(|| original.clone());
            match op.apply(&current) {
                Ok(next) => {
                    edited.insert(e.file.clone(), next);
                }
                Err(why) => {
                    let needle = match &op {
                        EditOp::Remove(t) => t.lines().next().unwrap_or(t).to_string(),
                        EditOp::Replace(a, _) => a.lines().next().unwrap_or(a).to_string(),
                        EditOp::Append(_) => e.file.clone(),
                    };
                    cx.err(
                        "variants",
                        i,
                        &needle,
                        format!("variant `{}`: cannot edit `{}`: {why}", v.name, e.file),
                        "the edit must match the lab's file exactly; fix the text or the file",
                    );
                }
            }
            edits.push(Edit { file: e.file, op });
        }
        variants.push(Variant {
            line: cx.loc.item_line("variants", i),
            name: v.name,
            description: v.description,
            edits,
            fails: v.fails,
        });
    }

    if !cx.diags.is_empty() {
        return Err(cx.diags);
    }
    Ok(LabSpec {
        id: id.to_string(),
        dir: dir.to_path_buf(),
        path: shown.to_path_buf(),
        title: raw.title,
        description: raw.description,
        containerfile: raw.image.containerfile,
        build_args: raw.image.build_args,
        files: raw.files,
        steps,
        checks,
        variants,
        evidence: raw.evidence,
        versions: raw.versions,
        transcript_user: raw.transcripts.map(|t| t.user),
        texts,
        source: text.to_string(),
    })
}

const DURATION_HINT: &str = "write a number with a unit: 500ms, 10s, 2m";

/// The keys every check takes besides its kind's.
const COMMON_KEYS: &str = "id, title, explains, within, holds and before";

fn check_from_raw(cx: &mut Ctx<'_>, i: usize, c: RawCheck) -> Option<Check> {
    let id = c.id.clone();
    let mut rest = c.rest;
    // The kind is the one registered key present. `user` and `group` are also fields of other
    // kinds: they name the kind only when no other kind's key is there.
    let present: Vec<&'static checks::KindDef> = checks::KINDS
        .iter()
        .filter(|k| rest.contains_key(k.name))
        .collect();
    let strong: Vec<&'static checks::KindDef> = present
        .iter()
        .copied()
        .filter(|k| !k.key_is_also_a_field)
        .collect();
    let def = match (strong.as_slice(), present.first()) {
        ([one], _) => *one,
        ([first, second, ..], _) => {
            cx.err(
                "checks",
                i,
                &format!("{}:", second.name),
                format!(
                    "check `{id}` has two kinds, `{}` and `{}`",
                    first.name, second.name
                ),
                "split it into two checks, one kind each",
            );
            return None;
        }
        ([], Some(weak)) => *weak,
        ([], None) => {
            let names: Vec<&str> = checks::KINDS.iter().map(|k| k.name).collect();
            cx.err(
                "checks",
                i,
                &id,
                format!("check `{id}` says nothing to check"),
                &format!("give it one of: {}", names.join(", ")),
            );
            return None;
        }
    };
    let key = rest.remove(def.name).unwrap_or(Value::Null);
    let mut ok = true;
    for field in rest.keys() {
        if def.fields.contains(&field.as_str()) {
            continue;
        }
        let known = checks::KINDS
            .iter()
            .any(|k| k.name == field || k.fields.contains(&field.as_str()));
        let takes = if def.fields.is_empty() {
            format!("it takes no fields besides {COMMON_KEYS}")
        } else {
            format!("a `{}` check takes: {}", def.name, def.fields.join(", "))
        };
        if known {
            cx.err(
                "checks",
                i,
                &format!("{field}:"),
                format!(
                    "check `{id}`: `{field}` does not apply to a `{}` check",
                    def.name
                ),
                &takes,
            );
        } else {
            cx.err(
                "checks",
                i,
                &format!("{field}:"),
                format!("checks[{i}]: unknown field `{field}`"),
                &format!("{takes}; and every check takes {COMMON_KEYS}"),
            );
        }
        ok = false;
    }
    rest.retain(|k, _| def.fields.contains(&k.as_str()));

    let mut duration = |value: &Option<String>| -> Option<std::time::Duration> {
        let w = value.as_ref()?;
        let d = parse_duration(w);
        if d.is_none() {
            cx.err(
                "checks",
                i,
                w,
                format!("check `{id}`: `{w}` is not a duration"),
                DURATION_HINT,
            );
            ok = false;
        }
        d
    };
    let within = duration(&c.within);
    let holds = duration(&c.holds);
    let before = match c.before {
        None => None,
        Some(a) => match action_from_raw(a) {
            Ok(a) => Some(a),
            Err(msg) => {
                cx.err(
                    "checks",
                    i,
                    "before",
                    format!("check `{id}`: {msg}"),
                    "actions: { kill: NAME, pick: worker|master|any, signal: KILL }, { restart-unit: UNIT }, { restart-container: true }, { run: CMD }",
                );
                ok = false;
                None
            }
        },
    };
    let kind = {
        let mut report = |needle: &str, msg: String, hint: &str| {
            cx.err("checks", i, needle, msg, hint);
        };
        let mut fields = Fields::new(&id, def.name, key, rest, &mut report);
        (def.parse)(&mut fields)
    };
    let kind: Arc<dyn Kind> = Arc::from(kind?);
    ok.then(|| Check {
        line: cx.loc.item_line("checks", i),
        id,
        title: c.title,
        explains: c.explains,
        within,
        holds,
        before,
        kind,
    })
}

fn action_from_raw(a: RawAction) -> Result<Action, String> {
    let n = [
        a.kill.is_some(),
        a.restart_unit.is_some(),
        a.restart_container.is_some(),
        a.run.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if n != 1 {
        return Err(
            "`before` needs exactly one of kill, restart-unit, restart-container, run".to_string(),
        );
    }
    if a.kill.is_none() && (a.pick.is_some() || a.signal.is_some()) {
        return Err("`pick` and `signal` go with `kill`".to_string());
    }
    if let Some(process) = a.kill {
        let pick = match a.pick.as_deref() {
            None | Some("any") => Pick::Any,
            Some("worker") => Pick::Worker,
            Some("master") => Pick::Master,
            Some(p) => return Err(format!("pick `{p}` is not worker, master or any")),
        };
        let signal = a.signal.unwrap_or_else(|| "TERM".to_string());
        let bare = signal.trim_start_matches("SIG");
        if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+') {
            return Err(format!("`{signal}` is not a signal name"));
        }
        return Ok(Action::Kill {
            process,
            pick,
            signal: bare.to_string(),
        });
    }
    if let Some(u) = a.restart_unit {
        return Ok(Action::RestartUnit(u));
    }
    if let Some(r) = a.run {
        return Ok(Action::Run(r));
    }
    if a.restart_container == Some(true) {
        Ok(Action::RestartContainer)
    } else {
        Err("write `restart-container: true`".to_string())
    }
}

/// `500ms`, `10s`, `1.5s`, `2m`. At most an hour.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        return None;
    };
    let n: f64 = num.trim().parse().ok()?;
    let secs = n * unit;
    (secs.is_finite() && (0.0..=3600.0).contains(&secs)).then(|| Duration::from_secs_f64(secs))
}

fn safe_relative(p: &str) -> bool {
    let path = Path::new(p);
    !p.is_empty()
        && path.is_relative()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}
