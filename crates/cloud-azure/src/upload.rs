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
//!
//! Put Block List is never sent again blindly after its answer was lost: the blob's block lists
//! tell whether it went through (see [`commit`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::num::NonZero;
use std::sync::Arc;
use std::time::Duration;

use azure_core::http::{ClientMethodOptions, Context};
use azure_storage_blob::BlockBlobClient;
use azure_storage_blob::models::{
    Block, BlockBlobClientCommitBlockListOptions, BlockBlobClientCommitBlockListResultHeaders,
    BlockBlobClientUploadOptions, BlockListHeaders, BlockListType, BlockLookupList,
};
use bytes::{Bytes, BytesMut};
use cloud_core::storage::{PutPayload, PutProgress};
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use futures::stream::StreamExt;
use tokio::task::JoinSet;

use crate::builder::MAX_BLOCKS;
use crate::client::{BlobHeaders, Cond, Transfer, metadata_map};
use crate::error::from_azure;
use crate::timeout::{SendOnce, answer_lost};

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
    commit(client, ids, total, write, metadata, transfer.max_retries).await
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

/// Put Block List, sent again only when that is known to be safe.
///
/// When its answer is lost (reset, timed out, unreadable), the blob's block lists say what
/// happened: its committed blocks are exactly this write's (whose ids nobody else uses) means the
/// commit went through; this write's blocks all still uncommitted means it did not, and it is
/// sent again (at most `max_retries` times); anything else (another write replaced the blob
/// meanwhile, or the lists cannot be read) cannot tell, and the error says so (kind `Dispatch`)
/// instead of the `Conflict`, `AlreadyExists` or `PreconditionFailed` a repeated commit would
/// get.
async fn commit(
    client: &BlockBlobClient,
    ids: Vec<Vec<u8>>,
    size: u64,
    write: &BlobWrite,
    metadata: Option<HashMap<String, String>>,
    max_retries: u32,
) -> Result<Written> {
    let blocks = ids.len();
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
        method_options: ClientMethodOptions { context: Context::new().with_value(SendOnce) },
        ..Default::default()
    };
    let mut lost = false;
    for attempt in 0..=max_retries {
        let list = BlockLookupList { latest: Some(ids.clone()), ..Default::default() };
        let content = list.try_into().map_err(|e| from_azure(e, OP))?;
        let err = match client.commit_block_list(content, Some(options.clone())).await {
            Ok(rsp) => {
                return Ok(Written { etag: etag_string(rsp.etag().map_err(|e| from_azure(e, OP))?), size, blocks });
            }
            Err(err) => err,
        };
        if !lost && !answer_lost(&err) {
            // The service's own answer: nothing was committed.
            return Err(commit_error(err));
        }
        lost = true;
        let err = from_azure(err, OP);
        match committed(client, &ids).await {
            Commit::Done(etag) => return Ok(Written { etag, size, blocks }),
            Commit::Staged if attempt < max_retries => {
                tokio::time::sleep(Duration::from_millis(200) * (attempt + 1)).await;
            }
            Commit::Staged => return Err(err),
            Commit::Unknown(why) => {
                return Err(Error::new(
                    ErrorKind::Dispatch,
                    format!(
                        "the answer to Put Block List was lost ({}) and {why}: the write may or may not have \
                         replaced the blob",
                        err.kind()
                    ),
                )
                .with_source(err)
                .in_context(CloudProvider::Azure, OP));
            }
        }
    }
    Err(Error::new(ErrorKind::Unexpected, "Put Block List was never sent").in_context(CloudProvider::Azure, OP))
}

/// What the block lists of a blob say after a lost Put Block List answer.
enum Commit {
    /// The committed blocks are this write's: it went through (with the blob's ETag).
    Done(Option<String>),
    /// This write's blocks are all still uncommitted: it did not go through.
    Staged,
    /// Neither could be established.
    Unknown(String),
}

async fn committed(client: &BlockBlobClient, ids: &[Vec<u8>]) -> Commit {
    let rsp = match client.get_block_list(BlockListType::All, None).await {
        Ok(rsp) => rsp,
        Err(e) => {
            return Commit::Unknown(format!("reading the blob's block list failed ({})", from_azure(e, OP).kind()));
        }
    };
    let etag = match rsp.etag() {
        Ok(etag) => etag_string(etag),
        Err(e) => {
            return Commit::Unknown(format!("the block list's ETag is unreadable ({})", from_azure(e, OP).kind()));
        }
    };
    let list = match rsp.into_model() {
        Ok(list) => list,
        Err(e) => return Commit::Unknown(format!("the block list is unreadable ({})", from_azure(e, OP).kind())),
    };
    let names =
        |blocks: Option<Vec<Block>>| -> Vec<Vec<u8>> { blocks.into_iter().flatten().filter_map(|b| b.name).collect() };
    if names(list.committed_blocks) == ids {
        return Commit::Done(etag);
    }
    let uncommitted: HashSet<Vec<u8>> = names(list.uncommitted_blocks).into_iter().collect();
    if ids.iter().all(|id| uncommitted.contains(id)) {
        Commit::Staged
    } else {
        Commit::Unknown("the blob's blocks are no longer this write's".to_owned())
    }
}
