//! [`Response`]: a `reqwest` response whose body readers return `cloud_core::Error`s.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::error::{
    ErrorContext, ErrorRefiner, HttpErrorBody, MAX_ERROR_BODY, excerpt, map_response_error, request_id, transport_error,
};
use crate::{CloudProvider, Error, ErrorKind, Result};

/// How many bytes of an undecodable body a `ResponseInvalid` message quotes.
const DECODE_EXCERPT: usize = 256;

/// What a response needs to build errors in its request's context.
#[derive(Debug, Clone)]
pub(crate) struct ResponseContext {
    pub(crate) provider: CloudProvider,
    pub(crate) operation: Cow<'static, str>,
    pub(crate) method: Method,
    pub(crate) refiner: Option<ErrorRefiner>,
    /// Whether success bodies may hold secrets, so decode errors must not quote them.
    pub(crate) sensitive_body: bool,
}

impl ResponseContext {
    /// Adds the provider and operation to an error that has none.
    pub(crate) fn contextualize(&self, mut error: Error) -> Error {
        if error.provider().is_none() {
            error = error.with_provider(self.provider);
        }
        if error.operation().is_none() {
            error = error.with_operation(self.operation.clone());
        }
        error
    }
}

/// An HTTP response. Reading the body consumes it; failures are `cloud_core::Error`s in the
/// request's context (provider, operation).
pub struct Response {
    inner: reqwest::Response,
    context: ResponseContext,
}

impl Response {
    pub(crate) fn new(inner: reqwest::Response, context: ResponseContext) -> Self {
        Self { inner, context }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The value of header `name`, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The service's request id (see [`REQUEST_ID_HEADERS`](super::REQUEST_ID_HEADERS)).
    pub fn request_id(&self) -> Option<&str> {
        request_id(self.inner.headers())
    }

    /// The body length announced by the service, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.inner.content_length()
    }

    /// The whole body.
    pub async fn bytes(self) -> Result<Bytes> {
        let context = self.context;
        self.inner.bytes().await.map_err(|e| context.contextualize(transport_error(e)))
    }

    /// The whole body as UTF-8 text; invalid UTF-8 is `ResponseInvalid`.
    pub async fn text(self) -> Result<String> {
        let context = self.context.clone();
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.into()).map_err(|e| {
            context.contextualize(Error::new(ErrorKind::ResponseInvalid, format!("the response is not UTF-8: {e}")))
        })
    }

    /// The body decoded from JSON (an empty body reads as `null`, which `()` and `Option<T>`
    /// accept); a body that does not decode is `ResponseInvalid`, with the
    /// decoder's message and the start of the body (unless the request was marked
    /// [`sensitive_response`](super::RequestBuilder::sensitive_response)).
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let context = self.context.clone();
        let bytes = self.bytes().await?;
        decode_json(&bytes, &context)
    }

    /// The body as a stream of chunks, for large downloads.
    pub fn bytes_stream(self) -> BoxStream<'static, Result<Bytes>> {
        let context = self.context;
        self.inner.bytes_stream().map_err(move |e| context.contextualize(transport_error(e))).boxed()
    }

    /// Reads (at most [`MAX_ERROR_BODY`] bytes of) the body and maps the answer to an [`Error`]
    /// with [`map_response_error`], whatever its status: for providers that treat some answers
    /// specially after [`send_raw`](super::RequestBuilder::send_raw).
    pub async fn into_error(mut self) -> Error {
        let status = self.inner.status().as_u16();
        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match self.inner.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() > MAX_ERROR_BODY {
                        truncated = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    tracing::debug!(error = %err.without_url(), "could not read the whole error body");
                    truncated = true;
                    break;
                }
            }
        }
        let body = HttpErrorBody::new(status, &body, truncated);
        let headers = self.inner.headers();
        let context = ErrorContext::new(&self.context.method, &self.context.operation, status, headers, &body);
        map_response_error(self.context.provider, &context, self.context.refiner)
    }

    /// The underlying `reqwest` response (escape hatch).
    pub fn into_inner(self) -> reqwest::Response {
        self.inner
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the URL (its query may hold secrets) nor the headers.
        f.debug_struct("Response")
            .field("status", &self.inner.status().as_u16())
            .field("provider", &self.context.provider)
            .field("operation", &self.context.operation)
            .finish_non_exhaustive()
    }
}

/// Decodes a JSON body; failures are `ResponseInvalid`, quoting the body unless it is sensitive.
///
/// An empty body decodes as JSON `null`, so `()` and `Option<T>` accept `204 No Content`.
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8], context: &ResponseContext) -> Result<T> {
    let json: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { bytes };
    serde_json::from_slice(json).map_err(|e| {
        let message = if context.sensitive_body {
            format!("could not decode the response as JSON: {e}")
        } else {
            format!(
                "could not decode the response as JSON: {e}; the body starts with {:?}",
                excerpt(bytes, DECODE_EXCERPT)
            )
        };
        context.contextualize(Error::new(ErrorKind::ResponseInvalid, message).with_source(e))
    })
}
