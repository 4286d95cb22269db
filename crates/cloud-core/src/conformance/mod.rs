//! The shared conformance suites (feature `conformance`; **not semver-stable**).
//!
//! Every [`StorageClient`](crate::StorageClient) must behave the same way where the trait's
//! contract says so; this module checks it. The checks are plain async functions,
//! [`storage::check_*`](storage), each taking the client and a [`Context`] (the bucket to use and a
//! random key prefix to work under) and returning a [`CheckResult`] whose [`Failure`] says what
//! was expected and what happened. [`storage_checks`] picks the checks a backend's
//! [`StorageCapabilities`](crate::storage::StorageCapabilities) call for.
//!
//! # Running the suite
//!
//! A [`Suite`] runs each check under a fresh prefix (`conformance-<uuid>/`), creating the suite's
//! bucket if needed, and deletes everything under the prefix afterwards, whether the check passed,
//! failed or panicked. [`Suite::trials`] turns the checks into `libtest-mimic` trials for a test
//! target with `harness = false`:
//!
//! ```no_run
//! use std::sync::Arc;
//! use cloud_core::conformance::Suite;
//!
//! fn main() {
//!     let runtime = tokio::runtime::Runtime::new().unwrap();
//!     let store = Arc::new(cloud_core::MemoryStorage::new());
//!     let trials = Suite::new("memory", store, "conformance").trials(runtime.handle());
//!     libtest_mimic::run(&libtest_mimic::Arguments::from_args(), trials).exit();
//! }
//! ```
//!
//! A live suite that is not configured registers [`ignored_trials`] instead, so the checks show as
//! *ignored* rather than passing silently. `CLOUD_TEST_CAPABILITY_OVERRIDES`-style switches go
//! through [`Suite::with_capability_overrides`].
//!
//! # What is checked
//!
//! - Round trips of empty, 1-byte, 8 MiB and 100 MiB objects (the large ones streamed from a
//!   generator and compared by SHA-256, never held in memory twice); bytes and stream payloads
//!   with the same content; put results agreeing with `head_object`.
//! - Ranged reads (bounded, offset, suffix, clamped ends; a start past the end is `InvalidInput`).
//! - Keys: Unicode (and two normalizations of one word as two keys), deep paths, spaces, URL
//!   special characters, leading dots; overwrites replacing data and metadata; deletes.
//! - Content type and user metadata round trips through `head_object` and `get_object`.
//! - Listings: by string prefix (not by path segment), without leaking neighbours, empty, in
//!   byte order, and across several pages.
//! - Errors: `NotFound` for missing objects and buckets, `InvalidInput` for bad bucket names, keys
//!   and metadata, `Unsupported` for what the capabilities deny; a payload stream that fails
//!   mid-way fails the put with its own error and leaves no object (nor damages the old one).
//! - Upload progress ([`PutOptions::progress`](crate::storage::PutOptions::progress)): reports
//!   never go back, never exceed what the payload yielded, end at exactly the object's size
//!   before `put_object` returns (empty, small and multi-part objects), and a put whose payload
//!   fails reports less than it read (bytes read but not acknowledged are not counted).
//! - Buckets: the create / exists / delete life cycle, `AlreadyExists`, `Conflict` on a non-empty
//!   bucket, `list_buckets`; copies within and across buckets, with metadata.
//! - Concurrent writers on distinct keys and on one key (the result is one whole write).
//! - Presigned URLs (shape and expiry only; fetching them is the provider crates' business).
//! - Conditional requests, each claimed capability: create-only and compare-and-swap puts (with a
//!   race of writers from one version), create-only copies, `if_match` / `if_none_match` /
//!   `if_modified_since` / `if_unmodified_since` on get and head; each unclaimed one must be
//!   `Unsupported` and change nothing; malformed ETags are `InvalidInput`.
//! - Delimiter listings: nested prefixes, a key equal to the listing's prefix, keys holding the
//!   delimiter twice, another delimiter character, multi-character delimiters, small pages, start
//!   keys with and without a delimiter; invalid listing options are `InvalidInput`.
//! - Content headers (`Cache-Control`, `Content-Disposition`, `Content-Encoding`,
//!   `Content-Language`) through head, get, copy and overwrite.
//! - [`StorageClientExt`](crate::StorageClientExt): file upload and download, `ensure_bucket`,
//!   `delete_prefix`, the bytes helpers; parallel ranged downloads (file and read-ahead) give
//!   the object's bytes with at most `concurrency` GETs in flight, none longer than a part, and
//!   an object replaced or a part cut short mid-way is an error that leaves no file.
//!
//! Checks may be added, renamed or tightened in any release.

use std::fmt;

use crate::{Error, ErrorKind};

/// Fails the current check with a formatted message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::conformance::Failure::new(format!($($arg)+)));
        }
    };
}

/// Fails the current check unless `actual == expected`, showing both.
macro_rules! ensure_eq {
    ($actual:expr, $expected:expr, $($arg:tt)+) => {{
        let (actual, expected) = (&$actual, &$expected);
        if actual != expected {
            return Err($crate::conformance::Failure::new(format!(
                "{}: expected {:?}, got {:?}",
                format_args!($($arg)+),
                expected,
                actual
            )));
        }
    }};
}

mod data;
#[cfg(feature = "object-store")]
mod object_store;
mod runner;
pub mod storage;

#[cfg(feature = "object-store")]
pub use self::object_store::{SuiteFunction, object_store_functions, object_store_trials, run_object_store_function};
pub use data::{Fingerprint, Pattern, Tally, fingerprint_stream, pattern_bytes, pattern_stream, uneven_chunks};
pub use runner::{
    Check, CheckFn, CheckFuture, Context, Suite, apply_capability_overrides, ignored_trials, random_suffix,
};
pub use storage::storage_checks;

/// Why a check failed: what was expected and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    message: String,
}

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Self::new(format!("unexpected error: {err}"))
    }
}

/// The outcome of a check.
pub type CheckResult<T = ()> = std::result::Result<T, Failure>;

/// Says which step of a check an error comes from.
pub trait ResultExt<T> {
    /// Turns an error into a [`Failure`] naming the step: `"<step>: <error>"`.
    ///
    /// # Errors
    /// The error, as a failure.
    fn step(self, step: impl fmt::Display) -> CheckResult<T>;
}

impl<T> ResultExt<T> for Result<T, Error> {
    fn step(self, step: impl fmt::Display) -> CheckResult<T> {
        self.map_err(|e| Failure::new(format!("{step}: unexpected error: {e}")))
    }
}

/// Checks that `result` failed with `kind`.
///
/// # Errors
/// A failure naming `what` if it succeeded or failed with another kind.
pub fn expect_kind<T>(result: Result<T, Error>, kind: ErrorKind, what: impl fmt::Display) -> CheckResult {
    match result {
        Ok(_) => Err(Failure::new(format!("{what}: expected a {kind} error, but it succeeded"))),
        Err(e) if e.kind() == kind => Ok(()),
        Err(e) => Err(Failure::new(format!("{what}: expected a {kind} error, got {e}"))),
    }
}

/// Checks that two byte strings are equal, describing the first difference if not.
///
/// # Errors
/// A failure naming `what`, the lengths and the first differing offset.
pub fn ensure_same_bytes(actual: &[u8], expected: &[u8], what: impl fmt::Display) -> CheckResult {
    if actual == expected {
        return Ok(());
    }
    let first_difference =
        actual.iter().zip(expected).position(|(a, b)| a != b).unwrap_or(actual.len().min(expected.len()));
    Err(Failure::new(format!(
        "{what}: got {} bytes, expected {}; first difference at offset {first_difference}",
        actual.len(),
        expected.len()
    )))
}
