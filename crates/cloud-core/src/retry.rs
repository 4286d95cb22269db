//! Retry policy: exponential backoff with full jitter, honouring `Retry-After`, retrying only what is safe.
//!
//! [`retry`] runs any fallible async operation (a `reqwest` call, a vendor SDK call, a whole
//! paginated fetch) under a [`RetryConfig`]. An error is retried only when both hold:
//!
//! 1. the error says trying again may succeed ([`Error::is_retryable`]: `RateLimited`, `Timeout`,
//!    `Dispatch`, and `Service` errors with status 500, 502, 503 or 504), and
//! 2. trying again is *safe* ([`is_safe_to_retry`]): the request is [`RequestSafety::Idempotent`],
//!    or it provably did not take effect: it never left this machine ([`was_not_sent`], e.g. a
//!    refused connection, marked with [`NotSent`]) or the service refused it with `429 Too Many
//!    Requests` (which means the request was not acted upon).
//!
//! So a `POST` that failed with a 500 or a reset connection is *not* retried (it may have been
//! applied), while a `POST` whose connection was refused, or which got a 429, is.
//!
//! ```
//! use std::time::Duration;
//! use cloud_core::retry::{retry, RequestSafety, RetryConfig};
//! use cloud_core::{Error, ErrorKind};
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let config = RetryConfig::default().with_max_retries(2).with_initial_backoff(Duration::from_millis(10));
//! let mut calls = 0;
//! let value = retry(&config, RequestSafety::Idempotent, || {
//!     calls += 1;
//!     let attempt = calls;
//!     async move {
//!         if attempt < 3 { Err(Error::from_status(503, "busy")) } else { Ok(attempt) }
//!     }
//! })
//! .await?;
//! assert_eq!(value, 3);
//! # Ok::<(), cloud_core::Error>(()) }).unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;
use tokio::time::Instant;

use crate::{BoxError, Error, ErrorKind, Result};

/// How failed operations are retried.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`max_retries`](Self::with_max_retries) | 3 | retries *after* the first attempt, so at most 4 attempts |
/// | [`initial_backoff`](Self::with_initial_backoff) | 100 ms | the backoff ceiling before the first retry |
/// | [`backoff_multiplier`](Self::with_backoff_multiplier) | 2.0 | growth of the ceiling per retry |
/// | [`max_backoff`](Self::with_max_backoff) | 15 s | the largest wait between two attempts |
/// | [`retry_timeout`](Self::with_retry_timeout) | 60 s | no retry starts later than this after the first attempt started |
/// | [`honor_retry_after`](Self::with_honor_retry_after) | true | wait what the service asked (`Retry-After`) |
///
/// Before retry number `n` (counting from 0) the wait is drawn uniformly from
/// `[0, min(max_backoff, initial_backoff × multiplier^n)]` ("full jitter"), so that many clients
/// failing together do not retry together. When the error carries a `Retry-After`
/// ([`Error::retry_after`]) and `honor_retry_after` is set, the wait is that duration instead,
/// capped at `max_backoff`.
///
/// What is retried: `429 Too Many Requests`, `500`, `502`, `503`, `504`, timeouts and connection
/// errors, on idempotent requests only, except that requests which never reached the service
/// (connection refused) and requests refused with 429 are retried whatever their method. See the
/// [module documentation](self).
///
/// The total time is bounded: a retry whose wait would end later than `retry_timeout` after the
/// first attempt started is not made, and the last error is returned instead. The time one attempt
/// may take is the transport's business (e.g. the HTTP client's request timeout), so the worst
/// case of a call is `retry_timeout` plus one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    backoff_multiplier: f64,
    retry_timeout: Duration,
    honor_retry_after: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(15),
            backoff_multiplier: 2.0,
            retry_timeout: Duration::from_secs(60),
            honor_retry_after: true,
        }
    }
}

impl RetryConfig {
    /// A policy that never retries: every operation is attempted exactly once.
    pub fn disabled() -> Self {
        Self::default().with_max_retries(0)
    }

    /// Sets how many times a failed operation is retried after its first attempt (0 disables retries).
    #[must_use]
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the backoff ceiling before the first retry.
    #[must_use]
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// Sets the largest wait between two attempts (also the cap on an honoured `Retry-After`).
    #[must_use]
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets how much the backoff ceiling grows per retry. Values below 1 (and NaN) count as 1.
    #[must_use]
    pub fn with_backoff_multiplier(mut self, multiplier: f64) -> Self {
        self.backoff_multiplier = if multiplier >= 1.0 { multiplier } else { 1.0 };
        self
    }

    /// Sets the total time budget: no retry starts later than this after the first attempt started.
    #[must_use]
    pub fn with_retry_timeout(mut self, retry_timeout: Duration) -> Self {
        self.retry_timeout = retry_timeout;
        self
    }

    /// Sets whether a `Retry-After` the service sent replaces the computed backoff.
    #[must_use]
    pub fn with_honor_retry_after(mut self, honor: bool) -> Self {
        self.honor_retry_after = honor;
        self
    }

    /// How many times a failed operation is retried after its first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The most attempts an operation gets: `max_retries + 1`.
    pub fn max_attempts(&self) -> u32 {
        self.max_retries.saturating_add(1)
    }

    /// The backoff ceiling before the first retry.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The largest wait between two attempts.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// How much the backoff ceiling grows per retry.
    pub fn backoff_multiplier(&self) -> f64 {
        self.backoff_multiplier
    }

    /// The total time budget of the retries.
    pub fn retry_timeout(&self) -> Duration {
        self.retry_timeout
    }

    /// Whether a `Retry-After` the service sent replaces the computed backoff.
    pub fn honor_retry_after(&self) -> bool {
        self.honor_retry_after
    }

    /// The upper bound of the jittered wait before retry number `retry` (counting from 0):
    /// `min(max_backoff, initial_backoff × multiplier^retry)`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry).unwrap_or(i32::MAX);
        let factor = self.backoff_multiplier.powi(exponent);
        let ceiling = self.initial_backoff.as_secs_f64() * factor;
        if !ceiling.is_finite() || ceiling >= self.max_backoff.as_secs_f64() {
            self.max_backoff
        } else {
            Duration::from_secs_f64(ceiling)
        }
    }

    /// A wait before retry number `retry` drawn uniformly from `[0, backoff_ceiling(retry)]`.
    ///
    /// Pass a seeded generator (`rand::rngs::StdRng::seed_from_u64`) for reproducible waits.
    pub fn jittered_backoff<R: Rng + ?Sized>(&self, retry: u32, rng: &mut R) -> Duration {
        let ceiling = self.backoff_ceiling(retry).as_secs_f64();
        if ceiling <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(rng.random_range(0.0..=ceiling))
    }

    /// The wait before retry number `retry` after `error`: the honoured `Retry-After` (capped at
    /// `max_backoff`) if there is one, else [`jittered_backoff`](Self::jittered_backoff).
    pub fn delay_for<R: Rng + ?Sized>(&self, retry: u32, error: &Error, rng: &mut R) -> Duration {
        match error.retry_after() {
            Some(asked) if self.honor_retry_after => asked.min(self.max_backoff),
            _ => self.jittered_backoff(retry, rng),
        }
    }
}

/// Whether repeating a request is harmless when its outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestSafety {
    /// Repeating the request has the same effect as sending it once (`GET`, `PUT`, `DELETE` …).
    Idempotent,
    /// Repeating the request may repeat its effect (`POST`, `PATCH`): it is retried only when it
    /// provably did not take effect.
    NotIdempotent,
}

impl RequestSafety {
    /// The safety HTTP gives a method: `GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS` and `TRACE` are
    /// idempotent (RFC 9110 §9.2.2); every other method (`POST`, `PATCH`, extensions) is not.
    /// The comparison ignores ASCII case.
    pub fn for_method(method: &str) -> Self {
        const IDEMPOTENT: [&str; 6] = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"];
        if IDEMPOTENT.iter().any(|m| m.eq_ignore_ascii_case(method)) { Self::Idempotent } else { Self::NotIdempotent }
    }

    /// Whether this is [`RequestSafety::Idempotent`].
    pub fn is_idempotent(self) -> bool {
        self == Self::Idempotent
    }
}

impl From<bool> for RequestSafety {
    /// `true` is [`RequestSafety::Idempotent`].
    fn from(idempotent: bool) -> Self {
        if idempotent { Self::Idempotent } else { Self::NotIdempotent }
    }
}

/// The source of an [`Error`] whose request never left this machine (the connection was refused,
/// DNS failed, TLS could not be set up), so repeating it is safe whatever the method.
///
/// Transports mark such errors with `Error::new(ErrorKind::Dispatch, …).with_source(NotSent::new(cause))`;
/// [`was_not_sent`] finds the marker anywhere in the source chain. The cause stays reachable
/// through [`std::error::Error::source`].
pub struct NotSent {
    cause: BoxError,
}

impl NotSent {
    /// Marks `cause` as the failure of a request that was never sent.
    pub fn new(cause: impl Into<BoxError>) -> Self {
        Self { cause: cause.into() }
    }
}

impl fmt::Debug for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NotSent").field(&self.cause).finish()
    }
}

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the request was not sent: {}", self.cause)
    }
}

impl std::error::Error for NotSent {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.cause)
    }
}

/// Whether `error` says its request never reached the service: its kind is
/// [`ErrorKind::Construction`], or its source chain holds a [`NotSent`] marker.
pub fn was_not_sent(error: &Error) -> bool {
    if error.kind() == ErrorKind::Construction {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(err) = source {
        if err.is::<NotSent>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// Whether the retry policy may repeat a request that failed with `error`.
///
/// True when the error [is retryable](Error::is_retryable) and repeating is safe: the request is
/// idempotent, or it [was not sent](was_not_sent), or the service refused it with 429
/// ([`ErrorKind::RateLimited`]), which means it was not acted upon.
pub fn is_safe_to_retry(error: &Error, safety: RequestSafety) -> bool {
    error.is_retryable() && (safety.is_idempotent() || error.kind() == ErrorKind::RateLimited || was_not_sent(error))
}

/// Runs `operation` until it succeeds, fails in a way that must not be retried, or the policy's
/// attempts or time budget are used up; returns the first success or the last error.
///
/// `operation` is called once per attempt and must build a fresh future each time. Every retry
/// emits an `INFO` event on target `cloud_core::retry` with the retry number, the wait, the
/// error's kind, status and message (errors never contain secrets). Waits use `tokio::time`, so
/// they follow a paused test clock.
pub async fn retry<T, F, Fut>(config: &RetryConfig, safety: RequestSafety, mut operation: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let start = Instant::now();
    let mut retries: u32 = 0;
    loop {
        let error = match operation().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if retries >= config.max_retries || !is_safe_to_retry(&error, safety) {
            return Err(error);
        }
        let delay = config.delay_for(retries, &error, &mut rand::rng());
        if start.elapsed().saturating_add(delay) > config.retry_timeout {
            tracing::debug!(
                target: "cloud_core::retry",
                retries,
                delay_ms = millis(delay),
                retry_timeout_ms = millis(config.retry_timeout),
                kind = %error.kind(),
                "retry time budget exhausted; giving up"
            );
            return Err(error);
        }
        retries += 1;
        tracing::info!(
            target: "cloud_core::retry",
            retry = retries,
            max_retries = config.max_retries,
            delay_ms = millis(delay),
            kind = %error.kind(),
            status = error.http_status(),
            error = %error,
            "retrying after a retryable error"
        );
        tokio::time::sleep(delay).await;
    }
}

/// A duration in whole milliseconds, for logs.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Parses a `Retry-After` value relative to `now`: delay-seconds (`"120"`, also a fraction like
/// `"1.5"`) or an HTTP date (IMF-fixdate, RFC 850 or asctime form). A date in the past gives zero;
/// anything else gives `None`.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::try_from_secs_f64(seconds).ok()).flatten();
    }
    let date = DateTime::parse_from_rfc2822(value).map(|d| d.with_timezone(&Utc)).ok().or_else(|| {
        ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
            .map(|naive| naive.and_utc())
    })?;
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    /// Runs `retry` with an operation that fails with `make_error(attempt)` until `succeed_on`
    /// (1-based; 0 = never) and returns the result and the number of attempts.
    async fn run(
        config: &RetryConfig,
        safety: RequestSafety,
        succeed_on: u32,
        make_error: impl Fn(u32) -> Error,
    ) -> (Result<u32>, u32) {
        let attempts = Arc::new(AtomicU32::new(0));
        let result = retry(config, safety, || {
            let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
            let outcome = if attempt == succeed_on { Ok(attempt) } else { Err(make_error(attempt)) };
            async move { outcome }
        })
        .await;
        (result, attempts.load(Ordering::SeqCst))
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_are_bounded_by_max_retries() {
        let config = RetryConfig::default().with_max_retries(3);
        let (result, attempts) = run(&config, RequestSafety::Idempotent, 0, |_| Error::from_status(503, "busy")).await;
        assert_eq!(result.unwrap_err().http_status(), Some(503));
        assert_eq!(attempts, 4);
        assert_eq!(config.max_attempts(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn succeeds_after_transient_failures() {
        let config = RetryConfig::default();
        let (result, attempts) =
            run(&config, RequestSafety::Idempotent, 3, |_| Error::from_status(502, "bad gw")).await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(attempts, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn disabled_policy_tries_once() {
        let (result, attempts) =
            run(&RetryConfig::disabled(), RequestSafety::Idempotent, 0, |_| Error::from_status(503, "x")).await;
        assert!(result.is_err());
        assert_eq!(attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn non_retryable_errors_are_returned_at_once() {
        let (result, attempts) =
            run(&RetryConfig::default(), RequestSafety::Idempotent, 0, |_| Error::from_status(404, "no")).await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn total_time_is_bounded_by_retry_timeout() {
        // Every wait is exactly one second (Retry-After), the budget is 3.5 s: attempts start at
        // 0, 1, 2 and 3 s; a fifth would start at 4 s, past the budget.
        let config = RetryConfig::default().with_max_retries(100).with_retry_timeout(Duration::from_millis(3500));
        let start = Instant::now();
        let (result, attempts) = run(&config, RequestSafety::Idempotent, 0, |_| {
            Error::from_status(429, "slow down").with_retry_after(Duration::from_secs(1))
        })
        .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::RateLimited);
        assert_eq!(attempts, 4);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn total_time_bound_holds_with_jitter() {
        let config = RetryConfig::default()
            .with_max_retries(1000)
            .with_initial_backoff(Duration::from_secs(1))
            .with_max_backoff(Duration::from_secs(4))
            .with_retry_timeout(Duration::from_secs(30));
        let start = Instant::now();
        let (result, attempts) = run(&config, RequestSafety::Idempotent, 0, |_| Error::from_status(500, "x")).await;
        assert!(result.is_err());
        assert!(start.elapsed() <= Duration::from_secs(30), "{:?}", start.elapsed());
        assert!(attempts > 1 && attempts < 1001, "{attempts}");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured_and_capped() {
        let config = RetryConfig::default().with_max_backoff(Duration::from_secs(10));
        let start = Instant::now();
        let (result, _) = run(&config, RequestSafety::Idempotent, 2, |_| {
            Error::from_status(429, "slow").with_retry_after(Duration::from_secs(7))
        })
        .await;
        assert_eq!(result.unwrap(), 2);
        assert_eq!(start.elapsed(), Duration::from_secs(7));

        let start = Instant::now();
        let (result, _) = run(&config, RequestSafety::Idempotent, 2, |_| {
            Error::from_status(503, "later").with_retry_after(Duration::from_secs(40))
        })
        .await;
        assert_eq!(result.unwrap(), 2);
        assert_eq!(start.elapsed(), Duration::from_secs(10), "capped at max_backoff");

        let ignoring = config.with_honor_retry_after(false).with_initial_backoff(Duration::from_millis(50));
        let start = Instant::now();
        let (result, _) = run(&ignoring, RequestSafety::Idempotent, 2, |_| {
            Error::from_status(429, "slow").with_retry_after(Duration::from_secs(7))
        })
        .await;
        assert_eq!(result.unwrap(), 2);
        assert!(start.elapsed() <= Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn non_idempotent_requests_are_not_retried_after_dispatch_errors() {
        let config = RetryConfig::default();
        let (result, attempts) =
            run(&config, RequestSafety::NotIdempotent, 0, |_| Error::new(ErrorKind::Dispatch, "connection reset"))
                .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Dispatch);
        assert_eq!(attempts, 1);

        let (result, attempts) =
            run(&config, RequestSafety::NotIdempotent, 0, |_| Error::from_status(500, "boom")).await;
        assert!(result.is_err());
        assert_eq!(attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn non_idempotent_requests_are_retried_when_not_sent_or_rate_limited() {
        let config = RetryConfig::default();
        let (result, attempts) = run(&config, RequestSafety::NotIdempotent, 3, |_| {
            let cause = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
            Error::new(ErrorKind::Dispatch, "connection refused").with_source(NotSent::new(cause))
        })
        .await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(attempts, 3);

        let (result, attempts) =
            run(&config, RequestSafety::NotIdempotent, 2, |_| Error::from_status(429, "slow")).await;
        assert_eq!(result.unwrap(), 2);
        assert_eq!(attempts, 2);
    }

    #[test]
    fn not_sent_marker_is_found_in_the_chain() {
        let cause = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = Error::new(ErrorKind::Dispatch, "x").with_source(NotSent::new(cause));
        assert!(was_not_sent(&err));
        let source = std::error::Error::source(&err).unwrap();
        assert!(source.to_string().contains("not sent"));
        assert!(source.source().unwrap().is::<std::io::Error>());
        assert!(!was_not_sent(&Error::new(ErrorKind::Dispatch, "reset")));
        assert!(was_not_sent(&Error::new(ErrorKind::Construction, "bad header")));
    }

    #[test]
    fn full_jitter_covers_the_whole_range() {
        let config = RetryConfig::default();
        let mut rng = StdRng::seed_from_u64(7);
        for retry in 0..12 {
            let ceiling = config.backoff_ceiling(retry);
            let samples: Vec<Duration> = (0..2000).map(|_| config.jittered_backoff(retry, &mut rng)).collect();
            assert!(samples.iter().all(|d| *d <= ceiling), "retry {retry}");
            let low = samples.iter().filter(|d| **d < ceiling / 4).count();
            let high = samples.iter().filter(|d| **d > ceiling * 3 / 4).count();
            // Uniform: about 500 of 2000 in each quarter.
            assert!((380..620).contains(&low), "retry {retry}: {low} in the lowest quarter");
            assert!((380..620).contains(&high), "retry {retry}: {high} in the highest quarter");
        }
    }

    #[test]
    fn backoff_ceiling_grows_then_caps() {
        let config = RetryConfig::default();
        assert_eq!(config.backoff_ceiling(0), Duration::from_millis(100));
        assert_eq!(config.backoff_ceiling(1), Duration::from_millis(200));
        assert_eq!(config.backoff_ceiling(3), Duration::from_millis(800));
        assert_eq!(config.backoff_ceiling(10), Duration::from_secs(15));
        assert_eq!(config.backoff_ceiling(u32::MAX), Duration::from_secs(15));
        let flat = RetryConfig::default().with_backoff_multiplier(0.5);
        assert_eq!(flat.backoff_multiplier(), 1.0);
        assert_eq!(flat.backoff_ceiling(5), Duration::from_millis(100));
        let zero = RetryConfig::default().with_initial_backoff(Duration::ZERO);
        assert_eq!(zero.jittered_backoff(3, &mut StdRng::seed_from_u64(1)), Duration::ZERO);
    }

    #[test]
    fn seeded_jitter_is_reproducible() {
        let config = RetryConfig::default();
        let a: Vec<Duration> =
            (0..5).map(|r| config.jittered_backoff(r, &mut StdRng::seed_from_u64(42 + u64::from(r)))).collect();
        let b: Vec<Duration> =
            (0..5).map(|r| config.jittered_backoff(r, &mut StdRng::seed_from_u64(42 + u64::from(r)))).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn method_safety_follows_rfc_9110() {
        for m in ["GET", "head", "PUT", "DELETE", "OPTIONS", "TRACE"] {
            assert_eq!(RequestSafety::for_method(m), RequestSafety::Idempotent, "{m}");
        }
        for m in ["POST", "PATCH", "CONNECT", "PROPFIND"] {
            assert_eq!(RequestSafety::for_method(m), RequestSafety::NotIdempotent, "{m}");
        }
        assert_eq!(RequestSafety::from(true), RequestSafety::Idempotent);
    }

    #[test]
    fn safety_decision_table() {
        let idem = RequestSafety::Idempotent;
        let post = RequestSafety::NotIdempotent;
        assert!(is_safe_to_retry(&Error::from_status(503, "x"), idem));
        assert!(!is_safe_to_retry(&Error::from_status(503, "x"), post));
        assert!(is_safe_to_retry(&Error::from_status(429, "x"), post));
        assert!(!is_safe_to_retry(&Error::from_status(400, "x"), idem));
        assert!(!is_safe_to_retry(&Error::new(ErrorKind::Construction, "x"), post), "not retryable");
        assert!(!is_safe_to_retry(&Error::from_status(503, "x").with_retryable(false), idem));
    }
}
