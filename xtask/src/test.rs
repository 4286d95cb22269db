//! `cargo xtask test`: every check CI makes, in the order that fails fastest.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::{canary, flags};

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
        let env = guard.env();
        let _env: Vec<xshell::PushEnv<'_>> = env.iter().map(|(k, v)| sh.push_env(k, v)).collect();
        // Tests that read a local server's settings send every tracing line, TRACE included, to
        // their captured output (`cloud_contract_testing::trace`), where the canary looks for secrets.
        let _trace = sh.push_env(TRACE_VARIABLE, "trace");
        let canaries = canary::Canaries::from_env(&env);
        step("canary self-check", || canary_self_check(sh, &canaries))?;
        let filters = &flags.filters;
        let report = junit_report();
        let mut scanned = canary::Scanned::default();
        let mut hits = Vec::new();
        let tests = step("nextest", || {
            remove_stale(&report)?;
            let run = cmd!(
                sh,
                "cargo nextest run --workspace --all-features --no-fail-fast --cargo-quiet --profile canary {filters...}"
            )
            .run()
            .context("tests failed");
            // The output of failed tests is searched too: a leak is reported with the failures.
            let xml = std::fs::read_to_string(&report).with_context(|| format!("reading {}", report.display()))?;
            hits.extend(canaries.scan_junit(&xml, &mut scanned));
            run
        });
        let doctests = if flags.filters.is_empty() {
            step("doctests", || {
                let out = cmd!(sh, "cargo test --doc --workspace --all-features --quiet").ignore_status().output()?;
                let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
                print!("{stdout}");
                eprint!("{stderr}");
                hits.extend(canaries.scan_text("doctests' stdout", &stdout, &mut scanned));
                hits.extend(canaries.scan_text("doctests' stderr", &stderr, &mut scanned));
                anyhow::ensure!(out.status.success(), "doctests failed");
                Ok(())
            })
        } else {
            Ok(())
        };
        step("secret canary", || {
            eprintln!(
                "    {} credentials ({} carry the canary marker) searched in {} bytes, {} lines of test output: {} hits",
                canaries.credentials(),
                canaries.marked().len(),
                scanned.bytes,
                scanned.lines,
                hits.len()
            );
            anyhow::ensure!(hits.is_empty(), "a secret appeared in the tests' output:\n{}", canary::describe(&hits));
            Ok(())
        })?;
        tests?;
        doctests?;
        if flags.filters.is_empty() {
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

/// The variable that turns on the tests' TRACE capture (`cloud_contract_testing::trace`).
const TRACE_VARIABLE: &str = "CLOUD_TEST_TRACE";

/// Where nextest writes the `canary` profile's JUnit report (its store is `target/nextest` in the
/// workspace, whatever `CARGO_TARGET_DIR` says).
fn junit_report() -> PathBuf {
    crate::project_root().join("target").join("nextest").join("canary").join("junit.xml")
}

fn remove_stale(report: &Path) -> Result<()> {
    match std::fs::remove_file(report) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("removing {}", report.display()))
        }
        _ => Ok(()),
    }
}

/// The variable a planted test prints.
const PLANTED: &str = "CLOUD_TEST_CANARY_PLANTED";

/// Proves the whole path (with the workspace's build, so nothing is compiled again): an ignored
/// test prints a planted canary (plainly, in a TRACE line and
/// in a panic message caught by its panic hook), nextest keeps its output in the report, and the
/// scan finds each.
fn canary_self_check(sh: &Shell, canaries: &canary::Canaries) -> Result<()> {
    let planted = format!("{}planted{}", canary::MARKER, std::process::id());
    let _plant = sh.push_env(PLANTED, &planted);
    let report = junit_report();
    remove_stale(&report)?;
    cmd!(
        sh,
        "cargo nextest run --workspace --all-features --cargo-quiet --profile canary --run-ignored only -E 'package(cloud-contract-testing) & test(=trace::tests::a_planted_canary_reaches_the_output)'"
    )
    .quiet()
    .ignore_stdout()
    .run()
    .context("the planted test did not run")?;
    let xml = std::fs::read_to_string(&report).with_context(|| format!("reading {}", report.display()))?;
    let mut with_plant = canaries.clone();
    with_plant.add(PLANTED, &planted);
    let hits = with_plant.scan_junit(&xml, &mut canary::Scanned::default());
    let planted_hits = hits.iter().filter(|h| h.source == PLANTED).count();
    let marker_hits = hits.iter().filter(|h| h.form == canary::Form::Marker).count();
    // Printed, traced, and in the panic message: three lines at least, each found twice (as the
    // value and by its marker).
    anyhow::ensure!(
        planted_hits >= 3 && marker_hits >= 3,
        "the scan missed the planted canary ({planted_hits} value hits, {marker_hits} marker hits, 3 planted)"
    );
    eprintln!("    the planted canary was found {planted_hits} times");
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
