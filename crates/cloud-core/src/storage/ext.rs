//! [`StorageClientExt`]: conveniences over any [`StorageClient`], implemented once for all.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{StreamExt, TryStreamExt};

use std::time::Duration;

use futures::stream::BoxStream;

use super::transfer::{self, DownloadOptions};
use super::{
    CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions, GetResult, HeadOptions, ListEntry, ListOptions,
    ObjectMeta, PresignMethod, PresignOptions, PresignedUrl, PutOptions, PutPayload, PutResult, StorageClient,
};
use crate::{Error, ErrorKind, Result};

/// The chunk size used when streaming a file into an upload.
pub const DEFAULT_COPY_BUFFER: usize = 1 << 20;

/// A progress callback of [`StorageClientExt::upload_file_with_progress`]: the bytes the
/// destination has acknowledged so far, and the total if known.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// Conveniences for every [`StorageClient`]: the short forms of the calls that take options
/// (`head`, `delete`, `copy`, `presign_get`/`presign_put`, `list_objects`), files, bytes,
/// `ensure_bucket`, prefix deletion.
///
/// Implemented for every `StorageClient` (including `dyn StorageClient`); you MUST NOT implement
/// it yourself.
///
/// ```no_run
/// # async fn demo(store: &dyn cloud_core::StorageClient) -> cloud_core::Result<()> {
/// use cloud_core::StorageClientExt;
/// store.ensure_bucket("reports").await?;
/// store.put_bytes("reports", "2026/q3.csv", "a,b\n1,2\n").await?;
/// assert_eq!(store.get_bytes("reports", "2026/q3.csv").await?, "a,b\n1,2\n");
/// assert_eq!(store.head("reports", "2026/q3.csv").await?.size, 8);
/// store.copy("reports", "2026/q3.csv", "reports", "latest.csv").await?;
/// store.delete("reports", "2026/q3.csv").await?;
/// # Ok(()) }
/// ```
#[async_trait]
pub trait StorageClientExt: StorageClient {
    /// An object's metadata, without conditions.
    ///
    /// # Errors
    /// As [`StorageClient::head_object`].
    async fn head(&self, bucket: &str, key: &str) -> Result<ObjectMeta> {
        self.head_object(bucket, key, HeadOptions::default()).await
    }

    /// Deletes an object.
    ///
    /// # Errors
    /// As [`StorageClient::delete_object`].
    async fn delete(&self, bucket: &str, key: &str) -> Result<()> {
        self.delete_object(bucket, key, DeleteOptions::default()).await
    }

    /// Copies an object, replacing the destination.
    ///
    /// # Errors
    /// As [`StorageClient::copy_object`].
    async fn copy(&self, src_bucket: &str, src_key: &str, dst_bucket: &str, dst_key: &str) -> Result<()> {
        self.copy_object(src_bucket, src_key, dst_bucket, dst_key, CopyOptions::default()).await
    }

    /// A URL to download one object until `expires_in` has passed.
    ///
    /// # Errors
    /// As [`StorageClient::presign`].
    async fn presign_get(&self, bucket: &str, key: &str, expires_in: Duration) -> Result<PresignedUrl> {
        self.presign(PresignMethod::Get, bucket, key, PresignOptions::new(expires_in)).await
    }

    /// A URL to upload one object until `expires_in` has passed.
    ///
    /// # Errors
    /// As [`StorageClient::presign`].
    async fn presign_put(&self, bucket: &str, key: &str, expires_in: Duration) -> Result<PresignedUrl> {
        self.presign(PresignMethod::Put, bucket, key, PresignOptions::new(expires_in)).await
    }

    /// The objects whose keys start with `options.prefix`, in key order: the listing of
    /// [`StorageClient::list_entries`] without a delimiter.
    ///
    /// # Errors
    /// As [`StorageClient::list_entries`]; a delimiter in `options` is `InvalidInput` (common
    /// prefixes are not objects: use `list_entries`).
    fn list_objects(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ObjectMeta>> {
        if options.delimiter.is_some() {
            let err = Error::invalid_input("list_objects lists objects only; list with a delimiter with list_entries");
            return futures::stream::once(async move { Err(err) }).boxed();
        }
        self.list_entries(bucket, options)
            .map(|entry| match entry? {
                ListEntry::Object(meta) => Ok(meta),
                ListEntry::Prefix(prefix) => Err(Error::new(
                    ErrorKind::ResponseInvalid,
                    format!("a listing without a delimiter returned the common prefix {prefix:?}"),
                )),
            })
            .boxed()
    }

    /// Stores `bytes` under `key` with default options.
    ///
    /// # Errors
    /// As [`StorageClient::put_object`].
    async fn put_bytes(&self, bucket: &str, key: &str, bytes: impl Into<Bytes> + Send) -> Result<PutResult> {
        self.put_object(bucket, key, PutPayload::from_bytes(bytes), PutOptions::default()).await
    }

    /// Reads a whole object into memory.
    ///
    /// # Errors
    /// As [`StorageClient::get_object`].
    async fn get_bytes(&self, bucket: &str, key: &str) -> Result<Bytes> {
        self.get_object(bucket, key, GetOptions::default()).await?.bytes().await
    }

    /// Creates the bucket unless it exists; returns whether it was created.
    ///
    /// # Errors
    /// As [`StorageClient::create_bucket`], except `AlreadyExists`.
    async fn ensure_bucket(&self, bucket: &str) -> Result<bool> {
        if self.bucket_exists(bucket).await? {
            return Ok(false);
        }
        match self.create_bucket(bucket, CreateBucketOptions::default()).await {
            Ok(()) => Ok(true),
            // Someone else created it between the check and the create: fine.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Uploads a file, streaming it in chunks of [`DEFAULT_COPY_BUFFER`] bytes.
    ///
    /// # Errors
    /// `NotFound` if the file does not exist; any error of [`StorageClient::put_object`].
    async fn upload_file(&self, bucket: &str, key: &str, path: &Path, options: PutOptions) -> Result<PutResult> {
        self.upload_file_with_progress(bucket, key, path, options, None).await
    }

    /// Uploads a file, calling `progress` with the bytes the destination has acknowledged so far
    /// and the file's size.
    ///
    /// The count is that of [`PutOptions::progress`] (see [`PutProgress`](super::PutProgress)):
    /// it grows as parts are acknowledged by the server, not as the file is read, and reaches
    /// the file's size only once all of it is stored. A callback already set in `options` is called too.
    ///
    /// # Errors
    /// As [`StorageClientExt::upload_file`].
    async fn upload_file_with_progress(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        mut options: PutOptions,
        progress: Option<Progress>,
    ) -> Result<PutResult> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::from(e).with_operation(format!("open {}", path.display())))?;
        let size = file.metadata().await?.len();
        if let Some(progress) = progress {
            let earlier = options.progress.take();
            options = options.with_progress(move |acknowledged| {
                if let Some(earlier) = &earlier {
                    earlier.report(acknowledged);
                }
                progress(acknowledged, Some(size));
            });
        }
        let stream =
            tokio_util::io::ReaderStream::with_capacity(file, DEFAULT_COPY_BUFFER).map_err(Error::from).boxed();
        self.put_object(bucket, key, PutPayload::from_stream(stream, Some(size)), options).await
    }

    /// Downloads an object to a file with 8 MiB parts, [`DEFAULT_FILE_CONCURRENCY`] (8) in flight,
    /// and returns its metadata. See [`download_file_with`](Self::download_file_with).
    ///
    /// A part written to a file holds at most 1 MiB in memory while it arrives, so a file download
    /// runs twice as many parts as [`DownloadOptions::default`] (which suits
    /// [`get_object_read_ahead`](Self::get_object_read_ahead), where every part in flight is held
    /// whole).
    ///
    /// [`DEFAULT_FILE_CONCURRENCY`]: super::DEFAULT_FILE_CONCURRENCY
    ///
    /// # Errors
    /// As [`StorageClientExt::download_file_with`].
    async fn download_file(&self, bucket: &str, key: &str, path: &Path) -> Result<ObjectMeta> {
        let options = DownloadOptions::default().with_concurrency(super::DEFAULT_FILE_CONCURRENCY);
        self.download_file_with(bucket, key, path, options).await
    }

    /// Downloads an object to a file and returns its metadata; an object larger than one part
    /// comes as concurrent ranged GETs where the backend reads ranges.
    ///
    /// The first GET gives the object's size and ETag and its first part; the other parts are
    /// ranged GETs pinned to that ETag (`if_match` where the backend evaluates it, and every
    /// answer's ETag compared), at most `options.concurrency` in flight, each written at its
    /// offset as it arrives, so memory stays bounded (about 1 MiB per part in flight) whatever
    /// the object's size. An object replaced during the download is an error, never a file
    /// mixing two versions.
    ///
    /// The data goes to a new temporary file beside `path` (a unique name, created with
    /// `create_new`, so concurrent downloads to one path never share it and nothing planted at
    /// the name is followed), renamed into place once complete, so a failed download never leaves
    /// a truncated file (nor destroys an existing one). The number of bytes of every part, and
    /// the file's final length, are checked against the object's size before the file is
    /// published.
    ///
    /// ```no_run
    /// # async fn demo(store: &dyn cloud_core::StorageClient) -> cloud_core::Result<()> {
    /// use cloud_core::StorageClientExt;
    /// use cloud_core::storage::DownloadOptions;
    /// let options = DownloadOptions::default().with_part_size(16 << 20).with_concurrency(8);
    /// let meta = store.download_file_with("backups", "disk.img", "disk.img".as_ref(), options).await?;
    /// println!("{} bytes", meta.size);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` for unusable options or a path without a file name, before any request;
    /// as [`StorageClient::get_object`]; `PreconditionFailed` when the object changed during the
    /// download; `ResponseInvalid` when a body is shorter or longer than asked; local I/O
    /// errors.
    async fn download_file_with(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        options: DownloadOptions,
    ) -> Result<ObjectMeta> {
        options.validate()?;
        transfer::download_to_file(&transfer::Object { store: self, bucket, key }, path, &options).await
    }

    /// Reads a whole object as a stream fetched ahead in concurrent ranged parts, delivered in
    /// order: an opt-in replacement for a plain `get_object` when the consumer is faster than
    /// one connection.
    ///
    /// Parts are pinned to the object's ETag as in
    /// [`download_file_with`](Self::download_file_with); at most `options.concurrency` parts
    /// are fetched or held at once, so the stream holds about `part_size × concurrency` bytes
    /// (32 MiB with the defaults). An object no larger than one part is one plain GET.
    ///
    /// ```no_run
    /// # async fn demo(store: std::sync::Arc<dyn cloud_core::StorageClient>) -> cloud_core::Result<()> {
    /// use cloud_core::StorageClientExt;
    /// use cloud_core::storage::DownloadOptions;
    /// use futures::TryStreamExt;
    /// let object = store.get_object_read_ahead("logs", "2026-12-01.jsonl", DownloadOptions::default()).await?;
    /// let mut body = object.into_stream();
    /// while let Some(chunk) = body.try_next().await? {
    ///     println!("{} bytes", chunk.len());
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`StorageClientExt::download_file_with`]; errors after the first answer come through
    /// the stream.
    async fn get_object_read_ahead(
        self: Arc<Self>,
        bucket: &str,
        key: &str,
        options: DownloadOptions,
    ) -> Result<GetResult> {
        options.validate()?;
        let source = transfer::OwnedObject { store: self, bucket: bucket.to_owned(), key: key.to_owned() };
        let (meta, range, body) = transfer::read_ahead(Arc::new(source), &options).await?;
        Ok(GetResult::new(meta, range, body))
    }

    /// Deletes every object whose key starts with `prefix`; returns how many were deleted.
    ///
    /// Objects that vanish while this runs are not errors.
    ///
    /// # Errors
    /// The first failure of listing or deleting; objects deleted before it stay deleted.
    async fn delete_prefix(&self, bucket: &str, prefix: &str) -> Result<u64> {
        let mut listing = self.list_objects(bucket, ListOptions::default().with_prefix(prefix));
        let mut deleted = 0;
        while let Some(meta) = listing.try_next().await? {
            match self.delete(bucket, &meta.key).await {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(deleted)
    }

    /// Every key under `prefix`, collected (the Python client's `list_objects`; prefer the stream).
    ///
    /// # Errors
    /// As [`StorageClientExt::list_objects`].
    async fn list_keys(&self, bucket: &str, prefix: &str) -> Result<Vec<String>> {
        self.list_objects(bucket, ListOptions::default().with_prefix(prefix)).map_ok(|m| m.key).try_collect().await
    }
}

impl<T: StorageClient + ?Sized> StorageClientExt for T {}
