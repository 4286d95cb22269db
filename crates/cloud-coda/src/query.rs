//! How parameter values are written in query strings (and numeric path segments).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// A value that can be sent as a query (or numeric path) parameter.
///
/// Booleans are `true`/`false` (not the Python client's `True`/`False`), dates `YYYY-MM-DD`, timestamps
/// RFC 3339, and lists comma-joined (`explode: false` in the API document).
pub(crate) trait QueryValue {
    /// The value as it appears after `name=`, before URL encoding.
    fn to_query(&self) -> String;
}

impl QueryValue for str {
    fn to_query(&self) -> String {
        self.to_owned()
    }
}

impl QueryValue for String {
    fn to_query(&self) -> String {
        self.clone()
    }
}

impl QueryValue for bool {
    fn to_query(&self) -> String {
        self.to_string()
    }
}

impl QueryValue for u64 {
    fn to_query(&self) -> String {
        self.to_string()
    }
}

impl QueryValue for i64 {
    fn to_query(&self) -> String {
        self.to_string()
    }
}

impl QueryValue for f64 {
    fn to_query(&self) -> String {
        self.to_string()
    }
}

impl QueryValue for NaiveDate {
    fn to_query(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

impl QueryValue for DateTime<Utc> {
    fn to_query(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn to_query(&self) -> String {
        self.iter().map(QueryValue::to_query).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(true.to_query(), "true");
        assert_eq!(25_u64.to_query(), "25");
        assert_eq!(NaiveDate::from_ymd_opt(2024, 3, 9).unwrap().to_query(), "2024-03-09");
        assert_eq!(vec!["a".to_owned(), "b".to_owned()].to_query(), "a,b");
        assert_eq!(vec![1_i64, 2].to_query(), "1,2");
        let t = DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(t.to_query(), "2024-01-02T03:04:05Z");
    }
}
