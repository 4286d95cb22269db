//! The one mapping from GCS JSON API error answers to [`ErrorKind`]s.
//!
//! [`cloud_core::http`] maps every failed answer with [`kind_for_status`](cloud_core::kind_for_status)
//! first; [`refine`] corrects what the status alone gets wrong for GCS, from the `reason` of the
//! error document (`{"error": {"code", "message", "errors": [{"reason", …}]}}`).

use cloud_core::ErrorKind;
use cloud_core::http::ErrorContext;

use crate::model::ErrorDocument;

/// Refines the kind of a failed JSON API answer (an [`ErrorRefiner`](cloud_core::http::ErrorRefiner)).
///
/// | answer | kind |
/// |---|---|
/// | 409 `conflict` "you already own this bucket" | `AlreadyExists` |
/// | 403 `rateLimitExceeded` / `userRateLimitExceeded` | `RateLimited` |
/// | 403 `quotaExceeded` | `QuotaExceeded` |
/// | 412 `conditionNotMet` | `PreconditionFailed` (also the default for 412) |
/// | 400 `invalid` for a CRC32C or MD5 mismatch | `InvalidInput` (the body did not arrive intact; retried by resumable uploads) |
/// | 308 outside a resumable upload | `ResponseInvalid` |
/// | anything else | the default of the status |
pub(crate) fn refine(context: &ErrorContext<'_>) -> Option<ErrorKind> {
    let document: ErrorDocument = serde_json::from_str(context.body().text()).unwrap_or_default();
    let reason = document.error.errors.first().map_or("", |e| e.reason.as_str());
    let message = document.error.message.to_ascii_lowercase();
    match (context.status(), reason) {
        (409, _) if message.contains("already own") => Some(ErrorKind::AlreadyExists),
        (403 | 429, "rateLimitExceeded" | "userRateLimitExceeded") => Some(ErrorKind::RateLimited),
        (403, "quotaExceeded") => Some(ErrorKind::QuotaExceeded),
        (412, _) => Some(ErrorKind::PreconditionFailed),
        (308, _) => Some(ErrorKind::ResponseInvalid),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::http::{HttpErrorBody, Method, header::HeaderMap, map_response_error};
    use cloud_core::{CloudProvider, Error};

    use super::*;

    fn map(status: u16, body: &str) -> Error {
        let headers = HeaderMap::new();
        let body = HttpErrorBody::new(status, body.as_bytes(), false);
        let context = ErrorContext::new(&Method::POST, "create_bucket", status, &headers, &body);
        map_response_error(CloudProvider::Gcp, &context, Some(refine))
    }

    fn doc(code: u16, reason: &str, message: &str) -> String {
        format!(
            r#"{{"error":{{"code":{code},"message":"{message}","errors":[{{"domain":"global","reason":"{reason}","message":"{message}"}}]}}}}"#
        )
    }

    #[test]
    fn kinds_follow_the_documented_reasons() {
        let cases = [
            (
                409,
                doc(409, "conflict", "You already own this bucket. Please select another name."),
                ErrorKind::AlreadyExists,
            ),
            (409, doc(409, "conflict", "The requested bucket name is not available."), ErrorKind::Conflict),
            (409, String::new(), ErrorKind::Conflict),
            (403, doc(403, "userRateLimitExceeded", "slow down"), ErrorKind::RateLimited),
            (403, doc(403, "quotaExceeded", "quota"), ErrorKind::QuotaExceeded),
            (403, doc(403, "forbidden", "no"), ErrorKind::PermissionDenied),
            (
                412,
                doc(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold."),
                ErrorKind::PreconditionFailed,
            ),
            (404, doc(404, "notFound", "No such object: b/o"), ErrorKind::NotFound),
            (404, String::new(), ErrorKind::NotFound),
            (401, doc(401, "required", "Login Required"), ErrorKind::Unauthenticated),
            (
                400,
                doc(400, "invalid", "Provided CRC32C \\\"AAAAAA==\\\" doesn't match calculated CRC32C"),
                ErrorKind::InvalidInput,
            ),
            (503, doc(503, "backendError", "Backend Error"), ErrorKind::Service),
            (304, String::new(), ErrorKind::NotModified),
        ];
        for (status, body, kind) in cases {
            let err = map(status, &body);
            assert_eq!(err.kind(), kind, "{status} {body}");
        }
        let err = map(404, &doc(404, "notFound", "No such object: b/o"));
        assert_eq!(err.message(), "No such object: b/o");
        assert!(map(503, "").is_retryable());
        assert!(map(403, &doc(403, "rateLimitExceeded", "x")).is_retryable());
    }
}
