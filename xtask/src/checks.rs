//! The checks publishing needs: each feature alone, the docs as docs.rs builds them, unused
//! dependencies and the advisory database.

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::test::step;
use crate::workspace;

/// The publishing checks `cargo xtask test` runs before building the tests: unused dependencies,
/// `cargo deny` with advisories, the docs as docs.rs builds them, and each feature alone. The
/// release dry run comes after the tests (see [`release_dry_run`]): a test failure is news sooner.
pub(crate) fn in_test(sh: &Shell) -> Result<()> {
    step("unused dependencies", || unused_dependencies(sh))?;
    step("cargo deny", || deny(sh))?;
    step("docs (as docs.rs builds them)", || docs(sh))?;
    step("each feature alone", || features(sh))
}

/// Every check publishing needs (`cargo xtask checks`): those of [`in_test`] and the release dry
/// run, without starting servers or running tests.
pub(crate) fn publishing(sh: &Shell) -> Result<()> {
    in_test(sh)?;
    release_dry_run(sh)
}

/// `cargo xtask release --dry-run` at the workspace's current version: every published crate
/// packaged and built from its package alone, nothing uploaded.
pub(crate) fn release_dry_run(sh: &Shell) -> Result<()> {
    step("release dry run", || {
        let version = workspace::published(sh)?.first().map(|p| p.version.clone()).context("no published crate")?;
        crate::release::run(sh, &version, true)
    })
}

/// Every published crate's library and binaries (cargo's default targets) compile without
/// warnings with no features, and with each of its features alone. Tests, examples and benches
/// are left out: the test build compiles them with every feature, and checking them per feature
/// set would add their dev-dependencies to every set on a 2-core machine for little more coverage.
pub(crate) fn features(sh: &Shell) -> Result<()> {
    let mut checked = 0;
    let mut failed = Vec::new();
    for package in workspace::published(sh)? {
        let name = &package.name;
        let sets = std::iter::once(None).chain(package.features.iter().map(Some));
        for feature in sets {
            let features = feature.map(|f| format!("--features={f}"));
            let out = cmd!(
                sh,
                "cargo check --quiet --message-format short --package {name} --no-default-features {features...}"
            )
            .ignore_status()
            .quiet()
            .output()?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            // Cargo replays the warnings of crates it does not rebuild, so a warm run sees them too.
            let warned = stderr.lines().any(|l| l.contains("warning:") || l.contains("error"));
            let ok = out.status.success() && !warned;
            if !ok {
                eprint!("{stderr}");
            }
            checked += 1;
            if !ok {
                failed.push(format!(
                    "{name} with {}",
                    feature.map_or("no features".to_owned(), |f| format!("only `{f}`"))
                ));
            }
        }
    }
    if !failed.is_empty() {
        bail!("{} of {checked} feature sets do not build alone:\n  {}", failed.len(), failed.join("\n  "));
    }
    eprintln!("    {checked} feature sets build alone");
    Ok(())
}

/// `cargo doc` as docs.rs runs it (`--cfg docsrs`, all features), with warnings such as broken
/// intra-doc links as errors.
pub(crate) fn docs(sh: &Shell) -> Result<()> {
    let excluded: Vec<String> = workspace::members(sh)?
        .into_iter()
        .filter(|p| !p.is_published())
        .flat_map(|p| ["--exclude".to_owned(), p.name])
        .collect();
    cmd!(sh, "cargo doc --quiet --workspace {excluded...} --all-features --no-deps")
        .env("RUSTDOCFLAGS", "--cfg docsrs -D warnings")
        // docs.rs builds with a nightly toolchain, where `#![cfg_attr(docsrs, feature(doc_cfg))]`
        // is allowed; this machine has only a stable one, told to accept it for this step.
        .env("RUSTC_BOOTSTRAP", "1")
        .run()
        .context("the documentation has warnings (broken links?)")
}

/// `cargo machete`: dependencies declared but never used.
pub(crate) fn unused_dependencies(sh: &Shell) -> Result<()> {
    install_tool(sh, "cargo-machete", "0.9.2", &["machete", "--version"])?;
    // cargo-machete reads its arguments differently when `CARGO_PKG_NAME` is set, as it is for
    // xtask itself under `cargo run`.
    cmd!(sh, "cargo machete --skip-target-dir").env_remove("CARGO_PKG_NAME").run().context(
        "unused dependencies (remove them, or list a false positive under [package.metadata.cargo-machete] ignored)",
    )
}

/// `cargo install`s a tool at a pinned version unless `cargo <probe>` already answers.
pub(crate) fn install_tool(sh: &Shell, krate: &str, version: &str, probe: &[&str]) -> Result<()> {
    if cmd!(sh, "cargo {probe...}").env_remove("CARGO_PKG_NAME").quiet().ignore_stdout().ignore_stderr().run().is_ok() {
        return Ok(());
    }
    eprintln!("    installing {krate} {version} (once)");
    let home = std::env::var("HOME").context("HOME is not set")?;
    let _target = sh.push_env("CARGO_TARGET_DIR", format!("{home}/.cache/cloud-tools-target"));
    let spec = format!("{krate}@{version}");
    cmd!(sh, "cargo install {spec} --locked --quiet").run().with_context(|| format!("installing {krate}"))
}

/// `cargo deny check`: bans, licences and sources, then advisories against the RustSec database,
/// fetched when the network allows and otherwise read from the offline snapshot kept beside the
/// repository (`../shared/advisory-db`). Fails when neither is available: advisories always run.
pub(crate) fn deny(sh: &Shell) -> Result<()> {
    install_tool(sh, "cargo-deny", "0.20.2", &["deny", "--version"])?;
    cmd!(sh, "cargo deny --log-level error check bans licenses sources").run().context("cargo deny found problems")?;
    // Ask GitHub first, briefly: cargo-deny's own fetch waits minutes before it gives up.
    let reachable = cmd!(sh, "timeout 20 git ls-remote --heads {ADVISORY_DB_URL}")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok();
    if reachable {
        cmd!(sh, "cargo deny --log-level error check advisories").run().context("cargo deny found advisories")?;
        eprintln!("    advisories: ok (database fetched from GitHub)");
        return Ok(());
    }
    let snapshot = crate::project_root().join("../shared/advisory-db");
    let commit = install_advisory_snapshot(sh, &snapshot)?;
    cmd!(sh, "cargo deny --log-level error --offline check advisories").run().context("cargo deny found advisories")?;
    eprintln!("    advisories: ok (GitHub unreachable; offline snapshot {commit})");
    Ok(())
}

/// The RustSec advisory database cargo-deny uses by default.
const ADVISORY_DB_URL: &str = "https://github.com/rustsec/advisory-db";

/// The folder cargo-deny 0.20 derives from the default advisory URL.
const ADVISORY_DB_DIR: &str = "advisory-db-3157b0e258782691";

/// Puts the snapshot where cargo-deny looks for its database, as a one-commit git repository
/// dated like the snapshot (cargo-deny reads the date of `HEAD`). Returns the snapshot's commit.
fn install_advisory_snapshot(sh: &Shell, snapshot: &std::path::Path) -> Result<String> {
    let readme = std::fs::read_to_string(snapshot.join("README.md")).with_context(|| {
        format!("the RustSec database could not be fetched and there is no offline snapshot at {}", snapshot.display())
    })?;
    let commit = readme
        .split('`')
        .find(|w| w.len() == 40 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .context("the snapshot's README names no commit")?
        .to_owned();
    let after_commit = &readme[readme.find(&commit).map_or(0, |at| at + commit.len())..];
    let date = after_commit
        .char_indices()
        .map(|(at, _)| &after_commit[at..])
        .find_map(|rest| rest.get(..10).filter(|d| is_iso_date(d)))
        .context("the snapshot's README gives no date after its commit")?
        .to_owned();
    let cargo_home = std::env::var("CARGO_HOME")
        .or_else(|_| std::env::var("HOME").map(|h| format!("{h}/.cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let db = std::path::Path::new(&cargo_home).join("advisory-dbs").join(ADVISORY_DB_DIR);
    let marker = db.join(".snapshot");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == commit) {
        return Ok(commit);
    }
    if db.exists() {
        std::fs::remove_dir_all(&db)?;
    }
    std::fs::create_dir_all(&db)?;
    let crates = snapshot.join("crates");
    cmd!(sh, "cp -r {crates} {db}").run()?;
    let _dir = sh.push_dir(&db);
    let stamp = format!("{date}T00:00:00+00:00");
    let message = format!("advisory-db snapshot {commit}");
    cmd!(sh, "git init -q").run()?;
    cmd!(sh, "git add -A").run()?;
    cmd!(sh, "git -c user.name=snapshot -c user.email=snapshot@localhost commit -qm {message}")
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_DATE", &stamp)
        .run()?;
    std::fs::write(&marker, &commit)?;
    Ok(commit)
}

/// `YYYY-MM-DD`.
fn is_iso_date(s: &str) -> bool {
    s.len() == 10 && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates() {
        assert!(super::is_iso_date("2026-08-21"));
        assert!(!super::is_iso_date("2026-8-21x"));
        assert!(!super::is_iso_date("of RustSec"));
    }
}
