//! The same application code runs on every backend a URL can name: a round trip through
//! `cloud::storage::open_async` on a directory, in memory and (with its feature) on the local
//! OpenStack's Swift, started by `cargo xtask emulators up openstack-core`, and on Azurite, started
//! by `cargo xtask emulators up azure`.

use cloud::StorageClientExt;
use cloud::storage::{ListOptions, PutOptions, StorageLocation, open_async};
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

#[tokio::test]
async fn file_urls_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let url = url::Url::from_directory_path(dir.path()).unwrap();
    round_trip(&open_async(url.as_str()).await.unwrap(), "urls-test").await;
}

#[tokio::test]
async fn memory_urls_round_trip() {
    round_trip(&open_async("memory://urls-test/some/prefix/").await.unwrap(), "unused").await;
}

#[cfg(feature = "infomaniak-openstack")]
#[tokio::test]
async fn swift_urls_round_trip() {
    assert!(
        std::env::var_os("OS_CLOUD").is_some(),
        "OS_CLOUD is not set: run `cargo xtask emulators up openstack-core` and `eval \"$(cargo xtask emulators env)\"`"
    );
    let location = open_async("swift://cloud-facade-urls/prefix/").await.unwrap();
    assert_eq!(location.client.provider(), cloud::CloudProvider::Infomaniak);
    round_trip(&location, "unused").await;
    location.client.delete_bucket("cloud-facade-urls").await.unwrap();
}

#[cfg(feature = "azure")]
#[tokio::test]
async fn azure_urls_round_trip() {
    assert!(
        std::env::var_os("AZURE_STORAGE_CONNECTION_STRING").is_some(),
        "AZURE_STORAGE_CONNECTION_STRING is not set: run `cargo xtask emulators up azure` and `eval \"$(cargo xtask emulators env)\"`"
    );
    let location = open_async("az://cloud-facade-urls/prefix/").await.unwrap();
    assert_eq!(location.client.provider(), cloud::CloudProvider::Azure);
    round_trip(&location, "unused").await;
    location.client.delete_bucket("cloud-facade-urls").await.unwrap();
}

#[cfg(feature = "gcp")]
#[tokio::test]
async fn gs_urls_round_trip() {
    let host = std::env::var("STORAGE_EMULATOR_HOST").unwrap_or_default();
    assert!(
        !host.is_empty(),
        "STORAGE_EMULATOR_HOST is not set: run `cargo xtask emulators up gcs` and `eval \"$(cargo xtask emulators env)\"`"
    );
    let bucket =
        std::env::var("CLOUD_TEST_GCS_BUCKET").expect("CLOUD_TEST_GCS_BUCKET (from `cargo xtask emulators env`)");
    let location = open_async(&format!("gs://{bucket}/facade/?project_id=cloud-test")).await.unwrap();
    assert_eq!(location.client.provider(), cloud::CloudProvider::Gcp);
    round_trip(&location, "unused").await;
}

#[cfg(feature = "infomaniak-openstack")]
#[test]
fn swift_urls_need_the_async_open() {
    let err = cloud::storage::open("swift://container/").unwrap_err();
    assert_eq!(err.kind(), cloud::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("open_async"));
}
