//! The model of what the store must hold: for every key, the versions it may hold now.
//!
//! A write the client acknowledged replaces the key's possible versions with its own; a write
//! that failed adds its version to them (the server may or may not have acted). A read narrows
//! them to what it saw, and must see one of them, whole: anything else is a violation.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// One written content: an id the bytes are derived from, and their length and digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Content {
    id: u64,
    len: usize,
    digest: [u8; 32],
}

impl Content {
    /// The content of write `id`, `len` bytes long.
    pub(crate) fn new(id: u64, len: usize) -> Self {
        Self { id, len, digest: digest(&Self::generate(id, len)) }
    }

    /// Its bytes (a pseudo-random sequence seeded by the id: two writes never look alike).
    pub(crate) fn bytes(&self) -> Bytes {
        Self::generate(self.id, self.len)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn generate(id: u64, len: usize) -> Bytes {
        let mut state = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&splitmix(&mut state).to_le_bytes());
        }
        out.truncate(len);
        out.into()
    }
}

/// One step of SplitMix64.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The SHA-256 of `bytes`.
pub(crate) fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// What a key may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    Absent,
    Data(Content),
}

/// What a read saw, or what the store holds at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// `NotFound`.
    Absent,
    /// The whole object.
    Whole(Bytes),
    /// A range of an object of `size` bytes.
    Range { size: u64, range: Range<u64>, bytes: Bytes },
    /// Only the size (head, listing).
    Size(u64),
}

/// A broken promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Violation {
    /// An acknowledged write is gone: the key is missing, or holds an older version.
    Lost { key: String, what: String },
    /// The key holds (or a read returned) bytes no write of the key ever had: a mix, a
    /// truncation, another key's bytes.
    Corrupt { key: String, what: String },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lost { key, what } => write!(f, "lost: {key}: {what}"),
            Self::Corrupt { key, what } => write!(f, "corrupt: {key}: {what}"),
        }
    }
}

#[derive(Debug, Default)]
struct Slot {
    /// The versions the key may hold now (never empty once touched).
    possible: Vec<Version>,
    /// Every content ever written to the key, to tell "older" from "never written".
    history: Vec<Content>,
}

/// The model of the store: every key of the run and what it may hold.
#[derive(Debug, Default)]
pub(crate) struct Model {
    slots: BTreeMap<String, Slot>,
}

impl Model {
    fn slot(&mut self, key: &str) -> &mut Slot {
        self.slots
            .entry(key.to_owned())
            .or_insert_with(|| Slot { possible: vec![Version::Absent], history: Vec::new() })
    }

    /// The versions `key` may hold now.
    pub(crate) fn possible(&self, key: &str) -> Vec<Version> {
        self.slots.get(key).map_or_else(|| vec![Version::Absent], |s| s.possible.clone())
    }

    /// A write of `content` to `key` ended: acknowledged (`true`) or not.
    pub(crate) fn wrote(&mut self, key: &str, content: Content, acknowledged: bool) {
        let slot = self.slot(key);
        slot.history.push(content);
        set(slot, Version::Data(content), acknowledged);
    }

    /// A delete of `key` ended: acknowledged or not.
    pub(crate) fn deleted(&mut self, key: &str, acknowledged: bool) {
        set(self.slot(key), Version::Absent, acknowledged);
    }

    /// A copy from `src` to `dst` ended. An acknowledged copy means the source existed; the
    /// destination holds one of the source's versions.
    pub(crate) fn copied(&mut self, src: &str, dst: &str, acknowledged: bool) {
        let from: Vec<Content> = self
            .possible(src)
            .into_iter()
            .filter_map(|v| match v {
                Version::Data(c) => Some(c),
                Version::Absent => None,
            })
            .collect();
        let slot = self.slot(dst);
        if acknowledged {
            slot.possible.clear();
        }
        for content in from {
            slot.history.push(content);
            if !slot.possible.contains(&Version::Data(content)) {
                slot.possible.push(Version::Data(content));
            }
        }
        if slot.possible.is_empty() {
            // An acknowledged copy of a source the model says cannot exist: the read-back will
            // tell what the key holds; keep every candidate the key ever had.
            slot.possible.push(Version::Absent);
            let history = slot.history.clone();
            slot.possible.extend(history.into_iter().map(Version::Data));
        }
    }

    /// Checks what a read of `key` saw against the model, and narrows the key's versions to the
    /// ones the read allows (the run is sequential: nothing changes the key between the read and
    /// the next operation).
    pub(crate) fn observe(&mut self, key: &str, seen: &Seen) -> Result<(), Violation> {
        let slot = self.slot(key);
        let matching: Vec<Version> = slot.possible.iter().copied().filter(|v| matches(v, seen)).collect();
        if !matching.is_empty() {
            slot.possible = matching;
            return Ok(());
        }
        let what = describe(seen);
        let older = slot.history.iter().any(|c| matches(&Version::Data(*c), seen));
        let expected = slot.possible.iter().map(short).collect::<Vec<_>>().join(" or ");
        let violation = if matches!(seen, Seen::Absent) || older {
            Violation::Lost { key: key.to_owned(), what: format!("saw {what}, expected {expected}") }
        } else {
            Violation::Corrupt { key: key.to_owned(), what: format!("saw {what}, expected {expected}") }
        };
        // The key's state is unknown from here on: accept anything it ever held, so that one
        // defect is reported once (the next write makes it known again).
        slot.possible =
            std::iter::once(Version::Absent).chain(slot.history.iter().copied().map(Version::Data)).collect();
        Err(violation)
    }
}

/// Replaces or widens a slot's versions with `version`.
fn set(slot: &mut Slot, version: Version, acknowledged: bool) {
    if acknowledged {
        slot.possible = vec![version];
    } else if !slot.possible.contains(&version) {
        slot.possible.push(version);
    }
}

/// Whether `version` explains what a read saw.
fn matches(version: &Version, seen: &Seen) -> bool {
    match (version, seen) {
        (Version::Absent, Seen::Absent) => true,
        (Version::Data(c), Seen::Whole(bytes)) => c.len == bytes.len() && c.digest == digest(bytes),
        (Version::Data(c), Seen::Size(size)) => c.len as u64 == *size,
        (Version::Data(c), Seen::Range { size, range, bytes }) => {
            let len = c.len as u64;
            len == *size
                && range.end <= len
                && range.end - range.start == bytes.len() as u64
                && c.bytes().slice(range.start as usize..range.end as usize) == *bytes
        }
        _ => false,
    }
}

fn describe(seen: &Seen) -> String {
    match seen {
        Seen::Absent => "no object".to_owned(),
        Seen::Whole(bytes) => format!("{} bytes (sha256 {})", bytes.len(), hex(&digest(bytes)[..6])),
        Seen::Range { size, range, bytes } => {
            format!("{} bytes for range {range:?} of an object of {size}", bytes.len())
        }
        Seen::Size(size) => format!("an object of {size} bytes"),
    }
}

fn short(version: &Version) -> String {
    match version {
        Version::Absent => "no object".to_owned(),
        Version::Data(c) => format!("write #{} ({} bytes, sha256 {})", c.id, c.len, hex(&c.digest[..6])),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{Content, Model, Seen, Violation};

    #[test]
    fn an_acknowledged_write_must_be_read_back() {
        let mut model = Model::default();
        let first = Content::new(1, 100);
        let second = Content::new(2, 100);
        model.wrote("k", first, true);
        model.wrote("k", second, true);
        assert!(model.observe("k", &Seen::Whole(second.bytes())).is_ok());
        assert!(matches!(model.observe("k", &Seen::Whole(first.bytes())), Err(Violation::Lost { .. })));
        model.wrote("k", second, true);
        assert!(matches!(model.observe("k", &Seen::Absent), Err(Violation::Lost { .. })));
    }

    #[test]
    fn a_failed_write_may_or_may_not_have_landed_but_never_in_part() {
        let mut model = Model::default();
        let old = Content::new(1, 1000);
        let new = Content::new(2, 1000);
        model.wrote("k", old, true);
        model.wrote("k", new, false);
        assert!(model.observe("k", &Seen::Whole(old.bytes())).is_ok());
        model.wrote("k", new, false);
        assert!(model.observe("k", &Seen::Whole(new.bytes())).is_ok());
        let mut mixed = old.bytes().to_vec();
        mixed[500..].copy_from_slice(&new.bytes()[500..]);
        model.wrote("k", new, false);
        assert!(matches!(model.observe("k", &Seen::Whole(mixed.into())), Err(Violation::Corrupt { .. })));
        assert!(matches!(model.observe("k", &Seen::Whole(new.bytes().slice(..999))), Err(Violation::Corrupt { .. })));
    }

    #[test]
    fn ranges_sizes_deletes_and_copies_are_checked() {
        let mut model = Model::default();
        let content = Content::new(7, 64);
        model.wrote("a", content, true);
        let range = Seen::Range { size: 64, range: 8..16, bytes: content.bytes().slice(8..16) };
        assert!(model.observe("a", &range).is_ok());
        let wrong = Seen::Range { size: 64, range: 8..16, bytes: content.bytes().slice(9..17) };
        assert!(model.observe("a", &wrong).is_err());
        model.copied("a", "b", true);
        assert!(model.observe("b", &Seen::Size(64)).is_ok());
        assert!(model.observe("b", &Seen::Size(63)).is_err());
        model.deleted("b", false);
        model.copied("a", "b", true);
        assert!(model.observe("b", &Seen::Whole(content.bytes())).is_ok());
        model.deleted("b", true);
        assert!(model.observe("b", &Seen::Absent).is_ok());
        assert!(model.observe("never", &Seen::Absent).is_ok());
        assert!(model.observe("never", &Seen::Size(3)).is_err());
    }

    #[test]
    fn contents_differ_by_id_and_are_stable() {
        assert_eq!(Content::new(3, 4096).bytes(), Content::new(3, 4096).bytes());
        assert_ne!(Content::new(3, 4096).bytes(), Content::new(4, 4096).bytes());
        assert_eq!(Content::new(3, 4096).bytes().slice(..100), Content::new(3, 100).bytes());
    }
}
