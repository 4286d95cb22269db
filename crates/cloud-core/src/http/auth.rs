//! Authentication hooks: [`AuthProvider`], with [`BearerToken`] and [`HeaderSecret`] for static secrets.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use crate::{Error, REDACTED, Result, SecretString};

/// Adds credentials to an outgoing request.
///
/// [`HttpClient`](super::HttpClient) calls [`apply`](Self::apply) once per attempt, just before
/// sending, and only for requests to the client's own origin (scheme, host and port of its base
/// URL), so credentials never leak to another host through an absolute URL (a pagination link, a
/// download link). Dynamic credentials (OAuth, Keystone tokens) refresh inside `apply`.
///
/// Implementations must mark the header values they add as sensitive
/// ([`HeaderValue::set_sensitive`]) and must not print secrets in `Debug`.
#[async_trait::async_trait]
pub trait AuthProvider: Send + Sync + fmt::Debug {
    /// Adds the credentials (headers, usually) to `request`.
    async fn apply(&self, request: &mut reqwest::Request) -> Result<()>;
}

#[async_trait::async_trait]
impl<T: AuthProvider + ?Sized> AuthProvider for Arc<T> {
    async fn apply(&self, request: &mut reqwest::Request) -> Result<()> {
        (**self).apply(request).await
    }
}

/// A static bearer token: `Authorization: Bearer <token>` (Coda, Infomaniak).
///
/// ```
/// use cloud_core::http::BearerToken;
/// let auth = BearerToken::new("secret-token");
/// assert!(!format!("{auth:?}").contains("secret-token"));
/// ```
#[derive(Clone)]
pub struct BearerToken {
    token: SecretString,
}

impl BearerToken {
    /// Wraps a token.
    pub fn new(token: impl Into<SecretString>) -> Self {
        Self { token: token.into() }
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken").field("token", &REDACTED).finish()
    }
}

#[async_trait::async_trait]
impl AuthProvider for BearerToken {
    async fn apply(&self, request: &mut reqwest::Request) -> Result<()> {
        let value = sensitive_value(&format!("Bearer {}", self.token.expose()), "bearer token")?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }
}

/// A static secret sent in a header of its own, e.g. OpenStack's `X-Auth-Token` or an API key header.
#[derive(Clone)]
pub struct HeaderSecret {
    name: HeaderName,
    value: SecretString,
}

impl HeaderSecret {
    /// A secret sent as header `name`. Fails with `InvalidConfig` if `name` is not a valid header name.
    pub fn new(name: &str, value: impl Into<SecretString>) -> Result<Self> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid_config(format!("{name:?} is not a valid HTTP header name")))?;
        Ok(Self { name, value: value.into() })
    }
}

impl fmt::Debug for HeaderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderSecret").field("name", &self.name).field("value", &REDACTED).finish()
    }
}

#[async_trait::async_trait]
impl AuthProvider for HeaderSecret {
    async fn apply(&self, request: &mut reqwest::Request) -> Result<()> {
        let value = sensitive_value(self.value.expose(), "secret header")?;
        request.headers_mut().insert(self.name.clone(), value);
        Ok(())
    }
}

/// A header value marked sensitive; the error never contains the value.
fn sensitive_value(value: &str, what: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(value)
        .map_err(|_| Error::invalid_config(format!("the {what} contains characters not allowed in an HTTP header")))?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn request() -> reqwest::Request {
        reqwest::Request::new(reqwest::Method::GET, "http://127.0.0.1/".parse().unwrap())
    }

    #[tokio::test]
    async fn bearer_token_sets_a_sensitive_authorization_header() {
        let auth = BearerToken::new("CANARYbearerToken123");
        let mut req = request();
        auth.apply(&mut req).await.unwrap();
        let value = &req.headers()[AUTHORIZATION];
        assert_eq!(value.to_str().unwrap(), "Bearer CANARYbearerToken123");
        assert!(value.is_sensitive());
        assert!(!format!("{auth:?}").contains("CANARYbearerToken123"));
    }

    #[tokio::test]
    async fn header_secret_sets_its_header() {
        let auth = Arc::new(HeaderSecret::new("X-Auth-Token", "gAAAACANARYheaderToken1").unwrap());
        let mut req = request();
        auth.apply(&mut req).await.unwrap();
        assert_eq!(req.headers()["x-auth-token"].to_str().unwrap(), "gAAAACANARYheaderToken1");
        assert!(!format!("{auth:?}").contains("gAAAACANARYheaderToken1"));
        assert_eq!(HeaderSecret::new("bad name", "x").unwrap_err().kind(), ErrorKind::InvalidConfig);
    }

    #[tokio::test]
    async fn invalid_token_errors_do_not_show_it() {
        let err = BearerToken::new("line\nbreak").apply(&mut request()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(!format!("{err:?}").contains("break"));
    }
}
