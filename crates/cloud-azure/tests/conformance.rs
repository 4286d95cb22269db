//! The shared storage conformance suite, and `object_store`'s own integration suite through
//! `BucketStore`, against Azurite.
//!
//! Azurite is described by the variables `cargo xtask emulators env azure` prints; when it is not
//! configured or does not answer, this is one failing trial naming `cargo xtask emulators up azure`.

use std::sync::Arc;

use cloud_core::conformance::{Suite, object_store_trials};
use libtest_mimic::{Arguments, Trial};

#[allow(dead_code)]
mod support;

fn main() {
    let args = Arguments::from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let trials = match support::Azurite::load() {
        Ok(server) => {
            // Small blocks, so that the suite's larger bodies go up as staged blocks too.
            let client = server
                .builder()
                .with_block_size(256 * 1024)
                .with_single_put_threshold(512 * 1024)
                .build()
                .expect("client for Azurite");
            let client: Arc<dyn cloud_core::StorageClient> = Arc::new(client);
            let mut trials =
                Suite::new("azurite", Arc::clone(&client), server.container.clone()).trials(runtime.handle());
            trials.extend(object_store_trials("azurite", &client, &server.container, runtime.handle()));
            trials
        }
        Err(message) => vec![Trial::test("azurite::server_is_running", move || Err(message.into()))],
    };
    libtest_mimic::run(&args, trials).exit();
}
