//! Behaviour beyond single operations: the envelope checked on every answer, error mapping,
//! pagination over several pages, the budget of 60 requests per minute, 429 handling, the
//! asynchronous task wait, input refused before sending, and secrets kept out of output.

mod support;

use std::time::Duration;

use cloud_core::ErrorKind;
use cloud_infomaniak_newsletter::models::CreateSubscriberRequest;
use cloud_infomaniak_newsletter::{AsyncTaskStatus, ListSubscribersOptions, api_error};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use support::fixtures::{self, TASK};
use support::server::{Reply, Server};
use support::{ClockDriver, TOKEN, at, builder, client, contract, page_of, success};
use tokio::time::Instant;

#[tokio::test]
async fn an_error_envelope_with_status_200_is_an_error_with_its_code() {
    let body = json!({"result": "error", "error": {"code": "validation_failed", "description": "email is invalid"}});
    let server = Server::replies(vec![Reply::json(200, &body)]).await;
    let err = client(&server).create_subscriber(&CreateSubscriberRequest::new("not-an-email")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.message(), "email is invalid (validation_failed)");
    assert_eq!(err.operation(), Some("NewsletterCreateSubscriber"));
    let api = api_error(&err).unwrap();
    assert_eq!((api.code.as_str(), api.description.as_deref()), ("validation_failed", Some("email is invalid")));
}

#[tokio::test]
async fn error_answers_map_to_kinds_with_infomaniaks_message() {
    let c = contract("NewsletterCreateTemplateFromCampaign");
    let not_found =
        json!({"result": "error", "error": {"code": "object_not_found", "description": "Campaign not found"}});
    let server = Server::replies(vec![c.reply(404, &not_found)]).await;
    let err = client(&server).create_template_from_campaign(5, "1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "Campaign not found (object_not_found)");
    assert_eq!(err.http_status(), Some(404));
    // The export's 500 answers are error envelopes too.
    let c = contract("NewsletterListCampaigns");
    let boom = json!({"result": "error", "error": {"code": "unexpected_error", "description": "Something wrong"}});
    let reply = c.reply(500, &boom);
    let server = Server::replies(vec![reply.clone(), reply.clone(), reply]).await;
    let err = client(&server).list_campaigns_page(&Default::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.message(), "Something wrong (unexpected_error)");
}

#[tokio::test]
async fn an_answer_without_result_is_invalid() {
    let server = Server::replies(vec![Reply::json(200, &json!({"data": true}))]).await;
    let err = client(&server).delete_group(7).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseInvalid);
    let server = Server::replies(vec![Reply::json(200, &json!({"result": "success", "data": "yes"}))]).await;
    assert_eq!(client(&server).delete_group(7).await.unwrap_err().kind(), ErrorKind::ResponseInvalid);
}

#[tokio::test]
async fn asynchronous_answers_give_their_data() {
    let server = Server::replies(vec![Reply::json(202, &json!({"result": "asynchronous", "data": TASK}))]).await;
    let select = cloud_infomaniak_newsletter::models::DeleteGroupsRequestSelect::new(true);
    let task = client(&server)
        .delete_groups(&cloud_infomaniak_newsletter::models::DeleteGroupsRequest::new(select))
        .await
        .unwrap();
    assert_eq!(task, TASK);
}

#[tokio::test]
async fn listings_stream_every_page_and_stop_after_the_last() {
    let c = contract("NewsletterListSubscribers");
    let pages: Vec<Reply> = (1..=3)
        .map(|page| {
            let items = (0..2).map(|i| fixtures::subscriber(page * 10 + i, "a@example.com")).collect();
            c.ok(&page_of(items, page as u64, 3, 2))
        })
        .collect();
    let server = Server::replies(pages).await;
    let ids: Vec<i64> = client(&server)
        .list_subscribers(ListSubscribersOptions::default().with_per_page(2))
        .map_ok(|s| s.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [10, 11, 20, 21, 30, 31]);
    let pages: Vec<String> = server.requests().iter().map(|r| r.query_value("page").unwrap().to_owned()).collect();
    assert_eq!(pages, ["1", "2", "3"]);
    // A listing can start at a later page, and one page comes with its counts.
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::subscriber(1, "a@example.com")], 3, 3, 2))]).await;
    let listing = client(&server).list_subscribers_page(&ListSubscribersOptions::default().with_page(3)).await.unwrap();
    assert_eq!((listing.total, listing.page, listing.pages, listing.next_page()), (Some(5), Some(3), Some(3), None));
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let c = contract("NewsletterListSubscribers");
    let boom = c.reply(500, &json!({"result": "error", "error": {"code": "unexpected_error", "description": "x"}}));
    let server = Server::replies(vec![
        c.ok(&page_of(vec![fixtures::subscriber(1, "a@example.com")], 1, 2, 1)),
        boom.clone(),
        boom.clone(),
        boom,
    ])
    .await;
    let results: Vec<_> = client(&server).list_subscribers(ListSubscribersOptions::default()).collect().await;
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::Service);
}

/// Largest number of `arrivals` inside any window of `width`.
fn busiest_window(arrivals: &mut [Instant], width: Duration) -> usize {
    arrivals.sort_unstable();
    let mut best = 0;
    let mut start = 0;
    for end in 0..arrivals.len() {
        while arrivals[end] - arrivals[start] >= width {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[tokio::test(start_paused = true)]
async fn no_more_than_60_requests_start_in_any_minute() {
    let _clock = ClockDriver::start();
    let c = contract("NewsletterShowGroup");
    let ok = c.ok(&success(fixtures::group(7, "Customers")));
    let server = Server::start(move |_| ok.clone()).await;
    // A wait for the budget counts against the request's timeout: give the last callers time.
    let client = builder(&server).with_timeout(Duration::from_secs(300)).build().unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..150)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_mailing_list(7).await.map(|g| g.id) })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), 7);
    }
    let mut arrivals: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(arrivals.len(), 150);
    assert_eq!(busiest_window(&mut arrivals, Duration::from_secs(60)), 60);
    // 150 requests need three windows: the last 30 cannot start before 120 s.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(120) && elapsed < Duration::from_secs(125), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_for_retry_after_and_is_retried() {
    let _clock = ClockDriver::start();
    let c = contract("NewsletterShowGroup");
    let too_many = Reply::json(429, &json!({"result": "error", "error": {"code": "too_many_requests"}}))
        .with_header("Retry-After", "7");
    let server = Server::replies(vec![too_many, c.ok(&success(fixtures::group(7, "Customers")))]).await;
    let started = Instant::now();
    assert_eq!(client(&server).get_mailing_list(7).await.unwrap().id, 7);
    assert!(started.elapsed() >= Duration::from_secs(7), "{:?}", started.elapsed());
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn wait_for_task_polls_until_executed() {
    let _clock = ClockDriver::start();
    let server = Server::replies(vec![
        Reply::json(200, &fixtures::task(TASK, "spooled")),
        Reply::json(200, &fixtures::task(TASK, "running")),
        Reply::json(200, &fixtures::task(TASK, "executed")),
    ])
    .await;
    let task = client(&server).wait_for_task(TASK, Duration::from_secs(60)).await.unwrap();
    assert_eq!(task.status, AsyncTaskStatus::Executed);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.api_path() == format!("/1/async/tasks/{TASK}")));
    // 1 s, then 2 s between polls.
    assert!(requests[2].at - requests[0].at >= Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn wait_for_task_reports_failures_and_timeouts() {
    let _clock = ClockDriver::start();
    let mut failed = fixtures::task(TASK, "failed");
    failed["data"]["error"] = json!({"code": "export_failed"});
    let server = Server::replies(vec![Reply::json(200, &failed)]).await;
    let err = client(&server).wait_for_task(TASK, Duration::from_secs(60)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert!(err.message().contains("export_failed"), "{err}");
    let running = Reply::json(200, &fixtures::task(TASK, "running"));
    let server = Server::start(move |_| running.clone()).await;
    let err = client(&server).wait_for_task(TASK, Duration::from_secs(10)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.message().contains("running"), "{err}");
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = Server::replies(Vec::new()).await;
    let client = client(&server);
    assert_eq!(client.delete_campaign("").await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(client.show_html(" ").await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(client.cancel_operation("").await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_token_never_shows() {
    let server = Server::replies(vec![Reply::json(
        403,
        &json!({"result": "error", "error": {"code": "access_denied", "description": "no access"}}),
    )])
    .await;
    let client = client(&server);
    assert!(!format!("{client:?}").contains(TOKEN));
    assert!(!client.to_string().contains(TOKEN));
    let err = client.destroy_domain().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(!format!("{err:?}").contains(TOKEN) && !err.to_string().contains(TOKEN));
    assert_eq!(server.only_request().api_path(), at(""));
}
