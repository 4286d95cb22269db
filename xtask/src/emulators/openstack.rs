//! OpenStack from Debian bookworm packages (Zed): Keystone, Swift, RabbitMQ, Placement, Glance,
//! Neutron, Cinder, Nova, Heat and Designate, all on 127.0.0.1, with sqlite databases in WAL
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
//!   `nova-compute` package pulls in libvirt. It starts after the catalog exists, then the cell's
//!   hosts are discovered.
//! - **Heat** needs `deferred_auth_method = password`: with trusts, application-credential
//!   tokens fail (`Delegated tokens cannot manage trusts`).
//! - **Designate** uses a `fake` pool target whose masters point at mdns, and the worker caches
//!   the pool: `designate-manage pool update` runs before the worker starts.
//! - oslo.service daemons ignore SIGTERM for `graceful_shutdown_timeout` (set to 2 s).
//!
//! Setup (schemas, rings, keys) runs once and is stamped with a fingerprint of the rendered
//! configuration; it reruns when a template changes (or with `CLOUD_EMULATORS_FRESH=1`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;

use super::http::Request;
use super::install::{is_root, run_logged};
use super::keystone::{self, AdminSession};
use super::layout::Layout;
use super::process::{self, ProcSpec, Ready};
use super::{Ctx, Server, var};

/// The cloud admin's password (a local test server on loopback).
pub(super) const ADMIN_PASSWORD: &str = "cloud-test-admin";
const RABBIT_URL: &str = "rabbit://guest:guest@127.0.0.1:5672/";
const SYSTEM_PYTHON: &str = "/usr/bin/python3";

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
        Server::Swift => {
            &["swift", "swift-proxy", "swift-account", "swift-container", "swift-object", "memcached", "python3-keystonemiddleware"]
        }
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
        _ => &[],
    }
}

/// The directory of one service's configuration and data.
fn dir(layout: &Layout, server: Server) -> PathBuf {
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
        _ => return None,
    })
}

pub(super) fn swift_env() -> Vec<(String, String)> {
    vec![
        var("CLOUD_TEST_SWIFT_TEMPAUTH_URL", "http://127.0.0.1:8080/auth/v1.0"),
        var("CLOUD_TEST_SWIFT_TEMPAUTH_USER", "test:tester"),
        var("CLOUD_TEST_SWIFT_TEMPAUTH_KEY", "testing"),
        var("CLOUD_TEST_SWIFT_S3_ENDPOINT", "http://127.0.0.1:8080"),
        var("CLOUD_TEST_SWIFT_S3_REGION", "us-east-1"),
        var("CLOUD_TEST_SWIFT_S3_ACCESS_KEY_ID", "test:tester"),
        var("CLOUD_TEST_SWIFT_S3_SECRET_ACCESS_KEY", "testing"),
        var("CLOUD_TEST_SWIFT_S3_BUCKET", "cloud-test"),
    ]
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
            "# RabbitMQ on loopback only (rendered by `cargo xtask emulators`).\n\
             listeners.tcp.1 = 127.0.0.1:5672\n"
                .to_owned(),
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
        .replace("@RABBIT@", RABBIT_URL)
        .replace("@ADMIN_PASSWORD@", ADMIN_PASSWORD)
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
    let stamp_path = d.join(".setup");
    let stamp = fingerprint(&files);
    let fresh_requested = std::env::var_os("CLOUD_EMULATORS_FRESH").is_some_and(|v| v == "1");
    if !fresh_requested && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s.trim() == stamp) {
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
        _ => {}
    }
    std::fs::write(&stamp_path, &stamp)?;
    eprintln!("    set up {} in {:.1} s", server.name(), started.elapsed().as_secs_f64());
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
    let oslo = |proc_name: &str, program: &str, file: &str| {
        ProcSpec::new(name, proc_name, program).arg("--config-file").arg(conf(file)).phase(2)
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
            for (proc_name, file, port) in
                [("swift-proxy-tempauth", "etc/proxy-tempauth.conf", 8080), ("swift-proxy-keystone", "etc/proxy-keystone.conf", 8081)]
            {
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
            let script = format!(
                "import sys\nfrom nova.cmd.compute import main\n\
                 sys.argv = ['nova-compute', '--config-file', {:?}]\nsys.exit(main())\n",
                d.join("nova.conf").display().to_string()
            );
            vec![
                oslo("nova-api", "nova-api", "nova.conf").ready(Ready::Http { port: 8774, path: "/" }, 150),
                oslo("nova-conductor", "nova-conductor", "nova.conf"),
                oslo("nova-scheduler", "nova-scheduler", "nova.conf"),
                // After the catalog exists: it finds Placement through it at start.
                ProcSpec::new(name, "nova-compute", SYSTEM_PYTHON).arg("-c").arg(script).phase(3),
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
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Hooks

/// After phase 2 (every API is up), Keystone registers the catalog and the test identity, and
/// Designate loads its pool; after phase 3, the workers are checked through the APIs.
pub(super) fn after_phase(
    ctx: &Ctx<'_>,
    server: Server,
    phase: u8,
    fresh: bool,
    selected: &BTreeSet<Server>,
) -> Result<()> {
    match (server, phase) {
        (Server::Swift, 1) => swift_container(),
        (Server::Keystone, 2) => keystone::provision(ctx, selected),
        (Server::Designate, 2) => designate_pool(ctx),
        (Server::Nova, 2) => {
            let admin = AdminSession::login()?;
            keystone::ensure_flavor(&admin)?;
            keystone::ensure_image(&admin)
        }
        (Server::Nova, 3) if fresh => nova_discover(ctx),
        _ => Ok(()),
    }
}

/// Proves the workers of freshly started services by doing real work once, in parallel:
/// heartbeats left in the database by the previous run may say "up" too early.
pub(super) fn prove_workers(layout: &Layout, fresh: &[Server]) -> Result<()> {
    type Probe = fn(&AdminSession, &str) -> Result<()>;
    let probes: Vec<(&str, Probe)> = fresh
        .iter()
        .filter_map(|server| match server {
            Server::Nova => Some(("nova-compute", nova_probe as Probe)),
            Server::Cinder => Some(("cinder-volume", cinder_probe as Probe)),
            Server::Heat => Some(("heat", heat_probe as Probe)),
            Server::Designate => Some(("designate-worker", designate_probe as Probe)),
            _ => None,
        })
        .collect();
    if probes.is_empty() {
        return Ok(());
    }
    let admin = AdminSession::login()?;
    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = probes
            .iter()
            .map(|(name, probe)| {
                let admin = &admin;
                scope.spawn(move || prove(layout, admin, name, *probe))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("probe panicked")))).collect()
    });
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).map(|e| format!("{e:#}")).collect();
    if !errors.is_empty() {
        bail!("{}", errors.join("\n\n"));
    }
    Ok(())
}

/// The container `cloud-test` of the tempauth account (the S3 bucket of the same name).
fn swift_container() -> Result<()> {
    let auth = Request::get(8080, "/auth/v1.0")
        .header("X-Auth-User", "test:tester")
        .header("X-Auth-Key", "testing")
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

/// Waits until the fake hypervisor registered itself, then maps it into the cell.
fn nova_discover(ctx: &Ctx<'_>) -> Result<()> {
    let d = dir(&ctx.layout, Server::Nova);
    let started = Instant::now();
    let admin = AdminSession::login()?;
    while hypervisors(&admin)? == 0 {
        if compute_nodes(ctx, &d.join("nova.db"))? > 0 {
            run_logged(
                ctx.command("nova-manage").arg("--config-file").arg(d.join("nova.conf")).args(["cell_v2", "discover_hosts"]),
                &ctx.layout.logs().join("setup-nova.log"),
            )?;
            continue;
        }
        if started.elapsed() > Duration::from_secs(180) {
            bail!(
                "nova-compute did not register its fake hypervisor within 180 s\n{}",
                process::log_tail(&ctx.layout.log("nova-compute"), 40)
            );
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    Ok(())
}

fn compute_nodes(ctx: &Ctx<'_>, db: &Path) -> Result<u64> {
    let script = "import sqlite3, sys\n\
                  print(sqlite3.connect(sys.argv[1]).execute('select count(*) from compute_nodes where deleted = 0').fetchone()[0])\n";
    let out = ctx.command(SYSTEM_PYTHON).arg("-c").arg(script).arg(db).output()?;
    if !out.status.success() {
        bail!("reading {}: {}", db.display(), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0))
}

fn hypervisors(admin: &AdminSession) -> Result<usize> {
    let resp = admin.get(8774, "/v2.1/os-hypervisors")?.expect(&[200], "GET /os-hypervisors")?;
    Ok(resp.json()?["hypervisors"].as_array().map_or(0, Vec::len))
}

/// How long a worker may take to do its first piece of real work.
const PROVE_TIMEOUT: Duration = Duration::from_secs(180);

/// Retries `probe` (create a resource, wait until it is usable, delete it) until it succeeds;
/// fails with the worker's log after [`PROVE_TIMEOUT`].
fn prove(
    layout: &Layout,
    admin: &AdminSession,
    process_name: &str,
    probe: fn(&AdminSession, &str) -> Result<()>,
) -> Result<()> {
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let suffix = format!("{}-{attempt}", std::process::id());
        match probe(admin, &suffix) {
            Ok(()) => {
                eprintln!("      {process_name} works ({:.1} s)", started.elapsed().as_secs_f64());
                return Ok(());
            }
            Err(err) if started.elapsed() > PROVE_TIMEOUT => {
                bail!(
                    "{process_name} did not work within {} s: {err:#}\n{}",
                    PROVE_TIMEOUT.as_secs(),
                    process::log_tail(&layout.log(process_name), 40)
                );
            }
            Err(_) => std::thread::sleep(Duration::from_secs(2)),
        }
    }
}

/// Polls `status` every half second until it leaves the `pending` states (60 s at most).
fn settle(what: &str, pending: &[&str], mut status: impl FnMut() -> Result<String>) -> Result<String> {
    let started = Instant::now();
    loop {
        let now = status()?;
        if !pending.contains(&now.as_str()) {
            return Ok(now);
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("{what} still {now} after 60 s");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn cinder_probe(admin: &AdminSession, suffix: &str) -> Result<()> {
    let base = format!("/v3/{}/volumes", admin.project_id());
    let created = admin
        .send("POST", 8776, &base, &json!({"volume": {"size": 1, "name": format!("cloud-test-readiness-{suffix}")}}))?
        .expect(&[202], "creating a volume")?
        .json()?;
    let id = created["volume"]["id"].as_str().context("volume without id")?.to_owned();
    let status = settle("volume", &["creating"], || {
        let v = admin.get(8776, &format!("{base}/{id}"))?.expect(&[200], "GET volume")?.json()?;
        Ok(v["volume"]["status"].as_str().unwrap_or_default().to_owned())
    });
    admin.delete(8776, &format!("{base}/{id}"))?;
    match status? {
        s if s == "available" => Ok(()),
        s => bail!("volume went {s}"),
    }
}

fn nova_probe(admin: &AdminSession, suffix: &str) -> Result<()> {
    let version = [("OpenStack-API-Version", "compute 2.79")];
    let images = admin.get(9292, &format!("/v2/images?name={}", keystone::IMAGE))?.expect(&[200], "GET images")?.json()?;
    let image = images["images"][0]["id"].as_str().context("no test image")?.to_owned();
    let flavors = admin.get(8774, "/v2.1/flavors")?.expect(&[200], "GET flavors")?.json()?;
    let flavor = flavors["flavors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == keystone::FLAVOR)
        .and_then(|f| f["id"].as_str())
        .context("no test flavor")?
        .to_owned();
    let body = json!({"server": {"name": format!("cloud-test-readiness-{suffix}"), "imageRef": image,
        "flavorRef": flavor, "networks": "none"}});
    let created = admin.send_with("POST", 8774, "/v2.1/servers", &version, &body)?.expect(&[202], "creating a server")?.json()?;
    let id = created["server"]["id"].as_str().context("server without id")?.to_owned();
    let path = format!("/v2.1/servers/{id}");
    let mut fault = String::new();
    let status = settle("server", &["BUILD"], || {
        let s = admin.get(8774, &path)?.expect(&[200], "GET server")?.json()?;
        fault = s["server"]["fault"]["message"].as_str().unwrap_or_default().to_owned();
        Ok(s["server"]["status"].as_str().unwrap_or_default().to_owned())
    });
    admin.delete(8774, &path)?;
    match status? {
        s if s == "ACTIVE" => Ok(()),
        s => bail!("server went {s}: {fault}"),
    }
}

fn heat_probe(admin: &AdminSession, suffix: &str) -> Result<()> {
    let base = format!("/v1/{}/stacks", admin.project_id());
    let name = format!("cloud-test-readiness-{suffix}");
    let template = json!({"heat_template_version": "2018-08-31",
        "resources": {"r": {"type": "OS::Heat::RandomString"}}});
    let created = admin
        .send("POST", 8004, &base, &json!({"stack_name": name, "template": template}))?
        .expect(&[201], "creating a stack")?
        .json()?;
    let id = created["stack"]["id"].as_str().context("stack without id")?.to_owned();
    let path = format!("{base}/{name}/{id}");
    let status = settle("stack", &["CREATE_IN_PROGRESS", "INIT_IN_PROGRESS"], || {
        let s = admin.get(8004, &path)?.expect(&[200], "GET stack")?.json()?;
        Ok(s["stack"]["stack_status"].as_str().unwrap_or_default().to_owned())
    });
    admin.delete(8004, &path)?;
    match status? {
        s if s == "CREATE_COMPLETE" => Ok(()),
        s => bail!("stack went {s}"),
    }
}

fn designate_probe(admin: &AdminSession, suffix: &str) -> Result<()> {
    let body = json!({"name": format!("readiness-{suffix}.cloud-test.example."), "email": "admin@cloud-test.example", "ttl": 300});
    let created = admin.send("POST", 9001, "/v2/zones", &body)?.expect(&[202], "creating a zone")?.json()?;
    let id = created["id"].as_str().context("zone without id")?.to_owned();
    let path = format!("/v2/zones/{id}");
    let status = settle("zone", &["PENDING"], || {
        let z = admin.get(9001, &path)?.expect(&[200], "GET zone")?.json()?;
        Ok(z["status"].as_str().unwrap_or_default().to_owned())
    });
    admin.delete(9001, &path)?;
    match status? {
        s if s == "ACTIVE" => Ok(()),
        s => bail!("zone went {s}"),
    }
}

/// After RabbitMQ stopped: its epmd was stopped with it; nothing else to clean.
pub(super) fn after_stop(layout: &Layout) {
    // RabbitMQ leaves a pid file and lock in its mnesia directory; a stale one blocks the next
    // start only if the node did not shut down, which SIGKILL can cause.
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

    #[test]
    fn every_template_renders_without_placeholders() {
        let layout = Layout::from_env().unwrap();
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
        assert_eq!(placeholder("rabbit://guest:guest@127.0.0.1:5672/"), None);
        assert_eq!(placeholder("user@example.org @A_B@"), Some("@A_B@"));
        assert!(render("x = @NOPE@", "/d").is_err());
    }

    #[test]
    fn fingerprint_changes_with_content() {
        let a = fingerprint(&[("a".into(), "1".into())]);
        assert_eq!(a, fingerprint(&[("a".into(), "1".into())]));
        assert_ne!(a, fingerprint(&[("a".into(), "2".into())]));
    }
}
