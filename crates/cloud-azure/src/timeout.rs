//! The per-attempt timeout: one try of a request (signing, sending, waiting for the answer)
//! gets a bounded time. When it runs out the try fails like a lost connection, so the retry
//! policy tries again or gives up, and the error reads as [`ErrorKind::Timeout`].
//!
//! [`ErrorKind::Timeout`]: cloud_core::ErrorKind::Timeout

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::error::ErrorKind as AzureKind;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};

/// How long one attempt of a request waits for its answer unless configured otherwise.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The slowest upload an attempt allows for: each 256 KiB of request body adds one second.
const MIN_UPLOAD_THROUGHPUT: u64 = 256 * 1024;

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
        self.timeout.saturating_add(Duration::from_secs(body_len / MIN_UPLOAD_THROUGHPUT))
    }
}

// `Policy::send` is declared with an elided `Context` lifetime (see `SharedKeyPolicy`).
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for AttemptTimeoutPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: &[Arc<dyn Policy>]) -> PolicyResult {
        let limit = self.limit(request.body().len().unwrap_or(0));
        match tokio::time::timeout(limit, next[0].send(ctx, request, &next[1..])).await {
            Ok(answer) => answer,
            Err(_) => Err(azure_core::Error::new(AzureKind::Io, AttemptTimedOut(limit))),
        }
    }
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
