//! Local storage backends on `object_store`: [`LocalStorage`] (a directory) and [`MemoryStorage`].
//!
//! Both implement [`StorageClient`](crate::StorageClient) with provider
//! [`CloudProvider::Local`](crate::CloudProvider::Local), pass the whole storage conformance suite,
//! and declare the same [`StorageCapabilities`]: everything but presigned URLs.
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

/// What both local backends support.
const LOCAL_CAPABILITIES: StorageCapabilities = StorageCapabilities {
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
};

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
