//! The Azurite server the tests run against, as `cargo xtask emulators env azure` describes it.
//!
//! A test that needs it fails (never skips) when its variables are unset or it does not answer,
//! naming the command that starts it.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use cloud_azure::{AzureBlobClient, AzureBlobClientBuilder};

/// The command that starts the server, named in every failure.
pub(crate) const START: &str = "cargo xtask emulators up azure";

/// Azurite's connection settings.
#[derive(Debug, Clone)]
pub(crate) struct Azurite {
    /// `http://127.0.0.1:10000/devstoreaccount1`.
    pub(crate) endpoint: String,
    /// `devstoreaccount1`.
    pub(crate) account: String,
    /// The account key.
    pub(crate) key: String,
    /// A connection string for the same account.
    pub(crate) connection_string: String,
    /// A container that exists on the server.
    pub(crate) container: String,
}

impl Azurite {
    /// The settings, checked to answer.
    pub(crate) fn load() -> Result<Self, String> {
        cloud_contract_testing::trace::to_test_output();
        let get = |name: &str| {
            let var = format!("CLOUD_TEST_AZURITE_{name}");
            std::env::var(&var).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
                format!("{var} is not set: start Azurite with `{START}` and export what `cargo xtask emulators env azure` prints (or run `cargo xtask test`)")
            })
        };
        let server = Self {
            endpoint: get("BLOB_ENDPOINT")?,
            account: get("ACCOUNT")?,
            key: get("ACCESS_KEY")?,
            connection_string: get("CONNECTION_STRING")?,
            container: get("CONTAINER")?,
        };
        server.check_reachable()?;
        Ok(server)
    }

    /// The server, or a panic saying how to start it.
    pub(crate) fn get() -> Self {
        Self::load().unwrap_or_else(|message| panic!("{message}"))
    }

    fn check_reachable(&self) -> Result<(), String> {
        let url = url::Url::parse(&self.endpoint).map_err(|e| format!("bad endpoint {}: {e}", self.endpoint))?;
        let host = url.host_str().unwrap_or("127.0.0.1");
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = (host, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("cannot resolve {host}:{port}"))?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(3))
            .map(drop)
            .map_err(|e| format!("Azurite at {} does not answer ({e}): start it with `{START}`", self.endpoint))
    }

    /// A builder for this server: its endpoint, account and key.
    pub(crate) fn builder(&self) -> AzureBlobClientBuilder {
        AzureBlobClientBuilder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_account_key(&self.account, self.key.as_str())
    }

    /// A client for this server.
    pub(crate) fn client(&self) -> AzureBlobClient {
        self.builder().build().expect("client for Azurite")
    }
}

/// A unique name (containers: lower case, digits and dashes).
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}
