//! Asynchronous work: [`AsyncTask`], [`NewsletterClient::get_async_task`] and
//! [`NewsletterClient::wait_for_task`].
//!
//! Bulk operations (deleting, exporting, unsubscribing, assigning subscribers …) answer `202
//! Accepted` and go on in the background as an Infomaniak asynchronous task, followed through
//! `GET /1/async/tasks/{task_uuid}` (a route of Infomaniak's core API, outside the newsletter's).

use std::fmt;
use std::time::Duration;

use cloud_core::poll::{PollState, poll_until};
use cloud_core::{CloudProvider, Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

use crate::client::NewsletterClient;

/// The state of an asynchronous task.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AsyncTaskStatus {
    /// Waiting to run.
    Spooled,
    /// Running.
    Running,
    /// Done.
    Executed,
    /// Failed (see [`AsyncTask::error`]).
    Failed,
    /// A state this version does not know.
    #[serde(other)]
    Other,
}

impl fmt::Display for AsyncTaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Spooled => "spooled",
            Self::Running => "running",
            Self::Executed => "executed",
            Self::Failed => "failed",
            Self::Other => "other",
        })
    }
}

/// An asynchronous task (`AsyncTask` of Infomaniak's core API document).
///
/// The document requires every timestamp; a task that has not run yet has no `executed_at` or
/// `finished_at` to give, so they are optional here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AsyncTask {
    /// The task's id.
    pub uuid: String,
    /// Its state.
    pub status: AsyncTaskStatus,
    /// When it was created (Unix seconds).
    #[serde(default)]
    pub created_at: Option<i64>,
    /// When it last changed (Unix seconds).
    #[serde(default)]
    pub updated_at: Option<i64>,
    /// When it started running (Unix seconds).
    #[serde(default)]
    pub executed_at: Option<i64>,
    /// When it finished (Unix seconds).
    #[serde(default)]
    pub finished_at: Option<i64>,
    /// What the work answered, once executed.
    #[serde(default)]
    pub response: Option<serde_json::Value>,
    /// What went wrong, once failed.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
}

impl NewsletterClient {
    /// The state of the asynchronous task `task_uuid`.
    ///
    /// `GET /1/async/tasks/{task_uuid}` (Infomaniak's core API).
    ///
    /// # Errors
    /// `InvalidInput` for an empty id (nothing is sent); `NotFound` for an unknown task; the
    /// errors of every call (see the crate docs).
    pub async fn get_async_task(&self, task_uuid: &str) -> Result<AsyncTask> {
        self.call_path("AsyncTaskShow", &["1", "async", "tasks", task_uuid]).await
    }

    /// Waits until the task `task_uuid` has run, polling with growing delays (1 s, doubling up to
    /// 5 s, see [`poll_until`]); returns the executed task.
    ///
    /// # Errors
    /// `Service` (with the task's error) when the task failed; `Timeout` when it is still spooled
    /// or running after `timeout`; the errors of [`get_async_task`](Self::get_async_task).
    pub async fn wait_for_task(&self, task_uuid: &str, timeout: Duration) -> Result<AsyncTask> {
        poll_until(format_args!("asynchronous task {task_uuid}"), timeout, || async {
            let task = self.get_async_task(task_uuid).await?;
            match task.status {
                AsyncTaskStatus::Executed => Ok(PollState::Ready(task)),
                AsyncTaskStatus::Failed => Err(Error::new(
                    ErrorKind::Service,
                    format!(
                        "asynchronous task {task_uuid} failed: {}",
                        task.error.as_ref().map_or_else(|| "no details".to_owned(), ToString::to_string)
                    ),
                )
                .with_provider(CloudProvider::Infomaniak)
                .with_operation("AsyncTaskShow")),
                other => Ok(PollState::Pending(other.to_string())),
            }
        })
        .await
    }
}
