//! Integration tests on gcp-storage-emulator (`cargo xtask emulators up gcs`): what the
//! conformance suite does not cover, through the compatibility names and GCS-specific behaviour.

use bytes::Bytes;
use cloud_core::storage::PutPayload;
use cloud_core::{ErrorKind, StorageClient, StorageClientExt};
use futures::StreamExt;
use sha2::{Digest, Sha256};

#[allow(dead_code)]
mod support;

use support::Emulator;

/// A deterministic pseudo-random stream of `chunks` chunks of 1 MiB, and its SHA-256.
fn mib_stream(chunks: usize, seed: u64) -> (PutPayload, Vec<u8>) {
    let make = move |i: usize| {
        let mut state = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut chunk = Vec::with_capacity(1 << 20);
        while chunk.len() < 1 << 20 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.extend_from_slice(&state.to_le_bytes());
        }
        Bytes::from(chunk)
    };
    let mut hasher = Sha256::new();
    for i in 0..chunks {
        hasher.update(make(i));
    }
    let stream = futures::stream::iter(0..chunks).map(move |i| Ok(make(i))).boxed();
    (PutPayload::from_stream(stream, None), hasher.finalize().to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_100_mib_upload_of_unknown_length_goes_up_resumably() {
    let emulator = Emulator::get();
    let gcs = emulator.client();
    let key = emulator.unique_key("hundred.bin");
    let (payload, digest) = mib_stream(100, 11);
    assert_eq!(payload.size(), None);
    let meta = gcs.upload_blob(&emulator.bucket, &key, payload, Some("application/x-test")).await.unwrap();
    assert_eq!(meta.size, 100 << 20);
    assert_eq!(meta.content_type.as_deref(), Some("application/x-test"));
    let body = gcs.download_blob(&emulator.bucket, &key).await.unwrap();
    assert_eq!(body.len(), 100 << 20);
    assert_eq!(Sha256::digest(&body).to_vec(), digest);
    drop(body);
    let listed: Vec<_> = gcs.list_blobs(&emulator.bucket, Some(&key)).collect().await;
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn missing_objects_and_buckets_are_not_found() {
    let emulator = Emulator::get();
    let gcs = emulator.client();
    let key = emulator.unique_key("missing");
    assert_eq!(gcs.download_blob(&emulator.bucket, &key).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(gcs.get_metadata(&emulator.bucket, &key).await.unwrap_err().kind(), ErrorKind::NotFound);
    let err = gcs.get_metadata("no-such-bucket-for-cloud-gcp", "k").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn compatibility_names_round_trip() {
    let emulator = Emulator::get();
    let gcs = emulator.client();
    let bucket = format!("it-compat-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    assert!(gcs.ensure_bucket(&bucket).await.unwrap());
    assert!(!gcs.ensure_bucket(&bucket).await.unwrap());
    gcs.upload_blob(&bucket, "a/one.txt", "one", Some("text/plain")).await.unwrap();
    gcs.upload_blob(&bucket, "a/two.txt", Bytes::from_static(b"two"), None).await.unwrap();
    assert_eq!(&gcs.download_blob(&bucket, "a/one.txt").await.unwrap()[..], b"one");
    let names: Vec<String> = gcs.list_blobs(&bucket, Some("a/")).map(|m| m.unwrap().key).collect().await;
    assert_eq!(names, ["a/one.txt", "a/two.txt"]);
    assert!(gcs.get_metadata(&bucket, "a/one.txt").await.unwrap().is_empty());
    assert_eq!(gcs.delete_prefix(&bucket, "a/").await.unwrap(), 2);
    gcs.delete_bucket(&bucket).await.unwrap();
}
