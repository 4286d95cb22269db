//! GCS under faults: a `cloud_faults::FaultProxy` between the client and the local emulator
//! stalls requests, loses answers after the emulator acted, truncates bodies and rewrites
//! headers. Every call runs under a hard time limit, so a hang fails the test instead of stalling
//! the run, and each scenario checks what the emulator holds afterwards: nothing acknowledged is
//! lost, nothing written is reported missing, nothing partial becomes a file.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cloud_core::conformance::pattern_bytes;
use cloud_core::storage::{GetOptions, GetRange, PutOptions, PutPayload};
use cloud_core::{ErrorKind, StorageClient, StorageClientExt};
use cloud_faults::{Fault, FaultProxy, Request, Rule};
use cloud_gcp::{GcsClientBuilder, GcsPreconditions};
use futures::StreamExt;

#[allow(dead_code)]
mod support;

use support::Emulator;

/// The most any one call below may take.
const LIMIT: Duration = Duration::from_secs(90);

async fn within<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, call).await.unwrap_or_else(|_| panic!("{what} hung for more than {LIMIT:?}"))
}

/// The emulator, and a proxy in front of it.
async fn proxied() -> (Emulator, FaultProxy) {
    let emulator = Emulator::get();
    let proxy = FaultProxy::in_front_of(&emulator.endpoint).await.expect("start the proxy");
    (emulator, proxy)
}

/// A builder for the emulator, reached through the proxy.
fn through(emulator: &Emulator, proxy: &FaultProxy) -> GcsClientBuilder {
    emulator.builder().with_endpoint(proxy.url())
}

/// The `alt=media` read of an object's bytes (not the read of its resource).
fn is_media(r: &Request) -> bool {
    r.method == "GET" && r.query().split('&').any(|p| p == "alt=media")
}

fn body(seed: u64, len: usize) -> Bytes {
    pattern_bytes(seed, len)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_ends_in_timeout() {
    let (emulator, proxy) = proxied().await;
    let gcs = through(&emulator, &proxy)
        .with_timeout(Duration::from_secs(1))
        .with_read_timeout(Duration::from_secs(1))
        .with_max_attempts(2)
        .build()
        .expect("client");
    let key = emulator.unique_key("stalled.txt");
    emulator.client().upload_blob(&emulator.bucket, &key, "hello", None).await.expect("seed");
    proxy.add(Rule::new(|r| r.method == "GET" || r.method == "POST", Fault::Stall));

    let started = Instant::now();
    let err = within("get_object", gcs.get_object(&emulator.bucket, &key, GetOptions::default()))
        .await
        .map(drop)
        .expect_err("a stalled GET");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let err = within("put_object", gcs.put_bytes(&emulator.bucket, &key, "other")).await.expect_err("a stalled POST");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    // Each call was tried twice, then gave up.
    assert_eq!(proxy.count(|r| r.method == "GET"), 2);
    assert_eq!(proxy.count(|r| r.method == "POST"), 2);
    proxy.clear();
    emulator.client().delete(&emulator.bucket, &key).await.expect("delete");
}

/// The last chunk of a resumable upload reaches the emulator, which stores the object, but its
/// answer is lost. The client must settle what happened from the service (the session's status,
/// or else the object itself), not report `NotFound` for a write that happened, and not send the
/// data again in a new session (a silent second write).
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_to_the_last_chunk_is_settled_not_reported_missing() {
    const CHUNK: u64 = 256 * 1024;
    let (emulator, proxy) = proxied().await;
    let gcs = through(&emulator, &proxy).with_upload_threshold(CHUNK).with_chunk_size(CHUNK).build().expect("client");
    let key = emulator.unique_key("lost-last-chunk.bin");
    let data = body(21, 600 * 1024);
    let total = data.len();
    let last = move |r: &Request| {
        r.method == "PUT"
            && r.header("content-range")
                .is_some_and(|v| v.ends_with(&format!("/{total}")) && !v.starts_with("bytes */"))
    };
    proxy.add(Rule::new(last, Fault::LoseAnswer).times(1));

    let put = within("put_object", gcs.put_object(&emulator.bucket, &key, data.clone().into(), PutOptions::default()))
        .await
        .unwrap_or_else(|e| panic!("a completed upload whose last answer was lost: {e:?}"));
    assert_eq!(put.size, Some(total as u64));
    assert_eq!(proxy.count(last), 1, "the last chunk was sent again: {:#?}", proxy.requests());
    assert_eq!(proxy.count(|r| r.method == "POST"), 1, "a second session was opened");
    assert_eq!(proxy.count(|r| r.method == "DELETE"), 0, "the completed session was cancelled");
    let direct = emulator.client();
    let stored = direct.describe_object(&emulator.bucket, &key, GcsPreconditions::new()).await.expect("describe");
    assert_eq!(put.etag, Some(stored.generation.to_string()), "the generation reported is the one stored");
    assert_eq!(direct.download_blob(&emulator.bucket, &key).await.expect("read back"), data);
    direct.delete(&emulator.bucket, &key).await.expect("delete");
}

/// A payload of known size streams in one request (all but its last bytes) that reaches the
/// emulator, whose answer is lost. The client asks the session what it kept and sends only the
/// rest, in the same session: the streamed bytes go once.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_to_the_streamed_request_resumes_from_the_session() {
    const CHUNK: u64 = 256 * 1024;
    let (emulator, proxy) = proxied().await;
    let gcs = through(&emulator, &proxy).with_upload_threshold(CHUNK).with_chunk_size(CHUNK).build().expect("client");
    let key = emulator.unique_key("lost-streamed.bin");
    let data = body(22, 900 * 1024);
    let total = data.len();
    let streamed = |r: &Request| r.method == "PUT" && r.header("content-range") == Some("bytes 0-786431/*");
    let status = |r: &Request| r.method == "PUT" && r.header("content-range") == Some("bytes */*");
    proxy.add(Rule::new(streamed, Fault::LoseAnswer).times(1));

    let pieces: Vec<cloud_core::Result<Bytes>> =
        data.chunks(64 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let payload = PutPayload::from_stream(futures::stream::iter(pieces).boxed(), Some(total as u64));
    let put = within("put_object", gcs.put_object(&emulator.bucket, &key, payload, PutOptions::default()))
        .await
        .unwrap_or_else(|e| panic!("an upload whose streamed request's answer was lost: {e:?}"));
    assert_eq!(put.size, Some(total as u64));
    assert_eq!(proxy.count(streamed), 1, "the streamed bytes were sent again: {:#?}", proxy.requests());
    assert_eq!(proxy.count(status), 1, "the session was asked what it kept");
    assert_eq!(proxy.count(|r| r.method == "POST"), 1, "a second session was opened");
    let direct = emulator.client();
    assert_eq!(direct.download_blob(&emulator.bucket, &key).await.expect("read back"), data);
    direct.delete(&emulator.bucket, &key).await.expect("delete");
}

/// The streamed request of a payload of known size goes into a black hole: the proxy reads it
/// and never answers, and the emulator never sees it. The client times out, asks the session
/// (which kept nothing) and sends the streamed bytes again from what it kept (a `Bytes` payload,
/// kept in one piece), in the same session: the failure is never blamed on the payload.
#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_request_lost_in_a_black_hole_is_sent_again() {
    const CHUNK: u64 = 256 * 1024;
    let (emulator, proxy) = proxied().await;
    let gcs = through(&emulator, &proxy)
        .with_upload_threshold(CHUNK)
        .with_chunk_size(CHUNK)
        .with_timeout(Duration::from_secs(2))
        .with_read_timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let key = emulator.unique_key("black-holed-streamed.bin");
    let data = body(23, 1_124_641);
    let first = |r: &Request| r.method == "PUT" && r.header("content-range") == Some("bytes 0-1048575/*");
    proxy.add(Rule::new(first, Fault::BlackHole).times(1));

    let put = within("put_object", gcs.put_object(&emulator.bucket, &key, data.clone().into(), PutOptions::default()))
        .await
        .unwrap_or_else(|e| panic!("an upload whose streamed request was black-holed: {e:?}\n{:#?}", proxy.requests()));
    assert_eq!(put.size, Some(data.len() as u64));
    assert_eq!(proxy.count(first), 2, "the streamed bytes were not sent exactly twice: {:#?}", proxy.requests());
    assert_eq!(proxy.count(|r| r.header("content-range") == Some("bytes */*")), 1, "the session was asked once");
    assert_eq!(proxy.count(|r| r.method == "POST"), 1, "a second session was opened");
    let direct = emulator.client();
    assert_eq!(direct.download_blob(&emulator.bucket, &key).await.expect("read back"), data);
    direct.delete(&emulator.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_served_range_that_is_not_the_requested_one_is_response_invalid() {
    let (emulator, proxy) = proxied().await;
    let gcs = through(&emulator, &proxy).with_max_attempts(1).build().expect("client");
    let key = emulator.unique_key("ranges.bin");
    let data = body(22, 100);
    gcs.put_bytes(&emulator.bucket, &key, data.clone()).await.expect("seed");
    let ranged = || GetOptions::default().with_range(GetRange::Bounded(10..20));

    let got = within("get_object", gcs.get_object(&emulator.bucket, &key, ranged())).await.expect("an honest range");
    assert_eq!(got.range, 10..20);
    assert_eq!(got.bytes().await.expect("body"), data.slice(10..20));

    for served in [
        "bytes 0-9/100",                  // other bytes than asked for
        "bytes 10-29/100",                // more than asked for
        "bytes 10-2/100",                 // inverted
        "bytes 0-18446744073709551615/5", // overflows
        "bytes 10-19/15",                 // ends past the size
        "bytes 10-19/200",                // another size than the object's
        "items 10-19/100",                // not bytes
    ] {
        proxy.add(Rule::new(is_media, Fault::SetHeader("content-range".into(), served.into())).times(1));
        let result = within("get_object", gcs.get_object(&emulator.bucket, &key, ranged())).await;
        let err = result.map(|got| got.range).expect_err(served);
        assert_eq!(err.kind(), ErrorKind::ResponseInvalid, "{served}: {err}");
    }
    gcs.delete(&emulator.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_body_never_becomes_a_file() {
    let (emulator, proxy) = proxied().await;
    let gcs = through(&emulator, &proxy).with_max_attempts(1).build().expect("client");
    let key = emulator.unique_key("truncated.bin");
    let data = body(23, 1024 * 1024);
    emulator.client().put_bytes(&emulator.bucket, &key, data.clone()).await.expect("seed");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("download.bin");
    std::fs::write(&path, b"the previous version").expect("old file");

    // Without a length (HTTP/1.0, close-delimited), then cut (the length says more).
    for fault in [Fault::CloseDelimited(1000), Fault::CutBody(1000)] {
        proxy.add(Rule::new(is_media, fault.clone()).times(1));
        let result = within("download_file", gcs.download_file(&emulator.bucket, &key, &path)).await;
        assert!(result.is_err(), "{fault:?}: a truncated body was accepted");
        assert_eq!(std::fs::read(&path).expect("old file"), b"the previous version", "{fault:?}");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names.len(), 1, "{fault:?}: temporary files left behind: {names:?}");
    }
    assert_eq!(proxy.faults_applied(), 2);
    within("download_file", gcs.download_file(&emulator.bucket, &key, &path)).await.expect("an intact download");
    assert_eq!(std::fs::read(&path).expect("new file"), data);
    emulator.client().delete(&emulator.bucket, &key).await.expect("delete");
}
