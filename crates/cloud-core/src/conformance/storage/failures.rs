//! Failure checks: missing objects and buckets, invalid input, payload streams that fail.

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::{list_keys, put, random_bucket, read};
use crate::StorageClientExt;
use crate::conformance::{CheckResult, Context, ResultExt, ensure_same_bytes, expect_kind, pattern_bytes};
use crate::storage::{CreateBucketOptions, GetOptions, ListOptions, PutOptions, PutPayload};
use crate::{Error, ErrorKind, StorageClient};

/// Getting a missing object is `NotFound`.
pub async fn check_get_missing(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let result = store.get_object(ctx.bucket(), &ctx.key("missing"), GetOptions::default()).await;
    expect_kind(result, ErrorKind::NotFound, "get of a missing object")
}

/// An empty or inverted range is `InvalidInput`, before anything is sent: even for a missing
/// object, the options are refused before the backend is asked.
pub async fn check_get_bad_range(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    // Built as a struct: the lint that refuses a written-out inverted range does not apply to data.
    let inverted = std::ops::Range { start: 10, end: 2 };
    for range in [5..5, inverted] {
        let options = GetOptions::default().with_range(range.clone());
        let result = store.get_object(ctx.bucket(), &ctx.key("missing"), options).await;
        expect_kind(result, ErrorKind::InvalidInput, format!("get of the range {range:?}"))?;
    }
    Ok(())
}

/// Heading a missing object is `NotFound`.
pub async fn check_head_missing(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    expect_kind(store.head(ctx.bucket(), &ctx.key("missing")).await, ErrorKind::NotFound, "head of a missing object")
}

/// Deleting a missing object is `NotFound`.
pub async fn check_delete_missing(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let result = store.delete(ctx.bucket(), &ctx.key("missing")).await;
    expect_kind(result, ErrorKind::NotFound, "delete of a missing object")
}

/// Reads in a bucket that does not exist are `NotFound`; the bucket does not exist.
pub async fn check_missing_bucket_reads(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let bucket = random_bucket("missing");
    let key = ctx.key("anything");
    let exists = store.bucket_exists(&bucket).await.step("bucket_exists of a missing bucket")?;
    ensure!(!exists, "bucket_exists says the never-created bucket {bucket:?} exists");
    let get = store.get_object(&bucket, &key, GetOptions::default()).await;
    expect_kind(get, ErrorKind::NotFound, "get from a missing bucket")?;
    expect_kind(store.head(&bucket, &key).await, ErrorKind::NotFound, "head in a missing bucket")?;
    expect_kind(store.delete(&bucket, &key).await, ErrorKind::NotFound, "delete in a missing bucket")?;
    let listed: Result<Vec<_>, Error> = store.list_objects(&bucket, ListOptions::default()).try_collect().await;
    expect_kind(listed, ErrorKind::NotFound, "listing a missing bucket")?;
    expect_kind(store.delete_bucket(&bucket).await, ErrorKind::NotFound, "delete of a missing bucket")
}

/// Putting into a bucket that does not exist is `NotFound`, and does not create the bucket.
pub async fn check_put_missing_bucket(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let bucket = random_bucket("missing");
    let put = store
        .put_object(
            &bucket,
            &ctx.key("orphan"),
            PutPayload::from_bytes(Bytes::from_static(b"x")),
            PutOptions::default(),
        )
        .await;
    expect_kind(put, ErrorKind::NotFound, "put into a missing bucket")?;
    let (payload, _) = crate::conformance::pattern_stream(5, 100_000, 10_000, true);
    let put = store.put_object(&bucket, &ctx.key("orphan"), payload, PutOptions::default()).await;
    expect_kind(put, ErrorKind::NotFound, "streamed put into a missing bucket")?;
    let exists = store.bucket_exists(&bucket).await.step("bucket_exists after the failed puts")?;
    ensure!(!exists, "a failed put created bucket {bucket:?}");
    Ok(())
}

const BAD_BUCKETS: [&str; 9] = [
    "ab",
    "Upper-Case",
    "under_score",
    "-leading-dash",
    "trailing-dash-",
    "double..dot",
    "192.168.1.1",
    "sp ace",
    "bucket/slash",
];

/// Bad bucket names are `InvalidInput` everywhere, before anything is sent.
pub async fn check_invalid_bucket_names(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let long = "b".repeat(64);
    let key = ctx.key("k");
    for bucket in BAD_BUCKETS.iter().copied().chain([long.as_str()]) {
        let kind = ErrorKind::InvalidInput;
        expect_kind(store.bucket_exists(bucket).await, kind, format!("bucket_exists({bucket:?})"))?;
        if ctx.capabilities().create_bucket {
            let created = store.create_bucket(bucket, CreateBucketOptions::default()).await;
            expect_kind(created, kind, format!("create_bucket({bucket:?})"))?;
        }
        expect_kind(store.delete_bucket(bucket).await, kind, format!("delete_bucket({bucket:?})"))?;
        let put = store.put_object(bucket, &key, PutPayload::from_bytes(Bytes::new()), PutOptions::default()).await;
        expect_kind(put, kind, format!("put_object into {bucket:?}"))?;
        let get = store.get_object(bucket, &key, GetOptions::default()).await;
        expect_kind(get, kind, format!("get_object from {bucket:?}"))?;
        expect_kind(store.head(bucket, &key).await, kind, format!("head_object in {bucket:?}"))?;
        expect_kind(store.delete(bucket, &key).await, kind, format!("delete_object in {bucket:?}"))?;
        let listed: Result<Vec<_>, Error> = store.list_objects(bucket, ListOptions::default()).try_collect().await;
        expect_kind(listed, kind, format!("list_objects of {bucket:?}"))?;
    }
    Ok(())
}

/// Bad keys (traversal, absolute, NUL, empty segments, control characters) are `InvalidInput`
/// everywhere, and nothing is written.
pub async fn check_invalid_keys(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let long = "k".repeat(1025);
    let bad = [
        "",
        "..",
        "../escape",
        "a/../b",
        "./a",
        "a/.",
        "/absolute",
        "a\0b",
        "a//b",
        "trailing/",
        "line\nbreak",
        "back\\slash",
        long.as_str(),
    ];
    let bucket = ctx.bucket();
    let good = ctx.key("good");
    put(store, ctx, &good, Bytes::from_static(b"good")).await?;
    for key in bad {
        let kind = ErrorKind::InvalidInput;
        let put = store
            .put_object(bucket, key, PutPayload::from_bytes(Bytes::from_static(b"x")), PutOptions::default())
            .await;
        if put.is_ok() {
            // Do not leave what a broken backend wrote.
            let _ = store.delete(bucket, key).await;
        }
        expect_kind(put, kind, format!("put_object {key:?}"))?;
        let get = store.get_object(bucket, key, GetOptions::default()).await;
        expect_kind(get, kind, format!("get_object {key:?}"))?;
        expect_kind(store.head(bucket, key).await, kind, format!("head_object {key:?}"))?;
        expect_kind(store.delete(bucket, key).await, kind, format!("delete_object {key:?}"))?;
        if ctx.capabilities().copy {
            expect_kind(store.copy(bucket, &good, bucket, key).await, kind, format!("copy to {key:?}"))?;
            expect_kind(store.copy(bucket, key, bucket, &good).await, kind, format!("copy from {key:?}"))?;
        }
    }
    Ok(())
}

/// Metadata keys outside `a-z`, `0-9`, `-` and non-ASCII values are `InvalidInput`.
pub async fn check_invalid_metadata(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("bad-metadata");
    let cases = [
        ("Upper", "v"),
        ("under_score", "v"),
        ("with space", "v"),
        ("", "v"),
        ("ünï", "v"),
        ("good", "é"),
        ("good", "line\nbreak"),
    ];
    for (k, v) in cases {
        let options = PutOptions::default().with_metadata(k, v);
        let put = store.put_object(ctx.bucket(), &key, PutPayload::from_bytes(Bytes::from_static(b"x")), options).await;
        expect_kind(put, ErrorKind::InvalidInput, format!("put with metadata {k:?}={v:?}"))?;
    }
    let head = store.head(ctx.bucket(), &key).await;
    expect_kind(head, ErrorKind::NotFound, "head after the rejected puts")
}

/// A payload stream that yields three chunks and then a `Dispatch` error carrying `marker`; when
/// `declared`, it announces the 10 MiB it would have had.
fn failing_payload(marker: &str, declared: bool) -> PutPayload {
    let good = (0..3).map(|i| Ok(pattern_bytes(60 + i, 64 * 1024)));
    let failure = Error::new(ErrorKind::Dispatch, format!("conformance: injected stream failure {marker}"));
    let chunks = stream::iter(good.chain([Err(failure)]));
    PutPayload::from_stream(chunks.boxed(), declared.then_some(10 << 20))
}

/// Checks that a put failed with the injected stream error.
fn expect_injected(result: Result<crate::storage::PutResult, Error>, marker: &str) -> CheckResult {
    match result {
        Ok(_) => Err(crate::conformance::Failure::new("a put whose payload stream failed succeeded")),
        Err(e) if e.kind() == ErrorKind::Dispatch && e.to_string().contains(marker) => Ok(()),
        Err(e) => Err(crate::conformance::Failure::new(format!(
            "a put whose payload stream failed with a dispatch error ({marker}) returned another error: {e}"
        ))),
    }
}

/// A put whose payload stream fails mid-way fails with that error and leaves no object.
pub async fn check_failing_stream_leaves_nothing(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("failed/upload");
    let marker = super::random_suffix();
    let result = store.put_object(ctx.bucket(), &key, failing_payload(&marker, true), PutOptions::default()).await;
    expect_injected(result, &marker)?;
    expect_kind(store.head(ctx.bucket(), &key).await, ErrorKind::NotFound, "head after the failed put")?;
    let listed = list_keys(store, ctx.bucket(), &ctx.key("failed/")).await?;
    ensure!(listed.is_empty(), "the failed put left {listed:?}");
    Ok(())
}

/// A failed overwrite leaves the old object whole.
pub async fn check_failing_overwrite_keeps_old(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("kept");
    let old = pattern_bytes(70, 150_000);
    put(store, ctx, &key, old.clone()).await?;
    let marker = super::random_suffix();
    let result = store.put_object(ctx.bucket(), &key, failing_payload(&marker, false), PutOptions::default()).await;
    expect_injected(result, &marker)?;
    let got = read(store, ctx.bucket(), &key).await?;
    ensure_same_bytes(&got, &old, "the object after a failed overwrite")
}
