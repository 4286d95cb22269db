//! The backends a soak runs on: each local server as `cargo xtask emulators env` describes it,
//! a fault proxy in front of it, and how to find what it leaves behind.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_storage_blob::models::BlockListType;
use cloud_aws::S3Client;
use cloud_azure::{AzureBlobClient, AzureBlobClientBuilder};
use cloud_core::storage::{CreateBucketOptions, DeleteOptions};
use cloud_core::{Env, ErrorKind, StorageClient, StorageClientExt};
use cloud_faults::{Fault, FaultProxy, Request, Rule};
use cloud_gcp::GcsClientBuilder;
use cloud_infomaniak_openstack::{InfomaniakCloud, InfomaniakConfig, SwiftClient};
use futures::TryStreamExt;

use crate::engine::{Leftovers, Target};
use crate::report::Orphans;

/// Every backend, by name.
pub const BACKENDS: &[&str] = &["s3s-fs", "moto", "azurite", "gcs", "swift"];

/// How long a silent server is waited for, per attempt: black holes cost seconds, not minutes.
const SILENCE: Duration = Duration::from_secs(2);
/// How long connecting may take.
const CONNECT: Duration = Duration::from_secs(1);
const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// The command that starts the servers, named in every failure.
const START: &str = "cargo xtask emulators up s3 azure gcs openstack-core";

/// A variable of the emulator environment.
fn var(name: &str) -> Result<String, String> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
        format!("{name} is not set: start the local servers with `{START}` and export what `cargo xtask emulators env` prints (or run `cargo xtask soak`)")
    })
}

/// A proxy in front of `endpoint`, which must answer.
async fn proxy(name: &str, endpoint: &str) -> Result<FaultProxy, String> {
    let url = url::Url::parse(endpoint).map_err(|e| format!("{name}: bad endpoint {endpoint}: {e}"))?;
    let addr = format!("{}:{}", url.host_str().unwrap_or("127.0.0.1"), url.port_or_known_default().unwrap_or(80));
    tokio::time::timeout(Duration::from_secs(3), tokio::net::TcpStream::connect(&addr))
        .await
        .map_err(|_| format!("{name} at {endpoint} does not answer: start it with `{START}`"))?
        .map_err(|e| format!("{name} at {endpoint} does not answer ({e}): start it with `{START}`"))?;
    FaultProxy::in_front_of(&format!("http://{addr}")).await.map_err(|e| format!("{name}: proxy: {e}"))
}

/// The soak target `name` (one of [`BACKENDS`]).
///
/// # Errors
/// An unknown name; a server that is not configured or does not answer (naming the command that
/// starts it); a client that cannot be built.
pub async fn target(name: &str) -> Result<Target, String> {
    match name {
        "s3s-fs" => s3(name, "CLOUD_TEST_S3S").await,
        "moto" => s3(name, "CLOUD_TEST_MOTO").await,
        "azurite" => azurite().await,
        "gcs" => gcs().await,
        "swift" => swift().await,
        other => Err(format!("unknown backend {other:?}; known: {}", BACKENDS.join(", "))),
    }
}

async fn s3(name: &str, prefix: &str) -> Result<Target, String> {
    let get = |suffix: &str| var(&format!("{prefix}_{suffix}"));
    let endpoint = get("ENDPOINT")?;
    let proxy = proxy(name, &endpoint).await?;
    let (region, id, secret) = (get("REGION")?, get("ACCESS_KEY_ID")?, get("SECRET_ACCESS_KEY")?);
    let builder = |endpoint: &str| {
        S3Client::builder()
            .with_endpoint(endpoint)
            .with_allow_http(true)
            .with_region(&region)
            .with_credentials(&id, secret.as_str())
            .with_multipart_threshold(5 * MIB as u64)
            .with_part_size(5 * MIB as u64)
    };
    let client = builder(&proxy.url())
        .with_attempt_timeout(SILENCE)
        .with_connect_timeout(CONNECT)
        .build()
        .map_err(|e| format!("{name}: {e}"))?;
    let direct = builder(&endpoint).build().map_err(|e| format!("{name}: {e}"))?;
    Ok(Target {
        name: name.to_owned(),
        client: Arc::new(client),
        direct: Arc::new(direct.clone()),
        proxy,
        helpers: Vec::new(),
        bucket: get("BUCKET")?,
        small: 0..256 * KIB,
        large: 5 * MIB + 1..12 * MIB,
        leftovers: Box::new(OpenUploads(direct)),
    })
}

/// S3: multipart uploads still open under the run's prefix.
struct OpenUploads(S3Client);

#[async_trait]
impl Leftovers for OpenUploads {
    async fn count_and_clean(
        &self,
        bucket: &str,
        prefix: &str,
        keys: &[String],
        unanswered: &[Request],
    ) -> Result<Orphans, String> {
        let sdk = self.0.sdk_client();
        let listed = match sdk.list_multipart_uploads().bucket(bucket).prefix(prefix).send().await {
            Ok(listed) => listed,
            Err(e) => {
                let chain = cloud_core::error_chain(&e);
                if !chain.contains("NotImplemented") {
                    return Err(format!("ListMultipartUploads: {chain}"));
                }
                remove(&self.0, bucket, keys).await?;
                return Ok(Orphans {
                    count: 0,
                    what: "(open multipart uploads cannot be listed: this server does not implement \
                           ListMultipartUploads; the moto run counts them)"
                        .to_owned(),
                    expected: None,
                });
            }
        };
        let uploads = listed.uploads();
        for upload in uploads {
            if let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) {
                let _ = sdk.abort_multipart_upload().bucket(bucket).key(key).upload_id(id).send().await;
            }
        }
        remove(&self.0, bucket, keys).await?;
        // A CreateMultipartUpload the server carried out but whose answer never arrived leaves
        // an upload whose id the client never learned; it says so (`Dispatch`) and cannot abort it.
        let creates_unanswered = unanswered
            .iter()
            .filter(|r| r.method == "POST" && r.query().split('&').any(|p| p == "uploads" || p == "uploads="))
            .count();
        Ok(Orphans {
            count: uploads.len(),
            what: "open multipart uploads".to_owned(),
            expected: (uploads.len() <= creates_unanswered).then(|| {
                format!(
                    "{creates_unanswered} CreateMultipartUpload answers were lost after the server created the upload; \
                     the client reports such a put as failed and cannot know the id (an \
                     AbortIncompleteMultipartUpload lifecycle rule removes them)"
                )
            }),
        })
    }
}

async fn azurite() -> Result<Target, String> {
    let endpoint = var("CLOUD_TEST_AZURITE_BLOB_ENDPOINT")?;
    let proxy = proxy("azurite", &endpoint).await?;
    let (account, key) = (var("CLOUD_TEST_AZURITE_ACCOUNT")?, var("CLOUD_TEST_AZURITE_ACCESS_KEY")?);
    let path = url::Url::parse(&endpoint).map_err(|e| e.to_string())?.path().to_owned();
    let builder = |endpoint: &str| {
        AzureBlobClientBuilder::new()
            .with_endpoint(endpoint)
            .with_allow_http(true)
            .with_account_key(&account, key.as_str())
            .with_block_size(256 * KIB as u64)
            .with_single_put_threshold(256 * KIB as u64)
    };
    // The attempt timeout bounds the wait for an answer; a body that stalls after its head waits
    // for the transport's read timeout (60 s).
    let client = builder(&format!("{}{path}", proxy.url()))
        .with_attempt_timeout(SILENCE)
        .with_max_retries(2)
        .build()
        .map_err(|e| format!("azurite: {e}"))?;
    let direct = builder(&endpoint).build().map_err(|e| format!("azurite: {e}"))?;
    Ok(Target {
        name: "azurite".to_owned(),
        client: Arc::new(client),
        direct: Arc::new(direct.clone()),
        proxy,
        helpers: Vec::new(),
        bucket: var("CLOUD_TEST_AZURITE_CONTAINER")?,
        small: 0..256 * KIB,
        large: 256 * KIB + 1..1200 * KIB,
        leftovers: Box::new(UncommittedBlocks(direct)),
    })
}

/// Azure: blocks staged and never committed, per key of the run.
struct UncommittedBlocks(AzureBlobClient);

#[async_trait]
impl Leftovers for UncommittedBlocks {
    async fn count_and_clean(
        &self,
        bucket: &str,
        _prefix: &str,
        keys: &[String],
        _unanswered: &[Request],
    ) -> Result<Orphans, String> {
        let mut count = 0;
        for key in keys {
            let blocks = self
                .0
                .sdk_client()
                .blob_client(bucket, key)
                .block_blob_client()
                .get_block_list(BlockListType::Uncommitted, None)
                .await;
            match blocks {
                Ok(response) => {
                    let list = response.into_model().map_err(|e| format!("block list of {key}: {e}"))?;
                    count += list.uncommitted_blocks.map_or(0, |b| b.len());
                }
                // No blob and no block staged under this name.
                Err(e) if e.http_status().is_some_and(|s| u16::from(s) == 404) => {}
                Err(e) => return Err(format!("block list of {key}: {e}")),
            }
        }
        remove(&self.0, bucket, keys).await?;
        Ok(Orphans {
            count,
            what: "uncommitted blocks".to_owned(),
            expected: Some(
                "blocks of a put that failed before its block list was committed; they are invisible to \
                 readers, and Blob Storage discards uncommitted blocks after seven days (there is no call to \
                 delete them)"
                    .to_owned(),
            ),
        })
    }
}

async fn gcs() -> Result<Target, String> {
    let endpoint = var("CLOUD_TEST_GCS_ENDPOINT")?;
    let proxy = proxy("gcs", &endpoint).await?;
    let builder = |endpoint: &str| {
        let env = Env::from_slice(&[("STORAGE_EMULATOR_HOST", endpoint), ("GCP_PROJECT_ID", "cloud-test")]);
        GcsClientBuilder::from_env_with(&env).with_upload_threshold(256 * KIB as u64).with_chunk_size(256 * KIB as u64)
    };
    let client = builder(&proxy.url())
        .with_timeout(SILENCE * 3)
        .with_read_timeout(SILENCE)
        .build()
        .map_err(|e| format!("gcs: {e}"))?;
    let direct = builder(&endpoint).build().map_err(|e| format!("gcs: {e}"))?;
    Ok(Target {
        name: "gcs".to_owned(),
        client: Arc::new(client),
        direct: Arc::new(direct.clone()),
        proxy,
        helpers: Vec::new(),
        bucket: var("CLOUD_TEST_GCS_BUCKET")?,
        small: 0..256 * KIB,
        large: 256 * KIB + 1..1200 * KIB,
        leftovers: Box::new(Unobservable(Arc::new(direct))),
    })
}

/// GCS: an abandoned resumable upload session cannot be listed.
struct Unobservable(Arc<dyn StorageClient>);

#[async_trait]
impl Leftovers for Unobservable {
    async fn count_and_clean(
        &self,
        bucket: &str,
        _prefix: &str,
        keys: &[String],
        _unanswered: &[Request],
    ) -> Result<Orphans, String> {
        remove(self.0.as_ref(), bucket, keys).await?;
        Ok(Orphans {
            count: 0,
            what: "(resumable upload sessions cannot be listed; the service expires unfinished ones after a week)"
                .to_owned(),
            expected: None,
        })
    }
}

async fn swift() -> Result<Target, String> {
    let auth_url = var("CLOUD_TEST_OS_AUTH_URL")?;
    let keystone = proxy("keystone", &auth_url).await?;
    let config = |auth_url: &str| {
        Ok::<_, String>(
            InfomaniakConfig::application_credential(
                auth_url,
                var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID")?,
                var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET")?,
            )
            .with_region(Some(var("CLOUD_TEST_OS_REGION")?)),
        )
    };
    let direct = InfomaniakCloud::connect(config(&auth_url)?).await.map_err(|e| format!("keystone: {e}: `{START}`"))?;
    let storage = direct.endpoint("object-store").await.map_err(|e| format!("swift: {e}"))?;
    let origin = storage.origin().ascii_serialization();
    let proxy = proxy("swift", &origin).await?;
    // The catalog Keystone hands the client under test names the proxy instead of Swift.
    let (from, to) = (origin.clone(), proxy.url());
    keystone
        .add(Rule::new(|r| r.method == "POST" && r.path().ends_with("/auth/tokens"), Fault::RewriteBody { from, to }));
    let keystone_url = format!("{}{}", keystone.url(), url::Url::parse(&auth_url).map_err(|e| e.to_string())?.path());
    // Keystone takes a second or more to issue a token on a busy machine: Swift's client waits
    // a little longer than the others (its timeouts cover Keystone's answers too).
    let config = config(&keystone_url)?
        .with_read_timeout(SILENCE * 2)
        .with_connect_timeout(CONNECT)
        .with_request_timeout(SILENCE * 5);
    let cloud = InfomaniakCloud::connect(config).await.map_err(|e| format!("keystone through the proxy: {e}"))?;
    let sized = |swift: SwiftClient| swift.with_large_object_threshold(MIB as u64).with_segment_size(MIB as u64);
    let direct = sized(direct.swift());
    let bucket = "cloud-soak".to_owned();
    match direct.create_bucket(&bucket, CreateBucketOptions::default()).await {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("swift: creating {bucket}: {e}")),
    }
    Ok(Target {
        name: "swift".to_owned(),
        client: Arc::new(sized(cloud.swift())),
        direct: Arc::new(direct.clone()),
        proxy,
        helpers: vec![keystone],
        bucket,
        small: 0..256 * KIB,
        large: MIB + 1..3 * MIB + MIB / 2,
        leftovers: Box::new(Segments(direct)),
    })
}

/// Swift: segments in `<bucket>_segments` under the run's keys once every object of the run is
/// deleted (deleting a large object removes the segments its manifest lists).
struct Segments(SwiftClient);

#[async_trait]
impl Leftovers for Segments {
    async fn count_and_clean(
        &self,
        bucket: &str,
        prefix: &str,
        keys: &[String],
        _unanswered: &[Request],
    ) -> Result<Orphans, String> {
        remove(&self.0, bucket, keys).await?;
        let segments: Vec<_> = self
            .0
            .list_segments(bucket)
            .try_filter(|meta| std::future::ready(meta.key.starts_with(prefix)))
            .try_collect()
            .await
            .map_err(|e| format!("listing the segments: {e}"))?;
        let container = format!("{bucket}_segments");
        for segment in &segments {
            let _ = self.0.delete_object(&container, &segment.key, DeleteOptions::default()).await;
        }
        let mut what = "segments no manifest lists".to_owned();
        if !segments.is_empty() {
            let names: Vec<&str> = segments.iter().take(5).map(|s| s.key.as_str()).collect();
            what = format!("{what} (first: {})", names.join(", "));
        }
        Ok(Orphans { count: segments.len(), what, expected: None })
    }
}

/// Deletes the run's keys (straight to the server; missing ones are fine).
async fn remove(client: &dyn StorageClient, bucket: &str, keys: &[String]) -> Result<(), String> {
    for key in keys {
        match client.delete(bucket, key).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(format!("deleting {key}: {e}")),
        }
    }
    Ok(())
}
