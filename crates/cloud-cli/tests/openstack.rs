//! `cloud compute` and `cloud dns` against the local OpenStack (Keystone, Nova with its fake
//! hypervisor, Designate with its fake pool: `cargo xtask emulators up openstack`), with the
//! variables `cargo xtask emulators env` prints. The servers and zones are made and checked
//! through the library; the binary only lists and acts. A test fails (never skips) when a server
//! is missing.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloud::CreateInstanceRequest;
use cloud::infomaniak_openstack::{CreateZone, InfomaniakCloud, InfomaniakConfig, RecordSetRequest, RecordType};
use serde::Deserialize;

/// The commands that start the servers and export their settings.
const START: &str =
    "start the servers with `cargo xtask emulators up openstack`, then `eval \"$(cargo xtask emulators env)\"`";

/// How long Nova may take to start or stop the test server.
const WAIT: Duration = Duration::from_secs(180);

fn var(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| panic!("{name} is not set: {START}"))
}

/// A name no other run uses.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}-{}-{nanos:08x}", std::process::id())
}

/// `cloud` with no OpenStack configuration but what the test sets.
fn bare_cloud() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cloud"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OS_") || name.starts_with("INFOMANIAK_") {
            command.env_remove(&*name);
        }
    }
    command
}

/// `cloud` with the test project's cloud of `clouds.yaml` (`OS_CLOUD`).
fn cloud() -> Command {
    let mut command = bare_cloud();
    command.env("OS_CLOUD", var("OS_CLOUD")).env("OS_CLIENT_CONFIG_FILE", var("OS_CLIENT_CONFIG_FILE"));
    command
}

/// Runs `cloud args…`, asserting success; returns stdout and stderr.
fn ok(args: &[&str]) -> (String, String) {
    let output = cloud().args(args).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "cloud {args:?} failed: {stderr}");
    (String::from_utf8(output.stdout).unwrap(), stderr)
}

/// Runs `cloud args…`, asserting it fails with `code` and one line on stderr; returns that line.
fn fails(command: &mut Command, code: i32) -> String {
    let Output { status, stdout, stderr } = command.output().unwrap();
    let stderr = String::from_utf8(stderr).unwrap();
    assert_eq!(status.code(), Some(code), "{command:?}: {stderr}");
    assert!(stdout.is_empty(), "{command:?} printed {:?}", String::from_utf8_lossy(&stdout));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("cloud: "), "{stderr}");
    stderr
}

/// A session of the test project, through the library.
fn session(runtime: &tokio::runtime::Runtime) -> InfomaniakCloud {
    let config = InfomaniakConfig::from_clouds_yaml(&var("OS_CLOUD"), Some(var("OS_CLIENT_CONFIG_FILE").into()))
        .unwrap_or_else(|e| panic!("{e}: {START}"));
    runtime.block_on(InfomaniakCloud::connect(config)).unwrap_or_else(|e| panic!("{e}: {START}"))
}

/// The rows of a table the binary printed (header included), split at blanks.
fn rows(stdout: &str) -> Vec<Vec<&str>> {
    stdout.lines().map(|line| line.split_whitespace().collect()).collect()
}

/// One server of `compute ls --json`.
#[derive(Debug, Deserialize)]
struct ServerJson {
    id: String,
    name: String,
    status: String,
    flavor: Option<String>,
    flavor_name: Option<String>,
    addresses: BTreeMap<String, Vec<String>>,
}

#[test]
fn compute_lists_stops_and_starts_a_server_by_name_or_id() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let nova = session(&runtime).nova();
    let name = unique("cloud-cli");
    let request = CreateInstanceRequest::new(&name, "m1.tiny", "cloud-test-raw").with_network("none");
    let server = runtime.block_on(nova.create_server(&request, Some(WAIT))).unwrap();
    let id = server.id.clone();
    let mut created = vec![id.clone()];
    let status = |id: &str| runtime.block_on(nova.get_server(id)).unwrap().status;

    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        // Listed, for people and for scripts.
        let (listed, _) = ok(&["compute", "ls"]);
        let table = rows(&listed);
        assert_eq!(table[0], ["ID", "NAME", "STATUS"], "{listed}");
        assert!(table.contains(&vec![id.as_str(), name.as_str(), "ACTIVE"]), "{listed}");
        let (long, _) = ok(&["compute", "ls", "-l"]);
        let table = rows(&long);
        assert_eq!(table[0], ["ID", "NAME", "STATUS", "FLAVOR", "ADDRESSES"], "{long}");
        // The flavor by its name; no network, no address.
        assert!(table.contains(&vec![id.as_str(), name.as_str(), "ACTIVE", "m1.tiny", "-"]), "{long}");
        let (json, _) = ok(&["compute", "ls", "--json"]);
        let servers: Vec<ServerJson> = serde_json::from_str(&json).unwrap();
        let ours = servers.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("{id} not in {json}"));
        assert_eq!((ours.name.as_str(), ours.status.as_str()), (name.as_str(), "ACTIVE"));
        assert_eq!(ours.flavor_name.as_deref(), Some("m1.tiny"));
        assert_eq!(ours.flavor, server.flavor);
        assert_eq!(ours.addresses, server.addresses);

        // By name, waiting: SHUTOFF when the command returns, as Nova says.
        let (_, said) = ok(&["compute", "stop", "--wait", "--timeout", "3m", &name]);
        assert_eq!(said, format!("{name} ({id}) is SHUTOFF\n"));
        assert_eq!(status(&id), "SHUTOFF");
        // Stopping a stopped server changes nothing and says so.
        let (_, said) = ok(&["compute", "stop", &name]);
        assert_eq!(said, format!("{name} ({id}) is already SHUTOFF\n"));
        // By id, waiting: ACTIVE again.
        let (_, said) = ok(&["compute", "start", "-w", &id]);
        assert_eq!(said, format!("{name} ({id}) is ACTIVE\n"));
        assert_eq!(status(&id), "ACTIVE");
        // Without --wait the command says Nova accepted the stop; Nova then gets there.
        let (_, said) = ok(&["compute", "stop", &id]);
        assert_eq!(said, format!("{name} ({id}): stop accepted; `cloud compute ls` shows when it is SHUTOFF\n"));
        runtime.block_on(nova.wait_for_server(&id, "SHUTOFF", WAIT)).unwrap();

        // An unknown name: exit 5, and nothing is sent for the names that were known.
        let missing = unique("no-such-server");
        let line = fails(cloud().args(["compute", "start", &name, &missing]), 5);
        assert!(line.contains(&format!("no server has the name or id {missing:?}")), "{line}");
        assert!(line.contains("`cloud compute ls`"), "{line}");
        assert_eq!(status(&id), "SHUTOFF", "the known server was started anyway");

        // A name two servers share: exit 2, naming both ids; neither is touched.
        let twin = runtime.block_on(nova.create_server(&request, None)).unwrap();
        created.push(twin.id.clone());
        let line = fails(cloud().args(["compute", "start", &name]), 2);
        assert!(line.contains(&format!("2 servers are named {name:?}")), "{line}");
        assert!(line.contains(&id) && line.contains(&twin.id), "{line}");
        assert_eq!(status(&id), "SHUTOFF");
    }));

    for id in &created {
        runtime.block_on(nova.delete_server(id, false)).unwrap();
    }
    for id in &created {
        runtime.block_on(nova.wait_for_server_deleted(id, WAIT)).unwrap();
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn wrong_or_missing_openstack_credentials_exit_with_their_codes() {
    // The test user's application credential with the wrong secret, from OS_* variables.
    let wrong = "not-the-application-credential-secret";
    let refused = |args: &[&str]| {
        let mut command = bare_cloud();
        command
            .env("OS_AUTH_URL", var("CLOUD_TEST_OS_AUTH_URL"))
            .env("OS_AUTH_TYPE", "v3applicationcredential")
            .env("OS_APPLICATION_CREDENTIAL_ID", var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID"))
            .env("OS_APPLICATION_CREDENTIAL_SECRET", wrong)
            .env("OS_REGION_NAME", var("CLOUD_TEST_OS_REGION"))
            .args(args);
        fails(&mut command, 4)
    };
    for args in [&["compute", "ls"][..], &["dns", "zones"]] {
        let line = refused(args);
        assert!(line.contains("OS_APPLICATION_CREDENTIAL_SECRET"), "{line}");
        assert!(!line.contains(wrong), "the secret is in the message: {line}");
    }

    // No configuration at all: exit 3, naming what to set.
    let line = fails(bare_cloud().args(["compute", "ls"]), 3);
    assert!(line.contains("OS_CLOUD") && line.contains("OS_AUTH_URL"), "{line}");
    // A cloud clouds.yaml does not have: exit 3, naming it.
    let line = fails(cloud().env("OS_CLOUD", "no-such-cloud").args(["dns", "zones"]), 3);
    assert!(line.contains("no-such-cloud"), "{line}");
}

/// One zone of `dns zones --json`.
#[derive(Debug, Deserialize)]
struct ZoneJson {
    id: String,
    name: String,
    status: String,
    ttl: Option<u32>,
    email: Option<String>,
}

/// One record set of `dns records --json`.
#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
struct RecordSetJson {
    name: String,
    #[serde(rename = "type")]
    record_type: String,
    ttl: Option<u32>,
    records: Vec<String>,
}

#[test]
fn dns_lists_the_zones_and_records_the_library_made() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let designate = session(&runtime).designate();
    let name = format!("{}.example.test", unique("cli"));
    let fqdn = format!("{name}.");
    let zone =
        runtime.block_on(designate.create_zone(&CreateZone::new(&name, "hostmaster@example.test").ttl(600))).unwrap();

    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let sets = [
            RecordSetRequest::new(&format!("www.{name}"), RecordType::A, ["192.0.2.10", "192.0.2.11"]).ttl(300),
            RecordSetRequest::new(&name, RecordType::Txt, ["\"v=spf1 -all\""]),
            RecordSetRequest::new(&name, RecordType::Mx, [format!("10 mail.{name}.")]),
        ];
        for set in &sets {
            runtime.block_on(designate.create_record_set(&zone.id, set)).unwrap();
        }

        let (listed, _) = ok(&["dns", "zones"]);
        let table = rows(&listed);
        assert_eq!(table[0], ["NAME", "ID", "STATUS", "TTL", "EMAIL"], "{listed}");
        assert!(
            table.contains(&vec![fqdn.as_str(), zone.id.as_str(), "ACTIVE", "600", "hostmaster@example.test"]),
            "{listed}"
        );
        let (json, _) = ok(&["dns", "zones", "--json"]);
        let zones: Vec<ZoneJson> = serde_json::from_str(&json).unwrap();
        let ours = zones.iter().find(|z| z.id == zone.id).unwrap_or_else(|| panic!("{} not in {json}", zone.id));
        assert_eq!((ours.name.as_str(), ours.status.as_str(), ours.ttl), (fqdn.as_str(), "ACTIVE", Some(600)));
        assert_eq!(ours.email.as_deref(), Some("hostmaster@example.test"));

        // By name (without the dot): one line per record.
        let (records, _) = ok(&["dns", "records", &name]);
        let table = rows(&records);
        assert_eq!(table[0], ["NAME", "TYPE", "TTL", "DATA"], "{records}");
        let www = format!("www.{fqdn}");
        let mail = format!("mail.{fqdn}");
        for row in [
            vec![www.as_str(), "A", "300", "192.0.2.10"],
            vec![www.as_str(), "A", "300", "192.0.2.11"],
            vec![fqdn.as_str(), "TXT", "-", "\"v=spf1", "-all\""],
            vec![fqdn.as_str(), "MX", "-", "10", mail.as_str()],
        ] {
            assert!(table.contains(&row), "{row:?} not in\n{records}");
        }
        // By id, for scripts: what was made, plus the SOA and NS Designate keeps.
        let (json, _) = ok(&["dns", "records", "--json", &zone.id]);
        let mut listed: Vec<RecordSetJson> = serde_json::from_str(&json).unwrap();
        // Designate keeps a set's records in no particular order.
        listed.iter_mut().for_each(|s| s.records.sort());
        let mut ours: Vec<&RecordSetJson> =
            listed.iter().filter(|s| !matches!(s.record_type.as_str(), "SOA" | "NS")).collect();
        ours.sort();
        let expected = [
            RecordSetJson {
                name: fqdn.clone(),
                record_type: "MX".into(),
                ttl: None,
                records: vec![format!("10 {mail}")],
            },
            RecordSetJson {
                name: fqdn.clone(),
                record_type: "TXT".into(),
                ttl: None,
                records: vec!["\"v=spf1 -all\"".into()],
            },
            RecordSetJson {
                name: www,
                record_type: "A".into(),
                ttl: Some(300),
                records: vec!["192.0.2.10".into(), "192.0.2.11".into()],
            },
        ];
        assert_eq!(ours, expected.iter().collect::<Vec<_>>(), "{json}");
        assert!(listed.iter().any(|s| s.record_type == "SOA" && s.name == fqdn), "{json}");

        // A zone that does not exist: exit 5, one line saying where to look.
        let missing = format!("{}.example.test", unique("no-such-zone"));
        let line = fails(cloud().args(["dns", "records", &missing]), 5);
        assert!(line.contains(&missing) && line.contains("`cloud dns zones`"), "{line}");
    }));

    runtime.block_on(designate.delete_zone(&zone.id)).unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
