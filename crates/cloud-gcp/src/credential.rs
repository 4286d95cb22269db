//! Credentials through `google-cloud-auth`: which source the builder picked, the access-token
//! [`AuthProvider`] every request goes through, and how V4 URLs get signed.

use std::fmt;
use std::path::PathBuf;

use cloud_core::http::AuthProvider;
use cloud_core::{Error, ErrorKind, Result, SecretString};
use google_cloud_auth::credentials::{
    self, CacheableResource, Credentials, anonymous, external_account, impersonated, service_account, user_account,
};
use google_cloud_auth::signer::Signer;
use serde::Deserialize;

use crate::iam::{self, SigningAccount};

/// Where the builder takes credentials from.
#[derive(Debug, Clone)]
pub(crate) enum CredentialSource {
    /// No credentials (emulators, public buckets).
    Anonymous,
    /// The JSON of a credentials file, given directly.
    Json(SecretString),
    /// A credentials JSON file.
    File(PathBuf),
    /// Application Default Credentials.
    ApplicationDefault,
}

/// How the credentials sign V4 URLs.
#[derive(Clone)]
pub(crate) enum Signing {
    /// They cannot (anonymous, user or external-account credentials without a signing account).
    Unavailable,
    /// Locally, with the service account key (no request).
    Local(Signer),
    /// Through IAM `signBlob`, as this service account, with the credentials' access token.
    Iam(SigningAccount),
}

/// Credentials ready for requests, and what else the credentials file said.
#[derive(Clone)]
pub(crate) struct Resolved {
    pub(crate) credentials: Credentials,
    /// How V4 URLs are signed.
    pub(crate) signing: Signing,
    /// The `project_id` of a service account key.
    pub(crate) project_id: Option<String>,
    /// A short description for `Debug` (never a secret).
    pub(crate) kind: &'static str,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("kind", &self.kind)
            .field(
                "signing",
                &match &self.signing {
                    Signing::Unavailable => "unavailable",
                    Signing::Local(_) => "local key",
                    Signing::Iam(_) => "IAM signBlob",
                },
            )
            .finish_non_exhaustive()
    }
}

/// The fields of a credentials file this crate reads itself (the rest is for `google-cloud-auth`).
#[derive(Deserialize)]
struct CredentialsFile {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    project_id: Option<String>,
    /// The account of a service account key.
    #[serde(default)]
    client_email: Option<String>,
    /// The account impersonated credentials (and some external accounts) act as.
    #[serde(default)]
    service_account_impersonation_url: Option<String>,
}

/// Builds the credentials of `source`. Nothing is fetched yet: tokens come on the first request.
///
/// `signing_account`, when given, is the service account V4 URLs are signed as through IAM
/// `signBlob` (unless it is the account of the service account key itself, which signs locally).
pub(crate) fn resolve(source: &CredentialSource, signing_account: Option<&str>) -> Result<Resolved> {
    if let Some(email) = signing_account {
        iam::validate_email(email)?;
    }
    let configured = || signing_account.map(|email| Signing::Iam(SigningAccount::Known(email.to_owned())));
    match source {
        CredentialSource::Anonymous => Ok(Resolved {
            credentials: anonymous::Builder::new().build(),
            signing: Signing::Unavailable,
            project_id: None,
            kind: "anonymous",
        }),
        CredentialSource::Json(json) => from_json(json.expose(), "the service account key", signing_account),
        CredentialSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::invalid_config(format!("cannot read the credentials file {}: {e}", path.display()))
            })?;
            from_json(&text, &format!("the credentials file {}", path.display()), signing_account)
        }
        CredentialSource::ApplicationDefault => {
            let credentials = credentials::Builder::default().build().map_err(|e| build_error(&e, "ADC"))?;
            // The metadata server (and impersonation) name the account to sign as; user
            // credentials name none, so they sign only as a configured account.
            let signing = configured().unwrap_or_else(|| {
                credentials::Builder::default()
                    .build_signer()
                    .map_or(Signing::Unavailable, |s| Signing::Iam(SigningAccount::FromCredentials(s)))
            });
            Ok(Resolved { credentials, signing, project_id: None, kind: "application default" })
        }
    }
}

/// Credentials from the JSON of a credentials file; `what` names it in errors, which never quote
/// the JSON itself.
fn from_json(text: &str, what: &str, signing_account: Option<&str>) -> Result<Resolved> {
    let file: CredentialsFile = serde_json::from_str(text)
        .map_err(|e| Error::invalid_config(format!("{what} is not a credentials JSON document (line {})", e.line())))?;
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| Error::invalid_config(format!("{what} is not a credentials JSON document")))?;
    // The account named by the configuration, else the one the credentials act as.
    let named = signing_account
        .map(str::to_owned)
        .or_else(|| file.service_account_impersonation_url.as_deref().and_then(iam::email_of_impersonation_url));
    let through_iam = named.map_or(Signing::Unavailable, |email| Signing::Iam(SigningAccount::Known(email)));
    let (credentials, signing, kind) = match file.kind.as_str() {
        "service_account" => {
            let credentials =
                service_account::Builder::new(value.clone()).build().map_err(|e| build_error(&e, what))?;
            let signing = match signing_account {
                Some(email) if Some(email) != file.client_email.as_deref() => through_iam,
                _ => Signing::Local(
                    service_account::Builder::new(value).build_signer().map_err(|e| build_error(&e, what))?,
                ),
            };
            (credentials, signing, "service account")
        }
        "authorized_user" => {
            let credentials = user_account::Builder::new(value).build().map_err(|e| build_error(&e, what))?;
            (credentials, through_iam, "authorized user")
        }
        "impersonated_service_account" => {
            let credentials = impersonated::Builder::new(value).build().map_err(|e| build_error(&e, what))?;
            (credentials, through_iam, "impersonated service account")
        }
        "external_account" => {
            let credentials = external_account::Builder::new(value).build().map_err(|e| build_error(&e, what))?;
            (credentials, through_iam, "external account")
        }
        other => {
            return Err(Error::invalid_config(format!("{what} has credentials of unsupported type {other:?}")));
        }
    };
    Ok(Resolved { credentials, signing, project_id: file.project_id, kind })
}

fn build_error(error: &google_cloud_auth::build_errors::Error, what: &str) -> Error {
    Error::invalid_config(format!("cannot use {what}: {error}"))
}

/// Adds Google's `Authorization` (and quota project) headers to requests.
#[derive(Clone)]
pub(crate) struct GoogleAuth {
    pub(crate) credentials: Credentials,
    pub(crate) anonymous: bool,
}

impl fmt::Debug for GoogleAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleAuth").field("anonymous", &self.anonymous).finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl AuthProvider for GoogleAuth {
    async fn apply(&self, request: &mut reqwest::Request) -> Result<()> {
        if self.anonymous {
            return Ok(());
        }
        let headers = match self.credentials.headers(http::Extensions::new()).await {
            Ok(CacheableResource::New { data, .. }) => data,
            // Only returned when the caller passes an entity tag, which this never does.
            Ok(CacheableResource::NotModified) => return Ok(()),
            Err(e) => {
                let kind = if e.is_transient() { ErrorKind::Dispatch } else { ErrorKind::Unauthenticated };
                return Err(
                    Error::new(kind, format!("cannot get Google credentials: {e}")).with_retryable(e.is_transient())
                );
            }
        };
        for (name, value) in &headers {
            let mut value = value.clone();
            value.set_sensitive(true);
            request.headers_mut().insert(name.clone(), value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_types_and_bad_json_are_config_errors() {
        let err = from_json(r#"{"type":"gdch_service_account"}"#, "the key", None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.message().contains("gdch_service_account"));
        let err = from_json(r#"{"private_key":"CANARYgcsTruncatedKey1""#, "the key", None).unwrap_err();
        assert!(!err.to_string().contains("CANARYgcsTruncatedKey1"));
    }

    #[tokio::test]
    async fn anonymous_adds_no_header() {
        let resolved = resolve(&CredentialSource::Anonymous, None).unwrap();
        let auth = GoogleAuth { credentials: resolved.credentials, anonymous: true };
        let mut request = reqwest::Request::new(reqwest::Method::GET, "http://127.0.0.1/".parse().unwrap());
        auth.apply(&mut request).await.unwrap();
        assert!(request.headers().is_empty());
    }
}
