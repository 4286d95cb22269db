//! `cargo xtask check-deps`: dependency invariants checked with `cargo tree`.
//!
//! - `cloud-core` without features pulls no HTTP client or TLS stack (`reqwest`, `hyper`, `rustls`).
//! - Nothing in the workspace depends on `openssl-sys` (the stack is rustls-only).
//! - Provider crates never depend on each other, except `cloud-infomaniak-s3` on `cloud-aws`.

use anyhow::{Result, bail};
use xshell::{Shell, cmd};

/// Crates `cloud-core` must not pull without features.
const CORE_FORBIDDEN: &[&str] = &["reqwest", "hyper", "rustls", "openssl-sys"];

/// The only allowed edges between provider crates.
const ALLOWED_PROVIDER_EDGES: &[(&str, &str)] = &[("cloud-infomaniak-s3", "cloud-aws")];

pub(crate) fn run(sh: &Shell) -> Result<()> {
    let mut problems = Vec::new();

    let core = cmd!(sh, "cargo tree -p cloud-core -e normal --prefix none").quiet().read()?;
    for name in crate_names(&core) {
        if CORE_FORBIDDEN.contains(&name) {
            problems.push(format!("cloud-core (no features) depends on {name}"));
        }
    }

    let all = cmd!(sh, "cargo tree --workspace --all-features -e normal --prefix none").quiet().read()?;
    if crate_names(&all).any(|n| n == "openssl-sys") {
        problems.push("the workspace depends on openssl-sys".to_owned());
    }

    let providers = provider_crates()?;
    for from in &providers {
        let direct = cmd!(sh, "cargo tree -p {from} -e normal --depth 1 --prefix none").quiet().read()?;
        for to in crate_names(&direct).skip(1) {
            if providers.iter().any(|p| p == to) && !ALLOWED_PROVIDER_EDGES.contains(&(from.as_str(), to)) {
                problems.push(format!("provider crate {from} depends on provider crate {to}"));
            }
        }
    }

    if problems.is_empty() { Ok(()) } else { bail!("dependency rules broken:\n  {}", problems.join("\n  ")) }
}

/// Package names in `cargo tree --prefix none` output (`name v1.2.3 (...)`).
fn crate_names(tree: &str) -> impl Iterator<Item = &str> {
    tree.lines().filter_map(|l| l.split_whitespace().next())
}

/// Workspace crates named `cloud-…` that are not provider libraries: the core and the `cloud`
/// command. Unpublished crates (test support, benchmarks, smoke tests) are tools too and may
/// depend on any provider.
const NOT_PROVIDERS: &[&str] = &["cloud-core", "cloud-cli"];

/// The provider crates under `crates/`: published `cloud-<provider>` libraries.
fn provider_crates() -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(crate::project_root().join("crates"))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let manifest = std::fs::read_to_string(entry.path().join("Cargo.toml"))?;
        let published = !manifest.lines().any(|l| l.replace(' ', "") == "publish=false");
        if name.starts_with("cloud-") && !NOT_PROVIDERS.contains(&name.as_str()) && published {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}
