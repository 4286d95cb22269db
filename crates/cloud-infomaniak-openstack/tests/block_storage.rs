//! Cinder on the local OpenStack (fake driver): volumes, snapshots, extend. Attach and detach
//! run in the server lifecycle test (`compute.rs`), which owns the one test server.

mod common;

use std::time::Duration;

use cloud_core::ErrorKind;
use cloud_infomaniak_openstack::CreateVolumeRequest;
use futures::TryStreamExt;

const WAIT: Duration = Duration::from_secs(180);

#[tokio::test]
async fn volume_snapshot_and_delete() {
    common::require_service("volumev3");
    let cinder = common::session().await.cinder();
    let name = common::name("cloud-test-volume");
    let volume = cinder.create_volume(&CreateVolumeRequest::new(&name, 1)).await.unwrap();
    let ready = cinder.wait_for_volume(&volume.id, &["available"], WAIT).await.unwrap().unwrap();
    assert_eq!((ready.name.as_str(), ready.size), (name.as_str(), 1));
    let listed: Vec<_> = cinder.list_volumes().try_collect().await.unwrap();
    assert!(listed.iter().any(|v| v.id == volume.id));
    let renamed = cinder.update_volume(&volume.id, Some(&format!("{name}-renamed")), None).await.unwrap();
    assert!(renamed.name.ends_with("-renamed"));

    let snapshot = cinder.create_snapshot(&volume.id, &format!("{name}-snap"), None, false).await.unwrap();
    let snap = cinder.wait_for_snapshot(&snapshot.id, &["available"], WAIT).await.unwrap().unwrap();
    assert_eq!(snap.volume_id.as_deref(), Some(volume.id.as_str()));
    let snapshots: Vec<_> = cinder.list_snapshots().try_collect().await.unwrap();
    assert!(snapshots.iter().any(|s| s.id == snapshot.id));
    // A volume with snapshots cannot be deleted.
    assert!(matches!(
        cinder.delete_volume(&volume.id, false).await.unwrap_err().kind(),
        ErrorKind::Conflict | ErrorKind::InvalidInput
    ));
    cinder.delete_snapshot(&snapshot.id, false).await.unwrap();
    cinder.wait_for_snapshot(&snapshot.id, &["deleted"], WAIT).await.unwrap();

    cinder.delete_volume(&volume.id, false).await.unwrap();
    assert!(cinder.wait_for_volume(&volume.id, &["deleted"], WAIT).await.unwrap().is_none());
    assert_eq!(cinder.get_volume(&volume.id).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn extend_reaches_the_driver() {
    // The fake driver fails every extend (`error_extending`): the request is accepted and the
    // wait helper reports the driver's failure as `Service`.
    common::require_service("volumev3");
    let cinder = common::session().await.cinder();
    let volume = cinder.create_volume(&CreateVolumeRequest::new(common::name("cloud-test-extend"), 1)).await.unwrap();
    cinder.wait_for_volume(&volume.id, &["available"], WAIT).await.unwrap();
    assert_eq!(cinder.extend_volume(&volume.id, 1).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    cinder.extend_volume(&volume.id, 2).await.unwrap();
    let outcome = cinder.wait_for_volume(&volume.id, &["available"], WAIT).await;
    let size_now = cinder.get_volume(&volume.id).await.unwrap().size;
    cinder.delete_volume(&volume.id, false).await.unwrap();
    cinder.wait_for_volume(&volume.id, &["deleted"], WAIT).await.unwrap();
    match outcome {
        Ok(_) => assert_eq!(size_now, 2),
        Err(e) => assert_eq!(e.kind(), ErrorKind::Service, "{e}"),
    }
}
