//! Neutron on the local OpenStack: every network method, with the test user's application
//! credential (roles `member` and `reader`), and the cloud admin for the external network.

mod common;

use cloud_core::ErrorKind;
use cloud_infomaniak_openstack::{
    CreatePort, CreateSubnet, InfomaniakCloud, InfomaniakConfig, NeutronClient, SecurityGroupRule,
};
use futures::TryStreamExt;

async fn neutron() -> NeutronClient {
    common::require_service("network");
    common::session().await.neutron()
}

/// An external network with a subnet, made by the admin (customers cannot create one), shared by
/// the tests of this binary.
async fn external_network() -> String {
    static EXTERNAL: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    EXTERNAL
        .get_or_init(|| async {
            let admin = InfomaniakConfig::from_clouds_yaml(
                "cloud-test-admin",
                Some(common::var("OS_CLIENT_CONFIG_FILE").into()),
            )
            .unwrap();
            let admin = InfomaniakCloud::connect(admin).await.unwrap().neutron();
            if let Ok(net) = admin.find_network("cloud-test-external").await {
                return net.id;
            }
            let net = admin.create_external_network("cloud-test-external").await.unwrap();
            assert!(net.external);
            let id = net.id;
            admin.create_subnet(&CreateSubnet::new(&id, "cloud-test-external-v4", "203.0.113.0/24")).await.unwrap();
            id
        })
        .await
        .clone()
}

#[tokio::test]
async fn networks_and_subnets_round_trip() {
    let neutron = neutron().await;
    let name = common::name("net");
    let net = neutron.create_network(&name, Some("made by the tests"), false).await.unwrap();
    assert_eq!(net.name, name);
    assert!(!net.external && !net.shared);

    let v4 = neutron
        .create_subnet(
            &CreateSubnet::new(&net.id, "v4", "10.42.0.0/24")
                .gateway("10.42.0.1")
                .pool("10.42.0.100", "10.42.0.150")
                .dns("192.0.2.53")
                .dhcp(false),
        )
        .await
        .unwrap();
    assert_eq!((v4.ip_version, v4.cidr.as_str(), v4.gateway_ip.as_deref()), (4, "10.42.0.0/24", Some("10.42.0.1")));
    assert_eq!(v4.allocation_pools[0].start, "10.42.0.100");
    assert_eq!(v4.dns_nameservers, ["192.0.2.53"]);
    assert!(!v4.enable_dhcp);
    let v6 = neutron.create_subnet(&CreateSubnet::new(&net.id, "v6", "fd00:42::/64")).await.unwrap();
    assert_eq!(v6.ip_version, 6);

    assert_eq!(neutron.get_subnet(&v4.id).await.unwrap(), v4);
    let subnets: Vec<_> = neutron.list_subnets().try_collect().await.unwrap();
    assert!(subnets.iter().any(|s| s.id == v6.id));
    let listed: Vec<_> = neutron.list_networks().try_collect().await.unwrap();
    let found = listed.iter().find(|n| n.id == net.id).expect("the new network is listed");
    assert_eq!(found.subnets.len(), 2);
    assert_eq!(neutron.find_network(&name).await.unwrap().id, net.id);

    // An overlapping subnet is refused by Neutron; a malformed one never leaves the client.
    let overlap = neutron.create_subnet(&CreateSubnet::new(&net.id, "dup", "10.42.0.128/25")).await.unwrap_err();
    assert_eq!(overlap.kind(), ErrorKind::InvalidInput, "{overlap}");
    let bad = neutron.create_subnet(&CreateSubnet::new(&net.id, "bad", "10.42.0.0/40")).await.unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
    assert_eq!(bad.http_status(), None, "rejected before sending");

    neutron.delete_subnet(&v4.id).await.unwrap();
    neutron.delete_subnet(&v6.id).await.unwrap();
    neutron.delete_network(&net.id).await.unwrap();
    assert_eq!(neutron.get_network(&net.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(neutron.delete_network(&net.id).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn routers_gateways_and_interfaces() {
    let neutron = neutron().await;
    let external = external_network().await;
    let net = neutron.create_network(&common::name("rnet"), None, false).await.unwrap();
    let subnet = neutron.create_subnet(&CreateSubnet::new(&net.id, "s", "10.43.0.0/24")).await.unwrap();

    let router = neutron.create_router(&common::name("router"), Some(&external)).await.unwrap();
    assert_eq!(router.external_gateway.as_ref().map(|g| g.network_id.as_str()), Some(external.as_str()));
    let cleared = neutron.clear_router_gateway(&router.id).await.unwrap();
    assert_eq!(cleared.external_gateway, None);
    let set = neutron.set_router_gateway(&router.id, "cloud-test-external").await.unwrap();
    assert_eq!(set.external_gateway.map(|g| g.network_id), Some(external.clone()));

    neutron.add_router_interface(&router.id, &subnet.id).await.unwrap();
    let ports: Vec<_> = neutron.list_ports(Some(&net.id)).try_collect().await.unwrap();
    let interface = ports.iter().find(|p| p.device_owner == "network:router_interface").expect("an interface port");
    assert_eq!(interface.device_id, router.id);
    assert_eq!(interface.fixed_ips[0].ip_address.as_deref(), Some("10.43.0.1"));
    // The network cannot go while the router uses it.
    assert_eq!(neutron.delete_network(&net.id).await.unwrap_err().kind(), ErrorKind::Conflict);

    let routers: Vec<_> = neutron.list_routers().try_collect().await.unwrap();
    assert!(routers.iter().any(|r| r.id == router.id));
    assert_eq!(neutron.get_router(&router.id).await.unwrap().id, router.id);

    neutron.remove_router_interface(&router.id, &subnet.id).await.unwrap();
    neutron.delete_router(&router.id).await.unwrap();
    assert_eq!(neutron.get_router(&router.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    // A gateway on a network that does not exist is an error, never silently dropped.
    let missing = neutron.create_router(&common::name("router"), Some("no-such-network")).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    neutron.delete_network(&net.id).await.unwrap();
}

#[tokio::test]
async fn security_groups_and_rules() {
    let neutron = neutron().await;
    let name = common::name("sg");
    let group = neutron.create_security_group(&name, Some("web")).await.unwrap();
    assert_eq!((group.name.as_str(), group.description.as_str()), (name.as_str(), "web"));
    let peer = neutron.create_security_group(&common::name("peer"), None).await.unwrap();

    let ssh = neutron
        .add_security_group_rule(&SecurityGroupRule::ingress(&group.id).tcp(22, 22).from_cidr("192.0.2.0/24"))
        .await
        .unwrap();
    assert_eq!((ssh.protocol.as_deref(), ssh.port_range_min, ssh.port_range_max), (Some("tcp"), Some(22), Some(22)));
    assert_eq!(ssh.remote_ip_prefix.as_deref(), Some("192.0.2.0/24"));
    let dns = neutron
        .add_security_group_rule(&SecurityGroupRule::ingress(&group.id).udp(53, 53).from_cidr("2001:db8::/32"))
        .await
        .unwrap();
    assert_eq!(dns.ethertype, "IPv6");
    let from_peer = neutron
        .add_security_group_rule(&SecurityGroupRule::ingress(&group.id).tcp(5432, 5432).from_group(&peer.id))
        .await
        .unwrap();
    assert_eq!(from_peer.remote_group_id.as_deref(), Some(peer.id.as_str()));

    // A duplicate rule is AlreadyExists; an invalid range or CIDR never leaves the client.
    let duplicate = neutron
        .add_security_group_rule(&SecurityGroupRule::ingress(&group.id).tcp(22, 22).from_cidr("192.0.2.0/24"))
        .await
        .unwrap_err();
    assert_eq!(duplicate.kind(), ErrorKind::AlreadyExists, "{duplicate}");
    for bad in [
        SecurityGroupRule::ingress(&group.id).tcp(8080, 80),
        SecurityGroupRule::ingress(&group.id).tcp(1, 2).from_cidr("10.0.0.0/99"),
    ] {
        let err = neutron.add_security_group_rule(&bad).await.unwrap_err();
        assert_eq!((err.kind(), err.http_status()), (ErrorKind::InvalidInput, None), "{err}");
    }

    let rules: Vec<_> = neutron.list_security_group_rules(Some(&group.id)).try_collect().await.unwrap();
    assert_eq!(rules.iter().filter(|r| r.direction == "ingress").count(), 3);
    let fetched = neutron.get_security_group(&group.id).await.unwrap();
    assert_eq!(fetched.rules.len(), rules.len());
    let groups: Vec<_> = neutron.list_security_groups().try_collect().await.unwrap();
    assert!(groups.iter().any(|g| g.id == group.id));

    neutron.delete_security_group_rule(&dns.id).await.unwrap();
    assert_eq!(neutron.delete_security_group_rule(&dns.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    neutron.delete_security_group(&group.id).await.unwrap();
    neutron.delete_security_group(&peer.id).await.unwrap();
    assert_eq!(neutron.get_security_group(&group.id).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn floating_ips_ports_and_usage() {
    let neutron = neutron().await;
    let external = external_network().await;
    let net = neutron.create_network(&common::name("fnet"), None, false).await.unwrap();
    let subnet = neutron.create_subnet(&CreateSubnet::new(&net.id, "s", "10.44.0.0/24")).await.unwrap();
    let router = neutron.create_router(&common::name("frouter"), Some(&external)).await.unwrap();
    neutron.add_router_interface(&router.id, &subnet.id).await.unwrap();

    let port = neutron
        .create_port(&CreatePort::new(&net.id, "vm-port").fixed_ip(&subnet.id, Some("10.44.0.10".into())))
        .await
        .unwrap();
    assert_eq!(port.fixed_ips[0].ip_address.as_deref(), Some("10.44.0.10"));
    assert_eq!(neutron.get_port(&port.id).await.unwrap().id, port.id);

    let before = neutron.get_network_usage().await.unwrap();
    let ip = neutron.allocate_floating_ip("cloud-test-external").await.unwrap();
    assert_eq!(ip.floating_network_id, external);
    assert!(ip.floating_ip_address.starts_with("203.0.113."), "{ip:?}");
    let associated = neutron.associate_floating_ip(&ip.id, &port.id).await.unwrap();
    assert_eq!(associated.port_id.as_deref(), Some(port.id.as_str()));
    assert_eq!(associated.fixed_ip_address.as_deref(), Some("10.44.0.10"));
    let usage = neutron.get_network_usage().await.unwrap();
    assert_eq!(usage.floating_ips, before.floating_ips + 1);
    assert_eq!(usage.floating_ips_in_use, before.floating_ips_in_use + 1);
    assert!(usage.networks >= 2 && usage.routers >= 1 && usage.security_groups >= 1, "{usage:?}");
    let listed: Vec<_> = neutron.list_floating_ips().try_collect().await.unwrap();
    assert!(listed.iter().any(|f| f.id == ip.id));

    let free = neutron.disassociate_floating_ip(&ip.id).await.unwrap();
    assert_eq!(free.port_id, None);
    assert_eq!(neutron.get_floating_ip(&ip.id).await.unwrap().port_id, None);
    neutron.release_floating_ip(&ip.id).await.unwrap();
    assert_eq!(neutron.get_floating_ip(&ip.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(neutron.allocate_floating_ip("no-such-network").await.unwrap_err().kind(), ErrorKind::NotFound);

    neutron.delete_port(&port.id).await.unwrap();
    neutron.remove_router_interface(&router.id, &subnet.id).await.unwrap();
    neutron.delete_router(&router.id).await.unwrap();
    neutron.delete_network(&net.id).await.unwrap();
}

#[tokio::test]
async fn quotas_include_floating_ips() {
    let quotas = neutron().await.get_network_quotas().await.unwrap();
    // Neutron's default quotas: the floating IP count is read from its `floatingip` key.
    assert_eq!(quotas.floating_ips, 50, "{quotas:?}");
    assert_eq!((quotas.networks, quotas.subnets, quotas.routers), (100, 100, 10), "{quotas:?}");
    assert!(quotas.security_groups > 0 && quotas.security_group_rules > 0 && quotas.ports > 0, "{quotas:?}");
}

#[tokio::test]
async fn bad_ids_never_leave_the_client() {
    let neutron = neutron().await;
    for id in ["", ".", ".."] {
        let err = neutron.delete_network(id).await.unwrap_err();
        assert_eq!((err.kind(), err.http_status()), (ErrorKind::InvalidInput, None), "{id:?}: {err}");
        let err = neutron.get_subnet(id).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}");
    }
    let missing = "00000000-0000-0000-0000-000000000000";
    for err in [
        neutron.get_network(missing).await.unwrap_err(),
        neutron.get_router(missing).await.unwrap_err(),
        neutron.get_port(missing).await.unwrap_err(),
        neutron.delete_security_group(missing).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }
}
