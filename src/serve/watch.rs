//! Watching the book for changes: `book.toml`, the source directory, `themes/` and `labs/`,
//! through `notify` (inotify on Linux). Events are filtered (docgen's own output and cache,
//! `target/`, hidden files and editor swap files never count; reads never count, so a build
//! cannot trigger itself) and debounced here: a rebuild starts once the tree has been quiet for
//! [`QUIET`], so an editor's delete+create or a burst of writes is one rebuild.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use anyhow::Context;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::project::Project;

/// How long the tree must be quiet before a rebuild starts.
pub const QUIET: Duration = Duration::from_millis(200);
/// A stream of changes that never goes quiet still rebuilds this often.
const MAX_DELAY: Duration = Duration::from_secs(2);

/// What wakes the rebuild loop.
#[derive(Debug)]
pub enum Trigger {
    /// A file changed.
    Changed(PathBuf),
    /// Something asked for a rebuild (a lab run stored a new result).
    Rebuild,
}

/// Decides which paths count as changes to the book.
#[derive(Debug, Clone)]
pub struct Filter {
    root: PathBuf,
    watched: Vec<PathBuf>,
    ignored: Vec<PathBuf>,
}

impl Filter {
    /// The filter for `project`.
    pub fn new(project: &Project) -> Filter {
        // The watcher reports absolute paths: a book opened as `-C book` must be compared as
        // `/home/me/book`.
        let root = std::fs::canonicalize(&project.root)
            .or_else(|_| std::path::absolute(&project.root))
            .unwrap_or_else(|_| project.root.clone());
        let abs = |p: PathBuf| match p.strip_prefix(&project.root) {
            Ok(rel) => root.join(rel),
            Err(_) => std::path::absolute(&p).unwrap_or(p),
        };
        Filter {
            watched: vec![
                abs(project.src_dir()),
                root.join("themes"),
                abs(project.labs_dir()),
            ],
            ignored: vec![
                abs(project.build_dir()),
                root.join("target"),
                abs(project.cache_dir()),
                root.join(".git"),
            ],
            root,
        }
    }

    /// The directories to watch recursively (those that exist) and the root (not recursive).
    pub fn dirs(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mut v = vec![(self.root.clone(), RecursiveMode::NonRecursive)];
        for d in &self.watched {
            if d.is_dir() && *d != self.root {
                v.push((d.clone(), RecursiveMode::Recursive));
            }
        }
        v
    }

    /// Whether a change to `path` should rebuild the site.
    pub fn relevant(&self, path: &Path) -> bool {
        if self.ignored.iter().any(|i| path.starts_with(i)) {
            return false;
        }
        let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
            return false;
        };
        // Hidden files, and the temporary files editors write beside the real one.
        if name.starts_with('.')
            || name.ends_with('~')
            || name.ends_with(".swp")
            || name.ends_with(".swx")
            || name == "4913"
        {
            return false;
        }
        if let Ok(rel) = path.strip_prefix(&self.root) {
            if rel
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            {
                return false;
            }
        }
        if path.parent() == Some(self.root.as_path()) && name == "book.toml" {
            return true;
        }
        self.watched.iter().any(|w| path.starts_with(w))
    }
}

/// The running watcher; dropping it stops watching.
pub struct Watch {
    _watcher: notify::RecommendedWatcher,
}

/// Starts watching; changes arrive on the returned receiver, and `Sender` lets others ask for a
/// rebuild too.
pub fn start(filter: &Filter) -> anyhow::Result<(Watch, Sender<Trigger>, Receiver<Trigger>)> {
    let (tx, rx) = mpsc::channel();
    let f = filter.clone();
    let events = tx.clone();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        if matches!(ev.kind, EventKind::Access(_)) {
            return;
        }
        for p in ev.paths {
            if f.relevant(&p) {
                let _ = events.send(Trigger::Changed(p));
            }
        }
    })
    .context("cannot start watching files")?;
    for (dir, mode) in filter.dirs() {
        watcher
            .watch(&dir, mode)
            .with_context(|| format!("cannot watch `{}`", dir.display()))?;
    }
    Ok((Watch { _watcher: watcher }, tx, rx))
}

/// Waits for the next batch of changes: the first trigger, then every one that follows until
/// the tree has been quiet for [`QUIET`]. Returns the changed paths (empty for a requested
/// rebuild), or `None` when every sender is gone.
pub fn next_batch(rx: &Receiver<Trigger>) -> Option<Vec<PathBuf>> {
    let mut paths = Vec::new();
    let add = |t: Trigger, paths: &mut Vec<PathBuf>| {
        if let Trigger::Changed(p) = t {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    };
    add(rx.recv().ok()?, &mut paths);
    let hard = Instant::now() + MAX_DELAY;
    loop {
        let now = Instant::now();
        let wait = QUIET.min(hard.saturating_duration_since(now));
        if wait.is_zero() {
            return Some(paths);
        }
        match rx.recv_timeout(wait) {
            Ok(t) => add(t, &mut paths),
            Err(RecvTimeoutError::Timeout) => return Some(paths),
            Err(RecvTimeoutError::Disconnected) => return Some(paths),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(root: &Path) -> Project {
        std::fs::write(
            root.join("book.toml"),
            "[book]\ntitle = \"t\"\nsrc = \"content\"\n",
        )
        .unwrap();
        Project::open(root).unwrap()
    }

    #[test]
    fn own_output_and_editor_files_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let f = Filter::new(&project(r));
        assert!(f.relevant(&r.join("book.toml")));
        assert!(f.relevant(&r.join("content/a.md")));
        assert!(f.relevant(&r.join("themes/default/static/x.css")));
        assert!(f.relevant(&r.join("labs/x/lab.yaml")));
        assert!(!f.relevant(&r.join("book/index.html")));
        assert!(!f.relevant(&r.join("target/docgen/x.json")));
        assert!(!f.relevant(&r.join("content/.a.md.swp")));
        assert!(!f.relevant(&r.join("content/a.md~")));
        assert!(!f.relevant(&r.join("content/4913")));
        assert!(!f.relevant(&r.join("README.md")));
        assert!(!f.relevant(&r.join(".git/index")));
    }

    #[test]
    fn a_book_opened_by_a_relative_path_matches_absolute_events() {
        let dir = tempfile::tempdir().unwrap();
        let abs = std::fs::canonicalize(dir.path()).unwrap();
        project(&abs);
        // The same directory as a path relative to the current one (`../../tmp/x`), as
        // `docgen serve -C book` gives it.
        let cwd = std::fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
        let mut rel = PathBuf::new();
        for _ in cwd.components().skip(1) {
            rel.push("..");
        }
        rel.push(abs.strip_prefix("/").unwrap());
        assert!(rel.is_relative());
        let f = Filter::new(&Project::open(&rel).unwrap());
        assert!(f.relevant(&abs.join("content/a.md")));
        assert!(f.relevant(&abs.join("book.toml")));
        assert!(!f.relevant(&abs.join("book/index.html")));
    }

    #[test]
    fn a_burst_is_one_batch() {
        let (tx, rx) = mpsc::channel();
        let t = std::thread::spawn(move || {
            for i in 0..5 {
                tx.send(Trigger::Changed(PathBuf::from(format!("a{}", i % 2))))
                    .unwrap();
                std::thread::sleep(Duration::from_millis(30));
            }
            std::thread::sleep(QUIET * 3);
            tx.send(Trigger::Rebuild).unwrap();
        });
        let first = next_batch(&rx).unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(next_batch(&rx).unwrap().len(), 0);
        t.join().unwrap();
    }
}
