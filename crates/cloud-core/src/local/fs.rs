//! [`LocalStorage`]: buckets are the directories of a root directory, objects are files, on
//! `object_store`'s `LocalFileSystem`.

use std::fmt;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetResultPayload, ObjectStore, ObjectStoreExt, PutMultipartOptions};

use super::codec::Codec;
use super::common::{Gates, KeyLocks, ListSpec, file_body, listed_meta, roll_up, slice_body, upload_stream};
use super::error::{in_local, map_io_error, map_store_error};
use super::sidecar::{Attrs, Sidecars, remove_empty_parents, sync_dir};
use crate::storage::{
    BucketInfo, CopyMode, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions, GetResult, HeadOptions,
    ListEntry, ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl, PutMode, PutOptions, PutPayload,
    PutResult, StorageCapabilities, validate_bucket_name, validate_key,
};
use crate::{CloudProvider, Error, ErrorKind, Result, StorageClient};

/// Object storage in a directory: each bucket is a sub-directory of the root, each object a file
/// at its key's path (`photos/cat.jpg` is `<root>/<bucket>/photos/cat.jpg`).
///
/// Built on `object_store`'s `LocalFileSystem`: puts are atomic (a staging file renamed into
/// place; a failed or cancelled upload leaves nothing), bodies stream in both directions in
/// bounded memory, and copies are hard links. It needs a Tokio runtime (file I/O runs on the
/// blocking pool). Clones share the same root.
///
/// # Files on disk
///
/// - Key characters `%` and `#` are written `%25` and `%23` in file names; everything else is kept.
/// - Content types and user metadata live in sidecar files under `<root>/.cloud-meta/`, outside
///   every bucket, so they never show up in listings. `.cloud-meta` can never be a bucket name.
/// - Files that are not the escaping of a valid key (a stray `x#1` staging file, a name with `%41`)
///   are not objects: listings skip them.
///
/// # Limits of a file system
///
/// - A key cannot be both an object and a "directory" of other keys: with `a` stored, a put of
///   `a/b` fails with `Conflict` (and the reverse). Object stores allow both; this backend cannot.
/// - Each segment of a key between `/` may take at most 240 bytes as a file name (`InvalidInput`
///   otherwise).
/// - Listings are sorted in memory: without [`ListOptions::page_size`] a listing holds every
///   matching entry of the walked directory at once; with it, each page is a fresh walk that keeps
///   only that page. Pick a page size for very large buckets.
/// - Presigned URLs are not supported (`Unsupported`).
/// - Symbolic links are not followed: a key whose path meets a link under the root (a linked
///   bucket directory, a linked directory or file inside a bucket) fails with `PermissionDenied`,
///   so no key reaches outside the root. A listing of a linked bucket fails the same way; a
///   listing may still name keys under a linked directory inside a bucket, but they cannot be read.
/// - Puts of one key by this store (and its clones) are serialized, so an object and its
///   metadata always come from the same put; other processes writing under the same root are not
///   coordinated with.
///
/// # Durability
///
/// A put returns once its file is renamed into place, which survives a crash of the process but
/// not necessarily of the machine: the data may still be in the operating system's cache. A store
/// made with [`LocalStorage::new_durable`] syncs each written file, its sidecar and the
/// directories they were renamed into before a put returns, at the cost of slower writes.
/// - A bucket is deleted only once the uploads into it by this store (and its clones) are done;
///   other processes writing under the same root are not coordinated with.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use cloud_core::{LocalStorage, StorageClientExt};
/// let dir = std::env::temp_dir().join(format!("cloud-doc-{}", std::process::id()));
/// let store = LocalStorage::new(&dir)?;
/// store.ensure_bucket("photos").await?;
/// store.put_bytes("photos", "2026/cat.jpg", &b"meow"[..]).await?;
/// assert_eq!(store.get_bytes("photos", "2026/cat.jpg").await?, &b"meow"[..]);
/// assert!(dir.join("photos/2026/cat.jpg").is_file());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cloud_core::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct LocalStorage {
    inner: Arc<Inner>,
}

struct Inner {
    root: PathBuf,
    store: Arc<LocalFileSystem>,
    sidecars: Sidecars,
    gates: Gates,
    locks: KeyLocks,
    fsync: bool,
}

const CODEC: Codec = Codec::Escaped;

impl LocalStorage {
    /// Storage rooted at `root`, which is created if missing.
    ///
    /// # Errors
    /// `InvalidConfig` if `root` cannot be created or is not a directory.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self> {
        Self::open(&root.into(), false)
    }

    /// Storage rooted at `root` (created if missing) that syncs every write to disk before
    /// acknowledging it: a put that returned `Ok` survives a power loss. See
    /// [Durability](LocalStorage#durability).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use cloud_core::{LocalStorage, StorageClientExt};
    /// let dir = std::env::temp_dir().join(format!("cloud-doc-durable-{}", std::process::id()));
    /// let store = LocalStorage::new_durable(&dir)?;
    /// store.ensure_bucket("ledger").await?;
    /// store.put_bytes("ledger", "2026/12/07.csv", &b"a,b\n"[..]).await?; // on disk when this returns
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cloud_core::Error>(()) }).unwrap();
    /// ```
    ///
    /// # Errors
    /// As [`LocalStorage::new`].
    pub fn new_durable(root: impl Into<PathBuf>) -> Result<Self> {
        Self::open(&root.into(), true)
    }

    fn open(root: &FsPath, fsync: bool) -> Result<Self> {
        let unusable = |e: &dyn fmt::Display| {
            Error::invalid_config(format!("cannot use {} as the root of a LocalStorage: {e}", root.display()))
                .in_context(CloudProvider::Local, "new")
        };
        std::fs::create_dir_all(root).map_err(|e| unusable(&e).with_source(e))?;
        let root = std::fs::canonicalize(root).map_err(|e| unusable(&e).with_source(e))?;
        let store = LocalFileSystem::new_with_prefix(&root)
            .map_err(|e| unusable(&e).with_source(e))?
            .with_automatic_cleanup(false)
            .with_fsync(fsync);
        Ok(Self {
            inner: Arc::new(Inner {
                sidecars: Sidecars::new(&root, fsync),
                root,
                store: Arc::new(store),
                gates: Gates::default(),
                locks: KeyLocks::default(),
                fsync,
            }),
        })
    }

    /// Whether writes are synced to disk before they are acknowledged.
    pub fn is_durable(&self) -> bool {
        self.inner.fsync
    }

    /// Fails with `PermissionDenied` when the path of `escaped` in `bucket` meets a symbolic link
    /// (the bucket directory, a directory of the key, or the file itself).
    async fn refuse_links(&self, bucket: &str, escaped: &str, operation: &'static str) -> Result<()> {
        let mut path = self.bucket_dir(bucket);
        let segments: Vec<String> = escaped.split('/').map(str::to_owned).collect();
        blocking(operation, move || {
            let mut segments = segments.iter();
            loop {
                match std::fs::symlink_metadata(&path) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        return Err(Error::new(
                            ErrorKind::PermissionDenied,
                            "the path of this key meets a symbolic link, which LocalStorage does not follow",
                        )
                        .in_context(CloudProvider::Local, operation));
                    }
                    Ok(_) => {}
                    // Nothing further exists, so nothing further can be a link.
                    Err(_) => return Ok(()),
                }
                match segments.next() {
                    Some(segment) => path.push(segment),
                    None => return Ok(()),
                }
            }
        })
        .await
    }

    /// The root directory (canonical).
    pub fn root(&self) -> &FsPath {
        &self.inner.root
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.inner.root.join(bucket)
    }

    async fn bucket_is_dir(&self, bucket: &str, operation: &'static str) -> Result<bool> {
        let dir = self.bucket_dir(bucket);
        blocking(operation, move || match std::fs::metadata(&dir) {
            Ok(meta) => Ok(meta.is_dir()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(map_io_error(e, operation)),
        })
        .await
    }

    async fn require_bucket(&self, bucket: &str, operation: &'static str) -> Result<()> {
        if self.bucket_is_dir(bucket, operation).await? {
            Ok(())
        } else {
            Err(Error::not_found(format!("bucket {bucket:?} does not exist"))
                .in_context(CloudProvider::Local, operation))
        }
    }

    /// Says which of bucket or object is missing when an object lookup is `NotFound`.
    async fn explain_missing(&self, err: Error, bucket: &str, key: &str, operation: &'static str) -> Error {
        if err.kind() != ErrorKind::NotFound {
            return err;
        }
        let message = if self.bucket_is_dir(bucket, operation).await.unwrap_or(true) {
            format!("object {key:?} does not exist in bucket {bucket:?}")
        } else {
            format!("bucket {bucket:?} does not exist")
        };
        Error::not_found(message).with_source(err).in_context(CloudProvider::Local, operation)
    }

    /// The object's `object_store` metadata; `NotFound` for a missing object (or a directory).
    async fn stat(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        operation: &'static str,
    ) -> Result<object_store::ObjectMeta> {
        match self.inner.store.head(path).await {
            Ok(meta) => Ok(meta),
            Err(e) => Err(self.explain_missing(map_store_error(e, operation), bucket, key, operation).await),
        }
    }

    async fn read_attrs(&self, bucket: &str, escaped: String, etag: String, operation: &'static str) -> Result<Attrs> {
        let sidecars = self.inner.sidecars.clone();
        let bucket = bucket.to_owned();
        blocking(operation, move || sidecars.read(&bucket, &escaped, &etag).map_err(|e| map_io_error(e, operation)))
            .await
    }

    async fn write_attrs(
        &self,
        bucket: &str,
        escaped: String,
        etag: String,
        attrs: Attrs,
        operation: &'static str,
    ) -> Result<()> {
        let sidecars = self.inner.sidecars.clone();
        let bucket = bucket.to_owned();
        blocking(operation, move || {
            sidecars.write(&bucket, &escaped, &etag, attrs).map_err(|e| map_io_error(e, operation))
        })
        .await
    }
}

/// A staging name beside `path` for a put in progress; `#` never appears in an escaped key, so
/// a staging file is never listed as an object.
fn staging_path(path: &Path, operation: &'static str) -> Result<Path> {
    Path::parse(format!("{path}#c{:016x}", rand::random::<u64>())).map_err(|e| {
        Error::invalid_input(format!("no staging name for {path}: {e}")).in_context(CloudProvider::Local, operation)
    })
}

/// Runs blocking file-system work on the blocking pool.
async fn blocking<T: Send + 'static>(
    operation: &'static str,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        Error::new(ErrorKind::Unexpected, "a blocking file-system task failed")
            .with_source(e)
            .in_context(CloudProvider::Local, operation)
    })?
}

fn etag_of(meta: &object_store::ObjectMeta) -> String {
    meta.e_tag.as_deref().unwrap_or_default().trim_matches('"').to_owned()
}

fn object_meta(key: &str, meta: &object_store::ObjectMeta, attrs: Attrs) -> ObjectMeta {
    let out = listed_meta(key.to_owned(), meta).with_headers(attrs.headers());
    let out = match attrs.content_type {
        Some(content_type) => out.with_content_type(content_type),
        None => out,
    };
    out.with_metadata(attrs.metadata)
}

fn validate_object(bucket: &str, key: &str, operation: &'static str) -> Result<(String, Path)> {
    validate_bucket_name(bucket).and_then(|()| validate_key(key)).map_err(in_local(operation))?;
    let escaped = CODEC.encode_key(key).map_err(in_local(operation))?;
    let path = CODEC.object_path(bucket, key).map_err(in_local(operation))?;
    Ok((escaped, path))
}

impl fmt::Debug for LocalStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalStorage").field("root", &self.inner.root).finish_non_exhaustive()
    }
}

impl fmt::Display for LocalStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocalStorage({})", self.inner.root.display())
    }
}

#[async_trait]
impl StorageClient for LocalStorage {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Local
    }

    fn capabilities(&self) -> StorageCapabilities {
        super::LOCAL_CAPABILITIES
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        const OP: &str = "list_buckets";
        let root = self.inner.root.clone();
        stream::once(blocking(OP, move || {
            let mut buckets = Vec::new();
            for entry in std::fs::read_dir(&root).map_err(|e| map_io_error(e, OP))? {
                let entry = entry.map_err(|e| map_io_error(e, OP))?;
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
                if validate_bucket_name(&name).is_err() {
                    continue;
                }
                let Ok(meta) = std::fs::metadata(entry.path()) else { continue };
                if !meta.is_dir() {
                    continue;
                }
                let mut info = BucketInfo::new(name);
                if let Ok(time) = meta.created().or_else(|_| meta.modified()) {
                    info = info.with_created_at(DateTime::<Utc>::from(time));
                }
                buckets.push(info);
            }
            buckets.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(buckets)
        }))
        .map_ok(|buckets| stream::iter(buckets.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }

    async fn create_bucket(&self, bucket: &str, _options: CreateBucketOptions) -> Result<()> {
        const OP: &str = "create_bucket";
        validate_bucket_name(bucket).map_err(in_local(OP))?;
        let gate = self.inner.gates.of(bucket);
        let _exclusive = gate.write().await;
        let dir = self.bucket_dir(bucket);
        let sidecars = self.inner.sidecars.clone();
        let name = bucket.to_owned();
        blocking(OP, move || match std::fs::create_dir(&dir) {
            // Sidecars left by a bucket directory removed by hand describe nothing now.
            Ok(()) => sidecars.remove_bucket(&name).map_err(|e| map_io_error(e, OP)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(if dir.is_dir() {
                Error::new(ErrorKind::AlreadyExists, format!("bucket {name:?} already exists"))
            } else {
                Error::new(ErrorKind::Conflict, format!("a file named {name:?} is in the way of the bucket"))
            }
            .in_context(CloudProvider::Local, OP)),
            Err(e) => Err(map_io_error(e, OP)),
        })
        .await
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        const OP: &str = "delete_bucket";
        validate_bucket_name(bucket).map_err(in_local(OP))?;
        let gate = self.inner.gates.of(bucket);
        let _exclusive = gate.write().await;
        self.require_bucket(bucket, OP).await?;
        let spec = ListSpec {
            store: Arc::clone(&self.inner.store) as Arc<dyn ObjectStore>,
            codec: CODEC,
            bucket: bucket.to_owned(),
            prefix: String::new(),
            start_after: None,
        };
        if spec.any().await.map_err(in_local(OP))? {
            return Err(Error::new(ErrorKind::Conflict, format!("bucket {bucket:?} is not empty"))
                .in_context(CloudProvider::Local, OP));
        }
        let dir = self.bucket_dir(bucket);
        let sidecars = self.inner.sidecars.clone();
        let name = bucket.to_owned();
        blocking(OP, move || {
            std::fs::remove_dir_all(&dir).map_err(|e| map_io_error(e, OP))?;
            sidecars.remove_bucket(&name).map_err(|e| map_io_error(e, OP))
        })
        .await
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        const OP: &str = "bucket_exists";
        validate_bucket_name(bucket).map_err(in_local(OP))?;
        self.bucket_is_dir(bucket, OP).await
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        const OP: &str = "put_object";
        let (escaped, path) = validate_object(bucket, key, OP)?;
        options.validate(&super::LOCAL_CAPABILITIES).map_err(in_local(OP))?;
        let gate = self.inner.gates.of(bucket);
        let _shared = gate.read().await;
        self.require_bucket(bucket, OP).await?;
        self.refuse_links(bucket, &escaped, OP).await?;
        let create = options.mode == PutMode::Create;
        let staging = staging_path(&path, OP)?;
        // Stream errors come back as they are; the upload's own errors carry their context.
        let size = match payload.as_bytes() {
            Some(bytes) => {
                let put = self.inner.store.put(&staging, bytes.clone().into()).await;
                put.map_err(|e| map_store_error(e, OP))?;
                bytes.len() as u64
            }
            None => {
                upload_stream(&*self.inner.store, &staging, payload, PutMultipartOptions::default(), &options).await?.1
            }
        };
        // Publishing the file and writing its sidecar happen together under the key's lock, so
        // the sidecar that stays is always the one of the file that stays.
        let _writer = self.inner.locks.lock(bucket, &escaped).await;
        let published = if create {
            // A hard link fails when the name is taken.
            self.inner.store.copy_if_not_exists(&staging, &path).await
        } else {
            self.inner.store.rename(&staging, &path).await
        };
        if (create || published.is_err())
            && let Err(e) = self.inner.store.delete(&staging).await
        {
            tracing::warn!(staging = %staging, error = %e, "could not remove a staging file");
        }
        published.map_err(|e| map_store_error(e, OP))?;
        if self.inner.fsync {
            let file = self.inner.store.path_to_filesystem(&path).map_err(|e| map_store_error(e, OP))?;
            blocking(OP, move || {
                let dir = file.parent().unwrap_or(&file);
                sync_dir(dir).map_err(|e| map_io_error(e, OP))
            })
            .await?;
        }
        let meta = self.inner.store.head(&path).await.map_err(|e| map_store_error(e, OP))?;
        let etag = etag_of(&meta);
        let progress = options.progress.clone();
        self.write_attrs(bucket, escaped, etag.clone(), Attrs::from_options(options), OP).await?;
        if let Some(progress) = progress {
            progress.report(size);
        }
        Ok(PutResult::new(Some(etag), Some(size)))
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        const OP: &str = "get_object";
        let (escaped, path) = validate_object(bucket, key, OP)?;
        options.validate(&super::LOCAL_CAPABILITIES).map_err(in_local(OP))?;
        self.refuse_links(bucket, &escaped, OP).await?;
        let result = match self.inner.store.get_opts(&path, object_store::GetOptions::default()).await {
            Ok(result) => result,
            Err(e) => return Err(self.explain_missing(map_store_error(e, OP), bucket, key, OP).await),
        };
        let attrs = self.read_attrs(bucket, escaped, etag_of(&result.meta), OP).await?;
        let meta = object_meta(key, &result.meta, attrs);
        // The conditions are evaluated on the version that was opened, the one that is served.
        options.conditions.evaluate(&meta).map_err(in_local(OP))?;
        let size = result.meta.size;
        let range = match &options.range {
            Some(range) => range.resolve(size).map_err(in_local(OP))?,
            None => 0..size,
        };
        let body = match result.payload {
            GetResultPayload::File(file, _) => file_body(file, range.clone()),
            GetResultPayload::Stream(body) => slice_body(body, range.clone(), OP),
        };
        Ok(GetResult::new(meta, range, body))
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        const OP: &str = "head_object";
        let (escaped, path) = validate_object(bucket, key, OP)?;
        options.conditions.validate(&super::LOCAL_CAPABILITIES).map_err(in_local(OP))?;
        self.refuse_links(bucket, &escaped, OP).await?;
        let meta = self.stat(bucket, key, &path, OP).await?;
        let attrs = self.read_attrs(bucket, escaped, etag_of(&meta), OP).await?;
        let meta = object_meta(key, &meta, attrs);
        options.conditions.evaluate(&meta).map_err(in_local(OP))?;
        Ok(meta)
    }

    async fn delete_object(&self, bucket: &str, key: &str, _options: DeleteOptions) -> Result<()> {
        const OP: &str = "delete_object";
        let (escaped, path) = validate_object(bucket, key, OP)?;
        self.refuse_links(bucket, &escaped, OP).await?;
        let _writer = self.inner.locks.lock(bucket, &escaped).await;
        // `remove_file` on a directory (key `a` when `a/b` exists) must be `NotFound`, not a failure.
        self.stat(bucket, key, &path, OP).await?;
        if let Err(e) = self.inner.store.delete(&path).await {
            return Err(self.explain_missing(map_store_error(e, OP), bucket, key, OP).await);
        }
        let file = self.inner.store.path_to_filesystem(&path).map_err(|e| map_store_error(e, OP))?;
        let bucket_dir = self.bucket_dir(bucket);
        let sidecars = self.inner.sidecars.clone();
        let name = bucket.to_owned();
        blocking(OP, move || {
            remove_empty_parents(&file, &bucket_dir);
            sidecars.remove(&name, &escaped).map_err(|e| map_io_error(e, OP))
        })
        .await
    }

    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        const OP: &str = "list_objects";
        if let Err(e) = validate_bucket_name(bucket).and_then(|()| options.validate(&super::LOCAL_CAPABILITIES)) {
            return stream::once(async move { Err(e.in_context(CloudProvider::Local, OP)) }).boxed();
        }
        let this = self.clone();
        let prefix = options.prefix.unwrap_or_default();
        let spec = ListSpec {
            store: Arc::clone(&self.inner.store) as Arc<dyn ObjectStore>,
            codec: CODEC,
            bucket: bucket.to_owned(),
            prefix: prefix.clone(),
            start_after: options.start_after.clone(),
        };
        let (page_size, delimiter, start_after) = (options.page_size, options.delimiter, options.start_after);
        stream::once(async move {
            this.require_bucket(&spec.bucket, OP).await?;
            this.refuse_links(&spec.bucket, "", OP).await?;
            Ok::<_, Error>(roll_up(spec.stream(page_size), prefix, delimiter, start_after))
        })
        .try_flatten()
        .boxed()
    }

    async fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        dst_key: &str,
        options: CopyOptions,
    ) -> Result<()> {
        const OP: &str = "copy_object";
        let (src_escaped, src) = validate_object(src_bucket, src_key, OP)?;
        let (dst_escaped, dst) = validate_object(dst_bucket, dst_key, OP)?;
        options.mode.validate(&super::LOCAL_CAPABILITIES).map_err(in_local(OP))?;
        let create = options.mode == CopyMode::Create;
        let gate = self.inner.gates.of(dst_bucket);
        let _shared = gate.read().await;
        self.refuse_links(src_bucket, &src_escaped, OP).await?;
        self.refuse_links(dst_bucket, &dst_escaped, OP).await?;
        let _writer = self.inner.locks.lock(dst_bucket, &dst_escaped).await;
        self.stat(src_bucket, src_key, &src, OP).await?;
        if src == dst {
            if create {
                return Err(Error::new(ErrorKind::AlreadyExists, format!("object {dst_key:?} exists"))
                    .in_context(CloudProvider::Local, OP));
            }
            // A hard link onto itself would leave its staging link behind; there is nothing to do.
            return Ok(());
        }
        self.require_bucket(dst_bucket, OP).await?;
        let copied = if create {
            self.inner.store.copy_if_not_exists(&src, &dst).await
        } else {
            self.inner.store.copy(&src, &dst).await
        };
        copied.map_err(|e| map_store_error(e, OP))?;
        // The copy is a hard link: it has the source's entity tag, so the source's sidecar applies
        // to it exactly when it describes the version that was copied.
        let copied = self.stat(dst_bucket, dst_key, &dst, OP).await?;
        let etag = etag_of(&copied);
        let attrs = self.read_attrs(src_bucket, src_escaped, etag.clone(), OP).await?;
        self.write_attrs(dst_bucket, dst_escaped, etag, attrs, OP).await
    }

    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        _options: PresignOptions,
    ) -> Result<PresignedUrl> {
        const OP: &str = "presign";
        validate_object(bucket, key, OP)?;
        Err(Error::unsupported(format!("LocalStorage cannot presign {method} URLs"))
            .in_context(CloudProvider::Local, OP))
    }
}
