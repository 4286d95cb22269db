//! Neutron: [`NeutronClient`] — networks, subnets, routers (external gateway, interfaces),
//! security groups and rules, floating IPs, ports, quotas and usage.

use std::fmt;
use std::net::IpAddr;

use cloud_core::{Error, ErrorKind, Result};
use futures::TryStreamExt;
use futures::stream::BoxStream;
use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::PROVIDER;
use crate::listing::{HasId, MarkerListing, take_field};
use crate::session::{Call, InfomaniakCloud, Service, id_segment};

/// How errors name the service.
const SERVICE_NAME: &str = "Neutron";

const PAGE: u32 = 200;

/// Networks, subnets, routers, security groups, floating IPs and ports (Neutron) of one session.
///
/// Listings are streams over Neutron's `marker` pagination. Input that Neutron would refuse (a CIDR
/// that does not parse, a port range upside down, an IP version that does not match) is
/// `InvalidInput` before any request is sent.
///
/// ```no_run
/// # async fn run(cloud: cloud_infomaniak_openstack::InfomaniakCloud) -> cloud_core::Result<()> {
/// use cloud_infomaniak_openstack::{CreateSubnet, SecurityGroupRule};
///
/// let neutron = cloud.neutron();
/// let net = neutron.create_network("backend", None, false).await?;
/// let subnet = neutron.create_subnet(&CreateSubnet::new(&net.id, "backend-v4", "10.10.0.0/24")).await?;
/// let sg = neutron.create_security_group("web", Some("HTTP in")).await?;
/// neutron.add_security_group_rule(&SecurityGroupRule::ingress(&sg.id).tcp(80, 80).from_cidr("0.0.0.0/0")).await?;
/// # let _ = subnet; Ok(()) }
/// ```
#[derive(Clone)]
pub struct NeutronClient {
    session: InfomaniakCloud,
}

impl fmt::Debug for NeutronClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NeutronClient").field("session", &self.session).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Models (also the wire format: Neutron's field names)

/// A network.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Network {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `ACTIVE`, `DOWN`, `BUILD` or `ERROR`.
    #[serde(default)]
    pub status: String,
    /// Whether other projects may use it.
    #[serde(default)]
    pub shared: bool,
    /// Whether it is external (floating IPs and router gateways come from it).
    #[serde(default, rename = "router:external")]
    pub external: bool,
    /// The ids of its subnets.
    #[serde(default)]
    pub subnets: Vec<String>,
    /// Its description.
    #[serde(default)]
    pub description: String,
}

/// A range of addresses a subnet hands out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationPool {
    /// The first address.
    pub start: String,
    /// The last address.
    pub end: String,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Subnet {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The network it belongs to.
    pub network_id: String,
    /// Its range, e.g. `10.0.0.0/24`.
    pub cidr: String,
    /// 4 or 6.
    pub ip_version: u8,
    /// The gateway address, if any.
    #[serde(default)]
    pub gateway_ip: Option<String>,
    /// Whether DHCP is on.
    #[serde(default)]
    pub enable_dhcp: bool,
    /// DNS servers given to its ports.
    #[serde(default)]
    pub dns_nameservers: Vec<String>,
    /// The ranges it hands out.
    #[serde(default)]
    pub allocation_pools: Vec<AllocationPool>,
}

/// A router's external gateway.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ExternalGateway {
    /// The external network.
    pub network_id: String,
}

/// A router.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Router {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `ACTIVE`, `DOWN` …
    #[serde(default)]
    pub status: String,
    /// Its external gateway, if set.
    #[serde(default, rename = "external_gateway_info")]
    pub external_gateway: Option<ExternalGateway>,
}

/// A security group rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SecurityGroupRuleInfo {
    /// Its id.
    pub id: String,
    /// The group it belongs to.
    pub security_group_id: String,
    /// `ingress` or `egress`.
    pub direction: String,
    /// `IPv4` or `IPv6`.
    pub ethertype: String,
    /// `tcp`, `udp`, `icmp` … (`None`: any).
    #[serde(default)]
    pub protocol: Option<String>,
    /// The first port.
    #[serde(default)]
    pub port_range_min: Option<u16>,
    /// The last port.
    #[serde(default)]
    pub port_range_max: Option<u16>,
    /// The remote range.
    #[serde(default)]
    pub remote_ip_prefix: Option<String>,
    /// The remote group.
    #[serde(default)]
    pub remote_group_id: Option<String>,
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SecurityGroup {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// Its rules.
    #[serde(default, rename = "security_group_rules")]
    pub rules: Vec<SecurityGroupRuleInfo>,
}

/// A floating IP.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FloatingIp {
    /// Its id.
    pub id: String,
    /// The public address.
    pub floating_ip_address: String,
    /// The external network it comes from.
    pub floating_network_id: String,
    /// The private address it maps to, when associated.
    #[serde(default)]
    pub fixed_ip_address: Option<String>,
    /// The port it is associated with.
    #[serde(default)]
    pub port_id: Option<String>,
    /// `ACTIVE`, `DOWN` …
    #[serde(default)]
    pub status: String,
}

/// A fixed address of a port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedIp {
    /// The subnet.
    pub subnet_id: String,
    /// The address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

/// A port.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Port {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its network.
    pub network_id: String,
    /// Its addresses.
    #[serde(default)]
    pub fixed_ips: Vec<FixedIp>,
    /// Its MAC address.
    #[serde(default)]
    pub mac_address: String,
    /// What uses it (`network:router_interface`, `compute:nova` …).
    #[serde(default)]
    pub device_owner: String,
    /// The device's id.
    #[serde(default)]
    pub device_id: String,
    /// `ACTIVE`, `DOWN` …
    #[serde(default)]
    pub status: String,
}

/// A project's network quotas (`-1`: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NetworkQuotas {
    /// Networks.
    #[serde(rename = "network")]
    pub networks: i64,
    /// Subnets.
    #[serde(rename = "subnet")]
    pub subnets: i64,
    /// Routers.
    #[serde(rename = "router")]
    pub routers: i64,
    /// Floating IPs (Neutron's key is `floatingip`).
    #[serde(rename = "floatingip")]
    pub floating_ips: i64,
    /// Ports.
    #[serde(rename = "port")]
    pub ports: i64,
    /// Security groups.
    #[serde(rename = "security_group")]
    pub security_groups: i64,
    /// Security group rules.
    #[serde(rename = "security_group_rule")]
    pub security_group_rules: i64,
}

/// What a project uses of its network (compatibility name `get_network_usage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NetworkUsage {
    /// Networks visible to the project.
    pub networks: usize,
    /// Routers.
    pub routers: usize,
    /// Security groups.
    pub security_groups: usize,
    /// Floating IPs.
    pub floating_ips: usize,
    /// Floating IPs associated with a port.
    pub floating_ips_in_use: usize,
}

// ---------------------------------------------------------------------------------------------
// Requests

/// A subnet to create: [`NeutronClient::create_subnet`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreateSubnet {
    /// The network.
    pub network_id: String,
    /// The name.
    pub name: String,
    /// The range; its family decides the IP version.
    pub cidr: String,
    /// 4 or 6 (from the CIDR).
    pub ip_version: u8,
    /// The gateway (`None`: Neutron picks the first address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_ip: Option<String>,
    /// Whether DHCP is on (default yes).
    pub enable_dhcp: bool,
    /// DNS servers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_nameservers: Vec<String>,
    /// Address ranges (`None`: the whole CIDR but the gateway).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allocation_pools: Vec<AllocationPool>,
}

impl CreateSubnet {
    /// A DHCP subnet of `network_id` over `cidr` (IPv4 or IPv6, from the CIDR).
    pub fn new(network_id: impl Into<String>, name: impl Into<String>, cidr: impl Into<String>) -> Self {
        let cidr = cidr.into();
        let ip_version = if cidr.contains(':') { 6 } else { 4 };
        Self {
            network_id: network_id.into(),
            name: name.into(),
            cidr,
            ip_version,
            gateway_ip: None,
            enable_dhcp: true,
            dns_nameservers: Vec::new(),
            allocation_pools: Vec::new(),
        }
    }

    /// Sets the gateway address.
    #[must_use]
    pub fn gateway(mut self, ip: impl Into<String>) -> Self {
        self.gateway_ip = Some(ip.into());
        self
    }

    /// Turns DHCP on or off.
    #[must_use]
    pub fn dhcp(mut self, enabled: bool) -> Self {
        self.enable_dhcp = enabled;
        self
    }

    /// Adds a DNS server.
    #[must_use]
    pub fn dns(mut self, server: impl Into<String>) -> Self {
        self.dns_nameservers.push(server.into());
        self
    }

    /// Adds an address range.
    #[must_use]
    pub fn pool(mut self, start: impl Into<String>, end: impl Into<String>) -> Self {
        self.allocation_pools.push(AllocationPool { start: start.into(), end: end.into() });
        self
    }

    fn validate(&self) -> Result<()> {
        let (net, prefix) = parse_cidr(&self.cidr)?;
        let version = if net.is_ipv4() { 4 } else { 6 };
        if self.ip_version != version {
            return Err(invalid(format!("the CIDR {} is IPv{version}, not IPv{}", self.cidr, self.ip_version)));
        }
        let inside = |what: &str, text: &str| -> Result<()> {
            let ip: IpAddr = text.parse().map_err(|_| invalid(format!("{what} {text:?} is not an IP address")))?;
            if !contains(net, prefix, ip) {
                return Err(invalid(format!("{what} {text} is not inside {}", self.cidr)));
            }
            Ok(())
        };
        if let Some(gateway) = &self.gateway_ip {
            inside("the gateway", gateway)?;
        }
        for pool in &self.allocation_pools {
            inside("the pool start", &pool.start)?;
            inside("the pool end", &pool.end)?;
            let (start, end): (IpAddr, IpAddr) = (
                pool.start.parse().map_err(|_| invalid("bad pool"))?,
                pool.end.parse().map_err(|_| invalid("bad pool"))?,
            );
            if start > end {
                return Err(invalid(format!("the pool {}–{} ends before it starts", pool.start, pool.end)));
            }
        }
        for server in &self.dns_nameservers {
            server.parse::<IpAddr>().map_err(|_| invalid(format!("the DNS server {server:?} is not an IP address")))?;
        }
        Ok(())
    }
}

/// A security group rule to add: [`NeutronClient::add_security_group_rule`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SecurityGroupRule {
    /// The group.
    pub security_group_id: String,
    /// `ingress` or `egress`.
    pub direction: String,
    /// `IPv4` or `IPv6`.
    pub ethertype: String,
    /// `tcp`, `udp`, `icmp`, a protocol number … (`None`: any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The first port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_range_min: Option<u16>,
    /// The last port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_range_max: Option<u16>,
    /// The remote range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_ip_prefix: Option<String>,
    /// The remote group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_group_id: Option<String>,
}

impl SecurityGroupRule {
    fn new(security_group_id: &str, direction: &str) -> Self {
        Self {
            security_group_id: security_group_id.to_owned(),
            direction: direction.to_owned(),
            ethertype: "IPv4".to_owned(),
            protocol: None,
            port_range_min: None,
            port_range_max: None,
            remote_ip_prefix: None,
            remote_group_id: None,
        }
    }

    /// An incoming rule of `security_group_id` (IPv4, any protocol, from anywhere).
    pub fn ingress(security_group_id: &str) -> Self {
        Self::new(security_group_id, "ingress")
    }

    /// An outgoing rule of `security_group_id`.
    pub fn egress(security_group_id: &str) -> Self {
        Self::new(security_group_id, "egress")
    }

    /// TCP ports `min..=max`.
    #[must_use]
    pub fn tcp(self, min: u16, max: u16) -> Self {
        self.protocol("tcp").ports(min, max)
    }

    /// UDP ports `min..=max`.
    #[must_use]
    pub fn udp(self, min: u16, max: u16) -> Self {
        self.protocol("udp").ports(min, max)
    }

    /// Sets the protocol.
    #[must_use]
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocol = Some(protocol.into());
        self
    }

    /// Sets the port range.
    #[must_use]
    pub fn ports(mut self, min: u16, max: u16) -> Self {
        self.port_range_min = Some(min);
        self.port_range_max = Some(max);
        self
    }

    /// From (or to) this range; an IPv6 range makes the rule IPv6.
    #[must_use]
    pub fn from_cidr(mut self, cidr: impl Into<String>) -> Self {
        let cidr = cidr.into();
        if cidr.contains(':') {
            self.ethertype = "IPv6".to_owned();
        }
        self.remote_ip_prefix = Some(cidr);
        self
    }

    /// From (or to) the members of another group.
    #[must_use]
    pub fn from_group(mut self, group_id: impl Into<String>) -> Self {
        self.remote_group_id = Some(group_id.into());
        self
    }

    fn validate(&self) -> Result<()> {
        if !matches!(self.direction.as_str(), "ingress" | "egress") {
            return Err(invalid(format!("direction {:?} is neither ingress nor egress", self.direction)));
        }
        if !matches!(self.ethertype.as_str(), "IPv4" | "IPv6") {
            return Err(invalid(format!("ethertype {:?} is neither IPv4 nor IPv6", self.ethertype)));
        }
        let ports = self.port_range_min.is_some() || self.port_range_max.is_some();
        let protocol = self.protocol.as_deref().map(str::to_ascii_lowercase);
        if ports {
            let (Some(min), Some(max)) = (self.port_range_min, self.port_range_max) else {
                return Err(invalid("a port range needs both its first and last port"));
            };
            let icmp = matches!(protocol.as_deref(), Some("icmp" | "ipv6-icmp" | "icmpv6" | "1" | "58"));
            if !icmp && (min == 0 || min > max) {
                return Err(invalid(format!("the port range {min}–{max} is not valid (1 ≤ first ≤ last ≤ 65535)")));
            }
            if protocol.is_none() {
                return Err(invalid("a port range needs a protocol (tcp, udp …)"));
            }
        }
        if let Some(prefix) = &self.remote_ip_prefix {
            let (net, _) = parse_cidr(prefix)?;
            if net.is_ipv6() != (self.ethertype == "IPv6") {
                return Err(invalid(format!("the remote range {prefix} does not match ethertype {}", self.ethertype)));
            }
        }
        if self.remote_ip_prefix.is_some() && self.remote_group_id.is_some() {
            return Err(invalid("a rule has a remote range or a remote group, not both"));
        }
        Ok(())
    }
}

/// A port to create: [`NeutronClient::create_port`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreatePort {
    /// The network.
    pub network_id: String,
    /// The name.
    pub name: String,
    /// Fixed addresses (`None`: one from each subnet's pool).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed_ips: Vec<FixedIp>,
    /// Security groups (`None`: the project's default group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
}

impl CreatePort {
    /// A port on `network_id`.
    pub fn new(network_id: impl Into<String>, name: impl Into<String>) -> Self {
        Self { network_id: network_id.into(), name: name.into(), fixed_ips: Vec::new(), security_groups: None }
    }

    /// An address in `subnet_id` (`ip`: a given address, or the next free one).
    #[must_use]
    pub fn fixed_ip(mut self, subnet_id: impl Into<String>, ip: Option<String>) -> Self {
        self.fixed_ips.push(FixedIp { subnet_id: subnet_id.into(), ip_address: ip });
        self
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_input(message.into()).with_provider(PROVIDER)
}

/// `a.b.c.d/n` or `x::/n`, with host bits allowed (Neutron masks them).
fn parse_cidr(cidr: &str) -> Result<(IpAddr, u8)> {
    let (addr, prefix) = cidr.split_once('/').ok_or_else(|| invalid(format!("{cidr:?} is not a CIDR (no /prefix)")))?;
    let ip: IpAddr = addr.parse().map_err(|_| invalid(format!("{cidr:?} is not a CIDR (bad address)")))?;
    let prefix: u8 = prefix.parse().map_err(|_| invalid(format!("{cidr:?} is not a CIDR (bad prefix)")))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if prefix > max {
        return Err(invalid(format!("{cidr:?} is not a CIDR (prefix over {max})")));
    }
    Ok((ip, prefix))
}

fn contains(net: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Wire envelopes

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(flatten)]
    inner: std::collections::BTreeMap<&'a str, T>,
}

fn wrap<T: Serialize>(key: &str, value: T) -> Envelope<'_, T> {
    Envelope { inner: std::iter::once((key, value)).collect() }
}

#[derive(Serialize)]
struct NewNetwork<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    shared: bool,
    #[serde(rename = "router:external", skip_serializing_if = "std::ops::Not::not")]
    external: bool,
}

#[derive(Serialize)]
struct NewRouter<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_gateway_info: Option<GatewayInfo<'a>>,
}

#[derive(Serialize)]
struct GatewayInfo<'a> {
    network_id: &'a str,
}

#[derive(Serialize)]
struct GatewayUpdate<'a> {
    external_gateway_info: Option<GatewayInfo<'a>>,
}

#[derive(Serialize)]
struct InterfaceBody<'a> {
    subnet_id: &'a str,
}

#[derive(Serialize)]
struct NewSecurityGroup<'a> {
    name: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
struct NewFloatingIp<'a> {
    floating_network_id: &'a str,
}

#[derive(Serialize)]
struct FloatingIpPort<'a> {
    port_id: Option<&'a str>,
}

#[derive(Deserialize)]
struct QuotaAnswer {
    quota: NetworkQuotas,
}

// ---------------------------------------------------------------------------------------------
// Calls

impl NeutronClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session }
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    fn call(&self, method: Method, path: impl Into<String>) -> Call<'_> {
        self.session.request(Service::Network, method, format!("v2.0/{}", path.into()))
    }

    async fn get_one<T: DeserializeOwned>(&self, path: String, key: &'static str, op: &'static str) -> Result<T> {
        let mut body: serde_json::Map<String, serde_json::Value> =
            self.call(Method::GET, path).operation(op).send().await?.json()?;
        take_field(&mut body, key, SERVICE_NAME, op)
    }

    async fn send_one<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        key: &'static str,
        op: &'static str,
        body: &impl Serialize,
    ) -> Result<T> {
        let mut answer: serde_json::Map<String, serde_json::Value> =
            self.call(method, path).operation(op).json(&wrap(key, body)).send().await?.json()?;
        take_field(&mut answer, key, SERVICE_NAME, op)
    }

    async fn delete(&self, path: String, op: &'static str) -> Result<()> {
        self.call(Method::DELETE, path).operation(op).send().await.map(drop)
    }

    /// Every item of a Neutron collection, as a stream over `marker`.
    fn list<T>(
        &self,
        collection: &'static str,
        op: &'static str,
        filters: Vec<(&'static str, String)>,
    ) -> BoxStream<'static, Result<T>>
    where
        T: DeserializeOwned + HasId + Send + 'static,
    {
        MarkerListing {
            session: self.session.clone(),
            service: Service::Network,
            service_name: SERVICE_NAME,
            path: format!("v2.0/{collection}"),
            key: collection_key(collection),
            op,
            limit: PAGE,
            filters,
        }
        .stream()
    }

    // --- networks --------------------------------------------------------------------------

    /// Every network the project sees (its own, shared and external ones).
    pub fn list_networks(&self) -> BoxStream<'static, Result<Network>> {
        self.list("networks", "list_networks", Vec::new())
    }

    /// One network.
    ///
    /// # Errors
    /// `NotFound` if there is none with this id.
    pub async fn get_network(&self, id: &str) -> Result<Network> {
        self.get_one(format!("networks/{}", id_segment("network id", id)?), "network", "get_network").await
    }

    /// A network by id, or by name when exactly one has it.
    ///
    /// # Errors
    /// `NotFound` if none matches; `InvalidInput` if the name is ambiguous.
    pub async fn find_network(&self, id_or_name: &str) -> Result<Network> {
        match self.get_network(id_or_name).await {
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            other => return other,
        }
        let found: Vec<Network> =
            self.list("networks", "find_network", vec![("name", id_or_name.to_owned())]).try_collect().await?;
        match found.len() {
            1 => Ok(found.into_iter().next().unwrap_or_else(|| unreachable!())),
            0 => {
                Err(Error::not_found(format!("no network is called or has the id {id_or_name:?}"))
                    .with_provider(PROVIDER))
            }
            n => Err(invalid(format!("{n} networks are called {id_or_name:?}; use an id"))),
        }
    }

    /// Creates a network.
    ///
    /// # Errors
    /// `PermissionDenied` for a shared network without the right; `QuotaExceeded`.
    pub async fn create_network(&self, name: &str, description: Option<&str>, shared: bool) -> Result<Network> {
        let body = NewNetwork { name, description, shared, external: false };
        self.send_one(Method::POST, "networks".into(), "network", "create_network", &body).await
    }

    /// Creates an external network (floating IPs and router gateways come from it; cloud
    /// administrators only).
    ///
    /// # Errors
    /// `PermissionDenied` without the admin role.
    pub async fn create_external_network(&self, name: &str) -> Result<Network> {
        let body = NewNetwork { name, description: None, shared: false, external: true };
        self.send_one(Method::POST, "networks".into(), "network", "create_external_network", &body).await
    }

    /// Deletes a network.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` while ports other than DHCP's use it.
    pub async fn delete_network(&self, id: &str) -> Result<()> {
        self.delete(format!("networks/{}", id_segment("network id", id)?), "delete_network").await
    }

    // --- subnets ---------------------------------------------------------------------------

    /// Every subnet.
    pub fn list_subnets(&self) -> BoxStream<'static, Result<Subnet>> {
        self.list("subnets", "list_subnets", Vec::new())
    }

    /// One subnet.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_subnet(&self, id: &str) -> Result<Subnet> {
        self.get_one(format!("subnets/{}", id_segment("subnet id", id)?), "subnet", "get_subnet").await
    }

    /// Creates a subnet.
    ///
    /// # Errors
    /// `InvalidInput` (before sending) for a CIDR that does not parse, a version that does not
    /// match it, or a gateway, pool or DNS server that is not an address inside it; `Conflict`
    /// when it overlaps another subnet of the network.
    pub async fn create_subnet(&self, request: &CreateSubnet) -> Result<Subnet> {
        request.validate()?;
        id_segment("network id", &request.network_id)?;
        self.send_one(Method::POST, "subnets".into(), "subnet", "create_subnet", request).await
    }

    /// Deletes a subnet.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` while ports use it.
    pub async fn delete_subnet(&self, id: &str) -> Result<()> {
        self.delete(format!("subnets/{}", id_segment("subnet id", id)?), "delete_subnet").await
    }

    // --- routers ---------------------------------------------------------------------------

    /// Every router.
    pub fn list_routers(&self) -> BoxStream<'static, Result<Router>> {
        self.list("routers", "list_routers", Vec::new())
    }

    /// One router.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_router(&self, id: &str) -> Result<Router> {
        self.get_one(format!("routers/{}", id_segment("router id", id)?), "router", "get_router").await
    }

    /// Creates a router, with its gateway on `external_network` (an id or a name) if given.
    ///
    /// # Errors
    /// `NotFound` if the external network does not exist (it is never silently left out).
    pub async fn create_router(&self, name: &str, external_network: Option<&str>) -> Result<Router> {
        let network = match external_network {
            Some(net) => Some(self.find_network(net).await?.id),
            None => None,
        };
        let body =
            NewRouter { name, external_gateway_info: network.as_deref().map(|network_id| GatewayInfo { network_id }) };
        self.send_one(Method::POST, "routers".into(), "router", "create_router", &body).await
    }

    /// Sets the router's external gateway to `external_network` (an id or a name).
    ///
    /// # Errors
    /// `NotFound` for an unknown router or network.
    pub async fn set_router_gateway(&self, router_id: &str, external_network: &str) -> Result<Router> {
        let path = format!("routers/{}", id_segment("router id", router_id)?);
        let network = self.find_network(external_network).await?.id;
        let body = GatewayUpdate { external_gateway_info: Some(GatewayInfo { network_id: &network }) };
        self.send_one(Method::PUT, path, "router", "set_router_gateway", &body).await
    }

    /// Removes the router's external gateway.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` while floating IPs use it.
    pub async fn clear_router_gateway(&self, router_id: &str) -> Result<Router> {
        let path = format!("routers/{}", id_segment("router id", router_id)?);
        self.send_one(
            Method::PUT,
            path,
            "router",
            "clear_router_gateway",
            &GatewayUpdate { external_gateway_info: None },
        )
        .await
    }

    /// Connects the router to a subnet (an interface on the subnet's gateway address).
    ///
    /// # Errors
    /// `NotFound`; `InvalidInput`/`Conflict` when the subnet is connected already.
    pub async fn add_router_interface(&self, router_id: &str, subnet_id: &str) -> Result<()> {
        id_segment("subnet id", subnet_id)?;
        self.call(Method::PUT, format!("routers/{}/add_router_interface", id_segment("router id", router_id)?))
            .operation("add_router_interface")
            .json(&InterfaceBody { subnet_id })
            .send()
            .await
            .map(drop)
    }

    /// Disconnects the router from a subnet.
    ///
    /// # Errors
    /// `NotFound` if the router has no interface on it.
    pub async fn remove_router_interface(&self, router_id: &str, subnet_id: &str) -> Result<()> {
        id_segment("subnet id", subnet_id)?;
        self.call(Method::PUT, format!("routers/{}/remove_router_interface", id_segment("router id", router_id)?))
            .operation("remove_router_interface")
            .json(&InterfaceBody { subnet_id })
            .send()
            .await
            .map(drop)
    }

    /// Deletes a router.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` while it has interfaces.
    pub async fn delete_router(&self, id: &str) -> Result<()> {
        self.delete(format!("routers/{}", id_segment("router id", id)?), "delete_router").await
    }

    // --- security groups -------------------------------------------------------------------

    /// Every security group, with its rules.
    pub fn list_security_groups(&self) -> BoxStream<'static, Result<SecurityGroup>> {
        self.list("security-groups", "list_security_groups", Vec::new())
    }

    /// One security group.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_security_group(&self, id: &str) -> Result<SecurityGroup> {
        let path = format!("security-groups/{}", id_segment("security group id", id)?);
        self.get_one(path, "security_group", "get_security_group").await
    }

    /// Creates a security group (Neutron adds its two egress rules).
    ///
    /// # Errors
    /// `QuotaExceeded`.
    pub async fn create_security_group(&self, name: &str, description: Option<&str>) -> Result<SecurityGroup> {
        let body = NewSecurityGroup { name, description: description.unwrap_or_default() };
        self.send_one(Method::POST, "security-groups".into(), "security_group", "create_security_group", &body).await
    }

    /// Deletes a security group.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` while ports use it.
    pub async fn delete_security_group(&self, id: &str) -> Result<()> {
        self.delete(format!("security-groups/{}", id_segment("security group id", id)?), "delete_security_group").await
    }

    /// Every rule of one security group (all groups' rules with `None`).
    pub fn list_security_group_rules(
        &self,
        security_group_id: Option<&str>,
    ) -> BoxStream<'static, Result<SecurityGroupRuleInfo>> {
        let filters = security_group_id.map(|id| vec![("security_group_id", id.to_owned())]).unwrap_or_default();
        self.list("security-group-rules", "list_security_group_rules", filters)
    }

    /// Adds a rule to a security group.
    ///
    /// # Errors
    /// `InvalidInput` (before sending) for a direction or ethertype Neutron does not know, a port
    /// range without a protocol or upside down, a remote range that is not a CIDR of the rule's
    /// family; `AlreadyExists` for a duplicate rule.
    pub async fn add_security_group_rule(&self, rule: &SecurityGroupRule) -> Result<SecurityGroupRuleInfo> {
        rule.validate()?;
        id_segment("security group id", &rule.security_group_id)?;
        self.send_one(
            Method::POST,
            "security-group-rules".into(),
            "security_group_rule",
            "add_security_group_rule",
            rule,
        )
        .await
    }

    /// Deletes a security group rule.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_security_group_rule(&self, id: &str) -> Result<()> {
        let path = format!("security-group-rules/{}", id_segment("security group rule id", id)?);
        self.delete(path, "delete_security_group_rule").await
    }

    // --- floating IPs ----------------------------------------------------------------------

    /// Every floating IP of the project.
    pub fn list_floating_ips(&self) -> BoxStream<'static, Result<FloatingIp>> {
        self.list("floatingips", "list_floating_ips", Vec::new())
    }

    /// One floating IP.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_floating_ip(&self, id: &str) -> Result<FloatingIp> {
        self.get_one(format!("floatingips/{}", id_segment("floating IP id", id)?), "floatingip", "get_floating_ip")
            .await
    }

    /// Allocates a floating IP on `external_network` (an id or a name).
    ///
    /// # Errors
    /// `NotFound` for an unknown network; `QuotaExceeded`.
    pub async fn allocate_floating_ip(&self, external_network: &str) -> Result<FloatingIp> {
        let network = self.find_network(external_network).await?.id;
        let body = NewFloatingIp { floating_network_id: &network };
        self.send_one(Method::POST, "floatingips".into(), "floatingip", "allocate_floating_ip", &body).await
    }

    /// Associates a floating IP with a port (the port's network must be reachable from the
    /// floating IP's network through a router).
    ///
    /// # Errors
    /// `NotFound`; `InvalidInput`/`NotFound` when no router connects the two networks.
    pub async fn associate_floating_ip(&self, floating_ip_id: &str, port_id: &str) -> Result<FloatingIp> {
        let path = format!("floatingips/{}", id_segment("floating IP id", floating_ip_id)?);
        id_segment("port id", port_id)?;
        self.send_one(
            Method::PUT,
            path,
            "floatingip",
            "associate_floating_ip",
            &FloatingIpPort { port_id: Some(port_id) },
        )
        .await
    }

    /// Dissociates a floating IP from its port.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn disassociate_floating_ip(&self, floating_ip_id: &str) -> Result<FloatingIp> {
        let path = format!("floatingips/{}", id_segment("floating IP id", floating_ip_id)?);
        self.send_one(Method::PUT, path, "floatingip", "disassociate_floating_ip", &FloatingIpPort { port_id: None })
            .await
    }

    /// Releases a floating IP.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn release_floating_ip(&self, floating_ip_id: &str) -> Result<()> {
        self.delete(format!("floatingips/{}", id_segment("floating IP id", floating_ip_id)?), "release_floating_ip")
            .await
    }

    // --- ports -----------------------------------------------------------------------------

    /// Every port (of one network with `Some`).
    pub fn list_ports(&self, network_id: Option<&str>) -> BoxStream<'static, Result<Port>> {
        let filters = network_id.map(|id| vec![("network_id", id.to_owned())]).unwrap_or_default();
        self.list("ports", "list_ports", filters)
    }

    /// One port.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_port(&self, id: &str) -> Result<Port> {
        self.get_one(format!("ports/{}", id_segment("port id", id)?), "port", "get_port").await
    }

    /// Creates a port.
    ///
    /// # Errors
    /// `NotFound` for an unknown network; `Conflict` for an address in use.
    pub async fn create_port(&self, request: &CreatePort) -> Result<Port> {
        id_segment("network id", &request.network_id)?;
        for ip in request.fixed_ips.iter().filter_map(|f| f.ip_address.as_deref()) {
            ip.parse::<IpAddr>().map_err(|_| invalid(format!("{ip:?} is not an IP address")))?;
        }
        self.send_one(Method::POST, "ports".into(), "port", "create_port", request).await
    }

    /// Deletes a port.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_port(&self, id: &str) -> Result<()> {
        self.delete(format!("ports/{}", id_segment("port id", id)?), "delete_port").await
    }

    // --- quotas and usage ------------------------------------------------------------------

    /// The network quotas of the session's project (compatibility name `get_network_quotas`).
    ///
    /// # Errors
    /// `InvalidConfig` when the session has no project.
    pub async fn get_network_quotas(&self) -> Result<NetworkQuotas> {
        let project = self
            .session
            .project_id()
            .ok_or_else(|| Error::invalid_config("the session is not scoped to a project").with_provider(PROVIDER))?;
        let path = format!("quotas/{}", id_segment("project id", project)?);
        let answer: QuotaAnswer = self.call(Method::GET, path).operation("get_network_quotas").send().await?.json()?;
        Ok(answer.quota)
    }

    /// Counts of the project's networks, routers, security groups and floating IPs (compatibility
    /// name `get_network_usage`).
    ///
    /// # Errors
    /// The first listing's error.
    pub async fn get_network_usage(&self) -> Result<NetworkUsage> {
        let (networks, routers, groups, ips) = futures::try_join!(
            self.list_networks().try_fold(0usize, |n, _| async move { Ok(n + 1) }),
            self.list_routers().try_fold(0usize, |n, _| async move { Ok(n + 1) }),
            self.list_security_groups().try_fold(0usize, |n, _| async move { Ok(n + 1) }),
            self.list_floating_ips().try_collect::<Vec<_>>(),
        )?;
        Ok(NetworkUsage {
            networks,
            routers,
            security_groups: groups,
            floating_ips: ips.len(),
            floating_ips_in_use: ips.iter().filter(|ip| ip.port_id.is_some()).count(),
        })
    }
}

/// The JSON key of a collection's items (`security-groups` → `security_groups`).
fn collection_key(collection: &'static str) -> &'static str {
    match collection {
        "security-groups" => "security_groups",
        "security-group-rules" => "security_group_rules",
        other => other,
    }
}

macro_rules! has_id {
    ($($t:ty),*) => { $(impl HasId for $t { fn id(&self) -> &str { &self.id } })* };
}
has_id!(Network, Subnet, Router, SecurityGroup, SecurityGroupRuleInfo, FloatingIp, Port);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_addresses_are_checked_before_sending() {
        for bad in ["10.0.0.0", "10.0.0/24", "10.0.0.0/33", "fd00::/129", "x/8", ""] {
            let err = CreateSubnet::new("n", "s", bad).validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
        }
        CreateSubnet::new("n", "s", "10.0.0.0/24")
            .gateway("10.0.0.1")
            .pool("10.0.0.10", "10.0.0.20")
            .dns("1.1.1.1")
            .validate()
            .unwrap();
        CreateSubnet::new("n", "s", "fd00:1::/64").validate().unwrap();
        assert_eq!(CreateSubnet::new("n", "s", "fd00:1::/64").ip_version, 6);
        let outside = CreateSubnet::new("n", "s", "10.0.0.0/24").gateway("10.0.1.1");
        assert_eq!(outside.validate().unwrap_err().kind(), ErrorKind::InvalidInput);
        let backwards = CreateSubnet::new("n", "s", "10.0.0.0/24").pool("10.0.0.20", "10.0.0.10");
        assert_eq!(backwards.validate().unwrap_err().kind(), ErrorKind::InvalidInput);
        let mut wrong_version = CreateSubnet::new("n", "s", "10.0.0.0/24");
        wrong_version.ip_version = 6;
        assert_eq!(wrong_version.validate().unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn rules_are_checked_before_sending() {
        SecurityGroupRule::ingress("g").tcp(22, 22).from_cidr("192.0.2.0/24").validate().unwrap();
        SecurityGroupRule::ingress("g").protocol("icmp").ports(8, 0).validate().unwrap();
        for bad in [
            SecurityGroupRule::ingress("g").tcp(443, 80),
            SecurityGroupRule::ingress("g").tcp(0, 10),
            SecurityGroupRule::ingress("g").ports(1, 2),
            SecurityGroupRule::ingress("g").tcp(1, 2).from_cidr("not-a-cidr"),
            SecurityGroupRule::ingress("g").from_cidr("fd00::/8").from_group("x"),
        ] {
            assert_eq!(bad.validate().unwrap_err().kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
        let v6 = SecurityGroupRule::egress("g").from_cidr("fd00::/8");
        assert_eq!(v6.ethertype, "IPv6");
        v6.validate().unwrap();
    }

    #[test]
    fn quotas_read_neutrons_floatingip_key() {
        // The old client read `floatingips`, which Neutron never sends, and lost every quota.
        let answer: QuotaAnswer = serde_json::from_value(serde_json::json!({"quota": {
            "network": 100, "subnet": 100, "router": 10, "floatingip": 50, "port": 500,
            "security_group": 10, "security_group_rule": 100, "rbac_policy": 10, "subnetpool": -1}}))
        .unwrap();
        assert_eq!(answer.quota.floating_ips, 50);
        assert_eq!(answer.quota.routers, 10);
    }

    #[test]
    fn envelopes_wrap_one_key() {
        let v = serde_json::to_value(wrap(
            "network",
            NewNetwork { name: "n", description: None, shared: false, external: false },
        ))
        .unwrap();
        assert_eq!(v, serde_json::json!({"network": {"name": "n", "shared": false}}));
        let v = serde_json::to_value(wrap("floatingip", FloatingIpPort { port_id: None })).unwrap();
        assert_eq!(v, serde_json::json!({"floatingip": {"port_id": null}}));
    }
}
