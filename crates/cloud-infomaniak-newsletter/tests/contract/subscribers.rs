//! Subscribers.

use cloud_infomaniak_newsletter::models::{
    AssignRequest, AssignRequestSelect, CreateSubscriberRequest, DeleteSubscribersRequest,
    DeleteSubscribersRequestSelect, ExportSubscribersRequest, ExportSubscribersRequestFilter,
    ExportSubscribersRequestSelect, FilterProvidersRequest, FilterProvidersRequestFilter, ImportSubscribersRequest,
    ListSubscribersFilter, ListSubscribersFilterStatus, UnassignRequest, UnassignRequestSelect,
    UnsubscribeSubscribersRequest, UnsubscribeSubscribersRequestSelect, UpdateSubscriberRequest,
    UpdateSubscriberRequestStatus, UploadCsvFileRequest,
};
use cloud_infomaniak_newsletter::{
    FilterProvidersOptions, ListSubscribersOptions, ShowSubscriberOptions, UpdateSubscriberOptions,
};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::fixtures::{self, TASK};
use crate::support::server::Server;
use crate::support::{Expected, at, client, contract, page_of, success};

#[tokio::test]
async fn list_subscribers() {
    let c = contract("NewsletterListSubscribers");
    let first =
        page_of(vec![fixtures::subscriber(1, "a@example.com"), fixtures::subscriber(2, "b@example.com")], 1, 2, 2);
    let second = page_of(vec![fixtures::subscriber(3, "c@example.com")], 2, 2, 2);
    let server = Server::replies(vec![c.ok(&first), c.ok(&second)]).await;
    let options = ListSubscribersOptions::default()
        .with_per_page(2)
        .with_with("groups")
        .with_filter(ListSubscribersFilter::default().with_status(ListSubscribersFilterStatus::Active));
    let all: Vec<_> = client(&server).list_subscribers(options).try_collect().await.unwrap();
    assert_eq!(
        all.iter().map(|s| s.email.as_str()).collect::<Vec<_>>(),
        ["a@example.com", "b@example.com", "c@example.com"]
    );
    assert_eq!(all[0].groups.as_ref().map(|g| g[0].name.as_str()), Some("Customers"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for (request, page) in requests.iter().zip(["1", "2"]) {
        c.assert_request(
            request,
            &Expected {
                path: &at("subscribers"),
                query: &[("with", "groups"), ("filter[status]", "active"), ("page", page), ("per_page", "2")],
                body: None,
            },
        );
    }
}

#[tokio::test]
async fn create_subscriber() {
    let c = contract("NewsletterCreateSubscriber");
    let server = Server::replies(vec![c.ok(&success(fixtures::subscriber(8, "ann@example.com")))]).await;
    let request = CreateSubscriberRequest::new("ann@example.com").with_groups(["Customers"]);
    let created = client(&server).create_subscriber(&request).await.unwrap();
    assert_eq!(created.id, 8);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers"),
            body: Some(json!({"email": "ann@example.com", "groups": ["Customers"]})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn delete_subscribers() {
    let c = contract("NewsletterDeleteSubscribers");
    let server = Server::replies(vec![c.ok(&success(json!(TASK)))]).await;
    let request = DeleteSubscribersRequest::new(DeleteSubscribersRequestSelect::new(true).with_exclude([4]));
    assert_eq!(client(&server).delete_subscribers(&request).await.unwrap(), TASK);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers"),
            body: Some(json!({"select": {"all": true, "exclude": [4]}})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn count_subscribers_status() {
    let c = contract("NewsletterCountSubscribersStatus");
    let server = Server::replies(vec![c.ok(&success(json!(["active: 10", "unsubscribed: 2"])))]).await;
    assert_eq!(client(&server).count_subscribers_status().await.unwrap().len(), 2);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("subscribers/count_status"), ..Expected::default() },
    );
}

#[tokio::test]
async fn show_subscriber() {
    let c = contract("NewsletterShowSubscriber");
    let server = Server::replies(vec![c.ok(&success(fixtures::subscriber(8, "ann@example.com")))]).await;
    let options = ShowSubscriberOptions::default().with_with("fields");
    assert_eq!(client(&server).show_subscriber(8, &options).await.unwrap().email, "ann@example.com");
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("subscribers/8"), query: &[("with", "fields")], body: None },
    );
}

#[tokio::test]
async fn update_subscriber() {
    let c = contract("NewsletterUpdateSubscriber");
    let server = Server::replies(vec![c.ok(&success(fixtures::subscriber(8, "ann@example.com")))]).await;
    let changes = UpdateSubscriberRequest::default().with_status(UpdateSubscriberRequestStatus::Unsubscribed);
    client(&server).update_subscriber(8, Some(&changes), &UpdateSubscriberOptions::default()).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("subscribers/8"), body: Some(json!({"status": "unsubscribed"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_subscriber() {
    let c = contract("NewsletterDeleteSubscriber");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).delete_subscriber(8).await.unwrap());
    c.assert_request(&server.only_request(), &Expected { path: &at("subscribers/8"), ..Expected::default() });
}

#[tokio::test]
async fn filter_providers() {
    let c = contract("NewsletterFilterProviders");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::subscriber(1, "a@example.com")], 1, 1, 15))]).await;
    let body =
        FilterProvidersRequest::default().with_filter(FilterProvidersRequestFilter::default().with_search("example"));
    let found: Vec<_> =
        client(&server).filter_providers(Some(body), FilterProvidersOptions::default()).try_collect().await.unwrap();
    assert_eq!(found.len(), 1);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers/filter"),
            query: &[("page", "1")],
            body: Some(json!({"filter": {"search": "example"}})),
        },
    );
}

#[tokio::test]
async fn export_subscribers() {
    let c = contract("NewsletterExportSubscribers");
    let server = Server::replies(vec![c.ok(&success(json!(TASK)))]).await;
    let request = ExportSubscribersRequest::new(ExportSubscribersRequestSelect::new(true))
        .with_filter(ExportSubscribersRequestFilter::default().with_groups([7]));
    assert_eq!(client(&server).export_subscribers(&request).await.unwrap(), TASK);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers/export"),
            body: Some(json!({"select": {"all": true}, "filter": {"groups": [7]}})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn import_subscribers() {
    let c = contract("NewsletterImportSubscribers");
    let server = Server::replies(vec![c.ok(&success(json!({"imported": 2})))]).await;
    let request = ImportSubscribersRequest::new(["email", "firstname"]).with_upload_id(55).with_csv_separator(";");
    let answer = client(&server).import_subscribers(&request).await.unwrap();
    assert_eq!(answer["imported"], 2);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers/import"),
            body: Some(json!({"fields": ["email", "firstname"], "upload_id": 55, "csv_separator": ";"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn upload_csv_file() {
    let c = contract("NewsletterUploadCsvFile");
    let server = Server::replies(vec![c.ok(&success(json!(["55"])))]).await;
    let request = UploadCsvFileRequest::default().with_content("email\nann@example.com\n");
    assert_eq!(client(&server).upload_csv_file(Some(&request)).await.unwrap(), ["55"]);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers/import/upload"),
            body: Some(json!({"content": "email\nann@example.com\n"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn forget_subscriber() {
    let c = contract("NewsletterForgetSubscriber");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).forget_subscriber(8).await.unwrap());
    c.assert_request(&server.only_request(), &Expected { path: &at("subscribers/8/forget"), ..Expected::default() });
}

#[tokio::test]
async fn unsubscribe_subscribers() {
    let c = contract("NewsletterUnsubscribeSubscribers");
    let server = Server::replies(vec![c.ok(&success(json!(TASK)))]).await;
    let request = UnsubscribeSubscribersRequest::new(UnsubscribeSubscribersRequestSelect::new(false).with_include([8]));
    assert_eq!(client(&server).unsubscribe_subscribers(&request).await.unwrap(), TASK);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers/unsubscribe"),
            body: Some(json!({"select": {"all": false, "include": [8]}})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn assign() {
    let c = contract("NewsletterAssign");
    let server = Server::replies(vec![c.ok(&success(json!(TASK)))]).await;
    let request = AssignRequest::new(AssignRequestSelect::new(false).with_include([8, 9])).with_groups(["7"]);
    assert_eq!(client(&server).assign(&request).await.unwrap(), TASK);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers/assign"),
            body: Some(json!({"select": {"all": false, "include": [8, 9]}, "groups": ["7"]})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn unassign() {
    let c = contract("NewsletterUnassign");
    let server = Server::replies(vec![c.ok(&success(json!(TASK)))]).await;
    let request = UnassignRequest::new(7, UnassignRequestSelect::new(true));
    assert_eq!(client(&server).unassign(&request).await.unwrap(), TASK);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("subscribers/unassign"),
            body: Some(json!({"group_id": 7, "select": {"all": true}})),
            ..Expected::default()
        },
    );
}
