//! Signing through the IAM Service Account Credentials API, for credentials that hold no private
//! key (the metadata server of Compute Engine, GKE and Cloud Run, impersonated service accounts,
//! user credentials allowed to sign as a service account).
//!
//! `POST {iam_endpoint}/v1/projects/-/serviceAccounts/{email}:signBlob` with the body
//! `{"payload": base64(bytes)}`, authenticated with the client's own access token, is answered
//! `{"keyId": …, "signedBlob": base64(signature)}`: an RSA-SHA256 (PKCS #1 v1.5) signature by a
//! key Google manages for the service account. The caller needs `iam.serviceAccounts.signBlob` on
//! that account (the "Service Account Token Creator" role).
//!
//! The call goes through [`cloud_core::http`] like every other request of this crate: the same
//! retry policy (it is idempotent: signing the same bytes twice is harmless), the same error
//! mapping (403 → `PermissionDenied`), the access token kept out of errors and logs.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use cloud_core::http::{HttpClient, Method};
use cloud_core::retry::RetryConfig;
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use google_cloud_auth::signer::Signer;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::credential::GoogleAuth;

/// The endpoint of Google's IAM Service Account Credentials API.
pub const DEFAULT_IAM_ENDPOINT: &str = "https://iamcredentials.googleapis.com";

/// What is escaped in the service account segment of the path: everything that could end the
/// segment or the path (`/`, `?`, `#`, `%`) and what is not printable; `@` stays as it is.
const EMAIL_SEGMENT: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'/').add(b'?').add(b'<').add(b'>');

/// Which service account signs, when the credentials hold no key.
#[derive(Clone)]
pub(crate) enum SigningAccount {
    /// Named by the configuration or by the credentials file.
    Known(String),
    /// Named by the credentials at run time: `google-cloud-auth`'s signer of Application Default
    /// Credentials, asked only for its account (the metadata server's `email`).
    FromCredentials(Signer),
}

impl fmt::Debug for SigningAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Known(email) => f.debug_tuple("Known").field(email).finish(),
            Self::FromCredentials(_) => f.write_str("FromCredentials"),
        }
    }
}

/// The body of `signBlob`.
#[derive(Debug, Serialize)]
struct SignBlobRequest {
    /// The bytes to sign, base64.
    payload: String,
}

/// The answer of `signBlob`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignBlobResponse {
    /// The key that signed (kept for the logs).
    #[serde(default)]
    key_id: String,
    /// The signature, base64.
    signed_blob: String,
}

/// Signs bytes as a service account through `signBlob`.
#[derive(Clone)]
pub(crate) struct IamSigner {
    http: HttpClient,
    account: SigningAccount,
}

impl fmt::Debug for IamSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamSigner")
            .field("endpoint", &self.http.base_url().as_str())
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl IamSigner {
    /// A signer calling `endpoint` with the access token of `auth`.
    pub(crate) fn new(
        endpoint: Url,
        auth: GoogleAuth,
        account: SigningAccount,
        retry: RetryConfig,
        timeout: Duration,
    ) -> Result<Self> {
        let http = HttpClient::builder(CloudProvider::Gcp, endpoint)
            .with_user_agent(concat!("cloud-gcp/", env!("CARGO_PKG_VERSION")))
            .with_auth(auth)
            .with_retry(retry)
            .with_error_refiner(crate::error::refine)
            .with_timeout(timeout)
            .build()?;
        Ok(Self { http, account })
    }

    /// The service account that signs.
    pub(crate) async fn email(&self) -> Result<String> {
        match &self.account {
            SigningAccount::Known(email) => Ok(email.clone()),
            SigningAccount::FromCredentials(signer) => signer.client_email().await.map_err(|e| {
                let retryable = e.is_transport();
                Error::new(
                    if retryable { ErrorKind::Dispatch } else { ErrorKind::Unauthenticated },
                    format!("cannot learn which service account the credentials act as: {e}"),
                )
                .with_provider(CloudProvider::Gcp)
                .with_operation("presign")
                .with_retryable(retryable)
            }),
        }
    }

    /// The signature of `payload` by `email`'s Google-managed key.
    pub(crate) async fn sign(&self, email: &str, payload: &[u8]) -> Result<Bytes> {
        let path = format!("v1/projects/-/serviceAccounts/{}:signBlob", utf8_percent_encode(email, EMAIL_SEGMENT));
        let answer: SignBlobResponse = self
            .http
            .request(Method::POST, &path)
            .operation("presign")
            .json(&SignBlobRequest { payload: BASE64.encode(payload) })
            // Signing the same bytes again is harmless.
            .idempotent(true)
            .send_json()
            .await?;
        tracing::debug!(target: "cloud_gcp::iam", key_id = %answer.key_id, "signed through IAM signBlob");
        BASE64.decode(answer.signed_blob.trim()).map(Bytes::from).map_err(|e| {
            Error::new(ErrorKind::ResponseInvalid, format!("signBlob answered a signature that is not base64: {e}"))
                .with_provider(CloudProvider::Gcp)
                .with_operation("presign")
        })
    }
}

/// Checks a service account email given in the configuration.
pub(crate) fn validate_email(email: &str) -> Result<()> {
    let plausible = email.split_once('@').is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || "/?#%:".contains(c));
    if plausible {
        Ok(())
    } else {
        Err(Error::invalid_config(format!(
            "{email:?} is not a service account email (name@project.iam.gserviceaccount.com)"
        )))
    }
}

/// The service account of an impersonation URL
/// (`…/v1/projects/-/serviceAccounts/{email}:generateAccessToken`).
pub(crate) fn email_of_impersonation_url(url: &str) -> Option<String> {
    let (_, tail) = url.rsplit_once("/serviceAccounts/")?;
    let email = tail.strip_suffix(":generateAccessToken").unwrap_or(tail);
    validate_email(email).ok().map(|()| email.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_found_in_impersonation_urls() {
        validate_email("signer@my-project.iam.gserviceaccount.com").unwrap();
        for bad in ["", "no-at-sign", "@x.com", "a@b", "a b@x.com", "a/b@x.com", "a@x.com:signBlob"] {
            assert_eq!(validate_email(bad).unwrap_err().kind(), ErrorKind::InvalidConfig, "{bad}");
        }
        let url = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken";
        assert_eq!(email_of_impersonation_url(url).as_deref(), Some("sa@p.iam.gserviceaccount.com"));
        assert_eq!(email_of_impersonation_url("https://example.com/token"), None);
    }
}
