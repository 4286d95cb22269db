//! Running checks: the [`Check`] type, the [`Context`] a check works in, and the [`Suite`] that runs
//! checks in isolation and turns them into `libtest-mimic` trials.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures::FutureExt;

use super::{CheckResult, Failure, ResultExt, storage_checks};
use crate::storage::StorageCapabilities;
use crate::{Error, Result, StorageClient, StorageClientExt};

/// The future a check returns.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = CheckResult> + Send + 'a>>;

/// A check: a function of the client and the context.
pub type CheckFn = for<'a> fn(&'a dyn StorageClient, &'a Context) -> CheckFuture<'a>;

/// One named check.
#[derive(Clone, Copy)]
pub struct Check {
    name: &'static str,
    run: CheckFn,
}

impl Check {
    /// A check named `name` (for trial names: lowercase words joined by `_`).
    pub const fn new(name: &'static str, run: CheckFn) -> Self {
        Self { name, run }
    }

    /// The check's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the check as it is, without preparing or cleaning anything (see [`Suite::run`]).
    pub fn run<'a>(&self, store: &'a dyn StorageClient, ctx: &'a Context) -> CheckFuture<'a> {
        (self.run)(store, ctx)
    }
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Where a check works: a bucket that exists, a key prefix nobody else uses, and the backend's
/// capabilities.
#[derive(Debug, Clone)]
pub struct Context {
    bucket: String,
    prefix: String,
    capabilities: StorageCapabilities,
}

impl Context {
    /// A context; `prefix` should be unique to this run and end with `/`.
    pub fn new(bucket: impl Into<String>, prefix: impl Into<String>, capabilities: StorageCapabilities) -> Self {
        Self { bucket: bucket.into(), prefix: prefix.into(), capabilities }
    }

    /// The bucket to use.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The prefix every key of the check starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The key `name` under the prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The capabilities the checks may rely on.
    pub fn capabilities(&self) -> StorageCapabilities {
        self.capabilities
    }
}

/// Twelve random lowercase hex digits, for prefixes and bucket names.
pub fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// The storage suite for one client: its checks, run in isolation.
#[derive(Debug, Clone)]
pub struct Suite {
    label: String,
    store: Arc<dyn StorageClient>,
    bucket: String,
    capabilities: StorageCapabilities,
}

impl Suite {
    /// The suite for `store`, working in `bucket` (created if missing and the backend can), with
    /// trials named `<label>::<check>`.
    pub fn new(label: impl Into<String>, store: Arc<dyn StorageClient>, bucket: impl Into<String>) -> Self {
        let capabilities = store.capabilities();
        Self { label: label.into(), store, bucket: bucket.into(), capabilities }
    }

    /// Uses these capabilities instead of the client's (to turn off what an emulator lacks).
    #[must_use]
    pub fn with_capabilities(mut self, capabilities: StorageCapabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Applies overrides such as `"presign_put=false,list_page_size=false"`; see
    /// [`apply_capability_overrides`].
    ///
    /// # Errors
    /// `InvalidConfig` for an unknown name or a malformed value.
    pub fn with_capability_overrides(mut self, overrides: &str) -> Result<Self> {
        self.capabilities = apply_capability_overrides(self.capabilities, overrides)?;
        Ok(self)
    }

    /// The capabilities the checks are chosen by.
    pub fn capabilities(&self) -> StorageCapabilities {
        self.capabilities
    }

    /// The checks this suite runs.
    pub fn checks(&self) -> Vec<Check> {
        storage_checks(self.capabilities)
    }

    /// Runs one check under a fresh prefix, then deletes everything under that prefix, whatever
    /// the outcome (a panic in the check becomes a failure).
    ///
    /// # Errors
    /// The check's failure; a failure to prepare the bucket or to clean up.
    pub async fn run(&self, check: &Check) -> CheckResult {
        let store = &*self.store;
        if self.capabilities.create_bucket {
            store.ensure_bucket(&self.bucket).await.step(format!("prepare: ensure bucket {:?}", self.bucket))?;
        } else {
            let exists = store.bucket_exists(&self.bucket).await.step("prepare: check the suite bucket")?;
            ensure!(exists, "prepare: bucket {:?} does not exist and the backend cannot create buckets", self.bucket);
        }
        let ctx = Context::new(self.bucket.clone(), format!("conformance-{}/", random_suffix()), self.capabilities);
        let outcome = AssertUnwindSafe(check.run(store, &ctx)).catch_unwind().await;
        let cleanup = store.delete_prefix(&self.bucket, ctx.prefix()).await;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("a non-string payload");
                Err(Failure::new(format!("the check panicked: {message}")))
            }
        };
        match (outcome, cleanup) {
            (Ok(()), Ok(_)) => Ok(()),
            (Ok(()), Err(e)) => Err(Failure::new(format!("cleanup: deleting prefix {:?} failed: {e}", ctx.prefix()))),
            (Err(failure), Ok(_)) => Err(failure),
            (Err(failure), Err(e)) => Err(Failure::new(format!("{failure} (and cleaning up failed too: {e})"))),
        }
    }

    /// The checks as `libtest-mimic` trials named `<label>::<check>`, each blocking on `runtime`.
    ///
    /// Call it from a test's plain `fn main` (not from inside the runtime).
    pub fn trials(&self, runtime: &tokio::runtime::Handle) -> Vec<libtest_mimic::Trial> {
        self.checks()
            .into_iter()
            .map(|check| {
                let suite = self.clone();
                let runtime = runtime.clone();
                libtest_mimic::Trial::test(format!("{}::{}", self.label, check.name()), move || {
                    runtime.block_on(suite.run(&check)).map_err(libtest_mimic::Failed::from)
                })
                .with_kind("storage")
            })
            .collect()
    }
}

/// The trials a suite would run for `capabilities`, registered as ignored: for live suites whose
/// configuration is missing, so that they show as *ignored* instead of passing silently.
pub fn ignored_trials(label: &str, capabilities: StorageCapabilities) -> Vec<libtest_mimic::Trial> {
    storage_checks(capabilities)
        .into_iter()
        .map(|check| {
            libtest_mimic::Trial::test(format!("{label}::{}", check.name()), || {
                Err(libtest_mimic::Failed::from("an ignored trial was run without its configuration"))
            })
            .with_kind("storage")
            .with_ignored_flag(true)
        })
        .collect()
}

/// Applies comma-separated `name=value` overrides to capabilities.
///
/// Names are the fields of [`StorageCapabilities`]; booleans take `true`/`false`,
/// `presign_max_expiry` takes seconds and `max_object_size` bytes (both also `none`).
///
/// ```
/// use cloud_core::conformance::apply_capability_overrides;
/// use cloud_core::storage::StorageCapabilities;
/// let caps = apply_capability_overrides(StorageCapabilities::default(), "copy=true, max_object_size=1024").unwrap();
/// assert!(caps.copy);
/// assert_eq!(caps.max_object_size, Some(1024));
/// assert!(apply_capability_overrides(caps, "teleport=true").is_err());
/// ```
///
/// # Errors
/// `InvalidConfig` for an unknown name or a malformed value.
pub fn apply_capability_overrides(mut caps: StorageCapabilities, overrides: &str) -> Result<StorageCapabilities> {
    for item in overrides.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, value) = item
            .split_once('=')
            .map(|(n, v)| (n.trim(), v.trim()))
            .ok_or_else(|| Error::invalid_config(format!("capability override {item:?} is not name=value")))?;
        let flag = || {
            value
                .parse::<bool>()
                .map_err(|_| Error::invalid_config(format!("capability {name} takes true or false, not {value:?}")))
        };
        let number = || -> Result<Option<u64>> {
            if value.eq_ignore_ascii_case("none") {
                return Ok(None);
            }
            value
                .parse::<u64>()
                .map(Some)
                .map_err(|_| Error::invalid_config(format!("capability {name} takes a number or none, not {value:?}")))
        };
        match name {
            "list_buckets" => caps.list_buckets = flag()?,
            "create_bucket" => caps.create_bucket = flag()?,
            "copy" => caps.copy = flag()?,
            "range_reads" => caps.range_reads = flag()?,
            "user_metadata" => caps.user_metadata = flag()?,
            "content_type" => caps.content_type = flag()?,
            "list_page_size" => caps.list_page_size = flag()?,
            "presign_get" => caps.presign_get = flag()?,
            "presign_put" => caps.presign_put = flag()?,
            "presign_max_expiry" => caps.presign_max_expiry = number()?.map(std::time::Duration::from_secs),
            "max_object_size" => caps.max_object_size = number()?,
            "put_if_not_exists" => caps.put_if_not_exists = flag()?,
            "put_if_match" => caps.put_if_match = flag()?,
            "if_match" => caps.if_match = flag()?,
            "if_none_match" => caps.if_none_match = flag()?,
            "if_modified_since" => caps.if_modified_since = flag()?,
            "if_unmodified_since" => caps.if_unmodified_since = flag()?,
            "copy_if_not_exists" => caps.copy_if_not_exists = flag()?,
            "list_delimiter" => caps.list_delimiter = flag()?,
            "list_delimiter_multi_char" => caps.list_delimiter_multi_char = flag()?,
            "list_start_after" => caps.list_start_after = flag()?,
            "cache_control" => caps.cache_control = flag()?,
            "content_disposition" => caps.content_disposition = flag()?,
            "content_encoding" => caps.content_encoding = flag()?,
            "content_language" => caps.content_language = flag()?,
            "put_last_writer_wins" => caps.put_last_writer_wins = flag()?,
            other => return Err(Error::invalid_config(format!("unknown capability {other:?}"))),
        }
    }
    Ok(caps)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::MemoryStorage;

    #[test]
    fn overrides_parse_every_field_and_reject_the_rest() {
        let caps = apply_capability_overrides(
            StorageCapabilities::default(),
            "list_buckets=true, create_bucket=true,copy=true,range_reads=true,user_metadata=true,content_type=true,\
             list_page_size=true,presign_get=true,presign_put=true,presign_max_expiry=60,max_object_size=none,\
             put_if_not_exists=true,put_if_match=true,if_match=true,if_none_match=true,if_modified_since=true,\
             if_unmodified_since=true,copy_if_not_exists=true,list_delimiter=true,list_delimiter_multi_char=true,\
             list_start_after=true,cache_control=true,content_disposition=true,content_encoding=true,\
             content_language=true,put_last_writer_wins=true",
        )
        .unwrap();
        assert!(
            caps.put_if_match && caps.if_unmodified_since && caps.list_delimiter_multi_char && caps.content_language
        );
        assert!(caps.put_last_writer_wins);
        assert!(caps.list_buckets && caps.create_bucket && caps.copy && caps.range_reads && caps.presign_put);
        assert_eq!(caps.presign_max_expiry, Some(Duration::from_secs(60)));
        assert_eq!(caps.max_object_size, None);
        for bad in ["copy", "copy=yes", "unknown=true", "max_object_size=big"] {
            let err = apply_capability_overrides(caps, bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidConfig, "{bad}");
        }
        assert_eq!(apply_capability_overrides(caps, " , ").unwrap(), caps);
    }

    #[test]
    fn trials_are_named_after_label_and_check() {
        let store: Arc<dyn StorageClient> = Arc::new(MemoryStorage::new());
        let suite = Suite::new("mem", store, "bucket").with_capability_overrides("copy=false").unwrap();
        assert!(!suite.capabilities().copy);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let trials = suite.trials(runtime.handle());
        assert_eq!(trials.len(), suite.checks().len());
        assert!(trials.iter().any(|t| t.name() == "mem::copy_unsupported"));
        assert!(trials.iter().all(|t| t.name().starts_with("mem::") && !t.has_ignored_flag()));
        let ignored = ignored_trials("live", suite.capabilities());
        assert_eq!(ignored.len(), trials.len());
        assert!(ignored.iter().all(libtest_mimic::Trial::has_ignored_flag));
    }

    #[tokio::test]
    async fn a_missing_bucket_fails_preparation_when_buckets_cannot_be_created() {
        let store: Arc<dyn StorageClient> = Arc::new(MemoryStorage::new());
        let suite = Suite::new("mem", store, "absent").with_capability_overrides("create_bucket=false").unwrap();
        let check = suite.checks()[0];
        let failure = suite.run(&check).await.unwrap_err();
        assert!(failure.message().contains("does not exist"), "{failure}");
    }
}
