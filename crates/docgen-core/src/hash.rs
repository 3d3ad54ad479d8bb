//! The content hash behind docgen's caches: serve's page cache keys and the theme's asset
//! fingerprints. Fast and non-cryptographic (xxh3, 128 bits): it tells inputs apart, it does not
//! defend against anyone.

/// Hashes parts, each with its length first, so that moving bytes from one part to the next
/// changes the hash.
pub fn hash_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in parts {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.digest128()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_bytes_between_parts_changes_the_hash() {
        let a = hash_parts([b"ab".as_slice(), b"c".as_slice()]);
        let b = hash_parts([b"a".as_slice(), b"bc".as_slice()]);
        assert_ne!(a, b);
        assert_eq!(a, hash_parts([b"ab".as_slice(), b"c".as_slice()]));
    }
}
