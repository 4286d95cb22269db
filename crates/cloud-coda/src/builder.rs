//! [`CodaBuilder`] and [`CodaConfigKey`]: configuring a [`CodaClient`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use cloud_core::config::{ConfigKey, Configure};
use cloud_core::http::HttpClient;
use cloud_core::rate_limit::{self, RateLimiter};
use cloud_core::retry::RetryConfig;
use cloud_core::{CloudProvider, Env, Error, Result, SecretString};
use url::Url;

use crate::client::CodaClient;
use crate::operation::Budget;

/// Coda's API endpoint.
pub const DEFAULT_BASE_URL: &str = "https://coda.io/apis/v1";

/// The default time allowed for one request (the Python client's 30 seconds).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default time added to each rate-limit window, so that requests granted at the very end of a
/// window do not reach Coda inside it because of network jitter.
pub const DEFAULT_RATE_LIMIT_MARGIN: Duration = Duration::from_millis(250);

/// The settings [`CodaBuilder::with_config`] and [`CodaBuilder::from_env`] know.
///
/// | Variable | Key | Description | Default |
/// |---|---|---|---|
/// | `CODA_API_TOKEN` | `api_token` | the API token (coda.io/account) | required |
/// | `CODA_BASE_URL` | `base_url` | the API endpoint | `https://coda.io/apis/v1` |
/// | `CODA_TIMEOUT` | `timeout` | seconds allowed per request | `30` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodaConfigKey {
    /// The API token.
    ApiToken,
    /// The base URL of the API.
    BaseUrl,
    /// Seconds allowed per request.
    Timeout,
}

impl CodaConfigKey {
    /// Every key.
    pub const ALL: &'static [Self] = &[Self::ApiToken, Self::BaseUrl, Self::Timeout];

    /// The canonical spelling (`api_token`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ApiToken => "api_token",
            Self::BaseUrl => "base_url",
            Self::Timeout => "timeout",
        }
    }

    /// The environment variable (`CODA_API_TOKEN`).
    pub const fn env_name(self) -> &'static str {
        match self.env_names() {
            [first, ..] => first,
            [] => "",
        }
    }

    /// The environment variables that set this key (one each).
    pub const fn env_names(self) -> &'static [&'static str] {
        match self {
            Self::ApiToken => &["CODA_API_TOKEN"],
            Self::BaseUrl => &["CODA_BASE_URL"],
            Self::Timeout => &["CODA_TIMEOUT"],
        }
    }
}

impl AsRef<str> for CodaConfigKey {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for CodaConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CodaConfigKey {
    type Err = Error;

    /// Accepts the canonical spelling or the environment variable, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

impl ConfigKey for CodaConfigKey {
    const SERVICE: &'static str = "Coda";
    const IGNORE_ASCII_CASE: bool = true;

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
        self == Self::ApiToken
    }
}

/// Builds a [`CodaClient`]. Explicit `with_*` calls win over the environment, which wins over the
/// defaults.
///
/// ```
/// use std::time::Duration;
/// use cloud_coda::CodaClient;
/// let client = CodaClient::builder()
///     .with_token("my-token")
///     .with_timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.to_string(), "CodaClient(https://coda.io/apis/v1)");
/// assert!(!format!("{client:?}").contains("my-token"));
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use = "call build() to get the client"]
pub struct CodaBuilder {
    token: Option<SecretString>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    timeout_setting: Option<String>,
    retry: Option<RetryConfig>,
    limiter: Option<RateLimiter>,
    rate_limits: Option<bool>,
    rate_limit_margin: Option<Duration>,
    latest_doc_version: bool,
    user_agent: Option<String>,
}

impl Configure for CodaBuilder {
    type Key = CodaConfigKey;

    fn set_config(mut self, key: CodaConfigKey, value: String) -> Self {
        match key {
            CodaConfigKey::ApiToken => self.token = Some(SecretString::new(value)),
            CodaConfigKey::BaseUrl => self.base_url = Some(value),
            CodaConfigKey::Timeout => self.timeout_setting = Some(value),
        }
        self
    }
}

impl CodaBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder holding the `CODA_*` variables of the process environment.
    pub fn from_env() -> Self {
        Self::from_env_with(&Env::real())
    }

    /// A builder holding the `CODA_*` variables of `env` (empty values count as unset).
    pub fn from_env_with(env: &Env) -> Self {
        Self::new().with_env(env)
    }

    /// Sets one setting from its text form (as in the environment).
    pub fn with_config(self, key: CodaConfigKey, value: impl Into<String>) -> Self {
        self.set_config(key, value.into())
    }

    /// The text form of a setting, if set (`None` for the token, which is secret).
    pub fn get_config_value(&self, key: CodaConfigKey) -> Option<String> {
        match key {
            CodaConfigKey::ApiToken => None,
            CodaConfigKey::BaseUrl => self.base_url.clone(),
            CodaConfigKey::Timeout => {
                self.timeout.map(|t| t.as_secs_f64().to_string()).or_else(|| self.timeout_setting.clone())
            }
        }
    }

    /// Sets the API token.
    pub fn with_token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets the base URL (default [`DEFAULT_BASE_URL`]); a test server's, say.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the time allowed for one request (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the retry policy (default: [`RetryConfig::default`], which retries 429s, 5xx on
    /// idempotent requests and connection failures, honouring `Retry-After`).
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Shares an existing limiter (it must define the five [`Budget`]s by name), so several
    /// clients of the same user stay within one set of limits.
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Turns the client-side rate limits on (the default) or off (429s are still retried).
    pub fn with_rate_limits(mut self, enabled: bool) -> Self {
        self.rate_limits = Some(enabled);
        self
    }

    /// Sets the time added to every rate-limit window (default [`DEFAULT_RATE_LIMIT_MARGIN`]).
    pub fn with_rate_limit_margin(mut self, margin: Duration) -> Self {
        self.rate_limit_margin = Some(margin);
        self
    }

    /// Sends `X-Coda-Doc-Version: latest` with every request under `/docs`, so Coda answers 400
    /// (`PreconditionFailed`) instead of serving a stale copy of the doc.
    pub fn with_latest_doc_version(mut self, latest: bool) -> Self {
        self.latest_doc_version = latest;
        self
    }

    /// Sets the `User-Agent` (default `cloud-coda/<version>`).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The limiter with Coda's five budgets, each window widened by `margin`.
    pub fn default_rate_limiter(margin: Duration) -> Result<RateLimiter> {
        RateLimiter::new(
            Budget::ALL
                .iter()
                .map(|b| rate_limit::Budget::new(b.as_str(), b.requests(), b.window().saturating_add(margin))),
        )
    }

    /// Validates the settings and builds the client.
    ///
    /// # Errors
    /// `InvalidConfig` when the token is missing or empty, the base URL or timeout does not parse,
    /// or a shared limiter lacks one of Coda's budgets.
    pub fn build(self) -> Result<CodaClient> {
        let config = |message: String| Error::invalid_config(message).with_provider(CloudProvider::Coda);
        let token = self.token.filter(|t| !t.is_empty()).ok_or_else(|| {
            config("no Coda API token: set CODA_API_TOKEN or call CodaBuilder::with_token".to_owned())
        })?;
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url: Url = base.parse().map_err(|e| config(format!("the Coda base URL {base:?} is invalid: {e}")))?;
        let timeout = match (self.timeout, self.timeout_setting) {
            (Some(timeout), _) => timeout,
            (None, Some(text)) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| config(format!("CODA_TIMEOUT must be a positive number of seconds, not {text:?}")))?,
            (None, None) => DEFAULT_TIMEOUT,
        };
        let limiter = if self.rate_limits == Some(false) {
            None
        } else if let Some(limiter) = self.limiter {
            if let Some(missing) = Budget::ALL.iter().find(|b| limiter.budget(b.as_str()).is_none()) {
                return Err(config(format!("the shared rate limiter has no {missing:?} budget")));
            }
            Some(limiter)
        } else {
            Some(Self::default_rate_limiter(self.rate_limit_margin.unwrap_or(DEFAULT_RATE_LIMIT_MARGIN))?)
        };
        let mut http = HttpClient::builder(CloudProvider::Coda, base_url)
            .with_bearer_token(token)
            .with_timeout(timeout)
            .with_retry(self.retry.unwrap_or_default())
            .with_error_refiner(crate::error::refine)
            .with_default_header("Accept", "application/json")
            .with_user_agent(
                self.user_agent
                    .unwrap_or_else(|| concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned()),
            );
        if let Some(limiter) = limiter {
            http = http.with_rate_limiter(limiter);
        }
        Ok(CodaClient::from_parts(http.build()?, self.latest_doc_version))
    }
}

impl fmt::Debug for CodaBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodaBuilder")
            .field("token", &self.token.as_ref().map(|_| cloud_core::REDACTED))
            .field("base_url", &self.base_url)
            .field("timeout", &self.get_config_value(CodaConfigKey::Timeout))
            .field("retry", &self.retry)
            .field("rate_limits", &self.rate_limits)
            .field("rate_limit_margin", &self.rate_limit_margin)
            .field("latest_doc_version", &self.latest_doc_version)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::ErrorKind;

    use super::*;

    #[test]
    fn reads_the_environment() {
        let env = Env::from_slice(&[
            ("CODA_API_TOKEN", "CANARYcodaEnvToken123"),
            ("CODA_BASE_URL", "http://127.0.0.1:9/apis/v1"),
            ("CODA_TIMEOUT", "2.5"),
            ("CODA_UNRELATED", "x"),
        ]);
        let builder = CodaBuilder::from_env_with(&env);
        assert_eq!(builder.get_config_value(CodaConfigKey::BaseUrl).as_deref(), Some("http://127.0.0.1:9/apis/v1"));
        assert_eq!(builder.get_config_value(CodaConfigKey::ApiToken), None);
        assert!(!format!("{builder:?}").contains("CANARYcodaEnvToken123"));
        let client = builder.build().unwrap();
        assert_eq!(client.base_url().as_str(), "http://127.0.0.1:9/apis/v1");
        // Explicit settings win over the environment.
        let client = CodaBuilder::from_env_with(&env).with_base_url("https://example.com/v1").build().unwrap();
        assert_eq!(client.base_url().host_str(), Some("example.com"));
    }

    #[test]
    fn bad_settings_are_config_errors() {
        let missing = CodaBuilder::from_env_with(&Env::from_slice(&[])).build().unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::InvalidConfig);
        assert!(missing.to_string().contains("CODA_API_TOKEN"), "{missing}");
        let bad_timeout =
            CodaBuilder::new().with_token("CANARYplaceholderToken").with_config(CodaConfigKey::Timeout, "soon").build();
        assert_eq!(bad_timeout.unwrap_err().kind(), ErrorKind::InvalidConfig);
        let bad_url = CodaBuilder::new().with_token("CANARYplaceholderToken").with_base_url("not a url").build();
        assert_eq!(bad_url.unwrap_err().kind(), ErrorKind::InvalidConfig);
        let limiter = RateLimiter::new([rate_limit::Budget::new("read", 1, Duration::from_secs(1))]).unwrap();
        let err =
            CodaBuilder::new().with_token("CANARYplaceholderToken").with_rate_limiter(limiter).build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn keys_parse_both_spellings() {
        for &key in CodaConfigKey::ALL {
            assert_eq!(key.as_str().parse::<CodaConfigKey>().unwrap(), key);
            assert_eq!(key.env_name().parse::<CodaConfigKey>().unwrap(), key);
        }
        assert!("CODA_NOPE".parse::<CodaConfigKey>().is_err());
    }

    #[test]
    fn default_limiter_has_the_documented_budgets() {
        let limiter = CodaBuilder::default_rate_limiter(Duration::ZERO).unwrap();
        let read = limiter.budget("read").unwrap();
        assert_eq!((read.requests(), read.per()), (100, Duration::from_secs(6)));
        let content = limiter.budget("doc_content").unwrap();
        assert_eq!((content.requests(), content.per()), (5, Duration::from_secs(10)));
        assert_eq!(limiter.budgets().count(), 5);
    }
}
