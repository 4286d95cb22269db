//! How Coda's error answers become [`cloud_core::Error`]s.
//!
//! Coda answers errors with `{"statusCode", "statusMessage", "message"}`, and 400s may add
//! `codaDetail.validationErrors: [{path, message}]`. The mapping is the HTTP layer's
//! ([`cloud_core::http::map_response_error`]) with Coda's refinements in [`refine`]; the message
//! is Coda's `message`, and validation errors are appended to it and stay available, structured,
//! through [`validation_errors`].
//!
//! | status | kind | Python exception |
//! |---|---|---|
//! | 400 | `InvalidInput` (`PreconditionFailed` for "Doc is not yet up to date.") | `CodaValidationError` |
//! | 401 | `Unauthenticated` | `CodaAuthenticationError` |
//! | 403 | `PermissionDenied` | `CodaForbiddenError` |
//! | 404 | `NotFound` | `CodaNotFoundError` |
//! | 410 | `Gone` | `CodaGoneError` |
//! | 422 | `InvalidInput` | `CodaUnprocessableError` |
//! | 429 | `RateLimited` (after the client's retries) | `CodaRateLimitError` |
//! | other 4xx/5xx | `Service` (`Timeout` for 504, `Unsupported` for 501) | `CodaAPIError` |
//!
//! The Python client's base class `CodaAPIError` is `cloud_core::Error` itself: `http_status()` gives its
//! `status_code` (which the Python client lost for unmapped codes), and the body is the error's source
//! ([`cloud_core::http::HttpErrorBody`]).

use cloud_core::http::{ErrorContext, HttpErrorBody};
use cloud_core::{Error, ErrorKind};
use serde::{Deserialize, Serialize};

/// One entry of `codaDetail.validationErrors` in a 400 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// Where the problem is, as an OGNL path into the request (`rows[0].cells[1].value`).
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

/// The validation errors Coda gave with a 400 answer (empty for any other error).
///
/// ```
/// # fn demo(err: &cloud_core::Error) {
/// for problem in cloud_coda::validation_errors(err) {
///     eprintln!("{}: {}", problem.path, problem.message);
/// }
/// # }
/// ```
pub fn validation_errors(error: &Error) -> Vec<ValidationError> {
    HttpErrorBody::of(error)
        .and_then(HttpErrorBody::json)
        .and_then(|json| json.pointer("/codaDetail/validationErrors"))
        .and_then(|list| serde_json::from_value(list.clone()).ok())
        .unwrap_or_default()
}

/// Coda's refinement of the status-based kind, given to the HTTP layer.
pub(crate) fn refine(context: &ErrorContext<'_>) -> Option<ErrorKind> {
    let message = context.body().message().unwrap_or_default();
    // Sent with `X-Coda-Doc-Version: latest` when the API's copy of the doc is behind.
    (context.status() == 400 && message.contains("not yet up to date")).then_some(ErrorKind::PreconditionFailed)
}

/// Appends the validation errors of a 400 answer to its message, keeping everything else.
pub(crate) fn with_validation_details(error: Error) -> Error {
    let problems = validation_errors(&error);
    if problems.is_empty() {
        return error;
    }
    let details: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect();
    let message = format!("{} ({})", error.message(), details.join("; "));
    let mut enriched = Error::new(error.kind(), message);
    if let Some(provider) = error.provider() {
        enriched = enriched.with_provider(provider);
    }
    if let Some(operation) = error.operation() {
        enriched = enriched.with_operation(operation.to_owned());
    }
    if let Some(status) = error.http_status() {
        enriched = enriched.with_http_status(status);
    }
    if let Some(id) = error.request_id() {
        enriched = enriched.with_request_id(id);
    }
    if let Some(wait) = error.retry_after() {
        enriched = enriched.with_retry_after(wait);
    }
    match HttpErrorBody::of(&error) {
        Some(body) => enriched.with_source(body.clone()),
        None => enriched,
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::CloudProvider;
    use cloud_core::http::{Method, header::HeaderMap, map_response_error};

    use super::*;

    fn map(status: u16, body: &str) -> Error {
        let body = HttpErrorBody::new(status, body.as_bytes(), false);
        let headers = HeaderMap::new();
        let context = ErrorContext::new(&Method::GET, "get_doc", status, &headers, &body);
        with_validation_details(map_response_error(CloudProvider::Coda, &context, Some(refine)))
    }

    #[test]
    fn validation_errors_are_kept() {
        let err = map(
            400,
            r#"{"statusCode":400,"statusMessage":"Bad Request","message":"Invalid rows",
                "codaDetail":{"validationErrors":[{"path":"rows[0].cells","message":"is required"}]}}"#,
        );
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.message(), "Invalid rows (rows[0].cells: is required)");
        assert_eq!(err.http_status(), Some(400));
        assert_eq!(err.operation(), Some("get_doc"));
        let problems = validation_errors(&err);
        assert_eq!(problems, [ValidationError { path: "rows[0].cells".into(), message: "is required".into() }]);
    }

    #[test]
    fn stale_doc_is_a_failed_precondition() {
        let err =
            map(400, r#"{"statusCode":400,"statusMessage":"Bad Request","message":"Doc is not yet up to date."}"#);
        assert_eq!(err.kind(), ErrorKind::PreconditionFailed);
        assert!(validation_errors(&err).is_empty());
    }

    #[test]
    fn statuses_map_to_the_documented_kinds() {
        for (status, kind) in [
            (401, ErrorKind::Unauthenticated),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::NotFound),
            (410, ErrorKind::Gone),
            (422, ErrorKind::InvalidInput),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Service),
        ] {
            let err = map(status, r#"{"statusCode":0,"statusMessage":"x","message":"the message"}"#);
            assert_eq!(err.kind(), kind, "{status}");
            assert_eq!(err.message(), "the message");
        }
    }
}
