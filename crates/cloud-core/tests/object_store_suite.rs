//! `object_store`'s own integration suite through `BucketStore`, over `LocalStorage` in a temporary
//! directory and `MemoryStorage`.

use std::sync::Arc;

use cloud_core::conformance::object_store_trials;
use cloud_core::{LocalStorage, MemoryStorage, StorageClient, StorageClientExt};

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a Tokio runtime");
    let root = tempfile::tempdir().expect("a temporary directory");
    let local: Arc<dyn StorageClient> = Arc::new(LocalStorage::new(root.path()).expect("LocalStorage"));
    let memory: Arc<dyn StorageClient> = Arc::new(MemoryStorage::new());
    for store in [&local, &memory] {
        runtime.block_on(store.ensure_bucket("lake")).expect("the bucket");
    }
    let mut trials = object_store_trials("local", &local, "lake", runtime.handle());
    trials.extend(object_store_trials("memory", &memory, "lake", runtime.handle()));
    let conclusion = libtest_mimic::run(&args, trials);
    drop(root);
    conclusion.exit();
}
