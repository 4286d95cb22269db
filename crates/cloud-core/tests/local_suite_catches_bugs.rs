//! The conformance suite fails on broken backends: `MemoryStorage` wrapped with one injected bug
//! at a time must fail the checks that cover that behaviour (and pass them without the bug).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cloud_core::conformance::Suite;
use cloud_core::storage::{
    BucketInfo, CreateBucketOptions, GetOptions, GetResult, ListOptions, ObjectMeta, PresignMethod, PresignedUrl,
    PutOptions, PutPayload, PutResult, StorageCapabilities,
};
use cloud_core::{CloudProvider, Error, ErrorKind, MemoryStorage, Result, StorageClient};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    None,
    /// `head_object` forgets user metadata.
    DropMetadata,
    /// Listings come in reverse order.
    ReverseListing,
    /// Listing prefixes match whole path segments only.
    SegmentPrefix,
    /// Ranges are ignored: the whole object comes back.
    IgnoreRange,
    /// A put whose stream fails stores what arrived and succeeds.
    KeepPartialUploads,
    /// Missing objects are reported as service errors.
    WrongNotFoundKind,
    /// Bodies lose their last chunk.
    TruncateBodies,
}

#[derive(Debug)]
struct Broken {
    inner: MemoryStorage,
    bug: Bug,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Broken({:?})", self.bug)
    }
}

#[async_trait]
impl StorageClient for Broken {
    fn provider(&self) -> CloudProvider {
        self.inner.provider()
    }

    fn capabilities(&self) -> StorageCapabilities {
        self.inner.capabilities()
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        self.inner.list_buckets()
    }

    async fn create_bucket(&self, bucket: &str, options: CreateBucketOptions) -> Result<()> {
        self.inner.create_bucket(bucket, options).await
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        self.inner.delete_bucket(bucket).await
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        self.inner.bucket_exists(bucket).await
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        if self.bug == Bug::KeepPartialUploads && payload.as_bytes().is_none() {
            let mut body = payload.into_stream();
            let mut kept = Vec::new();
            while let Some(Ok(chunk)) = body.next().await {
                kept.extend_from_slice(&chunk);
            }
            return self.inner.put_object(bucket, key, PutPayload::from_bytes(kept), options).await;
        }
        self.inner.put_object(bucket, key, payload, options).await
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        let options = if self.bug == Bug::IgnoreRange { GetOptions::default() } else { options };
        let result = self.inner.get_object(bucket, key, options).await.map_err(|e| self.mangle(e))?;
        if self.bug != Bug::TruncateBodies {
            return Ok(result);
        }
        let (meta, range) = (result.meta.clone(), result.range.clone());
        let chunks: Vec<_> = result.into_stream().try_collect().await?;
        let kept = chunks.len().saturating_sub(1);
        let body = futures::stream::iter(chunks.into_iter().take(kept).map(Ok)).boxed();
        Ok(GetResult::new(meta, range, body))
    }

    async fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectMeta> {
        let meta = self.inner.head_object(bucket, key).await.map_err(|e| self.mangle(e))?;
        Ok(if self.bug == Bug::DropMetadata { meta.with_metadata(Default::default()) } else { meta })
    }

    async fn delete_object(&self, bucket: &str, key: &str) -> Result<()> {
        self.inner.delete_object(bucket, key).await.map_err(|e| self.mangle(e))
    }

    fn list_objects(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ObjectMeta>> {
        let prefix = options.prefix.clone().unwrap_or_default();
        let listing = self.inner.list_objects(bucket, options);
        match self.bug {
            Bug::ReverseListing => futures::stream::once(async move {
                let mut all: Vec<ObjectMeta> = listing.try_collect().await?;
                all.reverse();
                Ok::<_, Error>(futures::stream::iter(all.into_iter().map(Ok)))
            })
            .try_flatten()
            .boxed(),
            Bug::SegmentPrefix => listing
                .try_filter(move |m| {
                    let whole_segments = prefix.is_empty()
                        || prefix.ends_with('/')
                        || m.key == prefix
                        || m.key.starts_with(&format!("{prefix}/"));
                    futures::future::ready(whole_segments)
                })
                .boxed(),
            _ => listing,
        }
    }

    async fn copy_object(&self, src_bucket: &str, src_key: &str, dst_bucket: &str, dst_key: &str) -> Result<()> {
        self.inner.copy_object(src_bucket, src_key, dst_bucket, dst_key).await
    }

    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        expires_in: Duration,
    ) -> Result<PresignedUrl> {
        self.inner.presign(method, bucket, key, expires_in).await
    }
}

impl Broken {
    fn mangle(&self, err: Error) -> Error {
        if self.bug == Bug::WrongNotFoundKind && err.kind() == ErrorKind::NotFound {
            Error::from_status(500, "not found, but said badly")
        } else {
            err
        }
    }
}

/// Runs the named checks on a backend with `bug`; returns the names of those that failed.
async fn failing_checks(bug: Bug, names: &[&str]) -> Vec<String> {
    let store = Arc::new(Broken { inner: MemoryStorage::new(), bug });
    let suite = Suite::new("broken", store, "suite");
    let checks = suite.checks();
    let mut failed = Vec::new();
    for name in names {
        let check = checks.iter().find(|c| c.name() == *name).unwrap_or_else(|| panic!("no check named {name}"));
        if let Err(failure) = suite.run(check).await {
            assert!(!failure.message().is_empty());
            failed.push((*name).to_owned());
        }
    }
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bug_fails_the_checks_that_cover_it() {
    let cases: [(Bug, &[&str]); 7] = [
        (Bug::DropMetadata, &["metadata_round_trip", "copy_same_bucket"]),
        (Bug::ReverseListing, &["list_order", "list_prefix", "list_pages"]),
        (Bug::SegmentPrefix, &["list_prefix_is_a_string_prefix"]),
        (Bug::IgnoreRange, &["range_bounded", "range_offset", "range_suffix", "range_past_end"]),
        (Bug::KeepPartialUploads, &["failing_stream_leaves_nothing", "failing_overwrite_keeps_old"]),
        (Bug::WrongNotFoundKind, &["get_missing", "head_missing", "delete_missing", "missing_bucket_reads"]),
        (Bug::TruncateBodies, &["round_trip_one_byte", "round_trip_8mib_stream", "bytes_and_stream_payloads_agree"]),
    ];
    for (bug, names) in cases {
        assert_eq!(failing_checks(Bug::None, names).await, Vec::<String>::new(), "without a bug, for {bug:?}");
        let failed = failing_checks(bug, names).await;
        let expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        assert_eq!(failed, expected, "checks failed by {bug:?}");
    }
}

#[tokio::test]
async fn a_panicking_check_fails_and_is_cleaned_up() {
    use cloud_core::StorageClientExt;
    use cloud_core::conformance::{Check, CheckFuture, Context};

    fn panics<'a>(store: &'a dyn StorageClient, ctx: &'a Context) -> CheckFuture<'a> {
        Box::pin(async move {
            store.put_bytes(ctx.bucket(), &ctx.key("left-behind"), "x").await.unwrap();
            panic!("deliberately");
        })
    }
    let store = Arc::new(MemoryStorage::new());
    let suite = Suite::new("panics", Arc::clone(&store) as Arc<dyn StorageClient>, "suite");
    let failure = suite.run(&Check::new("panics", panics)).await.unwrap_err();
    assert!(failure.message().contains("panicked: deliberately"), "{failure}");
    assert_eq!(store.list_keys("suite", "").await.unwrap(), Vec::<String>::new());
}
