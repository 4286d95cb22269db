//! The shared storage conformance suite on Swift, authenticated by Keystone with an application
//! credential: small objects as plain PUTs, large ones (above a 4 MiB threshold here) as SLOs.

mod common;

use std::sync::Arc;

use cloud_core::conformance::Suite;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a Tokio runtime");
    let trials = match runtime.block_on(connect()) {
        Ok(swift) => Suite::new("swift", Arc::new(swift), "cloud-test-conformance").trials(runtime.handle()),
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
