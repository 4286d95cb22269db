//! Concurrency, presigned URL and [`StorageClientExt`] checks.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use futures::future::{join, join_all};
use futures::stream::{self, StreamExt};

use super::{list_keys, put, random_bucket, read, with_cleanup};
use crate::conformance::{
    CheckResult, Context, Failure, Fingerprint, ResultExt, ensure_same_bytes, expect_kind, pattern_bytes,
};
use crate::storage::{PresignMethod, PresignOptions, PutOptions, PutPayload};
use crate::{ErrorKind, StorageClient, StorageClientExt};

/// A payload streaming `content` in 16 chunks, yielding to the runtime before each.
fn interleaving_payload(content: &Bytes) -> PutPayload {
    let step = content.len().div_ceil(16).max(1);
    let chunks: Vec<Bytes> =
        (0..content.len()).step_by(step).map(|at| content.slice(at..(at + step).min(content.len()))).collect();
    let body = stream::iter(chunks).then(|chunk| async move {
        tokio::task::yield_now().await;
        Ok(chunk)
    });
    PutPayload::from_stream(body.boxed(), Some(content.len() as u64))
}

/// 16 writers on distinct keys and 8 on one key, all at once: every distinct key holds its own
/// write, and the shared key holds exactly one of the 8 writes, whole.
pub async fn check_concurrent_writers(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let distinct: Vec<(String, Bytes)> = (0..16u64)
        .map(|i| (ctx.key(&format!("concurrent/distinct-{i:02}")), pattern_bytes(100 + i, 64 * 1024 + i as usize)))
        .collect();
    let shared_key = ctx.key("concurrent/shared");
    let shared: Vec<Bytes> = (0..8u64).map(|i| pattern_bytes(200 + i, 256 * 1024)).collect();

    let distinct_puts = join_all(distinct.iter().map(|(key, content)| async move {
        store
            .put_object(ctx.bucket(), key, interleaving_payload(content), PutOptions::default())
            .await
            .step(format!("put {key:?}"))
    }));
    let shared_puts = join_all(shared.iter().enumerate().map(|(i, content)| {
        let key = &shared_key;
        async move {
            store
                .put_object(ctx.bucket(), key, interleaving_payload(content), PutOptions::default())
                .await
                .step(format!("shared put #{i}"))
        }
    }));
    let (distinct_results, shared_results) = join(distinct_puts, shared_puts).await;
    for result in distinct_results.into_iter().chain(shared_results) {
        result?;
    }

    for (key, content) in &distinct {
        let got = read(store, ctx.bucket(), key).await?;
        ensure_same_bytes(&got, content, format!("{key:?} after concurrent writes"))?;
    }
    let got = Fingerprint::of(&read(store, ctx.bucket(), &shared_key).await?);
    let candidates: Vec<Fingerprint> = shared.iter().map(|c| Fingerprint::of(c)).collect();
    ensure!(candidates.contains(&got), "the shared key holds {got}, which is none of the 8 writes (a mix of writes?)");
    let listed = list_keys(store, ctx.bucket(), &ctx.key("concurrent/")).await?;
    ensure_eq!(listed.len(), 17, "number of keys after concurrent writes");
    Ok(())
}

/// Presigning what the capabilities deny is `Unsupported`.
pub async fn check_presign_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let caps = ctx.capabilities();
    let key = ctx.key("presign/denied");
    for (method, supported) in [(PresignMethod::Get, caps.presign_get), (PresignMethod::Put, caps.presign_put)] {
        if !supported {
            let result = store.presign(method, ctx.bucket(), &key, PresignOptions::new(Duration::from_secs(300))).await;
            expect_kind(result, ErrorKind::Unsupported, format!("presign {method} without the capability"))?;
        }
    }
    Ok(())
}

/// Presigns `method` for 300 s and checks the URL's shape and expiry.
async fn presign_shape(store: &dyn StorageClient, ctx: &Context, method: PresignMethod) -> CheckResult {
    let key = ctx.key("presign/object.txt");
    put(store, ctx, &key, Bytes::from_static(b"presigned")).await?;
    let before = Utc::now();
    let url = store
        .presign(method, ctx.bucket(), &key, PresignOptions::new(Duration::from_secs(300)))
        .await
        .step(format!("presign {method}"))?;
    ensure_eq!(url.method, method, "method of the presigned URL");
    ensure!(matches!(url.url.scheme(), "http" | "https"), "presigned URL scheme {:?} is not http(s)", url.url.scheme());
    let ahead = (url.expires_at - before).num_seconds();
    ensure!((240..=360).contains(&ahead), "a URL presigned for 300 s expires in {ahead} s");
    Ok(())
}

/// A presigned GET URL comes back with the method and expiry asked for.
pub async fn check_presign_get(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    presign_shape(store, ctx, PresignMethod::Get).await
}

/// A presigned PUT URL comes back with the method and expiry asked for.
pub async fn check_presign_put(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    presign_shape(store, ctx, PresignMethod::Put).await
}

/// A zero expiry, or one past `presign_max_expiry`, is `InvalidInput`.
pub async fn check_presign_invalid_expiry(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let caps = ctx.capabilities();
    let method = if caps.presign_get { PresignMethod::Get } else { PresignMethod::Put };
    let key = ctx.key("presign/expiry");
    let zero = store.presign(method, ctx.bucket(), &key, PresignOptions::new(Duration::ZERO)).await;
    expect_kind(zero, ErrorKind::InvalidInput, "presign with a zero expiry")?;
    if let Some(max) = caps.presign_max_expiry {
        let too_long =
            store.presign(method, ctx.bucket(), &key, PresignOptions::new(max + Duration::from_secs(1))).await;
        expect_kind(too_long, ErrorKind::InvalidInput, format!("presign for {max:?} + 1 s"))?;
        store
            .presign(method, ctx.bucket(), &key, PresignOptions::new(max))
            .await
            .step("presign for exactly the maximum expiry")?;
    }
    Ok(())
}

/// A scratch directory removed on drop.
pub(super) struct ScratchDir(pub(super) PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `upload_file` (with progress) and `download_file` round-trip a multi-chunk file.
pub async fn check_ext_file_round_trip(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let scratch = ScratchDir(std::env::temp_dir().join(format!("cloud-conformance-{}", super::random_suffix())));
    let fail = |what: &str, e: std::io::Error| Failure::new(format!("{what} in {}: {e}", scratch.0.display()));
    tokio::fs::create_dir_all(&scratch.0).await.map_err(|e| fail("create the scratch directory", e))?;
    let source = scratch.0.join("source.bin");
    let target = scratch.0.join("downloaded.bin");
    let content = pattern_bytes(90, (5 << 20) / 2 + 3);
    tokio::fs::write(&source, &content).await.map_err(|e| fail("write the source file", e))?;

    let key = ctx.key("files/upload.bin");
    let progress_seen = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&progress_seen);
    let progress = Arc::new(move |done: u64, _total: Option<u64>| {
        seen.fetch_max(done, Ordering::SeqCst);
    });
    let options = PutOptions::default().with_content_type("application/x-conformance-file");
    store.upload_file_with_progress(ctx.bucket(), &key, &source, options, Some(progress)).await.step("upload_file")?;
    ensure_eq!(progress_seen.load(Ordering::SeqCst), content.len() as u64, "bytes reported by the progress callback");

    let meta = store.download_file(ctx.bucket(), &key, &target).await.step("download_file")?;
    ensure_eq!(meta.size, content.len() as u64, "size returned by download_file");
    let downloaded = tokio::fs::read(&target).await.map_err(|e| fail("read the downloaded file", e))?;
    ensure_same_bytes(&downloaded, &content, "the downloaded file")?;
    if ctx.capabilities().content_type {
        let head = store.head(ctx.bucket(), &key).await.step("head the uploaded file")?;
        ensure_eq!(
            head.content_type.as_deref(),
            Some("application/x-conformance-file"),
            "content type of the uploaded file"
        );
    }
    let missing = store.download_file(ctx.bucket(), &ctx.key("files/missing"), &scratch.0.join("missing.bin")).await;
    expect_kind(missing, ErrorKind::NotFound, "download_file of a missing object")?;
    ensure!(!scratch.0.join("missing.bin").exists(), "a failed download_file left a file behind");
    Ok(())
}

/// `ensure_bucket` on an existing bucket says it created nothing; on a new one, that it did.
pub async fn check_ext_ensure_bucket(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let created = store.ensure_bucket(ctx.bucket()).await.step("ensure_bucket of the suite bucket")?;
    ensure!(!created, "ensure_bucket says it created the existing suite bucket");
    if !ctx.capabilities().create_bucket {
        return Ok(());
    }
    let bucket = random_bucket("ensure");
    let outcome = async {
        ensure!(
            store.ensure_bucket(&bucket).await.step("ensure_bucket of a new bucket")?,
            "ensure_bucket did not create a new bucket"
        );
        ensure!(
            !store.ensure_bucket(&bucket).await.step("ensure_bucket again")?,
            "ensure_bucket created the bucket twice"
        );
        ensure!(store.bucket_exists(&bucket).await.step("bucket_exists")?, "the ensured bucket does not exist");
        Ok(())
    }
    .await;
    with_cleanup(store, &bucket, outcome).await
}

/// `delete_prefix` deletes exactly the keys under the prefix and counts them.
pub async fn check_ext_delete_prefix(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    for i in 0..5 {
        put(store, ctx, &ctx.key(&format!("del/{i}")), Bytes::from_static(b"x")).await?;
    }
    put(store, ctx, &ctx.key("del/nested/deeper"), Bytes::from_static(b"x")).await?;
    for name in ["del-not/1", "delta"] {
        put(store, ctx, &ctx.key(name), Bytes::from_static(b"x")).await?;
    }
    let deleted = store.delete_prefix(ctx.bucket(), &ctx.key("del/")).await.step("delete_prefix")?;
    ensure_eq!(deleted, 6, "objects delete_prefix says it deleted");
    let left = list_keys(store, ctx.bucket(), ctx.prefix()).await?;
    ensure_eq!(left, vec![ctx.key("del-not/1"), ctx.key("delta")], "keys left after delete_prefix");
    let again = store.delete_prefix(ctx.bucket(), &ctx.key("del/")).await.step("delete_prefix again")?;
    ensure_eq!(again, 0, "objects deleted by a second delete_prefix");
    Ok(())
}

/// `put_bytes`, `get_bytes` and `list_keys` agree.
pub async fn check_ext_bytes_helpers(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("bytes/hello.txt");
    let result = store.put_bytes(ctx.bucket(), &key, "hello, conformance").await.step("put_bytes")?;
    if let Some(size) = result.size {
        ensure_eq!(size, 18, "put_bytes result size");
    }
    let got = store.get_bytes(ctx.bucket(), &key).await.step("get_bytes")?;
    ensure_same_bytes(&got, b"hello, conformance", "get_bytes")?;
    let keys = store.list_keys(ctx.bucket(), &ctx.key("bytes/")).await.step("list_keys")?;
    ensure_eq!(keys, vec![key], "list_keys");
    let missing = store.get_bytes(ctx.bucket(), &ctx.key("bytes/missing")).await;
    expect_kind(missing, ErrorKind::NotFound, "get_bytes of a missing object")
}
