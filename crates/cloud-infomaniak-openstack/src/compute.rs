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
use serde_json::{Value, json};

use crate::error::PROVIDER;
use crate::session::{InfomaniakCloud, id_segment};
use crate::util::{base64, looks_like_id, parse_time, str_field, wait_for};

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
    fn from_json(v: &Value) -> Result<Self> {
        let id = str_field(v, "id").ok_or_else(|| invalid("a server without id"))?;
        let flavor = v.get("flavor").and_then(|f| str_field(f, "id").or_else(|| str_field(f, "original_name")));
        let image = v.get("image").and_then(|i| str_field(i, "id"));
        let addresses = v
            .get("addresses")
            .and_then(Value::as_object)
            .map(|nets| {
                nets.iter()
                    .map(|(net, addrs)| {
                        let list = addrs
                            .as_array()
                            .map(|a| a.iter().filter_map(|x| str_field(x, "addr")).collect())
                            .unwrap_or_default();
                        (net.clone(), list)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let security_groups = v
            .get("security_groups")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|g| str_field(g, "name")).collect())
            .unwrap_or_default();
        let metadata = v
            .get("metadata")
            .and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
            .unwrap_or_default();
        Ok(Self {
            name: str_field(v, "name").unwrap_or_default(),
            status: str_field(v, "status").unwrap_or_else(|| "UNKNOWN".to_owned()),
            flavor,
            image,
            addresses,
            key_name: str_field(v, "key_name"),
            created_at: str_field(v, "created").as_deref().and_then(parse_time),
            updated_at: str_field(v, "updated").as_deref().and_then(parse_time),
            availability_zone: str_field(v, "OS-EXT-AZ:availability_zone"),
            security_groups,
            metadata,
            fault: v.get("fault").and_then(|f| str_field(f, "message")),
            id,
        })
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
    fn from_json(v: &Value) -> Result<Self> {
        Ok(Self {
            id: str_field(v, "id").ok_or_else(|| invalid("an image without id"))?,
            name: str_field(v, "name").unwrap_or_default(),
            status: str_field(v, "status").unwrap_or_default(),
            min_disk: v.get("min_disk").and_then(Value::as_u64).unwrap_or(0),
            min_ram: v.get("min_ram").and_then(Value::as_u64).unwrap_or(0),
            size: v.get("size").and_then(Value::as_u64),
            created_at: str_field(v, "created_at").as_deref().and_then(parse_time),
        })
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
    fn from_json(v: &Value) -> Result<Self> {
        Ok(Self {
            id: str_field(v, "id").ok_or_else(|| invalid("a flavor without id"))?,
            name: str_field(v, "name").unwrap_or_default(),
            vcpus: v.get("vcpus").and_then(Value::as_u64).unwrap_or(0),
            ram: v.get("ram").and_then(Value::as_u64).unwrap_or(0),
            disk: v.get("disk").and_then(Value::as_u64).unwrap_or(0),
            is_public: v.get("os-flavor-access:is_public").and_then(Value::as_bool).unwrap_or(true),
        })
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
    fn from_json(v: &Value) -> Result<Self> {
        Ok(Self {
            name: str_field(v, "name").ok_or_else(|| invalid("a key pair without name"))?,
            fingerprint: str_field(v, "fingerprint"),
            public_key: str_field(v, "public_key"),
            key_type: str_field(v, "type").unwrap_or_else(|| "ssh".to_owned()),
            private_key: str_field(v, "private_key").map(SecretString::new),
        })
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

fn invalid(what: &str) -> Error {
    Error::new(ErrorKind::ResponseInvalid, format!("Nova returned {what}")).with_provider(PROVIDER)
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
                let body: Value = answer.json()?;
                let servers = body["servers"].as_array().cloned().unwrap_or_default();
                let items = servers.iter().map(Server::from_json).collect::<Result<Vec<_>>>()?;
                let has_next =
                    body["servers_links"].as_array().is_some_and(|links| links.iter().any(|l| l["rel"] == "next"));
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
        let body: Value = answer.json()?;
        Server::from_json(&body["server"])
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
                networks.push(json!({"uuid": self.find_network(net).await?}));
            }
        }
        let mut server = json!({"name": request.name, "flavorRef": flavor.id});
        if let Some(image) = image {
            server["imageRef"] = json!(image.id);
        }
        if let Some(choice) = &special {
            server["networks"] = json!(choice);
        } else if !networks.is_empty() {
            server["networks"] = Value::Array(networks);
        }
        if let Some(key) = &request.key_name {
            server["key_name"] = json!(key);
        }
        if !request.security_groups.is_empty() {
            server["security_groups"] =
                Value::Array(request.security_groups.iter().map(|g| json!({"name": g})).collect());
        }
        if let Some(data) = &request.user_data {
            server["user_data"] = json!(base64(data.as_bytes()));
        }
        if let Some(zone) = &request.availability_zone {
            server["availability_zone"] = json!(zone);
        }
        if !request.metadata.is_empty() {
            server["metadata"] = json!(request.metadata);
        }
        let mut call = self.nova(Method::POST, "servers").operation("create_instance").json(&json!({"server": server}));
        if special.is_some() {
            call = call.header("openstack-api-version", "compute 2.37")?;
        }
        let answer = call.send().await?;
        let body: Value = answer.json()?;
        let id = str_field(&body["server"], "id").ok_or_else(|| invalid("a created server without id"))?;
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

    async fn action(&self, id: &str, body: Value, op: &'static str) -> Result<()> {
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
                let body: Value = answer.json()?;
                let items = body["images"]
                    .as_array()
                    .map(|a| a.iter().map(Image::from_json).collect::<Result<Vec<_>>>())
                    .transpose()?
                    .unwrap_or_default();
                let next = body.get("next").and_then(Value::as_str).and_then(|_| items.last().map(|i| i.id.clone()));
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
                return Image::from_json(&answer.json()?);
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
        let body: Value = answer.json()?;
        let images = body["images"].as_array().cloned().unwrap_or_default();
        unique(images.iter().map(Image::from_json).collect::<Result<Vec<_>>>()?, "image", id_or_name)
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
                let body: Value = answer.json()?;
                let items = body["flavors"]
                    .as_array()
                    .map(|a| a.iter().map(Flavor::from_json).collect::<Result<Vec<_>>>())
                    .transpose()?
                    .unwrap_or_default();
                let has_next =
                    body["flavors_links"].as_array().is_some_and(|links| links.iter().any(|l| l["rel"] == "next"));
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
            let body: Value = answer.json()?;
            return Flavor::from_json(&body["flavor"]);
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
        let body: Value = call.send().await?.json()?;
        let ids: Vec<String> =
            body["networks"].as_array().into_iter().flatten().filter_map(|n| str_field(n, "id")).collect();
        unique(ids, "network", id_or_name)
    }

    /// Every key pair of the user (`GET /os-keypairs`).
    ///
    /// # Errors
    /// `Unauthenticated`, transport kinds.
    pub async fn list_keypairs(&self) -> Result<Vec<KeyPair>> {
        let body: Value = self.nova(Method::GET, "os-keypairs").operation("list_keypairs").send().await?.json()?;
        body["keypairs"].as_array().into_iter().flatten().map(|k| KeyPair::from_json(&k["keypair"])).collect()
    }

    /// Creates a key pair: imports `public_key`, or lets Nova generate one and returns its
    /// private key (once, redacted in `Debug`).
    ///
    /// # Errors
    /// `AlreadyExists` if the name is taken; `InvalidInput` for a bad key; `QuotaExceeded`.
    pub async fn create_keypair(&self, name: &str, public_key: Option<&str>) -> Result<KeyPair> {
        let mut keypair = json!({"name": name});
        if let Some(key) = public_key {
            keypair["public_key"] = json!(key);
        }
        let answer = self
            .nova(Method::POST, "os-keypairs")
            .operation("create_keypair")
            .json(&json!({"keypair": keypair}))
            .send()
            .await?;
        let body: Value = answer.json()?;
        KeyPair::from_json(&body["keypair"])
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
        let body: Value =
            self.nova(Method::GET, "os-availability-zone").operation("list_availability_zones").send().await?.json()?;
        Ok(body["availabilityZoneInfo"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|z| AvailabilityZone {
                name: str_field(z, "zoneName").unwrap_or_default(),
                available: z["zoneState"]["available"].as_bool().unwrap_or(true),
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
        let s = Server::from_json(&v).unwrap();
        assert_eq!(s.flavor.as_deref(), Some("f1"));
        assert_eq!(s.security_groups, ["default"]);
        let i = s.to_instance();
        assert_eq!(i.status, InstanceStatus::Running);
        assert_eq!(i.addresses, ["10.0.0.5"]);
        assert_eq!(i.region.as_deref(), Some("dc3-a-04"));
        // Microversion ≥ 2.47 embeds the flavor without an id.
        let v =
            json!({"id": "s2", "status": "SHUTOFF", "flavor": {"original_name": "a1-ram2-disk20-perf1"}, "image": ""});
        let s = Server::from_json(&v).unwrap();
        assert_eq!(s.flavor.as_deref(), Some("a1-ram2-disk20-perf1"));
        assert_eq!(s.image, None);
        assert_eq!(s.instance_status(), InstanceStatus::Stopped);
    }

    #[test]
    fn generated_private_keys_are_redacted() {
        let k = KeyPair::from_json(&json!({"name": "k", "private_key": "-----BEGIN RSA PRIVATE KEY-----"})).unwrap();
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
