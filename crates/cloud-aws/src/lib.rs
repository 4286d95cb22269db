//! `cloud-aws`: Amazon S3 and S3-compatible object storage behind `cloud_core::StorageClient`.
//!
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! # Modules
//!
//! - `builder`: [`S3ClientBuilder`], [`S3ConfigKey`] and the limits they check.
//! - `client`: [`S3Client`] and its S3-only operations ([`CannedAcl`], batch deletes).
//! - `storage`: the [`StorageClient`](cloud_core::StorageClient) implementation.
//! - `upload`: single and multipart uploads.
//! - `error`: the one mapping from S3 errors to [`cloud_core::ErrorKind`].

mod builder;
mod client;
mod error;
mod storage;
mod upload;

pub use builder::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_PART_SIZE, DEFAULT_REGION, DEFAULT_UPLOAD_CONCURRENCY,
    DEFAULT_UPLOAD_MEMORY_LIMIT, MAX_PART_SIZE, MIN_PART_SIZE, MIN_UPLOAD_THROUGHPUT, S3ClientBuilder, S3ConfigKey,
    UploadChecksum,
};
pub use client::{CannedAcl, DELETE_BATCH_SIZE, S3Client};
pub use storage::PRESIGN_MAX_EXPIRY;
