//! Async client for [Infomaniak](https://www.infomaniak.com)'s Newsletter API, generated from
//! Infomaniak's OpenAPI export.
//!
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! # Modules and types
//!
//! - [`NewsletterClient`] (built with [`NewsletterBuilder`]): one method per operation, listed in
//!   [`OPERATIONS`]; the `*Options` structs carry each operation's optional query parameters;
//!   [`Listing`] is one page of a listing.
//! - [`models`]: the request and response types, generated from Infomaniak's OpenAPI export.
//! - [`AsyncTask`] and [`NewsletterClient::wait_for_task`]: asynchronous work.
//! - [`api_error`]: the code and description of an error answer.
//! - The compatibility names of the Python client ([`NewsletterClient::list_mailing_lists`] …),
//!   mapped onto the current API (see the table in the README).

mod aliases;
mod builder;
mod client;
mod error;
mod listing;
pub mod models;
mod operation;
mod operations;
mod query;
mod tasks;

pub use aliases::{CampaignStatisticsReport, ContactAction};
pub use builder::{
    DEFAULT_BASE_URL, DEFAULT_RATE_LIMIT_MARGIN, DEFAULT_TIMEOUT, NewsletterBuilder, NewsletterConfigKey,
};
pub use client::NewsletterClient;
pub use error::{ApiError, api_error};
pub use listing::Listing;
pub use operation::{Operation, RATE_LIMIT_BUDGET, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW};
pub use operations::*;
pub use tasks::{AsyncTask, AsyncTaskStatus};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<NewsletterClient>();
        check::<NewsletterBuilder>();
        check::<models::Campaign>();
        check::<ListCampaignsOptions>();
        check::<Listing<models::Subscriber>>();
        check::<ApiError>();
        check::<AsyncTask>();
    }

    #[test]
    fn the_table_lists_every_operation_once() {
        let mut ids: Vec<&str> = OPERATIONS.iter().map(|op| op.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), OPERATIONS.len());
        assert_eq!(OPERATIONS.len(), 71);
        assert!(OPERATIONS.iter().all(|op| op.path.starts_with("/1/newsletters/{domain}")));
    }

    /// Values the document does not list are kept, not refused.
    #[test]
    fn enums_keep_unknown_values() {
        let status: models::DomainStatus = serde_json::from_value(serde_json::json!("archived")).unwrap();
        assert_eq!(status, models::DomainStatus::Other("archived".to_owned()));
        assert_eq!(serde_json::to_value(&status).unwrap(), "archived");
        let known: models::DomainStatus = serde_json::from_value(serde_json::json!("unknown")).unwrap();
        assert_eq!(known, models::DomainStatus::Unknown);
    }
}
