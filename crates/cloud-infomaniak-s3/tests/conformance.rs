//! The shared storage conformance suite through the Infomaniak preset, against Swift's `s3api`
//! (the gateway Infomaniak's S3 runs on) with the endpoint overridden.

use std::sync::Arc;

use cloud_core::conformance::Suite;
use libtest_mimic::{Arguments, Trial};

#[allow(dead_code)]
mod support;

fn main() {
    let args = Arguments::from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let trials = match support::Swift::load() {
        Ok(swift) => Suite::new("swift-s3api", Arc::new(swift.client()), swift.bucket).trials(runtime.handle()),
        Err(message) => vec![Trial::test("swift-s3api::server_is_running", move || Err(message.into()))],
    };
    libtest_mimic::run(&args, trials).exit();
}
