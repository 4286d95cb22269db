//! [`InfomaniakCloud`]: one authenticated session, shared by every service client.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use cloud_core::retry::{RequestSafety, RetryConfig, retry};
use cloud_core::{Env, Error, ErrorKind, Result, SecretString};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use openstack_sdk::AsyncOpenStack;
use openstack_sdk::api::AsyncClient;
use openstack_sdk::types::{ApiVersion, ServiceType};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::InfomaniakConfig;
use crate::error::{self, PROVIDER};
use crate::{BlockStorageClient, ComputeClient, IdentityClient, InfomaniakResources, SwiftClient};

/// An authenticated session with an OpenStack cloud (Infomaniak's by default).
///
/// Connecting authenticates once (application credential, password or token); endpoints come
/// from the token's service catalog, filtered by region and interface; a request answered with
/// `401` re-authenticates and is sent again. Cloning is cheap and every clone, and every service
/// client made from it ([`compute`](Self::compute), [`identity`](Self::identity),
/// [`block_storage`](Self::block_storage), [`swift`](Self::swift), [`resources`](Self::resources)),
/// shares the one token.
/// `openstack_sdk`'s on-disk token cache is off.
#[derive(Clone)]
pub struct InfomaniakCloud {
    inner: Arc<Inner>,
}

struct Inner {
    os: AsyncOpenStack,
    http: reqwest::Client,
    config: InfomaniakConfig,
    user_id: String,
    project_id: Option<String>,
    roles: Vec<(String, String)>,
    regions: Vec<String>,
}

impl fmt::Debug for InfomaniakCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfomaniakCloud")
            .field("auth_url", &self.inner.config.auth_url())
            .field("region", &self.inner.config.region())
            .field("user_id", &self.inner.user_id)
            .field("project_id", &self.inner.project_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for InfomaniakCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "infomaniak openstack ({})", self.inner.config.describe())
    }
}

impl InfomaniakCloud {
    /// Connects with the configuration of the process environment
    /// (see [`InfomaniakConfig::from_env`]).
    ///
    /// # Errors
    /// `InvalidConfig` without credentials; `Unauthenticated` if Keystone refuses them;
    /// `Dispatch`/`Timeout` if Keystone cannot be reached.
    pub async fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::real()).await
    }

    /// Connects with the configuration of `env`.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub async fn from_env_with(env: &Env) -> Result<Self> {
        Self::connect(InfomaniakConfig::from_env_with(env)?).await
    }

    /// Connects with an application credential (the seed's `from_credentials`); `auth_url`
    /// defaults to Infomaniak's Keystone and `region` to `dc3-a`.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub async fn from_credentials(
        application_credential_id: &str,
        application_credential_secret: impl Into<SecretString>,
        auth_url: Option<&str>,
        region: Option<&str>,
    ) -> Result<Self> {
        let config = InfomaniakConfig::application_credential(
            auth_url.unwrap_or(crate::DEFAULT_AUTH_URL),
            application_credential_id,
            application_credential_secret,
        )
        .with_region(Some(region.unwrap_or(crate::DEFAULT_REGION).to_owned()));
        Self::connect(config).await
    }

    /// Authenticates with `config`.
    ///
    /// # Errors
    /// `Unauthenticated` if Keystone refuses the credentials; `InvalidConfig` if the region is
    /// not in the catalog; `Dispatch`/`Timeout` if Keystone cannot be reached.
    pub async fn connect(config: InfomaniakConfig) -> Result<Self> {
        anchor_auth_plugins();
        let cloud = config.to_cloud_config();
        let os = AsyncOpenStack::builder(&cloud)
            .disable_auth_cache(true)
            .connect()
            .await
            .map_err(|e| error::from_openstack(e, "connect"))
            .map_err(|e| with_context(e, &config))?;
        let info = os
            .get_auth_info()
            .ok_or_else(|| Error::new(ErrorKind::ResponseInvalid, "Keystone returned no token information"))?;
        let regions: Vec<String> = {
            let mut found: Vec<String> = info
                .token
                .catalog
                .iter()
                .flatten()
                .flat_map(|service| service.endpoints.iter().filter_map(|e| e.region.clone()))
                .collect();
            found.sort();
            found.dedup();
            found
        };
        if let Some(region) = config.region()
            && !regions.is_empty()
            && !regions.iter().any(|r| r == region)
        {
            return Err(Error::invalid_config(format!(
                "region {region:?} is not in the service catalog, which has {regions:?}"
            ))
            .with_provider(PROVIDER)
            .with_operation("connect"));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| error::from_reqwest(e, "connect"))?;
        let project_id =
            info.token.project.as_ref().and_then(|p| p.id.clone()).or_else(|| config.project_id().map(str::to_owned));
        let roles = info.token.roles.iter().flatten().map(|r| (r.id.clone(), r.name.clone())).collect();
        Ok(Self {
            inner: Arc::new(Inner { os, http, config, user_id: info.token.user.id, project_id, roles, regions }),
        })
    }

    /// The compute (Nova + Glance) client of this session.
    pub fn compute(&self) -> ComputeClient {
        ComputeClient::new(self.clone())
    }

    /// The identity (Keystone) client of this session.
    pub fn identity(&self) -> IdentityClient {
        IdentityClient::new(self.clone())
    }

    /// The block storage (Cinder) client of this session.
    pub fn block_storage(&self) -> BlockStorageClient {
        BlockStorageClient::new(self.clone())
    }

    /// The object storage (Swift) client of this session.
    pub fn swift(&self) -> SwiftClient {
        SwiftClient::new(self.clone())
    }

    /// The resource view of this session: servers, volumes and containers as a
    /// [`cloud_core::CloudClient`].
    pub fn resources(&self) -> InfomaniakResources {
        InfomaniakResources::new(self)
    }

    /// The authenticated user's id.
    pub fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    /// The project the token is scoped to.
    pub fn project_id(&self) -> Option<&str> {
        self.inner.project_id.as_deref()
    }

    /// The region endpoints are chosen in, if one is configured.
    pub fn region(&self) -> Option<&str> {
        self.inner.config.region()
    }

    /// The configuration this session was made from.
    pub fn config(&self) -> &InfomaniakConfig {
        &self.inner.config
    }

    /// The regions of the service catalog.
    pub fn available_regions(&self) -> Vec<String> {
        self.inner.regions.clone()
    }

    /// The roles of the token on its project, as `(id, name)`.
    pub fn roles(&self) -> &[(String, String)] {
        &self.inner.roles
    }

    /// The base URL of a service in this session's region (from the catalog).
    ///
    /// # Errors
    /// `InvalidConfig` if the catalog has no such service in the region.
    pub async fn endpoint(&self, service: &str) -> Result<Url> {
        let service = service_type(service);
        let version = default_version(&service);
        let ep = self
            .inner
            .os
            .get_service_endpoint(&service, version.as_ref())
            .await
            .map_err(|e| error::from_api(e, "endpoint"))?;
        Ok(ep.url().clone())
    }

    /// The current token, for the crate's own HTTP calls.
    pub(crate) fn token(&self) -> Result<SecretString> {
        use secrecy::ExposeSecret;
        self.inner
            .os
            .get_auth_token()
            .map(|t| SecretString::new(t.expose_secret()))
            .ok_or_else(|| Error::new(ErrorKind::Unauthenticated, "the session holds no token").with_provider(PROVIDER))
    }

    /// Authenticates again (after a `401` on the crate's own HTTP calls).
    pub(crate) async fn reauthenticate(&self) -> Result<()> {
        self.inner.os.authorize(None, false, true).await.map_err(|e| error::from_openstack(e, "reauthenticate"))
    }

    /// Re-authenticates now if the token expires within two minutes (before a streamed upload,
    /// which cannot be replayed after a `401`).
    pub(crate) async fn ensure_fresh_token(&self) -> Result<()> {
        use openstack_sdk::auth::AuthState;
        match self.inner.os.get_auth_state(Some(chrono::TimeDelta::minutes(2))) {
            Some(AuthState::Valid) => Ok(()),
            _ => self.reauthenticate().await,
        }
    }

    /// The crate's own HTTP client (Swift's data plane, where bodies stream).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// A request to `service` (`compute`, `identity`, `block-storage`, `image`, `object-store` …).
    pub(crate) fn request(&self, service: ServiceType, method: Method, path: impl Into<String>) -> Call<'_> {
        Call {
            session: self,
            service,
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            operation: "request",
        }
    }
}

/// Keeps the auth plugins we use linked in: `openstack_sdk` finds them through `inventory`, and
/// its own anchors are missing from the published 0.22.8 (its build script does not understand
/// the normalised manifest), so without these references the linker drops them and Keystone
/// authentication fails with "AuthType … is not a supported type".
fn anchor_auth_plugins() {
    std::hint::black_box(&openstack_sdk_auth_applicationcredential::ANCHOR);
    std::hint::black_box(&openstack_sdk_auth_password::ANCHOR);
    std::hint::black_box(&openstack_sdk_auth_token::ANCHOR);
}

fn with_context(error: Error, config: &InfomaniakConfig) -> Error {
    let message = format!("{} (connecting to {})", error.message(), config.describe());
    let kind = error.kind();
    let status = error.http_status();
    let mut out = Error::new(kind, message).with_provider(PROVIDER).with_operation("connect");
    if let Some(s) = status {
        out = out.with_http_status(s);
    }
    out.with_source(error)
}

fn service_type(name: &str) -> ServiceType {
    match name {
        "compute" => ServiceType::Compute,
        "identity" => ServiceType::Identity,
        "image" => ServiceType::Image,
        "block-storage" | "volume" | "volumev3" => ServiceType::BlockStorage,
        "object-store" | "swift" => ServiceType::ObjectStore,
        "network" => ServiceType::Network,
        "dns" => ServiceType::Dns,
        "load-balancer" => ServiceType::LoadBalancer,
        other => ServiceType::Other(other.to_owned()),
    }
}

/// Keystone is discovered at connect time, so its v3 endpoint is asked for by version; every
/// other service is taken from the catalog as it stands.
fn default_version(service: &ServiceType) -> Option<ApiVersion> {
    matches!(service, ServiceType::Identity).then(|| ApiVersion::new(3, 0))
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub(crate) fn encode_segment(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Percent-encodes a path whose `/` separators are kept (a Swift object name).
pub(crate) fn encode_path(path: &str) -> String {
    path.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// One request, built then sent through the session (which adds the token and re-authenticates
/// on `401`).
pub(crate) struct Call<'a> {
    session: &'a InfomaniakCloud,
    service: ServiceType,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<(&'static str, Vec<u8>)>,
    operation: &'static str,
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    operation: &'static str,
}

/// An answer from its parts (for the crate's own HTTP calls).
pub(crate) fn answer(status: u16, headers: HeaderMap, body: Bytes, operation: &'static str) -> Answer {
    Answer { status, headers, body, operation }
}

impl Answer {
    /// The body as JSON.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(ErrorKind::ResponseInvalid, format!("unexpected answer: {e}"))
                .with_provider(PROVIDER)
                .with_operation(self.operation)
                .with_http_status(self.status)
                .with_source(e)
        })
    }

    /// One header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Call<'_> {
    /// Names the operation in errors.
    pub(crate) fn op(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    /// Adds a query parameter if `value` is set.
    pub(crate) fn query_opt(self, key: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Result<Self> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| Error::invalid_input(format!("bad header name {name:?}: {e}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| Error::invalid_input(format!("bad value for header {name}: {e}")))?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// Sets a JSON body.
    pub(crate) fn json(mut self, body: &serde_json::Value) -> Self {
        self.body = Some(("application/json", body.to_string().into_bytes()));
        self
    }

    /// Sets a raw body.
    pub(crate) fn body(mut self, content_type: &'static str, body: Vec<u8>) -> Self {
        self.body = Some((content_type, body));
        self
    }

    /// Sends the request; a non-success status is an error carrying OpenStack's message.
    pub(crate) async fn send(self) -> Result<Answer> {
        let operation = self.operation;
        let answer = self.send_unchecked().await?;
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(error::from_response(answer.status, &answer.headers, &answer.body, operation))
        }
    }

    /// Sends the request and returns the answer whatever its status. Idempotent requests that
    /// got no answer (a connection closed under them) are retried with backoff.
    pub(crate) async fn send_unchecked(self) -> Result<Answer> {
        let safety = RequestSafety::for_method(self.method.as_str());
        let this = &self;
        retry(&RetryConfig::default(), safety, || this.send_once()).await
    }

    async fn send_once(&self) -> Result<Answer> {
        let os = &self.session.inner.os;
        let version = default_version(&self.service);
        let ep = os
            .get_service_endpoint(&self.service, version.as_ref())
            .await
            .map_err(|e| error::from_api(e, self.operation))?;
        let mut url = ep.build_request_url(&self.path).map_err(|e| {
            Error::new(ErrorKind::Construction, format!("bad URL for {}: {e}", self.path))
                .with_provider(PROVIDER)
                .with_operation(self.operation)
        })?;
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.query {
                pairs.append_pair(k, v);
            }
        }
        let mut request = http::Request::builder().method(self.method.clone()).uri(url.as_str());
        let has_content_type = self.headers.contains_key(http::header::CONTENT_TYPE);
        if let Some(headers) = request.headers_mut() {
            headers.insert(http::header::ACCEPT, HeaderValue::from_static("application/json"));
            headers.extend(self.headers.clone());
        }
        let body = match &self.body {
            Some((content_type, body)) => {
                if !has_content_type {
                    request = request.header(http::header::CONTENT_TYPE, *content_type);
                }
                body.clone()
            }
            None => Vec::new(),
        };
        tracing::debug!(operation = self.operation, url = %redact_query(&url), "openstack request");
        let response = os.rest_async(request, body).await.map_err(|e| error::from_api(e, self.operation))?;
        let (parts, body) = response.into_parts();
        Ok(Answer { status: parts.status.as_u16(), headers: parts.headers, body, operation: self.operation })
    }
}

/// The URL without its query (which may hold a TempURL signature), for logs.
fn redact_query(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_but_slashes_kept() {
        assert_eq!(encode_path("a b/c?d#e%f"), "a%20b/c%3Fd%23e%25f");
        assert_eq!(encode_path("été/x:y"), "%C3%A9t%C3%A9/x%3Ay");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
        assert_eq!(encode_segment("Key-1.txt_~"), "Key-1.txt_~");
    }

    #[test]
    fn service_names_map_to_catalog_types() {
        assert_eq!(service_type("volumev3"), ServiceType::BlockStorage);
        assert_eq!(service_type("swift"), ServiceType::ObjectStore);
        assert_eq!(service_type("orchestration"), ServiceType::Other("orchestration".into()));
        assert!(default_version(&ServiceType::Identity).is_some());
        assert!(default_version(&ServiceType::Compute).is_none());
    }
}
