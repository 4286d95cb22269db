//! Object storage on Swift: [`SwiftClient`], a [`StorageClient`] whose buckets are containers.
//!
//! - Bodies stream both ways; objects larger than [`SwiftClient::with_large_object_threshold`]
//!   (or streams of unknown length that outgrow the read-ahead of 8 MiB) are stored as Static
//!   Large Objects: segments of [`SwiftClient::with_segment_size`] bytes in the container
//!   `<container>_segments`, under `<key>/<upload id>/`, then a manifest under the object's name.
//!   Segments stream one at a time from the caller's stream, so memory stays at a few chunks.
//!   Deleting or replacing the object removes the segments this client wrote for it, and nothing
//!   else its manifest lists; an upload that fails or is dropped removes the segments it sent.
//! - A payload's declared size is checked: a stream that delivers more or fewer bytes is
//!   `InvalidInput`, and nothing is stored.
//! - A ranged GET checks the `Content-Range` served against the range asked for.
//! - Listings are streams over `marker`, in Swift's byte order.
//! - Presigned URLs are TempURLs (HMAC-SHA256); the account's `Temp-URL-Key` is read, and set to a
//!   random value when the account has none and the caller may set it.
//! - Container ACLs: [`SwiftClient::set_container_read_acl`] / `write_acl` (`X-Container-Read`,
//!   `X-Container-Write`).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, NaiveDateTime, Utc};
use cloud_core::content_range::ContentRange;
use cloud_core::http::Response;
use cloud_core::storage::{
    BucketInfo, ByteStream, Conditions, ContentHeaders, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions,
    GetRange, GetResult, HeadOptions, ListEntry, ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl,
    PutMode, PutOptions, PutPayload, PutResult, StorageCapabilities, validate_bucket_name, validate_key,
    validate_metadata,
};
use cloud_core::stream::{Page, paginate};
use cloud_core::{CloudProvider, Error, ErrorKind, Result, SecretString, StorageClient};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use http::{HeaderMap, Method};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::PROVIDER;
use crate::session::{Answer, InfomaniakCloud, Service, encode_path, encode_segment};

/// Objects above this size (and unknown-length streams that grow past it) become SLOs.
pub const DEFAULT_LARGE_OBJECT_THRESHOLD: u64 = 64 * 1024 * 1024;
/// The size of one SLO segment (streamed, never held in memory).
pub const DEFAULT_SEGMENT_SIZE: u64 = 64 * 1024 * 1024;
/// Swift's default largest single object (and largest segment).
pub const MAX_SINGLE_OBJECT: u64 = 5 * 1024 * 1024 * 1024;
/// Swift refuses SLO segments below 1 MiB (except the last).
pub const MIN_SEGMENT_SIZE: u64 = 1024 * 1024;
/// The longest validity this client gives a TempURL.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

const LIST_PAGE: u32 = 1000;
/// Swift's default `max_manifest_segments`.
const MAX_MANIFEST_SEGMENTS: u64 = 1000;
/// How much of a stream of unknown length is read ahead to tell a plain object from an SLO.
const MAX_LOOKAHEAD: u64 = 8 * 1024 * 1024;
const SEGMENTS_SUFFIX: &str = "_segments";

/// Swift object storage of one session and region, as a [`StorageClient`].
#[derive(Clone)]
pub struct SwiftClient {
    session: InfomaniakCloud,
    threshold: u64,
    segment_size: u64,
    temp_url_key: Arc<tokio::sync::Mutex<Option<SecretString>>>,
}

impl fmt::Debug for SwiftClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwiftClient")
            .field("session", &self.session)
            .field("large_object_threshold", &self.threshold)
            .field("segment_size", &self.segment_size)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for SwiftClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "swift ({})", self.session.config().describe())
    }
}

/// One container of an account listing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ContainerInfo {
    /// Its name.
    pub name: String,
    /// How many objects it holds.
    #[serde(default)]
    pub count: u64,
    /// How many bytes it holds.
    #[serde(default)]
    pub bytes: u64,
    /// When it was last modified (Swift's `YYYY-MM-DDTHH:MM:SS.ffffff`, UTC).
    #[serde(default)]
    pub last_modified: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ObjectEntry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    subdir: Option<String>,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    last_modified: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
}

impl SwiftClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self {
            session,
            threshold: DEFAULT_LARGE_OBJECT_THRESHOLD,
            segment_size: DEFAULT_SEGMENT_SIZE,
            temp_url_key: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// Objects larger than this (bytes) are uploaded as SLO segments (clamped to 1 MiB ..= 5 GiB).
    #[must_use]
    pub fn with_large_object_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes.clamp(MIN_SEGMENT_SIZE, MAX_SINGLE_OBJECT);
        self
    }

    /// The size of SLO segments (clamped to 1 MiB ..= 5 GiB).
    #[must_use]
    pub fn with_segment_size(mut self, bytes: u64) -> Self {
        self.segment_size = bytes.clamp(MIN_SEGMENT_SIZE, MAX_SINGLE_OBJECT);
        self
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    fn call(&self, method: Method, path: impl Into<String>) -> crate::session::Call<'_> {
        self.session.request(Service::ObjectStore, method, path)
    }

    /// Every container of the account, with counts and sizes, as a stream over `marker`.
    pub fn list_containers(&self) -> BoxStream<'static, Result<ContainerInfo>> {
        let this = self.clone();
        paginate(move |marker: Option<String>| {
            let this = this.clone();
            async move {
                let answer = this
                    .call(Method::GET, "")
                    .operation("list_containers")
                    .query("format", "json")
                    .query("limit", LIST_PAGE.to_string())
                    .query_opt("marker", marker)
                    .send()
                    .await?;
                let items: Vec<ContainerInfo> = if answer.status == 204 { Vec::new() } else { answer.json()? };
                let next = (items.len() >= LIST_PAGE as usize).then(|| items.last().map(|c| c.name.clone())).flatten();
                Ok(Page::new(items, next))
            }
        })
    }

    /// A container's metadata: `X-Container-*` headers, lowercased, including
    /// `x-container-read`/`x-container-write` (the ACLs) and `x-container-meta-*`.
    ///
    /// # Errors
    /// `NotFound` if the container does not exist.
    pub async fn container_metadata(&self, container: &str) -> Result<BTreeMap<String, String>> {
        validate_bucket_name(container)?;
        let answer = self.call(Method::HEAD, encode_segment(container)).operation("container_metadata").send().await?;
        Ok(answer
            .headers
            .iter()
            .filter(|(k, _)| k.as_str().starts_with("x-container-"))
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_owned(), v.to_owned())))
            .collect())
    }

    /// Sets user metadata on a container (`X-Container-Meta-<key>`).
    ///
    /// # Errors
    /// `NotFound` if the container does not exist; `InvalidInput` for bad metadata.
    pub async fn set_container_metadata(&self, container: &str, metadata: &BTreeMap<String, String>) -> Result<()> {
        validate_bucket_name(container)?;
        validate_metadata(metadata)?;
        let mut call = self.call(Method::POST, encode_segment(container)).operation("set_container_metadata");
        for (k, v) in metadata {
            call = call.header(&format!("x-container-meta-{k}"), v)?;
        }
        call.send().await.map(drop)
    }

    /// Sets the container's read ACL (`X-Container-Read`), e.g. `.r:*` for public reads or
    /// `<project_id>:*` for a project; an empty string removes it.
    ///
    /// # Errors
    /// `NotFound` if the container does not exist; `PermissionDenied`.
    pub async fn set_container_read_acl(&self, container: &str, acl: &str) -> Result<()> {
        self.set_acl(container, "x-container-read", acl, "set_container_read_acl").await
    }

    /// Sets the container's write ACL (`X-Container-Write`); an empty string removes it.
    ///
    /// # Errors
    /// `NotFound` if the container does not exist; `PermissionDenied`.
    pub async fn set_container_write_acl(&self, container: &str, acl: &str) -> Result<()> {
        self.set_acl(container, "x-container-write", acl, "set_container_write_acl").await
    }

    async fn set_acl(&self, container: &str, header: &str, acl: &str, op: &'static str) -> Result<()> {
        validate_bucket_name(container)?;
        let call = self.call(Method::POST, encode_segment(container)).operation(op);
        let call = if acl.is_empty() {
            call.header(&header.replace("x-container-", "x-remove-container-"), "x")?
        } else {
            call.header(header, acl)?
        };
        call.send().await.map(drop)
    }

    /// Replaces an object's user metadata (`X-Object-Meta-*`), keeping its data.
    ///
    /// # Errors
    /// `NotFound`; `InvalidInput` for bad metadata.
    pub async fn set_object_metadata(
        &self,
        container: &str,
        key: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<()> {
        validate_bucket_name(container)?;
        validate_key(key)?;
        validate_metadata(metadata)?;
        let mut call = self.call(Method::POST, object_path(container, key)).operation("set_object_metadata");
        for (k, v) in metadata {
            call = call.header(&format!("x-object-meta-{k}"), v)?;
        }
        call.send().await.map(drop)
    }

    /// The Python client's `upload_object(container, name, data)`.
    ///
    /// # Errors
    /// As [`StorageClient::put_object`].
    pub async fn upload_object(
        &self,
        container: &str,
        name: &str,
        data: impl Into<Bytes>,
        content_type: Option<&str>,
    ) -> Result<PutResult> {
        let mut options = PutOptions::default();
        if let Some(ct) = content_type {
            options = options.with_content_type(ct);
        }
        self.put_object(container, name, PutPayload::from_bytes(data.into()), options).await
    }

    /// The Python client's `download_object(container, name)`: the whole object in memory.
    ///
    /// # Errors
    /// As [`StorageClient::get_object`].
    pub async fn download_object(&self, container: &str, name: &str) -> Result<Bytes> {
        self.get_object(container, name, GetOptions::default()).await?.bytes().await
    }

    /// The SLO segments stored for `bucket`'s large objects (in `<bucket>_segments`), e.g. to
    /// find what an interrupted upload left behind; empty when there is no segments container.
    pub fn list_segments(&self, bucket: &str) -> BoxStream<'static, Result<ObjectMeta>> {
        if let Err(e) = validate_bucket_name(bucket) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        self.list_in(&format!("{bucket}{SEGMENTS_SUFFIX}"), ListOptions::default())
            // No segments container: no segments (any other error is the caller's).
            .filter_map(|entry| {
                futures::future::ready(match entry {
                    Err(e) if e.kind() == ErrorKind::NotFound => None,
                    other => Some(other),
                })
            })
            .try_filter_map(|entry| futures::future::ready(Ok(entry.into_object())))
            .boxed()
    }

    /// A listing over `marker`: `subdir` entries (with a delimiter) are common prefixes, and the
    /// start key is the first marker. Swift rolls up the keys after the marker, so a common prefix
    /// before the start key can come back: the listing drops every entry not after it.
    fn list_in(&self, container: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        let this = self.clone();
        let bucket = container.to_owned();
        let limit = options.page_size.unwrap_or(LIST_PAGE).clamp(1, 10_000);
        let (prefix, delimiter, start_after) = (options.prefix, options.delimiter, options.start_after);
        paginate(move |marker: Option<String>| {
            let this = this.clone();
            let bucket = bucket.clone();
            let prefix = prefix.clone();
            let delimiter = delimiter.clone();
            let start_after = start_after.clone();
            async move {
                let answer = this
                    .call(Method::GET, encode_segment(&bucket))
                    .operation("list_objects")
                    .query("format", "json")
                    .query("limit", limit.to_string())
                    .query_opt("prefix", prefix)
                    .query_opt("delimiter", delimiter)
                    .query_opt("marker", marker.or_else(|| start_after.clone()))
                    .send()
                    .await?;
                let entries: Vec<ObjectEntry> = if answer.status == 204 { Vec::new() } else { answer.json()? };
                let full = entries.len() >= limit as usize;
                let mut last = None;
                let items: Vec<ListEntry> = entries
                    .into_iter()
                    .filter_map(|e| {
                        if let Some(subdir) = e.subdir {
                            last = Some(subdir.clone());
                            return Some(ListEntry::Prefix(subdir));
                        }
                        let name = e.name?;
                        last = Some(name.clone());
                        let mut meta = ObjectMeta::new(name, e.bytes);
                        if let Some(h) = e.hash {
                            meta = meta.with_etag(h);
                        }
                        if let Some(t) = e.last_modified.as_deref().and_then(parse_swift_time) {
                            meta = meta.with_last_modified(t);
                        }
                        if let Some(ct) = e.content_type {
                            meta = meta.with_content_type(ct);
                        }
                        Some(ListEntry::Object(meta))
                    })
                    .filter(|e| start_after.as_deref().is_none_or(|s| e.name() > s))
                    .collect();
                Ok(Page::new(items, if full { last } else { None }))
            }
        })
    }

    async fn account_url(&self) -> Result<Url> {
        self.session.endpoint("object-store").await
    }

    /// The account's TempURL key, creating one if there is none (needs an operator role).
    async fn temp_url_key(&self) -> Result<SecretString> {
        let mut cached = self.temp_url_key.lock().await;
        if let Some(key) = cached.as_ref() {
            return Ok(key.clone());
        }
        let answer = self.call(Method::HEAD, "").operation("presign").send().await?;
        let key = match answer.header("x-account-meta-temp-url-key") {
            Some(key) if !key.is_empty() => SecretString::new(key),
            _ => {
                let key =
                    SecretString::new(format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()));
                self.call(Method::POST, "")
                    .operation("presign")
                    .header("x-account-meta-temp-url-key", key.expose())?
                    .send()
                    .await
                    .map_err(|e| {
                        let message =
                            format!("the account has no Temp-URL-Key and setting one failed: {}", e.message());
                        Error::new(e.kind(), message).with_provider(PROVIDER).with_operation("presign").with_source(e)
                    })?;
                key
            }
        };
        *cached = Some(key.clone());
        Ok(key)
    }

    /// A GET of an object whose body streams (on the data plane: no whole-call timeout).
    async fn raw_get(&self, bucket: &str, key: &str, options: &GetOptions) -> Result<Response> {
        let mut call = self.call(Method::GET, object_path(bucket, key)).operation("get_object").data_plane();
        for (name, value) in &condition_headers(&options.conditions)? {
            if let Ok(value) = value.to_str() {
                call = call.header(name.as_str(), value)?;
            }
        }
        if let Some(range) = &options.range {
            call = call.header(http::header::RANGE.as_str(), &range.to_http_header())?;
        }
        call.send_streaming().await
    }

    /// A streamed PUT of one object or segment: at most `limit` bytes of `source`, announced as
    /// `length` (chunked when `None`). Fails with the source's own error (a stream error, or a size that
    /// differs from the declared one) when the source failed.
    async fn put_from(
        &self,
        path: String,
        headers: &HeaderMap,
        source: &Source,
        length: Option<u64>,
        limit: u64,
        operation: &'static str,
    ) -> Result<Answer> {
        self.session.ensure_fresh_token().await?;
        let mut call = self.call(Method::PUT, path).operation(operation).data_plane();
        for (name, value) in headers {
            if let Ok(value) = value.to_str() {
                call = call.header(name.as_str(), value)?;
            }
        }
        let body = source.body(limit);
        let result = call.body_stream(body, length).send().await;
        match source.failure() {
            Some(failure) => Err(failure),
            None => result,
        }
    }

    /// Stores `payload` under `key`: one PUT up to the threshold (bytes in memory are retried
    /// under the core rules, a stream is sent once), an SLO beyond it. A stream of unknown length
    /// is read ahead up to the threshold, at most [`MAX_LOOKAHEAD`] bytes: if it ends there it is
    /// one object, else an SLO.
    async fn put_new(
        &self,
        bucket: &str,
        key: &str,
        payload: PutPayload,
        options: &PutOptions,
        headers: &HeaderMap,
    ) -> Result<PutResult> {
        let threshold = self.threshold;
        let size = payload.size();
        if let Some(bytes) = payload.as_bytes().filter(|b| b.len() as u64 <= threshold) {
            return self.put_plain(bucket, key, bytes.clone(), headers).await;
        }
        let mut stream = payload.into_stream();
        match size {
            Some(n) if n <= threshold => {
                let source = Source::new(stream, Some(n), Bytes::new());
                if n == 0 && source.has_more().await? {
                    return Err(source.size_mismatch("more than 0"));
                }
                let answer =
                    self.put_from(object_path(bucket, key), headers, &source, Some(n), n, "put_object").await?;
                source.finish()?;
                Ok(PutResult::new(answer.header("etag").map(str::to_owned), Some(n)))
            }
            Some(_) => self.put_large(bucket, key, &Source::new(stream, size, Bytes::new()), size, options).await,
            None => {
                let limit = usize::try_from(threshold.min(MAX_LOOKAHEAD)).unwrap_or(usize::MAX);
                let mut head = BytesMut::new();
                let mut ended = false;
                while head.len() <= limit {
                    match stream.try_next().await? {
                        Some(chunk) => head.extend_from_slice(&chunk),
                        None => {
                            ended = true;
                            break;
                        }
                    }
                }
                if ended {
                    return self.put_plain(bucket, key, head.freeze(), headers).await;
                }
                self.put_large(bucket, key, &Source::new(stream, None, head.freeze()), None, options).await
            }
        }
    }

    /// One PUT of bytes in memory (retried like any idempotent request).
    async fn put_plain(&self, bucket: &str, key: &str, bytes: Bytes, headers: &HeaderMap) -> Result<PutResult> {
        let n = bytes.len() as u64;
        let mut call = self.call(Method::PUT, object_path(bucket, key)).operation("put_object").data_plane();
        for (name, value) in headers {
            if let Ok(value) = value.to_str() {
                call = call.header(name.as_str(), value)?;
            }
        }
        // Swift refuses a PUT without a length (411), and an empty body is sent without one.
        call = call.header(http::header::CONTENT_LENGTH.as_str(), &n.to_string())?;
        let answer = call.body("application/octet-stream", bytes).send().await?;
        Ok(PutResult::new(answer.header("etag").map(str::to_owned), Some(n)))
    }

    fn object_headers(options: &PutOptions) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        let content_type = options.content_type.as_deref().unwrap_or("application/octet-stream");
        headers.insert(
            http::header::CONTENT_TYPE,
            content_type.parse().map_err(|_| Error::invalid_input(format!("bad content type {content_type:?}")))?,
        );
        for (k, v) in &options.metadata {
            let name = http::HeaderName::from_bytes(format!("x-object-meta-{k}").as_bytes())
                .map_err(|_| Error::invalid_input(format!("bad metadata key {k:?}")))?;
            let value = v.parse().map_err(|_| Error::invalid_input(format!("bad metadata value for {k:?}")))?;
            headers.insert(name, value);
        }
        for (name, value) in options.headers.iter() {
            let value = value.parse().map_err(|_| Error::invalid_input(format!("bad {name} value {value:?}")))?;
            headers.insert(http::HeaderName::from_static(name), value);
        }
        if options.mode == PutMode::Create {
            headers.insert(http::header::IF_NONE_MATCH, http::HeaderValue::from_static("*"));
        }
        Ok(headers)
    }

    /// The manifest of the SLO stored under `key`, if there is one (`None` for a plain object or
    /// no object).
    async fn current_manifest(&self, bucket: &str, key: &str, operation: &'static str) -> Result<Option<Manifest>> {
        let head = self.call(Method::HEAD, object_path(bucket, key)).operation(operation).send_unchecked().await?;
        if head.status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&head.status) {
            return Err(head.into_error());
        }
        if !head.header("x-static-large-object").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let manifest = self
            .call(Method::GET, object_path(bucket, key))
            .operation(operation)
            .query("multipart-manifest", "get")
            .query("format", "raw")
            .send()
            .await?;
        let entries: Vec<ManifestEntry> = manifest.json()?;
        Ok(Some(Manifest { entries }))
    }

    /// Deletes segments of `container` (best effort: failures are logged, a missing one is
    /// fine).
    async fn delete_segments(&self, container: &str, names: &[String]) {
        for name in names {
            let result =
                self.call(Method::DELETE, object_path(container, name)).operation("delete_segment").send().await;
            if let Err(e) = result
                && e.kind() != ErrorKind::NotFound
            {
                tracing::warn!(error = %e, "could not delete an SLO segment");
            }
        }
    }

    /// Uploads `source` as SLO segments under `<bucket>_segments/<key>/<upload id>/`, then the
    /// manifest. One segment is in flight at a time and streams from `source`: memory stays at a
    /// few chunks whatever the segment size. The segments of an upload that fails or is dropped
    /// are deleted.
    async fn put_large(
        &self,
        bucket: &str,
        key: &str,
        source: &Source,
        size: Option<u64>,
        options: &PutOptions,
    ) -> Result<PutResult> {
        let mut guard = SegmentGuard::new(self.clone(), format!("{bucket}{SEGMENTS_SUFFIX}"));
        match self.put_large_in(bucket, key, source, size, options, &mut guard).await {
            Ok(result) => {
                guard.disarm();
                Ok(result)
            }
            Err(e) => {
                guard.cleanup().await;
                Err(e)
            }
        }
    }

    /// [`put_large`](Self::put_large), with the names of the segments sent in `guard`.
    async fn put_large_in(
        &self,
        bucket: &str,
        key: &str,
        source: &Source,
        size: Option<u64>,
        options: &PutOptions,
        guard: &mut SegmentGuard,
    ) -> Result<PutResult> {
        let segments_container = format!("{bucket}{SEGMENTS_SUFFIX}");
        self.call(Method::PUT, encode_segment(&segments_container)).operation("put_object").send().await?;
        let upload = uuid::Uuid::new_v4().simple().to_string();
        // Swift takes at most 1000 segments per manifest: a known size may need larger ones.
        let segment_size = match size {
            Some(n) => self.segment_size.max(n.div_ceil(MAX_MANIFEST_SEGMENTS)).min(MAX_SINGLE_OBJECT),
            None => self.segment_size,
        };
        let mut manifest: Vec<ManifestEntry> = Vec::new();
        let mut total = 0u64;
        loop {
            let length = match size {
                Some(n) if total >= n => break,
                Some(n) => Some((n - total).min(segment_size)),
                None if !source.has_more().await? => break,
                None => None,
            };
            let name = segment_name(key, &upload, manifest.len());
            // Named before it is sent: a segment whose answer is lost is cleaned up too.
            guard.names.push(name.clone());
            let sent = source.sent();
            let path = object_path(&segments_container, &name);
            let limit = length.unwrap_or(segment_size);
            let answer = self.put_from(path, &HeaderMap::new(), source, length, limit, "put_object").await?;
            let segment_bytes = source.sent() - sent;
            let etag = answer.header("etag").unwrap_or_default().trim_matches('"').to_owned();
            manifest.push(ManifestEntry {
                path: format!("/{segments_container}/{name}"),
                etag: Some(etag),
                size_bytes: Some(segment_bytes),
            });
            total += segment_bytes;
            options.report_progress(total);
        }
        source.finish()?;
        let mut call = self
            .call(Method::PUT, object_path(bucket, key))
            .operation("put_object")
            .query("multipart-manifest", "put")
            .body("application/json", serde_json::to_vec(&manifest).unwrap_or_default());
        // Swift gives the large object the Content-Type of the manifest request.
        let content_type = options.content_type.as_deref().unwrap_or("application/octet-stream");
        call = call.header("content-type", content_type)?;
        for (name, value) in Self::object_headers(options)?.iter() {
            if name != http::header::CONTENT_TYPE
                && let Ok(value) = value.to_str()
            {
                call = call.header(name.as_str(), value)?;
            }
        }
        let answer = call.send().await?;
        Ok(PutResult::new(answer.header("etag").map(str::to_owned), Some(total)))
    }
}

/// One entry of an SLO manifest (`multipart-manifest=put`, and `get` with `format=raw`).
#[derive(Debug, Serialize, Deserialize)]
struct ManifestEntry {
    path: String,
    #[serde(default)]
    etag: Option<String>,
    #[serde(default)]
    size_bytes: Option<u64>,
}

/// The manifest of a stored SLO.
#[derive(Debug)]
struct Manifest {
    entries: Vec<ManifestEntry>,
}

impl Manifest {
    /// The names, in `<bucket>_segments`, of the segments this client wrote for `key`
    /// (`<key>/<upload id: 32 hex digits>/<index: 8 digits>`). Whatever else a manifest lists (a
    /// plain object, another key's segments, another container, a path with `..`) is never
    /// deleted with it.
    fn own_segments(&self, bucket: &str, key: &str) -> Vec<String> {
        let prefix = format!("/{bucket}{SEGMENTS_SUFFIX}/{key}/");
        self.entries
            .iter()
            .filter_map(|entry| {
                let rest = entry.path.strip_prefix(&prefix)?;
                let (upload, index) = rest.split_once('/')?;
                let upload_ok =
                    upload.len() == 32 && upload.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                let index_ok = index.len() == 8 && index.bytes().all(|b| b.is_ascii_digit());
                (upload_ok && index_ok).then(|| format!("{key}/{rest}"))
            })
            .collect()
    }
}

/// The name of segment `index` of upload `upload` of `key`, in `<bucket>_segments`.
fn segment_name(key: &str, upload: &str, index: usize) -> String {
    format!("{key}/{upload}/{index:08}")
}

/// Deletes the segments of an upload that did not complete: awaited on failure
/// ([`cleanup`](Self::cleanup)), spawned on the runtime when the upload is dropped midway.
struct SegmentGuard {
    swift: SwiftClient,
    container: String,
    names: Vec<String>,
}

impl SegmentGuard {
    fn new(swift: SwiftClient, container: String) -> Self {
        Self { swift, container, names: Vec::new() }
    }

    /// The upload completed: its segments stay.
    fn disarm(&mut self) {
        self.names.clear();
    }

    /// The upload failed: deletes its segments now (one at a time, so that a cleanup
    /// interrupted in turn leaves the rest to [`Drop`]).
    async fn cleanup(&mut self) {
        while let Some(name) = self.names.last() {
            self.swift.delete_segments(&self.container, std::slice::from_ref(name)).await;
            self.names.pop();
        }
    }
}

impl Drop for SegmentGuard {
    fn drop(&mut self) {
        if self.names.is_empty() {
            return;
        }
        let names = std::mem::take(&mut self.names);
        let (swift, container) = (self.swift.clone(), self.container.clone());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { swift.delete_segments(&container, &names).await });
            }
            Err(_) => tracing::warn!(segments = names.len(), "an interrupted upload left SLO segments behind"),
        }
    }
}

/// The payload of an upload, read once and shared by the requests that send it (one at a
/// time): it counts the bytes sent, checks them against the declared size, and keeps the first
/// failure (the stream's own error, or `InvalidInput` for a size that differs from the declared
/// one), which the upload returns instead of the aborted request's error.
#[derive(Clone)]
struct Source {
    inner: Arc<SourceInner>,
}

struct SourceInner {
    state: tokio::sync::Mutex<SourceState>,
    declared: Option<u64>,
    sent: AtomicU64,
    failure: Mutex<Option<Error>>,
}

struct SourceState {
    stream: ByteStream,
    /// Bytes read from the stream and not sent yet.
    pending: Option<Bytes>,
    ended: bool,
}

impl Source {
    fn new(stream: ByteStream, declared: Option<u64>, head: Bytes) -> Self {
        let pending = (!head.is_empty()).then_some(head);
        Self {
            inner: Arc::new(SourceInner {
                state: tokio::sync::Mutex::new(SourceState { stream, pending, ended: false }),
                declared,
                sent: AtomicU64::new(0),
                failure: Mutex::new(None),
            }),
        }
    }

    /// How many bytes the requests took so far.
    fn sent(&self) -> u64 {
        self.inner.sent.load(Ordering::SeqCst)
    }

    /// The failure recorded, if any (taken: returned once).
    fn failure(&self) -> Option<Error> {
        self.inner.failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// Records `error` (if it is the first) and returns a copy for the request's body.
    fn fail(&self, error: Error) -> Error {
        let copy = Error::new(error.kind(), error.message().to_owned()).with_provider(PROVIDER);
        let mut slot = self.inner.failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert(error);
        copy
    }

    fn size_mismatch(&self, actual: &str) -> Error {
        let declared = self.inner.declared.unwrap_or_default();
        self.fail(
            Error::invalid_input(format!("the payload declared {declared} bytes but its stream delivered {actual}"))
                .with_provider(PROVIDER)
                .with_operation("put_object"),
        )
    }

    /// The next non-empty chunk of the stream, into `state.pending`; `false` at its end.
    async fn fill(&self, state: &mut SourceState) -> Result<bool> {
        if state.pending.is_some() {
            return Ok(true);
        }
        while !state.ended {
            match state.stream.try_next().await {
                Ok(Some(chunk)) if chunk.is_empty() => {}
                Ok(Some(chunk)) => {
                    state.pending = Some(chunk);
                    return Ok(true);
                }
                Ok(None) => state.ended = true,
                Err(e) => return Err(self.fail(e)),
            }
        }
        Ok(false)
    }

    /// Whether the stream has bytes left to send.
    async fn has_more(&self) -> Result<bool> {
        let mut state = self.inner.state.lock().await;
        self.fill(&mut state).await
    }

    /// At most `max` (> 0) bytes, `None` at the end of the stream.
    async fn next(&self, max: u64) -> Result<Option<Bytes>> {
        let mut state = self.inner.state.lock().await;
        if !self.fill(&mut state).await? {
            if let Some(declared) = self.inner.declared
                && self.sent() < declared
            {
                return Err(self.size_mismatch(&self.sent().to_string()));
            }
            return Ok(None);
        }
        let mut chunk = state.pending.take().unwrap_or_default();
        if chunk.len() as u64 > max {
            let rest = chunk.split_off(usize::try_from(max).unwrap_or(usize::MAX));
            state.pending = Some(rest);
        }
        let sent = self.inner.sent.fetch_add(chunk.len() as u64, Ordering::SeqCst) + chunk.len() as u64;
        if let Some(declared) = self.inner.declared {
            // The last declared byte goes only once the stream is known to end there, so a longer
            // stream fails its request before anything is stored.
            if sent > declared || (sent == declared && self.fill(&mut state).await?) {
                return Err(self.size_mismatch(&format!("more than {declared}")));
            }
        }
        Ok(Some(chunk))
    }

    /// The next `limit` bytes of the stream (fewer if it ends), as a request body.
    fn body(&self, limit: u64) -> ByteStream {
        futures::stream::try_unfold((self.clone(), limit), |(source, left)| async move {
            if left == 0 {
                return Ok(None);
            }
            let chunk = source.next(left).await?;
            Ok(chunk.map(|c| {
                let left = left - c.len() as u64;
                (c, (source, left))
            }))
        })
        .boxed()
    }

    /// After the last request: the recorded failure, if any.
    fn finish(&self) -> Result<()> {
        self.failure().map_or(Ok(()), Err)
    }
}

/// `container/key`, percent-encoded, relative to the account URL.
fn object_path(container: &str, key: &str) -> String {
    format!("{}/{}", encode_segment(container), encode_path(key))
}

/// The absolute URL of an object.
fn join_object_url(account: &Url, container: &str, key: &str) -> Result<Url> {
    let base = account.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/{}", object_path(container, key)))
        .map_err(|e| Error::new(ErrorKind::Construction, format!("bad object URL: {e}")).with_provider(PROVIDER))
}

pub(crate) fn parse_swift_time(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc())
}

fn parse_http_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text).ok().map(|t| t.with_timezone(&Utc))
}

/// An object's metadata from the headers of a HEAD or GET.
fn meta_from_headers(key: &str, headers: &HeaderMap, size: u64) -> ObjectMeta {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let mut meta = ObjectMeta::new(key, size);
    if let Some(etag) = get("etag") {
        meta = meta.with_etag(etag);
    }
    if let Some(ct) = get("content-type") {
        meta = meta.with_content_type(ct);
    }
    if let Some(t) = get("last-modified").and_then(parse_http_time) {
        meta = meta.with_last_modified(t);
    }
    let mut content = ContentHeaders::default();
    for name in ["cache-control", "content-disposition", "content-encoding", "content-language"] {
        if let Some(value) = get(name).filter(|v| !v.is_empty()) {
            content.set(name, value);
        }
    }
    meta = meta.with_headers(content);
    let metadata: BTreeMap<String, String> = headers
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_str().strip_prefix("x-object-meta-")?;
            Some((name.to_ascii_lowercase(), v.to_str().ok()?.to_owned()))
        })
        .collect();
    meta.with_metadata(metadata)
}

/// The headers of read conditions (`If-Match` …), ETags quoted, dates in HTTP format.
fn condition_headers(conditions: &Conditions) -> Result<HeaderMap> {
    let quote = |etag: &str| {
        let bare = etag.trim().trim_matches('"');
        if bare == "*" { bare.to_owned() } else { format!("\"{bare}\"") }
    };
    let date = |t: DateTime<Utc>| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut headers = HeaderMap::new();
    let values = [
        (http::header::IF_MATCH, conditions.if_match.as_deref().map(quote)),
        (http::header::IF_NONE_MATCH, conditions.if_none_match.as_deref().map(quote)),
        (http::header::IF_MODIFIED_SINCE, conditions.if_modified_since.map(date)),
        (http::header::IF_UNMODIFIED_SINCE, conditions.if_unmodified_since.map(date)),
    ];
    for (name, value) in values {
        if let Some(value) = value {
            let value = value.parse().map_err(|_| Error::invalid_input(format!("bad {name} value {value:?}")))?;
            headers.insert(name, value);
        }
    }
    Ok(headers)
}

/// The range and total size a `206` answer serves: its `Content-Range`, which must be the
/// range asked for (anything else is `ResponseInvalid`, never bytes of another range).
fn served_range(headers: &HeaderMap, requested: Option<&GetRange>) -> Result<(Range<u64>, u64)> {
    let invalid = |message: String| {
        Error::new(ErrorKind::ResponseInvalid, message)
            .with_provider(PROVIDER)
            .with_operation("get_object")
            .with_http_status(206)
    };
    let value = headers.get("content-range").and_then(|v| v.to_str().ok());
    let value = value.ok_or_else(|| invalid("a 206 answer without Content-Range".to_owned()))?;
    let served = ContentRange::parse(value).map_err(|e| invalid(e.message().to_owned()).with_source(e))?;
    let requested = requested.ok_or_else(|| invalid(format!("a 206 answer ({value}) to a request without Range")))?;
    let range = served.check_served(requested).map_err(|e| invalid(e.message().to_owned()).with_source(e))?;
    let total = served.total().ok_or_else(|| invalid(format!("Content-Range {value:?} has no total size")))?;
    Ok((range, total))
}

/// HMAC-SHA256 (RFC 2104) over SHA-256.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// The TempURL signature and query of `method` on the object at `path` (`/v1/AUTH_…/c/o`).
fn temp_url_query(key: &[u8], method: PresignMethod, path: &str, expires: u64) -> String {
    let body = format!("{}\n{expires}\n{path}", method.as_str());
    let sig = hex::encode(hmac_sha256(key, body.as_bytes()));
    format!("temp_url_sig={sig}&temp_url_expires={expires}")
}

impl SwiftClient {
    /// What [`StorageClient::capabilities`] answers for every Swift client, known before
    /// connecting.
    pub fn storage_capabilities() -> StorageCapabilities {
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
        caps.presign_max_expiry = Some(MAX_PRESIGN_EXPIRY);
        caps.max_object_size = None;
        // `If-None-Match: *` on PUT (plain objects and SLO manifests). Swift has no `If-Match` on
        // PUT (it ignores the header), so an update only if the ETag matches is not offered.
        caps.put_if_not_exists = true;
        caps.put_if_match = false;
        // The object server evaluates all four read conditions, on GET and HEAD.
        caps.if_match = true;
        caps.if_none_match = true;
        caps.if_modified_since = true;
        caps.if_unmodified_since = true;
        // A copy (`X-Copy-From`) applies conditional headers to its source, not its destination.
        caps.copy_if_not_exists = false;
        // `delimiter` must be one character; `marker` is the start key.
        caps.list_delimiter = true;
        caps.list_delimiter_multi_char = false;
        caps.list_start_after = true;
        // Swift's default `allowed_headers` store all four.
        caps.cache_control = true;
        caps.content_disposition = true;
        caps.content_encoding = true;
        caps.content_language = true;
        // Large objects: segments under a name of their own per upload, then the manifest PUT.
        caps.put_last_writer_wins = true;
        caps
    }
}

#[async_trait]
impl StorageClient for SwiftClient {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Infomaniak
    }

    fn capabilities(&self) -> StorageCapabilities {
        Self::storage_capabilities()
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        self.list_containers()
            .try_filter(|c| futures::future::ready(!c.name.ends_with(SEGMENTS_SUFFIX)))
            .map_ok(|c| {
                let info = BucketInfo::new(c.name);
                match c.last_modified.as_deref().and_then(parse_swift_time) {
                    Some(t) => info.with_created_at(t),
                    None => info,
                }
            })
            .boxed()
    }

    async fn create_bucket(&self, bucket: &str, _options: CreateBucketOptions) -> Result<()> {
        validate_bucket_name(bucket)?;
        let answer = self.call(Method::PUT, encode_segment(bucket)).operation("create_bucket").send().await?;
        if answer.status == 202 {
            return Err(Error::new(ErrorKind::AlreadyExists, format!("container {bucket:?} exists already"))
                .with_provider(PROVIDER)
                .with_operation("create_bucket")
                .with_http_status(202));
        }
        Ok(())
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        validate_bucket_name(bucket)?;
        self.call(Method::DELETE, encode_segment(bucket)).operation("delete_bucket").send().await?;
        // The SLO segments container goes with it when it is empty.
        let segments = format!("{bucket}{SEGMENTS_SUFFIX}");
        let _ = self.call(Method::DELETE, encode_segment(&segments)).operation("delete_bucket").send_unchecked().await;
        Ok(())
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        validate_bucket_name(bucket)?;
        let answer =
            self.call(Method::HEAD, encode_segment(bucket)).operation("bucket_exists").send_unchecked().await?;
        match answer.status {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => Err(answer.into_error()),
        }
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        let headers = Self::object_headers(&options)?;
        let old = self.current_manifest(bucket, key, "put_object").await?;
        let result = self.put_new(bucket, key, payload, &options, &headers).await;
        // Stored: a plain object in one request, or the manifest after its segments.
        if let Some(size) = result.as_ref().ok().and_then(|put| put.size) {
            options.report_progress(size);
        }
        if result.is_ok()
            && let Some(old) = old
        {
            // Only the segments this client wrote for this key: nothing else the old manifest
            // may list.
            self.delete_segments(&format!("{bucket}{SEGMENTS_SUFFIX}"), &old.own_segments(bucket, key)).await;
        }
        // `If-None-Match: *` refused: the key is taken.
        result.map_err(|e| match (&options.mode, e.http_status()) {
            (PutMode::Create, Some(412)) => e.with_kind(ErrorKind::AlreadyExists),
            _ => e,
        })
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        let response = match self.raw_get(bucket, key, &options).await {
            Ok(r) => r,
            Err(e) if e.http_status() == Some(416) && matches!(options.range, Some(GetRange::Suffix(_))) => {
                // A suffix of an empty object is the empty body.
                let head = HeadOptions::default().with_conditions(options.conditions.clone());
                let meta = self.head_object(bucket, key, head).await?;
                if meta.size == 0 {
                    return Ok(GetResult::new(meta, 0..0, futures::stream::empty().boxed()));
                }
                return Err(e);
            }
            Err(e) if e.http_status() == Some(416) => {
                return Err(Error::invalid_input(format!("the range starts past the end of {key:?}"))
                    .with_provider(PROVIDER)
                    .with_operation("get_object")
                    .with_http_status(416)
                    .with_source(e));
            }
            Err(e) => return Err(e),
        };
        let headers = response.headers().clone();
        let (range, total) = if response.status().as_u16() == 206 {
            served_range(&headers, options.range.as_ref())?
        } else {
            // Without a length nothing tells a whole body from a truncated one.
            let total = response
                .content_length()
                .or_else(|| headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()))
                .ok_or_else(|| missing_length(key))?;
            (0..total, total)
        };
        let meta = meta_from_headers(key, &headers, total);
        Ok(GetResult::new(meta, range, response.bytes_stream()))
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.conditions.validate(&self.capabilities())?;
        let mut call = self.call(Method::HEAD, object_path(bucket, key)).operation("head_object");
        for (name, value) in &condition_headers(&options.conditions)? {
            if let Ok(value) = value.to_str() {
                call = call.header(name.as_str(), value)?;
            }
        }
        let answer = call.send().await?;
        let size = answer.header("content-length").and_then(|v| v.parse().ok()).ok_or_else(|| missing_length(key))?;
        Ok(meta_from_headers(key, &answer.headers, size))
    }

    async fn delete_object(&self, bucket: &str, key: &str, _options: DeleteOptions) -> Result<()> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        // An SLO goes with the segments this client wrote for it, and only those: Swift's own
        // `multipart-manifest=delete` would delete whatever the manifest lists.
        let manifest = self.current_manifest(bucket, key, "delete_object").await?;
        self.call(Method::DELETE, object_path(bucket, key)).operation("delete_object").send().await?;
        if let Some(manifest) = manifest {
            let segments = manifest.own_segments(bucket, key);
            self.delete_segments(&format!("{bucket}{SEGMENTS_SUFFIX}"), &segments).await;
        }
        Ok(())
    }

    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        if let Err(e) = validate_bucket_name(bucket).and_then(|()| options.validate(&self.capabilities())) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        self.list_in(bucket, options)
    }

    async fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        dst_key: &str,
        options: CopyOptions,
    ) -> Result<()> {
        validate_bucket_name(src_bucket)?;
        validate_key(src_key)?;
        validate_bucket_name(dst_bucket)?;
        validate_key(dst_key)?;
        options.mode.validate(&self.capabilities())?;
        let source = format!("/{}", object_path(src_bucket, src_key));
        // A large object the copy replaces leaves its segments to nobody: deleted as for a put.
        let old = self.current_manifest(dst_bucket, dst_key, "copy_object").await?;
        self.call(Method::PUT, object_path(dst_bucket, dst_key))
            .operation("copy_object")
            .header("x-copy-from", &source)?
            .send()
            .await?;
        if let Some(old) = old {
            let segments = old.own_segments(dst_bucket, dst_key);
            self.delete_segments(&format!("{dst_bucket}{SEGMENTS_SUFFIX}"), &segments).await;
        }
        Ok(())
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
        let expires_in = options.expires_in;
        if expires_in.is_zero() || expires_in > MAX_PRESIGN_EXPIRY {
            return Err(Error::invalid_input(format!(
                "a TempURL must expire within 1 s and {} s, not {} s",
                MAX_PRESIGN_EXPIRY.as_secs(),
                expires_in.as_secs()
            )));
        }
        let secret = self.temp_url_key().await?;
        let url = join_object_url(&self.account_url().await?, bucket, key)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let expires = now.as_secs() + expires_in.as_secs();
        let mut signed = url.clone();
        signed.set_query(Some(&temp_url_query(secret.expose().as_bytes(), method, url.path(), expires)));
        let expires_at = DateTime::<Utc>::from_timestamp(i64::try_from(expires).unwrap_or(i64::MAX), 0)
            .ok_or_else(|| Error::invalid_input("expiry out of range"))?;
        Ok(PresignedUrl::new(method, signed, expires_at))
    }
}

/// The error for an answer that gives no size for `key` (no `Content-Length`): a size of 0 would
/// make a truncated body look whole.
fn missing_length(key: &str) -> Error {
    Error::new(ErrorKind::ResponseInvalid, format!("Swift did not give the size of {key} (no Content-Length)"))
        .with_provider(PROVIDER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231 test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex::encode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn temp_url_signs_method_expiry_and_path() {
        let q = temp_url_query(b"key", PresignMethod::Get, "/v1/AUTH_p/c/o", 1_700_000_000);
        let expected = hex::encode(hmac_sha256(b"key", b"GET\n1700000000\n/v1/AUTH_p/c/o"));
        assert_eq!(q, format!("temp_url_sig={expected}&temp_url_expires=1700000000"));
        assert_ne!(q, temp_url_query(b"key", PresignMethod::Put, "/v1/AUTH_p/c/o", 1_700_000_000));
    }

    #[test]
    fn headers_become_object_metadata() {
        let mut headers = HeaderMap::new();
        headers.insert("etag", "\"abc\"".parse().unwrap());
        headers.insert("content-type", "text/plain".parse().unwrap());
        headers.insert("x-object-meta-color", "blue".parse().unwrap());
        headers.insert("last-modified", "Tue, 15 Nov 1994 12:45:26 GMT".parse().unwrap());
        let meta = meta_from_headers("k", &headers, 3);
        assert_eq!(meta.etag.as_deref(), Some("abc"));
        assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
        assert_eq!(meta.metadata.get("color").map(String::as_str), Some("blue"));
        assert!(meta.last_modified.is_some());
    }

    #[test]
    fn swift_times_and_paths_parse() {
        assert!(parse_swift_time("2026-01-02T03:04:05.123456").is_some());
        assert_eq!(object_path("c", "a b/é"), "c/a%20b/%C3%A9");
    }
}
