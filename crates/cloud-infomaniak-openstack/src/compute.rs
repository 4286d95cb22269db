//! Nova and Glance: [`NovaClient`] — servers, images, flavors, key pairs, availability zones.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::session::Service as ServiceType;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloud_core::stream::{Page, paginate};
use cloud_core::{
    CloudProvider, CreateInstanceRequest, Error, ErrorKind, Instance, InstanceStatus, RebootKind, Result, SecretString,
};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use http::Method;
use serde_json::json;

use crate::error::PROVIDER;
use crate::session::{InfomaniakCloud, id_segment};
use crate::util::{base64, looks_like_id, parse_time, wait_for};

/// How long [`NovaClient::create_server`] waits for `ACTIVE` by default (the Python client's 120 s).
pub const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(120);

const PAGE: u32 = 100;

/// Servers (Nova), images (Glance), flavors, key pairs and availability zones of one session.
#[derive(Clone)]
pub struct NovaClient {
    session: InfomaniakCloud,
}

impl fmt::Debug for NovaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NovaClient").field("session", &self.session).finish()
    }
}

impl fmt::Display for NovaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nova ({})", self.session.config().describe())
    }
}

/// A Nova server, with the fields of the Python client's `_server_to_dict`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Server {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Nova's status (`BUILD`, `ACTIVE`, `SHUTOFF`, `REBOOT`, `ERROR` …).
    pub status: String,
    /// The flavor's id (or its original name, when Nova embeds the flavor, microversion ≥ 2.47).
    pub flavor: Option<String>,
    /// The image's id (none for servers booted from a volume).
    pub image: Option<String>,
    /// Addresses by network name.
    pub addresses: BTreeMap<String, Vec<String>>,
    /// The key pair's name.
    pub key_name: Option<String>,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last updated.
    pub updated_at: Option<DateTime<Utc>>,
    /// Its availability zone.
    pub availability_zone: Option<String>,
    /// Its security groups, by name.
    pub security_groups: Vec<String>,
    /// Its metadata.
    pub metadata: BTreeMap<String, String>,
    /// Why it is in `ERROR`, if Nova says.
    pub fault: Option<String>,
}

impl Server {
    fn from_wire(w: wire::Server) -> Self {
        let flavor = w.flavor.and_then(|f| f.id.or(f.original_name));
        let image = match w.image {
            Some(wire::ImageField::Ref { id }) => Some(id),
            _ => None,
        };
        let addresses = w
            .addresses
            .into_iter()
            .map(|(net, addrs)| (net, addrs.into_iter().filter_map(|a| a.addr).collect()))
            .collect();
        Self {
            id: w.id,
            name: w.name.unwrap_or_default(),
            status: w.status.unwrap_or_else(|| "UNKNOWN".to_owned()),
            flavor,
            image,
            addresses,
            key_name: w.key_name,
            created_at: w.created.as_deref().and_then(parse_time),
            updated_at: w.updated.as_deref().and_then(parse_time),
            availability_zone: w.availability_zone,
            security_groups: w.security_groups.into_iter().filter_map(|g| g.name).collect(),
            metadata: w.metadata,
            fault: w.fault.and_then(|f| f.message),
        }
    }

    /// The normalised status.
    pub fn instance_status(&self) -> InstanceStatus {
        status_of(&self.status)
    }

    /// The server as a [`cloud_core::Instance`].
    pub fn to_instance(&self) -> Instance {
        let mut instance = Instance::new(&self.id, &self.name, self.instance_status(), &self.status);
        instance.flavor = self.flavor.clone();
        instance.image = self.image.clone();
        instance.addresses = self.addresses.values().flatten().cloned().collect();
        instance.region = self.availability_zone.clone();
        instance.created_at = self.created_at;
        instance.metadata = self.metadata.clone();
        instance
    }
}

/// Nova's status words, normalised.
pub(crate) fn status_of(status: &str) -> InstanceStatus {
    match status.to_ascii_uppercase().as_str() {
        "BUILD" | "REBUILD" | "RESIZE" | "VERIFY_RESIZE" | "MIGRATING" | "PASSWORD" => InstanceStatus::Pending,
        "ACTIVE" => InstanceStatus::Running,
        "SHUTOFF" | "SHELVED" | "SHELVED_OFFLOADED" | "STOPPED" => InstanceStatus::Stopped,
        "REBOOT" | "HARD_REBOOT" => InstanceStatus::Rebooting,
        "PAUSED" | "SUSPENDED" => InstanceStatus::Suspended,
        "DELETED" | "SOFT_DELETED" => InstanceStatus::Deleted,
        "ERROR" => InstanceStatus::Error,
        _ => InstanceStatus::Unknown,
    }
}

/// A Glance image (the Python client's `{id, name, status, min_disk, min_ram, size, created_at}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Image {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `queued`, `active` …
    pub status: String,
    /// The smallest disk it boots on, in GiB.
    pub min_disk: u64,
    /// The least RAM it boots with, in MiB.
    pub min_ram: u64,
    /// Its size in bytes, once uploaded.
    pub size: Option<u64>,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
}

impl Image {
    fn from_wire(w: wire::Image) -> Self {
        Self {
            id: w.id,
            name: w.name.unwrap_or_default(),
            status: w.status.unwrap_or_default(),
            min_disk: w.min_disk.unwrap_or(0),
            min_ram: w.min_ram.unwrap_or(0),
            size: w.size,
            created_at: w.created_at.as_deref().and_then(parse_time),
        }
    }
}

/// A Nova flavor (the Python client's `{id, name, vcpus, ram, disk, is_public}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Flavor {
    /// Its id.
    pub id: String,
    /// Its name (`a2-ram4-disk50-perf1` on Infomaniak).
    pub name: String,
    /// Virtual CPUs.
    pub vcpus: u64,
    /// RAM in MiB.
    pub ram: u64,
    /// Root disk in GiB.
    pub disk: u64,
    /// Whether every project may use it.
    pub is_public: bool,
}

impl Flavor {
    fn from_wire(w: wire::Flavor) -> Self {
        Self {
            id: w.id,
            name: w.name.unwrap_or_default(),
            vcpus: w.vcpus.unwrap_or(0),
            ram: w.ram.unwrap_or(0),
            disk: w.disk.unwrap_or(0),
            is_public: w.is_public.unwrap_or(true),
        }
    }
}

/// An SSH key pair. A private key is present only when Nova generated the pair.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyPair {
    /// Its name.
    pub name: String,
    /// The public key's fingerprint.
    pub fingerprint: Option<String>,
    /// The public key.
    pub public_key: Option<String>,
    /// `ssh` (or `x509`).
    pub key_type: String,
    /// The private key, returned once when Nova generated the pair.
    pub private_key: Option<SecretString>,
}

impl KeyPair {
    fn from_wire(w: wire::KeyPair) -> Self {
        Self {
            name: w.name,
            fingerprint: w.fingerprint,
            public_key: w.public_key,
            key_type: w.kind.unwrap_or_else(|| "ssh".to_owned()),
            private_key: w.private_key.map(SecretString::new),
        }
    }
}

/// An availability zone and whether it is available.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AvailabilityZone {
    /// Its name (`dc3-a-04` …).
    pub name: String,
    /// Whether it is available.
    pub available: bool,
}

impl NovaClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session }
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    fn nova(&self, method: Method, path: impl Into<String>) -> crate::session::Call<'_> {
        self.session.request(ServiceType::Compute, method, path)
    }

    /// Every server, as a stream over `marker` (`GET /servers/detail`).
    pub fn list_servers(&self) -> BoxStream<'static, Result<Server>> {
        let this = self.clone();
        paginate(move |marker: Option<String>| {
            let this = this.clone();
            async move {
                let answer = this
                    .nova(Method::GET, "servers/detail")
                    .operation("list_instances")
                    .query("limit", PAGE.to_string())
                    .query_opt("marker", marker)
                    .send()
                    .await?;
                let body: wire::Servers = answer.json()?;
                let has_next = wire::has_next(&body.servers_links);
                let items: Vec<Server> = body.servers.into_iter().map(Server::from_wire).collect();
                let next = if has_next { items.last().map(|s| s.id.clone()) } else { None };
                Ok(Page::new(items, next))
            }
        })
    }

    /// One server.
    ///
    /// # Errors
    /// `NotFound` if it does not exist.
    pub async fn get_server(&self, id: &str) -> Result<Server> {
        let answer = self
            .nova(Method::GET, format!("servers/{}", id_segment("id", id)?))
            .operation("get_instance")
            .send()
            .await?;
        let body: wire::OneServer = answer.json()?;
        Ok(Server::from_wire(body.server))
    }

    /// Creates a server, resolving flavor, image and networks by name or id first (an unknown
    /// one is `NotFound` and nothing is created), with security groups as `[{name}]` and the
    /// user data base64-encoded. With `wait`, waits that long for `ACTIVE`; with `None`,
    /// returns at once.
    ///
    /// # Errors
    /// `NotFound` for an unknown flavor, image or network; `QuotaExceeded`; `InvalidInput`;
    /// `Timeout` if the server is not `ACTIVE` in time; `Service` if it enters `ERROR`.
    pub async fn create_server(&self, request: &CreateInstanceRequest, wait: Option<Duration>) -> Result<Server> {
        if request.name.is_empty() {
            return Err(Error::invalid_input("a server needs a name"));
        }
        let flavor = self.find_flavor(&request.flavor).await?;
        let image = if request.image.is_empty() { None } else { Some(self.find_image(&request.image).await?) };
        // `auto` and `none` (alone) are Nova's own choices, from microversion 2.37.
        let special = match request.networks.as_slice() {
            [only] if only == "auto" || only == "none" => Some(only.clone()),
            _ => None,
        };
        let mut networks = Vec::with_capacity(request.networks.len());
        if special.is_none() {
            for net in &request.networks {
                networks.push(wire::NetworkRef { uuid: self.find_network(net).await? });
            }
        }
        let server = wire::CreateServer {
            name: &request.name,
            flavor_ref: &flavor.id,
            image_ref: image.as_ref().map(|i| i.id.as_str()),
            networks: match &special {
                Some(choice) => Some(wire::Networks::Choice(choice)),
                None if !networks.is_empty() => Some(wire::Networks::List(networks)),
                None => None,
            },
            key_name: request.key_name.as_deref(),
            security_groups: request.security_groups.iter().map(|g| wire::NameOnly { name: g }).collect(),
            user_data: request.user_data.as_deref().map(|d| base64(d.as_bytes())),
            availability_zone: request.availability_zone.as_deref(),
            metadata: &request.metadata,
        };
        let mut call =
            self.nova(Method::POST, "servers").operation("create_instance").json(&wire::CreateServerBody { server });
        if special.is_some() {
            call = call.header("openstack-api-version", "compute 2.37")?;
        }
        let answer = call.send().await?;
        let body: wire::Created = answer.json()?;
        let id = body.server.id;
        match wait {
            Some(timeout) => self.wait_for_server(&id, "ACTIVE", timeout).await,
            None => self.get_server(&id).await,
        }
    }

    /// The Python client's `create_instance`: creates and waits up to [`DEFAULT_CREATE_TIMEOUT`] for `ACTIVE`.
    ///
    /// # Errors
    /// As [`create_server`](Self::create_server).
    pub async fn create_instance_and_wait(&self, request: &CreateInstanceRequest) -> Result<Server> {
        self.create_server(request, Some(DEFAULT_CREATE_TIMEOUT)).await
    }

    /// Waits until the server's Nova status is `status` (`ACTIVE`, `SHUTOFF` …).
    ///
    /// # Errors
    /// `Timeout`; `Service` if it enters `ERROR`; `NotFound` if it disappears.
    pub async fn wait_for_server(&self, id: &str, status: &str, timeout: Duration) -> Result<Server> {
        let wanted = [status];
        let failed: &[&str] = if status.eq_ignore_ascii_case("ERROR") { &[] } else { &["ERROR"] };
        let found = wait_for(&format!("server {id}"), timeout, &wanted, failed, || {
            let this = self.clone();
            let id = id.to_owned();
            async move {
                match this.get_server(&id).await {
                    Ok(server) => Ok(Some(server.status)),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .await;
        let found = match found {
            Ok(found) => found,
            Err(e) => return Err(self.with_fault(e, id).await),
        };
        match found {
            Some(_) => self.get_server(id).await,
            None => Err(Error::not_found(format!("server {id} is deleted")).with_provider(PROVIDER)),
        }
    }

    /// Waits until the server is gone (or `DELETED`).
    ///
    /// # Errors
    /// `Timeout`; `Service` if it enters `ERROR`.
    pub async fn wait_for_server_deleted(&self, id: &str, timeout: Duration) -> Result<()> {
        wait_for(&format!("server {id}"), timeout, &["DELETED", "deleted"], &["ERROR"], || {
            let this = self.clone();
            let id = id.to_owned();
            async move {
                match this.get_server(&id).await {
                    Ok(server) => Ok(Some(server.status)),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .await
        .map(drop)
    }

    /// Adds Nova's fault message to an error about a server entering `ERROR`.
    async fn with_fault(&self, error: Error, id: &str) -> Error {
        if error.kind() != ErrorKind::Service {
            return error;
        }
        match self.get_server(id).await {
            Ok(Server { fault: Some(fault), .. }) => {
                Error::new(ErrorKind::Service, format!("{}: {fault}", error.message()))
                    .with_provider(PROVIDER)
                    .with_source(error)
            }
            _ => error,
        }
    }

    async fn action(&self, id: &str, body: serde_json::Value, op: &'static str) -> Result<()> {
        self.nova(Method::POST, format!("servers/{}/action", id_segment("id", id)?))
            .operation(op)
            .json(&body)
            .send()
            .await
            .map(drop)
    }

    /// Starts a stopped server (`os-start`).
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if it is not stopped.
    pub async fn start_server(&self, id: &str) -> Result<()> {
        self.action(id, json!({"os-start": null}), "start_instance").await
    }

    /// Stops a running server (`os-stop`).
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if it is not running.
    pub async fn stop_server(&self, id: &str) -> Result<()> {
        self.action(id, json!({"os-stop": null}), "stop_instance").await
    }

    /// Reboots a server, `SOFT` or `HARD`.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if its state does not allow it.
    pub async fn reboot_server(&self, id: &str, kind: RebootKind) -> Result<()> {
        let kind = match kind {
            RebootKind::Hard => "HARD",
            _ => "SOFT",
        };
        self.action(id, json!({"reboot": {"type": kind}}), "reboot_instance").await
    }

    /// Deletes a server; with `force`, a soft-deleted server is deleted for good (`forceDelete`),
    /// and any other is deleted normally.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_server(&self, id: &str, force: bool) -> Result<()> {
        if force {
            match self.action(id, json!({"forceDelete": null}), "delete_instance").await {
                Ok(()) => return Ok(()),
                // Only soft-deleted servers can be force-deleted; others are deleted normally.
                Err(e) if matches!(e.kind(), ErrorKind::Conflict | ErrorKind::PermissionDenied) => {}
                Err(e) => return Err(e),
            }
        }
        self.nova(Method::DELETE, format!("servers/{}", id_segment("id", id)?))
            .operation("delete_instance")
            .send()
            .await
            .map(drop)
    }

    /// The Python client's `terminate_instance`: `delete_server(id, force = true)`.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn terminate_server(&self, id: &str) -> Result<()> {
        self.delete_server(id, true).await
    }

    /// Every image (`GET /v2/images`), as a stream over `marker`.
    pub fn list_images(&self) -> BoxStream<'static, Result<Image>> {
        let this = self.clone();
        paginate(move |marker: Option<String>| {
            let this = this.clone();
            async move {
                let answer = this
                    .session
                    .request(ServiceType::Image, Method::GET, "v2/images")
                    .operation("list_images")
                    .query("limit", PAGE.to_string())
                    .query_opt("marker", marker)
                    .send()
                    .await?;
                let body: wire::Images = answer.json()?;
                let items: Vec<Image> = body.images.into_iter().map(Image::from_wire).collect();
                let next = body.next.and_then(|_| items.last().map(|i| i.id.clone()));
                Ok(Page::new(items, next))
            }
        })
    }

    /// One image by id or name (the Python client's `get_image`).
    ///
    /// # Errors
    /// `NotFound` if no image has this id or name; `Conflict` if several have the name.
    pub async fn find_image(&self, id_or_name: &str) -> Result<Image> {
        if looks_like_id(id_or_name) {
            let answer = self
                .session
                .request(ServiceType::Image, Method::GET, format!("v2/images/{}", id_segment("id", id_or_name)?))
                .operation("get_image")
                .send_unchecked()
                .await?;
            if (200..300).contains(&answer.status) {
                return Ok(Image::from_wire(answer.json()?));
            }
            if answer.status != 404 {
                return Err(answer.into_error());
            }
        }
        let answer = self
            .session
            .request(ServiceType::Image, Method::GET, "v2/images")
            .operation("get_image")
            .query("name", id_or_name)
            .send()
            .await?;
        let body: wire::Images = answer.json()?;
        unique(body.images.into_iter().map(Image::from_wire).collect(), "image", id_or_name)
    }

    /// Every flavor with its sizes (`GET /flavors/detail`).
    pub fn list_flavors(&self) -> BoxStream<'static, Result<Flavor>> {
        let this = self.clone();
        paginate(move |marker: Option<String>| {
            let this = this.clone();
            async move {
                let answer = this
                    .nova(Method::GET, "flavors/detail")
                    .operation("list_flavors")
                    .query("limit", PAGE.to_string())
                    .query_opt("marker", marker)
                    .send()
                    .await?;
                let body: wire::Flavors = answer.json()?;
                let has_next = wire::has_next(&body.flavors_links);
                let items: Vec<Flavor> = body.flavors.into_iter().map(Flavor::from_wire).collect();
                let next = if has_next { items.last().map(|f| f.id.clone()) } else { None };
                Ok(Page::new(items, next))
            }
        })
    }

    /// One flavor by id or name.
    ///
    /// # Errors
    /// `NotFound` if no flavor has this id or name.
    pub async fn find_flavor(&self, id_or_name: &str) -> Result<Flavor> {
        if id_or_name.is_empty() {
            return Err(Error::invalid_input("a flavor name or id is required"));
        }
        let answer = self
            .nova(Method::GET, format!("flavors/{}", id_segment("id", id_or_name)?))
            .operation("find_flavor")
            .send_unchecked()
            .await?;
        if (200..300).contains(&answer.status) {
            let body: wire::OneFlavor = answer.json()?;
            return Ok(Flavor::from_wire(body.flavor));
        }
        if answer.status != 404 {
            return Err(answer.into_error());
        }
        let flavors: Vec<Flavor> =
            self.list_flavors().try_filter(|f| futures::future::ready(f.name == id_or_name)).try_collect().await?;
        unique(flavors, "flavor", id_or_name)
    }

    /// A Neutron network's id, by id or name.
    ///
    /// # Errors
    /// `NotFound` if no network has this id or name.
    pub async fn find_network(&self, id_or_name: &str) -> Result<String> {
        let call = self.session.request(ServiceType::Network, Method::GET, "v2.0/networks").operation("find_network");
        let call =
            if looks_like_id(id_or_name) { call.query("id", id_or_name) } else { call.query("name", id_or_name) };
        let body: wire::Networks2 = call.send().await?.json()?;
        let ids: Vec<String> = body.networks.into_iter().map(|n| n.id).collect();
        unique(ids, "network", id_or_name)
    }

    /// Every key pair of the user (`GET /os-keypairs`).
    ///
    /// # Errors
    /// `Unauthenticated`, transport kinds.
    pub async fn list_keypairs(&self) -> Result<Vec<KeyPair>> {
        let body: wire::KeyPairs =
            self.nova(Method::GET, "os-keypairs").operation("list_keypairs").send().await?.json()?;
        Ok(body.keypairs.into_iter().map(|k| KeyPair::from_wire(k.keypair)).collect())
    }

    /// Creates a key pair: imports `public_key`, or lets Nova generate one and returns its
    /// private key (once, redacted in `Debug`).
    ///
    /// # Errors
    /// `AlreadyExists` if the name is taken; `InvalidInput` for a bad key; `QuotaExceeded`.
    pub async fn create_keypair(&self, name: &str, public_key: Option<&str>) -> Result<KeyPair> {
        let keypair = wire::CreateKeyPair { name, public_key };
        let answer = self
            .nova(Method::POST, "os-keypairs")
            .operation("create_keypair")
            .json(&wire::CreateKeyPairBody { keypair })
            .send()
            .await?;
        let body: wire::OneKeyPair = answer.json()?;
        Ok(KeyPair::from_wire(body.keypair))
    }

    /// Deletes a key pair.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_keypair(&self, name: &str) -> Result<()> {
        self.nova(Method::DELETE, format!("os-keypairs/{}", id_segment("id", name)?))
            .operation("delete_keypair")
            .send()
            .await
            .map(drop)
    }

    /// The availability zones and whether each is available (`GET /os-availability-zone`).
    ///
    /// # Errors
    /// `Unauthenticated`, transport kinds.
    pub async fn list_availability_zones(&self) -> Result<Vec<AvailabilityZone>> {
        let body: wire::Zones =
            self.nova(Method::GET, "os-availability-zone").operation("list_availability_zones").send().await?.json()?;
        Ok(body
            .zones
            .into_iter()
            .map(|z| AvailabilityZone {
                name: z.name.unwrap_or_default(),
                available: z.state.and_then(|s| s.available).unwrap_or(true),
            })
            .collect())
    }
}

/// The one item of a lookup by name: `NotFound` for none, `Conflict` for several.
fn unique<T>(mut items: Vec<T>, what: &str, name: &str) -> Result<T> {
    match items.len() {
        0 => Err(Error::not_found(format!("no {what} named or with id {name:?}"))
            .with_provider(PROVIDER)
            .with_operation("find")),
        1 => Ok(items.remove(0)),
        n => Err(Error::new(ErrorKind::Conflict, format!("{n} {what}s are named {name:?}; use an id"))
            .with_provider(PROVIDER)
            .with_operation("find")),
    }
}

#[async_trait]
impl cloud_core::ComputeClient for NovaClient {
    fn provider(&self) -> CloudProvider {
        CloudProvider::Infomaniak
    }

    fn list_instances(&self) -> BoxStream<'static, Result<Instance>> {
        self.list_servers().map_ok(|s| s.to_instance()).boxed()
    }

    async fn get_instance(&self, id: &str) -> Result<Instance> {
        Ok(self.get_server(id).await?.to_instance())
    }

    async fn create_instance(&self, request: CreateInstanceRequest) -> Result<Instance> {
        Ok(self.create_server(&request, None).await?.to_instance())
    }

    async fn start_instance(&self, id: &str) -> Result<()> {
        self.start_server(id).await
    }

    async fn stop_instance(&self, id: &str) -> Result<()> {
        self.stop_server(id).await
    }

    async fn reboot_instance(&self, id: &str, kind: RebootKind) -> Result<()> {
        self.reboot_server(id, kind).await
    }

    async fn delete_instance(&self, id: &str) -> Result<()> {
        self.delete_server(id, false).await
    }
}

/// Nova's and Glance's answers and requests, as they are on the wire.
mod wire {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    pub(crate) use crate::listing::{Link, has_next};

    #[derive(Deserialize)]
    pub(crate) struct Servers {
        #[serde(default)]
        pub(crate) servers: Vec<Server>,
        #[serde(default)]
        pub(crate) servers_links: Vec<Link>,
    }

    #[derive(Deserialize)]
    pub(crate) struct OneServer {
        pub(crate) server: Server,
    }

    #[derive(Deserialize)]
    pub(crate) struct Server {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) status: Option<String>,
        #[serde(default)]
        pub(crate) flavor: Option<FlavorRef>,
        #[serde(default)]
        pub(crate) image: Option<ImageField>,
        #[serde(default)]
        pub(crate) addresses: BTreeMap<String, Vec<Address>>,
        #[serde(default)]
        pub(crate) key_name: Option<String>,
        #[serde(default)]
        pub(crate) created: Option<String>,
        #[serde(default)]
        pub(crate) updated: Option<String>,
        #[serde(rename = "OS-EXT-AZ:availability_zone", default)]
        pub(crate) availability_zone: Option<String>,
        #[serde(default)]
        pub(crate) security_groups: Vec<Named>,
        #[serde(default)]
        pub(crate) metadata: BTreeMap<String, String>,
        #[serde(default)]
        pub(crate) fault: Option<Fault>,
    }

    /// `{"id": …}`, or `{"original_name": …}` when Nova embeds the flavor (microversion ≥ 2.47).
    #[derive(Deserialize)]
    pub(crate) struct FlavorRef {
        #[serde(default)]
        pub(crate) id: Option<String>,
        #[serde(default)]
        pub(crate) original_name: Option<String>,
    }

    /// `{"id": …}`, or `""` for a server booted from a volume.
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub(crate) enum ImageField {
        Ref { id: String },
        Other(serde::de::IgnoredAny),
    }

    #[derive(Deserialize)]
    pub(crate) struct Address {
        #[serde(default)]
        pub(crate) addr: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Named {
        #[serde(default)]
        pub(crate) name: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Fault {
        #[serde(default)]
        pub(crate) message: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Created {
        pub(crate) server: IdOnly,
    }

    #[derive(Deserialize)]
    pub(crate) struct IdOnly {
        pub(crate) id: String,
    }

    #[derive(Serialize)]
    pub(crate) struct CreateServerBody<'a> {
        pub(crate) server: CreateServer<'a>,
    }

    #[derive(Serialize)]
    pub(crate) struct CreateServer<'a> {
        pub(crate) name: &'a str,
        #[serde(rename = "flavorRef")]
        pub(crate) flavor_ref: &'a str,
        #[serde(rename = "imageRef", skip_serializing_if = "Option::is_none")]
        pub(crate) image_ref: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(crate) networks: Option<Networks<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(crate) key_name: Option<&'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub(crate) security_groups: Vec<NameOnly<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(crate) user_data: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(crate) availability_zone: Option<&'a str>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        pub(crate) metadata: &'a BTreeMap<String, String>,
    }

    /// `"auto"`/`"none"`, or a list of networks.
    #[derive(Serialize)]
    #[serde(untagged)]
    pub(crate) enum Networks<'a> {
        Choice(&'a str),
        List(Vec<NetworkRef>),
    }

    #[derive(Serialize)]
    pub(crate) struct NetworkRef {
        pub(crate) uuid: String,
    }

    #[derive(Serialize)]
    pub(crate) struct NameOnly<'a> {
        pub(crate) name: &'a str,
    }

    #[derive(Deserialize)]
    pub(crate) struct Images {
        #[serde(default)]
        pub(crate) images: Vec<Image>,
        #[serde(default)]
        pub(crate) next: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Image {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) status: Option<String>,
        #[serde(default)]
        pub(crate) min_disk: Option<u64>,
        #[serde(default)]
        pub(crate) min_ram: Option<u64>,
        #[serde(default)]
        pub(crate) size: Option<u64>,
        #[serde(default)]
        pub(crate) created_at: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Flavors {
        #[serde(default)]
        pub(crate) flavors: Vec<Flavor>,
        #[serde(default)]
        pub(crate) flavors_links: Vec<Link>,
    }

    #[derive(Deserialize)]
    pub(crate) struct OneFlavor {
        pub(crate) flavor: Flavor,
    }

    #[derive(Deserialize)]
    pub(crate) struct Flavor {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) vcpus: Option<u64>,
        #[serde(default)]
        pub(crate) ram: Option<u64>,
        #[serde(default)]
        pub(crate) disk: Option<u64>,
        #[serde(rename = "os-flavor-access:is_public", default)]
        pub(crate) is_public: Option<bool>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Networks2 {
        #[serde(default)]
        pub(crate) networks: Vec<IdOnly>,
    }

    #[derive(Deserialize)]
    pub(crate) struct KeyPairs {
        #[serde(default)]
        pub(crate) keypairs: Vec<OneKeyPair>,
    }

    #[derive(Deserialize)]
    pub(crate) struct OneKeyPair {
        pub(crate) keypair: KeyPair,
    }

    #[derive(Deserialize)]
    pub(crate) struct KeyPair {
        pub(crate) name: String,
        #[serde(default)]
        pub(crate) fingerprint: Option<String>,
        #[serde(default)]
        pub(crate) public_key: Option<String>,
        #[serde(rename = "type", default)]
        pub(crate) kind: Option<String>,
        #[serde(default)]
        pub(crate) private_key: Option<String>,
    }

    #[derive(Serialize)]
    pub(crate) struct CreateKeyPairBody<'a> {
        pub(crate) keypair: CreateKeyPair<'a>,
    }

    #[derive(Serialize)]
    pub(crate) struct CreateKeyPair<'a> {
        pub(crate) name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(crate) public_key: Option<&'a str>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Zones {
        #[serde(rename = "availabilityZoneInfo", default)]
        pub(crate) zones: Vec<Zone>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Zone {
        #[serde(rename = "zoneName", default)]
        pub(crate) name: Option<String>,
        #[serde(rename = "zoneState", default)]
        pub(crate) state: Option<ZoneState>,
    }

    #[derive(Deserialize)]
    pub(crate) struct ZoneState {
        #[serde(default)]
        pub(crate) available: Option<bool>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_parse_with_embedded_or_referenced_flavors() {
        let v = json!({"id": "s1", "name": "web", "status": "ACTIVE",
            "flavor": {"id": "f1"}, "image": {"id": "i1"},
            "addresses": {"net": [{"addr": "10.0.0.5", "version": 4}]},
            "key_name": "k", "created": "2026-01-02T03:04:05Z",
            "OS-EXT-AZ:availability_zone": "dc3-a-04",
            "security_groups": [{"name": "default"}], "metadata": {"a": "b"}});
        let s = Server::from_wire(serde_json::from_value(v).unwrap());
        assert_eq!(s.flavor.as_deref(), Some("f1"));
        assert_eq!(s.security_groups, ["default"]);
        let i = s.to_instance();
        assert_eq!(i.status, InstanceStatus::Running);
        assert_eq!(i.addresses, ["10.0.0.5"]);
        assert_eq!(i.region.as_deref(), Some("dc3-a-04"));
        // Microversion ≥ 2.47 embeds the flavor without an id.
        let v =
            json!({"id": "s2", "status": "SHUTOFF", "flavor": {"original_name": "a1-ram2-disk20-perf1"}, "image": ""});
        let s = Server::from_wire(serde_json::from_value(v).unwrap());
        assert_eq!(s.flavor.as_deref(), Some("a1-ram2-disk20-perf1"));
        assert_eq!(s.image, None);
        assert_eq!(s.instance_status(), InstanceStatus::Stopped);
    }

    #[test]
    fn generated_private_keys_are_redacted() {
        let k = KeyPair::from_wire(
            serde_json::from_value(json!({"name": "k", "private_key": "-----BEGIN RSA PRIVATE KEY-----"})).unwrap(),
        );
        assert!(!format!("{k:?}").contains("BEGIN"));
        assert_eq!(k.key_type, "ssh");
        assert!(k.private_key.unwrap().expose().contains("BEGIN"));
    }

    #[test]
    fn statuses_normalise() {
        assert_eq!(status_of("BUILD"), InstanceStatus::Pending);
        assert_eq!(status_of("HARD_REBOOT"), InstanceStatus::Rebooting);
        assert_eq!(status_of("error"), InstanceStatus::Error);
        assert_eq!(status_of("WEIRD"), InstanceStatus::Unknown);
    }

    #[test]
    fn lookups_by_name_are_unique() {
        assert_eq!(unique(vec![1], "x", "n").unwrap(), 1);
        assert_eq!(unique(Vec::<i32>::new(), "flavor", "n").unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(unique(vec![1, 2], "x", "n").unwrap_err().kind(), ErrorKind::Conflict);
    }
}
