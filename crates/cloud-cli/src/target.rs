//! What a command-line argument names: a local path, or a bucket and key on a backend.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use cloud::storage::{ListOptions, StorageClient};
use cloud::{Error, Result, StorageClientExt};
use futures::TryStreamExt;

/// A command-line argument: a local path, or a URL opened with `cloud::storage::open_async`.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A file or directory on this machine.
    Local(PathBuf),
    /// A bucket (if the URL named one) and a key or prefix on a backend.
    Remote(Remote),
}

/// A location on a backend.
#[derive(Debug, Clone)]
pub(crate) struct Remote {
    /// The backend.
    pub(crate) client: Arc<dyn StorageClient>,
    /// The bucket, if the URL named one.
    pub(crate) bucket: Option<String>,
    /// The key or key prefix (possibly empty).
    pub(crate) key: String,
    /// The argument as given, for messages.
    pub(crate) url: String,
}

impl Remote {
    /// The bucket, or `InvalidInput` saying the URL needs one.
    pub(crate) fn bucket(&self) -> Result<&str> {
        self.bucket
            .as_deref()
            .ok_or_else(|| Error::invalid_input(format!("{} names no bucket: write scheme://bucket/key", self.url)))
    }

    /// The key, or `InvalidInput` saying the URL needs one.
    pub(crate) fn object_key(&self) -> Result<&str> {
        self.bucket()?;
        if self.key.is_empty() || self.key.ends_with('/') {
            return Err(Error::invalid_input(format!("{} names no object: write scheme://bucket/key", self.url)));
        }
        Ok(&self.key)
    }

    /// The key as a directory prefix: empty, or ending with `/`.
    pub(crate) fn dir_prefix(&self) -> String {
        dir_prefix(&self.key)
    }

    /// The same bucket with another key.
    pub(crate) fn with_key(&self, key: String) -> Self {
        Self { key, ..self.clone() }
    }
}

/// `key` as a directory prefix: empty, or ending with `/`.
pub(crate) fn dir_prefix(key: &str) -> String {
    if key.is_empty() || key.ends_with('/') { key.to_owned() } else { format!("{key}/") }
}

impl Target {
    /// A URL (anything with `://`) opens its backend; anything else is a local path.
    pub(crate) async fn parse(arg: &str) -> Result<Self> {
        if arg.contains("://") {
            let location = cloud::storage::open_async(arg).await?;
            Ok(Self::Remote(Remote {
                client: location.client,
                bucket: location.bucket,
                key: location.prefix,
                url: arg.to_owned(),
            }))
        } else {
            Ok(Self::Local(PathBuf::from(arg)))
        }
    }

    /// The remote location, or `InvalidInput` for a local path.
    pub(crate) fn remote(self, command: &str) -> Result<Remote> {
        match self {
            Self::Remote(remote) => Ok(remote),
            Self::Local(path) => Err(Error::invalid_input(format!(
                "`cloud {command}` takes a URL, not the local path {}: write s3://bucket/key, swift://container/key or file:///dir",
                path.display()
            ))),
        }
    }
}

/// One object found under a directory or prefix.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Its name relative to the directory or prefix, with `/` between components.
    pub(crate) name: String,
    /// Its size in bytes.
    pub(crate) size: u64,
    /// When it was last written.
    pub(crate) modified: Option<DateTime<Utc>>,
    /// Its ETag (remote objects only).
    pub(crate) etag: Option<String>,
}

/// Every object under `target` (a directory or prefix), sorted by name. A directory that does
/// not exist holds nothing.
pub(crate) async fn walk(target: &Target) -> Result<Vec<Entry>> {
    let mut entries = match target {
        Target::Local(root) => {
            let root = root.clone();
            tokio::task::spawn_blocking(move || walk_dir(&root))
                .await
                .map_err(|e| Error::new(cloud::ErrorKind::Unexpected, format!("directory walk failed: {e}")))??
        }
        Target::Remote(remote) => {
            let bucket = remote.bucket()?;
            let prefix = remote.dir_prefix();
            let listing = remote.client.list_objects(bucket, ListOptions::default().with_prefix(prefix.clone()));
            listing
                .map_ok(|meta| Entry {
                    name: meta.key.strip_prefix(&prefix).unwrap_or(&meta.key).to_owned(),
                    size: meta.size,
                    modified: meta.last_modified,
                    etag: meta.etag,
                })
                .try_collect()
                .await?
        }
    };
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// The files under `root`, recursively (symbolic links followed).
fn walk_dir(root: &Path) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    if !root.exists() {
        return Ok(out);
    }
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        for item in std::fs::read_dir(&dir).map_err(|e| local_error(e, &dir))? {
            let item = item.map_err(|e| local_error(e, &dir))?;
            let path = item.path();
            let name = item
                .file_name()
                .into_string()
                .map_err(|n| Error::invalid_input(format!("{} is not UTF-8: rename it", Path::new(&n).display())))?;
            let meta = std::fs::metadata(&path).map_err(|e| local_error(e, &path))?;
            if meta.is_dir() {
                stack.push((path, format!("{rel}{name}/")));
            } else {
                let modified = meta.modified().ok().map(DateTime::<Utc>::from);
                out.push(Entry { name: format!("{rel}{name}"), size: meta.len(), modified, etag: None });
            }
        }
    }
    Ok(out)
}

/// A local I/O error, naming the path.
pub(crate) fn local_error(error: std::io::Error, path: &Path) -> Error {
    Error::from(error).with_operation(format!("{}", path.display()))
}
