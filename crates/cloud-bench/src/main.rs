//! One benchmark operation per run, against the local servers of `cargo xtask emulators`.
//!
//! `cargo xtask bench` times each run from outside (wall time and peak resident memory), so our
//! clients and the other tools are measured the same way. See the crate README for the commands.

use std::path::Path;
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream as SdkStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use cloud_core::storage::{ListOptions, PutOptions};
use cloud_core::{Error, Result, StorageClient, StorageClientExt};
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
        "usage: cloud-bench (s3-up|s3-down) (ours|sdk) SRC DST | (swift-up|swift-down|azure-up|azure-down) ours SRC DST \
         | small (ours|sdk) COUNT | list-setup PREFIX COUNT | list (ours|sdk) PREFIX COUNT",
    )
}

fn s3_bucket() -> Result<String> {
    var("CLOUD_TEST_S3S_BUCKET")
}

/// Our S3 client on s3s-fs.
fn ours_s3() -> Result<cloud_aws::S3Client> {
    cloud_aws::S3Client::builder()
        .with_endpoint(var("CLOUD_TEST_S3S_ENDPOINT")?)
        .with_allow_http(true)
        .with_region(var("CLOUD_TEST_S3S_REGION")?)
        .with_credentials(var("CLOUD_TEST_S3S_ACCESS_KEY_ID")?, var("CLOUD_TEST_S3S_SECRET_ACCESS_KEY")?)
        .build()
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

/// `count` × 1 KiB PUTs, then as many GETs, one after another.
async fn small(who: &str, count: usize) -> Result<()> {
    let bucket = s3_bucket()?;
    let body = bytes::Bytes::from(vec![7u8; 1024]);
    let prefix = format!("bench/small-{who}-{}/", std::process::id());
    let keys: Vec<String> = (0..count).map(|i| format!("{prefix}{i:06}")).collect();
    match who {
        "ours" => {
            let store = ours_s3()?;
            for key in &keys {
                store.put_bytes(&bucket, key, body.clone()).await?;
            }
            for key in &keys {
                let got = store.get_bytes(&bucket, key).await?;
                check_len(got.len(), 1024)?;
            }
            store.delete_prefix(&bucket, &prefix).await?;
        }
        "sdk" => {
            let sdk = sdk_s3()?;
            for key in &keys {
                sdk.put_object()
                    .bucket(&bucket)
                    .key(key)
                    .body(SdkStream::from(body.clone()))
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
            for key in &keys {
                let answer = sdk.get_object().bucket(&bucket).key(key).send().await.map_err(sdk_error)?;
                let got = answer.body.collect().await.map_err(sdk_error)?.into_bytes();
                check_len(got.len(), 1024)?;
            }
            ours_s3()?.delete_prefix(&bucket, &prefix).await?;
        }
        _ => return Err(usage()),
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

/// Creates `count` empty objects under `prefix` unless exactly that many are there already.
async fn list_setup(prefix: &str, count: usize) -> Result<()> {
    let store = Arc::new(ours_s3()?);
    let bucket = s3_bucket()?;
    store.ensure_bucket(&bucket).await?;
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

async fn run(args: &[String]) -> Result<()> {
    let arg = |i: usize| args.get(i).map(String::as_str).ok_or_else(usage);
    let number = |i: usize| arg(i)?.parse::<usize>().map_err(|_| usage());
    match (arg(0)?, arg(1)?) {
        ("s3-up", "ours") => upload(&ours_s3()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("s3-down", "ours") => download(&ours_s3()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("s3-up", "sdk") => sdk_upload(&sdk_s3()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("s3-down", "sdk") => sdk_download(&sdk_s3()?, &s3_bucket()?, arg(2)?, arg(3)?).await,
        ("swift-up", "ours") => upload(&ours_swift().await?, "bench", arg(2)?, arg(3)?).await,
        ("swift-down", "ours") => download(&ours_swift().await?, "bench", arg(2)?, arg(3)?).await,
        ("azure-up", "ours") => upload(&ours_azure()?, "bench", arg(2)?, arg(3)?).await,
        ("azure-down", "ours") => download(&ours_azure()?, "bench", arg(2)?, arg(3)?).await,
        ("small", who) => small(who, number(2)?).await,
        ("list-setup", prefix) => list_setup(prefix, number(2)?).await,
        ("list", who) => list(who, arg(2)?, number(3)?).await,
        _ => Err(usage()),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args).await {
        eprintln!("cloud-bench: {e}");
        std::process::exit(1);
    }
}
