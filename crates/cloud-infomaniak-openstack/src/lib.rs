//! Infomaniak Public Cloud (OpenStack): one authenticated session ([`InfomaniakCloud`]) shared by
//! the identity ([`KeystoneClient`]), compute ([`NovaClient`], Nova + Glance, a
//! [`cloud_core::ComputeClient`]), block storage ([`CinderClient`]), network ([`NeutronClient`]),
//! load balancer ([`OctaviaClient`]) and object storage ([`SwiftClient`], a
//! [`cloud_core::StorageClient`]) clients, and [`InfomaniakResources`], a
//! [`cloud_core::CloudClient`] over servers, volumes and containers.
//!
//! ```no_run
//! # async fn run() -> cloud_core::Result<()> {
//! use cloud_core::{ComputeClient, StorageClientExt};
//! use cloud_infomaniak_openstack::InfomaniakCloud;
//! use futures::TryStreamExt;
//!
//! // INFOMANIAK_APP_CREDENTIAL_ID/SECRET, or OS_CLOUD + clouds.yaml, or OS_* variables.
//! let cloud = InfomaniakCloud::from_env().await?;
//! let swift = cloud.swift();
//! swift.ensure_bucket("backups").await?;
//! swift.put_bytes("backups", "hello.txt", &b"hi"[..]).await?;
//! let servers: Vec<_> = cloud.nova().list_instances().try_collect().await?;
//! let networks: Vec<_> = cloud.neutron().list_networks().try_collect().await?;
//! println!("{} servers, {} networks", servers.len(), networks.len());
//! # Ok(()) }
//! ```
//!
//! Authentication is by application credential (the default), password or token, against
//! Keystone v3. Every call of every service takes one request path ([`cloud_core::http`]):
//! connect, header and idle-body timeouts; the core retry rules (including `429` and `503`); the
//! token only to its endpoint's origin and, beyond loopback, only over `https` unless allowed;
//! a `401` re-authenticates once; headers are never logged; identifiers are checked before they
//! become part of a URL. Every failure is a [`cloud_core::Error`] carrying OpenStack's message
//! and request id; exhausted quotas are `QuotaExceeded`.

mod auth;
mod block_storage;
mod cloudkitty;
mod compute;
mod config;
mod designate;
mod error;
mod heat;
mod identity;
mod listing;
mod metering;
mod neutron;
mod octavia;
mod resources;
mod session;
mod swift;
mod util;

pub use block_storage::{CinderClient, CreateVolumeRequest, Volume, VolumeCopy};
pub use cloudkitty::{
    BillingSummary, CloudKittyClient, DataFrame, Period, Quantity, RatedPoint, Rating, ReportRow, SummaryGroup,
    SummaryRow,
};
pub use compute::{AvailabilityZone, DEFAULT_CREATE_TIMEOUT, Flavor, Image, KeyPair, NovaClient, Server};
pub use config::{
    AuthMethod, DEFAULT_AUTH_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_REGION,
    DEFAULT_REQUEST_TIMEOUT, Domain, InfomaniakConfig, REGIONS,
};
pub use designate::{
    CreateZone, DEFAULT_DNS_TIMEOUT, DesignateClient, RecordSet, RecordSetRequest, RecordType, ReverseDns,
    UpdateRecordSet, UpdateZone, Zone, fully_qualified,
};
pub use heat::{
    CreateStack, DEFAULT_STACK_TIMEOUT, HeatClient, Stack, StackEvent, StackOutput, StackResource, Template,
    UpdatePreview, ValidatedTemplate,
};
pub use identity::{
    ApplicationCredential, ApplicationCredentialRequest, Ec2Credential, KeystoneClient, Project, Role, RoleAssignment,
    User,
};
pub use metering::{
    AllUsage, ComputeQuotas, ComputeUsage, MeteringClient, NetworkQuotaUsage, ObjectStorageUsage, Quota, ServerUsage,
    StorageQuotas,
};
pub use neutron::{
    AllocationPool, CreatePort, CreateSubnet, ExternalGateway, FixedIp, FloatingIp, Network, NetworkQuotas,
    NetworkUsage, NeutronClient, Port, Router, SecurityGroup, SecurityGroupRule, SecurityGroupRuleInfo, Subnet,
};
pub use octavia::{
    CreateHealthMonitor, CreatePool, DEFAULT_LB_TIMEOUT, HealthMonitor, IdRef, LbProtocol, Listener, LoadBalancer,
    Member, OctaviaClient, Pool,
};
pub use resources::InfomaniakResources;
pub use session::InfomaniakCloud;
pub use swift::{
    ContainerInfo, DEFAULT_LARGE_OBJECT_THRESHOLD, DEFAULT_SEGMENT_SIZE, MAX_PRESIGN_EXPIRY, MAX_SINGLE_OBJECT,
    MIN_SEGMENT_SIZE, SwiftClient,
};
