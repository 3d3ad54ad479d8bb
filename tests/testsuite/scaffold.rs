//! A team's own book: `docgen init` and `docgen lab new` make labs that pass on a real engine,
//! lab.yaml's and front matter's JSON Schemas accept every file docgen accepts here and reject
//! a misspelled field, the repository's copies of the schemas are what docgen prints, and the
//! completions, man pages and `--version` come from the CLI itself.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{docgen, docker_or_skip, repo_root, Book};

/// A `docgen` run in a new book made by `docgen init`, a real lab run on its lab: init, check,
/// build, lab test; then the page shows the proof; then `lab new` and its `lab test`.
#[test]
fn init_and_lab_new_make_labs_that_pass_on_a_real_engine() {
    if !docker_or_skip("a real lab run of the scaffolds") {
        return;
    }
    let dir = Book::empty();
    dir.run(&["init", "nb"]).code(0);
    let book = dir.path().join("nb");
    let at = |args: &[&str]| docgen(&book, args);
    at(&["check", "--deny-warnings"]).code(0);
    at(&["build"]).code(0);
    let page = dir.read("nb/book/static-site.html");
    assert!(page.contains("lab-card"), "the page shows the lab's card");
    assert!(
        page.contains("data-proven=\"static-site\""),
        "the page's transcript is proven by the lab"
    );
    let run = at(&["lab", "test", "static-site"]).code(0);
    says_all(
        &run,
        &[
            "lab static-site: ok",
            "variant wrong-root",
            "fails [home-page, after-reboot]",
            "claims: 2/2 proven",
            "transcript:content/static-site.md:",
        ],
    );
    // The page now says what is proven, and `--require-proven` agrees.
    at(&["build"]).code(0);
    let page = dir.read("nb/book/static-site.html");
    assert!(page.contains("data-proof=\"passed\""), "{page}");
    at(&["check", "--require-proven"]).code(0);

    let run = at(&["lab", "new", "my-app"]).code(0);
    assert!(
        run.stdout.contains("docgen lab test my-app"),
        "{}",
        run.dump()
    );
    assert!(book.join("labs/my-app/my-app.service").is_file());
    let run = at(&["lab", "test", "my-app"]).code(0);
    says_all(
        &run,
        &[
            "lab my-app: ok",
            "variant no-install-section",
            "fails [enabled]",
            "variant runs-as-root",
            "fails [runs-as-www-data]",
        ],
    );
    // Nothing is overwritten, and a bad id is refused with a hint.
    at(&["lab", "new", "my-app"])
        .code(2)
        .stderr_has("already exists; not overwriting it");
    at(&["lab", "new", "My_App"])
        .code(2)
        .stderr_has("`My_App` is not a valid lab id");
    at(&["check", "--deny-warnings"]).code(0);
}

/// Asserts that the run printed every one of `wants` (on stdout or stderr).
fn says_all(run: &crate::support::Run, wants: &[&str]) {
    for want in wants {
        assert!(
            run.stderr.contains(want) || run.stdout.contains(want),
            "missing {want:?}\n{}",
            run.dump()
        );
    }
}

/// `lab new` in a two-language book writes each text in both languages (else the lab would
/// not load), and the lab loads: `lab list` shows it.
#[test]
fn lab_new_in_a_bilingual_book_writes_every_language() {
    let book = Book::fixture("bilingual");
    book.run(&["lab", "new", "web"])
        .code(0)
        .stdout_has("translate them in lab.yaml");
    let yaml = book.read("labs/web/lab.yaml");
    let title = yaml.lines().find(|l| l.starts_with("title: ")).unwrap();
    assert!(
        title.contains("vi: \"web: ") && title.contains("en: \"web: "),
        "{title}"
    );
    book.run(&["lab", "list", "--ids"])
        .code(0)
        .stdout_has("web");
    book.run(&["check"]).code(0);
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_root().join("schemas").join(name)).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name} is not a schema: {e}"))
}

/// The schema's complaints about `yaml`, one per line.
fn problems(v: &jsonschema::Validator, yaml: &str) -> Vec<String> {
    let value: serde_json::Value = serde_yaml::from_str(yaml).expect("YAML");
    v.iter_errors(&value)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

#[test]
fn the_repository_schemas_are_what_docgen_prints() {
    for (name, args) in [
        ("lab.schema.json", &["schema", "lab"][..]),
        ("front-matter.schema.json", &["schema", "front-matter"]),
        ("lab.schema.json", &["lab", "schema"]),
    ] {
        let shipped = std::fs::read_to_string(repo_root().join("schemas").join(name)).unwrap();
        let printed = docgen(&repo_root(), args).code(0).stdout;
        assert!(
            shipped == printed,
            "schemas/{name} is not what `docgen {}` prints: regenerate it with\n  \
             target/debug/docgen {} > schemas/{name}",
            args.join(" "),
            args.join(" ")
        );
    }
}

/// Every lab.yaml docgen loads here (the course's, the fixtures', the scaffolds') is valid under
/// the schema; a misspelled field is not, and docgen refuses it too, at its line.
#[test]
fn every_lab_yaml_is_valid_under_the_schema_and_a_misspelled_field_is_not() {
    let v = validator("lab.schema.json");
    let scaffolds = Book::empty();
    scaffolds.run(&["init", "nb"]).code(0);
    docgen(&scaffolds.path().join("nb"), &["lab", "new", "svc"]).code(0);
    let mut files: Vec<PathBuf> = Vec::new();
    for root in [
        repo_root().join("labs"),
        repo_root().join("tests/fixtures"),
        scaffolds.path().to_path_buf(),
    ] {
        for entry in walkdir::WalkDir::new(root) {
            let entry = entry.unwrap();
            if entry.file_name() == "lab.yaml" {
                files.push(entry.into_path());
            }
        }
    }
    assert!(files.len() >= 6, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let found = problems(&v, &text);
        assert!(
            found.is_empty(),
            "{}:\n{}",
            file.display(),
            found.join("\n")
        );
        // Scaffolds point editors at the schema.
        if file.starts_with(scaffolds.path()) {
            assert!(
                text.starts_with("# yaml-language-server: $schema=../lab.schema.json\n"),
                "{}",
                file.display()
            );
        }
    }

    // `status` misspelled in the course's lab: the schema rejects it, and so does docgen.
    let book = Book::empty();
    book.write("book.toml", "[book]\ntitle = \"t\"\n");
    crate::support::copy_dir(&repo_root().join("labs"), &book.path().join("labs"));
    let path = "labs/gunicorn-socket/lab.yaml";
    let text = book.read(path);
    let broken = text.replacen("    status: 200\n", "    stauts: 200\n", 1);
    assert_ne!(text, broken);
    let found = problems(&v, &broken);
    assert!(
        found.iter().any(|p| p.contains("stauts")),
        "the schema names the misspelled field: {found:?}"
    );
    book.write(path, &broken);
    let line = broken[..broken.find("stauts").unwrap()]
        .matches('\n')
        .count()
        + 1;
    book.run(&["lab", "list"])
        .code(2)
        .stderr_has(&format!("{path}:{line}:5: error: checks["))
        .stderr_has("unknown field `stauts`");

    // A kind's field on the wrong kind, and a wrong type, are schema errors too.
    let wrong_type = text.replacen("    within: 8s\n", "    within: 8\n", 1);
    assert!(!problems(&v, &wrong_type).is_empty());
    let wrong_mode = text.replacen(
        "  - id: unit-verifies\n",
        "  - id: unit-verifies\n    mode: \"0999\"\n",
        1,
    );
    assert!(!problems(&v, &wrong_mode).is_empty());
}

/// Every page of the course and of the scaffolded book has front matter the schema accepts;
/// an unknown key does not pass.
#[test]
fn front_matter_is_valid_under_its_schema() {
    let v = validator("front-matter.schema.json");
    let scaffolds = Book::empty();
    scaffolds.run(&["init", "nb"]).code(0);
    let mut seen = 0;
    for root in [repo_root().join("content"), scaffolds.path().to_path_buf()] {
        for entry in walkdir::WalkDir::new(root) {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "md") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let Some(front) = front_matter(&text) else {
                continue;
            };
            seen += 1;
            let found = problems(&v, front);
            assert!(found.is_empty(), "{}: {found:?}", entry.path().display());
        }
    }
    assert!(seen >= 20, "{seen} pages with front matter");
    assert!(!problems(&v, "title: x\ntitel: y\n").is_empty());
    assert!(!problems(&v, "weight: heavy\n").is_empty());
}

fn front_matter(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---")?;
    Some(&rest[..end + 1])
}

#[test]
fn completions_and_man_pages_come_from_the_cli() {
    let root = repo_root();
    let bash = docgen(&root, &["completions", "bash"]).code(0).stdout;
    for want in ["_docgen()", "require-proven", "completions", "--shard"] {
        assert!(bash.contains(want), "bash completion lacks {want:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("docgen.bash");
    std::fs::write(&script, &bash).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{syntax:?}");
    // Completing `docgen lab ` offers lab's subcommands.
    let offered = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(docgen lab ''); COMP_CWORD=2; _docgen docgen '' lab; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&offered.stdout);
    for sub in ["run", "test", "new", "schema", "doctor"] {
        assert!(
            offered.lines().any(|l| l == sub),
            "`docgen lab <TAB>` lacks {sub}: {offered}"
        );
    }
    assert!(docgen(&root, &["completions", "zsh"])
        .code(0)
        .stdout
        .starts_with("#compdef docgen"));
    assert!(docgen(&root, &["completions", "fish"])
        .code(0)
        .stdout
        .contains("complete -c docgen"));
    docgen(&root, &["completions", "tcsh"]).code(2);

    let man = docgen(&root, &["manpage"]).code(0).stdout;
    assert!(man.contains(".TH docgen 1"), "{man}");
    assert!(man.contains("lab"), "the page lists the subcommands");
    let pages = dir.path().join("man");
    docgen(&root, &["manpage", "--dir", pages.to_str().unwrap()]).code(0);
    let run_page = std::fs::read_to_string(pages.join("docgen-lab-run.1")).unwrap();
    assert!(run_page.contains(".TH docgen-lab-run 1"), "{run_page}");
    assert!(
        run_page.contains("variant"),
        "lab run's options are on its page"
    );
    assert!(pages.join("docgen-lab-new.1").is_file());
}

#[test]
fn version_names_the_commit() {
    let out = docgen(&repo_root(), &["--version"]).code(0).stdout;
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let want = match head {
        Some(h) => format!("docgen {} (commit {h}", env!("CARGO_PKG_VERSION")),
        None => format!("docgen {} (commit unknown", env!("CARGO_PKG_VERSION")),
    };
    assert!(
        out.starts_with(&want),
        "{out:?} does not start with {want:?}"
    );
}
