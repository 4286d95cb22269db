//! The one request path under faults the real servers do not make, on a scripted loopback
//! OpenStack (`common::fake`): stalls end in `Timeout`, a `401` re-authenticates once, `429` and
//! `503` are retried, redirects never carry the token to another origin, bad ids never leave the
//! client, Swift objects come back as stored (no gzip decoding); and no token or secret appears
//! in any log line at TRACE level.

mod common;

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cloud_core::storage::GetRange;
use cloud_core::{ErrorKind, StorageClientExt};
use cloud_infomaniak_openstack::{InfomaniakCloud, InfomaniakConfig};
use common::fake::{self, Fake, Reply};
use futures::TryStreamExt;

const SECRET: &str = "CANARYfakeAppCredSecret7f3a";
const READ_TIMEOUT: Duration = Duration::from_millis(400);

async fn connect(fake: &Fake) -> InfomaniakCloud {
    let config = InfomaniakConfig::application_credential(fake.url("/identity/v3"), "cred-id", SECRET)
        .with_region(Some("RegionOne".into()))
        .with_read_timeout(READ_TIMEOUT)
        .with_request_timeout(Duration::from_secs(60));
    InfomaniakCloud::connect(config).await.unwrap()
}

/// Asserts that `call` ends with `Timeout` well within the configured limits (the read timeout
/// per attempt, and the core retry policy's attempts).
async fn assert_times_out<T: fmt::Debug>(what: &str, call: impl Future<Output = cloud_core::Result<T>>) {
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(20), call).await;
    let err = result.unwrap_or_else(|_| panic!("{what} hung past 20 s")).expect_err(what);
    assert_eq!(err.kind(), ErrorKind::Timeout, "{what}: {err}");
    assert!(started.elapsed() < Duration::from_secs(15), "{what} took {:?}", started.elapsed());
}

#[tokio::test]
async fn every_call_ends_with_timeout_when_the_server_never_answers() {
    // Keystone answers; every service accepts the request and never answers. Swift answers its
    // HEAD with 404 so that the PUT itself (the data plane) is what stalls.
    let fake = Fake::start(|seen, _| {
        if seen.method == "HEAD" && seen.path.starts_with("/swift/") { Reply::status(404) } else { Reply::Stall }
    })
    .await;
    let cloud = connect(&fake).await;
    assert_times_out("keystone current_user", cloud.keystone().current_user()).await;
    assert_times_out("nova list_flavors", cloud.nova().list_flavors().try_next()).await;
    assert_times_out("cinder get_volume", cloud.cinder().get_volume("v1")).await;
    assert_times_out("neutron list_networks", cloud.neutron().list_networks().try_next()).await;
    assert_times_out("octavia get_load_balancer", cloud.octavia().get_load_balancer("lb1")).await;
    assert_times_out("swift put", cloud.swift().put_bytes("bucket", "k", &b"data"[..])).await;
    assert_times_out("swift get", cloud.swift().get_bytes("bucket", "k")).await;
    let puts = fake.service_requests().iter().filter(|s| s.method == "PUT" && s.path.starts_with("/swift/")).count();
    assert!(puts >= 1, "the Swift PUT reached the server: {:?}", fake.service_requests());
}

#[tokio::test]
async fn a_401_re_authenticates_once_and_sends_again() {
    let fake = Fake::start(|seen, _| {
        if seen.header("x-auth-token") == Some(fake::token(1).as_str()) {
            Reply::json(
                401,
                r#"{"error": {"code": 401, "message": "The request you have made requires authentication."}}"#,
            )
        } else {
            Reply::json(200, r#"{"flavors": []}"#)
        }
    })
    .await;
    let cloud = connect(&fake).await;
    let flavors: Vec<_> = cloud.nova().list_flavors().try_collect().await.unwrap();
    assert!(flavors.is_empty());
    assert_eq!(fake.tokens_issued(), 2);
    let tokens: Vec<_> = fake.service_requests().iter().map(|s| s.header("x-auth-token").unwrap().to_owned()).collect();
    assert_eq!(tokens, [fake::token(1), fake::token(2)]);

    // A token that keeps being refused is Unauthenticated after one new token, not a loop.
    let refusing = Fake::start(|_, _| Reply::json(401, r#"{"error": {"message": "no"}}"#)).await;
    let cloud = connect(&refusing).await;
    let err = cloud.neutron().get_network("n1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert_eq!(refusing.tokens_issued(), 2);
}

#[tokio::test]
async fn busy_answers_are_retried() {
    // 503 then 429, then the answer: a GET is retried after each.
    let fake = Fake::start(|_, _| Reply::json(200, r#"{"networks": []}"#)).await;
    let busy = Arc::new(AtomicU64::new(0));
    let counter = busy.clone();
    let flaky = Fake::start(move |_, _| match counter.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::Respond(503, vec![("retry-after".into(), "0".into())], b"busy".to_vec()),
        1 => Reply::Respond(429, vec![("retry-after".into(), "0".into())], b"slow down".to_vec()),
        _ => Reply::json(200, r#"{"networks": []}"#),
    })
    .await;
    drop(fake);
    let cloud = connect(&flaky).await;
    let networks: Vec<_> = cloud.neutron().list_networks().try_collect().await.unwrap();
    assert!(networks.is_empty());
    assert_eq!(flaky.service_requests().len(), 3);

    // A POST refused with 429 was not acted upon: it is sent again too.
    let posts = Arc::new(AtomicU64::new(0));
    let counter = posts.clone();
    let limited = Fake::start(move |_, _| match counter.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::Respond(429, vec![("retry-after".into(), "0".into())], Vec::new()),
        _ => Reply::json(201, r#"{"security_group": {"id": "sg1", "name": "web", "description": ""}}"#),
    })
    .await;
    let cloud = connect(&limited).await;
    let group = cloud.neutron().create_security_group("web", None).await.unwrap();
    assert_eq!(group.id, "sg1");
    assert_eq!(limited.service_requests().len(), 2);
}

#[tokio::test]
async fn redirects_never_carry_the_token_to_another_origin() {
    let elsewhere = Fake::start(|_, _| Reply::json(200, r#"{"flavors": []}"#)).await;
    let target = elsewhere.url("/steal");
    let fake =
        Fake::start(move |_, _| Reply::Respond(302, vec![("location".into(), target.clone())], Vec::new())).await;
    let cloud = connect(&fake).await;
    let result = cloud.nova().list_flavors().try_next().await;
    assert!(result.is_err(), "{result:?}");
    for seen in elsewhere.seen() {
        assert_eq!(seen.header("x-auth-token"), None, "the token went to another origin: {seen:?}");
    }
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());
}

#[tokio::test]
async fn dot_ids_never_leave_the_client() {
    let fake = Fake::start(|_, _| Reply::status(204)).await;
    let cloud = connect(&fake).await;
    for id in ["..", ".", ""] {
        let errors = [
            cloud.keystone().delete_application_credential(id).await.unwrap_err(),
            cloud.nova().delete_server(id, false).await.unwrap_err(),
            cloud.cinder().delete_backup(id, false).await.unwrap_err(),
            cloud.neutron().delete_router(id).await.unwrap_err(),
            cloud.octavia().delete_pool(id).await.unwrap_err(),
        ];
        for err in errors {
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{id:?}: {err}");
        }
    }
    assert!(fake.service_requests().is_empty(), "{:?}", fake.service_requests());
}

#[tokio::test]
async fn swift_objects_come_back_as_stored() {
    // An object stored with Content-Encoding: gzip is returned as its stored bytes, not decoded.
    let stored: &[u8] = &[0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0xff, 0xff];
    let fake = Fake::start(move |_, _| {
        Reply::Respond(
            200,
            vec![
                ("content-encoding".into(), "gzip".into()),
                ("content-type".into(), "text/plain".into()),
                ("etag".into(), "\"0\"".into()),
            ],
            stored.to_vec(),
        )
    })
    .await;
    let cloud = connect(&fake).await;
    let bytes = cloud.swift().get_bytes("bucket", "page.html").await.unwrap();
    assert_eq!(&bytes[..], stored);
    let get = fake.service_requests().into_iter().find(|s| s.method == "GET").unwrap();
    assert!(!get.header("accept-encoding").is_some_and(|v| v.contains("gzip")), "{get:?}");
}

// ---------------------------------------------------------------------------------------------
// No secret in any log line

#[derive(Clone, Default)]
struct Capture {
    out: Arc<Mutex<String>>,
    next_id: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Fields(&mut line));
        self.out.lock().unwrap().push_str(&(line + "\n"));
        tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = String::from("record");
        values.record(&mut Fields(&mut line));
        self.out.lock().unwrap().push_str(&(line + "\n"));
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = format!("event {} {}", event.metadata().level(), event.metadata().target());
        event.record(&mut Fields(&mut line));
        self.out.lock().unwrap().push_str(&(line + "\n"));
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn no_token_or_secret_in_any_trace_line() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    // The scripted cloud: tokens re-issued after a 401, bodies, errors.
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let fake = Fake::start(move |seen, _| match counter.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(401, r#"{"error": {"message": "expired"}}"#),
        _ if seen.method == "HEAD" => {
            Reply::Respond(204, vec![("x-account-meta-temp-url-key".into(), "k".into())], Vec::new())
        }
        _ => Reply::json(404, r#"{"itemNotFound": {"message": "nope", "code": 404}}"#),
    })
    .await;
    let cloud = connect(&fake).await;
    // Each call reaches the scripted cloud (which knows no such thing), so its lines are logged.
    assert_eq!(cloud.nova().get_server("s1").await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(cloud.neutron().get_network("n1").await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(cloud.swift().get_bytes("bucket", "k").await.unwrap_err().kind(), ErrorKind::NotFound);
    let issued = fake.tokens_issued();
    assert!(issued >= 2, "the 401 made a second token");

    // The real local OpenStack: password and application-credential sessions, a TempURL (which
    // sets the account's TempURL key), a container TempURL key, a listing of every service.
    let real = common::session().await;
    let password =
        InfomaniakConfig::from_clouds_yaml("cloud-test-password", Some(common::var("OS_CLIENT_CONFIG_FILE").into()))
            .unwrap();
    let by_password = InfomaniakCloud::connect(password).await.unwrap();
    let swift = real.swift();
    let container = common::name("cloud-test-canary");
    swift.ensure_bucket(&container).await.unwrap();
    swift.put_bytes(&container, "k", &b"v"[..]).await.unwrap();
    let url = swift.presign_get(&container, "k", Duration::from_secs(60)).await.unwrap();
    let key = common::account_temp_url_key(&real).await;
    let container_key = "container-tempurl-canary-2b9c";
    let metadata = [("temp-url-key".to_owned(), container_key.to_owned())].into_iter().collect();
    swift.set_container_metadata(&container, &metadata).await.unwrap();
    let _ = cloud_core::CloudClient::get_resource(&real.resources(), &container).await.unwrap();
    let _: Vec<_> = real.neutron().list_networks().try_collect().await.unwrap();
    let _ = by_password.keystone().current_user().await.unwrap();
    swift.delete_prefix(&container, "").await.unwrap();
    cloud_core::StorageClient::delete_bucket(&swift, &container).await.unwrap();

    let text = capture.text();
    assert!(text.contains("http_request"), "the capture saw the requests:\n{text}");
    let mut secrets: Vec<String> = (1..=issued).map(fake::token).collect();
    secrets.push(SECRET.to_owned());
    secrets.push(common::var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET"));
    secrets.push(common::var("CLOUD_TEST_OS_PASSWORD"));
    secrets.push(key);
    secrets.push(container_key.to_owned());
    let signature = url.url.query_pairs().find(|(k, _)| k == "temp_url_sig").map(|(_, v)| v.into_owned());
    secrets.push(signature.expect("a TempURL has a signature"));
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "a secret ({} chars) is in the trace:\n{text}", secret.len());
    }
}

impl Capture {
    fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_206_for_another_range_is_response_invalid() {
    // The server serves bytes of another range, an inverted range, or a range past the total.
    for served in ["bytes 0-2/10", "bytes 5-2/10", "bytes 2-4/3", "bytes 2-4/*"] {
        let fake = Fake::start(move |seen, _| {
            if seen.method == "GET" && seen.path.starts_with("/swift/") {
                Reply::Respond(206, vec![("content-range".into(), served.into())], b"abc".to_vec())
            } else {
                Reply::status(404)
            }
        })
        .await;
        let swift = connect(&fake).await.swift();
        let options = cloud_core::storage::GetOptions::default().with_range(GetRange::Bounded(2..5));
        let err = cloud_core::StorageClient::get_object(&swift, "bucket", "k", options).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ResponseInvalid, "{served}: {err}");
    }
}

#[tokio::test]
async fn error_bodies_are_read_with_a_bound() {
    // A 404 whose body never ends: the error is built from its start, the rest is not read.
    let fake =
        Fake::start(|seen, _| if seen.path.starts_with("/swift/") { Reply::Endless(404) } else { Reply::status(404) })
            .await;
    let swift = connect(&fake).await.swift();
    let result = tokio::time::timeout(Duration::from_secs(10), swift.get_bytes("bucket", "k")).await;
    let err = result.expect("the error body was read without a bound").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}
