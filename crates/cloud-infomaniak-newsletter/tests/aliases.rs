//! The 27 compatibility names: each one sends the current operation it stands for (checked
//! against the export like every contract test) and returns what that operation answers.

mod support;

use cloud_core::{Env, ErrorKind};
use cloud_infomaniak_newsletter::models::{
    CreateCampaignRequest, CreateCampaignRequestLang, EditCampaignRequest, ImportSubscribersRequest,
    ScheduleCampaignRequest, UpdateSubscriberRequest, UpdateSubscriberRequestStatus,
};
use cloud_infomaniak_newsletter::{
    ContactAction, GetGroupSubscribersOptions, ListCampaignsOptions, ListGroupsOptions, NewsletterClient,
};
use futures::TryStreamExt;
use serde_json::json;
use support::server::Server;
use support::{DOMAIN, Expected, at, client, contract, empty, fixtures, page_of, success};

/// `__init__`, `from_credentials`, `from_env`.
#[test]
fn constructors_new_from_credentials_and_from_env() {
    let direct = NewsletterClient::new("CANARYnewsletterAliasToken1", DOMAIN).unwrap();
    let compat = NewsletterClient::from_credentials("CANARYnewsletterAliasToken1", DOMAIN).unwrap();
    assert_eq!(direct.domain(), compat.domain());
    assert_eq!(direct.base_url(), compat.base_url());
    let env = Env::from_slice(&[
        ("INFOMANIAK_NEWSLETTER_TOKEN", "CANARYnewsletterAliasToken1"),
        ("INFOMANIAK_NEWSLETTER_ID", "4321"),
    ]);
    assert_eq!(NewsletterClient::from_env_with(&env).unwrap().domain(), 4321);
    // The Python client raised ValueError for a missing variable; here it is a configuration error.
    let missing = NewsletterClient::from_env_with(&Env::from_slice(&[("INFOMANIAK_NEWSLETTER_TOKEN", "t")]));
    assert_eq!(missing.unwrap_err().kind(), ErrorKind::InvalidConfig);
}

#[tokio::test]
async fn validate_connection() {
    let c = contract("NewsletterListCredits");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::credit(1)], 1, 1, 1))]).await;
    client(&server).validate_connection().await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("credits"), query: &[("page", "1"), ("per_page", "1")], body: None },
    );
    // The export declares no error answer for this operation; Infomaniak's error envelope.
    let denied = Server::replies(vec![support::server::Reply::json(
        401,
        &json!({"result": "error", "error": {"code": "invalid_token", "description": "the token is invalid"}}),
    )])
    .await;
    let err = client(&denied).validate_connection().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert_eq!(err.message(), "the token is invalid (invalid_token)");
}

#[tokio::test]
async fn list_campaigns() {
    let c = contract("NewsletterListCampaigns");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::campaign(1)], 1, 1, 15))]).await;
    let campaigns: Vec<_> =
        client(&server).list_campaigns(ListCampaignsOptions::default()).try_collect().await.unwrap();
    assert_eq!(campaigns[0].id, 1);
    c.assert_request(&server.only_request(), &Expected { path: &at("campaigns"), query: &[("page", "1")], body: None });
}

#[tokio::test]
async fn get_campaign() {
    let c = contract("NewsletterShowCampaign");
    let server = Server::replies(vec![c.ok(&success(fixtures::campaign(5)))]).await;
    assert_eq!(client(&server).get_campaign(5).await.unwrap().id, 5);
    c.assert_request(&server.only_request(), &Expected { path: &at("campaigns/5"), ..Expected::default() });
}

#[tokio::test]
async fn create_campaign() {
    let c = contract("NewsletterCreateCampaign");
    let server = Server::replies(vec![c.ok(&success(fixtures::campaign(9)))]).await;
    let request = CreateCampaignRequest::new("ann@example.com", "Ann", CreateCampaignRequestLang::FrFr, "Nouvelles");
    assert_eq!(client(&server).create_campaign(&request).await.unwrap().id, 9);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns"),
            body: Some(json!({"email_from_addr": "ann@example.com", "email_from_name": "Ann", "lang": "fr_FR", "subject": "Nouvelles"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn update_campaign() {
    let c = contract("NewsletterEditCampaign");
    let server = Server::replies(vec![c.ok(&success(fixtures::campaign(5)))]).await;
    client(&server).update_campaign(5, &EditCampaignRequest::default().with_subject("New")).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("campaigns/5"), body: Some(json!({"subject": "New"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_campaign() {
    let c = contract("NewsletterDeleteCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).delete_campaign("5").await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("campaigns/5"), body: empty(), ..Expected::default() },
    );
}

#[tokio::test]
async fn send_test() {
    let c = contract("NewsletterSendTestCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).send_test(5, "test@example.com").await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns/5/test"),
            body: Some(json!({"email": "test@example.com"})),
            ..Expected::default()
        },
    );
    // An address without `@` is refused before anything is sent.
    let err = client(&server).send_test(5, "nobody").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn schedule_campaign() {
    let c = contract("NewsletterScheduleCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    let at_time = ScheduleCampaignRequest::default().with_started_at(1_900_000_000);
    assert!(client(&server).schedule_campaign(5, Some(&at_time)).await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns/5/schedule"),
            body: Some(json!({"started_at": 1_900_000_000})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn unschedule_campaign() {
    let c = contract("NewsletterCancelCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).unschedule_campaign(5).await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("campaigns/5/cancel"), body: empty(), ..Expected::default() },
    );
}

#[tokio::test]
async fn send_campaign() {
    let c = contract("NewsletterScheduleCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    let before = chrono::Utc::now().timestamp();
    assert!(client(&server).send_campaign(5).await.unwrap());
    let after = chrono::Utc::now().timestamp();
    let request = server.only_request();
    let started_at = request.json().unwrap()["started_at"].as_i64().unwrap();
    assert!((before..=after).contains(&started_at), "{started_at} not in {before}..={after}");
    c.assert_request(
        &request,
        &Expected {
            path: &at("campaigns/5/schedule"),
            body: Some(json!({"started_at": started_at})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn get_campaign_statistics() {
    let show = contract("NewsletterShowCampaign");
    let links = contract("NewsletterLinksActivity");
    let server = Server::replies(vec![
        show.ok(&success(fixtures::campaign(5))),
        links.ok(&success(json!([{"url": "https://example.com", "clicks": 12}]))),
    ])
    .await;
    let report = client(&server).get_campaign_statistics(5).await.unwrap();
    let stats = report.statistics.unwrap();
    assert_eq!((stats.open_count, stats.click_count, stats.bounce_count), (60, 12, 2));
    assert_eq!(report.links[0]["clicks"], 12);
    let requests = server.requests();
    show.assert_request(&requests[0], &Expected { path: &at("campaigns/5"), ..Expected::default() });
    links.assert_request(&requests[1], &Expected { path: &at("campaigns/5/report/links"), ..Expected::default() });
}

#[tokio::test]
async fn list_mailing_lists() {
    let c = contract("NewsletterListGroups");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::group(7, "Customers")], 1, 1, 15))]).await;
    let lists: Vec<_> = client(&server).list_mailing_lists(ListGroupsOptions::default()).try_collect().await.unwrap();
    assert_eq!(lists[0].name, "Customers");
    c.assert_request(&server.only_request(), &Expected { path: &at("groups"), query: &[("page", "1")], body: None });
}

#[tokio::test]
async fn get_mailing_list() {
    let c = contract("NewsletterShowGroup");
    let server = Server::replies(vec![c.ok(&success(fixtures::group(7, "Customers")))]).await;
    assert_eq!(client(&server).get_mailing_list(7).await.unwrap().id, 7);
    c.assert_request(&server.only_request(), &Expected { path: &at("groups/7"), ..Expected::default() });
}

#[tokio::test]
async fn create_mailing_list() {
    let c = contract("NewsletterCreateGroup");
    let server = Server::replies(vec![c.ok(&success(fixtures::group(7, "Customers")))]).await;
    assert_eq!(client(&server).create_mailing_list("Customers").await.unwrap().id, 7);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("groups"), body: Some(json!({"name": "Customers"})), ..Expected::default() },
    );
    assert_eq!(client(&server).create_mailing_list("  ").await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn update_mailing_list() {
    let c = contract("NewsletterUpdateGroup");
    let server = Server::replies(vec![c.ok(&success(fixtures::group(7, "Clients")))]).await;
    assert_eq!(client(&server).update_mailing_list(7, "Clients").await.unwrap().name, "Clients");
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("groups/7"), body: Some(json!({"name": "Clients"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_mailing_list() {
    let c = contract("NewsletterDeleteGroup");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).delete_mailing_list(7).await.unwrap());
    c.assert_request(&server.only_request(), &Expected { path: &at("groups/7"), ..Expected::default() });
}

#[tokio::test]
async fn get_list_contacts() {
    let c = contract("NewsletterGetGroupSubscribers");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::subscriber(1, "a@example.com")], 1, 1, 15))]).await;
    let contacts: Vec<_> =
        client(&server).get_list_contacts(7, GetGroupSubscribersOptions::default()).try_collect().await.unwrap();
    assert_eq!(contacts[0].email, "a@example.com");
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("groups/7/subscribers"), query: &[("page", "1")], body: None },
    );
}

#[tokio::test]
async fn import_contacts() {
    let c = contract("NewsletterImportSubscribers");
    let server = Server::replies(vec![c.ok(&success(json!({"imported": 1})))]).await;
    let import = ImportSubscribersRequest::new(["email"]).with_upload_id(55).with_groups(["3"]);
    client(&server).import_contacts(7, &import).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers/import"),
            body: Some(json!({"fields": ["email"], "upload_id": 55, "groups": ["3", "7"]})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn manage_contact() {
    let assign = contract("NewsletterAssignSubscribers");
    let unassign = contract("NewsletterUnassignSubscribers");
    let unsubscribe = contract("NewsletterUnsubscribeSubscribers");
    let server = Server::replies(vec![
        assign.ok(&success(json!([fixtures::subscriber(8, "ann@example.com")]))),
        unassign.ok(&success(json!([]))),
        unsubscribe.ok(&success(json!(fixtures::TASK))),
    ])
    .await;
    let c = client(&server);
    c.manage_contact(7, 8, ContactAction::Subscribe).await.unwrap();
    c.manage_contact(7, 8, "remove".parse().unwrap()).await.unwrap();
    c.manage_contact(7, 8, ContactAction::Unsubscribe).await.unwrap();
    let requests = server.requests();
    assign.assert_request(
        &requests[0],
        &Expected {
            path: &at("groups/7/subscribers/assign"),
            body: Some(json!({"subscriber_ids": [8]})),
            ..Expected::default()
        },
    );
    unassign.assert_request(
        &requests[1],
        &Expected {
            path: &at("groups/7/subscribers/unassign"),
            body: Some(json!({"subscriber_ids": [8]})),
            ..Expected::default()
        },
    );
    unsubscribe.assert_request(
        &requests[2],
        &Expected {
            path: &at("subscribers/unsubscribe"),
            body: Some(json!({"select": {"all": false, "include": [8]}})),
            ..Expected::default()
        },
    );
    // The Python client's ValueError for an unknown action.
    assert_eq!("delete".parse::<ContactAction>().unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn get_contact() {
    let c = contract("NewsletterShowSubscriber");
    let server = Server::replies(vec![c.ok(&success(fixtures::subscriber(8, "ann@example.com")))]).await;
    assert_eq!(client(&server).get_contact(8).await.unwrap().email, "ann@example.com");
    c.assert_request(&server.only_request(), &Expected { path: &at("subscribers/8"), ..Expected::default() });
}

#[tokio::test]
async fn update_contact() {
    let c = contract("NewsletterUpdateSubscriber");
    let server = Server::replies(vec![c.ok(&success(fixtures::subscriber(8, "ann@example.com")))]).await;
    let changes = UpdateSubscriberRequest::default().with_status(UpdateSubscriberRequestStatus::Active);
    client(&server).update_contact(8, &changes).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("subscribers/8"), body: Some(json!({"status": "active"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_contact() {
    let c = contract("NewsletterDeleteSubscriber");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).delete_contact(8).await.unwrap());
    c.assert_request(&server.only_request(), &Expected { path: &at("subscribers/8"), ..Expected::default() });
}

#[tokio::test]
async fn get_task_status() {
    let server =
        Server::replies(vec![support::server::Reply::json(200, &fixtures::task(fixtures::TASK, "running"))]).await;
    let task = client(&server).get_task_status(fixtures::TASK).await.unwrap();
    assert_eq!(task.status, cloud_infomaniak_newsletter::AsyncTaskStatus::Running);
    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.api_path()),
        ("GET", format!("/1/async/tasks/{}", fixtures::TASK).as_str())
    );
    assert_eq!(request.header("authorization"), Some(format!("Bearer {}", support::TOKEN).as_str()));
    // An empty id is refused before anything is sent.
    assert_eq!(client(&server).get_task_status("").await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn get_credits() {
    let c = contract("NewsletterAccountCredits");
    let server = Server::replies(vec![c.ok(&success(fixtures::credit(2)))]).await;
    assert_eq!(client(&server).get_credits().await.unwrap().quantity, 2000);
    c.assert_request(&server.only_request(), &Expected { path: &at("credits/accounts"), ..Expected::default() });
}

/// The table of the 27 names is complete: 3 constructors and 24 methods, each tested here.
#[test]
fn every_compatibility_name_has_a_test() {
    const NAMES: [&str; 27] = [
        "new",
        "from_env",
        "from_credentials",
        "validate_connection",
        "list_campaigns",
        "get_campaign",
        "create_campaign",
        "update_campaign",
        "delete_campaign",
        "send_test",
        "schedule_campaign",
        "unschedule_campaign",
        "send_campaign",
        "get_campaign_statistics",
        "list_mailing_lists",
        "get_mailing_list",
        "create_mailing_list",
        "update_mailing_list",
        "delete_mailing_list",
        "get_list_contacts",
        "import_contacts",
        "manage_contact",
        "get_contact",
        "update_contact",
        "delete_contact",
        "get_task_status",
        "get_credits",
    ];
    let source = include_str!("aliases.rs");
    for name in NAMES.iter().skip(3) {
        assert!(source.contains(&format!("async fn {name}()")), "no test for {name}");
    }
    assert!(source.contains("fn constructors_new_from_credentials_and_from_env()"));
}
