//! Shared support of the contract and behaviour tests: Coda's OpenAPI document, per-operation
//! contracts (response fixtures validated against the document, requests checked against it),
//! the loopback server and test clients.
// Each test binary uses a different part of this module.
#![allow(dead_code, unreachable_pub)]

pub mod fixtures;
pub mod schema;
pub mod server;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use cloud_coda::CodaClient;
use cloud_core::retry::RetryConfig;
use serde_json::Value;

use self::schema::Validator;
use self::server::{BASE_PATH, Recorded, Reply, Server};

/// The token the test clients send.
pub const TOKEN: &str = "test-token-5f2a9c";

/// Where the document is looked for, and what to do when it is missing.
const INSTRUCTION: &str = "Coda's OpenAPI document is needed by these tests: set CODA_OPENAPI_SPEC to its path, \
     put it at ../shared/spec/apis/coda-openapi.json beside the repository, or run `cargo xtask codegen coda` \
     with network access (it downloads https://coda.io/apis/v1/openapi.json into $HOME/.cache/cloud-codegen/)";

/// Coda's OpenAPI document; panics with [`INSTRUCTION`] when it cannot be found.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = locate();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
    })
}

fn locate() -> PathBuf {
    if let Some(path) = std::env::var_os("CODA_OPENAPI_SPEC").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "CODA_OPENAPI_SPEC names {}, which is not a file. {INSTRUCTION}", path.display());
        return path;
    }
    let shared = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/spec/apis/coda-openapi.json"));
    if shared.is_file() {
        return shared;
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        let cached = PathBuf::from(home).join(".cache/cloud-codegen/coda-openapi.json");
        if cached.is_file() {
            return cached;
        }
    }
    panic!("{INSTRUCTION}")
}

/// The validator of the document.
pub fn validator() -> Validator<'static> {
    Validator::new(spec())
}

/// The operations outside Packs, as `(operationId, method, path template)`, `${x}` read as `{x}`.
pub fn spec_operations() -> Vec<(String, String, String)> {
    let mut ops = Vec::new();
    for (path, item) in spec()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
            if op.pointer("/tags/0").and_then(Value::as_str) == Some("Packs") {
                continue;
            }
            ops.push((id.to_owned(), method.to_uppercase(), path.replace("${", "{")));
        }
    }
    ops.sort();
    ops
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

/// One operation of the document, by `operationId`.
#[derive(Debug, Clone)]
pub struct Contract {
    pub id: String,
    pub method: String,
    pub path: String,
    op: &'static Value,
}

/// The contract of operation `id`; panics if the document has no such operation.
pub fn contract(id: &str) -> Contract {
    for (path, item) in spec()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("operationId").and_then(Value::as_str) == Some(id) {
                return Contract {
                    id: id.to_owned(),
                    method: method.to_uppercase(),
                    path: path.replace("${", "{"),
                    op,
                };
            }
        }
    }
    panic!("the OpenAPI document has no operation {id}")
}

/// What a request must be, beyond what the document says.
#[derive(Debug, Default)]
pub struct Expected<'a> {
    /// The path below the base URL, percent-encoded as it must be sent.
    pub path: &'a str,
    /// The query pairs, decoded, in any order.
    pub query: &'a [(&'a str, &'a str)],
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl Contract {
    /// The JSON schema of the answer with `status` (a 2xx or an error component).
    pub fn response_schema(&self, status: u16) -> &'static Value {
        let validator = validator();
        let response = self
            .op
            .pointer(&format!("/responses/{status}"))
            .unwrap_or_else(|| panic!("{} declares no {status} answer", self.id));
        validator
            .resolve(response)
            .pointer("/content/application~1json/schema")
            .unwrap_or_else(|| panic!("{}'s {status} answer has no JSON schema", self.id))
    }

    /// A canned answer, after checking it against the document; panics listing every problem.
    pub fn reply(&self, status: u16, body: &Value) -> Reply {
        let problems = validator().problems(self.response_schema(status), body);
        assert!(
            problems.is_empty(),
            "the {status} fixture of {} does not conform to the OpenAPI document:\n  {}",
            self.id,
            problems.join("\n  ")
        );
        Reply::json(status, body)
    }

    /// Checks a received request against the document and `expected`.
    pub fn assert_request(&self, request: &Recorded, expected: &Expected<'_>) {
        let id = &self.id;
        assert_eq!(request.method, self.method, "{id}: method");
        let path = request.api_path();
        assert_eq!(path, expected.path, "{id}: path");
        self.assert_path_matches_template(path);

        // Query: every pair declared by the document and of the declared type; exactly the expected ones.
        let validator = validator();
        for (name, value) in &request.query {
            let param = self
                .parameter("query", name)
                .unwrap_or_else(|| panic!("{id}: query parameter {name:?} is not declared by the document"));
            let schema = param.get("schema").unwrap();
            let as_json = query_json(validator.resolve(schema), value, param);
            let problems = validator.problems(schema, &as_json);
            assert!(problems.is_empty(), "{id}: query {name}={value:?}: {problems:?}");
        }
        let mut got: Vec<(&str, &str)> = request.query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let mut want = expected.query.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{id}: query");
        for param in self.parameters() {
            if param["in"] == "query" && param.get("required") == Some(&Value::Bool(true)) {
                let name = param["name"].as_str().unwrap();
                assert!(request.query_value(name).is_some(), "{id}: required query parameter {name} missing");
            }
        }

        // Headers.
        assert_eq!(request.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()), "{id}: auth");
        assert_eq!(request.header("accept"), Some("application/json"), "{id}: accept");
        let agent = request.header("user-agent").unwrap_or_default();
        assert!(agent.starts_with("cloud-coda/"), "{id}: user agent {agent:?}");

        // Body.
        match (&expected.body, self.op.get("requestBody")) {
            (Some(body), Some(declared)) => {
                assert_eq!(request.header("content-type"), Some("application/json"), "{id}: content type");
                let sent = request.json().unwrap_or_else(|| panic!("{id}: no body sent"));
                assert_eq!(&sent, body, "{id}: body");
                let schema = validator
                    .resolve(declared)
                    .pointer("/content/application~1json/schema")
                    .unwrap_or_else(|| panic!("{id}: no JSON request schema"));
                let problems = validator.problems(schema, &sent);
                assert!(problems.is_empty(), "{id}: the body does not conform:\n  {}", problems.join("\n  "));
            }
            (Some(_), None) => panic!("{id}: the document declares no request body"),
            (None, _) => assert!(request.body.is_empty(), "{id}: unexpected body {:?}", request.json()),
        }
    }

    fn parameters(&self) -> Vec<&'static Value> {
        let validator = validator();
        self.op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| validator.resolve(p))
            .collect()
    }

    fn parameter(&self, location: &str, name: &str) -> Option<&'static Value> {
        self.parameters().into_iter().find(|p| p["in"] == location && p["name"] == name)
    }

    /// The path has the template's literal segments, and each parameter segment is non-empty and
    /// valid for its declared type.
    fn assert_path_matches_template(&self, path: &str) {
        let id = &self.id;
        let template: Vec<&str> = self.path.trim_start_matches('/').split('/').collect();
        let actual: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        assert_eq!(template.len(), actual.len(), "{id}: {path} does not match {}", self.path);
        for (t, a) in template.iter().zip(&actual) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => {
                    assert!(!a.is_empty(), "{id}: empty {name} in {path}");
                    let param = self.parameter("path", name).unwrap_or_else(|| panic!("{id}: undeclared {name}"));
                    let decoded = server::decode(a);
                    let validator = validator();
                    let value = query_json(validator.resolve(&param["schema"]), &decoded, param);
                    let problems = validator.problems(&param["schema"], &value);
                    assert!(problems.is_empty(), "{id}: path parameter {name}={decoded:?}: {problems:?}");
                }
                None => assert_eq!(t, a, "{id}: {path} does not match {}", self.path),
            }
        }
    }
}

/// A query or path value as the JSON value of its schema's type (so the validator can check it).
fn query_json(schema: &Value, text: &str, param: &Value) -> Value {
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => panic!("{}: {other:?} is not true or false", param["name"]),
        },
        Some("integer" | "number") => {
            serde_json::from_str(text).unwrap_or_else(|_| panic!("{}: {text:?} is not a number", param["name"]))
        }
        Some("array") => {
            let items = validator().resolve(&schema["items"]);
            Value::Array(text.split(',').map(|item| query_json(items, item, param)).collect())
        }
        _ => Value::String(text.to_owned()),
    }
}

/// Drives a paused clock in 1 ms steps until dropped.
///
/// With `start_paused`, tokio jumps the clock to the next timer whenever the runtime idles, even
/// while loopback I/O is in flight, so a request would "take" as long as the next rate-limit wait
/// (or its own timeout). This task is always ready, so the runtime never idles: I/O is polled
/// between steps and a request costs a few virtual milliseconds, as on a real loopback.
pub struct ClockDriver(tokio::task::JoinHandle<()>);

impl ClockDriver {
    /// Starts driving the (paused) clock of the current runtime.
    pub fn start() -> Self {
        Self(tokio::spawn(async {
            loop {
                tokio::task::yield_now().await;
                tokio::time::advance(Duration::from_millis(1)).await;
            }
        }))
    }
}

impl Drop for ClockDriver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The base path the server expects requests below.
pub fn base_path() -> &'static str {
    BASE_PATH
}
