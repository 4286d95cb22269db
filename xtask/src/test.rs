//! `cargo xtask test`: every check CI makes, in the order that fails fastest.

use std::time::Instant;

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::flags;

/// The servers the workspace's suites need, started unless `--no-emulators` or `--emulators`.
const DEFAULT_EMULATORS: &[&str] = &["s3", "azure", "gcs", "mocks", "openstack"];

pub(crate) fn run(sh: &Shell, flags: &flags::Test) -> Result<()> {
    let started = Instant::now();
    let names: Vec<String> = if flags.no_emulators {
        Vec::new()
    } else {
        match &flags.emulators {
            Some(list) => list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            None => DEFAULT_EMULATORS.iter().map(|s| (*s).to_owned()).collect(),
        }
    };

    // Installing the servers is mostly downloads: do it while the workspace compiles.
    let install = {
        let names = names.clone();
        std::thread::spawn(move || -> Result<()> {
            let sh = Shell::new()?;
            sh.change_dir(crate::project_root());
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            crate::emulators::install_for_tests(&sh, &names)
        })
    };

    let checks = (|| -> Result<()> {
        if !flags.quick {
            step("rustfmt", || cmd!(sh, "cargo fmt --all -- --check").run().context("run `cargo fmt --all`"))?;
            step("tidy", || crate::tidy::run(&crate::project_root()))?;
            step("codegen freshness", || crate::codegen::check_all(sh))?;
            step("clippy", || {
                cmd!(sh, "cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings")
                    .run()
                    .context("clippy found problems")
            })?;
            step("dependency rules", || crate::deps::run(sh))?;
            crate::checks::in_test(sh)?;
        }
        // Build the tests before starting servers, so a compile error does not cost a server start.
        step("build tests", || {
            cmd!(sh, "cargo nextest run --workspace --all-features --no-run --cargo-quiet").run().map_err(Into::into)
        })
    })();
    let installed =
        step("install local servers", || install.join().map_err(|_| anyhow::anyhow!("the install thread panicked"))?);
    checks?;
    installed?;

    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let guard = step("start local servers", || crate::emulators::start_for_tests(sh, &names))?;

    let result = (|| -> Result<()> {
        let _env: Vec<xshell::PushEnv<'_>> = guard.env().into_iter().map(|(k, v)| sh.push_env(k, v)).collect();
        let filters = &flags.filters;
        step("nextest", || {
            cmd!(sh, "cargo nextest run --workspace --all-features --no-fail-fast --cargo-quiet {filters...}")
                .run()
                .context("tests failed")
        })?;
        if flags.filters.is_empty() {
            step("doctests", || {
                cmd!(sh, "cargo test --doc --workspace --all-features --quiet").run().context("doctests failed")
            })?;
            // The benchmark runs (small sizes, one round); its figures come from `cargo xtask bench`.
            if names.contains(&"s3") && names.contains(&"azure") && names.contains(&"openstack") {
                let quick = flags::Bench { quick: true, size_mib: None, rounds: None, keys: None };
                step("bench --quick", || crate::bench::run(sh, &quick, Some(guard.env())))?;
            }
        }
        Ok(())
    })();
    // Stop the servers whatever happened.
    drop(guard);
    result?;
    if !flags.quick && flags.filters.is_empty() {
        crate::checks::release_dry_run(sh)?;
    }

    eprintln!("xtask test: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Runs one named step, timing it and naming it in the error.
pub(crate) fn step<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    eprintln!("==> {name}");
    let t = Instant::now();
    let out = f().with_context(|| format!("step `{name}` failed"))?;
    eprintln!("    {name}: ok ({:.1?})", t.elapsed());
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_emulators_are_known_names() {
        for name in super::DEFAULT_EMULATORS {
            assert!(["s3", "azure", "gcs", "mocks", "openstack", "openstack-core"].contains(name), "{name}");
        }
    }
}
