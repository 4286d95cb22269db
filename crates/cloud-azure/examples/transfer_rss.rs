//! Streams a large blob up and down and reports the peak resident memory of the process.
//!
//! ```sh
//! eval "$(cargo xtask emulators env azure)"
//! cargo run --release -p cloud-azure --example transfer_rss -- 1024   # MiB
//! ```
//!
//! The upload is a generated stream of unknown length (never in memory as a whole); the download
//! is read chunk by chunk and hashed. Linux only (it reads `VmHWM` from `/proc/self/status`).

use std::time::Instant;

use bytes::Bytes;
use cloud_azure::AzureBlobClientBuilder;
use cloud_core::StorageClient;
use cloud_core::storage::{GetOptions, PutOptions, PutPayload};
use futures::{StreamExt, TryStreamExt};

const MIB: u64 = 1024 * 1024;

/// Peak resident set size so far, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> cloud_core::Result<()> {
    let mib: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1024);
    let total = mib * MIB;
    let client = AzureBlobClientBuilder::from_env().build()?;
    let container = std::env::var("CLOUD_TEST_AZURITE_CONTAINER").unwrap_or_else(|_| "cloud-test".to_owned());
    let key = format!("rss/{}-{mib}MiB.bin", std::process::id());
    println!("before: peak RSS {:.1} MiB", peak_rss_mib());

    // 1 MiB chunks of a cheap pseudo-random pattern, generated as the upload pulls them.
    let chunks = futures::stream::unfold(0u64, move |sent| async move {
        (sent < total).then(|| {
            let len = MIB.min(total - sent);
            let byte = (sent / MIB % 251) as u8;
            (Ok(Bytes::from(vec![byte; usize::try_from(len).unwrap_or(0)])), sent + len)
        })
    })
    .boxed();
    let started = Instant::now();
    let put = client.put_object(&container, &key, PutPayload::from_stream(chunks, None), PutOptions::default()).await?;
    let up = started.elapsed();
    println!(
        "upload:   {mib} MiB in {:.1} s ({:.0} MiB/s), peak RSS {:.1} MiB, etag {:?}",
        up.as_secs_f64(),
        mib as f64 / up.as_secs_f64(),
        peak_rss_mib(),
        put.etag
    );

    let started = Instant::now();
    let body = client.get_object(&container, &key, GetOptions::default()).await?.into_stream();
    let read = body.try_fold(0u64, |n, chunk| async move { Ok(n + chunk.len() as u64) }).await?;
    let down = started.elapsed();
    assert_eq!(read, total, "downloaded size");
    println!(
        "download: {mib} MiB in {:.1} s ({:.0} MiB/s), peak RSS {:.1} MiB",
        down.as_secs_f64(),
        mib as f64 / down.as_secs_f64(),
        peak_rss_mib()
    );
    client.delete_object(&container, &key, Default::default()).await?;
    Ok(())
}
