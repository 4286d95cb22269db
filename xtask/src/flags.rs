//! Command-line flags of `cargo xtask`, declared with `xflags`.
#![allow(unreachable_pub, missing_docs, clippy::use_self)]

use std::path::PathBuf;

xflags::xflags! {
    /// Development tasks of the cloud workspace.
    cmd xtask {
        /// Run everything CI checks: fmt, clippy, tidy, codegen --check, local servers, nextest,
        /// doctests, dependency rules and cargo deny.
        cmd test {
            /// Do not start local servers (tests that need them will fail).
            optional --no-emulators
            /// Start only these servers (comma-separated names; default: every suite's servers).
            optional --emulators names: String
            /// Skip fmt, clippy, tidy, codegen and deny: only run the tests.
            optional --quick
            /// Extra arguments for nextest (a test filter, say).
            repeated filters: String
        }
        /// Build and run an example too heavy for `test` against local servers, and check its
        /// output: `datafusion` (DataFusion SQL over CSV and Parquet files in Swift).
        cmd example {
            required name: String
        }
        /// Benchmark our storage clients against the raw vendor SDK and the tools people use
        /// instead (release build; tables printed and written to docs/benchmarks.md).
        cmd bench {
            /// Small sizes, one round, debug build, nothing written (part of `cargo xtask test`).
            optional --quick
            /// The size of the transferred object in MiB (default 1024).
            optional --size-mib size_mib: u64
            /// Rounds per comparison (default 3).
            optional --rounds rounds: usize
            /// Keys of the listing comparison (default 100000).
            optional --keys keys: usize
        }
        /// Soak the storage clients under random faults through the fault proxy: mixed operations
        /// per backend, every acknowledged write read back; prints a report, fails on a lost or
        /// corrupt write, a hang or an unexpected leftover.
        cmd soak {
            /// Operations per backend (default 10000).
            optional --ops ops: usize
            /// The seed of every random choice (default 1).
            optional --seed seed: u64
            /// The share of operations that meet a fault (default 0.15).
            optional --fault-rate fault_rate: f64
            /// Backends to soak (comma-separated or repeated; default: s3s-fs, moto, azurite, gcs, swift).
            repeated --backend backend: String
        }
        /// Run the named sections of the benchmark and rewrite only their part of
        /// docs/benchmarks.md: s3, swift, azure, gcs, small, list, rss, budgets, build (`build`: clean
        /// builds of cloud-coda and of the whole facade).
        cmd bench-only {
            repeated sections: String
            /// Small sizes, one round, debug build, nothing written.
            optional --quick
            /// The size of the transferred object in MiB (default 1024; rss: 4096).
            optional --size-mib size_mib: u64
            /// Rounds per comparison (default 3).
            optional --rounds rounds: usize
            /// Keys of the listing comparison (default 100000).
            optional --keys keys: usize
            /// rss: only these backends (s3, swift, azure, gcs; comma-separated or repeated); their
            /// tables replace theirs in the section, the others' are kept.
            repeated --backend backend: String
        }
        /// Check repository rules.
        cmd tidy {}
        /// Run the checks publishing needs: unused dependencies, cargo deny (advisories included),
        /// docs as docs.rs builds them, each feature alone, a release dry run.
        cmd checks {}
        /// Check dependency invariants with cargo tree.
        cmd check-deps {}
        /// Manage the local servers the tests talk to.
        cmd emulators {
            /// Install (if needed) and start servers: s3, azure, gcs, openstack, openstack-core, all.
            cmd up {
                repeated names: String
            }
            /// Stop servers started by `up` (all when no name is given).
            cmd down {
                repeated names: String
            }
            /// Show which servers run.
            cmd status {}
            /// Print the variables the tests read, for `eval`.
            cmd env {
                repeated names: String
            }
        }
        /// Regenerate code from a vendor API document.
        cmd codegen {
            /// What to generate (`coda`).
            required target: String
            /// Fail if the committed files are stale instead of writing them.
            optional --check
            /// The API document to read.
            optional --spec spec: PathBuf
        }
        /// Bump the version, move the changelogs' Unreleased sections, package and verify every
        /// published crate, then publish, commit and tag.
        cmd release {
            /// The version to release (e.g. 0.1.0).
            required version: String
            /// Work on a temporary copy and stop before uploading.
            optional --dry-run
        }
    }
}
