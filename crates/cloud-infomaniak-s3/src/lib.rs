//! `cloud-infomaniak-s3`: Infomaniak's S3-compatible object storage, a preset of `cloud-aws`.
//!
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;

pub use client::{
    DEFAULT_SIGNING_REGION, InfomaniakRegion, InfomaniakS3Builder, InfomaniakS3Client, InfomaniakS3ConfigKey,
};
