//! `cargo xtask soak [--ops N] [--seed S] [--fault-rate R] [--backend NAME]...`: the long soak of
//! the storage clients under random faults (`crates/cloud-soak`). It starts the local servers the
//! chosen backends need, runs `cloud-soak` (a debug build: the soak checks behaviour, not speed)
//! with their settings and prints its report; it fails when the soak does. `cargo xtask test`
//! runs a short version with a fixed seed (`crates/cloud-soak/tests/soak.rs`).

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::flags;
use crate::test::step;

/// Each backend of the soak and the local servers it needs.
const BACKENDS: &[(&str, &str)] =
    &[("s3s-fs", "s3s-fs"), ("moto", "moto"), ("azurite", "azure"), ("gcs", "gcs"), ("swift", "openstack-core")];

pub(crate) fn run(sh: &Shell, flags: &flags::Soak) -> Result<()> {
    let mut backends: Vec<&str> = Vec::new();
    for name in flags.backend.iter().flat_map(|b| b.split(',')) {
        let Some((known, _)) = BACKENDS.iter().find(|(b, _)| *b == name) else {
            let known: Vec<&str> = BACKENDS.iter().map(|(b, _)| *b).collect();
            bail!("unknown backend `{name}`; known: {}", known.join(", "));
        };
        backends.push(known);
    }
    if backends.is_empty() {
        backends = BACKENDS.iter().map(|(b, _)| *b).collect();
    }
    let mut servers: Vec<&str> =
        BACKENDS.iter().filter(|(b, _)| backends.contains(b)).map(|(_, server)| *server).collect();
    servers.dedup();

    let mut args = vec!["--backend".to_owned(), backends.join(",")];
    args.extend(["--ops".to_owned(), flags.ops.unwrap_or(10_000).to_string()]);
    args.extend(["--seed".to_owned(), flags.seed.unwrap_or(1).to_string()]);
    if let Some(rate) = flags.fault_rate {
        args.extend(["--fault-rate".to_owned(), rate.to_string()]);
    }

    step("build the soak", || {
        cmd!(sh, "cargo build --quiet -p cloud-soak").run().context("cloud-soak does not build")
    })?;
    let guard = step("start local servers", || crate::emulators::start_for_tests(sh, &servers))?;
    let result = step("soak", || {
        let _env: Vec<xshell::PushEnv<'_>> = guard.env().into_iter().map(|(k, v)| sh.push_env(k, v)).collect();
        cmd!(sh, "cargo run --quiet -p cloud-soak -- {args...}").run().context("the soak found a broken promise")
    });
    drop(guard);
    result
}

#[cfg(test)]
mod tests {
    use super::BACKENDS;

    #[test]
    fn backends_are_the_soaks_own() {
        let source = std::fs::read_to_string(crate::project_root().join("crates/cloud-soak/src/backends.rs")).unwrap();
        for (backend, _) in BACKENDS {
            assert!(source.contains(&format!("\"{backend}\"")), "{backend} is not a cloud-soak backend");
        }
    }
}
