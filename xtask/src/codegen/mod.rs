//! `cargo xtask codegen <target> [--check] [--spec PATH]`: code generated from vendor API documents.
//!
//! Targets:
//! - `coda`: the models and operations of `cloud-coda` from Coda's OpenAPI document (every operation
//!   outside the Packs group), see [`coda`];
//! - `newsletter`: the models and operations of `cloud-infomaniak-newsletter` from Infomaniak's
//!   export of the Newsletter API (every operation), see [`newsletter`].
//!
//! Both run on one generator: [`ir`] turns schemas into Rust types, [`ops`] reads operations (with
//! each API's conventions: envelope, pagination, implicit path parameters), [`emit`] writes the
//! files (in each crate's style).
//!
//! Generated files are committed, formatted with `rustfmt` (the workspace's `rustfmt.toml`) and
//! headed by an `@generated` line. `--check` regenerates in memory and fails when a committed file
//! differs, naming the command to run. Generation is deterministic: every map the generator walks is
//! sorted, and the output depends on nothing but the API document.
//!
//! The API documents themselves stay out of the repository. They are found, in order, through the
//! `--spec` flag, an environment variable (`CODA_OPENAPI_SPEC`, `INFOMANIAK_NEWSLETTER_OPENAPI_SPEC`), the shared specification folder next
//! to the repository (`../shared/spec/apis/`), and a download cache under `$HOME/.cache/cloud-codegen/`
//! that is filled from the vendor's published URL when nothing else is available.

mod coda;
mod emit;
mod ir;
mod newsletter;
mod ops;
mod rust;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

/// Runs the generator of `target`, writing the files, or only comparing them with `check`.
pub(crate) fn run(sh: &Shell, target: &str, check: bool, spec: Option<PathBuf>) -> Result<()> {
    match target {
        "coda" => {
            let spec = SpecSource::CODA.locate(sh, spec, true)?;
            coda::generate(sh, &spec, mode(check))
        }
        "newsletter" => {
            let spec = SpecSource::NEWSLETTER.locate(sh, spec, true)?;
            newsletter::generate(sh, &spec, mode(check))
        }
        other => bail!("unknown codegen target {other:?}; known targets: coda, newsletter"),
    }
}

/// Checks every target against its committed files (never downloads).
///
/// `cargo xtask test` calls this. A missing API document is an error naming where to put it: a
/// check that silently skips would let generated code drift from the document unnoticed.
pub(crate) fn check_all(sh: &Shell) -> Result<()> {
    let coda = SpecSource::CODA.locate(sh, None, false).context("codegen coda --check")?;
    coda::generate(sh, &coda, Mode::Check)?;
    let newsletter = SpecSource::NEWSLETTER.locate(sh, None, false).context("codegen newsletter --check")?;
    newsletter::generate(sh, &newsletter, Mode::Check)
}

/// The repaired Newsletter document (see [`newsletter::repair`]), for a mock server to serve.
pub(crate) fn newsletter_document(sh: &Shell) -> Result<serde_json::Value> {
    newsletter::repaired_document(&SpecSource::NEWSLETTER.locate(sh, None, false)?)
}

/// Coda's document as the generator reads it (see [`coda`]), for a mock server to serve.
pub(crate) fn coda_document(sh: &Shell) -> Result<serde_json::Value> {
    coda::normalized_document(&SpecSource::CODA.locate(sh, None, false)?)
}

fn mode(check: bool) -> Mode {
    if check { Mode::Check } else { Mode::Write }
}

/// Whether to write the generated files or only compare them with the committed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Write files that differ.
    Write,
    /// Fail if a file differs.
    Check,
}

/// Where the API document of one target may be found.
struct SpecSource {
    /// The target name, as given to `cargo xtask codegen`.
    target: &'static str,
    /// The environment variable naming the document.
    env: &'static str,
    /// The file name in the shared specification folder and in the cache.
    file: &'static str,
    /// The vendor's published URL.
    url: &'static str,
}

impl SpecSource {
    const CODA: Self = Self {
        target: "coda",
        env: "CODA_OPENAPI_SPEC",
        file: "coda-openapi.json",
        url: "https://coda.io/apis/v1/openapi.json",
    };

    const NEWSLETTER: Self = Self {
        target: "newsletter",
        env: "INFOMANIAK_NEWSLETTER_OPENAPI_SPEC",
        file: "infomaniak-newsletter-openapi.json",
        url: "https://raw.githubusercontent.com/sitrifix/n8n-nodes-infomaniak-api/main/api/infomaniak_api_Newsletter.json",
    };

    /// The document: the flag, the variable, the shared folder, the cache, then (if `download`) the URL.
    fn locate(&self, sh: &Shell, flag: Option<PathBuf>, download: bool) -> Result<PathBuf> {
        let shared = crate::project_root().join("..").join("shared").join("spec").join("apis").join(self.file);
        let variable = std::env::var(self.env).ok().filter(|v| !v.is_empty());
        self.locate_in(sh, flag, variable, &shared, cache_dir(), download)
    }

    fn locate_in(
        &self,
        sh: &Shell,
        flag: Option<PathBuf>,
        variable: Option<String>,
        shared: &Path,
        cache_dir: Option<PathBuf>,
        download: bool,
    ) -> Result<PathBuf> {
        if let Some(path) = flag {
            return existing(path, "--spec");
        }
        if let Some(path) = variable {
            return existing(PathBuf::from(path), self.env);
        }
        if shared.is_file() {
            return Ok(shared.to_path_buf());
        }
        let cache = cache_dir.map(|dir| dir.join(self.file));
        if let Some(cached) = cache.as_ref().filter(|p| p.is_file()) {
            return Ok(cached.clone());
        }
        let instruction = format!(
            "the OpenAPI document of {target} was not found: pass `--spec PATH`, set {env}, put it at \
             ../shared/spec/apis/{file} (beside the repository), or run `cargo xtask codegen {target}` \
             with network access to download {url} into $HOME/.cache/cloud-codegen/",
            target = self.target,
            env = self.env,
            file = self.file,
            url = self.url,
        );
        let Some(cache) = cache.filter(|_| download) else { bail!(instruction) };
        let dir = cache.parent().context("cache path has a parent")?;
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let partial = cache.with_extension("json.part");
        let url = self.url;
        match cmd!(sh, "curl --fail --silent --show-error --location --max-time 60 --output {partial} {url}").run() {
            Ok(()) => {
                fs::rename(&partial, &cache)?;
                eprintln!("codegen {}: downloaded {url} into {}", self.target, cache.display());
                Ok(cache)
            }
            Err(err) => {
                let _ = fs::remove_file(&partial);
                bail!("{instruction} (the download failed: {err})")
            }
        }
    }
}

fn existing(path: PathBuf, origin: &str) -> Result<PathBuf> {
    if path.is_file() { Ok(path) } else { bail!("{origin} names {}, which is not a file", path.display()) }
}

fn cache_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".cache").join("cloud-codegen"))
}

/// The generated files of one target, in memory.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// `(path relative to the workspace root, contents)`.
    pub(crate) files: Vec<(&'static str, String)>,
    pub(crate) operations: usize,
    pub(crate) types: usize,
    pub(crate) version: String,
}

impl Rendered {
    /// Writes the files that differ or, in check mode, fails on the first stale one.
    pub(crate) fn apply(&self, target: &str, mode: Mode) -> Result<()> {
        let mut changed = false;
        for (path, contents) in &self.files {
            changed |= ensure_file(target, Path::new(path), contents, mode)?;
        }
        let verb = match (mode, changed) {
            (Mode::Check, _) => "up to date",
            (Mode::Write, true) => "written",
            (Mode::Write, false) => "unchanged",
        };
        eprintln!(
            "codegen {target}: {} operations, {} types from API {}: {verb}",
            self.operations, self.types, self.version
        );
        Ok(())
    }
}

/// Formats `text` with rustfmt and the workspace's `rustfmt.toml`, as `cargo fmt` would.
pub(crate) fn reformat(sh: &Shell, text: &str) -> Result<String> {
    let config = crate::project_root().join("rustfmt.toml");
    let formatted = cmd!(sh, "rustfmt --edition 2024 --emit stdout --config-path {config}")
        .stdin(text)
        .quiet()
        .read()
        .context("rustfmt rejected the generated code")?;
    Ok(format!("{}\n", formatted.trim_end()))
}

/// Writes `contents` to `path` (relative to the workspace root) or, in check mode, fails if it differs.
pub(crate) fn ensure_file(target: &str, path: &Path, contents: &str, mode: Mode) -> Result<bool> {
    let full = crate::project_root().join(path);
    let current = fs::read_to_string(&full).unwrap_or_default();
    if current == contents {
        return Ok(false);
    }
    match mode {
        Mode::Check => {
            bail!("{} is stale: run `cargo xtask codegen {target}` and commit", path.display())
        }
        Mode::Write => {
            if let Some(dir) = full.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(&full, contents).with_context(|| format!("writing {}", full.display()))?;
            eprintln!("codegen {target}: updated {}", path.display());
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> Shell {
        let sh = Shell::new().unwrap();
        sh.change_dir(crate::project_root());
        sh
    }

    #[test]
    fn a_missing_document_fails_with_the_instruction() {
        let nowhere = std::env::temp_dir().join("cloud-codegen-test-nowhere");
        let err = SpecSource::CODA
            .locate_in(&shell(), None, None, &nowhere.join("coda-openapi.json"), Some(nowhere.clone()), false)
            .unwrap_err()
            .to_string();
        for needle in [
            "--spec",
            "CODA_OPENAPI_SPEC",
            "../shared/spec/apis/coda-openapi.json",
            "https://coda.io/apis/v1/openapi.json",
        ] {
            assert!(err.contains(needle), "{needle} missing from: {err}");
        }
        let err = SpecSource::CODA.locate_in(&shell(), Some(nowhere.clone()), None, &nowhere, None, false).unwrap_err();
        assert!(err.to_string().contains("--spec names"), "{err}");
    }

    /// The committed Newsletter files match the document (and rendering twice gives the same bytes).
    #[test]
    fn newsletter_output_is_fresh_and_deterministic() {
        let sh = shell();
        let spec = SpecSource::NEWSLETTER.locate(&sh, None, false).unwrap_or_else(|e| panic!("{e:#}"));
        let first = newsletter::render(&sh, &spec).unwrap();
        let second = newsletter::render(&sh, &spec).unwrap();
        assert_eq!(first.files, second.files, "generation is not deterministic");
        assert_eq!(first.operations, 71);
        for (path, contents) in &first.files {
            let committed = fs::read_to_string(crate::project_root().join(path)).unwrap_or_default();
            assert!(committed == *contents, "{path} is stale: run `cargo xtask codegen newsletter` and commit");
            let mut lines = contents.lines();
            assert!(lines.next().is_some_and(|l| l.starts_with("//! ")), "{path} starts with a doc line");
            assert!(
                lines.next().is_some_and(|l| l.contains("@generated by `cargo xtask codegen newsletter`")),
                "{path}"
            );
        }
    }

    /// The committed Coda files match the document (and rendering twice gives the same bytes).
    #[test]
    fn coda_output_is_fresh_and_deterministic() {
        let sh = shell();
        let spec = SpecSource::CODA.locate(&sh, None, false).unwrap_or_else(|e| panic!("{e:#}"));
        let first = coda::render(&sh, &spec).unwrap();
        let second = coda::render(&sh, &spec).unwrap();
        assert_eq!(first.files, second.files, "generation is not deterministic");
        assert_eq!(first.operations, 64);
        for (path, contents) in &first.files {
            let committed = fs::read_to_string(crate::project_root().join(path)).unwrap_or_default();
            assert!(committed == *contents, "{path} is stale: run `cargo xtask codegen coda` and commit");
            let mut lines = contents.lines();
            assert!(lines.next().is_some_and(|l| l.starts_with("//! ")), "{path} starts with a doc line");
            assert!(lines.next().is_some_and(|l| l.contains("@generated by `cargo xtask codegen coda`")), "{path}");
        }
    }
}
