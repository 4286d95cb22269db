//! Canned API objects, written by hand after Coda's documentation. They are not trusted: every
//! answer built from them goes through [`super::Contract::reply`], which validates it against the
//! operation's response schema in the OpenAPI document.

use serde_json::{Value, json};

pub const DOC_ID: &str = "AbCDeFGH";
pub const API: &str = "https://coda.io/apis/v1";
pub const WHEN: &str = "2018-04-11T00:18:57.946Z";
pub const LATER: &str = "2018-04-11T00:18:59.221Z";

pub fn workspace_ref() -> Value {
    json!({
        "id": "ws-1Ab234",
        "type": "workspace",
        "organizationId": "org-2Bc456",
        "browserLink": "https://coda.io/docs?workspaceId=ws-1Ab234",
        "name": "My workspace"
    })
}

pub fn folder_ref() -> Value {
    json!({
        "id": "fl-1Ab234",
        "type": "folder",
        "browserLink": "https://coda.io/docs?folderId=fl-1Ab234",
        "name": "My docs"
    })
}

pub fn icon() -> Value {
    json!({"name": "rocket", "type": "png", "browserLink": "https://cdn.coda.io/icons/png/color/rocket-100.png"})
}

pub fn doc(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "type": "doc",
        "href": format!("{API}/docs/{id}"),
        "browserLink": format!("https://coda.io/d/_d{id}"),
        "icon": icon(),
        "name": name,
        "owner": "user@example.com",
        "ownerName": "Some User",
        "docSize": {"totalRowCount": 31, "tableAndViewCount": 42, "pageCount": 10, "overApiSizeLimit": false},
        "sourceDoc": {"id": "SrCDoC12", "type": "doc", "href": format!("{API}/docs/SrCDoC12"), "browserLink": "https://coda.io/d/_dSrCDoC12"},
        "createdAt": WHEN,
        "updatedAt": LATER,
        "published": {
            "description": "Hello World!",
            "browserLink": "https://coda.io/@coda/hello-world",
            "imageLink": "https://cdn.coda.io/images/hello.png",
            "discoverable": true,
            "earnCredit": true,
            "mode": "view",
            "categories": [{"name": "Project management"}]
        },
        "folder": folder_ref(),
        "workspace": workspace_ref(),
        "workspaceId": "ws-1Ab234",
        "folderId": "fl-1Ab234"
    })
}

pub fn folder(id: &str) -> Value {
    json!({
        "id": id,
        "type": "folder",
        "name": "Projects",
        "browserLink": format!("https://coda.io/docs?folderId={id}"),
        "description": "Everything in flight",
        "icon": icon(),
        "createdAt": WHEN,
        "canEdit": true,
        "workspace": workspace_ref()
    })
}

pub fn page_ref(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "type": "page",
        "href": format!("{API}/docs/{DOC_ID}/pages/{id}"),
        "browserLink": format!("https://coda.io/d/_d{DOC_ID}/_su{id}"),
        "name": name
    })
}

pub fn person(name: &str, email: &str) -> Value {
    json!({"@context": "http://schema.org/", "@type": "Person", "name": name, "email": email})
}

pub fn page(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "type": "page",
        "href": format!("{API}/docs/{DOC_ID}/pages/{id}"),
        "browserLink": format!("https://coda.io/d/_d{DOC_ID}/_su{id}"),
        "name": name,
        "subtitle": "See the status of launch-related tasks.",
        "icon": icon(),
        "image": {"browserLink": "https://codahosted.io/docs/nUYhlXysYO/blobs/bl-lYkYKNzkuT/3f879b9ecfa27448", "type": "png", "width": 800, "height": 600},
        "contentType": "canvas",
        "isHidden": false,
        "isEffectivelyHidden": false,
        "parent": page_ref("canvas-tuVwxYz", "Roadmap"),
        "children": [page_ref("canvas-child1", "Details")],
        "authors": [person("Alice Atkins", "alice@atkins.com")],
        "createdAt": WHEN,
        "createdBy": person("Alice Atkins", "alice@atkins.com"),
        "updatedAt": LATER,
        "updatedBy": person("Bob Brown", "bob@brown.com")
    })
}

pub fn table_ref(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "type": "table",
        "tableType": "table",
        "href": format!("{API}/docs/{DOC_ID}/tables/{id}"),
        "browserLink": format!("https://coda.io/d/_d{DOC_ID}#Teams-and-Tasks_tpqRst-U"),
        "name": name,
        "parent": page_ref("canvas-IjkLmnO", "Launch Status")
    })
}

pub fn column_ref(id: &str, table: &str) -> Value {
    json!({"id": id, "type": "column", "href": format!("{API}/docs/{DOC_ID}/tables/{table}/columns/{id}")})
}

pub fn table(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "type": "table",
        "tableType": "table",
        "href": format!("{API}/docs/{DOC_ID}/tables/{id}"),
        "browserLink": format!("https://coda.io/d/_d{DOC_ID}#Teams-and-Tasks_tpqRst-U"),
        "name": name,
        "parent": page_ref("canvas-IjkLmnO", "Launch Status"),
        "displayColumn": column_ref("c-tuVwxYz", id),
        "rowCount": 130,
        "sorts": [{"column": column_ref("c-tuVwxYz", id), "direction": "ascending"}],
        "layout": "default",
        "filter": {"valid": true, "isVolatile": false, "hasUserFormula": false, "hasTodayFormula": false, "hasNowFormula": false},
        "createdAt": WHEN,
        "updatedAt": LATER
    })
}

pub fn column(id: &str, name: &str, format: Value) -> Value {
    let mut column = json!({
        "id": id,
        "type": "column",
        "href": format!("{API}/docs/{DOC_ID}/tables/grid-pqRst-U/columns/{id}"),
        "name": name,
        "display": true,
        "calculated": false
    });
    column["format"] = format;
    column
}

pub fn row(id: &str, values: Value) -> Value {
    let mut row = json!({
        "id": id,
        "type": "row",
        "href": format!("{API}/docs/{DOC_ID}/tables/grid-pqRst-U/rows/{id}"),
        "name": "Apple",
        "index": 7,
        "browserLink": format!("https://coda.io/d/_d{DOC_ID}#Teams-and-Tasks_tpqRst-U/_ru{id}"),
        "createdAt": WHEN,
        "updatedAt": LATER
    });
    row["values"] = values;
    row
}

pub fn user() -> Value {
    json!({
        "name": "John Doe",
        "loginId": "user@example.com",
        "type": "user",
        "pictureLink": "https://cdn.coda.io/avatars/default_avatar.png",
        "scoped": false,
        "tokenName": "My API token",
        "href": format!("{API}/whoami"),
        "workspace": workspace_ref()
    })
}

/// A Coda error body.
pub fn error(status: u16, status_message: &str, message: &str) -> Value {
    json!({"statusCode": status, "statusMessage": status_message, "message": message})
}
