//! `cargo xtask tidy`: repository rules, also run as a `#[test]`.
//!
//! - Every `.rs` file starts with a `//!` doc comment.
//! - Every crate under `crates/` has a `README.md` and a `CHANGELOG.md` with an `## Unreleased`
//!   section, and its manifest inherits the workspace lints.
//! - No stub or debugging macro (`todo!`, `unimplemented!`, `dbg!`) in Rust code.
//! - No path of a developer's machine in tracked text files.
//! - Every published provider crate has a feature of the same name in the `cloud` facade.
//!
//! All violations are collected, then reported at once.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

pub(crate) fn run(root: &Path) -> Result<()> {
    let problems = check(root)?;
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("tidy found {} problem(s):\n  {}", problems.len(), problems.join("\n  "))
    }
}

/// Every violation under `root`, as `path: what` lines.
fn check(root: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();

    // Built at run time so this file does not trip its own checks.
    let banned_macros: Vec<String> = ["todo", "unimplemented", "dbg"].iter().map(|m| format!("{m}!(")).collect();
    let machine_paths = [concat!("/wo", "rk/"), concat!("/fa", "rm/"), concat!(".lib", "rary/")];

    for file in files(root, &["crates", "xtask"])? {
        let Some(ext) = file.extension().and_then(|e| e.to_str()) else { continue };
        let Ok(text) = fs::read_to_string(&file) else { continue };
        if ext == "rs" {
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if !first.starts_with("//!") {
                problems.push(format!("{}: does not start with a `//!` doc comment", rel(&file)));
            }
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if let Some(m) = banned_macros.iter().find(|m| code.contains(m.as_str())) {
                    problems.push(format!("{}:{}: `{m}` is not allowed", rel(&file), n + 1));
                }
            }
        }
        if matches!(ext, "rs" | "md" | "toml" | "sh" | "py" | "yaml" | "yml" | "json") {
            for (n, line) in text.lines().enumerate() {
                if machine_paths.iter().any(|p| line.contains(p)) {
                    problems.push(format!("{}:{}: names a path of this machine", rel(&file), n + 1));
                }
            }
        }
    }

    let facade = fs::read_to_string(root.join("crates/cloud/Cargo.toml")).unwrap_or_default();
    for dir in crate_dirs(root)? {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        for doc in ["README.md", "CHANGELOG.md"] {
            if !dir.join(doc).is_file() {
                problems.push(format!("crates/{name}: has no {doc}"));
            }
        }
        let changelog = fs::read_to_string(dir.join("CHANGELOG.md")).unwrap_or_default();
        if dir.join("CHANGELOG.md").is_file() && !changelog.contains("## Unreleased") {
            problems.push(format!("crates/{name}/CHANGELOG.md: has no `## Unreleased` section"));
        }
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        if !manifest.contains("[lints]\nworkspace = true") {
            problems.push(format!("crates/{name}/Cargo.toml: does not inherit the workspace lints"));
        }
        let published = !manifest.contains("publish = false");
        // A library (not a program such as `cloud-cli`, which sits on top of the facade).
        let is_library = dir.join("src/lib.rs").is_file();
        if published && is_library && !manifest.contains("[package.metadata.docs.rs]") {
            problems.push(format!("crates/{name}/Cargo.toml: has no [package.metadata.docs.rs] section"));
        }
        let is_provider = is_library && name.starts_with("cloud-") && name != "cloud-core";
        if is_provider && published {
            let feature = name.trim_start_matches("cloud-");
            if !facade.contains(&format!("{feature} = [\"dep:{name}\"")) {
                problems.push(format!("crates/cloud/Cargo.toml: no feature `{feature} = [\"dep:{name}\"]`"));
            }
        }
    }
    Ok(problems)
}

/// The crate directories under `crates/`.
fn crate_dirs(root: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("crates"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Every file under the given top-level directories, skipping `target` and hidden directories.
fn files(root: &Path, tops: &[&str]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = tops.iter().map(|t| root.join(t)).filter(|p| p.exists()).collect();
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tidy() {
        let problems = super::check(&crate::project_root()).unwrap();
        assert!(problems.is_empty(), "tidy found problems:\n  {}", problems.join("\n  "));
    }
}
