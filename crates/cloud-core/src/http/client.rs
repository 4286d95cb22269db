//! [`HttpClient`] and [`HttpClientBuilder`]: one configured `reqwest` client per provider client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::auth::{AuthProvider, BearerToken};
use super::error::ErrorRefiner;
use super::request::RequestBuilder;
use crate::rate_limit::RateLimiter;
use crate::retry::RetryConfig;
use crate::{CloudProvider, Error, ErrorKind, Result, SecretString};

/// The `User-Agent` sent when the builder sets none.
pub const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default time allowed for a whole request, from connecting to the end of the response body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The most redirects followed (within the base URL's origin only).
const MAX_REDIRECTS: usize = 10;

/// A REST client for one service: base URL, auth, retry policy, rate limits, tracing and the one
/// response-to-error mapping, shared by the REST provider crates.
///
/// Cheap to clone: clones share the connection pool and the rate-limit budgets. `Debug` shows the
/// configuration but never a credential.
///
/// ```
/// use cloud_core::http::HttpClient;
/// use cloud_core::rate_limit::{Budget, RateLimiter};
/// use cloud_core::CloudProvider;
/// use std::time::Duration;
/// # fn main() -> cloud_core::Result<()> {
/// let limiter = RateLimiter::new([Budget::new("read", 100, Duration::from_secs(6))])?;
/// let client = HttpClient::builder(CloudProvider::Coda, "https://coda.io/apis/v1".parse().unwrap())
///     .with_bearer_token("my-token")
///     .with_rate_limiter(limiter)
///     .with_user_agent("cloud-coda/0.1.0")
///     .build()?;
/// let request = client.get("whoami").budget("read").operation("whoami");
/// assert!(!format!("{client:?} {request:?}").contains("my-token"));
/// // let me: serde_json::Value = request.send_json().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    pub(crate) shared: Arc<Shared>,
}

/// The configuration every clone of a client shares.
pub(crate) struct Shared {
    pub(crate) inner: reqwest::Client,
    pub(crate) provider: CloudProvider,
    pub(crate) base_url: Url,
    pub(crate) retry: RetryConfig,
    pub(crate) limiter: Option<RateLimiter>,
    pub(crate) auth: Option<Arc<dyn AuthProvider>>,
    pub(crate) refiner: Option<ErrorRefiner>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) timeout: Option<Duration>,
    /// Whether `inner` came from the caller, so it applies none of our settings itself.
    pub(crate) custom_transport: bool,
}

impl HttpClient {
    /// A builder for a client of `provider` whose request paths are relative to `base_url`.
    pub fn builder(provider: CloudProvider, base_url: Url) -> HttpClientBuilder {
        HttpClientBuilder::new(provider, base_url)
    }

    /// The provider named in errors and traces.
    pub fn provider(&self) -> CloudProvider {
        self.shared.provider
    }

    /// The base URL request paths are relative to.
    pub fn base_url(&self) -> &Url {
        &self.shared.base_url
    }

    /// The default retry policy of requests.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.shared.retry
    }

    /// The rate limiter requests acquire their budgets from, if any.
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.shared.limiter.as_ref()
    }

    /// The URL of `path` below the base URL.
    ///
    /// `path` is appended after a `/` (leading slashes of `path` and trailing ones of the base are
    /// dropped first), so with base `https://coda.io/apis/v1`, `"docs/abc"` and `"/docs/abc"` both
    /// give `https://coda.io/apis/v1/docs/abc`. `path` must already be percent-encoded and may
    /// carry a query; use [`url_for_segments`](Self::url_for_segments) for raw identifiers.
    pub fn url_for(&self, path: &str) -> Result<Url> {
        let base = self.shared.base_url.as_str().trim_end_matches('/');
        let path = path.trim_start_matches('/');
        let joined = if path.is_empty() { base.to_owned() } else { format!("{base}/{path}") };
        Url::parse(&joined).map_err(|e| {
            Error::new(ErrorKind::Construction, format!("invalid request path {path:?}: {e}"))
                .with_provider(self.shared.provider)
        })
    }

    /// The URL of the path made of `segments` below the base URL, each segment percent-encoded
    /// (including `/`, `%`, `?` and `#`), so identifiers chosen by users (a Coda table *name*)
    /// cannot change the path's structure. Empty, `.` and `..` segments are `InvalidInput`.
    pub fn url_for_segments(&self, segments: &[&str]) -> Result<Url> {
        if let Some(bad) = segments.iter().find(|s| s.is_empty() || **s == "." || **s == "..") {
            return Err(Error::invalid_input(format!("{bad:?} is not a valid URL path segment"))
                .with_provider(self.shared.provider));
        }
        let mut url = self.shared.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| Error::invalid_config("the base URL cannot have a path").with_provider(self.shared.provider))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A request of `method` to `path` below the base URL (see [`url_for`](Self::url_for)).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, self.url_for(path))
    }

    /// A request of `method` to the path made of `segments`, each percent-encoded (see
    /// [`url_for_segments`](Self::url_for_segments)).
    pub fn request_segments(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, self.url_for_segments(segments))
    }

    /// A request of `method` to an absolute URL (a pagination or download link the service gave).
    ///
    /// The auth provider is applied only when `url` has the base URL's origin (scheme, host,
    /// port), so credentials never go to another host.
    pub fn request_url(&self, method: Method, url: Url) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, Ok(url))
    }

    /// Shorthand for `request(Method::GET, path)`.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// Shorthand for `request(Method::POST, path)`.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// Shorthand for `request(Method::PUT, path)`.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    /// Shorthand for `request(Method::PATCH, path)`.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    /// Shorthand for `request(Method::DELETE, path)`.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &*self.shared;
        f.debug_struct("HttpClient")
            .field("provider", &s.provider)
            .field("base_url", &s.base_url.as_str())
            .field("user_agent", &s.user_agent)
            .field("timeout", &s.timeout)
            .field("retry", &s.retry)
            .field("rate_limiter", &s.limiter)
            .field("auth", &s.auth)
            .field("default_headers", &s.default_headers.keys().collect::<Vec<_>>())
            .field("error_refiner", &s.refiner.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds an [`HttpClient`]; every setting has a default except the provider and base URL.
///
/// | setting | default |
/// |---|---|
/// | user agent | [`DEFAULT_USER_AGENT`] |
/// | connect timeout | [`DEFAULT_CONNECT_TIMEOUT`] (10 s) |
/// | read timeout | none (see [`with_read_timeout`](Self::with_read_timeout)) |
/// | request timeout | [`DEFAULT_TIMEOUT`] (60 s, whole request including the body) |
/// | retry | [`RetryConfig::default`] |
/// | rate limiter | none: budgets named on requests are ignored |
/// | auth | none |
/// | redirects | followed within the base URL's origin, at most 10 |
#[must_use = "call build() to get the client"]
pub struct HttpClientBuilder {
    provider: CloudProvider,
    base_url: Url,
    user_agent: String,
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    timeout: Option<Duration>,
    retry: RetryConfig,
    limiter: Option<RateLimiter>,
    auth: Option<Arc<dyn AuthProvider>>,
    default_headers: Vec<(String, String)>,
    refiner: Option<ErrorRefiner>,
    reqwest_client: Option<reqwest::Client>,
}

impl HttpClientBuilder {
    /// A builder for a client of `provider` whose request paths are relative to `base_url`.
    pub fn new(provider: CloudProvider, base_url: Url) -> Self {
        Self {
            provider,
            base_url,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: None,
            timeout: Some(DEFAULT_TIMEOUT),
            retry: RetryConfig::default(),
            limiter: None,
            auth: None,
            default_headers: Vec::new(),
            refiner: None,
            reqwest_client: None,
        }
    }

    /// Replaces the base URL.
    pub fn with_base_url(mut self, base_url: Url) -> Self {
        self.base_url = base_url;
        self
    }

    /// Sets the `User-Agent` header (e.g. `"cloud-coda/0.1.0"`).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets the time allowed to open a connection.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time a request may wait for the response's headers, and then between two chunks of
    /// its body (an idle timeout: a stalled server fails the call with `Timeout` even when the
    /// whole-request timeout is off or long). Off by default.
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Sets the time allowed for a whole request, from connecting to the end of the response body.
    /// Requests may override it with [`RequestBuilder::timeout`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Removes the whole-request time limit (for clients that stream large bodies); the connect
    /// timeout still applies.
    pub fn without_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Sets the retry policy of requests (requests may override it).
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the rate limiter that requests acquire their [budgets](RequestBuilder::budget) from.
    /// Clones of the limiter share budgets, so several clients may share one.
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Sets the auth provider, applied to every request to the base URL's origin.
    pub fn with_auth(mut self, auth: impl AuthProvider + 'static) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// Sets a shared auth provider.
    pub fn with_auth_arc(mut self, auth: Arc<dyn AuthProvider>) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Shorthand for `with_auth(BearerToken::new(token))`.
    pub fn with_bearer_token(self, token: impl Into<SecretString>) -> Self {
        self.with_auth(BearerToken::new(token))
    }

    /// Adds a header sent with every request (validated by [`build`](Self::build)). Not for
    /// secrets: use an [`AuthProvider`].
    pub fn with_default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Sets the provider's hook refining the kind of error answers (see [`ErrorRefiner`]).
    pub fn with_error_refiner(mut self, refiner: ErrorRefiner) -> Self {
        self.refiner = Some(refiner);
        self
    }

    /// Uses this `reqwest` client (a custom TLS or proxy setup, a test transport) instead of
    /// building one. The user agent, default headers and timeouts of this builder are then *not*
    /// applied by the transport; default headers and the request timeout are still set on each
    /// request.
    pub fn with_reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    /// Validates the configuration and builds the client.
    ///
    /// Fails with `InvalidConfig` when the base URL is not `http`/`https`, carries credentials, a
    /// query or a fragment, or cannot be a base, when a default header or the user agent is
    /// invalid, or when `reqwest` cannot build its client (TLS setup).
    pub fn build(self) -> Result<HttpClient> {
        let provider = self.provider;
        let config_error = |message: String| Error::invalid_config(message).with_provider(provider);
        let url = &self.base_url;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() || url.host().is_none() {
            return Err(config_error(format!("the base URL {} must be an http or https URL with a host", shown(url))));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(config_error(
                "the base URL must not carry credentials; configure an auth provider instead".to_owned(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(config_error(format!("the base URL {} must not have a query or a fragment", shown(url))));
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| config_error(format!("{name:?} is not a valid HTTP header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| config_error(format!("the value of default header {name:?} is not valid")))?;
            headers.append(header, value);
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| config_error(format!("{:?} is not a valid User-Agent", self.user_agent)))?;
        let custom_transport = self.reqwest_client.is_some();
        let inner = match self.reqwest_client {
            Some(client) => client,
            None => {
                let mut builder = reqwest::Client::builder()
                    .user_agent(user_agent.clone())
                    .default_headers(headers.clone())
                    .connect_timeout(self.connect_timeout)
                    // Bodies are returned as the service sent them: no transparent decompression.
                    .no_gzip()
                    .no_deflate()
                    .redirect(same_origin_redirects());
                if let Some(timeout) = self.timeout {
                    builder = builder.timeout(timeout);
                }
                if let Some(timeout) = self.read_timeout {
                    builder = builder.read_timeout(timeout);
                }
                builder
                    .build()
                    .map_err(|e| config_error(format!("could not build the HTTP client: {}", e.without_url())))?
            }
        };
        Ok(HttpClient {
            shared: Arc::new(Shared {
                inner,
                provider,
                base_url: self.base_url,
                retry: self.retry,
                limiter: self.limiter,
                auth: self.auth,
                refiner: self.refiner,
                user_agent,
                default_headers: headers,
                timeout: self.timeout,
                custom_transport,
            }),
        })
    }
}

impl fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.default_headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpClientBuilder")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url.as_str())
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("rate_limiter", &self.limiter)
            .field("auth", &self.auth)
            .field("default_headers", &header_names)
            .field("error_refiner", &self.refiner.is_some())
            .field("custom_reqwest_client", &self.reqwest_client.is_some())
            .finish()
    }
}

/// Follows redirects only within the origin of the first URL, so headers added by an auth
/// provider never reach another host; other redirects are returned as the response.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// `url` as an error message may show it: without user information, query or fragment, which
/// may hold secrets.
fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    // Both fail only for URLs that cannot have user information (`mailto:`), which then has none.
    shown.set_username("").ok();
    shown.set_password(None).ok();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> HttpClient {
        HttpClient::builder(CloudProvider::Coda, base.parse().unwrap()).build().unwrap()
    }

    #[test]
    fn paths_join_below_the_base() {
        for base in ["https://coda.io/apis/v1", "https://coda.io/apis/v1/"] {
            let c = client(base);
            assert_eq!(c.url_for("docs/a").unwrap().as_str(), "https://coda.io/apis/v1/docs/a");
            assert_eq!(c.url_for("/docs?limit=2").unwrap().as_str(), "https://coda.io/apis/v1/docs?limit=2");
            assert_eq!(c.url_for("").unwrap().as_str(), "https://coda.io/apis/v1");
        }
        assert_eq!(client("http://127.0.0.1:9/").url_for("x").unwrap().as_str(), "http://127.0.0.1:9/x");
    }

    #[test]
    fn segments_are_encoded() {
        let c = client("https://coda.io/apis/v1/");
        let url = c.url_for_segments(&["docs", "d1", "tables", "My table/2?#%"]).unwrap();
        assert_eq!(url.as_str(), "https://coda.io/apis/v1/docs/d1/tables/My%20table%2F2%3F%23%25");
        for bad in ["", ".", ".."] {
            assert_eq!(c.url_for_segments(&["docs", bad]).unwrap_err().kind(), ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn bad_base_urls_are_config_errors() {
        for base in [
            "ftp://x/",
            "ftp://user:pw@x/?token=tk",
            "https://user:pw@x/",
            "https://x/?token=tk",
            "https://x/#tk",
            "mailto:a@b",
        ] {
            let err = HttpClient::builder(CloudProvider::Coda, base.parse().unwrap()).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{base}");
            let text = err.to_string();
            assert!(!text.contains("pw") && !text.contains("tk"), "the message shows a secret part: {text}");
        }
        let err = HttpClient::builder(CloudProvider::Coda, "https://x/".parse().unwrap())
            .with_default_header("bad header", "v")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn debug_shows_no_secret() {
        let builder = HttpClient::builder(CloudProvider::Infomaniak, "https://api.infomaniak.com/1".parse().unwrap())
            .with_bearer_token("CANARYbuilderBearer1")
            .with_default_header("X-Extra", "visible-value");
        let builder_text = format!("{builder:?}");
        assert!(!builder_text.contains("CANARYbuilderBearer1") && !builder_text.contains("visible-value"));
        let c = builder.build().unwrap();
        let text = format!("{c:?} {c:#?}");
        assert!(!text.contains("CANARYbuilderBearer1"), "{text}");
        assert!(text.contains("api.infomaniak.com") && text.contains("x-extra"), "{text}");
    }
}
