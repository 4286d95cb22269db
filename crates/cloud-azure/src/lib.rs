//! `cloud-azure`: Azure Blob Storage on the official `azure_storage_blob` and `azure_identity`.
//!
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![allow(
    dead_code,
    reason = "the container, read, copy and SAS operations serve the StorageClient implementation, which follows the storage v2 contract"
)]
//!
//! # Modules
//!
//! - `builder`: [`AzureBlobClientBuilder`], [`AzureConfigKey`] and the limits they check.
//! - `client`: [`AzureBlobClient`] and the table of which operation uses the official client and
//!   which the REST API.
//! - `compat`: the compatibility names.
//! - `connection_string`: [`ConnectionString`].
//! - `credential`: [`AzureAuth`], [`EntraSource`] and the Entra ID chain.
//! - `shared_key`: the SharedKey signing policy.
//! - `storage`: the [`StorageClient`](cloud_core::StorageClient) implementation.
//! - `sas`: service and user delegation SAS.
//! - `upload`: single Put Blob or staged blocks.
//! - `list`: the List Blobs answer.
//! - `error`: the one mapping from Azure errors to [`cloud_core::ErrorKind`].

mod builder;
mod client;
mod compat;
mod connection_string;
mod credential;
mod error;
mod list;
mod sas;
mod shared_key;
mod storage;
mod timeout;
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
pub use timeout::DEFAULT_ATTEMPT_TIMEOUT;
