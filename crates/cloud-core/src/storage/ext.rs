//! [`StorageClientExt`]: conveniences over any [`StorageClient`], implemented once for all.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

use std::time::Duration;

use futures::stream::BoxStream;

use super::{
    CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions, HeadOptions, ListEntry, ListOptions, ObjectMeta,
    PresignMethod, PresignOptions, PresignedUrl, PutOptions, PutPayload, PutResult, StorageClient,
};
use crate::{Error, ErrorKind, Result};

/// The chunk size used when streaming a file into an upload.
pub const DEFAULT_COPY_BUFFER: usize = 1 << 20;

/// A progress callback: bytes done so far, and the total if known.
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
            .try_filter_map(|entry| async move {
                match entry {
                    ListEntry::Object(meta) => Ok(Some(meta)),
                    ListEntry::Prefix(prefix) => Err(Error::new(
                        ErrorKind::ResponseInvalid,
                        format!("a listing without a delimiter returned the common prefix {prefix:?}"),
                    )),
                }
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

    /// Uploads a file, calling `progress` after each chunk is read.
    ///
    /// # Errors
    /// As [`StorageClientExt::upload_file`].
    async fn upload_file_with_progress(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        options: PutOptions,
        progress: Option<Progress>,
    ) -> Result<PutResult> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::from(e).with_operation(format!("open {}", path.display())))?;
        let size = file.metadata().await?.len();
        let mut done = 0u64;
        let stream = tokio_util::io::ReaderStream::with_capacity(file, DEFAULT_COPY_BUFFER)
            .map_err(Error::from)
            .inspect_ok(move |chunk| {
                done += chunk.len() as u64;
                if let Some(p) = &progress {
                    p(done, Some(size));
                }
            })
            .boxed();
        self.put_object(bucket, key, PutPayload::from_stream(stream, Some(size)), options).await
    }

    /// Downloads an object to a file, streaming it, and returns its metadata.
    ///
    /// The data goes to a new temporary file beside `path` (a unique name, created with
    /// `create_new`, so concurrent downloads to one path never share it and nothing planted at
    /// the name is followed), renamed into place once complete, so a failed download never leaves
    /// a truncated file (nor destroys an existing one). The number of bytes received is checked
    /// against the object's size before the file is published.
    ///
    /// # Errors
    /// As [`StorageClient::get_object`]; `ResponseInvalid` when the body is shorter or longer
    /// than the object; local I/O errors.
    async fn download_file(&self, bucket: &str, key: &str, path: &Path) -> Result<ObjectMeta> {
        let file_name =
            path.file_name().ok_or_else(|| Error::invalid_input(format!("{} is not a file path", path.display())))?;
        let result = self.get_object(bucket, key, GetOptions::default()).await?;
        let meta = result.meta.clone();
        let expected = result.range.end.saturating_sub(result.range.start);
        let (tmp, mut file) = create_part_file(path, &file_name.to_string_lossy()).await?;
        let write = async {
            let mut body = result.into_stream();
            let mut received: u64 = 0;
            while let Some(chunk) = body.try_next().await? {
                received = received.saturating_add(chunk.len() as u64);
                if received > expected {
                    break;
                }
                file.write_all(&chunk).await?;
            }
            if received != expected {
                return Err(Error::new(
                    ErrorKind::ResponseInvalid,
                    format!("the body of {bucket}/{key} had {received} bytes instead of {expected}"),
                ));
            }
            file.flush().await?;
            file.sync_all().await?;
            Ok::<(), Error>(())
        };
        let written = write.await;
        drop(file);
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        if let Err(e) = tokio::fs::rename(&tmp, path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e.into());
        }
        Ok(meta)
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

/// Creates a new, uniquely named `.{name}.part-{pid}-{random}` file next to `path`.
///
/// `create_new` fails instead of opening anything that already exists at the name (a symlink
/// planted there is not followed), and the random part keeps concurrent downloads to one path
/// apart; a name that exists already is replaced by another.
async fn create_part_file(path: &Path, name: &str) -> Result<(std::path::PathBuf, tokio::fs::File)> {
    let mut last = None;
    for _ in 0..8 {
        let tmp = path.with_file_name(format!(".{name}.part-{}-{:016x}", std::process::id(), rand::random::<u64>()));
        match tokio::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).await {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.map_or_else(|| Error::new(ErrorKind::Unexpected, "no temporary file name was free"), Error::from))
}
