//! A no-op mdBook preprocessor, for `scripts/bench-preprocess`: it answers `supports` with yes,
//! reads `[context, book]` from stdin and prints the book back unchanged, as mdBook's own
//! example preprocessor does (written here, not copied).

use std::io::{Read, Write};

fn main() {
    if std::env::args().nth(1).as_deref() == Some("supports") {
        return;
    }
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .expect("read stdin");
    let (_context, book): (serde_json::Value, serde_json::Value) =
        serde_json::from_slice(&input).expect("[context, book] as JSON");
    let out = serde_json::to_vec(&book).expect("book as JSON");
    std::io::stdout().write_all(&out).expect("write stdout");
}
