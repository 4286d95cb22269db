//! Designate: [`DesignateClient`] — DNS zones, record sets and the reverse DNS (PTR) of floating
//! IPs.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use cloud_core::poll::{PollState, poll_until};
use cloud_core::stream::{Page, paginate};
use cloud_core::{Error, ErrorKind, Result};
use futures::TryStreamExt;
use futures::stream::BoxStream;
use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::PROVIDER;
use crate::session::{Call, InfomaniakCloud, Service, id_segment};
use crate::util::looks_like_id;

const PAGE: u32 = 100;

/// How long the waits of [`DesignateClient`] allow by default for a zone or record set to be
/// `ACTIVE` (or gone).
pub const DEFAULT_DNS_TIMEOUT: Duration = Duration::from_secs(120);

/// DNS zones, record sets and reverse DNS (Designate v2) of one session.
///
/// Names are sent in the fully qualified form, with the trailing dot (`example.org.`), whether
/// or not the caller wrote it. Designate applies changes asynchronously; every call that changes
/// a zone or record set waits (through [`cloud_core::poll`], at most [`DEFAULT_DNS_TIMEOUT`], see
/// [`with_timeout`](Self::with_timeout)) until it is `ACTIVE`, or gone after a delete. Record
/// data of the types A, AAAA, CNAME, MX, TXT, SRV and CAA is checked before anything is sent.
///
/// ```no_run
/// # async fn run(cloud: cloud_infomaniak_openstack::InfomaniakCloud) -> cloud_core::Result<()> {
/// use cloud_infomaniak_openstack::{CreateZone, RecordSetRequest, RecordType};
///
/// let dns = cloud.designate();
/// let zone = dns.create_zone(&CreateZone::new("example.org", "hostmaster@example.org").ttl(600)).await?;
/// let www = RecordSetRequest::new("www.example.org", RecordType::A, ["192.0.2.10"]);
/// dns.create_record_set(&zone.id, &www).await?;
/// dns.set_reverse_dns("203.0.113.5", "www.example.org", None).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DesignateClient {
    session: InfomaniakCloud,
    timeout: Duration,
}

impl fmt::Debug for DesignateClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesignateClient").field("session", &self.session).field("timeout", &self.timeout).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Models (also the wire format: Designate's field names)

/// A DNS zone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Zone {
    /// Its id.
    pub id: String,
    /// Its name, fully qualified (`example.org.`).
    pub name: String,
    /// The administrator's address (in the SOA record).
    #[serde(default)]
    pub email: Option<String>,
    /// The default TTL of its records, in seconds.
    #[serde(default)]
    pub ttl: Option<u32>,
    /// `ACTIVE`, `PENDING` or `ERROR`.
    pub status: String,
    /// The change being applied: `CREATE`, `UPDATE`, `DELETE` or `NONE`.
    #[serde(default)]
    pub action: String,
    /// `PRIMARY` or `SECONDARY`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Its SOA serial.
    #[serde(default)]
    pub serial: Option<u64>,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The project that owns it.
    #[serde(default)]
    pub project_id: Option<String>,
    /// When it was created (as Designate wrote it).
    #[serde(default)]
    pub created_at: Option<String>,
}

/// A zone to create: [`DesignateClient::create_zone`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreateZone {
    /// The name (a trailing dot is added if missing).
    pub name: String,
    /// The administrator's address.
    pub email: String,
    /// The default TTL in seconds (3600 unless set).
    pub ttl: u32,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CreateZone {
    /// A primary zone `name` administered by `email`, TTL 3600 s.
    pub fn new(name: &str, email: &str) -> Self {
        Self { name: name.to_owned(), email: email.to_owned(), ttl: 3600, description: None }
    }

    /// Sets the default TTL.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// Changes to a zone: [`DesignateClient::update_zone`]; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UpdateZone {
    /// A new administrator address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A new default TTL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    /// A new description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl UpdateZone {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the administrator address.
    #[must_use]
    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    /// Sets the default TTL.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// The type of a record set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum RecordType {
    /// An IPv4 address.
    A,
    /// An IPv6 address.
    Aaaa,
    /// An alias: one fully qualified name.
    Cname,
    /// A mail exchanger: `priority host.`.
    Mx,
    /// Text.
    Txt,
    /// A service: `priority weight port target.`.
    Srv,
    /// A certification authority authorisation: `flags tag "value"`.
    Caa,
    /// A name server (Designate manages the zone's own).
    Ns,
    /// A pointer (reverse DNS).
    Ptr,
    /// The start of authority (Designate manages it).
    Soa,
    /// An SSH key fingerprint.
    Sshfp,
    /// A naming authority pointer.
    Naptr,
}

impl RecordType {
    /// The type as DNS writes it (`AAAA`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::Aaaa => "AAAA",
            Self::Cname => "CNAME",
            Self::Mx => "MX",
            Self::Txt => "TXT",
            Self::Srv => "SRV",
            Self::Caa => "CAA",
            Self::Ns => "NS",
            Self::Ptr => "PTR",
            Self::Soa => "SOA",
            Self::Sshfp => "SSHFP",
            Self::Naptr => "NAPTR",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record set: every record of one name and type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RecordSet {
    /// Its id.
    pub id: String,
    /// The zone it belongs to.
    pub zone_id: String,
    /// Its name, fully qualified.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// Its records (one value each, as DNS writes it).
    #[serde(default)]
    pub records: Vec<String>,
    /// Its TTL (`None`: the zone's).
    #[serde(default)]
    pub ttl: Option<u32>,
    /// `ACTIVE`, `PENDING` or `ERROR`.
    pub status: String,
    /// The change being applied: `CREATE`, `UPDATE`, `DELETE` or `NONE`.
    #[serde(default)]
    pub action: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A record set to create: [`DesignateClient::create_record_set`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordSetRequest {
    /// The name (a trailing dot is added if missing).
    pub name: String,
    /// The type.
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// The records.
    pub records: Vec<String>,
    /// The TTL (the zone's unless set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl RecordSetRequest {
    /// A record set `name` of `record_type` with `records`.
    pub fn new<I, S>(name: &str, record_type: RecordType, records: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            name: name.to_owned(),
            record_type,
            records: records.into_iter().map(Into::into).collect(),
            ttl: None,
            description: None,
        }
    }

    /// Sets the TTL.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// Changes to a record set: [`DesignateClient::update_record_set`]; `None` leaves a field as it
/// is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UpdateRecordSet {
    /// New records (replacing every record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Vec<String>>,
    /// A new TTL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    /// A new description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl UpdateRecordSet {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the records.
    #[must_use]
    pub fn records<I, S>(mut self, records: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.records = Some(records.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the TTL.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// The reverse DNS (PTR record) of a floating IP.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ReverseDns {
    /// `region:floating_ip_id`.
    pub id: String,
    /// The floating IP's address.
    #[serde(default)]
    pub address: Option<String>,
    /// The name the address points to, fully qualified (`None`: unset).
    #[serde(default)]
    pub ptrdname: Option<String>,
    /// The record's TTL.
    #[serde(default)]
    pub ttl: Option<u32>,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// `ACTIVE`, `PENDING` or `ERROR`.
    #[serde(default)]
    pub status: Option<String>,
    /// The change being applied.
    #[serde(default)]
    pub action: Option<String>,
}

impl ReverseDns {
    /// The floating IP's id (the part of [`id`](Self::id) after the region).
    pub fn floating_ip_id(&self) -> &str {
        self.id.rsplit_once(':').map_or(self.id.as_str(), |(_, id)| id)
    }
}

#[derive(Deserialize)]
struct Links {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct ZoneList {
    zones: Vec<Zone>,
    #[serde(default)]
    links: Option<Links>,
}

#[derive(Deserialize)]
struct RecordSetList {
    recordsets: Vec<RecordSet>,
    #[serde(default)]
    links: Option<Links>,
}

#[derive(Deserialize)]
struct ReverseList {
    floatingips: Vec<ReverseDns>,
    #[serde(default)]
    links: Option<Links>,
}

#[derive(Serialize)]
struct SetPtr<'a> {
    ptrdname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

/// A listing page and the id of its last item when Designate says more follow.
trait Listing: DeserializeOwned + Send + 'static {
    type Item: Send + 'static;
    fn into_page(self) -> Page<Self::Item>;
}

fn page<T>(items: Vec<T>, links: Option<Links>, id: impl Fn(&T) -> &str) -> Page<T> {
    let more = links.and_then(|l| l.next).is_some();
    let next = if more { items.last().map(|i| id(i).to_owned()) } else { None };
    Page::new(items, next)
}

impl Listing for ZoneList {
    type Item = Zone;
    fn into_page(self) -> Page<Zone> {
        page(self.zones, self.links, |z| &z.id)
    }
}

impl Listing for RecordSetList {
    type Item = RecordSet;
    fn into_page(self) -> Page<RecordSet> {
        page(self.recordsets, self.links, |r| &r.id)
    }
}

impl Listing for ReverseList {
    type Item = ReverseDns;
    fn into_page(self) -> Page<ReverseDns> {
        page(self.floatingips, self.links, |r| &r.id)
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_input(message.into()).with_provider(PROVIDER)
}

/// `name` in the fully qualified form Designate stores: lower case, with the trailing dot.
///
/// # Errors
/// `InvalidInput` for an empty name, an empty label (`a..b`), a label over 63 characters, a
/// name over 253 characters or characters DNS names cannot hold.
pub fn fully_qualified(name: &str) -> Result<String> {
    let trimmed = name.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return Err(invalid(format!("{name:?} is not a DNS name")));
    }
    if trimmed.len() > 253 {
        return Err(invalid(format!("the DNS name {name:?} is longer than 253 characters")));
    }
    for label in trimmed.split('.') {
        let ok_chars = label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '*');
        if label.is_empty() || label.len() > 63 || !ok_chars {
            return Err(invalid(format!("{name:?} is not a DNS name (label {label:?})")));
        }
    }
    Ok(format!("{}.", trimmed.to_ascii_lowercase()))
}

fn check_email(email: &str) -> Result<()> {
    match email.split_once('@') {
        Some((user, domain)) if !user.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(invalid(format!("{email:?} is not an email address"))),
    }
}

fn check_ttl(ttl: u32) -> Result<()> {
    if ttl == 0 || ttl > 2_147_483_647 {
        return Err(invalid(format!("a TTL must be 1–2147483647 s, not {ttl}")));
    }
    Ok(())
}

fn parse_u16(text: &str, what: &str, record: &str) -> Result<u16> {
    text.parse().map_err(|_| invalid(format!("{record:?}: the {what} {text:?} is not 0–65535")))
}

/// Checks one record's data for its type (the types this client knows the syntax of).
fn check_record(record_type: RecordType, record: &str) -> Result<()> {
    let fields: Vec<&str> = record.split_whitespace().collect();
    let bad = |what: &str| invalid(format!("{record:?} is not {what}"));
    match record_type {
        RecordType::A => {
            record.parse::<Ipv4Addr>().map_err(|_| bad("an IPv4 address (A record)"))?;
        }
        RecordType::Aaaa => {
            record.parse::<Ipv6Addr>().map_err(|_| bad("an IPv6 address (AAAA record)"))?;
        }
        RecordType::Cname | RecordType::Ns | RecordType::Ptr => {
            if fields.len() != 1 || !record.ends_with('.') {
                return Err(bad("one fully qualified name ending with a dot"));
            }
            fully_qualified(record)?;
        }
        RecordType::Mx => {
            let [priority, host] = fields[..] else { return Err(bad("`priority host.` (MX record)")) };
            parse_u16(priority, "priority", record)?;
            if !host.ends_with('.') {
                return Err(bad("`priority host.` with a fully qualified host (MX record)"));
            }
            fully_qualified(host)?;
        }
        RecordType::Srv => {
            let [priority, weight, port, target] = fields[..] else {
                return Err(bad("`priority weight port target.` (SRV record)"));
            };
            for (what, value) in [("priority", priority), ("weight", weight), ("port", port)] {
                parse_u16(value, what, record)?;
            }
            if !target.ends_with('.') {
                return Err(bad("`priority weight port target.` with a fully qualified target (SRV record)"));
            }
            if target != "." {
                fully_qualified(target)?;
            }
        }
        RecordType::Caa => {
            let mut parts = record.splitn(3, ' ');
            let (flags, tag, value) = (parts.next(), parts.next(), parts.next());
            let (Some(flags), Some(tag), Some(value)) = (flags, tag, value) else {
                return Err(bad("`flags tag \"value\"` (CAA record)"));
            };
            flags.parse::<u8>().map_err(|_| bad("`flags tag \"value\"` with flags 0–255 (CAA record)"))?;
            if !matches!(tag, "issue" | "issuewild" | "iodef") || value.is_empty() {
                return Err(bad("`flags issue|issuewild|iodef value` (CAA record)"));
            }
        }
        RecordType::Txt => {
            if record.is_empty() || record.len() > 255 {
                return Err(bad("a TXT value of 1–255 characters"));
            }
        }
        RecordType::Soa | RecordType::Sshfp | RecordType::Naptr => {}
    }
    Ok(())
}

fn check_records(record_type: RecordType, records: &[String]) -> Result<()> {
    if records.is_empty() {
        return Err(invalid(format!("a {record_type} record set needs at least one record")));
    }
    if record_type == RecordType::Cname && records.len() > 1 {
        return Err(invalid("a CNAME record set holds exactly one record"));
    }
    records.iter().try_for_each(|r| check_record(record_type, r))
}

// ---------------------------------------------------------------------------------------------
// The client

impl DesignateClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session, timeout: DEFAULT_DNS_TIMEOUT }
    }

    /// The same client waiting at most `timeout` for a change to be applied.
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
        self.session.request(Service::Dns, method, format!("v2/{}", path.into()))
    }

    fn list<L: Listing>(
        &self,
        path: String,
        op: &'static str,
        filters: Vec<(&'static str, String)>,
    ) -> BoxStream<'static, Result<L::Item>> {
        let this = self.clone();
        paginate(move |marker: Option<String>| {
            let (this, path, filters) = (this.clone(), path.clone(), filters.clone());
            async move {
                let mut call = this.call(Method::GET, path).operation(op).query("limit", PAGE.to_string());
                for (k, v) in filters {
                    call = call.query(k, v);
                }
                let listing: L = call.query_opt("marker", marker).send().await?.json()?;
                Ok(listing.into_page())
            }
        })
    }

    // --- zones -----------------------------------------------------------------------------

    /// Every zone of the project (compatibility name `list_zones`).
    pub fn list_zones(&self) -> BoxStream<'static, Result<Zone>> {
        self.list::<ZoneList>("zones".into(), "list_zones", Vec::new())
    }

    /// One zone, by id or by name (compatibility name `get_zone`).
    ///
    /// # Errors
    /// `NotFound` when no zone has that id or name; `InvalidInput` for a name DNS cannot hold.
    pub async fn get_zone(&self, id_or_name: &str) -> Result<Zone> {
        if looks_like_id(id_or_name) {
            let path = format!("zones/{}", id_segment("zone id", id_or_name)?);
            return self.call(Method::GET, path).operation("get_zone").send().await?.json();
        }
        self.find_zone(id_or_name).await
    }

    /// The zone named `name` (with or without the trailing dot).
    ///
    /// # Errors
    /// `NotFound`; `InvalidInput` for a name DNS cannot hold.
    pub async fn find_zone(&self, name: &str) -> Result<Zone> {
        let fqdn = fully_qualified(name)?;
        let found: Vec<Zone> =
            self.list::<ZoneList>("zones".into(), "find_zone", vec![("name", fqdn.clone())]).try_collect().await?;
        found.into_iter().find(|z| z.name == fqdn).ok_or_else(|| {
            Error::not_found(format!("no DNS zone is named {fqdn}")).with_provider(PROVIDER).with_operation("find_zone")
        })
    }

    /// Creates a primary zone and waits until it is `ACTIVE` (compatibility name `create_zone`).
    ///
    /// # Errors
    /// `InvalidInput` for a name, email or TTL Designate would refuse (before sending);
    /// `AlreadyExists` when the zone exists; `Service` if it goes `ERROR`; `Timeout`.
    pub async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        let mut body = request.clone();
        body.name = fully_qualified(&request.name)?;
        check_email(&body.email)?;
        check_ttl(body.ttl)?;
        let zone: Zone = self.call(Method::POST, "zones").operation("create_zone").json(&body).send().await?.json()?;
        self.wait_for_zone(&zone.id).await
    }

    /// Changes a zone's email, TTL or description and waits until it is `ACTIVE` again
    /// (compatibility name `update_zone`).
    ///
    /// # Errors
    /// `InvalidInput` for an empty change, a bad email or TTL (before sending); `NotFound`.
    pub async fn update_zone(&self, id: &str, changes: &UpdateZone) -> Result<Zone> {
        let path = format!("zones/{}", id_segment("zone id", id)?);
        if changes == &UpdateZone::default() {
            return Err(invalid("update_zone needs at least one change"));
        }
        if let Some(email) = &changes.email {
            check_email(email)?;
        }
        if let Some(ttl) = changes.ttl {
            check_ttl(ttl)?;
        }
        self.call(Method::PATCH, path).operation("update_zone").json(changes).send().await?;
        self.wait_for_zone(id).await
    }

    /// Deletes a zone (with its record sets) and waits until it is gone (compatibility name
    /// `delete_zone`).
    ///
    /// # Errors
    /// `NotFound`; `Timeout`.
    pub async fn delete_zone(&self, id: &str) -> Result<()> {
        let path = format!("zones/{}", id_segment("zone id", id)?);
        self.call(Method::DELETE, path.clone()).operation("delete_zone").send().await?;
        self.wait_gone(&format!("zone {id}"), path, "delete_zone").await
    }

    /// Waits until the zone is `ACTIVE`, and returns it.
    ///
    /// # Errors
    /// `Service` if it goes `ERROR`; `NotFound` if it disappears; `Timeout`.
    pub async fn wait_for_zone(&self, id: &str) -> Result<Zone> {
        let path = format!("zones/{}", id_segment("zone id", id)?);
        self.wait_active(&format!("zone {id}"), path, "wait_for_zone", |z: &Zone| z.status.clone()).await
    }

    async fn wait_active<T: DeserializeOwned>(
        &self,
        what: &str,
        path: String,
        op: &'static str,
        status: impl Fn(&T) -> String,
    ) -> Result<T> {
        poll_until(what, self.timeout, || {
            let path = path.clone();
            let status = &status;
            async move {
                let item: T = self.call(Method::GET, path).operation(op).send().await?.json()?;
                match status(&item).as_str() {
                    "ACTIVE" => Ok(PollState::Ready(item)),
                    "ERROR" => Err(Error::new(ErrorKind::Service, format!("{what} went ERROR"))
                        .with_provider(PROVIDER)
                        .with_operation(op)),
                    other => Ok(PollState::Pending(other.to_owned())),
                }
            }
        })
        .await
        .map_err(|e| if e.provider().is_none() { e.with_provider(PROVIDER) } else { e })
    }

    async fn wait_gone(&self, what: &str, path: String, op: &'static str) -> Result<()> {
        poll_until(format!("{what} (waiting until deleted)"), self.timeout, || {
            let path = path.clone();
            async move {
                match self.call(Method::GET, path).operation(op).send().await {
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(PollState::Ready(())),
                    Err(e) => Err(e),
                    Ok(_) => Ok(PollState::Pending("still there".into())),
                }
            }
        })
        .await
        .map_err(|e| if e.provider().is_none() { e.with_provider(PROVIDER) } else { e })
    }

    // --- record sets -----------------------------------------------------------------------

    /// Every record set of a zone, its SOA and NS included (compatibility name `list_records`).
    pub fn list_record_sets(&self, zone_id: &str) -> BoxStream<'static, Result<RecordSet>> {
        match id_segment("zone id", zone_id) {
            Ok(zone) => self.list::<RecordSetList>(format!("zones/{zone}/recordsets"), "list_record_sets", Vec::new()),
            Err(e) => Box::pin(futures::stream::once(async move { Err(e) })),
        }
    }

    /// One record set (compatibility name `get_record`).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_record_set(&self, zone_id: &str, record_set_id: &str) -> Result<RecordSet> {
        let path = record_set_path(zone_id, record_set_id)?;
        self.call(Method::GET, path).operation("get_record_set").send().await?.json()
    }

    /// Creates a record set and waits until it is `ACTIVE` (compatibility name `create_record`).
    ///
    /// # Errors
    /// `InvalidInput` for a name, TTL or record Designate would refuse (before sending);
    /// `AlreadyExists` for a second record set of the same name and type; `NotFound` for a
    /// missing zone; `InvalidInput` from Designate for a name outside the zone.
    pub async fn create_record_set(&self, zone_id: &str, request: &RecordSetRequest) -> Result<RecordSet> {
        let zone = id_segment("zone id", zone_id)?;
        let mut body = request.clone();
        body.name = fully_qualified(&request.name)?;
        check_records(body.record_type, &body.records)?;
        if let Some(ttl) = body.ttl {
            check_ttl(ttl)?;
        }
        let created: RecordSet = self
            .call(Method::POST, format!("zones/{zone}/recordsets"))
            .operation("create_record_set")
            .json(&body)
            .send()
            .await?
            .json()?;
        self.wait_for_record_set(zone_id, &created.id).await
    }

    /// Replaces a record set's records, TTL or description and waits until it is `ACTIVE`
    /// again (compatibility name `update_record`).
    ///
    /// # Errors
    /// `InvalidInput` for an empty change or records that do not fit the set's type (before
    /// sending); `NotFound`.
    pub async fn update_record_set(
        &self,
        zone_id: &str,
        record_set_id: &str,
        changes: &UpdateRecordSet,
    ) -> Result<RecordSet> {
        let path = record_set_path(zone_id, record_set_id)?;
        if changes == &UpdateRecordSet::default() {
            return Err(invalid("update_record_set needs at least one change"));
        }
        if let Some(ttl) = changes.ttl {
            check_ttl(ttl)?;
        }
        if let Some(records) = &changes.records {
            let current = self.get_record_set(zone_id, record_set_id).await?;
            check_records(current.record_type, records)?;
        }
        self.call(Method::PUT, path).operation("update_record_set").json(changes).send().await?;
        self.wait_for_record_set(zone_id, record_set_id).await
    }

    /// Deletes a record set and waits until it is gone (compatibility name `delete_record`).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_record_set(&self, zone_id: &str, record_set_id: &str) -> Result<()> {
        let path = record_set_path(zone_id, record_set_id)?;
        self.call(Method::DELETE, path.clone()).operation("delete_record_set").send().await?;
        self.wait_gone(&format!("record set {record_set_id}"), path, "delete_record_set").await
    }

    /// Waits until the record set is `ACTIVE`, and returns it.
    ///
    /// # Errors
    /// `Service` if it goes `ERROR`; `NotFound` if it disappears; `Timeout`.
    pub async fn wait_for_record_set(&self, zone_id: &str, record_set_id: &str) -> Result<RecordSet> {
        let path = record_set_path(zone_id, record_set_id)?;
        self.wait_active(&format!("record set {record_set_id}"), path, "wait_for_record_set", |r: &RecordSet| {
            r.status.clone()
        })
        .await
    }

    // --- reverse DNS -----------------------------------------------------------------------

    /// The reverse DNS of every floating IP of the project (compatibility name
    /// `list_ptr_records`).
    pub fn list_reverse_dns(&self) -> BoxStream<'static, Result<ReverseDns>> {
        self.list::<ReverseList>("reverse/floatingips".into(), "list_reverse_dns", Vec::new())
    }

    /// `region:id` of a floating IP given by id or address, looked up in Neutron.
    async fn reverse_path(&self, floating_ip: &str) -> Result<String> {
        let neutron = self.session.neutron();
        let id = if floating_ip.parse::<IpAddr>().is_ok() {
            let all: Vec<_> = neutron.list_floating_ips().try_collect().await?;
            all.into_iter().find(|f| f.floating_ip_address == floating_ip).map(|f| f.id).ok_or_else(|| {
                Error::not_found(format!("no floating IP of the project has the address {floating_ip}"))
                    .with_provider(PROVIDER)
            })?
        } else {
            neutron.get_floating_ip(floating_ip).await?.id
        };
        let region = self.session.region().map(str::to_owned).ok_or_else(|| {
            Error::invalid_config("reverse DNS needs the session's region (the floating IP's region)")
                .with_provider(PROVIDER)
        })?;
        Ok(format!("reverse/floatingips/{}", id_segment("floating IP", &format!("{region}:{id}"))?))
    }

    /// The reverse DNS of a floating IP given by id or address (compatibility name
    /// `get_reverse_dns`); `ptrdname` is `None` when none is set.
    ///
    /// # Errors
    /// `NotFound` when the project has no such floating IP.
    pub async fn get_reverse_dns(&self, floating_ip: &str) -> Result<ReverseDns> {
        let path = self.reverse_path(floating_ip).await?;
        self.call(Method::GET, path).operation("get_reverse_dns").send().await?.json()
    }

    /// Points a floating IP (by id or address) at `hostname` and waits until the PTR record is
    /// `ACTIVE` (compatibility name `set_reverse_dns`).
    ///
    /// # Errors
    /// `InvalidInput` for a hostname DNS cannot hold (before sending); `NotFound` when the
    /// project has no such floating IP.
    pub async fn set_reverse_dns(&self, floating_ip: &str, hostname: &str, ttl: Option<u32>) -> Result<ReverseDns> {
        let ptrdname = fully_qualified(hostname)?;
        if let Some(ttl) = ttl {
            check_ttl(ttl)?;
        }
        let path = self.reverse_path(floating_ip).await?;
        let body = SetPtr { ptrdname: Some(&ptrdname), ttl, description: None };
        self.call(Method::PATCH, path.clone()).operation("set_reverse_dns").json(&body).send().await?;
        self.wait_reverse(path, Some(ptrdname)).await
    }

    /// Removes a floating IP's reverse DNS and waits until it is gone (compatibility name
    /// `delete_reverse_dns`).
    ///
    /// # Errors
    /// `NotFound` when the project has no such floating IP.
    pub async fn unset_reverse_dns(&self, floating_ip: &str) -> Result<()> {
        let path = self.reverse_path(floating_ip).await?;
        let body = SetPtr { ptrdname: None, ttl: None, description: None };
        self.call(Method::PATCH, path.clone()).operation("unset_reverse_dns").json(&body).send().await?;
        self.wait_reverse(path, None).await.map(drop)
    }

    async fn wait_reverse(&self, path: String, wanted: Option<String>) -> Result<ReverseDns> {
        poll_until(format!("reverse DNS {path} (waiting for {wanted:?})"), self.timeout, || {
            let (path, wanted) = (path.clone(), wanted.clone());
            async move {
                let found: ReverseDns =
                    self.call(Method::GET, path).operation("wait_for_reverse_dns").send().await?.json()?;
                // `ACTIVE` once set; `INACTIVE` once unset; `PENDING` while the change is applied.
                let settled = found.status.as_deref() != Some("PENDING");
                if found.status.as_deref() == Some("ERROR") {
                    return Err(Error::new(ErrorKind::Service, format!("reverse DNS of {} went ERROR", found.id))
                        .with_provider(PROVIDER));
                }
                if settled && found.ptrdname == wanted {
                    Ok(PollState::Ready(found))
                } else {
                    Ok(PollState::Pending(format!("{:?} {:?}", found.status, found.ptrdname)))
                }
            }
        })
        .await
        .map_err(|e| if e.provider().is_none() { e.with_provider(PROVIDER) } else { e })
    }
}

fn record_set_path(zone_id: &str, record_set_id: &str) -> Result<String> {
    Ok(format!("zones/{}/recordsets/{}", id_segment("zone id", zone_id)?, id_segment("record set id", record_set_id)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_their_trailing_dot() {
        assert_eq!(fully_qualified("Example.ORG").unwrap(), "example.org.");
        assert_eq!(fully_qualified("example.org.").unwrap(), "example.org.");
        assert_eq!(fully_qualified("_sip._tcp.example.org").unwrap(), "_sip._tcp.example.org.");
        for bad in ["", ".", "a..b", "a b.org", &format!("{}.org", "x".repeat(64))] {
            assert_eq!(fully_qualified(bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn records_are_checked_for_their_type() {
        let ok = [
            (RecordType::A, "192.0.2.1"),
            (RecordType::Aaaa, "2001:db8::1"),
            (RecordType::Cname, "www.example.org."),
            (RecordType::Mx, "10 mail.example.org."),
            (RecordType::Txt, "\"v=spf1 -all\""),
            (RecordType::Srv, "10 60 5060 sip.example.org."),
            (RecordType::Caa, "0 issue \"letsencrypt.org\""),
        ];
        for (t, r) in ok {
            check_record(t, r).unwrap_or_else(|e| panic!("{t} {r}: {e}"));
        }
        let bad = [
            (RecordType::A, "2001:db8::1"),
            (RecordType::A, "192.0.2.300"),
            (RecordType::Aaaa, "192.0.2.1"),
            (RecordType::Cname, "www.example.org"),
            (RecordType::Mx, "mail.example.org."),
            (RecordType::Mx, "70000 mail.example.org."),
            (RecordType::Srv, "10 60 sip.example.org."),
            (RecordType::Caa, "0 issues x"),
            (RecordType::Txt, ""),
        ];
        for (t, r) in bad {
            assert_eq!(check_record(t, r).unwrap_err().kind(), ErrorKind::InvalidInput, "{t} {r:?}");
        }
        assert!(check_records(RecordType::Cname, &["a.org.".into(), "b.org.".into()]).is_err());
        assert!(check_records(RecordType::A, &[]).is_err());
    }

    #[test]
    fn types_use_designates_names() {
        assert_eq!(serde_json::to_value(RecordType::Aaaa).unwrap(), "AAAA");
        let body = serde_json::to_value(RecordSetRequest::new("a.org.", RecordType::Caa, ["0 issue \"x\""])).unwrap();
        assert_eq!(body, serde_json::json!({"name": "a.org.", "type": "CAA", "records": ["0 issue \"x\""]}));
        let ptr: ReverseDns =
            serde_json::from_value(serde_json::json!({"id": "RegionOne:abc", "ptrdname": null, "address": "1.2.3.4"}))
                .unwrap();
        assert_eq!(ptr.floating_ip_id(), "abc");
    }

    #[test]
    fn listings_continue_after_the_last_id_while_there_is_a_next_link() {
        let list: ZoneList = serde_json::from_value(serde_json::json!({
            "zones": [{"id": "z1", "name": "a.org.", "status": "ACTIVE"}],
            "links": {"self": "x", "next": "x?marker=z1"}
        }))
        .unwrap();
        assert_eq!(list.into_page().next.as_deref(), Some("z1"));
        let last: ZoneList = serde_json::from_value(serde_json::json!({"zones": [], "links": {"self": "x"}})).unwrap();
        assert_eq!(last.into_page().next, None);
    }
}
