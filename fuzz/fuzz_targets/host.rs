//! Fuzz target `host`: arbitrary UTF-8 into `docgen::fuzzing::host`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        docgen::fuzzing::host(text);
    }
});
