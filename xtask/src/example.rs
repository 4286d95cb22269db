//! `cargo xtask example <name>`: examples too heavy for `cargo xtask test` (they build engines
//! such as DataFusion), each a crate of its own under `examples/` with its own lockfile. This
//! builds one, starts the local servers it needs, runs it with their settings and compares what
//! it prints with the output committed next to it.

use std::path::Path;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::test::step;

/// An example: its directory under `examples/` and the local servers it talks to.
struct Example {
    name: &'static str,
    dir: &'static str,
    servers: &'static [&'static str],
}

const EXAMPLES: &[Example] =
    &[Example { name: "datafusion", dir: "examples/datafusion-swift", servers: &["openstack-core"] }];

pub(crate) fn run(sh: &Shell, name: &str) -> Result<()> {
    let Some(example) = EXAMPLES.iter().find(|e| e.name == name) else {
        let known: Vec<&str> = EXAMPLES.iter().map(|e| e.name).collect();
        bail!("unknown example `{name}`; known: {}", known.join(", "));
    };
    let root = crate::project_root();
    let dir = root.join(example.dir);
    let manifest = dir.join("Cargo.toml");
    // The workspace's build directory, unless the caller chose one: the example shares most of
    // its dependencies with the workspace.
    let _target =
        std::env::var_os("CARGO_TARGET_DIR").is_none().then(|| sh.push_env("CARGO_TARGET_DIR", root.join("target")));

    step("build the example", || {
        cmd!(sh, "cargo build --locked --quiet --manifest-path {manifest}").run().context("the example does not build")
    })?;
    let guard = step("start local servers", || crate::emulators::start_for_tests(sh, example.servers))?;
    let output = step("run the example", || {
        let _env: Vec<xshell::PushEnv<'_>> = guard.env().into_iter().map(|(k, v)| sh.push_env(k, v)).collect();
        cmd!(sh, "cargo run --locked --quiet --manifest-path {manifest}").read().context("the example failed")
    });
    drop(guard);
    let output = output?;
    println!("{output}");
    check(&output, &dir.join("expected-output.txt"))
}

/// Compares what the example printed with the committed expectation.
fn check(output: &str, expected: &Path) -> Result<()> {
    let want = std::fs::read_to_string(expected).with_context(|| format!("reading {}", expected.display()))?;
    compare(output, &want).with_context(|| format!("the output differs from {}", expected.display()))?;
    eprintln!("    the output matches {}", expected.display());
    Ok(())
}

/// The first line where `got` and `want` differ (trailing blank lines aside), if any.
fn compare(got: &str, want: &str) -> Result<()> {
    let (got, want): (Vec<&str>, Vec<&str>) = (got.trim_end().lines().collect(), want.trim_end().lines().collect());
    if let Some(line) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        bail!(
            "line {}: expected {:?}, got {:?}",
            line + 1,
            want.get(line).copied().unwrap_or("<end>"),
            got.get(line).copied().unwrap_or("<end>"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{EXAMPLES, compare};

    #[test]
    fn examples_exist_and_name_known_servers() {
        let root = crate::project_root();
        for example in EXAMPLES {
            assert!(root.join(example.dir).join("Cargo.toml").is_file(), "{}", example.dir);
            assert!(root.join(example.dir).join("expected-output.txt").is_file(), "{}", example.dir);
            for server in example.servers {
                assert!(["s3", "azure", "gcs", "mocks", "openstack", "openstack-core"].contains(server), "{server}");
            }
        }
    }

    #[test]
    fn outputs_are_compared_line_by_line() {
        let want = "a\nb\n\n";
        compare("a\nb", want).unwrap();
        let err = compare("a\nc\n", want).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("\"b\"") && err.contains("\"c\""), "{err}");
        assert!(compare("a\n", want).unwrap_err().to_string().contains("line 2: expected \"b\", got \"<end>\""));
        assert!(compare("a\nb\nc\n", want).unwrap_err().to_string().contains("line 3"));
    }
}
