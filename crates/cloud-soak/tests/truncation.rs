//! The defects the soak found, each pinned by a scenario through the fault proxy on every
//! backend: an answer without `Content-Length` whose body is cut short (HTTP/1.0, closed
//! cleanly) must never pass for a whole object, nor a `HEAD` without length for an empty one.

use bytes::Bytes;
use cloud_core::StorageClientExt;
use cloud_core::storage::{GetOptions, GetRange, HeadOptions};
use cloud_faults::{Fault, Rule};
use cloud_soak::target;

/// 300 KiB of a pattern.
fn content() -> Bytes {
    (0..300 * 1024).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into()
}

async fn check(backend: &str) {
    let target = target(backend).await.unwrap_or_else(|message| panic!("{message}"));
    let key = format!("truncation-{}", uuid::Uuid::new_v4().simple());
    let data = content();
    target.direct.put_bytes(&target.bucket, &key, data.clone()).await.expect("put");
    let (client, bucket) = (&target.client, target.bucket.as_str());
    let mut failures = Vec::new();

    // A whole GET whose body stops after 1,000 bytes.
    target.proxy.add(Rule::new(|r| r.method == "GET", Fault::CloseDelimited(1000)).times(1));
    let got = match client.get_object(bucket, &key, GetOptions::default()).await {
        Ok(result) => result.bytes().await,
        Err(e) => Err(e),
    };
    if let Ok(bytes) = &got
        && *bytes != data
    {
        failures.push(format!("whole GET: Ok with {} of {} bytes", bytes.len(), data.len()));
    }
    target.proxy.clear();

    // A ranged GET whose body stops after 1,000 bytes.
    target.proxy.add(Rule::new(|r| r.method == "GET", Fault::CloseDelimited(1000)).times(1));
    let options = GetOptions::default().with_range(GetRange::Bounded(1000..201_000));
    let got = match client.get_object(bucket, &key, options).await {
        Ok(result) => result.bytes().await,
        Err(e) => Err(e),
    };
    if let Ok(bytes) = &got
        && *bytes != data.slice(1000..201_000)
    {
        failures.push(format!("ranged GET: Ok with {} of 200000 bytes", bytes.len()));
    }
    target.proxy.clear();

    // A HEAD answered without Content-Length.
    target.proxy.add(Rule::new(|r| r.method == "HEAD" || r.method == "GET", Fault::CloseDelimited(0)).times(1));
    if let Ok(meta) = client.head_object(bucket, &key, HeadOptions::default()).await
        && meta.size != data.len() as u64
    {
        failures.push(format!("HEAD: Ok with size {} for {} bytes", meta.size, data.len()));
    }
    target.proxy.clear();

    target.direct.delete(bucket, &key).await.expect("delete");
    assert!(failures.is_empty(), "{backend}: {failures:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_fs_never_passes_a_truncated_answer_for_a_whole_one() {
    check("s3s-fs").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn azurite_never_passes_a_truncated_answer_for_a_whole_one() {
    check("azurite").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gcs_never_passes_a_truncated_answer_for_a_whole_one() {
    check("gcs").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn swift_never_passes_a_truncated_answer_for_a_whole_one() {
    check("swift").await;
}
