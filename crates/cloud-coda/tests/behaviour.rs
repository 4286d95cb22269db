//! The client's behaviour beyond single calls: pagination, retries, errors, asynchronous work,
//! rate limits, the resource view and the Python client's names. Answers are validated against the OpenAPI
//! document like the contract tests'.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cloud_coda::models::{PageContentOutputFormat, PageCreate, RowEdit, RowsUpsert};
use cloud_coda::{CellValue, ListDocsOptions, ListRowsOptions, UpsertRowsOptions, validation_errors};
use cloud_core::retry::RetryConfig;
use cloud_core::{CloudClient, ErrorKind, ResourceType};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use support::fixtures::{self, DOC_ID};
use support::server::{Reply, Server};
use support::{ClockDriver, Expected, TOKEN, builder, client, contract};
use tokio::time::Instant;

fn doc_page(ids: &[&str], next: Option<&str>) -> serde_json::Value {
    let mut page = json!({
        "items": ids.iter().map(|id| fixtures::doc(id, "Doc")).collect::<Vec<_>>(),
        "href": format!("{}/docs", fixtures::API),
    });
    if let Some(next) = next {
        page["nextPageToken"] = json!(next);
        page["nextPageLink"] = json!(format!("{}/docs?pageToken={next}", fixtures::API));
    }
    page
}

#[tokio::test]
async fn listings_stream_every_page() {
    let c = contract("listDocs");
    let pages = [
        c.reply(200, &doc_page(&["d1", "d2"], Some("p2"))),
        c.reply(200, &doc_page(&["d3", "d4"], Some("p3"))),
        c.reply(200, &doc_page(&["d5"], None)),
    ];
    let server = Server::start(move |request| match request.query_value("pageToken") {
        None => pages[0].clone(),
        Some("p2") => pages[1].clone(),
        Some("p3") => pages[2].clone(),
        Some(other) => panic!("unexpected page token {other}"),
    })
    .await;
    let client = client(&server);
    let mut stream = client.list_docs(ListDocsOptions::default().with_limit(2).with_is_owner(true));
    // Pages are fetched only as the stream is consumed.
    assert_eq!(stream.try_next().await.unwrap().map(|d| d.id), Some("d1".to_owned()));
    assert_eq!(server.requests().len(), 1);
    let rest: Vec<String> = stream.map_ok(|d| d.id).try_collect().await.unwrap();
    assert_eq!(rest, ["d2", "d3", "d4", "d5"]);

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    c.assert_request(
        &requests[0],
        &Expected { path: "/docs", query: &[("limit", "2"), ("isOwner", "true")], body: None },
    );
    c.assert_request(
        &requests[1],
        &Expected { path: "/docs", query: &[("limit", "2"), ("isOwner", "true"), ("pageToken", "p2")], body: None },
    );
    c.assert_request(
        &requests[2],
        &Expected { path: "/docs", query: &[("limit", "2"), ("isOwner", "true"), ("pageToken", "p3")], body: None },
    );
}

#[tokio::test]
async fn a_single_page_keeps_its_sync_token() {
    let c = contract("listRows");
    let body = json!({"items": [fixtures::row("i-1", json!({"c-1": "x"}))], "nextSyncToken": "sync-2"});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let page = client(&server)
        .list_rows_page(DOC_ID, "grid-1", &ListRowsOptions::default().with_sync_token("sync-1"))
        .await
        .unwrap();
    assert_eq!(page.next_sync_token.as_deref(), Some("sync-2"));
    assert_eq!(page.next_page_token, None);
    assert_eq!(page.items[0].value("c-1"), Some(&CellValue::from("x")));
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let c = contract("getDoc");
    let server = Server::replies(vec![
        c.reply(429, &fixtures::error(429, "Too Many Requests", "Too Many Requests")).with_header("Retry-After", "1"),
        c.reply(200, &fixtures::doc(DOC_ID, "Launch plan")),
    ])
    .await;
    let started = Instant::now();
    let doc = client(&server).get_doc(DOC_ID).await.unwrap();
    assert_eq!(doc.id, DOC_ID);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].at.duration_since(requests[0].at) >= Duration::from_secs(1),
        "the retry came {:?} after the 429",
        requests[1].at.duration_since(requests[0].at)
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_post_refused_with_429_is_retried_too() {
    let c = contract("upsertRows");
    let server = Server::replies(vec![
        c.reply(429, &fixtures::error(429, "Too Many Requests", "Too Many Requests")).with_header("Retry-After", "0"),
        c.reply(202, &json!({"requestId": "r-1"})),
    ])
    .await;
    let rows = RowsUpsert::new([RowEdit::from_cells([("c-1", CellValue::from(1))])]);
    let accepted = client(&server).upsert_rows(DOC_ID, "grid-1", &rows, &UpsertRowsOptions::default()).await.unwrap();
    assert_eq!(accepted.request_id, "r-1");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn persistent_429_is_rate_limited() {
    let c = contract("getDoc");
    let refused =
        c.reply(429, &fixtures::error(429, "Too Many Requests", "Too Many Requests")).with_header("Retry-After", "0");
    let server = Server::start(move |_| refused.clone()).await;
    let client = builder(&server).with_retry(RetryConfig::default().with_max_retries(1)).build().unwrap();
    let err = client.get_doc(DOC_ID).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(err.message(), "Too Many Requests");
    assert_eq!(server.requests().len(), 2);
}

/// Each error status the document declares, answered with a body that conforms to it.
#[tokio::test]
async fn every_error_status_maps_to_its_kind() {
    let cases = [
        ("getDoc", 401, ErrorKind::Unauthenticated, "The API token is invalid or has expired."),
        ("getDoc", 403, ErrorKind::PermissionDenied, "The API token does not grant access to this resource."),
        ("getDoc", 404, ErrorKind::NotFound, "The resource could not be located with the current API token."),
        ("getPage", 410, ErrorKind::Gone, "The resource has been deleted."),
        ("triggerWebhookAutomation", 422, ErrorKind::InvalidInput, "Unable to process the request."),
        ("listRows", 400, ErrorKind::InvalidInput, "The request parameters did not conform to expectations."),
    ];
    for (op, status, kind, message) in cases {
        let c = contract(op);
        let server = Server::replies(vec![c.reply(status, &fixtures::error(status, "Error", message))]).await;
        let client = client(&server);
        let err = match op {
            "getDoc" => client.get_doc(DOC_ID).await.map(drop),
            "getPage" => client.get_page(DOC_ID, "canvas-1").await.map(drop),
            "triggerWebhookAutomation" => client.trigger_webhook_automation(DOC_ID, "rule-1", None).await.map(drop),
            _ => client.list_rows_page(DOC_ID, "grid-1", &ListRowsOptions::default()).await.map(drop),
        }
        .unwrap_err();
        assert_eq!(err.kind(), kind, "{op} {status}");
        assert_eq!(err.http_status(), Some(status));
        assert_eq!(err.message(), message);
        assert_eq!(err.operation(), Some(op));
        assert_eq!(err.provider(), Some(cloud_core::CloudProvider::Coda));
        assert!(!err.is_retryable(), "{op} {status}");
        assert_eq!(server.requests().len(), 1, "{op} {status} is not retried");
        assert!(!format!("{err} {err:?}").contains(TOKEN));
    }
}

#[tokio::test]
async fn validation_errors_are_kept_with_the_message() {
    // The upsert's 400 component allows no `codaDetail`; the document's richer 400 body is the
    // `BadRequestWithValidationErrors` component, which the answer is checked against instead.
    let body = json!({
        "statusCode": 400, "statusMessage": "Bad Request", "message": "Invalid rows",
        "codaDetail": {"validationErrors": [{"path": "rows[0].cells[0].column", "message": "Unknown column Nmae"}]}
    });
    let schema = support::validator().resolve(
        support::spec().pointer("/components/responses/BadRequestWithValidationErrors").expect("the component"),
    );
    let problems = support::validator().problems(&schema["content"]["application/json"]["schema"], &body);
    assert!(problems.is_empty(), "{problems:?}");
    let server = Server::replies(vec![Reply::json(400, &body)]).await;
    let rows = RowsUpsert::new([RowEdit::from_cells([("Nmae", CellValue::from("x"))])]);
    let err = client(&server).upsert_rows(DOC_ID, "grid-1", &rows, &UpsertRowsOptions::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.message(), "Invalid rows (rows[0].cells[0].column: Unknown column Nmae)");
    let details = validation_errors(&err);
    assert_eq!(details.len(), 1);
    assert_eq!(details[0].path, "rows[0].cells[0].column");
}

#[tokio::test]
async fn server_errors_are_retried_for_reads() {
    let c = contract("getDoc");
    let server = Server::replies(vec![
        Reply::json(503, &fixtures::error(503, "Service Unavailable", "busy")),
        c.reply(200, &fixtures::doc(DOC_ID, "Launch plan")),
    ])
    .await;
    assert_eq!(client(&server).get_doc(DOC_ID).await.unwrap().id, DOC_ID);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn wait_for_mutation_tolerates_replication_delay() {
    let _clock = ClockDriver::start();
    let upsert = contract("upsertRows");
    let status = contract("getMutationStatus");
    let not_found = status.reply(404, &fixtures::error(404, "Not Found", "No such mutation"));
    let server = Server::replies(vec![
        upsert.reply(202, &json!({"requestId": "abc-123", "addedRowIds": ["i-9"]})),
        not_found.clone(),
        not_found,
        status.reply(200, &json!({"completed": false})),
        status.reply(200, &json!({"completed": true, "warning": "Row 1 was partly parsed."})),
    ])
    .await;
    let client = client(&server);
    let rows = RowsUpsert::new([RowEdit::from_cells([("c-1", CellValue::from("x"))])]).with_key_columns(["c-1"]);
    let accepted = client.upsert_rows(DOC_ID, "grid-1", &rows, &UpsertRowsOptions::default()).await.unwrap();
    let started = Instant::now();
    let done = client.wait_for_mutation(&accepted.request_id, Duration::from_secs(60)).await.unwrap();
    assert!(done.completed);
    assert_eq!(done.warning.as_deref(), Some("Row 1 was partly parsed."));
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    for request in &requests[1..] {
        status.assert_request(request, &Expected { path: "/mutationStatus/abc-123", ..Expected::default() });
    }
    // Backoff: 0.5 s, 1 s, 2 s between the four polls (plus a few milliseconds of loopback).
    let elapsed = started.elapsed();
    let gaps: Vec<_> = requests.windows(2).map(|w| w[1].at.duration_since(w[0].at)).collect();
    assert!(elapsed >= Duration::from_millis(3500) && elapsed < Duration::from_millis(3600), "{elapsed:?} {gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn wait_for_mutation_gives_up() {
    let _clock = ClockDriver::start();
    let status = contract("getMutationStatus");
    let pending = status.reply(200, &json!({"completed": false}));
    let server = Server::start(move |_| pending.clone()).await;
    let err = client(&server).wait_for_mutation("abc-123", Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.message().contains("abc-123"));

    let not_found = status.reply(404, &fixtures::error(404, "Not Found", "No such mutation"));
    let server = Server::start(move |_| not_found.clone()).await;
    let err = client(&server).wait_for_mutation("gone-1", Duration::from_secs(600)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(server.requests().len(), 6, "five 404s are tolerated, the sixth is reported");
}

/// A timeout of `Duration::MAX` ("wait as long as it takes") panicked with "overflow when adding
/// duration to instant" before the first poll; a rate-limit margin of `Duration::MAX` panicked in
/// the builder.
#[tokio::test(start_paused = true)]
async fn huge_durations_wait_instead_of_panicking() {
    let _clock = ClockDriver::start();
    let status = contract("getMutationStatus");
    let server = Server::replies(vec![
        status.reply(200, &json!({"completed": false})),
        status.reply(200, &json!({"completed": true})),
    ])
    .await;
    let done = client(&server).wait_for_mutation("abc-123", Duration::MAX).await.unwrap();
    assert!(done.completed);
    assert_eq!(server.requests().len(), 2);
    let limiter = cloud_coda::CodaBuilder::default_rate_limiter(Duration::MAX).unwrap();
    assert!(limiter.budgets().all(|b| b.per() == Duration::MAX));
}

#[tokio::test(start_paused = true)]
async fn page_export_is_polled_to_its_download_link() {
    let _clock = ClockDriver::start();
    let begin = contract("beginPageContentExport");
    let status = contract("getPageContentExportStatus");
    let href = format!("{}/docs/{DOC_ID}/pages/canvas-1/export/export-1", fixtures::API);
    let server = Server::replies(vec![
        begin.reply(202, &json!({"id": "export-1", "status": "inProgress", "href": href})),
        status.reply(200, &json!({"id": "export-1", "status": "inProgress", "href": href})),
        status.reply(
            200,
            &json!({"id": "export-1", "status": "complete", "href": href, "downloadLink": "https://coda.io/blobs/x"}),
        ),
    ])
    .await;
    let link = client(&server)
        .export_page_content(DOC_ID, "canvas-1", PageContentOutputFormat::Html, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(link, "https://coda.io/blobs/x");
    let requests = server.requests();
    begin.assert_request(
        &requests[0],
        &Expected {
            path: "/docs/AbCDeFGH/pages/canvas-1/export",
            body: Some(json!({"outputFormat": "html"})),
            ..Expected::default()
        },
    );
    status.assert_request(
        &requests[2],
        &Expected { path: "/docs/AbCDeFGH/pages/canvas-1/export/export-1", ..Expected::default() },
    );
}

/// The largest number of instants in any half-open window `[t, t + window)`.
fn busiest_window(instants: &mut [Instant], window: Duration) -> usize {
    instants.sort_unstable();
    let mut best = 0;
    let mut start = 0;
    for end in 0..instants.len() {
        while instants[end].duration_since(instants[start]) >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[tokio::test(start_paused = true)]
async fn no_more_than_100_reads_start_in_any_6_seconds() {
    let _clock = ClockDriver::start();
    let c = contract("getDoc");
    let doc = c.reply(200, &fixtures::doc(DOC_ID, "Launch plan"));
    let server = Server::start(move |_| doc.clone()).await;
    let client = client(&server);
    let started = Instant::now();
    let calls: Vec<_> = (0..250)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_doc(DOC_ID).await.map(|d| d.id) })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), DOC_ID);
    }
    let mut arrivals: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(arrivals.len(), 250);
    assert_eq!(busiest_window(&mut arrivals, Duration::from_secs(6)), 100);
    // 250 reads need three windows: the last 50 cannot start before 12 s.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(12) && elapsed < Duration::from_secs(14), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn doc_content_writes_count_against_both_write_budgets() {
    let _clock = ClockDriver::start();
    let c = contract("createPage");
    let accepted = c.reply(202, &json!({"requestId": "r", "id": "canvas-new"}));
    let server = Server::start(move |_| accepted.clone()).await;
    let client = client(&server);
    let calls: Vec<_> = (0..12)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(
                async move { client.create_page(DOC_ID, &PageCreate::default().with_name(format!("p{i}"))).await },
            )
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let mut arrivals: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(busiest_window(&mut arrivals, Duration::from_secs(10)), 5, "doc content: 5 per 10 s");
    assert!(busiest_window(&mut arrivals, Duration::from_secs(6)) <= 10, "writes: 10 per 6 s");
}

#[tokio::test(start_paused = true)]
async fn clones_share_their_budgets() {
    let _clock = ClockDriver::start();
    let c = contract("listDocs");
    let page = c.reply(200, &doc_page(&["d1"], None));
    let server = Server::start(move |_| page.clone()).await;
    let first = client(&server);
    let second = first.clone();
    for client in [&first, &second, &first, &second, &first] {
        client.list_docs_page(&ListDocsOptions::default()).await.unwrap();
    }
    let mut arrivals: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(busiest_window(&mut arrivals, Duration::from_secs(6)), 4, "listing docs: 4 per 6 s");
}

#[tokio::test]
async fn docs_are_cloud_resources() {
    let list = contract("listDocs");
    let get = contract("getDoc");
    let create = contract("createDoc");
    let delete = contract("deleteDoc");
    let mut created = fixtures::doc("NeWdOc12", "Quarterly plan");
    created["requestId"] = json!("r-1");
    let replies = vec![
        list.reply(200, &doc_page(&["d1"], Some("p2"))),
        list.reply(200, &doc_page(&["d2"], None)),
        get.reply(200, &fixtures::doc("d1", "Doc")),
        create.reply(201, &created),
        delete.reply(202, &json!({})),
    ];
    let server = Server::replies(replies).await;
    let client = client(&server);
    let docs: Vec<_> = client.list_resources(Some(ResourceType::Document)).try_collect().await.unwrap();
    assert_eq!(docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["d1", "d2"]);
    assert_eq!(docs[0].resource_type, ResourceType::Document);
    assert_eq!(docs[0].region, "global");
    assert_eq!(docs[0].metadata["browser_link"], json!("https://coda.io/d/_dd1"));
    let doc = client.get_resource("d1").await.unwrap();
    assert_eq!(doc.created_at.map(|t| t.to_rfc3339()).as_deref(), Some("2018-04-11T00:18:57.946+00:00"));
    let new = client
        .create_resource(
            "Quarterly plan",
            ResourceType::Document,
            json!({"folderId": "fl-1", "timezone": "Europe/Zurich"}),
        )
        .await
        .unwrap();
    assert_eq!((new.id.as_str(), new.name.as_str()), ("NeWdOc12", "Quarterly plan"));
    client.delete_resource("NeWdOc12").await.unwrap();
    let requests = server.requests();
    create.assert_request(
        &requests[3],
        &Expected {
            path: "/docs",
            body: Some(json!({"title": "Quarterly plan", "folderId": "fl-1", "timezone": "Europe/Zurich"})),
            ..Expected::default()
        },
    );
    delete.assert_request(&requests[4], &Expected { path: "/docs/NeWdOc12", ..Expected::default() });

    let unsupported: Vec<_> = client.list_resources(Some(ResourceType::Compute)).collect().await;
    assert_eq!(unsupported.len(), 1);
    assert_eq!(unsupported[0].as_ref().unwrap_err().kind(), ErrorKind::Unsupported);
    let err = client.create_resource("x", ResourceType::Storage, json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let err = client.create_resource("x", ResourceType::Document, json!({"timezone": 5})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(server.requests().len(), 5, "invalid requests are not sent");
}

#[tokio::test]
async fn the_compatibility_names_forward_to_the_operations() {
    let replies = vec![
        contract("getPermissions")
            .reply(200, &json!({"items": [], "href": format!("{}/docs/{DOC_ID}/acl/permissions", fixtures::API)})),
        contract("upsertRows").reply(202, &json!({"requestId": "r"})),
        contract("triggerWebhookAutomation").reply(202, &json!({"requestId": "r"})),
        contract("listCategories").reply(200, &json!({"items": []})),
        contract("beginPageContentExport").reply(202, &json!({"id": "e", "status": "inProgress", "href": "h"})),
        contract("getPageContentExportStatus").reply(200, &json!({"id": "e", "status": "inProgress", "href": "h"})),
        contract("listDocAnalyticsSummary").reply(200, &json!({"totalSessions": 1})),
    ];
    let server = Server::replies(replies).await;
    let client = client(&server);
    let permissions: Vec<_> = client.list_permissions(DOC_ID, Default::default()).try_collect().await.unwrap();
    assert!(permissions.is_empty());
    let rows = RowsUpsert::new([RowEdit::from_cells([("c", CellValue::from(1))])]);
    client.insert_rows(DOC_ID, "grid-1", &rows, &UpsertRowsOptions::default()).await.unwrap();
    client.trigger_automation(DOC_ID, "rule-1", None).await.unwrap();
    client.get_categories().await.unwrap();
    let export = cloud_coda::models::BeginPageContentExportRequest::new(PageContentOutputFormat::Markdown);
    client.export_page(DOC_ID, "canvas-1", &export).await.unwrap();
    client.get_page_export_status(DOC_ID, "canvas-1", "e").await.unwrap();
    client.get_doc_analytics_summary(&Default::default()).await.unwrap();
    let paths: Vec<String> = server.requests().iter().map(|r| format!("{} {}", r.method, r.api_path())).collect();
    assert_eq!(
        paths,
        [
            "GET /docs/AbCDeFGH/acl/permissions",
            "POST /docs/AbCDeFGH/tables/grid-1/rows",
            "POST /docs/AbCDeFGH/hooks/automation/rule-1",
            "GET /categories",
            "POST /docs/AbCDeFGH/pages/canvas-1/export",
            "GET /docs/AbCDeFGH/pages/canvas-1/export/e",
            "GET /analytics/docs/summary",
        ]
    );
}

#[tokio::test]
async fn latest_doc_version_is_requested_for_docs_only() {
    let server = Server::replies(vec![
        contract("getDoc").reply(200, &fixtures::doc(DOC_ID, "Launch plan")),
        contract("whoami").reply(200, &fixtures::user()),
    ])
    .await;
    let client = builder(&server).with_latest_doc_version(true).build().unwrap();
    client.get_doc(DOC_ID).await.unwrap();
    client.whoami().await.unwrap();
    let requests = server.requests();
    assert_eq!(requests[0].header("x-coda-doc-version"), Some("latest"));
    assert_eq!(requests[1].header("x-coda-doc-version"), None);
}

#[tokio::test]
async fn a_stale_doc_is_a_failed_precondition() {
    // getDoc declares no 400; the body is the document's generic 400 component.
    let body = fixtures::error(400, "Bad Request", "Doc is not yet up to date.");
    let schema =
        support::validator().resolve(support::spec().pointer("/components/responses/BadRequestError").unwrap());
    assert!(support::validator().problems(&schema["content"]["application/json"]["schema"], &body).is_empty());
    let server = Server::replies(vec![Reply::json(400, &body)]).await;
    let client = builder(&server).with_latest_doc_version(true).build().unwrap();
    let err = client.get_doc(DOC_ID).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PreconditionFailed);
}

#[tokio::test]
async fn the_token_never_shows() {
    let c = contract("getDoc");
    let server = Server::replies(vec![
        c.reply(401, &fixtures::error(401, "Unauthorized", "The API token is invalid or has expired.")),
    ])
    .await;
    let client = client(&server);
    let err = client.get_doc(DOC_ID).await.unwrap_err();
    let shown = format!("{client} {client:?} {err} {err:?} {:?}", builder(&server));
    assert!(!shown.contains(TOKEN), "{shown}");
    assert_eq!(server.only_request().header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
}

#[tokio::test]
async fn an_unreachable_server_is_a_dispatch_error() {
    let server = Server::replies(Vec::new()).await;
    let base = server.base_url();
    drop(server);
    // Nothing listens on the port any more (the listener is gone with the server task).
    tokio::task::yield_now().await;
    let client = cloud_coda::CodaClient::builder()
        .with_token(TOKEN)
        .with_base_url(base)
        .with_retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = client.whoami().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Dispatch | ErrorKind::Timeout), "{err:?}");
}

#[tokio::test]
async fn concurrent_calls_share_one_client() {
    let c = contract("whoami");
    let user = c.reply(200, &fixtures::user());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let server = Server::start(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
        user.clone()
    })
    .await;
    let client = client(&server);
    let results = futures::future::join_all((0..20).map(|_| client.whoami())).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(count.load(Ordering::SeqCst), 20);
}
