//! The List Blobs answer (`EnumerationResults`), as typed serde structs read with
//! `azure_core::xml`.
//!
//! Listings go through the REST API directly (see the crate documentation): the official
//! crate's flat `list_blobs` has no `delimiter`, and its hierarchical listing was removed before
//! 1.1.0.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde::Deserialize;

/// One page of a listing.
#[derive(Debug, Deserialize)]
pub(crate) struct EnumerationResults {
    #[serde(rename = "Blobs", default)]
    blobs: BlobsXml,
    #[serde(rename = "NextMarker", default)]
    next_marker: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct BlobsXml {
    #[serde(rename = "$value", default)]
    items: Vec<ItemXml>,
}

#[derive(Debug, Deserialize)]
enum ItemXml {
    Blob(Box<BlobXml>),
    BlobPrefix(PrefixXml),
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct NameXml {
    #[serde(rename = "@Encoded", default)]
    encoded: Option<String>,
    #[serde(rename = "$text", default)]
    text: String,
}

impl NameXml {
    /// Names with characters XML cannot carry come percent-encoded, flagged `Encoded="true"`.
    fn decode(self) -> String {
        if self.encoded.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("true")) {
            percent_decode_str(&self.text).decode_utf8_lossy().into_owned()
        } else {
            self.text
        }
    }
}

#[derive(Debug, Deserialize)]
struct PrefixXml {
    #[serde(rename = "Name")]
    name: NameXml,
}

#[derive(Debug, Deserialize)]
struct BlobXml {
    #[serde(rename = "Name")]
    name: NameXml,
    #[serde(rename = "Properties")]
    properties: PropertiesXml,
    #[serde(rename = "Metadata", default)]
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
struct PropertiesXml {
    #[serde(rename = "Last-Modified", default)]
    last_modified: Option<String>,
    #[serde(rename = "Etag", default)]
    etag: Option<String>,
    #[serde(rename = "Content-Length", default)]
    content_length: Option<u64>,
    #[serde(rename = "Content-Type", default)]
    content_type: Option<String>,
    #[serde(rename = "Content-Encoding", default)]
    content_encoding: Option<String>,
    #[serde(rename = "Content-Language", default)]
    content_language: Option<String>,
    #[serde(rename = "Content-Disposition", default)]
    content_disposition: Option<String>,
    #[serde(rename = "Cache-Control", default)]
    cache_control: Option<String>,
}

/// A blob of a listing, in this crate's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedBlob {
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) last_modified: Option<DateTime<Utc>>,
    pub(crate) etag: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) content_encoding: Option<String>,
    pub(crate) content_language: Option<String>,
    pub(crate) content_disposition: Option<String>,
    pub(crate) cache_control: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
}

/// An entry of a listing: a blob, or a common prefix of a delimiter listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listed {
    Blob(ListedBlob),
    Prefix(String),
}

/// A parsed page: its entries in the service's order, and the marker of the next page.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) entries: Vec<Listed>,
    pub(crate) next_marker: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// Parses one List Blobs answer.
pub(crate) fn parse_page(body: &[u8]) -> azure_core::Result<Page> {
    let results: EnumerationResults = azure_core::xml::from_xml(body)?;
    let entries = results
        .blobs
        .items
        .into_iter()
        .filter_map(|item| match item {
            ItemXml::Blob(blob) => {
                let BlobXml { name, properties: p, metadata } = *blob;
                Some(Listed::Blob(ListedBlob {
                    name: name.decode(),
                    size: p.content_length.unwrap_or(0),
                    last_modified: p
                        .last_modified
                        .as_deref()
                        .and_then(|t| DateTime::parse_from_rfc2822(t).ok())
                        .map(|t| t.with_timezone(&Utc)),
                    etag: non_empty(p.etag).map(|e| e.trim_matches('"').to_owned()),
                    content_type: non_empty(p.content_type),
                    content_encoding: non_empty(p.content_encoding),
                    content_language: non_empty(p.content_language),
                    content_disposition: non_empty(p.content_disposition),
                    cache_control: non_empty(p.cache_control),
                    metadata: metadata.unwrap_or_default(),
                }))
            }
            ItemXml::BlobPrefix(prefix) => Some(Listed::Prefix(prefix.name.decode())),
            ItemXml::Other => None,
        })
        .collect();
    Ok(Page { entries, next_marker: non_empty(results.next_marker) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="c">
  <Prefix>p/</Prefix>
  <Delimiter>/</Delimiter>
  <Blobs>
    <Blob>
      <Name>p/a.txt</Name>
      <Properties>
        <Creation-Time>Mon, 07 Dec 2026 01:00:00 GMT</Creation-Time>
        <Last-Modified>Mon, 07 Dec 2026 01:02:03 GMT</Last-Modified>
        <Etag>0x8DD1234567890AB</Etag>
        <Content-Length>5</Content-Length>
        <Content-Type>text/plain</Content-Type>
        <Content-Encoding />
        <Content-Language>fr</Content-Language>
        <Cache-Control>no-cache</Cache-Control>
        <Content-MD5>XUFAKrxLKna5cZ2REBfFkg==</Content-MD5>
        <BlobType>BlockBlob</BlobType>
      </Properties>
      <Metadata><color>blue</color><Size>xl</Size></Metadata>
    </Blob>
    <BlobPrefix><Name>p/dir/</Name></BlobPrefix>
    <Blob>
      <Name Encoded="true">p/%EF%BF%BE.bin</Name>
      <Properties><Content-Length>0</Content-Length><Etag>"0x1"</Etag></Properties>
      <Metadata />
    </Blob>
  </Blobs>
  <NextMarker>2!72!MDAwMDA2IXAvYi50eHQ-</NextMarker>
</EnumerationResults>"#;

    #[test]
    fn parses_blobs_prefixes_and_the_marker() {
        let page = parse_page(PAGE.as_bytes()).unwrap();
        assert_eq!(page.next_marker.as_deref(), Some("2!72!MDAwMDA2IXAvYi50eHQ-"));
        assert_eq!(page.entries.len(), 3);
        let Listed::Blob(a) = &page.entries[0] else { panic!("{:?}", page.entries[0]) };
        assert_eq!(a.name, "p/a.txt");
        assert_eq!(a.size, 5);
        assert_eq!(a.etag.as_deref(), Some("0x8DD1234567890AB"));
        assert_eq!(a.content_type.as_deref(), Some("text/plain"));
        assert_eq!(a.content_encoding, None);
        assert_eq!(a.content_language.as_deref(), Some("fr"));
        assert_eq!(a.cache_control.as_deref(), Some("no-cache"));
        assert_eq!(a.last_modified.unwrap().to_rfc3339(), "2026-12-07T01:02:03+00:00");
        assert_eq!(a.metadata.get("color").map(String::as_str), Some("blue"));
        assert_eq!(a.metadata.get("Size").map(String::as_str), Some("xl"));
        assert_eq!(page.entries[1], Listed::Prefix("p/dir/".into()));
        let Listed::Blob(b) = &page.entries[2] else { panic!("{:?}", page.entries[2]) };
        assert_eq!(b.name, "p/\u{fffe}.bin");
        assert_eq!(b.etag.as_deref(), Some("0x1"));
        assert!(b.metadata.is_empty());
    }

    #[test]
    fn last_page_and_empty_listing() {
        let page = parse_page(b"<EnumerationResults><Blobs /><NextMarker /></EnumerationResults>").unwrap();
        assert!(page.entries.is_empty());
        assert_eq!(page.next_marker, None);
        assert!(parse_page(b"<html>oops").is_err());
    }
}
