//! Tests of the `http` layer against a scripted HTTP/1.1 server on 127.0.0.1: retries, 429
//! handling, timeouts, error mapping, auth, redaction and rate-limit budgets.

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cloud_core::http::{HttpClient, HttpErrorBody, Method};
use cloud_core::rate_limit::{Budget, RateLimiter};
use cloud_core::retry::{RetryConfig, was_not_sent};
use cloud_core::{CloudProvider, ErrorKind};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

// ---------------------------------------------------------------------------------------------
// A scripted loopback server.

/// One canned answer.
#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Reply {
    fn new(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO }
    }

    fn json(status: u16, body: &str) -> Self {
        Self::new(status).header("content-type", "application/json").body(body)
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn body(mut self, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        self
    }

    fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    at: Instant,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Serves the scripted replies in order, one request per connection, and records every request.
/// When the script is used up it answers 599 so that a test notices extra requests.
struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(replies)));
        let task = {
            let seen = seen.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else { return };
                    let (seen, script) = (seen.clone(), script.clone());
                    tokio::spawn(async move { serve(stream, &seen, &script).await });
                }
            })
        };
        Self { addr, seen, task }
    }

    fn url(&self) -> Url {
        format!("http://{}/api/v1", self.addr).parse().unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, seen: &Mutex<Vec<Seen>>, script: &Mutex<VecDeque<Reply>>) {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    seen.lock().unwrap().push(Seen { method, target, headers, body, at: Instant::now() });
    let reply = script.lock().unwrap().pop_front().unwrap_or_else(|| Reply::new(599).body("script exhausted"));
    tokio::time::sleep(reply.delay).await;
    let mut out =
        format!("HTTP/1.1 {} Scripted\r\ncontent-length: {}\r\nconnection: close\r\n", reply.status, reply.body.len());
    for (name, value) in &reply.headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&reply.body);
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// A tracing subscriber that writes every span and event, with all fields, into a string.

#[derive(Clone, Default)]
struct Capture {
    out: Arc<Mutex<String>>,
    next_id: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Fields(&mut line));
        self.out.lock().unwrap().push_str(&(line + "\n"));
        tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = String::from("record");
        values.record(&mut Fields(&mut line));
        self.out.lock().unwrap().push_str(&(line + "\n"));
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = format!("event {}", event.metadata().target());
        event.record(&mut Fields(&mut line));
        self.out.lock().unwrap().push_str(&(line + "\n"));
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

impl Capture {
    fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }
}

// ---------------------------------------------------------------------------------------------

fn fast_retry() -> RetryConfig {
    RetryConfig::default().with_max_retries(3).with_initial_backoff(Duration::from_millis(5))
}

fn client(server: &Server) -> HttpClient {
    HttpClient::builder(CloudProvider::Coda, server.url()).with_retry(fast_retry()).build().unwrap()
}

#[derive(Debug, Deserialize, PartialEq)]
struct Doc {
    id: String,
}

#[tokio::test]
async fn retries_a_503_then_succeeds() {
    let server = Server::start(vec![
        Reply::json(503, r#"{"message":"busy"}"#),
        Reply::new(502),
        Reply::json(200, r#"{"id":"d1"}"#),
    ])
    .await;
    let doc: Doc = client(&server).get("docs/d1").operation("get_doc").send_json().await.unwrap();
    assert_eq!(doc, Doc { id: "d1".into() });
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.method == "GET" && s.target == "/api/v1/docs/d1"));
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let server = Server::start(vec![Reply::new(503); 5]).await;
    let client = HttpClient::builder(CloudProvider::Coda, server.url())
        .with_retry(fast_retry().with_max_retries(2))
        .build()
        .unwrap();
    let err = client.get("docs").operation("list_docs").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(err.message(), "Service Unavailable");
    assert_eq!(err.operation(), Some("list_docs"));
    assert_eq!(err.provider(), Some(CloudProvider::Coda));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_429_with_retry_after_pauses_the_budget_and_retries() {
    let server = Server::start(vec![
        Reply::json(429, r#"{"statusCode":429,"statusMessage":"Too Many Requests","message":"Too Many Requests"}"#)
            .header("retry-after", "1"),
        Reply::json(200, r#"{"id":"d2"}"#),
        Reply::json(200, r#"{"id":"d3"}"#),
    ])
    .await;
    let limiter = RateLimiter::new([Budget::new("read", 100, Duration::from_secs(6))]).unwrap();
    let client = HttpClient::builder(CloudProvider::Coda, server.url())
        .with_retry(fast_retry())
        .with_rate_limiter(limiter)
        .build()
        .unwrap();
    let start = Instant::now();
    let doc: Doc = client.get("docs/d2").budget("read").send_json().await.unwrap();
    assert_eq!(doc.id, "d2");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= Duration::from_millis(950), "retried after {gap:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    // A clone of the client shares the (now unpaused) budget.
    let doc: Doc = client.clone().get("docs/d3").budget("read").send_json().await.unwrap();
    assert_eq!(doc.id, "d3");
}

/// A `Retry-After` of `10000000000000000000` or `1e19` panicked in the limiter ("overflow when
/// adding duration to instant"); `86400` held every later request of the budget for a day. Now
/// the pause is capped and the wait for the budget counts against the request timeout.
#[tokio::test]
async fn a_huge_retry_after_neither_panics_nor_stalls() {
    for retry_after in ["10000000000000000000", "1e19", "86400", "18446744073709551616"] {
        let server = Server::start(vec![
            Reply::json(429, r#"{"message":"Too Many Requests"}"#).header("retry-after", retry_after),
            Reply::new(200),
        ])
        .await;
        let limiter = RateLimiter::new([Budget::new("read", 100, Duration::from_secs(6))]).unwrap();
        let client = HttpClient::builder(CloudProvider::Coda, server.url())
            .with_retry(fast_retry().with_max_backoff(Duration::from_millis(10)))
            .with_rate_limiter(limiter.clone())
            .with_timeout(Duration::from_millis(400))
            .build()
            .unwrap();
        let start = Instant::now();
        let call = tokio::spawn(async move { client.get("docs").budget("read").send().await.map(|_| ()) });
        let outcome = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("the call must end within its timeout")
            .unwrap_or_else(|panic| panic!("Retry-After {retry_after}: the call panicked: {panic}"));
        let err = outcome.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "Retry-After {retry_after}: {err}");
        assert!(start.elapsed() < Duration::from_secs(5), "Retry-After {retry_after}: {:?}", start.elapsed());
        // Only the first request went out; the retry gave up waiting for the paused budget.
        assert_eq!(server.seen().len(), 1, "Retry-After {retry_after}");
        assert!(limiter.max_pause() <= Duration::from_secs(300));
    }
}

#[tokio::test]
async fn a_429_without_retry_after_pauses_for_the_budget_window() {
    let server = Server::start(vec![Reply::json(429, r#"{"message":"Too Many Requests"}"#), Reply::new(204)]).await;
    let limiter = RateLimiter::new([Budget::new("write", 10, Duration::from_millis(700))]).unwrap();
    let client = HttpClient::builder(CloudProvider::Coda, server.url())
        .with_retry(fast_retry())
        .with_rate_limiter(limiter)
        .build()
        .unwrap();
    // A POST: a 429 means the request was refused, so retrying it is safe.
    let response = client.post("docs/d/rows").json(&serde_json::json!({"rows": []})).budget("write").send().await;
    assert_eq!(response.unwrap().status().as_u16(), 204);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(650), "{:?}", seen[1].at - seen[0].at);
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_500() {
    let server = Server::start(vec![Reply::json(500, r#"{"message":"boom"}"#), Reply::new(200)]).await;
    let err = client(&server).post("docs").json(&serde_json::json!({"title": "t"})).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.message(), "boom");
    assert_eq!(err.operation(), Some("POST /api/v1/docs"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried() {
    let server = Server::start(vec![Reply::new(500), Reply::json(200, r#"{"id":"q"}"#)]).await;
    let doc: Doc = client(&server).post("search").idempotent(true).send_json().await.unwrap();
    assert_eq!(doc.id, "q");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = Server::start(vec![Reply::new(200).delay(Duration::from_secs(3))]).await;
    let client = HttpClient::builder(CloudProvider::Coda, server.url())
        .with_timeout(Duration::from_millis(200))
        .with_retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client.get("slow").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert!(err.is_retryable());
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(!err.to_string().contains("127.0.0.1"), "no URL in errors: {err}");
}

#[tokio::test]
async fn a_refused_connection_is_a_dispatch_error_retried_even_for_a_post() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let client = HttpClient::builder(CloudProvider::Coda, format!("http://{addr}/").parse().unwrap())
        .with_retry(fast_retry().with_max_retries(2))
        .build()
        .unwrap();
    let err = client.post("docs").json(&serde_json::json!({})).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Dispatch, "{err:?}");
    assert!(was_not_sent(&err), "{err:?}");
    let retries = capture.text().matches("retrying after a retryable error").count();
    assert_eq!(retries, 2, "{}", capture.text());
}

#[tokio::test]
async fn error_bodies_and_request_ids_are_kept() {
    let body = r#"{"statusCode":400,"statusMessage":"Bad Request","message":"Invalid row","codaDetail":{"validationErrors":[{"path":"rows[0]","message":"bad cell"}]}}"#;
    let server = Server::start(vec![
        Reply::json(400, body).header("x-request-id", "req-42"),
        Reply::new(404)
            .header("content-type", "text/plain")
            .header("x-openstack-request-id", "req-os")
            .body("no such thing\n"),
    ])
    .await;
    let client = client(&server);
    let err = client.post("docs/d/tables/t/rows").operation("upsert_rows").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.message(), "Invalid row");
    assert_eq!(err.request_id(), Some("req-42"));
    assert_eq!(err.to_string(), "coda upsert_rows: invalid_input: Invalid row (status 400, request id req-42)");
    let details = HttpErrorBody::of(&err).unwrap().json().unwrap().pointer("/codaDetail/validationErrors/0/message");
    assert_eq!(details.and_then(|v| v.as_str()), Some("bad cell"));
    let via_source = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<HttpErrorBody>());
    assert_eq!(via_source.map(HttpErrorBody::status), Some(400));

    let err = client.get("things/x").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "no such thing");
    assert_eq!(err.request_id(), Some("req-os"));
}

#[tokio::test]
async fn error_refiner_changes_the_kind() {
    fn refine(ctx: &cloud_core::http::ErrorContext<'_>) -> Option<ErrorKind> {
        (ctx.status() == 403 && ctx.body().message() == Some("quota")).then_some(ErrorKind::QuotaExceeded)
    }
    let server = Server::start(vec![Reply::json(403, r#"{"message":"quota"}"#)]).await;
    let client =
        HttpClient::builder(CloudProvider::Infomaniak, server.url()).with_error_refiner(refine).build().unwrap();
    let err = client.get("x").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExceeded);
}

#[tokio::test]
async fn auth_is_applied_but_never_shown() {
    const TOKEN: &str = "CANARYhttpBearerToken0123";
    const QUERY_SECRET: &str = "CANARYhttpQuerySecret987";
    let server =
        Server::start(vec![Reply::json(200, r#"{"id":"me"}"#), Reply::json(401, r#"{"message":"bad"}"#)]).await;
    let other = Server::start(vec![Reply::new(200)]).await;
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let client = HttpClient::builder(CloudProvider::Coda, server.url())
        .with_bearer_token(TOKEN)
        .with_user_agent("cloud-test/1")
        .with_default_header("x-extra", "1")
        .with_retry(fast_retry())
        .build()
        .unwrap();
    let request = client.get("whoami").query(&[("apiKey", QUERY_SECRET)]).operation("whoami");
    let debug = format!("{client:?} {client:#?} {request:?}");
    let me: Doc = request.send_json().await.unwrap();
    assert_eq!(me.id, "me");
    let err = client.get("whoami").query(&[("apiKey", QUERY_SECRET)]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);

    let seen = server.seen();
    assert_eq!(seen[0].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(seen[0].header("user-agent"), Some("cloud-test/1"));
    assert_eq!(seen[0].header("x-extra"), Some("1"));
    assert_eq!(seen[0].target, format!("/api/v1/whoami?apiKey={QUERY_SECRET}"));

    // An absolute URL on another origin gets no credentials.
    let foreign = client.request_url(Method::GET, other.url()).send().await.unwrap();
    assert_eq!(foreign.status().as_u16(), 200);
    assert_eq!(other.seen()[0].header("authorization"), None);

    let logs = capture.text();
    assert!(logs.contains("span http_request") && logs.contains("operation=whoami"), "{logs}");
    assert!(logs.contains("path=/api/v1/whoami"), "{logs}");
    for text in [&logs, &debug, &format!("{err} {err:?}")] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains(QUERY_SECRET), "query leaked: {text}");
    }
}

#[tokio::test]
async fn requests_carry_query_body_headers_and_encoded_segments() {
    let server = Server::start(vec![Reply::json(200, r#"{"id":"r"}"#), Reply::new(204)]).await;
    let client = client(&server);
    #[derive(serde::Serialize)]
    struct Query<'a> {
        limit: u32,
        #[serde(rename = "pageToken", skip_serializing_if = "Option::is_none")]
        page_token: Option<&'a str>,
    }
    let doc: Doc = client
        .patch("docs/d")
        .query(&Query { limit: 5, page_token: None })
        .json(&serde_json::json!({"title": "é"}))
        .header("x-coda-doc-version", "latest")
        .send_json()
        .await
        .unwrap();
    assert_eq!(doc.id, "r");
    client.request_segments(Method::DELETE, &["docs", "d", "tables", "My table/1"]).send().await.unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].method, "PATCH");
    assert_eq!(seen[0].target, "/api/v1/docs/d?limit=5");
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(seen[0].header("x-coda-doc-version"), Some("latest"));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&seen[0].body).unwrap()["title"], "é");
    assert_eq!(seen[1].method, "DELETE");
    assert_eq!(seen[1].target, "/api/v1/docs/d/tables/My%20table%2F1");
}

#[tokio::test]
async fn rate_limit_budgets_are_applied() {
    let server = Server::start(vec![Reply::new(200); 3]).await;
    let limiter = RateLimiter::new([
        Budget::new("write", 10, Duration::from_secs(6)),
        Budget::new("doc_content", 2, Duration::from_millis(800)),
    ])
    .unwrap();
    let client = HttpClient::builder(CloudProvider::Coda, server.url())
        .with_rate_limiter(limiter.clone())
        .with_retry(fast_retry())
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..3 {
        client.put("docs/d/pages/p").budget("write").budget("doc_content").send().await.unwrap();
    }
    assert!(start.elapsed() >= Duration::from_millis(750), "{:?}", start.elapsed());
    let seen = server.seen();
    assert!(seen[2].at - seen[0].at >= Duration::from_millis(750));

    // Unknown budget names are configuration errors, and nothing is sent.
    let err = client.get("x").budget("raed").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn send_raw_returns_error_statuses_and_into_error_maps_them() {
    let server =
        Server::start(vec![Reply::json(404, r#"{"message":"gone fishing"}"#).header("x-request-id", "r1")]).await;
    let response = client(&server).get("pages/p").operation("get_page").send_raw().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(response.request_id(), Some("r1"));
    let err = response.into_error().await;
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "gone fishing");
    assert_eq!(err.operation(), Some("get_page"));
}

#[tokio::test]
async fn undecodable_bodies_are_response_invalid_with_an_excerpt() {
    let server = Server::start(vec![
        Reply::json(200, "<html>not json</html>"),
        Reply::json(200, r#"{"secret":"CANARYsensitiveAnswer1""#),
    ])
    .await;
    let client = client(&server);
    let err = client.get("docs").send_json::<Doc>().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseInvalid);
    assert!(err.message().contains("<html>not json</html>"), "{err}");
    assert_eq!(server.seen().len(), 1, "decode errors are not retried");

    let err = client.post("credentials").sensitive_response().send_json::<Doc>().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseInvalid);
    assert!(!format!("{err} {err:?}").contains("CANARYsensitiveAnswer1"), "{err:?}");
}

#[tokio::test]
async fn empty_bodies_decode_as_null() {
    let server = Server::start(vec![Reply::new(204), Reply::new(200), Reply::new(202).body("{}")]).await;
    let client = client(&server);
    client.delete("docs/d").send_json::<()>().await.unwrap();
    assert_eq!(client.get("docs/d").send_json::<Option<Doc>>().await.unwrap(), None);
    let empty: serde_json::Map<String, serde_json::Value> = client.delete("docs/e").send_json().await.unwrap();
    assert!(empty.is_empty());
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn streaming_and_text_bodies() {
    use futures::TryStreamExt;
    let server = Server::start(vec![Reply::new(200).body("hello stream"), Reply::new(200).body("plain")]).await;
    let client = client(&server);
    let response = client.get("file").send().await.unwrap();
    assert_eq!(response.content_length(), Some(12));
    let chunks: Vec<bytes::Bytes> = response.bytes_stream().try_collect().await.unwrap();
    assert_eq!(chunks.concat(), b"hello stream");
    assert_eq!(client.get("file").send().await.unwrap().text().await.unwrap(), "plain");
}

#[tokio::test]
async fn invalid_requests_are_construction_errors() {
    let server = Server::start(vec![]).await;
    let client = client(&server);
    let err = client.get("x").header("bad header", "v").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Construction, "{err:?}");
    assert_eq!(err.provider(), Some(CloudProvider::Coda));
    let err = client.request_segments(Method::GET, &["docs", ".."]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(server.seen().is_empty());
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>(_: &T) {}
    assert_send_sync::<HttpClient>();
    assert_send_sync::<cloud_core::http::RequestBuilder>();
    assert_send_sync::<cloud_core::http::Response>();
    assert_send_sync::<HttpErrorBody>();
    assert_send_sync::<RateLimiter>();
    let client = HttpClient::builder(CloudProvider::Coda, "http://127.0.0.1:9/".parse().unwrap()).build().unwrap();
    assert_send(&client.get("x").send());
    assert_send(&client.get("x").send_json::<Doc>());
    assert_send(&client.get("x").send_raw());
}
