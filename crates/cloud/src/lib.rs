//! `cloud`: async Rust clients for cloud services behind one facade.
//!
//! Everything of [`cloud_core`] is re-exported here (traits, models, the error type, the local
//! backends); each provider crate comes in behind its own feature, as a module of the same name.
//! [`storage::open`] opens any storage backend from a URL, so the same code runs on a local
//! directory, in memory, or (with their features) on S3, GCS, Azure, Swift or Infomaniak S3; no
//! request is made until the first operation, and backends that log in do so then.
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
//! | `aws` | Amazon S3 and S3-compatible storage: [`aws`] (`cloud-aws`), `s3://` URLs | no |
//! | `azure` | Azure Blob Storage: [`azure`] (`cloud-azure`), `az://` and `azure://` URLs | no |
//! | `coda` | Coda.io REST API v1: [`coda`] (`cloud-coda`) | no |
//! | `gcp` | Google Cloud Storage: [`gcp`] (`cloud-gcp`), `gs://` URLs | no |
//! | `infomaniak-openstack` | Infomaniak Public Cloud (OpenStack): [`infomaniak_openstack`] (`cloud-infomaniak-openstack`), `swift://` URLs | no |
//! | `infomaniak-s3` | Infomaniak S3 object storage: [`infomaniak_s3`] (`cloud-infomaniak-s3`), `infomaniak-s3://` URLs | no |
//! | `infomaniak-newsletter` | Infomaniak Newsletter API: [`infomaniak_newsletter`] (`cloud-infomaniak-newsletter`) | no |
//! | `infomaniak` | every Infomaniak service above | no |
//! | `full` | every provider | no |
//!
//! The local (`file://`) and in-memory (`memory://`) backends are always available. The URL
//! schemes, and which settings a URL may carry, are listed in [`storage`].
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use cloud_core::*;

pub mod storage;

#[cfg(feature = "aws")]
pub use cloud_aws as aws;
#[cfg(feature = "azure")]
pub use cloud_azure as azure;
#[cfg(feature = "coda")]
pub use cloud_coda as coda;
#[cfg(feature = "gcp")]
pub use cloud_gcp as gcp;
#[cfg(feature = "infomaniak-newsletter")]
pub use cloud_infomaniak_newsletter as infomaniak_newsletter;
#[cfg(feature = "infomaniak-openstack")]
pub use cloud_infomaniak_openstack as infomaniak_openstack;
#[cfg(feature = "infomaniak-s3")]
pub use cloud_infomaniak_s3 as infomaniak_s3;
