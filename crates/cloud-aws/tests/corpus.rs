//! The bad-input corpus (`cloud_faults::corpus`, plus generated cases) fed to every storage
//! operation of three backends: memory, local files and S3. S3 points at a recording proxy with no
//! server behind it, so "no request sent" is checked, not assumed. Each case must fail with the
//! documented kind (`InvalidInput`; `InvalidConfig` for endpoints), the same on every backend, and
//! nothing may panic.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use bytes::Bytes;
use cloud_aws::S3Client;
use cloud_core::storage::{GetOptions, GetRange, ListOptions, PresignOptions, PutOptions};
use cloud_core::{ErrorKind, LocalStorage, MemoryStorage, Result, StorageClient, StorageClientExt};
use cloud_faults::FaultProxy;
use cloud_faults::corpus::{self, cases};
use futures::{FutureExt, TryStreamExt};

/// A bucket that passes validation (it need not exist: validation comes first).
const BUCKET: &str = "corpus-bucket";
const KEY: &str = "corpus/key.txt";

/// Every control character (C0, DEL, C1).
fn controls() -> impl Iterator<Item = char> {
    (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32)
}

fn bucket_cases() -> Vec<String> {
    let mut all = cases(corpus::BUCKETS);
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    all.extend((0u8..0x80).map(char::from).filter(|c| !allowed(*c)).map(|c| format!("a{c}b")));
    all
}

fn key_cases() -> Vec<String> {
    let mut all = cases(corpus::KEYS);
    for c in controls() {
        all.extend([format!("{c}key"), format!("ke{c}y"), format!("key{c}"), format!("dir/{c}/key")]);
    }
    for dots in [".", ".."] {
        all.extend([format!("{dots}/k"), format!("k/{dots}"), format!("a/{dots}/b"), format!("a/{dots}/{dots}/b")]);
    }
    all
}

fn metadata_cases() -> Vec<BTreeMap<String, String>> {
    let one = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
    let mut all: Vec<_> = cases(corpus::METADATA)
        .iter()
        .map(|line| {
            let (k, v) = line.split_once('=').unwrap_or((line.as_str(), ""));
            one(k, v)
        })
        .collect();
    let key_ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    all.extend((0u8..0x80).map(char::from).filter(|c| !key_ok(*c)).map(|c| one(&format!("k{c}y"), "v")));
    all.extend(controls().map(|c| one("key", &format!("v{c}v"))));
    all
}

fn range_cases() -> Vec<GetRange> {
    vec![
        GetRange::Bounded(5..5),
        GetRange::Bounded(Range { start: 10, end: 2 }),
        GetRange::Bounded(u64::MAX..u64::MAX),
        GetRange::Bounded(0..0),
        GetRange::Bounded(Range { start: u64::MAX, end: 0 }),
    ]
}

fn expiry_cases() -> Vec<Duration> {
    vec![Duration::ZERO, Duration::from_secs(7 * 24 * 3600 + 1), Duration::from_secs(365 * 24 * 3600), Duration::MAX]
}

/// Runs one call, turning a panic into a failure that names the case.
async fn outcome<T>(case: &str, call: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(call).catch_unwind().await {
        Ok(result) => result,
        Err(_) => panic!("{case}: the call panicked"),
    }
}

/// Tallies the calls and their failures.
#[derive(Default)]
struct Tally {
    calls: usize,
    wrong: Vec<String>,
}

impl Tally {
    fn expect<T>(&mut self, backend: &str, case: &str, result: Result<T>, kind: ErrorKind) {
        self.calls += 1;
        match result {
            Err(err) if err.kind() == kind => {}
            Err(err) => self.wrong.push(format!("{backend}: {case}: {} instead of {kind}: {err}", err.kind())),
            Ok(_) => self.wrong.push(format!("{backend}: {case}: accepted")),
        }
    }
}

/// Every operation that takes a bucket, key or metadata, with each bad input.
async fn exercise(backend: &str, store: &dyn StorageClient, tally: &mut Tally) {
    let invalid = ErrorKind::InvalidInput;
    for bucket in bucket_cases() {
        let case = format!("bucket {bucket:?}");
        tally.expect(backend, &case, outcome(&case, store.create_bucket(&bucket, Default::default())).await, invalid);
        tally.expect(backend, &case, outcome(&case, store.delete_bucket(&bucket)).await, invalid);
        tally.expect(backend, &case, outcome(&case, store.bucket_exists(&bucket)).await, invalid);
        let put = store.put_object(&bucket, KEY, Bytes::from_static(b"x").into(), PutOptions::default());
        tally.expect(backend, &case, outcome(&case, put).await, invalid);
        tally.expect(
            backend,
            &case,
            outcome(&case, store.get_object(&bucket, KEY, GetOptions::default())).await.map(drop),
            invalid,
        );
        tally.expect(backend, &case, outcome(&case, store.head(&bucket, KEY)).await, invalid);
        tally.expect(backend, &case, outcome(&case, store.delete(&bucket, KEY)).await, invalid);
        let listed = store.list_objects(&bucket, ListOptions::default()).try_collect::<Vec<_>>();
        tally.expect(backend, &case, outcome(&case, listed).await, invalid);
    }
    for key in key_cases() {
        let case = format!("key {key:?}");
        let put = store.put_object(BUCKET, &key, Bytes::from_static(b"x").into(), PutOptions::default());
        tally.expect(backend, &case, outcome(&case, put).await, invalid);
        tally.expect(
            backend,
            &case,
            outcome(&case, store.get_object(BUCKET, &key, GetOptions::default())).await.map(drop),
            invalid,
        );
        tally.expect(backend, &case, outcome(&case, store.head(BUCKET, &key)).await, invalid);
        tally.expect(backend, &case, outcome(&case, store.delete(BUCKET, &key)).await, invalid);
        tally.expect(backend, &case, outcome(&case, store.copy(BUCKET, &key, BUCKET, KEY)).await, invalid);
        tally.expect(backend, &case, outcome(&case, store.copy(BUCKET, KEY, BUCKET, &key)).await, invalid);
    }
    for metadata in metadata_cases() {
        let case = format!("metadata {:?}", metadata.iter().next().map(|(k, v)| (k, v.len())));
        let mut options = PutOptions::default();
        for (k, v) in &metadata {
            options = options.with_metadata(k.clone(), v.clone());
        }
        let put = store.put_object(BUCKET, KEY, Bytes::from_static(b"x").into(), options);
        tally.expect(backend, &case, outcome(&case, put).await, invalid);
    }
    for range in range_cases() {
        let case = format!("range {range:?}");
        let get = store.get_object(BUCKET, KEY, GetOptions::default().with_range(range));
        tally.expect(backend, &case, outcome(&case, get).await.map(drop), invalid);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_backend_rejects_the_corpus_before_sending_anything() {
    let proxy = FaultProxy::alone().await.expect("recording server");
    let s3 = S3Client::builder()
        .with_endpoint(proxy.url())
        .with_allow_http(true)
        .with_credentials("AKIDCORPUS", "CANARYcorpusSecret7Qa")
        .with_max_attempts(1)
        .build()
        .expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let local = LocalStorage::new(dir.path()).expect("local");
    let memory = MemoryStorage::new();
    // The bucket exists where that is free, so a case that slipped through would act.
    local.create_bucket(BUCKET, Default::default()).await.expect("local bucket");
    memory.create_bucket(BUCKET, Default::default()).await.expect("memory bucket");

    let mut tally = Tally::default();
    exercise("memory", &memory, &mut tally).await;
    exercise("local", &local, &mut tally).await;
    exercise("s3", &s3, &mut tally).await;

    // S3-only inputs: presign expiries and endpoints.
    for expires in expiry_cases() {
        let case = format!("presign expiry {expires:?}");
        let presign = s3.presign(cloud_core::storage::PresignMethod::Get, BUCKET, KEY, PresignOptions::new(expires));
        tally.expect("s3", &case, outcome(&case, presign).await, ErrorKind::InvalidInput);
    }
    let endpoints = cases(corpus::ENDPOINTS);
    for endpoint in &endpoints {
        let built =
            S3Client::builder().with_endpoint(endpoint).with_credentials("AKID", "CANARYcorpusSecret7Qa").build();
        tally.expect("s3 builder", &format!("endpoint {endpoint:?}"), built, ErrorKind::InvalidConfig);
    }

    let inputs = bucket_cases().len()
        + key_cases().len()
        + metadata_cases().len()
        + range_cases().len()
        + expiry_cases().len()
        + endpoints.len();
    println!("corpus: {inputs} inputs, {} calls on memory, local and S3", tally.calls);
    assert!(inputs >= 500, "the corpus shrank to {inputs} inputs");
    assert!(
        tally.wrong.is_empty(),
        "{} of {} calls were wrong:\n{}",
        tally.wrong.len(),
        tally.calls,
        tally.wrong.join("\n")
    );
    let sent = proxy.requests();
    assert!(sent.is_empty(), "{} requests reached the server: {:#?}", sent.len(), &sent[..sent.len().min(5)]);
    let left: Vec<_> = local.list_objects(BUCKET, ListOptions::default()).try_collect().await.expect("list");
    assert!(left.is_empty(), "objects were written: {left:?}");
}
