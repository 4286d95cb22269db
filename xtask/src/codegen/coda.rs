//! `cargo xtask codegen coda`: `cloud-coda`'s models and operations from Coda's OpenAPI document.
//!
//! Every operation outside the `Packs` tag is generated (64 in the 1.5.0 document). Two files come
//! out, both committed:
//! - `crates/cloud-coda/src/models.rs`: one Rust type per schema the operations use;
//! - `crates/cloud-coda/src/operations.rs`: the operation table, one `*Options` struct per operation
//!   with optional query parameters, and one `CodaClient` method per operation (plus a stream and a
//!   single-page method for each paginated listing).
//!
//! The document's quirks are handled here, never by editing the output:
//! - paths written `/docs/${docId}/domains` are read as `/docs/{docId}/domains`;
//! - `required` entries with a trailing comma (`"aiCredits,"`) are trimmed, and entries naming no
//!   property (`Table.viewId`) are ignored (see [`super::ir::required_names`]);
//! - `allOf` of closed objects is merged into one object (see [`super::ir`]);
//! - a request body offered in several content types is sent as `application/json`;
//! - fields and values Coda returns but the document omits are added before generation:
//!   `DocSize.baseTableCount` and the page type `table` ([`KNOWN_GAPS`]);
//! - every string enum keeps unknown values (`Unknown(String)`) and no struct rejects unknown fields,
//!   so the next undocumented value does not break a whole listing;
//! - deprecated required fields (`Doc.workspaceId`) are optional in Rust.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use xshell::Shell;

use super::emit::{self, EnumStyle, QueryStyle, Style};
use super::ir::Builder;
use super::ops::{self, Conventions};
use super::rust::pascal;
use super::{Mode, Rendered, reformat};

const TARGET: &str = "coda";
const MODELS: &str = "crates/cloud-coda/src/models.rs";
const OPERATIONS: &str = "crates/cloud-coda/src/operations.rs";

/// The tag whose operations are left out.
const EXCLUDED_TAG: &str = "Packs";

/// Schemas that become the hand-written `CellValue` (a JSON value with typed accessors).
const CELL_VALUE_SCHEMAS: &[&str] = &["CellValue", "RichSingleValue", "RichValue", "ScalarValue", "Value"];

/// Writes to doc content (pages' canvas), which Coda limits more tightly than other writes.
const DOC_CONTENT_WRITES: &[&str] = &["createPage", "updatePage", "deletePageContent"];

/// What Coda returns that its document does not declare, as `(JSON pointer, what to add)`.
///
/// - `DocSize.baseTableCount`: returned by `getDoc`/`listDocs` (reported by the `coda-api` crate's
///   spec patches, "because Coda returns them but the spec does not declare them").
/// - `PageType` value `table`: returned as `Page.contentType` for table pages (same source).
const KNOWN_GAPS: &[(&str, &str)] = &[
    ("/components/schemas/DocSize/properties/baseTableCount", "property"),
    ("/components/schemas/PageType/enum", "table"),
];

/// How Coda shapes its operations: bare JSON answers, `pageToken` pagination, five budgets.
const CONVENTIONS: Conventions = Conventions {
    excluded_tag: Some(EXCLUDED_TAG),
    id_prefix: "",
    envelope: None,
    implicit_path: &[],
    skipped_query: &[],
    empty_body_unless_get: false,
    budgets,
};

/// How `cloud-coda` is written.
const STYLE: Style = Style {
    target: TARGET,
    api: "the Coda API v1",
    client: "CodaClient",
    catch_all: "Unknown",
    enums: EnumStyle::Macro,
    query: QueryStyle::Single,
    operations_imports: "use futures::stream::BoxStream;\n\nuse crate::client::{CodaClient, json_body};\n\
                         use crate::models::*;\nuse crate::operation::{Budget, Operation};\nuse crate::query::QueryValue;\n",
    budgets_in_table: true,
    errors_doc,
};

/// The budgets an operation counts against (see `cloud_coda::Budget`).
fn budgets(tag: &str, id: &str, method: &str) -> Vec<&'static str> {
    if tag == "Analytics" {
        vec!["Analytics"]
    } else if id == "listDocs" {
        vec!["ListDocs"]
    } else if method == "GET" {
        vec!["Read"]
    } else if DOC_CONTENT_WRITES.contains(&id) {
        vec!["Write", "DocContent"]
    } else {
        vec!["Write"]
    }
}

fn errors_doc(statuses: &[u16]) -> String {
    let mut lines = Vec::new();
    for status in statuses {
        let line = match status {
            400 => {
                "- `InvalidInput` (400): the request did not conform (validation errors kept, see [`crate::validation_errors`]);"
            }
            401 => "- `Unauthenticated` (401): the token is missing, invalid or expired;",
            403 => "- `PermissionDenied` (403): the token does not grant access;",
            404 => "- `NotFound` (404): the resource does not exist or is not visible to the token;",
            410 => "- `Gone` (410): the resource has been deleted;",
            422 => "- `InvalidInput` (422): the request could not be processed;",
            429 => "- `RateLimited` (429): still rate limited after the client's retries;",
            _ => continue,
        };
        lines.push(line.to_owned());
    }
    lines.push("- `Timeout`, `Dispatch` and `ResponseInvalid` for transport failures.".to_owned());
    lines.join("\n")
}

/// Generates (or checks) both files from the document at `spec`.
pub(crate) fn generate(sh: &Shell, spec: &Path, mode: Mode) -> Result<()> {
    render(sh, spec)?.apply(TARGET, mode)
}

/// Reads the document at `spec` and renders both files, formatted.
pub(crate) fn render(sh: &Shell, spec: &Path) -> Result<Rendered> {
    let doc = normalized_document(spec)?;
    let version = doc.pointer("/info/version").and_then(Value::as_str).unwrap_or("unknown").to_owned();

    let overrides = CELL_VALUE_SCHEMAS.iter().map(|s| ((*s).to_owned(), "crate::CellValue".to_owned())).collect();
    let mut builder = Builder::new(&doc, overrides);
    let ops = ops::operations(&doc, &mut builder, &CONVENTIONS)?;
    let request_types = ops::request_side(&builder, &ops, false);

    let models = reformat(sh, &emit::models(&STYLE, &builder, &request_types, &version)?)?;
    let operations = reformat(sh, &emit::operations(&STYLE, &ops, &version))?;
    Ok(Rendered {
        files: vec![(MODELS, models), (OPERATIONS, operations)],
        operations: ops.len(),
        types: builder.defs.len(),
        version,
    })
}

/// The document at `spec`, with the fixes listed in the module docs.
pub(crate) fn normalized_document(spec: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(spec).with_context(|| format!("reading {}", spec.display()))?;
    let mut doc: Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", spec.display()))?;
    normalize(&mut doc)?;
    Ok(doc)
}

/// Applies the document fixes listed in the module docs.
fn normalize(doc: &mut Value) -> Result<()> {
    let paths = doc.get_mut("paths").and_then(Value::as_object_mut).context("document without paths")?;
    let odd: Vec<String> = paths.keys().filter(|k| k.contains("${")).cloned().collect();
    for old in odd {
        let new = old.replace("${", "{");
        let item = paths.remove(&old).unwrap_or(Value::Null);
        let slot = paths.entry(new.clone()).or_insert_with(|| json!({}));
        for (method, op) in item.as_object().into_iter().flatten() {
            if slot.get(method).is_some() {
                bail!("{old} and {new} both define {method}");
            }
            slot[method] = op.clone();
        }
    }
    for (pointer, what) in KNOWN_GAPS {
        match *what {
            "property" => {
                let (parent, name) = pointer.rsplit_once('/').context("gap pointer")?;
                if let Some(props) = doc.pointer_mut(parent).and_then(Value::as_object_mut) {
                    props.entry(name.to_owned()).or_insert_with(|| {
                        json!({"type": "number", "description": "The number of base tables in the doc (returned by Coda, not declared by its API document)."})
                    });
                }
            }
            value => {
                if let Some(values) = doc.pointer_mut(pointer).and_then(Value::as_array_mut)
                    && !values.iter().any(|v| v == value)
                {
                    values.push(Value::String(value.to_owned()));
                    let names_pointer = pointer.replace("/enum", "/x-tsEnumNames");
                    if let Some(names) = doc.pointer_mut(&names_pointer).and_then(Value::as_array_mut) {
                        names.push(Value::String(pascal(value)));
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_fixes_the_documented_quirks() {
        let mut doc = json!({
            "paths": {
                "/docs/${docId}/domains": {"get": {"operationId": "list"}},
                "/docs/{docId}/domains": {"post": {"operationId": "add"}}
            },
            "components": {"schemas": {
                "DocSize": {"type": "object", "properties": {"pageCount": {"type": "number"}}},
                "PageType": {"type": "string", "enum": ["canvas"], "x-tsEnumNames": ["Canvas"]}
            }}
        });
        normalize(&mut doc).unwrap();
        let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
        assert_eq!(paths, ["/docs/{docId}/domains"]);
        assert_eq!(doc["paths"]["/docs/{docId}/domains"]["get"]["operationId"], "list");
        assert_eq!(doc["paths"]["/docs/{docId}/domains"]["post"]["operationId"], "add");
        assert_eq!(doc["components"]["schemas"]["DocSize"]["properties"]["baseTableCount"]["type"], "number");
        assert_eq!(doc["components"]["schemas"]["PageType"]["enum"], json!(["canvas", "table"]));
        assert_eq!(doc["components"]["schemas"]["PageType"]["x-tsEnumNames"], json!(["Canvas", "Table"]));
        // Twice is the same as once.
        let once = doc.clone();
        normalize(&mut doc).unwrap();
        assert_eq!(doc, once);
    }

    #[test]
    fn the_same_path_and_method_twice_is_an_error() {
        let mut doc = json!({"paths": {
            "/docs/${docId}/domains": {"get": {"operationId": "a"}},
            "/docs/{docId}/domains": {"get": {"operationId": "b"}}
        }});
        assert!(normalize(&mut doc).is_err());
    }
}
