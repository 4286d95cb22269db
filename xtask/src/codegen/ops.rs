//! The operations of an OpenAPI document in the intermediate representation: parameters, request
//! body, answer type and pagination of each, with their Rust types from [`super::ir::Builder`].
//!
//! What differs between APIs is said by [`Conventions`], never by a second parser:
//! - Coda answers bare JSON and paginates with `pageToken`/`nextPageToken`;
//! - Infomaniak wraps every answer in an envelope (`allOf: [Response, {data: …}, Pagination?]`),
//!   the operation's type is the envelope's `data`, and listings paginate with `page`/`per_page`.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::ir::{Builder, Field, Shape, Ty, TypeDef, ref_name};
use super::rust::{first_paragraph, pascal, snake};

/// How one API shapes its operations.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conventions {
    /// Operations with this first tag are left out.
    pub(crate) excluded_tag: Option<&'static str>,
    /// Stripped from the start of `operationId`s to name methods and types (`Newsletter`).
    pub(crate) id_prefix: &'static str,
    /// The envelope every answer is wrapped in, if any.
    pub(crate) envelope: Option<Envelope>,
    /// Path parameters the client fills in itself (not method arguments).
    pub(crate) implicit_path: &'static [&'static str],
    /// Query parameters left out of the options (with the reason in the target's docs).
    pub(crate) skipped_query: &'static [&'static str],
    /// Whether a request whose declared body has no fields (or whose optional body is not given)
    /// still sends `{}`, except for `GET`. Operations that declare no body send none.
    pub(crate) empty_body_unless_get: bool,
    /// The rate-limit budgets of an operation, from `(tag, operationId, METHOD)`.
    pub(crate) budgets: fn(&str, &str, &str) -> Vec<&'static str>,
}

/// An answer envelope: the component every answer is `allOf` with, and the pagination component.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Envelope {
    pub(crate) response: &'static str,
    pub(crate) pagination: &'static str,
}

/// A parameter of an operation.
#[derive(Debug)]
pub(crate) struct Param {
    pub(crate) json: String,
    pub(crate) rust: String,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    pub(crate) doc: Option<String>,
}

/// How a listing is paginated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Paging {
    /// Not a listing.
    None,
    /// `pageToken` in, `items` and `nextPageToken` out; the item type.
    Token(Ty),
    /// `page` (and `per_page`) in, the envelope's `data` array and its pagination fields out.
    Pages(Ty),
}

impl Paging {
    pub(crate) fn item(&self) -> Option<&Ty> {
        match self {
            Self::None => None,
            Self::Token(t) | Self::Pages(t) => Some(t),
        }
    }
}

/// One operation, with its Rust types.
#[derive(Debug)]
pub(crate) struct Op {
    pub(crate) id: String,
    /// The `operationId` without the API's prefix: what methods and types are named after.
    pub(crate) name: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) tag: String,
    pub(crate) summary: String,
    pub(crate) description: String,
    pub(crate) path_params: Vec<Param>,
    /// Path parameters the client fills in (see [`Conventions::implicit_path`]).
    pub(crate) implicit_path: Vec<String>,
    pub(crate) query: Vec<Param>,
    pub(crate) body: Option<(Ty, bool)>,
    /// Sends `{}` as the body (no body type, see [`Conventions::empty_body_unless_get`]).
    pub(crate) empty_body: bool,
    /// Sends `{}` when an optional body is not given.
    pub(crate) empty_body_when_unset: bool,
    /// The answer type (the envelope's `data` for enveloped APIs).
    pub(crate) response: Ty,
    pub(crate) paging: Paging,
    pub(crate) budgets: Vec<&'static str>,
    pub(crate) errors: Vec<u16>,
}

impl Op {
    pub(crate) fn rust_name(&self) -> String {
        snake(&self.name)
    }

    pub(crate) fn const_name(&self) -> String {
        format!("OP_{}", snake(&self.name).to_uppercase())
    }

    pub(crate) fn options(&self) -> Option<String> {
        self.query.iter().any(|q| !q.required).then(|| format!("{}Options", pascal(&self.name)))
    }
}

/// Every operation of the document (outside the excluded tag), in the order of the document's
/// tags, then path, then method.
pub(crate) fn operations(doc: &Value, builder: &mut Builder<'_>, conventions: &Conventions) -> Result<Vec<Op>> {
    let tag_order: Vec<&str> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(|t| t.get("name")?.as_str()).collect())
        .unwrap_or_default();
    let mut ops = Vec::new();
    let paths = doc.get("paths").and_then(Value::as_object).context("paths")?;
    for (path, item) in paths {
        let shared = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        for (method, op) in item.as_object().into_iter().flatten() {
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                continue;
            }
            let tag = op.pointer("/tags/0").and_then(Value::as_str).unwrap_or("").to_owned();
            if Some(tag.as_str()) == conventions.excluded_tag {
                continue;
            }
            let id = op.get("operationId").and_then(Value::as_str).context("operation without operationId")?;
            let parsed = operation(builder, conventions, path, method, &tag, id, op, &shared)
                .with_context(|| format!("in {id}"))?;
            ops.push(parsed);
        }
    }
    let rank = |tag: &str| tag_order.iter().position(|t| *t == tag).unwrap_or(usize::MAX);
    ops.sort_by(|a, b| (rank(&a.tag), &a.path, &a.method).cmp(&(rank(&b.tag), &b.path, &b.method)));
    let mut seen = BTreeSet::new();
    for op in &ops {
        if !seen.insert(op.rust_name()) {
            bail!("two operations would both be the method {}", op.rust_name());
        }
    }
    Ok(ops)
}

#[allow(clippy::too_many_arguments)]
fn operation(
    builder: &mut Builder<'_>,
    conventions: &Conventions,
    path: &str,
    method: &str,
    tag: &str,
    id: &str,
    op: &Value,
    shared: &[Value],
) -> Result<Op> {
    let name = id.strip_prefix(conventions.id_prefix).unwrap_or(id).to_owned();
    let op_pascal = pascal(&name);
    let mut path_params = Vec::new();
    let mut query = Vec::new();
    let params = shared.iter().chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten());
    for p in params {
        let p = builder.resolve(p)?.clone();
        let param_name = p.get("name").and_then(Value::as_str).context("parameter without name")?;
        let schema = p.get("schema").context("parameter without schema")?;
        let location = p.get("in").and_then(Value::as_str);
        if location == Some("query") && conventions.skipped_query.contains(&param_name) {
            continue;
        }
        let ty = if location == Some("path") && schema.get("oneOf").is_some() {
            // A path segment of several scalar types (`integer` or `string`) is taken as text.
            Ty::Str
        } else {
            builder.ty(schema, &format!("{op_pascal}{}", pascal(param_name)))?
        };
        let param = Param {
            json: param_name.to_owned(),
            rust: snake(param_name),
            ty,
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            doc: p
                .get("description")
                .or_else(|| p.get("x-sdk-description"))
                .and_then(Value::as_str)
                .map(first_paragraph),
        };
        match location {
            Some("path") => path_params.push(param),
            Some("query") => query.push(param),
            other => bail!("unsupported parameter location {other:?}"),
        }
    }
    // Path parameters in the order the path names them.
    let order: Vec<String> =
        path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(n, _)| n.to_owned()).collect();
    path_params.sort_by_key(|p| order.iter().position(|o| *o == p.json));
    if path_params.len() != order.len() {
        bail!("path {path} names {order:?} but declares {} path parameters", path_params.len());
    }
    let implicit_path: Vec<String> = path_params
        .iter()
        .filter(|p| conventions.implicit_path.contains(&p.json.as_str()))
        .map(|p| p.json.clone())
        .collect();
    path_params.retain(|p| !implicit_path.contains(&p.json));

    let upper = method.to_uppercase();
    let mut placeholder_body = false;
    let mut body = match op.get("requestBody") {
        Some(rb) => {
            let rb = builder.resolve(rb)?.clone();
            let schema = rb
                .pointer("/content/application~1json/schema")
                .context("request body without an application/json schema")?;
            if conventions.empty_body_unless_get && !has_real_properties(schema) {
                // `{properties: {"*": …}}`: the export's placeholder for "no fields".
                placeholder_body = true;
                None
            } else {
                let ty = builder.ty(schema, &format!("{op_pascal}Request"))?;
                let declared = rb.get("required").and_then(Value::as_bool).unwrap_or(false);
                // A body with required fields is required, whatever `requestBody.required` says.
                let has_required = conventions.empty_body_unless_get
                    && builder
                        .resolve(schema)?
                        .get("required")
                        .and_then(Value::as_array)
                        .is_some_and(|r| !r.is_empty());
                Some((ty, declared || has_required))
            }
        }
        None => None,
    };
    let empty_body = placeholder_body && upper != "GET";
    if conventions.empty_body_unless_get && upper == "GET" {
        // A body on a GET is not sent (HTTP gives it no meaning).
        body = None;
    }

    let responses = op.get("responses").and_then(Value::as_object).context("responses")?;
    let (_, success) = responses.iter().find(|(code, _)| code.starts_with('2')).context("no 2xx response")?;
    let success = builder.resolve(success)?.clone();
    let schema = success.pointer("/content/application~1json/schema").context("2xx response without JSON schema")?;
    let errors: Vec<u16> = responses.keys().filter_map(|c| c.parse().ok()).filter(|c| *c >= 400).collect();

    let (response, paging) = match conventions.envelope {
        None => {
            let response = builder.ty(schema, &format!("{op_pascal}Response"))?;
            let has_page_token = query.iter().any(|q| q.json == "pageToken");
            let item = if has_page_token { list_item(builder, &response)? } else { None };
            if has_page_token && item.is_none() {
                bail!("takes pageToken but its response has no items and nextPageToken");
            }
            (response, item.map_or(Paging::None, Paging::Token))
        }
        Some(envelope) => {
            let (data, paginated) = enveloped(builder, envelope, schema)?;
            let data = match data {
                Some(data) => builder.ty(&data, &format!("{op_pascal}Data"))?,
                None => Ty::Json,
            };
            let takes_page = query.iter().any(|q| q.json == "page");
            let paging = match &data {
                Ty::Vec(item) if paginated && takes_page => Paging::Pages((**item).clone()),
                // A listing whose items the document does not describe.
                Ty::Json if paginated && takes_page => Paging::Pages(Ty::Json),
                _ => Paging::None,
            };
            (data, paging)
        }
    };

    Ok(Op {
        id: id.to_owned(),
        budgets: (conventions.budgets)(tag, id, &upper),
        method: upper,
        path: path.to_owned(),
        tag: tag.to_owned(),
        summary: op.get("summary").and_then(Value::as_str).unwrap_or(id).to_owned(),
        description: op.get("description").and_then(Value::as_str).map(first_paragraph).unwrap_or_default(),
        name,
        path_params,
        implicit_path,
        query,
        body,
        empty_body,
        empty_body_when_unset: conventions.empty_body_unless_get,
        response,
        paging,
        errors,
    })
}

/// Whether an object schema declares at least one property other than the `*` placeholder.
fn has_real_properties(schema: &Value) -> bool {
    schema.get("properties").and_then(Value::as_object).is_some_and(|p| p.keys().any(|k| k != "*"))
        || schema.get("$ref").is_some()
        || schema.get("allOf").is_some()
}

/// The `data` schema of an enveloped answer (`None` when the answer declares none) and whether
/// it carries the pagination fields.
fn enveloped(builder: &Builder<'_>, envelope: Envelope, schema: &Value) -> Result<(Option<Value>, bool)> {
    let members = schema.get("allOf").and_then(Value::as_array).context("an answer that is not allOf the envelope")?;
    let mut wrapped = false;
    let mut paginated = false;
    let mut data = None;
    for member in members {
        match ref_name(member) {
            Some(name) if name == envelope.response => wrapped = true,
            Some(name) if name == envelope.pagination => paginated = true,
            _ => {
                let member = builder.resolve(member)?;
                let props = member.get("properties").and_then(Value::as_object).context("an envelope member")?;
                for (key, value) in props {
                    if key != "data" || data.replace(value.clone()).is_some() {
                        bail!("unexpected envelope member property {key}");
                    }
                }
            }
        }
    }
    if !wrapped {
        bail!("the answer is not wrapped in {}", envelope.response);
    }
    Ok((data, paginated))
}

/// The item type of a listing response (`items` plus `nextPageToken`), if it is one.
fn list_item(builder: &Builder<'_>, response: &Ty) -> Result<Option<Ty>> {
    let Ty::Named(name) = response else { return Ok(None) };
    let Some(TypeDef { shape: Shape::Struct(fields), .. }) = builder.defs.get(name) else { return Ok(None) };
    let items = fields.iter().find(|f| f.json == "items");
    let token = fields.iter().any(|f| f.json == "nextPageToken" && f.ty == Ty::Str && !f.required);
    Ok(match items {
        Some(Field { ty: Ty::Vec(item), required: true, .. }) if token => Some((**item).clone()),
        _ => None,
    })
}

/// The generated types reachable from request bodies (and, with `query`, from query parameters):
/// they get constructors and setters.
pub(crate) fn request_side(builder: &Builder<'_>, ops: &[Op], query: bool) -> BTreeSet<String> {
    let mut todo: Vec<String> = ops.iter().filter_map(|o| o.body.as_ref()?.0.named().map(str::to_owned)).collect();
    if query {
        todo.extend(ops.iter().flat_map(|o| o.query.iter().filter_map(|q| q.ty.named().map(str::to_owned))));
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        match builder.defs.get(&name).map(|d| &d.shape) {
            Some(Shape::Struct(fields)) => todo.extend(fields.iter().filter_map(|f| f.ty.named().map(str::to_owned))),
            Some(Shape::Union { variants, .. }) => todo.extend(variants.iter().map(|v| v.ty.clone())),
            Some(Shape::Alias(ty)) => todo.extend(ty.named().map(str::to_owned)),
            _ => {}
        }
    }
    seen
}
