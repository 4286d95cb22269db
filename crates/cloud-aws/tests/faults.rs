//! S3 under faults: a `cloud_faults::FaultProxy` between the client and the local servers stalls
//! requests, loses answers after the server acted, truncates bodies and rewrites headers. Every
//! call runs under a hard time limit, so a hang fails the test instead of stalling the run, and
//! each scenario checks what the server holds afterwards: nothing acknowledged is lost, nothing
//! partial is visible, no request that must not be repeated is repeated.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cloud_aws::{S3Client, S3ClientBuilder, UploadChecksum};
use cloud_core::conformance::pattern_bytes;
use cloud_core::storage::{GetOptions, GetRange, PutOptions};
use cloud_core::{ErrorKind, StorageClient, StorageClientExt};
use cloud_faults::{Fault, FaultProxy, Reply, Request, Rule};

#[allow(dead_code)]
mod support;

use support::{MOTO, S3S, Server};

const MIB: u64 = 1024 * 1024;

/// The most any one call below may take.
const LIMIT: Duration = Duration::from_secs(90);

async fn within<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, call).await.unwrap_or_else(|_| panic!("{what} hung for more than {LIMIT:?}"))
}

/// The server, and a proxy in front of it.
async fn proxied(which: (&'static str, &str)) -> (Server, FaultProxy) {
    let server = Server::get(which);
    let proxy = FaultProxy::in_front_of(&server.endpoint).await.expect("start the proxy");
    (server, proxy)
}

/// A builder for the server, reached through the proxy.
fn through(server: &Server, proxy: &FaultProxy) -> S3ClientBuilder {
    server.builder().with_endpoint(proxy.url())
}

/// Small parts, so that a 12 MiB body is a three-part upload.
fn multipart(builder: S3ClientBuilder) -> S3Client {
    builder.with_multipart_threshold(5 * MIB).with_part_size(5 * MIB).build().expect("client")
}

fn is_create(r: &Request) -> bool {
    r.method == "POST" && r.query().split('&').any(|p| p == "uploads" || p == "uploads=")
}

fn is_complete(r: &Request) -> bool {
    r.method == "POST" && r.query().contains("uploadId=")
}

fn body(seed: u64, len: u64) -> Bytes {
    pattern_bytes(seed, usize::try_from(len).expect("small"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_ends_in_timeout() {
    let (server, proxy) = proxied(S3S).await;
    let client = through(&server, &proxy)
        .with_attempt_timeout(Duration::from_secs(1))
        .with_max_attempts(2)
        .build()
        .expect("client");
    let key = server.unique_key("stalled.txt");
    server.client().put_bytes(&server.bucket, &key, "hello").await.expect("seed");
    proxy.add(Rule::new(|r| r.method == "GET" || r.method == "PUT", Fault::Stall));

    let started = Instant::now();
    let err = within("get_object", client.get_object(&server.bucket, &key, GetOptions::default()))
        .await
        .map(drop)
        .expect_err("a stalled GET");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let err = within("put_object", client.put_bytes(&server.bucket, &key, "other")).await.expect_err("a stalled PUT");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    // Each call was tried twice, then gave up.
    assert_eq!(proxy.count(|r| r.method == "GET"), 2);
    assert_eq!(proxy.count(|r| r.method == "PUT"), 2);
}

async fn lost_complete_answer(which: (&'static str, &str), checksum: UploadChecksum) {
    let (server, proxy) = proxied(which).await;
    let client = multipart(through(&server, &proxy).with_upload_checksum(checksum));
    let key = server.unique_key("lost-complete.bin");
    let data = body(15, 12 * MIB);
    proxy.add(Rule::new(is_complete, Fault::LoseAnswer).times(1));

    let put = within("put_object", client.put_object(&server.bucket, &key, data.clone().into(), PutOptions::default()))
        .await
        .unwrap_or_else(|e| panic!("{}: a completed upload whose answer was lost: {e}", server.label));
    assert_eq!(put.size, Some(12 * MIB));
    assert!(put.etag.as_deref().is_some_and(|e| e.trim_matches('"').ends_with("-3")), "{:?}", put.etag);
    // The complete went out once: the lost answer was settled by looking at the object.
    assert_eq!(proxy.count(is_complete), 1, "{}: {:#?}", server.label, proxy.requests());
    let direct = server.client();
    assert_eq!(direct.get_bytes(&server.bucket, &key).await.expect("read back"), data);
    direct.delete(&server.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_a_lost_complete_answer_is_checked_not_reported_missing() {
    lost_complete_answer(S3S, UploadChecksum::ContentMd5).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_a_lost_complete_answer_is_checked_not_reported_missing() {
    lost_complete_answer(MOTO, UploadChecksum::ContentMd5).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_a_lost_complete_answer_of_a_crc32c_upload_is_checked_not_reported_missing() {
    lost_complete_answer(MOTO, UploadChecksum::Crc32c).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_create_answer_is_not_sent_again() {
    let (server, proxy) = proxied(MOTO).await;
    let client = multipart(through(&server, &proxy));
    let key = server.unique_key("lost-create.bin");
    proxy.add(Rule::new(is_create, Fault::LoseAnswer).times(1));

    let err =
        within("put_object", client.put_object(&server.bucket, &key, body(16, 12 * MIB).into(), PutOptions::default()))
            .await
            .expect_err("the create's answer was lost");
    assert!(matches!(err.kind(), ErrorKind::Dispatch | ErrorKind::Timeout), "{err}");
    assert_eq!(proxy.count(is_create), 1, "a create was repeated: {:#?}", proxy.requests());
    assert_eq!(proxy.count(|r| r.method == "PUT"), 0, "no part may go up without an upload id");
    let head = server.client().head(&server.bucket, &key).await;
    assert_eq!(head.map(drop).expect_err("nothing was written").kind(), ErrorKind::NotFound);
    // The upload the lost answer named is left to the bucket's lifecycle rule: abort it here.
    let uploads =
        server.client().sdk_client().list_multipart_uploads().bucket(&server.bucket).prefix(&key).send().await;
    for upload in uploads.expect("ListMultipartUploads").uploads() {
        let id = upload.upload_id().expect("upload id");
        let abort =
            server.client().sdk_client().abort_multipart_upload().bucket(&server.bucket).key(&key).upload_id(id);
        abort.send().await.expect("abort");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_refused_with_slow_down_is_sent_again() {
    let (server, proxy) = proxied(S3S).await;
    let client = multipart(through(&server, &proxy));
    let key = server.unique_key("slow-down.bin");
    let slow_down = Reply::new(503)
        .header("content-type", "application/xml")
        .body("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>");
    proxy.add(Rule::new(is_create, Fault::Respond(slow_down)).times(1));

    let data = body(17, 12 * MIB);
    within("put_object", client.put_object(&server.bucket, &key, data.clone().into(), PutOptions::default()))
        .await
        .expect("a refused create is safe to repeat");
    assert_eq!(proxy.count(is_create), 2);
    let direct = server.client();
    assert_eq!(direct.get_bytes(&server.bucket, &key).await.expect("read back"), data);
    direct.delete(&server.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_served_range_that_is_not_the_requested_one_is_response_invalid() {
    let (server, proxy) = proxied(S3S).await;
    let client = through(&server, &proxy).with_max_attempts(1).build().expect("client");
    let key = server.unique_key("ranges.bin");
    let data = body(18, 100);
    client.put_bytes(&server.bucket, &key, data.clone()).await.expect("seed");
    let ranged = || GetOptions::default().with_range(GetRange::Bounded(10..20));

    let got = within("get_object", client.get_object(&server.bucket, &key, ranged())).await.expect("an honest range");
    assert_eq!(got.range, 10..20);
    assert_eq!(got.bytes().await.expect("body"), data.slice(10..20));

    for served in [
        "bytes 0-9/100",                  // other bytes than asked for
        "bytes 10-29/100",                // more than asked for
        "bytes 10-2/100",                 // inverted
        "bytes 0-18446744073709551615/5", // overflows
        "bytes 10-19/*",                  // no size
        "bytes 10-19/15",                 // ends past the size
        "items 10-19/100",                // not bytes
    ] {
        proxy.add(Rule::new(|r| r.method == "GET", Fault::SetHeader("content-range".into(), served.into())).times(1));
        let result = within("get_object", client.get_object(&server.bucket, &key, ranged())).await;
        let err = result.map(|got| got.range).expect_err(served);
        assert_eq!(err.kind(), ErrorKind::ResponseInvalid, "{served}: {err}");
    }
    client.delete(&server.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_body_never_becomes_a_file() {
    let (server, proxy) = proxied(S3S).await;
    let client = through(&server, &proxy).with_max_attempts(1).build().expect("client");
    let key = server.unique_key("truncated.bin");
    let data = body(19, MIB);
    server.client().put_bytes(&server.bucket, &key, data.clone()).await.expect("seed");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("download.bin");
    std::fs::write(&path, b"the previous version").expect("old file");

    // Without a length (HTTP/1.0, close-delimited), then cut (the length says more).
    for fault in [Fault::CloseDelimited(1000), Fault::CutBody(1000)] {
        proxy.add(Rule::new(|r| r.method == "GET", fault.clone()).times(1));
        let result = within("download_file", client.download_file(&server.bucket, &key, &path)).await;
        assert!(result.is_err(), "{fault:?}: a truncated body was accepted");
        assert_eq!(std::fs::read(&path).expect("old file"), b"the previous version", "{fault:?}");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names.len(), 1, "{fault:?}: temporary files left behind: {names:?}");
    }
    within("download_file", client.download_file(&server.bucket, &key, &path)).await.expect("an intact download");
    assert_eq!(std::fs::read(&path).expect("new file"), data);
    server.client().delete(&server.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_stops_flowing_ends_in_an_error() {
    let (server, proxy) = proxied(S3S).await;
    let client = through(&server, &proxy).with_max_attempts(1).build().expect("client");
    let key = server.unique_key("stops.bin");
    server.client().put_bytes(&server.bucket, &key, body(20, MIB)).await.expect("seed");
    proxy.add(Rule::new(|r| r.method == "GET", Fault::StallBody(64 * 1024)));

    let got = within("get_object", client.get_object(&server.bucket, &key, GetOptions::default())).await.expect("head");
    let err = within("reading the body", got.bytes()).await.expect_err("a body that stops");
    assert!(matches!(err.kind(), ErrorKind::Timeout | ErrorKind::Dispatch | ErrorKind::ResponseInvalid), "{err}");
    server.client().delete(&server.bucket, &key).await.expect("delete");
}
