//! One real, authenticated request (and one that must be refused) per local server of
//! `cargo xtask emulators`.
//!
//! The tests read the variables `cargo xtask emulators env` prints. A missing variable or an
//! unreachable server fails the test with the command that starts the server: these tests never
//! skip. Names start with the group that `up` takes, so a job can run only what it started:
//! `s3_` (s3s-fs, moto), `azure_`, `gcs_`, `openstack_core_` (Keystone + Swift) and
//! `openstack_` (everything, including the catalog check that needs the full set).

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload, RetryConfig};
use serde_json::{Value, json};

/// The value of a variable set by `eval "$(cargo xtask emulators env)"` (or by `cargo xtask test`).
fn env(name: &str, group: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "{name} is not set: start the servers with `cargo xtask emulators up {group}` and export their \
             settings with `eval \"$(cargo xtask emulators env)\"` (`cargo xtask test` does both)"
        ),
    }
}

/// Fails unless something accepts connections at the URL's host and port.
fn assert_reachable(url: &str, group: &str) {
    let parsed = reqwest::Url::parse(url).unwrap_or_else(|e| panic!("{url} is not a URL: {e}"));
    let host = parsed.host_str().unwrap_or("127.0.0.1");
    let port = parsed.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> =
        (host, port).to_socket_addrs().unwrap_or_else(|e| panic!("cannot resolve {host}: {e}")).collect();
    let reachable = addrs.iter().any(|a| TcpStream::connect_timeout(a, Duration::from_secs(2)).is_ok());
    assert!(reachable, "nothing answers at {url}: start it with `cargo xtask emulators up {group}`");
}

/// A unique object name, so runs never see each other's objects.
fn unique(prefix: &str) -> String {
    format!("smoke/{prefix}-{}", uuid::Uuid::new_v4())
}

/// Few retries: a refused signature must surface at once, and a dead server quickly.
fn retry() -> RetryConfig {
    RetryConfig { max_retries: 1, retry_timeout: Duration::from_secs(10), ..RetryConfig::default() }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("HTTP client")
}

// ---------------------------------------------------------------------------------------------
// S3

/// SigV4-signed put and get on an S3 server, a refused wrong secret, and no write by it.
async fn s3_round_trip(prefix: &str, group: &str) {
    let var = |suffix: &str| env(&format!("CLOUD_TEST_{prefix}_{suffix}"), group);
    let endpoint = var("ENDPOINT");
    assert_reachable(&endpoint, group);
    let builder = |secret: &str| {
        AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_region(var("REGION"))
            .with_bucket_name(var("BUCKET"))
            .with_access_key_id(var("ACCESS_KEY_ID"))
            .with_secret_access_key(secret)
            .with_virtual_hosted_style_request(false)
            .with_allow_http(true)
            .with_retry(retry())
            .build()
            .expect("S3 client")
    };
    let good = builder(&var("SECRET_ACCESS_KEY"));
    let path = Path::from(unique("s3"));
    let body = format!("hello from the {prefix} smoke test");
    good.put(&path, PutPayload::from(body.clone().into_bytes())).await.expect("signed PUT");
    let got = good.get(&path).await.expect("signed GET").bytes().await.expect("GET body");
    assert_eq!(got.as_ref(), body.as_bytes());

    let bad = builder("not-the-secret");
    let refused = Path::from(unique("s3-refused"));
    let err =
        bad.put(&refused, PutPayload::from_static(b"must not land")).await.expect_err("a wrong secret must be refused");
    assert!(
        matches!(err, object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }),
        "a wrong secret gave {err:?}, expected 403 or 401"
    );
    assert!(format!("{err}").contains("SignatureDoesNotMatch"), "expected SignatureDoesNotMatch: {err}");
    let missing = good.head(&refused).await.expect_err("the refused PUT must not have written");
    assert!(matches!(missing, object_store::Error::NotFound { .. }), "{missing:?}");
    good.delete(&path).await.expect("DELETE");
}

#[tokio::test]
async fn s3_s3s_fs_signed_put_get_and_wrong_secret_refused() {
    s3_round_trip("S3S", "s3").await;
}

#[tokio::test]
async fn s3_moto_signed_put_get_and_wrong_secret_refused() {
    s3_round_trip("MOTO", "s3").await;
}

#[tokio::test]
async fn openstack_core_swift_s3api_signed_put_get_and_wrong_secret_refused() {
    s3_round_trip("SWIFT_S3", "openstack-core").await;
}

// ---------------------------------------------------------------------------------------------
// Azure

#[tokio::test]
async fn azure_azurite_shared_key_put_get_and_wrong_key_refused() {
    let var = |name: &str| env(name, "azure");
    let endpoint = var("CLOUD_TEST_AZURITE_BLOB_ENDPOINT");
    assert_reachable(&endpoint, "azure");
    let builder = |key: &str| {
        MicrosoftAzureBuilder::new()
            .with_endpoint(endpoint.clone())
            .with_account(var("CLOUD_TEST_AZURITE_ACCOUNT"))
            .with_access_key(key)
            .with_container_name(var("CLOUD_TEST_AZURITE_CONTAINER"))
            .with_allow_http(true)
            .with_retry(retry())
            .build()
            .expect("Azure client")
    };
    let good = builder(&var("CLOUD_TEST_AZURITE_ACCESS_KEY"));
    let path = Path::from(unique("azure"));
    good.put(&path, PutPayload::from_static(b"hello azurite")).await.expect("SharedKey PUT");
    let got = good.get(&path).await.expect("SharedKey GET").bytes().await.expect("GET body");
    assert_eq!(got.as_ref(), b"hello azurite");

    // A well-formed key (base64, 64 bytes) that is not the account's.
    let bad = builder("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");
    let refused = Path::from(unique("azure-refused"));
    let err =
        bad.put(&refused, PutPayload::from_static(b"must not land")).await.expect_err("a wrong key must be refused");
    assert!(
        matches!(err, object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }),
        "a wrong key gave {err:?}, expected 403 or 401"
    );
    let missing = good.head(&refused).await.expect_err("the refused PUT must not have written");
    assert!(matches!(missing, object_store::Error::NotFound { .. }), "{missing:?}");
    good.delete(&path).await.expect("DELETE");
}

// ---------------------------------------------------------------------------------------------
// GCS

#[tokio::test]
async fn gcs_json_api_upload_download() {
    let endpoint = env("STORAGE_EMULATOR_HOST", "gcs");
    assert_reachable(&endpoint, "gcs");
    let bucket = env("CLOUD_TEST_GCS_BUCKET", "gcs");
    let name = unique("gcs");
    let client = http();
    let uploaded: Value = client
        .post(format!("{endpoint}/upload/storage/v1/b/{bucket}/o"))
        .query(&[("uploadType", "media"), ("name", name.as_str())])
        .header("Content-Type", "text/plain")
        .body("hello gcs")
        .send()
        .await
        .expect("upload")
        .error_for_status()
        .expect("upload status")
        .json()
        .await
        .expect("upload answer");
    assert_eq!(uploaded["name"], name.as_str());
    assert_eq!(uploaded["size"], "9");

    let encoded: String = name.replace('/', "%2F");
    let downloaded = client
        .get(format!("{endpoint}/storage/v1/b/{bucket}/o/{encoded}"))
        .query(&[("alt", "media")])
        .send()
        .await
        .expect("download")
        .error_for_status()
        .expect("download status")
        .text()
        .await
        .expect("download body");
    assert_eq!(downloaded, "hello gcs");

    let meta: Value = client
        .get(format!("{endpoint}/storage/v1/b/{bucket}/o/{encoded}"))
        .send()
        .await
        .expect("metadata")
        .error_for_status()
        .expect("metadata status")
        .json()
        .await
        .expect("metadata answer");
    assert_eq!(meta["contentType"], "text/plain");
    client
        .delete(format!("{endpoint}/storage/v1/b/{bucket}/o/{encoded}"))
        .send()
        .await
        .expect("delete")
        .error_for_status()
        .expect("delete status");
}

// ---------------------------------------------------------------------------------------------
// OpenStack

/// An application-credential token and its catalog (type → public URL).
async fn app_credential_token(group: &str) -> (String, Vec<(String, String)>) {
    let auth_url = env("CLOUD_TEST_OS_AUTH_URL", group);
    assert_reachable(&auth_url, group);
    let id = env("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID", group);
    let secret = env("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET", group);
    let client = http();
    let body = |secret: &str| {
        json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"id": id, "secret": secret}}}})
    };
    let resp = client.post(format!("{auth_url}/auth/tokens")).json(&body(&secret)).send().await.expect("token request");
    assert_eq!(resp.status(), 201, "application-credential token: {:?}", resp.text().await);
    let token = resp.headers()["x-subject-token"].to_str().expect("token header").to_owned();
    let answer: Value = resp.json().await.expect("token body");
    assert_eq!(
        answer["token"]["project"]["id"].as_str(),
        Some(env("CLOUD_TEST_OS_PROJECT_ID", group).as_str()),
        "the token is scoped to the test project"
    );
    let catalog = answer["token"]["catalog"]
        .as_array()
        .expect("the token has a catalog")
        .iter()
        .filter_map(|service| {
            let url = service["endpoints"].as_array()?.iter().find(|e| e["interface"] == "public")?["url"].as_str()?;
            Some((service["type"].as_str()?.to_owned(), url.to_owned()))
        })
        .collect();

    let refused =
        client.post(format!("{auth_url}/auth/tokens")).json(&body("wrong")).send().await.expect("token request");
    assert_eq!(refused.status(), 401, "a wrong application-credential secret must be refused");
    (token, catalog)
}

#[tokio::test]
async fn openstack_core_app_credential_token_and_swift_put_get() {
    let (token, catalog) = app_credential_token("openstack-core").await;
    let swift = &catalog.iter().find(|(kind, _)| kind == "object-store").expect("object-store in the catalog").1;
    let client = http();
    let container = format!("{swift}/smoke-{}", uuid::Uuid::new_v4());
    let created = client.put(&container).header("X-Auth-Token", &token).send().await.expect("PUT container");
    assert!(created.status().is_success(), "PUT container: {}", created.status());
    let object = format!("{container}/hello.txt");
    let put = client.put(&object).header("X-Auth-Token", &token).body("hello swift").send().await.expect("PUT object");
    assert_eq!(put.status(), 201);
    let got = client.get(&object).header("X-Auth-Token", &token).send().await.expect("GET object");
    assert_eq!(got.status(), 200);
    assert_eq!(got.text().await.expect("GET body"), "hello swift");
    let anonymous = client.get(&object).send().await.expect("anonymous GET");
    assert_eq!(anonymous.status(), 401, "Swift must refuse a request without a token");
    for url in [&object, &container] {
        let deleted = client.delete(url).header("X-Auth-Token", &token).send().await.expect("DELETE");
        assert_eq!(deleted.status(), 204, "DELETE {url}");
    }
}

#[tokio::test]
async fn openstack_catalog_lists_every_service() {
    let (token, catalog) = app_credential_token("openstack").await;
    let kinds: Vec<&str> = catalog.iter().map(|(kind, _)| kind.as_str()).collect();
    for wanted in [
        "compute",
        "volumev3",
        "network",
        "image",
        "object-store",
        "orchestration",
        "dns",
        "placement",
        "load-balancer",
    ] {
        assert!(kinds.contains(&wanted), "the catalog lacks {wanted}: {kinds:?}");
    }
    // Every listed service answers with that token (a root or version document, never 5xx).
    let client = http();
    for (kind, url) in &catalog {
        let resp = client.get(url).header("X-Auth-Token", &token).send().await.unwrap_or_else(|e| {
            panic!("{kind} at {url} does not answer ({e}): start it with `cargo xtask emulators up openstack`")
        });
        assert!(!resp.status().is_server_error(), "{kind} at {url}: HTTP {}", resp.status());
    }
}
