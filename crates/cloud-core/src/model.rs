//! The provider-independent models: [`CloudProvider`], [`ResourceType`], [`CloudCredentials`] and
//! [`CloudResource`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, SecretString};

/// Declares a fieldless public enum that round-trips through `as_str`, `Display`, `FromStr` and
/// serde, all from one table of `Variant => "string"` pairs.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The lowercase name, as used in URLs, env values and serialized form.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $s),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = Error;

            /// Parses the lowercase name, ignoring ASCII case.
            fn from_str(s: &str) -> Result<Self, Error> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let known: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        Error::invalid_input(format!(
                            "unknown {} {s:?}; expected one of {}",
                            stringify!($name),
                            known.join(", ")
                        ))
                    })
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_enum! {
    /// A cloud provider (or the local machine).
    CloudProvider {
        /// Amazon Web Services.
        Aws => "aws",
        /// Google Cloud Platform.
        Gcp => "gcp",
        /// Microsoft Azure.
        Azure => "azure",
        /// Infomaniak (Public Cloud, S3, Newsletter).
        Infomaniak => "infomaniak",
        /// Coda.io.
        Coda => "coda",
        /// The local machine: a directory or memory.
        Local => "local",
    }
}

string_enum! {
    /// The kind of a [`CloudResource`].
    ResourceType {
        /// Virtual machines.
        Compute => "compute",
        /// Buckets, containers, volumes.
        Storage => "storage",
        /// Managed databases.
        Database => "database",
        /// Networks, subnets, routers.
        Network => "network",
        /// Functions.
        Serverless => "serverless",
        /// Container services.
        Container => "container",
        /// Message queues.
        Queue => "queue",
        /// Documents (Coda docs).
        Document => "document",
    }
}

/// Credentials for one provider, as the Python library's `CloudCredentials` held them.
///
/// The secret key is a [`SecretString`]: `Debug` never shows it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CloudCredentials {
    /// The provider these credentials are for.
    pub provider: CloudProvider,
    /// The access key id, application credential id or API token id.
    pub access_key: Option<String>,
    /// The secret paired with `access_key`.
    pub secret_key: Option<SecretString>,
    /// The region (default `us-east-1`, as in the Python client).
    pub region: String,
    /// The project (GCP project, OpenStack project).
    pub project_id: Option<String>,
    /// A named profile (AWS shared config).
    pub profile: Option<String>,
    /// Anything else, never secret.
    pub metadata: BTreeMap<String, String>,
}

impl CloudCredentials {
    /// Empty credentials for `provider` in the Python library's default region `us-east-1`.
    pub fn new(provider: CloudProvider) -> Self {
        Self {
            provider,
            access_key: None,
            secret_key: None,
            region: "us-east-1".to_owned(),
            project_id: None,
            profile: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the access key and its secret.
    #[must_use]
    pub fn with_keys(mut self, access_key: impl Into<String>, secret_key: impl Into<SecretString>) -> Self {
        self.access_key = Some(access_key.into());
        self.secret_key = Some(secret_key.into());
        self
    }

    /// Sets the region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets the project id.
    #[must_use]
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Sets the profile name.
    #[must_use]
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }
}

/// A resource of any provider, in the Python library's generic shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CloudResource {
    /// The provider's id of the resource.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// What it is.
    #[serde(rename = "type")]
    pub resource_type: ResourceType,
    /// Who hosts it.
    pub provider: CloudProvider,
    /// Where it lives (empty when the provider has no regions).
    pub region: String,
    /// Its status as the provider words it (`"active"` when the provider says nothing).
    pub status: String,
    /// When it was created, if known.
    pub created_at: Option<DateTime<Utc>>,
    /// The provider's tags or labels.
    pub tags: BTreeMap<String, String>,
    /// Anything else the provider returned that is worth keeping.
    pub metadata: BTreeMap<String, serde_json::Value>,
}

impl CloudResource {
    /// A resource with status `"active"` and nothing else set.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        resource_type: ResourceType,
        provider: CloudProvider,
        region: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            resource_type,
            provider,
            region: region.into(),
            status: "active".to_owned(),
            created_at: None,
            tags: BTreeMap::new(),
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the status.
    #[must_use]
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// Sets the creation time.
    #[must_use]
    pub fn with_created_at(mut self, created_at: DateTime<Utc>) -> Self {
        self.created_at = Some(created_at);
        self
    }

    /// Adds a tag.
    #[must_use]
    pub fn with_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Adds a metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.metadata.insert(key.into(), value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for p in CloudProvider::ALL {
            assert_eq!(p.as_str().parse::<CloudProvider>().unwrap(), *p);
            assert_eq!(p.to_string(), p.as_str());
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(serde_json::from_str::<CloudProvider>(&json).unwrap(), *p);
        }
        for t in ResourceType::ALL {
            assert_eq!(t.as_str().parse::<ResourceType>().unwrap(), *t);
        }
        assert_eq!("AWS".parse::<CloudProvider>().unwrap(), CloudProvider::Aws);
        let err = "ibm".parse::<CloudProvider>().unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("expected one of aws, gcp"));
    }

    #[test]
    fn resource_serializes_like_the_python_client() {
        let r = CloudResource::new("d1", "Doc", ResourceType::Document, CloudProvider::Coda, "");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["type"], "document");
        assert_eq!(v["provider"], "coda");
        assert_eq!(v["status"], "active");
    }
}
