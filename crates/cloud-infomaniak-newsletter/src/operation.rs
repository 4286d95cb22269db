//! [`Operation`]: one row of the generated operation table, and the API's rate limit.

use std::fmt;
use std::time::Duration;

/// How many requests Infomaniak's API allows per [`RATE_LIMIT_WINDOW`] ("60 requests per minute").
pub const RATE_LIMIT_REQUESTS: u32 = 60;

/// The window [`RATE_LIMIT_REQUESTS`] are counted in.
pub const RATE_LIMIT_WINDOW: Duration = Duration::from_secs(60);

/// The name of the client's one rate-limit budget in its
/// [`RateLimiter`](cloud_core::rate_limit::RateLimiter).
pub const RATE_LIMIT_BUDGET: &str = "api";

/// One operation of the Newsletter API, as the generated table [`OPERATIONS`](crate::OPERATIONS)
/// lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Operation {
    /// The `operationId` of the API document (`NewsletterListCampaigns`).
    pub id: &'static str,
    /// The HTTP method (`GET`).
    pub method: &'static str,
    /// The path template (`/1/newsletters/{domain}/campaigns`).
    pub path: &'static str,
    /// The API document's tag (`Campaigns`).
    pub tag: &'static str,
    /// Whether the operation is a listing paginated with `page` and `per_page`.
    pub paginated: bool,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.id, self.method, self.path)
    }
}
