//! [`NewsletterBuilder`] and [`NewsletterConfigKey`]: configuring a [`NewsletterClient`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use cloud_core::config::{ConfigKey, Configure};
use cloud_core::http::HttpClient;
use cloud_core::rate_limit::{self, RateLimiter};
use cloud_core::retry::RetryConfig;
use cloud_core::{CloudProvider, Env, Error, Result, SecretString};
use url::Url;

use crate::client::NewsletterClient;
use crate::operation::{RATE_LIMIT_BUDGET, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW};

/// Infomaniak's API endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.infomaniak.com";

/// The default time allowed for one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default time added to the rate-limit window, so that a request granted at the very end of a
/// window does not reach Infomaniak inside it because of network jitter.
pub const DEFAULT_RATE_LIMIT_MARGIN: Duration = Duration::from_millis(250);

/// The settings [`NewsletterBuilder::with_config`] and [`NewsletterBuilder::from_env`] know.
///
/// | Variable | Key | Description | Default |
/// |---|---|---|---|
/// | `INFOMANIAK_NEWSLETTER_TOKEN` | `token` | the API token (scope `newsletter`), from the Infomaniak manager | required |
/// | `INFOMANIAK_NEWSLETTER_ID` | `domain_id` | the id of the newsletter domain (`{domain}` in the API's paths) | required |
/// | `INFOMANIAK_NEWSLETTER_BASE_URL` | `base_url` | the API endpoint | `https://api.infomaniak.com` |
/// | `INFOMANIAK_NEWSLETTER_TIMEOUT` | `timeout` | seconds allowed per request | `30` |
///
/// Precedence: a `with_*` call wins over the environment, which wins over the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NewsletterConfigKey {
    /// The API token.
    Token,
    /// The newsletter domain id.
    DomainId,
    /// The base URL of the API.
    BaseUrl,
    /// Seconds allowed per request.
    Timeout,
}

impl NewsletterConfigKey {
    /// Every key.
    pub const ALL: &'static [Self] = &[Self::Token, Self::DomainId, Self::BaseUrl, Self::Timeout];

    /// The canonical spelling (`token`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::DomainId => "domain_id",
            Self::BaseUrl => "base_url",
            Self::Timeout => "timeout",
        }
    }

    /// The environment variable (`INFOMANIAK_NEWSLETTER_TOKEN`).
    pub const fn env_name(self) -> &'static str {
        match self.env_names() {
            [first, ..] => first,
            [] => "",
        }
    }

    /// The environment variables that set this key (one each).
    pub const fn env_names(self) -> &'static [&'static str] {
        match self {
            Self::Token => &["INFOMANIAK_NEWSLETTER_TOKEN"],
            Self::DomainId => &["INFOMANIAK_NEWSLETTER_ID"],
            Self::BaseUrl => &["INFOMANIAK_NEWSLETTER_BASE_URL"],
            Self::Timeout => &["INFOMANIAK_NEWSLETTER_TIMEOUT"],
        }
    }
}

impl AsRef<str> for NewsletterConfigKey {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for NewsletterConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NewsletterConfigKey {
    type Err = Error;

    /// Accepts the canonical spelling or the environment variable, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

impl ConfigKey for NewsletterConfigKey {
    const SERVICE: &'static str = "Newsletter";
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
        self == Self::Token
    }
}

/// Builds a [`NewsletterClient`]. Explicit `with_*` calls win over the environment, which wins
/// over the defaults.
///
/// ```
/// use std::time::Duration;
/// use cloud_infomaniak_newsletter::NewsletterClient;
/// let client = NewsletterClient::builder()
///     .with_token("my-token")
///     .with_domain_id(12345)
///     .with_timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.to_string(), "NewsletterClient(https://api.infomaniak.com, domain 12345)");
/// assert!(!format!("{client:?}").contains("my-token"));
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use = "call build() to get the client"]
pub struct NewsletterBuilder {
    token: Option<SecretString>,
    domain_id: Option<u64>,
    domain_setting: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    timeout_setting: Option<String>,
    retry: Option<RetryConfig>,
    limiter: Option<RateLimiter>,
    rate_limits: Option<bool>,
    rate_limit_margin: Option<Duration>,
    user_agent: Option<String>,
}

impl Configure for NewsletterBuilder {
    type Key = NewsletterConfigKey;

    fn set_config(mut self, key: NewsletterConfigKey, value: String) -> Self {
        match key {
            NewsletterConfigKey::Token => self.token = Some(SecretString::new(value)),
            NewsletterConfigKey::DomainId => self.domain_setting = Some(value),
            NewsletterConfigKey::BaseUrl => self.base_url = Some(value),
            NewsletterConfigKey::Timeout => self.timeout_setting = Some(value),
        }
        self
    }
}

impl NewsletterBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder holding the `INFOMANIAK_NEWSLETTER_*` variables of the process environment.
    pub fn from_env() -> Self {
        Self::from_env_with(&Env::real())
    }

    /// A builder holding the `INFOMANIAK_NEWSLETTER_*` variables of `env` (empty values count as unset).
    pub fn from_env_with(env: &Env) -> Self {
        Self::new().with_env(env)
    }

    /// Sets one setting from its text form (as in the environment).
    pub fn with_config(self, key: NewsletterConfigKey, value: impl Into<String>) -> Self {
        self.set_config(key, value.into())
    }

    /// The text form of a setting, if set (`None` for the token, which is secret).
    pub fn get_config_value(&self, key: NewsletterConfigKey) -> Option<String> {
        match key {
            NewsletterConfigKey::Token => None,
            NewsletterConfigKey::DomainId => {
                self.domain_id.map(|d| d.to_string()).or_else(|| self.domain_setting.clone())
            }
            NewsletterConfigKey::BaseUrl => self.base_url.clone(),
            NewsletterConfigKey::Timeout => {
                self.timeout.map(|t| t.as_secs_f64().to_string()).or_else(|| self.timeout_setting.clone())
            }
        }
    }

    /// Sets the API token.
    pub fn with_token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets the newsletter domain id (the `{domain}` of every path).
    pub fn with_domain_id(mut self, domain_id: u64) -> Self {
        self.domain_id = Some(domain_id);
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

    /// Shares an existing limiter (it must have a budget named [`RATE_LIMIT_BUDGET`]), so several
    /// clients of the same account stay within one budget of 60 requests per minute.
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Turns the client-side rate limit on (the default) or off (429s are still retried).
    pub fn with_rate_limits(mut self, enabled: bool) -> Self {
        self.rate_limits = Some(enabled);
        self
    }

    /// Sets the time added to the rate-limit window (default [`DEFAULT_RATE_LIMIT_MARGIN`]).
    pub fn with_rate_limit_margin(mut self, margin: Duration) -> Self {
        self.rate_limit_margin = Some(margin);
        self
    }

    /// Sets the `User-Agent` (default `cloud-infomaniak-newsletter/<version>`).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The limiter with Infomaniak's budget (60 requests per minute), the window widened by `margin`.
    ///
    /// # Errors
    /// Never in practice (the budget is valid); the signature follows [`RateLimiter::new`].
    pub fn default_rate_limiter(margin: Duration) -> Result<RateLimiter> {
        RateLimiter::new([rate_limit::Budget::new(RATE_LIMIT_BUDGET, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW + margin)])
    }

    /// Validates the settings and builds the client.
    ///
    /// # Errors
    /// `InvalidConfig` when the token or the domain id is missing or empty, the domain id, base URL
    /// or timeout does not parse, or a shared limiter lacks the [`RATE_LIMIT_BUDGET`] budget.
    pub fn build(self) -> Result<NewsletterClient> {
        let config = |message: String| Error::invalid_config(message).with_provider(CloudProvider::Infomaniak);
        let token = self.token.filter(|t| !t.is_empty()).ok_or_else(|| {
            config(
                "no Newsletter API token: set INFOMANIAK_NEWSLETTER_TOKEN or call NewsletterBuilder::with_token".into(),
            )
        })?;
        let domain = match (self.domain_id, self.domain_setting) {
            (Some(id), _) => id,
            (None, Some(text)) => text.trim().parse::<u64>().map_err(|_| {
                config(format!("INFOMANIAK_NEWSLETTER_ID must be the numeric id of a newsletter domain, not {text:?}"))
            })?,
            (None, None) => {
                return Err(config(
                    "no newsletter domain id: set INFOMANIAK_NEWSLETTER_ID or call NewsletterBuilder::with_domain_id"
                        .into(),
                ));
            }
        };
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url: Url =
            base.parse().map_err(|e| config(format!("the Newsletter base URL {base:?} is invalid: {e}")))?;
        let timeout = match (self.timeout, self.timeout_setting) {
            (Some(timeout), _) => timeout,
            (None, Some(text)) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| {
                    config(format!("INFOMANIAK_NEWSLETTER_TIMEOUT must be a positive number of seconds, not {text:?}"))
                })?,
            (None, None) => DEFAULT_TIMEOUT,
        };
        let limiter = if self.rate_limits == Some(false) {
            None
        } else if let Some(limiter) = self.limiter {
            if limiter.budget(RATE_LIMIT_BUDGET).is_none() {
                return Err(config(format!("the shared rate limiter has no {RATE_LIMIT_BUDGET:?} budget")));
            }
            Some(limiter)
        } else {
            Some(Self::default_rate_limiter(self.rate_limit_margin.unwrap_or(DEFAULT_RATE_LIMIT_MARGIN))?)
        };
        let mut http = HttpClient::builder(CloudProvider::Infomaniak, base_url)
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
        Ok(NewsletterClient::from_parts(http.build()?, domain))
    }
}

impl fmt::Debug for NewsletterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewsletterBuilder")
            .field("token", &self.token.as_ref().map(|_| cloud_core::REDACTED))
            .field("domain_id", &self.get_config_value(NewsletterConfigKey::DomainId))
            .field("base_url", &self.base_url)
            .field("timeout", &self.get_config_value(NewsletterConfigKey::Timeout))
            .field("retry", &self.retry)
            .field("rate_limits", &self.rate_limits)
            .field("rate_limit_margin", &self.rate_limit_margin)
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
            ("INFOMANIAK_NEWSLETTER_TOKEN", "CANARYnewsletterEnvToken123"),
            ("INFOMANIAK_NEWSLETTER_ID", "4321"),
            ("INFOMANIAK_NEWSLETTER_BASE_URL", "http://127.0.0.1:9"),
            ("INFOMANIAK_NEWSLETTER_TIMEOUT", "2.5"),
            ("INFOMANIAK_NEWSLETTER_UNRELATED", "x"),
        ]);
        let builder = NewsletterBuilder::from_env_with(&env);
        assert_eq!(builder.get_config_value(NewsletterConfigKey::DomainId).as_deref(), Some("4321"));
        assert_eq!(builder.get_config_value(NewsletterConfigKey::Token), None);
        assert!(!format!("{builder:?}").contains("CANARYnewsletterEnvToken123"));
        let client = builder.build().unwrap();
        assert_eq!(client.domain(), 4321);
        assert_eq!(client.base_url().as_str(), "http://127.0.0.1:9/");
        // Explicit settings win over the environment.
        let client = NewsletterBuilder::from_env_with(&env).with_domain_id(7).build().unwrap();
        assert_eq!(client.domain(), 7);
    }

    #[test]
    fn bad_settings_are_config_errors() {
        let missing = NewsletterBuilder::from_env_with(&Env::from_slice(&[])).build().unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::InvalidConfig);
        assert!(missing.to_string().contains("INFOMANIAK_NEWSLETTER_TOKEN"), "{missing}");
        let no_domain = NewsletterBuilder::new().with_token("CANARYplaceholderToken").build().unwrap_err();
        assert!(no_domain.to_string().contains("INFOMANIAK_NEWSLETTER_ID"), "{no_domain}");
        let bad_domain = NewsletterBuilder::new()
            .with_token("CANARYplaceholderToken")
            .with_config(NewsletterConfigKey::DomainId, "my-list")
            .build();
        assert_eq!(bad_domain.unwrap_err().kind(), ErrorKind::InvalidConfig);
        let bad_timeout = NewsletterBuilder::new()
            .with_token("CANARYplaceholderToken")
            .with_domain_id(1)
            .with_config(NewsletterConfigKey::Timeout, "soon")
            .build();
        assert_eq!(bad_timeout.unwrap_err().kind(), ErrorKind::InvalidConfig);
        let bad_url = NewsletterBuilder::new()
            .with_token("CANARYplaceholderToken")
            .with_domain_id(1)
            .with_base_url("not a url")
            .build();
        assert_eq!(bad_url.unwrap_err().kind(), ErrorKind::InvalidConfig);
        let limiter = RateLimiter::new([rate_limit::Budget::new("other", 1, Duration::from_secs(1))]).unwrap();
        let err = NewsletterBuilder::new()
            .with_token("CANARYplaceholderToken")
            .with_domain_id(1)
            .with_rate_limiter(limiter)
            .build();
        assert_eq!(err.unwrap_err().kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn keys_parse_both_spellings() {
        for &key in NewsletterConfigKey::ALL {
            assert_eq!(key.as_str().parse::<NewsletterConfigKey>().unwrap(), key);
            assert_eq!(key.env_name().parse::<NewsletterConfigKey>().unwrap(), key);
        }
        assert!("INFOMANIAK_NEWSLETTER_NOPE".parse::<NewsletterConfigKey>().is_err());
    }

    #[test]
    fn default_limiter_is_sixty_a_minute() {
        let limiter = NewsletterBuilder::default_rate_limiter(Duration::ZERO).unwrap();
        let budget = limiter.budget(RATE_LIMIT_BUDGET).unwrap();
        assert_eq!((budget.requests(), budget.per()), (60, Duration::from_secs(60)));
    }
}
