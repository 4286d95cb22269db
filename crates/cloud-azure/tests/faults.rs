//! The Azure client under faults, through `cloud_faults::FaultProxy` in front of Azurite: a
//! server that reads the request and never answers ends in `Timeout` within a bounded time.

use std::future::Future;
use std::time::{Duration, Instant};

use cloud_core::{ErrorKind, StorageClientExt};
use cloud_faults::{Fault, FaultProxy, Rule};

#[allow(dead_code)]
mod support;

use support::{Azurite, unique};

/// No call may take longer: a hang fails the test instead of stalling the suite.
const LIMIT: Duration = Duration::from_secs(90);

async fn within<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, call).await.unwrap_or_else(|_| panic!("{what} hung for more than {LIMIT:?}"))
}

/// Azurite behind a fault proxy, and the endpoint that goes through it.
async fn proxied() -> (Azurite, FaultProxy, String) {
    let server = Azurite::get();
    let url = url::Url::parse(&server.endpoint).expect("endpoint");
    let origin = format!(
        "{}://{}",
        url.scheme(),
        url.host_str().zip(url.port()).map(|(h, p)| format!("{h}:{p}")).expect("host and port")
    );
    let proxy = FaultProxy::in_front_of(&origin).await.expect("start the proxy");
    let endpoint = format!("{}{}", proxy.url().trim_end_matches('/'), url.path());
    (server, proxy, endpoint)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_ends_in_timeout() {
    let (server, proxy, endpoint) = proxied().await;
    let client = server
        .builder()
        .with_endpoint(endpoint)
        .with_attempt_timeout(Duration::from_secs(1))
        .with_max_retries(1)
        .build()
        .expect("client");
    let key = unique("stalled");
    server.client().put_bytes(&server.container, &key, "hello").await.expect("seed");
    proxy.add(Rule::new(|r| r.method == "GET" || r.method == "PUT", Fault::Stall));

    let started = Instant::now();
    let err = within("get", client.get_bytes(&server.container, &key)).await.expect_err("a stalled GET");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let err = within("put", client.put_bytes(&server.container, &key, "other")).await.expect_err("a stalled PUT");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    // Each call was tried twice (one retry), each attempt cut after its timeout.
    assert_eq!(proxy.count(|r| r.method == "GET"), 2);
    assert_eq!(proxy.count(|r| r.method == "PUT"), 2);
}
