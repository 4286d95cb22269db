//! How requests are authorized: SharedKey, SAS, anonymous, or an Entra ID token credential
//! (a single one, or the ordered [`EntraSource`] chain built from `azure_identity`).

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_identity::{
    AzureCliCredential, ClientSecretCredential, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use cloud_core::{Error, Result, SecretString};

use crate::shared_key::AccountKey;

/// One way of getting an Entra ID token, as a link of the credential chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntraSource {
    /// A service principal's client secret (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
    /// `AZURE_CLIENT_SECRET`).
    ClientSecret,
    /// Workload identity federation (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
    /// `AZURE_FEDERATED_TOKEN_FILE`), as on Azure Kubernetes Service.
    WorkloadIdentity,
    /// The managed identity of the Azure host (system-assigned, or user-assigned by
    /// `AZURE_CLIENT_ID`).
    ManagedIdentity,
    /// The signed-in Azure CLI user (`az login`).
    AzureCli,
}

impl EntraSource {
    /// A stable lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecret => "client_secret",
            Self::WorkloadIdentity => "workload_identity",
            Self::ManagedIdentity => "managed_identity",
            Self::AzureCli => "azure_cli",
        }
    }
}

impl fmt::Display for EntraSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a client authorizes its requests (see [`crate::AzureBlobClient::auth`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AzureAuth {
    /// SharedKey with the account key of this account.
    SharedKey {
        /// The storage account.
        account: String,
    },
    /// A SAS token appended to every request.
    Sas,
    /// No authorization (public containers).
    Anonymous,
    /// A token credential given by the caller.
    TokenCredential,
    /// The Entra ID chain, tried in this order.
    Entra(Vec<EntraSource>),
}

/// The resolved authorization of a client.
#[derive(Clone)]
pub(crate) enum Auth {
    SharedKey(AccountKey),
    Sas(SecretString),
    Anonymous,
    Token { credential: Arc<dyn TokenCredential>, chain: Option<Vec<EntraSource>> },
}

impl Auth {
    pub(crate) fn describe(&self) -> AzureAuth {
        match self {
            Self::SharedKey(key) => AzureAuth::SharedKey { account: key.account().to_owned() },
            Self::Sas(_) => AzureAuth::Sas,
            Self::Anonymous => AzureAuth::Anonymous,
            Self::Token { chain: None, .. } => AzureAuth::TokenCredential,
            Self::Token { chain: Some(chain), .. } => AzureAuth::Entra(chain.clone()),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.describe(), f)
    }
}

/// The settings the Entra ID sources read.
#[derive(Debug, Clone, Default)]
pub(crate) struct EntraSettings {
    pub(crate) tenant_id: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) federated_token_file: Option<PathBuf>,
    /// Whether `client_id` names a user-assigned managed identity.
    pub(crate) user_assigned: bool,
}

/// Builds the chain; a source whose settings are missing is `InvalidConfig`.
pub(crate) fn entra_chain(sources: &[EntraSource], settings: &EntraSettings) -> Result<Arc<dyn TokenCredential>> {
    if sources.is_empty() {
        return Err(Error::invalid_config("the Entra ID credential chain is empty"));
    }
    let mut links: Vec<(EntraSource, Arc<dyn TokenCredential>)> = Vec::with_capacity(sources.len());
    for &source in sources {
        links.push((source, entra_credential(source, settings)?));
    }
    Ok(Arc::new(ChainedCredential { links, chosen: Mutex::new(None) }))
}

fn require<'a>(value: Option<&'a str>, what: &str, source: EntraSource) -> Result<&'a str> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| Error::invalid_config(format!("Entra ID {source} needs {what}")))
}

fn identity_error(source: EntraSource, err: &azure_core::Error) -> Error {
    Error::invalid_config(format!("cannot set up Entra ID {source}: {err}"))
}

fn entra_credential(source: EntraSource, s: &EntraSettings) -> Result<Arc<dyn TokenCredential>> {
    Ok(match source {
        EntraSource::ClientSecret => {
            let tenant = require(s.tenant_id.as_deref(), "a tenant id (AZURE_TENANT_ID)", source)?;
            let client = require(s.client_id.as_deref(), "a client id (AZURE_CLIENT_ID)", source)?;
            let secret =
                s.client_secret.as_ref().filter(|v| !v.is_empty()).ok_or_else(|| {
                    Error::invalid_config("Entra ID client_secret needs a secret (AZURE_CLIENT_SECRET)")
                })?;
            ClientSecretCredential::new(tenant, client.to_owned(), Secret::new(secret.expose().to_owned()), None)
                .map_err(|e| identity_error(source, &e))?
        }
        EntraSource::WorkloadIdentity => {
            let tenant = require(s.tenant_id.as_deref(), "a tenant id (AZURE_TENANT_ID)", source)?;
            let client = require(s.client_id.as_deref(), "a client id (AZURE_CLIENT_ID)", source)?;
            let file = s.federated_token_file.clone().ok_or_else(|| {
                Error::invalid_config(
                    "Entra ID workload_identity needs a federated token file (AZURE_FEDERATED_TOKEN_FILE)",
                )
            })?;
            let options = WorkloadIdentityCredentialOptions {
                client_id: Some(client.to_owned()),
                tenant_id: Some(tenant.to_owned()),
                token_file_path: Some(file),
                ..Default::default()
            };
            WorkloadIdentityCredential::new(Some(options)).map_err(|e| identity_error(source, &e))?
        }
        EntraSource::ManagedIdentity => {
            let options = ManagedIdentityCredentialOptions {
                user_assigned_id: s.client_id.clone().filter(|_| s.user_assigned).map(UserAssignedId::ClientId),
                ..Default::default()
            };
            ManagedIdentityCredential::new(Some(options)).map_err(|e| identity_error(source, &e))?
        }
        EntraSource::AzureCli => AzureCliCredential::new(None).map_err(|e| identity_error(source, &e))?,
    })
}

/// Tries each link in order; the first that yields a token is used from then on.
struct ChainedCredential {
    links: Vec<(EntraSource, Arc<dyn TokenCredential>)>,
    chosen: Mutex<Option<usize>>,
}

impl fmt::Debug for ChainedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sources: Vec<EntraSource> = self.links.iter().map(|(s, _)| *s).collect();
        f.debug_struct("ChainedCredential").field("sources", &sources).finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenCredential for ChainedCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let chosen = *self.chosen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(index) = chosen {
            return self.links[index].1.get_token(scopes, options).await;
        }
        let mut failures = Vec::with_capacity(self.links.len());
        for (index, (source, credential)) in self.links.iter().enumerate() {
            match credential.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    *self.chosen.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(index);
                    return Ok(token);
                }
                Err(e) => failures.push(format!("{source}: {e}")),
            }
        }
        Err(azure_core::Error::with_message(
            azure_core::error::ErrorKind::Credential,
            format!("no Entra ID credential of the chain produced a token ({})", failures.join("; ")),
        ))
    }
}
