//! The resource view: [`InfomaniakResources`], a [`cloud_core::CloudClient`] over Nova servers,
//! Cinder volumes, Swift containers, Neutron networks and routers, Octavia load balancers,
//! Designate zones and Heat stacks.
//!
//! Every call goes through the crate's service clients ([`NovaClient`], [`CinderClient`],
//! [`SwiftClient`]) of one shared session; this module only maps their answers to
//! [`CloudResource`]s and routes ids.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use cloud_core::storage::CreateBucketOptions;
use cloud_core::{
    CloudClient, CloudProvider, CloudResource, CreateInstanceRequest, Error, ErrorKind, ResourceType, Result,
    StorageClient,
};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::PROVIDER;
use crate::session::InfomaniakCloud;
use crate::swift::parse_swift_time;
use crate::{CinderClient, ContainerInfo, CreateVolumeRequest, NovaClient, Server, SwiftClient, Volume};
use crate::{LoadBalancer, Network, Router, Stack, Zone};

/// Servers, volumes and containers of one session, as [`CloudResource`]s.
///
/// | resource | [`ResourceType`] | `id` | `metadata["kind"]` |
/// |---|---|---|---|
/// | Nova server | `Compute` | the server's UUID | `"server"` |
/// | Cinder volume | `Storage` | the volume's UUID | `"volume"` |
/// | Swift container | `Storage` | the container's name | `"container"` |
/// | Neutron network | `Network` | the network's UUID | `"network"` |
/// | Neutron router | `Network` | the router's UUID | `"router"` |
/// | Octavia load balancer | `Network` | the load balancer's UUID | `"load_balancer"` |
/// | Designate zone | `Network` | the zone's UUID | `"zone"` |
/// | Heat stack | `Container` | the stack's UUID | `"stack"` |
///
/// [`get_resource`](CloudClient::get_resource) and [`delete_resource`](CloudClient::delete_resource)
/// look an id up in this order: a server with that id, then a volume with that id, then a
/// container with that name, then a network, router, load balancer, zone and stack with that id;
/// the first match wins, and `NotFound` means none has it. Deleting a load balancer cascades to its
/// listeners and pools; deleting a zone or stack waits until it is gone. Creation covers servers,
/// volumes and containers (the service clients create the others).
/// Services missing from the session's catalog are skipped. A server Nova still shows as
/// `DELETED` (briefly, after its deletion) is neither listed nor found.
///
/// [`create_resource`](CloudClient::create_resource) takes a JSON object:
///
/// - `Compute` — a server: `{"flavor": "…", "image": "…", "networks": ["…"], "key_name": "…",
///   "security_groups": ["…"], "user_data": "…", "availability_zone": "…",
///   "metadata": {"k": "v"}, "wait_secs": 120}`. `flavor` is required; `image`, `flavor` and
///   `networks` are names or ids (`["auto"]` / `["none"]` are Nova's own choices); `user_data` is
///   plain text (it is base64-encoded for Nova); with `wait_secs` the call waits that long for
///   `ACTIVE`, without it it returns at once (usually `BUILD`). An optional `"kind": "server"` is
///   accepted.
/// - `Storage` with `"kind": "volume"` (the default when `size_gb` is given) — a volume:
///   `{"kind": "volume", "size_gb": 1, "volume_type": "…", "availability_zone": "…",
///   "description": "…", "wait_secs": 60}`; with `wait_secs` the call waits that long for
///   `available`.
/// - `Storage` with `"kind": "container"` (the default otherwise) — a Swift container named
///   `name`: `{"kind": "container"}`.
///
/// Unknown fields and wrong types are `InvalidInput`; other resource types are `Unsupported`.
///
/// ```no_run
/// # async fn run() -> cloud_core::Result<()> {
/// use cloud_core::{CloudClient, ResourceType};
/// use futures::TryStreamExt;
///
/// let resources = cloud_infomaniak_openstack::InfomaniakCloud::from_env().await?.resources();
/// let volume = resources
///     .create_resource("data", ResourceType::Storage, serde_json::json!({"size_gb": 10, "wait_secs": 60}))
///     .await?;
/// let storage: Vec<_> = resources.list_resources(Some(ResourceType::Storage)).try_collect().await?;
/// assert!(storage.iter().any(|r| r.id == volume.id));
/// resources.delete_resource(&volume.id).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct InfomaniakResources {
    compute: NovaClient,
    volumes: CinderClient,
    swift: SwiftClient,
}

impl fmt::Debug for InfomaniakResources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfomaniakResources").field("session", self.session()).finish()
    }
}

impl fmt::Display for InfomaniakResources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "infomaniak resources ({})", self.session().config().describe())
    }
}

/// The configuration of a server, for [`CloudClient::create_resource`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerConfig {
    #[serde(default)]
    kind: Option<String>,
    flavor: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    networks: Vec<String>,
    #[serde(default)]
    key_name: Option<String>,
    #[serde(default)]
    security_groups: Vec<String>,
    #[serde(default)]
    user_data: Option<String>,
    #[serde(default)]
    availability_zone: Option<String>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    #[serde(default)]
    wait_secs: Option<u64>,
}

/// The configuration of a volume or container, for [`CloudClient::create_resource`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageConfig {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    size_gb: Option<u64>,
    #[serde(default)]
    volume_type: Option<String>,
    #[serde(default)]
    availability_zone: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    wait_secs: Option<u64>,
}

/// What an id names, once looked up.
enum Found {
    Server(Server),
    Volume(Volume),
    Container(String, BTreeMap<String, String>),
    Network(CloudResource),
    Router(CloudResource),
    LoadBalancer(CloudResource),
    Zone(CloudResource),
    Stack(CloudResource),
}

impl InfomaniakResources {
    pub(crate) fn new(session: &InfomaniakCloud) -> Self {
        Self { compute: session.nova(), volumes: session.cinder(), swift: session.swift() }
    }

    /// Connects with the process environment (see [`InfomaniakCloud::from_env`]).
    ///
    /// # Errors
    /// As [`InfomaniakCloud::from_env`].
    pub async fn from_env() -> Result<Self> {
        Ok(InfomaniakCloud::from_env().await?.resources())
    }

    /// The session this view uses.
    pub fn session(&self) -> &InfomaniakCloud {
        self.compute.session()
    }

    fn region(&self) -> String {
        self.session().region().unwrap_or_default().to_owned()
    }

    fn server_resource(&self, s: Server) -> CloudResource {
        let mut r = CloudResource::new(&s.id, &s.name, ResourceType::Compute, CloudProvider::Infomaniak, self.region())
            .with_status(&s.status)
            .with_metadata("kind", json!("server"))
            .with_metadata("flavor", json!(s.flavor))
            .with_metadata("image", json!(s.image))
            .with_metadata("addresses", json!(s.addresses))
            .with_metadata("key_name", json!(s.key_name))
            .with_metadata("availability_zone", json!(s.availability_zone))
            .with_metadata("security_groups", json!(s.security_groups));
        if let Some(fault) = s.fault {
            r = r.with_metadata("fault", json!(fault));
        }
        r.created_at = s.created_at;
        r.tags = s.metadata;
        r
    }

    fn volume_resource(&self, v: &Volume) -> CloudResource {
        let mut r = CloudResource::new(&v.id, &v.name, ResourceType::Storage, CloudProvider::Infomaniak, self.region())
            .with_status(&v.status)
            .with_metadata("kind", json!("volume"))
            .with_metadata("size_gb", json!(v.size))
            .with_metadata("volume_type", json!(v.volume_type))
            .with_metadata("availability_zone", json!(v.availability_zone))
            .with_metadata("bootable", json!(v.bootable))
            .with_metadata("encrypted", json!(v.encrypted))
            .with_metadata("attached_to", json!(v.attached_to));
        r.created_at = v.created_at;
        r
    }

    fn listed_container_resource(&self, c: &ContainerInfo) -> CloudResource {
        let mut r =
            CloudResource::new(&c.name, &c.name, ResourceType::Storage, CloudProvider::Infomaniak, self.region())
                .with_metadata("kind", json!("container"))
                .with_metadata("object_count", json!(c.count))
                .with_metadata("bytes", json!(c.bytes));
        r.created_at = c.last_modified.as_deref().and_then(parse_swift_time);
        r
    }

    /// A container from its `X-Container-*` headers: counts in metadata, user metadata as tags.
    fn headed_container_resource(&self, name: &str, headers: &BTreeMap<String, String>) -> CloudResource {
        let number = |h: &str| headers.get(h).and_then(|v| v.parse::<u64>().ok());
        let mut r = CloudResource::new(name, name, ResourceType::Storage, CloudProvider::Infomaniak, self.region())
            .with_metadata("kind", json!("container"))
            .with_metadata("object_count", json!(number("x-container-object-count")))
            .with_metadata("bytes", json!(number("x-container-bytes-used")));
        for (key, value) in headers {
            if let Some(tag) = key.strip_prefix("x-container-meta-") {
                // The container's TempURL keys are secrets, not tags.
                if !tag.starts_with("temp-url-key") {
                    r.tags.insert(tag.to_owned(), value.clone());
                }
            } else if key == "x-container-read" || key == "x-container-write" {
                r.metadata.insert(key.trim_start_matches("x-container-").to_owned(), json!(value));
            }
        }
        r
    }

    /// A stream of one service's resources, empty when the catalog lacks the service.
    fn gated(
        &self,
        service: &'static str,
        items: BoxStream<'static, Result<CloudResource>>,
    ) -> BoxStream<'static, Result<CloudResource>> {
        let session = self.session().clone();
        stream::once(async move {
            match session.endpoint(service).await {
                Ok(_) => items,
                Err(e) if e.kind() == ErrorKind::InvalidConfig => stream::empty().boxed(),
                Err(e) => stream::once(async move { Err(e) }).boxed(),
            }
        })
        .flatten()
        .boxed()
    }

    fn servers(&self) -> BoxStream<'static, Result<CloudResource>> {
        let this = self.clone();
        let servers = self
            .compute
            .list_servers()
            .try_filter(|s| futures::future::ready(!is_deleted(s)))
            .map_ok(move |s| this.server_resource(s))
            .boxed();
        self.gated("compute", servers)
    }

    fn volumes(&self) -> BoxStream<'static, Result<CloudResource>> {
        let this = self.clone();
        self.gated("block-storage", self.volumes.list_volumes().map_ok(move |v| this.volume_resource(&v)).boxed())
    }

    fn networks(&self) -> BoxStream<'static, Result<CloudResource>> {
        let region = self.region();
        let networks = self.session().neutron().list_networks().map_ok(move |n| network_resource(&n, &region)).boxed();
        let region = self.region();
        let routers = self.session().neutron().list_routers().map_ok(move |r| router_resource(&r, &region)).boxed();
        self.gated("network", networks.chain(routers).boxed())
    }

    fn load_balancers(&self) -> BoxStream<'static, Result<CloudResource>> {
        let region = self.region();
        let lbs = self.session().octavia().list_load_balancers().map_ok(move |l| lb_resource(&l, &region)).boxed();
        self.gated("load-balancer", lbs)
    }

    fn zones(&self) -> BoxStream<'static, Result<CloudResource>> {
        let region = self.region();
        self.gated("dns", self.session().designate().list_zones().map_ok(move |z| zone_resource(&z, &region)).boxed())
    }

    fn stacks(&self) -> BoxStream<'static, Result<CloudResource>> {
        let region = self.region();
        self.gated(
            "orchestration",
            self.session().heat().list_stacks().map_ok(move |s| stack_resource(&s, &region)).boxed(),
        )
    }

    /// A network, router, load balancer, zone or stack with the id `id`, in that order.
    async fn find_more(&self, id: &str) -> Result<Option<Found>> {
        let region = self.region();
        let session = self.session();
        fn hit<T>(found: Result<T>, wrap: impl FnOnce(T) -> Found) -> Result<Option<Found>> {
            match found {
                Ok(t) => Ok(Some(wrap(t))),
                Err(e) if not_this(&e) => Ok(None),
                Err(e) => Err(e),
            }
        }
        if self.has("network").await? {
            let neutron = session.neutron();
            if let Some(f) = hit(neutron.get_network(id).await, |n| Found::Network(network_resource(&n, &region)))? {
                return Ok(Some(f));
            }
            if let Some(f) = hit(neutron.get_router(id).await, |r| Found::Router(router_resource(&r, &region)))? {
                return Ok(Some(f));
            }
        }
        if self.has("load-balancer").await? {
            let found = session.octavia().get_load_balancer(id).await;
            if let Some(f) = hit(found, |l| Found::LoadBalancer(lb_resource(&l, &region)))? {
                return Ok(Some(f));
            }
        }
        if self.has("dns").await? && crate::util::looks_like_id(id) {
            let found = session.designate().get_zone(id).await;
            if let Some(f) = hit(found, |z| Found::Zone(zone_resource(&z, &region)))? {
                return Ok(Some(f));
            }
        }
        if self.has("orchestration").await? && crate::util::looks_like_id(id) {
            // Heat still shows a deleted stack by id, as `DELETE_COMPLETE`: it is gone.
            let found = session.heat().get_stack(id).await.and_then(|s| {
                if s.stack_status == "DELETE_COMPLETE" { Err(Error::not_found("the stack is deleted")) } else { Ok(s) }
            });
            if let Some(f) = hit(found, |s| Found::Stack(stack_resource(&s, &region)))? {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    fn containers(&self) -> BoxStream<'static, Result<CloudResource>> {
        let this = self.clone();
        self.gated(
            "object-store",
            self.swift.list_containers().map_ok(move |c| this.listed_container_resource(&c)).boxed(),
        )
    }

    /// Whether the catalog has `service` (other errors propagate).
    async fn has(&self, service: &str) -> Result<bool> {
        match self.session().endpoint(service).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::InvalidConfig => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The server, volume or container `id` names, in that order.
    async fn find(&self, id: &str) -> Result<Found> {
        if !id.is_empty() {
            if self.has("compute").await? {
                match self.compute.get_server(id).await {
                    Ok(s) if !is_deleted(&s) => return Ok(Found::Server(s)),
                    Ok(_) => {}
                    Err(e) if not_this(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            if self.has("block-storage").await? {
                match self.volumes.get_volume(id).await {
                    Ok(v) => return Ok(Found::Volume(v)),
                    Err(e) if not_this(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            if self.has("object-store").await? {
                match self.swift.container_metadata(id).await {
                    Ok(headers) => return Ok(Found::Container(id.to_owned(), headers)),
                    Err(e) if not_this(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            if let Some(found) = self.find_more(id).await? {
                return Ok(found);
            }
        }
        Err(Error::not_found(format!(
            "no server, volume, container, network, router, load balancer, zone or stack has the id {id:?}"
        ))
        .with_provider(PROVIDER)
        .with_operation("get_resource"))
    }

    async fn create_server(&self, name: &str, config: Value) -> Result<CloudResource> {
        let config: ServerConfig = parse_config(config, "a server")?;
        if let Some(kind) = config.kind.as_deref().filter(|k| *k != "server") {
            return Err(Error::invalid_input(format!("a Compute resource is a server, not {kind:?}")));
        }
        let mut request = CreateInstanceRequest::new(name, config.flavor, config.image);
        request.networks = config.networks;
        request.key_name = config.key_name;
        request.security_groups = config.security_groups;
        request.user_data = config.user_data;
        request.availability_zone = config.availability_zone;
        request.metadata = config.metadata;
        let server = self.compute.create_server(&request, config.wait_secs.map(Duration::from_secs)).await?;
        Ok(self.server_resource(server))
    }

    async fn create_storage(&self, name: &str, config: Value) -> Result<CloudResource> {
        let config: StorageConfig = parse_config(config, "a volume or container")?;
        let kind = config.kind.as_deref().unwrap_or(if config.size_gb.is_some() { "volume" } else { "container" });
        match kind {
            "volume" => {
                let size = config
                    .size_gb
                    .ok_or_else(|| Error::invalid_input("a volume needs \"size_gb\" (a whole number of GiB)"))?;
                let mut request = CreateVolumeRequest::new(name, size);
                request.description = config.description;
                request.volume_type = config.volume_type;
                request.availability_zone = config.availability_zone;
                let volume = self.volumes.create_volume(&request).await?;
                let volume = match config.wait_secs {
                    Some(secs) => self
                        .volumes
                        .wait_for_volume(&volume.id, &["available"], Duration::from_secs(secs))
                        .await?
                        .ok_or_else(|| {
                            Error::not_found(format!("volume {} disappeared while it was created", volume.id))
                                .with_provider(PROVIDER)
                                .with_operation("create_resource")
                        })?,
                    None => volume,
                };
                Ok(self.volume_resource(&volume))
            }
            "container" => {
                let extra = [
                    ("size_gb", config.size_gb.is_some()),
                    ("volume_type", config.volume_type.is_some()),
                    ("availability_zone", config.availability_zone.is_some()),
                    ("description", config.description.is_some()),
                    ("wait_secs", config.wait_secs.is_some()),
                ];
                if let Some((field, _)) = extra.iter().find(|(_, set)| *set) {
                    return Err(Error::invalid_input(format!("{field:?} does not apply to a container")));
                }
                self.swift.create_bucket(name, CreateBucketOptions::default()).await?;
                let headers = self.swift.container_metadata(name).await?;
                Ok(self.headed_container_resource(name, &headers))
            }
            other => Err(Error::invalid_input(format!(
                "unknown storage kind {other:?}; expected \"volume\" or \"container\""
            ))),
        }
    }
}

/// A server Nova reports as `DELETED` (for the moment between its deletion and its removal from
/// the listings) is gone for the resource view.
fn is_deleted(server: &Server) -> bool {
    server.status.eq_ignore_ascii_case("DELETED")
}

/// A lookup miss: the id is not of this kind (`NotFound`, or a `400` for an id this service
/// cannot even parse, such as a container name given to Nova).
fn resource(id: &str, name: &str, kind: ResourceType, what: &str, status: &str, region: &str) -> CloudResource {
    CloudResource::new(id, name, kind, CloudProvider::Infomaniak, region)
        .with_status(status)
        .with_metadata("kind", json!(what))
}

fn network_resource(n: &Network, region: &str) -> CloudResource {
    resource(&n.id, &n.name, ResourceType::Network, "network", &n.status, region)
        .with_metadata("external", json!(n.external))
        .with_metadata("shared", json!(n.shared))
        .with_metadata("subnets", json!(n.subnets))
}

fn router_resource(r: &Router, region: &str) -> CloudResource {
    resource(&r.id, &r.name, ResourceType::Network, "router", &r.status, region)
        .with_metadata("external_network", json!(r.external_gateway.as_ref().map(|g| &g.network_id)))
}

fn lb_resource(l: &LoadBalancer, region: &str) -> CloudResource {
    resource(&l.id, &l.name, ResourceType::Network, "load_balancer", &l.provisioning_status, region)
        .with_metadata("vip_address", json!(l.vip_address))
        .with_metadata("operating_status", json!(l.operating_status))
}

fn zone_resource(z: &Zone, region: &str) -> CloudResource {
    resource(&z.id, &z.name, ResourceType::Network, "zone", &z.status, region)
        .with_metadata("email", json!(z.email))
        .with_metadata("ttl", json!(z.ttl))
}

fn stack_resource(s: &Stack, region: &str) -> CloudResource {
    let mut r = resource(&s.id, &s.stack_name, ResourceType::Container, "stack", &s.stack_status, region)
        .with_metadata("status_reason", json!(s.stack_status_reason));
    r.created_at = s.creation_time.as_deref().and_then(crate::util::parse_time);
    r
}

fn not_this(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::NotFound | ErrorKind::InvalidInput)
}

fn parse_config<T: serde::de::DeserializeOwned>(config: Value, what: &str) -> Result<T> {
    let config = if config.is_null() { json!({}) } else { config };
    serde_json::from_value(config)
        .map_err(|e| Error::invalid_input(format!("bad configuration for {what}: {e}")).with_provider(PROVIDER))
}

fn unsupported(resource_type: ResourceType) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!("Infomaniak OpenStack resources are servers (compute), volumes and containers (storage), networks, routers, load balancers and zones (network) and stacks (container), not {resource_type}"),
    )
    .with_provider(PROVIDER)
}

#[async_trait]
impl CloudClient for InfomaniakResources {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Infomaniak
    }

    /// Servers, then volumes, then containers (or only servers for `Compute`, volumes and
    /// containers for `Storage`); `Unsupported` for any other type.
    fn list_resources(&self, resource_type: Option<ResourceType>) -> BoxStream<'static, Result<CloudResource>> {
        match resource_type {
            None => self
                .servers()
                .chain(self.volumes())
                .chain(self.containers())
                .chain(self.networks())
                .chain(self.load_balancers())
                .chain(self.zones())
                .chain(self.stacks())
                .boxed(),
            Some(ResourceType::Compute) => self.servers(),
            Some(ResourceType::Storage) => self.volumes().chain(self.containers()).boxed(),
            Some(ResourceType::Network) => self.networks().chain(self.load_balancers()).chain(self.zones()).boxed(),
            Some(ResourceType::Container) => self.stacks(),
            Some(other) => stream::once(async move { Err(unsupported(other)) }).boxed(),
        }
    }

    async fn get_resource(&self, id: &str) -> Result<CloudResource> {
        Ok(match self.find(id).await? {
            Found::Server(s) => self.server_resource(s),
            Found::Volume(v) => self.volume_resource(&v),
            Found::Container(name, headers) => self.headed_container_resource(&name, &headers),
            Found::Network(r) | Found::Router(r) | Found::LoadBalancer(r) | Found::Zone(r) | Found::Stack(r) => r,
        })
    }

    async fn create_resource(&self, name: &str, resource_type: ResourceType, config: Value) -> Result<CloudResource> {
        match resource_type {
            ResourceType::Compute => self.create_server(name, config).await,
            ResourceType::Storage => self.create_storage(name, config).await,
            other => Err(unsupported(other)),
        }
    }

    async fn delete_resource(&self, id: &str) -> Result<()> {
        match self.find(id).await? {
            Found::Server(s) => self.compute.delete_server(&s.id, false).await,
            Found::Volume(v) => self.volumes.delete_volume(&v.id, false).await,
            Found::Container(name, _) => self.swift.delete_bucket(&name).await,
            Found::Network(r) => self.session().neutron().delete_network(&r.id).await,
            Found::Router(r) => self.session().neutron().delete_router(&r.id).await,
            Found::LoadBalancer(r) => self.session().octavia().delete_load_balancer(&r.id, true).await,
            Found::Zone(r) => self.session().designate().delete_zone(&r.id).await,
            Found::Stack(r) => self.session().heat().delete_stack(&r.id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_reject_unknown_fields_and_wrong_types() {
        let err = parse_config::<ServerConfig>(json!({"flavor": "f", "colour": "red"}), "a server").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("colour"), "{err}");
        let err = parse_config::<ServerConfig>(json!({"image": "i"}), "a server").unwrap_err();
        assert!(err.to_string().contains("flavor"), "{err}");
        let err = parse_config::<StorageConfig>(json!({"size_gb": "big"}), "a volume").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let ok = parse_config::<StorageConfig>(Value::Null, "a container").unwrap();
        assert!(ok.kind.is_none() && ok.size_gb.is_none());
        let ok = parse_config::<ServerConfig>(
            json!({"flavor": "m1", "image": "cirros", "networks": ["auto"], "metadata": {"a": "b"}, "wait_secs": 5}),
            "a server",
        )
        .unwrap();
        assert_eq!((ok.flavor.as_str(), ok.networks.len(), ok.wait_secs), ("m1", 1, Some(5)));
    }

    #[test]
    fn lookups_continue_past_misses_only() {
        assert!(not_this(&Error::not_found("x")));
        assert!(not_this(&Error::invalid_input("x")));
        assert!(!not_this(&Error::new(ErrorKind::Unauthenticated, "x")));
        assert_eq!(unsupported(ResourceType::Database).kind(), ErrorKind::Unsupported);
    }
}
