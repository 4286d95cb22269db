//! Azure Blob Storage as a [`cloud_core::StorageClient`], on Microsoft's official
//! `azure_storage_blob` and `azure_identity` crates.
//!
//! - [`AzureBlobClient`]: containers as buckets, block blobs written as streams (one Put Blob
//!   for small bodies, staged blocks with bounded concurrency otherwise, nothing committed on
//!   failure), ETag-pinned parallel ranged reads, listings as streams with prefix and delimiter,
//!   server-side copy, conditional requests, content headers, and SAS URLs.
//! - Authorization: SharedKey (account and key, or a connection string, including
//!   `UseDevelopmentStorage=true` for the Azurite emulator), a SAS token, or Entra ID through
//!   `azure_identity` (client secret, workload identity, managed identity, Azure CLI, in that
//!   order). See [`AzureBlobClientBuilder`] for every setting and its environment variable.
//! - Presigned URLs are SAS URLs: a service SAS signed with the account key, or a user
//!   delegation SAS under Entra ID.
//!
//! The official crate authenticates with Entra ID only; this crate adds SharedKey signing as an
//! `azure_core` pipeline policy, so the same pipeline serves account keys and the emulator. Which
//! operation uses the official client and which the Blob REST API directly is listed in the
//! `client` module's source documentation; in short, only listings (the official crate cannot
//! list with a delimiter) and SAS signing are done here.
//!
//! ```no_run
//! use cloud_azure::AzureBlobClientBuilder;
//! use cloud_core::StorageClientExt;
//!
//! # async fn demo() -> cloud_core::Result<()> {
//! let azure = AzureBlobClientBuilder::from_env().build()?;
//! azure.ensure_container("photos").await?;
//! azure.upload_blob("photos", "cat.jpg", bytes::Bytes::from_static(b"..."), Some("image/jpeg")).await?;
//! let bytes = azure.download_blob("photos", "cat.jpg").await?;
//! # let _ = bytes;
//! # Ok(()) }
//! ```

mod builder;
mod client;
mod compat;
mod connection_string;
mod credential;
mod error;
mod list;
mod sas;
mod shared_key;
mod upload;

pub use builder::{
    AzureBlobClientBuilder, AzureConfigKey, DEFAULT_BLOCK_SIZE, DEFAULT_DOWNLOAD_CONCURRENCY,
    DEFAULT_DOWNLOAD_PART_SIZE, DEFAULT_UPLOAD_CONCURRENCY, MAX_BLOCK_SIZE, MAX_BLOCKS, MAX_SINGLE_PUT_SIZE,
};
pub use client::{AzureBlobClient, MAX_SAS_EXPIRY};
pub use connection_string::{
    ConnectionString, DEVELOPMENT_ACCOUNT, DEVELOPMENT_ACCOUNT_KEY, DEVELOPMENT_BLOB_ENDPOINT,
};
pub use credential::{AzureAuth, EntraSource};
pub use sas::SAS_VERSION;
