//! The thin `reqwest` layer shared by the REST provider crates (feature `http`).
//!
//! An [`HttpClient`] holds one service's base URL, auth ([`AuthProvider`], e.g. [`BearerToken`]),
//! [retry policy](crate::retry::RetryConfig), optional [rate limiter](crate::rate_limit::RateLimiter),
//! timeouts and default headers. Each call is a [`RequestBuilder`]:
//!
//! ```no_run
//! # async fn demo(client: cloud_core::http::HttpClient) -> cloud_core::Result<()> {
//! #[derive(serde::Deserialize)]
//! struct DocList { items: Vec<serde_json::Value> }
//! let docs: DocList = client
//!     .get("docs")
//!     .query(&[("limit", "10")])
//!     .budget("list_docs")
//!     .operation("list_docs")
//!     .send_json()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! What a call does, per attempt: acquire its rate-limit budgets, apply auth (only to the base
//! URL's origin), send, and turn failures into [`Error`](crate::Error)s; retry what is safe to
//! retry (see [`crate::retry`]); on 429, pause the budgets before retrying. All of it runs in a
//! `DEBUG` tracing span `http_request` (provider, operation, method, path), which never records a
//! query string, a header or a body.
//!
//! # Errors
//!
//! - Error answers are mapped in one function, [`map_response_error`]: [`kind_for_status`](crate::kind_for_status)
//!   (or the provider's [`ErrorRefiner`]), the body's message (JSON `message`, `error`,
//!   `error.message`, `detail`, `statusMessage` …, else a text excerpt of at most 1 KiB), the
//!   request id (one of [`REQUEST_ID_HEADERS`]) and `Retry-After` (seconds or HTTP date). The full
//!   body (up to 64 KiB) stays available as the error's source, an [`HttpErrorBody`]:
//!   `HttpErrorBody::of(&err)` or `err.source()?.downcast_ref::<HttpErrorBody>()`.
//! - No response: `Timeout`; `Dispatch` (connection refused: marked [`NotSent`](crate::retry::NotSent),
//!   so even a `POST` is retried; connection reset: the request may have been applied, so it is
//!   retried only if idempotent); `Construction` for requests that could not be built;
//!   `ResponseInvalid` for bodies that do not decode (with an excerpt of the body, unless the
//!   request is marked [`sensitive_response`](RequestBuilder::sensitive_response)).

mod auth;
mod client;
mod error;
mod request;
mod response;

pub use auth::{AuthProvider, BearerToken, HeaderSecret};
pub use client::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, HttpClient, HttpClientBuilder};
pub use error::{
    ErrorContext, ErrorRefiner, HttpErrorBody, MAX_ERROR_BODY, MAX_EXCERPT, REQUEST_ID_HEADERS, map_response_error,
    parse_retry_after, request_id,
};
pub use request::RequestBuilder;
pub use response::Response;

/// Re-exported so that providers name the same `reqwest` types as this layer.
pub use reqwest::{Method, StatusCode, header};
