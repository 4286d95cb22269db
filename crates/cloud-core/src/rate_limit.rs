//! Rate limiting: async sliding-window limiters with named budgets, shared by all clones of a client.
//!
//! A [`RateLimiter`] holds one or more named [`Budget`]s ("at most `requests` per `per`"). Before
//! each request a client calls [`RateLimiter::acquire`] (or [`RateLimiter::acquire_all`] when the
//! request counts against several budgets, like a Coda doc-content write that is also a write);
//! the call waits asynchronously, on `tokio::time`, until the request may go.
//!
//! # Guarantee
//!
//! For a budget of `requests` per `per`, the instants at which acquisitions complete satisfy
//! `t[i + requests] − t[i] ≥ per` for every `i` (in completion order). Equivalently, **no
//! half-open window `[a, a + per)` of any start `a` holds more than `requests` completions**. This is
//! a sliding-window log (the last `requests` grant instants are kept), not a continuously refilling
//! token bucket, which would allow up to twice the budget within one window. The bound is as tight
//! as possible: a burst of `requests` goes at once, and the next acquisition goes exactly `per` after
//! the oldest grant in the window.
//!
//! Waiters of one budget are served in the order they started waiting (first come, first served).
//! A multi-budget acquisition keeps its place in the queue of each of its budgets until all of
//! them allow it, then counts against all of them at the same instant.
//!
//! [`RateLimiter::penalize`] reacts to a `429 Too Many Requests`: it pauses a budget until the
//! service's `Retry-After` has passed. A pause is never longer than the limiter's
//! [maximum pause](RateLimiter::with_max_pause) (5 minutes unless set), so one answer with a huge
//! `Retry-After` cannot freeze a client for a day.
//!
//! # Unknown budget names
//!
//! Asking for a budget the limiter does not have is a bug in the caller (a typo would silently
//! disable the limit), so `acquire`, `acquire_all` and `penalize` return an
//! [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) error for it.
//!
//! # Example
//!
//! Infomaniak's API allows 60 requests per minute:
//!
//! ```
//! use std::time::Duration;
//! use cloud_core::rate_limit::{Budget, RateLimiter};
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let limiter = RateLimiter::new([Budget::new("api", 60, Duration::from_secs(60))])?;
//! let start = tokio::time::Instant::now();
//! for _ in 0..61 {
//!     limiter.acquire("api").await?;
//! }
//! // The 61st request waited for the first one to leave the window.
//! assert_eq!(start.elapsed(), Duration::from_secs(60));
//! # Ok::<(), cloud_core::Error>(()) }).unwrap();
//! ```

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::poll::saturating_deadline;
use crate::{Error, Result};

/// The longest pause [`RateLimiter::penalize`] applies unless [`RateLimiter::with_max_pause`] says
/// otherwise.
pub const DEFAULT_MAX_PAUSE: Duration = Duration::from_secs(5 * 60);

/// A named limit: at most `requests` acquisitions in any window of length `per`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Budget {
    name: Cow<'static, str>,
    requests: u32,
    per: Duration,
}

impl Budget {
    /// A budget named `name` allowing `requests` acquisitions per `per`.
    ///
    /// [`RateLimiter::new`] rejects zero `requests`, a zero `per` and an empty name.
    pub fn new(name: impl Into<Cow<'static, str>>, requests: u32, per: Duration) -> Self {
        Self { name: name.into(), requests, per }
    }

    /// The budget's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many acquisitions a window allows.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The window's length.
    pub fn per(&self) -> Duration {
        self.per
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} per {:?}", self.name, self.requests, self.per)
    }
}

/// An async rate limiter with named budgets; see the [module documentation](self) for the exact
/// guarantee.
///
/// Cloning is cheap and every clone shares the same budgets, so a client and all its clones stay
/// within the limits together.
#[derive(Clone)]
pub struct RateLimiter {
    buckets: Arc<[Bucket]>,
    max_pause: Duration,
}

/// The state of one budget.
struct Bucket {
    budget: Budget,
    /// Held by the waiter at the head of the queue; `tokio`'s mutex is fair (FIFO).
    queue: tokio::sync::Mutex<()>,
    window: Mutex<Window>,
}

/// The grant instants in the current window and the pause after a 429.
struct Window {
    /// The last `requests` grant instants, oldest first.
    grants: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl Bucket {
    /// The earliest instant, not before `now`, at which one more grant keeps the guarantee.
    fn earliest(&self, now: Instant) -> Instant {
        let window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        let mut at = now;
        if let Some(paused) = window.paused_until {
            at = at.max(paused);
        }
        let limit = self.budget.requests as usize;
        if window.grants.len() >= limit {
            // The grant `requests` places back must have left the window.
            let oldest = window.grants[window.grants.len() - limit];
            at = at.max(saturating_deadline(oldest, self.budget.per));
        }
        at
    }

    fn record(&self, at: Instant) {
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        window.grants.push_back(at);
        while window.grants.len() > self.budget.requests as usize {
            window.grants.pop_front();
        }
    }
}

impl RateLimiter {
    /// A limiter with these budgets.
    ///
    /// Fails with `InvalidConfig` when a name is empty or repeated, or a budget allows zero
    /// requests or has a zero window.
    pub fn new(budgets: impl IntoIterator<Item = Budget>) -> Result<Self> {
        let mut buckets: Vec<Bucket> = Vec::new();
        for budget in budgets {
            if budget.name.is_empty() {
                return Err(Error::invalid_config("a rate-limit budget needs a name"));
            }
            if budget.requests == 0 || budget.per.is_zero() {
                return Err(Error::invalid_config(format!(
                    "rate-limit budget {:?} must allow at least one request in a non-empty window",
                    budget.name
                )));
            }
            if buckets.iter().any(|b| b.budget.name == budget.name) {
                return Err(Error::invalid_config(format!("rate-limit budget {:?} is defined twice", budget.name)));
            }
            let capacity = (budget.requests as usize).min(1024);
            buckets.push(Bucket {
                budget,
                queue: tokio::sync::Mutex::new(()),
                window: Mutex::new(Window { grants: VecDeque::with_capacity(capacity), paused_until: None }),
            });
        }
        Ok(Self { buckets: buckets.into(), max_pause: DEFAULT_MAX_PAUSE })
    }

    /// Sets the longest pause one [`penalize`](Self::penalize) may impose (default
    /// [`DEFAULT_MAX_PAUSE`]); a longer `Retry-After` is shortened to it.
    #[must_use]
    pub fn with_max_pause(mut self, max_pause: Duration) -> Self {
        self.max_pause = max_pause;
        self
    }

    /// The longest pause one [`penalize`](Self::penalize) may impose.
    pub fn max_pause(&self) -> Duration {
        self.max_pause
    }

    /// The budgets, in the order given to [`RateLimiter::new`].
    pub fn budgets(&self) -> impl Iterator<Item = &Budget> {
        self.buckets.iter().map(|b| &b.budget)
    }

    /// The budget named `name`, if the limiter has it.
    pub fn budget(&self, name: &str) -> Option<&Budget> {
        self.buckets.iter().map(|b| &b.budget).find(|b| b.name == name)
    }

    /// Waits until one more request may go within budget `name`, and counts it.
    ///
    /// Cancel-safe: dropping the future before it completes counts nothing. Fails with
    /// `InvalidConfig` if the limiter has no such budget.
    pub async fn acquire(&self, name: &str) -> Result<()> {
        self.acquire_all(&[name]).await
    }

    /// Waits until one more request may go within *every* budget in `names`, and counts it against
    /// all of them at the same instant. Repeated names count once; an empty list returns at once.
    ///
    /// Cancel-safe: dropping the future before it completes counts nothing. Fails with
    /// `InvalidConfig`, before waiting, if a name is unknown.
    pub async fn acquire_all(&self, names: &[&str]) -> Result<()> {
        let mut indices = names.iter().map(|name| self.index_of(name)).collect::<Result<Vec<usize>>>()?;
        // Lock the queues in one global order so two multi-budget waiters cannot deadlock.
        indices.sort_unstable();
        indices.dedup();
        let mut guards = Vec::with_capacity(indices.len());
        for &i in &indices {
            guards.push(self.buckets[i].queue.lock().await);
        }
        loop {
            let now = Instant::now();
            let ready = indices.iter().map(|&i| self.buckets[i].earliest(now)).max().unwrap_or(now);
            if ready <= now {
                for &i in &indices {
                    self.buckets[i].record(now);
                }
                return Ok(());
            }
            // A penalty may arrive while sleeping; the loop checks again on waking.
            tokio::time::sleep_until(ready).await;
        }
    }

    /// Pauses budget `name` for `retry_after` from now, shortened to the
    /// [maximum pause](Self::with_max_pause) (or longer, if it is paused longer already): no
    /// acquisition of it completes before then. Call it when the service answers 429.
    ///
    /// Fails with `InvalidConfig` if the limiter has no such budget.
    pub fn penalize(&self, name: &str, retry_after: Duration) -> Result<()> {
        let bucket = &self.buckets[self.index_of(name)?];
        let retry_after = retry_after.min(self.max_pause);
        let until = saturating_deadline(Instant::now(), retry_after);
        let mut window = bucket.window.lock().unwrap_or_else(PoisonError::into_inner);
        let paused = window.paused_until.map_or(until, |p| p.max(until));
        window.paused_until = Some(paused);
        drop(window);
        tracing::debug!(
            target: "cloud_core::rate_limit",
            budget = name,
            pause_ms = u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX),
            "rate-limit budget paused"
        );
        Ok(())
    }

    fn index_of(&self, name: &str) -> Result<usize> {
        self.buckets.iter().position(|b| b.budget.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.budgets().map(Budget::name).collect();
            Error::invalid_config(format!("unknown rate-limit budget {name:?}; the limiter has {}", known.join(", ")))
        })
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("budgets", &self.budgets().collect::<Vec<_>>())
            .field("max_pause", &self.max_pause)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ErrorKind;

    fn limiter() -> RateLimiter {
        RateLimiter::new([
            Budget::new("read", 100, Duration::from_secs(6)),
            Budget::new("write", 10, Duration::from_secs(6)),
            Budget::new("doc_content", 5, Duration::from_secs(10)),
        ])
        .unwrap()
    }

    /// Asserts that no half-open window of length `per` holds more than `requests` of `instants`.
    fn assert_sliding_bound(instants: &[Instant], requests: usize, per: Duration) {
        let mut sorted = instants.to_vec();
        sorted.sort();
        for (i, later) in sorted.iter().enumerate().skip(requests) {
            let gap = *later - sorted[i - requests];
            assert!(gap >= per, "completions {} and {i} are only {gap:?} apart", i - requests);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_holds_more_than_the_budget() {
        let limiter = limiter();
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..250 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                limiter.acquire("read").await.unwrap();
                Instant::now()
            }));
        }
        let mut done = Vec::new();
        for task in tasks {
            done.push(task.await.unwrap());
        }
        assert_sliding_bound(&done, 100, Duration::from_secs(6));
        // Not stricter than needed: bursts of 100 at 0 s, 6 s and 12 s.
        let offsets: Vec<Duration> = done.iter().map(|t| *t - start).collect();
        assert_eq!(offsets.iter().filter(|d| d.is_zero()).count(), 100);
        assert_eq!(offsets.iter().filter(|d| **d == Duration::from_secs(6)).count(), 100);
        assert_eq!(offsets.iter().filter(|d| **d == Duration::from_secs(12)).count(), 50);
    }

    #[tokio::test(start_paused = true)]
    async fn spread_out_arrivals_keep_the_bound() {
        // Arrivals every 37 ms for 30 s against 10 per 6 s: the bound must hold in every window,
        // including windows that start between grants.
        let limiter = limiter();
        let mut tasks = Vec::new();
        for i in 0..800u64 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(37 * i)).await;
                limiter.acquire("write").await.unwrap();
                Instant::now()
            }));
        }
        let mut done = Vec::new();
        for task in tasks {
            done.push(task.await.unwrap());
        }
        assert_sliding_bound(&done, 10, Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_the_budget() {
        let a = limiter();
        let b = a.clone();
        let start = Instant::now();
        for _ in 0..5 {
            a.acquire("doc_content").await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        b.acquire("doc_content").await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_all_counts_against_every_budget() {
        let limiter = limiter();
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire_all(&["write", "doc_content", "write"]).await.unwrap();
        }
        // doc_content is exhausted, write has 5 left.
        for _ in 0..5 {
            limiter.acquire("write").await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // write is exhausted until 6 s, doc_content until 10 s.
        limiter.acquire_all(&["doc_content", "write"]).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        limiter.acquire_all(&[]).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn penalize_pauses_the_budget() {
        let limiter = limiter();
        let start = Instant::now();
        limiter.acquire("read").await.unwrap();
        limiter.penalize("read", Duration::from_secs(3)).unwrap();
        limiter.penalize("read", Duration::from_secs(1)).unwrap(); // a shorter pause does not shorten it
        limiter.acquire("read").await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        // Other budgets are not affected.
        limiter.penalize("write", Duration::from_secs(30)).unwrap();
        limiter.acquire("read").await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn penalty_during_a_wait_extends_it() {
        let limiter = limiter();
        for _ in 0..5 {
            limiter.acquire("doc_content").await.unwrap();
        }
        let start = Instant::now();
        let waiter = {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                limiter.acquire("doc_content").await.unwrap();
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_secs(4)).await;
        limiter.penalize("doc_content", Duration::from_secs(20)).unwrap();
        assert_eq!(waiter.await.unwrap() - start, Duration::from_secs(24));
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_in_arrival_order() {
        let limiter = limiter();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..20 {
            let limiter = limiter.clone();
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                limiter.acquire("doc_content").await.unwrap();
                order.lock().unwrap().push(i);
            }));
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn cancelled_waits_count_nothing() {
        let limiter = limiter();
        for _ in 0..5 {
            limiter.acquire("doc_content").await.unwrap();
        }
        let timed_out = tokio::time::timeout(Duration::from_secs(1), limiter.acquire("doc_content")).await;
        assert!(timed_out.is_err());
        let start = Instant::now();
        // Grants at 0 s leave the window at 10 s, i.e. 9 s after `start`.
        limiter.acquire("doc_content").await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(9));
    }

    /// A `Retry-After` of `10000000000000000000` seconds panicked ("overflow when adding duration
    /// to instant"); `86400` paused the budget for a day.
    #[tokio::test(start_paused = true)]
    async fn huge_pauses_are_capped_instead_of_panicking() {
        for pause in [Duration::MAX, Duration::from_secs(10_000_000_000_000_000_000), Duration::from_secs(86_400)] {
            let limiter = limiter();
            let start = Instant::now();
            limiter.penalize("read", pause).unwrap();
            limiter.acquire("read").await.unwrap();
            assert_eq!(start.elapsed(), DEFAULT_MAX_PAUSE, "pause {pause:?}");
        }
        let limiter = limiter().with_max_pause(Duration::from_secs(2));
        let start = Instant::now();
        limiter.penalize("write", Duration::from_secs(86_400)).unwrap();
        limiter.acquire("write").await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    /// A window of `Duration::MAX` (a margin added by the caller) panicked on the second grant.
    #[tokio::test(start_paused = true)]
    async fn a_huge_window_does_not_panic() {
        let limiter = RateLimiter::new([Budget::new("slow", 1, Duration::MAX)]).unwrap();
        limiter.acquire("slow").await.unwrap();
        let second = tokio::time::timeout(Duration::from_secs(3600), limiter.acquire("slow")).await;
        assert!(second.is_err(), "the second grant must wait for the (practically endless) window");
    }

    #[tokio::test]
    async fn unknown_budgets_are_config_errors() {
        let limiter = limiter();
        let err = limiter.acquire("reed").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.message().contains("reed") && err.message().contains("read"), "{err}");
        assert_eq!(limiter.acquire_all(&["read", "nope"]).await.unwrap_err().kind(), ErrorKind::InvalidConfig);
        assert_eq!(limiter.penalize("nope", Duration::from_secs(1)).unwrap_err().kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn invalid_budgets_are_rejected() {
        let six = Duration::from_secs(6);
        for budgets in [
            vec![Budget::new("", 1, six)],
            vec![Budget::new("a", 0, six)],
            vec![Budget::new("a", 1, Duration::ZERO)],
            vec![Budget::new("a", 1, six), Budget::new("a", 2, six)],
        ] {
            assert_eq!(RateLimiter::new(budgets).unwrap_err().kind(), ErrorKind::InvalidConfig);
        }
        let limiter = limiter();
        assert_eq!(limiter.budget("write").map(Budget::requests), Some(10));
        assert_eq!(limiter.budgets().count(), 3);
        assert!(format!("{limiter:?}").contains("doc_content"));
        assert_eq!(limiter.budget("read").unwrap().to_string(), "read: 100 per 6s");
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        #[derive(Debug, Clone)]
        enum Step {
            Acquire,
            Penalize(Duration),
            Sleep(Duration),
        }

        fn step() -> impl Strategy<Value = Step> {
            prop_oneof![
                4 => Just(Step::Acquire),
                1 => prop_oneof![any::<u64>().prop_map(Duration::from_secs), (0u64..20_000).prop_map(Duration::from_millis), Just(Duration::MAX)]
                    .prop_map(Step::Penalize),
                2 => (0u64..5_000).prop_map(|ms| Step::Sleep(Duration::from_millis(ms))),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            /// Any sequence of acquisitions, pauses of any length and sleeps, under paused time:
            /// no panic, the sliding-window bound holds, and no acquisition waits longer than
            /// the window plus the maximum pause.
            #[test]
            fn sequences_keep_the_bound(requests in 1u32..5, per_ms in 1u64..3_000, steps in proptest::collection::vec(step(), 1..60)) {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
                let per = Duration::from_millis(per_ms);
                let grants = runtime.block_on(async {
                    let limiter = RateLimiter::new([Budget::new("b", requests, per)]).unwrap().with_max_pause(Duration::from_secs(30));
                    let mut grants = Vec::new();
                    for step in steps {
                        match step {
                            Step::Acquire => {
                                let before = Instant::now();
                                limiter.acquire("b").await.unwrap();
                                assert!(before.elapsed() <= per + limiter.max_pause(), "waited {:?}", before.elapsed());
                                grants.push(Instant::now());
                            }
                            Step::Penalize(pause) => limiter.penalize("b", pause).unwrap(),
                            Step::Sleep(d) => tokio::time::sleep(d).await,
                        }
                    }
                    grants
                });
                assert_sliding_bound(&grants, requests as usize, per);
            }
        }
    }
}
