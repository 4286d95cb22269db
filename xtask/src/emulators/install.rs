//! Installing what the servers need, idempotently: Debian packages, Python venvs, an npm prefix
//! and `cargo install` roots.
//!
//! Tools go under `tools/` of the emulator tree, each with a stamp file naming the exact version
//! it holds, so a second `up` skips them. Debian packages are checked with `dpkg-query`; missing
//! ones are installed in one `apt-get install`, with `apt-get update` first only when a package
//! has no install candidate (and once more if the install fails on stale lists). While apt runs,
//! `/usr/sbin/policy-rc.d` answers 101 so no package starts its daemon (RabbitMQ, memcached,
//! uwsgi for Keystone …): the only servers running are the ones this tool starts. The tool
//! installs run in parallel with apt, each logging to `tools/logs/install-<name>.log`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::layout::Layout;
use super::process::log_tail;

/// A tool installed under `tools/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Tool {
    /// `python3 -m venv tools/<venv>` and `pip install <requirements>` (separated by spaces).
    Pip { venv: &'static str, requirements: &'static str },
    /// `npm install --prefix tools/<prefix> <package>`.
    Npm { prefix: &'static str, package: &'static str },
    /// `cargo install <krate> --root tools/cargo`, built in a target dir of its own (deleted after).
    Cargo { krate: &'static str, version: &'static str, features: &'static str, bin: &'static str },
}

impl Tool {
    fn name(&self) -> String {
        match self {
            Self::Pip { requirements, .. } => (*requirements).to_owned(),
            Self::Npm { package, .. } => (*package).to_owned(),
            Self::Cargo { krate, version, .. } => format!("{krate}@{version}"),
        }
    }

    fn log_name(&self) -> &'static str {
        match self {
            Self::Pip { venv, .. } => venv,
            Self::Npm { prefix, .. } => prefix,
            Self::Cargo { bin, .. } => bin,
        }
    }

    /// The stamp file and the binary whose presence proves the install.
    fn stamp_and_bin(&self, tools: &Path) -> (PathBuf, PathBuf) {
        match self {
            Self::Pip { venv, .. } => (tools.join(venv).join(".installed"), tools.join(venv).join("bin/python")),
            Self::Npm { prefix, .. } => {
                (tools.join(prefix).join(".installed"), tools.join(prefix).join("node_modules"))
            }
            Self::Cargo { bin, .. } => {
                (tools.join("cargo").join(format!(".installed-{bin}")), tools.join("cargo/bin").join(bin))
            }
        }
    }
}

/// Installs whatever is missing; prints one line per install with its duration.
pub(super) fn ensure(layout: &Layout, apt: &BTreeSet<&'static str>, tools: &BTreeSet<Tool>) -> Result<()> {
    let tools_dir = layout.tools();
    let todo: Vec<&Tool> = tools
        .iter()
        .filter(|t| {
            let (stamp, bin) = t.stamp_and_bin(&tools_dir);
            !(bin.exists() && std::fs::read_to_string(stamp).is_ok_and(|s| s.trim() == t.name()))
        })
        .collect();
    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = todo.iter().map(|tool| scope.spawn(|| install_tool(layout, tool))).collect();
        let mut results = vec![install_apt(layout, apt)];
        results
            .extend(handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("install panicked")))));
        results
    });
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).map(|e| format!("{e:#}")).collect();
    if !errors.is_empty() {
        bail!("installing failed:\n{}", errors.join("\n\n"));
    }
    Ok(())
}

fn install_tool(layout: &Layout, tool: &Tool) -> Result<()> {
    let started = Instant::now();
    let tools = layout.tools();
    let log = layout.install_log(tool.log_name());
    eprintln!("    installing {} (log: {})", tool.name(), log.display());
    std::fs::write(&log, "")?;
    match tool {
        Tool::Pip { venv, requirements } => {
            let dir = tools.join(venv);
            if !dir.join("bin/python").exists() {
                run_logged(Command::new("python3").arg("-m").arg("venv").arg(&dir), &log)?;
            }
            run_logged(
                Command::new(dir.join("bin/pip"))
                    .args(["install", "--quiet", "--disable-pip-version-check"])
                    .args(requirements.split_whitespace()),
                &log,
            )?;
        }
        Tool::Npm { prefix, package } => {
            let dir = tools.join(prefix);
            std::fs::create_dir_all(&dir)?;
            run_logged(
                Command::new("npm").arg("install").arg("--prefix").arg(&dir).args([
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    package,
                ]),
                &log,
            )?;
        }
        Tool::Cargo { krate, version, features, .. } => {
            // A target dir of its own: the workspace build keeps its lock, and 400 MB of
            // intermediate files go away afterwards (the binary is what is cached).
            let target = tools.join(format!("cargo-target-{krate}"));
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.args(["install", "--locked", "--quiet"])
                .arg(format!("{krate}@{version}"))
                .arg("--root")
                .arg(tools.join("cargo"))
                .arg("--target-dir")
                .arg(&target)
                .current_dir(&tools)
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("RUSTFLAGS");
            if !features.is_empty() {
                cmd.args(["--features", features]);
            }
            run_logged(&mut cmd, &log)?;
            std::fs::remove_dir_all(&target).with_context(|| format!("removing {}", target.display()))?;
        }
    }
    let (stamp, _) = tool.stamp_and_bin(&tools);
    std::fs::write(stamp, tool.name())?;
    eprintln!("    installed {} in {:.1} s", tool.name(), started.elapsed().as_secs_f64());
    Ok(())
}

fn install_apt(layout: &Layout, packages: &BTreeSet<&'static str>) -> Result<()> {
    let missing = missing_packages(packages)?;
    if missing.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let log = layout.install_log("apt");
    std::fs::write(&log, "")?;
    eprintln!("    installing {} Debian packages (log: {}): {}", missing.len(), log.display(), missing.join(" "));
    let sudo = Privilege::detect()?;
    let _policy = PolicyRcd::install(&sudo)?;
    let mut updated = false;
    if missing.iter().any(|p| !has_candidate(p)) {
        apt_update(&sudo, &log)?;
        updated = true;
    }
    let install = || {
        let mut cmd = sudo.command("apt-get");
        cmd.args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive");
        run_logged(&mut cmd, &log)
    };
    if let Err(err) = install() {
        if updated {
            return Err(err);
        }
        eprintln!("    apt-get install failed; running apt-get update and retrying once");
        apt_update(&sudo, &log)?;
        install()?;
    }
    let still = missing_packages(packages)?;
    if !still.is_empty() {
        bail!("apt-get install succeeded but these packages are still missing: {}", still.join(" "));
    }
    eprintln!("    installed {} Debian packages in {:.1} s", missing.len(), started.elapsed().as_secs_f64());
    Ok(())
}

fn apt_update(sudo: &Privilege, log: &Path) -> Result<()> {
    eprintln!("    apt-get update");
    run_logged(sudo.command("apt-get").args(["update", "-q"]).env("DEBIAN_FRONTEND", "noninteractive"), log)
}

/// The packages `dpkg` does not list as installed.
fn missing_packages(packages: &BTreeSet<&'static str>) -> Result<Vec<&'static str>> {
    if packages.is_empty() {
        return Ok(Vec::new());
    }
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Package} ${db:Status-Abbrev}\n"])
        .args(packages)
        .stderr(Stdio::null())
        .output()
        .context("running dpkg-query (the OpenStack servers need a Debian or Ubuntu system)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let installed: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, status)| status.starts_with("ii"))
        .map(|(name, _)| name.split(':').next().unwrap_or(name))
        .collect();
    Ok(packages.iter().copied().filter(|p| !installed.contains(p)).collect())
}

fn has_candidate(package: &str) -> bool {
    Command::new("apt-cache")
        .args(["policy", package])
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout);
            text.lines().any(|l| l.trim_start().starts_with("Candidate:") && !l.contains("(none)"))
        })
        .unwrap_or(false)
}

/// Runs a command with its output appended to `log`; on failure the error shows the log's tail.
pub(super) fn run_logged(cmd: &mut Command, log: &Path) -> Result<()> {
    let file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    let shown = shown(cmd);
    let status = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .with_context(|| format!("running {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})\n{}", log_tail(log, 40));
    }
    Ok(())
}

/// A command line for messages: long arguments (inline scripts) are cut.
fn shown(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        let first = arg.lines().next().unwrap_or_default();
        line.push(' ');
        if first.len() > 60 || arg.contains('\n') {
            line.push_str(&first.chars().take(60).collect::<String>());
            line.push('…');
        } else {
            line.push_str(&arg);
        }
    }
    line
}

/// How to run commands as root: directly, or through passwordless `sudo`.
#[derive(Debug)]
struct Privilege {
    sudo: bool,
}

impl Privilege {
    fn detect() -> Result<Self> {
        if is_root() {
            return Ok(Self { sudo: false });
        }
        let ok = Command::new("sudo")
            .args(["-n", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            bail!("installing Debian packages needs root or passwordless sudo");
        }
        Ok(Self { sudo: true })
    }

    fn command(&self, program: &str) -> Command {
        if self.sudo {
            let mut cmd = Command::new("sudo");
            cmd.args(["-n", "--preserve-env=DEBIAN_FRONTEND", program]);
            cmd
        } else {
            Command::new(program)
        }
    }
}

/// Is this process running as root?
pub(super) fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

const POLICY_RC_D: &str = "/usr/sbin/policy-rc.d";
const POLICY_RC_D_BACKUP: &str = "/usr/sbin/policy-rc.d.cloud-emulators-backup";

/// Keeps `/usr/sbin/policy-rc.d` answering 101 ("action forbidden") while alive; restores the
/// previous state on drop.
#[derive(Debug)]
struct PolicyRcd<'a> {
    sudo: &'a Privilege,
    /// What to undo: `None` when a forbidding policy was already in place.
    undo: Option<Undo>,
}

#[derive(Debug, Clone, Copy)]
enum Undo {
    Remove,
    RestoreBackup,
}

impl<'a> PolicyRcd<'a> {
    fn install(sudo: &'a Privilege) -> Result<Self> {
        let current = std::fs::read_to_string(POLICY_RC_D).ok();
        if current.as_deref().is_some_and(|c| c.lines().any(|l| l.trim() == "exit 101")) {
            return Ok(Self { sudo, undo: None });
        }
        let undo = if current.is_some() {
            sudo.shell(&format!("mv {POLICY_RC_D} {POLICY_RC_D_BACKUP}"))?;
            Undo::RestoreBackup
        } else {
            Undo::Remove
        };
        sudo.shell(&format!(
            "printf '#!/bin/sh\\n# cargo xtask emulators: no daemon starts during apt-get install\\nexit 101\\n' > {POLICY_RC_D} && chmod 755 {POLICY_RC_D}"
        ))?;
        Ok(Self { sudo, undo: Some(undo) })
    }
}

impl Drop for PolicyRcd<'_> {
    fn drop(&mut self) {
        let script = match self.undo {
            None => return,
            Some(Undo::Remove) => format!("rm -f {POLICY_RC_D}"),
            Some(Undo::RestoreBackup) => format!("mv {POLICY_RC_D_BACKUP} {POLICY_RC_D}"),
        };
        if let Err(err) = self.sudo.shell(&script) {
            eprintln!("warning: could not restore {POLICY_RC_D}: {err:#}");
        }
    }
}

impl Privilege {
    fn shell(&self, script: &str) -> Result<()> {
        let status = self.command("sh").args(["-c", script]).status().with_context(|| format!("running `{script}`"))?;
        if !status.success() {
            bail!("`{script}` failed ({status})");
        }
        Ok(())
    }
}
