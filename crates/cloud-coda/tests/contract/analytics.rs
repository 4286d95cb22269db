//! Analytics and Miscellaneous.

use chrono::NaiveDate;
use cloud_coda::models::{AnalyticsScale, DocAnalyticsOrderBy, PackFormulaType, SortDirection, Type};
use cloud_coda::{
    ListDocAnalyticsOptions, ListDocAnalyticsSummaryOptions, ListPackAnalyticsOptions, ListPackAnalyticsSummaryOptions,
    ListPackFormulaAnalyticsOptions, ListPageAnalyticsOptions, ResolveBrowserLinkOptions,
};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::fixtures::{self, DOC_ID};
use crate::support::server::Server;
use crate::support::{Expected, client, contract};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
}

fn doc_metrics() -> serde_json::Value {
    json!({
        "date": "2024-01-02", "views": 100, "copies": 1, "likes": 3, "sessionsMobile": 4, "sessionsDesktop": 20,
        "sessionsOther": 0, "totalSessions": 24, "aiCreditsChat": 0, "aiCreditsBlock": 1, "aiCreditsColumn": 2,
        "aiCreditsAssistant": 0, "aiCreditsReviewer": 0, "aiCredits": 3
    })
}

#[tokio::test]
async fn list_doc_analytics() {
    let c = contract("listDocAnalytics");
    let body = json!({"items": [{
        "doc": {
            "id": DOC_ID, "type": "doc", "href": format!("{}/docs/{DOC_ID}", fixtures::API),
            "browserLink": format!("https://coda.io/d/_d{DOC_ID}"), "title": "Launch plan", "icon": fixtures::icon(),
            "createdAt": fixtures::WHEN, "publishedAt": fixtures::LATER
        },
        "metrics": [doc_metrics()]
    }]});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListDocAnalyticsOptions::default()
        .with_doc_ids([DOC_ID, "OtHeRdOc"])
        .with_workspace_id("ws-1Ab234")
        .with_query("launch")
        .with_is_published(true)
        .with_since_date(day(1))
        .with_until_date(day(31))
        .with_scale(AnalyticsScale::Daily)
        .with_order_by(DocAnalyticsOrderBy::TotalSessions)
        .with_direction(SortDirection::Descending)
        .with_limit(500);
    let items: Vec<_> = client(&server).list_doc_analytics(options).try_collect().await.unwrap();
    assert_eq!(items[0].doc.title, "Launch plan");
    assert_eq!(items[0].doc.kind, Type::Doc);
    assert_eq!(items[0].metrics[0].total_sessions, 24);
    assert_eq!(items[0].metrics[0].date, day(2));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/analytics/docs",
            query: &[
                ("docIds", "AbCDeFGH,OtHeRdOc"),
                ("workspaceId", "ws-1Ab234"),
                ("query", "launch"),
                ("isPublished", "true"),
                ("sinceDate", "2024-01-01"),
                ("untilDate", "2024-01-31"),
                ("scale", "daily"),
                ("orderBy", "totalSessions"),
                ("direction", "descending"),
                ("limit", "500"),
            ],
            body: None,
        },
    );
}

#[tokio::test]
async fn list_page_analytics() {
    let c = contract("listPageAnalytics");
    let body = json!({"items": [{
        "page": {"id": "canvas-1", "name": "Launch Status", "icon": fixtures::icon()},
        "metrics": [{"date": "2024-01-02", "views": 10, "sessions": 4, "users": 3, "averageSecondsViewed": 42, "medianSecondsViewed": 30, "tabs": 5}]
    }]});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListPageAnalyticsOptions::default().with_since_date(day(1)).with_until_date(day(7)).with_limit(10);
    let items: Vec<_> = client(&server).list_page_analytics(DOC_ID, options).try_collect().await.unwrap();
    assert_eq!(items[0].page.name, "Launch Status");
    assert_eq!(items[0].metrics[0].median_seconds_viewed, 30);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/analytics/docs/AbCDeFGH/pages",
            query: &[("sinceDate", "2024-01-01"), ("untilDate", "2024-01-07"), ("limit", "10")],
            body: None,
        },
    );
}

#[tokio::test]
async fn list_doc_analytics_summary() {
    let c = contract("listDocAnalyticsSummary");
    let server = Server::replies(vec![c.reply(200, &json!({"totalSessions": 1337}))]).await;
    let options = ListDocAnalyticsSummaryOptions::default().with_is_published(false).with_workspace_id("ws-1Ab234");
    let summary = client(&server).list_doc_analytics_summary(&options).await.unwrap();
    assert_eq!(summary.total_sessions, 1337);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/analytics/docs/summary",
            query: &[("isPublished", "false"), ("workspaceId", "ws-1Ab234")],
            body: None,
        },
    );
}

fn pack_metrics() -> serde_json::Value {
    let counters = [
        "docInstalls",
        "workspaceInstalls",
        "numFormulaInvocations",
        "numActionInvocations",
        "numSyncInvocations",
        "numMetadataInvocations",
        "docsActivelyUsing",
        "docsActivelyUsing7Day",
        "docsActivelyUsing30Day",
        "docsActivelyUsing90Day",
        "docsActivelyUsingAllTime",
        "workspacesActivelyUsing",
        "workspacesActivelyUsing7Day",
        "workspacesActivelyUsing30Day",
        "workspacesActivelyUsing90Day",
        "workspacesActivelyUsingAllTime",
        "workspacesActivelyTrialing",
        "workspacesActivelyTrialing7Day",
        "workspacesActivelyTrialing30Day",
        "workspacesActivelyTrialing90Day",
        "workspacesActivelyTrialingAllTime",
        "workspacesNewlySubscribed",
        "workspacesWithActiveSubscriptions",
        "workspacesWithSuccessfulTrials",
    ];
    let mut metrics = serde_json::Map::new();
    metrics.insert("date".into(), json!("2024-01-02"));
    for (i, name) in counters.iter().enumerate() {
        metrics.insert((*name).into(), json!(i));
    }
    metrics.insert("revenueUsd".into(), json!("120.50"));
    serde_json::Value::Object(metrics)
}

#[tokio::test]
async fn list_pack_analytics() {
    let c = contract("listPackAnalytics");
    let body = json!({"items": [{
        "pack": {"id": 1003, "name": "Cool Geometry Formulas", "logoUrl": "https://cdn.coda.io/packs/1003/logo.png", "createdAt": fixtures::WHEN},
        "metrics": [pack_metrics()]
    }]});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListPackAnalyticsOptions::default()
        .with_pack_ids([1003, 1004])
        .with_workspace_id("ws-1Ab234")
        .with_query("geometry")
        .with_since_date(day(1))
        .with_until_date(day(31))
        .with_scale(AnalyticsScale::Cumulative)
        .with_direction(SortDirection::Ascending)
        .with_is_published(true)
        .with_limit(100);
    let items: Vec<_> = client(&server).list_pack_analytics(options).try_collect().await.unwrap();
    assert_eq!(items[0].pack.id, 1003.0);
    assert_eq!(items[0].metrics[0].revenue_usd, "120.50");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/analytics/packs",
            query: &[
                ("packIds", "1003,1004"),
                ("workspaceId", "ws-1Ab234"),
                ("query", "geometry"),
                ("sinceDate", "2024-01-01"),
                ("untilDate", "2024-01-31"),
                ("scale", "cumulative"),
                ("direction", "ascending"),
                ("isPublished", "true"),
                ("limit", "100"),
            ],
            body: None,
        },
    );
}

#[tokio::test]
async fn list_pack_analytics_summary() {
    let c = contract("listPackAnalyticsSummary");
    let body = json!({"totalDocInstalls": 10, "totalWorkspaceInstalls": 2, "totalInvocations": 12345});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListPackAnalyticsSummaryOptions::default().with_pack_ids([1003]).with_since_date(day(1));
    let summary = client(&server).list_pack_analytics_summary(&options).await.unwrap();
    assert_eq!(summary.total_invocations, 12345);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/analytics/packs/summary",
            query: &[("packIds", "1003"), ("sinceDate", "2024-01-01")],
            body: None,
        },
    );
}

#[tokio::test]
async fn list_pack_formula_analytics() {
    let c = contract("listPackFormulaAnalytics");
    let body = json!({"items": [{
        "formula": {"name": "SquareRoot", "type": "formula"},
        "metrics": [{
            "date": "2024-01-02", "formulaInvocations": 1000, "errors": 2, "medianLatencyMs": 35,
            "docsActivelyUsing": 1, "docsActivelyUsing7Day": 2, "docsActivelyUsing30Day": 3, "docsActivelyUsing90Day": 4,
            "docsActivelyUsingAllTime": 5, "workspacesActivelyUsing": 1, "workspacesActivelyUsing7Day": 1,
            "workspacesActivelyUsing30Day": 1, "workspacesActivelyUsing90Day": 1, "workspacesActivelyUsingAllTime": 1
        }]
    }]});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListPackFormulaAnalyticsOptions::default()
        .with_pack_formula_names(["SquareRoot", "CubeRoot"])
        .with_pack_formula_types([PackFormulaType::Formula, PackFormulaType::Action])
        .with_scale(AnalyticsScale::Daily)
        .with_limit(50);
    let items: Vec<_> = client(&server).list_pack_formula_analytics(1003, options).try_collect().await.unwrap();
    assert_eq!(items[0].formula.kind, PackFormulaType::Formula);
    assert_eq!(items[0].metrics[0].median_latency_ms, Some(35));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/analytics/packs/1003/formulas",
            query: &[
                ("packFormulaNames", "SquareRoot,CubeRoot"),
                ("packFormulaTypes", "formula,action"),
                ("scale", "daily"),
                ("limit", "50"),
            ],
            body: None,
        },
    );
}

#[tokio::test]
async fn get_analytics_last_updated() {
    let c = contract("getAnalyticsLastUpdated");
    let body = json!({
        "docAnalyticsLastUpdated": "2024-01-30", "packAnalyticsLastUpdated": "2024-01-29",
        "packFormulaAnalyticsLastUpdated": "2024-01-28"
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let updated = client(&server).get_analytics_last_updated().await.unwrap();
    assert_eq!(updated.doc_analytics_last_updated, day(30));
    c.assert_request(&server.only_request(), &Expected { path: "/analytics/updated", ..Expected::default() });
}

#[tokio::test]
async fn resolve_browser_link() {
    let c = contract("resolveBrowserLink");
    let body = json!({
        "type": "apiLink",
        "href": format!("{}/resolveBrowserLink?url=https%3A%2F%2Fcoda.io%2Fd%2F_dAbCDeFGH", fixtures::API),
        "browserLink": "https://coda.io/d/_dAbCDeFGH",
        "resource": {"type": "doc", "id": DOC_ID, "name": "Launch plan", "href": format!("{}/docs/{DOC_ID}", fixtures::API)}
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ResolveBrowserLinkOptions::default().with_degrade_gracefully(true);
    let link = client(&server).resolve_browser_link("https://coda.io/d/_dAbCDeFGH#Tasks", &options).await.unwrap();
    assert_eq!(link.resource.kind, Type::Doc);
    assert_eq!(link.resource.id, DOC_ID);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/resolveBrowserLink",
            query: &[("url", "https://coda.io/d/_dAbCDeFGH#Tasks"), ("degradeGracefully", "true")],
            body: None,
        },
    );
}

#[tokio::test]
async fn get_mutation_status() {
    let c = contract("getMutationStatus");
    let server =
        Server::replies(vec![c.reply(200, &json!({"completed": true, "warning": "Initial page HTML was invalid."}))])
            .await;
    let status = client(&server).get_mutation_status("abc-123-def-456").await.unwrap();
    assert!(status.completed);
    assert_eq!(status.warning.as_deref(), Some("Initial page HTML was invalid."));
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/mutationStatus/abc-123-def-456", ..Expected::default() },
    );
}
