//! Response → [`Error`] mapping in one function ([`map_response_error`]), transport errors, and
//! [`HttpErrorBody`], the structured error body kept as the error's source.

use std::borrow::Cow;
use std::fmt;

use chrono::Utc;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::retry::NotSent;
pub use crate::retry::parse_retry_after;
use crate::{CloudProvider, Error, ErrorKind, error_chain, kind_for_status};

/// The most bytes of an error body that are read and kept.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// The most bytes of a body quoted in an error message.
pub const MAX_EXCERPT: usize = 1024;

/// Response headers that carry the service's request id, tried in this order.
pub const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "x-amz-request-id",
    "x-openstack-request-id",
    "x-compute-request-id",
    "x-ms-request-id",
    "x-goog-request-id",
    "x-coda-request-id",
    "x-trans-id",
    "request-id",
    "x-correlation-id",
];

/// A provider's hook that refines the kind [`kind_for_status`] gives, from the status, headers and
/// body (S3's `NoSuchBucket`, an OpenStack quota message, Infomaniak's `error.code` …).
///
/// Returning `None` keeps the default kind.
pub type ErrorRefiner = fn(&ErrorContext<'_>) -> Option<ErrorKind>;

/// What [`map_response_error`] knows about a failed answer; given to an [`ErrorRefiner`].
#[derive(Debug, Clone, Copy)]
pub struct ErrorContext<'a> {
    method: &'a Method,
    operation: &'a str,
    status: u16,
    headers: &'a HeaderMap,
    body: &'a HttpErrorBody,
}

impl<'a> ErrorContext<'a> {
    /// The context of a failed answer (providers build one to test their refiner).
    pub fn new(
        method: &'a Method,
        operation: &'a str,
        status: u16,
        headers: &'a HeaderMap,
        body: &'a HttpErrorBody,
    ) -> Self {
        Self { method, operation, status, headers, body }
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The operation's name (`"list_docs"`, or `"GET /path"` when the caller set none).
    pub fn operation(&self) -> &str {
        self.operation
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The response body.
    pub fn body(&self) -> &HttpErrorBody {
        self.body
    }
}

/// The body of an error answer, kept as the [`source`](std::error::Error::source) of the
/// [`Error`] that [`map_response_error`] returns, for providers and callers that need its
/// structure (Coda's `codaDetail.validationErrors`, OpenStack's fault codes):
///
/// ```
/// use cloud_core::http::HttpErrorBody;
/// # fn details(err: &cloud_core::Error) -> Option<&serde_json::Value> {
/// let body = HttpErrorBody::of(err)?; // or err.source()?.downcast_ref::<HttpErrorBody>()
/// body.json()?.pointer("/codaDetail/validationErrors")
/// # }
/// ```
///
/// At most [`MAX_ERROR_BODY`] bytes are kept. `Display` and `Debug` show the status and at most
/// [`MAX_EXCERPT`] bytes of text.
#[derive(Clone, PartialEq)]
pub struct HttpErrorBody {
    status: u16,
    text: String,
    json: Option<Value>,
    truncated: bool,
}

impl HttpErrorBody {
    /// The body of an answer with `status`; `truncated` says whether bytes after `bytes` were dropped.
    /// Bytes past [`MAX_ERROR_BODY`] are dropped too.
    pub fn new(status: u16, bytes: &[u8], truncated: bool) -> Self {
        let (bytes, truncated) =
            if bytes.len() > MAX_ERROR_BODY { (&bytes[..MAX_ERROR_BODY], true) } else { (bytes, truncated) };
        let json = if truncated { None } else { serde_json::from_slice(bytes).ok() };
        Self { status, text: String::from_utf8_lossy(bytes).into_owned(), json, truncated }
    }

    /// The [`HttpErrorBody`] in `error`'s source chain, if any.
    pub fn of(error: &Error) -> Option<&Self> {
        let mut source = std::error::Error::source(error);
        while let Some(err) = source {
            if let Some(body) = err.downcast_ref::<Self>() {
                return Some(body);
            }
            source = err.source();
        }
        None
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The body as JSON, if it was complete, valid JSON.
    pub fn json(&self) -> Option<&Value> {
        self.json.as_ref()
    }

    /// Whether the body was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The service's message: from JSON, the first string among `message`, `error` (or
    /// `error.message`, `error.description`), `detail`, `statusMessage`, `error_description`,
    /// `title`, `errors[0].message`, `errors[0].detail`, or the `message` of a single wrapped object
    /// (OpenStack's `{"itemNotFound": {"message": …}}`); otherwise `None`.
    pub fn message(&self) -> Option<&str> {
        let json = self.json.as_ref()?;
        json_message(json).or_else(|| {
            // OpenStack wraps its faults: {"badRequest": {"code": 400, "message": "..."}}.
            let object = json.as_object()?;
            let mut values = object.values();
            match (values.next(), values.next()) {
                (Some(inner), None) => json_message(inner),
                _ => None,
            }
        })
    }

    /// The message to show, collapsed to one line and cut at [`MAX_EXCERPT`] bytes:
    /// [`message`](Self::message), else the text; empty for an empty body.
    ///
    /// A service's message is the service's text: it may span lines or megabytes, and an error's
    /// `Display` must stay one line of bounded length whatever the server sends.
    pub fn summary(&self) -> Cow<'_, str> {
        match self.message() {
            Some(message) if is_one_short_line(message) => Cow::Borrowed(message),
            Some(message) => Cow::Owned(excerpt(message.as_bytes(), MAX_EXCERPT)),
            None => Cow::Owned(excerpt(self.text.as_bytes(), MAX_EXCERPT)),
        }
    }
}

/// Whether [`excerpt`] would return `text` unchanged: short, single spaces, no other whitespace.
fn is_one_short_line(text: &str) -> bool {
    text.len() <= MAX_EXCERPT
        && !text.starts_with(' ')
        && !text.ends_with(' ')
        && !text.contains("  ")
        && !text.chars().any(|c| c.is_whitespace() && c != ' ')
}

/// The first message-like string field of a JSON error object.
fn json_message(json: &Value) -> Option<&str> {
    const POINTERS: &[&str] = &[
        "/message",
        "/error",
        "/error/message",
        "/error/description",
        "/detail",
        "/statusMessage",
        "/error_description",
        "/title",
        "/errors/0/message",
        "/errors/0/detail",
        // Pecan/WSME services (OpenStack Octavia, Designate): {"faultcode": …, "faultstring": …}.
        "/faultstring",
    ];
    POINTERS.iter().filter_map(|p| json.pointer(p)).filter_map(Value::as_str).map(str::trim).find(|s| !s.is_empty())
}

impl fmt::Display for HttpErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} error body: {}", self.status, excerpt(self.text.as_bytes(), MAX_EXCERPT))
    }
}

impl fmt::Debug for HttpErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpErrorBody")
            .field("status", &self.status)
            .field("bytes", &self.text.len())
            .field("truncated", &self.truncated)
            .field("excerpt", &excerpt(self.text.as_bytes(), MAX_EXCERPT))
            .finish()
    }
}

impl std::error::Error for HttpErrorBody {}

/// Maps a failed answer to an [`Error`]: the one response-mapping function of the HTTP layer.
///
/// - kind: `refiner`'s answer, else [`kind_for_status`];
/// - message: the body's [`summary`](HttpErrorBody::summary), else the status's reason phrase;
/// - status, provider, operation, request id (first of [`REQUEST_ID_HEADERS`]) and `Retry-After`
///   (seconds or an HTTP date, see [`parse_retry_after`]);
/// - source: the [`HttpErrorBody`].
pub fn map_response_error(provider: CloudProvider, context: &ErrorContext<'_>, refiner: Option<ErrorRefiner>) -> Error {
    let status = context.status;
    let kind = refiner.and_then(|refine| refine(context)).unwrap_or_else(|| kind_for_status(status));
    let summary = context.body.summary();
    let message = if summary.is_empty() {
        StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("no message").to_owned()
    } else {
        summary.into_owned()
    };
    let mut error = Error::new(kind, message)
        .with_http_status(status)
        .with_provider(provider)
        .with_operation(context.operation.to_owned())
        .with_source(context.body.clone());
    if let Some(id) = request_id(context.headers) {
        error = error.with_request_id(id);
    }
    let retry_after = context.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok());
    if let Some(wait) = retry_after.and_then(|v| parse_retry_after(v, Utc::now())) {
        error = error.with_retry_after(wait);
    }
    error
}

/// The request id of a response: the first of [`REQUEST_ID_HEADERS`] present with a printable value.
pub fn request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .filter_map(|name| headers.get(*name))
        .filter_map(|value| value.to_str().ok())
        .map(str::trim)
        .find(|id| !id.is_empty())
}

/// At most `max` bytes of `bytes` as one line of text (whitespace runs collapsed), cut on a
/// character boundary, with `…` when cut.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len().min(max));
    let mut cut = false;
    for word in text.split_whitespace() {
        let extra = usize::from(!out.is_empty()) + word.len();
        if out.len() + extra > max {
            let room = max.saturating_sub(out.len() + usize::from(!out.is_empty()));
            let end = (0..=room.min(word.len())).rev().find(|&i| word.is_char_boundary(i)).unwrap_or(0);
            if end > 0 {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&word[..end]);
            }
            cut = true;
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if cut {
        out.push('…');
    }
    out
}

/// Maps a `reqwest` failure (no response, or a failure reading one) to an [`Error`].
///
/// The URL is stripped first (its query may hold secrets). Builder errors are `Construction`;
/// connection failures are `Dispatch` (`Timeout` for a connect timeout) marked [`NotSent`], so
/// even non-idempotent requests may be retried; other timeouts are `Timeout`; decode errors are
/// `ResponseInvalid`; anything else is `Dispatch` (the request may have been sent).
pub(crate) fn transport_error(err: reqwest::Error) -> Error {
    let err = err.without_url();
    let text = error_chain(&err);
    if err.is_builder() {
        Error::new(ErrorKind::Construction, format!("could not build the request: {text}")).with_source(err)
    } else if err.is_connect() {
        let kind = if err.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Dispatch };
        Error::new(kind, format!("could not connect: {text}")).with_source(NotSent::new(err))
    } else if err.is_timeout() {
        Error::new(ErrorKind::Timeout, format!("the request timed out: {text}")).with_source(err)
    } else if err.is_decode() || err.is_redirect() {
        Error::new(ErrorKind::ResponseInvalid, format!("invalid response: {text}")).with_source(err)
    } else {
        Error::new(ErrorKind::Dispatch, format!("no complete response: {text}")).with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::DateTime;
    use reqwest::header::HeaderValue;

    use super::*;

    fn map(status: u16, headers: &HeaderMap, body: &str, refiner: Option<ErrorRefiner>) -> Error {
        let body = HttpErrorBody::new(status, body.as_bytes(), false);
        let context = ErrorContext::new(&Method::GET, "list_docs", status, headers, &body);
        map_response_error(CloudProvider::Coda, &context, refiner)
    }

    #[test]
    fn json_messages_are_found() {
        let cases = [
            (r#"{"statusCode":429,"statusMessage":"Too Many Requests","message":"Slow down"}"#, "Slow down"),
            (
                r#"{"faultcode": "Client", "faultstring": "Policy does not allow this request to be performed."}"#,
                "Policy does not allow this request to be performed.",
            ),
            (r#"{"statusCode":404,"statusMessage":"Not Found"}"#, "Not Found"),
            (r#"{"result":"error","error":{"code":"not_found","description":"No such domain"}}"#, "No such domain"),
            (r#"{"error":{"code":404,"message":"No such object: b/o"}}"#, "No such object: b/o"),
            (r#"{"error":"invalid_grant","error_description":"expired"}"#, "invalid_grant"),
            (
                r#"{"itemNotFound":{"code":404,"message":"Instance x could not be found."}}"#,
                "Instance x could not be found.",
            ),
            (r#"{"detail":"nope"}"#, "nope"),
            (r#"{"errors":[{"message":"first"}]}"#, "first"),
        ];
        for (body, expected) in cases {
            assert_eq!(HttpErrorBody::new(400, body.as_bytes(), false).message(), Some(expected), "{body}");
        }
        assert_eq!(HttpErrorBody::new(400, b"{\"a\":1,\"b\":2}", false).message(), None);
        assert_eq!(HttpErrorBody::new(400, b"<html>oops</html>", false).message(), None);
    }

    #[test]
    fn mapping_keeps_status_kind_message_request_id_and_body() {
        let mut headers = HeaderMap::new();
        headers.insert("x-openstack-request-id", HeaderValue::from_static("req-123"));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        let body =
            r#"{"statusCode":400,"message":"Bad","codaDetail":{"validationErrors":[{"path":"a","message":"m"}]}}"#;
        let err = map(400, &headers, body, None);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.message(), "Bad");
        assert_eq!(err.http_status(), Some(400));
        assert_eq!(err.request_id(), Some("req-123"));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(err.provider(), Some(CloudProvider::Coda));
        assert_eq!(err.operation(), Some("list_docs"));
        let kept = HttpErrorBody::of(&err).unwrap();
        assert_eq!(kept.json().unwrap().pointer("/codaDetail/validationErrors/0/path"), Some(&Value::from("a")));
        let via_source = std::error::Error::source(&err).unwrap().downcast_ref::<HttpErrorBody>();
        assert_eq!(via_source, Some(kept));
    }

    #[test]
    fn refiner_changes_the_kind() {
        fn refine(ctx: &ErrorContext<'_>) -> Option<ErrorKind> {
            let quota = ctx.body().message().is_some_and(|m| m.contains("Quota exceeded"));
            (ctx.status() == 403 && quota).then_some(ErrorKind::QuotaExceeded)
        }
        let headers = HeaderMap::new();
        let err = map(403, &headers, r#"{"forbidden":{"message":"Quota exceeded for cores"}}"#, Some(refine));
        assert_eq!(err.kind(), ErrorKind::QuotaExceeded);
        assert_eq!(map(403, &headers, "{}", Some(refine)).kind(), ErrorKind::PermissionDenied);
    }

    #[test]
    fn text_bodies_are_excerpted_and_empty_ones_use_the_reason() {
        let headers = HeaderMap::new();
        let long = "word ".repeat(1000);
        let err = map(502, &headers, &long, None);
        assert!(err.message().len() <= MAX_EXCERPT + '…'.len_utf8());
        assert!(err.message().ends_with('…'));
        assert_eq!(map(503, &headers, "", None).message(), "Service Unavailable");
        assert_eq!(map(500, &headers, "  upstream\n  failed  ", None).message(), "upstream failed");
    }

    #[test]
    fn huge_bodies_are_truncated() {
        let big = vec![b'x'; MAX_ERROR_BODY + 10];
        let body = HttpErrorBody::new(500, &big, false);
        assert!(body.is_truncated());
        assert_eq!(body.text().len(), MAX_ERROR_BODY);
        assert!(body.json().is_none());
        assert!(format!("{body:?}").len() < 2 * MAX_EXCERPT);
    }

    #[test]
    fn excerpt_cuts_on_char_boundaries() {
        assert_eq!(excerpt("ééé".as_bytes(), 3), "é…");
        assert_eq!(excerpt(b"a  b\n\tc", 100), "a b c");
        assert_eq!(excerpt(b"abcdef", 3), "abc…");
        assert_eq!(excerpt(b"ab cdef", 4), "ab c…");
    }

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5", now), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Wed Oct 21 07:28:05 2015", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn request_id_header_order() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-request-id", HeaderValue::from_static("amz"));
        headers.insert("x-request-id", HeaderValue::from_static(" "));
        assert_eq!(request_id(&headers), Some("amz"));
        headers.insert("x-request-id", HeaderValue::from_static("generic"));
        assert_eq!(request_id(&headers), Some("generic"));
    }

    mod properties {
        use std::time::Duration;

        use proptest::prelude::*;

        use super::*;
        use crate::rate_limit::{Budget, RateLimiter};
        use crate::retry::RetryConfig;

        /// Texts a server might put in `Retry-After`: digits of any length, floats, dates, noise.
        fn retry_after_text() -> impl Strategy<Value = String> {
            prop_oneof![
                "[0-9]{1,30}",
                any::<f64>().prop_map(|f| f.to_string()),
                any::<u64>().prop_map(|n| format!("{n}e{}", n % 400)),
                "[0-9.eE+-]{1,25}",
                Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
                Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
                ".{0,40}",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            /// Whatever the server sends: parsing, the retry wait and the limiter pause never
            /// panic, and both waits stay within their caps.
            #[test]
            fn retry_after_never_panics_and_waits_are_capped(value in retry_after_text()) {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
                runtime.block_on(async {
                    let parsed = parse_retry_after(&value, Utc::now());
                    let config = RetryConfig::default();
                    let error = Error::from_status(429, "slow down");
                    let error = match parsed { Some(wait) => error.with_retry_after(wait), None => error };
                    let delay = config.delay_for(0, &error, &mut rand::rng());
                    prop_assert!(delay <= config.max_backoff());
                    let limiter = RateLimiter::new([Budget::new("b", 1, Duration::from_secs(1))]).unwrap();
                    let start = tokio::time::Instant::now();
                    limiter.penalize("b", parsed.unwrap_or(Duration::MAX)).unwrap();
                    limiter.acquire("b").await.unwrap();
                    prop_assert!(start.elapsed() <= limiter.max_pause());
                    Ok(())
                })?;
            }
        }
    }
}
