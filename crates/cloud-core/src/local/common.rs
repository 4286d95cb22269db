//! Machinery shared by the two local backends: sorted and paged listings, bodies, streamed
//! uploads and the per-bucket gates that order bucket deletion after in-flight writes.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, PutMultipartOptions, WriteMultipart};

use super::codec::Codec;
use super::error::map_store_error;
use crate::storage::{ByteStream, ListEntry, ObjectMeta, PutOptions, PutPayload};
use crate::stream::{Page, paginate};
use crate::{Error, Result};

/// The largest chunk a download yields.
pub(crate) const BODY_CHUNK: usize = 1 << 20;

/// The part size of streamed uploads into a `LocalFileSystem`.
const UPLOAD_PART: usize = 4 << 20;

/// How many parts of a streamed upload may be in flight at once.
const UPLOAD_CONCURRENCY: usize = 2;

/// Converts an `object_store` listing entry into a model, without content type or metadata.
pub(crate) fn listed_meta(key: String, meta: &object_store::ObjectMeta) -> ObjectMeta {
    let mut out = ObjectMeta::new(key, meta.size).with_last_modified(meta.last_modified);
    if let Some(etag) = &meta.e_tag {
        out = out.with_etag(etag.as_str());
    }
    out
}

/// One listed object, ordered by key only.
struct Listed {
    key: String,
    meta: object_store::ObjectMeta,
}

impl PartialEq for Listed {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Listed {}

impl PartialOrd for Listed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Listed {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// What to list: the keys of `bucket` starting with `prefix` and sorting after `start_after`.
#[derive(Clone)]
pub(crate) struct ListSpec {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) codec: Codec,
    pub(crate) bucket: String,
    pub(crate) prefix: String,
    pub(crate) start_after: Option<String>,
}

impl ListSpec {
    /// Walks the keys after `after` (exclusive) and returns, in key order, all of them (`limit`
    /// `None`) or the first `limit`, holding no more than `limit` entries while walking.
    async fn scan(&self, after: Option<&str>, limit: Option<usize>) -> Result<Vec<ObjectMeta>> {
        let after = match (after, self.start_after.as_deref()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let Some(root) = self.codec.list_root(&self.bucket, &self.prefix) else {
            return Ok(Vec::new());
        };
        let mut walk = self.store.list(Some(&root));
        // A max-heap: when it grows past `limit`, the greatest key goes.
        let mut kept = BinaryHeap::new();
        while let Some(meta) = walk.try_next().await.map_err(|e| map_store_error(e, "list_objects"))? {
            let Some(key) = self.codec.key_of(&self.bucket, &meta.location) else {
                tracing::debug!(location = %meta.location, "skipping a file that is not an object");
                continue;
            };
            if !key.starts_with(self.prefix.as_str()) || after.is_some_and(|a| key.as_str() <= a) {
                continue;
            }
            kept.push(Listed { key, meta });
            if limit.is_some_and(|l| kept.len() > l) {
                kept.pop();
            }
        }
        Ok(kept.into_sorted_vec().into_iter().map(|l| listed_meta(l.key, &l.meta)).collect())
    }

    /// Whether at least one key starts with the prefix.
    pub(crate) async fn any(&self) -> Result<bool> {
        Ok(!self.scan(None, Some(1)).await?.is_empty())
    }

    /// The listing as a stream in key order.
    ///
    /// Without a page size the walk's entries are collected and sorted once (one walk, memory in
    /// proportion to the listing). With a page size, each page is one walk that keeps only the next
    /// `page_size` keys, so memory stays bounded by the page size at the cost of a walk per page.
    pub(crate) fn stream(self, page_size: Option<u32>) -> BoxStream<'static, Result<ObjectMeta>> {
        match page_size {
            None => stream::once(async move { self.scan(None, None).await })
                .map_ok(|all| stream::iter(all.into_iter().map(Ok)))
                .try_flatten()
                .boxed(),
            Some(size) => {
                let size = usize::try_from(size.max(1)).unwrap_or(usize::MAX);
                paginate(move |token: Option<String>| {
                    let spec = self.clone();
                    async move {
                        let items = spec.scan(token.as_deref(), Some(size)).await?;
                        let next = if items.len() == size { items.last().map(|m| m.key.clone()) } else { None };
                        Ok(Page::new(items, next))
                    }
                })
            }
        }
    }
}

/// Turns a key-ordered stream of the objects under `prefix` into listing entries: without a
/// delimiter each object is an entry; with one, the keys that continue past the delimiter after
/// the prefix become one [`ListEntry::Prefix`] each (the keys under a prefix are consecutive in
/// key order, so remembering the last prefix is enough to list each once).
///
/// The keys are already after `start_after`; a common prefix must sort after it too.
pub(crate) fn roll_up(
    objects: BoxStream<'static, Result<ObjectMeta>>,
    prefix: String,
    delimiter: Option<String>,
    start_after: Option<String>,
) -> BoxStream<'static, Result<ListEntry>> {
    let Some(delimiter) = delimiter else {
        return objects.map_ok(ListEntry::Object).boxed();
    };
    let mut last: Option<String> = None;
    objects
        .try_filter_map(move |meta| {
            let rest = meta.key.get(prefix.len()..).unwrap_or_default();
            let entry = match rest.find(delimiter.as_str()) {
                None => Some(ListEntry::Object(meta)),
                Some(at) => {
                    let common = &meta.key[..prefix.len() + at + delimiter.len()];
                    if last.as_deref() == Some(common) || start_after.as_deref().is_some_and(|s| common <= s) {
                        None
                    } else {
                        last = Some(common.to_owned());
                        Some(ListEntry::Prefix(common.to_owned()))
                    }
                }
            };
            futures::future::ready(Ok(entry))
        })
        .boxed()
}

/// Streams a range of a body that arrives as a stream of chunks, re-cut into chunks of at most
/// [`BODY_CHUNK`] bytes (slices of the original buffers, not copies).
pub(crate) fn slice_body(
    body: BoxStream<'static, object_store::Result<Bytes>>,
    range: Range<u64>,
    operation: &'static str,
) -> ByteStream {
    let mut offset = 0u64;
    body.map_err(move |e| map_store_error(e, operation))
        .map_ok(move |chunk| {
            let start = offset;
            let len = chunk.len() as u64;
            offset += len;
            let from = range.start.clamp(start, start + len) - start;
            let to = range.end.clamp(start, start + len) - start;
            let piece = chunk.slice(to_usize(from)..to_usize(to));
            let pieces = piece.len().div_ceil(BODY_CHUNK);
            stream::iter(
                (0..pieces).map(move |i| Ok(piece.slice(i * BODY_CHUNK..((i + 1) * BODY_CHUNK).min(piece.len())))),
            )
        })
        .try_flatten()
        .boxed()
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Streams `range` of an open file, reading [`BODY_CHUNK`] bytes at a time on the blocking pool.
pub(crate) fn file_body(file: std::fs::File, range: Range<u64>) -> ByteStream {
    use std::io::{Read, Seek, SeekFrom};

    let state = (Some(file), range.start, range.end - range.start);
    stream::try_unfold(state, |(file, start, remaining)| async move {
        let Some(mut file) = file else { return Ok(None) };
        if remaining == 0 {
            return Ok(None);
        }
        let (file, chunk) = tokio::task::spawn_blocking(move || {
            if start > 0 {
                file.seek(SeekFrom::Start(start))?;
            }
            let want = usize::try_from(remaining.min(BODY_CHUNK as u64)).unwrap_or(BODY_CHUNK);
            let mut buf = Vec::with_capacity(want);
            (&mut file).take(want as u64).read_to_end(&mut buf)?;
            Ok::<_, std::io::Error>((file, buf))
        })
        .await
        .map_err(|e| Error::new(crate::ErrorKind::Unexpected, "a file read task failed").with_source(e))?
        .map_err(|e| super::error::map_io_error(e, "get_object"))?;
        if chunk.is_empty() {
            return Err(super::error::map_io_error(
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the file shrank while it was read"),
                "get_object",
            ));
        }
        let read = chunk.len() as u64;
        // The file position now follows the last read: no more seeks.
        Ok(Some((Bytes::from(chunk), (Some(file), 0, remaining - read))))
    })
    .boxed()
}

/// Checks that a stream delivered the size its payload declared.
pub(crate) fn check_declared_size(declared: Option<u64>, actual: u64) -> Result<()> {
    match declared {
        Some(expected) if expected != actual => Err(Error::invalid_input(format!(
            "the payload declared {expected} bytes but its stream delivered {actual}{}",
            if actual > expected { " or more" } else { "" }
        ))
        .in_context(crate::CloudProvider::Local, "put_object")),
        _ => Ok(()),
    }
}

/// Streams a payload into a multipart upload of `store` at `path`, with bounded memory.
///
/// The progress callback of `put_options` is told the bytes of the parts known to be written (a
/// lower bound: the parts before those that may still be in flight); the caller reports the
/// whole size once the object is published. A stream error aborts the upload (nothing is published) and is returned as is.
pub(crate) async fn upload_stream(
    store: &dyn ObjectStore,
    path: &Path,
    payload: PutPayload,
    options: PutMultipartOptions,
    put_options: &PutOptions,
) -> Result<(object_store::PutResult, u64)> {
    let declared = payload.size();
    let mut body = payload.into_stream();
    let upload = store.put_multipart_opts(path, options).await.map_err(|e| map_store_error(e, "put_object"))?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, UPLOAD_PART);
    let mut written = 0u64;
    let mut reported = 0u64;
    let outcome = async {
        while let Some(chunk) = body.try_next().await? {
            let handed_over = written;
            written += chunk.len() as u64;
            if declared.is_some_and(|d| written > d) {
                return check_declared_size(declared, written);
            }
            writer.wait_for_capacity(UPLOAD_CONCURRENCY).await.map_err(|e| map_store_error(e, "put_object"))?;
            // The writer starts a part each time `UPLOAD_PART` bytes are handed over, and now has
            // fewer than `UPLOAD_CONCURRENCY` parts unfinished: every earlier part is written.
            let parts_written = (handed_over / UPLOAD_PART as u64).saturating_sub(UPLOAD_CONCURRENCY as u64 - 1);
            let stored = parts_written * UPLOAD_PART as u64;
            if stored > reported {
                reported = stored;
                put_options.report_progress(stored);
            }
            writer.put(chunk);
        }
        check_declared_size(declared, written)
    }
    .await;
    match outcome {
        Ok(()) => {
            let result = writer.finish().await.map_err(|e| map_store_error(e, "put_object"))?;
            Ok((result, written))
        }
        Err(e) => {
            if let Err(abort) = writer.abort().await {
                tracing::debug!(error = %abort, "aborting a failed upload failed");
            }
            Err(e)
        }
    }
}

/// Reads a payload into one buffer, reserving its declared size up front.
pub(crate) async fn collect_payload(payload: PutPayload) -> Result<Bytes> {
    if let Some(bytes) = payload.as_bytes() {
        return Ok(bytes.clone());
    }
    let declared = payload.size();
    let mut body = payload.into_stream();
    let mut buf = Vec::with_capacity(declared.map_or(0, |d| to_usize(d.min(1 << 30))));
    while let Some(chunk) = body.try_next().await? {
        buf.extend_from_slice(&chunk);
        if declared.is_some_and(|d| buf.len() as u64 > d) {
            return check_declared_size(declared, buf.len() as u64).map(|()| Bytes::new());
        }
    }
    check_declared_size(declared, buf.len() as u64)?;
    Ok(Bytes::from(buf))
}

/// One async read-write lock per bucket name: object writes hold it shared, bucket creation and
/// deletion exclusively, so a bucket is never deleted under an upload in progress.
///
/// Gates are never removed: one small lock per bucket name the store has seen.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    gates: Mutex<HashMap<String, Arc<tokio::sync::RwLock<()>>>>,
}

impl Gates {
    /// The gate of `bucket`.
    pub(crate) fn of(&self, bucket: &str) -> Arc<tokio::sync::RwLock<()>> {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(gates.entry(bucket.to_owned()).or_default())
    }
}

/// Locks that serialize the writers of one key (put, copy onto it, delete), so that an object's
/// file and its sidecar are always written by the same put: without them two concurrent puts may
/// publish their files in one order and their sidecars in the other, losing the winner's
/// metadata. Keys share a fixed number of stripes, so memory stays bounded.
#[derive(Debug)]
pub(crate) struct KeyLocks {
    stripes: Vec<tokio::sync::Mutex<()>>,
}

impl Default for KeyLocks {
    fn default() -> Self {
        Self { stripes: (0..64).map(|_| tokio::sync::Mutex::new(())).collect() }
    }
}

impl KeyLocks {
    /// Waits for, and holds, the lock of `key` in `bucket`.
    pub(crate) async fn lock(&self, bucket: &str, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (bucket, key).hash(&mut hasher);
        let stripe = usize::try_from(hasher.finish() % self.stripes.len() as u64).unwrap_or(0);
        self.stripes[stripe].lock().await
    }
}

#[cfg(test)]
mod tests {
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    use super::*;

    async fn body_of(stream: ByteStream) -> Vec<Bytes> {
        stream.try_collect().await.unwrap()
    }

    #[tokio::test]
    async fn slicing_cuts_ranges_across_chunks() {
        let chunks =
            vec![Ok(Bytes::from_static(b"hello ")), Ok(Bytes::from_static(b"wide ")), Ok(Bytes::from_static(b"world"))];
        let body = slice_body(stream::iter(chunks).boxed(), 4..13, "get_object");
        let got: Vec<u8> = body_of(body).await.concat();
        assert_eq!(got, b"o wide wo");
    }

    #[tokio::test]
    async fn big_chunks_are_recut() {
        let big = Bytes::from(vec![7u8; BODY_CHUNK * 2 + 10]);
        let body = slice_body(stream::iter([Ok(big)]).boxed(), 0..(BODY_CHUNK as u64 * 2 + 10), "get_object");
        let sizes: Vec<usize> = body_of(body).await.iter().map(Bytes::len).collect();
        assert_eq!(sizes, [BODY_CHUNK, BODY_CHUNK, 10]);
    }

    #[tokio::test]
    async fn file_bodies_honour_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..=255u8).cycle().take(BODY_CHUNK + 100).collect();
        std::fs::write(&path, &data).unwrap();
        let start = 50u64;
        let end = BODY_CHUNK as u64 + 70;
        let got = body_of(file_body(std::fs::File::open(&path).unwrap(), start..end)).await.concat();
        assert_eq!(got, &data[50..BODY_CHUNK + 70]);
        let empty = body_of(file_body(std::fs::File::open(&path).unwrap(), 5..5)).await;
        assert!(empty.is_empty());
    }

    #[tokio::test]
    async fn pages_hold_only_the_next_keys() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        for key in ["b/2", "b/1", "a", "b/3", "c", "b/10"] {
            store.put(&Path::from(format!("bkt/{key}").as_str()), Bytes::from_static(b"x").into()).await.unwrap();
        }
        let spec =
            ListSpec { store, codec: Codec::Plain, bucket: "bkt".into(), prefix: "b/".into(), start_after: None };
        let first = spec.scan(None, Some(2)).await.unwrap();
        assert_eq!(first.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(), ["b/1", "b/10"]);
        let all: Vec<String> = spec.clone().stream(Some(2)).map_ok(|m| m.key).try_collect().await.unwrap();
        assert_eq!(all, ["b/1", "b/10", "b/2", "b/3"]);
        let unpaged: Vec<String> = spec.stream(None).map_ok(|m| m.key).try_collect().await.unwrap();
        assert_eq!(unpaged, all);
    }

    #[tokio::test]
    async fn collected_payloads_check_their_size() {
        let chunks = stream::iter([Ok(Bytes::from_static(b"abc")), Ok(Bytes::from_static(b"de"))]).boxed();
        let ok = collect_payload(PutPayload::from_stream(chunks, Some(5))).await.unwrap();
        assert_eq!(ok, "abcde");
        let chunks = stream::iter([Ok(Bytes::from_static(b"abc"))]).boxed();
        let err = collect_payload(PutPayload::from_stream(chunks, Some(5))).await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
    }
}
