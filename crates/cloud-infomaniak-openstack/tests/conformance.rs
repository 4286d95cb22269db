//! The shared storage conformance suite, and `object_store`'s own integration suite through
//! `BucketStore`, on Swift, authenticated by Keystone with an application
//! credential: small objects as plain PUTs, large ones (above a 4 MiB threshold here) as SLOs.

mod common;

use std::sync::Arc;

use cloud_core::StorageClientExt;
use cloud_core::conformance::{Suite, object_store_trials};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a Tokio runtime");
    let trials = match runtime.block_on(connect()) {
        Ok(swift) => {
            let client: Arc<dyn cloud_core::StorageClient> = Arc::new(swift);
            let suite = Suite::new("swift", Arc::clone(&client), "cloud-test-conformance");
            // The suite's first check creates the bucket; the `object_store` trials need it first.
            let ready = runtime.block_on(client.ensure_bucket("cloud-test-conformance"));
            let mut trials = suite.trials(runtime.handle());
            match ready {
                Ok(_) => {
                    trials.extend(object_store_trials("swift", &client, "cloud-test-conformance", runtime.handle()));
                }
                Err(e) => {
                    trials.push(Trial::test("swift::object_store_setup", move || Err(Failed::from(e.to_string()))));
                }
            }
            trials
        }
        Err(message) => vec![Trial::test("swift_conformance_setup", move || Err(Failed::from(message)))],
    };
    libtest_mimic::run(&args, trials).exit();
}

async fn connect() -> Result<cloud_infomaniak_openstack::SwiftClient, String> {
    let result = tokio::spawn(async {
        let session = common::session().await;
        session.swift().with_large_object_threshold(4 << 20).with_segment_size(2 << 20)
    })
    .await;
    result.map_err(|e| {
        let panic = e.into_panic();
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| format!("cannot connect: {}", common::HOW))
    })
}
