//! [`InfomaniakCloud`]: one authenticated session, shared by every service client, and the one
//! request path every OpenStack call takes ([`Call`], on [`cloud_core::http`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use cloud_core::http::{HttpClient, Method, Response};
use cloud_core::storage::ByteStream;
use cloud_core::{CloudProvider, Env, Error, ErrorKind, Result, SecretString};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex as AsyncMutex;
use url::Url;

use crate::auth::{self, CatalogService, TokenAuth};
use crate::config::InfomaniakConfig;
use crate::error::{self, PROVIDER};
use crate::{
    CinderClient, CloudKittyClient, DesignateClient, HeatClient, InfomaniakResources, KeystoneClient, MeteringClient,
    NeutronClient, NovaClient, OctaviaClient, SwiftClient,
};

/// An OpenStack service, by catalog type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Service {
    Identity,
    Compute,
    Image,
    BlockStorage,
    ObjectStore,
    Network,
    LoadBalancer,
    Dns,
    Orchestration,
    Rating,
}

impl Service {
    /// The catalog types of this service, preferred first.
    fn catalog_types(self) -> &'static [&'static str] {
        match self {
            Self::Identity => &["identity"],
            Self::Compute => &["compute"],
            Self::Image => &["image"],
            Self::BlockStorage => &["block-storage", "volumev3", "volume"],
            Self::ObjectStore => &["object-store"],
            Self::Network => &["network"],
            Self::LoadBalancer => &["load-balancer"],
            Self::Dns => &["dns"],
            Self::Orchestration => &["orchestration"],
            Self::Rating => &["rating"],
        }
    }

    /// The service of a catalog type or common alias.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "identity" => Self::Identity,
            "compute" => Self::Compute,
            "image" => Self::Image,
            "block-storage" | "volume" | "volumev3" => Self::BlockStorage,
            "object-store" | "swift" => Self::ObjectStore,
            "network" => Self::Network,
            "load-balancer" => Self::LoadBalancer,
            "dns" => Self::Dns,
            "orchestration" => Self::Orchestration,
            "rating" => Self::Rating,
            _ => return None,
        })
    }
}

/// An authenticated session with an OpenStack cloud (Infomaniak's by default).
///
/// Connecting authenticates once with Keystone (application credential, password or token);
/// endpoints come from the token's service catalog, filtered by region and interface. Every call
/// of every service client goes through one request path: connect, header and idle-body
/// timeouts ([`InfomaniakConfig::with_read_timeout`]); retries of what is safe to retry (including
/// `429` and `503`, after `Retry-After`); the token only to the origin of its catalog endpoint
/// (never followed across a redirect to another host, and over plain `http` only on loopback or
/// with [`InfomaniakConfig::with_allow_http`]); a `401` re-authenticates once and sends again;
/// request headers are never logged. Identifiers are checked before they become part of a URL.
///
/// Cloning is cheap and every clone, and every service client made from it
/// ([`nova`](Self::nova), [`keystone`](Self::keystone), [`cinder`](Self::cinder),
/// [`neutron`](Self::neutron), [`octavia`](Self::octavia), [`designate`](Self::designate),
/// [`heat`](Self::heat), [`metering`](Self::metering), [`cloudkitty`](Self::cloudkitty),
/// [`swift`](Self::swift),
/// [`resources`](Self::resources)), shares the one token.
#[derive(Clone)]
pub struct InfomaniakCloud {
    inner: Arc<Inner>,
}

struct Inner {
    config: InfomaniakConfig,
    keystone: HttpClient,
    token: TokenAuth,
    user_id: String,
    project_id: Option<String>,
    roles: Vec<(String, String)>,
    catalog: Mutex<Arc<Vec<CatalogService>>>,
    reauth: AsyncMutex<()>,
    /// One client per service, and per plane: the data plane (Swift object bodies) has no
    /// whole-call timeout, since a transfer may last long; the idle timeout bounds its stalls.
    clients: Mutex<HashMap<(Service, Plane), HttpClient>>,
}

/// Whether a call moves object data (no whole-call timeout) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Plane {
    Control,
    Data,
}

impl fmt::Debug for InfomaniakCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfomaniakCloud")
            .field("auth_url", &self.inner.config.auth_url())
            .field("region", &self.inner.config.region())
            .field("user_id", &self.user_id())
            .field("project_id", &self.project_id())
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

    /// Connects with an application credential (compatibility name `from_credentials`);
    /// `auth_url` defaults to Infomaniak's Keystone and `region` to `dc3-a`.
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
    /// `InvalidConfig` for an auth URL that is not `https` (unless on loopback or allowed), or a
    /// region not in the catalog; `Unauthenticated` if Keystone refuses the credentials;
    /// `Dispatch`/`Timeout` if Keystone cannot be reached.
    pub async fn connect(config: InfomaniakConfig) -> Result<Self> {
        let auth_url = keystone_base(&config)?;
        let keystone = service_client(&config, auth_url, None, Plane::Control)?;
        let issued =
            auth::issue(&keystone, config.auth(), config.project_id()).await.map_err(|e| with_context(e, &config))?;
        let regions = auth::regions(&issued.catalog);
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
        let token = TokenAuth::default();
        token.set(issued.token, issued.expires_at);
        let keystone = service_client(&config, keystone.base_url().clone(), Some(token.clone()), Plane::Control)?;
        let project_id = issued.project_id.or_else(|| config.project_id().map(str::to_owned));
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                keystone,
                token,
                user_id: issued.user_id,
                project_id,
                roles: issued.roles,
                catalog: Mutex::new(Arc::new(issued.catalog)),
                reauth: AsyncMutex::new(()),
                clients: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The compute client (Nova, with Glance images) of this session.
    pub fn nova(&self) -> NovaClient {
        NovaClient::new(self.clone())
    }

    /// The identity client (Keystone) of this session.
    pub fn keystone(&self) -> KeystoneClient {
        KeystoneClient::new(self.clone())
    }

    /// The block storage client (Cinder) of this session.
    pub fn cinder(&self) -> CinderClient {
        CinderClient::new(self.clone())
    }

    /// The network client (Neutron) of this session.
    pub fn neutron(&self) -> NeutronClient {
        NeutronClient::new(self.clone())
    }

    /// The load balancer client (Octavia) of this session.
    pub fn octavia(&self) -> OctaviaClient {
        OctaviaClient::new(self.clone())
    }

    /// The DNS client (Designate) of this session.
    pub fn designate(&self) -> DesignateClient {
        DesignateClient::new(self.clone())
    }

    /// The orchestration client (Heat) of this session.
    pub fn heat(&self) -> HeatClient {
        HeatClient::new(self.clone())
    }

    /// The quota and usage client (Nova, Cinder, Neutron, Swift) of this session.
    pub fn metering(&self) -> MeteringClient {
        MeteringClient::new(self.clone())
    }

    /// The rating and billing client (CloudKitty) of this session.
    pub fn cloudkitty(&self) -> CloudKittyClient {
        CloudKittyClient::new(self.clone())
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

    fn catalog(&self) -> Arc<Vec<CatalogService>> {
        self.inner.catalog.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
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
        auth::regions(&self.catalog())
    }

    /// The roles of the token on its project, as `(id, name)`.
    pub fn roles(&self) -> &[(String, String)] {
        &self.inner.roles
    }

    /// Whether the catalog has `service` (a catalog type such as `network` or `load-balancer`) in
    /// this session's region and interface.
    pub fn has_service(&self, service: &str) -> bool {
        let config = &self.inner.config;
        auth::find_endpoint(&self.catalog(), &[service], config.interface(), config.region()).is_some()
    }

    /// The base URL of a service in this session's region (from the catalog).
    ///
    /// # Errors
    /// `InvalidConfig` if the catalog has no such service in the region, or its URL is plain
    /// `http` on another host than loopback without [`InfomaniakConfig::with_allow_http`].
    #[allow(clippy::unused_async, reason = "kept async: finding an endpoint may need Keystone")]
    pub async fn endpoint(&self, service: &str) -> Result<Url> {
        let kinds: Vec<&str> = match Service::parse(service) {
            Some(known) => known.catalog_types().to_vec(),
            None => vec![service],
        };
        self.catalog_url(&kinds, service)
    }

    fn catalog_url(&self, kinds: &[&str], name: &str) -> Result<Url> {
        let config = &self.inner.config;
        if kinds == ["identity"] {
            return Ok(self.inner.keystone.base_url().clone());
        }
        let found = auth::find_endpoint(&self.catalog(), kinds, config.interface(), config.region()).map(str::to_owned);
        let url = found.ok_or_else(|| {
            Error::invalid_config(format!(
                "the service catalog has no {name} endpoint (interface {}, region {})",
                config.interface(),
                config.region().unwrap_or("any")
            ))
            .with_provider(PROVIDER)
        })?;
        let url = Url::parse(&url).map_err(|e| {
            Error::new(ErrorKind::ResponseInvalid, format!("the catalog's {name} URL {url:?} is not valid: {e}"))
                .with_provider(PROVIDER)
        })?;
        check_scheme(&url, config)?;
        Ok(url)
    }

    /// The HTTP client of one service and plane (made on first use, then shared).
    fn client(&self, service: Service, plane: Plane) -> Result<HttpClient> {
        if service == Service::Identity {
            return Ok(self.inner.keystone.clone());
        }
        let mut clients = self.inner.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = clients.get(&(service, plane)) {
            return Ok(client.clone());
        }
        let base = self.catalog_url(service.catalog_types(), service.catalog_types()[0])?;
        let client = service_client(&self.inner.config, base, Some(self.inner.token.clone()), plane)?;
        clients.insert((service, plane), client.clone());
        Ok(client)
    }

    /// Authenticates again (after a `401`): one new token for every client of the session.
    pub(crate) async fn reauthenticate(&self) -> Result<()> {
        let stale = self.inner.token.get();
        let _guard = self.inner.reauth.lock().await;
        // Another call re-authenticated while this one waited.
        if self.inner.token.get().map(|t| t.expose().to_owned()) != stale.map(|t| t.expose().to_owned()) {
            return Ok(());
        }
        let config = &self.inner.config;
        let keystone = service_client(config, self.inner.keystone.base_url().clone(), None, Plane::Control)?;
        let issued = auth::issue(&keystone, config.auth(), config.project_id()).await?;
        self.inner.token.set(issued.token, issued.expires_at);
        *self.inner.catalog.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(issued.catalog);
        Ok(())
    }

    /// Re-authenticates now if the token expires within two minutes (before a streamed upload,
    /// which cannot be replayed after a `401`).
    pub(crate) async fn ensure_fresh_token(&self) -> Result<()> {
        if self.inner.token.expires_within(chrono::TimeDelta::minutes(2)) {
            self.reauthenticate().await
        } else {
            Ok(())
        }
    }

    /// A request to `service` at `path` below its catalog URL.
    pub(crate) fn request(&self, service: Service, method: Method, path: impl Into<String>) -> Call<'_> {
        Call {
            session: self,
            service,
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Body::None,
            operation: "request",
            plane: Plane::Control,
        }
    }
}

/// Keystone's v3 root from the configured auth URL (`…/v3` is appended when missing).
fn keystone_base(config: &InfomaniakConfig) -> Result<Url> {
    let text = config.auth_url().trim_end_matches('/');
    let text = if text.ends_with("/v3") { text.to_owned() } else { format!("{text}/v3") };
    let url = Url::parse(&text).map_err(|e| {
        Error::invalid_config(format!("the auth URL {:?} is not valid: {e}", config.auth_url())).with_provider(PROVIDER)
    })?;
    check_scheme(&url, config)?;
    Ok(url)
}

/// Refuses plain `http` unless the host is loopback or the configuration allows it: tokens and
/// secrets would cross the network unencrypted.
fn check_scheme(url: &Url, config: &InfomaniakConfig) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if config.allow_http() || is_loopback(url) => Ok(()),
        "http" => Err(Error::invalid_config(format!(
            "{url} is plain http: credentials and tokens would travel unencrypted; use https, or allow it \
             explicitly with InfomaniakConfig::with_allow_http"
        ))
        .with_provider(PROVIDER)),
        other => Err(Error::invalid_config(format!("{url}: unsupported scheme {other:?}")).with_provider(PROVIDER)),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A `cloud_core` client for one service: the session's timeouts (the whole-call timeout on the
/// control plane only), OpenStack's error mapping, and the token (only to `base`'s origin).
fn service_client(config: &InfomaniakConfig, base: Url, token: Option<TokenAuth>, plane: Plane) -> Result<HttpClient> {
    let builder = HttpClient::builder(CloudProvider::Infomaniak, base)
        .with_user_agent(concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")))
        .with_connect_timeout(config.connect_timeout())
        .with_read_timeout(config.read_timeout())
        .with_error_refiner(error::refine);
    let mut builder = match plane {
        Plane::Control => builder.with_timeout(config.request_timeout()),
        Plane::Data => builder.without_timeout(),
    };
    if let Some(token) = token {
        builder = builder.with_auth(token);
    }
    builder.build()
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

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub(crate) fn encode_segment(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Percent-encodes a path whose `/` separators are kept (a Swift object name).
pub(crate) fn encode_path(path: &str) -> String {
    path.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

/// One OpenStack id (or name) as a path segment: `InvalidInput` for an empty id, `.` or `..`
/// (which URL resolution would turn into another endpoint), or one with control characters.
pub(crate) fn id_segment(what: &str, id: &str) -> Result<String> {
    if id.is_empty() || id == "." || id == ".." || id.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!("{id:?} is not a valid {what}")).with_provider(PROVIDER));
    }
    Ok(encode_segment(id))
}

const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// One request, built then sent through the session's one request path.
pub(crate) struct Call<'a> {
    session: &'a InfomaniakCloud,
    service: Service,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Body,
    operation: &'static str,
    plane: Plane,
}

/// The body of a [`Call`].
enum Body {
    None,
    /// In memory, with its content type: replayable, so retried under the core rules.
    Bytes(&'static str, Bytes),
    /// A stream of `length` bytes (or of unknown length), sent once.
    Stream(Option<ByteStream>, Option<u64>),
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    operation: &'static str,
    /// The error a non-success answer means (its body read up to the core bound, not kept).
    error: Option<Error>,
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
    /// Names the operation in errors and traces.
    pub(crate) fn operation(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// Sends on the data plane: no whole-call timeout (an object transfer may last long), the
    /// connect and idle timeouts still apply.
    pub(crate) fn data_plane(mut self) -> Self {
        self.plane = Plane::Data;
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

    /// Adds a header; headers that carry keys (`…-key`, `…-token`) are marked sensitive.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Result<Self> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| Error::invalid_input(format!("bad header name {name:?}: {e}")))?;
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_input(format!("the value for header {name} is not a valid header value")))?;
        let lower = name.as_str();
        if lower.ends_with("-key") || lower.ends_with("-key-2") || lower.contains("token") {
            value.set_sensitive(true);
        }
        self.headers.append(name, value);
        Ok(self)
    }

    /// Sets a JSON body.
    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Self {
        self.body =
            Body::Bytes("application/json", Bytes::from(serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec())));
        self
    }

    /// Sets a raw body.
    pub(crate) fn body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        self.body = Body::Bytes(content_type, body.into());
        self
    }

    /// Sets a streamed body of `length` bytes (`None`: chunked). It is sent once: no retry, and
    /// after a `401` the session re-authenticates but the call fails (the caller sends again).
    pub(crate) fn body_stream(mut self, body: ByteStream, length: Option<u64>) -> Self {
        self.body = Body::Stream(Some(body), length);
        self
    }

    /// Sends the request; a non-success status is an error carrying OpenStack's message.
    pub(crate) async fn send(self) -> Result<Answer> {
        let operation = self.operation;
        let response = self.run(true).await?;
        Answer::read(response, operation).await
    }

    /// Sends the request and returns the answer whatever its status.
    pub(crate) async fn send_unchecked(self) -> Result<Answer> {
        let operation = self.operation;
        let response = self.run(false).await?;
        Answer::read(response, operation).await
    }

    /// Sends the request and returns the successful answer with its body unread, for streaming
    /// it; a non-success status is an error (its body read up to the core bound).
    pub(crate) async fn send_streaming(self) -> Result<Response> {
        self.run(true).await
    }

    async fn run(mut self, check_status: bool) -> Result<Response> {
        let first = self.send_once(check_status).await;
        match first {
            Err(e) if e.http_status() == Some(401) => {
                self.session.reauthenticate().await?;
                if matches!(self.body, Body::Stream(..)) {
                    // The stream is spent: the caller decides whether to send it again.
                    return Err(e);
                }
            }
            Ok(response) if response.status().as_u16() == 401 && !matches!(self.body, Body::Stream(..)) => {
                self.session.reauthenticate().await?;
            }
            other => return other,
        }
        self.send_once(check_status).await
    }

    async fn send_once(&mut self, check_status: bool) -> Result<Response> {
        let operation = self.operation;
        let context = |e: Error| if e.operation().is_none() { e.with_operation(operation) } else { e };
        check_path(&self.path).map_err(context)?;
        let client = self.session.client(self.service, self.plane).map_err(context)?;
        let mut request = client.request(self.method.clone(), &self.path).operation(operation);
        if !self.query.is_empty() {
            request = request.query(&self.query);
        }
        let mut headers = self.headers.clone();
        headers.entry(http::header::ACCEPT).or_insert(HeaderValue::from_static("application/json"));
        match &mut self.body {
            Body::None => {}
            Body::Bytes(content_type, body) => {
                headers.entry(http::header::CONTENT_TYPE).or_insert(HeaderValue::from_static(content_type));
                request = request.body(body.clone());
            }
            Body::Stream(stream, length) => {
                let stream = stream.take().ok_or_else(|| {
                    context(
                        Error::new(ErrorKind::Construction, "a streamed body is sent only once")
                            .with_provider(PROVIDER),
                    )
                })?;
                request = request.body_stream(stream, *length);
            }
        }
        request = request.headers(headers);
        if check_status { request.send().await } else { request.send_raw().await }
    }
}

impl Answer {
    /// Reads the body of a successful response; of another, only the error it means.
    async fn read(response: Response, operation: &'static str) -> Result<Self> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if response.status().is_success() {
            let body = response.bytes().await?;
            Ok(Self { status, headers, body, operation, error: None })
        } else {
            let error = Some(response.into_error().await);
            Ok(Self { status, headers, body: Bytes::new(), operation, error })
        }
    }

    /// The error a non-success answer (of [`Call::send_unchecked`]) means.
    pub(crate) fn into_error(self) -> Error {
        self.error.unwrap_or_else(|| {
            Error::new(ErrorKind::ResponseInvalid, format!("unexpected status {}", self.status))
                .with_provider(PROVIDER)
                .with_operation(self.operation)
                .with_http_status(self.status)
        })
    }
}

/// Refuses a path with an empty, `.` or `..` segment (also percent-encoded): URL resolution would
/// send the request to another endpoint.
fn check_path(path: &str) -> Result<()> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    for segment in path.split('/').skip_while(|s| s.is_empty()) {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        if decoded == "." || decoded == ".." {
            return Err(Error::invalid_input(format!("the request path {path:?} has a {decoded:?} segment"))
                .with_provider(PROVIDER));
        }
    }
    Ok(())
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
    fn dot_ids_are_invalid_input() {
        for bad in ["", ".", "..", "a\nb"] {
            assert_eq!(id_segment("server id", bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
        assert_eq!(id_segment("server id", "a/b").unwrap(), "a%2Fb");
        for bad in ["users/..", "servers/%2e%2E", "./x", "a/./b?x=1"] {
            assert_eq!(check_path(bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad}");
        }
        for good in ["", "servers/detail", "v2.0/networks", "a..b/.x", "x?marker=.."] {
            check_path(good).unwrap();
        }
    }

    #[test]
    fn service_names_map_to_catalog_types() {
        assert_eq!(Service::parse("volumev3"), Some(Service::BlockStorage));
        assert_eq!(Service::parse("swift"), Some(Service::ObjectStore));
        assert_eq!(Service::parse("orchestration"), Some(Service::Orchestration));
        assert_eq!(Service::parse("metering"), None);
        assert_eq!(Service::LoadBalancer.catalog_types(), ["load-balancer"]);
    }

    #[test]
    fn plain_http_needs_loopback_or_an_opt_in() {
        let config =
            InfomaniakConfig::application_credential("http://keystone.example/v3", "id", "CANARYplaceholderSecret");
        assert_eq!(keystone_base(&config).unwrap_err().kind(), ErrorKind::InvalidConfig);
        let allowed = config.with_allow_http(true);
        assert_eq!(keystone_base(&allowed).unwrap().as_str(), "http://keystone.example/v3");
        let local = InfomaniakConfig::application_credential("http://127.0.0.1:5000", "id", "CANARYplaceholderSecret");
        assert_eq!(keystone_base(&local).unwrap().as_str(), "http://127.0.0.1:5000/v3");
        let https =
            InfomaniakConfig::application_credential("https://k.example/identity/v3/", "id", "CANARYplaceholderSecret");
        assert_eq!(keystone_base(&https).unwrap().as_str(), "https://k.example/identity/v3");
    }
}
