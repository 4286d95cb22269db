//! Swift beyond the conformance suite: TempURLs fetched for real, container ACLs and metadata,
//! SLO segments and their cleanup, and the Swift compatibility names (list, create, upload, download).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use cloud_core::storage::{CreateBucketOptions, PutOptions, PutPayload};
use cloud_core::{ErrorKind, StorageClient, StorageClientExt};
use futures::{StreamExt, TryStreamExt};

async fn fresh_container(swift: &cloud_infomaniak_openstack::SwiftClient) -> String {
    let name = common::name("cloud-test-swift");
    swift.create_bucket(&name, CreateBucketOptions::default()).await.unwrap();
    name
}

#[tokio::test]
async fn temp_urls_work_for_get_and_put() {
    let swift = common::session().await.swift();
    let container = fresh_container(&swift).await;
    swift.put_bytes(&container, "doc.txt", &b"presigned body"[..]).await.unwrap();
    let http = reqwest::Client::new();

    let get = swift.presign_get(&container, "doc.txt", Duration::from_secs(120)).await.unwrap();
    assert!(!format!("{get:?}").contains("temp_url_sig"), "Debug must hide the signature");
    let body = http.get(get.url.clone()).send().await.unwrap();
    assert_eq!(body.status(), 200);
    assert_eq!(body.bytes().await.unwrap(), &b"presigned body"[..]);

    let put = swift.presign_put(&container, "uploaded.txt", Duration::from_secs(120)).await.unwrap();
    let status = http.put(put.url.clone()).body("via tempurl").send().await.unwrap().status();
    assert_eq!(status, 201);
    assert_eq!(swift.get_bytes(&container, "uploaded.txt").await.unwrap(), &b"via tempurl"[..]);

    // A GET URL does not allow PUT, and a tampered signature is refused.
    let status = http.put(get.url.clone()).body("x").send().await.unwrap().status();
    assert_eq!(status, 401);
    let mut tampered = get.url.clone();
    tampered.set_query(Some(&get.url.query().unwrap().replace("temp_url_sig=", "temp_url_sig=0")));
    assert_eq!(http.get(tampered).send().await.unwrap().status(), 401);

    let err = swift.presign_get(&container, "doc.txt", Duration::ZERO).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    swift.delete_prefix(&container, "").await.unwrap();
    swift.delete_bucket(&container).await.unwrap();
}

#[tokio::test]
async fn container_acls_and_metadata_are_set() {
    // ACLs are X-Container-Read/Write headers, not custom metadata named `read_acl`.
    let swift = common::session().await.swift();
    let container = fresh_container(&swift).await;
    swift.set_container_read_acl(&container, ".r:*,.rlistings").await.unwrap();
    let project = common::var("CLOUD_TEST_OS_PROJECT_ID");
    swift.set_container_write_acl(&container, &format!("{project}:*")).await.unwrap();
    swift
        .set_container_metadata(&container, &BTreeMap::from([("owner".to_owned(), "tests".to_owned())]))
        .await
        .unwrap();
    let meta = swift.container_metadata(&container).await.unwrap();
    assert_eq!(meta.get("x-container-read").map(String::as_str), Some(".r:*,.rlistings"));
    assert_eq!(meta.get("x-container-write"), Some(&format!("{project}:*")));
    assert_eq!(meta.get("x-container-meta-owner").map(String::as_str), Some("tests"));

    // The public read ACL lets an anonymous client read.
    swift.put_bytes(&container, "public.txt", &b"hello world"[..]).await.unwrap();
    let url = format!("{}/{container}/public.txt", swift.session().endpoint("object-store").await.unwrap());
    let anonymous = reqwest::get(&url).await.unwrap();
    assert_eq!(anonymous.status(), 200);

    swift.set_container_read_acl(&container, "").await.unwrap();
    let meta = swift.container_metadata(&container).await.unwrap();
    assert!(!meta.contains_key("x-container-read"), "{meta:?}");
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 401);

    let err = swift.container_metadata("cloud-test-no-such-container").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    swift.delete_prefix(&container, "").await.unwrap();
    swift.delete_bucket(&container).await.unwrap();
}

/// How many segments the container's large objects use (a listing error fails the test).
async fn segment_count(swift: &cloud_infomaniak_openstack::SwiftClient, container: &str) -> usize {
    let segments: Vec<_> = swift.list_segments(container).try_collect().await.expect("the segments listing");
    segments.len()
}

/// A swift client with 1 MiB segments, on a new container.
async fn slo_client() -> (cloud_infomaniak_openstack::SwiftClient, String) {
    let swift = common::session().await.swift().with_large_object_threshold(1 << 20).with_segment_size(1 << 20);
    let container = fresh_container(&swift).await;
    (swift, container)
}

/// `n` bytes of a pattern.
fn pattern(n: usize) -> Bytes {
    (0..n).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into()
}

/// `data` as a stream of 100 kB chunks.
fn chunks(data: &Bytes) -> Vec<cloud_core::Result<Bytes>> {
    data.chunks(100_000).map(|c| Ok(Bytes::copy_from_slice(c))).collect()
}

/// Waits until the container's segment count satisfies `done` (30 s at most).
async fn wait_segments(swift: &cloud_infomaniak_openstack::SwiftClient, container: &str, done: impl Fn(usize) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let n = segment_count(swift, container).await;
        if done(n) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{n} segments after 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deletes a container and its segments container, whatever they hold (with a raw token).
async fn remove_all(swift: &cloud_infomaniak_openstack::SwiftClient, containers: &[&str]) {
    for container in containers {
        for c in [container.to_string(), format!("{container}_segments")] {
            if swift.bucket_exists(&c).await.unwrap_or(false) {
                swift.delete_prefix(&c, "").await.unwrap();
                swift.delete_bucket(&c).await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn an_slo_overwritten_or_deleted_takes_only_its_own_segments() {
    let (swift, container) = slo_client().await;
    let other = fresh_container(&swift).await;
    let account = swift.session().endpoint("object-store").await.unwrap();
    let token = common::raw_token().await;
    let http = reqwest::Client::new();
    // What another tool's manifest may list: a plain object, an object of another container, and
    // the segments of another key written by this client.
    let mib = pattern(1 << 20);
    swift.put_bytes(&container, "plain.bin", mib.clone()).await.unwrap();
    swift.put_bytes(&other, "elsewhere.bin", mib.clone()).await.unwrap();
    let big = pattern((2 << 20) + 7);
    swift.put_bytes(&container, "neighbour.bin", big.clone()).await.unwrap();
    let neighbour: Vec<_> = swift.list_segments(&container).try_collect().await.unwrap();
    assert_eq!(neighbour.len(), 3);
    let foreign = |key: &str| {
        let mut paths = vec![format!("/{container}/plain.bin"), format!("/{other}/elsewhere.bin")];
        paths.extend(neighbour.iter().map(|s| format!("/{container}_segments/{}", s.key)));
        let manifest: Vec<_> = paths.iter().map(|p| serde_json::json!({"path": p})).collect();
        http.put(format!("{account}/{container}/{key}?multipart-manifest=put"))
            .header("x-auth-token", &token)
            .json(&manifest)
            .send()
    };
    let intact = || async {
        assert_eq!(swift.get_bytes(&container, "plain.bin").await.unwrap(), mib, "the plain object is intact");
        assert_eq!(swift.get_bytes(&other, "elsewhere.bin").await.unwrap(), mib, "the other container is intact");
        assert_eq!(swift.get_bytes(&container, "neighbour.bin").await.unwrap(), big, "the other SLO is intact");
    };

    assert_eq!(foreign("victim.bin").await.unwrap().status(), 201);
    // Overwriting the foreign SLO (with a plain object, then with an SLO) deletes none of it.
    swift.put_bytes(&container, "victim.bin", &b"small"[..]).await.unwrap();
    intact().await;
    assert_eq!(foreign("victim.bin").await.unwrap().status(), 201);
    swift.put_bytes(&container, "victim.bin", big.clone()).await.unwrap();
    intact().await;
    assert_eq!(segment_count(&swift, &container).await, 6, "the neighbour's 3 and the new victim's 3");
    // Overwriting an SLO of this client deletes its own segments.
    swift.put_bytes(&container, "victim.bin", &b"small"[..]).await.unwrap();
    assert_eq!(segment_count(&swift, &container).await, 3);
    // Deleting a foreign SLO deletes the manifest only.
    assert_eq!(foreign("victim.bin").await.unwrap().status(), 201);
    swift.delete(&container, "victim.bin").await.unwrap();
    assert_eq!(swift.head(&container, "victim.bin").await.unwrap_err().kind(), ErrorKind::NotFound);
    intact().await;
    assert_eq!(segment_count(&swift, &container).await, 3);
    // Deleting an SLO of this client deletes its segments.
    swift.delete(&container, "neighbour.bin").await.unwrap();
    assert_eq!(segment_count(&swift, &container).await, 0);
    remove_all(&swift, &[&container, &other]).await;
}

#[tokio::test]
async fn an_slo_overwritten_by_a_copy_leaves_no_segments() {
    let (swift, container) = slo_client().await;
    swift.put_bytes(&container, "big.bin", pattern((2 << 20) + 7)).await.unwrap();
    assert_eq!(segment_count(&swift, &container).await, 3);
    swift.put_bytes(&container, "small.bin", &b"small"[..]).await.unwrap();
    // The copy replaces the large object: its segments are nobody's any more.
    swift.copy(&container, "small.bin", &container, "big.bin").await.unwrap();
    assert_eq!(swift.get_bytes(&container, "big.bin").await.unwrap(), &b"small"[..]);
    assert_eq!(segment_count(&swift, &container).await, 0, "the replaced object's segments are deleted");
    remove_all(&swift, &[&container]).await;
}

#[tokio::test]
async fn an_upload_dropped_midway_leaves_no_segments() {
    let (swift, container) = slo_client().await;
    // Two and a half segments, then the stream waits forever: the caller gives up.
    let head = pattern((5 << 20) / 2);
    let stream = futures::stream::iter(chunks(&head)).chain(futures::stream::pending());
    let payload = PutPayload::from_stream(Box::pin(stream), None);
    let upload = {
        let swift = swift.clone();
        let container = container.clone();
        tokio::spawn(async move { swift.put_object(&container, "dropped.bin", payload, PutOptions::default()).await })
    };
    wait_segments(&swift, &container, |n| n >= 2).await;
    upload.abort();
    assert!(upload.await.unwrap_err().is_cancelled());
    wait_segments(&swift, &container, |n| n == 0).await;
    assert_eq!(swift.head(&container, "dropped.bin").await.unwrap_err().kind(), ErrorKind::NotFound);
    remove_all(&swift, &[&container]).await;
}

#[tokio::test]
async fn an_upload_whose_stream_fails_leaves_no_segments() {
    let (swift, container) = slo_client().await;
    let head = pattern((5 << 20) / 2);
    let failure = cloud_core::Error::new(ErrorKind::Dispatch, "the source broke");
    let stream = futures::stream::iter(chunks(&head)).chain(futures::stream::once(async move { Err(failure) }));
    let payload = PutPayload::from_stream(Box::pin(stream), None);
    let err = swift.put_object(&container, "broken.bin", payload, PutOptions::default()).await.unwrap_err();
    assert_eq!((err.kind(), err.message()), (ErrorKind::Dispatch, "the source broke"), "the stream's own error");
    assert_eq!(segment_count(&swift, &container).await, 0);
    assert_eq!(swift.head(&container, "broken.bin").await.unwrap_err().kind(), ErrorKind::NotFound);
    remove_all(&swift, &[&container]).await;
}

#[tokio::test]
async fn the_declared_size_of_an_upload_is_checked() {
    let (swift, container) = slo_client().await;
    // (declared, delivered): short and long streams, for one object and for an SLO.
    let cases = [(100, 50), (100, 150), (0, 1), (3 << 20, (5 << 20) / 2), (3 << 20, (7 << 20) / 2), (3 << 20, 0)];
    for (declared, delivered) in cases {
        let data = pattern(delivered);
        let payload = PutPayload::from_stream(Box::pin(futures::stream::iter(chunks(&data))), Some(declared as u64));
        let err = swift.put_object(&container, "sized.bin", payload, PutOptions::default()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "declared {declared}, delivered {delivered}: {err}");
        assert_eq!(swift.head(&container, "sized.bin").await.unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(segment_count(&swift, &container).await, 0, "declared {declared}, delivered {delivered}");
    }
    // The exact size is stored, streamed as one object and as an SLO.
    for n in [0, 100, 3 << 20] {
        let data = pattern(n);
        let payload = PutPayload::from_stream(Box::pin(futures::stream::iter(chunks(&data))), Some(n as u64));
        swift.put_object(&container, "sized.bin", payload, PutOptions::default()).await.unwrap();
        assert_eq!(swift.get_bytes(&container, "sized.bin").await.unwrap(), data);
    }
    remove_all(&swift, &[&container]).await;
}

#[tokio::test]
async fn large_objects_become_slos_and_leave_no_segments() {
    let swift = common::session().await.swift().with_large_object_threshold(1 << 20).with_segment_size(1 << 20);
    let container = fresh_container(&swift).await;
    let segments = format!("{container}_segments");
    let data: Bytes = (0..(3 << 20) + 12_345).map(|i: u32| (i % 251) as u8).collect::<Vec<u8>>().into();
    // Unknown length: the client must notice the stream outgrows the threshold.
    let chunks: Vec<cloud_core::Result<Bytes>> = data.chunks(100_000).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let payload = PutPayload::from_stream(Box::pin(futures::stream::iter(chunks)), None);
    let put = swift
        .put_object(&container, "big.bin", payload, PutOptions::default().with_content_type("application/x-big"))
        .await
        .unwrap();
    assert_eq!(put.size, Some(data.len() as u64));
    let head = swift.head(&container, "big.bin").await.unwrap();
    assert_eq!(head.size, data.len() as u64);
    assert_eq!(head.content_type.as_deref(), Some("application/x-big"));
    assert_eq!(swift.get_bytes(&container, "big.bin").await.unwrap(), data);
    assert_eq!(segment_count(&swift, &container).await, 4, "four 1 MiB segments");
    // The segments container is not a bucket of the listing.
    let buckets: Vec<_> = swift.list_buckets().try_collect().await.unwrap();
    assert!(buckets.iter().all(|b| b.name != segments));

    // Replacing the object removes the old segments; deleting it removes the new ones.
    swift.put_bytes(&container, "big.bin", &b"small now"[..]).await.unwrap();
    assert_eq!(segment_count(&swift, &container).await, 0);
    swift.put_bytes(&container, "big.bin", data.clone()).await.unwrap();
    swift.delete(&container, "big.bin").await.unwrap();
    assert_eq!(segment_count(&swift, &container).await, 0);
    swift.delete_bucket(&container).await.unwrap();
    let containers: Vec<_> = swift.list_containers().try_collect().await.unwrap();
    assert!(containers.iter().all(|c| c.name != segments && c.name != container), "{containers:?}");
}

#[tokio::test]
async fn compatibility_swift_calls_work() {
    // The compatibility names list_containers / create_container / upload_object / download_object /
    // get_object_metadata / delete_object / delete_container, on our client.
    let swift = common::session().await.swift();
    let container = fresh_container(&swift).await;
    let containers: Vec<_> = swift.list_containers().try_collect().await.unwrap();
    assert!(containers.iter().any(|c| c.name == container));
    swift.upload_object(&container, "a/b.txt", &b"abc"[..], Some("text/plain")).await.unwrap();
    assert_eq!(swift.download_object(&container, "a/b.txt").await.unwrap(), &b"abc"[..]);
    let meta = swift.head(&container, "a/b.txt").await.unwrap();
    assert_eq!((meta.size, meta.content_type.as_deref()), (3, Some("text/plain")));
    swift
        .set_object_metadata(&container, "a/b.txt", &BTreeMap::from([("k".to_owned(), "v".to_owned())]))
        .await
        .unwrap();
    let meta = swift.head(&container, "a/b.txt").await.unwrap();
    assert_eq!(meta.metadata.get("k").map(String::as_str), Some("v"));
    // An empty object downloads as empty (an older client's download_file called that a failure).
    swift.upload_object(&container, "empty", Bytes::new(), None).await.unwrap();
    assert!(swift.download_object(&container, "empty").await.unwrap().is_empty());
    swift.delete(&container, "a/b.txt").await.unwrap();
    swift.delete(&container, "empty").await.unwrap();
    assert_eq!(swift.delete(&container, "a/b.txt").await.unwrap_err().kind(), ErrorKind::NotFound);
    swift.delete_bucket(&container).await.unwrap();
    assert!(!swift.bucket_exists(&container).await.unwrap());
}
