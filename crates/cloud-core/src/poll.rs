//! [`poll_until`]: wait for a remote resource to reach a state, polling with growing delays.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use crate::{Error, ErrorKind, Result};

/// The first delay between polls.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);

/// The longest delay between polls.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// How far ahead [`saturating_deadline`] puts a deadline that would not fit in an `Instant`:
/// about 30 years, which every caller may treat as "never".
pub const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 86_400);

/// `start + timeout`, or `start +` [`FAR_FUTURE`] when `timeout` is longer than that.
///
/// `Instant + Duration` panics when the sum does not fit, so a user-given timeout such as
/// `Duration::MAX` ("wait forever") must never be added directly; every deadline in the workspace
/// is computed here.
///
/// ```
/// use std::time::Duration;
/// use cloud_core::poll::{saturating_deadline, FAR_FUTURE};
/// let now = tokio::time::Instant::now();
/// assert_eq!(saturating_deadline(now, Duration::from_secs(5)), now + Duration::from_secs(5));
/// assert_eq!(saturating_deadline(now, Duration::MAX), now + FAR_FUTURE);
/// ```
pub fn saturating_deadline(start: tokio::time::Instant, timeout: Duration) -> tokio::time::Instant {
    start.checked_add(timeout.min(FAR_FUTURE)).unwrap_or(start)
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollState<T> {
    /// The wait is over, with this value.
    Ready(T),
    /// Not yet; the state as seen now (named in the timeout error).
    Pending(String),
}

/// Calls `check` until it answers [`PollState::Ready`], sleeping 1 s between the first polls and
/// doubling up to 5 s, never past the deadline.
///
/// An error from `check` ends the wait with that error (so `check` decides which states are
/// failures).
///
/// # Errors
/// `Timeout` naming `what` and the last pending state once `timeout` has passed; any error of
/// `check`.
///
/// ```
/// use cloud_core::poll::{PollState, poll_until};
/// use std::time::Duration;
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// let mut polls = 0;
/// let value = poll_until("server s1", Duration::from_secs(60), || {
///     polls += 1;
///     let state = if polls < 3 { PollState::Pending("BUILD".into()) } else { PollState::Ready("ACTIVE") };
///     async move { Ok(state) }
/// })
/// .await?;
/// assert_eq!(value, "ACTIVE");
/// # Ok::<(), cloud_core::Error>(()) }).unwrap();
/// ```
pub async fn poll_until<T, F, Fut>(what: impl Display, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<PollState<T>>>,
{
    let deadline = saturating_deadline(tokio::time::Instant::now(), timeout);
    let mut delay = FIRST_DELAY;
    loop {
        let last = match check().await? {
            PollState::Ready(value) => return Ok(value),
            PollState::Pending(state) => state,
        };
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("{what} did not get there within {timeout:?} (last seen: {last})"),
            ));
        }
        tokio::time::sleep(delay.min(deadline - now)).await;
        delay = (delay * 2).min(MAX_DELAY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn polls_with_growing_delays_until_ready() {
        let start = tokio::time::Instant::now();
        let mut seen = Vec::new();
        let got = poll_until("thing", Duration::from_secs(60), || {
            seen.push(start.elapsed().as_secs());
            let n = seen.len();
            async move { Ok(if n == 6 { PollState::Ready(n) } else { PollState::Pending(format!("step {n}")) }) }
        })
        .await
        .unwrap();
        assert_eq!(got, 6);
        assert_eq!(seen, [0, 1, 3, 7, 12, 17]);
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_naming_the_last_state() {
        let start = tokio::time::Instant::now();
        let err = poll_until("volume v1", Duration::from_secs(10), || async {
            Ok::<_, Error>(PollState::<()>::Pending("creating".into()))
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(err.to_string().contains("volume v1") && err.to_string().contains("creating"), "{err}");
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    /// A timeout of `Duration::MAX` ("wait forever") panicked with "overflow when adding duration
    /// to instant" before the deadline saturated.
    #[tokio::test(start_paused = true)]
    async fn a_huge_timeout_waits_instead_of_panicking() {
        for timeout in [Duration::MAX, Duration::from_secs(u64::MAX), Duration::from_secs(1 << 62)] {
            let mut polls = 0;
            let got = poll_until("thing", timeout, || {
                polls += 1;
                let state = if polls < 4 { PollState::Pending("BUILD".into()) } else { PollState::Ready(polls) };
                async move { Ok(state) }
            })
            .await
            .unwrap();
            assert_eq!(got, 4);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_ends_the_wait() {
        let err =
            poll_until("x", Duration::from_secs(10), || async { Err::<PollState<()>, _>(Error::not_found("gone")) })
                .await
                .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
}
