//! The one place where OpenStack failures become [`cloud_core::Error`]s.
//!
//! [`from_response`] maps an HTTP answer (status, OpenStack error body, request id) and
//! [`from_openstack`] maps the errors of `openstack_sdk` itself (authentication, catalog,
//! transport). Both keep OpenStack's own message and the request id.

use std::error::Error as StdError;

use cloud_core::{CloudProvider, Error, ErrorKind, kind_for_status};
use http::HeaderMap;
use openstack_sdk::api::ApiError;
use openstack_sdk::{AuthError, OpenStackError, RestError};

pub(crate) const PROVIDER: CloudProvider = CloudProvider::Infomaniak;

/// The headers OpenStack services put their request id in, in order of preference.
const REQUEST_ID_HEADERS: [&str; 4] =
    ["x-openstack-request-id", "x-compute-request-id", "x-trans-id", "x-openstack-request-id-list"];

/// The request id of an answer, if the service gave one.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()).map(str::to_owned))
}

/// The message of an OpenStack error body.
///
/// Understands Nova/Cinder (`{"itemNotFound": {"message": …}}`), Keystone
/// (`{"error": {"message": …}}`), Neutron (`{"NeutronError": {"message": …}}`), Glance and
/// Swift (plain text or a small HTML page), and falls back to the body itself.
pub(crate) fn message_of(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        if let Some(message) = json_message(&value) {
            return Some(message);
        }
        return Some(truncate(text));
    }
    // Swift and Glance answer with `<html><h1>Not Found</h1><p>The resource …</p></html>`.
    let stripped = strip_tags(text);
    let stripped = stripped.split_whitespace().collect::<Vec<_>>().join(" ");
    (!stripped.is_empty()).then(|| truncate(&stripped))
}

fn json_message(value: &serde_json::Value) -> Option<String> {
    let obj = value.as_object()?;
    for key in ["message", "faultstring", "detail", "error_description"] {
        if let Some(m) = obj.get(key).and_then(serde_json::Value::as_str) {
            return Some(m.to_owned());
        }
    }
    // `{"badRequest": {"message": "…", "code": 400}}`, `{"error": {"message": …}}`.
    obj.values()
        .filter(|v| v.is_object())
        .find_map(|inner| inner.get("message").and_then(serde_json::Value::as_str).map(str::to_owned))
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn truncate(text: &str) -> String {
    const MAX: usize = 500;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Whether an OpenStack message says a quota is exhausted.
///
/// Nova answers 403 (`Quota exceeded for cores…`) or 413; Cinder 413 (`VolumeSizeExceedsAvailableQuota`,
/// `Maximum number of volumes allowed (10) exceeded`); Neutron 409 (`Quota exceeded for resources`);
/// Swift 413 for an account over quota.
pub(crate) fn is_quota_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("quota") || (m.contains("maximum number of") && m.contains("exceeded"))
}

/// The kind an HTTP status and OpenStack message mean.
///
/// [`kind_for_status`] refined by the message: quota messages are `QuotaExceeded` whatever the
/// status; a 413 without one is `InvalidInput` (too large); a 409 saying something exists already
/// is `AlreadyExists`.
pub(crate) fn kind_for(status: u16, message: Option<&str>) -> ErrorKind {
    if let Some(m) = message {
        if is_quota_message(m) && matches!(status, 400 | 403 | 409 | 413 | 429) {
            return ErrorKind::QuotaExceeded;
        }
        let lower = m.to_ascii_lowercase();
        if status == 409 && (lower.contains("already exists") || lower.contains("duplicate")) {
            return ErrorKind::AlreadyExists;
        }
    }
    kind_for_status(status)
}

/// An error for a non-success HTTP answer.
pub(crate) fn from_response(status: u16, headers: &HeaderMap, body: &[u8], operation: &'static str) -> Error {
    let message = message_of(body);
    let kind = kind_for(status, message.as_deref());
    let text = message.unwrap_or_else(|| {
        http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .map_or_else(|| format!("HTTP {status}"), str::to_owned)
    });
    let mut error = Error::new(kind, text).with_http_status(status).with_provider(PROVIDER).with_operation(operation);
    if let Some(id) = request_id(headers) {
        error = error.with_request_id(id);
    }
    if let Some(secs) = headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok()) {
        error = error.with_retry_after(std::time::Duration::from_secs(secs));
    }
    error
}

/// An error of `openstack_sdk` (connecting, authenticating, finding an endpoint).
pub(crate) fn from_openstack(err: OpenStackError, operation: &'static str) -> Error {
    let (kind, message, status) = match &err {
        OpenStackError::AuthError { source } => auth_kind(source),
        OpenStackError::Api { source } => {
            let (kind, message, status) = api_kind(source);
            (kind, message, status)
        }
        OpenStackError::Communication { source } => (transport_kind(source), chain(&err), None),
        OpenStackError::Http { status } => (kind_for_status(status.as_u16()), chain(&err), Some(status.as_u16())),
        OpenStackError::Catalog { .. } => (ErrorKind::InvalidConfig, chain(&err), None),
        OpenStackError::ConfigError { .. }
        | OpenStackError::UrlParse { .. }
        | OpenStackError::InvalidUri { .. }
        | OpenStackError::NoAuth => (ErrorKind::InvalidConfig, chain(&err), None),
        OpenStackError::Discovery { .. } => (ErrorKind::Dispatch, chain(&err), None),
        OpenStackError::Json { .. } | OpenStackError::DataType { .. } => {
            (ErrorKind::ResponseInvalid, chain(&err), None)
        }
        _ => (ErrorKind::Unexpected, chain(&err), None),
    };
    let mut error = Error::new(kind, message).with_provider(PROVIDER).with_operation(operation);
    if let Some(s) = status {
        error = error.with_http_status(s);
    }
    error.with_source(err)
}

/// An error of a request sent through the session.
pub(crate) fn from_api(err: ApiError<RestError>, operation: &'static str) -> Error {
    let (kind, message, status) = api_kind(&err);
    let request_id = match &err {
        ApiError::OpenStack { req_id, .. }
        | ApiError::OpenStackService { req_id, .. }
        | ApiError::OpenStackUnrecognized { req_id, .. } => req_id.clone(),
        _ => None,
    };
    let mut error = Error::new(kind, message).with_provider(PROVIDER).with_operation(operation);
    if let Some(s) = status {
        error = error.with_http_status(s);
    }
    if let Some(id) = request_id {
        error = error.with_request_id(id);
    }
    error.with_source(err)
}

fn api_kind(err: &ApiError<RestError>) -> (ErrorKind, String, Option<u16>) {
    match err {
        ApiError::Client { source } => match source {
            RestError::AuthError { source } => auth_kind(source),
            RestError::Communication { source } => (transport_kind(source), chain(err), None),
            RestError::Http { .. } => (ErrorKind::Construction, chain(err), None),
            _ => (ErrorKind::Unexpected, chain(err), None),
        },
        ApiError::OpenStack { status, msg, .. } => {
            (kind_for(status.as_u16(), Some(msg)), msg.clone(), Some(status.as_u16()))
        }
        ApiError::OpenStackService { status, data, .. } => {
            let message = message_of(data.as_bytes()).unwrap_or_else(|| status.to_string());
            (kind_for(status.as_u16(), Some(&message)), message, Some(status.as_u16()))
        }
        ApiError::OpenStackUnrecognized { status, obj, .. } => {
            let message = json_message(obj).unwrap_or_else(|| obj.to_string());
            (kind_for(status.as_u16(), Some(&message)), message, Some(status.as_u16()))
        }
        ApiError::Catalog { .. } => (ErrorKind::InvalidConfig, chain(err), None),
        ApiError::UrlParse { .. } | ApiError::InvalidUri { .. } | ApiError::Body { .. } => {
            (ErrorKind::Construction, chain(err), None)
        }
        ApiError::Json { .. } | ApiError::DataType { .. } => (ErrorKind::ResponseInvalid, chain(err), None),
        ApiError::ResourceNotFound => (ErrorKind::NotFound, chain(err), None),
        _ => (ErrorKind::Unexpected, chain(err), None),
    }
}

fn auth_kind(err: &AuthError) -> (ErrorKind, String, Option<u16>) {
    match err {
        AuthError::Identity(identity) => {
            let status = u16::try_from(identity.code).ok();
            let kind = status.map_or(ErrorKind::Unauthenticated, |s| match kind_for_status(s) {
                ErrorKind::NotFound | ErrorKind::InvalidInput => ErrorKind::Unauthenticated,
                other => other,
            });
            (kind, format!("Keystone refused the credentials: {}", identity.message), status)
        }
        AuthError::UnknownAuth { code, message } => {
            let text = message.as_deref().and_then(|m| message_of(m.as_bytes())).unwrap_or_else(|| code.to_string());
            let kind = match kind_for_status(*code) {
                ErrorKind::NotFound | ErrorKind::InvalidInput => ErrorKind::Unauthenticated,
                other => other,
            };
            (kind, format!("Keystone refused the credentials: {text}"), Some(*code))
        }
        AuthError::AuthValueNotSupplied(_) | AuthError::PluginMalformedRequirement => {
            (ErrorKind::InvalidConfig, chain(err), None)
        }
        _ => {
            let text = chain(err);
            let kind = if text.contains("error sending request") || text.contains("connect") {
                ErrorKind::Dispatch
            } else {
                ErrorKind::Unauthenticated
            };
            (kind, text, None)
        }
    }
}

fn transport_kind(err: &reqwest::Error) -> ErrorKind {
    if err.is_timeout() {
        ErrorKind::Timeout
    } else if err.is_builder() {
        ErrorKind::Construction
    } else if err.is_decode() || err.is_body() {
        ErrorKind::ResponseInvalid
    } else {
        ErrorKind::Dispatch
    }
}

/// An error of the crate's own HTTP client (the Swift data plane).
pub(crate) fn from_reqwest(err: reqwest::Error, operation: &'static str) -> Error {
    let kind = transport_kind(&err);
    Error::new(kind, chain(&err)).with_provider(PROVIDER).with_operation(operation).with_source(err)
}

/// The error and its sources on one line.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string().replace('\n', " ").replace('\t', "");
    let mut source = err.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_every_service_shape() {
        assert_eq!(
            message_of(br#"{"itemNotFound": {"message": "Instance x could not be found.", "code": 404}}"#).as_deref(),
            Some("Instance x could not be found.")
        );
        assert_eq!(
            message_of(br#"{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}"#)
                .as_deref(),
            Some("The request you have made requires authentication.")
        );
        assert_eq!(
            message_of(
                br#"{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['port']."}}"#
            )
            .as_deref(),
            Some("Quota exceeded for resources: ['port'].")
        );
        assert_eq!(
            message_of(b"<html><h1>Not Found</h1><p>The resource could not be found.</p></html>").as_deref(),
            Some("Not Found The resource could not be found.")
        );
        assert_eq!(message_of(b"  "), None);
    }

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
        assert_eq!(kind_for(413, Some("Your request was too large.")), ErrorKind::InvalidInput);
        assert_eq!(kind_for(404, Some("the limit of 404s")), ErrorKind::NotFound);
        assert_eq!(kind_for(409, Some("Key pair 'k' already exists.")), ErrorKind::AlreadyExists);
        assert_eq!(kind_for(409, Some("Cannot 'start' instance while it is in vm_state active")), ErrorKind::Conflict);
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
        let swift = from_response(401, &HeaderMap::new(), b"", "head_object");
        assert_eq!(swift.kind(), ErrorKind::Unauthenticated);
        assert_eq!(swift.message(), "Unauthorized");
    }
}
