//! [`RequestBuilder`]: one call through an [`HttpClient`], with budgets, retry, auth and tracing.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use reqwest::header::{HeaderMap, RETRY_AFTER, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use super::client::HttpClient;
use super::error::{parse_retry_after, transport_error};
use super::response::{Response, ResponseContext};
use crate::retry::{self, NotSent, RequestSafety, RetryConfig};
use crate::{Error, ErrorKind, Result};

/// One request through an [`HttpClient`], built step by step and sent with one of the `send*`
/// methods.
///
/// Every `send*` call, per attempt: acquires the request's rate-limit [budgets](Self::budget),
/// applies the client's auth provider (same origin only), sends, and maps failures to
/// [`Error`]s; it retries under the client's [`RetryConfig`] (see [`crate::retry`]) and, on
/// `429 Too Many Requests`, first pauses the request's budgets (for the `Retry-After`, or for each
/// budget's window when the service gives none, never longer than the limiter's
/// [maximum pause](crate::rate_limit::RateLimiter::with_max_pause)); the wait for the budgets
/// counts against the request's timeout. The whole call runs in a `DEBUG` span
/// `http_request` with the fields `provider`, `operation`, `method` and `path`; neither the query
/// string nor any header or body is ever logged.
///
/// Building errors (an invalid path, header or JSON body) are reported by the `send*` call, as
/// `Construction` errors.
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    client: HttpClient,
    method: Method,
    builder: Result<reqwest::RequestBuilder>,
    budgets: Vec<Cow<'static, str>>,
    safety: Option<RequestSafety>,
    operation: Option<Cow<'static, str>>,
    retry: Option<RetryConfig>,
    sensitive_response: bool,
    /// Whether the body is a stream, which can be sent only once.
    streamed: bool,
}

impl RequestBuilder {
    pub(crate) fn new(client: HttpClient, method: Method, url: Result<Url>) -> Self {
        let builder = url.map(|url| {
            let shared = &client.shared;
            let mut builder = shared.inner.request(method.clone(), url);
            if let Some(timeout) = shared.timeout {
                builder = builder.timeout(timeout);
            }
            if shared.custom_transport {
                builder = builder.headers(shared.default_headers.clone()).header(USER_AGENT, shared.user_agent.clone());
            }
            builder
        });
        Self {
            client,
            method,
            builder,
            budgets: Vec::new(),
            safety: None,
            operation: None,
            retry: None,
            sensitive_response: false,
            streamed: false,
        }
    }

    fn map(mut self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        self.builder = self.builder.map(f);
        self
    }

    /// Adds query parameters, serialized with `serde_urlencoded` (a struct, a map, or a slice of
    /// pairs; `None` fields are skipped). Query values are never logged.
    pub fn query<T: Serialize + ?Sized>(self, query: &T) -> Self {
        self.map(|b| b.query(query))
    }

    /// Sets a JSON body (and `Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|b| b.json(body))
    }

    /// Sets a body. It is kept in memory so that the request can be retried.
    pub fn body(self, body: impl Into<Bytes>) -> Self {
        let body: Bytes = body.into();
        self.map(|b| b.body(body))
    }

    /// Sets a streamed body of `length` bytes (sent with `Content-Length`), or of unknown length
    /// (`None`: sent with `Transfer-Encoding: chunked`), for uploads too large to hold in memory.
    ///
    /// A stream is read once, so the request is attempted once: the client's retry policy does
    /// not apply (a caller that can produce the bytes again retries itself). An error of the
    /// stream aborts the request, which then fails as `Dispatch`; the caller holds the stream's own
    /// error. The `length` is announced, not checked: a stream that ends early fails the request,
    /// so check the count in the stream when the length comes from elsewhere.
    pub fn body_stream<S>(mut self, body: S, length: Option<u64>) -> Self
    where
        S: futures::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        self.streamed = true;
        self.map(|b| {
            let b = b.body(reqwest::Body::wrap_stream(body));
            match length {
                Some(n) => b.header(reqwest::header::CONTENT_LENGTH, n),
                None => b,
            }
        })
    }

    /// Adds a header. Not for secrets: those belong in the client's auth provider.
    pub fn header(self, name: &str, value: &str) -> Self {
        self.map(|b| b.header(name, value))
    }

    /// Adds headers.
    pub fn headers(self, headers: HeaderMap) -> Self {
        self.map(|b| b.headers(headers))
    }

    /// Sets this request's whole-request timeout (instead of the client's).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|b| b.timeout(timeout))
    }

    /// Counts the request against rate-limit budget `name` of the client's limiter; call it once
    /// per budget (a Coda doc-content write: `.budget("write").budget("doc_content")`).
    ///
    /// An unknown name makes the `send*` call fail with `InvalidConfig`. Without a limiter on the
    /// client, budgets are ignored.
    pub fn budget(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.budgets.push(name.into());
        self
    }

    /// Says whether repeating the request is harmless; by default it follows the method
    /// ([`RequestSafety::for_method`]: `GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS` are idempotent).
    /// A `POST` that only reads, or carries an idempotency key, may say `true`.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.safety = Some(RequestSafety::from(idempotent));
        self
    }

    /// Names the operation (`"list_docs"`) for errors and the tracing span; default `"METHOD /path"`.
    pub fn operation(mut self, operation: impl Into<Cow<'static, str>>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    /// Uses this retry policy instead of the client's (e.g. [`RetryConfig::disabled`]).
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Says that successful responses may hold secrets (new credentials, tokens), so an error
    /// decoding them must not quote the body.
    pub fn sensitive_response(mut self) -> Self {
        self.sensitive_response = true;
        self
    }

    /// Sends the request; any status other than 2xx is an error (see
    /// [`map_response_error`](super::map_response_error)).
    pub async fn send(self) -> Result<Response> {
        self.execute(true, |response| std::future::ready(Ok(response))).await
    }

    /// Sends the request and returns whatever status comes back; only failures to get a response
    /// are errors (and retried). A 429 still pauses the request's budgets. Map unwanted statuses
    /// with [`Response::into_error`].
    pub async fn send_raw(self) -> Result<Response> {
        self.execute(false, |response| std::future::ready(Ok(response))).await
    }

    /// Sends the request and decodes the 2xx body from JSON (an empty body reads as `null`, so
    /// `send_json::<()>()` accepts `204 No Content`). Reading the body is part of each
    /// attempt, so a body cut short is retried like a failed request; a body that does not decode
    /// is `ResponseInvalid` and is not retried.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        self.execute(true, Response::json::<T>).await
    }

    /// Sends the request and reads the whole 2xx body (retried like [`send_json`](Self::send_json)).
    pub async fn send_bytes(self) -> Result<Bytes> {
        self.execute(true, Response::bytes).await
    }

    async fn execute<T, F, Fut>(self, check_status: bool, finish: F) -> Result<T>
    where
        F: Fn(Response) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let (prepared, retry_config, safety) = self.prepare()?;
        let span = tracing::debug_span!(
            "http_request",
            provider = %prepared.context.provider,
            operation = %prepared.context.operation,
            method = %prepared.context.method,
            path = %prepared.request.url().path(),
        );
        let prepared = &prepared;
        let finish = &finish;
        async move {
            let result = retry::retry(&retry_config, safety, || async move {
                let response = prepared.attempt(check_status).await?;
                finish(response).await
            })
            .await;
            if let Err(error) = &result {
                tracing::debug!(kind = %error.kind(), status = error.http_status(), "request failed");
            }
            result
        }
        .instrument(span)
        .await
    }

    /// Builds the `reqwest` request and settles the policy of this call.
    fn prepare(self) -> Result<(Prepared, RetryConfig, RequestSafety)> {
        let shared = &self.client.shared;
        let provider = shared.provider;
        let request = self.builder.and_then(|b| b.build().map_err(transport_error)).map_err(|e| {
            let e = if e.provider().is_none() { e.with_provider(provider) } else { e };
            match &self.operation {
                Some(op) if e.operation().is_none() => e.with_operation(op.clone()),
                _ => e,
            }
        })?;
        let operation =
            self.operation.unwrap_or_else(|| Cow::Owned(format!("{} {}", self.method, request.url().path())));
        let authorize = request.url().origin() == shared.base_url.origin();
        let safety = self.safety.unwrap_or_else(|| RequestSafety::for_method(self.method.as_str()));
        let retry_config =
            if self.streamed { RetryConfig::disabled() } else { self.retry.unwrap_or_else(|| shared.retry.clone()) };
        let context = ResponseContext {
            provider,
            operation,
            method: self.method,
            refiner: shared.refiner,
            sensitive_body: self.sensitive_response,
        };
        let one_shot = std::sync::Mutex::new(None);
        let request = if self.streamed {
            // Keep a body-less copy for the span and the timeout; the streamed request goes once.
            let mut shadow = reqwest::Request::new(request.method().clone(), request.url().clone());
            *shadow.timeout_mut() = request.timeout().copied();
            *one_shot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(request);
            shadow
        } else {
            request
        };
        let prepared = Prepared {
            client: self.client,
            request,
            budgets: self.budgets,
            context,
            authorize,
            streamed: self.streamed,
            one_shot,
        };
        Ok((prepared, retry_config, safety))
    }
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the URL (its query may hold secrets) nor headers nor the body.
        f.debug_struct("RequestBuilder")
            .field("provider", &self.client.shared.provider)
            .field("method", &self.method)
            .field("operation", &self.operation)
            .field("budgets", &self.budgets)
            .field("safety", &self.safety)
            .finish_non_exhaustive()
    }
}

/// A built request, ready to be sent any number of times.
struct Prepared {
    client: HttpClient,
    request: reqwest::Request,
    budgets: Vec<Cow<'static, str>>,
    context: ResponseContext,
    /// Whether the request goes to the client's origin, so the auth provider applies.
    authorize: bool,
    /// Whether the body is a stream: then `one_shot` holds the request, and it goes only once.
    streamed: bool,
    one_shot: std::sync::Mutex<Option<reqwest::Request>>,
}

impl Prepared {
    /// One attempt: budgets, auth, send, status check.
    async fn attempt(&self, check_status: bool) -> Result<Response> {
        let shared = &self.client.shared;
        if let Some(limiter) = shared.limiter.as_ref().filter(|_| !self.budgets.is_empty()) {
            let names: Vec<&str> = self.budgets.iter().map(AsRef::as_ref).collect();
            // The wait for the budgets counts against the request's timeout, so a long pause
            // (after a 429) cannot hold the call past it. The request was not sent yet.
            let acquired = match self.request.timeout() {
                Some(&timeout) => {
                    tokio::time::timeout(timeout, limiter.acquire_all(&names)).await.unwrap_or_else(|_| {
                        Err(Error::new(
                            ErrorKind::Timeout,
                            format!("waited {timeout:?} for the rate limit and gave up before sending"),
                        )
                        .with_source(NotSent::new("rate-limit wait exceeded the request timeout")))
                    })
                }
                None => limiter.acquire_all(&names).await,
            };
            acquired.map_err(|e| self.context.contextualize(e))?;
        }
        let request = if self.streamed {
            self.one_shot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
        } else {
            self.request.try_clone()
        };
        let mut request = request.ok_or_else(|| {
            self.context.contextualize(Error::new(ErrorKind::Construction, "the request body cannot be replayed"))
        })?;
        if let Some(auth) = shared.auth.as_ref().filter(|_| self.authorize) {
            auth.apply(&mut request).await.map_err(|e| self.context.contextualize(e))?;
        }
        let response =
            shared.inner.execute(request).await.map_err(|e| self.context.contextualize(transport_error(e)))?;
        let status = response.status();
        tracing::debug!(status = status.as_u16(), "response received");
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, Utc::now()));
            self.penalize(retry_after);
        }
        let response = Response::new(response, self.context.clone());
        if check_status && !status.is_success() {
            return Err(response.into_error().await);
        }
        Ok(response)
    }

    /// Pauses this request's budgets after a 429: for `retry_after`, or each budget's window.
    fn penalize(&self, retry_after: Option<Duration>) {
        let Some(limiter) = &self.client.shared.limiter else { return };
        for name in &self.budgets {
            if let Some(budget) = limiter.budget(name) {
                let pause = retry_after.unwrap_or_else(|| budget.per());
                // The name was acquired just before, so it exists.
                let _ = limiter.penalize(name, pause);
            }
        }
    }
}
