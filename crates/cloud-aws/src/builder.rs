//! [`S3ClientBuilder`] and its [`S3ConfigKey`]s: explicit settings, the `AWS_*` environment, the
//! shared config file, and the validation `build` does before any request is made.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_credential_types::provider::{self as credentials, ProvideCredentials};
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use cloud_core::config::{ConfigKey, Configure, InvalidValues};
use cloud_core::{CloudProvider, Env, Error, Result, SecretString};
use url::Url;

use crate::client::{Inner, S3Client};
use crate::upload::MultipartConfig;

/// The region used when neither the builder, the environment nor the shared config file names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The smallest part S3 accepts (except for the last part of an upload).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

/// The largest part, and the largest single `PutObject`, S3 accepts.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// The default size of multipart upload parts, and the default multipart threshold: 8 MiB.
pub const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;

/// The default number of parts uploaded at the same time.
pub const DEFAULT_UPLOAD_CONCURRENCY: usize = 4;

/// The default bound on the memory one upload holds in parts: 1 GiB.
pub const DEFAULT_UPLOAD_MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;

/// The default time one attempt of a request may take before its answer starts: 60 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The default connection timeout: 3.1 s, as the SDK's.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// The slowest upload an attempt's time limit allows for, in bytes per second (256 KiB/s): a
/// request with a body of `n` bytes gets the attempt timeout plus `n / 256 KiB` seconds.
pub const MIN_UPLOAD_THROUGHPUT: u64 = 256 * 1024;

/// The integrity checksum every upload request carries, which the server checks against the
/// bytes it received before it stores them (a mismatch is refused, and nothing is stored).
///
/// | | computed with | checked by |
/// |---|---|---|
/// | [`Crc32c`](Self::Crc32c) | the CPU's CRC instructions (SSE 4.2, ARMv8 CRC): about 0.05 s of CPU per GiB | Amazon S3 and servers that support S3's additional checksums (MinIO, Ceph RGW 18 and later) |
/// | [`ContentMd5`](Self::ContentMd5) | software only: about 1.5 s of CPU per GiB on a 2020s x86 core | Amazon S3 and every S3-compatible server we know of (Swift's `s3api`, so Infomaniak's S3) |
///
/// The default is `Crc32c` for Amazon S3 (no endpoint) and `ContentMd5` with an
/// [endpoint](S3ClientBuilder::with_endpoint): a server that does not know S3's additional
/// checksums ignores them, so its uploads would go unchecked.
///
/// With `Crc32c`, multipart uploads are created for a full-object CRC32C (the object keeps one
/// CRC32C of all its bytes, which downloads can check). When the server's answer to the create
/// confirms the algorithm, `CompleteMultipartUpload` lists each part's CRC32C (S3 then requires
/// them) and sends the whole object's, combined from the parts'; a server that does not confirm
/// it gets the plain list of parts, which every server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UploadChecksum {
    /// `x-amz-checksum-crc32c` on every `PutObject` and `UploadPart`.
    Crc32c,
    /// `Content-MD5` on every `PutObject` and `UploadPart`.
    ContentMd5,
}

impl UploadChecksum {
    /// The name used by [`S3ConfigKey::UploadChecksum`]: `crc32c` or `content_md5`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Crc32c => "crc32c",
            Self::ContentMd5 => "content_md5",
        }
    }
}

impl fmt::Display for UploadChecksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UploadChecksum {
    type Err = Error;

    /// `crc32c` or `content_md5`, in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "crc32c" => Ok(Self::Crc32c),
            "content_md5" => Ok(Self::ContentMd5),
            _ => Err(Error::invalid_config(format!("unknown upload checksum {s:?}; use crc32c or content_md5"))),
        }
    }
}

/// The SDK behaviour this crate was written and tested against; pinned so that upgrading
/// `aws-sdk-s3` never silently changes retries, timeouts or checksums.
fn behavior_version() -> BehaviorVersion {
    BehaviorVersion::v2026_01_12()
}

/// A setting of [`S3ClientBuilder`], by name (for configuration files and `with_config`).
///
/// Each key has one canonical spelling (`"region"`) and accepts the official environment
/// variable name (`"AWS_REGION"`) as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum S3ConfigKey {
    /// `access_key_id` / `AWS_ACCESS_KEY_ID`.
    AccessKeyId,
    /// `secret_access_key` / `AWS_SECRET_ACCESS_KEY`.
    SecretAccessKey,
    /// `session_token` / `AWS_SESSION_TOKEN`.
    SessionToken,
    /// `region` / `AWS_REGION` (or `AWS_DEFAULT_REGION`): the region requests are signed for.
    Region,
    /// `endpoint` / `AWS_ENDPOINT_URL_S3` (or `AWS_ENDPOINT_URL`): an S3-compatible endpoint.
    Endpoint,
    /// `profile` / `AWS_PROFILE`: the profile of the shared config and credentials files.
    Profile,
    /// `config_file` / `AWS_CONFIG_FILE`: the shared config file (default `~/.aws/config`).
    ConfigFile,
    /// `force_path_style` / `AWS_S3_FORCE_PATH_STYLE`: `true` for `endpoint/bucket/key` URLs.
    ForcePathStyle,
    /// `allow_http` / `AWS_ALLOW_HTTP`: `true` to accept an `http://` endpoint.
    AllowHttp,
    /// `multipart_threshold`: bodies larger than this many bytes go up in parts.
    MultipartThreshold,
    /// `part_size`: the size of each part, in bytes.
    PartSize,
    /// `upload_concurrency`: how many parts are uploaded at the same time.
    UploadConcurrency,
    /// `max_attempts`: how many times a request is tried (1 disables retries).
    MaxAttempts,
    /// `attempt_timeout`: how long one attempt of a request may wait for its answer, in seconds
    /// (decimals allowed).
    AttemptTimeout,
    /// `upload_memory_limit`: the most bytes one upload holds in parts.
    UploadMemoryLimit,
    /// `upload_checksum`: `crc32c` or `content_md5`, see [`UploadChecksum`].
    UploadChecksum,
}

impl S3ConfigKey {
    /// Every key, in the order `from_env` applies them.
    pub const ALL: &'static [Self] = &[
        Self::AccessKeyId,
        Self::SecretAccessKey,
        Self::SessionToken,
        Self::Region,
        Self::Endpoint,
        Self::Profile,
        Self::ConfigFile,
        Self::ForcePathStyle,
        Self::AllowHttp,
        Self::MultipartThreshold,
        Self::PartSize,
        Self::UploadConcurrency,
        Self::MaxAttempts,
        Self::AttemptTimeout,
        Self::UploadMemoryLimit,
        Self::UploadChecksum,
    ];

    /// The canonical name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AccessKeyId => "access_key_id",
            Self::SecretAccessKey => "secret_access_key",
            Self::SessionToken => "session_token",
            Self::Region => "region",
            Self::Endpoint => "endpoint",
            Self::Profile => "profile",
            Self::ConfigFile => "config_file",
            Self::ForcePathStyle => "force_path_style",
            Self::AllowHttp => "allow_http",
            Self::MultipartThreshold => "multipart_threshold",
            Self::PartSize => "part_size",
            Self::UploadConcurrency => "upload_concurrency",
            Self::MaxAttempts => "max_attempts",
            Self::AttemptTimeout => "attempt_timeout",
            Self::UploadMemoryLimit => "upload_memory_limit",
            Self::UploadChecksum => "upload_checksum",
        }
    }

    /// The environment variables that set this key, the first set one winning.
    pub const fn env_names(self) -> &'static [&'static str] {
        match self {
            Self::AccessKeyId => &["AWS_ACCESS_KEY_ID"],
            Self::SecretAccessKey => &["AWS_SECRET_ACCESS_KEY"],
            Self::SessionToken => &["AWS_SESSION_TOKEN"],
            Self::Region => &["AWS_REGION", "AWS_DEFAULT_REGION"],
            Self::Endpoint => &["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"],
            Self::Profile => &["AWS_PROFILE"],
            Self::ConfigFile => &["AWS_CONFIG_FILE"],
            Self::ForcePathStyle => &["AWS_S3_FORCE_PATH_STYLE"],
            Self::AllowHttp => &["AWS_ALLOW_HTTP"],
            Self::MultipartThreshold
            | Self::PartSize
            | Self::UploadConcurrency
            | Self::MaxAttempts
            | Self::AttemptTimeout
            | Self::UploadMemoryLimit
            | Self::UploadChecksum => &[],
        }
    }
}

impl AsRef<str> for S3ConfigKey {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for S3ConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for S3ConfigKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

impl ConfigKey for S3ConfigKey {
    const SERVICE: &'static str = "S3";

    fn keys() -> &'static [Self] {
        Self::ALL
    }

    fn name(self) -> &'static str {
        self.as_str()
    }

    fn env_names(self) -> &'static [&'static str] {
        Self::env_names(self)
    }

    fn is_secret(self) -> bool {
        matches!(self, Self::SecretAccessKey | Self::SessionToken)
    }
}

/// Builds an [`S3Client`].
///
/// Precedence: `with_*` calls > the environment (`from_env`) > the shared config file > defaults.
///
/// Credentials: the access key pair (and session token) given here or in the environment; when
/// there is none, the AWS default chain of `aws-config` resolves them lazily, on the first
/// request (environment of the process, the shared config and credentials files for the
/// profile, web identity tokens, ECS and EC2 instance metadata).
///
/// ```
/// use cloud_aws::S3ClientBuilder;
/// let s3 = S3ClientBuilder::new()
///     .with_endpoint("http://127.0.0.1:8014")
///     .with_allow_http(true)
///     .with_credentials("AKIDTEST", "SECRETTEST")
///     .build()?;
/// assert_eq!(s3.region(), "us-east-1");
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct S3ClientBuilder {
    access_key_id: Option<String>,
    secret_access_key: Option<SecretString>,
    session_token: Option<SecretString>,
    region: Option<String>,
    endpoint: Option<String>,
    profile: Option<String>,
    config_file: Option<PathBuf>,
    home: Option<PathBuf>,
    force_path_style: Option<bool>,
    allow_http: Option<bool>,
    multipart_threshold: Option<u64>,
    part_size: Option<u64>,
    upload_concurrency: Option<usize>,
    max_attempts: Option<u32>,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    upload_memory_limit: Option<u64>,
    upload_checksum: Option<UploadChecksum>,
    provider: Option<CloudProvider>,
    /// Values `with_config` could not parse, reported by `build`.
    invalid: InvalidValues,
}

impl Configure for S3ClientBuilder {
    type Key = S3ConfigKey;

    fn set_config(mut self, key: S3ConfigKey, value: String) -> Self {
        match key {
            S3ConfigKey::AccessKeyId => self.access_key_id = Some(value),
            S3ConfigKey::SecretAccessKey => self.secret_access_key = Some(SecretString::new(value)),
            S3ConfigKey::SessionToken => self.session_token = Some(SecretString::new(value)),
            S3ConfigKey::Region => self.region = Some(value),
            S3ConfigKey::Endpoint => self.endpoint = Some(value),
            S3ConfigKey::Profile => self.profile = Some(value),
            S3ConfigKey::ConfigFile => self.config_file = Some(PathBuf::from(value)),
            S3ConfigKey::ForcePathStyle => self.force_path_style = self.invalid.parse_bool(key, &value),
            S3ConfigKey::AllowHttp => self.allow_http = self.invalid.parse_bool(key, &value),
            S3ConfigKey::MultipartThreshold => self.multipart_threshold = self.invalid.parse_number(key, &value),
            S3ConfigKey::PartSize => self.part_size = self.invalid.parse_number(key, &value),
            S3ConfigKey::UploadConcurrency => self.upload_concurrency = self.invalid.parse_number(key, &value),
            S3ConfigKey::MaxAttempts => self.max_attempts = self.invalid.parse_number(key, &value),
            S3ConfigKey::AttemptTimeout => {
                self.attempt_timeout = self.invalid.parse(key, &value, |v| {
                    v.parse::<f64>().ok().filter(|s| *s > 0.0).and_then(|s| Duration::try_from_secs_f64(s).ok())
                });
            }
            S3ConfigKey::UploadMemoryLimit => self.upload_memory_limit = self.invalid.parse_number(key, &value),
            S3ConfigKey::UploadChecksum => self.upload_checksum = self.invalid.parse(key, &value, |v| v.parse().ok()),
        }
        self
    }
}

impl fmt::Debug for S3ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3ClientBuilder")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("profile", &self.profile)
            .field("force_path_style", &self.force_path_style)
            .field("allow_http", &self.allow_http)
            .field("upload_checksum", &self.upload_checksum)
            .finish_non_exhaustive()
    }
}

impl S3ClientBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder set from the process environment; see [`S3ClientBuilder::from_env_with`].
    pub fn from_env() -> Self {
        Self::from_env_with(&Env::real())
    }

    /// A builder set from the `AWS_*` variables of `env`.
    ///
    /// | Variable | Description | Default |
    /// |---|---|---|
    /// | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` | the access key pair | the default chain |
    /// | `AWS_SESSION_TOKEN` | a session token for temporary credentials | none |
    /// | `AWS_REGION`, then `AWS_DEFAULT_REGION` | the signing region | the profile's `region`, else `us-east-1` |
    /// | `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL` | an S3-compatible endpoint (ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`) | AWS |
    /// | `AWS_PROFILE` | the profile of the shared files | `default` |
    /// | `AWS_CONFIG_FILE` | the shared config file | `~/.aws/config` |
    /// | `AWS_S3_FORCE_PATH_STYLE` | `true`/`false`: path-style URLs | `true` with an endpoint, else `false` |
    /// | `AWS_ALLOW_HTTP` | `true` to accept an `http://` endpoint | `false` |
    ///
    /// Unparseable values are reported by [`S3ClientBuilder::build`].
    pub fn from_env_with(env: &Env) -> Self {
        let ignore_endpoints =
            env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let mut builder = Self::new().with_env_filtered(env, |key| !(key == S3ConfigKey::Endpoint && ignore_endpoints));
        builder.home = env.get_any(&["HOME", "USERPROFILE"]).map(PathBuf::from);
        builder
    }

    /// Sets one key by name; bad values are reported by [`S3ClientBuilder::build`].
    #[must_use]
    pub fn with_config(self, key: S3ConfigKey, value: impl Into<String>) -> Self {
        self.set_config(key, value.into())
    }

    /// The value of one key, if set (secrets are never returned).
    pub fn get_config_value(&self, key: S3ConfigKey) -> Option<String> {
        match key {
            S3ConfigKey::AccessKeyId => self.access_key_id.clone(),
            S3ConfigKey::SecretAccessKey | S3ConfigKey::SessionToken => None,
            S3ConfigKey::Region => self.region.clone(),
            S3ConfigKey::Endpoint => self.endpoint.clone(),
            S3ConfigKey::Profile => self.profile.clone(),
            S3ConfigKey::ConfigFile => self.config_file.as_ref().map(|p| p.display().to_string()),
            S3ConfigKey::ForcePathStyle => self.force_path_style.map(|b| b.to_string()),
            S3ConfigKey::AllowHttp => self.allow_http.map(|b| b.to_string()),
            S3ConfigKey::MultipartThreshold => self.multipart_threshold.map(|v| v.to_string()),
            S3ConfigKey::PartSize => self.part_size.map(|v| v.to_string()),
            S3ConfigKey::UploadConcurrency => self.upload_concurrency.map(|v| v.to_string()),
            S3ConfigKey::MaxAttempts => self.max_attempts.map(|v| v.to_string()),
            S3ConfigKey::AttemptTimeout => self.attempt_timeout.map(|d| d.as_secs_f64().to_string()),
            S3ConfigKey::UploadMemoryLimit => self.upload_memory_limit.map(|v| v.to_string()),
            S3ConfigKey::UploadChecksum => self.upload_checksum.map(|c| c.to_string()),
        }
    }

    /// Static credentials: an access key id and its secret.
    #[must_use]
    pub fn with_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<SecretString>,
    ) -> Self {
        self.access_key_id = Some(access_key_id.into());
        self.secret_access_key = Some(secret_access_key.into());
        self
    }

    /// A session token to go with temporary credentials.
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<SecretString>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The region requests are signed for (and buckets created in by default).
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// An S3-compatible endpoint, such as `http://127.0.0.1:8014` or
    /// `https://s3.pub1.infomaniak.cloud`.
    ///
    /// With an endpoint, path-style URLs are the default and checksums are sent and checked only
    /// when an operation requires them (S3-compatible servers reject the SDK's default flexible
    /// checksums).
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The profile of the shared config and credentials files.
    #[must_use]
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// `true` for path-style URLs (`endpoint/bucket/key`), `false` for virtual-hosted ones
    /// (`bucket.endpoint/key`).
    #[must_use]
    pub fn with_force_path_style(mut self, force_path_style: bool) -> Self {
        self.force_path_style = Some(force_path_style);
        self
    }

    /// Accepts an `http://` endpoint. Off by default: credentials and data would travel in clear.
    #[must_use]
    pub fn with_allow_http(mut self, allow_http: bool) -> Self {
        self.allow_http = Some(allow_http);
        self
    }

    /// Bodies larger than this go up as multipart uploads (default 8 MiB, at most 5 GiB).
    #[must_use]
    pub fn with_multipart_threshold(mut self, bytes: u64) -> Self {
        self.multipart_threshold = Some(bytes);
        self
    }

    /// The size of multipart upload parts (default 8 MiB; 5 MiB to 5 GiB). For bodies of known
    /// length it grows as needed to stay within S3's 10,000 parts.
    #[must_use]
    pub fn with_part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// How many parts are uploaded at the same time (default 4), as far as the
    /// [upload memory limit](Self::with_upload_memory_limit) allows: memory use of an upload is
    /// about `concurrency × part size`.
    #[must_use]
    pub fn with_upload_concurrency(mut self, parts: usize) -> Self {
        self.upload_concurrency = Some(parts);
        self
    }

    /// How many times a request is tried, with the SDK's standard backoff (default 3; 1 disables
    /// retries). Streamed single-request bodies are never resent; parts are.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// How long to wait for a connection (default 3.1 s).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one attempt of a request may take until its answer starts (default 60 s); a
    /// request with a body gets one more second per full 256 KiB of it ([`MIN_UPLOAD_THROUGHPUT`]).
    /// An attempt that runs out fails with `Timeout` and is retried like any other transient
    /// failure, so a server that accepts a request and never answers cannot hang a call.
    /// Response bodies are streamed after the attempt ended; the SDK's stalled-stream
    /// protection ends a download whose body stops flowing.
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The most memory one upload may hold in parts (default 1 GiB, at least the part size).
    ///
    /// Fewer parts go up at the same time when `concurrency × part size` would exceed it, and
    /// the parts of a body of unknown length stop growing at `limit / concurrency`. With the
    /// defaults a body of unknown length can reach about 1.4 TiB; a larger one fails with
    /// `InvalidInput` after 10,000 parts (the upload is aborted), unless the limit is raised.
    #[must_use]
    pub fn with_upload_memory_limit(mut self, bytes: u64) -> Self {
        self.upload_memory_limit = Some(bytes);
        self
    }

    /// The checksum every upload request carries (default [`UploadChecksum::Crc32c`] for Amazon
    /// S3, [`UploadChecksum::ContentMd5`] with an endpoint): use `Crc32c` with an S3-compatible
    /// server that checks S3's additional checksums, for about 1.5 s less CPU per GiB uploaded.
    #[must_use]
    pub fn with_upload_checksum(mut self, checksum: UploadChecksum) -> Self {
        self.upload_checksum = Some(checksum);
        self
    }

    /// The provider reported by the client and its errors (default [`CloudProvider::Aws`]); for
    /// presets of other S3-compatible services.
    #[must_use]
    pub fn with_provider(mut self, provider: CloudProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// Checks every setting and builds the client. No request is made.
    ///
    /// # Errors
    /// `InvalidConfig` for an access key without its secret (or the reverse), an unparseable or
    /// non-HTTP(S) endpoint, an `http://` endpoint without `allow_http`, an unparseable boolean or
    /// number, a part size outside 5 MiB..=5 GiB, a threshold above 5 GiB, a concurrency or
    /// attempt count of zero, an upload memory limit below the part size, or an unreadable
    /// shared config file.
    pub fn build(self) -> Result<S3Client> {
        self.invalid.check()?;
        let provider = self.provider.unwrap_or(CloudProvider::Aws);
        let endpoint = self.endpoint()?;
        let multipart = self.multipart()?;
        let region = match &self.region {
            Some(r) if r.trim().is_empty() => return Err(Error::invalid_config("the region is empty")),
            Some(r) => r.clone(),
            None => self.profile_region()?.unwrap_or_else(|| DEFAULT_REGION.to_owned()),
        };
        let force_path_style = self.force_path_style.unwrap_or(endpoint.is_some());
        let max_attempts = match self.max_attempts {
            Some(0) => return Err(Error::invalid_config("max_attempts must be at least 1")),
            Some(n) => n,
            None => 3,
        };

        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(behavior_version())
            .region(Region::new(region.clone()))
            .force_path_style(force_path_style)
            .retry_config(RetryConfig::standard().with_max_attempts(max_attempts));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .operation_attempt_timeout(self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
            .build();
        config = config.timeout_config(timeouts.clone());
        if let Some(url) = &endpoint {
            config = config
                .endpoint_url(url.as_str().trim_end_matches('/'))
                .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
            if url.scheme() == "http" {
                config = config.http_client(plain_http_client()?);
            }
        }
        config = match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) => config.credentials_provider(Credentials::new(
                id,
                secret.expose(),
                self.session_token.as_ref().map(|t| t.expose().to_owned()),
                None,
                "cloud-aws",
            )),
            (Some(_), None) => {
                return Err(Error::invalid_config("an access key id is set but its secret access key is not"));
            }
            (None, Some(_)) => {
                return Err(Error::invalid_config("a secret access key is set but its access key id is not"));
            }
            (None, None) => config.credentials_provider(LazyDefaultChain {
                profile: self.profile.clone(),
                region: Region::new(region.clone()),
                chain: Arc::new(tokio::sync::OnceCell::new()),
            }),
        };
        let sdk = aws_sdk_s3::Client::from_conf(config.build());
        let upload_checksum = self.upload_checksum.unwrap_or(if endpoint.is_some() {
            UploadChecksum::ContentMd5
        } else {
            UploadChecksum::Crc32c
        });
        Ok(S3Client::from_inner(Inner {
            sdk,
            provider,
            region,
            endpoint,
            multipart,
            max_attempts,
            timeouts,
            upload_checksum,
        }))
    }

    fn endpoint(&self) -> Result<Option<Url>> {
        let Some(raw) = &self.endpoint else { return Ok(None) };
        let url = Url::parse(raw).map_err(|e| Error::invalid_config(format!("invalid S3 endpoint {raw:?}: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http == Some(true) => {}
            "http" => {
                return Err(Error::invalid_config(format!(
                    "the S3 endpoint {raw} uses plain http; allow it with `with_allow_http(true)` or AWS_ALLOW_HTTP=true"
                )));
            }
            other => {
                return Err(Error::invalid_config(format!(
                    "the S3 endpoint {raw} has scheme {other:?}; use http or https"
                )));
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::invalid_config(format!("the S3 endpoint {raw} has no host")));
        }
        Ok(Some(url))
    }

    fn multipart(&self) -> Result<MultipartConfig> {
        let part_size = self.part_size.unwrap_or(DEFAULT_PART_SIZE);
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part_size) {
            return Err(Error::invalid_config(format!(
                "part_size must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes, not {part_size}"
            )));
        }
        let threshold = self.multipart_threshold.unwrap_or(DEFAULT_PART_SIZE);
        if threshold > MAX_PART_SIZE {
            return Err(Error::invalid_config(format!(
                "multipart_threshold must be at most {MAX_PART_SIZE} bytes (the largest single PUT), not {threshold}"
            )));
        }
        let concurrency = self.upload_concurrency.unwrap_or(DEFAULT_UPLOAD_CONCURRENCY);
        if concurrency == 0 {
            return Err(Error::invalid_config("upload_concurrency must be at least 1"));
        }
        let memory_limit = self.upload_memory_limit.unwrap_or(DEFAULT_UPLOAD_MEMORY_LIMIT.max(part_size));
        if memory_limit < part_size {
            return Err(Error::invalid_config(format!(
                "upload_memory_limit ({memory_limit} bytes) must be at least the part size ({part_size} bytes)"
            )));
        }
        Ok(MultipartConfig { threshold, part_size, concurrency, memory_limit })
    }

    /// The `region` of the selected profile in the shared config file, if any.
    fn profile_region(&self) -> Result<Option<String>> {
        let path = match (&self.config_file, &self.home) {
            (Some(path), _) => path.clone(),
            (None, Some(home)) => home.join(".aws").join("config"),
            (None, None) => return Ok(None),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.config_file.is_none() => return Ok(None),
            Err(e) => {
                return Err(Error::invalid_config(format!("cannot read the AWS config file {}: {e}", path.display())));
            }
        };
        Ok(profile_value(&text, self.profile.as_deref().unwrap_or("default"), "region"))
    }

    /// The config file this builder would read.
    #[cfg(test)]
    pub(crate) fn config_file_path(&self) -> Option<&std::path::Path> {
        self.config_file.as_deref()
    }
}

/// The HTTP client for `http://` endpoints: the SDK's default hyper + rustls client, but with an
/// empty trust store, so that the platform's certificates (`SSL_CERT_FILE`, `SSL_CERT_DIR`) are
/// never loaded: a broken or unusual CA setup on the machine cannot affect plain-HTTP endpoints.
fn plain_http_client() -> Result<aws_sdk_s3::config::SharedHttpClient> {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::empty())
        .build()
        .map_err(|e| Error::invalid_config(format!("cannot set up the HTTP client: {e}")))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
        .tls_context(context)
        .build_https())
}

/// A key of one profile of an AWS shared config file (`[default]` or `[profile name]`).
fn profile_value(text: &str, profile: &str, key: &str) -> Option<String> {
    let mut in_profile = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            let section = section.trim();
            in_profile = if profile == "default" {
                section == "default" || section == "profile default"
            } else {
                section.strip_prefix("profile ").map(str::trim) == Some(profile)
            };
            continue;
        }
        if in_profile
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            let v = v.split(['#', ';']).next().unwrap_or("").trim();
            return (!v.is_empty()).then(|| v.to_owned());
        }
    }
    None
}

/// The AWS default credentials chain, built on first use (building it is asynchronous, and the
/// client is built synchronously).
#[derive(Debug, Clone)]
struct LazyDefaultChain {
    profile: Option<String>,
    region: Region,
    chain: Arc<tokio::sync::OnceCell<DefaultCredentialsChain>>,
}

impl ProvideCredentials for LazyDefaultChain {
    fn provide_credentials<'a>(&'a self) -> credentials::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        credentials::future::ProvideCredentials::new(async move {
            let chain = self
                .chain
                .get_or_init(|| async {
                    let mut builder = DefaultCredentialsChain::builder().region(self.region.clone());
                    if let Some(profile) = &self.profile {
                        builder = builder.profile_name(profile);
                    }
                    builder.build().await
                })
                .await;
            chain.provide_credentials().await
        })
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::ErrorKind;

    use super::*;

    #[test]
    fn keys_parse_from_canonical_and_env_names() {
        for &key in S3ConfigKey::ALL {
            assert_eq!(key.as_str().parse::<S3ConfigKey>().unwrap(), key);
            for name in key.env_names() {
                assert_eq!(name.parse::<S3ConfigKey>().unwrap(), key);
            }
        }
        assert_eq!("AWS_DEFAULT_REGION".parse::<S3ConfigKey>().unwrap(), S3ConfigKey::Region);
        assert_eq!("nope".parse::<S3ConfigKey>().unwrap_err().kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn env_precedence_and_defaults() {
        let env = Env::from_slice(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_REGION", "eu-central-2"),
            ("AWS_ENDPOINT_URL", "https://generic.example"),
            ("AWS_ENDPOINT_URL_S3", "https://s3.example"),
        ]);
        let b = S3ClientBuilder::from_env_with(&env);
        assert_eq!(b.get_config_value(S3ConfigKey::Region).as_deref(), Some("eu-central-2"));
        assert_eq!(b.get_config_value(S3ConfigKey::Endpoint).as_deref(), Some("https://s3.example"));
        assert_eq!(b.get_config_value(S3ConfigKey::SecretAccessKey), None);
        let client = b.with_region("ap-south-1").build().unwrap();
        assert_eq!(client.region(), "ap-south-1");
        assert_eq!(client.endpoint().map(Url::as_str), Some("https://s3.example/"));

        let env = Env::from_slice(&[("AWS_DEFAULT_REGION", "eu-west-1")]);
        assert_eq!(S3ClientBuilder::from_env_with(&env).build().unwrap().region(), "eu-west-1");
        assert_eq!(S3ClientBuilder::from_env_with(&Env::from_slice(&[])).build().unwrap().region(), DEFAULT_REGION);
    }

    #[test]
    fn configured_endpoints_can_be_ignored() {
        let env = Env::from_slice(&[
            ("AWS_ENDPOINT_URL_S3", "https://s3.example"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(S3ClientBuilder::from_env_with(&env).get_config_value(S3ConfigKey::Endpoint), None);
    }

    #[test]
    fn http_needs_allow_http() {
        let err = S3ClientBuilder::new().with_endpoint("http://127.0.0.1:9").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.to_string().contains("allow_http"), "{err}");
        let env = Env::from_slice(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9"), ("AWS_ALLOW_HTTP", "true")]);
        assert!(S3ClientBuilder::from_env_with(&env).build().is_ok());
        let env = Env::from_slice(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9"), ("AWS_ALLOW_HTTP", "maybe")]);
        assert_eq!(S3ClientBuilder::from_env_with(&env).build().unwrap_err().kind(), ErrorKind::InvalidConfig);
        for bad in ["ftp://host", "not a url", "https://"] {
            let err = S3ClientBuilder::new().with_endpoint(bad).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{bad}");
        }
    }

    #[test]
    fn half_credentials_and_bad_sizes_are_rejected() {
        let cases = [
            S3ClientBuilder::new().with_config(S3ConfigKey::AccessKeyId, "AKID"),
            S3ClientBuilder::new().with_config(S3ConfigKey::SecretAccessKey, "s"),
            S3ClientBuilder::new().with_part_size(MIN_PART_SIZE - 1),
            S3ClientBuilder::new().with_part_size(MAX_PART_SIZE + 1),
            S3ClientBuilder::new().with_multipart_threshold(MAX_PART_SIZE + 1),
            S3ClientBuilder::new().with_upload_concurrency(0),
            S3ClientBuilder::new().with_max_attempts(0),
            S3ClientBuilder::new().with_config(S3ConfigKey::PartSize, "lots"),
            S3ClientBuilder::new().with_region(" "),
        ];
        for builder in cases {
            let err = builder.clone().build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{builder:?}");
        }
    }

    async fn presigned_get(builder: S3ClientBuilder) -> String {
        let client = builder.with_credentials("a", "CANARYplaceholderSecret").build().unwrap();
        let url =
            cloud_core::StorageClientExt::presign_get(&client, "bucket", "key", Duration::from_secs(60)).await.unwrap();
        url.url.to_string()
    }

    #[tokio::test]
    async fn path_style_defaults_to_endpoint_presence() {
        let with = presigned_get(S3ClientBuilder::new().with_endpoint("https://s3.example")).await;
        assert!(with.starts_with("https://s3.example/bucket/key?"), "{with}");
        let without = presigned_get(S3ClientBuilder::new()).await;
        assert!(without.starts_with("https://bucket.s3.us-east-1.amazonaws.com/key?"), "{without}");
        let forced =
            presigned_get(S3ClientBuilder::new().with_endpoint("https://s3.example").with_force_path_style(false))
                .await;
        assert!(forced.starts_with("https://bucket.s3.example/key?"), "{forced}");
        let env = Env::from_slice(&[("AWS_S3_FORCE_PATH_STYLE", "true"), ("AWS_REGION", "eu-west-1")]);
        let forced = presigned_get(S3ClientBuilder::from_env_with(&env)).await;
        assert!(forced.starts_with("https://s3.eu-west-1.amazonaws.com/bucket/key?"), "{forced}");
    }

    #[test]
    fn checksums_are_relaxed_only_with_an_endpoint() {
        let with = S3ClientBuilder::new().with_endpoint("https://s3.example").build().unwrap();
        assert_eq!(
            with.sdk_client().config().request_checksum_calculation(),
            Some(&RequestChecksumCalculation::WhenRequired)
        );
        assert_eq!(
            with.sdk_client().config().response_checksum_validation(),
            Some(&ResponseChecksumValidation::WhenRequired)
        );
        let without = S3ClientBuilder::new().build().unwrap();
        assert_ne!(
            without.sdk_client().config().request_checksum_calculation(),
            Some(&RequestChecksumCalculation::WhenRequired)
        );
    }

    #[test]
    fn uploads_carry_crc32c_on_aws_and_content_md5_with_an_endpoint_unless_told() {
        assert_eq!(S3ClientBuilder::new().build().unwrap().upload_checksum(), UploadChecksum::Crc32c);
        let endpoint = S3ClientBuilder::new().with_endpoint("https://s3.example");
        assert_eq!(endpoint.clone().build().unwrap().upload_checksum(), UploadChecksum::ContentMd5);
        let chosen = endpoint.clone().with_upload_checksum(UploadChecksum::Crc32c).build().unwrap();
        assert_eq!(chosen.upload_checksum(), UploadChecksum::Crc32c);
        let by_name = endpoint.with_config(S3ConfigKey::UploadChecksum, "CRC32C");
        assert_eq!(by_name.get_config_value(S3ConfigKey::UploadChecksum).as_deref(), Some("crc32c"));
        assert_eq!(by_name.build().unwrap().upload_checksum(), UploadChecksum::Crc32c);
        let md5 = S3ClientBuilder::new().with_config(S3ConfigKey::UploadChecksum, " Content_MD5 ").build().unwrap();
        assert_eq!(md5.upload_checksum(), UploadChecksum::ContentMd5);
        // A client wrapped from an SDK client sends what every server checks, unless told.
        let wrapped = S3Client::from_sdk_client(md5.sdk_client().clone());
        assert_eq!(wrapped.upload_checksum(), UploadChecksum::ContentMd5);
        let told = wrapped.clone().with_upload_checksum(UploadChecksum::Crc32c);
        assert_eq!(
            (told.upload_checksum(), wrapped.upload_checksum()),
            (UploadChecksum::Crc32c, UploadChecksum::ContentMd5)
        );
        assert_eq!(told.region(), wrapped.region());
        for checksum in [UploadChecksum::Crc32c, UploadChecksum::ContentMd5] {
            assert_eq!(checksum.to_string().parse::<UploadChecksum>().unwrap(), checksum);
        }
        let err = S3ClientBuilder::new().with_config(S3ConfigKey::UploadChecksum, "md5").build().unwrap_err();
        assert_eq!(err.kind(), cloud_core::ErrorKind::InvalidConfig);
        assert!(err.to_string().contains("upload_checksum"), "{err}");
    }

    #[test]
    fn profile_region_comes_from_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "# comment\n[default]\nregion = eu-west-3\n\n[profile work]\nregion=ca-central-1 ; trailing\n[sso-session x]\nregion = nope\n",
        )
        .unwrap();
        let path = config.to_str().unwrap();
        let env = Env::from_slice(&[("AWS_CONFIG_FILE", path)]);
        let b = S3ClientBuilder::from_env_with(&env);
        assert_eq!(b.config_file_path(), Some(config.as_path()));
        assert_eq!(b.build().unwrap().region(), "eu-west-3");
        let env = Env::from_slice(&[("AWS_CONFIG_FILE", path), ("AWS_PROFILE", "work")]);
        assert_eq!(S3ClientBuilder::from_env_with(&env).build().unwrap().region(), "ca-central-1");
        let env = Env::from_slice(&[("AWS_CONFIG_FILE", path), ("AWS_PROFILE", "work"), ("AWS_REGION", "us-west-2")]);
        assert_eq!(S3ClientBuilder::from_env_with(&env).build().unwrap().region(), "us-west-2");
        let env = Env::from_slice(&[("AWS_CONFIG_FILE", path), ("AWS_PROFILE", "absent")]);
        assert_eq!(S3ClientBuilder::from_env_with(&env).build().unwrap().region(), DEFAULT_REGION);

        // A home directory without ~/.aws/config is fine; an explicit missing file is not.
        let home = dir.path().to_str().unwrap();
        assert!(S3ClientBuilder::from_env_with(&Env::from_slice(&[("HOME", home)])).build().is_ok());
        let missing = dir.path().join("missing");
        let env = Env::from_slice(&[("AWS_CONFIG_FILE", missing.to_str().unwrap())]);
        assert_eq!(S3ClientBuilder::from_env_with(&env).build().unwrap_err().kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let b = S3ClientBuilder::new()
            .with_credentials("AKID", "CANARYawsBuilderSecret1")
            .with_session_token("CANARYawsBuilderSession1");
        let text = format!("{b:?}");
        assert!(!text.contains("CANARYawsBuilderSecret1") && !text.contains("CANARYawsBuilderSession1"), "{text}");
        let client = b.build().unwrap();
        let text = format!("{client:?} {client}");
        assert!(!text.contains("CANARYawsBuilderSecret1") && !text.contains("CANARYawsBuilderSession1"), "{text}");
    }
}
