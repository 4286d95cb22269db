//! Generations and metagenerations: GCS's own version numbers of an object, the preconditions
//! on them, and the calls that take them ([`GcsClient::describe_object`],
//! [`GcsClient::update_object_metadata`], [`GcsClient::delete_object_with`]).
//!
//! Every write of an object's data gives it a new **generation**; every change of its metadata
//! alone (`objects.patch`) a new **metageneration** (1 when the data is written). The JSON API
//! evaluates `ifGenerationMatch`, `ifGenerationNotMatch`, `ifMetagenerationMatch` and
//! `ifMetagenerationNotMatch` atomically with the request: a read-modify-write of metadata that
//! names the metageneration it read cannot overwrite a concurrent change. A failed precondition
//! is `412` (`PreconditionFailed`), or `304` (`NotModified`) for a "not match" on a read.

use std::collections::BTreeMap;

use cloud_core::http::Method;
use cloud_core::storage::{ContentHeaders, ObjectMeta, validate_bucket_name, validate_key, validate_metadata};
use cloud_core::{CloudProvider, Error, Result};
use serde::Serialize;

use crate::client::GcsClient;
use crate::model::Object;

/// Generation and metageneration preconditions of a request; all that are set must hold.
///
/// `if_generation_match(0)` means "only if there is no live object of that name".
///
/// ```
/// use cloud_gcp::GcsPreconditions;
/// let only_this_version = GcsPreconditions::new()
///     .with_if_generation_match(1_700_000_000_000_001)
///     .with_if_metageneration_match(3);
/// assert!(!only_this_version.is_empty());
/// assert!(GcsPreconditions::new().is_empty());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GcsPreconditions {
    /// Only if the object's generation is this (0: only if it does not exist).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_generation_match: Option<i64>,
    /// Only if the object's generation is not this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_generation_not_match: Option<i64>,
    /// Only if the object's metageneration is this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_metageneration_match: Option<i64>,
    /// Only if the object's metageneration is not this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_metageneration_not_match: Option<i64>,
}

impl GcsPreconditions {
    /// No precondition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only if the object's generation is `generation` (0: only if it does not exist).
    #[must_use]
    pub fn with_if_generation_match(mut self, generation: i64) -> Self {
        self.if_generation_match = Some(generation);
        self
    }

    /// Only if the object's generation is not `generation`.
    #[must_use]
    pub fn with_if_generation_not_match(mut self, generation: i64) -> Self {
        self.if_generation_not_match = Some(generation);
        self
    }

    /// Only if the object's metageneration is `metageneration`.
    #[must_use]
    pub fn with_if_metageneration_match(mut self, metageneration: i64) -> Self {
        self.if_metageneration_match = Some(metageneration);
        self
    }

    /// Only if the object's metageneration is not `metageneration`.
    #[must_use]
    pub fn with_if_metageneration_not_match(mut self, metageneration: i64) -> Self {
        self.if_metageneration_not_match = Some(metageneration);
        self
    }

    /// Whether no precondition is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Generations are at least 0, metagenerations at least 1.
    fn validate(&self) -> Result<()> {
        let checks = [
            ("if_generation_match", self.if_generation_match, 0),
            ("if_generation_not_match", self.if_generation_not_match, 0),
            ("if_metageneration_match", self.if_metageneration_match, 1),
            ("if_metageneration_not_match", self.if_metageneration_not_match, 1),
        ];
        for (name, value, least) in checks {
            if let Some(value) = value
                && value < least
            {
                return Err(Error::invalid_input(format!("{name} must be at least {least}, not {value}"))
                    .with_provider(CloudProvider::Gcp));
            }
        }
        Ok(())
    }
}

/// An object as GCS describes it: the portable [`ObjectMeta`] (whose ETag is the generation) and
/// the two version numbers to make preconditions from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcsObject {
    /// Key, size, content type, custom metadata, content headers, last change; `etag` is the
    /// generation.
    pub meta: ObjectMeta,
    /// The version of the data.
    pub generation: i64,
    /// The version of the metadata of that data: 1 when written, one more per metadata update.
    pub metageneration: i64,
}

impl GcsObject {
    fn from_resource(object: &Object, operation: &'static str) -> Result<Self> {
        let missing = |what: &str| {
            Error::new(cloud_core::ErrorKind::ResponseInvalid, format!("the object resource has no {what}"))
                .with_provider(CloudProvider::Gcp)
                .with_operation(operation)
        };
        Ok(Self {
            meta: object.to_meta()?,
            generation: object.generation()?.ok_or_else(|| missing("generation"))?,
            metageneration: object.metageneration()?.ok_or_else(|| missing("metageneration"))?,
        })
    }
}

/// A change of an object's metadata (`objects.patch`): what is set changes, the rest stays.
///
/// ```
/// use cloud_core::storage::ContentHeaders;
/// use cloud_gcp::MetadataPatch;
/// let patch = MetadataPatch::new()
///     .with_content_type("text/csv")
///     .with_headers(ContentHeaders::default().with_cache_control("no-cache"))
///     .with_metadata("reviewed-by", "ana")
///     .without_metadata("draft");
/// assert!(!patch.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataPatch {
    content_type: Option<String>,
    headers: ContentHeaders,
    /// Custom metadata to set (`Some`) or remove (`None`, sent as `null`).
    metadata: BTreeMap<String, Option<String>>,
}

/// The JSON body of `objects.patch`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    content_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_disposition: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_encoding: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_language: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: &'a BTreeMap<String, Option<String>>,
}

impl MetadataPatch {
    /// A patch that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the content type.
    #[must_use]
    pub fn with_content_type(mut self, value: impl Into<String>) -> Self {
        self.content_type = Some(value.into());
        self
    }

    /// Sets the content headers that are set in `headers` (the others stay as they are).
    #[must_use]
    pub fn with_headers(mut self, headers: ContentHeaders) -> Self {
        self.headers = headers;
        self
    }

    /// Sets one custom metadata entry (keys as everywhere in this library: 1 to 128 of `a-z`,
    /// `0-9`, `-`; values printable ASCII).
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), Some(value.into()));
        self
    }

    /// Removes one custom metadata entry.
    #[must_use]
    pub fn without_metadata(mut self, key: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), None);
        self
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    fn body(&self) -> PatchBody<'_> {
        PatchBody {
            content_type: self.content_type.as_deref(),
            cache_control: self.headers.cache_control.as_deref(),
            content_disposition: self.headers.content_disposition.as_deref(),
            content_encoding: self.headers.content_encoding.as_deref(),
            content_language: self.headers.content_language.as_deref(),
            metadata: &self.metadata,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.is_empty() {
            return Err(Error::invalid_input("the metadata patch changes nothing").with_provider(CloudProvider::Gcp));
        }
        let entries = self.metadata.iter().map(|(k, v)| (k.clone(), v.clone().unwrap_or_default())).collect();
        validate_metadata(&entries)
    }
}

impl GcsClient {
    /// The object's description with its generation and metageneration (`objects.get`), if
    /// `conditions` hold.
    ///
    /// # Errors
    /// `InvalidInput` for a bad name or a negative generation; `NotFound`; `PreconditionFailed`
    /// when a "match" precondition fails, `NotModified` when a "not match" one does;
    /// `Unsupported` for preconditions on an emulator, which ignores them.
    pub async fn describe_object(&self, bucket: &str, key: &str, conditions: GcsPreconditions) -> Result<GcsObject> {
        self.check_conditions(bucket, key, &conditions)?;
        let object = self.object(bucket, key, conditions).await?;
        GcsObject::from_resource(&object, "head_object")
    }

    /// Changes the object's metadata (`objects.patch`) if `conditions` hold, and returns the new
    /// description (same generation, next metageneration).
    ///
    /// With `if_metageneration_match` set to the metageneration read before, a concurrent change
    /// makes this fail with `PreconditionFailed` instead of being overwritten; such a patch is
    /// also safe to retry, so only then is it retried after a failure that leaves its outcome
    /// unknown.
    ///
    /// ```no_run
    /// # async fn demo(gcs: cloud_gcp::GcsClient) -> cloud_core::Result<()> {
    /// use cloud_core::ErrorKind;
    /// use cloud_gcp::{GcsPreconditions, MetadataPatch};
    ///
    /// let current = gcs.describe_object("my-bucket", "report.csv", GcsPreconditions::new()).await?;
    /// let patch = MetadataPatch::new().with_metadata("reviewed-by", "ana");
    /// let guard = GcsPreconditions::new()
    ///     .with_if_generation_match(current.generation)
    ///     .with_if_metageneration_match(current.metageneration);
    /// match gcs.update_object_metadata("my-bucket", "report.csv", &patch, guard).await {
    ///     Ok(updated) => assert_eq!(updated.metageneration, current.metageneration + 1),
    ///     Err(e) if e.kind() == ErrorKind::PreconditionFailed => println!("changed meanwhile; read it again"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` for a bad name, an empty patch, a bad metadata entry or a negative
    /// precondition; `NotFound`; `PreconditionFailed`; `Unsupported` for preconditions on an
    /// emulator, which ignores them.
    pub async fn update_object_metadata(
        &self,
        bucket: &str,
        key: &str,
        patch: &MetadataPatch,
        conditions: GcsPreconditions,
    ) -> Result<GcsObject> {
        self.check_conditions(bucket, key, &conditions)?;
        patch.validate()?;
        let object: Object = self
            .api(Method::PATCH, &["storage", "v1", "b", bucket, "o", key], "update_object_metadata")
            .query(&conditions)
            .json(&patch.body())
            .idempotent(conditions.if_metageneration_match.is_some())
            .send_json()
            .await?;
        GcsObject::from_resource(&object, "update_object_metadata")
    }

    /// Deletes the object (`objects.delete`) if `conditions` hold: with `if_generation_match`,
    /// only the version that was read, never a newer one written since.
    ///
    /// # Errors
    /// `InvalidInput` for a bad name or a negative precondition; `NotFound`;
    /// `PreconditionFailed`; `Unsupported` for preconditions on an emulator, which ignores them.
    pub async fn delete_object_with(&self, bucket: &str, key: &str, conditions: GcsPreconditions) -> Result<()> {
        self.check_conditions(bucket, key, &conditions)?;
        self.remove_object(bucket, key, conditions).await
    }

    /// Names and preconditions are valid, and preconditions are honoured by the endpoint.
    fn check_conditions(&self, bucket: &str, key: &str, conditions: &GcsPreconditions) -> Result<()> {
        validate_bucket_name(bucket)?;
        validate_key(key)?;
        conditions.validate()?;
        if self.inner.emulator && !conditions.is_empty() {
            return Err(Error::unsupported(
                "the storage emulator ignores generation and metageneration preconditions; they are refused rather than not applied",
            )
            .with_provider(CloudProvider::Gcp));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::ErrorKind;

    use super::*;

    #[test]
    fn preconditions_travel_as_query_parameters() {
        let conditions = GcsPreconditions::new().with_if_generation_match(0).with_if_metageneration_not_match(4);
        let query = serde_json::to_value(conditions).unwrap();
        assert_eq!(query, serde_json::json!({"ifGenerationMatch": 0, "ifMetagenerationNotMatch": 4}));
        assert_eq!(
            GcsPreconditions::new().with_if_metageneration_match(0).validate().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            GcsPreconditions::new().with_if_generation_not_match(-1).validate().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn patches_remove_entries_with_null() {
        let patch = MetadataPatch::new().with_content_type("text/csv").with_metadata("a", "1").without_metadata("b");
        assert_eq!(
            serde_json::to_value(patch.body()).unwrap(),
            serde_json::json!({"contentType": "text/csv", "metadata": {"a": "1", "b": null}})
        );
        assert_eq!(MetadataPatch::new().validate().unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!(
            MetadataPatch::new().with_metadata("Bad Key", "v").validate().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
}
