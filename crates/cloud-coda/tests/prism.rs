//! Every operation against Prism, an independent implementation of Coda's OpenAPI document:
//! Prism validates each request against the document (422 with the violations when it does not
//! conform) and answers with data it builds from the document's examples and schemas, which the
//! client must decode.
//!
//! Needs `cargo xtask emulators up coda-mock` (started by `cargo xtask test`) and
//! `CLOUD_TEST_CODA_MOCK_URL`; fails without them.

use std::time::Duration;

use cloud_coda::models::*;
use cloud_coda::*;
use cloud_contract_testing::prism::{Call, assert_every_operation, call, mock_url};
use cloud_core::retry::RetryConfig;

fn client() -> CodaClient {
    let url = mock_url("CLOUD_TEST_CODA_MOCK_URL", "coda-mock");
    CodaClient::builder()
        .with_token("CANARYcodaPrismToken")
        .with_base_url(url)
        .with_rate_limits(false)
        .with_retry(RetryConfig::default().with_max_retries(1).with_initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("a client of the mock")
}

const DOC: &str = "AbCDeFGH";

/// One call per operation, with valid arguments (`operationId` → the call).
#[allow(clippy::too_many_lines)]
fn calls(c: &CodaClient) -> Vec<(&'static str, Call)> {
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
    vec![
        op!("whoami", |c| c.whoami()),
        op!("listDocAnalytics", |c| c.list_doc_analytics_page(&ListDocAnalyticsOptions::default())),
        op!("listDocAnalyticsSummary", |c| c.list_doc_analytics_summary(&ListDocAnalyticsSummaryOptions::default())),
        op!("listPageAnalytics", |c| c.list_page_analytics_page(DOC, &ListPageAnalyticsOptions::default())),
        op!("listPackAnalytics", |c| c.list_pack_analytics_page(&ListPackAnalyticsOptions::default())),
        op!("listPackAnalyticsSummary", |c| c.list_pack_analytics_summary(&ListPackAnalyticsSummaryOptions::default())),
        op!("listPackFormulaAnalytics", |c| c
            .list_pack_formula_analytics_page(1003, &ListPackFormulaAnalyticsOptions::default())),
        op!("getAnalyticsLastUpdated", |c| c.get_analytics_last_updated()),
        op!("triggerWebhookAutomation", |c| c.trigger_webhook_automation(DOC, "grid-auto-1", None)),
        op!("listColumns", |c| c.list_columns_page(DOC, "grid-1", &ListColumnsOptions::default())),
        op!("getColumn", |c| c.get_column(DOC, "grid-1", "c-1")),
        op!("listControls", |c| c.list_controls_page(DOC, &ListControlsOptions::default())),
        op!("getControl", |c| c.get_control(DOC, "ctrl-1")),
        op!("listDocs", |c| c.list_docs_page(&ListDocsOptions::default().with_limit(10))),
        op!("createDoc", |c| c.create_doc(&DocCreate::default().with_title("Project"))),
        op!("deleteDoc", |c| c.delete_doc(DOC)),
        op!("getDoc", |c| c.get_doc(DOC)),
        op!("updateDoc", |c| c.update_doc(DOC, &DocUpdate::default().with_title("Renamed"))),
        op!("listFolders", |c| c.list_folders_page(&ListFoldersOptions::default())),
        op!("createFolder", |c| c.create_folder(&CreateFolderRequest::new("Projects", "ws-1Ab234"))),
        op!("deleteFolder", |c| c.delete_folder("fl-1")),
        op!("getFolder", |c| c.get_folder("fl-1")),
        op!("updateFolder", |c| c.update_folder("fl-1", &UpdateFolderRequest::default().with_name("Renamed"))),
        op!("listFormulas", |c| c.list_formulas_page(DOC, &ListFormulasOptions::default())),
        op!("getFormula", |c| c.get_formula(DOC, "f-1")),
        op!("getMutationStatus", |c| c.get_mutation_status("abc-123")),
        op!("resolveBrowserLink", |c| c
            .resolve_browser_link("https://coda.io/d/_dAbCDeFGH", &ResolveBrowserLinkOptions::default())),
        op!("listPages", |c| c.list_pages_page(DOC, &ListPagesOptions::default())),
        op!("createPage", |c| c.create_page(DOC, &PageCreate::default().with_name("Launch"))),
        op!("deletePage", |c| c.delete_page(DOC, "canvas-1")),
        op!("getPage", |c| c.get_page(DOC, "canvas-1")),
        op!("updatePage", |c| c.update_page(DOC, "canvas-1", &PageUpdate::default().with_name("Shipped"))),
        op!("deletePageContent", |c| c.delete_page_content(DOC, "canvas-1", None)),
        op!("listPageContent", |c| c.list_page_content_page(DOC, "canvas-1", &ListPageContentOptions::default())),
        op!("beginPageContentExport", |c| c.begin_page_content_export(
            DOC,
            "canvas-1",
            &BeginPageContentExportRequest::new(PageContentOutputFormat::Markdown)
        )),
        op!("getPageContentExportStatus", |c| c.get_page_content_export_status(DOC, "canvas-1", "req-1")),
        op!("getSharingMetadata", |c| c.get_sharing_metadata(DOC)),
        op!("getPermissions", |c| c.get_permissions_page(DOC, &GetPermissionsOptions::default())),
        op!("addPermission", |c| c.add_permission(
            DOC,
            &AddPermissionRequest::new(AccessTypeNotNone::Write, AddedEmailPrincipal::new("bob@brown.com").into())
        )),
        op!("deletePermission", |c| c.delete_permission(DOC, "perm-1")),
        op!("searchPrincipals", |c| c.search_principals(DOC, &SearchPrincipalsOptions::default().with_query("jo"))),
        op!("getAclSettings", |c| c.get_acl_settings(DOC)),
        op!("updateAclSettings", |c| c
            .update_acl_settings(DOC, &UpdateAclSettingsRequest::default().with_allow_copying(false))),
        op!("listCategories", |c| c.list_categories()),
        op!("unpublishDoc", |c| c.unpublish_doc(DOC)),
        op!("publishDoc", |c| c.publish_doc(DOC, &DocPublish::default())),
        op!("deleteRows", |c| c.delete_rows(DOC, "grid-1", &RowsDelete::new(["i-1"]))),
        op!("listRows", |c| c.list_rows_page(DOC, "grid-1", &ListRowsOptions::default())),
        op!("upsertRows", |c| c.upsert_rows(
            DOC,
            "grid-1",
            &RowsUpsert::new([RowEdit::from_cells([("c-1", CellValue::from("x"))])]),
            &UpsertRowsOptions::default()
        )),
        op!("deleteRow", |c| c.delete_row(DOC, "grid-1", "i-1")),
        op!("getRow", |c| c.get_row(DOC, "grid-1", "i-1", &GetRowOptions::default())),
        op!("updateRow", |c| c.update_row(
            DOC,
            "grid-1",
            "i-1",
            &RowUpdate::new(RowEdit::from_cells([("c-1", CellValue::from(true))])),
            &UpdateRowOptions::default()
        )),
        op!("pushButton", |c| c.push_button(DOC, "grid-1", "i-1", "c-1")),
        op!("listWorkspaceRoleActivity", |c| c.list_workspace_role_activity("ws-1Ab234")),
        op!("listWorkspaceMembers", |c| c
            .list_workspace_members_page("ws-1Ab234", &ListWorkspaceMembersOptions::default())),
        op!("changeUserRole", |c| c
            .change_user_role("ws-1Ab234", &ChangeRole::new("hello@coda.io", WorkspaceUserRole::DocMaker))),
        op!("listCustomDocDomains", |c| c.list_custom_doc_domains(DOC)),
        op!("addCustomDocDomain", |c| c
            .add_custom_doc_domain(DOC, &AddCustomDocDomainRequest::new("docs.example.com"))),
        op!("deleteCustomDocDomain", |c| c.delete_custom_doc_domain(DOC, "docs.example.com")),
        op!("updateCustomDocDomain", |c| c.update_custom_doc_domain(
            DOC,
            "docs.example.com",
            &UpdateCustomDocDomainRequest::default()
        )),
        op!("listTables", |c| c.list_tables_page(DOC, &ListTablesOptions::default())),
        op!("getTable", |c| c.get_table(DOC, "grid-1", &GetTableOptions::default())),
        op!("getCustomDocDomainProvider", |c| c.get_custom_doc_domain_provider("docs.example.com")),
        op!("addGoLink", |c| c.add_go_link("org-1", &AddGoLinkRequest::new("roadmap", "https://coda.io/d/_dAbCDeFGH"))),
    ]
}

/// Operations whose answer from Prism the client cannot decode because the document is wrong:
/// Prism answers with the document's examples, and these examples contradict their schemas.
/// The requests themselves are accepted (Prism answered 200).
///
/// - `DocPublished.categories` has the example `["Project Management"]`, but its items are
///   `DocCategory` objects (`{"name": …}`): every `Doc` with `published` (`listDocs`, `getDoc`,
///   `createDoc`);
/// - `DocAnalyticsDetails.icon` and `PageAnalyticsDetails.icon` have the example
///   `"https://coda.io/d/_dAbCDeFGH"`, but `Icon` is an object (`{name, type, browserLink}`).
const KNOWN_REFUSALS: &[(&str, &str)] = &[
    ("createDoc", "invalid type: string \"Project Management\", expected struct DocCategory"),
    ("getDoc", "invalid type: string \"Project Management\", expected struct DocCategory"),
    ("listDocs", "invalid type: string \"Project Management\", expected struct DocCategory"),
    ("listDocAnalytics", "invalid type: string \"https://coda.io/d/_dAbCDeFGH\", expected struct Icon"),
    ("listPageAnalytics", "invalid type: string \"https://coda.io/d/_dAbCDeFGH\", expected struct Icon"),
];

#[tokio::test]
async fn prism_accepts_every_request_and_the_client_decodes_every_answer() {
    let client = client();
    assert_every_operation(calls(&client), OPERATIONS.iter().map(|op| op.id), KNOWN_REFUSALS).await;
}

/// Prism does refuse a request that breaks the document: the check above is not vacuous.
#[tokio::test]
async fn prism_refuses_a_request_that_breaks_the_document() {
    let err = client().list_docs_page(&ListDocsOptions::default().with_limit(0)).await.unwrap_err();
    assert_eq!(err.http_status(), Some(422), "{err}");
}
