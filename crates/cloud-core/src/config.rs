//! Settings by name: [`ConfigKey`], the trait of every builder's key enum (`S3ConfigKey`,
//! `AzureConfigKey`, …), [`Configure`], the builders that take such keys, and [`InvalidValues`],
//! where a builder keeps the values it could not parse until `build` reports them.
//!
//! A builder's settings have one canonical name each (`"region"`), are read from one or more
//! environment variables (`AWS_REGION`, then `AWS_DEFAULT_REGION`) and can be set by name from a
//! configuration file or a URL through `with_config`. The precedence is the same everywhere: a
//! later call wins, so `from_env` followed by `with_*` calls gives "explicit settings > the
//! environment > defaults".
//!
//! ```
//! use cloud_core::config::{ConfigKey, Configure, InvalidValues};
//! use cloud_core::{Env, Result};
//!
//! #[derive(Debug, Clone, Copy, PartialEq, Eq)]
//! enum Key { Endpoint, Retries }
//!
//! impl std::fmt::Display for Key {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         f.write_str(self.name())
//!     }
//! }
//!
//! impl ConfigKey for Key {
//!     const SERVICE: &'static str = "Example";
//!     fn keys() -> &'static [Self] { &[Key::Endpoint, Key::Retries] }
//!     fn name(self) -> &'static str {
//!         match self { Key::Endpoint => "endpoint", Key::Retries => "retries" }
//!     }
//!     fn env_names(self) -> &'static [&'static str] {
//!         match self { Key::Endpoint => &["EXAMPLE_ENDPOINT"], Key::Retries => &["EXAMPLE_RETRIES"] }
//!     }
//! }
//!
//! #[derive(Default)]
//! struct Builder { endpoint: Option<String>, retries: Option<u32>, invalid: InvalidValues }
//!
//! impl Configure for Builder {
//!     type Key = Key;
//!     fn set_config(mut self, key: Key, value: String) -> Self {
//!         match key {
//!             Key::Endpoint => self.endpoint = Some(value),
//!             Key::Retries => self.retries = self.invalid.parse_number(key, &value),
//!         }
//!         self
//!     }
//! }
//!
//! let env = Env::from_slice(&[("EXAMPLE_ENDPOINT", "http://127.0.0.1:9"), ("EXAMPLE_RETRIES", "many")]);
//! let builder = Builder::default().with_env(&env);
//! assert_eq!(builder.endpoint.as_deref(), Some("http://127.0.0.1:9"));
//! assert!(builder.invalid.check().unwrap_err().to_string().ends_with(r#"invalid value "many" for retries"#));
//! assert_eq!(Key::from_name("EXAMPLE_RETRIES")?, Key::Retries);
//! # Ok::<(), cloud_core::Error>(())
//! ```

use std::str::FromStr;

use crate::{Env, Error, Result, parse_bool};

/// A setting of a builder, by name: the key enums of the provider crates implement it.
///
/// Each key has one canonical name and any number of environment variable names (the first set
/// one wins); both spellings are accepted by [`from_name`](Self::from_name).
pub trait ConfigKey: Copy + Eq + std::fmt::Debug + std::fmt::Display + Send + Sync + 'static {
    /// What the keys configure, for messages (`"S3"`, `"Azure"`).
    const SERVICE: &'static str;

    /// Whether [`from_name`](Self::from_name) ignores ASCII case (default: it does not).
    const IGNORE_ASCII_CASE: bool = false;

    /// Every key, in the order [`Configure::with_env`] applies them.
    fn keys() -> &'static [Self];

    /// The canonical name (`"region"`).
    fn name(self) -> &'static str;

    /// The environment variables that set this key, the first set one winning (may be empty).
    fn env_names(self) -> &'static [&'static str];

    /// Whether the value is a secret: never returned by a builder's `get_config_value`, and
    /// refused where settings come from an untrusted place such as a URL (default: not secret).
    fn is_secret(self) -> bool {
        false
    }

    /// The key whose canonical name or environment variable is `name`.
    ///
    /// # Errors
    /// `InvalidConfig` naming [`SERVICE`](Self::SERVICE) when no key has that name.
    fn from_name(name: &str) -> Result<Self> {
        let same = |candidate: &str| {
            if Self::IGNORE_ASCII_CASE { candidate.eq_ignore_ascii_case(name) } else { candidate == name }
        };
        Self::keys()
            .iter()
            .copied()
            .find(|key| same(key.name()) || key.env_names().iter().any(|env| same(env)))
            .ok_or_else(|| Error::invalid_config(format!("unknown {} configuration key {name:?}", Self::SERVICE)))
    }
}

/// A builder that takes its settings by [`ConfigKey`].
///
/// Implementors write [`set_config`](Self::set_config), one `match` arm a key; reading the
/// environment and applying settings by name come with the trait.
pub trait Configure: Sized {
    /// The builder's keys.
    type Key: ConfigKey;

    /// Sets one key from its text form (as in the environment). Values that do not parse are
    /// kept for `build` to report (see [`InvalidValues`]), so this never fails.
    #[must_use]
    fn set_config(self, key: Self::Key, value: String) -> Self;

    /// Applies every key set in `env`, in the order of [`ConfigKey::keys`] (empty values count as
    /// unset).
    #[must_use]
    fn with_env(self, env: &Env) -> Self {
        self.with_env_filtered(env, |_| true)
    }

    /// As [`with_env`](Self::with_env), for the keys `read` accepts only.
    #[must_use]
    fn with_env_filtered(mut self, env: &Env, read: impl Fn(Self::Key) -> bool) -> Self {
        for &key in Self::Key::keys() {
            if read(key)
                && let Some(value) = env.get_any(key.env_names())
            {
                self = self.set_config(key, value);
            }
        }
        self
    }

    /// Applies settings given by name (canonical or environment spelling), in order.
    ///
    /// # Errors
    /// `InvalidConfig` for a name no key has; nothing is applied then.
    fn with_settings<N, V>(mut self, settings: impl IntoIterator<Item = (N, V)>) -> Result<Self>
    where
        N: AsRef<str>,
        V: Into<String>,
    {
        let parsed: Vec<(Self::Key, String)> = settings
            .into_iter()
            .map(|(name, value)| Ok((Self::Key::from_name(name.as_ref())?, value.into())))
            .collect::<Result<_>>()?;
        for (key, value) in parsed {
            self = self.set_config(key, value);
        }
        Ok(self)
    }
}

/// The values a builder could not parse, kept until `build` reports the first of them.
///
/// `with_config` cannot fail (so that it chains); a builder holds one `InvalidValues` and parses
/// through it.
///
/// ```
/// use cloud_core::config::InvalidValues;
/// let mut invalid = InvalidValues::default();
/// assert_eq!(invalid.parse_bool("allow_http", " yes "), Some(true));
/// assert_eq!(invalid.parse_number::<u64>("part_size", "5 MiB"), None);
/// let err = invalid.check().unwrap_err();
/// assert_eq!(err.kind(), cloud_core::ErrorKind::InvalidConfig);
/// assert!(err.to_string().contains(r#"invalid value "5 MiB" for part_size"#));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvalidValues {
    problems: Vec<String>,
}

impl InvalidValues {
    /// `value` parsed by `parse` (after trimming spaces), or `None` remembering the failure.
    pub fn parse<T>(
        &mut self,
        key: impl std::fmt::Display,
        value: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(value.trim());
        if parsed.is_none() {
            self.problems.push(format!("invalid value {value:?} for {key}"));
        }
        parsed
    }

    /// A boolean as [`parse_bool`] reads it.
    pub fn parse_bool(&mut self, key: impl std::fmt::Display, value: &str) -> Option<bool> {
        self.parse(key, value, parse_bool)
    }

    /// A number (or any [`FromStr`] value).
    pub fn parse_number<T: FromStr>(&mut self, key: impl std::fmt::Display, value: &str) -> Option<T> {
        self.parse(key, value, |v| v.parse().ok())
    }

    /// Whether every value parsed.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Ok` when every value parsed.
    ///
    /// # Errors
    /// `InvalidConfig` naming the first value that did not parse and its key.
    pub fn check(&self) -> Result<()> {
        match self.problems.first() {
            Some(problem) => Err(Error::invalid_config(problem.clone())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Key {
        Region,
        Secret,
    }

    impl std::fmt::Display for Key {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.name())
        }
    }

    impl ConfigKey for Key {
        const SERVICE: &'static str = "Test";
        const IGNORE_ASCII_CASE: bool = true;

        fn keys() -> &'static [Self] {
            &[Self::Region, Self::Secret]
        }

        fn name(self) -> &'static str {
            match self {
                Self::Region => "region",
                Self::Secret => "secret",
            }
        }

        fn env_names(self) -> &'static [&'static str] {
            match self {
                Self::Region => &["T_REGION", "T_DEFAULT_REGION"],
                Self::Secret => &["T_SECRET"],
            }
        }

        fn is_secret(self) -> bool {
            self == Self::Secret
        }
    }

    #[derive(Debug, Default)]
    struct Builder {
        applied: Vec<(Key, String)>,
    }

    impl Configure for Builder {
        type Key = Key;

        fn set_config(mut self, key: Key, value: String) -> Self {
            self.applied.push((key, value));
            self
        }
    }

    #[test]
    fn names_parse_in_both_spellings() {
        assert_eq!(Key::from_name("region").unwrap(), Key::Region);
        assert_eq!(Key::from_name("t_default_region").unwrap(), Key::Region);
        assert_eq!(Key::from_name("SECRET").unwrap(), Key::Secret);
        let err = Key::from_name("teleport").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.to_string().ends_with(r#"unknown Test configuration key "teleport""#), "{err}");
        assert!(Key::Secret.is_secret() && !Key::Region.is_secret());
    }

    #[test]
    fn env_applies_keys_in_order_first_name_winning() {
        let env = Env::from_slice(&[("T_SECRET", "s"), ("T_DEFAULT_REGION", "b"), ("T_REGION", "a"), ("T_X", "x")]);
        let builder = Builder::default().with_env(&env);
        assert_eq!(builder.applied, [(Key::Region, "a".to_owned()), (Key::Secret, "s".to_owned())]);
        let env = Env::from_slice(&[("T_REGION", ""), ("T_DEFAULT_REGION", "b")]);
        assert_eq!(Builder::default().with_env(&env).applied, [(Key::Region, "b".to_owned())]);
        let filtered = Builder::default().with_env_filtered(&env, |k| k != Key::Region);
        assert!(filtered.applied.is_empty());
    }

    #[test]
    fn settings_by_name_apply_in_order_or_not_at_all() {
        let builder = Builder::default().with_settings([("region", "a"), ("T_REGION", "b")]).unwrap();
        assert_eq!(builder.applied, [(Key::Region, "a".to_owned()), (Key::Region, "b".to_owned())]);
        let err = Builder::default().with_settings([("region", "a"), ("nope", "b")]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn invalid_values_report_the_first_failure() {
        let mut invalid = InvalidValues::default();
        assert!(invalid.check().is_ok() && invalid.is_empty());
        assert_eq!(invalid.parse_number::<u32>(Key::Region, " 7 "), Some(7));
        assert_eq!(invalid.parse_bool(Key::Region, "perhaps"), None);
        assert_eq!(invalid.parse_number::<u32>(Key::Secret, "-1"), None);
        let err = invalid.check().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.to_string().ends_with(r#"invalid value "perhaps" for region"#), "{err}");
    }
}
