//! The JSON API resources this crate reads and writes, as typed serde structs (only the fields
//! used; the service sends more).
//!
//! Field names and formats follow the GCS JSON API reference: 64-bit integers (`size`,
//! `generation`) travel as decimal strings, times as RFC 3339, and `crc32c`
//! as the base64 of the big-endian checksum.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cloud_core::storage::{BucketInfo, ContentHeaders, ObjectMeta};
use cloud_core::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

/// An object resource (`storage#object`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Object {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) size: Option<String>,
    #[serde(default)]
    pub(crate) generation: Option<String>,
    /// The version of the object's metadata: 1 when written, one more with each metadata update.
    #[serde(default)]
    pub(crate) metageneration: Option<String>,
    #[serde(default)]
    pub(crate) content_type: Option<String>,
    #[serde(default)]
    pub(crate) content_encoding: Option<String>,
    #[serde(default)]
    pub(crate) content_disposition: Option<String>,
    #[serde(default)]
    pub(crate) content_language: Option<String>,
    #[serde(default)]
    pub(crate) cache_control: Option<String>,
    #[serde(default)]
    pub(crate) updated: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) crc32c: Option<String>,
    /// Custom metadata; an entry whose value is `null` (what a server that does not apply a
    /// removal literally may keep) is no entry.
    #[serde(default, deserialize_with = "present_entries")]
    pub(crate) metadata: Option<BTreeMap<String, String>>,
}

/// The entries of a custom metadata map whose value is not `null`.
fn present_entries<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<BTreeMap<String, String>>, D::Error> {
    let map: Option<BTreeMap<String, Option<String>>> = Option::deserialize(deserializer)?;
    Ok(map.map(|m| m.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect()))
}

impl Object {
    /// The size in bytes; a missing or unparseable size is `ResponseInvalid`.
    pub(crate) fn size(&self) -> Result<u64> {
        let size = self.size.as_deref().unwrap_or("0");
        size.parse().map_err(|_| invalid(format!("object {:?} has an invalid size {size:?}", self.name)))
    }

    /// The generation, if the service gave one.
    pub(crate) fn generation(&self) -> Result<Option<i64>> {
        parse_opt_i64(self.generation.as_deref(), "generation")
    }

    /// The metageneration, if the service gave one.
    pub(crate) fn metageneration(&self) -> Result<Option<i64>> {
        parse_opt_i64(self.metageneration.as_deref(), "metageneration")
    }

    /// The portable metadata of this object.
    pub(crate) fn to_meta(&self) -> Result<ObjectMeta> {
        let mut meta = ObjectMeta::new(self.name.clone(), self.size()?);
        if let Some(t) = self.updated {
            meta = meta.with_last_modified(t);
        }
        // The generation identifies one version of the data, which is what an ETag is for here
        // (the resource's own `etag` also changes with metadata updates and cannot be a condition).
        if let Some(generation) = &self.generation {
            meta = meta.with_etag(generation.clone());
        }
        if let Some(ct) = &self.content_type {
            meta = meta.with_content_type(ct.clone());
        }
        if let Some(md) = &self.metadata {
            meta = meta.with_metadata(md.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect());
        }
        let mut headers = ContentHeaders::default();
        headers.cache_control.clone_from(&self.cache_control);
        headers.content_disposition.clone_from(&self.content_disposition);
        headers.content_encoding.clone_from(&self.content_encoding);
        headers.content_language.clone_from(&self.content_language);
        Ok(meta.with_headers(headers))
    }
}

fn parse_opt_i64(value: Option<&str>, what: &str) -> Result<Option<i64>> {
    value.map(|v| v.parse().map_err(|_| invalid(format!("invalid {what} {v:?}")))).transpose()
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::ResponseInvalid, message)
}

/// The metadata sent when an object is created (single-request and resumable uploads).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewObject<'a> {
    pub(crate) name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) content_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) content_encoding: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) content_disposition: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) content_language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cache_control: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) crc32c: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) metadata: BTreeMap<&'a str, &'a str>,
}

/// A page of `objects.list`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ObjectList {
    #[serde(default)]
    pub(crate) items: Vec<Object>,
    #[serde(default)]
    pub(crate) prefixes: Vec<String>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// A bucket resource (`storage#bucket`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bucket {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) time_created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) location: Option<String>,
}

impl Bucket {
    pub(crate) fn to_info(&self) -> BucketInfo {
        let mut info = BucketInfo::new(self.name.clone());
        if let Some(t) = self.time_created {
            info = info.with_created_at(t);
        }
        if let Some(l) = &self.location {
            info = info.with_region(l.clone());
        }
        info
    }
}

/// A page of `buckets.list`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BucketList {
    #[serde(default)]
    pub(crate) items: Vec<Bucket>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// The body of `buckets.insert`.
#[derive(Debug, Serialize)]
pub(crate) struct NewBucket<'a> {
    pub(crate) name: &'a str,
    pub(crate) location: &'a str,
}

/// The answer of one `objects.rewrite` call.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RewriteResponse {
    pub(crate) done: bool,
    #[serde(default)]
    pub(crate) rewrite_token: Option<String>,
    #[serde(default)]
    pub(crate) resource: Option<Object>,
}

/// The error document of the JSON API: `{"error": {"code", "message", "errors": [{"reason"}]}}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorDocument {
    pub(crate) error: ErrorBody,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) errors: Vec<ErrorItem>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorItem {
    #[serde(default)]
    pub(crate) reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_decode_from_the_documented_shape() {
        let json = r#"{"kind":"storage#object","name":"a/b.txt","bucket":"b","generation":"1700000000000001",
            "metageneration":"3","contentType":"text/plain","size":"11","crc32c":"yZRlqg==",
            "updated":"2026-12-07T01:29:32.128Z","etag":"CPXx","metadata":{"Owner":"me"}}"#;
        let object: Object = serde_json::from_str(json).unwrap();
        assert_eq!(object.generation().unwrap(), Some(1_700_000_000_000_001));
        let meta = object.to_meta().unwrap();
        assert_eq!((meta.key.as_str(), meta.size), ("a/b.txt", 11));
        assert_eq!(meta.metadata.get("owner").map(String::as_str), Some("me"));
        assert_eq!(meta.etag.as_deref(), Some("1700000000000001"));
        assert_eq!(object.metageneration().unwrap(), Some(3));
        let removed: Object =
            serde_json::from_str(r#"{"name":"x","size":"1","metadata":{"gone":null,"kept":"v"}}"#).unwrap();
        assert_eq!(removed.metadata.unwrap().into_iter().collect::<Vec<_>>(), [("kept".into(), "v".into())]);
        let bad: Object = serde_json::from_str(r#"{"name":"x","size":"big"}"#).unwrap();
        assert_eq!(bad.to_meta().unwrap_err().kind(), ErrorKind::ResponseInvalid);
    }
}
