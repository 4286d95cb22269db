//! A minimal HTTP/1.1 client over `std::net::TcpStream`, enough for readiness probes and the
//! provisioning calls (Keystone, moto IAM) made while servers start.
//!
//! Every request goes to `127.0.0.1`, uses `Connection: close` and reads the answer to the end;
//! chunked bodies are decoded. There is no TLS: the emulators speak plain HTTP on loopback.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// How long a request may wait for its answer (Keystone hashes passwords with bcrypt: ~0.5 s).
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// A request to `http://127.0.0.1:{port}{path}`.
#[derive(Debug, Clone)]
pub(super) struct Request<'a> {
    method: &'a str,
    port: u16,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A complete answer.
#[derive(Debug, Clone)]
pub(super) struct Response {
    pub(super) status: u16,
    headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl<'a> Request<'a> {
    pub(super) fn new(method: &'a str, port: u16, path: impl Into<String>) -> Self {
        Self { method, port, path: path.into(), headers: Vec::new(), body: Vec::new() }
    }

    pub(super) fn get(port: u16, path: impl Into<String>) -> Self {
        Self::new("GET", port, path)
    }

    pub(super) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// A JSON body (sets `Content-Type`).
    pub(super) fn json(self, body: &serde_json::Value) -> Self {
        let mut this = self.header("Content-Type", "application/json");
        this.body = body.to_string().into_bytes();
        this
    }

    /// A raw body with the given content type.
    pub(super) fn body(self, content_type: &str, body: Vec<u8>) -> Self {
        let mut this = self.header("Content-Type", content_type);
        this.body = body;
        this
    }

    /// Sends the request and reads the whole answer.
    pub(super) fn send(&self) -> Result<Response> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
            .with_context(|| format!("connecting to 127.0.0.1:{}", self.port))?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nAccept: */*\r\nContent-Length: {}\r\n",
            self.method,
            self.path,
            self.port,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(&self.body)?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .with_context(|| format!("reading the answer to {} 127.0.0.1:{}{}", self.method, self.port, self.path))?;
        parse_response(&raw).with_context(|| format!("{} 127.0.0.1:{}{}", self.method, self.port, self.path))
    }
}

impl Response {
    /// The first header with this name (case-insensitive).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub(super) fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("HTTP {} answer is not JSON: {}", self.status, self.excerpt()))
    }

    /// The start of the body, for error messages.
    pub(super) fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        match text.char_indices().nth(400) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_owned(),
        }
    }

    /// Fails unless the status is one of `expected`.
    pub(super) fn expect(self, expected: &[u16], what: &str) -> Result<Self> {
        if expected.contains(&self.status) {
            Ok(self)
        } else {
            bail!("{what}: HTTP {} (expected {expected:?}): {}", self.status, self.excerpt())
        }
    }
}

/// Is anything accepting TCP connections on `127.0.0.1:{port}`?
pub(super) fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), CONNECT_TIMEOUT).is_ok()
}

fn parse_response(raw: &[u8]) -> Result<Response> {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        bail!("incomplete HTTP answer ({} bytes)", raw.len());
    };
    let head = std::str::from_utf8(&raw[..split]).context("HTTP head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .with_context(|| format!("bad HTTP status line {status_line:?}"))?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked { decode_chunked(rest)? } else { rest.to_vec() };
    Ok(Response { status, headers, body })
}

fn decode_chunked(mut rest: &[u8]) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            bail!("truncated chunked body");
        };
        let size_text = std::str::from_utf8(&rest[..eol]).context("chunk size is not UTF-8")?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).with_context(|| format!("bad chunk size {size_text:?}"))?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size {
            bail!("truncated chunk");
        }
        body.extend_from_slice(&rest[..size]);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::parse_response;

    #[test]
    fn parses_plain_and_chunked_answers() {
        let plain = parse_response(b"HTTP/1.1 201 Created\r\nX-Subject-Token: abc\r\n\r\n{\"a\":1}").unwrap();
        assert_eq!(plain.status, 201);
        assert_eq!(plain.header("x-subject-token"), Some("abc"));
        assert_eq!(plain.json().unwrap()["a"], 1);

        let chunked = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhell\r\n1;x=y\r\no\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(chunked.body, b"hello");
    }

    #[test]
    fn rejects_truncated_answers() {
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Le").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc").is_err());
    }
}
