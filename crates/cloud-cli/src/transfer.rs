//! One object from a file or backend to a file or backend, streamed: no temporary copy.

use std::path::{Path, PathBuf};

use cloud::storage::{ByteStream, GetOptions, PutOptions, PutPayload};
use cloud::{Error, Result};
use futures::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use tokio::io::AsyncWriteExt;

use crate::target::{Remote, local_error};

/// One end of a transfer: a file, or an object.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// A local file.
    File(PathBuf),
    /// An object (`key` is the object's key).
    Object(Remote),
}

impl Place {
    /// For messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Object(remote) => {
                format!("{}:{}/{}", remote.client.provider(), remote.bucket.as_deref().unwrap_or(""), remote.key)
            }
        }
    }

    /// Deletes the file or object.
    pub(crate) async fn delete(&self) -> Result<()> {
        match self {
            Self::File(path) => tokio::fs::remove_file(path).await.map_err(|e| local_error(e, path)),
            Self::Object(remote) => {
                remote.client.delete_object(remote.bucket()?, remote.object_key()?, Default::default()).await
            }
        }
    }
}

/// The source's bytes, their size, and the content type, metadata and headers to keep.
async fn open_source(src: &Place) -> Result<(ByteStream, u64, PutOptions)> {
    match src {
        Place::File(path) => {
            let file = tokio::fs::File::open(path).await.map_err(|e| local_error(e, path))?;
            let size = file.metadata().await.map_err(|e| local_error(e, path))?.len();
            let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).map_err(Error::from).boxed();
            Ok((stream, size, PutOptions::default()))
        }
        Place::Object(remote) => {
            let result =
                remote.client.get_object(remote.bucket()?, remote.object_key()?, GetOptions::default()).await?;
            let mut options = PutOptions::default();
            options.content_type = result.meta.content_type.clone();
            options.metadata = result.meta.metadata.clone();
            options.headers = result.meta.headers.clone();
            let size = result.range.end - result.range.start;
            Ok((result.into_stream(), size, options))
        }
    }
}

/// Copies `src` to `dst`, advancing `bar` as the destination acknowledges bytes (a file: as they
/// are written; an object: as the backend confirms parts); returns the bytes copied.
pub(crate) async fn copy(src: &Place, dst: &Place, bar: &ProgressBar) -> Result<u64> {
    let (stream, size, options) = open_source(src).await?;
    bar.set_length(size);
    match dst {
        Place::File(path) => write_file(path, stream, bar).await?,
        Place::Object(remote) => {
            let bar = bar.clone();
            let options = options.with_progress(move |acknowledged| bar.set_position(acknowledged));
            let payload = PutPayload::from_stream(stream, Some(size));
            remote.client.put_object(remote.bucket()?, remote.object_key()?, payload, options).await?;
        }
    }
    bar.finish();
    Ok(size)
}

/// Writes a stream to `path` through a temporary file beside it, renamed once complete.
async fn write_file(path: &Path, mut stream: ByteStream, bar: &ProgressBar) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await.map_err(|e| local_error(e, parent))?;
    }
    let name =
        path.file_name().ok_or_else(|| Error::invalid_input(format!("{} is not a file path", path.display())))?;
    let tmp = path.with_file_name(format!(".{}.cloud-part-{}", name.to_string_lossy(), std::process::id()));
    let result = async {
        let mut file = tokio::fs::File::create(&tmp).await.map_err(|e| local_error(e, &tmp))?;
        while let Some(chunk) = stream.try_next().await? {
            file.write_all(&chunk).await.map_err(|e| local_error(e, &tmp))?;
            bar.inc(chunk.len() as u64);
        }
        file.flush().await.map_err(|e| local_error(e, &tmp))?;
        tokio::fs::rename(&tmp, path).await.map_err(|e| local_error(e, path))
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    result
}
