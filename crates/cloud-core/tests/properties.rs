//! Property tests over the core's pure edges: error bodies of any shape, keys of any shape on a
//! real directory, byte ranges of any size, and durations at the ends of their range.
//!
//! Each property states what a caller relies on; proptest searches for a counterexample and
//! shrinks it. Case counts are kept small enough for the test command (a few seconds in all).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use cloud_core::http::header::{HeaderMap, HeaderValue};
use cloud_core::http::{ErrorContext, HttpErrorBody, MAX_ERROR_BODY, MAX_EXCERPT, Method, map_response_error};
use cloud_core::poll::{PollState, poll_until};
use cloud_core::storage::{CreateBucketOptions, GetRange, ListOptions, validate_key};
use cloud_core::{CloudProvider, ErrorKind, LocalStorage, StorageClient, StorageClientExt};
use futures::TryStreamExt;
use proptest::prelude::*;

/// Room for what `Display` adds around the body's summary: kind, provider, operation, status,
/// request id.
const DISPLAY_CONTEXT: usize = 512;

fn json_message_body() -> impl Strategy<Value = Vec<u8>> {
    // A JSON error whose message is any text: newlines, control characters, megabytes.
    let message =
        prop_oneof![any::<String>(), "[a-z \n\r\t]{0,64}", (1usize..4).prop_map(|n| "line\n".repeat(n * 700)),];
    let field = prop_oneof![Just("message"), Just("detail"), Just("title"), Just("error_description")];
    (field, message).prop_map(|(field, message)| serde_json::json!({ field: message }).to_string().into_bytes())
}

fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        json_message_body(),
        (0usize..3).prop_map(|n| vec![b'x'; MAX_ERROR_BODY + n]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// An error answer of any status, request id and body maps to an error whose `Display` is one
    /// line of bounded length, and whose kept body says truthfully whether bytes were dropped.
    #[test]
    fn any_error_answer_maps_to_one_bounded_line(
        status in 100u16..=599,
        body in any_body(),
        truncated in any::<bool>(),
        request_id in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(&request_id) {
            headers.insert("x-request-id", value);
        }
        let kept = HttpErrorBody::new(status, &body, truncated);
        prop_assert_eq!(kept.is_truncated(), truncated || body.len() > MAX_ERROR_BODY);
        prop_assert!(kept.text().len() <= MAX_ERROR_BODY * 3, "lossy text stays proportional to the kept bytes");

        let method = Method::GET;
        let context = ErrorContext::new(&method, "get_thing", status, &headers, &kept);
        let error = map_response_error(CloudProvider::Aws, &context, None);
        let shown = error.to_string();
        prop_assert!(!shown.contains('\n') && !shown.contains('\r'), "one line: {shown:?}");
        prop_assert!(
            shown.len() <= MAX_EXCERPT + DISPLAY_CONTEXT,
            "{} bytes shown for a {}-byte body",
            shown.len(),
            body.len()
        );
        prop_assert_eq!(error.http_status(), Some(status));
    }

    /// `resolve` never hands out a range outside the object: `start < end <= size`, except the
    /// empty suffix of an empty object.
    #[test]
    fn resolved_ranges_stay_inside_the_object(
        size in prop_oneof![0u64..64, any::<u64>()],
        range in prop_oneof![
            (any::<u64>(), any::<u64>()).prop_map(|(a, b)| GetRange::Bounded(a..b)),
            (0u64..80).prop_map(|a| GetRange::Bounded(a..a.saturating_add(3))),
            any::<u64>().prop_map(GetRange::Offset),
            (0u64..80).prop_map(GetRange::Offset),
            any::<u64>().prop_map(GetRange::Suffix),
            (0u64..80).prop_map(GetRange::Suffix),
        ],
    ) {
        if let Ok(resolved) = range.resolve(size) {
            prop_assert!(resolved.end <= size, "{range:?} on {size} bytes gave {resolved:?}");
            prop_assert!(
                resolved.start < resolved.end || (size == 0 && matches!(range, GetRange::Suffix(_))),
                "{range:?} on {size} bytes gave {resolved:?}"
            );
            let header = range.to_http_header();
            prop_assert!(header.starts_with("bytes=") && header.is_ascii());
        }
    }
}

/// Key segments mixing what file systems, URLs and our escaping treat specially.
fn key_strategy() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        "[a-zA-Z0-9._-]{1,12}",
        "[#%~ +é中\u{1F600}]{1,6}",
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("#".to_owned()),
        Just("%2F".to_owned()),
        Just(String::new()),
        "[a-z]{250,260}",
    ];
    proptest::collection::vec(segment, 1..5).prop_map(|segments| segments.join("/"))
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().into_owned());
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// On a real directory, a key is either refused with `InvalidInput` before anything is
    /// written, or stored so that it reads back, lists back under its own name, and lives inside
    /// the root; nothing is ever written beside the root.
    #[test]
    fn any_key_is_refused_or_round_trips_inside_the_root(key in key_strategy(), body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let outer = tempfile::tempdir().expect("tempdir");
        let root = outer.path().join("root");
        std::fs::create_dir(&root).expect("root");
        let storage = LocalStorage::new(&root).expect("storage");
        let result: Result<(), TestCaseError> = runtime.block_on(async {
            storage.create_bucket("bkt", CreateBucketOptions::default()).await.expect("bucket");
            let before = files_under(&root);
            match storage.put_bytes("bkt", &key, body.clone()).await {
                Err(err) => {
                    prop_assert_eq!(err.kind(), ErrorKind::InvalidInput, "{:?} refused as {}", key, err);
                    prop_assert_eq!(files_under(&root), before, "a refused key wrote nothing");
                }
                Ok(_) => {
                    prop_assert!(validate_key(&key).is_ok(), "{:?} stored although the contract refuses it", key);
                    prop_assert_eq!(storage.get_bytes("bkt", &key).await.expect("read back").to_vec(), body);
                    let listed: Vec<String> = storage
                        .list_objects("bkt", ListOptions::default())
                        .map_ok(|meta| meta.key)
                        .try_collect()
                        .await
                        .expect("listing");
                    prop_assert_eq!(listed, vec![key.clone()]);
                    storage.delete("bkt", &key).await.expect("delete");
                }
            }
            Ok(())
        });
        result?;
        let beside: Vec<_> = std::fs::read_dir(outer.path()).expect("outer").flatten().map(|e| e.file_name()).collect();
        prop_assert_eq!(beside, vec![std::ffi::OsString::from("root")], "nothing written outside the root");
    }
}

/// Waits with timeouts at the ends of `Duration`'s range end with `Timeout` or the value, never a
/// panic (`Instant + Duration::MAX` overflows).
#[tokio::test(start_paused = true)]
async fn polls_with_extreme_timeouts_never_panic() {
    for timeout in [Duration::ZERO, Duration::from_nanos(1), Duration::from_secs(u64::MAX), Duration::MAX] {
        let mut calls = 0u32;
        let outcome = poll_until("a thing", timeout, || {
            calls += 1;
            let done = calls >= 3;
            let state = if done { PollState::Ready(calls) } else { PollState::Pending("BUILD".into()) };
            async move { Ok(state) }
        })
        .await;
        match outcome {
            Ok(n) => assert_eq!(n, 3, "{timeout:?}"),
            Err(err) => assert_eq!(err.kind(), ErrorKind::Timeout, "{timeout:?}: {err}"),
        }
    }
}
