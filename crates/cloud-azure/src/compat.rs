//! Compatibility names: the methods of the Python `AzureBlobClient` this crate replaces, kept so
//! that code (and people) used to them find them. Each is a thin, documented wrapper over the
//! same operations as the [`cloud_core::StorageClient`] methods.

use std::collections::BTreeMap;

use bytes::Bytes;
use cloud_core::storage::{ObjectMeta, PutPayload, PutResult};
use cloud_core::storage::{validate_bucket_name, validate_key};
use cloud_core::{ErrorKind, Result};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};

use crate::client::{AzureBlobClient, BlobHeaders, Cond, Entry, Split};
use crate::upload::{BlobWrite, upload};

impl AzureBlobClient {
    /// Uploads a blob, replacing any blob of that name (Python: `upload_blob(data,
    /// overwrite=True, content_settings=ContentSettings(content_type))`).
    ///
    /// `data` is anything that becomes a [`PutPayload`]: bytes in memory, or
    /// [`PutPayload::from_stream`] for a stream of any size.
    ///
    /// # Errors
    /// As [`cloud_core::StorageClient::put_object`].
    pub async fn upload_blob(
        &self,
        container: &str,
        blob: &str,
        data: impl Into<PutPayload>,
        content_type: Option<&str>,
    ) -> Result<PutResult> {
        validate_bucket_name(container)?;
        validate_key(blob)?;
        let write = BlobWrite {
            headers: BlobHeaders { content_type: content_type.map(str::to_owned), ..Default::default() },
            ..Default::default()
        };
        let client = std::sync::Arc::new(self.blob(container, blob).block_blob_client());
        let written = upload(&client, self.transfer(), data.into(), &write).await?;
        Ok(PutResult::new(written.etag, Some(written.size)))
    }

    /// Reads a whole blob into memory (Python: `download_blob().readall()`). For large blobs use
    /// [`cloud_core::StorageClient::get_object`], which streams.
    ///
    /// # Errors
    /// `NotFound` if the container or blob does not exist; `InvalidInput`.
    pub async fn download_blob(&self, container: &str, blob: &str) -> Result<Bytes> {
        validate_bucket_name(container)?;
        validate_key(blob)?;
        let read = self.read(container, blob, None, &Cond::default(), Split::Managed).await?;
        let chunks: Vec<Bytes> = read.body.try_collect().await?;
        Ok(chunks.concat().into())
    }

    /// The blobs whose names start with `name_starts_with`, in name order, as a stream (Python:
    /// `list_blobs(name_starts_with=…)`).
    pub fn list_blobs(
        &self,
        container: &str,
        name_starts_with: Option<&str>,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        if let Err(e) = validate_bucket_name(container) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        self.list_stream(container, name_starts_with.map(str::to_owned), None, None)
            .try_filter_map(|entry| async move {
                Ok(match entry {
                    Entry::Blob(props) => Some(props.into_object_meta()),
                    Entry::Prefix(_) => None,
                })
            })
            .boxed()
    }

    /// A blob's user metadata (Python: `get_blob_properties().metadata`).
    ///
    /// # Errors
    /// `NotFound` if the container or blob does not exist; `InvalidInput`.
    pub async fn get_metadata(&self, container: &str, blob: &str) -> Result<BTreeMap<String, String>> {
        validate_bucket_name(container)?;
        validate_key(blob)?;
        Ok(self.get_properties(container, blob, &Cond::default()).await?.metadata)
    }

    /// Creates the container unless it exists; `true` if this call created it.
    ///
    /// # Errors
    /// `InvalidInput` for a bad name; `Unauthenticated`, `PermissionDenied`; transport kinds.
    pub async fn ensure_container(&self, container: &str) -> Result<bool> {
        validate_bucket_name(container)?;
        match self.create_container(container).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    }
}
