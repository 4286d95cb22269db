//! Every operation against Prism, an independent implementation of the OpenAPI export: Prism
//! validates each request against the document (422 with the violations when it does not
//! conform) and answers with data it builds from the document's schemas and examples, which the
//! client must decode.
//!
//! Needs `cargo xtask emulators up newsletter-mock` (started by `cargo xtask test`) and
//! `CLOUD_TEST_NEWSLETTER_MOCK_URL`; fails without them.

use std::time::Duration;

use cloud_contract_testing::prism::{Call, Refusal, assert_every_operation, call, mock_url};
use cloud_core::retry::RetryConfig;
use cloud_infomaniak_newsletter::models::*;
use cloud_infomaniak_newsletter::*;

fn client() -> NewsletterClient {
    let url = mock_url("CLOUD_TEST_NEWSLETTER_MOCK_URL", "newsletter-mock");
    NewsletterClient::builder()
        .with_token("CANARYnewsletterPrismToken")
        .with_domain_id(4321)
        .with_base_url(url)
        // Prism is local: no need to spread 71 calls over a minute.
        .with_rate_limits(false)
        .with_retry(RetryConfig::default().with_max_retries(1).with_initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("a client of the mock")
}

/// One call per operation, with valid arguments (`operationId` → the call).
#[allow(clippy::too_many_lines)]
fn calls(c: &NewsletterClient) -> Vec<(&'static str, Call)> {
    macro_rules! op {
        ($id:literal, |$c:ident| $body:expr) => {
            (
                $id,
                call({
                    let $c = c.clone();
                    async move { $body.await }
                }),
            )
        };
    }
    let ids = || [1_i64, 2];
    let cond = CreateSegmentRequestDataCondsItemCondsItem::new(
        CreateSegmentRequestDataCondsItemCondsItemOperator::Equal,
        CreateSegmentRequestDataCondsItemCondsItemType::Mailinglist,
    )
    .with_mailinglist_id(7);
    let segment = CreateSegmentRequest::new(
        CreateSegmentRequestData::default()
            .with_closure(CreateSegmentRequestDataClosure::Or)
            .with_conds([CreateSegmentRequestDataCondsItem::new([cond])]),
        "Customers",
    );
    let campaigns = ListCampaignsOptions::default()
        .with_filter(
            ListCampaignsFilter::default().with_search("spring").with_status([ListCampaignsFilterStatusItem::Draft]),
        )
        .with_page(1)
        .with_per_page(10)
        .with_order_by(["id"]);
    let active = ListSubscribersFilter::default().with_status(ListSubscribersFilterStatus::Active);
    let search =
        FilterProvidersRequest::default().with_filter(FilterProvidersRequestFilter::default().with_search("ann"));
    vec![
        op!("NewsletterShowDomain", |c| c.show_domain(&ShowDomainOptions::default().with_with("statistics"))),
        op!("NewsletterDestroyDomain", |c| c.destroy_domain()),
        op!("NewsletterListCampaigns", |c| c.list_campaigns_page(&campaigns)),
        op!("NewsletterCreateCampaign", |c| c.create_campaign(
            &CreateCampaignRequest::new("ann@example.com", "Ann", CreateCampaignRequestLang::EnGb, "Spring")
                .with_content_html("<p>Hi</p>")
        )),
        op!("NewsletterDeleteCampaigns", |c| c.delete_campaigns(
            Some(
                &DeleteCampaignsRequest::default()
                    .with_select(DeleteCampaignsRequestSelect::new(false).with_include(ids()))
            ),
            &DeleteCampaignsOptions::default()
        )),
        op!("NewsletterShowCampaign", |c| c.show_campaign(5, &ShowCampaignOptions::default())),
        op!("NewsletterEditCampaign", |c| c
            .edit_campaign(5, Some(&EditCampaignRequest::default().with_subject("New")))),
        op!("NewsletterDeleteCampaign", |c| c.delete_campaign("5")),
        op!("NewsletterGetTracking", |c| c.get_tracking_page(5, &GetTrackingOptions::default().with_page(1))),
        op!("NewsletterLinksActivity", |c| c.links_activity(5)),
        op!("NewsletterSubscribersActivity", |c| c
            .subscribers_activity_page(5, &SubscribersActivityOptions::default().with_page(1))),
        op!("NewsletterTestCampaign", |c| c.test_campaign("tpl-1", &TestCampaignRequest::new(["ann@example.com"]))),
        op!("NewsletterDuplicateCampaign", |c| c.duplicate_campaign(5)),
        op!("NewsletterSendTestCampaign", |c| c
            .send_test_campaign(5, &SendTestCampaignRequest::new("ann@example.com"))),
        op!("NewsletterCancelCampaign", |c| c.cancel_campaign(5)),
        op!("NewsletterScheduleCampaign", |c| c
            .schedule_campaign(5, Some(&ScheduleCampaignRequest::default().with_started_at(1_900_000_000)))),
        op!("NewsletterCreateTemplateFromCampaign", |c| c.create_template_from_campaign(5, "3")),
        op!("NewsletterListSubscribers", |c| c
            .list_subscribers_page(&ListSubscribersOptions::default().with_page(1).with_filter(active))),
        op!("NewsletterCreateSubscriber", |c| c
            .create_subscriber(&CreateSubscriberRequest::new("ann@example.com").with_groups(["7"]))),
        op!("NewsletterDeleteSubscribers", |c| c.delete_subscribers(&DeleteSubscribersRequest::new(
            DeleteSubscribersRequestSelect::new(false).with_include(ids())
        ))),
        op!("NewsletterCountSubscribersStatus", |c| c.count_subscribers_status()),
        op!("NewsletterShowSubscriber", |c| c.show_subscriber(8, &ShowSubscriberOptions::default())),
        op!("NewsletterUpdateSubscriber", |c| c.update_subscriber(
            8,
            Some(&UpdateSubscriberRequest::default().with_status(UpdateSubscriberRequestStatus::Active)),
            &UpdateSubscriberOptions::default()
        )),
        op!("NewsletterDeleteSubscriber", |c| c.delete_subscriber(8)),
        op!("NewsletterFilterProviders", |c| c
            .filter_providers_page(Some(&search), &FilterProvidersOptions::default().with_page(1))),
        op!("NewsletterExportSubscribers", |c| c
            .export_subscribers(&ExportSubscribersRequest::new(ExportSubscribersRequestSelect::new(true)))),
        op!("NewsletterImportSubscribers", |c| c
            .import_subscribers(&ImportSubscribersRequest::new(["email"]).with_upload_id(55))),
        op!("NewsletterUploadCsvFile", |c| c
            .upload_csv_file(Some(&UploadCsvFileRequest::default().with_content("email\nann@example.com\n")))),
        op!("NewsletterForgetSubscriber", |c| c.forget_subscriber(8)),
        op!("NewsletterUnsubscribeSubscribers", |c| c.unsubscribe_subscribers(&UnsubscribeSubscribersRequest::new(
            UnsubscribeSubscribersRequestSelect::new(false).with_include(ids())
        ))),
        op!("NewsletterAssign", |c| c
            .assign(&AssignRequest::new(AssignRequestSelect::new(false).with_include(ids())).with_groups(["7"]))),
        op!("NewsletterUnassign", |c| c
            .unassign(&UnassignRequest::new(7, UnassignRequestSelect::new(false).with_include(ids())))),
        op!("NewsletterListGroups", |c| c.list_groups_page(&ListGroupsOptions::default().with_page(1))),
        op!("NewsletterCreateGroup", |c| c.create_group(&CreateGroupRequest::new("Customers"))),
        op!("NewsletterDeleteGroups", |c| c
            .delete_groups(&DeleteGroupsRequest::new(DeleteGroupsRequestSelect::new(false).with_include(ids())))),
        op!("NewsletterShowGroup", |c| c.show_group(7, &ShowGroupOptions::default())),
        op!("NewsletterUpdateGroup", |c| c.update_group(7, &UpdateGroupRequest::new("Clients"))),
        op!("NewsletterDeleteGroup", |c| c.delete_group(7)),
        op!("NewsletterGetGroupSubscribers", |c| c
            .get_group_subscribers_page(7, &GetGroupSubscribersOptions::default().with_page(1))),
        op!("NewsletterAssignSubscribers", |c| c.assign_subscribers(7, &AssignSubscribersRequest::new([8]))),
        op!("NewsletterUnassignSubscribers", |c| c.unassign_subscribers(7, &UnassignSubscribersRequest::new([8]))),
        op!("NewsletterListCredits", |c| c.list_credits_page(&ListCreditsOptions::default().with_page(1))),
        op!("NewsletterAccountCredits", |c| c.account_credits(&AccountCreditsOptions::default())),
        op!("NewsletterCreditsDetails", |c| c.credits_details()),
        op!("NewsletterListCreditsOffers", |c| c.list_credits_offers()),
        op!("NewsletterCheckout", |c| c.checkout(9)),
        op!("NewsletterListSegments", |c| c.list_segments_page(&ListSegmentsOptions::default().with_page(1))),
        op!("NewsletterCreateSegment", |c| c.create_segment(&segment)),
        op!("NewsletterDeleteSegments", |c| c.delete_segments(
            &DeleteSegmentsRequest::new(DeleteSegmentsRequestSelect::new(false).with_include(ids())),
            &DeleteSegmentsOptions::default()
        )),
        op!("NewsletterShowSegment", |c| c.show_segment(3, &ShowSegmentOptions::default())),
        op!("NewsletterUpdateSegment", |c| c
            .update_segment(3, Some(&UpdateSegmentRequest::default().with_name("Openers")))),
        op!("NewsletterDeleteSegment", |c| c.delete_segment(3)),
        op!("NewsletterGetSegmentSubscribers", |c| c
            .get_segment_subscribers_page(3, &GetSegmentSubscribersOptions::default().with_page(1))),
        op!("NewsletterListFields", |c| c.list_fields_page(&ListFieldsOptions::default().with_page(1))),
        op!("NewsletterCreateField", |c| c
            .create_field(&CreateFieldRequest::new("First name", CreateFieldRequestType::Text))),
        op!("NewsletterDeleteFields", |c| c
            .delete_fields(&DeleteFieldsRequest::new(DeleteFieldsRequestSelect::new(false).with_include(ids())))),
        op!("NewsletterUpdateField", |c| c.update_field(1, &UpdateFieldRequest::new("Given name"))),
        op!("NewsletterDeleteField", |c| c.delete_field(1)),
        op!("NewsletterListAllTemplates", |c| c
            .list_all_templates_page(&ListAllTemplatesOptions::default().with_page(1))),
        op!("NewsletterShowHtml", |c| c.show_html("4")),
        op!("NewsletterUpdateThumbnail", |c| c.update_thumbnail(4)),
        op!("NewsletterApiKey", |c| c.api_key()),
        op!("NewsletterListWebforms", |c| c.list_webforms_page(&ListWebformsOptions::default().with_page(1))),
        op!("NewsletterCreateWebform", |c| c
            .create_webform(Some(&CreateWebformRequest::default().with_name("Sign up")))),
        op!("NewsletterBulkDeleteWebform", |c| c.bulk_delete_webform(&BulkDeleteWebformRequest::new(
            BulkDeleteWebformRequestSelect::new(false).with_include(ids())
        ))),
        op!("NewsletterListThemes", |c| c.list_themes()),
        op!("NewsletterShowWebform", |c| c.show_webform(2, &ShowWebformOptions::default())),
        op!("NewsletterUpdateWebform", |c| c.update_webform(
            2,
            Some(&UpdateWebformRequest::default().with_button("Join")),
            &UpdateWebformOptions::default()
        )),
        op!("NewsletterDeleteWebform", |c| c.delete_webform(2)),
        op!("NewsletterListWebformFields", |c| c.list_webform_fields(2)),
        op!("NewsletterCancelOperation", |c| c.cancel_operation("op-1")),
    ]
}

/// Operations Prism refuses because the export is wrong, with the reason.
///
/// `{template}` is declared `oneOf: [integer, string]`: a numeric id is both, and `oneOf` wants
/// exactly one match, so no numeric template id can ever be valid (the document means `anyOf`).
/// Prism: "Request path parameter template must match exactly one schema in oneOf".
const KNOWN_REFUSALS: &[(&str, &str)] = &[
    (
        "NewsletterCreateTemplateFromCampaign",
        "path.template: Request path parameter template must match exactly one schema in oneOf",
    ),
    ("NewsletterShowHtml", "path.template: Request path parameter template must match exactly one schema in oneOf"),
];

#[tokio::test]
async fn prism_accepts_every_request_and_the_client_decodes_every_answer() {
    let client = client();
    assert_every_operation(calls(&client), OPERATIONS.iter().map(|op| op.id), KNOWN_REFUSALS).await;
}

/// Prism does refuse a request that breaks the document: the check above is not vacuous.
#[tokio::test]
async fn prism_refuses_a_request_that_breaks_the_document() {
    let err = client().create_group(&CreateGroupRequest::new("x".repeat(300))).await.unwrap_err();
    assert_eq!(err.http_status(), Some(422), "{err}");
    let refusal = Refusal::of(&err).expect("Prism's list of violations");
    assert!(refusal.names("body.name"), "{refusal:?}");
}
