//! The `docgen` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    docgen::cli::main()
}

// Building a book allocates and frees many small strings from two threads (syntect's parse
// state, rendered lines, search terms); glibc malloc spent ~13% of a build's CPU in a profile,
// mimalloc a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
