//! Waiting for Coda's asynchronous work: mutations (202 answers) and page exports.
//!
//! Edits answer `202 Accepted` with a `requestId` and are applied a few seconds later;
//! [`CodaClient::wait_for_mutation`] polls `/mutationStatus/{requestId}` until Coda says the edit
//! is done. Right after the edit the status may not exist yet (Coda's replication delay answers
//! 404), so the first 404s are waited out rather than reported.

use std::time::Duration;

use cloud_core::poll::saturating_deadline;
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use tokio::time::Instant;

use crate::client::CodaClient;
use crate::models::{
    BeginPageContentExportRequest, MutationStatus, PageContentExportStatusResponse, PageContentOutputFormat,
};

/// The first wait between two polls.
const FIRST_DELAY: Duration = Duration::from_millis(500);

/// The longest wait between two polls.
const MAX_DELAY: Duration = Duration::from_secs(5);

/// How many 404 answers in a row are taken for replication delay before one is reported.
const TOLERATED_NOT_FOUND: u32 = 5;

impl CodaClient {
    /// Waits until the mutation `request_id` (the `requestId` of a 202 answer) has completed.
    ///
    /// Polls [`get_mutation_status`](Self::get_mutation_status) at once, then with backoff (0.5 s,
    /// doubling, at most 5 s between polls). Up to five 404 answers in a row, before the status has
    /// ever been seen, are taken for replication delay. Returns the final status, whose `warning`
    /// says whether the edit completed with caveats.
    ///
    /// # Errors
    /// `Timeout` when the mutation has not completed within `timeout`; `NotFound` when the status
    /// stays unknown (or disappears after being seen); the errors of `get_mutation_status`.
    pub async fn wait_for_mutation(&self, request_id: &str, timeout: Duration) -> Result<MutationStatus> {
        let deadline = saturating_deadline(Instant::now(), timeout);
        let mut delay = FIRST_DELAY;
        let mut not_found = 0;
        let mut seen = false;
        loop {
            match self.get_mutation_status(request_id).await {
                Ok(status) if status.completed => return Ok(status),
                Ok(_) => seen = true,
                Err(err) if err.kind() == ErrorKind::NotFound && !seen && not_found < TOLERATED_NOT_FOUND => {
                    not_found += 1;
                    tracing::debug!(request_id, not_found, "mutation status not found yet");
                }
                Err(err) => return Err(err),
            }
            if saturating_deadline(Instant::now(), delay) > deadline {
                return Err(timed_out(format!("mutation {request_id} did not complete within {timeout:?}")));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_DELAY);
        }
    }

    /// Waits until the export `request_id` (the `id` of [`begin_page_content_export`]) is done and
    /// returns its download link (which expires soon: fetch it right away, or call this again).
    ///
    /// [`begin_page_content_export`]: Self::begin_page_content_export
    ///
    /// # Errors
    /// `Service` when Coda reports the export failed (with its message); `Timeout` when it is not
    /// done within `timeout`; `ResponseInvalid` when a completed export has no link; the errors of
    /// [`get_page_content_export_status`](Self::get_page_content_export_status).
    pub async fn wait_for_page_export(
        &self,
        doc_id: &str,
        page_id_or_name: &str,
        request_id: &str,
        timeout: Duration,
    ) -> Result<String> {
        let deadline = saturating_deadline(Instant::now(), timeout);
        let mut delay = FIRST_DELAY;
        loop {
            let status = self.get_page_content_export_status(doc_id, page_id_or_name, request_id).await?;
            if let Some(link) = export_outcome(&status)? {
                return Ok(link);
            }
            if saturating_deadline(Instant::now(), delay) > deadline {
                return Err(timed_out(format!(
                    "the export {request_id} of page {page_id_or_name:?} is still {:?} after {timeout:?}",
                    status.status
                )));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_DELAY);
        }
    }

    /// Exports a page's content as HTML or Markdown: begins the export, waits for it, and returns
    /// the download link.
    ///
    /// ```no_run
    /// # async fn demo(client: cloud_coda::CodaClient) -> cloud_core::Result<()> {
    /// use std::time::Duration;
    /// use cloud_coda::models::PageContentOutputFormat;
    /// let link = client
    ///     .export_page_content("AbCDeFGH", "Launch plan", PageContentOutputFormat::Markdown, Duration::from_secs(60))
    ///     .await?;
    /// println!("download {link}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Those of [`begin_page_content_export`](Self::begin_page_content_export) and
    /// [`wait_for_page_export`](Self::wait_for_page_export).
    pub async fn export_page_content(
        &self,
        doc_id: &str,
        page_id_or_name: &str,
        format: PageContentOutputFormat,
        timeout: Duration,
    ) -> Result<String> {
        let begun = self
            .begin_page_content_export(doc_id, page_id_or_name, &BeginPageContentExportRequest::new(format))
            .await?;
        self.wait_for_page_export(doc_id, page_id_or_name, &begun.id, timeout).await
    }
}

/// The download link of a finished export, `None` while it runs, or the failure.
fn export_outcome(status: &PageContentExportStatusResponse) -> Result<Option<String>> {
    match (status.status.as_str(), &status.download_link) {
        ("failed", _) => Err(Error::new(
            ErrorKind::Service,
            format!("the page export failed: {}", status.error.as_deref().unwrap_or("no reason given")),
        )
        .with_provider(CloudProvider::Coda)),
        (_, Some(link)) => Ok(Some(link.clone())),
        ("complete", None) => {
            Err(Error::new(ErrorKind::ResponseInvalid, "a completed page export has no download link")
                .with_provider(CloudProvider::Coda))
        }
        _ => Ok(None),
    }
}

fn timed_out(message: String) -> Error {
    Error::new(ErrorKind::Timeout, message).with_provider(CloudProvider::Coda)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(json: serde_json::Value) -> PageContentExportStatusResponse {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn export_outcomes() {
        let running = status(serde_json::json!({"id": "r", "status": "inProgress", "href": "h"}));
        assert_eq!(export_outcome(&running).unwrap(), None);
        let done =
            status(serde_json::json!({"id": "r", "status": "complete", "href": "h", "downloadLink": "https://x"}));
        assert_eq!(export_outcome(&done).unwrap().as_deref(), Some("https://x"));
        let failed = status(serde_json::json!({"id": "r", "status": "failed", "href": "h", "error": "too big"}));
        let err = export_outcome(&failed).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Service);
        assert!(err.message().contains("too big"));
        let broken = status(serde_json::json!({"id": "r", "status": "complete", "href": "h"}));
        assert_eq!(export_outcome(&broken).unwrap_err().kind(), ErrorKind::ResponseInvalid);
    }
}
