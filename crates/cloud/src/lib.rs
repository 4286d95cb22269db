//! `cloud`: async Rust clients for cloud services behind one facade.
//!
//! Everything of [`cloud_core`] is re-exported here (traits, models, the error type, the local
//! backends); each provider crate comes in behind its own feature, as a module of the same name.
//! [`storage::from_url`] opens any storage backend from a URL, so the same code runs on a local
//! directory, in memory, or (with their features) on S3, GCS, Azure, Swift or Infomaniak S3.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use cloud::StorageClientExt;
//! let location = cloud::storage::open("memory://photos/2026/")?;
//! location.client.ensure_bucket(location.bucket_or("photos")).await?;
//! location.client.put_bytes("photos", &location.key("cat.jpg"), &b"meow"[..]).await?;
//! assert_eq!(location.client.get_bytes("photos", "2026/cat.jpg").await?, &b"meow"[..]);
//! # Ok::<(), cloud::Error>(()) }).unwrap();
//! ```
//!
//! # Feature flags
//!
//! | Name | Description | Default |
//! |---|---|---|
//! | `full` | every provider below | no |
//!
//! Provider features are added as their crates land; the local (`file://`) and in-memory
//! (`memory://`) backends are always available.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use cloud_core::*;

pub mod storage;
