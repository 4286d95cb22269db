//! What is particular to `LocalStorage` and `MemoryStorage`: files on disk, sidecars, traversal,
//! atomicity of failed and cancelled uploads, the limits of a file system.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use cloud_core::storage::{GetOptions, ListOptions, PutOptions, PutPayload};
use cloud_core::{CloudProvider, Error, ErrorKind, LocalStorage, MemoryStorage, StorageClient, StorageClientExt};
use futures::stream::{self, StreamExt, TryStreamExt};

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

async fn local() -> (tempfile::TempDir, LocalStorage) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStorage::new(dir.path().join("root")).unwrap();
    store.create_bucket("bkt", Default::default()).await.unwrap();
    (dir, store)
}

async fn keys(store: &dyn StorageClient, bucket: &str) -> Vec<String> {
    store.list_keys(bucket, "").await.unwrap()
}

#[tokio::test]
async fn objects_are_plain_files_and_names_are_escaped() {
    let (_dir, store) = local().await;
    store.put_bytes("bkt", "photos/2026/cat.jpg", "meow").await.unwrap();
    store.put_bytes("bkt", "100%/take#1", "x").await.unwrap();
    store.put_bytes("bkt", "ünï cödé", "u").await.unwrap();
    let bucket = store.root().join("bkt");
    assert_eq!(std::fs::read(bucket.join("photos/2026/cat.jpg")).unwrap(), b"meow");
    assert_eq!(files_under(&bucket), ["100%25/take%231", "photos/2026/cat.jpg", "ünï cödé"]);
    assert_eq!(keys(&store, "bkt").await, ["100%/take#1", "photos/2026/cat.jpg", "ünï cödé"]);
}

#[tokio::test]
async fn traversal_is_rejected_before_touching_the_disk() {
    let (dir, store) = local().await;
    for key in ["../escape", "../../escape", "a/../../escape", "/etc/passwd", "a\0b", "a//b", "..", "."] {
        let err = store.put_bytes("bkt", key, "x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{key:?}: {err}");
        assert_eq!(err.provider(), Some(CloudProvider::Local));
        assert_eq!(err.operation(), Some("put_object"));
        let err = store.get_object("bkt", key, GetOptions::default()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{key:?}");
    }
    for bucket in ["..", ".cloud-meta", "../root", "a/b"] {
        let err = store.put_bytes(bucket, "k", "x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bucket:?}");
    }
    // Nothing but the root (and its bucket) exists in the temporary directory.
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
    assert!(!dir.path().join("escape").exists());
}

#[tokio::test]
async fn sidecars_hold_metadata_and_stay_out_of_listings() {
    let (_dir, store) = local().await;
    let options = PutOptions::default().with_content_type("text/plain").with_metadata("owner", "me");
    store.put_object("bkt", "doc.txt", PutPayload::from_bytes("hello"), options.clone()).await.unwrap();
    // Keys that look like the sidecar directory or file names are ordinary keys.
    store.put_object("bkt", ".cloud-meta/x", PutPayload::from_bytes("y"), options).await.unwrap();
    store.put_bytes("bkt", "doc.txt.json", "z").await.unwrap();

    assert_eq!(keys(&store, "bkt").await, [".cloud-meta/x", "doc.txt", "doc.txt.json"]);
    let buckets: Vec<String> = store.list_buckets().map_ok(|b| b.name).try_collect().await.unwrap();
    assert_eq!(buckets, ["bkt"]);
    assert_eq!(files_under(&store.root().join(".cloud-meta/bkt")), [".cloud-meta/x#meta", "doc.txt#meta"]);

    let head = store.head("bkt", "doc.txt").await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(head.metadata.get("owner").map(String::as_str), Some("me"));
    let got = store.get_object("bkt", "doc.txt", GetOptions::default()).await.unwrap();
    assert_eq!(got.meta.content_type.as_deref(), Some("text/plain"));

    // Deleting the object deletes its sidecar; a put without metadata removes it too.
    store.delete("bkt", "doc.txt").await.unwrap();
    store.put_bytes("bkt", ".cloud-meta/x", "plain").await.unwrap();
    assert_eq!(files_under(&store.root().join(".cloud-meta/bkt")), Vec::<String>::new());
}

#[tokio::test]
async fn a_sidecar_of_another_version_is_ignored() {
    let (_dir, store) = local().await;
    let options = PutOptions::default().with_metadata("version", "one");
    store.put_object("bkt", "k", PutPayload::from_bytes("first"), options).await.unwrap();
    // Replace the file behind the backend's back: the sidecar no longer describes it.
    let file = store.root().join("bkt/k");
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, "edited by hand").unwrap();
    let head = store.head("bkt", "k").await.unwrap();
    assert!(head.metadata.is_empty(), "{:?}", head.metadata);
    assert_eq!(head.size, 14);
}

fn failing_stream(after: usize) -> PutPayload {
    let chunks = (0..after).map(|_| Ok(Bytes::from(vec![1u8; 1 << 20])));
    let failure = Error::new(ErrorKind::Dispatch, "the source went away");
    PutPayload::from_stream(stream::iter(chunks.chain([Err(failure)])).boxed(), None)
}

#[tokio::test]
async fn a_failed_stream_leaves_no_file_and_no_sidecar() {
    let (_dir, store) = local().await;
    let options = PutOptions::default().with_metadata("a", "b");
    // Larger than one upload part, so parts were written before the failure.
    let err = store.put_object("bkt", "dir/big", failing_stream(9), options).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Dispatch);
    assert_eq!(err.message(), "the source went away");
    assert_eq!(err.provider(), None, "the stream's error comes back as it was");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(files_under(&store.root().join("bkt")), Vec::<String>::new());
    assert_eq!(files_under(&store.root().join(".cloud-meta")), Vec::<String>::new());
    assert_eq!(keys(&store, "bkt").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_cancelled_upload_leaves_nothing() {
    let (_dir, store) = local().await;
    let (tx, rx) = futures::channel::mpsc::unbounded::<cloud_core::Result<Bytes>>();
    tx.unbounded_send(Ok(Bytes::from(vec![2u8; 5 << 20]))).unwrap();
    let uploader = store.clone();
    let put = tokio::spawn(async move {
        let payload = PutPayload::from_stream(rx.boxed(), None);
        uploader.put_object("bkt", "cancelled", payload, PutOptions::default()).await
    });
    // The stream never ends; wait until the upload has a staging file, then cancel it.
    let bucket = store.root().join("bkt");
    let mut staged = Vec::new();
    for _ in 0..100 {
        staged = files_under(&bucket);
        if !staged.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        staged.len() == 1 && staged[0].starts_with("cancelled#"),
        "the upload in progress is one staging file: {staged:?}"
    );
    assert_eq!(keys(&store, "bkt").await, Vec::<String>::new(), "an upload in progress is not an object");
    put.abort();
    assert!(put.await.unwrap_err().is_cancelled());
    drop(tx);
    // The staging file is removed on the blocking pool.
    for _ in 0..100 {
        if files_under(&bucket).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(files_under(&bucket), Vec::<String>::new());
}

#[tokio::test]
async fn a_wrong_declared_size_is_invalid_and_stores_nothing() {
    let (_dir, store) = local().await;
    let memory = MemoryStorage::new();
    memory.create_bucket("bkt", Default::default()).await.unwrap();
    for backend in [&store as &dyn StorageClient, &memory] {
        for (declared, chunks) in [(10, 2), (3, 2), (0, 1)] {
            let body = stream::iter((0..chunks).map(|_| Ok(Bytes::from_static(b"abcd")))).boxed();
            let err = backend
                .put_object("bkt", "sized", PutPayload::from_stream(body, Some(declared)), PutOptions::default())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{backend}: {err}");
            let missing = backend.head("bkt", "sized").await.unwrap_err();
            assert_eq!(missing.kind(), ErrorKind::NotFound);
        }
    }
}

#[tokio::test]
async fn a_key_cannot_be_a_file_and_a_directory_on_disk() {
    let (_dir, store) = local().await;
    store.put_bytes("bkt", "a", "file").await.unwrap();
    let err = store.put_bytes("bkt", "a/b", "nested").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    store.put_bytes("bkt", "c/d", "nested").await.unwrap();
    let err = store.put_bytes("bkt", "c", "file").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    // "c" is a directory, not an object.
    assert_eq!(store.head("bkt", "c").await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.delete("bkt", "c").await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(keys(&store, "bkt").await, ["a", "c/d"]);
    // Deleting the last object of a directory removes the directory, so the name is free again.
    store.delete("bkt", "c/d").await.unwrap();
    store.put_bytes("bkt", "c", "file now").await.unwrap();

    // In memory, keys are flat strings.
    let memory = MemoryStorage::new();
    memory.create_bucket("bkt", Default::default()).await.unwrap();
    memory.put_bytes("bkt", "a", "file").await.unwrap();
    memory.put_bytes("bkt", "a/b", "nested").await.unwrap();
    assert_eq!(keys(&memory, "bkt").await, ["a", "a/b"]);
}

#[tokio::test]
async fn overlong_key_segments_are_invalid_on_disk_only() {
    let (_dir, store) = local().await;
    let key = format!("dir/{}", "k".repeat(300));
    assert_eq!(store.put_bytes("bkt", &key, "x").await.unwrap_err().kind(), ErrorKind::InvalidInput);
    let memory = MemoryStorage::new();
    memory.create_bucket("bkt", Default::default()).await.unwrap();
    memory.put_bytes("bkt", &key, "x").await.unwrap();
}

#[tokio::test]
async fn stray_files_are_not_objects() {
    let (_dir, store) = local().await;
    store.put_bytes("bkt", "real", "x").await.unwrap();
    let bucket = store.root().join("bkt");
    // A staging file of an upload in progress, and names that no key escapes to.
    for stray in ["real#1", "bad%41name", "lone%"] {
        std::fs::write(bucket.join(stray), "stray").unwrap();
    }
    // A directory that is not a valid bucket name, and a file at the root.
    std::fs::create_dir(store.root().join("Not_A_Bucket")).unwrap();
    std::fs::write(store.root().join("file-at-root"), "x").unwrap();
    assert_eq!(keys(&store, "bkt").await, ["real"]);
    let buckets: Vec<String> = store.list_buckets().map_ok(|b| b.name).try_collect().await.unwrap();
    assert_eq!(buckets, ["bkt"]);
    // A directory made by hand is a bucket.
    std::fs::create_dir(store.root().join("by-hand")).unwrap();
    assert!(store.bucket_exists("by-hand").await.unwrap());
    assert_eq!(store.create_bucket("file-at-root", Default::default()).await.unwrap_err().kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn deleting_a_bucket_removes_its_directories_and_sidecars() {
    let (_dir, store) = local().await;
    let options = PutOptions::default().with_content_type("a/b");
    store.put_object("bkt", "x/y/z", PutPayload::from_bytes("1"), options).await.unwrap();
    assert_eq!(store.delete_bucket("bkt").await.unwrap_err().kind(), ErrorKind::Conflict);
    store.delete("bkt", "x/y/z").await.unwrap();
    // Empty directories left by deletes are cleaned up as objects go.
    assert!(!store.root().join("bkt/x").exists());
    store.delete_bucket("bkt").await.unwrap();
    assert!(!store.root().join("bkt").exists());
    assert!(!store.root().join(".cloud-meta/bkt").exists());
    // A recreated bucket starts empty, without stale sidecars.
    store.create_bucket("bkt", Default::default()).await.unwrap();
    assert_eq!(keys(&store, "bkt").await, Vec::<String>::new());
}

#[tokio::test]
async fn clones_share_data_and_display_says_what_they_are() {
    let (_dir, store) = local().await;
    let clone = store.clone();
    clone.put_bytes("bkt", "shared", "x").await.unwrap();
    assert_eq!(store.get_bytes("bkt", "shared").await.unwrap(), "x");
    assert_eq!(store.to_string(), format!("LocalStorage({})", store.root().display()));
    assert!(format!("{store:?}").starts_with("LocalStorage { root: "));
    assert_eq!(store.provider(), CloudProvider::Local);

    let memory = MemoryStorage::default();
    let memory_clone = memory.clone();
    memory.create_bucket("bkt", Default::default()).await.unwrap();
    assert!(memory_clone.bucket_exists("bkt").await.unwrap());
    assert_eq!(memory.to_string(), "MemoryStorage");
    assert_eq!(format!("{memory:?}"), "MemoryStorage { buckets: 1, .. }");
    assert!(!MemoryStorage::new().bucket_exists("bkt").await.unwrap());
}

#[tokio::test]
async fn presign_is_unsupported_but_checks_its_input_first() {
    let (_dir, store) = local().await;
    let ten = Duration::from_secs(10);
    let err = store.presign_get("bkt", "k", ten).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let err = store.presign_put("bkt", "../k", ten).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(!store.capabilities().presign_get && !store.capabilities().presign_put);
}

#[tokio::test]
async fn a_root_that_is_a_file_is_invalid_config() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let err = LocalStorage::new(&file).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    // A missing root is created.
    let store = LocalStorage::new(dir.path().join("a/b/c")).unwrap();
    assert!(store.root().is_dir());
}

#[tokio::test]
async fn large_listings_page_without_missing_keys() {
    let (_dir, store) = local().await;
    let memory = MemoryStorage::new();
    memory.create_bucket("bkt", Default::default()).await.unwrap();
    for backend in [&store as &dyn StorageClient, &memory] {
        let mut expected = Vec::new();
        for i in 0..250 {
            let key = format!("many/{}/{i}", i % 7);
            backend.put_bytes("bkt", &key, "x").await.unwrap();
            expected.push(key);
        }
        expected.sort();
        let paged: Vec<String> = backend
            .list_objects("bkt", ListOptions::default().with_prefix("many/").with_page_size(16))
            .map_ok(|m| m.key)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(paged, expected, "{backend}");
    }
}
