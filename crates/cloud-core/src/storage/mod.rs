//! Object storage: the [`StorageClient`] trait, its models and the [`StorageClientExt`]
//! conveniences.

mod ext;
mod model;
mod options;
pub(crate) mod transfer;
mod validate;

use std::fmt::{Debug, Display};

use async_trait::async_trait;
use futures::stream::BoxStream;

pub use ext::{DEFAULT_COPY_BUFFER, Progress, StorageClientExt};
pub use model::{
    BucketInfo, ByteStream, ContentHeaders, CreateBucketOptions, GetOptions, GetRange, GetResult, ListOptions,
    ObjectMeta, PresignMethod, PresignedUrl, PutOptions, PutPayload, PutProgress, PutResult, StorageCapabilities,
};
pub(crate) use options::unquote;
pub use options::{Conditions, CopyMode, CopyOptions, DeleteOptions, HeadOptions, ListEntry, PresignOptions, PutMode};
pub use transfer::{DEFAULT_CONCURRENCY, DEFAULT_FILE_CONCURRENCY, DEFAULT_PART_SIZE, DownloadOptions};
pub use validate::{validate_bucket_name, validate_key, validate_metadata};

use crate::{CloudProvider, Result};

/// An object store: buckets of objects addressed by key.
///
/// Implemented by every storage backend (`LocalStorage`, `MemoryStorage`, S3, GCS, Azure Blob,
/// Swift, Infomaniak S3) and used as `Arc<dyn StorageClient>`.
///
/// # Contract
///
/// - Bucket names and keys are checked with [`validate_bucket_name`] and [`validate_key`] before
///   anything is sent; a bad one is `InvalidInput` on every backend.
/// - Keys are flat strings: `a/b` is one key, not a directory.
/// - A put replaces the object atomically: readers see the old or the new object, never a mix,
///   and a failed put leaves no partial object behind.
/// - Get, head and delete of a missing object (or an object in a missing bucket) are `NotFound`.
/// - Listings are streams in key order (lexicographic by UTF-8 bytes) and never collect whole
///   listings in memory.
/// - Bodies are streams: an object of any size passes through in bounded memory.
/// - Every call that can grow takes an options struct (`#[non_exhaustive]`, built from
///   `Default` or `new` and `with_*` methods); the short forms live in [`StorageClientExt`].
/// - An option the backend cannot honour (see [`StorageCapabilities`]) is `Unsupported`, never
///   ignored; malformed options (an empty ETag, a start key past every key, a delimiter longer
///   than the backend allows) are `InvalidInput`, both before any request is sent.
/// - Conditional requests: [`PutMode`] and [`CopyMode`] (`AlreadyExists`, `PreconditionFailed`),
///   and [`Conditions`] on get and head (`PreconditionFailed`, `NotModified`).
/// - Upload progress: a put with [`PutOptions::progress`] reports the running total of bytes the
///   server has acknowledged (completed parts, blocks, segments or chunks, or the whole
///   single-request put), never bytes merely read from the payload, and ends with the object's
///   size before a successful put returns (see [`PutProgress`]).
///
/// # Wrappers
///
/// A wrapper (retry, tracing, limits) must forward every method, including `capabilities`.
///
/// Conveniences (files, bytes, `ensure_bucket`, prefix deletion) live in [`StorageClientExt`],
/// implemented for every `StorageClient`; do not implement it yourself.
#[async_trait]
pub trait StorageClient: Debug + Display + Send + Sync + 'static {
    /// The provider behind this client.
    fn provider(&self) -> CloudProvider;

    /// What this backend supports.
    fn capabilities(&self) -> StorageCapabilities;

    /// Every bucket visible to the caller.
    ///
    /// # Errors
    /// `Unsupported` if the backend cannot list buckets; `Unauthenticated`, `PermissionDenied`;
    /// transport kinds (`Timeout`, `Dispatch`).
    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>>;

    /// Creates a bucket.
    ///
    /// # Errors
    /// `InvalidInput` for a bad name; `AlreadyExists` if it exists (owned by the caller);
    /// `Conflict` or `PermissionDenied` if someone else owns the name; `Unsupported`.
    async fn create_bucket(&self, bucket: &str, options: CreateBucketOptions) -> Result<()>;

    /// Deletes an empty bucket.
    ///
    /// # Errors
    /// `NotFound` if it does not exist; `Conflict` if it is not empty; `InvalidInput`.
    async fn delete_bucket(&self, bucket: &str) -> Result<()>;

    /// Whether the bucket exists.
    ///
    /// # Errors
    /// `InvalidInput` for a bad name; `Unauthenticated`; transport kinds. A missing bucket is
    /// `Ok(false)`, not an error.
    async fn bucket_exists(&self, bucket: &str) -> Result<bool>;

    /// Stores an object, replacing any object with the same key (or not: see [`PutMode`]).
    ///
    /// # Errors
    /// `InvalidInput` for a bad bucket name, key, metadata, header value or mode; `Unsupported`
    /// for a mode or content header the backend cannot honour; `NotFound` if the bucket does not
    /// exist; `AlreadyExists` (`PutMode::Create`) or `PreconditionFailed` (`PutMode::Update`);
    /// any error of the payload stream, returned as is after the upload was abandoned.
    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult>;

    /// Reads an object (or a range of it) as a stream, with its metadata (content type, user
    /// metadata and content headers included).
    ///
    /// # Errors
    /// `NotFound` if the bucket or object does not exist; `InvalidInput` for a range that starts
    /// past the end or a malformed condition; `PreconditionFailed` / `NotModified` when a
    /// condition fails; `Unsupported` for a condition the backend cannot evaluate; errors while
    /// streaming come through the body stream.
    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult>;

    /// An object's metadata, including content type, user metadata and content headers.
    ///
    /// # Errors
    /// `NotFound` if the bucket or object does not exist; `InvalidInput`; `PreconditionFailed` /
    /// `NotModified` / `Unsupported` as for [`get_object`](Self::get_object).
    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta>;

    /// Deletes an object.
    ///
    /// # Errors
    /// `NotFound` if the bucket or object does not exist (backends whose API is idempotent check
    /// first); `InvalidInput`.
    async fn delete_object(&self, bucket: &str, key: &str, options: DeleteOptions) -> Result<()>;

    /// The entries of a bucket whose keys start with `options.prefix`, in byte order of their
    /// names, fetched page by page.
    ///
    /// Without a delimiter every entry is a [`ListEntry::Object`]. With a delimiter `d`, a key
    /// `prefix + rest` where `rest` contains `d` is rolled up into one
    /// [`ListEntry::Prefix`]`(prefix + rest[..=first d])`, listed once, in the place its
    /// first key would take. With `start_after`, only entries whose name sorts after it are
    /// listed (a common prefix too: so a listing resumes after the last entry it returned).
    /// [`StorageClientExt::list_objects`] is the short form for listings without a delimiter.
    ///
    /// # Errors
    /// The stream yields `NotFound` if the bucket does not exist; `InvalidInput` for a bad name or
    /// options ([`ListOptions::validate`]); `Unsupported`; transport kinds.
    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>>;

    /// Copies an object, with its content type, user metadata and content headers, within or
    /// across buckets.
    ///
    /// # Errors
    /// `NotFound` if the source (or the destination bucket) does not exist; `AlreadyExists` if
    /// `CopyMode::Create` finds the destination taken; `Unsupported`; `InvalidInput`.
    async fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        dst_key: &str,
        options: CopyOptions,
    ) -> Result<()>;

    /// A URL that lets anyone holding it GET or PUT one object until it expires.
    ///
    /// # Errors
    /// `Unsupported` if the backend cannot presign (see `capabilities().presign_get/put`);
    /// `InvalidInput` if `expires_in` is zero or longer than `capabilities().presign_max_expiry`.
    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        options: PresignOptions,
    ) -> Result<PresignedUrl>;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    fn assert_send<T: Send>() {}

    #[test]
    fn trait_objects_are_usable() {
        assert_send_sync::<Arc<dyn StorageClient>>();
        assert_send_sync::<Box<dyn StorageClient>>();
        assert_send_sync::<crate::Error>();
        // Bodies hold a `BoxStream`, which is `Send` but not `Sync`.
        assert_send::<PutPayload>();
        assert_send::<GetResult>();
    }
}
