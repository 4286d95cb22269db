//! [`InfomaniakS3Client`], its [`InfomaniakS3Builder`] and [`InfomaniakRegion`]: the Infomaniak
//! preset of [`cloud_aws::S3Client`], and the Python client's conveniences.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use cloud_aws::{S3Client, UploadChecksum};
use cloud_core::config::{ConfigKey, Configure, InvalidValues};
use cloud_core::storage::{
    BucketInfo, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions, GetResult, HeadOptions, ListEntry,
    ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl, PutOptions, PutPayload, PutResult,
    StorageCapabilities,
};
use cloud_core::{CloudProvider, Env, Error, Result, SecretString, StorageClient, StorageClientExt};
use futures::stream::BoxStream;

/// The signing region Infomaniak's S3 endpoints expect unless told otherwise.
pub const DEFAULT_SIGNING_REGION: &str = "us-east-1";

/// An Infomaniak Public Cloud region, each with its own S3 endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum InfomaniakRegion {
    /// `dc3-a`, served by `https://s3.pub1.infomaniak.cloud` (the default).
    #[default]
    Dc3A,
    /// `dc4-a`, served by `https://s3.pub2.infomaniak.cloud`.
    Dc4A,
}

impl InfomaniakRegion {
    /// Every region.
    pub const ALL: &'static [Self] = &[Self::Dc3A, Self::Dc4A];

    /// The region's name (`dc3-a`, `dc4-a`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dc3A => "dc3-a",
            Self::Dc4A => "dc4-a",
        }
    }

    /// The region's S3 endpoint.
    pub const fn endpoint(self) -> &'static str {
        match self {
            Self::Dc3A => "https://s3.pub1.infomaniak.cloud",
            Self::Dc4A => "https://s3.pub2.infomaniak.cloud",
        }
    }
}

impl fmt::Display for InfomaniakRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InfomaniakRegion {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::invalid_config(format!("unknown Infomaniak region {s:?}; use dc3-a or dc4-a")))
    }
}

/// A setting of [`InfomaniakS3Builder`], by name (for configuration files, `with_config` and
/// `cloud::storage::open_with`).
///
/// | Key | Variable | Description |
/// |---|---|---|
/// | `access_key` | `INFOMANIAK_S3_ACCESS_KEY` | the EC2 access key |
/// | `secret_key` | `INFOMANIAK_S3_SECRET_KEY` | its secret |
/// | `endpoint` | `INFOMANIAK_S3_ENDPOINT` | an endpoint overriding the region's |
/// | `region` | `INFOMANIAK_S3_REGION` | `dc3-a` or `dc4-a` picks the endpoint; any other value is the signing region |
/// | `signing_region` | | the region requests are signed for |
/// | `allow_http` | | `true` to accept an `http://` endpoint (test servers) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InfomaniakS3ConfigKey {
    /// `access_key` / `INFOMANIAK_S3_ACCESS_KEY`.
    AccessKey,
    /// `secret_key` / `INFOMANIAK_S3_SECRET_KEY`.
    SecretKey,
    /// `endpoint` / `INFOMANIAK_S3_ENDPOINT`.
    Endpoint,
    /// `region` / `INFOMANIAK_S3_REGION`.
    Region,
    /// `signing_region`.
    SigningRegion,
    /// `allow_http`.
    AllowHttp,
}

impl InfomaniakS3ConfigKey {
    /// Every key, in the order `from_env` applies them.
    pub const ALL: &'static [Self] =
        &[Self::AccessKey, Self::SecretKey, Self::Endpoint, Self::Region, Self::SigningRegion, Self::AllowHttp];

    /// The canonical name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AccessKey => "access_key",
            Self::SecretKey => "secret_key",
            Self::Endpoint => "endpoint",
            Self::Region => "region",
            Self::SigningRegion => "signing_region",
            Self::AllowHttp => "allow_http",
        }
    }

    /// The environment variables that set this key (the Python client's names).
    pub const fn env_names(self) -> &'static [&'static str] {
        match self {
            Self::AccessKey => &["INFOMANIAK_S3_ACCESS_KEY"],
            Self::SecretKey => &["INFOMANIAK_S3_SECRET_KEY"],
            Self::Endpoint => &["INFOMANIAK_S3_ENDPOINT"],
            Self::Region => &["INFOMANIAK_S3_REGION"],
            Self::SigningRegion | Self::AllowHttp => &[],
        }
    }
}

impl fmt::Display for InfomaniakS3ConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InfomaniakS3ConfigKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

impl ConfigKey for InfomaniakS3ConfigKey {
    const SERVICE: &'static str = "Infomaniak S3";

    fn keys() -> &'static [Self] {
        Self::ALL
    }

    fn name(self) -> &'static str {
        self.as_str()
    }

    fn env_names(self) -> &'static [&'static str] {
        Self::env_names(self)
    }

    fn is_secret(self) -> bool {
        self == Self::SecretKey
    }
}

/// Builds an [`InfomaniakS3Client`].
///
/// ```
/// use cloud_infomaniak_s3::{InfomaniakRegion, InfomaniakS3Builder};
/// let s3 = InfomaniakS3Builder::new()
///     .with_credentials("EC2-ACCESS", "EC2-SECRET")
///     .with_region(InfomaniakRegion::Dc4A)
///     .build()?;
/// assert_eq!(s3.endpoint(), "https://s3.pub2.infomaniak.cloud");
/// assert_eq!(s3.signing_region(), "us-east-1");
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct InfomaniakS3Builder {
    access_key: Option<String>,
    secret_key: Option<SecretString>,
    region: Option<InfomaniakRegion>,
    endpoint: Option<String>,
    signing_region: Option<String>,
    allow_http: bool,
    /// Values `with_config` could not parse, reported by `build`.
    invalid: InvalidValues,
}

impl Configure for InfomaniakS3Builder {
    type Key = InfomaniakS3ConfigKey;

    fn set_config(mut self, key: InfomaniakS3ConfigKey, value: String) -> Self {
        match key {
            InfomaniakS3ConfigKey::AccessKey => self.access_key = Some(value),
            InfomaniakS3ConfigKey::SecretKey => self.secret_key = Some(SecretString::new(value)),
            InfomaniakS3ConfigKey::Endpoint => self.endpoint = Some(value),
            InfomaniakS3ConfigKey::Region => match value.parse::<InfomaniakRegion>() {
                Ok(datacenter) => self.region = Some(datacenter),
                Err(_) => self.signing_region = Some(value),
            },
            InfomaniakS3ConfigKey::SigningRegion => self.signing_region = Some(value),
            InfomaniakS3ConfigKey::AllowHttp => {
                self.allow_http = self.invalid.parse_bool(key, &value).unwrap_or(self.allow_http);
            }
        }
        self
    }
}

impl fmt::Debug for InfomaniakS3Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfomaniakS3Builder")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("signing_region", &self.signing_region)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

impl InfomaniakS3Builder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder set from the process environment; see [`InfomaniakS3Builder::from_env_with`].
    pub fn from_env() -> Self {
        Self::from_env_with(&Env::real())
    }

    /// A builder set from the Python client's variables in `env`.
    ///
    /// | Variable | Description | Default |
    /// |---|---|---|
    /// | `INFOMANIAK_S3_ACCESS_KEY` | the EC2 access key (required) | none |
    /// | `INFOMANIAK_S3_SECRET_KEY` | its secret (required) | none |
    /// | `INFOMANIAK_S3_ENDPOINT` | the endpoint, overriding the region's | the region's |
    /// | `INFOMANIAK_S3_REGION` | `dc3-a` or `dc4-a` picks the endpoint; any other value is the signing region | `dc3-a`, signing `us-east-1` |
    pub fn from_env_with(env: &Env) -> Self {
        Self::new().with_env(env)
    }

    /// Sets one key by name (see [`InfomaniakS3ConfigKey`]); bad values are reported by
    /// [`InfomaniakS3Builder::build`].
    #[must_use]
    pub fn with_config(self, key: InfomaniakS3ConfigKey, value: impl Into<String>) -> Self {
        self.set_config(key, value.into())
    }

    /// The EC2-style access key and secret (from `openstack ec2 credentials create`).
    #[must_use]
    pub fn with_credentials(mut self, access_key: impl Into<String>, secret_key: impl Into<SecretString>) -> Self {
        self.access_key = Some(access_key.into());
        self.secret_key = Some(secret_key.into());
        self
    }

    /// The region whose endpoint to use (default `dc3-a`).
    #[must_use]
    pub fn with_region(mut self, region: InfomaniakRegion) -> Self {
        self.region = Some(region);
        self
    }

    /// An endpoint overriding the region's (another S3 gateway, or a test server).
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The region requests are signed for (default `us-east-1`, which Infomaniak expects).
    #[must_use]
    pub fn with_signing_region(mut self, region: impl Into<String>) -> Self {
        self.signing_region = Some(region.into());
        self
    }

    /// Accepts an `http://` endpoint (test servers only).
    #[must_use]
    pub fn with_allow_http(mut self, allow_http: bool) -> Self {
        self.allow_http = allow_http;
        self
    }

    /// Checks the settings and builds the client. No request is made.
    ///
    /// # Errors
    /// `InvalidConfig` when the access key or the secret is missing or a value set by name does
    /// not parse, and every error of [`cloud_aws::S3ClientBuilder::build`] (a bad endpoint,
    /// `http://` without `allow_http` …).
    pub fn build(self) -> Result<InfomaniakS3Client> {
        self.invalid.check()?;
        let access_key = self
            .access_key
            .ok_or_else(|| Error::invalid_config("no Infomaniak S3 access key: set INFOMANIAK_S3_ACCESS_KEY"))?;
        let secret_key = self
            .secret_key
            .ok_or_else(|| Error::invalid_config("no Infomaniak S3 secret key: set INFOMANIAK_S3_SECRET_KEY"))?;
        let region = self.region.unwrap_or_default();
        let endpoint = self.endpoint.unwrap_or_else(|| region.endpoint().to_owned());
        let signing_region = self.signing_region.unwrap_or_else(|| DEFAULT_SIGNING_REGION.to_owned());
        let s3 = S3Client::builder()
            .with_provider(CloudProvider::Infomaniak)
            .with_credentials(access_key, secret_key)
            .with_endpoint(endpoint.clone())
            .with_region(signing_region)
            .with_force_path_style(true)
            .with_allow_http(self.allow_http)
            // Swift 2.30's s3api (Infomaniak's) checks Content-MD5 and ignores S3's additional checksums.
            .with_upload_checksum(UploadChecksum::ContentMd5)
            .build()?;
        Ok(InfomaniakS3Client { s3, region, endpoint })
    }
}

/// Infomaniak's S3-compatible object storage: an [`S3Client`] preset with the region's endpoint,
/// path-style URLs and the `us-east-1` signing region, implementing [`StorageClient`] by
/// delegation.
#[derive(Clone)]
pub struct InfomaniakS3Client {
    s3: S3Client,
    region: InfomaniakRegion,
    endpoint: String,
}

impl fmt::Debug for InfomaniakS3Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfomaniakS3Client")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("s3", &self.s3)
            .finish()
    }
}

impl fmt::Display for InfomaniakS3Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfomaniakS3Client({}, {})", self.region, self.endpoint.trim_end_matches('/'))
    }
}

impl InfomaniakS3Client {
    /// A builder with nothing set.
    pub fn builder() -> InfomaniakS3Builder {
        InfomaniakS3Builder::new()
    }

    /// A client from the process environment (`INFOMANIAK_S3_*`).
    ///
    /// # Errors
    /// As [`InfomaniakS3Builder::build`].
    pub fn from_env() -> Result<Self> {
        InfomaniakS3Builder::from_env().build()
    }

    /// A client from the `INFOMANIAK_S3_*` variables of `env`.
    ///
    /// # Errors
    /// As [`InfomaniakS3Builder::build`].
    pub fn from_env_with(env: &Env) -> Result<Self> {
        InfomaniakS3Builder::from_env_with(env).build()
    }

    /// The Infomaniak region.
    pub fn region(&self) -> InfomaniakRegion {
        self.region
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The region requests are signed for.
    pub fn signing_region(&self) -> &str {
        self.s3.region()
    }

    /// The underlying [`S3Client`], for S3 extras: canned ACLs, `delete_prefix` in batches of
    /// 1,000, `delete_objects`, and the `sdk_client()` escape hatch.
    pub fn s3(&self) -> &S3Client {
        &self.s3
    }

    /// Stores bytes (the Python client's `upload_data`).
    ///
    /// # Errors
    /// As [`StorageClient::put_object`].
    pub async fn upload_data(
        &self,
        bucket: &str,
        key: &str,
        data: impl Into<Bytes> + Send,
        content_type: Option<&str>,
    ) -> Result<PutResult> {
        let mut options = PutOptions::default();
        if let Some(content_type) = content_type {
            options = options.with_content_type(content_type);
        }
        self.s3.put_object(bucket, key, PutPayload::from_bytes(data), options).await
    }

    /// Reads a whole object into memory (the Python client's `download_data`; prefer `get_object` for
    /// large objects).
    ///
    /// # Errors
    /// As [`StorageClient::get_object`].
    pub async fn download_data(&self, bucket: &str, key: &str) -> Result<Bytes> {
        self.s3.get_bytes(bucket, key).await
    }

    /// A presigned URL (the Python client's `generate_presigned_url`, whose `operation="get_object"` is
    /// [`PresignMethod::Get`] here).
    ///
    /// # Errors
    /// As [`StorageClient::presign`]: `InvalidInput` beyond 7 days.
    pub async fn generate_presigned_url(
        &self,
        bucket: &str,
        key: &str,
        expires_in: Duration,
        method: PresignMethod,
    ) -> Result<PresignedUrl> {
        self.s3.presign(method, bucket, key, PresignOptions::new(expires_in)).await
    }

    /// An object's metadata (the Python client's `get_metadata`).
    ///
    /// # Errors
    /// As [`StorageClient::head_object`].
    pub async fn get_metadata(&self, bucket: &str, key: &str) -> Result<ObjectMeta> {
        self.s3.head(bucket, key).await
    }
}

#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl StorageClient for InfomaniakS3Client {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Infomaniak
    }

    fn capabilities(&self) -> StorageCapabilities {
        let mut caps = self.s3.capabilities();
        // Swift's `s3api` answers conditional PUTs with 501 (`If-None-Match: *` and `If-Match`).
        caps.put_if_not_exists = false;
        caps.put_if_match = false;
        caps
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        self.s3.list_buckets()
    }

    async fn create_bucket(&self, bucket: &str, options: CreateBucketOptions) -> Result<()> {
        self.s3.create_bucket(bucket, options).await
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        self.s3.delete_bucket(bucket).await
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        self.s3.bucket_exists(bucket).await
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        options.validate(&self.capabilities())?;
        self.s3.put_object(bucket, key, payload, options).await
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        self.s3.get_object(bucket, key, options).await
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        self.s3.head_object(bucket, key, options).await
    }

    async fn delete_object(&self, bucket: &str, key: &str, options: DeleteOptions) -> Result<()> {
        self.s3.delete_object(bucket, key, options).await
    }

    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        self.s3.list_entries(bucket, options)
    }

    async fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        dst_key: &str,
        options: CopyOptions,
    ) -> Result<()> {
        self.s3.copy_object(src_bucket, src_key, dst_bucket, dst_key, options).await
    }

    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        options: PresignOptions,
    ) -> Result<PresignedUrl> {
        self.s3.presign(method, bucket, key, options).await
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::ErrorKind;

    use super::*;

    #[test]
    fn regions_pick_endpoints() {
        for (region, endpoint) in [
            (InfomaniakRegion::Dc3A, "https://s3.pub1.infomaniak.cloud"),
            (InfomaniakRegion::Dc4A, "https://s3.pub2.infomaniak.cloud"),
        ] {
            assert_eq!(region.as_str().parse::<InfomaniakRegion>().unwrap(), region);
            let s3 = InfomaniakS3Builder::new()
                .with_credentials("a", "CANARYplaceholderSecret")
                .with_region(region)
                .build()
                .unwrap();
            assert_eq!(s3.endpoint(), endpoint);
            assert_eq!(s3.signing_region(), DEFAULT_SIGNING_REGION);
            assert_eq!(s3.s3().upload_checksum(), UploadChecksum::ContentMd5, "the checksum Swift's s3api checks");
            assert_eq!(s3.to_string(), format!("InfomaniakS3Client({region}, {endpoint})"));
        }
        assert_eq!(InfomaniakRegion::default(), InfomaniakRegion::Dc3A);
        assert!("dc5-z".parse::<InfomaniakRegion>().is_err());
    }

    #[test]
    fn env_reads_the_compatibility_variables() {
        let env = Env::from_slice(&[
            ("INFOMANIAK_S3_ACCESS_KEY", "AK"),
            ("INFOMANIAK_S3_SECRET_KEY", "s3cr3t"),
            ("INFOMANIAK_S3_REGION", "dc4-a"),
        ]);
        let s3 = InfomaniakS3Client::from_env_with(&env).unwrap();
        assert_eq!(s3.region(), InfomaniakRegion::Dc4A);
        assert_eq!(s3.endpoint(), "https://s3.pub2.infomaniak.cloud");
        assert_eq!(s3.signing_region(), "us-east-1");
        assert_eq!(s3.provider(), CloudProvider::Infomaniak);

        // A non-datacenter region is the signing region (the Python client's meaning); the endpoint wins.
        let env = Env::from_slice(&[
            ("INFOMANIAK_S3_ACCESS_KEY", "AK"),
            ("INFOMANIAK_S3_SECRET_KEY", "s3cr3t"),
            ("INFOMANIAK_S3_REGION", "eu-central-1"),
            ("INFOMANIAK_S3_ENDPOINT", "https://s3.example.org"),
        ]);
        let s3 = InfomaniakS3Client::from_env_with(&env).unwrap();
        assert_eq!(s3.signing_region(), "eu-central-1");
        assert_eq!(s3.endpoint(), "https://s3.example.org");
        let text = format!("{s3:?} {s3}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    #[test]
    fn settings_by_name_match_the_environment() {
        for &key in InfomaniakS3ConfigKey::ALL {
            assert_eq!(key.as_str().parse::<InfomaniakS3ConfigKey>().unwrap(), key);
            for name in key.env_names() {
                assert_eq!(name.parse::<InfomaniakS3ConfigKey>().unwrap(), key);
            }
        }
        let s3 = InfomaniakS3Builder::new()
            .with_settings([
                ("access_key", "AK"),
                ("secret_key", "SK"),
                ("region", "dc4-a"),
                ("endpoint", "http://127.0.0.1:8080"),
                ("signing_region", "eu-west-1"),
                ("allow_http", "true"),
            ])
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(s3.region(), InfomaniakRegion::Dc4A);
        assert_eq!(s3.endpoint(), "http://127.0.0.1:8080");
        assert_eq!(s3.signing_region(), "eu-west-1");
        let err = InfomaniakS3Builder::new()
            .with_credentials("a", "CANARYplaceholderSecret")
            .with_config(InfomaniakS3ConfigKey::AllowHttp, "perhaps")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.to_string().contains("allow_http"), "{err}");
        assert!(InfomaniakS3ConfigKey::SecretKey.is_secret());
        assert!("teleport".parse::<InfomaniakS3ConfigKey>().is_err());
    }

    #[test]
    fn missing_credentials_are_invalid_config() {
        let err = InfomaniakS3Client::from_env_with(&Env::from_slice(&[])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.to_string().contains("INFOMANIAK_S3_ACCESS_KEY"), "{err}");
        let env = Env::from_slice(&[("INFOMANIAK_S3_ACCESS_KEY", "AK")]);
        let err = InfomaniakS3Client::from_env_with(&env).unwrap_err();
        assert!(err.to_string().contains("INFOMANIAK_S3_SECRET_KEY"), "{err}");
    }

    #[test]
    fn http_endpoints_need_allow_http() {
        let b = InfomaniakS3Builder::new()
            .with_credentials("a", "CANARYplaceholderSecret")
            .with_endpoint("http://127.0.0.1:8080");
        assert_eq!(b.clone().build().unwrap_err().kind(), ErrorKind::InvalidConfig);
        assert!(b.with_allow_http(true).build().is_ok());
    }

    #[tokio::test]
    async fn presigned_urls_are_path_style_and_bounded() {
        let s3 = InfomaniakS3Builder::new().with_credentials("AK", "CANARYplaceholderSecret").build().unwrap();
        let url = s3
            .generate_presigned_url("my-bucket", "a/b.txt", Duration::from_secs(3600), PresignMethod::Get)
            .await
            .unwrap();
        assert!(url.url.as_str().starts_with("https://s3.pub1.infomaniak.cloud/my-bucket/a/b.txt?"), "{}", url.url);
        assert!(url.url.as_str().contains("us-east-1"), "{}", url.url);
        let err = s3
            .generate_presigned_url("my-bucket", "k", Duration::from_secs(8 * 24 * 3600), PresignMethod::Put)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}
