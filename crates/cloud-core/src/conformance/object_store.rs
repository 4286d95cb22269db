//! `object_store`'s own integration suite (`object_store::integration`) through
//! [`BucketStore`](crate::adapter::BucketStore), as `libtest-mimic` trials (features
//! `conformance` and `object-store`).
//!
//! [`object_store_functions`] lists every function of the suite with whether the backend's
//! capabilities let it run, and why not; [`object_store_trials`] runs those that can, each under a
//! fresh key prefix (the suite expects an empty store) that is deleted afterwards, and registers the
//! others as ignored, so the skipped ones show in the test output with their names.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use ::object_store::integration as suite;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::random_suffix;
use crate::adapter::BucketStore;
use crate::storage::StorageCapabilities;
use crate::{StorageClient, StorageClientExt};

/// One function of `object_store::integration`, and whether it runs here.
#[derive(Debug, Clone, Copy)]
pub struct SuiteFunction {
    /// The function's name.
    pub name: &'static str,
    /// `None` if it runs; otherwise why not.
    pub skipped: Option<&'static str>,
    run: fn(BucketStore) -> BoxFuture<'static, ()>,
}

fn needs(ok: bool, why: &'static str) -> Option<&'static str> {
    (!ok).then_some(why)
}

/// Every function of the suite, with the reason it cannot run on a backend with `caps` (if any).
pub fn object_store_functions(caps: StorageCapabilities) -> Vec<SuiteFunction> {
    let listing = caps.list_delimiter;
    vec![
        SuiteFunction {
            name: "put_get_delete_list",
            skipped: needs(
                caps.copy && caps.range_reads && listing,
                "needs copies, ranged reads and delimiter listings",
            ),
            run: |s| async move { suite::put_get_delete_list(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "put_get_attributes",
            skipped: None,
            run: |s| async move { suite::put_get_attributes(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "get_opts",
            skipped: needs(
                caps.if_match && caps.if_none_match && caps.if_modified_since && caps.if_unmodified_since,
                "needs the four read conditions",
            ),
            run: |s| async move { suite::get_opts(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "put_opts",
            skipped: needs(caps.put_if_not_exists, "needs PutMode::Create"),
            run: if caps.put_if_match {
                |s| async move { suite::put_opts(&s, true).await }.boxed()
            } else {
                |s| async move { suite::put_opts(&s, false).await }.boxed()
            },
        },
        SuiteFunction {
            name: "stream_get",
            skipped: needs(listing, "needs delimiter listings"),
            run: |s| async move { suite::stream_get(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "list_uses_directories_correctly",
            skipped: needs(listing, "needs delimiter listings"),
            run: |s| async move { suite::list_uses_directories_correctly(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "list_with_delimiter",
            skipped: needs(listing, "needs delimiter listings"),
            run: |s| async move { suite::list_with_delimiter(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "get_nonexistent_object",
            skipped: None,
            run: |s| {
                async move {
                    let err = suite::get_nonexistent_object(&s, None).await.unwrap_err();
                    assert!(matches!(err, ::object_store::Error::NotFound { .. }), "{err}");
                }
                .boxed()
            },
        },
        SuiteFunction {
            name: "rename_and_copy",
            skipped: needs(caps.copy, "needs copies"),
            run: |s| async move { suite::rename_and_copy(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "copy_if_not_exists",
            skipped: needs(caps.copy && caps.copy_if_not_exists, "needs CopyMode::Create"),
            run: |s| async move { suite::copy_if_not_exists(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "copy_rename_nonexistent_object",
            skipped: needs(caps.copy && caps.copy_if_not_exists, "calls copy_if_not_exists: needs CopyMode::Create"),
            run: |s| async move { suite::copy_rename_nonexistent_object(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "multipart",
            skipped: None,
            run: |s| async move { suite::multipart(&s, &s).await }.boxed(),
        },
        SuiteFunction {
            name: "multipart_with_opts",
            skipped: Some(
                "stores the metadata key \"test_key\": the StorageClient contract keeps the portable keys of a-z, \
                 0-9 and '-' (Swift turns '_' into '-'), so BucketStore answers NotImplemented, which this \
                 function does not accept",
            ),
            run: |s| async move { suite::multipart_with_opts(&s, &s).await }.boxed(),
        },
        SuiteFunction {
            name: "multipart_put_part_out_of_order",
            skipped: None,
            run: |s| async move { suite::multipart_put_part_out_of_order(&s, &s).await }.boxed(),
        },
        SuiteFunction {
            name: "multipart_race_condition",
            skipped: None,
            // Each put is atomic; the last to complete wins, or (Azure) the first, and the other
            // fails: the function's `last_writer_wins` is that capability.
            run: if caps.put_last_writer_wins {
                |s| async move { suite::multipart_race_condition(&s, true).await }.boxed()
            } else {
                |s| async move { suite::multipart_race_condition(&s, false).await }.boxed()
            },
        },
        SuiteFunction {
            name: "multipart_out_of_order",
            skipped: None,
            run: |s| async move { suite::multipart_out_of_order(&s).await }.boxed(),
        },
        SuiteFunction {
            name: "list_paginated",
            skipped: needs(listing && caps.list_start_after, "needs delimiter listings and start keys"),
            run: |s| async move { suite::list_paginated(&s, &s).await }.boxed(),
        },
        SuiteFunction {
            name: "list_with_offset_exclusivity",
            skipped: None,
            run: |s| async move { suite::list_with_offset_exclusivity(&s).await }.boxed(),
        },
    ]
}

/// Runs one function of the suite on `bucket` of `client` under a fresh prefix, deleted afterwards.
///
/// # Errors
/// The function's panic message, or a failure to set up or clean up.
pub async fn run_object_store_function(
    function: SuiteFunction,
    client: &Arc<dyn StorageClient>,
    bucket: &str,
) -> Result<(), String> {
    let prefix = format!("object-store-{}", random_suffix());
    let store = BucketStore::new(Arc::clone(client), bucket).with_prefix(prefix.clone()).map_err(|e| e.to_string())?;
    let outcome = AssertUnwindSafe((function.run)(store)).catch_unwind().await;
    let cleanup = client.delete_prefix(bucket, &format!("{prefix}/")).await;
    if let Err(panic) = outcome {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a non-string payload");
        return Err(format!("{} panicked: {message}", function.name));
    }
    cleanup.map(drop).map_err(|e| format!("cleanup failed: {e}"))
}

/// The suite's functions as trials named `<label>::object_store::<function>`, on `bucket` of
/// `client` (which must exist), each under a fresh prefix; those the capabilities rule out are
/// ignored trials.
pub fn object_store_trials(
    label: &str,
    client: &Arc<dyn StorageClient>,
    bucket: &str,
    runtime: &tokio::runtime::Handle,
) -> Vec<libtest_mimic::Trial> {
    object_store_functions(client.capabilities())
        .into_iter()
        .map(|function| {
            let name = format!("{label}::object_store::{}", function.name);
            if function.skipped.is_some() {
                return libtest_mimic::Trial::test(name, || Ok(())).with_kind("object_store").with_ignored_flag(true);
            }
            let (client, bucket, runtime) = (Arc::clone(client), bucket.to_owned(), runtime.clone());
            libtest_mimic::Trial::test(name, move || {
                runtime
                    .block_on(run_object_store_function(function, &client, &bucket))
                    .map_err(libtest_mimic::Failed::from)
            })
            .with_kind("object_store")
        })
        .collect()
}
