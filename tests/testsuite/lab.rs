//! Lab tests against the real engine: real Docker, systemd as PID 1, gunicorn, Django and nginx.
//! They skip (with the reason printed) when `docker info` fails or the base image is missing,
//! always through `support::skip`: under `DOCGEN_REQUIRE_DOCKER=1` (scripts/test, CI) those
//! fail instead. The usage-error test needs no engine.
//! Each test runs the `docgen` binary in a throwaway book whose `labs/` is this repository's.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{
    containers_with, docgen_command, docker_or_skip, repo_root, skip, strip_tags, unescape_html,
    Book, Need, Run,
};

/// What the tests here would do with an engine, for the skip message.
const REAL_LAB: &str = "a real lab run";

/// A book with only `book.toml` and this repository's labs (symlinked), so its cache directory
/// (`target/docgen` under the book) is its own.
fn lab_book() -> Book {
    let book = Book::empty();
    book.write("book.toml", "[book]\ntitle = \"lab tests\"\n");
    std::os::unix::fs::symlink(repo_root().join("labs"), book.path().join("labs")).unwrap();
    book
}

/// `docgen --root BOOK ARGS`, not started yet.
fn lab_cmd(book: &Book, args: &[&str]) -> Command {
    let mut c = docgen_command();
    c.arg("--root").arg(book.path()).args(args);
    c
}

/// `docgen --root BOOK ARGS`, run to the end.
fn lab(book: &Book, args: &[&str]) -> Run {
    Run::of(
        lab_cmd(book, args),
        format!("docgen --root {} {}", book.path().display(), args.join(" ")),
    )
}

#[test]
fn lab_test_gunicorn_socket_passes_and_every_variant_is_caught() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = lab_book();
    let run = lab(&book, &["lab", "test", "gunicorn-socket"]).code(0);
    for v in [
        "no-runtime-directory",
        "wrong-group",
        "one-worker",
        "no-install-section",
        "tcp-bind",
    ] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(&format!("variant {v}")) && l.contains("ok")),
            "variant {v} not reported ok\n{}",
            run.dump()
        );
    }
    // The base run is stored for the site.
    let r: serde_json::Value =
        serde_json::from_str(&book.read("target/docgen/labs/gunicorn-socket/last.json")).unwrap();
    assert_eq!(r["outcome"], "passed");
    assert_eq!(r["versions"]["gunicorn"], "27.0.1");
}

#[test]
fn lab_test_wsgi_settings_passes_and_every_variant_is_caught() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = lab_book();
    lab(&book, &["lab", "test", "wsgi-settings"])
        .code(0)
        .stderr_has("lab test: all 1 labs ok");
}

/// A broken unit: one worker instead of three.
fn broken_unit(book: &Book) -> PathBuf {
    let unit =
        std::fs::read_to_string(repo_root().join("labs/gunicorn-socket/gunicorn.service")).unwrap();
    assert!(unit.contains("--workers 3"));
    book.write("mine.service", &unit.replace("--workers 3", "--workers 1"));
    book.path().join("mine.service")
}

/// The check ids of a repository lab, and the checks one of its variants declares it fails.
fn lab_checks_and_fails(lab: &str, variant: &str) -> (Vec<String>, Vec<String>) {
    let text =
        std::fs::read_to_string(repo_root().join("labs").join(lab).join("lab.yaml")).unwrap();
    let y: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let ids = |v: &serde_yaml::Value| -> Vec<String> {
        v.as_sequence()
            .unwrap()
            .iter()
            .map(|c| c.as_str().or_else(|| c["id"].as_str()).unwrap().to_string())
            .collect()
    };
    let checks = ids(&y["checks"]);
    let fails = y["variants"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| v["name"].as_str() == Some(variant))
        .map(|v| ids(&v["fails"]))
        .unwrap();
    (checks, fails)
}

#[test]
fn run_with_a_broken_unit_exits_1_and_names_the_failing_checks_in_junit_and_json() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = lab_book();
    let with = format!("gunicorn.service={}", broken_unit(&book).display());

    let args = [
        "lab",
        "run",
        "gunicorn-socket",
        "--with",
        &with,
        "--format",
        "junit",
    ];
    let run = lab(&book, &args)
        .code(1)
        .stderr_has("  check  FAIL workers");
    // Valid JUnit XML: it parses, and the failed testcases are the checks that caught it.
    let xml = String::from_utf8(run.stdout_bytes.clone()).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failed, mut current) = (0, Vec::new(), String::new());
    let mut root = None;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e)) => {
                let name = e.name().into_inner().to_string();
                root.get_or_insert(name.clone());
                if name == "testcase" {
                    cases += 1;
                    current = e
                        .try_get_attribute("name")
                        .unwrap()
                        .map(|a| a.value.to_string())
                        .unwrap_or_default();
                } else if name == "failure" {
                    failed.push(current.clone());
                }
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("invalid XML: {e}\n{}", run.dump()),
        }
    }
    // What --workers 1 must fail is what the lab declares for its one-worker variant.
    let (checks, mut one_worker) = lab_checks_and_fails("gunicorn-socket", "one-worker");
    one_worker.sort();
    failed.sort();
    assert_eq!(root.as_deref(), Some("testsuites"));
    assert_eq!(cases, checks.len(), "{xml}"); // one testcase per check of the lab
    assert_eq!(failed, one_worker, "{xml}");

    let args = [
        "lab",
        "run",
        "gunicorn-socket",
        "--with",
        &with,
        "--format",
        "json",
    ];
    let run = lab(&book, &args).code(1);
    let r: serde_json::Value = serde_json::from_slice(&run.stdout_bytes)
        .unwrap_or_else(|e| panic!("invalid JSON: {e}\n{}", run.dump()));
    let failed: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "passed")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let mut failed = failed;
    failed.sort();
    assert_eq!(failed, one_worker);
    assert_eq!(r["outcome"], "failed");
    // A --with run is not the lab's result: nothing stored for the site.
    assert!(!book
        .path()
        .join("target/docgen/labs/gunicorn-socket/last.json")
        .exists());
}

/// Starts `docgen lab run gunicorn-socket`, sends SIGINT once a stderr line contains `marker`,
/// and checks exit 130 and that no container of that process is left.
fn interrupt_when(marker: &str) {
    interrupt_during(&["lab", "run", "gunicorn-socket"], marker);
}

/// Runs `args`, sends SIGINT once `marker` shows on stderr, and requires exit 130 with no
/// container of that process left.
fn interrupt_during(args: &[&str], marker: &str) {
    let book = lab_book();
    let mut child = lab_cmd(&book, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen = false;
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) if line.contains(marker) => {
                seen = true;
                break;
            }
            Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if seen {
        let k = Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap();
        assert!(k.success());
    } else {
        let _ = child.kill();
    }
    let status = child.wait().unwrap();
    let err = reader.join().unwrap();
    assert!(seen, "never saw {marker:?} on stderr:\n{err}");
    assert_eq!(status.code(), Some(130), "status {status:?}\n{err}");
    assert!(err.contains("interrupted by SIGINT"), "{err}");
    assert_eq!(
        containers_with(&["docgen.managed=true", &format!("docgen.owner-pid={pid}")]),
        Vec::<String>::new(),
        "containers left behind\n{err}"
    );
}

#[test]
fn sigint_during_boot_exits_130_and_leaves_no_container() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    // The build phase line is printed just before the container is started and booted.
    interrupt_when("  build  ok");
}

#[test]
fn sigint_during_checks_exits_130_and_leaves_no_container() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    interrupt_when("check  ok   enabled");
}

/// Ctrl-C while `lab test --jobs 2` has two variants' containers running: every run stops,
/// and none of its containers is left.
#[test]
fn sigint_during_a_parallel_lab_test_leaves_no_container() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    // Both variants' runs have booted (their lines are prefixed with the variant's name).
    interrupt_during(
        &["lab", "test", "gunicorn-socket", "--jobs", "2"],
        "[wrong-group]   boot   ok",
    );
}

#[test]
fn gc_removes_containers_of_dead_owners() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = lab_book();
    // Owned by a pid that cannot exist.
    let o = Command::new("docker")
        .args([
            "create",
            "--label",
            "docgen.managed=true",
            "--label",
            "docgen.owner-pid=4194999",
            "--label",
            "docgen.lab=gc-test",
            "docgen-base:bookworm",
            "true",
        ])
        .output()
        .unwrap();
    if !o.status.success() {
        // Through the one rule: a failure, not a skip, under DOCGEN_REQUIRE_DOCKER=1.
        skip(
            Need::Docker,
            &format!(
                "no base image to create a container from: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
        );
        return;
    }
    let id = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let out = lab(&book, &["lab", "gc"]).code(0);
    let left = Command::new("docker")
        .args([
            "ps",
            "-a",
            "-q",
            "--no-trunc",
            "--filter",
            &format!("id={id}"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&left.stdout).trim(),
        "",
        "{}",
        out.dump()
    );
}

/// Builds a tiny labelled image from the base image (no RUN: nothing to download).
fn probe_image(tag: &str, marker: &str) -> Result<(), String> {
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(
        ctx.path().join("Containerfile"),
        format!("FROM docgen-base:bookworm\nLABEL docgen.managed=true docgen.probe={marker}\n"),
    )
    .unwrap();
    let o = Command::new("docker")
        .args(["build", "-q", "-f", "Containerfile", "-t", tag, "."])
        .current_dir(ctx.path())
        .output()
        .unwrap();
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

fn image_exists(tag: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", tag])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn gc_images_removes_a_labs_older_images_and_keeps_its_newest() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = lab_book();
    let lab_id = format!("gcprobe{}", std::process::id());
    let older = format!("docgen-lab-{lab_id}:00000000000000a1");
    let newer = format!("docgen-lab-{lab_id}:00000000000000a2");
    if let Err(e) = probe_image(&older, "older") {
        // Through the one rule: a failure, not a skip, under DOCGEN_REQUIRE_DOCKER=1.
        skip(
            Need::Docker,
            &format!("no base image to build a probe image from: {e}"),
        );
        return;
    }
    // Image times are to the second or finer; a pause makes the order certain.
    std::thread::sleep(Duration::from_millis(1100));
    probe_image(&newer, "newer").unwrap();
    // Without --images nothing of it goes.
    lab(&book, &["lab", "gc"]).code(0);
    assert!(image_exists(&older) && image_exists(&newer));
    let out = lab(&book, &["lab", "gc", "--images", "--lab", &lab_id]);
    let (older_gone, newer_kept) = (!image_exists(&older), image_exists(&newer));
    let _ = Command::new("docker")
        .args(["rmi", &older, &newer])
        .output();
    let out = out.code(0);
    assert!(older_gone, "{}", out.dump());
    assert!(newer_kept, "{}", out.dump());
    assert!(
        out.stdout.contains(&format!("removed image {older}")) && !out.stdout.contains(&newer),
        "{}",
        out.dump()
    );
}

#[test]
fn unknown_lab_and_bad_with_are_usage_errors() {
    let book = lab_book();
    lab(&book, &["lab", "run", "no-such-lab"])
        .code(2)
        .stderr_has("no lab `no-such-lab`");
    lab(
        &book,
        &["lab", "run", "gunicorn-socket", "--with", "nonsense"],
    )
    .code(2);
}

/// The `systemd-security` check kind on real systemd: `tests/fixtures/lab-security` has a
/// locked-down unit that must score at most 2.0, and a variant without its sandbox that must
/// fail that check. Also the proof of the check-kind seam: the kind is one file and one line
/// in the registry, and it runs end to end.
#[test]
fn systemd_security_scores_a_locked_down_unit_low_and_catches_the_sandbox_removed() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = Book::fixture("lab-security");
    let run = book.run(&["lab", "test", "--format", "json"]).code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let lab = &report[0];
    assert_eq!(lab["ok"], true, "{}", run.dump());
    let base = &lab["base"]["checks"][0];
    assert_eq!(base["kind"], "systemd-security");
    assert_eq!(base["status"], "passed");
    let seen = base["seen"].as_str().unwrap();
    let score: f64 = seen
        .strip_prefix("exposure ")
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no score in {seen:?}"));
    assert!(score <= 2.0, "{seen}");
    let variant = &lab["variants"][0];
    assert_eq!(variant["name"], "no-sandbox");
    let broken = &variant["report"]["checks"][0];
    assert_eq!(broken["status"], "failed", "{}", run.dump());
    let seen = broken["seen"].as_str().unwrap();
    assert!(
        seen.contains("costliest: ") && seen.contains("PrivateNetwork="),
        "a failure names the costliest settings: {seen}"
    );
}

/// A copy of the course whose labs are this repository's: its pages' transcripts run in them.
fn course_book() -> Book {
    let book = lab_book();
    std::fs::copy(repo_root().join("book.toml"), book.path().join("book.toml")).unwrap();
    crate::support::copy_dir(&repo_root().join("content"), &book.path().join("content"));
    book
}

/// Proven transcripts: a course page's `console lab=...` block runs in the lab, and an output
/// on the page that the lab does not print fails the run at the page's line, with a diff.
#[test]
fn a_wrong_output_on_a_page_fails_the_lab_run_at_its_line_with_a_diff() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = course_book();
    let page = "content/en/unix-socket.md";
    let original = book.read(page);
    let shown =
        "$ stat -c '%F %U %G %a' /run/gunicorn/gunicorn.sock\nsocket maiviet www-data 777\n";
    assert!(original.contains(shown), "the course page changed: {page}");
    let line = original[..original.find(shown).unwrap()].lines().count() + 1;
    book.write(
        page,
        &original.replacen(shown, &shown.replace("777", "770"), 1),
    );
    let run = lab(&book, &["lab", "run", "gunicorn-socket"]).code(1);
    for want in [
        format!("{page}:{line}: transcript differs"),
        format!("--- {page}:{line} (the page)"),
        "-socket maiviet www-data 770".to_string(),
        "+socket maiviet www-data 777".to_string(),
    ] {
        assert!(
            run.stderr.contains(&want),
            "missing {want:?}\n{}",
            run.dump()
        );
    }
    // The Vietnamese page's copy of the block still passes: only the edited one fails.
    assert!(run.stderr.contains("FAILED: 1 of "), "{}", run.dump());
    book.write(page, &original);
    let run = lab(&book, &["lab", "run", "gunicorn-socket"]).code(0);
    assert!(
        run.stderr.contains(&format!("transcript:{page}:")),
        "the transcripts ran: {}",
        run.dump()
    );
}

/// Claim coverage on real systemd: an annotated line is proven by the declared variant that
/// edits it, and, once that variant is gone, by a generated one; a line no check notices is
/// listed as unproven and `[labs] min-claim-coverage` fails the test.
#[test]
fn claims_are_proven_by_declared_or_generated_variants_and_coverage_is_enforced() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = Book::fixture("lab-security");
    book.write(
        "book.toml",
        "[book]\ntitle = \"Hardening\"\nlanguage = \"en\"\nsrc = \"src\"\n\n[labs]\nmin-claim-coverage = 1.0\n",
    );
    book.write(
        "src/index.md",
        "# Hardening\n\n```ini title=\"sleeper.service\" annotations\n{{#include ../labs/hardening/sleeper.service}}\n```\n\n1. `ExecStart=`: what the service runs.\n2. `RemoveIPC=yes`: the service's System V IPC objects go when it stops.\n\n{{#lab hardening}}\n",
    );
    let spec = book.read("labs/hardening/lab.yaml");
    let with_variant = format!(
        "{spec}  - name: no-exec\n    edits:\n      - {{ file: sleeper.service, remove: \"ExecStart=/bin/sleep infinity\" }}\n    fails: [exposure]\n"
    );
    book.write("labs/hardening/lab.yaml", &with_variant);
    let claims = |run: &Run| -> serde_json::Value {
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        report[0]["claims"].clone()
    };

    let run = book
        .run(&["lab", "test", "--format", "json"])
        .code(1)
        .stderr_has("claims 1/2 proven, below [labs] min-claim-coverage = 1");
    let c = claims(&run);
    assert_eq!(
        (c["proven"].as_u64(), c["total"].as_u64()),
        (Some(1), Some(2)),
        "{c}"
    );
    assert_eq!(c["claims"][0]["key"], "ExecStart=");
    assert_eq!(c["claims"][0]["status"], "proven");
    assert_eq!(
        c["claims"][0]["variant"], "no-exec",
        "the declared variant proves it"
    );
    assert_eq!(c["claims"][1]["status"], "unproven", "{c}");
    assert_eq!(c["unproven"][0], "src/index.md:8");

    // Without the declared variant, a generated one removes the line and still catches it.
    book.write("labs/hardening/lab.yaml", &spec);
    book.write(
        "src/index.md",
        &book.read("src/index.md").replace(
            "when it stops.",
            "when it stops. <!-- claim: informational: scored too low to move the exposure past the maximum -->",
        ),
    );
    let run = book.run(&["lab", "test", "--format", "json"]).code(0);
    let c = claims(&run);
    assert_eq!(
        (c["proven"].as_u64(), c["total"].as_u64()),
        (Some(1), Some(1)),
        "{c}"
    );
    assert_eq!(c["claims"][0]["variant"], "claim-sleeper-service-5");
    assert_eq!(c["claims"][0]["checks"][0], "exposure");
    assert_eq!(c["claims"][1]["status"], "informational");
}

/// `check --require-proven` passes once the lab has run the page's transcript, and fails as
/// stale when the page's transcript changes afterwards.
#[test]
fn require_proven_passes_after_a_run_and_fails_when_the_page_changes() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = Book::fixture("lab-security");
    let page = "# Hardening\n\n```console lab=hardening\n# systemctl is-enabled sleeper  # exit 1\ndisabled\n```\n\n{{#lab hardening}}\n";
    book.write("src/index.md", page);
    book.run(&["check", "--require-proven"])
        .code(1)
        .stderr_has("has no recorded result here");
    book.run(&["lab", "run", "hardening"])
        .code(0)
        .stderr_has("transcript:src/index.md:3");
    book.run(&["check", "--require-proven"]).code(0);
    book.write(
        "src/index.md",
        &page.replace("is-enabled", "is-enabled --quiet"),
    );
    book.run(&["check", "--require-proven"])
        .code(1)
        .stderr_has("is stale: the lab or its pages changed since");
}

/// The page shows what is proven: a transcript's stamp (passed, the day, the versions), a
/// recorded output filled in from the run, each annotation's claim with the check that proved
/// it; and, once the page changes, the same results marked stale. Before any run, the page
/// says how to record them instead of showing an output nobody saw.
#[test]
fn pages_show_stamps_recorded_outputs_and_claims_and_mark_them_stale() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = Book::fixture("lab-security");
    let page = "# Hardening\n\n```console lab=hardening output=recorded\n# systemctl cat sleeper\n```\n\n```console lab=hardening\n# systemctl is-enabled sleeper  # exit 1\ndisabled\n```\n\n```ini title=\"sleeper.service\" annotations\n{{#include ../labs/hardening/sleeper.service}}\n```\n\n1. `ExecStart=`: what the service runs.\n2. `DynamicUser=yes`: a user made for the run. <!-- claim: informational: the sandbox as a whole is what the exposure check scores -->\n\n{{#lab hardening}}\n";
    book.write("src/index.md", page);
    book.run(&["build"]).code(0);
    let html = book.output("index.html");
    assert!(
        html.contains("data-proof=\"missing\"")
            && html.contains("output not recorded yet: run <code>docgen lab run hardening</code>"),
        "{html}"
    );
    assert!(
        !html.contains("ExecStart=/bin/sleep infinity\n"),
        "no output nobody saw"
    );

    book.run(&["lab", "test", "hardening"]).code(0);
    book.run(&["build"]).code(0);
    let html = book.output("index.html");
    let last: serde_json::Value =
        serde_json::from_str(&book.read("target/docgen/labs/hardening/last.json")).unwrap();
    let day = &last["started_at"].as_str().unwrap()[..10];
    let systemd = last["versions"]["systemd"].as_str().unwrap_or("");
    assert_eq!(html.matches("data-proof=\"passed\"").count(), 2, "{html}");
    assert!(
        html.contains(&format!(
            "✓ passed, output recorded · <time datetime=\"{day}\">{day}</time>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("systemd {systemd}")),
        "the versions of the run: {html}"
    );
    // The recorded output is what `systemctl cat` printed in the lab: the installed unit.
    let text = strip_tags(&unescape_html(&html));
    assert!(
        text.contains("# /etc/systemd/system/sleeper.service"),
        "{text}"
    );
    assert!(
        html.contains("<span class=\"proof proof-proven\">✓ proven: removing this line fails <code>exposure</code>"),
        "{html}"
    );
    assert!(html.contains("class=\"ann-marker proof-proven\""), "{html}");
    assert!(html.contains("proof proof-informational"), "{html}");

    // The lab changes: the same results, marked stale.
    let spec = book.read("labs/hardening/lab.yaml");
    book.write(
        "labs/hardening/lab.yaml",
        &spec.replace("at most 2.0 (OK)", "at most 2.0 (OK) "),
    );
    book.run(&["build"]).code(0);
    let html = book.output("index.html");
    assert_eq!(html.matches("data-proof=\"stale\"").count(), 2, "{html}");
    assert!(html.contains("proof proof-stale"), "{html}");
    // A stale result still shows the output that was recorded, marked stale.
    let text = strip_tags(&unescape_html(&html));
    assert!(
        text.contains("# /etc/systemd/system/sleeper.service"),
        "{text}"
    );
}

/// A transcript can name a break-it variant: `lab test` runs it in that variant only, a
/// difference is an unexpected failure of the variant, and the page shows its result.
#[test]
fn a_transcript_in_a_variant_runs_there_and_fails_the_variant_when_it_differs() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = Book::fixture("lab-security");
    // Without the sandbox, the unit runs as root (no DynamicUser=): the page shows that.
    let page = |user: &str| {
        format!("# Hardening\n\n```console lab=hardening variant=no-sandbox\n# systemctl show -p DynamicUser sleeper\nDynamicUser={user}\n```\n\n{{{{#lab hardening}}}}\n")
    };
    book.write("src/index.md", &page("no"));
    book.run(&["lab", "test", "hardening"]).code(0);
    book.run(&["build"]).code(0);
    let html = book.output("index.html");
    assert!(html.contains("data-proof=\"passed\""), "{html}");
    assert!(
        html.contains("broken on purpose in variant <code>no-sandbox</code>"),
        "{html}"
    );
    book.run(&["check", "--require-proven"]).code(0);
    // The lab as it is keeps DynamicUser=yes: the transcript did not run there.
    book.run(&["lab", "run", "hardening"])
        .code(0)
        .stderr_lacks("transcript:src/index.md:3");
    book.run(&["check", "--require-proven"]).code(0);

    book.write("src/index.md", &page("yes"));
    book.run(&["lab", "test", "hardening"])
        .code(1)
        .stderr_has("src/index.md:4: transcript differs")
        .stderr_has("-DynamicUser=yes")
        .stderr_has("failed but not declared: transcript:src/index.md:3");
}

/// `lab test --shard 1/2` and `--shard 2/2` split the runs (the lab, its variant, a claim's
/// generated variant) between them, each once; `lab merge` of the two reports gives what one
/// unsharded `lab test` gives. A missing or repeated shard is refused.
#[test]
fn shards_merge_into_the_unsharded_lab_test() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = Book::fixture("lab-security");
    book.write(
        "src/index.md",
        "# Hardening\n\n```ini title=\"sleeper.service\" annotations\n{{#include ../labs/hardening/sleeper.service}}\n```\n\n1. `ExecStart=`: what the service runs.\n\n{{#lab hardening}}\n",
    );
    let shard = |k: &str| -> serde_json::Value {
        let run = book.run(&["lab", "test", "--shard", k]).code(0);
        std::fs::write(
            book.path().join(format!("shard-{}.json", &k[..1])),
            &run.stdout,
        )
        .unwrap();
        serde_json::from_str(&run.stdout).unwrap()
    };
    let (one, two) = (shard("1/2"), shard("2/2"));
    let runs = |v: &serde_json::Value| -> Vec<String> {
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}/{}",
                    r["lab"].as_str().unwrap(),
                    r["run"].as_str().unwrap()
                )
            })
            .collect()
    };
    let mut all = runs(&one);
    all.extend(runs(&two));
    all.sort();
    assert_eq!(
        all,
        [
            "hardening/",
            "hardening/claim-sleeper-service-5",
            "hardening/no-sandbox"
        ],
        "each run in exactly one shard"
    );
    let merged = book
        .run(&[
            "lab",
            "merge",
            "shard-1.json",
            "shard-2.json",
            "--format",
            "json",
        ])
        .code(0);
    let whole = book.run(&["lab", "test", "--format", "json"]).code(0);
    let (m, w): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&merged.stdout).unwrap(),
        serde_json::from_str(&whole.stdout).unwrap(),
    );
    assert_eq!(m[0]["ok"], w[0]["ok"]);
    assert_eq!(
        m[0]["claims"], w[0]["claims"],
        "the claims proven the same way"
    );
    let verdicts = |v: &serde_json::Value| -> Vec<(String, bool)> {
        v[0]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["name"].as_str().unwrap().to_string(),
                    x["ok"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(verdicts(&m), verdicts(&w));
    book.run(&["lab", "merge", "shard-1.json"])
        .code(2)
        .stderr_has("no result for no-sandbox: merge the reports of every shard");
    book.run(&["lab", "merge", "shard-1.json", "shard-1.json"])
        .code(2)
        .stderr_has("is in two shard reports");
}

/// `--format github`: a run with a broken unit (`--workers 1`) prints one annotation per failed
/// check, each at the line of the course page that explains that check, pinned here (the pids
/// in what was seen aside).
#[test]
fn github_annotations_point_at_the_pages_that_explain_the_failed_checks() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = Book::empty();
    std::fs::copy(repo_root().join("book.toml"), book.path().join("book.toml")).unwrap();
    crate::support::copy_dir(&repo_root().join("content"), &book.path().join("content"));
    std::os::unix::fs::symlink(repo_root().join("labs"), book.path().join("labs")).unwrap();
    let with = format!("gunicorn.service={}", broken_unit(&book).display());
    let run = lab(
        &book,
        &[
            "lab",
            "run",
            "gunicorn-socket",
            "--with",
            &with,
            "--format",
            "github",
        ],
    )
    .code(1);
    // The messages name pids (of two digits or more), which change from run to run.
    let pinned: String = run
        .stdout
        .lines()
        .map(|l| {
            let (head, message) = l.rsplit_once("::").unwrap_or((l, ""));
            let mut out = String::new();
            let mut digits = String::new();
            for ch in message.chars().chain(std::iter::once(' ')) {
                if ch.is_ascii_digit() {
                    digits.push(ch);
                    continue;
                }
                out.push_str(if digits.len() >= 2 { "PID" } else { &digits });
                digits.clear();
                out.push(ch);
            }
            format!("{head}::{}\n", out.trim_end())
        })
        .collect();
    insta::assert_snapshot!("github_annotations_of_a_broken_unit", pinned);
}

/// The second daemon's own bridge.
const BRIDGE: &str = "dg2br0";

/// A second Docker daemon, on its own unix socket and bridge, stopped when dropped.
struct SecondDaemon {
    child: std::process::Child,
    socket: String,
    dir: tempfile::TempDir,
}

impl SecondDaemon {
    fn start() -> Option<SecondDaemon> {
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("unix://{}", dir.path().join("docker.sock").display());
        // Its own bridge: a second daemon started with `--bridge none` deletes the main
        // daemon's docker0 (design.md §6).
        let _ = Command::new("ip")
            .args(["link", "add", "name", BRIDGE, "type", "bridge"])
            .status();
        let _ = Command::new("ip")
            .args(["link", "set", BRIDGE, "up"])
            .status();
        let log = std::fs::File::create(dir.path().join("dockerd.log")).unwrap();
        let child = Command::new("dockerd")
            .arg("--host")
            .arg(&socket)
            .arg("--data-root")
            .arg(dir.path().join("data"))
            .arg("--exec-root")
            .arg(dir.path().join("exec"))
            .arg("--pidfile")
            .arg(dir.path().join("docker.pid"))
            .args(["--bridge", BRIDGE, "--iptables=false", "--ip-masq=false"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .ok()?;
        let d = SecondDaemon { child, socket, dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let up = Command::new("docker")
                .args(["-H", &d.socket, "info"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if up {
                return Some(d);
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        None
    }

    fn images(&self) -> Vec<String> {
        images_of(Some(&self.socket))
    }
}

impl Drop for SecondDaemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        // dockerd leaves its default network namespace mounted under its exec-root.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path().join("exec/netns/default"))
            .status();
        let _ = Command::new("ip").args(["link", "del", BRIDGE]).status();
    }
}

/// `repository:tag` of every image of a daemon (the default one without `host`).
fn images_of(host: Option<&str>) -> Vec<String> {
    let mut c = Command::new("docker");
    if let Some(h) = host {
        c.args(["-H", h]);
    }
    let out = c
        .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// `DOCKER_HOST=unix:///.../docker.sock`: `lab bootstrap` and `lab run` work on that daemon
/// (its own base image, its own lab image), and the lab image it built is not on the default
/// daemon.
#[test]
fn docker_host_points_every_command_at_another_daemon() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let bridge_before = Command::new("ip")
        .args(["link", "show", "docker0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let Some(second) = SecondDaemon::start() else {
        skip(Need::Docker, "a second dockerd did not start");
        return;
    };
    let book = Book::fixture("lab-security");
    let on_second = |args: &[&str]| -> Run {
        let mut c = lab_cmd(&book, args);
        c.env("DOCKER_HOST", &second.socket);
        Run::of(
            c,
            format!("DOCKER_HOST={} docgen {}", second.socket, args.join(" ")),
        )
    };
    on_second(&["lab", "bootstrap"]).code(0);
    let run = on_second(&["lab", "run", "hardening", "--format", "json"]).code(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let image = report["image"].as_str().unwrap().to_string();
    let there = second.images();
    assert!(
        there.contains(&"docgen-base:bookworm".to_string()),
        "{there:?}"
    );
    assert!(
        there.contains(&image),
        "{image} not on the second daemon: {there:?}"
    );
    assert!(
        !images_of(None).contains(&image),
        "{image} was built on the default daemon too"
    );
    drop(second);
    let bridge_after = Command::new("ip")
        .args(["link", "show", "docker0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert_eq!(
        bridge_after, bridge_before,
        "the default daemon's docker0 is left alone"
    );
}

/// `lab doctor` checks what labs need and names what to fix: all good here (the engine and
/// its version, a lab image booting systemd), and a missing base image is a FAIL with the
/// command that makes it.
#[test]
fn lab_doctor_checks_what_labs_need_and_says_what_to_fix() {
    if !docker_or_skip(REAL_LAB) {
        return;
    }
    let book = lab_book();
    lab(&book, &["lab", "doctor"])
        .code(0)
        .stderr_has("  ok   engine: docker ")
        .stderr_has("  ok   base image: docgen-base:bookworm is there")
        .stderr_has("lab doctor: all good");
    book.write(
        "book.toml",
        "[book]\ntitle = \"lab tests\"\n\n[labs]\nbase-image = \"docgen-base:never-built\"\n",
    );
    lab(&book, &["lab", "doctor"])
        .code(1)
        .stderr_has("  FAIL base image: no docgen-base:never-built")
        .stderr_has("fix: run `docgen lab bootstrap`");
}
