//! The Python client's method names (compatibility names) where they differ from the API's `operationId`s.
//!
//! The Python client this crate replaces named seven methods its own way; these keep those names
//! working, each forwarding to the generated method. Every other Python method has the same name
//! here (`list_docs`, `get_row`, `whoami` …), except that listings are now streams with a
//! `*_page` method for one page.
//!
//! | Python method | operation | method here |
//! |---|---|---|
//! | `list_permissions` | `getPermissions` | [`CodaClient::get_permissions`] |
//! | `insert_rows` | `upsertRows` | [`CodaClient::upsert_rows`] |
//! | `trigger_automation` | `triggerWebhookAutomation` | [`CodaClient::trigger_webhook_automation`] |
//! | `get_categories` | `listCategories` | [`CodaClient::list_categories`] |
//! | `export_page` | `beginPageContentExport` | [`CodaClient::begin_page_content_export`] |
//! | `get_page_export_status` | `getPageContentExportStatus` | [`CodaClient::get_page_content_export_status`] |
//! | `get_doc_analytics_summary` | `listDocAnalyticsSummary` | [`CodaClient::list_doc_analytics_summary`] |

use cloud_core::Result;
use futures::stream::BoxStream;

use crate::client::CodaClient;
use crate::models::{
    BeginPageContentExportRequest, BeginPageContentExportResponse, DocAnalyticsSummary, DocCategoryList,
    PageContentExportStatusResponse, Permission, RowsUpsert, RowsUpsertResult, WebhookTriggerPayload,
    WebhookTriggerResult,
};
use crate::operations::{GetPermissionsOptions, ListDocAnalyticsSummaryOptions, UpsertRowsOptions};

impl CodaClient {
    /// Compatibility name (from the Python client) for [`get_permissions`](Self::get_permissions): every permission of a doc.
    pub fn list_permissions(
        &self,
        doc_id: &str,
        options: GetPermissionsOptions,
    ) -> BoxStream<'static, Result<Permission>> {
        self.get_permissions(doc_id, options)
    }

    /// Compatibility name (from the Python client) for [`upsert_rows`](Self::upsert_rows): inserts rows, or upserts them when
    /// `body.key_columns` is set.
    ///
    /// # Errors
    /// As [`upsert_rows`](Self::upsert_rows).
    pub async fn insert_rows(
        &self,
        doc_id: &str,
        table_id_or_name: &str,
        body: &RowsUpsert,
        options: &UpsertRowsOptions,
    ) -> Result<RowsUpsertResult> {
        self.upsert_rows(doc_id, table_id_or_name, body, options).await
    }

    /// Compatibility name (from the Python client) for [`trigger_webhook_automation`](Self::trigger_webhook_automation).
    ///
    /// # Errors
    /// As [`trigger_webhook_automation`](Self::trigger_webhook_automation).
    pub async fn trigger_automation(
        &self,
        doc_id: &str,
        rule_id: &str,
        payload: Option<&WebhookTriggerPayload>,
    ) -> Result<WebhookTriggerResult> {
        self.trigger_webhook_automation(doc_id, rule_id, payload).await
    }

    /// Compatibility name (from the Python client) for [`list_categories`](Self::list_categories).
    ///
    /// # Errors
    /// As [`list_categories`](Self::list_categories).
    pub async fn get_categories(&self) -> Result<DocCategoryList> {
        self.list_categories().await
    }

    /// Compatibility name (from the Python client) for [`begin_page_content_export`](Self::begin_page_content_export); see
    /// [`export_page_content`](Self::export_page_content) to also wait for the download link.
    ///
    /// # Errors
    /// As [`begin_page_content_export`](Self::begin_page_content_export).
    pub async fn export_page(
        &self,
        doc_id: &str,
        page_id_or_name: &str,
        body: &BeginPageContentExportRequest,
    ) -> Result<BeginPageContentExportResponse> {
        self.begin_page_content_export(doc_id, page_id_or_name, body).await
    }

    /// Compatibility name (from the Python client) for [`get_page_content_export_status`](Self::get_page_content_export_status).
    ///
    /// # Errors
    /// As [`get_page_content_export_status`](Self::get_page_content_export_status).
    pub async fn get_page_export_status(
        &self,
        doc_id: &str,
        page_id_or_name: &str,
        request_id: &str,
    ) -> Result<PageContentExportStatusResponse> {
        self.get_page_content_export_status(doc_id, page_id_or_name, request_id).await
    }

    /// Compatibility name (from the Python client) for [`list_doc_analytics_summary`](Self::list_doc_analytics_summary).
    ///
    /// # Errors
    /// As [`list_doc_analytics_summary`](Self::list_doc_analytics_summary).
    pub async fn get_doc_analytics_summary(
        &self,
        options: &ListDocAnalyticsSummaryOptions,
    ) -> Result<DocAnalyticsSummary> {
        self.list_doc_analytics_summary(options).await
    }
}
