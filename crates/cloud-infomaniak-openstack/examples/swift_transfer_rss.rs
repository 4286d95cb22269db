//! Streams a large object up to Swift or down from it and reports the peak resident memory of the
//! process (run each direction in its own process to see each peak).
//!
//! ```sh
//! eval "$(cargo xtask emulators env openstack)"
//! cargo run --release -p cloud-infomaniak-openstack --example swift_transfer_rss -- up 1024
//! cargo run --release -p cloud-infomaniak-openstack --example swift_transfer_rss -- down 1024
//! ```
//!
//! `up` sends a generated stream of unknown length (never in memory as a whole; stored as an SLO
//! of 64 MiB segments); `down` reads the object back chunk by chunk with `get_object`, then with
//! `download_file` to a temporary file, and deletes it. Linux only (it reads `VmHWM` from
//! `/proc/self/status`).

use std::time::Instant;

use bytes::Bytes;
use cloud_core::storage::{GetOptions, PutOptions, PutPayload};
use cloud_core::{StorageClient, StorageClientExt};
use cloud_infomaniak_openstack::InfomaniakCloud;
use futures::{StreamExt, TryStreamExt};

const MIB: u64 = 1024 * 1024;
const CONTAINER: &str = "cloud-rss";
const KEY: &str = "rss/large.bin";

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
    let mode = std::env::args().nth(1).unwrap_or_else(|| "up".to_owned());
    let mib: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(1024);
    let total = mib * MIB;
    let swift = InfomaniakCloud::from_env().await?.swift();
    println!("before: peak RSS {:.1} MiB", peak_rss_mib());
    if mode == "up" {
        swift.ensure_bucket(CONTAINER).await?;
        // 1 MiB chunks of a cheap pattern, generated as the upload pulls them.
        let chunks = futures::stream::unfold(0u64, move |sent| async move {
            (sent < total).then(|| {
                let len = MIB.min(total - sent);
                let byte = (sent / MIB % 251) as u8;
                (Ok(Bytes::from(vec![byte; usize::try_from(len).unwrap_or(0)])), sent + len)
            })
        })
        .boxed();
        let started = Instant::now();
        let payload = PutPayload::from_stream(chunks, None);
        swift.put_object(CONTAINER, KEY, payload, PutOptions::default()).await?;
        let up = started.elapsed().as_secs_f64();
        println!("upload:   {mib} MiB in {up:.1} s ({:.0} MiB/s), peak RSS {:.1} MiB", mib as f64 / up, peak_rss_mib());
    } else {
        let started = Instant::now();
        let body = swift.get_object(CONTAINER, KEY, GetOptions::default()).await?.into_stream();
        let read = body.try_fold(0u64, |n, chunk| async move { Ok(n + chunk.len() as u64) }).await?;
        let down = started.elapsed().as_secs_f64();
        assert_eq!(read, total, "downloaded size");
        println!(
            "get:      {mib} MiB in {down:.1} s ({:.0} MiB/s), peak RSS {:.1} MiB",
            mib as f64 / down,
            peak_rss_mib()
        );
        let path = std::env::temp_dir().join(format!("swift-rss-{}.bin", std::process::id()));
        let started = Instant::now();
        let meta = swift.download_file(CONTAINER, KEY, &path).await?;
        let down = started.elapsed().as_secs_f64();
        assert_eq!(meta.size, total, "downloaded size");
        let _ = std::fs::remove_file(&path);
        println!(
            "file:     {mib} MiB in {down:.1} s ({:.0} MiB/s), peak RSS {:.1} MiB",
            mib as f64 / down,
            peak_rss_mib()
        );
        swift.delete(CONTAINER, KEY).await?;
    }
    Ok(())
}
