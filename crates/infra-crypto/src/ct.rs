//! Constant-time byte comparison.

use std::hint::black_box;

/// Compares two byte strings without exiting early on the first difference.
///
/// The running time depends only on the lengths, never on the contents. A
/// length mismatch returns `false` immediately: lengths are not considered
/// secret (use it for fixed-length values such as MACs, digests or the Meta
/// webhook `hub.verify_token`).
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| black_box(acc | (x ^ y)));
    black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_slices_compare_equal() {
        assert!(constant_time_eq(b"verify-token", b"verify-token"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn different_contents_or_lengths_differ() {
        assert!(!constant_time_eq(b"verify-token", b"verify-tokeN"));
        assert!(!constant_time_eq(b"Verify-token", b"verify-token"));
        assert!(!constant_time_eq(b"short", b"shorter"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
