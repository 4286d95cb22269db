//! A seeded soak of the storage clients under faults.
//!
//! Each backend's client talks to its local server through a [`cloud_faults::FaultProxy`].
//! Thousands of mixed operations run one after the other: puts (single requests and multipart,
//! block, segment or resumable sizes; bytes, streams of known and of unknown length, over few
//! keys so most puts overwrite), whole and ranged gets, heads, listings, deletes, copies and
//! downloads to a file. A seeded random choice picks each operation, its key and size, and
//! whether one of its requests meets a fault (refused, black-holed, answered never or lost after
//! the server acted, body cut, stalled, truncated or dripped, a 500, 503 or 429 in the server's
//! place).
//!
//! A model tracks what every key may hold: the content of the last acknowledged write, plus
//! that of any failed write since (the server may or may not have acted on it). Every read
//! during the run must see one of those, whole; at the end every key is read back straight
//! from the server, not through the proxy, and checksummed. Then the leftovers are counted: S3
//! multipart uploads still open, Swift segments no manifest lists, Azure blocks never
//! committed, temporary files next to downloads.
//!
//! `cargo xtask soak` runs it (10,000 operations per backend by default); a shorter run with a
//! fixed seed is part of `cargo xtask test` (`tests/soak.rs`).

mod backends;
mod engine;
mod model;
mod report;

pub use backends::{BACKENDS, target};
pub use engine::{Leftovers, Settings, Target, run};
pub use report::{Orphans, Report};
