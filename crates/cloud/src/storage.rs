//! Storage: everything of [`cloud_core::storage`], plus [`open`], [`open_with`] and [`from_url`],
//! which pick a backend from a URL.
//!
//! | Scheme | Backend | Credentials and settings | Example | Feature |
//! |---|---|---|---|---|
//! | `file` | [`LocalStorage`] rooted at the path (an existing directory); buckets are sub-directories | none | `file:///srv/data` | always |
//! | `memory` | [`MemoryStorage`] (a new, empty store each time) | none | `memory://bucket/prefix/` | always |
//! | `s3` | `cloud_aws::S3Client` | the `AWS_*` environment; `cloud_aws::S3ConfigKey`s | `s3://bucket/prefix/` | `aws` |
//! | `gs` | `cloud_gcp::GcsClient` | Google's environment (`GOOGLE_APPLICATION_CREDENTIALS`, ADC, `STORAGE_EMULATOR_HOST` …); `cloud_gcp::GcsConfigKey`s | `gs://bucket/prefix/` | `gcp` |
//! | `az`, `azure` | `cloud_azure::AzureBlobClient`; the host is the container | the `AZURE_*` environment; `cloud_azure::AzureConfigKey`s | `az://container/prefix/` | `azure` |
//! | `swift` | `cloud_infomaniak_openstack::SwiftClient`, which logs in to Keystone on first use | `INFOMANIAK_APP_CREDENTIAL_*`, `OS_CLOUD` and `clouds.yaml`, or `OS_*` | `swift://container/prefix/` | `infomaniak-openstack` |
//! | `infomaniak-s3` | `cloud_infomaniak_s3::InfomaniakS3Client` | the `INFOMANIAK_S3_*` environment; `cloud_infomaniak_s3::InfomaniakS3ConfigKey`s | `infomaniak-s3://bucket/prefix/` | `infomaniak-s3` |
//!
//! For `file` URLs the path is the root directory, so the URL names no bucket; for the other
//! schemes the part after `//` is the bucket and the path a key prefix.
//!
//! # Where settings come from
//!
//! A backend is configured from the environment first, then from the URL's query, then from the
//! settings the application passes to [`open_with`] (a later source wins). URLs often come from
//! users, so **the query may only hold settings that neither choose the host nor the credentials**:
//!
//! | Scheme | Settings allowed in the query |
//! |---|---|
//! | `s3` | `region`, `force_path_style` |
//! | `gs` | `location` |
//! | `infomaniak-s3` | `region` (`dc3-a`, `dc4-a`) |
//! | `az`, `azure`, `swift`, `file`, `memory` | none |
//!
//! Anything else (endpoints, `allow_http`, profiles, files, keys, tuning) is the application's to
//! give, through [`open_with`]. A URL with user information (`s3://KEY:SECRET@bucket`), a port or
//! a fragment is refused rather than silently ignored, and error messages never repeat a URL.
//!
//! ```
//! # fn main() -> cloud::Result<()> {
//! let location = cloud::storage::open("memory://photos/2026/")?;
//! assert_eq!((location.bucket.as_deref(), location.prefix.as_str()), (Some("photos"), "2026/"));
//! let refused = cloud::storage::open("memory://user:password@photos/").unwrap_err();
//! assert_eq!(refused.kind(), cloud::ErrorKind::InvalidInput);
//! assert!(!refused.to_string().contains("password"));
//! # Ok(()) }
//! ```

#[cfg(feature = "infomaniak-openstack")]
mod lazy;

use std::sync::Arc;

pub use cloud_core::storage::*;
#[cfg(any(feature = "aws", feature = "azure", feature = "gcp", feature = "infomaniak-s3"))]
use cloud_core::{ConfigKey, Configure};
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

/// Opens the backend a URL names, with its bucket and prefix; no request is made.
///
/// The backend is configured from the environment and the few settings a URL may carry (see the
/// [module documentation](self)). Backends that log in first (`swift://`) do so on their first
/// request.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use cloud::StorageClientExt;
/// let location = cloud::storage::open("memory://photos/2026/")?;
/// location.client.ensure_bucket(location.bucket_or("photos")).await?;
/// location.client.put_bytes("photos", &location.key("cat.jpg"), &b"meow"[..]).await?;
/// assert_eq!(location.client.get_bytes("photos", "2026/cat.jpg").await?, &b"meow"[..]);
/// # Ok::<(), cloud::Error>(()) }).unwrap();
/// ```
///
/// # Errors
/// `InvalidInput` for an unparseable URL, a scheme no enabled feature handles (the message names
/// the known schemes), user information, a port, a fragment, or a query setting the scheme does
/// not allow; the backend's own construction errors (`InvalidConfig` for an incomplete
/// environment, `NotFound` for a `file://` directory that does not exist).
pub fn open(url: &str) -> Result<StorageLocation> {
    open_with(url, std::iter::empty::<(&str, &str)>())
}

/// Opens the backend a URL names with settings from the application, which win over the
/// environment and the URL.
///
/// Settings are named as the backend's config keys name them, in their canonical or environment
/// spelling (`("endpoint", "http://127.0.0.1:8014")` or `("AWS_ENDPOINT_URL", …)` for `s3`), and
/// may include anything, secrets too: they come from the program, not from the URL.
///
/// ```
/// # #[cfg(feature = "aws")] {
/// // A test server: the program, not the URL, chooses the endpoint and allows plain http.
/// let location = cloud::storage::open_with(
///     "s3://backups/db/",
///     [("endpoint", "http://127.0.0.1:8014"), ("allow_http", "true"), ("region", "us-east-1")],
/// )?;
/// assert_eq!(location.client.to_string(), "S3Client(http://127.0.0.1:8014, us-east-1)");
/// assert_eq!((location.bucket.as_deref(), location.prefix.as_str()), (Some("backups"), "db/"));
/// # }
/// # Ok::<(), cloud::Error>(())
/// ```
///
/// # Errors
/// As [`open`]; `InvalidConfig` for a setting the backend does not know or whose value does not
/// parse, and for any setting on `file`, `memory` and `swift` URLs, which take none.
pub fn open_with<N, V>(url: &str, settings: impl IntoIterator<Item = (N, V)>) -> Result<StorageLocation>
where
    N: AsRef<str>,
    V: Into<String>,
{
    let url = StorageUrl::parse(url)?;
    let settings: Vec<(String, String)> =
        settings.into_iter().map(|(name, value)| (name.as_ref().to_owned(), value.into())).collect();
    let client: Arc<dyn StorageClient> = match url.scheme() {
        "file" => {
            url.no_settings(&settings)?;
            return url.local_directory();
        }
        "memory" => {
            url.no_settings(&settings)?;
            Arc::new(MemoryStorage::new())
        }
        #[cfg(feature = "aws")]
        "s3" => {
            use cloud_aws::{S3ClientBuilder, S3ConfigKey};
            let allowed = [S3ConfigKey::Region, S3ConfigKey::ForcePathStyle];
            Arc::new(url.configure(S3ClientBuilder::from_env(), &allowed, settings)?.build()?)
        }
        #[cfg(feature = "azure")]
        "az" | "azure" => {
            use cloud_azure::AzureBlobClientBuilder;
            Arc::new(url.configure(AzureBlobClientBuilder::from_env(), &[], settings)?.build()?)
        }
        #[cfg(feature = "gcp")]
        "gs" => {
            use cloud_gcp::{GcsClientBuilder, GcsConfigKey};
            Arc::new(url.configure(GcsClientBuilder::from_env(), &[GcsConfigKey::Location], settings)?.build()?)
        }
        #[cfg(feature = "infomaniak-s3")]
        "infomaniak-s3" => {
            use cloud_infomaniak_s3::{InfomaniakS3Builder, InfomaniakS3ConfigKey};
            let allowed = [InfomaniakS3ConfigKey::Region];
            Arc::new(url.configure(InfomaniakS3Builder::from_env(), &allowed, settings)?.build()?)
        }
        #[cfg(feature = "infomaniak-openstack")]
        "swift" => {
            url.no_settings(&settings)?;
            Arc::new(swift(cloud_infomaniak_openstack::InfomaniakConfig::from_env()?))
        }
        other => {
            return Err(Error::invalid_input(format!(
                "no storage backend for the scheme {other:?} in this build; known schemes: {}",
                known_schemes().join(", ")
            )));
        }
    };
    let (bucket, prefix) = url.bucket_and_prefix()?;
    Ok(StorageLocation { client, bucket, prefix })
}

/// Opens the backend a URL names (see [`open`] for the bucket and prefix).
///
/// # Errors
/// As [`open`].
pub fn from_url(url: &str) -> Result<Arc<dyn StorageClient>> {
    open(url).map(|location| location.client)
}

/// As [`open`], and a backend that logs in (`swift://`) does so here instead of on its first
/// request, so that bad credentials fail early.
///
/// # Errors
/// As [`open`]; for `swift://` also `Unauthenticated` and the transport kinds of the log-in.
pub async fn open_async(url: &str) -> Result<StorageLocation> {
    #[cfg(feature = "infomaniak-openstack")]
    {
        let parsed = StorageUrl::parse(url)?;
        if parsed.scheme() == "swift" {
            parsed.no_settings(&[])?;
            let client = swift(cloud_infomaniak_openstack::InfomaniakConfig::from_env()?);
            client.connect().await?;
            let (bucket, prefix) = parsed.bucket_and_prefix()?;
            return Ok(StorageLocation { client: Arc::new(client), bucket, prefix });
        }
    }
    open(url)
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
    #[cfg(feature = "infomaniak-s3")]
    schemes.push("infomaniak-s3");
    schemes
}

/// Swift of the OpenStack cloud `config` describes, logging in to Keystone on first use.
#[cfg(feature = "infomaniak-openstack")]
fn swift(config: cloud_infomaniak_openstack::InfomaniakConfig) -> lazy::Lazy<cloud_infomaniak_openstack::SwiftClient> {
    use cloud_infomaniak_openstack::{InfomaniakCloud, SwiftClient};
    let description = format!("swift ({}, not connected yet)", config.auth_url());
    let connect: lazy::Connect<SwiftClient> = Arc::new(move || {
        let config = config.clone();
        Box::pin(async move { Ok(InfomaniakCloud::connect(config).await?.swift()) })
    });
    lazy::Lazy::new(cloud_core::CloudProvider::Infomaniak, SwiftClient::storage_capabilities(), description, connect)
}

/// A parsed storage URL whose shape has been checked: no user information, port or fragment.
struct StorageUrl(Url);

impl StorageUrl {
    fn parse(url: &str) -> Result<Self> {
        // The parser's message never repeats the input.
        let parsed = Url::parse(url).map_err(|e| Error::invalid_input(format!("invalid storage URL: {e}")))?;
        let scheme = parsed.scheme();
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::invalid_input(format!(
                "a {scheme}:// URL must not carry user information (credentials come from the environment \
                 or from open_with)"
            )));
        }
        if parsed.port().is_some() {
            return Err(Error::invalid_input(format!(
                "a {scheme}:// URL must not have a port: its host is a bucket (an endpoint is set through open_with)"
            )));
        }
        if parsed.fragment().is_some() {
            return Err(Error::invalid_input(format!("a {scheme}:// URL must not have a fragment")));
        }
        Ok(Self(parsed))
    }

    fn scheme(&self) -> &str {
        self.0.scheme()
    }

    /// Refuses settings (in the query or from the application) for schemes that take none.
    fn no_settings(&self, settings: &[(String, String)]) -> Result<()> {
        let scheme = self.scheme();
        if self.0.query().is_some() {
            return Err(Error::invalid_input(format!("a {scheme}:// URL takes no query")));
        }
        if let Some((name, _)) = settings.first() {
            return Err(Error::invalid_config(format!("{scheme}:// URLs take no settings (got {name:?})")));
        }
        Ok(())
    }

    /// `builder` with the URL's query (only `allowed` keys) and then `settings` applied.
    #[cfg(any(feature = "aws", feature = "azure", feature = "gcp", feature = "infomaniak-s3"))]
    fn configure<B: Configure>(&self, builder: B, allowed: &[B::Key], settings: Vec<(String, String)>) -> Result<B> {
        let scheme = self.scheme();
        let mut query = Vec::new();
        for (name, value) in self.0.query_pairs() {
            let key = B::Key::from_name(&name)
                .map_err(|_| Error::invalid_input(format!("unknown setting {name:?} in a {scheme}:// URL")))?;
            if !allowed.contains(&key) {
                let secret = if key.is_secret() { "a secret, " } else { "" };
                return Err(Error::invalid_input(format!(
                    "{key} ({secret}it may choose the host or the credentials) cannot be set in a {scheme}:// URL; \
                     the program passes it to cloud::storage::open_with"
                )));
            }
            query.push((key, value.into_owned()));
        }
        let builder = query.into_iter().fold(builder, |builder, (key, value)| builder.set_config(key, value));
        builder.with_settings(settings)
    }

    /// A `file://` URL's directory as a [`LocalStorage`]; it must exist (a URL never creates one).
    fn local_directory(&self) -> Result<StorageLocation> {
        if self.0.query().is_some() {
            return Err(Error::invalid_input("a file:// URL takes no query"));
        }
        let root = self.0.to_file_path().map_err(|()| Error::invalid_input("not a local file:// URL"))?;
        if !root.is_dir() {
            return Err(Error::not_found(format!("the directory {} of a file:// URL does not exist", root.display())));
        }
        Ok(StorageLocation { client: Arc::new(LocalStorage::new(root)?), bucket: None, prefix: String::new() })
    }

    /// The bucket (host) and key prefix (path without its leading `/`, percent-decoded).
    fn bucket_and_prefix(&self) -> Result<(Option<String>, String)> {
        let bucket = self.0.host_str().filter(|h| !h.is_empty()).map(str::to_owned);
        if let Some(b) = &bucket {
            validate_bucket_name(b)?;
        }
        let path = self.0.path().trim_start_matches('/');
        let prefix = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| Error::invalid_input("the path of a storage URL does not decode to UTF-8"))?
            .into_owned();
        Ok((bucket, prefix))
    }
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
    fn file_url_is_an_existing_root_directory() {
        let dir = tempfile::tempdir().unwrap();
        let url = Url::from_directory_path(dir.path()).unwrap();
        let loc = open(url.as_str()).unwrap();
        assert_eq!(loc.bucket, None);
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Local);

        let missing = dir.path().join("not-here");
        let url = Url::from_directory_path(&missing).unwrap();
        assert_eq!(open(url.as_str()).unwrap_err().kind(), ErrorKind::NotFound);
        assert!(!missing.exists(), "opening a URL must not create directories");
        let err = open(&format!("{}?x=1", Url::from_directory_path(dir.path()).unwrap())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn urls_with_credentials_ports_or_fragments_are_refused_without_echo() {
        for url in [
            "memory://AKID:SECRET@tenant-bkt/",
            "memory://user@tenant-bkt/",
            "memory://tenant-bkt:9000/",
            "memory://tenant-bkt/key#SECRET",
            "file://user:SECRET@localhost/tmp",
        ] {
            let err = open(url).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{url}");
            let text = err.to_string();
            assert!(!text.contains("SECRET") && !text.contains("tenant-bkt"), "{url} is echoed: {text}");
        }
        let err = open("memory://bucket/?region=x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let err = open_with("memory://bucket/", [("region", "x")]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn unknown_scheme_and_bad_urls_are_invalid_input() {
        let err = from_url("ftp://host/x?password=SECRET").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("known schemes"));
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let err = from_url("not a url SECRET").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert_eq!(from_url("memory://Bad_Bucket/").unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[cfg(feature = "aws")]
    #[test]
    fn s3_queries_hold_only_settings_that_choose_neither_host_nor_credentials() {
        let loc = open("s3://my-bucket/photos/2026/?region=eu-west-1&force_path_style=true").unwrap();
        assert_eq!(loc.bucket.as_deref(), Some("my-bucket"));
        assert_eq!(loc.prefix, "photos/2026/");
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Aws);
        for query in [
            "endpoint=http://attacker.example",
            "allow_http=true",
            "profile=prod-admin",
            "config_file=/etc/shadow",
            "AWS_PROFILE=prod-admin",
            "secret_access_key=x",
            "part_size=1",
        ] {
            let err = open(&format!("s3://my-bucket/?{query}")).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{query}");
            assert!(err.to_string().contains("open_with"), "{err}");
        }
        assert_eq!(open("s3://my-bucket/?teleport=yes").unwrap_err().kind(), ErrorKind::InvalidInput);
        // The program may set anything, and it wins over the URL.
        let loc = open_with(
            "s3://my-bucket/?region=eu-west-1",
            [("endpoint", "http://127.0.0.1:8014"), ("allow_http", "true"), ("region", "eu-central-1")],
        )
        .unwrap();
        assert_eq!(loc.client.to_string(), "S3Client(http://127.0.0.1:8014, eu-central-1)");
        let err = open_with("s3://my-bucket/", [("endpoint", "http://127.0.0.1:1")]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "http:// still needs allow_http");
        let err = open_with("s3://my-bucket/", [("teleport", "yes")]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    }

    #[cfg(feature = "azure")]
    #[test]
    fn azure_queries_hold_nothing() {
        for query in ["account_name=other", "access_key=c2VjcmV0", "sas_token=sv%3D1", "use_emulator=true"] {
            let err = open(&format!("az://photos/?{query}")).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{query}");
        }
        let loc = open_with(
            "azure://photos/2026/",
            [("endpoint", "http://127.0.0.1:10000/devstoreaccount1"), ("allow_http", "true"), ("use_emulator", "true")],
        )
        .unwrap();
        assert_eq!(loc.bucket.as_deref(), Some("photos"));
        assert_eq!(loc.prefix, "2026/");
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Azure);
        assert_eq!(loc.client.to_string(), "Azure Blob Storage (http://127.0.0.1:10000/devstoreaccount1)");
    }

    #[cfg(feature = "gcp")]
    #[test]
    fn gs_queries_hold_only_the_location() {
        let settings = [("endpoint", "http://127.0.0.1:9023"), ("allow_http", "true"), ("anonymous", "true")];
        let loc = open_with("gs://my-bucket/photos/?location=EU", settings).unwrap();
        assert_eq!(loc.bucket.as_deref(), Some("my-bucket"));
        assert_eq!(loc.prefix, "photos/");
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Gcp);
        assert_eq!(loc.client.to_string(), "GcsClient(http://127.0.0.1:9023)");
        for query in ["endpoint=http://attacker.example", "project_id=other", "service_account_key=x", "anonymous=true"]
        {
            assert_eq!(open(&format!("gs://my-bucket/?{query}")).unwrap_err().kind(), ErrorKind::InvalidInput);
        }
    }

    #[cfg(feature = "infomaniak-s3")]
    #[test]
    fn infomaniak_s3_queries_hold_only_the_region() {
        let settings = [("access_key", "AK"), ("secret_key", "SK")];
        let loc = open_with("infomaniak-s3://backups/db/?region=dc4-a", settings).unwrap();
        assert_eq!(loc.bucket.as_deref(), Some("backups"));
        assert_eq!(loc.prefix, "db/");
        assert_eq!(loc.client.provider(), cloud_core::CloudProvider::Infomaniak);
        assert_eq!(loc.client.to_string(), "InfomaniakS3Client(dc4-a, https://s3.pub2.infomaniak.cloud)");
        for query in ["endpoint=http://attacker.example", "allow_http=true", "secret_key=x"] {
            assert_eq!(open(&format!("infomaniak-s3://b/?{query}")).unwrap_err().kind(), ErrorKind::InvalidInput);
        }
    }

    #[cfg(feature = "infomaniak-openstack")]
    #[test]
    fn swift_urls_open_without_connecting() {
        // An explicit configuration whose Keystone cannot answer: opening must not try.
        let config = cloud_infomaniak_openstack::InfomaniakConfig::application_credential(
            "http://127.0.0.1:9/v3",
            "id",
            "CANARYplaceholderSecret",
        );
        let client = swift(config);
        assert_eq!(client.provider(), cloud_core::CloudProvider::Infomaniak);
        assert_eq!(client.capabilities(), cloud_infomaniak_openstack::SwiftClient::storage_capabilities());
        assert_eq!(client.to_string(), "swift (http://127.0.0.1:9/v3, not connected yet)");
        assert_eq!(open("swift://c/?x=1").unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(open_with("swift://c/", [("region", "x")]).unwrap_err().kind(), ErrorKind::InvalidConfig);
    }
}
