//! S3 servers: s3s-fs (crates.io) and moto (PyPI), both checking SigV4.
//!
//! - s3s-fs 0.14.1 is the newest release that builds with Rust 1.95 (0.17 needs 1.96). It serves
//!   a directory, accepts exactly one access key, and answers `SignatureDoesNotMatch` to a wrong
//!   secret. Its data directory is emptied at every start. `cargo install` takes about 8 minutes
//!   on two cores, once; the binary is cached in `tools/cargo/bin`.
//! - moto 5.2.5 checks nothing unless `INITIAL_NO_AUTH_ACTION_COUNT` is set. It is started with
//!   a count of 4, and the first four requests (unsigned as far as moto cares) create an IAM
//!   user, give it an allow-all inline policy, create its access key and create the bucket
//!   `cloud-test`; from then on moto verifies every signature against that key. Do not call `/moto-api/reset` in tests: it drops
//!   the key. Port 5050, because Keystone owns 5000. Lambda and Batch run without Docker. The
//!   `crc32c` package goes into its venv: without it moto stores a CRC32 where a CRC32C is asked
//!   for (it does not check the checksums clients send).

use anyhow::{Context, Result, bail};

use super::http::Request;
use super::install::Tool;
use super::layout::Layout;
use super::process::{ProcSpec, Ready};
use super::{Ctx, Server, lookup, read_env_file, record_credentials, recorded_credential, var, write_env_file};

const S3S_PORT: u16 = 8014;
const S3S_ACCESS_KEY: &str = "cloudtests3sfs";
/// The secret s3s-fs starts with: a canary (see `recorded_credential`).
const S3S_SECRET_KEY: &str = "CANARYs3sfsSecretK7Vq2Xw9";
/// The secret of an s3s-fs started before the canary.
const S3S_LEGACY_SECRET_KEY: &str = "cloud-test-s3s-fs-secret";

const MOTO_PORT: u16 = 5050;
/// The calls made before moto starts checking signatures (three IAM calls, one CreateBucket).
const MOTO_SETUP_CALLS: u32 = 4;
const MOTO_USER: &str = "cloud-test";

const REGION: &str = "us-east-1";
/// The bucket both servers hold, empty, after each start.
const BUCKET: &str = "cloud-test";

pub(super) fn tools(server: Server) -> Vec<Tool> {
    match server {
        Server::S3sFs => vec![Tool::Cargo { krate: "s3s-fs", version: "0.14.1", features: "binary", bin: "s3s-fs" }],
        // Without `crc32c`, moto silently computes CRC32 where CRC32C is asked for.
        _ => vec![Tool::Pip { venv: "venv-moto", requirements: "moto[server]==5.2.5 crc32c==2.7.1" }],
    }
}

pub(super) fn procs(layout: &Layout, server: Server) -> Vec<ProcSpec> {
    let tools = layout.tools();
    match server {
        Server::S3sFs => {
            let data = layout.data("s3s-fs");
            vec![
                ProcSpec::new("s3s-fs", "s3s-fs", tools.join("cargo/bin/s3s-fs"))
                    .args(["--host", "127.0.0.1", "--port", &S3S_PORT.to_string()])
                    .args(["--access-key", S3S_ACCESS_KEY, "--secret-key", S3S_SECRET_KEY])
                    .arg(data.as_os_str())
                    .ready(Ready::Http { port: S3S_PORT, path: "/" }, 30)
                    .phase(1),
            ]
        }
        _ => vec![
            ProcSpec::new("moto", "moto", tools.join("venv-moto/bin/moto_server"))
                .args(["-H", "127.0.0.1", "-p", &MOTO_PORT.to_string()])
                .env("INITIAL_NO_AUTH_ACTION_COUNT", MOTO_SETUP_CALLS.to_string())
                .ready(Ready::Http { port: MOTO_PORT, path: "/moto-api/" }, 60)
                .phase(1),
        ],
    }
}

/// Before the start (phase 0), s3s-fs gets an empty data directory; after it (phase 1), moto
/// gets its IAM user.
pub(super) fn after_phase(ctx: &Ctx<'_>, server: Server, phase: u8, fresh: bool) -> Result<()> {
    match (server, phase) {
        (Server::S3sFs, 0) if !server.is_up(&ctx.layout) => {
            let data = ctx.layout.data("s3s-fs");
            if data.exists() {
                std::fs::remove_dir_all(&data).with_context(|| format!("emptying {}", data.display()))?;
            }
            // s3s-fs serves each directory as a bucket.
            std::fs::create_dir_all(data.join(BUCKET))?;
            Ok(())
        }
        (Server::S3sFs, 1) if fresh => {
            record_credentials(&ctx.layout, server, &[var("CLOUD_TEST_S3S_SECRET_ACCESS_KEY", S3S_SECRET_KEY)])
        }
        (Server::Moto, 1) => {
            if !fresh && read_env_file(&ctx.layout, "moto")?.is_some() {
                return Ok(());
            }
            if !fresh {
                bail!("moto runs but its IAM key is unknown; restart it with `cargo xtask emulators down moto`");
            }
            let keys = moto_bootstrap()?;
            write_env_file(&ctx.layout, "moto", &keys)
        }
        _ => Ok(()),
    }
}

pub(super) fn env(layout: &Layout, server: Server) -> Result<Vec<(String, String)>> {
    match server {
        Server::S3sFs => Ok(vec![
            var("CLOUD_TEST_S3S_ENDPOINT", format!("http://127.0.0.1:{S3S_PORT}")),
            var("CLOUD_TEST_S3S_REGION", REGION),
            var("CLOUD_TEST_S3S_ACCESS_KEY_ID", S3S_ACCESS_KEY),
            var(
                "CLOUD_TEST_S3S_SECRET_ACCESS_KEY",
                recorded_credential(layout, server, "CLOUD_TEST_S3S_SECRET_ACCESS_KEY", S3S_LEGACY_SECRET_KEY)?,
            ),
            var("CLOUD_TEST_S3S_BUCKET", BUCKET),
        ]),
        _ => {
            let keys = read_env_file(layout, "moto")?
                .context("moto's key file is missing; restart it with `cargo xtask emulators down moto && cargo xtask emulators up moto`")?;
            Ok(vec![
                var("CLOUD_TEST_MOTO_ENDPOINT", format!("http://127.0.0.1:{MOTO_PORT}")),
                var("CLOUD_TEST_MOTO_REGION", REGION),
                var(
                    "CLOUD_TEST_MOTO_ACCESS_KEY_ID",
                    lookup(&keys, "CLOUD_TEST_MOTO_ACCESS_KEY_ID").unwrap_or_default(),
                ),
                var(
                    "CLOUD_TEST_MOTO_SECRET_ACCESS_KEY",
                    lookup(&keys, "CLOUD_TEST_MOTO_SECRET_ACCESS_KEY").unwrap_or_default(),
                ),
                var("CLOUD_TEST_MOTO_BUCKET", BUCKET),
            ])
        }
    }
}

/// Configures moto (no Docker) and spends its unauthenticated calls on an IAM user and key.
fn moto_bootstrap() -> Result<Vec<(String, String)>> {
    Request::new("POST", MOTO_PORT, "/moto-api/config")
        .json(&serde_json::json!({"lambda": {"use_docker": false}, "batch": {"use_docker": false}}))
        .send()?
        .expect(&[200, 201, 204], "moto config")?;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    iam_call(&[("Action", "CreateUser"), ("UserName", MOTO_USER)])?;
    iam_call(&[
        ("Action", "PutUserPolicy"),
        ("UserName", MOTO_USER),
        ("PolicyName", "all"),
        ("PolicyDocument", policy),
    ])?;
    let created = iam_call(&[("Action", "CreateAccessKey"), ("UserName", MOTO_USER)])?;
    let id = xml_text(&created, "AccessKeyId").context("CreateAccessKey answer has no AccessKeyId")?;
    let secret = xml_text(&created, "SecretAccessKey").context("CreateAccessKey answer has no SecretAccessKey")?;
    Request::new("PUT", MOTO_PORT, format!("/{BUCKET}"))
        .header("Authorization", setup_authorization("s3"))
        .header("X-Amz-Date", "20250101T000000Z")
        .header("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
        .send()?
        .expect(&[200], "moto CreateBucket")?;
    Ok(vec![var("CLOUD_TEST_MOTO_ACCESS_KEY_ID", id), var("CLOUD_TEST_MOTO_SECRET_ACCESS_KEY", secret)])
}

/// One IAM query-API call. moto routes it by the credential scope of the `Authorization`
/// header; the signature itself is not checked while the no-auth budget lasts.
fn iam_call(params: &[(&str, &str)]) -> Result<String> {
    let mut body = String::from("Version=2010-05-08");
    for (k, v) in params {
        body.push('&');
        body.push_str(k);
        body.push('=');
        body.push_str(&form_encode(v));
    }
    let action = params.first().map_or("IAM", |(_, v)| *v);
    let resp = Request::new("POST", MOTO_PORT, "/")
        .header("Authorization", setup_authorization("iam"))
        .header("X-Amz-Date", "20250101T000000Z")
        .body("application/x-www-form-urlencoded; charset=utf-8", body.into_bytes())
        .send()?
        .expect(&[200], &format!("moto IAM {action}"))?;
    Ok(String::from_utf8_lossy(&resp.body).into_owned())
}

/// A SigV4-shaped header naming `service` in its scope; moto routes by it and, while the
/// no-auth budget lasts, checks nothing else.
fn setup_authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIASETUPSETUPSETUP0/20250101/{REGION}/{service}/aws4_request, \
         SignedHeaders=host, Signature=00"
    )
}

fn form_encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The text of the first `<tag>…</tag>`.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_and_xml_extraction() {
        assert_eq!(form_encode(r#"{"a": "*"}"#), "%7B%22a%22%3A%20%22%2A%22%7D");
        let xml = "<CreateAccessKeyResult><AccessKey><AccessKeyId>AKIA1</AccessKeyId>\
                   <SecretAccessKey> s/e+c </SecretAccessKey></AccessKey></CreateAccessKeyResult>";
        assert_eq!(xml_text(xml, "AccessKeyId").as_deref(), Some("AKIA1"));
        assert_eq!(xml_text(xml, "SecretAccessKey").as_deref(), Some("s/e+c"));
        assert_eq!(xml_text(xml, "UserName"), None);
    }
}
