//! `LocalStorage` under concurrency and hostile file trees: concurrent puts of one key keep the
//! winner's metadata, symbolic links never lead out of the root, and a durable store acknowledges
//! only what it synced.

#![cfg(unix)]

use std::os::unix::fs::symlink;

use bytes::Bytes;
use cloud_core::storage::{ListOptions, PutOptions};
use cloud_core::{ErrorKind, LocalStorage, StorageClient, StorageClientExt};
use futures::TryStreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_of_one_key_keep_the_winners_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LocalStorage::new(dir.path()).expect("store");
    store.ensure_bucket("race").await.expect("bucket");
    for round in 0..25 {
        let puts = (0..8).map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                let body = Bytes::from(format!("round {round} writer {writer} {}", "x".repeat(writer * 1000)));
                let options = PutOptions::default()
                    .with_content_type(format!("application/x-writer-{writer}"))
                    .with_metadata("writer", writer.to_string());
                store.put_object("race", "key", body.into(), options).await.expect("put");
            })
        });
        for put in futures::future::join_all(puts).await {
            put.expect("task");
        }
        let body = store.get_bytes("race", "key").await.expect("get");
        let text = String::from_utf8(body.to_vec()).expect("utf-8");
        let writer: usize = text.split(' ').nth(3).and_then(|w| w.parse().ok()).expect("a writer's body");
        let meta = store.head("race", "key").await.expect("head");
        assert_eq!(
            meta.content_type.as_deref(),
            Some(format!("application/x-writer-{writer}").as_str()),
            "round {round}: the body of writer {writer} with the metadata {:?}",
            meta.metadata
        );
        assert_eq!(meta.metadata.get("writer"), Some(&writer.to_string()), "round {round}");
    }
}

#[tokio::test]
async fn symbolic_links_never_lead_out_of_the_root() {
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("secret.txt"), b"outside the root").expect("secret");
    let dir = tempfile::tempdir().expect("root");
    let store = LocalStorage::new(dir.path()).expect("store");
    store.ensure_bucket("bkt").await.expect("bucket");
    store.put_bytes("bkt", "plain.txt", "inside").await.expect("a plain object");
    // A linked directory and a linked file inside a bucket, and a linked bucket.
    symlink(outside.path(), dir.path().join("bkt/evil")).expect("dir link");
    symlink(outside.path().join("secret.txt"), dir.path().join("bkt/link.txt")).expect("file link");
    symlink(outside.path(), dir.path().join("linked")).expect("bucket link");

    let denied = |what: &str, result: Result<(), cloud_core::Error>| {
        let err = result.expect_err(what);
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{what}: {err}");
    };
    denied("get through a linked directory", store.get_bytes("bkt", "evil/secret.txt").await.map(drop));
    denied("get of a linked file", store.get_bytes("bkt", "link.txt").await.map(drop));
    denied("head through a linked directory", store.head("bkt", "evil/secret.txt").await.map(drop));
    denied("get in a linked bucket", store.get_bytes("linked", "secret.txt").await.map(drop));
    denied("put through a linked directory", store.put_bytes("bkt", "evil/planted.txt", "x").await.map(drop));
    denied("put in a linked bucket", store.put_bytes("linked", "planted.txt", "x").await.map(drop));
    denied("put over a linked file", store.put_bytes("bkt", "link.txt", "overwritten").await.map(drop));
    denied("delete through a linked directory", store.delete("bkt", "evil/secret.txt").await);
    denied("copy out of a linked directory", store.copy("bkt", "evil/secret.txt", "bkt", "copied.txt").await);
    denied("copy into a linked directory", store.copy("bkt", "plain.txt", "bkt", "evil/copied.txt").await);
    let listed: Result<Vec<_>, _> = store.list_objects("linked", ListOptions::default()).try_collect().await;
    denied("list a linked bucket", listed.map(drop));

    let mut outside_files: Vec<_> =
        std::fs::read_dir(outside.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
    outside_files.sort();
    assert_eq!(outside_files, ["secret.txt"], "files were written outside the root");
    assert_eq!(std::fs::read(outside.path().join("secret.txt")).expect("secret"), b"outside the root");
    assert_eq!(store.get_bytes("bkt", "plain.txt").await.expect("plain object"), &b"inside"[..]);
}

#[tokio::test]
async fn a_durable_store_keeps_objects_and_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LocalStorage::new_durable(dir.path()).expect("store");
    assert!(store.is_durable());
    assert!(!LocalStorage::new(dir.path()).expect("store").is_durable());
    store.ensure_bucket("dur").await.expect("bucket");
    let options = PutOptions::default().with_content_type("text/csv").with_metadata("rows", "2");
    store.put_object("dur", "a/b.csv", Bytes::from_static(b"a,b\n1,2\n").into(), options).await.expect("put");
    store.copy("dur", "a/b.csv", "dur", "c.csv").await.expect("copy");
    // A new store on the same root (as after a restart) sees both, with their metadata.
    let reopened = LocalStorage::new(dir.path()).expect("reopen");
    for key in ["a/b.csv", "c.csv"] {
        assert_eq!(reopened.get_bytes("dur", key).await.expect("get"), &b"a,b\n1,2\n"[..]);
        let meta = reopened.head("dur", key).await.expect("head");
        assert_eq!(meta.content_type.as_deref(), Some("text/csv"), "{key}");
        assert_eq!(meta.metadata.get("rows").map(String::as_str), Some("2"), "{key}");
    }
    store.delete("dur", "a/b.csv").await.expect("delete");
    assert!(!dir.path().join("d/a").exists());
}
