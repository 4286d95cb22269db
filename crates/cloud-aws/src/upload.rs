//! Streaming uploads: one `PutObject` for small bodies, a multipart upload for large ones or those
//! of unknown length, with bounded concurrency and memory, a checksum on every request (CRC32C or
//! Content-MD5, see [`UploadChecksum`]), and an abort on any failure (including the caller
//! dropping the future), so no orphaned parts are left behind.
//!
//! `CreateMultipartUpload` and `CompleteMultipartUpload` are not idempotent, so the SDK never
//! repeats them on its own: a create is repeated only when the server refused it with a rate
//! limit; a complete whose answer was lost is checked (the object's ETag against the one the
//! parts give) before anything else is done, and repeated only while the upload is still open.

use std::collections::{HashMap, VecDeque};

use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumType, CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use cloud_core::retry::{RequestSafety, RetryConfig};
use cloud_core::storage::{PutMode, PutOptions, PutPayload, PutResult};
use cloud_core::{Error, ErrorKind, Result};
use futures::TryStreamExt;
use md5::{Digest, Md5};
use tokio::task::JoinSet;

use crate::builder::{
    DEFAULT_PART_SIZE, DEFAULT_UPLOAD_CONCURRENCY, DEFAULT_UPLOAD_MEMORY_LIMIT, MAX_PART_SIZE, UploadChecksum,
};
use crate::client::S3Client;
use crate::error::from_sdk;

/// S3's limit on the number of parts of one upload.
pub(crate) const MAX_PARTS: u64 = 10_000;

/// For bodies of unknown length, the part size doubles after every this many parts, so that
/// 10,000 parts reach far beyond the 5 TiB object limit while small uploads keep small parts.
const PARTS_PER_SIZE_STEP: u64 = 1_000;

/// How uploads are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MultipartConfig {
    /// Bodies larger than this go up in parts.
    pub(crate) threshold: u64,
    /// The (initial) part size.
    pub(crate) part_size: u64,
    /// How many parts are in flight at once, at most.
    pub(crate) concurrency: usize,
    /// The most bytes the parts of one upload may hold (at least `part_size`).
    pub(crate) memory_limit: u64,
}

impl Default for MultipartConfig {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_PART_SIZE,
            part_size: DEFAULT_PART_SIZE,
            concurrency: DEFAULT_UPLOAD_CONCURRENCY,
            memory_limit: DEFAULT_UPLOAD_MEMORY_LIMIT,
        }
    }
}

impl MultipartConfig {
    /// The size of part `number` (1-based) of an upload whose total is `size`, if known.
    pub(crate) fn part_size_for(&self, number: u64, size: Option<u64>) -> u64 {
        match size {
            // Fixed parts, large enough to stay within 10,000 of them.
            Some(size) => self.part_size.max(size.div_ceil(MAX_PARTS)).min(MAX_PART_SIZE),
            None => {
                let step = u32::try_from((number.saturating_sub(1)) / PARTS_PER_SIZE_STEP).unwrap_or(u32::MAX);
                self.part_size
                    .saturating_mul(1u64.checked_shl(step).unwrap_or(u64::MAX))
                    .min(self.largest_growing_part())
            }
        }
    }

    /// Where the parts of a body of unknown length stop growing: `concurrency` of them fill the
    /// memory limit (never below the part size, never above S3's largest part).
    fn largest_growing_part(&self) -> u64 {
        let slots = u64::try_from(self.concurrency.max(1)).unwrap_or(u64::MAX);
        (self.memory_limit / slots).clamp(self.part_size, MAX_PART_SIZE)
    }

    /// How many parts of `part_size` bytes may be in flight together: the configured
    /// concurrency, as far as the memory limit allows, and at least one.
    pub(crate) fn concurrency_for(&self, part_size: u64) -> usize {
        let fits = usize::try_from(self.memory_limit / part_size.max(1)).unwrap_or(usize::MAX);
        fits.clamp(1, self.concurrency.max(1))
    }
}

/// Cuts a stream of chunks into buffers of requested sizes, copying only when a buffer spans
/// several chunks.
pub(crate) struct PartReader {
    stream: cloud_core::storage::ByteStream,
    /// Chunks read from the stream (or put back) but not handed out yet, in order.
    pending: VecDeque<Bytes>,
    done: bool,
}

impl PartReader {
    pub(crate) fn new(stream: cloud_core::storage::ByteStream) -> Self {
        Self { stream, pending: VecDeque::new(), done: false }
    }

    /// The next non-empty chunk, if any.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        while let Some(chunk) = self.pending.pop_front() {
            if !chunk.is_empty() {
                return Ok(Some(chunk));
            }
        }
        while !self.done {
            match self.stream.try_next().await? {
                Some(chunk) if chunk.is_empty() => {}
                Some(chunk) => return Ok(Some(chunk)),
                None => self.done = true,
            }
        }
        Ok(None)
    }

    /// Up to `n` bytes: exactly `n` unless the stream ends first.
    ///
    /// # Errors
    /// The stream's own error, as is.
    pub(crate) async fn read(&mut self, n: usize) -> Result<Bytes> {
        self.read_into(n, None).await
    }

    /// [`read`](Self::read), copying into `spare` (emptied first) rather than into a new buffer
    /// when the bytes span several chunks: the parts of an upload reuse a few buffers instead of
    /// allocating one each, which the allocator would keep around in every thread that freed one.
    ///
    /// # Errors
    /// The stream's own error, as is.
    pub(crate) async fn read_into(&mut self, n: usize, mut spare: Option<BytesMut>) -> Result<Bytes> {
        let mut first: Option<Bytes> = None;
        let mut buf: Option<BytesMut> = None;
        let mut have = 0usize;
        while have < n {
            let Some(mut chunk) = self.next_chunk().await? else { break };
            let need = n - have;
            if chunk.len() > need {
                self.pending.push_front(chunk.split_off(need));
            }
            have += chunk.len();
            match (&mut first, &mut buf) {
                (None, None) => first = Some(chunk),
                (Some(f), None) => {
                    let mut b = match spare.take() {
                        Some(mut spare) => {
                            spare.clear();
                            spare.reserve(n);
                            spare
                        }
                        None => BytesMut::with_capacity(n),
                    };
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

    /// Puts bytes back in front of the stream.
    pub(crate) fn unread(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.pending.push_front(bytes);
        }
    }

    /// Whether the stream has more bytes.
    pub(crate) async fn has_more(&mut self) -> Result<bool> {
        match self.next_chunk().await? {
            Some(chunk) => {
                self.pending.push_front(chunk);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// The Content-MD5 header value of a body.
pub(crate) fn content_md5(data: &[u8]) -> String {
    aws_smithy_types::base64::encode(Md5::digest(data))
}

/// An `x-amz-checksum-crc32c` header value: the CRC32C, big-endian, in base64.
fn crc32c_header(crc: u32) -> String {
    aws_smithy_types::base64::encode(crc.to_be_bytes())
}

/// The checksum of one request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyChecksum {
    /// The MD5 digest, for `Content-MD5`.
    Md5([u8; 16]),
    /// The CRC32C, for `x-amz-checksum-crc32c`.
    Crc32c(u32),
}

impl BodyChecksum {
    fn of(kind: UploadChecksum, data: &[u8]) -> Self {
        match kind {
            UploadChecksum::Crc32c => Self::Crc32c(crc_fast::crc32_iscsi(data)),
            UploadChecksum::ContentMd5 => Self::Md5(Md5::digest(data).into()),
        }
    }

    /// The `Content-MD5` header value, if this is an MD5.
    fn content_md5(self) -> Option<String> {
        match self {
            Self::Md5(digest) => Some(aws_smithy_types::base64::encode(digest)),
            Self::Crc32c(_) => None,
        }
    }

    /// The CRC32C, if this is one.
    fn crc32c(self) -> Option<u32> {
        match self {
            Self::Crc32c(crc) => Some(crc),
            Self::Md5(_) => None,
        }
    }
}

/// A part the server acknowledged: its number and ETag, its length, its CRC32C (when the client
/// sends them), and its buffer for the next part to reuse (when the part had one of its own and
/// the SDK let go of it).
struct UploadedPart {
    part: CompletedPart,
    len: u64,
    crc32c: Option<u32>,
    buffer: Option<BytesMut>,
}

/// What `CompleteMultipartUpload` sends, and what the object should carry afterwards.
#[derive(Debug)]
struct Completing {
    /// The parts, in order; with their CRC32Cs only when the server confirmed the algorithm.
    parts: Vec<CompletedPart>,
    /// The whole object's CRC32C, combined from the parts', sent with
    /// `x-amz-checksum-type: FULL_OBJECT` when the server confirmed the algorithm.
    crc32c: Option<u32>,
    /// The ETag the object should carry, when the server's part ETags allow computing it.
    etag: Option<String>,
}

impl Completing {
    /// The complete of these parts (in any order); `confirmed` says whether the server's answer to
    /// the create confirmed CRC32C (S3 then requires the parts' checksums, a server that did not
    /// confirm may refuse them: Swift's `s3api` answers `MalformedXML`).
    fn new(mut uploaded: Vec<UploadedPart>, confirmed: bool) -> Self {
        uploaded.sort_by_key(|u| u.part.part_number);
        let crc32c = if confirmed { whole_crc32c(&uploaded) } else { None };
        let parts: Vec<CompletedPart> = uploaded
            .into_iter()
            .map(|u| {
                let listed = u.crc32c.filter(|_| confirmed).map(crc32c_header);
                CompletedPart::builder()
                    .set_part_number(u.part.part_number)
                    .set_e_tag(u.part.e_tag)
                    .set_checksum_crc32_c(listed)
                    .build()
            })
            .collect();
        let etag = multipart_etag(&parts);
        Self { parts, crc32c, etag }
    }
}

/// The CRC32C of the concatenated parts (in order), from theirs and their lengths; `None` when a
/// part has none.
fn whole_crc32c(parts: &[UploadedPart]) -> Option<u32> {
    let (first, rest) = parts.split_first()?;
    let mut crc = first.crc32c?;
    for part in rest {
        let combined = crc_fast::checksum_combine(
            crc_fast::CrcAlgorithm::Crc32Iscsi,
            u64::from(crc),
            u64::from(part.crc32c?),
            part.len,
        );
        crc = u32::try_from(combined).ok()?;
    }
    Some(crc)
}

/// A configuration override: the only checksum is ours ([`UploadChecksum`]), so the SDK adds
/// none of its own (which would also oblige CompleteMultipartUpload to list per-part CRCs on AWS).
pub(crate) fn no_sdk_checksum() -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::default().request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
}

/// [`no_sdk_checksum`] without the SDK's retries, for requests that must not be repeated blindly.
fn no_sdk_checksum_once() -> aws_sdk_s3::config::Builder {
    no_sdk_checksum().retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

/// The ETag S3 gives an object completed from these parts, in order: the MD5 of the parts' MD5
/// digests (their ETags), in hex, then `-` and the number of parts. `None` when an ETag is not an
/// MD5 digest in hex (the server then names objects its own way).
fn multipart_etag(parts: &[CompletedPart]) -> Option<String> {
    let mut md5 = Md5::new();
    for part in parts {
        md5.update(md5_of_etag(part.e_tag()?)?);
    }
    let hex: String = md5.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("{hex}-{}", parts.len()))
}

/// The MD5 digest an ETag (`"<32 hex digits>"`) spells.
fn md5_of_etag(etag: &str) -> Option<[u8; 16]> {
    let hex = etag.trim_matches('"').as_bytes();
    if hex.len() != 32 {
        return None;
    }
    let mut digest = [0u8; 16];
    for (byte, pair) in digest.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(digest)
}

/// Whether the error is the server's own answer (as opposed to a lost or unreadable one).
fn answered<E, R>(err: &SdkError<E, R>) -> bool {
    matches!(err, SdkError::ServiceError(_))
}

/// What a check after a lost `CompleteMultipartUpload` answer found.
enum Completion {
    /// The object carries the upload's ETag: the upload completed.
    Done(String),
    /// The upload is still open: it did not complete, and completing it again is safe.
    Open,
    /// Neither could be established.
    Unknown(String),
}

fn length_mismatch(declared: u64, actual: &str) -> Error {
    Error::invalid_input(format!("the payload declared {declared} bytes but its stream has {actual}"))
}

impl S3Client {
    /// `put_object` of the `StorageClient` trait, after validation.
    pub(crate) async fn upload(
        &self,
        bucket: &str,
        key: &str,
        payload: PutPayload,
        options: PutOptions,
    ) -> Result<PutResult> {
        let config = self.multipart_config();
        let size = payload.size();
        let threshold = config.threshold;
        let to_usize =
            |n: u64| usize::try_from(n).map_err(|_| Error::invalid_input("the payload is too large for this platform"));
        if let Some(bytes) = payload.as_bytes().filter(|b| b.len() as u64 <= threshold) {
            return self.put_single(bucket, key, bytes.clone(), &options).await;
        }
        let mut reader = PartReader::new(payload.into_stream());
        match size {
            Some(size) if size <= threshold => {
                let body = reader.read(to_usize(size)?.saturating_add(1)).await?;
                if body.len() as u64 != size {
                    let actual = if body.len() as u64 > size { "more".to_owned() } else { body.len().to_string() };
                    return Err(length_mismatch(size, &actual));
                }
                self.put_single(bucket, key, body, &options).await
            }
            Some(_) => self.put_multipart(bucket, key, reader, size, &options).await,
            None => {
                let head = reader.read(to_usize(threshold)?.saturating_add(1)).await?;
                if head.len() as u64 <= threshold {
                    self.put_single(bucket, key, head, &options).await
                } else {
                    reader.unread(head);
                    self.put_multipart(bucket, key, reader, None, &options).await
                }
            }
        }
    }

    /// One `PutObject` with the client's checksum.
    async fn put_single(&self, bucket: &str, key: &str, body: Bytes, options: &PutOptions) -> Result<PutResult> {
        let size = body.len() as u64;
        let checksum = BodyChecksum::of(self.upload_checksum(), &body);
        let request = self
            .sdk_client()
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_length(i64::try_from(size).unwrap_or(i64::MAX))
            .set_content_md5(checksum.content_md5())
            .set_checksum_crc32_c(checksum.crc32c().map(crc32c_header))
            .set_content_type(options.content_type.clone())
            .set_metadata(metadata(options))
            .set_cache_control(options.headers.cache_control.clone())
            .set_content_disposition(options.headers.content_disposition.clone())
            .set_content_encoding(options.headers.content_encoding.clone())
            .set_content_language(options.headers.content_language.clone())
            .set_if_none_match(if_none_match(options))
            .set_if_match(if_match(options))
            .body(ByteStream::from(body));
        let sent = match self.body_config(size) {
            Some(config) => request.customize().config_override(config).disable_payload_signing().send().await,
            None => request.send().await,
        };
        let out = sent.map_err(|e| conditional_failure(from_sdk(e, self.provider_id(), "put_object"), options))?;
        options.report_progress(size);
        Ok(PutResult::new(out.e_tag, Some(size)))
    }

    /// A multipart upload, aborted on any failure.
    async fn put_multipart(
        &self,
        bucket: &str,
        key: &str,
        reader: PartReader,
        size: Option<u64>,
        options: &PutOptions,
    ) -> Result<PutResult> {
        let provider = self.provider_id();
        // A create whose answer is lost may have opened an upload nobody knows the id of; it is
        // repeated only when the server refused it (rate limit), never blindly.
        let retries = RetryConfig::default().with_max_retries(self.max_attempts().saturating_sub(1));
        let algorithm = (self.upload_checksum() == UploadChecksum::Crc32c).then_some(ChecksumAlgorithm::Crc32C);
        let created = cloud_core::retry::retry(&retries, RequestSafety::NotIdempotent, || async {
            self.sdk_client()
                .create_multipart_upload()
                .bucket(bucket)
                .key(key)
                .set_checksum_algorithm(algorithm.clone())
                // One CRC32C of the whole object, which S3 keeps and downloads can check (the
                // default, a checksum of the parts' checksums, cannot be checked by a reader).
                .set_checksum_type(algorithm.as_ref().map(|_| ChecksumType::FullObject))
                .set_content_type(options.content_type.clone())
                .set_metadata(metadata(options))
                .set_cache_control(options.headers.cache_control.clone())
                .set_content_disposition(options.headers.content_disposition.clone())
                .set_content_encoding(options.headers.content_encoding.clone())
                .set_content_language(options.headers.content_language.clone())
                .customize()
                .config_override(no_sdk_checksum_once())
                .send()
                .await
                .map_err(|e| from_sdk(e, provider, "put_object"))
        })
        .await?;
        // A server that keeps CRC32Cs says so; S3 then requires the parts' in the complete.
        let confirmed = algorithm.is_some() && created.checksum_algorithm() == Some(&ChecksumAlgorithm::Crc32C);
        let upload_id = created.upload_id.ok_or_else(|| {
            Error::new(ErrorKind::ResponseInvalid, "CreateMultipartUpload returned no upload id")
                .in_context(provider, "put_object")
        })?;
        let mut guard = AbortGuard {
            client: self.clone(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            upload_id: Some(upload_id.clone()),
        };
        let result = async {
            let (parts, total) = self.upload_parts(bucket, key, &upload_id, reader, size, options).await?;
            let completing = Completing::new(parts, confirmed);
            let etag = self.complete(bucket, key, &upload_id, &completing, options).await?;
            Ok(PutResult::new(etag, Some(total)))
        }
        .await;
        match result {
            Ok(put) => {
                guard.upload_id = None;
                Ok(put)
            }
            Err(err) => {
                guard.abort_now().await;
                Err(err)
            }
        }
    }

    /// `CompleteMultipartUpload`, sent again only when that is known to be safe; returns the
    /// object's ETag.
    ///
    /// When an answer is lost (reset, timeout, unreadable), the object's ETag is compared with
    /// the one the parts give (when the server's part ETags are MD5 digests): equal means the
    /// upload completed. Otherwise, if the upload is still open, the complete is sent
    /// again; if it is not, the outcome cannot be told, and the error says so (kind `Dispatch`)
    /// instead of the `NotFound` a repeated complete would get.
    async fn complete(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        completing: &Completing,
        options: &PutOptions,
    ) -> Result<Option<String>> {
        let provider = self.provider_id();
        let retries = RetryConfig::default();
        let attempts = self.max_attempts().max(1);
        let mut lost = false;
        for attempt in 1..=attempts {
            let sent = self
                .sdk_client()
                .complete_multipart_upload()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completing.parts.clone())).build())
                .set_checksum_crc32_c(completing.crc32c.map(crc32c_header))
                .set_checksum_type(completing.crc32c.map(|_| ChecksumType::FullObject))
                .set_if_none_match(if_none_match(options))
                .set_if_match(if_match(options))
                .customize()
                .config_override(no_sdk_checksum_once())
                .send()
                .await;
            let err = match sent {
                Ok(done) => return Ok(done.e_tag),
                Err(err) => err,
            };
            let was_answered = answered(&err);
            let err = conditional_failure(from_sdk(err, provider, "put_object"), options);
            let more = attempt < attempts;
            if was_answered && !lost {
                // The server's own refusal: nothing completed. Repeat only what may pass later.
                if more && err.is_retryable() {
                    tokio::time::sleep(retries.backoff_ceiling(attempt - 1)).await;
                    continue;
                }
                return Err(err);
            }
            lost = true;
            match self.check_completion(bucket, key, upload_id, completing.etag.as_deref()).await {
                Completion::Done(etag) => return Ok(Some(etag)),
                Completion::Open if more => tokio::time::sleep(retries.backoff_ceiling(attempt - 1)).await,
                Completion::Open => return Err(err),
                Completion::Unknown(why) => {
                    return Err(Error::new(
                        ErrorKind::Dispatch,
                        format!(
                            "the answer to CompleteMultipartUpload of {bucket}/{key} was lost ({}) and {why}: the \
                             upload may or may not have replaced the object",
                            err.kind()
                        ),
                    )
                    .with_source(err)
                    .in_context(provider, "put_object"));
                }
            }
        }
        Err(Error::new(ErrorKind::Unexpected, "CompleteMultipartUpload was never sent")
            .in_context(provider, "put_object"))
    }

    /// After a lost `CompleteMultipartUpload` answer: did the upload complete?
    async fn check_completion(&self, bucket: &str, key: &str, upload_id: &str, expected: Option<&str>) -> Completion {
        let provider = self.provider_id();
        if let Some(expected) = expected {
            let head = self.sdk_client().head_object().bucket(bucket).key(key).send().await;
            if head.as_ref().is_ok_and(|head| head.e_tag().map(|e| e.trim_matches('"')) == Some(expected)) {
                return Completion::Done(expected.to_owned());
            }
        }
        let open =
            self.sdk_client().list_parts().bucket(bucket).key(key).upload_id(upload_id).max_parts(1).send().await;
        match open {
            Ok(_) => Completion::Open,
            Err(e) => {
                let err = from_sdk(e, provider, "put_object");
                if err.kind() == ErrorKind::NotFound && expected.is_some() {
                    Completion::Unknown("the upload is closed but the object does not carry its ETag".to_owned())
                } else if err.kind() == ErrorKind::NotFound {
                    Completion::Unknown(
                        "the upload is closed, and the server's part ETags do not tell which ETag the object would carry"
                            .to_owned(),
                    )
                } else {
                    Completion::Unknown(format!("checking the upload failed: {}", err.kind()))
                }
            }
        }
    }

    /// Reads and uploads every part, at most `concurrency` at a time (fewer when the memory limit
    /// says so), reporting progress as each part is acknowledged; on failure, waits for the parts
    /// in flight before returning the first error. Returns the parts, in the order they were
    /// acknowledged, and the total size.
    async fn upload_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        mut reader: PartReader,
        size: Option<u64>,
        options: &PutOptions,
    ) -> Result<(Vec<UploadedPart>, u64)> {
        let config = self.multipart_config();
        let mut tasks: JoinSet<Result<UploadedPart>> = JoinSet::new();
        // Buffers of acknowledged parts, for the next parts to be read into.
        let mut spare: Vec<BytesMut> = Vec::new();
        let mut acknowledged = 0u64;
        let mut parts = Vec::new();
        let mut number = 0u64;
        let mut total = 0u64;
        let mut eof = false;
        let outcome: Result<()> = async {
            loop {
                while !eof && tasks.len() < config.concurrency_for(config.part_size_for(number + 1, size)) {
                    let part_size = config.part_size_for(number + 1, size);
                    let want = match size {
                        Some(size) => part_size.min(size - total),
                        None => part_size,
                    };
                    let want_usize = usize::try_from(want).unwrap_or(usize::MAX);
                    let data = if want == 0 { Bytes::new() } else { reader.read_into(want_usize, spare.pop()).await? };
                    if data.is_empty() && number > 0 {
                        eof = true;
                        break;
                    }
                    eof = (data.len() as u64) < want || size.is_some_and(|s| total + data.len() as u64 == s);
                    number += 1;
                    if number > MAX_PARTS {
                        return Err(Error::invalid_input(format!(
                            "the body needs more than {MAX_PARTS} parts; raise the part size or the upload memory limit"
                        )));
                    }
                    total += data.len() as u64;
                    let client = self.clone();
                    let (bucket, key, upload_id) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
                    let part_number = i32::try_from(number).unwrap_or(i32::MAX);
                    tasks.spawn(async move { client.upload_part(&bucket, &key, &upload_id, part_number, data).await });
                }
                match tasks.join_next().await {
                    None => return Ok(()),
                    Some(Ok(part)) => {
                        let mut part = part?;
                        spare.extend(part.buffer.take());
                        acknowledged += part.len;
                        options.report_progress(acknowledged);
                        parts.push(part);
                    }
                    Some(Err(join)) => {
                        return Err(Error::new(ErrorKind::Unexpected, format!("a part upload task failed: {join}")));
                    }
                }
            }
        }
        .await;
        if let Err(err) = outcome {
            // Let the parts in flight finish (or fail) before the caller aborts the upload, so no
            // part lands after the abort.
            while tasks.join_next().await.is_some() {}
            return Err(err.in_context(self.provider_id(), "put_object"));
        }
        if let Some(declared) = size {
            if total != declared {
                return Err(length_mismatch(declared, &total.to_string()));
            }
            if reader.has_more().await? {
                return Err(length_mismatch(declared, "more"));
            }
        }
        Ok((parts, total))
    }

    /// One `UploadPart` with the client's checksum and an unsigned payload (see
    /// [`S3Client::body_config`]); the SDK retries it, since the body is in memory.
    async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: i32,
        data: Bytes,
    ) -> Result<UploadedPart> {
        let checksum = BodyChecksum::of(self.upload_checksum(), &data);
        let config = self.body_config(data.len() as u64).unwrap_or_else(no_sdk_checksum);
        let len = data.len() as u64;
        let crc32c = checksum.crc32c();
        let kept = data.clone();
        let out = self
            .sdk_client()
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number)
            .content_length(i64::try_from(len).unwrap_or(i64::MAX))
            .set_content_md5(checksum.content_md5())
            .set_checksum_crc32_c(crc32c.map(crc32c_header))
            .body(ByteStream::from(data))
            .customize()
            .config_override(config)
            .disable_payload_signing()
            .send()
            .await
            .map_err(|e| from_sdk(e, self.provider_id(), "put_object"))?;
        let part = CompletedPart::builder().set_e_tag(out.e_tag).part_number(part_number).build();
        // The request is gone: unless the body was a slice of something larger, this is the last
        // reference to its buffer.
        let buffer = kept.try_into_mut().ok();
        Ok(UploadedPart { part, len, crc32c, buffer })
    }
}

/// `If-None-Match: *` for `PutMode::Create`.
fn if_none_match(options: &PutOptions) -> Option<String> {
    (options.mode == PutMode::Create).then(|| "*".to_owned())
}

/// `If-Match: "<etag>"` for `PutMode::Update`.
fn if_match(options: &PutOptions) -> Option<String> {
    match &options.mode {
        PutMode::Update(etag) => Some(format!("\"{}\"", etag.trim_matches('"'))),
        _ => None,
    }
}

/// The failure of a conditional put, in the contract's terms: a taken key is `AlreadyExists`
/// (S3 says 412), and an update of a missing object `PreconditionFailed` (S3 says `NoSuchKey`).
fn conditional_failure(err: Error, options: &PutOptions) -> Error {
    match (&options.mode, err.kind()) {
        (PutMode::Create, ErrorKind::PreconditionFailed) => err.with_kind(ErrorKind::AlreadyExists),
        (PutMode::Update(_), ErrorKind::NotFound) if err.message().contains("NoSuchKey") => {
            err.with_kind(ErrorKind::PreconditionFailed)
        }
        _ => err,
    }
}

/// The user metadata of a put, in the SDK's shape.
fn metadata(options: &PutOptions) -> Option<HashMap<String, String>> {
    (!options.metadata.is_empty()).then(|| options.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Aborts a multipart upload that did not complete: explicitly on failure, or from `Drop` when
/// the upload future is dropped half-way (in a spawned task, if a Tokio runtime is there).
struct AbortGuard {
    client: S3Client,
    bucket: String,
    key: String,
    upload_id: Option<String>,
}

impl AbortGuard {
    async fn abort_now(&mut self) {
        if let Some(upload_id) = self.upload_id.take() {
            abort(&self.client, &self.bucket, &self.key, &upload_id).await;
        }
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if let Some(upload_id) = self.upload_id.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let (client, bucket, key) =
                    (self.client.clone(), std::mem::take(&mut self.bucket), std::mem::take(&mut self.key));
                runtime.spawn(async move { abort(&client, &bucket, &key, &upload_id).await });
            } else {
                tracing::warn!(bucket = %self.bucket, key = %self.key, upload_id, "multipart upload left unfinished: no runtime to abort it");
            }
        }
    }
}

async fn abort(client: &S3Client, bucket: &str, key: &str, upload_id: &str) {
    let result = client.sdk_client().abort_multipart_upload().bucket(bucket).key(key).upload_id(upload_id).send().await;
    if let Err(err) = result {
        let err = from_sdk(err, client.provider_id(), "abort_multipart_upload");
        tracing::warn!(bucket, key, upload_id, error = %err, "aborting a failed multipart upload failed");
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn config() -> MultipartConfig {
        MultipartConfig { threshold: 8 * MIB, part_size: 8 * MIB, concurrency: 4, memory_limit: 1024 * MIB }
    }

    #[test]
    fn known_sizes_use_fixed_parts_within_the_part_limit() {
        let c = config();
        assert_eq!(c.part_size_for(1, Some(100 * MIB)), 8 * MIB);
        assert_eq!(c.part_size_for(9_999, Some(100 * MIB)), 8 * MIB);
        let huge = 200 * 1024 * MIB; // 200 GiB needs parts above 8 MiB
        let part = c.part_size_for(1, Some(huge));
        assert!(part * MAX_PARTS >= huge && part > 8 * MIB);
    }

    #[test]
    fn unknown_sizes_grow_parts_every_thousand() {
        let c = config();
        assert_eq!(c.part_size_for(1, None), 8 * MIB);
        assert_eq!(c.part_size_for(1_000, None), 8 * MIB);
        assert_eq!(c.part_size_for(1_001, None), 16 * MIB);
        // Growth stops where 4 parts in flight fill the 1 GiB limit.
        assert_eq!(c.part_size_for(10_000, None), 256 * MIB);
        let reachable: u64 = (1..=MAX_PARTS).map(|n| c.part_size_for(n, None)).sum();
        assert!(reachable > 1400 * 1024 * MIB, "10,000 parts must exceed 1.4 TiB, got {reachable}");
        // With room for it, 10,000 parts reach past the 5 TiB object limit.
        let roomy = MultipartConfig { memory_limit: 4 * MAX_PART_SIZE, ..c };
        let reachable: u64 = (1..=MAX_PARTS).map(|n| roomy.part_size_for(n, None)).sum();
        assert!(reachable > 5 * 1024 * 1024 * MIB, "10,000 parts must exceed 5 TiB, got {reachable}");
    }

    /// Parts in flight × part size stays within the memory limit, for every part of every body
    /// (unknown length, small and huge known lengths), unless one part alone is larger.
    #[test]
    fn parts_in_flight_stay_within_the_memory_limit() {
        for c in [MultipartConfig::default(), MultipartConfig { concurrency: 1_000_000, ..config() }] {
            for size in [None, Some(100 * MIB), Some(5 * 1024 * 1024 * MIB)] {
                for n in [1, 999, 1_000, 1_001, 5_000, 9_999, MAX_PARTS] {
                    let part = c.part_size_for(n, size);
                    let in_flight = c.concurrency_for(part) as u64;
                    assert!(in_flight >= 1);
                    assert!(
                        in_flight * part <= c.memory_limit.max(part),
                        "{c:?}, size {size:?}, part {n}: {in_flight} × {part} bytes"
                    );
                }
            }
        }
    }

    #[test]
    fn multipart_etags_are_the_md5_of_the_part_digests() {
        // Two parts "a" and "b": MD5(MD5("a") ‖ MD5("b")), then "-2" (computed with Python's hashlib).
        let part = |n: i32, etag: &str| CompletedPart::builder().part_number(n).e_tag(etag).build();
        let parts = [part(1, "\"0cc175b9c0f1b6a831c399e269772661\""), part(2, "92EB5FFEE6AE2FEC3AD71C777531578F")];
        assert_eq!(multipart_etag(&parts).as_deref(), Some("96e024ba2074fe77e8e965ba43a704be-2"));
        // ETags that are not MD5 digests give no expectation rather than a wrong one.
        for odd in ["\"0cc175b9\"", "\"0cc175b9c0f1b6a831c399e26977266z\"", "0cc175b9c0f1b6a831c399e269772661-1"] {
            assert_eq!(multipart_etag(&[part(1, odd)]), None, "{odd}");
        }
        assert_eq!(multipart_etag(&[CompletedPart::builder().part_number(1).build()]), None);
    }

    #[test]
    fn crc32c_is_base64_of_the_big_endian_checksum() {
        // The check value of CRC-32C (iSCSI) is 0xE3069283; S3 takes the header in base64.
        let of = |data: &[u8]| BodyChecksum::of(UploadChecksum::Crc32c, data);
        assert_eq!(of(b"123456789").crc32c(), Some(0xE306_9283));
        assert_eq!(crc32c_header(0xE306_9283), "4waSgw==");
        assert_eq!(of(b"").crc32c().map(crc32c_header).as_deref(), Some("AAAAAA=="));
        assert_eq!(of(b"hello").content_md5(), None);
        let md5 = BodyChecksum::of(UploadChecksum::ContentMd5, b"hello");
        assert_eq!((md5.crc32c(), md5.content_md5().as_deref()), (None, Some("XUFAKrxLKna5cZ2REBfFkg==")));
    }

    /// Parts of `data` cut at `cuts`, acknowledged in reverse order, as `upload_part` returns
    /// them: with S3's ETags (MD5s) and, with `crc`, their CRC32Cs.
    fn uploaded(data: &[u8], cuts: &[usize], crc: bool) -> Vec<UploadedPart> {
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(data.len());
        let mut parts: Vec<UploadedPart> = bounds
            .windows(2)
            .zip(1..)
            .map(|(w, number)| {
                let bytes = &data[w[0]..w[1]];
                let crc32c = BodyChecksum::of(UploadChecksum::Crc32c, bytes).crc32c().filter(|_| crc);
                let etag: String = Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
                let part = CompletedPart::builder().part_number(number).e_tag(format!("\"{etag}\"")).build();
                UploadedPart { part, len: (w[1] - w[0]) as u64, crc32c, buffer: None }
            })
            .collect();
        parts.reverse();
        parts
    }

    #[test]
    fn a_confirmed_complete_lists_each_parts_crc32c_and_the_whole_objects() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let completing = Completing::new(uploaded(&data, &[1, 40_000, 40_001, 99_999], true), true);
        let numbers: Vec<Option<i32>> = completing.parts.iter().map(CompletedPart::part_number).collect();
        assert_eq!(numbers, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
        let pieces = [&data[..1], &data[1..40_000], &data[40_000..40_001], &data[40_001..99_999], &data[99_999..]];
        for (part, piece) in completing.parts.iter().zip(pieces) {
            let expected = crc32c_header(crc_fast::crc32_iscsi(piece));
            assert_eq!(part.checksum_crc32_c(), Some(expected.as_str()), "part {:?}", part.part_number());
        }
        // The whole object's CRC32C, combined from the parts', is the CRC32C of all the bytes.
        assert_eq!(completing.crc32c, Some(crc_fast::crc32_iscsi(&data)));
        let whole: Vec<[u8; 16]> = pieces.iter().map(|p| Md5::digest(p).into()).collect();
        let mut md5 = Md5::new();
        whole.iter().for_each(|d| md5.update(d));
        let hex: String = md5.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(completing.etag, Some(format!("{hex}-5")));
    }

    #[test]
    fn an_unconfirmed_complete_lists_no_checksum() {
        let data = vec![7u8; 30_000];
        let completing = Completing::new(uploaded(&data, &[10_000, 20_000], true), false);
        assert!(completing.parts.iter().all(|p| p.checksum_crc32_c().is_none()), "{completing:?}");
        assert!(completing.parts.iter().all(|p| p.e_tag().is_some()), "{completing:?}");
        assert_eq!(completing.crc32c, None);
        // With Content-MD5 there is no CRC32C to list, confirmed or not.
        let md5 = Completing::new(uploaded(&data, &[10_000, 20_000], false), true);
        assert_eq!(md5.crc32c, None);
        assert!(md5.parts.iter().all(|p| p.checksum_crc32_c().is_none()), "{md5:?}");
    }

    fn stream_of(chunks: &[&'static [u8]]) -> cloud_core::storage::ByteStream {
        futures::stream::iter(chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect::<Vec<_>>()).boxed()
    }

    #[tokio::test]
    async fn a_part_spanning_chunks_is_read_into_the_spare_buffer() {
        let mut r = PartReader::new(stream_of(&[b"abc", b"defgh", b"ij"]));
        let mut spare = BytesMut::with_capacity(64);
        spare.extend_from_slice(b"old bytes");
        let address = spare.as_ptr();
        let part = r.read_into(6, Some(spare)).await.unwrap();
        assert_eq!(part, &b"abcdef"[..]);
        assert_eq!(part.as_ptr(), address, "the spare buffer was reused");
        // Once the part is dropped elsewhere, the buffer comes back whole for the next part.
        let back = part.try_into_mut().expect("the only reference");
        assert!(back.capacity() >= 64);
        let next = r.read_into(4, Some(back)).await.unwrap();
        assert_eq!(next, &b"ghij"[..]);
        assert_eq!(next.as_ptr(), address);
    }

    #[tokio::test]
    async fn reader_cuts_across_chunks_and_unreads() {
        let mut r = PartReader::new(stream_of(&[b"abc", b"", b"defgh", b"ij"]));
        assert_eq!(r.read(2).await.unwrap(), &b"ab"[..]);
        assert_eq!(r.read(4).await.unwrap(), &b"cdef"[..]);
        let rest = r.read(100).await.unwrap();
        assert_eq!(rest, &b"ghij"[..]);
        r.unread(rest);
        assert!(r.has_more().await.unwrap());
        assert_eq!(r.read(4).await.unwrap(), &b"ghij"[..]);
        assert!(!r.has_more().await.unwrap());
        assert!(r.read(4).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn reader_passes_stream_errors_through() {
        let s = futures::stream::iter(vec![Ok(Bytes::from_static(b"ab")), Err(Error::invalid_input("boom"))]).boxed();
        let mut r = PartReader::new(s);
        let err = r.read(10).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn content_md5_is_base64_of_the_digest() {
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
        assert_eq!(content_md5(b"hello"), "XUFAKrxLKna5cZ2REBfFkg==");
    }
}
