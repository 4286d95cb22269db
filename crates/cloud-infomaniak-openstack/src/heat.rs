//! Heat: [`HeatClient`] — orchestration stacks (create, update with preview, delete, suspend,
//! resume), their outputs, resources and events, and template validation.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use cloud_core::poll::{PollState, poll_until};
use cloud_core::stream::{Page, paginate};
use cloud_core::{Error, ErrorKind, Result};
use futures::stream::BoxStream;
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::AuthMethod;
use crate::error::PROVIDER;
use crate::session::{Call, InfomaniakCloud, Service, id_segment};

const PAGE: u32 = 100;

/// How long the waits of [`HeatClient`] allow by default for a stack to settle.
pub const DEFAULT_STACK_TIMEOUT: Duration = Duration::from_secs(1800);

/// What to say when Heat needs password authentication.
const NEEDS_PASSWORD: &str = "Heat needs a session authenticated with a password: it stores a trust for the \
                              stack, and application credentials cannot create trusts. Connect with \
                              InfomaniakConfig::password (or a clouds.yaml cloud with username and password) \
                              for orchestration";

/// Orchestration stacks (Heat v1) of one session.
///
/// Creating, updating, suspending, resuming and deleting a stack wait (through
/// [`cloud_core::poll`], at most [`DEFAULT_STACK_TIMEOUT`], see [`with_timeout`](Self::with_timeout))
/// until Heat reports the action `COMPLETE`; `…_FAILED` is `Service` with Heat's reason.
/// A stack is named by its name or id everywhere.
///
/// Heat keeps a trust for every stack it creates, and application credentials cannot create
/// trusts: creating or updating a stack with a session authenticated by application credential is
/// `InvalidConfig` before anything is sent, saying to connect with a password instead. Reading
/// stacks works with any session.
///
/// ```no_run
/// # async fn run(cloud: cloud_infomaniak_openstack::InfomaniakCloud) -> cloud_core::Result<()> {
/// use cloud_infomaniak_openstack::CreateStack;
///
/// let heat = cloud.heat();
/// let template = "heat_template_version: 2021-04-16\nresources:\n  token:\n    type: OS::Heat::RandomString\n";
/// let stack = heat.create_stack(&CreateStack::new("demo", template).timeout_mins(10)).await?;
/// println!("{} {}", stack.stack_name, stack.stack_status);
/// heat.delete_stack("demo").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HeatClient {
    session: InfomaniakCloud,
    timeout: Duration,
}

impl fmt::Debug for HeatClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeatClient").field("session", &self.session).field("timeout", &self.timeout).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Models (also the wire format: Heat's field names)

/// An output of a stack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct StackOutput {
    /// Its key.
    pub output_key: String,
    /// Its value (`None` until the stack is created, or when it failed).
    #[serde(default)]
    pub output_value: Option<Value>,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Why it has no value, when it failed.
    #[serde(default)]
    pub output_error: Option<String>,
}

/// A stack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Stack {
    /// Its id.
    pub id: String,
    /// Its name.
    pub stack_name: String,
    /// `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `UPDATE_COMPLETE`, `SUSPEND_COMPLETE`, `…_FAILED` …
    pub stack_status: String,
    /// Heat's explanation of the status.
    #[serde(default)]
    pub stack_status_reason: Option<String>,
    /// The template's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Its parameters (Heat's own `OS::…` ones included), as text.
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
    /// Its outputs (only from [`HeatClient::get_stack`]; listings leave them out).
    #[serde(default)]
    pub outputs: Vec<StackOutput>,
    /// When it was created.
    #[serde(default)]
    pub creation_time: Option<String>,
    /// When it was last updated.
    #[serde(default)]
    pub updated_time: Option<String>,
    /// Its timeout in minutes.
    #[serde(default)]
    pub timeout_mins: Option<u32>,
    /// Whether a failed creation is left as it is (no rollback).
    #[serde(default)]
    pub disable_rollback: Option<bool>,
}

impl Stack {
    /// The outputs as `key → value` (outputs without a value left out).
    pub fn output_values(&self) -> BTreeMap<String, Value> {
        self.outputs.iter().filter_map(|o| Some((o.output_key.clone(), o.output_value.clone()?))).collect()
    }
}

/// A resource of a stack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct StackResource {
    /// Its name in the template.
    pub resource_name: String,
    /// Its type (`OS::Nova::Server` …).
    pub resource_type: String,
    /// `CREATE_COMPLETE` …
    pub resource_status: String,
    /// Heat's explanation of the status.
    #[serde(default)]
    pub resource_status_reason: Option<String>,
    /// The id of what it made in the cloud.
    #[serde(default)]
    pub physical_resource_id: Option<String>,
    /// Its attributes (only from [`HeatClient::get_stack_resource`]).
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
    /// When it last changed.
    #[serde(default)]
    pub updated_time: Option<String>,
}

/// An event of a stack.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct StackEvent {
    /// Its id.
    pub id: String,
    /// The resource it is about (the stack's own name for the stack's events).
    pub resource_name: String,
    /// The status the resource went to.
    pub resource_status: String,
    /// Heat's explanation.
    #[serde(default)]
    pub resource_status_reason: Option<String>,
    /// When it happened.
    pub event_time: String,
    /// The id of what the resource made in the cloud.
    #[serde(default)]
    pub physical_resource_id: Option<String>,
}

/// What an update would do: [`HeatClient::preview_update_stack`] (resource names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdatePreview {
    /// Resources that would be added.
    pub added: Vec<String>,
    /// Resources that would be deleted.
    pub deleted: Vec<String>,
    /// Resources that would be replaced.
    pub replaced: Vec<String>,
    /// Resources that would be updated in place.
    pub updated: Vec<String>,
    /// Resources left as they are.
    pub unchanged: Vec<String>,
}

/// A template Heat accepted: [`HeatClient::validate_template`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ValidatedTemplate {
    /// Its description.
    #[serde(default, rename = "Description")]
    pub description: String,
    /// Its parameters, as Heat describes them (type, default, label, constraints …).
    #[serde(default, rename = "Parameters")]
    pub parameters: BTreeMap<String, Value>,
}

/// Where a template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Template {
    /// The template itself (YAML or JSON).
    Body(String),
    /// A URL Heat fetches the template from.
    Url(String),
}

impl Template {
    /// A template read from a file.
    ///
    /// # Errors
    /// `InvalidInput` when the file cannot be read.
    pub async fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        tokio::fs::read_to_string(path).await.map(Self::Body).map_err(|e| {
            Error::invalid_input(format!("cannot read the template {}: {e}", path.display())).with_provider(PROVIDER)
        })
    }

    fn check(&self) -> Result<()> {
        match self {
            Self::Body(body) if body.trim().is_empty() => Err(invalid("the template is empty")),
            Self::Url(url) => match url::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
                _ => Err(invalid(format!("{url:?} is not an http(s) URL"))),
            },
            Self::Body(_) => Ok(()),
        }
    }
}

/// A stack to create ([`HeatClient::create_stack`]) or the new state of one
/// ([`HeatClient::update_stack`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateStack {
    /// The name.
    pub name: String,
    /// The template.
    pub template: Template,
    /// Parameter values.
    pub parameters: BTreeMap<String, String>,
    /// An environment (YAML or JSON: `parameters`, `parameter_defaults`, `resource_registry`).
    pub environment: Option<String>,
    /// The stack's timeout in minutes (Heat's default, 60, unless set).
    pub timeout_mins: Option<u32>,
    /// Keep what a failed creation made (Heat rolls back by default).
    pub disable_rollback: bool,
}

impl CreateStack {
    /// A stack `name` from `template` (YAML or JSON text).
    pub fn new(name: &str, template: &str) -> Self {
        Self::with_template(name, Template::Body(template.to_owned()))
    }

    /// A stack `name` from any [`Template`].
    pub fn with_template(name: &str, template: Template) -> Self {
        Self {
            name: name.to_owned(),
            template,
            parameters: BTreeMap::new(),
            environment: None,
            timeout_mins: None,
            disable_rollback: false,
        }
    }

    /// Sets a parameter.
    #[must_use]
    pub fn parameter(mut self, key: &str, value: impl Into<String>) -> Self {
        self.parameters.insert(key.to_owned(), value.into());
        self
    }

    /// Sets the environment.
    #[must_use]
    pub fn environment(mut self, environment: &str) -> Self {
        self.environment = Some(environment.to_owned());
        self
    }

    /// Sets the timeout.
    #[must_use]
    pub fn timeout_mins(mut self, minutes: u32) -> Self {
        self.timeout_mins = Some(minutes);
        self
    }

    /// Keeps what a failed creation made instead of rolling back.
    #[must_use]
    pub fn disable_rollback(mut self, disable: bool) -> Self {
        self.disable_rollback = disable;
        self
    }

    fn check(&self) -> Result<()> {
        let ok = self.name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && self.name.len() <= 255
            && self.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            return Err(invalid(format!(
                "{:?} is not a stack name (a letter, then letters, digits, `_`, `-` or `.`)",
                self.name
            )));
        }
        if self.timeout_mins == Some(0) {
            return Err(invalid("a stack timeout must be at least one minute"));
        }
        self.template.check()
    }

    fn body(&self, with_name: bool) -> StackBody<'_> {
        let (template, template_url) = match &self.template {
            Template::Body(t) => (Some(t.as_str()), None),
            Template::Url(u) => (None, Some(u.as_str())),
        };
        StackBody {
            stack_name: with_name.then_some(self.name.as_str()),
            template,
            template_url,
            parameters: &self.parameters,
            environment: self.environment.as_deref(),
            timeout_mins: self.timeout_mins,
            disable_rollback: with_name.then_some(self.disable_rollback),
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_input(message.into()).with_provider(PROVIDER)
}

#[derive(Serialize)]
struct StackBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    stack_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_url: Option<&'a str>,
    parameters: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_mins: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disable_rollback: Option<bool>,
}

#[derive(Serialize)]
struct ValidateBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'a str>,
}

#[derive(Deserialize)]
struct StackWrapper {
    stack: Stack,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct CreatedWrapper {
    stack: Created,
}

#[derive(Deserialize)]
struct StackList {
    stacks: Vec<Stack>,
}

#[derive(Deserialize)]
struct ResourceList {
    resources: Vec<StackResource>,
}

#[derive(Deserialize)]
struct ResourceWrapper {
    resource: StackResource,
}

#[derive(Deserialize)]
struct EventList {
    events: Vec<StackEvent>,
}

#[derive(Deserialize)]
struct PreviewWrapper {
    resource_changes: PreviewChanges,
}

#[derive(Deserialize, Default)]
struct PreviewChanges {
    #[serde(default)]
    added: Vec<NamedResource>,
    #[serde(default)]
    deleted: Vec<NamedResource>,
    #[serde(default)]
    replaced: Vec<NamedResource>,
    #[serde(default)]
    updated: Vec<NamedResource>,
    #[serde(default)]
    unchanged: Vec<NamedResource>,
}

#[derive(Deserialize)]
struct NamedResource {
    resource_name: String,
}

fn names(list: Vec<NamedResource>) -> Vec<String> {
    list.into_iter().map(|r| r.resource_name).collect()
}

/// Heat's name for "no body" in an action: `{"suspend": null}`.
fn action(name: &str) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(name.to_owned(), Value::Null);
    Value::Object(map)
}

impl HeatClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session, timeout: DEFAULT_STACK_TIMEOUT }
    }

    /// The same client waiting at most `timeout` for a stack to settle.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    fn call(&self, method: Method, path: impl Into<String>) -> Call<'_> {
        self.session.request(Service::Orchestration, method, path)
    }

    /// `InvalidConfig` naming the fix when the session cannot make Heat create a trust.
    fn check_can_create_trusts(&self, operation: &'static str) -> Result<()> {
        match self.session.config().auth() {
            AuthMethod::ApplicationCredential { .. } => {
                Err(Error::invalid_config(NEEDS_PASSWORD).with_provider(PROVIDER).with_operation(operation))
            }
            _ => Ok(()),
        }
    }

    /// `stacks/{name}/{id}` of a stack given by name or id.
    async fn stack_path(&self, stack: &str) -> Result<String> {
        let found = self.get_stack(stack).await?;
        Ok(format!("stacks/{}/{}", id_segment("stack name", &found.stack_name)?, id_segment("stack id", &found.id)?))
    }

    // --- stacks ----------------------------------------------------------------------------

    /// Every stack of the project (compatibility name `list_stacks`); outputs are not part of
    /// listings.
    pub fn list_stacks(&self) -> BoxStream<'static, Result<Stack>> {
        let this = self.clone();
        paginate(move |marker: Option<String>| {
            let this = this.clone();
            async move {
                let list: StackList = this
                    .call(Method::GET, "stacks")
                    .operation("list_stacks")
                    .query("limit", PAGE.to_string())
                    .query_opt("marker", marker)
                    .send()
                    .await?
                    .json()?;
                let next =
                    if list.stacks.len() as u32 >= PAGE { list.stacks.last().map(|s| s.id.clone()) } else { None };
                Ok(Page::new(list.stacks, next))
            }
        })
    }

    /// One stack by name or id, with its parameters and outputs (compatibility name
    /// `get_stack`).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_stack(&self, stack: &str) -> Result<Stack> {
        let path = format!("stacks/{}", id_segment("stack", stack)?);
        let found: StackWrapper = self.call(Method::GET, path).operation("get_stack").send().await?.json()?;
        Ok(found.stack)
    }

    /// The outputs of a stack as `key → value` (compatibility name `get_stack_outputs`).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_stack_outputs(&self, stack: &str) -> Result<BTreeMap<String, Value>> {
        Ok(self.get_stack(stack).await?.output_values())
    }

    /// The template a stack was made from, as Heat stores it (compatibility name
    /// `get_stack_template`).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get_stack_template(&self, stack: &str) -> Result<Value> {
        let path = format!("{}/template", self.stack_path(stack).await?);
        self.call(Method::GET, path).operation("get_stack_template").send().await?.json()
    }

    /// Creates a stack and waits until it is `CREATE_COMPLETE` (compatibility names
    /// `create_stack`, and `create_stack_from_file` with [`Template::from_file`]).
    ///
    /// # Errors
    /// `InvalidConfig` for a session authenticated by application credential (before sending);
    /// `InvalidInput` for a bad name or empty template (before sending) and for a template Heat
    /// refuses (with Heat's message); `AlreadyExists` for a name in use; `Service` with Heat's
    /// reason when the creation fails; `Timeout`.
    pub async fn create_stack(&self, request: &CreateStack) -> Result<Stack> {
        request.check()?;
        self.check_can_create_trusts("create_stack")?;
        let created: CreatedWrapper = self
            .call(Method::POST, "stacks")
            .operation("create_stack")
            .json(&request.body(true))
            .send()
            .await?
            .json()?;
        let path = format!(
            "stacks/{}/{}",
            id_segment("stack name", &request.name)?,
            id_segment("stack id", &created.stack.id)?
        );
        self.wait(&path, "CREATE").await
    }

    /// Replaces a stack's template, parameters and environment and waits until it is
    /// `UPDATE_COMPLETE` (compatibility name `update_stack`).
    ///
    /// # Errors
    /// As [`create_stack`](Self::create_stack); `NotFound`.
    pub async fn update_stack(&self, stack: &str, request: &CreateStack) -> Result<Stack> {
        request.template.check()?;
        self.check_can_create_trusts("update_stack")?;
        let path = self.stack_path(stack).await?;
        self.call(Method::PUT, path.clone()).operation("update_stack").json(&request.body(false)).send().await?;
        self.wait(&path, "UPDATE").await
    }

    /// What [`update_stack`](Self::update_stack) would do, without doing it.
    ///
    /// # Errors
    /// As [`update_stack`](Self::update_stack).
    pub async fn preview_update_stack(&self, stack: &str, request: &CreateStack) -> Result<UpdatePreview> {
        request.template.check()?;
        let path = format!("{}/preview", self.stack_path(stack).await?);
        let preview: PreviewWrapper = self
            .call(Method::PUT, path)
            .operation("preview_update_stack")
            .json(&request.body(false))
            .send()
            .await?
            .json()?;
        let c = preview.resource_changes;
        Ok(UpdatePreview {
            added: names(c.added),
            deleted: names(c.deleted),
            replaced: names(c.replaced),
            updated: names(c.updated),
            unchanged: names(c.unchanged),
        })
    }

    /// Deletes a stack and waits until it is gone (compatibility name `delete_stack`).
    ///
    /// # Errors
    /// `NotFound`; `Service` with Heat's reason when the deletion fails; `Timeout`.
    pub async fn delete_stack(&self, stack: &str) -> Result<()> {
        let path = self.stack_path(stack).await?;
        self.call(Method::DELETE, path.clone()).operation("delete_stack").send().await?;
        poll_until(format!("stack {stack} (waiting until deleted)"), self.timeout, || {
            let path = path.clone();
            async move {
                match self.call(Method::GET, path).operation("delete_stack").send().await {
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(PollState::Ready(())),
                    Err(e) => Err(e),
                    Ok(answer) => {
                        let found: StackWrapper = answer.json()?;
                        settled(found.stack, "DELETE").map(|s| match s {
                            PollState::Ready(_) => PollState::Ready(()),
                            PollState::Pending(p) => PollState::Pending(p),
                        })
                    }
                }
            }
        })
        .await
        .map_err(with_provider)
    }

    /// Suspends a stack and waits until it is `SUSPEND_COMPLETE` (compatibility name
    /// `suspend_stack`).
    ///
    /// # Errors
    /// `NotFound`; `Service` when the suspension fails.
    pub async fn suspend_stack(&self, stack: &str) -> Result<Stack> {
        self.act(stack, "suspend", "SUSPEND").await
    }

    /// Resumes a suspended stack and waits until it is `RESUME_COMPLETE` (compatibility name
    /// `resume_stack`).
    ///
    /// # Errors
    /// `NotFound`; `Service` when resuming fails.
    pub async fn resume_stack(&self, stack: &str) -> Result<Stack> {
        self.act(stack, "resume", "RESUME").await
    }

    async fn act(&self, stack: &str, name: &str, heat_action: &str) -> Result<Stack> {
        let path = self.stack_path(stack).await?;
        let operation = if name == "suspend" { "suspend_stack" } else { "resume_stack" };
        self.call(Method::POST, format!("{path}/actions")).operation(operation).json(&action(name)).send().await?;
        self.wait(&path, heat_action).await
    }

    /// Waits until the stack's `action` (`CREATE`, `UPDATE` …) is `COMPLETE`.
    async fn wait(&self, path: &str, heat_action: &str) -> Result<Stack> {
        poll_until(format!("{path} (waiting for {heat_action}_COMPLETE)"), self.timeout, || async move {
            let found: StackWrapper = self.call(Method::GET, path).operation("wait_for_stack").send().await?.json()?;
            settled(found.stack, heat_action)
        })
        .await
        .map_err(with_provider)
    }

    // --- resources and events --------------------------------------------------------------

    /// The resources of a stack (compatibility name `list_stack_resources`).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn list_stack_resources(&self, stack: &str) -> Result<Vec<StackResource>> {
        let path = format!("{}/resources", self.stack_path(stack).await?);
        let list: ResourceList = self.call(Method::GET, path).operation("list_stack_resources").send().await?.json()?;
        Ok(list.resources)
    }

    /// One resource of a stack, with its attributes (compatibility name `get_stack_resource`).
    ///
    /// # Errors
    /// `NotFound` for a missing stack or resource.
    pub async fn get_stack_resource(&self, stack: &str, resource_name: &str) -> Result<StackResource> {
        let path =
            format!("{}/resources/{}", self.stack_path(stack).await?, id_segment("resource name", resource_name)?);
        let found: ResourceWrapper =
            self.call(Method::GET, path).operation("get_stack_resource").send().await?.json()?;
        Ok(found.resource)
    }

    /// The events of a stack, oldest first, or of one of its resources (compatibility name
    /// `list_stack_events`).
    ///
    /// # Errors
    /// `NotFound` for a missing stack or resource.
    pub async fn list_stack_events(&self, stack: &str, resource_name: Option<&str>) -> Result<Vec<StackEvent>> {
        let base = self.stack_path(stack).await?;
        let path = match resource_name {
            Some(r) => format!("{base}/resources/{}/events", id_segment("resource name", r)?),
            None => format!("{base}/events"),
        };
        let mut events = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let list: EventList = self
                .call(Method::GET, path.clone())
                .operation("list_stack_events")
                .query("limit", PAGE.to_string())
                .query("sort_dir", "asc")
                .query_opt("marker", marker.take())
                .send()
                .await?
                .json()?;
            let full = list.events.len() as u32 >= PAGE;
            marker = list.events.last().map(|e| e.id.clone()).filter(|_| full);
            events.extend(list.events);
            if marker.is_none() {
                return Ok(events);
            }
        }
    }

    // --- templates -------------------------------------------------------------------------

    /// Checks a template (and an environment) with Heat (compatibility name
    /// `validate_template`).
    ///
    /// # Errors
    /// `InvalidInput` with Heat's message for a template it refuses.
    pub async fn validate_template(&self, template: &Template, environment: Option<&str>) -> Result<ValidatedTemplate> {
        template.check()?;
        let (body, url) = match template {
            Template::Body(t) => (Some(t.as_str()), None),
            Template::Url(u) => (None, Some(u.as_str())),
        };
        let request = ValidateBody { template: body, template_url: url, environment };
        self.call(Method::POST, "validate").operation("validate_template").json(&request).send().await?.json()
    }
}

/// Whether `stack`'s `heat_action` is over: `COMPLETE` is ready, `FAILED` is `Service` with
/// Heat's reason.
fn settled(stack: Stack, heat_action: &str) -> Result<PollState<Stack>> {
    let status = stack.stack_status.clone();
    if status == format!("{heat_action}_COMPLETE") {
        return Ok(PollState::Ready(stack));
    }
    if status.ends_with("_FAILED") || (status.starts_with("ROLLBACK") && status.ends_with("_COMPLETE")) {
        let reason = stack.stack_status_reason.unwrap_or_default();
        return Err(Error::new(ErrorKind::Service, format!("stack {} is {status}: {reason}", stack.stack_name))
            .with_provider(PROVIDER));
    }
    Ok(PollState::Pending(status))
}

fn with_provider(e: Error) -> Error {
    if e.provider().is_none() { e.with_provider(PROVIDER) } else { e }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(status: &str) -> Stack {
        serde_json::from_value(serde_json::json!({
            "id": "i", "stack_name": "s", "stack_status": status, "stack_status_reason": "because",
            "outputs": [{"output_key": "a", "output_value": 1}, {"output_key": "b", "output_value": null}]
        }))
        .unwrap()
    }

    #[test]
    fn statuses_settle_on_complete_and_fail_on_failed() {
        assert!(matches!(settled(stack("CREATE_COMPLETE"), "CREATE").unwrap(), PollState::Ready(_)));
        assert!(matches!(settled(stack("CREATE_IN_PROGRESS"), "CREATE").unwrap(), PollState::Pending(_)));
        let failed = settled(stack("CREATE_FAILED"), "CREATE").unwrap_err();
        assert_eq!(failed.kind(), ErrorKind::Service);
        assert!(failed.message().contains("because"));
        assert_eq!(settled(stack("ROLLBACK_COMPLETE"), "CREATE").unwrap_err().kind(), ErrorKind::Service);
        assert_eq!(stack("X").output_values(), BTreeMap::from([("a".to_owned(), serde_json::json!(1))]));
    }

    #[test]
    fn requests_are_checked_and_shaped_for_heat() {
        for bad in [
            CreateStack::new("1abc", "x: 1"),
            CreateStack::new("a b", "x: 1"),
            CreateStack::new("ok", "  "),
            CreateStack::new("ok", "x: 1").timeout_mins(0),
            CreateStack::with_template("ok", Template::Url("file:///etc/passwd".into())),
        ] {
            assert_eq!(bad.check().unwrap_err().kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
        let request = CreateStack::new("ok", "t").parameter("n", "3").timeout_mins(5).disable_rollback(true);
        assert_eq!(
            serde_json::to_value(request.body(true)).unwrap(),
            serde_json::json!({"stack_name": "ok", "template": "t", "parameters": {"n": "3"},
                               "timeout_mins": 5, "disable_rollback": true})
        );
        assert_eq!(
            serde_json::to_value(request.body(false)).unwrap(),
            serde_json::json!({"template": "t", "parameters": {"n": "3"}, "timeout_mins": 5})
        );
        assert_eq!(action("suspend"), serde_json::json!({"suspend": null}));
    }
}
