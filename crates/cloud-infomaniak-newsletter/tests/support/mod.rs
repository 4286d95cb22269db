//! Shared support of the Newsletter tests: Infomaniak's OpenAPI export and its contracts (on the
//! workspace's contract-testing crate), canned objects, envelopes and the test clients.
// Each test binary uses a different part of this module.
#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod fixtures;

/// The loopback server.
pub mod server {
    pub use cloud_contract_testing::server::*;
}

use std::sync::OnceLock;
use std::time::Duration;

use cloud_contract_testing::{Api, Document, Validator};
pub use cloud_contract_testing::{ClockDriver, Contract, Expected};
use cloud_core::retry::RetryConfig;
use cloud_infomaniak_newsletter::NewsletterClient;
use serde_json::{Value, json};

use self::server::Server;

/// The token the test clients send.
pub const TOKEN: &str = "CANARYnewsletterToken9c41e0";

/// The newsletter domain of the test clients.
pub const DOMAIN: u64 = 4321;

const DOCUMENT: Document = Document {
    env: "INFOMANIAK_NEWSLETTER_OPENAPI_SPEC",
    file: "infomaniak-newsletter-openapi.json",
    instruction: "Infomaniak's Newsletter OpenAPI export is needed by these tests: set \\
     INFOMANIAK_NEWSLETTER_OPENAPI_SPEC to its path, or put it at \\
     ../shared/spec/apis/infomaniak-newsletter-openapi.json beside the repository",
};

/// The operation the export leaves without an `operationId`, and the id the client gives it.
pub const UNNAMED: (&str, &str, &str) =
    ("NewsletterSendTestCampaign", "POST", "/1/newsletters/{domain}/campaigns/{campaign}/test");

/// The export, as published (the contracts only read what the operations use).
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| DOCUMENT.load(env!("CARGO_MANIFEST_DIR")))
}

/// The API as the contracts see it.
pub fn api() -> Api {
    Api {
        spec: spec(),
        token: TOKEN,
        user_agent: "cloud-infomaniak-newsletter/",
        empty_object_body_unless_get: true,
        path_template: str::to_owned,
    }
}

/// The validator of the document.
pub fn validator() -> Validator<'static> {
    api().validator()
}

/// Every operation of the document as `(operationId, METHOD, path)`, the unnamed one under the
/// client's id.
pub fn spec_operations() -> Vec<(String, String, String)> {
    let mut ops: Vec<(String, String, String)> =
        api().operations().into_iter().map(|(id, method, path, _)| (id, method, path)).collect();
    ops.push((UNNAMED.0.to_owned(), UNNAMED.1.to_owned(), UNNAMED.2.to_owned()));
    ops.sort();
    ops
}

/// The contract of operation `id`.
pub fn contract(id: &str) -> Contract {
    if id == UNNAMED.0 { api().contract_at(UNNAMED.0, UNNAMED.1, UNNAMED.2) } else { api().contract(id) }
}

/// A client of `server` with fast retries.
pub fn client(server: &Server) -> NewsletterClient {
    builder(server).build().expect("a test client")
}

/// A builder for a client of `server` with fast retries.
pub fn builder(server: &Server) -> cloud_infomaniak_newsletter::NewsletterBuilder {
    NewsletterClient::builder()
        .with_token(TOKEN)
        .with_domain_id(DOMAIN)
        .with_base_url(server.base_url())
        .with_retry(RetryConfig::default().with_max_retries(2).with_initial_backoff(Duration::from_millis(5)))
}

/// The path of `rest` below the test domain: `/1/newsletters/4321/{rest}`.
pub fn at(rest: &str) -> String {
    if rest.is_empty() { format!("/1/newsletters/{DOMAIN}") } else { format!("/1/newsletters/{DOMAIN}/{rest}") }
}

/// A success envelope around `data`.
pub fn success(data: Value) -> Value {
    let mut envelope = json!({"result": "success"});
    envelope["data"] = data;
    envelope
}

/// A success envelope without data.
pub fn success_without_data() -> Value {
    json!({"result": "success"})
}

/// One page of a listing: `items` on page `page` of `pages`, `per_page` items a page.
pub fn page_of(items: Vec<Value>, page: u64, pages: u64, per_page: u64) -> Value {
    let total = (pages - 1) * per_page + items.len() as u64;
    let mut envelope =
        json!({"result": "success", "total": total, "page": page, "pages": pages, "items_per_page": per_page});
    envelope["data"] = Value::Array(items);
    envelope
}

/// The `{}` body of a request that has nothing to send.
pub fn empty() -> Option<Value> {
    Some(json!({}))
}
