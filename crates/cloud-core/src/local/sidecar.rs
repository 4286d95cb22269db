//! Sidecar files: where [`LocalStorage`](super::LocalStorage) keeps content types and user metadata,
//! which `object_store`'s `LocalFileSystem` does not store.
//!
//! # Layout
//!
//! The sidecar of key `k` in bucket `b` is `<root>/.cloud-meta/b/<escaped k>#meta`, a small JSON
//! document. It lives outside every bucket directory, so listings never see it, and its name ends
//! in `#meta` while escaped key segments never hold a `#`, so no sidecar can stand where a key's
//! directory must be. `.cloud-meta` itself cannot be a bucket: bucket names start with a letter or
//! a digit. Sidecars are written to `<root>/.cloud-meta/.tmp/` first and renamed into place.
//!
//! # Consistency
//!
//! A sidecar records the entity tag (inode, modification time and size) of the file it describes,
//! and is used only while the object still has that tag. The object's file is published first and
//! its sidecar second, so a reader in between sees the new object without metadata, never the new
//! object with the old metadata; a stale sidecar (left by a crash or by another process) is ignored.

use std::collections::BTreeMap;
use std::io::{ErrorKind as Io, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::storage::{ContentHeaders, PutOptions};

/// The name of the directory, directly under the root, that holds the sidecars.
pub(crate) const META_DIR: &str = ".cloud-meta";
const TMP_DIR: &str = ".tmp";
const SUFFIX: &str = "#meta";
const FORMAT_VERSION: u32 = 1;

/// What a sidecar describes: the content type and user metadata of one version of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Attrs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) content_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) content_language: Option<String>,
}

impl Attrs {
    /// The attributes a put stores.
    pub(crate) fn from_options(options: PutOptions) -> Self {
        let headers = options.headers;
        Self {
            content_type: options.content_type,
            metadata: options.metadata,
            cache_control: headers.cache_control,
            content_disposition: headers.content_disposition,
            content_encoding: headers.content_encoding,
            content_language: headers.content_language,
        }
    }

    /// The content headers recorded.
    pub(crate) fn headers(&self) -> ContentHeaders {
        let mut headers = ContentHeaders::default();
        headers.cache_control.clone_from(&self.cache_control);
        headers.content_disposition.clone_from(&self.content_disposition);
        headers.content_encoding.clone_from(&self.content_encoding);
        headers.content_language.clone_from(&self.content_language);
        headers
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.content_type.is_none() && self.metadata.is_empty() && self.headers().is_empty()
    }
}

#[derive(Serialize, Deserialize)]
struct Document {
    version: u32,
    etag: String,
    #[serde(flatten)]
    attrs: Attrs,
}

/// The sidecar tree under a root. All methods block: call them on the blocking pool.
#[derive(Debug, Clone)]
pub(crate) struct Sidecars {
    dir: PathBuf,
    /// Whether written sidecars (and the directories they are renamed into) are synced to disk.
    fsync: bool,
}

impl Sidecars {
    pub(crate) fn new(root: &Path, fsync: bool) -> Self {
        Self { dir: root.join(META_DIR), fsync }
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.dir.join(bucket)
    }

    /// The sidecar file of an escaped key.
    fn file(&self, bucket: &str, escaped_key: &str) -> PathBuf {
        let mut path = self.bucket_dir(bucket);
        let mut segments = escaped_key.split('/').peekable();
        while let Some(segment) = segments.next() {
            if segments.peek().is_some() {
                path.push(segment);
            } else {
                path.push(format!("{segment}{SUFFIX}"));
            }
        }
        path
    }

    /// The attributes of the object version tagged `etag`; empty when there is no sidecar, or
    /// when it describes another version.
    pub(crate) fn read(&self, bucket: &str, escaped_key: &str, etag: &str) -> std::io::Result<Attrs> {
        let path = self.file(bucket, escaped_key);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if matches!(e.kind(), Io::NotFound | Io::NotADirectory) => return Ok(Attrs::default()),
            Err(e) => return Err(e),
        };
        match serde_json::from_slice::<Document>(&text) {
            Ok(doc) if doc.version == FORMAT_VERSION && doc.etag == etag => Ok(doc.attrs),
            Ok(_) => {
                tracing::debug!(path = %path.display(), "ignoring a sidecar of another object version");
                Ok(Attrs::default())
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "ignoring an unreadable sidecar");
                Ok(Attrs::default())
            }
        }
    }

    /// Records `attrs` for the object version tagged `etag`, or removes the sidecar when `attrs` is
    /// empty.
    pub(crate) fn write(&self, bucket: &str, escaped_key: &str, etag: &str, attrs: Attrs) -> std::io::Result<()> {
        if attrs.is_empty() {
            return self.remove(bucket, escaped_key);
        }
        let doc = Document { version: FORMAT_VERSION, etag: etag.to_owned(), attrs };
        let json = serde_json::to_vec(&doc).map_err(std::io::Error::other)?;
        let tmp_dir = self.dir.join(TMP_DIR);
        std::fs::create_dir_all(&tmp_dir)?;
        let tmp = tmp_dir.join(format!("{:016x}", rand::random::<u64>()));
        let fsync = self.fsync;
        let written = std::fs::File::create_new(&tmp)
            .and_then(|mut f| f.write_all(&json).and_then(|()| if fsync { f.sync_all() } else { Ok(()) }));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        let target = self.file(bucket, escaped_key);
        let parent = target.parent().unwrap_or(&self.dir);
        // A concurrent delete may remove the parent between creating it and renaming into it.
        let mut attempts = 0;
        loop {
            attempts += 1;
            std::fs::create_dir_all(parent)?;
            match std::fs::rename(&tmp, &target) {
                Ok(()) if self.fsync => return sync_dir(parent),
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == Io::NotFound && attempts < 5 => {}
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e);
                }
            }
        }
    }

    /// Removes the sidecar of a key (if any) and the directories it leaves empty.
    pub(crate) fn remove(&self, bucket: &str, escaped_key: &str) -> std::io::Result<()> {
        let path = self.file(bucket, escaped_key);
        match std::fs::remove_file(&path) {
            Ok(()) => {
                remove_empty_parents(&path, &self.bucket_dir(bucket));
                Ok(())
            }
            Err(e) if matches!(e.kind(), Io::NotFound | Io::NotADirectory) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Removes every sidecar of a bucket.
    pub(crate) fn remove_bucket(&self, bucket: &str) -> std::io::Result<()> {
        match std::fs::remove_dir_all(self.bucket_dir(bucket)) {
            Err(e) if e.kind() != Io::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Syncs a directory, so that a rename into it survives a crash (a no-op where directories
/// cannot be opened, as on Windows).
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::File::open(dir) {
        Ok(handle) => handle.sync_all(),
        Err(_) if cfg!(not(unix)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes the now-empty directories above `removed`, up to (and not including) `stop`.
pub(crate) fn remove_empty_parents(removed: &Path, stop: &Path) {
    let mut dir = removed.parent();
    while let Some(d) = dir {
        if d == stop || !d.starts_with(stop) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(ct: &str) -> Attrs {
        let mut metadata = BTreeMap::new();
        metadata.insert("owner".to_owned(), "me".to_owned());
        Attrs { content_type: Some(ct.to_owned()), metadata, ..Attrs::default() }
    }

    #[test]
    fn sidecars_follow_their_object_version() {
        let root = tempfile::tempdir().unwrap();
        let sidecars = Sidecars::new(root.path(), true);
        sidecars.write("bkt", "a/b.txt", "tag1", attrs("text/plain")).unwrap();
        assert!(root.path().join(".cloud-meta/bkt/a/b.txt#meta").is_file());
        assert_eq!(sidecars.read("bkt", "a/b.txt", "tag1").unwrap(), attrs("text/plain"));
        // Another version of the object: the sidecar does not apply.
        assert_eq!(sidecars.read("bkt", "a/b.txt", "tag2").unwrap(), Attrs::default());
        // The sidecar of "a" and the directory of "a/b.txt" coexist.
        sidecars.write("bkt", "a", "tag3", attrs("x/y")).unwrap();
        assert_eq!(sidecars.read("bkt", "a", "tag3").unwrap(), attrs("x/y"));
        // Empty attributes remove the sidecar, and empty directories go with it.
        sidecars.write("bkt", "a/b.txt", "tag4", Attrs::default()).unwrap();
        assert!(!root.path().join(".cloud-meta/bkt/a").exists());
        assert!(root.path().join(".cloud-meta/bkt").is_dir());
        assert_eq!(std::fs::read_dir(root.path().join(".cloud-meta/.tmp")).unwrap().count(), 0);
        sidecars.remove_bucket("bkt").unwrap();
        sidecars.remove_bucket("bkt").unwrap();
        assert_eq!(sidecars.read("bkt", "a", "tag3").unwrap(), Attrs::default());
    }

    #[test]
    fn unreadable_sidecars_are_ignored() {
        let root = tempfile::tempdir().unwrap();
        let sidecars = Sidecars::new(root.path(), false);
        std::fs::create_dir_all(root.path().join(".cloud-meta/bkt")).unwrap();
        std::fs::write(root.path().join(".cloud-meta/bkt/k#meta"), b"{not json").unwrap();
        assert_eq!(sidecars.read("bkt", "k", "tag").unwrap(), Attrs::default());
    }
}
