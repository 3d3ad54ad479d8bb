//! Writes a synthetic book for benchmarks: the same seed and page count give the same bytes.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --pages 1000 --out /tmp/corpus-1000 [--seed 7]
//! ```
//!
//! The book is in mdBook's layout (`book.toml`, `src/SUMMARY.md`), so mdBook and docgen build
//! the same directory as is. Chapters of ten pages (`src/chNNNN/intro.md` with nine nested
//! `pNN.md`); every page has headings, paragraphs (some in Vietnamese), lists, a table, inline
//! markup, links to other pages and to their headings (all valid: docgen fails a build on a
//! broken link), and three fenced code blocks drawn from ini/systemd, nginx, python, bash and
//! toml with seeded values, so no two blocks are the same text.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Pages per chapter directory: one intro, the rest nested under it.
const PER_CHAPTER: usize = 10;

/// splitmix64: tiny, good enough, and identical on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const EN_WORDS: &[&str] = &[
    "the",
    "service",
    "socket",
    "worker",
    "request",
    "proxy",
    "upstream",
    "timeout",
    "process",
    "user",
    "group",
    "file",
    "directory",
    "permission",
    "restart",
    "reload",
    "journal",
    "unit",
    "deploy",
    "release",
    "static",
    "media",
    "database",
    "migration",
    "settings",
    "secret",
    "environment",
    "variable",
    "header",
    "buffer",
    "connection",
    "client",
    "server",
    "port",
    "address",
    "certificate",
    "log",
    "error",
    "status",
    "command",
    "shell",
    "path",
    "module",
    "application",
    "gunicorn",
    "nginx",
    "systemd",
    "django",
    "python",
    "virtualenv",
    "a",
    "of",
    "to",
    "and",
    "when",
    "then",
    "is",
    "runs",
    "listens",
    "on",
    "with",
    "for",
    "after",
    "before",
    "every",
    "only",
    "never",
    "each",
    "which",
    "starts",
    "stops",
    "writes",
    "reads",
    "checks",
];

const VI_SENTENCES: &[&str] = &[
    "Dịch vụ khởi động lại sau khi cấu hình thay đổi.",
    "Gunicorn lắng nghe trên một socket Unix thay vì cổng mạng.",
    "Người dùng triển khai không cần quyền root để chạy ứng dụng.",
    "Nginx chuyển tiếp yêu cầu tới tiến trình worker qua socket.",
    "Nhật ký của systemd ghi lại mọi lần dịch vụ dừng bất thường.",
    "Biến môi trường chứa khóa bí mật, không nằm trong mã nguồn.",
    "Thư mục tĩnh được phục vụ trực tiếp, không qua Python.",
    "Kiểm tra trạng thái bằng lệnh systemctl trước khi tải lại.",
    "Mỗi lần phát hành tạo một thư mục mới và đổi liên kết tượng trưng.",
    "Đường dẫn tuyệt đối tránh lỗi khi thư mục làm việc khác đi.",
];

const VI_TITLES: &[&str] = &[
    "Khởi động dịch vụ",
    "Cấu hình Nginx",
    "Socket và quyền truy cập",
    "Nhật ký và chẩn đoán",
    "Triển khai phiên bản mới",
    "Biến môi trường",
];

const EN_TITLES: &[&str] = &[
    "Socket activation",
    "Reverse proxy",
    "Worker processes",
    "Static files",
    "Zero-downtime releases",
    "Reading the journal",
    "Settings per environment",
    "Timeouts and buffers",
];

/// The headings of every page, in order; links aim at these anchors.
const SECTIONS: &[&str] = &[
    "Overview",
    "Configuration",
    "Steps",
    "Troubleshooting",
    "Reference",
];

fn sentence(rng: &mut Rng) -> String {
    let n = 8 + rng.below(12);
    let mut s = String::new();
    for i in 0..n {
        let w = rng.pick(EN_WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            match rng.below(20) {
                0 => write!(s, "`{w}`").unwrap(),
                1 => write!(s, "**{w}**").unwrap(),
                2 => write!(s, "*{w}*").unwrap(),
                _ => s.push_str(w),
            }
        }
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng, vietnamese: bool) -> String {
    let n = 3 + rng.below(4);
    let mut p = Vec::with_capacity(n);
    for _ in 0..n {
        if vietnamese && rng.below(2) == 0 {
            p.push(rng.pick(VI_SENTENCES).to_string());
        } else {
            p.push(sentence(rng));
        }
    }
    p.join(" ")
}

fn code_block(rng: &mut Rng, page: usize, k: usize) -> String {
    let port = 8000 + rng.below(1000);
    let workers = 2 + rng.below(7);
    let user = rng.pick(&["deploy", "maiviet", "www-data", "app"]);
    let app = rng.pick(&["shop", "blog", "wiki", "api", "portal"]);
    let timeout = 10 + rng.below(50);
    match rng.below(5) {
        0 => format!(
            "```ini title=\"{app}-{page}.service\"\n[Unit]\nDescription=Gunicorn for {app} (page {page}, block {k})\nAfter=network.target\nRequires={app}.socket\n\n[Service]\nType=notify\nUser={user}\nGroup=www-data\nRuntimeDirectory=gunicorn-{app}\nWorkingDirectory=/srv/{app}/current\nEnvironment=\"DJANGO_SETTINGS_MODULE={app}.settings.production\"\nExecStart=/srv/{app}/venv/bin/gunicorn --workers {workers} --timeout {timeout} {app}.wsgi:application\nExecReload=/bin/kill -s HUP $MAINPID\nRestart=on-failure\nRestartSec={workers}\n\n[Install]\nWantedBy=multi-user.target\n```\n"
        ),
        1 => format!(
            "```nginx\nupstream {app}_{page} {{\n    server unix:/run/gunicorn-{app}/socket fail_timeout=0;\n}}\n\nserver {{\n    listen {port};\n    server_name {app}.example.com;\n    client_max_body_size {workers}m;\n\n    location /static/ {{\n        alias /srv/{app}/static/;\n        expires 30d;\n    }}\n\n    location / {{\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Proto $scheme;\n        proxy_read_timeout {timeout}s;\n        proxy_pass http://{app}_{page};\n    }}\n}}\n```\n"
        ),
        2 => format!(
            "```python\n# {app}/settings/production.py (page {page}, block {k})\nimport os\nfrom pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\nDEBUG = False\nALLOWED_HOSTS = [\"{app}.example.com\", \"localhost\"]\n\n\ndef workers(cores: int = {workers}) -> int:\n    \"\"\"Gunicorn's rule of thumb: two per core, plus one.\"\"\"\n    return cores * 2 + 1\n\n\nDATABASES = {{\n    \"default\": {{\n        \"ENGINE\": \"django.db.backends.postgresql\",\n        \"NAME\": \"{app}\",\n        \"CONN_MAX_AGE\": {timeout},\n    }}\n}}\n```\n"
        ),
        3 => format!(
            "```bash\n#!/usr/bin/env bash\n# Deploy {app}, page {page}, block {k}\nset -euo pipefail\nrelease=\"/srv/{app}/releases/$(date +%Y%m%d%H%M%S)\"\nmkdir -p \"$release\"\ngit -C /srv/{app}/repo archive HEAD | tar -x -C \"$release\"\n\"/srv/{app}/venv/bin/pip\" install -q -r \"$release/requirements.txt\"\nfor step in migrate collectstatic; do\n  sudo -u {user} \"/srv/{app}/venv/bin/python\" \"$release/manage.py\" \"$step\" --noinput\ndone\nln -sfn \"$release\" /srv/{app}/current\nsudo systemctl reload {app}.service\ncurl -fsS --max-time {timeout} http://127.0.0.1:{port}/health || echo \"not ready\" >&2\n```\n"
        ),
        _ => format!(
            "```toml\n# {app}.toml (page {page}, block {k})\n[server]\nbind = \"unix:/run/gunicorn-{app}/socket\"\nworkers = {workers}\ntimeout = {timeout}\n\n[deploy]\nuser = \"{user}\"\nkeep_releases = {workers}\nhosts = [\"web1.example.com\", \"web2.example.com\"]\n\n[deploy.env]\nDJANGO_SETTINGS_MODULE = \"{app}.settings.production\"\nPORT = {port}\n```\n"
        ),
    }
}

/// Where page `i` lives, relative to `src/`.
fn page_path(i: usize) -> PathBuf {
    let ch = i / PER_CHAPTER;
    let k = i % PER_CHAPTER;
    if k == 0 {
        PathBuf::from(format!("ch{ch:04}/intro.md"))
    } else {
        PathBuf::from(format!("ch{ch:04}/p{k:02}.md"))
    }
}

/// A link from page `from` to page `to`, relative to `from`'s directory.
fn link(from: usize, to: usize) -> String {
    let target = page_path(to);
    if from / PER_CHAPTER == to / PER_CHAPTER {
        target.file_name().unwrap().to_string_lossy().into_owned()
    } else {
        format!("../{}", target.display())
    }
}

fn title(i: usize, rng: &mut Rng) -> (String, bool) {
    let vietnamese = i % 3 == 1;
    let base = if vietnamese {
        rng.pick(VI_TITLES)
    } else {
        rng.pick(EN_TITLES)
    };
    (format!("{base} {}", i + 1), vietnamese)
}

fn page(i: usize, n: usize, title: &str, vietnamese: bool, rng: &mut Rng) -> String {
    let mut md = format!("# {title}\n\n");
    let mut blocks = 0;
    for (s, section) in SECTIONS.iter().enumerate() {
        writeln!(md, "## {section}\n").unwrap();
        md.push_str(&paragraph(rng, vietnamese));
        md.push_str("\n\n");
        match s {
            0 => {
                // Links: neighbours, a far page, and a heading of another page.
                let mut targets = vec![(i + 1) % n, (i + n - 1) % n, rng.below(n)];
                targets.retain(|&t| t != i);
                targets.dedup();
                for t in targets {
                    let anchor = if rng.below(2) == 0 {
                        format!("#{}", SECTIONS[rng.below(SECTIONS.len())].to_lowercase())
                    } else {
                        String::new()
                    };
                    writeln!(md, "- See [page {}]({}{anchor}).", t + 1, link(i, t)).unwrap();
                }
                md.push('\n');
            }
            1 => {
                md.push_str("| Setting | Value | Meaning |\n|---|---|---|\n");
                for r in 0..4 + rng.below(4) {
                    writeln!(
                        md,
                        "| `{}_{r}` | {} | {} |",
                        rng.pick(EN_WORDS),
                        rng.below(10_000),
                        sentence(rng)
                    )
                    .unwrap();
                }
                md.push('\n');
            }
            2 => {
                for step in 1..=3 + rng.below(4) {
                    writeln!(md, "{step}. {}", sentence(rng)).unwrap();
                }
                md.push('\n');
            }
            _ => {}
        }
        if s > 0 && blocks < 3 {
            md.push_str(&code_block(rng, i + 1, blocks + 1));
            md.push('\n');
            blocks += 1;
        }
        if s == 3 {
            writeln!(
                md,
                "> **Note**: back to the [overview](#overview) of this page.\n"
            )
            .unwrap();
        }
    }
    md
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::write(path, text)
}

fn main() {
    let mut pages = 100usize;
    let mut seed = 7u64;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--pages" => pages = value().parse().unwrap_or_else(|_| usage("bad --pages")),
            "--seed" => seed = value().parse().unwrap_or_else(|_| usage("bad --seed")),
            "--out" => out = Some(PathBuf::from(value())),
            _ => usage(&format!("unknown argument {a}")),
        }
    }
    let out = out.unwrap_or_else(|| usage("--out is required"));
    if pages < 2 {
        usage("--pages must be at least 2");
    }
    if out.exists() {
        std::fs::remove_dir_all(&out).expect("remove the old corpus");
    }
    let mut rng = Rng(seed);
    let titles: Vec<(String, bool)> = (0..pages).map(|i| title(i, &mut rng)).collect();

    let mut summary = String::from("# Summary\n\n");
    for (i, (t, _)) in titles.iter().enumerate() {
        let indent = if i % PER_CHAPTER == 0 { "" } else { "    " };
        writeln!(summary, "{indent}- [{t}]({})", page_path(i).display()).unwrap();
    }
    let src = out.join("src");
    write(&src.join("SUMMARY.md"), &summary).expect("write SUMMARY.md");
    write(
        &out.join("book.toml"),
        &format!(
            "[book]\ntitle = \"Benchmark corpus ({pages} pages, seed {seed})\"\nauthors = [\"gen_corpus\"]\nlanguage = \"en\"\nsrc = \"src\"\n"
        ),
    )
    .expect("write book.toml");
    for (i, (t, vi)) in titles.iter().enumerate() {
        let text = page(i, pages, t, *vi, &mut rng);
        write(&src.join(page_path(i)), &text).expect("write a page");
    }
    eprintln!("gen_corpus: {pages} pages, seed {seed} → {}", out.display());
}

fn usage(msg: &str) -> ! {
    eprintln!("gen_corpus: {msg}\nusage: gen_corpus --pages N --out DIR [--seed S]");
    std::process::exit(2);
}
