//! Contract tests on loopback for what the local emulator does not implement: `pageToken`
//! pagination, resumable-upload recovery (`308` with `Range`, then resume) and precondition
//! failures; plus the V4 signature, recomputed here from a fixed key, and a media body that
//! stalls.
//!
//! The canned answers follow Google's JSON API reference: `objects.list` ("nextPageToken: The
//! continuation token … Provide this value in a subsequent request"), "Perform resumable uploads"
//! and "Resume an interrupted upload" (a `PUT` with `Content-Range: bytes */*` answered
//! `308 Resume Incomplete` with `Range: bytes=0-N`), "Request preconditions" (`412
//! Precondition Failed`, reason `conditionNotMet`), and "V4 signing process".

use std::time::Duration;

use base64::Engine as _;
use cloud_contract_testing::server::{BASE_PATH, Recorded, Reply, Server as LoopbackServer};
use cloud_core::storage::{
    Conditions, CopyMode, CopyOptions, GetOptions, HeadOptions, PresignMethod, PutMode, PutOptions, PutPayload,
};
use cloud_core::{ErrorKind, StorageClient};
use cloud_gcp::{GcsClient, GcsPreconditions, MetadataPatch};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A client of the loopback server as if it were GCS itself, with 256 KiB upload chunks.
/// An answer with `status` and no body.
fn reply(status: u16) -> Reply {
    Reply { status, headers: Vec::new(), body: Vec::new() }
}

/// Sets the body of an answer.
trait WithBody {
    fn body(self, body: &str) -> Self;
}

impl WithBody for Reply {
    fn body(mut self, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        self
    }
}

fn client(server: &LoopbackServer) -> GcsClient {
    builder(server).build().unwrap()
}

fn builder(server: &LoopbackServer) -> cloud_gcp::GcsClientBuilder {
    GcsClient::builder()
        .with_endpoint(server.base_url())
        .with_allow_http(true)
        .with_anonymous(true)
        .with_project_id("contract-project")
        .with_upload_threshold(256 * 1024)
        .with_chunk_size(256 * 1024)
}

/// An object resource as `objects.get`/`objects.insert` return it.
fn object(name: &str, size: u64, crc32c: Option<&str>) -> serde_json::Value {
    let mut object = json!({
        "kind": "storage#object",
        "id": format!("bkt/{name}/1700000000000001"),
        "name": name,
        "bucket": "bkt",
        "generation": "1700000000000001",
        "metageneration": "1",
        "contentType": "application/octet-stream",
        "size": size.to_string(),
        "updated": "2026-12-07T01:00:00.000Z",
        "etag": "CIGAgICAgICAAQ==",
    });
    if let Some(crc) = crc32c {
        object["crc32c"] = json!(crc);
    }
    object
}

fn crc32c_of(data: &[u8]) -> String {
    let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32Iscsi, data);
    base64::engine::general_purpose::STANDARD.encode(u32::try_from(crc).unwrap().to_be_bytes())
}

#[tokio::test]
async fn listings_follow_page_tokens_to_the_end() {
    let server = LoopbackServer::start(|request: &Recorded| {
        assert_eq!(request.method, "GET");
        assert_eq!(request.api_path(), "/storage/v1/b/bkt/o");
        assert_eq!(request.query_value("prefix"), Some("logs/"));
        match request.query_value("pageToken") {
            None => Reply::json(
                200,
                &json!({"kind": "storage#objects", "nextPageToken": "tok-2",
                        "items": [object("logs/a", 1, None), object("logs/b", 2, None)]}),
            ),
            Some("tok-2") => Reply::json(
                200,
                &json!({"kind": "storage#objects", "nextPageToken": "tok-3", "items": [object("logs/c", 3, None)]}),
            ),
            Some("tok-3") => {
                Reply::json(200, &json!({"kind": "storage#objects", "items": [object("logs/d", 4, None)]}))
            }
            Some(other) => panic!("unexpected page token {other}"),
        }
    })
    .await;
    let gcs = client(&server);
    let names: Vec<String> = gcs.list_blobs("bkt", Some("logs/")).map_ok(|m| m.key).try_collect().await.unwrap();
    assert_eq!(names, ["logs/a", "logs/b", "logs/c", "logs/d"]);
    let tokens: Vec<Option<String>> =
        server.requests().iter().map(|r| r.query_value("pageToken").map(str::to_owned)).collect();
    assert_eq!(tokens, [None, Some("tok-2".to_owned()), Some("tok-3".to_owned())]);
}

#[tokio::test]
async fn listings_are_lazy_and_stop_at_the_first_error() {
    let server = LoopbackServer::replies(vec![
        Reply::json(200, &json!({"nextPageToken": "t2", "items": [object("a", 1, None)]})),
        Reply::json(
            404,
            &json!({"error": {"code": 404, "message": "The specified bucket does not exist.",
                                            "errors": [{"reason": "notFound", "domain": "global"}]}}),
        ),
    ])
    .await;
    let gcs = client(&server);
    let mut stream = gcs.list_blobs("bkt", None);
    assert_eq!(stream.next().await.unwrap().unwrap().key, "a");
    assert_eq!(server.requests().len(), 1, "the second page is fetched only when needed");
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(stream.next().await.is_none());
}

/// A 600 KiB body in 256 KiB chunks: the second chunk fails with 503, the status query says the
/// service kept 384 KiB, and the client resends from there.
#[tokio::test]
async fn resumable_uploads_resume_from_what_the_service_kept() {
    const CHUNK: usize = 256 * 1024;
    let data: Vec<u8> = (0..600 * 1024).map(|i| (i % 251) as u8).collect();
    let total = data.len();
    let crc = crc32c_of(&data);
    let session_path = "/upload/storage/v1/b/bkt/o";
    let expected_crc = crc.clone();
    let server = LoopbackServer::start(move |request: &Recorded| {
        let range = request.header("content-range").map(str::to_owned);
        match (request.method.as_str(), request.query_value("upload_id"), range.as_deref()) {
            ("POST", None, None) => {
                assert_eq!(request.api_path(), session_path);
                assert_eq!(request.query_value("uploadType"), Some("resumable"));
                assert_eq!(request.json().unwrap()["name"], "big.bin");
                reply(200).with_header(
                    "location",
                    &format!(
                        "http://{}{BASE_PATH}{session_path}?uploadType=resumable&upload_id=s1",
                        request.header("host").unwrap()
                    ),
                )
            }
            ("PUT", Some("s1"), Some("bytes 0-262143/*")) => {
                assert_eq!(request.body.len(), CHUNK);
                reply(308).with_header("range", "bytes=0-262143")
            }
            // The second chunk is lost.
            ("PUT", Some("s1"), Some("bytes 262144-524287/*")) => Reply::json(
                503,
                &json!({"error": {"code": 503, "message": "Backend Error", "errors": [{"reason": "backendError"}]}}),
            ),
            // The status query: half of the second chunk arrived.
            ("PUT", Some("s1"), Some("bytes */*")) => {
                assert!(request.body.is_empty());
                reply(308).with_header("range", "bytes=0-393215")
            }
            ("PUT", Some("s1"), Some(range)) if range == format!("bytes 393216-{}/{total}", total - 1) => {
                assert_eq!(request.body.len(), total - 393_216);
                assert_eq!(request.header("x-goog-hash"), Some(format!("crc32c={expected_crc}").as_str()));
                Reply::json(200, &object("big.bin", total as u64, Some(&expected_crc)))
            }
            other => panic!("unexpected request {other:?}"),
        }
    })
    .await;
    let gcs = client(&server);
    let chunks: Vec<cloud_core::Result<bytes::Bytes>> =
        data.chunks(100_000).map(|c| Ok(bytes::Bytes::copy_from_slice(c))).collect();
    let payload = PutPayload::from_stream(futures::stream::iter(chunks).boxed(), None);
    let meta = gcs.upload_blob("bkt", "big.bin", payload, None).await.unwrap();
    assert_eq!(meta.size, total as u64);
    let sent: Vec<String> =
        server.requests().iter().filter_map(|r| r.header("content-range").map(str::to_owned)).collect();
    assert_eq!(
        sent,
        ["bytes 0-262143/*", "bytes 262144-524287/*", "bytes */*", &format!("bytes 393216-{}/{total}", total - 1)]
    );
    let resent = &server.requests()[4].body;
    assert_eq!(resent[..], data[393_216..], "the resumed chunk starts where the service stopped");
}

/// A script for a known-size upload of `total` bytes with 256 KiB kept for a resend: the
/// streamed request (everything up to the last 256 KiB boundary) fails with 503, and the status
/// query says the service kept `kept` bytes.
fn interrupted_stream(total: usize, kept: usize, crc: String) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    let streamed_end = (total - 1) / (256 * 1024) * (256 * 1024);
    move |request: &Recorded| {
        let range = request.header("content-range").map(str::to_owned);
        match (request.method.as_str(), range.as_deref()) {
            ("POST", None) => {
                assert_eq!(request.header("x-upload-content-length"), Some(total.to_string().as_str()));
                reply(200).with_header(
                    "location",
                    &format!(
                        "http://{}{BASE_PATH}/upload/storage/v1/b/bkt/o?uploadType=resumable&upload_id=s5",
                        request.header("host").unwrap()
                    ),
                )
            }
            ("PUT", Some(r)) if r == format!("bytes 0-{}/*", streamed_end - 1) => {
                assert_eq!(request.body.len(), streamed_end, "one request streams all but the last bytes");
                Reply::json(
                    503,
                    &json!({"error": {"code": 503, "message": "Backend Error", "errors": [{"reason": "backendError"}]}}),
                )
            }
            ("PUT", Some("bytes */*")) => reply(308).with_header("range", &format!("bytes=0-{}", kept - 1)),
            ("PUT", Some(r)) if r == format!("bytes {kept}-{}/*", streamed_end - 1) => {
                reply(308).with_header("range", &format!("bytes=0-{}", streamed_end - 1))
            }
            ("PUT", Some(r)) if r == format!("bytes {streamed_end}-{}/{total}", total - 1) => {
                assert_eq!(request.header("x-goog-hash"), Some(format!("crc32c={crc}").as_str()));
                Reply::json(200, &object("big.bin", total as u64, Some(&crc)))
            }
            ("DELETE", None) => reply(499),
            other => panic!("unexpected request {other:?}"),
        }
    }
}

/// 900 KiB of known size, streamed from 100,000-byte pieces.
fn known_size_payload(data: &[u8]) -> PutPayload {
    let chunks: Vec<cloud_core::Result<bytes::Bytes>> =
        data.chunks(100_000).map(|c| Ok(bytes::Bytes::copy_from_slice(c))).collect();
    PutPayload::from_stream(futures::stream::iter(chunks).boxed(), Some(data.len() as u64))
}

/// A payload of known size goes up in one streamed request and a last one with the CRC32C; when
/// the streamed request fails, the client resends from what the service kept, out of the bytes
/// it still holds, in the same session.
#[tokio::test]
async fn a_streamed_upload_resumes_from_what_the_service_kept() {
    let data: Vec<u8> = (0..900 * 1024).map(|i| (i % 241) as u8).collect();
    let (total, kept) = (data.len(), 640 * 1024);
    let server = LoopbackServer::start(interrupted_stream(total, kept, crc32c_of(&data))).await;
    let gcs = client(&server);
    let meta = gcs.upload_blob("bkt", "big.bin", known_size_payload(&data), None).await.unwrap();
    assert_eq!(meta.size, total as u64);
    let sent: Vec<String> =
        server.requests().iter().filter_map(|r| r.header("content-range").map(str::to_owned)).collect();
    assert_eq!(
        sent,
        [
            "bytes 0-786431/*".to_owned(),
            "bytes */*".to_owned(),
            "bytes 655360-786431/*".to_owned(),
            format!("bytes 786432-{}/{total}", total - 1),
        ]
    );
    let requests = server.requests();
    assert_eq!(requests[3].body[..], data[655_360..786_432], "the resend starts where the service stopped");
    assert_eq!(requests[4].body[..], data[786_432..]);
}

/// When the service kept less than the client still holds of a streamed request (it keeps the
/// last `chunk_size` bytes sent), the upload fails as `Service`, not retryable, and the session
/// is cancelled; nothing is sent from a wrong offset.
#[tokio::test]
async fn a_streamed_upload_the_service_kept_too_little_of_fails() {
    let data: Vec<u8> = (0..900 * 1024).map(|i| (i % 239) as u8).collect();
    let server = LoopbackServer::start(interrupted_stream(data.len(), 128 * 1024, crc32c_of(&data))).await;
    let gcs = client(&server);
    let err = gcs.upload_blob("bkt", "big.bin", known_size_payload(&data), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service, "{err:?}");
    assert!(!err.is_retryable(), "{err:?}");
    assert!(err.message().contains("cannot resume"), "{err}");
    let methods: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "PUT", "PUT", "DELETE"]);
}

#[tokio::test]
async fn a_checksum_the_service_disagrees_with_fails_the_upload() {
    let data = vec![7_u8; 300 * 1024];
    let server = LoopbackServer::start(move |request: &Recorded| match request.method.as_str() {
        "POST" => reply(200).with_header(
            "location",
            &format!(
                "http://{}{BASE_PATH}/upload/storage/v1/b/bkt/o?uploadType=resumable&upload_id=s2",
                request.header("host").unwrap()
            ),
        ),
        "PUT" if request.header("content-range") == Some("bytes 0-262143/*") => {
            reply(308).with_header("range", "bytes=0-262143")
        }
        "PUT" => Reply::json(200, &object("x", 300 * 1024, Some("AAAAAA=="))),
        _ => reply(200),
    })
    .await;
    let gcs = client(&server);
    let err = gcs.upload_blob("bkt", "x", data, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseInvalid);
    assert!(err.message().contains("CRC32C"), "{err}");
}

#[tokio::test]
async fn unrecoverable_failures_cancel_the_session() {
    let server = LoopbackServer::start(move |request: &Recorded| match request.method.as_str() {
        "POST" => reply(200).with_header(
            "location",
            &format!(
                "http://{}{BASE_PATH}/upload/storage/v1/b/bkt/o?uploadType=resumable&upload_id=s3",
                request.header("host").unwrap()
            ),
        ),
        "PUT" => Reply::json(
            403,
            &json!({"error": {"code": 403, "message": "Access denied.", "errors": [{"reason": "forbidden"}]}}),
        ),
        "DELETE" => reply(499),
        _ => reply(599),
    })
    .await;
    let gcs = client(&server);
    let err = gcs.upload_blob("bkt", "x", vec![1_u8; 300 * 1024], None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    let methods: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "PUT", "DELETE"]);
}

#[tokio::test]
async fn small_bodies_go_up_in_one_multipart_request_with_their_crc32c() {
    let server = LoopbackServer::start(|request: &Recorded| {
        assert_eq!(request.method, "POST");
        assert_eq!(request.api_path(), "/upload/storage/v1/b/bkt/o");
        assert_eq!(request.query_value("uploadType"), Some("multipart"));
        let content_type = request.header("content-type").unwrap();
        let boundary = content_type.strip_prefix("multipart/related; boundary=").unwrap();
        let body = String::from_utf8(request.body.clone()).unwrap();
        assert!(body.starts_with(&format!("--{boundary}\r\nContent-Type: application/json")), "{body}");
        assert!(body.contains("\"crc32c\":\"yZRlqg==\""), "{body}");
        assert!(body.contains("\r\nContent-Type: text/plain\r\n\r\nhello world\r\n"), "{body}");
        assert!(body.ends_with(&format!("--{boundary}--\r\n")));
        Reply::json(200, &object("n.txt", 11, Some("yZRlqg==")))
    })
    .await;
    let gcs = client(&server);
    let meta = gcs.upload_blob("bkt", "n.txt", "hello world", Some("text/plain")).await.unwrap();
    assert_eq!(meta.size, 11);
}

#[tokio::test]
async fn reads_check_the_crc32c_of_the_body() {
    let server = LoopbackServer::start(|request: &Recorded| {
        if request.query_value("alt") == Some("media") {
            assert_eq!(request.query_value("ifGenerationMatch"), Some("1700000000000001"));
            reply(200).body("hello w0rld")
        } else {
            Reply::json(200, &object("o", 11, Some("yZRlqg==")))
        }
    })
    .await;
    let gcs = client(&server);
    let err = gcs.download_blob("bkt", "o").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseInvalid);
    assert!(err.message().contains("CRC32C"), "{err}");
}

/// The `412` of the JSON API when a precondition does not hold.
fn precondition_failed() -> Reply {
    Reply::json(
        412,
        &json!({"error": {"code": 412, "message": "At least one of the pre-conditions you specified did not hold.",
                          "errors": [{"domain": "global", "reason": "conditionNotMet",
                                      "message": "At least one of the pre-conditions you specified did not hold.",
                                      "locationType": "header", "location": "If-Match"}]}}),
    )
}

#[tokio::test]
async fn conditional_writes_become_generation_preconditions() {
    let server = LoopbackServer::start(|request: &Recorded| match request.query_value("ifGenerationMatch") {
        // Create-only: the object exists.
        Some("0") => precondition_failed(),
        // Update of generation 41, which is no longer the current one.
        Some("41") => precondition_failed(),
        Some("1700000000000001") => Reply::json(200, &object("k", 1, Some(&crc32c_of(b"x")))),
        other => panic!("unexpected precondition {other:?} in {request:?}"),
    })
    .await;
    let gcs = client(&server);
    let put = |mode: PutMode| {
        let gcs = gcs.clone();
        async move { gcs.put_object("bkt", "k", PutPayload::from_bytes("x"), PutOptions::default().with_mode(mode)).await }
    };
    assert_eq!(put(PutMode::Create).await.unwrap_err().kind(), ErrorKind::AlreadyExists);
    let err = put(PutMode::Update("41".into())).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::PreconditionFailed, Some(412)));
    let done = put(PutMode::Update("\"1700000000000001\"".into())).await.unwrap();
    assert_eq!(done.etag.as_deref(), Some("1700000000000001"), "the ETag is the generation");
    // An ETag that is no generation matches nothing, and nothing is sent for it.
    let before = server.requests().len();
    assert_eq!(put(PutMode::Update("abc".into())).await.unwrap_err().kind(), ErrorKind::PreconditionFailed);
    assert_eq!(server.requests().len(), before);
    let queries: Vec<Option<String>> =
        server.requests().iter().map(|r| r.query_value("ifGenerationMatch").map(str::to_owned)).collect();
    assert_eq!(queries, [Some("0".to_owned()), Some("41".to_owned()), Some("1700000000000001".to_owned())]);
}

#[tokio::test]
async fn create_only_copies_send_if_generation_match_zero() {
    let server = LoopbackServer::start(|request: &Recorded| {
        assert_eq!(request.method, "POST");
        assert_eq!(request.api_path(), "/storage/v1/b/src-bkt/o/a%2Fb/rewriteTo/b/dst-bkt/o/c");
        assert_eq!(request.query_value("ifGenerationMatch"), Some("0"));
        precondition_failed()
    })
    .await;
    let gcs = client(&server);
    let err = gcs
        .copy_object("src-bkt", "a/b", "dst-bkt", "c", CopyOptions::default().with_mode(CopyMode::Create))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
}

/// An unfinished rewrite answers `done: false` with a token, to be sent back until it is done.
#[tokio::test]
async fn copies_loop_over_rewrite_tokens() {
    let server = LoopbackServer::start(|request: &Recorded| match request.query_value("rewriteToken") {
        None => Reply::json(
            200,
            &json!({"kind": "storage#rewriteResponse", "totalBytesRewritten": "1048576",
                                          "objectSize": "3145728", "done": false, "rewriteToken": "r1"}),
        ),
        Some("r1") => Reply::json(
            200,
            &json!({"kind": "storage#rewriteResponse", "totalBytesRewritten": "2097152",
                                                "objectSize": "3145728", "done": false, "rewriteToken": "r2"}),
        ),
        Some("r2") => Reply::json(
            200,
            &json!({"kind": "storage#rewriteResponse", "totalBytesRewritten": "3145728",
                                                "objectSize": "3145728", "done": true,
                                                "resource": object("copy", 3_145_728, None)}),
        ),
        Some(other) => panic!("unexpected token {other}"),
    })
    .await;
    let gcs = client(&server);
    gcs.copy_object("bkt", "orig", "bkt", "copy", CopyOptions::default()).await.unwrap();
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn read_conditions_are_checked_on_the_metadata_and_the_body_is_pinned() {
    let server = LoopbackServer::start(|request: &Recorded| {
        if request.query_value("alt") == Some("media") {
            assert_eq!(request.query_value("ifGenerationMatch"), Some("1700000000000001"));
            assert_eq!(request.header("range"), Some("bytes=1-2"));
            reply(206).with_header("content-range", "bytes 1-2/3").body("bc")
        } else {
            Reply::json(200, &object("o", 3, None))
        }
    })
    .await;
    let gcs = client(&server);
    let stale = GetOptions::default().with_conditions(Conditions::default().with_if_match("41"));
    let err = gcs.get_object("bkt", "o", stale).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PreconditionFailed);
    let same = HeadOptions::default().with_conditions(Conditions::default().with_if_none_match("1700000000000001"));
    assert_eq!(gcs.head_object("bkt", "o", same).await.unwrap_err().kind(), ErrorKind::NotModified);
    let current =
        GetOptions::default().with_conditions(Conditions::default().with_if_match("1700000000000001")).with_range(1..3);
    let body = gcs.get_object("bkt", "o", current).await.unwrap().bytes().await.unwrap();
    assert_eq!(&body[..], b"bc");
}

#[tokio::test]
async fn emulator_clients_refuse_what_the_emulator_ignores() {
    let server = LoopbackServer::replies(Vec::new()).await;
    let gcs = builder(&server).with_emulator(true).build().unwrap();
    let caps = gcs.capabilities();
    assert!(!caps.put_if_not_exists && !caps.put_if_match && !caps.copy_if_not_exists && !caps.list_page_size);
    let options = PutOptions::default().with_mode(PutMode::Create);
    let err = gcs.put_object("bkt", "k", PutPayload::from_bytes("x"), options).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(server.requests().is_empty());
    let real = client(&server).capabilities();
    assert!(real.put_if_not_exists && real.put_if_match && real.copy_if_not_exists && real.list_page_size);
}

/// The fixed RSA key of `tests/data/test-service-account.json` (generated for these tests, valid
/// nowhere).
fn test_key() -> aws_lc_rs::rsa::KeyPair {
    let key: serde_json::Value = serde_json::from_str(include_str!("data/test-service-account.json")).unwrap();
    let pem = key["private_key"].as_str().unwrap();
    let der_text: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(der_text).unwrap();
    aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).unwrap()
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (deterministic) by `key`.
fn rsa_sha256(key: &aws_lc_rs::rsa::KeyPair, data: &[u8]) -> Vec<u8> {
    let mut signature = vec![0_u8; key.public_modulus_len()];
    key.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), data, &mut signature)
        .unwrap();
    signature
}

/// The string to sign of a V4 signed URL, recomputed from the URL alone, step by step as
/// Google's "V4 signing process" describes it, for `method` and the `host` header. Also checks
/// the fixed parameters and returns the parameters by name.
fn recompute_string_to_sign(url: &url::Url, method: &str, host: &str) -> (String, Vec<(String, String)>) {
    let query: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    let date = get("X-Goog-Date");
    assert_eq!(get("X-Goog-Algorithm"), "GOOG4-RSA-SHA256");
    assert_eq!(get("X-Goog-SignedHeaders"), "host");
    let scope = format!("{}/auto/storage/goog4_request", &date[..8]);
    assert!(get("X-Goog-Credential").ends_with(&format!("/{scope}")), "{}", get("X-Goog-Credential"));
    // 1. The canonical query string: every parameter but the signature, sorted, RFC 3986 encoded.
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let mut params: Vec<&(String, String)> = query.iter().filter(|(k, _)| k != "X-Goog-Signature").collect();
    params.sort();
    let canonical_query =
        params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
    // 2. The canonical request: method, path as sent, query, headers, signed headers, payload.
    let canonical_request =
        format!("{method}\n{}\n{canonical_query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD", url.path());
    // 3. The string to sign.
    let string_to_sign =
        format!("GOOG4-RSA-SHA256\n{date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
    (string_to_sign, query)
}

/// Recomputes the V4 signature from the fixed test key, following Google's "V4 signing process"
/// step by step, and compares it with the URL's.
#[tokio::test]
async fn v4_signatures_match_a_recomputation_from_the_key() {
    let key_json = include_str!("data/test-service-account.json");
    let gcs = GcsClient::builder()
        .with_service_account_key(key_json)
        .with_endpoint("https://storage.googleapis.com")
        .build()
        .unwrap();
    assert!(gcs.can_sign());
    let presigned =
        gcs.signed_url(PresignMethod::Put, "my-bucket", "dir/report 2026.csv", Duration::from_secs(900)).await.unwrap();
    let url = presigned.url.clone();
    assert_eq!(url.path(), "/my-bucket/dir/report%202026.csv");
    let (string_to_sign, query) = recompute_string_to_sign(&url, "PUT", "storage.googleapis.com");
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(get("X-Goog-Expires"), "900");
    assert!(get("X-Goog-Credential").starts_with("signer@cloud-gcp-tests.iam.gserviceaccount.com/"));
    // 4. RSA-SHA256 (PKCS #1 v1.5, deterministic) with the key of the JSON file.
    let signature = rsa_sha256(&test_key(), string_to_sign.as_bytes());
    assert_eq!(get("X-Goog-Signature"), hex::encode(signature));
    assert!(!format!("{presigned:?}").contains(&get("X-Goog-Signature")));
}

/// The service account the fake IAM server signs for.
const SIGNER: &str = "signer@cloud-gcp-tests.iam.gserviceaccount.com";
/// The access token the fake token endpoint hands out.
const USER_TOKEN: &str = "CANARYgcsUserAccessToken1";

/// User credentials (no private key) whose token endpoint is the loopback server.
fn user_credentials(server: &LoopbackServer) -> String {
    json!({
        "type": "authorized_user",
        "client_id": "test-client.apps.googleusercontent.com",
        "client_secret": "CANARYgcsClientSecret1",
        "refresh_token": "CANARYgcsRefreshToken1",
        "token_uri": format!("{}/token", server.base_url()),
    })
    .to_string()
}

/// A fake of the OAuth token endpoint and of IAM `signBlob`: hands out [`USER_TOKEN`], then
/// checks each `signBlob` request (path, bearer token, JSON body) and signs its payload with the
/// fixed test key, as Google's key for the account would. The first `signBlob` call gets
/// `first_sign`, if any.
async fn fake_iam(first_sign: Option<Reply>) -> LoopbackServer {
    let key = test_key();
    let first = std::sync::Mutex::new(first_sign);
    LoopbackServer::start(move |request: &Recorded| {
        if request.api_path() == "/token" {
            assert_eq!(request.method, "POST");
            assert_eq!(request.json().unwrap()["refresh_token"], "CANARYgcsRefreshToken1");
            return Reply::json(200, &json!({"access_token": USER_TOKEN, "token_type": "Bearer", "expires_in": 3600}));
        }
        assert_eq!(request.method, "POST");
        assert_eq!(request.api_path(), format!("/v1/projects/-/serviceAccounts/{SIGNER}:signBlob"));
        assert_eq!(request.header("authorization"), Some(format!("Bearer {USER_TOKEN}").as_str()));
        assert_eq!(request.header("content-type"), Some("application/json"));
        if let Some(reply) = first.lock().unwrap().take() {
            return reply;
        }
        let body = request.json().expect("a JSON body");
        let payload = base64::engine::general_purpose::STANDARD.decode(body["payload"].as_str().unwrap()).unwrap();
        let signature = rsa_sha256(&key, &payload);
        Reply::json(
            200,
            &json!({"keyId": "0123456789abcdef",
                    "signedBlob": base64::engine::general_purpose::STANDARD.encode(signature)}),
        )
    })
    .await
}

/// A client whose credentials are [`user_credentials`] read from a file (removed once read),
/// configured further by `configure`.
fn user_client(
    server: &LoopbackServer,
    configure: impl FnOnce(cloud_gcp::GcsClientBuilder) -> cloud_gcp::GcsClientBuilder,
) -> GcsClient {
    let path = std::env::temp_dir().join(format!("cloud-gcp-test-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, user_credentials(server)).unwrap();
    let builder = GcsClient::builder()
        .with_service_account_path(&path)
        .with_project_id("contract-project")
        .with_iam_endpoint(server.base_url())
        .with_allow_http(true);
    let built = configure(builder).build();
    std::fs::remove_file(&path).unwrap();
    built.unwrap()
}

fn iam_client(server: &LoopbackServer) -> GcsClient {
    user_client(server, |builder| builder.with_signing_service_account(SIGNER))
}

/// Credentials without a private key sign through IAM `signBlob`: the fake checks the call and
/// signs with the fixed key, and the URL's signature verifies against that key's public half over
/// a string to sign recomputed here. The first `signBlob` answer is a 503, retried as every call.
#[tokio::test]
async fn credentials_without_a_key_sign_through_iam_sign_blob() {
    let unavailable = Reply::json(
        503,
        &json!({"error": {"code": 503, "message": "The service is currently unavailable.",
                                           "status": "UNAVAILABLE"}}),
    );
    let server = fake_iam(Some(unavailable)).await;
    let gcs = iam_client(&server);
    assert!(gcs.can_sign());
    assert!(gcs.capabilities().presign_get && gcs.capabilities().presign_put);
    let presigned =
        gcs.signed_url(PresignMethod::Get, "my-bucket", "dir/report 2026.csv", Duration::from_secs(600)).await.unwrap();
    let url = presigned.url.clone();
    assert_eq!(url.host_str(), Some("storage.googleapis.com"));
    let (string_to_sign, query) = recompute_string_to_sign(&url, "GET", "storage.googleapis.com");
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    assert!(get("X-Goog-Credential").starts_with(&format!("{SIGNER}/")));
    assert_eq!(get("X-Goog-Expires"), "600");
    // The fake was asked to sign exactly the string to sign, twice (503, then the retry).
    let sign_calls: Vec<Recorded> =
        server.requests().into_iter().filter(|r| r.api_path().ends_with(":signBlob")).collect();
    assert_eq!(sign_calls.len(), 2, "one 503, one retry");
    for call in &sign_calls {
        let payload = call.json().unwrap()["payload"].as_str().unwrap().to_owned();
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(payload).unwrap(), string_to_sign.as_bytes());
    }
    // The signature verifies with the public key of the fake's key.
    let key = test_key();
    let public = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        aws_lc_rs::signature::KeyPair::public_key(&key).as_ref().to_vec(),
    );
    let signature = hex::decode(get("X-Goog-Signature")).unwrap();
    public.verify(string_to_sign.as_bytes(), &signature).expect("the URL's signature verifies");
    // The trait's presign goes the same way.
    let put = gcs
        .presign(
            PresignMethod::Put,
            "my-bucket",
            "k",
            cloud_core::storage::PresignOptions::new(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    let (string_to_sign, query) = recompute_string_to_sign(&put.url, "PUT", "storage.googleapis.com");
    let signature = hex::decode(&query.iter().find(|(k, _)| k == "X-Goog-Signature").unwrap().1).unwrap();
    public.verify(string_to_sign.as_bytes(), &signature).expect("the PUT URL's signature verifies");
}

/// IAM refusing to sign is `PermissionDenied`: no URL, and the access token shows nowhere.
#[tokio::test]
async fn a_refused_sign_blob_is_permission_denied() {
    let denied = Reply::json(
        403,
        &json!({"error": {"code": 403, "status": "PERMISSION_DENIED",
                          "message": format!("Permission 'iam.serviceAccounts.signBlob' denied on resource (or it may not exist)."),
                          "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                       "reason": "IAM_PERMISSION_DENIED", "domain": "iam.googleapis.com"}]}}),
    );
    let server = fake_iam(Some(denied)).await;
    let gcs = iam_client(&server);
    let err = gcs.signed_url(PresignMethod::Get, "my-bucket", "k", Duration::from_secs(60)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err:?}");
    assert_eq!(err.http_status(), Some(403));
    assert!(err.message().contains("iam.serviceAccounts.signBlob"), "{err}");
    let shown = format!("{err:?} {err} {gcs:?}");
    assert!(!shown.contains(USER_TOKEN) && !shown.contains("CANARYgcsClientSecret1"), "{shown}");
    let sign_calls = server.requests().iter().filter(|r| r.api_path().ends_with(":signBlob")).count();
    assert_eq!(sign_calls, 1, "a refusal is not retried");
}

/// User credentials name no service account: without a configured one they cannot sign, and
/// nothing is sent.
#[tokio::test]
async fn user_credentials_without_a_signing_account_cannot_sign() {
    let server = fake_iam(None).await;
    let gcs = user_client(&server, |builder| builder);
    assert!(!gcs.can_sign());
    let err = gcs.signed_url(PresignMethod::Get, "my-bucket", "k", Duration::from_secs(60)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn anonymous_clients_cannot_presign_and_bad_expiries_are_refused() {
    let server = LoopbackServer::replies(Vec::new()).await;
    let gcs = client(&server);
    let err = gcs.signed_url(PresignMethod::Get, "bkt", "k", Duration::from_secs(60)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let signing =
        GcsClient::builder().with_service_account_key(include_str!("data/test-service-account.json")).build().unwrap();
    for bad in [Duration::ZERO, Duration::from_secs(7 * 24 * 3600 + 1)] {
        let err = signing.signed_url(PresignMethod::Get, "bkt", "k", bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    assert!(server.requests().is_empty());
}

/// A service account key authenticates every request with a bearer token (a self-signed JWT:
/// no token endpoint is called), which never shows in the client's `Debug` or in errors.
#[tokio::test]
async fn service_account_keys_authenticate_requests() {
    let server = LoopbackServer::replies(vec![Reply::json(
        404,
        &json!({"error": {"code": 404, "message": "No such object: bkt/k", "errors": [{"reason": "notFound"}]}}),
    )])
    .await;
    let gcs = GcsClient::builder()
        .with_service_account_key(include_str!("data/test-service-account.json"))
        .with_endpoint(server.base_url())
        .with_allow_http(true)
        .build()
        .unwrap();
    assert_eq!(gcs.project_id(), Some("cloud-gcp-tests"), "the key's project is the default");
    let err = gcs.head_object("bkt", "k", HeadOptions::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let requests = server.requests();
    let authorization = requests[0].header("authorization").expect("an Authorization header");
    let token = authorization.strip_prefix("Bearer ").expect("a bearer token");
    assert_eq!(token.split('.').count(), 3, "a JWT");
    let shown = format!("{gcs:?} {gcs} {err:?} {err}");
    assert!(!shown.contains(token) && !shown.contains("PRIVATE KEY"), "{shown}");
}

/// A server that answers `objects.get` with an object of 1000 bytes, and its `alt=media` read
/// with the headers and the first 10 bytes, then holds the connection without another byte.
async fn stalling_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                if head.lines().next().is_some_and(|line| line.contains("alt=media")) {
                    let answer =
                        "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 1000\r\n\r\n";
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.write_all(&[b'x'; 10]).await;
                    tokio::time::sleep(Duration::from_secs(60)).await;
                } else {
                    let body = object("o", 1000, None).to_string();
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                }
            });
        }
    });
    url
}

#[tokio::test]
async fn a_stalled_media_body_ends_with_timeout() {
    let gcs = GcsClient::builder()
        .with_endpoint(stalling_server().await)
        .with_allow_http(true)
        .with_anonymous(true)
        .with_project_id("contract-project")
        .with_max_attempts(1)
        .with_read_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let read = gcs.get_object("bkt", "o", GetOptions::default()).await.unwrap();
    let body = tokio::time::timeout(Duration::from_secs(20), read.into_stream().try_collect::<Vec<_>>()).await;
    let err = body.expect("the stalled read ended within 20 s").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(500) && elapsed < Duration::from_secs(5), "{elapsed:?}");
}

/// An object resource at generation `g1` and metageneration `metageneration`, with custom
/// metadata.
fn versioned(metageneration: u32, metadata: serde_json::Value) -> serde_json::Value {
    let mut resource = object("doc.csv", 3, None);
    resource["metageneration"] = json!(metageneration.to_string());
    resource["metadata"] = metadata;
    resource
}

/// Metadata updates carry metageneration preconditions: the first `PATCH` names the
/// metageneration read (3) and succeeds (→ 4); the second names 3 again, which no longer holds,
/// and gets the JSON API's `412`. Reads and deletes carry (not-)match preconditions too.
#[tokio::test]
async fn metadata_updates_and_deletes_carry_metageneration_preconditions() {
    // The server's metageneration: 3, then 4 once a patch went through.
    let metageneration = std::sync::atomic::AtomicU32::new(3);
    let server = LoopbackServer::start(move |request: &Recorded| {
        use std::sync::atomic::Ordering::SeqCst;
        assert_eq!(request.api_path(), "/storage/v1/b/bkt/o/doc.csv");
        let holds = |expected: &str| expected == metageneration.load(SeqCst).to_string();
        let query = |name: &str| request.query_value(name);
        match (request.method.as_str(), query("ifMetagenerationMatch"), query("ifGenerationNotMatch")) {
            ("GET", None, None) => Reply::json(200, &versioned(3, json!({"draft": "yes"}))),
            // The object is still generation …001: "not match" fails, answered 304.
            ("GET", None, Some("1700000000000001")) => reply(304),
            ("PATCH", Some(m), None) if holds(m) => {
                metageneration.store(4, SeqCst);
                assert_eq!(query("ifGenerationMatch"), Some("1700000000000001"));
                assert_eq!(request.header("content-type"), Some("application/json"));
                assert_eq!(
                    request.json().unwrap(),
                    json!({"contentType": "text/csv", "metadata": {"reviewed-by": "ana", "draft": null}})
                );
                Reply::json(200, &versioned(4, json!({"reviewed-by": "ana"})))
            }
            ("DELETE", Some(m), None) if holds(m) => {
                assert_eq!(query("ifGenerationMatch"), Some("1700000000000001"));
                reply(204)
            }
            ("PATCH" | "DELETE", Some(_), None) => precondition_failed(),
            other => panic!("unexpected request {other:?}"),
        }
    })
    .await;
    let gcs = client(&server);
    let current = gcs.describe_object("bkt", "doc.csv", GcsPreconditions::new()).await.unwrap();
    assert_eq!((current.generation, current.metageneration), (1_700_000_000_000_001, 3));
    assert_eq!(current.meta.etag.as_deref(), Some("1700000000000001"));
    let guard = GcsPreconditions::new()
        .with_if_generation_match(current.generation)
        .with_if_metageneration_match(current.metageneration);
    let patch = MetadataPatch::new()
        .with_content_type("text/csv")
        .with_metadata("reviewed-by", "ana")
        .without_metadata("draft");
    let updated = gcs.update_object_metadata("bkt", "doc.csv", &patch, guard).await.unwrap();
    assert_eq!((updated.generation, updated.metageneration), (current.generation, 4));
    assert_eq!(updated.meta.metadata.get("reviewed-by").map(String::as_str), Some("ana"));
    assert!(!updated.meta.metadata.contains_key("draft"));
    // The same guard again: someone (this client) changed the metadata meanwhile.
    let err = gcs.update_object_metadata("bkt", "doc.csv", &patch, guard).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::PreconditionFailed, Some(412)), "{err:?}");
    let unchanged = GcsPreconditions::new().with_if_generation_not_match(current.generation);
    let err = gcs.describe_object("bkt", "doc.csv", unchanged).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotModified);
    // Deleting the version read, at the metageneration read: stale → 412, current → deleted.
    let stale = GcsPreconditions::new().with_if_generation_match(current.generation).with_if_metageneration_match(3);
    assert_eq!(
        gcs.delete_object_with("bkt", "doc.csv", stale).await.unwrap_err().kind(),
        ErrorKind::PreconditionFailed
    );
    gcs.delete_object_with("bkt", "doc.csv", stale.with_if_metageneration_match(4)).await.unwrap();
    let calls: Vec<(String, Option<String>)> = server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.query_value("ifMetagenerationMatch").map(str::to_owned)))
        .collect();
    let expected = [
        ("GET", None),
        ("PATCH", Some("3")),
        ("PATCH", Some("3")),
        ("GET", None),
        ("DELETE", Some("3")),
        ("DELETE", Some("4")),
    ];
    assert_eq!(calls, expected.map(|(m, q)| (m.to_owned(), q.map(str::to_owned))), "a 412 is not retried");
}

/// Bad preconditions and empty or invalid patches are refused before anything is sent; so are
/// preconditions on an emulator, which would ignore them.
#[tokio::test]
async fn bad_preconditions_and_patches_are_refused_before_sending() {
    let server = LoopbackServer::replies(Vec::new()).await;
    let gcs = client(&server);
    let patch = MetadataPatch::new().with_metadata("k", "v");
    let bad = GcsPreconditions::new().with_if_metageneration_match(0);
    let err = gcs.update_object_metadata("bkt", "o", &patch, bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = gcs.update_object_metadata("bkt", "o", &MetadataPatch::new(), GcsPreconditions::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = gcs
        .update_object_metadata(
            "bkt",
            "o",
            &MetadataPatch::new().with_metadata("Not A Key", "v"),
            GcsPreconditions::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err =
        gcs.delete_object_with("bkt", "o", GcsPreconditions::new().with_if_generation_match(-1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let emulated = builder(&server).with_emulator(true).build().unwrap();
    let guard = GcsPreconditions::new().with_if_metageneration_match(1);
    let err = emulated.update_object_metadata("bkt", "o", &patch, guard).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(server.requests().is_empty());
}

/// The answer to the last chunk is lost and the service no longer knows the session; the object
/// does not hold what was sent (here: there is none), so the upload did not complete. That is a
/// `Service` failure of the upload, not `NotFound`, and nothing is sent again in a new session.
#[tokio::test]
async fn a_forgotten_session_without_the_object_is_a_failed_upload_not_a_missing_object() {
    let total = 300 * 1024;
    let server = LoopbackServer::start(move |request: &Recorded| {
        let range = request.header("content-range").map(str::to_owned);
        match (request.method.as_str(), range.as_deref()) {
            ("POST", None) => reply(200).with_header(
                "location",
                &format!(
                    "http://{}{BASE_PATH}/upload/storage/v1/b/bkt/o?uploadType=resumable&upload_id=s4",
                    request.header("host").unwrap()
                ),
            ),
            ("PUT", Some("bytes 0-262143/*")) => reply(308).with_header("range", "bytes=0-262143"),
            // The last chunk: its answer is "lost" (a retryable failure), the session then unknown.
            ("PUT", Some(r)) if r == format!("bytes 262144-{}/{total}", total - 1) => reply(503),
            ("PUT", Some(r)) if r == format!("bytes */{total}") => reply(404),
            ("GET", None) => {
                assert_eq!(request.api_path(), "/storage/v1/b/bkt/o/x");
                Reply::json(404, &json!({"error": {"code": 404, "message": "No such object: bkt/x"}}))
            }
            ("DELETE", None) => reply(404),
            other => panic!("unexpected request {other:?}"),
        }
    })
    .await;
    let gcs = client(&server);
    let err = gcs.upload_blob("bkt", "x", vec![5_u8; total], None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service, "{err:?}");
    assert!(err.message().contains("did not complete"), "{err}");
    let methods: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "PUT", "PUT", "PUT", "GET", "DELETE"]);
}
