//! Driving a client against Prism, an independent implementation of a vendor's OpenAPI document
//! (`cargo xtask emulators up mocks`): Prism validates each request against the document (422
//! with the violations when it does not conform) and answers with data built from the document's
//! examples and schemas, which the client must decode.
//!
//! A test crate lists one [`Call`] per operation (made with [`call`]) and hands them to
//! [`assert_every_operation`] with the operations its client has and the refusals the document
//! itself causes.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use cloud_core::http::HttpErrorBody;
use serde::Deserialize;

/// One call of one operation, its answer decoded and dropped.
pub type Call = Pin<Box<dyn Future<Output = cloud_core::Result<()>> + Send>>;

/// `future` as a [`Call`].
pub fn call<T, F>(future: F) -> Call
where
    F: Future<Output = cloud_core::Result<T>> + Send + 'static,
{
    Box::pin(async move { future.await.map(|_| ()) })
}

/// The URL of a Prism mock from `variable` (printed by `cargo xtask emulators env`); panics naming
/// the `server` to start when it is not set, so that a missing mock fails the test.
pub fn mock_url(variable: &str, server: &str) -> String {
    crate::trace::to_test_output();
    std::env::var(variable).ok().filter(|u| !u.is_empty()).unwrap_or_else(|| {
        panic!(
            "{variable} is not set: run `cargo xtask emulators up {server}` and \
             `eval \"$(cargo xtask emulators env)\"`"
        )
    })
}

/// Prism's 422 answer.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Refusal {
    /// What broke the document.
    #[serde(default)]
    pub validation: Vec<Violation>,
}

/// One violation of a [`Refusal`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Violation {
    /// Where (`["body", "name"]`).
    #[serde(default)]
    pub location: Vec<String>,
    /// What.
    #[serde(default)]
    pub message: String,
}

impl Refusal {
    /// The refusal an error carries, when it is Prism's 422.
    pub fn of(err: &cloud_core::Error) -> Option<Self> {
        HttpErrorBody::of(err)
            .filter(|_| err.http_status() == Some(422))
            .and_then(HttpErrorBody::json)
            .and_then(|json| serde_json::from_value(json.clone()).ok())
    }

    /// Whether a violation is at `location` (`"body.name"`).
    pub fn names(&self, location: &str) -> bool {
        self.validation.iter().any(|v| v.location.join(".") == location)
    }
}

/// What became of a call: `accepted`, `refused: <violations>` or `failed: <error> (<kind>)`.
fn outcome(result: cloud_core::Result<()>) -> String {
    match result {
        Ok(()) => "accepted".to_owned(),
        Err(err) => match Refusal::of(&err) {
            Some(refusal) => format!(
                "refused: {}",
                refusal
                    .validation
                    .iter()
                    .map(|v| format!("{}: {}", v.location.join("."), v.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            None => format!("failed: {} ({:?})", err, err.kind()),
        },
    }
}

/// Runs every call and asserts that `calls` has exactly one call per operation of `operations`,
/// and that each was accepted, except the `known_refusals` (`(operation, reason)`), which must
/// fail with their reason (so that a fixed document shows up).
///
/// # Panics
/// When an operation has no call or two, when a call fails, or when a known refusal no longer
/// happens, listing every such operation with its outcome.
pub async fn assert_every_operation(
    calls: Vec<(&'static str, Call)>,
    operations: impl IntoIterator<Item = &'static str>,
    known_refusals: &[(&str, &str)],
) {
    let mut ids: Vec<&str> = calls.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let mut expected: Vec<&str> = operations.into_iter().collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "one call per operation");

    let mut outcomes: BTreeMap<&str, String> = BTreeMap::new();
    for (id, future) in calls {
        let outcome = outcome(future.await);
        println!("{id}: {outcome}");
        outcomes.insert(id, outcome);
    }
    let unexpected: Vec<String> = outcomes
        .iter()
        .filter(|(id, outcome)| match known_refusals.iter().find(|(k, _)| k == *id) {
            Some((_, why)) => outcome.as_str() == "accepted" || !outcome.contains(why),
            None => outcome.as_str() != "accepted",
        })
        .map(|(id, outcome)| format!("{id}: {outcome}"))
        .collect();
    assert!(unexpected.is_empty(), "against Prism:\n  {}", unexpected.join("\n  "));
}
