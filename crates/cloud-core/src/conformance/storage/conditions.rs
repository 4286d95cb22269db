//! Conditional request checks: put modes, copy modes, read conditions, content headers, and what
//! a backend that cannot honour them must say (`Unsupported`, never a silent success).

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};

use super::{put, put_with, read};
use crate::conformance::{CheckResult, Context, ResultExt, ensure_same_bytes, expect_kind};
use crate::storage::{
    Conditions, ContentHeaders, CopyMode, CopyOptions, GetOptions, HeadOptions, PutMode, PutOptions, PutPayload,
};
use crate::{Error, ErrorKind, StorageClient, StorageClientExt};

/// Puts with a mode.
async fn put_mode(
    store: &dyn StorageClient,
    ctx: &Context,
    key: &str,
    bytes: &'static [u8],
    mode: PutMode,
) -> Result<Option<String>, Error> {
    let options = PutOptions::default().with_mode(mode);
    Ok(store.put_object(ctx.bucket(), key, PutPayload::from_bytes(bytes), options).await?.etag)
}

/// The stored object's ETag and modification time, which the read conditions are checked against.
async fn version(store: &dyn StorageClient, ctx: &Context, key: &str) -> CheckResult<(String, DateTime<Utc>)> {
    let head = store.head(ctx.bucket(), key).await.step(format!("head {key:?}"))?;
    let etag = head.etag.ok_or_else(|| crate::conformance::Failure::new("head_object returned no ETag"))?;
    let modified =
        head.last_modified.ok_or_else(|| crate::conformance::Failure::new("head_object returned no last_modified"))?;
    Ok((etag, modified))
}

/// Runs a get and a head with `conditions`; both must succeed, or both fail with `kind`.
async fn read_with(
    store: &dyn StorageClient,
    ctx: &Context,
    key: &str,
    conditions: Conditions,
    kind: Option<ErrorKind>,
    what: &str,
) -> CheckResult {
    let get = store.get_object(ctx.bucket(), key, GetOptions::default().with_conditions(conditions.clone())).await;
    let head = store.head_object(ctx.bucket(), key, HeadOptions::default().with_conditions(conditions)).await;
    match kind {
        None => {
            let body = get.step(format!("get {what}"))?.bytes().await.step(format!("read the body, {what}"))?;
            ensure!(!body.is_empty(), "get {what}: the body is empty");
            head.step(format!("head {what}"))?;
        }
        Some(kind) => {
            expect_kind(get, kind, format!("get {what}"))?;
            expect_kind(head, kind, format!("head {what}"))?;
        }
    }
    Ok(())
}

/// `PutMode::Create` stores a new object, and fails with `AlreadyExists` (keeping the object)
/// once the key is taken.
pub async fn check_put_if_not_exists(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("create-only");
    put_mode(store, ctx, &key, b"first", PutMode::Create).await.step("create a new object")?;
    let again = put_mode(store, ctx, &key, b"second", PutMode::Create).await;
    expect_kind(again, ErrorKind::AlreadyExists, "create over an existing object")?;
    ensure_same_bytes(&read(store, ctx.bucket(), &key).await?, b"first", "the object after a refused create")?;
    // A plain put still replaces it.
    put(store, ctx, &key, Bytes::from_static(b"third")).await?;
    ensure_same_bytes(&read(store, ctx.bucket(), &key).await?, b"third", "the object after an overwrite")
}

/// `PutMode::Update` replaces the object whose ETag matches, and fails with
/// `PreconditionFailed` (changing nothing) for a stale ETag or a missing object.
pub async fn check_put_if_match(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("update-if-match");
    put(store, ctx, &key, Bytes::from_static(b"v1")).await?;
    let (v1, _) = version(store, ctx, &key).await?;
    put_mode(store, ctx, &key, b"v2", PutMode::Update(v1.clone())).await.step("update with the current ETag")?;
    ensure_same_bytes(&read(store, ctx.bucket(), &key).await?, b"v2", "the object after the update")?;
    let stale = put_mode(store, ctx, &key, b"v3", PutMode::Update(v1)).await;
    expect_kind(stale, ErrorKind::PreconditionFailed, "update with a stale ETag")?;
    ensure_same_bytes(&read(store, ctx.bucket(), &key).await?, b"v2", "the object after a refused update")?;
    let (v2, _) = version(store, ctx, &key).await?;
    let missing = ctx.key("update-if-match-missing");
    let absent = put_mode(store, ctx, &missing, b"x", PutMode::Update(v2)).await;
    expect_kind(absent, ErrorKind::PreconditionFailed, "update of a missing object")?;
    expect_kind(store.head(ctx.bucket(), &missing).await, ErrorKind::NotFound, "the missing object after the update")
}

/// Concurrent `PutMode::Update`s from one version: exactly one wins.
pub async fn check_put_if_match_race(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("update-race");
    put(store, ctx, &key, Bytes::from_static(b"base")).await?;
    let (base, _) = version(store, ctx, &key).await?;
    let attempts = futures::future::join_all((0..4).map(|i| {
        let (key, base) = (key.clone(), base.clone());
        let body: &'static [u8] = [b"w0".as_slice(), b"w1", b"w2", b"w3"][i];
        async move { put_mode(store, ctx, &key, body, PutMode::Update(base)).await }
    }))
    .await;
    let mut winners = Vec::new();
    for (i, attempt) in attempts.into_iter().enumerate() {
        match attempt {
            Ok(_) => winners.push(i),
            Err(e) if e.kind() == ErrorKind::PreconditionFailed => {}
            Err(e) => {
                return Err(crate::conformance::Failure::new(format!("racing update #{i}: unexpected error {e}")));
            }
        }
    }
    ensure_eq!(winners.len(), 1, "racing updates from one version that succeeded ({winners:?})");
    let expected = format!("w{}", winners[0]);
    ensure_same_bytes(&read(store, ctx.bucket(), &key).await?, expected.as_bytes(), "the object after the race")
}

/// Without `put_if_not_exists`, `PutMode::Create` is `Unsupported` and stores nothing.
pub async fn check_put_if_not_exists_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("create-unsupported");
    expect_kind(put_mode(store, ctx, &key, b"x", PutMode::Create).await, ErrorKind::Unsupported, "PutMode::Create")?;
    expect_kind(store.head(ctx.bucket(), &key).await, ErrorKind::NotFound, "the object after an unsupported create")
}

/// Without `put_if_match`, `PutMode::Update` is `Unsupported` and changes nothing.
pub async fn check_put_if_match_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("update-unsupported");
    put(store, ctx, &key, Bytes::from_static(b"kept")).await?;
    let (etag, _) = version(store, ctx, &key).await?;
    let update = put_mode(store, ctx, &key, b"lost", PutMode::Update(etag)).await;
    expect_kind(update, ErrorKind::Unsupported, "PutMode::Update")?;
    ensure_same_bytes(&read(store, ctx.bucket(), &key).await?, b"kept", "the object after an unsupported update")
}

/// `if_match` with the object's ETag (quoted or not) or `*` reads it; another ETag is
/// `PreconditionFailed`, on get and head.
pub async fn check_read_if_match(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("if-match");
    put(store, ctx, &key, Bytes::from_static(b"body")).await?;
    let (etag, _) = version(store, ctx, &key).await?;
    let c = Conditions::default;
    read_with(store, ctx, &key, c().with_if_match(etag.clone()), None, "with the current ETag").await?;
    read_with(store, ctx, &key, c().with_if_match(format!("\"{etag}\"")), None, "with the quoted ETag").await?;
    read_with(store, ctx, &key, c().with_if_match("*"), None, "with if_match *").await?;
    let other = Some(ErrorKind::PreconditionFailed);
    read_with(store, ctx, &key, c().with_if_match("0123456789abcdef"), other, "with another ETag").await?;
    // A missing object is `NotFound`, whatever the condition.
    let missing = store
        .get_object(
            ctx.bucket(),
            &ctx.key("if-match-missing"),
            GetOptions::default().with_conditions(c().with_if_match(etag)),
        )
        .await;
    expect_kind(missing, ErrorKind::NotFound, "get of a missing object with if_match")
}

/// `if_none_match` with the object's ETag (or `*`) is `NotModified`; another ETag reads it.
pub async fn check_read_if_none_match(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("if-none-match");
    put(store, ctx, &key, Bytes::from_static(b"body")).await?;
    let (etag, _) = version(store, ctx, &key).await?;
    let c = Conditions::default;
    let not_modified = Some(ErrorKind::NotModified);
    read_with(store, ctx, &key, c().with_if_none_match(etag.clone()), not_modified, "with the current ETag").await?;
    read_with(store, ctx, &key, c().with_if_none_match("*"), not_modified, "with if_none_match *").await?;
    read_with(store, ctx, &key, c().with_if_none_match("0123456789abcdef"), None, "with another ETag").await?;
    // After an overwrite, the old ETag no longer matches.
    put(store, ctx, &key, Bytes::from_static(b"changed")).await?;
    read_with(store, ctx, &key, c().with_if_none_match(etag), None, "with the ETag before an overwrite").await
}

/// `if_modified_since` the object's own modification time is `NotModified`; an hour before, it
/// reads it. (A time in the future is left out: HTTP lets servers ignore it.)
pub async fn check_read_if_modified_since(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("if-modified-since");
    put(store, ctx, &key, Bytes::from_static(b"body")).await?;
    let (_, modified) = version(store, ctx, &key).await?;
    let c = Conditions::default;
    let not_modified = Some(ErrorKind::NotModified);
    read_with(store, ctx, &key, c().with_if_modified_since(modified), not_modified, "since its modification").await?;
    let earlier = modified - Duration::hours(1);
    read_with(store, ctx, &key, c().with_if_modified_since(earlier), None, "since an hour before").await
}

/// `if_unmodified_since` an hour before the modification is `PreconditionFailed`; at it or
/// after, it reads the object.
pub async fn check_read_if_unmodified_since(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("if-unmodified-since");
    put(store, ctx, &key, Bytes::from_static(b"body")).await?;
    let (_, modified) = version(store, ctx, &key).await?;
    let c = Conditions::default;
    let failed = Some(ErrorKind::PreconditionFailed);
    let earlier = modified - Duration::hours(1);
    read_with(store, ctx, &key, c().with_if_unmodified_since(earlier), failed, "since an hour before").await?;
    read_with(store, ctx, &key, c().with_if_unmodified_since(modified), None, "since its modification").await?;
    let later = modified + Duration::hours(1);
    read_with(store, ctx, &key, c().with_if_unmodified_since(later), None, "since an hour after").await
}

/// Each read condition the backend does not claim is `Unsupported` on get and head.
pub async fn check_read_conditions_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("conditions-unsupported");
    put(store, ctx, &key, Bytes::from_static(b"body")).await?;
    let caps = ctx.capabilities();
    let c = Conditions::default;
    let now = Utc::now();
    let cases = [
        (caps.if_match, c().with_if_match("*"), "if_match"),
        (caps.if_none_match, c().with_if_none_match("0123456789abcdef"), "if_none_match"),
        (caps.if_modified_since, c().with_if_modified_since(now - Duration::days(1)), "if_modified_since"),
        (caps.if_unmodified_since, c().with_if_unmodified_since(now + Duration::days(1)), "if_unmodified_since"),
    ];
    for (supported, conditions, name) in cases {
        if !supported {
            read_with(store, ctx, &key, conditions, Some(ErrorKind::Unsupported), name).await?;
        }
    }
    Ok(())
}

/// An empty or malformed ETag in a condition or a put mode is `InvalidInput`, whatever the
/// backend supports, and nothing is stored.
pub async fn check_invalid_conditions(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("invalid-conditions");
    put(store, ctx, &key, Bytes::from_static(b"kept")).await?;
    for bad in ["", "\"\"", "two words", "quote\"inside"] {
        let c = Conditions::default;
        let invalid = Some(ErrorKind::InvalidInput);
        read_with(store, ctx, &key, c().with_if_match(bad), invalid, &format!("if_match {bad:?}")).await?;
        let none_match = c().with_if_none_match(bad);
        read_with(store, ctx, &key, none_match, invalid, &format!("if_none_match {bad:?}")).await?;
        let update = put_mode(store, ctx, &key, b"lost", PutMode::Update(bad.to_owned())).await;
        expect_kind(update, ErrorKind::InvalidInput, format!("PutMode::Update({bad:?})"))?;
    }
    ensure_same_bytes(&read(store, ctx.bucket(), &key).await?, b"kept", "the object after refused puts")
}

/// `CopyMode::Create` copies to a free key, and fails with `AlreadyExists` (keeping the
/// destination) once it is taken.
pub async fn check_copy_if_not_exists(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let (src, other, dst) = (ctx.key("copy-create/src"), ctx.key("copy-create/other"), ctx.key("copy-create/dst"));
    put(store, ctx, &src, Bytes::from_static(b"source")).await?;
    put(store, ctx, &other, Bytes::from_static(b"other")).await?;
    let create = || CopyOptions::default().with_mode(CopyMode::Create);
    store.copy_object(ctx.bucket(), &src, ctx.bucket(), &dst, create()).await.step("copy to a free key")?;
    ensure_same_bytes(&read(store, ctx.bucket(), &dst).await?, b"source", "the copy")?;
    let again = store.copy_object(ctx.bucket(), &other, ctx.bucket(), &dst, create()).await;
    expect_kind(again, ErrorKind::AlreadyExists, "copy onto an existing object")?;
    ensure_same_bytes(&read(store, ctx.bucket(), &dst).await?, b"source", "the destination after a refused copy")
}

/// Without `copy_if_not_exists`, `CopyMode::Create` is `Unsupported` and copies nothing.
pub async fn check_copy_if_not_exists_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let (src, dst) = (ctx.key("copy-create-unsupported/src"), ctx.key("copy-create-unsupported/dst"));
    put(store, ctx, &src, Bytes::from_static(b"source")).await?;
    let options = CopyOptions::default().with_mode(CopyMode::Create);
    expect_kind(
        store.copy_object(ctx.bucket(), &src, ctx.bucket(), &dst, options).await,
        ErrorKind::Unsupported,
        "CopyMode::Create",
    )?;
    expect_kind(store.head(ctx.bucket(), &dst).await, ErrorKind::NotFound, "the destination after an unsupported copy")
}

/// The content headers the backend claims.
fn claimed_headers(ctx: &Context) -> ContentHeaders {
    let caps = ctx.capabilities();
    let mut headers = ContentHeaders::default();
    if caps.cache_control {
        headers = headers.with_cache_control("max-age=3600, public");
    }
    if caps.content_disposition {
        headers = headers.with_content_disposition("attachment; filename=\"report.csv\"");
    }
    if caps.content_encoding {
        headers = headers.with_content_encoding("identity");
    }
    if caps.content_language {
        headers = headers.with_content_language("fr-CH");
    }
    headers
}

/// The content headers the backend claims come back from head and get, travel with copies, and
/// go away when the object is overwritten without them.
pub async fn check_content_headers_round_trip(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("with-headers.csv");
    let headers = claimed_headers(ctx);
    let options = PutOptions::default().with_content_type("text/csv").with_headers(headers.clone());
    put_with(store, ctx, &key, Bytes::from_static(b"a,b\n"), options).await?;
    let head = store.head(ctx.bucket(), &key).await.step("head")?;
    ensure_eq!(head.headers, headers, "head_object content headers");
    let got = store.get_object(ctx.bucket(), &key, GetOptions::default()).await.step("get")?;
    ensure_eq!(got.meta.headers, headers, "get_object content headers");
    ensure_same_bytes(&got.bytes().await.step("read the body")?, b"a,b\n", "the body")?;
    if ctx.capabilities().copy {
        let copy = ctx.key("with-headers-copy.csv");
        store.copy(ctx.bucket(), &key, ctx.bucket(), &copy).await.step("copy")?;
        let head = store.head(ctx.bucket(), &copy).await.step("head the copy")?;
        ensure_eq!(head.headers, headers, "the copy's content headers");
    }
    put(store, ctx, &key, Bytes::from_static(b"plain")).await?;
    let head = store.head(ctx.bucket(), &key).await.step("head after an overwrite")?;
    ensure_eq!(head.headers, ContentHeaders::default(), "content headers after an overwrite without them");
    Ok(())
}

/// Each content header the backend does not store is `Unsupported` on put, and nothing is stored.
pub async fn check_content_headers_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let caps = ctx.capabilities();
    let h = ContentHeaders::default;
    let cases = [
        (caps.cache_control, h().with_cache_control("no-cache"), "cache_control"),
        (caps.content_disposition, h().with_content_disposition("inline"), "content_disposition"),
        (caps.content_encoding, h().with_content_encoding("gzip"), "content_encoding"),
        (caps.content_language, h().with_content_language("de"), "content_language"),
    ];
    for (supported, headers, name) in cases {
        if supported {
            continue;
        }
        let key = ctx.key(&format!("unsupported-{name}"));
        let options = PutOptions::default().with_headers(headers);
        let put = store.put_object(ctx.bucket(), &key, PutPayload::from_bytes("x"), options).await;
        expect_kind(put, ErrorKind::Unsupported, format!("a put with {name}"))?;
        expect_kind(store.head(ctx.bucket(), &key).await, ErrorKind::NotFound, format!("the object after {name}"))?;
    }
    Ok(())
}

/// A content header value that cannot travel in HTTP (a line break, non-ASCII) is `InvalidInput`.
pub async fn check_invalid_content_headers(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let key = ctx.key("invalid-headers");
    for bad in ["", "a\r\nx-injected: 1", "café"] {
        let options = PutOptions::default().with_headers(ContentHeaders::default().with_cache_control(bad));
        let put = store.put_object(ctx.bucket(), &key, PutPayload::from_bytes("x"), options).await;
        expect_kind(put, ErrorKind::InvalidInput, format!("cache_control {bad:?}"))?;
    }
    expect_kind(store.head(ctx.bucket(), &key).await, ErrorKind::NotFound, "the object after refused puts")
}
