//! Portable names: the bucket-name, key and metadata rules every backend enforces before sending
//! anything, so a name that works on one backend works on all.

use std::collections::BTreeMap;

use crate::{Error, Result};

/// Checks a bucket name against the rules every backend accepts (those of S3, the strictest):
/// 3 to 63 characters of lowercase ASCII letters, digits, `-` and `.`, starting and ending with a
/// letter or digit, with no `..` and not shaped like an IPv4 address.
///
/// # Errors
/// `InvalidInput` naming the rule that failed.
///
/// ```
/// use cloud_core::storage::validate_bucket_name;
/// assert!(validate_bucket_name("my-bucket.2026").is_ok());
/// assert!(validate_bucket_name("My_Bucket").is_err());
/// ```
pub fn validate_bucket_name(name: &str) -> Result<()> {
    let fail = |why: &str| Err(Error::invalid_input(format!("invalid bucket name {name:?}: {why}")));
    if name.len() < 3 || name.len() > 63 {
        return fail("must be 3 to 63 characters long");
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.')) {
        return fail(&format!("character {c:?} is not allowed (use a-z, 0-9, '-' and '.')"));
    }
    let bytes = name.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return fail("must start and end with a letter or digit");
    }
    if name.contains("..") {
        return fail("must not contain \"..\"");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return fail("must not look like an IP address");
    }
    Ok(())
}

/// Checks an object key: 1 to 1024 bytes of UTF-8 without control characters, not starting with
/// `/`, without empty, `.` or `..` segments between `/` separators (so no key can escape a local
/// directory or alias another key).
///
/// # Errors
/// `InvalidInput` naming the rule that failed.
///
/// ```
/// use cloud_core::storage::validate_key;
/// assert!(validate_key("photos/2026/été.jpg").is_ok());
/// assert!(validate_key("../etc/passwd").is_err());
/// assert!(validate_key("/absolute").is_err());
/// ```
pub fn validate_key(key: &str) -> Result<()> {
    let fail = |why: &str| Err(Error::invalid_input(format!("invalid object key {key:?}: {why}")));
    if key.is_empty() {
        return fail("must not be empty");
    }
    if key.len() > 1024 {
        return fail("must be at most 1024 bytes");
    }
    if key.contains('\0') {
        return fail("must not contain NUL");
    }
    if key.chars().any(char::is_control) {
        return fail("must not contain control characters");
    }
    if key.starts_with('/') {
        return fail("must not be absolute (start with '/')");
    }
    if key.contains('\\') {
        return fail("must not contain '\\'");
    }
    for segment in key.split('/') {
        match segment {
            "" => return fail("must not contain empty segments (\"//\" or a trailing '/')"),
            "." | ".." => return fail("must not contain \".\" or \"..\" segments"),
            _ => {}
        }
    }
    Ok(())
}

/// Checks user metadata: keys of 1 to 128 lowercase ASCII letters, digits and `-` (what every
/// backend stores unchanged), values of printable ASCII (what travels in HTTP headers
/// unencoded), 8 KiB in all.
///
/// # Errors
/// `InvalidInput` naming the entry that failed.
pub fn validate_metadata(metadata: &BTreeMap<String, String>) -> Result<()> {
    let mut total = 0;
    for (k, v) in metadata {
        if k.is_empty()
            || k.len() > 128
            || !k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(Error::invalid_input(format!("invalid metadata key {k:?}: use 1 to 128 of a-z, 0-9 and '-'")));
        }
        if !v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(Error::invalid_input(format!("invalid metadata value for {k:?}: use printable ASCII only")));
        }
        total += k.len() + v.len();
    }
    if total > 8192 {
        return Err(Error::invalid_input("metadata is larger than 8 KiB"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["abc", "a-b.c", "0bucket9", &"a".repeat(63)] {
            assert!(validate_bucket_name(ok).is_ok(), "{ok}");
        }
        for bad in ["ab", "-abc", "abc-", "ABC", "a_b", "a..b", "192.168.1.1", &"a".repeat(64), "a b"] {
            assert!(validate_bucket_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys() {
        for ok in ["a", "a/b/c", "..a", "a..", "ünï/cödé 🎉", "a.b", &"k".repeat(1024)] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/a", "a//b", "a/", "..", "a/../b", "./a", "a\0b", "a\nb", "a\\b", &"k".repeat(1025)] {
            assert!(validate_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn metadata() {
        let mut m = BTreeMap::new();
        m.insert("owner".to_owned(), "team a".to_owned());
        assert!(validate_metadata(&m).is_ok());
        m.insert("Bad_Key".to_owned(), "x".to_owned());
        assert!(validate_metadata(&m).is_err());
        let mut m = BTreeMap::new();
        m.insert("k".to_owned(), "é".to_owned());
        assert!(validate_metadata(&m).is_err());
    }
}
