//! [`BucketStore`]: any [`StorageClient`](crate::StorageClient) and a bucket as an
//! [`object_store::ObjectStore`] (feature `object-store`), for the engines that read object
//! storage through `object_store` (DataFusion, Polars, delta-rs, lance …).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use cloud_core::adapter::BucketStore;
//! use cloud_core::{MemoryStorage, StorageClientExt};
//! use object_store::{ObjectStoreExt, path::Path};
//!
//! let client = Arc::new(MemoryStorage::new());
//! client.ensure_bucket("lake").await?;
//! let store = BucketStore::new(client.clone(), "lake").with_prefix("tables/")?;
//! store.put(&Path::from("t1/part-0.csv"), "a,b\n1,2\n".into()).await.unwrap();
//! assert_eq!(client.get_bytes("lake", "tables/t1/part-0.csv").await?, "a,b\n1,2\n");
//! # Ok::<(), cloud_core::Error>(()) }).unwrap();
//! ```
//!
//! # Mapping
//!
//! - A location `a/b.parquet` is the key `<prefix>a/b.parquet` of the bucket; keys that are not
//!   valid `object_store` paths (none are, among valid keys) are skipped by listings.
//! - Errors keep their meaning: `NotFound`, `AlreadyExists`, `Precondition`, `NotModified`;
//!   `Unsupported` is `NotImplemented` (what `object_store` callers test for); the rest is
//!   `Generic`, with the [`Error`](crate::Error) as source.
//! - Conditional puts (`PutMode::Create`, `PutMode::Update`) and reads (`if_match` …), copies if
//!   not exists, ranges, delimiter listings and offsets map to the
//!   [`StorageClient`](crate::StorageClient) options; what the backend cannot honour is
//!   `NotImplemented`, never ignored.
//! - Attributes: content type, `Cache-Control`, `Content-Disposition`, `Content-Encoding`,
//!   `Content-Language` and user metadata. Metadata keys follow the portable rule of
//!   [`validate_metadata`](crate::storage::validate_metadata) (`a-z`, `0-9`, `-`); a put with
//!   other keys is `NotImplemented`. Tags and versions are `NotImplemented`.
//! - `put_multipart` streams the parts, in the order they were given, into one
//!   [`StorageClient::put_object`](crate::StorageClient::put_object) (so the backend's own
//!   large-object machinery applies: S3 multipart uploads, Swift SLOs, staged files, Azure
//!   blocks): nothing is visible until `complete`, and `abort` leaves nothing.
//! - [`MultipartStore`]: parts, which may come in any
//!   order and from several processes, are staged as objects under
//!   `<prefix>.cloud-multipart/<upload id>/` (hidden from this store's listings), then streamed in
//!   order into the final object by `complete_multipart`, and deleted.
//!
//! # `object_store` versions
//!
//! [`BucketStore`] implements the traits of `object_store` 0.14. Engines that still depend on
//! 0.13 (DataFusion 55) take [`object_store_0_13::BucketStore`] (feature `object-store-0-13`):
//! the same source compiled against 0.13.

use ::object_store as os;
use os::MultipartId;
use os::multipart::{MultipartStore, PartId};
use os::path::Path;

#[path = "store.rs"]
mod store;

pub use store::BucketStore;

// What differs between the `object_store` versions the adapter is built for; the
// `object_store_0_13` module has the same items for 0.13.

fn put_result(e_tag: Option<String>) -> os::PutResult {
    os::PutResult { e_tag, version: None, extensions: Default::default() }
}

fn list_result(common_prefixes: Vec<os::path::Path>, objects: Vec<os::ObjectMeta>) -> os::ListResult {
    os::ListResult { common_prefixes, objects, extensions: Default::default() }
}

fn get_result(
    payload: os::GetResultPayload,
    meta: os::ObjectMeta,
    range: std::ops::Range<u64>,
    attributes: os::Attributes,
) -> os::GetResult {
    os::GetResult { payload, meta, range, attributes, extensions: Default::default() }
}

/// Parts staged as objects (see the mapping above); 0.14's trait adds `create_multipart_opts`.
#[async_trait::async_trait]
impl MultipartStore for BucketStore {
    async fn create_multipart(&self, path: &Path) -> os::Result<MultipartId> {
        self.staged_create(path, os::PutMultipartOptions::default()).await
    }

    async fn create_multipart_opts(&self, path: &Path, opts: os::PutMultipartOptions) -> os::Result<MultipartId> {
        self.staged_create(path, opts).await
    }

    async fn put_part(
        &self,
        path: &Path,
        id: &MultipartId,
        part_idx: usize,
        data: os::PutPayload,
    ) -> os::Result<PartId> {
        self.staged_put_part(path, id, part_idx, data).await
    }

    async fn complete_multipart(&self, path: &Path, id: &MultipartId, parts: Vec<PartId>) -> os::Result<os::PutResult> {
        self.staged_complete(path, id, parts).await
    }

    async fn abort_multipart(&self, path: &Path, id: &MultipartId) -> os::Result<()> {
        self.staged_abort(path, id).await
    }
}

#[cfg(feature = "object-store-0-13")]
pub mod object_store_0_13;
