//! What small operations cost on the wire: a `cloud_faults::FaultProxy` in front of s3s-fs
//! records every request and connection, so the requests of each operation are pinned (one PUT
//! per small put, one GET per small get or download, no HEAD before either, one listing request
//! per page) and the connections are reused, as with the raw SDK. The per-operation
//! benchmark (`cargo xtask bench --only small`) measures the time; this proves nothing is added.

use std::path::Path;

use cloud_aws::S3Client;
use cloud_core::StorageClientExt;
use cloud_core::storage::{ListOptions, PutOptions};
use cloud_faults::{FaultProxy, Request};
use futures::TryStreamExt;

#[allow(dead_code)]
mod support;

use support::{S3S, Server};

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
    for put in bodies {
        assert_eq!(put.header("x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"), "{put:#?}");
        assert!(put.header("content-md5").is_some(), "{put:#?}");
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
