//! The one error type of the workspace: an opaque [`Error`] carrying an [`ErrorKind`].
//!
//! Every provider maps its failures into this type in exactly one function, so callers match on
//! [`Error::kind`] and never on a provider's own error. See `docs/adr/001-error-taxonomy.md`.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::CloudProvider;

/// A boxed error usable as the source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type of every fallible operation in the `cloud` crates.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, independent of the provider.
///
/// Match on it with a wildcard arm: new kinds may be added in minor releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The resource (bucket, object, document, server …) does not exist.
    NotFound,
    /// The resource to create exists already (and belongs to the caller).
    AlreadyExists,
    /// The request conflicts with the resource's current state (HTTP 409 where the API says so).
    Conflict,
    /// A precondition (`If-Match`, `If-None-Match`, a version) did not hold.
    PreconditionFailed,
    /// The resource did not change since the version the caller holds.
    NotModified,
    /// The resource existed once and is gone for good (HTTP 410).
    Gone,
    /// The caller is known but not allowed to do this.
    PermissionDenied,
    /// The credentials are missing, wrong or expired.
    Unauthenticated,
    /// The service asks the caller to slow down; see [`Error::retry_after`].
    RateLimited,
    /// A quota of the account or project is exhausted.
    QuotaExceeded,
    /// The caller's input is invalid (a bad bucket name, an unsafe key, a malformed field).
    InvalidInput,
    /// The client's configuration is invalid or incomplete (missing credentials, bad endpoint).
    InvalidConfig,
    /// The backend does not support this operation; see the client's capabilities.
    Unsupported,
    /// The operation did not finish in the time allowed.
    Timeout,
    /// No response arrived (connection refused or reset); the request may have been sent.
    Dispatch,
    /// The request could not be built, so it was never sent.
    Construction,
    /// A response arrived but could not be understood.
    ResponseInvalid,
    /// The service failed (any other 4xx or 5xx answer).
    Service,
    /// Anything else: a bug in this library or a local I/O failure.
    Unexpected,
}

impl ErrorKind {
    /// The kind as a stable `snake_case` string, as used in `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::Conflict => "conflict",
            Self::PreconditionFailed => "precondition_failed",
            Self::NotModified => "not_modified",
            Self::Gone => "gone",
            Self::PermissionDenied => "permission_denied",
            Self::Unauthenticated => "unauthenticated",
            Self::RateLimited => "rate_limited",
            Self::QuotaExceeded => "quota_exceeded",
            Self::InvalidInput => "invalid_input",
            Self::InvalidConfig => "invalid_config",
            Self::Unsupported => "unsupported",
            Self::Timeout => "timeout",
            Self::Dispatch => "dispatch",
            Self::Construction => "construction",
            Self::ResponseInvalid => "response_invalid",
            Self::Service => "service",
            Self::Unexpected => "unexpected",
        }
    }

    /// Every kind, in declaration order.
    pub const ALL: &'static [Self] = &[
        Self::NotFound,
        Self::AlreadyExists,
        Self::Conflict,
        Self::PreconditionFailed,
        Self::NotModified,
        Self::Gone,
        Self::PermissionDenied,
        Self::Unauthenticated,
        Self::RateLimited,
        Self::QuotaExceeded,
        Self::InvalidInput,
        Self::InvalidConfig,
        Self::Unsupported,
        Self::Timeout,
        Self::Dispatch,
        Self::Construction,
        Self::ResponseInvalid,
        Self::Service,
        Self::Unexpected,
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error and its sources on one line, each source once (`"service error: dispatch failure:
/// connection refused"`), for messages built from another library's error whose `Display`
/// alone says too little.
///
/// ```
/// use cloud_core::{Error, ErrorKind, error_chain};
/// let err = Error::new(ErrorKind::Dispatch, "no response").with_source(std::io::Error::other("connection reset"));
/// assert_eq!(err.to_string(), "dispatch: no response");
/// assert_eq!(error_chain(&err), "dispatch: no response: connection reset");
/// ```
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// Maps an HTTP status to the kind it means when the provider says nothing more.
///
/// This is the documented default every provider starts from; providers refine it with the error
/// code in the response body (S3's `NoSuchBucket`, OpenStack's quota messages, Coda's 202s …).
///
/// | status | kind |
/// |---|---|
/// | 304 | `NotModified` |
/// | 400, 413, 414, 416, 422 | `InvalidInput` |
/// | 401 | `Unauthenticated` |
/// | 403 | `PermissionDenied` |
/// | 404 | `NotFound` |
/// | 408 | `Timeout` |
/// | 409 | `Conflict` |
/// | 410 | `Gone` |
/// | 412 | `PreconditionFailed` |
/// | 429 | `RateLimited` |
/// | 501 | `Unsupported` |
/// | 504 | `Timeout` |
/// | any other 4xx or 5xx | `Service` |
/// | anything else (1xx, 2xx, 3xx) | `ResponseInvalid` |
pub const fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        304 => ErrorKind::NotModified,
        400 | 413 | 414 | 416 | 422 => ErrorKind::InvalidInput,
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        408 | 504 => ErrorKind::Timeout,
        409 => ErrorKind::Conflict,
        410 => ErrorKind::Gone,
        412 => ErrorKind::PreconditionFailed,
        429 => ErrorKind::RateLimited,
        501 => ErrorKind::Unsupported,
        400..=599 => ErrorKind::Service,
        _ => ErrorKind::ResponseInvalid,
    }
}

/// The error of every fallible operation in the `cloud` crates.
///
/// It is opaque: read it through its accessors. `Display` is one line; `Debug` shows every field.
/// Neither ever contains a secret, because errors are built from messages this library writes and
/// from response bodies, never from credentials.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    provider: Option<CloudProvider>,
    operation: Option<Cow<'static, str>>,
    http_status: Option<u16>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    retryable: Option<bool>,
    source: Option<BoxError>,
}

impl Error {
    /// A new error of `kind` with a human-readable message.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                provider: None,
                operation: None,
                http_status: None,
                request_id: None,
                retry_after: None,
                retryable: None,
                source: None,
            }),
        }
    }

    /// An error for an HTTP answer: the kind comes from [`kind_for_status`].
    pub fn from_status(status: u16, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(kind_for_status(status), message).with_http_status(status)
    }

    /// Shorthand for `Error::new(ErrorKind::InvalidInput, message)`.
    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for `Error::new(ErrorKind::InvalidConfig, message)`.
    pub fn invalid_config(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidConfig, message)
    }

    /// Shorthand for `Error::new(ErrorKind::NotFound, message)`.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Shorthand for `Error::new(ErrorKind::Unsupported, message)`.
    pub fn unsupported(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// Sets the provider that produced the error.
    #[must_use]
    pub fn with_provider(mut self, provider: CloudProvider) -> Self {
        self.inner.provider = Some(provider);
        self
    }

    /// Sets the operation that failed (`"put_object"`, `"GET /docs"` …).
    #[must_use]
    pub fn with_operation(mut self, operation: impl Into<Cow<'static, str>>) -> Self {
        self.inner.operation = Some(operation.into());
        self
    }

    /// Sets the HTTP status of the answer.
    #[must_use]
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.inner.http_status = Some(status);
        self
    }

    /// Sets the request id the service gave the failed request.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.inner.request_id = Some(request_id.into());
        self
    }

    /// Sets how long the service asked the caller to wait (`Retry-After`).
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.inner.retry_after = Some(retry_after);
        self
    }

    /// Overrides whether the error is worth retrying (otherwise derived from the kind and status).
    #[must_use]
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = Some(retryable);
        self
    }

    /// Sets the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Changes the kind, keeping everything else (for providers refining a status-based kind).
    #[must_use]
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// Sets the provider and operation only where they are not set yet.
    #[must_use]
    pub fn in_context(mut self, provider: CloudProvider, operation: &'static str) -> Self {
        self.inner.provider.get_or_insert(provider);
        self.inner.operation.get_or_insert(Cow::Borrowed(operation));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, without the context `Display` adds.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The provider that produced the error, if known.
    pub fn provider(&self) -> Option<CloudProvider> {
        self.inner.provider
    }

    /// The operation that failed, if known.
    pub fn operation(&self) -> Option<&str> {
        self.inner.operation.as_deref()
    }

    /// The HTTP status of the answer, if there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }

    /// The request id the service gave, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How long the service asked the caller to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether trying the same request again may succeed.
    ///
    /// True for `RateLimited`, `Timeout`, `Dispatch` and for `Service` errors with status 500, 502,
    /// 503 or 504 (or no status), unless overridden with [`Error::with_retryable`]. Whether a retry
    /// is also *safe* (the request is idempotent) is the retry policy's decision, not the error's.
    pub fn is_retryable(&self) -> bool {
        if let Some(retryable) = self.inner.retryable {
            return retryable;
        }
        match self.inner.kind {
            ErrorKind::RateLimited | ErrorKind::Timeout | ErrorKind::Dispatch => true,
            ErrorKind::Service => matches!(self.inner.http_status, None | Some(500 | 502 | 503 | 504)),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        match (&inner.provider, &inner.operation) {
            (Some(p), Some(op)) => write!(f, "{p} {op}: ")?,
            (Some(p), None) => write!(f, "{p}: ")?,
            (None, Some(op)) => write!(f, "{op}: ")?,
            (None, None) => {}
        }
        write!(f, "{}", inner.kind)?;
        if !inner.message.is_empty() {
            // Keep Display on one line whatever the service sent.
            f.write_str(": ")?;
            for (i, line) in inner.message.lines().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                f.write_str(line.trim_end())?;
            }
        }
        match (inner.http_status, &inner.request_id) {
            (Some(s), Some(id)) => write!(f, " (status {s}, request id {id})"),
            (Some(s), None) => write!(f, " (status {s})"),
            (None, Some(id)) => write!(f, " (request id {id})"),
            (None, None) => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &inner.kind).field("message", &inner.message);
        if let Some(p) = &inner.provider {
            d.field("provider", p);
        }
        if let Some(op) = &inner.operation {
            d.field("operation", op);
        }
        if let Some(s) = &inner.http_status {
            d.field("http_status", s);
        }
        if let Some(id) = &inner.request_id {
            d.field("request_id", id);
        }
        if let Some(r) = &inner.retry_after {
            d.field("retry_after", r);
        }
        if let Some(source) = &inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        use std::io::ErrorKind as Io;
        let kind = match err.kind() {
            ErrorKind::NotFound | ErrorKind::Gone => Io::NotFound,
            ErrorKind::AlreadyExists => Io::AlreadyExists,
            ErrorKind::PermissionDenied | ErrorKind::Unauthenticated => Io::PermissionDenied,
            ErrorKind::InvalidInput | ErrorKind::InvalidConfig => Io::InvalidInput,
            ErrorKind::Unsupported => Io::Unsupported,
            ErrorKind::Timeout => Io::TimedOut,
            ErrorKind::Dispatch => Io::ConnectionAborted,
            ErrorKind::ResponseInvalid => Io::InvalidData,
            ErrorKind::QuotaExceeded => Io::QuotaExceeded,
            _ => Io::Other,
        };
        Self::new(kind, err)
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        use std::io::ErrorKind as Io;
        let kind = match err.kind() {
            Io::NotFound => ErrorKind::NotFound,
            Io::AlreadyExists => ErrorKind::AlreadyExists,
            Io::PermissionDenied => ErrorKind::PermissionDenied,
            Io::InvalidInput | Io::InvalidFilename => ErrorKind::InvalidInput,
            Io::TimedOut => ErrorKind::Timeout,
            Io::Unsupported => ErrorKind::Unsupported,
            Io::InvalidData | Io::UnexpectedEof => ErrorKind::ResponseInvalid,
            Io::ConnectionRefused | Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe => ErrorKind::Dispatch,
            Io::QuotaExceeded | Io::StorageFull => ErrorKind::QuotaExceeded,
            _ => ErrorKind::Unexpected,
        };
        let message = err.to_string();
        Self::new(kind, message).with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_context() {
        let err = Error::from_status(404, "no such key\n  details here")
            .with_provider(CloudProvider::Aws)
            .with_operation("get_object")
            .with_request_id("REQ1");
        let text = err.to_string();
        assert_eq!(text, "aws get_object: not_found: no such key   details here (status 404, request id REQ1)");
        assert!(!text.contains('\n'));
        assert!(!text.ends_with('.'));
    }

    #[test]
    fn status_mapping_covers_the_table() {
        assert_eq!(kind_for_status(304), ErrorKind::NotModified);
        assert_eq!(kind_for_status(400), ErrorKind::InvalidInput);
        assert_eq!(kind_for_status(401), ErrorKind::Unauthenticated);
        assert_eq!(kind_for_status(403), ErrorKind::PermissionDenied);
        assert_eq!(kind_for_status(404), ErrorKind::NotFound);
        assert_eq!(kind_for_status(409), ErrorKind::Conflict);
        assert_eq!(kind_for_status(410), ErrorKind::Gone);
        assert_eq!(kind_for_status(412), ErrorKind::PreconditionFailed);
        assert_eq!(kind_for_status(422), ErrorKind::InvalidInput);
        assert_eq!(kind_for_status(429), ErrorKind::RateLimited);
        assert_eq!(kind_for_status(418), ErrorKind::Service);
        assert_eq!(kind_for_status(500), ErrorKind::Service);
        assert_eq!(kind_for_status(501), ErrorKind::Unsupported);
        assert_eq!(kind_for_status(504), ErrorKind::Timeout);
        assert_eq!(kind_for_status(200), ErrorKind::ResponseInvalid);
    }

    #[test]
    fn retryability_follows_kind_and_status() {
        assert!(Error::from_status(429, "slow").is_retryable());
        assert!(Error::from_status(503, "busy").is_retryable());
        assert!(!Error::from_status(500, "x").with_retryable(false).is_retryable());
        assert!(!Error::from_status(400, "bad").is_retryable());
        assert!(!Error::from_status(404, "gone").is_retryable());
        assert!(!Error::from_status(505, "version").is_retryable());
        assert!(Error::new(ErrorKind::Dispatch, "reset").is_retryable());
    }

    #[test]
    fn io_conversion_keeps_kind_both_ways() {
        let io: std::io::Error = Error::not_found("x").into();
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        let back: Error = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no").into();
        assert_eq!(back.kind(), ErrorKind::PermissionDenied);
        assert!(std::error::Error::source(&back).is_some());
    }

    #[test]
    fn kind_strings_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &kind in ErrorKind::ALL {
            assert!(seen.insert(kind.as_str()), "{kind:?}");
        }
    }
}
