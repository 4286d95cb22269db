//! Octavia on the local OpenStack (amphora provider, noop drivers): every load balancer method,
//! with the test user's application credential (role `load-balancer_member`).

mod common;

use cloud_core::ErrorKind;
use cloud_infomaniak_openstack::{CreateHealthMonitor, CreatePool, LbProtocol, OctaviaClient};
use futures::TryStreamExt;

async fn octavia() -> OctaviaClient {
    common::require_service("load-balancer");
    common::session().await.octavia()
}

/// The noop network driver accepts any subnet id.
fn subnet() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn a_load_balancer_with_every_child_then_cascade_delete() {
    let octavia = octavia().await;
    let name = common::name("lb");
    let lb = octavia.create_load_balancer(&name, &subnet(), Some("192.0.2.100")).await.unwrap();
    assert_eq!((lb.name.as_str(), lb.provisioning_status.as_str()), (name.as_str(), "ACTIVE"));
    assert_eq!(lb.vip_address.as_deref(), Some("192.0.2.100"));

    // Each change waits for ACTIVE, so the next one is not refused with 409.
    let listener =
        common::retry_if_db_locked(|| octavia.create_listener(&lb.id, "http", LbProtocol::Http, 80)).await.unwrap();
    assert_eq!((listener.protocol, listener.protocol_port), (LbProtocol::Http, 80));
    let request = CreatePool::for_listener(&listener.id, "web", LbProtocol::Http).algorithm("LEAST_CONNECTIONS");
    let pool = common::retry_if_db_locked(|| octavia.create_pool(&request)).await.unwrap();
    assert_eq!(pool.lb_algorithm, "LEAST_CONNECTIONS");
    let first = common::retry_if_db_locked(|| octavia.add_pool_member(&pool.id, "192.0.2.10", 8080, 1)).await.unwrap();
    let second = common::retry_if_db_locked(|| octavia.add_pool_member(&pool.id, "192.0.2.11", 8080, 5)).await.unwrap();
    assert_eq!((second.address.as_str(), second.weight), ("192.0.2.11", 5));
    let request = CreateHealthMonitor::new(&pool.id, "HTTP", 5, 3);
    let monitor = common::retry_if_db_locked(|| octavia.create_health_monitor(&request)).await.unwrap();
    assert_eq!((monitor.kind.as_str(), monitor.delay, monitor.timeout, monitor.max_retries), ("HTTP", 5, 3, 3));

    // Reads and listings.
    assert_eq!(octavia.get_load_balancer(&lb.id).await.unwrap().provisioning_status, "ACTIVE");
    let lbs: Vec<_> = octavia.list_load_balancers().try_collect().await.unwrap();
    assert!(lbs.iter().any(|l| l.id == lb.id));
    let listeners: Vec<_> = octavia.list_listeners(Some(&lb.id)).try_collect().await.unwrap();
    assert_eq!(listeners.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), [listener.id.as_str()]);
    let pools: Vec<_> = octavia.list_pools(Some(&lb.id)).try_collect().await.unwrap();
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0].healthmonitor_id.as_deref(), Some(monitor.id.as_str()));
    let members: Vec<_> = octavia.list_pool_members(&pool.id).try_collect().await.unwrap();
    assert_eq!(members.len(), 2);
    let monitors: Vec<_> = octavia.list_health_monitors(Some(&pool.id)).try_collect().await.unwrap();
    assert_eq!(monitors.len(), 1);

    // Updates.
    let renamed = octavia.update_load_balancer(&lb.id, None, Some("updated")).await.unwrap();
    assert_eq!(renamed.description, "updated");
    assert_eq!(octavia.update_listener(&listener.id, Some("http-2"), None).await.unwrap().name, "http-2");
    assert_eq!(octavia.update_pool(&pool.id, Some("web-2"), None).await.unwrap().name, "web-2");

    // Deletes of children, each waiting for ACTIVE again.
    octavia.remove_pool_member(&pool.id, &first.id).await.unwrap();
    octavia.delete_health_monitor(&monitor.id).await.unwrap();
    assert_eq!(octavia.get_health_monitor(&monitor.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    let members: Vec<_> = octavia.list_pool_members(&pool.id).try_collect().await.unwrap();
    assert_eq!(members.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), [second.id.as_str()]);

    // Without cascade, a load balancer with children is refused; with it, everything goes.
    let refused = octavia.delete_load_balancer(&lb.id, false).await.unwrap_err();
    assert!(matches!(refused.kind(), ErrorKind::Conflict | ErrorKind::InvalidInput), "{refused}");
    octavia.delete_load_balancer(&lb.id, true).await.unwrap();
    assert_eq!(octavia.get_load_balancer(&lb.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(octavia.get_pool(&pool.id).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn listeners_and_pools_delete_one_by_one() {
    let octavia = octavia().await;
    let lb = octavia.create_load_balancer(&common::name("lb"), &subnet(), None).await.unwrap();
    let listener =
        common::retry_if_db_locked(|| octavia.create_listener(&lb.id, "tcp", LbProtocol::Tcp, 5432)).await.unwrap();
    let request = CreatePool::for_load_balancer(&lb.id, "db", LbProtocol::Tcp);
    let pool = common::retry_if_db_locked(|| octavia.create_pool(&request)).await.unwrap();
    assert!(pool.listeners.is_empty());
    common::retry_if_db_locked(|| octavia.delete_pool(&pool.id)).await.unwrap();
    common::retry_if_db_locked(|| octavia.delete_listener(&listener.id)).await.unwrap();
    assert_eq!(octavia.get_listener(&listener.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    octavia.delete_load_balancer(&lb.id, false).await.unwrap();
    assert_eq!(octavia.delete_load_balancer(&lb.id, false).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn bad_input_never_leaves_the_client() {
    let octavia = octavia().await;
    let pool = "00000000-0000-0000-0000-000000000000";
    for err in [
        octavia.create_load_balancer("x", &subnet(), Some("not-an-ip")).await.unwrap_err(),
        octavia.add_pool_member(pool, "192.0.2.1", 0, 1).await.unwrap_err(),
        octavia.add_pool_member(pool, "192.0.2.1", 80, 300).await.unwrap_err(),
        octavia.add_pool_member(pool, "host.example", 80, 1).await.unwrap_err(),
        octavia.create_health_monitor(&CreateHealthMonitor::new(pool, "HTTP", 3, 5)).await.unwrap_err(),
        octavia.create_listener("..", "x", LbProtocol::Http, 80).await.unwrap_err(),
    ] {
        assert_eq!((err.kind(), err.http_status()), (ErrorKind::InvalidInput, None), "{err}");
    }
    for err in [
        octavia.get_load_balancer(pool).await.unwrap_err(),
        octavia.get_listener(pool).await.unwrap_err(),
        octavia.get_pool(pool).await.unwrap_err(),
        octavia.delete_load_balancer(pool, true).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }
}
