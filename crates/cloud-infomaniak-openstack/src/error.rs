//! OpenStack's refinements of [`cloud_core::http`]'s one error mapping.
//!
//! Every answer goes through [`cloud_core::http::map_response_error`] (message, status, request
//! id, `Retry-After`); [`refine`] only tells which kind an OpenStack answer means where the status
//! alone does not: an exhausted quota, or a conflict saying something exists already.

use cloud_core::http::ErrorContext;
use cloud_core::{CloudProvider, ErrorKind, kind_for_status};
use serde::Deserialize;

pub(crate) const PROVIDER: CloudProvider = CloudProvider::Infomaniak;

/// Whether an OpenStack error says a quota is exhausted.
///
/// Nova answers 403 (`Quota exceeded for cores…`) or 413; Cinder 413
/// (`VolumeSizeExceedsAvailableQuota`, `Maximum number of volumes allowed (10) exceeded`);
/// Neutron 409 (`Quota exceeded for resources`, error type `OverQuota`); Swift 413 (`Upload
/// exceeds quota`). A message that merely mentions quotas (a policy refusing `os-quota-sets`, an
/// invalid quota value) is not one.
pub(crate) fn is_quota_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    ["quota exceeded", "exceeded quota", "exceeds quota", "exceeds available quota", "over quota", "overquota"]
        .iter()
        .any(|phrase| m.contains(phrase))
        || (m.contains("maximum number of") && m.contains("exceeded"))
        || m.contains("exceedsavailablequota")
        || m.contains("limitexceeded")
}

/// The kind an HTTP status and OpenStack message mean.
///
/// [`kind_for_status`] refined by the message: a quota message with 403, 409 or 413 is
/// `QuotaExceeded`; a 409 saying something exists already is `AlreadyExists`.
pub(crate) fn kind_for(status: u16, message: Option<&str>) -> ErrorKind {
    if let Some(m) = message {
        if is_quota_message(m) && matches!(status, 403 | 409 | 413) {
            return ErrorKind::QuotaExceeded;
        }
        let lower = m.to_ascii_lowercase();
        if status == 409 && (lower.contains("already exists") || lower.contains("duplicate")) {
            return ErrorKind::AlreadyExists;
        }
    }
    kind_for_status(status)
}

/// Neutron's error body: `{"NeutronError": {"type": "OverQuota", "message": …}}`.
#[derive(Deserialize)]
struct NeutronErrorBody {
    #[serde(rename = "NeutronError")]
    error: NeutronError,
}

#[derive(Deserialize)]
struct NeutronError {
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

/// The [`cloud_core::http::ErrorRefiner`] of every OpenStack client.
pub(crate) fn refine(context: &ErrorContext<'_>) -> Option<ErrorKind> {
    let body = context.body();
    let neutron_type = serde_json::from_str::<NeutronErrorBody>(body.text()).ok().and_then(|b| b.error.kind);
    let message = match (body.message(), neutron_type.as_deref()) {
        (Some(m), Some(t)) => Some(format!("{t}: {m}")),
        (Some(m), None) => Some(m.to_owned()),
        (None, t) => t.map(str::to_owned),
    };
    Some(kind_for(context.status(), message.as_deref()))
}

/// An error for an answer, as the request path maps it (for tests of the mapping).
#[cfg(test)]
fn from_response(status: u16, headers: &http::HeaderMap, body: &[u8], operation: &'static str) -> cloud_core::Error {
    use cloud_core::http::{HttpErrorBody, Method, map_response_error};
    let body = HttpErrorBody::new(status, body, false);
    let method = Method::GET;
    let context = ErrorContext::new(&method, operation, status, headers, &body);
    map_response_error(PROVIDER, &context, Some(refine))
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    #[test]
    fn quota_messages_become_quota_exceeded() {
        assert_eq!(
            kind_for(403, Some("Quota exceeded for cores: Requested 4, but already used 20 of 20 cores")),
            ErrorKind::QuotaExceeded
        );
        assert_eq!(
            kind_for(
                413,
                Some("VolumeLimitExceeded: Maximum number of volumes allowed (10) exceeded for quota 'volumes'.")
            ),
            ErrorKind::QuotaExceeded
        );
        assert_eq!(kind_for(409, Some("Quota exceeded for resources: ['floatingip'].")), ErrorKind::QuotaExceeded);
        assert_eq!(kind_for(413, Some("Upload exceeds quota.")), ErrorKind::QuotaExceeded);
        assert_eq!(kind_for(413, Some("Your request was too large.")), ErrorKind::InvalidInput);
        assert_eq!(kind_for(404, Some("the limit of 404s")), ErrorKind::NotFound);
        assert_eq!(kind_for(409, Some("Key pair 'k' already exists.")), ErrorKind::AlreadyExists);
        assert_eq!(kind_for(409, Some("Cannot 'start' instance while it is in vm_state active")), ErrorKind::Conflict);
    }

    #[test]
    fn messages_that_only_mention_quotas_keep_their_status_kind() {
        // These used to become QuotaExceeded because they contain the word "quota".
        assert_eq!(
            kind_for(403, Some("Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.")),
            ErrorKind::PermissionDenied
        );
        assert_eq!(kind_for(400, Some("Invalid input for field/attribute quota_set.")), ErrorKind::InvalidInput);
        assert_eq!(kind_for(400, Some("Quota exceeded for cores")), ErrorKind::InvalidInput);
        assert_eq!(kind_for(429, Some("Quota exceeded, slow down")), ErrorKind::RateLimited);
        assert_eq!(kind_for(409, Some("Quota limit must be at least the usage of 3")), ErrorKind::Conflict);
    }

    #[test]
    fn response_errors_keep_message_status_and_request_id() {
        let mut headers = HeaderMap::new();
        headers.insert("x-compute-request-id", "req-123".parse().unwrap());
        let err = from_response(
            404,
            &headers,
            br#"{"itemNotFound": {"message": "Flavor nope could not be found.", "code": 404}}"#,
            "get_flavor",
        );
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.message(), "Flavor nope could not be found.");
        assert_eq!(err.request_id(), Some("req-123"));
        assert_eq!(err.http_status(), Some(404));
        assert_eq!(err.provider(), Some(CloudProvider::Infomaniak));
        let neutron = from_response(
            409,
            &HeaderMap::new(),
            br#"{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['port'].", "detail": ""}}"#,
            "create_port",
        );
        assert_eq!(neutron.kind(), ErrorKind::QuotaExceeded);
        let swift = from_response(401, &HeaderMap::new(), b"", "head_object");
        assert_eq!(swift.kind(), ErrorKind::Unauthenticated);
    }
}
