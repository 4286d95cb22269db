//! `cloud-core`: the traits, models, error taxonomy and shared machinery of the `cloud` crates.
//!
//! - Models: [`CloudProvider`], [`ResourceType`], [`CloudCredentials`], [`CloudResource`].
//! - Errors: one opaque [`Error`] with an [`ErrorKind`]; see [`kind_for_status`].
//! - Traits: [`StorageClient`] (+ [`StorageClientExt`]), [`ComputeClient`] (+ [`ComputeClientExt`]),
//!   [`ServerlessClient`], [`CloudClient`].
//! - Machinery: [`retry`] (backoff policy), [`rate_limit`] (sliding-window budgets), [`stream::paginate`], [`poll::poll_until`],
//!   [`Env`] (testable `from_env`), [`config`] (builder settings by name: [`ConfigKey`], [`Configure`]), [`SecretString`].
//! - Local backends: [`LocalStorage`] (a directory) and [`MemoryStorage`].
//!
//! # Features
//!
//! | Name | Description | Default |
//! |---|---|---|
//! | `http` | the `reqwest` layer shared by the REST provider crates ([`http`]) | no |
//! | `conformance` | the shared conformance suites (`conformance`), not semver-stable | no |
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use cloud_core::{MemoryStorage, StorageClient, StorageClientExt};
//! let store = MemoryStorage::new();
//! store.ensure_bucket("photos").await?;
//! store.put_bytes("photos", "cat.jpg", &b"meow"[..]).await?;
//! assert_eq!(store.get_bytes("photos", "cat.jpg").await?, &b"meow"[..]);
//! # Ok::<(), cloud_core::Error>(()) }).unwrap();
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod compute;
mod env;
mod error;
mod local;
mod model;
mod resource;
mod secret;
mod serverless;

#[cfg(feature = "object-store")]
pub mod adapter;
pub mod config;
pub mod content_range;
pub mod poll;
pub mod rate_limit;
pub mod retry;
pub mod storage;
pub mod stream;

#[cfg(feature = "http")]
pub mod http;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use compute::{ComputeClient, ComputeClientExt, CreateInstanceRequest, Instance, InstanceStatus, RebootKind};
pub use config::{ConfigKey, Configure};
pub use env::{Env, parse_bool};
pub use error::{BoxError, Error, ErrorKind, Result, error_chain, kind_for_status};
pub use local::{LocalStorage, MemoryStorage};
pub use model::{CloudCredentials, CloudProvider, CloudResource, ResourceType};
pub use resource::CloudClient;
pub use secret::{REDACTED, SecretString};
pub use serverless::{CreateFunctionRequest, FunctionInfo, ServerlessClient};
pub use storage::{StorageClient, StorageClientExt};

/// Re-exported so that implementors use the same `async_trait` as the traits.
pub use async_trait::async_trait;
