//! The shared storage conformance suite, and `object_store`'s own integration suite through
//! `BucketStore`, against s3s-fs and against moto with SigV4 checking; the shared suite once more
//! on moto with CRC32C upload checksums (`moto-crc32c`).
//!
//! Each server is described by the variables `cargo xtask emulators env s3` prints; a server
//! that is not configured or does not answer becomes one failing trial naming
//! `cargo xtask emulators up s3`.
//!
//! s3s-fs 0.14.1 has bugs of its own that the suite catches (listed in `S3S_FS_DEVIATIONS`); for those checks the trial
//! asserts the server's current (wrong) behaviour, so that a fixed s3s-fs shows up as a failure
//! here, while the same checks pass unchanged against moto.

use std::sync::Arc;

use cloud_aws::UploadChecksum;
use cloud_core::conformance::{Suite, object_store_functions, object_store_trials, run_object_store_function};
use libtest_mimic::{Arguments, Failed, Trial};

#[allow(dead_code)]
mod support;

/// Checks s3s-fs 0.14.1 fails because of the server, and the text its failure must contain.
const S3S_FS_DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "delete_non_empty_bucket",
        "expected a conflict error, but it succeeded",
        "FIXME(s3s-fs 0.14.1): DeleteBucket removes the bucket directory with everything in it",
    ),
    (
        "put_missing_bucket",
        "expected a not_found error, but it succeeded",
        "FIXME(s3s-fs 0.14.1): PutObject creates the missing bucket's directory",
    ),
    (
        "range_suffix",
        "InternalError (status 500)",
        "FIXME(s3s-fs 0.14.1): a suffix range longer than the object seeks before the file start (500)",
    ),
    (
        "read_if_match",
        "expected a precondition_failed error, but it succeeded",
        "FIXME(s3s-fs 0.14.1): GetObject and HeadObject ignore If-Match",
    ),
    (
        "read_if_none_match",
        "expected a not_modified error, but it succeeded",
        "FIXME(s3s-fs 0.14.1): GetObject and HeadObject ignore If-None-Match",
    ),
    (
        "read_if_modified_since",
        "expected a not_modified error, but it succeeded",
        "FIXME(s3s-fs 0.14.1): GetObject and HeadObject ignore If-Modified-Since",
    ),
    (
        "read_if_unmodified_since",
        "expected a precondition_failed error, but it succeeded",
        "FIXME(s3s-fs 0.14.1): GetObject and HeadObject ignore If-Unmodified-Since",
    ),
    (
        "put_if_match_race",
        "that succeeded",
        "FIXME(s3s-fs 0.14.1): PutObject checks If-Match, then writes, without a lock: racing updates all win",
    ),
    (
        "list_delimiter_multi_char",
        "expected [(\"p\", \"m/a::\")",
        "FIXME(s3s-fs 0.14.1): ListObjectsV2 splits at the first character of a delimiter only",
    ),
];

/// Functions of `object_store`'s suite s3s-fs 0.14.1 fails because of the server, the text of the
/// failure, and why.
const S3S_FS_OBJECT_STORE_DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "get_opts",
        "get_opts panicked: Ok(",
        "FIXME(s3s-fs 0.14.1): GetObject ignores If-Unmodified-Since (and the other conditions)",
    ),
    (
        "put_opts",
        "put_opts panicked: assertion `left == right` failed",
        "FIXME(s3s-fs 0.14.1): conditional PutObject is not atomic: racing compare-and-swap increments are lost",
    ),
    (
        "put_get_delete_list",
        "put_get_delete_list panicked: Generic cloud error: aws get_object: service: InternalError (status 500)",
        "FIXME(s3s-fs 0.14.1): GetObject of a \"directory\" (a prefix of other keys) answers 500, not 404",
    ),
];

/// `object_store`'s suite on s3s-fs: the functions of `S3S_FS_OBJECT_STORE_DEVIATIONS` must fail
/// as described (or, for the racy `put_opts`, may pass), the others must pass.
fn s3s_fs_object_store_trials(
    client: &Arc<dyn cloud_core::StorageClient>,
    bucket: &str,
    runtime: &tokio::runtime::Handle,
) -> Vec<Trial> {
    object_store_functions(client.capabilities())
        .into_iter()
        .map(|function| {
            let name = format!("s3s-fs::object_store::{}", function.name);
            if function.skipped.is_some() {
                return Trial::test(name, || Ok(())).with_kind("object_store").with_ignored_flag(true);
            }
            let deviation = S3S_FS_OBJECT_STORE_DEVIATIONS.iter().find(|(n, ..)| *n == function.name).copied();
            let (client, bucket, runtime) = (Arc::clone(client), bucket.to_owned(), runtime.clone());
            Trial::test(name, move || {
                let outcome = runtime.block_on(run_object_store_function(function, &client, &bucket));
                match (deviation, outcome) {
                    (None, outcome) => outcome.map_err(Failed::from),
                    (Some((_, expected, why)), Err(failure)) if failure.contains(expected) => {
                        eprintln!("{why}: {failure}");
                        Ok(())
                    }
                    (Some((_, expected, why)), Err(failure)) => Err(Failed::from(format!(
                        "{why}; expected the failure to contain {expected:?}, got: {failure}"
                    ))),
                    (Some(("put_opts", _, why)), Ok(())) => {
                        eprintln!("{why}: no race was lost on this run");
                        Ok(())
                    }
                    (Some((_, _, why)), Ok(())) => Err(Failed::from(format!(
                        "the function passes now: s3s-fs no longer deviates ({why}); remove it from \
                         S3S_FS_OBJECT_STORE_DEVIATIONS"
                    ))),
                }
            })
            .with_kind("object_store")
        })
        .collect()
}

/// Deviations that depend on timing: the check may pass on a lucky run.
const S3S_FS_RACY: &[&str] = &["put_if_match_race"];

fn main() {
    let args = Arguments::from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let mut trials = Vec::new();
    for which in [support::S3S, support::MOTO] {
        let server = match support::Server::load(which) {
            Ok(server) => server,
            Err(message) => {
                trials.push(Trial::test(format!("{}::server_is_running", which.0), move || Err(message.into())));
                continue;
            }
        };
        let client: Arc<dyn cloud_core::StorageClient> = Arc::new(server.client());
        if which == support::S3S {
            trials.extend(s3s_fs_object_store_trials(&client, &server.bucket, runtime.handle()));
        } else {
            trials.extend(object_store_trials(server.label, &client, &server.bucket, runtime.handle()));
        }
        let suite = Suite::new(server.label, client, server.bucket.clone());
        if which == support::S3S {
            for check in suite.checks() {
                let name = format!("{}::{}", server.label, check.name());
                let deviation = S3S_FS_DEVIATIONS.iter().find(|(n, ..)| *n == check.name()).copied();
                let (suite, handle) = (suite.clone(), runtime.handle().clone());
                let trial = Trial::test(name, move || {
                    let outcome = handle.block_on(suite.run(&check));
                    match (deviation, outcome) {
                        (None, outcome) => outcome.map_err(Failed::from),
                        (Some((_, expected, why)), Err(failure)) if failure.message().contains(expected) => {
                            eprintln!("{why}: {failure}");
                            Ok(())
                        }
                        (Some((_, expected, why)), Err(failure)) => Err(Failed::from(format!(
                            "{why}; expected the failure to contain {expected:?}, got: {failure}"
                        ))),
                        (Some((name, _, why)), Ok(())) if S3S_FS_RACY.contains(&name) => {
                            eprintln!("{why}: no race was lost on this run");
                            Ok(())
                        }
                        (Some((_, _, why)), Ok(())) => Err(Failed::from(format!(
                            "the check passes now: s3s-fs no longer deviates ({why}); remove it from S3S_FS_DEVIATIONS"
                        ))),
                    }
                });
                trials.push(trial.with_kind("storage"));
            }
        } else {
            trials.extend(suite.trials(runtime.handle()));
            // moto confirms CRC32C at the create of a multipart upload: the whole contract again
            // with CRC32C checksums, the completes listing every part's.
            let crc32c = server.builder().with_upload_checksum(UploadChecksum::Crc32c).build().expect("client");
            let suite = Suite::new("moto-crc32c", Arc::new(crc32c), server.bucket.clone());
            trials.extend(suite.trials(runtime.handle()));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
