//! The [`StorageClient`] implementation: containers are buckets, block blobs are objects.

use async_trait::async_trait;
use cloud_core::storage::{
    BucketInfo, Conditions, ContentHeaders, CopyMode, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions,
    GetRange, GetResult, HeadOptions, ListEntry, ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl,
    PutMode, PutOptions, PutPayload, PutResult, StorageCapabilities, StorageClient, validate_bucket_name, validate_key,
};
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::client::{AzureBlobClient, BlobHeaders, BlobProps, Cond, Entry, MAX_SAS_EXPIRY, ReadRange, Split};
use crate::upload::{BlobWrite, upload};

/// The largest block blob: 50,000 blocks of 4000 MiB.
const MAX_BLOB_SIZE: u64 = crate::builder::MAX_BLOCKS * crate::builder::MAX_BLOCK_SIZE;

fn fail<T: Send + 'static>(err: Error) -> BoxStream<'static, Result<T>> {
    stream::once(async move { Err(err) }).boxed()
}

fn cond(c: &Conditions) -> Cond {
    Cond {
        if_match: c.if_match.clone(),
        if_none_match: c.if_none_match.clone(),
        if_modified_since: c.if_modified_since,
        if_unmodified_since: c.if_unmodified_since,
    }
}

impl BlobProps {
    /// The object metadata of the `cloud_core` model, content headers included.
    pub(crate) fn into_meta(self) -> ObjectMeta {
        let h = self.headers.clone();
        let mut headers = ContentHeaders::default();
        headers.cache_control = h.cache_control;
        headers.content_disposition = h.content_disposition;
        headers.content_encoding = h.content_encoding;
        headers.content_language = h.content_language;
        self.into_object_meta().with_headers(headers)
    }
}

/// Create-only writes send `If-None-Match: *`; Azure answers some of them (copies, block list
/// commits) with `412 ConditionNotMet` instead of `409 BlobAlreadyExists`. Both mean the same.
fn exists_if(create_only: bool, err: Error) -> Error {
    if create_only && err.kind() == ErrorKind::PreconditionFailed {
        err.with_kind(ErrorKind::AlreadyExists)
    } else {
        err
    }
}

impl AzureBlobClient {
    /// Azure refuses `If-None-Match: *` on reads (`400 UnsatisfiableCondition`); by RFC 9110 it
    /// means "not modified" whenever the object exists, so that is checked instead. `Ok(())`
    /// when the read may go ahead.
    async fn none_match_any(&self, bucket: &str, key: &str, conditions: &Conditions) -> Result<()> {
        if conditions.if_none_match.as_deref().map(|e| e.trim().trim_matches('"')) != Some("*") {
            return Ok(());
        }
        let rest = Cond { if_none_match: None, if_modified_since: None, ..cond(conditions) };
        match self.get_properties(bucket, key, &rest).await {
            Ok(_) => Err(Error::new(ErrorKind::NotModified, "the object exists (If-None-Match: *)")
                .in_context(CloudProvider::Azure, "get_object")),
            Err(e) => Err(self.missing_over_failed(bucket, key, conditions, e).await),
        }
    }

    /// Azure answers `If-Match` on a missing blob with `412`; the contract says `NotFound`, so a
    /// failed precondition is checked against the blob's existence.
    async fn missing_over_failed(&self, bucket: &str, key: &str, conditions: &Conditions, err: Error) -> Error {
        let could_be_missing = conditions.if_match.is_some() || conditions.if_unmodified_since.is_some();
        if err.kind() == ErrorKind::PreconditionFailed
            && could_be_missing
            && let Err(missing) = self.get_properties(bucket, key, &Cond::default()).await
            && missing.kind() == ErrorKind::NotFound
        {
            return missing;
        }
        err
    }
}

#[async_trait]
impl StorageClient for AzureBlobClient {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Azure
    }

    /// Everything the contract offers. Azure accepts any string as a delimiter; `start_after` is
    /// applied by skipping entries client-side, because Azure's `marker` is opaque.
    fn capabilities(&self) -> StorageCapabilities {
        let mut caps = StorageCapabilities::default();
        caps.list_buckets = true;
        caps.create_bucket = true;
        caps.copy = true;
        caps.range_reads = true;
        caps.user_metadata = true;
        caps.content_type = true;
        caps.list_page_size = true;
        caps.presign_get = true;
        caps.presign_put = true;
        caps.presign_max_expiry = Some(MAX_SAS_EXPIRY);
        caps.max_object_size = Some(MAX_BLOB_SIZE);
        caps.put_if_not_exists = true;
        caps.put_if_match = true;
        caps.if_match = true;
        caps.if_none_match = true;
        caps.if_modified_since = true;
        caps.if_unmodified_since = true;
        caps.copy_if_not_exists = true;
        caps.list_delimiter = true;
        caps.list_delimiter_multi_char = true;
        caps.list_start_after = true;
        caps.cache_control = true;
        caps.content_disposition = true;
        caps.content_encoding = true;
        caps.content_language = true;
        // A blob has one list of uncommitted blocks, discarded whenever a write of it commits: of
        // two overlapping staged writes the first to commit wins and the other fails (`Conflict`).
        caps.put_last_writer_wins = false;
        caps
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        self.list_containers_stream()
            .map_ok(|c| {
                let info = BucketInfo::new(c.name);
                match c.last_modified {
                    Some(t) => info.with_created_at(t),
                    None => info,
                }
            })
            .boxed()
    }

    async fn create_bucket(&self, bucket: &str, _options: CreateBucketOptions) -> Result<()> {
        validate_bucket_name(bucket)?;
        self.create_container(bucket).await
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        validate_bucket_name(bucket)?;
        self.delete_container(bucket).await
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        validate_bucket_name(bucket)?;
        self.container_exists(bucket).await
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        if payload.size().is_some_and(|n| n > MAX_BLOB_SIZE) {
            return Err(Error::invalid_input(format!("a block blob holds at most {MAX_BLOB_SIZE} bytes")));
        }
        let mut write = BlobWrite {
            headers: BlobHeaders {
                content_type: options.content_type.clone(),
                cache_control: options.headers.cache_control.clone(),
                content_disposition: options.headers.content_disposition.clone(),
                content_encoding: options.headers.content_encoding.clone(),
                content_language: options.headers.content_language.clone(),
            },
            metadata: options.metadata.clone(),
            cond: Cond::default(),
            progress: options.progress.clone(),
        };
        match &options.mode {
            PutMode::Create => write.cond.if_none_match = Some("*".to_owned()),
            PutMode::Update(etag) => write.cond.if_match = Some(etag.clone()),
            _ => {}
        }
        let create = options.mode == PutMode::Create;
        let client = std::sync::Arc::new(self.blob(bucket, key).block_blob_client());
        let written = upload(&client, self.transfer(), payload, &write).await.map_err(|e| exists_if(create, e))?;
        Ok(PutResult::new(written.etag, Some(written.size)))
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        self.none_match_any(bucket, key, &options.conditions).await?;
        let range = match &options.range {
            None => None,
            Some(GetRange::Bounded(r)) => {
                if r.start >= r.end {
                    return Err(Error::invalid_input(format!("range {}..{} is empty or inverted", r.start, r.end)));
                }
                Some(ReadRange::Bounded(r.start, r.end))
            }
            Some(GetRange::Offset(o)) => Some(ReadRange::From(*o)),
            Some(GetRange::Suffix(n)) => Some(ReadRange::Last(*n)),
        };
        let read = match self.read(bucket, key, range, &cond(&options.conditions), Split::One).await {
            Ok(read) => read,
            Err(e) => return Err(self.missing_over_failed(bucket, key, &options.conditions, e).await),
        };
        let size = read.props.size;
        let range = match &options.range {
            // The same checks every backend makes, now that the size is known (Azure answers a
            // range on an empty blob with the whole, empty, blob).
            Some(r) => r.resolve(size)?,
            None => 0..size,
        };
        Ok(GetResult::new(read.props.into_meta(), range, read.body))
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.conditions.validate(&self.capabilities())?;
        self.none_match_any(bucket, key, &options.conditions).await?;
        match self.get_properties(bucket, key, &cond(&options.conditions)).await {
            Ok(props) => Ok(props.into_meta()),
            Err(e) => Err(self.missing_over_failed(bucket, key, &options.conditions, e).await),
        }
    }

    async fn delete_object(&self, bucket: &str, key: &str, _options: DeleteOptions) -> Result<()> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        self.delete_blob(bucket, key).await
    }

    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        if let Err(e) = validate_bucket_name(bucket).and_then(|()| options.validate(&self.capabilities())) {
            return fail(e);
        }
        let start_after = options.start_after.clone();
        self.list_stream(bucket, options.prefix.clone(), options.delimiter.clone(), options.page_size)
            .map_ok(|entry| match entry {
                Entry::Blob(props) => ListEntry::Object(props.into_meta()),
                Entry::Prefix(prefix) => ListEntry::Prefix(prefix),
            })
            .try_filter(move |entry| {
                let keep = start_after.as_deref().is_none_or(|after| entry.name() > after);
                async move { keep }
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
        for bucket in [src_bucket, dst_bucket] {
            validate_bucket_name(bucket)?;
        }
        for key in [src_key, dst_key] {
            validate_key(key)?;
        }
        options.mode.validate(&self.capabilities())?;
        let create = options.mode == CopyMode::Create;
        self.copy_blob(src_bucket, src_key, dst_bucket, dst_key, create).await.map_err(|e| exists_if(create, e))
    }

    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        options: PresignOptions,
    ) -> Result<PresignedUrl> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        let write = match method {
            PresignMethod::Get => false,
            PresignMethod::Put => true,
            other => return Err(Error::unsupported(format!("cannot presign {other}"))),
        };
        let (url, expires_at) = self.sas_url(bucket, key, write, options.expires_in).await?;
        let mut presigned = PresignedUrl::new(method, url, expires_at);
        if write {
            // Put Blob needs the blob type; a SAS cannot carry it.
            presigned.headers.insert("x-ms-blob-type".to_owned(), "BlockBlob".to_owned());
        }
        Ok(presigned)
    }
}
