//! A validator for the part of OpenAPI 3.0/3.1 schemas that Coda's and Infomaniak's documents use.
//!
//! It checks `type`, `enum`, `format` (`date-time`, `date`, `url`, `email`), `properties`,
//! `required`, `additionalProperties` (`false` or a schema), `items`, `nullable`, `minimum`,
//! `maximum`, `maxLength`, `$ref`, `allOf`, `oneOf`/`anyOf` and `discriminator`, with OpenAPI's
//! readings where they differ from JSON Schema:
//! - `allOf` is composition: the members' properties, `required` lists and closedness are merged,
//!   so `additionalProperties: false` in a member does not reject the other members' properties;
//! - `oneOf` is checked as "at least one branch" (Coda's `CellValue = oneOf[Value, RichValue]`
//!   overlaps for plain values), or as the branch the discriminator selects;
//! - `required` entries are trimmed of stray commas, and names that are not properties are ignored
//!   (the document requires `Table.viewId`, which it never declares, in a closed object).

use std::collections::BTreeMap;

use serde_json::Value;

/// Validates instances against the schemas of one OpenAPI document.
#[derive(Debug, Clone, Copy)]
pub struct Validator<'a> {
    doc: &'a Value,
}

/// The merged object view of a schema (through `allOf`).
#[derive(Debug, Default)]
struct ObjectView<'a> {
    properties: BTreeMap<String, &'a Value>,
    required: Vec<String>,
    closed: bool,
    additional: Option<&'a Value>,
}

impl<'a> Validator<'a> {
    /// A validator of the schemas of `doc` (an OpenAPI document).
    pub fn new(doc: &'a Value) -> Self {
        Self { doc }
    }

    /// Follows `$ref`s to the schema they name.
    pub fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(r) = schema.get("$ref").and_then(Value::as_str) else { return schema };
            let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {r}"));
            schema = self.doc.pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {r}"));
        }
        panic!("$ref cycle")
    }

    /// Every problem of `instance` against `schema`, as `path: problem` lines; empty when valid.
    pub fn problems(&self, schema: &'a Value, instance: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        self.check(schema, instance, "$", &mut problems);
        problems
    }

    fn check(&self, schema: &'a Value, instance: &Value, path: &str, problems: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if instance.is_null() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
            return;
        }
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            let mut view = ObjectView::default();
            let mut object_like = false;
            for member in members {
                let member = self.resolve(member);
                if is_object_neutral(member) {
                    // `{additionalProperties: false}` beside a `$ref` to a string enum constrains nothing.
                    if instance.is_object() {
                        self.merge_view_own(member, &mut view);
                    }
                    continue;
                }
                if self.is_object_like(member) {
                    object_like = true;
                    self.merge_view(member, &mut view);
                } else {
                    self.check(member, instance, path, problems);
                }
            }
            if object_like {
                self.merge_view_own(schema, &mut view);
                self.check_object(&view, instance, path, problems);
            }
            return;
        }
        if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
            self.check_union(schema, instance, path, problems);
            return;
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array)
            && !values.contains(instance)
        {
            problems.push(format!("{path}: {instance} is not one of {}", Value::Array(values.clone())));
            return;
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => match instance.as_str() {
                Some(s) => self.check_string(schema, s, path, problems),
                None => problems.push(format!("{path}: expected a string, got {instance}")),
            },
            Some("integer") => match instance.as_f64() {
                Some(n) if n.fract() == 0.0 => self.check_number(schema, n, path, problems),
                _ => problems.push(format!("{path}: expected an integer, got {instance}")),
            },
            Some("number") => match instance.as_f64() {
                Some(n) => self.check_number(schema, n, path, problems),
                None => problems.push(format!("{path}: expected a number, got {instance}")),
            },
            Some("boolean") if !instance.is_boolean() => {
                problems.push(format!("{path}: expected a boolean, got {instance}"));
            }
            Some("array") => match instance.as_array() {
                Some(items) => {
                    // An array without `items` accepts any items.
                    if let Some(item_schema) = schema.get("items") {
                        for (i, item) in items.iter().enumerate() {
                            self.check(item_schema, item, &format!("{path}[{i}]"), problems);
                        }
                    }
                }
                None => problems.push(format!("{path}: expected an array, got {instance}")),
            },
            Some("object") | None if self.is_object_like(schema) => {
                let mut view = ObjectView::default();
                self.merge_view(schema, &mut view);
                self.check_object(&view, instance, path, problems);
            }
            Some("object") if !instance.is_object() => {
                problems.push(format!("{path}: expected an object, got {instance}"));
            }
            Some("boolean" | "object") | None => {}
            Some(other) => problems.push(format!("{path}: unsupported schema type {other}")),
        }
    }

    fn check_string(&self, schema: &Value, s: &str, path: &str, problems: &mut Vec<String>) {
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && s.chars().count() as u64 > max
        {
            problems.push(format!("{path}: {s:?} is longer than {max}"));
        }
        let ok = match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => is_date_time(s),
            Some("date") => is_date(s),
            Some("url") => s.starts_with("https://") || s.starts_with("http://"),
            Some("email") => s.contains('@') && !s.starts_with('@') && !s.ends_with('@'),
            _ => true,
        };
        if !ok {
            let format = schema["format"].as_str().unwrap_or_default();
            problems.push(format!("{path}: {s:?} is not a valid {format}"));
        }
    }

    fn check_number(&self, schema: &Value, n: f64, path: &str, problems: &mut Vec<String>) {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            problems.push(format!("{path}: {n} is below the minimum {min}"));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            problems.push(format!("{path}: {n} is above the maximum {max}"));
        }
    }

    fn check_union(&self, schema: &'a Value, instance: &Value, path: &str, problems: &mut Vec<String>) {
        let branches: Vec<&'a Value> =
            schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array).unwrap().iter().collect();
        let mut candidates = branches.clone();
        if let Some(disc) = schema.get("discriminator")
            && let Some(tag_name) = disc.get("propertyName").and_then(Value::as_str)
            && let Some(tag) = instance.get(tag_name).and_then(Value::as_str)
        {
            let mapped = disc.pointer(&format!("/mapping/{tag}")).and_then(Value::as_str);
            candidates = match mapped {
                Some(target) => {
                    branches.iter().copied().filter(|b| b.get("$ref").and_then(Value::as_str) == Some(target)).collect()
                }
                None => branches
                    .iter()
                    .copied()
                    .filter(|b| {
                        let implicit =
                            b.get("$ref").and_then(Value::as_str).is_some_and(|r| r.ends_with(&format!("/{tag}")));
                        implicit || self.tag_values(b, tag_name).is_none_or(|values| values.iter().any(|v| v == tag))
                    })
                    .collect(),
            };
            if candidates.is_empty() {
                problems.push(format!("{path}: no member of the union accepts {tag_name} {tag:?}"));
                return;
            }
        }
        let mut best: Option<Vec<String>> = None;
        for branch in candidates {
            let found = self.problems_at(branch, instance, path);
            if found.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| found.len() < b.len()) {
                best = Some(found);
            }
        }
        problems.push(format!("{path}: matches no branch of the union; the closest branch says:"));
        problems.extend(best.unwrap_or_default().into_iter().map(|p| format!("  {p}")));
    }

    fn problems_at(&self, schema: &'a Value, instance: &Value, path: &str) -> Vec<String> {
        let mut problems = Vec::new();
        self.check(schema, instance, path, &mut problems);
        problems
    }

    /// The values a union member allows for its tag property (`None` if it does not restrict it).
    fn tag_values(&self, member: &'a Value, tag: &str) -> Option<Vec<String>> {
        let mut view = ObjectView::default();
        let member = self.resolve(member);
        if member.get("oneOf").is_some() {
            return None;
        }
        self.merge_view(member, &mut view);
        let prop = self.resolve(view.properties.get(tag)?);
        prop.get("enum")
            .and_then(Value::as_array)
            .map(|values| values.iter().filter_map(Value::as_str).map(str::to_owned).collect())
    }

    fn is_object_like(&self, schema: &Value) -> bool {
        schema.get("properties").is_some()
            || schema.get("additionalProperties").is_some_and(|_| !is_object_neutral(schema))
            || schema.get("type").and_then(Value::as_str) == Some("object")
            || schema
                .get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|members| members.iter().any(|m| self.is_object_like(self.resolve(m))))
    }

    fn merge_view(&self, schema: &'a Value, view: &mut ObjectView<'a>) {
        let schema = self.resolve(schema);
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            for member in members {
                let member = self.resolve(member);
                if self.is_object_like(member) || is_object_neutral(member) {
                    self.merge_view(member, view);
                }
            }
        }
        self.merge_view_own(schema, view);
    }

    fn merge_view_own(&self, schema: &'a Value, view: &mut ObjectView<'a>) {
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                view.properties.insert(name.clone(), prop);
            }
        }
        for r in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let name = r.as_str().unwrap_or_default().trim().trim_end_matches(',').to_owned();
            if !name.is_empty() && !view.required.contains(&name) {
                view.required.push(name);
            }
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => view.closed = true,
            Some(extra @ Value::Object(_)) => view.additional = Some(extra),
            _ => {}
        }
    }

    fn check_object(&self, view: &ObjectView<'a>, instance: &Value, path: &str, problems: &mut Vec<String>) {
        let Some(object) = instance.as_object() else {
            problems.push(format!("{path}: expected an object, got {instance}"));
            return;
        };
        for name in &view.required {
            if view.properties.contains_key(name) && !object.contains_key(name) {
                problems.push(format!("{path}: missing required property {name:?}"));
            }
        }
        for (name, value) in object {
            let here = format!("{path}.{name}");
            if let Some(prop) = view.properties.get(name) {
                self.check(prop, value, &here, problems);
            } else if let Some(extra) = view.additional {
                self.check(extra, value, &here, problems);
            } else if view.closed {
                problems.push(format!("{path}: unknown property {name:?}"));
            }
        }
    }
}

/// A schema that says nothing but `additionalProperties` (and prose): it constrains objects only.
fn is_object_neutral(schema: &Value) -> bool {
    schema.as_object().is_some_and(|o| {
        o.contains_key("additionalProperties")
            && o.keys()
                .all(|k| matches!(k.as_str(), "additionalProperties" | "description" | "example" | "x-schema-name"))
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
fn is_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}
