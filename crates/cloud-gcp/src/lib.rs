//! `cloud-gcp`: Google Cloud Storage behind `cloud_core::StorageClient`.
//!
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! # Modules
//!
//! - `builder`: [`GcsClientBuilder`], [`GcsConfigKey`] and the limits they check.
//! - `client`: [`GcsClient`], the JSON API calls, generation preconditions, streamed and checked reads.
//! - `upload`: single-request and resumable uploads.
//! - `storage`: the [`StorageClient`](cloud_core::StorageClient) implementation.
//! - `generation`: generations, metagenerations, their preconditions ([`GcsPreconditions`]),
//!   [`GcsObject`] and [`MetadataPatch`].
//! - `signing`: V4 signed URLs.
//! - `iam`: signing through the IAM Service Account Credentials API (`signBlob`).
//! - `credential`: credentials through `google-cloud-auth`.
//! - `compat`: the compatibility names (`upload_blob`, `download_blob`, `list_blobs`,
//!   `get_metadata`, `ensure_bucket`).
//! - `error`: the one mapping from JSON API error answers to [`cloud_core::ErrorKind`].

mod builder;
mod client;
mod compat;
mod credential;
mod error;
mod generation;
mod iam;
mod model;
mod signing;
mod storage;
mod upload;

pub use builder::{
    CHUNK_ALIGNMENT, DEFAULT_CHUNK_SIZE, DEFAULT_ENDPOINT, DEFAULT_LOCATION, GcsClientBuilder, GcsConfigKey,
    MAX_CHUNK_SIZE,
};
pub use client::GcsClient;
pub use compat::COMPAT_BUCKET_LOCATION;
pub use generation::{GcsObject, GcsPreconditions, MetadataPatch};
pub use iam::DEFAULT_IAM_ENDPOINT;
pub use signing::PRESIGN_MAX_EXPIRY;
pub use storage::MAX_OBJECT_SIZE;
