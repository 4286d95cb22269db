//! Async client for the [Coda](https://coda.io) REST API v1, generated from Coda's OpenAPI document.
//!
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! # Modules and types
//!
//! - [`CodaClient`] (built with [`CodaBuilder`]): one method per operation, listed in [`OPERATIONS`];
//!   the `*Options` structs carry each operation's optional query parameters.
//! - [`models`]: the request and response types, generated from Coda's OpenAPI document.
//! - [`CellValue`]: cell, control and formula values; [`models::RowEdit::from_cells`] builds row edits.
//! - [`Budget`]: Coda's rate limits; [`validation_errors`]: the details of a 400 answer.

mod aliases;
mod builder;
mod client;
mod error;
mod macros;
pub mod models;
mod mutation;
mod operation;
mod operations;
mod query;
mod resource;
mod value;

pub use builder::{CodaBuilder, CodaConfigKey, DEFAULT_BASE_URL, DEFAULT_RATE_LIMIT_MARGIN, DEFAULT_TIMEOUT};
pub use client::CodaClient;
pub use error::{ValidationError, validation_errors};
pub use operation::{Budget, Operation};
pub use operations::*;
pub use value::CellValue;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<CodaClient>();
        check::<CodaBuilder>();
        check::<CellValue>();
        check::<models::Doc>();
        check::<ListRowsOptions>();
        check::<ValidationError>();
    }

    #[test]
    fn the_table_lists_every_operation_once() {
        let mut ids: Vec<&str> = OPERATIONS.iter().map(|op| op.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), OPERATIONS.len());
        assert!(OPERATIONS.iter().all(|op| op.tag != "Packs"));
    }
}
