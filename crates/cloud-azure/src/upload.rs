//! Writing a block blob from a stream: one Put Blob for small bodies, staged blocks and a
//! committed block list otherwise.
//!
//! The engine reads the payload once, in order. It buffers up to `single_put_threshold` bytes to
//! find out whether the body is small; a body of known size above the threshold skips that. Larger
//! bodies are cut into `block_size` blocks staged with at most `upload_concurrency` Put Block
//! requests in flight, so memory stays near `(upload_concurrency + 1) * block_size` whatever the
//! size. Only after every block is staged does Put Block List commit them; if the payload stream
//! fails, a block fails, or the body is not the size it claimed, nothing is committed: the blob is
//! unchanged (or still absent), and Azure discards the uncommitted blocks after a week.
//!
//! A blob has one list of uncommitted blocks, which Blob storage discards whenever a write of the
//! blob commits. Of two staged writes of one blob that overlap, the first to commit wins and the
//! other fails with `Conflict` at its commit, writing nothing (hence the capability
//! `put_last_writer_wins` = false). Staging under another blob name and copying would let the
//! last writer win, but copies are asynchronous above 256 MiB and the staging blob would be
//! visible; `object_store`'s own `MicrosoftAzure` has the same first-writer-wins behaviour.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZero;
use std::sync::Arc;

use azure_storage_blob::BlockBlobClient;
use azure_storage_blob::models::{
    BlockBlobClientCommitBlockListOptions, BlockBlobClientCommitBlockListResultHeaders, BlockBlobClientUploadOptions,
    BlockLookupList,
};
use bytes::{Bytes, BytesMut};
use cloud_core::storage::{PutPayload, PutProgress};
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use futures::stream::StreamExt;
use tokio::task::JoinSet;

use crate::builder::MAX_BLOCKS;
use crate::client::{BlobHeaders, Cond, Transfer, metadata_map};
use crate::error::from_azure;

const OP: &str = "put_object";

/// What a write sets besides the bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlobWrite {
    pub(crate) headers: BlobHeaders,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) cond: Cond,
    /// Told the bytes Azure holds as blocks are staged (or once the single Put Blob is done).
    pub(crate) progress: Option<PutProgress>,
}

impl BlobWrite {
    fn report(&self, acknowledged: u64) {
        if let Some(progress) = &self.progress {
            progress.report(acknowledged);
        }
    }
}

/// The outcome of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) etag: Option<String>,
    pub(crate) size: u64,
    /// How many blocks were staged (0 for a single Put Blob).
    pub(crate) blocks: usize,
}

fn etag_string(etag: Option<azure_core::http::Etag>) -> Option<String> {
    etag.map(|e| e.to_string().trim_matches('"').to_owned())
}

/// Writes `payload` as the blob behind `client`.
pub(crate) async fn upload(
    client: &Arc<BlockBlobClient>,
    transfer: Transfer,
    payload: PutPayload,
    write: &BlobWrite,
) -> Result<Written> {
    // Checked (and converted) before anything is sent.
    let metadata = metadata_map(&write.metadata)?;
    let declared = payload.size();
    if let Some(bytes) = payload.as_bytes()
        && bytes.len() as u64 <= transfer.single_put_threshold
    {
        let bytes = bytes.clone();
        return put_single(client, bytes, write, metadata).await;
    }
    let mut stream = payload.into_stream();
    let mut buffer = BytesMut::new();
    let staged_from_start = declared.is_some_and(|n| n > transfer.single_put_threshold);
    if !staged_from_start {
        // Find out whether the body fits in one Put Blob.
        while buffer.len() as u64 <= transfer.single_put_threshold {
            match stream.next().await {
                Some(chunk) => buffer.extend_from_slice(&chunk?),
                None => {
                    check_size(declared, buffer.len() as u64)?;
                    return put_single(client, buffer.freeze(), write, metadata).await;
                }
            }
        }
    }

    let block_size = usize::try_from(transfer.block_size).unwrap_or(usize::MAX);
    let upload_id = uuid::Uuid::new_v4().simple().to_string();
    let mut ids: Vec<Vec<u8>> = Vec::new();
    // Spawned, so staging proceeds while the payload is read; dropping the set (on any error)
    // aborts the blocks still in flight.
    let mut in_flight: JoinSet<Result<u64>> = JoinSet::new();
    let mut total: u64 = 0;
    let mut staged: u64 = 0;
    let mut ended = false;
    loop {
        while !ended && buffer.len() < block_size {
            match stream.next().await {
                Some(chunk) => buffer.extend_from_slice(&chunk?),
                None => ended = true,
            }
        }
        let take = buffer.len().min(block_size);
        if take > 0 || ids.is_empty() {
            let block = buffer.split_to(take).freeze();
            if ids.len() as u64 >= MAX_BLOCKS {
                return Err(Error::invalid_input(format!(
                    "the body needs more than {MAX_BLOCKS} blocks of {block_size} bytes; raise the block size"
                )));
            }
            // Every block id of a blob must have the same length: the upload id and a 6-digit index.
            let id = format!("{upload_id}-{:06}", ids.len()).into_bytes();
            total += block.len() as u64;
            ids.push(id.clone());
            if in_flight.len() >= transfer.upload_concurrency
                && let Some(done) = in_flight.join_next().await
            {
                staged += done.map_err(join_error)??;
                write.report(staged);
            }
            in_flight.spawn(stage(client.clone(), id, block));
        }
        if ended && buffer.is_empty() {
            break;
        }
    }
    while let Some(done) = in_flight.join_next().await {
        staged += done.map_err(join_error)??;
        write.report(staged);
    }
    check_size(declared, total)?;
    commit(client, ids, total, write, metadata).await
}

/// A failed Put Block List. `InvalidBlockList`, for a list of blocks this upload has just staged,
/// means Blob storage discarded them: it keeps one list of uncommitted blocks per blob and drops
/// it whenever a write of the blob commits (Put Block List or Put Blob). So another write of the
/// same blob completed while this one was staging: a `Conflict`, and nothing of this write is
/// stored.
fn commit_error(err: azure_core::Error) -> Error {
    let discarded = matches!(
        err.kind(),
        azure_core::error::ErrorKind::HttpResponse { error_code: Some(code), .. } if code == "InvalidBlockList"
    );
    let err = from_azure(err, OP);
    if !discarded {
        return err;
    }
    let mut conflict = Error::new(
        ErrorKind::Conflict,
        "another write of this blob completed while this one was staging its blocks, and Blob storage discarded \
         them; nothing of this write was stored",
    )
    .in_context(CloudProvider::Azure, OP);
    if let Some(status) = err.http_status() {
        conflict = conflict.with_http_status(status);
    }
    if let Some(id) = err.request_id() {
        conflict = conflict.with_request_id(id.to_owned());
    }
    conflict.with_source(err)
}

fn check_size(declared: Option<u64>, actual: u64) -> Result<()> {
    match declared {
        Some(n) if n != actual => Err(Error::invalid_input(format!(
            "the payload declared {n} bytes but streamed {actual}; nothing was written"
        ))),
        _ => Ok(()),
    }
}

fn join_error(err: tokio::task::JoinError) -> Error {
    Error::new(cloud_core::ErrorKind::Unexpected, "a block upload task failed").with_source(err)
}

/// Stages one block; returns its length once Azure acknowledged it.
async fn stage(client: Arc<BlockBlobClient>, id: Vec<u8>, block: Bytes) -> Result<u64> {
    let len = block.len() as u64;
    client.stage_block(&id, len, block.into(), None).await.map_err(|e| from_azure(e, OP))?;
    Ok(len)
}

async fn put_single(
    client: &BlockBlobClient,
    bytes: Bytes,
    write: &BlobWrite,
    metadata: Option<HashMap<String, String>>,
) -> Result<Written> {
    let size = bytes.len() as u64;
    let h = &write.headers;
    let options = BlockBlobClientUploadOptions {
        blob_content_type: h.content_type.clone(),
        blob_cache_control: h.cache_control.clone(),
        blob_content_disposition: h.content_disposition.clone(),
        blob_content_encoding: h.content_encoding.clone(),
        blob_content_language: h.content_language.clone(),
        metadata,
        if_match: write.cond.if_match(),
        if_none_match: write.cond.if_none_match(),
        if_modified_since: write.cond.if_modified_since(),
        if_unmodified_since: write.cond.if_unmodified_since(),
        // One partition covering the whole body: a single Put Blob.
        partition_size: NonZero::new(size.max(1)),
        parallel: NonZero::new(1),
        ..Default::default()
    };
    let result = client.upload(bytes.into(), Some(options)).await.map_err(|e| from_azure(e, OP))?;
    write.report(size);
    Ok(Written { etag: etag_string(result.etag), size, blocks: 0 })
}

async fn commit(
    client: &BlockBlobClient,
    ids: Vec<Vec<u8>>,
    size: u64,
    write: &BlobWrite,
    metadata: Option<HashMap<String, String>>,
) -> Result<Written> {
    let blocks = ids.len();
    let list = BlockLookupList { latest: Some(ids), ..Default::default() };
    let h = &write.headers;
    let options = BlockBlobClientCommitBlockListOptions {
        blob_content_type: h.content_type.clone(),
        blob_cache_control: h.cache_control.clone(),
        blob_content_disposition: h.content_disposition.clone(),
        blob_content_encoding: h.content_encoding.clone(),
        blob_content_language: h.content_language.clone(),
        metadata,
        if_match: write.cond.if_match(),
        if_none_match: write.cond.if_none_match(),
        if_modified_since: write.cond.if_modified_since(),
        if_unmodified_since: write.cond.if_unmodified_since(),
        ..Default::default()
    };
    let content = list.try_into().map_err(|e| from_azure(e, OP))?;
    let rsp = client.commit_block_list(content, Some(options)).await.map_err(commit_error)?;
    Ok(Written { etag: etag_string(rsp.etag().map_err(|e| from_azure(e, OP))?), size, blocks })
}
