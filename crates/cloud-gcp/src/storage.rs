//! `impl StorageClient for GcsClient`: every operation of the trait on the GCS JSON API.
//!
//! An object's ETag is its **generation** (a decimal number that changes with every write of its
//! data), so `PutMode::Update(etag)` and `CopyMode::Create` become the JSON API's
//! `ifGenerationMatch` preconditions, which GCS evaluates atomically. Read conditions (`if_match`,
//! `if_none_match`, dates) are evaluated on the metadata that every read fetches first; the body
//! is then read pinned to that generation, so a concurrent write cannot slip in between.

use std::time::Duration;

use async_trait::async_trait;
use cloud_core::storage::{
    BucketInfo, CopyMode, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions, GetResult, HeadOptions,
    ListEntry, ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl, PutMode, PutOptions, PutPayload,
    PutResult, StorageCapabilities, validate_bucket_name, validate_key,
};
use cloud_core::{CloudProvider, Error, ErrorKind, Result, StorageClient};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::client::{GcsClient, ListEntry as RawEntry, ListQuery};
use crate::generation::GcsPreconditions;
use crate::model::NewObject;
use crate::signing::PRESIGN_MAX_EXPIRY;
use crate::upload::Upload;

/// The largest object GCS stores: 5 TiB.
pub const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024 * 1024;

#[async_trait]
impl StorageClient for GcsClient {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Gcp
    }

    /// What GCS supports; with an emulator (`STORAGE_EMULATOR_HOST`, or
    /// [`with_emulator`](crate::GcsClientBuilder::with_emulator)), what gcp-storage-emulator
    /// honours: no preconditions on writes (so no `PutMode::Create`/`Update`, no
    /// `CopyMode::Create`) and no page size.
    fn capabilities(&self) -> StorageCapabilities {
        let real = !self.inner.emulator;
        let mut caps = StorageCapabilities::default();
        caps.list_buckets = true;
        caps.create_bucket = true;
        caps.copy = true;
        caps.range_reads = true;
        caps.user_metadata = true;
        caps.content_type = true;
        caps.list_page_size = real;
        caps.presign_get = self.can_sign();
        caps.presign_put = self.can_sign();
        caps.presign_max_expiry = Some(PRESIGN_MAX_EXPIRY);
        caps.max_object_size = Some(MAX_OBJECT_SIZE);
        caps.put_if_not_exists = real;
        caps.put_if_match = real;
        caps.copy_if_not_exists = real;
        // Evaluated on the metadata each read fetches first.
        caps.if_match = true;
        caps.if_none_match = true;
        caps.if_modified_since = true;
        caps.if_unmodified_since = true;
        caps.list_delimiter = true;
        caps.list_delimiter_multi_char = true;
        caps.list_start_after = true;
        caps.cache_control = true;
        caps.content_disposition = true;
        caps.content_encoding = true;
        caps.content_language = true;
        // Every resumable upload is a session of its own; the last to finish wins.
        caps.put_last_writer_wins = true;
        caps
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        self.bucket_stream(None)
    }

    async fn create_bucket(&self, bucket: &str, options: CreateBucketOptions) -> Result<()> {
        let location = options.region.unwrap_or_else(|| self.location().to_owned());
        self.insert_bucket(bucket, &location).await
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        self.remove_bucket(bucket).await
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        self.bucket_found(bucket).await
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        let mut conditions = GcsPreconditions::default();
        match &options.mode {
            PutMode::Create => conditions.if_generation_match = Some(0),
            PutMode::Update(etag) => conditions.if_generation_match = Some(generation_of(etag)?),
            _ => {}
        }
        let headers = &options.headers;
        let metadata = NewObject {
            name: key,
            content_type: options.content_type.as_deref(),
            content_encoding: headers.content_encoding.as_deref(),
            content_disposition: headers.content_disposition.as_deref(),
            content_language: headers.content_language.as_deref(),
            cache_control: headers.cache_control.as_deref(),
            crc32c: None,
            metadata: options.metadata.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        };
        let upload = Upload { bucket, metadata, conditions, progress: options.progress.clone() };
        match self.upload(upload, payload).await {
            Ok(object) => {
                let meta = object.to_meta()?;
                Ok(PutResult::new(meta.etag, Some(meta.size)))
            }
            Err(e) if options.mode == PutMode::Create && e.kind() == ErrorKind::PreconditionFailed => {
                Err(e.with_kind(ErrorKind::AlreadyExists))
            }
            Err(e) => Err(e),
        }
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        let object = self.object(bucket, key, GcsPreconditions::default()).await?;
        let meta = object.to_meta()?;
        options.conditions.evaluate(&meta).map_err(|e| e.in_context(CloudProvider::Gcp, "get_object"))?;
        let (span, body) = self.media(bucket, key, &object, options.range.as_ref()).await?;
        Ok(GetResult::new(meta, span, body))
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.conditions.validate(&self.capabilities())?;
        let meta = self.object(bucket, key, GcsPreconditions::default()).await?.to_meta()?;
        options.conditions.evaluate(&meta).map_err(|e| e.in_context(CloudProvider::Gcp, "head_object"))?;
        Ok(meta)
    }

    async fn delete_object(&self, bucket: &str, key: &str, _options: DeleteOptions) -> Result<()> {
        self.remove_object(bucket, key, GcsPreconditions::default()).await
    }

    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        if let Err(e) = validate_bucket_name(bucket).and_then(|()| options.validate(&self.capabilities())) {
            return stream::once(async move { Err(e) }).boxed();
        }
        let start_after = options.start_after.clone();
        let query = ListQuery {
            prefix: options.prefix.clone().filter(|p| !p.is_empty()),
            delimiter: options.delimiter.clone(),
            max_results: options.page_size,
            // `startOffset` is inclusive (and an emulator may ignore it): entries up to
            // `start_after` are also dropped here.
            start_offset: options.start_after,
            page_token: None,
        };
        let mut last_prefix: Option<String> = None;
        self.entry_stream(bucket, query)
            .try_filter_map(move |entry| {
                let keep = match &entry {
                    RawEntry::Object(o) => start_after.as_deref().is_none_or(|s| o.name.as_str() > s),
                    // A prefix may come again at the top of the next page.
                    RawEntry::Prefix(p) => {
                        let fresh = last_prefix.as_deref() != Some(p.as_str())
                            && start_after.as_deref().is_none_or(|s| p.as_str() > s);
                        last_prefix = Some(p.clone());
                        fresh
                    }
                };
                let mapped = match entry {
                    _ if !keep => Ok(None),
                    RawEntry::Object(o) => o.to_meta().map(|m| Some(ListEntry::Object(m))),
                    RawEntry::Prefix(p) => Ok(Some(ListEntry::Prefix(p))),
                };
                async move { mapped }
            })
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
        options.mode.validate(&self.capabilities())?;
        let mut conditions = GcsPreconditions::default();
        if options.mode == CopyMode::Create {
            conditions.if_generation_match = Some(0);
        }
        match self.rewrite((src_bucket, src_key), (dst_bucket, dst_key), conditions).await {
            Ok(_) => Ok(()),
            Err(e) if options.mode == CopyMode::Create && e.kind() == ErrorKind::PreconditionFailed => {
                Err(e.with_kind(ErrorKind::AlreadyExists))
            }
            Err(e) => Err(e),
        }
    }

    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        options: PresignOptions,
    ) -> Result<PresignedUrl> {
        let expires_in: Duration = options.expires_in;
        self.signed_url(method, bucket, key, expires_in).await
    }
}

/// The generation an ETag of this backend names; any other ETag can match no object.
fn generation_of(etag: &str) -> Result<i64> {
    let bare = etag.trim().trim_matches('"');
    bare.parse::<i64>().ok().filter(|g| *g > 0).ok_or_else(|| {
        Error::new(ErrorKind::PreconditionFailed, format!("{etag:?} is not the ETag (generation) of a GCS object"))
            .with_provider(CloudProvider::Gcp)
            .with_operation("put_object")
    })
}
