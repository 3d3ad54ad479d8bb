//! Fuzz target `code_info`: arbitrary UTF-8 into `docgen::fuzzing::code_info`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        docgen::fuzzing::code_info(text);
    }
});
