//! Smoke tests for the local servers started by `cargo xtask emulators up`; the code is in
//! `tests/smoke.rs` and this library is empty. See the README for what each test proves and
//! which servers it needs.
