//! Object writes: one `multipart` request for small bodies, a resumable upload for large ones
//! and for streams that turn out large, CRC32C sent with the data and checked in the answer.
//!
//! A resumable upload of known size streams everything up to its last 256 KiB boundary in one
//! request, without holding it: Google's guide calls a single request the better-performing way
//! when the size is known. The last `chunk_size` bytes sent stay in memory, so that after a
//! failure the upload resumes from what the service reports it kept; the few bytes after the
//! boundary then go in a last request with the CRC32C of the whole (a header, so it needs every
//! byte read first). A stream of unknown size goes in chunks of `chunk_size`, each read before it
//! is sent, since the service must be told which chunk is the last.
//!
//! The resumable protocol (Google's "Perform resumable uploads" guide): a `POST
//! …?uploadType=resumable` opens a session whose URI comes back in `Location`; each chunk is a
//! `PUT` to it with `Content-Range: bytes first-last/total` (`*` while the total is unknown),
//! answered `308 Resume Incomplete` with `Range: bytes=0-N` (what the service kept) until the
//! last one, answered `200`/`201` with the object. After a failure, a `PUT` with
//! `Content-Range: bytes */total` asks what was kept, and the upload resumes from there.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use cloud_core::http::{Method, Response};
use cloud_core::retry::RetryConfig;
use cloud_core::storage::{ByteStream, PutPayload, PutProgress, validate_bucket_name, validate_key};
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use futures::{StreamExt, TryStreamExt};
use tokio::sync::Mutex;
use url::Url;

use crate::builder::CHUNK_ALIGNMENT;
use crate::client::{Crc32c, GcsClient, api_path, decode_crc32c, encode_crc32c};
use crate::generation::GcsPreconditions;
use crate::model::{NewObject, Object};

/// How writes are split; set by the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UploadConfig {
    /// Bodies up to this size go up in one request.
    pub(crate) threshold: u64,
    /// The size of resumable chunks, a multiple of 256 KiB.
    pub(crate) chunk_size: u64,
}

/// What the service answered to a chunk or a status query.
enum ChunkOutcome {
    /// The upload is complete.
    Done(Box<Object>),
    /// The service holds this many bytes (from the start of the object).
    Incomplete(u64),
}

/// One object write.
#[derive(Debug)]
pub(crate) struct Upload<'a> {
    pub(crate) bucket: &'a str,
    pub(crate) metadata: NewObject<'a>,
    pub(crate) conditions: GcsPreconditions,
    /// Told the bytes the service holds as chunks are acknowledged.
    pub(crate) progress: Option<PutProgress>,
}

impl Upload<'_> {
    /// Reports `acknowledged` bytes to the progress callback, if any.
    fn report(&self, acknowledged: u64) {
        if let Some(progress) = &self.progress {
            progress.report(acknowledged);
        }
    }
}

impl GcsClient {
    /// Writes an object from `payload`, choosing a single request or a resumable upload.
    pub(crate) async fn upload(&self, upload: Upload<'_>, payload: PutPayload) -> Result<Object> {
        validate_bucket_name(upload.bucket)?;
        validate_key(upload.metadata.name)?;
        let config = self.inner.upload;
        let threshold = usize::try_from(config.threshold).unwrap_or(usize::MAX);
        if let Some(bytes) = payload.as_bytes()
            && bytes.len() <= threshold
        {
            let bytes = bytes.clone();
            return self.upload_single(&upload, bytes).await;
        }
        let known = payload.size();
        let mut source = Source::new(payload.into_stream());
        if known.is_none_or(|size| size <= config.threshold) {
            // Small or of unknown length: read up to one byte past the threshold to decide.
            let mut head = BytesMut::new();
            source.fill(&mut head, threshold.saturating_add(1)).await?;
            if source.finished() && head.len() <= threshold {
                return self.upload_single(&upload, head.freeze()).await;
            }
            source.push_front(head.freeze());
        }
        self.upload_resumable(&upload, source, known).await
    }

    /// One `uploadType=multipart` request: the JSON metadata (with the CRC32C) and the body.
    async fn upload_single(&self, upload: &Upload<'_>, body: Bytes) -> Result<Object> {
        let mut crc = Crc32c::new();
        crc.update(&body);
        let crc = crc.value();
        let mut metadata = upload.metadata.clone();
        metadata.crc32c = Some(encode_crc32c(crc));
        let json = serde_json::to_vec(&metadata)
            .map_err(|e| Error::new(ErrorKind::Construction, format!("cannot encode the object metadata: {e}")))?;
        let boundary = boundary_for(&body);
        let media_type = metadata.content_type.unwrap_or("application/octet-stream");
        let mut multipart = BytesMut::with_capacity(body.len() + json.len() + 256);
        multipart.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n").as_bytes(),
        );
        multipart.extend_from_slice(&json);
        multipart.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: {media_type}\r\n\r\n").as_bytes());
        multipart.extend_from_slice(&body);
        multipart.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let object: Object = self
            .inner
            .http
            .request(Method::POST, &api_path(&["upload", "storage", "v1", "b", upload.bucket, "o"]))
            .operation("put_object")
            .query(&[("uploadType", "multipart")])
            .query(&upload.conditions)
            .header("content-type", &format!("multipart/related; boundary={boundary}"))
            .body(multipart.freeze())
            // Writing the same bytes again is harmless, unless a condition could then fail.
            .idempotent(upload.conditions == GcsPreconditions::default())
            .send_json()
            .await?;
        check_written(&object, body.len() as u64, crc)?;
        upload.report(body.len() as u64);
        Ok(object)
    }

    /// A resumable upload of `source`.
    async fn upload_resumable(&self, upload: &Upload<'_>, source: Source, known: Option<u64>) -> Result<Object> {
        let session = self.open_session(upload, known).await?;
        let feed = Arc::new(Mutex::new(Feed::new(source, self.inner.upload.chunk_size)));
        let result = self.send_requests(upload, &session, &feed, known).await;
        if let Err(error) = &result
            && error.kind() != ErrorKind::ResponseInvalid
        {
            self.cancel_session(&session).await;
        }
        result
    }

    /// Opens a resumable session and returns its URI.
    async fn open_session(&self, upload: &Upload<'_>, known: Option<u64>) -> Result<Url> {
        let mut request = self
            .inner
            .http
            .request(Method::POST, &api_path(&["upload", "storage", "v1", "b", upload.bucket, "o"]))
            .operation("put_object")
            .timeout(self.inner.timeout)
            .query(&[("uploadType", "resumable")])
            .query(&upload.conditions)
            .json(&upload.metadata)
            // Opening a second session is harmless: the first one is never used.
            .idempotent(true);
        if let Some(content_type) = upload.metadata.content_type {
            request = request.header("x-upload-content-type", content_type);
        }
        if let Some(size) = known {
            request = request.header("x-upload-content-length", &size.to_string());
        }
        let response = request.send().await?;
        let location = response.header("location").ok_or_else(|| invalid("the resumable upload has no session URI"))?;
        Url::parse(location).map_err(|e| invalid(format!("the resumable upload session URI does not parse: {e}")))
    }

    /// Sends the payload to the session, resuming from what the service kept after a failure.
    ///
    /// Of a payload of known size, everything up to the last 256 KiB boundary streams in one
    /// request, keeping the last `chunk_size` bytes sent for a resend; the rest then goes with the
    /// CRC32C of the whole. A payload of unknown size goes in chunks of `chunk_size`, each read
    /// before it is sent (the service must be told which one is the last).
    async fn send_requests(
        &self,
        upload: &Upload<'_>,
        session: &Url,
        feed: &SharedFeed,
        known: Option<u64>,
    ) -> Result<Object> {
        let chunk_size = self.inner.upload.chunk_size;
        let retry = &self.inner.retry;
        // The end of the part of a known-size payload that streams without being held.
        let streamed_end = known.map_or(0, |size| size.saturating_sub(1) / CHUNK_ALIGNMENT * CHUNK_ALIGNMENT);
        let mut committed: u64 = 0;
        let mut failures: u32 = 0;
        let mut request: u64 = 0;
        let started = Instant::now();
        loop {
            request += 1;
            // This request sends the bytes `committed..end`, the last ones when `total` is known.
            let (end, total, hash, body) = {
                let mut held = feed.lock().await;
                held.current = request;
                held.acknowledge(committed);
                let (end, total) = if committed < streamed_end {
                    (streamed_end, None)
                } else {
                    match known {
                        Some(size) => {
                            held.fill_to(size).await?;
                            held.check_ended_at(size).await?;
                            (size, Some(size))
                        }
                        None => {
                            held.fill_to(committed + chunk_size).await?;
                            let total = held.source.finished().then_some(held.read);
                            (held.read, total)
                        }
                    }
                };
                let resend = held.kept_range(committed, end).ok_or_else(|| {
                    Error::new(ErrorKind::Unexpected, "the resumable upload lost bytes it had not sent")
                })?;
                let hash = total.map(|_| format!("crc32c={}", encode_crc32c(held.crc.value())));
                let body = request_body(Arc::clone(feed), request, resend, committed, end, known.unwrap_or(end));
                (end, total, hash, body)
            };
            let last = total.is_some();
            let outcome = match self.put_chunk(session, committed, end, total, hash.as_deref(), body).await {
                Ok(outcome) => outcome,
                Err(error) => {
                    if let Some(failure) = feed.lock().await.failure.take() {
                        // The payload stream failed or ended early: nothing to resume.
                        return Err(failure);
                    }
                    if !error.is_retryable() {
                        return Err(error);
                    }
                    let mut error = error;
                    loop {
                        failures += 1;
                        self.wait_before_resuming(retry, failures, started, error).await?;
                        match self.query_session(session, total).await {
                            Ok(outcome) => break outcome,
                            Err(e) if e.is_retryable() => error = e,
                            // The last bytes went out and the session is gone: it may have
                            // completed (a server that forgets finished sessions) or expired.
                            // The object says.
                            Err(e) if last && matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Gone) => {
                                let crc = feed.lock().await.crc.value();
                                break self.settle_from_object(upload, end, crc, e).await?;
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
            };
            match outcome {
                ChunkOutcome::Done(object) => {
                    let Some(total) = total else {
                        return Err(invalid("the service finished the upload before the last chunk was sent"));
                    };
                    check_written(&object, total, feed.lock().await.crc.value())?;
                    upload.report(total);
                    return Ok(*object);
                }
                ChunkOutcome::Incomplete(kept) => {
                    if kept < committed || kept > end {
                        return Err(invalid(format!(
                            "the service kept {kept} bytes, outside the {committed}..={end} just sent"
                        )));
                    }
                    let resendable = feed.lock().await.kept_from;
                    if kept < resendable {
                        return Err(Error::new(
                            ErrorKind::Service,
                            format!(
                                "the service kept {kept} bytes of the upload, and only those from {resendable} on can be sent again: the upload cannot resume (a larger chunk_size keeps more)"
                            ),
                        )
                        .with_retryable(false)
                        .with_provider(CloudProvider::Gcp)
                        .with_operation("put_object"));
                    }
                    if kept == committed {
                        failures += 1;
                        let error =
                            Error::new(ErrorKind::Service, "the service kept none of the chunk").with_retryable(true);
                        self.wait_before_resuming(retry, failures, started, error).await?;
                    } else {
                        failures = 0;
                        upload.report(kept);
                    }
                    committed = kept;
                }
            }
        }
    }

    /// Settles an upload whose last chunk was sent, whose answer was lost, and whose session the
    /// service no longer knows: it completed if the object now holds exactly what was sent
    /// (`size` bytes with this CRC32C, and not the generation a precondition named as the one to
    /// replace). Otherwise it did not, and that is the error, never `NotFound` for the object.
    async fn settle_from_object(
        &self,
        upload: &Upload<'_>,
        size: u64,
        crc: u32,
        session_error: Error,
    ) -> Result<ChunkOutcome> {
        let stored = match self.object(upload.bucket, upload.metadata.name, GcsPreconditions::default()).await {
            Ok(object) => Some(object),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if let Some(object) = stored {
            let same_size = object.size().is_ok_and(|s| s == size);
            let same_crc = object.crc32c.as_deref().and_then(|c| decode_crc32c(c).ok()) == Some(crc);
            let replaced = match (upload.conditions.if_generation_match, object.generation()) {
                (Some(expected), Ok(Some(generation))) => expected == 0 || generation != expected,
                _ => true,
            };
            if same_size && same_crc && replaced {
                tracing::info!(
                    target: "cloud_gcp::upload",
                    "the answer to the last chunk was lost; the object holds what was sent"
                );
                return Ok(ChunkOutcome::Done(Box::new(object)));
            }
        }
        Err(Error::new(
            ErrorKind::Service,
            format!(
                "the resumable upload session ended after its last chunk was sent ({}), and the object does not hold the {size} bytes sent: the upload did not complete",
                session_error.kind()
            ),
        )
        .with_provider(CloudProvider::Gcp)
        .with_operation("put_object")
        .with_source(session_error))
    }

    /// Waits before the next attempt, or gives up with `error` when the retry budget is spent.
    async fn wait_before_resuming(
        &self,
        retry: &RetryConfig,
        failures: u32,
        started: Instant,
        error: Error,
    ) -> Result<()> {
        if failures > retry.max_retries() {
            return Err(error);
        }
        let delay = retry.delay_for(failures - 1, &error, &mut rand::rng());
        if started.elapsed().saturating_add(delay) > retry.retry_timeout() {
            return Err(error);
        }
        tracing::info!(
            target: "cloud_gcp::upload",
            failures,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            kind = %error.kind(),
            "resumable upload interrupted; resuming"
        );
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// One `PUT` of the bytes `offset..end` to the session, their `body` streamed.
    async fn put_chunk(
        &self,
        session: &Url,
        offset: u64,
        end: u64,
        total: Option<u64>,
        hash: Option<&str>,
        body: RequestBody,
    ) -> Result<ChunkOutcome> {
        let total_text = total.map_or_else(|| "*".to_owned(), |t| t.to_string());
        let range = if end == offset {
            format!("bytes */{total_text}")
        } else {
            format!("bytes {offset}-{}/{total_text}", end - 1)
        };
        let mut request = self
            .inner
            .http
            .request_url(Method::PUT, session.clone())
            .operation("put_object")
            .retry_config(RetryConfig::disabled())
            .header("content-range", &range)
            .body_stream(body, Some(end - offset));
        if let Some(hash) = hash {
            request = request.header("x-goog-hash", hash);
        }
        chunk_outcome(request.send_raw().await?).await
    }

    /// Asks the session how many bytes the service kept.
    async fn query_session(&self, session: &Url, total: Option<u64>) -> Result<ChunkOutcome> {
        let total_text = total.map_or_else(|| "*".to_owned(), |t| t.to_string());
        let response = self
            .inner
            .http
            .request_url(Method::PUT, session.clone())
            .operation("put_object")
            .timeout(self.inner.timeout)
            .retry_config(RetryConfig::disabled())
            .header("content-range", &format!("bytes */{total_text}"))
            .body(Bytes::new())
            .send_raw()
            .await?;
        chunk_outcome(response).await
    }

    /// Abandons a session after a failure, so the service frees what it kept (best effort).
    async fn cancel_session(&self, session: &Url) {
        let cancelled = self
            .inner
            .http
            .request_url(Method::DELETE, session.clone())
            .operation("put_object")
            .timeout(self.inner.timeout)
            .retry_config(RetryConfig::disabled())
            .send_raw()
            .await;
        if let Err(error) = cancelled {
            tracing::debug!(kind = %error.kind(), "could not cancel the resumable upload");
        }
    }
}

/// Reads a chunk or status answer: 200/201 with the object, 308 with what was kept, or an error.
async fn chunk_outcome(response: Response) -> Result<ChunkOutcome> {
    match response.status().as_u16() {
        200 | 201 => Ok(ChunkOutcome::Done(Box::new(response.json().await?))),
        308 => match response.header("range") {
            None => Ok(ChunkOutcome::Incomplete(0)),
            Some(range) => parse_kept(range).map(ChunkOutcome::Incomplete),
        },
        _ => Err(response.into_error().await),
    }
}

/// The number of bytes a `Range: bytes=0-N` header says the service kept (N + 1).
fn parse_kept(range: &str) -> Result<u64> {
    range
        .trim()
        .strip_prefix("bytes=0-")
        .and_then(|last| last.parse::<u64>().ok())
        .map(|last| last + 1)
        .ok_or_else(|| invalid(format!("unexpected Range {range:?} in a resumable upload answer")))
}

/// Checks that the stored object has the size and CRC32C of what was sent.
fn check_written(object: &Object, size: u64, crc: u32) -> Result<()> {
    let stored = object.size()?;
    if stored != size {
        return Err(invalid(format!("the service stored {stored} bytes of the {size} sent")));
    }
    if let Some(stored) = &object.crc32c
        && decode_crc32c(stored)? != crc
    {
        return Err(invalid(format!("CRC32C mismatch: sent {}, the service stored {stored}", encode_crc32c(crc))));
    }
    Ok(())
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::ResponseInvalid, message).with_provider(CloudProvider::Gcp).with_operation("put_object")
}

/// A `multipart/related` boundary that does not occur in `body`.
fn boundary_for(body: &[u8]) -> String {
    let mut crc = Crc32c::new();
    crc.update(body);
    let mut n = 0u32;
    loop {
        let boundary = format!("cloud_gcp_{:08x}_{n}", crc.value());
        if !body.windows(boundary.len()).any(|w| w == boundary.as_bytes()) {
            return boundary;
        }
        n += 1;
    }
}

/// The payload stream, with bytes read ahead that were not used yet.
struct Source {
    stream: ByteStream,
    /// Bytes taken from the stream but not used yet, in order.
    ahead: VecDeque<Bytes>,
    eof: bool,
}

impl Source {
    fn new(stream: ByteStream) -> Self {
        Self { stream, ahead: VecDeque::new(), eof: false }
    }

    /// Whether every byte has been taken out.
    fn finished(&self) -> bool {
        self.eof && self.ahead.is_empty()
    }

    /// Puts bytes back in front.
    fn push_front(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.ahead.push_front(bytes);
        }
    }

    /// The next bytes (never empty), `None` at the end of the stream.
    async fn next(&mut self) -> Result<Option<Bytes>> {
        if let Some(chunk) = self.ahead.pop_front() {
            return Ok(Some(chunk));
        }
        while !self.eof {
            match self.stream.try_next().await? {
                Some(chunk) if chunk.is_empty() => {}
                Some(chunk) => return Ok(Some(chunk)),
                None => self.eof = true,
            }
        }
        Ok(None)
    }

    /// Appends to `buffer` until it holds `target` bytes or the stream ends.
    async fn fill(&mut self, buffer: &mut BytesMut, target: usize) -> Result<()> {
        while buffer.len() < target {
            let Some(mut chunk) = self.next().await? else { return Ok(()) };
            let room = target - buffer.len();
            if chunk.len() > room {
                self.push_front(chunk.split_off(room));
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(())
    }
}

/// The payload of a resumable upload: its stream, and the bytes read from it that the service
/// has not acknowledged, kept to send them again after a failure. The upload loop and the body
/// of the request under way share it.
struct Feed {
    source: Source,
    /// Bytes read and not acknowledged, in order, ending at `read`.
    kept: VecDeque<Bytes>,
    /// The offset of the first byte of `kept`.
    kept_from: u64,
    /// How many bytes were taken from the source.
    read: u64,
    /// The CRC32C of the bytes taken from the source.
    crc: Crc32c,
    /// While a request body streams from the source, the most bytes kept for a resend.
    window: u64,
    /// The request whose body may take bytes from the source (the bodies of earlier ones stop).
    current: u64,
    /// Why a request body stopped: the payload stream failed, or ended before its announced size.
    failure: Option<Error>,
}

type SharedFeed = Arc<Mutex<Feed>>;

/// The body of one chunk request, as `cloud_core::http` streams it.
type RequestBody = futures::stream::BoxStream<'static, std::io::Result<Bytes>>;

impl Feed {
    fn new(source: Source, window: u64) -> Self {
        Self {
            source,
            kept: VecDeque::new(),
            kept_from: 0,
            read: 0,
            crc: Crc32c::new(),
            window,
            current: 0,
            failure: None,
        }
    }

    /// Takes the next bytes from the source, at most `max`, and keeps them; `None` at its end.
    async fn pull(&mut self, max: u64) -> Result<Option<Bytes>> {
        let Some(mut chunk) = self.source.next().await? else { return Ok(None) };
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        if chunk.len() > max {
            self.source.push_front(chunk.split_off(max));
        }
        self.crc.update(&chunk);
        self.read += chunk.len() as u64;
        self.kept.push_back(chunk.clone());
        Ok(Some(chunk))
    }

    /// Reads until `end` bytes were taken or the source ends.
    async fn fill_to(&mut self, end: u64) -> Result<()> {
        while self.read < end {
            if self.pull(end - self.read).await?.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// Checks that the source held exactly the `size` bytes announced, once they were read.
    async fn check_ended_at(&mut self, size: u64) -> Result<()> {
        if self.read < size {
            return Err(Error::invalid_input(format!("the payload announced {size} bytes but streamed {}", self.read)));
        }
        if self.source.next().await?.is_some() {
            return Err(Error::invalid_input(format!("the payload announced {size} bytes but streamed more")));
        }
        Ok(())
    }

    /// Forgets the bytes before `offset`, which the service acknowledged.
    fn acknowledge(&mut self, offset: u64) {
        while let Some(front) = self.kept.front_mut() {
            let len = front.len() as u64;
            if self.kept_from + len <= offset {
                self.kept.pop_front();
                self.kept_from += len;
            } else {
                if self.kept_from < offset {
                    // usize: less than the piece's length.
                    *front = front.slice(usize::try_from(offset - self.kept_from).unwrap_or(usize::MAX)..);
                    self.kept_from = offset;
                }
                break;
            }
        }
    }

    /// Forgets the oldest bytes beyond the window (a body streaming from the source).
    fn trim_to_window(&mut self) {
        while let Some(front) = self.kept.front() {
            let len = front.len() as u64;
            if self.read - self.kept_from - len < self.window {
                break;
            }
            self.kept.pop_front();
            self.kept_from += len;
        }
    }

    /// The kept bytes `from..end` (or up to what was read), `None` if some were forgotten.
    fn kept_range(&self, from: u64, end: u64) -> Option<VecDeque<Bytes>> {
        if from < self.kept_from {
            return None;
        }
        let mut out = VecDeque::new();
        let mut at = self.kept_from;
        for piece in &self.kept {
            let piece_end = at + piece.len() as u64;
            let (first, last) = (from.max(at), end.min(piece_end));
            if first < last {
                // usize: offsets within the piece.
                let slice = |o: u64| usize::try_from(o - at).unwrap_or(usize::MAX);
                out.push_back(piece.slice(slice(first)..slice(last)));
            }
            at = piece_end;
        }
        Some(out)
    }
}

/// The body of the request `request`: the bytes `from..end`, first the kept ones in `resend`,
/// then new ones from the source (kept in turn). If the source fails or ends before `announced`
/// bytes, the body fails and the reason waits in the feed for the upload loop.
fn request_body(
    feed: SharedFeed,
    request: u64,
    resend: VecDeque<Bytes>,
    from: u64,
    end: u64,
    announced: u64,
) -> RequestBody {
    let stopped = |why: &str| std::io::Error::other(format!("the upload body stopped: {why}"));
    futures::stream::unfold(Some((feed, resend, from)), move |state| async move {
        let (feed, mut resend, at) = state?;
        if let Some(piece) = resend.pop_front() {
            let next = at + piece.len() as u64;
            return Some((Ok(piece), Some((feed, resend, next))));
        }
        if at >= end {
            return None;
        }
        let mut shared = feed.lock().await;
        if shared.current != request {
            return Some((Err(stopped("a later request took over")), None));
        }
        match shared.pull(end - at).await {
            Ok(Some(piece)) => {
                shared.trim_to_window();
                drop(shared);
                let next = at + piece.len() as u64;
                Some((Ok(piece), Some((feed, resend, next))))
            }
            Ok(None) => {
                let read = shared.read;
                shared.failure =
                    Some(Error::invalid_input(format!("the payload announced {announced} bytes but streamed {read}")));
                Some((Err(stopped("the payload ended early")), None))
            }
            Err(error) => {
                shared.failure = Some(error);
                Some((Err(stopped("the payload stream failed")), None))
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    #[test]
    fn kept_ranges_parse() {
        assert_eq!(parse_kept("bytes=0-262143").unwrap(), 262_144);
        assert_eq!(parse_kept("bytes=0-0").unwrap(), 1);
        for bad in ["bytes=5-9", "bytes=0-", "items=0-1", ""] {
            assert_eq!(parse_kept(bad).unwrap_err().kind(), ErrorKind::ResponseInvalid, "{bad}");
        }
    }

    #[test]
    fn boundaries_avoid_the_body() {
        let body = b"hello";
        let first = boundary_for(body);
        let tricky = format!("x{first}y");
        let second = boundary_for(tricky.as_bytes());
        assert!(!tricky.contains(&second));
    }

    #[tokio::test]
    async fn sources_rechunk_and_carry() {
        let chunks = vec![Ok(Bytes::from_static(b"abcdef")), Ok(Bytes::from_static(b"gh"))];
        let mut source = Source::new(futures::stream::iter(chunks).boxed());
        let mut buffer = BytesMut::new();
        source.fill(&mut buffer, 4).await.unwrap();
        assert_eq!(&buffer[..], b"abcd");
        assert!(!source.finished());
        let mut rest = BytesMut::new();
        source.fill(&mut rest, 100).await.unwrap();
        assert_eq!(&rest[..], b"efgh");
        assert!(source.finished());
    }
}
