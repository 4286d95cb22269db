//! Shared access signatures for one blob: a service SAS signed with the account key, or a user
//! delegation SAS signed with a user delegation key obtained under Entra ID.
//!
//! Both follow "Create a service SAS" and "Create a user delegation SAS" of the Azure Storage
//! REST reference, signed version [`SAS_VERSION`].

use chrono::{DateTime, SecondsFormat, Utc};
use cloud_core::Result;
use url::Url;

use crate::shared_key::AccountKey;

/// The signed version (`sv`) of the SAS tokens this crate creates.
pub const SAS_VERSION: &str = "2022-11-02";

/// What a SAS lets its holder do with one blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SasPermission {
    /// `r`: read the blob and its properties.
    Read,
    /// `cw`: create or replace the blob.
    Write,
}

impl SasPermission {
    fn as_str(self) -> &'static str {
        match self {
            Self::Read => "r",
            Self::Write => "cw",
        }
    }
}

/// A user delegation key as returned by Get User Delegation Key.
#[derive(Clone)]
pub(crate) struct DelegationKey {
    pub(crate) signed_oid: String,
    pub(crate) signed_tid: String,
    pub(crate) signed_start: String,
    pub(crate) signed_expiry: String,
    pub(crate) signed_service: String,
    pub(crate) signed_version: String,
    /// Used only as an HMAC key.
    pub(crate) value: AccountKey,
}

impl std::fmt::Debug for DelegationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelegationKey")
            .field("signed_oid", &self.signed_oid)
            .field("signed_expiry", &self.signed_expiry)
            .finish_non_exhaustive()
    }
}

/// The canonical resource of a blob for SAS signing: `/blob/<account>/<container>/<blob>`.
fn canonical_resource(account: &str, container: &str, blob: &str) -> String {
    format!("/blob/{account}/{container}/{blob}")
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The fields both kinds of SAS end with: no IP range, any protocol, this version, a blob
/// (`b`), no snapshot, no encryption scope, and no response header overrides.
const COMMON_TAIL: [&str; 11] = ["", "", SAS_VERSION, "b", "", "", "", "", "", "", ""];

/// The string-to-sign of a service SAS for one blob (version 2020-12-06 and later).
pub(crate) fn service_string_to_sign(
    permission: SasPermission,
    expiry: DateTime<Utc>,
    account: &str,
    container: &str,
    blob: &str,
) -> String {
    [
        permission.as_str(),
        "",
        &iso(expiry),
        &canonical_resource(account, container, blob),
        "", // signedIdentifier
    ]
    .into_iter()
    .chain(COMMON_TAIL)
    .collect::<Vec<_>>()
    .join("\n")
}

/// The string-to-sign of a user delegation SAS for one blob (version 2020-12-06 and later).
pub(crate) fn user_delegation_string_to_sign(
    permission: SasPermission,
    expiry: DateTime<Utc>,
    account: &str,
    container: &str,
    blob: &str,
    key: &DelegationKey,
) -> String {
    [
        permission.as_str(),
        "",
        &iso(expiry),
        &canonical_resource(account, container, blob),
        &key.signed_oid,
        &key.signed_tid,
        &key.signed_start,
        &key.signed_expiry,
        &key.signed_service,
        &key.signed_version,
        "", // signedAuthorizedUserObjectId
        "", // signedUnauthorizedUserObjectId
        "", // signedCorrelationId
    ]
    .into_iter()
    .chain(COMMON_TAIL)
    .collect::<Vec<_>>()
    .join("\n")
}

/// Appends a service SAS to a blob URL.
pub(crate) fn sign_service(
    blob_url: &mut Url,
    key: &AccountKey,
    permission: SasPermission,
    expiry: DateTime<Utc>,
    container: &str,
    blob: &str,
) -> Result<()> {
    let signature = key.sign(&service_string_to_sign(permission, expiry, key.account(), container, blob))?;
    blob_url
        .query_pairs_mut()
        .append_pair("sv", SAS_VERSION)
        .append_pair("se", &iso(expiry))
        .append_pair("sr", "b")
        .append_pair("sp", permission.as_str())
        .append_pair("sig", &signature);
    Ok(())
}

/// Appends a user delegation SAS to a blob URL.
pub(crate) fn sign_user_delegation(
    blob_url: &mut Url,
    account: &str,
    key: &DelegationKey,
    permission: SasPermission,
    expiry: DateTime<Utc>,
    container: &str,
    blob: &str,
) -> Result<()> {
    let signature =
        key.value.sign(&user_delegation_string_to_sign(permission, expiry, account, container, blob, key))?;
    blob_url
        .query_pairs_mut()
        .append_pair("sv", SAS_VERSION)
        .append_pair("se", &iso(expiry))
        .append_pair("sr", "b")
        .append_pair("sp", permission.as_str())
        .append_pair("skoid", &key.signed_oid)
        .append_pair("sktid", &key.signed_tid)
        .append_pair("skt", &key.signed_start)
        .append_pair("ske", &key.signed_expiry)
        .append_pair("sks", &key.signed_service)
        .append_pair("skv", &key.signed_version)
        .append_pair("sig", &signature);
    Ok(())
}

#[cfg(test)]
mod tests {
    use cloud_core::SecretString;

    use super::*;

    fn expiry() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-08T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn service_sas_fields_and_layout() {
        let s = service_string_to_sign(SasPermission::Write, expiry(), "acct", "c", "a/b.txt");
        assert_eq!(s, "cw\n\n2026-12-08T00:00:00Z\n/blob/acct/c/a/b.txt\n\n\n\n2022-11-02\nb\n\n\n\n\n\n\n");
        let key = AccountKey::new("acct", &SecretString::new("c2VjcmV0LWtleQ==")).unwrap();
        let mut url = Url::parse("https://acct.blob.core.windows.net/c/a/b.txt").unwrap();
        sign_service(&mut url, &key, SasPermission::Read, expiry(), "c", "a/b.txt").unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["sv", "se", "sr", "sp", "sig"]);
        let sig = &pairs[4].1;
        let expected =
            key.sign(&service_string_to_sign(SasPermission::Read, expiry(), "acct", "c", "a/b.txt")).unwrap();
        assert_eq!(sig, &expected);
    }

    #[test]
    fn user_delegation_sas_carries_the_key_fields() {
        let key = DelegationKey {
            signed_oid: "oid".into(),
            signed_tid: "tid".into(),
            signed_start: "2026-12-07T00:00:00Z".into(),
            signed_expiry: "2026-12-08T00:00:00Z".into(),
            signed_service: "b".into(),
            signed_version: "2022-11-02".into(),
            value: AccountKey::new("acct", &SecretString::new("ZGVsZWdhdGlvbg==")).unwrap(),
        };
        let s = user_delegation_string_to_sign(SasPermission::Read, expiry(), "acct", "c", "k", &key);
        assert_eq!(
            s,
            "r\n\n2026-12-08T00:00:00Z\n/blob/acct/c/k\noid\ntid\n2026-12-07T00:00:00Z\n2026-12-08T00:00:00Z\nb\n2022-11-02\n\n\n\n\n\n2022-11-02\nb\n\n\n\n\n\n\n"
        );
        let mut url = Url::parse("https://acct.blob.core.windows.net/c/k").unwrap();
        sign_user_delegation(&mut url, "acct", &key, SasPermission::Read, expiry(), "c", "k").unwrap();
        let query = url.query().unwrap();
        for field in ["skoid=oid", "sktid=tid", "sks=b", "skv=2022-11-02", "sp=r", "sr=b", "sig="] {
            assert!(query.contains(field), "{query}");
        }
        assert!(!format!("{key:?}").contains("ZGVsZWdhdGlvbg"));
    }
}
