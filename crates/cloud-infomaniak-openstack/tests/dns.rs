//! Designate on the local OpenStack: zones, record sets of every common type, and the reverse DNS
//! of a Neutron floating IP, with the test user's application credential.

mod common;

use cloud_core::ErrorKind;
use cloud_infomaniak_openstack::{
    CreateSubnet, CreateZone, DesignateClient, InfomaniakCloud, InfomaniakConfig, RecordSetRequest, RecordType,
    UpdateRecordSet, UpdateZone,
};
use futures::TryStreamExt;

async fn designate() -> DesignateClient {
    common::require_service("dns");
    common::session().await.designate()
}

fn zone_name() -> String {
    format!("{}.example.test", common::name("zone"))
}

#[tokio::test]
async fn zones_round_trip_with_their_error_kinds() {
    let dns = designate().await;
    let name = zone_name();
    let zone = dns
        .create_zone(&CreateZone::new(&name, "hostmaster@example.test").ttl(600).description("made by the tests"))
        .await
        .unwrap();
    assert_eq!(zone.name, format!("{name}."), "normalised to the trailing-dot form");
    assert_eq!(
        (zone.status.as_str(), zone.ttl, zone.email.as_deref()),
        ("ACTIVE", Some(600), Some("hostmaster@example.test"))
    );

    assert_eq!(dns.get_zone(&zone.id).await.unwrap().id, zone.id);
    assert_eq!(dns.get_zone(&name).await.unwrap().id, zone.id, "by name, without the dot");
    assert_eq!(dns.find_zone(&format!("{name}.")).await.unwrap().id, zone.id);
    let listed: Vec<_> = dns.list_zones().try_collect().await.unwrap();
    assert!(listed.iter().any(|z| z.id == zone.id));

    // A second zone of the same name: AlreadyExists (Designate's 409 "Duplicate Zone").
    let dup = dns.create_zone(&CreateZone::new(&name, "hostmaster@example.test")).await.unwrap_err();
    assert!(matches!(dup.kind(), ErrorKind::AlreadyExists | ErrorKind::Conflict), "{dup}");
    assert_eq!(dup.http_status(), Some(409));

    let updated = dns
        .update_zone(&zone.id, &UpdateZone::new().ttl(900).email("dns@example.test").description("changed"))
        .await
        .unwrap();
    assert_eq!((updated.ttl, updated.email.as_deref()), (Some(900), Some("dns@example.test")));
    assert_eq!(updated.description.as_deref(), Some("changed"));
    assert!(updated.serial >= zone.serial);

    dns.delete_zone(&zone.id).await.unwrap();
    let gone = dns.get_zone(&zone.id).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone}");
    let missing = dns.get_zone(&zone_name()).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
    let missing = dns.delete_zone("6f2d3c1e-0000-4000-8000-000000000000").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
}

#[tokio::test]
async fn record_sets_of_every_common_type() {
    let dns = designate().await;
    let name = zone_name();
    let zone = dns.create_zone(&CreateZone::new(&name, "hostmaster@example.test")).await.unwrap();
    let sets = [
        RecordSetRequest::new(&format!("www.{name}"), RecordType::A, ["192.0.2.10", "192.0.2.11"]).ttl(300),
        RecordSetRequest::new(&format!("www.{name}"), RecordType::Aaaa, ["2001:db8::10"]),
        RecordSetRequest::new(&format!("app.{name}"), RecordType::Cname, [format!("www.{name}.")]),
        RecordSetRequest::new(&name, RecordType::Mx, [format!("10 mail.{name}."), format!("20 backup.{name}.")]),
        RecordSetRequest::new(&name, RecordType::Txt, ["\"v=spf1 -all\""]),
        RecordSetRequest::new(&format!("_sip._tcp.{name}"), RecordType::Srv, [format!("10 60 5060 sip.{name}.")]),
        RecordSetRequest::new(&name, RecordType::Caa, ["0 issue letsencrypt.org"]),
    ];
    let mut created = Vec::new();
    for request in &sets {
        let set = dns.create_record_set(&zone.id, request).await.unwrap_or_else(|e| panic!("{request:?}: {e}"));
        assert!(set.name.ends_with('.'), "{}", set.name);
        assert_eq!(set.name, format!("{}.", request.name));
        assert_eq!((set.record_type, set.status.as_str()), (request.record_type, "ACTIVE"));
        let mut got = set.records.clone();
        let mut wanted = request.records.clone();
        got.sort();
        wanted.sort();
        assert_eq!(got, wanted, "{:?}", request.record_type);
        created.push(set);
    }
    let www = &created[0];
    assert_eq!(www.ttl, Some(300));
    assert_eq!(dns.get_record_set(&zone.id, &www.id).await.unwrap(), *www);
    let listed: Vec<_> = dns.list_record_sets(&zone.id).try_collect().await.unwrap();
    for set in &created {
        assert!(listed.iter().any(|l| l.id == set.id), "{:?} listed", set.record_type);
    }
    assert!(listed.iter().any(|l| l.record_type == RecordType::Soa), "Designate's own SOA is listed too");

    // A second A record set for the same name is refused.
    let dup = dns.create_record_set(&zone.id, &sets[0]).await.unwrap_err();
    assert!(matches!(dup.kind(), ErrorKind::AlreadyExists | ErrorKind::Conflict), "{dup}");

    // update_record (records, TTL and description replaced in place).
    let changed = dns
        .update_record_set(
            &zone.id,
            &www.id,
            &UpdateRecordSet::new().records(["192.0.2.20"]).ttl(120).description("moved"),
        )
        .await
        .unwrap();
    assert_eq!((changed.records.as_slice(), changed.ttl), (&["192.0.2.20".to_owned()][..], Some(120)));
    assert_eq!(changed.description.as_deref(), Some("moved"));
    // Records that do not fit the set's type never leave the client.
    let bad = dns.update_record_set(&zone.id, &www.id, &UpdateRecordSet::new().records(["2001:db8::1"])).await;
    assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidInput);

    dns.delete_record_set(&zone.id, &www.id).await.unwrap();
    let gone = dns.get_record_set(&zone.id, &www.id).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone}");
    dns.delete_zone(&zone.id).await.unwrap();
}

#[tokio::test]
async fn bad_input_never_leaves_the_client() {
    let dns = designate().await;
    let zone = "00000000-0000-4000-8000-000000000000";
    let bad = [
        dns.create_zone(&CreateZone::new("a..b.test", "h@example.test")).await.unwrap_err(),
        dns.create_zone(&CreateZone::new("ok.example.test", "not-an-email")).await.unwrap_err(),
        dns.create_zone(&CreateZone::new("ok.example.test", "h@example.test").ttl(0)).await.unwrap_err(),
        dns.update_zone(zone, &UpdateZone::new()).await.unwrap_err(),
        dns.get_zone("..").await.unwrap_err(),
        dns.create_record_set(zone, &RecordSetRequest::new("w.example.test", RecordType::A, ["2001:db8::1"]))
            .await
            .unwrap_err(),
        dns.create_record_set(zone, &RecordSetRequest::new("w.example.test", RecordType::Mx, ["mail.example.test."]))
            .await
            .unwrap_err(),
        dns.create_record_set(zone, &RecordSetRequest::new("w.example.test", RecordType::Srv, ["1 2 x.example.test."]))
            .await
            .unwrap_err(),
        dns.create_record_set(zone, &RecordSetRequest::new("w.example.test", RecordType::Cname, ["relative"]))
            .await
            .unwrap_err(),
        dns.create_record_set(zone, &RecordSetRequest::new("w.example.test", RecordType::Caa, ["0 bogus x"]))
            .await
            .unwrap_err(),
        dns.create_record_set("..", &RecordSetRequest::new("w.example.test", RecordType::A, ["192.0.2.1"]))
            .await
            .unwrap_err(),
        dns.set_reverse_dns("203.0.113.1", "not a name", None).await.unwrap_err(),
    ];
    for e in bad {
        assert_eq!((e.kind(), e.http_status()), (ErrorKind::InvalidInput, None), "{e}");
    }
}

/// The external network floating IPs come from, made by the admin (customers cannot).
async fn external_network() -> String {
    let admin =
        InfomaniakConfig::from_clouds_yaml("cloud-test-admin", Some(common::var("OS_CLIENT_CONFIG_FILE").into()))
            .unwrap();
    let admin = InfomaniakCloud::connect(admin).await.unwrap().neutron();
    if let Ok(net) = admin.find_network("cloud-test-external").await {
        return net.id;
    }
    let net = admin.create_external_network("cloud-test-external").await.unwrap();
    admin.create_subnet(&CreateSubnet::new(&net.id, "cloud-test-external-v4", "203.0.113.0/24")).await.unwrap();
    net.id
}

#[tokio::test]
async fn reverse_dns_of_a_floating_ip() {
    common::require_service("network");
    let dns = designate().await;
    let neutron = dns.session().neutron();
    let fip = neutron.allocate_floating_ip(&external_network().await).await.unwrap();
    let address = fip.floating_ip_address.clone();

    let before = dns.get_reverse_dns(&fip.id).await.unwrap();
    assert_eq!((before.ptrdname.as_deref(), before.floating_ip_id()), (None, fip.id.as_str()));

    // By address; the host name gets its trailing dot.
    let host = format!("{}.example.test", common::name("host"));
    let set = dns.set_reverse_dns(&address, &host, Some(600)).await.unwrap();
    assert_eq!(set.ptrdname.as_deref(), Some(format!("{host}.").as_str()));
    assert_eq!((set.address.as_deref(), set.ttl), (Some(address.as_str()), Some(600)));
    assert_eq!(dns.get_reverse_dns(&fip.id).await.unwrap().ptrdname, set.ptrdname, "by id");
    let listed: Vec<_> = dns.list_reverse_dns().try_collect().await.unwrap();
    assert!(listed.iter().any(|r| r.floating_ip_id() == fip.id && r.ptrdname == set.ptrdname));

    dns.unset_reverse_dns(&address).await.unwrap();
    assert_eq!(dns.get_reverse_dns(&fip.id).await.unwrap().ptrdname, None);

    neutron.release_floating_ip(&fip.id).await.unwrap();
    let missing = dns.get_reverse_dns(&address).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
}
