//! The secret canary, failure by failure: each backend gets canary credentials (a wrong secret
//! the server refuses, and the local servers' own keys, which `cargo xtask emulators` makes
//! canaries too) and is made to fail — refused signatures and passwords, a server answering
//! `401`, `403` and `500`, a server that never answers. Every error is formatted with `{}` and
//! `{:?}`, every builder, client and configuration with `{:?}`, every tracing line down to TRACE
//! is collected, and every panic message is caught by a panic hook. No canary may appear in any
//! of it. (`cargo xtask test` then searches the whole suite's output for the same canaries.)
//!
//! Each backend's test needs its local server (`cargo xtask emulators up s3 azure openstack-core`)
//! and fails without it.

use std::fmt::{Debug, Display};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloud_contract_testing::trace::Collector;

/// The marker every canary credential starts with.
const MARKER: &str = "CANARY";

/// What a test saw: formatted errors and values, its tracing lines, its panic messages.
struct Witness {
    shown: Vec<(String, String)>,
    secrets: Vec<(String, String)>,
    trace: Collector,
    panics: Arc<Mutex<Vec<String>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Witness {
    /// Starts collecting this thread's tracing lines at TRACE and every panic message.
    fn start() -> Self {
        let trace = Collector::new();
        let guard = tracing::subscriber::set_default(trace.subscriber());
        let panics = Arc::new(Mutex::new(Vec::new()));
        let seen = panics.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(info.to_string());
            previous(info);
        }));
        Self { shown: Vec::new(), secrets: Vec::new(), trace, panics, _guard: guard }
    }

    /// A secret besides the marked ones: `name` says which in a failure (the value is never
    /// printed).
    fn secret(&mut self, name: &str, value: &str) {
        assert!(value.len() >= 6, "{name} is too short to search for");
        self.secrets.push((name.to_owned(), value.to_owned()));
    }

    /// An environment variable the local servers' settings give, kept as a secret.
    fn secret_var(&mut self, name: &str) -> String {
        let value = var(name);
        self.secret(name, &value);
        value
    }

    fn debug(&mut self, what: &str, value: &impl Debug) {
        self.shown.push((format!("{what} {{:?}}"), format!("{value:?} {value:#?}")));
    }

    fn display(&mut self, what: &str, value: &impl Display) {
        self.shown.push((format!("{what} {{}}"), value.to_string()));
    }

    /// Formats the error of `result` both ways; panics if the call succeeded.
    fn error<T>(&mut self, what: &str, result: cloud_core::Result<T>) -> cloud_core::ErrorKind {
        let Err(err) = result else { panic!("{what}: the call succeeded, a failure was expected") };
        self.display(what, &err);
        self.debug(what, &err);
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            self.display(&format!("{what}: a cause"), &cause);
            self.debug(&format!("{what}: a cause"), &cause);
            source = cause.source();
        }
        err.kind()
    }

    /// Asserts no canary appears anywhere, naming where without repeating it.
    fn assert_clean(self) {
        let trace = self.trace.text();
        let panics = self.panics.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let mut places: Vec<(String, &str)> = self.shown.iter().map(|(w, t)| (w.clone(), t.as_str())).collect();
        places.push(("the TRACE lines".to_owned(), &trace));
        for (i, panic) in panics.iter().enumerate() {
            places.push((format!("panic message {i}"), panic));
        }
        let mut leaks = Vec::new();
        for (place, text) in &places {
            if text.contains(MARKER) {
                leaks.push(format!("the canary marker in {place}"));
            }
            for (name, value) in &self.secrets {
                if text.contains(value.as_str()) {
                    leaks.push(format!("{name} in {place}"));
                }
            }
        }
        assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
        // The search had something to search: errors were formatted and lines traced.
        assert!(self.shown.len() >= 4, "only {} values formatted", self.shown.len());
        assert!(trace.lines().count() > 0, "no tracing line was collected");
        eprintln!(
            "searched {} formatted values, {} TRACE lines and {} panic messages for {} secrets and the marker",
            self.shown.len(),
            trace.lines().count(),
            panics.len(),
            self.secrets.len()
        );
    }
}

/// A variable `cargo xtask emulators env` prints; its absence fails the test.
fn var(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!("{name} is not set: run `cargo xtask emulators up s3 azure openstack-core mocks` and `eval \"$(cargo xtask emulators env)\"`")
    })
}

/// Every call gets 60 s: a hang fails the test instead of stalling the suite.
async fn within<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), call).await.unwrap_or_else(|_| panic!("{what} hung"))
}

#[cfg(feature = "aws")]
#[tokio::test]
async fn s3_failures_show_no_secret() {
    use cloud_aws::S3Client;
    use cloud_core::StorageClientExt;
    use cloud_faults::{Fault, FaultProxy, Reply, Rule};

    let mut w = Witness::start();
    let endpoint = var("CLOUD_TEST_S3S_ENDPOINT");
    let bucket = var("CLOUD_TEST_S3S_BUCKET");
    let key_id = var("CLOUD_TEST_S3S_ACCESS_KEY_ID");
    let secret = w.secret_var("CLOUD_TEST_S3S_SECRET_ACCESS_KEY");
    w.secret_var("CLOUD_TEST_MOTO_SECRET_ACCESS_KEY");
    let base = || {
        S3Client::builder()
            .with_endpoint(&endpoint)
            .with_region(var("CLOUD_TEST_S3S_REGION"))
            .with_force_path_style(true)
            .with_allow_http(true)
            .with_max_attempts(2)
    };

    // A secret the server refuses (SignatureDoesNotMatch), with a session token.
    let wrong =
        base().with_credentials(&key_id, "CANARYwrongS3Secret4Tz").with_session_token("CANARYs3SessionToken8Qe");
    w.debug("the builder", &wrong);
    let wrong = wrong.build().unwrap();
    w.debug("the client", &wrong);
    w.display("the client", &wrong);
    let kind = w.error("a refused signature", within("put", wrong.put_bytes(&bucket, "canary/a.txt", "x")).await);
    assert_eq!(kind, cloud_core::ErrorKind::Unauthenticated);
    w.error("a refused listing", within("head", wrong.head(&bucket, "canary/a.txt")).await);

    // The right secret through a proxy that answers 500, 403 with a body naming a key, then never.
    let proxy = FaultProxy::in_front_of(&endpoint).await.unwrap();
    let client = base()
        .with_endpoint(proxy.url())
        .with_credentials(&key_id, secret.as_str())
        .with_attempt_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    proxy.add(Rule::new(|_| true, Fault::Respond(Reply::new(500).body("<Error><Code>InternalError</Code></Error>"))));
    w.error("a server error", within("get", client.get_bytes(&bucket, "canary/b.txt")).await);
    proxy.clear();
    proxy.add(Rule::new(
        |_| true,
        Fault::Respond(Reply::new(403).body("<Error><Code>AccessDenied</Code><Message>denied</Message></Error>")),
    ));
    w.error("a refusal", within("put", client.put_bytes(&bucket, "canary/b.txt", "y")).await);
    proxy.clear();
    proxy.add(Rule::new(|_| true, Fault::Stall));
    let kind = w.error("a stalled server", within("get", client.get_bytes(&bucket, "canary/b.txt")).await);
    assert_eq!(kind, cloud_core::ErrorKind::Timeout);
    w.assert_clean();
}

#[cfg(feature = "azure")]
#[tokio::test]
async fn azure_failures_show_no_secret() {
    use cloud_azure::AzureBlobClientBuilder;
    use cloud_core::StorageClientExt;
    use cloud_faults::{Fault, FaultProxy, Reply, Rule};

    let mut w = Witness::start();
    let endpoint = var("CLOUD_TEST_AZURITE_BLOB_ENDPOINT");
    let account = var("CLOUD_TEST_AZURITE_ACCOUNT");
    let container = var("CLOUD_TEST_AZURITE_CONTAINER");
    let key = w.secret_var("CLOUD_TEST_AZURITE_ACCESS_KEY");
    w.secret_var("CLOUD_TEST_AZURITE_CONNECTION_STRING");

    // A key Azurite refuses (valid base64, wrong bytes).
    let wrong_key = "CANARYazureWrongKey00A==";
    let wrong = AzureBlobClientBuilder::new()
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_account_key(&account, wrong_key);
    w.debug("the builder", &wrong);
    let wrong = wrong.build().unwrap();
    w.debug("the client", &wrong);
    w.display("the client", &wrong);
    w.error("a refused key", within("put", wrong.put_bytes(&container, "canary/a.txt", "x")).await);
    // A SAS token Azurite refuses, and a connection string with a refused key.
    let sas = AzureBlobClientBuilder::new()
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_account(&account)
        .with_sas_token("sv=2022-11-02&ss=b&srt=sco&sp=rwdl&se=2099-01-01T00:00:00Z&sig=CANARYsasSignature7Jw%3D");
    w.debug("a SAS builder", &sas);
    let sas = sas.build().unwrap();
    w.debug("a SAS client", &sas);
    w.error("a refused SAS", within("get", sas.get_bytes(&container, "canary/a.txt")).await);
    let from_string = AzureBlobClientBuilder::new().with_allow_http(true).with_connection_string(format!(
        "DefaultEndpointsProtocol=http;AccountName={account};AccountKey={wrong_key};BlobEndpoint={endpoint};"
    ));
    w.debug("a connection-string builder", &from_string);
    let from_string = from_string.build().unwrap();
    w.error("a refused connection string", within("head", from_string.head(&container, "canary/a.txt")).await);

    // The right key through a proxy that answers 500, then 403, then never.
    let proxy = FaultProxy::in_front_of(&endpoint).await.unwrap();
    let url = format!("{}/{account}", proxy.url().trim_end_matches('/'));
    let client = AzureBlobClientBuilder::new()
        .with_endpoint(url)
        .with_allow_http(true)
        .with_account_key(&account, key.as_str())
        .with_max_retries(1)
        .build()
        .unwrap();
    proxy.add(Rule::new(|_| true, Fault::Respond(Reply::new(500).body("<Error><Code>InternalError</Code></Error>"))));
    w.error("a server error", within("get", client.get_bytes(&container, "canary/b.txt")).await);
    proxy.clear();
    proxy.add(Rule::new(
        |_| true,
        Fault::Respond(Reply::new(403).body("<Error><Code>AuthenticationFailed</Code></Error>")),
    ));
    w.error("a refusal", within("put", client.put_bytes(&container, "canary/b.txt", "y")).await);
    w.assert_clean();
}

#[cfg(feature = "infomaniak-openstack")]
#[tokio::test]
async fn openstack_failures_show_no_secret() {
    use cloud_infomaniak_openstack::{Domain, InfomaniakCloud, InfomaniakConfig};

    let mut w = Witness::start();
    let auth_url = var("CLOUD_TEST_OS_AUTH_URL");
    let region = var("CLOUD_TEST_OS_REGION");
    let password = w.secret_var("CLOUD_TEST_OS_PASSWORD");
    w.secret_var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET");
    let project_id = var("CLOUD_TEST_OS_PROJECT_ID");
    let user = var("CLOUD_TEST_OS_USERNAME");
    let configure = |config: InfomaniakConfig| config.with_region(Some(region.clone())).with_allow_http(true);

    // A password and an application credential secret Keystone refuses.
    let wrong = configure(InfomaniakConfig::password(
        &auth_url,
        &user,
        Domain::default_name(),
        "CANARYwrongKeystonePassword3Fv",
        &project_id,
    ));
    w.debug("a password configuration", &wrong);
    w.error("a refused password", within("connect", InfomaniakCloud::connect(wrong)).await);
    let wrong = configure(InfomaniakConfig::application_credential(
        &auth_url,
        var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID"),
        "CANARYwrongAppCredSecret6Kp",
    ));
    w.debug("an application credential configuration", &wrong);
    w.error("a refused secret", within("connect", InfomaniakCloud::connect(wrong)).await);

    // The right password: the session, its clients, and a refused and a missing object.
    let config = configure(InfomaniakConfig::password(&auth_url, &user, Domain::default_name(), password, &project_id));
    w.debug("the configuration", &config);
    let cloud = within("connect", InfomaniakCloud::connect(config)).await.unwrap();
    w.debug("the session", &cloud);
    let swift = cloud.swift();
    w.debug("the Swift client", &swift);
    use cloud_core::StorageClientExt;
    w.error("a missing object", within("get", swift.get_bytes("canary-missing-container", "k")).await);
    w.assert_clean();
}

#[cfg(feature = "coda")]
#[tokio::test]
async fn coda_failures_show_no_secret() {
    use cloud_contract_testing::server::{Reply, Server};

    let mut w = Witness::start();
    let token = "CANARYcodaFailureToken5Mw";
    w.secret("the Coda token", token);
    let server = Server::replies(vec![
        Reply::json(
            401,
            &serde_json::json!({"statusCode": 401, "statusMessage": "Unauthorized", "message": "bad token"}),
        ),
        Reply::json(500, &serde_json::json!({"statusCode": 500, "statusMessage": "Internal", "message": "boom"})),
    ])
    .await;
    let builder = cloud_coda::CodaClient::builder()
        .with_token(token)
        .with_base_url(server.base_url())
        .with_retry(cloud_core::retry::RetryConfig::default().with_max_retries(0));
    w.debug("the builder", &builder);
    let client = builder.build().unwrap();
    w.debug("the client", &client);
    w.error("a refused token", within("whoami", client.whoami()).await);
    w.error("a server error", within("whoami", client.whoami()).await);
    w.assert_clean();
}

#[cfg(feature = "infomaniak-newsletter")]
#[tokio::test]
async fn newsletter_failures_show_no_secret() {
    use cloud_contract_testing::server::{Reply, Server};

    let mut w = Witness::start();
    let token = "CANARYnewsletterFailureToken2Rb";
    w.secret("the Newsletter token", token);
    let server = Server::replies(vec![
        Reply::json(401, &serde_json::json!({"result": "error", "error": {"code": "not_authorized"}})),
        Reply::json(500, &serde_json::json!({"result": "error", "error": {"code": "internal"}})),
    ])
    .await;
    let builder = cloud_infomaniak_newsletter::NewsletterClient::builder()
        .with_token(token)
        .with_domain_id(4321)
        .with_base_url(server.base_url())
        .with_retry(cloud_core::retry::RetryConfig::default().with_max_retries(0));
    w.debug("the builder", &builder);
    let client = builder.build().unwrap();
    w.debug("the client", &client);
    w.error("a refused token", within("validate", client.validate_connection()).await);
    w.error("a server error", within("campaign", client.get_campaign(1)).await);
    w.assert_clean();
}

/// The search itself: a planted secret in a formatted value, in a TRACE line or in a panic
/// message fails the check.
#[test]
fn a_planted_secret_is_caught() {
    let planted = |plant: fn(&mut Witness)| {
        let mut w = Witness::start();
        w.secret("the planted secret", "planted-s3cr3t-value");
        w.display("an error", &"refused");
        w.debug("a client", &"Client { key: <redacted> }");
        w.debug("a builder", &"Builder");
        w.debug("a config", &"Config");
        tracing::trace!("a clean line");
        plant(&mut w);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || w.assert_clean())).is_err()
    };
    assert!(!planted(|_| {}), "clean values pass");
    assert!(planted(|w| w.debug("a leaky client", &"Client { key: planted-s3cr3t-value }")));
    assert!(planted(|w| w.display("a leaky error", &format!("refused: {}", ["CANARY", "leak1"].concat()))));
    assert!(planted(|_| tracing::trace!(token = %"planted-s3cr3t-value", "a leaky line")));
    assert!(planted(|_| {
        let _ = std::panic::catch_unwind(|| panic!("a leaky panic: planted-s3cr3t-value"));
    }));
}
