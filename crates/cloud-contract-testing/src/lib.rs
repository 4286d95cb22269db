//! Contract tests of the REST clients on loopback: canned answers validated against the vendor's
//! OpenAPI document before they are served, and every request checked against the document.
//!
//! A test crate describes its API once ([`Api`]: the document, the token and user agent its
//! client sends, how it sends bodies) and then, per operation, takes the [`Contract`], serves
//! [`Contract::reply`] from a [`server::Server`] and checks what arrived with
//! [`Contract::assert_request`].

pub mod prism;
pub mod schema;
pub mod server;
pub mod trace;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

pub use self::schema::Validator;
use self::server::{Recorded, Reply};

/// Where a vendor document is looked for.
#[derive(Debug, Clone, Copy)]
pub struct Document {
    /// The environment variable naming it (`CODA_OPENAPI_SPEC`).
    pub env: &'static str,
    /// Its file name in `../shared/spec/apis/` and in the codegen cache (`coda-openapi.json`).
    pub file: &'static str,
    /// What to do when it is missing.
    pub instruction: &'static str,
}

impl Document {
    /// Reads and parses the document: the variable, then the shared folder beside the repository
    /// (`manifest_dir` is the test crate's `CARGO_MANIFEST_DIR`), then
    /// `$HOME/.cache/cloud-codegen/`; panics with the instruction when none has it.
    pub fn load(&self, manifest_dir: &str) -> Value {
        let path = self.locate(manifest_dir);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
    }

    fn locate(&self, manifest_dir: &str) -> PathBuf {
        let instruction = self.instruction;
        if let Some(path) = std::env::var_os(self.env).filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            assert!(path.is_file(), "{} names {}, which is not a file. {instruction}", self.env, path.display());
            return path;
        }
        let shared = PathBuf::from(manifest_dir).join("../../../shared/spec/apis").join(self.file);
        if shared.is_file() {
            return shared;
        }
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            let cached = PathBuf::from(home).join(".cache/cloud-codegen").join(self.file);
            if cached.is_file() {
                return cached;
            }
        }
        panic!("{instruction}")
    }
}

/// What a client sends with every request, and how it sends bodies.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    /// The (repaired) OpenAPI document.
    pub spec: &'static Value,
    /// The bearer token the test clients send.
    pub token: &'static str,
    /// The start of the `User-Agent` (`cloud-coda/`).
    pub user_agent: &'static str,
    /// Whether requests other than `GET` whose operation declares a body carry one (`{}` when
    /// they have nothing to send).
    pub empty_object_body_unless_get: bool,
    /// Rewrites a path template of the document as the client's operation table spells it.
    pub path_template: fn(&str) -> String,
}

impl Api {
    /// The validator of the document.
    pub fn validator(&self) -> Validator<'static> {
        Validator::new(self.spec)
    }

    /// Every operation of the document with its first tag, as `(operationId, METHOD, path, tag)`.
    pub fn operations(&self) -> Vec<(String, String, String, String)> {
        let mut ops = Vec::new();
        for (path, item) in self.spec["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("a path item") {
                let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
                let tag = op.pointer("/tags/0").and_then(Value::as_str).unwrap_or_default();
                ops.push((id.to_owned(), method.to_uppercase(), (self.path_template)(path), tag.to_owned()));
            }
        }
        ops.sort();
        ops
    }

    /// The contract of the operation at `METHOD path` (for an operation the document leaves
    /// without an `operationId`, which `id` then names); panics if there is none.
    pub fn contract_at(&self, id: &str, method: &str, path: &str) -> Contract {
        let op = self.spec["paths"]
            .as_object()
            .and_then(|paths| paths.iter().find(|(p, _)| (self.path_template)(p) == path))
            .and_then(|(_, item)| item.get(method.to_ascii_lowercase()))
            .unwrap_or_else(|| panic!("the OpenAPI document has no {method} {path}"));
        Contract { api: *self, id: id.to_owned(), method: method.to_uppercase(), path: path.to_owned(), op }
    }

    /// The contract of operation `id`; panics if the document has no such operation.
    pub fn contract(&self, id: &str) -> Contract {
        for (path, item) in self.spec["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("a path item") {
                if op.get("operationId").and_then(Value::as_str) == Some(id) {
                    return Contract {
                        api: *self,
                        id: id.to_owned(),
                        method: method.to_uppercase(),
                        path: (self.path_template)(path),
                        op,
                    };
                }
            }
        }
        panic!("the OpenAPI document has no operation {id}")
    }
}

/// One operation of the document, by `operationId`.
#[derive(Debug, Clone)]
pub struct Contract {
    api: Api,
    /// The `operationId`.
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template.
    pub path: String,
    op: &'static Value,
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
    /// The JSON schema of the answer with `status`.
    pub fn response_schema(&self, status: u16) -> &'static Value {
        let validator = self.api.validator();
        let response = self
            .op
            .pointer(&format!("/responses/{status}"))
            .unwrap_or_else(|| panic!("{} declares no {status} answer", self.id));
        validator
            .resolve(response)
            .pointer("/content/application~1json/schema")
            .unwrap_or_else(|| panic!("{}'s {status} answer has no JSON schema", self.id))
    }

    /// The status of the operation's success answer (its first 2xx).
    pub fn success_status(&self) -> u16 {
        self.op["responses"]
            .as_object()
            .and_then(|r| r.keys().find(|k| k.starts_with('2')))
            .and_then(|k| k.parse().ok())
            .unwrap_or_else(|| panic!("{} declares no 2xx answer", self.id))
    }

    /// A canned answer, after checking it against the document; panics listing every problem.
    pub fn reply(&self, status: u16, body: &Value) -> Reply {
        let problems = self.api.validator().problems(self.response_schema(status), body);
        assert!(
            problems.is_empty(),
            "the {status} fixture of {} does not conform to the OpenAPI document:\n  {}",
            self.id,
            problems.join("\n  ")
        );
        Reply::json(status, body)
    }

    /// The success answer ([`success_status`](Self::success_status)) with `body`, validated.
    pub fn ok(&self, body: &Value) -> Reply {
        self.reply(self.success_status(), body)
    }

    /// Checks a received request against the document and `expected`.
    pub fn assert_request(&self, request: &Recorded, expected: &Expected<'_>) {
        let id = &self.id;
        assert_eq!(request.method, self.method, "{id}: method");
        let path = request.api_path();
        assert_eq!(path, expected.path, "{id}: path");
        self.assert_path_matches_template(path);

        // Query: every pair declared by the document and of the declared type; exactly the expected ones.
        let validator = self.api.validator();
        let mut deep: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for (name, value) in &request.query {
            if let Some((base, _)) = name.split_once('[') {
                // `filter[search]=x`: one member of an object parameter, checked whole below.
                match deep.iter_mut().find(|(b, _)| b == base) {
                    Some((_, pairs)) => pairs.push((name.clone(), value.clone())),
                    None => deep.push((base.to_owned(), vec![(name.clone(), value.clone())])),
                }
                continue;
            }
            let param = self
                .parameter("query", name)
                .unwrap_or_else(|| panic!("{id}: query parameter {name:?} is not declared by the document"));
            let schema = param.get("schema").expect("a parameter schema");
            let as_json = self.query_json(validator.resolve(schema), value, param);
            let problems = validator.problems(schema, &as_json);
            assert!(problems.is_empty(), "{id}: query {name}={value:?}: {problems:?}");
        }
        for (base, pairs) in &deep {
            let param = self
                .parameter("query", base)
                .unwrap_or_else(|| panic!("{id}: query parameter {base:?} is not declared by the document"));
            let schema = param.get("schema").expect("a parameter schema");
            let object = self.deep_object(validator.resolve(schema), base, pairs, param);
            let problems = validator.problems(schema, &object);
            assert!(problems.is_empty(), "{id}: query {base} = {object}: {problems:?}");
        }
        let mut got: Vec<(&str, &str)> = request.query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let mut want = expected.query.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{id}: query");
        for param in self.parameters() {
            if param["in"] == "query" && param.get("required") == Some(&Value::Bool(true)) {
                let name = param["name"].as_str().expect("a parameter name");
                assert!(request.query_value(name).is_some(), "{id}: required query parameter {name} missing");
            }
        }

        // Headers.
        let token = self.api.token;
        assert_eq!(request.header("authorization"), Some(format!("Bearer {token}").as_str()), "{id}: auth");
        assert_eq!(request.header("accept"), Some("application/json"), "{id}: accept");
        let agent = request.header("user-agent").unwrap_or_default();
        assert!(agent.starts_with(self.api.user_agent), "{id}: user agent {agent:?}");

        // Body.
        let declared = self.op.get("requestBody");
        match (&expected.body, declared) {
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
            (None, Some(_)) if self.api.empty_object_body_unless_get && self.method != "GET" => {
                panic!("{id}: a request but GET with a declared body carries one; say which in Expected::body")
            }
            (None, _) => assert!(request.body.is_empty(), "{id}: unexpected body {:?}", request.json()),
        }
    }

    fn parameters(&self) -> Vec<&'static Value> {
        let validator = self.api.validator();
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
                    let validator = self.api.validator();
                    let value = self.query_json(validator.resolve(&param["schema"]), &decoded, param);
                    let problems = validator.problems(&param["schema"], &value);
                    assert!(problems.is_empty(), "{id}: path parameter {name}={decoded:?}: {problems:?}");
                }
                None => assert_eq!(t, a, "{id}: {path} does not match {}", self.path),
            }
        }
    }

    /// A query or path value as the JSON value of its schema's type (so the validator can check it).
    fn query_json(&self, schema: &Value, text: &str, param: &Value) -> Value {
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
                let items = self.api.validator().resolve(&schema["items"]);
                Value::Array(text.split(',').map(|item| self.query_json(items, item, param)).collect())
            }
            _ if schema.get("oneOf").is_some() => {
                // A scalar-or-list parameter (`order_by`): a list when comma-joined.
                let validator = self.api.validator();
                let list = schema["oneOf"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| validator.resolve(b))
                    .find(|b| b.get("type").and_then(Value::as_str) == Some("array"));
                match list {
                    Some(list) if text.contains(',') => self.query_json(list, text, param),
                    _ => Value::String(text.to_owned()),
                }
            }
            _ => Value::String(text.to_owned()),
        }
    }

    /// The object a parameter's bracketed pairs (`filter[status][]=draft`) stand for, each leaf
    /// typed by its schema.
    fn deep_object(&self, schema: &Value, base: &str, pairs: &[(String, String)], param: &Value) -> Value {
        let validator = self.api.validator();
        let mut object = Map::new();
        for (name, value) in pairs {
            let keys: Vec<&str> =
                name[base.len()..].split('[').filter(|k| !k.is_empty()).map(|k| k.trim_end_matches(']')).collect();
            let (key, rest) = keys.split_first().unwrap_or_else(|| panic!("{}: bad name {name}", self.id));
            let member =
                schema.pointer(&format!("/properties/{key}")).map(|s| validator.resolve(s)).unwrap_or(&Value::Null);
            match rest {
                [""] | [] if member.get("type").and_then(Value::as_str) == Some("array") || rest == [""] => {
                    let items = member.get("items").map_or(&Value::Null, |i| validator.resolve(i));
                    let entry = object.entry((*key).to_owned()).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(list) = entry {
                        list.push(self.query_json(items, value, param));
                    }
                }
                [] => {
                    object.insert((*key).to_owned(), self.query_json(member, value, param));
                }
                deeper => panic!("{}: {name}: nesting {deeper:?} is not supported", self.id),
            }
        }
        Value::Object(object)
    }
}

/// Drives a paused clock in 1 ms steps until dropped.
///
/// With `start_paused`, tokio jumps the clock to the next timer whenever the runtime idles, even
/// while loopback I/O is in flight, so a request would "take" as long as the next rate-limit wait
/// (or its own timeout). This task is always ready, so the runtime never idles: I/O is polled
/// between steps and a request costs a few virtual milliseconds, as on a real loopback.
#[derive(Debug)]
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
