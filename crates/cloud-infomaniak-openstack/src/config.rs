//! How to reach and authenticate to an OpenStack cloud: [`InfomaniakConfig`] and [`AuthMethod`].
//!
//! A configuration comes from one of three places, tried in this order by
//! [`InfomaniakConfig::from_env_with`]:
//!
//! 1. the Python client's variables: `INFOMANIAK_APP_CREDENTIAL_ID` and `INFOMANIAK_APP_CREDENTIAL_SECRET`
//!    (required together), `INFOMANIAK_AUTH_URL` (default [`DEFAULT_AUTH_URL`]),
//!    `INFOMANIAK_PROJECT_ID`, `INFOMANIAK_REGION` (default [`DEFAULT_REGION`]);
//! 2. `OS_CLOUD`: that cloud of `clouds.yaml` (the file named by `OS_CLIENT_CONFIG_FILE`, or the
//!    usual places: `./`, `~/.config/openstack/`, `/etc/openstack/`);
//! 3. the `OS_*` variables of an `openrc` file: `OS_AUTH_URL` with either
//!    `OS_APPLICATION_CREDENTIAL_ID`/`_SECRET`, `OS_USERNAME`/`OS_PASSWORD`, or `OS_TOKEN`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use cloud_core::{Env, Error, Result, SecretString};
use openstack_sdk::config::{CloudConfig, ConfigFile};

/// Infomaniak's public Keystone (`pub1`); regions `dc3-a` and `dc4-a` are both reachable through it.
pub const DEFAULT_AUTH_URL: &str = "https://api.pub1.infomaniak.cloud/identity/v3";

/// The default region.
pub const DEFAULT_REGION: &str = "dc3-a";

/// The regions of Infomaniak's public cloud.
pub const REGIONS: [&str; 2] = ["dc3-a", "dc4-a"];

/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default time a call may wait for the answer's headers, and between two chunks of its body.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The default time allowed for a whole control-plane call (object data streams are bounded by
/// [`DEFAULT_READ_TIMEOUT`] between chunks instead).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A Keystone domain, by id or by name (`default` is the id of the domain named `Default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Domain {
    /// The domain's id (`OS_USER_DOMAIN_ID`, `user_domain_id`).
    Id(String),
    /// The domain's name (`OS_USER_DOMAIN_NAME`, `user_domain_name`).
    Name(String),
}

impl Domain {
    /// The `Default` domain, by name.
    pub fn default_name() -> Self {
        Self::Name("Default".to_owned())
    }

    /// The domain from an id or a name variable, the id first; `Default` by name without either.
    fn from_pair(id: Option<String>, name: Option<String>) -> Self {
        match (id, name) {
            (Some(id), _) => Self::Id(id),
            (None, Some(name)) => Self::Name(name),
            (None, None) => Self::default_name(),
        }
    }
}

/// How to authenticate to Keystone.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMethod {
    /// An application credential (the default on Infomaniak, and the recommended one).
    ApplicationCredential {
        /// The credential's id.
        id: String,
        /// Its secret.
        secret: SecretString,
    },
    /// A user's password, scoped to a project (needed for Heat on Infomaniak).
    Password {
        /// The user's name (with [`user_domain`](Self::Password::user_domain)) or id.
        user: String,
        /// Whether `user` is an id rather than a name.
        user_is_id: bool,
        /// The user's domain (`Default` by name on Infomaniak).
        user_domain: Domain,
        /// The password.
        password: SecretString,
        /// The project, by id.
        project_id: Option<String>,
        /// The project, by name (in `project_domain`).
        project_name: Option<String>,
        /// The project's domain.
        project_domain: Domain,
    },
    /// An existing Keystone token.
    Token {
        /// The token.
        token: SecretString,
        /// The project to scope to, by id.
        project_id: Option<String>,
    },
}

impl fmt::Debug for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApplicationCredential { id, secret } => {
                f.debug_struct("ApplicationCredential").field("id", id).field("secret", secret).finish()
            }
            Self::Password { user, user_domain, project_id, project_name, password, .. } => f
                .debug_struct("Password")
                .field("user", user)
                .field("user_domain", user_domain)
                .field("password", password)
                .field("project_id", project_id)
                .field("project_name", project_name)
                .finish_non_exhaustive(),
            Self::Token { token, project_id } => {
                f.debug_struct("Token").field("token", token).field("project_id", project_id).finish()
            }
        }
    }
}

/// Where the configuration came from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Explicit,
    CloudsYaml { cloud: String, file: Option<PathBuf> },
}

/// What a session needs: the Keystone URL, the credentials, the region and the interface.
///
/// `Debug` never shows a secret.
#[derive(Debug, Clone)]
pub struct InfomaniakConfig {
    auth_url: String,
    auth: AuthMethod,
    region: Option<String>,
    project_id: Option<String>,
    interface: String,
    source: Source,
    allow_http: bool,
    connect_timeout: Duration,
    read_timeout: Duration,
    request_timeout: Duration,
}

impl InfomaniakConfig {
    /// A configuration with an application credential against `auth_url`, region [`DEFAULT_REGION`].
    pub fn application_credential(
        auth_url: impl Into<String>,
        id: impl Into<String>,
        secret: impl Into<SecretString>,
    ) -> Self {
        Self::new(auth_url, AuthMethod::ApplicationCredential { id: id.into(), secret: secret.into() })
    }

    /// A configuration with any [`AuthMethod`], region [`DEFAULT_REGION`].
    pub fn new(auth_url: impl Into<String>, auth: AuthMethod) -> Self {
        Self {
            auth_url: auth_url.into(),
            auth,
            region: Some(DEFAULT_REGION.to_owned()),
            project_id: None,
            interface: "public".to_owned(),
            source: Source::Explicit,
            allow_http: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// A password configuration for `user` (a name in `user_domain`) scoped to a project by id.
    pub fn password(
        auth_url: impl Into<String>,
        user: impl Into<String>,
        user_domain: Domain,
        password: impl Into<SecretString>,
        project_id: impl Into<String>,
    ) -> Self {
        Self::new(
            auth_url,
            AuthMethod::Password {
                user: user.into(),
                user_is_id: false,
                user_domain,
                password: password.into(),
                project_id: Some(project_id.into()),
                project_name: None,
                project_domain: Domain::default_name(),
            },
        )
    }

    /// Sets the region (`dc3-a`, `dc4-a`, or any region of the catalog; `None` takes the first).
    #[must_use]
    pub fn with_region(mut self, region: Option<String>) -> Self {
        self.region = region;
        self
    }

    /// Records the project id (informational for application credentials, which carry their own
    /// scope; used to scope a token).
    #[must_use]
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Sets the endpoint interface (`public` by default).
    #[must_use]
    pub fn with_interface(mut self, interface: impl Into<String>) -> Self {
        self.interface = interface.into();
        self
    }

    /// Allows plain `http://` for Keystone and the catalog's endpoints on hosts other than loopback
    /// (tokens and secrets then cross the network unencrypted). Off by default.
    #[must_use]
    pub fn with_allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Sets the time allowed to open a connection ([`DEFAULT_CONNECT_TIMEOUT`]).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time a call may wait for the answer's headers and between two chunks of its body
    /// ([`DEFAULT_READ_TIMEOUT`]); it applies to every call, object uploads and downloads included.
    #[must_use]
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets the time allowed for a whole control-plane call ([`DEFAULT_REQUEST_TIMEOUT`]).
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Whether plain `http://` is allowed beyond loopback.
    pub fn allow_http(&self) -> bool {
        self.allow_http
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The timeout for headers and between body chunks.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// The timeout of a whole control-plane call.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The endpoint interface (`public`, `internal` or `admin`).
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The Keystone URL.
    pub fn auth_url(&self) -> &str {
        &self.auth_url
    }

    /// The credentials.
    pub fn auth(&self) -> &AuthMethod {
        &self.auth
    }

    /// The region, if one is chosen.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The project id, if configured.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The configuration of the process environment; see [`from_env_with`](Self::from_env_with).
    ///
    /// # Errors
    /// `InvalidConfig` when no source is configured or one is incomplete.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::real())
    }

    /// The configuration of `env`, from the first of: the Python client's `INFOMANIAK_APP_CREDENTIAL_ID` and
    /// `INFOMANIAK_APP_CREDENTIAL_SECRET` (with `INFOMANIAK_AUTH_URL`, `INFOMANIAK_PROJECT_ID`,
    /// `INFOMANIAK_REGION`); `OS_CLOUD` and its `clouds.yaml`; the `OS_*` variables of an `openrc`.
    ///
    /// # Errors
    /// `InvalidConfig` when no source is configured or one is incomplete.
    pub fn from_env_with(env: &Env) -> Result<Self> {
        let id = env.get("INFOMANIAK_APP_CREDENTIAL_ID");
        let secret = env.get("INFOMANIAK_APP_CREDENTIAL_SECRET");
        match (id, secret) {
            (Some(id), Some(secret)) => {
                let auth_url = env.get("INFOMANIAK_AUTH_URL").unwrap_or_else(|| DEFAULT_AUTH_URL.to_owned());
                let mut config = Self::application_credential(auth_url, id, secret)
                    .with_region(Some(env.get("INFOMANIAK_REGION").unwrap_or_else(|| DEFAULT_REGION.to_owned())));
                if let Some(project) = env.get("INFOMANIAK_PROJECT_ID") {
                    config = config.with_project_id(project);
                }
                return Ok(config);
            }
            (Some(_), None) => {
                return Err(Error::invalid_config(
                    "INFOMANIAK_APP_CREDENTIAL_ID is set but INFOMANIAK_APP_CREDENTIAL_SECRET is not",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::invalid_config(
                    "INFOMANIAK_APP_CREDENTIAL_SECRET is set but INFOMANIAK_APP_CREDENTIAL_ID is not",
                ));
            }
            (None, None) => {}
        }
        if let Some(cloud) = env.get("OS_CLOUD") {
            let file = env.get("OS_CLIENT_CONFIG_FILE").map(PathBuf::from);
            return Self::from_clouds_yaml(&cloud, file);
        }
        if env.get("OS_AUTH_URL").is_some() {
            return Self::from_os_vars(env);
        }
        Err(Error::invalid_config(
            "no OpenStack credentials: set INFOMANIAK_APP_CREDENTIAL_ID and INFOMANIAK_APP_CREDENTIAL_SECRET, \
             or OS_CLOUD (with clouds.yaml), or OS_AUTH_URL and the other OS_* variables of an openrc file",
        ))
    }

    /// Cloud `cloud` of `clouds.yaml`: `file` if given, else the usual places.
    ///
    /// # Errors
    /// `InvalidConfig` if the file cannot be read or has no such cloud, or the cloud has no
    /// usable credentials.
    pub fn from_clouds_yaml(cloud: &str, file: Option<PathBuf>) -> Result<Self> {
        if let Some(path) = &file
            && !path.is_file()
        {
            return Err(Error::invalid_config(format!("the clouds.yaml file {} does not exist", path.display())));
        }
        let files = ConfigFile::new_with_user_specified_configs(file.as_ref(), None::<PathBuf>)
            .map_err(|e| Error::invalid_config(format!("reading clouds.yaml: {e}")).with_source(e))?;
        let cloud_config = files
            .get_cloud_config(cloud)
            .map_err(|e| Error::invalid_config(format!("reading cloud {cloud:?} of clouds.yaml: {e}")).with_source(e))?
            .ok_or_else(|| {
                Error::invalid_config(format!(
                    "clouds.yaml has no cloud named {cloud:?} (OS_CLOUD); it has {:?}",
                    files.get_available_clouds()
                ))
            })?;
        let mut config = Self::from_cloud_config(&cloud_config)
            .map_err(|e| Error::invalid_config(format!("cloud {cloud:?} of clouds.yaml: {}", e.message())))?;
        config.source = Source::CloudsYaml { cloud: cloud.to_owned(), file };
        Ok(config)
    }

    fn from_cloud_config(cloud: &CloudConfig) -> Result<Self> {
        let auth = cloud.auth.as_ref().ok_or_else(|| Error::invalid_config("no `auth` section"))?;
        let auth_url = auth.auth_url.clone().ok_or_else(|| Error::invalid_config("no auth_url"))?;
        let auth_type = cloud.auth_type.as_deref().unwrap_or("");
        use secrecy::ExposeSecret;
        let method = if auth_type.contains("applicationcredential") || auth.application_credential_id.is_some() {
            let id = auth
                .application_credential_id
                .clone()
                .ok_or_else(|| Error::invalid_config("application_credential_id is missing"))?;
            let secret = auth
                .application_credential_secret
                .as_ref()
                .ok_or_else(|| Error::invalid_config("application_credential_secret is missing"))?;
            AuthMethod::ApplicationCredential { id, secret: SecretString::new(secret.expose_secret()) }
        } else if auth_type.contains("token") || (auth.token.is_some() && auth.password.is_none()) {
            let token = auth.token.as_ref().ok_or_else(|| Error::invalid_config("token is missing"))?;
            AuthMethod::Token { token: SecretString::new(token.expose_secret()), project_id: auth.project_id.clone() }
        } else {
            let password = auth.password.as_ref().ok_or_else(|| Error::invalid_config("password is missing"))?;
            let (user, user_is_id) = match (&auth.user_id, &auth.username) {
                (Some(id), _) => (id.clone(), true),
                (None, Some(name)) => (name.clone(), false),
                (None, None) => return Err(Error::invalid_config("username (or user_id) is missing")),
            };
            AuthMethod::Password {
                user,
                user_is_id,
                user_domain: Domain::from_pair(auth.user_domain_id.clone(), auth.user_domain_name.clone()),
                password: SecretString::new(password.expose_secret()),
                project_id: auth.project_id.clone(),
                project_name: auth.project_name.clone(),
                project_domain: Domain::from_pair(auth.project_domain_id.clone(), auth.project_domain_name.clone()),
            }
        };
        let mut config = Self::new(auth_url, method).with_region(cloud.region_name.clone());
        if let Some(interface) = &cloud.interface {
            config = config.with_interface(interface.clone());
        }
        if let Some(project) = &auth.project_id {
            config = config.with_project_id(project.clone());
        }
        Ok(config)
    }

    fn from_os_vars(env: &Env) -> Result<Self> {
        let auth_url = env.get("OS_AUTH_URL").ok_or_else(|| Error::invalid_config("OS_AUTH_URL is not set"))?;
        let auth_type = env.get("OS_AUTH_TYPE").unwrap_or_default().to_ascii_lowercase();
        let app_id = env.get("OS_APPLICATION_CREDENTIAL_ID");
        let method = if auth_type.contains("applicationcredential") || app_id.is_some() {
            AuthMethod::ApplicationCredential {
                id: app_id.ok_or_else(|| Error::invalid_config("OS_APPLICATION_CREDENTIAL_ID is not set"))?,
                secret: env
                    .get("OS_APPLICATION_CREDENTIAL_SECRET")
                    .ok_or_else(|| Error::invalid_config("OS_APPLICATION_CREDENTIAL_SECRET is not set"))?
                    .into(),
            }
        } else if auth_type.contains("token") || (env.get("OS_TOKEN").is_some() && env.get("OS_PASSWORD").is_none()) {
            AuthMethod::Token {
                token: env.get("OS_TOKEN").ok_or_else(|| Error::invalid_config("OS_TOKEN is not set"))?.into(),
                project_id: env.get_any(&["OS_PROJECT_ID", "OS_TENANT_ID"]),
            }
        } else {
            let (user, user_is_id) = match (env.get("OS_USER_ID"), env.get("OS_USERNAME")) {
                (Some(id), _) => (id, true),
                (None, Some(name)) => (name, false),
                (None, None) => {
                    return Err(Error::invalid_config(
                        "OS_AUTH_URL is set but neither OS_APPLICATION_CREDENTIAL_ID, OS_USERNAME nor OS_TOKEN",
                    ));
                }
            };
            AuthMethod::Password {
                user,
                user_is_id,
                user_domain: Domain::from_pair(env.get("OS_USER_DOMAIN_ID"), env.get("OS_USER_DOMAIN_NAME")),
                password: env.get("OS_PASSWORD").ok_or_else(|| Error::invalid_config("OS_PASSWORD is not set"))?.into(),
                project_id: env.get_any(&["OS_PROJECT_ID", "OS_TENANT_ID"]),
                project_name: env.get_any(&["OS_PROJECT_NAME", "OS_TENANT_NAME"]),
                project_domain: Domain::from_pair(env.get("OS_PROJECT_DOMAIN_ID"), env.get("OS_PROJECT_DOMAIN_NAME")),
            }
        };
        let mut config = Self::new(auth_url, method).with_region(env.get("OS_REGION_NAME"));
        if let Some(interface) = env.get_any(&["OS_INTERFACE", "OS_ENDPOINT_TYPE"]) {
            config = config.with_interface(interface.trim_end_matches("URL").to_owned());
        }
        if let Some(project) = env.get_any(&["OS_PROJECT_ID", "OS_TENANT_ID"]) {
            config = config.with_project_id(project);
        }
        Ok(config)
    }

    /// Where this configuration came from, for error messages.
    pub(crate) fn describe(&self) -> String {
        match &self.source {
            Source::Explicit => format!("{} (region {})", self.auth_url, self.region.as_deref().unwrap_or("any")),
            Source::CloudsYaml { cloud, file } => format!(
                "cloud {cloud:?} of {}",
                file.as_ref().map_or_else(|| "clouds.yaml".to_owned(), |f| f.display().to_string())
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::REDACTED;

    use super::*;

    #[test]
    fn infomaniak_variables_with_defaults() {
        let env =
            Env::from_slice(&[("INFOMANIAK_APP_CREDENTIAL_ID", "abc"), ("INFOMANIAK_APP_CREDENTIAL_SECRET", "s3cr3t")]);
        let config = InfomaniakConfig::from_env_with(&env).unwrap();
        assert_eq!(config.auth_url(), DEFAULT_AUTH_URL);
        assert_eq!(config.region(), Some("dc3-a"));
        assert!(matches!(config.auth(), AuthMethod::ApplicationCredential { id, .. } if id == "abc"));
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains(REDACTED));
        assert!(!config.allow_http());
        assert_eq!(config.read_timeout(), DEFAULT_READ_TIMEOUT);
    }

    #[test]
    fn infomaniak_variables_region_and_project() {
        let env = Env::from_slice(&[
            ("INFOMANIAK_APP_CREDENTIAL_ID", "abc"),
            ("INFOMANIAK_APP_CREDENTIAL_SECRET", "x"),
            ("INFOMANIAK_REGION", "dc4-a"),
            ("INFOMANIAK_AUTH_URL", "https://api.pub2.infomaniak.cloud/identity/v3"),
            ("INFOMANIAK_PROJECT_ID", "p1"),
        ]);
        let config = InfomaniakConfig::from_env_with(&env).unwrap();
        assert_eq!(config.region(), Some("dc4-a"));
        assert_eq!(config.project_id(), Some("p1"));
        assert!(config.auth_url().contains("pub2"));
    }

    #[test]
    fn half_a_credential_is_invalid_config() {
        let env = Env::from_slice(&[("INFOMANIAK_APP_CREDENTIAL_ID", "abc")]);
        let err = InfomaniakConfig::from_env_with(&env).unwrap_err();
        assert_eq!(err.kind(), cloud_core::ErrorKind::InvalidConfig);
        assert!(err.message().contains("INFOMANIAK_APP_CREDENTIAL_SECRET"));
        let none = InfomaniakConfig::from_env_with(&Env::from_slice(&[])).unwrap_err();
        assert_eq!(none.kind(), cloud_core::ErrorKind::InvalidConfig);
        assert!(none.message().contains("OS_CLOUD"));
    }

    #[test]
    fn openrc_password_variables() {
        let env = Env::from_slice(&[
            ("OS_AUTH_URL", "https://api.pub1.infomaniak.cloud/identity/v3"),
            ("OS_USERNAME", "PCU-1"),
            ("OS_PASSWORD", "pw"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_NAME", "PCP-1"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
            ("OS_REGION_NAME", "dc4-a"),
            ("OS_INTERFACE", "public"),
        ]);
        let config = InfomaniakConfig::from_env_with(&env).unwrap();
        assert_eq!(config.region(), Some("dc4-a"));
        let AuthMethod::Password { user, user_domain, project_name, project_domain, .. } = config.auth() else {
            panic!("not a password configuration: {config:?}");
        };
        assert_eq!(user, "PCU-1");
        assert_eq!(user_domain, &Domain::Name("Default".into()));
        assert_eq!(project_name.as_deref(), Some("PCP-1"));
        assert_eq!(project_domain, &Domain::Name("Default".into()));
    }

    #[test]
    fn domain_ids_stay_ids() {
        // A domain id other than `default` used to be sent as a name, and Keystone refused it.
        let env = Env::from_slice(&[
            ("OS_AUTH_URL", "https://k/v3"),
            ("OS_USERNAME", "u"),
            ("OS_PASSWORD", "pw"),
            ("OS_USER_DOMAIN_ID", "3a1f0c"),
            ("OS_PROJECT_NAME", "p"),
            ("OS_PROJECT_DOMAIN_ID", "9b2e4d"),
        ]);
        let config = InfomaniakConfig::from_env_with(&env).unwrap();
        let AuthMethod::Password { user_domain, project_domain, .. } = config.auth() else {
            panic!("not a password configuration: {config:?}");
        };
        assert_eq!(user_domain, &Domain::Id("3a1f0c".into()));
        assert_eq!(project_domain, &Domain::Id("9b2e4d".into()));
    }

    #[test]
    fn openrc_application_credential_and_token() {
        let env = Env::from_slice(&[
            ("OS_AUTH_URL", "http://k/v3"),
            ("OS_AUTH_TYPE", "v3applicationcredential"),
            ("OS_APPLICATION_CREDENTIAL_ID", "id"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", "sec"),
        ]);
        let config = InfomaniakConfig::from_env_with(&env).unwrap();
        assert!(matches!(config.auth(), AuthMethod::ApplicationCredential { .. }));
        assert_eq!(config.region(), None);
        let env = Env::from_slice(&[("OS_AUTH_URL", "http://k/v3"), ("OS_TOKEN", "tok"), ("OS_PROJECT_ID", "p")]);
        let config = InfomaniakConfig::from_env_with(&env).unwrap();
        assert!(matches!(config.auth(), AuthMethod::Token { project_id: Some(p), .. } if p == "p"));
    }

    #[test]
    fn missing_clouds_file_is_invalid_config() {
        let env = Env::from_slice(&[("OS_CLOUD", "x"), ("OS_CLIENT_CONFIG_FILE", "does/not/exist.yaml")]);
        let err = InfomaniakConfig::from_env_with(&env).unwrap_err();
        assert_eq!(err.kind(), cloud_core::ErrorKind::InvalidConfig);
    }
}
