//! `cargo xtask codegen newsletter`: `cloud-infomaniak-newsletter`'s models and operations from
//! Infomaniak's OpenAPI export of the Newsletter API.
//!
//! Every operation of the document is generated (71 in the export). Two files come out, both
//! committed:
//! - `crates/cloud-infomaniak-newsletter/src/models.rs`: one Rust type per schema the operations use;
//! - `crates/cloud-infomaniak-newsletter/src/operations.rs`: the operation table, one `*Options`
//!   struct per operation with optional query parameters, and one `NewsletterClient` method per
//!   operation (plus a stream and a single-page method for each paginated listing).
//!
//! The conventions of this API, on the shared generator ([`super::ops`], [`super::emit`]):
//! - every answer is `allOf: [Response, {data: …}, Pagination?]`: a method returns the `data`
//!   (the client checks `result` on every answer), and a listing that takes `page` returns a
//!   `Listing` and gets a stream;
//! - `{domain}` is the client's domain id, not an argument;
//! - `return=total` is left out of the options: it replaces the listed items by their count;
//! - a request other than `GET` whose operation declares a body carries one, `{}` when there is
//!   nothing to send (Infomaniak: "All requests but GET must have a JSON encoded body"); the
//!   export's placeholder body `{"*": string}` means "no fields". Operations that declare no body
//!   send none (Prism, like the document, refuses a body there with 415).
//!
//! The export is repaired before use, in memory (and in the copy Prism serves, see
//! [`repaired_document`]), never in the vendor's file ([`repair`] lists each repair).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};
use xshell::Shell;

use super::emit::{self, EnumStyle, QueryStyle, Style};
use super::ir::Builder;
use super::ops::{self, Conventions, Envelope};
use super::{Mode, Rendered, reformat};

const TARGET: &str = "newsletter";
const MODELS: &str = "crates/cloud-infomaniak-newsletter/src/models.rs";
const OPERATIONS: &str = "crates/cloud-infomaniak-newsletter/src/operations.rs";

/// The `operationId` given to the one operation the export leaves without one.
const MISSING_IDS: &[(&str, &str, &str)] =
    &[("post", "/1/newsletters/{domain}/campaigns/{campaign}/test", "NewsletterSendTestCampaign")];

/// The variant keeping enum values this version does not know (several enums list `unknown`).
pub(crate) const CATCH_ALL: &str = "Other";

const CONVENTIONS: Conventions = Conventions {
    excluded_tag: None,
    id_prefix: "Newsletter",
    envelope: Some(Envelope { response: "Response", pagination: "Pagination" }),
    implicit_path: &["domain"],
    skipped_query: &["return"],
    empty_body_unless_get: true,
    budgets: |_, _, _| Vec::new(),
};

const STYLE: Style = Style {
    target: TARGET,
    api: "Infomaniak's Newsletter API",
    client: "NewsletterClient",
    catch_all: CATCH_ALL,
    enums: EnumStyle::Expanded,
    query: QueryStyle::Pairs,
    operations_imports: "use futures::stream::BoxStream;\n\nuse crate::client::{NewsletterClient, json_body};\n\
                         use crate::models::*;\nuse crate::operation::Operation;\n",
    budgets_in_table: false,
    errors_doc,
};

/// Generates (or checks) both files from the document at `spec`.
pub(crate) fn generate(sh: &Shell, spec: &Path, mode: Mode) -> Result<()> {
    render(sh, spec)?.apply(TARGET, mode)
}

/// Reads the document at `spec` and renders both files, formatted.
pub(crate) fn render(sh: &Shell, spec: &Path) -> Result<Rendered> {
    let doc = repaired_document(spec)?;
    let version = doc.pointer("/info/version").and_then(Value::as_str).unwrap_or("unknown").to_owned();
    let mut builder = Builder::new(&doc, BTreeMap::new()).with_catch_all(CATCH_ALL);
    let ops = ops::operations(&doc, &mut builder, &CONVENTIONS)?;
    let request_types = ops::request_side(&builder, &ops, true);
    let models = reformat(sh, &emit::models(&STYLE, &builder, &request_types, &version)?)?;
    let operations = reformat(sh, &emit::operations(&STYLE, &ops, &version))?;
    Ok(Rendered {
        files: vec![(MODELS, models), (OPERATIONS, operations)],
        operations: ops.len(),
        types: builder.defs.len(),
        version,
    })
}

/// The export at `spec`, repaired (see [`repair`]).
pub(crate) fn repaired_document(spec: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(spec).with_context(|| format!("reading {}", spec.display()))?;
    let mut doc: Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", spec.display()))?;
    repair(&mut doc)?;
    check_repaired(&doc)?;
    Ok(doc)
}

/// Repairs the export's defects, each idempotently:
/// 1. `components.responses` holds 22 shared answers that no operation uses, 13 of them through
///    dangling references (`#/components/schemas/Error`, `AppError`, `ApiError`,
///    `SuccessResponse`, `TotalSuccessResponse`, `PaginatedSuccessResponse`), which OpenAPI tools
///    such as Prism refuse: they are removed.
/// 2. `POST /1/newsletters/{domain}/campaigns/{campaign}/test` has no `operationId`: it gets
///    `NewsletterSendTestCampaign` ([`MISSING_IDS`]).
/// 3. `GET …/campaigns/{campaign}/report/activity` declares the query parameter `order_by` twice
///    (its own, with the sortable fields, and the shared one): the first is kept.
/// 4. The export is cut from a document of every Infomaniak product: component schemas no
///    operation reaches (kChat, AI, calendar …) are removed, and the `78d6c681_` prefix of the
///    newsletter's own schema names is dropped (`78d6c681_Campaign` → `Campaign`).
pub(crate) fn repair(doc: &mut Value) -> Result<()> {
    let root = doc.as_object_mut().context("the document is not an object")?;
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        components.remove("responses");
    }
    for (method, path, id) in MISSING_IDS {
        let op = doc
            .pointer_mut(&format!("/paths/{}/{method}", path.replace('~', "~0").replace('/', "~1")))
            .and_then(Value::as_object_mut)
            .with_context(|| format!("no {method} {path} in the document"))?;
        op.entry("operationId").or_insert_with(|| Value::String((*id).to_owned()));
    }
    dedupe_parameters(doc);
    prune_and_rename(doc)
}

/// Keeps the first of parameters declared twice (same name and location) in one operation.
fn dedupe_parameters(doc: &mut Value) {
    let components = doc.pointer("/components/parameters").cloned().unwrap_or(Value::Null);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        for op in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else { continue };
            let mut seen = BTreeSet::new();
            params.retain(|p| {
                let resolved = match p.get("$ref").and_then(Value::as_str) {
                    Some(r) => {
                        r.strip_prefix("#/components/parameters/").and_then(|name| components.get(name)).unwrap_or(p)
                    }
                    None => p,
                };
                let key = (
                    resolved.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    resolved.get("in").and_then(Value::as_str).unwrap_or_default().to_owned(),
                );
                seen.insert(key)
            });
        }
    }
}

fn prune_and_rename(doc: &mut Value) -> Result<()> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .context("the document has no component schemas")?
        .clone();
    // Schemas reachable from the paths (and from the parameters they use).
    let mut reached = BTreeSet::new();
    let mut todo: Vec<String> = Vec::new();
    let mut roots = Vec::new();
    roots.extend(doc.get("paths").cloned());
    roots.extend(doc.pointer("/components/parameters").cloned());
    for root in &roots {
        refs(root, &mut todo);
    }
    while let Some(name) = todo.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        let schema = schemas.get(&name).with_context(|| format!("dangling $ref to schema {name}"))?;
        refs(schema, &mut todo);
    }
    let mut renames = BTreeMap::new();
    for name in &reached {
        let short = strip_hash_prefix(name);
        if short != name && !schemas.contains_key(short) && !renames.values().any(|v: &String| v == short) {
            renames.insert(name.clone(), short.to_owned());
        }
    }
    let mut kept = Map::new();
    for name in &reached {
        let new = renames.get(name).unwrap_or(name);
        kept.insert(new.clone(), schemas[name].clone());
    }
    if let Some(slot) = doc.pointer_mut("/components/schemas") {
        *slot = Value::Object(kept);
    }
    rewrite_refs(doc, &renames);
    Ok(())
}

/// The schema names `value` refers to.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref"
                    && let Some(name) = inner.as_str().and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_owned());
                }
                refs(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

fn rewrite_refs(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "$ref"
                    && let Some(name) = inner.as_str().and_then(|r| r.strip_prefix("#/components/schemas/"))
                    && let Some(new) = renames.get(name)
                {
                    *inner = Value::String(format!("#/components/schemas/{new}"));
                } else {
                    rewrite_refs(inner, renames);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rewrite_refs(i, renames)),
        _ => {}
    }
}

/// `78d6c681_Campaign` → `Campaign`: the export's per-product prefix (eight hex digits).
fn strip_hash_prefix(name: &str) -> &str {
    match name.split_once('_') {
        Some((hash, rest)) if hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()) && !rest.is_empty() => {
            rest
        }
        _ => name,
    }
}

fn errors_doc(statuses: &[u16]) -> String {
    let mut lines = vec![
        "- `Service` (or the kind of Infomaniak's error code) for an answer whose envelope says \
         `\"result\": \"error\"`, whatever its status; the code and description are kept (see \
         [`crate::api_error`]);"
            .to_owned(),
    ];
    for status in statuses {
        let line = match status {
            400 => "- `InvalidInput` (400): the request was refused as invalid;",
            401 => "- `Unauthenticated` (401): the token is missing, invalid or expired;",
            403 => "- `PermissionDenied` (403): the token does not grant access to this domain;",
            404 => "- `NotFound` (404): the resource does not exist;",
            500 => "- `Service` (500): Infomaniak failed to handle the request;",
            _ => continue,
        };
        lines.push(line.to_owned());
    }
    lines.push("- `RateLimited` after the client's retries when the 60 requests per minute are exceeded;".to_owned());
    lines.push("- `Timeout`, `Dispatch` and `ResponseInvalid` for transport failures.".to_owned());
    lines.join("\n")
}

/// Fails when `doc` still has a reference that points nowhere (what Prism refuses).
pub(crate) fn dangling_refs(doc: &Value) -> Vec<String> {
    let mut all = Vec::new();
    collect_any_refs(doc, &mut all);
    all.into_iter()
        .filter(|r| r.strip_prefix('#').is_none_or(|pointer| doc.pointer(pointer).is_none()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn collect_any_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref"
                    && let Some(r) = inner.as_str()
                {
                    out.push(r.to_owned());
                }
                collect_any_refs(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_any_refs(i, out)),
        _ => {}
    }
}

/// Checks the repair on the real export: no dangling reference, every operation named.
pub(crate) fn check_repaired(doc: &Value) -> Result<()> {
    let dangling = dangling_refs(doc);
    if !dangling.is_empty() {
        bail!("the repaired document still has dangling references: {dangling:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn repair_removes_dangling_references_names_operations_and_prunes() {
        let mut doc = json!({
            "paths": {
                "/1/newsletters/{domain}/campaigns/{campaign}/test": {"post": {"responses": {"200": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/78d6c681_Campaign"}}}}}}}
            },
            "components": {
                "schemas": {
                    "78d6c681_Campaign": {"type": "object", "properties": {"group": {"$ref": "#/components/schemas/78d6c681_Group"}}},
                    "78d6c681_Group": {"type": "object"},
                    "38cb7293_Channel": {"type": "object"}
                },
                "responses": {"0": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
            }
        });
        assert!(!dangling_refs(&doc).is_empty());
        repair(&mut doc).unwrap();
        assert!(dangling_refs(&doc).is_empty(), "{:?}", dangling_refs(&doc));
        let names: Vec<&String> = doc["components"]["schemas"].as_object().unwrap().keys().collect();
        assert_eq!(names, ["Campaign", "Group"]);
        assert_eq!(
            doc["components"]["schemas"]["Campaign"]["properties"]["group"]["$ref"],
            "#/components/schemas/Group"
        );
        let op = &doc["paths"]["/1/newsletters/{domain}/campaigns/{campaign}/test"]["post"];
        assert_eq!(op["operationId"], "NewsletterSendTestCampaign");
        // Twice is the same as once.
        let once = doc.clone();
        repair(&mut doc).unwrap();
        assert_eq!(doc, once);
    }

    #[test]
    fn hash_prefixes() {
        assert_eq!(strip_hash_prefix("78d6c681_Campaign"), "Campaign");
        assert_eq!(strip_hash_prefix("Pagination"), "Pagination");
        assert_eq!(strip_hash_prefix("some_name"), "some_name");
    }
}
