//! Shared support of the contract and behaviour tests: Coda's OpenAPI document and its
//! contracts, on the workspace's contract-testing crate (validator, loopback server, request
//! checks), plus the test clients.
// Each test binary uses a different part of this module.
#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod fixtures;

/// The loopback server.
pub mod server {
    pub use cloud_contract_testing::server::*;
}

use std::sync::OnceLock;
use std::time::Duration;

use cloud_coda::CodaClient;
use cloud_contract_testing::{Api, Document, Validator};
pub use cloud_contract_testing::{ClockDriver, Contract, Expected};
use cloud_core::retry::RetryConfig;
use serde_json::Value;

use self::server::{BASE_PATH, Server};

/// The token the test clients send.
pub const TOKEN: &str = "CANARYcodaToken5f2a9c";

/// Where the document is looked for, and what to do when it is missing.
const DOCUMENT: Document = Document {
    env: "CODA_OPENAPI_SPEC",
    file: "coda-openapi.json",
    instruction: "Coda's OpenAPI document is needed by these tests: set CODA_OPENAPI_SPEC to its path, \
     put it at ../shared/spec/apis/coda-openapi.json beside the repository, or run `cargo xtask codegen coda` \
     with network access (it downloads https://coda.io/apis/v1/openapi.json into $HOME/.cache/cloud-codegen/)",
};

/// Coda's OpenAPI document; panics with instructions when it cannot be found.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| DOCUMENT.load(env!("CARGO_MANIFEST_DIR")))
}

/// The API as the contracts see it: paths written `${docId}` are read as `{docId}`.
pub fn api() -> Api {
    Api {
        spec: spec(),
        token: TOKEN,
        user_agent: "cloud-coda/",
        empty_object_body_unless_get: false,
        path_template: |path| path.replace("${", "{"),
    }
}

/// The validator of the document.
pub fn validator() -> Validator<'static> {
    api().validator()
}

/// The operations outside Packs, as `(operationId, method, path template)`, `${x}` read as `{x}`.
pub fn spec_operations() -> Vec<(String, String, String)> {
    api()
        .operations()
        .into_iter()
        .filter(|op| op.3 != "Packs")
        .map(|(id, method, path, _)| (id, method, path))
        .collect()
}

/// A client of `server` with fast retries.
pub fn client(server: &Server) -> CodaClient {
    builder(server).build().expect("a test client")
}

/// A builder for a client of `server` with fast retries.
pub fn builder(server: &Server) -> cloud_coda::CodaBuilder {
    CodaClient::builder()
        .with_token(TOKEN)
        .with_base_url(server.base_url())
        .with_retry(RetryConfig::default().with_max_retries(2).with_initial_backoff(Duration::from_millis(5)))
}

/// The contract of operation `id`; panics if the document has no such operation.
pub fn contract(id: &str) -> Contract {
    api().contract(id)
}

/// The base path the server expects requests below.
pub fn base_path() -> &'static str {
    BASE_PATH
}
