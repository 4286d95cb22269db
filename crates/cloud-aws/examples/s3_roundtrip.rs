//! Streams a large generated object up to S3 and back down, comparing SHA-256 digests, to show
//! that memory stays bounded whatever the object size.
//!
//! ```text
//! AWS_ENDPOINT_URL=http://127.0.0.1:8014 AWS_ALLOW_HTTP=true \
//! AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//! /usr/bin/time -v cargo run -p cloud-aws --example s3_roundtrip -- cloud-test 1024
//! ```
//!
//! Arguments: the bucket (it must exist) and the size in MiB (default 1024). The body is a
//! stream of unknown length, so it goes up as a multipart upload; the download is read chunk by
//! chunk. Peak memory is about `(upload concurrency + 1) × part size` plus the runtime.

use std::time::Instant;

use cloud_aws::S3Client;
use cloud_core::conformance::{fingerprint_stream, pattern_stream};
use cloud_core::storage::{GetOptions, PutOptions};
use cloud_core::{Error, StorageClient, StorageClientExt};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let bucket = args.next().ok_or_else(|| Error::invalid_input("usage: s3_roundtrip <bucket> [size-in-MiB]"))?;
    let mib: u64 = match args.next() {
        Some(n) => n.parse().map_err(|_| Error::invalid_input(format!("{n:?} is not a number of MiB")))?,
        None => 1024,
    };
    let s3 = S3Client::from_env()?;
    let key = format!("s3-roundtrip/{}-{mib}mib.bin", std::process::id());
    let size = mib * 1024 * 1024;

    let started = Instant::now();
    let (payload, sent) = pattern_stream(42, size, 1 << 20, false);
    let put = s3.put_object(&bucket, &key, payload, PutOptions::default()).await?;
    let up = started.elapsed();
    println!("uploaded {mib} MiB to {s3} {bucket}/{key} in {up:.1?} (etag {})", put.etag.unwrap_or_default());

    let started = Instant::now();
    let got = s3.get_object(&bucket, &key, GetOptions::default()).await?;
    let received = fingerprint_stream(got.into_stream()).await?;
    let down = started.elapsed();
    println!("downloaded {} bytes in {down:.1?}", received.len);

    s3.delete(&bucket, &key).await?;
    let expected = sent.fingerprint();
    if received == expected {
        println!("ok: {expected}");
        Ok(())
    } else {
        Err(Error::new(cloud_core::ErrorKind::ResponseInvalid, format!("sent {expected}, received {received}")))
    }
}
