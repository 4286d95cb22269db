//! Account, Folders, Docs and Publishing.

use cloud_coda::models::{
    CreateFolderRequest, DocCreate, DocPublish, DocPublishMode, DocUpdate, Type, UpdateFolderRequest,
};
use cloud_coda::{ListDocsOptions, ListFoldersOptions};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::fixtures::{self, DOC_ID};
use crate::support::server::Server;
use crate::support::{Expected, client, contract};

#[tokio::test]
async fn whoami() {
    let c = contract("whoami");
    let server = Server::replies(vec![c.reply(200, &fixtures::user())]).await;
    let user = client(&server).whoami().await.unwrap();
    assert_eq!(user.name, "John Doe");
    assert_eq!(user.workspace.id, "ws-1Ab234");
    assert!(!user.scoped);
    c.assert_request(&server.only_request(), &Expected { path: "/whoami", ..Expected::default() });
}

#[tokio::test]
async fn list_folders() {
    let c = contract("listFolders");
    let body = json!({"items": [fixtures::folder("fl-1"), fixtures::folder("fl-2")], "href": format!("{}/folders", fixtures::API)});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListFoldersOptions::default().with_workspace_id("ws-1Ab234").with_is_starred(true).with_limit(2);
    let folders: Vec<_> = client(&server).list_folders(options).try_collect().await.unwrap();
    assert_eq!(folders.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["fl-1", "fl-2"]);
    assert_eq!(folders[0].can_edit, Some(true));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/folders",
            query: &[("workspaceId", "ws-1Ab234"), ("isStarred", "true"), ("limit", "2")],
            body: None,
        },
    );
}

#[tokio::test]
async fn create_folder() {
    let c = contract("createFolder");
    let server = Server::replies(vec![c.reply(201, &fixtures::folder("fl-new"))]).await;
    let request = CreateFolderRequest::new("Projects", "ws-1Ab234").with_description("Everything in flight");
    let folder = client(&server).create_folder(&request).await.unwrap();
    assert_eq!(folder.id, "fl-new");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/folders",
            body: Some(json!({"name": "Projects", "workspaceId": "ws-1Ab234", "description": "Everything in flight"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn get_folder() {
    let c = contract("getFolder");
    let server = Server::replies(vec![c.reply(200, &fixtures::folder("fl 1/2"))]).await;
    let folder = client(&server).get_folder("fl 1/2").await.unwrap();
    assert_eq!(folder.name, "Projects");
    c.assert_request(&server.only_request(), &Expected { path: "/folders/fl%201%2F2", ..Expected::default() });
}

#[tokio::test]
async fn update_folder() {
    let c = contract("updateFolder");
    let server = Server::replies(vec![c.reply(200, &fixtures::folder("fl-1"))]).await;
    let request = UpdateFolderRequest::default().with_name("Renamed");
    let folder = client(&server).update_folder("fl-1", &request).await.unwrap();
    assert_eq!(folder.workspace.name.as_deref(), Some("My workspace"));
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/folders/fl-1", body: Some(json!({"name": "Renamed"})), ..Expected::default() },
    );
}

#[tokio::test]
async fn delete_folder() {
    let c = contract("deleteFolder");
    let server = Server::replies(vec![c.reply(200, &json!({}))]).await;
    client(&server).delete_folder("fl-1").await.unwrap();
    c.assert_request(&server.only_request(), &Expected { path: "/folders/fl-1", ..Expected::default() });
}

#[tokio::test]
async fn list_docs() {
    let c = contract("listDocs");
    let body = json!({
        "items": [fixtures::doc(DOC_ID, "Launch plan")],
        "href": format!("{}/docs?limit=10", fixtures::API),
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListDocsOptions::default()
        .with_is_owner(true)
        .with_is_published(false)
        .with_query("launch")
        .with_source_doc("SrCDoC12")
        .with_is_starred(false)
        .with_in_gallery(false)
        .with_workspace_id("ws-1Ab234")
        .with_folder_id("fl-1Ab234")
        .with_limit(10);
    let docs: Vec<_> = client(&server).list_docs(options).try_collect().await.unwrap();
    assert_eq!(docs.len(), 1);
    let doc = &docs[0];
    assert_eq!((doc.id.as_str(), doc.kind.clone()), (DOC_ID, Type::Doc));
    assert_eq!(doc.doc_size.as_ref().map(|s| s.page_count), Some(10.0));
    assert_eq!(doc.published.as_ref().map(|p| p.mode.clone()), Some(DocPublishMode::View));
    assert_eq!(doc.created_at.to_rfc3339(), "2018-04-11T00:18:57.946+00:00");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs",
            query: &[
                ("isOwner", "true"),
                ("isPublished", "false"),
                ("query", "launch"),
                ("sourceDoc", "SrCDoC12"),
                ("isStarred", "false"),
                ("inGallery", "false"),
                ("workspaceId", "ws-1Ab234"),
                ("folderId", "fl-1Ab234"),
                ("limit", "10"),
            ],
            body: None,
        },
    );
}

#[tokio::test]
async fn create_doc() {
    let c = contract("createDoc");
    let mut created = fixtures::doc("NeWdOc12", "Project Tracker");
    created["requestId"] = json!("abc-123-def-456");
    let server = Server::replies(vec![c.reply(201, &created)]).await;
    let request = DocCreate::default()
        .with_title("Project Tracker")
        .with_source_doc("SrCDoC12")
        .with_timezone("America/Los_Angeles");
    let doc = client(&server).create_doc(&request).await.unwrap();
    assert_eq!(doc.request_id.as_deref(), Some("abc-123-def-456"));
    assert_eq!(doc.source_doc.map(|d| d.id).as_deref(), Some("SrCDoC12"));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs",
            body: Some(json!({"title": "Project Tracker", "sourceDoc": "SrCDoC12", "timezone": "America/Los_Angeles"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn get_doc() {
    let c = contract("getDoc");
    let server = Server::replies(vec![c.reply(200, &fixtures::doc(DOC_ID, "Launch plan"))]).await;
    let doc = client(&server).get_doc(DOC_ID).await.unwrap();
    assert_eq!(doc.name, "Launch plan");
    assert_eq!(doc.folder.id, "fl-1Ab234");
    c.assert_request(&server.only_request(), &Expected { path: "/docs/AbCDeFGH", ..Expected::default() });
}

#[tokio::test]
async fn delete_doc() {
    let c = contract("deleteDoc");
    let server = Server::replies(vec![c.reply(202, &json!({}))]).await;
    client(&server).delete_doc(DOC_ID).await.unwrap();
    c.assert_request(&server.only_request(), &Expected { path: "/docs/AbCDeFGH", ..Expected::default() });
}

#[tokio::test]
async fn update_doc() {
    let c = contract("updateDoc");
    let server = Server::replies(vec![c.reply(200, &json!({}))]).await;
    let request = DocUpdate::default().with_title("Renamed").with_icon_name("rocket");
    client(&server).update_doc(DOC_ID, &request).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH",
            body: Some(json!({"title": "Renamed", "iconName": "rocket"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn list_categories() {
    let c = contract("listCategories");
    let body = json!({"items": [{"name": "Project management"}, {"name": "Finance"}]});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let categories = client(&server).list_categories().await.unwrap();
    assert_eq!(categories.items.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Project management", "Finance"]);
    c.assert_request(&server.only_request(), &Expected { path: "/categories", ..Expected::default() });
}

#[tokio::test]
async fn publish_doc() {
    let c = contract("publishDoc");
    let server = Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456"}))]).await;
    let request = DocPublish::default()
        .with_slug("hello-world")
        .with_discoverable(true)
        .with_earn_credit(false)
        .with_category_names(["Project management"])
        .with_mode(DocPublishMode::Play);
    let accepted = client(&server).publish_doc(DOC_ID, &request).await.unwrap();
    assert_eq!(accepted.request_id, "abc-123-def-456");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/publish",
            body: Some(json!({
                "slug": "hello-world", "discoverable": true, "earnCredit": false,
                "categoryNames": ["Project management"], "mode": "play"
            })),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn unpublish_doc() {
    let c = contract("unpublishDoc");
    let server = Server::replies(vec![c.reply(200, &json!({}))]).await;
    client(&server).unpublish_doc(DOC_ID).await.unwrap();
    c.assert_request(&server.only_request(), &Expected { path: "/docs/AbCDeFGH/publish", ..Expected::default() });
}
