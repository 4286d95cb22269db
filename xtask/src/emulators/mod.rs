//! `cargo xtask emulators`: installs, starts and stops the local servers the integration tests
//! talk to, all bound to 127.0.0.1.
//!
//! ```text
//! cargo xtask emulators up [NAMES…]     install what is missing, start, wait until ready
//! cargo xtask emulators down [NAMES…]   stop what `up` started (everything without names)
//! cargo xtask emulators status          which servers run, with PIDs and ports
//! cargo xtask emulators env [NAMES…]    `export NAME='value'` lines for `eval`
//! ```
//!
//! # Names
//!
//! | name | servers | ports |
//! |---|---|---|
//! | `s3` | `s3s-fs` 0.14.1 (crates.io; checks SigV4) and `moto` 5.2.5 (PyPI; checks SigV4 against an IAM key it creates at start) | 8014, 5050 |
//! | `azure` (`azurite`) | Azurite 3.35.0 (npm), blob service, in memory, SharedKey checked | 10000 |
//! | `gcs` | gcp-storage-emulator 2026.7.19 (PyPI), in memory, no auth | 9023 |
//! | `newsletter-mock` | Prism 5.14.2 (npm) serving Infomaniak's Newsletter export, requests validated | 4010 |
//! | `coda-mock` | Prism 5.14.2 (npm) serving Coda's OpenAPI document, requests validated | 4011 |
//! | `mocks` | both mocks | |
//! | `openstack-core` | `keystone` (application credentials) and `swift` (all-in-one; Keystone proxy, tempauth + s3api proxy, memcached) | 5000; 8081, 8080, 6200–6202, 11211 |
//! | `openstack` | `openstack-core` plus `rabbitmq`, `neutron`, `cinder` (fake driver), `placement`, `glance`, `nova` (fake hypervisor), `heat`, `designate` (fake pool) | + 5672, 4369, 9696, 8776, 8778, 9292, 8774, 8004, 9001, 5354 |
//! | `all` | all of the above | |
//!
//! Every server name above (`s3s-fs`, `moto`, `keystone`, `nova` …) may also be given alone;
//! `up` adds what it depends on (Nova needs Keystone, RabbitMQ, Placement, Glance and Neutron).
//! The OpenStack services come from Debian bookworm packages, use sqlite databases in WAL mode
//! and run without systemd; `down nova` stops only Nova.
//!
//! # Environment (`cargo xtask emulators env`)
//!
//! | variable | server | value |
//! |---|---|---|
//! | `CLOUD_TEST_S3S_ENDPOINT` | s3s-fs | `http://127.0.0.1:8014` (path-style) |
//! | `CLOUD_TEST_S3S_REGION` | s3s-fs | `us-east-1` |
//! | `CLOUD_TEST_S3S_ACCESS_KEY_ID`, `CLOUD_TEST_S3S_SECRET_ACCESS_KEY` | s3s-fs | the only key s3s-fs accepts |
//! | `CLOUD_TEST_S3S_BUCKET` | s3s-fs | `cloud-test`, empty at every start |
//! | `CLOUD_TEST_MOTO_ENDPOINT` | moto | `http://127.0.0.1:5050` (path-style) |
//! | `CLOUD_TEST_MOTO_REGION` | moto | `us-east-1` |
//! | `CLOUD_TEST_MOTO_ACCESS_KEY_ID`, `CLOUD_TEST_MOTO_SECRET_ACCESS_KEY` | moto | an IAM user's key (policy `*`), created when moto starts |
//! | `CLOUD_TEST_MOTO_BUCKET` | moto | `cloud-test`, empty at every start |
//! | `CLOUD_TEST_AZURITE_BLOB_ENDPOINT` | azurite | `http://127.0.0.1:10000/devstoreaccount1` |
//! | `CLOUD_TEST_AZURITE_ACCOUNT`, `CLOUD_TEST_AZURITE_ACCESS_KEY` | azurite | `devstoreaccount1` and a canary key (`AZURITE_ACCOUNTS`) |
//! | `CLOUD_TEST_AZURITE_CONTAINER` | azurite | `cloud-test`, empty at every start |
//! | `CLOUD_TEST_AZURITE_CONNECTION_STRING`, `AZURE_STORAGE_CONNECTION_STRING` | azurite | the connection string (the second name is the one Azure SDKs and CLIs read) |
//! | `CLOUD_TEST_GCS_ENDPOINT`, `STORAGE_EMULATOR_HOST` | gcs | `http://127.0.0.1:9023` (the second name is the one Google clients read) |
//! | `CLOUD_TEST_GCS_BUCKET` | gcs | `cloud-test`, empty at every start |
//! | `CLOUD_TEST_NEWSLETTER_MOCK_URL` | newsletter-mock | `http://127.0.0.1:4010` (the API's root) |
//! | `CLOUD_TEST_CODA_MOCK_URL` | coda-mock | `http://127.0.0.1:4011` (Coda's `/apis/v1` root) |
//! | `OS_CLOUD`, `OS_CLIENT_CONFIG_FILE` | keystone | `cloud-test` and `run/openstack/clouds.yaml` (also has the clouds `cloud-test-password` and `cloud-test-admin`) |
//! | `CLOUD_TEST_OS_AUTH_URL` | keystone | `http://127.0.0.1:5000/v3` |
//! | `CLOUD_TEST_OS_REGION` | keystone | `RegionOne` |
//! | `CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID`, `…_SECRET` | keystone | an application credential of the test user |
//! | `CLOUD_TEST_OS_USERNAME`, `CLOUD_TEST_OS_PASSWORD`, `CLOUD_TEST_OS_USER_DOMAIN_ID` | keystone | the test user (roles `member` and `reader` on the test project) |
//! | `CLOUD_TEST_OS_PROJECT_NAME`, `CLOUD_TEST_OS_PROJECT_ID`, `CLOUD_TEST_OS_PROJECT_DOMAIN_ID` | keystone | the test project |
//! | `CLOUD_TEST_OS_ADMIN_USERNAME`, `CLOUD_TEST_OS_ADMIN_PASSWORD`, `CLOUD_TEST_OS_ADMIN_PROJECT_NAME` | keystone | the cloud admin (a canary password, given at bootstrap) |
//! | `CLOUD_TEST_OS_SERVICES` | keystone | the catalog types whose servers run, comma-separated (`identity,object-store,…`) |
//! | `CLOUD_TEST_SWIFT_TEMPAUTH_URL` | swift | `http://127.0.0.1:8080/auth/v1.0` |
//! | `CLOUD_TEST_SWIFT_TEMPAUTH_USER`, `CLOUD_TEST_SWIFT_TEMPAUTH_KEY` | swift | `test:tester` and its canary key |
//! | `CLOUD_TEST_SWIFT_S3_ENDPOINT`, `CLOUD_TEST_SWIFT_S3_REGION` | swift | `http://127.0.0.1:8080` (s3api), `us-east-1` |
//! | `CLOUD_TEST_SWIFT_S3_ACCESS_KEY_ID`, `CLOUD_TEST_SWIFT_S3_SECRET_ACCESS_KEY` | swift | `test:tester` and its tempauth key |
//! | `CLOUD_TEST_SWIFT_S3_BUCKET` | swift | `cloud-test` (a container of account `AUTH_test`) |
//!
//! The values are local test credentials for servers on loopback, not secrets. Those the
//! emulators let us choose start with `CANARY` (the secret canary of `cargo xtask test`, which
//! fails when one appears in the tests' output); a server that was already running when this
//! version first started keeps its former credential until it restarts (or, for credentials in
//! an OpenStack service's configuration or database, until it is set up again).
//!
//! # Files
//!
//! Installs and state live under `$CLOUD_EMULATORS_DIR` (default `$HOME/.cache/cloud-emulators`),
//! see `layout.rs`. Installs are cached; a second `up` only starts processes. OpenStack databases,
//! the catalog and the application credential survive `down`; set `CLOUD_EMULATORS_FRESH=1` to
//! rebuild them. S3, Azure and GCS data is fresh at every start.
//!
//! # Code map
//!
//! `install.rs` (apt, pip, npm, cargo), `process.rs` (spawn, readiness, stop by PID),
//! `http.rs` (a tiny HTTP/1.1 client for probes and provisioning), one module per server family
//! (`s3.rs`, `azure.rs`, `gcs.rs`, `openstack.rs` with `keystone.rs` and `proof.rs`), and the
//! configuration templates in `templates/`. `docs/emulators.md` is the user's guide.

mod azure;
mod gcs;
mod http;
mod install;
mod keystone;
mod layout;
mod openstack;
mod prism;
mod process;
mod proof;
mod s3;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use xshell::Shell;

use self::install::Tool;
use self::layout::Layout;
use self::process::{ProcSpec, Record, Started};

/// What `cargo xtask emulators` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Install what is missing and start the servers.
    Up,
    /// Stop servers (all when no name is given).
    Down,
    /// Show what runs.
    Status,
    /// Print `export` lines for the running servers (or the named ones).
    Env,
}

/// Runs one `cargo xtask emulators` action.
pub(crate) fn run(sh: &Shell, action: Action, names: &[String]) -> Result<()> {
    let ctx = Ctx::new(sh)?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match action {
        Action::Up => {
            let servers = resolve(&names, true)?;
            let _lock = ctx.layout.lock()?;
            let outcome = up(&ctx, &servers)?;
            drop(outcome.children);
            eprintln!(
                "emulators: up ({}); `eval \"$(cargo xtask emulators env)\"` exports their settings",
                names_of(&servers)
            );
            Ok(())
        }
        Action::Down => {
            let servers = if names.is_empty() { None } else { Some(resolve(&names, false)?) };
            down(&ctx, servers.as_ref())
        }
        Action::Status => status(&ctx),
        Action::Env => {
            let wanted = if names.is_empty() { None } else { Some(resolve(&names, true)?) };
            let vars = env_of(&ctx, wanted.as_ref())?;
            for (name, value) in vars {
                println!("export {name}={}", shell_quote(&value));
            }
            Ok(())
        }
    }
}

/// Starts the named servers for `cargo xtask test`; stops them when the guard drops (also on
/// panic or error). Servers that were already running before are left running.
pub(crate) fn start_for_tests(sh: &Shell, names: &[&str]) -> Result<EmulatorGuard> {
    let ctx = Ctx::new(sh)?;
    if names.is_empty() {
        return Ok(EmulatorGuard { layout: ctx.layout, owned: BTreeSet::new(), children: Vec::new(), env: Vec::new() });
    }
    let servers = resolve(names, true)?;
    let _lock = ctx.layout.lock()?;
    let before: BTreeSet<Server> = servers.iter().copied().filter(|s| s.is_up(&ctx.layout)).collect();
    let outcome = up(&ctx, &servers)?;
    let owned: BTreeSet<Server> = servers.difference(&before).copied().collect();
    let env = env_of(&ctx, Some(&servers))?;
    if !before.is_empty() {
        eprintln!("    already running (left running afterwards): {}", names_of(&before));
    }
    Ok(EmulatorGuard { layout: ctx.layout, owned, children: outcome.children, env })
}

/// Installs (without starting) what the named servers need, so `cargo xtask test` can overlap
/// the downloads and the s3s-fs build with compiling the workspace.
pub(crate) fn install_for_tests(sh: &Shell, names: &[&str]) -> Result<()> {
    let ctx = Ctx::new(sh)?;
    if names.is_empty() {
        return Ok(());
    }
    let servers = resolve(names, true)?;
    let _lock = ctx.layout.lock()?;
    let apt: BTreeSet<&'static str> = servers.iter().flat_map(|s| s.apt_packages().iter().copied()).collect();
    let tools: BTreeSet<Tool> = servers.iter().flat_map(|s| s.tools()).collect();
    install::ensure(&ctx.layout, &apt, &tools)
}

/// Installs these apt packages quietly unless they are installed (for `cargo xtask bench`).
pub(crate) fn install_apt_packages(sh: &Shell, packages: &BTreeSet<&'static str>) -> Result<()> {
    let ctx = Ctx::new(sh)?;
    let _lock = ctx.layout.lock()?;
    install::ensure(&ctx.layout, packages, &BTreeSet::new())
}

/// Installs Python packages quietly into venvs under the emulators' `tools/` unless they hold
/// them already (for `cargo xtask bench`); returns each venv's `python`, in order.
pub(crate) fn install_pip_tools(sh: &Shell, venvs: &[(&'static str, &'static str)]) -> Result<Vec<PathBuf>> {
    let ctx = Ctx::new(sh)?;
    let _lock = ctx.layout.lock()?;
    let tools: BTreeSet<Tool> = venvs.iter().map(|&(venv, requirements)| Tool::Pip { venv, requirements }).collect();
    install::ensure(&ctx.layout, &BTreeSet::new(), &tools)?;
    Ok(venvs.iter().map(|(venv, _)| ctx.layout.tools().join(venv).join("bin/python")).collect())
}

/// Servers started by [`start_for_tests`]; dropping it stops them.
#[derive(Debug)]
pub(crate) struct EmulatorGuard {
    layout: Layout,
    owned: BTreeSet<Server>,
    children: Vec<Child>,
    env: Vec<(String, String)>,
}

impl EmulatorGuard {
    /// The environment variables the tests read for these servers (to pass to nextest).
    pub(crate) fn env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }
}

impl Drop for EmulatorGuard {
    fn drop(&mut self) {
        if self.owned.is_empty() {
            return;
        }
        let started = Instant::now();
        let _lock = self.layout.lock();
        match stop_servers(&self.layout, Some(&self.owned)) {
            Ok(()) => eprintln!(
                "    stopped local servers ({}) in {:.1} s",
                names_of(&self.owned),
                started.elapsed().as_secs_f64()
            ),
            Err(err) => eprintln!("error: stopping local servers: {err:#}; run `cargo xtask emulators down`"),
        }
        for child in &mut self.children {
            let _ = child.try_wait();
        }
    }
}

/// What every step needs.
#[derive(Debug)]
struct Ctx<'a> {
    sh: &'a Shell,
    layout: Layout,
}

impl<'a> Ctx<'a> {
    fn new(sh: &'a Shell) -> Result<Self> {
        Ok(Self { sh, layout: Layout::from_env()? })
    }

    /// A command with the shell's environment and working directory.
    fn command(&self, program: impl AsRef<std::path::Path>) -> std::process::Command {
        self.sh.cmd(program.as_ref()).into()
    }
}

/// One server: the unit `up`, `down` and `env` address. Ordered by start order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Server {
    S3sFs,
    Moto,
    Azurite,
    Gcs,
    NewsletterMock,
    CodaMock,
    Keystone,
    Swift,
    Rabbitmq,
    Placement,
    Glance,
    Neutron,
    Cinder,
    Nova,
    Heat,
    Designate,
    Octavia,
    Cloudkitty,
}

/// Phases of `up`: each starts once the previous one's processes are ready and its hooks ran.
const PHASES: u8 = 4;

impl Server {
    const ALL: [Self; 18] = [
        Self::S3sFs,
        Self::Moto,
        Self::Azurite,
        Self::Gcs,
        Self::NewsletterMock,
        Self::CodaMock,
        Self::Keystone,
        Self::Swift,
        Self::Rabbitmq,
        Self::Placement,
        Self::Glance,
        Self::Neutron,
        Self::Cinder,
        Self::Nova,
        Self::Heat,
        Self::Designate,
        Self::Octavia,
        Self::Cloudkitty,
    ];

    const OPENSTACK: [Self; 12] = [
        Self::Keystone,
        Self::Swift,
        Self::Rabbitmq,
        Self::Placement,
        Self::Glance,
        Self::Neutron,
        Self::Cinder,
        Self::Nova,
        Self::Heat,
        Self::Designate,
        Self::Octavia,
        Self::Cloudkitty,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::S3sFs => "s3s-fs",
            Self::Moto => "moto",
            Self::Azurite => "azurite",
            Self::Gcs => "gcs",
            Self::NewsletterMock => "newsletter-mock",
            Self::CodaMock => "coda-mock",
            Self::Keystone => "keystone",
            Self::Swift => "swift",
            Self::Rabbitmq => "rabbitmq",
            Self::Placement => "placement",
            Self::Glance => "glance",
            Self::Neutron => "neutron",
            Self::Cinder => "cinder",
            Self::Nova => "nova",
            Self::Heat => "heat",
            Self::Designate => "designate",
            Self::Octavia => "octavia",
            Self::Cloudkitty => "cloudkitty",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// What `up` must start first.
    fn deps(self) -> &'static [Self] {
        match self {
            Self::S3sFs
            | Self::Moto
            | Self::Azurite
            | Self::Gcs
            | Self::NewsletterMock
            | Self::CodaMock
            | Self::Keystone
            | Self::Rabbitmq => &[],
            Self::Swift | Self::Placement | Self::Glance | Self::Neutron => &[Self::Keystone],
            Self::Cinder | Self::Heat | Self::Designate | Self::Octavia | Self::Cloudkitty => {
                &[Self::Keystone, Self::Rabbitmq]
            }
            // `nova-compute` asks Neutron for the server's ports even with `networks: none`; without
            // Neutron every build ends in ERROR.
            Self::Nova => &[Self::Keystone, Self::Rabbitmq, Self::Placement, Self::Glance, Self::Neutron],
        }
    }

    fn is_openstack(self) -> bool {
        Self::OPENSTACK.contains(&self)
    }

    /// The Debian packages it needs.
    fn apt_packages(self) -> &'static [&'static str] {
        if self.is_openstack() { openstack::apt_packages(self) } else { &[] }
    }

    /// The tools it needs under `tools/`.
    fn tools(self) -> Vec<Tool> {
        match self {
            Self::S3sFs | Self::Moto => s3::tools(self),
            Self::Azurite => vec![azure::tool()],
            Self::Gcs => vec![gcs::tool()],
            Self::NewsletterMock | Self::CodaMock => vec![prism::tool()],
            _ => Vec::new(),
        }
    }

    /// One-off preparation before its first start (databases, rings, keys).
    fn setup(self, ctx: &Ctx<'_>) -> Result<()> {
        match self {
            Self::NewsletterMock | Self::CodaMock => prism::setup(ctx, self),
            Self::Gcs => gcs::setup(&ctx.layout),
            s if s.is_openstack() => openstack::setup(ctx, s),
            _ => Ok(()),
        }
    }

    /// Its processes.
    fn procs(self, layout: &Layout) -> Vec<ProcSpec> {
        match self {
            Self::S3sFs | Self::Moto => s3::procs(layout, self),
            Self::Azurite => vec![azure::proc(layout)],
            Self::Gcs => vec![gcs::proc(layout)],
            Self::NewsletterMock | Self::CodaMock => vec![prism::proc(layout, self)],
            _ => openstack::procs(layout, self),
        }
    }

    /// Work after a phase's processes are ready. `fresh`: some process of this server started now.
    fn after_phase(self, ctx: &Ctx<'_>, phase: u8, fresh: bool, selected: &BTreeSet<Self>) -> Result<()> {
        match self {
            Self::S3sFs | Self::Moto => s3::after_phase(ctx, self, phase, fresh),
            Self::Azurite => azure::after_phase(ctx, phase, fresh),
            Self::Gcs => gcs::after_phase(phase, fresh),
            s if s.is_openstack() => openstack::after_phase(ctx, s, phase, fresh, selected),
            _ => Ok(()),
        }
    }

    /// The variables the tests read for it. `up`: every server that runs.
    fn env(self, layout: &Layout, up: &BTreeSet<Self>) -> Result<Vec<(String, String)>> {
        match self {
            Self::S3sFs | Self::Moto => s3::env(layout, self),
            Self::Azurite => azure::env(layout),
            Self::Gcs => Ok(gcs::env()),
            Self::NewsletterMock | Self::CodaMock => Ok(prism::env(self)),
            Self::Keystone => keystone::env(layout, up),
            Self::Swift => openstack::swift_env(layout),
            _ => Ok(Vec::new()),
        }
    }

    /// Are all its processes running?
    fn is_up(self, layout: &Layout) -> bool {
        self.procs(layout).iter().all(|p| process::running(layout, &p.name).ok().flatten().is_some())
    }
}

/// Expands names and groups into servers; with `with_deps`, adds what they depend on.
fn resolve(names: &[&str], with_deps: bool) -> Result<BTreeSet<Server>> {
    let mut out = BTreeSet::new();
    if names.is_empty() && with_deps {
        bail!("name at least one server: s3, azure, gcs, mocks, openstack, openstack-core or all");
    }
    for name in names {
        match *name {
            "all" => out.extend(Server::ALL),
            "s3" => out.extend([Server::S3sFs, Server::Moto]),
            "azure" => {
                out.insert(Server::Azurite);
            }
            "openstack" => out.extend(Server::OPENSTACK),
            "openstack-core" => out.extend([Server::Keystone, Server::Swift]),
            "mocks" => out.extend([Server::NewsletterMock, Server::CodaMock]),
            other => match Server::from_name(other) {
                Some(server) => {
                    out.insert(server);
                }
                None => bail!(
                    "unknown server `{other}`; known: all, s3, azure, gcs, mocks, openstack, openstack-core, {}",
                    Server::ALL.map(Server::name).join(", ")
                ),
            },
        }
    }
    if with_deps {
        let mut queue: Vec<Server> = out.iter().copied().collect();
        while let Some(server) = queue.pop() {
            for &dep in server.deps() {
                if out.insert(dep) {
                    queue.push(dep);
                }
            }
        }
    }
    Ok(out)
}

fn names_of(servers: &BTreeSet<Server>) -> String {
    servers.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
}

/// What `up` leaves behind: the children it spawned (so a test guard can reap them).
#[derive(Debug)]
struct UpOutcome {
    children: Vec<Child>,
}

/// Starts `servers`; the caller holds the tree's lock.
fn up(ctx: &Ctx<'_>, servers: &BTreeSet<Server>) -> Result<UpOutcome> {
    let total = Instant::now();
    let mut spawned: Vec<Started> = Vec::new();
    let result = up_inner(ctx, servers, &mut spawned);
    if let Err(err) = result {
        // Leave nothing half-started behind; the logs stay for inspection.
        let records: Vec<Record> = process::records(&ctx.layout)?
            .into_iter()
            .filter(|r| spawned.iter().any(|s| s.spec.name == r.name))
            .collect();
        if !records.is_empty() {
            eprintln!("emulators: up failed; stopping the {} processes it started", records.len());
            if let Err(stop_err) = process::stop(&ctx.layout, &records, Duration::from_secs(5)) {
                eprintln!("error: {stop_err:#}");
            }
        }
        return Err(err.context(format!("logs are in {}", ctx.layout.logs().display())));
    }
    eprintln!("    servers ready in {:.1} s", total.elapsed().as_secs_f64());
    Ok(UpOutcome { children: spawned.into_iter().filter_map(|s| s.child).collect() })
}

fn up_inner(ctx: &Ctx<'_>, servers: &BTreeSet<Server>, spawned: &mut Vec<Started>) -> Result<()> {
    let step = Instant::now();
    let apt: BTreeSet<&'static str> = servers.iter().flat_map(|s| s.apt_packages().iter().copied()).collect();
    let tools: BTreeSet<Tool> = servers.iter().flat_map(|s| s.tools()).collect();
    install::ensure(&ctx.layout, &apt, &tools)?;
    eprintln!("    install: {:.1} s", step.elapsed().as_secs_f64());

    let step = Instant::now();
    for server in servers {
        server.setup(ctx).with_context(|| format!("setting up {}", server.name()))?;
    }
    eprintln!("    setup: {:.1} s", step.elapsed().as_secs_f64());

    let mut fresh: BTreeSet<Server> = BTreeSet::new();
    for phase in 0..PHASES {
        let step = Instant::now();
        let mut batch: Vec<Started> = Vec::new();
        for server in servers {
            for spec in server.procs(&ctx.layout).into_iter().filter(|p| p.phase == phase) {
                if process::running(&ctx.layout, &spec.name)?.is_some() {
                    batch.push(process::adopt(spec));
                } else {
                    fresh.insert(*server);
                    batch.push(process::spawn(&ctx.layout, spec)?);
                }
            }
        }
        let waited = process::wait_ready(&ctx.layout, &mut batch);
        let names: Vec<String> = batch.iter().map(|s| s.spec.name.clone()).collect();
        spawned.extend(batch.into_iter().filter(|s| s.child.is_some()));
        waited?;
        let ready = step.elapsed();
        for server in servers {
            let hook = Instant::now();
            server
                .after_phase(ctx, phase, fresh.contains(server), servers)
                .with_context(|| format!("preparing {}", server.name()))?;
            if hook.elapsed() > Duration::from_secs(2) {
                eprintln!("      prepared {} in {:.1} s", server.name(), hook.elapsed().as_secs_f64());
            }
        }
        if phase + 1 == PHASES {
            let proven: Vec<Server> = servers.iter().copied().filter(|s| fresh.contains(s)).collect();
            proof::prove_workers(&ctx.layout, &proven)?;
        }
        if !names.is_empty() {
            eprintln!(
                "    phase {phase} ({}): ready in {:.1} s, prepared in {:.1} s",
                names.join(" "),
                ready.as_secs_f64(),
                (step.elapsed() - ready).as_secs_f64()
            );
        }
    }
    Ok(())
}

fn down(ctx: &Ctx<'_>, servers: Option<&BTreeSet<Server>>) -> Result<()> {
    let _lock = ctx.layout.lock()?;
    let started = Instant::now();
    stop_servers(&ctx.layout, servers)?;
    eprintln!("emulators: down in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Stops the processes of these servers (every recorded process with `None`).
fn stop_servers(layout: &Layout, servers: Option<&BTreeSet<Server>>) -> Result<()> {
    let records: Vec<Record> = process::records(layout)?
        .into_iter()
        .filter(|r| servers.is_none_or(|set| set.iter().any(|s| s.name() == r.server)))
        .collect();
    // oslo.service daemons may take their time on SIGTERM; 10 s, then SIGKILL.
    process::stop(layout, &records, Duration::from_secs(10))?;
    let stopped: BTreeSet<&str> = records.iter().map(|r| r.server.as_str()).collect();
    if stopped.contains(Server::Rabbitmq.name()) || servers.is_none() {
        openstack::after_stop(layout);
    }
    Ok(())
}

fn status(ctx: &Ctx<'_>) -> Result<()> {
    let records = process::records(&ctx.layout)?;
    if records.is_empty() {
        println!("no local servers recorded (start them with `cargo xtask emulators up NAMES`)");
        return Ok(());
    }
    for server in Server::ALL {
        let specs = server.procs(&ctx.layout);
        let mine: Vec<&Record> = records.iter().filter(|r| r.server == server.name()).collect();
        if mine.is_empty() {
            continue;
        }
        let alive = mine.iter().filter(|r| r.alive()).count();
        let state = if alive == specs.len() {
            "up"
        } else if alive == 0 {
            "down (stale pid files)"
        } else {
            "partly up"
        };
        println!("{:<10} {state}", server.name());
        for spec in &specs {
            let record = mine.iter().find(|r| r.name == spec.name);
            let pid = match record {
                Some(r) if r.alive() => format!("pid {}", r.pid),
                Some(r) => format!("pid {} (gone)", r.pid),
                None => "not started".to_owned(),
            };
            let port = spec.ready.port().map(|p| format!("127.0.0.1:{p}")).unwrap_or_default();
            println!("  {:<22} {pid:<16} {port}", spec.name);
        }
    }
    println!("logs: {}", ctx.layout.logs().display());
    Ok(())
}

/// The variables of the running servers among `wanted` (every running server with `None`).
fn env_of(ctx: &Ctx<'_>, wanted: Option<&BTreeSet<Server>>) -> Result<Vec<(String, String)>> {
    let up: BTreeSet<Server> = Server::ALL.into_iter().filter(|s| s.is_up(&ctx.layout)).collect();
    if let Some(wanted) = wanted {
        let missing: BTreeSet<Server> = wanted.difference(&up).copied().collect();
        if !missing.is_empty() {
            bail!(
                "not running: {}; start them with `cargo xtask emulators up {}`",
                names_of(&missing),
                missing.iter().map(|s| s.name()).collect::<Vec<_>>().join(" ")
            );
        }
    } else if up.is_empty() {
        eprintln!("# no local server runs; start some with `cargo xtask emulators up NAMES`");
    }
    let mut vars = Vec::new();
    for server in wanted.unwrap_or(&up) {
        vars.extend(server.env(&ctx.layout, &up)?);
    }
    Ok(vars)
}

/// Writes a file the local servers read when they start (a wrapper, a Python hook), creating its
/// directory, unless it already holds `text`: a running server keeps the one it started with.
fn write_start_file(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    let dir = path.parent().with_context(|| format!("{} has no directory", path.display()))?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Writes `run/env/<server>.env` (`NAME=value` lines) for values only known after a start.
fn write_env_file(layout: &Layout, server: &str, vars: &[(String, String)]) -> Result<()> {
    let path = layout.env_dir().join(format!("{server}.env"));
    let text: String = vars.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// Reads `run/env/<server>.env`, or `None` when absent.
fn read_env_file(layout: &Layout, server: &str) -> Result<Option<Vec<(String, String)>>> {
    let path = layout.env_dir().join(format!("{server}.env"));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    Ok(Some(text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()))
}

/// A credential the tests read that `up` chose: a server this version starts gets the canary
/// value (`cargo xtask test` fails when one appears in the tests' output); one that was already
/// running keeps the value it was started with until it restarts. [`record_credentials`] notes
/// what a fresh start used, and this reads it back, or `legacy` when nothing was noted.
fn recorded_credential(layout: &Layout, server: Server, name: &str, legacy: &str) -> Result<String> {
    let stored = read_env_file(layout, &credentials_file(server))?.unwrap_or_default();
    Ok(lookup(&stored, name).unwrap_or(legacy).to_owned())
}

/// Notes the credentials `server` was started with (see [`recorded_credential`]).
fn record_credentials(layout: &Layout, server: Server, vars: &[(String, String)]) -> Result<()> {
    write_env_file(layout, &credentials_file(server), vars)
}

fn credentials_file(server: Server) -> String {
    format!("{}-credentials", server.name())
}

/// The value of `name` in an env file's variables.
fn lookup<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Single-quotes a value for POSIX shells.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn var(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_expand_with_dependencies() {
        let nova = resolve(&["nova"], true).unwrap();
        assert_eq!(
            nova,
            BTreeSet::from([
                Server::Keystone,
                Server::Rabbitmq,
                Server::Placement,
                Server::Glance,
                Server::Neutron,
                Server::Nova
            ])
        );
        assert_eq!(resolve(&["openstack-core"], true).unwrap(), BTreeSet::from([Server::Keystone, Server::Swift]));
        assert_eq!(resolve(&["all"], true).unwrap().len(), Server::ALL.len());
        assert_eq!(resolve(&["s3", "gcs"], true).unwrap(), BTreeSet::from([Server::S3sFs, Server::Moto, Server::Gcs]));
        // `down nova` stops Nova only.
        assert_eq!(resolve(&["nova"], false).unwrap(), BTreeSet::from([Server::Nova]));
        assert!(resolve(&["s4"], true).unwrap_err().to_string().contains("unknown server `s4`"));
        assert!(resolve(&[], true).is_err());
    }

    #[test]
    fn names_round_trip_and_process_names_are_unique() {
        let layout = Layout::at("/nonexistent/cloud-emulators");
        let mut seen = BTreeSet::new();
        for server in Server::ALL {
            assert_eq!(Server::from_name(server.name()), Some(server));
            for spec in server.procs(&layout) {
                assert_eq!(spec.server, server.name());
                assert!(spec.phase < PHASES, "{}", spec.name);
                assert!(seen.insert(spec.name.clone()), "duplicate process name {}", spec.name);
            }
        }
    }

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(shell_quote("a'b c"), r"'a'\''b c'");
        assert_eq!(shell_quote("AccountKey=x==;"), "'AccountKey=x==;'");
    }
}
