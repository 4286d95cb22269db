//! Just enough HTTP/1.1 framing to relay exchanges byte for byte: heads, `Content-Length`,
//! chunked and close-delimited bodies.

use std::io;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest head accepted, in bytes.
const MAX_HEAD: usize = 64 * 1024;
/// The most headers a head may have.
const MAX_HEADERS: usize = 128;

/// A connection with the bytes read from it but not consumed yet.
pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    buf: BytesMut,
}

impl Conn {
    pub(crate) fn new(stream: TcpStream) -> Self {
        Self { stream, buf: BytesMut::with_capacity(16 * 1024) }
    }

    /// Reads more bytes into the buffer; 0 at the end of the stream.
    async fn fill(&mut self) -> io::Result<usize> {
        self.buf.reserve(64 * 1024);
        self.stream.read_buf(&mut self.buf).await
    }

    /// A head up to and including its blank line; `None` when the peer closed before sending
    /// anything.
    pub(crate) async fn read_head(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                return Ok(Some(self.buf.split_to(end + 4).freeze()));
            }
            if self.buf.len() > MAX_HEAD {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
            }
            if self.fill().await? == 0 {
                return if self.buf.is_empty() { Ok(None) } else { Err(io::ErrorKind::UnexpectedEof.into()) };
            }
        }
    }

    async fn read_exact(&mut self, n: usize) -> io::Result<Bytes> {
        while self.buf.len() < n {
            if self.fill().await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(self.buf.split_to(n).freeze())
    }

    async fn read_line(&mut self) -> io::Result<Bytes> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                return Ok(self.buf.split_to(end + 2).freeze());
            }
            if self.buf.len() > MAX_HEAD {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            if self.fill().await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    async fn read_to_end(&mut self) -> io::Result<Bytes> {
        while self.fill().await? != 0 {}
        Ok(self.buf.split().freeze())
    }

    /// Reads a body framed as `framing`.
    pub(crate) async fn read_body(&mut self, framing: Framing) -> io::Result<Body> {
        match framing {
            Framing::Empty => Ok(Body::default()),
            Framing::Length(n) => {
                let n = usize::try_from(n).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "body too large"))?;
                let data = self.read_exact(n).await?;
                Ok(Body { raw: data.clone(), data })
            }
            Framing::UntilClose => {
                let data = self.read_to_end().await?;
                Ok(Body { raw: data.clone(), data })
            }
            Framing::Chunked => {
                let (mut raw, mut data) = (BytesMut::new(), BytesMut::new());
                loop {
                    let line = self.read_line().await?;
                    raw.extend_from_slice(&line);
                    let size = std::str::from_utf8(&line)
                        .ok()
                        .and_then(|l| usize::from_str_radix(l.trim().split(';').next().unwrap_or("").trim(), 16).ok())
                        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
                    if size == 0 {
                        loop {
                            let trailer = self.read_line().await?;
                            raw.extend_from_slice(&trailer);
                            if &trailer[..] == b"\r\n" {
                                break;
                            }
                        }
                        break;
                    }
                    let chunk = self.read_exact(size + 2).await?;
                    raw.extend_from_slice(&chunk);
                    data.extend_from_slice(&chunk[..size]);
                }
                Ok(Body { raw: raw.freeze(), data: data.freeze() })
            }
        }
    }

    pub(crate) async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// Closes the connection with a TCP reset instead of an orderly close.
    pub(crate) fn reset(self) {
        // Failing to set the option leaves an orderly close, which the caller sees as a cut too.
        let _ = self.stream.set_zero_linger();
        drop(self.stream);
    }
}

/// A body as it was on the wire (`raw`) and decoded (`data`, without chunk framing).
#[derive(Debug, Default, Clone)]
pub(crate) struct Body {
    pub(crate) raw: Bytes,
    pub(crate) data: Bytes,
}

/// How a message's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

/// A parsed head: its first line's parts and its headers, names in lower case.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    /// Method (requests) or status code as text (answers).
    pub(crate) first: String,
    /// Target (requests) or reason (answers).
    pub(crate) second: String,
    /// The protocol version's minor digit.
    pub(crate) minor: u8,
    pub(crate) headers: Vec<(String, String)>,
}

impl Head {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn framing(&self, no_body: bool, until_close: bool) -> io::Result<Framing> {
        if no_body {
            return Ok(Framing::Empty);
        }
        if self.header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked")) {
            return Ok(Framing::Chunked);
        }
        match self.header("content-length") {
            Some(n) => n
                .trim()
                .parse()
                .map(Framing::Length)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length")),
            None if until_close => Ok(Framing::UntilClose),
            None => Ok(Framing::Empty),
        }
    }

    /// The framing of a request's body.
    pub(crate) fn request_framing(&self) -> io::Result<Framing> {
        self.framing(false, false)
    }

    /// The framing of the body of this answer to a request with `method`.
    pub(crate) fn answer_framing(&self, method: &str) -> io::Result<Framing> {
        let status = self.status();
        self.framing(method.eq_ignore_ascii_case("HEAD") || status < 200 || status == 204 || status == 304, true)
    }

    pub(crate) fn status(&self) -> u16 {
        self.first.parse().unwrap_or(0)
    }

    /// Whether the connection closes after this message.
    pub(crate) fn closes(&self) -> bool {
        let connection = self.header("connection").map(str::to_ascii_lowercase);
        match connection.as_deref() {
            Some(c) if c.contains("close") => true,
            Some(c) if c.contains("keep-alive") => false,
            _ => self.minor == 0,
        }
    }

    /// The answer's head again, with headers changed by `edit`, and an HTTP/1.x version.
    pub(crate) fn answer_bytes(&self, minor: u8, edit: impl FnOnce(&mut Vec<(String, String)>)) -> Vec<u8> {
        let mut headers = self.headers.clone();
        edit(&mut headers);
        let mut out = format!("HTTP/1.{minor} {} {}\r\n", self.first, self.second).into_bytes();
        for (name, value) in &headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

fn headers_of(parsed: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    parsed.iter().map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned())).collect()
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("malformed {what} head"))
}

/// Parses a request head.
pub(crate) fn parse_request(bytes: &[u8]) -> io::Result<Head> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(bytes) {
        Ok(httparse::Status::Complete(_)) => Ok(Head {
            first: request.method.ok_or_else(|| invalid("request"))?.to_owned(),
            second: request.path.ok_or_else(|| invalid("request"))?.to_owned(),
            minor: request.version.unwrap_or(1),
            headers: headers_of(request.headers),
        }),
        _ => Err(invalid("request")),
    }
}

/// Parses an answer head.
pub(crate) fn parse_answer(bytes: &[u8]) -> io::Result<Head> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut answer = httparse::Response::new(&mut headers);
    match answer.parse(bytes) {
        Ok(httparse::Status::Complete(_)) => Ok(Head {
            first: answer.code.ok_or_else(|| invalid("answer"))?.to_string(),
            second: answer.reason.unwrap_or("").to_owned(),
            minor: answer.version.unwrap_or(1),
            headers: headers_of(answer.headers),
        }),
        _ => Err(invalid("answer")),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
