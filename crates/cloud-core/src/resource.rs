//! The generic resource view: [`CloudClient`] over [`CloudResource`]s.

use std::fmt::{Debug, Display};

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::{CloudProvider, CloudResource, ResourceType, Result};

/// The Python library's generic resource contract, made async and typed.
///
/// Providers expose what they host (Coda docs, OpenStack servers, volumes and containers) as
/// [`CloudResource`]s; create takes a JSON configuration whose shape each provider documents.
#[async_trait]
pub trait CloudClient: Debug + Display + Send + Sync + 'static {
    /// The provider behind this client.
    fn provider(&self) -> CloudProvider;

    /// Every resource, or only those of one type.
    ///
    /// # Errors
    /// The stream yields `Unsupported` for a type the provider does not host, and transport and
    /// auth kinds.
    fn list_resources(&self, resource_type: Option<ResourceType>) -> BoxStream<'static, Result<CloudResource>>;

    /// One resource by id.
    ///
    /// # Errors
    /// `NotFound` if no resource of this provider has the id.
    async fn get_resource(&self, id: &str) -> Result<CloudResource>;

    /// Creates a resource of `resource_type` named `name`.
    ///
    /// # Errors
    /// `Unsupported` for a type the provider cannot create; `InvalidInput` for a bad `config`.
    async fn create_resource(
        &self,
        name: &str,
        resource_type: ResourceType,
        config: serde_json::Value,
    ) -> Result<CloudResource>;

    /// Deletes a resource by id.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete_resource(&self, id: &str) -> Result<()>;
}
