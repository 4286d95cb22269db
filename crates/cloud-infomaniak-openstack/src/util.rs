//! Small helpers: base64 for Nova's user data, timestamps, status waits.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use cloud_core::poll::{PollState, poll_until};
use cloud_core::{Error, ErrorKind, Result};

use crate::error::PROVIDER;

/// Standard base64 with padding (RFC 4648 §4), as Nova wants `user_data`.
pub(crate) fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An OpenStack timestamp: RFC 3339 (`2026-01-02T03:04:05Z`) or without zone (UTC), with or
/// without fractions.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc()))
}

/// Whether `text` looks like an OpenStack UUID (with or without dashes).
pub(crate) fn looks_like_id(text: &str) -> bool {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// Polls `fetch` (with [`poll_until`]'s delays) until its status is one of `wanted`.
///
/// `fetch` returns the resource's status, or `None` when it is gone (which ends the wait when
/// `wanted` holds `"deleted"`, and is `NotFound` otherwise); a status in `failed` ends it with
/// `Service`; `Timeout` after `timeout`.
pub(crate) async fn wait_for<F, Fut>(
    what: &str,
    timeout: Duration,
    wanted: &[&str],
    failed: &[&str],
    mut fetch: F,
) -> Result<Option<String>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>>>,
{
    poll_until(format!("{what} (waiting for {wanted:?})"), timeout, || {
        let status = fetch();
        async move {
            match status.await? {
                None if wanted.contains(&"deleted") => Ok(PollState::Ready(None)),
                None => Err(Error::not_found(format!("{what} disappeared while waiting for {wanted:?}"))),
                Some(s) if wanted.iter().any(|w| w.eq_ignore_ascii_case(&s)) => Ok(PollState::Ready(Some(s))),
                Some(s) if failed.iter().any(|f| f.eq_ignore_ascii_case(&s)) => {
                    Err(Error::new(ErrorKind::Service, format!("{what} entered {s} while waiting for {wanted:?}")))
                }
                Some(s) => Ok(PollState::Pending(s)),
            }
        }
    })
    .await
    .map_err(|e| if e.provider().is_none() { e.with_provider(PROVIDER) } else { e })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn times_and_ids() {
        assert!(parse_time("2026-01-02T03:04:05Z").is_some());
        assert!(parse_time("2026-01-02T03:04:05.000000").is_some());
        assert!(parse_time("nope").is_none());
        assert!(looks_like_id("7d5a9a0c-7a1f-4a43-9d0e-3c8f0e1b2a3c"));
        assert!(looks_like_id("7d5a9a0c7a1f4a439d0e3c8f0e1b2a3c"));
        assert!(!looks_like_id("a1-ram2-disk20-perf1"));
    }

    #[tokio::test(start_paused = true)]
    async fn waits_until_the_status_or_failure() {
        let mut calls = 0;
        let got = wait_for("server", Duration::from_secs(60), &["ACTIVE"], &["ERROR"], || {
            calls += 1;
            let status = if calls < 3 { "BUILD" } else { "ACTIVE" };
            async move { Ok(Some(status.to_owned())) }
        })
        .await
        .unwrap();
        assert_eq!(got.as_deref(), Some("ACTIVE"));
        let err = wait_for("server", Duration::from_secs(60), &["ACTIVE"], &["ERROR"], || async {
            Ok(Some("ERROR".to_owned()))
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Service);
        let err = wait_for("server", Duration::from_secs(3), &["ACTIVE"], &["ERROR"], || async {
            Ok(Some("BUILD".to_owned()))
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        let gone = wait_for("server", Duration::from_secs(3), &["deleted"], &[], || async { Ok(None) }).await.unwrap();
        assert_eq!(gone, None);
    }
}
