//! `cargo xtask`: the development tasks of the `cloud` workspace.
//!
//! - `cargo xtask test`: everything CI checks (format, lints, tidy, codegen freshness, local
//!   servers, tests, doctests, dependency rules, `cargo deny`).
//! - `cargo xtask checks`: what publishing needs (features alone, docs, unused dependencies,
//!   advisories, a release dry run); part of `test`.
//! - `cargo xtask example <name>`: builds and runs an example too heavy for `test` (`datafusion`)
//!   against local servers and checks its output.
//! - `cargo xtask bench [--quick]`: our storage clients against the raw SDK and the tools people
//!   use instead; writes `docs/benchmarks.md`. `cargo xtask bench-only SECTION…` runs some of it.
//! - `cargo xtask soak [--ops N] [--seed S] [--backend NAME]`: the storage clients under random
//!   faults through the fault proxy, every acknowledged write read back; prints the report.
//! - `cargo xtask tidy`: repository rules (docs headers, READMEs, changelogs, no `todo!`).
//! - `cargo xtask emulators up|down|status|env [NAMES…]`: the local servers the tests talk to.
//! - `cargo xtask codegen <target> [--check]`: regenerates code from vendor API documents.
//! - `cargo xtask release [--dry-run] <version>`: bumps, packages and publishes the crates.

mod bench;
mod canary;
mod checks;
mod codegen;
mod deps;
mod emulators;
mod example;
mod flags;
mod release;
mod soak;
mod test;
mod tidy;
mod workspace;

use std::path::{Path, PathBuf};

use anyhow::Result;
use xshell::Shell;

fn main() -> Result<()> {
    let flags = flags::Xtask::from_env_or_exit();
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    match flags.subcommand {
        flags::XtaskCmd::Test(cmd) => test::run(&sh, &cmd),
        flags::XtaskCmd::Example(cmd) => example::run(&sh, &cmd.name),
        flags::XtaskCmd::Bench(cmd) => bench::run(&sh, &cmd, None),
        flags::XtaskCmd::Soak(cmd) => soak::run(&sh, &cmd),
        flags::XtaskCmd::BenchOnly(cmd) => bench::run_only(&sh, &cmd),
        flags::XtaskCmd::Tidy(_) => tidy::run(&project_root()),
        flags::XtaskCmd::Checks(_) => checks::publishing(&sh),
        flags::XtaskCmd::CheckDeps(_) => deps::run(&sh),
        flags::XtaskCmd::Emulators(cmd) => {
            let (action, names) = match cmd.subcommand {
                flags::EmulatorsCmd::Up(c) => (emulators::Action::Up, c.names),
                flags::EmulatorsCmd::Down(c) => (emulators::Action::Down, c.names),
                flags::EmulatorsCmd::Status(_) => (emulators::Action::Status, Vec::new()),
                flags::EmulatorsCmd::Env(c) => (emulators::Action::Env, c.names),
            };
            emulators::run(&sh, action, &names)
        }
        flags::XtaskCmd::Codegen(cmd) => codegen::run(&sh, &cmd.target, cmd.check, cmd.spec),
        flags::XtaskCmd::Release(cmd) => release::run(&sh, &cmd.version, cmd.dry_run),
    }
}

/// The workspace root (the parent of this crate's directory).
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
}
