//! The implementation of `BucketStore`, written once against the `object_store` crate the parent
//! module names `os`: the parent compiles it against `object_store` 0.14, and
//! `object_store_0_13` compiles it a second time against 0.13.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use super::os;
use super::os::list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore};
use super::os::multipart::PartId;
use super::os::path::Path;
use super::os::{
    Attribute, AttributeValue, Attributes, CopyOptions as OsCopyOptions, GetOptions as OsGetOptions,
    GetRange as OsGetRange, GetResult as OsGetResult, GetResultPayload, ListResult, MultipartId, MultipartUpload,
    ObjectMeta as OsObjectMeta, ObjectStore, PutMode as OsPutMode, PutMultipartOptions, PutOptions as OsPutOptions,
    PutPayload as OsPutPayload, PutResult as OsPutResult, UploadPart,
};
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use tokio::sync::{mpsc, oneshot};

use crate::storage::{
    Conditions, ContentHeaders, CopyMode, CopyOptions, GetOptions, GetRange, HeadOptions, ListEntry, ListOptions,
    ObjectMeta, PutMode, PutOptions, PutPayload, StorageCapabilities, validate_key, validate_metadata,
};
use crate::{Error, ErrorKind, StorageClient, StorageClientExt};

/// The directory, under the store's prefix, where
/// [`MultipartStore`](os::multipart::MultipartStore) parts are staged.
const MULTIPART_DIR: &str = ".cloud-multipart";

/// The name `object_store` errors give this store.
const STORE: &str = "cloud";

/// A bucket of any [`StorageClient`] (optionally under a key prefix) as an [`ObjectStore`],
/// [`MultipartStore`](os::multipart::MultipartStore) and [`PaginatedListStore`]: the mapping
/// and an example are in the [module documentation](super).
#[derive(Clone)]
pub struct BucketStore {
    client: Arc<dyn StorageClient>,
    bucket: String,
    prefix: String,
    caps: StorageCapabilities,
}

impl BucketStore {
    /// The whole of `bucket`.
    pub fn new(client: Arc<dyn StorageClient>, bucket: impl Into<String>) -> Self {
        let caps = client.capabilities();
        Self { client, bucket: bucket.into(), prefix: String::new(), caps }
    }

    /// Only the keys under `prefix` (a `/` is added if missing): location `x` is key
    /// `<prefix>/x`.
    ///
    /// # Errors
    /// `InvalidInput` if the prefix is not a valid key.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> crate::Result<Self> {
        let prefix: String = prefix.into();
        let trimmed = prefix.trim_end_matches('/');
        if trimmed.is_empty() {
            self.prefix = String::new();
        } else {
            validate_key(trimmed)?;
            self.prefix = format!("{trimmed}/");
        }
        Ok(self)
    }

    /// The client underneath.
    pub fn client(&self) -> &Arc<dyn StorageClient> {
        &self.client
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn key(&self, location: &Path) -> String {
        format!("{}{}", self.prefix, location.as_ref())
    }

    /// The location of a key of this store, or `None` (outside the prefix, a staged part, or not a
    /// valid path).
    fn location(&self, key: &str) -> Option<Path> {
        let rest = key.strip_prefix(self.prefix.as_str())?;
        if rest == MULTIPART_DIR || rest.starts_with(&format!("{MULTIPART_DIR}/")) {
            return None;
        }
        Path::parse(rest).ok()
    }

    /// The listing prefix of an `object_store` prefix: a directory (`a/b` lists `a/b/…`).
    fn dir_prefix(&self, prefix: Option<&Path>) -> String {
        match prefix.map(Path::as_ref).filter(|p| !p.is_empty()) {
            Some(p) => format!("{}{p}/", self.prefix),
            None => self.prefix.clone(),
        }
    }

    fn meta(&self, location: Path, meta: &ObjectMeta) -> OsObjectMeta {
        OsObjectMeta {
            location,
            last_modified: meta.last_modified.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
            size: meta.size,
            e_tag: meta.etag.clone(),
            version: None,
        }
    }

    /// Lists `options` as `object_store` entries (objects, and prefixes without their trailing
    /// delimiter).
    fn entries(&self, options: ListOptions) -> BoxStream<'static, os::Result<Listed>> {
        let this = self.clone();
        self.client
            .list_entries(&self.bucket, options)
            .map_err(|e| to_store_error(e, ""))
            .try_filter_map(move |entry| {
                let listed = match entry {
                    ListEntry::Object(meta) => this.location(&meta.key).map(|l| Listed::Object(this.meta(l, &meta))),
                    ListEntry::Prefix(prefix) => this.location(prefix.trim_end_matches('/')).map(Listed::Prefix),
                };
                futures::future::ready(Ok(listed))
            })
            .boxed()
    }

    /// The objects of a listing without a delimiter.
    fn objects(&self, options: ListOptions) -> BoxStream<'static, os::Result<OsObjectMeta>> {
        self.entries(options)
            .try_filter_map(|e| {
                futures::future::ready(Ok(match e {
                    Listed::Object(meta) => Some(meta),
                    Listed::Prefix(_) => None,
                }))
            })
            .boxed()
    }

    async fn collect_list(
        &self,
        options: ListOptions,
        limit: Option<usize>,
    ) -> os::Result<(ListResult, Option<String>)> {
        let mut entries = self.entries(options);
        let mut result = super::list_result(Vec::new(), Vec::new());
        let mut last_key = None;
        while let Some(entry) = entries.try_next().await? {
            if limit.is_some_and(|l| result.objects.len() + result.common_prefixes.len() >= l) {
                return Ok((result, last_key));
            }
            match entry {
                Listed::Object(meta) => {
                    last_key = Some(self.key(&meta.location));
                    result.objects.push(meta);
                }
                Listed::Prefix(path) => {
                    last_key = Some(format!("{}/", self.key(&path)));
                    result.common_prefixes.push(path);
                }
            }
        }
        Ok((result, None))
    }

    fn not_implemented(&self, operation: impl Into<String>) -> os::Error {
        os::Error::NotImplemented { operation: operation.into(), implementer: self.to_string() }
    }

    /// Our put options from `object_store`'s attributes and mode.
    fn put_options(&self, attributes: &Attributes, mode: Option<OsPutMode>, tags: bool) -> os::Result<PutOptions> {
        if tags {
            return Err(self.not_implemented("object tags"));
        }
        let mut options = PutOptions::default();
        let mut headers = ContentHeaders::default();
        for (attribute, value) in attributes {
            let value = value.as_ref().to_owned();
            match attribute {
                Attribute::ContentType => options.content_type = Some(value),
                Attribute::CacheControl => headers.cache_control = Some(value),
                Attribute::ContentDisposition => headers.content_disposition = Some(value),
                Attribute::ContentEncoding => headers.content_encoding = Some(value),
                Attribute::ContentLanguage => headers.content_language = Some(value),
                Attribute::Metadata(key) => {
                    options.metadata.insert(key.to_string(), value);
                }
                other => return Err(self.not_implemented(format!("the attribute {other:?}"))),
            }
        }
        if validate_metadata(&options.metadata).is_err() {
            let keys: Vec<&String> = options.metadata.keys().collect();
            return Err(self.not_implemented(format!(
                "metadata keys {keys:?} (this store keeps the portable keys of a-z, 0-9 and '-')"
            )));
        }
        options.headers = headers;
        options.mode = match mode {
            None | Some(OsPutMode::Overwrite) => PutMode::Overwrite,
            Some(OsPutMode::Create) => PutMode::Create,
            Some(OsPutMode::Update(version)) => match (version.e_tag, version.version) {
                (Some(etag), None) => PutMode::Update(etag),
                (_, Some(_)) => return Err(self.not_implemented("updates of an object version")),
                (None, None) => {
                    return Err(os::Error::Generic { store: STORE, source: "an update without an ETag".into() });
                }
            },
        };
        Ok(options)
    }

    async fn put_stream(&self, location: &Path, payload: PutPayload, options: PutOptions) -> os::Result<OsPutResult> {
        let key = self.key(location);
        let result = self
            .client
            .put_object(&self.bucket, &key, payload, options)
            .await
            .map_err(|e| to_store_error(e, location.as_ref()))?;
        Ok(super::put_result(result.etag))
    }

    fn staging(&self, id: &str) -> String {
        format!("{}{MULTIPART_DIR}/{id}/", self.prefix)
    }
}

/// An entry of a listing, in `object_store` terms.
enum Listed {
    Object(OsObjectMeta),
    Prefix(Path),
}

impl fmt::Debug for BucketStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BucketStore")
            .field("client", &self.client)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for BucketStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BucketStore({}, {}/{})", self.client, self.bucket, self.prefix)
    }
}

/// Our error as an `object_store` one, about `path`.
fn to_store_error(err: Error, path: &str) -> os::Error {
    use os::Error as E;
    let path = path.to_owned();
    match err.kind() {
        ErrorKind::NotFound => E::NotFound { path, source: Box::new(err) },
        ErrorKind::AlreadyExists => E::AlreadyExists { path, source: Box::new(err) },
        ErrorKind::PreconditionFailed => E::Precondition { path, source: Box::new(err) },
        ErrorKind::NotModified => E::NotModified { path, source: Box::new(err) },
        ErrorKind::Unsupported => E::NotImplemented { operation: err.to_string(), implementer: STORE.to_owned() },
        ErrorKind::PermissionDenied => E::PermissionDenied { path, source: Box::new(err) },
        ErrorKind::Unauthenticated => E::Unauthenticated { path, source: Box::new(err) },
        _ => E::Generic { store: STORE, source: Box::new(err) },
    }
}

/// `object_store`'s payload as ours (its chunks, streamed as they are).
fn to_payload(payload: OsPutPayload) -> PutPayload {
    let size = payload.content_length() as u64;
    let chunks: Vec<Bytes> = payload.into_iter().collect();
    if chunks.len() == 1 {
        return PutPayload::from_bytes(chunks.into_iter().next().unwrap_or_default());
    }
    PutPayload::from_stream(stream::iter(chunks.into_iter().map(Ok)).boxed(), Some(size))
}

fn to_range(range: OsGetRange) -> GetRange {
    match range {
        OsGetRange::Bounded(r) => GetRange::Bounded(r),
        OsGetRange::Offset(o) => GetRange::Offset(o),
        OsGetRange::Suffix(n) => GetRange::Suffix(n),
    }
}

fn attributes_of(meta: &ObjectMeta) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(ct) = &meta.content_type {
        attributes.insert(Attribute::ContentType, AttributeValue::from(ct.clone()));
    }
    let h = &meta.headers;
    for (attribute, value) in [
        (Attribute::CacheControl, &h.cache_control),
        (Attribute::ContentDisposition, &h.content_disposition),
        (Attribute::ContentEncoding, &h.content_encoding),
        (Attribute::ContentLanguage, &h.content_language),
    ] {
        if let Some(value) = value {
            attributes.insert(attribute, AttributeValue::from(value.clone()));
        }
    }
    for (k, v) in &meta.metadata {
        attributes.insert(Attribute::Metadata(k.clone().into()), AttributeValue::from(v.clone()));
    }
    attributes
}

#[async_trait]
impl ObjectStore for BucketStore {
    async fn put_opts(&self, location: &Path, payload: OsPutPayload, opts: OsPutOptions) -> os::Result<OsPutResult> {
        let options = self.put_options(&opts.attributes, Some(opts.mode), !opts.tags.encoded().is_empty())?;
        self.put_stream(location, to_payload(payload), options).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> os::Result<Box<dyn MultipartUpload>> {
        let options = self.put_options(&opts.attributes, None, !opts.tags.encoded().is_empty())?;
        let (parts, receiver) = mpsc::unbounded_channel::<Part>();
        let body = stream::unfold(receiver, |mut receiver| async move {
            let part = receiver.recv().await?;
            match part {
                Part::Data(data, consumed) => {
                    let _ = consumed.send(());
                    Some((Ok(data), receiver))
                }
                Part::Abort => Some((Err(Error::new(ErrorKind::Unexpected, "the upload was aborted")), receiver)),
            }
        })
        .try_filter(|chunk: &Bytes| futures::future::ready(!chunk.is_empty()))
        .boxed();
        let this = self.clone();
        let location = location.clone();
        let task =
            tokio::spawn(async move { this.put_stream(&location, PutPayload::from_stream(body, None), options).await });
        Ok(Box::new(StreamedUpload { parts: Some(parts), task: Some(task) }))
    }

    async fn get_opts(&self, location: &Path, options: OsGetOptions) -> os::Result<OsGetResult> {
        if options.version.is_some() {
            return Err(self.not_implemented("reads of an object version"));
        }
        let conditions = Conditions {
            if_match: options.if_match,
            if_none_match: options.if_none_match,
            if_modified_since: options.if_modified_since,
            if_unmodified_since: options.if_unmodified_since,
        };
        let key = self.key(location);
        let to_error = |e: Error| to_store_error(e, location.as_ref());
        if options.head {
            let meta = self
                .client
                .head_object(&self.bucket, &key, HeadOptions::default().with_conditions(conditions))
                .await
                .map_err(to_error)?;
            return Ok(super::get_result(
                GetResultPayload::Stream(stream::empty().boxed()),
                self.meta(location.clone(), &meta),
                0..meta.size,
                attributes_of(&meta),
            ));
        }
        let mut get = GetOptions::default().with_conditions(conditions);
        get.range = options.range.map(to_range);
        let result = self.client.get_object(&self.bucket, &key, get).await.map_err(to_error)?;
        let (meta, range) = (result.meta.clone(), result.range.clone());
        let path = location.to_string();
        let body = result.into_stream().map_err(move |e| to_store_error(e, &path)).boxed();
        Ok(super::get_result(
            GetResultPayload::Stream(body),
            self.meta(location.clone(), &meta),
            range,
            attributes_of(&meta),
        ))
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> os::Result<Vec<Bytes>> {
        let key = self.key(location);
        let mut out = Vec::with_capacity(ranges.len());
        for range in ranges {
            let get = GetOptions::default().with_range(range.clone());
            let result = self.client.get_object(&self.bucket, &key, get).await;
            let bytes = match result {
                Ok(result) => result.bytes().await,
                Err(e) => Err(e),
            };
            out.push(bytes.map_err(|e| to_store_error(e, location.as_ref()))?);
        }
        Ok(out)
    }

    fn delete_stream(&self, locations: BoxStream<'static, os::Result<Path>>) -> BoxStream<'static, os::Result<Path>> {
        let this = self.clone();
        locations
            .and_then(move |location| {
                let this = this.clone();
                async move {
                    this.client
                        .delete(&this.bucket, &this.key(&location))
                        .await
                        .map_err(|e| to_store_error(e, location.as_ref()))?;
                    Ok(location)
                }
            })
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, os::Result<OsObjectMeta>> {
        let options = ListOptions::default().with_prefix(self.dir_prefix(prefix));
        self.objects(options)
    }

    fn list_with_offset(&self, prefix: Option<&Path>, offset: &Path) -> BoxStream<'static, os::Result<OsObjectMeta>> {
        let mut options = ListOptions::default().with_prefix(self.dir_prefix(prefix));
        if !offset.as_ref().is_empty() {
            options = options.with_start_after(self.key(offset));
        }
        // An offset past every key under the prefix lists nothing (the client would call it a
        // mistake; here it is a plain query).
        if options.start_after_is_past_every_key() {
            return stream::empty().boxed();
        }
        if !self.caps.list_start_after {
            let offset = offset.clone();
            return self.list(prefix).try_filter(move |m| futures::future::ready(m.location > offset)).boxed();
        }
        self.objects(options)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> os::Result<ListResult> {
        if !self.caps.list_delimiter {
            return Err(self.not_implemented("listings with a delimiter"));
        }
        let options = ListOptions::default().with_prefix(self.dir_prefix(prefix)).with_delimiter("/");
        Ok(self.collect_list(options, None).await?.0)
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: OsCopyOptions) -> os::Result<()> {
        let mode = match options.mode {
            os::CopyMode::Create => CopyMode::Create,
            os::CopyMode::Overwrite => CopyMode::Overwrite,
        };
        self.client
            .copy_object(
                &self.bucket,
                &self.key(from),
                &self.bucket,
                &self.key(to),
                CopyOptions::default().with_mode(mode),
            )
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::AlreadyExists => to_store_error(e, to.as_ref()),
                _ => to_store_error(e, from.as_ref()),
            })
    }
}

/// What `put_multipart` hands to the streaming put: a part, acknowledged once the put took it, or
/// the order to fail.
enum Part {
    Data(Bytes, oneshot::Sender<()>),
    Abort,
}

/// A `put_multipart` upload: its parts stream into one `put_object` running on its own task.
struct StreamedUpload {
    parts: Option<mpsc::UnboundedSender<Part>>,
    task: Option<tokio::task::JoinHandle<os::Result<OsPutResult>>>,
}

impl fmt::Debug for StreamedUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamedUpload").field("open", &self.parts.is_some()).finish_non_exhaustive()
    }
}

impl StreamedUpload {
    async fn finish(&mut self) -> os::Result<OsPutResult> {
        let task = self.task.take().ok_or_else(|| os::Error::Generic {
            store: STORE,
            source: "the upload was already completed or aborted".into(),
        })?;
        task.await.map_err(|e| os::Error::Generic { store: STORE, source: Box::new(e) })?
    }
}

#[async_trait]
impl MultipartUpload for StreamedUpload {
    fn put_part(&mut self, data: OsPutPayload) -> UploadPart {
        let Some(parts) = &self.parts else {
            return Box::pin(async {
                Err(os::Error::Generic { store: STORE, source: "the upload is finished".into() })
            });
        };
        // Parts are queued now, in call order; each future resolves once the put consumed its
        // chunks, which bounds what is buffered to what the caller keeps in flight.
        let mut consumed = Vec::new();
        for chunk in data {
            let (done, wait) = oneshot::channel();
            if parts.send(Part::Data(chunk, done)).is_err() {
                break;
            }
            consumed.push(wait);
        }
        Box::pin(async move {
            for wait in consumed {
                wait.await.map_err(|_| os::Error::Generic {
                    store: STORE,
                    source: "the upload failed before this part was written".into(),
                })?;
            }
            Ok(())
        })
    }

    async fn complete(&mut self) -> os::Result<OsPutResult> {
        drop(self.parts.take());
        self.finish().await
    }

    async fn abort(&mut self) -> os::Result<()> {
        if let Some(parts) = self.parts.take() {
            let _ = parts.send(Part::Abort);
        }
        match self.finish().await {
            // The put failed, as it was told to: nothing was stored.
            Err(_) => Ok(()),
            Ok(_) => Err(os::Error::Generic { store: STORE, source: "the upload completed before the abort".into() }),
        }
    }
}

impl Drop for StreamedUpload {
    fn drop(&mut self) {
        // A dropped upload is abandoned: fail the put so that nothing is stored.
        if let Some(parts) = self.parts.take() {
            let _ = parts.send(Part::Abort);
        }
    }
}

/// [`MultipartStore`](os::multipart::MultipartStore), whose trait differs between the
/// `object_store` versions: the parent module implements it with these.
impl BucketStore {
    pub(super) async fn staged_create(&self, path: &Path, opts: PutMultipartOptions) -> os::Result<MultipartId> {
        let options = self.put_options(&opts.attributes, None, !opts.tags.encoded().is_empty())?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        // The options travel with the upload: stored on a marker object the completion reads.
        let marker = PutOptions {
            content_type: options.content_type,
            metadata: options.metadata,
            headers: options.headers,
            ..PutOptions::default()
        };
        let key = format!("{}upload", self.staging(&id));
        self.client
            .put_object(&self.bucket, &key, PutPayload::from_bytes(path.as_ref().to_owned()), marker)
            .await
            .map_err(|e| to_store_error(e, path.as_ref()))?;
        Ok(id)
    }

    pub(super) async fn staged_put_part(
        &self,
        path: &Path,
        id: &MultipartId,
        part_idx: usize,
        data: OsPutPayload,
    ) -> os::Result<PartId> {
        let key = format!("{}part-{part_idx:06}", self.staging(id));
        let result = self
            .client
            .put_object(&self.bucket, &key, to_payload(data), PutOptions::default())
            .await
            .map_err(|e| to_store_error(e, path.as_ref()))?;
        Ok(PartId { content_id: format!("{part_idx:06}:{}", result.etag.unwrap_or_default()) })
    }

    pub(super) async fn staged_complete(
        &self,
        path: &Path,
        id: &MultipartId,
        parts: Vec<PartId>,
    ) -> os::Result<OsPutResult> {
        let staging = self.staging(id);
        let to_error = |e: Error| to_store_error(e, path.as_ref());
        let marker = self.client.head(&self.bucket, &format!("{staging}upload")).await.map_err(to_error)?;
        let mut keys = Vec::with_capacity(parts.len());
        let mut size = 0;
        for part in &parts {
            let (idx, etag) = part.content_id.split_once(':').unwrap_or((&part.content_id, ""));
            let key = format!("{staging}part-{idx}");
            let meta = self.client.head(&self.bucket, &key).await.map_err(to_error)?;
            if !etag.is_empty() && meta.etag.as_deref().is_some_and(|e| e != etag) {
                return Err(os::Error::Precondition {
                    path: path.to_string(),
                    source: format!("part {idx} changed after it was uploaded").into(),
                });
            }
            size += meta.size;
            keys.push(key);
        }
        let client = Arc::clone(&self.client);
        let bucket = self.bucket.clone();
        let body = stream::iter(keys)
            .then(move |key| {
                let (client, bucket) = (Arc::clone(&client), bucket.clone());
                async move { client.get_object(&bucket, &key, GetOptions::default()).await.map(|r| r.into_stream()) }
            })
            .try_flatten()
            .boxed();
        let options = PutOptions {
            content_type: marker.content_type,
            metadata: marker.metadata,
            headers: marker.headers,
            ..PutOptions::default()
        };
        let result = self.put_stream(path, PutPayload::from_stream(body, Some(size)), options).await?;
        self.client.delete_prefix(&self.bucket, &staging).await.map_err(to_error)?;
        Ok(result)
    }

    pub(super) async fn staged_abort(&self, path: &Path, id: &MultipartId) -> os::Result<()> {
        self.client
            .delete_prefix(&self.bucket, &self.staging(id))
            .await
            .map_err(|e| to_store_error(e, path.as_ref()))?;
        Ok(())
    }
}

#[async_trait]
impl PaginatedListStore for BucketStore {
    async fn list_paginated(
        &self,
        prefix: Option<&str>,
        opts: PaginatedListOptions,
    ) -> os::Result<PaginatedListResult> {
        let mut options = ListOptions::default().with_prefix(format!("{}{}", self.prefix, prefix.unwrap_or_default()));
        if let Some(delimiter) = opts.delimiter {
            options = options.with_delimiter(delimiter.to_string());
        }
        // The page token is the last name listed; an offset applies to the first page.
        let start = opts.page_token.or_else(|| opts.offset.map(|o| format!("{}{o}", self.prefix)));
        if let Some(start) = start.filter(|s| !s.is_empty()) {
            options = options.with_start_after(start);
            if options.start_after_is_past_every_key() {
                let empty = super::list_result(Vec::new(), Vec::new());
                return Ok(PaginatedListResult { result: empty, page_token: None });
            }
        }
        let limit = opts.max_keys.map(|m| m.max(1));
        if let Some(limit) = limit {
            options = options.with_page_size(u32::try_from(limit).unwrap_or(u32::MAX));
        }
        let (result, page_token) = self.collect_list(options, limit).await?;
        Ok(PaginatedListResult { result, page_token })
    }
}

#[cfg(test)]
mod tests {
    use super::os::multipart::MultipartStore;
    use super::os::{ObjectStoreExt, PutPayload as P};

    use super::*;
    use crate::MemoryStorage;

    async fn store() -> (Arc<MemoryStorage>, BucketStore) {
        let client = Arc::new(MemoryStorage::new());
        client.ensure_bucket("bkt").await.unwrap();
        let store = BucketStore::new(client.clone(), "bkt").with_prefix("root").unwrap();
        (client, store)
    }

    #[tokio::test]
    async fn attributes_round_trip_with_portable_metadata_keys() {
        let (_, store) = store().await;
        let attributes = Attributes::from_iter([
            (Attribute::CacheControl, "max-age=604800"),
            (Attribute::ContentDisposition, r#"attachment; filename="test.html""#),
            (Attribute::ContentEncoding, "gzip"),
            (Attribute::ContentLanguage, "en-US"),
            (Attribute::ContentType, "text/html; charset=utf-8"),
            (Attribute::Metadata("test-key".into()), "test_value"),
        ]);
        let path = Path::from("attributes");
        store.put_opts(&path, P::from("foo"), attributes.clone().into()).await.unwrap();
        assert_eq!(store.get(&path).await.unwrap().attributes, attributes);
        let err = store
            .put_opts(&path, P::from("foo"), Attributes::from_iter([(Attribute::Metadata("a_b".into()), "x")]).into())
            .await
            .unwrap_err();
        assert!(matches!(err, os::Error::NotImplemented { .. }), "{err}");
    }

    #[tokio::test]
    async fn staged_parts_and_keys_outside_the_prefix_are_not_listed() {
        let (client, store) = store().await;
        client.put_bytes("bkt", "elsewhere", "x").await.unwrap();
        let id = store.create_multipart(&Path::from("big")).await.unwrap();
        store.put_part(&Path::from("big"), &id, 0, P::from("part")).await.unwrap();
        let listed: Vec<_> = store.list(None).try_collect().await.unwrap();
        assert!(listed.is_empty(), "{listed:?}");
        let listed = store.list_with_delimiter(None).await.unwrap();
        assert!(listed.common_prefixes.is_empty() && listed.objects.is_empty(), "{listed:?}");
        store.abort_multipart(&Path::from("big"), &id).await.unwrap();
        assert_eq!(client.list_keys("bkt", "").await.unwrap(), vec!["elsewhere".to_owned()]);
    }

    #[tokio::test]
    async fn unsupported_options_are_not_implemented() {
        let (_, store) = store().await;
        let mut options = OsGetOptions::new();
        options.version = Some("v1".into());
        let err = store.get_opts(&Path::from("x"), options).await.unwrap_err();
        assert!(matches!(err, os::Error::NotImplemented { .. }), "{err}");
    }
}
