//! Finding a program on `PATH`, the way a shell would: the container engines, debootstrap, a
//! browser opener. One place, so every caller treats a path and a bare name the same way.

use std::path::{Path, PathBuf};

/// Finds `program` on PATH (or checks it when it is a path).
pub fn find_program(program: &str) -> Option<PathBuf> {
    let p = Path::new(program);
    if p.components().count() > 1 {
        return p.is_file().then(|| p.to_path_buf());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|f| f.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_on_path_and_checks_paths_as_given() {
        assert!(find_program("sh").is_some_and(|p| p.is_absolute()));
        assert_eq!(find_program("/bin/sh"), Some(PathBuf::from("/bin/sh")));
        assert_eq!(find_program("/no/such/program"), None);
        assert_eq!(find_program("docgen-no-such-program"), None);
    }
}
