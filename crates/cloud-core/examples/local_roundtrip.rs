//! Streams a generated object through `LocalStorage` and back, hashing both ways, and prints the
//! throughput. Memory stays bounded whatever the size: nothing holds the whole object.
//!
//! ```text
//! cargo run --release -p cloud-core --example local_roundtrip -- [SIZE_MIB]   # default 1024
//! ```
//!
//! The data goes to a temporary directory that is removed at the end.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use cloud_core::storage::{GetOptions, PutOptions, PutPayload};
use cloud_core::{LocalStorage, StorageClient, StorageClientExt};
use futures::stream::{self, StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

const CHUNK: u64 = 1 << 20;

/// Chunk `index` of an object of `size` bytes: distinct pseudo-random words.
fn chunk(index: u64, size: u64) -> Bytes {
    let len = usize::try_from((size - index * CHUNK).min(CHUNK)).expect("a chunk fits in memory");
    let mut bytes = vec![0u8; len];
    for (j, word) in (0u64..).zip(bytes.chunks_mut(8)) {
        let value = ((index << 32) | j).wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes();
        word.copy_from_slice(&value[..word.len()]);
    }
    Bytes::from(bytes)
}

fn mib_per_s(bytes: u64, seconds: f64) -> f64 {
    let mib = bytes as f64 / f64::from(1 << 20);
    mib / seconds.max(1e-9)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let size_mib: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| format!("SIZE_MIB must be a whole number ({arg:?}: {e})"))?,
        None => 1024,
    };
    let size = size_mib << 20;
    let dir = tempfile::tempdir()?;
    let store = LocalStorage::new(dir.path())?;
    store.ensure_bucket("roundtrip").await?;

    // Upload a stream generated on the fly, hashing what it yields.
    let sent = Arc::new(Mutex::new(Sha256::new()));
    let hasher = Arc::clone(&sent);
    let body = stream::iter(0..size.div_ceil(CHUNK))
        .map(move |i| Ok(chunk(i, size)))
        .inspect_ok(move |bytes: &Bytes| hasher.lock().unwrap_or_else(PoisonError::into_inner).update(bytes))
        .boxed();
    let started = Instant::now();
    store.put_object("roundtrip", "big.bin", PutPayload::from_stream(body, Some(size)), PutOptions::default()).await?;
    let up = started.elapsed().as_secs_f64();
    let sent = hex::encode(sent.lock().unwrap_or_else(PoisonError::into_inner).clone().finalize());

    // Download it as a stream, hashing each chunk as it comes.
    let started = Instant::now();
    let mut body = store.get_object("roundtrip", "big.bin", GetOptions::default()).await?.into_stream();
    let mut received = Sha256::new();
    let mut received_len = 0u64;
    while let Some(bytes) = body.try_next().await? {
        received_len += bytes.len() as u64;
        received.update(&bytes);
    }
    let down = started.elapsed().as_secs_f64();
    let received = hex::encode(received.finalize());

    if received_len != size || received != sent {
        return Err(format!("round trip differs: {received_len} of {size} bytes, sha256 {received} vs {sent}").into());
    }
    store.delete("roundtrip", "big.bin").await?;
    println!("{store}: {size_mib} MiB round trip, sha256 {received}");
    println!("upload:   {up:.2} s, {:.0} MiB/s", mib_per_s(size, up));
    println!("download: {down:.2} s, {:.0} MiB/s", mib_per_s(size, down));
    Ok(())
}
