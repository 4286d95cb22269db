//! The storage conformance suite on the local backends: `LocalStorage` in a temporary directory
//! and `MemoryStorage`.

use std::sync::Arc;

use cloud_core::conformance::Suite;
use cloud_core::{LocalStorage, MemoryStorage};

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a Tokio runtime");
    let root = tempfile::tempdir().expect("a temporary directory");
    let local = LocalStorage::new(root.path()).expect("LocalStorage in a temporary directory");

    let mut trials = Suite::new("local", Arc::new(local), "conformance").trials(runtime.handle());
    trials.extend(Suite::new("memory", Arc::new(MemoryStorage::new()), "conformance").trials(runtime.handle()));

    let conclusion = libtest_mimic::run(&args, trials);
    drop(root);
    conclusion.exit();
}
