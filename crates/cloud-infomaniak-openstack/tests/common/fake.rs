//! A scripted OpenStack on loopback for faults the real servers do not make: a Keystone that
//! issues tokens with a catalog pointing back at itself, and services that stall, redirect,
//! answer 401/429/503 or gzip. Every request is recorded (method, path, headers).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the fake does with one request.
pub enum Reply {
    /// Status, headers, body.
    Respond(u16, Vec<(String, String)>, Vec<u8>),
    /// Reads the request and never answers (the connection stays open).
    Stall,
    /// Status and headers, then a chunked body that never ends (until the client goes away).
    Endless(u16),
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Self::Respond(status, vec![("content-type".into(), "application/json".into())], body.as_bytes().to_vec())
    }

    pub fn status(status: u16) -> Self {
        Self::Respond(status, Vec::new(), Vec::new())
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// The fake server.
#[derive(Clone)]
pub struct Fake {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    tokens: Arc<AtomicUsize>,
}

/// The token the fake Keystone issues the `n`th time (1-based): distinctive, to be looked for in logs.
pub fn token(n: usize) -> String {
    format!("gAAAA-fake-token-canary-{n}")
}

impl Fake {
    /// Starts a fake whose Keystone (`/identity/v3`) issues [`token`]s and whose other paths are
    /// answered by `handler` (given the request and how many tokens were issued).
    pub async fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let fake = Self { port, seen: Arc::default(), tokens: Arc::default() };
        let handler: Arc<Handler> = Arc::new(handler);
        let server = fake.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (server, handler) = (server.clone(), handler.clone());
                tokio::spawn(async move { server.serve(stream, &*handler).await });
            }
        });
        fake
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The requests seen so far (Keystone's included).
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests seen so far, Keystone's left out.
    pub fn service_requests(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| !s.path.starts_with("/identity/")).collect()
    }

    /// How many tokens Keystone issued.
    pub fn tokens_issued(&self) -> usize {
        self.tokens.load(Ordering::SeqCst)
    }

    async fn serve(&self, mut stream: TcpStream, handler: &Handler) {
        loop {
            let Some(seen) = read_request(&mut stream).await else { return };
            self.seen.lock().unwrap().push(seen.clone());
            let reply = if seen.method == "POST" && seen.path == "/identity/v3/auth/tokens" {
                let n = self.tokens.fetch_add(1, Ordering::SeqCst) + 1;
                let body = token_body(self.port);
                Reply::Respond(
                    201,
                    vec![("content-type".into(), "application/json".into()), ("x-subject-token".into(), token(n))],
                    body.into_bytes(),
                )
            } else {
                handler(&seen, self.tokens_issued())
            };
            match reply {
                Reply::Stall => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    return;
                }
                Reply::Endless(status) => {
                    let head = format!("HTTP/1.1 {status} X\r\ntransfer-encoding: chunked\r\n\r\n");
                    if stream.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                    while stream.write_all(chunk.as_bytes()).await.is_ok() {}
                    return;
                }
                Reply::Respond(status, headers, body) => {
                    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                    for (name, value) in headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str("\r\n");
                    if stream.write_all(head.as_bytes()).await.is_err() || stream.write_all(&body).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    if length > 0 {
        stream.read_exact(&mut body).await.ok()?;
    }
    Some(Seen { method, path, headers, body })
}

/// A token answer whose catalog sends every service to this fake.
fn token_body(port: u16) -> String {
    let base = format!("http://127.0.0.1:{port}");
    let service = |kind: &str, path: &str| {
        format!(
            r#"{{"type": "{kind}", "endpoints": [{{"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "{base}{path}"}}]}}"#
        )
    };
    let catalog = [
        service("identity", "/identity/v3"),
        service("compute", "/compute/v2.1"),
        service("volumev3", "/volume/v3/p1"),
        service("network", "/network"),
        service("image", "/image"),
        service("load-balancer", "/lb"),
        service("object-store", "/swift/v1/AUTH_p1"),
    ]
    .join(", ");
    format!(
        r#"{{"token": {{"expires_at": "2099-01-01T00:00:00.000000Z", "user": {{"id": "u1", "name": "user"}},
           "project": {{"id": "p1", "name": "project"}}, "roles": [{{"id": "r1", "name": "member"}}],
           "catalog": [{catalog}]}}}}"#
    )
}
