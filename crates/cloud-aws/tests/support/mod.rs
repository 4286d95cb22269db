//! The local S3 servers the tests run against, as `cargo xtask emulators env s3` describes them.
//!
//! A test that needs a server fails (never skips) when its variables are unset or it does not
//! answer, naming the command that starts it.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use cloud_aws::{S3Client, S3ClientBuilder};

/// The command that starts the servers, named in every failure.
pub(crate) const START: &str = "cargo xtask emulators up s3";

/// One S3 server's connection settings.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    /// A short name for trial and failure messages.
    pub(crate) label: &'static str,
    /// `http://127.0.0.1:<port>`.
    pub(crate) endpoint: String,
    /// The signing region.
    pub(crate) region: String,
    /// The access key id.
    pub(crate) access_key_id: String,
    /// The secret access key.
    pub(crate) secret_access_key: String,
    /// A bucket that exists on the server.
    pub(crate) bucket: String,
}

/// s3s-fs (`CLOUD_TEST_S3S_*`).
pub(crate) const S3S: (&str, &str) = ("s3s-fs", "CLOUD_TEST_S3S");
/// moto with SigV4 checking (`CLOUD_TEST_MOTO_*`).
pub(crate) const MOTO: (&str, &str) = ("moto", "CLOUD_TEST_MOTO");

impl Server {
    /// The settings of the server whose variables start with `prefix`, checked to answer.
    pub(crate) fn load((label, prefix): (&'static str, &str)) -> Result<Self, String> {
        cloud_contract_testing::trace::to_test_output();
        let get = |name: &str| {
            let var = format!("{prefix}_{name}");
            std::env::var(&var).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
                format!("{var} is not set: start the local S3 servers with `{START}` and export what `cargo xtask emulators env s3` prints (or run `cargo xtask test`)")
            })
        };
        let server = Self {
            label,
            endpoint: get("ENDPOINT")?,
            region: get("REGION")?,
            access_key_id: get("ACCESS_KEY_ID")?,
            secret_access_key: get("SECRET_ACCESS_KEY")?,
            bucket: get("BUCKET")?,
        };
        server.check_reachable()?;
        Ok(server)
    }

    /// The server, or a panic saying how to start it.
    pub(crate) fn get(which: (&'static str, &str)) -> Self {
        Self::load(which).unwrap_or_else(|message| panic!("{message}"))
    }

    fn check_reachable(&self) -> Result<(), String> {
        let url = url::Url::parse(&self.endpoint)
            .map_err(|e| format!("{}: bad endpoint {}: {e}", self.label, self.endpoint))?;
        let host = url.host_str().unwrap_or("127.0.0.1");
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = (host, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("{}: cannot resolve {host}:{port}", self.label))?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(3))
            .map(drop)
            .map_err(|e| format!("{} at {} does not answer ({e}): start it with `{START}`", self.label, self.endpoint))
    }

    /// A builder for this server, with its endpoint, region and keys.
    pub(crate) fn builder(&self) -> S3ClientBuilder {
        S3Client::builder()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region(&self.region)
            .with_credentials(&self.access_key_id, self.secret_access_key.as_str())
    }

    /// A client with the default settings.
    pub(crate) fn client(&self) -> S3Client {
        self.builder().build().expect("client")
    }

    /// A key nobody else uses.
    pub(crate) fn unique_key(&self, name: &str) -> String {
        format!("it-{}/{name}", uuid::Uuid::new_v4().simple())
    }
}
