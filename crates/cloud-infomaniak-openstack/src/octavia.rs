//! Octavia: [`OctaviaClient`] — load balancers, listeners, pools, members and health monitors,
//! with waits for the load balancer's provisioning status and cascade delete.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use cloud_core::poll::{PollState, poll_until};
use cloud_core::{Error, ErrorKind, Result};
use futures::stream::BoxStream;
use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::PROVIDER;
use crate::listing::{HasId, MarkerListing, take_field};
use crate::session::{Call, InfomaniakCloud, Service, id_segment};

/// How errors name the service.
const SERVICE_NAME: &str = "Octavia";

const PAGE: u32 = 200;

/// How long the waits of [`OctaviaClient`] allow by default for a load balancer to settle.
pub const DEFAULT_LB_TIMEOUT: Duration = Duration::from_secs(300);

/// Load balancers and their listeners, pools, members and health monitors (Octavia) of one
/// session.
///
/// Octavia refuses (`409`) any change while the load balancer is `PENDING_*`, so every call that
/// changes a load balancer or one of its children waits for it to be `ACTIVE` again before it
/// returns (through [`cloud_core::poll`], at most [`DEFAULT_LB_TIMEOUT`], see
/// [`with_timeout`](Self::with_timeout)); the next call can follow at once.
///
/// ```no_run
/// # async fn run(cloud: cloud_infomaniak_openstack::InfomaniakCloud, subnet: &str) -> cloud_core::Result<()> {
/// use cloud_infomaniak_openstack::{CreatePool, LbProtocol};
///
/// let octavia = cloud.octavia();
/// let lb = octavia.create_load_balancer("web", subnet, None).await?;
/// let listener = octavia.create_listener(&lb.id, "http", LbProtocol::Http, 80).await?;
/// let pool = octavia.create_pool(&CreatePool::for_listener(&listener.id, "web", LbProtocol::Http)).await?;
/// octavia.add_pool_member(&pool.id, "192.0.2.10", 8080, 1).await?;
/// octavia.delete_load_balancer(&lb.id, true).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OctaviaClient {
    session: InfomaniakCloud,
    timeout: Duration,
}

impl fmt::Debug for OctaviaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OctaviaClient").field("session", &self.session).field("timeout", &self.timeout).finish()
    }
}

/// The protocol of a listener or pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum LbProtocol {
    /// HTTP.
    Http,
    /// HTTPS passed through.
    Https,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// HTTPS ended at the load balancer.
    TerminatedHttps,
    /// PROXY protocol (pools only).
    Proxy,
}

/// A load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct LoadBalancer {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its virtual address.
    #[serde(default)]
    pub vip_address: Option<String>,
    /// The subnet of its virtual address.
    #[serde(default)]
    pub vip_subnet_id: Option<String>,
    /// `ACTIVE`, `PENDING_CREATE`, `PENDING_UPDATE`, `PENDING_DELETE`, `DELETED` or `ERROR`.
    pub provisioning_status: String,
    /// `ONLINE`, `OFFLINE`, `DEGRADED`, `ERROR` or `NO_MONITOR`.
    #[serde(default)]
    pub operating_status: String,
    /// Its description.
    #[serde(default)]
    pub description: String,
}

/// A listener.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Listener {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its protocol.
    pub protocol: LbProtocol,
    /// Its port.
    pub protocol_port: u16,
    /// Its load balancers.
    #[serde(default)]
    pub loadbalancers: Vec<IdRef>,
    /// Its default pool.
    #[serde(default)]
    pub default_pool_id: Option<String>,
    /// Its provisioning status.
    pub provisioning_status: String,
}

/// A reference to another object by id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdRef {
    /// The id.
    pub id: String,
}

/// A pool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Pool {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its protocol.
    pub protocol: LbProtocol,
    /// `ROUND_ROBIN`, `LEAST_CONNECTIONS`, `SOURCE_IP` or `SOURCE_IP_PORT`.
    pub lb_algorithm: String,
    /// Its load balancers.
    #[serde(default)]
    pub loadbalancers: Vec<IdRef>,
    /// Its listeners.
    #[serde(default)]
    pub listeners: Vec<IdRef>,
    /// Its health monitor.
    #[serde(default)]
    pub healthmonitor_id: Option<String>,
    /// Its provisioning status.
    pub provisioning_status: String,
}

/// A pool member.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its address.
    pub address: String,
    /// Its port.
    pub protocol_port: u16,
    /// Its weight (0–256).
    pub weight: u16,
    /// Its operating status.
    #[serde(default)]
    pub operating_status: String,
    /// Its provisioning status.
    pub provisioning_status: String,
}

/// A health monitor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct HealthMonitor {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `HTTP`, `HTTPS`, `PING`, `TCP`, `TLS-HELLO`, `UDP-CONNECT` or `SCTP`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Seconds between checks.
    pub delay: u32,
    /// Seconds a check may take.
    pub timeout: u32,
    /// Successes before a member is up again.
    pub max_retries: u32,
    /// Its pools.
    #[serde(default)]
    pub pools: Vec<IdRef>,
    /// Its provisioning status.
    pub provisioning_status: String,
}

/// A pool to create: [`OctaviaClient::create_pool`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreatePool {
    /// The name.
    pub name: String,
    /// The protocol.
    pub protocol: LbProtocol,
    /// The algorithm (`ROUND_ROBIN` by default).
    pub lb_algorithm: String,
    /// The listener whose default pool it becomes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener_id: Option<String>,
    /// The load balancer (when no listener is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loadbalancer_id: Option<String>,
}

impl CreatePool {
    /// The default pool of `listener_id`, round robin.
    pub fn for_listener(listener_id: &str, name: &str, protocol: LbProtocol) -> Self {
        Self {
            name: name.to_owned(),
            protocol,
            lb_algorithm: "ROUND_ROBIN".to_owned(),
            listener_id: Some(listener_id.to_owned()),
            loadbalancer_id: None,
        }
    }

    /// A pool of `loadbalancer_id` without a listener (for L7 policies), round robin.
    pub fn for_load_balancer(loadbalancer_id: &str, name: &str, protocol: LbProtocol) -> Self {
        Self {
            name: name.to_owned(),
            protocol,
            lb_algorithm: "ROUND_ROBIN".to_owned(),
            listener_id: None,
            loadbalancer_id: Some(loadbalancer_id.to_owned()),
        }
    }

    /// Sets the algorithm.
    #[must_use]
    pub fn algorithm(mut self, algorithm: impl Into<String>) -> Self {
        self.lb_algorithm = algorithm.into();
        self
    }
}

/// A health monitor to create: [`OctaviaClient::create_health_monitor`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreateHealthMonitor {
    /// The pool.
    pub pool_id: String,
    /// `HTTP`, `HTTPS`, `PING`, `TCP`, `TLS-HELLO`, `UDP-CONNECT` or `SCTP`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Seconds between checks.
    pub delay: u32,
    /// Seconds a check may take (at most `delay`).
    pub timeout: u32,
    /// Successes before a member is up again (1–10).
    pub max_retries: u32,
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl CreateHealthMonitor {
    /// A monitor of `pool_id` of `kind`, every `delay` s, `timeout` s each, 3 retries.
    pub fn new(pool_id: &str, kind: &str, delay: u32, timeout: u32) -> Self {
        Self { pool_id: pool_id.to_owned(), kind: kind.to_owned(), delay, timeout, max_retries: 3, name: None }
    }

    fn validate(&self) -> Result<()> {
        if self.delay == 0 || self.timeout == 0 || self.timeout > self.delay {
            return Err(invalid(format!(
                "a health monitor needs 0 < timeout ≤ delay (got timeout {} s, delay {} s)",
                self.timeout, self.delay
            )));
        }
        if !(1..=10).contains(&self.max_retries) {
            return Err(invalid(format!("max_retries must be 1–10, not {}", self.max_retries)));
        }
        Ok(())
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_input(message.into()).with_provider(PROVIDER)
}

#[derive(Serialize)]
struct NewLoadBalancer<'a> {
    name: &'a str,
    vip_subnet_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vip_address: Option<&'a str>,
}

#[derive(Serialize)]
struct NewListener<'a> {
    name: &'a str,
    loadbalancer_id: &'a str,
    protocol: LbProtocol,
    protocol_port: u16,
}

#[derive(Serialize)]
struct NewMember<'a> {
    address: &'a str,
    protocol_port: u16,
    weight: u16,
}

#[derive(Serialize)]
struct Rename<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

impl OctaviaClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session, timeout: DEFAULT_LB_TIMEOUT }
    }

    /// The same client waiting at most `timeout` for a load balancer to settle.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    fn call(&self, method: Method, path: impl Into<String>) -> Call<'_> {
        self.session.request(Service::LoadBalancer, method, format!("v2/lbaas/{}", path.into()))
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        key: &'static str,
        op: &'static str,
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<T> {
        let mut call = self.call(method, path).operation(op);
        if let Some(body) = body {
            call = call.json(&std::iter::once((key, body)).collect::<std::collections::BTreeMap<_, _>>());
        }
        let mut answer: serde_json::Map<String, serde_json::Value> = call.send().await?.json()?;
        take_field(&mut answer, key, SERVICE_NAME, op)
    }

    fn list<T>(
        &self,
        path: &str,
        key: &'static str,
        op: &'static str,
        filters: Vec<(&'static str, String)>,
    ) -> BoxStream<'static, Result<T>>
    where
        T: DeserializeOwned + Send + 'static,
        T: HasId,
    {
        // Octavia gives a `next` link after a full last page too: the empty page after it ends it.
        MarkerListing {
            session: self.session.clone(),
            service: Service::LoadBalancer,
            service_name: SERVICE_NAME,
            path: format!("v2/lbaas/{path}"),
            key,
            op,
            limit: PAGE,
            filters,
        }
        .stream()
    }

    /// Waits until the load balancer is `ACTIVE` (or, with `deleted`, gone).
    ///
    /// # Errors
    /// `Service` if it goes `ERROR`; `Timeout` after the client's timeout; `NotFound` if it
    /// disappears while waiting for `ACTIVE`.
    pub async fn wait_for_load_balancer(&self, id: &str, deleted: bool) -> Result<()> {
        let path = format!("loadbalancers/{}", id_segment("load balancer id", id)?);
        poll_until(format!("load balancer {id}"), self.timeout, || {
            let path = path.clone();
            async move {
                let found: Result<LoadBalancer> =
                    self.send(Method::GET, path, "loadbalancer", "wait_for_load_balancer", None::<&()>).await;
                match found {
                    Err(e) if e.kind() == ErrorKind::NotFound && deleted => Ok(PollState::Ready(())),
                    Err(e) => Err(e),
                    Ok(lb) if lb.provisioning_status == "ERROR" => {
                        Err(Error::new(ErrorKind::Service, format!("load balancer {} went ERROR", lb.id))
                            .with_provider(PROVIDER))
                    }
                    Ok(lb) if lb.provisioning_status == "DELETED" && deleted => Ok(PollState::Ready(())),
                    Ok(lb) if lb.provisioning_status == "ACTIVE" && !deleted => Ok(PollState::Ready(())),
                    Ok(lb) => Ok(PollState::Pending(lb.provisioning_status)),
                }
            }
        })
        .await
    }

    // --- load balancers --------------------------------------------------------------------

    /// Every load balancer of the project.
    pub fn list_load_balancers(&self) -> BoxStream<'static, Result<LoadBalancer>> {
        self.list("loadbalancers", "loadbalancers", "list_load_balancers", Vec::new())
    }

    /// One load balancer.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_load_balancer(&self, id: &str) -> Result<LoadBalancer> {
        let path = format!("loadbalancers/{}", id_segment("load balancer id", id)?);
        self.send(Method::GET, path, "loadbalancer", "get_load_balancer", None::<&()>).await
    }

    /// Creates a load balancer with its virtual address on `subnet_id`, and waits until it is
    /// `ACTIVE`.
    ///
    /// # Errors
    /// `InvalidInput` for a `vip_address` that is not an IP address (before sending);
    /// `QuotaExceeded`; `Service` if it goes `ERROR`; `Timeout`.
    pub async fn create_load_balancer(
        &self,
        name: &str,
        subnet_id: &str,
        vip_address: Option<&str>,
    ) -> Result<LoadBalancer> {
        id_segment("subnet id", subnet_id)?;
        if let Some(ip) = vip_address {
            ip.parse::<IpAddr>().map_err(|_| invalid(format!("{ip:?} is not an IP address")))?;
        }
        let body = NewLoadBalancer { name, vip_subnet_id: subnet_id, vip_address };
        let lb: LoadBalancer = self
            .send(Method::POST, "loadbalancers".into(), "loadbalancer", "create_load_balancer", Some(&body))
            .await?;
        self.wait_for_load_balancer(&lb.id, false).await?;
        self.get_load_balancer(&lb.id).await
    }

    /// Renames a load balancer or changes its description, and waits until it is `ACTIVE`.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` while it is `PENDING_*`.
    pub async fn update_load_balancer(
        &self,
        id: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<LoadBalancer> {
        let path = format!("loadbalancers/{}", id_segment("load balancer id", id)?);
        let _: LoadBalancer = self
            .send(Method::PUT, path, "loadbalancer", "update_load_balancer", Some(&Rename { name, description }))
            .await?;
        self.wait_for_load_balancer(id, false).await?;
        self.get_load_balancer(id).await
    }

    /// Deletes a load balancer (with `cascade`, its listeners, pools, members and monitors too)
    /// and waits until it is gone.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` while it is `PENDING_*`, or when it still has children and
    /// `cascade` is off.
    pub async fn delete_load_balancer(&self, id: &str, cascade: bool) -> Result<()> {
        let path = format!("loadbalancers/{}", id_segment("load balancer id", id)?);
        let mut call = self.call(Method::DELETE, path).operation("delete_load_balancer");
        if cascade {
            call = call.query("cascade", "true");
        }
        call.send().await?;
        self.wait_for_load_balancer(id, true).await
    }

    // --- listeners -------------------------------------------------------------------------

    /// Every listener (of one load balancer with `Some`).
    pub fn list_listeners(&self, loadbalancer_id: Option<&str>) -> BoxStream<'static, Result<Listener>> {
        let filters = loadbalancer_id.map(|id| vec![("loadbalancer_id", id.to_owned())]).unwrap_or_default();
        self.list("listeners", "listeners", "list_listeners", filters)
    }

    /// One listener.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_listener(&self, id: &str) -> Result<Listener> {
        let path = format!("listeners/{}", id_segment("listener id", id)?);
        self.send(Method::GET, path, "listener", "get_listener", None::<&()>).await
    }

    /// Creates a listener on `port` and waits until the load balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `InvalidInput` for port 0 (before sending); `Conflict` for a port in use.
    pub async fn create_listener(
        &self,
        loadbalancer_id: &str,
        name: &str,
        protocol: LbProtocol,
        port: u16,
    ) -> Result<Listener> {
        id_segment("load balancer id", loadbalancer_id)?;
        if port == 0 {
            return Err(invalid("a listener's port must be 1–65535"));
        }
        let body = NewListener { name, loadbalancer_id, protocol, protocol_port: port };
        let listener: Listener =
            self.send(Method::POST, "listeners".into(), "listener", "create_listener", Some(&body)).await?;
        self.wait_for_load_balancer(loadbalancer_id, false).await?;
        self.get_listener(&listener.id).await
    }

    /// Renames a listener and waits until its load balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn update_listener(&self, id: &str, name: Option<&str>, description: Option<&str>) -> Result<Listener> {
        let path = format!("listeners/{}", id_segment("listener id", id)?);
        let listener: Listener =
            self.send(Method::PUT, path, "listener", "update_listener", Some(&Rename { name, description })).await?;
        self.settle(&listener.loadbalancers).await?;
        self.get_listener(id).await
    }

    /// Deletes a listener and waits until its load balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_listener(&self, id: &str) -> Result<()> {
        let listener = self.get_listener(id).await?;
        let path = format!("listeners/{}", id_segment("listener id", id)?);
        self.call(Method::DELETE, path).operation("delete_listener").send().await?;
        self.settle(&listener.loadbalancers).await
    }

    async fn settle(&self, loadbalancers: &[IdRef]) -> Result<()> {
        for lb in loadbalancers {
            self.wait_for_load_balancer(&lb.id, false).await?;
        }
        Ok(())
    }

    // --- pools -----------------------------------------------------------------------------

    /// Every pool (of one load balancer with `Some`).
    pub fn list_pools(&self, loadbalancer_id: Option<&str>) -> BoxStream<'static, Result<Pool>> {
        let filters = loadbalancer_id.map(|id| vec![("loadbalancer_id", id.to_owned())]).unwrap_or_default();
        self.list("pools", "pools", "list_pools", filters)
    }

    /// One pool.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_pool(&self, id: &str) -> Result<Pool> {
        self.send(Method::GET, format!("pools/{}", id_segment("pool id", id)?), "pool", "get_pool", None::<&()>).await
    }

    /// Creates a pool and waits until its load balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `InvalidInput` without a listener or load balancer (before sending); `Conflict` when the
    /// listener has a default pool already.
    pub async fn create_pool(&self, request: &CreatePool) -> Result<Pool> {
        match (&request.listener_id, &request.loadbalancer_id) {
            (Some(id), _) => id_segment("listener id", id)?,
            (None, Some(id)) => id_segment("load balancer id", id)?,
            (None, None) => return Err(invalid("a pool needs a listener or a load balancer")),
        };
        let pool: Pool = self.send(Method::POST, "pools".into(), "pool", "create_pool", Some(request)).await?;
        self.settle(&pool.loadbalancers).await?;
        self.get_pool(&pool.id).await
    }

    /// Renames a pool and waits until its load balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn update_pool(&self, id: &str, name: Option<&str>, description: Option<&str>) -> Result<Pool> {
        let path = format!("pools/{}", id_segment("pool id", id)?);
        let pool: Pool =
            self.send(Method::PUT, path, "pool", "update_pool", Some(&Rename { name, description })).await?;
        self.settle(&pool.loadbalancers).await?;
        self.get_pool(id).await
    }

    /// Deletes a pool (its members and monitor too) and waits until its load balancer is
    /// `ACTIVE` again.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_pool(&self, id: &str) -> Result<()> {
        let pool = self.get_pool(id).await?;
        self.call(Method::DELETE, format!("pools/{}", id_segment("pool id", id)?))
            .operation("delete_pool")
            .send()
            .await?;
        self.settle(&pool.loadbalancers).await
    }

    // --- members ---------------------------------------------------------------------------

    /// Every member of a pool.
    pub fn list_pool_members(&self, pool_id: &str) -> BoxStream<'static, Result<Member>> {
        match id_segment("pool id", pool_id) {
            Ok(pool) => self.list(&format!("pools/{pool}/members"), "members", "list_pool_members", Vec::new()),
            Err(e) => Box::pin(futures::stream::once(async move { Err(e) })),
        }
    }

    /// Adds a member (`address:port`, `weight` 0–256) to a pool and waits until its load
    /// balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `InvalidInput` for an address that is not an IP address, port 0 or a weight over 256
    /// (before sending); `Conflict` for a duplicate `address:port`.
    pub async fn add_pool_member(&self, pool_id: &str, address: &str, port: u16, weight: u16) -> Result<Member> {
        let pool_segment = id_segment("pool id", pool_id)?;
        address.parse::<IpAddr>().map_err(|_| invalid(format!("{address:?} is not an IP address")))?;
        if port == 0 || weight > 256 {
            return Err(invalid(format!("a member needs a port 1–65535 and a weight 0–256 (got {port}, {weight})")));
        }
        let pool = self.get_pool(pool_id).await?;
        let body = NewMember { address, protocol_port: port, weight };
        let member: Member = self
            .send(Method::POST, format!("pools/{pool_segment}/members"), "member", "add_pool_member", Some(&body))
            .await?;
        self.settle(&pool.loadbalancers).await?;
        Ok(member)
    }

    /// Removes a member from a pool and waits until its load balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn remove_pool_member(&self, pool_id: &str, member_id: &str) -> Result<()> {
        let path = format!("pools/{}/members/{}", id_segment("pool id", pool_id)?, id_segment("member id", member_id)?);
        let pool = self.get_pool(pool_id).await?;
        self.call(Method::DELETE, path).operation("remove_pool_member").send().await?;
        self.settle(&pool.loadbalancers).await
    }

    // --- health monitors -------------------------------------------------------------------

    /// Every health monitor (of one pool with `Some`).
    pub fn list_health_monitors(&self, pool_id: Option<&str>) -> BoxStream<'static, Result<HealthMonitor>> {
        let filters = pool_id.map(|id| vec![("pool_id", id.to_owned())]).unwrap_or_default();
        self.list("healthmonitors", "healthmonitors", "list_health_monitors", filters)
    }

    /// One health monitor.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_health_monitor(&self, id: &str) -> Result<HealthMonitor> {
        let path = format!("healthmonitors/{}", id_segment("health monitor id", id)?);
        self.send(Method::GET, path, "healthmonitor", "get_health_monitor", None::<&()>).await
    }

    /// Creates a health monitor and waits until its load balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `InvalidInput` for a timeout over the delay or retries outside 1–10 (before sending);
    /// `Conflict` when the pool has a monitor already.
    pub async fn create_health_monitor(&self, request: &CreateHealthMonitor) -> Result<HealthMonitor> {
        request.validate()?;
        let pool = self.get_pool(&request.pool_id).await?;
        let monitor: HealthMonitor = self
            .send(Method::POST, "healthmonitors".into(), "healthmonitor", "create_health_monitor", Some(request))
            .await?;
        self.settle(&pool.loadbalancers).await?;
        self.get_health_monitor(&monitor.id).await
    }

    /// Deletes a health monitor and waits until its load balancer is `ACTIVE` again.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_health_monitor(&self, id: &str) -> Result<()> {
        let monitor = self.get_health_monitor(id).await?;
        let path = format!("healthmonitors/{}", id_segment("health monitor id", id)?);
        self.call(Method::DELETE, path).operation("delete_health_monitor").send().await?;
        for pool in &monitor.pools {
            let pool = self.get_pool(&pool.id).await?;
            self.settle(&pool.loadbalancers).await?;
        }
        Ok(())
    }
}

impl HasId for LoadBalancer {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for Listener {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for Pool {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for Member {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for HealthMonitor {
    fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitors_are_checked_before_sending() {
        CreateHealthMonitor::new("p", "HTTP", 5, 3).validate().unwrap();
        for bad in [
            CreateHealthMonitor::new("p", "HTTP", 5, 6),
            CreateHealthMonitor::new("p", "HTTP", 0, 0),
            CreateHealthMonitor { max_retries: 11, ..CreateHealthMonitor::new("p", "HTTP", 5, 3) },
        ] {
            assert_eq!(bad.validate().unwrap_err().kind(), ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn protocols_use_octavias_names() {
        assert_eq!(serde_json::to_value(LbProtocol::TerminatedHttps).unwrap(), "TERMINATED_HTTPS");
        let pool = serde_json::to_value(CreatePool::for_listener("l", "p", LbProtocol::Http)).unwrap();
        assert_eq!(
            pool,
            serde_json::json!({"name": "p", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN", "listener_id": "l"})
        );
    }
}
