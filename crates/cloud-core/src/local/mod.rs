//! Local storage backends on `object_store`: [`LocalStorage`] (a directory) and [`MemoryStorage`].
//!
//! Both implement [`StorageClient`](crate::StorageClient) with provider
//! [`CloudProvider::Local`](crate::CloudProvider::Local), pass the whole storage conformance suite,
//! and declare their [`StorageCapabilities`]: everything but presigned URLs (and, for
//! `LocalStorage`, replacing an object only if its ETag matches).
//!
//! Layout: `codec` maps keys to `object_store` paths, `common` holds the listing, body and upload
//! machinery both use, `sidecar` keeps the content types and metadata of `LocalStorage`, and
//! `error` is the one mapping of `object_store` errors.

mod codec;
mod common;
mod error;
mod fs;
mod memory;
mod sidecar;

pub use fs::LocalStorage;
pub use memory::MemoryStorage;

use crate::storage::StorageCapabilities;

/// What `MemoryStorage` supports: everything but presigned URLs.
const MEMORY_CAPABILITIES: StorageCapabilities = StorageCapabilities {
    list_buckets: true,
    create_bucket: true,
    copy: true,
    range_reads: true,
    user_metadata: true,
    content_type: true,
    list_page_size: true,
    presign_get: false,
    presign_put: false,
    presign_max_expiry: None,
    max_object_size: None,
    put_if_not_exists: true,
    put_if_match: true,
    if_match: true,
    if_none_match: true,
    if_modified_since: true,
    if_unmodified_since: true,
    copy_if_not_exists: true,
    list_delimiter: true,
    list_delimiter_multi_char: true,
    list_start_after: true,
    cache_control: true,
    content_disposition: true,
    content_encoding: true,
    content_language: true,
    // Puts are staged apart (a staging file, a separate buffer) and swapped in whole.
    put_last_writer_wins: true,
};

/// What `LocalStorage` supports: as `MemoryStorage`, except replacing an object only if its
/// ETag matches, which a file system cannot do atomically across processes.
const LOCAL_CAPABILITIES: StorageCapabilities = StorageCapabilities { put_if_match: false, ..MEMORY_CAPABILITIES };

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug + std::fmt::Display>() {}

    #[test]
    fn backends_are_shareable() {
        assert_send_sync::<LocalStorage>();
        assert_send_sync::<MemoryStorage>();
    }
}
