//! Upload progress checks: the callback of [`PutOptions::progress`] counts the bytes the
//! destination acknowledged, ends at the object's size, and never counts bytes merely read.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::{PARTED_OBJECT, random_suffix};
use crate::conformance::{CheckResult, Context, ResultExt, pattern_bytes, pattern_stream};
use crate::storage::{ByteStream, PutOptions, PutPayload};
use crate::{Error, ErrorKind, StorageClient, StorageClientExt};

/// The size of the streamed put.
const STREAMED: u64 = PARTED_OBJECT;

/// What happened during a put, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// The payload stream had yielded this many bytes in all.
    Read(u64),
    /// The progress callback reported this many acknowledged bytes.
    Acknowledged(u64),
}

/// The events of one put, shared by its payload stream and its progress callback.
#[derive(Debug, Clone, Default)]
struct Log(Arc<Mutex<Vec<Event>>>);

impl Log {
    fn push(&self, event: Event) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(event);
    }

    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Put options whose progress callback records into this log.
    fn options(&self) -> PutOptions {
        let log = self.clone();
        PutOptions::default().with_progress(move |bytes| log.push(Event::Acknowledged(bytes)))
    }

    /// `stream`, recording the running total of the bytes it yields.
    fn counted(&self, stream: ByteStream) -> ByteStream {
        let log = self.clone();
        let mut read = 0u64;
        stream
            .inspect_ok(move |chunk| {
                read += chunk.len() as u64;
                log.push(Event::Read(read));
            })
            .boxed()
    }
}

/// The reports of a successful put of `size` bytes: at least one, never decreasing, never
/// beyond the bytes the payload had yielded (when `streamed`), the last one exactly `size`.
fn check_reports(events: &[Event], size: u64, streamed: bool, what: &str) -> CheckResult {
    let mut read = 0;
    let mut last = None;
    for event in events {
        match *event {
            Event::Read(bytes) => read = bytes,
            Event::Acknowledged(bytes) => {
                if let Some(previous) = last {
                    ensure!(bytes >= previous, "{what}: progress went back from {previous} to {bytes} bytes");
                }
                ensure!(bytes <= size, "{what}: progress reported {bytes} bytes of a {size}-byte object");
                ensure!(
                    !streamed || bytes <= read,
                    "{what}: progress reported {bytes} bytes acknowledged when the payload had yielded {read}"
                );
                last = Some(bytes);
            }
        }
    }
    ensure_eq!(last, Some(size), "{what}: the last progress report");
    Ok(())
}

/// Puts `payload` with a progress log, checks the reports against `size`, and that no report
/// comes after `put_object` returned (a `head_object` later).
async fn put_and_check(
    store: &dyn StorageClient,
    ctx: &Context,
    name: &str,
    log: &Log,
    payload: PutPayload,
    size: u64,
) -> CheckResult {
    let key = ctx.key(&format!("progress/{name}"));
    let streamed = payload.as_bytes().is_none();
    store.put_object(ctx.bucket(), &key, payload, log.options()).await.step(format!("put {name}"))?;
    let at_return = log.events();
    check_reports(&at_return, size, streamed, name)?;
    let head = store.head(ctx.bucket(), &key).await.step(format!("head {name}"))?;
    ensure_eq!(head.size, size, "{name}: head_object size");
    let later = log.events().len();
    ensure!(
        later == at_return.len(),
        "{name}: {} progress reports came after put_object returned",
        later - at_return.len()
    );
    Ok(())
}

/// The progress of a put ends at exactly the object's size, never goes back, never runs ahead
/// of the payload, and is over when `put_object` returns: for an empty object, a small one, and
/// a stream of unknown length sent in several parts.
pub async fn check_put_progress_ends_at_size(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    for (name, size) in [("empty", 0usize), ("small", 1000)] {
        let payload = PutPayload::from_bytes(pattern_bytes(31, size));
        put_and_check(store, ctx, name, &Log::default(), payload, size as u64).await?;
    }
    let log = Log::default();
    let (payload, _) = pattern_stream(32, STREAMED, (64 << 10) + 13, false);
    let payload = PutPayload::from_stream(log.counted(payload.into_stream()), None);
    put_and_check(store, ctx, "streamed", &log, payload, STREAMED).await
}

/// A put whose payload fails after 192 KiB and one byte (less than any part, block, segment or
/// chunk size, and not a multiple of one) reports fewer bytes than were read: bytes read but never
/// acknowledged are not progress. A backend that counts what it reads reports them all.
pub async fn check_put_progress_counts_only_acknowledged_bytes(
    store: &dyn StorageClient,
    ctx: &Context,
) -> CheckResult {
    for declared in [None, Some(10 << 20)] {
        let what = format!("a put of a payload failing after 192 KiB (declared size {declared:?})");
        let key = ctx.key("progress/failed");
        let log = Log::default();
        let good = (0..3).map(|i| Ok(pattern_bytes(80 + i, 64 << 10))).chain([Ok(Bytes::from_static(b"!"))]);
        let failure =
            Error::new(ErrorKind::Dispatch, format!("conformance: injected stream failure {}", random_suffix()));
        let body = log.counted(stream::iter(good.chain([Err(failure)])).boxed());
        let result = store.put_object(ctx.bucket(), &key, PutPayload::from_stream(body, declared), log.options()).await;
        ensure!(result.is_err(), "{what} succeeded");
        let events = log.events();
        let read = events.iter().filter_map(|e| if let Event::Read(n) = e { Some(*n) } else { None }).max();
        ensure_eq!(read, Some((192 << 10) + 1), "{what}: bytes the payload yielded");
        let read = read.unwrap_or_default();
        for event in events {
            if let Event::Acknowledged(bytes) = event {
                ensure!(
                    bytes < read,
                    "{what}: progress reported {bytes} bytes acknowledged, but the upload failed after {read} \
                     bytes were read: bytes read and never stored were counted"
                );
            }
        }
    }
    Ok(())
}
