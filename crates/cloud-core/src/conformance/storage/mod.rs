//! The storage checks: `check_*` functions over `&dyn StorageClient`, and [`storage_checks`],
//! which picks them by capabilities.
//!
//! Every check works under [`Context::prefix`] in [`Context::bucket`]; checks that need more
//! buckets create them with random names (`cc-<what>-<random>`) and delete them before returning.

mod buckets;
mod conditions;
mod extras;
mod failures;
mod listing;
mod objects;
mod progress;
mod transfer;

use bytes::Bytes;
use futures::TryStreamExt;

pub use buckets::*;
pub use conditions::*;
pub use extras::*;
pub use failures::*;
pub use listing::*;
pub use objects::*;
pub use progress::*;
pub use transfer::*;

use super::runner::random_suffix;
use super::{Check, CheckResult, Context, Failure, ResultExt};
use crate::storage::{GetOptions, ListOptions, ObjectMeta, PutOptions, PutPayload, StorageCapabilities};
use crate::{ErrorKind, StorageClient, StorageClientExt};

/// Builds a [`Check`] from a `check_<name>` function, named `<name>`.
macro_rules! check {
    ($f:ident) => {
        Check::new(
            {
                let name = stringify!($f);
                name.strip_prefix("check_").unwrap_or(name)
            },
            |store, ctx| Box::pin($f(store, ctx)),
        )
    };
}

/// The storage checks that apply to a backend with these capabilities.
///
/// Checks of what a backend does not support assert that it says `Unsupported`.
pub fn storage_checks(caps: StorageCapabilities) -> Vec<Check> {
    let mut checks = vec![
        check!(check_round_trip_empty),
        check!(check_round_trip_one_byte),
        check!(check_round_trip_8mib_stream),
        check!(check_bytes_and_stream_payloads_agree),
        check!(check_put_result_matches_head),
        check!(check_unicode_keys),
        check!(check_unicode_normalizations_are_distinct),
        check!(check_deep_keys),
        check!(check_keys_with_spaces),
        check!(check_keys_with_special_characters),
        check!(check_keys_with_leading_dots),
        check!(check_overwrite_replaces),
        check!(check_delete_removes),
        check!(check_list_prefix),
        check!(check_list_prefix_is_a_string_prefix),
        check!(check_list_does_not_leak),
        check!(check_list_empty_prefix),
        check!(check_list_order),
        check!(check_list_sizes),
        check!(check_get_missing),
        check!(check_get_bad_range),
        check!(check_head_missing),
        check!(check_delete_missing),
        check!(check_missing_bucket_reads),
        check!(check_put_missing_bucket),
        check!(check_invalid_bucket_names),
        check!(check_invalid_keys),
        check!(check_invalid_metadata),
        check!(check_failing_stream_leaves_nothing),
        check!(check_failing_overwrite_keeps_old),
        check!(check_put_progress_ends_at_size),
        check!(check_put_progress_counts_only_acknowledged_bytes),
        check!(check_bucket_exists),
        check!(check_concurrent_writers),
        check!(check_ext_file_round_trip),
        check!(check_ext_ensure_bucket),
        check!(check_ext_delete_prefix),
        check!(check_ext_bytes_helpers),
        check!(check_invalid_conditions),
        check!(check_invalid_content_headers),
        check!(check_list_invalid_options),
    ];
    checks.extend(conditional_checks(caps));
    checks.extend(listing_checks(caps));
    if caps.max_object_size.is_none_or(|max| max >= BIG_OBJECT) {
        checks.push(check!(check_round_trip_100mib_stream));
    }
    if caps.range_reads {
        checks.extend([
            check!(check_range_bounded),
            check!(check_range_offset),
            check!(check_range_suffix),
            check!(check_range_past_end),
            check!(check_download_parallel_parts),
            check!(check_download_detects_a_change),
            check!(check_download_detects_a_short_part),
        ]);
    }
    if caps.user_metadata {
        checks.extend([check!(check_metadata_round_trip), check!(check_metadata_absent_when_unset)]);
    }
    if caps.content_type {
        checks.push(check!(check_content_type_round_trip));
    }
    if caps.list_page_size {
        checks.push(check!(check_list_pages));
    }
    if caps.create_bucket {
        checks.extend([check!(check_bucket_lifecycle), check!(check_delete_non_empty_bucket)]);
    } else {
        checks.push(check!(check_create_bucket_unsupported));
    }
    if caps.list_buckets {
        checks.push(check!(check_list_buckets_contains));
    } else {
        checks.push(check!(check_list_buckets_unsupported));
    }
    if caps.copy {
        checks.extend([
            check!(check_copy_same_bucket),
            check!(check_copy_overwrites),
            check!(check_copy_missing_source),
            check!(check_copy_to_missing_bucket),
            check!(check_copy_parted_object),
        ]);
        if caps.create_bucket {
            checks.push(check!(check_copy_across_buckets));
        }
    } else {
        checks.push(check!(check_copy_unsupported));
    }
    if !caps.presign_get || !caps.presign_put {
        checks.push(check!(check_presign_unsupported));
    }
    if caps.presign_get {
        checks.push(check!(check_presign_get));
    }
    if caps.presign_put {
        checks.push(check!(check_presign_put));
    }
    if caps.presign_get || caps.presign_put {
        checks.push(check!(check_presign_invalid_expiry));
    }
    checks
}

/// The checks of conditional requests and content headers: each claimed capability is checked, and
/// each unclaimed one must be `Unsupported`.
fn conditional_checks(caps: StorageCapabilities) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.push(if caps.put_if_not_exists {
        check!(check_put_if_not_exists)
    } else {
        check!(check_put_if_not_exists_unsupported)
    });
    if caps.put_if_match {
        checks.extend([check!(check_put_if_match), check!(check_put_if_match_race)]);
    } else {
        checks.push(check!(check_put_if_match_unsupported));
    }
    if caps.if_match {
        checks.push(check!(check_read_if_match));
    }
    if caps.if_none_match {
        checks.push(check!(check_read_if_none_match));
    }
    if caps.if_modified_since {
        checks.push(check!(check_read_if_modified_since));
    }
    if caps.if_unmodified_since {
        checks.push(check!(check_read_if_unmodified_since));
    }
    if !(caps.if_match && caps.if_none_match && caps.if_modified_since && caps.if_unmodified_since) {
        checks.push(check!(check_read_conditions_unsupported));
    }
    if caps.copy {
        checks.push(if caps.copy_if_not_exists {
            check!(check_copy_if_not_exists)
        } else {
            check!(check_copy_if_not_exists_unsupported)
        });
    }
    if caps.cache_control || caps.content_disposition || caps.content_encoding || caps.content_language {
        checks.push(check!(check_content_headers_round_trip));
    }
    if !(caps.cache_control && caps.content_disposition && caps.content_encoding && caps.content_language) {
        checks.push(check!(check_content_headers_unsupported));
    }
    checks
}

/// The checks of delimiter listings and start keys.
fn listing_checks(caps: StorageCapabilities) -> Vec<Check> {
    let mut checks = Vec::new();
    if caps.list_delimiter {
        checks.extend([
            check!(check_list_delimiter_nested),
            check!(check_list_delimiter_key_equal_to_prefix),
            check!(check_list_delimiter_twice),
            check!(check_list_delimiter_other_character),
        ]);
        if caps.list_delimiter_multi_char {
            checks.push(check!(check_list_delimiter_multi_char));
        }
        if caps.list_page_size {
            checks.push(check!(check_list_delimiter_pages));
        }
    } else {
        checks.push(check!(check_list_delimiter_unsupported));
    }
    if caps.list_start_after {
        checks.push(check!(check_list_start_after));
        if caps.list_delimiter {
            checks.push(check!(check_list_start_after_with_delimiter));
        }
    } else {
        checks.push(check!(check_list_start_after_unsupported));
    }
    checks
}

/// The size of the largest round trip.
const BIG_OBJECT: u64 = 100 << 20;

/// An object above every backend's single-request threshold in the suites, so it goes up in
/// several parts, blocks, segments or chunks, and not a multiple of any part.
const PARTED_OBJECT: u64 = (9 << 20) + 5;

/// Stores `bytes` under `key` with default options.
async fn put(store: &dyn StorageClient, ctx: &Context, key: &str, bytes: impl Into<Bytes> + Send) -> CheckResult {
    store.put_bytes(ctx.bucket(), key, bytes).await.step(format!("put {key:?}"))?;
    Ok(())
}

/// Stores `bytes` under `key` with options.
async fn put_with(
    store: &dyn StorageClient,
    ctx: &Context,
    key: &str,
    bytes: impl Into<Bytes> + Send,
    options: PutOptions,
) -> CheckResult {
    store.put_object(ctx.bucket(), key, PutPayload::from_bytes(bytes), options).await.step(format!("put {key:?}"))?;
    Ok(())
}

/// Reads a whole object.
async fn read(store: &dyn StorageClient, bucket: &str, key: &str) -> CheckResult<Bytes> {
    store
        .get_object(bucket, key, GetOptions::default())
        .await
        .step(format!("get {key:?}"))?
        .bytes()
        .await
        .step(format!("read the body of {key:?}"))
}

/// Lists under a prefix, collecting the entries.
async fn list(store: &dyn StorageClient, bucket: &str, options: ListOptions) -> CheckResult<Vec<ObjectMeta>> {
    let what = format!("list {options:?}");
    store.list_objects(bucket, options).try_collect().await.step(what)
}

/// The keys listed under a prefix, in the order listed.
async fn list_keys(store: &dyn StorageClient, bucket: &str, prefix: &str) -> CheckResult<Vec<String>> {
    Ok(list(store, bucket, ListOptions::default().with_prefix(prefix)).await?.into_iter().map(|m| m.key).collect())
}

/// A bucket name nobody uses: `cc-<what>-<random>`.
fn random_bucket(what: &str) -> String {
    format!("cc-{what}-{}", random_suffix())
}

/// Deletes a bucket a check created, with whatever is in it; a missing bucket is fine.
async fn remove_bucket(store: &dyn StorageClient, bucket: &str) -> CheckResult {
    match store.delete_prefix(bucket, "").await {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Failure::new(format!("cleanup: emptying bucket {bucket:?} failed: {e}"))),
    }
    match store.delete_bucket(bucket).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Failure::new(format!("cleanup: deleting bucket {bucket:?} failed: {e}"))),
    }
}

/// Runs a check's body that uses a temporary bucket, then removes the bucket whatever happened.
async fn with_cleanup(store: &dyn StorageClient, bucket: &str, outcome: CheckResult) -> CheckResult {
    let cleanup = remove_bucket(store, bucket).await;
    outcome.and(cleanup)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn names(caps: StorageCapabilities) -> Vec<&'static str> {
        storage_checks(caps).iter().map(Check::name).collect()
    }

    #[test]
    fn names_are_unique_and_plentiful() {
        let all = StorageCapabilities {
            list_buckets: true,
            create_bucket: true,
            copy: true,
            range_reads: true,
            user_metadata: true,
            content_type: true,
            list_page_size: true,
            presign_get: true,
            presign_put: true,
            put_if_not_exists: true,
            put_if_match: true,
            if_match: true,
            if_none_match: true,
            if_modified_since: true,
            if_unmodified_since: true,
            copy_if_not_exists: true,
            list_delimiter: true,
            list_delimiter_multi_char: true,
            list_start_after: true,
            cache_control: true,
            content_disposition: true,
            content_encoding: true,
            content_language: true,
            ..StorageCapabilities::default()
        };
        for caps in [all, StorageCapabilities::default()] {
            let names = names(caps);
            let unique: HashSet<_> = names.iter().collect();
            assert_eq!(unique.len(), names.len(), "{names:?}");
            assert!(names.len() >= 30, "{} checks", names.len());
            assert!(names.iter().all(|n| !n.starts_with("check_") && !n.contains(' ')), "{names:?}");
        }
    }

    #[test]
    fn capabilities_pick_the_checks() {
        let none = names(StorageCapabilities::default());
        for absent in [
            "range_bounded",
            "metadata_round_trip",
            "list_pages",
            "bucket_lifecycle",
            "copy_same_bucket",
            "presign_get",
            "put_if_match",
            "read_if_match",
            "copy_if_not_exists",
            "copy_if_not_exists_unsupported",
            "list_delimiter_nested",
            "list_start_after",
            "content_headers_round_trip",
        ] {
            assert!(!none.contains(&absent), "{absent}");
        }
        for present in [
            "create_bucket_unsupported",
            "copy_unsupported",
            "list_buckets_unsupported",
            "presign_unsupported",
            "put_if_not_exists_unsupported",
            "put_if_match_unsupported",
            "read_conditions_unsupported",
            "content_headers_unsupported",
            "list_delimiter_unsupported",
            "list_start_after_unsupported",
            "invalid_conditions",
            "list_invalid_options",
        ] {
            assert!(none.contains(&present), "{present}");
        }
        let small = StorageCapabilities { max_object_size: Some(5 << 20), ..StorageCapabilities::default() };
        assert!(!names(small).contains(&"round_trip_100mib_stream"));
        assert!(none.contains(&"round_trip_100mib_stream"));
        let presign = StorageCapabilities { presign_get: true, presign_put: true, ..StorageCapabilities::default() };
        let presign = names(presign);
        assert!(presign.contains(&"presign_get") && presign.contains(&"presign_invalid_expiry"));
        assert!(!presign.contains(&"presign_unsupported"));
    }
}
