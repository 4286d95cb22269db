//! Keystone: [`KeystoneClient`] — the current user and project, projects, application
//! credentials, EC2 credentials (`OS-EC2`), roles and role assignments.

use std::fmt;

use crate::session::Service as ServiceType;
use chrono::{DateTime, Utc};
use cloud_core::{Error, ErrorKind, Result, SecretString};
use http::Method;
use serde_json::{Value, json};

use crate::error::PROVIDER;
use crate::session::{InfomaniakCloud, id_segment};
use crate::util::parse_time;

/// Keystone of one session: the authenticated user, projects and credentials.
#[derive(Clone)]
pub struct KeystoneClient {
    session: InfomaniakCloud,
}

impl fmt::Debug for KeystoneClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeystoneClient").field("session", &self.session).finish()
    }
}

/// A Keystone user (the Python client's `{id, name, email, domain_id, is_enabled}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// Its id.
    pub id: String,
    /// Its name (`PCU-…` on Infomaniak).
    pub name: String,
    /// Its e-mail address, if set.
    pub email: Option<String>,
    /// Its domain.
    pub domain_id: Option<String>,
    /// Whether it is enabled.
    pub enabled: bool,
}

/// A Keystone project (the Python client's `{id, name, description, is_enabled, domain_id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Project {
    /// Its id.
    pub id: String,
    /// Its name (`PCP-…` on Infomaniak).
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Its domain.
    pub domain_id: Option<String>,
}

/// An application credential. The secret is present only in the answer to its creation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplicationCredential {
    /// Its id (what authenticates, with the secret).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The project it is scoped to.
    pub project_id: Option<String>,
    /// When it expires, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// Its roles, by name.
    pub roles: Vec<String>,
    /// Whether it may create further credentials and trusts.
    pub unrestricted: bool,
    /// The secret, returned once at creation.
    pub secret: Option<SecretString>,
}

impl ApplicationCredential {
    fn from_wire(w: wire::AppCred) -> Self {
        Self {
            id: w.id,
            name: w.name.unwrap_or_default(),
            description: w.description,
            project_id: w.project_id,
            expires_at: w.expires_at.as_deref().and_then(parse_time),
            roles: w.roles.into_iter().filter_map(|r| r.name).collect(),
            unrestricted: w.unrestricted.unwrap_or(false),
            secret: w.secret.map(SecretString::new),
        }
    }
}

/// What to create: [`KeystoneClient::create_application_credential`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplicationCredentialRequest {
    /// Its name (unique per user).
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// When it expires (never, if unset).
    pub expires_at: Option<DateTime<Utc>>,
    /// Roles by name (a subset of the creator's on the project; all of them if empty).
    pub roles: Vec<String>,
    /// Whether it may create further credentials and trusts (needed by Heat with trusts).
    pub unrestricted: bool,
    /// Access rules: `(service type, method, path)`, e.g. `("object-store", "GET", "/v1/**")`.
    pub access_rules: Vec<(String, String, String)>,
}

impl ApplicationCredentialRequest {
    /// A request with a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the expiry.
    #[must_use]
    pub fn with_expires_at(mut self, expires_at: DateTime<Utc>) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Adds a role by name.
    #[must_use]
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// Adds an access rule.
    #[must_use]
    pub fn with_access_rule(
        mut self,
        service: impl Into<String>,
        method: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        self.access_rules.push((service.into(), method.into(), path.into()));
        self
    }
}

/// EC2-style (S3) credentials from Keystone's `OS-EC2` API.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ec2Credential {
    /// The access key (also what identifies the credential).
    pub access: String,
    /// The secret key.
    pub secret: SecretString,
    /// The project it belongs to.
    pub project_id: Option<String>,
    /// The user it belongs to.
    pub user_id: Option<String>,
}

impl Ec2Credential {
    fn from_wire(w: wire::Ec2) -> Self {
        Self {
            access: w.access,
            secret: SecretString::new(w.secret.unwrap_or_default()),
            project_id: w.tenant_id.or(w.project_id),
            user_id: w.user_id,
        }
    }
}

/// A Keystone role (`GET /v3/roles`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Role {
    /// Its id.
    pub id: String,
    /// Its name (`admin`, `member`, `reader` …).
    pub name: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// The domain of a domain-specific role; `None` for global roles.
    pub domain_id: Option<String>,
}

impl Role {
    fn from_wire(w: wire::Role) -> Self {
        Self {
            id: w.id,
            name: w.name.unwrap_or_default(),
            description: w.description.filter(|d| !d.is_empty()),
            domain_id: w.domain_id,
        }
    }
}

/// A role the user holds, with where it holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleAssignment {
    /// The role's id.
    pub role_id: String,
    /// The role's name.
    pub role_name: Option<String>,
    /// The project it applies to, if project-scoped.
    pub project_id: Option<String>,
    /// The domain it applies to, if domain-scoped.
    pub domain_id: Option<String>,
}

impl KeystoneClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session }
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    fn keystone(&self, method: Method, path: impl Into<String>) -> crate::session::Call<'_> {
        self.session.request(ServiceType::Identity, method, path)
    }

    fn user_path(&self) -> String {
        format!("users/{}", crate::session::encode_segment(self.session.user_id()))
    }

    /// The authenticated user.
    ///
    /// # Errors
    /// `PermissionDenied` if policy hides users from the credential.
    pub async fn current_user(&self) -> Result<User> {
        self.get_user(self.session.user_id()).await
    }

    /// One user.
    ///
    /// # Errors
    /// `NotFound`; `PermissionDenied`.
    pub async fn get_user(&self, user_id: &str) -> Result<User> {
        let body: wire::OneUser = self
            .keystone(Method::GET, format!("users/{}", id_segment("id", user_id)?))
            .operation("get_user")
            .send()
            .await?
            .json()?;
        let u = body.user;
        Ok(User {
            id: u.id,
            name: u.name.unwrap_or_default(),
            email: u.email,
            domain_id: u.domain_id,
            enabled: u.enabled.unwrap_or(true),
        })
    }

    /// The project the session is scoped to.
    ///
    /// # Errors
    /// `InvalidConfig` if the token is unscoped; `NotFound`; `PermissionDenied`.
    pub async fn current_project(&self) -> Result<Project> {
        let id = self
            .session
            .project_id()
            .ok_or_else(|| Error::invalid_config("the session is not scoped to a project").with_provider(PROVIDER))?
            .to_owned();
        let body: wire::OneProject = self
            .keystone(Method::GET, format!("projects/{}", id_segment("id", &id)?))
            .operation("get_project")
            .send()
            .await?
            .json()?;
        Ok(project_from_wire(body.project))
    }

    /// The projects the user can see. `GET /v3/projects` is often reserved to admins: on `403` this falls back to the user's own projects (`/v3/users/{id}/projects`), then
    /// to the current project alone.
    ///
    /// # Errors
    /// Transport and auth kinds.
    pub async fn list_projects(&self) -> Result<Vec<Project>> {
        for path in ["projects".to_owned(), format!("{}/projects", self.user_path()), "auth/projects".to_owned()] {
            let answer = self.keystone(Method::GET, path).operation("list_projects").send_unchecked().await?;
            match answer.status {
                200..=299 => {
                    let body: wire::Projects = answer.json()?;
                    return Ok(body.projects.into_iter().map(project_from_wire).collect());
                }
                403 => {}
                _ => {
                    return Err(answer.into_error());
                }
            }
        }
        match self.current_project().await {
            Ok(p) => Ok(vec![p]),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The user's application credentials (secrets are never listed).
    ///
    /// # Errors
    /// `PermissionDenied`; transport and auth kinds.
    pub async fn list_application_credentials(&self) -> Result<Vec<ApplicationCredential>> {
        let body: wire::AppCreds = self
            .keystone(Method::GET, format!("{}/application_credentials", self.user_path()))
            .operation("list_application_credentials")
            .send()
            .await?
            .json()?;
        Ok(body.application_credentials.into_iter().map(ApplicationCredential::from_wire).collect())
    }

    /// One application credential.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_application_credential(&self, id: &str) -> Result<ApplicationCredential> {
        let body: wire::OneAppCred = self
            .keystone(Method::GET, format!("{}/application_credentials/{}", self.user_path(), id_segment("id", id)?))
            .operation("get_application_credential")
            .send()
            .await?
            .json()?;
        Ok(ApplicationCredential::from_wire(body.application_credential))
    }

    /// Creates an application credential for the session's project; the answer carries the
    /// secret, which Keystone never shows again. Roles go as `[{name}]`.
    ///
    /// # Errors
    /// `AlreadyExists` if the name is taken; `PermissionDenied` when authenticated with a
    /// restricted application credential; `InvalidInput`.
    pub async fn create_application_credential(
        &self,
        request: &ApplicationCredentialRequest,
    ) -> Result<ApplicationCredential> {
        let mut cred = json!({"name": request.name, "unrestricted": request.unrestricted});
        if let Some(d) = &request.description {
            cred["description"] = json!(d);
        }
        if let Some(t) = &request.expires_at {
            cred["expires_at"] = json!(t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string());
        }
        if !request.roles.is_empty() {
            cred["roles"] = Value::Array(request.roles.iter().map(|r| json!({"name": r})).collect());
        }
        if !request.access_rules.is_empty() {
            cred["access_rules"] = Value::Array(
                request
                    .access_rules
                    .iter()
                    .map(|(service, method, path)| json!({"service": service, "method": method, "path": path}))
                    .collect(),
            );
        }
        let body: wire::OneAppCred = self
            .keystone(Method::POST, format!("{}/application_credentials", self.user_path()))
            .operation("create_application_credential")
            .json(&json!({"application_credential": cred}))
            .send()
            .await?
            .json()?;
        Ok(ApplicationCredential::from_wire(body.application_credential))
    }

    /// Deletes an application credential.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_application_credential(&self, id: &str) -> Result<()> {
        self.keystone(Method::DELETE, format!("{}/application_credentials/{}", self.user_path(), id_segment("id", id)?))
            .operation("delete_application_credential")
            .send()
            .await
            .map(drop)
    }

    /// The user's EC2 credentials (`GET /v3/users/{id}/credentials/OS-EC2`).
    ///
    /// # Errors
    /// `PermissionDenied`; transport and auth kinds.
    pub async fn list_ec2_credentials(&self) -> Result<Vec<Ec2Credential>> {
        let body: wire::Ec2s = self
            .keystone(Method::GET, format!("{}/credentials/OS-EC2", self.user_path()))
            .operation("list_ec2_credentials")
            .send()
            .await?
            .json()?;
        Ok(body.credentials.into_iter().map(Ec2Credential::from_wire).collect())
    }

    /// Creates EC2 credentials for a project (the session's by default); Keystone generates the
    /// access and secret keys (posting an empty blob to `/v3/credentials` would not).
    ///
    /// # Errors
    /// `PermissionDenied` (Keystone refuses restricted application credentials);
    /// `InvalidConfig` without a project.
    pub async fn create_ec2_credentials(&self, project_id: Option<&str>) -> Result<Ec2Credential> {
        let project = project_id
            .or_else(|| self.session.project_id())
            .ok_or_else(|| Error::invalid_config("no project for the EC2 credentials").with_provider(PROVIDER))?;
        let body: wire::OneEc2 = self
            .keystone(Method::POST, format!("{}/credentials/OS-EC2", self.user_path()))
            .operation("create_ec2_credentials")
            .json(&json!({"tenant_id": project}))
            .send()
            .await?
            .json()?;
        Ok(Ec2Credential::from_wire(body.credential))
    }

    /// Deletes EC2 credentials by access key.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete_ec2_credentials(&self, access: &str) -> Result<()> {
        self.keystone(Method::DELETE, format!("{}/credentials/OS-EC2/{}", self.user_path(), id_segment("id", access)?))
            .operation("delete_ec2_credentials")
            .send()
            .await
            .map(drop)
    }

    /// The roles Keystone defines (`GET /v3/roles`; the Python client's `list_roles`), optionally
    /// only the one named `name`. When policy reserves the call to readers of the system
    /// (Keystone answers `403`), the roles of the session's own token are returned instead, so a
    /// project-scoped credential still sees the roles it holds.
    ///
    /// # Errors
    /// Transport and auth kinds.
    pub async fn list_roles(&self, name: Option<&str>) -> Result<Vec<Role>> {
        let answer = self
            .keystone(Method::GET, "roles")
            .operation("list_roles")
            .query_opt("name", name)
            .send_unchecked()
            .await?;
        match answer.status {
            200..=299 => {
                let body: wire::Roles = answer.json()?;
                Ok(body.roles.into_iter().map(Role::from_wire).collect())
            }
            403 => Ok(self
                .session
                .roles()
                .iter()
                .filter(|(_, n)| name.is_none_or(|wanted| wanted == n))
                .map(|(id, n)| Role { id: id.clone(), name: n.clone(), description: None, domain_id: None })
                .collect()),
            _ => Err(answer.into_error()),
        }
    }

    /// The user's role assignments, on one project or all, with role names
    /// (`GET /v3/role_assignments?user.id=…&scope.project.id=…&include_names`).
    /// Keystone's default policy reserves that call to admins; on `403` the roles of the
    /// session's own token are returned (when `project_id` is the session's project or unset).
    ///
    /// # Errors
    /// `PermissionDenied` for another project without the right; transport and auth kinds.
    pub async fn list_role_assignments(&self, project_id: Option<&str>) -> Result<Vec<RoleAssignment>> {
        let answer = self
            .keystone(Method::GET, "role_assignments")
            .operation("list_role_assignments")
            .query("user.id", self.session.user_id())
            .query_opt("scope.project.id", project_id)
            .query("include_names", "true")
            .send_unchecked()
            .await?;
        let own_project = self.session.project_id();
        if answer.status == 403 && (project_id.is_none() || project_id == own_project) {
            return Ok(self
                .session
                .roles()
                .iter()
                .map(|(id, name)| RoleAssignment {
                    role_id: id.clone(),
                    role_name: Some(name.clone()),
                    project_id: own_project.map(str::to_owned),
                    domain_id: None,
                })
                .collect());
        }
        if !(200..300).contains(&answer.status) {
            return Err(answer.into_error());
        }
        let body: wire::Assignments = answer.json()?;
        Ok(body
            .role_assignments
            .into_iter()
            .filter_map(|a| {
                let scope = a.scope.unwrap_or_default();
                Some(RoleAssignment {
                    role_id: a.role.as_ref()?.id.clone()?,
                    role_name: a.role.and_then(|r| r.name),
                    project_id: scope.project.and_then(|p| p.id),
                    domain_id: scope.domain.and_then(|d| d.id),
                })
            })
            .collect())
    }
}

fn project_from_wire(p: wire::Project) -> Project {
    Project {
        id: p.id,
        name: p.name.unwrap_or_default(),
        description: p.description.filter(|d| !d.is_empty()),
        enabled: p.enabled.unwrap_or(true),
        domain_id: p.domain_id,
    }
}

/// Keystone's answers, as they are on the wire.
mod wire {
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub(crate) struct OneUser {
        pub(crate) user: User,
    }

    #[derive(Deserialize)]
    pub(crate) struct User {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) email: Option<String>,
        #[serde(default)]
        pub(crate) domain_id: Option<String>,
        #[serde(default)]
        pub(crate) enabled: Option<bool>,
    }

    #[derive(Deserialize)]
    pub(crate) struct OneProject {
        pub(crate) project: Project,
    }

    #[derive(Deserialize)]
    pub(crate) struct Projects {
        #[serde(default)]
        pub(crate) projects: Vec<Project>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Project {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) description: Option<String>,
        #[serde(default)]
        pub(crate) enabled: Option<bool>,
        #[serde(default)]
        pub(crate) domain_id: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct AppCreds {
        #[serde(default)]
        pub(crate) application_credentials: Vec<AppCred>,
    }

    #[derive(Deserialize)]
    pub(crate) struct OneAppCred {
        pub(crate) application_credential: AppCred,
    }

    #[derive(Deserialize)]
    pub(crate) struct AppCred {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) description: Option<String>,
        #[serde(default)]
        pub(crate) project_id: Option<String>,
        #[serde(default)]
        pub(crate) expires_at: Option<String>,
        #[serde(default)]
        pub(crate) roles: Vec<Named>,
        #[serde(default)]
        pub(crate) unrestricted: Option<bool>,
        #[serde(default)]
        pub(crate) secret: Option<String>,
    }

    #[derive(Deserialize, Default)]
    pub(crate) struct Named {
        #[serde(default)]
        pub(crate) id: Option<String>,
        #[serde(default)]
        pub(crate) name: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Ec2s {
        #[serde(default)]
        pub(crate) credentials: Vec<Ec2>,
    }

    #[derive(Deserialize)]
    pub(crate) struct OneEc2 {
        pub(crate) credential: Ec2,
    }

    #[derive(Deserialize)]
    pub(crate) struct Ec2 {
        pub(crate) access: String,
        #[serde(default)]
        pub(crate) secret: Option<String>,
        #[serde(default)]
        pub(crate) tenant_id: Option<String>,
        #[serde(default)]
        pub(crate) project_id: Option<String>,
        #[serde(default)]
        pub(crate) user_id: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Roles {
        #[serde(default)]
        pub(crate) roles: Vec<Role>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Role {
        pub(crate) id: String,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) description: Option<String>,
        #[serde(default)]
        pub(crate) domain_id: Option<String>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Assignments {
        #[serde(default)]
        pub(crate) role_assignments: Vec<Assignment>,
    }

    #[derive(Deserialize)]
    pub(crate) struct Assignment {
        #[serde(default)]
        pub(crate) role: Option<Named>,
        #[serde(default)]
        pub(crate) scope: Option<Scope>,
    }

    #[derive(Deserialize, Default)]
    pub(crate) struct Scope {
        #[serde(default)]
        pub(crate) project: Option<Named>,
        #[serde(default)]
        pub(crate) domain: Option<Named>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_of_new_credentials_are_redacted() {
        let app = ApplicationCredential::from_wire(
            serde_json::from_value(json!({"id": "a", "name": "n", "secret": "CANARYappCredFromJson1",
                "roles": [{"id": "r", "name": "member"}], "expires_at": null}))
            .unwrap(),
        );
        assert!(!format!("{app:?}").contains("CANARYappCredFromJson1"));
        assert_eq!(app.roles, ["member"]);
        assert_eq!(app.secret.as_ref().map(SecretString::expose), Some("CANARYappCredFromJson1"));
        let ec2 = Ec2Credential::from_wire(
            serde_json::from_value(json!({"access": "AK", "secret": "SK", "tenant_id": "p"})).unwrap(),
        );
        assert!(!format!("{ec2:?}").contains("\"SK\""));
        assert_eq!(ec2.project_id.as_deref(), Some("p"));
    }

    #[test]
    fn roles_parse() {
        let role = Role::from_wire(
            serde_json::from_value(json!({"id": "r1", "name": "reader", "description": "", "domain_id": null}))
                .unwrap(),
        );
        assert_eq!(
            (role.id.as_str(), role.name.as_str(), role.description, role.domain_id),
            ("r1", "reader", None, None)
        );
        // A role without id does not decode (the client answers `ResponseInvalid`).
        assert!(serde_json::from_value::<wire::Role>(json!({"name": "x"})).is_err());
    }
}
