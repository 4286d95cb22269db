//! Cinder: [`CinderClient`] — volumes (CRUD, extend, attach/detach), snapshots, backups
//! and restores, each with a wait-for-status helper.

use std::fmt;
use std::time::Duration;

use crate::session::Service as ServiceType;
use chrono::{DateTime, Utc};
use cloud_core::stream::{Page, paginate};
use cloud_core::{Error, ErrorKind, Result};
use futures::stream::BoxStream;
use http::Method;
use serde_json::{Value, json};

use crate::session::{InfomaniakCloud, id_segment};
use crate::util::{parse_time, wait_for};

const PAGE: u32 = 100;

/// Cinder of one session: volumes, snapshots and backups.
#[derive(Clone)]
pub struct CinderClient {
    session: InfomaniakCloud,
}

impl fmt::Debug for CinderClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CinderClient").field("session", &self.session).finish()
    }
}

/// A volume (the Python client's `_volume_to_dict`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Volume {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `creating`, `available`, `in-use`, `error` …
    pub status: String,
    /// Its size in GiB.
    pub size: u64,
    /// Its type (`CEPH_1_perf1` on Infomaniak).
    pub volume_type: Option<String>,
    /// Its availability zone.
    pub availability_zone: Option<String>,
    /// Whether it is bootable.
    pub bootable: bool,
    /// Whether it is encrypted.
    pub encrypted: bool,
    /// The servers it is attached to.
    pub attached_to: Vec<String>,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
}

impl Volume {
    fn from_wire(w: wire::Volume) -> Self {
        Self {
            id: w.id,
            name: w.name.unwrap_or_default(),
            status: w.status.unwrap_or_default(),
            size: w.size.unwrap_or(0),
            volume_type: w.volume_type,
            availability_zone: w.availability_zone,
            bootable: matches!(w.bootable, Some(wire::Flag::Bool(true)))
                || matches!(&w.bootable, Some(wire::Flag::Text(t)) if t == "true"),
            encrypted: w.encrypted.unwrap_or(false),
            attached_to: w.attachments.into_iter().filter_map(|a| a.server_id).collect(),
            created_at: w.created_at.as_deref().and_then(parse_time),
        }
    }
}

/// What to create: [`CinderClient::create_volume`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateVolumeRequest {
    /// Size in GiB.
    pub size: u64,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its type.
    pub volume_type: Option<String>,
    /// Its availability zone.
    pub availability_zone: Option<String>,
    /// Create from this snapshot.
    pub snapshot_id: Option<String>,
    /// Create from this image.
    pub image_id: Option<String>,
}

impl CreateVolumeRequest {
    /// A volume of `size` GiB named `name`.
    pub fn new(name: impl Into<String>, size: u64) -> Self {
        Self { name: name.into(), size, ..Self::default() }
    }

    /// Sets the volume type.
    #[must_use]
    pub fn with_volume_type(mut self, volume_type: impl Into<String>) -> Self {
        self.volume_type = Some(volume_type.into());
        self
    }

    /// Creates it from a snapshot.
    #[must_use]
    pub fn with_snapshot(mut self, snapshot_id: impl Into<String>) -> Self {
        self.snapshot_id = Some(snapshot_id.into());
        self
    }

    /// Creates it from an image.
    #[must_use]
    pub fn with_image(mut self, image_id: impl Into<String>) -> Self {
        self.image_id = Some(image_id.into());
        self
    }
}

/// A snapshot or a backup of a volume (the Python client's `{id, name, status, volume_id, size, created_at}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VolumeCopy {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `creating`, `available`, `error` …
    pub status: String,
    /// The volume it copies.
    pub volume_id: Option<String>,
    /// Its size in GiB.
    pub size: u64,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
}

impl VolumeCopy {
    fn from_wire(w: wire::Copy) -> Self {
        Self {
            id: w.id,
            name: w.name.unwrap_or_default(),
            status: w.status.unwrap_or_default(),
            volume_id: w.volume_id,
            size: w.size.unwrap_or(0),
            created_at: w.created_at.as_deref().and_then(parse_time),
        }
    }
}

impl CinderClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session }
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    fn cinder(&self, method: Method, path: impl Into<String>) -> crate::session::Call<'_> {
        self.session.request(ServiceType::BlockStorage, method, path)
    }

    fn list<P: wire::ListPage + Send + 'static, T: Send + 'static>(
        &self,
        path: &'static str,
        op: &'static str,
        parse: fn(P::Item) -> T,
        id_of: fn(&T) -> String,
    ) -> BoxStream<'static, Result<T>> {
        let this = self.clone();
        paginate(move |marker: Option<String>| {
            let this = this.clone();
            async move {
                let body: P = this
                    .cinder(Method::GET, path)
                    .operation(op)
                    .query("limit", PAGE.to_string())
                    .query_opt("marker", marker)
                    .send()
                    .await?
                    .json()?;
                let (items, links) = body.into_parts();
                let has_next = crate::listing::has_next(&links);
                let items: Vec<T> = items.into_iter().map(parse).collect();
                let next = if has_next { items.last().map(id_of) } else { None };
                Ok(Page::new(items, next))
            }
        })
    }

    /// Every volume (`GET /volumes/detail`), as a stream over `marker`.
    pub fn list_volumes(&self) -> BoxStream<'static, Result<Volume>> {
        self.list::<wire::Volumes, _>("volumes/detail", "list_volumes", Volume::from_wire, |v| v.id.clone())
    }

    /// One volume.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_volume(&self, id: &str) -> Result<Volume> {
        let body: wire::OneVolume = self
            .cinder(Method::GET, format!("volumes/{}", id_segment("id", id)?))
            .operation("get_volume")
            .send()
            .await?
            .json()?;
        Ok(Volume::from_wire(body.volume))
    }

    /// Creates a volume (returns at once, usually `creating`; see [`wait_for_volume`](Self::wait_for_volume)).
    ///
    /// # Errors
    /// `QuotaExceeded`; `InvalidInput`; `NotFound` for an unknown type, snapshot or image.
    pub async fn create_volume(&self, request: &CreateVolumeRequest) -> Result<Volume> {
        if request.size == 0 {
            return Err(Error::invalid_input("a volume needs a size of at least 1 GiB"));
        }
        let mut volume = json!({"size": request.size, "name": request.name});
        if let Some(d) = &request.description {
            volume["description"] = json!(d);
        }
        if let Some(t) = &request.volume_type {
            volume["volume_type"] = json!(t);
        }
        if let Some(z) = &request.availability_zone {
            volume["availability_zone"] = json!(z);
        }
        if let Some(s) = &request.snapshot_id {
            volume["snapshot_id"] = json!(s);
        }
        if let Some(i) = &request.image_id {
            volume["imageRef"] = json!(i);
        }
        let body: wire::OneVolume = self
            .cinder(Method::POST, "volumes")
            .operation("create_volume")
            .json(&json!({"volume": volume}))
            .send()
            .await?
            .json()?;
        Ok(Volume::from_wire(body.volume))
    }

    /// Renames or re-describes a volume.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn update_volume(&self, id: &str, name: Option<&str>, description: Option<&str>) -> Result<Volume> {
        let mut volume = json!({});
        if let Some(n) = name {
            volume["name"] = json!(n);
        }
        if let Some(d) = description {
            volume["description"] = json!(d);
        }
        let body: wire::OneVolume = self
            .cinder(Method::PUT, format!("volumes/{}", id_segment("id", id)?))
            .operation("update_volume")
            .json(&json!({"volume": volume}))
            .send()
            .await?
            .json()?;
        Ok(Volume::from_wire(body.volume))
    }

    /// Deletes a volume; with `force`, whatever its state (`os-force_delete`, usually admin-only).
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if it is attached or busy.
    pub async fn delete_volume(&self, id: &str, force: bool) -> Result<()> {
        if force {
            return self.volume_action(id, json!({"os-force_delete": {}}), "delete_volume").await;
        }
        self.cinder(Method::DELETE, format!("volumes/{}", id_segment("id", id)?))
            .operation("delete_volume")
            .send()
            .await
            .map(drop)
    }

    async fn volume_action(&self, id: &str, body: Value, op: &'static str) -> Result<()> {
        self.cinder(Method::POST, format!("volumes/{}/action", id_segment("id", id)?))
            .operation(op)
            .json(&body)
            .send()
            .await
            .map(drop)
    }

    /// Sets a volume's status (and, with `detached`, clears its attachments) without touching
    /// the backend (`os-reset_status`; admin-only by default): for volumes stuck in a transient
    /// state.
    ///
    /// # Errors
    /// `NotFound`; `PermissionDenied` without the admin role.
    pub async fn reset_volume_status(&self, id: &str, status: &str, detached: bool) -> Result<()> {
        let mut reset = json!({"status": status});
        if detached {
            reset["attach_status"] = json!("detached");
        }
        self.volume_action(id, json!({"os-reset_status": reset}), "reset_volume_status").await
    }

    /// Grows a volume to `new_size` GiB (`os-extend`).
    ///
    /// # Errors
    /// `NotFound`; `InvalidInput` if not larger; `Conflict` if not `available`.
    pub async fn extend_volume(&self, id: &str, new_size: u64) -> Result<()> {
        self.volume_action(id, json!({"os-extend": {"new_size": new_size}}), "extend_volume").await
    }

    /// Attaches a volume to a server through Nova (`POST /servers/{id}/os-volume_attachments`).
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if the volume is not `available`.
    pub async fn attach_volume(&self, volume_id: &str, server_id: &str, device: Option<&str>) -> Result<()> {
        let mut attachment = json!({"volumeId": volume_id});
        if let Some(d) = device {
            attachment["device"] = json!(d);
        }
        self.session
            .request(
                ServiceType::Compute,
                Method::POST,
                format!("servers/{}/os-volume_attachments", id_segment("id", server_id)?),
            )
            .operation("attach_volume")
            .json(&json!({"volumeAttachment": attachment}))
            .send()
            .await
            .map(drop)
    }

    /// Detaches a volume from a server (`DELETE /servers/{id}/os-volume_attachments/{volume_id}`).
    ///
    /// # Errors
    /// `NotFound` if it is not attached there.
    pub async fn detach_volume(&self, volume_id: &str, server_id: &str) -> Result<()> {
        self.session
            .request(
                ServiceType::Compute,
                Method::DELETE,
                format!(
                    "servers/{}/os-volume_attachments/{}",
                    id_segment("id", server_id)?,
                    id_segment("id", volume_id)?
                ),
            )
            .operation("detach_volume")
            .send()
            .await
            .map(drop)
    }

    /// Waits until the volume's status is one of `wanted` (`available`, `in-use` …, or `deleted`,
    /// which also accepts the volume being gone).
    ///
    /// # Errors
    /// `Timeout`; `Service` if it enters an `error*` state.
    pub async fn wait_for_volume(&self, id: &str, wanted: &[&str], timeout: Duration) -> Result<Option<Volume>> {
        let failed = ["error", "error_deleting", "error_extending", "error_restoring", "error_backing-up"];
        let found = wait_for(&format!("volume {id}"), timeout, wanted, &failed, || {
            let this = self.clone();
            let id = id.to_owned();
            async move {
                match this.get_volume(&id).await {
                    Ok(v) => Ok(Some(v.status)),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .await?;
        match found {
            Some(_) => self.get_volume(id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Every snapshot (`GET /snapshots/detail`).
    pub fn list_snapshots(&self) -> BoxStream<'static, Result<VolumeCopy>> {
        self.list::<wire::Snapshots, _>("snapshots/detail", "list_snapshots", VolumeCopy::from_wire, |s| s.id.clone())
    }

    /// One snapshot.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_snapshot(&self, id: &str) -> Result<VolumeCopy> {
        let body: wire::OneSnapshot = self
            .cinder(Method::GET, format!("snapshots/{}", id_segment("id", id)?))
            .operation("get_snapshot")
            .send()
            .await?
            .json()?;
        Ok(VolumeCopy::from_wire(body.snapshot))
    }

    /// Snapshots a volume (`force` allows an attached one).
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if the volume is busy; `QuotaExceeded`.
    pub async fn create_snapshot(
        &self,
        volume_id: &str,
        name: &str,
        description: Option<&str>,
        force: bool,
    ) -> Result<VolumeCopy> {
        let mut snapshot = json!({"volume_id": volume_id, "name": name, "force": force});
        if let Some(d) = description {
            snapshot["description"] = json!(d);
        }
        let body: wire::OneSnapshot = self
            .cinder(Method::POST, "snapshots")
            .operation("create_snapshot")
            .json(&json!({"snapshot": snapshot}))
            .send()
            .await?
            .json()?;
        Ok(VolumeCopy::from_wire(body.snapshot))
    }

    /// Deletes a snapshot; with `force`, whatever its state (`os-force_delete`, usually admin-only).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_snapshot(&self, id: &str, force: bool) -> Result<()> {
        if force {
            return self
                .cinder(Method::POST, format!("snapshots/{}/action", id_segment("id", id)?))
                .operation("delete_snapshot")
                .json(&json!({"os-force_delete": {}}))
                .send()
                .await
                .map(drop);
        }
        self.cinder(Method::DELETE, format!("snapshots/{}", id_segment("id", id)?))
            .operation("delete_snapshot")
            .send()
            .await
            .map(drop)
    }

    /// Waits until the snapshot's status is one of `wanted` (or `deleted`).
    ///
    /// # Errors
    /// `Timeout`; `Service` on `error`.
    pub async fn wait_for_snapshot(&self, id: &str, wanted: &[&str], timeout: Duration) -> Result<Option<VolumeCopy>> {
        let found = wait_for(&format!("snapshot {id}"), timeout, wanted, &["error", "error_deleting"], || {
            let this = self.clone();
            let id = id.to_owned();
            async move {
                match this.get_snapshot(&id).await {
                    Ok(s) => Ok(Some(s.status)),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .await?;
        match found {
            Some(_) => self.get_snapshot(id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Every backup (`GET /backups/detail`).
    pub fn list_backups(&self) -> BoxStream<'static, Result<VolumeCopy>> {
        self.list::<wire::Backups, _>("backups/detail", "list_backups", VolumeCopy::from_wire, |b| b.id.clone())
    }

    /// One backup.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_backup(&self, id: &str) -> Result<VolumeCopy> {
        let body: wire::OneBackup = self
            .cinder(Method::GET, format!("backups/{}", id_segment("id", id)?))
            .operation("get_backup")
            .send()
            .await?
            .json()?;
        Ok(VolumeCopy::from_wire(body.backup))
    }

    /// Backs a volume up (`incremental` on top of the last backup; `force` for an attached volume).
    ///
    /// # Errors
    /// `NotFound`; `Conflict`; `QuotaExceeded`; `Unsupported` without a backup service.
    pub async fn create_backup(
        &self,
        volume_id: &str,
        name: &str,
        description: Option<&str>,
        incremental: bool,
        force: bool,
    ) -> Result<VolumeCopy> {
        let mut backup = json!({"volume_id": volume_id, "name": name, "incremental": incremental, "force": force});
        if let Some(d) = description {
            backup["description"] = json!(d);
        }
        let body: wire::OneBackup = self
            .cinder(Method::POST, "backups")
            .operation("create_backup")
            .json(&json!({"backup": backup}))
            .send()
            .await?
            .json()?;
        Ok(VolumeCopy::from_wire(body.backup))
    }

    /// Restores a backup into `volume_id`, or into a new volume named `name`; returns the volume id.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` if the target is busy.
    pub async fn restore_backup(&self, backup_id: &str, volume_id: Option<&str>, name: Option<&str>) -> Result<String> {
        let mut restore = json!({});
        if let Some(v) = volume_id {
            restore["volume_id"] = json!(v);
        }
        if let Some(n) = name {
            restore["name"] = json!(n);
        }
        let body: wire::Restored = self
            .cinder(Method::POST, format!("backups/{}/restore", id_segment("id", backup_id)?))
            .operation("restore_backup")
            .json(&json!({"restore": restore}))
            .send()
            .await?
            .json()?;
        Ok(body.restore.volume_id)
    }

    /// Deletes a backup; with `force`, whatever its state.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_backup(&self, id: &str, force: bool) -> Result<()> {
        if force {
            return self
                .cinder(Method::POST, format!("backups/{}/action", id_segment("id", id)?))
                .operation("delete_backup")
                .json(&json!({"os-force_delete": {}}))
                .send()
                .await
                .map(drop);
        }
        self.cinder(Method::DELETE, format!("backups/{}", id_segment("id", id)?))
            .operation("delete_backup")
            .send()
            .await
            .map(drop)
    }

    /// Waits until the backup's status is one of `wanted` (or `deleted`).
    ///
    /// # Errors
    /// `Timeout`; `Service` on `error`.
    pub async fn wait_for_backup(&self, id: &str, wanted: &[&str], timeout: Duration) -> Result<Option<VolumeCopy>> {
        let found =
            wait_for(&format!("backup {id}"), timeout, wanted, &["error", "error_deleting", "error_restoring"], || {
                let this = self.clone();
                let id = id.to_owned();
                async move {
                    match this.get_backup(&id).await {
                        Ok(b) => Ok(Some(b.status)),
                        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                        Err(e) => Err(e),
                    }
                }
            })
            .await?;
        match found {
            Some(_) => self.get_backup(id).await.map(Some),
            None => Ok(None),
        }
    }
}

/// Cinder's answers, as they are on the wire.
mod wire {
    use serde::Deserialize;

    pub(crate) use crate::listing::Link;

    /// A page of a listing: its items and its `*_links`.
    pub(crate) trait ListPage: serde::de::DeserializeOwned {
        type Item;
        fn into_parts(self) -> (Vec<Self::Item>, Vec<Link>);
    }

    #[derive(Deserialize)]
    pub(crate) struct Volumes {
        #[serde(default)]
        volumes: Vec<Volume>,
        #[serde(default)]
        volumes_links: Vec<Link>,
    }

    impl ListPage for Volumes {
        type Item = Volume;
        fn into_parts(self) -> (Vec<Volume>, Vec<Link>) {
            (self.volumes, self.volumes_links)
        }
    }

    #[derive(Deserialize)]
    pub(crate) struct Snapshots {
        #[serde(default)]
        snapshots: Vec<Copy>,
        #[serde(default)]
        snapshots_links: Vec<Link>,
    }

    impl ListPage for Snapshots {
        type Item = Copy;
        fn into_parts(self) -> (Vec<Copy>, Vec<Link>) {
            (self.snapshots, self.snapshots_links)
        }
    }

    #[derive(Deserialize)]
    pub(crate) struct Backups {
        #[serde(default)]
        backups: Vec<Copy>,
        #[serde(default)]
        backups_links: Vec<Link>,
    }

    impl ListPage for Backups {
        type Item = Copy;
        fn into_parts(self) -> (Vec<Copy>, Vec<Link>) {
            (self.backups, self.backups_links)
        }
    }

    #[derive(Deserialize)]
    pub(crate) struct OneVolume {
        pub(crate) volume: Volume,
    }

    #[derive(Deserialize)]
    pub(crate) struct OneSnapshot {
        pub(crate) snapshot: Copy,
    }

    #[derive(Deserialize)]
    pub(crate) struct OneBackup {
        pub(crate) backup: Copy,
    }

    #[derive(Deserialize)]
    pub(crate) struct Volume {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) status: Option<String>,
        #[serde(default)]
        pub(crate) size: Option<u64>,
        #[serde(default)]
        pub(crate) volume_type: Option<String>,
        #[serde(default)]
        pub(crate) availability_zone: Option<String>,
        #[serde(default)]
        pub(crate) bootable: Option<Flag>,
        #[serde(default)]
        pub(crate) encrypted: Option<bool>,
        #[serde(default)]
        pub(crate) attachments: Vec<Attachment>,
        #[serde(default)]
        pub(crate) created_at: Option<String>,
    }

    /// Cinder sends `bootable` as the text `"true"`/`"false"` (or a boolean).
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub(crate) enum Flag {
        Bool(bool),
        Text(String),
    }

    #[derive(Deserialize)]
    pub(crate) struct Attachment {
        #[serde(default)]
        pub(crate) server_id: Option<String>,
    }

    /// A snapshot or a backup.
    #[derive(Deserialize)]
    pub(crate) struct Copy {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) status: Option<String>,
        #[serde(default)]
        pub(crate) volume_id: Option<String>,
        #[serde(default)]
        pub(crate) size: Option<u64>,
        #[serde(default)]
        pub(crate) created_at: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Restored {
        pub(crate) restore: RestoredVolume,
    }

    #[derive(Deserialize)]
    pub(crate) struct RestoredVolume {
        pub(crate) volume_id: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_parse() {
        let v = Volume::from_wire(
            serde_json::from_value(json!({"id": "v", "name": "data", "status": "in-use", "size": 10,
            "bootable": "false", "encrypted": false, "volume_type": "CEPH_1_perf1",
            "attachments": [{"server_id": "s1"}], "created_at": "2026-01-02T03:04:05.000000"}))
            .unwrap(),
        );
        assert_eq!(v.attached_to, ["s1"]);
        assert!(!v.bootable);
        assert!(v.created_at.is_some());
        let b = VolumeCopy::from_wire(
            serde_json::from_value(json!({"id": "b", "status": "available", "volume_id": "v", "size": 1})).unwrap(),
        );
        assert_eq!(b.volume_id.as_deref(), Some("v"));
    }
}
