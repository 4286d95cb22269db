//! [`GcsClient`]: construction, accessors, and the JSON API calls the `StorageClient`
//! implementation and the compatibility names are made of.

use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use cloud_core::content_range::ContentRange;
use cloud_core::http::{HttpClient, Method, RequestBuilder};
use cloud_core::retry::RetryConfig;
use cloud_core::storage::{BucketInfo, ByteStream, GetRange, validate_bucket_name, validate_key};
use cloud_core::stream::{Page, paginate};
use cloud_core::{CloudProvider, Env, Error, ErrorKind, Result};
use futures::stream::{BoxStream, Stream, StreamExt};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use url::Url;

use crate::builder::GcsClientBuilder;
use crate::credential::{GoogleAuth, Resolved, Signing};
use crate::generation::GcsPreconditions;
use crate::iam::IamSigner;
use crate::model::{Bucket, BucketList, NewBucket, Object, ObjectList, RewriteResponse};
use crate::signing::UrlSigner;
use crate::upload::UploadConfig;

/// The time allowed for one metadata request when the builder sets none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long any request may wait for its answer's headers, and then between two chunks of its
/// body, unless configured.
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// How many rewrite calls a copy may take before it is abandoned (each copies up to about 1 GiB
/// on Google's side, so this allows objects far beyond the 5 TiB limit).
const MAX_REWRITE_CALLS: usize = 10_000;

/// A Google Cloud Storage client implementing [`StorageClient`](cloud_core::StorageClient).
///
/// Every call goes to the documented GCS JSON API through [`cloud_core::http`], authenticated by
/// `google-cloud-auth`. Cheap to clone: clones share the connection pool and the token cache.
#[derive(Clone)]
pub struct GcsClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) endpoint: Url,
    pub(crate) project_id: Option<String>,
    pub(crate) location: String,
    pub(crate) upload: UploadConfig,
    pub(crate) retry: RetryConfig,
    pub(crate) timeout: Duration,
    pub(crate) credentials: Resolved,
    /// Signs V4 URLs, if the credentials can.
    pub(crate) signer: Option<UrlSigner>,
    /// Whether the endpoint is an emulator (capabilities follow what it honours).
    pub(crate) emulator: bool,
}

/// What the builder hands over.
pub(crate) struct Settings {
    pub(crate) endpoint: Url,
    pub(crate) project_id: Option<String>,
    pub(crate) location: String,
    pub(crate) upload: UploadConfig,
    pub(crate) retry: RetryConfig,
    pub(crate) timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) credentials: Resolved,
    /// The IAM Service Account Credentials endpoint (`signBlob`).
    pub(crate) iam_endpoint: Url,
    pub(crate) emulator: bool,
}

impl fmt::Debug for GcsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcsClient")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("project_id", &self.inner.project_id)
            .field("location", &self.inner.location)
            .field("upload", &self.inner.upload)
            .field("credentials", &self.inner.credentials)
            .field("emulator", &self.inner.emulator)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for GcsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GcsClient({})", self.inner.endpoint.as_str().trim_end_matches('/'))
    }
}

/// One entry of a delimited listing: an object, or a common prefix ending with the delimiter.
#[derive(Debug, Clone)]
pub(crate) enum ListEntry {
    Object(Box<Object>),
    Prefix(String),
}

/// The parameters of `objects.list`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) delimiter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_results: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) start_offset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) page_token: Option<String>,
}

impl GcsClient {
    /// A builder with nothing set.
    pub fn builder() -> GcsClientBuilder {
        GcsClientBuilder::new()
    }

    /// A client configured from the process environment (see
    /// [`GcsClientBuilder::from_env_with`] for the variables).
    ///
    /// # Errors
    /// As [`GcsClientBuilder::build`].
    pub fn from_env() -> Result<Self> {
        GcsClientBuilder::from_env_with(&Env::real()).build()
    }

    pub(crate) fn new(settings: Settings) -> Result<Self> {
        let auth = GoogleAuth {
            credentials: settings.credentials.credentials.clone(),
            anonymous: settings.credentials.kind == "anonymous",
        };
        let auth_for_iam = auth.clone();
        let http = HttpClient::builder(CloudProvider::Gcp, settings.endpoint.clone())
            .with_user_agent(concat!("cloud-gcp/", env!("CARGO_PKG_VERSION")))
            .with_auth(auth)
            .with_retry(settings.retry.clone())
            .with_error_refiner(crate::error::refine)
            // Bodies stream for as long as they take, but a stalled one ends with `Timeout`;
            // metadata calls set their own whole-request timeout.
            .without_timeout()
            .with_read_timeout(settings.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT))
            .build()?;
        let timeout = settings.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let signer = match &settings.credentials.signing {
            Signing::Unavailable => None,
            Signing::Local(signer) => Some(UrlSigner::Local(signer.clone())),
            Signing::Iam(account) => Some(UrlSigner::Iam(IamSigner::new(
                settings.iam_endpoint,
                auth_for_iam,
                account.clone(),
                settings.retry.clone(),
                timeout,
            )?)),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                endpoint: settings.endpoint,
                project_id: settings.project_id,
                location: settings.location,
                upload: settings.upload,
                retry: settings.retry,
                timeout,
                credentials: settings.credentials,
                signer,
                emulator: settings.emulator,
            }),
        })
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The project whose buckets are listed and created, if known.
    pub fn project_id(&self) -> Option<&str> {
        self.inner.project_id.as_deref()
    }

    /// Where new buckets are created when the call names no region.
    pub fn location(&self) -> &str {
        &self.inner.location
    }

    /// Whether these credentials can sign URLs: a service account key locally; metadata-server,
    /// impersonated credentials, or any credentials given a signing service account, through IAM
    /// `signBlob`.
    pub fn can_sign(&self) -> bool {
        self.inner.signer.is_some()
    }

    /// A metadata request to the JSON API path made of `segments` (each percent-encoded).
    pub(crate) fn api(&self, method: Method, segments: &[&str], operation: &'static str) -> RequestBuilder {
        self.inner.http.request(method, &api_path(segments)).operation(operation).timeout(self.inner.timeout)
    }

    fn project(&self) -> Result<&str> {
        self.project_id().ok_or_else(|| {
            Error::invalid_config(
                "no Google Cloud project: set GCP_PROJECT_ID or GOOGLE_CLOUD_PROJECT, or use with_project_id",
            )
            .with_provider(CloudProvider::Gcp)
        })
    }

    /// Every bucket of the project, page by page (`buckets.list`).
    pub(crate) fn bucket_stream(&self, page_size: Option<u32>) -> BoxStream<'static, Result<BucketInfo>> {
        let project = match self.project() {
            Ok(p) => p.to_owned(),
            Err(e) => return futures::stream::once(async move { Err(e) }).boxed(),
        };
        let client = self.clone();
        paginate(move |token: Option<String>| {
            let client = client.clone();
            let project = project.clone();
            async move {
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Query<'a> {
                    project: &'a str,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    max_results: Option<u32>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    page_token: Option<String>,
                }
                let page: BucketList = client
                    .api(Method::GET, &["storage", "v1", "b"], "list_buckets")
                    .query(&Query { project: &project, max_results: page_size, page_token: token })
                    .send_json()
                    .await?;
                let mut items: Vec<BucketInfo> = page.items.iter().map(Bucket::to_info).collect();
                // GCS answers in name order; gcp-storage-emulator in creation order.
                items.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(Page::new(items, page.next_page_token))
            }
        })
    }

    /// Creates a bucket in `location` (`buckets.insert`).
    pub(crate) async fn insert_bucket(&self, bucket: &str, location: &str) -> Result<()> {
        validate_bucket_name(bucket)?;
        if location.trim().is_empty() {
            return Err(Error::invalid_input("the bucket location is empty"));
        }
        let project = self.project()?;
        self.api(Method::POST, &["storage", "v1", "b"], "create_bucket")
            .query(&[("project", project)])
            .json(&NewBucket { name: bucket, location })
            // Creating twice gives 409 the second time, which is the answer we want to see.
            .idempotent(false)
            .send()
            .await?;
        Ok(())
    }

    /// Deletes an empty bucket (`buckets.delete`).
    pub(crate) async fn remove_bucket(&self, bucket: &str) -> Result<()> {
        validate_bucket_name(bucket)?;
        self.api(Method::DELETE, &["storage", "v1", "b", bucket], "delete_bucket").send().await?;
        Ok(())
    }

    /// Whether a bucket exists (`buckets.get`).
    pub(crate) async fn bucket_found(&self, bucket: &str) -> Result<bool> {
        validate_bucket_name(bucket)?;
        match self.api(Method::GET, &["storage", "v1", "b", bucket], "bucket_exists").send().await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// An object's resource (`objects.get`).
    pub(crate) async fn object(&self, bucket: &str, key: &str, conditions: GcsPreconditions) -> Result<Object> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        self.api(Method::GET, &["storage", "v1", "b", bucket, "o", key], "head_object")
            .query(&conditions)
            .send_json()
            .await
    }

    /// Deletes an object (`objects.delete`).
    pub(crate) async fn remove_object(&self, bucket: &str, key: &str, conditions: GcsPreconditions) -> Result<()> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        self.api(Method::DELETE, &["storage", "v1", "b", bucket, "o", key], "delete_object")
            .query(&conditions)
            .send()
            .await?;
        Ok(())
    }

    /// The entries of a listing, page by page over `pageToken` (`objects.list`).
    pub(crate) fn entry_stream(&self, bucket: &str, query: ListQuery) -> BoxStream<'static, Result<ListEntry>> {
        if let Err(e) = validate_bucket_name(bucket) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        let client = self.clone();
        let bucket = bucket.to_owned();
        paginate(move |token: Option<String>| {
            let client = client.clone();
            let bucket = bucket.clone();
            let query = ListQuery { page_token: token, ..query.clone() };
            async move {
                let page: ObjectList = client
                    .api(Method::GET, &["storage", "v1", "b", &bucket, "o"], "list_objects")
                    .query(&query)
                    .send_json()
                    .await?;
                let next = page.next_page_token.clone();
                Ok(Page::new(merge_page(page), next))
            }
        })
    }

    /// Copies an object with `objects.rewrite`, calling again with the rewrite token until the
    /// service says it is done (large or cross-location copies take several calls).
    pub(crate) async fn rewrite(
        &self,
        src: (&str, &str),
        dst: (&str, &str),
        conditions: GcsPreconditions,
    ) -> Result<Object> {
        for (bucket, key) in [src, dst] {
            validate_bucket_name(bucket)?;
            validate_key(key)?;
        }
        let segments = ["storage", "v1", "b", src.0, "o", src.1, "rewriteTo", "b", dst.0, "o", dst.1];
        let mut token: Option<String> = None;
        for _ in 0..MAX_REWRITE_CALLS {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Token<'a> {
                #[serde(skip_serializing_if = "Option::is_none")]
                rewrite_token: Option<&'a str>,
            }
            let answer: RewriteResponse = self
                .api(Method::POST, &segments, "copy_object")
                .query(&conditions)
                .query(&Token { rewrite_token: token.as_deref() })
                .json(&serde_json::Map::new())
                // Repeating a rewrite step is harmless: the token names the progress made.
                .idempotent(true)
                .send_json()
                .await?;
            if answer.done {
                return answer.resource.ok_or_else(|| {
                    Error::new(ErrorKind::ResponseInvalid, "the rewrite finished without the new object")
                        .with_provider(CloudProvider::Gcp)
                        .with_operation("copy_object")
                });
            }
            token = Some(answer.rewrite_token.ok_or_else(|| {
                Error::new(ErrorKind::ResponseInvalid, "an unfinished rewrite came without a rewrite token")
                    .with_provider(CloudProvider::Gcp)
                    .with_operation("copy_object")
            })?);
        }
        Err(Error::new(ErrorKind::Timeout, format!("the copy did not finish within {MAX_REWRITE_CALLS} rewrite calls"))
            .with_provider(CloudProvider::Gcp)
            .with_operation("copy_object"))
    }

    /// Reads an object: its resource first, then its media pinned to that generation (see
    /// [`media`](Self::media)).
    pub(crate) async fn download(
        &self,
        bucket: &str,
        key: &str,
        range: Option<&GetRange>,
        conditions: GcsPreconditions,
    ) -> Result<(Object, Range<u64>, ByteStream)> {
        let object = self.object(bucket, key, conditions).await?;
        let (span, body) = self.media(bucket, key, &object, range).await?;
        Ok((object, span, body))
    }

    /// The media of `object` (whose resource was just read), whole or in `range`, pinned to its
    /// generation with `ifGenerationMatch` so that the body always matches the metadata.
    ///
    /// Whole reads are checked against the object's CRC32C as they stream; the stream ends with
    /// `ResponseInvalid` on a mismatch or a short body.
    pub(crate) async fn media(
        &self,
        bucket: &str,
        key: &str,
        object: &Object,
        range: Option<&GetRange>,
    ) -> Result<(Range<u64>, ByteStream)> {
        let size = object.size()?;
        let span = match range {
            Some(r) => r.resolve(size)?,
            None => 0..size,
        };
        if span.is_empty() {
            return Ok((span, futures::stream::empty().boxed()));
        }
        let partial = span.start != 0 || span.end != size;
        let mut pinned = GcsPreconditions::default();
        if let Some(generation) = object.generation()? {
            pinned.if_generation_match = Some(generation);
        }
        let mut request = self
            .inner
            .http
            .request(Method::GET, &api_path(&["storage", "v1", "b", bucket, "o", key]))
            .operation("get_object")
            .query(&[("alt", "media")])
            .query(&pinned);
        if partial {
            request = request.header("range", &format!("bytes={}-{}", span.start, span.end - 1));
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let invalid = |message: String| {
            Error::new(ErrorKind::ResponseInvalid, message)
                .with_provider(CloudProvider::Gcp)
                .with_operation("get_object")
        };
        if partial && status != 206 {
            return Err(invalid(format!("a ranged read was answered with {status}")));
        }
        if status == 206 {
            // The bytes served must be the bytes asked for, of an object of the size just read.
            let value = response
                .header("content-range")
                .ok_or_else(|| invalid("a partial answer came without a Content-Range".to_owned()))?;
            let served = ContentRange::parse(value).map_err(|e| e.in_context(CloudProvider::Gcp, "get_object"))?;
            if served.total() != Some(size) {
                return Err(invalid(format!("the Content-Range {value:?} is not of an object of {size} bytes")));
            }
            served
                .check_served(&GetRange::Bounded(span.clone()))
                .map_err(|e| e.in_context(CloudProvider::Gcp, "get_object"))?;
        }
        let expected_crc = match (&object.crc32c, partial, object.content_encoding.as_deref()) {
            // A gzip object may be served decompressed, whose checksum is not the stored one.
            (Some(crc), false, None | Some("identity")) => Some(decode_crc32c(crc)?),
            _ => None,
        };
        let body = Checked::new(response.bytes_stream(), span.end - span.start, expected_crc).boxed();
        Ok((span, body))
    }
}

impl ListEntry {
    fn name(&self) -> &str {
        match self {
            Self::Object(o) => &o.name,
            Self::Prefix(p) => p,
        }
    }
}

/// Objects and common prefixes of one page, in key order (the service sends them apart).
fn merge_page(page: ObjectList) -> Vec<ListEntry> {
    let mut entries: Vec<ListEntry> = page.items.into_iter().map(|o| ListEntry::Object(Box::new(o))).collect();
    entries.extend(page.prefixes.into_iter().map(ListEntry::Prefix));
    entries.sort_by(|a, b| a.name().as_bytes().cmp(b.name().as_bytes()));
    entries
}

/// RFC 3986's unreserved characters: everything else is percent-encoded in a path segment.
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The path of `segments`, each percent-encoded but for unreserved characters, as the JSON API
/// wants object names (`a+b` must travel as `a%2Bb`, or it may be read as `a b`). Names were
/// validated first, so no segment is empty, `.` or `..`.
pub(crate) fn api_path(segments: &[&str]) -> String {
    segments.iter().map(|s| utf8_percent_encode(s, UNRESERVED).to_string()).collect::<Vec<_>>().join("/")
}

/// The base64 of a big-endian CRC32C, as the JSON API writes it.
pub(crate) fn encode_crc32c(crc: u32) -> String {
    BASE64.encode(crc.to_be_bytes())
}

/// Parses the JSON API's base64 CRC32C.
pub(crate) fn decode_crc32c(text: &str) -> Result<u32> {
    let bytes = BASE64.decode(text.trim()).ok().and_then(|b| <[u8; 4]>::try_from(b).ok()).ok_or_else(|| {
        Error::new(ErrorKind::ResponseInvalid, format!("invalid CRC32C {text:?}")).with_provider(CloudProvider::Gcp)
    })?;
    Ok(u32::from_be_bytes(bytes))
}

/// A rolling CRC32C (Castagnoli), as GCS computes it.
#[derive(Clone)]
pub(crate) struct Crc32c(crc_fast::Digest);

impl Crc32c {
    pub(crate) fn new() -> Self {
        Self(crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc32Iscsi))
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub(crate) fn value(&self) -> u32 {
        // A CRC32 digest fits in 32 bits.
        u32::try_from(self.0.finalize()).unwrap_or(u32::MAX)
    }
}

/// A body stream that counts its bytes and, when a checksum is expected, checks it at the end.
struct Checked {
    inner: ByteStream,
    expected_len: u64,
    seen: u64,
    crc: Option<(Crc32c, u32)>,
    done: bool,
}

impl Checked {
    fn new(inner: ByteStream, expected_len: u64, expected_crc: Option<u32>) -> Self {
        Self { inner, expected_len, seen: 0, crc: expected_crc.map(|c| (Crc32c::new(), c)), done: false }
    }

    fn mismatch(message: String) -> Error {
        Error::new(ErrorKind::ResponseInvalid, message)
            .with_provider(CloudProvider::Gcp)
            .with_operation("get_object")
            .with_retryable(true)
    }
}

impl Stream for Checked {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.inner.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                self.seen += chunk.len() as u64;
                if let Some((crc, _)) = &mut self.crc {
                    crc.update(&chunk);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                self.done = true;
                if self.seen != self.expected_len {
                    let message = format!("the body ended after {} of {} bytes", self.seen, self.expected_len);
                    return Poll::Ready(Some(Err(Self::mismatch(message))));
                }
                if let Some((crc, expected)) = &self.crc
                    && crc.value() != *expected
                {
                    let message = format!(
                        "CRC32C mismatch: the object says {}, the body read has {}",
                        encode_crc32c(*expected),
                        encode_crc32c(crc.value())
                    );
                    return Poll::Ready(Some(Err(Self::mismatch(message))));
                }
                Poll::Ready(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;

    use super::*;

    #[test]
    fn object_names_are_fully_encoded() {
        assert_eq!(
            api_path(&["storage", "v1", "b", "bkt", "o", "a+b=c&d/e f~g"]),
            "storage/v1/b/bkt/o/a%2Bb%3Dc%26d%2Fe%20f~g"
        );
    }

    #[test]
    fn crc32c_matches_the_published_check_value() {
        // The check value of CRC-32C (Castagnoli) over "123456789".
        let mut crc = Crc32c::new();
        crc.update(b"1234");
        crc.update(b"56789");
        assert_eq!(crc.value(), 0xE306_9283);
        // The value the JSON API gives for "hello world".
        let mut crc = Crc32c::new();
        crc.update(b"hello world");
        assert_eq!(encode_crc32c(crc.value()), "yZRlqg==");
        assert_eq!(decode_crc32c("yZRlqg==").unwrap(), crc.value());
        assert_eq!(decode_crc32c("nope").unwrap_err().kind(), ErrorKind::ResponseInvalid);
    }

    #[tokio::test]
    async fn checked_bodies_fail_on_corruption_and_truncation() {
        let chunks = || futures::stream::iter([Ok(Bytes::from_static(b"hello ")), Ok(Bytes::from_static(b"world"))]);
        let good = decode_crc32c("yZRlqg==").unwrap();
        let body: Vec<Bytes> = Checked::new(chunks().boxed(), 11, Some(good)).try_collect().await.unwrap();
        assert_eq!(body.concat(), b"hello world");
        let err = Checked::new(chunks().boxed(), 11, Some(good ^ 1)).try_collect::<Vec<_>>().await.unwrap_err();
        assert!(err.message().contains("CRC32C"), "{err}");
        let err = Checked::new(chunks().boxed(), 12, None).try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ResponseInvalid);
    }
}
