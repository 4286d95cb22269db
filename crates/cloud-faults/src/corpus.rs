//! The bad-input corpus: inputs every backend must reject before sending anything.
//!
//! Each list is a text file under `corpus/`, one case per line (`#` starts a comment line), with
//! escapes so that invisible and huge inputs stay readable: `\0`, `\n`, `\r`, `\t`, `\\`,
//! `\u{XXXX}` (any code point) and `\R{N,c}` (`c` repeated `N` times).
//!
//! ```
//! let keys = cloud_faults::corpus::cases(cloud_faults::corpus::KEYS);
//! assert!(keys.iter().any(|k| k == "../x"));
//! assert!(keys.iter().any(|k| k.len() == 1025));
//! ```

/// Bucket names (rejected with `InvalidInput`).
pub const BUCKETS: &str = include_str!("../corpus/buckets.txt");
/// Object keys (rejected with `InvalidInput`).
pub const KEYS: &str = include_str!("../corpus/keys.txt");
/// User metadata entries, `key=value` (rejected with `InvalidInput`).
pub const METADATA: &str = include_str!("../corpus/metadata.txt");
/// S3 endpoints (rejected with `InvalidConfig`).
pub const ENDPOINTS: &str = include_str!("../corpus/endpoints.txt");

/// The cases of a corpus file, unescaped.
///
/// # Panics
/// On a malformed escape (the corpus files are part of the tests).
pub fn cases(text: &str) -> Vec<String> {
    text.lines().filter(|line| !line.starts_with('#') && !line.is_empty()).map(unescape).collect()
}

/// Unescapes one line.
///
/// # Panics
/// On a malformed escape.
pub fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('\0'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let inner = braced(&mut chars, line);
                let code = u32::from_str_radix(&inner, 16).unwrap_or_else(|_| panic!("bad \\u in {line:?}"));
                out.push(char::from_u32(code).unwrap_or_else(|| panic!("bad code point in {line:?}")));
            }
            Some('R') => {
                let inner = braced(&mut chars, line);
                let (count, text) = inner.split_once(',').unwrap_or_else(|| panic!("bad \\R in {line:?}"));
                let count: usize = count.trim().parse().unwrap_or_else(|_| panic!("bad \\R count in {line:?}"));
                out.push_str(&unescape(text).repeat(count));
            }
            other => panic!("unknown escape \\{other:?} in {line:?}"),
        }
    }
    out
}

/// The text between `{` and the matching `}`.
fn braced(chars: &mut std::str::Chars<'_>, line: &str) -> String {
    assert_eq!(chars.next(), Some('{'), "an escape without braces in {line:?}");
    let mut inner = String::new();
    for c in chars.by_ref() {
        if c == '}' {
            return inner;
        }
        inner.push(c);
    }
    panic!("an unclosed escape in {line:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(unescape(r"a\0b\n\r\t\\"), "a\0b\n\r\t\\");
        assert_eq!(unescape(r"\u{00E9}\u{1F600}"), "é😀");
        assert_eq!(unescape(r"x\R{3,ab}y\R{0, }"), "xabababy");
    }

    #[test]
    fn every_file_parses() {
        for file in [BUCKETS, KEYS, METADATA, ENDPOINTS] {
            assert!(cases(file).len() > 10);
        }
    }
}
