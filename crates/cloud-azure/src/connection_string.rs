//! Azure Storage connection strings (`AccountName=…;AccountKey=…;…` and
//! `UseDevelopmentStorage=true`).

use std::fmt;

use cloud_core::{Error, Result, SecretString};
use url::Url;

/// The account of the local storage emulator (Azurite), as documented by Microsoft.
pub const DEVELOPMENT_ACCOUNT: &str = "devstoreaccount1";

/// The account key of the local storage emulator (Azurite). It is public, printed in Microsoft's
/// documentation, and the same in every installation.
pub const DEVELOPMENT_ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The blob endpoint of the local storage emulator.
pub const DEVELOPMENT_BLOB_ENDPOINT: &str = "http://127.0.0.1:10000/devstoreaccount1";

/// A parsed connection string: the parts that matter for Blob Storage.
///
/// Accepts the forms the Azure portal and tools produce:
///
/// - `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=…;EndpointSuffix=core.windows.net`
/// - `BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=…`
/// - `UseDevelopmentStorage=true` (optionally with `DevelopmentStorageProxyUri=http://host`)
///
/// Keys are case-insensitive; values may contain `=` (account keys end in `==`). Unknown keys
/// (`QueueEndpoint`, `TableEndpoint`, …) are ignored.
///
/// ```
/// use cloud_azure::ConnectionString;
/// let cs: ConnectionString = "UseDevelopmentStorage=true".parse()?;
/// assert_eq!(cs.account_name(), Some("devstoreaccount1"));
/// assert_eq!(cs.blob_endpoint().unwrap().as_str(), "http://127.0.0.1:10000/devstoreaccount1");
/// assert!(cs.account_key().is_some());
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionString {
    account_name: Option<String>,
    account_key: Option<SecretString>,
    sas_token: Option<SecretString>,
    blob_endpoint: Option<Url>,
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("account_name", &self.account_name)
            .field("account_key", &self.account_key)
            .field("sas_token", &self.sas_token)
            .field("blob_endpoint", &self.blob_endpoint.as_ref().map(Url::as_str))
            .finish()
    }
}

impl ConnectionString {
    /// Parses a connection string; see the type's documentation for the accepted forms.
    ///
    /// # Errors
    /// `InvalidConfig` for a malformed string (a part without `=`, a bad URL, an unknown
    /// protocol) or one that names no blob endpoint and no account. The message never quotes an
    /// account key or a signature.
    pub fn parse(text: &str) -> Result<Self> {
        let mut account_name = None;
        let mut account_key = None;
        let mut sas_token = None;
        let mut blob_endpoint = None;
        let mut protocol = None;
        let mut suffix = None;
        let mut development = false;
        let mut proxy = None;
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(Error::invalid_config(
                    "malformed Azure Storage connection string: every part must be Key=Value",
                ));
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "accountname" => account_name = Some(value.to_owned()),
                "accountkey" => account_key = Some(SecretString::new(value)),
                "sharedaccesssignature" => sas_token = Some(SecretString::new(value.trim_start_matches('?'))),
                "blobendpoint" => blob_endpoint = Some(parse_endpoint(value, "BlobEndpoint")?),
                "defaultendpointsprotocol" => protocol = Some(value.to_ascii_lowercase()),
                "endpointsuffix" => suffix = Some(value.to_owned()),
                "usedevelopmentstorage" => development = value.eq_ignore_ascii_case("true"),
                "developmentstorageproxyuri" => proxy = Some(parse_endpoint(value, "DevelopmentStorageProxyUri")?),
                _ => {}
            }
        }
        if development {
            let endpoint = match proxy {
                Some(proxy) => {
                    let host = proxy.host_str().unwrap_or("127.0.0.1");
                    parse_endpoint(
                        &format!("{}://{host}:10000/{DEVELOPMENT_ACCOUNT}", proxy.scheme()),
                        "DevelopmentStorageProxyUri",
                    )?
                }
                None => parse_endpoint(DEVELOPMENT_BLOB_ENDPOINT, "UseDevelopmentStorage")?,
            };
            return Ok(Self {
                account_name: Some(DEVELOPMENT_ACCOUNT.to_owned()),
                account_key: Some(SecretString::new(DEVELOPMENT_ACCOUNT_KEY)),
                sas_token: None,
                blob_endpoint: Some(endpoint),
            });
        }
        if blob_endpoint.is_none()
            && let Some(account) = &account_name
        {
            let protocol = protocol.as_deref().unwrap_or("https");
            if protocol != "https" && protocol != "http" {
                return Err(Error::invalid_config(format!(
                    "DefaultEndpointsProtocol must be http or https, not {protocol:?}"
                )));
            }
            let suffix = suffix.as_deref().unwrap_or("core.windows.net");
            blob_endpoint = Some(parse_endpoint(&format!("{protocol}://{account}.blob.{suffix}"), "AccountName")?);
        }
        if blob_endpoint.is_none() {
            return Err(Error::invalid_config(
                "the Azure Storage connection string names neither an AccountName nor a BlobEndpoint",
            ));
        }
        Ok(Self { account_name, account_key, sas_token, blob_endpoint })
    }

    /// The storage account, if the string names one.
    pub fn account_name(&self) -> Option<&str> {
        self.account_name.as_deref()
    }

    /// The account key, if any.
    pub fn account_key(&self) -> Option<&SecretString> {
        self.account_key.as_ref()
    }

    /// The shared access signature (without a leading `?`), if any.
    pub fn sas_token(&self) -> Option<&SecretString> {
        self.sas_token.as_ref()
    }

    /// The blob service endpoint: `BlobEndpoint`, or the one derived from the account name,
    /// protocol and suffix.
    pub fn blob_endpoint(&self) -> Option<&Url> {
        self.blob_endpoint.as_ref()
    }
}

impl std::str::FromStr for ConnectionString {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

fn parse_endpoint(value: &str, what: &str) -> Result<Url> {
    let url = Url::parse(value)
        .map_err(|e| Error::invalid_config(format!("invalid {what} {value:?} in the connection string: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_config(format!("{what} {value:?} must be an http or https URL with a host")));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use cloud_core::ErrorKind;

    use super::*;

    #[test]
    fn account_key_form_derives_the_endpoint() {
        let cs = ConnectionString::parse(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5a2V5==;EndpointSuffix=core.chinacloudapi.cn",
        )
        .unwrap();
        assert_eq!(cs.account_name(), Some("acct"));
        assert_eq!(cs.account_key().unwrap().expose(), "a2V5a2V5==");
        assert_eq!(cs.blob_endpoint().unwrap().as_str(), "https://acct.blob.core.chinacloudapi.cn/");
        let default_suffix = ConnectionString::parse("AccountName=acct;AccountKey=k").unwrap();
        assert_eq!(default_suffix.blob_endpoint().unwrap().as_str(), "https://acct.blob.core.windows.net/");
    }

    #[test]
    fn explicit_endpoint_and_sas() {
        let cs = ConnectionString::parse(
            " BlobEndpoint = http://127.0.0.1:10000/devstoreaccount1 ; SharedAccessSignature=?sv=2022-11-02&sig=abc%3D;",
        )
        .unwrap();
        assert_eq!(cs.account_name(), None);
        assert_eq!(cs.sas_token().unwrap().expose(), "sv=2022-11-02&sig=abc%3D");
        assert_eq!(cs.blob_endpoint().unwrap().as_str(), "http://127.0.0.1:10000/devstoreaccount1");
    }

    #[test]
    fn development_storage() {
        let cs: ConnectionString = "UseDevelopmentStorage=true".parse().unwrap();
        assert_eq!(cs.account_key().unwrap().expose(), DEVELOPMENT_ACCOUNT_KEY);
        let proxied =
            ConnectionString::parse("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite").unwrap();
        assert_eq!(proxied.blob_endpoint().unwrap().as_str(), "http://azurite:10000/devstoreaccount1");
    }

    #[test]
    fn malformed_strings_are_invalid_config_without_secrets() {
        for bad in [
            "AccountName",
            "QueueEndpoint=https://q.example",
            "AccountName=a;DefaultEndpointsProtocol=ftp;AccountKey=s3cr3t",
            "BlobEndpoint=not a url;AccountKey=s3cr3t",
        ] {
            let err = ConnectionString::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{bad}");
            assert!(!err.to_string().contains("s3cr3t"), "{err}");
        }
        let cs = ConnectionString::parse("AccountName=a;AccountKey=s3cr3t").unwrap();
        assert!(!format!("{cs:?}").contains("s3cr3t"));
    }
}
