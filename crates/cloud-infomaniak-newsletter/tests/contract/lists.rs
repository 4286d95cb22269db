//! Groups and segments.

use cloud_infomaniak_newsletter::models::{
    AssignSubscribersRequest, CreateGroupRequest, CreateSegmentRequest, CreateSegmentRequestData,
    CreateSegmentRequestDataClosure, CreateSegmentRequestDataCondsItem, CreateSegmentRequestDataCondsItemCondsItem,
    CreateSegmentRequestDataCondsItemCondsItemOperator, CreateSegmentRequestDataCondsItemCondsItemType,
    DeleteGroupsRequest, DeleteGroupsRequestSelect, DeleteSegmentsRequest, DeleteSegmentsRequestSelect,
    ListGroupsFilter, UnassignSubscribersRequest, UpdateGroupRequest, UpdateSegmentRequest,
};
use cloud_infomaniak_newsletter::{
    DeleteSegmentsOptions, GetGroupSubscribersOptions, GetSegmentSubscribersOptions, ListGroupsOptions,
    ListSegmentsOptions, ShowGroupOptions, ShowSegmentOptions,
};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::fixtures::{self, TASK};
use crate::support::server::Server;
use crate::support::{Expected, at, client, contract, page_of, success};

#[tokio::test]
async fn list_groups() {
    let c = contract("NewsletterListGroups");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::group(7, "Customers")], 1, 1, 15))]).await;
    let options = ListGroupsOptions::default().with_filter(ListGroupsFilter::default().with_search("cust"));
    let groups: Vec<_> = client(&server).list_groups(options).try_collect().await.unwrap();
    assert_eq!(groups[0].name, "Customers");
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("groups"), query: &[("filter[search]", "cust"), ("page", "1")], body: None },
    );
}

#[tokio::test]
async fn create_group() {
    let c = contract("NewsletterCreateGroup");
    let server = Server::replies(vec![c.ok(&success(fixtures::group(7, "Customers")))]).await;
    assert_eq!(client(&server).create_group(&CreateGroupRequest::new("Customers")).await.unwrap().id, 7);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("groups"), body: Some(json!({"name": "Customers"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_groups() {
    let c = contract("NewsletterDeleteGroups");
    let server = Server::replies(vec![c.ok(&success(json!(TASK)))]).await;
    let request = DeleteGroupsRequest::new(DeleteGroupsRequestSelect::new(false).with_include([7]));
    assert_eq!(client(&server).delete_groups(&request).await.unwrap(), TASK);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("groups"),
            body: Some(json!({"select": {"all": false, "include": [7]}})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn show_group() {
    let c = contract("NewsletterShowGroup");
    let server = Server::replies(vec![c.ok(&success(fixtures::group(7, "Customers")))]).await;
    assert_eq!(client(&server).show_group(7, &ShowGroupOptions::default()).await.unwrap().name, "Customers");
    c.assert_request(&server.only_request(), &Expected { path: &at("groups/7"), ..Expected::default() });
}

#[tokio::test]
async fn update_group() {
    let c = contract("NewsletterUpdateGroup");
    let server = Server::replies(vec![c.ok(&success(fixtures::group(7, "Clients")))]).await;
    assert_eq!(client(&server).update_group(7, &UpdateGroupRequest::new("Clients")).await.unwrap().name, "Clients");
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("groups/7"), body: Some(json!({"name": "Clients"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_group() {
    let c = contract("NewsletterDeleteGroup");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).delete_group(7).await.unwrap());
    c.assert_request(&server.only_request(), &Expected { path: &at("groups/7"), ..Expected::default() });
}

#[tokio::test]
async fn get_group_subscribers() {
    let c = contract("NewsletterGetGroupSubscribers");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::subscriber(1, "a@example.com")], 1, 1, 15))]).await;
    let members: Vec<_> =
        client(&server).get_group_subscribers(7, GetGroupSubscribersOptions::default()).try_collect().await.unwrap();
    assert_eq!(members[0].id, 1);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("groups/7/subscribers"), query: &[("page", "1")], body: None },
    );
}

#[tokio::test]
async fn assign_subscribers() {
    let c = contract("NewsletterAssignSubscribers");
    let server = Server::replies(vec![c.ok(&success(json!([fixtures::subscriber(8, "ann@example.com")])))]).await;
    let assigned = client(&server).assign_subscribers(7, &AssignSubscribersRequest::new([8])).await.unwrap();
    assert_eq!(assigned[0].id, 8);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("groups/7/subscribers/assign"),
            body: Some(json!({"subscriber_ids": [8]})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn unassign_subscribers() {
    let c = contract("NewsletterUnassignSubscribers");
    let server = Server::replies(vec![c.ok(&success(json!([])))]).await;
    let left = client(&server).unassign_subscribers(7, &UnassignSubscribersRequest::new([8, 9])).await.unwrap();
    assert!(left.is_empty());
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("groups/7/subscribers/unassign"),
            body: Some(json!({"subscriber_ids": [8, 9]})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn list_segments() {
    let c = contract("NewsletterListSegments");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::segment(3)], 1, 1, 15))]).await;
    let segments: Vec<_> = client(&server).list_segments(ListSegmentsOptions::default()).try_collect().await.unwrap();
    assert_eq!(segments[0].subscribed_count, 42);
    c.assert_request(&server.only_request(), &Expected { path: &at("segments"), query: &[("page", "1")], body: None });
}

#[tokio::test]
async fn create_segment() {
    let c = contract("NewsletterCreateSegment");
    let server = Server::replies(vec![c.ok(&success(fixtures::segment(3)))]).await;
    let condition = CreateSegmentRequestDataCondsItemCondsItem::new(
        CreateSegmentRequestDataCondsItemCondsItemOperator::Equal,
        CreateSegmentRequestDataCondsItemCondsItemType::Mailinglist,
    )
    .with_mailinglist_id(7);
    let data = CreateSegmentRequestData::default()
        .with_closure(CreateSegmentRequestDataClosure::Or)
        .with_conds([CreateSegmentRequestDataCondsItem::new([condition])]);
    assert_eq!(client(&server).create_segment(&CreateSegmentRequest::new(data, "Customers")).await.unwrap().id, 3);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("segments"),
            body: Some(json!({
                "data": {"closure": "OR", "conds": [{"closure": "AND", "conds": [{"operator": "=", "type": "mailinglist", "mailinglist_id": 7}]}]},
                "name": "Customers"
            })),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn delete_segments() {
    let c = contract("NewsletterDeleteSegments");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    let request = DeleteSegmentsRequest::new(DeleteSegmentsRequestSelect::new(false).with_include([3]));
    assert!(client(&server).delete_segments(&request, &DeleteSegmentsOptions::default()).await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("segments"),
            body: Some(json!({"select": {"all": false, "include": [3]}})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn show_segment() {
    let c = contract("NewsletterShowSegment");
    let server = Server::replies(vec![c.ok(&success(fixtures::segment(3)))]).await;
    assert_eq!(client(&server).show_segment(3, &ShowSegmentOptions::default()).await.unwrap().name, "Openers");
    c.assert_request(&server.only_request(), &Expected { path: &at("segments/3"), ..Expected::default() });
}

#[tokio::test]
async fn update_segment() {
    let c = contract("NewsletterUpdateSegment");
    let server = Server::replies(vec![c.ok(&success(fixtures::segment(3)))]).await;
    client(&server).update_segment(3, Some(&UpdateSegmentRequest::default().with_name("Openers"))).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("segments/3"), body: Some(json!({"name": "Openers"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_segment() {
    let c = contract("NewsletterDeleteSegment");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).delete_segment(3).await.unwrap());
    c.assert_request(&server.only_request(), &Expected { path: &at("segments/3"), ..Expected::default() });
}

#[tokio::test]
async fn get_segment_subscribers() {
    let c = contract("NewsletterGetSegmentSubscribers");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::subscriber(1, "a@example.com")], 1, 1, 15))]).await;
    let options = GetSegmentSubscribersOptions::default().with_per_page(15);
    let members: Vec<_> = client(&server).get_segment_subscribers(3, options).try_collect().await.unwrap();
    assert_eq!(members.len(), 1);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("segments/3/subscribers"), query: &[("page", "1"), ("per_page", "15")], body: None },
    );
}
