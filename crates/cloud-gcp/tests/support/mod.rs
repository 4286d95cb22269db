//! The local GCS emulator the tests run against, as `cargo xtask emulators env gcs` describes it.
//!
//! A test that needs it fails (never skips) when its variables are unset or it does not answer,
//! naming the command that starts it.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use cloud_core::Env;
use cloud_gcp::{GcsClient, GcsClientBuilder};

/// The command that starts the emulator, named in every failure.
pub(crate) const START: &str = "cargo xtask emulators up gcs";

/// The emulator's connection settings.
#[derive(Debug, Clone)]
pub(crate) struct Emulator {
    /// `http://127.0.0.1:<port>`.
    pub(crate) endpoint: String,
    /// A bucket that exists on it.
    pub(crate) bucket: String,
}

impl Emulator {
    /// The settings from `CLOUD_TEST_GCS_*`, checked to answer.
    pub(crate) fn load() -> Result<Self, String> {
        let get = |var: &str| {
            std::env::var(var).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
                format!("{var} is not set: start the emulator with `{START}` and export what `cargo xtask emulators env gcs` prints (or run `cargo xtask test`)")
            })
        };
        let emulator = Self { endpoint: get("CLOUD_TEST_GCS_ENDPOINT")?, bucket: get("CLOUD_TEST_GCS_BUCKET")? };
        let url =
            url::Url::parse(&emulator.endpoint).map_err(|e| format!("bad endpoint {}: {e}", emulator.endpoint))?;
        let addr = (url.host_str().unwrap_or("127.0.0.1"), url.port_or_known_default().unwrap_or(80))
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("cannot resolve {}", emulator.endpoint))?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(|e| {
            format!("the GCS emulator at {} does not answer ({e}): start it with `{START}`", emulator.endpoint)
        })?;
        Ok(emulator)
    }

    /// The emulator, or a panic saying how to start it.
    pub(crate) fn get() -> Self {
        Self::load().unwrap_or_else(|message| panic!("{message}"))
    }

    /// A builder configured the way `from_env` does with `STORAGE_EMULATOR_HOST`.
    pub(crate) fn builder(&self) -> GcsClientBuilder {
        let env = Env::from_slice(&[("STORAGE_EMULATOR_HOST", &self.endpoint), ("GCP_PROJECT_ID", "cloud-test")]);
        GcsClientBuilder::from_env_with(&env)
    }

    /// A client with the default settings.
    pub(crate) fn client(&self) -> GcsClient {
        self.builder().build().expect("client")
    }

    /// A key nobody else uses.
    pub(crate) fn unique_key(&self, name: &str) -> String {
        format!("it-{}/{name}", uuid::Uuid::new_v4().simple())
    }
}
