//! Exit codes by error kind, and the one-line message that says what to do.

use cloud::{Error, ErrorKind};

/// Any other failure: the service failed, a response could not be understood, a local I/O error.
pub(crate) const UNEXPECTED: u8 = 1;
/// Bad command-line input (clap uses the same code for usage errors).
pub(crate) const INVALID_INPUT: u8 = 2;
/// The configuration is missing or incomplete (a variable, a `clouds.yaml` entry, a feature).
pub(crate) const INVALID_CONFIG: u8 = 3;
/// The credentials were refused, or do not allow the operation.
pub(crate) const UNAUTHENTICATED: u8 = 4;
/// The bucket or object does not exist.
pub(crate) const NOT_FOUND: u8 = 5;
/// The destination exists, or a precondition did not hold.
pub(crate) const CONFLICT: u8 = 6;
/// The backend does not support the operation.
pub(crate) const UNSUPPORTED: u8 = 7;
/// The service could not be reached in time, or asked to slow down: trying again may work.
pub(crate) const TRANSIENT: u8 = 8;

/// The exit code of an error of `kind`.
pub(crate) fn code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput => INVALID_INPUT,
        ErrorKind::InvalidConfig => INVALID_CONFIG,
        ErrorKind::Unauthenticated | ErrorKind::PermissionDenied => UNAUTHENTICATED,
        ErrorKind::NotFound | ErrorKind::Gone => NOT_FOUND,
        ErrorKind::AlreadyExists | ErrorKind::Conflict | ErrorKind::PreconditionFailed | ErrorKind::NotModified => {
            CONFLICT
        }
        ErrorKind::Unsupported => UNSUPPORTED,
        ErrorKind::Timeout | ErrorKind::Dispatch | ErrorKind::RateLimited | ErrorKind::QuotaExceeded => TRANSIENT,
        _ => UNEXPECTED,
    }
}

/// What to do about an error of `kind`, if there is more to say than its message.
fn hint(kind: ErrorKind) -> Option<&'static str> {
    Some(match kind {
        ErrorKind::Unauthenticated => {
            "check the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for s3://, OS_CLOUD and its clouds.yaml (or OS_*) for swift://"
        }
        ErrorKind::PermissionDenied => "the credentials are valid but not allowed to do this; ask for access",
        ErrorKind::NotFound => "check the bucket and key with `cloud ls`",
        ErrorKind::AlreadyExists => "the destination exists; remove it first or choose another name",
        ErrorKind::Dispatch | ErrorKind::Timeout => {
            "the service did not answer; check the endpoint (AWS_ENDPOINT_URL, the auth URL of clouds.yaml) and the network, then retry"
        }
        ErrorKind::RateLimited => "the service asks to slow down; retry later or lower --jobs",
        ErrorKind::Unsupported => "this backend cannot do that; see `cloud --help`",
        _ => return None,
    })
}

/// The error on one line, followed by what to do about it.
pub(crate) fn message(error: &Error) -> String {
    // `Error`'s Display is one line already; hints are too.
    match hint(error.kind()) {
        Some(hint) => format!("{error} ({hint})"),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_by_what_the_user_does_next() {
        assert_eq!(code(ErrorKind::Unauthenticated), UNAUTHENTICATED);
        assert_eq!(code(ErrorKind::NotFound), NOT_FOUND);
        assert_eq!(code(ErrorKind::InvalidConfig), INVALID_CONFIG);
        assert_eq!(code(ErrorKind::Dispatch), TRANSIENT);
        assert_eq!(code(ErrorKind::Service), UNEXPECTED);
        let message = message(&Error::new(ErrorKind::Unauthenticated, "bad\nsignature"));
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("AWS_SECRET_ACCESS_KEY"), "{message}");
    }
}
