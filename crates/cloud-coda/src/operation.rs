//! [`Operation`] (one row of the generated operation table) and [`Budget`] (Coda's rate limits).

use std::fmt;
use std::time::Duration;

/// One operation of the Coda API, as the generated table [`OPERATIONS`](crate::OPERATIONS) lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Operation {
    /// The `operationId` of the API document (`listDocs`).
    pub id: &'static str,
    /// The HTTP method (`GET`).
    pub method: &'static str,
    /// The path template below the base URL (`/docs/{docId}`).
    pub path: &'static str,
    /// The API document's tag (`Docs`).
    pub tag: &'static str,
    /// The rate-limit budgets a call counts against.
    pub budgets: &'static [Budget],
    /// Whether the operation is a listing paginated with `pageToken`.
    pub paginated: bool,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.id, self.method, self.path)
    }
}

/// One of Coda's rate limits, as its documentation states them.
///
/// Limits apply per user across all docs; a request counts against every budget of its operation
/// (a doc-content write is also a write). The client waits before sending rather than collect
/// `429 Too Many Requests` answers, and shares its budgets with all its clones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Budget {
    /// Reading data: 100 requests per 6 seconds.
    Read,
    /// Writing data (`POST`, `PUT`, `PATCH`, `DELETE`): 10 requests per 6 seconds.
    Write,
    /// Writing doc content (page canvas): 5 requests per 10 seconds.
    DocContent,
    /// Listing docs: 4 requests per 6 seconds.
    ListDocs,
    /// Reading analytics: 100 requests per 6 seconds.
    Analytics,
}

impl Budget {
    /// Every budget.
    pub const ALL: &'static [Self] = &[Self::Read, Self::Write, Self::DocContent, Self::ListDocs, Self::Analytics];

    /// The budget's name in the client's [`RateLimiter`](cloud_core::rate_limit::RateLimiter).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::DocContent => "doc_content",
            Self::ListDocs => "list_docs",
            Self::Analytics => "analytics",
        }
    }

    /// How many requests Coda allows per [`window`](Self::window).
    pub const fn requests(self) -> u32 {
        match self {
            Self::Read | Self::Analytics => 100,
            Self::Write => 10,
            Self::DocContent => 5,
            Self::ListDocs => 4,
        }
    }

    /// The window Coda counts [`requests`](Self::requests) in.
    pub const fn window(self) -> Duration {
        match self {
            Self::DocContent => Duration::from_secs(10),
            _ => Duration::from_secs(6),
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_limits() {
        let limits: Vec<(&str, u32, u64)> =
            Budget::ALL.iter().map(|b| (b.as_str(), b.requests(), b.window().as_secs())).collect();
        assert_eq!(
            limits,
            [("read", 100, 6), ("write", 10, 6), ("doc_content", 5, 10), ("list_docs", 4, 6), ("analytics", 100, 6)]
        );
    }
}
