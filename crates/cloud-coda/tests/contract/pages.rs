//! Pages and Automations.

use cloud_coda::models::{
    BeginPageContentExportRequest, PageContent, PageContentDelete, PageContentFormat, PageContentInsertionMode,
    PageContentItemType, PageContentOutputFormat, PageContentUpdate, PageCreate, PageCreateContent,
    PageCreateContentCanvas, PageLineStyle, PageType, PageUpdate,
};
use cloud_coda::{ListPageContentOptions, ListPagesOptions};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::fixtures::{self, DOC_ID};
use crate::support::server::Server;
use crate::support::{Expected, client, contract};

#[tokio::test]
async fn list_pages() {
    let c = contract("listPages");
    let body = json!({"items": [fixtures::page("canvas-1", "Launch Status")], "href": format!("{}/docs/{DOC_ID}/pages", fixtures::API)});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let pages: Vec<_> =
        client(&server).list_pages(DOC_ID, ListPagesOptions::default().with_limit(50)).try_collect().await.unwrap();
    assert_eq!(pages[0].content_type, PageType::Canvas);
    assert_eq!(pages[0].children[0].name, "Details");
    assert_eq!(pages[0].authors.as_ref().unwrap()[0].email.as_deref(), Some("alice@atkins.com"));
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/pages", query: &[("limit", "50")], body: None },
    );
}

#[tokio::test]
async fn create_page() {
    let c = contract("createPage");
    let server =
        Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456", "id": "canvas-new"}))]).await;
    let content = PageCreateContent::from(PageCreateContentCanvas::new(PageContent::new(
        PageContentFormat::Markdown,
        "# Launch\n\n- ship it",
    )));
    let request = PageCreate::default()
        .with_name("Launch Status")
        .with_subtitle("See the status of launch-related tasks.")
        .with_icon_name("rocket")
        .with_parent_page_id("canvas-tuVwxYz")
        .with_page_content(content);
    let accepted = client(&server).create_page(DOC_ID, &request).await.unwrap();
    assert_eq!((accepted.request_id.as_str(), accepted.id.as_str()), ("abc-123-def-456", "canvas-new"));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/pages",
            body: Some(json!({
                "name": "Launch Status",
                "subtitle": "See the status of launch-related tasks.",
                "iconName": "rocket",
                "parentPageId": "canvas-tuVwxYz",
                "pageContent": {"type": "canvas", "canvasContent": {"format": "markdown", "content": "# Launch\n\n- ship it"}}
            })),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn get_page() {
    let c = contract("getPage");
    let server = Server::replies(vec![c.reply(200, &fixtures::page("canvas-1", "Launch Status"))]).await;
    let page = client(&server).get_page(DOC_ID, "Launch Status").await.unwrap();
    assert_eq!(page.id, "canvas-1");
    assert_eq!(page.image.as_ref().and_then(|i| i.width), Some(800.0));
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/pages/Launch%20Status", ..Expected::default() },
    );
}

#[tokio::test]
async fn update_page() {
    let c = contract("updatePage");
    let server = Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456", "id": "canvas-1"}))]).await;
    let update = PageContentUpdate::new(
        PageContentInsertionMode::Append,
        PageContent::new(PageContentFormat::Html, "<p>Done</p>"),
    );
    let request = PageUpdate::default().with_name("Shipped").with_is_hidden(false).with_content_update(update);
    let accepted = client(&server).update_page(DOC_ID, "canvas-1", &request).await.unwrap();
    assert_eq!(accepted.id, "canvas-1");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/pages/canvas-1",
            body: Some(json!({
                "name": "Shipped",
                "isHidden": false,
                "contentUpdate": {"insertionMode": "append", "canvasContent": {"format": "html", "content": "<p>Done</p>"}}
            })),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn delete_page() {
    let c = contract("deletePage");
    let server = Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456", "id": "canvas-1"}))]).await;
    let accepted = client(&server).delete_page(DOC_ID, "canvas-1").await.unwrap();
    assert_eq!(accepted.request_id, "abc-123-def-456");
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/pages/canvas-1", ..Expected::default() },
    );
}

#[tokio::test]
async fn list_page_content() {
    let c = contract("listPageContent");
    let body = json!({
        "items": [
            {"id": "cl-1", "type": "line", "itemContent": {"style": "h1", "format": "plainText", "content": "Launch", "lineLevel": 0}},
            {"id": "cl-2", "type": "line", "itemContent": {"style": "bulletedList", "format": "plainText", "content": "ship it", "lineLevel": 1}}
        ],
        "href": format!("{}/docs/{DOC_ID}/pages/canvas-1/content", fixtures::API)
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListPageContentOptions::default().with_limit(100);
    let lines: Vec<_> = client(&server).list_page_content(DOC_ID, "canvas-1", options).try_collect().await.unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].kind, PageContentItemType::Line);
    assert_eq!(lines[1].item_content.as_ref().map(|c| c.style.clone()), Some(PageLineStyle::BulletedList));
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/pages/canvas-1/content", query: &[("limit", "100")], body: None },
    );
}

#[tokio::test]
async fn delete_page_content() {
    let c = contract("deletePageContent");
    let server = Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456", "id": "canvas-1"}))]).await;
    let request = PageContentDelete::default().with_element_ids(["cl-1", "cl-2"]);
    let accepted = client(&server).delete_page_content(DOC_ID, "canvas-1", Some(&request)).await.unwrap();
    assert_eq!(accepted.id, "canvas-1");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/pages/canvas-1/content",
            body: Some(json!({"elementIds": ["cl-1", "cl-2"]})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn begin_page_content_export() {
    let c = contract("beginPageContentExport");
    let body = json!({
        "id": "export-1",
        "status": "inProgress",
        "href": format!("{}/docs/{DOC_ID}/pages/canvas-1/export/export-1", fixtures::API)
    });
    let server = Server::replies(vec![c.reply(202, &body)]).await;
    let request = BeginPageContentExportRequest::new(PageContentOutputFormat::Markdown);
    let begun = client(&server).begin_page_content_export(DOC_ID, "canvas-1", &request).await.unwrap();
    assert_eq!((begun.id.as_str(), begun.status.as_str()), ("export-1", "inProgress"));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/pages/canvas-1/export",
            body: Some(json!({"outputFormat": "markdown"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn get_page_content_export_status() {
    let c = contract("getPageContentExportStatus");
    let body = json!({
        "id": "export-1",
        "status": "complete",
        "href": format!("{}/docs/{DOC_ID}/pages/canvas-1/export/export-1", fixtures::API),
        "downloadLink": "https://coda.io/blobs/DOC_EXPORT_RENDERING/export-1"
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let status = client(&server).get_page_content_export_status(DOC_ID, "canvas-1", "export-1").await.unwrap();
    assert_eq!(status.download_link.as_deref(), Some("https://coda.io/blobs/DOC_EXPORT_RENDERING/export-1"));
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/pages/canvas-1/export/export-1", ..Expected::default() },
    );
}

#[tokio::test]
async fn trigger_webhook_automation() {
    let c = contract("triggerWebhookAutomation");
    let server = Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456"}))]).await;
    let mut payload = serde_json::Map::new();
    payload.insert("message".into(), json!("The doc that brings words, data, & teams together."));
    let accepted =
        client(&server).trigger_webhook_automation(DOC_ID, "grid-auto-b3Jmey6jBS", Some(&payload)).await.unwrap();
    assert_eq!(accepted.request_id, "abc-123-def-456");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/hooks/automation/grid-auto-b3Jmey6jBS",
            body: Some(json!({"message": "The doc that brings words, data, & teams together."})),
            ..Expected::default()
        },
    );
}
