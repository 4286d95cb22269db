//! Keystone provisioning over its REST API: the catalog, the test project, user and
//! application credential, `clouds.yaml`, and the flavor and image Nova tests boot from.
//!
//! Everything is idempotent: a warm `up` finds what exists and only checks that the stored
//! application credential still authenticates (it is recreated otherwise).
//!
//! The test user's password and its application credential's secret are canaries (the secret
//! canary of `cargo xtask test`). A database made before keeps its former ones while Keystone
//! runs; the next time Keystone starts, the password is changed and the credential recreated.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::http::{Request, Response};
use super::layout::Layout;
use super::openstack::{admin_password, catalog_entry, dir};
use super::{Ctx, Server, lookup, read_env_file, var, write_env_file};

const PORT: u16 = 5000;
const AUTH_URL: &str = "http://127.0.0.1:5000/v3";
const REGION: &str = "RegionOne";
const PROJECT: &str = "cloud-test";
const USER: &str = "cloud-test";
/// The test user's password, a canary.
const USER_PASSWORD: &str = "CANARYkeystonePassword4Nd8";
/// The password of a test user made before the canary (until Keystone restarts).
const LEGACY_USER_PASSWORD: &str = "cloud-test-password";
/// The secret chosen for the test user's application credential, a canary.
const APP_CRED_SECRET: &str = "CANARYappCredentialSecret2Hs6Lt";
const APP_CRED: &str = "cloud-test";
const CLOUD: &str = "cloud-test";
const ENV_FILE: &str = "openstack";
pub(super) const FLAVOR: &str = "m1.tiny";
pub(super) const IMAGE: &str = "cloud-test-raw";

/// A project-scoped admin token.
#[derive(Clone)]
pub(super) struct AdminSession {
    token: String,
    project_id: String,
}

impl std::fmt::Debug for AdminSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSession").field("token", &"<redacted>").field("project_id", &self.project_id).finish()
    }
}

impl AdminSession {
    /// Logs the cloud admin in, with the password Keystone was bootstrapped with.
    pub(super) fn login(layout: &Layout) -> Result<Self> {
        let (token, body) = password_token("admin", &admin_password(layout)?, "admin")?;
        let project_id = body["token"]["project"]["id"].as_str().context("token without project")?.to_owned();
        Ok(Self { token, project_id })
    }

    pub(super) fn project_id(&self) -> &str {
        &self.project_id
    }

    fn request<'a>(&self, method: &'a str, port: u16, path: &str) -> Request<'a> {
        Request::new(method, port, path).header("X-Auth-Token", self.token.clone())
    }

    pub(super) fn get(&self, port: u16, path: &str) -> Result<Response> {
        self.request("GET", port, path).send()
    }

    pub(super) fn send(&self, method: &str, port: u16, path: &str, body: &Value) -> Result<Response> {
        self.request(method, port, path).json(body).send()
    }

    pub(super) fn send_with(
        &self,
        method: &str,
        port: u16,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Result<Response> {
        let mut req = self.request(method, port, path);
        for (name, value) in headers {
            req = req.header(name, *value);
        }
        req.json(body).send()
    }

    pub(super) fn delete(&self, port: u16, path: &str) -> Result<Response> {
        self.request("DELETE", port, path).send()
    }

    /// The id of the first `collection` item whose `name` matches, from `GET path`.
    fn find_id(&self, port: u16, path: &str, collection: &str, name: &str) -> Result<Option<String>> {
        let list = self.get(port, path)?.expect(&[200], &format!("GET {path}"))?.json()?;
        Ok(list[collection]
            .as_array()
            .into_iter()
            .flatten()
            .find(|item| item["name"] == name)
            .and_then(|item| item["id"].as_str())
            .map(str::to_owned))
    }
}

/// A password token scoped to `project` (domain `default`), with the token body.
fn password_token(user: &str, password: &str, project: &str) -> Result<(String, Value)> {
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}
    }});
    let resp = Request::new("POST", PORT, "/v3/auth/tokens")
        .json(&body)
        .send()?
        .expect(&[201], &format!("password login of {user}"))?;
    let token = resp.header("X-Subject-Token").context("no X-Subject-Token")?.to_owned();
    Ok((token, resp.json()?))
}

/// Does this application credential authenticate?
fn app_cred_works(id: &str, secret: &str) -> Result<bool> {
    let body = json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"id": id, "secret": secret}}}});
    let resp = Request::new("POST", PORT, "/v3/auth/tokens").json(&body).send()?;
    Ok(resp.status == 201)
}

/// Registers the selected services, creates the test identity and writes `clouds.yaml`.
/// `fresh`: Keystone started now, so the test user's password and application credential may
/// change (nobody holds them yet).
pub(super) fn provision(ctx: &Ctx<'_>, selected: &BTreeSet<Server>, fresh: bool) -> Result<()> {
    // What was registered before (the stamp goes away with Keystone's database).
    let stamp = dir(&ctx.layout, Server::Keystone).join(".provisioned");
    let done: BTreeSet<String> =
        std::fs::read_to_string(&stamp).unwrap_or_default().lines().map(str::to_owned).collect();
    let wanted: BTreeSet<String> =
        selected.iter().filter_map(|s| catalog_entry(*s)).map(|(kind, _, _)| kind.to_owned()).collect();
    let previous = read_env_file(&ctx.layout, ENV_FILE)?.unwrap_or_default();
    let stored_cred = match (
        lookup(&previous, "CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID"),
        lookup(&previous, "CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET"),
    ) {
        (Some(id), Some(secret)) if app_cred_works(id, secret)? => Some((id.to_owned(), secret.to_owned())),
        _ => None,
    };
    let password = lookup(&previous, "CLOUD_TEST_OS_PASSWORD").unwrap_or(LEGACY_USER_PASSWORD).to_owned();
    // A former password or secret is replaced by the canary when Keystone starts.
    let stored_cred = stored_cred.filter(|(_, secret)| !fresh || secret == APP_CRED_SECRET);
    let change_password = fresh && password != USER_PASSWORD;
    if wanted.is_subset(&done) && stored_cred.is_some() && !change_password && clouds_path(&ctx.layout).exists() {
        return Ok(());
    }

    let admin = AdminSession::login(&ctx.layout)?;
    // One listing of services and endpoints; a warm `up` then makes no further catalog call.
    let services = admin.get(PORT, "/v3/services")?.expect(&[200], "GET /v3/services")?.json()?;
    let endpoints = admin.get(PORT, "/v3/endpoints")?.expect(&[200], "GET /v3/endpoints")?.json()?;
    let services = services["services"].as_array().cloned().unwrap_or_default();
    let endpoints = endpoints["endpoints"].as_array().cloned().unwrap_or_default();
    for server in selected.iter().filter(|s| s.is_openstack()) {
        if let Some((kind, name, url)) = catalog_entry(*server) {
            ensure_service(&admin, &services, &endpoints, (kind, name, url))?;
        }
    }
    if selected.contains(&Server::Swift) {
        ensure_role(&admin, "ResellerAdmin")?;
    }
    // Octavia's default policy lets customers in only with this role.
    let mut roles = vec!["member", "reader"];
    if selected.contains(&Server::Octavia) {
        roles.push("load-balancer_member");
    }
    let project_id = match admin.find_id(PORT, &format!("/v3/projects?name={PROJECT}"), "projects", PROJECT)? {
        Some(id) => id,
        None => created_id(
            admin.send(
                "POST",
                PORT,
                "/v3/projects",
                &json!({"project": {"name": PROJECT, "domain_id": "default",
                "description": "cargo xtask emulators: the tests' project"}}),
            )?,
            "project",
        )?,
    };
    let (user_id, password) = match admin.find_id(PORT, &format!("/v3/users?name={USER}"), "users", USER)? {
        Some(id) if change_password => {
            admin
                .send("PATCH", PORT, &format!("/v3/users/{id}"), &json!({"user": {"password": USER_PASSWORD}}))?
                .expect(&[200], "changing the test user's password")?;
            (id, USER_PASSWORD.to_owned())
        }
        Some(id) => (id, password),
        None => (
            created_id(
                admin.send(
                    "POST",
                    PORT,
                    "/v3/users",
                    &json!({"user": {"name": USER, "domain_id": "default",
                "password": USER_PASSWORD, "default_project_id": project_id}}),
                )?,
                "user",
            )?,
            USER_PASSWORD.to_owned(),
        ),
    };
    for role in roles {
        let role_id = ensure_role(&admin, role)?;
        admin
            .send("PUT", PORT, &format!("/v3/projects/{project_id}/users/{user_id}/roles/{role_id}"), &json!({}))?
            .expect(&[204], &format!("granting {role}"))?;
    }

    // An application credential keeps the roles its user had when it was made: services added
    // since (Octavia's `load-balancer_member`) need a new one.
    let stored_cred = stored_cred.filter(|_| wanted.is_subset(&done));
    let (cred_id, cred_secret) = match stored_cred {
        Some(cred) => cred,
        None => new_app_cred(&user_id, &password)?,
    };
    write_env_file(
        &ctx.layout,
        ENV_FILE,
        &[
            var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID", cred_id.clone()),
            var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET", cred_secret.clone()),
            var("CLOUD_TEST_OS_PROJECT_ID", project_id.clone()),
            var("CLOUD_TEST_OS_PASSWORD", password.clone()),
        ],
    )?;
    let clouds = clouds_yaml(&cred_id, &cred_secret, &project_id, &password, &admin_password(&ctx.layout)?);
    let path = clouds_path(&ctx.layout);
    std::fs::write(&path, clouds).with_context(|| format!("writing {}", path.display()))?;
    let registered: Vec<String> = done.union(&wanted).cloned().collect();
    std::fs::write(&stamp, registered.join("\n")).with_context(|| format!("writing {}", stamp.display()))
}

fn created_id(resp: Response, kind: &str) -> Result<String> {
    let body = resp.expect(&[201], &format!("creating the {kind}"))?.json()?;
    body[kind]["id"].as_str().map(str::to_owned).with_context(|| format!("created {kind} has no id"))
}

fn ensure_role(admin: &AdminSession, name: &str) -> Result<String> {
    if let Some(id) = admin.find_id(PORT, &format!("/v3/roles?name={name}"), "roles", name)? {
        return Ok(id);
    }
    created_id(admin.send("POST", PORT, "/v3/roles", &json!({"role": {"name": name}}))?, "role")
}

/// One service with a public, internal and admin endpoint at `url` in RegionOne, given the
/// current `services` and `endpoints` listings.
fn ensure_service(
    admin: &AdminSession,
    services: &[Value],
    endpoints: &[Value],
    entry: (&str, &str, &str),
) -> Result<()> {
    let (kind, name, url) = entry;
    let service_id = match services.iter().find(|s| s["type"] == kind).and_then(|s| s["id"].as_str()) {
        Some(id) => id.to_owned(),
        None => created_id(
            admin.send(
                "POST",
                PORT,
                "/v3/services",
                &json!({"service": {"type": kind, "name": name, "enabled": true}}),
            )?,
            "service",
        )?,
    };
    for interface in ["public", "internal", "admin"] {
        match endpoints.iter().find(|e| e["service_id"] == service_id.as_str() && e["interface"] == interface) {
            Some(e) if e["url"] == url => {}
            Some(e) => {
                let id = e["id"].as_str().unwrap_or_default();
                admin
                    .send("PATCH", PORT, &format!("/v3/endpoints/{id}"), &json!({"endpoint": {"url": url}}))?
                    .expect(&[200], "updating an endpoint")?;
            }
            None => {
                admin
                    .send(
                        "POST",
                        PORT,
                        "/v3/endpoints",
                        &json!({"endpoint": {"service_id": service_id,
                        "interface": interface, "url": url, "region_id": REGION}}),
                    )?
                    .expect(&[201], &format!("creating the {interface} endpoint of {kind}"))?;
            }
        }
    }
    Ok(())
}

/// Replaces the test user's application credential.
fn new_app_cred(user_id: &str, password: &str) -> Result<(String, String)> {
    let (token, _) = password_token(USER, password, PROJECT)?;
    let user_req =
        |method: &'static str, path: &str| Request::new(method, PORT, path).header("X-Auth-Token", token.clone());
    let list = user_req("GET", &format!("/v3/users/{user_id}/application_credentials?name={APP_CRED}"))
        .send()?
        .expect(&[200], "listing application credentials")?
        .json()?;
    for old in list["application_credentials"].as_array().into_iter().flatten() {
        if let Some(id) = old["id"].as_str() {
            user_req("DELETE", &format!("/v3/users/{user_id}/application_credentials/{id}"))
                .send()?
                .expect(&[204], "deleting an old application credential")?;
        }
    }
    let created = user_req("POST", &format!("/v3/users/{user_id}/application_credentials"))
        .json(&json!({"application_credential": {"name": APP_CRED, "secret": APP_CRED_SECRET,
            "description": "cargo xtask emulators: the tests' credential"}}))
        .send()?
        .expect(&[201], "creating the application credential")?
        .json()?;
    let cred = &created["application_credential"];
    let id = cred["id"].as_str().context("application credential without id")?;
    let secret = cred["secret"].as_str().context("application credential without secret")?;
    Ok((id.to_owned(), secret.to_owned()))
}

fn clouds_path(layout: &Layout) -> std::path::PathBuf {
    layout.data("openstack").join("clouds.yaml")
}

fn clouds_yaml(cred_id: &str, cred_secret: &str, project_id: &str, password: &str, admin_password: &str) -> String {
    format!(
        "# Written by `cargo xtask emulators up` for the local test servers.\n\
         clouds:\n\
         \x20 {CLOUD}:\n\
         \x20   auth_type: v3applicationcredential\n\
         \x20   auth:\n\
         \x20     auth_url: {AUTH_URL}\n\
         \x20     application_credential_id: {cred_id}\n\
         \x20     application_credential_secret: {cred_secret}\n\
         \x20   region_name: {REGION}\n\
         \x20   interface: public\n\
         \x20   identity_api_version: 3\n\
         \x20 {CLOUD}-password:\n\
         \x20   auth:\n\
         \x20     auth_url: {AUTH_URL}\n\
         \x20     username: {USER}\n\
         \x20     password: {password}\n\
         \x20     user_domain_id: default\n\
         \x20     project_id: {project_id}\n\
         \x20   region_name: {REGION}\n\
         \x20   interface: public\n\
         \x20   identity_api_version: 3\n\
         \x20 {CLOUD}-admin:\n\
         \x20   auth:\n\
         \x20     auth_url: {AUTH_URL}\n\
         \x20     username: admin\n\
         \x20     password: {admin_password}\n\
         \x20     user_domain_id: default\n\
         \x20     project_name: admin\n\
         \x20     project_domain_id: default\n\
         \x20   region_name: {REGION}\n\
         \x20   interface: public\n\
         \x20   identity_api_version: 3\n"
    )
}

/// The variables of the OpenStack servers (`up` tells which catalog types really run).
pub(super) fn env(layout: &Layout, up: &BTreeSet<Server>) -> Result<Vec<(String, String)>> {
    let stored = read_env_file(layout, ENV_FILE)?
        .context("Keystone runs but was not provisioned; run `cargo xtask emulators up openstack-core`")?;
    let get = |name: &str| lookup(&stored, name).unwrap_or_default().to_owned();
    let services: Vec<&str> =
        up.iter().filter(|s| s.is_openstack()).filter_map(|s| catalog_entry(*s)).map(|(kind, _, _)| kind).collect();
    Ok(vec![
        var("OS_CLOUD", CLOUD),
        var("OS_CLIENT_CONFIG_FILE", clouds_path(layout).to_string_lossy()),
        var("CLOUD_TEST_OS_AUTH_URL", AUTH_URL),
        var("CLOUD_TEST_OS_REGION", REGION),
        var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID", get("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID")),
        var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET", get("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET")),
        var("CLOUD_TEST_OS_USERNAME", USER),
        var("CLOUD_TEST_OS_PASSWORD", lookup(&stored, "CLOUD_TEST_OS_PASSWORD").unwrap_or(LEGACY_USER_PASSWORD)),
        var("CLOUD_TEST_OS_USER_DOMAIN_ID", "default"),
        var("CLOUD_TEST_OS_PROJECT_NAME", PROJECT),
        var("CLOUD_TEST_OS_PROJECT_ID", get("CLOUD_TEST_OS_PROJECT_ID")),
        var("CLOUD_TEST_OS_PROJECT_DOMAIN_ID", "default"),
        var("CLOUD_TEST_OS_ADMIN_USERNAME", "admin"),
        var("CLOUD_TEST_OS_ADMIN_PASSWORD", admin_password(layout)?),
        var("CLOUD_TEST_OS_ADMIN_PROJECT_NAME", "admin"),
        var("CLOUD_TEST_OS_SERVICES", services.join(",")),
    ])
}

/// The public `m1.tiny` flavor Nova tests boot with.
pub(super) fn ensure_flavor(admin: &AdminSession) -> Result<()> {
    if admin.find_id(8774, "/v2.1/flavors?is_public=None", "flavors", FLAVOR)?.is_some() {
        return Ok(());
    }
    admin
        .send(
            "POST",
            8774,
            "/v2.1/flavors",
            &json!({"flavor": {"name": FLAVOR, "ram": 512, "vcpus": 1, "disk": 1,
            "os-flavor-access:is_public": true}}),
        )?
        .expect(&[200], "creating the m1.tiny flavor")?;
    Ok(())
}

/// A public 1 MiB raw image in Glance (the fake hypervisor boots anything).
pub(super) fn ensure_image(admin: &AdminSession) -> Result<()> {
    let images = admin.get(9292, &format!("/v2/images?name={IMAGE}"))?.expect(&[200], "GET /v2/images")?.json()?;
    let existing = images["images"].as_array().cloned().unwrap_or_default();
    if existing.iter().any(|i| i["status"] == "active") {
        return Ok(());
    }
    for broken in &existing {
        if let Some(id) = broken["id"].as_str() {
            admin.delete(9292, &format!("/v2/images/{id}"))?;
        }
    }
    let created = admin
        .send(
            "POST",
            9292,
            "/v2/images",
            &json!({"name": IMAGE, "disk_format": "raw", "container_format": "bare",
            "visibility": "public"}),
        )?
        .expect(&[201], "creating the image")?
        .json()?;
    let id = created["id"].as_str().context("image without id")?;
    let resp = Request::new("PUT", 9292, format!("/v2/images/{id}/file"))
        .header("X-Auth-Token", admin.token.clone())
        .body("application/octet-stream", vec![0; 1 << 20])
        .send()?;
    if resp.status != 204 {
        bail!("uploading the image: HTTP {}: {}", resp.status, resp.excerpt());
    }
    Ok(())
}
