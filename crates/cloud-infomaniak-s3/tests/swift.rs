//! Integration tests through the Infomaniak preset against Swift's `s3api` on 127.0.0.1: the
//! Python client's conveniences, batch deletes (which s3api accepts only with a Content-MD5), presigned
//! URLs over plain HTTP, multipart uploads and their abort, and error kinds.

use std::time::Duration;

use bytes::Bytes;
use cloud_core::conformance::{fingerprint_stream, pattern_bytes, pattern_stream};
use cloud_core::storage::{GetOptions, PresignMethod, PutOptions, PutPayload};
use cloud_core::{CloudProvider, Error, ErrorKind, StorageClient, StorageClientExt};
use futures::stream::{self, StreamExt, TryStreamExt};

#[allow(dead_code)]
mod support;

use support::Swift;

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread")]
async fn compatibility_conveniences_round_trip() {
    let swift = Swift::get();
    let s3 = swift.client();
    assert!(s3.bucket_exists(&swift.bucket).await.expect("bucket_exists"));
    assert!(!s3.bucket_exists("no-such-bucket-cloud-test").await.expect("bucket_exists"));
    let key = swift.unique_key("data.json");
    s3.upload_data(&swift.bucket, &key, &b"{\"a\":1}"[..], Some("application/json")).await.expect("upload_data");
    assert_eq!(s3.download_data(&swift.bucket, &key).await.expect("download_data"), &b"{\"a\":1}"[..]);
    let meta = s3.get_metadata(&swift.bucket, &key).await.expect("get_metadata");
    assert_eq!(meta.size, 7);
    assert_eq!(meta.content_type.as_deref(), Some("application/json"));
    s3.delete(&swift.bucket, &key).await.expect("delete");
    let err = s3.download_data(&swift.bucket, &key).await.expect_err("deleted");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.provider(), Some(CloudProvider::Infomaniak), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_prefix_sends_batches_swift_accepts() {
    let swift = Swift::get();
    let s3 = swift.client();
    let prefix = swift.unique_key("");
    let keys: Vec<String> = (0..1_003).map(|i| format!("{prefix}k{i:05}")).collect();
    stream::iter(keys.iter().cloned())
        .map(|key| {
            let s3 = s3.clone();
            let bucket = swift.bucket.clone();
            async move { s3.put_bytes(&bucket, &key, "x").await }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .expect("puts");
    // Two DeleteObjects requests (1,000 + 3 keys), each with the Content-MD5 s3api requires.
    assert_eq!(s3.s3().delete_prefix(&swift.bucket, &prefix).await.expect("delete_prefix"), 1_003);
    assert!(s3.list_keys(&swift.bucket, &prefix).await.expect("list").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn presigned_put_then_get_over_plain_http() {
    let swift = Swift::get();
    let s3 = swift.client();
    let key = swift.unique_key("shared file.txt");
    let body = Bytes::from_static(b"through a presigned URL");
    let http = reqwest::Client::new();

    let put = s3
        .generate_presigned_url(&swift.bucket, &key, Duration::from_secs(300), PresignMethod::Put)
        .await
        .expect("presign PUT");
    let mut request = http.put(put.url.clone()).body(body.clone());
    for (name, value) in &put.headers {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("PUT");
    assert!(response.status().is_success(), "presigned PUT: {}", response.status());

    let get = s3
        .generate_presigned_url(&swift.bucket, &key, Duration::from_secs(300), PresignMethod::Get)
        .await
        .expect("presign GET");
    let response = http.get(get.url.clone()).send().await.expect("GET");
    assert!(response.status().is_success(), "presigned GET: {}", response.status());
    assert_eq!(response.bytes().await.expect("body"), body);

    // A tampered signature is refused.
    let tampered = get.url.as_str().replace("X-Amz-Signature=", "X-Amz-Signature=0");
    let response = http.get(tampered).send().await.expect("GET tampered");
    assert_eq!(response.status().as_u16(), 403);
    s3.delete(&swift.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn multipart_upload_of_unknown_length() {
    let swift = Swift::get();
    let s3 = swift.client();
    let key = swift.unique_key("40mib.bin");
    let size = 40 * MIB;
    let (payload, sent) = pattern_stream(11, size, 256 * 1024, false);
    let put = s3.put_object(&swift.bucket, &key, payload, PutOptions::default()).await.expect("put");
    assert_eq!(put.size, Some(size));
    let etag = put.etag.expect("etag");
    assert!(etag.ends_with("-5"), "expected a 5-part multipart ETag, got {etag}");
    let got = s3.get_object(&swift.bucket, &key, GetOptions::default()).await.expect("get");
    assert_eq!(got.meta.size, size);
    assert_eq!(fingerprint_stream(got.into_stream()).await.expect("read"), sent.fingerprint());
    s3.delete(&swift.bucket, &key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_failure_mid_upload_leaves_no_multipart_upload() {
    let swift = Swift::get();
    let s3 = swift.client();
    let key = swift.unique_key("fails.bin");
    let chunks = (0..20).map(|i| Ok(pattern_bytes(i, 1 << 20)));
    let failure = stream::once(async { Err(Error::new(ErrorKind::Unexpected, "injected failure")) });
    let payload = PutPayload::from_stream(stream::iter(chunks).chain(failure).boxed(), None);
    let err = s3.put_object(&swift.bucket, &key, payload, PutOptions::default()).await.expect_err("must fail");
    assert!(err.to_string().contains("injected failure"), "{err}");
    let uploads = s3
        .s3()
        .sdk_client()
        .list_multipart_uploads()
        .bucket(&swift.bucket)
        .prefix(&key)
        .send()
        .await
        .expect("ListMultipartUploads");
    assert!(uploads.uploads().is_empty(), "uploads left open: {:?}", uploads.uploads());
    assert_eq!(s3.head(&swift.bucket, &key).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_secret_is_unauthenticated_and_missing_key_not_found() {
    let swift = Swift::get();
    let bad =
        swift.builder().with_credentials(&swift.access_key_id, "CANARYwrongTempauthKey4Gy").build().expect("client");
    let err = bad.put_bytes(&swift.bucket, &swift.unique_key("x"), "x").await.expect_err("wrong secret");
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert_eq!(bad.bucket_exists(&swift.bucket).await.unwrap_err().kind(), ErrorKind::Unauthenticated);

    let s3 = swift.client();
    let err = s3.get_object(&swift.bucket, &swift.unique_key("absent"), GetOptions::default()).await.expect_err("get");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.request_id().is_some(), "s3api gives request ids: {err:?}");
}
