//! Contract tests: every operation of the client against a loopback server.
//!
//! Each test validates its canned answer against the operation's response schema in Coda's
//! OpenAPI document before serving it, calls the client, and checks the request the server got
//! (method, encoded path, query, headers, body validated against the request schema). The
//! document is read from `CODA_OPENAPI_SPEC` or `../shared/spec/apis/coda-openapi.json`; without
//! it the tests fail with instructions.

#[path = "../support/mod.rs"]
mod support;

mod analytics;
mod docs;
mod pages;
mod permissions;
mod tables;

use std::collections::BTreeSet;

/// The source of the contract tests, to prove each operation has one.
const SOURCES: &[&str] = &[
    include_str!("analytics.rs"),
    include_str!("docs.rs"),
    include_str!("pages.rs"),
    include_str!("permissions.rs"),
    include_str!("tables.rs"),
];

#[test]
fn every_operation_of_the_document_is_implemented() {
    let spec: BTreeSet<(String, String, String)> = support::spec_operations().into_iter().collect();
    let client: BTreeSet<(String, String, String)> =
        cloud_coda::OPERATIONS.iter().map(|op| (op.id.to_owned(), op.method.to_owned(), op.path.to_owned())).collect();
    let missing: Vec<_> = spec.difference(&client).collect();
    let extra: Vec<_> = client.difference(&spec).collect();
    assert!(missing.is_empty() && extra.is_empty(), "not implemented: {missing:?}; not in the document: {extra:?}");
    assert_eq!(client.len(), 64, "the 1.5.0 document has 64 operations outside Packs");
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
