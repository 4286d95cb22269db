//! The one mapping from `object_store` (and local I/O) failures to [`Error`].

use crate::{CloudProvider, Error, ErrorKind};

/// Maps an `object_store` error of `operation` to an [`Error`] of provider `Local`.
///
/// | `object_store` | kind |
/// |---|---|
/// | `NotFound` | `NotFound` |
/// | `AlreadyExists` | `AlreadyExists` |
/// | `Precondition` | `PreconditionFailed` |
/// | `NotModified` | `NotModified` |
/// | `NotSupported`, `NotImplemented` | `Unsupported` |
/// | `InvalidPath` | `InvalidInput` |
/// | `PermissionDenied` | `PermissionDenied` |
/// | `Unauthenticated` | `Unauthenticated` |
/// | `UnknownConfigurationKey` | `InvalidConfig` |
/// | anything else wrapping an I/O error | as [`io_kind`] |
/// | anything else | `Unexpected` |
pub(crate) fn map_store_error(err: object_store::Error, operation: &'static str) -> Error {
    use object_store::Error as E;
    let kind = match &err {
        E::NotFound { .. } => ErrorKind::NotFound,
        E::AlreadyExists { .. } => ErrorKind::AlreadyExists,
        E::Precondition { .. } => ErrorKind::PreconditionFailed,
        E::NotModified { .. } => ErrorKind::NotModified,
        E::NotSupported { .. } | E::NotImplemented { .. } => ErrorKind::Unsupported,
        E::InvalidPath { .. } => ErrorKind::InvalidInput,
        E::PermissionDenied { .. } => ErrorKind::PermissionDenied,
        E::Unauthenticated { .. } => ErrorKind::Unauthenticated,
        E::UnknownConfigurationKey { .. } => ErrorKind::InvalidConfig,
        other => find_io_error(other).map_or(ErrorKind::Unexpected, io_kind),
    };
    Error::new(kind, err.to_string()).with_source(err).in_context(CloudProvider::Local, operation)
}

/// Maps a local I/O error of `operation` to an [`Error`] of provider `Local`.
pub(crate) fn map_io_error(err: std::io::Error, operation: &'static str) -> Error {
    let kind = io_kind(&err);
    Error::from(err).with_kind(kind).in_context(CloudProvider::Local, operation)
}

/// The kind of an I/O error: as `From<io::Error> for Error`, except that a file standing where a
/// directory is needed (or the reverse) is a `Conflict` — on a file system, key `a` and key `a/b`
/// cannot both exist.
pub(crate) fn io_kind(err: &std::io::Error) -> ErrorKind {
    use std::io::ErrorKind as Io;
    match err.kind() {
        Io::NotADirectory | Io::IsADirectory | Io::DirectoryNotEmpty => ErrorKind::Conflict,
        Io::InvalidFilename => ErrorKind::InvalidInput,
        Io::NotFound => ErrorKind::NotFound,
        Io::AlreadyExists => ErrorKind::AlreadyExists,
        Io::PermissionDenied | Io::ReadOnlyFilesystem => ErrorKind::PermissionDenied,
        Io::StorageFull | Io::QuotaExceeded | Io::FileTooLarge => ErrorKind::QuotaExceeded,
        Io::TimedOut => ErrorKind::Timeout,
        Io::Unsupported => ErrorKind::Unsupported,
        _ => ErrorKind::Unexpected,
    }
}

/// The innermost I/O error in a chain of sources.
fn find_io_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut found = None;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            found = Some(io);
        }
        current = e.source();
    }
    found
}

/// Shorthand for `map_err(|e| e.in_context(Local, operation))` on this crate's own errors.
pub(crate) fn in_local(operation: &'static str) -> impl Fn(Error) -> Error + Copy {
    move |e| e.in_context(CloudProvider::Local, operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_table() {
        let not_found = object_store::Error::NotFound { path: "p".into(), source: "gone".into() };
        let err = map_store_error(not_found, "get_object");
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.provider(), Some(CloudProvider::Local));
        assert_eq!(err.operation(), Some("get_object"));
        assert!(std::error::Error::source(&err).is_some());

        let unsupported = object_store::Error::NotImplemented { operation: "x".into(), implementer: "y".into() };
        assert_eq!(map_store_error(unsupported, "op").kind(), ErrorKind::Unsupported);

        let io = std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory");
        let generic = object_store::Error::Generic { store: "LocalFileSystem", source: Box::new(io) };
        assert_eq!(map_store_error(generic, "put_object").kind(), ErrorKind::Conflict);

        let opaque = object_store::Error::Generic { store: "x", source: "boom".into() };
        assert_eq!(map_store_error(opaque, "op").kind(), ErrorKind::Unexpected);
    }

    #[test]
    fn io_errors_keep_context() {
        let err = map_io_error(std::io::Error::new(std::io::ErrorKind::StorageFull, "full"), "put_object");
        assert_eq!(err.kind(), ErrorKind::QuotaExceeded);
        assert_eq!(err.operation(), Some("put_object"));
    }
}
