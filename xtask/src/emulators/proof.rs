//! Proving OpenStack's workers by real work after a start: a volume goes `available`, a server
//! `ACTIVE`, a stack `CREATE_COMPLETE`, a zone `ACTIVE`, and each is deleted again.
//!
//! Heartbeats in the databases may be left over from the previous run and say "up" before a
//! restarted worker consumes its queue; a test that ran then would fail for no reason of its
//! own. The probes run in parallel in the admin project, retried for up to three minutes.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;

use super::install::run_logged;
use super::keystone::{self, AdminSession};
use super::layout::Layout;
use super::openstack::{SYSTEM_PYTHON, dir};
use super::process;
use super::{Ctx, Server};

/// Proves the workers of the freshly started `fresh` services, in parallel.
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
    let admin = AdminSession::login(layout)?;
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

/// Waits until the fake hypervisor registered itself, then maps it into the cell.
pub(super) fn nova_discover(ctx: &Ctx<'_>) -> Result<()> {
    let d = dir(&ctx.layout, Server::Nova);
    let started = Instant::now();
    let admin = AdminSession::login(&ctx.layout)?;
    while hypervisors(&admin)? == 0 {
        if compute_nodes(ctx, &d.join("nova.db"))? > 0 {
            run_logged(
                ctx.command("nova-manage")
                    .arg("--config-file")
                    .arg(d.join("nova.conf"))
                    .args(["cell_v2", "discover_hosts"]),
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
    let images =
        admin.get(9292, &format!("/v2/images?name={}", keystone::IMAGE))?.expect(&[200], "GET images")?.json()?;
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
    let created =
        admin.send_with("POST", 8774, "/v2.1/servers", &version, &body)?.expect(&[202], "creating a server")?.json()?;
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
