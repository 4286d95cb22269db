//! Parallel ranged downloads ([`StorageClientExt::download_file_with`],
//! [`StorageClientExt::get_object_read_ahead`]) against the backend: the result is the object,
//! the parts in flight and their sizes stay within the options, and an object replaced or a part
//! cut short during the download is an error that leaves no file.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use futures::future::{BoxFuture, FutureExt};
use futures::stream::{StreamExt, TryStreamExt};

use super::extras::ScratchDir;
use super::put;
use crate::conformance::{CheckResult, Context, Failure, ResultExt, ensure_same_bytes, expect_kind, pattern_bytes};
use crate::storage::transfer::{self, Object, PartSource};
use crate::storage::{DownloadOptions, GetOptions, GetRange, GetResult, StorageCapabilities};
use crate::{ErrorKind, Result, StorageClient, StorageClientExt};

/// The part size of these checks: small, so an object of a few parts stays small.
const PART: u64 = 256 << 10;

/// Five parts, the last one short.
const OBJECT_LEN: usize = (4 * PART + 1234) as usize;

/// A [`PartSource`] over the backend that records the ranged GETs it forwards, and can replace
/// the object before the first of them or cut one ranged answer short by a byte.
struct Probe<'a> {
    object: Object<'a, dyn StorageClient>,
    /// Stored under the key before the first ranged GET is forwarded.
    replace_with: Option<Bytes>,
    replaced: AtomicBool,
    /// The ranged GET starting here gets a body one byte short.
    cut_at: Option<u64>,
    /// GETs whose answer has not been dropped yet, and the most at once.
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    ranged_gets: AtomicUsize,
    longest_range: AtomicU64,
}

impl<'a> Probe<'a> {
    fn new(store: &'a dyn StorageClient, bucket: &'a str, key: &'a str) -> Self {
        Self {
            object: Object { store, bucket, key },
            replace_with: None,
            replaced: AtomicBool::new(false),
            cut_at: None,
            in_flight: Arc::default(),
            most_in_flight: Arc::default(),
            ranged_gets: AtomicUsize::new(0),
            longest_range: AtomicU64::new(0),
        }
    }
}

/// How long the probe holds each ranged answer before forwarding it.
const RANGED_ANSWER_DELAY: std::time::Duration = std::time::Duration::from_millis(20);

/// Decrements the in-flight count when an answer's body is dropped.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PartSource for Probe<'_> {
    fn capabilities(&self) -> StorageCapabilities {
        self.object.capabilities()
    }

    fn name(&self) -> String {
        self.object.name()
    }

    fn get(&self, options: GetOptions) -> BoxFuture<'_, Result<GetResult>> {
        async move {
            let range = match &options.range {
                Some(GetRange::Bounded(r)) => Some(r.clone()),
                _ => None,
            };
            if let Some(r) = &range {
                self.ranged_gets.fetch_add(1, Ordering::SeqCst);
                self.longest_range.fetch_max(r.end - r.start, Ordering::SeqCst);
                if let Some(new) = &self.replace_with
                    && !self.replaced.swap(true, Ordering::SeqCst)
                {
                    let o = &self.object;
                    o.store.put_bytes(o.bucket, o.key, new.clone()).await?;
                }
            }
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_in_flight.fetch_max(now, Ordering::SeqCst);
            let guard = InFlight(Arc::clone(&self.in_flight));
            if range.is_some() {
                // A fast backend (memory) answers before the next part is even asked for, which
                // would make "GETs overlap" depend on scheduling. Holding each ranged answer a
                // moment makes overlap certain for a download that really runs parts in parallel,
                // and changes nothing for one that does not.
                tokio::time::sleep(RANGED_ANSWER_DELAY).await;
            }
            let mut answer = match self.object.get(options).await {
                Ok(answer) => answer,
                Err(e) => {
                    drop(guard);
                    return Err(e);
                }
            };
            if let (Some(r), Some(at)) = (&range, self.cut_at)
                && r.start == at
            {
                let mut left = r.end - r.start - 1;
                answer.body = answer
                    .body
                    .map_ok(move |mut chunk| {
                        let keep = usize::try_from(left).unwrap_or(usize::MAX).min(chunk.len());
                        chunk.truncate(keep);
                        left -= keep as u64;
                        chunk
                    })
                    .boxed();
            }
            answer.body = answer
                .body
                .map(move |chunk| {
                    let _held = &guard;
                    chunk
                })
                .boxed();
            Ok(answer)
        }
        .boxed()
    }
}

/// Downloads through `source` with `options`, returning the file's bytes.
async fn download(source: &Probe<'_>, path: &Path, options: &DownloadOptions) -> Result<Vec<u8>> {
    transfer::download_to_file(source, path, options).await?;
    Ok(tokio::fs::read(path).await?)
}

/// Reads through `source` with read-ahead, collecting the stream; also returns how many ranged
/// GETs had been sent when the first part came out.
async fn read_ahead(source: Arc<Probe<'_>>, options: &DownloadOptions) -> Result<(Vec<u8>, usize)> {
    let (_, _, mut body) = transfer::read_ahead(Arc::clone(&source) as Arc<dyn PartSource>, options).await?;
    let first = body.try_next().await?.unwrap_or_default();
    let ahead = source.ranged_gets.load(Ordering::SeqCst);
    let rest: Vec<Bytes> = body.try_collect().await?;
    Ok(([first].into_iter().chain(rest).collect::<Vec<_>>().concat(), ahead))
}

/// Fails unless `dir` holds nothing (no published file, no temporary file left behind).
fn ensure_empty(dir: &Path, what: &str) -> CheckResult {
    let left: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Failure::new(format!("list {}: {e}", dir.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    ensure!(left.is_empty(), "{what} left files behind: {left:?}");
    Ok(())
}

/// A scratch directory for one check.
async fn scratch() -> CheckResult<ScratchDir> {
    let dir = ScratchDir(std::env::temp_dir().join(format!("cloud-conformance-{}", super::random_suffix())));
    tokio::fs::create_dir_all(&dir.0).await.map_err(|e| Failure::new(format!("create {}: {e}", dir.0.display())))?;
    Ok(dir)
}

/// A five-part object downloads to the same bytes as parallel ranged parts (file and
/// read-ahead), with at most `concurrency` GETs in flight, none longer than a part, and one
/// after another with a concurrency of 1.
pub async fn check_download_parallel_parts(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let dir = scratch().await?;
    let key = ctx.key("parallel.bin");
    let content = pattern_bytes(151, OBJECT_LEN);
    put(store, ctx, &key, content.clone()).await?;
    let options = DownloadOptions::default().with_part_size(PART).with_concurrency(3);

    let probe = Probe::new(store, ctx.bucket(), &key);
    let file = download(&probe, &dir.0.join("parallel.bin"), &options).await.step("download in parts")?;
    ensure_same_bytes(&file, &content, "the file downloaded in parts")?;
    ensure_eq!(probe.ranged_gets.load(Ordering::SeqCst), 4, "ranged GETs after the first plain GET");
    ensure_eq!(probe.longest_range.load(Ordering::SeqCst), PART, "longest ranged GET");
    let most = probe.most_in_flight.load(Ordering::SeqCst);
    ensure!((2..=3).contains(&most), "{most} GETs were in flight at once with a concurrency of 3");
    ensure_eq!(probe.in_flight.load(Ordering::SeqCst), 0, "answers still held after the download");

    let probe = Probe::new(store, ctx.bucket(), &key);
    let one = DownloadOptions::default().with_part_size(PART).with_concurrency(1);
    let file = download(&probe, &dir.0.join("sequential.bin"), &one).await.step("download one part at a time")?;
    ensure_same_bytes(&file, &content, "the file downloaded one part at a time")?;
    ensure_eq!(probe.most_in_flight.load(Ordering::SeqCst), 1, "GETs in flight at once with a concurrency of 1");

    let probe = Arc::new(Probe::new(store, ctx.bucket(), &key));
    let (read, ahead) = read_ahead(Arc::clone(&probe), &options).await.step("read ahead")?;
    ensure_same_bytes(&read, &content, "the read-ahead stream")?;
    // A fast backend may answer before the next part is asked for; never more than 2 ahead.
    ensure!(ahead <= 2, "{ahead} parts were requested ahead of the first with a concurrency of 3");
    let most = probe.most_in_flight.load(Ordering::SeqCst);
    ensure!(most <= 3, "{most} GETs were in flight at once reading ahead with a concurrency of 3");
    ensure_eq!(probe.longest_range.load(Ordering::SeqCst), PART, "longest ranged GET reading ahead");

    // The public forms agree.
    let path = dir.0.join("public.bin");
    let meta = store.download_file_with(ctx.bucket(), &key, &path, options.clone()).await.step("download_file_with")?;
    ensure_eq!(meta.size, OBJECT_LEN as u64, "size returned by download_file_with");
    let file = tokio::fs::read(&path).await.map_err(|e| Failure::new(format!("read {}: {e}", path.display())))?;
    ensure_same_bytes(&file, &content, "the file of download_file_with")?;
    let bad = store.download_file_with(ctx.bucket(), &key, &path, options.with_concurrency(0)).await;
    expect_kind(bad, ErrorKind::InvalidInput, "download_file_with a concurrency of 0")
}

/// An object replaced (same size, other bytes) after its first part was read is
/// `PreconditionFailed`, for a file (nothing left in the directory) and for read-ahead.
pub async fn check_download_detects_a_change(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let dir = scratch().await?;
    let key = ctx.key("changing.bin");
    let content = pattern_bytes(152, OBJECT_LEN);
    let options = DownloadOptions::default().with_part_size(PART).with_concurrency(2);
    for reader in ["download_file", "read-ahead"] {
        put(store, ctx, &key, content.clone()).await?;
        let mut probe = Probe::new(store, ctx.bucket(), &key);
        probe.replace_with = Some(pattern_bytes(153, OBJECT_LEN));
        let outcome = match reader {
            "download_file" => download(&probe, &dir.0.join("changing.bin"), &options).await,
            _ => read_ahead(Arc::new(probe), &options).await.map(|(read, _)| read),
        };
        expect_kind(outcome, ErrorKind::PreconditionFailed, format!("{reader} of an object replaced mid-way"))?;
        ensure_empty(&dir.0, reader)?;
    }
    Ok(())
}

/// A ranged answer one byte short is `ResponseInvalid`, for a file (nothing left in the
/// directory) and for read-ahead.
pub async fn check_download_detects_a_short_part(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let dir = scratch().await?;
    let key = ctx.key("short.bin");
    put(store, ctx, &key, pattern_bytes(154, OBJECT_LEN)).await?;
    let options = DownloadOptions::default().with_part_size(PART).with_concurrency(3);
    for reader in ["download_file", "read-ahead"] {
        let mut probe = Probe::new(store, ctx.bucket(), &key);
        probe.cut_at = Some(2 * PART);
        let outcome = match reader {
            "download_file" => download(&probe, &dir.0.join("short.bin"), &options).await,
            _ => read_ahead(Arc::new(probe), &options).await.map(|(read, _)| read),
        };
        expect_kind(outcome, ErrorKind::ResponseInvalid, format!("{reader} with a part one byte short"))?;
        ensure_empty(&dir.0, reader)?;
    }
    Ok(())
}
