//! Contract tests: every operation of the client against a loopback server.
//!
//! Each test validates its canned answer (in Infomaniak's envelope) against the operation's
//! response schema in the OpenAPI export before serving it, calls the client, and checks the
//! request the server got (method, encoded path, query, headers, body validated against the
//! request schema). The export is read from `INFOMANIAK_NEWSLETTER_OPENAPI_SPEC` or
//! `../shared/spec/apis/infomaniak-newsletter-openapi.json`; without it the tests fail with
//! instructions.

#[path = "../support/mod.rs"]
mod support;

mod campaigns;
mod lists;
mod misc;
mod subscribers;

use std::collections::BTreeSet;

/// The source of the contract tests, to prove each operation has one.
const SOURCES: &[&str] =
    &[include_str!("campaigns.rs"), include_str!("lists.rs"), include_str!("misc.rs"), include_str!("subscribers.rs")];

#[test]
fn every_operation_of_the_document_is_implemented() {
    let spec: BTreeSet<(String, String, String)> = support::spec_operations().into_iter().collect();
    let client: BTreeSet<(String, String, String)> = cloud_infomaniak_newsletter::OPERATIONS
        .iter()
        .map(|op| (op.id.to_owned(), op.method.to_owned(), op.path.to_owned()))
        .collect();
    let missing: Vec<_> = spec.difference(&client).collect();
    let extra: Vec<_> = client.difference(&spec).collect();
    assert!(missing.is_empty() && extra.is_empty(), "not implemented: {missing:?}; not in the document: {extra:?}");
    assert_eq!(client.len(), 71, "Infomaniak's export has 71 newsletter operations");
}

#[test]
fn every_operation_has_a_contract_test() {
    let untested: Vec<String> = support::spec_operations()
        .into_iter()
        .map(|(id, _, _)| id)
        .filter(|id| {
            let call = format!("contract(\"{id}\")");
            !SOURCES.iter().any(|source| source.contains(&call))
        })
        .collect();
    assert!(untested.is_empty(), "operations without a contract test: {untested:?}");
}
