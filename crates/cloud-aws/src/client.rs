//! [`S3Client`]: construction, accessors and the S3-specific operations the `StorageClient` trait
//! does not cover (canned ACLs, batch deletes, the SDK escape hatch).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::types::{BucketCannedAcl, Delete, ObjectCannedAcl, ObjectIdentifier};
use cloud_core::storage::{ListOptions, ObjectMeta, validate_bucket_name, validate_key};
use cloud_core::{CloudProvider, Env, Error, Result, StorageClientExt};
use futures::TryStreamExt;
use url::Url;

use crate::builder::{DEFAULT_REGION, S3ClientBuilder, UploadChecksum};
use crate::error::{from_code, from_sdk};
use crate::upload::{MultipartConfig, content_md5};

/// How many keys one `DeleteObjects` request may name.
pub const DELETE_BATCH_SIZE: usize = 1_000;

/// An Amazon S3 (or S3-compatible) client implementing [`StorageClient`](cloud_core::StorageClient).
///
/// Cheap to clone: clones share the connection pool and the credentials cache.
#[derive(Clone)]
pub struct S3Client {
    inner: Arc<Inner>,
}

#[derive(Clone)]
pub(crate) struct Inner {
    pub(crate) sdk: aws_sdk_s3::Client,
    pub(crate) provider: CloudProvider,
    pub(crate) region: String,
    pub(crate) endpoint: Option<Url>,
    pub(crate) multipart: MultipartConfig,
    /// How many times a request is tried.
    pub(crate) max_attempts: u32,
    /// The client's timeouts; requests with a body get a longer attempt timeout.
    pub(crate) timeouts: aws_smithy_types::timeout::TimeoutConfig,
    /// The checksum every upload request carries.
    pub(crate) upload_checksum: UploadChecksum,
}

impl fmt::Debug for S3Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Client")
            .field("provider", &self.inner.provider)
            .field("region", &self.inner.region)
            .field("endpoint", &self.inner.endpoint.as_ref().map(Url::as_str))
            .field("multipart", &self.inner.multipart)
            .field("upload_checksum", &self.inner.upload_checksum)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for S3Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.endpoint {
            Some(endpoint) => write!(f, "S3Client({}, {})", endpoint.as_str().trim_end_matches('/'), self.inner.region),
            None => write!(f, "S3Client({})", self.inner.region),
        }
    }
}

impl S3Client {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self { inner: Arc::new(inner) }
    }

    /// A builder with nothing set.
    pub fn builder() -> S3ClientBuilder {
        S3ClientBuilder::new()
    }

    /// A client configured from the process environment (`AWS_*` variables, the shared config
    /// file and, for credentials not in the environment, the AWS default chain).
    ///
    /// # Errors
    /// As [`S3ClientBuilder::build`].
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::real())
    }

    /// A client configured from the variables of `env`; see [`S3ClientBuilder::from_env_with`].
    ///
    /// # Errors
    /// As [`S3ClientBuilder::build`].
    pub fn from_env_with(env: &Env) -> Result<Self> {
        S3ClientBuilder::from_env_with(env).build()
    }

    /// Wraps an SDK client configured elsewhere (for example with `aws_config::load_defaults`,
    /// for SSO or assume-role profiles). The multipart settings are the defaults, and the
    /// [upload checksum](UploadChecksum) is `ContentMd5`, which every server checks; for Amazon
    /// S3, [`with_upload_checksum`](Self::with_upload_checksum)`(UploadChecksum::Crc32c)` costs
    /// less CPU.
    ///
    /// **Escape hatch**: this signature exposes `aws-sdk-s3`, whose major version may change in a
    /// minor release of this crate.
    pub fn from_sdk_client(sdk: aws_sdk_s3::Client) -> Self {
        let config = sdk.config();
        let region = config.region().map_or_else(|| DEFAULT_REGION.to_owned(), ToString::to_string);
        let multipart = MultipartConfig::default();
        let max_attempts = config.retry_config().map_or(1, aws_smithy_types::retry::RetryConfig::max_attempts);
        let timeouts =
            config.timeout_config().cloned().unwrap_or_else(aws_smithy_types::timeout::TimeoutConfig::disabled);
        Self::from_inner(Inner {
            sdk,
            provider: CloudProvider::Aws,
            region,
            endpoint: None,
            multipart,
            max_attempts,
            timeouts,
            upload_checksum: UploadChecksum::ContentMd5,
        })
    }

    /// This client with another [upload checksum](UploadChecksum) (sharing its connections and
    /// credentials); for clients made with [`from_sdk_client`](Self::from_sdk_client), whose
    /// configuration has no such setting.
    #[must_use]
    pub fn with_upload_checksum(self, checksum: UploadChecksum) -> Self {
        let mut inner = Inner::clone(&self.inner);
        inner.upload_checksum = checksum;
        Self::from_inner(inner)
    }

    /// The underlying `aws-sdk-s3` client, for operations this crate does not wrap.
    ///
    /// **Escape hatch**: errors of calls made through it are SDK errors, not
    /// [`cloud_core::Error`]s, and its type belongs to `aws-sdk-s3`, whose major version may
    /// change in a minor release of this crate.
    pub fn sdk_client(&self) -> &aws_sdk_s3::Client {
        &self.inner.sdk
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The S3-compatible endpoint, if one was configured.
    pub fn endpoint(&self) -> Option<&Url> {
        self.inner.endpoint.as_ref()
    }

    /// The checksum every upload request carries (see [`UploadChecksum`]).
    pub fn upload_checksum(&self) -> UploadChecksum {
        self.inner.upload_checksum
    }

    /// The provider this client reports (for error context).
    pub(crate) fn provider_id(&self) -> CloudProvider {
        self.inner.provider
    }

    pub(crate) fn multipart_config(&self) -> MultipartConfig {
        self.inner.multipart
    }

    /// How many times a request is tried.
    pub(crate) fn max_attempts(&self) -> u32 {
        self.inner.max_attempts
    }

    /// The timeouts of a request with a body of `len` bytes: the attempt timeout, plus one second
    /// per full [`MIN_UPLOAD_THROUGHPUT`](crate::builder::MIN_UPLOAD_THROUGHPUT) bytes of the body.
    pub(crate) fn timeouts_for_body(&self, len: u64) -> aws_smithy_types::timeout::TimeoutConfig {
        let base = self.inner.timeouts.operation_attempt_timeout().unwrap_or(crate::builder::DEFAULT_ATTEMPT_TIMEOUT);
        let extra = std::time::Duration::from_secs(len / crate::builder::MIN_UPLOAD_THROUGHPUT);
        self.inner.timeouts.to_builder().operation_attempt_timeout(base.saturating_add(extra)).build()
    }

    /// What a request with a body of `len` bytes needs beyond the client's configuration: our
    /// checksum ([`UploadChecksum`]) as the only one ([`no_sdk_checksum`](crate::upload::no_sdk_checksum))
    /// and [`timeouts_for_body`](Self::timeouts_for_body). `None` when the client's configuration
    /// says both already (a body under 256 KiB on a client of an S3-compatible endpoint), which
    /// spares the SDK building a configuration layer for every small put.
    ///
    /// Where this returns a configuration, the request is also sent with an unsigned payload
    /// (`x-amz-content-sha256: UNSIGNED-PAYLOAD`): the body's integrity is its checksum, a
    /// signed header, so hashing the body a second time with SHA-256 for the signature would only
    /// cost CPU (about a third of the client's CPU time on a 1 GiB upload). The SDK's own default
    /// sends large bodies unsigned too, with a CRC32 trailer instead of our header.
    pub(crate) fn body_config(&self, len: u64) -> Option<aws_sdk_s3::config::Builder> {
        let no_sdk_checksum =
            self.inner.sdk.config().request_checksum_calculation() == Some(&RequestChecksumCalculation::WhenRequired);
        if no_sdk_checksum && len < crate::builder::MIN_UPLOAD_THROUGHPUT {
            return None;
        }
        Some(crate::upload::no_sdk_checksum().timeout_config(self.timeouts_for_body(len)))
    }

    /// An object's metadata: the Python client's `get_metadata`, same as
    /// [`StorageClient::head_object`](cloud_core::StorageClient::head_object).
    ///
    /// # Errors
    /// As [`StorageClient::head_object`](cloud_core::StorageClient::head_object).
    pub async fn get_metadata(&self, bucket: &str, key: &str) -> Result<ObjectMeta> {
        self.head(bucket, key).await
    }

    /// Applies a canned ACL to a bucket.
    ///
    /// # Errors
    /// `NotFound` for a missing bucket; `Unsupported` where ACLs are disabled (AWS buckets with
    /// "bucket owner enforced" object ownership) or not implemented; `PermissionDenied`.
    pub async fn set_bucket_acl(&self, bucket: &str, acl: CannedAcl) -> Result<()> {
        validate_bucket_name(bucket)?;
        self.inner
            .sdk
            .put_bucket_acl()
            .bucket(bucket)
            .acl(BucketCannedAcl::from(acl.as_str()))
            .send()
            .await
            .map_err(|e| from_sdk(e, self.inner.provider, "set_bucket_acl"))?;
        Ok(())
    }

    /// Applies a canned ACL to an object.
    ///
    /// # Errors
    /// `NotFound` for a missing bucket or object; `Unsupported` where ACLs are disabled or not
    /// implemented; `PermissionDenied`.
    pub async fn set_object_acl(&self, bucket: &str, key: &str, acl: CannedAcl) -> Result<()> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        self.inner
            .sdk
            .put_object_acl()
            .bucket(bucket)
            .key(key)
            .acl(ObjectCannedAcl::from(acl.as_str()))
            .send()
            .await
            .map_err(|e| from_sdk(e, self.inner.provider, "set_object_acl"))?;
        Ok(())
    }

    /// Deletes every object whose key starts with `prefix`, 1,000 keys per `DeleteObjects`
    /// request, and returns how many were deleted.
    ///
    /// Streams the listing: memory stays bounded whatever the number of objects. This inherent
    /// method takes precedence over `StorageClientExt::delete_prefix`, which deletes one object
    /// per request.
    ///
    /// # Errors
    /// The first listing or request failure, or the first per-key error S3 reports (after the
    /// rest of that batch was processed); objects deleted before it stay deleted.
    pub async fn delete_prefix(&self, bucket: &str, prefix: &str) -> Result<u64> {
        validate_bucket_name(bucket)?;
        let mut keys = self
            .list_objects(bucket, ListOptions::default().with_prefix(prefix))
            .map_ok(|meta| meta.key)
            .try_chunks(DELETE_BATCH_SIZE)
            .map_err(|e| e.1);
        let mut deleted = 0;
        while let Some(batch) = keys.try_next().await? {
            deleted += self.delete_batch(bucket, batch).await?;
        }
        Ok(deleted)
    }

    /// Deletes the given keys, 1,000 per `DeleteObjects` request, and returns how many keys S3
    /// acknowledged (missing keys count as deleted: S3 does not report them).
    ///
    /// # Errors
    /// `InvalidInput` for a bad bucket name or key (before anything is deleted); the first
    /// request failure or per-key error.
    pub async fn delete_objects<I, S>(&self, bucket: &str, keys: I) -> Result<u64>
    where
        I: IntoIterator<Item = S> + Send,
        S: Into<String>,
    {
        validate_bucket_name(bucket)?;
        let keys: Vec<String> = keys.into_iter().map(Into::into).collect();
        for key in &keys {
            validate_key(key)?;
        }
        let mut deleted = 0;
        for batch in keys.chunks(DELETE_BATCH_SIZE) {
            deleted += self.delete_batch(bucket, batch.to_vec()).await?;
        }
        Ok(deleted)
    }

    /// One quiet `DeleteObjects` request. It carries a Content-MD5, which S3 requires and which
    /// Swift's `s3api` insists on (the SDK now sends only a CRC32).
    async fn delete_batch(&self, bucket: &str, keys: Vec<String>) -> Result<u64> {
        if keys.is_empty() {
            return Ok(0);
        }
        let provider = self.inner.provider;
        let count = keys.len() as u64;
        let objects = keys
            .into_iter()
            .map(|key| ObjectIdentifier::builder().key(key).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::invalid_input(e.to_string()).in_context(provider, "delete_objects"))?;
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| Error::invalid_input(e.to_string()).in_context(provider, "delete_objects"))?;
        let out = self
            .inner
            .sdk
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .customize()
            .mutate_request(|request| {
                if let Some(body) = request.body().bytes() {
                    let md5 = content_md5(body);
                    request.headers_mut().insert("Content-MD5", md5);
                }
            })
            .send()
            .await
            .map_err(|e| from_sdk(e, provider, "delete_objects"))?;
        match out.errors().first() {
            Some(first) => Err(from_code(first.code(), first.message(), provider, "delete_objects")),
            None => Ok(count),
        }
    }
}

/// A canned ACL (S3's predefined grants), for [`S3Client::set_bucket_acl`] and
/// [`S3Client::set_object_acl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CannedAcl {
    /// `private`: the owner has full control; nobody else has access.
    Private,
    /// `public-read`: everyone may read.
    PublicRead,
    /// `public-read-write`: everyone may read and write (buckets).
    PublicReadWrite,
    /// `authenticated-read`: any authenticated AWS user may read.
    AuthenticatedRead,
    /// `bucket-owner-read`: the bucket owner may read (objects).
    BucketOwnerRead,
    /// `bucket-owner-full-control`: the bucket owner has full control (objects).
    BucketOwnerFullControl,
    /// `aws-exec-read`: EC2 may read AMI bundles (objects).
    AwsExecRead,
    /// `log-delivery-write`: the log delivery group may write (buckets).
    LogDeliveryWrite,
}

impl CannedAcl {
    /// Every canned ACL.
    pub const ALL: &'static [Self] = &[
        Self::Private,
        Self::PublicRead,
        Self::PublicReadWrite,
        Self::AuthenticatedRead,
        Self::BucketOwnerRead,
        Self::BucketOwnerFullControl,
        Self::AwsExecRead,
        Self::LogDeliveryWrite,
    ];

    /// The value of the `x-amz-acl` header.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::PublicRead => "public-read",
            Self::PublicReadWrite => "public-read-write",
            Self::AuthenticatedRead => "authenticated-read",
            Self::BucketOwnerRead => "bucket-owner-read",
            Self::BucketOwnerFullControl => "bucket-owner-full-control",
            Self::AwsExecRead => "aws-exec-read",
            Self::LogDeliveryWrite => "log-delivery-write",
        }
    }
}

impl fmt::Display for CannedAcl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CannedAcl {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|acl| acl.as_str() == s)
            .ok_or_else(|| Error::invalid_input(format!("unknown canned ACL {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canned_acls_round_trip() {
        for &acl in CannedAcl::ALL {
            assert_eq!(acl.to_string().parse::<CannedAcl>().unwrap(), acl);
        }
        assert!("public".parse::<CannedAcl>().is_err());
    }

    #[test]
    fn display_names_endpoint_and_region() {
        let c = S3Client::builder()
            .with_endpoint("http://127.0.0.1:8014/")
            .with_allow_http(true)
            .with_credentials("a", "CANARYplaceholderSecret")
            .build()
            .unwrap();
        assert_eq!(c.to_string(), "S3Client(http://127.0.0.1:8014, us-east-1)");
        let c = S3Client::builder()
            .with_region("eu-west-1")
            .with_credentials("a", "CANARYplaceholderSecret")
            .build()
            .unwrap();
        assert_eq!(c.to_string(), "S3Client(eu-west-1)");
    }

    #[test]
    fn small_bodies_on_compatible_endpoints_need_no_configuration_layer() {
        let compatible = S3Client::builder()
            .with_endpoint("http://127.0.0.1:8014")
            .with_allow_http(true)
            .with_credentials("a", "CANARYplaceholderSecret");
        let compatible = compatible.build().unwrap();
        assert!(compatible.body_config(0).is_none());
        assert!(compatible.body_config(crate::builder::MIN_UPLOAD_THROUGHPUT - 1).is_none());
        // A larger body gets more time: one second per full 256 KiB.
        let large = compatible.body_config(3 * crate::builder::MIN_UPLOAD_THROUGHPUT).unwrap().build();
        let attempt = large.timeout_config().and_then(|t| t.operation_attempt_timeout());
        assert_eq!(attempt, Some(crate::builder::DEFAULT_ATTEMPT_TIMEOUT + std::time::Duration::from_secs(3)));
        // On AWS the SDK would add a CRC32 of its own to every body: the override removes it.
        let aws = S3Client::builder()
            .with_region("eu-west-1")
            .with_credentials("a", "CANARYplaceholderSecret")
            .build()
            .unwrap();
        let small = aws.body_config(1024).unwrap().build();
        assert_eq!(
            small.request_checksum_calculation(),
            Some(&aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        );
    }

    #[test]
    fn clients_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<S3Client>();
        assert_send_sync::<S3ClientBuilder>();
        assert_send_sync::<CannedAcl>();
    }
}
