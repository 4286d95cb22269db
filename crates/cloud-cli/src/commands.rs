//! The commands.

use std::collections::BTreeMap;
use std::io::Write;

use cloud::storage::{
    CreateBucketOptions, GetOptions, HeadOptions, ListEntry, ListOptions, PresignMethod, PresignOptions,
};
use cloud::{Error, Result, StorageClientExt};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use tokio::io::AsyncWriteExt;

use crate::output::print_json;
use crate::progress::Progress;
use crate::target::{Entry, Remote, Target, dir_prefix, walk};
use crate::transfer::{self, Place};
use crate::{Cli, Command, TransferArgs};

/// Runs the command line.
pub(crate) async fn run(cli: Cli) -> Result<()> {
    let progress = Progress::new(cli.global.quiet, cli.global.progress);
    let jobs = usize::from(cli.global.jobs);
    let quiet = cli.global.quiet;
    match cli.command {
        Command::Ls { url, recursive, long, json } => {
            ls(Target::parse(&url).await?.remote("ls")?, recursive, long, json).await
        }
        Command::Cp(args) => transfer(&args, false, &progress, jobs, quiet).await,
        Command::Mv(args) => transfer(&args, true, &progress, jobs, quiet).await,
        Command::Sync { src, dst, dry_run, delete } => {
            let src = Target::parse(&src).await?;
            let dst = Target::parse(&dst).await?;
            sync(&src, &dst, dry_run, delete, &progress, jobs, quiet).await
        }
        Command::Rm { url, recursive } => rm(Target::parse(&url).await?.remote("rm")?, recursive, quiet).await,
        Command::Cat { url } => cat(Target::parse(&url).await?.remote("cat")?).await,
        Command::Stat { url, json } => stat(Target::parse(&url).await?.remote("stat")?, json).await,
        Command::Mb { url } => {
            let remote = Target::parse(&url).await?.remote("mb")?;
            remote.client.create_bucket(remote.bucket()?, CreateBucketOptions::default()).await
        }
        Command::Rb { url } => {
            let remote = Target::parse(&url).await?.remote("rb")?;
            remote.client.delete_bucket(remote.bucket()?).await
        }
        Command::Presign { url, expires, put } => {
            let remote = Target::parse(&url).await?.remote("presign")?;
            let method = if put { PresignMethod::Put } else { PresignMethod::Get };
            let presigned = remote
                .client
                .presign(method, remote.bucket()?, remote.object_key()?, PresignOptions::new(expires))
                .await?;
            println!("{}", presigned.url);
            Ok(())
        }
        Command::Compute(command) => crate::compute::run(command, quiet).await,
        Command::Dns(command) => crate::dns::run(command).await,
    }
}

/// One line of `ls --json`.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Listed {
    Bucket { name: String, created_at: Option<String> },
    Prefix { prefix: String },
    Object { key: String, size: u64, last_modified: Option<String>, etag: Option<String> },
}

async fn ls(remote: Remote, recursive: bool, long: bool, json: bool) -> Result<()> {
    let mut listed = Vec::new();
    match &remote.bucket {
        None => {
            let mut buckets = remote.client.list_buckets();
            while let Some(bucket) = buckets.try_next().await? {
                listed
                    .push(Listed::Bucket { name: bucket.name, created_at: bucket.created_at.map(|t| t.to_rfc3339()) });
            }
        }
        Some(bucket) => {
            let mut options = ListOptions::default().with_prefix(remote.key.clone());
            if !recursive {
                options = options.with_delimiter("/");
            }
            let mut entries = remote.client.list_entries(bucket, options);
            while let Some(entry) = entries.try_next().await? {
                listed.push(match entry {
                    ListEntry::Prefix(prefix) => Listed::Prefix { prefix },
                    ListEntry::Object(meta) => Listed::Object {
                        key: meta.key,
                        size: meta.size,
                        last_modified: meta.last_modified.map(|t| t.to_rfc3339()),
                        etag: meta.etag,
                    },
                });
            }
        }
    }
    if json {
        return print_json(&listed);
    }
    let mut out = std::io::stdout().lock();
    for item in &listed {
        match item {
            Listed::Bucket { name, created_at } if long => {
                writeln!(out, "{:>25}  {name}", created_at.as_deref().unwrap_or("-"))?;
            }
            Listed::Bucket { name, .. } => writeln!(out, "{name}")?,
            Listed::Prefix { prefix } if long => writeln!(out, "{:>12}  {:>25}  {prefix}", "PRE", "")?,
            Listed::Prefix { prefix } => writeln!(out, "{prefix}")?,
            Listed::Object { key, size, last_modified, .. } if long => {
                writeln!(out, "{size:>12}  {:>25}  {key}", last_modified.as_deref().unwrap_or("-"))?;
            }
            Listed::Object { key, .. } => writeln!(out, "{key}")?,
        }
    }
    Ok(())
}

/// `cp` and `mv`.
async fn transfer(
    args: &TransferArgs,
    remove_source: bool,
    progress: &Progress,
    jobs: usize,
    quiet: bool,
) -> Result<()> {
    let src = Target::parse(&args.src).await?;
    let dst = Target::parse(&args.dst).await?;
    let pairs = if args.recursive {
        let entries = walk(&src).await?;
        if entries.is_empty() {
            return Err(Error::not_found(format!("nothing under {}", args.src)));
        }
        entries.iter().map(|e| (under(&src, &e.name), under(&dst, &e.name), e.size)).collect()
    } else {
        let src_place = single(&src)?;
        let dst_place = match &dst {
            Target::Local(path) if args.dst.ends_with('/') || path.is_dir() => Place::File(path.join(base_name(&src)?)),
            Target::Remote(remote) if remote.key.is_empty() || remote.key.ends_with('/') => {
                Place::Object(remote.with_key(format!("{}{}", remote.key, base_name(&src)?)))
            }
            _ => single(&dst)?,
        };
        vec![(src_place, dst_place, 0)]
    };
    let (count, bytes) = run_copies(pairs.clone(), progress, jobs).await?;
    if remove_source {
        for (src, _, _) in &pairs {
            src.delete().await?;
        }
    }
    if !quiet && pairs.len() > 1 {
        eprintln!("{} {count} objects, {bytes} bytes", if remove_source { "moved" } else { "copied" });
    }
    Ok(())
}

/// Copies each pair, `jobs` at a time; returns how many and how many bytes.
async fn run_copies(pairs: Vec<(Place, Place, u64)>, progress: &Progress, jobs: usize) -> Result<(u64, u64)> {
    let results: Vec<u64> = futures::stream::iter(pairs)
        .map(|(src, dst, size)| {
            let bar = progress.bar(&display_name(&src), Some(size));
            async move {
                transfer::copy(&src, &dst, &bar)
                    .await
                    .map_err(|e| e.with_operation(format!("copy {} to {}", src.describe(), dst.describe())))
            }
        })
        .buffer_unordered(jobs)
        .try_collect()
        .await?;
    Ok((results.len() as u64, results.iter().sum()))
}

/// The name shown on a bar.
fn display_name(place: &Place) -> String {
    match place {
        Place::File(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        Place::Object(remote) => remote.key.rsplit('/').next().unwrap_or(&remote.key).to_owned(),
    }
}

/// The file or object `target` names.
fn single(target: &Target) -> Result<Place> {
    match target {
        Target::Local(path) if path.is_dir() => {
            Err(Error::invalid_input(format!("{} is a directory: add -r to copy what it holds", path.display())))
        }
        Target::Local(path) => Ok(Place::File(path.clone())),
        Target::Remote(remote) => {
            remote.object_key()?;
            Ok(Place::Object(remote.clone()))
        }
    }
}

/// The last component of what `target` names.
fn base_name(target: &Target) -> Result<String> {
    let name = match target {
        Target::Local(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
        Target::Remote(remote) => remote.key.rsplit('/').next().filter(|n| !n.is_empty()).map(str::to_owned),
    };
    name.ok_or_else(|| Error::invalid_input("the source names no file or object"))
}

/// `name` (relative, `/`-separated) under the directory or prefix `target`.
fn under(target: &Target, name: &str) -> Place {
    match target {
        Target::Local(root) => Place::File(name.split('/').fold(root.clone(), |path, part| path.join(part))),
        Target::Remote(remote) => Place::Object(remote.with_key(format!("{}{name}", remote.dir_prefix()))),
    }
}

async fn rm(remote: Remote, recursive: bool, quiet: bool) -> Result<()> {
    let bucket = remote.bucket()?;
    if recursive {
        let deleted = remote.client.delete_prefix(bucket, &dir_prefix(&remote.key)).await?;
        if !quiet {
            eprintln!("deleted {deleted} objects");
        }
        Ok(())
    } else {
        let key = remote.object_key()?;
        // Deleting a missing object succeeds on most backends; say so instead.
        remote.client.head_object(bucket, key, HeadOptions::default()).await?;
        remote.client.delete_object(bucket, key, Default::default()).await
    }
}

async fn cat(remote: Remote) -> Result<()> {
    let result = remote.client.get_object(remote.bucket()?, remote.object_key()?, GetOptions::default()).await?;
    let mut body = result.into_stream();
    let mut stdout = tokio::io::stdout();
    while let Some(chunk) = body.try_next().await? {
        stdout.write_all(&chunk).await?;
    }
    stdout.flush().await?;
    Ok(())
}

/// `stat --json`.
#[derive(Debug, Serialize)]
struct Stat {
    key: String,
    size: u64,
    last_modified: Option<String>,
    etag: Option<String>,
    content_type: Option<String>,
    metadata: BTreeMap<String, String>,
}

async fn stat(remote: Remote, json: bool) -> Result<()> {
    let meta = remote.client.head_object(remote.bucket()?, remote.object_key()?, HeadOptions::default()).await?;
    let stat = Stat {
        key: meta.key,
        size: meta.size,
        last_modified: meta.last_modified.map(|t| t.to_rfc3339()),
        etag: meta.etag,
        content_type: meta.content_type,
        metadata: meta.metadata,
    };
    if json {
        return print_json(&stat);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "key:           {}", stat.key)?;
    writeln!(out, "size:          {}", stat.size)?;
    writeln!(out, "last modified: {}", stat.last_modified.as_deref().unwrap_or("-"))?;
    writeln!(out, "etag:          {}", stat.etag.as_deref().unwrap_or("-"))?;
    writeln!(out, "content type:  {}", stat.content_type.as_deref().unwrap_or("-"))?;
    for (name, value) in &stat.metadata {
        writeln!(out, "metadata:      {name}={value}")?;
    }
    Ok(())
}

/// Whether `dst` already holds what `src` holds: same size, and the same ETag when both have
/// one, else `dst` written no earlier than `src`.
fn up_to_date(src: &Entry, dst: &Entry) -> bool {
    if src.size != dst.size {
        return false;
    }
    match (&src.etag, &dst.etag) {
        (Some(a), Some(b)) if a.trim_matches('"') == b.trim_matches('"') => true,
        _ => match (src.modified, dst.modified) {
            (Some(s), Some(d)) => d >= s,
            _ => false,
        },
    }
}

async fn sync(
    src: &Target,
    dst: &Target,
    dry_run: bool,
    delete: bool,
    progress: &Progress,
    jobs: usize,
    quiet: bool,
) -> Result<()> {
    if let Target::Local(path) = src
        && !path.is_dir()
    {
        return Err(Error::not_found(format!("{} is not a directory", path.display())));
    }
    let (src_entries, dst_entries) = futures::try_join!(walk(src), walk(dst))?;
    let existing: BTreeMap<&str, &Entry> = dst_entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let wanted: Vec<&Entry> =
        src_entries.iter().filter(|e| existing.get(e.name.as_str()).is_none_or(|d| !up_to_date(e, d))).collect();
    let names: std::collections::BTreeSet<&str> = src_entries.iter().map(|e| e.name.as_str()).collect();
    let extra: Vec<&Entry> =
        if delete { dst_entries.iter().filter(|e| !names.contains(e.name.as_str())).collect() } else { Vec::new() };
    if dry_run {
        let mut out = std::io::stdout().lock();
        for entry in &wanted {
            writeln!(out, "copy {}", entry.name)?;
        }
        for entry in &extra {
            writeln!(out, "delete {}", entry.name)?;
        }
        return Ok(());
    }
    let pairs = wanted.iter().map(|e| (under(src, &e.name), under(dst, &e.name), e.size)).collect();
    let (count, bytes) = run_copies(pairs, progress, jobs).await?;
    for entry in &extra {
        under(dst, &entry.name).delete().await?;
    }
    if !quiet {
        eprintln!("copied {count} objects, {bytes} bytes; deleted {}", extra.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn entry(size: u64, etag: Option<&str>, modified: i64) -> Entry {
        Entry {
            name: "a".into(),
            size,
            modified: chrono::DateTime::from_timestamp(modified, 0),
            etag: etag.map(str::to_owned),
        }
    }

    #[test]
    fn sync_compares_size_then_etag_then_time() {
        assert!(!up_to_date(&entry(1, None, 10), &entry(2, None, 20)));
        assert!(up_to_date(&entry(1, Some("\"x\""), 30), &entry(1, Some("x"), 20)));
        assert!(up_to_date(&entry(1, None, 10), &entry(1, Some("y"), 20)));
        assert!(!up_to_date(&entry(1, None, 30), &entry(1, Some("y"), 20)));
        assert!(!up_to_date(&entry(1, Some("x"), 30), &entry(1, Some("y"), 20)));
    }

    #[test]
    fn names_go_under_directories_and_prefixes() {
        let Place::File(path) = under(&Target::Local("/d".into()), "a b/é.txt") else { panic!() };
        assert_eq!(path, Path::new("/d/a b/é.txt"));
    }
}
