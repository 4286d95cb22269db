//! [`MemoryStorage`]: buckets and objects in memory, on `object_store`'s `InMemory`.

use std::borrow::Cow;
use std::collections::{BTreeMap, btree_map::Entry};
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{Attribute, AttributeValue, Attributes, GetResultPayload, ObjectStore, ObjectStoreExt};

use super::codec::Codec;
use super::common::{Gates, ListSpec, collect_payload, listed_meta, roll_up, slice_body};
use super::error::{in_local, map_store_error};
use crate::storage::{
    BucketInfo, CopyMode, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions, GetResult, HeadOptions,
    ListEntry, ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl, PutMode, PutOptions, PutPayload,
    PutResult, StorageCapabilities, validate_bucket_name, validate_key,
};
use crate::{CloudProvider, Error, ErrorKind, Result, StorageClient};

/// Object storage in memory, for tests and examples: nothing is persisted.
///
/// Built on `object_store`'s `InMemory`. It supports everything [`LocalStorage`](super::LocalStorage)
/// does, including a key `a` next to keys under `a/`, except presigned URLs (`Unsupported`).
/// Objects are held whole in memory (a streamed put collects its stream first, so a failed stream
/// stores nothing); bodies are served as slices of the stored buffer. Clones share the same data;
/// [`MemoryStorage::new`] starts empty.
#[derive(Clone)]
pub struct MemoryStorage {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<InMemory>,
    buckets: RwLock<BTreeMap<String, DateTime<Utc>>>,
    gates: Gates,
}

const CODEC: Codec = Codec::Plain;

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                store: Arc::new(InMemory::new()),
                buckets: RwLock::new(BTreeMap::new()),
                gates: Gates::default(),
            }),
        }
    }

    fn has_bucket(&self, bucket: &str) -> bool {
        self.inner.buckets.read().unwrap_or_else(PoisonError::into_inner).contains_key(bucket)
    }

    fn require_bucket(&self, bucket: &str, operation: &'static str) -> Result<()> {
        if self.has_bucket(bucket) {
            Ok(())
        } else {
            Err(Error::not_found(format!("bucket {bucket:?} does not exist"))
                .in_context(CloudProvider::Local, operation))
        }
    }

    fn not_found(&self, bucket: &str, key: &str, operation: &'static str) -> Error {
        let message = if self.has_bucket(bucket) {
            format!("object {key:?} does not exist in bucket {bucket:?}")
        } else {
            format!("bucket {bucket:?} does not exist")
        };
        Error::not_found(message).in_context(CloudProvider::Local, operation)
    }

    /// The stored object: metadata, attributes and body, or `NotFound`.
    async fn fetch(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        operation: &'static str,
    ) -> Result<object_store::GetResult> {
        if !self.has_bucket(bucket) {
            return Err(self.not_found(bucket, key, operation));
        }
        match self.inner.store.get_opts(path, object_store::GetOptions::default()).await {
            Ok(result) => Ok(result),
            Err(object_store::Error::NotFound { .. }) => Err(self.not_found(bucket, key, operation)),
            Err(e) => Err(map_store_error(e, operation)),
        }
    }
}

impl Default for MemoryStorage {
    fn default() -> Self {
        Self::new()
    }
}

fn validate_object(bucket: &str, key: &str, operation: &'static str) -> Result<Path> {
    validate_bucket_name(bucket).and_then(|()| validate_key(key)).map_err(in_local(operation))?;
    CODEC.object_path(bucket, key).map_err(in_local(operation))
}

fn to_attributes(options: PutOptions) -> Attributes {
    let mut attributes = Attributes::with_capacity(options.metadata.len() + 5);
    if let Some(content_type) = options.content_type {
        attributes.insert(Attribute::ContentType, AttributeValue::from(content_type));
    }
    let headers = options.headers;
    for (attribute, value) in [
        (Attribute::CacheControl, headers.cache_control),
        (Attribute::ContentDisposition, headers.content_disposition),
        (Attribute::ContentEncoding, headers.content_encoding),
        (Attribute::ContentLanguage, headers.content_language),
    ] {
        if let Some(value) = value {
            attributes.insert(attribute, AttributeValue::from(value));
        }
    }
    for (k, v) in options.metadata {
        attributes.insert(Attribute::Metadata(Cow::Owned(k)), AttributeValue::from(v));
    }
    attributes
}

fn object_meta(key: &str, meta: &object_store::ObjectMeta, attributes: &Attributes) -> ObjectMeta {
    let mut out = listed_meta(key.to_owned(), meta);
    let mut metadata = BTreeMap::new();
    for (attribute, value) in attributes {
        match attribute {
            Attribute::ContentType => out = out.with_content_type(value.as_ref()),
            Attribute::CacheControl => out.headers.cache_control = Some(value.to_string()),
            Attribute::ContentDisposition => out.headers.content_disposition = Some(value.to_string()),
            Attribute::ContentEncoding => out.headers.content_encoding = Some(value.to_string()),
            Attribute::ContentLanguage => out.headers.content_language = Some(value.to_string()),
            Attribute::Metadata(k) => {
                metadata.insert(k.to_string(), value.to_string());
            }
            _ => {}
        }
    }
    out.with_metadata(metadata)
}

impl fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buckets = self.inner.buckets.read().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("MemoryStorage").field("buckets", &buckets).finish_non_exhaustive()
    }
}

impl fmt::Display for MemoryStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryStorage")
    }
}

#[async_trait]
impl StorageClient for MemoryStorage {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Local
    }

    fn capabilities(&self) -> StorageCapabilities {
        super::MEMORY_CAPABILITIES
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        let buckets: Vec<BucketInfo> = self
            .inner
            .buckets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(name, created)| BucketInfo::new(name.clone()).with_created_at(*created))
            .collect();
        stream::iter(buckets.into_iter().map(Ok)).boxed()
    }

    async fn create_bucket(&self, bucket: &str, _options: CreateBucketOptions) -> Result<()> {
        const OP: &str = "create_bucket";
        validate_bucket_name(bucket).map_err(in_local(OP))?;
        let gate = self.inner.gates.of(bucket);
        let _exclusive = gate.write().await;
        match self.inner.buckets.write().unwrap_or_else(PoisonError::into_inner).entry(bucket.to_owned()) {
            Entry::Occupied(_) => {
                Err(Error::new(ErrorKind::AlreadyExists, format!("bucket {bucket:?} already exists"))
                    .in_context(CloudProvider::Local, OP))
            }
            Entry::Vacant(slot) => {
                slot.insert(Utc::now());
                Ok(())
            }
        }
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        const OP: &str = "delete_bucket";
        validate_bucket_name(bucket).map_err(in_local(OP))?;
        let gate = self.inner.gates.of(bucket);
        let _exclusive = gate.write().await;
        self.require_bucket(bucket, OP)?;
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
        self.inner.buckets.write().unwrap_or_else(PoisonError::into_inner).remove(bucket);
        Ok(())
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        validate_bucket_name(bucket).map_err(in_local("bucket_exists"))?;
        Ok(self.has_bucket(bucket))
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        const OP: &str = "put_object";
        let path = validate_object(bucket, key, OP)?;
        options.validate(&super::MEMORY_CAPABILITIES).map_err(in_local(OP))?;
        let gate = self.inner.gates.of(bucket);
        let _shared = gate.read().await;
        self.require_bucket(bucket, OP)?;
        // Collect first: a stream that fails stores nothing. Its errors come back as they are.
        let bytes = collect_payload(payload).await?;
        let size = bytes.len() as u64;
        let mode = match &options.mode {
            PutMode::Create => object_store::PutMode::Create,
            PutMode::Update(etag) => object_store::PutMode::Update(object_store::UpdateVersion {
                // `InMemory` compares quoted entity tags.
                e_tag: Some(format!("\"{}\"", crate::storage::unquote(etag))),
                version: None,
            }),
            _ => object_store::PutMode::Overwrite,
        };
        let progress = options.progress.clone();
        let put = object_store::PutOptions { mode, ..object_store::PutOptions::from(to_attributes(options)) };
        let result = self.inner.store.put_opts(&path, bytes.into(), put).await.map_err(|e| map_store_error(e, OP))?;
        // Stored in one step: everything is acknowledged at once.
        if let Some(progress) = progress {
            progress.report(size);
        }
        Ok(PutResult::new(result.e_tag, Some(size)))
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        const OP: &str = "get_object";
        let path = validate_object(bucket, key, OP)?;
        options.validate(&super::MEMORY_CAPABILITIES).map_err(in_local(OP))?;
        let result = self.fetch(bucket, key, &path, OP).await?;
        let meta = object_meta(key, &result.meta, &result.attributes);
        options.conditions.evaluate(&meta).map_err(in_local(OP))?;
        let range = match &options.range {
            Some(range) => range.resolve(result.meta.size).map_err(in_local(OP))?,
            None => 0..result.meta.size,
        };
        let body = match result.payload {
            GetResultPayload::Stream(body) => body,
            GetResultPayload::File(..) => {
                return Err(Error::new(ErrorKind::Unexpected, "the in-memory store returned a file")
                    .in_context(CloudProvider::Local, OP));
            }
        };
        Ok(GetResult::new(meta, range.clone(), slice_body(body, range, OP)))
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        const OP: &str = "head_object";
        let path = validate_object(bucket, key, OP)?;
        options.conditions.validate(&super::MEMORY_CAPABILITIES).map_err(in_local(OP))?;
        let result = self.fetch(bucket, key, &path, OP).await?;
        let meta = object_meta(key, &result.meta, &result.attributes);
        options.conditions.evaluate(&meta).map_err(in_local(OP))?;
        Ok(meta)
    }

    async fn delete_object(&self, bucket: &str, key: &str, _options: DeleteOptions) -> Result<()> {
        const OP: &str = "delete_object";
        let path = validate_object(bucket, key, OP)?;
        // `InMemory` deletes missing objects silently; the contract wants `NotFound`.
        self.fetch(bucket, key, &path, OP).await?;
        self.inner.store.delete(&path).await.map_err(|e| map_store_error(e, OP))
    }

    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        const OP: &str = "list_objects";
        let checked = validate_bucket_name(bucket)
            .and_then(|()| options.validate(&super::MEMORY_CAPABILITIES))
            .and_then(|()| self.require_bucket(bucket, OP));
        if let Err(e) = checked {
            return stream::once(async move { Err(e.in_context(CloudProvider::Local, OP)) }).boxed();
        }
        let prefix = options.prefix.unwrap_or_default();
        let spec = ListSpec {
            store: Arc::clone(&self.inner.store) as Arc<dyn ObjectStore>,
            codec: CODEC,
            bucket: bucket.to_owned(),
            prefix: prefix.clone(),
            start_after: options.start_after.clone(),
        };
        roll_up(spec.stream(options.page_size), prefix, options.delimiter, options.start_after)
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
        let src = validate_object(src_bucket, src_key, OP)?;
        let dst = validate_object(dst_bucket, dst_key, OP)?;
        options.mode.validate(&super::MEMORY_CAPABILITIES).map_err(in_local(OP))?;
        let gate = self.inner.gates.of(dst_bucket);
        let _shared = gate.read().await;
        self.fetch(src_bucket, src_key, &src, OP).await?;
        self.require_bucket(dst_bucket, OP)?;
        let mode = match options.mode {
            CopyMode::Create => object_store::CopyMode::Create,
            _ => object_store::CopyMode::Overwrite,
        };
        // `InMemory` copies the attributes (content type, metadata, headers) with the data.
        match self.inner.store.copy_opts(&src, &dst, object_store::CopyOptions::new().with_mode(mode)).await {
            Ok(()) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => Err(self.not_found(src_bucket, src_key, OP)),
            Err(e) => Err(map_store_error(e, OP)),
        }
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
        Err(Error::unsupported(format!("MemoryStorage cannot presign {method} URLs"))
            .in_context(CloudProvider::Local, OP))
    }
}
