//! The shared storage conformance suite, and `object_store`'s own integration suite through
//! `cloud_core::adapter::BucketStore`, against gcp-storage-emulator (`cargo xtask emulators up gcs`).
//!
//! The client is built the way `from_env` builds it from `STORAGE_EMULATOR_HOST`, so its
//! capabilities declare what the emulator lacks (preconditions on writes, page sizes); an
//! emulator that is not configured or does not answer becomes one failing trial naming the
//! command that starts it.

use std::sync::Arc;

use cloud_core::StorageClient;
use cloud_core::conformance::{Suite, object_store_trials};
use libtest_mimic::{Arguments, Trial};

#[allow(dead_code)]
mod support;

fn main() {
    let args = Arguments::from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let trials = match support::Emulator::load() {
        Ok(emulator) => {
            let client: Arc<dyn StorageClient> = Arc::new(emulator.client());
            let mut trials = object_store_trials("gcs-emulator", &client, &emulator.bucket, runtime.handle());
            trials.extend(Suite::new("gcs-emulator", client, emulator.bucket).trials(runtime.handle()));
            trials
        }
        Err(message) => vec![Trial::test("gcs-emulator::server_is_running", move || Err(message.into()))],
    };
    libtest_mimic::run(&args, trials).exit();
}
