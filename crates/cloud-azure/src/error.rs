//! The one place where Azure failures become [`cloud_core::Error`]s.
//!
//! [`kind_for`] is the whole mapping table (the Blob service error code first, the HTTP status
//! second); [`from_azure`] feeds every `azure_core::Error` through it, keeping the HTTP status
//! and the request id.

use azure_core::error::ErrorKind as AzureKind;
use cloud_core::{CloudProvider, Error, ErrorKind, kind_for_status};

use crate::timeout::{AttemptTimedOut, answer_lost};

/// The kind a Blob service error code (or, failing that, an HTTP status) means.
///
/// | Blob service code | kind |
/// |---|---|
/// | `BlobNotFound`, `ContainerNotFound`, `ResourceNotFound`, `CannotVerifyCopySource` with 404 | `NotFound` |
/// | `ContainerAlreadyExists`, `BlobAlreadyExists` | `AlreadyExists` |
/// | `ContainerBeingDeleted`, `ContainerDisabled`, `LeaseIdMissing`, `LeaseAlreadyPresent`, `PendingCopyOperation`, `OperationNotAllowedOnIncrementalCopyBlob` | `Conflict` |
/// | any code with status 304 (a read whose `If-None-Match` / `If-Modified-Since` failed) | `NotModified` |
/// | `ConditionNotMet`, `SourceConditionNotMet`, `TargetConditionNotMet` | `PreconditionFailed` |
/// | `AuthenticationFailed`, `InvalidAuthenticationInfo`, `NoAuthenticationInformation`, `ExpiredToken` | `Unauthenticated` |
/// | `AuthorizationFailure` whose message says "Server failed to authenticate the request" (what Azurite answers to a bad signature) | `Unauthenticated` |
/// | `AuthorizationFailure`, `AuthorizationPermissionMismatch`, `AuthorizationResourceTypeMismatch`, `AuthorizationSourceIPMismatch`, `AuthorizationProtocolMismatch`, `AuthorizationServiceMismatch`, `InsufficientAccountPermissions`, `AccountIsDisabled` | `PermissionDenied` |
/// | `InvalidRange`, `InvalidBlockId`, `InvalidBlockList`, `InvalidBlobOrBlock`, `InvalidHeaderValue`, `InvalidInput`, `InvalidMetadata`, `InvalidQueryParameterValue`, `InvalidResourceName`, `InvalidUri`, `InvalidXmlDocument`, `MetadataTooLarge`, `OutOfRangeInput`, `OutOfRangeQueryParameterValue`, `RequestBodyTooLarge`, `Md5Mismatch`, `MissingRequiredHeader`, `MissingRequiredQueryParameter`, `UnsupportedHeader`, `UnsupportedQueryParameter`, `EmptyMetadataKey`, `InvalidMd5` | `InvalidInput` |
/// | `ServerBusy` | `RateLimited` |
/// | `OperationTimedOut` | `Timeout` |
/// | `FeatureVersionMismatch`, `UnsupportedHttpVerb`, `NotImplemented`, `BlobTypeNotSupported` | `Unsupported` |
/// | `AccountBeingCreated`, `InternalError` | `Service` |
/// | anything else | [`kind_for_status`] of the HTTP status, `Service` without one |
pub(crate) fn kind_for(code: Option<&str>, status: Option<u16>, message: Option<&str>) -> ErrorKind {
    if status == Some(304) {
        return ErrorKind::NotModified;
    }
    let by_code = code.and_then(|code| {
        Some(match code {
            "AuthorizationFailure" if message.is_some_and(|m| m.starts_with("Server failed to authenticate")) => {
                ErrorKind::Unauthenticated
            }
            "BlobNotFound" | "ContainerNotFound" | "ResourceNotFound" => ErrorKind::NotFound,
            "CannotVerifyCopySource" if status == Some(404) => ErrorKind::NotFound,
            "ContainerAlreadyExists" | "BlobAlreadyExists" => ErrorKind::AlreadyExists,
            "ContainerBeingDeleted"
            | "ContainerDisabled"
            | "LeaseIdMissing"
            | "LeaseAlreadyPresent"
            | "PendingCopyOperation"
            | "OperationNotAllowedOnIncrementalCopyBlob" => ErrorKind::Conflict,
            "ConditionNotMet" | "SourceConditionNotMet" | "TargetConditionNotMet" => ErrorKind::PreconditionFailed,
            "AuthenticationFailed" | "InvalidAuthenticationInfo" | "NoAuthenticationInformation" | "ExpiredToken" => {
                ErrorKind::Unauthenticated
            }
            "AuthorizationFailure"
            | "AuthorizationPermissionMismatch"
            | "AuthorizationResourceTypeMismatch"
            | "AuthorizationSourceIPMismatch"
            | "AuthorizationProtocolMismatch"
            | "AuthorizationServiceMismatch"
            | "InsufficientAccountPermissions"
            | "AccountIsDisabled" => ErrorKind::PermissionDenied,
            "InvalidRange"
            | "InvalidBlockId"
            | "InvalidBlockList"
            | "InvalidBlobOrBlock"
            | "InvalidHeaderValue"
            | "InvalidInput"
            | "InvalidMetadata"
            | "InvalidQueryParameterValue"
            | "InvalidResourceName"
            | "InvalidUri"
            | "InvalidXmlDocument"
            | "MetadataTooLarge"
            | "OutOfRangeInput"
            | "OutOfRangeQueryParameterValue"
            | "RequestBodyTooLarge"
            | "Md5Mismatch"
            | "MissingRequiredHeader"
            | "MissingRequiredQueryParameter"
            | "UnsupportedHeader"
            | "UnsupportedQueryParameter"
            | "EmptyMetadataKey"
            | "InvalidMd5" => ErrorKind::InvalidInput,
            "ServerBusy" => ErrorKind::RateLimited,
            "OperationTimedOut" => ErrorKind::Timeout,
            "FeatureVersionMismatch" | "UnsupportedHttpVerb" | "NotImplemented" | "BlobTypeNotSupported" => {
                ErrorKind::Unsupported
            }
            "AccountBeingCreated" | "InternalError" => ErrorKind::Service,
            _ => return None,
        })
    });
    by_code.unwrap_or_else(|| status.map_or(ErrorKind::Service, kind_for_status))
}

/// Any failure of the `azure_core` pipeline or the official clients.
pub(crate) fn from_azure(err: azure_core::Error, operation: &'static str) -> Error {
    let status = err.http_status().map(u16::from);
    let (kind, code, request_id) = match err.kind() {
        AzureKind::HttpResponse { error_code, raw_response, .. } => {
            let request_id = raw_response
                .as_ref()
                .and_then(|r| r.headers().get_optional_str(&"x-ms-request-id".into()).map(str::to_owned));
            let message =
                raw_response.as_ref().and_then(|r| r.body().xml::<ErrorBody>().ok()).and_then(|body| body.message);
            (kind_for(error_code.as_deref(), status, message.as_deref()), error_code.clone(), request_id)
        }
        AzureKind::Connection => (ErrorKind::Dispatch, None, None),
        AzureKind::Io | AzureKind::Other if timed_out(&err) => (ErrorKind::Timeout, None, None),
        AzureKind::Other if answer_lost(&err) => (ErrorKind::Dispatch, None, None),
        AzureKind::Io => (ErrorKind::Dispatch, None, None),
        AzureKind::DataConversion => (ErrorKind::ResponseInvalid, None, None),
        AzureKind::Credential => (ErrorKind::Unauthenticated, None, None),
        _ => (ErrorKind::Unexpected, None, None),
    };
    let message = match (&code, status) {
        (Some(code), Some(status)) => format!("Azure Blob Storage answered {status} {code}"),
        (None, Some(status)) => format!("Azure Blob Storage answered {status}"),
        _ => format!("Azure Blob Storage request failed: {err}"),
    };
    let mut out = Error::new(kind, message).in_context(CloudProvider::Azure, operation).with_source(err);
    if let Some(status) = status {
        out = out.with_http_status(status);
    }
    if let Some(id) = request_id {
        out = out.with_request_id(id);
    }
    if matches!(kind, ErrorKind::Dispatch | ErrorKind::Timeout) {
        out = out.with_retryable(true);
    }
    out
}

/// Whether an attempt ran out of time (the retry policy wraps the last attempt's error).
fn timed_out(err: &azure_core::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.is::<AttemptTimedOut>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The `<Error>` body of a failed Blob request.
#[derive(Debug, serde::Deserialize)]
struct ErrorBody {
    #[serde(rename = "Message", default)]
    message: Option<String>,
}

/// A response that arrived but could not be understood.
pub(crate) fn invalid_response(operation: &'static str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::ResponseInvalid, message.into()).in_context(CloudProvider::Azure, operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_win_over_statuses() {
        assert_eq!(kind_for(Some("BlobNotFound"), Some(404), None), ErrorKind::NotFound);
        assert_eq!(kind_for(Some("ContainerAlreadyExists"), Some(409), None), ErrorKind::AlreadyExists);
        assert_eq!(kind_for(Some("BlobAlreadyExists"), Some(409), None), ErrorKind::AlreadyExists);
        assert_eq!(kind_for(Some("AuthenticationFailed"), Some(403), None), ErrorKind::Unauthenticated);
        assert_eq!(kind_for(Some("AuthorizationPermissionMismatch"), Some(403), None), ErrorKind::PermissionDenied);
        assert_eq!(kind_for(Some("ConditionNotMet"), Some(412), None), ErrorKind::PreconditionFailed);
        assert_eq!(kind_for(Some("ConditionNotMet"), Some(304), None), ErrorKind::NotModified);
        assert_eq!(kind_for(Some("InvalidRange"), Some(416), None), ErrorKind::InvalidInput);
        assert_eq!(kind_for(Some("ServerBusy"), Some(503), None), ErrorKind::RateLimited);
        assert_eq!(kind_for(Some("CannotVerifyCopySource"), Some(404), None), ErrorKind::NotFound);
        assert_eq!(kind_for(Some("CannotVerifyCopySource"), Some(403), None), ErrorKind::PermissionDenied);
        assert_eq!(kind_for(Some("SomethingNew"), Some(409), None), ErrorKind::Conflict);
        assert_eq!(kind_for(None, Some(404), None), ErrorKind::NotFound);
        assert_eq!(kind_for(None, None, None), ErrorKind::Service);
        let azurite_bad_signature = Some(
            "Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.",
        );
        assert_eq!(
            kind_for(Some("AuthorizationFailure"), Some(403), azurite_bad_signature),
            ErrorKind::Unauthenticated
        );
        assert_eq!(
            kind_for(Some("AuthorizationFailure"), Some(403), Some("This request is not authorized")),
            ErrorKind::PermissionDenied
        );
    }

    #[test]
    fn transport_failures_are_dispatch_and_retryable() {
        let err =
            from_azure(azure_core::Error::with_message(AzureKind::Connection, "connection refused"), "get_object");
        assert_eq!(err.kind(), ErrorKind::Dispatch);
        assert!(err.is_retryable());
        assert_eq!(err.provider(), Some(CloudProvider::Azure));
        assert_eq!(err.operation(), Some("get_object"));
        let err = from_azure(azure_core::Error::with_message(AzureKind::Credential, "no token"), "list_buckets");
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    }
}
