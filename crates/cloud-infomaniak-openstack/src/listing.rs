//! What the OpenStack APIs that page with `marker` and `*_links` share (Nova, Cinder, Neutron,
//! Octavia): the links of a page, an item's id as the next marker, the decoding of an answer's
//! wrapped field, and one listing stream for the services whose answers wrap each collection
//! under its own key.

use cloud_core::stream::{Page, paginate};
use cloud_core::{Error, ErrorKind, Result};
use futures::stream::BoxStream;
use http::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::PROVIDER;
use crate::session::{InfomaniakCloud, Service};

/// One entry of a `*_links` list (`{"rel": "next", "href": …}`).
#[derive(Deserialize)]
pub(crate) struct Link {
    #[serde(default)]
    rel: Option<String>,
}

/// Whether a `*_links` list has a `next` page.
pub(crate) fn has_next(links: &[Link]) -> bool {
    links.iter().any(|l| l.rel.as_deref() == Some("next"))
}

/// Items with an id: the marker of the next page.
pub(crate) trait HasId {
    fn id(&self) -> &str;
}

/// An answer of `service` (`"Neutron"`) that does not have the documented shape.
pub(crate) fn wire_error(service: &str, op: &'static str, e: &serde_json::Error) -> Error {
    Error::new(ErrorKind::ResponseInvalid, format!("unexpected {service} answer: {e}"))
        .with_provider(PROVIDER)
        .with_operation(op)
}

/// Takes `key` out of an answer object of `service` and decodes it.
pub(crate) fn take_field<T: DeserializeOwned>(
    body: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    service: &str,
    op: &'static str,
) -> Result<T> {
    let value = body.remove(key).ok_or_else(|| {
        Error::new(ErrorKind::ResponseInvalid, format!("{service}'s answer has no {key:?}"))
            .with_provider(PROVIDER)
            .with_operation(op)
    })?;
    serde_json::from_value(value).map_err(|e| wire_error(service, op, &e))
}

/// A listing of `path` on `service` whose answers hold the items under `key` and the links under
/// `<key>_links`, as a stream over `marker` with `limit` items per page. A `next` link after a
/// full last page (Octavia sends one) costs one more request, which comes back empty and ends it.
pub(crate) struct MarkerListing {
    pub(crate) session: InfomaniakCloud,
    pub(crate) service: Service,
    /// `"Neutron"`, `"Octavia"`: how errors name the service.
    pub(crate) service_name: &'static str,
    pub(crate) path: String,
    pub(crate) key: &'static str,
    pub(crate) op: &'static str,
    pub(crate) limit: u32,
    pub(crate) filters: Vec<(&'static str, String)>,
}

impl MarkerListing {
    pub(crate) fn stream<T>(self) -> BoxStream<'static, Result<T>>
    where
        T: DeserializeOwned + HasId + Send + 'static,
    {
        paginate(move |marker: Option<String>| {
            let (session, path, filters) = (self.session.clone(), self.path.clone(), self.filters.clone());
            let (service, service_name, key, op, limit) =
                (self.service, self.service_name, self.key, self.op, self.limit);
            async move {
                let mut call =
                    session.request(service, Method::GET, path).operation(op).query("limit", limit.to_string());
                for (k, v) in filters {
                    call = call.query(k, v);
                }
                let mut body: serde_json::Map<String, serde_json::Value> =
                    call.query_opt("marker", marker).send().await?.json()?;
                let items: Vec<T> = take_field(&mut body, key, service_name, op)?;
                let links: Vec<Link> = match body.remove(&format!("{key}_links")) {
                    Some(v) => serde_json::from_value(v).map_err(|e| wire_error(service_name, op, &e))?,
                    None => Vec::new(),
                };
                let next = if has_next(&links) { items.last().map(|i| i.id().to_owned()) } else { None };
                Ok(Page::new(items, next))
            }
        })
    }
}
