//! A short seeded soak of every storage backend through the fault proxy (the full run is
//! `cargo xtask soak`): nothing acknowledged may be lost, nothing partial may be visible,
//! nothing may hang, nothing unexpected may be left behind. A server that is not running fails
//! the test, naming the command that starts it.

use cloud_soak::{Settings, run, target};

/// Operations per backend: a few hundred, so that all five together take a minute or two.
const OPS: usize = 300;
/// The random seed: the same operations and faults on every run.
const SEED: u64 = 18;

async fn soak(backend: &str) {
    let target = target(backend).await.unwrap_or_else(|message| panic!("{message}"));
    let report = run(&target, &Settings::new(OPS, SEED)).await.unwrap_or_else(|message| panic!("{backend}: {message}"));
    println!("{report}");
    assert_eq!(report.operations(), OPS as u64, "{report}");
    assert!(report.faults_injected() > 0, "no fault was injected:\n{report}");
    assert!(report.acknowledged_writes > 0 && report.checked > 0, "nothing was written and read back:\n{report}");
    assert!(report.passed(), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3s_fs_keeps_every_acknowledged_write() {
    soak("s3s-fs").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_keeps_every_acknowledged_write() {
    soak("moto").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn azurite_keeps_every_acknowledged_write() {
    soak("azurite").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gcs_keeps_every_acknowledged_write() {
    soak("gcs").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn swift_keeps_every_acknowledged_write() {
    soak("swift").await;
}
