//! Mock servers of the APIs nothing here can run (Coda, Infomaniak's Newsletter): Prism 5.14.2
//! (`@stoplight/prism-cli` from npm, the newest release that runs on Node 20; 5.15 and later need
//! Node 24) serving each vendor's OpenAPI document in mock mode.
//!
//! Prism validates every request against the document (path, query and body) and answers an
//! invalid one with `422` and the violations; a valid one gets an answer Prism builds from the
//! document's examples and schemas. That makes it an independent check of the clients' requests:
//! the tests drive every operation against it. It is started without `--errors`, so its own
//! answers are not validated (with that flag it rejects answers it generated itself from Coda's
//! `format: url` fields).
//!
//! Prism reads the document as the generator does, repaired in a generated copy under
//! `run/<server>/openapi.json` (see `cargo xtask codegen`): Coda's `${docId}` paths read as
//! `{docId}`, and the Newsletter export without its dangling references.
//!
//! | server | port | document |
//! |---|---|---|
//! | `newsletter-mock` | 4010 | `infomaniak-newsletter-openapi.json` |
//! | `coda-mock` | 4011 | `coda-openapi.json` |

use anyhow::{Context, Result};

use super::install::Tool;
use super::layout::Layout;
use super::process::{ProcSpec, Ready};
use super::{Ctx, Server, var};

const PACKAGE: &str = "@stoplight/prism-cli@5.14.2";

pub(super) fn tool() -> Tool {
    Tool::Npm { prefix: "npm-prism", package: PACKAGE }
}

fn port(server: Server) -> u16 {
    if server == Server::CodaMock { 4011 } else { 4010 }
}

fn document(layout: &Layout, server: Server) -> std::path::PathBuf {
    layout.data(server.name()).join("openapi.json")
}

/// Writes the repaired document Prism serves (at every `up`: the documents may have changed).
pub(super) fn setup(ctx: &Ctx<'_>, server: Server) -> Result<()> {
    let doc = if server == Server::CodaMock {
        crate::codegen::coda_document(ctx.sh)?
    } else {
        crate::codegen::newsletter_document(ctx.sh)?
    };
    let path = document(&ctx.layout, server);
    let dir = path.parent().context("a document directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(&path, serde_json::to_vec_pretty(&doc)?).with_context(|| format!("writing {}", path.display()))
}

pub(super) fn proc(layout: &Layout, server: Server) -> ProcSpec {
    let port = port(server);
    ProcSpec::new(server.name(), server.name(), layout.tools().join("npm-prism/node_modules/.bin/prism"))
        .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(document(layout, server))
        .cwd(layout.data(server.name()))
        .ready(Ready::Tcp(port), 90)
        .phase(1)
}

pub(super) fn env(server: Server) -> Vec<(String, String)> {
    let name = if server == Server::CodaMock { "CLOUD_TEST_CODA_MOCK_URL" } else { "CLOUD_TEST_NEWSLETTER_MOCK_URL" };
    vec![var(name, format!("http://127.0.0.1:{}", port(server)))]
}
