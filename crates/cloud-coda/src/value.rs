//! [`CellValue`]: the value of a cell, control or formula, as JSON with typed accessors; and helpers
//! for building row edits.
//!
//! Coda sends cell values in three formats (`valueFormat`): `simple` (strings, numbers, booleans),
//! `simpleWithArrays` (the same, in arrays for multi-value cells) and `rich` (JSON-LD objects:
//! `Person`, `MonetaryAmount`, `ImageObject`, `WebPage`, row references). A `CellValue` holds any
//! of them unchanged; the accessors read the common shapes.

use std::fmt;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::models::{CellEdit, CurrencyValue, ImageUrlValue, PersonValue, Row, RowDetail, RowEdit, RowValue, UrlValue};
use crate::operations::ListRowsOptions;

/// A cell value: any JSON the API sends or accepts, with accessors for the common types.
///
/// ```
/// use cloud_coda::CellValue;
/// let v = CellValue::from(42);
/// assert_eq!(v.as_f64(), Some(42.0));
/// let names: CellValue = vec!["Ada", "Alan"].into();
/// assert_eq!(names.items().len(), 2);
/// assert!(CellValue::from("").is_empty());
/// ```
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CellValue(pub Value);

impl CellValue {
    /// The JSON value.
    pub fn json(&self) -> &Value {
        &self.0
    }

    /// The JSON value, owned.
    pub fn into_json(self) -> Value {
        self.0
    }

    /// Whether the cell is empty: Coda sends `""` for empty cells (and `null` or `[]` in places).
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        }
    }

    /// The text, for a string value.
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }

    /// The number, for a number value, or a `MonetaryAmount`'s amount.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.as_f64().or_else(|| match self.currency()?.amount {
            crate::models::CurrencyAmount::Number(n) => Some(n),
            crate::models::CurrencyAmount::Text(s) => s.parse().ok(),
        })
    }

    /// The integer, for an integral number value.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.as_i64()
    }

    /// The boolean, for a checkbox or other boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    /// The timestamp, for a string in RFC 3339 form (date-time cells in `simple` format).
    pub fn as_date_time(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(self.as_str()?).ok().map(|t| t.with_timezone(&Utc))
    }

    /// The date, for a `YYYY-MM-DD` string or the date part of an RFC 3339 timestamp.
    pub fn as_date(&self) -> Option<NaiveDate> {
        let text = self.as_str()?;
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().or_else(|| self.as_date_time().map(|t| t.date_naive()))
    }

    /// The values of a multi-value cell (`simpleWithArrays` or `rich` arrays); a single value is a
    /// one-element list and an empty cell an empty one.
    pub fn items(&self) -> Vec<Self> {
        match &self.0 {
            Value::Array(items) => items.iter().cloned().map(Self).collect(),
            _ if self.is_empty() => Vec::new(),
            other => vec![Self(other.clone())],
        }
    }

    /// The person, for a rich `Person` value.
    pub fn person(&self) -> Option<PersonValue> {
        self.rich("Person")
    }

    /// The amount, for a rich `MonetaryAmount` value.
    pub fn currency(&self) -> Option<CurrencyValue> {
        self.rich("MonetaryAmount")
    }

    /// The image, for a rich `ImageObject` value.
    pub fn image(&self) -> Option<ImageUrlValue> {
        self.rich("ImageObject")
    }

    /// The link, for a rich `WebPage` value.
    pub fn url(&self) -> Option<UrlValue> {
        self.rich("WebPage")
    }

    /// The referenced row, for a rich `StructuredValue` (a lookup).
    pub fn row(&self) -> Option<RowValue> {
        self.rich("StructuredValue")
    }

    fn rich<T: serde::de::DeserializeOwned>(&self, linked_data_type: &str) -> Option<T> {
        (self.0.get("@type")?.as_str()? == linked_data_type).then(|| serde_json::from_value(self.0.clone()).ok())?
    }
}

impl fmt::Debug for CellValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CellValue({})", self.0)
    }
}

impl fmt::Display for CellValue {
    /// Strings as themselves, anything else as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Value::String(s) => f.write_str(s),
            other => write!(f, "{other}"),
        }
    }
}

impl From<Value> for CellValue {
    fn from(value: Value) -> Self {
        Self(value)
    }
}

impl From<CellValue> for Value {
    fn from(value: CellValue) -> Self {
        value.0
    }
}

impl From<&str> for CellValue {
    fn from(value: &str) -> Self {
        Self(Value::String(value.to_owned()))
    }
}

impl From<String> for CellValue {
    fn from(value: String) -> Self {
        Self(Value::String(value))
    }
}

impl From<bool> for CellValue {
    fn from(value: bool) -> Self {
        Self(Value::Bool(value))
    }
}

impl From<i64> for CellValue {
    fn from(value: i64) -> Self {
        Self(value.into())
    }
}

impl From<i32> for CellValue {
    fn from(value: i32) -> Self {
        Self(value.into())
    }
}

impl From<u64> for CellValue {
    fn from(value: u64) -> Self {
        Self(value.into())
    }
}

impl From<f64> for CellValue {
    /// A number; NaN and infinities (which JSON cannot hold) become an empty cell.
    fn from(value: f64) -> Self {
        Self(serde_json::Number::from_f64(value).map_or(Value::String(String::new()), Value::Number))
    }
}

impl From<DateTime<Utc>> for CellValue {
    /// An RFC 3339 timestamp, which Coda parses into date-time cells.
    fn from(value: DateTime<Utc>) -> Self {
        Self(Value::String(value.to_rfc3339_opts(SecondsFormat::AutoSi, true)))
    }
}

impl From<NaiveDate> for CellValue {
    /// A `YYYY-MM-DD` date.
    fn from(value: NaiveDate) -> Self {
        Self(Value::String(value.format("%Y-%m-%d").to_string()))
    }
}

impl<T: Into<Self>> From<Vec<T>> for CellValue {
    /// A multi-value cell.
    fn from(values: Vec<T>) -> Self {
        Self(Value::Array(values.into_iter().map(|v| v.into().0).collect()))
    }
}

impl<T: Into<Self>> From<Option<T>> for CellValue {
    /// `None` is an empty cell.
    fn from(value: Option<T>) -> Self {
        value.map_or_else(|| Self(Value::String(String::new())), Into::into)
    }
}

impl RowEdit {
    /// A row edit from `(column id or name, value)` pairs.
    ///
    /// ```
    /// use cloud_coda::models::RowEdit;
    /// let row = RowEdit::from_cells([("Name", "Ada".into()), ("Age", 36.into())]);
    /// assert_eq!(row.cells.len(), 2);
    /// assert_eq!(row.cells[1].value.as_i64(), Some(36));
    /// ```
    pub fn from_cells<C: Into<String>>(cells: impl IntoIterator<Item = (C, CellValue)>) -> Self {
        Self::new(cells.into_iter().map(|(column, value)| CellEdit::new(column, value)))
    }

    /// Adds a cell.
    #[must_use]
    pub fn with_cell(mut self, column: impl Into<String>, value: impl Into<CellValue>) -> Self {
        self.cells.push(CellEdit::new(column, value));
        self
    }
}

impl Row {
    /// The value of a column, by id (or by name when the rows were listed with `useColumnNames`).
    pub fn value(&self, column: &str) -> Option<&CellValue> {
        self.values.get(column)
    }
}

impl RowDetail {
    /// The value of a column, by id (or by name when the row was read with `useColumnNames`).
    pub fn value(&self, column: &str) -> Option<&CellValue> {
        self.values.get(column)
    }
}

impl ListRowsOptions {
    /// Keeps only the rows whose `column` (an id or a name) holds `value`: sets `query` to
    /// `"<column>":<value as JSON>`, the form Coda documents (`"My Column":"Apple"`).
    ///
    /// ```
    /// use cloud_coda::ListRowsOptions;
    /// let options = ListRowsOptions::default().with_column_filter("Fruit", "Apple");
    /// assert_eq!(options.query.as_deref(), Some(r#""Fruit":"Apple""#));
    /// ```
    #[must_use]
    pub fn with_column_filter(self, column: &str, value: impl Into<CellValue>) -> Self {
        let column = Value::String(column.to_owned());
        self.with_query(format!("{column}:{}", value.into().0))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn simple_values() {
        assert_eq!(CellValue::from("x").as_str(), Some("x"));
        assert_eq!(CellValue::from(true).as_bool(), Some(true));
        assert_eq!(CellValue::from(2.5).as_f64(), Some(2.5));
        assert!(CellValue::from(f64::NAN).is_empty());
        assert!(CellValue::from(None::<i64>).is_empty());
        assert_eq!(CellValue::from(json!("2024-02-03T04:05:06.789Z")).as_date().unwrap().to_string(), "2024-02-03");
        assert_eq!(CellValue::from(json!("2024-02-03")).as_date().unwrap().to_string(), "2024-02-03");
        assert_eq!(CellValue::from(json!(["a", "b"])).items(), [CellValue::from("a"), CellValue::from("b")]);
        assert_eq!(CellValue::from("only").items().len(), 1);
        assert_eq!(CellValue::from("").items().len(), 0);
        assert_eq!(CellValue::from(json!({"a": 1})).to_string(), r#"{"a":1}"#);
    }

    #[test]
    fn rich_values() {
        let person = CellValue::from(json!({
            "@context": "http://schema.org/", "@type": "Person", "name": "Alice Atkins", "email": "alice@atkins.com"
        }));
        assert_eq!(person.person().unwrap().email.as_deref(), Some("alice@atkins.com"));
        assert!(person.currency().is_none());
        let money = CellValue::from(json!({
            "@context": "http://schema.org/", "@type": "MonetaryAmount", "currency": "USD", "amount": 42.5
        }));
        assert_eq!(money.currency().unwrap().currency, "USD");
        assert_eq!(money.as_f64(), Some(42.5));
        let link =
            CellValue::from(json!({"@context": "http://schema.org/", "@type": "WebPage", "url": "https://coda.io"}));
        assert_eq!(link.url().unwrap().url, "https://coda.io");
    }

    #[test]
    fn row_edits_serialize_as_the_api_expects() {
        let row = RowEdit::from_cells([("c-1", CellValue::from("x"))]).with_cell("Tags", vec!["a", "b"]);
        assert_eq!(
            serde_json::to_value(&row).unwrap(),
            json!({"cells": [{"column": "c-1", "value": "x"}, {"column": "Tags", "value": ["a", "b"]}]})
        );
    }
}
