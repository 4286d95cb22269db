//! [`AzureBlobClient`]: the client, its pipeline, and the Blob operations every public API of
//! this crate is built from.
//!
//! Which operation goes through which API:
//!
//! | operation | how |
//! |---|---|
//! | list containers | official `BlobServiceClient::list_containers` (pager over `NextMarker`) |
//! | create / delete / exists container | official `BlobContainerClient::create`, `delete`, `exists` |
//! | put, single request | official `BlockBlobClient::upload` with one partition (Put Blob) |
//! | put, staged | official `BlockBlobClient::stage_block` + `commit_block_list`, driven by this crate's engine (see `upload`) |
//! | get | official `BlobClient::download` as one GET, streamed (`download_blob`: its ETag-pinned parallel ranges) |
//! | head | official `BlobClient::get_properties` |
//! | delete | official `BlobClient::delete` |
//! | copy | official `BlobClient::start_copy_from_url`, then `get_properties` until the copy is done |
//! | list blobs (flat and with a delimiter) | REST `GET ?restype=container&comp=list` through the same `azure_core` pipeline: the official flat listing has no `delimiter`, and its hierarchical listing was removed before 1.1.0 |
//! | container emptiness check before delete | the same REST listing with `maxresults=1` (Azure deletes non-empty containers) |
//! | SAS | computed here (the official crate signs no service SAS); the user delegation key comes from the official `get_user_delegation_key` |
//!
//! Every request, official or not, goes through one `azure_core` pipeline configuration: the
//! same HTTP transport, retry policy, and authorization policy (SharedKey, or the Entra ID bearer
//! token policy).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::num::NonZero;
use std::sync::Arc;
use std::time::Duration;

use azure_core::http::policies::Policy;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::{
    ClientOptions, Context, Etag, ExponentialRetryOptions, HttpClientOptions, Method, NoFormat, Pipeline, RawResponse,
    Request, Response, RetryOptions, StatusCode, Transport, new_http_client,
};
use azure_storage_blob::models::{
    BlobClientDownloadOptions, BlobClientGetPropertiesOptions, BlobClientGetPropertiesResult,
    BlobClientGetPropertiesResultHeaders, BlobClientStartCopyFromUrlOptions, BlobClientStartCopyFromUrlResultHeaders,
    BlobContainerClientCreateOptions, CopyStatus, HttpRange, KeyInfo,
};
use azure_storage_blob::{BlobClient, BlobServiceClient, BlobServiceClientOptions};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use cloud_core::stream::{Page, paginate};
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use url::Url;

use crate::credential::{Auth, AzureAuth};
use crate::error::{from_azure, invalid_response};
use crate::list::{Listed, parse_page};
use crate::sas::{self, DelegationKey, SasPermission};
use crate::shared_key::{AccountKey, SharedKeyPolicy};
use crate::timeout::AttemptTimeoutPolicy;

/// The longest validity Azure allows for a SAS signed with a user delegation key (7 days); service
/// SAS tokens signed with the account key have no such limit, but this crate applies the same one.
pub const MAX_SAS_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long `copy` waits for a pending server-side copy to finish.
const COPY_WAIT: Duration = Duration::from_secs(300);

/// Transfer sizes and concurrency, validated by the builder.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transfer {
    pub(crate) block_size: u64,
    pub(crate) single_put_threshold: u64,
    pub(crate) upload_concurrency: usize,
    pub(crate) download_part_size: u64,
    pub(crate) download_concurrency: usize,
    /// How many times a failed request is retried.
    pub(crate) max_retries: u32,
}

/// The standard content headers of a blob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BlobHeaders {
    pub(crate) content_type: Option<String>,
    pub(crate) cache_control: Option<String>,
    pub(crate) content_disposition: Option<String>,
    pub(crate) content_encoding: Option<String>,
    pub(crate) content_language: Option<String>,
}

/// Conditions of a request (all must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cond {
    pub(crate) if_match: Option<String>,
    pub(crate) if_none_match: Option<String>,
    pub(crate) if_modified_since: Option<DateTime<Utc>>,
    pub(crate) if_unmodified_since: Option<DateTime<Utc>>,
}

impl Cond {
    pub(crate) fn if_match(&self) -> Option<Etag> {
        self.if_match.as_deref().map(quote_etag)
    }

    pub(crate) fn if_none_match(&self) -> Option<Etag> {
        self.if_none_match.as_deref().map(quote_etag)
    }

    pub(crate) fn if_modified_since(&self) -> Option<time::OffsetDateTime> {
        self.if_modified_since.and_then(to_offset)
    }

    pub(crate) fn if_unmodified_since(&self) -> Option<time::OffsetDateTime> {
        self.if_unmodified_since.and_then(to_offset)
    }
}

/// `*` as is, anything else quoted as HTTP wants it.
fn quote_etag(etag: &str) -> Etag {
    let bare = etag.trim().trim_start_matches("W/").trim_matches('"');
    if bare == "*" { Etag::from("*".to_owned()) } else { Etag::from(format!("\"{bare}\"")) }
}

fn to_offset(t: DateTime<Utc>) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).ok()
}

fn from_offset(t: time::OffsetDateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.unix_timestamp(), 0)
}

/// A blob's properties as this crate reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BlobProps {
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) last_modified: Option<DateTime<Utc>>,
    pub(crate) etag: Option<String>,
    pub(crate) headers: BlobHeaders,
    pub(crate) metadata: BTreeMap<String, String>,
}

impl BlobProps {
    pub(crate) fn into_object_meta(self) -> cloud_core::storage::ObjectMeta {
        let mut meta = cloud_core::storage::ObjectMeta::new(self.name, self.size).with_metadata(self.metadata);
        if let Some(t) = self.last_modified {
            meta = meta.with_last_modified(t);
        }
        if let Some(etag) = self.etag {
            meta = meta.with_etag(etag);
        }
        if let Some(ct) = self.headers.content_type {
            meta = meta.with_content_type(ct);
        }
        meta
    }
}

/// A byte range of a read: `start..end`, or from `start` to the end of the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadRange {
    Bounded(u64, u64),
    From(u64),
    Last(u64),
}

/// How a read fetches its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// One GET, whose body is handed on as it arrives.
    One,
    /// The official managed download: `download_concurrency` ranges of `download_part_size`
    /// bytes in flight, each held whole until it is next.
    Managed,
}

/// What a read returns.
pub(crate) struct Read {
    pub(crate) props: BlobProps,
    pub(crate) range: std::ops::Range<u64>,
    pub(crate) body: BoxStream<'static, Result<Bytes>>,
}

/// An entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    Blob(BlobProps),
    Prefix(String),
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Self::Blob(props) => &props.name,
            Self::Prefix(prefix) => prefix,
        }
    }
}

/// The common prefix `name` rolls up into under `delimiter`: `prefix` + the rest of the name up
/// to and including the first delimiter after `prefix`.
fn roll_up(name: &str, prefix: Option<&str>, delimiter: Option<&str>) -> Option<String> {
    let delimiter = delimiter?;
    let prefix = prefix.unwrap_or("");
    let rest = name.strip_prefix(prefix)?;
    let at = rest.find(delimiter)?;
    Some(format!("{prefix}{}", &rest[..at + delimiter.len()]))
}

/// A client for one Azure Storage account's Blob service.
///
/// Cheap to clone (the state is shared); use it as a [`cloud_core::StorageClient`] or through its
/// compatibility names ([`upload_blob`](Self::upload_blob), [`download_blob`](Self::download_blob),
/// [`list_blobs`](Self::list_blobs), [`get_metadata`](Self::get_metadata),
/// [`ensure_container`](Self::ensure_container)). Build it with
/// [`AzureBlobClientBuilder`](crate::AzureBlobClientBuilder) or [`AzureBlobClient::from_env`].
#[derive(Clone)]
pub struct AzureBlobClient {
    inner: Arc<Inner>,
}

struct Inner {
    service: BlobServiceClient,
    /// The pipeline of the operations sent through the REST API directly.
    pipeline: Pipeline,
    /// The service version the official clients send (`x-ms-version`), used by the REST calls too.
    version: String,
    endpoint: Url,
    account: String,
    auth: Auth,
    transfer: Transfer,
    /// The time one attempt gets (see `AttemptTimeoutPolicy`), and the longest a body may stall.
    attempt_timeout: Duration,
}

impl fmt::Debug for AzureBlobClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureBlobClient")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("account", &self.inner.account)
            .field("auth", &self.inner.auth)
            .field("transfer", &self.inner.transfer)
            .finish()
    }
}

impl fmt::Display for AzureBlobClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Azure Blob Storage ({})", self.inner.endpoint)
    }
}

const STORAGE_SCOPE: &str = "https://storage.azure.com/.default";

impl AzureBlobClient {
    /// A client configured from the process environment; see
    /// [`AzureBlobClientBuilder::from_env_with`](crate::AzureBlobClientBuilder::from_env_with).
    ///
    /// # Errors
    /// `InvalidConfig`, as [`AzureBlobClientBuilder::build`](crate::AzureBlobClientBuilder::build).
    pub fn from_env() -> Result<Self> {
        crate::AzureBlobClientBuilder::from_env().build()
    }

    pub(crate) fn from_parts(
        endpoint: Url,
        account: String,
        auth: Auth,
        transfer: Transfer,
        attempt_timeout: Duration,
    ) -> Result<Self> {
        let transport = Transport::new(new_http_client(Some(HttpClientOptions { automatic_decompression: false })));
        let mut client_options = ClientOptions {
            transport: Some(transport),
            retry: RetryOptions::exponential(ExponentialRetryOptions {
                max_retries: transfer.max_retries,
                ..Default::default()
            }),
            ..Default::default()
        };
        // First of the per-try policies, so each attempt's timeout covers its signing and sending.
        client_options.per_try_policies.push(AttemptTimeoutPolicy::new(attempt_timeout));
        let mut rest_policies: Vec<Arc<dyn Policy>> = Vec::new();
        let mut credential = None;
        let mut service_url = endpoint.clone();
        match &auth {
            Auth::SharedKey(key) => client_options.per_try_policies.push(SharedKeyPolicy::new(key.clone())),
            Auth::Sas(token) => service_url.set_query(Some(token.expose())),
            Auth::Anonymous => {}
            Auth::Token { credential: c, .. } => {
                rest_policies.push(Arc::new(BearerTokenAuthorizationPolicy::new(c.clone(), vec![STORAGE_SCOPE])));
                credential = Some(c.clone());
            }
        }
        let options = BlobServiceClientOptions { client_options: client_options.clone(), ..Default::default() };
        let version = options.version.clone();
        let service = BlobServiceClient::new(service_url, credential, Some(options))
            .map_err(|e| Error::invalid_config(format!("cannot set up the Azure Blob client: {e}")))?;
        let pipeline = Pipeline::new(
            Some(env!("CARGO_PKG_NAME")),
            Some(env!("CARGO_PKG_VERSION")),
            client_options,
            Vec::new(),
            rest_policies,
            None,
        );
        Ok(Self {
            inner: Arc::new(Inner { service, pipeline, version, endpoint, account, auth, transfer, attempt_timeout }),
        })
    }

    /// The blob service endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The storage account.
    pub fn account(&self) -> &str {
        &self.inner.account
    }

    /// How this client authorizes its requests.
    pub fn auth(&self) -> AzureAuth {
        self.inner.auth.describe()
    }

    /// The official `azure_storage_blob` service client this client is built on (an escape hatch
    /// for operations this crate does not cover; it shares the pipeline and credentials).
    pub fn sdk_client(&self) -> &BlobServiceClient {
        &self.inner.service
    }

    pub(crate) fn transfer(&self) -> Transfer {
        self.inner.transfer
    }

    pub(crate) fn blob(&self, container: &str, blob: &str) -> BlobClient {
        self.inner.service.blob_client(container, blob)
    }

    /// The URL of a blob, without any query.
    pub(crate) fn blob_url(&self, container: &str, blob: &str) -> Url {
        let mut url = self.blob(container, blob).url().clone();
        url.set_query(None);
        url
    }

    // ---- containers -------------------------------------------------------------------------

    pub(crate) fn list_containers_stream(&self) -> BoxStream<'static, Result<ContainerEntry>> {
        let pager = match self.inner.service.list_containers(None) {
            Ok(pager) => pager,
            Err(e) => return futures::stream::once(async move { Err(from_azure(e, "list_buckets")) }).boxed(),
        };
        pager
            .into_pages()
            .map_err(|e| from_azure(e, "list_buckets"))
            .and_then(|page| async move {
                let page = page.into_model().map_err(|e| from_azure(e, "list_buckets"))?;
                Ok(futures::stream::iter(page.container_items.into_iter().filter_map(|item| {
                    let name = item.name?;
                    let modified = item.properties.and_then(|p| p.last_modified).and_then(from_offset);
                    Some(Ok(ContainerEntry { name, last_modified: modified }))
                })))
            })
            .try_flatten()
            .boxed()
    }

    pub(crate) async fn create_container(&self, container: &str) -> Result<()> {
        self.inner
            .service
            .blob_container_client(container)
            .create(None::<BlobContainerClientCreateOptions<'_>>)
            .await
            .map(drop)
            .map_err(|e| from_azure(e, "create_bucket"))
    }

    pub(crate) async fn container_exists(&self, container: &str) -> Result<bool> {
        self.inner.service.blob_container_client(container).exists().await.map_err(|e| from_azure(e, "bucket_exists"))
    }

    /// Deletes an empty container: Azure itself deletes containers with their blobs, so this
    /// checks first (a blob written between the check and the delete is deleted with it).
    pub(crate) async fn delete_container(&self, container: &str) -> Result<()> {
        let page = self.list_page(container, None, None, None, Some(1), "delete_bucket").await?;
        if !page.entries.is_empty() {
            return Err(Error::new(ErrorKind::Conflict, format!("the container {container} is not empty"))
                .in_context(CloudProvider::Azure, "delete_bucket"));
        }
        self.inner
            .service
            .blob_container_client(container)
            .delete(None)
            .await
            .map(drop)
            .map_err(|e| from_azure(e, "delete_bucket"))
    }

    // ---- blobs ------------------------------------------------------------------------------

    pub(crate) async fn get_properties(&self, container: &str, blob: &str, cond: &Cond) -> Result<BlobProps> {
        self.properties(container, blob, cond, "head_object").await
    }

    async fn properties(&self, container: &str, blob: &str, cond: &Cond, op: &'static str) -> Result<BlobProps> {
        let options = BlobClientGetPropertiesOptions {
            if_match: cond.if_match(),
            if_none_match: cond.if_none_match(),
            if_modified_since: cond.if_modified_since(),
            if_unmodified_since: cond.if_unmodified_since(),
            ..Default::default()
        };
        let rsp = self.blob(container, blob).get_properties(Some(options)).await.map_err(|e| from_azure(e, op))?;
        props_from(&rsp, blob, op)
    }

    /// One GET of a whole blob, its body handed on as it arrives (see [`Split::One`]).
    async fn read_whole(&self, container: &str, blob: &str, cond: &Cond) -> Result<Read> {
        const OP: &str = "get_object";
        // The blob's URL as the official clients build it (with the SAS query under SAS auth).
        let mut request = Request::new(self.blob(container, blob).url().clone(), Method::Get);
        request.insert_header("x-ms-version", self.inner.version.clone());
        if let Some(etag) = cond.if_match() {
            request.insert_header("if-match", etag.to_string());
        }
        if let Some(etag) = cond.if_none_match() {
            request.insert_header("if-none-match", etag.to_string());
        }
        if let Some(t) = cond.if_modified_since() {
            request.insert_header("if-modified-since", azure_core::time::to_rfc7231(&t));
        }
        if let Some(t) = cond.if_unmodified_since() {
            request.insert_header("if-unmodified-since", azure_core::time::to_rfc7231(&t));
        }
        let rsp =
            self.inner.pipeline.stream(&Context::new(), &mut request, None).await.map_err(|e| from_azure(e, OP))?;
        let (status, headers, body) = rsp.deconstruct();
        if status != StatusCode::Ok {
            return Err(invalid_response(OP, format!("Get Blob answered {status} to a read of the whole blob")));
        }
        // A Get Blob answer carries the blob's properties in the headers Get Blob Properties uses.
        let head: Response<BlobClientGetPropertiesResult, NoFormat> =
            RawResponse::from_bytes(status, headers, Bytes::new()).into();
        let props = props_from(&head, blob, OP)?;
        let body =
            crate::timeout::must_flow(body.map_err(|e| from_azure(e, OP)).boxed(), self.inner.attempt_timeout, OP);
        Ok(Read { range: 0..props.size, props, body })
    }

    /// A read of `blob` (a `range` of it), streamed as it arrives: the bytes of one GET for
    /// [`Split::One`], of the managed download's parallel ranges for [`Split::Managed`].
    pub(crate) async fn read(
        &self,
        container: &str,
        blob: &str,
        range: Option<ReadRange>,
        cond: &Cond,
        split: Split,
    ) -> Result<Read> {
        const OP: &str = "get_object";
        if range.is_none() && split == Split::One {
            return self.read_whole(container, blob, cond).await;
        }
        let mut cond = cond.clone();
        // Where the bytes asked for start, and where they end (`None`: the end of the blob).
        let mut asked: Option<(u64, Option<u64>)> = match range {
            None => None,
            Some(ReadRange::Bounded(start, end)) => Some((start, Some(end))),
            Some(ReadRange::From(start)) => Some((start, None)),
            Some(ReadRange::Last(_)) => None, // known once the size is
        };
        let range = match range {
            None => None,
            Some(ReadRange::Bounded(start, end)) => Some(HttpRange::new(start, end.saturating_sub(start))),
            Some(ReadRange::From(start)) => Some(HttpRange::from_offset(start)),
            Some(ReadRange::Last(n)) => {
                // A suffix needs the size first; the read is then pinned to the ETag seen.
                let props = self.properties(container, blob, &cond, OP).await?;
                if cond.if_match.is_none() {
                    cond.if_match.clone_from(&props.etag);
                }
                let start = props.size.saturating_sub(n);
                asked = Some((start, None));
                if props.size == 0 || n == 0 {
                    let empty = futures::stream::empty().boxed();
                    return Ok(Read { props, range: start..start, body: empty });
                }
                Some(HttpRange::from_offset(start))
            }
        };
        // One GET streams the bytes as they arrive, and dropping the stream stops it. The managed
        // download fetches `download_concurrency` ranges in spawned tasks, each held whole until
        // its turn, and they run on when the stream is dropped: `download_file` and
        // `get_object_read_ahead` would pay that on top of their own parts (their first, unranged
        // GET would fetch ranges it then drops), so only `download_blob` uses it.
        let transfer = self.inner.transfer;
        let bounded = match asked {
            Some((start, Some(end))) => usize::try_from(end.saturating_sub(start)).ok().and_then(NonZero::new),
            _ => None,
        };
        let (parallel, partition_size, idle) = match split {
            // A bounded range as one ranged GET (the managed download then hands its body on as
            // it arrives; a server that serves less than asked makes it buffer at most the range).
            Split::One if let Some(len) = bounded => (NonZero::<usize>::MIN, len, self.inner.attempt_timeout),
            // Open-ended ranges asked for by the caller keep the managed download's ranges.
            Split::One | Split::Managed => (
                NonZero::new(transfer.download_concurrency).unwrap_or(NonZero::<usize>::MIN),
                usize::try_from(transfer.download_part_size)
                    .ok()
                    .and_then(NonZero::new)
                    .unwrap_or(NonZero::<usize>::MAX),
                // Ranges are handed on whole: allow for one to arrive at the slowest pace allowed.
                crate::timeout::limit_for(self.inner.attempt_timeout, transfer.download_part_size),
            ),
        };
        let options = BlobClientDownloadOptions {
            range,
            parallel: Some(parallel),
            partition_size: Some(partition_size),
            if_match: cond.if_match(),
            if_none_match: cond.if_none_match(),
            if_modified_since: cond.if_modified_since(),
            if_unmodified_since: cond.if_unmodified_since(),
            ..Default::default()
        };
        let result = self.blob(container, blob).download(Some(options)).await.map_err(|e| from_azure(e, OP))?;
        let p = &result.properties;
        let content_range = result.headers.get_optional_str(&"content-range".into()).map(str::to_owned);
        // Without a length nothing tells a whole body from a truncated one.
        let length = p.content_length.ok_or_else(|| missing_length(blob))?;
        let (range, size) = match (asked, content_range.as_deref()) {
            (Some(asked), served) => served_range(asked, served).map_err(|m| invalid_response(OP, m))?,
            (None, served) => match served.and_then(parse_content_range) {
                Some((start, end_inclusive, total)) => (start..end_inclusive.saturating_add(1), total),
                None => (0..length, length),
            },
        };
        let props = BlobProps {
            name: blob.to_owned(),
            size,
            last_modified: p.last_modified.and_then(from_offset),
            etag: p.etag.as_ref().map(|e| e.to_string().trim_matches('"').to_owned()),
            headers: BlobHeaders {
                content_type: p.content_type.clone(),
                cache_control: p.cache_control.clone(),
                content_disposition: p.content_disposition.clone(),
                content_encoding: p.content_encoding.clone(),
                content_language: p.content_language.clone(),
            },
            metadata: metadata_from_azure(p.metadata.clone()),
        };
        // The managed download reports the whole requested range in its first headers.
        let range = if range.end > size { range.start..size } else { range };
        let body = crate::timeout::must_flow(result.body.map_err(|e| from_azure(e, OP)).boxed(), idle, OP);
        Ok(Read { props, range, body })
    }

    pub(crate) async fn delete_blob(&self, container: &str, blob: &str) -> Result<()> {
        self.blob(container, blob).delete(None).await.map(drop).map_err(|e| from_azure(e, "delete_object"))
    }

    /// A server-side copy within the account; waits until Azure reports it finished.
    pub(crate) async fn copy_blob(
        &self,
        src_container: &str,
        src_blob: &str,
        dst_container: &str,
        dst_blob: &str,
        create_only: bool,
    ) -> Result<()> {
        const OP: &str = "copy_object";
        let mut source = self.blob_url(src_container, src_blob);
        if let Auth::Sas(token) = &self.inner.auth {
            source.set_query(Some(token.expose()));
        }
        let options = BlobClientStartCopyFromUrlOptions {
            if_none_match: create_only.then(|| Etag::from("*".to_owned())),
            ..Default::default()
        };
        let dst = self.blob(dst_container, dst_blob);
        let rsp = dst.start_copy_from_url(source.to_string(), Some(options)).await.map_err(|e| from_azure(e, OP))?;
        let mut status = rsp.copy_status().map_err(|e| from_azure(e, OP))?;
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(50);
        loop {
            match status {
                None | Some(CopyStatus::Success) => return Ok(()),
                Some(CopyStatus::Pending) => {}
                Some(other) => {
                    return Err(Error::new(ErrorKind::Service, format!("the copy ended as {other}"))
                        .in_context(CloudProvider::Azure, OP));
                }
            }
            if started.elapsed() > COPY_WAIT {
                return Err(Error::new(ErrorKind::Timeout, "the server-side copy is still pending")
                    .in_context(CloudProvider::Azure, OP));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
            let rsp = dst.get_properties(None).await.map_err(|e| from_azure(e, OP))?;
            status = rsp.copy_status().map_err(|e| from_azure(e, OP))?;
        }
    }

    // ---- listing ----------------------------------------------------------------------------

    async fn list_page(
        &self,
        container: &str,
        prefix: Option<&str>,
        delimiter: Option<&str>,
        marker: Option<&str>,
        max_results: Option<u32>,
        op: &'static str,
    ) -> Result<crate::list::Page> {
        let mut url = self.inner.service.blob_container_client(container).url().clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("restype", "container").append_pair("comp", "list").append_pair("include", "metadata");
            if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
                q.append_pair("prefix", prefix);
            }
            if let Some(delimiter) = delimiter {
                q.append_pair("delimiter", delimiter);
            }
            if let Some(marker) = marker {
                q.append_pair("marker", marker);
            }
            if let Some(max) = max_results {
                q.append_pair("maxresults", &max.to_string());
            }
        }
        let mut request = Request::new(url, Method::Get);
        request.insert_header("x-ms-version", self.inner.version.clone());
        request.insert_header("accept", "application/xml");
        let rsp = self.inner.pipeline.send(&Context::new(), &mut request, None).await.map_err(|e| from_azure(e, op))?;
        if rsp.status() != StatusCode::Ok {
            return Err(invalid_response(op, format!("List Blobs answered {}", rsp.status())));
        }
        parse_page(rsp.body()).map_err(|e| invalid_response(op, format!("cannot read the List Blobs answer: {e}")))
    }

    /// The entries of a container in name order, page by page over `NextMarker`.
    ///
    /// Single-character delimiters are sent to the service. Longer ones are rolled up here, over
    /// a flat listing: Azure accepts them, but Azurite 3.35 cuts them to their first character,
    /// and rolling up client-side gives the same answer everywhere. Each page is put in name order
    /// (Azurite lists a page's prefixes before its blobs), and a prefix is never listed twice.
    pub(crate) fn list_stream(
        &self,
        container: &str,
        prefix: Option<String>,
        delimiter: Option<String>,
        page_size: Option<u32>,
    ) -> BoxStream<'static, Result<Entry>> {
        let client = self.clone();
        let container = container.to_owned();
        let server_delimiter = delimiter.clone().filter(|d| d.chars().count() == 1);
        let local_delimiter = delimiter.filter(|d| d.chars().count() > 1);
        let pages = paginate(move |marker: Option<String>| {
            let client = client.clone();
            let container = container.clone();
            let prefix = prefix.clone();
            let server_delimiter = server_delimiter.clone();
            let local_delimiter = local_delimiter.clone();
            async move {
                let page = client
                    .list_page(
                        &container,
                        prefix.as_deref(),
                        server_delimiter.as_deref(),
                        marker.as_deref(),
                        page_size,
                        "list_objects",
                    )
                    .await?;
                let mut items: Vec<Entry> = page
                    .entries
                    .into_iter()
                    .map(|entry| match entry {
                        Listed::Prefix(p) => Entry::Prefix(p),
                        Listed::Blob(b) => {
                            if let Some(rolled) = roll_up(&b.name, prefix.as_deref(), local_delimiter.as_deref()) {
                                return Entry::Prefix(rolled);
                            }
                            Entry::Blob(BlobProps {
                                name: b.name,
                                size: b.size,
                                last_modified: b.last_modified,
                                etag: b.etag,
                                headers: BlobHeaders {
                                    content_type: b.content_type,
                                    cache_control: b.cache_control,
                                    content_disposition: b.content_disposition,
                                    content_encoding: b.content_encoding,
                                    content_language: b.content_language,
                                },
                                metadata: metadata_from_azure(b.metadata),
                            })
                        }
                    })
                    .collect();
                items.sort_by(|a, b| a.name().cmp(b.name()));
                Ok(Page::new(items, page.next_marker))
            }
        });
        pages
            .scan(None::<String>, |last_prefix, entry| {
                let keep = match &entry {
                    Ok(Entry::Prefix(p)) if last_prefix.as_deref() == Some(p.as_str()) => None,
                    Ok(Entry::Prefix(p)) => {
                        *last_prefix = Some(p.clone());
                        Some(entry)
                    }
                    _ => Some(entry),
                };
                futures::future::ready(Some(keep))
            })
            .filter_map(futures::future::ready)
            .boxed()
    }

    // ---- SAS --------------------------------------------------------------------------------

    /// A SAS URL for one blob: a service SAS under SharedKey, a user delegation SAS under Entra ID.
    pub(crate) async fn sas_url(
        &self,
        container: &str,
        blob: &str,
        write: bool,
        expires_in: Duration,
    ) -> Result<(Url, DateTime<Utc>)> {
        const OP: &str = "presign";
        if expires_in.is_zero() || expires_in > MAX_SAS_EXPIRY {
            return Err(Error::invalid_input(format!(
                "a SAS must expire within 1 second and {} days, not {expires_in:?}",
                MAX_SAS_EXPIRY.as_secs() / 86400
            )));
        }
        let now = Utc::now();
        let expiry =
            now + chrono::Duration::from_std(expires_in).map_err(|_| Error::invalid_input("expiry out of range"))?;
        // Whole seconds, as the signature carries them.
        let expiry = DateTime::from_timestamp(expiry.timestamp(), 0).unwrap_or(expiry);
        let permission = if write { SasPermission::Write } else { SasPermission::Read };
        let mut url = self.blob_url(container, blob);
        match &self.inner.auth {
            Auth::SharedKey(key) => sas::sign_service(&mut url, key, permission, expiry, container, blob)?,
            Auth::Token { .. } => {
                let key = self.user_delegation_key(now, expiry).await?;
                sas::sign_user_delegation(&mut url, &self.inner.account, &key, permission, expiry, container, blob)?;
            }
            Auth::Sas(_) | Auth::Anonymous => {
                return Err(Error::unsupported(
                    "presigning needs an account key or Entra ID credentials (a client built on a SAS token or anonymous access cannot sign)",
                )
                .in_context(CloudProvider::Azure, OP));
            }
        }
        Ok((url, expiry))
    }

    async fn user_delegation_key(&self, now: DateTime<Utc>, expiry: DateTime<Utc>) -> Result<DelegationKey> {
        const OP: &str = "presign";
        let start = now - chrono::Duration::minutes(5);
        let info = KeyInfo { start: to_offset(start), expiry: to_offset(expiry), ..Default::default() };
        let content = info.try_into().map_err(|e| from_azure(e, OP))?;
        let rsp = self.inner.service.get_user_delegation_key(content, None).await.map_err(|e| from_azure(e, OP))?;
        let key = rsp.into_model().map_err(|e| from_azure(e, OP))?;
        let missing = || invalid_response(OP, "the user delegation key lacks a field");
        let iso = |t: Option<time::OffsetDateTime>| {
            t.and_then(from_offset).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).ok_or_else(missing)
        };
        let value = key.value.clone().ok_or_else(missing)?;
        Ok(DelegationKey {
            signed_oid: key.signed_oid.clone().ok_or_else(missing)?,
            signed_tid: key.signed_tid.clone().ok_or_else(missing)?,
            signed_start: iso(key.signed_start)?,
            signed_expiry: iso(key.signed_expiry)?,
            signed_service: key.signed_service.clone().ok_or_else(missing)?,
            signed_version: key.signed_version.ok_or_else(missing)?,
            value: AccountKey::new(
                self.inner.account.clone(),
                &cloud_core::SecretString::new(azure_core::base64::encode(value)),
            )?,
        })
    }
}

/// The properties of `blob` as the headers of `rsp` give them.
fn props_from(
    rsp: &Response<BlobClientGetPropertiesResult, NoFormat>,
    blob: &str,
    op: &'static str,
) -> Result<BlobProps> {
    let bad = |e: azure_core::Error| from_azure(e, op);
    Ok(BlobProps {
        name: blob.to_owned(),
        size: rsp.content_length().map_err(bad)?.ok_or_else(|| missing_length(blob))?,
        last_modified: rsp.last_modified().map_err(bad)?.and_then(from_offset),
        etag: rsp.etag().map_err(bad)?.map(|e| e.to_string().trim_matches('"').to_owned()),
        headers: BlobHeaders {
            content_type: rsp.content_type().map_err(bad)?,
            cache_control: rsp.cache_control().map_err(bad)?,
            content_disposition: rsp.content_disposition().map_err(bad)?,
            content_encoding: rsp.content_encoding().map_err(bad)?,
            content_language: rsp.content_language().map_err(bad)?,
        },
        metadata: metadata_from_azure(rsp.metadata().map_err(bad)?),
    })
}

/// A container of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContainerEntry {
    pub(crate) name: String,
    pub(crate) last_modified: Option<DateTime<Utc>>,
}

/// The bytes a ranged read was served and the blob's size, checked against the bytes `asked` for
/// (start, and end or `None` for the end of the blob): a server that answers other bytes, or an
/// unreadable `Content-Range`, is refused rather than handed on as the range requested.
///
/// The managed download reports the requested range in its first headers, so a bounded request
/// that reaches past the end of the blob is served up to the size, and a request that starts at
/// or after the end is reported as an empty range there (which the caller refuses).
fn served_range(
    asked: (u64, Option<u64>),
    served: Option<&str>,
) -> std::result::Result<(std::ops::Range<u64>, u64), String> {
    let served = served.ok_or_else(|| "a ranged read came without a Content-Range".to_owned())?;
    let (start, last, size) =
        parse_content_range(served).ok_or_else(|| format!("the Content-Range {served:?} is not readable"))?;
    let end = last
        .checked_add(1)
        .filter(|end| start <= *end)
        .ok_or_else(|| format!("the Content-Range {served:?} is inverted or out of range"))?;
    let served_bytes = start..end.min(size);
    let expected = asked.0..asked.1.unwrap_or(size).min(size);
    if served_bytes != expected {
        return Err(format!(
            "the server answered bytes {}..{} to a request for bytes {}..{}",
            served_bytes.start, served_bytes.end, expected.start, expected.end
        ));
    }
    Ok((served_bytes, size))
}

/// `bytes 0-9/10` → `(0, 9, 10)`.
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes")?.trim();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, end.trim().parse().ok()?, total.trim().parse().ok()?))
}

/// Metadata as the official clients take it.
///
/// Azure metadata names are C# identifiers (letters, digits and `_`, not starting with a digit),
/// while portable keys are lower-case letters, digits and `-`: a `-` is stored as `_` (which
/// portable keys never contain) and read back as `-` by [`metadata_from_azure`].
///
/// # Errors
/// `InvalidInput` for a key starting with a digit, which Azure cannot store.
pub(crate) fn metadata_map(metadata: &BTreeMap<String, String>) -> Result<Option<HashMap<String, String>>> {
    if let Some(key) = metadata.keys().find(|k| k.starts_with(|c: char| c.is_ascii_digit())) {
        return Err(Error::invalid_input(format!(
            "metadata key {key:?} starts with a digit, which Azure metadata names cannot"
        )));
    }
    Ok((!metadata.is_empty()).then(|| metadata.iter().map(|(k, v)| (k.replace('-', "_"), v.clone())).collect()))
}

/// Metadata as Azure returns it, with the `-` of portable keys restored (see [`metadata_map`]).
pub(crate) fn metadata_from_azure(metadata: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    metadata.into_iter().map(|(k, v)| (k.replace('_', "-"), v)).collect()
}

/// The error for an answer that gives no size for `blob` (no `Content-Length`): a size of 0
/// would make a truncated body look whole.
fn missing_length(blob: &str) -> Error {
    Error::new(ErrorKind::ResponseInvalid, format!("Blob storage did not give the size of {blob} (no Content-Length)"))
        .with_provider(CloudProvider::Azure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_character_delimiters_roll_up() {
        assert_eq!(roll_up("m/a::b", Some("m/"), Some("::")).as_deref(), Some("m/a::"));
        assert_eq!(roll_up("m/a:e", Some("m/"), Some("::")), None);
        assert_eq!(roll_up("x::y::z", None, Some("::")).as_deref(), Some("x::"));
        assert_eq!(roll_up("m/a::b", Some("m/"), None), None);
    }

    #[test]
    fn served_ranges_must_be_the_ones_asked_for() {
        assert_eq!(served_range((10, Some(20)), Some("bytes 10-19/100")), Ok((10..20, 100)));
        assert_eq!(served_range((10, Some(200)), Some("bytes 10-199/100")), Ok((10..100, 100)));
        assert_eq!(served_range((90, None), Some("bytes 90-99/100")), Ok((90..100, 100)));
        assert_eq!(served_range((100, None), Some("bytes 100-99/100")), Ok((100..100, 100)));
        for served in
            ["bytes 0-9/100", "bytes 10-29/100", "bytes 10-2/100", "bytes 0-18446744073709551615/5", "items 10-19/100"]
        {
            assert!(served_range((10, Some(20)), Some(served)).is_err(), "{served}");
        }
        assert!(served_range((10, Some(20)), None).is_err());
    }

    #[test]
    fn content_ranges_parse() {
        assert_eq!(parse_content_range("bytes 0-9/10"), Some((0, 9, 10)));
        assert_eq!(parse_content_range("bytes 5-5/100"), Some((5, 5, 100)));
        assert_eq!(parse_content_range("bytes */10"), None);
    }

    #[test]
    fn metadata_keys_map_to_identifiers_and_back() {
        let portable: BTreeMap<String, String> =
            [("with-dash", "a-b"), ("owner", "x")].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let stored = metadata_map(&portable).unwrap().unwrap();
        assert_eq!(stored.get("with_dash").map(String::as_str), Some("a-b"));
        assert_eq!(metadata_from_azure(stored), portable);
        assert_eq!(metadata_map(&BTreeMap::new()).unwrap(), None);
        let digit: BTreeMap<String, String> = [("1st".to_owned(), "x".to_owned())].into_iter().collect();
        assert_eq!(metadata_map(&digit).unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn etags_are_quoted_for_conditions() {
        assert_eq!(quote_etag("0x8D1").to_string(), "\"0x8D1\"");
        assert_eq!(quote_etag("\"0x8D1\"").to_string(), "\"0x8D1\"");
        assert_eq!(quote_etag("*").to_string(), "*");
    }
}
