//! Fuzz target `page`: arbitrary UTF-8 into `docgen::fuzzing::page`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        docgen::fuzzing::page(text);
    }
});
