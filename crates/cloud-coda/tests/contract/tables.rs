//! Tables, Columns, Rows, Formulas and Controls.

use cloud_coda::models::{
    ColumnFormat, ControlType, Layout, RowEdit, RowUpdate, RowsDelete, RowsSortBy, RowsUpsert, SortBy, SortDirection,
    TableType, ValueFormat,
};
use cloud_coda::{
    CellValue, GetRowOptions, GetTableOptions, ListColumnsOptions, ListControlsOptions, ListFormulasOptions,
    ListRowsOptions, ListTablesOptions, UpdateRowOptions, UpsertRowsOptions,
};
use futures::TryStreamExt;
use serde_json::json;

use crate::support::fixtures::{self, DOC_ID};
use crate::support::server::Server;
use crate::support::{Expected, client, contract};

/// A table *name* with characters that must be encoded in a path segment.
const TABLE: &str = "Q1/Q2 plans";
const TABLE_PATH: &str = "Q1%2FQ2%20plans";

#[tokio::test]
async fn list_tables() {
    let c = contract("listTables");
    let body = json!({
        "items": [fixtures::table_ref("grid-pqRst-U", "Tasks"), fixtures::table_ref("table-2", "People")],
        "href": format!("{}/docs/{DOC_ID}/tables", fixtures::API)
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListTablesOptions::default()
        .with_limit(5)
        .with_sort_by(SortBy::Name)
        .with_table_types([TableType::Table, TableType::View]);
    let tables: Vec<_> = client(&server).list_tables(DOC_ID, options).try_collect().await.unwrap();
    assert_eq!(tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Tasks", "People"]);
    assert_eq!(tables[0].table_type, TableType::Table);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/tables",
            query: &[("limit", "5"), ("sortBy", "name"), ("tableTypes", "table,view")],
            body: None,
        },
    );
}

#[tokio::test]
async fn get_table() {
    let c = contract("getTable");
    let server = Server::replies(vec![c.reply(200, &fixtures::table("grid-pqRst-U", TABLE))]).await;
    let options = GetTableOptions::default().with_use_updated_table_layouts(true);
    let table = client(&server).get_table(DOC_ID, TABLE, &options).await.unwrap();
    assert_eq!(table.row_count, 130);
    assert_eq!(table.layout, Layout::Default);
    assert_eq!(table.sorts[0].direction, SortDirection::Ascending);
    assert_eq!(table.filter.map(|f| f.valid), Some(true));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}"),
            query: &[("useUpdatedTableLayouts", "true")],
            body: None,
        },
    );
}

#[tokio::test]
async fn list_columns() {
    let c = contract("listColumns");
    let body = json!({
        "items": [
            fixtures::column("c-name", "Name", json!({"type": "text", "isArray": false})),
            fixtures::column("c-cost", "Cost", json!({"type": "currency", "isArray": false, "currencyCode": "USD", "precision": 2, "format": "accounting"})),
            fixtures::column("c-when", "Due", json!({"type": "date", "isArray": false, "format": "YYYY-MM-DD"})),
            fixtures::column("c-who", "Owner", json!({"type": "person", "isArray": true, "table": fixtures::table_ref("table-2", "People")})),
            fixtures::column("c-go", "Go", json!({"type": "button", "isArray": false, "label": "Go", "action": "OpenUrl(\"www.google.com\")"})),
            fixtures::column("c-ok", "Done", json!({"type": "checkbox", "isArray": false, "displayType": "toggle"})),
            fixtures::column("c-mail", "Email", json!({"type": "email", "isArray": false, "display": "iconAndEmail"})),
            fixtures::column("c-rate", "Rating", json!({"type": "scale", "isArray": false, "maximum": 5, "icon": "star"})),
            fixtures::column("c-feel", "Reactions", json!({"type": "reaction", "isArray": true}))
        ],
        "href": format!("{}/docs/{DOC_ID}/tables/grid-pqRst-U/columns", fixtures::API)
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListColumnsOptions::default().with_limit(100).with_visible_only(true);
    let columns: Vec<_> = client(&server).list_columns(DOC_ID, "grid-pqRst-U", options).try_collect().await.unwrap();
    assert!(matches!(columns[0].format, ColumnFormat::Simple(_)));
    match &columns[1].format {
        ColumnFormat::Currency(f) => assert_eq!((f.currency_code.as_deref(), f.precision), (Some("USD"), Some(2))),
        other => panic!("expected a currency format, got {other:?}"),
    }
    assert!(matches!(columns[2].format, ColumnFormat::Date(_)));
    match &columns[3].format {
        ColumnFormat::Reference(f) => assert_eq!(f.table.name, "People"),
        other => panic!("expected a reference format, got {other:?}"),
    }
    assert!(matches!(columns[4].format, ColumnFormat::Button(_)));
    assert!(matches!(columns[5].format, ColumnFormat::Checkbox(_)));
    assert!(matches!(columns[6].format, ColumnFormat::Email(_)));
    assert!(matches!(columns[7].format, ColumnFormat::Scale(_)));
    // A format type the document lists but maps to no member is kept as received.
    assert!(matches!(&columns[8].format, ColumnFormat::Unknown(v) if v["type"] == "reaction"));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: "/docs/AbCDeFGH/tables/grid-pqRst-U/columns",
            query: &[("limit", "100"), ("visibleOnly", "true")],
            body: None,
        },
    );
}

#[tokio::test]
async fn get_column() {
    let c = contract("getColumn");
    let mut body = fixtures::column(
        "c-cost",
        "Cost",
        json!({"type": "number", "isArray": false, "precision": 1, "useThousandsSeparator": true}),
    );
    body["parent"] = fixtures::table_ref("grid-pqRst-U", "Tasks");
    body["formula"] = json!("thisRow.Price * thisRow.Quantity");
    body["calculated"] = json!(true);
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let column = client(&server).get_column(DOC_ID, TABLE, "Cost").await.unwrap();
    assert_eq!(column.parent.id, "grid-pqRst-U");
    assert_eq!(column.calculated, Some(true));
    assert!(matches!(column.format, ColumnFormat::Numeric(ref f) if f.use_thousands_separator == Some(true)));
    c.assert_request(
        &server.only_request(),
        &Expected { path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}/columns/Cost"), ..Expected::default() },
    );
}

#[tokio::test]
async fn list_rows() {
    let c = contract("listRows");
    let body = json!({
        "items": [
            fixtures::row("i-1", json!({"Name": "Apple", "Price": 1.5, "Tags": ["fruit", "red"], "Done": false})),
            fixtures::row("i-2", json!({"Name": "Pear", "Price": "", "Tags": [], "Done": true}))
        ],
        "href": format!("{}/docs/{DOC_ID}/tables/grid-pqRst-U/rows", fixtures::API),
        "nextSyncToken": "eyJsaW1pd"
    });
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListRowsOptions::default()
        .with_column_filter("Name", "Apple")
        .with_sort_by(RowsSortBy::Natural)
        .with_use_column_names(true)
        .with_value_format(ValueFormat::SimpleWithArrays)
        .with_visible_only(true)
        .with_limit(10)
        .with_sync_token("eyJzeW5j");
    let rows: Vec<_> = client(&server).list_rows(DOC_ID, TABLE, options).try_collect().await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].value("Price").and_then(CellValue::as_f64), Some(1.5));
    assert_eq!(rows[0].value("Tags").map(CellValue::items).map(|t| t.len()), Some(2));
    assert!(rows[1].value("Price").is_some_and(CellValue::is_empty));
    assert_eq!(rows[1].value("Done").and_then(CellValue::as_bool), Some(true));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}/rows"),
            query: &[
                ("query", "\"Name\":\"Apple\""),
                ("sortBy", "natural"),
                ("useColumnNames", "true"),
                ("valueFormat", "simpleWithArrays"),
                ("visibleOnly", "true"),
                ("limit", "10"),
                ("syncToken", "eyJzeW5j"),
            ],
            body: None,
        },
    );
}

#[tokio::test]
async fn upsert_rows() {
    let c = contract("upsertRows");
    let server =
        Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456", "addedRowIds": ["i-new"]}))]).await;
    let rows = RowsUpsert::new([
        RowEdit::from_cells([("Name", CellValue::from("Kiwi")), ("Price", 2.25.into())]),
        RowEdit::from_cells([("Name", CellValue::from("Fig"))]).with_cell("Tags", vec!["fruit", "purple"]),
    ])
    .with_key_columns(["Name"]);
    let options = UpsertRowsOptions::default().with_disable_parsing(true);
    let accepted = client(&server).upsert_rows(DOC_ID, TABLE, &rows, &options).await.unwrap();
    assert_eq!(accepted.added_row_ids, Some(vec!["i-new".to_owned()]));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}/rows"),
            query: &[("disableParsing", "true")],
            body: Some(json!({
                "rows": [
                    {"cells": [{"column": "Name", "value": "Kiwi"}, {"column": "Price", "value": 2.25}]},
                    {"cells": [{"column": "Name", "value": "Fig"}, {"column": "Tags", "value": ["fruit", "purple"]}]}
                ],
                "keyColumns": ["Name"]
            })),
        },
    );
}

#[tokio::test]
async fn delete_rows() {
    let c = contract("deleteRows");
    let body = json!({"requestId": "abc-123-def-456", "rowIds": ["i-1", "i-2"]});
    let server = Server::replies(vec![c.reply(202, &body)]).await;
    let accepted = client(&server).delete_rows(DOC_ID, TABLE, &RowsDelete::new(["i-1", "i-2"])).await.unwrap();
    assert_eq!(accepted.row_ids, ["i-1", "i-2"]);
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}/rows"),
            body: Some(json!({"rowIds": ["i-1", "i-2"]})),
            ..Expected::default()
        },
    );
}

#[tokio::test]
async fn get_row() {
    let c = contract("getRow");
    let mut body = fixtures::row(
        "i-1",
        json!({
            "Owner": fixtures::person("Alice Atkins", "alice@atkins.com"),
            "Price": {"@context": "http://schema.org/", "@type": "MonetaryAmount", "currency": "USD", "amount": 42.5},
            "Site": {"@context": "http://schema.org/", "@type": "WebPage", "url": "https://coda.io"},
            "Team": [{"@context": "http://schema.org/", "@type": "StructuredValue", "additionalType": "row",
                      "name": "Red", "url": "https://coda.io/d/_dAbCDeFGH#Teams_tu/_rui-9", "tableId": "grid-teams",
                      "rowId": "i-9", "tableUrl": "https://coda.io/d/_dAbCDeFGH#Teams_tu"}],
            "Name": "Apple"
        }),
    );
    body["parent"] = fixtures::table_ref("grid-pqRst-U", "Tasks");
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = GetRowOptions::default().with_use_column_names(true).with_value_format(ValueFormat::Rich);
    let row = client(&server).get_row(DOC_ID, TABLE, "Apple pie", &options).await.unwrap();
    assert_eq!(row.value("Owner").and_then(CellValue::person).map(|p| p.name), Some("Alice Atkins".to_owned()));
    assert_eq!(row.value("Price").and_then(CellValue::as_f64), Some(42.5));
    assert_eq!(row.value("Site").and_then(CellValue::url).map(|u| u.url), Some("https://coda.io".to_owned()));
    let team = row.value("Team").map(CellValue::items).unwrap_or_default();
    assert_eq!(team[0].row().map(|r| r.row_id), Some("i-9".to_owned()));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}/rows/Apple%20pie"),
            query: &[("useColumnNames", "true"), ("valueFormat", "rich")],
            body: None,
        },
    );
}

#[tokio::test]
async fn update_row() {
    let c = contract("updateRow");
    let server = Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456", "id": "i-1"}))]).await;
    let request = RowUpdate::new(RowEdit::from_cells([("Done", CellValue::from(true))]));
    let options = UpdateRowOptions::default().with_disable_parsing(false);
    let accepted = client(&server).update_row(DOC_ID, TABLE, "i-1", &request, &options).await.unwrap();
    assert_eq!(accepted.id, "i-1");
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}/rows/i-1"),
            query: &[("disableParsing", "false")],
            body: Some(json!({"row": {"cells": [{"column": "Done", "value": true}]}})),
        },
    );
}

#[tokio::test]
async fn delete_row() {
    let c = contract("deleteRow");
    let server = Server::replies(vec![c.reply(202, &json!({"requestId": "abc-123-def-456", "id": "i-1"}))]).await;
    let accepted = client(&server).delete_row(DOC_ID, TABLE, "i-1").await.unwrap();
    assert_eq!(accepted.request_id, "abc-123-def-456");
    c.assert_request(
        &server.only_request(),
        &Expected { path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}/rows/i-1"), ..Expected::default() },
    );
}

#[tokio::test]
async fn push_button() {
    let c = contract("pushButton");
    let body = json!({"requestId": "abc-123-def-456", "rowId": "i-1", "columnId": "c-go"});
    let server = Server::replies(vec![c.reply(202, &body)]).await;
    let pushed = client(&server).push_button(DOC_ID, TABLE, "i-1", "Go #1").await.unwrap();
    assert_eq!((pushed.row_id.as_str(), pushed.column_id.as_str()), ("i-1", "c-go"));
    c.assert_request(
        &server.only_request(),
        &Expected {
            path: &format!("/docs/AbCDeFGH/tables/{TABLE_PATH}/rows/i-1/buttons/Go%20%231"),
            ..Expected::default()
        },
    );
}

fn formula_ref(id: &str, name: &str) -> serde_json::Value {
    json!({
        "id": id, "type": "formula", "href": format!("{}/docs/{DOC_ID}/formulas/{id}", fixtures::API), "name": name,
        "parent": fixtures::page_ref("canvas-1", "Launch Status")
    })
}

#[tokio::test]
async fn list_formulas() {
    let c = contract("listFormulas");
    let body = json!({"items": [formula_ref("f-1", "Sum of expenses")], "href": format!("{}/docs/{DOC_ID}/formulas", fixtures::API)});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListFormulasOptions::default().with_limit(3).with_sort_by(SortBy::Name);
    let formulas: Vec<_> = client(&server).list_formulas(DOC_ID, options).try_collect().await.unwrap();
    assert_eq!(formulas[0].name, "Sum of expenses");
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/formulas", query: &[("limit", "3"), ("sortBy", "name")], body: None },
    );
}

#[tokio::test]
async fn get_formula() {
    let c = contract("getFormula");
    let mut body = formula_ref("f-1", "Sum of expenses");
    body["value"] = json!(1234.5);
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let formula = client(&server).get_formula(DOC_ID, "Sum of expenses").await.unwrap();
    assert_eq!(formula.value.as_f64(), Some(1234.5));
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/formulas/Sum%20of%20expenses", ..Expected::default() },
    );
}

fn control_ref(id: &str, name: &str) -> serde_json::Value {
    json!({
        "id": id, "type": "control", "href": format!("{}/docs/{DOC_ID}/controls/{id}", fixtures::API), "name": name,
        "parent": fixtures::page_ref("canvas-1", "Launch Status")
    })
}

#[tokio::test]
async fn list_controls() {
    let c = contract("listControls");
    let body = json!({"items": [control_ref("ctrl-1", "Cost"), control_ref("ctrl-2", "Region")]});
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let options = ListControlsOptions::default().with_sort_by(SortBy::Name);
    let controls: Vec<_> = client(&server).list_controls(DOC_ID, options).try_collect().await.unwrap();
    assert_eq!(controls.len(), 2);
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/controls", query: &[("sortBy", "name")], body: None },
    );
}

#[tokio::test]
async fn get_control() {
    let c = contract("getControl");
    let mut body = control_ref("ctrl-2", "Region");
    body["controlType"] = json!("multiselect");
    body["value"] = json!(["EMEA", "APAC"]);
    let server = Server::replies(vec![c.reply(200, &body)]).await;
    let control = client(&server).get_control(DOC_ID, "ctrl-2").await.unwrap();
    assert_eq!(control.control_type, ControlType::Multiselect);
    assert_eq!(control.value.items(), [CellValue::from("EMEA"), CellValue::from("APAC")]);
    c.assert_request(
        &server.only_request(),
        &Expected { path: "/docs/AbCDeFGH/controls/ctrl-2", ..Expected::default() },
    );
}
