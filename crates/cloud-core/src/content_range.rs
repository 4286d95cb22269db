//! [`ContentRange`]: the `Content-Range` header of a `206 Partial Content` answer, parsed strictly
//! and checked against the range that was asked for.
//!
//! A backend that sends `Range` must not trust what comes back: a proxy or a buggy server may
//! serve other bytes than those requested, an inverted range, or numbers that overflow. Parse the
//! header with [`ContentRange::parse`], then compare it with the request through
//! [`ContentRange::check_served`]; both fail with
//! [`ErrorKind::ResponseInvalid`], never with a panic.
//!
//! ```
//! use cloud_core::content_range::ContentRange;
//! use cloud_core::storage::GetRange;
//! use cloud_core::ErrorKind;
//!
//! let served = ContentRange::parse("bytes 100-199/1000")?;
//! assert_eq!(served.range(), 100..200);
//! assert_eq!(served.total(), Some(1000));
//! assert_eq!(served.check_served(&GetRange::Bounded(100..200))?, 100..200);
//! // Bytes 0-99 served for a request of 100-199 are not what was asked for.
//! let wrong = ContentRange::parse("bytes 0-99/1000")?;
//! assert_eq!(wrong.check_served(&GetRange::Bounded(100..200)).unwrap_err().kind(), ErrorKind::ResponseInvalid);
//! // Inverted ranges and overflowing numbers are rejected.
//! assert!(ContentRange::parse("bytes 10-2/100").is_err());
//! assert!(ContentRange::parse("bytes 0-18446744073709551615/5").is_err());
//! # Ok::<(), cloud_core::Error>(())
//! ```

use std::ops::Range;

use crate::storage::GetRange;
use crate::{Error, ErrorKind, Result};

/// A parsed `Content-Range: bytes <first>-<last>/<complete length or *>` value.
///
/// The invariants hold for every value [`parse`](Self::parse) returns: `start < end` (the range
/// is never empty or inverted) and, when the complete length is known, `end <= total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentRange {
    range: Range<u64>,
    total: Option<u64>,
}

impl ContentRange {
    /// Parses a `Content-Range` value of a 206 answer (RFC 9110 §14.4): `bytes 0-9/100`, or
    /// `bytes 0-9/*` when the server does not know the complete length. The unit is matched
    /// without regard to case; the numbers must be plain decimal digits.
    ///
    /// # Errors
    /// `ResponseInvalid` when the value has another form (including the `bytes */100` form of a
    /// 416 answer), a number does not fit in 64 bits, the range is inverted, or it ends past the
    /// complete length.
    pub fn parse(value: &str) -> Result<Self> {
        let invalid = |why: &str| invalid(format!("the Content-Range {:?} is invalid: {why}", excerpt(value)));
        let value = value.trim();
        let rest = value
            .get(..5)
            .filter(|unit| unit.eq_ignore_ascii_case("bytes"))
            .and_then(|_| value.get(5..))
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(|| invalid("it does not start with \"bytes \""))?;
        let (span, total) = rest.split_once('/').ok_or_else(|| invalid("it has no complete length"))?;
        let (first, last) = span.split_once('-').ok_or_else(|| invalid("it has no first-last range"))?;
        let first = number(first).ok_or_else(|| invalid("the first byte is not a number"))?;
        let last = number(last).ok_or_else(|| invalid("the last byte is not a number"))?;
        let total = match total {
            "*" => None,
            total => Some(number(total).ok_or_else(|| invalid("the complete length is not a number"))?),
        };
        if first > last {
            return Err(invalid("the range is inverted"));
        }
        let end = last.checked_add(1).ok_or_else(|| invalid("the last byte is out of range"))?;
        if total.is_some_and(|total| end > total) {
            return Err(invalid("the range ends past the complete length"));
        }
        Ok(Self { range: first..end, total })
    }

    /// The bytes served, end exclusive (`bytes 0-9/100` → `0..10`); never empty.
    pub fn range(&self) -> Range<u64> {
        self.range.clone()
    }

    /// The complete length of the representation, when the server gave it.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Checks that these are the bytes `requested` asked for, and returns them.
    ///
    /// With a known complete length the served range must equal `requested` resolved against it
    /// ([`GetRange::resolve`]). Without one (`/*`) it must start where the request starts and
    /// end no later than it ends (a bounded request may be cut at the end of the object).
    ///
    /// # Errors
    /// `ResponseInvalid` when the server sent other bytes than those requested.
    pub fn check_served(&self, requested: &GetRange) -> Result<Range<u64>> {
        let served = self.range();
        let matches = match (self.total, requested) {
            (Some(total), _) => requested.resolve(total).is_ok_and(|expected| expected == served),
            (None, GetRange::Bounded(r)) => served.start == r.start && served.end <= r.end,
            (None, GetRange::Offset(o)) => served.start == *o,
            (None, GetRange::Suffix(n)) => served.end - served.start <= *n,
        };
        if matches {
            Ok(served)
        } else {
            Err(invalid(format!(
                "the server answered bytes {}..{} to the request {}",
                served.start,
                served.end,
                requested.to_http_header()
            )))
        }
    }
}

/// A decimal number of plain ASCII digits (no sign, no spaces) that fits in 64 bits.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::ResponseInvalid, message)
}

/// At most 80 characters of a header value, for error messages.
fn excerpt(value: &str) -> String {
    value.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn parses_the_two_forms() {
        let r = ContentRange::parse("bytes 0-9/100").unwrap();
        assert_eq!((r.range(), r.total()), (0..10, Some(100)));
        let r = ContentRange::parse("BYTES 5-5/*").unwrap();
        assert_eq!((r.range(), r.total()), (5..6, None));
        let r = ContentRange::parse("bytes 0-18446744073709551614/18446744073709551615").unwrap();
        assert_eq!(r.range(), 0..u64::MAX);
    }

    #[test]
    fn rejects_malformed_overflowing_and_inverted_values() {
        for value in [
            "",
            "bytes",
            "bytes ",
            "bytes 0-9",
            "bytes */100",
            "items 0-9/100",
            "bytes=0-9/100",
            "bytes 10-2/100",
            "bytes 0-100/100",
            "bytes 0-18446744073709551615/5",
            "bytes 0-18446744073709551615/*",
            "bytes 0-18446744073709551616/*",
            "bytes +1-9/100",
            "bytes -1-9/100",
            "bytes 0-9/-1",
            "bytes 0-9/1e3",
            "bytes 0 - 9/100",
            "bytes 0-9/100/7",
            "bytes é-9/100",
        ] {
            let err = ContentRange::parse(value).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ResponseInvalid, "{value:?}");
        }
    }

    #[test]
    fn the_served_range_must_be_the_requested_one() {
        let check = |served: &str, requested: GetRange| ContentRange::parse(served).unwrap().check_served(&requested);
        assert_eq!(check("bytes 100-199/1000", GetRange::Bounded(100..200)).unwrap(), 100..200);
        assert_eq!(check("bytes 100-999/1000", GetRange::Bounded(100..5000)).unwrap(), 100..1000);
        assert_eq!(check("bytes 900-999/1000", GetRange::Suffix(100)).unwrap(), 900..1000);
        assert_eq!(check("bytes 0-9/10", GetRange::Suffix(100)).unwrap(), 0..10);
        assert_eq!(check("bytes 7-9/10", GetRange::Offset(7)).unwrap(), 7..10);
        assert_eq!(check("bytes 100-149/*", GetRange::Bounded(100..200)).unwrap(), 100..150);
        for (served, requested) in [
            ("bytes 0-99/1000", GetRange::Bounded(100..200)),
            ("bytes 100-198/1000", GetRange::Bounded(100..200)),
            ("bytes 0-9/10", GetRange::Suffix(5)),
            ("bytes 6-9/10", GetRange::Offset(7)),
            ("bytes 99-149/*", GetRange::Bounded(100..200)),
            ("bytes 100-200/*", GetRange::Bounded(100..200)),
            ("bytes 0-9/*", GetRange::Suffix(5)),
            ("bytes 0-9/*", GetRange::Offset(3)),
        ] {
            let err = check(served, requested.clone()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ResponseInvalid, "{served} for {requested:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the text: no panic, and what parses keeps the invariants.
        #[test]
        fn arbitrary_text_never_panics(value in ".{0,40}") {
            if let Ok(r) = ContentRange::parse(&value) {
                let range = r.range();
                prop_assert!(range.start < range.end);
                if let Some(total) = r.total() {
                    prop_assert!(range.end <= total);
                }
            }
        }

        /// Numbers anywhere in `u64`: parsing agrees with the arithmetic done in `u128`.
        #[test]
        fn arbitrary_numbers_parse_exactly_when_valid(first: u64, last: u64, total in proptest::option::of(any::<u64>())) {
            let text = format!("bytes {first}-{last}/{}", total.map_or("*".to_owned(), |t| t.to_string()));
            let end = u128::from(last) + 1;
            let valid = first <= last && end <= u128::from(total.unwrap_or(u64::MAX))
                && (total.is_some() || end <= u128::from(u64::MAX));
            match ContentRange::parse(&text) {
                Ok(r) => {
                    prop_assert!(valid, "{text} was accepted");
                    prop_assert_eq!(u128::from(r.range().end), end);
                    prop_assert_eq!(r.range().start, first);
                }
                Err(err) => {
                    prop_assert!(!valid, "{text} was rejected: {err}");
                    prop_assert_eq!(err.kind(), ErrorKind::ResponseInvalid);
                }
            }
        }

        /// A range served exactly as resolved is accepted; any other is rejected.
        #[test]
        fn check_served_accepts_exactly_the_resolved_range(
            size in 1u64..10_000, a in 0u64..12_000, b in 0u64..12_000, kind in 0u8..3, shift in 0u64..3,
        ) {
            let requested = match kind {
                0 => GetRange::Bounded(a.min(b)..a.max(b) + 1),
                1 => GetRange::Offset(a),
                _ => GetRange::Suffix(b + 1),
            };
            if let Ok(expected) = requested.resolve(size) {
                let start = expected.start.saturating_sub(shift);
                let served = ContentRange::parse(&format!("bytes {start}-{}/{size}", expected.end - 1)).unwrap();
                let got = served.check_served(&requested);
                if shift == 0 || start == expected.start {
                    prop_assert_eq!(got.unwrap(), expected);
                } else {
                    prop_assert_eq!(got.unwrap_err().kind(), ErrorKind::ResponseInvalid);
                }
            }
        }
    }
}
