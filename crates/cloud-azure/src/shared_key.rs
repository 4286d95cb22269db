//! SharedKey authorization: the account-key signature of every request, as an `azure_core`
//! pipeline policy.
//!
//! The official `azure_storage_blob` crate authenticates with Entra ID tokens only. Account keys
//! (and the local emulator, which speaks plain http) need the older SharedKey scheme, documented
//! in "Authorize with Shared Key" of the Azure Storage REST reference: an HMAC-SHA256, keyed
//! with the base64-decoded account key, over a canonical form of the request. [`SharedKeyPolicy`]
//! adds `x-ms-date` and `Authorization: SharedKey <account>:<signature>` on every try, so retries
//! carry a fresh date.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use azure_core::credentials::Secret;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};
use cloud_core::{Error, Result, SecretString};
use percent_encoding::percent_decode_str;

/// The standard headers that take part in the signature, in signing order.
const SIGNED_STANDARD_HEADERS: [&str; 11] = [
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
];

/// An account name and key, able to sign requests and SAS tokens.
#[derive(Clone)]
pub(crate) struct AccountKey {
    account: String,
    /// Kept as `azure_core`'s own secret type, which its HMAC helper takes; never printed.
    key: Secret,
}

impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountKey").field("account", &self.account).field("key", &cloud_core::REDACTED).finish()
    }
}

impl AccountKey {
    /// Checks that the key is base64 (as every account key is) before anything is signed.
    pub(crate) fn new(account: impl Into<String>, key: &SecretString) -> Result<Self> {
        let account = account.into();
        if account.is_empty() {
            return Err(Error::invalid_config("the Azure Storage account name is empty"));
        }
        match azure_core::base64::decode(key.expose()) {
            Ok(bytes) if !bytes.is_empty() => {}
            _ => {
                return Err(Error::invalid_config(format!(
                    "the account key of the Azure Storage account {account} is not valid base64"
                )));
            }
        }
        Ok(Self { account, key: Secret::new(key.expose().to_owned()) })
    }

    pub(crate) fn account(&self) -> &str {
        &self.account
    }

    /// The base64 HMAC-SHA256 of `data` under this key.
    pub(crate) fn sign(&self, data: &str) -> Result<String> {
        azure_core::hmac::hmac_sha256(data, &self.key)
            .map_err(|_| Error::invalid_config("the Azure Storage account key cannot be used for signing"))
    }
}

/// The pipeline policy that signs each try of a request with the account key.
#[derive(Debug, Clone)]
pub(crate) struct SharedKeyPolicy {
    key: AccountKey,
}

impl SharedKeyPolicy {
    pub(crate) fn new(key: AccountKey) -> Arc<Self> {
        Arc::new(Self { key })
    }
}

// `Policy::send` is declared with an elided `Context` lifetime; spelling it out here would not
// match the trait under `async_trait`.
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for SharedKeyPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: &[Arc<dyn Policy>]) -> PolicyResult {
        request.insert_header("x-ms-date", http_date(chrono::Utc::now()));
        let body_len = request.body().len().unwrap_or(0);
        let headers: Vec<(String, String)> =
            request.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned())).collect();
        let to_sign = string_to_sign(request.method().as_str(), request.url(), &headers, body_len, self.key.account());
        let signature = self.key.sign(&to_sign).map_err(|e| {
            azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, e.message().to_owned())
        })?;
        request.insert_header("authorization", format!("SharedKey {}:{signature}", self.key.account()));
        next[0].send(ctx, request, &next[1..]).await
    }
}

/// An RFC 1123 date as HTTP and Azure want it: `Mon, 07 Dec 2026 01:02:03 GMT`.
pub(crate) fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The SharedKey string-to-sign of a request (service version 2015-02-21 and later).
pub(crate) fn string_to_sign(
    method: &str,
    url: &url::Url,
    headers: &[(String, String)],
    body_len: u64,
    account: &str,
) -> String {
    let header = |name: &str| -> Option<&str> {
        headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    };
    let mut out = String::with_capacity(256);
    out.push_str(&method.to_ascii_uppercase());
    out.push('\n');
    for name in SIGNED_STANDARD_HEADERS {
        let value = match name {
            // An empty body signs as an empty Content-Length, not "0".
            "content-length" => match header(name).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(body_len) {
                0 => String::new(),
                n => n.to_string(),
            },
            _ => header(name).unwrap_or("").to_owned(),
        };
        out.push_str(&value);
        out.push('\n');
    }
    let mut ms: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        if k.starts_with("x-ms-") {
            ms.insert(k, v.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    for (k, v) in &ms {
        out.push_str(k);
        out.push(':');
        out.push_str(v);
        out.push('\n');
    }
    out.push('/');
    out.push_str(account);
    out.push_str(url.path());
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in
        url.query().unwrap_or("").split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, "")))
    {
        let k = percent_decode_str(&k.replace('+', " ")).decode_utf8_lossy().to_ascii_lowercase();
        let v = percent_decode_str(&v.replace('+', " ")).decode_utf8_lossy().into_owned();
        query.entry(k).or_default().push(v);
    }
    for (k, mut values) in query {
        values.sort();
        out.push('\n');
        out.push_str(&k);
        out.push(':');
        out.push_str(&values.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn string_to_sign_follows_the_documented_layout() {
        let url = url::Url::parse(
            "http://127.0.0.1:10000/devstoreaccount1/cont/a%20b?restype=container&comp=list&prefix=x%2Fy&include=metadata&include=copy",
        )
        .unwrap();
        let headers = h(&[
            ("Content-Type", "text/plain"),
            ("x-ms-version", "2025-01-05"),
            ("x-ms-date", "Mon, 07 Dec 2026 01:02:03 GMT"),
            ("x-ms-meta-Name", "  two   words "),
            ("if-none-match", "*"),
            ("user-agent", "ignored"),
        ]);
        let s = string_to_sign("put", &url, &headers, 5, "devstoreaccount1");
        let expected = "PUT\n\n\n5\n\ntext/plain\n\n\n\n*\n\n\n\
            x-ms-date:Mon, 07 Dec 2026 01:02:03 GMT\nx-ms-meta-name:two words\nx-ms-version:2025-01-05\n\
            /devstoreaccount1/devstoreaccount1/cont/a%20b\ncomp:list\ninclude:copy,metadata\nprefix:x/y\nrestype:container";
        assert_eq!(s, expected);
    }

    #[test]
    fn empty_bodies_sign_an_empty_length() {
        let url = url::Url::parse("https://acct.blob.core.windows.net/c").unwrap();
        let s = string_to_sign("GET", &url, &h(&[("content-length", "0")]), 0, "acct");
        assert!(s.starts_with("GET\n\n\n\n"), "{s:?}");
        assert!(s.ends_with("\n/acct/c"), "{s:?}");
    }

    #[test]
    fn keys_are_checked_and_never_printed() {
        assert!(AccountKey::new("acct", &SecretString::new("not base64 !")).is_err());
        assert!(AccountKey::new("", &SecretString::new("a2V5")).is_err());
        let key = AccountKey::new("acct", &SecretString::new("c2VjcmV0LWtleQ==")).unwrap();
        assert!(!format!("{key:?}").contains("c2VjcmV0"));
        // HMAC-SHA256("data", "secret-key"), computed independently with Python's hmac module.
        assert_eq!(key.sign("data").unwrap(), "kzUOBxu7XAZblLMpPHeg6KLQGtIK0O9gJAG1VaXtYS4=");
    }

    #[test]
    fn dates_are_rfc_1123() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-12-07T01:02:03Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(http_date(t), "Mon, 07 Dec 2026 01:02:03 GMT");
    }
}
