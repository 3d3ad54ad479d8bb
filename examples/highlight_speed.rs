//! Times docgen's syntax highlighting per fence language on a corpus of Markdown pages.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --pages 1000 --seed 7 --out /tmp/hl-corpus
//! cargo run --release --example highlight_speed -- [--corpus /tmp/hl-corpus] [--rounds 5] [--lang bash]
//! ```
//!
//! Every fenced block under the corpus's `src/` is grouped by the first word of its info string
//! (`ini title="x"` counts as `ini`); each language's blocks then go through
//! `highlight_lines` once to warm up (regexes compile lazily) and `--rounds` more times, timed;
//! the fastest round is reported as µs per source line, which is what a build pays per line of
//! that language. The first calls, which load the syntax sets, are timed on their own (wall
//! time).
//!
//! The rounds are timed in the thread's CPU time where Linux reports it
//! (`/proc/thread-self/schedstat`; it lags by up to a scheduler tick, a few % of a round), so
//! that time the thread spends waiting for a busy machine does not count; elsewhere in wall
//! time. On a shared machine, compare figures from the same run, or runs close together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use docgen::markdown::highlight::highlight_lines;

// The allocator of the docgen binary, so that the figures are those of a build.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A clock: the thread's CPU time if the OS reports it, else wall time since the first call.
fn now() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let cpu = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok());
    match cpu {
        Some(ns) => Duration::from_nanos(ns),
        None => START.get_or_init(Instant::now).elapsed(),
    }
}

fn main() {
    let mut corpus = PathBuf::from("/tmp/hl-corpus");
    let mut rounds = 5usize;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--corpus" => corpus = args.next().expect("--corpus DIR").into(),
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--rounds N")
            }
            "--lang" => only = Some(args.next().expect("--lang LANG")),
            other => panic!("unknown argument {other}"),
        }
    }

    let mut blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut files = Vec::new();
    collect_md(&corpus.join("src"), &mut files);
    files.sort();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read page");
        for (lang, code) in fences(&text) {
            if only.as_ref().is_some_and(|o| *o != lang) {
                continue;
            }
            blocks.entry(lang).or_default().push(code);
        }
    }
    assert!(
        !blocks.is_empty(),
        "no fenced blocks under {}",
        corpus.display()
    );

    // The first calls load the syntax sets: docgen's own grammars (if the build has them) and
    // two-face's set.
    for lang in ["bash", "toml"] {
        let t = Instant::now();
        highlight_lines("x\n", Some(lang));
        println!(
            "first `{lang}` block (loads its syntax set): {:.1} ms",
            ms(t.elapsed())
        );
    }

    println!(
        "{:<12} {:>7} {:>9} {:>10} {:>10}",
        "lang", "blocks", "lines", "warm-up ms", "µs/line"
    );
    for (lang, codes) in &blocks {
        let lines: usize = codes.iter().map(|c| c.lines().count()).sum();
        let t = now();
        run(lang, codes);
        let warm = now() - t;
        let mut best = Duration::MAX;
        for _ in 0..rounds {
            let t = now();
            run(lang, codes);
            best = best.min(now() - t);
        }
        println!(
            "{:<12} {:>7} {:>9} {:>10.1} {:>10.2}",
            lang,
            codes.len(),
            lines,
            ms(warm),
            best.as_secs_f64() * 1e6 / lines.max(1) as f64
        );
    }
}

fn run(lang: &str, codes: &[String]) {
    for c in codes {
        std::hint::black_box(highlight_lines(c, Some(lang)));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn collect_md(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_md(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

/// The fenced blocks of a page as (language, code); blocks without a language are skipped.
fn fences(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let lang = info.split_whitespace().next().unwrap_or("").to_string();
                    open = Some((lang, String::new()));
                }
            }
            Some((lang, code)) => {
                if trimmed.trim_end() == "```" {
                    if !lang.is_empty() {
                        out.push((std::mem::take(lang), std::mem::take(code)));
                    }
                    open = None;
                } else {
                    code.push_str(line);
                }
            }
        }
    }
    out
}
