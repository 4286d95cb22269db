//! The generic resource view: Coda docs as [`CloudResource`]s of type `Document`.

use async_trait::async_trait;
use cloud_core::{CloudClient, CloudProvider, CloudResource, Error, ResourceType, Result};
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::{Value, json};

use crate::client::CodaClient;
use crate::models::{Doc, DocCreate, DocumentCreationResult};
use crate::operations::ListDocsOptions;

/// The region of every Coda resource (Coda has none; the Python client said `"global"`).
const REGION: &str = "global";

/// Docs as resources, as the Python client's `CodaClient` offered them.
///
/// - `list_resources(None | Some(Document))` streams every doc (all pages, not just the first 25);
///   any other type yields one `Unsupported` error.
/// - `get_resource(id)` reads a doc; unlike the Python client, a missing doc is a `NotFound` error, not `None`.
/// - `create_resource(name, Document, config)` creates a doc titled `name`; `config` is a JSON object
///   of [`DocCreate`] fields (`sourceDoc`, `timezone`, `folderId`, `initialPage`).
/// - `delete_resource(id)` deletes a doc (Coda applies it asynchronously).
///
/// A resource's metadata holds `browser_link`, `href`, `owner`, `owner_name`, `workspace_id`,
/// `folder_id` and `updated_at`.
#[async_trait]
impl CloudClient for CodaClient {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Coda
    }

    fn list_resources(&self, resource_type: Option<ResourceType>) -> BoxStream<'static, Result<CloudResource>> {
        match resource_type {
            None | Some(ResourceType::Document) => {
                self.list_docs(ListDocsOptions::default()).map(|doc| doc.map(|d| doc_resource(&d))).boxed()
            }
            Some(other) => stream::once(async move { Err(unsupported(other)) }).boxed(),
        }
    }

    async fn get_resource(&self, id: &str) -> Result<CloudResource> {
        self.get_doc(id).await.map(|doc| doc_resource(&doc))
    }

    async fn create_resource(&self, name: &str, resource_type: ResourceType, config: Value) -> Result<CloudResource> {
        if resource_type != ResourceType::Document {
            return Err(unsupported(resource_type));
        }
        let mut fields = match config {
            Value::Object(fields) => fields,
            Value::Null => serde_json::Map::new(),
            other => {
                return Err(Error::invalid_input(format!("a Coda doc's config must be a JSON object, not {other}")));
            }
        };
        fields.insert("title".to_owned(), json!(name));
        let request: DocCreate = serde_json::from_value(Value::Object(fields))
            .map_err(|e| Error::invalid_input(format!("invalid Coda doc config: {e}")))?;
        let created = self.create_doc(&request).await?;
        Ok(doc_resource(&Doc::from(created)))
    }

    async fn delete_resource(&self, id: &str) -> Result<()> {
        self.delete_doc(id).await.map(drop)
    }
}

fn unsupported(resource_type: ResourceType) -> Error {
    Error::unsupported(format!("Coda hosts only documents, not {resource_type} resources"))
        .with_provider(CloudProvider::Coda)
}

/// A doc as a resource.
fn doc_resource(doc: &Doc) -> CloudResource {
    CloudResource::new(&doc.id, &doc.name, ResourceType::Document, CloudProvider::Coda, REGION)
        .with_created_at(doc.created_at)
        .with_metadata("browser_link", json!(doc.browser_link))
        .with_metadata("href", json!(doc.href))
        .with_metadata("owner", json!(doc.owner))
        .with_metadata("owner_name", json!(doc.owner_name))
        .with_metadata("workspace_id", json!(doc.workspace.id))
        .with_metadata("folder_id", json!(doc.folder.id))
        .with_metadata("updated_at", json!(doc.updated_at))
}

impl From<DocumentCreationResult> for Doc {
    /// The doc of a creation result (without its `requestId`).
    fn from(created: DocumentCreationResult) -> Self {
        Self {
            id: created.id,
            kind: created.kind,
            href: created.href,
            browser_link: created.browser_link,
            name: created.name,
            owner: created.owner,
            owner_name: created.owner_name,
            created_at: created.created_at,
            updated_at: created.updated_at,
            workspace: created.workspace,
            folder: created.folder,
            workspace_id: created.workspace_id,
            folder_id: created.folder_id,
            doc_size: created.doc_size,
            icon: created.icon,
            published: created.published,
            source_doc: created.source_doc,
        }
    }
}
