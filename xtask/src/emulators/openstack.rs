//! OpenStack from Debian bookworm packages (Zed): Keystone, Swift, RabbitMQ, Placement, Glance,
//! Neutron, Cinder, Nova, Heat, Designate, Octavia and CloudKitty (with InfluxDB), all on 127.0.0.1, with sqlite databases in WAL
//! mode and no systemd.
//!
//! What makes each one work here (each point was found the hard way):
//! - **sqlite must be in WAL mode**, or Keystone answers 500 (`database is locked`) on catalog
//!   writes; every database is switched after its schema is created.
//! - **Keystone** runs `keystone-wsgi-public` (single-threaded wsgiref) with bcrypt at cost 4, so
//!   password and application-credential checks take milliseconds.
//! - **Swift** is all-in-one (one replica, one device, `mount_check = false`): a Keystone-auth
//!   proxy on 8081 (the catalog's `object-store`) and a tempauth + s3api proxy on 8080. Both keep
//!   tokens in memcached, which is therefore part of Swift here.
//! - **RabbitMQ** runs without systemd with its own `epmd` started first (so no stray `epmd`
//!   daemon escapes `down`), Erlang distribution bound to loopback.
//! - **Neutron**: `neutron-db-manage upgrade` fails on sqlite (ALTER of constraints), so the schema
//!   comes from the models and is stamped; ml2 without mechanism drivers or agents (API CRUD only;
//!   ports stay DOWN).
//! - **Cinder** uses `cinder.tests.fake_driver.FakeLoggingVolumeDriver` (shipped in python3-cinder);
//!   extend ends in `error_extending`.
//! - **Nova** uses `fake.SmallFakeDriver`; `nova-compute` runs from python3-nova because the
//!   `nova-compute` package pulls in libvirt. The catalog is registered before any Nova process
//!   starts (they look Placement up in it at start); `nova-compute` starts after the APIs, then the
//!   cell's hosts are discovered.
//! - **Heat** needs `deferred_auth_method = password`: with trusts, application-credential
//!   tokens fail (`Delegated tokens cannot manage trusts`).
//! - **Designate** uses a `fake` pool target whose masters point at mdns, and the worker caches
//!   the pool: `designate-manage pool update` runs before the worker starts.
//! - **Octavia** uses the amphora provider with noop drivers (load balancers go `ACTIVE` in about a
//!   second; any subnet id is accepted); `octavia-db-manage upgrade` fails on sqlite, so the schema
//!   comes from the models with the lookup tables seeded, then it is stamped; a throwaway CA signs
//!   the (never used) amphora certificates. Customers need the `load-balancer_member` role.
//! - **CloudKitty** (rating API only, no processor: there is no collector without Gnocchi or
//!   Prometheus) stores rated data in InfluxDB 1.6 (its v2 storage; with v1 storage the v2 API is
//!   off); tests push rated data with `POST /v2/dataframes` as the admin.
//! - **sqlite's `database is locked`** (a transaction that read before another process committed
//!   cannot write) is classified as a deadlock by a `sitecustomize.py` on the daemons'
//!   `PYTHONPATH`, so oslo.db's retry decorators run the transaction again as they would on MySQL;
//!   without it Nova answered 500 to a `stop` while `nova-compute` reported in.
//! - oslo.service daemons ignore SIGTERM for `graceful_shutdown_timeout` (set to 2 s).
//!
//! Setup (schemas, rings, keys) runs once and is stamped with a fingerprint of the rendered
//! configuration (and Keystone's bootstrap password); it reruns when a template or a credential
//! changes (or with `CLOUD_EMULATORS_FRESH=1`).
//!
//! Every credential chosen here is a canary (the secret canary of `cargo xtask test`): the admin
//! password, RabbitMQ's user, Swift's tempauth users, Octavia's heartbeat key.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::http::Request;
use super::install::{is_root, run_logged};
use super::keystone::{self, AdminSession};
use super::layout::Layout;
use super::process::{self, ProcSpec, Ready};
use super::proof;
use super::{Ctx, Server, record_credentials, recorded_credential, var};

/// The cloud admin's password, a canary (the secret canary of `cargo xtask test`): given to
/// `keystone-manage bootstrap` and written into every service's configuration. Part of
/// Keystone's setup fingerprint, so a Keystone bootstrapped with another one is set up again
/// (with every service whose configuration holds it) on its next start.
const ADMIN_PASSWORD: &str = "CANARYcloudAdminPassword8Rt3";
/// The admin password of a Keystone bootstrapped before the canary (until it is set up again).
const LEGACY_ADMIN_PASSWORD: &str = "cloud-test-admin";
/// The variable that gives the admin password to the tests (and records it, see
/// `recorded_credential`).
const ADMIN_PASSWORD_VARIABLE: &str = "CLOUD_TEST_OS_ADMIN_PASSWORD";
/// The key of Swift's tempauth user `test:tester`, also the secret of its S3 access key `test:tester`
/// (s3api): a canary.
const TEMPAUTH_KEY: &str = "CANARYswiftTempauthKey6Wd2";
/// The tempauth key of a Swift set up before the canary (until it is set up again).
const LEGACY_TEMPAUTH_KEY: &str = "testing";
/// The key of tempauth's reseller admin `admin:admin` (no test uses it): a canary.
const TEMPAUTH_ADMIN_KEY: &str = "CANARYswiftTempauthAdmin9Jn4";
const TEMPAUTH_KEY_VARIABLE: &str = "CLOUD_TEST_SWIFT_TEMPAUTH_KEY";
/// The key Octavia's health manager checks amphora heartbeats with (none is sent here): a canary.
const OCTAVIA_HEARTBEAT_KEY: &str = "CANARYoctaviaHeartbeatKey4Vb8";
/// RabbitMQ's only user (`default_user`, created with an empty database instead of `guest`),
/// whose password is a canary.
const RABBIT_USER: &str = "cloud-test";
const RABBIT_PASSWORD: &str = "CANARYrabbitmqPassword3Zk7";
pub(super) const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// Bump to force every setup to rerun after a change that templates do not show.
const SETUP_VERSION: &str = "1";

const DEFAULT_COMMON: &str = "use_stderr = true
log_file =
log_dir =
graceful_shutdown_timeout = 2";

const POLICY: &str = "[oslo_policy]
enforce_new_defaults = false
enforce_scope = false";

const AUTHTOKEN_OPTIONS: &str = "www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = admin
username = admin
password = @ADMIN_PASSWORD@";

const SERVICE_AUTH: &str = "auth_url = http://127.0.0.1:5000/v3
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = admin
username = admin
password = @ADMIN_PASSWORD@
region_name = RegionOne";

/// The Debian packages of one server.
pub(super) fn apt_packages(server: Server) -> &'static [&'static str] {
    match server {
        Server::Keystone => &["keystone", "python3-openstackclient"],
        Server::Swift => &[
            "swift",
            "swift-proxy",
            "swift-account",
            "swift-container",
            "swift-object",
            "memcached",
            "python3-keystonemiddleware",
        ],
        Server::Rabbitmq => &["rabbitmq-server"],
        Server::Neutron => &["neutron-server"],
        Server::Cinder => &["cinder-api", "cinder-scheduler", "cinder-volume"],
        Server::Placement => &["placement-api"],
        Server::Glance => &["glance-api"],
        // Not `nova-compute`: it pulls in libvirt; the compute service runs from python3-nova.
        Server::Nova => &["nova-api", "nova-conductor", "nova-scheduler"],
        Server::Heat => &["heat-api", "heat-engine"],
        Server::Designate => {
            &["designate-api", "designate-central", "designate-worker", "designate-producer", "designate-mdns"]
        }
        Server::Octavia => &["octavia-api", "octavia-worker", "openssl"],
        Server::Cloudkitty => &["cloudkitty-api", "influxdb"],
        _ => &[],
    }
}

/// The directory of one service's configuration and data.
pub(super) fn dir(layout: &Layout, server: Server) -> PathBuf {
    layout.data("openstack").join(server.name())
}

/// The catalog entry of a service: type, name, URL (the same for every interface).
pub(super) fn catalog_entry(server: Server) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match server {
        Server::Keystone => ("identity", "keystone", "http://127.0.0.1:5000/v3/"),
        Server::Swift => ("object-store", "swift", "http://127.0.0.1:8081/v1/AUTH_%(project_id)s"),
        Server::Neutron => ("network", "neutron", "http://127.0.0.1:9696"),
        Server::Cinder => ("volumev3", "cinderv3", "http://127.0.0.1:8776/v3/%(project_id)s"),
        Server::Placement => ("placement", "placement", "http://127.0.0.1:8778"),
        Server::Glance => ("image", "glance", "http://127.0.0.1:9292"),
        Server::Nova => ("compute", "nova", "http://127.0.0.1:8774/v2.1"),
        Server::Heat => ("orchestration", "heat", "http://127.0.0.1:8004/v1/%(project_id)s"),
        Server::Designate => ("dns", "designate", "http://127.0.0.1:9001/"),
        Server::Octavia => ("load-balancer", "octavia", "http://127.0.0.1:9876"),
        Server::Cloudkitty => ("rating", "cloudkitty", "http://127.0.0.1:8889"),
        _ => return None,
    })
}

/// The admin password the running Keystone was bootstrapped with.
pub(super) fn admin_password(layout: &Layout) -> Result<String> {
    recorded_credential(layout, Server::Keystone, ADMIN_PASSWORD_VARIABLE, LEGACY_ADMIN_PASSWORD)
}

/// The tempauth key of `test:tester` the Swift proxy's configuration holds.
fn tempauth_key(layout: &Layout) -> Result<String> {
    recorded_credential(layout, Server::Swift, TEMPAUTH_KEY_VARIABLE, LEGACY_TEMPAUTH_KEY)
}

pub(super) fn swift_env(layout: &Layout) -> Result<Vec<(String, String)>> {
    let key = tempauth_key(layout)?;
    Ok(vec![
        var("CLOUD_TEST_SWIFT_TEMPAUTH_URL", "http://127.0.0.1:8080/auth/v1.0"),
        var("CLOUD_TEST_SWIFT_TEMPAUTH_USER", "test:tester"),
        var(TEMPAUTH_KEY_VARIABLE, key.clone()),
        var("CLOUD_TEST_SWIFT_S3_ENDPOINT", "http://127.0.0.1:8080"),
        var("CLOUD_TEST_SWIFT_S3_REGION", "us-east-1"),
        var("CLOUD_TEST_SWIFT_S3_ACCESS_KEY_ID", "test:tester"),
        var("CLOUD_TEST_SWIFT_S3_SECRET_ACCESS_KEY", key),
        var("CLOUD_TEST_SWIFT_S3_BUCKET", "cloud-test"),
    ])
}

// ---------------------------------------------------------------------------------------------
// Configuration

/// The rendered configuration files of one server: (file name, contents).
fn configs(layout: &Layout, server: Server) -> Result<Vec<(String, String)>> {
    let d = dir(layout, server);
    let d = d.to_str().context("the emulator directory must be valid UTF-8")?;
    let render = |template: &str| render(template, d);
    Ok(match server {
        Server::Keystone => vec![("keystone.conf".into(), render(include_str!("templates/keystone.conf"))?)],
        Server::Swift => {
            let filters = include_str!("templates/swift-proxy-filters.conf");
            let mut files = vec![
                ("etc/swift.conf".into(), render(include_str!("templates/swift.conf"))?),
                (
                    "etc/proxy-tempauth.conf".into(),
                    render(&include_str!("templates/swift-proxy-tempauth.conf").replace("@PROXY_FILTERS@", filters))?,
                ),
                (
                    "etc/proxy-keystone.conf".into(),
                    render(&include_str!("templates/swift-proxy-keystone.conf").replace("@PROXY_FILTERS@", filters))?,
                ),
            ];
            for (name, port) in SWIFT_STORAGE {
                let text = include_str!("templates/swift-storage-server.conf")
                    .replace("@NAME@", name)
                    .replace("@PORT@", &port.to_string());
                files.push((format!("etc/{name}-server.conf"), render(&text)?));
            }
            files
        }
        Server::Rabbitmq => vec![(
            "rabbitmq.conf".into(),
            format!(
                "# RabbitMQ on loopback only (rendered by `cargo xtask emulators`).\n\
                 listeners.tcp.1 = 127.0.0.1:5672\n\
                 default_user = {RABBIT_USER}\n\
                 default_pass = {RABBIT_PASSWORD}\n"
            ),
        )],
        Server::Neutron => vec![("neutron.conf".into(), render(include_str!("templates/neutron.conf"))?)],
        Server::Cinder => vec![("cinder.conf".into(), render(include_str!("templates/cinder.conf"))?)],
        Server::Placement => vec![("placement.conf".into(), render(include_str!("templates/placement.conf"))?)],
        Server::Glance => vec![("glance-api.conf".into(), render(include_str!("templates/glance-api.conf"))?)],
        Server::Nova => vec![("nova.conf".into(), render(include_str!("templates/nova.conf"))?)],
        Server::Heat => vec![("heat.conf".into(), render(include_str!("templates/heat.conf"))?)],
        Server::Designate => vec![
            ("designate.conf".into(), render(include_str!("templates/designate.conf"))?),
            ("pools.yaml".into(), include_str!("templates/designate-pools.yaml").to_owned()),
        ],
        Server::Octavia => vec![
            ("octavia.conf".into(), render(include_str!("templates/octavia.conf"))?),
            ("octavia-db.py".into(), include_str!("templates/octavia-db.py").to_owned()),
        ],
        Server::Cloudkitty => vec![
            ("cloudkitty.conf".into(), render(include_str!("templates/cloudkitty.conf"))?),
            ("influxdb.conf".into(), render(include_str!("templates/influxdb.conf"))?),
        ],
        _ => Vec::new(),
    })
}

const SWIFT_STORAGE: [(&str, u16); 3] = [("account", 6202), ("container", 6201), ("object", 6200)];

/// Fills a template's `@NAME@` placeholders; fails on any left over.
fn render(template: &str, dir: &str) -> Result<String> {
    let authtoken = format!("[keystone_authtoken]\n{AUTHTOKEN_OPTIONS}");
    let text = template
        .replace("@DEFAULT_COMMON@", DEFAULT_COMMON)
        .replace("@POLICY@", POLICY)
        .replace("@AUTHTOKEN@", &authtoken)
        .replace("@AUTHTOKEN_OPTIONS@", AUTHTOKEN_OPTIONS)
        .replace("@SERVICE_AUTH@", SERVICE_AUTH)
        .replace("@RABBIT@", &format!("rabbit://{RABBIT_USER}:{RABBIT_PASSWORD}@127.0.0.1:5672/"))
        .replace("@ADMIN_PASSWORD@", ADMIN_PASSWORD)
        .replace("@TEMPAUTH_KEY@", TEMPAUTH_KEY)
        .replace("@TEMPAUTH_ADMIN_KEY@", TEMPAUTH_ADMIN_KEY)
        .replace("@OCTAVIA_HEARTBEAT_KEY@", OCTAVIA_HEARTBEAT_KEY)
        .replace("@DIR@", dir);
    if let Some(left) = placeholder(&text) {
        bail!("template placeholder {left} was not filled");
    }
    Ok(text)
}

/// The first `@UPPER_CASE@` token, if any.
fn placeholder(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find('@') {
        let start = i + off;
        let len = bytes[start + 1..].iter().take_while(|b| b.is_ascii_uppercase() || **b == b'_').count();
        if len > 0 && bytes.get(start + 1 + len) == Some(&b'@') {
            return Some(&text[start..start + len + 2]);
        }
        i = start + 1;
    }
    None
}

/// What a server's setup depends on besides its rendered files: Keystone's database holds the
/// admin password given to `keystone-manage bootstrap`.
fn setup_inputs(server: Server, files: &[(String, String)]) -> Vec<(String, String)> {
    let mut inputs = files.to_vec();
    if server == Server::Keystone {
        inputs.push(("bootstrap password".to_owned(), ADMIN_PASSWORD.to_owned()));
    }
    inputs
}

/// FNV-1a over the rendered files: the setup stamp.
fn fingerprint(files: &[(String, String)]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in SETUP_VERSION.bytes().chain(files.iter().flat_map(|(n, t)| n.bytes().chain(t.bytes()))) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

// ---------------------------------------------------------------------------------------------
// Setup

/// Writes the configuration and, unless the stamp matches, creates databases, rings and keys.
pub(super) fn setup(ctx: &Ctx<'_>, server: Server) -> Result<()> {
    let layout = &ctx.layout;
    let d = dir(layout, server);
    let files = configs(layout, server)?;
    write_python_hooks(layout)?;
    let stamp_path = d.join(".setup");
    let stamp = fingerprint(&setup_inputs(server, &files));
    let fresh_requested = std::env::var_os("CLOUD_EMULATORS_FRESH").is_some_and(|v| v == "1");
    if !fresh_requested && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s.trim() == stamp) {
        if server == Server::Keystone {
            private_keys(&d)?;
        }
        return Ok(());
    }
    if server.procs(layout).iter().any(|p| process::running(layout, &p.name).ok().flatten().is_some()) {
        bail!(
            "{} must be set up again (its configuration changed or CLOUD_EMULATORS_FRESH=1) but it runs; \
             stop it first with `cargo xtask emulators down {}`",
            server.name(),
            server.name()
        );
    }
    let started = Instant::now();
    if d.exists() {
        std::fs::remove_dir_all(&d).with_context(|| format!("removing {}", d.display()))?;
    }
    std::fs::create_dir_all(&d)?;
    for (name, text) in &files {
        let path = d.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let log = layout.logs().join(format!("setup-{}.log", server.name()));
    std::fs::write(&log, "")?;
    let run = |program: &str, args: &[&str]| -> Result<()> { run_logged(ctx.command(program).args(args), &log) };
    let path = |p: &str| d.join(p).to_string_lossy().into_owned();
    let conf = |name: &str| path(name);
    match server {
        Server::Keystone => {
            for sub in ["fernet-keys", "credential-keys"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            private_keys(&d)?;
            let user = ctx.sh.cmd("id").arg("-un").quiet().read()?;
            let group = ctx.sh.cmd("id").arg("-gn").quiet().read()?;
            let config = conf("keystone.conf");
            let manage = |args: &[&str]| {
                let mut all = vec!["--config-file", config.as_str()];
                all.extend_from_slice(args);
                run("keystone-manage", &all)
            };
            manage(&["db_sync"])?;
            manage(&["fernet_setup", "--keystone-user", &user, "--keystone-group", &group])?;
            manage(&["credential_setup", "--keystone-user", &user, "--keystone-group", &group])?;
            manage(&[
                "bootstrap",
                "--bootstrap-password",
                ADMIN_PASSWORD,
                "--bootstrap-region-id",
                "RegionOne",
                "--bootstrap-admin-url",
                "http://127.0.0.1:5000/v3/",
                "--bootstrap-internal-url",
                "http://127.0.0.1:5000/v3/",
                "--bootstrap-public-url",
                "http://127.0.0.1:5000/v3/",
            ])?;
            wal(ctx, &log, &[d.join("keystone.db")])?;
            record_credentials(layout, server, &[var(ADMIN_PASSWORD_VARIABLE, ADMIN_PASSWORD)])?;
        }
        Server::Swift => {
            for sub in ["node/d1", "cache"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            for (name, port) in SWIFT_STORAGE {
                let builder = path(&format!("etc/{name}.builder"));
                run("swift-ring-builder", &[&builder, "create", "8", "1", "1"])?;
                run("swift-ring-builder", &[&builder, "add", &format!("r1z1-127.0.0.1:{port}/d1"), "100"])?;
                // Exit status 1 is a warning (e.g. "balance is not 0 with one device").
                let status = ctx
                    .command("swift-ring-builder")
                    .args([builder.as_str(), "rebalance"])
                    .output()
                    .context("running swift-ring-builder rebalance")?
                    .status;
                if status.code().is_none_or(|c| c > 1) {
                    bail!("swift-ring-builder {builder} rebalance failed ({status})");
                }
            }
            record_credentials(layout, server, &[var(TEMPAUTH_KEY_VARIABLE, TEMPAUTH_KEY)])?;
        }
        Server::Rabbitmq => {
            for sub in ["mnesia", "log"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            std::fs::write(d.join("enabled_plugins"), "[].\n")?;
        }
        Server::Neutron => {
            for sub in ["state", "lock"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            let db = d.join("neutron.db");
            let script = format!(
                "from neutron.db.migration.models import head\n\
                 from neutron_lib.db import model_base\n\
                 import sqlalchemy\n\
                 model_base.BASEV2.metadata.create_all(sqlalchemy.create_engine('sqlite:///{}'))\n",
                db.display()
            );
            run(SYSTEM_PYTHON, &["-c", &script])?;
            run("neutron-db-manage", &["--config-file", &conf("neutron.conf"), "stamp", "heads"])?;
            wal(ctx, &log, &[db])?;
        }
        Server::Cinder => {
            for sub in ["state", "lock"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            run("cinder-manage", &["--config-file", &conf("cinder.conf"), "db", "sync"])?;
            wal(ctx, &log, &[d.join("cinder.db")])?;
        }
        Server::Placement => {
            run("placement-manage", &["--config-file", &conf("placement.conf"), "db", "sync"])?;
            wal(ctx, &log, &[d.join("placement.db")])?;
        }
        Server::Glance => {
            for sub in ["images", "lock"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            run("glance-manage", &["--config-file", &conf("glance-api.conf"), "db_sync"])?;
            wal(ctx, &log, &[d.join("glance.db")])?;
        }
        Server::Nova => {
            for sub in ["state", "lock", "instances"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            let config = conf("nova.conf");
            let cell0 = format!("sqlite:///{}", d.join("nova_cell0.db").display());
            let manage = |args: &[&str]| {
                let mut all = vec!["--config-file", config.as_str()];
                all.extend_from_slice(args);
                run("nova-manage", &all)
            };
            manage(&["api_db", "sync"])?;
            manage(&["cell_v2", "map_cell0", "--database_connection", &cell0])?;
            manage(&["cell_v2", "create_cell", "--name", "cell1"])?;
            manage(&["db", "sync"])?;
            wal(ctx, &log, &[d.join("nova_api.db"), d.join("nova.db"), d.join("nova_cell0.db")])?;
        }
        Server::Heat => {
            std::fs::create_dir_all(d.join("lock"))?;
            run("heat-manage", &["--config-file", &conf("heat.conf"), "db_sync"])?;
            wal(ctx, &log, &[d.join("heat.db")])?;
        }
        Server::Designate => {
            std::fs::create_dir_all(d.join("lock"))?;
            run("designate-manage", &["--config-file", &conf("designate.conf"), "database", "sync"])?;
            wal(ctx, &log, &[d.join("designate.db")])?;
        }
        Server::Octavia => {
            for sub in ["certs", "lock", "state"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            run(
                "openssl",
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "3650",
                    "-subj",
                    "/CN=cloud-test-octavia-ca",
                    "-keyout",
                    &path("certs/ca.key"),
                    "-out",
                    &path("certs/ca.pem"),
                ],
            )?;
            let db = d.join("octavia.db");
            run(SYSTEM_PYTHON, &["-W", "ignore", &path("octavia-db.py"), &db.to_string_lossy()])?;
            run("octavia-db-manage", &["--config-file", &conf("octavia.conf"), "stamp", "head"])?;
            wal(ctx, &log, &[db])?;
        }
        Server::Cloudkitty => {
            for sub in ["lock", "coord", "influxdb/meta", "influxdb/data", "influxdb/wal"] {
                std::fs::create_dir_all(d.join(sub))?;
            }
            // The packaged metric definitions (only read by the processor, which is not run).
            std::fs::copy("/etc/cloudkitty/metrics.yml", d.join("metrics.yml")).context("copying metrics.yml")?;
            run("cloudkitty-dbsync", &["--config-file", &conf("cloudkitty.conf"), "upgrade"])?;
            wal(ctx, &log, &[d.join("cloudkitty.db")])?;
        }
        _ => {}
    }
    std::fs::write(&stamp_path, &stamp)?;
    eprintln!("    set up {} in {:.1} s", server.name(), started.elapsed().as_secs_f64());
    Ok(())
}

/// The directory on the daemons' `PYTHONPATH`: its `sitecustomize.py` makes oslo.db retry
/// sqlite's `database is locked` as the deadlock it is (see the file).
fn python_hooks(layout: &Layout) -> PathBuf {
    layout.data("openstack").join("python")
}

/// Written at every start (the daemons read it when they start, setup does not): changing it
/// needs no new setup.
fn write_python_hooks(layout: &Layout) -> Result<()> {
    super::write_start_file(&python_hooks(layout).join("sitecustomize.py"), include_str!("templates/sitecustomize.py"))
}

/// Keystone warns at every token when its key directories are readable by others.
fn private_keys(keystone_dir: &Path) -> Result<()> {
    for sub in ["fernet-keys", "credential-keys"] {
        let path = keystone_dir.join(sub);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("restricting {}", path.display()))?;
        }
    }
    Ok(())
}

/// Switches sqlite databases to WAL: without it a read transaction blocks commits in the same
/// process and the APIs answer 500 (`database is locked`).
fn wal(ctx: &Ctx<'_>, log: &Path, dbs: &[PathBuf]) -> Result<()> {
    for db in dbs {
        let script = "import sqlite3, sys\n\
                      mode = sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL').fetchone()[0]\n\
                      sys.exit(0 if mode == 'wal' else 'journal mode is ' + mode)\n";
        run_logged(ctx.command(SYSTEM_PYTHON).arg("-c").arg(script).arg(db), log)
            .with_context(|| format!("switching {} to WAL", db.display()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Processes

pub(super) fn procs(layout: &Layout, server: Server) -> Vec<ProcSpec> {
    let d = dir(layout, server);
    let name = server.name();
    let conf = |file: &str| d.join(file).into_os_string();
    let hooks = python_hooks(layout).into_os_string();
    let oslo = |proc_name: &str, program: &str, file: &str| {
        ProcSpec::new(name, proc_name, program)
            .arg("--config-file")
            .arg(conf(file))
            .env("PYTHONPATH", hooks.clone())
            .phase(2)
    };
    match server {
        Server::Keystone => vec![
            ProcSpec::new(name, "keystone", "keystone-wsgi-public")
                .args(["--host", "127.0.0.1", "--port", "5000"])
                .env("OS_KEYSTONE_CONFIG_FILES", conf("keystone.conf"))
                .ready(Ready::Http { port: 5000, path: "/v3" }, 90)
                .phase(1),
        ],
        Server::Swift => {
            let mut memcached = ProcSpec::new(name, "memcached", "memcached")
                .args(["-l", "127.0.0.1", "-p", "11211", "-U", "0", "-m", "64"])
                .ready(Ready::Tcp(11211), 30);
            if is_root() {
                memcached = memcached.args(["-u", "root"]);
            }
            let mut out = vec![memcached];
            for (server_name, port) in SWIFT_STORAGE {
                out.push(
                    ProcSpec::new(name, format!("swift-{server_name}"), format!("swift-{server_name}-server"))
                        .arg(conf(&format!("etc/{server_name}-server.conf")))
                        .arg("-v")
                        .ready(Ready::Http { port, path: "/healthcheck" }, 60)
                        .phase(1),
                );
            }
            for (proc_name, file, port) in [
                ("swift-proxy-tempauth", "etc/proxy-tempauth.conf", 8080),
                ("swift-proxy-keystone", "etc/proxy-keystone.conf", 8081),
            ] {
                out.push(
                    ProcSpec::new(name, proc_name, "swift-proxy-server")
                        .arg(conf(file))
                        .arg("-v")
                        .ready(Ready::Http { port, path: "/healthcheck" }, 60)
                        .phase(1),
                );
            }
            out
        }
        Server::Rabbitmq => {
            let mnesia = d.join("mnesia");
            let logs = d.join("log");
            vec![
                // Started first, in the foreground, so RabbitMQ does not spawn a daemonized epmd
                // that `down` would not find among its descendants.
                ProcSpec::new(name, "epmd", "epmd").args(["-address", "127.0.0.1"]).ready(Ready::Tcp(4369), 30),
                ProcSpec::new(name, "rabbitmq", "/usr/lib/rabbitmq/bin/rabbitmq-server")
                    .env("ERL_EPMD_ADDRESS", "127.0.0.1")
                    .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
                    .env("RABBITMQ_NODE_PORT", "5672")
                    .env("RABBITMQ_NODENAME", "rabbit@localhost")
                    .env("RABBITMQ_MNESIA_BASE", mnesia.into_os_string())
                    .env("RABBITMQ_LOG_BASE", logs.into_os_string())
                    .env("RABBITMQ_ENABLED_PLUGINS_FILE", conf("enabled_plugins"))
                    .env("RABBITMQ_CONFIG_FILE", conf("rabbitmq"))
                    // Never spawn an epmd daemon of its own (it would outlive `down`); bind
                    // Erlang distribution to loopback.
                    .env(
                        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                        "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
                    )
                    .env("HOME", d.clone().into_os_string())
                    .ready(Ready::Tcp(5672), 120)
                    .phase(1),
            ]
        }
        Server::Placement => vec![
            ProcSpec::new(name, "placement", "placement-api")
                .args(["--host", "127.0.0.1", "--port", "8778"])
                .env("OS_PLACEMENT_CONFIG_DIR", d.clone().into_os_string())
                .ready(Ready::Http { port: 8778, path: "/" }, 90)
                .phase(2),
        ],
        Server::Glance => {
            vec![oslo("glance", "glance-api", "glance-api.conf").ready(Ready::Http { port: 9292, path: "/" }, 90)]
        }
        Server::Neutron => {
            vec![oslo("neutron", "neutron-server", "neutron.conf").ready(Ready::Http { port: 9696, path: "/" }, 120)]
        }
        Server::Cinder => vec![
            oslo("cinder-api", "cinder-api", "cinder.conf").ready(Ready::Http { port: 8776, path: "/" }, 120),
            oslo("cinder-scheduler", "cinder-scheduler", "cinder.conf"),
            oslo("cinder-volume", "cinder-volume", "cinder.conf"),
        ],
        Server::Nova => {
            let script = "import sys\nfrom nova.cmd.compute import main\n\
                          sys.argv = ['nova-compute', '--config-file', sys.argv[1]]\nsys.exit(main())\n";
            vec![
                oslo("nova-api", "nova-api", "nova.conf").ready(Ready::Http { port: 8774, path: "/" }, 150),
                oslo("nova-conductor", "nova-conductor", "nova.conf"),
                oslo("nova-scheduler", "nova-scheduler", "nova.conf"),
                // After the conductor and the APIs: it registers its hypervisor in Placement.
                ProcSpec::new(name, "nova-compute", SYSTEM_PYTHON)
                    .arg("-c")
                    .arg(script)
                    .arg(conf("nova.conf"))
                    .env("PYTHONPATH", hooks.clone())
                    .phase(3),
            ]
        }
        Server::Heat => vec![oslo("heat", "heat-all", "heat.conf").ready(Ready::Http { port: 8004, path: "/" }, 90)],
        Server::Designate => vec![
            oslo("designate-central", "designate-central", "designate.conf"),
            oslo("designate-api", "designate-api", "designate.conf").ready(Ready::Http { port: 9001, path: "/" }, 90),
            oslo("designate-mdns", "designate-mdns", "designate.conf").ready(Ready::Tcp(5354), 90),
            oslo("designate-producer", "designate-producer", "designate.conf"),
            // After `pool update`: the worker caches the pool at start.
            oslo("designate-worker", "designate-worker", "designate.conf").phase(3),
        ],
        Server::Octavia => vec![
            oslo("octavia-worker", "octavia-worker", "octavia.conf"),
            oslo("octavia-api", "octavia-api", "octavia.conf").ready(Ready::Http { port: 9876, path: "/" }, 90),
        ],
        Server::Cloudkitty => vec![
            // Rated data is stored in InfluxDB (CloudKitty's v2 storage; the v2 API needs it).
            ProcSpec::new(name, "influxdb", "influxd")
                .arg("-config")
                .arg(conf("influxdb.conf"))
                .ready(Ready::Http { port: 8086, path: "/ping" }, 60)
                .phase(1),
            // pbr's WSGI server: its own options, then the oslo ones after `--`.
            ProcSpec::new(name, "cloudkitty-api", "cloudkitty-api")
                .args(["--host", "127.0.0.1", "--port", "8889", "--", "--config-file"])
                .arg(conf("cloudkitty.conf"))
                .ready(Ready::Http { port: 8889, path: "/" }, 90)
                .phase(2),
        ],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Hooks

/// After phase 1 (Keystone is up, before any other OpenStack service starts), Keystone registers
/// the catalog and the test identity: Nova's conductor and scheduler look Placement up in the
/// catalog when they start, and a service started before its peers' endpoints exist keeps failing
/// (scheduling then ends in `MessagingTimeout`). After phase 2 (every API is up) Designate loads
/// its pool; after phase 3, the workers are checked through the APIs.
pub(super) fn after_phase(
    ctx: &Ctx<'_>,
    server: Server,
    phase: u8,
    fresh: bool,
    selected: &BTreeSet<Server>,
) -> Result<()> {
    match (server, phase) {
        (Server::Swift, 1) => swift_container(&tempauth_key(&ctx.layout)?),
        (Server::Keystone, 1) => keystone::provision(ctx, selected, fresh),
        (Server::Designate, 2) => designate_pool(ctx),
        (Server::Cloudkitty, 1) => cloudkitty_storage(ctx),
        (Server::Nova, 2) => {
            // Stamped in the databases' directories: they go away together.
            let flavor = dir(&ctx.layout, Server::Nova).join(".flavor");
            let image = dir(&ctx.layout, Server::Glance).join(".image");
            if flavor.exists() && image.exists() {
                return Ok(());
            }
            let admin = AdminSession::login(&ctx.layout)?;
            keystone::ensure_flavor(&admin)?;
            std::fs::write(flavor, keystone::FLAVOR)?;
            keystone::ensure_image(&admin)?;
            std::fs::write(image, keystone::IMAGE)?;
            Ok(())
        }
        (Server::Nova, 3) if fresh => proof::nova_discover(ctx),
        _ => Ok(()),
    }
}

/// The container `cloud-test` of the tempauth account (the S3 bucket of the same name).
fn swift_container(key: &str) -> Result<()> {
    let auth = Request::get(8080, "/auth/v1.0")
        .header("X-Auth-User", "test:tester")
        .header("X-Auth-Key", key)
        .send()?
        .expect(&[200], "tempauth login")?;
    let token = auth.header("X-Auth-Token").context("tempauth answered without X-Auth-Token")?.to_owned();
    Request::new("PUT", 8080, "/v1/AUTH_test/cloud-test")
        .header("X-Auth-Token", token)
        .send()?
        .expect(&[201, 202], "creating the Swift container cloud-test")?;
    Ok(())
}

/// Loads the fake pool into Designate once (it lives in the database afterwards).
fn designate_pool(ctx: &Ctx<'_>) -> Result<()> {
    let d = dir(&ctx.layout, Server::Designate);
    let stamp = d.join(".pool");
    if stamp.exists() {
        return Ok(());
    }
    let log = ctx.layout.logs().join("setup-designate.log");
    let started = Instant::now();
    // central must consume RPC before `pool update` can reach it: retry for a while.
    loop {
        let result = run_logged(
            ctx.command("designate-manage")
                .arg("--config-file")
                .arg(d.join("designate.conf"))
                .args(["pool", "update", "--file"])
                .arg(d.join("pools.yaml")),
            &log,
        );
        match result {
            Ok(()) => {
                std::fs::write(&stamp, "")?;
                return Ok(());
            }
            Err(err) if started.elapsed() > Duration::from_secs(120) => {
                return Err(err.context("loading Designate's pool"));
            }
            Err(_) => std::thread::sleep(Duration::from_secs(2)),
        }
    }
}

/// CloudKitty's InfluxDB database and retention policy, once InfluxDB answers (idempotent).
fn cloudkitty_storage(ctx: &Ctx<'_>) -> Result<()> {
    Request::new("POST", 8086, "/query?q=CREATE%20DATABASE%20cloudkitty")
        .send()?
        .expect(&[200], "creating the InfluxDB database cloudkitty")?;
    let d = dir(&ctx.layout, Server::Cloudkitty);
    let log = ctx.layout.logs().join("setup-cloudkitty.log");
    run_logged(ctx.command("cloudkitty-storage-init").arg("--config-file").arg(d.join("cloudkitty.conf")), &log)
        .context("cloudkitty-storage-init")
}

/// After RabbitMQ stopped: removes the pid file a SIGKILLed node leaves in its mnesia directory.
pub(super) fn after_stop(layout: &Layout) {
    let mnesia = dir(layout, Server::Rabbitmq).join("mnesia");
    if let Ok(entries) = std::fs::read_dir(&mnesia) {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "pid") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulators::lookup;

    #[test]
    fn every_template_renders_without_placeholders() {
        let layout = Layout::at("/nonexistent/cloud-emulators");
        for server in Server::OPENSTACK {
            for (name, text) in configs(&layout, server).unwrap() {
                assert!(placeholder(&text).is_none(), "{name}");
                assert!(!text.contains("@DIR@"), "{name}");
            }
        }
    }

    #[test]
    fn placeholders_are_found() {
        assert_eq!(placeholder("a = @DIR@/x"), Some("@DIR@"));
        assert_eq!(placeholder("rabbit://user:pass@127.0.0.1:5672/"), None);
        assert_eq!(placeholder("user@example.org @A_B@"), Some("@A_B@"));
        assert!(render("x = @NOPE@", "/d").is_err());
    }

    /// Every credential option of the rendered configurations carries the canary marker: the
    /// admin password of each service, RabbitMQ's user (in the transport URL and its own
    /// configuration), Swift's tempauth users and Octavia's heartbeat key.
    #[test]
    fn every_rendered_credential_is_a_canary() {
        for chosen in [ADMIN_PASSWORD, TEMPAUTH_KEY, TEMPAUTH_ADMIN_KEY, RABBIT_PASSWORD, OCTAVIA_HEARTBEAT_KEY] {
            assert!(chosen.starts_with(crate::canary::MARKER), "{chosen}");
        }
        let layout = Layout::at("/nonexistent/cloud-emulators");
        let mut credentials = 0;
        for server in Server::OPENSTACK {
            for (name, text) in configs(&layout, server).unwrap() {
                for line in text.lines().filter(|l| !l.starts_with('#')) {
                    let Some((key, value)) = line.split_once('=') else { continue };
                    let (key, value) = (key.trim(), value.trim());
                    let credential = matches!(key, "password" | "default_pass" | "heartbeat_key")
                        || (key == "transport_url" && value.starts_with("rabbit://"))
                        || (key.starts_with("user_") && value.contains(".admin"));
                    if credential {
                        credentials += 1;
                        assert!(value.contains(crate::canary::MARKER), "{name}: {line}");
                    }
                }
                for legacy in [LEGACY_ADMIN_PASSWORD, "guest:guest", "= testing", "= insecure", "= admin ."] {
                    assert!(!text.contains(legacy), "{name} still holds {legacy:?}");
                }
            }
        }
        // 10 services' admin password (two in some), 8 transport URLs, RabbitMQ, tempauth, Octavia.
        assert!(credentials >= 25, "{credentials}");
    }

    /// Keystone's database holds the bootstrap password: changing it sets Keystone up again.
    #[test]
    fn the_admin_password_is_part_of_keystones_setup_fingerprint() {
        let files = configs(&Layout::at("/nonexistent/cloud-emulators"), Server::Keystone).unwrap();
        assert!(!files.iter().any(|(_, text)| text.contains(ADMIN_PASSWORD)));
        assert_ne!(fingerprint(&setup_inputs(Server::Keystone, &files)), fingerprint(&files));
        assert_eq!(setup_inputs(Server::Swift, &files), files);
    }

    /// A Keystone and a Swift set up before the canary keep handing out their former credentials
    /// (what their database and configuration hold); once set up again, the recorded canaries,
    /// which `cargo xtask test`'s secret canary counts and searches for.
    #[test]
    fn servers_hand_out_the_credentials_they_were_set_up_with() {
        let root = std::env::temp_dir().join(format!("xtask-openstack-credentials-{}", std::process::id()));
        let layout = Layout::at(&root);
        std::fs::create_dir_all(layout.env_dir()).unwrap();
        assert_eq!(admin_password(&layout).unwrap(), LEGACY_ADMIN_PASSWORD);
        assert_eq!(lookup(&swift_env(&layout).unwrap(), "CLOUD_TEST_SWIFT_S3_SECRET_ACCESS_KEY"), Some("testing"));

        record_credentials(&layout, Server::Keystone, &[var(ADMIN_PASSWORD_VARIABLE, ADMIN_PASSWORD)]).unwrap();
        record_credentials(&layout, Server::Swift, &[var(TEMPAUTH_KEY_VARIABLE, TEMPAUTH_KEY)]).unwrap();
        let mut env = swift_env(&layout).unwrap();
        assert_eq!(lookup(&env, "CLOUD_TEST_SWIFT_S3_SECRET_ACCESS_KEY"), Some(TEMPAUTH_KEY));
        env.push(var(ADMIN_PASSWORD_VARIABLE, admin_password(&layout).unwrap()));
        let canaries = crate::canary::Canaries::from_env(&env);
        // The S3 secret is the tempauth key: one credential.
        assert_eq!(canaries.credentials(), 2);
        assert_eq!(canaries.marked(), [TEMPAUTH_KEY_VARIABLE, ADMIN_PASSWORD_VARIABLE]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn fingerprint_changes_with_content() {
        let a = fingerprint(&[("a".into(), "1".into())]);
        assert_eq!(a, fingerprint(&[("a".into(), "1".into())]));
        assert_ne!(a, fingerprint(&[("a".into(), "2".into())]));
    }
}
