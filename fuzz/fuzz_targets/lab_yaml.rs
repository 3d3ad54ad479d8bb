//! Fuzz target `lab_yaml`: arbitrary UTF-8 into `docgen::fuzzing::lab_yaml`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        docgen::fuzzing::lab_yaml(text);
    }
});
