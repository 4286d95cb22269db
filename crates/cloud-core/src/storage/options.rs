//! The options of the calls that had none (head, delete, copy, presign), conditional requests
//! ([`PutMode`], [`CopyMode`], [`Conditions`]) and the entries of delimiter listings
//! ([`ListEntry`]).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{ObjectMeta, StorageCapabilities};
use crate::{Error, ErrorKind, Result};

/// How a put treats an object already stored under the key.
///
/// ```
/// use cloud_core::storage::{PutMode, PutOptions};
/// // Fails with `AlreadyExists` if the key is taken.
/// let create = PutOptions::default().with_mode(PutMode::Create);
/// // Fails with `PreconditionFailed` unless the stored object still has this ETag.
/// let update = PutOptions::default().with_mode(PutMode::Update("9b2cf535f27731c974343645a3985328".into()));
/// # let _ = (create, update);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PutMode {
    /// Replace whatever is stored (the default).
    #[default]
    Overwrite,
    /// Store only if nothing is stored under the key; otherwise `AlreadyExists`
    /// (`capabilities().put_if_not_exists`).
    Create,
    /// Replace only the object whose ETag (without quotes) is this one; `PreconditionFailed` if
    /// the stored object has another ETag or there is none (`capabilities().put_if_match`).
    Update(String),
}

/// How a copy treats an object already stored under the destination key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CopyMode {
    /// Replace the destination (the default).
    #[default]
    Overwrite,
    /// Copy only if the destination does not exist; otherwise `AlreadyExists`
    /// (`capabilities().copy_if_not_exists`).
    Create,
}

/// Preconditions of a read (`get_object`, `head_object`), evaluated as HTTP does (RFC 9110
/// §13.2.2) against the stored object:
///
/// 1. `if_match` (else `if_unmodified_since`) failing is `PreconditionFailed`;
/// 2. then `if_none_match` (else `if_modified_since`) failing is `NotModified`.
///
/// ETags are compared without quotes; `"*"` matches any object. Dates are compared at one-second
/// resolution (that of HTTP dates), on the object's `last_modified`. Each condition a backend
/// cannot evaluate is `Unsupported` (see the `if_*` fields of [`StorageCapabilities`]), never
/// ignored.
///
/// ```
/// use cloud_core::storage::{Conditions, GetOptions};
/// // Read the object only if it changed since we cached ETag "abc".
/// let options = GetOptions::default().with_conditions(Conditions::default().with_if_none_match("abc"));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Conditions {
    /// Read only if the object's ETag is this one (or `"*"`: any object).
    pub if_match: Option<String>,
    /// Read only if the object's ETag is not this one (`"*"`: never, if the object exists).
    pub if_none_match: Option<String>,
    /// Read only if the object was modified after this time.
    pub if_modified_since: Option<DateTime<Utc>>,
    /// Read only if the object was not modified after this time.
    pub if_unmodified_since: Option<DateTime<Utc>>,
}

impl Conditions {
    /// Requires this ETag.
    #[must_use]
    pub fn with_if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Requires another ETag than this one.
    #[must_use]
    pub fn with_if_none_match(mut self, etag: impl Into<String>) -> Self {
        self.if_none_match = Some(etag.into());
        self
    }

    /// Requires a modification after `t`.
    #[must_use]
    pub fn with_if_modified_since(mut self, t: DateTime<Utc>) -> Self {
        self.if_modified_since = Some(t);
        self
    }

    /// Requires no modification after `t`.
    #[must_use]
    pub fn with_if_unmodified_since(mut self, t: DateTime<Utc>) -> Self {
        self.if_unmodified_since = Some(t);
        self
    }

    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        self.if_match.is_none()
            && self.if_none_match.is_none()
            && self.if_modified_since.is_none()
            && self.if_unmodified_since.is_none()
    }

    /// Checks the conditions before anything is sent: an empty or malformed ETag is
    /// `InvalidInput`; a condition the backend cannot evaluate is `Unsupported`.
    ///
    /// # Errors
    /// As above.
    pub fn validate(&self, caps: &StorageCapabilities) -> Result<()> {
        for (name, etag) in [("if_match", &self.if_match), ("if_none_match", &self.if_none_match)] {
            if let Some(etag) = etag {
                validate_etag(name, etag)?;
            }
        }
        let wanted = [
            ("if_match", self.if_match.is_some(), caps.if_match),
            ("if_none_match", self.if_none_match.is_some(), caps.if_none_match),
            ("if_modified_since", self.if_modified_since.is_some(), caps.if_modified_since),
            ("if_unmodified_since", self.if_unmodified_since.is_some(), caps.if_unmodified_since),
        ];
        match wanted.iter().find(|(_, set, supported)| *set && !supported) {
            Some((name, ..)) => Err(Error::unsupported(format!("this backend cannot evaluate {name} on reads"))),
            None => Ok(()),
        }
    }

    /// Evaluates the conditions against a stored object's metadata, for backends that evaluate
    /// them themselves.
    ///
    /// # Errors
    /// `PreconditionFailed` or `NotModified`, as described on [`Conditions`].
    ///
    /// ```
    /// use cloud_core::ErrorKind;
    /// use cloud_core::storage::{Conditions, ObjectMeta};
    /// let meta = ObjectMeta::new("k", 1).with_etag("v1");
    /// assert!(Conditions::default().with_if_match("v1").evaluate(&meta).is_ok());
    /// let err = Conditions::default().with_if_none_match("\"v1\"").evaluate(&meta).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::NotModified);
    /// ```
    pub fn evaluate(&self, meta: &ObjectMeta) -> Result<()> {
        let etag = meta.etag.as_deref().map(unquote);
        let seconds = meta.last_modified.map(|t| t.timestamp());
        if let Some(wanted) = &self.if_match {
            if !etag_matches(wanted, etag) {
                return Err(Error::new(
                    ErrorKind::PreconditionFailed,
                    format!("the object's ETag is {:?}, not {wanted:?}", etag.unwrap_or_default()),
                ));
            }
        } else if let (Some(since), Some(modified)) = (self.if_unmodified_since, seconds)
            && modified > since.timestamp()
        {
            return Err(Error::new(ErrorKind::PreconditionFailed, format!("the object was modified after {since}")));
        }
        if let Some(unwanted) = &self.if_none_match {
            if etag_matches(unwanted, etag) {
                return Err(Error::new(ErrorKind::NotModified, format!("the object's ETag is {unwanted:?}")));
            }
        } else if let (Some(since), Some(modified)) = (self.if_modified_since, seconds)
            && modified <= since.timestamp()
        {
            return Err(Error::new(ErrorKind::NotModified, format!("the object was not modified after {since}")));
        }
        Ok(())
    }
}

/// `wanted` (`"*"` or an ETag, quoted or not) against the object's ETag (`None`: no object).
fn etag_matches(wanted: &str, etag: Option<&str>) -> bool {
    let wanted = unquote(wanted);
    match etag {
        None => false,
        Some(_) if wanted == "*" => true,
        Some(etag) => etag == wanted,
    }
}

/// An ETag without its weak marker and quotes.
pub(crate) fn unquote(etag: &str) -> &str {
    etag.trim().trim_start_matches("W/").trim_matches('"')
}

/// Checks an ETag given in a condition: not empty, printable ASCII, no inner quotes.
///
/// # Errors
/// `InvalidInput` naming the condition.
pub(crate) fn validate_etag(condition: &str, etag: &str) -> Result<()> {
    let bare = unquote(etag);
    if bare.is_empty() {
        return Err(Error::invalid_input(format!("{condition}: the ETag is empty")));
    }
    if !bare.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'"') {
        return Err(Error::invalid_input(format!(
            "{condition}: the ETag {etag:?} has characters an ETag cannot hold (quotes, spaces, non-ASCII)"
        )));
    }
    Ok(())
}

impl PutMode {
    /// Checks the mode before anything is sent: an empty ETag is `InvalidInput`, a mode the
    /// backend cannot honour `Unsupported`.
    ///
    /// # Errors
    /// As above.
    pub fn validate(&self, caps: &StorageCapabilities) -> Result<()> {
        match self {
            Self::Overwrite => Ok(()),
            Self::Create if caps.put_if_not_exists => Ok(()),
            Self::Create => Err(Error::unsupported("this backend cannot store an object only if it does not exist")),
            Self::Update(etag) => {
                validate_etag("PutMode::Update", etag)?;
                if caps.put_if_match {
                    Ok(())
                } else {
                    Err(Error::unsupported("this backend cannot replace an object only if its ETag matches"))
                }
            }
        }
    }
}

impl CopyMode {
    /// Checks the mode before anything is sent: `Unsupported` if the backend cannot honour it.
    ///
    /// # Errors
    /// As above.
    pub fn validate(self, caps: &StorageCapabilities) -> Result<()> {
        match self {
            Self::Create if !caps.copy_if_not_exists => {
                Err(Error::unsupported("this backend cannot copy only if the destination does not exist"))
            }
            _ => Ok(()),
        }
    }
}

/// Options of [`StorageClient::head_object`](super::StorageClient::head_object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeadOptions {
    /// Preconditions (see [`Conditions`]).
    pub conditions: Conditions,
}

impl HeadOptions {
    /// Sets the preconditions.
    #[must_use]
    pub fn with_conditions(mut self, conditions: Conditions) -> Self {
        self.conditions = conditions;
        self
    }
}

/// Options of [`StorageClient::delete_object`](super::StorageClient::delete_object) (none yet;
/// conditions or version ids may come).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteOptions {}

/// Options of [`StorageClient::copy_object`](super::StorageClient::copy_object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyOptions {
    /// What to do if the destination exists.
    pub mode: CopyMode,
}

impl CopyOptions {
    /// Sets the mode.
    #[must_use]
    pub fn with_mode(mut self, mode: CopyMode) -> Self {
        self.mode = mode;
        self
    }
}

/// Options of [`StorageClient::presign`](super::StorageClient::presign).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresignOptions {
    /// How long the URL works.
    pub expires_in: Duration,
}

impl PresignOptions {
    /// A URL valid for `expires_in`.
    pub fn new(expires_in: Duration) -> Self {
        Self { expires_in }
    }

    /// Checks the validity against the backend's limit before anything is signed.
    ///
    /// # Errors
    /// `InvalidInput` for zero or more than `capabilities().presign_max_expiry`.
    pub fn validate(&self, caps: &StorageCapabilities) -> Result<()> {
        let too_long = caps.presign_max_expiry.is_some_and(|max| self.expires_in > max);
        if self.expires_in.is_zero() || too_long {
            let max = caps.presign_max_expiry.map_or_else(|| "no limit".to_owned(), |m| format!("{} s", m.as_secs()));
            return Err(Error::invalid_input(format!(
                "a presigned URL must expire after 1 s at least and {max} at most, not {:?}",
                self.expires_in
            )));
        }
        Ok(())
    }
}

/// One entry of a listing: an object, or — in a listing with a delimiter — a common prefix
/// standing for every key that continues past the delimiter.
///
/// Entries come in byte order of [`ListEntry::name`]; each common prefix comes once, ending with
/// the delimiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// An object under the listing's prefix (without a delimiter after the prefix).
    Object(ObjectMeta),
    /// A common prefix (`photos/2026/`), with at least one key under it.
    Prefix(String),
}

impl ListEntry {
    /// The object's key or the common prefix.
    pub fn name(&self) -> &str {
        match self {
            Self::Object(meta) => &meta.key,
            Self::Prefix(prefix) => prefix,
        }
    }

    /// The object, if the entry is one.
    pub fn into_object(self) -> Option<ObjectMeta> {
        match self {
            Self::Object(meta) => Some(meta),
            Self::Prefix(_) => None,
        }
    }

    /// The common prefix, if the entry is one.
    pub fn into_prefix(self) -> Option<String> {
        match self {
            Self::Object(_) => None,
            Self::Prefix(prefix) => Some(prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn meta() -> ObjectMeta {
        ObjectMeta::new("k", 3).with_etag("\"v1\"").with_last_modified(Utc.timestamp_opt(1_000, 500).unwrap())
    }

    fn kind(c: &Conditions) -> Option<ErrorKind> {
        c.evaluate(&meta()).err().map(|e| e.kind())
    }

    #[test]
    fn conditions_follow_rfc_9110_order() {
        let at = |s| Utc.timestamp_opt(s, 0).unwrap();
        let c = Conditions::default;
        assert_eq!(kind(&c()), None);
        assert_eq!(kind(&c().with_if_match("v1")), None);
        assert_eq!(kind(&c().with_if_match("*")), None);
        assert_eq!(kind(&c().with_if_match("v2")), Some(ErrorKind::PreconditionFailed));
        assert_eq!(kind(&c().with_if_none_match("v1")), Some(ErrorKind::NotModified));
        assert_eq!(kind(&c().with_if_none_match("*")), Some(ErrorKind::NotModified));
        assert_eq!(kind(&c().with_if_none_match("v2")), None);
        // Second resolution: modified at 1000.0000005 is "not after 1000".
        assert_eq!(kind(&c().with_if_modified_since(at(1_000))), Some(ErrorKind::NotModified));
        assert_eq!(kind(&c().with_if_modified_since(at(999))), None);
        assert_eq!(kind(&c().with_if_unmodified_since(at(1_000))), None);
        assert_eq!(kind(&c().with_if_unmodified_since(at(999))), Some(ErrorKind::PreconditionFailed));
        // A matching If-Match makes If-Unmodified-Since irrelevant; If-None-Match overrides
        // If-Modified-Since.
        assert_eq!(kind(&c().with_if_match("v1").with_if_unmodified_since(at(999))), None);
        assert_eq!(kind(&c().with_if_none_match("v2").with_if_modified_since(at(2_000))), None);
        // Precondition failures come before "not modified".
        assert_eq!(kind(&c().with_if_match("v2").with_if_none_match("v1")), Some(ErrorKind::PreconditionFailed));
    }

    #[test]
    fn bad_etags_and_unsupported_conditions_are_refused() {
        let all = StorageCapabilities {
            if_match: true,
            if_none_match: true,
            if_modified_since: true,
            if_unmodified_since: true,
            put_if_match: true,
            put_if_not_exists: true,
            ..StorageCapabilities::default()
        };
        for bad in ["", "\"\"", "a b", "a\"b", "é"] {
            let err = Conditions::default().with_if_match(bad).validate(&all).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
            let err = PutMode::Update(bad.to_owned()).validate(&all).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
        let none = StorageCapabilities::default();
        let err = Conditions::default().with_if_unmodified_since(Utc::now()).validate(&none).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert_eq!(PutMode::Create.validate(&none).unwrap_err().kind(), ErrorKind::Unsupported);
        assert_eq!(CopyMode::Create.validate(&none).unwrap_err().kind(), ErrorKind::Unsupported);
        assert!(PutMode::Overwrite.validate(&none).is_ok() && CopyMode::Overwrite.validate(&none).is_ok());
        assert!(Conditions::default().with_if_match("\"abc-2\"").validate(&all).is_ok());
    }

    #[test]
    fn presign_expiry_is_bounded() {
        let caps = StorageCapabilities { presign_max_expiry: Some(Duration::from_secs(60)), ..Default::default() };
        assert!(PresignOptions::new(Duration::from_secs(60)).validate(&caps).is_ok());
        for bad in [Duration::ZERO, Duration::from_secs(61)] {
            assert_eq!(PresignOptions::new(bad).validate(&caps).unwrap_err().kind(), ErrorKind::InvalidInput);
        }
    }
}
