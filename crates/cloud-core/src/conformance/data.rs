//! Test data: deterministic pseudo-random bytes, streamed payloads that hash what they yield, and
//! hashing of downloaded bodies, so large objects are compared by SHA-256 without being held twice.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};
use sha2::{Digest as _, Sha256};

use crate::Result;
use crate::storage::{ByteStream, PutPayload};

/// A SplitMix64 generator: fast, deterministic, and good enough to make every chunk distinct.
#[derive(Debug, Clone)]
pub struct Pattern {
    state: u64,
    /// Bytes of the last word not handed out yet (the low `spare_len` bytes of `spare`).
    spare: u64,
    spare_len: usize,
}

impl Pattern {
    /// A generator seeded with `seed`; the same seed always yields the same bytes.
    pub fn new(seed: u64) -> Self {
        Self { state: seed ^ 0x9E37_79B9_7F4A_7C15, spare: 0, spare_len: 0 }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next `len` bytes of the sequence (however it is cut into calls).
    pub fn take(&mut self, len: usize) -> Bytes {
        let mut buf = Vec::with_capacity(len + 8);
        while buf.len() < len && self.spare_len > 0 {
            buf.push(self.spare.to_le_bytes()[0]);
            self.spare >>= 8;
            self.spare_len -= 1;
        }
        while len - buf.len() >= 8 {
            buf.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        if buf.len() < len {
            let word = self.next_u64().to_le_bytes();
            let need = len - buf.len();
            buf.extend_from_slice(&word[..need]);
            self.spare = u64::from_le_bytes(word) >> (8 * need);
            self.spare_len = 8 - need;
        }
        Bytes::from(buf)
    }
}

/// `len` pseudo-random bytes from `seed`.
pub fn pattern_bytes(seed: u64, len: usize) -> Bytes {
    Pattern::new(seed).take(len)
}

/// The length and SHA-256 (hex) of some bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// How many bytes.
    pub len: u64,
    /// Their SHA-256, in lowercase hex.
    pub sha256: String,
}

impl Fingerprint {
    /// The fingerprint of bytes in memory.
    pub fn of(bytes: &[u8]) -> Self {
        Self { len: bytes.len() as u64, sha256: hex::encode(Sha256::digest(bytes)) }
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes, sha256 {}", self.len, self.sha256)
    }
}

/// The running hash of what a [`pattern_stream`] has yielded so far.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    inner: Arc<Mutex<(Sha256, u64)>>,
}

impl Tally {
    fn add(&self, chunk: &[u8]) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.0.update(chunk);
        inner.1 += chunk.len() as u64;
    }

    /// The fingerprint of everything yielded so far.
    pub fn fingerprint(&self) -> Fingerprint {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Fingerprint { len: inner.1, sha256: hex::encode(inner.0.clone().finalize()) }
    }
}

/// A payload of `total` pseudo-random bytes from `seed`, generated lazily in chunks of `chunk`
/// bytes (the stream never holds more than one chunk), and the [`Tally`] of what it yielded.
///
/// `declare_size` says whether the payload announces its size.
pub fn pattern_stream(seed: u64, total: u64, chunk: usize, declare_size: bool) -> (PutPayload, Tally) {
    let tally = Tally::default();
    let seen = tally.clone();
    let chunk = chunk.max(1) as u64;
    let body = stream::unfold((Pattern::new(seed), total), move |(mut pattern, left)| async move {
        if left == 0 {
            return None;
        }
        let len = usize::try_from(left.min(chunk)).unwrap_or(usize::MAX);
        let bytes = pattern.take(len);
        Some((Ok(bytes), (pattern, left - len as u64)))
    })
    .inspect_ok(move |bytes: &Bytes| seen.add(bytes))
    .boxed();
    (PutPayload::from_stream(body, declare_size.then_some(total)), tally)
}

/// Cuts bytes into a stream of uneven chunks, with empty chunks in between.
pub fn uneven_chunks(bytes: &Bytes) -> ByteStream {
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut size = 1;
    while at < bytes.len() {
        let end = (at + size).min(bytes.len());
        pieces.push(Ok(bytes.slice(at..end)));
        pieces.push(Ok(Bytes::new()));
        at = end;
        size = size * 3 + 7;
    }
    stream::iter(pieces).boxed()
}

/// Reads a body to its end, returning its fingerprint.
///
/// # Errors
/// The first error of the body.
pub async fn fingerprint_stream(mut body: ByteStream) -> Result<Fingerprint> {
    let mut hasher = Sha256::new();
    let mut len = 0u64;
    while let Some(chunk) = body.try_next().await? {
        hasher.update(&chunk);
        len += chunk.len() as u64;
    }
    Ok(Fingerprint { len, sha256: hex::encode(hasher.finalize()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_deterministic_and_chunking_free() {
        let whole = pattern_bytes(7, 1000);
        let mut p = Pattern::new(7);
        let mut parts = Vec::new();
        for len in [3, 8, 13, 1, 0, 975] {
            parts.extend_from_slice(&p.take(len));
        }
        assert_eq!(parts, whole);
        assert_ne!(pattern_bytes(8, 1000), whole);
    }

    #[tokio::test]
    async fn streams_tally_what_they_yield() {
        let (payload, tally) = pattern_stream(3, 10_000, 999, true);
        assert_eq!(payload.size(), Some(10_000));
        let bytes = payload.into_bytes().await.unwrap();
        assert_eq!(bytes.len(), 10_000);
        assert_eq!(tally.fingerprint(), Fingerprint::of(&bytes));
        let again = fingerprint_stream(uneven_chunks(&bytes)).await.unwrap();
        assert_eq!(again, Fingerprint::of(&bytes));
    }
}
