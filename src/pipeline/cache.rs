//! What `docgen serve` keeps from one build to the next, so that editing one page renders one
//! page again instead of the whole book: each page's rendered body (Markdown, highlighted code,
//! annotations), its title and its search entries, keyed by a hash of everything rendering
//! reads: the language, the file's name and text, the text after includes and lab cards are
//! expanded, and the chapter's title in SUMMARY.md. And each finished page (the template around
//! the body), keyed by that key, the chapter's place, and the site's key: a hash of everything
//! else a page template reads (book.toml, the templates, every language's navigation and
//! pages). Nothing has to be invalidated by hand: a changed input is a different key. Entries a
//! build did not use are dropped after it, so the cache holds at most one site's worth.
//! `docgen build` does not use it (a one-off build would only pay for the copies).
//!
//! It also keeps the text of each page's source file with the file's stamp (device, inode,
//! size, modification and change times): a file whose stamp is unchanged is not read again,
//! which spares a rebuild a thousand `open`s (and the watcher a thousand open events). The
//! change time cannot be set by a program, and serve rebuilds only after the watcher has been
//! quiet for a while, so an edit always changes the stamp; the paths the watcher reports are
//! forgotten too.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use docgen_core::hash::hash_parts;

use crate::markdown::Rendered;
use crate::search::PageEntries;

/// A page as rendering left it, before the page template.
#[derive(Debug, Clone)]
pub(crate) struct CachedPage {
    pub(crate) rendered: Rendered,
    pub(crate) title: String,
    pub(crate) search: PageEntries,
}

/// Rendered pages of earlier builds (see the module docs).
#[derive(Debug, Default)]
pub struct BuildCache {
    inner: Mutex<Inner>,
    sources: Mutex<Sources>,
}

/// Source files read by earlier builds: path → (stamp, text).
#[derive(Debug, Default)]
struct Sources {
    files: HashMap<PathBuf, (Stamp, String)>,
    used: HashSet<PathBuf>,
    /// Files read from disk so far.
    reads: usize,
}

/// What changes when a file is written (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            modified: (m.mtime(), m.mtime_nsec()),
            changed: (m.ctime(), m.ctime_nsec()),
        })
    }

    /// Without a change time to trust, every file is read again.
    #[cfg(not(unix))]
    fn of(_path: &Path) -> Option<Stamp> {
        None
    }
}

#[derive(Debug, Default)]
struct Inner {
    pages: HashMap<u128, Arc<CachedPage>>,
    html: HashMap<u128, Arc<[u8]>>,
    used: HashSet<u128>,
    hits: usize,
    misses: usize,
}

/// How the cache did in the last build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Pages taken from the cache.
    pub hits: usize,
    /// Pages rendered.
    pub misses: usize,
    /// Pages kept for the next build.
    pub kept: usize,
}

/// The key of a page's rendering.
/// `proofs` is the digest of the labs' results the page may show (`ProofIndex::digest`).
pub(crate) fn key(
    lang: &str,
    display: &Path,
    text: &str,
    expanded: &str,
    nav_title: &str,
    proofs: u128,
) -> u128 {
    hash_parts([
        lang.as_bytes(),
        display.as_os_str().as_encoded_bytes(),
        text.as_bytes(),
        expanded.as_bytes(),
        nav_title.as_bytes(),
        &proofs.to_le_bytes()[..],
    ])
}

/// The key of a finished page: its rendering, its place in the navigation, and the site.
pub(crate) fn page_key(render: u128, site: u128, chapter: usize) -> u128 {
    hash_parts([
        &render.to_le_bytes()[..],
        &site.to_le_bytes()[..],
        &(chapter as u64).to_le_bytes()[..],
    ])
}

impl BuildCache {
    /// An empty cache.
    pub fn new() -> BuildCache {
        BuildCache::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Entries are inserted whole; a panic elsewhere cannot leave one half-made.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self, key: u128) -> Option<Arc<CachedPage>> {
        let mut inner = self.lock();
        let found = inner.pages.get(&key).cloned();
        match found {
            Some(_) => inner.hits += 1,
            None => inner.misses += 1,
        }
        inner.used.insert(key);
        found
    }

    pub(crate) fn insert(&self, key: u128, page: Arc<CachedPage>) {
        self.lock().pages.insert(key, page);
    }

    pub(crate) fn get_html(&self, key: u128) -> Option<Arc<[u8]>> {
        let mut inner = self.lock();
        inner.used.insert(key);
        inner.html.get(&key).cloned()
    }

    pub(crate) fn insert_html(&self, key: u128, html: Arc<[u8]>) {
        self.lock().html.insert(key, html);
    }

    fn lock_sources(&self) -> MutexGuard<'_, Sources> {
        self.sources.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The text of the source file at `path`: kept from an earlier build while the file's
    /// stamp is the same, read otherwise.
    pub(crate) fn read_source(&self, path: &Path) -> anyhow::Result<String> {
        let stamp = Stamp::of(path);
        if let Some(stamp) = stamp {
            let mut sources = self.lock_sources();
            if let Some((kept, text)) = sources.files.get(path) {
                if *kept == stamp {
                    let text = text.clone();
                    sources.used.insert(path.to_path_buf());
                    return Ok(text);
                }
            }
        }
        // Stamped before reading: a write in between leaves a stamp that is already old.
        let text = crate::source::read_text(path)?;
        if let Some(stamp) = stamp {
            let mut sources = self.lock_sources();
            sources
                .files
                .insert(path.to_path_buf(), (stamp, text.clone()));
            sources.reads += 1;
            sources.used.insert(path.to_path_buf());
        }
        Ok(text)
    }

    /// Forgets the kept text of these files (the watcher saw them change).
    pub fn forget_sources<'a>(&self, paths: impl IntoIterator<Item = &'a Path>) {
        let mut sources = self.lock_sources();
        for p in paths {
            sources.files.remove(p);
        }
    }

    /// Ends a build: drops what it did not use and returns how it went.
    pub(crate) fn sweep(&self) -> CacheStats {
        {
            let mut sources = self.lock_sources();
            let used = std::mem::take(&mut sources.used);
            sources.files.retain(|p, _| used.contains(p));
        }
        let mut inner = self.lock();
        let used = std::mem::take(&mut inner.used);
        inner.pages.retain(|k, _| used.contains(k));
        inner.html.retain(|k, _| used.contains(k));
        let stats = CacheStats {
            hits: inner.hits,
            misses: inner.misses,
            kept: inner.pages.len(),
        };
        inner.hits = 0;
        inner.misses = 0;
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_when_any_input_does() {
        let base = key("en", Path::new("src/a.md"), "# A\n", "# A\n", "A", 0);
        assert_eq!(
            base,
            key("en", Path::new("src/a.md"), "# A\n", "# A\n", "A", 0)
        );
        for other in [
            key("vi", Path::new("src/a.md"), "# A\n", "# A\n", "A", 0),
            key("en", Path::new("src/b.md"), "# A\n", "# A\n", "A", 0),
            key("en", Path::new("src/a.md"), "# B\n", "# A\n", "A", 0),
            key("en", Path::new("src/a.md"), "# A\n", "# B\n", "A", 0),
            key("en", Path::new("src/a.md"), "# A\n", "# A\n", "B", 0),
            key("en", Path::new("src/a.md"), "# A\n", "# A\n", "A", 1),
            // Bytes moved across a boundary.
            key("en", Path::new("src/a.md"), "# A\n#", " A\n", "A", 0),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn a_source_is_read_again_when_its_stamp_changes_or_it_is_forgotten() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.md"), d.path().join("b.md"));
        std::fs::write(&a, "one").unwrap();
        std::fs::write(&b, "bee").unwrap();
        let cache = BuildCache::new();
        assert_eq!(cache.read_source(&a).unwrap(), "one");
        assert_eq!(cache.read_source(&b).unwrap(), "bee");
        cache.sweep();
        let reads = |c: &BuildCache| c.lock_sources().reads;
        assert_eq!(reads(&cache), 2);
        // Unchanged: kept, not read again.
        assert_eq!(cache.read_source(&a).unwrap(), "one");
        assert_eq!(reads(&cache), 2);
        // Rewritten with the same size: the change time moved.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&a, "two").unwrap();
        assert_eq!(cache.read_source(&a).unwrap(), "two");
        assert_eq!(reads(&cache), 3);
        cache.forget_sources([a.as_path()]);
        assert_eq!(cache.read_source(&a).unwrap(), "two");
        assert_eq!(reads(&cache), 4);
        // A new size is a new stamp.
        std::fs::write(&a, "three").unwrap();
        assert_eq!(cache.read_source(&a).unwrap(), "three");
        // b was not read by the last build: swept.
        cache.sweep();
        assert!(!cache.lock_sources().files.contains_key(&b));
        assert!(cache.lock_sources().files.contains_key(&a));
    }

    #[test]
    fn a_build_keeps_only_what_it_used() {
        let cache = BuildCache::new();
        let page = CachedPage {
            rendered: Rendered::default(),
            title: "T".into(),
            search: PageEntries::default(),
        };
        assert!(cache.get(1).is_none());
        let page = Arc::new(page);
        cache.insert(1, Arc::clone(&page));
        cache.insert(2, page);
        assert_eq!(
            cache.sweep(),
            CacheStats {
                hits: 0,
                misses: 1,
                kept: 1
            }
        );
        assert!(cache.get(1).is_some());
        assert!(cache.get(2).is_none(), "2 was not used by the last build");
        assert_eq!(cache.sweep().hits, 1);
    }
}
