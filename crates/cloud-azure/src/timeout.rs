//! The per-attempt timeout: one try of a request (signing, sending, waiting for the answer)
//! gets a bounded time. When it runs out the try fails like a lost connection, so the retry
//! policy tries again or gives up, and the error reads as [`ErrorKind::Timeout`]. A body read
//! after its answer's headers must keep flowing: a gap longer than the same timeout ends it
//! with [`ErrorKind::Timeout`] too ([`must_flow`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::error::ErrorKind as AzureKind;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};
use bytes::Bytes;
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use futures::stream::{self, BoxStream, StreamExt};

/// How long one attempt of a request waits for its answer unless configured otherwise.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The slowest transfer allowed for: each 256 KiB of a body sent or received whole adds one
/// second to the time it gets.
const MIN_THROUGHPUT: u64 = 256 * 1024;

/// `timeout`, plus one second per 256 KiB of a body of `bytes` bytes that must arrive whole.
pub(crate) fn limit_for(timeout: Duration, bytes: u64) -> Duration {
    timeout.saturating_add(Duration::from_secs(bytes / MIN_THROUGHPUT))
}

/// `body`, ended with a `Timeout` error when no chunk arrives for `idle` (a server that sent the
/// headers and then stopped sending the body); the stalled body is dropped.
pub(crate) fn must_flow(
    body: BoxStream<'static, Result<Bytes>>,
    idle: Duration,
    operation: &'static str,
) -> BoxStream<'static, Result<Bytes>> {
    stream::unfold(Some(body), move |body| async move {
        let mut body = body?;
        match tokio::time::timeout(idle, body.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(body))),
            Ok(None) => None,
            Err(_) => {
                let err = Error::new(ErrorKind::Timeout, format!("the body stopped arriving for {idle:?}"))
                    .in_context(CloudProvider::Azure, operation)
                    .with_retryable(true);
                Some((Err(err), None))
            }
        }
    })
    .boxed()
}

/// Bounds each attempt of a request.
#[derive(Debug)]
pub(crate) struct AttemptTimeoutPolicy {
    timeout: Duration,
}

impl AttemptTimeoutPolicy {
    pub(crate) fn new(timeout: Duration) -> Arc<Self> {
        Arc::new(Self { timeout })
    }

    /// The time one attempt with a body of `body_len` bytes gets.
    fn limit(&self, body_len: u64) -> Duration {
        limit_for(self.timeout, body_len)
    }
}

// `Policy::send` is declared with an elided `Context` lifetime (see `SharedKeyPolicy`).
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for AttemptTimeoutPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: &[Arc<dyn Policy>]) -> PolicyResult {
        let limit = self.limit(request.body().len().unwrap_or(0));
        let answer = match tokio::time::timeout(limit, next[0].send(ctx, request, &next[1..])).await {
            Ok(answer) => answer,
            Err(_) => Err(azure_core::Error::new(AzureKind::Io, AttemptTimedOut(limit))),
        };
        match answer {
            // Not an I/O error any more, so the retry policy hands it back instead of sending again.
            Err(err) if ctx.value::<SendOnce>().is_some() && *err.kind() == AzureKind::Io => {
                Err(azure_core::Error::new(AzureKind::Other, AnswerLost(err)))
            }
            answer => answer,
        }
    }
}

/// In a request's context: the request must not be sent again when its answer is lost (the
/// request may have been acted on), so that the caller can look at what happened first. It is
/// still sent again when it could not connect, or when the service answered with a status the
/// retry policy repeats.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SendOnce;

/// The answer to a [`SendOnce`] request was lost (reset, timed out, unreadable): the service may
/// or may not have acted on it.
#[derive(Debug)]
pub(crate) struct AnswerLost(azure_core::Error);

impl fmt::Display for AnswerLost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the answer was lost: {}", self.0)
    }
}

impl std::error::Error for AnswerLost {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Whether `err` is the lost answer of a [`SendOnce`] request.
pub(crate) fn answer_lost(err: &azure_core::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.is::<AnswerLost>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// An attempt that got no answer in time.
#[derive(Debug)]
pub(crate) struct AttemptTimedOut(Duration);

impl fmt::Display for AttemptTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no answer within the attempt timeout of {:?}", self.0)
    }
}

impl std::error::Error for AttemptTimedOut {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_add_a_second_per_256_kib() {
        let policy = AttemptTimeoutPolicy { timeout: Duration::from_secs(60) };
        assert_eq!(policy.limit(0), Duration::from_secs(60));
        assert_eq!(policy.limit(256 * 1024 - 1), Duration::from_secs(60));
        assert_eq!(policy.limit(100 * 1024 * 1024), Duration::from_secs(60 + 400));
        let huge = AttemptTimeoutPolicy { timeout: Duration::MAX };
        assert_eq!(huge.limit(u64::MAX), Duration::MAX);
    }
}
