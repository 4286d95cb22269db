//! What `cargo metadata` says about the workspace's own packages.

use anyhow::{Context, Result};
use serde::Deserialize;
use xshell::{Shell, cmd};

/// One member of the workspace.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Package {
    /// Cargo's package id.
    id: String,
    /// The package name.
    pub(crate) name: String,
    /// Its version.
    pub(crate) version: String,
    /// Its features (without `default`), sorted.
    #[serde(deserialize_with = "feature_names")]
    pub(crate) features: Vec<String>,
    /// `None`: publishable anywhere; `Some([])`: `publish = false`.
    publish: Option<Vec<String>>,
    /// The path of its `Cargo.toml`.
    pub(crate) manifest_path: String,
}

impl Package {
    /// Whether the package may be published (no `publish = false`).
    pub(crate) fn is_published(&self) -> bool {
        self.publish.as_ref().is_none_or(|registries| !registries.is_empty())
    }
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
}

fn feature_names<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    let map: std::collections::BTreeMap<String, serde::de::IgnoredAny> = Deserialize::deserialize(d)?;
    Ok(map.into_keys().filter(|f| f != "default").collect())
}

/// The workspace's members, in the order `cargo metadata` gives them.
pub(crate) fn members(sh: &Shell) -> Result<Vec<Package>> {
    let json = cmd!(sh, "cargo metadata --format-version 1 --no-deps --offline")
        .quiet()
        .read()
        .context("cargo metadata failed")?;
    let meta: Metadata = serde_json::from_str(&json).context("cargo metadata printed something unexpected")?;
    Ok(meta.packages.into_iter().filter(|p| meta.workspace_members.contains(&p.id)).collect())
}

/// The members that are published, in the order `cargo metadata` gives them.
pub(crate) fn published(sh: &Shell) -> Result<Vec<Package>> {
    Ok(members(sh)?.into_iter().filter(Package::is_published).collect())
}
