//! What small operations cost on the wire: a `cloud_faults::FaultProxy` in front of s3s-fs
//! records every request and connection, so the requests of each operation are pinned (one PUT
//! per small put, one GET per small get or download, no HEAD before either, one listing request
//! per page) and the connections are reused, as with the raw SDK. The per-operation
//! benchmark (`cargo xtask bench --only small`) measures the time; this proves nothing is added.

use std::path::Path;

use cloud_aws::{S3Client, UploadChecksum};
use cloud_core::StorageClientExt;
use cloud_core::storage::{ListOptions, PutOptions};
use cloud_faults::{Fault, FaultProxy, Request, Rule};
use futures::TryStreamExt;

#[allow(dead_code)]
mod support;

use support::{MOTO, S3S, Server};

/// Objects per scenario.
const N: usize = 12;

fn summary(requests: &[Request]) -> Vec<String> {
    requests.iter().map(|r| format!("{} {}", r.method, r.target)).collect()
}

/// The server, a proxy in front of it, and a client of the proxy.
async fn proxied() -> (Server, FaultProxy, S3Client) {
    let server = Server::get(S3S);
    let proxy = FaultProxy::in_front_of(&server.endpoint).await.expect("start the proxy");
    let client = server.builder().with_endpoint(proxy.url()).build().expect("client");
    (server, proxy, client)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_put_or_get_is_one_request_on_reused_connections() {
    let (server, proxy, client) = proxied().await;
    let prefix = server.unique_key("small/");
    let body = bytes::Bytes::from(vec![7u8; 1024]);
    for i in 0..N {
        client.put_bytes(&server.bucket, &format!("{prefix}{i}"), body.clone()).await.expect("put");
    }
    for i in 0..N {
        let got = client.get_bytes(&server.bucket, &format!("{prefix}{i}")).await.expect("get");
        assert_eq!(got, body);
    }
    let requests = proxy.requests();
    let expected: Vec<String> = (0..N)
        .map(|i| format!("PUT /{}/{prefix}{i}?x-id=PutObject", server.bucket))
        .chain((0..N).map(|i| format!("GET /{}/{prefix}{i}?x-id=GetObject", server.bucket)))
        .collect();
    assert_eq!(summary(&requests), expected);
    assert!(requests.iter().all(|r| r.header("amz-sdk-request") == Some("attempt=1; max=3")), "no request repeated");
    // Every PUT carries our Content-MD5 and no checksum of the SDK's.
    for put in requests.iter().filter(|r| r.method == "PUT") {
        assert_eq!(put.header("content-md5"), Some("JUp3JTBkE9Ko45rQX/oBig=="), "{put:#?}");
        assert!(put.headers.iter().all(|(name, _)| !name.starts_with("x-amz-checksum")), "{put:#?}");
        assert!(put.header("x-amz-sdk-checksum-algorithm").is_none(), "{put:#?}");
    }
    // A client built per call would open a connection per request. hyper may open a second one
    // when a request starts before the previous answer's connection went back to its pool.
    assert!(proxy.connections_accepted() <= 2, "{} connections for {} requests", proxy.connections_accepted(), 2 * N);
    client.delete_prefix(&server.bucket, &prefix).await.expect("clean up");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_file_goes_up_and_down_in_one_request_each() {
    let (server, proxy, client) = proxied().await;
    let key = server.unique_key("file.bin");
    let dir = tempfile::tempdir().expect("temp dir");
    let (src, dst) = (dir.path().join("src.bin"), dir.path().join("dst.bin"));
    std::fs::write(&src, vec![9u8; 4096]).expect("write the source");
    client.upload_file(&server.bucket, &key, &src, PutOptions::default()).await.expect("upload");
    let meta = client.download_file(&server.bucket, &key, Path::new(&dst)).await.expect("download");
    assert_eq!(meta.size, 4096);
    assert_eq!(std::fs::read(&dst).expect("read the download"), vec![9u8; 4096]);
    let methods: Vec<String> = proxy.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["PUT", "GET"], "{:#?}", summary(&proxy.requests()));
    assert!(proxy.connections_accepted() <= 2);
    client.delete_prefix(&server.bucket, &key).await.expect("clean up");
}

#[tokio::test(flavor = "multi_thread")]
async fn large_bodies_go_unsigned_with_a_signed_content_md5() {
    let (server, proxy, client) = proxied().await;
    let key = server.unique_key("large.bin");
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src.bin");
    // Two parts at the smallest part size S3 accepts: the multipart path.
    let body: Vec<u8> = (0..10u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(&src, &body).expect("write the source");
    let small = server.builder().with_endpoint(proxy.url()).with_part_size(5 << 20).build().expect("client");
    small.upload_file(&server.bucket, &key, &src, PutOptions::default()).await.expect("upload");
    client
        .put_bytes(&server.bucket, &format!("{key}.single"), bytes::Bytes::from(vec![3u8; 1 << 20]))
        .await
        .expect("put");
    let requests = proxy.requests();
    let bodies: Vec<&Request> = requests.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(bodies.len(), 3, "two parts and one single put: {:#?}", summary(&requests));
    let create = requests.iter().find(|r| is_create(r)).expect("a multipart upload");
    assert!(create.headers.iter().all(|(name, _)| !name.starts_with("x-amz-checksum")), "{create:#?}");
    for put in bodies {
        assert_eq!(put.header("x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"), "{put:#?}");
        assert!(put.header("content-md5").is_some(), "{put:#?}");
        assert!(put.headers.iter().all(|(name, _)| !name.starts_with("x-amz-checksum")), "{put:#?}");
        let authorization = put.header("authorization").expect("a signed request");
        assert!(authorization.contains("content-md5"), "Content-MD5 is among the signed headers: {authorization}");
    }
    let got = client.get_bytes(&server.bucket, &key).await.expect("read back");
    assert!(got == body.as_slice(), "the object read back differs");
    client.delete_prefix(&server.bucket, &key).await.expect("clean up");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listing_is_one_request_per_page() {
    let (server, proxy, client) = proxied().await;
    let prefix = server.unique_key("list/");
    for i in 0..N {
        server.client().put_bytes(&server.bucket, &format!("{prefix}{i:02}"), "x").await.expect("seed");
    }
    let listed: Vec<_> = client
        .list_objects(&server.bucket, ListOptions::default().with_prefix(&prefix).with_page_size(5))
        .try_collect()
        .await
        .expect("list");
    assert_eq!(listed.len(), N);
    let requests = proxy.requests();
    assert_eq!(requests.len(), N.div_ceil(5), "{:#?}", summary(&requests));
    assert!(
        requests.iter().all(|r| r.method == "GET" && r.query().contains("list-type=2")),
        "{:#?}",
        summary(&requests)
    );
    assert!(proxy.connections_accepted() <= 2);
    client.delete_prefix(&server.bucket, &prefix).await.expect("clean up");
}

/// CRC-32C (Castagnoli, reflected, as S3 and iSCSI use it), bit by bit: independent of the
/// table-driven and hardware code the client uses.
fn crc32c_bitwise(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

/// An `x-amz-checksum-crc32c` value: big-endian, base64.
fn crc32c_header(crc: u32) -> String {
    aws_smithy_types::base64::encode(crc.to_be_bytes())
}

fn is_create(r: &Request) -> bool {
    r.method == "POST" && r.query().split('&').any(|p| p == "uploads" || p == "uploads=")
}

fn is_complete(r: &Request) -> bool {
    r.method == "POST" && r.query().contains("uploadId=")
}

/// The bytes of `crc32c_upload`'s multipart object.
fn crc32c_body() -> Vec<u8> {
    (0..10u32 << 20).map(|i| (i % 251) as u8).collect()
}

/// Two 5 MiB parts, then one 1 MiB single put, through a client with CRC32C checksums; returns
/// the requests, after checking the object reads back whole.
async fn crc32c_upload(server: &Server, proxy: &FaultProxy, key: &str) -> Vec<Request> {
    let client = server
        .builder()
        .with_endpoint(proxy.url())
        .with_part_size(5 << 20)
        .with_upload_checksum(UploadChecksum::Crc32c)
        .build()
        .expect("client");
    let body = crc32c_body();
    client.put_bytes(&server.bucket, key, bytes::Bytes::from(body.clone())).await.expect("multipart upload");
    client.put_bytes(&server.bucket, &format!("{key}.single"), vec![3u8; 1 << 20]).await.expect("single put");
    let requests = proxy.take_requests();
    let got = server.client().get_bytes(&server.bucket, key).await.expect("read back");
    assert!(got == body.as_slice(), "the object read back differs");
    requests
}

#[tokio::test(flavor = "multi_thread")]
async fn crc32c_uploads_carry_each_bodys_crc32c_instead_of_content_md5() {
    let (server, proxy, _) = proxied().await;
    let key = server.unique_key("crc32c.bin");
    let requests = crc32c_upload(&server, &proxy, &key).await;
    let create = requests.iter().find(|r| is_create(r)).expect("a multipart upload");
    assert_eq!(create.header("x-amz-checksum-algorithm"), Some("CRC32C"), "{create:#?}");
    assert_eq!(create.header("x-amz-checksum-type"), Some("FULL_OBJECT"), "{create:#?}");
    let puts: Vec<&Request> = requests.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 3, "two parts and one single put: {:#?}", summary(&requests));
    let body = crc32c_body();
    for put in puts {
        assert!(put.header("content-md5").is_none(), "no MD5 is computed: {put:#?}");
        assert_eq!(put.header("x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"), "{put:#?}");
        let authorization = put.header("authorization").expect("a signed request");
        assert!(authorization.contains("x-amz-checksum-crc32c"), "the checksum is signed: {authorization}");
        // Each request carries the CRC32C of its own bytes: part N of the body, or the single put.
        let part = put.query().split('&').find_map(|p| p.strip_prefix("partNumber=")).map(|n| n.parse::<usize>());
        let bytes = match part {
            Some(n) => {
                let n = n.expect("a part number");
                body[(n - 1) * (5 << 20)..n * (5 << 20)].to_vec()
            }
            None => vec![3u8; 1 << 20],
        };
        assert_eq!(
            put.header("x-amz-checksum-crc32c"),
            Some(crc32c_header(crc32c_bitwise(&bytes)).as_str()),
            "{put:#?}"
        );
    }
    server.client().delete_prefix(&server.bucket, &key).await.expect("clean up");
}

#[tokio::test(flavor = "multi_thread")]
async fn part_checksums_are_listed_only_when_the_server_confirmed_the_algorithm() {
    // s3s-fs does not answer the create with `x-amz-checksum-algorithm` (Swift's s3api neither,
    // and it refuses checksums in the complete); Amazon S3 does, and then requires them.
    let (server, proxy, _) = proxied().await;
    let key = server.unique_key("crc32c-list.bin");
    let silent = crc32c_upload(&server, &proxy, &key).await;
    proxy.add(Rule::new(is_create, Fault::SetHeader("x-amz-checksum-algorithm".into(), "CRC32C".into())).times(1));
    let confirmed = crc32c_upload(&server, &proxy, &key).await;
    let complete = |requests: &[Request]| requests.iter().find(|r| is_complete(r)).expect("a complete").clone();
    let (silent, confirmed) = (complete(&silent), complete(&confirmed));
    // The same two parts, listed with one `<ChecksumCRC32C>` of 8 base64 characters each (their
    // values are checked by `upload::tests`), and the whole object's CRC32C in a header.
    let element = "<ChecksumCRC32C>AAAAAA==</ChecksumCRC32C>".len();
    assert_eq!(confirmed.body_len, silent.body_len + 2 * element);
    let whole = crc32c_header(crc32c_bitwise(&crc32c_body()));
    assert_eq!(confirmed.header("x-amz-checksum-crc32c"), Some(whole.as_str()), "{confirmed:#?}");
    assert_eq!(confirmed.header("x-amz-checksum-type"), Some("FULL_OBJECT"), "{confirmed:#?}");
    assert!(silent.headers.iter().all(|(name, _)| !name.starts_with("x-amz-checksum")), "{silent:#?}");
    server.client().delete_prefix(&server.bucket, &key).await.expect("clean up");
}

#[tokio::test(flavor = "multi_thread")]
async fn crc32c_multipart_uploads_complete_on_a_server_that_confirms_the_algorithm() {
    // moto confirms CRC32C at the create, so the complete lists every part's checksum and the
    // whole object's.
    let server = Server::get(MOTO);
    let proxy = FaultProxy::in_front_of(&server.endpoint).await.expect("start the proxy");
    let key = server.unique_key("crc32c-moto.bin");
    let requests = crc32c_upload(&server, &proxy, &key).await;
    let complete = requests.iter().find(|r| is_complete(r)).expect("a complete");
    let whole = crc32c_header(crc32c_bitwise(&crc32c_body()));
    assert_eq!(complete.header("x-amz-checksum-crc32c"), Some(whole.as_str()), "{complete:#?}");
    // The object keeps one CRC32C of all its bytes, which a download can check (a checksum of
    // the parts' checksums, S3's default for CRC32C, could not be).
    let head = server
        .client()
        .sdk_client()
        .head_object()
        .bucket(&server.bucket)
        .key(&key)
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .expect("HeadObject");
    assert_eq!(head.checksum_crc32_c(), Some(whole.as_str()));
    assert_eq!(head.checksum_type(), Some(&aws_sdk_s3::types::ChecksumType::FullObject));
    server.client().delete_prefix(&server.bucket, &key).await.expect("clean up");
}
