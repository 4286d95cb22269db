//! V4 signed URLs (Google's "V4 signing process", `GOOG4-RSA-SHA256`).
//!
//! The canonical request (method, path, sorted query, canonical headers, signed headers,
//! `UNSIGNED-PAYLOAD`) is hashed with SHA-256 into the string to sign, which is signed with
//! RSA-SHA256: locally by `google-cloud-auth`'s signer with a service account key, or through the
//! IAM Service Account Credentials `signBlob` call (see `iam`) for credentials without a key.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cloud_core::storage::{PresignMethod, PresignedUrl, validate_bucket_name, validate_key};
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use percent_encoding::{AsciiSet, utf8_percent_encode};
use sha2::{Digest, Sha256};
use url::Url;

use crate::client::{GcsClient, UNRESERVED};
use crate::iam::IamSigner;

/// The longest validity of a V4 signed URL: 7 days.
pub const PRESIGN_MAX_EXPIRY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The same, keeping `/` (for object names in the path).
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// What signs the string to sign.
#[derive(Clone)]
pub(crate) enum UrlSigner {
    /// A service account key, locally.
    Local(google_cloud_auth::signer::Signer),
    /// IAM `signBlob`, with the credentials' access token.
    Iam(IamSigner),
}

impl UrlSigner {
    /// The service account the URL is signed as.
    async fn email(&self) -> Result<String> {
        match self {
            Self::Local(signer) => signer.client_email().await.map_err(signing_error),
            Self::Iam(signer) => signer.email().await,
        }
    }

    /// The RSA-SHA256 signature of `payload` by `email`.
    async fn sign(&self, email: &str, payload: &[u8]) -> Result<bytes::Bytes> {
        match self {
            Self::Local(signer) => signer.sign(payload).await.map_err(signing_error),
            Self::Iam(signer) => signer.sign(email, payload).await,
        }
    }
}

/// The parts of a V4 signature that do not depend on the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StringToSign {
    /// The URL without its signature.
    pub(crate) url: Url,
    /// What the key signs.
    pub(crate) string_to_sign: String,
}

/// Builds the canonical request and string to sign of a V4 URL for `method` on `bucket/key`.
pub(crate) fn string_to_sign(
    endpoint: &Url,
    method: PresignMethod,
    bucket: &str,
    key: &str,
    email: &str,
    now: DateTime<Utc>,
    expires_in: Duration,
) -> Result<StringToSign> {
    let host = match (endpoint.host_str(), endpoint.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(Error::invalid_config("the endpoint has no host")),
    };
    let base_path = endpoint.path().trim_end_matches('/');
    let path = format!("{base_path}/{bucket}/{}", utf8_percent_encode(key, PATH));
    let timestamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let scope = format!("{}/auto/storage/goog4_request", now.format("%Y%m%d"));
    let mut query = [
        ("X-Goog-Algorithm", "GOOG4-RSA-SHA256".to_owned()),
        ("X-Goog-Credential", format!("{email}/{scope}")),
        ("X-Goog-Date", timestamp.clone()),
        ("X-Goog-Expires", expires_in.as_secs().to_string()),
        ("X-Goog-SignedHeaders", "host".to_owned()),
    ];
    query.sort_by(|a, b| a.0.cmp(b.0));
    let canonical_query = query
        .iter()
        .map(|(k, v)| format!("{}={}", utf8_percent_encode(k, UNRESERVED), utf8_percent_encode(v, UNRESERVED)))
        .collect::<Vec<_>>()
        .join("&");
    let canonical_request =
        [method.as_str(), &path, &canonical_query, &format!("host:{host}\n"), "host", "UNSIGNED-PAYLOAD"].join("\n");
    let string_to_sign =
        ["GOOG4-RSA-SHA256", &timestamp, &scope, &hex::encode(Sha256::digest(canonical_request.as_bytes()))].join("\n");
    let url = Url::parse(&format!("{}://{host}{path}?{canonical_query}", endpoint.scheme()))
        .map_err(|e| Error::new(ErrorKind::Construction, format!("cannot build the signed URL: {e}")))?;
    Ok(StringToSign { url, string_to_sign })
}

impl GcsClient {
    /// A V4 signed URL that lets anyone holding it `method` (GET or PUT) `bucket/key` for
    /// `expires_in` (at most 7 days); the same as `presign` of the `StorageClient` trait.
    ///
    /// With a service account key the URL is signed locally. Other credentials sign through the
    /// IAM Service Account Credentials API's `signBlob` as a service account: the one set with
    /// [`with_signing_service_account`](crate::GcsClientBuilder::with_signing_service_account),
    /// else the one the credentials act as (the metadata server's, the impersonated one). That
    /// account must grant the caller `iam.serviceAccounts.signBlob` (the "Service Account Token
    /// Creator" role).
    ///
    /// # Errors
    /// `InvalidInput` for a bad name or an expiry of zero or beyond 7 days; `Unsupported` when
    /// the credentials cannot sign (anonymous credentials, or user and external-account
    /// credentials without a signing service account); `PermissionDenied` when IAM `signBlob`
    /// refuses, `Dispatch`, `Timeout` or `Service` when it cannot be reached or fails (after the
    /// client's retries).
    ///
    /// ```no_run
    /// # async fn demo(gcs: cloud_gcp::GcsClient) -> cloud_core::Result<()> {
    /// use cloud_core::storage::PresignMethod;
    /// let url = gcs.signed_url(PresignMethod::Get, "my-bucket", "report.pdf", std::time::Duration::from_secs(3600)).await?;
    /// println!("{}", url.url);
    /// # Ok(()) }
    /// ```
    pub async fn signed_url(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        expires_in: Duration,
    ) -> Result<PresignedUrl> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        if expires_in.is_zero() || expires_in > PRESIGN_MAX_EXPIRY {
            return Err(Error::invalid_input(format!(
                "a signed URL lasts from 1 second to 7 days, not {} s",
                expires_in.as_secs()
            )));
        }
        let signer = self.inner.signer.as_ref().ok_or_else(|| {
            Error::unsupported(format!(
                "{} credentials cannot sign URLs; use a service account key, or name the service account to sign as through IAM signBlob",
                self.inner.credentials.kind
            ))
            .with_provider(CloudProvider::Gcp)
        })?;
        let email = signer.email().await?;
        let now = Utc::now();
        let parts = string_to_sign(&self.inner.endpoint, method, bucket, key, &email, now, expires_in)?;
        let signature = signer.sign(&email, parts.string_to_sign.as_bytes()).await?;
        let mut url = parts.url;
        url.query_pairs_mut().append_pair("X-Goog-Signature", &hex::encode(signature));
        let expires = chrono::Duration::from_std(expires_in).unwrap_or(chrono::Duration::MAX);
        Ok(PresignedUrl::new(method, url, now + expires))
    }
}

fn signing_error(error: google_cloud_auth::signer::SigningError) -> Error {
    let kind = if error.is_transport() {
        ErrorKind::Dispatch
    } else if error.is_parsing() {
        ErrorKind::InvalidConfig
    } else {
        ErrorKind::PermissionDenied
    };
    let retryable = error.is_transport();
    Error::new(kind, format!("cannot sign the URL: {error}"))
        .with_provider(CloudProvider::Gcp)
        .with_operation("presign")
        .with_retryable(retryable)
        .with_source(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Google's V4 documentation: a GET of `example-bucket/cat.jpeg`.
    #[test]
    fn canonical_request_follows_the_documented_example() {
        let endpoint = Url::parse("https://storage.googleapis.com").unwrap();
        let now = DateTime::parse_from_rfc3339("2018-10-26T21:19:42Z").unwrap().with_timezone(&Utc);
        let email = "example@example-project.iam.gserviceaccount.com";
        let parts = string_to_sign(
            &endpoint,
            PresignMethod::Get,
            "example-bucket",
            "cat.jpeg",
            email,
            now,
            Duration::from_secs(3600),
        )
        .unwrap();
        let canonical_request = "GET\n/example-bucket/cat.jpeg\nX-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=example%40example-project.iam.gserviceaccount.com%2F20181026%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20181026T211942Z&X-Goog-Expires=3600&X-Goog-SignedHeaders=host\nhost:storage.googleapis.com\n\nhost\nUNSIGNED-PAYLOAD";
        let expected = format!(
            "GOOG4-RSA-SHA256\n20181026T211942Z\n20181026/auto/storage/goog4_request\n{}",
            hex::encode(Sha256::digest(canonical_request))
        );
        assert_eq!(parts.string_to_sign, expected);
        assert!(
            parts.url.as_str().starts_with("https://storage.googleapis.com/example-bucket/cat.jpeg?X-Goog-Algorithm=")
        );
    }

    #[test]
    fn object_names_keep_slashes_and_encode_the_rest() {
        let endpoint = Url::parse("http://127.0.0.1:9023").unwrap();
        let parts =
            string_to_sign(&endpoint, PresignMethod::Put, "b", "dir/a b+c", "e@x", Utc::now(), Duration::from_secs(60))
                .unwrap();
        assert_eq!(parts.url.path(), "/b/dir/a%20b%2Bc");
        assert_eq!(parts.url.host_str(), Some("127.0.0.1"));
    }
}
