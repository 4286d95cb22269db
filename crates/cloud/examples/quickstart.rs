//! The quickstart: create a bucket, upload a file with progress, list, download, verify, presign.
//!
//! ```text
//! cargo run --example quickstart                      # a new temporary directory (file://)
//! cargo run --example quickstart -- file:///srv/data  # a directory of yours
//! cargo run --example quickstart -- memory://demo/    # in memory
//! cargo run --features aws --example quickstart -- 's3://bucket/?endpoint=http://127.0.0.1:8014&allow_http=true'
//! cargo run --features infomaniak-openstack --example quickstart -- swift://container/
//! ```
//!
//! The same code runs on every backend `cloud::storage::open` understands: only the URL changes.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloud::storage::{ListOptions, PutOptions, StorageLocation};
use cloud::{ErrorKind, StorageClientExt};
use futures::TryStreamExt;
use sha2::{Digest, Sha256};

/// Size of the file the quickstart uploads.
const FILE_SIZE: usize = 8 << 20;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => {
            // A file:// URL names an existing directory: opening never creates one.
            let root = scratch.path().join("storage");
            std::fs::create_dir(&root)?;
            url::Url::from_directory_path(&root).map_err(|()| "temporary directory is not absolute")?.to_string()
        }
    };
    println!("storage: {url}");
    let location = cloud::storage::open(&url)?;
    run(&location, scratch.path()).await?;
    println!("done: everything checked out");
    Ok(())
}

async fn run(location: &StorageLocation, scratch: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let store = &location.client;
    let bucket = location.bucket_or("cloud-quickstart");
    let key = location.key("quickstart/hello.bin");

    let created = store.ensure_bucket(bucket).await?;
    println!("bucket: {bucket} ({})", if created { "created" } else { "exists" });

    // A file with content that differs on every run.
    let upload = scratch.join("upload.bin");
    let content = pseudo_random(FILE_SIZE, std::process::id().into());
    std::fs::write(&upload, &content)?;
    let expected = hex::encode(Sha256::digest(&content));

    let started = Instant::now();
    let progress: cloud::storage::Progress = Arc::new(|done, total| {
        let total = total.unwrap_or(done).max(1);
        eprint!("\rupload: {:>3}% ({done}/{total} bytes)", done * 100 / total);
        let _ = std::io::stderr().flush();
    });
    let put = store
        .upload_file_with_progress(
            bucket,
            &key,
            &upload,
            PutOptions::default().with_content_type("application/octet-stream").with_metadata("origin", "quickstart"),
            Some(progress),
        )
        .await?;
    eprintln!();
    println!(
        "uploaded: {key} ({FILE_SIZE} bytes in {:.0?}, etag {})",
        started.elapsed(),
        put.etag.as_deref().unwrap_or("-")
    );

    let listing: Vec<_> = store
        .list_objects(bucket, ListOptions::default().with_prefix(location.key("quickstart/")))
        .try_collect()
        .await?;
    println!("listed: {} object(s) under {}quickstart/", listing.len(), location.prefix);
    for meta in &listing {
        println!("  {} {} bytes", meta.key, meta.size);
    }
    if !listing.iter().any(|m| m.key == key && m.size == FILE_SIZE as u64) {
        return Err(format!("{key} is missing from the listing").into());
    }

    let download = scratch.join("download.bin");
    let meta = store.download_file(bucket, &key, &download).await?;
    let actual = hex::encode(Sha256::digest(std::fs::read(&download)?));
    if actual != expected {
        return Err(format!("downloaded content differs: sha256 {actual} != {expected}").into());
    }
    println!("downloaded and verified: sha256 {actual} ({} bytes, metadata {:?})", meta.size, meta.metadata);

    match store.presign_get(bucket, &key, Duration::from_secs(900)).await {
        Ok(url) => println!("presigned GET: {:?} (valid until {})", url, url.expires_at),
        Err(e) if e.kind() == ErrorKind::Unsupported => println!("presigned GET: not supported by {store}"),
        Err(e) => return Err(e.into()),
    }

    store.delete(bucket, &key).await?;
    println!("deleted: {key}");
    Ok(())
}

/// Deterministic pseudo-random bytes (xorshift), so no RNG crate is needed.
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}
