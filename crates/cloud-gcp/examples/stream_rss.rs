//! Streams an object of unknown length up to GCS and back down, then prints the peak resident
//! memory of the process: the check that transfers stay in bounded memory whatever the size.
//!
//! ```text
//! cargo xtask emulators up gcs
//! STORAGE_EMULATOR_HOST=127.0.0.1:9023 GCP_PROJECT_ID=cloud-test \
//!     cargo run --release -p cloud-gcp --example stream_rss -- cloud-test 1024
//! ```
//!
//! Arguments: the bucket (default `cloud-test`) and the size in MiB (default 1024).

use std::time::Instant;

use bytes::Bytes;
use cloud_core::storage::{DeleteOptions, GetOptions, PutOptions, PutPayload};
use cloud_core::{Result, StorageClient};
use cloud_gcp::GcsClient;
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

/// The `VmHWM` (peak resident set) of this process, in KiB, on Linux.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// 1 MiB chunk number `i` of a deterministic pseudo-random body.
fn chunk(i: u64) -> Bytes {
    let mut state = 0x2545_F491_4F6C_DD1D ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut data = Vec::with_capacity(1 << 20);
    while data.len() < 1 << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    Bytes::from(data)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let bucket = args.next().unwrap_or_else(|| "cloud-test".to_owned());
    let mib: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let gcs = GcsClient::from_env()?;
    let key = format!("stream-rss/{}.bin", std::process::id());

    let started = Instant::now();
    let mut sent = Sha256::new();
    let body = futures::stream::iter(0..mib).map(|i| Ok::<_, cloud_core::Error>(chunk(i))).boxed();
    let payload = PutPayload::from_stream(body, None);
    gcs.put_object(&bucket, &key, payload, PutOptions::default()).await?;
    let upload = started.elapsed();
    for i in 0..mib {
        sent.update(chunk(i));
    }

    let started = Instant::now();
    let mut received = Sha256::new();
    let mut size = 0_u64;
    let mut stream = gcs.get_object(&bucket, &key, GetOptions::default()).await?.into_stream();
    while let Some(part) = stream.try_next().await? {
        size += part.len() as u64;
        received.update(&part);
    }
    let download = started.elapsed();
    gcs.delete_object(&bucket, &key, DeleteOptions::default()).await?;

    assert_eq!(size, mib << 20, "downloaded size");
    assert_eq!(sent.finalize(), received.finalize(), "downloaded bytes");
    let peak = peak_rss_kib().map_or_else(|| "unknown".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "{mib} MiB: upload {:.1} s, download {:.1} s, peak RSS {peak}",
        upload.as_secs_f64(),
        download.as_secs_f64()
    );
    Ok(())
}
