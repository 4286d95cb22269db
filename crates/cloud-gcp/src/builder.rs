//! [`GcsClientBuilder`] and its [`GcsConfigKey`]s: explicit settings, the environment (Google's
//! own variables and `GCP_PROJECT_ID`/`GCP_REGION`), and the validation `build` does before any
//! request is made.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use cloud_core::config::{ConfigKey, Configure, InvalidValues};
use cloud_core::retry::RetryConfig;
use cloud_core::{Env, Error, Result, SecretString};
use url::Url;

use crate::client::GcsClient;
use crate::credential::{self, CredentialSource};
use crate::iam::DEFAULT_IAM_ENDPOINT;
use crate::upload::UploadConfig;

/// The endpoint of Google Cloud Storage.
pub const DEFAULT_ENDPOINT: &str = "https://storage.googleapis.com";

/// Where buckets are created when neither the call, the builder nor `GCP_REGION` says: the `US`
/// multi-region (what Google's console and the compatibility method `ensure_bucket` use).
pub const DEFAULT_LOCATION: &str = "US";

/// Resumable-upload chunks must be a multiple of this many bytes (except the last one).
pub const CHUNK_ALIGNMENT: u64 = 256 * 1024;

/// The default upload threshold and resumable chunk size: 8 MiB.
///
/// Bodies up to the threshold go up in one request; larger ones, and bodies of unknown length
/// that turn out larger, go up as resumable uploads. One of known size streams in one request and
/// keeps its last chunk-size bytes sent for a resend; one of unknown size goes in chunks of this
/// size. An upload holds at most about one chunk in memory.
pub const DEFAULT_CHUNK_SIZE: u64 = 8 * 1024 * 1024;

/// The largest chunk accepted by [`GcsClientBuilder::with_chunk_size`] (and the largest
/// single-request threshold): 256 MiB.
pub const MAX_CHUNK_SIZE: u64 = 256 * 1024 * 1024;

/// A setting of [`GcsClientBuilder`], by name (for configuration files and `with_config`).
///
/// Each key has one canonical spelling (`"project_id"`) and accepts the environment variables
/// listed in [`GcsClientBuilder::from_env_with`] as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GcsConfigKey {
    /// `service_account_path` / `GOOGLE_APPLICATION_CREDENTIALS`: a credentials JSON file
    /// (service account key, authorized user, impersonated or external account).
    ServiceAccountPath,
    /// `service_account_key` / `GOOGLE_SERVICE_ACCOUNT_KEY`: the content of a service account
    /// key JSON file (a secret).
    ServiceAccountKey,
    /// `project_id` / `GCP_PROJECT_ID`, then `GOOGLE_CLOUD_PROJECT`: the project that owns the
    /// buckets listed and created.
    ProjectId,
    /// `location` / `GCP_REGION`: where new buckets are created (`US`, `EU`, `europe-west6` …).
    Location,
    /// `endpoint` / `STORAGE_EMULATOR_HOST`: another endpoint (from the environment: an
    /// emulator, reached anonymously).
    Endpoint,
    /// `anonymous`: `true` to send no credentials (public buckets, emulators).
    Anonymous,
    /// `allow_http`: `true` to accept an `http://` endpoint.
    AllowHttp,
    /// `emulator`: `true` when the endpoint is gcp-storage-emulator, whose gaps the
    /// capabilities then declare (set by `STORAGE_EMULATOR_HOST`).
    Emulator,
    /// `upload_threshold`: bodies larger than this many bytes go up as resumable uploads.
    UploadThreshold,
    /// `chunk_size`: the size of resumable-upload chunks, a multiple of 256 KiB.
    ChunkSize,
    /// `max_attempts`: how many times a request is tried (1 disables retries).
    MaxAttempts,
    /// `signing_service_account`: the service account V4 URLs are signed as through IAM
    /// `signBlob`, for credentials that hold no key or name no account themselves (user
    /// credentials), or to sign as another account than the key's.
    SigningServiceAccount,
    /// `iam_endpoint`: the IAM Service Account Credentials endpoint `signBlob` is called on
    /// (default `https://iamcredentials.googleapis.com`).
    IamEndpoint,
}

impl GcsConfigKey {
    /// Every key, in the order `from_env` applies them.
    pub const ALL: &'static [Self] = &[
        Self::ServiceAccountPath,
        Self::ServiceAccountKey,
        Self::ProjectId,
        Self::Location,
        Self::Endpoint,
        Self::Anonymous,
        Self::AllowHttp,
        Self::Emulator,
        Self::UploadThreshold,
        Self::ChunkSize,
        Self::MaxAttempts,
        Self::SigningServiceAccount,
        Self::IamEndpoint,
    ];

    /// The canonical name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ServiceAccountPath => "service_account_path",
            Self::ServiceAccountKey => "service_account_key",
            Self::ProjectId => "project_id",
            Self::Location => "location",
            Self::Endpoint => "endpoint",
            Self::Anonymous => "anonymous",
            Self::AllowHttp => "allow_http",
            Self::Emulator => "emulator",
            Self::UploadThreshold => "upload_threshold",
            Self::ChunkSize => "chunk_size",
            Self::MaxAttempts => "max_attempts",
            Self::SigningServiceAccount => "signing_service_account",
            Self::IamEndpoint => "iam_endpoint",
        }
    }

    /// The environment variables that set this key, the first set one winning.
    pub const fn env_names(self) -> &'static [&'static str] {
        match self {
            Self::ServiceAccountPath => &["GOOGLE_APPLICATION_CREDENTIALS"],
            Self::ServiceAccountKey => &["GOOGLE_SERVICE_ACCOUNT_KEY"],
            Self::ProjectId => &["GCP_PROJECT_ID", "GOOGLE_CLOUD_PROJECT"],
            Self::Location => &["GCP_REGION"],
            Self::Endpoint => &["STORAGE_EMULATOR_HOST"],
            Self::Anonymous
            | Self::AllowHttp
            | Self::Emulator
            | Self::UploadThreshold
            | Self::ChunkSize
            | Self::MaxAttempts
            | Self::SigningServiceAccount
            | Self::IamEndpoint => &[],
        }
    }
}

impl AsRef<str> for GcsConfigKey {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for GcsConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GcsConfigKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

impl ConfigKey for GcsConfigKey {
    const SERVICE: &'static str = "GCS";

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
        matches!(self, Self::ServiceAccountKey)
    }
}

/// Builds a [`GcsClient`].
///
/// Precedence: `with_*` calls > the environment (`from_env`) > the credentials file (its
/// `project_id`) > defaults.
///
/// Credentials, in this order: none when `anonymous` is set (which `STORAGE_EMULATOR_HOST`
/// implies); the service account key given as JSON; the credentials file named by
/// `service_account_path` (`GOOGLE_APPLICATION_CREDENTIALS`); otherwise Application Default
/// Credentials through `google-cloud-auth` (gcloud's `application_default_credentials.json`,
/// then the metadata server of Compute Engine, GKE, Cloud Run …), resolved on the first request.
///
/// ```
/// use cloud_gcp::GcsClientBuilder;
/// let gcs = GcsClientBuilder::new()
///     .with_endpoint("http://127.0.0.1:9023")
///     .with_allow_http(true)
///     .with_anonymous(true)
///     .with_project_id("my-project")
///     .build()?;
/// assert_eq!(gcs.project_id(), Some("my-project"));
/// assert_eq!(gcs.location(), "US");
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct GcsClientBuilder {
    service_account_path: Option<PathBuf>,
    service_account_key: Option<SecretString>,
    project_id: Option<String>,
    location: Option<String>,
    endpoint: Option<String>,
    anonymous: Option<bool>,
    allow_http: Option<bool>,
    emulator: Option<bool>,
    upload_threshold: Option<u64>,
    chunk_size: Option<u64>,
    max_attempts: Option<u32>,
    signing_service_account: Option<String>,
    iam_endpoint: Option<String>,
    timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    /// Values `with_config` could not parse, reported by `build`.
    invalid: InvalidValues,
}

impl Configure for GcsClientBuilder {
    type Key = GcsConfigKey;

    fn set_config(mut self, key: GcsConfigKey, value: String) -> Self {
        match key {
            GcsConfigKey::ServiceAccountPath => self.service_account_path = Some(PathBuf::from(value)),
            GcsConfigKey::ServiceAccountKey => self.service_account_key = Some(SecretString::new(value)),
            GcsConfigKey::ProjectId => self.project_id = Some(value),
            GcsConfigKey::Location => self.location = Some(value),
            GcsConfigKey::Endpoint => self.endpoint = Some(value),
            GcsConfigKey::Anonymous => self.anonymous = self.invalid.parse_bool(key, &value),
            GcsConfigKey::AllowHttp => self.allow_http = self.invalid.parse_bool(key, &value),
            GcsConfigKey::Emulator => self.emulator = self.invalid.parse_bool(key, &value),
            GcsConfigKey::UploadThreshold => self.upload_threshold = self.invalid.parse_number(key, &value),
            GcsConfigKey::ChunkSize => self.chunk_size = self.invalid.parse_number(key, &value),
            GcsConfigKey::MaxAttempts => self.max_attempts = self.invalid.parse_number(key, &value),
            GcsConfigKey::SigningServiceAccount => self.signing_service_account = Some(value),
            GcsConfigKey::IamEndpoint => self.iam_endpoint = Some(value),
        }
        self
    }
}

impl fmt::Debug for GcsClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcsClientBuilder")
            .field("service_account_path", &self.service_account_path)
            .field("service_account_key", &self.service_account_key)
            .field("project_id", &self.project_id)
            .field("location", &self.location)
            .field("endpoint", &self.endpoint)
            .field("anonymous", &self.anonymous)
            .field("allow_http", &self.allow_http)
            .field("signing_service_account", &self.signing_service_account)
            .field("iam_endpoint", &self.iam_endpoint)
            .finish_non_exhaustive()
    }
}

impl GcsClientBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder set from the process environment; see [`GcsClientBuilder::from_env_with`].
    pub fn from_env() -> Self {
        Self::from_env_with(&Env::real())
    }

    /// A builder set from the variables of `env`.
    ///
    /// | Variable | Description | Default |
    /// |---|---|---|
    /// | `GOOGLE_APPLICATION_CREDENTIALS` | a credentials JSON file | Application Default Credentials |
    /// | `GOOGLE_SERVICE_ACCOUNT_KEY` | the JSON of a service account key itself | none |
    /// | `GCP_PROJECT_ID`, then `GOOGLE_CLOUD_PROJECT` | the project whose buckets are listed and created | the credentials file's `project_id` |
    /// | `GCP_REGION` | where new buckets are created | `US` |
    /// | `STORAGE_EMULATOR_HOST` | an emulator (`host:port` or a URL): plain HTTP allowed, no credentials sent, capabilities of gcp-storage-emulator | `https://storage.googleapis.com` |
    ///
    /// `GCP_PROJECT_ID` and `GCP_REGION` are this library's own names (kept for programs written
    /// against them); `GCP_PROJECT_ID` wins over Google's `GOOGLE_CLOUD_PROJECT` because it is
    /// the more specific of the two. Unparseable values are reported by
    /// [`GcsClientBuilder::build`].
    pub fn from_env_with(env: &Env) -> Self {
        let mut builder = Self::new().with_env(env);
        if builder.endpoint.is_some() {
            // What every Google client library does with STORAGE_EMULATOR_HOST.
            builder.anonymous = Some(true);
            builder.allow_http = Some(true);
            builder.emulator = Some(true);
        }
        builder
    }

    /// Sets one key by name; bad values are reported by [`GcsClientBuilder::build`].
    #[must_use]
    pub fn with_config(self, key: GcsConfigKey, value: impl Into<String>) -> Self {
        self.set_config(key, value.into())
    }

    /// The value of one key, if set (the service account key is never returned).
    pub fn get_config_value(&self, key: GcsConfigKey) -> Option<String> {
        match key {
            GcsConfigKey::ServiceAccountPath => self.service_account_path.as_ref().map(|p| p.display().to_string()),
            GcsConfigKey::ServiceAccountKey => None,
            GcsConfigKey::ProjectId => self.project_id.clone(),
            GcsConfigKey::Location => self.location.clone(),
            GcsConfigKey::Endpoint => self.endpoint.clone(),
            GcsConfigKey::Anonymous => self.anonymous.map(|b| b.to_string()),
            GcsConfigKey::AllowHttp => self.allow_http.map(|b| b.to_string()),
            GcsConfigKey::Emulator => self.emulator.map(|b| b.to_string()),
            GcsConfigKey::UploadThreshold => self.upload_threshold.map(|v| v.to_string()),
            GcsConfigKey::ChunkSize => self.chunk_size.map(|v| v.to_string()),
            GcsConfigKey::MaxAttempts => self.max_attempts.map(|v| v.to_string()),
            GcsConfigKey::SigningServiceAccount => self.signing_service_account.clone(),
            GcsConfigKey::IamEndpoint => self.iam_endpoint.clone(),
        }
    }

    /// A credentials JSON file (service account key, authorized user, impersonated or external
    /// account), read by `build`.
    #[must_use]
    pub fn with_service_account_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.service_account_path = Some(path.into());
        self
    }

    /// The JSON of a service account key. It signs URLs locally.
    #[must_use]
    pub fn with_service_account_key(mut self, json: impl Into<SecretString>) -> Self {
        self.service_account_key = Some(json.into());
        self
    }

    /// The project whose buckets `list_buckets` lists and `create_bucket` creates.
    #[must_use]
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Where new buckets are created when the call names no region (default `US`).
    #[must_use]
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Another endpoint than `https://storage.googleapis.com` (a private endpoint, an
    /// emulator). `host:port` without a scheme means `http://host:port`.
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sends no credentials (public buckets, emulators); presigning is then unavailable.
    #[must_use]
    pub fn with_anonymous(mut self, anonymous: bool) -> Self {
        self.anonymous = Some(anonymous);
        self
    }

    /// Accepts an `http://` endpoint. Off by default (except for `STORAGE_EMULATOR_HOST`):
    /// credentials and data would travel in clear.
    #[must_use]
    pub fn with_allow_http(mut self, allow_http: bool) -> Self {
        self.allow_http = Some(allow_http);
        self
    }

    /// Says the endpoint is gcp-storage-emulator (what `STORAGE_EMULATOR_HOST` implies): the
    /// capabilities then leave out what it ignores (preconditions on writes, page sizes), so
    /// those options are refused with `Unsupported` instead of silently not applied.
    #[must_use]
    pub fn with_emulator(mut self, emulator: bool) -> Self {
        self.emulator = Some(emulator);
        self
    }

    /// Bodies larger than this go up as resumable uploads (default 8 MiB, at most 256 MiB).
    #[must_use]
    pub fn with_upload_threshold(mut self, bytes: u64) -> Self {
        self.upload_threshold = Some(bytes);
        self
    }

    /// The size of resumable-upload chunks: a multiple of 256 KiB, at most 256 MiB (default
    /// 8 MiB). An upload holds one chunk in memory: a body of unknown length goes in chunks of
    /// this size; one of known length streams in one request and keeps this many of the last
    /// bytes sent, to resume from what the service kept after an interruption.
    #[must_use]
    pub fn with_chunk_size(mut self, bytes: u64) -> Self {
        self.chunk_size = Some(bytes);
        self
    }

    /// How many times a request is tried, with exponential backoff and full jitter (default 4;
    /// 1 disables retries). Resumable uploads resume from the last byte the service kept.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// The service account V4 URLs are signed as through IAM `signBlob`
    /// (`name@project.iam.gserviceaccount.com`).
    ///
    /// Needed for credentials that name no service account (user credentials); otherwise the
    /// credentials' own account signs (a service account key locally, the metadata server's or
    /// the impersonated account through `signBlob`). Given with a key of another account, URLs
    /// are signed as this account through `signBlob`. The caller needs
    /// `iam.serviceAccounts.signBlob` on it (the "Service Account Token Creator" role).
    ///
    /// ```no_run
    /// use cloud_gcp::GcsClientBuilder;
    /// // Application Default Credentials of a user (`gcloud auth application-default login`)
    /// // who holds the Token Creator role on the `uploads` account.
    /// let gcs = GcsClientBuilder::new()
    ///     .with_project_id("my-project")
    ///     .with_signing_service_account("uploads@my-project.iam.gserviceaccount.com")
    ///     .build()?;
    /// assert!(gcs.can_sign());
    /// # Ok::<(), cloud_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_signing_service_account(mut self, email: impl Into<String>) -> Self {
        self.signing_service_account = Some(email.into());
        self
    }

    /// Another IAM Service Account Credentials endpoint for `signBlob` than
    /// `https://iamcredentials.googleapis.com` (a private endpoint, a test server); plain
    /// `http://` needs [`with_allow_http`](Self::with_allow_http).
    #[must_use]
    pub fn with_iam_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.iam_endpoint = Some(endpoint.into());
        self
    }

    /// The time allowed for one metadata request (default 60 s). Object bodies are streamed
    /// without a whole-request limit.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time any request may wait for its answer's headers, and then between two chunks of
    /// its body (default 60 s): a download or upload whose server stalls ends with `Timeout`,
    /// however long the object.
    #[must_use]
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Checks every setting and builds the client. No request is made.
    ///
    /// # Errors
    /// `InvalidConfig` for an unparseable or non-HTTP(S) endpoint or IAM endpoint, an `http://`
    /// one without `allow_http`, a signing service account that is not an email, an unparseable boolean or number, a chunk size that is not a multiple of
    /// 256 KiB or is above 256 MiB, a threshold above 256 MiB, zero attempts, or credentials
    /// that cannot be read or parsed (the message never quotes the key).
    pub fn build(self) -> Result<GcsClient> {
        self.invalid.check()?;
        let endpoint = self.endpoint()?;
        let iam_endpoint = match &self.iam_endpoint {
            Some(raw) => self.parse_endpoint(raw, "IAM endpoint")?,
            None => Url::parse(DEFAULT_IAM_ENDPOINT).map_err(|e| Error::invalid_config(e.to_string()))?,
        };
        let upload = self.upload()?;
        let retry = match self.max_attempts {
            Some(0) => return Err(Error::invalid_config("max_attempts must be at least 1")),
            Some(n) => RetryConfig::default().with_max_retries(n - 1),
            None => RetryConfig::default(),
        };
        let source = if self.anonymous == Some(true) {
            CredentialSource::Anonymous
        } else if let Some(key) = &self.service_account_key {
            CredentialSource::Json(key.clone())
        } else if let Some(path) = &self.service_account_path {
            CredentialSource::File(path.clone())
        } else {
            CredentialSource::ApplicationDefault
        };
        let credentials = credential::resolve(&source, self.signing_service_account.as_deref())?;
        let project_id = match &self.project_id {
            Some(p) if p.trim().is_empty() => return Err(Error::invalid_config("the project id is empty")),
            Some(p) => Some(p.clone()),
            None => credentials.project_id.clone(),
        };
        let location = match &self.location {
            Some(l) if l.trim().is_empty() => return Err(Error::invalid_config("the bucket location is empty")),
            Some(l) => l.clone(),
            None => DEFAULT_LOCATION.to_owned(),
        };
        GcsClient::new(crate::client::Settings {
            endpoint,
            project_id,
            location,
            upload,
            retry,
            timeout: self.timeout,
            read_timeout: self.read_timeout,
            credentials,
            iam_endpoint,
            emulator: self.emulator.unwrap_or(false),
        })
    }

    fn endpoint(&self) -> Result<Url> {
        let Some(raw) = &self.endpoint else {
            return Url::parse(DEFAULT_ENDPOINT).map_err(|e| Error::invalid_config(e.to_string()));
        };
        self.parse_endpoint(raw, "GCS endpoint")
    }

    /// Parses an endpoint (`what` names it in errors): http(s), a plain base URL, `http` only
    /// with `allow_http`.
    fn parse_endpoint(&self, raw: &str, what: &str) -> Result<Url> {
        let raw = raw.trim();
        // STORAGE_EMULATOR_HOST is usually `host:port`, which every Google library reads as http.
        let with_scheme = if raw.contains("://") { raw.to_owned() } else { format!("http://{raw}") };
        let url =
            Url::parse(&with_scheme).map_err(|e| Error::invalid_config(format!("invalid {what} {raw:?}: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http == Some(true) => {}
            "http" => {
                return Err(Error::invalid_config(format!(
                    "the {what} {raw} uses plain http; allow it with `with_allow_http(true)`"
                )));
            }
            other => {
                return Err(Error::invalid_config(format!("the {what} {raw} has scheme {other:?}; use http or https")));
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::invalid_config(format!("the {what} {raw} has no host")));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(Error::invalid_config(format!("the {what} {raw} must be a plain base URL")));
        }
        Ok(url)
    }

    fn upload(&self) -> Result<UploadConfig> {
        let chunk_size = self.chunk_size.unwrap_or(DEFAULT_CHUNK_SIZE);
        if chunk_size == 0 || !chunk_size.is_multiple_of(CHUNK_ALIGNMENT) || chunk_size > MAX_CHUNK_SIZE {
            return Err(Error::invalid_config(format!(
                "chunk_size must be a non-zero multiple of {CHUNK_ALIGNMENT} bytes up to {MAX_CHUNK_SIZE}, not {chunk_size}"
            )));
        }
        let threshold = self.upload_threshold.unwrap_or(DEFAULT_CHUNK_SIZE);
        if threshold > MAX_CHUNK_SIZE {
            return Err(Error::invalid_config(format!(
                "upload_threshold must be at most {MAX_CHUNK_SIZE} bytes, not {threshold}"
            )));
        }
        Ok(UploadConfig { threshold, chunk_size })
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::ErrorKind;

    use super::*;

    #[test]
    fn keys_parse_from_canonical_and_env_names() {
        for &key in GcsConfigKey::ALL {
            assert_eq!(key.as_str().parse::<GcsConfigKey>().unwrap(), key);
            for name in key.env_names() {
                assert_eq!(name.parse::<GcsConfigKey>().unwrap(), key);
            }
        }
        assert_eq!("nope".parse::<GcsConfigKey>().unwrap_err().kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn emulator_host_means_anonymous_plain_http() {
        let env = Env::from_slice(&[("STORAGE_EMULATOR_HOST", "127.0.0.1:9023"), ("GCP_PROJECT_ID", "p1")]);
        let builder = GcsClientBuilder::from_env_with(&env);
        assert_eq!(builder.get_config_value(GcsConfigKey::Anonymous).as_deref(), Some("true"));
        let client = builder.build().unwrap();
        assert_eq!(client.endpoint().as_str(), "http://127.0.0.1:9023/");
        assert_eq!(client.project_id(), Some("p1"));
        assert!(!client.can_sign());
    }

    #[test]
    fn project_and_region_precedence() {
        let env = Env::from_slice(&[
            ("GCP_PROJECT_ID", "seed-project"),
            ("GOOGLE_CLOUD_PROJECT", "google-project"),
            ("GCP_REGION", "europe-west6"),
            ("STORAGE_EMULATOR_HOST", "http://127.0.0.1:1"),
        ]);
        let client = GcsClientBuilder::from_env_with(&env).build().unwrap();
        assert_eq!(client.project_id(), Some("seed-project"));
        assert_eq!(client.location(), "europe-west6");
        let env = Env::from_slice(&[("GOOGLE_CLOUD_PROJECT", "google-project"), ("STORAGE_EMULATOR_HOST", "h:1")]);
        let client = GcsClientBuilder::from_env_with(&env).with_location("EU").build().unwrap();
        assert_eq!(client.project_id(), Some("google-project"));
        assert_eq!(client.location(), "EU");
        let explicit = GcsClientBuilder::from_env_with(&env).with_project_id("mine").build().unwrap();
        assert_eq!(explicit.project_id(), Some("mine"));
    }

    #[test]
    fn bad_settings_are_config_errors() {
        let cases = [
            GcsClientBuilder::new().with_endpoint("http://127.0.0.1:1").with_anonymous(true),
            GcsClientBuilder::new().with_endpoint("ftp://x").with_anonymous(true),
            GcsClientBuilder::new().with_anonymous(true).with_chunk_size(1000),
            GcsClientBuilder::new().with_anonymous(true).with_chunk_size(512 * 1024 * 1024),
            GcsClientBuilder::new().with_anonymous(true).with_upload_threshold(512 * 1024 * 1024),
            GcsClientBuilder::new().with_anonymous(true).with_max_attempts(0),
            GcsClientBuilder::new().with_anonymous(true).with_project_id(" "),
            GcsClientBuilder::new().with_config(GcsConfigKey::Anonymous, "maybe"),
            GcsClientBuilder::new().with_service_account_path("/nonexistent/key.json"),
            GcsClientBuilder::new().with_service_account_key("{not json"),
            GcsClientBuilder::new()
                .with_service_account_key(include_str!("../tests/data/test-service-account.json"))
                .with_signing_service_account("not an email"),
            GcsClientBuilder::new().with_anonymous(true).with_iam_endpoint("http://127.0.0.1:1"),
            GcsClientBuilder::new().with_anonymous(true).with_iam_endpoint("https://iam.example.com/?x=1"),
        ];
        for builder in cases {
            let text = format!("{builder:?}");
            assert_eq!(builder.build().unwrap_err().kind(), ErrorKind::InvalidConfig, "{text}");
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let builder = GcsClientBuilder::new().with_service_account_key(r#"{"private_key":"CANARYgcsPrivateKey1"}"#);
        assert!(!format!("{builder:?}").contains("CANARYgcsPrivateKey1"));
        let err = builder.build().unwrap_err();
        assert!(!format!("{err:?} {err}").contains("CANARYgcsPrivateKey1"), "{err:?}");
    }
}
