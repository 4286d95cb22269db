//! Credits, fields, templates, the API key, webforms and operations.

use cloud_infomaniak_newsletter::models::{
    BulkDeleteWebformRequest, BulkDeleteWebformRequestSelect, CreateFieldRequest, CreateFieldRequestType,
    CreateWebformRequest, DeleteFieldsRequest, DeleteFieldsRequestSelect, UpdateFieldRequest, UpdateWebformRequest,
};
use cloud_infomaniak_newsletter::{
    AccountCreditsOptions, ListAllTemplatesOptions, ListCreditsOptions, ListFieldsOptions, ListWebformsOptions,
    ShowWebformOptions, UpdateWebformOptions,
};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::fixtures;
use crate::support::server::Server;
use crate::support::{Expected, at, client, contract, empty, page_of, success};

#[tokio::test]
async fn list_credits() {
    let c = contract("NewsletterListCredits");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::credit(1)], 1, 1, 15))]).await;
    let credits: Vec<_> = client(&server).list_credits(ListCreditsOptions::default()).try_collect().await.unwrap();
    assert_eq!(credits[0].quantity, 2000);
    c.assert_request(&server.only_request(), &Expected { path: &at("credits"), query: &[("page", "1")], body: None });
}

#[tokio::test]
async fn account_credits() {
    let c = contract("NewsletterAccountCredits");
    let server = Server::replies(vec![c.ok(&success(fixtures::credit(2)))]).await;
    let credit = client(&server).account_credits(&AccountCreditsOptions::default()).await.unwrap();
    assert_eq!(credit.genre, "monthly");
    c.assert_request(&server.only_request(), &Expected { path: &at("credits/accounts"), ..Expected::default() });
}

#[tokio::test]
async fn credits_details() {
    let c = contract("NewsletterCreditsDetails");
    let server = Server::replies(vec![c.ok(&success(json!(["monthly: 2000"])))]).await;
    assert_eq!(client(&server).credits_details().await.unwrap(), ["monthly: 2000"]);
    c.assert_request(&server.only_request(), &Expected { path: &at("credits/details"), ..Expected::default() });
}

#[tokio::test]
async fn list_credits_offers() {
    let c = contract("NewsletterListCreditsOffers");
    let server = Server::replies(vec![c.ok(&success(json!(["10000 credits"])))]).await;
    assert_eq!(client(&server).list_credits_offers().await.unwrap().len(), 1);
    c.assert_request(&server.only_request(), &Expected { path: &at("credits/packs"), ..Expected::default() });
}

#[tokio::test]
async fn checkout() {
    let c = contract("NewsletterCheckout");
    let server = Server::replies(vec![c.ok(&success(json!({"url": "https://shop.example.com/checkout/9"})))]).await;
    assert_eq!(client(&server).checkout(9).await.unwrap()["url"], "https://shop.example.com/checkout/9");
    c.assert_request(&server.only_request(), &Expected { path: &at("credits/checkout/9"), ..Expected::default() });
}

#[tokio::test]
async fn list_fields() {
    let c = contract("NewsletterListFields");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::field(1)], 1, 1, 15))]).await;
    let fields: Vec<_> = client(&server).list_fields(ListFieldsOptions::default()).try_collect().await.unwrap();
    assert_eq!(fields[0].key, "firstname");
    c.assert_request(&server.only_request(), &Expected { path: &at("fields"), query: &[("page", "1")], body: None });
}

#[tokio::test]
async fn create_field() {
    let c = contract("NewsletterCreateField");
    let server = Server::replies(vec![c.ok(&success(fixtures::field(1)))]).await;
    let request = CreateFieldRequest::new("First name", CreateFieldRequestType::Text).with_slug("firstname");
    assert_eq!(client(&server).create_field(&request).await.unwrap().id, 1);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("fields"),
            body: Some(json!({"name": "First name", "type": "text", "slug": "firstname"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn delete_fields() {
    let c = contract("NewsletterDeleteFields");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    let request = DeleteFieldsRequest::new(DeleteFieldsRequestSelect::new(false).with_include([1]));
    assert!(client(&server).delete_fields(&request).await.unwrap());
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("fields"),
            body: Some(json!({"select": {"all": false, "include": [1]}})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn update_field() {
    let c = contract("NewsletterUpdateField");
    let server = Server::replies(vec![c.ok(&success(fixtures::field(1)))]).await;
    client(&server).update_field(1, &UpdateFieldRequest::new("Given name")).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("fields/1"), body: Some(json!({"name": "Given name"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_field() {
    let c = contract("NewsletterDeleteField");
    let server = Server::replies(vec![c.ok(&success(fixtures::field(1)))]).await;
    assert_eq!(client(&server).delete_field(1).await.unwrap().id, 1);
    c.assert_request(&server.only_request(), &Expected { path: &at("fields/1"), ..Expected::default() });
}

#[tokio::test]
async fn list_all_templates() {
    let c = contract("NewsletterListAllTemplates");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::template(4)], 1, 1, 15))]).await;
    let templates: Vec<_> =
        client(&server).list_all_templates(ListAllTemplatesOptions::default()).try_collect().await.unwrap();
    assert_eq!(templates[0].name, "Monthly");
    c.assert_request(&server.only_request(), &Expected { path: &at("templates"), query: &[("page", "1")], body: None });
}

#[tokio::test]
async fn show_html() {
    let c = contract("NewsletterShowHtml");
    let server = Server::replies(vec![c.ok(&success(json!("<html></html>")))]).await;
    assert_eq!(client(&server).show_html("4").await.unwrap(), "<html></html>");
    c.assert_request(&server.only_request(), &Expected { path: &at("templates/4/html"), ..Expected::default() });
}

#[tokio::test]
async fn update_thumbnail() {
    let c = contract("NewsletterUpdateThumbnail");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert_eq!(client(&server).update_thumbnail(4).await.unwrap(), true);
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("templates/4/update-thumbnails"), body: empty(), ..Expected::default() },
    );
}

#[tokio::test]
async fn api_key() {
    let c = contract("NewsletterApiKey");
    let server = Server::replies(vec![c.ok(&success(json!(["key-1"])))]).await;
    assert_eq!(client(&server).api_key().await.unwrap(), ["key-1"]);
    c.assert_request(&server.only_request(), &Expected { path: &at("api-key"), ..Expected::default() });
}

#[tokio::test]
async fn list_webforms() {
    let c = contract("NewsletterListWebforms");
    let server = Server::replies(vec![c.ok(&page_of(vec![fixtures::webform(2)], 1, 1, 15))]).await;
    let forms: Vec<_> = client(&server).list_webforms(ListWebformsOptions::default()).try_collect().await.unwrap();
    assert_eq!(forms[0].title, "Join");
    c.assert_request(&server.only_request(), &Expected { path: &at("webforms"), query: &[("page", "1")], body: None });
}

#[tokio::test]
async fn create_webform() {
    let c = contract("NewsletterCreateWebform");
    let server = Server::replies(vec![c.ok(&success(fixtures::webform(2)))]).await;
    let request = CreateWebformRequest::default().with_name("Sign up").with_title("Join");
    assert_eq!(client(&server).create_webform(Some(&request)).await.unwrap().id, 2);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &at("webforms"),
            body: Some(json!({"name": "Sign up", "title": "Join"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn bulk_delete_webform() {
    let c = contract("NewsletterBulkDeleteWebform");
    let server = Server::replies(vec![c.ok(&success(json!(null)))]).await;
    let request = BulkDeleteWebformRequest::new(BulkDeleteWebformRequestSelect::new(true));
    client(&server).bulk_delete_webform(&request).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("webforms"), body: Some(json!({"select": {"all": true}})), ..Expected::default() },
    );
}

#[tokio::test]
async fn list_themes() {
    let c = contract("NewsletterListThemes");
    let server = Server::replies(vec![c.ok(&success(json!(["classic", "modern"])))]).await;
    assert_eq!(client(&server).list_themes().await.unwrap()[1], "modern");
    c.assert_request(&server.only_request(), &Expected { path: &at("webforms/themes"), ..Expected::default() });
}

#[tokio::test]
async fn show_webform() {
    let c = contract("NewsletterShowWebform");
    let server = Server::replies(vec![c.ok(&success(fixtures::webform(2)))]).await;
    assert_eq!(client(&server).show_webform(2, &ShowWebformOptions::default()).await.unwrap().name, "Sign up");
    c.assert_request(&server.only_request(), &Expected { path: &at("webforms/2"), ..Expected::default() });
}

#[tokio::test]
async fn update_webform() {
    let c = contract("NewsletterUpdateWebform");
    let server = Server::replies(vec![c.ok(&success(fixtures::webform(2)))]).await;
    let changes = UpdateWebformRequest::default().with_button("Join us");
    client(&server).update_webform(2, Some(&changes), &UpdateWebformOptions::default()).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: &at("webforms/2"), body: Some(json!({"button": "Join us"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_webform() {
    let c = contract("NewsletterDeleteWebform");
    let server = Server::replies(vec![c.ok(&success(fixtures::webform(2)))]).await;
    assert_eq!(client(&server).delete_webform(2).await.unwrap().id, 2);
    c.assert_request(&server.only_request(), &Expected { path: &at("webforms/2"), ..Expected::default() });
}

#[tokio::test]
async fn list_webform_fields() {
    let c = contract("NewsletterListWebformFields");
    let server = Server::replies(vec![c.ok(&success(json!([{"key": "email"}])))]).await;
    assert_eq!(client(&server).list_webform_fields(2).await.unwrap()[0]["key"], "email");
    c.assert_request(&server.only_request(), &Expected { path: &at("webforms/2/fields"), ..Expected::default() });
}

#[tokio::test]
async fn cancel_operation() {
    let c = contract("NewsletterCancelOperation");
    let server = Server::replies(vec![c.ok(&success(json!(true)))]).await;
    assert!(client(&server).cancel_operation("op-1a2b").await.unwrap());
    c.assert_request(&server.only_request(), &Expected { path: &at("operations/op-1a2b"), ..Expected::default() });
}
