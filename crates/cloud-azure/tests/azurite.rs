//! `cloud-azure` against Azurite: authorization, the compatibility names, staged uploads,
//! failure handling and SAS URLs. The shared conformance suite runs in `conformance.rs`.

use std::collections::BTreeMap;

use bytes::Bytes;
use cloud_core::ErrorKind;
use futures::TryStreamExt;

#[allow(dead_code)]
mod support;

use support::{Azurite, unique};

#[tokio::test]
async fn shared_key_signs_container_requests() {
    let server = Azurite::get();
    let client = server.client();
    let container = unique("sk");
    assert!(client.ensure_container(&container).await.unwrap());
    assert!(!client.ensure_container(&container).await.unwrap());
    client.upload_blob(&container, "a b/ü.txt", "hello", Some("text/plain")).await.unwrap();
    let names: Vec<String> = client.list_blobs(&container, None).map_ok(|m| m.key).try_collect().await.unwrap();
    assert_eq!(names, ["a b/ü.txt"]);
    assert_eq!(client.download_blob(&container, "a b/ü.txt").await.unwrap(), Bytes::from_static(b"hello"));
    assert_eq!(client.get_metadata(&container, "a b/ü.txt").await.unwrap(), BTreeMap::new());
}

#[tokio::test]
async fn connection_string_reaches_azurite() {
    let server = Azurite::get();
    let client = cloud_azure::AzureBlobClientBuilder::new()
        .with_connection_string(server.connection_string.as_str())
        .build()
        .unwrap();
    assert_eq!(client.account(), server.account);
    let container = unique("cs");
    assert!(client.ensure_container(&container).await.unwrap());
}

#[tokio::test]
async fn wrong_key_is_unauthenticated() {
    let server = Azurite::get();
    let wrong = cloud_azure::AzureBlobClientBuilder::new()
        .with_endpoint(&server.endpoint)
        .with_allow_http(true)
        .with_account_key(&server.account, "CANARYazuriteWrongKeyQ7m2Xw8")
        .with_max_retries(0)
        .build()
        .unwrap();
    let err = wrong.ensure_container(&server.container).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err:?}");
    let err = wrong.download_blob(&server.container, "anything").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err:?}");
    assert!(!format!("{err:?} {err}").contains("d3Jvbmc"), "{err:?}");
}

#[tokio::test]
async fn missing_blob_is_not_found() {
    let server = Azurite::get();
    let client = server.client();
    let err = client.download_blob(&server.container, &unique("missing")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    let err = client.get_metadata(&server.container, &unique("missing")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    let err = client.download_blob(&unique("nocontainer"), "x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
}

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn hundred_mib_of_unknown_length_goes_up_in_blocks() {
    let server = Azurite::get();
    let client = server.client();
    let key = unique("big/unknown");
    let (payload, tally) = cloud_core::conformance::pattern_stream(7, 100 * MIB, 1024 * 1024 + 17, false);
    let put = client.upload_blob(&server.container, &key, payload, Some("application/octet-stream")).await.unwrap();
    assert_eq!(put.size, Some(100 * MIB));
    let block_list = client
        .sdk_client()
        .blob_client(&server.container, &key)
        .block_blob_client()
        .get_block_list(azure_storage_blob::models::BlockListType::Committed, None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    let blocks = block_list.committed_blocks.unwrap_or_default();
    assert_eq!(blocks.len() as u64, (100 * MIB).div_ceil(cloud_azure::DEFAULT_BLOCK_SIZE), "staged, not one Put Blob");
    let bytes = client.download_blob(&server.container, &key).await.unwrap();
    assert_eq!(cloud_core::conformance::Fingerprint::of(&bytes), tally.fingerprint());
}

/// A payload of `good` pattern bytes (in 64 KiB chunks) followed by an error.
fn failing_payload(good: u64) -> cloud_core::storage::PutPayload {
    use futures::StreamExt;
    let (payload, _) = cloud_core::conformance::pattern_stream(3, good, 64 * 1024, false);
    let failure = futures::stream::once(async {
        Err(cloud_core::Error::new(ErrorKind::Dispatch, "injected: the source connection dropped"))
    });
    cloud_core::storage::PutPayload::from_stream(payload.into_stream().chain(failure).boxed(), None)
}

#[tokio::test]
async fn failure_mid_upload_commits_nothing() {
    let server = Azurite::get();
    let client = server.builder().with_block_size(MIB).with_single_put_threshold(MIB).build().unwrap();
    let key = unique("fail/new");
    // Several blocks are staged before the stream fails.
    let err = client.upload_blob(&server.container, &key, failing_payload(5 * MIB + 3), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Dispatch, "the payload's own error comes back: {err:?}");
    assert_eq!(client.get_metadata(&server.container, &key).await.unwrap_err().kind(), ErrorKind::NotFound);
    let listed: Vec<String> =
        client.list_blobs(&server.container, Some(&key)).map_ok(|m| m.key).try_collect().await.unwrap();
    assert!(listed.is_empty(), "{listed:?}");

    // Over an existing blob, the old content stays.
    let key = unique("fail/existing");
    client.upload_blob(&server.container, &key, "old content", None).await.unwrap();
    let err = client.upload_blob(&server.container, &key, failing_payload(3 * MIB), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Dispatch);
    assert_eq!(client.download_blob(&server.container, &key).await.unwrap(), Bytes::from_static(b"old content"));

    // A body shorter than it claimed is rejected before the commit.
    let key = unique("fail/short");
    let (payload, _) = cloud_core::conformance::pattern_stream(5, 2 * MIB, 4096, false);
    let lying = cloud_core::storage::PutPayload::from_stream(payload.into_stream(), Some(3 * MIB));
    let err = client.upload_blob(&server.container, &key, lying, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    assert_eq!(client.get_metadata(&server.container, &key).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn small_blocks_and_single_puts_round_trip() {
    let server = Azurite::get();
    let client = server
        .builder()
        .with_block_size(1000)
        .with_single_put_threshold(4096)
        .with_upload_concurrency(3)
        .build()
        .unwrap();
    for (len, declared) in [(0u64, false), (4096, false), (4097, false), (4097, true), (10_001, true)] {
        let key = unique(&format!("sizes/{len}-{declared}"));
        let (payload, tally) = cloud_core::conformance::pattern_stream(len, len, 777, declared);
        let put = client.upload_blob(&server.container, &key, payload, None).await.unwrap();
        assert_eq!(put.size, Some(len));
        let bytes = client.download_blob(&server.container, &key).await.unwrap();
        assert_eq!(cloud_core::conformance::Fingerprint::of(&bytes), tally.fingerprint(), "{len}");
    }
}

#[tokio::test]
async fn sas_urls_work_with_plain_http() {
    use cloud_core::StorageClient;
    use cloud_core::storage::{PresignMethod, PresignOptions};
    let server = Azurite::get();
    let client = server.client();
    let key = unique("sas/photo é.jpg");
    let expiry = PresignOptions::new(std::time::Duration::from_secs(600));
    let http = reqwest::Client::new();

    let put = client.presign(PresignMethod::Put, &server.container, &key, expiry.clone()).await.unwrap();
    let mut request = http.put(put.url.clone()).body("uploaded with a SAS");
    for (name, value) in &put.headers {
        request = request.header(name, value);
    }
    let answer = request.send().await.unwrap();
    assert!(answer.status().is_success(), "{}: {}", answer.status(), answer.text().await.unwrap_or_default());

    let get = client.presign(PresignMethod::Get, &server.container, &key, expiry.clone()).await.unwrap();
    let answer = http.get(get.url.clone()).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.bytes().await.unwrap(), "uploaded with a SAS");
    assert!(get.expires_at > chrono::Utc::now());

    // The signature covers the permissions and the blob: a write URL cannot read, and a
    // tampered signature is refused.
    assert_eq!(http.get(put.url.clone()).send().await.unwrap().status(), 403);
    let mut tampered = get.url.clone();
    let pairs: Vec<(String, String)> = tampered
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "sig" {
                let first = if v.starts_with('A') { 'B' } else { 'A' };
                format!("{first}{}", &v[1..])
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(http.get(tampered).send().await.unwrap().status(), 403);
    let mut other_blob = get.url.clone();
    other_blob.set_path(&format!("{}/{}/other", url::Url::parse(&server.endpoint).unwrap().path(), server.container));
    assert_eq!(http.get(other_blob).send().await.unwrap().status(), 403);

    // Beyond what a SAS may last, before anything is signed.
    let too_long = PresignOptions::new(cloud_azure::MAX_SAS_EXPIRY + std::time::Duration::from_secs(1));
    let err = client.presign(PresignMethod::Get, &server.container, &key, too_long).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn listing_with_a_delimiter_pages_over_next_marker() {
    use cloud_core::StorageClient;
    use cloud_core::storage::{ListEntry, ListOptions};
    let server = Azurite::get();
    let client = server.client();
    let root = format!("{}/", unique("tree"));
    for name in ["a.txt", "b/1", "b/2", "c/d/e", "z.txt"] {
        client.upload_blob(&server.container, &format!("{root}{name}"), "x", None).await.unwrap();
    }
    let entries: Vec<ListEntry> = client
        .list_entries(
            &server.container,
            ListOptions::default().with_prefix(&root).with_delimiter("/").with_page_size(2),
        )
        .try_collect()
        .await
        .unwrap();
    let names: Vec<String> = entries.iter().map(|e| e.name().trim_start_matches(&root).to_owned()).collect();
    assert_eq!(names, ["a.txt", "b/", "c/", "z.txt"]);
    assert!(matches!(entries[1], ListEntry::Prefix(_)));
    let flat: Vec<ListEntry> = client
        .list_entries(&server.container, ListOptions::default().with_prefix(&root).with_page_size(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(flat.len(), 5);
}

/// A payload of `chunks` MiB of `b'b'` that, once the upload asks for more, says so on `asked`
/// and waits for `go` before it ends.
fn held_payload(
    chunks: usize,
    asked: tokio::sync::oneshot::Sender<()>,
    go: tokio::sync::oneshot::Receiver<()>,
) -> cloud_core::storage::PutPayload {
    use futures::StreamExt;
    let data = futures::stream::iter((0..chunks).map(|_| Ok(Bytes::from(vec![b'b'; MIB as usize]))));
    let hold = futures::stream::once(async move {
        let _ = asked.send(());
        let _ = go.await;
    })
    .filter_map(|()| async { None });
    cloud_core::storage::PutPayload::from_stream(data.chain(hold).boxed(), None)
}

#[tokio::test]
async fn overlapping_staged_writes_the_first_commit_wins() {
    use cloud_core::StorageClient;
    let server = Azurite::get();
    // One block in flight at a time: when the held payload is asked for more, its first two
    // blocks are staged.
    let client = server
        .builder()
        .with_block_size(MIB)
        .with_single_put_threshold(MIB)
        .with_upload_concurrency(1)
        .build()
        .unwrap();
    assert!(!client.capabilities().put_last_writer_wins);
    let key = unique("race/blob");
    let (asked, asked_rx) = tokio::sync::oneshot::channel();
    let (go, go_rx) = tokio::sync::oneshot::channel();
    let late = client.upload_blob(&server.container, &key, held_payload(3, asked, go_rx), None);
    let first = async {
        asked_rx.await.unwrap();
        // Another staged write (3 MiB, so blocks too) commits meanwhile.
        let put = client.upload_blob(&server.container, &key, Bytes::from(vec![b'a'; 3 * MIB as usize]), None).await;
        go.send(()).unwrap();
        put
    };
    let (late, first) = tokio::join!(late, first);
    assert_eq!(first.unwrap().size, Some(3 * MIB));
    let err = late.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");
    assert_eq!(err.http_status(), Some(400));
    assert!(err.message().contains("another write of this blob completed"), "{err}");
    let stored = client.download_blob(&server.container, &key).await.unwrap();
    assert!(stored.len() as u64 == 3 * MIB && stored.iter().all(|b| *b == b'a'), "the first write's content stays");
}
