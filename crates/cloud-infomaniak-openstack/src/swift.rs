//! Object storage on Swift: [`SwiftClient`], a [`StorageClient`] whose buckets are containers.
//!
//! - Bodies stream both ways; objects larger than [`SwiftClient::with_large_object_threshold`]
//!   (or streams of unknown length that outgrow it) are stored as Static Large Objects: segments
//!   of [`SwiftClient::with_segment_size`] bytes in the container `<container>_segments`, then a
//!   manifest under the object's name. Deleting or replacing the object removes its segments.
//! - Listings are streams over `marker`, in Swift's byte order.
//! - Presigned URLs are TempURLs (HMAC-SHA256); the account's `Temp-URL-Key` is read, and set to a
//!   random value when the account has none and the caller may set it.
//! - Container ACLs: [`SwiftClient::set_container_read_acl`] / `write_acl` (`X-Container-Read`,
//!   `X-Container-Write`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, NaiveDateTime, Utc};
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
use openstack_sdk::types::ServiceType;
use serde::Deserialize;
use url::Url;

use crate::error::{self, PROVIDER};
use crate::session::{Answer, InfomaniakCloud, encode_path, encode_segment};

/// Objects above this size (and unknown-length streams that grow past it) become SLOs.
pub const DEFAULT_LARGE_OBJECT_THRESHOLD: u64 = 64 * 1024 * 1024;
/// The size of one SLO segment (each is held in memory while it uploads).
pub const DEFAULT_SEGMENT_SIZE: u64 = 64 * 1024 * 1024;
/// Swift's default largest single object (and largest segment).
pub const MAX_SINGLE_OBJECT: u64 = 5 * 1024 * 1024 * 1024;
/// Swift refuses SLO segments below 1 MiB (except the last).
pub const MIN_SEGMENT_SIZE: u64 = 1024 * 1024;
/// The longest validity this client gives a TempURL.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

const LIST_PAGE: u32 = 1000;
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

session_constructors!(SwiftClient, swift);

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

    fn call(&self, method: Method, path: impl Into<String>) -> crate::session::Call<'_> {
        self.session.request(ServiceType::ObjectStore, method, path)
    }

    /// Every container of the account, with counts and sizes, as a stream over `marker`.
    pub fn list_containers(&self) -> BoxStream<'static, Result<ContainerInfo>> {
        let this = self.clone();
        paginate(move |marker: Option<String>| {
            let this = this.clone();
            async move {
                let answer = this
                    .call(Method::GET, "")
                    .op("list_containers")
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
        let answer = self.call(Method::HEAD, encode_segment(container)).op("container_metadata").send().await?;
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
        let mut call = self.call(Method::POST, encode_segment(container)).op("set_container_metadata");
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
        let call = self.call(Method::POST, encode_segment(container)).op(op);
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
        let mut call = self.call(Method::POST, object_path(container, key)).op("set_object_metadata");
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
    /// find what an interrupted upload left behind.
    pub fn list_segments(&self, bucket: &str) -> BoxStream<'static, Result<ObjectMeta>> {
        if let Err(e) = validate_bucket_name(bucket) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        self.list_in(&format!("{bucket}{SEGMENTS_SUFFIX}"), ListOptions::default())
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
                    .op("list_objects")
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
        let answer = self.call(Method::HEAD, "").op("presign").send().await?;
        let key = match answer.header("x-account-meta-temp-url-key") {
            Some(key) if !key.is_empty() => SecretString::new(key),
            _ => {
                let key =
                    SecretString::new(format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()));
                self.call(Method::POST, "")
                    .op("presign")
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

    /// The crate's own GET (the body streams, so it does not go through the session's buffered
    /// client); re-authenticates once on `401`.
    async fn raw_get(&self, bucket: &str, key: &str, options: &GetOptions) -> Result<reqwest::Response> {
        let url = join_object_url(&self.account_url().await?, bucket, key)?;
        let mut retried = false;
        loop {
            let token = self.session.token()?;
            let mut request = self
                .session
                .http()
                .get(url.clone())
                .header("x-auth-token", token.expose())
                .headers(condition_headers(&options.conditions)?);
            if let Some(range) = &options.range {
                request = request.header(http::header::RANGE, range.to_http_header());
            }
            let response = match request.send().await {
                Ok(r) => r,
                // A pooled connection the server closed: try once more on a new one.
                Err(e) if !retried && !e.is_timeout() && (e.is_request() || e.is_connect()) => {
                    retried = true;
                    tracing::debug!(error = %e, "retrying a GET whose connection failed");
                    continue;
                }
                Err(e) => return Err(error::from_reqwest(e, "get_object")),
            };
            let status = response.status().as_u16();
            if status == 401 && !retried {
                retried = true;
                self.session.reauthenticate().await?;
                continue;
            }
            if (200..300).contains(&status) {
                return Ok(response);
            }
            let headers = response.headers().clone();
            let body = response.bytes().await.unwrap_or_default();
            return Err(error::from_response(status, &headers, &body, "get_object"));
        }
    }

    /// A streamed PUT of one object (or segment), failing with the payload's own error if it fails.
    async fn put_stream(
        &self,
        url: Url,
        headers: HeaderMap,
        body: ByteStream,
        size: Option<u64>,
        operation: &'static str,
    ) -> Result<Answer> {
        self.session.ensure_fresh_token().await?;
        let token = self.session.token()?;
        let failure: Arc<Mutex<Option<Error>>> = Arc::new(Mutex::new(None));
        let slot = failure.clone();
        let body = body.map_err(move |e| {
            let text = e.to_string();
            if let Ok(mut slot) = slot.lock() {
                slot.get_or_insert(e);
            }
            std::io::Error::other(text)
        });
        let mut request = self
            .session
            .http()
            .put(url)
            .headers(headers)
            .header("x-auth-token", token.expose())
            .body(reqwest::Body::wrap_stream(body));
        if let Some(size) = size {
            request = request.header(http::header::CONTENT_LENGTH, size);
        }
        let result = request.send().await;
        if let Some(err) = failure.lock().ok().and_then(|mut f| f.take()) {
            return Err(err);
        }
        let response = result.map_err(|e| error::from_reqwest(e, operation))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| error::from_reqwest(e, operation))?;
        if let Some(err) = failure.lock().ok().and_then(|mut f| f.take()) {
            return Err(err);
        }
        if !(200..300).contains(&status) {
            return Err(error::from_response(status, &headers, &body, operation));
        }
        Ok(crate::session::answer(status, headers, body, operation))
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

    /// The segments of the object now stored under `key`, if it is an SLO.
    async fn current_segments(&self, bucket: &str, key: &str) -> Result<Vec<String>> {
        let head = self.call(Method::HEAD, object_path(bucket, key)).op("put_object").send_unchecked().await?;
        if head.status == 404 {
            return Ok(Vec::new());
        }
        if !(200..300).contains(&head.status) {
            return Err(error::from_response(head.status, &head.headers, &head.body, "put_object"));
        }
        if !head.header("x-static-large-object").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(Vec::new());
        }
        let manifest = self
            .call(Method::GET, object_path(bucket, key))
            .op("put_object")
            .query("multipart-manifest", "get")
            .query("format", "raw")
            .send()
            .await?;
        let segments: Vec<serde_json::Value> = manifest.json()?;
        Ok(segments
            .iter()
            .filter_map(|s| s.get("path").or_else(|| s.get("name")).and_then(|p| p.as_str()).map(str::to_owned))
            .collect())
    }

    /// Deletes segments given as `/container/object` paths (best effort: failures are logged).
    async fn delete_segments(&self, paths: &[String]) {
        for path in paths {
            let trimmed = path.trim_start_matches('/');
            let Some((container, object)) = trimmed.split_once('/') else { continue };
            let decoded = percent_encoding::percent_decode_str(object).decode_utf8_lossy().into_owned();
            let result = self.call(Method::DELETE, object_path(container, &decoded)).op("delete_segment").send().await;
            if let Err(e) = result
                && e.kind() != ErrorKind::NotFound
            {
                tracing::warn!(segment = %path, error = %e, "could not delete an SLO segment");
            }
        }
    }

    /// Uploads `first` then the rest of `rest` as SLO segments and writes the manifest.
    async fn put_large(
        &self,
        bucket: &str,
        key: &str,
        first: Bytes,
        mut rest: ByteStream,
        options: &PutOptions,
    ) -> Result<PutResult> {
        let segments_container = format!("{bucket}{SEGMENTS_SUFFIX}");
        let created = self.call(Method::PUT, encode_segment(&segments_container)).op("put_object").send().await?;
        drop(created);
        let upload = uuid::Uuid::new_v4().simple().to_string();
        let account = self.account_url().await?;
        let segment_size = usize::try_from(self.segment_size).unwrap_or(usize::MAX);
        let mut uploaded: Vec<(String, String, u64)> = Vec::new();
        let mut pending = BytesMut::from(&first[..]);
        let mut done = false;
        let outcome: Result<()> = async {
            while !done || !pending.is_empty() {
                while !done && pending.len() < segment_size {
                    match rest.try_next().await? {
                        Some(chunk) => pending.extend_from_slice(&chunk),
                        None => done = true,
                    }
                }
                let take = pending.len().min(segment_size);
                if take == 0 {
                    break;
                }
                let segment = pending.split_to(take).freeze();
                let name = format!("{key}/{upload}/{:08}", uploaded.len());
                let url = join_object_url(&account, &segments_container, &name)?;
                let size = segment.len() as u64;
                let body = futures::stream::once(async move { Ok(segment) }).boxed();
                let answer = self.put_stream(url, HeaderMap::new(), body, Some(size), "put_object").await?;
                let etag = answer.header("etag").unwrap_or_default().trim_matches('"').to_owned();
                uploaded.push((format!("/{segments_container}/{name}"), etag, size));
            }
            Ok(())
        }
        .await;
        let cleanup: Vec<String> = uploaded.iter().map(|(p, _, _)| p.clone()).collect();
        if let Err(e) = outcome {
            self.delete_segments(&cleanup).await;
            return Err(e);
        }
        let manifest: Vec<serde_json::Value> = uploaded
            .iter()
            .map(|(path, etag, size)| serde_json::json!({"path": path, "etag": etag, "size_bytes": size}))
            .collect();
        let total: u64 = uploaded.iter().map(|(_, _, s)| s).sum();
        let mut call = self
            .call(Method::PUT, object_path(bucket, key))
            .op("put_object")
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
        match call.send().await {
            Ok(answer) => Ok(PutResult::new(answer.header("etag").map(str::to_owned), Some(total))),
            Err(e) => {
                self.delete_segments(&cleanup).await;
                Err(e)
            }
        }
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

/// `bytes start-end/total` → (start, end exclusive, total).
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes")?.trim();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    let total: u64 = total.trim().parse().ok()?;
    Some((start, end + 1, total))
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

#[async_trait]
impl StorageClient for SwiftClient {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Infomaniak
    }

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
        caps
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
        let answer = self.call(Method::PUT, encode_segment(bucket)).op("create_bucket").send().await?;
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
        self.call(Method::DELETE, encode_segment(bucket)).op("delete_bucket").send().await?;
        // The SLO segments container goes with it when it is empty.
        let segments = format!("{bucket}{SEGMENTS_SUFFIX}");
        let _ = self.call(Method::DELETE, encode_segment(&segments)).op("delete_bucket").send_unchecked().await;
        Ok(())
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        validate_bucket_name(bucket)?;
        let answer = self.call(Method::HEAD, encode_segment(bucket)).op("bucket_exists").send_unchecked().await?;
        match answer.status {
            200..=299 => Ok(true),
            404 => Ok(false),
            status => Err(error::from_response(status, &answer.headers, &answer.body, "bucket_exists")),
        }
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        let headers = Self::object_headers(&options)?;
        let old_segments = self.current_segments(bucket, key).await?;
        let threshold = self.threshold;
        let size = payload.size();
        let url = join_object_url(&self.account_url().await?, bucket, key)?;
        let result: Result<PutResult> = async {
            match size {
                Some(n) if n <= threshold => {
                    let answer = self.put_stream(url, headers, payload.into_stream(), Some(n), "put_object").await?;
                    Ok(PutResult::new(answer.header("etag").map(str::to_owned), Some(n)))
                }
                Some(_) => self.put_large(bucket, key, Bytes::new(), payload.into_stream(), &options).await,
                None => {
                    // Read up to the threshold: a stream that ends before it is one plain object.
                    let mut stream = payload.into_stream();
                    let limit = usize::try_from(threshold).unwrap_or(usize::MAX);
                    let mut buffer = BytesMut::new();
                    let mut ended = false;
                    while buffer.len() <= limit {
                        match stream.try_next().await? {
                            Some(chunk) => buffer.extend_from_slice(&chunk),
                            None => {
                                ended = true;
                                break;
                            }
                        }
                    }
                    if ended {
                        let bytes = buffer.freeze();
                        let n = bytes.len() as u64;
                        let body = futures::stream::once(async move { Ok(bytes) }).boxed();
                        let answer = self.put_stream(url, headers, body, Some(n), "put_object").await?;
                        Ok(PutResult::new(answer.header("etag").map(str::to_owned), Some(n)))
                    } else {
                        self.put_large(bucket, key, buffer.freeze(), stream, &options).await
                    }
                }
            }
        }
        .await;
        if result.is_ok() && !old_segments.is_empty() {
            self.delete_segments(&old_segments).await;
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
        if let Some(GetRange::Bounded(r)) = &options.range
            && r.start >= r.end
        {
            return Err(Error::invalid_input(format!("range {}..{} is empty or inverted", r.start, r.end)));
        }
        options.conditions.validate(&self.capabilities())?;
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
        let length = response
            .content_length()
            .or_else(|| headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()));
        let (range, total) = if response.status().as_u16() == 206 {
            let parsed = headers.get("content-range").and_then(|v| v.to_str().ok()).and_then(parse_content_range);
            match parsed {
                Some((start, end, total)) => (start..end, total),
                None => {
                    return Err(Error::new(ErrorKind::ResponseInvalid, "a 206 answer without Content-Range")
                        .with_provider(PROVIDER)
                        .with_operation("get_object"));
                }
            }
        } else {
            let total = length.unwrap_or(0);
            (0..total, total)
        };
        let meta = meta_from_headers(key, &headers, total);
        let body = response.bytes_stream().map_err(|e| error::from_reqwest(e, "get_object")).boxed();
        Ok(GetResult::new(meta, range, body))
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.conditions.validate(&self.capabilities())?;
        let mut call = self.call(Method::HEAD, object_path(bucket, key)).op("head_object");
        for (name, value) in &condition_headers(&options.conditions)? {
            if let Ok(value) = value.to_str() {
                call = call.header(name.as_str(), value)?;
            }
        }
        let answer = call.send().await?;
        let size = answer.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        Ok(meta_from_headers(key, &answer.headers, size))
    }

    async fn delete_object(&self, bucket: &str, key: &str, _options: DeleteOptions) -> Result<()> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        // An SLO goes with its segments (`multipart-manifest=delete`), which Swift refuses for a
        // plain object; so look first.
        let head = self.call(Method::HEAD, object_path(bucket, key)).op("delete_object").send().await?;
        let is_slo = head.header("x-static-large-object").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let call = self.call(Method::DELETE, object_path(bucket, key)).op("delete_object");
        let call = if is_slo { call.query("multipart-manifest", "delete") } else { call };
        call.send().await.map(drop)
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
        self.call(Method::PUT, object_path(dst_bucket, dst_key))
            .op("copy_object")
            .header("x-copy-from", &source)?
            .send()
            .await
            .map(drop)
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
    fn content_range_and_swift_times_parse() {
        assert_eq!(parse_content_range("bytes 2-5/10"), Some((2, 6, 10)));
        assert_eq!(parse_content_range("bytes */10"), None);
        assert!(parse_swift_time("2026-01-02T03:04:05.123456").is_some());
        assert_eq!(object_path("c", "a b/é"), "c/a%20b/%C3%A9");
    }
}
