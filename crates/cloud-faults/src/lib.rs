//! Fault injection on loopback for the workspace's tests.
//!
//! [`FaultProxy`] is an HTTP/1.1 proxy on `127.0.0.1` that sits in front of a real local server
//! (s3s-fs, moto, Swift, Azurite, the GCS emulator) or stands alone. Every request is recorded
//! ([`FaultProxy::requests`]); [`Rule`]s pick requests by what they look like and apply a
//! [`Fault`] to them: never answer, lose the answer after the server acted on the request, cut or
//! truncate the body, drip it, answer in the server's place, or rewrite a header. Everything else
//! is relayed byte for byte, so signatures (SigV4, Shared Key) stay valid.
//!
//! ```no_run
//! use cloud_faults::{Fault, FaultProxy, Rule};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let proxy = FaultProxy::in_front_of("http://127.0.0.1:8014").await?;
//! // The first CompleteMultipartUpload reaches the server, but its answer never comes back.
//! proxy.add(Rule::new(|r| r.method == "POST" && r.query().contains("uploadId="), Fault::LoseAnswer).times(1));
//! // … point a client at proxy.url() and run the scenario …
//! assert_eq!(proxy.count(|r| r.method == "POST"), 1);
//! # Ok(())
//! # }
//! ```

pub mod corpus;
mod wire;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use wire::{Body, Conn, Head, parse_answer, parse_request};

/// One request as the proxy received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `PUT`, …
    pub method: String,
    /// The request target: path and query, as sent.
    pub target: String,
    /// The headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The body's length, without chunk framing.
    pub body_len: usize,
    /// The name of the fault applied to it ([`Fault::name`]), `None` when it was relayed as is.
    pub fault: Option<&'static str>,
}

impl Request {
    /// The first header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The path part of the target.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The query part of the target (empty without one).
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, query)| query)
    }
}

/// An answer given in the server's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Reply {
    /// An answer with this status and no body.
    pub fn new(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Bytes::new() }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body (sent with its `Content-Length`).
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} Fault\r\ncontent-length: {}\r\n", self.status, self.body.len()).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// What the proxy does to a request a [`Rule`] picked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Relay it and its answer unchanged (to count requests of a kind).
    Pass,
    /// Reset the connection without forwarding the request: the server never sees it.
    Refuse,
    /// Read the request, forward nothing, never answer, keep the connection open.
    BlackHole,
    /// Forward the request (the server acts on it), never relay the answer.
    Stall,
    /// Forward the request, wait for the whole answer, then reset the connection: the server
    /// acted on the request and its answer is lost.
    LoseAnswer,
    /// Relay the answer's head and the first `n` bytes of its body, then reset the connection.
    CutBody(usize),
    /// Relay the answer's head and the first `n` bytes of its body, then go silent.
    StallBody(usize),
    /// Relay the answer as HTTP/1.0 without `Content-Length` (delimited by the connection's
    /// close), with only the first `n` bytes of its body, then close the connection cleanly.
    CloseDelimited(usize),
    /// Relay the answer `bytes` at a time, pausing `every` between pieces.
    Drip {
        /// Bytes per piece.
        bytes: usize,
        /// The pause between pieces.
        every: Duration,
    },
    /// Answer in the server's place; the server never sees the request.
    Respond(Reply),
    /// Relay the answer with the header `name` set to `value` (added when missing).
    SetHeader(String, String),
    /// Relay the answer with every occurrence of `from` in its body replaced by `to` (the body
    /// is sent with its new `Content-Length`): e.g. a service catalog's URLs pointed at another
    /// proxy.
    RewriteBody {
        /// The bytes to replace.
        from: String,
        /// Their replacement.
        to: String,
    },
}

impl Fault {
    /// A short name for the record.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Refuse => "refuse",
            Self::BlackHole => "black_hole",
            Self::Stall => "stall",
            Self::LoseAnswer => "lose_answer",
            Self::CutBody(_) => "cut_body",
            Self::StallBody(_) => "stall_body",
            Self::CloseDelimited(_) => "close_delimited",
            Self::Drip { .. } => "drip",
            Self::Respond(_) => "respond",
            Self::SetHeader(..) => "set_header",
            Self::RewriteBody { .. } => "rewrite_body",
        }
    }
}

type Matcher = Arc<dyn Fn(&Request) -> bool + Send + Sync>;

/// A fault for the requests `when` picks: every one of them, or the next [`times`](Self::times).
#[derive(Clone)]
pub struct Rule {
    when: Matcher,
    fault: Fault,
    remaining: Option<usize>,
}

impl Rule {
    /// Applies `fault` to every request `when` returns true for.
    pub fn new(when: impl Fn(&Request) -> bool + Send + Sync + 'static, fault: Fault) -> Self {
        Self { when: Arc::new(when), fault, remaining: None }
    }

    /// Applies the fault to the next `n` picked requests only.
    #[must_use]
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("fault", &self.fault).field("remaining", &self.remaining).finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Shared {
    upstream: Option<SocketAddr>,
    rules: Mutex<Vec<Rule>>,
    seen: Mutex<Vec<Request>>,
    connections: Mutex<Vec<AbortHandle>>,
    /// Requests forwarded to the server whose answer has not been read in full yet.
    in_flight: AtomicUsize,
    /// Connections accepted since the start.
    accepted: AtomicUsize,
}

impl Shared {
    /// The fault for `request` (consuming one use of its rule), if a rule picks it.
    fn choose(&self, request: &Request) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let rule = rules.iter_mut().find(|r| r.remaining != Some(0) && (r.when)(request))?;
        if let Some(n) = &mut rule.remaining {
            *n -= 1;
        }
        Some(rule.fault.clone())
    }
}

/// A recording, fault-injecting HTTP/1.1 proxy on loopback. Dropping it stops it and closes
/// every connection it holds.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: AbortHandle,
}

impl FaultProxy {
    /// A proxy in front of the server at `base` (`http://host:port`, any path ignored).
    ///
    /// # Errors
    /// When `base` names no reachable address or no local port is free.
    pub async fn in_front_of(base: &str) -> io::Result<Self> {
        let authority = base
            .strip_prefix("http://")
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("not an http URL: {base}")))?;
        let authority = authority.split('/').next().unwrap_or(authority);
        let upstream = tokio::net::lookup_host(authority)
            .await?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{authority} resolves to nothing")))?;
        Self::start(Some(upstream)).await
    }

    /// A proxy with no server behind it: requests no rule answers get a `502`.
    ///
    /// # Errors
    /// When no local port is free.
    pub async fn alone() -> io::Result<Self> {
        Self::start(None).await
    }

    async fn start(upstream: Option<SocketAddr>) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared { upstream, ..Shared::default() });
        let accepting = Arc::clone(&shared);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                accepting.accepted.fetch_add(1, Ordering::Relaxed);
                let shared = Arc::clone(&accepting);
                let task = tokio::spawn(async move {
                    // A connection ends with an I/O error whenever a peer goes away: nothing to report.
                    let _ = serve(&shared, stream).await;
                });
                accepting.connections.lock().unwrap_or_else(PoisonError::into_inner).push(task.abort_handle());
            }
        })
        .abort_handle();
        Ok(Self { addr, shared, accept })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, the base URL to give a client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds a rule after the existing ones (the first rule that picks a request applies).
    pub fn add(&self, rule: Rule) {
        self.shared.rules.lock().unwrap_or_else(PoisonError::into_inner).push(rule);
    }

    /// Removes every rule: from now on everything is relayed.
    pub fn clear(&self) {
        self.shared.rules.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.seen.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Every request received since the last call (or since the start), in order of arrival;
    /// the record is emptied (for long runs, where keeping every request would grow without end).
    pub fn take_requests(&self) -> Vec<Request> {
        std::mem::take(&mut *self.shared.seen.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Waits until the server has answered every request forwarded to it (the answers may still
    /// be withheld by a fault), or `limit` passed; true when nothing is in flight any more.
    ///
    /// A client that gave up on a stalled request returns before the server acted on it; a test
    /// that judges the server's state afterwards settles first.
    pub async fn settle(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while self.shared.in_flight.load(Ordering::SeqCst) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// How many requests received so far `which` picks.
    pub fn count(&self, which: impl Fn(&Request) -> bool) -> usize {
        self.shared.seen.lock().unwrap_or_else(PoisonError::into_inner).iter().filter(|r| which(r)).count()
    }

    /// How many client connections the proxy accepted so far (a client that reuses its
    /// connections opens few of them).
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// How many requests had a fault applied.
    pub fn faults_applied(&self) -> usize {
        self.count(|r| r.fault.is_some_and(|f| f != "pass"))
    }

    /// Closes every open connection (clients reconnect for their next request).
    pub fn drop_connections(&self) {
        for task in self.shared.connections.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            task.abort();
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.drop_connections();
    }
}

/// Serves one client connection until it closes or a fault ends it.
async fn serve(shared: &Shared, stream: TcpStream) -> io::Result<()> {
    let mut client = Conn::new(stream);
    loop {
        let Some(raw_head) = client.read_head().await? else { return Ok(()) };
        let head = parse_request(&raw_head)?;
        let continued = head.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
        if continued {
            client.write(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
        }
        let body = client.read_body(head.request_framing()?).await?;
        let mut request = Request {
            method: head.first.clone(),
            target: head.second.clone(),
            headers: head.headers.clone(),
            body_len: body.data.len(),
            fault: None,
        };
        let fault = shared.choose(&request);
        request.fault = fault.as_ref().map(Fault::name);
        shared.seen.lock().unwrap_or_else(PoisonError::into_inner).push(request);
        match fault {
            Some(Fault::Refuse) => {
                client.reset();
                return Ok(());
            }
            Some(Fault::BlackHole) => std::future::pending::<()>().await,
            Some(Fault::Respond(reply)) => {
                client.write(&reply.to_bytes()).await?;
                continue;
            }
            _ => {}
        }
        let Some(upstream) = shared.upstream else {
            client.write(&Reply::new(502).body("no server behind this proxy").to_bytes()).await?;
            continue;
        };
        let exchanged = {
            let _counted = InFlight::enter(&shared.in_flight);
            exchange(upstream, &raw_head, &body, &head.first).await
        };
        let Ok((answer, answer_body, interim)) = exchanged else {
            client.write(&Reply::new(502).body("the server behind this proxy failed").to_bytes()).await?;
            return Ok(());
        };
        if !continued {
            client.write(&interim).await?;
        }
        let closes = answer.closes() || answer.answer_framing(&head.first)? == wire::Framing::UntilClose;
        match fault {
            None | Some(Fault::Pass) => {
                client.write(&answer.answer_bytes(answer.minor, |_| {})).await?;
                client.write(&answer_body.raw).await?;
            }
            Some(Fault::Stall) => std::future::pending::<()>().await,
            Some(Fault::LoseAnswer) => {
                client.reset();
                return Ok(());
            }
            Some(Fault::CutBody(n)) => {
                client.write(&answer.answer_bytes(answer.minor, |_| {})).await?;
                client.write(&answer_body.raw[..n.min(answer_body.raw.len())]).await?;
                client.reset();
                return Ok(());
            }
            Some(Fault::StallBody(n)) => {
                client.write(&answer.answer_bytes(answer.minor, |_| {})).await?;
                client.write(&answer_body.raw[..n.min(answer_body.raw.len())]).await?;
                std::future::pending::<()>().await;
            }
            Some(Fault::CloseDelimited(n)) => {
                let head = answer.answer_bytes(0, |headers| {
                    headers.retain(|(name, _)| {
                        !matches!(name.as_str(), "content-length" | "transfer-encoding" | "connection")
                    });
                    headers.push(("connection".to_owned(), "close".to_owned()));
                });
                client.write(&head).await?;
                client.write(&answer_body.data[..n.min(answer_body.data.len())]).await?;
                return Ok(());
            }
            Some(Fault::Drip { bytes, every }) => {
                client.write(&answer.answer_bytes(answer.minor, |_| {})).await?;
                for piece in answer_body.raw.chunks(bytes.max(1)) {
                    client.write(piece).await?;
                    tokio::time::sleep(every).await;
                }
            }
            Some(Fault::SetHeader(name, value)) => {
                let head = answer.answer_bytes(answer.minor, |headers| {
                    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
                    headers.push((name.to_ascii_lowercase(), value.clone()));
                });
                client.write(&head).await?;
                client.write(&answer_body.raw).await?;
            }
            Some(Fault::RewriteBody { from, to }) => {
                let text = replace(&answer_body.data, from.as_bytes(), to.as_bytes());
                let head = answer.answer_bytes(answer.minor, |headers| {
                    headers.retain(|(name, _)| !matches!(name.as_str(), "content-length" | "transfer-encoding"));
                    headers.push(("content-length".to_owned(), text.len().to_string()));
                });
                client.write(&head).await?;
                client.write(&text).await?;
            }
            Some(Fault::Refuse | Fault::BlackHole | Fault::Respond(_)) => {}
        }
        if closes {
            return Ok(());
        }
    }
}

/// One request forwarded and not answered yet, counted until dropped (also when the connection's
/// task is aborted mid-exchange).
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `haystack` with every occurrence of `from` (not empty) replaced by `to`.
fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while !from.is_empty() {
        let Some(at) = rest.windows(from.len()).position(|w| w == from) else { break };
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Sends one request to the server on a connection of its own and reads the whole answer: its
/// head, its body, and the bytes of any interim (1xx) answers before it.
async fn exchange(
    upstream: SocketAddr,
    raw_head: &[u8],
    body: &Body,
    method: &str,
) -> io::Result<(Head, Body, Vec<u8>)> {
    let mut server = Conn::new(TcpStream::connect(upstream).await?);
    server.write(raw_head).await?;
    server.write(&body.raw).await?;
    let mut interim = Vec::new();
    loop {
        let raw = server.read_head().await?.ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let answer = parse_answer(&raw)?;
        if (100..200).contains(&answer.status()) && answer.status() != 101 {
            interim.extend_from_slice(&raw);
            continue;
        }
        let framing = answer.answer_framing(method)?;
        let body = server.read_body(framing).await?;
        return Ok((answer, body, interim));
    }
}

#[cfg(test)]
mod tests {
    use super::replace;

    #[test]
    fn replace_swaps_every_occurrence() {
        assert_eq!(replace(b"a:8080/x a:8080/y", b"a:8080", b"b:1"), b"b:1/x b:1/y");
        assert_eq!(replace(b"nothing here", b"zz", b"y"), b"nothing here");
        assert_eq!(replace(b"abc", b"", b"y"), b"abc");
    }
}
