//! Bucket and copy checks.

use bytes::Bytes;
use futures::TryStreamExt;

use super::{PARTED_OBJECT, list_keys, put, put_with, random_bucket, read, with_cleanup};
use crate::StorageClientExt;
use crate::conformance::{CheckResult, Context, ResultExt, ensure_same_bytes, expect_kind, pattern_bytes};
use crate::storage::{BucketInfo, CreateBucketOptions, GetOptions, PutOptions, PutPayload};
use crate::{Error, ErrorKind, StorageClient};

/// The suite's bucket exists; a never-created one does not.
pub async fn check_bucket_exists(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let exists = store.bucket_exists(ctx.bucket()).await.step("bucket_exists of the suite bucket")?;
    ensure!(exists, "bucket_exists says the suite bucket {:?} does not exist", ctx.bucket());
    let missing = random_bucket("never");
    let exists = store.bucket_exists(&missing).await.step("bucket_exists of a never-created bucket")?;
    ensure!(!exists, "bucket_exists says the never-created bucket {missing:?} exists");
    Ok(())
}

async fn bucket_names(store: &dyn StorageClient) -> CheckResult<Vec<String>> {
    let buckets: Vec<BucketInfo> = store.list_buckets().try_collect().await.step("list_buckets")?;
    Ok(buckets.into_iter().map(|b| b.name).collect())
}

/// Create, exists, create again (`AlreadyExists`), list, delete, exists no more, delete again
/// (`NotFound`).
pub async fn check_bucket_lifecycle(store: &dyn StorageClient, _ctx: &Context) -> CheckResult {
    let bucket = random_bucket("life");
    let outcome = async {
        store.create_bucket(&bucket, CreateBucketOptions::default()).await.step("create_bucket")?;
        ensure!(
            store.bucket_exists(&bucket).await.step("bucket_exists after create")?,
            "the created bucket does not exist"
        );
        let again = store.create_bucket(&bucket, CreateBucketOptions::default()).await;
        expect_kind(again, ErrorKind::AlreadyExists, "creating the bucket again")?;
        if store.capabilities().list_buckets {
            let names = bucket_names(store).await?;
            ensure!(names.contains(&bucket), "list_buckets does not show the created bucket {bucket:?}");
        }
        let listed = list_keys(store, &bucket, "").await?;
        ensure!(listed.is_empty(), "a new bucket lists {listed:?}");
        store.delete_bucket(&bucket).await.step("delete_bucket")?;
        ensure!(
            !store.bucket_exists(&bucket).await.step("bucket_exists after delete")?,
            "the deleted bucket still exists"
        );
        expect_kind(store.delete_bucket(&bucket).await, ErrorKind::NotFound, "deleting the bucket again")
    }
    .await;
    with_cleanup(store, &bucket, outcome).await
}

/// Deleting a bucket that holds an object is `Conflict` and keeps the object; once emptied, it
/// can be deleted.
pub async fn check_delete_non_empty_bucket(store: &dyn StorageClient, _ctx: &Context) -> CheckResult {
    let bucket = random_bucket("full");
    let outcome = async {
        store.create_bucket(&bucket, CreateBucketOptions::default()).await.step("create_bucket")?;
        let key = "nested/object";
        store
            .put_object(&bucket, key, PutPayload::from_bytes(Bytes::from_static(b"x")), PutOptions::default())
            .await
            .step("put")?;
        expect_kind(store.delete_bucket(&bucket).await, ErrorKind::Conflict, "deleting a non-empty bucket")?;
        let kept = read(store, &bucket, key).await?;
        ensure_same_bytes(&kept, b"x", "the object of a bucket whose deletion was refused")?;
        store.delete(&bucket, key).await.step("delete the object")?;
        store.delete_bucket(&bucket).await.step("delete the emptied bucket")?;
        ensure!(
            !store.bucket_exists(&bucket).await.step("bucket_exists after delete")?,
            "the deleted bucket still exists"
        );
        Ok(())
    }
    .await;
    with_cleanup(store, &bucket, outcome).await
}

/// A backend that cannot create buckets says `Unsupported`.
pub async fn check_create_bucket_unsupported(store: &dyn StorageClient, _ctx: &Context) -> CheckResult {
    let bucket = random_bucket("nope");
    let created = store.create_bucket(&bucket, CreateBucketOptions::default()).await;
    let outcome = expect_kind(created, ErrorKind::Unsupported, "create_bucket on a backend without create_bucket");
    with_cleanup(store, &bucket, outcome).await
}

/// `list_buckets` shows the suite's bucket.
pub async fn check_list_buckets_contains(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let names = bucket_names(store).await?;
    ensure!(names.iter().any(|n| n == ctx.bucket()), "list_buckets does not show the suite bucket {:?}", ctx.bucket());
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    ensure_eq!(names, sorted, "list_buckets order (sorted, no duplicates)");
    Ok(())
}

/// A backend that cannot list buckets says `Unsupported`.
pub async fn check_list_buckets_unsupported(store: &dyn StorageClient, _ctx: &Context) -> CheckResult {
    let listed: Result<Vec<BucketInfo>, Error> = store.list_buckets().try_collect().await;
    expect_kind(listed, ErrorKind::Unsupported, "list_buckets on a backend without list_buckets")
}

/// Copies `src` to `dst` and checks data, content type and metadata of the copy.
async fn copy_and_compare(
    store: &dyn StorageClient,
    ctx: &Context,
    (src_bucket, src): (&str, &str),
    (dst_bucket, dst): (&str, &str),
) -> CheckResult {
    let caps = ctx.capabilities();
    let content = pattern_bytes(80, 123_456);
    let options =
        PutOptions::default().with_content_type("application/x-conformance-copy").with_metadata("origin", "copied");
    store.put_object(src_bucket, src, PutPayload::from_bytes(content.clone()), options).await.step("put the source")?;
    store.copy(src_bucket, src, dst_bucket, dst).await.step("copy_object")?;
    let copied = read(store, dst_bucket, dst).await?;
    ensure_same_bytes(&copied, &content, "the copy")?;
    let original = read(store, src_bucket, src).await?;
    ensure_same_bytes(&original, &content, "the source after the copy")?;
    let head = store.head(dst_bucket, dst).await.step("head the copy")?;
    if caps.content_type {
        ensure_eq!(head.content_type.as_deref(), Some("application/x-conformance-copy"), "content type of the copy");
    }
    if caps.user_metadata {
        ensure_eq!(head.metadata.get("origin").map(String::as_str), Some("copied"), "metadata \"origin\" of the copy");
        ensure_eq!(head.metadata.len(), 1, "number of metadata entries of the copy");
    }
    Ok(())
}

/// A copy within a bucket has the source's data, content type and metadata.
pub async fn check_copy_same_bucket(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    copy_and_compare(store, ctx, (ctx.bucket(), &ctx.key("copy/src")), (ctx.bucket(), &ctx.key("copy/dst"))).await
}

/// A copy onto an existing object replaces it.
pub async fn check_copy_overwrites(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let dst = ctx.key("copy/existing");
    let options = PutOptions::default().with_metadata("stale", "yes");
    put_with(store, ctx, &dst, Bytes::from_static(b"old content that is longer"), options).await?;
    copy_and_compare(store, ctx, (ctx.bucket(), &ctx.key("copy/fresh")), (ctx.bucket(), &dst)).await
}

/// A copy of an object that went up in parts (a multipart upload, blocks, a static large
/// object's segments, resumable chunks) holds the whole content, and stays whole once the source
/// is deleted: a server that copied the parts' manifest instead (Swift with `copy` after `slo`
/// in its proxy pipeline) fails here.
pub async fn check_copy_parted_object(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let (src, dst) = (ctx.key("copy/parted-src"), ctx.key("copy/parted-dst"));
    let size = usize::try_from(PARTED_OBJECT).unwrap_or(usize::MAX);
    let content = pattern_bytes(81, size);
    let payload = PutPayload::from_bytes(content.clone());
    store.put_object(ctx.bucket(), &src, payload, PutOptions::default()).await.step("put the source in parts")?;
    store.copy(ctx.bucket(), &src, ctx.bucket(), &dst).await.step("copy_object")?;
    ensure_same_bytes(&read(store, ctx.bucket(), &dst).await?, &content, "the copy of an object put in parts")?;
    let head = store.head(ctx.bucket(), &dst).await.step("head the copy")?;
    ensure_eq!(head.size, PARTED_OBJECT, "size of the copy");
    store.delete(ctx.bucket(), &src).await.step("delete the source")?;
    ensure_same_bytes(&read(store, ctx.bucket(), &dst).await?, &content, "the copy once its source is deleted")
}

/// Copying a missing object is `NotFound`, and creates nothing.
pub async fn check_copy_missing_source(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let dst = ctx.key("copy/never");
    let copied = store.copy(ctx.bucket(), &ctx.key("copy/missing"), ctx.bucket(), &dst).await;
    expect_kind(copied, ErrorKind::NotFound, "copy of a missing object")?;
    expect_kind(store.head(ctx.bucket(), &dst).await, ErrorKind::NotFound, "head of the copy that failed")
}

/// Copying into a bucket that does not exist is `NotFound`.
pub async fn check_copy_to_missing_bucket(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let src = ctx.key("copy/source");
    put(store, ctx, &src, Bytes::from_static(b"x")).await?;
    let missing = random_bucket("missing");
    let copied = store.copy(ctx.bucket(), &src, &missing, "dst").await;
    expect_kind(copied, ErrorKind::NotFound, "copy into a missing bucket")
}

/// A copy into another bucket has the source's data, content type and metadata.
pub async fn check_copy_across_buckets(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let bucket = random_bucket("copy");
    let outcome = async {
        store.create_bucket(&bucket, CreateBucketOptions::default()).await.step("create the destination bucket")?;
        copy_and_compare(store, ctx, (ctx.bucket(), &ctx.key("copy/across")), (&bucket, "copied/here")).await
    }
    .await;
    with_cleanup(store, &bucket, outcome).await
}

/// A backend that cannot copy says `Unsupported`.
pub async fn check_copy_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let src = ctx.key("copy/source");
    put(store, ctx, &src, Bytes::from_static(b"x")).await?;
    let copied = store.copy(ctx.bucket(), &src, ctx.bucket(), &ctx.key("copy/dst")).await;
    expect_kind(copied, ErrorKind::Unsupported, "copy_object on a backend without copy")?;
    let head = store.head(ctx.bucket(), &ctx.key("copy/dst")).await;
    expect_kind(head, ErrorKind::NotFound, "head of the copy that was refused")?;
    let _ = store.get_object(ctx.bucket(), &src, GetOptions::default()).await.step("get the source")?;
    Ok(())
}
