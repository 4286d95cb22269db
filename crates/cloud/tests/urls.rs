//! The same application code runs on every backend a URL can name: a round trip through the
//! facade's synchronous `cloud::storage::open` (or `open_with`, where the program must give a test
//! server's endpoint) on a directory, in memory and, with their features, on the real local servers
//! that `cargo xtask emulators up s3 azure gcs openstack-core` starts: s3s-fs and moto (`s3://`),
//! Azurite (`az://`, `azure://`), the GCS emulator (`gs://`), Keystone and Swift (`swift://`) and
//! Swift's S3 API (`infomaniak-s3://`). A missing server fails the test.

use cloud::StorageClientExt;
use cloud::storage::{ListOptions, PutOptions, StorageLocation, open};
use futures::TryStreamExt;

/// Upload, list, head, download, delete under the URL's bucket and prefix.
async fn round_trip(location: &StorageLocation, default_bucket: &str) {
    let store = &location.client;
    let bucket = location.bucket_or(default_bucket);
    store.ensure_bucket(bucket).await.unwrap();
    let run = format!("urls-{}/", std::process::id());
    let key = location.key(&format!("{run}hello.txt"));
    let options = PutOptions::default().with_content_type("text/plain").with_metadata("origin", "urls-test");
    store.put_object(bucket, &key, "hello, every cloud".into(), options).await.unwrap();

    let listed: Vec<_> =
        store.list_objects(bucket, ListOptions::default().with_prefix(location.key(&run))).try_collect().await.unwrap();
    assert_eq!(listed.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(), [key.as_str()], "{store}");
    let meta = store.head(bucket, &key).await.unwrap();
    assert_eq!(meta.size, 18);
    assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
    assert_eq!(meta.metadata.get("origin").map(String::as_str), Some("urls-test"));
    assert_eq!(store.get_bytes(bucket, &key).await.unwrap(), "hello, every cloud");
    assert_eq!(store.delete_prefix(bucket, &location.key(&run)).await.unwrap(), 1);
    assert_eq!(store.head(bucket, &key).await.unwrap_err().kind(), cloud::ErrorKind::NotFound);
}

/// A variable `cargo xtask emulators env` prints; its absence fails the test, naming the server.
#[allow(dead_code, reason = "used by the provider features' tests")]
fn var(name: &str, server: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!("{name} is not set: run `cargo xtask emulators up {server}` and `eval \"$(cargo xtask emulators env)\"`")
    })
}

#[tokio::test]
async fn file_urls_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let url = url::Url::from_directory_path(dir.path()).unwrap();
    round_trip(&open(url.as_str()).unwrap(), "urls-test").await;
}

#[tokio::test]
async fn memory_urls_round_trip() {
    round_trip(&open("memory://urls-test/some/prefix/").unwrap(), "unused").await;
}

/// `s3://` on one S3 server whose settings `cargo xtask emulators env` gives under `CLOUD_TEST_<server>_*`.
#[cfg(feature = "aws")]
async fn s3_round_trip(server: &str) {
    let setting = |name: &str| var(&format!("CLOUD_TEST_{server}_{name}"), "s3");
    let bucket = setting("BUCKET");
    let location = cloud::storage::open_with(
        &format!("s3://{bucket}/facade/?region={}", setting("REGION")),
        [
            ("endpoint", setting("ENDPOINT")),
            ("allow_http", "true".to_owned()),
            ("access_key_id", setting("ACCESS_KEY_ID")),
            ("secret_access_key", setting("SECRET_ACCESS_KEY")),
        ],
    )
    .unwrap();
    assert_eq!(location.client.provider(), cloud::CloudProvider::Aws);
    assert_eq!(location.bucket.as_deref(), Some(bucket.as_str()));
    round_trip(&location, "unused").await;
}

#[cfg(feature = "aws")]
#[tokio::test]
async fn s3_urls_round_trip_on_s3s_fs() {
    s3_round_trip("S3S").await;
}

#[cfg(feature = "aws")]
#[tokio::test]
async fn s3_urls_round_trip_on_moto() {
    s3_round_trip("MOTO").await;
}

#[cfg(feature = "azure")]
#[tokio::test]
async fn azure_urls_round_trip_on_azurite() {
    // Azurite's connection string is in AZURE_STORAGE_CONNECTION_STRING: the environment alone.
    var("AZURE_STORAGE_CONNECTION_STRING", "azure");
    for (scheme, container) in [("az", "cloud-facade-az"), ("azure", "cloud-facade-azure")] {
        let location = open(&format!("{scheme}://{container}/prefix/")).unwrap();
        assert_eq!(location.client.provider(), cloud::CloudProvider::Azure);
        round_trip(&location, "unused").await;
        location.client.delete_bucket(container).await.unwrap();
    }
}

#[cfg(feature = "gcp")]
#[tokio::test]
async fn gs_urls_round_trip_on_the_gcs_emulator() {
    // STORAGE_EMULATOR_HOST in the environment points every Google client at the emulator.
    var("STORAGE_EMULATOR_HOST", "gcs");
    let bucket = var("CLOUD_TEST_GCS_BUCKET", "gcs");
    let location =
        cloud::storage::open_with(&format!("gs://{bucket}/facade/"), [("project_id", "cloud-test")]).unwrap();
    assert_eq!(location.client.provider(), cloud::CloudProvider::Gcp);
    round_trip(&location, "unused").await;
}

#[cfg(feature = "infomaniak-openstack")]
#[tokio::test]
async fn swift_urls_open_synchronously_and_log_in_on_first_use() {
    // OS_CLOUD and OS_CLIENT_CONFIG_FILE name the test cloud of the local Keystone.
    var("OS_CLOUD", "openstack-core");
    let location = open("swift://cloud-facade-urls/prefix/").unwrap();
    assert_eq!(location.client.provider(), cloud::CloudProvider::Infomaniak);
    assert!(location.client.to_string().contains("not connected yet"), "{}", location.client);
    round_trip(&location, "unused").await;
    assert!(location.client.to_string().starts_with("swift ("), "{}", location.client);
    location.client.delete_bucket("cloud-facade-urls").await.unwrap();
}

#[cfg(feature = "infomaniak-openstack")]
#[tokio::test]
async fn swift_urls_log_in_at_once_through_open_async() {
    var("OS_CLOUD", "openstack-core");
    let location = cloud::storage::open_async("swift://cloud-facade-async/").await.unwrap();
    assert!(!location.client.to_string().contains("not connected yet"), "{}", location.client);
    round_trip(&location, "unused").await;
    location.client.delete_bucket("cloud-facade-async").await.unwrap();
}

#[cfg(feature = "infomaniak-s3")]
#[tokio::test]
async fn infomaniak_s3_urls_round_trip_on_swift_s3api() {
    // Swift's s3api is the software behind Infomaniak's S3; the program gives the local endpoint.
    let setting = |name: &str| var(&format!("CLOUD_TEST_SWIFT_S3_{name}"), "openstack-core");
    let bucket = setting("BUCKET");
    let location = cloud::storage::open_with(
        &format!("infomaniak-s3://{bucket}/facade/"),
        [
            ("endpoint", setting("ENDPOINT")),
            ("allow_http", "true".to_owned()),
            ("signing_region", setting("REGION")),
            ("access_key", setting("ACCESS_KEY_ID")),
            ("secret_key", setting("SECRET_ACCESS_KEY")),
        ],
    )
    .unwrap();
    assert_eq!(location.client.provider(), cloud::CloudProvider::Infomaniak);
    assert!(
        location.client.to_string().starts_with("InfomaniakS3Client(dc3-a, http://127.0.0.1:"),
        "{}",
        location.client
    );
    round_trip(&location, "unused").await;
}
