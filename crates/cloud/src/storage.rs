//! Storage: everything of [`cloud_core::storage`], plus [`open`] and [`from_url`], which pick a
//! backend from a URL.
//!
//! | Scheme | Backend | Example | Feature |
//! |---|---|---|---|
//! | `file` | [`LocalStorage`] rooted at the path; buckets are sub-directories | `file:///srv/data` | always |
//! | `memory` | [`MemoryStorage`] (a new, empty store each time) | `memory://bucket/prefix/` | always |
//! | `swift` | Swift of Infomaniak's OpenStack, credentials from `OS_CLOUD`/`OS_*` or `INFOMANIAK_*` (through [`open_async`] only: it authenticates first) | `swift://container/prefix/` | `infomaniak-openstack` |
//! | `az`, `azure` | `cloud_azure::AzureBlobClient` from the `AZURE_*` environment; the query may set non-secret `cloud_azure::AzureConfigKey`s (`?account_name=acct`, `?endpoint=http://127.0.0.1:10000/devstoreaccount1&allow_http=true`); the host is the container | `az://container/prefix/` | `azure` |
//! | `gs` | `cloud_gcp::GcsClient` from Google's environment (`GOOGLE_APPLICATION_CREDENTIALS`, ADC, `GCP_PROJECT_ID`, `STORAGE_EMULATOR_HOST`); the query may set non-secret `cloud_gcp::GcsConfigKey`s (`?project_id=p&location=EU`) | `gs://bucket/prefix/` | `gcp` |
//! | `s3` | `cloud_aws::S3Client` from the `AWS_*` environment; the query may set non-secret `cloud_aws::S3ConfigKey`s (`?endpoint=http://127.0.0.1:8014&allow_http=true&region=eu-west-1`) | `s3://bucket/prefix/` | `aws` |
//!
//! For `file` URLs the path is the root directory, so the URL names no bucket; for the other
//! schemes the first component after `//` is the bucket and the rest a key prefix.

use std::sync::Arc;

pub use cloud_core::storage::*;
use cloud_core::{Error, LocalStorage, MemoryStorage, Result};
use url::Url;

/// A storage backend opened from a URL, with the bucket and key prefix the URL named.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StorageLocation {
    /// The backend.
    pub client: Arc<dyn StorageClient>,
    /// The bucket the URL named, if any.
    pub bucket: Option<String>,
    /// The key prefix the URL named (empty, or ending with `/` unless the URL ended without one).
    pub prefix: String,
}

impl StorageLocation {
    /// The URL's bucket, or `default` when it named none.
    pub fn bucket_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.bucket.as_deref().unwrap_or(default)
    }

    /// `name` under the URL's prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

/// Opens the backend a URL names, with its bucket and prefix.
///
/// # Errors
/// `InvalidInput` for an unparseable URL or a scheme no enabled feature handles (the message
/// names the feature to enable); the backend's own construction errors (`InvalidConfig`, local
/// I/O errors).
pub fn open(url: &str) -> Result<StorageLocation> {
    let parsed = Url::parse(url).map_err(|e| Error::invalid_input(format!("invalid storage URL {url:?}: {e}")))?;
    match parsed.scheme() {
        "file" => {
            let root =
                parsed.to_file_path().map_err(|()| Error::invalid_input(format!("{url:?} is not a local file URL")))?;
            Ok(StorageLocation { client: Arc::new(LocalStorage::new(root)?), bucket: None, prefix: String::new() })
        }
        "memory" => {
            let (bucket, prefix) = bucket_and_prefix(&parsed)?;
            Ok(StorageLocation { client: Arc::new(MemoryStorage::new()), bucket, prefix })
        }
        #[cfg(feature = "infomaniak-openstack")]
        "swift" => Err(Error::invalid_input(format!(
            "{url:?}: swift:// authenticates with Keystone first; use cloud::storage::open_async"
        ))),
        #[cfg(feature = "aws")]
        "s3" => {
            let (bucket, prefix) = bucket_and_prefix(&parsed)?;
            Ok(StorageLocation { client: Arc::new(s3_client(&parsed)?), bucket, prefix })
        }
        #[cfg(feature = "azure")]
        "az" | "azure" => {
            let (bucket, prefix) = bucket_and_prefix(&parsed)?;
            Ok(StorageLocation { client: Arc::new(azure_client(&parsed)?), bucket, prefix })
        }
        #[cfg(feature = "gcp")]
        "gs" => {
            let (bucket, prefix) = bucket_and_prefix(&parsed)?;
            Ok(StorageLocation { client: Arc::new(gcs_client(&parsed)?), bucket, prefix })
        }
        other => Err(Error::invalid_input(format!(
            "no storage backend for scheme {other:?} in {url:?}; known schemes: {}",
            known_schemes().join(", ")
        ))),
    }
}

/// Opens every URL [`open`] does, plus those whose backend must authenticate before it is usable:
/// `swift://container/prefix` (feature `infomaniak-openstack`).
///
/// # Errors
/// As [`open`]; for `swift://` also `InvalidConfig`, `Unauthenticated` and transport kinds.
pub async fn open_async(url: &str) -> Result<StorageLocation> {
    let parsed = Url::parse(url).map_err(|e| Error::invalid_input(format!("invalid storage URL {url:?}: {e}")))?;
    match parsed.scheme() {
        #[cfg(feature = "infomaniak-openstack")]
        "swift" => {
            let (bucket, prefix) = bucket_and_prefix(&parsed)?;
            let swift = cloud_infomaniak_openstack::InfomaniakCloud::from_env().await?.swift();
            Ok(StorageLocation { client: Arc::new(swift), bucket, prefix })
        }
        _ => open(url),
    }
}

/// Opens the backend a URL names (see [`open`] for the bucket and prefix).
///
/// # Errors
/// As [`open`].
pub fn from_url(url: &str) -> Result<Arc<dyn StorageClient>> {
    open(url).map(|location| location.client)
}

/// The schemes this build understands.
pub fn known_schemes() -> Vec<&'static str> {
    #[allow(unused_mut, reason = "pushed to by provider features")]
    let mut schemes = vec!["file", "memory"];
    #[cfg(feature = "aws")]
    schemes.push("s3");
    #[cfg(feature = "azure")]
    schemes.extend(["az", "azure"]);
    #[cfg(feature = "gcp")]
    schemes.push("gs");
    #[cfg(feature = "infomaniak-openstack")]
    schemes.push("swift");
    schemes
}

/// The S3 client an `s3://` URL asks for: the `AWS_*` environment, overridden by the URL's
/// query; secrets are not accepted in URLs.
#[cfg(feature = "aws")]
fn s3_client(url: &Url) -> Result<cloud_aws::S3Client> {
    use cloud_aws::S3ConfigKey;
    let mut builder = cloud_aws::S3ClientBuilder::from_env();
    for (name, value) in url.query_pairs() {
        let key: S3ConfigKey =
            name.parse().map_err(|_| Error::invalid_input(format!("unknown S3 setting {name:?} in an s3:// URL")))?;
        if matches!(key, S3ConfigKey::SecretAccessKey | S3ConfigKey::SessionToken) {
            return Err(Error::invalid_input(format!(
                "{name} does not belong in a URL; set AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN"
            )));
        }
        builder = builder.with_config(key, value.into_owned());
    }
    builder.build()
}

/// The Azure client an `az://` or `azure://` URL asks for: the `AZURE_*` environment, overridden
/// by the URL's query; secrets (keys, SAS tokens, connection strings) are not accepted in URLs.
#[cfg(feature = "azure")]
fn azure_client(url: &Url) -> Result<cloud_azure::AzureBlobClient> {
    use cloud_azure::AzureConfigKey;
    let mut builder = cloud_azure::AzureBlobClientBuilder::from_env();
    for (name, value) in url.query_pairs() {
        let key: AzureConfigKey = name
            .parse()
            .map_err(|_| Error::invalid_input(format!("unknown Azure setting {name:?} in an az:// URL")))?;
        if matches!(
            key,
            AzureConfigKey::AccessKey
                | AzureConfigKey::SasToken
                | AzureConfigKey::ClientSecret
                | AzureConfigKey::ConnectionString
        ) {
            return Err(Error::invalid_input(format!(
                "{name} does not belong in a URL; set AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, AZURE_CLIENT_SECRET or AZURE_STORAGE_CONNECTION_STRING"
            )));
        }
        builder = builder.with_config(key, value.into_owned());
    }
    builder.build()
}

/// The GCS client a `gs://` URL asks for: Google's environment, overridden by the URL's query;
/// keys are not accepted in URLs.
#[cfg(feature = "gcp")]
fn gcs_client(url: &Url) -> Result<cloud_gcp::GcsClient> {
    use cloud_gcp::GcsConfigKey;
    let mut builder = cloud_gcp::GcsClientBuilder::from_env();
    for (name, value) in url.query_pairs() {
        let key: GcsConfigKey =
            name.parse().map_err(|_| Error::invalid_input(format!("unknown GCS setting {name:?} in a gs:// URL")))?;
        if key == GcsConfigKey::ServiceAccountKey {
            return Err(Error::invalid_input(format!(
                "{name} does not belong in a URL; set GOOGLE_APPLICATION_CREDENTIALS"
            )));
        }
        builder = builder.with_config(key, value.into_owned());
    }
    builder.build()
}

/// The bucket (host) and key prefix (path without its leading `/`) of a URL.
fn bucket_and_prefix(url: &Url) -> Result<(Option<String>, String)> {
    let bucket = url.host_str().filter(|h| !h.is_empty()).map(str::to_owned);
    if let Some(b) = &bucket {
        validate_bucket_name(b)?;
    }
    let path = url.path().trim_start_matches('/');
    let prefix = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| Error::invalid_input(format!("the path of {url} does not decode to UTF-8")))?
        .into_owned();
    Ok((bucket, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_core::ErrorKind;

    #[test]
    fn memory_url_names_bucket_and_prefix() {
        let loc = open("memory://my-bucket/a/b%20c/").unwrap();
        assert_eq!(loc.bucket.as_deref(), Some("my-bucket"));
        assert_eq!(loc.prefix, "a/b c/");
        assert_eq!(loc.key("x"), "a/b c/x");
        let loc = open("memory://").unwrap();
        assert_eq!(loc.bucket, None);
        assert_eq!(loc.bucket_or("dflt"), "dflt");
    }

    #[test]
    fn file_url_is_a_root_directory() {
        let dir = tempfile::tempdir().unwrap();
        let url = Url::from_directory_path(dir.path()).unwrap();
        let loc = open(url.as_str()).unwrap();
        assert_eq!(loc.bucket, None);
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Local);
    }

    #[cfg(feature = "aws")]
    #[test]
    fn s3_urls_name_bucket_prefix_and_settings() {
        let loc = open("s3://my-bucket/photos/2026/?endpoint=http://127.0.0.1:8014&allow_http=true&region=eu-west-1")
            .unwrap();
        assert_eq!(loc.bucket.as_deref(), Some("my-bucket"));
        assert_eq!(loc.prefix, "photos/2026/");
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Aws);
        assert_eq!(loc.client.to_string(), "S3Client(http://127.0.0.1:8014, eu-west-1)");
        assert_eq!(open("s3://my-bucket/?secret_access_key=x").unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(open("s3://my-bucket/?teleport=yes").unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(open("s3://my-bucket/?endpoint=http://127.0.0.1:1").unwrap_err().kind(), ErrorKind::InvalidConfig);
    }

    #[cfg(feature = "azure")]
    #[test]
    fn azure_urls_name_container_prefix_and_settings() {
        let loc = open("az://photos/2026/?use_emulator=true").unwrap();
        assert_eq!(loc.bucket.as_deref(), Some("photos"));
        assert_eq!(loc.prefix, "2026/");
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Azure);
        let loc =
            open("azure://photos/?endpoint=http://127.0.0.1:10000/devstoreaccount1&allow_http=true&use_emulator=true")
                .unwrap();
        assert_eq!(loc.client.to_string(), "Azure Blob Storage (http://127.0.0.1:10000/devstoreaccount1)");
        assert_eq!(open("az://photos/?access_key=c2VjcmV0").unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(open("az://photos/?sas_token=sv%3D1").unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(open("az://photos/?teleport=yes").unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[cfg(feature = "gcp")]
    #[test]
    fn gs_urls_name_bucket_prefix_and_settings() {
        let loc =
            open("gs://my-bucket/photos/?endpoint=http://127.0.0.1:9023&allow_http=true&anonymous=true&project_id=p")
                .unwrap();
        assert_eq!(loc.bucket.as_deref(), Some("my-bucket"));
        assert_eq!(loc.prefix, "photos/");
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Gcp);
        assert_eq!(loc.client.to_string(), "GcsClient(http://127.0.0.1:9023)");
        assert_eq!(open("gs://my-bucket/?service_account_key=x").unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(open("gs://my-bucket/?teleport=yes").unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn unknown_scheme_and_bad_urls_are_invalid_input() {
        let err = from_url("ftp://host/x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("known schemes"));
        assert_eq!(from_url("not a url").unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(from_url("memory://Bad_Bucket/").unwrap_err().kind(), ErrorKind::InvalidInput);
    }
}
