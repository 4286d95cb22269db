//! The resource view (`InfomaniakResources`, a `cloud_core::CloudClient`) on the local OpenStack:
//! volumes and containers created, listed, found, deleted; unsupported types refused.

mod common;

use std::time::Duration;

use cloud_core::{CloudClient, CloudProvider, ErrorKind, ResourceType};
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(180);

#[tokio::test]
async fn volumes_and_containers_through_the_resource_view() {
    common::require_service("volumev3");
    common::require_service("object-store");
    let session = common::session().await;
    let resources = session.resources();
    assert_eq!(resources.provider(), CloudProvider::Infomaniak);
    let volume_name = common::name("cloud-test-resvol");
    let container_name = common::name("cloud-test-rescont");

    let volume = resources
        .create_resource(&volume_name, ResourceType::Storage, json!({"kind": "volume", "size_gb": 1, "wait_secs": 180}))
        .await
        .unwrap();
    assert_eq!((volume.name.as_str(), volume.resource_type), (volume_name.as_str(), ResourceType::Storage));
    assert_eq!(volume.status, "available");
    assert_eq!((volume.metadata["kind"].clone(), volume.metadata["size_gb"].clone()), (json!("volume"), json!(1)));
    assert_eq!(volume.region, common::var("CLOUD_TEST_OS_REGION"));
    assert!(volume.created_at.is_some());
    let container =
        resources.create_resource(&container_name, ResourceType::Storage, json!({"kind": "container"})).await.unwrap();
    assert_eq!((container.id.as_str(), container.name.as_str()), (container_name.as_str(), container_name.as_str()));
    assert_eq!(container.metadata["kind"], json!("container"));
    assert_eq!(container.metadata["object_count"], json!(0));

    let storage: Vec<_> = resources.list_resources(Some(ResourceType::Storage)).try_collect().await.unwrap();
    assert!(
        storage.iter().all(|r| r.resource_type == ResourceType::Storage && r.provider == CloudProvider::Infomaniak)
    );
    let listed_volume = storage.iter().find(|r| r.id == volume.id).expect("the volume is listed");
    assert_eq!(listed_volume.metadata["kind"], json!("volume"));
    let listed_container = storage.iter().find(|r| r.id == container_name).expect("the container is listed");
    assert_eq!(listed_container.metadata["kind"], json!("container"));
    let everything: Vec<_> = resources.list_resources(None).try_collect().await.unwrap();
    assert!(everything.iter().any(|r| r.id == volume.id) && everything.iter().any(|r| r.id == container_name));
    let servers: Vec<_> = resources.list_resources(Some(ResourceType::Compute)).try_collect().await.unwrap();
    assert!(servers.iter().all(|r| r.resource_type == ResourceType::Compute && r.metadata["kind"] == json!("server")));

    let got = resources.get_resource(&volume.id).await.unwrap();
    assert_eq!((got.name.as_str(), got.metadata["kind"].clone()), (volume_name.as_str(), json!("volume")));
    let got = resources.get_resource(&container_name).await.unwrap();
    assert_eq!((got.name.as_str(), got.metadata["kind"].clone()), (container_name.as_str(), json!("container")));
    // A container's TempURL key is a secret: never a tag (other metadata is).
    let metadata: std::collections::BTreeMap<String, String> =
        [("temp-url-key", "CANARYtempUrlKeyOne"), ("temp-url-key-2", "CANARYtempUrlKeyTwo"), ("owner", "tests")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    session.swift().set_container_metadata(&container_name, &metadata).await.unwrap();
    let got = resources.get_resource(&container_name).await.unwrap();
    assert_eq!(got.tags.get("owner").map(String::as_str), Some("tests"), "{:?}", got.tags);
    let shown = format!("{got:?}");
    assert!(!shown.contains("CANARYtempUrlKey"), "{shown}");

    resources.delete_resource(&volume.id).await.unwrap();
    resources.delete_resource(&container_name).await.unwrap();
    assert!(session.cinder().wait_for_volume(&volume.id, &["deleted"], WAIT).await.unwrap().is_none());
    assert_eq!(resources.get_resource(&volume.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(resources.get_resource(&container_name).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(resources.delete_resource(&container_name).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(resources.delete_resource(&volume.id).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn unsupported_types_and_bad_configs_are_refused() {
    let resources = common::session().await.resources();
    let listed: Vec<_> = resources.list_resources(Some(ResourceType::Database)).collect().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].as_ref().unwrap_err().kind(), ErrorKind::Unsupported);
    let err = resources.create_resource("x", ResourceType::Queue, json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    // Bad configurations fail before anything is created.
    for config in [
        json!({"kind": "volume"}),
        json!({"kind": "tape"}),
        json!({"kind": "container", "size_gb": 1}),
        json!({"kind": "volume", "size_gb": "large"}),
        json!({"kind": "container", "colour": "red"}),
        json!(["not", "an", "object"]),
    ] {
        let err = resources.create_resource("cloud-test-bad", ResourceType::Storage, config.clone()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{config}: {err}");
    }
    let err =
        resources.create_resource("cloud-test-bad", ResourceType::Compute, json!({"image": "x"})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    // An unknown flavor is NotFound before any server is created.
    let err = resources
        .create_resource("cloud-test-bad", ResourceType::Compute, json!({"flavor": "no-such-flavor"}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(resources.get_resource("no-such-resource").await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(resources.get_resource("").await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(
        resources.delete_resource("00000000-0000-0000-0000-000000000000").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

/// One server through the resource view (the compute test owns the other one the fake
/// hypervisor has room for).
#[tokio::test]
async fn a_server_through_the_resource_view() {
    common::require_service("compute");
    let session = common::session().await;
    let resources = session.resources();
    let name = common::name("cloud-test-resserver");
    let config = json!({"flavor": "m1.tiny", "image": "cloud-test-raw", "networks": ["none"],
        "metadata": {"purpose": "resource-view"}, "wait_secs": 180});
    let server = resources.create_resource(&name, ResourceType::Compute, config).await.unwrap();
    let id = server.id.clone();
    // Whatever fails below, the server is deleted before the test ends.
    let outcome = std::panic::AssertUnwindSafe(async {
        assert_eq!((server.name.as_str(), server.status.as_str()), (name.as_str(), "ACTIVE"));
        assert_eq!((server.resource_type, server.metadata["kind"].clone()), (ResourceType::Compute, json!("server")));
        assert_eq!(server.tags.get("purpose").map(String::as_str), Some("resource-view"));
        assert!(server.created_at.is_some());
        let got = resources.get_resource(&id).await.unwrap();
        assert_eq!((got.id.as_str(), got.resource_type), (id.as_str(), ResourceType::Compute));
        let listed: Vec<_> = resources.list_resources(Some(ResourceType::Compute)).try_collect().await.unwrap();
        assert!(listed.iter().any(|r| r.id == id));
    })
    .catch_unwind()
    .await;
    resources.delete_resource(&id).await.unwrap();
    session.nova().wait_for_server_deleted(&id, WAIT).await.unwrap();
    assert_eq!(resources.get_resource(&id).await.unwrap_err().kind(), ErrorKind::NotFound);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
