//! Functions: the Python library's [`ServerlessClient`] contract, typed. No provider implements it yet.

use std::fmt::{Debug, Display};
use std::path::PathBuf;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

use crate::{CloudProvider, Result};

/// A deployed function.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionInfo {
    /// Its name.
    pub name: String,
    /// Its runtime (`python3.12`, `nodejs22.x` …).
    pub runtime: Option<String>,
    /// Its entry point.
    pub handler: Option<String>,
}

impl FunctionInfo {
    /// A function with only its name known.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), runtime: None, handler: None }
    }
}

/// What to deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateFunctionRequest {
    /// The function's name.
    pub name: String,
    /// Its runtime.
    pub runtime: String,
    /// Its entry point.
    pub handler: String,
    /// The code archive to upload.
    pub code_path: PathBuf,
}

impl CreateFunctionRequest {
    /// A request from the Python library's four arguments.
    pub fn new(
        name: impl Into<String>,
        runtime: impl Into<String>,
        handler: impl Into<String>,
        code_path: impl Into<PathBuf>,
    ) -> Self {
        Self { name: name.into(), runtime: runtime.into(), handler: handler.into(), code_path: code_path.into() }
    }
}

/// Functions of one provider.
#[async_trait]
pub trait ServerlessClient: Debug + Display + Send + Sync + 'static {
    /// The provider behind this client.
    fn provider(&self) -> CloudProvider;

    /// Every function.
    ///
    /// # Errors
    /// `Unauthenticated`, `PermissionDenied`, transport kinds.
    fn list_functions(&self) -> BoxStream<'static, Result<FunctionInfo>>;

    /// Invokes a function with a payload and returns its answer.
    ///
    /// # Errors
    /// `NotFound` for an unknown function; `Service` if it failed.
    async fn invoke_function(&self, name: &str, payload: Bytes) -> Result<Bytes>;

    /// Deploys a function.
    ///
    /// # Errors
    /// `AlreadyExists`; `InvalidInput`.
    async fn create_function(&self, request: CreateFunctionRequest) -> Result<FunctionInfo>;

    /// Deletes a function.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete_function(&self, name: &str) -> Result<()>;
}
