//! Virtual machines: the [`ComputeClient`] trait and its models.

use std::collections::BTreeMap;
use std::fmt::{self, Debug, Display};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

use crate::poll::{PollState, poll_until};
use crate::{CloudProvider, Error, ErrorKind, Result};

/// The life-cycle state of an instance, normalised across providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InstanceStatus {
    /// Being created or started (Nova `BUILD`, EC2 `pending`).
    Pending,
    /// Running (Nova `ACTIVE`, EC2 `running`).
    Running,
    /// Being stopped.
    Stopping,
    /// Stopped (Nova `SHUTOFF`, EC2 `stopped`).
    Stopped,
    /// Rebooting (Nova `REBOOT`/`HARD_REBOOT`).
    Rebooting,
    /// Paused or suspended.
    Suspended,
    /// Being deleted, or deleted.
    Deleted,
    /// Failed (Nova `ERROR`).
    Error,
    /// A state this library does not know; see [`Instance::raw_status`].
    Unknown,
}

impl InstanceStatus {
    /// The lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Rebooting => "rebooting",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
            Self::Error => "error",
            Self::Unknown => "unknown",
        }
    }
}

impl Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A virtual machine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Instance {
    /// The provider's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its normalised status.
    pub status: InstanceStatus,
    /// The status exactly as the provider words it (`ACTIVE`, `SHUTOFF` …).
    pub raw_status: String,
    /// Its flavor or instance type, if known.
    pub flavor: Option<String>,
    /// Its image, if known.
    pub image: Option<String>,
    /// Its IP addresses.
    pub addresses: Vec<String>,
    /// Its region or availability zone, if known.
    pub region: Option<String>,
    /// When it was created, if known.
    pub created_at: Option<DateTime<Utc>>,
    /// Provider metadata or tags.
    pub metadata: BTreeMap<String, String>,
}

impl Instance {
    /// An instance with only id, name and status known.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        status: InstanceStatus,
        raw_status: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            status,
            raw_status: raw_status.into(),
            flavor: None,
            image: None,
            addresses: Vec::new(),
            region: None,
            created_at: None,
            metadata: BTreeMap::new(),
        }
    }
}

/// What to create: the Python library's `create_instance(name, instance_type, image_id, **kwargs)`, typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateInstanceRequest {
    /// The instance's name.
    pub name: String,
    /// The flavor or instance type, by name or id.
    pub flavor: String,
    /// The image, by name or id.
    pub image: String,
    /// Networks to attach, by name or id (the provider's default when empty).
    pub networks: Vec<String>,
    /// The SSH key pair's name.
    pub key_name: Option<String>,
    /// Security groups by name.
    pub security_groups: Vec<String>,
    /// Cloud-init user data, as plain text (providers encode it as they need).
    pub user_data: Option<String>,
    /// The availability zone.
    pub availability_zone: Option<String>,
    /// Metadata or tags.
    pub metadata: BTreeMap<String, String>,
}

impl CreateInstanceRequest {
    /// A request with the three required fields.
    pub fn new(name: impl Into<String>, flavor: impl Into<String>, image: impl Into<String>) -> Self {
        Self { name: name.into(), flavor: flavor.into(), image: image.into(), ..Self::default() }
    }

    /// Adds a network.
    #[must_use]
    pub fn with_network(mut self, network: impl Into<String>) -> Self {
        self.networks.push(network.into());
        self
    }

    /// Sets the key pair.
    #[must_use]
    pub fn with_key_name(mut self, key_name: impl Into<String>) -> Self {
        self.key_name = Some(key_name.into());
        self
    }

    /// Adds a security group.
    #[must_use]
    pub fn with_security_group(mut self, group: impl Into<String>) -> Self {
        self.security_groups.push(group.into());
        self
    }

    /// Sets the user data.
    #[must_use]
    pub fn with_user_data(mut self, user_data: impl Into<String>) -> Self {
        self.user_data = Some(user_data.into());
        self
    }

    /// Sets the availability zone.
    #[must_use]
    pub fn with_availability_zone(mut self, zone: impl Into<String>) -> Self {
        self.availability_zone = Some(zone.into());
        self
    }
}

/// How to reboot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RebootKind {
    /// Ask the guest OS to reboot.
    #[default]
    Soft,
    /// Power-cycle.
    Hard,
}

/// Virtual machines of one provider and region.
///
/// # Contract
///
/// Start, stop and reboot return once the provider accepted the request; use
/// [`ComputeClientExt::wait_for_status`] to wait for the result.
#[async_trait]
pub trait ComputeClient: Debug + Display + Send + Sync + 'static {
    /// The provider behind this client.
    fn provider(&self) -> CloudProvider;

    /// Every instance visible to the caller.
    ///
    /// # Errors
    /// `Unauthenticated`, `PermissionDenied`, transport kinds.
    fn list_instances(&self) -> BoxStream<'static, Result<Instance>>;

    /// One instance.
    ///
    /// # Errors
    /// `NotFound` if it does not exist.
    async fn get_instance(&self, id: &str) -> Result<Instance>;

    /// Creates an instance and returns it as first reported (usually `Pending`).
    ///
    /// # Errors
    /// `NotFound` for an unknown flavor, image or network (checked before anything is created);
    /// `QuotaExceeded`; `InvalidInput`.
    async fn create_instance(&self, request: CreateInstanceRequest) -> Result<Instance>;

    /// Starts a stopped instance.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if its state does not allow it.
    async fn start_instance(&self, id: &str) -> Result<()>;

    /// Stops a running instance.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if its state does not allow it.
    async fn stop_instance(&self, id: &str) -> Result<()>;

    /// Reboots an instance.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if its state does not allow it.
    async fn reboot_instance(&self, id: &str, kind: RebootKind) -> Result<()>;

    /// Deletes (terminates) an instance.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete_instance(&self, id: &str) -> Result<()>;
}

/// Conveniences for every [`ComputeClient`]; you MUST NOT implement it yourself.
#[async_trait]
pub trait ComputeClientExt: ComputeClient {
    /// Polls the instance (1 s, growing to 5 s between polls) until it reaches `status`.
    ///
    /// Waiting for [`InstanceStatus::Deleted`] also succeeds when the instance is gone.
    ///
    /// # Errors
    /// `Timeout` after `timeout`; `Service` if the instance enters `Error` while waiting for
    /// another status; errors of [`ComputeClient::get_instance`].
    async fn wait_for_status(&self, id: &str, status: InstanceStatus, timeout: Duration) -> Result<Option<Instance>> {
        poll_until(format!("instance {id} (waiting for {status})"), timeout, || async move {
            match self.get_instance(id).await {
                Ok(instance) if instance.status == status => Ok(PollState::Ready(Some(instance))),
                Ok(instance) if instance.status == InstanceStatus::Error => Err(Error::new(
                    ErrorKind::Service,
                    format!("instance {id} entered {} while waiting for {status}", instance.raw_status),
                )),
                Ok(instance) => Ok(PollState::Pending(instance.raw_status)),
                Err(e) if e.kind() == ErrorKind::NotFound && status == InstanceStatus::Deleted => {
                    Ok(PollState::Ready(None))
                }
                Err(e) => Err(e),
            }
        })
        .await
    }
}

impl<T: ComputeClient + ?Sized> ComputeClientExt for T {}
