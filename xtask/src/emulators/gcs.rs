//! GCS: gcp-storage-emulator 2026.7.19 from PyPI, in memory, on `127.0.0.1:9023`.
//!
//! It speaks the JSON API (simple, multipart and resumable uploads, range reads, copy, compose,
//! rewrite, delete) and checks no credentials. It ignores `maxResults`/`pageToken` and
//! preconditions, so pagination and `ifGenerationMatch` cannot be tested against it. Clients
//! find it through `STORAGE_EMULATOR_HOST`. After each start the bucket `cloud-test` exists.
//!
//! It runs under `templates/gcs_threaded.py`: the package serves one request at a time, so an
//! upload streamed from a download of the same emulator (the object_store adapter's multipart
//! completion does that) would wait for itself forever. The wrapper gives each connection a
//! thread that reads its request body, and still runs the emulator's handlers one at a time.
//! It also makes a resumable session that holds no bytes answer its status query without a
//! `Range` header, as Cloud Storage does (the emulator claims one byte, then refuses the resend
//! from byte 0).

use anyhow::Result;
use serde_json::json;

use super::http::Request;
use super::install::Tool;
use super::layout::Layout;
use super::process::{ProcSpec, Ready};
use super::var;

const PORT: u16 = 9023;
const BUCKET: &str = "cloud-test";

pub(super) fn tool() -> Tool {
    Tool::Pip { venv: "venv-gcs", requirements: "gcp-storage-emulator==2026.7.19" }
}

/// The wrapper that runs the emulator with a thread per connection (see the module docs).
fn wrapper(layout: &Layout) -> std::path::PathBuf {
    layout.data("gcs").join("gcs_threaded.py")
}

/// Writes the wrapper (at every `up`: a running emulator keeps the one it started with).
pub(super) fn setup(layout: &Layout) -> Result<()> {
    super::write_start_file(&wrapper(layout), include_str!("templates/gcs_threaded.py"))
}

pub(super) fn proc(layout: &Layout) -> ProcSpec {
    let script = wrapper(layout).to_string_lossy().into_owned();
    ProcSpec::new("gcs", "gcs", layout.tools().join("venv-gcs/bin/python"))
        .args([script.as_str(), "start", "--host", "127.0.0.1", "--port", &PORT.to_string(), "--in-memory"])
        .cwd(layout.root())
        .ready(Ready::Http { port: PORT, path: "/storage/v1/b" }, 30)
        .phase(1)
}

/// After a start, creates the test bucket (the emulator keeps nothing across restarts).
pub(super) fn after_phase(phase: u8, fresh: bool) -> Result<()> {
    if phase != 1 || !fresh {
        return Ok(());
    }
    Request::new("POST", PORT, "/storage/v1/b?project=cloud-test")
        .json(&json!({"name": BUCKET}))
        .send()?
        .expect(&[200, 409], "creating the GCS test bucket")?;
    Ok(())
}

pub(super) fn env() -> Vec<(String, String)> {
    let endpoint = format!("http://127.0.0.1:{PORT}");
    vec![
        var("CLOUD_TEST_GCS_ENDPOINT", endpoint.clone()),
        var("CLOUD_TEST_GCS_BUCKET", BUCKET),
        var("STORAGE_EMULATOR_HOST", endpoint),
    ]
}
