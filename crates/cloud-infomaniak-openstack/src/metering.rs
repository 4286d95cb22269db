//! Metering: [`MeteringClient`] — quotas and usage of compute, block storage and network from
//! each service's quota-set endpoint (one request per service), object storage from the Swift
//! account, and usage over a period from Nova's `os-simple-tenant-usage`.

use std::fmt;

use chrono::{DateTime, Utc};
use cloud_core::{Error, Result};
use http::Method;
use serde::Deserialize;

use crate::error::PROVIDER;
use crate::session::{InfomaniakCloud, Service, id_segment};

/// Quotas and usage of one session's project.
///
/// | compatibility name | method | requests |
/// |---|---|---|
/// | `get_compute_quotas` | [`compute_quotas`](Self::compute_quotas) | `GET /os-quota-sets/{project}/detail` (Nova) |
/// | `get_compute_usage(start, end)` | [`compute_usage`](Self::compute_usage) | `GET /os-simple-tenant-usage/{project}?start=…&end=…` (Nova) |
/// | `get_storage_usage`, `get_storage_quotas` | [`storage_quotas`](Self::storage_quotas) | `GET /os-quota-sets/{project}?usage=true` (Cinder) |
/// | `get_network_usage`, `get_network_quotas` | [`network_quotas`](Self::network_quotas) | `GET /v2.0/quotas/{project}/details` (Neutron) |
/// | `get_object_storage_usage` | [`object_storage_usage`](Self::object_storage_usage) | `HEAD` of the Swift account |
/// | `get_all_usage(start, end)` | [`all_usage`](Self::all_usage) | the five above, concurrently |
///
/// Each figure is a [`Quota`]: the limit (`None`: unlimited) and what is in use, as the service
/// counts it; nothing is counted by listing resources one by one.
///
/// ```no_run
/// # async fn run(cloud: cloud_infomaniak_openstack::InfomaniakCloud) -> cloud_core::Result<()> {
/// use chrono::{Duration, Utc};
///
/// let metering = cloud.metering();
/// let quotas = metering.compute_quotas().await?;
/// println!("{} of {:?} instances", quotas.instances.in_use, quotas.instances.limit);
/// let end = Utc::now();
/// let usage = metering.compute_usage(end - Duration::days(30), end).await?;
/// println!("{:.1} vCPU hours over the last 30 days", usage.total_vcpus_usage);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MeteringClient {
    session: InfomaniakCloud,
}

impl fmt::Debug for MeteringClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteringClient").field("session", &self.session).finish()
    }
}

/// A limit and what is used of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quota {
    /// The limit (`None`: unlimited).
    pub limit: Option<i64>,
    /// What is in use.
    pub in_use: i64,
    /// What is reserved by changes in progress.
    pub reserved: i64,
}

/// The compute quotas of a project (Nova).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ComputeQuotas {
    /// Servers.
    pub instances: Quota,
    /// vCPUs.
    pub cores: Quota,
    /// RAM in MiB.
    pub ram_mb: Quota,
    /// Key pairs (per user).
    pub key_pairs: Quota,
    /// Server groups.
    pub server_groups: Quota,
}

/// The block storage quotas of a project (Cinder).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StorageQuotas {
    /// Volumes.
    pub volumes: Quota,
    /// Gigabytes of volumes and snapshots.
    pub gigabytes: Quota,
    /// Snapshots.
    pub snapshots: Quota,
    /// Backups.
    pub backups: Quota,
    /// Gigabytes of backups.
    pub backup_gigabytes: Quota,
}

/// The network quotas of a project (Neutron).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetworkQuotaUsage {
    /// Networks.
    pub networks: Quota,
    /// Subnets.
    pub subnets: Quota,
    /// Ports.
    pub ports: Quota,
    /// Routers.
    pub routers: Quota,
    /// Floating IPs (Neutron's `floatingip`).
    pub floating_ips: Quota,
    /// Security groups.
    pub security_groups: Quota,
    /// Security group rules.
    pub security_group_rules: Quota,
}

/// What the Swift account holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectStorageUsage {
    /// Containers.
    pub containers: u64,
    /// Objects.
    pub objects: u64,
    /// Bytes stored.
    pub bytes: u64,
}

/// Compute usage over a period (Nova's `os-simple-tenant-usage`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ComputeUsage {
    /// The start of the period, as Nova applied it.
    #[serde(default)]
    pub start: Option<String>,
    /// The end of the period, as Nova applied it.
    #[serde(default)]
    pub stop: Option<String>,
    /// Server hours.
    #[serde(default)]
    pub total_hours: f64,
    /// vCPU hours.
    #[serde(default)]
    pub total_vcpus_usage: f64,
    /// RAM MiB hours.
    #[serde(default)]
    pub total_memory_mb_usage: f64,
    /// Local disk GiB hours.
    #[serde(default)]
    pub total_local_gb_usage: f64,
    /// Per server.
    #[serde(default)]
    pub server_usages: Vec<ServerUsage>,
}

/// One server's usage over a period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ServerUsage {
    /// The server's id.
    pub instance_id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its flavor's name.
    #[serde(default)]
    pub flavor: Option<String>,
    /// Hours within the period.
    #[serde(default)]
    pub hours: f64,
    /// vCPUs.
    #[serde(default)]
    pub vcpus: u32,
    /// RAM in MiB.
    #[serde(default)]
    pub memory_mb: u64,
    /// Local disk in GiB.
    #[serde(default)]
    pub local_gb: u64,
    /// `active`, `terminated` …
    #[serde(default)]
    pub state: String,
    /// When it started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// When it ended, if it did.
    #[serde(default)]
    pub ended_at: Option<String>,
}

/// Everything [`MeteringClient`] reads, at once (compatibility name `get_all_usage`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AllUsage {
    /// Compute quotas and what is in use now.
    pub compute: ComputeQuotas,
    /// Compute usage over the period asked for.
    pub compute_period: ComputeUsage,
    /// Block storage quotas and usage.
    pub storage: StorageQuotas,
    /// Network quotas and usage.
    pub network: NetworkQuotaUsage,
    /// Object storage usage (`None` without Swift in the catalog).
    pub object_storage: Option<ObjectStorageUsage>,
    /// When it was read.
    pub taken_at: DateTime<Utc>,
}

// --- wire ------------------------------------------------------------------------------------

/// Nova's and Cinder's `{"limit": …, "in_use": …, "reserved": …}`; Neutron's `used`.
#[derive(Deserialize, Default)]
struct WireQuota {
    #[serde(default)]
    limit: i64,
    #[serde(default, alias = "used")]
    in_use: i64,
    #[serde(default)]
    reserved: i64,
}

impl From<WireQuota> for Quota {
    fn from(q: WireQuota) -> Self {
        Self { limit: (q.limit >= 0).then_some(q.limit), in_use: q.in_use, reserved: q.reserved }
    }
}

#[derive(Deserialize)]
struct NovaQuotaSet {
    quota_set: NovaQuotas,
}

#[derive(Deserialize)]
struct NovaQuotas {
    #[serde(default)]
    instances: WireQuota,
    #[serde(default)]
    cores: WireQuota,
    #[serde(default)]
    ram: WireQuota,
    #[serde(default)]
    key_pairs: WireQuota,
    #[serde(default)]
    server_groups: WireQuota,
}

#[derive(Deserialize)]
struct CinderQuotaSet {
    quota_set: CinderQuotas,
}

#[derive(Deserialize)]
struct CinderQuotas {
    #[serde(default)]
    volumes: WireQuota,
    #[serde(default)]
    gigabytes: WireQuota,
    #[serde(default)]
    snapshots: WireQuota,
    #[serde(default)]
    backups: WireQuota,
    #[serde(default)]
    backup_gigabytes: WireQuota,
}

#[derive(Deserialize)]
struct NeutronQuotaDetails {
    quota: NeutronQuotas,
}

#[derive(Deserialize)]
struct NeutronQuotas {
    #[serde(default)]
    network: WireQuota,
    #[serde(default)]
    subnet: WireQuota,
    #[serde(default)]
    port: WireQuota,
    #[serde(default)]
    router: WireQuota,
    #[serde(default)]
    floatingip: WireQuota,
    #[serde(default)]
    security_group: WireQuota,
    #[serde(default)]
    security_group_rule: WireQuota,
}

#[derive(Deserialize)]
struct TenantUsage {
    tenant_usage: ComputeUsage,
}

/// Nova's timestamps: ISO 8601 without a zone (UTC).
fn nova_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

impl MeteringClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session }
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    fn project(&self) -> Result<String> {
        let project = self.session.project_id().ok_or_else(|| {
            Error::invalid_config("quotas and usage need a session scoped to a project").with_provider(PROVIDER)
        })?;
        id_segment("project id", project)
    }

    /// The compute quotas with what is in use (compatibility name `get_compute_quotas`): one
    /// request.
    ///
    /// # Errors
    /// `InvalidConfig` for a session without a project; `PermissionDenied`.
    pub async fn compute_quotas(&self) -> Result<ComputeQuotas> {
        let path = format!("os-quota-sets/{}/detail", self.project()?);
        let set: NovaQuotaSet = self
            .session
            .request(Service::Compute, Method::GET, path)
            .operation("compute_quotas")
            .send()
            .await?
            .json()?;
        let q = set.quota_set;
        Ok(ComputeQuotas {
            instances: q.instances.into(),
            cores: q.cores.into(),
            ram_mb: q.ram.into(),
            key_pairs: q.key_pairs.into(),
            server_groups: q.server_groups.into(),
        })
    }

    /// Compute usage from `start` to `end` (compatibility name `get_compute_usage`): server,
    /// vCPU, RAM and disk hours within that period, per server too; one request.
    ///
    /// # Errors
    /// `InvalidInput` when `end` is not after `start` (before sending).
    pub async fn compute_usage(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<ComputeUsage> {
        if end <= start {
            return Err(Error::invalid_input(format!("the period ends ({end}) before it starts ({start})"))
                .with_provider(PROVIDER));
        }
        let path = format!("os-simple-tenant-usage/{}", self.project()?);
        let usage: TenantUsage = self
            .session
            .request(Service::Compute, Method::GET, path)
            .operation("compute_usage")
            .query("start", nova_time(start))
            .query("end", nova_time(end))
            .send()
            .await?
            .json()?;
        Ok(usage.tenant_usage)
    }

    /// The block storage quotas with what is in use (compatibility names `get_storage_quotas`
    /// and `get_storage_usage`): one request.
    ///
    /// # Errors
    /// `InvalidConfig` for a session without a project; `PermissionDenied`.
    pub async fn storage_quotas(&self) -> Result<StorageQuotas> {
        let path = format!("os-quota-sets/{}", self.project()?);
        let set: CinderQuotaSet = self
            .session
            .request(Service::BlockStorage, Method::GET, path)
            .operation("storage_quotas")
            .query("usage", "true")
            .send()
            .await?
            .json()?;
        let q = set.quota_set;
        Ok(StorageQuotas {
            volumes: q.volumes.into(),
            gigabytes: q.gigabytes.into(),
            snapshots: q.snapshots.into(),
            backups: q.backups.into(),
            backup_gigabytes: q.backup_gigabytes.into(),
        })
    }

    /// The network quotas with what is in use (compatibility names `get_network_quotas` and
    /// `get_network_usage`): one request.
    ///
    /// # Errors
    /// `InvalidConfig` for a session without a project; `PermissionDenied`.
    pub async fn network_quotas(&self) -> Result<NetworkQuotaUsage> {
        let path = format!("v2.0/quotas/{}/details", self.project()?);
        let details: NeutronQuotaDetails = self
            .session
            .request(Service::Network, Method::GET, path)
            .operation("network_quotas")
            .send()
            .await?
            .json()?;
        let q = details.quota;
        Ok(NetworkQuotaUsage {
            networks: q.network.into(),
            subnets: q.subnet.into(),
            ports: q.port.into(),
            routers: q.router.into(),
            floating_ips: q.floatingip.into(),
            security_groups: q.security_group.into(),
            security_group_rules: q.security_group_rule.into(),
        })
    }

    /// What the Swift account holds (compatibility name `get_object_storage_usage`): one `HEAD`.
    ///
    /// # Errors
    /// `InvalidConfig` without Swift in the catalog.
    pub async fn object_storage_usage(&self) -> Result<ObjectStorageUsage> {
        let answer = self
            .session
            .request(Service::ObjectStore, Method::HEAD, "")
            .operation("object_storage_usage")
            .send()
            .await?;
        let count = |name: &str| answer.header(name).and_then(|v| v.parse().ok()).unwrap_or(0);
        Ok(ObjectStorageUsage {
            containers: count("x-account-container-count"),
            objects: count("x-account-object-count"),
            bytes: count("x-account-bytes-used"),
        })
    }

    /// Every quota and usage figure, with compute usage from `start` to `end` (compatibility
    /// name `get_all_usage`): five requests, sent concurrently.
    ///
    /// # Errors
    /// The first error of any of them.
    pub async fn all_usage(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<AllUsage> {
        let swift = async {
            if self.session.has_service("object-store") {
                self.object_storage_usage().await.map(Some)
            } else {
                Ok(None)
            }
        };
        let (compute, compute_period, storage, network, object_storage) = futures::try_join!(
            Box::pin(self.compute_quotas()),
            Box::pin(self.compute_usage(start, end)),
            Box::pin(self.storage_quotas()),
            Box::pin(self.network_quotas()),
            Box::pin(swift),
        )?;
        Ok(AllUsage { compute, compute_period, storage, network, object_storage, taken_at: Utc::now() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_read_every_services_shape() {
        let nova: NovaQuotaSet = serde_json::from_value(serde_json::json!({"quota_set": {
            "id": "p", "instances": {"limit": 10, "in_use": 2, "reserved": 0}, "cores": {"limit": -1, "in_use": 4, "reserved": 1}
        }}))
        .unwrap();
        let cores: Quota = nova.quota_set.cores.into();
        assert_eq!(cores, Quota { limit: None, in_use: 4, reserved: 1 });
        let neutron: NeutronQuotaDetails = serde_json::from_value(serde_json::json!({"quota": {
            "floatingip": {"limit": 50, "used": 3, "reserved": 0}
        }}))
        .unwrap();
        assert_eq!(Quota::from(neutron.quota.floatingip), Quota { limit: Some(50), in_use: 3, reserved: 0 });
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(nova_time(t), "2026-01-02T03:04:05.000000");
    }
}
