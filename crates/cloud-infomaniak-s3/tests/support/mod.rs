//! Swift's `s3api` on 127.0.0.1, as `cargo xtask emulators env openstack-core` describes it: the
//! same S3 gateway software Infomaniak runs, reached through the Infomaniak preset with its
//! endpoint overridden.
//!
//! Tests fail (never skip) when the variables are unset or the server does not answer.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use cloud_infomaniak_s3::{InfomaniakS3Builder, InfomaniakS3Client};

/// The command that starts Swift, named in every failure.
pub(crate) const START: &str = "cargo xtask emulators up openstack-core";

/// Swift's s3api connection settings (`CLOUD_TEST_SWIFT_S3_*`).
#[derive(Debug, Clone)]
pub(crate) struct Swift {
    /// `http://127.0.0.1:8080`.
    pub(crate) endpoint: String,
    /// The signing region s3api expects.
    pub(crate) region: String,
    /// The tempauth user, as S3 access key (`test:tester`).
    pub(crate) access_key_id: String,
    /// Its key, as S3 secret.
    pub(crate) secret_access_key: String,
    /// A container that exists.
    pub(crate) bucket: String,
}

impl Swift {
    /// The settings, checked to answer.
    pub(crate) fn load() -> Result<Self, String> {
        cloud_contract_testing::trace::to_test_output();
        let get = |name: &str| {
            let var = format!("CLOUD_TEST_SWIFT_S3_{name}");
            std::env::var(&var).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
                format!("{var} is not set: start Swift with `{START}` and export what `cargo xtask emulators env openstack-core` prints (or run `cargo xtask test`)")
            })
        };
        let swift = Self {
            endpoint: get("ENDPOINT")?,
            region: get("REGION")?,
            access_key_id: get("ACCESS_KEY_ID")?,
            secret_access_key: get("SECRET_ACCESS_KEY")?,
            bucket: get("BUCKET")?,
        };
        let url = url::Url::parse(&swift.endpoint).map_err(|e| format!("bad endpoint {}: {e}", swift.endpoint))?;
        let addr = (url.host_str().unwrap_or("127.0.0.1"), url.port_or_known_default().unwrap_or(80))
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("cannot resolve {}", swift.endpoint))?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(3))
            .map_err(|e| format!("Swift s3api at {} does not answer ({e}): start it with `{START}`", swift.endpoint))?;
        Ok(swift)
    }

    /// The settings, or a panic saying how to start Swift.
    pub(crate) fn get() -> Self {
        Self::load().unwrap_or_else(|message| panic!("{message}"))
    }

    /// The Infomaniak preset pointed at this server.
    pub(crate) fn builder(&self) -> InfomaniakS3Builder {
        InfomaniakS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_signing_region(&self.region)
            .with_credentials(&self.access_key_id, self.secret_access_key.as_str())
    }

    /// A client with the preset's settings.
    pub(crate) fn client(&self) -> InfomaniakS3Client {
        self.builder().build().expect("client")
    }

    /// A key nobody else uses.
    pub(crate) fn unique_key(&self, name: &str) -> String {
        format!("it-{}/{name}", uuid::Uuid::new_v4().simple())
    }
}
