//! Compatibility names: the method names of the Python `google-cloud-storage` client that programs
//! written against it know (`upload_blob`, `download_blob`, `list_blobs`, `get_metadata`,
//! `ensure_bucket`), each a thin documented convenience over the JSON API calls the
//! [`StorageClient`](cloud_core::StorageClient) implementation uses. New code should prefer the
//! trait.

use std::collections::BTreeMap;

use bytes::Bytes;
use cloud_core::storage::{ObjectMeta, PutPayload};
use cloud_core::{ErrorKind, Result};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};

use crate::client::{GcsClient, ListEntry, ListQuery};
use crate::generation::GcsPreconditions;
use crate::model::NewObject;
use crate::upload::Upload;

/// The location `ensure_bucket` creates buckets in.
pub const COMPAT_BUCKET_LOCATION: &str = "US";

impl GcsClient {
    /// Stores `data` as `bucket/name`, replacing any object of that name (compatibility name of
    /// `Blob.upload_from_*`); returns the stored object's metadata.
    ///
    /// # Errors
    /// As [`StorageClient::put_object`](cloud_core::StorageClient::put_object).
    ///
    /// ```no_run
    /// # async fn demo(gcs: cloud_gcp::GcsClient) -> cloud_core::Result<()> {
    /// let meta = gcs.upload_blob("my-bucket", "notes/today.txt", "hello", Some("text/plain")).await?;
    /// assert_eq!(meta.size, 5);
    /// # Ok(()) }
    /// ```
    pub async fn upload_blob(
        &self,
        bucket: &str,
        name: &str,
        data: impl Into<PutPayload>,
        content_type: Option<&str>,
    ) -> Result<ObjectMeta> {
        let metadata = NewObject { name, content_type, ..NewObject::default() };
        let upload = Upload { bucket, metadata, conditions: GcsPreconditions::default(), progress: None };
        self.upload(upload, data.into()).await?.to_meta()
    }

    /// The whole content of `bucket/name`, in memory (compatibility name of
    /// `Blob.download_as_bytes`; use `get_object` to stream large objects).
    ///
    /// # Errors
    /// `NotFound` if the bucket or object does not exist; `ResponseInvalid` if the body does not
    /// match the object's CRC32C.
    pub async fn download_blob(&self, bucket: &str, name: &str) -> Result<Bytes> {
        let (_, span, body) = self.download(bucket, name, None, GcsPreconditions::default()).await?;
        let mut buffer = bytes::BytesMut::with_capacity(usize::try_from(span.end - span.start).unwrap_or(0));
        let mut body = body;
        while let Some(chunk) = body.try_next().await? {
            buffer.extend_from_slice(&chunk);
        }
        Ok(buffer.freeze())
    }

    /// The objects of `bucket` whose names start with `prefix`, as a stream over every page
    /// (compatibility name of `Client.list_blobs`).
    ///
    /// ```no_run
    /// # async fn demo(gcs: cloud_gcp::GcsClient) -> cloud_core::Result<()> {
    /// use futures::TryStreamExt;
    /// let names: Vec<String> = gcs.list_blobs("my-bucket", Some("notes/")).map_ok(|m| m.key).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn list_blobs(&self, bucket: &str, prefix: Option<&str>) -> BoxStream<'static, Result<ObjectMeta>> {
        let query = ListQuery { prefix: prefix.map(str::to_owned), ..ListQuery::default() };
        self.entry_stream(bucket, query)
            .try_filter_map(|entry| async move {
                match entry {
                    ListEntry::Object(object) => object.to_meta().map(Some),
                    ListEntry::Prefix(_) => Ok(None),
                }
            })
            .boxed()
    }

    /// The custom metadata of `bucket/name` (compatibility name of `Blob.metadata`); empty when
    /// the object has none.
    ///
    /// # Errors
    /// `NotFound` if the bucket or object does not exist.
    pub async fn get_metadata(&self, bucket: &str, name: &str) -> Result<BTreeMap<String, String>> {
        let object = self.object(bucket, name, GcsPreconditions::default()).await?;
        Ok(object.metadata.unwrap_or_default())
    }

    /// Creates `bucket` in the `US` multi-region unless it exists; `true` when it was created.
    /// Someone else creating it at the same moment counts as existing.
    ///
    /// # Errors
    /// As [`StorageClient::create_bucket`](cloud_core::StorageClient::create_bucket).
    pub async fn ensure_bucket(&self, bucket: &str) -> Result<bool> {
        if self.bucket_found(bucket).await? {
            return Ok(false);
        }
        match self.insert_bucket(bucket, COMPAT_BUCKET_LOCATION).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    }
}
