//! The one place where S3 failures become [`cloud_core::Error`]s.
//!
//! [`kind_for`] is the whole mapping table (S3 error code first, HTTP status second);
//! [`from_sdk`] feeds every `SdkError` of every operation through it, keeping the HTTP status,
//! the request id and `Retry-After`. Streaming body errors ([`from_body`]) and per-key errors of
//! `DeleteObjects` ([`from_code`]) use the same table.

use std::error::Error as StdError;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::RequestId;
use aws_sdk_s3::primitives::ByteStreamError;
use chrono::Utc;
use cloud_core::retry::parse_retry_after;
use cloud_core::{CloudProvider, Error, ErrorKind, error_chain, kind_for_status};

/// The kind an S3 error code (or, failing that, an HTTP status) means.
///
/// | S3 code | kind |
/// |---|---|
/// | `NoSuchKey`, `NoSuchBucket`, `NoSuchUpload`, `NoSuchVersion`, `NotFound`, any `NoSuch…` | `NotFound` |
/// | `BucketAlreadyOwnedByYou` | `AlreadyExists` |
/// | `BucketAlreadyExists`, `BucketNotEmpty`, `OperationAborted`, `InvalidBucketState`, `InvalidObjectState` | `Conflict` |
/// | `PreconditionFailed` | `PreconditionFailed` |
/// | `NotModified` | `NotModified` |
/// | `SlowDown`, `Throttling`, `ThrottlingException`, `TooManyRequests`, `RequestLimitExceeded` | `RateLimited` |
/// | `AccessDenied`, `AllAccessDisabled`, `AccountProblem` | `PermissionDenied` |
/// | `SignatureDoesNotMatch`, `InvalidAccessKeyId`, `InvalidToken`, `ExpiredToken`, `TokenRefreshRequired`, `RequestTimeTooSkewed`, `MissingSecurityHeader`, `CredentialsNotSupported` | `Unauthenticated` |
/// | `AuthorizationHeaderMalformed`, `PermanentRedirect`, `IllegalLocationConstraintException` | `InvalidConfig` |
/// | `InvalidRange`, `InvalidArgument`, `InvalidRequest`, `InvalidBucketName`, `KeyTooLongError`, `MetadataTooLarge`, `MalformedXML`, `InvalidDigest`, `BadDigest`, `InvalidPart`, `InvalidPartOrder`, `EntityTooSmall`, `EntityTooLarge`, `IncompleteBody`, `InvalidLocationConstraint`, `InvalidStorageClass`, `MaxMessageLengthExceeded` | `InvalidInput` |
/// | `NotImplemented`, `XNotImplemented`, `MethodNotAllowed`, `AccessControlListNotSupported` | `Unsupported` |
/// | `TooManyBuckets`, `QuotaExceeded` | `QuotaExceeded` |
/// | `RequestTimeout` | `Timeout` |
/// | `InternalError`, `ServiceUnavailable` | `Service` |
/// | anything else | [`kind_for_status`] of the HTTP status, `Service` without one |
pub(crate) fn kind_for(code: Option<&str>, status: Option<u16>) -> ErrorKind {
    let by_code = code.and_then(|code| {
        Some(match code {
            "NoSuchKey" | "NoSuchBucket" | "NoSuchUpload" | "NoSuchVersion" | "NotFound" => ErrorKind::NotFound,
            c if c.starts_with("NoSuch") => ErrorKind::NotFound,
            "BucketAlreadyOwnedByYou" => ErrorKind::AlreadyExists,
            "BucketAlreadyExists"
            | "BucketNotEmpty"
            | "OperationAborted"
            | "InvalidBucketState"
            | "InvalidObjectState" => ErrorKind::Conflict,
            "PreconditionFailed" => ErrorKind::PreconditionFailed,
            "NotModified" => ErrorKind::NotModified,
            "SlowDown" | "Throttling" | "ThrottlingException" | "TooManyRequests" | "RequestLimitExceeded" => {
                ErrorKind::RateLimited
            }
            "AccessDenied" | "AllAccessDisabled" | "AccountProblem" => ErrorKind::PermissionDenied,
            "SignatureDoesNotMatch"
            | "InvalidAccessKeyId"
            | "InvalidToken"
            | "ExpiredToken"
            | "TokenRefreshRequired"
            | "RequestTimeTooSkewed"
            | "MissingSecurityHeader"
            | "CredentialsNotSupported" => ErrorKind::Unauthenticated,
            "AuthorizationHeaderMalformed" | "PermanentRedirect" | "IllegalLocationConstraintException" => {
                ErrorKind::InvalidConfig
            }
            "InvalidRange"
            | "InvalidArgument"
            | "InvalidRequest"
            | "InvalidBucketName"
            | "KeyTooLongError"
            | "MetadataTooLarge"
            | "MalformedXML"
            | "InvalidDigest"
            | "BadDigest"
            | "InvalidPart"
            | "InvalidPartOrder"
            | "EntityTooSmall"
            | "EntityTooLarge"
            | "IncompleteBody"
            | "InvalidLocationConstraint"
            | "InvalidStorageClass"
            | "MaxMessageLengthExceeded" => ErrorKind::InvalidInput,
            "NotImplemented" | "XNotImplemented" | "MethodNotAllowed" | "AccessControlListNotSupported" => {
                ErrorKind::Unsupported
            }
            "TooManyBuckets" | "QuotaExceeded" => ErrorKind::QuotaExceeded,
            "RequestTimeout" => ErrorKind::Timeout,
            "InternalError" | "ServiceUnavailable" => ErrorKind::Service,
            _ => return None,
        })
    });
    by_code.unwrap_or_else(|| status.map_or(ErrorKind::Service, kind_for_status))
}

/// Converts any error of any S3 operation.
///
/// Service errors keep the S3 code and message, the HTTP status, the request id (`x-amz-request-id`)
/// and `Retry-After`; transport failures become `Construction`, `Timeout`, `Dispatch` or
/// `ResponseInvalid`. The SDK error stays available as the source.
pub(crate) fn from_sdk<E>(
    err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    provider: CloudProvider,
    operation: &'static str,
) -> Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let request_id = err.request_id().map(str::to_owned);
    let mapped = match &err {
        SdkError::ConstructionFailure(_) => {
            Error::new(ErrorKind::Construction, format!("the request could not be built: {}", error_chain(&err)))
        }
        SdkError::TimeoutError(_) => Error::new(ErrorKind::Timeout, "the request timed out"),
        SdkError::DispatchFailure(failure) => {
            let kind = if failure.is_timeout() {
                ErrorKind::Timeout
            } else if failure.is_user() {
                ErrorKind::Construction
            } else {
                ErrorKind::Dispatch
            };
            Error::new(kind, format!("no response: {}", error_chain(&err)))
        }
        SdkError::ResponseError(response) => {
            let status = response.raw().status().as_u16();
            Error::new(ErrorKind::ResponseInvalid, format!("the response could not be read: {}", error_chain(&err)))
                .with_http_status(status)
        }
        SdkError::ServiceError(service) => {
            let raw = service.raw();
            let status = raw.status().as_u16();
            let inner = service.err();
            let code = inner.code();
            let kind = kind_for(code, Some(status));
            let message = match (code, inner.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_owned(),
                (None, Some(message)) => message.to_owned(),
                (None, None) => uncoded_message(status),
            };
            let mut error = Error::new(kind, message).with_http_status(status);
            if let Some(wait) = raw.headers().get("retry-after").and_then(|v| parse_retry_after(v, Utc::now())) {
                error = error.with_retry_after(wait);
            }
            error
        }
        _ => Error::new(ErrorKind::Unexpected, error_chain(&err)),
    };
    let mapped = match request_id {
        Some(id) => mapped.with_request_id(id),
        None => mapped,
    };
    mapped.with_provider(provider).with_operation(operation).with_source(err)
}

/// The message of a service error that came without a code or message (HEAD answers have no body).
fn uncoded_message(status: u16) -> String {
    format!("HTTP {status} without an error code")
}

/// Whether a service error came without a code: a HEAD answer, whose status alone cannot tell a
/// bad signature from a missing permission.
pub(crate) fn is_uncoded(err: &Error) -> bool {
    err.http_status().is_some_and(|status| err.message() == uncoded_message(status))
}

/// An error of a response body while it streams.
pub(crate) fn from_body(err: ByteStreamError, provider: CloudProvider, operation: &'static str) -> Error {
    let text = error_chain(&err);
    let kind = if text.contains("timed out") || text.contains("timeout") || text.contains("stalled") {
        ErrorKind::Timeout
    } else {
        ErrorKind::Dispatch
    };
    Error::new(kind, format!("the body stream failed: {text}"))
        .with_provider(provider)
        .with_operation(operation)
        .with_source(err)
}

/// An error the service reported inside a successful response (a `DeleteObjects` entry).
pub(crate) fn from_code(
    code: Option<&str>,
    message: Option<&str>,
    provider: CloudProvider,
    operation: &'static str,
) -> Error {
    let text = match (code, message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_owned(),
        (None, Some(m)) => m.to_owned(),
        (None, None) => "unknown error".to_owned(),
    };
    Error::new(kind_for(code, None), text).with_provider(provider).with_operation(operation)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn codes_map_to_the_documented_kinds() {
        let cases = [
            ("NoSuchKey", ErrorKind::NotFound),
            ("NoSuchBucket", ErrorKind::NotFound),
            ("NoSuchLifecycleConfiguration", ErrorKind::NotFound),
            ("BucketAlreadyOwnedByYou", ErrorKind::AlreadyExists),
            ("BucketAlreadyExists", ErrorKind::Conflict),
            ("BucketNotEmpty", ErrorKind::Conflict),
            ("SlowDown", ErrorKind::RateLimited),
            ("AccessDenied", ErrorKind::PermissionDenied),
            ("SignatureDoesNotMatch", ErrorKind::Unauthenticated),
            ("InvalidAccessKeyId", ErrorKind::Unauthenticated),
            ("ExpiredToken", ErrorKind::Unauthenticated),
            ("AuthorizationHeaderMalformed", ErrorKind::InvalidConfig),
            ("InvalidRange", ErrorKind::InvalidInput),
            ("EntityTooSmall", ErrorKind::InvalidInput),
            ("NotImplemented", ErrorKind::Unsupported),
            ("AccessControlListNotSupported", ErrorKind::Unsupported),
            ("TooManyBuckets", ErrorKind::QuotaExceeded),
            ("RequestTimeout", ErrorKind::Timeout),
            ("InternalError", ErrorKind::Service),
            ("PreconditionFailed", ErrorKind::PreconditionFailed),
        ];
        for (code, kind) in cases {
            assert_eq!(kind_for(Some(code), Some(400)), kind, "{code}");
        }
    }

    #[test]
    fn unknown_codes_fall_back_to_the_status() {
        assert_eq!(kind_for(Some("SomethingNew"), Some(404)), ErrorKind::NotFound);
        assert_eq!(kind_for(None, Some(403)), ErrorKind::PermissionDenied);
        assert_eq!(kind_for(None, Some(503)), ErrorKind::Service);
        assert_eq!(kind_for(None, Some(429)), ErrorKind::RateLimited);
        assert_eq!(kind_for(Some("Weird"), None), ErrorKind::Service);
    }

    use aws_sdk_s3::config::http::HttpResponse;
    use aws_sdk_s3::error::{ConnectorError, ErrorMetadata};
    use aws_sdk_s3::operation::get_object::GetObjectError;
    use aws_sdk_s3::primitives::SdkBody;

    fn response(status: u16, headers: &[(&'static str, &'static str)]) -> HttpResponse {
        let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        for (name, value) in headers {
            response.headers_mut().insert(*name, *value);
        }
        response
    }

    fn service(code: &str, status: u16, headers: &[(&'static str, &'static str)]) -> Error {
        let err = GetObjectError::generic(ErrorMetadata::builder().code(code).message("the message").build());
        from_sdk(SdkError::service_error(err, response(status, headers)), CloudProvider::Aws, "get_object")
    }

    #[test]
    fn service_errors_keep_status_request_id_and_retry_after() {
        let err = service("SlowDown", 503, &[("x-amz-request-id", "REQ123"), ("retry-after", "3")]);
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        assert_eq!(err.http_status(), Some(503));
        assert_eq!(err.request_id(), Some("REQ123"));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        assert!(err.is_retryable());
        assert_eq!(err.provider(), Some(CloudProvider::Aws));
        assert_eq!(err.operation(), Some("get_object"));
        assert_eq!(
            err.to_string(),
            "aws get_object: rate_limited: SlowDown: the message (status 503, request id REQ123)"
        );
        assert!(StdError::source(&err).is_some(), "the SDK error stays the source");

        let err = service("NoSuchKey", 404, &[]);
        assert_eq!((err.kind(), err.request_id()), (ErrorKind::NotFound, None));
        assert_eq!(service("SignatureDoesNotMatch", 403, &[]).kind(), ErrorKind::Unauthenticated);
        assert_eq!(service("AccessDenied", 403, &[]).kind(), ErrorKind::PermissionDenied);
    }

    #[test]
    fn head_answers_without_a_body_are_marked_uncoded() {
        let err = GetObjectError::generic(ErrorMetadata::builder().build());
        let err = from_sdk(SdkError::service_error(err, response(403, &[])), CloudProvider::Aws, "head_object");
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert!(is_uncoded(&err), "{err}");
        assert!(!is_uncoded(&service("AccessDenied", 403, &[])));
    }

    #[test]
    fn transport_failures_map_to_their_stage() {
        let cases: [(SdkError<GetObjectError, HttpResponse>, ErrorKind); 5] = [
            (SdkError::construction_failure("bad input"), ErrorKind::Construction),
            (SdkError::timeout_error("slow"), ErrorKind::Timeout),
            (SdkError::dispatch_failure(ConnectorError::io("connection refused".into())), ErrorKind::Dispatch),
            (SdkError::dispatch_failure(ConnectorError::timeout("connect timeout".into())), ErrorKind::Timeout),
            (SdkError::dispatch_failure(ConnectorError::user("bad body".into())), ErrorKind::Construction),
        ];
        for (sdk, kind) in cases {
            let err = from_sdk(sdk, CloudProvider::Aws, "get_object");
            assert_eq!(err.kind(), kind, "{err}");
            assert_eq!(err.http_status(), None);
        }
    }

    #[test]
    fn delete_entry_errors_keep_code_and_context() {
        let err = from_code(Some("AccessDenied"), Some("nope"), CloudProvider::Aws, "delete_prefix");
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert_eq!(err.to_string(), "aws delete_prefix: permission_denied: AccessDenied: nope");
    }
}
