//! Permissions, Workspaces, Go Links and CustomDocDomains.

use cloud_coda::models::{
    AccessType, AccessTypeNotNone, AddCustomDocDomainRequest, AddGoLinkRequest, AddPermissionRequest,
    AddedEmailPrincipal, ChangeRole, CustomDocDomainProvider, CustomDocDomainSetupStatus, Principal,
    UpdateAclSettingsRequest, UpdateCustomDocDomainRequest, WorkspaceUserRole,
};
use cloud_coda::{GetPermissionsOptions, ListWorkspaceMembersOptions, SearchPrincipalsOptions};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::fixtures::{self, DOC_ID};
use crate::support::server::Server;
use crate::support::{Expected, client, contract};

#[tokio::test]
async fn get_sharing_metadata() {
    let c = contract("getSharingMetadata");
    let body = json!({"canShare": true, "canShareWithWorkspace": true, "canShareWithOrg": false, "canCopy": true});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let metadata = client(&server).get_sharing_metadata(DOC_ID).await.unwrap();
    assert!(metadata.can_share && !metadata.can_share_with_org);
    c.assert_request(&server.only_request(), &Expected { path: "/docs/AbCDeFGH/acl/metadata", ..Expected::default() });
}

#[tokio::test]
async fn get_permissions() {
    let c = contract("getPermissions");
    let body = json!({
        "items": [
            {"principal": {"type": "email", "email": "alice@atkins.com"}, "id": "perm-1", "access": "write"},
            {"principal": {"type": "domain", "domain": "coda.io"}, "id": "perm-2", "access": "readonly"},
            {"principal": {"type": "anyone"}, "id": "perm-3", "access": "comment"},
            {"principal": {"type": "group", "groupId": "grp-1", "groupName": "Engineering"}, "id": "perm-4", "access": "none"}
        ],
        "href": format!("{}/docs/{DOC_ID}/acl/permissions", fixtures::API)
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let permissions: Vec<_> = client(&server)
        .get_permissions(DOC_ID, GetPermissionsOptions::default().with_limit(4))
        .try_collect()
        .await
        .unwrap();
    assert!(matches!(&permissions[0].principal, Principal::Email(p) if p.email == "alice@atkins.com"));
    assert!(matches!(&permissions[1].principal, Principal::Domain(p) if p.domain == "coda.io"));
    assert!(matches!(&permissions[2].principal, Principal::Anyone(_)));
    assert!(matches!(&permissions[3].principal, Principal::Group(p) if p.group_name == "Engineering"));
    assert_eq!(permissions[3].access, AccessType::None);
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/acl/permissions", query: &[("limit", "4")], body: None },
    );
}

#[tokio::test]
async fn add_permission() {
    let c = contract("addPermission");
    let server = Server::replies(vec![c.reply(200, &json!({}))]).await;
    let request = AddPermissionRequest::new(AccessTypeNotNone::Write, AddedEmailPrincipal::new("bob@brown.com").into())
        .with_suppress_email(true);
    client(&server).add_permission(DOC_ID, &request).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/acl/permissions",
            body: Some(json!({"access": "write", "principal": {"type": "email", "email": "bob@brown.com"}, "suppressEmail": true})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn delete_permission() {
    let c = contract("deletePermission");
    let server = Server::replies(vec![c.reply(200, &json!({}))]).await;
    client(&server).delete_permission(DOC_ID, "perm-1").await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/acl/permissions/perm-1", ..Expected::default() },
    );
}

#[tokio::test]
async fn search_principals() {
    let c = contract("searchPrincipals");
    let body = json!({
        "users": [{"name": "John Doe", "loginId": "john@example.com", "type": "user", "pictureLink": "https://cdn.coda.io/avatars/default_avatar.png"}],
        "groups": [{"type": "group", "groupId": "grp-1", "groupName": "Engineering"}]
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let found =
        client(&server).search_principals(DOC_ID, &SearchPrincipalsOptions::default().with_query("jo")).await.unwrap();
    assert_eq!(found.users[0].login_id, "john@example.com");
    assert_eq!(found.groups[0].group_id, "grp-1");
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/acl/principals/search", query: &[("query", "jo")], body: None },
    );
}

#[tokio::test]
async fn get_acl_settings() {
    let c = contract("getAclSettings");
    let body =
        json!({"allowEditorsToChangePermissions": false, "allowCopying": true, "allowViewersToRequestEditing": true});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let settings = client(&server).get_acl_settings(DOC_ID).await.unwrap();
    assert!(settings.allow_copying && !settings.allow_editors_to_change_permissions);
    c.assert_request(&server.only_request(), &Expected { path: "/docs/AbCDeFGH/acl/settings", ..Expected::default() });
}

#[tokio::test]
async fn update_acl_settings() {
    let c = contract("updateAclSettings");
    let body =
        json!({"allowEditorsToChangePermissions": true, "allowCopying": false, "allowViewersToRequestEditing": true});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let request =
        UpdateAclSettingsRequest::default().with_allow_editors_to_change_permissions(true).with_allow_copying(false);
    let settings = client(&server).update_acl_settings(DOC_ID, &request).await.unwrap();
    assert!(settings.allow_editors_to_change_permissions);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/acl/settings",
            body: Some(json!({"allowEditorsToChangePermissions": true, "allowCopying": false})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn list_workspace_members() {
    let c = contract("listWorkspaceMembers");
    let body = json!({
        "items": [{
            "email": "hello@coda.io", "name": "Hello Coda", "role": "Admin",
            "pictureUrl": "https://cdn.coda.io/avatars/default_avatar.png",
            "registeredAt": fixtures::WHEN, "roleChangedAt": fixtures::LATER, "lastActiveAt": "2018-04-11",
            "ownedDocs": 2, "docsLastActiveAt": "2018-04-10", "docCollaboratorCount": 5, "totalDocs": 7,
            "totalDocsLastActiveAt": "2018-04-11", "totalDocCollaboratorsLast90Days": 3
        }]
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListWorkspaceMembersOptions::default()
        .with_included_roles([WorkspaceUserRole::Admin, WorkspaceUserRole::Editor]);
    let members: Vec<_> = client(&server).list_workspace_members("ws-1Ab234", options).try_collect().await.unwrap();
    assert_eq!(members[0].role, WorkspaceUserRole::Admin);
    assert_eq!(members[0].last_active_at.map(|d| d.to_string()).as_deref(), Some("2018-04-11"));
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/workspaces/ws-1Ab234/users", query: &[("includedRoles", "Admin,Editor")], body: None },
    );
}

#[tokio::test]
async fn change_user_role() {
    let c = contract("changeUserRole");
    let server = Server::replies(vec![c.reply(200, &json!({"roleChangedAt": fixtures::LATER}))]).await;
    let changed = client(&server)
        .change_user_role("ws-1Ab234", &ChangeRole::new("hello@coda.io", WorkspaceUserRole::DocMaker))
        .await
        .unwrap();
    assert_eq!(changed.role_changed_at.to_rfc3339(), "2018-04-11T00:18:59.221+00:00");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/workspaces/ws-1Ab234/users/role",
            body: Some(json!({"email": "hello@coda.io", "newRole": "DocMaker"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn list_workspace_role_activity() {
    let c = contract("listWorkspaceRoleActivity");
    let body = json!({"items": [{
        "month": "2024-01", "activeAdminCount": 1, "activeDocMakerCount": 4, "activeEditorCount": 9,
        "inactiveAdminCount": 0, "inactiveDocMakerCount": 2, "inactiveEditorCount": 3
    }]});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let activity = client(&server).list_workspace_role_activity("ws-1Ab234").await.unwrap();
    assert_eq!(activity.items[0].active_editor_count, 9.0);
    c.assert_request(&server.only_request(), &Expected { path: "/workspaces/ws-1Ab234/roles", ..Expected::default() });
}

#[tokio::test]
async fn add_go_link() {
    let c = contract("addGoLink");
    let server = Server::replies(vec![c.reply(200, &json!({}))]).await;
    let request = AddGoLinkRequest::new("roadmap", "https://coda.io/d/_dAbCDeFGH").with_creator_email("hello@coda.io");
    client(&server).add_go_link("org-2Bc456", &request).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/organizations/org-2Bc456/goLinks",
            body: Some(json!({"name": "roadmap", "destinationUrl": "https://coda.io/d/_dAbCDeFGH", "creatorEmail": "hello@coda.io"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn list_custom_doc_domains() {
    let c = contract("listCustomDocDomains");
    let body = json!({"customDocDomains": [{
        "customDocDomain": "docs.example.com", "hasCertificate": true, "hasDnsDocId": true,
        "setupStatus": "succeeded", "domainStatus": "connected", "lastVerifiedTimestamp": fixtures::WHEN
    }]});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let domains = client(&server).list_custom_doc_domains(DOC_ID).await.unwrap();
    assert_eq!(domains.custom_doc_domains[0].setup_status, CustomDocDomainSetupStatus::Succeeded);
    // The document writes this path `/docs/${docId}/domains`; the client sends the doc id.
    c.assert_request(&server.only_request(), &Expected { path: "/docs/AbCDeFGH/domains", ..Expected::default() });
}

#[tokio::test]
async fn add_custom_doc_domain() {
    let c = contract("addCustomDocDomain");
    let server = Server::replies(vec![c.reply(202, &json!({}))]).await;
    client(&server).add_custom_doc_domain(DOC_ID, &AddCustomDocDomainRequest::new("docs.example.com")).await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/domains",
            body: Some(json!({"customDocDomain": "docs.example.com"})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn delete_custom_doc_domain() {
    let c = contract("deleteCustomDocDomain");
    let server = Server::replies(vec![c.reply(200, &json!({}))]).await;
    client(&server).delete_custom_doc_domain(DOC_ID, "docs.example.com").await.unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/domains/docs.example.com", ..Expected::default() },
    );
}

#[tokio::test]
async fn update_custom_doc_domain() {
    let c = contract("updateCustomDocDomain");
    let server = Server::replies(vec![c.reply(200, &json!({}))]).await;
    client(&server)
        .update_custom_doc_domain(DOC_ID, "docs.example.com", &UpdateCustomDocDomainRequest::default())
        .await
        .unwrap();
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/domains/docs.example.com", body: Some(json!({})), ..Expected::default() },
    );
}

#[tokio::test]
async fn get_custom_doc_domain_provider() {
    let c = contract("getCustomDocDomainProvider");
    let server = Server::replies(vec![c.reply(200, &json!({"provider": "Hover (Tucows)"}))]).await;
    let provider = client(&server).get_custom_doc_domain_provider("docs.example.com").await.unwrap();
    assert_eq!(provider.provider, CustomDocDomainProvider::Hover);
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/domains/provider/docs.example.com", ..Expected::default() },
    );
}
