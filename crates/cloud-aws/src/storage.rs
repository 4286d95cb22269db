//! `impl StorageClient for S3Client`: every operation of the trait on the S3 API.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Range;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use chrono::{DateTime, Utc};
use cloud_core::content_range::ContentRange;
use cloud_core::storage::{
    BucketInfo, ByteStream, Conditions, ContentHeaders, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions,
    GetRange, GetResult, HeadOptions, ListEntry, ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl,
    PutOptions, PutPayload, PutResult, StorageCapabilities, validate_bucket_name, validate_key,
};
use cloud_core::stream::{Page, paginate};
use cloud_core::{CloudProvider, Error, ErrorKind, Result, StorageClient, StorageClientExt};
use futures::TryStreamExt;
use futures::stream::{self, BoxStream, StreamExt};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::client::S3Client;
use crate::error::{from_body, from_sdk, is_uncoded};
use crate::upload::no_sdk_checksum;

/// The longest validity of a SigV4 presigned URL.
pub const PRESIGN_MAX_EXPIRY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The largest object S3 stores.
const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024 * 1024;

/// Characters escaped in `x-amz-copy-source` keys: everything but unreserved characters and `/`.
const COPY_SOURCE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

#[async_trait]
impl StorageClient for S3Client {
    fn provider(&self) -> CloudProvider {
        self.provider_id()
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
        caps.presign_max_expiry = Some(PRESIGN_MAX_EXPIRY);
        caps.max_object_size = Some(MAX_OBJECT_SIZE);
        // Conditional writes: `If-None-Match: *` and `If-Match` on PutObject and
        // CompleteMultipartUpload.
        caps.put_if_not_exists = true;
        caps.put_if_match = true;
        caps.if_match = true;
        caps.if_none_match = true;
        caps.if_modified_since = true;
        caps.if_unmodified_since = true;
        // CopyObject's `x-amz-copy-source-if-*` headers are about the source; S3-compatible servers
        // do not refuse a copy onto an existing key, so this is not offered.
        caps.copy_if_not_exists = false;
        caps.list_delimiter = true;
        caps.list_delimiter_multi_char = true;
        caps.list_start_after = true;
        caps.cache_control = true;
        caps.content_disposition = true;
        caps.content_encoding = true;
        caps.content_language = true;
        // Every multipart upload has an id of its own; the last to complete wins.
        caps.put_last_writer_wins = true;
        caps
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        let client = self.clone();
        paginate(move |token: Option<String>| {
            let client = client.clone();
            async move {
                let out = client
                    .sdk_client()
                    .list_buckets()
                    .set_continuation_token(token)
                    .send()
                    .await
                    .map_err(|e| from_sdk(e, client.provider(), "list_buckets"))?;
                let mut items: Vec<BucketInfo> = out
                    .buckets()
                    .iter()
                    .filter_map(|b| {
                        let mut info = BucketInfo::new(b.name()?);
                        if let Some(created) = b.creation_date().and_then(to_chrono) {
                            info = info.with_created_at(created);
                        }
                        if let Some(region) = b.bucket_region() {
                            info = info.with_region(region);
                        }
                        Some(info)
                    })
                    .collect();
                // S3 answers in name order; some compatible servers (s3s-fs) in directory order.
                items.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(Page::new(items, out.continuation_token().map(str::to_owned)))
            }
        })
    }

    async fn create_bucket(&self, bucket: &str, options: CreateBucketOptions) -> Result<()> {
        validate_bucket_name(bucket)?;
        let region = options.region.unwrap_or_else(|| self.region().to_owned());
        // us-east-1 answers 200 to re-creating a bucket one owns: ask first, so that the trait's
        // `AlreadyExists` holds there too.
        if region == "us-east-1" && self.bucket_exists(bucket).await? {
            return Err(already_exists(bucket).in_context(self.provider(), "create_bucket"));
        }
        let mut request = self.sdk_client().create_bucket().bucket(bucket);
        if region != "us-east-1" {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = from_sdk(e, self.provider(), "create_bucket");
                // Single-tenant servers say BucketAlreadyExists for the caller's own bucket: if we
                // can see the bucket, it is ours.
                if err.kind() == ErrorKind::Conflict && self.bucket_exists(bucket).await.unwrap_or(false) {
                    return Err(err.with_kind(ErrorKind::AlreadyExists));
                }
                Err(err)
            }
        }
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        validate_bucket_name(bucket)?;
        self.sdk_client()
            .delete_bucket()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| from_sdk(e, self.provider(), "delete_bucket"))?;
        Ok(())
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        validate_bucket_name(bucket)?;
        match self.sdk_client().head_bucket().bucket(bucket).send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let err = from_sdk(e, self.provider(), "bucket_exists");
                if err.kind() == ErrorKind::NotFound {
                    return Ok(false);
                }
                let probe = self.sdk_client().list_objects_v2().bucket(bucket).max_keys(1).send();
                let probe = async { probe.await.map(drop).map_err(|e| from_sdk(e, self.provider(), "bucket_exists")) };
                Err(Box::pin(explain_head_failure(err, probe)).await)
            }
        }
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        if let Some(size) = payload.size().filter(|s| *s > MAX_OBJECT_SIZE) {
            return Err(Error::invalid_input(format!("{size} bytes is more than S3's 5 TiB object limit")));
        }
        self.upload(bucket, key, payload, options).await
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.validate(&self.capabilities())?;
        let provider = self.provider();
        let (c, none_match_any) = without_wildcards(&options.conditions);
        let c = &c;
        let out = match self
            .sdk_client()
            .get_object()
            .bucket(bucket)
            .key(key)
            .set_range(options.range.as_ref().map(GetRange::to_http_header))
            .set_if_match(c.if_match.as_deref().map(quoted))
            .set_if_none_match(c.if_none_match.as_deref().map(quoted))
            .set_if_modified_since(c.if_modified_since.map(to_smithy))
            .set_if_unmodified_since(c.if_unmodified_since.map(to_smithy))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let err = from_sdk(e, provider, "get_object");
                // S3 refuses any range of an empty object; the trait reads a suffix of it as empty.
                if err.http_status() == Some(416) && matches!(options.range, Some(GetRange::Suffix(_))) {
                    let meta = self
                        .head_object(bucket, key, HeadOptions::default().with_conditions(options.conditions.clone()))
                        .await?;
                    if meta.size == 0 {
                        return Ok(GetResult::new(meta, 0..0, stream::empty().boxed()));
                    }
                }
                return Err(err);
            }
        };
        if none_match_any {
            return Err(not_modified(key).in_context(provider, "get_object"));
        }
        let length = out.content_length().and_then(|l| u64::try_from(l).ok());
        // A 206 must carry the bytes asked for (a whole-object request may still be answered
        // with a Content-Range, which must then cover the whole object).
        let served = match out.content_range() {
            Some(value) => {
                let served = ContentRange::parse(value).map_err(|e| e.in_context(provider, "get_object"))?;
                let total = served.total().ok_or_else(|| {
                    Error::new(ErrorKind::ResponseInvalid, format!("S3 did not give the size of {key} in {value:?}"))
                        .in_context(provider, "get_object")
                })?;
                let wanted = options.range.clone().unwrap_or(GetRange::Offset(0));
                let range = served.check_served(&wanted).map_err(|e| e.in_context(provider, "get_object"))?;
                Some((range, total))
            }
            None => None,
        };
        let (size, range) = match served.clone() {
            Some((range, total)) => (total, range),
            None => {
                // Without a length nothing tells a whole body from a truncated one.
                let size = length.ok_or_else(|| missing_length(key).in_context(provider, "get_object"))?;
                (size, 0..size)
            }
        };
        let mut meta =
            ObjectMeta::new(key, size).with_metadata(user_metadata(out.metadata())).with_headers(content_headers([
                out.cache_control(),
                out.content_disposition(),
                out.content_encoding(),
                out.content_language(),
            ]));
        if let Some(t) = out.last_modified().and_then(to_chrono) {
            meta = meta.with_last_modified(t);
        }
        if let Some(etag) = out.e_tag() {
            meta = meta.with_etag(etag);
        }
        if let Some(ct) = out.content_type() {
            meta = meta.with_content_type(ct);
        }
        let body = body_stream(out.body, provider);
        match (&options.range, served) {
            // The server ignored the range and sent the whole object: cut it here.
            (Some(wanted), None) => {
                let wanted = wanted.resolve(size)?;
                Ok(GetResult::new(meta, wanted.clone(), slice_stream(body, wanted)))
            }
            _ => Ok(GetResult::new(meta, range, body)),
        }
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        options.conditions.validate(&self.capabilities())?;
        let (c, none_match_any) = without_wildcards(&options.conditions);
        let c = &c;
        let request = self
            .sdk_client()
            .head_object()
            .bucket(bucket)
            .key(key)
            .set_if_match(c.if_match.as_deref().map(quoted))
            .set_if_none_match(c.if_none_match.as_deref().map(quoted))
            .set_if_modified_since(c.if_modified_since.map(to_smithy))
            .set_if_unmodified_since(c.if_unmodified_since.map(to_smithy));
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                let err = from_sdk(e, self.provider(), "head_object");
                // A failed condition is what it says; only other bodiless failures need a probe.
                if matches!(err.http_status(), Some(304 | 412)) {
                    return Err(err);
                }
                let probe = self.sdk_client().get_object().bucket(bucket).key(key).range("bytes=0-0").send();
                let probe = async { probe.await.map(drop).map_err(|e| from_sdk(e, self.provider(), "head_object")) };
                return Err(Box::pin(explain_head_failure(err, probe)).await);
            }
        };
        if none_match_any {
            return Err(not_modified(key).in_context(self.provider(), "head_object"));
        }
        let size = out
            .content_length()
            .and_then(|l| u64::try_from(l).ok())
            .ok_or_else(|| missing_length(key).in_context(self.provider(), "head_object"))?;
        let mut meta =
            ObjectMeta::new(key, size).with_metadata(user_metadata(out.metadata())).with_headers(content_headers([
                out.cache_control(),
                out.content_disposition(),
                out.content_encoding(),
                out.content_language(),
            ]));
        if let Some(t) = out.last_modified().and_then(to_chrono) {
            meta = meta.with_last_modified(t);
        }
        if let Some(etag) = out.e_tag() {
            meta = meta.with_etag(etag);
        }
        if let Some(ct) = out.content_type() {
            meta = meta.with_content_type(ct);
        }
        Ok(meta)
    }

    async fn delete_object(&self, bucket: &str, key: &str, _options: DeleteOptions) -> Result<()> {
        // S3 deletes are idempotent: check first, as the trait's contract asks.
        self.head(bucket, key).await.map_err(|e| e.with_operation("delete_object"))?;
        self.sdk_client()
            .delete_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| from_sdk(e, self.provider(), "delete_object"))?;
        Ok(())
    }

    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        if let Err(e) = validate_bucket_name(bucket).and_then(|()| options.validate(&self.capabilities())) {
            return stream::once(async move { Err(e) }).boxed();
        }
        let client = self.clone();
        let bucket = bucket.to_owned();
        let page_size = options.page_size.map(|n| i32::try_from(n.clamp(1, 1000)).unwrap_or(1000));
        let prefix = options.prefix.filter(|p| !p.is_empty());
        let (delimiter, start_after) = (options.delimiter, options.start_after);
        paginate(move |token: Option<String>| {
            let client = client.clone();
            let start_after = start_after.clone();
            let request = client
                .sdk_client()
                .list_objects_v2()
                .bucket(&bucket)
                .set_prefix(prefix.clone())
                .set_delimiter(delimiter.clone())
                .set_start_after(start_after.clone())
                .set_max_keys(page_size)
                .set_continuation_token(token);
            async move {
                let mut out = request.send().await.map_err(|e| from_sdk(e, client.provider(), "list_objects"))?;
                // The page's strings move into the entries instead of being copied.
                let objects = out.contents.take().unwrap_or_default().into_iter().filter_map(|o| {
                    let size = o.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
                    let mut meta = ObjectMeta::new(o.key?, size);
                    // Set in place: a builder call per field would move the whole entry again.
                    meta.last_modified = o.last_modified.as_ref().and_then(to_chrono);
                    if let Some(etag) = o.e_tag {
                        meta.set_etag(etag);
                    }
                    Some(ListEntry::Object(meta))
                });
                let prefixes = out
                    .common_prefixes
                    .take()
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| Some(ListEntry::Prefix(p.prefix?)));
                // S3 sends objects and common prefixes apart; the contract wants one ordered
                // listing, with only entries after the start key (prefixes included).
                let mut items: Vec<ListEntry> =
                    objects.chain(prefixes).filter(|e| start_after.as_deref().is_none_or(|s| e.name() > s)).collect();
                items.sort_by(|a, b| a.name().cmp(b.name()));
                let next = if out.is_truncated == Some(true) {
                    let Some(token) = out.next_continuation_token.take() else {
                        return Err(Error::new(
                            ErrorKind::ResponseInvalid,
                            "ListObjectsV2 is truncated but has no continuation token",
                        )
                        .in_context(client.provider(), "list_objects"));
                    };
                    Some(token)
                } else {
                    None
                };
                Ok(Page::new(items, next))
            }
        })
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
        let source = format!("{src_bucket}/{}", utf8_percent_encode(src_key, COPY_SOURCE));
        self.sdk_client()
            .copy_object()
            .copy_source(source)
            .bucket(dst_bucket)
            .key(dst_key)
            .customize()
            .config_override(no_sdk_checksum())
            .send()
            .await
            .map_err(|e| from_sdk(e, self.provider(), "copy_object"))?;
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
        if expires_in.is_zero() || expires_in > PRESIGN_MAX_EXPIRY {
            return Err(Error::invalid_input(format!(
                "a presigned URL must expire within 1 s to 7 days, not {expires_in:?}"
            )));
        }
        let config = PresigningConfig::expires_in(expires_in)
            .map_err(|e| Error::invalid_input(format!("invalid presigning configuration: {e}")))?;
        let provider = self.provider();
        let presigned = match method {
            PresignMethod::Get => self
                .sdk_client()
                .get_object()
                .bucket(bucket)
                .key(key)
                .presigned(config)
                .await
                .map_err(|e| from_sdk(e, provider, "presign"))?,
            PresignMethod::Put => self
                .sdk_client()
                .put_object()
                .bucket(bucket)
                .key(key)
                .customize()
                .config_override(no_sdk_checksum())
                .presigned(config)
                .await
                .map_err(|e| from_sdk(e, provider, "presign"))?,
            other => return Err(Error::unsupported(format!("cannot presign {other}")).in_context(provider, "presign")),
        };
        let url = url::Url::parse(presigned.uri()).map_err(|e| {
            Error::new(ErrorKind::Unexpected, format!("the SDK presigned an unparseable URL: {e}"))
                .in_context(provider, "presign")
        })?;
        let expires_at = Utc::now() + chrono::Duration::from_std(expires_in).unwrap_or(chrono::Duration::zero());
        let mut result = PresignedUrl::new(method, url, expires_at);
        result.headers = presigned.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Ok(result)
    }
}

/// A HEAD answer has no body, so a 403 (or 400) does not say whether the signature, the key or
/// the permission is at fault. For those, `probe` repeats the question with a GET-like request
/// whose answer carries an S3 error code, and its error replaces the HEAD's if it has the same
/// status and a code. 404s are taken as they are.
async fn explain_head_failure(err: Error, probe: impl Future<Output = Result<()>>) -> Error {
    if !is_uncoded(&err) || err.http_status() == Some(404) {
        return err;
    }
    match probe.await {
        Err(probed) if probed.http_status() == err.http_status() && !is_uncoded(&probed) => probed,
        _ => err,
    }
}

fn already_exists(bucket: &str) -> Error {
    Error::new(ErrorKind::AlreadyExists, format!("BucketAlreadyOwnedByYou: the bucket {bucket} exists already"))
}

/// An SDK timestamp as a `chrono` one.
fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// The read conditions to send, without the `*` that S3-compatible servers do not all understand
/// (moto refuses `If-Match: *` and ignores `If-None-Match: *`), and whether `if_none_match` was
/// `*`. `if_match: *` only asks that the object exists, which the read itself checks (404);
/// `if_none_match: *` asks that it does not, so a read that succeeds is `NotModified`.
fn without_wildcards(conditions: &Conditions) -> (Conditions, bool) {
    let is_any = |etag: &Option<String>| etag.as_deref().is_some_and(|e| e.trim().trim_matches('"') == "*");
    let mut sent = conditions.clone();
    if is_any(&sent.if_match) {
        sent.if_match = None;
    }
    let none_match_any = is_any(&sent.if_none_match);
    if none_match_any {
        // `*` matches whatever exists: `if_modified_since` no longer applies (RFC 9110 §13.2.2).
        sent.if_none_match = None;
        sent.if_modified_since = None;
    }
    (sent, none_match_any)
}

fn not_modified(key: &str) -> Error {
    Error::new(ErrorKind::NotModified, format!("{key:?} exists and if_none_match is *"))
}

/// A `chrono` timestamp as an SDK one (whole seconds, as HTTP dates carry them).
fn to_smithy(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(t.timestamp())
}

/// An ETag in the quotes HTTP wants (`*` stays bare).
fn quoted(etag: &str) -> String {
    let bare = etag.trim().trim_matches('"');
    if bare == "*" { bare.to_owned() } else { format!("\"{bare}\"") }
}

/// `Cache-Control`, `Content-Disposition`, `Content-Encoding` and `Content-Language`, in that order.
fn content_headers(values: [Option<&str>; 4]) -> ContentHeaders {
    let mut headers = ContentHeaders::default();
    for (name, value) in
        ["cache-control", "content-disposition", "content-encoding", "content-language"].iter().zip(values)
    {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            headers.set(name, value);
        }
    }
    headers
}

/// User metadata with lowercase keys, sorted.
fn user_metadata(metadata: Option<&std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    metadata.map(|m| m.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect()).unwrap_or_default()
}

/// The SDK's body as a stream of `cloud_core` results.
fn body_stream(body: aws_sdk_s3::primitives::ByteStream, provider: CloudProvider) -> ByteStream {
    stream::try_unfold(body, move |mut body| async move {
        match body.try_next().await {
            Ok(Some(chunk)) => Ok(Some((chunk, body))),
            Ok(None) => Ok(None),
            Err(e) => Err(from_body(e, provider, "get_object")),
        }
    })
    .boxed()
}

/// Bytes `range` of a stream that starts at offset 0.
fn slice_stream(body: ByteStream, range: Range<u64>) -> ByteStream {
    stream::try_unfold((body, 0u64), move |(mut body, mut offset)| {
        let range = range.clone();
        async move {
            while offset < range.end {
                let Some(chunk) = body.try_next().await? else { return Ok(None) };
                let start = offset;
                offset += chunk.len() as u64;
                let from = usize::try_from(range.start.clamp(start, offset) - start).unwrap_or(0);
                let to = usize::try_from(range.end.clamp(start, offset) - start).unwrap_or(0);
                if from < to {
                    return Ok(Some((chunk.slice(from..to), (body, offset))));
                }
            }
            Ok(None)
        }
    })
    .boxed()
}

/// The error for an answer that gives no size for `key` (no `Content-Length`): a size of 0 would
/// make a truncated body look whole.
fn missing_length(key: &str) -> Error {
    Error::new(ErrorKind::ResponseInvalid, format!("S3 did not give the size of {key} (no Content-Length)"))
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    #[test]
    fn copy_source_escapes_all_but_slashes() {
        let encoded = utf8_percent_encode("a b/ü+?#.txt", COPY_SOURCE).to_string();
        assert_eq!(encoded, "a%20b/%C3%BC%2B%3F%23.txt");
    }

    #[tokio::test]
    async fn slicing_a_whole_body_keeps_the_range() {
        let chunks: Vec<Result<Bytes>> =
            vec![Ok(Bytes::from_static(b"0123")), Ok(Bytes::from_static(b"4567")), Ok(Bytes::from_static(b"89"))];
        let body = stream::iter(chunks).boxed();
        let got: Vec<Bytes> = slice_stream(body, 3..7).try_collect().await.unwrap();
        assert_eq!(got.concat(), b"3456");
    }

    #[test]
    fn capabilities_declare_seven_day_presigning() {
        let client = S3Client::builder().with_credentials("a", "CANARYplaceholderSecret").build().unwrap();
        let caps = client.capabilities();
        assert_eq!(caps.presign_max_expiry, Some(PRESIGN_MAX_EXPIRY));
        assert!(caps.presign_get && caps.presign_put && caps.list_page_size && caps.copy);
    }

    #[tokio::test]
    async fn presign_rejects_zero_and_more_than_seven_days() {
        let client = S3Client::builder().with_credentials("a", "CANARYplaceholderSecret").build().unwrap();
        for bad in [Duration::ZERO, PRESIGN_MAX_EXPIRY + Duration::from_secs(1)] {
            let err = client.presign_get("bucket", "key", bad).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
        let url = client.presign_put("bucket", "a/b c", PRESIGN_MAX_EXPIRY).await.unwrap();
        assert!(url.url.as_str().contains("X-Amz-Expires=604800"), "{}", url.url);
        assert!(!url.url.as_str().contains("x-amz-checksum"), "{}", url.url);
    }
}
