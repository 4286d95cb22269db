//! Listing checks: prefixes, order, pages.

use bytes::Bytes;

use super::{list, list_keys, put};
use crate::StorageClient;
use crate::conformance::{CheckResult, Context, pattern_bytes};
use crate::storage::ListOptions;

/// Puts each name (under the check's prefix) with a one-byte body; returns the full keys.
async fn put_all(store: &dyn StorageClient, ctx: &Context, names: &[&str]) -> CheckResult<Vec<String>> {
    let mut keys = Vec::with_capacity(names.len());
    for name in names {
        let key = ctx.key(name);
        put(store, ctx, &key, Bytes::from_static(b".")).await?;
        keys.push(key);
    }
    Ok(keys)
}

fn keys(ctx: &Context, names: &[&str]) -> Vec<String> {
    names.iter().map(|n| ctx.key(n)).collect()
}

/// Listing a prefix returns exactly the keys under it, nested ones included, in order.
pub async fn check_list_prefix(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["b/1", "a/2", "a/sub/3", "ab", "a/1"]).await?;
    let listed = list_keys(store, ctx.bucket(), &ctx.key("a/")).await?;
    ensure_eq!(listed, keys(ctx, &["a/1", "a/2", "a/sub/3"]), "keys under \"a/\"");
    let listed = list_keys(store, ctx.bucket(), ctx.prefix()).await?;
    ensure_eq!(listed, keys(ctx, &["a/1", "a/2", "a/sub/3", "ab", "b/1"]), "keys under the check's prefix");
    Ok(())
}

/// A prefix is a string prefix, not a path: `dir` matches `dir/x`, `dir2/y` and `dirt`.
pub async fn check_list_prefix_is_a_string_prefix(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["dir/x", "dir2/y", "dirt", "di"]).await?;
    let cases: [(&str, &[&str]); 5] = [
        ("dir", &["dir/x", "dir2/y", "dirt"]),
        ("dir/", &["dir/x"]),
        ("dir2", &["dir2/y"]),
        ("d", &["di", "dir/x", "dir2/y", "dirt"]),
        ("dir/x", &["dir/x"]),
    ];
    for (prefix, expected) in cases {
        let listed = list_keys(store, ctx.bucket(), &ctx.key(prefix)).await?;
        ensure_eq!(listed, keys(ctx, expected), "keys under {prefix:?}");
    }
    Ok(())
}

/// A listing shows nothing outside its prefix, however close the neighbours' names are.
pub async fn check_list_does_not_leak(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["p/inner", "p-sibling", "p0", "o/before", "q/after", "P/upper"]).await?;
    let listed = list_keys(store, ctx.bucket(), &ctx.key("p/")).await?;
    ensure_eq!(listed, keys(ctx, &["p/inner"]), "keys under \"p/\"");
    let listed = list_keys(store, ctx.bucket(), &ctx.key("P")).await?;
    ensure_eq!(listed, keys(ctx, &["P/upper"]), "keys under \"P\" (prefixes are case-sensitive)");
    Ok(())
}

/// A prefix with nothing under it lists nothing, without an error.
pub async fn check_list_empty_prefix(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["something"]).await?;
    for prefix in ["nothing-here/", "nothing-here", "somethingelse", "something/"] {
        let listed = list_keys(store, ctx.bucket(), &ctx.key(prefix)).await?;
        ensure!(listed.is_empty(), "listing {prefix:?} returned {listed:?}");
    }
    Ok(())
}

/// Listings are in byte order of the UTF-8 keys, whatever the order of the puts.
pub async fn check_list_order(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let names = ["z", "a0", "é", "a.b", "A", "a-b", "a/b", "~", "ab", "a#", "a$", "a%", "a b", "aB", "Z", "0", "a!"];
    let mut expected = put_all(store, ctx, &names).await?;
    expected.sort();
    let listed = list_keys(store, ctx.bucket(), ctx.prefix()).await?;
    ensure_eq!(listed, expected, "listing order");
    Ok(())
}

/// Listed sizes match the objects.
pub async fn check_list_sizes(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let sizes = [0usize, 1, 1000, 70_000];
    for (i, size) in sizes.iter().enumerate() {
        put(store, ctx, &ctx.key(&format!("sized/{i}")), pattern_bytes(40 + i as u64, *size)).await?;
    }
    let listed = list(store, ctx.bucket(), ListOptions::default().with_prefix(ctx.key("sized/"))).await?;
    let got: Vec<(String, u64)> = listed.into_iter().map(|m| (m.key, m.size)).collect();
    let expected: Vec<(String, u64)> =
        sizes.iter().enumerate().map(|(i, s)| (ctx.key(&format!("sized/{i}")), *s as u64)).collect();
    ensure_eq!(got, expected, "listed keys and sizes");
    Ok(())
}

/// With a small page size the listing spans several pages and still yields every key once, in
/// order (page sizes that divide the count exactly included).
pub async fn check_list_pages(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    let names: Vec<String> = (0..7).map(|i| format!("paged/{i:02}")).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let expected = put_all(store, ctx, &name_refs).await?;
    put_all(store, ctx, &["paged-not/x", "pagee"]).await?;
    for page_size in [1, 2, 3, 7, 8] {
        let options = ListOptions::default().with_prefix(ctx.key("paged/")).with_page_size(page_size);
        let listed: Vec<String> = list(store, ctx.bucket(), options).await?.into_iter().map(|m| m.key).collect();
        ensure_eq!(listed, expected, "keys listed with page size {page_size}");
    }
    Ok(())
}
