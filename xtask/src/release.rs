//! `cargo xtask release [--dry-run] <version>`: bump, changelogs, package, publish.
//!
//! 1. Sets the workspace version (and the versions of the internal dependencies) to `<version>`.
//! 2. Moves each published crate's `## Unreleased` changelog section under `## <version> - <date>`,
//!    leaving an empty `## Unreleased` on top.
//! 3. Packages every published crate in dependency order and builds each from its package alone
//!    (`cargo package` with verification), so a missing file or an undeclared dependency fails
//!    here rather than on crates.io. Prints each package's size.
//! 4. Without `--dry-run`: publishes in dependency order, then commits and tags `v<version>`.
//!
//! A dry run never touches the checkout: it works on a copy of the tracked files in a temporary
//! directory (sharing the build cache), and stops before uploading. `cargo xtask test` runs one.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use xshell::{Shell, cmd};

use crate::workspace;

pub(crate) fn run(sh: &Shell, version: &str, dry_run: bool) -> Result<()> {
    validate_version(version)?;
    let root = crate::project_root();
    let (dir, _cleanup) = if dry_run {
        let copy = copy_tracked_files(sh, &root)?;
        (copy.path.clone(), Some(copy))
    } else {
        let status = cmd!(sh, "git status --porcelain").quiet().read()?;
        ensure!(status.trim().is_empty(), "the checkout has uncommitted changes; commit or stash them first");
        (root, None)
    };
    let _dir = sh.push_dir(&dir);

    let published = workspace::published(sh)?;
    let names: Vec<&str> = published.iter().map(|p| p.name.as_str()).collect();
    let old = published.first().map(|p| p.version.clone()).context("the workspace publishes no crate")?;
    let manifest = dir.join("Cargo.toml");
    let text = fs::read_to_string(&manifest)?;
    fs::write(&manifest, bump_manifest(&text, &old, version, &names)?)?;
    let date = cmd!(sh, "date -u +%Y-%m-%d").quiet().read()?;
    for package in &published {
        let changelog = Path::new(&package.manifest_path).with_file_name("CHANGELOG.md");
        if let Ok(text) = fs::read_to_string(&changelog) {
            fs::write(&changelog, move_unreleased(&text, version, &date)?)?;
        }
    }
    // The lock file records the members' versions.
    cmd!(sh, "cargo update --workspace --offline --quiet").run().context("updating Cargo.lock")?;
    eprintln!("    {old} -> {version}: Cargo.toml, Cargo.lock and {} changelogs", published.len());

    let packages: Vec<String> = names.iter().flat_map(|n| ["--package".to_owned(), (*n).to_owned()]).collect();
    let allow_dirty = dry_run.then_some("--allow-dirty");
    let to_package = packages.clone();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| dir.join("target"), PathBuf::from);
    forget_unpacked_overlays(&names, version)?;
    forget_verified_builds(&target, &names)?;
    cmd!(sh, "cargo package --locked --quiet {allow_dirty...} {to_package...}")
        .run()
        .context("packaging failed: a crate does not build from its package alone")?;
    for name in &names {
        let file = target.join("package").join(format!("{name}-{version}.crate"));
        let size = fs::metadata(&file).with_context(|| format!("{} was not written", file.display()))?.len();
        eprintln!("    {name}-{version}.crate: {:.1} KiB", size as f64 / 1024.0);
    }

    if dry_run {
        eprintln!("    dry run: {} crates packaged and verified; nothing was published", names.len());
        return Ok(());
    }
    cmd!(sh, "cargo publish --locked {packages...}").run().context("publishing failed")?;
    let tag = format!("v{version}");
    cmd!(sh, "git commit -qam {tag}").run()?;
    cmd!(sh, "git tag -a {tag} -m {tag}").run()?;
    eprintln!(
        "    published {} crates; committed and tagged {tag} (push it with `git push --follow-tags`)",
        names.len()
    );
    Ok(())
}

/// Removes the copies of our own packages that an earlier `cargo package` unpacked from its
/// overlay registry.
///
/// To verify a crate against its sibling packages, `cargo package` serves them from a local
/// registry under the target directory and unpacks them into `$CARGO_HOME/registry/src/-<hash>/`,
/// where the hash depends only on that registry's path. Cargo never unpacks a `name-version` twice,
/// so a second run with the same version would build against the first run's sources (and fail on
/// any API added since, or pass on stale code). Such registries are the ones whose directory name
/// starts with `-`; crates.io's is `index.crates.io-…` and is left alone.
fn forget_unpacked_overlays(names: &[&str], version: &str) -> Result<()> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let Ok(registries) = fs::read_dir(cargo_home.join("registry").join("src")) else { return Ok(()) };
    for registry in registries {
        let registry = registry?.path();
        if !registry.file_name().is_some_and(|n| n.to_string_lossy().starts_with('-')) {
            continue;
        }
        for name in names {
            let unpacked = registry.join(format!("{name}-{version}"));
            if unpacked.exists() {
                fs::remove_dir_all(&unpacked).with_context(|| format!("removing {}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

/// Makes cargo build our own packages again when it verifies them.
///
/// The verification builds in the workspace's target directory, and cargo fingerprints a package
/// from a registry by its name, version and source only (registry sources never change). The
/// overlay registry of [`forget_unpacked_overlays`] has the same path in every run, so a second
/// run with the same version would reuse the first run's build of a sibling package instead of
/// compiling its new source. Removing our packages' fingerprints (`<name>-<16 hex digits>`) makes
/// cargo compile them again; the workspace's own builds of them are compiled again too.
fn forget_verified_builds(target: &Path, names: &[&str]) -> Result<()> {
    let Ok(profiles) = fs::read_dir(target) else { return Ok(()) };
    for profile in profiles {
        let fingerprints = profile?.path().join(".fingerprint");
        let Ok(entries) = fs::read_dir(&fingerprints) else { continue };
        for entry in entries {
            let path = entry?.path();
            let Some(file) = path.file_name().map(|f| f.to_string_lossy().into_owned()) else { continue };
            let ours = names.iter().any(|name| {
                file.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|hash| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            });
            if ours {
                fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// `MAJOR.MINOR.PATCH` with an optional `-pre` suffix of ASCII alphanumerics, `.` and `-`.
fn validate_version(version: &str) -> Result<()> {
    let (core, pre) = version.split_once('-').map_or((version, None), |(c, p)| (c, Some(p)));
    let parts: Vec<&str> = core.split('.').collect();
    let numeric =
        |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s.len() == 1 || !s.starts_with('0'));
    ensure!(parts.len() == 3 && parts.iter().all(numeric), "`{version}` is not a version like 0.1.0");
    if let Some(pre) = pre {
        ensure!(
            !pre.is_empty() && pre.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
            "`{version}`: bad pre-release part"
        );
    }
    Ok(())
}

/// Sets `version` in `[workspace.package]` and in the internal `[workspace.dependencies]` entries.
fn bump_manifest(text: &str, old: &str, new: &str, names: &[&str]) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut section = "";
    let mut bumped_package = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = if trimmed == "[workspace.package]" {
                "package"
            } else if trimmed == "[workspace.dependencies]" {
                "deps"
            } else {
                ""
            };
        }
        let old_field = format!("version = \"{old}\"");
        let new_field = format!("version = \"{new}\"");
        let is_internal =
            names.iter().any(|n| trimmed.starts_with(&format!("{n} ")) || trimmed.starts_with(&format!("{n}=")));
        if section == "package" && trimmed == old_field {
            out.push_str(&line.replacen(&old_field, &new_field, 1));
            bumped_package = true;
        } else if section == "deps" && is_internal && line.contains("path = ") {
            ensure!(line.contains(&old_field), "Cargo.toml: `{trimmed}` does not say {old_field}");
            out.push_str(&line.replacen(&old_field, &new_field, 1));
        } else {
            out.push_str(line);
        }
    }
    if !bumped_package {
        bail!("Cargo.toml: no `version = \"{old}\"` in [workspace.package]");
    }
    Ok(out)
}

/// Moves the `## Unreleased` section's entries under `## <version> - <date>`.
fn move_unreleased(text: &str, version: &str, date: &str) -> Result<String> {
    let heading = "## Unreleased";
    let at = text.find(heading).context("a changelog without `## Unreleased`")?;
    let (before, after) = text.split_at(at + heading.len());
    let body = after.trim_start_matches(['\r', '\n']);
    let released = if body.starts_with("## ") || body.trim().is_empty() { "- no changes\n\n" } else { "" };
    Ok(format!("{before}\n\n## {version} - {date}\n\n{released}{body}"))
}

/// A copy of the tracked (and untracked, not ignored) files in a temporary directory, removed on drop.
struct TempCopy {
    path: PathBuf,
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn copy_tracked_files(sh: &Shell, root: &Path) -> Result<TempCopy> {
    let path = std::env::temp_dir().join(format!("cloud-release-{}", std::process::id()));
    if path.exists() {
        fs::remove_dir_all(&path)?;
    }
    let copy = TempCopy { path };
    let files = cmd!(sh, "git ls-files --cached --others --exclude-standard -z").quiet().read()?;
    for file in files.split('\0').filter(|f| !f.is_empty()) {
        let from = root.join(file);
        if !from.is_file() {
            continue; // deleted but not yet committed
        }
        let to = copy.path.join(file);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(&from, &to).with_context(|| format!("copying {file}"))?;
    }
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in ["0.1.0", "1.20.3", "0.2.0-rc.1"] {
            assert!(validate_version(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1", "1.2", "01.2.3", "1.2.3-", "1.2.3-a b", "v1.2.3", "1.2.x"] {
            assert!(validate_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bump_touches_only_the_workspace_version_and_internal_deps() {
        let text = "[workspace.package]\nversion = \"0.1.0\"\n\n[workspace.dependencies]\n\
                    cloud-core = { path = \"crates/cloud-core\", version = \"0.1.0\" }\n\
                    other = \"0.1.0\"\nthird = { version = \"0.1.0\" }\n";
        let out = bump_manifest(text, "0.1.0", "0.2.0", &["cloud-core"]).unwrap();
        assert_eq!(
            out,
            "[workspace.package]\nversion = \"0.2.0\"\n\n[workspace.dependencies]\n\
             cloud-core = { path = \"crates/cloud-core\", version = \"0.2.0\" }\n\
             other = \"0.1.0\"\nthird = { version = \"0.1.0\" }\n"
        );
        assert!(bump_manifest(text, "0.9.0", "1.0.0", &["cloud-core"]).is_err());
    }

    #[test]
    fn unreleased_moves_under_the_version() {
        let text = "# Changelog\n\n## Unreleased\n\n- **added:** x\n\n## 0.0.1 - 2026-01-01\n\n- y\n";
        let out = move_unreleased(text, "0.1.0", "2026-12-07").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\n## Unreleased\n\n## 0.1.0 - 2026-12-07\n\n- **added:** x\n\n## 0.0.1 - 2026-01-01\n\n- y\n"
        );
        let empty = move_unreleased("## Unreleased\n", "0.1.0", "2026-12-07").unwrap();
        assert_eq!(empty, "## Unreleased\n\n## 0.1.0 - 2026-12-07\n\n- no changes\n\n");
        assert!(move_unreleased("# Changelog\n", "0.1.0", "d").is_err());
    }
}
