//! From OpenAPI 3.0 schemas to a small intermediate representation of Rust types.
//!
//! The builder reads schemas as OpenAPI means them, which is looser than JSON Schema:
//! - `allOf` is composition: the members' properties and `required` lists are merged into one
//!   object, even when each member says `additionalProperties: false` (a strict JSON-Schema reading
//!   would accept no instance at all). Members that add nothing (`{type: object,
//!   additionalProperties: false}` or a bare `{type: string}` beside a `$ref`) are dropped, so
//!   `allOf: [{…closed empty object…}, {$ref: X}]` is simply `X`.
//! - `oneOf` of scalars becomes an untagged enum; `oneOf` with a `discriminator` becomes a tagged
//!   union (explicit `mapping` first, then each member's constant tag, then the member's name
//!   without the union's common prefix and suffix, as OpenAPI's implicit mapping intends); any other
//!   `oneOf` becomes raw JSON.
//! - A `required` entry naming no property is ignored; a required but `deprecated` or `nullable`
//!   property is optional in Rust.
//! - A single-value string enum with `x-tsType: "Enum.Value"` takes the type of the component
//!   `Enum`; such a required field is a constant that constructors fill in.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use super::rust::{field_name, lower_camel, pascal, words};

/// A Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Bool,
    Int,
    UInt,
    Num,
    DateTime,
    Date,
    /// Any JSON value.
    Json,
    /// A JSON object of anything.
    JsonMap,
    /// A generated type.
    Named(String),
    /// A hand-written type, by path.
    External(String),
    Vec(Box<Self>),
    /// A string-keyed map.
    Map(Box<Self>),
}

impl Ty {
    /// The Rust spelling.
    pub(crate) fn rust(&self) -> String {
        match self {
            Self::Str => "String".to_owned(),
            Self::Bool => "bool".to_owned(),
            Self::Int => "i64".to_owned(),
            Self::UInt => "u64".to_owned(),
            Self::Num => "f64".to_owned(),
            Self::DateTime => "chrono::DateTime<chrono::Utc>".to_owned(),
            Self::Date => "chrono::NaiveDate".to_owned(),
            Self::Json => "serde_json::Value".to_owned(),
            Self::JsonMap => "serde_json::Map<String, serde_json::Value>".to_owned(),
            Self::Named(n) | Self::External(n) => n.clone(),
            Self::Vec(t) => format!("Vec<{}>", t.rust()),
            Self::Map(t) => format!("std::collections::BTreeMap<String, {}>", t.rust()),
        }
    }

    /// The generated type this type is or holds, if any.
    pub(crate) fn named(&self) -> Option<&str> {
        match self {
            Self::Named(n) => Some(n),
            Self::Vec(t) | Self::Map(t) => t.named(),
            _ => None,
        }
    }
}

/// A field of a struct.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) json: String,
    pub(crate) rust: String,
    pub(crate) ty: Ty,
    /// Required in Rust (present, not deprecated, not nullable).
    pub(crate) required: bool,
    /// The enum variant this field always holds, for single-value enums.
    pub(crate) constant: Option<String>,
    pub(crate) doc: Option<String>,
    pub(crate) deprecated: bool,
}

/// One value of a string enum.
#[derive(Debug, Clone)]
pub(crate) struct EnumValue {
    pub(crate) json: String,
    pub(crate) variant: String,
}

/// One member of a tagged union.
#[derive(Debug, Clone)]
pub(crate) struct UnionVariant {
    pub(crate) variant: String,
    pub(crate) ty: String,
    pub(crate) tags: Vec<String>,
}

/// The shape of a generated type.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    Struct(Vec<Field>),
    Enum(Vec<EnumValue>),
    Union { tag: String, variants: Vec<UnionVariant> },
    Scalar(Vec<(String, Ty)>),
    Alias(Ty),
}

/// A generated type.
#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub(crate) name: String,
    pub(crate) doc: Option<String>,
    pub(crate) shape: Shape,
}

/// Builds [`TypeDef`]s on demand from a document's component schemas.
#[derive(Debug)]
pub(crate) struct Builder<'a> {
    doc: &'a Value,
    /// Component schemas mapped to hand-written types.
    overrides: BTreeMap<String, String>,
    pub(crate) defs: BTreeMap<String, TypeDef>,
    in_progress: BTreeSet<String>,
    /// Inline types: their name and the component or path they were found at, to catch clashes.
    origins: BTreeMap<String, String>,
    /// The variant string enums keep unknown values in (no value of the document may take it).
    catch_all: &'static str,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(doc: &'a Value, overrides: BTreeMap<String, String>) -> Self {
        Self {
            doc,
            overrides,
            defs: BTreeMap::new(),
            in_progress: BTreeSet::new(),
            origins: BTreeMap::new(),
            catch_all: "Unknown",
        }
    }

    /// Names the variant that keeps unknown enum values (`Unknown` by default), for an API whose
    /// enums list a value `unknown` of their own.
    pub(crate) fn with_catch_all(mut self, variant: &'static str) -> Self {
        self.catch_all = variant;
        self
    }

    /// The component schema named `name`.
    pub(crate) fn component(&self, name: &str) -> Result<&'a Value> {
        self.doc
            .pointer(&format!("/components/schemas/{}", pointer_escape(name)))
            .with_context(|| format!("no component schema {name}"))
    }

    /// Follows `$ref`s (of any component kind) to the value they name.
    pub(crate) fn resolve<'s>(&self, mut value: &'s Value) -> Result<&'s Value>
    where
        'a: 's,
    {
        for _ in 0..32 {
            let Some(r) = value.get("$ref").and_then(Value::as_str) else { return Ok(value) };
            let pointer = r.strip_prefix('#').with_context(|| format!("external $ref {r}"))?;
            value = self.doc.pointer(pointer).with_context(|| format!("dangling $ref {r}"))?;
        }
        bail!("$ref cycle")
    }

    /// The Rust type of `schema`; inline objects and enums are defined under `hint`.
    pub(crate) fn ty(&mut self, schema: &Value, hint: &str) -> Result<Ty> {
        if let Some(name) = ref_name(schema) {
            return self.named(name);
        }
        if schema.get("allOf").is_some() {
            return match self.flatten(schema)? {
                Flat::Ref(v) => {
                    let v = v.clone();
                    self.ty(&v, hint)
                }
                Flat::Merged(obj) => self.ty(&obj, hint),
            };
        }
        if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
            return self.one_of(schema, hint);
        }
        let ty = schema.get("type").and_then(Value::as_str);
        Ok(match ty {
            Some("string") => {
                if schema.get("enum").is_some() {
                    if let Some((component, _)) = self.ts_enum(schema)? {
                        return Ok(Ty::Named(component));
                    }
                    self.define(hint, schema, Kind::Enum)?;
                    Ty::Named(hint.to_owned())
                } else {
                    match schema.get("format").and_then(Value::as_str) {
                        Some("date-time") => Ty::DateTime,
                        Some("date") => Ty::Date,
                        _ => Ty::Str,
                    }
                }
            }
            Some("integer") => {
                if schema.get("minimum").and_then(Value::as_f64).is_some_and(|m| m >= 0.0) {
                    Ty::UInt
                } else {
                    Ty::Int
                }
            }
            Some("number") => Ty::Num,
            Some("boolean") => Ty::Bool,
            Some("array") => match schema.get("items") {
                Some(items) => Ty::Vec(Box::new(self.ty(items, &format!("{hint}Item"))?)),
                // An array whose items the document does not describe.
                None => Ty::Vec(Box::new(Ty::Json)),
            },
            Some("object") | None => {
                let props = schema.get("properties").and_then(Value::as_object);
                let additional = schema.get("additionalProperties");
                let closed = additional == Some(&Value::Bool(false));
                if props.is_some_and(|p| !p.is_empty()) || closed {
                    self.define(hint, schema, Kind::Object)?;
                    Ty::Named(hint.to_owned())
                } else if let Some(inner) = additional.filter(|a| a.is_object()) {
                    Ty::Map(Box::new(self.ty(inner, &format!("{hint}Value"))?))
                } else if ty == Some("object") || props.is_some() {
                    Ty::JsonMap
                } else {
                    Ty::Json
                }
            }
            Some(other) => bail!("unsupported schema type {other}"),
        })
    }

    /// The type of the component schema `name`, defining it on first use.
    pub(crate) fn named(&mut self, name: &str) -> Result<Ty> {
        if let Some(path) = self.overrides.get(name).cloned() {
            // Still define what the component refers to: hand-written helpers use those types.
            let schema = self.component(name)?;
            self.walk_children(schema)?;
            return Ok(Ty::External(path));
        }
        let schema = self.component(name)?;
        if is_primitive_alias(schema) {
            return self.ty(schema, name);
        }
        if schema.get("allOf").is_some()
            && let Flat::Ref(inner) = self.flatten(schema)?
            && is_primitive_alias(self.resolve(inner)?)
        {
            let inner = inner.clone();
            return self.ty(&inner, name);
        }
        if self.defs.contains_key(name) || self.in_progress.contains(name) {
            return Ok(Ty::Named(name.to_owned()));
        }
        let ty = self.ty_top(name, schema)?;
        Ok(ty)
    }

    fn ty_top(&mut self, name: &str, schema: &Value) -> Result<Ty> {
        // A component is always defined under its own name, whatever its shape.
        let ty = self.ty(schema, name)?;
        if ty == Ty::Named(name.to_owned()) {
            return Ok(ty);
        }
        // A component that is an array, a map or a scalar: an alias keeps its name.
        self.in_progress.insert(name.to_owned());
        let doc = description(schema);
        self.defs.insert(name.to_owned(), TypeDef { name: name.to_owned(), doc, shape: Shape::Alias(ty) });
        self.in_progress.remove(name);
        Ok(Ty::Named(name.to_owned()))
    }

    /// Defines the types an overridden component refers to.
    fn walk_children(&mut self, schema: &Value) -> Result<()> {
        let Some(members) = schema.get("oneOf").and_then(Value::as_array) else { return Ok(()) };
        for member in members {
            if let Some(name) = ref_name(member) {
                let target = self.component(name)?;
                if target.get("type").and_then(Value::as_str) == Some("object") || target.get("allOf").is_some() {
                    self.named(name)?;
                } else {
                    self.walk_children(target)?;
                }
            } else if let Some(items) = member.get("items") {
                self.walk_children(items)?;
            }
        }
        Ok(())
    }

    fn define(&mut self, name: &str, schema: &Value, kind: Kind) -> Result<()> {
        if self.defs.contains_key(name) || self.in_progress.contains(name) {
            if self.origins.get(name).map(String::as_str) != Some(serde_json::to_string(schema)?.as_str()) {
                bail!("two different schemas would both be named {name}");
            }
            return Ok(());
        }
        self.in_progress.insert(name.to_owned());
        self.origins.insert(name.to_owned(), serde_json::to_string(schema)?);
        let shape = match kind {
            Kind::Enum => Self::string_enum(schema, self.catch_all),
            Kind::Object => self.object(name, schema),
            Kind::Union => self.union(name, schema),
        }
        .with_context(|| format!("in schema {name}"))?;
        self.in_progress.remove(name);
        self.defs.insert(name.to_owned(), TypeDef { name: name.to_owned(), doc: description(schema), shape });
        Ok(())
    }

    fn string_enum(schema: &Value, catch_all: &str) -> Result<Shape> {
        let values = schema.get("enum").and_then(Value::as_array).context("enum without values")?;
        let names = schema.get("x-tsEnumNames").and_then(Value::as_array);
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, v) in values.iter().enumerate() {
            let json = v.as_str().context("non-string enum value")?.to_owned();
            let variant = names
                .and_then(|n| n.get(i))
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .map_or_else(|| symbol_name(&json).map_or_else(|| pascal(&json), str::to_owned), pascal);
            if variant == catch_all || !seen.insert(variant.clone()) {
                bail!("enum variant {variant} (for {json:?}) clashes");
            }
            out.push(EnumValue { json, variant });
        }
        Ok(Shape::Enum(out))
    }

    /// `(component, variant)` when a single-value enum names its component with `x-tsType`.
    fn ts_enum(&mut self, schema: &Value) -> Result<Option<(String, String)>> {
        let values = schema.get("enum").and_then(Value::as_array);
        let [only] = values.map(Vec::as_slice).unwrap_or_default() else { return Ok(None) };
        let Some(ts) = schema.get("x-tsType").and_then(Value::as_str) else { return Ok(None) };
        let Some((component, _)) = ts.split_once('.') else { return Ok(None) };
        let Ok(target) = self.component(component) else { return Ok(None) };
        let listed = target.get("enum").and_then(Value::as_array).is_some_and(|e| e.contains(only));
        if !listed {
            return Ok(None);
        }
        let Ty::Named(name) = self.named(component)? else { return Ok(None) };
        let Some(Shape::Enum(values)) = self.defs.get(&name).map(|d| &d.shape) else { return Ok(None) };
        let json = only.as_str().unwrap_or_default();
        Ok(values.iter().find(|v| v.json == json).map(|v| (name.clone(), v.variant.clone())))
    }

    fn object(&mut self, name: &str, schema: &Value) -> Result<Shape> {
        let empty = Map::new();
        let props = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required = required_names(schema);
        let mut order: Vec<&String> = required.iter().filter(|r| props.contains_key(r.as_str())).collect();
        order.extend(props.keys().filter(|k| !required.contains(k)));
        let mut fields = Vec::new();
        let mut rust_names = BTreeSet::new();
        for json in order {
            let prop = &props[json.as_str()];
            let rust = field_name(json);
            if !rust_names.insert(rust.clone()) {
                bail!("two properties would both be the field {rust}");
            }
            let resolved = self.resolve(prop)?.clone();
            let resolved = &resolved;
            let deprecated = prop.get("deprecated").and_then(Value::as_bool).unwrap_or(false);
            let nullable = prop.get("nullable").and_then(Value::as_bool).unwrap_or(false);
            let hint = format!("{name}{}", pascal(json));
            let mut constant = None;
            let ty = if ref_name(prop).is_none()
                && resolved.get("enum").and_then(Value::as_array).is_some_and(|e| e.len() == 1)
            {
                if let Some((component, variant)) = self.ts_enum(resolved)? {
                    constant = Some(variant);
                    Ty::Named(component)
                } else {
                    let ty = self.ty(prop, &hint)?;
                    if let Some(Shape::Enum(values)) = ty.named().and_then(|n| self.defs.get(n)).map(|d| &d.shape) {
                        constant = values.first().map(|v| v.variant.clone());
                    }
                    ty
                }
            } else {
                self.ty(prop, &hint)?
            };
            let required = required.contains(json) && !deprecated && !nullable;
            fields.push(Field {
                json: json.clone(),
                rust,
                ty,
                required,
                constant: constant.filter(|_| required),
                doc: description(prop).or_else(|| description(resolved)).or_else(|| self.all_of_description(prop)),
                deprecated,
            });
        }
        Ok(Shape::Struct(fields))
    }

    fn one_of(&mut self, schema: &Value, hint: &str) -> Result<Ty> {
        let members = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array).context("oneOf")?;
        if let [one, many] = members.as_slice()
            && self.resolve(one)?.get("type").and_then(Value::as_str) == Some("string")
            && self.resolve(one)?.get("enum").is_none()
            && self.resolve(many)?.get("type").and_then(Value::as_str) == Some("array")
            && self.resolve(many)?.pointer("/items/type").and_then(Value::as_str) == Some("string")
        {
            // "A string or a list of strings": a list (one string is a list of one).
            return Ok(Ty::Vec(Box::new(Ty::Str)));
        }
        let mut scalars = Vec::new();
        for m in members {
            let r = self.resolve(m)?.clone();
            let scalar = match r.get("type").and_then(Value::as_str) {
                Some("string") if r.get("enum").is_none() => Some(("Text", Ty::Str)),
                Some("number") => Some(("Number", Ty::Num)),
                Some("integer") => Some(("Integer", Ty::Int)),
                Some("boolean") => Some(("Bool", Ty::Bool)),
                _ => None,
            };
            match scalar {
                Some((variant, ty)) if r.get("oneOf").is_none() => scalars.push((variant.to_owned(), ty)),
                _ => break,
            }
        }
        if scalars.len() == members.len() {
            let shape = Shape::Scalar(scalars);
            self.in_progress.insert(hint.to_owned());
            self.defs.insert(hint.to_owned(), TypeDef { name: hint.to_owned(), doc: description(schema), shape });
            self.in_progress.remove(hint);
            return Ok(Ty::Named(hint.to_owned()));
        }
        if schema.get("discriminator").is_some() {
            self.define(hint, schema, Kind::Union)?;
            return Ok(Ty::Named(hint.to_owned()));
        }
        Ok(Ty::Json)
    }

    fn union(&mut self, name: &str, schema: &Value) -> Result<Shape> {
        let disc = schema.get("discriminator").context("discriminator")?;
        let tag = disc.get("propertyName").and_then(Value::as_str).context("discriminator.propertyName")?.to_owned();
        let members = schema.get("oneOf").and_then(Value::as_array).context("oneOf")?;
        let mapping: Vec<(String, String)> = disc
            .get("mapping")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.rsplit('/').next()?.to_owned()))).collect()
            })
            .unwrap_or_default();
        let ref_names: Vec<&str> = members.iter().filter_map(ref_name).collect();
        let (prefix, suffix) = common_affixes(&ref_names);
        let mut variants = Vec::new();
        let mut claimed = BTreeSet::new();
        for member in members {
            let (variant, ty, mut tags) = if let Some(target) = ref_name(member) {
                let ty = self.named(target)?;
                let Ty::Named(ty) = ty else { bail!("union member {target} is not a generated type") };
                let w = words(target);
                let core = &w[prefix..w.len() - suffix];
                let variant = pascal(&core.join("_"));
                let tags: Vec<String> = mapping.iter().filter(|(_, t)| t == target).map(|(k, _)| k.clone()).collect();
                (variant, ty, tags)
            } else {
                let constants = self.constant_tags(member, &tag)?;
                let [value] = constants.as_slice() else {
                    bail!("inline union member without one constant {tag}: {constants:?}")
                };
                let variant = pascal(value);
                let ty_name = format!("{name}{variant}");
                let ty = self.ty(member, &ty_name)?;
                if ty != Ty::Named(ty_name.clone()) {
                    bail!("inline union member {ty_name} is not an object");
                }
                (variant, ty_name, Vec::new())
            };
            if tags.is_empty() {
                tags = self.constant_tags(member, &tag)?;
            }
            if tags.is_empty() {
                // OpenAPI's implicit mapping, by the member's name without the union's affixes.
                let implied = lower_camel(&variant);
                if self.tag_values(member, &tag)?.contains(&implied) {
                    tags.push(implied);
                }
            }
            if tags.is_empty() {
                bail!("cannot tell which {tag} values select {ty}");
            }
            for t in &tags {
                if !claimed.insert(t.clone()) {
                    bail!("{tag} value {t:?} selects two members");
                }
            }
            variants.push(UnionVariant { variant, ty, tags });
        }
        Ok(Shape::Union { tag, variants })
    }

    /// The description of the one meaningful member of an `allOf`, if that is what `schema` is.
    fn all_of_description(&self, schema: &Value) -> Option<String> {
        match self.flatten(schema).ok()? {
            Flat::Ref(inner) if schema.get("allOf").is_some() => description(self.resolve(inner).ok()?),
            _ => None,
        }
    }

    /// The constant values of property `tag` in a member (through `$ref`, `allOf` and nested `oneOf`).
    fn constant_tags(&self, member: &Value, tag: &str) -> Result<Vec<String>> {
        let member = self.resolve(member)?;
        if let Some(nested) = member.get("oneOf").and_then(Value::as_array) {
            let mut all = BTreeSet::new();
            for n in nested {
                all.extend(self.constant_tags(n, tag)?);
            }
            return Ok(all.into_iter().collect());
        }
        let object = match self.flatten(member)? {
            Flat::Ref(v) => self.resolve(v)?.clone(),
            Flat::Merged(v) => v,
        };
        let Some(prop) = object.pointer(&format!("/properties/{}", pointer_escape(tag))) else { return Ok(Vec::new()) };
        let prop = self.resolve(prop)?;
        Ok(match prop.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
            Some([only]) => only.as_str().map(|s| vec![s.to_owned()]).unwrap_or_default(),
            _ => Vec::new(),
        })
    }

    /// Every value property `tag` of a member may take (its enum), for the implicit mapping.
    fn tag_values(&self, member: &Value, tag: &str) -> Result<Vec<String>> {
        let member = self.resolve(member)?;
        let object = match self.flatten(member)? {
            Flat::Ref(v) => self.resolve(v)?.clone(),
            Flat::Merged(v) => v,
        };
        let Some(prop) = object.pointer(&format!("/properties/{}", pointer_escape(tag))) else { return Ok(Vec::new()) };
        let prop = self.resolve(prop)?;
        Ok(prop
            .get("enum")
            .and_then(Value::as_array)
            .map(|e| e.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default())
    }

    /// An `allOf` as one schema: a single meaningful member, or the members' objects merged.
    fn flatten<'s>(&self, schema: &'s Value) -> Result<Flat<'s>>
    where
        'a: 's,
    {
        let Some(members) = schema.get("allOf").and_then(Value::as_array) else { return Ok(Flat::Ref(schema)) };
        let has_ref = members.iter().any(|m| m.get("$ref").is_some());
        let meaningful: Vec<&'s Value> = members
            .iter()
            .filter(|m| {
                let props = m.get("properties").and_then(Value::as_object);
                let adds_props = props.is_some_and(|p| !p.is_empty());
                let composite = m.get("$ref").is_some() || m.get("allOf").is_some() || m.get("oneOf").is_some();
                let bare_scalar = has_ref && matches!(m.get("type").and_then(Value::as_str), Some("string" | "number"));
                (adds_props || composite || m.get("enum").is_some() || m.get("items").is_some()) && !bare_scalar
            })
            .collect();
        if let [only] = meaningful.as_slice()
            && schema.get("properties").is_none()
        {
            return Ok(Flat::Ref(only));
        }
        let mut merged = Map::new();
        let mut props = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut closed = false;
        let mut parts: Vec<Value> = Vec::new();
        for m in &meaningful {
            let r = self.resolve(m)?;
            let r = match self.flatten(r)? {
                Flat::Ref(v) => self.resolve(v)?.clone(),
                Flat::Merged(v) => v,
            };
            parts.push(r);
        }
        let mut own = schema.clone();
        if let Some(o) = own.as_object_mut() {
            o.remove("allOf");
        }
        parts.push(own);
        for part in &parts {
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                for (k, v) in p {
                    props.insert(k.clone(), v.clone());
                }
            }
            for r in required_names(part) {
                let r = Value::String(r);
                if !required.contains(&r) {
                    required.push(r);
                }
            }
            closed |= part.get("additionalProperties") == Some(&Value::Bool(false));
        }
        merged.insert("type".to_owned(), Value::String("object".to_owned()));
        merged.insert("properties".to_owned(), Value::Object(props));
        if !required.is_empty() {
            merged.insert("required".to_owned(), Value::Array(required));
        }
        if closed {
            merged.insert("additionalProperties".to_owned(), Value::Bool(false));
        }
        if let Some(d) = schema.get("description") {
            merged.insert("description".to_owned(), d.clone());
        }
        Ok(Flat::Merged(Value::Object(merged)))
    }
}

enum Flat<'s> {
    Ref(&'s Value),
    Merged(Value),
}

/// What [`Builder::define`] builds.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Enum,
    Object,
    Union,
}

/// The component name of a `#/components/schemas/…` reference.
pub(crate) fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/components/schemas/")
}

/// The `required` names of a schema, trimmed of stray whitespace and commas.
pub(crate) fn required_names(schema: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        if let Some(name) = r.as_str().map(|s| s.trim().trim_end_matches(',').trim())
            && !name.is_empty()
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_owned());
        }
    }
    out
}

/// The variant name of a comparison operator used as an enum value (`<>` → `NotEqual`).
fn symbol_name(value: &str) -> Option<&'static str> {
    Some(match value {
        "=" => "Equal",
        "<>" | "!=" => "NotEqual",
        "<" => "Less",
        "<=" => "LessOrEqual",
        ">" => "Greater",
        ">=" => "GreaterOrEqual",
        _ => return None,
    })
}

fn description(schema: &Value) -> Option<String> {
    schema.get("description").and_then(Value::as_str).map(str::to_owned)
}

fn is_primitive_alias(schema: &Value) -> bool {
    matches!(schema.get("type").and_then(Value::as_str), Some("string" | "number" | "integer" | "boolean"))
        && schema.get("enum").is_none()
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// How many leading and trailing words all `names` share (at least one word is left of each).
fn common_affixes(names: &[&str]) -> (usize, usize) {
    let split: Vec<Vec<String>> = names.iter().map(|n| words(n)).collect();
    let Some(shortest) = split.iter().map(Vec::len).min() else { return (0, 0) };
    if split.len() < 2 {
        return (0, 0);
    }
    let mut prefix = 0;
    while prefix < shortest - 1 && split.iter().all(|w| w[prefix] == split[0][prefix]) {
        prefix += 1;
    }
    let mut suffix = 0;
    while prefix + suffix < shortest - 1
        && split.iter().all(|w| w[w.len() - 1 - suffix] == split[0][split[0].len() - 1 - suffix])
    {
        suffix += 1;
    }
    (prefix, suffix)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn all_of_closed_members_merge() {
        let doc = json!({"components": {"schemas": {
            "Base": {"type": "object", "additionalProperties": false, "required": ["requestId"],
                     "properties": {"requestId": {"type": "string"}}},
            "Result": {"allOf": [{"$ref": "#/components/schemas/Base"},
                                 {"type": "object", "additionalProperties": false, "required": ["id,"],
                                  "properties": {"id": {"type": "string"}}}]},
            "Holder": {"type": "object", "properties": {
                "link": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "additionalProperties": false}]}}}
        }}});
        let mut b = Builder::new(&doc, BTreeMap::new());
        assert_eq!(b.named("Result").unwrap(), Ty::Named("Result".into()));
        let Shape::Struct(fields) = &b.defs["Result"].shape else { panic!() };
        let names: Vec<(&str, bool)> = fields.iter().map(|f| (f.rust.as_str(), f.required)).collect();
        assert_eq!(names, [("request_id", true), ("id", true)]);
        b.named("Holder").unwrap();
        let Shape::Struct(fields) = &b.defs["Holder"].shape else { panic!() };
        assert_eq!(fields[0].ty, Ty::Named("Base".into()));
    }

    #[test]
    fn affixes() {
        assert_eq!(common_affixes(&["AddedEmailPrincipal", "AddedAnyonePrincipal"]), (1, 1));
        assert_eq!(common_affixes(&["ButtonColumnFormat", "DateTimeColumnFormat"]), (0, 2));
    }
}
