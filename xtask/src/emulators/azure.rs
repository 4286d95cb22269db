//! Azure Blob: Azurite 3.35.0 from npm, the newest release that runs on Node 20 (3.37 needs
//! Node 22).
//!
//! Only the blob service runs, in memory, on `127.0.0.1:10000`. It checks SharedKey and SAS
//! signatures (a wrong key is rejected) and runs in strict mode (no `--loose`), so a request
//! header or parameter Azurite does not support fails loudly instead of being ignored.
//! `--skipApiVersionCheck` lets newer `x-ms-version` values through. URLs are path-style with
//! the account as the first segment: `http://127.0.0.1:10000/devstoreaccount1/<container>/<blob>`.
//! After each start the container `cloud-test` is created with a SharedKey-signed request (a
//! stdlib Python script: xtask carries no HMAC code).
//!
//! The account keeps Azurite's name `devstoreaccount1` but gets a canary key through
//! `AZURITE_ACCOUNTS` (which replaces the built-in account): the secret canary of `cargo xtask
//! test` then finds the key wherever it leaks. An Azurite started before keeps the well-known
//! key until it restarts (it holds nothing across restarts anyway).

use anyhow::{Context, Result};

use super::install::Tool;
use super::install::run_logged;
use super::layout::Layout;
use super::process::{ProcSpec, Ready};
use super::{Ctx, Server, record_credentials, recorded_credential, var};

const PORT: u16 = 10000;
const ACCOUNT: &str = "devstoreaccount1";
/// The account key Azurite starts with: 64 bytes in base64, whose text starts with the canary.
const KEY: &str = "CANARYazuriteAccountKeylhQCvpm8FOFlEsD4qmq5ShuHRWYl398ZpkpmVxKGmZR53W1FnTtqavzoXUzIwLA==";
/// Azurite's documented development key, which an Azurite started before the canary still uses.
const LEGACY_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const KEY_VARIABLE: &str = "CLOUD_TEST_AZURITE_ACCESS_KEY";
const CONTAINER: &str = "cloud-test";

pub(super) fn tool() -> Tool {
    Tool::Npm { prefix: "npm-azurite", package: "azurite@3.35.0" }
}

pub(super) fn proc(layout: &Layout) -> ProcSpec {
    let data = layout.data("azurite");
    ProcSpec::new("azurite", "azurite", layout.tools().join("npm-azurite/node_modules/.bin/azurite-blob"))
        .args(["--blobHost", "127.0.0.1", "--blobPort", &PORT.to_string()])
        .args(["--inMemoryPersistence", "--skipApiVersionCheck", "--silent"])
        .env("AZURITE_ACCOUNTS", format!("{ACCOUNT}:{KEY}"))
        // In memory, `--location` is refused; the working directory catches any stray file.
        .cwd(data)
        .ready(Ready::Http { port: PORT, path: "/" }, 60)
        .phase(1)
}

/// After a start, creates the test container (Azurite keeps nothing across restarts).
pub(super) fn after_phase(ctx: &Ctx<'_>, phase: u8, fresh: bool) -> Result<()> {
    if phase != 1 || !fresh {
        return Ok(());
    }
    record_credentials(&ctx.layout, Server::Azurite, &[var(KEY_VARIABLE, KEY)])?;
    run_logged(
        ctx.command("python3").arg("-c").arg(include_str!("templates/azurite-create-container.py")).args([
            &PORT.to_string(),
            ACCOUNT,
            KEY,
            CONTAINER,
        ]),
        &ctx.layout.logs().join("setup-azurite.log"),
    )
    .context("creating the Azurite test container")
}

pub(super) fn env(layout: &Layout) -> Result<Vec<(String, String)>> {
    let key = recorded_credential(layout, Server::Azurite, KEY_VARIABLE, LEGACY_KEY)?;
    let endpoint = format!("http://127.0.0.1:{PORT}/{ACCOUNT}");
    let connection =
        format!("DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};BlobEndpoint={endpoint};");
    Ok(vec![
        var("CLOUD_TEST_AZURITE_BLOB_ENDPOINT", endpoint),
        var("CLOUD_TEST_AZURITE_ACCOUNT", ACCOUNT),
        var(KEY_VARIABLE, key),
        var("CLOUD_TEST_AZURITE_CONTAINER", CONTAINER),
        var("CLOUD_TEST_AZURITE_CONNECTION_STRING", connection.clone()),
        var("AZURE_STORAGE_CONNECTION_STRING", connection),
    ])
}
