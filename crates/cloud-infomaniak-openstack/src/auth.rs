//! Keystone v3 authentication on [`cloud_core::http`]: issuing a token (application credential,
//! password or token), the service catalog, and the [`AuthProvider`] that puts the token on every
//! request to a catalog endpoint.

use std::fmt;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use cloud_core::http::{AuthProvider, HttpClient, header::HeaderValue};
use cloud_core::{Error, ErrorKind, REDACTED, Result, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::{AuthMethod, Domain};
use crate::error::PROVIDER;

/// The header Keystone returns a new token in, and every service reads it from.
pub(crate) const TOKEN_HEADER: &str = "x-auth-token";
const SUBJECT_TOKEN_HEADER: &str = "x-subject-token";

// ---------------------------------------------------------------------------------------------
// Wire: POST /v3/auth/tokens

#[derive(Serialize)]
struct TokenRequest<'a> {
    auth: AuthBody<'a>,
}

#[derive(Serialize)]
struct AuthBody<'a> {
    identity: Identity<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<Scope<'a>>,
}

#[derive(Serialize)]
struct Identity<'a> {
    methods: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    application_credential: Option<IdSecret<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<PasswordBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<TokenId<'a>>,
}

#[derive(Serialize)]
struct IdSecret<'a> {
    id: &'a str,
    secret: &'a str,
}

#[derive(Serialize)]
struct PasswordBody<'a> {
    user: UserRef<'a>,
}

#[derive(Serialize)]
struct UserRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<DomainRef<'a>>,
    password: &'a str,
}

/// A domain by id or by name: Keystone wants `{"id": …}` or `{"name": …}`.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum DomainRef<'a> {
    Id(&'a str),
    Name(&'a str),
}

impl<'a> From<&'a Domain> for DomainRef<'a> {
    fn from(domain: &'a Domain) -> Self {
        match domain {
            Domain::Id(id) => Self::Id(id),
            Domain::Name(name) => Self::Name(name),
        }
    }
}

#[derive(Serialize)]
struct TokenId<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct Scope<'a> {
    project: ProjectRef<'a>,
}

#[derive(Serialize)]
struct ProjectRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<DomainRef<'a>>,
}

/// The JSON body of a token request for `auth` (`project_id` scopes password and token auth
/// when the method names no project).
fn token_request<'a>(auth: &'a AuthMethod, project_id: Option<&'a str>) -> TokenRequest<'a> {
    let identity = |method| Identity { methods: [method], application_credential: None, password: None, token: None };
    let (identity, scope) = match auth {
        AuthMethod::ApplicationCredential { id, secret } => (
            Identity {
                application_credential: Some(IdSecret { id, secret: secret.expose() }),
                ..identity("application_credential")
            },
            None,
        ),
        AuthMethod::Password {
            user,
            user_is_id,
            user_domain,
            password,
            project_id: own,
            project_name,
            project_domain,
        } => {
            let user = if *user_is_id {
                UserRef { id: Some(user), name: None, domain: None, password: password.expose() }
            } else {
                UserRef { id: None, name: Some(user), domain: Some(user_domain.into()), password: password.expose() }
            };
            let scope = match (own.as_deref().or(project_id), project_name) {
                (Some(id), _) => Some(Scope { project: ProjectRef { id: Some(id), name: None, domain: None } }),
                (None, Some(name)) => Some(Scope {
                    project: ProjectRef { id: None, name: Some(name), domain: Some(project_domain.into()) },
                }),
                (None, None) => None,
            };
            (Identity { password: Some(PasswordBody { user }), ..identity("password") }, scope)
        }
        AuthMethod::Token { token, project_id: own } => {
            let scope = own
                .as_deref()
                .or(project_id)
                .map(|id| Scope { project: ProjectRef { id: Some(id), name: None, domain: None } });
            (Identity { token: Some(TokenId { id: token.expose() }), ..identity("token") }, scope)
        }
    };
    TokenRequest { auth: AuthBody { identity, scope } }
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: TokenBody,
}

#[derive(Deserialize)]
struct TokenBody {
    expires_at: Option<String>,
    user: IdOnly,
    project: Option<IdOnly>,
    #[serde(default)]
    roles: Vec<RoleRef>,
    #[serde(default)]
    catalog: Vec<CatalogService>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct RoleRef {
    id: String,
    name: String,
}

/// One service of the token's catalog.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CatalogService {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) endpoints: Vec<CatalogEndpoint>,
}

/// One endpoint of a catalog service.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CatalogEndpoint {
    pub(crate) interface: String,
    #[serde(default)]
    pub(crate) region: Option<String>,
    #[serde(default)]
    pub(crate) region_id: Option<String>,
    pub(crate) url: String,
}

impl CatalogEndpoint {
    fn region(&self) -> Option<&str> {
        self.region_id.as_deref().or(self.region.as_deref())
    }
}

// ---------------------------------------------------------------------------------------------
// Issuing tokens

/// What Keystone said about a new token.
pub(crate) struct Issued {
    pub(crate) token: SecretString,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) user_id: String,
    pub(crate) project_id: Option<String>,
    pub(crate) roles: Vec<(String, String)>,
    pub(crate) catalog: Vec<CatalogService>,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("token", &REDACTED)
            .field("expires_at", &self.expires_at)
            .field("user_id", &self.user_id)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

/// Asks Keystone (`keystone`'s base URL is the v3 root) for a token.
///
/// A refused credential (401, and the 400/404 Keystone gives for a malformed or unknown one) is
/// `Unauthenticated`; the request body is secret and never shown.
pub(crate) async fn issue(keystone: &HttpClient, auth: &AuthMethod, project_id: Option<&str>) -> Result<Issued> {
    let response = keystone
        .post("auth/tokens")
        .json(&token_request(auth, project_id))
        .operation("authenticate")
        .sensitive_response()
        .send()
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidInput | ErrorKind::NotFound => {
                let message = format!("Keystone refused the credentials: {}", e.message());
                let status = e.http_status();
                let mut out = Error::new(ErrorKind::Unauthenticated, message).with_provider(PROVIDER);
                if let Some(status) = status {
                    out = out.with_http_status(status);
                }
                out.with_operation("authenticate").with_source(e)
            }
            _ => e,
        })?;
    let token = response
        .header(SUBJECT_TOKEN_HEADER)
        .map(SecretString::new)
        .ok_or_else(|| invalid("Keystone answered without X-Subject-Token"))?;
    let body: TokenAnswer = response.json().await?;
    let body = body.token;
    Ok(Issued {
        token,
        expires_at: body.expires_at.as_deref().and_then(crate::util::parse_time),
        user_id: body.user.id,
        project_id: body.project.map(|p| p.id),
        roles: body.roles.into_iter().map(|r| (r.id, r.name)).collect(),
        catalog: body.catalog,
    })
}

fn invalid(message: &'static str) -> Error {
    Error::new(ErrorKind::ResponseInvalid, message).with_provider(PROVIDER).with_operation("authenticate")
}

/// The URL of `kind` (and its aliases) for `interface` in `region` (any region when `None`).
pub(crate) fn find_endpoint<'a>(
    catalog: &'a [CatalogService],
    kinds: &[&str],
    interface: &str,
    region: Option<&str>,
) -> Option<&'a str> {
    kinds.iter().find_map(|kind| {
        catalog.iter().filter(|s| s.kind == *kind).flat_map(|s| s.endpoints.iter()).find_map(|e| {
            let region_ok = region.is_none_or(|r| e.region() == Some(r));
            (e.interface == interface && region_ok).then_some(e.url.as_str())
        })
    })
}

/// The regions named in a catalog, sorted, without repeats.
pub(crate) fn regions(catalog: &[CatalogService]) -> Vec<String> {
    let mut found: Vec<String> =
        catalog.iter().flat_map(|s| s.endpoints.iter().filter_map(|e| e.region().map(str::to_owned))).collect();
    found.sort();
    found.dedup();
    found
}

// ---------------------------------------------------------------------------------------------
// The token on requests

/// A token and when it expires (if Keystone said).
type Current = Option<(SecretString, Option<DateTime<Utc>>)>;

/// The current token, shared by every service client of a session.
#[derive(Clone, Default)]
pub(crate) struct TokenAuth {
    current: Arc<RwLock<Current>>,
}

impl TokenAuth {
    pub(crate) fn set(&self, token: SecretString, expires_at: Option<DateTime<Utc>>) {
        let mut slot = self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = Some((token, expires_at));
    }

    pub(crate) fn get(&self) -> Option<SecretString> {
        let slot = self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.as_ref().map(|(t, _)| t.clone())
    }

    /// Whether the token expires within `margin` (or there is none).
    pub(crate) fn expires_within(&self, margin: chrono::TimeDelta) -> bool {
        let slot = self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        match slot.as_ref() {
            None => true,
            Some((_, None)) => false,
            Some((_, Some(at))) => *at - Utc::now() < margin,
        }
    }
}

impl fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAuth").field("token", &REDACTED).finish()
    }
}

#[async_trait::async_trait]
impl AuthProvider for TokenAuth {
    async fn apply(&self, request: &mut reqwest::Request) -> Result<()> {
        let token = self.get().ok_or_else(|| {
            Error::new(ErrorKind::Unauthenticated, "the session holds no token").with_provider(PROVIDER)
        })?;
        let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
            Error::new(ErrorKind::ResponseInvalid, "Keystone issued a token that is not a header value")
        })?;
        value.set_sensitive(true);
        request.headers_mut().insert(TOKEN_HEADER, value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(request: &TokenRequest<'_>) -> serde_json::Value {
        serde_json::to_value(request).unwrap()
    }

    #[test]
    fn domain_ids_are_sent_as_ids_and_names_as_names() {
        let auth = AuthMethod::Password {
            user: "u".into(),
            user_is_id: false,
            user_domain: Domain::Id("a1b2".into()),
            password: "pw".into(),
            project_id: None,
            project_name: Some("p".into()),
            project_domain: Domain::Name("Default".into()),
        };
        let v = json(&token_request(&auth, None));
        assert_eq!(v["auth"]["identity"]["methods"][0], "password");
        assert_eq!(v["auth"]["identity"]["password"]["user"]["domain"], serde_json::json!({"id": "a1b2"}));
        assert_eq!(v["auth"]["scope"]["project"]["domain"], serde_json::json!({"name": "Default"}));
        assert_eq!(v["auth"]["scope"]["project"]["name"], "p");
    }

    #[test]
    fn application_credentials_carry_no_scope() {
        let auth = AuthMethod::ApplicationCredential { id: "id".into(), secret: "s".into() };
        let v = json(&token_request(&auth, Some("p")));
        assert_eq!(v["auth"]["identity"]["application_credential"], serde_json::json!({"id": "id", "secret": "s"}));
        assert!(v["auth"].get("scope").is_none());
        let token = AuthMethod::Token { token: "t".into(), project_id: None };
        let v = json(&token_request(&token, Some("p")));
        assert_eq!(v["auth"]["scope"]["project"]["id"], "p");
    }

    #[test]
    fn endpoints_are_chosen_by_type_interface_and_region() {
        let catalog: Vec<CatalogService> = serde_json::from_value(serde_json::json!([
            {"type": "network", "endpoints": [
                {"interface": "public", "region_id": "dc4-a", "url": "https://n4"},
                {"interface": "internal", "region_id": "dc3-a", "url": "https://n3i"},
                {"interface": "public", "region": "dc3-a", "url": "https://n3"}]},
            {"type": "volumev3", "endpoints": [{"interface": "public", "region_id": "dc3-a", "url": "https://v3"}]}
        ]))
        .unwrap();
        assert_eq!(find_endpoint(&catalog, &["network"], "public", Some("dc3-a")), Some("https://n3"));
        assert_eq!(find_endpoint(&catalog, &["network"], "public", None), Some("https://n4"));
        assert_eq!(
            find_endpoint(&catalog, &["block-storage", "volumev3"], "public", Some("dc3-a")),
            Some("https://v3")
        );
        assert_eq!(find_endpoint(&catalog, &["dns"], "public", None), None);
        assert_eq!(regions(&catalog), ["dc3-a", "dc4-a"]);
    }
}
