//! Fuzz target `summary`: arbitrary UTF-8 into `docgen::fuzzing::summary`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        docgen::fuzzing::summary(text);
    }
});
