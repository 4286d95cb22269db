//! The schema validator the contract tests rely on rejects what it must: wrong types, missing
//! required fields, unknown enum values, unknown properties and unknown union tags, while reading
//! `allOf` and `oneOf` as OpenAPI means them.

mod support;

use serde_json::{Value, json};
use support::fixtures;

fn schema(name: &str) -> &'static Value {
    support::spec().pointer(&format!("/components/schemas/{name}")).unwrap_or_else(|| panic!("no schema {name}"))
}

fn problems(name: &str, instance: &Value) -> Vec<String> {
    support::validator().problems(schema(name), instance)
}

#[test]
fn a_valid_doc_passes() {
    assert_eq!(problems("Doc", &fixtures::doc("AbCDeFGH", "Launch plan")), Vec::<String>::new());
}

#[test]
fn type_mismatches_are_caught() {
    let mut doc = fixtures::doc("AbCDeFGH", "Launch plan");
    doc["createdAt"] = json!(1_523_405_937);
    doc["docSize"]["overApiSizeLimit"] = json!("no");
    let found = problems("Doc", &doc);
    assert!(found.iter().any(|p| p.contains("$.createdAt") && p.contains("expected a string")), "{found:?}");
    assert!(found.iter().any(|p| p.contains("$.docSize.overApiSizeLimit") && p.contains("boolean")), "{found:?}");
}

#[test]
fn formats_are_checked() {
    let mut doc = fixtures::doc("AbCDeFGH", "Launch plan");
    doc["updatedAt"] = json!("yesterday");
    doc["href"] = json!("docs/AbCDeFGH");
    let found = problems("Doc", &doc);
    assert!(found.iter().any(|p| p.contains("$.updatedAt") && p.contains("date-time")), "{found:?}");
    assert!(found.iter().any(|p| p.contains("$.href") && p.contains("url")), "{found:?}");
}

#[test]
fn missing_required_fields_are_caught() {
    let mut page = fixtures::page("canvas-1", "Launch");
    page.as_object_mut().unwrap().remove("isHidden");
    let found = problems("Page", &page);
    assert_eq!(found, ["$: missing required property \"isHidden\""]);
}

#[test]
fn unknown_enum_values_are_caught() {
    let mut page = fixtures::page("canvas-1", "Launch");
    page["contentType"] = json!("spreadsheet");
    let found = problems("Page", &page);
    assert!(found.iter().any(|p| p.contains("$.contentType") && p.contains("not one of")), "{found:?}");
}

#[test]
fn unknown_properties_of_closed_objects_are_caught() {
    let mut user = fixtures::user();
    user["nickname"] = json!("JD");
    assert_eq!(problems("User", &user), ["$: unknown property \"nickname\""]);
}

#[test]
fn all_of_members_are_merged_not_intersected() {
    // `RowsUpsertResult = allOf[DocumentMutateResponse, {addedRowIds}]`, both closed.
    assert!(problems("RowsUpsertResult", &json!({"requestId": "r", "addedRowIds": ["i-1"]})).is_empty());
    assert_eq!(
        problems("RowsUpsertResult", &json!({"addedRowIds": []})),
        ["$: missing required property \"requestId\""]
    );
    assert_eq!(problems("RowsUpsertResult", &json!({"requestId": "r", "extra": 1})), ["$: unknown property \"extra\""]);
}

#[test]
fn discriminated_unions_follow_the_tag() {
    let good = json!({"principal": {"type": "email", "email": "a@b.c"}, "id": "p", "access": "write"});
    assert!(problems("Permission", &good).is_empty());
    let wrong_member = json!({"principal": {"type": "email", "domain": "b.c"}, "id": "p", "access": "write"});
    let found = problems("Permission", &wrong_member);
    assert!(found.iter().any(|p| p.contains("missing required property \"email\"")), "{found:?}");
    let unknown_tag = json!({"principal": {"type": "robot"}, "id": "p", "access": "write"});
    let found = problems("Permission", &unknown_tag);
    assert!(found.iter().any(|p| p.contains("robot")), "{found:?}");
}

#[test]
fn cell_values_accept_scalars_arrays_and_rich_values_only() {
    for ok in
        [json!("x"), json!(1.5), json!(true), json!(["a", 1]), json!([["a"], "b"]), fixtures::person("A", "a@b.c")]
    {
        assert!(problems("CellValue", &ok).is_empty(), "{ok}");
    }
    for bad in [json!(null), json!({"@type": "Person"}), json!({"anything": 1})] {
        assert!(!problems("CellValue", &bad).is_empty(), "{bad}");
    }
}
