//! Nova and Glance on the local OpenStack (fake hypervisor): a server's whole life, key pairs,
//! flavors, images, availability zones, and the errors the issue names.

mod common;

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use cloud_core::{ComputeClient as _, ComputeClientExt, CreateInstanceRequest, ErrorKind, InstanceStatus, RebootKind};
use cloud_infomaniak_openstack::{CreateVolumeRequest, InfomaniakCloud, InfomaniakConfig};
use futures::{FutureExt, TryStreamExt};

const FLAVOR: &str = "m1.tiny";
const IMAGE: &str = "cloud-test-raw";
const WAIT: Duration = Duration::from_secs(180);

/// The fake hypervisor has room for few servers, so one test creates them one at a time:
/// create-and-wait, stop/start/reboot observed as SHUTOFF/ACTIVE, a volume attached and detached,
/// terminate; then a create that returns at once.
#[tokio::test]
async fn server_lifecycle_create_stop_start_reboot_attach_delete() {
    common::require_service("compute");
    common::require_service("volumev3");
    let session = common::session().await;
    // Volumes go through a password session: Cinder checks a detach with Nova using the caller's
    // token, which this Keystone cannot rescope when an application credential issued it (500).
    let password =
        InfomaniakConfig::from_clouds_yaml("cloud-test-password", Some(common::var("OS_CLIENT_CONFIG_FILE").into()))
            .unwrap();
    let cinder = InfomaniakCloud::connect(password).await.unwrap().cinder();
    let compute = session.nova();
    let name = common::name("cloud-test-server");
    // Security groups go as [{name}] and user data base64-encoded: Nova refuses either in the
    // earlier Python client's form with 400.
    let request = CreateInstanceRequest::new(&name, FLAVOR, IMAGE)
        .with_network("none")
        .with_user_data("#cloud-config\nruncmd: [echo hi]\n")
        .with_security_group("default");
    let server = compute.create_server(&request, Some(WAIT)).await.unwrap();
    let id = server.id.clone();
    let volume = cinder.create_volume(&CreateVolumeRequest::new(common::name("cloud-test-attached"), 1)).await.unwrap();
    // Whatever fails below, the server and the volume are deleted before the test ends.
    let outcome = AssertUnwindSafe(async {
        assert_eq!(server.status, "ACTIVE");
        assert_eq!(server.name, name);
        let listed: Vec<_> = compute.list_instances().try_collect().await.unwrap();
        assert!(listed.iter().any(|i| i.id == id && i.status == InstanceStatus::Running));

        common::retry_if_db_locked(|| compute.stop_instance(&id)).await.unwrap();
        let stopped = compute.wait_for_status(&id, InstanceStatus::Stopped, WAIT).await.unwrap().unwrap();
        assert_eq!(stopped.raw_status, "SHUTOFF");
        common::retry_if_db_locked(|| compute.start_instance(&id)).await.unwrap();
        let started = compute.wait_for_status(&id, InstanceStatus::Running, WAIT).await.unwrap().unwrap();
        assert_eq!(started.raw_status, "ACTIVE");
        // Starting a running server is a state conflict.
        assert_eq!(compute.start_instance(&id).await.unwrap_err().kind(), ErrorKind::Conflict);
        for kind in [RebootKind::Soft, RebootKind::Hard] {
            common::retry_if_db_locked(|| compute.reboot_instance(&id, kind)).await.unwrap();
            compute.wait_for_server(&id, "ACTIVE", WAIT).await.unwrap();
        }

        cinder.wait_for_volume(&volume.id, &["available"], WAIT).await.unwrap();
        cinder.attach_volume(&volume.id, &id, None).await.unwrap();
        let attached = cinder.wait_for_volume(&volume.id, &["in-use"], WAIT).await.unwrap().expect("the volume");
        assert_eq!(attached.attached_to, std::slice::from_ref(&id));
        cinder.detach_volume(&volume.id, &id).await.unwrap();
        // Nova takes the detach and Cinder starts it: the volume leaves `in-use` (it would stay
        // there if the call did nothing). Here Cinder then refuses Nova's attachment delete
        // (`ConflictNovaUsingAttachment`: the local Nova sends no service token), so the volume
        // stays `detaching`; where it completes, it is attached to nothing.
        let leaving = cinder.wait_for_volume(&volume.id, &["detaching", "available"], WAIT).await.unwrap();
        let leaving = leaving.expect("the volume");
        if leaving.status == "available" {
            assert!(leaving.attached_to.is_empty(), "{:?}", leaving.attached_to);
        } else {
            assert_eq!(leaving.status, "detaching");
        }
    })
    .catch_unwind()
    .await;
    compute.terminate_server(&id).await.unwrap();
    compute.wait_for_server_deleted(&id, WAIT).await.unwrap();
    // Nova may still show the server as `DELETED` for a moment before it forgets it.
    match compute.get_instance(&id).await {
        Ok(gone) => assert_eq!(gone.status, InstanceStatus::Deleted),
        Err(e) => assert_eq!(e.kind(), ErrorKind::NotFound),
    }
    if cinder.delete_volume(&volume.id, false).await.is_err() {
        // Stuck in `detaching` (see above): only an admin can reset it.
        let admin =
            InfomaniakConfig::from_clouds_yaml("cloud-test-admin", Some(common::var("OS_CLIENT_CONFIG_FILE").into()))
                .unwrap();
        let admin = InfomaniakCloud::connect(admin).await.unwrap().cinder();
        admin.reset_volume_status(&volume.id, "available", true).await.unwrap();
        admin.delete_volume(&volume.id, false).await.unwrap();
    }
    cinder.wait_for_volume(&volume.id, &["deleted"], WAIT).await.unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }

    // The trait's create returns at once; the wait is the caller's.
    let request = CreateInstanceRequest::new(common::name("cloud-test-nowait"), FLAVOR, IMAGE).with_network("none");
    let instance = compute.create_instance(request).await.unwrap();
    let running = compute.wait_for_status(&instance.id, InstanceStatus::Running, WAIT).await;
    compute.delete_instance(&instance.id).await.unwrap();
    compute.wait_for_status(&instance.id, InstanceStatus::Deleted, WAIT).await.unwrap();
    assert!(running.unwrap().is_some());
}

#[tokio::test]
async fn an_unknown_flavor_is_not_found_before_anything_is_created() {
    common::require_service("compute");
    let compute = common::session().await.nova();
    let name = common::name("cloud-test-noflavor");
    let err = compute.create_instance(CreateInstanceRequest::new(&name, "no-such-flavor", IMAGE)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let err = compute.create_instance(CreateInstanceRequest::new(&name, FLAVOR, "no-such-image")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let err = compute
        .create_instance(CreateInstanceRequest::new(&name, FLAVOR, IMAGE).with_network("no-such-network"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let servers: Vec<_> = compute.list_servers().try_collect().await.unwrap();
    assert!(servers.iter().all(|s| s.name != name), "a server was created");
}

#[tokio::test]
async fn a_missing_server_is_not_found() {
    common::require_service("compute");
    let compute = common::session().await.nova();
    let missing = "00000000-0000-4000-8000-000000000000";
    let err = compute.get_instance(missing).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.request_id().is_some(), "the request id is kept: {err:?}");
    assert!(err.message().contains(missing), "OpenStack's message is kept: {err}");
    assert_eq!(compute.stop_instance(missing).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(compute.delete_instance(missing).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn flavors_images_and_zones_are_listed() {
    common::require_service("compute");
    let compute = common::session().await.nova();
    let flavors: Vec<_> = compute.list_flavors().try_collect().await.unwrap();
    let tiny = flavors.iter().find(|f| f.name == FLAVOR).expect("the test flavor");
    assert!(tiny.vcpus >= 1 && tiny.ram > 0);
    assert_eq!(compute.find_flavor(&tiny.id).await.unwrap(), *tiny);
    assert_eq!(compute.find_flavor(FLAVOR).await.unwrap().id, tiny.id);
    let images: Vec<_> = compute.list_images().try_collect().await.unwrap();
    let image = images.iter().find(|i| i.name == IMAGE).expect("the test image");
    assert_eq!(compute.find_image(&image.id).await.unwrap().name, IMAGE);
    assert_eq!(compute.find_image(IMAGE).await.unwrap().id, image.id);
    let zones = compute.list_availability_zones().await.unwrap();
    assert!(zones.iter().any(|z| z.name == "nova" && z.available), "{zones:?}");
}

#[tokio::test]
async fn key_pairs_are_generated_imported_listed_and_deleted() {
    common::require_service("compute");
    let compute = common::session().await.nova();
    let generated = common::name("cloud-test-key");
    let created = compute.create_keypair(&generated, None).await.unwrap();
    let private = created.private_key.clone().expect("a generated private key");
    assert!(private.expose().contains("PRIVATE KEY"));
    assert!(!format!("{created:?}").contains("PRIVATE KEY"), "the private key is redacted");
    let public = created.public_key.clone().expect("the public key");

    let imported = common::name("cloud-test-imported");
    let import = compute.create_keypair(&imported, Some(&public)).await.unwrap();
    assert!(import.private_key.is_none());
    assert_eq!(import.fingerprint, created.fingerprint);
    assert_eq!(compute.create_keypair(&imported, Some(&public)).await.unwrap_err().kind(), ErrorKind::AlreadyExists);

    let names: Vec<String> = compute.list_keypairs().await.unwrap().into_iter().map(|k| k.name).collect();
    assert!(names.contains(&generated) && names.contains(&imported), "{names:?}");
    compute.delete_keypair(&generated).await.unwrap();
    compute.delete_keypair(&imported).await.unwrap();
    assert_eq!(compute.delete_keypair(&imported).await.unwrap_err().kind(), ErrorKind::NotFound);
}
