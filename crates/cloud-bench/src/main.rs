//! One benchmark operation per run, against the local servers of `cargo xtask emulators`.
//!
//! `cargo xtask bench` times each run from outside (wall time and peak resident memory), so our
//! clients and the other tools are measured the same way. See the crate README for the commands.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream as SdkStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use cloud_core::storage::{DownloadOptions, ListEntry, ListOptions, PutOptions, PutPayload};
use cloud_core::{Error, Result, StorageClient, StorageClientExt};
use cloud_faults::{Fault, FaultProxy, Reply, Request as FaultRequest, Rule};
use futures::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

/// The size of one part of the raw SDK's multipart upload and ranged GET loop.
const SDK_PART: u64 = 8 << 20;

/// Parts of the raw SDK's multipart upload in flight.
const SDK_CONCURRENCY: usize = 4;

/// Objects created at once when preparing a listing.
const SETUP_CONCURRENCY: usize = 32;

fn var(name: &str) -> Result<String> {
    std::env::var(name).map_err(|_| {
        Error::invalid_config(format!("{name} is not set: run `eval \"$(cargo xtask emulators env)\"` first"))
    })
}

fn usage() -> Error {
    Error::invalid_input(
        "usage: cloud-bench s3-up (ours|ours-crc32c|sdk) SRC DST | s3-down (ours|sdk) SRC DST \
         | (swift-up|swift-down|azure-up|azure-down|gcs-up|gcs-down) ours SRC DST | small COUNT \
         | list-setup PREFIX COUNT | list (ours|sdk) PREFIX COUNT | list-server PREFIX COUNT \
         | (stream-up|stream-down) (s3|swift|azure|gcs) KEY MIB | delete (s3|swift|azure|gcs) KEY",
    )
}

fn s3_bucket() -> Result<String> {
    var("CLOUD_TEST_S3S_BUCKET")
}

/// A builder of our S3 client on s3s-fs.
fn ours_s3_builder() -> Result<cloud_aws::S3ClientBuilder> {
    Ok(cloud_aws::S3Client::builder()
        .with_endpoint(var("CLOUD_TEST_S3S_ENDPOINT")?)
        .with_allow_http(true)
        .with_region(var("CLOUD_TEST_S3S_REGION")?)
        .with_credentials(var("CLOUD_TEST_S3S_ACCESS_KEY_ID")?, var("CLOUD_TEST_S3S_SECRET_ACCESS_KEY")?))
}

/// Our S3 client on s3s-fs, with the defaults (Content-MD5 on every upload request).
fn ours_s3() -> Result<cloud_aws::S3Client> {
    ours_s3_builder()?.build()
}

/// Our S3 client on s3s-fs with CRC32C upload checksums.
fn ours_s3_crc32c() -> Result<cloud_aws::S3Client> {
    ours_s3_builder()?.with_upload_checksum(cloud_aws::UploadChecksum::Crc32c).build()
}

/// The raw SDK on s3s-fs, configured as its documentation says for a custom endpoint.
fn sdk_s3() -> Result<aws_sdk_s3::Client> {
    let credentials = aws_credential_types::Credentials::new(
        var("CLOUD_TEST_S3S_ACCESS_KEY_ID")?,
        var("CLOUD_TEST_S3S_SECRET_ACCESS_KEY")?,
        None,
        None,
        "bench",
    );
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(var("CLOUD_TEST_S3S_REGION")?))
        .endpoint_url(var("CLOUD_TEST_S3S_ENDPOINT")?)
        .force_path_style(true)
        .credentials_provider(credentials)
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired)
        .build();
    Ok(aws_sdk_s3::Client::from_conf(config))
}

fn sdk_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(
        cloud_core::ErrorKind::Service,
        format!("aws-sdk-s3: {}", aws_smithy_types::error::display::DisplayErrorContext(&e)),
    )
}

/// Our Swift client through Keystone (the settings of `OS_CLOUD`).
async fn ours_swift() -> Result<cloud_infomaniak_openstack::SwiftClient> {
    let config = cloud_infomaniak_openstack::InfomaniakConfig::from_clouds_yaml(
        &var("OS_CLOUD")?,
        Some(var("OS_CLIENT_CONFIG_FILE")?.into()),
    )?;
    Ok(cloud_infomaniak_openstack::InfomaniakCloud::connect(config).await?.swift())
}

/// Our Azure client on Azurite.
fn ours_azure() -> Result<cloud_azure::AzureBlobClient> {
    cloud_azure::AzureBlobClientBuilder::new()
        .with_endpoint(var("CLOUD_TEST_AZURITE_BLOB_ENDPOINT")?)
        .with_allow_http(true)
        .with_account_key(var("CLOUD_TEST_AZURITE_ACCOUNT")?, var("CLOUD_TEST_AZURITE_ACCESS_KEY")?)
        .build()
}

/// Our GCS client on the emulator (`STORAGE_EMULATOR_HOST`).
fn ours_gcs() -> Result<cloud_gcp::GcsClient> {
    var("STORAGE_EMULATOR_HOST")?;
    cloud_gcp::GcsClient::from_env()
}

/// Our client of `backend` and the bucket the benchmark uses there.
async fn store(backend: &str) -> Result<(Arc<dyn StorageClient>, String)> {
    Ok(match backend {
        "s3" => (Arc::new(ours_s3()?), s3_bucket()?),
        "swift" => (Arc::new(ours_swift().await?), "bench".to_owned()),
        "azure" => (Arc::new(ours_azure()?), "bench".to_owned()),
        "gcs" => (Arc::new(ours_gcs()?), "bench".to_owned()),
        _ => return Err(usage()),
    })
}

async fn upload(store: &dyn StorageClient, bucket: &str, src: &str, key: &str) -> Result<()> {
    store.ensure_bucket(bucket).await?;
    store.upload_file(bucket, key, Path::new(src), PutOptions::default()).await?;
    Ok(())
}

async fn download(store: &dyn StorageClient, bucket: &str, key: &str, dst: &str) -> Result<()> {
    store.download_file(bucket, key, Path::new(dst)).await?;
    Ok(())
}

/// The raw SDK's multipart upload: 8 MiB parts read from the file, 4 in flight.
async fn sdk_upload(sdk: &aws_sdk_s3::Client, bucket: &str, src: &str, key: &str) -> Result<()> {
    let size = tokio::fs::metadata(src).await?.len();
    let created = sdk.create_multipart_upload().bucket(bucket).key(key).send().await.map_err(sdk_error)?;
    let upload_id = created.upload_id().unwrap_or_default().to_owned();
    let parts = size.div_ceil(SDK_PART).max(1);
    let completed: Vec<CompletedPart> = futures::stream::iter(0..parts)
        .map(|index| {
            let upload_id = upload_id.clone();
            async move {
                let offset = index * SDK_PART;
                let body = SdkStream::read_from()
                    .path(src)
                    .offset(offset)
                    .length(aws_sdk_s3::primitives::Length::Exact(SDK_PART.min(size - offset)))
                    .build()
                    .await
                    .map_err(sdk_error)?;
                let number = i32::try_from(index + 1).unwrap_or(i32::MAX);
                let part = sdk
                    .upload_part()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .part_number(number)
                    .body(body)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                Ok::<_, Error>(CompletedPart::builder().part_number(number).set_e_tag(part.e_tag).build())
            }
        })
        .buffered(SDK_CONCURRENCY)
        .try_collect()
        .await?;
    sdk.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed)).build())
        .send()
        .await
        .map_err(sdk_error)?;
    Ok(())
}

/// The raw SDK's download: a plain loop of 8 MiB ranged GETs, written in order.
async fn sdk_download(sdk: &aws_sdk_s3::Client, bucket: &str, key: &str, dst: &str) -> Result<()> {
    let size = sdk.head_object().bucket(bucket).key(key).send().await.map_err(sdk_error)?.content_length().unwrap_or(0);
    let size = u64::try_from(size).unwrap_or(0);
    let mut file = tokio::fs::File::create(dst).await?;
    let mut offset = 0;
    while offset < size {
        let end = (offset + SDK_PART).min(size) - 1;
        let answer = sdk
            .get_object()
            .bucket(bucket)
            .key(key)
            .range(format!("bytes={offset}-{end}"))
            .send()
            .await
            .map_err(sdk_error)?;
        let mut body = answer.body;
        while let Some(chunk) = body.try_next().await.map_err(sdk_error)? {
            file.write_all(&chunk).await?;
        }
        offset = end + 1;
    }
    file.sync_all().await?;
    Ok(())
}

/// Operations per batch of the small-object comparison.
const SMALL_BATCH: usize = 100;

/// The CPU time this thread has used (`/proc/thread-self/schedstat`, nanoseconds).
fn thread_cpu() -> Result<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    let nanos = text.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()).ok_or_else(|| {
        Error::new(cloud_core::ErrorKind::Unexpected, format!("unreadable /proc/thread-self/schedstat: {text:?}"))
    })?;
    Ok(Duration::from_nanos(nanos))
}

/// Time and CPU spent by one side of the small-object comparison.
#[derive(Default)]
struct Spent {
    wall: Duration,
    cpu: Duration,
}

impl Spent {
    /// Runs `batch`, adding its wall and CPU time.
    async fn add<F: std::future::Future<Output = Result<()>>>(&mut self, batch: F) -> Result<()> {
        let (started, cpu) = (Instant::now(), thread_cpu()?);
        batch.await?;
        self.wall += started.elapsed();
        self.cpu += thread_cpu()?.saturating_sub(cpu);
        Ok(())
    }
}

/// `count` × 1 KiB PUT then GET through our client and through the raw SDK, in alternating
/// batches of [`SMALL_BATCH`] (each batch puts its keys, then reads them back), so that a change of
/// the machine's load falls on both alike. Runs on the current thread (the caller's runtime is
/// single-threaded), so this thread's CPU time is all the client's work. Prints one line per
/// tool: name, wall seconds, CPU seconds.
async fn small(count: usize) -> Result<()> {
    let bucket = s3_bucket()?;
    let body = bytes::Bytes::from(vec![7u8; 1024]);
    let prefix = format!("bench/small-{}/", std::process::id());
    let (ours, sdk) = (ours_s3()?, sdk_s3()?);
    // One request each before timing, so both have a connection open.
    ours.bucket_exists(&bucket).await?;
    sdk.head_bucket().bucket(&bucket).send().await.map_err(sdk_error)?;
    let (mut ours_spent, mut sdk_spent) = (Spent::default(), Spent::default());
    for (batch, start) in (0..count).step_by(SMALL_BATCH).enumerate() {
        let keys: Vec<String> = (start..(start + SMALL_BATCH).min(count)).map(|i| format!("{prefix}{i:06}")).collect();
        // Boxed alike (one allocation per batch), so neither side's future is larger to move.
        let ours_batch = Box::pin(async {
            for key in &keys {
                ours.put_bytes(&bucket, &format!("{key}-ours"), body.clone()).await?;
            }
            for key in &keys {
                check_len(ours.get_bytes(&bucket, &format!("{key}-ours")).await?.len(), 1024)?;
            }
            Ok(())
        });
        let sdk_batch = Box::pin(async {
            for key in &keys {
                sdk.put_object()
                    .bucket(&bucket)
                    .key(format!("{key}-sdk"))
                    .body(SdkStream::from(body.clone()))
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
            for key in &keys {
                let answer =
                    sdk.get_object().bucket(&bucket).key(format!("{key}-sdk")).send().await.map_err(sdk_error)?;
                check_len(answer.body.collect().await.map_err(sdk_error)?.into_bytes().len(), 1024)?;
            }
            Ok(())
        });
        if batch % 2 == 0 {
            ours_spent.add(ours_batch).await?;
            sdk_spent.add(sdk_batch).await?;
        } else {
            sdk_spent.add(sdk_batch).await?;
            ours_spent.add(ours_batch).await?;
        }
    }
    ours.delete_prefix(&bucket, &prefix).await?;
    for (tool, spent) in [("ours", &ours_spent), ("sdk", &sdk_spent)] {
        println!("{tool} {:.3} {:.3}", spent.wall.as_secs_f64(), spent.cpu.as_secs_f64());
    }
    Ok(())
}

fn check_len(got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::new(cloud_core::ErrorKind::ResponseInvalid, format!("got {got} bytes instead of {expected}")))
    }
}

/// Creates `count` empty objects under `prefix` unless exactly that many are there already, and
/// deletes the other listings' objects (`bench/list-…/`): s3s-fs walks the whole bucket for every
/// page, so they would slow this listing down.
async fn list_setup(prefix: &str, count: usize) -> Result<()> {
    let store = Arc::new(ours_s3()?);
    let bucket = s3_bucket()?;
    store.ensure_bucket(&bucket).await?;
    let others: Vec<String> = store
        .list_entries(&bucket, ListOptions::default().with_prefix("bench/list-").with_delimiter("/"))
        .try_filter_map(|entry| async move {
            Ok(match entry {
                ListEntry::Prefix(other) if other != prefix => Some(other),
                _ => None,
            })
        })
        .try_collect()
        .await?;
    for other in others {
        store.delete_prefix(&bucket, &other).await?;
    }
    let there = store
        .list_objects(&bucket, ListOptions::default().with_prefix(prefix))
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await?;
    if there == count {
        return Ok(());
    }
    store.delete_prefix(&bucket, prefix).await?;
    futures::stream::iter(0..count)
        .map(|i| {
            let store = Arc::clone(&store);
            let bucket = bucket.clone();
            async move { store.put_bytes(&bucket, &format!("{prefix}{i:07}"), bytes::Bytes::new()).await }
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_for_each(|_| async { Ok(()) })
        .await
}

/// Lists every key under `prefix`, checking their number.
async fn list(who: &str, prefix: &str, count: usize) -> Result<()> {
    let bucket = s3_bucket()?;
    let listed = match who {
        "ours" => {
            let store = ours_s3()?;
            store
                .list_objects(&bucket, ListOptions::default().with_prefix(prefix))
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await?
        }
        "sdk" => {
            let sdk = sdk_s3()?;
            let mut pages = sdk.list_objects_v2().bucket(&bucket).prefix(prefix).into_paginator().send();
            let mut n = 0;
            while let Some(page) = pages.next().await {
                n += page.map_err(sdk_error)?.contents().len();
            }
            n
        }
        _ => return Err(usage()),
    };
    check_len(listed, count)
}

/// Serves `ListObjectsV2` for a bucket of `count` empty objects named `{prefix}0000000`… on
/// 127.0.0.1 until killed; prints its address first. The pages of 1,000 keys are rendered
/// before the first request and answered by a `cloud_faults::FaultProxy` with no server behind
/// it (one canned answer per continuation token, the index of the page's first key), so a page
/// costs the server next to nothing and a listing's time is the client's: what the listing
/// comparison measures beside the one on s3s-fs, whose pages take it seconds each.
async fn list_server(prefix: &str, count: usize) -> Result<()> {
    const PAGE: usize = 1000;
    let server = FaultProxy::alone().await?;
    for first in (0..count.max(1)).step_by(PAGE) {
        let end = (first + PAGE).min(count);
        let page = Reply::new(200)
            .header("content-type", "application/xml")
            .header("x-amz-request-id", "bench")
            .body(listing_page(prefix, first, end, count));
        let token = (first > 0).then(|| first.to_string());
        let picks = move |r: &FaultRequest| {
            let param = |name: &str| {
                r.query().split('&').find_map(|pair| pair.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
            };
            r.method == "GET" && param("list-type") == Some("2") && param("continuation-token") == token.as_deref()
        };
        server.add(Rule::new(picks, Fault::Respond(page)));
    }
    println!("{}", server.addr());
    std::future::pending::<()>().await;
    Ok(())
}

/// The `ListObjectsV2` page of the keys `first..end` out of `count`.
fn listing_page(prefix: &str, first: usize, end: usize, count: usize) -> String {
    use std::fmt::Write as _;
    let mut xml = String::with_capacity(200 * (end - first) + 400);
    xml.push_str(
        r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#,
    );
    let _ = write!(
        xml,
        "<Name>bench</Name><Prefix>{prefix}</Prefix><KeyCount>{}</KeyCount><MaxKeys>1000</MaxKeys>",
        end - first
    );
    if end < count {
        let _ = write!(xml, "<IsTruncated>true</IsTruncated><NextContinuationToken>{end}</NextContinuationToken>");
    } else {
        xml.push_str("<IsTruncated>false</IsTruncated>");
    }
    for i in first..end {
        let _ = write!(
            xml,
            "<Contents><Key>{prefix}{i:07}</Key><LastModified>2026-12-07T00:00:00.000Z</LastModified>\
             <ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>"
        );
    }
    xml.push_str("</ListBucketResult>");
    xml
}

/// The bytes of the streamed transfers: xorshift64 words, little-endian, from a fixed seed (the
/// bytes `cargo xtask bench` writes to its source file), generated as they are needed.
struct Pattern {
    state: u64,
}

impl Pattern {
    /// Bytes per generated block.
    const BLOCK: usize = 1 << 20;

    fn new() -> Self {
        Self { state: 0x9e37_79b9_7f4a_7c15 }
    }

    /// The next block.
    fn next_block(&mut self) -> Vec<u8> {
        let mut block = vec![0u8; Self::BLOCK];
        for word in block.chunks_exact_mut(8) {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            word.copy_from_slice(&self.state.to_le_bytes());
        }
        block
    }
}

/// Uploads `mib` MiB of generated bytes as a stream of known size (nothing read from disk).
async fn stream_up(backend: &str, key: &str, mib: u64) -> Result<()> {
    let (store, bucket) = store(backend).await?;
    store.ensure_bucket(&bucket).await?;
    let blocks = futures::stream::unfold((Pattern::new(), 0u64), move |(mut pattern, sent)| async move {
        (sent < mib).then(|| (Ok(bytes::Bytes::from(pattern.next_block())), (pattern, sent + 1)))
    });
    let payload = PutPayload::from_stream(blocks.boxed(), Some(mib << 20));
    store.put_object(&bucket, key, payload, PutOptions::default()).await?;
    Ok(())
}

/// Downloads an object with the parallel read-ahead stream (default part size and concurrency)
/// and compares every byte with the generated ones, without storing them.
async fn stream_down(backend: &str, key: &str, mib: u64) -> Result<()> {
    let (store, bucket) = store(backend).await?;
    let got = store.get_object_read_ahead(&bucket, key, DownloadOptions::default()).await?;
    let mut body = got.into_stream();
    let (mut pattern, mut expected, mut at, mut total) = (Pattern::new(), Vec::new(), 0usize, 0u64);
    while let Some(mut chunk) = body.try_next().await? {
        total += chunk.len() as u64;
        while !chunk.is_empty() {
            if at == expected.len() {
                (expected, at) = (pattern.next_block(), 0);
            }
            let n = chunk.len().min(expected.len() - at);
            if chunk[..n] != expected[at..at + n] {
                return Err(Error::new(
                    cloud_core::ErrorKind::ResponseInvalid,
                    format!("{key}: the downloaded bytes differ from the uploaded ones near byte {total}"),
                ));
            }
            at += n;
            let _ = chunk.split_to(n);
        }
    }
    check_len(usize::try_from(total).unwrap_or(usize::MAX), usize::try_from(mib << 20).unwrap_or(usize::MAX))
}

async fn delete(backend: &str, key: &str) -> Result<()> {
    let (store, bucket) = store(backend).await?;
    store.delete(&bucket, key).await
}

async fn run(args: &[String]) -> Result<()> {
    let arg = |i: usize| args.get(i).map(String::as_str).ok_or_else(usage);
    let number = |i: usize| arg(i)?.parse::<usize>().map_err(|_| usage());
    match (arg(0)?, arg(1)?) {
        ("s3-up", "ours") => upload(&ours_s3()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("s3-up", "ours-crc32c") => upload(&ours_s3_crc32c()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("s3-down", "ours") => download(&ours_s3()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("s3-up", "sdk") => sdk_upload(&sdk_s3()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("s3-down", "sdk") => sdk_download(&sdk_s3()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("swift-up", "ours") => upload(&ours_swift().await?, "bench", arg(2)?, arg(3)?).await,
        ("swift-down", "ours") => download(&ours_swift().await?, "bench", arg(2)?, arg(3)?).await,
        ("azure-up", "ours") => upload(&ours_azure()?, "bench", arg(2)?, arg(3)?).await,
        ("azure-down", "ours") => download(&ours_azure()?, "bench", arg(2)?, arg(3)?).await,
        ("gcs-up", "ours") => upload(&ours_gcs()?, "bench", arg(2)?, arg(3)?).await,
        ("gcs-down", "ours") => download(&ours_gcs()?, "bench", arg(2)?, arg(3)?).await,
        ("small", _) => Box::pin(small(number(1)?)).await,
        ("stream-up", backend) => stream_up(backend, arg(2)?, u64::try_from(number(3)?).unwrap_or(0)).await,
        ("stream-down", backend) => stream_down(backend, arg(2)?, u64::try_from(number(3)?).unwrap_or(0)).await,
        ("delete", backend) => delete(backend, arg(2)?).await,
        ("list-setup", prefix) => list_setup(prefix, number(2)?).await,
        ("list", who) => list(who, arg(2)?, number(3)?).await,
        ("list-server", prefix) => list_server(prefix, number(2)?).await,
        _ => Err(usage()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The small-object comparison runs on this thread alone, to measure its CPU time.
    let runtime = if args.first().is_some_and(|a| a == "small") {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()
    };
    let outcome = match runtime {
        Ok(runtime) => runtime.block_on(run(&args)),
        Err(e) => Err(Error::new(cloud_core::ErrorKind::Unexpected, format!("no Tokio runtime: {e}"))),
    };
    if let Err(e) = outcome {
        eprintln!("cloud-bench: {e}");
        std::process::exit(1);
    }
}
