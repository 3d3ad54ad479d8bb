//! Times a cached rebuild the way `docgen serve` does one after an edit: the book is built once
//! into memory (filling the cache), one page is changed, and the book is built again, taking
//! every other page from the cache: pages first, then (timed apart) the print page and search
//! index, as serve publishes them. Usage: `cached_rebuild BOOK_DIR PAGE_REL [RUNS]`, where
//! PAGE_REL is a page's path under the book's source directory. This is a benchmark helper, not
//! a test; it prints the times it sees.

use std::path::Path;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        anyhow::bail!("usage: cached_rebuild BOOK_DIR PAGE_REL [RUNS]");
    }
    let root = Path::new(&args[1]);
    let runs: usize = args.get(3).map_or(Ok(5), |s| s.parse())?;
    let project = docgen::project::Project::open(root).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let page = project.src_dir().join(&args[2]);
    let original = std::fs::read_to_string(&page)?;
    let cache = docgen::pipeline::BuildCache::new();
    let t = Instant::now();
    let first = docgen::pipeline::build_pages_first(&project, &cache)?;
    println!("first build: {} pages in {:.1?}", first.pages, t.elapsed());
    drop(first);
    let mut times = Vec::new();
    for i in 0..runs {
        std::fs::write(&page, format!("{original}\nEdited {i}.\n"))?;
        let t = Instant::now();
        let mut built = docgen::pipeline::build_pages_first(&project, &cache)?;
        let e = t.elapsed();
        let rest = match built.whole_book.take() {
            Some(w) => w.finish().map_err(|e| anyhow::anyhow!(e))?,
            None => std::time::Duration::ZERO,
        };
        println!(
            "rebuild {i}: pages {:.1?}, then print page and search index {:.1?} ({:?})",
            e, rest, built.cache
        );
        times.push(e);
    }
    std::fs::write(&page, original)?;
    times.sort();
    println!(
        "median rebuild of the pages: {:.1?}",
        times[times.len() / 2]
    );
    Ok(())
}

// The same allocator as the docgen binary, so the times match `docgen serve`'s.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
