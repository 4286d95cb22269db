//! How parameter values are written in query strings.
//!
//! Scalars are written as themselves (`true`/`false`, numbers, text), lists comma-joined (the
//! document's `explode: false`), and objects in brackets as Infomaniak's API reads them:
//! `filter[search]=x`, `filter[status][]=draft`, `order_for[name]=asc`.

use cloud_core::{Error, ErrorKind, Result};
use serde::Serialize;
use serde_json::Value;

/// Appends the pairs of parameter `name` with `value` to `query`.
pub(crate) fn push<T: Serialize + ?Sized>(query: &mut Vec<(String, String)>, name: &str, value: &T) -> Result<()> {
    let value = serde_json::to_value(value).map_err(|e| {
        Error::new(ErrorKind::Construction, format!("could not encode the query parameter {name}: {e}")).with_source(e)
    })?;
    match value {
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(scalar).collect();
            if !texts.is_empty() {
                query.push((name.to_owned(), texts.join(",")));
            }
        }
        other => nested(query, name, &other),
    }
    Ok(())
}

fn nested(query: &mut Vec<(String, String)>, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, inner) in map {
                nested(query, &format!("{name}[{key}]"), inner);
            }
        }
        Value::Array(items) => {
            for item in items {
                nested(query, &format!("{name}[]"), item);
            }
        }
        scalar_value => query.extend(scalar(scalar_value).map(|text| (name.to_owned(), text))),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scalars_lists_and_objects() {
        let mut query = Vec::new();
        push(&mut query, "page", &2).unwrap();
        push(&mut query, "with", "groups").unwrap();
        push(&mut query, "order_by", &["name", "id"]).unwrap();
        push(&mut query, "filter", &json!({"search": "ann", "status": ["draft", "sent"], "none": null})).unwrap();
        push(&mut query, "order_for", &json!({"name": "desc"})).unwrap();
        let pairs: Vec<(&str, &str)> = query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("page", "2"),
                ("with", "groups"),
                ("order_by", "name,id"),
                ("filter[search]", "ann"),
                ("filter[status][]", "draft"),
                ("filter[status][]", "sent"),
                ("order_for[name]", "desc"),
            ]
        );
    }
}
