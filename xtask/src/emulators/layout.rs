//! Where the emulators keep installed tools and runtime state.
//!
//! Everything lives outside the repository, under `$CLOUD_EMULATORS_DIR`
//! (default `$HOME/.cache/cloud-emulators`):
//!
//! ```text
//! tools/            installs, reused by every `up`: venvs, npm prefix, cargo root, install logs
//! run/pids/         one file per started process: pid, start time, server
//! run/logs/         one log per process (the previous run's log is kept as `.log.1`)
//! run/env/          the variables `cargo xtask emulators env` prints, one file per server
//! run/<server>/     data and configuration of one server (OpenStack databases survive restarts)
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The variable that moves the whole tree.
pub(super) const DIR_VAR: &str = "CLOUD_EMULATORS_DIR";

/// The directories of one emulator tree.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    root: PathBuf,
}

impl Layout {
    /// `$CLOUD_EMULATORS_DIR`, or `$HOME/.cache/cloud-emulators`.
    pub(super) fn from_env() -> Result<Self> {
        let root = match std::env::var_os(DIR_VAR).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let home = std::env::var_os("HOME").context("neither CLOUD_EMULATORS_DIR nor HOME is set")?;
                Path::new(&home).join(".cache").join("cloud-emulators")
            }
        };
        let layout = Self { root };
        for dir in [layout.tools(), layout.tools().join("logs"), layout.pids(), layout.logs(), layout.env_dir()] {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        Ok(layout)
    }

    /// A tree at `root`, created on first use (tests).
    #[cfg(test)]
    pub(super) fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    /// Installed tools (venvs, npm prefix, cargo root).
    pub(super) fn tools(&self) -> PathBuf {
        self.root.join("tools")
    }

    /// The log of one install step.
    pub(super) fn install_log(&self, name: &str) -> PathBuf {
        self.tools().join("logs").join(format!("install-{name}.log"))
    }

    fn run(&self) -> PathBuf {
        self.root.join("run")
    }

    pub(super) fn pids(&self) -> PathBuf {
        self.run().join("pids")
    }

    pub(super) fn logs(&self) -> PathBuf {
        self.run().join("logs")
    }

    /// The log file of one process.
    pub(super) fn log(&self, process: &str) -> PathBuf {
        self.logs().join(format!("{process}.log"))
    }

    /// Serializes `up`, `down` and test starts on this tree: held until the returned file drops.
    pub(super) fn lock(&self) -> Result<std::fs::File> {
        let path = self.run().join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                eprintln!("    waiting for another `cargo xtask emulators` on {} to finish", self.root.display());
                file.lock().with_context(|| format!("locking {}", path.display()))?;
            }
            Err(std::fs::TryLockError::Error(err)) => {
                return Err(err).with_context(|| format!("locking {}", path.display()));
            }
        }
        Ok(file)
    }

    pub(super) fn env_dir(&self) -> PathBuf {
        self.run().join("env")
    }

    /// The data and configuration directory of one server (not created).
    pub(super) fn data(&self, server: &str) -> PathBuf {
        self.run().join(server)
    }
}
