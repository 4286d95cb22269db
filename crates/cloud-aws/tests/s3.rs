//! Integration tests on the local S3 servers (s3s-fs and moto with SigV4 checking): multipart
//! uploads of unknown length, aborts on failure, presigned URLs used over plain HTTP, error kinds,
//! batch deletes, canned ACLs, and the CA-bundle variables of this machine.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_sdk_s3::config::interceptors::{BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef};
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_s3::error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use bytes::Bytes;
use cloud_aws::{CannedAcl, S3Client};
use cloud_core::conformance::{fingerprint_stream, pattern_bytes, pattern_stream};
use cloud_core::storage::{GetOptions, PutOptions, PutPayload};
use cloud_core::{Error, ErrorKind, StorageClient, StorageClientExt};
use futures::stream::{self, StreamExt, TryStreamExt};

#[allow(dead_code)]
mod support;

use support::{MOTO, S3S, Server};

const MIB: u64 = 1024 * 1024;

/// Uploads in progress for keys under `prefix`.
async fn open_uploads(client: &S3Client, bucket: &str, prefix: &str) -> Vec<String> {
    let out = client
        .sdk_client()
        .list_multipart_uploads()
        .bucket(bucket)
        .prefix(prefix)
        .send()
        .await
        .expect("ListMultipartUploads");
    out.uploads().iter().filter_map(|u| u.key().map(str::to_owned)).collect()
}

async fn multipart_of_unknown_length(which: (&'static str, &str)) {
    let server = Server::get(which);
    let client = server.client();
    let key = server.unique_key("100mib.bin");
    let size = 100 * MIB;
    let (payload, sent) = pattern_stream(7, size, 64 * 1024, false);
    assert_eq!(payload.size(), None, "the payload must not declare its length");
    let put = client.put_object(&server.bucket, &key, payload, PutOptions::default()).await.expect("put");
    assert_eq!(put.size, Some(size));
    // 100 MiB in 8 MiB parts: 13 parts, which a multipart ETag ("<md5>-13") states.
    let etag = put.etag.expect("etag");
    assert!(etag.ends_with("-13"), "{}: expected a 13-part multipart ETag, got {etag}", server.label);
    let head = client.head(&server.bucket, &key).await.expect("head");
    assert_eq!(head.size, size);
    let got = client.get_object(&server.bucket, &key, GetOptions::default()).await.expect("get");
    let received = fingerprint_stream(got.into_stream()).await.expect("read back");
    assert_eq!(received, sent.fingerprint(), "{}: the object differs from what was sent", server.label);
    client.delete(&server.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_multipart_upload_of_a_100_mib_stream_of_unknown_length() {
    multipart_of_unknown_length(S3S).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_multipart_upload_of_a_100_mib_stream_of_unknown_length() {
    multipart_of_unknown_length(MOTO).await;
}

/// A stream of `good` bytes followed by an error.
fn failing_after(good: u64) -> PutPayload {
    let chunks = (0..good / MIB).map(move |i| Ok(pattern_bytes(i, 1 << 20)));
    let failure = stream::once(async { Err(Error::new(ErrorKind::Unexpected, "injected failure")) });
    PutPayload::from_stream(stream::iter(chunks).chain(failure).boxed(), None)
}

/// `check_uploads`: whether the server implements ListMultipartUploads (s3s-fs 0.14.1 answers
/// `NotImplemented`).
async fn failure_mid_upload_aborts(which: (&'static str, &str), check_uploads: bool) {
    let server = Server::get(which);
    let client = server.builder().with_upload_concurrency(2).build().expect("client");
    let key = server.unique_key("fails.bin");
    let err = client
        .put_object(&server.bucket, &key, failing_after(30 * MIB), PutOptions::default())
        .await
        .expect_err("the put must fail");
    assert_eq!(err.kind(), ErrorKind::Unexpected, "{err}");
    assert!(err.to_string().contains("injected failure"), "{err}");
    if check_uploads {
        let open = open_uploads(&client, &server.bucket, &key).await;
        assert!(open.is_empty(), "{}: uploads left open after a failure: {open:?}", server.label);
    }
    let head = client.head(&server.bucket, &key).await;
    assert_eq!(head.map(|_| ()).unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_injected_failure_mid_upload_fails_the_put_and_leaves_no_object() {
    failure_mid_upload_aborts(S3S, false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_injected_failure_mid_upload_leaves_no_multipart_upload() {
    failure_mid_upload_aborts(MOTO, true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_dropping_an_upload_aborts_it() {
    let server = Server::get(MOTO);
    let client = server.client();
    let key = server.unique_key("dropped.bin");
    // An endless body: the upload only ends when its future is dropped.
    let endless = stream::iter(0u64..).map(|i| Ok::<_, Error>(pattern_bytes(i, 1 << 20))).boxed();
    let upload = client.put_object(&server.bucket, &key, PutPayload::from_stream(endless, None), PutOptions::default());
    let timed_out = tokio::time::timeout(Duration::from_secs(3), upload).await;
    assert!(timed_out.is_err(), "the endless upload cannot finish");
    let mut open = open_uploads(&client, &server.bucket, &key).await;
    for _ in 0..50 {
        if open.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        open = open_uploads(&client, &server.bucket, &key).await;
    }
    assert!(open.is_empty(), "the dropped upload was not aborted: {open:?}");
}

async fn presigned_round_trip(which: (&'static str, &str)) {
    let server = Server::get(which);
    let client = server.client();
    let key = server.unique_key("shared file.txt");
    let body = Bytes::from_static(b"uploaded through a presigned URL");
    let http = reqwest::Client::new();

    let put = client.presign_put(&server.bucket, &key, Duration::from_secs(300)).await.expect("presign");
    assert_eq!(put.url.scheme(), "http");
    let mut request = http.put(put.url.clone()).body(body.clone());
    for (name, value) in &put.headers {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("PUT");
    assert!(response.status().is_success(), "{}: presigned PUT: {}", server.label, response.status());

    let get = client.presign_get(&server.bucket, &key, Duration::from_secs(300)).await.expect("presign");
    let response = http.get(get.url.clone()).send().await.expect("GET");
    assert!(response.status().is_success(), "{}: presigned GET: {}", server.label, response.status());
    assert_eq!(response.bytes().await.expect("body"), body);

    // The signature covers the method: the GET URL does not allow a PUT.
    let response = http.put(get.url.clone()).body("overwrite").send().await.expect("PUT with a GET URL");
    assert_eq!(response.status().as_u16(), 403, "{}: a GET URL used for PUT", server.label);
    client.delete(&server.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_presigned_put_then_get_over_plain_http() {
    presigned_round_trip(S3S).await;
}

// Not on moto: with SigV4 checking on (`INITIAL_NO_AUTH_ACTION_COUNT`), moto 5.2.5 answers every
// presigned (query-string) request with a 500 (`KeyError: 'HTTP_AUTHORIZATION'`), boto3's too.
// Swift's s3api checks presigned URLs; `cloud-infomaniak-s3` round-trips them there.

async fn wrong_secret(which: (&'static str, &str)) {
    let server = Server::get(which);
    let client = server
        .builder()
        .with_credentials(&server.access_key_id, "CANARYwrongS3Secret5Hd")
        .with_max_attempts(1)
        .build()
        .expect("client");
    let err = client.put_bytes(&server.bucket, &server.unique_key("x"), "x").await.expect_err("wrong secret");
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{}: {err}", server.label);
    assert_eq!(err.http_status(), Some(403), "{err}");
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
    let listed: Result<Vec<_>, _> = client.list_objects(&server.bucket, Default::default()).try_collect().await;
    assert_eq!(listed.unwrap_err().kind(), ErrorKind::Unauthenticated);
    assert_eq!(client.bucket_exists(&server.bucket).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_wrong_secret_is_unauthenticated() {
    wrong_secret(S3S).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_wrong_secret_is_unauthenticated() {
    wrong_secret(MOTO).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_unknown_access_key_is_unauthenticated() {
    let server = Server::get(MOTO);
    let client =
        server.builder().with_credentials("AKIANOBODYATALL0000", "CANARYunknownKeySecret2Lp").build().expect("client");
    let err = client.put_bytes(&server.bucket, &server.unique_key("x"), "x").await.expect_err("unknown key");
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert!(err.to_string().contains("InvalidAccessKeyId"), "{err}");
}

async fn missing_key(which: (&'static str, &str)) {
    let server = Server::get(which);
    let client = server.client();
    let key = server.unique_key("never-written");
    let err = client.get_object(&server.bucket, &key, GetOptions::default()).await.expect_err("get");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{}: {err}", server.label);
    assert_eq!(err.http_status(), Some(404));
    assert!(err.to_string().contains("NoSuchKey"), "{err}");
    assert_eq!(client.head(&server.bucket, &key).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(client.get_metadata(&server.bucket, &key).await.unwrap_err().kind(), ErrorKind::NotFound);
    let err = client.delete(&server.bucket, &key).await.expect_err("delete");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.operation(), Some("delete_object"));
    let err = client.get_object("no-such-bucket-cloud-test", &key, GetOptions::default()).await.expect_err("bucket");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_missing_key_is_not_found() {
    missing_key(S3S).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_missing_key_is_not_found() {
    missing_key(MOTO).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_errors_keep_the_request_id() {
    let server = Server::get(MOTO);
    let client = server.client();
    let err = client.head(&server.bucket, &server.unique_key("absent")).await.expect_err("head");
    let id = err.request_id().expect("request id");
    assert!(!id.is_empty());
    assert!(err.to_string().contains(id), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_delete_prefix_deletes_in_batches_of_a_thousand() {
    let server = Server::get(S3S);
    let client = server.client();
    let prefix = server.unique_key("");
    let keys: Vec<String> = (0..1_005).map(|i| format!("{prefix}k{i:05}")).collect();
    stream::iter(keys.iter().cloned())
        .map(|key| {
            let client = client.clone();
            let bucket = server.bucket.clone();
            async move { client.put_bytes(&bucket, &key, "x").await }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .expect("puts");
    assert_eq!(client.list_keys(&server.bucket, &prefix).await.expect("list").len(), 1_005);
    assert_eq!(client.delete_prefix(&server.bucket, &prefix).await.expect("delete_prefix"), 1_005);
    assert!(client.list_keys(&server.bucket, &prefix).await.expect("list").is_empty());
    assert_eq!(client.delete_prefix(&server.bucket, &prefix).await.expect("again"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_delete_objects_takes_explicit_keys() {
    let server = Server::get(MOTO);
    let client = server.client();
    let prefix = server.unique_key("");
    for name in ["a", "b", "c"] {
        client.put_bytes(&server.bucket, &format!("{prefix}{name}"), name).await.expect("put");
    }
    let deleted = client.delete_objects(&server.bucket, [format!("{prefix}a"), format!("{prefix}c")]).await;
    assert_eq!(deleted.expect("delete_objects"), 2);
    assert_eq!(client.list_keys(&server.bucket, &prefix).await.expect("list"), [format!("{prefix}b")]);
    let err = client.delete_objects(&server.bucket, ["../escape"]).await.expect_err("bad key");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    client.delete_prefix(&server.bucket, &prefix).await.expect("cleanup");
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_canned_acls_apply_to_buckets_and_objects() {
    let server = Server::get(MOTO);
    let client = server.client();
    let bucket = format!("acl-{}", uuid::Uuid::new_v4().simple());
    client.create_bucket(&bucket, Default::default()).await.expect("create");
    client.set_bucket_acl(&bucket, CannedAcl::PublicRead).await.expect("bucket acl");
    let acl = client.sdk_client().get_bucket_acl().bucket(&bucket).send().await.expect("get acl");
    assert!(
        acl.grants().iter().any(|g| g.grantee().and_then(|g| g.uri()).is_some_and(|u| u.ends_with("AllUsers"))),
        "public-read must grant AllUsers: {acl:?}"
    );
    client.put_bytes(&bucket, "o", "x").await.expect("put");
    client.set_object_acl(&bucket, "o", CannedAcl::Private).await.expect("object acl");
    let err = client.set_object_acl(&bucket, "missing", CannedAcl::Private).await.expect_err("missing");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    client.delete(&bucket, "o").await.expect("delete");
    client.delete_bucket(&bucket).await.expect("delete bucket");
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_creating_an_owned_bucket_again_is_already_exists() {
    let server = Server::get(MOTO);
    let client = server.client();
    let err = client.create_bucket(&server.bucket, Default::default()).await.expect_err("exists");
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert!(!client.ensure_bucket(&server.bucket).await.expect("ensure"));
}

/// What the child process of `ca_bundle_variables_do_not_break_plain_http` runs: a small round
/// trip on s3s-fs. It also runs on its own, with this machine's environment.
#[tokio::test(flavor = "multi_thread")]
async fn s3s_small_round_trip() {
    let server = Server::get(S3S);
    let client = server.client();
    let key = server.unique_key("small.txt");
    client.put_bytes(&server.bucket, &key, "hello").await.expect("put");
    assert_eq!(client.get_bytes(&server.bucket, &key).await.expect("get"), "hello");
    client.delete(&server.bucket, &key).await.expect("delete");
}

/// `AWS_CA_BUNDLE`, `SSL_CERT_FILE` and `SSL_CERT_DIR` (set on this project's machines) must not
/// break plain-HTTP endpoints, even pointing at files that are not certificates at all.
#[test]
fn ca_bundle_variables_do_not_break_plain_http() {
    Server::get(S3S);
    let dir = tempfile::tempdir().expect("tempdir");
    let bogus = dir.path().join("not-a-bundle.pem");
    std::fs::write(&bogus, "this is not a certificate\n").expect("write");
    let exe = std::env::current_exe().expect("current exe");
    let output = std::process::Command::new(exe)
        .args(["--exact", "s3s_small_round_trip", "--nocapture"])
        .env("AWS_CA_BUNDLE", &bogus)
        .env("SSL_CERT_FILE", &bogus)
        .env("SSL_CERT_DIR", dir.path())
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the child ran no test:\n{stdout}");
}

/// Counts the bytes of the `UploadPart` requests S3 answered with success: what the server has
/// acknowledged, as seen on the wire.
#[derive(Debug, Default)]
struct AcknowledgedParts(Arc<AtomicU64>);

/// The length of the part an `UploadPart` attempt sends.
#[derive(Debug, Clone, Copy)]
struct PartLength(u64);

impl Storable for PartLength {
    type Storer = StoreReplace<Self>;
}

impl Intercept for AcknowledgedParts {
    fn name(&self) -> &'static str {
        "AcknowledgedParts"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        if request.method() == "PUT" && request.uri().contains("partNumber=") {
            let length = request.headers().get("content-length").and_then(|l| l.parse::<u64>().ok());
            cfg.interceptor_state().store_put(PartLength(length.ok_or("an UploadPart without a Content-Length")?));
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let (Some(PartLength(length)), Some(response)) = (cfg.load::<PartLength>(), context.response())
            && response.status().is_success()
        {
            self.0.fetch_add(*length, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_progress_never_runs_ahead_of_the_parts_the_server_acknowledged() {
    let server = Server::get(S3S);
    let acknowledged = Arc::new(AtomicU64::new(0));
    let config = server.client().sdk_client().config().to_builder();
    let sdk = aws_sdk_s3::Client::from_conf(config.interceptor(AcknowledgedParts(acknowledged.clone())).build());
    let client = S3Client::from_sdk_client(sdk);
    let key = server.unique_key("progress.bin");
    let size = 20 * MIB + 3;
    let reports = Arc::new(Mutex::new(Vec::new()));
    let options = {
        let (reports, acknowledged) = (reports.clone(), acknowledged.clone());
        PutOptions::default().with_progress(move |reported| {
            let on_the_wire = acknowledged.load(Ordering::SeqCst);
            reports.lock().unwrap_or_else(PoisonError::into_inner).push((reported, on_the_wire));
        })
    };
    let (payload, _) = pattern_stream(11, size, 64 * 1024 + 7, false);
    client.put_object(&server.bucket, &key, payload, options).await.expect("put");
    let reports = reports.lock().unwrap_or_else(PoisonError::into_inner).clone();
    // 20 MiB in 8 MiB parts: three parts, each reported once S3 answered its UploadPart.
    assert_eq!(reports.len(), 3, "{reports:?}");
    assert_eq!(reports.last().map(|r| r.0), Some(size), "{reports:?}");
    assert!(reports.windows(2).all(|w| w[0].0 < w[1].0), "{reports:?}");
    for (reported, on_the_wire) in &reports {
        assert!(reported <= on_the_wire, "progress said {reported} bytes when S3 had acknowledged {on_the_wire}");
    }
    client.delete(&server.bucket, &key).await.expect("delete");
}
