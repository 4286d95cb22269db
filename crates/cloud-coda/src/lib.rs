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

    /// What Coda returns beyond its OpenAPI document still decodes (see `xtask/src/codegen/coda.rs`).
    #[test]
    fn models_accept_what_coda_returns_beyond_the_document() {
        let size: models::DocSize = serde_json::from_value(serde_json::json!({
            "totalRowCount": 1, "tableAndViewCount": 2, "pageCount": 3, "overApiSizeLimit": false,
            "baseTableCount": 2, "someFutureCounter": 9
        }))
        .unwrap();
        assert_eq!(size.base_table_count, Some(2.0));
        let table_page: models::PageType = serde_json::from_value(serde_json::json!("table")).unwrap();
        assert_eq!(table_page, models::PageType::Table);
        let future: models::Layout = serde_json::from_value(serde_json::json!("timeline")).unwrap();
        assert_eq!(future, models::Layout::Unknown("timeline".to_owned()));
        // A deprecated field the document calls required may be missing.
        let folder = serde_json::json!({"id": "fl-1", "type": "folder", "browserLink": "https://coda.io/f"});
        let workspace = serde_json::json!({"id": "ws-1", "type": "workspace", "browserLink": "https://coda.io/w"});
        let doc: models::Doc = serde_json::from_value(serde_json::json!({
            "id": "d", "type": "doc", "href": "https://coda.io/apis/v1/docs/d", "browserLink": "https://coda.io/d/_dd",
            "name": "D", "owner": "a@b.c", "ownerName": "A", "createdAt": "2024-01-01T00:00:00Z",
            "updatedAt": "2024-01-01T00:00:00Z", "workspace": workspace, "folder": folder
        }))
        .unwrap();
        assert_eq!(doc.workspace_id, None);
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
