//! Quotas and usage (Nova, Cinder, Neutron, Swift) and billing (CloudKitty with InfluxDB) on the
//! local OpenStack.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cloud_core::{CreateInstanceRequest, ErrorKind};
use cloud_infomaniak_openstack::{DataFrame, InfomaniakCloud, InfomaniakConfig, RatedPoint, SummaryGroup};
use futures::TryStreamExt;

#[tokio::test]
async fn quotas_come_from_one_request_per_service() {
    common::require_service("compute");
    let cloud = common::session().await;
    let metering = cloud.metering();
    let compute = metering.compute_quotas().await.unwrap();
    assert!(compute.instances.limit.is_some_and(|l| l > 0), "{compute:?}");
    assert!(compute.cores.limit.is_some() && compute.ram_mb.limit.is_some());
    assert!(compute.instances.in_use >= 0 && compute.cores.in_use >= 0, "{compute:?}");

    let storage = metering.storage_quotas().await.unwrap();
    assert!(storage.volumes.limit.is_some_and(|l| l > 0) && storage.gigabytes.limit.is_some(), "{storage:?}");
    assert!(storage.volumes.in_use >= 0);

    // Neutron creates the project's default security group when the project first lists its
    // groups (on a fresh Neutron, this may be now): list first, then read the usage.
    let groups: Vec<_> = cloud.neutron().list_security_groups().try_collect().await.unwrap();
    let network = metering.network_quotas().await.unwrap();
    assert_eq!(network.floating_ips.limit, Some(50), "Neutron's `floatingip` key is read");
    assert!(network.networks.limit.is_some() && network.security_group_rules.limit.is_some(), "{network:?}");
    // Other tests create and delete groups meanwhile: the two counts agree within a margin.
    let in_use = network.security_groups.in_use;
    assert!(in_use >= 1 && in_use.abs_diff(groups.len() as i64) <= 5, "{in_use} in use, {} listed", groups.len());

    let objects = metering.object_storage_usage().await.unwrap();
    let end = Utc::now();
    let all = metering.all_usage(end - Duration::hours(1), end).await.unwrap();
    assert_eq!(all.network.floating_ips.limit, Some(50));
    assert!(all.object_storage.is_some_and(|o| o.containers + 100 >= objects.containers));
}

#[tokio::test]
async fn compute_usage_honours_the_period() {
    common::require_service("compute");
    let cloud = common::session().await;
    let (nova, metering) = (cloud.nova(), cloud.metering());
    let before = Utc::now() - Duration::minutes(1);
    let request = CreateInstanceRequest::new(common::name("usage"), "m1.tiny", "cloud-test-raw").with_network("none");
    let server = nova.create_server(&request, Some(std::time::Duration::from_secs(180))).await.unwrap();

    // A period that holds the server: Nova applies the period asked for and counts the server.
    let end = Utc::now() + Duration::minutes(1);
    let recent = metering.compute_usage(before, end).await.unwrap();
    let minute = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
    assert_eq!(recent.start.as_deref().map(|s| &s[..16]), Some(minute(before).as_str()), "{recent:?}");
    // Nova ends a period that is not over yet now.
    assert!(recent.stop.as_deref().is_some_and(|s| s[..16] <= *minute(end)), "{recent:?}");
    let usage = recent.server_usages.iter().find(|u| u.instance_id == server.id).expect("the new server is counted");
    assert!(usage.hours > 0.0 && usage.hours < 0.1, "{usage:?}");
    assert_eq!(usage.flavor.as_deref(), Some("m1.tiny"));

    // A period before the server existed: nothing of it is counted.
    let old = metering.compute_usage(before - Duration::days(3), before - Duration::days(2)).await.unwrap();
    assert!(old.server_usages.iter().all(|u| u.instance_id != server.id), "{old:?}");

    let backwards = metering.compute_usage(end, before).await.unwrap_err();
    assert_eq!((backwards.kind(), backwards.http_status()), (ErrorKind::InvalidInput, None));
    nova.terminate_server(&server.id).await.unwrap();
}

/// A rating period of a random day in the past, so runs never see each other's data.
fn window() -> DateTime<Utc> {
    let day = u64::from(uuid::Uuid::new_v4().as_fields().0) % 3000;
    Utc.with_ymd_and_hms(2010, 1, 1, 0, 0, 0).unwrap() + Duration::days(day as i64)
}

#[tokio::test]
async fn billing_reads_back_what_was_rated() {
    common::require_service("rating");
    let cloud = common::session().await;
    let project = cloud.project_id().unwrap().to_owned();
    let admin =
        InfomaniakConfig::from_clouds_yaml("cloud-test-admin", Some(common::var("OS_CLIENT_CONFIG_FILE").into()))
            .unwrap();
    let admin = InfomaniakCloud::connect(admin).await.unwrap().cloudkitty();

    // Two hours: three instances at 0.5 and 20 GB of volume at 0.01/GB in the first, two
    // instances and 30 GB in the second.
    let begin = window();
    let hour = |n: i64| begin + Duration::hours(n);
    let frame = |n: i64, instances: usize, gigabytes: f64| {
        let mut f = DataFrame::new(hour(n), hour(n + 1));
        for i in 0..instances {
            f = f.point("instance", RatedPoint::new(&project, &format!("vm-{i}"), "instance", 1.0, 0.5));
        }
        f.point("volume.size", RatedPoint::new(&project, "vol-1", "GiB", gigabytes, gigabytes * 0.01))
    };
    admin.add_dataframes(&[frame(0, 3, 20.0), frame(1, 2, 30.0)]).await.unwrap();
    let pushed_total = 5.0 * 0.5 + 50.0 * 0.01;

    // The test user reads its own project's bill.
    let kitty = cloud.cloudkitty();
    let end = hour(2);
    let bill = kitty.billing_summary(begin, end).await.unwrap();
    assert!((bill.total - pushed_total).abs() < 1e-6, "{bill:?}");
    assert!((bill.by_type["instance"] - 2.5).abs() < 1e-6, "{bill:?}");
    assert!((bill.by_type["volume.size"] - 0.5).abs() < 1e-6, "{bill:?}");
    // One row per type and hour.
    assert_eq!(bill.rows.len(), 4, "{:?}", bill.rows);
    let first_hour: Vec<_> =
        bill.rows.iter().filter(|r| r.begin.starts_with(&hour(0).format("%Y-%m-%dT%H").to_string())).collect();
    assert_eq!(first_hour.len(), 2, "{:?}", bill.rows);
    let instances = first_hour.iter().find(|r| r.resource_type.as_deref() == Some("instance")).unwrap();
    assert_eq!((instances.qty, instances.rate), (3.0, 1.5));

    // /v2/summary by type only, and /v1/report/summary by resource type: the same totals.
    let by_type = kitty.summary(begin, end, &[SummaryGroup::Type]).await.unwrap();
    assert_eq!(by_type.len(), 2);
    let v1 = kitty.report_summary(begin, end).await.unwrap();
    let v1_instance = v1.iter().find(|r| r.res_type.as_deref() == Some("instance")).unwrap();
    assert!((v1_instance.rate - 2.5).abs() < 1e-6, "{v1:?}");
    let v1_total: f64 = v1.iter().map(|r| r.rate).sum();
    assert!((v1_total - pushed_total).abs() < 1e-6, "{v1:?}");
    let total = kitty.report_total(begin, end, None).await.unwrap();
    assert!((total - pushed_total).abs() < 1e-6, "{total}");
    let volumes = kitty.report_total(begin, end, Some("volume.size")).await.unwrap();
    assert!((volumes - 0.5).abs() < 1e-6, "{volumes}");

    // Only the admin may store rated data; a backwards period never leaves the client.
    let denied = kitty.add_dataframes(&[frame(0, 1, 1.0)]).await.unwrap_err();
    assert_eq!(denied.kind(), ErrorKind::PermissionDenied, "{denied}");
    let backwards = kitty.billing_summary(end, begin).await.unwrap_err();
    assert_eq!((backwards.kind(), backwards.http_status()), (ErrorKind::InvalidInput, None));
}
