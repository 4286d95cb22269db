//! [`CodaClient`]: the handle every operation method hangs off, and the one request path they share.

use std::fmt;

use bytes::Bytes;
use cloud_core::http::{HttpClient, Method};
use cloud_core::rate_limit::RateLimiter;
use cloud_core::{Env, Error, ErrorKind, Result, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::builder::CodaBuilder;
use crate::operation::Operation;

/// A client of the Coda API v1.
///
/// One method per operation of the API (see [`OPERATIONS`](crate::OPERATIONS)), named after its
/// `operationId` in snake case; listings are streams, with a `*_page` method for one page. Every
/// call acquires its [rate-limit budgets](crate::Budget) first, retries 429s (honouring
/// `Retry-After`) and maps error answers to [`cloud_core::Error`] kinds (see the crate docs).
///
/// Cheap to clone; clones share the connection pool and the rate-limit budgets.
#[derive(Clone)]
pub struct CodaClient {
    http: HttpClient,
    latest_doc_version: bool,
}

impl CodaClient {
    /// A builder.
    pub fn builder() -> CodaBuilder {
        CodaBuilder::new()
    }

    /// A client with `token` and every default.
    ///
    /// # Errors
    /// `InvalidConfig` for an empty token.
    pub fn new(token: impl Into<SecretString>) -> Result<Self> {
        CodaBuilder::new().with_token(token).build()
    }

    /// A client configured from the process environment (`CODA_API_TOKEN`, optional
    /// `CODA_BASE_URL`, `CODA_TIMEOUT`); see [`CodaConfigKey`](crate::CodaConfigKey).
    ///
    /// # Errors
    /// `InvalidConfig` when `CODA_API_TOKEN` is unset or a variable does not parse.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::real())
    }

    /// A client configured from `env`, as [`from_env`](Self::from_env) does from the process.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_env_with(env: &Env) -> Result<Self> {
        CodaBuilder::from_env_with(env).build()
    }

    pub(crate) fn from_parts(http: HttpClient, latest_doc_version: bool) -> Self {
        Self { http, latest_doc_version }
    }

    /// The base URL of the API.
    pub fn base_url(&self) -> &Url {
        self.http.base_url()
    }

    /// The rate limiter the client's requests acquire their budgets from (`None` when turned off).
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.http.rate_limiter()
    }

    /// Sends one operation: `segments` are the path's segments below the base URL (each
    /// percent-encoded by the HTTP layer, so a name holding `/` stays one segment).
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        segments: &[&str],
        query: Vec<(&'static str, String)>,
        body: Option<Bytes>,
    ) -> Result<T> {
        let method = match op.method {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            other => return Err(Error::new(ErrorKind::Unexpected, format!("unsupported method {other}"))),
        };
        let mut request = self.http.request_segments(method, segments).operation(op.id);
        if !query.is_empty() {
            request = request.query(&query);
        }
        for budget in op.budgets {
            request = request.budget(budget.as_str());
        }
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body);
        }
        if self.latest_doc_version && segments.first() == Some(&"docs") {
            request = request.header("X-Coda-Doc-Version", "latest");
        }
        request.send_json().await.map_err(crate::error::with_validation_details)
    }
}

/// Serializes a request body.
pub(crate) fn json_body<T: Serialize + ?Sized>(body: &T) -> Result<Bytes> {
    serde_json::to_vec(body).map(Bytes::from).map_err(|e| {
        Error::new(ErrorKind::Construction, format!("could not encode the request body: {e}")).with_source(e)
    })
}

impl fmt::Debug for CodaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodaClient")
            .field("http", &self.http)
            .field("latest_doc_version", &self.latest_doc_version)
            .finish()
    }
}

impl fmt::Display for CodaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodaClient({})", self.base_url().as_str().trim_end_matches('/'))
    }
}
