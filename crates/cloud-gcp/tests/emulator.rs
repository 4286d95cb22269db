//! Integration tests on gcp-storage-emulator (`cargo xtask emulators up gcs`): what the
//! conformance suite does not cover, through the compatibility names and GCS-specific behaviour.

use bytes::Bytes;
use cloud_core::storage::{ContentHeaders, PutPayload};
use cloud_core::{ErrorKind, StorageClient, StorageClientExt};
use cloud_gcp::{GcsPreconditions, MetadataPatch};
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

/// Generations and metagenerations as the emulator keeps them: each metadata update is one more
/// metageneration at the same generation, a new write a new generation. (GCS starts every
/// generation at metageneration 1; the emulator starts a `multipart` write at 2, so only the
/// steps are asserted.) Preconditions
/// are refused on an emulator client (the emulator would ignore them); the loopback contract
/// tests prove them against the documented answers.
#[tokio::test]
async fn metadata_updates_advance_the_metageneration() {
    let emulator = Emulator::get();
    let gcs = emulator.client();
    let key = emulator.unique_key("versioned.csv");
    gcs.upload_blob(&emulator.bucket, &key, "a,b\n", Some("text/plain")).await.unwrap();
    let none = GcsPreconditions::new();
    let first = gcs.describe_object(&emulator.bucket, &key, none).await.unwrap();
    assert!(first.metageneration >= 1);
    assert_eq!(first.meta.etag, Some(first.generation.to_string()), "the ETag is the generation");
    let patch = MetadataPatch::new()
        .with_content_type("text/csv")
        .with_headers(ContentHeaders::default().with_cache_control("no-cache"))
        .with_metadata("reviewed-by", "ana")
        .with_metadata("draft", "yes");
    let second = gcs.update_object_metadata(&emulator.bucket, &key, &patch, none).await.unwrap();
    assert_eq!((second.generation, second.metageneration), (first.generation, first.metageneration + 1));
    assert_eq!(second.meta.content_type.as_deref(), Some("text/csv"));
    assert_eq!(second.meta.headers.cache_control.as_deref(), Some("no-cache"));
    assert_eq!(second.meta.metadata.get("reviewed-by").map(String::as_str), Some("ana"));
    assert_eq!(second.meta.metadata.get("draft").map(String::as_str), Some("yes"));
    let removal = MetadataPatch::new().without_metadata("draft");
    let third = gcs.update_object_metadata(&emulator.bucket, &key, &removal, none).await.unwrap();
    assert_eq!(third.metageneration, first.metageneration + 2);
    let described = gcs.describe_object(&emulator.bucket, &key, none).await.unwrap();
    assert_eq!(described, third);
    // GCS keeps the entries a patch does not name; the emulator replaces the whole map, so only
    // the removal is asserted here (the merge is the service's, the request is the contract
    // tests').
    assert!(!described.meta.metadata.contains_key("draft"), "{:?}", described.meta.metadata);
    gcs.upload_blob(&emulator.bucket, &key, "c,d\n", None).await.unwrap();
    let rewritten = gcs.describe_object(&emulator.bucket, &key, none).await.unwrap();
    // A new write is a new generation.
    assert_ne!(rewritten.generation, first.generation);
    let guard = GcsPreconditions::new().with_if_metageneration_match(rewritten.metageneration);
    let err = gcs.update_object_metadata(&emulator.bucket, &key, &patch, guard).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(gcs.describe_object(&emulator.bucket, &key, none).await.unwrap(), rewritten, "nothing was sent");
    gcs.delete_object_with(&emulator.bucket, &key, none).await.unwrap();
    let err = gcs.describe_object(&emulator.bucket, &key, none).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
