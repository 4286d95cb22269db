//! The shared storage conformance suite against gcp-storage-emulator
//! (`cargo xtask emulators up gcs`).
//!
//! The client is built the way `from_env` builds it from `STORAGE_EMULATOR_HOST`, so its
//! capabilities declare what the emulator lacks (preconditions on writes, page sizes); an
//! emulator that is not configured or does not answer becomes one failing trial naming the
//! command that starts it.

use std::sync::Arc;

use cloud_core::conformance::Suite;
use libtest_mimic::{Arguments, Trial};

#[allow(dead_code)]
mod support;

fn main() {
    let args = Arguments::from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let trials = match support::Emulator::load() {
        Ok(emulator) => {
            Suite::new("gcs-emulator", Arc::new(emulator.client()), emulator.bucket).trials(runtime.handle())
        }
        Err(message) => vec![Trial::test("gcs-emulator::server_is_running", move || Err(message.into()))],
    };
    libtest_mimic::run(&args, trials).exit();
}
