//! The data the [`StorageClient`](super::StorageClient) trait takes and returns.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};

use super::{Conditions, PutMode};
use crate::{Error, Result};

/// A stream of body chunks.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// A bucket (S3, GCS), container (Azure, Swift) or directory (local).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketInfo {
    /// The bucket's name.
    pub name: String,
    /// When it was created, if the backend says.
    pub created_at: Option<DateTime<Utc>>,
    /// Where it lives, if the backend says.
    pub region: Option<String>,
}

impl BucketInfo {
    /// A bucket with only its name known.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), created_at: None, region: None }
    }

    /// Sets the creation time.
    #[must_use]
    pub fn with_created_at(mut self, created_at: DateTime<Utc>) -> Self {
        self.created_at = Some(created_at);
        self
    }

    /// Sets the region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
}

/// What is known about a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectMeta {
    /// The object's key within its bucket.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written, if the backend says.
    pub last_modified: Option<DateTime<Utc>>,
    /// The entity tag, without quotes, if the backend gives one.
    pub etag: Option<String>,
    /// Its content type, if known (listings usually do not carry it).
    pub content_type: Option<String>,
    /// User metadata (`x-amz-meta-*`, `x-ms-meta-*`, `X-Object-Meta-*` …), keys lowercased.
    /// Listings usually do not carry it; `head_object` does.
    pub metadata: BTreeMap<String, String>,
    /// `Cache-Control`, `Content-Disposition`, `Content-Encoding`, `Content-Language`, where the
    /// backend stores them (listings usually do not carry them; `head_object` does).
    pub headers: ContentHeaders,
}

impl ObjectMeta {
    /// Metadata with only the key and size known.
    pub fn new(key: impl Into<String>, size: u64) -> Self {
        Self {
            key: key.into(),
            size,
            last_modified: None,
            etag: None,
            content_type: None,
            metadata: BTreeMap::new(),
            headers: ContentHeaders::default(),
        }
    }

    /// Sets the content headers (`Cache-Control`, `Content-Disposition`, `Content-Encoding`,
    /// `Content-Language`).
    #[must_use]
    pub fn with_headers(mut self, headers: ContentHeaders) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the modification time.
    #[must_use]
    pub fn with_last_modified(mut self, t: DateTime<Utc>) -> Self {
        self.last_modified = Some(t);
        self
    }

    /// Sets the entity tag; surrounding quotes are removed.
    #[must_use]
    pub fn with_etag(mut self, etag: impl Into<String>) -> Self {
        self.set_etag(etag);
        self
    }

    /// Sets the entity tag in place (surrounding quotes removed): for code that fills many
    /// entries, such as a listing, where each builder call would move the whole entry.
    pub fn set_etag(&mut self, etag: impl Into<String>) {
        let mut etag: String = etag.into();
        etag.truncate(etag.trim_end_matches('"').len());
        let quotes = etag.len() - etag.trim_start_matches('"').len();
        etag.drain(..quotes);
        self.etag = Some(etag);
    }

    /// Sets the content type.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets the user metadata.
    #[must_use]
    pub fn with_metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = metadata;
        self
    }
}

/// The body of an upload: bytes in memory or a stream of chunks.
///
/// Streams are consumed once; a client that needs to resend (a retry) can only do so for bytes,
/// or by buffering a part at a time (multipart uploads).
pub struct PutPayload {
    inner: PayloadInner,
}

enum PayloadInner {
    Bytes(Bytes),
    Stream { stream: ByteStream, size: Option<u64> },
}

impl PutPayload {
    /// A body held in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self { inner: PayloadInner::Bytes(bytes.into()) }
    }

    /// A streamed body; `size` is its exact length if known (backends may use it to choose
    /// between a single request and a multipart upload).
    pub fn from_stream(stream: ByteStream, size: Option<u64>) -> Self {
        Self { inner: PayloadInner::Stream { stream, size } }
    }

    /// The exact length, if known.
    pub fn size(&self) -> Option<u64> {
        match &self.inner {
            PayloadInner::Bytes(b) => Some(b.len() as u64),
            PayloadInner::Stream { size, .. } => *size,
        }
    }

    /// The bytes, if the payload is held in memory.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            PayloadInner::Bytes(b) => Some(b),
            PayloadInner::Stream { .. } => None,
        }
    }

    /// The payload as a stream of chunks.
    pub fn into_stream(self) -> ByteStream {
        match self.inner {
            PayloadInner::Bytes(b) if b.is_empty() => futures::stream::empty().boxed(),
            PayloadInner::Bytes(b) => futures::stream::once(async move { Ok(b) }).boxed(),
            PayloadInner::Stream { stream, .. } => stream,
        }
    }

    /// Reads the whole payload into memory (for small bodies and backends without streaming).
    ///
    /// # Errors
    /// The first error of the stream.
    pub async fn into_bytes(self) -> Result<Bytes> {
        match self.inner {
            PayloadInner::Bytes(b) => Ok(b),
            PayloadInner::Stream { stream, size } => collect_stream(stream, size).await,
        }
    }
}

impl fmt::Debug for PutPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            PayloadInner::Bytes(b) => f.debug_struct("PutPayload").field("bytes", &b.len()).finish(),
            PayloadInner::Stream { size, .. } => {
                f.debug_struct("PutPayload").field("stream", &true).field("size", size).finish()
            }
        }
    }
}

impl From<Bytes> for PutPayload {
    fn from(b: Bytes) -> Self {
        Self::from_bytes(b)
    }
}

impl From<Vec<u8>> for PutPayload {
    fn from(v: Vec<u8>) -> Self {
        Self::from_bytes(v)
    }
}

impl From<&'static [u8]> for PutPayload {
    fn from(v: &'static [u8]) -> Self {
        Self::from_bytes(Bytes::from_static(v))
    }
}

impl From<&'static str> for PutPayload {
    fn from(v: &'static str) -> Self {
        Self::from_bytes(Bytes::from_static(v.as_bytes()))
    }
}

impl From<String> for PutPayload {
    fn from(v: String) -> Self {
        Self::from_bytes(v)
    }
}

/// Collects a stream into one buffer, reserving `size_hint` bytes first.
pub(crate) async fn collect_stream(mut stream: ByteStream, size_hint: Option<u64>) -> Result<Bytes> {
    let capacity = size_hint.map_or(0, |s| usize::try_from(s).unwrap_or(0).min(64 << 20));
    let mut first: Option<Bytes> = None;
    let mut buf: Option<BytesMut> = None;
    while let Some(chunk) = stream.try_next().await? {
        match (&mut first, &mut buf) {
            (None, None) => first = Some(chunk),
            (Some(f), None) => {
                let mut b = BytesMut::with_capacity(capacity.max(f.len() + chunk.len()));
                b.extend_from_slice(f);
                b.extend_from_slice(&chunk);
                first = None;
                buf = Some(b);
            }
            (_, Some(b)) => b.extend_from_slice(&chunk),
        }
    }
    Ok(match (first, buf) {
        (_, Some(b)) => b.freeze(),
        (Some(f), None) => f,
        (None, None) => Bytes::new(),
    })
}

/// A callback told how many bytes of a put the destination has acknowledged, set with
/// [`PutOptions::with_progress`].
///
/// Backends call it with a running total of the bytes the server has confirmed storing: after
/// each multipart part, block, segment or chunk it acknowledged, or once for a put sent in one
/// request (a local directory: once the data is written). Bytes read from the payload but not yet
/// acknowledged, or still in flight, are never counted:
///
/// - the total never decreases, and never exceeds the bytes the payload has yielded;
/// - after a successful put the last call reports the object's size (`0` for an empty object);
///   it happens before `put_object` returns, and no call comes after;
/// - calls come one at a time from the task running `put_object`, so the callback must be quick
///   (update a counter or a progress bar, do not block);
/// - after a failed put, the total said what the server held before the upload was abandoned;
///   those bytes are discarded with it.
///
/// Equality is identity: two `PutProgress` are equal if they are clones of one callback.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use cloud_core::storage::PutOptions;
///
/// let acknowledged = Arc::new(AtomicU64::new(0));
/// let seen = Arc::clone(&acknowledged);
/// let options = PutOptions::default().with_progress(move |bytes| seen.store(bytes, Ordering::Relaxed));
/// options.report_progress(4096); // what a backend does when a part is acknowledged
/// assert_eq!(acknowledged.load(Ordering::Relaxed), 4096);
/// ```
#[derive(Clone)]
pub struct PutProgress(Arc<dyn Fn(u64) + Send + Sync>);

impl PutProgress {
    /// A callback receiving the running total of acknowledged bytes.
    pub fn new(callback: impl Fn(u64) + Send + Sync + 'static) -> Self {
        Self(Arc::new(callback))
    }

    /// Reports that the destination has acknowledged `acknowledged` bytes in all (for backends).
    pub fn report(&self, acknowledged: u64) {
        (self.0)(acknowledged);
    }
}

impl fmt::Debug for PutProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PutProgress(..)")
    }
}

impl PartialEq for PutProgress {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }
}

impl Eq for PutProgress {}

/// Options of [`StorageClient::put_object`](super::StorageClient::put_object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutOptions {
    /// The object's content type (`application/octet-stream` when unset, on most backends).
    pub content_type: Option<String>,
    /// User metadata. Keys should be lowercase ASCII letters, digits and `-`: that is what every
    /// backend can store. Other keys are rejected with `InvalidInput`.
    pub metadata: BTreeMap<String, String>,
    /// What to do if an object is stored under the key (see [`PutMode`]).
    pub mode: PutMode,
    /// `Cache-Control`, `Content-Disposition`, `Content-Encoding` and `Content-Language`, stored
    /// and returned by `head_object`/`get_object`. Setting one the backend cannot store is
    /// `Unsupported`.
    pub headers: ContentHeaders,
    /// Told the bytes the destination has acknowledged as the upload proceeds (see
    /// [`PutProgress`]); every backend supports it.
    pub progress: Option<PutProgress>,
}

impl PutOptions {
    /// Sets the mode (create only, update if the ETag matches).
    #[must_use]
    pub fn with_mode(mut self, mode: PutMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the content headers.
    #[must_use]
    pub fn with_headers(mut self, headers: ContentHeaders) -> Self {
        self.headers = headers;
        self
    }

    /// Checks everything but the payload before anything is sent: metadata, header values, the
    /// mode (`InvalidInput`), and that the backend supports what is asked (`Unsupported`).
    ///
    /// # Errors
    /// As above.
    pub fn validate(&self, caps: &StorageCapabilities) -> Result<()> {
        super::validate_metadata(&self.metadata)?;
        if let Some(ct) = &self.content_type {
            validate_header_value("content_type", ct)?;
        }
        self.headers.validate(caps)?;
        self.mode.validate(caps)
    }

    /// Sets the content type.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Adds one user metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the callback told the running total of bytes the destination has acknowledged (see
    /// [`PutProgress`]).
    #[must_use]
    pub fn with_progress(mut self, callback: impl Fn(u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(PutProgress::new(callback));
        self
    }

    /// Calls the progress callback, if any, with the running total of acknowledged bytes (for
    /// backends: after each acknowledged part, and with the object's size once all of it is).
    pub fn report_progress(&self, acknowledged: u64) {
        if let Some(progress) = &self.progress {
            progress.report(acknowledged);
        }
    }
}

/// What a successful put returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutResult {
    /// The stored object's entity tag, if the backend gives one.
    pub etag: Option<String>,
    /// The stored object's size, if known.
    pub size: Option<u64>,
}

impl PutResult {
    /// A result with an optional entity tag and size.
    pub fn new(etag: Option<String>, size: Option<u64>) -> Self {
        Self { etag: etag.map(|e| e.trim_matches('"').to_owned()), size }
    }
}

/// A byte range to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetRange {
    /// Bytes `start..end` (end exclusive).
    Bounded(Range<u64>),
    /// Everything from this offset on.
    Offset(u64),
    /// The last this many bytes.
    Suffix(u64),
}

impl GetRange {
    /// Checks what can be checked without the object's size: a bounded range must not be empty
    /// or inverted. Backends call it before sending anything.
    ///
    /// ```
    /// use cloud_core::storage::GetRange;
    /// assert!(GetRange::Bounded(0..10).validate().is_ok());
    /// assert!(GetRange::Bounded(10..2).validate().is_err());
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` for an empty or inverted bounded range.
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::Bounded(r) if r.start >= r.end => {
                Err(Error::invalid_input(format!("range {}..{} is empty or inverted", r.start, r.end)))
            }
            _ => Ok(()),
        }
    }

    /// The concrete range within an object of `size` bytes.
    ///
    /// # Errors
    /// `InvalidInput` when the range is empty, inverted or starts past the end.
    pub fn resolve(&self, size: u64) -> Result<Range<u64>> {
        let range = match self {
            Self::Bounded(r) => {
                if r.start >= r.end {
                    return Err(Error::invalid_input(format!("range {}..{} is empty or inverted", r.start, r.end)));
                }
                r.start..r.end.min(size)
            }
            Self::Offset(o) => *o..size,
            Self::Suffix(n) => size.saturating_sub(*n)..size,
        };
        if range.start >= size && !(size == 0 && matches!(self, Self::Suffix(_))) {
            return Err(Error::invalid_input(format!(
                "range starts at {} but the object has {size} bytes",
                range.start
            )));
        }
        Ok(range)
    }

    /// The value of an HTTP `Range` header for this range.
    pub fn to_http_header(&self) -> String {
        match self {
            Self::Bounded(r) => format!("bytes={}-{}", r.start, r.end.saturating_sub(1)),
            Self::Offset(o) => format!("bytes={o}-"),
            Self::Suffix(n) => format!("bytes=-{n}"),
        }
    }
}

impl From<Range<u64>> for GetRange {
    fn from(r: Range<u64>) -> Self {
        Self::Bounded(r)
    }
}

impl From<std::ops::RangeFrom<u64>> for GetRange {
    fn from(r: std::ops::RangeFrom<u64>) -> Self {
        Self::Offset(r.start)
    }
}

/// Options of [`StorageClient::get_object`](super::StorageClient::get_object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetOptions {
    /// Read only this range.
    pub range: Option<GetRange>,
    /// Preconditions (see [`Conditions`]).
    pub conditions: Conditions,
}

impl GetOptions {
    /// Sets the preconditions.
    #[must_use]
    pub fn with_conditions(mut self, conditions: Conditions) -> Self {
        self.conditions = conditions;
        self
    }

    /// Reads only `range`.
    #[must_use]
    pub fn with_range(mut self, range: impl Into<GetRange>) -> Self {
        self.range = Some(range.into());
        self
    }

    /// Checks the options before anything is sent: the conditions (see
    /// [`Conditions::validate`]) and the range (see [`GetRange::validate`]). Every backend's
    /// `get_object` calls it first.
    ///
    /// # Errors
    /// `InvalidInput` for a malformed condition or an empty or inverted range; `Unsupported` for a
    /// condition the backend cannot evaluate.
    pub fn validate(&self, caps: &StorageCapabilities) -> Result<()> {
        self.conditions.validate(caps)?;
        self.range.as_ref().map_or(Ok(()), GetRange::validate)
    }
}

/// A download in progress: the object's metadata and its body as a stream.
#[non_exhaustive]
pub struct GetResult {
    /// The object's metadata (`size` is the whole object's size, not the range's).
    pub meta: ObjectMeta,
    /// The byte range the body covers.
    pub range: Range<u64>,
    /// The body.
    pub body: ByteStream,
}

impl GetResult {
    /// A result from its parts.
    ///
    /// The body must carry exactly the bytes of `range`: one that ends early (a connection
    /// closed mid-body, an answer without length truncated) or runs past it yields a
    /// `ResponseInvalid` error at its end instead of a short or long object.
    pub fn new(meta: ObjectMeta, range: Range<u64>, body: ByteStream) -> Self {
        let expected = range.end.saturating_sub(range.start);
        Self { body: exact_length(body, expected, meta.key.clone()), meta, range }
    }

    /// Reads the whole body into memory.
    ///
    /// # Errors
    /// The first error of the body stream.
    pub async fn bytes(self) -> Result<Bytes> {
        let len = self.range.end.saturating_sub(self.range.start);
        collect_stream(self.body, Some(len)).await
    }

    /// The body stream.
    pub fn into_stream(self) -> ByteStream {
        self.body
    }
}

/// `body`, checked to carry exactly `expected` bytes: an error ends it as soon as it runs past
/// them, or when it ends short of them.
fn exact_length(body: ByteStream, expected: u64, key: String) -> ByteStream {
    let state = (body, 0_u64, false);
    futures::stream::unfold(state, move |(mut body, received, done)| {
        let key = key.clone();
        async move {
            if done {
                return None;
            }
            let mismatch = |received: u64| {
                Error::new(
                    crate::ErrorKind::ResponseInvalid,
                    format!("the body of {key} ended after {received} of {expected} bytes"),
                )
            };
            match body.next().await {
                Some(Ok(chunk)) => {
                    let received = received + chunk.len() as u64;
                    if received > expected {
                        let err = Error::new(
                            crate::ErrorKind::ResponseInvalid,
                            format!("the body of {key} is longer than the {expected} bytes announced"),
                        );
                        return Some((Err(err), (body, received, true)));
                    }
                    Some((Ok(chunk), (body, received, false)))
                }
                Some(Err(e)) => Some((Err(e), (body, received, true))),
                None if received < expected => Some((Err(mismatch(received)), (body, received, true))),
                None => None,
            }
        }
    })
    // Polled again after its end (as `object_store` does), it stays ended.
    .fuse()
    .boxed()
}

impl fmt::Debug for GetResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetResult").field("meta", &self.meta).field("range", &self.range).finish_non_exhaustive()
    }
}

/// Options of [`StorageClient::list_entries`](super::StorageClient::list_entries).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// Only keys starting with this prefix (a plain string prefix, not a directory).
    pub prefix: Option<String>,
    /// Ask the backend for pages of at most this many entries (where it supports it); the stream
    /// still yields every entry.
    pub page_size: Option<u32>,
    /// Roll keys that continue past this string (after the prefix) up into one
    /// [`ListEntry::Prefix`](super::ListEntry::Prefix) each (`capabilities().list_delimiter`;
    /// longer than one character only where `capabilities().list_delimiter_multi_char`).
    pub delimiter: Option<String>,
    /// Only entries (keys, or common prefixes) whose name sorts after this one, in byte order
    /// (`capabilities().list_start_after`).
    pub start_after: Option<String>,
}

impl ListOptions {
    /// Rolls keys up at `delimiter` (usually `/`).
    #[must_use]
    pub fn with_delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// Lists only keys after `key`.
    #[must_use]
    pub fn with_start_after(mut self, key: impl Into<String>) -> Self {
        self.start_after = Some(key.into());
        self
    }

    /// Checks the options before anything is sent: an empty delimiter or start key, a start key
    /// past every key under the prefix, and a multi-character delimiter where the backend allows
    /// one character are `InvalidInput`; a delimiter or start key the backend cannot honour is
    /// `Unsupported`.
    ///
    /// # Errors
    /// As above.
    ///
    /// ```
    /// use cloud_core::ErrorKind;
    /// use cloud_core::storage::{ListOptions, StorageCapabilities};
    /// let mut caps = StorageCapabilities::default();
    /// caps.list_delimiter = true;
    /// caps.list_start_after = true;
    /// assert!(ListOptions::default().with_delimiter("/").validate(&caps).is_ok());
    /// let err = ListOptions::default().with_delimiter("::").validate(&caps).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidInput);
    /// // Every key under "a/" sorts before "b": nothing could be listed.
    /// let err = ListOptions::from("a/").with_start_after("b").validate(&caps).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidInput);
    /// ```
    pub fn validate(&self, caps: &StorageCapabilities) -> Result<()> {
        if let Some(delimiter) = &self.delimiter {
            if delimiter.is_empty() || delimiter.chars().any(char::is_control) {
                return Err(Error::invalid_input(format!(
                    "delimiter {delimiter:?} is empty or has control characters"
                )));
            }
            if !caps.list_delimiter {
                return Err(Error::unsupported("this backend cannot list with a delimiter"));
            }
            if delimiter.chars().count() > 1 && !caps.list_delimiter_multi_char {
                return Err(Error::invalid_input(format!(
                    "delimiter {delimiter:?} is longer than the one character this backend allows"
                )));
            }
        }
        if let Some(start) = &self.start_after {
            if start.is_empty() {
                return Err(Error::invalid_input("start_after is empty (leave it unset to start at the first key)"));
            }
            if self.start_after_is_past_every_key() {
                return Err(Error::invalid_input(format!(
                    "start_after {start:?} sorts after every key starting with {:?}: the listing would be empty",
                    self.prefix.as_deref().unwrap_or_default()
                )));
            }
            if !caps.list_start_after {
                return Err(Error::unsupported("this backend cannot start a listing after a given key"));
            }
        }
        Ok(())
    }

    /// Whether `start_after` sorts after every key that starts with `prefix` (then no key can be
    /// listed).
    pub fn start_after_is_past_every_key(&self) -> bool {
        match (&self.start_after, self.prefix.as_deref().filter(|p| !p.is_empty())) {
            (Some(start), Some(prefix)) => start.as_str() > prefix && !start.starts_with(prefix),
            _ => false,
        }
    }

    /// Lists keys starting with `prefix`.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Asks for pages of `page_size` entries.
    #[must_use]
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }
}

impl From<&str> for ListOptions {
    fn from(prefix: &str) -> Self {
        Self::default().with_prefix(prefix)
    }
}

/// Options of [`StorageClient::create_bucket`](super::StorageClient::create_bucket).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateBucketOptions {
    /// Where to create it (S3's location constraint); the client's region when unset.
    pub region: Option<String>,
}

impl CreateBucketOptions {
    /// Creates the bucket in `region`.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
}

/// The operation a presigned URL allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PresignMethod {
    /// Download the object.
    Get,
    /// Upload (replace) the object.
    Put,
}

impl PresignMethod {
    /// The HTTP method.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
        }
    }
}

impl fmt::Display for PresignMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A presigned URL: anyone holding it may perform `method` until `expires_at`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresignedUrl {
    /// The HTTP method to use.
    pub method: PresignMethod,
    /// The URL. It carries a signature: treat it as a short-lived secret.
    pub url: url::Url,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Headers the request must carry for the signature to match (often none).
    pub headers: BTreeMap<String, String>,
}

impl PresignedUrl {
    /// A presigned URL from its parts.
    pub fn new(method: PresignMethod, url: url::Url, expires_at: DateTime<Utc>) -> Self {
        Self { method, url, expires_at, headers: BTreeMap::new() }
    }
}

impl fmt::Debug for PresignedUrl {
    /// Prints the URL without its query, which holds the signature.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.url.clone();
        shown.set_query(None);
        f.debug_struct("PresignedUrl")
            .field("method", &self.method)
            .field("url", &format_args!("{shown}?** redacted **"))
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a storage backend supports, declared as data.
///
/// Unsupported operations return `ErrorKind::Unsupported`; the conformance suite reads these
/// flags to choose its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StorageCapabilities {
    /// `list_buckets` works.
    pub list_buckets: bool,
    /// `create_bucket` and `delete_bucket` work.
    pub create_bucket: bool,
    /// `copy_object` works.
    pub copy: bool,
    /// Ranged reads work.
    pub range_reads: bool,
    /// User metadata is stored and returned by `head_object`.
    pub user_metadata: bool,
    /// The content type is stored and returned by `head_object`.
    pub content_type: bool,
    /// `list_objects` honours `page_size` (so several pages can be observed).
    pub list_page_size: bool,
    /// Presigned GET URLs.
    pub presign_get: bool,
    /// Presigned PUT URLs.
    pub presign_put: bool,
    /// The longest validity a presigned URL may have.
    pub presign_max_expiry: Option<Duration>,
    /// Objects this large can be stored (`None`: no known limit).
    pub max_object_size: Option<u64>,
    /// `PutMode::Create`: store only if the key is free (`AlreadyExists` otherwise).
    pub put_if_not_exists: bool,
    /// `PutMode::Update`: replace only if the ETag matches (`PreconditionFailed` otherwise).
    pub put_if_match: bool,
    /// `Conditions::if_match` on get and head.
    pub if_match: bool,
    /// `Conditions::if_none_match` on get and head.
    pub if_none_match: bool,
    /// `Conditions::if_modified_since` on get and head.
    pub if_modified_since: bool,
    /// `Conditions::if_unmodified_since` on get and head.
    pub if_unmodified_since: bool,
    /// `CopyMode::Create`: copy only if the destination is free (`AlreadyExists` otherwise).
    pub copy_if_not_exists: bool,
    /// `ListOptions::delimiter`: listings with common prefixes.
    pub list_delimiter: bool,
    /// Delimiters longer than one character.
    pub list_delimiter_multi_char: bool,
    /// `ListOptions::start_after`.
    pub list_start_after: bool,
    /// `Cache-Control` is stored and returned.
    pub cache_control: bool,
    /// `Content-Disposition` is stored and returned.
    pub content_disposition: bool,
    /// `Content-Encoding` is stored and returned.
    pub content_encoding: bool,
    /// `Content-Language` is stored and returned.
    pub content_language: bool,
    /// Puts of one key that overlap in time all succeed, and the one that completes last wins.
    ///
    /// When false, a put that the backend stages in several requests fails with `Conflict`, and
    /// writes nothing, if another put of the same key completes while it is staging: Azure Blob
    /// storage keeps one list of uncommitted blocks per blob and discards it whenever a write of
    /// the blob commits, so the first writer to finish wins.
    pub put_last_writer_wins: bool,
}

/// The content headers an object can carry besides its content type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContentHeaders {
    /// `Cache-Control` (`max-age=3600`).
    pub cache_control: Option<String>,
    /// `Content-Disposition` (`attachment; filename="report.csv"`).
    pub content_disposition: Option<String>,
    /// `Content-Encoding` (`gzip`): the body is stored as given, and served with this header.
    pub content_encoding: Option<String>,
    /// `Content-Language` (`fr-CH`).
    pub content_language: Option<String>,
}

impl ContentHeaders {
    /// Sets `Cache-Control`.
    #[must_use]
    pub fn with_cache_control(mut self, value: impl Into<String>) -> Self {
        self.cache_control = Some(value.into());
        self
    }

    /// Sets `Content-Disposition`.
    #[must_use]
    pub fn with_content_disposition(mut self, value: impl Into<String>) -> Self {
        self.content_disposition = Some(value.into());
        self
    }

    /// Sets `Content-Encoding`.
    #[must_use]
    pub fn with_content_encoding(mut self, value: impl Into<String>) -> Self {
        self.content_encoding = Some(value.into());
        self
    }

    /// Sets `Content-Language`.
    #[must_use]
    pub fn with_content_language(mut self, value: impl Into<String>) -> Self {
        self.content_language = Some(value.into());
        self
    }

    /// Whether no header is set.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The headers that are set, as (lowercase HTTP name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("cache-control", &self.cache_control),
            ("content-disposition", &self.content_disposition),
            ("content-encoding", &self.content_encoding),
            ("content-language", &self.content_language),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
    }

    /// Sets the header named `name` (lowercase HTTP name) if it is one of the four; returns
    /// whether it was.
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> bool {
        let slot = match name {
            "cache-control" => &mut self.cache_control,
            "content-disposition" => &mut self.content_disposition,
            "content-encoding" => &mut self.content_encoding,
            "content-language" => &mut self.content_language,
            _ => return false,
        };
        *slot = Some(value.into());
        true
    }

    /// Checks the values (printable ASCII, as HTTP headers carry them: `InvalidInput`) and that
    /// the backend stores each header that is set (`Unsupported`).
    ///
    /// # Errors
    /// As above.
    pub fn validate(&self, caps: &StorageCapabilities) -> Result<()> {
        for (name, value) in self.iter() {
            validate_header_value(name, value)?;
            let supported = match name {
                "cache-control" => caps.cache_control,
                "content-disposition" => caps.content_disposition,
                "content-encoding" => caps.content_encoding,
                _ => caps.content_language,
            };
            if !supported {
                return Err(Error::unsupported(format!("this backend does not store {name}")));
            }
        }
        Ok(())
    }
}

/// A header value: printable ASCII or tabs, not empty.
fn validate_header_value(name: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() || !value.bytes().all(|b| (0x20..0x7f).contains(&b) || b == b'\t') {
        return Err(Error::invalid_input(format!("{name} {value:?} must be non-empty printable ASCII")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use futures::stream::{self, StreamExt};

    use super::{GetResult, ObjectMeta};
    use crate::ErrorKind;

    fn result(range: std::ops::Range<u64>, chunks: &[&'static [u8]]) -> GetResult {
        let body = stream::iter(chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect::<Vec<_>>()).boxed();
        GetResult::new(ObjectMeta::new("k", 100), range, body)
    }

    #[tokio::test]
    async fn a_body_of_the_declared_length_passes() {
        assert_eq!(result(10..16, &[b"abc", b"def"]).bytes().await.unwrap(), &b"abcdef"[..]);
        assert_eq!(result(0..0, &[]).bytes().await.unwrap(), &b""[..]);
    }

    #[tokio::test]
    async fn a_checked_body_stays_ended_when_polled_again() {
        let mut body = result(0..3, &[b"abc"]).into_stream();
        assert!(body.next().await.is_some());
        assert!(body.next().await.is_none());
        assert!(body.next().await.is_none());
    }

    #[tokio::test]
    async fn a_body_that_ends_early_is_an_error_not_a_short_object() {
        let err = result(0..10, &[b"abc", b"def"]).bytes().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ResponseInvalid, "{err}");
        assert!(err.to_string().contains("6 of 10 bytes"), "{err}");
    }

    #[tokio::test]
    async fn a_body_longer_than_declared_is_an_error() {
        let err = result(0..4, &[b"abc", b"def"]).bytes().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ResponseInvalid, "{err}");
        let streamed: Vec<_> = result(0..0, &[b"x"]).into_stream().collect().await;
        assert!(streamed.iter().any(Result::is_err), "an empty range with a body: {streamed:?}");
    }
}
