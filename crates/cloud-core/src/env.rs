//! The [`Env`] shim: `from_env()` reads through it, so tests never mutate the process environment.

use std::collections::HashMap;
use std::sync::Arc;

/// A source of environment variables.
///
/// Every `from_env()` in the workspace is `from_env_with(&Env::real())`; tests pass
/// [`Env::from_slice`] instead (`std::env::set_var` is `unsafe` in edition 2024 for good reason).
///
/// ```
/// use cloud_core::Env;
/// let env = Env::from_slice(&[("CODA_API_TOKEN", "t")]);
/// assert_eq!(env.get("CODA_API_TOKEN").as_deref(), Some("t"));
/// assert_eq!(env.get("HOME"), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Env {
    fake: Option<Arc<HashMap<String, String>>>,
}

impl Env {
    /// The process environment.
    pub fn real() -> Self {
        Self { fake: None }
    }

    /// A fixed environment holding exactly these variables.
    pub fn from_slice(vars: &[(&str, &str)]) -> Self {
        let map = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Self { fake: Some(Arc::new(map)) }
    }

    /// The value of `key`, if set and valid Unicode. Empty values count as unset.
    pub fn get(&self, key: &str) -> Option<String> {
        let value = match &self.fake {
            Some(map) => map.get(key).cloned(),
            None => std::env::var(key).ok(),
        };
        value.filter(|v| !v.is_empty())
    }

    /// The first of `keys` that is set.
    pub fn get_any(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// Every variable whose name starts with `prefix`, sorted by name.
    pub fn with_prefix(&self, prefix: &str) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = match &self.fake {
            Some(map) => {
                map.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(k, v)| (k.clone(), v.clone())).collect()
            }
            None => std::env::vars().filter(|(k, _)| k.starts_with(prefix)).collect(),
        };
        vars.sort();
        vars
    }
}

/// A boolean setting as people write them: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, in
/// any case and with surrounding spaces; `None` for anything else.
///
/// ```
/// assert_eq!(cloud_core::parse_bool(" TRUE "), Some(true));
/// assert_eq!(cloud_core::parse_bool("off"), Some(false));
/// assert_eq!(cloud_core::parse_bool("maybe"), None);
/// ```
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_env_is_isolated() {
        let env = Env::from_slice(&[("A_ONE", "1"), ("A_TWO", ""), ("B", "2")]);
        assert_eq!(env.get("A_ONE").as_deref(), Some("1"));
        assert_eq!(env.get("A_TWO"), None);
        assert_eq!(env.get_any(&["A_TWO", "B"]).as_deref(), Some("2"));
        assert_eq!(env.with_prefix("A_").len(), 2);
        assert_eq!(env.get("PATH"), None);
    }
}
