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
/// The bucket, object, server or zone does not exist.
pub(crate) const NOT_FOUND: u8 = 5;
/// The destination exists, a precondition did not hold, or the server's state does not allow the
/// action.
pub(crate) const CONFLICT: u8 = 6;
/// The backend does not support the operation.
pub(crate) const UNSUPPORTED: u8 = 7;
/// The service could not be reached in time, did not finish in time (`--wait`), or asked to slow
/// down: trying again may work.
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

/// Which services a command talks to, for the advice that follows an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Area {
    /// Object storage: `ls`, `cp`, `sync` …
    Storage,
    /// Servers: `compute …`.
    Compute,
    /// DNS zones and records: `dns …`.
    Dns,
}

/// The OpenStack credentials, as the crates read them.
const OPENSTACK_CREDENTIALS: &str = "OS_CLOUD and its clouds.yaml, or OS_AUTH_URL with OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET (or OS_USERNAME and OS_PASSWORD), or INFOMANIAK_APP_CREDENTIAL_ID and INFOMANIAK_APP_CREDENTIAL_SECRET";

/// What to do about an error of `kind` met by a command of `area`, if there is more to say than
/// its message.
fn hint(kind: ErrorKind, area: Area) -> Option<String> {
    let storage = area == Area::Storage;
    Some(match kind {
        ErrorKind::Unauthenticated if storage => "check the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for s3://, OS_CLOUD and its clouds.yaml (or OS_*) for swift://".to_owned(),
        ErrorKind::Unauthenticated => format!("check the OpenStack credentials: {OPENSTACK_CREDENTIALS}"),
        ErrorKind::PermissionDenied => "the credentials are valid but not allowed to do this; ask for access".to_owned(),
        ErrorKind::NotFound => match area {
            Area::Storage => "check the bucket and key with `cloud ls`",
            Area::Compute => "see the servers with `cloud compute ls`",
            Area::Dns => "see the zones with `cloud dns zones`",
        }
        .to_owned(),
        ErrorKind::AlreadyExists => "the destination exists; remove it first or choose another name".to_owned(),
        ErrorKind::Conflict if area == Area::Compute => {
            "the server's state does not allow this now; see it with `cloud compute ls`".to_owned()
        }
        ErrorKind::Dispatch | ErrorKind::Timeout if storage => {
            "the service did not answer; check the endpoint (AWS_ENDPOINT_URL, the auth URL of clouds.yaml) and the network, then retry".to_owned()
        }
        ErrorKind::Timeout if area == Area::Compute => {
            "it did not finish in time; retry, give --wait a longer --timeout, or check the auth URL (OS_AUTH_URL or auth_url in clouds.yaml) and the network".to_owned()
        }
        ErrorKind::Dispatch | ErrorKind::Timeout => {
            "the service did not answer; check the auth URL (OS_AUTH_URL or auth_url in clouds.yaml) and the network, then retry".to_owned()
        }
        ErrorKind::RateLimited => "the service asks to slow down; retry later or lower --jobs".to_owned(),
        ErrorKind::Unsupported => "this backend cannot do that; see `cloud --help`".to_owned(),
        _ => return None,
    })
}

/// The error on one line, followed by what to do about it.
pub(crate) fn message(error: &Error, area: Area) -> String {
    // `Error`'s Display is one line already; hints are too.
    match hint(error.kind(), area) {
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
        let message = message(&Error::new(ErrorKind::Unauthenticated, "bad\nsignature"), Area::Storage);
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("AWS_SECRET_ACCESS_KEY"), "{message}");
    }

    #[test]
    fn advice_names_the_commands_and_variables_of_the_area() {
        let refused = Error::new(ErrorKind::Unauthenticated, "The request you have made requires authentication.");
        for area in [Area::Compute, Area::Dns] {
            let message = message(&refused, area);
            assert!(message.contains("OS_CLOUD") && message.contains("OS_APPLICATION_CREDENTIAL_SECRET"), "{message}");
            assert!(!message.contains("AWS_"), "{message}");
        }
        let missing = Error::not_found("no server has the name or id \"web\"");
        assert!(message(&missing, Area::Compute).ends_with("(see the servers with `cloud compute ls`)"));
        assert!(message(&missing, Area::Dns).ends_with("(see the zones with `cloud dns zones`)"));
        let slow = Error::new(ErrorKind::Timeout, "server x did not reach SHUTOFF");
        assert!(message(&slow, Area::Compute).contains("--timeout"));
    }
}
