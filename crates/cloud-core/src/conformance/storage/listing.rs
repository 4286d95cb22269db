//! Listing checks: prefixes, order, pages, delimiters, start keys.

use bytes::Bytes;
use futures::TryStreamExt;

use super::{list, list_keys, put};
use crate::conformance::{CheckResult, Context, ResultExt, expect_kind, pattern_bytes};
use crate::storage::{ListEntry, ListOptions};
use crate::{ErrorKind, StorageClient, StorageClientExt};

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

/// Lists with options, collecting the entries as `("o", key)` or `("p", prefix)`, without the
/// check's prefix, so failures read well.
async fn entries(
    store: &dyn StorageClient,
    ctx: &Context,
    options: ListOptions,
) -> CheckResult<Vec<(&'static str, String)>> {
    let what = format!("list {options:?}");
    let listed: Vec<ListEntry> = store.list_entries(ctx.bucket(), options).try_collect().await.step(what)?;
    Ok(listed
        .into_iter()
        .map(|e| {
            let tag = if matches!(e, ListEntry::Object(_)) { "o" } else { "p" };
            (tag, e.name().strip_prefix(ctx.prefix()).unwrap_or(e.name()).to_owned())
        })
        .collect())
}

fn expected(items: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    items.iter().map(|(t, n)| (*t, (*n).to_owned())).collect()
}

/// Lists `prefix` (under the check's prefix) with `delimiter` and an optional page size.
fn delimited(ctx: &Context, prefix: &str, delimiter: &str, page_size: Option<u32>) -> ListOptions {
    let mut options = ListOptions::default().with_prefix(ctx.key(prefix)).with_delimiter(delimiter);
    options.page_size = page_size;
    options
}

/// With delimiter `/`, nested keys roll up into one common prefix per first segment, at every
/// level, objects and prefixes in one key-ordered listing.
pub async fn check_list_delimiter_nested(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["d/a", "d/b/1", "d/b/2", "d/c/x/y", "d/c/z", "d/e", "d0"]).await?;
    let want = expected(&[("o", "d/a"), ("p", "d/b/"), ("p", "d/c/"), ("o", "d/e")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "d/", "/", None)).await?, want, "entries under \"d/\"");
    let want = expected(&[("p", "d/c/x/"), ("o", "d/c/z")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "d/c/", "/", None)).await?, want, "entries under \"d/c/\"");
    let want = expected(&[("p", "d/"), ("o", "d0")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "", "/", None)).await?, want, "entries under the check's prefix");
    let want = expected(&[("p", "d/b/")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "d/b", "/", None)).await?, want, "entries under \"d/b\"");
    ensure_eq!(entries(store, ctx, delimited(ctx, "nothing/", "/", None)).await?, expected(&[]), "an empty listing");
    Ok(())
}

/// A key equal to the listing's prefix is an object of the listing; keys that only start with it
/// are objects or prefixes by what follows.
pub async fn check_list_delimiter_key_equal_to_prefix(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["k/a", "k/a.txt", "k/ab/c", "k/b"]).await?;
    let want = expected(&[("o", "k/a"), ("o", "k/a.txt"), ("p", "k/ab/")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "k/a", "/", None)).await?, want, "entries under \"k/a\"");
    let want = expected(&[("o", "k/a.txt")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "k/a.txt", "/", None)).await?, want, "entries under \"k/a.txt\"");
    let want = expected(&[("o", "k/ab/c")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "k/ab/c", "/", None)).await?, want, "entries under \"k/ab/c\"");
    Ok(())
}

/// Keys holding the delimiter twice or more roll up at the first one after the prefix; `x-y`
/// sorts before the prefix `x/` (`-` < `/`).
pub async fn check_list_delimiter_twice(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["t/x/y/z", "t/x/w", "t/x-y", "t/x/y/v/u"]).await?;
    let want = expected(&[("o", "t/x-y"), ("p", "t/x/")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "t/", "/", None)).await?, want, "entries under \"t/\"");
    let want = expected(&[("o", "t/x/w"), ("p", "t/x/y/")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "t/x/", "/", None)).await?, want, "entries under \"t/x/\"");
    let want = expected(&[("p", "t/x/y/v/"), ("o", "t/x/y/z")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "t/x/y/", "/", None)).await?, want, "entries under \"t/x/y/\"");
    Ok(())
}

/// Another one-character delimiter than `/` works the same way.
pub async fn check_list_delimiter_other_character(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["c/a|b|c", "c/a|d", "c/e", "c/f/g|h"]).await?;
    let want = expected(&[("p", "c/a|"), ("o", "c/e"), ("p", "c/f/g|")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "c/", "|", None)).await?, want, "entries under \"c/\" with '|'");
    Ok(())
}

/// A delimiter of several characters rolls keys up at the whole string.
pub async fn check_list_delimiter_multi_char(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["m/a::b::c", "m/a::d", "m/a:e", "m/f"]).await?;
    let want = expected(&[("p", "m/a::"), ("o", "m/a:e"), ("o", "m/f")]);
    ensure_eq!(entries(store, ctx, delimited(ctx, "m/", "::", None)).await?, want, "entries under \"m/\" with \"::\"");
    Ok(())
}

/// Delimiter listings across small pages list each prefix once and lose nothing.
pub async fn check_list_delimiter_pages(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["g/a", "g/b/1", "g/b/2", "g/b/3", "g/c", "g/d/1", "g/d/2", "g/e"]).await?;
    let want = expected(&[("o", "g/a"), ("p", "g/b/"), ("o", "g/c"), ("p", "g/d/"), ("o", "g/e")]);
    for page_size in [1, 2, 3] {
        let got = entries(store, ctx, delimited(ctx, "g/", "/", Some(page_size))).await?;
        ensure_eq!(got, want, "entries under \"g/\" in pages of {page_size}");
    }
    Ok(())
}

/// Without `list_delimiter`, a delimiter is `Unsupported`.
pub async fn check_list_delimiter_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["u/a/b"]).await?;
    let listed: Result<Vec<ListEntry>, _> =
        store.list_entries(ctx.bucket(), delimited(ctx, "u/", "/", None)).try_collect().await;
    expect_kind(listed, ErrorKind::Unsupported, "a listing with a delimiter")
}

/// An empty delimiter, a longer one where the backend allows one character, an empty start key and
/// a start key past every key under the prefix are `InvalidInput`; `list_objects` refuses a
/// delimiter.
pub async fn check_list_invalid_options(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["i/a"]).await?;
    let caps = ctx.capabilities();
    let mut bad = vec![
        ("an empty delimiter", ListOptions::default().with_prefix(ctx.key("i/")).with_delimiter("")),
        ("an empty start_after", ListOptions::default().with_prefix(ctx.key("i/")).with_start_after("")),
        (
            "a start_after past every key",
            ListOptions::default().with_prefix(ctx.key("i/")).with_start_after(ctx.key("j")),
        ),
    ];
    if caps.list_delimiter && !caps.list_delimiter_multi_char {
        bad.push(("a two-character delimiter", delimited(ctx, "i/", "::", None)));
    }
    for (what, options) in bad {
        let listed: Result<Vec<ListEntry>, _> = store.list_entries(ctx.bucket(), options).try_collect().await;
        expect_kind(listed, ErrorKind::InvalidInput, what)?;
    }
    let flat: Result<Vec<_>, _> = store.list_objects(ctx.bucket(), delimited(ctx, "i/", "/", None)).try_collect().await;
    expect_kind(flat, ErrorKind::InvalidInput, "list_objects with a delimiter")
}

/// `start_after` lists only the keys after it (existing or not), in pages too.
pub async fn check_list_start_after(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["s/0", "s/1", "s/2", "s/3", "s/4"]).await?;
    let after = |start: &str, page_size: Option<u32>| {
        let mut options = ListOptions::default().with_prefix(ctx.key("s/")).with_start_after(ctx.key(start));
        options.page_size = page_size;
        options
    };
    for page_size in [None, Some(1), Some(2)] {
        let want = expected(&[("o", "s/2"), ("o", "s/3"), ("o", "s/4")]);
        ensure_eq!(entries(store, ctx, after("s/1", page_size)).await?, want, "after \"s/1\" (pages {page_size:?})");
        ensure_eq!(entries(store, ctx, after("s/1x", page_size)).await?, want, "after \"s/1x\" (pages {page_size:?})");
    }
    let want = expected(&[("o", "s/0"), ("o", "s/1"), ("o", "s/2"), ("o", "s/3"), ("o", "s/4")]);
    ensure_eq!(entries(store, ctx, after("r", None)).await?, want, "after a key before the prefix");
    ensure_eq!(entries(store, ctx, after("s/4", None)).await?, expected(&[]), "after the last key");
    Ok(())
}

/// With a delimiter, `start_after` applies to entry names: a common prefix is listed only if it
/// sorts after the start key, so a listing resumes after the last entry it returned.
pub async fn check_list_start_after_with_delimiter(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["w/0", "w/d/1", "w/d/2", "w/e"]).await?;
    let after = |start: &str| delimited(ctx, "w/", "/", None).with_start_after(ctx.key(start));
    let want = expected(&[("p", "w/d/"), ("o", "w/e")]);
    ensure_eq!(entries(store, ctx, after("w/0")).await?, want, "after \"w/0\"");
    ensure_eq!(entries(store, ctx, after("w/c")).await?, want, "after \"w/c\"");
    for start in ["w/d/", "w/d/1", "w/d/2"] {
        ensure_eq!(entries(store, ctx, after(start)).await?, expected(&[("o", "w/e")]), "after {start:?}");
    }
    Ok(())
}

/// Without `list_start_after`, a start key is `Unsupported`.
pub async fn check_list_start_after_unsupported(store: &dyn StorageClient, ctx: &Context) -> CheckResult {
    put_all(store, ctx, &["v/a"]).await?;
    let options = ListOptions::default().with_prefix(ctx.key("v/")).with_start_after(ctx.key("v/"));
    let listed: Result<Vec<ListEntry>, _> = store.list_entries(ctx.bucket(), options).try_collect().await;
    expect_kind(listed, ErrorKind::Unsupported, "a listing with start_after")
}
