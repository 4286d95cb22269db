//! How object keys become `object_store` paths, and back.
//!
//! Every location is `<bucket>/<key>`. [`Codec::Plain`] uses the key as it is (the in-memory store
//! accepts any valid key). [`Codec::Escaped`] is for files: it writes `%` as `%25` and `#` as `%23`
//! and leaves everything else alone, so file names read like their keys while no file name holds a
//! literal `#` — the character `object_store`'s `LocalFileSystem` reserves for its staging files
//! (`name#1`), and the one the sidecar files use (see `sidecar.rs`). The escaping is a bijection:
//! a file whose name is not the canonical escaping of some key is not an object and is skipped.

use object_store::path::Path;

use crate::storage::validate_key;
use crate::{Error, Result};

/// The longest escaped key segment a file name may take.
///
/// File systems allow 255 bytes per name; `LocalFileSystem`'s staging suffix (`#1`) and the
/// sidecar suffix (`#meta`) need a few more.
pub(crate) const MAX_FILE_SEGMENT: usize = 240;

/// The mapping between keys and paths a backend uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    /// Keys are paths as they are.
    Plain,
    /// Keys are escaped for file names (`%` and `#`), with a per-segment length limit.
    Escaped,
}

impl Codec {
    /// The key as it appears in a path (escaped for [`Codec::Escaped`]).
    ///
    /// The key must have passed [`validate_key`].
    pub(crate) fn encode_key(self, key: &str) -> Result<String> {
        match self {
            Self::Plain => Ok(key.to_owned()),
            Self::Escaped => {
                let mut out = String::with_capacity(key.len());
                for segment in key.split('/') {
                    let start = out.len();
                    if start > 0 {
                        out.push('/');
                    }
                    escape_into(segment, &mut out);
                    let escaped_len = out.len() - start - usize::from(start > 0);
                    if escaped_len > MAX_FILE_SEGMENT {
                        return Err(Error::invalid_input(format!(
                            "invalid object key {key:?}: a segment between '/' takes {escaped_len} bytes as a \
                             file name; the local backend allows {MAX_FILE_SEGMENT}"
                        )));
                    }
                }
                Ok(out)
            }
        }
    }

    /// The path of an object. The bucket name and key must be valid.
    pub(crate) fn object_path(self, bucket: &str, key: &str) -> Result<Path> {
        let encoded = self.encode_key(key)?;
        parse_path(&format!("{bucket}/{encoded}"))
    }

    /// The directory to walk to find every key starting with `prefix`, or `None` when no valid key
    /// can start with it.
    ///
    /// Listing prefixes are plain string prefixes, while `object_store` lists whole path segments:
    /// the walk covers the segments before the prefix's last `/`, and the caller filters by string.
    pub(crate) fn list_root(self, bucket: &str, prefix: &str) -> Option<Path> {
        match prefix.rfind('/') {
            None => parse_path(bucket).ok(),
            Some(slash) => {
                let dir = &prefix[..slash];
                // Every key starting with `prefix` has `dir` as its leading segments; if `dir` is not a
                // valid key (empty, `..`, `//` …), no key matches.
                validate_key(dir).ok()?;
                let encoded = self.encode_key(dir).ok()?;
                parse_path(&format!("{bucket}/{encoded}")).ok()
            }
        }
    }

    /// The key of a listed location of `bucket`, or `None` if the location is not an object of
    /// this backend (a stray file whose name is not a canonical escaping).
    pub(crate) fn key_of(self, bucket: &str, location: &Path) -> Option<String> {
        let rest = location.as_ref().strip_prefix(bucket)?.strip_prefix('/')?;
        let key = match self {
            Self::Plain => rest.to_owned(),
            Self::Escaped => unescape(rest)?,
        };
        validate_key(&key).ok()?;
        Some(key)
    }
}

fn parse_path(raw: &str) -> Result<Path> {
    Path::parse(raw).map_err(|e| Error::invalid_input(format!("{raw:?} is not a valid location: {e}")).with_source(e))
}

fn escape_into(segment: &str, out: &mut String) {
    for c in segment.chars() {
        match c {
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
}

/// Reverses [`escape_into`]; `None` unless `escaped` is a canonical escaping.
fn unescape(escaped: &str) -> Option<String> {
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(at) = rest.find(['%', '#']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("%25") {
            out.push('%');
        } else if tail.starts_with("%23") {
            out.push('#');
        } else {
            return None;
        }
        rest = &tail[3..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_and_hides_hashes() {
        for key in ["a", "a/b/c", "100%/done#1", "%25#23", "ünï/cödé 🎉", ".hidden/.x", "a?b*c"] {
            let encoded = Codec::Escaped.encode_key(key).unwrap();
            assert!(!encoded.contains('#'), "{encoded}");
            assert_eq!(unescape(&encoded).as_deref(), Some(key));
            let path = Codec::Escaped.object_path("bkt", key).unwrap();
            assert_eq!(Codec::Escaped.key_of("bkt", &path).as_deref(), Some(key));
        }
    }

    #[test]
    fn non_canonical_names_are_not_objects() {
        for raw in ["a#1", "a%41", "a%", "a%2", "%2F"] {
            assert_eq!(unescape(raw), None, "{raw}");
        }
    }

    #[test]
    fn plain_keys_are_unchanged() {
        let path = Codec::Plain.object_path("bkt", "a#1/%x").unwrap();
        assert_eq!(path.as_ref(), "bkt/a#1/%x");
        assert_eq!(Codec::Plain.key_of("bkt", &path).as_deref(), Some("a#1/%x"));
        assert_eq!(Codec::Plain.key_of("other", &path), None);
    }

    #[test]
    fn long_segments_are_invalid_for_files_only() {
        let key = "k".repeat(300);
        assert!(Codec::Plain.encode_key(&key).is_ok());
        let err = Codec::Escaped.encode_key(&key).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        // Escaping counts: 100 '%' take 300 bytes.
        assert!(Codec::Escaped.encode_key(&"%".repeat(100)).is_err());
        assert!(Codec::Escaped.encode_key(&format!("{}/{}", "a".repeat(240), "b".repeat(240))).is_ok());
    }

    #[test]
    fn list_roots_cover_whole_segments() {
        let root = |prefix| Codec::Escaped.list_root("bkt", prefix).map(|p| p.to_string());
        assert_eq!(root("").as_deref(), Some("bkt"));
        assert_eq!(root("pho").as_deref(), Some("bkt"));
        assert_eq!(root("photos/").as_deref(), Some("bkt/photos"));
        assert_eq!(root("photos/2026/ca").as_deref(), Some("bkt/photos/2026"));
        assert_eq!(root("a#b/c").as_deref(), Some("bkt/a%23b"));
        for impossible in ["/", "a//", "../x", "a/./b/", "/abs/x"] {
            assert_eq!(root(impossible), None, "{impossible}");
        }
    }
}
