//! [`NewsletterClient`]: the handle every operation method hangs off, and the one request path
//! they share (rate budget, envelope check, error mapping).

use std::fmt;

use bytes::Bytes;
use cloud_core::http::{HttpClient, Method};
use cloud_core::rate_limit::RateLimiter;
use cloud_core::{Env, Error, ErrorKind, Result, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::builder::NewsletterBuilder;
use crate::error::ApiError;
use crate::listing::Listing;
use crate::operation::{Operation, RATE_LIMIT_BUDGET};

/// A client of Infomaniak's Newsletter API for one newsletter domain.
///
/// One method per operation of the API (see [`OPERATIONS`](crate::OPERATIONS)), named after its
/// `operationId` without the `Newsletter` prefix, in snake case (`NewsletterListCampaigns` →
/// [`list_campaigns`](Self::list_campaigns)); listings are streams, with a `*_page` method for one
/// page. Every call takes its turn in the budget of 60 requests per minute first, retries 429s
/// (honouring `Retry-After`), checks the answer's envelope and maps errors to
/// [`cloud_core::Error`] kinds (see the crate docs).
///
/// Cheap to clone; clones share the connection pool and the rate budget.
#[derive(Clone)]
pub struct NewsletterClient {
    http: HttpClient,
    domain: u64,
}

/// What `result` says about an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Success,
    Error,
    Asynchronous,
}

/// The envelope of every answer.
#[derive(Debug, Deserialize)]
struct Envelope {
    result: Option<Outcome>,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<ApiError>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    pages: Option<u64>,
    #[serde(default)]
    items_per_page: Option<u64>,
}

impl NewsletterClient {
    /// A builder.
    pub fn builder() -> NewsletterBuilder {
        NewsletterBuilder::new()
    }

    /// A client of the domain `domain_id` with `token` and every default.
    ///
    /// # Errors
    /// `InvalidConfig` for an empty token.
    pub fn new(token: impl Into<SecretString>, domain_id: u64) -> Result<Self> {
        NewsletterBuilder::new().with_token(token).with_domain_id(domain_id).build()
    }

    /// A client configured from the process environment (`INFOMANIAK_NEWSLETTER_TOKEN`,
    /// `INFOMANIAK_NEWSLETTER_ID`, optional `INFOMANIAK_NEWSLETTER_BASE_URL` and
    /// `INFOMANIAK_NEWSLETTER_TIMEOUT`); see [`NewsletterConfigKey`](crate::NewsletterConfigKey).
    ///
    /// # Errors
    /// `InvalidConfig` when the token or the domain id is unset or a variable does not parse.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::real())
    }

    /// A client configured from `env`, as [`from_env`](Self::from_env) does from the process.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_env_with(env: &Env) -> Result<Self> {
        NewsletterBuilder::from_env_with(env).build()
    }

    pub(crate) fn from_parts(http: HttpClient, domain: u64) -> Self {
        Self { http, domain }
    }

    /// The newsletter domain id every path is below (`/1/newsletters/{domain}/…`).
    pub fn domain(&self) -> u64 {
        self.domain
    }

    /// The base URL of the API.
    pub fn base_url(&self) -> &Url {
        self.http.base_url()
    }

    /// The rate limiter the client's requests take their turn in (`None` when turned off).
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.http.rate_limiter()
    }

    /// Sends one operation and returns the envelope's `data`.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        segments: &[&str],
        query: Vec<(String, String)>,
        body: Option<Bytes>,
    ) -> Result<T> {
        let envelope = self.send(op.id, op.method, segments, query, body).await?;
        decode(op.id, envelope.data)
    }

    /// Sends one page of a listing and returns its items with the pagination fields.
    pub(crate) async fn call_listing<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        segments: &[&str],
        query: Vec<(String, String)>,
        body: Option<Bytes>,
    ) -> Result<Listing<T>> {
        let envelope = self.send(op.id, op.method, segments, query, body).await?;
        let items: Option<Vec<T>> = decode(op.id, envelope.data)?;
        Ok(Listing::new(
            items.unwrap_or_default(),
            envelope.total,
            envelope.page,
            envelope.pages,
            envelope.items_per_page,
        ))
    }

    /// Sends a request below the API's root (`/1/async/tasks/{uuid}` …) and returns `data`.
    pub(crate) async fn call_path<T: DeserializeOwned>(&self, operation: &'static str, segments: &[&str]) -> Result<T> {
        let envelope = self.send(operation, "GET", segments, Vec::new(), None).await?;
        decode(operation, envelope.data)
    }

    async fn send(
        &self,
        operation: &'static str,
        method: &str,
        segments: &[&str],
        query: Vec<(String, String)>,
        body: Option<Bytes>,
    ) -> Result<Envelope> {
        if let Some(at) = segments.iter().position(|s| s.trim().is_empty()) {
            return Err(Error::invalid_input(format!("{operation}: path segment {at} is empty"))
                .with_provider(cloud_core::CloudProvider::Infomaniak)
                .with_operation(operation));
        }
        let method = match method {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            other => return Err(Error::new(ErrorKind::Unexpected, format!("unsupported method {other}"))),
        };
        let mut request = self.http.request_segments(method, segments).operation(operation).budget(RATE_LIMIT_BUDGET);
        if !query.is_empty() {
            request = request.query(&query);
        }
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body);
        }
        let response = request.send().await.map_err(crate::error::with_code)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::ResponseInvalid,
                format!("{operation}: the answer is not an Infomaniak envelope: {e}"),
            )
            .with_provider(cloud_core::CloudProvider::Infomaniak)
            .with_operation(operation)
            .with_http_status(status)
        })?;
        match (envelope.result, &envelope.error) {
            (Some(Outcome::Success | Outcome::Asynchronous), _) => Ok(envelope),
            (Some(Outcome::Error), Some(api)) => Err(crate::error::from_envelope(operation, status, &bytes, api)),
            (Some(Outcome::Error), None) => Err(Error::new(
                ErrorKind::Service,
                format!("{operation}: the answer says \"result\": \"error\" without an error"),
            )
            .with_provider(cloud_core::CloudProvider::Infomaniak)
            .with_operation(operation)
            .with_http_status(status)),
            (None, _) => Err(Error::new(
                ErrorKind::ResponseInvalid,
                format!("{operation}: the answer has no \"result\" (success, error or asynchronous)"),
            )
            .with_provider(cloud_core::CloudProvider::Infomaniak)
            .with_operation(operation)
            .with_http_status(status)),
        }
    }
}

/// Decodes an envelope's `data` (absent reads as `null`).
fn decode<T: DeserializeOwned>(operation: &'static str, data: Option<serde_json::Value>) -> Result<T> {
    serde_json::from_value(data.unwrap_or(serde_json::Value::Null)).map_err(|e| {
        Error::new(ErrorKind::ResponseInvalid, format!("{operation}: unexpected data in the answer: {e}"))
            .with_provider(cloud_core::CloudProvider::Infomaniak)
            .with_operation(operation)
    })
}

/// Serializes a request body.
pub(crate) fn json_body<T: Serialize + ?Sized>(body: &T) -> Result<Bytes> {
    serde_json::to_vec(body).map(Bytes::from).map_err(|e| {
        Error::new(ErrorKind::Construction, format!("could not encode the request body: {e}")).with_source(e)
    })
}

impl fmt::Debug for NewsletterClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewsletterClient").field("http", &self.http).field("domain", &self.domain).finish()
    }
}

impl fmt::Display for NewsletterClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NewsletterClient({}, domain {})", self.base_url().as_str().trim_end_matches('/'), self.domain)
    }
}
