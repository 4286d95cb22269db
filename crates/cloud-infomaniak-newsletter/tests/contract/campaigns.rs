//! Domain and campaigns.

use cloud_infomaniak_newsletter::models::{
    CreateCampaignRequest, CreateCampaignRequestLang, CreateCampaignRequestRecipients, DeleteCampaignsFilter,
    DeleteCampaignsFilterStatusItem, DeleteCampaignsRequest, DeleteCampaignsRequestSelect, EditCampaignRequest,
    GetTrackingFilter, ListCampaignsFilter, ListCampaignsFilterStatusItem, ScheduleCampaignRequest,
    SendTestCampaignRequest, TestCampaignRequest,
};
use cloud_infomaniak_newsletter::{
    DeleteCampaignsOptions, GetTrackingOptions, ListCampaignsOptions, ShowCampaignOptions, ShowDomainOptions,
    SubscribersActivityOptions,
};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::server::Server;
use crate::support::{Expected, at, client, contract, empty, fixtures, page_of, success, success_without_data};

#[tokio::test]
async fn show_domain() {
    let c = contract("NewsletterShowDomain");
    let server = Server::replies(vec![c.ok(&success(fixtures::domain()))]).await;
    let domain = client(&server).show_domain(&ShowDomainOptions::default().with_with("statistics")).await.unwrap();
    assert_eq!((domain.id, domain.name.as_str()), (4321, "news.example.com"));
    assert_eq!(domain.status, cloud_infomaniak_newsletter::models::DomainStatus::Enabled);
    c.assert_request(&server.only_request(), &Expected { path: &at(""), query: &[("with", "statistics")], body: None });
}

#[tokio::test]
async fn destroy_domain() {
    let c = contract("NewsletterDestroyDomain");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).destroy_domain().await.unwrap());
    c.assert_request(&server.only_request(), &Expected { path: &at(""), ..Expected::default() });
}

#[tokio::test]
async fn list_campaigns() {
    let c = contract("NewsletterListCampaigns");
    let server =
        Server::replies(vec![c.ok(&page_of(vec![fixtures::campaign(1), fixtures::campaign(2)], 1, 1, 20))]).await;
    let filter = ListCampaignsFilter::default()
        .with_search("spring")
        .with_status([ListCampaignsFilterStatusItem::Draft, ListCampaignsFilterStatusItem::Scheduled]);
    let options =
        ListCampaignsOptions::default().with_filter(filter).with_per_page(20).with_order_by(["created_at", "id"]);
    let campaigns: Vec<_> = client(&server).list_campaigns(options).try_collect().await.unwrap();
    assert_eq!(campaigns.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(campaigns[0].statistics.as_ref().map(|s| s.open_count), Some(60));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns"),
            query: &[
                ("filter[search]", "spring"),
                ("filter[status][]", "draft"),
                ("filter[status][]", "scheduled"),
                ("page", "1"),
                ("per_page", "20"),
                ("order_by", "created_at,id"),
            ],
            body: None,
        },
    );
}

#[tokio::test]
async fn create_campaign() {
    let c = contract("NewsletterCreateCampaign");
    let server = Server::replies(vec![c.ok(&success(fixtures::campaign(9)))]).await;
    let request = CreateCampaignRequest::new("ann@example.com", "Ann", CreateCampaignRequestLang::EnGb, "Spring news")
        .with_content_html("<p>Hello</p>")
        .with_recipients(CreateCampaignRequestRecipients::default().with_all_subscribers(true))
        .with_tracking_link(true);
    let campaign = client(&server).create_campaign(&request).await.unwrap();
    assert_eq!(campaign.id, 9);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns"),
            body: Some(json!({
                "email_from_addr": "ann@example.com", "email_from_name": "Ann", "lang": "en_GB",
                "subject": "Spring news", "content_html": "<p>Hello</p>", "recipients": {"all_subscribers": true},
                "tracking_link": true
            })),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn delete_campaigns() {
    let c = contract("NewsletterDeleteCampaigns");
    let server = Server::replies(vec![c.ok(&success(json!(crate::support::fixtures::TASK)))]).await;
    let body =
        DeleteCampaignsRequest::default().with_select(DeleteCampaignsRequestSelect::new(false).with_include([3, 4]));
    let options = DeleteCampaignsOptions::default()
        .with_filter(DeleteCampaignsFilter::default().with_status([DeleteCampaignsFilterStatusItem::Draft]));
    let task = client(&server).delete_campaigns(Some(&body), &options).await.unwrap();
    assert_eq!(task, crate::support::fixtures::TASK);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns"),
            query: &[("filter[status][]", "draft")],
            body: Some(json!({"select": {"all": false, "include": [3, 4]}})),
        },
    );
}

#[tokio::test]
async fn show_campaign() {
    let c = contract("NewsletterShowCampaign");
    let server = Server::replies(vec![c.ok(&success(fixtures::campaign(5)))]).await;
    let campaign = client(&server).show_campaign(5, &ShowCampaignOptions::default()).await.unwrap();
    assert_eq!(campaign.subject, "Spring news");
    c.assert_request(&server.only_request(), &Expected { path: &at("campaigns/5"), ..Expected::default() });
}

#[tokio::test]
async fn edit_campaign() {
    let c = contract("NewsletterEditCampaign");
    let server = Server::replies(vec![c.ok(&success(fixtures::campaign(5)))]).await;
    let changes = EditCampaignRequest::default().with_subject("Summer news").with_preheader("Sun");
    client(&server).edit_campaign(5, Some(&changes)).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns/5"),
            body: Some(json!({"subject": "Summer news", "preheader": "Sun"})),
            ..Expected::default()
        },
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
async fn get_tracking() {
    let c = contract("NewsletterGetTracking");
    let first = page_of(vec![json!({"email": "a@example.com", "action": "open"})], 1, 2, 1);
    let second = page_of(vec![json!({"email": "b@example.com", "action": "click"})], 2, 2, 1);
    let server = Server::replies(vec![c.ok(&first), c.ok(&second)]).await;
    let options =
        GetTrackingOptions::default().with_per_page(1).with_filter(GetTrackingFilter::default().with_search("example"));
    let events: Vec<_> = client(&server).get_tracking(5, options).try_collect().await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["action"], "click");
    let requests = server.requests();
    for (request, page) in requests.iter().zip(["1", "2"]) {
        c.assert_request(
            request,
            &Expected {
                path: &at("campaigns/5/tracking"),
                query: &[("filter[search]", "example"), ("page", page), ("per_page", "1")],
                body: None,
            },
        );
    }
}

#[tokio::test]
async fn links_activity() {
    let c = contract("NewsletterLinksActivity");
    let server = Server::replies(vec![c.ok(&success(json!([{"url": "https://example.com", "clicks": 4}])))]).await;
    let links = client(&server).links_activity(5).await.unwrap();
    assert_eq!(links[0]["clicks"], 4);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("campaigns/5/report/links"), ..Expected::default() },
    );
}

#[tokio::test]
async fn subscribers_activity() {
    let c = contract("NewsletterSubscribersActivity");
    let server = Server::replies(vec![c.ok(&page_of(vec![json!({"email": "a@example.com"})], 1, 1, 15))]).await;
    let rows: Vec<_> =
        client(&server).subscribers_activity(5, SubscribersActivityOptions::default()).try_collect().await.unwrap();
    assert_eq!(rows.len(), 1);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("campaigns/5/report/activity"), query: &[("page", "1")], body: None },
    );
}

#[tokio::test]
async fn test_campaign() {
    let c = contract("NewsletterTestCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    let request = TestCampaignRequest::new(["ann@example.com", "bob@example.com"]);
    assert!(client(&server).test_campaign("tpl-1a2b", &request).await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns/template/tpl-1a2b/test"),
            body: Some(json!({"emails": ["ann@example.com", "bob@example.com"]})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn duplicate_campaign() {
    let c = contract("NewsletterDuplicateCampaign");
    let server = Server::replies(vec![c.ok(&success(fixtures::campaign(6)))]).await;
    assert_eq!(client(&server).duplicate_campaign(5).await.unwrap().id, 6);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("campaigns/5/duplicate"), body: empty(), ..Expected::default() },
    );
}

#[tokio::test]
async fn send_test_campaign() {
    let c = contract("NewsletterSendTestCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).send_test_campaign(5, &SendTestCampaignRequest::new("ann@example.com")).await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns/5/test"),
            body: Some(json!({"email": "ann@example.com"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn cancel_campaign() {
    let c = contract("NewsletterCancelCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).cancel_campaign(5).await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("campaigns/5/cancel"), body: empty(), ..Expected::default() },
    );
}

#[tokio::test]
async fn schedule_campaign() {
    let c = contract("NewsletterScheduleCampaign");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    let when = ScheduleCampaignRequest::default().with_started_at(1_706_531_189);
    assert!(client(&server).schedule_campaign(5, Some(&when)).await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("campaigns/5/schedule"),
            body: Some(json!({"started_at": 1_706_531_189})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn create_template_from_campaign() {
    let c = contract("NewsletterCreateTemplateFromCampaign");
    let server = Server::replies(vec![c.ok(&success(json!("tpl-77")))]).await;
    assert_eq!(client(&server).create_template_from_campaign(5, "12").await.unwrap(), "tpl-77");
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("campaigns/5/template/12"), body: empty(), ..Expected::default() },
    );
}

/// A success envelope without `data` reads as `null` for an operation that declares none.
#[tokio::test]
async fn answers_without_data_are_null() {
    let c = contract("NewsletterLinksActivity");
    let server = Server::replies(vec![c.ok(&success_without_data())]).await;
    assert!(client(&server).links_activity(5).await.unwrap().is_null());
}
