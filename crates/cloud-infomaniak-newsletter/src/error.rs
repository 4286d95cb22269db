//! How Infomaniak's error answers become [`cloud_core::Error`]s.
//!
//! Every answer is an envelope `{"result": "success" | "error" | "asynchronous", …}`; an error
//! carries `{"error": {"code", "description", "context"?}}`. The client checks `result` on every
//! answer, not only the status: an `error` envelope is an error even with status 200.
//!
//! | answer | kind |
//! |---|---|
//! | 400, 422 (or code `validation_failed`, `bad_request`, `invalid_*`) | `InvalidInput` |
//! | 401 | `Unauthenticated` |
//! | 403 (or code `access_denied`, `forbidden`) | `PermissionDenied` |
//! | 404 (or code `not_found`, `object_not_found`, `*NotFound*`) | `NotFound` |
//! | 429 (or code `too_many_requests`) | `RateLimited` (after the client's retries) |
//! | an `error` envelope with a 2xx status, another code | `Service` |
//! | other 4xx/5xx | by status (`Service` for 5xx) |
//!
//! The message is Infomaniak's description followed by its code (`Campaign not found
//! (not_found)`); both stay available, structured, through [`api_error`].

use cloud_core::http::{ErrorContext, HttpErrorBody};
use cloud_core::{CloudProvider, Error, ErrorKind};
use serde::{Deserialize, Serialize};

/// The `error` of an error envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiError {
    /// Infomaniak's error code (`not_found`, `validation_failed`, `access_denied` …).
    pub code: String,
    /// What went wrong, in words.
    #[serde(default)]
    pub description: Option<String>,
    /// Details (the invalid fields of a validation error, say), as Infomaniak sends them.
    #[serde(default)]
    pub context: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ApiError,
}

/// The code and description Infomaniak gave with an error (`None` for transport failures and for
/// answers that carried no error envelope).
///
/// ```
/// # fn demo(err: &cloud_core::Error) {
/// if let Some(api) = cloud_infomaniak_newsletter::api_error(err) {
///     eprintln!("{}: {}", api.code, api.description.as_deref().unwrap_or(""));
/// }
/// # }
/// ```
pub fn api_error(error: &Error) -> Option<ApiError> {
    let json = HttpErrorBody::of(error)?.json()?;
    serde_json::from_value::<ErrorEnvelope>(json.clone()).ok().map(|e| e.error)
}

/// The kind an Infomaniak error code stands for, if it says more than the status.
pub(crate) fn kind_for_code(code: &str) -> Option<ErrorKind> {
    let lower = code.to_ascii_lowercase();
    Some(match lower.as_str() {
        "not_found" => ErrorKind::NotFound,
        "access_denied" | "forbidden" | "not_authorized" => ErrorKind::PermissionDenied,
        "unauthorized" | "invalid_token" | "token_expired" => ErrorKind::Unauthenticated,
        "too_many_requests" | "rate_limit_exceeded" => ErrorKind::RateLimited,
        "validation_failed" | "bad_request" => ErrorKind::InvalidInput,
        _ if lower.starts_with("invalid_") => ErrorKind::InvalidInput,
        _ if lower.ends_with("_not_found") || lower.contains("notfound") => ErrorKind::NotFound,
        _ => return None,
    })
}

/// Infomaniak's refinement of the status-based kind, given to the HTTP layer.
pub(crate) fn refine(context: &ErrorContext<'_>) -> Option<ErrorKind> {
    let json = context.body().json()?;
    let envelope: ErrorEnvelope = serde_json::from_value(json.clone()).ok()?;
    kind_for_code(&envelope.error.code)
}

/// Rewrites the message of an error answer as `description (code)`, keeping everything else.
pub(crate) fn with_code(error: Error) -> Error {
    let Some(api) = api_error(&error) else { return error };
    let message = match api.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(description) => format!("{description} ({})", api.code),
        None => api.code.clone(),
    };
    let mut rewritten = Error::new(error.kind(), message);
    if let Some(provider) = error.provider() {
        rewritten = rewritten.with_provider(provider);
    }
    if let Some(operation) = error.operation() {
        rewritten = rewritten.with_operation(operation.to_owned());
    }
    if let Some(status) = error.http_status() {
        rewritten = rewritten.with_http_status(status);
    }
    if let Some(id) = error.request_id() {
        rewritten = rewritten.with_request_id(id);
    }
    if let Some(wait) = error.retry_after() {
        rewritten = rewritten.with_retry_after(wait);
    }
    match HttpErrorBody::of(&error) {
        Some(body) => rewritten.with_source(body.clone()),
        None => rewritten,
    }
}

/// The error of an answer whose status was 2xx but whose envelope says `error`.
pub(crate) fn from_envelope(operation: &'static str, status: u16, body: &[u8], api: &ApiError) -> Error {
    let kind = kind_for_code(&api.code).unwrap_or(ErrorKind::Service);
    let error = Error::new(kind, "error envelope")
        .with_provider(CloudProvider::Infomaniak)
        .with_operation(operation)
        .with_http_status(status)
        .with_source(HttpErrorBody::new(status, body, false));
    with_code(error)
}

#[cfg(test)]
mod tests {
    use cloud_core::http::{Method, header::HeaderMap, map_response_error};

    use super::*;

    fn map(status: u16, body: &str) -> Error {
        let body = HttpErrorBody::new(status, body.as_bytes(), false);
        let headers = HeaderMap::new();
        let context = ErrorContext::new(&Method::GET, "NewsletterShowCampaign", status, &headers, &body);
        with_code(map_response_error(CloudProvider::Infomaniak, &context, Some(refine)))
    }

    #[test]
    fn codes_and_descriptions_are_kept() {
        let err = map(404, r#"{"result":"error","error":{"code":"not_found","description":"Campaign not found"}}"#);
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.message(), "Campaign not found (not_found)");
        assert_eq!(err.http_status(), Some(404));
        let api = api_error(&err).unwrap();
        assert_eq!((api.code.as_str(), api.description.as_deref()), ("not_found", Some("Campaign not found")));
    }

    #[test]
    fn codes_refine_the_status() {
        let err = map(400, r#"{"result":"error","error":{"code":"access_denied","description":"no"}}"#);
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        let err = map(500, r#"{"result":"error","error":{"code":"unexpected_error","description":"boom"}}"#);
        assert_eq!(err.kind(), ErrorKind::Service);
        assert_eq!(err.message(), "boom (unexpected_error)");
        let err = map(422, r#"{"result":"failure","error":{"code":"422 : The given data was invalid."}}"#);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        // A body that is not an envelope keeps the HTTP layer's message.
        let err = map(502, "<html>Bad gateway</html>");
        assert_eq!(err.kind(), ErrorKind::Service);
        assert!(api_error(&err).is_none());
    }

    #[test]
    fn an_error_envelope_with_a_success_status_is_an_error() {
        let body = br#"{"result":"error","error":{"code":"validation_failed","description":"email is invalid"}}"#;
        let api: ErrorEnvelope = serde_json::from_slice(body).unwrap();
        let err = from_envelope("NewsletterCreateSubscriber", 200, body, &api.error);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.http_status(), Some(200));
        assert_eq!(err.message(), "email is invalid (validation_failed)");
        assert_eq!(api_error(&err).unwrap().code, "validation_failed");
    }
}
