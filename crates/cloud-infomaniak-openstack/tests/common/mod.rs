//! Shared by the integration tests: the local OpenStack's settings and a session on it.
//!
//! The settings are those `cargo xtask emulators env openstack` prints; a test without them, or
//! whose servers do not answer, fails with a message saying how to start them.

#![allow(dead_code, unreachable_pub)]

use cloud_core::Env;
use cloud_infomaniak_openstack::{InfomaniakCloud, InfomaniakConfig};

pub const HOW: &str = "start the local OpenStack with `cargo xtask emulators up openstack` and export its settings \
                       with `eval \"$(cargo xtask emulators env openstack)\"` (or run `cargo xtask test`)";

/// A variable of the emulator environment, or a panic saying how to get it.
pub fn var(name: &str) -> String {
    cloud_contract_testing::trace::to_test_output();
    Env::real().get(name).unwrap_or_else(|| panic!("{name} is not set: {HOW}"))
}

/// The configuration of `OS_CLOUD` (the application credential of the test user).
pub fn config() -> InfomaniakConfig {
    let cloud = var("OS_CLOUD");
    let file = var("OS_CLIENT_CONFIG_FILE");
    InfomaniakConfig::from_clouds_yaml(&cloud, Some(file.into())).unwrap_or_else(|e| panic!("{e}: {HOW}"))
}

/// A session on the local OpenStack.
pub async fn session() -> InfomaniakCloud {
    InfomaniakCloud::connect(config())
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the local OpenStack: {e}: {HOW}"))
}

/// Whether the local OpenStack runs `service` (a catalog type such as `compute`).
pub fn has_service(service: &str) -> bool {
    var("CLOUD_TEST_OS_SERVICES").split(',').any(|s| s == service)
}

/// Fails unless the local OpenStack runs `service`.
pub fn require_service(service: &str) {
    assert!(has_service(service), "the local OpenStack does not run {service}: {HOW}");
}

/// Runs `call` again, at most four times in all, while the local OpenStack answers 500
/// `database is locked`; returns any other outcome as it is, so the test still sees every error
/// of the client.
///
/// The local services keep their state in sqlite. A write transaction there that read before
/// another process of the service committed (Nova's compute service reporting in, Octavia's
/// worker finishing a load balancer) fails at once, where the MySQL of a production cloud would
/// make it wait for the row lock. Only calls that write right after such background work go
/// through this.
pub async fn retry_if_db_locked<T, F, Fut>(mut call: F) -> cloud_core::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = cloud_core::Result<T>>,
{
    let mut attempt = 1u64;
    loop {
        match call().await {
            Err(e) if attempt < 4 && e.http_status() == Some(500) && e.message().contains("database is locked") => {
                tokio::time::sleep(std::time::Duration::from_millis(250 * attempt)).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// A random lowercase name with `prefix`.
pub fn name(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}
pub mod fake;

/// The account TempURL key Swift holds for the test project (read with a token of the test
/// user's own, outside the client under test).
pub async fn account_temp_url_key(cloud: &InfomaniakCloud) -> String {
    let account = cloud.endpoint("object-store").await.unwrap();
    let head = reqwest::Client::new().head(account).header("x-auth-token", raw_token().await).send().await.unwrap();
    head.headers()["x-account-meta-temp-url-key"].to_str().unwrap().to_owned()
}

/// A token of the test user, issued outside the client under test (to act as another tool).
pub async fn raw_token() -> String {
    let body = serde_json::json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"id": var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID"),
                                   "secret": var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET")}}}});
    let http = reqwest::Client::new();
    let auth = http.post(format!("{}/auth/tokens", var("CLOUD_TEST_OS_AUTH_URL"))).json(&body).send().await.unwrap();
    assert_eq!(auth.status(), 201, "Keystone issued a token");
    auth.headers()["x-subject-token"].to_str().unwrap().to_owned()
}
