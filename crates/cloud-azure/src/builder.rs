//! [`AzureBlobClientBuilder`] and its [`AzureConfigKey`]s: explicit settings, the `AZURE_*`
//! environment, connection strings, the Entra ID credential chain, and the validation `build`
//! does before any request is made.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use cloud_core::config::{ConfigKey, Configure, InvalidValues};
use cloud_core::{Env, Error, Result, SecretString};
use url::Url;

use crate::client::{AzureBlobClient, Transfer};
use crate::connection_string::{
    ConnectionString, DEVELOPMENT_ACCOUNT, DEVELOPMENT_ACCOUNT_KEY, DEVELOPMENT_BLOB_ENDPOINT,
};
use crate::credential::{Auth, EntraSource, entra_chain};
use crate::shared_key::AccountKey;

/// The largest block Azure accepts in one Put Block (4000 MiB).
pub const MAX_BLOCK_SIZE: u64 = 4000 * 1024 * 1024;

/// The largest blob Azure accepts in one Put Blob (5000 MiB).
pub const MAX_SINGLE_PUT_SIZE: u64 = 5000 * 1024 * 1024;

/// The most blocks one blob can have.
pub const MAX_BLOCKS: u64 = 50_000;

/// The default block size of staged uploads, and the default single-put threshold: 8 MiB.
pub const DEFAULT_BLOCK_SIZE: u64 = 8 * 1024 * 1024;

/// The default number of blocks staged at the same time.
pub const DEFAULT_UPLOAD_CONCURRENCY: usize = 4;

/// The default size of the ranges `download_blob` (and a read of an open-ended range) fetches in
/// parallel: 4 MiB (the official managed download buffers up to twice its concurrency in ranges, so
/// 32 MiB at most by default).
pub const DEFAULT_DOWNLOAD_PART_SIZE: u64 = 4 * 1024 * 1024;

/// The default number of ranges `download_blob` (and a read of an open-ended range) fetches at
/// the same time.
pub const DEFAULT_DOWNLOAD_CONCURRENCY: usize = 4;

/// A setting of [`AzureBlobClientBuilder`], by name (for configuration files and `with_config`).
///
/// Each key has one canonical spelling (`"account_name"`) and accepts the environment variable
/// names Azure's own tools use (`"AZURE_STORAGE_ACCOUNT"`) as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AzureConfigKey {
    /// `connection_string` / `AZURE_STORAGE_CONNECTION_STRING`.
    ConnectionString,
    /// `account_name` / `AZURE_STORAGE_ACCOUNT` (or `AZURE_STORAGE_ACCOUNT_NAME`).
    AccountName,
    /// `access_key` / `AZURE_STORAGE_KEY` (or `AZURE_STORAGE_ACCOUNT_KEY`, `AZURE_STORAGE_ACCESS_KEY`).
    AccessKey,
    /// `endpoint` / `AZURE_STORAGE_ACCOUNT_URL` (or `AZURE_STORAGE_BLOB_ENDPOINT`): the blob
    /// service URL, such as `https://acct.blob.core.windows.net`.
    Endpoint,
    /// `sas_token` / `AZURE_STORAGE_SAS_TOKEN`: a shared access signature used for every request.
    SasToken,
    /// `client_id` / `AZURE_CLIENT_ID`: the Entra ID application (or user-assigned identity).
    ClientId,
    /// `tenant_id` / `AZURE_TENANT_ID`.
    TenantId,
    /// `client_secret` / `AZURE_CLIENT_SECRET`.
    ClientSecret,
    /// `federated_token_file` / `AZURE_FEDERATED_TOKEN_FILE`: workload identity.
    FederatedTokenFile,
    /// `use_emulator` / `AZURE_STORAGE_USE_EMULATOR`: `true` for the local emulator (Azurite)
    /// with its well-known account and key.
    UseEmulator,
    /// `allow_http` / `AZURE_STORAGE_ALLOW_HTTP`: `true` to accept an `http://` endpoint.
    AllowHttp,
    /// `block_size`: the size of each staged block, in bytes.
    BlockSize,
    /// `single_put_threshold`: bodies up to this many bytes go up in one Put Blob.
    SinglePutThreshold,
    /// `upload_concurrency`: how many blocks are staged at the same time.
    UploadConcurrency,
    /// `download_part_size`: the size of the ranges `download_blob` and reads of an open-ended
    /// range fetch in parallel.
    DownloadPartSize,
    /// `download_concurrency`: how many ranges `download_blob` and reads of an open-ended range
    /// fetch at the same time.
    DownloadConcurrency,
    /// `max_retries`: how many times a failed request is retried (0 disables retries).
    MaxRetries,
    /// `attempt_timeout`: how long one attempt of a request may wait for its answer, in seconds
    /// (fractions allowed; default [`DEFAULT_ATTEMPT_TIMEOUT`](crate::DEFAULT_ATTEMPT_TIMEOUT),
    /// plus one second per 256 KiB of request body).
    AttemptTimeout,
}

impl AzureConfigKey {
    /// Every key, in the order `from_env` applies them.
    pub const ALL: &'static [Self] = &[
        Self::ConnectionString,
        Self::AccountName,
        Self::AccessKey,
        Self::Endpoint,
        Self::SasToken,
        Self::ClientId,
        Self::TenantId,
        Self::ClientSecret,
        Self::FederatedTokenFile,
        Self::UseEmulator,
        Self::AllowHttp,
        Self::BlockSize,
        Self::SinglePutThreshold,
        Self::UploadConcurrency,
        Self::DownloadPartSize,
        Self::DownloadConcurrency,
        Self::MaxRetries,
        Self::AttemptTimeout,
    ];

    /// The canonical name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ConnectionString => "connection_string",
            Self::AccountName => "account_name",
            Self::AccessKey => "access_key",
            Self::Endpoint => "endpoint",
            Self::SasToken => "sas_token",
            Self::ClientId => "client_id",
            Self::TenantId => "tenant_id",
            Self::ClientSecret => "client_secret",
            Self::FederatedTokenFile => "federated_token_file",
            Self::UseEmulator => "use_emulator",
            Self::AllowHttp => "allow_http",
            Self::BlockSize => "block_size",
            Self::SinglePutThreshold => "single_put_threshold",
            Self::UploadConcurrency => "upload_concurrency",
            Self::DownloadPartSize => "download_part_size",
            Self::DownloadConcurrency => "download_concurrency",
            Self::MaxRetries => "max_retries",
            Self::AttemptTimeout => "attempt_timeout",
        }
    }

    /// The environment variables that set this key, the first set one winning.
    pub const fn env_names(self) -> &'static [&'static str] {
        match self {
            Self::ConnectionString => &["AZURE_STORAGE_CONNECTION_STRING"],
            Self::AccountName => &["AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_ACCOUNT_NAME"],
            Self::AccessKey => &["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_ACCESS_KEY"],
            Self::Endpoint => &["AZURE_STORAGE_ACCOUNT_URL", "AZURE_STORAGE_BLOB_ENDPOINT"],
            Self::SasToken => &["AZURE_STORAGE_SAS_TOKEN"],
            Self::ClientId => &["AZURE_CLIENT_ID"],
            Self::TenantId => &["AZURE_TENANT_ID"],
            Self::ClientSecret => &["AZURE_CLIENT_SECRET"],
            Self::FederatedTokenFile => &["AZURE_FEDERATED_TOKEN_FILE"],
            Self::UseEmulator => &["AZURE_STORAGE_USE_EMULATOR"],
            Self::AllowHttp => &["AZURE_STORAGE_ALLOW_HTTP"],
            Self::BlockSize
            | Self::SinglePutThreshold
            | Self::UploadConcurrency
            | Self::DownloadPartSize
            | Self::DownloadConcurrency
            | Self::MaxRetries
            | Self::AttemptTimeout => &[],
        }
    }
}

impl AsRef<str> for AzureConfigKey {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for AzureConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AzureConfigKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

impl ConfigKey for AzureConfigKey {
    const SERVICE: &'static str = "Azure";

    fn keys() -> &'static [Self] {
        Self::ALL
    }

    fn name(self) -> &'static str {
        self.as_str()
    }

    fn env_names(self) -> &'static [&'static str] {
        Self::env_names(self)
    }

    fn is_secret(self) -> bool {
        matches!(self, Self::ConnectionString | Self::AccessKey | Self::SasToken | Self::ClientSecret)
    }
}

/// Builds an [`AzureBlobClient`].
///
/// # Where settings come from
///
/// `with_*` calls > the environment (`from_env`) > the parts of a connection string > defaults.
/// A connection string is a bundle of account, key or SAS, and endpoint; a separately set
/// account, key, SAS or endpoint replaces the corresponding part.
///
/// # How requests are authorized (first match wins)
///
/// 1. a credential given with [`with_token_credential`](Self::with_token_credential);
/// 2. anonymous access, with [`with_anonymous`](Self::with_anonymous) (public containers);
/// 3. SharedKey: an account key (`access_key`, or the connection string's `AccountKey`, or the
///    emulator's well-known key);
/// 4. a SAS token (`sas_token`, or the connection string's `SharedAccessSignature`);
/// 5. Entra ID, an ordered chain of [`EntraSource`]s tried one after the other, the first that
///    yields a token being kept: client secret (when tenant, client id and secret are set),
///    workload identity (when tenant, client id and a federated token file are set), managed
///    identity (user-assigned with the client id when one is set and neither of the two before
///    applies), then the Azure CLI (`az account get-access-token`). Replace the chain with
///    [`with_entra_chain`](Self::with_entra_chain).
///
/// Entra ID tokens travel only over https: an `http://` endpoint with a token credential is
/// `InvalidConfig`. Plain http is accepted with `allow_http`, or when a connection string spells
/// out an http endpoint itself (`UseDevelopmentStorage=true`, `BlobEndpoint=http://…`).
///
/// ```
/// use cloud_azure::{AzureAuth, AzureBlobClientBuilder};
/// let client = AzureBlobClientBuilder::new()
///     .with_connection_string("UseDevelopmentStorage=true")
///     .build()?;
/// assert_eq!(client.account(), "devstoreaccount1");
/// assert!(matches!(client.auth(), AzureAuth::SharedKey { .. }));
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct AzureBlobClientBuilder {
    connection_string: Option<SecretString>,
    account_name: Option<String>,
    access_key: Option<SecretString>,
    endpoint: Option<String>,
    sas_token: Option<SecretString>,
    client_id: Option<String>,
    tenant_id: Option<String>,
    client_secret: Option<SecretString>,
    federated_token_file: Option<PathBuf>,
    use_emulator: Option<bool>,
    allow_http: Option<bool>,
    anonymous: bool,
    token_credential: Option<Arc<dyn TokenCredential>>,
    entra_chain: Option<Vec<EntraSource>>,
    block_size: Option<u64>,
    single_put_threshold: Option<u64>,
    upload_concurrency: Option<usize>,
    download_part_size: Option<u64>,
    download_concurrency: Option<usize>,
    max_retries: Option<u32>,
    attempt_timeout: Option<Duration>,
    /// Values `with_config` could not parse, reported by `build`.
    invalid: InvalidValues,
}

impl Configure for AzureBlobClientBuilder {
    type Key = AzureConfigKey;

    fn set_config(mut self, key: AzureConfigKey, value: String) -> Self {
        match key {
            AzureConfigKey::ConnectionString => self.connection_string = Some(SecretString::new(value)),
            AzureConfigKey::AccountName => self.account_name = Some(value),
            AzureConfigKey::AccessKey => self.access_key = Some(SecretString::new(value)),
            AzureConfigKey::Endpoint => self.endpoint = Some(value),
            AzureConfigKey::SasToken => self.sas_token = Some(SecretString::new(value.trim_start_matches('?'))),
            AzureConfigKey::ClientId => self.client_id = Some(value),
            AzureConfigKey::TenantId => self.tenant_id = Some(value),
            AzureConfigKey::ClientSecret => self.client_secret = Some(SecretString::new(value)),
            AzureConfigKey::FederatedTokenFile => self.federated_token_file = Some(PathBuf::from(value)),
            AzureConfigKey::UseEmulator => self.use_emulator = self.invalid.parse_bool(key, &value),
            AzureConfigKey::AllowHttp => self.allow_http = self.invalid.parse_bool(key, &value),
            AzureConfigKey::BlockSize => self.block_size = self.invalid.parse_number(key, &value),
            AzureConfigKey::SinglePutThreshold => {
                self.single_put_threshold = self.invalid.parse_number(key, &value);
            }
            AzureConfigKey::UploadConcurrency => self.upload_concurrency = self.invalid.parse_number(key, &value),
            AzureConfigKey::DownloadPartSize => self.download_part_size = self.invalid.parse_number(key, &value),
            AzureConfigKey::DownloadConcurrency => {
                self.download_concurrency = self.invalid.parse_number(key, &value);
            }
            AzureConfigKey::MaxRetries => self.max_retries = self.invalid.parse_number(key, &value),
            AzureConfigKey::AttemptTimeout => {
                self.attempt_timeout = self.invalid.parse(key, &value, |v| {
                    v.parse::<f64>().ok().filter(|s| *s > 0.0).and_then(|s| Duration::try_from_secs_f64(s).ok())
                });
            }
        }
        self
    }
}

impl fmt::Debug for AzureBlobClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureBlobClientBuilder")
            .field("connection_string", &self.connection_string)
            .field("account_name", &self.account_name)
            .field("access_key", &self.access_key)
            .field("endpoint", &self.endpoint)
            .field("sas_token", &self.sas_token)
            .field("client_id", &self.client_id)
            .field("tenant_id", &self.tenant_id)
            .field("client_secret", &self.client_secret)
            .field("federated_token_file", &self.federated_token_file)
            .field("use_emulator", &self.use_emulator)
            .field("allow_http", &self.allow_http)
            .field("anonymous", &self.anonymous)
            .field("entra_chain", &self.entra_chain)
            .finish_non_exhaustive()
    }
}

impl AzureBlobClientBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder set from the process environment; see [`AzureBlobClientBuilder::from_env_with`].
    pub fn from_env() -> Self {
        Self::from_env_with(&Env::real())
    }

    /// A builder set from the `AZURE_*` variables of `env`.
    ///
    /// | Variable | Description |
    /// |---|---|
    /// | `AZURE_STORAGE_CONNECTION_STRING` | a connection string (account, key or SAS, endpoint); `UseDevelopmentStorage=true` for Azurite |
    /// | `AZURE_STORAGE_ACCOUNT` (or `AZURE_STORAGE_ACCOUNT_NAME`) | the storage account |
    /// | `AZURE_STORAGE_KEY` (or `AZURE_STORAGE_ACCOUNT_KEY`, `AZURE_STORAGE_ACCESS_KEY`) | the account key (SharedKey) |
    /// | `AZURE_STORAGE_ACCOUNT_URL` (or `AZURE_STORAGE_BLOB_ENDPOINT`) | the blob service URL; default `https://<account>.blob.core.windows.net` |
    /// | `AZURE_STORAGE_SAS_TOKEN` | a SAS token used for every request |
    /// | `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_CLIENT_SECRET` | Entra ID client secret (service principal) |
    /// | `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` | Entra ID workload identity (Kubernetes) |
    /// | `AZURE_CLIENT_ID` alone | the user-assigned managed identity to use |
    /// | `AZURE_STORAGE_USE_EMULATOR` | `true`: Azurite at `http://127.0.0.1:10000/devstoreaccount1` with its well-known key |
    /// | `AZURE_STORAGE_ALLOW_HTTP` | `true` to accept an `http://` endpoint |
    ///
    /// Which of these authorize requests is decided by `build`, in the order documented on
    /// [`AzureBlobClientBuilder`]. Unparseable values are reported by `build`.
    pub fn from_env_with(env: &Env) -> Self {
        Self::new().with_env(env)
    }

    /// Sets one key by name; bad values are reported by [`AzureBlobClientBuilder::build`].
    #[must_use]
    pub fn with_config(self, key: AzureConfigKey, value: impl Into<String>) -> Self {
        self.set_config(key, value.into())
    }

    /// The value of one key, if set (secrets, including connection strings, are never returned).
    pub fn get_config_value(&self, key: AzureConfigKey) -> Option<String> {
        match key {
            AzureConfigKey::ConnectionString
            | AzureConfigKey::AccessKey
            | AzureConfigKey::SasToken
            | AzureConfigKey::ClientSecret => None,
            AzureConfigKey::AccountName => self.account_name.clone(),
            AzureConfigKey::Endpoint => self.endpoint.clone(),
            AzureConfigKey::ClientId => self.client_id.clone(),
            AzureConfigKey::TenantId => self.tenant_id.clone(),
            AzureConfigKey::FederatedTokenFile => self.federated_token_file.as_ref().map(|p| p.display().to_string()),
            AzureConfigKey::UseEmulator => self.use_emulator.map(|b| b.to_string()),
            AzureConfigKey::AllowHttp => self.allow_http.map(|b| b.to_string()),
            AzureConfigKey::BlockSize => self.block_size.map(|v| v.to_string()),
            AzureConfigKey::SinglePutThreshold => self.single_put_threshold.map(|v| v.to_string()),
            AzureConfigKey::UploadConcurrency => self.upload_concurrency.map(|v| v.to_string()),
            AzureConfigKey::DownloadPartSize => self.download_part_size.map(|v| v.to_string()),
            AzureConfigKey::DownloadConcurrency => self.download_concurrency.map(|v| v.to_string()),
            AzureConfigKey::MaxRetries => self.max_retries.map(|v| v.to_string()),
            AzureConfigKey::AttemptTimeout => self.attempt_timeout.map(|d| d.as_secs_f64().to_string()),
        }
    }

    /// A connection string, such as the one the Azure portal shows, or
    /// `UseDevelopmentStorage=true`; see [`ConnectionString`].
    #[must_use]
    pub fn with_connection_string(mut self, connection_string: impl Into<SecretString>) -> Self {
        self.connection_string = Some(connection_string.into());
        self
    }

    /// The storage account and its key (SharedKey authorization).
    #[must_use]
    pub fn with_account_key(mut self, account: impl Into<String>, key: impl Into<SecretString>) -> Self {
        self.account_name = Some(account.into());
        self.access_key = Some(key.into());
        self
    }

    /// The storage account (with the default endpoint `https://<account>.blob.core.windows.net`).
    #[must_use]
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.account_name = Some(account.into());
        self
    }

    /// The blob service URL: `https://<account>.blob.core.windows.net`, a custom domain, or the
    /// emulator's `http://127.0.0.1:10000/devstoreaccount1`.
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// A SAS token (with or without the leading `?`) appended to every request.
    #[must_use]
    pub fn with_sas_token(mut self, sas: impl Into<SecretString>) -> Self {
        let sas: SecretString = sas.into();
        self.sas_token = Some(SecretString::new(sas.expose().trim_start_matches('?')));
        self
    }

    /// An Entra ID service principal with a client secret.
    #[must_use]
    pub fn with_client_secret(
        mut self,
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<SecretString>,
    ) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self.client_id = Some(client_id.into());
        self.client_secret = Some(secret.into());
        self
    }

    /// Entra ID workload identity: the application's tenant and client id and the file holding
    /// the federated token (as Kubernetes projects it).
    #[must_use]
    pub fn with_workload_identity(
        mut self,
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
    ) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self.client_id = Some(client_id.into());
        self.federated_token_file = Some(token_file.into());
        self
    }

    /// Any `azure_core` token credential, used instead of every other way of authorizing.
    #[must_use]
    pub fn with_token_credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.token_credential = Some(credential);
        self
    }

    /// The Entra ID sources to try, in this order, instead of the default chain.
    #[must_use]
    pub fn with_entra_chain(mut self, sources: impl IntoIterator<Item = EntraSource>) -> Self {
        self.entra_chain = Some(sources.into_iter().collect());
        self
    }

    /// Sends requests without any authorization (containers with public access).
    #[must_use]
    pub fn with_anonymous(mut self, anonymous: bool) -> Self {
        self.anonymous = anonymous;
        self
    }

    /// `true`: the local emulator (Azurite) with its documented account and key, unless an
    /// endpoint, account or key is set otherwise.
    #[must_use]
    pub fn with_emulator(mut self, use_emulator: bool) -> Self {
        self.use_emulator = Some(use_emulator);
        self
    }

    /// Accepts an `http://` endpoint. Off by default: keys, tokens and data would travel in clear.
    #[must_use]
    pub fn with_allow_http(mut self, allow_http: bool) -> Self {
        self.allow_http = Some(allow_http);
        self
    }

    /// The size of each staged block (default 8 MiB, at most 4000 MiB).
    #[must_use]
    pub fn with_block_size(mut self, bytes: u64) -> Self {
        self.block_size = Some(bytes);
        self
    }

    /// Bodies of known size up to this many bytes go up in one Put Blob; larger ones, and every
    /// body of unknown size that turns out larger, as staged blocks (default 8 MiB, at most
    /// 5000 MiB).
    #[must_use]
    pub fn with_single_put_threshold(mut self, bytes: u64) -> Self {
        self.single_put_threshold = Some(bytes);
        self
    }

    /// How many blocks are staged at the same time (default 4). Memory in use by an upload is at
    /// most about `(upload_concurrency + 1) * block_size`.
    #[must_use]
    pub fn with_upload_concurrency(mut self, concurrency: usize) -> Self {
        self.upload_concurrency = Some(concurrency);
        self
    }

    /// The size of the ranges [`download_blob`](crate::AzureBlobClient::download_blob) and reads of
    /// an open-ended range (`GetRange::Offset`, `GetRange::Suffix`) fetch in parallel (default
    /// 4 MiB). A `get_object` of the whole blob or of a bounded range is one GET streamed as it
    /// arrives; `download_file` and `get_object_read_ahead` fetch their parts in parallel.
    #[must_use]
    pub fn with_download_part_size(mut self, bytes: u64) -> Self {
        self.download_part_size = Some(bytes);
        self
    }

    /// How many ranges [`download_blob`](crate::AzureBlobClient::download_blob) and reads of an
    /// open-ended range fetch at the same time (default 4).
    #[must_use]
    pub fn with_download_concurrency(mut self, concurrency: usize) -> Self {
        self.download_concurrency = Some(concurrency);
        self
    }

    /// How many times a failed request is retried (default 3; 0 disables retries).
    #[must_use]
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// How long one attempt of a request may wait for its answer (default
    /// [`DEFAULT_ATTEMPT_TIMEOUT`](crate::DEFAULT_ATTEMPT_TIMEOUT)); a request with a body gets
    /// one more second per 256 KiB of it. An attempt that runs out is retried like a lost
    /// connection, and the last one ends in [`ErrorKind::Timeout`](cloud_core::ErrorKind::Timeout):
    /// a server that takes the request and never answers cannot hang the call.
    ///
    /// ```
    /// use std::time::Duration;
    /// use cloud_azure::AzureBlobClientBuilder;
    ///
    /// let builder = AzureBlobClientBuilder::new().with_attempt_timeout(Duration::from_secs(10));
    /// # drop(builder);
    /// ```
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent.
    ///
    /// # Errors
    /// `InvalidConfig` for an unparseable value, a malformed connection string or endpoint, a
    /// missing account, a key that is not base64, an `http://` endpoint without `allow_http`
    /// (or with a token credential), or out-of-range transfer sizes.
    pub fn build(self) -> Result<AzureBlobClient> {
        self.invalid.check()?;
        let connection = self.connection_string.as_ref().map(|cs| ConnectionString::parse(cs.expose())).transpose()?;
        let emulator = self.use_emulator == Some(true);

        let connection_endpoint = connection.as_ref().and_then(|cs| cs.blob_endpoint().cloned());
        let (endpoint, endpoint_from_connection_string) = if let Some(raw) = &self.endpoint {
            (parse_endpoint(raw)?, false)
        } else if let Some(url) = connection_endpoint {
            (url, true)
        } else if emulator {
            (parse_endpoint(DEVELOPMENT_BLOB_ENDPOINT)?, true)
        } else if let Some(account) = &self.account_name {
            (parse_endpoint(&format!("https://{account}.blob.core.windows.net"))?, false)
        } else {
            return Err(Error::invalid_config(
                "no Azure Storage account: set an account name, an endpoint or a connection string \
                 (AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_ACCOUNT_URL, AZURE_STORAGE_CONNECTION_STRING)",
            ));
        };
        let account = self
            .account_name
            .clone()
            .or_else(|| connection.as_ref().and_then(|cs| cs.account_name().map(str::to_owned)))
            .or_else(|| emulator.then(|| DEVELOPMENT_ACCOUNT.to_owned()))
            .or_else(|| account_from_endpoint(&endpoint))
            .ok_or_else(|| {
                Error::invalid_config(format!(
                    "cannot tell the Azure Storage account from the endpoint {endpoint}; set the account name"
                ))
            })?;
        let key =
            self.access_key.clone().or_else(|| connection.as_ref().and_then(|cs| cs.account_key().cloned())).or_else(
                || (emulator && account == DEVELOPMENT_ACCOUNT).then(|| SecretString::new(DEVELOPMENT_ACCOUNT_KEY)),
            );
        let sas = self.sas_token.clone().or_else(|| connection.as_ref().and_then(|cs| cs.sas_token().cloned()));

        let auth = if let Some(credential) = &self.token_credential {
            Auth::Token { credential: credential.clone(), chain: None }
        } else if self.anonymous {
            Auth::Anonymous
        } else if let Some(key) = key {
            Auth::SharedKey(AccountKey::new(account.clone(), &key)?)
        } else if let Some(sas) = sas {
            if sas.is_empty() {
                return Err(Error::invalid_config("the SAS token is empty"));
            }
            Auth::Sas(sas)
        } else {
            let sources = self.entra_chain.clone().unwrap_or_else(|| self.default_entra_chain());
            let credential = entra_chain(&sources, &self.entra_settings())?;
            Auth::Token { credential, chain: Some(sources) }
        };

        let allow_http = self.allow_http.unwrap_or(false) || endpoint_from_connection_string;
        if endpoint.scheme() == "http" {
            if matches!(auth, Auth::Token { .. }) {
                return Err(Error::invalid_config(format!(
                    "the Azure endpoint {endpoint} uses plain http, but Entra ID tokens are only sent over https"
                )));
            }
            if !allow_http {
                return Err(Error::invalid_config(format!(
                    "the Azure endpoint {endpoint} uses plain http; allow it with `with_allow_http(true)` or AZURE_STORAGE_ALLOW_HTTP=true"
                )));
            }
        }
        let transfer = self.transfer()?;
        let attempt_timeout = self.attempt_timeout.unwrap_or(crate::DEFAULT_ATTEMPT_TIMEOUT);
        if attempt_timeout.is_zero() {
            return Err(Error::invalid_config("the Azure attempt timeout must be longer than zero"));
        }
        AzureBlobClient::from_parts(endpoint, account, auth, transfer, attempt_timeout)
    }

    /// The Entra ID sources that apply to the settings, in the documented order.
    fn default_entra_chain(&self) -> Vec<EntraSource> {
        let has_app = self.tenant_id.is_some() && self.client_id.is_some();
        let mut chain = Vec::new();
        if has_app && self.client_secret.is_some() {
            chain.push(EntraSource::ClientSecret);
        }
        if has_app && self.federated_token_file.is_some() {
            chain.push(EntraSource::WorkloadIdentity);
        }
        chain.push(EntraSource::ManagedIdentity);
        chain.push(EntraSource::AzureCli);
        chain
    }

    fn entra_settings(&self) -> crate::credential::EntraSettings {
        crate::credential::EntraSettings {
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            federated_token_file: self.federated_token_file.clone(),
            user_assigned: self.client_secret.is_none() && self.federated_token_file.is_none(),
        }
    }

    fn transfer(&self) -> Result<Transfer> {
        let block_size = self.block_size.unwrap_or(DEFAULT_BLOCK_SIZE);
        if !(1..=MAX_BLOCK_SIZE).contains(&block_size) {
            return Err(Error::invalid_config(format!(
                "block_size must be between 1 and {MAX_BLOCK_SIZE} bytes, not {block_size}"
            )));
        }
        let single_put_threshold = self.single_put_threshold.unwrap_or(DEFAULT_BLOCK_SIZE);
        if single_put_threshold > MAX_SINGLE_PUT_SIZE {
            return Err(Error::invalid_config(format!(
                "single_put_threshold must be at most {MAX_SINGLE_PUT_SIZE} bytes (the largest Put Blob), not {single_put_threshold}"
            )));
        }
        let upload_concurrency = self.upload_concurrency.unwrap_or(DEFAULT_UPLOAD_CONCURRENCY);
        let download_concurrency = self.download_concurrency.unwrap_or(DEFAULT_DOWNLOAD_CONCURRENCY);
        if upload_concurrency == 0 || download_concurrency == 0 {
            return Err(Error::invalid_config("upload_concurrency and download_concurrency must be at least 1"));
        }
        let download_part_size = self.download_part_size.unwrap_or(DEFAULT_DOWNLOAD_PART_SIZE);
        if download_part_size == 0 || usize::try_from(download_part_size).is_err() {
            return Err(Error::invalid_config(format!("download_part_size {download_part_size} is out of range")));
        }
        Ok(Transfer {
            block_size,
            single_put_threshold,
            upload_concurrency,
            download_part_size,
            download_concurrency,
            max_retries: self.max_retries.unwrap_or(3),
        })
    }
}

fn parse_endpoint(raw: &str) -> Result<Url> {
    let url = Url::parse(raw).map_err(|e| Error::invalid_config(format!("invalid Azure endpoint {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_config(format!(
            "the Azure endpoint {raw} has scheme {:?}; use http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_config(format!("the Azure endpoint {raw} has no host")));
    }
    if url.query().is_some() {
        return Err(Error::invalid_config(format!(
            "the Azure endpoint {} has a query; pass a SAS with `with_sas_token` instead",
            url.origin().ascii_serialization()
        )));
    }
    Ok(url)
}

/// `acct` of `https://acct.blob.core.windows.net`, or the first path segment of an IP or
/// `localhost` endpoint (the emulator's `http://127.0.0.1:10000/devstoreaccount1`).
fn account_from_endpoint(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    let ip_like = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    if ip_like {
        url.path_segments()?.find(|s| !s.is_empty()).map(str::to_owned)
    } else {
        host.split_once(".blob.").map(|(account, _)| account.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::ErrorKind;

    use super::*;
    use crate::AzureAuth;

    const KEY: &str = "CANARYazureUnitTestKeA==";

    fn build(vars: &[(&str, &str)]) -> Result<AzureBlobClient> {
        AzureBlobClientBuilder::from_env_with(&Env::from_slice(vars)).build()
    }

    #[test]
    fn keys_parse_from_canonical_and_env_names() {
        for &key in AzureConfigKey::ALL {
            assert_eq!(key.as_str().parse::<AzureConfigKey>().unwrap(), key);
            for name in key.env_names() {
                assert_eq!(name.parse::<AzureConfigKey>().unwrap(), key);
            }
        }
        assert_eq!("nope".parse::<AzureConfigKey>().unwrap_err().kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn account_and_key_from_env() {
        let client = build(&[("AZURE_STORAGE_ACCOUNT", "acct"), ("AZURE_STORAGE_KEY", KEY)]).unwrap();
        assert_eq!(client.endpoint().as_str(), "https://acct.blob.core.windows.net/");
        assert_eq!(client.auth(), AzureAuth::SharedKey { account: "acct".into() });
        let url =
            build(&[("AZURE_STORAGE_ACCOUNT_URL", "https://acct.blob.core.windows.net"), ("AZURE_STORAGE_KEY", KEY)])
                .unwrap();
        assert_eq!(url.account(), "acct");
    }

    #[test]
    fn connection_string_parts_yield_to_explicit_settings() {
        let cs = format!("AccountName=fromcs;AccountKey={KEY};EndpointSuffix=core.windows.net");
        let client = build(&[("AZURE_STORAGE_CONNECTION_STRING", &cs)]).unwrap();
        assert_eq!(client.account(), "fromcs");
        assert_eq!(client.endpoint().as_str(), "https://fromcs.blob.core.windows.net/");
        // A separately set endpoint replaces the connection string's.
        let client = build(&[
            ("AZURE_STORAGE_CONNECTION_STRING", &cs),
            ("AZURE_STORAGE_ACCOUNT_URL", "https://custom.example/fromcs"),
        ])
        .unwrap();
        assert_eq!(client.endpoint().as_str(), "https://custom.example/fromcs");
        assert_eq!(client.account(), "fromcs");
        // `with_*` beats the environment.
        let client =
            AzureBlobClientBuilder::from_env_with(&Env::from_slice(&[("AZURE_STORAGE_CONNECTION_STRING", &cs)]))
                .with_account_key("other", KEY)
                .build()
                .unwrap();
        assert_eq!(client.auth(), AzureAuth::SharedKey { account: "other".into() });
        assert_eq!(client.endpoint().as_str(), "https://fromcs.blob.core.windows.net/");
    }

    #[test]
    fn development_storage_and_emulator_flag() {
        let client = build(&[("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true")]).unwrap();
        assert_eq!(client.endpoint().as_str(), DEVELOPMENT_BLOB_ENDPOINT);
        assert_eq!(client.auth(), AzureAuth::SharedKey { account: DEVELOPMENT_ACCOUNT.into() });
        let client = build(&[("AZURE_STORAGE_USE_EMULATOR", "true")]).unwrap();
        assert_eq!(client.account(), DEVELOPMENT_ACCOUNT);
        assert!(matches!(client.auth(), AzureAuth::SharedKey { .. }));
    }

    #[test]
    fn authorization_precedence() {
        // A key beats a SAS and Entra ID settings.
        let both = [
            ("AZURE_STORAGE_ACCOUNT", "acct"),
            ("AZURE_STORAGE_KEY", KEY),
            ("AZURE_STORAGE_SAS_TOKEN", "?sv=2022-11-02&sig=x"),
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_TENANT_ID", "tenant"),
            ("AZURE_CLIENT_SECRET", "secret"),
        ];
        assert!(matches!(build(&both).unwrap().auth(), AzureAuth::SharedKey { .. }));
        // A SAS beats Entra ID.
        let sas =
            [("AZURE_STORAGE_ACCOUNT", "acct"), ("AZURE_STORAGE_SAS_TOKEN", "sv=x&sig=y"), ("AZURE_CLIENT_ID", "app")];
        assert_eq!(build(&sas).unwrap().auth(), AzureAuth::Sas);
        // Anonymous beats everything but an explicit token credential.
        let anonymous = AzureBlobClientBuilder::from_env_with(&Env::from_slice(&both)).with_anonymous(true).build();
        assert_eq!(anonymous.unwrap().auth(), AzureAuth::Anonymous);
    }

    #[test]
    fn entra_chain_order_follows_the_settings() {
        let account = ("AZURE_STORAGE_ACCOUNT", "acct");
        // Workload identity reads its token file when it is set up.
        let dir = tempfile::tempdir().unwrap();
        let token_file = dir.path().join("azure-identity-token");
        std::fs::write(&token_file, "header.payload.signature").unwrap();
        let token_file = token_file.to_str().unwrap();
        let only_account = build(&[account]).unwrap();
        assert_eq!(only_account.auth(), AzureAuth::Entra(vec![EntraSource::ManagedIdentity, EntraSource::AzureCli]));

        let secret = build(&[
            account,
            ("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_CLIENT_SECRET", "CANARYazureClientSecret2"),
        ])
        .unwrap();
        assert_eq!(
            secret.auth(),
            AzureAuth::Entra(vec![EntraSource::ClientSecret, EntraSource::ManagedIdentity, EntraSource::AzureCli])
        );
        assert!(!format!("{secret:?}").contains("CANARYazureClientSecret2"));

        let workload = build(&[
            account,
            ("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_FEDERATED_TOKEN_FILE", token_file),
        ])
        .unwrap();
        assert_eq!(
            workload.auth(),
            AzureAuth::Entra(vec![EntraSource::WorkloadIdentity, EntraSource::ManagedIdentity, EntraSource::AzureCli])
        );

        let both = build(&[
            account,
            ("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_CLIENT_SECRET", "CANARYazureClientSecret2"),
            ("AZURE_FEDERATED_TOKEN_FILE", token_file),
        ])
        .unwrap();
        assert_eq!(
            both.auth(),
            AzureAuth::Entra(vec![
                EntraSource::ClientSecret,
                EntraSource::WorkloadIdentity,
                EntraSource::ManagedIdentity,
                EntraSource::AzureCli
            ])
        );

        // A client secret without a tenant is not an application: the chain skips it.
        let no_tenant = build(&[account, ("AZURE_CLIENT_ID", "app"), ("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(no_tenant.auth(), AzureAuth::Entra(vec![EntraSource::ManagedIdentity, EntraSource::AzureCli]));
    }

    #[test]
    fn explicit_entra_chain_is_checked() {
        let b = AzureBlobClientBuilder::new().with_account("acct");
        let cli_only = b.clone().with_entra_chain([EntraSource::AzureCli]).build().unwrap();
        assert_eq!(cli_only.auth(), AzureAuth::Entra(vec![EntraSource::AzureCli]));
        let missing_file =
            b.clone().with_workload_identity("72f988bf-86f1-41af-91ab-2d7cd011db47", "app", "/nonexistent/token");
        let err = missing_file.with_entra_chain([EntraSource::WorkloadIdentity]).build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        for chain in [vec![], vec![EntraSource::ClientSecret], vec![EntraSource::WorkloadIdentity]] {
            let err = b.clone().with_entra_chain(chain.clone()).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{chain:?}");
        }
        let bad_tenant = b
            .with_client_secret("not a tenant!", "app", "CANARYazureClientSecret2")
            .with_entra_chain([EntraSource::ClientSecret])
            .build()
            .unwrap_err();
        assert_eq!(bad_tenant.kind(), ErrorKind::InvalidConfig);
        assert!(!bad_tenant.to_string().contains("CANARYazureClientSecret2"), "{bad_tenant}");
    }

    #[test]
    fn tokens_need_https_and_http_needs_consent() {
        let err = AzureBlobClientBuilder::new().with_endpoint("http://127.0.0.1:10000/acct").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.to_string().contains("https"), "{err}");
        let err = AzureBlobClientBuilder::new()
            .with_endpoint("http://127.0.0.1:10000/acct")
            .with_account_key("acct", KEY)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("allow_http"), "{err}");
        let ok = build(&[
            ("AZURE_STORAGE_ACCOUNT_URL", "http://127.0.0.1:10000/acct"),
            ("AZURE_STORAGE_KEY", KEY),
            ("AZURE_STORAGE_ALLOW_HTTP", "true"),
        ])
        .unwrap();
        assert_eq!(ok.account(), "acct");
    }

    #[test]
    fn bad_settings_are_invalid_config() {
        let cases = [
            AzureBlobClientBuilder::new(),
            AzureBlobClientBuilder::new().with_account_key("acct", "not base64!"),
            AzureBlobClientBuilder::new().with_account("acct").with_block_size(0),
            AzureBlobClientBuilder::new().with_account("acct").with_block_size(MAX_BLOCK_SIZE + 1),
            AzureBlobClientBuilder::new().with_account("acct").with_single_put_threshold(MAX_SINGLE_PUT_SIZE + 1),
            AzureBlobClientBuilder::new().with_account("acct").with_upload_concurrency(0),
            AzureBlobClientBuilder::new().with_account("acct").with_config(AzureConfigKey::BlockSize, "big"),
            AzureBlobClientBuilder::new().with_endpoint("ftp://acct.example"),
            AzureBlobClientBuilder::new().with_endpoint("https://acct.blob.core.windows.net/?sig=CANARYsasSigInUrl"),
            AzureBlobClientBuilder::new().with_connection_string("garbage"),
            AzureBlobClientBuilder::new().with_endpoint("https://10.0.0.1/"),
        ];
        for builder in cases {
            let err = builder.clone().build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{builder:?}");
            assert!(!err.to_string().contains("sig=CANARYsasSigInUrl"), "{err}");
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let b = AzureBlobClientBuilder::new()
            .with_account_key("acct", KEY)
            .with_connection_string(format!("AccountName=a;AccountKey={KEY}"))
            .with_client_secret("t", "c", "CANARYclientSecret13")
            .with_sas_token("sv=1&sig=CANARYsasSig1");
        let text = format!("{b:?}");
        for secret in [KEY, "CANARYclientSecret13", "CANARYsasSig1"] {
            assert!(!text.contains(secret), "{text}");
        }
        let client = b.build().unwrap();
        let text = format!("{client:?} {client}");
        assert!(!text.contains(KEY), "{text}");
        for key in [AzureConfigKey::AccessKey, AzureConfigKey::ClientSecret, AzureConfigKey::SasToken] {
            assert_eq!(AzureBlobClientBuilder::new().with_config(key, "x").get_config_value(key), None);
        }
    }
}
