//! [`BucketStore`] for `object_store` 0.13 (feature `object-store-0-13`): the same source as
//! [`super::BucketStore`], compiled against the older crate, for engines that have not moved to
//! 0.14 yet (DataFusion 55 depends on `object_store` 0.13).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use cloud_core::adapter::object_store_0_13::BucketStore;
//! use cloud_core::{MemoryStorage, StorageClientExt};
//! // The crate DataFusion 55 re-exports as `datafusion::object_store`.
//! use object_store_0_13::{ObjectStore, ObjectStoreExt, path::Path};
//!
//! let client = Arc::new(MemoryStorage::new());
//! client.ensure_bucket("lake").await?;
//! let store: Arc<dyn ObjectStore> = Arc::new(BucketStore::new(client.clone(), "lake"));
//! store.put(&Path::from("t1/part-0.csv"), "a,b\n1,2\n".into()).await.unwrap();
//! assert_eq!(client.get_bytes("lake", "t1/part-0.csv").await?, "a,b\n1,2\n");
//! # Ok::<(), cloud_core::Error>(()) }).unwrap();
//! ```

use ::object_store_0_13 as os;
use os::MultipartId;
use os::multipart::{MultipartStore, PartId};
use os::path::Path;

#[allow(clippy::duplicate_mod, reason = "the same adapter, compiled against a second object_store version")]
#[path = "store.rs"]
mod store;

pub use store::BucketStore;

// What differs between the `object_store` versions the adapter is built for (0.13 results
// carry no extensions; its `MultipartStore` has no `create_multipart_opts`); the parent
// module has the same items for 0.14.

fn put_result(e_tag: Option<String>) -> os::PutResult {
    os::PutResult { e_tag, version: None }
}

fn list_result(common_prefixes: Vec<os::path::Path>, objects: Vec<os::ObjectMeta>) -> os::ListResult {
    os::ListResult { common_prefixes, objects }
}

fn get_result(
    payload: os::GetResultPayload,
    meta: os::ObjectMeta,
    range: std::ops::Range<u64>,
    attributes: os::Attributes,
) -> os::GetResult {
    os::GetResult { payload, meta, range, attributes }
}

/// Parts staged as objects, as in 0.14's [`super::BucketStore`].
#[async_trait::async_trait]
impl MultipartStore for BucketStore {
    async fn create_multipart(&self, path: &Path) -> os::Result<MultipartId> {
        self.staged_create(path, os::PutMultipartOptions::default()).await
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
