//! The conformance suite fails on broken backends: `MemoryStorage` wrapped with one injected bug
//! at a time must fail the checks that cover that behaviour (and pass them without the bug).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use cloud_core::conformance::Suite;
use cloud_core::storage::{
    BucketInfo, Conditions, ContentHeaders, CopyMode, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions,
    GetResult, HeadOptions, ListEntry, ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl, PutMode,
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
    /// Put modes are ignored: every put overwrites.
    IgnorePutMode,
    /// Read conditions are ignored.
    IgnoreConditions,
    /// Copy modes are ignored: every copy overwrites.
    IgnoreCopyMode,
    /// Delimiters are ignored: every key is listed as an object.
    IgnoreDelimiter,
    /// Each key under a common prefix lists the prefix again.
    RepeatPrefixes,
    /// `start_after` is ignored.
    IgnoreStartAfter,
    /// Content headers are stored but not returned.
    DropContentHeaders,
    /// Not a bug: the capabilities deny conditions, put and copy modes, delimiters, start keys and
    /// content headers, and the backend says `Unsupported` for them (the baseline of the next one).
    ReducedCapabilities,
    /// As `ReducedCapabilities`, but the backend silently ignores what it does not support
    /// instead of saying `Unsupported`.
    SilentlyIgnoreUnsupported,
    /// Empty ETags and delimiters are taken as "no condition" and "no delimiter".
    AcceptEmptyOptions,
    /// Upload progress counts the bytes read from the payload, not those stored.
    ProgressCountsReadBytes,
    /// Upload progress is never reported.
    DropProgress,
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

/// Options with every empty ETag condition dropped.
fn drop_empty(conditions: Conditions) -> Conditions {
    let keep = |etag: Option<String>| etag.filter(|e| !e.trim_matches('"').is_empty());
    let mut out = Conditions::default();
    out.if_match = keep(conditions.if_match);
    out.if_none_match = keep(conditions.if_none_match);
    out.if_modified_since = conditions.if_modified_since;
    out.if_unmodified_since = conditions.if_unmodified_since;
    out
}

#[async_trait]
impl StorageClient for Broken {
    fn provider(&self) -> CloudProvider {
        self.inner.provider()
    }

    fn capabilities(&self) -> StorageCapabilities {
        let mut caps = self.inner.capabilities();
        if matches!(self.bug, Bug::ReducedCapabilities | Bug::SilentlyIgnoreUnsupported) {
            caps.put_if_not_exists = false;
            caps.put_if_match = false;
            caps.if_match = false;
            caps.if_none_match = false;
            caps.if_modified_since = false;
            caps.if_unmodified_since = false;
            caps.copy_if_not_exists = false;
            caps.list_delimiter = false;
            caps.list_start_after = false;
            caps.cache_control = false;
            caps.content_disposition = false;
            caps.content_encoding = false;
            caps.content_language = false;
        }
        caps
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

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        payload: PutPayload,
        mut options: PutOptions,
    ) -> Result<PutResult> {
        if self.bug == Bug::ReducedCapabilities {
            options.validate(&self.capabilities())?;
        }
        match self.bug {
            Bug::IgnorePutMode => options.mode = PutMode::Overwrite,
            Bug::SilentlyIgnoreUnsupported => {
                options.mode = PutMode::Overwrite;
                options.headers = ContentHeaders::default();
            }
            Bug::AcceptEmptyOptions => {
                if matches!(&options.mode, PutMode::Update(etag) if etag.trim_matches('"').is_empty()) {
                    options.mode = PutMode::Overwrite;
                }
            }
            _ => {}
        }
        let payload = match self.bug {
            Bug::DropProgress => {
                options.progress = None;
                payload
            }
            Bug::ProgressCountsReadBytes => match options.progress.take() {
                Some(progress) => {
                    let size = payload.size();
                    let mut read = 0u64;
                    let counted = payload.into_stream().inspect_ok(move |chunk| {
                        read += chunk.len() as u64;
                        progress.report(read);
                    });
                    PutPayload::from_stream(counted.boxed(), size)
                }
                None => payload,
            },
            _ => payload,
        };
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

    async fn get_object(&self, bucket: &str, key: &str, mut options: GetOptions) -> Result<GetResult> {
        if self.bug == Bug::ReducedCapabilities {
            options.conditions.validate(&self.capabilities())?;
        }
        match self.bug {
            Bug::IgnoreRange => options.range = None,
            Bug::IgnoreConditions | Bug::SilentlyIgnoreUnsupported => options.conditions = Conditions::default(),
            Bug::AcceptEmptyOptions => options.conditions = drop_empty(options.conditions),
            _ => {}
        }
        let result = self.inner.get_object(bucket, key, options).await.map_err(|e| self.mangle(e))?;
        let result = if self.bug == Bug::DropContentHeaders {
            let (meta, range) = (result.meta.clone().with_headers(ContentHeaders::default()), result.range.clone());
            GetResult::new(meta, range, result.into_stream())
        } else {
            result
        };
        if self.bug != Bug::TruncateBodies {
            return Ok(result);
        }
        let (meta, range) = (result.meta.clone(), result.range.clone());
        let chunks: Vec<_> = result.into_stream().try_collect().await?;
        let kept = chunks.len().saturating_sub(1);
        let body = futures::stream::iter(chunks.into_iter().take(kept).map(Ok)).boxed();
        Ok(GetResult::new(meta, range, body))
    }

    async fn head_object(&self, bucket: &str, key: &str, mut options: HeadOptions) -> Result<ObjectMeta> {
        if self.bug == Bug::ReducedCapabilities {
            options.conditions.validate(&self.capabilities())?;
        }
        match self.bug {
            Bug::IgnoreConditions | Bug::SilentlyIgnoreUnsupported => options.conditions = Conditions::default(),
            Bug::AcceptEmptyOptions => options.conditions = drop_empty(options.conditions),
            _ => {}
        }
        let meta = self.inner.head_object(bucket, key, options).await.map_err(|e| self.mangle(e))?;
        Ok(match self.bug {
            Bug::DropMetadata => meta.with_metadata(Default::default()),
            Bug::DropContentHeaders => meta.with_headers(ContentHeaders::default()),
            _ => meta,
        })
    }

    async fn delete_object(&self, bucket: &str, key: &str, options: DeleteOptions) -> Result<()> {
        self.inner.delete_object(bucket, key, options).await.map_err(|e| self.mangle(e))
    }

    fn list_entries(&self, bucket: &str, mut options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        if self.bug == Bug::ReducedCapabilities
            && let Err(e) = options.validate(&self.capabilities())
        {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        match self.bug {
            Bug::IgnoreDelimiter => options.delimiter = None,
            Bug::IgnoreStartAfter => options.start_after = None,
            Bug::SilentlyIgnoreUnsupported => {
                options.delimiter = None;
                options.start_after = None;
            }
            Bug::AcceptEmptyOptions => {
                options.delimiter = options.delimiter.filter(|d| !d.is_empty());
                options.start_after = options.start_after.filter(|s| !s.is_empty());
            }
            _ => {}
        }
        if self.bug == Bug::RepeatPrefixes
            && let Some(delimiter) = options.delimiter.take()
        {
            // The flat listing, each key under a prefix reported as that prefix.
            let prefix = options.prefix.clone().unwrap_or_default();
            return self
                .inner
                .list_entries(bucket, options)
                .map_ok(move |entry| match entry {
                    ListEntry::Object(meta) => match meta.key[prefix.len()..].find(&delimiter) {
                        Some(at) => ListEntry::Prefix(meta.key[..prefix.len() + at + delimiter.len()].to_owned()),
                        None => ListEntry::Object(meta),
                    },
                    other => other,
                })
                .boxed();
        }
        let prefix = options.prefix.clone().unwrap_or_default();
        let listing = self.inner.list_entries(bucket, options);
        match self.bug {
            Bug::ReverseListing => futures::stream::once(async move {
                let mut all: Vec<ListEntry> = listing.try_collect().await?;
                all.reverse();
                Ok::<_, Error>(futures::stream::iter(all.into_iter().map(Ok)))
            })
            .try_flatten()
            .boxed(),
            Bug::SegmentPrefix => listing
                .try_filter(move |e| {
                    let name = e.name();
                    let whole_segments = prefix.is_empty()
                        || prefix.ends_with('/')
                        || name == prefix
                        || name.starts_with(&format!("{prefix}/"));
                    futures::future::ready(whole_segments)
                })
                .boxed(),
            _ => listing,
        }
    }

    async fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        dst_key: &str,
        mut options: CopyOptions,
    ) -> Result<()> {
        if self.bug == Bug::ReducedCapabilities {
            options.mode.validate(&self.capabilities())?;
        }
        if matches!(self.bug, Bug::IgnoreCopyMode | Bug::SilentlyIgnoreUnsupported) {
            options.mode = CopyMode::Overwrite;
        }
        self.inner.copy_object(src_bucket, src_key, dst_bucket, dst_key, options).await
    }

    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        options: PresignOptions,
    ) -> Result<PresignedUrl> {
        self.inner.presign(method, bucket, key, options).await
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
    let cases: [(Bug, &[&str]); 18] = [
        (Bug::DropMetadata, &["metadata_round_trip", "copy_same_bucket"]),
        (Bug::ReverseListing, &["list_order", "list_prefix", "list_pages"]),
        (Bug::SegmentPrefix, &["list_prefix_is_a_string_prefix"]),
        (Bug::IgnoreRange, &["range_bounded", "range_offset", "range_suffix", "range_past_end"]),
        (Bug::KeepPartialUploads, &["failing_stream_leaves_nothing", "failing_overwrite_keeps_old"]),
        (Bug::WrongNotFoundKind, &["get_missing", "head_missing", "delete_missing", "missing_bucket_reads"]),
        (Bug::TruncateBodies, &["round_trip_one_byte", "round_trip_8mib_stream", "bytes_and_stream_payloads_agree"]),
        (Bug::IgnorePutMode, &["put_if_not_exists", "put_if_match", "put_if_match_race"]),
        (
            Bug::IgnoreConditions,
            &["read_if_match", "read_if_none_match", "read_if_modified_since", "read_if_unmodified_since"],
        ),
        (Bug::IgnoreCopyMode, &["copy_if_not_exists"]),
        (
            Bug::IgnoreDelimiter,
            &[
                "list_delimiter_nested",
                "list_delimiter_key_equal_to_prefix",
                "list_delimiter_twice",
                "list_delimiter_other_character",
                "list_delimiter_multi_char",
                "list_delimiter_pages",
                "list_start_after_with_delimiter",
            ],
        ),
        (Bug::RepeatPrefixes, &["list_delimiter_nested", "list_delimiter_twice", "list_delimiter_pages"]),
        (Bug::IgnoreStartAfter, &["list_start_after", "list_start_after_with_delimiter"]),
        (Bug::DropContentHeaders, &["content_headers_round_trip"]),
        (
            Bug::SilentlyIgnoreUnsupported,
            &[
                "put_if_not_exists_unsupported",
                "put_if_match_unsupported",
                "read_conditions_unsupported",
                "copy_if_not_exists_unsupported",
                "content_headers_unsupported",
                "list_delimiter_unsupported",
                "list_start_after_unsupported",
            ],
        ),
        (Bug::AcceptEmptyOptions, &["invalid_conditions", "list_invalid_options"]),
        (Bug::ProgressCountsReadBytes, &["put_progress_counts_only_acknowledged_bytes"]),
        (Bug::DropProgress, &["put_progress_ends_at_size", "ext_file_round_trip"]),
    ];
    for (bug, names) in cases {
        let baseline = if bug == Bug::SilentlyIgnoreUnsupported { Bug::ReducedCapabilities } else { Bug::None };
        assert_eq!(failing_checks(baseline, names).await, Vec::<String>::new(), "without a bug, for {bug:?}");
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
